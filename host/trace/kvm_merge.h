/* SPDX-License-Identifier: MIT */
/*
 * kvm_merge - folding the per-CPU ring buffers while they are read.
 *
 * Each CPU's ring buffer gives its events in time order, but a vCPU thread
 * moves between CPUs and an interrupt is accepted on the sender's CPU: the
 * fold needs one time order over all CPUs.  The collector therefore queues
 * what it reads per CPU and says, per CPU, up to which time it has read
 * everything (the watermark: the trace clock when the read began, less a
 * window for events reserved before and committed after it).  Events up to
 * the lowest watermark are merged by timestamp and folded at once; only
 * the events of that window stay in memory, however long the run.
 *
 * The clock must be comparable across CPUs (the collector sets tracefs's
 * "mono", which is CLOCK_MONOTONIC).  An event that arrives older than one
 * already folded (its writer was held up longer than the window) is
 * counted in `late`: its place in the order is lost.
 *
 * No tracefs here: tests/unit/test_trace.c drives it with synthetic streams.
 */
#ifndef IRQLBENCH_KVM_MERGE_H
#define IRQLBENCH_KVM_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "trace/kvm_fold.h"

struct kt_queue;

struct kt_merge {
	struct kt_queue *q;
	unsigned nq;
	unsigned *heap;			/* non-empty queues by head timestamp */
	unsigned nheap;
	unsigned long long last_ts;	/* of the latest event folded */
	int folded_any;
	uint64_t late;			/* events older than one already folded */
	uint64_t folded;		/* events handed to the fold */
	size_t held, peak;		/* events queued now, and at most */
};

/* nq queues (one per CPU).  0, or -1 on ENOMEM. */
int kt_merge_init(struct kt_merge *m, unsigned nq);
void kt_merge_free(struct kt_merge *m);

/* Queue an event read from queue q (in that queue's time order).  0, or -1 on ENOMEM. */
int kt_merge_push(struct kt_merge *m, unsigned q, const struct kt_event *e);

/* Queue q has given every event up to time wm (never moves back). */
void kt_merge_watermark(struct kt_merge *m, unsigned q, unsigned long long wm);

/*
 * Fold, in timestamp order, the queued events up to the lowest watermark
 * (all of them when @all).  Equal timestamps keep queue order, then queue
 * index.  0, or -1 when the fold ran out of memory.
 */
int kt_merge_fold(struct kt_merge *m, struct kt_fold *f, int all);

#endif
