// SPDX-License-Identifier: MIT
/* catalog.c - workload names and parameters (see catalog.h). */
#include "catalog.h"
#include "klib.h"

#define BOOL_PARAM(n, d, h) { n, d, 0, 1, h }
#define END_PARAMS { NULL, 0, 0, 0, NULL }

const struct wl_param wl_common_params[] = {
	BOOL_PARAM("clock_raises_irql", 0, "clock ISR raises CR8 to CLOCK_LEVEL (13) and lowers it after EOI"),
	BOOL_PARAM("elide_same_level", 0, "KeRaiseIrql/KeLowerIrql skip CR8 writes that keep the IRQL (newer Windows)"),
	BOOL_PARAM("ipi_readback", 0, "self-IPIs with IF cleared, an ICR idle wait and the IRR read back (3 APIC accesses); 0: one ICR write, as the HAL sends it"),
	BOOL_PARAM("probe", 0, "time every CR8 write with rdtsc and count the slow ones as guest-observed exits (an estimate)"),
	{ "probe_threshold", 0, 0, 100000000, "cycles above which a CR8 write counts as trapped (0: the cheapest rdtsc pair + 300 ns)" },
	{ "warmup", 16, 0, 1000000, "iterations run in the unmeasured warm-up phase before the measured one" },
	END_PARAMS
};

static const struct wl_param p_seed_table[] = {
	{ "iterations", 1000, 1, 10000000, "times the sequence runs in the measured phase" },
	{ "clock_delay_us", 2, 1, 100000, "one-shot clock delay, armed right after spinlock #1 is taken" },
	END_PARAMS
};

static const struct wl_param p_nested[] = {
	{ "depth", 2, 1, 8, "spinlocks held at once (N): N-1 same-level acquires and releases inside the outer one" },
	{ "iterations", 1000, 1, 10000000, "times the nest runs in the measured phase" },
	BOOL_PARAM("dpc", 1, "queue a DPC (self-IPI 0x2F, masked) right after the outer lock is taken"),
	END_PARAMS
};

static const struct wl_param p_cross_dpc[] = {
	{ "depth", 2, 1, 8, "spinlocks the target CPU holds when another targets the DPC at it: N-1 same-level releases before the lowering one" },
	{ "iterations", 1000, 1, 10000000, "DPCs targeted at each vCPU in the measured phase (by the one before it in a ring)" },
	END_PARAMS
};

static const struct wl_param p_generic_call[] = {
	{ "iterations", 1000, 1, 10000000, "generic calls each vCPU initiates in the measured phase (in a ring)" },
	BOOL_PARAM("hold", 1, "the other CPUs hold a spinlock (DISPATCH_LEVEL) when the call's IPI arrives; 0: at PASSIVE_LEVEL"),
	END_PARAMS
};

static const struct wl_param p_masked_clock[] = {
	{ "iterations", 1000, 1, 10000000, "times the sequence runs in the measured phase" },
	BOOL_PARAM("clock_ipi", 0, "make the clock pending by a self-IPI at 0xD1 instead of the LAPIC timer"),
	{ "clock_delay_us", 10, 1, 100000, "one-shot clock delay (timer source)" },
	END_PARAMS
};

static const struct wl_param p_churn[] = {
	{ "iterations", 10000, 1, 100000000, "raise/lower pairs in the measured phase" },
	{ "level", 2, 1, 15, "IRQL raised to" },
	END_PARAMS
};

static const struct wl_param p_dpc_storm[] = {
	{ "duration_ms", 200, 1, 600000, "length of the measured phase" },
	{ "clock_hz", 5000, 10, 100000, "periodic clock rate" },
	{ "dpcs_per_tick", 4, 1, 32, "DPCs the clock ISR queues per tick" },
	{ "depth", 3, 1, 8, "spinlock nesting depth of the PASSIVE-level loop" },
	{ "hold_cycles", 2000, 0, 100000000, "cycles spent inside the innermost lock" },
	END_PARAMS
};

static const struct wl_param p_mix[] = {
	{ "duration_ms", 200, 1, 600000, "length of the measured phase" },
	{ "seed", 1, 0, UINT32_MAX, "random seed (the mix is reproducible for a seed)" },
	{ "clock_hz", 1000, 10, 100000, "periodic clock rate" },
	{ "max_depth", 4, 1, 8, "deepest spinlock nest" },
	{ "max_burst", 8, 1, 32, "largest DPC burst" },
	END_PARAMS
};

static const struct wl_param p_script[] = {
	{ "iterations", 1, 1, 10000000, "times the whole script runs in the measured phase" },
	END_PARAMS
};

static const struct wl_param p_none[] = { END_PARAMS };

static const struct wl_param p_fault[] = {
	{ "vector", 14, 0, 31, "exception to raise: 0 #DE, 3 #BP, 6 #UD, 13 #GP, 14 #PF" },
	END_PARAMS
};

