// SPDX-License-Identifier: MIT
/*
 * report.c - paper tables from the store (`irqlbench report --tables`):
 * the exit-count matrix, workloads x policies/variants, as Markdown or
 * LaTeX (and HTML for the dashboard).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"
#include "store/store_cmd.h"

void report_row_label(const struct run_info *r, char *buf, size_t len)
{
	int64_t depth = store_run_param(r, "depth", -1);
	int n = snprintf(buf, len, "%s", r->workload);

	if (depth >= 0 && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " N=%lld", (long long)depth);
	if (store_run_param(r, "elide_same_level", 0) && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " elide");
}

void report_col_label(const struct run_info *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s", r->backend, store_run_series(r));
}

static size_t index_of(char ***list, size_t *n, const char *label)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], label))
			return i;
	*list = realloc(*list, (*n + 1) * sizeof(**list));
	if (!*list)
		abort();
	(*list)[*n] = strdup(label);
	return (*n)++;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rows and columns sorted, so that tables are stable across stores. */
static void collect_labels(const struct run_list *l, struct matrix *m)
{
	char buf[256];

	for (size_t i = 0; i < l->n; i++) {
		report_row_label(&l->v[i], buf, sizeof(buf));
		index_of(&m->rows, &m->nr, buf);
		report_col_label(&l->v[i], buf, sizeof(buf));
		index_of(&m->cols, &m->nc, buf);
	}
	if (m->nr)
		qsort(m->rows, m->nr, sizeof(char *), str_cmp);
	if (m->nc)
		qsort(m->cols, m->nc, sizeof(char *), str_cmp);
}

int matrix_build(struct store *s, const struct run_filter *f, const char *metric,
		 struct matrix *m, char *err, size_t errlen)
{
	struct run_list l;
	char buf[256];

	memset(m, 0, sizeof(*m));
	if (store_select(s, f, &l, err, errlen))
		return -1;
	collect_labels(&l, m);
	m->sum = calloc(m->nr * m->nc + 1, sizeof(double));
	m->sumsq = calloc(m->nr * m->nc + 1, sizeof(double));
	m->n = calloc(m->nr * m->nc + 1, sizeof(unsigned));
	if (!m->sum || !m->sumsq || !m->n)
		abort();
	for (size_t i = 0; i < l.n; i++) {
		struct metric_set ms = { 0 };
		size_t r, c;
		double v;

		if (store_run_metrics(s, l.v[i].id, &ms, err, errlen)) {
			store_run_list_free(&l);
			return -1;
		}
		v = metric_get(&ms, metric);
		metric_set_free(&ms);
		if (isnan(v))
			continue;
		report_row_label(&l.v[i], buf, sizeof(buf));
		r = index_of(&m->rows, &m->nr, buf);
		report_col_label(&l.v[i], buf, sizeof(buf));
		c = index_of(&m->cols, &m->nc, buf);
		m->sum[r * m->nc + c] += v;
		m->sumsq[r * m->nc + c] += v * v;
		m->n[r * m->nc + c]++;
	}
	store_run_list_free(&l);
	return 0;
}

void matrix_free(struct matrix *m)
{
	for (size_t i = 0; i < m->nr; i++)
		free(m->rows[i]);
	for (size_t i = 0; i < m->nc; i++)
		free(m->cols[i]);
	free(m->rows);
	free(m->cols);
	free(m->sum);
	free(m->sumsq);
	free(m->n);
	memset(m, 0, sizeof(*m));
}

/* "3", "2.98 ±0.02" or "—"; n in a superscript-free way: "(n)" only when
 * runs disagree, so that the common exact case stays clean. */
static void cell_text(const struct matrix *m, size_t r, size_t c, bool latex, char *buf, size_t len)
{
	size_t k = r * m->nc + c;
	double mean, var, sd;

	if (!m->n[k]) {
		snprintf(buf, len, "%s", latex ? "--" : "—");
		return;
	}
	mean = m->sum[k] / m->n[k];
	var = m->n[k] > 1 ? (m->sumsq[k] - m->n[k] * mean * mean) / (m->n[k] - 1) : 0;
	sd = var > 0 ? sqrt(var) : 0;
	if (sd < 1e-9 * fmax(1, fabs(mean)))
		snprintf(buf, len, mean == floor(mean) && fabs(mean) < 1e12 ? "%.0f" : "%.3g", mean);
	else
		snprintf(buf, len, latex ? "%.3g $\\pm$ %.2g" : "%.3g ±%.2g", mean, sd);
}

static void latex_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("_&%$#{}", *s))
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void html_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else
			fputc(*s, out);
	}
}

