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
 * (vCPU 0), and the model's parameters to provenance.model. */
void model_record_add(json_t *rec, const struct sim_config *cfg,
		      const struct sim_result *r);

#endif
