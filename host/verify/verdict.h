/* SPDX-License-Identifier: MIT */
/*
 * verdict.h - the decision of `irqlbench verify`: is this kernel's KVM
 * fixed ("KVM: SVM: fix cr8 intercept window", upstream 596f3142d2b7) or
 * not, from runs of the workloads that tell the two apart.
 *
 * What tells them apart is data: workloads/suites.cfg (host/suite/suite.h), the
 * CR8-related exits and late deliveries per iteration that the policy
 * families fixed and unfixed give for a run's workload and parameters
 * (exits.fixed, late.fixed, exits.unfixed, late.unfixed; a model policy's
 * or a lab build's own, exits.P, where it belongs to one of the two).  A
 * run whose values give both the same is ignored (suite_distinguishes()).
 * verify runs the entries of group verify:
 * `irqlbench list --suites --group verify`.
 *
 * Pure logic: no I/O.  verdict_run_from_store() fills a run from a run of
 * the results store and its metrics (host/store/store.h, host/record/metrics.h).
 */
#ifndef IRQLBENCH_VERDICT_H
#define IRQLBENCH_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "catalog.h"

enum verdict {
	VERDICT_FIXED,
	VERDICT_UNFIXED,
	VERDICT_INCONCLUSIVE,
	/* the guest-side verdict's (verify/guest_verdict.h): interrupts the
	 * TPR held back came at the unmasking CR8 write, or late */
	VERDICT_ON_TIME,
	VERDICT_LATE,
};

struct verdict_run {
	const char *id;
	const char *workload;		/* as recorded */
	struct wl_values vals;		/* its workload and parameter values (catalog.h);
					 * vals.w NULL: vals_err says why there are none */
	char vals_err[256];
	const char *policy;		/* the model policy whose counts it has: a model
					 * run's, a lab build's (suite_variant_policy);
					 * NULL: none (stock, patch=, kvm) */
	bool failed;			/* status failed or verdict not ok: ignored */
	double write_cr8_per_iter;	/* NAN when the run counted no exits */
	bool has_delivery;
	uint64_t immediate, late;	/* unmasking writes that delivered at once / later */
};

struct suite;
struct verdict_opts {
	const struct suite *suite;	/* the expectations (suite_load()); NULL: none, every
					 * run is "other" */
	const char *suite_name;		/* how the reason and evidence name it (NULL: its path) */
	unsigned min_runs;		/* distinguishing runs needed (0: 3) */
	double exit_tol;		/* |measured - expected| per iteration (0: 0.05) */
	double fixed_immediate;		/* immediate share for "immediate" (0: 0.95) */
	double unfixed_late;		/* late share above which "late" (0: 0.5) */
};

struct verdict_result {
	enum verdict v;
	char reason[1024];		/* one line */
	char evidence[16384];		/* one line per run */
	unsigned fixed_runs, unfixed_runs, other_runs, ignored_runs;
};

void verdict_decide(const struct verdict_run *runs, size_t n, const struct verdict_opts *o,
		    struct verdict_result *res);
const char *verdict_name(enum verdict v);
/*
 * How verdict_decide() counts run r: "fixed", "unfixed", "other" (fits
 * neither: the verdict is INCONCLUSIVE) or "ignored" (failed, no exit
 * counts, no expectation that tells the two apart); line gets its evidence
 * line, as verdict_result.evidence has it.
 */
const char *verdict_run_judge(const struct verdict_run *r, const struct verdict_opts *o,
			      char *line, size_t len);
/*
 * The verdict a verify of this setup should give, where it is known before
 * any run: ON-TIME for the guest backend; UNFIXED for the positive control
 * (docs/verify.md §2), the fix-reverted build (variant unfixed) and the
 * model's policies of family unfixed (prefix, unfixed); FIXED for any
 * other (the kernel as it ships, the fixed build, a patch, the model's
 * other policies).  What `verify --kernels` and LAVA's verdict-cases.sh
 * expect, and what `results export --format kcidb` reports against.
 */
enum verdict verdict_expected(const char *backend, const char *variant, const char *policy);
/* `irqlbench verify` exit status (cli.h): EXIT_OK FIXED, EXIT_UNFIXED (10),
 * EXIT_INCONCLUSIVE (11): never a status an error could have. */
int verdict_exit_status(enum verdict v);
/* "ID W k=v ... [entry]": run r, the parameters its entry of suites file s
 * sets (without one: those that are not the catalog's defaults, the
 * runner's iterations and warmup left out) and that entry's name. */
void verdict_run_describe(const struct verdict_run *r, const struct suite *s, char *line, size_t len);
/* Appends printf text to the string buf of size len; cut at the end of
 * buf, never past it. */
void verdict_appendf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * One verdict is of one setup: the runs of one backend, one model policy or
 * kvm_amd variant, one kernel and one host, the fields a verdict file names
 * (results/SCHEMA.md, "The verdict file"), and for the guest-side verdict
 * (guest_verdict.h) one hypervisor as the guest saw it.  A verdict over
 * runs of several would pool what a fixed and an unfixed kernel give into
 * one answer, or answer for a kernel or host none of them was.
 */
enum verdict_setup_field {
	SETUP_BACKEND, SETUP_POLICY, SETUP_VARIANT,
	SETUP_KERNEL,		/* its ABI (uname -r) */
	SETUP_KERNEL_VERSION,	/* its Debian version: two revisions may share an ABI
				 * (named "kernel" as well: kernel= selects either) */
	SETUP_HOST, SETUP_HYPERVISOR,
	SETUP_NFIELDS
};
struct verdict_setup {
	const char *id;			/* the run */
	const char *v[SETUP_NFIELDS];	/* its value of each field; NULL: it has none, the
					 * same as another NULL only */
};
/* The field's name, as a run selector names it (backend, policy, variant,
 * kernel, host; hypervisor, which no selector key has). */
const char *verdict_setup_name(enum verdict_setup_field f);
/*
 * -1 when runs[0..n-1] are of one setup; else the first field (in the
 * order of enum verdict_setup_field) in which they differ, with *a the
 * first run and *b the first whose value of that field is not *a's.
 */
int verdict_setup_split(const struct verdict_setup *runs, size_t n, size_t *a, size_t *b);
/* "runs of more than one backend: ID1 (lab) and ID2 (model)": a split that
 * verdict_setup_split() found, for a message. */
void verdict_setup_describe(const struct verdict_setup *runs, int field, size_t a, size_t b,
			    char *buf, size_t len);

struct run_info;
struct metric_set;
/*
 * Fills r from a stored run: its row (id, workload, its parameters into
 * r->vals through the catalog, the model policy of its policy or variant,
 * failed: flagged by the store) and its metrics as the store computed them
 * at import (metrics.h): exit.write_cr8/iter, delivery.immediate and
 * delivery.late.  The strings point into run.
 */
void verdict_run_from_store(const struct run_info *run, const struct metric_set *m,
			    struct verdict_run *r);

#endif
