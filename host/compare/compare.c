// SPDX-License-Identifier: MIT
/*
 * compare.c - the comparison table behind `irqlbench compare` and the
 * dashboard's tables.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "compare/mwu.h"
#include "suite/run_values.h"

static void mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double m = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		m += v[i];
	m = n ? m / (double)n : NAN;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	*mean = m;
	*sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
}

/* Equal but for the rounding of a mean of per-iteration values
 * ((0.1 + 0.1 + 0.1) / 3 is not 0.1). */
static bool same(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1, fmax(fabs(a), fabs(b)));
}

/* Do a side's runs disagree (more than rounding)? */
static bool varies(double mean, double sd)
{
	return sd > 1e-9 * fmax(1, fabs(mean));
}

void compare_row(struct cmp_row *row, enum cmp_kind kind, const double *a, size_t na,
		 const double *b, size_t nb, double ea, double eb)
{
	struct mwu_result r;

	row->kind = kind;
	row->unit = CMP_UNIT_NONE;
	row->na = na;
	row->nb = nb;
	mean_sd(a, na, &row->mean_a, &row->sd_a);
	mean_sd(b, nb, &row->mean_b, &row->sd_b);
	if (row->mean_a != 0)
		row->change_pct = (row->mean_b - row->mean_a) / fabs(row->mean_a) * 100;
	else
		row->change_pct = row->mean_b == 0 ? 0 : copysign(INFINITY, row->mean_b);
	row->p = NAN;
	row->tested = false;
	row->constant = false;
	row->significant = false;
	row->expect_a = kind == CMP_EXACT ? ea : NAN;
	row->expect_b = kind == CMP_EXACT ? eb : NAN;
	switch (kind) {
	case CMP_EXACT:
		/* a deterministic count: any difference is a change; one that
		 * varies within a side shows in its deviation */
		row->significant = !same(row->mean_a, row->mean_b) || varies(row->mean_a, row->sd_a) ||
				   varies(row->mean_b, row->sd_b);
		break;
	case CMP_LATENCY:
		/* every run of both sides (2 or more a side) the same value
		 * (the model is deterministic: its --runs are copies): no
		 * sample to test, a change or none, as an exact count */
		row->constant = na >= 2 && nb >= 2 && !varies(row->mean_a, row->sd_a) &&
				!varies(row->mean_b, row->sd_b);
		if (row->constant) {
			row->significant = !same(row->mean_a, row->mean_b);
			break;
		}
		if (na < COMPARE_MIN_N || nb < COMPARE_MIN_N)
			break;
		mwu_test(a, na, b, nb, &r);
		row->p = r.p;
		row->tested = !isnan(r.p);
		row->significant = row->tested && r.p <= COMPARE_ALPHA;
		break;
	case CMP_COUNT:
		break;
	}
}

/* A histogram's percentile, or an exit's mean handling time (exit_ns.R.mean):
 * times, compared by their distributions over the runs. */
static bool is_latency(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && (!strcmp(name + n - 4, ".p50") || !strcmp(name + n - 4, ".p99"))) ||
	       (!strncmp(name, "exit_ns.", 8) && n > 5 && !strcmp(name + n - 5, ".mean"));
}

enum cmp_kind compare_kind(const char *metric, const struct metric_set *exact)
{
	if (exact && metric_has(exact, metric))
		return CMP_EXACT;
	return is_latency(metric) ? CMP_LATENCY : CMP_COUNT;
}

const char *compare_unit_name(enum cmp_unit u)
{
	static const char *const names[] = { "", "cycles", "ns", "us" };

	return names[u];
}

enum cmp_unit compare_stored_unit(const char *metric)
{
	if (!is_latency(metric))
		return CMP_UNIT_NONE;
	return strncmp(metric, "exit_ns.", 8) ? CMP_UNIT_CYCLES : CMP_UNIT_NS;
}

double compare_run_tsc_hz(struct store *s, const char *id)
{
	json_t *rec = store_run_record(s, id, NULL, 0);
	json_t *hz = json_object_get(json_object_get(rec, "guest"), "tsc_hz");
	double v = json_is_number(hz) ? json_number_value(hz) : NAN;

	json_decref(rec);
	return v > 0 ? v : NAN;
}

double compare_to_us(double v, enum cmp_unit u, double tsc_hz)
{
	switch (u) {
	case CMP_UNIT_CYCLES:
		return tsc_hz > 0 ? v / tsc_hz * 1e6 : NAN;
	case CMP_UNIT_NS:
		return v / 1000;
	default:
		return v;
	}
}

/* name and name/iter into out: the total (never expected: it depends on
 * the iterations) and the per-iteration value v (-1: none known). */
static void put_exact(struct metric_set *out, const char *name, int64_t v)
{
	char it[96];
	double old;

	snprintf(it, sizeof(it), "%s/iter", name);
	if (isnan(metric_get(out, name)))
		metric_set_put(out, name, NAN);
	old = metric_get(out, it);
	if (v >= 0 || isnan(old))
		metric_set_put(out, it, v >= 0 ? (double)v : NAN);
}

/* The names and values of one policy's expectations; known: its values
 * hold for the side (else only the names are added). */
