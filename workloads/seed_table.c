// SPDX-License-Identifier: MIT
/*
 * seed-table: the sequence of the upstream discussion (docs/windows-irql.md).
 *
 *   take SL#1 (CR8=2); arm the clock; the clock (0xD1) arrives, its ISR
 *   queues a DPC (self-IPI 0x2F, masked), EOI; take SL#2 (CR8=2); release
 *   SL#2 (CR8=2); release SL#1 (CR8=0): the DPC must be delivered now.
 *   DPC handler: CR8=2, EOI, run the queue, CR8=0.
 *
 * The CR8 writes by kind per iteration (clock_raises_irql adds a raise and
 * a lower) and the exits under each KVM policy: workloads/suites.cfg, entry
 * seed-table.
 */
#include "workload.h"

struct seed_cpu {
	KSPIN_LOCK l1, l2;
	KDPC dpc;
	volatile bool holding;
	volatile uint64_t broken;	/* clock arrived outside SL#1 */
	uint64_t dpc_runs;
};

static struct seed_cpu seed[MAX_CPUS];

static void seed_dpc(KDPC *dpc, void *ctx)
{
	(void)dpc;
	((struct seed_cpu *)ctx)->dpc_runs++;
}

static void seed_clock(unsigned vector, void *ctx)
{
	struct seed_cpu *s = &seed[plat_cpu_id()];

	(void)vector;
	(void)ctx;
	if (!s->holding) {
		s->broken++;
		return;
	}
	KeInsertQueueDpc(&s->dpc);
}

static int seed_iteration(struct wl_ctx *ctx, struct seed_cpu *s)
{
	uint64_t clocks = nt_deliveries(CLOCK_VECTOR);
	uint64_t dpcs = nt_deliveries(DPC_VECTOR);
	KIRQL o1, o2;

	KeAcquireSpinLock(&s->l1, &o1);
	s->holding = true;
	/* armed under the lock: under TCG a 20 us timer can beat the
	 * acquire; the arming write is an exit with nothing pending */
	nt_clock_start(wl_us(wl_param(ctx, "clock_delay_us")), false);
	if (!nt_wait_delivered(CLOCK_VECTOR, clocks + 1, wl_wait_limit()))
		return wl_fail(ctx, "clock interrupt not delivered within 1 s at DISPATCH_LEVEL");
	if (s->broken)
		return wl_fail(ctx, "clock interrupt arrived outside spinlock 1");
	KeAcquireSpinLock(&s->l2, &o2);
	KeReleaseSpinLock(&s->l2, o2);
	s->holding = false;
	KeReleaseSpinLock(&s->l1, o1);
	if (!nt_wait_delivered(DPC_VECTOR, dpcs + 1, wl_wait_limit()))
		return wl_fail(ctx, "DPC interrupt not delivered within 1 s of the lowering write");
	STAT_INC(iterations);
	return 0;
}

int wl_seed_table(struct wl_ctx *ctx);
int wl_seed_table(struct wl_ctx *ctx)
{
	struct seed_cpu *s = &seed[ctx->cpu];
	uint64_t n;

	KeInitializeSpinLock(&s->l1);
	KeInitializeSpinLock(&s->l2);
	KeInitializeDpc(&s->dpc, seed_dpc, s);
	nt_register_isr(CLOCK_VECTOR, seed_clock, NULL, false);

	wl_phase(PH_WARMUP);
	for (n = wl_param(ctx, "warmup"); n; n--)
		if (seed_iteration(ctx, s))
			return -1;
	wl_phase(PH_MEASURE);
	for (n = wl_param(ctx, "iterations"); n; n--)
		if (seed_iteration(ctx, s))
			return -1;
	return 0;
}
