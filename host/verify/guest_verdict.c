// SPDX-License-Identifier: MIT
/*
 * guest_verdict.c - the guest-side verdict (guest_verdict.h): what the
 * guest alone saw of the hypervisor's handling of its CR8 writes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/serial.h"
#include "verify/guest_verdict.h"

#define MAXB SERIAL_MAX_BOUNDS

/* A histogram of the records (TSC cycles), merged over vCPUs, phases, runs. */
struct mhist {
	uint64_t bounds[MAXB], counts[MAXB], n, overflow, max, sum;
	unsigned nb;
	double ns_sum, cyc_sum;	/* for the cycles -> ns factor: sum of n / tsc_hz */
};

/* Adds the histogram h (a record's {"bounds", "counts", ...}) of a run
 * whose TSC ticks at hz (0: unknown). */
static void mhist_add(struct mhist *m, json_t *h, double hz)
{
	json_t *b = json_object_get(h, "bounds"), *c = json_object_get(h, "counts");
	size_t nb = json_array_size(b);
	uint64_t n = (uint64_t)json_integer_value(json_object_get(h, "n"));

	if (!n || nb == 0 || nb > MAXB || json_array_size(c) != nb)
		return;
	if (!m->nb) {
		m->nb = (unsigned)nb;
		for (size_t i = 0; i < nb; i++)
			m->bounds[i] = (uint64_t)json_integer_value(json_array_get(b, i));
	} else if (m->nb != nb) {
		return;		/* other bounds: not one distribution */
	}
	for (size_t i = 0; i < nb; i++)
		m->counts[i] += (uint64_t)json_integer_value(json_array_get(c, i));
	m->n += n;
	m->sum += (uint64_t)json_integer_value(json_object_get(h, "sum"));
	m->overflow += (uint64_t)json_integer_value(json_object_get(h, "overflow"));
	if ((uint64_t)json_integer_value(json_object_get(h, "max")) > m->max)
		m->max = (uint64_t)json_integer_value(json_object_get(h, "max"));
	if (hz > 0) {
		m->ns_sum += (double)n * 1e9 / hz;
		m->cyc_sum += (double)n;
	}
}

/* ns per cycle, averaged over the samples' runs; NAN when no TSC rate. */
static double mhist_ns_per_cycle(const struct mhist *m)
{
	return m->cyc_sum > 0 ? m->ns_sum / m->cyc_sum : NAN;
}

/* The pct-th percentile's bucket bound (cycles), or -1: none (no samples,
 * or it lies above the last bound: then the max is the bound). */
static int64_t mhist_pct(const struct mhist *m, unsigned pct)
{
	uint64_t v;

	if (!m->n)
		return -1;
	if (hist_percentile(m->bounds, m->counts, m->nb, m->n, pct, &v))
		return (int64_t)m->max;
	return (int64_t)v;
}

/* {"n", "unit": "cycles", "p50", "p90", "p99", "mean", "max"} and the same
 * in ns ("p50_ns", ...; null without a TSC rate).  Percentiles are the
 * upper bounds of the histogram's buckets (results/SCHEMA.md); mean and
 * max are exact. */
static json_t *mhist_json(const struct mhist *m)
{
	static const unsigned pcts[] = { 50, 90, 99 };
	double f = mhist_ns_per_cycle(m);
	json_t *o = json_pack("{s:I, s:s}", "n", (json_int_t)m->n, "unit", "cycles");

	for (unsigned i = 0; i < 3; i++) {
		int64_t v = mhist_pct(m, pcts[i]);
		char k[16];

		snprintf(k, sizeof(k), "p%u", pcts[i]);
		json_object_set_new(o, k, v < 0 ? json_null() : json_integer(v));
		snprintf(k, sizeof(k), "p%u_ns", pcts[i]);
		json_object_set_new(o, k, v < 0 || isnan(f) ? json_null() : json_real(round((double)v * f)));
	}
	json_object_set_new(o, "mean", m->n ? json_real(round((double)m->sum / (double)m->n)) : json_null());
	json_object_set_new(o, "mean_ns", !m->n || isnan(f) ? json_null() :
			    json_real(round((double)m->sum / (double)m->n * f)));
	json_object_set_new(o, "max", m->n ? json_integer((json_int_t)m->max) : json_null());
	json_object_set_new(o, "max_ns", !m->n || isnan(f) ? json_null() :
			    json_real(round((double)m->max * f)));
	return o;
}