static void put_expect(struct metric_set *out, const struct suite_expect *x, bool known)
{
	char name[96];

	for (unsigned i = 0; i < STAT_NCOUNTERS; i++)
		if (x->count[i] >= 0)
			put_exact(out, suite_counter_name(i), x->count[i]);
	if (x->exits >= 0 && x->exit_reason) {
		snprintf(name, sizeof(name), "exit.%s", x->exit_reason);
		put_exact(out, name, known ? x->exits : -1);
	}
	if (x->late >= 0)
		put_exact(out, "delivery.late", known ? x->late : -1);
	if (x->immediate >= 0)
		put_exact(out, "delivery.immediate", known ? x->immediate : -1);
	if (x->late >= 0 && x->immediate >= 0 && x->late + x->immediate > 0) {
		double pct = known ? 100.0 * (double)x->immediate / (double)(x->late + x->immediate) : NAN;

		if (known || isnan(metric_get(out, "delivery.immediate_pct")))
			metric_set_put(out, "delivery.immediate_pct", pct);
	}
}

void compare_exact_metrics(const struct suite *s, const struct wl_values *vals, enum kp_policy p,
			   struct metric_set *out)
{
	struct suite_expect x;
	char err[256];

	if (!s || !vals->w)
		return;
	/* the names: what the file fixes under any policy (a count that is
	 * deterministic under one family is under every one) */
	for (unsigned q = 0; q < KP_NPOLICY; q++)
		if (q != p && !suite_expect(s, vals, (enum kp_policy)q, &x, err, sizeof(err)))
			put_expect(out, &x, false);
	/* the guest's own counts hold under every policy; exits and deliveries
	 * only under the side's own */
	if (p < KP_NPOLICY && !suite_expect(s, vals, p, &x, err, sizeof(err)))
		put_expect(out, &x, true);
	if (p >= KP_NPOLICY && !suite_expect(s, vals, 0, &x, err, sizeof(err)))
		for (unsigned i = 0; i < STAT_NCOUNTERS; i++)
			if (x.count[i] >= 0)
				put_exact(out, suite_counter_name(i), x.count[i]);
}

static bool wanted(const char *name, const char *const *globs, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (!fnmatch(globs[i], name, 0))
			return true;
	return false;
}

static int load_sets(struct store *s, const struct run_list *l, struct metric_set *m,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < l->n; i++)
		if (store_run_metrics(s, l->v[i].id, &m[i], err, errlen))
			return -1;
	return 0;
}

/* The metric's values over the runs that have it, in unit u (CMP_UNIT_US:
 * converted from the stored unit su with each run's rate hz[i]). */
static size_t sample(const struct metric_set *m, size_t n, const char *name, enum cmp_unit su,
		     enum cmp_unit u, const double *hz, double *out)
{
	size_t k = 0;

	bool per_iter = strstr(name, "/iter") != NULL;

	for (size_t i = 0; i < n; i++) {
		double v = metric_get(&m[i], name);

		/* an exit reason a run that counts exits does not name: none */
		if (isnan(v) && !strncmp(name, "exit.", 5) &&
		    !isnan(metric_get(&m[i], per_iter ? "exit.total/iter" : "exit.total")))
			v = 0;
		if (!isnan(v))
			out[k++] = u == CMP_UNIT_US ? compare_to_us(v, su, hz[i]) : v;
	}
	return k;
}

/* Each run's guest.tsc_hz into hz; the number of runs without one. */
static size_t load_rates(struct store *s, const struct run_list *l, double *hz)
{
	size_t missing = 0;

	for (size_t i = 0; i < l->n; i++) {
		hz[i] = compare_run_tsc_hz(s, l->v[i].id);
		missing += isnan(hz[i]);
	}
	return missing;
}

/* One side of a table as rates_differ() reads it. */
struct rate_side {
	const char *name;			/* "base", "new" */
	const struct run_list *l;
	const struct metric_set *m;
	const double *hz;
};

/*
 * Do the runs of both sides that have the metric run at different TSC
 * rates (known ones, apart by more than COMPARE_RATE_TOL)?  Then the
 * slowest and the fastest, in buf: "METRIC: base run A is at X Hz, new run
 * B at Y Hz".
 */
static bool rates_differ(const struct rate_side *s, const char *name, char *buf, size_t len)
{
	const struct rate_side *lo_s = NULL, *hi_s = NULL;
	size_t lo = 0, hi = 0;

	for (const struct rate_side *x = s; x < s + 2; x++)
		for (size_t i = 0; i < x->l->n; i++) {
			if (isnan(x->hz[i]) || isnan(metric_get(&x->m[i], name)))
				continue;
			if (!lo_s || x->hz[i] < lo_s->hz[lo])
				lo_s = x, lo = i;
			if (!hi_s || x->hz[i] > hi_s->hz[hi])
				hi_s = x, hi = i;
		}
	if (!lo_s || hi_s->hz[hi] <= lo_s->hz[lo] * (1 + COMPARE_RATE_TOL))
		return false;
	snprintf(buf, len, "%s: %s run %s is at %.0f Hz, %s run %s at %.0f Hz", name, lo_s->name,
		 lo_s->l->v[lo].id, lo_s->hz[lo], hi_s->name, hi_s->l->v[hi].id, hi_s->hz[hi]);
	return true;
}

/* Does a run that has the metric lack a rate? */
static bool lacks_rate(const struct metric_set *m, size_t n, const char *name, const double *hz)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(hz[i]) && !isnan(metric_get(&m[i], name)))
			return true;
	return false;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct metric *)a)->name, ((const struct metric *)b)->name);
}

