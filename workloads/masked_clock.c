// SPDX-License-Identifier: MIT
/*
 * masked-clock: CR8=15; the clock becomes pending (masked); CR8=15 again;
 * CR8=2 (the clock is due now); CR8=0.
 *
 * The clock comes from the LAPIC timer (default; the guest waits until it
 * is pending in IRR) or from a self-IPI at 0xD1 (clock_ipi=1, as in
 * docs/lab.md).  The CR8 writes by kind per iteration and the exits under
 * each KVM policy (before the fix the lowering write does not exit):
 * workloads/suites.cfg, entry masked-clock.
 */
#include "workload.h"

static int masked_iteration(struct wl_ctx *ctx, bool ipi, uint64_t delay)
{
	uint64_t clocks = nt_deliveries(CLOCK_VECTOR);
	KIRQL old, old2;

	KeRaiseIrql(HIGH_LEVEL, &old);
	if (ipi) {
		nt_send_self_ipi(CLOCK_VECTOR);
	} else {
		uint64_t deadline;

		nt_clock_start(delay, false);
		deadline = plat_now() + delay;
		/* spin past the expiry first: each IRR poll is an exit under KVM */
		while (plat_now() < deadline + delay / 4)
			plat_spin(200);
		if (!nt_wait_pending(CLOCK_VECTOR, wl_wait_limit()))
			return wl_fail(ctx, "masked clock never became pending in IRR within 1 s");
	}
	KeRaiseIrql(HIGH_LEVEL, &old2);
	KeLowerIrql(DISPATCH_LEVEL);
	KeLowerIrql(old);
	if (!nt_wait_delivered(CLOCK_VECTOR, clocks + 1, wl_wait_limit()))
		return wl_fail(ctx, "clock interrupt not delivered within 1 s of the lowering write");
	STAT_INC(iterations);
	return 0;
}

static void masked_clock_isr(unsigned vector, void *ctx)
{
	(void)vector;
	(void)ctx;
}

int wl_masked_clock(struct wl_ctx *ctx);
int wl_masked_clock(struct wl_ctx *ctx)
{
	bool ipi = wl_param(ctx, "clock_ipi");
	uint64_t delay = wl_us(wl_param(ctx, "clock_delay_us"));
	uint64_t n;

	nt_register_isr(CLOCK_VECTOR, masked_clock_isr, NULL, false);
	wl_phase(PH_WARMUP);
	for (n = wl_param(ctx, "warmup"); n; n--)
		if (masked_iteration(ctx, ipi, delay))
			return -1;
	wl_phase(PH_MEASURE);
	for (n = wl_param(ctx, "iterations"); n; n--)
		if (masked_iteration(ctx, ipi, delay))
			return -1;
	return 0;
}
