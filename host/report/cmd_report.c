// SPDX-License-Identifier: MIT
/*
 * report.c - paper tables from the store (`irqlbench report --tables`):
 * the exit-count matrix, workloads x policies/variants, as Markdown or
 * LaTeX (and HTML for the dashboard).
 */
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
	/* model runs of other costs than the defaults are a column of their
	 * own (as compare never pools them): "model:l61 (costs from run R)" */
	if (r->costs && strcmp(r->costs, "default costs"))
		snprintf(buf, len, "%s:%s (%s)", r->backend, store_run_series(r), r->costs);
	else
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

void matrix_drop_col(struct matrix *m, size_t c)
{
	size_t nc = m->nc - 1;

	for (size_t r = 0; r < m->nr; r++)
		for (size_t k = 0; k < nc; k++) {
			size_t from = r * m->nc + k + (k >= c);

			m->sum[r * nc + k] = m->sum[from];
			m->sumsq[r * nc + k] = m->sumsq[from];
			m->n[r * nc + k] = m->n[from];
		}
	free(m->cols[c]);
	memmove(&m->cols[c], &m->cols[c + 1], (nc - c) * sizeof(*m->cols));
	m->nc = nc;
}

void matrix_drop_row(struct matrix *m, size_t r)
{
	size_t tail = (m->nr - r - 1) * m->nc;

	memmove(&m->sum[r * m->nc], &m->sum[(r + 1) * m->nc], tail * sizeof(*m->sum));
	memmove(&m->sumsq[r * m->nc], &m->sumsq[(r + 1) * m->nc], tail * sizeof(*m->sumsq));
	memmove(&m->n[r * m->nc], &m->n[(r + 1) * m->nc], tail * sizeof(*m->n));
	free(m->rows[r]);
	memmove(&m->rows[r], &m->rows[r + 1], (m->nr - r - 1) * sizeof(*m->rows));
	m->nr--;
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
/* The cell's runs, and their mean and sample standard deviation when any. */
static unsigned cell_stats(const struct matrix *m, size_t r, size_t c, double *mean, double *sd)
{
	size_t k = r * m->nc + c;
	double var;

	if (!m->n[k])
		return 0;
	*mean = m->sum[k] / m->n[k];
	var = m->n[k] > 1 ? (m->sumsq[k] - m->n[k] * *mean * *mean) / (m->n[k] - 1) : 0;
	*sd = var > 0 ? sqrt(var) : 0;
	return m->n[k];
}

static void cell_text(const struct matrix *m, size_t r, size_t c, bool latex, char *buf, size_t len)
{
	double mean, sd;

	if (!cell_stats(m, r, c, &mean, &sd)) {
		snprintf(buf, len, "%s", latex ? "--" : "—");
		return;
	}
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

json_t *matrix_json(const struct matrix *m, const char *metric, const char *title)
{
	json_t *rows = json_array(), *cols = json_array();

	for (size_t c = 0; c < m->nc; c++)
		json_array_append_new(cols, json_string(m->cols[c]));
	for (size_t r = 0; r < m->nr; r++) {
		json_t *cells = json_object();

		for (size_t c = 0; c < m->nc; c++) {
			double mean, sd;
			unsigned n = cell_stats(m, r, c, &mean, &sd);

			json_object_set_new(cells, m->cols[c], !n ? json_null() :
					    json_pack("{s:f, s:f, s:i}", "mean", mean, "sd", sd, "n", n));
		}
		json_array_append_new(rows, json_pack("{s:s, s:o}", "workload", m->rows[r],
						      "cells", cells));
	}
	return json_pack("{s:s, s:s, s:o, s:o}", "metric", metric, "title", title, "columns", cols,
			 "rows", rows);
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

struct report_args {
	const char *db, *format, *metric, *paper;
	bool tables;
	struct run_filter f;
};

static const struct cli_option report_opts[] = {
	{ CLI_FLAG(0, "tables", struct report_args, tables, "the tables on stdout (the default)") },
	{ CLI_STRING(0, "paper", struct report_args, paper, "DIR",
		     "every figure (PDF, cairolatex, SVG, PNG) and LaTeX table of the paper into DIR") },
	{ CLI_STORE_DB(0, struct report_args, db) },
	{ CLI_FORMAT(0, struct report_args, format, "Markdown (default), LaTeX (booktabs) or JSON") },
	{ CLI_JSON(struct report_args, format) },
	{ CLI_STRING(0, "metric", struct report_args, metric, "M",
		     "one table of metric M instead of the default ones") },
	{ CLI_STORE_SELECT(struct report_args, f) },
	{ CLI_INCLUDE_FAILED(struct report_args, f.include_failed) },
	{ CLI_END },
};

const struct cli_spec cmd_report_spec = {
	.name = "report",
	.usage = "(--tables [OPTIONS] | --paper DIR [--db FILE] [--select SEL])",
	.description =
	"Paper tables from the results store: workloads (rows, with the spinlock depth N)\n"
	"by backend:policy/variant (columns); each cell the mean over the complete runs\n"
	"(± the standard deviation where runs disagree).  Default tables:\n"
	"  CR8-write exits per iteration   (exit.write_cr8/iter)\n"
	"  all exits per iteration         (exit.total/iter)\n"
	"  immediate deliveries, percent   (delivery.immediate_pct)\n"
	"--metric M prints one table of any metric 'irqlbench results show' lists.\n"
	"The seed step table is the model's: 'irqlbench model --workload seed-table\n"
	"--policy prefix,fixed --trace --format md|latex'.  With --json: one object\n"
	"{\"tables\": [{\"metric\", \"title\", \"columns\", \"rows\": [{\"workload\",\n"
	"\"cells\": {COLUMN: {\"mean\", \"sd\", \"n\"} or null}}]}]}.\n"
	"\n"
	"--paper DIR writes the paper's figures with gnuplot, one column (3.5 in) wide,\n"
	"each as DIR/NAME.pdf, .svg, .png (300 dpi) and DIR/latex/NAME.tex (cairolatex,\n"
	"with its latex/NAME.pdf), and its tables (booktabs) as DIR/tab-*.tex:\n"
	"  fig-exits-depth   CR8-write exits per iteration vs spinlock depth N: the\n"
	"                    model's lines, measured lab/kvm runs as markers (filled:\n"
	"                    fixed, open: fix-reverted)\n"
	"  fig-cdf-dpc       DPC delay CDFs in microseconds (guest.tsc_hz), a panel per N\n"
	"  fig-cdf-irq       interrupt latency CDFs, a panel per N\n"
	"  fig-exit-reasons  exits by reason: the measured variants, one model reference\n"
	"  tab-exits.tex     the exit-count matrix (exit.write_cr8/iter)\n"
	"  tab-intel-avic.tex  the Intel and AVIC model policies' CR8-related exits vs N\n"
	"  tab-seed.tex      the seed step table of the model (prefix, fixed)\n"
	"  fig-price-of-fix, tab-price.tex\n"
	"                    per N, the fix's extra CR8-write exits x their measured\n"
	"                    time against the DPC delay it saves: lab, kvm, and model\n"
	"                    runs made with --costs-from RECORD\n"
	"Labels say real (kvm), emulated (lab under TCG) or simulated (model); a store\n"
	"without lab or kvm runs gives the model's figures with a note (DIR/NOTES.txt).\n"
	"A --select that selects no run is a usage error (--tables too); one without\n"
	"model runs keeps the model's references (the store's model runs, said in\n"
	"DIR/NOTES.txt).\n"
	"DIR is written whole or not at all: the files go to a staging folder in DIR\n"
	"and are put in place (rename) once every one is written, and listed then; a\n"
	"run that fails leaves DIR as it was (a DIR it made is removed), and DIR's\n"
	"other files are never touched.  `make paper` runs it (PAPER_DIR, default\n"
	"paper/out).\n",
	.epilog =
	"exit status: 0 ok, 2 usage error, 3 no gnuplot, a figure failed, or DIR or a\n"
	"folder or file in it cannot be written (--paper: DIR is as it was), 5 the\n"
	"store is unusable (missing, an empty file, not SQLite, corrupt, locked);\n"
	"--paper: 128 + N stopped by signal N (SIGINT, SIGTERM, SIGHUP, SIGQUIT) before\n"
	"DIR was written: DIR is as it was, its staging folder removed.\n",
	.options = report_opts,
	.formats = CLI_FMT_MD | CLI_FMT_LATEX | CLI_FMT_JSON,
};

static const char *const default_tables[][2] = {
	{ "exit.write_cr8/iter", "CR8-write exits per iteration" },
	{ "exit.total/iter", "All exits per iteration" },
	{ "delivery.immediate_pct", "Interrupts delivered at the unmasking CR8 write (%)" },
};

/* A histogram's percentile metric (<hist>.p50, .p99, exit_ns.<reason>.p50: metrics.h)? */
static bool is_percentile(const char *metric)
{
	const char *dot = strrchr(metric, '.');

	return dot && (!strcmp(dot, ".p50") || !strcmp(dot, ".p99"));
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = { .format = "md" };
	json_t *tables = json_array();
	struct store *s = NULL;
	char err[1024];
	int rc, n;

	filter_init(&a.f);
	rc = cli_parse(&cmd_report_spec, argc, argv, &a, &n);
	if (rc) {
		rc = rc == CLI_HELP ? EXIT_OK : rc;
		goto out;
	}
	s = store_open_cmd(a.db, false);
	if (!s) {
		rc = EXIT_STORE;
		goto out;
	}
	if (a.paper) {
		if (a.tables || a.metric || strcmp(a.format, "md")) {
			rc = cli_usage_error("report", "--paper writes files: give it without --tables, "
					     "--metric or --format");
			goto out;
		}
		rc = report_paper(s, &a.f, a.paper);
		goto out;
	}
	if (a.f.n) {	/* as --paper: a --select that selects nothing is a usage error */
		struct run_list l;

		if (store_select(s, &a.f, &l, err, sizeof(err))) {
			rc = cli_error(EXIT_STORE, "%s", err);
			goto out;
		}
		n = (int)l.n;
		store_run_list_free(&l);
		if (!n) {
			rc = cli_error(EXIT_USAGE, "report: --select selects no run of %s: see 'irqlbench results list' for what it holds",
				       s->path);
			goto out;
		}
	}
	if (a.metric) {
		int u = store_metric_unknown(s, a.metric, err, sizeof(err));

		if (u) {
			rc = u < 0 ? cli_error(EXIT_STORE, "%s", err) :
			     cli_usage_error("report", "--metric %s: no stored run has this metric: give one "
					     "'irqlbench results show ID --metrics' lists", a.metric);
			goto out;
		}
	}
	for (size_t i = 0; i < (a.metric ? 1 : sizeof(default_tables) / sizeof(default_tables[0])); i++) {
		struct matrix m;
		const char *mn = a.metric ? a.metric : default_tables[i][0];
		char title[256];

		snprintf(title, sizeof(title), "%s%s (%s)", a.metric ? a.metric : default_tables[i][1],
			 !is_percentile(mn) ? "" : !strncmp(mn, "exit_ns.", 8) ?
			 ", ns of the trace clock (emulated in the lab): the upper bound of a bucket, at most the max" :
			 ", cycles: the upper bound of a bucket, at most the max",
			 mn);
		if (matrix_build(s, &a.f, mn, &m, err, sizeof(err))) {
			rc = cli_error(EXIT_STORE, "%s", err);
			goto out;
		}
		if (!strcmp(a.format, "json"))
			json_array_append_new(tables, matrix_json(&m, mn, title));
		else
			matrix_print(stdout, &m, title, a.format);
		matrix_free(&m);
	}
	if (!strcmp(a.format, "json")) {
		json_t *o = json_pack("{s:O}", "tables", tables);

		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	}
out:
	json_decref(tables);
	filter_free(&a.f);
	store_close(s);
	return rc;
}
