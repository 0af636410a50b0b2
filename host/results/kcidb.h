/* SPDX-License-Identifier: MIT */
/*
 * kcidb.h - stored runs and verdicts as one KCIDB I/O document, schema v5.0
 * (kernelci/kcidb-io, kcidb_io/schema/v05_00.py): `irqlbench results export
 * --format kcidb` (results/SCHEMA.md, "KCIDB export").
 *
 *   checkout  the kernel under test: irqlbench:kernel-<Debian version or
 *             ABI> (lab: L1's kernel, provenance.lab.kernel; kvm, tcg,
 *             guest: the host's, provenance.host), irqlbench:model for the
 *             model backend, irqlbench:unknown where no record says
 *   build     that kernel with one kvm variant (lab/kvm: stock, fixed,
 *             unfixed, patch...), one model policy, or the backend:
 *             <checkout id>-<series>
 *   test      per run: irqlbench.<workload>.<param-value>... (the run,
 *             PASS when complete, FAIL when the workload's own check
 *             failed, ERROR when the run failed) and one DONE test per
 *             metric, .<metric> with number {value, unit}; per verdict:
 *             irqlbench.verify (irqlbench.verify.control for the positive
 *             control, which must say UNFIXED; .guest for a guest-side
 *             verdict), PASS when it says what its setup should give
 *             (verdict_expected()), FAIL when it says the other, ERROR
 *             when INCONCLUSIVE.
 *
 * Only what the schema allows is written: no null anywhere, ids
 * "irqlbench:...", test paths of [a-zA-Z0-9_-] components joined by dots.
 */
#ifndef IRQLBENCH_KCIDB_H
#define IRQLBENCH_KCIDB_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "record/metrics.h"

#define KCIDB_ORIGIN		"irqlbench"
#define KCIDB_VERSION_MAJOR	5
#define KCIDB_VERSION_MINOR	0

struct kcidb {
	json_t *doc;			/* {"version", "checkouts", "builds", "tests"} */
	json_t *checkouts, *builds, *tests;	/* borrowed from doc */
	json_t *seen;			/* checkout and build ids already added */
};

void kcidb_init(struct kcidb *k);
/* The document (a new reference); k is emptied. */
json_t *kcidb_finish(struct kcidb *k);

/* Adds a stored run: its record, its metrics (store_run_metrics()) and
 * whether the store holds it as failed (store_run_failed()). */
void kcidb_add_run(struct kcidb *k, json_t *rec, const struct metric_set *m, bool failed);
/* Adds a verdict of `irqlbench verify` (irqlbench-verdict/1). */
void kcidb_add_verdict(struct kcidb *k, json_t *v);

/* A path component from any text: [a-zA-Z0-9_-] kept, '/iter' becomes
 * "_per_iter", '.' '-' of a name as the caller asks, anything else '_';
 * "_" for an empty one.  To free. */
char *kcidb_component(const char *s, bool dash_to_underscore);
/* The test path of a metric: "irqlbench.<workload>.<params>.<metric>". */
char *kcidb_metric_path(const char *run_path, const char *metric);
/* Is path a valid v5 test path (^([a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*)?$)? */
bool kcidb_path_ok(const char *path);
/* The unit of a metric: "cycles", "%", "exits", "injections",
 * "interrupts", with "/iter" when per iteration; NULL when dimensionless. */
const char *kcidb_metric_unit(const char *metric, char *buf, size_t len);
/* KCIDB status of an irqlbench verdict against the one expected of it:
 * PASS when it is that one, FAIL when it is another decided one (FIXED,
 * UNFIXED, ON-TIME, LATE), ERROR when INCONCLUSIVE (the test ran and the
 * tested code's status is unknown); NULL for an unknown verdict. */
const char *kcidb_verdict_status(const char *verdict, const char *expected);

#endif
