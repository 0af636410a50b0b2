// SPDX-License-Identifier: MIT
/*
 * guest_verdict.c - the guest-side verdict (guest_verdict.h): what the
 * guest alone saw of the hypervisor's handling of its CR8 writes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/metrics.h"
#include "verify/guest_verdict.h"

/*
 * A histogram of the records (TSC cycles), merged over vCPUs, phases and
 * runs by the metrics' own code (record/metrics.h: merged_hist), with what
 * converts it to ns: the samples weighted by their run's TSC rate.
 */
struct ghist {
	struct merged_hist h;
	double ns_sum, cyc_sum;	/* sum of n / tsc_hz, and of n, over runs with a rate */
};

static void ghist_weigh(struct ghist *g, double n, double hz)
{
	if (hz > 0 && n > 0) {
		g->ns_sum += n * 1e9 / hz;
		g->cyc_sum += n;
	}
}

/* Adds rec's histogram `name` (measured phases, every vCPU) of a run whose
 * TSC ticks at hz (0: unknown). */
static void ghist_add_record(struct ghist *g, json_t *rec, const char *name, double hz)
{
	double n0 = g->h.n;

	metrics_hist_from_record(rec, name, &g->h);
	merged_hist_warn(&g->h, name);
	ghist_weigh(g, g->h.n - n0, hz);
}

/* Adds one run's merged histogram to the runs' together. */
static void ghist_merge(struct ghist *to, const struct ghist *from)
{
	if (!from->h.n || !merged_hist_add(&to->h, from->h.bounds, from->h.counts, from->h.nb,
					   from->h.overflow, from->h.n, from->h.min, from->h.max))
		return;		/* nothing, or other bounds: not one distribution */
	to->h.sum += from->h.sum;
	to->ns_sum += from->ns_sum;
	to->cyc_sum += from->cyc_sum;
}

static void ghist_free(struct ghist *g)
{
	merged_hist_free(&g->h);
}

/* ns per cycle, averaged over the samples' runs; NAN when no TSC rate. */
static double ghist_ns_per_cycle(const struct ghist *g)
{
	return g->cyc_sum > 0 ? g->ns_sum / g->cyc_sum : NAN;
}

/* The pct-th percentile, a bucket upper bound at most the max (cycles; the
 * max above the last bound), or NAN: no samples. */
static double ghist_pct(const struct ghist *g, unsigned pct)
{
	return g->h.n > 0 ? merged_hist_quantile(&g->h, pct / 100.0) : NAN;
}

static double ghist_mean(const struct ghist *g)
{
	return g->h.n > 0 ? g->h.sum / g->h.n : NAN;
}

/* {"n", "unit": "cycles", "p50", "p90", "p99", "mean", "max"} and the same
 * in ns ("p50_ns", ...; null without a TSC rate).  Percentiles are the
 * upper bounds of the histogram's buckets, at most the max
 * (results/SCHEMA.md); mean and max are exact. */
static json_t *ghist_json(const struct ghist *g)
{
	static const unsigned pcts[] = { 50, 90, 99 };
	double f = ghist_ns_per_cycle(g);
	bool any = g->h.n > 0;
	json_t *o = json_pack("{s:I, s:s}", "n", (json_int_t)g->h.n, "unit", "cycles");

	for (unsigned i = 0; i < 3; i++) {
		double v = ghist_pct(g, pcts[i]);
		char k[16];

		snprintf(k, sizeof(k), "p%u", pcts[i]);
		json_object_set_new(o, k, isnan(v) ? json_null() : json_integer((json_int_t)v));
		snprintf(k, sizeof(k), "p%u_ns", pcts[i]);
		json_object_set_new(o, k, isnan(v) || isnan(f) ? json_null() : json_real(round(v * f)));
	}
	json_object_set_new(o, "mean", any ? json_real(round(ghist_mean(g))) : json_null());
	json_object_set_new(o, "mean_ns", !any || isnan(f) ? json_null() :
			    json_real(round(ghist_mean(g) * f)));
	json_object_set_new(o, "max", any ? json_integer((json_int_t)g->h.max) : json_null());
	json_object_set_new(o, "max_ns", !any || isnan(f) ? json_null() : json_real(round(g->h.max * f)));
	return o;
}

static void fmt_ns(double ns, char *buf, size_t len);

/* A value of g's (cycles) as a time, at its runs' TSC rates. */
static void ghist_fmt(const struct ghist *g, double cycles, char *buf, size_t len)
{
	fmt_ns(cycles * ghist_ns_per_cycle(g), buf, len);
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
	struct ghist delay, cost, cost_pending;
};

/* A counter summed over the measured phases and vCPUs (its metric); 0 when
 * the record has none. */
static uint64_t ctr(const struct metric_set *m, const char *name)
{
	double v = metric_get(m, name);

	return isnan(v) || v < 0 ? 0 : (uint64_t)v;
}

/* rec's observations, from its metrics (record/metrics.h: the one sum over
 * the measured phases) and its merged histograms. */
