// SPDX-License-Identifier: MIT
/*
 * irql-churn: KeRaiseIrql(level); KeLowerIrql(0) with nothing pending.
 * No policy that keeps the intercept off while nothing is pending takes an
 * exit here (workloads/suites.cfg, entry irql-churn).
 */
#include "workload.h"

int wl_irql_churn(struct wl_ctx *ctx);
int wl_irql_churn(struct wl_ctx *ctx)
{
	KIRQL level = (KIRQL)wl_param(ctx, "level"), old;
	uint64_t n;

	wl_phase(PH_WARMUP);
	for (n = wl_param(ctx, "warmup"); n; n--) {
		KeRaiseIrql(level, &old);
		KeLowerIrql(old);
		STAT_INC(iterations);
	}
	wl_phase(PH_MEASURE);
	for (n = wl_param(ctx, "iterations"); n; n--) {
		KeRaiseIrql(level, &old);
		KeLowerIrql(old);
		STAT_INC(iterations);
	}
	return 0;
}
