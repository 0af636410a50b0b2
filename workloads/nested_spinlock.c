// SPDX-License-Identifier: MIT
/*
 * nested-spinlock: N nested KeAcquireSpinLock with a DPC pending.
 *
 *   acquire #1 (CR8 0->2); queue a DPC (self-IPI 0x2F, masked at 2);
 *   acquire #2..#N (N-1 writes of 2); release #N..#2 (N-1 writes of 2);
 *   release #1 (2->0, unmasks the DPC); DPC handler: 0->2, EOI, run, 2->0.
 *
 * The CR8 writes by kind per iteration, and the exits and DPC delivery
 * under each KVM policy, are formulas of depth, dpc and the guest options
 * in workloads/suites.cfg (entry nested-spinlock-d1): after the fix every
 * write after the self-IPI exits; before it, only the first does and the
 * DPC waits.
 */
#include "workload.h"

#define MAX_DEPTH 8

struct nest_cpu {
	KSPIN_LOCK lock[MAX_DEPTH];
	KIRQL old[MAX_DEPTH];
	KDPC dpc;
};

static struct nest_cpu nest[MAX_CPUS];

static void nest_dpc(KDPC *dpc, void *ctx)
{
	(void)dpc;
	(void)ctx;
}

static int nest_iteration(struct wl_ctx *ctx, struct nest_cpu *s, unsigned depth, bool dpc)
{
	uint64_t dpcs = nt_deliveries(DPC_VECTOR);
	unsigned i;

	KeAcquireSpinLock(&s->lock[0], &s->old[0]);
	if (dpc)
		KeInsertQueueDpc(&s->dpc);
	for (i = 1; i < depth; i++)
		KeAcquireSpinLock(&s->lock[i], &s->old[i]);
	for (i = depth - 1; i >= 1; i--)
		KeReleaseSpinLock(&s->lock[i], s->old[i]);
	KeReleaseSpinLock(&s->lock[0], s->old[0]);
	if (dpc && !nt_wait_delivered(DPC_VECTOR, dpcs + 1, wl_wait_limit()))
		return wl_fail(ctx, "DPC interrupt not delivered within 1 s of the lowering write");
	STAT_INC(iterations);
	return 0;
}

int wl_nested_spinlock(struct wl_ctx *ctx);
int wl_nested_spinlock(struct wl_ctx *ctx)
{
	struct nest_cpu *s = &nest[ctx->cpu];
	unsigned depth = (unsigned)wl_param(ctx, "depth");
	bool dpc = wl_param(ctx, "dpc");
	uint64_t n;

	for (unsigned i = 0; i < MAX_DEPTH; i++)
		KeInitializeSpinLock(&s->lock[i]);
	KeInitializeDpc(&s->dpc, nest_dpc, s);

	wl_phase(PH_WARMUP);
	for (n = wl_param(ctx, "warmup"); n; n--)
		if (nest_iteration(ctx, s, depth, dpc))
			return -1;
	wl_phase(PH_MEASURE);
	for (n = wl_param(ctx, "iterations"); n; n--)
		if (nest_iteration(ctx, s, depth, dpc))
			return -1;
	return 0;
}
