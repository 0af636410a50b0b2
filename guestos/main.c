// SPDX-License-Identifier: MIT
/*
 * main.c - the guest's main: parse the command line, run the workload on
 * every vCPU, print the report.  The model backend calls guest_main() too,
 * with a simulated platform underneath: keep it platform-neutral.
 */
#include "boot.h"
#include "klib.h"
#include "report.h"
#include "workload.h"

static struct wl_values vals;
static struct wl_ctx ctxs[MAX_CPUS];
static const struct wl_impl *impl;
static const struct boot_info *boot;
static volatile unsigned cpus_done;
static int cpu_rc[MAX_CPUS];

static int bad_param(const char *msg)
{
	kprintf("!! error code=badparam msg=\"%s\"\n", msg);
	return 2;
}

/*
 * The value of the last word KEY=VALUE (key "KEY=") among the
 * space-separated words of cl: true with *val, *len, else false.
 */
static bool word_value(const char *p, const char *key, const char **val, size_t *len)
{
	size_t klen = kstrlen(key);
	bool found = false;

	while (*p) {
		const char *tok;

		while (*p == ' ')
			p++;
		tok = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - tok) > klen && !kstrncmp(tok, key, klen)) {
			*val = tok + klen;
			*len = (size_t)(p - tok) - klen;
			found = true;
		}
	}
	return found;
}

/* Finds workload=NAME among the space-separated words. */
static int find_workload(const char *p, const char **wname, size_t *wlen)
{
	if (!word_value(p, "workload=", wname, wlen))
		return bad_param("no workload= on the guest command line: pass workload=NAME (see irqlbench list)");
	return 0;
}

/*
 * repeat=N (1..REPEAT_MAX, default 1): the workload runs N times in this
 * boot, each a job with its own phases and report, a job marker before each
 * (results/SERIAL.md, "Jobs").  0, or 2 after a badparam line.
 */
static int find_repeat(const char *p, unsigned *repeat)
{
	const char *d;
	size_t n, i;
	unsigned v = 0;

	*repeat = 1;
	if (!word_value(p, "repeat=", &d, &n))
		return 0;
	for (i = 0; i < n && d[i] >= '0' && d[i] <= '9' && v <= REPEAT_MAX; i++)
		v = v * 10 + (unsigned)(d[i] - '0');
	if (i != n || v < 1 || v > REPEAT_MAX)
		return bad_param("repeat= takes a number of jobs from 1 to 100");
	*repeat = v;
	return 0;
}

/* Applies every key=value word but workload= and repeat=. */
static int apply_params(const char *cl)
{
	char err[KMSG_MAX];
	const char *p = cl;

	while (*p) {
		const char *tok, *eq;

		while (*p == ' ')
			p++;
		tok = p;
		while (*p && *p != ' ')
			p++;
		if (p == tok)
			break;
		if (p - tok > 9 && !kstrncmp(tok, "workload=", 9))
			continue;
		if (p - tok > 7 && !kstrncmp(tok, "repeat=", 7))
			continue;
		for (eq = tok; eq < p && *eq != '='; eq++)
			;
		if (eq == p || eq == tok) {
			kmsgf(err, sizeof(err), "command-line word '%.*s' is not key=value",
			      (int)(p - tok), tok);
			return bad_param(err);
		}
		if (wl_values_set(&vals, tok, (size_t)(eq - tok), eq + 1,
				  (size_t)(p - eq - 1), err, sizeof(err))) {
			kmsg_seal(err, sizeof(err));
			return bad_param(err);
		}
	}
	return 0;
}

/*
 * probe=1 without probe_threshold: the threshold is calibrated on what can
 * never exit, never on a CR8 write (on a hypervisor where every CR8 write
 * traps, a threshold scaled from a CR8 write calls every trap "no exit"):
 * the cheapest of 256 back-to-back rdtsc pairs (the timing's own cost) plus
 * PROBE_TRAP_NS at the TSC frequency.  The cheapest of 16 runs of
 * PROBE_WORK_OPS dependent register adds is reported beside it: a TSC that
 * ticks far slower or faster than the instructions run shows there.
 */
static void calibrate_probe(void)
{
	uint64_t best = ~0ull, work = ~0ull, hz = plat_tsc_hz();

	for (int i = 0; i < 256; i++) {
		uint64_t t0 = plat_now(), dt = plat_now() - t0;

		if (dt < best)
			best = dt;
	}
	for (int i = 0; i < 16; i++) {
		uint64_t x = (uint64_t)i, t0 = plat_now(), dt;

		for (unsigned k = 0; k < PROBE_WORK_OPS; k++)
			asm volatile("add $1, %0" : "+r"(x));
		dt = plat_now() - t0;
		if (dt < work)
			work = dt;
	}
	nt_opts.probe_rdtsc = best;
	nt_opts.probe_work = work;
	/* no TSC frequency known: 1 GHz */
	nt_opts.probe_threshold = best + (hz ? hz : 1000000000ull) * PROBE_TRAP_NS / 1000000000ull;
}