static void print_md(FILE *out, const struct matrix *m, const char *title)
{
	char cell[64];

	fprintf(out, "**%s**\n\n| workload |", title);
	for (size_t c = 0; c < m->nc; c++)
		fprintf(out, " %s |", m->cols[c]);
	fprintf(out, "\n|:---|");
	for (size_t c = 0; c < m->nc; c++)
		fprintf(out, "---:|");
	fputc('\n', out);
	for (size_t r = 0; r < m->nr; r++) {
		fprintf(out, "| %s |", m->rows[r]);
		for (size_t c = 0; c < m->nc; c++) {
			cell_text(m, r, c, false, cell, sizeof(cell));
			fprintf(out, " %s |", cell);
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void print_latex(FILE *out, const struct matrix *m, const char *title)
{
	char cell[64];

	fprintf(out, "%% %s (irqlbench report --tables --format latex; needs \\usepackage{booktabs})\n",
		title);
	fprintf(out, "\\begin{table}[t]\n\\centering\n\\caption{");
	latex_text(out, title);
	fprintf(out, "}\n\\begin{tabular}{l");
	for (size_t c = 0; c < m->nc; c++)
		fputc('r', out);
	fprintf(out, "}\n\\toprule\nworkload");
	for (size_t c = 0; c < m->nc; c++) {
		fprintf(out, " & ");
		latex_text(out, m->cols[c]);
	}
	fprintf(out, " \\\\\n\\midrule\n");
	for (size_t r = 0; r < m->nr; r++) {
		latex_text(out, m->rows[r]);
		for (size_t c = 0; c < m->nc; c++) {
			cell_text(m, r, c, true, cell, sizeof(cell));
			fprintf(out, " & %s", cell);
		}
		fprintf(out, " \\\\\n");
	}
	fprintf(out, "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n");
}

static void print_html(FILE *out, const struct matrix *m, const char *title)
{
	char cell[64];

	fputs("<table class=\"matrix\"><caption>", out);
	html_text(out, title);
	fputs("</caption>\n<tr><th>workload</th>", out);
	for (size_t c = 0; c < m->nc; c++) {
		fputs("<th>", out);
		html_text(out, m->cols[c]);
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (size_t r = 0; r < m->nr; r++) {
		fputs("<tr><td>", out);
		html_text(out, m->rows[r]);
		fputs("</td>", out);
		for (size_t c = 0; c < m->nc; c++) {
			cell_text(m, r, c, false, cell, sizeof(cell));
			fprintf(out, "<td>%s</td>", cell);
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

int matrix_print(FILE *out, const struct matrix *m, const char *title, const char *fmt)
{
	if (!strcmp(fmt, "md") || !strcmp(fmt, "markdown"))
		print_md(out, m, title);
	else if (!strcmp(fmt, "latex") || !strcmp(fmt, "tex"))
		print_latex(out, m, title);
	else if (!strcmp(fmt, "html"))
		print_html(out, m, title);
	else
		return -1;
	return 0;
}

/* --- irqlbench report --------------------------------------------------- */

const char cmd_report_usage[] =
	"usage: irqlbench report --tables [--db FILE] [--format md|latex] [--metric M]\n"
	"                        [--select KEY=VALUE[,...]] [--include-failed]\n"
	"\n"
	"Paper tables from the results store: workloads (rows, with the spinlock depth N)\n"
	"by backend:policy/variant (columns); each cell the mean over the complete runs\n"
	"(± the standard deviation where runs disagree).  Default tables:\n"
	"  CR8-write exits per iteration   (exit.write_cr8/iter)\n"
	"  all exits per iteration         (exit.total/iter)\n"
	"  immediate deliveries, percent   (delivery.immediate_pct)\n"
	"--metric M prints one table of any metric 'irqlbench results show' lists.\n"
	"The seed step table is the model's: 'irqlbench model --workload seed-table\n"
	"--policy prefix,fixed --trace --format md|latex'.\n"
	"\n"
	"Exit status: 0 ok, 2 usage error, 5 the store is unusable (missing, not SQLite,\n"
	"corrupt, locked).\n";

static const char *const default_tables[][2] = {
	{ "exit.write_cr8/iter", "CR8-write exits per iteration" },
	{ "exit.total/iter", "All exits per iteration" },
	{ "delivery.immediate_pct", "Interrupts delivered at the unmasking CR8 write (%)" },
};

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "metric", required_argument, NULL, 'm' },
		{ "select", required_argument, NULL, 's' },
		{ "tables", no_argument, NULL, 't' },
		{ "include-failed", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *fmt = "md", *metric = NULL;
	struct run_filter f;
	struct store *s = NULL;
	char err[1024];
	int c, rc = 2;

	filter_init(&f);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", opts, "report")) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f': fmt = optarg; break;
		case 'm': metric = optarg; break;
		case 't': break;
		case 'F': f.include_failed = true; break;
		case 's':
			if (filter_parse(&f, optarg, err, sizeof(err))) {
				fprintf(stderr, "irqlbench report: %s\n", err);
				goto out;
			}
			break;
		case 'h':
			fputs(cmd_report_usage, stdout);
			rc = 0;
			goto out;
		default:
			goto out;	/* cli_getopt said why */
		}
	}
	if (optind != argc || (strcmp(fmt, "md") && strcmp(fmt, "markdown") && strcmp(fmt, "latex"))) {
		fprintf(stderr, "irqlbench report: %s (see 'irqlbench report --help')\n",
			optind != argc ? "unexpected argument" : "--format must be md or latex");
		goto out;
	}
	s = store_open_cmd(db, false);
	if (!s) {
		rc = EXIT_STORE;
		goto out;
	}
	if (metric) {
		int u = store_metric_unknown(s, metric, err, sizeof(err));

		if (u) {
			rc = u < 0 ? cli_error(EXIT_STORE, "%s", err) :
			     cli_usage_error("report", "--metric %s: no stored run has this metric: give one "
					     "'irqlbench results show ID --metrics' lists", metric);
			goto out;
		}
	}
	rc = 0;
	for (size_t i = 0; i < (metric ? 1 : sizeof(default_tables) / sizeof(default_tables[0])); i++) {
		struct matrix m;
		const char *mn = metric ? metric : default_tables[i][0];
		char title[160];

		snprintf(title, sizeof(title), "%s (%s)", metric ? metric : default_tables[i][1], mn);
		if (matrix_build(s, &f, mn, &m, err, sizeof(err))) {
			rc = cli_error(EXIT_STORE, "%s", err);
			break;
		}
		matrix_print(stdout, &m, title, fmt);
		matrix_free(&m);
	}
out:
	filter_free(&f);
	store_close(s);
	return rc;
}
