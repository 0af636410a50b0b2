/* SPDX-License-Identifier: MIT */
/*
 * suite.h - workloads/suites.cfg: the suites and what each entry must give,
 * as data.  One file, read by everything that runs or checks a workload:
 * `irqlbench list --suites`, `make run` (host/make-run.sh), the tests.
 *
 * The file is INI-like, as kvm-unit-tests' x86/unittests.cfg: one section
 * per entry, naming a workload, its parameters, its groups and its
 * requirements.  The first entry of a workload also gives the workload's
 * expectations, as integer formulas of its parameters (the catalog's
 * defaults fill in the rest, workloads/catalog.c): the guest's counters per
 * vCPU and iteration (the CR8 writes by kind, ...) and, per KVM policy
 * family, the CR8-related exits and the late deliveries per iteration.
 * The format is described at the top of workloads/suites.cfg.
 *
 * Policy families (docs/kvm-cr8-model.md section 8):
 *   fixed    fixed, l61, l72; the lab's fixed build (= l61)
 *   unfixed  prefix, unfixed; the lab's fix-reverted build (= unfixed)
 *   vmx-tpr  vmx-tpr (its CR8-related exit is TPR_BELOW_THRESHOLD)
 *   apicv    apicv, avic
 * A key named after a family (exits.fixed) holds for the whole family; a key
 * named after another policy (exits.prefix) overrides it for that policy.
 *
 * Errors are one line, "FILE:LINE: problem: fix", in the caller's buffer.
 */
#ifndef IRQLBENCH_SUITE_H
#define IRQLBENCH_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "model/kvm_policy.h"
#include "stats.h"

#define SUITE_FILE		"workloads/suites.cfg"	/* in the source tree */
#define SUITE_MAX_GROUPS	16
#define SUITE_MAX_VCPUS		MAX_CPUS

enum suite_clock { SUITE_CLOCK_NONE, SUITE_CLOCK_TIMER, SUITE_CLOCK_IPI };

struct suite_formula {
	char *text;		/* NULL: no expectation */
	unsigned line;
};

struct suite_entry {
	char *name;
	unsigned line;				/* of its [name] */
	const struct wl_info *w;
	struct wl_values vals;			/* its params over the catalog's defaults */
	bool given[WL_MAX_PARAMS];		/* vals.v[i] set by its params line */
	char *groups[SUITE_MAX_GROUPS];
	unsigned ngroups;
	unsigned vcpus;				/* requirement: vCPUs to run with (1) */
	enum suite_clock clock;			/* requirement: what raises the clock */
	const struct suite_entry *expect_from;	/* the workload's first entry */
	/* the formulas, on the workload's first entry only */
	struct suite_formula count[STAT_NCOUNTERS];	/* per vCPU and iteration */
	struct suite_formula exits[KP_NPOLICY], late[KP_NPOLICY];
};

struct suite {
	char *path;
	struct suite_entry *e;
	unsigned n;
};

/* What one entry (or workload with given parameters) must give under one
 * policy.  -1: the file states no expectation. */
struct suite_expect {
	int64_t count[STAT_NCOUNTERS];	/* per vCPU and iteration; cr8_writes is the sum of
					 * the four kinds when all four are given */
	int64_t exits;			/* CR8-related exits per iteration, of exit_reason */
	int64_t late;			/* unmasking writes whose interrupt came late */
	int64_t immediate;		/* cr8_lower_unmask - late */
	const char *exit_reason;	/* perf kvm stat's name: write_cr8, TPR_BELOW_THRESHOLD, ... */
	const char *family;		/* fixed, unfixed, vmx-tpr, apicv */
	const char *delivery;		/* "immediate", "late", "some late", or NULL */
};

/*
 * The file to read: $IRQLBENCH_SUITES if set, else workloads/suites.cfg of
 * the tree this program was built in (found from its own path, BUILD/bin/X
 * or BUILD/tests/X with BUILD in the tree), else share/irqlbench/suites.cfg
 * of an installed irqlbench, else of the current directory.
 * The caller frees it.
 */
char *suite_default_path(void);

/*
 * Reads and checks a file: every entry's workload, parameters, groups and
 * requirements, and every formula evaluated for every entry under every
 * policy.  NULL with a one-line message in err and *status EXIT_ENV (the
 * file cannot be read) or EXIT_USAGE (its content is wrong).
 */
struct suite *suite_load(const char *path, int *status, char *err, size_t errlen);
/* The same from text; name is used in the messages. */
struct suite *suite_parse(const char *name, const char *text, char *err, size_t errlen);
void suite_free(struct suite *s);

const struct suite_entry *suite_find(const struct suite *s, const char *name);
/* The parameters an entry sets itself, "depth=2 elide_same_level=1" ("" for
 * none): a run is `--workload e->w->name` and a `--param` for each (plus
 * the runner's iterations and warmup).  The caller frees it. */
char *suite_entry_params(const struct suite_entry *e);
bool suite_in_group(const struct suite_entry *e, const char *group);
/* iterations and warmup: the runners set them for every entry (make run,
 * verify, the tests), so they do not make a run another entry's. */
bool suite_runner_param(const char *name);
/* The entry a run with these values is: the first entry of vals->w whose
 * values are vals's, but for the runner's parameters where the entry does
 * not give them itself.  NULL: none is. */
const struct suite_entry *suite_entry_of(const struct suite *s, const struct wl_values *vals);
/* Every group named in the file, in order of first use, joined by ", ". */
char *suite_groups(const struct suite *s);

/* The record's name of counter i (stats.h), and its key in the file
 * ("raise" for cr8_raise). */
const char *suite_counter_name(unsigned i);
const char *suite_counter_key(unsigned i);

/* The family of a model policy ("fixed", ...), and the model policy whose
 * counts a lab variant has (fixed -> l61, unfixed -> unfixed; KP_NPOLICY for
 * stock and patches: nothing is known of them). */
const char *suite_family(enum kp_policy p);
enum kp_policy suite_variant_policy(const char *variant);

/*
 * The expectations of the workload vals->w with the values vals under
 * policy p, from the formulas of the workload's first entry.  0; -1 with a
 * message (no entry of the workload: its expectations are all -1 and this
 * returns 0; a formula that cannot be evaluated for these values: -1).
 */
int suite_expect(const struct suite *s, const struct wl_values *vals, enum kp_policy p,
		 struct suite_expect *x, char *err, size_t errlen);
/* The same for an entry with its own parameters. */
int suite_expect_entry(const struct suite *s, const struct suite_entry *e, enum kp_policy p,
		       struct suite_expect *x, char *err, size_t errlen);
/*
 * Does a run with these values tell a fixed kernel from an unfixed one: do
 * the families fixed and unfixed differ in exits or late deliveries?  (Not
 * at nested-spinlock depth 1, nor with elide_same_level=1.)  false where
 * either has no expectation.
 */
bool suite_distinguishes(const struct suite *s, const struct wl_values *vals);

/*
 * The formula language: integers, parameter names (vals's workload's own
 * and the common ones), + - * / (truncating, as C), unary -, parentheses,
 * and the comparisons < <= > >= == != (1 or 0).  0 and *out; -1 with a
 * message naming the problem.
 */
int suite_eval(const char *expr, const struct wl_values *vals, int64_t *out,
	       char *err, size_t errlen);

/* "workload=W k=v ..." (the guest's command line) into vals; 0 or -1. */
int suite_values_from_cmdline(const char *cmdline, struct wl_values *vals,
			      char *err, size_t errlen);

#endif
