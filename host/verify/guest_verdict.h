/* SPDX-License-Identifier: MIT */
/*
 * guest_verdict.h - the guest-side verdict (`irqlbench verify --backend
 * guest`, docs/guest-verdict.md): does the hypervisor deliver an interrupt
 * the TPR held back at the CR8 write that unmasks it, judged from what the
 * guest alone observed, where the host cannot be traced.
 *
 * The guest counts, for every CR8 write that lowers the IRQL below an
 * expected pending vector's class, whether the vector's handler ran before
 * the next instruction (cr8_lower_unmask, late_deliveries: guestos/nt/irql.c)
 * and how long after the write it ran (the unmask_to_entry histograms, TSC
 * cycles).  With probe=1 it also times every CR8 write and calls one that
 * costs more than the cheapest rdtsc pair plus PROBE_TRAP_NS trapped
 * (guestos/include/nt.h).  None of that needs the host.
 *
 * Pure logic: records in, a judgement out.  It says what the guest saw,
 * never which hypervisor logic made it so (the host's exit trace, the kvm
 * backend, can; the guest cannot).
 */
#ifndef IRQLBENCH_GUEST_VERDICT_H
#define IRQLBENCH_GUEST_VERDICT_H

#include <stddef.h>
#include <jansson.h>

#include "verify/verdict.h"

/* The group of workloads/suites.cfg that `verify --backend guest` runs. */
#define GUEST_GROUP "guest"

/* A run counts as late when more than this share of its unmasking writes
 * came late, as on time when at most GUEST_ONTIME_LATE did. */
#define GUEST_LATE_SHARE	0.5
#define GUEST_ONTIME_LATE	0.05
/* Fewer usable runs than this decide nothing. */
#define GUEST_MIN_RUNS		3
/* More cycles than this per dependent register add: the vCPU's
 * instructions do not run natively (an instruction emulator). */
#define GUEST_WORK_EMULATED	20.0

struct guest_judgement {
	enum verdict v;			/* VERDICT_ON_TIME, VERDICT_LATE, VERDICT_INCONCLUSIVE */
	char reason[1024];		/* one line: what the guest saw, with the evidence */
	char evidence[8192];		/* a line per run */
	unsigned on_time, late, other, ignored;	/* runs by class */
	/* the numbers behind it (results/SCHEMA.md, "The verdict file",
	 * "guest"): owned, json_decref() it (guest_judgement_free) */
	json_t *summary;
};

/*
 * Judges recs[0..n-1] (records of results/SCHEMA.md, of any backend: the
 * guest's observations are the same keys everywhere).  A run is ignored
 * when it failed, its workload's check failed, or it had no unmasking
 * write; late when more than GUEST_LATE_SHARE of its unmasking writes were
 * late, on time when at most GUEST_ONTIME_LATE were, other in between.
 * ON-TIME: at least GUEST_MIN_RUNS usable runs, all on time; LATE: as many,
 * all late; INCONCLUSIVE otherwise, with the reason.  ids[i] names run i
 * in the evidence (NULL: its record's "id"), entries[i] its entry of the
 * suites file (NULL or entries NULL: its workload).
 */
void guest_judge(json_t *const *recs, const char *const *ids, const char *const *entries, size_t n,
		 struct guest_judgement *g);
void guest_judgement_free(struct guest_judgement *g);

#endif
