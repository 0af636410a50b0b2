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
/* {"0x2f": 200, "0xd1": 200}: injections by vector */
json_t *kt_cell_injections_json(const struct kt_cell *c);
/* {"unmasking_writes": 200, "immediate": 200, "late": 0} */
json_t *kt_cell_delivery_json(const struct kt_cell *c);

/*
 * The whole fold: {"phases": [{"idx": 2, "vcpus": [{"cpu": 0, "exits": ...,
 * "injections": ..., "delivery": ...}]}], "diagnostics": {"events": ...,
 * "markers": ..., "marker_exits": ..., "missed": ..., ...}}.  Sorts f's cells.
 */
json_t *kt_fold_json(struct kt_fold *f);

/*
 * Fill exits/injections/delivery of @record's phases[].vcpus[] from the
 * fold: for each phase of the record that the trace saw (matched by idx), a
 * vcpus[] entry is matched by "cpu" (and added when missing).  Phases the
 * record does not declare (e.g. the 0xff end marker) are left out.
 * Returns the number of cells merged, or -1 when @record has no phases array.
 */
int kt_fold_merge_record(struct kt_fold *f, json_t *record);

#endif
