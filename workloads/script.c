// SPDX-License-Identifier: MIT
/*
 * script: runs a scenario script (workloads/SCRIPTS.md) handed over as the
 * first multiboot module (the guest) or the --script file (the model).
 *
 * Without `mark` lines the whole script runs `warmup` times in the warmup
 * phase and `iterations` times in the measure phase.  With `mark` lines the
 * script's own phases replace warmup/measure (declared from phase 1 on) and
 * the script runs `iterations` times; warmup is then the script's business.
 */
#include "klib.h"
#include "script/scn.h"
#include "workload.h"

static struct scn_prog prog;

int wl_script_declare(const struct wl_values *vals, const struct boot_info *bi,
		      char *err, size_t errlen);
int wl_script_declare(const struct wl_values *vals, const struct boot_info *bi,
		      char *err, size_t errlen)
{
	char msg[SCN_MSG_MAX];

	(void)vals;
	if (!bi->nmods)
		return ksnprintf(err, errlen, "workload script needs a scenario script: pass --script FILE"), -1;
	if (scn_parse(bi->mods[0].data, bi->mods[0].size, &prog, msg, sizeof(msg))) {
		kmsgf(err, errlen, "script %s: %s", bi->mods[0].name, msg);
		return -1;
	}
	if (prog.ncpus > plat_ncpus()) {
		kmsgf(err, errlen, "script %s runs a block on vCPU %u or sends it an IPI, but the guest has %u: run it with --vcpus %u",
		      bi->mods[0].name, prog.ncpus - 1, plat_ncpus(), prog.ncpus);
		return -1;
	}
	if (prog.nphases) {
		/* the script's phases replace warmup (1) and measure (2) */
		stats_nphases = 1;
		if (scn_declare_phases(&prog, 1, err, errlen))
			return -1;
	}
	/* once, before any vCPU runs: the locks, flags and per-vCPU state
	 * are every vCPU's */
	if (scn_prepare(&prog, msg, sizeof(msg))) {
		kmsgf(err, errlen, "script %s: %s", bi->mods[0].name, msg);
		return -1;
	}
	return 0;
}

static int script_runs(struct wl_ctx *ctx, uint64_t n)
{
	char msg[SCN_MSG_MAX];
	int rc;

	for (; n; n--) {
		rc = scn_run(&prog, msg, sizeof(msg));
		if (rc)
			return wl_fail(ctx, "script: %s", msg);
		STAT_INC(iterations);
	}
	return 0;
}

int wl_script(struct wl_ctx *ctx);
int wl_script(struct wl_ctx *ctx)
{
	if (prog.nphases)
		return script_runs(ctx, wl_param(ctx, "iterations"));
	wl_phase(PH_WARMUP);
	if (script_runs(ctx, wl_param(ctx, "warmup")))
		return -1;
	wl_phase(PH_MEASURE);
	return script_runs(ctx, wl_param(ctx, "iterations"));
}