static void add_warning(struct cmp_table *t, const char *fmt, const char *side, size_t n)
{
	if (t->nwarn < sizeof(t->warnings) / sizeof(t->warnings[0]))
		snprintf(t->warnings[t->nwarn++], sizeof(t->warnings[0]), fmt, side, n);
}

/*
 * What a side's times are: "real" (a kvm run on its host), "emulated
 * time" (tcg, or a lab whose L1 ran under TCG: the record's emulated),
 * "simulated" (model), "emulated and real time" etc. for a side of several.
 */
static const char *side_time(const struct cmp_side *sd)
{
	unsigned kinds = 0;	/* 1 real, 2 emulated, 4 simulated */

	for (size_t i = 0; i < sd->runs.n; i++) {
		const struct run_info *r = &sd->runs.v[i];

		kinds |= r->backend && !strcmp(r->backend, "model") ? 4 : r->emulated ? 2 : 1;
	}
	switch (kinds) {
	case 0: case 1: return "real";
	case 2: return "emulated time";
	case 4: return "simulated";
	case 3: return "emulated and real time";
	default: return "simulated and measured";
	}
}

/* The side's label with what its times are unless real: "lab fixed,
 * emulated time" (truncated where it does not fit). */
static void side_label(char *buf, size_t len, const struct cmp_side *sd, const char *tk)
{
	size_t n;

	snprintf(buf, len, "%s", sd->label);
	n = strlen(buf);
	if (strcmp(tk, "real") && n && n + 2 < len)
		snprintf(buf + n, len - n, ", %.*s", (int)(len - n - 3), tk);
}

int compare_runs(struct store *s, const struct suite *suite, const struct cmp_side *sa,
		 const struct cmp_side *sb, const char *const *globs, size_t nglobs, bool all_rows,
		 struct cmp_table *t, char *err, size_t errlen)
{
	const struct run_list *a = &sa->runs, *b = &sb->runs;
	struct metric_set *ma = calloc(a->n + 1, sizeof(*ma)), *mb = calloc(b->n + 1, sizeof(*mb));
	struct metric_set names = { 0 }, xa = { 0 }, xb = { 0 };
	double *va = malloc((a->n + 1) * sizeof(double)), *vb = malloc((b->n + 1) * sizeof(double));
	double *hza = malloc((a->n + 1) * sizeof(double)), *hzb = malloc((b->n + 1) * sizeof(double));
	size_t nohz_a = 0, nohz_b = 0;
	bool untested = false, in_cycles = false;
	int rc = -1;

	if (!ma || !mb || !va || !vb || !hza || !hzb)
		abort();
	t->runs_a = a->n;
	t->runs_b = b->n;
	snprintf(t->tuple_a, sizeof(t->tuple_a), "%s", sa->tuple);
	snprintf(t->tuple_b, sizeof(t->tuple_b), "%s", sb->tuple);
	t->time_a = side_time(sa);
	t->time_b = side_time(sb);
	side_label(t->label_a, sizeof(t->label_a), sa, t->time_a);
	side_label(t->label_b, sizeof(t->label_b), sb, t->time_b);
	snprintf(t->costs_a, sizeof(t->costs_a), "%s", sa->costs);
	snprintf(t->costs_b, sizeof(t->costs_b), "%s", sb->costs);
	compare_exact_metrics(suite, &sa->vals, sa->policy, &xa);
	compare_exact_metrics(suite, &sb->vals, sb->policy, &xb);
	if (load_sets(s, a, ma, err, errlen) || load_sets(s, b, mb, err, errlen))
		goto out;
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < ma[i].n; j++)
			if (wanted(ma[i].v[j].name, globs, nglobs))
				metric_set_put(&names, ma[i].v[j].name, 0);
	if (names.n)
		qsort(names.v, names.n, sizeof(names.v[0]), name_cmp);
	/* the rates: µs, and whether a row in cycles is of one rate */
	nohz_a = load_rates(s, a, hza);
	nohz_b = load_rates(s, b, hzb);
	for (size_t i = 0; i < names.n; i++) {
		const char *name = names.v[i].name;
		struct cmp_row row = { 0 };
		enum cmp_unit su = compare_stored_unit(name), u = su;
		size_t na, nb;
		/* exact where the file fixes it for both sides */
		enum cmp_kind kind = compare_kind(name, metric_has(&xb, name) ? &xa : NULL);

		/* µs, unless asked for the stored unit or a run has no rate */
		if (su != CMP_UNIT_NONE && !t->cycles) {
			bool lack = su == CMP_UNIT_CYCLES &&
				    (lacks_rate(ma, a->n, name, hza) || lacks_rate(mb, b->n, name, hzb));

			in_cycles |= lack;
			u = lack ? su : CMP_UNIT_US;
		}
		na = sample(ma, a->n, name, su, u, hza, va);
		nb = sample(mb, b->n, name, su, u, hzb, vb);
		if (!na || !nb)
			continue;
		snprintf(row.metric, sizeof(row.metric), "%s", name);
		compare_row(&row, kind, va, na, vb, nb, metric_get(&xa, name), metric_get(&xb, name));
		row.unit = u;
		if (!all_rows && row.mean_a == 0 && row.mean_b == 0 && row.sd_a == 0 && row.sd_b == 0)
			continue;
		/* cycles of different TSC rates are no one axis */
		if (u == CMP_UNIT_CYCLES && !t->rate_conflict[0]) {
			const struct rate_side rs[2] = { { "base", a, ma, hza }, { "new", b, mb, hzb } };

			if (rates_differ(rs, name, t->rate_conflict, sizeof(t->rate_conflict)) &&
			    t->nwarn < sizeof(t->warnings) / sizeof(t->warnings[0]))
				snprintf(t->warnings[t->nwarn++], sizeof(t->warnings[0]),
					 "not comparable: TSC cycles of different rates (%s)",
					 t->rate_conflict);
		}
		untested |= kind == CMP_LATENCY && !row.tested && !row.constant;
		t->v = realloc(t->v, (t->n + 1) * sizeof(*t->v));
		if (!t->v)
			abort();
		t->v[t->n++] = row;
	}
	if (in_cycles && t->nwarn < sizeof(t->warnings) / sizeof(t->warnings[0]))
		snprintf(t->warnings[t->nwarn++], sizeof(t->warnings[0]),
			 "%zu base and %zu new run(s) give no guest.tsc_hz: their histograms' "
			 "percentiles are in TSC cycles, not µs", nohz_a, nohz_b);
	if (untested && a->n < COMPARE_MIN_N)
		add_warning(t, "%s has %zu run(s): latencies need 5 a side for the Mann-Whitney U "
			    "test; run more (--runs 5)", "base", a->n);
	if (untested && b->n < COMPARE_MIN_N)
		add_warning(t, "%s has %zu run(s): latencies need 5 a side for the Mann-Whitney U "
			    "test; run more (--runs 5)", "new", b->n);
	rc = 0;
