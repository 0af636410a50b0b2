// SPDX-License-Identifier: MIT
/* common.c - helpers shared by the workloads. */
#include "klib.h"
#include "workload.h"

int wl_fail(struct wl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->fail[0])
		return -1;	/* keep the first reason */
	va_start(ap, fmt);
	kvmsgf(ctx->fail, sizeof(ctx->fail), fmt, ap);
	va_end(ap);
	for (char *p = ctx->fail; *p; p++)
		if (*p == '"')
			*p = '\'';
	return -1;
}

uint64_t wl_us(uint64_t us)
{
	uint64_t c = plat_tsc_hz() / 1000000 * us;

	return c ? c : 1;
}

uint64_t wl_wait_limit(void)
{
	return plat_tsc_hz();
}

void wl_phase(unsigned idx)
{
	stats_enter_phase(idx);
}

bool wl_wait_for(const uint64_t *v, uint64_t k)
{
	return nt_wait_counter(v, k, wl_wait_limit());
}

int wl_need_cpus(const struct wl_info *w, char *err, size_t errlen)
{
	if (plat_ncpus() >= w->min_vcpus)
		return 0;
	kmsgf(err, errlen, "%s needs %u vCPUs or more (this guest has %u): run it with --vcpus %u",
	      w->name, w->min_vcpus, plat_ncpus(), w->min_vcpus);
	return -1;
}