/* "0.38 us", "1.2 ms": a time for the reason line. */
static void fmt_ns(double ns, char *buf, size_t len)
{
	if (isnan(ns))
		snprintf(buf, len, "? (none timed)");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3g s", ns / 1e9);
}

/* The range of a value over the runs. */
struct range {
	double min, max;
	unsigned n;
};
#define RANGE0 { 0, 0, 0 }

static void range_add(struct range *r, double v)
{
	if (!r->n || v < r->min)
		r->min = v;
	if (!r->n || v > r->max)
		r->max = v;
	r->n++;
}

/* {"min", "max"} rounded to 1/scale, or null when no run gave one. */
static json_t *range_json(const struct range *r, double scale)
{
	return r->n ? json_pack("{s:f, s:f}", "min", round(r->min * scale) / scale,
				"max", round(r->max * scale) / scale) : json_null();
}

/* One run's observations. */
struct gobs {
	uint64_t unmasking, late, deferred_by_if, violations;
	uint64_t samples, trapped, pending_samples, pending_trapped;
	struct mhist delay, cost, cost_pending;
};

static uint64_t ctr(json_t *counters, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(counters, k));

	return v > 0 ? (uint64_t)v : 0;
}

static void observe(json_t *rec, struct gobs *o)
{
	double hz = (double)json_integer_value(json_object_get(json_object_get(rec, "guest"), "tsc_hz"));
	json_t *phases = json_object_get(rec, "phases");

	memset(o, 0, sizeof(*o));
	for (size_t p = 0; p < json_array_size(phases); p++) {
		json_t *ph = json_array_get(phases, p), *vcpus = json_object_get(ph, "vcpus");

		if (!json_is_true(json_object_get(ph, "measured")))
			continue;
		for (size_t v = 0; v < json_array_size(vcpus); v++) {
			json_t *c = json_object_get(json_array_get(vcpus, v), "counters");
			json_t *h = json_object_get(json_array_get(vcpus, v), "histograms");

			o->unmasking += ctr(c, "cr8_lower_unmask");
			o->late += ctr(c, "late_deliveries");
			o->deferred_by_if += ctr(c, "deferred_by_if");
			o->violations += ctr(c, "priority_violations");
			o->samples += ctr(c, "probe_samples");
			o->trapped += ctr(c, "probe_exits");
			o->pending_samples += ctr(c, "probe_pending_samples");
			o->pending_trapped += ctr(c, "probe_pending_exits");
			mhist_add(&o->delay, json_object_get(h, "dpc_unmask_to_entry"), hz);
			mhist_add(&o->delay, json_object_get(h, "clock_unmask_to_entry"), hz);
			mhist_add(&o->cost, json_object_get(h, "cr8_write_cost"), hz);
			mhist_add(&o->cost_pending, json_object_get(h, "cr8_write_cost_pending"), hz);
		}
	}
}

static void mhist_merge(struct mhist *to, const struct mhist *from)
{
	if (!from->n)
		return;
	if (!to->nb) {
		to->nb = from->nb;
		memcpy(to->bounds, from->bounds, sizeof(to->bounds));
	} else if (to->nb != from->nb) {
		return;
	}
	for (unsigned i = 0; i < from->nb; i++)
		to->counts[i] += from->counts[i];
	to->n += from->n;
	to->sum += from->sum;
	to->overflow += from->overflow;
	to->max = from->max > to->max ? from->max : to->max;
	to->ns_sum += from->ns_sum;
	to->cyc_sum += from->cyc_sum;
}

static const char *str_or(json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : dflt;
}