out:
	for (size_t i = 0; i < a->n; i++)
		metric_set_free(&ma[i]);
	for (size_t i = 0; i < b->n; i++)
		metric_set_free(&mb[i]);
	metric_set_free(&names);
	metric_set_free(&xa);
	metric_set_free(&xb);
	free(ma);
	free(mb);
	free(va);
	free(vb);
	free(hza);
	free(hzb);
	return rc;
}

void cmp_table_free(struct cmp_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* --- sides and their tuples --------------------------------------------- */

/* The group of a side that r belongs to: its tuple and its cost source;
 * added when new. */
static struct cmp_side *side_of(struct cmp_side **v, size_t *n, const char *tuple,
				const struct run_info *r, size_t cap)
{
	const char *costs = r->costs ? r->costs : "", *series = store_run_series(r);
	const char *be = r->backend ? r->backend : "?";
	struct cmp_side *sd;
	int k;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].tuple, tuple) && !strcmp((*v)[i].costs, costs))
			return &(*v)[i];
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (!*v)
		abort();
	sd = &(*v)[(*n)++];
	memset(sd, 0, sizeof(*sd));
	snprintf(sd->tuple, sizeof(sd->tuple), "%s", tuple);
	snprintf(sd->costs, sizeof(sd->costs), "%s", costs);
	/* "lab fixed", "tcg", "model l61 (costs from run R)" */
	k = snprintf(sd->label, sizeof(sd->label), "%s", be);
	if (series && strcmp(series, be) && k >= 0 && (size_t)k < sizeof(sd->label))
		k += snprintf(sd->label + k, sizeof(sd->label) - (size_t)k, " %s", series);
	if (costs[0] && k >= 0 && (size_t)k < sizeof(sd->label))
		snprintf(sd->label + k, sizeof(sd->label) - (size_t)k, " (%s)", costs);
	sd->policy = suite_run_policy(r);
	sd->runs.v = calloc(cap + 1, sizeof(*sd->runs.v));
	if (!sd->runs.v)
		abort();
	return sd;
}

/* One side's runs by tuple; -1 with err when they are of several series. */
static int group_side(const struct run_list *l, const char *which, struct cmp_side **out,
		      size_t *nout, char *err, size_t errlen)
{
	char first[128] = "", lab[128];

	*out = NULL;
	*nout = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct run_info *r = &l->v[i];
		struct wl_values vals = { 0 };
		char tuple[COMPARE_TUPLE_LEN], why[256];
		struct cmp_side *sd;

		snprintf(lab, sizeof(lab), "%s:%s", r->backend ? r->backend : "?", store_run_series(r));
		if (!i)
			snprintf(first, sizeof(first), "%s", lab);
		else if (strcmp(first, lab)) {
			snprintf(err, errlen, "compare: %s mixes runs of %s and %s: add backend=, "
				 "policy= or variant= to its selector so that it is one series", which,
				 first, lab);
			return -1;
		}
		if (suite_run_values(r, &vals, why, sizeof(why))) {
			vals.w = NULL;
			snprintf(tuple, sizeof(tuple), "workload=%s params=%s",
				 r->workload ? r->workload : "?", r->params ? r->params : "{}");
		} else {
			suite_run_tuple(&vals, tuple, sizeof(tuple));
		}
		sd = side_of(out, nout, tuple, r, l->n);
		if (!sd->runs.n)
			sd->vals = vals;
		sd->runs.v[sd->runs.n++] = *r;
	}
	return 0;
}

static void free_sides(struct cmp_side *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].runs.v);	/* shallow copies: the array only */
	free(v);
}

