// SPDX-License-Identifier: MIT
/*
 * metrics.c - a record's metrics (metrics.h): the one place that sums a
 * run's numbers over its measured phases and vCPUs.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/metrics.h"
#include "stats.h"		/* hist_bound(): the buckets of exit_times */

/* --- metric sets -------------------------------------------------------- */

static struct metric *metric_find(const struct metric_set *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			return &m->v[i];
	return NULL;
}

void metric_set_put(struct metric_set *m, const char *name, double v)
{
	struct metric *e = metric_find(m, name);

	if (e) {
		e->v = v;
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 32;
		m->v = realloc(m->v, m->cap * sizeof(*m->v));
		if (!m->v)
			abort();
	}
	snprintf(m->v[m->n].name, sizeof(m->v[0].name), "%s", name);
	m->v[m->n++].v = v;
}

bool metric_has(const struct metric_set *m, const char *name)
{
	return metric_find(m, name) != NULL;
}

double metric_get(const struct metric_set *m, const char *name)
{
	const struct metric *e = metric_find(m, name);

	return e ? e->v : NAN;
}

void metric_set_free(struct metric_set *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* --- merged histograms -------------------------------------------------- */

int merged_hist_add(struct merged_hist *h, const double *bounds, const double *counts,
		    size_t nb, double overflow, double n, double min, double max)
{
	if (!h->bounds) {
		h->nb = nb;
		h->bounds = malloc((nb ? nb : 1) * sizeof(double));
		h->counts = calloc(nb ? nb : 1, sizeof(double));
		if (!h->bounds || !h->counts)
			abort();
		if (nb)
			memcpy(h->bounds, bounds, nb * sizeof(double));
		h->min = INFINITY;
		h->max = -INFINITY;
	} else if (h->nb != nb || (nb && memcmp(h->bounds, bounds, nb * sizeof(double)))) {
		return 0;
	}
	if (n < 0) {		/* no n: the buckets say it */
		n = overflow;
		for (size_t i = 0; i < nb; i++)
			n += counts[i];
	}
	for (size_t i = 0; i < nb; i++)
		h->counts[i] += counts[i];
	h->overflow += overflow;
	h->n += n;
	if (n > 0 && !isnan(min) && !isnan(max)) {
		h->min = fmin(h->min, min);
		h->max = fmax(h->max, max);
	}
	return 1;
}

void merged_hist_free(struct merged_hist *h)
{
	free(h->bounds);
	free(h->counts);
	memset(h, 0, sizeof(*h));
}

int merged_hist_range(const struct merged_hist *h, double q, double *lo, double *hi)
{
	double total = h->overflow, acc = 0;
	bool have_mm = isfinite(h->min) && isfinite(h->max);

	for (size_t i = 0; i < h->nb; i++)
		total += h->counts[i];
	if (total <= 0)
		return -1;
	for (size_t i = 0; i < h->nb; i++) {
		acc += h->counts[i];
		if (acc >= q * total && h->counts[i] > 0) {
			*lo = i ? h->bounds[i - 1] + 1 : 0;
			*hi = h->bounds[i];
			if (have_mm) {	/* the samples are in [min, max] */
				*lo = fmin(fmax(*lo, h->min), h->max);
				*hi = fmax(fmin(*hi, h->max), h->min);
			}
			return 0;
		}
	}
	/* the overflow: above the last bound, at most max */
	*lo = h->nb ? h->bounds[h->nb - 1] + 1 : 0;
	*hi = have_mm ? h->max : h->nb ? h->bounds[h->nb - 1] : 0;
	if (have_mm)
		*lo = fmin(fmax(*lo, h->min), h->max);
	return 1;
}

double merged_hist_quantile(const struct merged_hist *h, double q)
{
	double lo, hi;

	return merged_hist_range(h, q, &lo, &hi) < 0 ? NAN : hi;
}

/* --- from a record ------------------------------------------------------ */

/* The maps of a vCPU entry that are summed, and their metric prefixes. */
static const struct {
	const char *key, *prefix;
} summed[] = {
	{ "counters", "" },
	{ "exits", "exit." },
	{ "injections", "inj." },
	{ "delivery", "delivery." },
};

/* Histograms by name, merged as they are met. */
struct hists {
	char (*name)[64];
	struct merged_hist *h;
	size_t n;
};

static struct merged_hist *hist_slot(struct hists *hs, const char *name)
{
	for (size_t i = 0; i < hs->n; i++)
		if (!strcmp(hs->name[i], name))
			return &hs->h[i];
	hs->name = realloc(hs->name, (hs->n + 1) * sizeof(*hs->name));
	hs->h = realloc(hs->h, (hs->n + 1) * sizeof(*hs->h));
	if (!hs->name || !hs->h)
		abort();
	snprintf(hs->name[hs->n], sizeof(hs->name[0]), "%s", name);
	memset(&hs->h[hs->n], 0, sizeof(hs->h[0]));
	return &hs->h[hs->n++];
}

static double *num_array(json_t *a)
{
	double *v = calloc(json_array_size(a) + 1, sizeof(double));
	size_t i;
	json_t *e;

	if (!v)
		abort();
	json_array_foreach(a, i, e)
		v[i] = json_number_value(e);
	return v;
}

static double num_or(json_t *v, double def)
{
	return json_is_number(v) ? json_number_value(v) : def;
}

/* Adds one histogram of a record to mh: 1, 0 when its bounds differ from
 * those already there (left out), -1 when it has no bounds and counts. */
static int add_hist(struct merged_hist *mh, json_t *h)
{
	json_t *b = json_object_get(h, "bounds"), *c = json_object_get(h, "counts");
	double *bv, *cv;
	int added;

	if (!json_is_array(b) || json_array_size(b) != json_array_size(c))
		return -1;
	bv = num_array(b);
	cv = num_array(c);
	added = merged_hist_add(mh, bv, cv, json_array_size(b),
				num_or(json_object_get(h, "overflow"), 0),
				num_or(json_object_get(h, "n"), -1),
				num_or(json_object_get(h, "min"), NAN),
				num_or(json_object_get(h, "max"), NAN));
	if (added > 0)
		mh->sum += num_or(json_object_get(h, "sum"), 0);
	free(bv);
	free(cv);
	return added;
}

/* Counts a run left out of h for its bounds. */
static void left_out(struct merged_hist *h, json_t *rec)
{
	const char *id = json_string_value(json_object_get(rec, "id"));

	if (!h->left_out++)
		snprintf(h->left_out_id, sizeof(h->left_out_id), "%s", id ? id : "?");
}

/* One record whose phases or vCPUs disagree on a histogram's bounds. */
static void warn_bounds(json_t *rec, const char *name)
{
	const char *id = json_string_value(json_object_get(rec, "id"));

	fprintf(stderr, "irqlbench: warning: run %s: histogram %s has other bucket bounds in one "
		"phase or vCPU than in another; that part is left out\n", id ? id : "?", name);
}

void merged_hist_warn(const struct merged_hist *h, const char *what)
{
	if (h->left_out)
		fprintf(stderr, "irqlbench: warning: %s: %u run(s) whose histogram has other bucket bounds "
			"(records of another layout, results/SCHEMA.md \"Histograms\") left out, e.g. %s\n",
			what, h->left_out, h->left_out_id);
}

/*
 * Calls fn for each vCPU entry of each measured phase of rec: the one walk
 * over the measured phases that every metric and merged histogram comes
 * from.
 */
static void each_measured_vcpu(json_t *rec, void (*fn)(json_t *vc, void *arg), void *arg)
{
	size_t i, j;
	json_t *ph, *vc;

	json_array_foreach(json_object_get(rec, "phases"), i, ph) {
		if (!json_is_true(json_object_get(ph, "measured")))
			continue;
		json_array_foreach(json_object_get(ph, "vcpus"), j, vc)
			fn(vc, arg);
	}
}

struct one_hist {
	json_t *rec;
	const char *name;
	struct merged_hist *h;
	int added;
	bool skipped;
};

static void add_one_hist(json_t *vc, void *arg)
{
	struct one_hist *o = arg;
	json_t *h = json_object_get(json_object_get(vc, "histograms"), o->name);
	int r = h ? add_hist(o->h, h) : -1;

	o->skipped |= !r;
	o->added |= r > 0;
}

int metrics_hist_from_record(json_t *rec, const char *name, struct merged_hist *h)
{
	struct one_hist o = { rec, name, h, 0, false };

	each_measured_vcpu(rec, add_one_hist, &o);
	if (o.skipped)
		left_out(h, rec);
	return o.added;
}

/*
 * A key that is a maximum or a minimum, not a sum: "late_max_cycles",
 * "x_max", "x_min_cycles".  Such a key is merged over phases and vCPUs by
 * its own extreme and never divided by the iterations (a worst case per
 * iteration means nothing).
 */
static int extreme_of(const char *key)
{
	const char *p;

	for (p = strchr(key, '_'); p; p = strchr(p + 1, '_'))
		if ((!strncmp(p, "_max", 4) || !strncmp(p, "_min", 4)) &&
		    (p[4] == '\0' || p[4] == '_'))
			return p[2] == 'a' ? 1 : -1;
	return 0;
}

bool metric_is_sum(const char *name)
{
	const char *dot = strrchr(name, '.');

	return !extreme_of(dot ? dot + 1 : name);
}

/* The integers of one map of one vCPU, added to sums under prefix (a
 * maximum or minimum kept as the extreme, extreme_of()). */
static void add_map(struct metric_set *sums, json_t *map, const char *prefix)
{
	const char *k;
	json_t *v;

	json_object_foreach(map, k, v) {
		char name[sizeof(((struct metric *)0)->name)];
		struct metric *e;

		/* room for "/iter"; a longer key is no metric */
		if (!json_is_integer(v) ||
		    (size_t)snprintf(name, sizeof(name), "%s%s", prefix, k) + 5 >= sizeof(name))
			continue;
		e = metric_find(sums, name);
		if (e && extreme_of(k) > 0)
			e->v = fmax(e->v, (double)json_integer_value(v));
		else if (e && extreme_of(k) < 0)
			e->v = fmin(e->v, (double)json_integer_value(v));
		else if (e)
			e->v += (double)json_integer_value(v);
		else
			metric_set_put(sums, name, (double)json_integer_value(v));
	}
}

/* --- exit times --------------------------------------------------------- */

struct exit_times {
	struct exit_time_sum *v;
	size_t n;
};

static struct exit_time_sum *exit_time_slot(struct exit_times *et, const char *reason)
{
	struct exit_time_sum *e;

	for (size_t i = 0; i < et->n; i++)
		if (!strcmp(et->v[i].reason, reason))
			return &et->v[i];
	et->v = realloc(et->v, (et->n + 1) * sizeof(*et->v));
	if (!et->v)
		abort();
	e = &et->v[et->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	e->min = e->max = NAN;
	return e;
}

/* One vCPU's exit_times: {"write_cr8": {"n", "untimed", "sum", "min", "max",
 * "overflow", "buckets": [[bound, count], ...]}} (log-linear bounds). */
static void add_exit_times(json_t *vc, void *arg)
{
	static double bounds[HIST_NBOUNDS];
	struct exit_times *et = arg;
	const char *reason;
	json_t *t;

	if (!bounds[HIST_NBOUNDS - 1])
		for (unsigned i = 0; i < HIST_NBOUNDS; i++)
			bounds[i] = (double)hist_bound(i);
	json_object_foreach(json_object_get(vc, "exit_times"), reason, t) {
		struct exit_time_sum *e;
		double counts[HIST_NBOUNDS] = { 0 }, n = num_or(json_object_get(t, "n"), 0);
		double min = num_or(json_object_get(t, "min"), NAN);
		double max = num_or(json_object_get(t, "max"), NAN);
		size_t i;
		json_t *b;

		if (!json_is_object(t) || strlen(reason) >= sizeof(e->reason))
			continue;
		e = exit_time_slot(et, reason);
		json_array_foreach(json_object_get(t, "buckets"), i, b) {
			double bound = num_or(json_array_get(b, 0), -1);
			uint64_t v = bound >= 0 ? (uint64_t)bound : 0;
			unsigned k = hist_index(v);

			if (bound >= 0 && k < HIST_NBOUNDS && hist_bound(k) == v)
				counts[k] += num_or(json_array_get(b, 1), 0);
		}
		merged_hist_add(&e->h, bounds, counts, HIST_NBOUNDS,
				num_or(json_object_get(t, "overflow"), 0), n, min, max);
		e->untimed += num_or(json_object_get(t, "untimed"), 0);
		e->exits += n + num_or(json_object_get(t, "untimed"), 0);
		e->sum += num_or(json_object_get(t, "sum"), 0);
		if (n > 0 && !isnan(min))
			e->min = isnan(e->min) ? min : fmin(e->min, min);
		if (n > 0 && !isnan(max))
			e->max = isnan(e->max) ? max : fmax(e->max, max);
	}
}

static int reason_cmp(const void *a, const void *b)
{
	return strcmp(((const struct exit_time_sum *)a)->reason,
		      ((const struct exit_time_sum *)b)->reason);
}

size_t metrics_exit_times(json_t *rec, struct exit_time_sum **out)
{
	struct exit_times et = { 0 };

	each_measured_vcpu(rec, add_exit_times, &et);
	if (et.n)
		qsort(et.v, et.n, sizeof(et.v[0]), reason_cmp);
	*out = et.v;
	return et.n;
}

void exit_time_sums_free(struct exit_time_sum *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		merged_hist_free(&e[i].h);
	free(e);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void metrics_cost_source(json_t *model, char *buf, size_t len)
{
	const char *run = json_string_value(json_object_get(json_object_get(model, "costs_from"), "run"));
	json_t *over = json_object_get(model, "cost_overrides");
	size_t n = json_object_size(over), k = 0, at;
	const char **keys = calloc(n + 1, sizeof(*keys));
	const char *key;
	json_t *v;

	if (!keys)
		abort();
	if (run)
		at = (size_t)snprintf(buf, len, "costs from run %s", run);
	else
		at = (size_t)snprintf(buf, len, "default costs");
	json_object_foreach(over, key, v)
		keys[k++] = key;
	/* by key: the same costs given in another order are the same source */
	qsort(keys, k, sizeof(*keys), str_cmp);
	for (size_t i = 0; i < k && at < len; i++) {
		v = json_object_get(over, keys[i]);
		at += (size_t)snprintf(buf + at, len - at, ", --cost %s=%" JSON_INTEGER_FORMAT, keys[i],
				       json_integer_value(v));
	}
	free(keys);
	/* the host tick decides when a late interrupt gets in: a latency's
	 * source as much as the costs are */
	v = json_object_get(model, "host_hz");
	if (json_is_integer(v) && json_integer_value(v) != MODEL_DEFAULT_HOST_HZ && at < len)
		snprintf(buf + at, len - at, ", --host-hz %" JSON_INTEGER_FORMAT, json_integer_value(v));
}

/* exit_ns.<reason>.mean, .p50, .p99, .total[/iter] (metrics.h) */
static void put_exit_time_metrics(json_t *rec, struct metric_set *out, double iters)
{
	struct exit_time_sum *e;
	size_t n = metrics_exit_times(rec, &e);

	for (size_t i = 0; i < n; i++) {
		char name[sizeof(out->v[0].name)];

		if (!(e[i].h.n > 0))
			continue;
		snprintf(name, sizeof(name), "exit_ns.%s.mean", e[i].reason);
		metric_set_put(out, name, e[i].sum / e[i].h.n);
		snprintf(name, sizeof(name), "exit_ns.%s.p50", e[i].reason);
		metric_set_put(out, name, merged_hist_quantile(&e[i].h, 0.5));
		snprintf(name, sizeof(name), "exit_ns.%s.p99", e[i].reason);
		metric_set_put(out, name, merged_hist_quantile(&e[i].h, 0.99));
		snprintf(name, sizeof(name), "exit_ns.%s.total", e[i].reason);
		metric_set_put(out, name, e[i].sum);
		if (iters > 0) {
			snprintf(name, sizeof(name), "exit_ns.%s.total/iter", e[i].reason);
			metric_set_put(out, name, e[i].sum / iters);
		}
	}
	exit_time_sums_free(e, n);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct metric *)a)->name, ((const struct metric *)b)->name);
}

