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

void compare_row(struct cmp_row *row, const double *a, size_t na, const double *b, size_t nb)
{
	struct mwu_result r;

	row->na = na;
	row->nb = nb;
	mean_sd(a, na, &row->mean_a, &row->sd_a);
	mean_sd(b, nb, &row->mean_b, &row->sd_b);
	if (row->mean_a != 0)
		row->change_pct = (row->mean_b - row->mean_a) / fabs(row->mean_a) * 100;
	else
		row->change_pct = row->mean_b == 0 ? 0 : copysign(INFINITY, row->mean_b);
	mwu_test(a, na, b, nb, &r);
	row->p = r.p;
	row->significant = !isnan(r.p) && r.p <= COMPARE_ALPHA;
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

static size_t sample(const struct metric_set *m, size_t n, const char *name, double *out)
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
			out[k++] = v;
	}
	return k;
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

int compare_runs(struct store *s, const struct run_list *a, const struct run_list *b,
		 const char *const *globs, size_t nglobs, bool all_rows,
		 struct cmp_table *t, char *err, size_t errlen)
{
	struct metric_set *ma = calloc(a->n + 1, sizeof(*ma)), *mb = calloc(b->n + 1, sizeof(*mb));
	struct metric_set names = { 0 };
	double *va = malloc((a->n + 1) * sizeof(double)), *vb = malloc((b->n + 1) * sizeof(double));
	int rc = -1;

	if (!ma || !mb || !va || !vb)
		abort();
	t->runs_a = a->n;
	t->runs_b = b->n;
	if (load_sets(s, a, ma, err, errlen) || load_sets(s, b, mb, err, errlen))
		goto out;
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < ma[i].n; j++)
			if (wanted(ma[i].v[j].name, globs, nglobs))
				metric_set_put(&names, ma[i].v[j].name, 0);
	if (names.n)
		qsort(names.v, names.n, sizeof(names.v[0]), name_cmp);
	for (size_t i = 0; i < names.n; i++) {
		struct cmp_row row = { 0 };
		size_t na = sample(ma, a->n, names.v[i].name, va);
		size_t nb = sample(mb, b->n, names.v[i].name, vb);

		if (!na || !nb)
			continue;
		snprintf(row.metric, sizeof(row.metric), "%s", names.v[i].name);
		compare_row(&row, va, na, vb, nb);
		if (!all_rows && row.mean_a == 0 && row.mean_b == 0 && row.sd_a == 0 && row.sd_b == 0)
			continue;
		t->v = realloc(t->v, (t->n + 1) * sizeof(*t->v));
		if (!t->v)
			abort();
		t->v[t->n++] = row;
	}
	if (a->n < COMPARE_MIN_N)
		add_warning(t, "%s has %zu run(s), fewer than 5: the test can hardly show significance; run more",
			    "base", a->n);
	if (b->n < COMPARE_MIN_N)
		add_warning(t, "%s has %zu run(s), fewer than 5: the test can hardly show significance; run more",
			    "new", b->n);
	rc = 0;
out:
	for (size_t i = 0; i < a->n; i++)
		metric_set_free(&ma[i]);
	for (size_t i = 0; i < b->n; i++)
		metric_set_free(&mb[i]);
	metric_set_free(&names);
	free(ma);
	free(mb);
	free(va);
	free(vb);
	return rc;
}

void cmp_table_free(struct cmp_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
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

static void fmt_change(char *buf, size_t len, const struct cmp_row *r, bool mark)
{
	char c[32];

	if (isinf(r->change_pct))
		snprintf(c, sizeof(c), "%sinf%%", r->change_pct > 0 ? "+" : "-");
	else
		snprintf(c, sizeof(c), "%+.1f%%", r->change_pct);
	if (mark && !r->significant)
		snprintf(buf, len, "~ (%s)", c);
	else
		snprintf(buf, len, "%s", c);
}

/* The five formatted cells every human-readable table shows for a row. */
struct row_cells {
	char ma[32], sa[16], ch[48], mb[32], sb[16];
};

static void row_cells(const struct cmp_row *r, struct row_cells *c)
{
	fmt_num(c->ma, sizeof(c->ma), r->mean_a);
	fmt_sd(c->sa, sizeof(c->sa), r->mean_a, r->sd_a);
	fmt_change(c->ch, sizeof(c->ch), r, true);
	fmt_num(c->mb, sizeof(c->mb), r->mean_b);
	fmt_sd(c->sb, sizeof(c->sb), r->mean_b, r->sd_b);
}

static void print_text(FILE *f, const struct cmp_table *t)
{
	fprintf(f, "base: %s (%zu runs)    new: %s (%zu runs)\n", t->name_a, t->runs_a,
		t->name_b, t->runs_b);
	fprintf(f, "%14s %6s  %14s  %14s %6s  %s\n", "base-mean", "±%sd", "%change",
		"new-mean", "±%sd", "metric");
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		struct row_cells c;

		row_cells(r, &c);
		fprintf(f, "%14s %6s  %14s  %14s %6s  %s  (p=%.3g n=%zu+%zu)\n", c.ma, c.sa, c.ch,
			c.mb, c.sb,
			r->metric, r->p, r->na, r->nb);
	}
	if (!t->n)
		fprintf(f, "(no metric that both sides have)\n");
}