void cmp_plan_free(struct cmp_plan *p)
{
	free_sides(p->a, p->na);
	free_sides(p->b, p->nb);
	free(p->pair);
	memset(p, 0, sizeof(*p));
}

/* Appends "; ", what and the group to the note, as much as fits: its
 * tuple, and its cost source where the pairing goes by it. */
static void note_add(struct cmp_plan *p, const char *what, const struct cmp_side *sd,
		     bool by_costs)
{
	size_t n = strlen(p->note);

	snprintf(p->note + n, sizeof(p->note) - n, "%s%s %s%s%s%s", n ? "; " : "", what, sd->tuple,
		 by_costs && sd->costs[0] ? " (" : "", by_costs ? sd->costs : "",
		 by_costs && sd->costs[0] ? ")" : "");
}

/* The groups of a side, "'T1', 'T2'" (with their cost sources where the
 * pairing goes by them: "'T1' (default costs)"), as many as fit. */
static void tuples_str(const struct cmp_side *v, size_t n, bool by_costs, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s'%s'%s%s%s", i ? ", " : "", v[i].tuple,
				      by_costs && v[i].costs[0] ? " (" : "", by_costs ? v[i].costs : "",
				      by_costs && v[i].costs[0] ? ")" : "");
}

/* Does a side hold runs of more than one cost source? */
static bool several_costs(const struct cmp_side *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i].costs, v[0].costs))
			return true;
	return false;
}

/* Do two groups pair: the same tuple and, by_costs, the same cost source? */
static bool pairs(const struct cmp_side *x, const struct cmp_side *y, bool by_costs)
{
	return !strcmp(x->tuple, y->tuple) && (!by_costs || !strcmp(x->costs, y->costs));
}

int compare_plan(const struct run_list *a, const struct run_list *b, struct cmp_plan *p,
		 char *err, size_t errlen)
{
	char ta[400], tb[400];
	bool by_costs;

	memset(p, 0, sizeof(*p));
	if (group_side(a, "base", &p->a, &p->na, err, errlen) ||
	    group_side(b, "new", &p->b, &p->nb, err, errlen)) {
		cmp_plan_free(p);
		return -1;
	}
	p->pair = calloc(p->na * p->nb + 1, sizeof(*p->pair));
	if (!p->pair)
		abort();
	if (p->na == 1 && p->nb == 1) {
		p->npairs = 1;
		return 0;
	}
	/* a side of several cost sources: a group pairs only with one of its
	 * own source (one source a side: they pair by tuple, as one group a
	 * side does, and each table's labels name both) */
	by_costs = p->by_costs = several_costs(p->a, p->na) || several_costs(p->b, p->nb);
	for (size_t i = 0; i < p->na; i++) {
		size_t j;

		for (j = 0; j < p->nb && !pairs(&p->a[i], &p->b[j], by_costs); j++)
			;
		if (j < p->nb) {
			p->pair[p->npairs][0] = i;
			p->pair[p->npairs++][1] = j;
		} else {
			note_add(p, "base alone has", &p->a[i], by_costs);
		}
	}
	for (size_t j = 0; j < p->nb; j++) {
		size_t i;

		for (i = 0; i < p->na && !pairs(&p->a[i], &p->b[j], by_costs); i++)
			;
		if (i == p->na)
			note_add(p, "new alone has", &p->b[j], by_costs);
	}
	if (p->npairs)
		return 0;
	tuples_str(p->a, p->na, by_costs, ta, sizeof(ta));
	tuples_str(p->b, p->nb, by_costs, tb, sizeof(tb));
	if (by_costs)
		snprintf(err, errlen, "compare: the sides have no parameter tuple and cost source in "
			 "common (base: %s; new: %s): add workload= and the parameters (depth=2) to "
			 "the selectors, and select model runs of one cost source (id=, tag=)",
			 ta, tb);
	else
		snprintf(err, errlen, "compare: the sides have no parameter tuple in common (base: %s; "
			 "new: %s): add workload= and the parameters (depth=2) to the selectors",
			 ta, tb);
	cmp_plan_free(p);
	return -1;
}

/* --- output ------------------------------------------------------------- */

static void fmt_num(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (fabs(v) < 1e12 && v == floor(v))
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) >= 100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.3f", v);
}

static void fmt_sd(char *buf, size_t len, double mean, double sd)
{
	if (sd > 0 && mean != 0)
		snprintf(buf, len, "±%3.0f%%", fmin(999, sd / fabs(mean) * 100));
	else
		snprintf(buf, len, " ");
}

/* The change alone: "+200.0%", "+inf%". */
static void fmt_pct(char *buf, size_t len, double pct)
{
	if (isinf(pct))
		snprintf(buf, len, "%sinf%%", pct > 0 ? "+" : "-");
	else
		snprintf(buf, len, "%+.1f%%", pct);
}

/*
 * The %change cell: exact "=" or the change; latency the change, "~ (C)"
 * where not significant, "too few runs (C)" where untested; count "(C)",
 * a change no test stands behind.
 */
