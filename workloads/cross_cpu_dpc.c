// SPDX-License-Identifier: MIT
/*
 * cross-cpu-dpc: a DPC another processor targets at this one while it holds
 * N nested spinlocks (Windows' KeSetTargetProcessorDpc + KeInsertQueueDpc;
 * the request is an IPI at 0x2F to this CPU's local APIC).
 *
 * Rounds in a ring of the n vCPUs: in round r, CPU t = r mod n is the
 * target and CPU (r + 1) mod n the requester, the others wait.
 *   target:    acquire #1..#N (CR8 0->2, N-1 writes of 2); say so; wait until
 *              the requester queued the DPC; read IRR once (0x2F pending,
 *              held back by TPR 2: one APIC access); release #N..#2 (N-1
 *              writes of 2), release #1 (2->0, unmasks the DPC); the DPC
 *              interrupt: 0->2, EOI, the routine, 2->0.  One iteration.
 *   requester: wait for the target's locks; KeInsertQueueDpc of the DPC
 *              targeted at it (one IPI: ICR writes); wait until it ran.
 * Every vCPU is the target `iterations` times and the requester as often,
 * so what workloads/suites.cfg says per vCPU and iteration holds on each.
 *
 * KVM sets 0x2F in the target's IRR at the requester's ICR write and kicks
 * the target (an interrupt exit there): its event processing finds 0x2F
 * held back by the TPR and, after the fix, intercepts CR8 writes; every
 * write after the kick then exits and the lowering one delivers the DPC at
 * once (N write_cr8 exits).  Before the fix the first same-level write's
 * exit leaves the intercept off and the DPC waits for an unrelated exit
 * (N >= 2).  Needs 2 vCPUs or more.
 */
#include "workload.h"

#define MAX_DEPTH 8

static struct xdpc {
	KSPIN_LOCK lock[MAX_CPUS][MAX_DEPTH];
	KIRQL old[MAX_CPUS][MAX_DEPTH];
	KDPC dpc[MAX_CPUS];		/* dpc[c] targeted at CPU c */
	uint64_t held, sent, ran;	/* rounds whose step was reached */
} xd;

static void xdpc_routine(KDPC *dpc, void *ctx)
{
	(void)dpc;
	(void)ctx;
	__atomic_fetch_add(&xd.ran, 1, __ATOMIC_RELEASE);
}

/* Round r (from 1) with this CPU as the target. */
static int target_round(struct wl_ctx *ctx, unsigned depth, uint64_t r, bool measured)
{
	uint64_t dpcs = nt_deliveries(DPC_VECTOR);
	KSPIN_LOCK *l = xd.lock[ctx->cpu];
	KIRQL *old = xd.old[ctx->cpu];
	unsigned i;

	KeAcquireSpinLock(&l[0], &old[0]);
	for (i = 1; i < depth; i++)
		KeAcquireSpinLock(&l[i], &old[i]);
	__atomic_store_n(&xd.held, r, __ATOMIC_RELEASE);
	if (!wl_wait_for(&xd.sent, r))
		return wl_fail(ctx, "the requesting CPU did not queue the DPC within 1 s");
	if (!nt_wait_pending(DPC_VECTOR, wl_wait_limit()))
		return wl_fail(ctx, "the targeted DPC's IPI did not reach this CPU's IRR within 1 s");
	for (i = depth - 1; i >= 1; i--)
		KeReleaseSpinLock(&l[i], old[i]);
	KeReleaseSpinLock(&l[0], old[0]);
	if (!nt_wait_delivered(DPC_VECTOR, dpcs + 1, wl_wait_limit()))
		return wl_fail(ctx, "DPC interrupt not delivered within 1 s of the lowering write");
	if (measured)
		STAT_INC(iterations);
	return 0;
}

/* Round r with this CPU as the requester of target t's DPC. */
static int requester_round(struct wl_ctx *ctx, unsigned t, uint64_t r)
{
	if (!wl_wait_for(&xd.held, r))
		return wl_fail(ctx, "the target CPU did not take its spinlocks within 1 s");
	if (!KeInsertQueueDpc(&xd.dpc[t]))
		return wl_fail(ctx, "the targeted DPC was still queued");
	__atomic_store_n(&xd.sent, r, __ATOMIC_RELEASE);
	if (!wl_wait_for(&xd.ran, r))
		return wl_fail(ctx, "the DPC targeted at the other CPU did not run within 1 s");
	return 0;
}

/* Before any CPU runs: the shared state reset; one vCPU is a bad
 * parameter (the run's exit 2). */
int wl_cross_cpu_dpc_declare(const struct wl_values *vals, const struct boot_info *bi, char *err,
			     size_t errlen);
int wl_cross_cpu_dpc_declare(const struct wl_values *vals, const struct boot_info *bi, char *err,
			     size_t errlen)
{
	(void)bi;
	/* the rounds start from 0 in every run (the model runs the guest's
	 * code again in one process) */
	kmemset(&xd, 0, sizeof(xd));
	return wl_need_cpus(vals->w, err, errlen);
}

int wl_cross_cpu_dpc(struct wl_ctx *ctx);
int wl_cross_cpu_dpc(struct wl_ctx *ctx)
{
	unsigned depth = (unsigned)wl_param(ctx, "depth"), n = plat_ncpus();
	uint64_t warm = wl_param(ctx, "warmup") * n, all = warm + wl_param(ctx, "iterations") * n;

	/* each CPU sets up its own locks and DPC: a requester only uses
	 * them once the target said it holds its locks */
	for (unsigned i = 0; i < MAX_DEPTH; i++)
		KeInitializeSpinLock(&xd.lock[ctx->cpu][i]);
	KeInitializeDpc(&xd.dpc[ctx->cpu], xdpc_routine, NULL);
	KeSetTargetProcessorDpc(&xd.dpc[ctx->cpu], ctx->cpu);
	wl_phase(PH_WARMUP);
	for (uint64_t r = 1; r <= all; r++) {
		unsigned t = (unsigned)((r - 1) % n), q = (t + 1) % n;
		int rc = 0;

		if (r == warm + 1)
			wl_phase(PH_MEASURE);
		if (ctx->cpu == t)
			rc = target_round(ctx, depth, r, r > warm);
		else if (ctx->cpu == q)
			rc = requester_round(ctx, t, r);
		if (rc)
			return -1;
	}
	return 0;
}
