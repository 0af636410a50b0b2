/* SPDX-License-Identifier: MIT */
/*
 * model.h - `irqlbench model`: the guest's workloads on a simulated vCPU,
 * one result record per KVM policy (host/model/README.md).
 */
#ifndef IRQLBENCH_MODEL_H
#define IRQLBENCH_MODEL_H

#include <stdio.h>
#include <jansson.h>

#include "model/sim.h"

/* --- step table (trace_fmt.c) ------------------------------------------- */

enum trace_format { TRACE_TEXT, TRACE_MD, TRACE_CSV, TRACE_LATEX };

/*
 * Rows of the upstream discussion's table (docs/kvm-cr8-model.md §8) matched to
 * the trace of a seed-table run: disc[i] is the discussion row (1..13) of
 * step i, or 0.  Matches the first measured iteration.  Returns how many
 * of the discussion's rows were found (11 when complete: row 1 is the
 * initial state and row 12 has no platform event).
 */
unsigned trace_align_seed(const struct sim_result *r, unsigned char *disc);
/* Does the intercept after step i differ from the discussion's row? */
bool trace_seed_differs(const struct sim_step *st, unsigned row);

void trace_print(FILE *f, const struct sim_result *r, enum kp_policy p,
		 enum trace_format fmt, bool seed_table, double tsc_hz);

/* --- record additions (model.c) ------------------------------------------- */

/* Adds exits / injections / delivery of the sim's phases to rec's phases
 * (vCPU 0), and the model's parameters to provenance.model.  costs_from
 * (model_costs_from()'s source, or NULL) goes to
 * provenance.model.costs_from, and then each phase also gets the exit
 * times the simulation charged (exit_times in ns, as a kvm record's: every
 * exit of a reason costs the same, so min = max = mean).  cost_overrides
 * ({key: cycles}, the --cost options the costs kept; NULL: none) goes to
 * provenance.model.cost_overrides. */
void model_record_add(json_t *rec, const struct sim_config *cfg,
		      const struct sim_result *r, json_t *costs_from, json_t *cost_overrides);

/* --- costs from a measured record (costs_from.c) ------------------------ */

/*
 * `model --costs-from`: sets cfg's exit costs (cost.exit[], cost.mmio) to
 * the mean handling time per exit reason of rec's measured phases
 * (exit_times: kvm_exit to the next kvm_entry, ns) and cost.cr8 to the
 * probe's untrapped CR8-write time (probe=1 records), in TSC cycles of
 * rec's guest.tsc_hz, which becomes cfg->tsc_hz: the model then speaks in
 * that host's cycles.  Keys the record cannot give keep their value.
 * Returns 0 and *source, a new JSON object for provenance.model.costs_from:
 * {run, backend, emulated, tsc_hz, variant?, kernel?, measured: {key:
 * {reason, timed, mean_ns, cycles} | cr8: {...}}, defaults: {key: why}};
 * or -1 and a one-line err (a record that is not "ok", has no tsc_hz, or
 * neither exit times nor a probe), cfg unchanged.
 */
int model_costs_from(struct sim_config *cfg, json_t *rec, json_t **source, char *err,
		     size_t len);

#endif
