/* SPDX-License-Identifier: MIT */
/*
 * run_values.h - what workloads/suites.cfg knows of a stored run: its
 * parameter values over the catalog's defaults, the KVM policy whose
 * expectations it has, and its parameter tuple (the words LKP's compare
 * heads a table with).  Shared by verify (host/verify/verdict.c) and
 * compare (host/compare/compare.c).
 */
#ifndef IRQLBENCH_RUN_VALUES_H
#define IRQLBENCH_RUN_VALUES_H

#include <stddef.h>

#include "catalog.h"
#include "model/kvm_policy.h"
#include "store/store.h"

/*
 * The run's workload and parameters (its params JSON) over the catalog's
 * defaults.  0, or -1 with a one-line reason in err (a workload the catalog
 * does not have, parameters that are no JSON object or out of range).
 */
int suite_run_values(const struct run_info *run, struct wl_values *vals, char *err, size_t errlen);

/*
 * The model policy whose expectations the run has: its policy for a model
 * run, else the one its variant counts as (suite_variant_policy()); KP_NPOLICY
 * when nothing is known of it (stock, a patch, kvm, tcg, guest).
 */
enum kp_policy suite_run_policy(const struct run_info *run);

/*
 * The parameter tuple of a run with these values, "workload=W k=v ...": the
 * workload's own parameters always, a common one only where it is not the
 * catalog's default, the runner's (iterations, warmup) never.  Two runs with
 * the same tuple ran the same thing.  Truncated to len (at least 1).
 */
void suite_run_tuple(const struct wl_values *vals, char *buf, size_t len);

#endif
