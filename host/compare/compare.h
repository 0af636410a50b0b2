/* SPDX-License-Identifier: MIT */
/*
 * compare.h - two sets of runs, metric by metric: means, relative standard
 * deviations, %change and the Mann-Whitney U p-value (LKP ncompare layout,
 * benchstat's "~" for changes that are not significant).
 */
#ifndef IRQLBENCH_COMPARE_H
#define IRQLBENCH_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "store/store.h"

#define COMPARE_ALPHA 0.05
#define COMPARE_MIN_N 5		/* fewer runs per side: a warning */

struct cmp_row {
	char metric[80];
	size_t na, nb;
	double mean_a, sd_a, mean_b, sd_b;	/* sd: sample standard deviation */
	double change_pct;			/* (b - a) / a * 100; +-INF when a == 0 */
	double p;				/* two-sided Mann-Whitney U */
	bool significant;			/* p <= COMPARE_ALPHA */
};

struct cmp_table {
	const char *name_a, *name_b;		/* selectors as given */
	size_t runs_a, runs_b;
	struct cmp_row *v;
	size_t n;
	char warnings[4][256];
	unsigned nwarn;
};

/* One sample per metric and side: the plain computation, for tests. */
void compare_row(struct cmp_row *row, const double *a, size_t na, const double *b, size_t nb);

/*
 * Builds the table for two run lists.  Only metrics that match one of the
 * globs (all when nglobs is 0) and that both sides have; rows where both
 * sides are constant zero are left out unless all_rows.
 */
int compare_runs(struct store *s, const struct run_list *a, const struct run_list *b,
		 const char *const *globs, size_t nglobs, bool all_rows,
		 struct cmp_table *t, char *err, size_t errlen);
void cmp_table_free(struct cmp_table *t);

/* fmt: text, markdown, csv, json, html */
int compare_print(FILE *f, const struct cmp_table *t, const char *fmt);
/* s as HTML text or attribute value (&lt; &gt; &amp; &quot;); NULL prints nothing.
 * Shared by compare's HTML table and the dashboard (host/plot/cmd_plot.c). */
void cmp_html_escape(FILE *f, const char *s);

/*
 * A CI gate "METRIC>PCT" or "METRIC<PCT" (METRIC may be a glob, PCT signed,
 * an optional % sign): crossed when a significant change is above (below)
 * PCT.  compare_gate returns the number of rows that crossed it (printing
 * each to f) or -1 when no row matches the metric.
 */
struct cmp_gate {
	char metric[80];
	char op;
	double pct;
};
int compare_gate_parse(const char *spec, struct cmp_gate *g, char *err, size_t errlen);
int compare_gate_check(const struct cmp_table *t, const struct cmp_gate *g, FILE *f);

#endif