void guest_judge(json_t *const *recs, const char *const *ids, const char *const *entries, size_t n,
		 struct guest_judgement *g)
{
	struct gobs all = { 0 };
	char t50[32], t99[32], c50[32], tmean[32];
	struct range thr_c = RANGE0, thr_n = RANGE0, rdtsc = RANGE0, work = RANGE0;
	const char *hyp = NULL;
	json_t *hyps = json_array();
	bool emulated = false;
	json_t *per = json_array();
	unsigned usable;

	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < n; i++) {
		json_t *r = recs[i], *gi = json_object_get(r, "guest");
		const char *id = ids && ids[i] ? ids[i] : str_or(r, "id", "?");
		const char *wl = entries && entries[i] ? entries[i] : str_or(r, "workload", "?");
		const char *st = str_or(r, "status", "?");
		const char *vs = str_or(json_object_get(r, "verdict"), "status", "none");
		struct gobs o;
		const char *cls;

		observe(r, &o);
		if (strcmp(st, "complete") || strcmp(vs, "ok") || !o.unmasking) {
			json_array_append_new(per, json_pack("{s:s, s:s, s:s}", "id", id, "entry", wl,
							     "class", "ignored"));
		}
		if (strcmp(st, "complete") || strcmp(vs, "ok")) {
			g->ignored++;
			verdict_appendf(g->evidence, sizeof(g->evidence), "%s: %s: ignored (status %s, the workload's check %s)\n",
			       id, wl, st, vs);
			continue;
		}
		if (!o.unmasking) {
			g->ignored++;
			verdict_appendf(g->evidence, sizeof(g->evidence), "%s: %s: ignored (no CR8 write unmasked a pending interrupt)\n",
			       id, wl);
			continue;
		}
		if ((double)o.late > GUEST_LATE_SHARE * (double)o.unmasking)
			cls = "late", g->late++;
		else if ((double)o.late <= GUEST_ONTIME_LATE * (double)o.unmasking)
			cls = "on time", g->on_time++;
		else
			cls = "other", g->other++;
		json_array_append_new(per, json_pack("{s:s, s:o, s:s, s:I, s:I, s:I, s:I}", "id", id,
						     "entry", json_string(wl),
						     "class", cls, "unmasking_writes", (json_int_t)o.unmasking,
						     "late_deliveries", (json_int_t)o.late,
						     "probe_samples", (json_int_t)o.samples,
						     "probe_exits", (json_int_t)o.trapped));
		json_object_set_new(json_array_get(per, json_array_size(per) - 1), "unmask_to_entry",
				    mhist_json(&o.delay));
		json_object_set_new(json_array_get(per, json_array_size(per) - 1), "cr8_write_cost",
				    mhist_json(&o.cost));
		verdict_appendf(g->evidence, sizeof(g->evidence), "%s: %s: %s: %llu of %llu unmasking writes late%s",
		       id, wl, cls, (unsigned long long)o.late,
		       (unsigned long long)o.unmasking,
		       o.samples ? "" : " (no probe=1: CR8 write costs not timed)");
		{
			char d50[32], d99[32];

			fmt_ns((double)mhist_pct(&o.delay, 50) * mhist_ns_per_cycle(&o.delay), d50, sizeof(d50));
			fmt_ns((double)mhist_pct(&o.delay, 99) * mhist_ns_per_cycle(&o.delay), d99, sizeof(d99));
			char dm[32];

			fmt_ns(o.delay.n ? (double)o.delay.sum / (double)o.delay.n *
					   mhist_ns_per_cycle(&o.delay) : NAN, dm, sizeof(dm));
			if (o.delay.n)
				verdict_appendf(g->evidence, sizeof(g->evidence), ", unmask->entry mean %s, p50 <= %s, p99 <= %s",
						dm, d50, d99);
		}
		if (o.samples) {
			char w50[32];

			fmt_ns((double)mhist_pct(&o.cost, 50) * mhist_ns_per_cycle(&o.cost), w50, sizeof(w50));
			verdict_appendf(g->evidence, sizeof(g->evidence), ", %llu of %llu CR8 writes with nothing pending trapped (p50 <= %s)",
			       (unsigned long long)o.trapped, (unsigned long long)o.samples, w50);
		}
		verdict_appendf(g->evidence, sizeof(g->evidence), "\n");
		all.unmasking += o.unmasking;
		all.late += o.late;
		all.deferred_by_if += o.deferred_by_if;
		all.violations += o.violations;
		all.samples += o.samples;
		all.trapped += o.trapped;
		all.pending_samples += o.pending_samples;
		all.pending_trapped += o.pending_trapped;
		mhist_merge(&all.delay, &o.delay);
		mhist_merge(&all.cost, &o.cost);
		mhist_merge(&all.cost_pending, &o.cost_pending);
		emulated |= json_is_true(json_object_get(r, "emulated"));
		{
			const char *h = json_string_value(json_object_get(gi, "hypervisor"));
			bool known = false;

			if (!hyp)
				hyp = h;
			for (size_t k = 0; h && k < json_array_size(hyps); k++)
				known |= !strcmp(json_string_value(json_array_get(hyps, k)), h);
			if (h && !known)
				json_array_append_new(hyps, json_string(h));
		}
		/* each run's probe calibration: the summary gives their range */
		if (json_integer_value(json_object_get(gi, "probe_threshold")) > 0) {
			double hz = (double)json_integer_value(json_object_get(gi, "tsc_hz"));
			double t = (double)json_integer_value(json_object_get(gi, "probe_threshold"));

			range_add(&thr_c, t);
			if (hz > 0)
				range_add(&thr_n, t * 1e9 / hz);
			if (json_integer_value(json_object_get(gi, "probe_rdtsc")) > 0)
				range_add(&rdtsc, (double)json_integer_value(json_object_get(gi, "probe_rdtsc")));
			if (json_integer_value(json_object_get(gi, "probe_work_ops")) > 0)
				range_add(&work, (double)json_integer_value(json_object_get(gi, "probe_work")) /
						 (double)json_integer_value(json_object_get(gi, "probe_work_ops")));
		}
	}

	fmt_ns((double)mhist_pct(&all.delay, 50) * mhist_ns_per_cycle(&all.delay), t50, sizeof(t50));
	fmt_ns((double)mhist_pct(&all.delay, 99) * mhist_ns_per_cycle(&all.delay), t99, sizeof(t99));
	fmt_ns((double)mhist_pct(&all.cost, 50) * mhist_ns_per_cycle(&all.cost), c50, sizeof(c50));
	fmt_ns(all.delay.n ? (double)all.delay.sum / (double)all.delay.n * mhist_ns_per_cycle(&all.delay) : NAN,
	       tmean, sizeof(tmean));
	usable = g->on_time + g->late + g->other;
	if (json_array_size(hyps) > 1) {
		/* one verdict is one hypervisor's */
		g->v = VERDICT_INCONCLUSIVE;
		snprintf(g->reason, sizeof(g->reason), "the runs come from %zu hypervisors (", json_array_size(hyps));
		for (size_t k = 0; k < json_array_size(hyps); k++)
			verdict_appendf(g->reason, sizeof(g->reason), "%s%s", k ? ", " : "",
					json_string_value(json_array_get(hyps, k)));
		verdict_appendf(g->reason, sizeof(g->reason), "): select one hypervisor's runs (e.g. by tag)");
	} else if (usable < GUEST_MIN_RUNS) {
		g->v = VERDICT_INCONCLUSIVE;
		snprintf(g->reason, sizeof(g->reason), "%u usable run(s), %u needed (a run is usable when it completed with a CR8 write that unmasked a pending interrupt; %u ignored)",
			 usable, GUEST_MIN_RUNS, g->ignored);
	} else if (g->other || (g->on_time && g->late)) {
		g->v = VERDICT_INCONCLUSIVE;
		snprintf(g->reason, sizeof(g->reason), "the runs disagree: %u on time, %u late, %u in between (%llu of %llu unmasking writes late)",
			 g->on_time, g->late, g->other, (unsigned long long)all.late,
			 (unsigned long long)all.unmasking);
	} else if (g->late) {
		g->v = VERDICT_LATE;
		snprintf(g->reason, sizeof(g->reason), "interrupts held back by the TPR are delivered late (%llu/%llu, unmask->entry mean %s, p50 <= %s, p99 <= %s): DPCs wait for an unrelated exit; the guest cannot tell which hypervisor logic causes it",
			 (unsigned long long)all.late, (unsigned long long)all.unmasking, tmean, t50, t99);
	} else {
		g->v = VERDICT_ON_TIME;
		snprintf(g->reason, sizeof(g->reason), "interrupts held back by the TPR are delivered at the lowering CR8 write (%llu/%llu late, unmask->entry mean %s, p50 <= %s, p99 <= %s)",
			 (unsigned long long)all.late, (unsigned long long)all.unmasking, tmean, t50, t99);
	}
	if (usable && all.samples) {
		char th[80], lo[32], hi[32];

		/* trapped: more than half the writes cost more than the
		 * threshold (their median above it); single slow writes are
		 * preemption or emulator noise */
		fmt_ns(thr_n.n ? thr_n.min : NAN, lo, sizeof(lo));
		fmt_ns(thr_n.n ? thr_n.max : NAN, hi, sizeof(hi));
		if (strcmp(lo, hi))
			snprintf(th, sizeof(th), "%s to %s", lo, hi);
		else
			snprintf(th, sizeof(th), "%s", lo);
		verdict_appendf(g->reason, sizeof(g->reason), "; CR8 writes with nothing pending %s (p50 <= %s, threshold %s; %llu/%llu single writes above it)",
		       all.trapped * 2 > all.samples ? "trap" : "do not trap", c50, th,
		       (unsigned long long)all.trapped, (unsigned long long)all.samples);
	} else if (usable) {
		verdict_appendf(g->reason, sizeof(g->reason), "; CR8 write costs not timed (run with probe=1)");
	}
	if (work.n && work.min > GUEST_WORK_EMULATED)
		verdict_appendf(g->reason, sizeof(g->reason), "; register-only work takes %.0f cycles an add or more: the vCPU's instructions are emulated",
		       work.min);
	if (emulated)
		verdict_appendf(g->reason, sizeof(g->reason), "; emulated runs: their times are an emulator's");

	g->summary = json_pack("{s:{s:i, s:i, s:i, s:i}, s:I, s:I, s:I, s:I, s:o, s:{s:I, s:I, s:o}, s:{s:I, s:I, s:o},"
			       " s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
			       "runs", "on_time", g->on_time, "late", g->late, "other", g->other,
			       "ignored", g->ignored,
			       "unmasking_writes", (json_int_t)all.unmasking,
			       "late_deliveries", (json_int_t)all.late,
			       "deferred_by_if", (json_int_t)all.deferred_by_if,
			       "priority_violations", (json_int_t)all.violations,
			       "unmask_to_entry", mhist_json(&all.delay),
			       "cr8_write_cost", "samples", (json_int_t)all.samples,
			       "trapped", (json_int_t)all.trapped, "cost", mhist_json(&all.cost),
			       "cr8_write_cost_pending", "samples", (json_int_t)all.pending_samples,
			       "trapped", (json_int_t)all.pending_trapped,
			       "cost", mhist_json(&all.cost_pending),
			       "threshold_cycles", range_json(&thr_c, 1),
			       "threshold_ns", range_json(&thr_n, 1),
			       "rdtsc_pair_cycles", range_json(&rdtsc, 1),
			       "work_cycles_per_add", range_json(&work, 100),
			       "hypervisor", json_array_size(hyps) > 1 ? json_incref(hyps) :
					     hyp ? json_string(hyp) : json_null(),
			       "emulated", emulated, "per_run", per);
	json_decref(hyps);
	if (!g->summary)
		abort();
	/* do CR8 writes with nothing pending trap: their median above the
	 * threshold; null when none was timed */
	json_object_set_new(g->summary, "writes_trap", all.samples ?
			    json_boolean(all.trapped * 2 > all.samples) : json_null());
}

void guest_judgement_free(struct guest_judgement *g)
{
	json_decref(g->summary);
	g->summary = NULL;
}
