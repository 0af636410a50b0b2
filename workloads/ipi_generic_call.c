// SPDX-License-Identifier: MIT
/*
 * ipi-generic-call: KeIpiGenericCall, a function run on every processor at
 * IPI_LEVEL (14), the initiator waiting at IPI_LEVEL until every target ran
 * it (guestos/nt/intr.c).
 *
 * Rounds in a ring of the n vCPUs: in round r, CPU i = r mod n initiates;
 * each other CPU first takes a spinlock (hold=1: CR8 0->2; hold=0: it stays
 * at PASSIVE_LEVEL), says so, and waits for the call to have run on it.
 *   initiator: wait until every other CPU is ready; KeIpiGenericCall: CR8
 *              0->14, an IPI at 0xE1 to each other CPU, wait at IPI_LEVEL,
 *              the function, 14->0.  One iteration.
 *   the others: the 0xE1 interrupt arrives above their TPR (class 14 > 2):
 *              taken at once (the kick's exit injects it), its handler
 *              raises to 14, runs the function, EOIs, lowers back; then the
 *              spinlock's release (2->0).
 * Nothing is ever held back by the TPR: no policy needs a CR8-write exit,
 * and no delivery is late.  Each vCPU initiates `iterations` times; with 2
 * vCPUs each is also a target once per iteration (workloads/suites.cfg).
 * Needs 2 vCPUs or more.
 */
#include "workload.h"

static struct gcall {
	KSPIN_LOCK lock[MAX_CPUS];
	KIRQL old[MAX_CPUS];
	uint64_t ready;			/* targets ready, all rounds */
	uint64_t ran[MAX_CPUS];		/* calls CPU c ran for another's IPI */
} gc;

/* ctx: the initiator's index + 1; its own run of the call counts nowhere */
static void gcall_fn(void *ctx)
{
	unsigned me = plat_cpu_id();

	if ((uintptr_t)ctx != me + 1)
		__atomic_fetch_add(&gc.ran[me], 1, __ATOMIC_RELEASE);
}

static int initiate(struct wl_ctx *ctx, uint64_t r, unsigned n, bool measured)
{
	if (!wl_wait_for(&gc.ready, (r) * (n - 1)))
		return wl_fail(ctx, "the other CPUs were not ready for the generic call within 1 s");
	KeIpiGenericCall(gcall_fn, (void *)(uintptr_t)(ctx->cpu + 1));
	if (measured)
		STAT_INC(iterations);
	return 0;
}

static int take_part(struct wl_ctx *ctx, uint64_t ran, bool hold)
{
	unsigned me = ctx->cpu;

	if (hold)
		KeAcquireSpinLock(&gc.lock[me], &gc.old[me]);
	__atomic_fetch_add(&gc.ready, 1, __ATOMIC_RELEASE);
	if (!wl_wait_for(&gc.ran[me], ran))
		return wl_fail(ctx, "the generic call's IPI did not run on this CPU within 1 s");
	if (hold)
		KeReleaseSpinLock(&gc.lock[me], gc.old[me]);
	return 0;
}

/* Before any CPU runs: the shared state reset; one vCPU is a bad
 * parameter (the run's exit 2). */
int wl_ipi_generic_call_declare(const struct wl_values *vals, const struct boot_info *bi,
				char *err, size_t errlen);
int wl_ipi_generic_call_declare(const struct wl_values *vals, const struct boot_info *bi,
				char *err, size_t errlen)
{
	(void)bi;
	kmemset(&gc, 0, sizeof(gc));
	return wl_need_cpus(vals->w, err, errlen);
}

int wl_ipi_generic_call(struct wl_ctx *ctx);
int wl_ipi_generic_call(struct wl_ctx *ctx)
{
	unsigned n = plat_ncpus();
	bool hold = wl_param(ctx, "hold");
	uint64_t warm = wl_param(ctx, "warmup") * n, all = warm + wl_param(ctx, "iterations") * n;
	uint64_t mine = 0;	/* rounds this CPU was a target in */

	KeInitializeSpinLock(&gc.lock[ctx->cpu]);
	wl_phase(PH_WARMUP);
	for (uint64_t r = 1; r <= all; r++) {
		int rc;

		if (r == warm + 1)
			wl_phase(PH_MEASURE);
		if (ctx->cpu == (r - 1) % n)
			rc = initiate(ctx, r, n, r > warm);
		else
			rc = take_part(ctx, ++mine, hold);
		if (rc)
			return -1;
	}
	return 0;
}