static void fmt_change(char *buf, size_t len, const struct cmp_row *r)
{
	char c[32];

	fmt_pct(c, sizeof(c), r->change_pct);
	if (r->kind == CMP_EXACT || r->constant)	/* no test: a change or none */
		snprintf(buf, len, "%s", r->significant ? c : "=");
	else if (r->kind == CMP_COUNT)
		snprintf(buf, len, "(%s)", c);
	else if (!r->tested)
		snprintf(buf, len, "too few runs (%s)", c);
	else if (!r->significant)
		snprintf(buf, len, "~ (%s)", c);
	else
		snprintf(buf, len, "%s", c);
}

/* Does a side of an exact row differ from its expectation (or vary)? */
static bool off_expect(double mean, double sd, double expect)
{
	return !isnan(expect) && (varies(mean, sd) || !same(mean, expect));
}

/*
 * What stands behind the row, in words: "exact, expected 1 and 3" (",
 * new differs", ", base varies"), "p=0.00794", "too few runs", "no test".
 */
static void fmt_test(char *buf, size_t len, const struct cmp_row *r)
{
	char ea[32], eb[32];
	int n;

	switch (r->kind) {
	case CMP_EXACT:
		n = snprintf(buf, len, "exact");
		if (!isnan(r->expect_a) || !isnan(r->expect_b)) {
			fmt_num(ea, sizeof(ea), r->expect_a);
			fmt_num(eb, sizeof(eb), r->expect_b);
			n += snprintf(buf + n, len - (size_t)n, ", expected %s and %s", ea, eb);
		}
		if (off_expect(r->mean_a, r->sd_a, r->expect_a))
			n += snprintf(buf + n, len - (size_t)n, ", base differs");
		if (off_expect(r->mean_b, r->sd_b, r->expect_b))
			n += snprintf(buf + n, len - (size_t)n, ", new differs");
		if (varies(r->mean_a, r->sd_a))
			n += snprintf(buf + n, len - (size_t)n, ", base varies");
		if (varies(r->mean_b, r->sd_b))
			snprintf(buf + n, len - (size_t)n, ", new varies");
		break;
	case CMP_LATENCY:
		if (r->constant)
			snprintf(buf, len, "no spread: one value a side, no test");
		else if (r->tested)
			snprintf(buf, len, "p=%.3g", r->p);
		else
			snprintf(buf, len, "too few runs");
		break;
	case CMP_COUNT:
		snprintf(buf, len, "no test");
		break;
	}
}

/* The unit after a metric's name in the tables: " [µs]", "" for a count. */
static const char *unit_suffix(enum cmp_unit u)
{
	static const char *const sfx[] = { "", " [cycles]", " [ns]", " [µs]" };

	return sfx[u];
}

static const char *kind_name(enum cmp_kind k)
{
	return k == CMP_EXACT ? "exact" : k == CMP_LATENCY ? "latency" : "count";
}

/* The cells every human-readable table shows for a row. */
struct row_cells {
	char ma[32], sa[16], ch[64], mb[32], sb[16], test[160];
};

static void row_cells(const struct cmp_row *r, struct row_cells *c)
{
	fmt_num(c->ma, sizeof(c->ma), r->mean_a);
	fmt_sd(c->sa, sizeof(c->sa), r->mean_a, r->sd_a);
	fmt_change(c->ch, sizeof(c->ch), r);
	fmt_num(c->mb, sizeof(c->mb), r->mean_b);
	fmt_sd(c->sb, sizeof(c->sb), r->mean_b, r->sd_b);
	fmt_test(c->test, sizeof(c->test), r);
}

/* The parameter tuple line, as LKP's compare heads its table: one tuple,
 * or each side's. */
static void fmt_tuple(char *buf, size_t len, const struct cmp_table *t)
{
	if (!t->tuple_a[0] && !t->tuple_b[0])
		buf[0] = '\0';
	else if (!strcmp(t->tuple_a, t->tuple_b))
		snprintf(buf, len, "%s", t->tuple_a);
	else
		snprintf(buf, len, "base %s; new %s", t->tuple_a, t->tuple_b);
}

/* What a side's runs are, after its selector: "(5 runs of model l61
 * (costs from run R))"; "(5 runs)" where the table has no label. */
static void fmt_runs(char *buf, size_t len, size_t runs, const char *label)
{
	snprintf(buf, len, "(%zu run%s%s%s)", runs, runs == 1 ? "" : "s", label[0] ? " of " : "", label);
}

static void print_text(FILE *f, const struct cmp_table *t)
{
	char tuple[2 * COMPARE_TUPLE_LEN + 16], ra[COMPARE_LABEL_LEN + 32], rb[COMPARE_LABEL_LEN + 32];

	fmt_tuple(tuple, sizeof(tuple), t);
	if (tuple[0])
		fprintf(f, "params: %s\n", tuple);
	fmt_runs(ra, sizeof(ra), t->runs_a, t->label_a);
	fmt_runs(rb, sizeof(rb), t->runs_b, t->label_b);
	fprintf(f, "base: %s %s    new: %s %s\n", t->name_a, ra, t->name_b, rb);
	fprintf(f, "%14s %6s  %22s  %14s %6s  %s\n", "base-mean", "±%sd", "%change",
		"new-mean", "±%sd", "metric");
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		struct row_cells c;

		row_cells(r, &c);
		fprintf(f, "%14s %6s  %22s  %14s %6s  %s%s  (%s, n=%zu+%zu)\n", c.ma, c.sa, c.ch,
			c.mb, c.sb, r->metric, unit_suffix(r->unit), c.test, r->na, r->nb);
	}
	if (!t->n)
		fprintf(f, "(no metric that both sides have)\n");
}