static void print_markdown(FILE *f, const struct cmp_table *t)
{
	fprintf(f, "base: `%s` (%zu runs), new: `%s` (%zu runs)\n\n", t->name_a, t->runs_a,
		t->name_b, t->runs_b);
	fprintf(f, "| base mean | ±%%sd | %%change | new mean | ±%%sd | p | n | metric |\n");
	fprintf(f, "|---:|---:|---:|---:|---:|---:|---:|:---|\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		struct row_cells c;

		row_cells(r, &c);
		fprintf(f, "| %s | %s | %s | %s | %s | %.3g | %zu+%zu | `%s` |\n", c.ma, c.sa, c.ch,
			c.mb, c.sb,
			r->p, r->na, r->nb, r->metric);
	}
	for (unsigned i = 0; i < t->nwarn; i++)
		fprintf(f, "\n> warning: %s\n", t->warnings[i]);
}

static void print_csv(FILE *f, const struct cmp_table *t)
{
	fprintf(f, "metric,base_n,base_mean,base_stddev,new_n,new_mean,new_stddev,change_pct,p,significant\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];

		fprintf(f, "%s,%zu,%.17g,%.17g,%zu,%.17g,%.17g,%.17g,%.6g,%d\n", r->metric, r->na,
			r->mean_a, r->sd_a, r->nb, r->mean_b, r->sd_b, r->change_pct, r->p,
			r->significant);
	}
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static void print_json(FILE *f, const struct cmp_table *t)
{
	json_t *o = json_object(), *rows = json_array(), *w = json_array();

	json_object_set_new(o, "base", json_pack("{s:s, s:I}", "selector", t->name_a, "runs",
						 (json_int_t)t->runs_a));
	json_object_set_new(o, "new", json_pack("{s:s, s:I}", "selector", t->name_b, "runs",
						(json_int_t)t->runs_b));
	json_object_set_new(o, "alpha", json_real(COMPARE_ALPHA));
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		json_t *row = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
					"metric", r->metric, "base_n", (json_int_t)r->na,
					"new_n", (json_int_t)r->nb,
					"base_mean", num_or_null(r->mean_a), "base_stddev", num_or_null(r->sd_a),
					"new_mean", num_or_null(r->mean_b), "new_stddev", num_or_null(r->sd_b),
					"change_pct", num_or_null(r->change_pct), "p", num_or_null(r->p),
					"significant", r->significant);

		if (isinf(r->change_pct))
			json_object_set_new(row, "change_pct", json_string(r->change_pct > 0 ? "+inf" : "-inf"));
		json_array_append_new(rows, row);
	}
	for (unsigned i = 0; i < t->nwarn; i++)
		json_array_append_new(w, json_string(t->warnings[i]));
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "warnings", w);
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
	fputs("<table class=\"cmp\"><caption>base <code>", f);
	cmp_html_escape(f, t->name_a);
	fprintf(f, "</code> (%zu runs) vs new <code>", t->runs_a);
	cmp_html_escape(f, t->name_b);
	fprintf(f, "</code> (%zu runs)</caption>\n<tr><th>base mean</th><th>±%%sd</th>"
		"<th>%%change</th><th>new mean</th><th>±%%sd</th><th>p</th><th>metric</th></tr>\n",
		t->runs_b);
	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		struct row_cells c;

		row_cells(r, &c);
		fprintf(f, "<tr class=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
			"<td>%.3g</td><td><code>", r->significant ? "sig" : "ns", c.ma, c.sa, c.ch, c.mb, c.sb, r->p);
		cmp_html_escape(f, r->metric);
		fputs("</code></td></tr>\n", f);
	}
	fputs("</table>\n", f);
	for (unsigned i = 0; i < t->nwarn; i++) {
		fputs("<p class=\"warn\">warning: ", f);
		cmp_html_escape(f, t->warnings[i]);
		fputs("</p>\n", f);
	}
}

int compare_print(FILE *f, const struct cmp_table *t, const char *fmt)
{
	if (!strcmp(fmt, "text"))
		print_text(f, t);
	else if (!strcmp(fmt, "markdown") || !strcmp(fmt, "md"))
		print_markdown(f, t);
	else if (!strcmp(fmt, "csv"))
		print_csv(f, t);
	else if (!strcmp(fmt, "json"))
		print_json(f, t);
	else if (!strcmp(fmt, "html"))
		print_html(f, t);
	else
		return -1;
	return 0;
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
	if (end == op + 1 || (*end && strcmp(end, "%"))) {
		snprintf(err, errlen, "--fail-on '%s': '%s' is not a percentage", spec, op + 1);
		return -1;
	}
	return 0;
}

int compare_gate_check(const struct cmp_table *t, const struct cmp_gate *g, FILE *f)
{
	int matched = 0, crossed = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct cmp_row *r = &t->v[i];
		bool over;

		if (fnmatch(g->metric, r->metric, 0))
			continue;
		matched++;
		over = g->op == '>' ? r->change_pct > g->pct : r->change_pct < g->pct;
		if (over && r->significant) {
			crossed++;
			if (f)
				fprintf(f, "irqlbench compare: FAIL %s: %+.1f%% %c %+g%% (p=%.3g, %zu+%zu runs)\n",
					r->metric, r->change_pct, g->op, g->pct, r->p, r->na, r->nb);
		} else if (over && f) {
			fprintf(f, "irqlbench compare: note %s: %+.1f%% %c %+g%% but not significant (p=%.3g): not failing\n",
				r->metric, r->change_pct, g->op, g->pct, r->p);
		}
	}
	return matched ? crossed : -1;
}