static int run_here(unsigned cpu)
{
	struct wl_ctx *ctx = &ctxs[cpu];
	int rc;

	ctx->vals = &vals;
	ctx->bi = boot;
	ctx->cpu = cpu;
	ctx->fail[0] = 0;
	nt_init();
	plat_irq_enable();
	rc = impl->run(ctx);
	plat_irq_disable();
	stats_enter_phase(PHASE_END_IDX);
	if (rc && !ctx->fail[0])
		wl_fail(ctx, "workload returned %d", rc);
	return rc;
}

/* Set once every AP is online: a workload that runs across CPUs reads
 * plat_ncpus() at its start, which must then be final on every CPU. */
static int aps_go;

static void __attribute__((noreturn)) ap_main(unsigned cpu)
{
	while (!__atomic_load_n(&aps_go, __ATOMIC_ACQUIRE))
		plat_pause();
	cpu_rc[cpu] = run_here(cpu);
	__atomic_fetch_add(&cpus_done, 1, __ATOMIC_RELEASE);
	plat_halt();
}

int guest_main(const struct boot_info *bi)
{
	struct report_info ri;
	const struct wl_info *w;
	const char *wname;
	size_t wlen;
	char name[64], err[KMSG_MAX];
	unsigned ncpus = 1;
	const char *fail = NULL;
	unsigned repeat;
	int rc, failed = 0;

	boot = bi;
#ifndef IRQLBENCH_GUEST
	/* the x86 platform prints it itself, as soon as COM1 works */
	kprintf("irqlbench-guest v=1 boot\n");
#endif
	rc = find_workload(bi->cmdline, &wname, &wlen);
	if (!rc)
		rc = find_repeat(bi->cmdline, &repeat);
	if (rc)
		return rc;
	if (wlen >= sizeof(name))
		wlen = sizeof(name) - 1;
	kmemcpy(name, wname, wlen);
	name[wlen] = 0;
	w = wl_find(name);
	if (!w) {
		kmsgf(err, sizeof(err), "unknown workload '%s': see irqlbench list", name);
		return bad_param(err);
	}
	impl = wl_impl_find(name);
	if (!impl) {
		kmsgf(err, sizeof(err), "workload '%s' is not available on this backend", name);
		return bad_param(err);
	}
	wl_values_init(&vals, w);
	rc = apply_params(bi->cmdline);
	if (rc)
		return rc;
	if (w->needs_script && !bi->nmods)
		return bad_param("workload needs a scenario script as a multiboot module: pass --script FILE");

	nt_opts.clock_raises_irql = wl_get(&vals, "clock_raises_irql");
	nt_opts.elide_same_level = wl_get(&vals, "elide_same_level");
	nt_opts.probe = wl_get(&vals, "probe");
	nt_opts.ipi_readback = wl_get(&vals, "ipi_readback");
	nt_opts.probe_threshold = wl_get(&vals, "probe_threshold");
	nt_opts.probe_rdtsc = nt_opts.probe_work = 0;
	if (nt_opts.probe && !nt_opts.probe_threshold)
		calibrate_probe();

	if (repeat > 1 && plat_ncpus() > 1)
		return bad_param("repeat=N runs on one vCPU only: give the guest one vCPU, or repeat=1");
	for (unsigned job = 0; job < repeat; job++) {
		/* every job from a clean slate: its own phases, counters, report */
		if (repeat > 1) {
			kprintf("irqlbench-guest job %u of %u\n", job + 1, repeat);
			plat_phase(JOB_MARKER(job));
		}
		stats_reset();
		stats_declare_phase(PH_WARMUP, "warmup", false);
		stats_declare_phase(PH_MEASURE, "measure", true);
		if (impl->declare && impl->declare(&vals, bi, err, sizeof(err))) {
			kmsg_seal(err, sizeof(err));
			return bad_param(err);
		}
		fail = NULL;
		__atomic_store_n(&aps_go, 0, __ATOMIC_RELEASE);	/* the model runs us again */
		if (plat_ncpus() > 1)
			ncpus = arch_start_aps(ap_main);
		__atomic_store_n(&aps_go, 1, __ATOMIC_RELEASE);
		cpu_rc[0] = run_here(0);
		if (ncpus > 1) {
			uint64_t t0 = plat_now();

			while (__atomic_load_n(&cpus_done, __ATOMIC_ACQUIRE) < ncpus - 1 &&
			       plat_now() - t0 < 10 * wl_wait_limit())
				plat_spin(10000);
			if (cpus_done < ncpus - 1)
				fail = "a vCPU did not finish its workload within 10 s of vCPU 0";
		}
		for (unsigned c = 0; c < ncpus && !fail; c++)
			if (ctxs[c].fail[0])
				fail = ctxs[c].fail;

		ri.workload = name;
		ri.ncpus = ncpus;
		ri.opts = &nt_opts;
		ri.vals = &vals;
		ri.fail_reason = fail;
		report_print(&ri);
		if (fail)
			failed = 1;
	}
	return failed;
}