static void print_markdown(FILE *f, const struct cmp_table *t)
{
	char tuple[2 * COMPARE_TUPLE_LEN + 16], ra[COMPARE_LABEL_LEN + 32], rb[COMPARE_LABEL_LEN + 32];

	fmt_tuple(tuple, sizeof(tuple), t);
	if (tuple[0])
		fprintf(f, "`%s`\n\n", tuple);
	fmt_runs(ra, sizeof(ra), t->runs_a, t->label_a);
	fmt_runs(rb, sizeof(rb), t->runs_b, t->label_b);
	fprintf(f, "base: `%s` %s, new: `%s` %s\n\n", t->name_a, ra, t->name_b, rb);
	fprintf(f, "| base mean | ±%%sd | %%change | new mean | ±%%sd | test | n | metric |\n");
	fprintf(f, "|---:|---:|---:|---:|---:|:---|---:|:---|\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		struct row_cells c;

		row_cells(r, &c);
		fprintf(f, "| %s | %s | %s | %s | %s | %s | %zu+%zu | `%s`%s |\n", c.ma, c.sa, c.ch,
			c.mb, c.sb, c.test, r->na, r->nb, r->metric, unit_suffix(r->unit));
	}
	for (unsigned i = 0; i < t->nwarn; i++)
		fprintf(f, "\n> warning: %s\n", t->warnings[i]);
}

static void print_csv_header(FILE *f)
{
	fprintf(f, "metric,kind,base_n,base_mean,base_stddev,new_n,new_mean,new_stddev,change_pct,p,"
		"significant,base_expected,new_expected,base_params,new_params,base_label,new_label,"
		"unit\n");
}

/* A number, or an empty field for none. */
static void csv_num(FILE *f, double v, const char *fmt)
{
	fputc(',', f);
	if (!isnan(v))
		fprintf(f, fmt, v);
}

/* A CSV field in double quotes (a selector may hold commas). */
static void csv_str(FILE *f, const char *s)
{
	fputs(",\"", f);
	for (; *s; s++)
		fprintf(f, *s == '"' ? "\"\"" : "%c", *s);
	fputc('"', f);
}

static void print_csv(FILE *f, const struct cmp_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];

		fprintf(f, "%s,%s,%zu,%.17g,%.17g,%zu,%.17g,%.17g,%.17g", r->metric, kind_name(r->kind),
			r->na, r->mean_a, r->sd_a, r->nb, r->mean_b, r->sd_b, r->change_pct);
		csv_num(f, r->p, "%.6g");
		fprintf(f, ",%d", r->significant);
		csv_num(f, r->expect_a, "%.17g");
		csv_num(f, r->expect_b, "%.17g");
		csv_str(f, t->tuple_a);
		csv_str(f, t->tuple_b);
		csv_str(f, t->label_a);
		csv_str(f, t->label_b);
		fprintf(f, ",%s\n", compare_unit_name(r->unit));
	}
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* A string, or null for an empty one. */
static json_t *str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

/* A side of a table: its selector, parameter tuple, runs, label ("model
 * l61 (costs from run R)") and cost source (null but for model runs). */
static json_t *side_json(const char *sel, const char *tuple, size_t runs, const char *label,
			 const char *costs, const char *time)
{
	return json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}", "selector", sel, "params", tuple,
			 "runs", (json_int_t)runs, "label", str_or_null(label),
			 "costs", str_or_null(costs), "time", time ? json_string(time) : json_null());
}

static json_t *table_json(const struct cmp_table *t)
{
	json_t *o = json_object(), *rows = json_array(), *w = json_array();

	json_object_set_new(o, "base", side_json(t->name_a, t->tuple_a, t->runs_a, t->label_a,
						 t->costs_a, t->time_a));
	json_object_set_new(o, "new", side_json(t->name_b, t->tuple_b, t->runs_b, t->label_b,
						t->costs_b, t->time_b));
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		json_t *row = json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b,"
					" s:b, s:o, s:o}",
					"metric", r->metric, "kind", kind_name(r->kind),
					"base_n", (json_int_t)r->na, "new_n", (json_int_t)r->nb,
					"base_mean", num_or_null(r->mean_a), "base_stddev", num_or_null(r->sd_a),
					"new_mean", num_or_null(r->mean_b), "new_stddev", num_or_null(r->sd_b),
					"change_pct", num_or_null(r->change_pct), "p", num_or_null(r->p),
					"tested", r->tested, "significant", r->significant,
					"constant", r->constant,
					"base_expected", num_or_null(r->expect_a),
					"new_expected", num_or_null(r->expect_b));

		if (isinf(r->change_pct))
			json_object_set_new(row, "change_pct", json_string(r->change_pct > 0 ? "+inf" : "-inf"));
		json_object_set_new(row, "unit", r->unit == CMP_UNIT_NONE ? json_null() :
				    json_string(compare_unit_name(r->unit)));
		json_array_append_new(rows, row);
	}
	for (unsigned i = 0; i < t->nwarn; i++)
		json_array_append_new(w, json_string(t->warnings[i]));
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "warnings", w);
	return o;
}

