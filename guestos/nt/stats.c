// SPDX-License-Identifier: MIT
/* stats.c - counters, histograms, phases (see stats.h). */
#include "klib.h"
#include "stats.h"

const char *const stat_counter_names[STAT_NCOUNTERS] = {
#define X(n) #n,
	STAT_COUNTERS(X)
#undef X
};

const char *const stat_hist_names[STAT_NHISTS] = {
#define X(n) #n,
	STAT_HISTS(X)
#undef X
};

struct cpu_stats stats_cpu[MAX_CPUS];
struct phase_desc stats_phases[MAX_PHASES];
unsigned stats_nphases;

void stats_reset(void)
{
	kmemset(stats_cpu, 0, sizeof(stats_cpu));
	kmemset(stats_phases, 0, sizeof(stats_phases));
	stats_phases[0].name = "setup";
	stats_phases[0].measured = false;
	stats_nphases = 1;
}

void stats_declare_phase(unsigned idx, const char *name, bool measured)
{
	if (idx >= MAX_PHASES)
		return;
	stats_phases[idx].name = name;
	stats_phases[idx].measured = measured;
	if (idx >= stats_nphases)
		stats_nphases = idx + 1;
}

void stats_enter_phase(unsigned idx)
{
	unsigned cpu = plat_cpu_id();

	/* after the end marker, whatever happens counts as setup again */
	stats_cpu[cpu].cur = idx < MAX_PHASES ? idx : 0;
	plat_phase(PHASE_MARKER(cpu, idx));
}

void stats_hist_add(struct hist *h, uint64_t v)
{
	unsigned i = hist_index(v);

	if (i == HIST_NBOUNDS)
		h->overflow++;
	else if (h->counts[i] != UINT32_MAX)
		h->counts[i]++;
	if (!h->n || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->n++;
	h->sum += v;
}
