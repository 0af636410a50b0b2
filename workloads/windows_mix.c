// SPDX-License-Identifier: MIT
/*
 * windows-mix: a seeded random mix of what a Windows kernel does all day:
 * nested spinlocks of random depth, DPC bursts queued at PASSIVE and at
 * DISPATCH_LEVEL, raises to device IRQLs, and a periodic clock whose ISR
 * queues a DPC.  The action sequence depends only on the seed (and the
 * vCPU); where the clock ticks depends on timing.
 */
#include "workload.h"

#define MIX_POOL 64
#define MIX_DEPTH 8

struct mix_cpu {
	KSPIN_LOCK lock[MIX_DEPTH];
	KIRQL old[MIX_DEPTH];
	KDPC dpc[MIX_POOL];
	KDPC clock_dpc;
	unsigned next;
	uint32_t rng;
	volatile uint64_t queued, ran;
};

static struct mix_cpu mix[MAX_CPUS];

static uint32_t mix_rand(struct mix_cpu *m)
{
	uint32_t x = m->rng;	/* xorshift32 */

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return m->rng = x;
}

static void mix_dpc(KDPC *dpc, void *ctx)
{
	(void)dpc;
	((struct mix_cpu *)ctx)->ran++;
}

static void mix_clock(unsigned vector, void *ctx)
{
	struct mix_cpu *m = &mix[plat_cpu_id()];

	(void)vector;
	(void)ctx;
	if (KeInsertQueueDpc(&m->clock_dpc))
		m->queued++;
}

static void mix_burst(struct mix_cpu *m, unsigned n)
{
	while (n--) {
		if (KeInsertQueueDpc(&m->dpc[m->next]))
			m->queued++;
		m->next = (m->next + 1) % MIX_POOL;
	}
}

static void mix_step(struct mix_cpu *m, unsigned max_depth, unsigned max_burst)
{
	uint32_t r = mix_rand(m) % 100;
	KIRQL old;

	if (r < 50) {
		unsigned depth = 1 + mix_rand(m) % max_depth, i;
		bool burst = mix_rand(m) % 4 == 0;

		for (i = 0; i < depth; i++) {
			KeAcquireSpinLock(&m->lock[i], &m->old[i]);
			if (burst && i == 0)
				mix_burst(m, 1 + mix_rand(m) % max_burst);
		}
		plat_spin(mix_rand(m) % 2000);
		for (i = depth; i-- > 0;)
			KeReleaseSpinLock(&m->lock[i], m->old[i]);
	} else if (r < 70) {
		KeRaiseIrql((KIRQL)(1 + mix_rand(m) % SYNCH_LEVEL), &old);
		plat_spin(mix_rand(m) % 1000);
		KeLowerIrql(old);
	} else if (r < 85) {
		mix_burst(m, 1 + mix_rand(m) % max_burst);
	} else {
		plat_spin(mix_rand(m) % 5000);
	}
	STAT_INC(iterations);
}

int wl_windows_mix(struct wl_ctx *ctx);
int wl_windows_mix(struct wl_ctx *ctx)
{
	struct mix_cpu *m = &mix[ctx->cpu];
	unsigned max_depth = (unsigned)wl_param(ctx, "max_depth");
	unsigned max_burst = (unsigned)wl_param(ctx, "max_burst");
	uint64_t period = plat_tsc_hz() / wl_param(ctx, "clock_hz");
	uint64_t t_end, n;

	m->rng = (uint32_t)wl_param(ctx, "seed") * 2654435761u + ctx->cpu * 7919u + 1;
	for (unsigned i = 0; i < MIX_DEPTH; i++)
		KeInitializeSpinLock(&m->lock[i]);
	for (unsigned i = 0; i < MIX_POOL; i++)
		KeInitializeDpc(&m->dpc[i], mix_dpc, m);
	KeInitializeDpc(&m->clock_dpc, mix_dpc, m);
	nt_register_isr(CLOCK_VECTOR, mix_clock, NULL, false);

	plat_irq_enable();
	nt_clock_start(period, true);
	wl_phase(PH_WARMUP);
	for (n = wl_param(ctx, "warmup"); n; n--)
		mix_step(m, max_depth, max_burst);
	wl_phase(PH_MEASURE);
	t_end = plat_now() + wl_us(wl_param(ctx, "duration_ms") * 1000);
	while (plat_now() < t_end)
		mix_step(m, max_depth, max_burst);
	nt_clock_stop();
	wl_phase(PH_SETUP);

	n = plat_now();
	while (m->ran != m->queued && plat_now() - n < wl_wait_limit())
		plat_spin(1000);
	plat_irq_disable();
	if (m->ran != m->queued)
		return wl_fail(ctx, "%llu of %llu queued DPCs never ran",
			       (unsigned long long)(m->queued - m->ran),
			       (unsigned long long)m->queued);
	return 0;
}