const struct wl_info wl_catalog[] = {
	{ "seed-table", "the upstream discussion's sequence: SL#1, clock queues a DPC, SL#2, release, release", p_seed_table, false, false, 0 },
	{ "nested-spinlock", "N nested KeAcquireSpinLock with a DPC pending: N-1 same-level acquires and releases in the outer one", p_nested, false, false, 0 },
	{ "masked-clock", "CR8=15; clock pending; CR8=15; CR8=2 (clock due); CR8=0", p_masked_clock, false, false, 0 },
	{ "irql-churn", "raise/lower pairs with nothing pending (no exits on any fixed policy)", p_churn, false, false, 0 },
	{ "dpc-storm", "periodic clock queueing DPC bursts while PASSIVE code takes nested spinlocks", p_dpc_storm, false, false, 0 },
	{ "windows-mix", "seeded random mix of nesting depths, clock ticks and DPC bursts", p_mix, false, false, 0 },
	{ "ipi-generic-call", "KeIpiGenericCall: a function on every vCPU at IPI_LEVEL (an IPI at 0xE1), the initiator waiting at IPI_LEVEL, in a ring; 2 vCPUs or more", p_generic_call, false, false, 2 },
	{ "cross-cpu-dpc", "a DPC targeted at another vCPU (an IPI at 0x2F) while that one holds N nested spinlocks, in a ring; 2 vCPUs or more", p_cross_dpc, false, false, 2 },
	{ "script", "runs a scenario script (workloads/SCRIPTS.md)", p_script, false, true, 0 },
	{ "hang", "test only: spins forever with interrupts off", p_none, true, false, 0 },
	{ "fault", "test only: raises a CPU exception", p_fault, true, false, 0 },
	{ "triple-fault", "test only: triple-faults the vCPU", p_none, true, false, 0 },
};

const unsigned wl_ncatalog = sizeof(wl_catalog) / sizeof(wl_catalog[0]);

const struct wl_info *wl_find(const char *name)
{
	for (unsigned i = 0; i < wl_ncatalog; i++)
		if (!kstrcmp(wl_catalog[i].name, name))
			return &wl_catalog[i];
	return NULL;
}

static const struct wl_param *find_in(const struct wl_param *p, const char *name,
				      size_t len)
{
	for (; p->name; p++)
		if (kstrlen(p->name) == len && !kstrncmp(p->name, name, len))
			return p;
	return NULL;
}

const struct wl_param *wl_find_param(const struct wl_info *w, const char *name)
{
	const struct wl_param *p = find_in(w->params, name, kstrlen(name));

	return p ? p : find_in(wl_common_params, name, kstrlen(name));
}

void wl_values_init(struct wl_values *vals, const struct wl_info *w)
{
	const struct wl_param *lists[2] = { w->params, wl_common_params };

	vals->w = w;
	vals->n = 0;
	for (unsigned l = 0; l < 2; l++)
		for (const struct wl_param *p = lists[l]; p->name; p++) {
			if (vals->n == WL_MAX_PARAMS)
				return;
			vals->p[vals->n] = p;
			vals->v[vals->n++] = p->def;
		}
}

static bool word_is(const char *s, size_t len, const char *word)
{
	return kstrlen(word) == len && !kstrncmp(s, word, len);
}

int wl_values_set(struct wl_values *vals, const char *key, size_t keylen,
		  const char *val, size_t vallen, char *err, size_t errlen)
{
	uint64_t v;

	for (unsigned i = 0; i < vals->n; i++) {
		const struct wl_param *p = vals->p[i];

		if (kstrlen(p->name) != keylen || kstrncmp(p->name, key, keylen))
			continue;
		if (p->max == 1 && (word_is(val, vallen, "true") || word_is(val, vallen, "on")))
			v = 1;
		else if (p->max == 1 && (word_is(val, vallen, "false") || word_is(val, vallen, "off")))
			v = 0;
		else if (!kparse_u64(val, vallen, &v)) {
			ksnprintf(err, errlen, "parameter %s=%.*s is not a number: give an unsigned integer in %llu..%llu",
				  p->name, (int)vallen, val,
				  (unsigned long long)p->min, (unsigned long long)p->max);
			return -1;
		}
		if (v < p->min || v > p->max) {
			ksnprintf(err, errlen, "parameter %s=%llu is out of range: allowed %llu..%llu",
				  p->name, (unsigned long long)v,
				  (unsigned long long)p->min, (unsigned long long)p->max);
			return -1;
		}
		vals->v[i] = v;
		return 0;
	}
	ksnprintf(err, errlen, "unknown parameter '%.*s' for workload '%s': see 'irqlbench list %s'",
		  (int)keylen, key, vals->w->name, vals->w->name);
	return -1;
}

uint64_t wl_get(const struct wl_values *vals, const char *name)
{
	for (unsigned i = 0; i < vals->n; i++)
		if (!kstrcmp(vals->p[i]->name, name))
			return vals->v[i];
	return 0;	/* a programming error: the name is not in the catalog */
}
