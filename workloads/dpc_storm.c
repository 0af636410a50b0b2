// SPDX-License-Identifier: MIT
/*
 * dpc-storm: a periodic clock whose ISR queues `dpcs_per_tick` DPCs, while
 * PASSIVE-level code takes `depth` nested spinlocks in a loop.  DPCs are
 * queued at CLOCK_LEVEL (or at the interrupted IRQL) and wait for the
 * locks to be released: every release of the outer lock unmasks them.
 * Invariants: every queued DPC runs, no late delivery without a hypervisor.
 */
#include "workload.h"

#define STORM_POOL 64
#define STORM_DEPTH 8

struct storm_cpu {
	KSPIN_LOCK lock[STORM_DEPTH];
	KIRQL old[STORM_DEPTH];
	KDPC dpc[STORM_POOL];
	unsigned next;
	unsigned per_tick;
	volatile uint64_t queued, ran, dropped;
};

static struct storm_cpu storm[MAX_CPUS];

static void storm_dpc(KDPC *dpc, void *ctx)
{
	struct storm_cpu *s = ctx;

	(void)dpc;
	s->ran++;
	plat_spin(200);
}

static void storm_clock(unsigned vector, void *ctx)
{
	struct storm_cpu *s = &storm[plat_cpu_id()];

	(void)vector;
	(void)ctx;
	for (unsigned i = 0; i < s->per_tick; i++) {
		if (KeInsertQueueDpc(&s->dpc[s->next]))
			s->queued++;
		else
			s->dropped++;
		s->next = (s->next + 1) % STORM_POOL;
	}
}

static void storm_nest(struct storm_cpu *s, unsigned depth, uint64_t hold)
{
	unsigned i;

	for (i = 0; i < depth; i++)
		KeAcquireSpinLock(&s->lock[i], &s->old[i]);
	plat_spin(hold);
	for (i = depth; i-- > 0;)
		KeReleaseSpinLock(&s->lock[i], s->old[i]);
	STAT_INC(iterations);
}

int wl_dpc_storm(struct wl_ctx *ctx);
int wl_dpc_storm(struct wl_ctx *ctx)
{
	struct storm_cpu *s = &storm[ctx->cpu];
	unsigned depth = (unsigned)wl_param(ctx, "depth");
	uint64_t hold = wl_param(ctx, "hold_cycles");
	uint64_t period = plat_tsc_hz() / wl_param(ctx, "clock_hz");
	uint64_t t_end, n;

	for (unsigned i = 0; i < STORM_DEPTH; i++)
		KeInitializeSpinLock(&s->lock[i]);
	for (unsigned i = 0; i < STORM_POOL; i++)
		KeInitializeDpc(&s->dpc[i], storm_dpc, s);
	s->per_tick = (unsigned)wl_param(ctx, "dpcs_per_tick");
	nt_register_isr(CLOCK_VECTOR, storm_clock, NULL, false);

	plat_irq_enable();
	nt_clock_start(period, true);
	wl_phase(PH_WARMUP);
	for (n = wl_param(ctx, "warmup"); n; n--)
		storm_nest(s, depth, hold);
	wl_phase(PH_MEASURE);
	t_end = plat_now() + wl_us(wl_param(ctx, "duration_ms") * 1000);
	while (plat_now() < t_end)
		storm_nest(s, depth, hold);
	nt_clock_stop();
	wl_phase(PH_SETUP);

	/* every queued DPC must have run by now (IRQL 0, IF=1) */
	n = plat_now();
	while (s->ran != s->queued && plat_now() - n < wl_wait_limit())
		plat_spin(1000);
	plat_irq_disable();
	if (s->ran != s->queued)
		return wl_fail(ctx, "%llu of %llu queued DPCs never ran",
			       (unsigned long long)(s->queued - s->ran),
			       (unsigned long long)s->queued);
	return 0;
}
