/* SPDX-License-Identifier: MIT */
/*
 * stats.h - what the guest measures, per phase and per vCPU.
 *
 * Counters and histograms live in plain arrays so that the guest's report
 * and the host's model print them the same way (see results/SERIAL.md).
 */
#ifndef IRQLBENCH_STATS_H
#define IRQLBENCH_STATS_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS	8
#define MAX_PHASES	8

/* Counters: the names are the record's keys. */
#define STAT_COUNTERS(X)						\
	X(cr8_writes)		/* every CR8 write the layer made */	\
	X(cr8_raise)		/* new > current */			\
	X(cr8_same)		/* new == current */			\
	X(cr8_lower)		/* new < current, nothing unmasked */	\
	X(cr8_lower_unmask)	/* new < current, made an expected vector deliverable */ \
	X(cr8_elided)		/* same-level raises skipped (elide_same_level) */ \
	X(dpc_queued)							\
	X(dpc_run)							\
	X(dpc_interrupts)	/* entries of the 0x2F handler */	\
	X(apc_queued)							\
	X(apc_run)							\
	X(apc_interrupts)	/* entries of the 0x1F handler */	\
	X(clock_interrupts)						\
	X(other_interrupts)						\
	X(late_deliveries)	/* unmasked, not entered by the next check */ \
	X(deferred_by_if)	/* unmasked with IF=0: delivery waits for sti/iret */ \
	X(priority_violations)	/* entered while CR8 >= the vector's class */ \
	X(spurious_interrupts)						\
	X(probe_samples)	/* probe=1: CR8 writes timed with nothing pending */ \
	X(probe_exits)		/* ... that cost more than probe_threshold: trapped */ \
	X(probe_pending_samples) /* probe=1: unmasking CR8 writes timed */ \
	X(probe_pending_exits)	/* ... that cost more than probe_threshold */ \
	X(lock_contended)	/* spinlock acquires that found it held and spun */ \
	X(iterations)

enum stat_counter {
#define X(n) STAT_##n,
	STAT_COUNTERS(X)
#undef X
	STAT_NCOUNTERS
};

extern const char *const stat_counter_names[STAT_NCOUNTERS];

/* Histograms, in TSC cycles. */
#define STAT_HISTS(X)							\
	X(dpc_queue_to_run)	/* KeInsertQueueDpc -> DPC routine start */	\
	X(dpc_unmask_to_entry)	/* unmasking CR8 write -> 0x2F handler entry */	\
	X(clock_unmask_to_entry) /* unmasking CR8 write -> clock handler entry */ \
	X(irq_latency)		/* timer expiry -> clock ISR entry (unmasked timers) */ \
	X(cr8_write_cost)	/* probe=1: rdtsc around each CR8 write with nothing pending */ \
	X(cr8_write_cost_pending) /* probe=1: ... around each unmasking write (with the \
				   * handler, when it ran at the write) */

enum stat_hist {
#define X(n) HIST_##n,
	STAT_HISTS(X)
#undef X
	STAT_NHISTS
};

extern const char *const stat_hist_names[STAT_NHISTS];

/*
 * Buckets: HdrHistogram's log-linear layout.  Values 0..HIST_SUB-1 have a
 * bucket each; above, every power of two [2^e, 2^(e+1)) is cut into
 * HIST_SUB buckets of 2^(e-HIST_SUB_BITS) cycles, so a bucket is at most
 * 1/HIST_SUB (6.25%) of its lower bound wide and any percentile read off
 * the buckets is within that of the exact one.  Values up to 2^HIST_TOP_BITS
 * - 1 cycles (8.6e9) have a bucket; larger ones go to the overflow count.
 * The serial report (protocol v2, results/SERIAL.md) names the layout; the
 * host expands it to explicit bounds with hist_bound().
 */
#define HIST_SUB_BITS	4
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_TOP_BITS	33
#define HIST_NBOUNDS	(HIST_SUB + (HIST_TOP_BITS - HIST_SUB_BITS) * HIST_SUB)	/* 480 */
#define HIST_LAYOUT	"log-linear"	/* the B line's layout= */

/* The bucket of value v (cycles), HIST_NBOUNDS for the overflow: one bsr
 * and a shift, no division (it runs in the measured sequences). */
static inline unsigned hist_index(uint64_t v)
{
	unsigned e;

	if (v < HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);		/* bsr: e >= HIST_SUB_BITS */
	if (e >= HIST_TOP_BITS)
		return HIST_NBOUNDS;
	return (e - HIST_SUB_BITS) * HIST_SUB + (unsigned)(v >> (e - HIST_SUB_BITS));
}

/* The inclusive upper bound (cycles) of bucket i < HIST_NBOUNDS. */
static inline uint64_t hist_bound(unsigned i)
{
	unsigned shift;

	if (i < HIST_SUB)
		return i;
	shift = i / HIST_SUB - 1;		/* i >= HIST_SUB: constant divisor, a shift */
	return ((uint64_t)(i % HIST_SUB + HIST_SUB + 1) << shift) - 1;
}

/* Bucket counts are 32-bit (saturating): half the memory a measured
 * sequence touches, which matters under a shadow-paging hypervisor
 * (kvm_pvm: a larger footprint let interrupts in early, docs/SERIAL.md). */
struct hist {
	uint32_t counts[HIST_NBOUNDS];
	uint64_t overflow;
	uint64_t n, sum, min, max;
};

struct phase_stats {
	uint64_t c[STAT_NCOUNTERS];
	struct hist h[STAT_NHISTS];
};

struct cpu_stats {
	struct phase_stats phase[MAX_PHASES];
	unsigned cur;		/* current phase index */
};

extern struct cpu_stats stats_cpu[MAX_CPUS];

/* Phase table, shared by all vCPUs (declared by the workload). */
struct phase_desc {
	const char *name;
	bool measured;
};
extern struct phase_desc stats_phases[MAX_PHASES];
extern unsigned stats_nphases;

void stats_reset(void);
/* Declare phase `idx` (0 is "setup", declared by stats_reset). */
void stats_declare_phase(unsigned idx, const char *name, bool measured);
/* Switch this vCPU to phase idx and write the phase marker. */
void stats_enter_phase(unsigned idx);

static inline struct phase_stats *stats_here(void);
void stats_hist_add(struct hist *h, uint64_t v);

#include "platform.h"
static inline struct phase_stats *stats_here(void)
{
	struct cpu_stats *cs = &stats_cpu[plat_cpu_id()];

	return &cs->phase[cs->cur];
}

#define STAT_INC(name) (stats_here()->c[STAT_##name]++)
#define STAT_ADD(name, v) (stats_here()->c[STAT_##name] += (v))
#define HIST_ADD(name, v) stats_hist_add(&stats_here()->h[HIST_##name], (v))

/* Phase marker value written to PLAT_PHASE_PORT: 'IR' magic, vCPU, phase. */
#define PHASE_MARKER(cpu, idx) (0x49520000u | ((cpu) & 0xffu) << 8 | ((idx) & 0xffu))
#define PHASE_END_IDX 0xffu
/* Job marker, written before each job of a repeat=N boot: 'JB' magic, job index. */
#define JOB_MARKER(job) (0x4a420000u | ((job) & 0xffffu))
#define REPEAT_MAX 100u

#endif
