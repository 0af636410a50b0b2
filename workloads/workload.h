/* SPDX-License-Identifier: MIT */
/*
 * workload.h - what a workload's run function gets.
 *
 * A workload is written once against nt.h and platform.h and runs on every
 * backend (guest under TCG/KVM, and the host's model).  It runs on each vCPU
 * at once (per-CPU locks and DPCs: nothing is shared between vCPUs), walks
 * through its phases with wl_phase(), and returns 0 or sets a failure
 * reason (no double quotes) with wl_fail().
 */
#ifndef IRQLBENCH_WORKLOAD_H
#define IRQLBENCH_WORKLOAD_H

#include "boot.h"
#include "catalog.h"
#include "klib.h"
#include "nt.h"
#include "stats.h"

/* Phases every workload uses: 0 setup, 1 warmup, 2 measure. */
#define PH_SETUP	0
#define PH_WARMUP	1
#define PH_MEASURE	2

struct wl_ctx {
	const struct wl_values *vals;
	const struct boot_info *bi;
	unsigned cpu;
	char fail[KMSG_MAX];	/* the verdict's reason (kmsgf: never cut unmarked) */
};

/* Optional: runs once on vCPU 0 before any vCPU starts (after the
 * standard phases are declared); may declare more phases.  Returns 0 or
 * -1 with a one-line message in err (reported as a bad parameter). */
typedef int (*wl_declare_fn)(const struct wl_values *vals,
			     const struct boot_info *bi, char *err, size_t errlen);
typedef int (*wl_run_fn)(struct wl_ctx *ctx);

struct wl_impl {
	const char *name;
	wl_run_fn run;
	wl_declare_fn declare;
};

const struct wl_impl *wl_impl_find(const char *name);

static inline uint64_t wl_param(const struct wl_ctx *ctx, const char *name)
{
	return wl_get(ctx->vals, name);
}

int wl_fail(struct wl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Cycles per microsecond of the calibrated TSC (at least 1). */
uint64_t wl_us(uint64_t us);
/* Longest a workload waits for an interrupt it is owed: one second. */
uint64_t wl_wait_limit(void);

void wl_phase(unsigned idx);

/* Spins (memory polls with plat_spin, backing off to 20k cycles: no exit)
 * until the counter *v another CPU advances reaches k; false after
 * wl_wait_limit(). */
bool wl_wait_for(const uint64_t *v, uint64_t k);
/* For a workload's declare hook: 0 with w->min_vcpus vCPUs or more (the
 * catalog's), else -1 and "W needs N vCPUs or more (this guest has M): run
 * it with --vcpus N".  The host checks the same before it starts (run,
 * model, lab: cli_check_vcpus()). */
int wl_need_cpus(const struct wl_info *w, char *err, size_t errlen);

#endif