static void print_json(FILE *f, const struct cmp_table *t, size_t n)
{
	json_t *o = json_object(), *tables = json_array();

	json_object_set_new(o, "alpha", json_real(COMPARE_ALPHA));
	json_object_set_new(o, "min_runs", json_integer(COMPARE_MIN_N));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(tables, table_json(&t[i]));
	json_object_set_new(o, "tables", tables);
	json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(o);
}

void cmp_html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static void print_html(FILE *f, const struct cmp_table *t)
{
	char tuple[2 * COMPARE_TUPLE_LEN + 16], ra[COMPARE_LABEL_LEN + 32], rb[COMPARE_LABEL_LEN + 32];

	fmt_tuple(tuple, sizeof(tuple), t);
	fputs("<table class=\"cmp\"><caption>", f);
	if (tuple[0]) {
		fputs("<code>", f);
		cmp_html_escape(f, tuple);
		fputs("</code>: ", f);
	}
	fmt_runs(ra, sizeof(ra), t->runs_a, t->label_a);
	fmt_runs(rb, sizeof(rb), t->runs_b, t->label_b);
	fputs("base <code>", f);
	cmp_html_escape(f, t->name_a);
	fputs("</code> ", f);
	cmp_html_escape(f, ra);
	fputs(" vs new <code>", f);
	cmp_html_escape(f, t->name_b);
	fputs("</code> ", f);
	cmp_html_escape(f, rb);
	fputs("</caption>\n<tr><th>base mean</th><th>±%sd</th><th>%change</th><th>new mean</th>"
	      "<th>±%sd</th><th>test</th><th>metric</th></tr>\n", f);
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		struct row_cells c;

		row_cells(r, &c);
		fprintf(f, "<tr class=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
			"<td>%s</td><td><code>", r->significant ? "sig" : "ns", c.ma, c.sa, c.ch, c.mb,
			c.sb, c.test);
		cmp_html_escape(f, r->metric);
		fprintf(f, "</code>%s</td></tr>\n", unit_suffix(r->unit));
	}
	fputs("</table>\n", f);
	for (unsigned i = 0; i < t->nwarn; i++) {
		fputs("<p class=\"warn\">warning: ", f);
		cmp_html_escape(f, t->warnings[i]);
		fputs("</p>\n", f);
	}
}

int compare_print_all(FILE *f, const struct cmp_table *t, size_t n, const char *fmt)
{
	bool md = !strcmp(fmt, "markdown") || !strcmp(fmt, "md");

	if (!strcmp(fmt, "json")) {
		print_json(f, t, n);
		return 0;
	}
	if (!strcmp(fmt, "csv")) {
		print_csv_header(f);
		for (size_t i = 0; i < n; i++)
			print_csv(f, &t[i]);
		return 0;
	}
	if (strcmp(fmt, "text") && !md && strcmp(fmt, "html"))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc('\n', f);
		if (!strcmp(fmt, "text"))
			print_text(f, &t[i]);
		else if (md)
			print_markdown(f, &t[i]);
		else
			print_html(f, &t[i]);
	}
	return 0;
}

int compare_print(FILE *f, const struct cmp_table *t, const char *fmt)
{
	return compare_print_all(f, t, 1, fmt);
}

/* --- CI gates ----------------------------------------------------------- */

int compare_gate_parse(const char *spec, struct cmp_gate *g, char *err, size_t errlen)
{
	const char *op = strpbrk(spec, "<>");
	char *end;

	if (!op || op == spec || (size_t)(op - spec) >= sizeof(g->metric)) {
		snprintf(err, errlen, "--fail-on '%s': write METRIC>PCT or METRIC<PCT "
			 "(e.g. 'exit.write_cr8/iter>10')", spec);
		return -1;
	}
	memcpy(g->metric, spec, (size_t)(op - spec));
	g->metric[op - spec] = '\0';
	g->op = *op;
	g->pct = strtod(op + 1, &end);
	/* a plain decimal: strtod's "nan", "inf" and hex would make a gate
	 * that never trips, or trips on another number than written */
	if (end == op + 1 || (*end && strcmp(end, "%")) || !isfinite(g->pct) ||
	    strspn(op + 1, "+-0123456789.") != (size_t)(end - (op + 1))) {
		snprintf(err, errlen, "--fail-on '%s': '%s' is not a percentage", spec, op + 1);
		return -1;
	}
	return 0;
}

int compare_gate_check(const struct cmp_table *t, const struct cmp_gate *g, FILE *f)
{
	int matched = 0, crossed = 0;
	char why[160];

	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		bool over;

		if (fnmatch(g->metric, r->metric, 0))
			continue;
		matched++;
		over = g->op == '>' ? r->change_pct > g->pct : r->change_pct < g->pct;
		if (!over || !f) {
			crossed += over && r->significant;
			continue;
		}
		fmt_test(why, sizeof(why), r);
		if (r->significant) {
			crossed++;
			fprintf(f, "irqlbench compare: FAIL %s: %+.1f%% %c %+g%% (%s, %zu+%zu runs)\n",
				r->metric, r->change_pct, g->op, g->pct, why, r->na, r->nb);
		} else {
			fprintf(f, "irqlbench compare: note %s: %+.1f%% %c %+g%% but %s (%s): not failing\n",
				r->metric, r->change_pct, g->op, g->pct,
				r->kind == CMP_COUNT ? "no test stands behind it" :
				r->tested ? "not significant" : "not tested", why);
		}
	}
	return matched ? crossed : -1;
}