static void observe(json_t *rec, struct gobs *o)
{
	double hz = (double)json_integer_value(json_object_get(json_object_get(rec, "guest"), "tsc_hz"));
	struct metric_set m = { 0 };

	memset(o, 0, sizeof(*o));
	metrics_from_record(rec, &m);
	o->unmasking = ctr(&m, "cr8_lower_unmask");
	o->late = ctr(&m, "late_deliveries");
	o->deferred_by_if = ctr(&m, "deferred_by_if");
	o->violations = ctr(&m, "priority_violations");
	o->samples = ctr(&m, "probe_samples");
	o->trapped = ctr(&m, "probe_exits");
	o->pending_samples = ctr(&m, "probe_pending_samples");
	o->pending_trapped = ctr(&m, "probe_pending_exits");
	metric_set_free(&m);
	ghist_add_record(&o->delay, rec, "dpc_unmask_to_entry", hz);
	ghist_add_record(&o->delay, rec, "clock_unmask_to_entry", hz);
	ghist_add_record(&o->cost, rec, "cr8_write_cost", hz);
	ghist_add_record(&o->cost_pending, rec, "cr8_write_cost_pending", hz);
}

static void gobs_free(struct gobs *o)
{
	ghist_free(&o->delay);
	ghist_free(&o->cost);
	ghist_free(&o->cost_pending);
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
	json_t *hyps = json_array();
	bool emulated = false;
	json_t *per = json_array();
	struct verdict_setup *setups = calloc(n + 1, sizeof(*setups));
	size_t nsetups = 0, sa, sb;
	unsigned usable;

	if (!setups)
		abort();
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
			gobs_free(&o);
			continue;
		}
		if (!o.unmasking) {
			g->ignored++;
			verdict_appendf(g->evidence, sizeof(g->evidence), "%s: %s: ignored (no CR8 write unmasked a pending interrupt)\n",
			       id, wl);
			gobs_free(&o);
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
				    ghist_json(&o.delay));
		json_object_set_new(json_array_get(per, json_array_size(per) - 1), "cr8_write_cost",
				    ghist_json(&o.cost));
		verdict_appendf(g->evidence, sizeof(g->evidence), "%s: %s: %s: %llu of %llu unmasking writes late%s",
		       id, wl, cls, (unsigned long long)o.late,
		       (unsigned long long)o.unmasking,
		       o.samples ? "" : " (no probe=1: CR8 write costs not timed)");
		if (o.delay.h.n > 0) {
			char dm[32], d50[32], d99[32];

			ghist_fmt(&o.delay, ghist_mean(&o.delay), dm, sizeof(dm));
			ghist_fmt(&o.delay, ghist_pct(&o.delay, 50), d50, sizeof(d50));
			ghist_fmt(&o.delay, ghist_pct(&o.delay, 99), d99, sizeof(d99));
			verdict_appendf(g->evidence, sizeof(g->evidence), ", unmask->entry mean %s, p50 <= %s, p99 <= %s",
					dm, d50, d99);
		}
		if (o.samples) {
			char w50[32];

			ghist_fmt(&o.cost, ghist_pct(&o.cost, 50), w50, sizeof(w50));
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
		ghist_merge(&all.delay, &o.delay);
		ghist_merge(&all.cost, &o.cost);
		ghist_merge(&all.cost_pending, &o.cost_pending);
		gobs_free(&o);
		emulated |= json_is_true(json_object_get(r, "emulated"));
		{
			const char *h = json_string_value(json_object_get(gi, "hypervisor"));
			bool known = false;

			for (size_t k = 0; h && k < json_array_size(hyps); k++)
				known |= !strcmp(json_string_value(json_array_get(hyps, k)), h);
			if (h && !known)
				json_array_append_new(hyps, json_string(h));
			/* its setup: the hypervisor its guest saw (verdict.h) */
			if (h)
				setups[nsetups++] = (struct verdict_setup){ .id = id, .v[SETUP_HYPERVISOR] = h };
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

	ghist_fmt(&all.delay, ghist_pct(&all.delay, 50), t50, sizeof(t50));
	ghist_fmt(&all.delay, ghist_pct(&all.delay, 99), t99, sizeof(t99));
	ghist_fmt(&all.cost, ghist_pct(&all.cost, 50), c50, sizeof(c50));
	ghist_fmt(&all.delay, ghist_mean(&all.delay),
	       tmean, sizeof(tmean));
	usable = g->on_time + g->late + g->other;
	if (verdict_setup_split(setups, nsetups, &sa, &sb) >= 0) {
		/* one verdict is of one setup: one hypervisor's */
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
			       "unmask_to_entry", ghist_json(&all.delay),
			       "cr8_write_cost", "samples", (json_int_t)all.samples,
			       "trapped", (json_int_t)all.trapped, "cost", ghist_json(&all.cost),
			       "cr8_write_cost_pending", "samples", (json_int_t)all.pending_samples,
			       "trapped", (json_int_t)all.pending_trapped,
			       "cost", ghist_json(&all.cost_pending),
			       "threshold_cycles", range_json(&thr_c, 1),
			       "threshold_ns", range_json(&thr_n, 1),
			       "rdtsc_pair_cycles", range_json(&rdtsc, 1),
			       "work_cycles_per_add", range_json(&work, 100),
			       "hypervisor", json_array_size(hyps) > 1 ? json_incref(hyps) :
					     json_array_size(hyps) ? json_incref(json_array_get(hyps, 0)) :
					     json_null(),
			       "emulated", emulated, "per_run", per);
	json_decref(hyps);
	free(setups);
	if (!g->summary)
		abort();
	/* do CR8 writes with nothing pending trap: their median above the
	 * threshold; null when none was timed */
	json_object_set_new(g->summary, "writes_trap", all.samples ?
			    json_boolean(all.trapped * 2 > all.samples) : json_null());
	gobs_free(&all);
}

void guest_judgement_free(struct guest_judgement *g)
{
	json_decref(g->summary);
	g->summary = NULL;
}
