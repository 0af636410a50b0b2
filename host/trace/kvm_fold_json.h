/* SPDX-License-Identifier: MIT */
/*
 * The fold's results as the record's JSON (results/SCHEMA.md):
 * phases[].vcpus[].exits / injections / delivery.
 */
#ifndef IRQLBENCH_KVM_FOLD_JSON_H
#define IRQLBENCH_KVM_FOLD_JSON_H

#include <jansson.h>

#include "trace/kvm_fold.h"

/* {"write_cr8": 600, "io": 2, "npf": 400}: non-zero exits, perf kvm stat names */
json_t *kt_cell_exits_json(const struct kt_cell *c);
/*
 * {"write_cr8": {"unit": "ns", "layout": "log-linear", "n": 590, "untimed": 10,
 * "sum": ..., "min": ..., "max": ..., "mean": ..., "overflow": 0, "buckets":
 * [[upper bound, count], ...], "p50": ..., "p50_lo": ..., "p99": ..., "p99_lo": ...}}:
 * the exit handling times, every reason of the exits map (results/SCHEMA.md).
 * Units: the trace clock's, ns with the collector's "mono" clock.
 */
json_t *kt_cell_exit_times_json(const struct kt_cell *c);
/* One reason's times; @exits is its count in the cell (untimed = exits - n). */
json_t *kt_exit_time_json(const struct kt_exit_time *x, uint64_t exits);
/* {"0x2f": 200, "0xd1": 200}: injections by vector */
json_t *kt_cell_injections_json(const struct kt_cell *c);
/* {"unmasking_writes": 200, "immediate": 200, "late": 0} */
json_t *kt_cell_delivery_json(const struct kt_cell *c);

/* [{"cpu": 2, "vcpu_id": 0, "apic_id": 0, "tid": 1234}, ...]: the vCPUs the
 * fold saw, with the guest's index (null when unmapped) */
json_t *kt_fold_vcpus_json(const struct kt_fold *f);

/*
 * The whole fold: {"phases": [{"idx": 2, "vcpus": [{"cpu": 0, "vcpu_id": 1,
 * "exits": ..., "injections": ..., "delivery": ...}]}], "vcpus": [...],
 * "diagnostics": {"events": ..., "markers": ..., "marker_exits": ...,
 * "missed": ..., ...}}.  "cpu" is the guest's index after kt_fold_map(), the
 * markers' claim before it, null when unknown.  Sorts f's cells.
 */
json_t *kt_fold_json(struct kt_fold *f);

/*
 * Fill exits/injections/delivery of @record's phases[].vcpus[] from the
 * fold, after kt_fold_map() (also exit_times): for each phase of the record that the trace saw
 * (matched by idx), a vcpus[] entry is matched by "cpu", the guest's index
 * of the cell's vCPU (and added when missing).  Phases the record does not
 * declare (e.g. the 0xff end marker) and unmapped vCPUs are left out.
 * Returns the number of cells merged, or -1 when @record has no phases array.
 */
int kt_fold_merge_record(struct kt_fold *f, json_t *record);

#endif