/* What metrics_from_record() gathers from the measured vCPU entries. */
struct gather {
	json_t *rec;
	struct metric_set sums;
	struct hists hs;
	bool have_exits;
};

static void gather_vcpu(json_t *vc, void *arg)
{
	struct gather *g = arg;
	const char *name;
	json_t *h;

	for (size_t k = 0; k < sizeof(summed) / sizeof(summed[0]); k++) {
		json_t *map = json_object_get(vc, summed[k].key);

		if (!json_is_object(map))
			continue;
		/* an exits map, even an empty one: this backend counts exits */
		g->have_exits |= !strcmp(summed[k].key, "exits");
		add_map(&g->sums, map, summed[k].prefix);
	}
	json_object_foreach(json_object_get(vc, "histograms"), name, h)
		if (strlen(name) + sizeof(".p99") <= sizeof(g->hs.name[0]) &&
		    !add_hist(hist_slot(&g->hs, name), h))
			warn_bounds(g->rec, name);
}

int metrics_from_record(json_t *rec, struct metric_set *out)
{
	struct gather g = { .rec = rec };
	double iters, exits = 0, imm, late;
	size_t i;

	if (!json_is_object(rec))
		return -1;
	each_measured_vcpu(rec, gather_vcpu, &g);
	if (g.have_exits) {
		for (i = 0; i < g.sums.n; i++)
			if (!strncmp(g.sums.v[i].name, "exit.", 5))
				exits += g.sums.v[i].v;
		metric_set_put(&g.sums, "exit.total", exits);
		if (isnan(metric_get(&g.sums, "exit.write_cr8")))
			metric_set_put(&g.sums, "exit.write_cr8", 0);
	}
	iters = metric_get(&g.sums, "iterations");
	for (i = 0; i < g.sums.n; i++) {
		char name[sizeof(g.sums.v[0].name) + 8];

		metric_set_put(out, g.sums.v[i].name, g.sums.v[i].v);
		if (!(iters > 0) || !strcmp(g.sums.v[i].name, "iterations") ||
		    !metric_is_sum(g.sums.v[i].name))
			continue;
		snprintf(name, sizeof(name), "%s/iter", g.sums.v[i].name);
		metric_set_put(out, name, g.sums.v[i].v / iters);
	}
	put_exit_time_metrics(rec, out, iters);
	imm = metric_get(&g.sums, "delivery.immediate");
	late = metric_get(&g.sums, "delivery.late");
	if (!isnan(imm) && !isnan(late) && imm + late > 0)
		metric_set_put(out, "delivery.immediate_pct", 100.0 * imm / (imm + late));
	for (i = 0; i < g.hs.n; i++) {
		char name[sizeof(g.hs.name[0]) + 8];

		if (g.hs.h[i].n > 0) {
			snprintf(name, sizeof(name), "%s.p50", g.hs.name[i]);
			metric_set_put(out, name, merged_hist_quantile(&g.hs.h[i], 0.5));
			snprintf(name, sizeof(name), "%s.p99", g.hs.name[i]);
			metric_set_put(out, name, merged_hist_quantile(&g.hs.h[i], 0.99));
		}
		merged_hist_free(&g.hs.h[i]);
	}
	free(g.hs.name);
	free(g.hs.h);
	metric_set_free(&g.sums);
	if (out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), name_cmp);
	return 0;
}
