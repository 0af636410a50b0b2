// SPDX-License-Identifier: MIT
/*
 * plot.c - `irqlbench plot`: extracts data files from the results store,
 * runs the gnuplot scripts of this folder (PNG through pngcairo, and SVG)
 * and writes the static dashboard (results/dashboard/index.html).
 *
 * Plots (plots/out/ by default):
 *   cr8-vs-depth     CR8-write exits per iteration vs spinlock depth N
 *   cdf-dpc-delay    DPC delay (KeInsertQueueDpc -> DPC routine) CDFs
 *   cdf-irq-latency  interrupt latency (timer expiry -> clock ISR) CDFs
 *   exits-stacked    exits by reason, stacked, per workload and series
 *   trend            one metric over the runs in start order
 *   kernel-*         by Debian kernel version (host/plot/kernels.c)
 * The plots and the dashboard go to staging folders put in place together
 * once all is written (cli/stage.h): a run that fails changes neither.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stopsig.h"
#include "compare/compare.h"
#include "plot/figures.h"
#include "plot/plot.h"
#include "report/report.h"
#include "store/store_cmd.h"
#include "cli/util.h"
#include "store/store.h"
#include "suite/run_values.h"
#include "suite/suite.h"

extern char **environ;

void plot_fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
}

/* --- labels and groups -------------------------------------------------- */

struct groups {
	char **name;
	size_t n;
};

static size_t group_of(struct groups *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->name[i], name))
			return i;
	g->name = realloc(g->name, (g->n + 1) * sizeof(*g->name));
	if (!g->name)
		abort();
	g->name[g->n] = strdup(name);
	return g->n++;
}

/* Indices of g in name order: stable legends whatever the run order. */
static const struct groups *sort_groups;

static int group_idx_cmp(const void *a, const void *b)
{
	return strcmp(sort_groups->name[*(const size_t *)a], sort_groups->name[*(const size_t *)b]);
}

static size_t *groups_order(const struct groups *g)
{
	size_t *idx = malloc((g->n + 1) * sizeof(*idx));

	if (!idx)
		abort();
	for (size_t i = 0; i < g->n; i++)
		idx[i] = i;
	sort_groups = g;
	qsort(idx, g->n, sizeof(*idx), group_idx_cmp);
	return idx;
}

static void groups_free(struct groups *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->name[i]);
	free(g->name);
	memset(g, 0, sizeof(*g));
}

static void series_label(const struct run_info *r, bool with_row, char *buf, size_t len)
{
	char row[160], col[160];

	report_row_label(r, row, sizeof(row));
	report_col_label(r, col, sizeof(col));
	if (with_row)
		plot_fmt(buf, len, "%s %s", row, col);
	else
		plot_fmt(buf, len, "%s%s", col, store_run_param(r, "elide_same_level", 0) ? " elide" : "");
}

/* gnuplot reads a quoted string as one column; keep quotes out of it. */
void plot_put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' ? '\'' : *s, f);
	fputc('"', f);
}

FILE *plot_data_file(struct plot_ctx *c, const char *name, char *path, size_t len)
{
	FILE *f;

	plot_fmt(path, len, "%s/data/%s.dat", c->out.tmp, name);
	f = fopen(path, "w");
	if (!f)
		cli_error(EXIT_ENV, "plot: cannot write %s: %s; choose another --out-dir", path, strerror(errno));
	else
		fprintf(f, "# irqlbench plot data (%s), from %s\n", name, c->s->path);
	return f;
}

/* --- gnuplot ------------------------------------------------------------ */

int plot_gnuplot(const char *plot_dir, const char *script, const char *fmt_name,
		 const char *out, const char *vars, const char *cwd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char sp[PATH_MAX], full[PATH_MAX], *expr;
	char *argv[5];
	struct stat sb;
	pid_t pid;
	int st, rc;

	if (stop_signal())	/* the command says so (cli/stopsig.h) */
		return 128 + stop_signal();
	plot_fmt(sp, sizeof(sp), "%s/%s", plot_dir, script);
	plot_fmt(full, sizeof(full), "%s%s%s", cwd && out[0] != '/' ? cwd : "",
	    cwd && out[0] != '/' ? "/" : "", out);
	if (asprintf(&expr, "plotdir='%s'; fmt='%s'; out='%s'; %s", plot_dir, fmt_name, out,
		     vars) < 0)
		abort();
	argv[0] = "gnuplot";
	argv[1] = "-e";
	argv[2] = expr;
	argv[3] = sp;
	argv[4] = NULL;
	unlink(full);
	posix_spawn_file_actions_init(&fa);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	/* gnuplot gets the signal mask the command started with: a ^C stops it too */
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, stop_signals_entry_mask());
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(&pid, "gnuplot", &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(expr);
	if (rc)
		return cli_error(EXIT_ENV, "cannot run gnuplot (%s): install gnuplot-nox ('make deps')",
				 strerror(rc));
	if (waitpid(pid, &st, 0) < 0)
		st = -1;	/* no status: a failure */
	/* tests stop the command here, a figure written */
	stop_pause("figure");
	if (stop_signal())	/* gnuplot too may have been stopped: not its failure */
		return 128 + stop_signal();
	/* the figure's name: its folder is a staging one (cli/stage.h) */
	if (!WIFEXITED(st) || WEXITSTATUS(st) || stat(full, &sb) || sb.st_size == 0)
		return cli_error(EXIT_ENV, "gnuplot %s failed for %s: see its message above",
				 script, strrchr(full, '/') ? strrchr(full, '/') + 1 : full);
	return 0;
}

int plot_figure(struct plot_ctx *c, const char *script, const char *name, const char *vars)
{
	static const char *const fmts[] = { "png", "svg" };

	for (size_t i = 0; i < 2; i++) {
		char out[PATH_MAX];
		int rc;

		plot_fmt(out, sizeof(out), "%s/%s.%s", c->out.tmp, name, fmts[i]);
		rc = plot_gnuplot(c->plot_dir, script, fmts[i], out, vars, NULL);
		if (rc)
			return rc;
	}
	if (c->nplots < sizeof(c->plots) / sizeof(c->plots[0]))
		plot_fmt(c->plots[c->nplots++], sizeof(c->plots[0]), "%s", name);
	fprintf(c->out.list, "plot %s/%s.png %s/%s.svg\n", c->out_dir, name, c->out_dir, name);
	return 0;
}

/* --- (a) CR8-write exits vs depth --------------------------------------- */

#define MAX_DEPTH 8

/*
 * The expected write_cr8 exits per iteration of nested-spinlock at depth
 * 1..xmax for the families fixed and unfixed, as workloads/suites.cfg states
 * them (the figure draws them, it does not know them): rows "N fixed unfixed"
 * into the data file `cr8-vs-depth-expected`.  1 when written, 0 when the
 * suites file cannot be read or states no expectation (the figure then has
 * no expected lines; a warning says why), -1 when the file cannot be made.
 */
static int write_expected_depth(struct plot_ctx *c, int64_t xmax, char *path, size_t len)
{
	const struct wl_info *w = wl_find("nested-spinlock");
	char err[1024], *sp = suite_default_path();
	struct suite *s;
	int st = 0, rc = 1;
	FILE *f;

	s = w ? suite_load(sp, &st, err, sizeof(err)) : NULL;
	free(sp);
	if (!s) {
		fprintf(stderr, "irqlbench plot: warning: no expected lines in cr8-vs-depth: %s\n",
			w ? err : "no nested-spinlock workload");
		return 0;
	}
	f = plot_data_file(c, "cr8-vs-depth-expected", path, len);
	if (!f) {
		suite_free(s);
		return -1;
	}
	fprintf(f, "\"N\" \"fixed\" \"unfixed\"\n");
	for (int64_t d = 1; d <= xmax && rc; d++) {
		struct suite_expect xf, xu;
		struct wl_values v;
		char val[24];
		int n = snprintf(val, sizeof(val), "%lld", (long long)d);

		wl_values_init(&v, w);
		if (wl_values_set(&v, "depth", 5, val, (size_t)n, err, sizeof(err)) ||
		    suite_expect(s, &v, suite_variant_policy("fixed"), &xf, err, sizeof(err)) ||
		    suite_expect(s, &v, suite_variant_policy("unfixed"), &xu, err, sizeof(err)) ||
		    xf.exits < 0 || xu.exits < 0) {
			fprintf(stderr, "irqlbench plot: warning: no expected lines in cr8-vs-depth: %s\n",
				xf.exits < 0 || xu.exits < 0 ? "the suites file states no write_cr8 exits for nested-spinlock" : err);
			rc = 0;
			break;
		}
		fprintf(f, "%lld %lld %lld\n", (long long)d, (long long)xf.exits, (long long)xu.exits);
	}
	fclose(f);
	suite_free(s);
	return rc;
}

static int plot_cr8_vs_depth(struct plot_ctx *c)
{
	struct groups g = { 0 };
	double (*sum)[MAX_DEPTH + 1] = NULL;
	unsigned (*n)[MAX_DEPTH + 1] = NULL;
	char path[PATH_MAX], epath[PATH_MAX], label[256], vars[2 * PATH_MAX + 160];
	int64_t xmax = 2;
	unsigned nseries = 0;
	size_t *order = NULL;
	FILE *f;
	int rc;

	for (size_t i = 0; i < c->runs.n; i++) {
		const struct run_info *r = &c->runs.v[i];
		double v = metric_get(&c->ms[i], "exit.write_cr8/iter");
		int64_t d = store_run_param(r, "depth", -1);
		size_t k, old;

		if (strcmp(r->workload, "nested-spinlock") || isnan(v) || d < 1 || d > MAX_DEPTH)
			continue;
		series_label(r, false, label, sizeof(label));
		old = g.n;
		k = group_of(&g, label);
		if (g.n != old) {
			sum = realloc(sum, g.n * sizeof(*sum));
			n = realloc(n, g.n * sizeof(*n));
			if (!sum || !n)
				abort();
			memset(sum[k], 0, sizeof(sum[k]));
			memset(n[k], 0, sizeof(n[k]));
		}
		sum[k][d] += v;
		n[k][d]++;
		xmax = d > xmax ? d : xmax;
	}
	f = plot_data_file(c, "cr8-vs-depth", path, sizeof(path));
	if (!f) {
		rc = 3;
		goto out;
	}
	order = groups_order(&g);
	for (size_t o = 0; o < g.n; o++) {
		size_t k = order[o];

		fprintf(f, "%s\"N\" ", nseries ? "\n\n" : "");
		plot_put_quoted(f, g.name[k]);
		fputc('\n', f);
		for (int d = 1; d <= MAX_DEPTH; d++)
			if (n[k][d])
				fprintf(f, "%d %.6g\n", d, sum[k][d] / n[k][d]);
		nseries++;
	}
	fclose(f);
	rc = write_expected_depth(c, xmax, epath, sizeof(epath));
	if (rc < 0) {
		rc = 3;
		goto out;
	}
	plot_fmt(vars, sizeof(vars), "data='%s'; nseries=%u; nodata=%d; xmax=%lld; expected='%s'", path,
	    nseries, nseries == 0, (long long)xmax, rc ? epath : "");
	rc = plot_figure(c, "cr8-vs-depth.gp", "cr8-vs-depth", vars);
out:
	free(order);
	free(sum);
	free(n);
	groups_free(&g);
	return rc;
}

/* --- (b) latency CDFs --------------------------------------------------- */

void plot_cdf_block(FILE *f, const struct merged_hist *h, double scale)
{
	double total = h->overflow, acc = 0;
	size_t last = 0;

	for (size_t i = 0; i < h->nb; i++) {
		total += h->counts[i];
		if (h->counts[i] > 0)
			last = i;
	}
	for (size_t i = 0; i <= last && i < h->nb; i++) {
		acc += h->counts[i];
		/* a bucket's bound, but no event lies above the max */
		fprintf(f, "%.6g %.6g\n", (isfinite(h->max) ? fmin(h->bounds[i], h->max) : h->bounds[i]) / scale,
			acc / total);
	}
	if (h->overflow > 0 && isfinite(h->max))
		fprintf(f, "%.6g 1\n", h->max / scale);
}

static int plot_cdf(struct plot_ctx *c, const char *hist, const char *name, const char *what)
{
	struct groups g = { 0 };
	struct merged_hist *mh = NULL;
	char path[PATH_MAX], label[256], vars[PATH_MAX + 256];
	double *rate = NULL;		/* per series: its first run's guest.tsc_hz */
	size_t no_rate = 0, mixed = 0;
	unsigned nseries = 0;
	size_t *order = NULL;
	FILE *f;
	int rc;

	for (size_t i = 0; i < c->runs.n; i++) {
		size_t k, old = g.n;
		double hz = c->tsc_hz[i];

		series_label(&c->runs.v[i], true, label, sizeof(label));
		k = group_of(&g, label);
		if (g.n != old) {
			mh = realloc(mh, g.n * sizeof(*mh));
			rate = realloc(rate, g.n * sizeof(*rate));
			if (!mh || !rate)
				abort();
			memset(&mh[k], 0, sizeof(mh[k]));
			rate[k] = NAN;
		}
		if (store_run_hist(c->s, c->runs.v[i].id, hist, &mh[k]) <= 0)
			continue;
		/* µs need one TSC rate a series (its histograms are merged) */
		if (isnan(hz))
			no_rate++;
		else if (isnan(rate[k]))
			rate[k] = hz;
		else if (fabs(hz - rate[k]) > 1e-3 * rate[k])
			mixed++;
	}
	if (no_rate || mixed)
		fprintf(stderr, "irqlbench plot: warning: %s in TSC cycles, not µs: %zu run(s) give no "
			"guest.tsc_hz, %zu have another TSC rate than their series' first\n", name, no_rate, mixed);
	{	/* one line for the plot, not one a series */
		struct merged_hist all = { 0 };
		char where[256];
		size_t nser = 0;

		for (size_t k = 0; k < g.n; k++) {
			if (mh[k].left_out && !all.left_out)
				memcpy(all.left_out_id, mh[k].left_out_id, sizeof(all.left_out_id));
			all.left_out += mh[k].left_out;
			nser += mh[k].left_out > 0;
		}
		plot_fmt(where, sizeof(where), "plot %s (%zu series)", name, nser);
		merged_hist_warn(&all, where);
	}
	f = plot_data_file(c, name, path, sizeof(path));
	if (!f) {
		rc = 3;
		goto out;
	}
	order = groups_order(&g);
	for (size_t o = 0; o < g.n; o++) {
		size_t k = order[o];

		if (mh[k].n <= 0)
			continue;
		fprintf(f, "%s\"%s\" ", nseries ? "\n\n" : "", no_rate || mixed ? "cycles" : "us");
		plot_put_quoted(f, g.name[k]);
		fputc('\n', f);
		plot_cdf_block(f, &mh[k], no_rate || mixed ? 1 : rate[k] / 1e6);
		nseries++;
	}
	fclose(f);
	plot_fmt(vars, sizeof(vars), "data='%s'; nseries=%u; nodata=%d; what='%s'; unit='%s'",
		 path, nseries, nseries == 0, what,
		 no_rate || mixed ? "TSC cycles" : "µs (TSC cycles / guest.tsc_hz)");
	rc = plot_figure(c, "cdf.gp", name, vars);
out:
	free(order);
	free(rate);
	for (size_t k = 0; k < g.n; k++)
		merged_hist_free(&mh[k]);
	free(mh);
	groups_free(&g);
	return rc;
}

/* --- (c) exits by reason, stacked --------------------------------------- */

/* exit.<reason>[/iter] -> reason; NULL for other metrics and the total. */
static const char *exit_reason(const char *metric, char *buf, size_t len)
{
	const char *slash;

	if (strncmp(metric, "exit.", 5) || !strncmp(metric, "exit.total", 10))
		return NULL;
	slash = strchr(metric, '/');
	plot_fmt(buf, len, "%.*s", (int)(slash ? (size_t)(slash - metric - 5) : strlen(metric + 5)),
		 metric + 5);
	return buf;
}

static int plot_exits_stacked(struct plot_ctx *c)
{
	struct groups g = { 0 }, reasons = { 0 };
	double *sum = NULL;
	unsigned *n = NULL;
	char path[PATH_MAX], label[300], reason[80], vars[PATH_MAX + 64];
	FILE *f;
	int rc;

	/* Reasons first, so that the matrix has its width. */
	for (size_t i = 0; i < c->runs.n; i++)
		for (size_t j = 0; j < c->ms[i].n; j++)
			if (exit_reason(c->ms[i].v[j].name, reason, sizeof(reason)))
				group_of(&reasons, reason);
	for (size_t i = 0; i < c->runs.n && reasons.n; i++) {
		bool per_iter = !isnan(metric_get(&c->ms[i], "exit.total/iter"));
		size_t k, old = g.n;

		if (isnan(metric_get(&c->ms[i], per_iter ? "exit.total/iter" : "exit.total")))
			continue;
		series_label(&c->runs.v[i], true, label, sizeof(label));
		if (!per_iter)
			strncat(label, " (per run)", sizeof(label) - strlen(label) - 1);
		k = group_of(&g, label);
		if (g.n != old) {
			sum = realloc(sum, g.n * reasons.n * sizeof(*sum));
			n = realloc(n, g.n * sizeof(*n));
			if (!sum || !n)
				abort();
			memset(&sum[k * reasons.n], 0, reasons.n * sizeof(*sum));
			n[k] = 0;
		}
		n[k]++;
		for (size_t j = 0; j < reasons.n; j++) {
			char mn[120];
			double v;

			plot_fmt(mn, sizeof(mn), "exit.%s%s", reasons.name[j], per_iter ? "/iter" : "");
			v = metric_get(&c->ms[i], mn);
			if (!isnan(v))
				sum[k * reasons.n + j] += v;
		}
	}
	f = plot_data_file(c, "exits-stacked", path, sizeof(path));
	if (!f) {
		rc = 3;
		goto out;
	}
	fputs("\"group\"", f);
	for (size_t j = 0; j < reasons.n; j++) {
		fputc(' ', f);
		plot_put_quoted(f, reasons.name[j]);
	}
	fputc('\n', f);
	for (size_t k = 0; k < g.n; k++) {
		plot_put_quoted(f, g.name[k]);
		for (size_t j = 0; j < reasons.n; j++)
			fprintf(f, " %.6g", sum[k * reasons.n + j] / n[k]);
		fputc('\n', f);
	}
	fclose(f);
	plot_fmt(vars, sizeof(vars), "data='%s'; ncols=%zu; nodata=%d", path, reasons.n + 1,
		 g.n == 0);
	rc = plot_figure(c, "exits-stacked.gp", "exits-stacked", vars);
out:
	free(sum);
	free(n);
	groups_free(&g);
	groups_free(&reasons);
	return rc;
}

/* --- (d) a metric over the runs ----------------------------------------- */

static int plot_trend(struct plot_ctx *c)
{
	struct groups g = { 0 };
	char path[PATH_MAX], label[256], vars[PATH_MAX + 200];
	FILE *f;
	unsigned seq = 0;
	size_t *order = NULL;
	int rc = 3;

	for (size_t i = 0; i < c->runs.n; i++)
		if (!isnan(metric_get(&c->ms[i], c->metric))) {
			series_label(&c->runs.v[i], true, label, sizeof(label));
			group_of(&g, label);
		}
	f = plot_data_file(c, "trend", path, sizeof(path));
	if (!f)
		goto out;
	order = groups_order(&g);
	for (size_t o = 0; o < g.n; o++) {
		size_t k = order[o];

		fprintf(f, "%s\"run\" ", o ? "\n\n" : "");
		plot_put_quoted(f, g.name[k]);
		fputc('\n', f);
		seq = 0;
		for (size_t i = 0; i < c->runs.n; i++) {
			double v = metric_get(&c->ms[i], c->metric);

			if (isnan(v))
				continue;
			seq++;
			series_label(&c->runs.v[i], true, label, sizeof(label));
			if (!strcmp(label, g.name[k]))
				fprintf(f, "%u %.6g %s\n", seq, v, c->runs.v[i].id);
		}
	}
	fclose(f);
	plot_fmt(vars, sizeof(vars), "data='%s'; nseries=%zu; nodata=%d; metric='%s'", path, g.n,
		 g.n == 0, c->metric);
	rc = plot_figure(c, "trend.gp", "trend", vars);
out:
	free(order);
	groups_free(&g);
	return rc;
}

/* --- dashboard ---------------------------------------------------------- */

static const char dash_css[] =
	"body{font-family:'DejaVu Sans',sans-serif;margin:24px;color:#222;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:2px solid #1f77b4;"
	"padding-bottom:3px;margin-top:28px}"
	"table{border-collapse:collapse;margin:10px 0;font-size:13px;display:block;max-width:100%;"
	"overflow-x:auto}"
	"th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}"
	"th{background:#e8f0f8}td:first-child,td.l{text-align:left}"
	"caption{text-align:left;font-weight:bold;padding:4px 0}"
	"tr.sig td{background:#fff3d6}tr.failed td{background:#fbe3e3;color:#888}"
	"figure{display:inline-block;margin:8px;vertical-align:top}"
	"figure img{width:620px;border:1px solid #ccc}figure.wide{display:block}"
	"figure.wide img{width:auto;max-width:100%}ol.kernels{margin:4px 0;padding:0}"
	"ol.kernels li{display:inline-block;margin:0 10px 0 0}ol.kernels li:before{content:'\\2192  '}"
	"ol.kernels li:first-child:before{content:''}"
	"figcaption{font-size:13px}.warn{color:#a35a00;font-size:13px}.meta{color:#555}"
	"td.v{text-align:center}td.v small{color:#555}"
	".v-FIXED,.v-ON-TIME{background:#dcefdc}.v-UNFIXED,.v-LATE{background:#f6d5d5}"
	".v-INCONCLUSIVE{background:#fbf0c8}td.flip{outline:3px solid #c00;outline-offset:-3px}"
	"#alerts li{margin:3px 0}"
	"details#runs summary{cursor:pointer;margin-top:28px}details#runs summary h2{display:inline;margin:0}"
	"table.sortable th{cursor:pointer}th[aria-sort=ascending]:after{content:' \\25b2'}"
	"th[aria-sort=descending]:after{content:' \\25bc'}td.params{max-width:300px}"
	".chip{display:inline-block;white-space:nowrap;background:#eef2f7;border:1px solid #c8d3e0;"
	"border-radius:9px;padding:0 6px;margin:1px 2px;font-family:monospace;font-size:12px}";

/* The run's parameters as key=value chips, in the record's order. */
static void dash_param_chips(FILE *f, const char *params)
{
	json_t *o = params ? json_loads(params, 0, NULL) : NULL, *v;
	const char *k;

	if (!json_is_object(o)) {
		cmp_html_escape(f, params);
		json_decref(o);
		return;
	}
	json_object_foreach(o, k, v) {
		char *val = json_is_string(v) ? xstrdup(json_string_value(v)) :
			    json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		fputs("<span class=\"chip\">", f);
		cmp_html_escape(f, k);
		fputc('=', f);
		cmp_html_escape(f, val);
		fputs("</span> ", f);
		free(val);
	}
	json_decref(o);
}

/*
 * Sorting the runs table: a click on a header sorts the rows by that
 * column, a second click the other way; numbers as numbers, other text
 * with its digit runs as numbers (ids, versions).  No external resource.
 */
static const char dash_sort_js[] =
	"document.querySelectorAll('table.sortable').forEach(function(t){"
	"var hs=t.tHead.rows[0].cells;"
	"Array.prototype.forEach.call(hs,function(th,i){th.addEventListener('click',function(){"
	"var up=th.getAttribute('aria-sort')!=='ascending',b=t.tBodies[0],"
	"rs=Array.prototype.slice.call(b.rows),num=/^-?[0-9.]+(e[-+]?[0-9]+)?$/;"
	"Array.prototype.forEach.call(hs,function(h){h.removeAttribute('aria-sort');});"
	"th.setAttribute('aria-sort',up?'ascending':'descending');"
	"rs.sort(function(x,y){var a=x.cells[i].textContent.trim(),c=y.cells[i].textContent.trim(),"
	"d=num.test(a)&&num.test(c)?parseFloat(a)-parseFloat(c):"
	"a.localeCompare(c,'en',{numeric:true});return up?d:-d;});"
	"rs.forEach(function(r){b.appendChild(r);});});});});";

static void dash_runs(FILE *f, struct plot_ctx *c)
{
	static const char *const heads[] = { "id", "status", "backend", "policy/variant", "workload",
					      "params", "kernel", "started", "write_cr8/iter" };
	struct run_filter all;
	struct run_list l;
	char err[256];

	filter_init(&all);
	all.include_failed = true;
	for (unsigned i = 0; i < c->f.n; i++)
		filter_add(&all, c->f.key[i], c->f.val[i], NULL, 0);
	if (store_select(c->s, &all, &l, err, sizeof(err))) {
		filter_free(&all);
		return;
	}
	fprintf(f, "<details id=\"runs\"><summary><h2>Runs (%zu)</h2> <span class=\"meta\">every run "
		"of the store this selection names, failed ones flagged: open, then click a column's "
		"header to sort by it (again: the other way)</span></summary>\n"
		"<table id=\"runs-table\" class=\"sortable\"><thead><tr>", l.n);
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		fprintf(f, "<th title=\"sort by %s\">%s</th>", heads[i], heads[i]);
	fputs("</tr></thead><tbody>\n", f);
	for (size_t i = 0; i < l.n; i++) {
		const struct run_info *r = &l.v[i];
		struct metric_set m = { 0 };
		double v;

		store_run_metrics(c->s, r->id, &m, NULL, 0);
		v = metric_get(&m, "exit.write_cr8/iter");
		metric_set_free(&m);
		fprintf(f, "<tr class=\"%s\"><td class=\"l run-id\">", r->flagged ? "failed" : "ok");
		cmp_html_escape(f, r->id);
		fprintf(f, "</td><td class=\"l\">%s</td><td class=\"l\">", r->flagged ? "FAILED (not a result)" : r->status);
		cmp_html_escape(f, r->backend);
		fputs("</td><td class=\"l\">", f);
		cmp_html_escape(f, store_run_series(r));
		fputs("</td><td class=\"l\">", f);
		cmp_html_escape(f, r->workload);
		fputs("</td><td class=\"l params\">", f);
		dash_param_chips(f, r->params);
		fputs("</td><td class=\"l\">", f);
		cmp_html_escape(f, r->kernel);
		fputs("</td><td class=\"l\">", f);
		cmp_html_escape(f, r->started);
		if (isnan(v))
			fputs("</td><td>-</td></tr>\n", f);
		else
			fprintf(f, "</td><td>%.4g</td></tr>\n", v);
	}
	fprintf(f, "</tbody></table></details>\n<script>%s</script>\n", dash_sort_js);
	store_run_list_free(&l);
	filter_free(&all);
}

/* One cell of the verdict matrix: the newest verdict of a kernel and
 * column, and write_cr8/iter of each of its runs by parameter tuple. */
struct vcell {
	json_t *v;		/* borrowed from the list */
	json_t *counts;		/* {"workload=W k=v ...": write_cr8/iter} */
	const struct vcell *older;	/* the next older kernel's in its column */
	char *why;		/* it differs from older: the changed counts ("" for
				 * the verdict alone); NULL: no flip */
};

/* write_cr8/iter of each run of verdict v, by parameter tuple
 * (suite_run_tuple(): the runs' lengths left out). */
static json_t *verdict_counts(struct plot_ctx *c, json_t *v)
{
	json_t *out = json_object(), *r;
	char err[256], tuple[512];
	size_t i;

	json_array_foreach(json_object_get(v, "runs"), i, r) {
		const char *id = json_is_string(r) ? json_string_value(r) :
				 json_string_value(json_object_get(r, "id"));
		struct run_filter f;
		struct run_list l = { 0 };
		struct wl_values vals = { 0 };
		struct metric_set m = { 0 };
		double x;

		if (!id)
			continue;
		filter_init(&f);
		if (filter_add(&f, "id", id, err, sizeof(err)) || store_select(c->s, &f, &l, err, sizeof(err)) ||
		    l.n != 1 || suite_run_values(&l.v[0], &vals, err, sizeof(err)) ||
		    store_run_metrics(c->s, id, &m, NULL, 0)) {
			if (l.n)
				store_run_list_free(&l);
			filter_free(&f);
			continue;
		}
		suite_run_tuple(&vals, tuple, sizeof(tuple));
		x = metric_get(&m, "exit.write_cr8/iter");
		if (!isnan(x))
			json_object_set_new(out, tuple, json_real(x));
		metric_set_free(&m);
		store_run_list_free(&l);
		filter_free(&f);
	}
	return out;
}

/* The tuple a cell shows: nested spinlocks of depth 2 where the verdict
 * ran them (the 2N-1 case), else the first. */
static const char *ref_tuple(json_t *counts)
{
	const char *k;
	json_t *x;

	json_object_foreach(counts, k, x)
		if (strstr(k, "nested-spinlock") && strstr(k, "depth=2"))
			return k;
	json_object_foreach(counts, k, x)
		return k;
	return NULL;
}

/* The tuples both cells ran whose counts differ, as HTML (empty: none). */
static void changed_counts(const struct vcell *a, const struct vcell *b, char *buf, size_t len)
{
	const char *k;
	json_t *x;
	size_t n = 0;

	buf[0] = 0;
	json_object_foreach(a->counts, k, x) {
		json_t *y = json_object_get(b->counts, k);
		double p = json_real_value(x), q;

		if (!y)
			continue;
		q = json_real_value(y);
		if (fabs(p - q) <= 1e-9 * (fabs(p) + fabs(q) + 1))
			continue;
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s: %.4g &rarr; %.4g", n ? "; " : "", k, p, q);
	}
}

static const char *vstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

/* A verdict's column: its host and what ran (variant, else policy, else backend). */
static void verdict_col(json_t *v, char *buf, size_t len)
{
	const char *what = vstr(v, "variant") ? vstr(v, "variant") :
			   vstr(v, "policy") ? vstr(v, "policy") : vstr(v, "backend");

	plot_fmt(buf, len, "%s %s %s", vstr(v, "host") ? vstr(v, "host") : "?",
	    vstr(v, "backend") ? vstr(v, "backend") : "?", what ? what : "?");
}

/* Does cell x differ from the older cell o (verdict, or a count both ran)? */
static bool cell_flips(const struct vcell *o, const struct vcell *x, char *why, size_t len)
{
	changed_counts(o, x, why, len);
	return strcmp(vstr(o->v, "verdict"), vstr(x->v, "verdict")) || why[0];
}

static void dash_vcell(FILE *f, const struct vcell *x, bool flip)
{
	const char *v = vstr(x->v, "verdict"), *ref = ref_tuple(x->counts);

	fprintf(f, "<td class=\"v v-%s%s\" title=\"", v, flip ? " flip" : "");
	cmp_html_escape(f, vstr(x->v, "id"));
	fputs(": ", f);
	cmp_html_escape(f, vstr(x->v, "reason") ? vstr(x->v, "reason") : "");
	fprintf(f, "\">%s", v);
	if (ref) {
		fprintf(f, "<br><small>%.4g write_cr8/iter, ", json_real_value(json_object_get(x->counts, ref)));
		cmp_html_escape(f, ref + (strncmp(ref, "workload=", 9) ? 0 : 9));
		fputs("</small>", f);
	}
	fputs("</td>", f);
}

/*
 * The verdict matrix (issue 12 §4): kernel versions, newest first, by
 * column (host, backend, variant or policy), each cell the newest verdict
 * of that kernel and column with the mean write_cr8/iter of its runs.  A
 * cell whose verdict or write_cr8/iter differs from the next older kernel
 * in the same column is outlined, and listed under Alerts.  Verdicts
 * without a kernel (the model's) are left out: they have no version axis.
 */
static void dash_verdicts(FILE *f, struct plot_ctx *c)
{
	json_t *list = NULL, *v;
	char err[256], col[512], why[2048];
	const char **kern = NULL, **cols = NULL;
	struct vcell *cell;
	size_t nk = 0, nc = 0, i, k, j, nflips = 0;

	struct run_filter all;

	filter_init(&all);	/* every verdict: the matrix is the store's history */
	if (store_list_verdicts(c->s, &all, &list, err, sizeof(err))) {
		filter_free(&all);
		return;
	}
	filter_free(&all);
	json_array_foreach(list, i, v) {
		const char *kv = vstr(v, "kernel");

		if (!kv || !vstr(v, "verdict"))
			continue;
		verdict_col(v, col, sizeof(col));
		for (k = 0; k < nk && strcmp(kern[k], kv); k++)
			;
		if (k == nk) {
			kern = xrealloc(kern, (nk + 1) * sizeof(*kern));
			kern[nk++] = kv;
		}
		for (j = 0; j < nc && strcmp(cols[j], col); j++)
			;
		if (j == nc) {
			cols = xrealloc(cols, (nc + 1) * sizeof(*cols));
			cols[nc++] = xstrdup(col);
		}
	}
	fputs("<h2 id=\"verdicts\">Verdicts</h2>\n", f);
	if (!nk) {
		fputs("<p class=\"meta\">No verdict with a kernel in the store: run <code>irqlbench verify</code> "
		      "(a kernel, or <code>--series</code>) to fill this matrix.</p>\n", f);
		json_decref(list);
		return;
	}
	/* newest kernel first (insertion sort: a handful of versions) */
	for (k = 1; k < nk; k++)
		for (j = k; j > 0 && plot_ver_cmp(kern[j - 1], kern[j]) < 0; j--) {
			const char *t = kern[j];

			kern[j] = kern[j - 1];
			kern[j - 1] = t;
		}
	cell = xmalloc(nk * nc * sizeof(*cell));
	memset(cell, 0, nk * nc * sizeof(*cell));
	json_array_foreach(list, i, v) {	/* newest last: the last one wins */
		const char *kv = vstr(v, "kernel");

		if (!kv || !vstr(v, "verdict"))
			continue;
		verdict_col(v, col, sizeof(col));
		for (k = 0; strcmp(kern[k], kv); k++)
			;
		for (j = 0; strcmp(cols[j], col); j++)
			;
		cell[k * nc + j].v = v;
	}
	for (k = 0; k < nk * nc; k++)
		if (cell[k].v)
			cell[k].counts = verdict_counts(c, cell[k].v);
	/* each cell against the next older kernel in its column, once */
	for (j = 0; j < nc; j++)
		for (k = 0; k < nk; k++) {
			struct vcell *x = &cell[k * nc + j];

			if (!x->v)
				continue;
			for (size_t o = k + 1; o < nk && !x->older; o++)
				if (cell[o * nc + j].v)
					x->older = &cell[o * nc + j];
			if (x->older && cell_flips(x->older, x, why, sizeof(why)))
				x->why = xstrdup(why);
		}
	fputs("<p class=\"meta\">Newest kernel first; each cell the newest verdict of that kernel and "
	      "column, with the CR8-write exits per iteration of one of its runs (nested spinlocks of "
	      "depth 2 where it ran them). An outlined cell differs from the next older kernel in its "
	      "column: another verdict, or another exact count for a workload and parameters both ran "
	      "(see Alerts).</p>\n"
	      "<table id=\"verdict-matrix\"><tr><th>kernel</th>", f);
	for (j = 0; j < nc; j++) {
		fputs("<th>", f);
		cmp_html_escape(f, cols[j]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (k = 0; k < nk; k++) {
		fputs("<tr><td class=\"l\">", f);
		cmp_html_escape(f, kern[k]);
		fputs("</td>", f);
		for (j = 0; j < nc; j++) {
			const struct vcell *x = &cell[k * nc + j];

			if (x->v)
				dash_vcell(f, x, x->why != NULL);
			else
				fputs("<td class=\"v\">-</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<h3 id=\"alerts\">Alerts</h3>\n<ul id=\"alerts-list\">\n", f);
	for (j = 0; j < nc; j++)
		for (k = 0; k < nk; k++) {
			const struct vcell *x = &cell[k * nc + j], *older = x->older;

			if (!x->why)
				continue;
			nflips++;
			fputs("<li class=\"alert\">", f);
			cmp_html_escape(f, cols[j]);
			fputs(": <code>", f);
			cmp_html_escape(f, vstr(older->v, "kernel"));
			fprintf(f, "</code> %s &rarr; <code>", vstr(older->v, "verdict"));
			cmp_html_escape(f, vstr(x->v, "kernel"));
			fprintf(f, "</code> %s; write_cr8/iter %s; verdicts <code>", vstr(x->v, "verdict"),
				x->why[0] ? x->why : "unchanged");
			cmp_html_escape(f, vstr(older->v, "id"));
			fputs("</code>, <code>", f);
			cmp_html_escape(f, vstr(x->v, "id"));
			fputs("</code> (<code>irqlbench results show</code> gives their runs and logs)</li>\n", f);
		}
	if (!nflips)
		fputs("<li class=\"meta\">no verdict or count changed from one kernel to the next</li>\n", f);
	fputs("</ul>\n", f);
	for (j = 0; j < nc; j++)
		free((char *)cols[j]);
	for (k = 0; k < nk * nc; k++) {
		json_decref(cell[k].counts);
		free(cell[k].why);
	}
	free(cols);
	free(kern);
	free(cell);
	json_decref(list);
}

static void dash_matrices(FILE *f, struct plot_ctx *c)
{
	static const char *const tables[][2] = {
		{ "exit.write_cr8/iter", "CR8-write exits per iteration" },
		{ "exit.total/iter", "All exits per iteration" },
		{ "delivery.immediate_pct", "Delivered at the unmasking CR8 write (%)" },
	};
	char err[256];

	fputs("<h2 id=\"matrix\">Exit-count matrix</h2>\n", f);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		struct matrix m;

		if (matrix_build(c->s, &c->f, tables[i][0], &m, err, sizeof(err)))
			continue;
		matrix_print(f, &m, tables[i][1], "html");
		matrix_free(&m);
	}
}

/*
 * Comparison tables: within each workload (and depth) and backend, the
 * unfixed-like series (unfixed, prefix; else the first in sort order) as
 * the base against each other series of that backend.
 */
static int str_pcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_base_series(const char *col)
{
	const char *series = strchr(col, ':');

	return series && (!strcmp(series + 1, "unfixed") || !strcmp(series + 1, "prefix"));
}

static bool same_backend(const char *a, const char *b)
{
	size_t la = strcspn(a, ":"), lb = strcspn(b, ":");

	return la == lb && !strncmp(a, b, la);
}

static void select_cell(struct plot_ctx *c, const char *row, const char *col, struct run_list *out)
{
	char r[256], k[256];

	out->n = 0;
	for (size_t i = 0; i < c->runs.n; i++) {
		report_row_label(&c->runs.v[i], r, sizeof(r));
		report_col_label(&c->runs.v[i], k, sizeof(k));
		if (!strcmp(r, row) && !strcmp(k, col))
			out->v[out->n++] = c->runs.v[i];
	}
}

/* One comparison of two cells: a table per parameter tuple both have
 * (a row label such as "masked-clock" holds several); nothing when the
 * cells mix series or share no tuple. */
static void dash_compare_pair(FILE *f, struct plot_ctx *c, const struct suite *su,
			      const struct run_list *base, const struct run_list *other,
			      const char *name_a, const char *name_b)
{
	static const char *const globs[] = { "exit.*", "delivery.immediate_pct", "*.p50", "cr8_writes*" };
	struct cmp_plan plan;
	struct cmp_table *t;
	char err[1024];

	if (compare_plan(base, other, &plan, err, sizeof(err)))
		return;
	t = calloc(plan.npairs + 1, sizeof(*t));
	if (!t)
		abort();
	for (size_t k = 0; k < plan.npairs; k++) {
		t[k].name_a = name_a;
		t[k].name_b = name_b;
		if (!compare_runs(c->s, su, &plan.a[plan.pair[k][0]], &plan.b[plan.pair[k][1]], globs,
				  sizeof(globs) / sizeof(globs[0]), false, &t[k], err, sizeof(err)))
			compare_print(f, &t[k], "html");
		cmp_table_free(&t[k]);
	}
	free(t);
	cmp_plan_free(&plan);
}

static unsigned dash_compare_row(FILE *f, struct plot_ctx *c, const struct suite *su,
				 const char *row, struct groups *cols, unsigned shown)
{
	struct run_list base = { 0 }, other = { 0 };
	char name_a[300], name_b[300];

	base.v = calloc(c->runs.n + 1, sizeof(*base.v));
	other.v = calloc(c->runs.n + 1, sizeof(*other.v));
	if (!base.v || !other.v)
		abort();
	for (size_t b = 0; b < cols->n && shown < 12; b++) {
		bool has_base = false;

		/* b is the base of its backend: the unfixed-like series, or the
		 * first one of the backend when it has none */
		for (size_t k = 0; k < cols->n; k++)
			if (same_backend(cols->name[k], cols->name[b]) && is_base_series(cols->name[k]))
				has_base = true;
		if (has_base ? !is_base_series(cols->name[b]) :
		    (b > 0 && same_backend(cols->name[b - 1], cols->name[b])))
			continue;
		select_cell(c, row, cols->name[b], &base);
		for (size_t k = 0; k < cols->n && shown < 12; k++) {
			if (k == b || !same_backend(cols->name[k], cols->name[b]))
				continue;
			select_cell(c, row, cols->name[k], &other);
			plot_fmt(name_a, sizeof(name_a), "%s %s", row, cols->name[b]);
			plot_fmt(name_b, sizeof(name_b), "%s %s", row, cols->name[k]);
			dash_compare_pair(f, c, su, &base, &other, name_a, name_b);
			shown++;
		}
	}
	/* shallow copies of c->runs: free the arrays only */
	free(base.v);
	free(other.v);
	return shown;
}

static void dash_compare(FILE *f, struct plot_ctx *c)
{
	struct groups rows = { 0 }, cols = { 0 };
	char lab[256], err[1024], *sp = suite_default_path();
	unsigned shown = 0;
	int st;
	struct suite *su = suite_load(sp, &st, err, sizeof(err));

	free(sp);
	if (!su)
		fprintf(stderr, "irqlbench plot: warning: the comparisons compare no count exactly: %s\n", err);
	fputs("<h2 id=\"compare\">Comparisons</h2>\n<p class=\"meta\">Per workload, parameters "
	      "and backend, unfixed/prefix against the others. The counts "
	      "<code>workloads/suites.cfg</code> fixes are compared exactly (<code>=</code> or the "
	      "change, against the expected values); latencies by the two-sided Mann-Whitney U test "
	      "with 5 runs a side or more (<code>~</code>: p &gt; 0.05, not significant; else "
	      "<code>too few runs</code>); other counts show the change in parentheses, untested. "
	      "Highlighted rows changed. Latencies are in &micro;s: a histogram's <code>.p50</code> "
	      "is the upper bound of the bucket that holds it (TSC cycles, at most the max) divided "
	      "by each run's <code>guest.tsc_hz</code>, <code>[cycles]</code> where a run's record "
	      "gives none; an exit's handling time <code>exit_ns.REASON.p50</code> is ns of the "
	      "trace clock (emulated in the lab) / 1000, read off its buckets the same way.</p>\n", f);
	for (size_t i = 0; i < c->runs.n; i++) {
		report_row_label(&c->runs.v[i], lab, sizeof(lab));
		group_of(&rows, lab);
	}
	if (rows.n)
		qsort(rows.name, rows.n, sizeof(char *), str_pcmp);
	for (size_t r = 0; r < rows.n && shown < 12; r++) {
		groups_free(&cols);
		for (size_t i = 0; i < c->runs.n; i++) {
			report_row_label(&c->runs.v[i], lab, sizeof(lab));
			if (strcmp(lab, rows.name[r]))
				continue;
			report_col_label(&c->runs.v[i], lab, sizeof(lab));
			group_of(&cols, lab);
		}
		if (cols.n < 2)
			continue;
		qsort(cols.name, cols.n, sizeof(char *), str_pcmp);
		shown = dash_compare_row(f, c, su, rows.name[r], &cols, shown);
	}
	if (!shown)
		fputs("<p>No workload has runs of two policies or variants of one backend yet.</p>\n", f);
	groups_free(&rows);
	groups_free(&cols);
	suite_free(su);
}

static const char *const plot_captions[][2] = {
	{ "cr8-vs-depth", "CR8-write exits per iteration vs spinlock depth N: fixed 2N-1, unfixed 1" },
	{ "cdf-dpc-delay", "DPC delay (KeInsertQueueDpc to the DPC routine), CDF in µs (each series' "
	  "TSC cycles by its guest.tsc_hz; in cycles where a run gives none)" },
	{ "cdf-irq-latency", "Interrupt latency (timer expiry to the clock ISR), CDF in µs" },
	{ "exits-stacked", "Exits by reason per iteration, per workload and policy/variant" },
	{ "trend", "A metric over the runs, in start order" },
};

static int write_dashboard(struct plot_ctx *c)
{
	char path[PATH_MAX], from[PATH_MAX], to[PATH_MAX], when[64];
	time_t now = time(NULL);
	size_t nfailed = 0;
	FILE *f;

	plot_fmt(path, sizeof(path), "%s/img", c->dash.tmp);
	if (util_mkdir_p(path))
		return cli_error(EXIT_ENV, "plot: cannot create %s: %s; choose another --dashboard", path,
				 strerror(errno));
	for (unsigned i = 0; i < c->nplots; i++)
		for (int k = 0; k < 2; k++) {
			plot_fmt(from, sizeof(from), "%s/%s.%s", c->out.tmp, c->plots[i], k ? "svg" : "png");
			plot_fmt(to, sizeof(to), "%s/img/%s.%s", c->dash.tmp, c->plots[i], k ? "svg" : "png");
			if (store_copy_file(from, to)) {
				return cli_error(EXIT_ENV, "cannot copy %s to %s; choose another --dashboard", from, to);
			}
		}
	plot_fmt(path, sizeof(path), "%s/index.html", c->dash.tmp);
	f = fopen(path, "w");
	if (!f) {
		return cli_error(EXIT_ENV, "cannot write %s: %s; choose another --dashboard", path, strerror(errno));
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	for (size_t i = 0; i < c->runs.n; i++)
		nfailed += c->runs.v[i].flagged;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<title>irqlbench dashboard</title>\n<style>%s</style></head><body>\n"
		"<h1>irqlbench dashboard</h1>\n<p class=\"meta\">generated %s from <code>", dash_css, when);
	cmp_html_escape(f, c->s->path);
	fprintf(f, "</code>: %zu runs plotted%s. Exit counts come from KVM (kvm, lab) or the model; "
		"lab and tcg latencies are emulated time.</p>\n", c->runs.n,
		c->include_failed ? " (failed runs included on request)" : ", failed runs left out");
	(void)nfailed;
	dash_verdicts(f, c);
	if (c->kernels_html)
		fputs(c->kernels_html, f);
	fputs("<h2 id=\"plots\">Plots</h2>\n", f);
	for (unsigned i = 0; i < c->nplots; i++) {
		const char *cap = c->plots[i];

		if (!strncmp(c->plots[i], "kernel-", 7))
			continue;	/* in their own section, above */

		for (size_t k = 0; k < sizeof(plot_captions) / sizeof(plot_captions[0]); k++)
			if (!strcmp(plot_captions[k][0], c->plots[i]))
				cap = plot_captions[k][1];
		fprintf(f, "<figure id=\"plot-%s\"><a href=\"img/%s.svg\"><img src=\"img/%s.png\" alt=\"%s\"></a>"
			"<figcaption>", c->plots[i], c->plots[i], c->plots[i], c->plots[i]);
		cmp_html_escape(f, cap);
		if (!strcmp(c->plots[i], "trend")) {
			fputs(" (<code>", f);
			cmp_html_escape(f, c->metric);
			fputs("</code>)", f);
		}
		fprintf(f, " &middot; <a href=\"img/%s.svg\">SVG</a></figcaption></figure>\n", c->plots[i]);
	}
	dash_matrices(f, c);
	dash_compare(f, c);
	dash_runs(f, c);
	fputs("</body></html>\n", f);
	if (fclose(f)) {
		return cli_error(EXIT_ENV, "cannot write %s; choose another --dashboard", path);
	}
	fprintf(c->dash.list, "dashboard %s/index.html\n", c->dash_dir);
	return 0;
}

/* --- command ------------------------------------------------------------ */

static bool has_scripts(const char *dir)
{
	char p[PATH_MAX];

	plot_fmt(p, sizeof(p), "%s/common.gp", dir);
	return !access(p, R_OK);
}

int plot_find_dir(char *dir, size_t len)
{
	const char *env = getenv("IRQLBENCH_PLOTS_DIR");
	char exe[PATH_MAX], *installed;
	ssize_t n;

	if (env && *env) {
		plot_fmt(dir, len, "%s", env);
		if (has_scripts(dir))
			return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		plot_fmt(dir, len, "%s/../../plots", exe);
		if (has_scripts(dir))
			return 0;
	}
	installed = util_installed_file("share", "plots/common.gp");
	if (installed) {
		plot_fmt(dir, len, "%.*s", (int)(strlen(installed) - 10), installed);
		free(installed);
		return 0;
	}
	plot_fmt(dir, len, "plots");
	if (has_scripts(dir))
		return 0;
	return cli_error(EXIT_ENV, "the gnuplot scripts (plots/*.gp) are not found: "
			 "run from the source tree or set IRQLBENCH_PLOTS_DIR");
}

static int plot_all(struct plot_ctx *c)
{
	char dir[PATH_MAX], err[512];
	int rc;

	plot_fmt(dir, sizeof(dir), "%s/data", c->out.tmp);
	if (util_mkdir_p(dir))
		return cli_error(EXIT_ENV, "plot: cannot create %s: %s; choose another --out-dir", dir,
				 strerror(errno));
	c->f.include_failed = c->include_failed;
	if (store_select(c->s, &c->f, &c->runs, err, sizeof(err)))
		return cli_error(EXIT_STORE, "%s", err);
	c->ms = calloc(c->runs.n + 1, sizeof(*c->ms));
	if (!c->ms)
		abort();
	c->tsc_hz = xmalloc((c->runs.n + 1) * sizeof(*c->tsc_hz));
	for (size_t i = 0; i < c->runs.n; i++) {
		if (store_run_metrics(c->s, c->runs.v[i].id, &c->ms[i], err, sizeof(err)))
			return cli_error(EXIT_STORE, "%s", err);
		c->tsc_hz[i] = compare_run_tsc_hz(c->s, c->runs.v[i].id);
	}
	if ((rc = plot_cr8_vs_depth(c)) ||
	    (rc = plot_cdf(c, "dpc_queue_to_run", "cdf-dpc-delay",
			   "DPC delay: KeInsertQueueDpc to the DPC routine")) ||
	    (rc = plot_cdf(c, "irq_latency", "cdf-irq-latency",
			   "interrupt latency: timer expiry to the clock ISR")) ||
	    (rc = plot_exits_stacked(c)) || (rc = plot_trend(c)) || (rc = plot_kernel_figures(c)))
		return rc;
	return c->dash_dir ? write_dashboard(c) : 0;
}

struct plot_args {
	struct plot_ctx c;
	const char *db;
	bool no_dash;
};

static const struct cli_option plot_opts[] = {
	{ CLI_STORE_DB(0, struct plot_args, db) },
	{ CLI_STRING(0, "out-dir", struct plot_args, c.out_dir, "DIR",
		     "the plots (default plots/out; the data files in DIR/data)") },
	{ CLI_STRING(0, "dashboard", struct plot_args, c.dash_dir, "DIR",
		     "the dashboard's folder (default <store dir>/dashboard)") },
	{ CLI_FLAG(0, "no-dashboard", struct plot_args, no_dash, "no dashboard, only the plots") },
	{ CLI_STRING(0, "metric", struct plot_args, c.metric, "M",
		     "the metric of the trend plot (default exit.write_cr8/iter)") },
	{ CLI_STORE_SELECT(struct plot_args, c.f) },
	{ CLI_INCLUDE_FAILED(struct plot_args, c.include_failed) },
	{ CLI_END },
};

const struct cli_spec cmd_plot_spec = {
	.name = "plot",
	.usage = "[OPTIONS]",
	.description =
	"Plots from the results store with gnuplot, each as PNG (pngcairo) and SVG, into\n"
	"DIR (default plots/out; the data files go to DIR/data):\n"
	"  cr8-vs-depth     CR8-write exits per iteration vs spinlock depth (2N-1 vs 1)\n"
	"  cdf-dpc-delay    DPC delay CDFs (log x axis)\n"
	"  cdf-irq-latency  interrupt latency CDFs (log x axis)\n"
	"  exits-stacked    exits by reason, stacked per workload and policy/variant\n"
	"  trend            a metric over the runs in start order (--metric, default\n"
	"                   exit.write_cr8/iter)\n"
	"  kernel-exits     CR8-write exits per iteration by Debian kernel version (dpkg\n"
	"                   order), the suites file's expected values drawn\n"
	"  kernel-late      late deliveries per iteration, the same way\n"
	"  kernel-latency   DPC delay and interrupt latency p50/p99 by kernel version in\n"
	"                   microseconds: the median of the runs, their min-max band\n"
	"The latencies are in microseconds (each run's TSC cycles by its guest.tsc_hz).\n"
	"And the static dashboard (default <store dir>/dashboard/index.html: the\n"
	"verdict matrix and its alerts, the figures by kernel version, the plots, the\n"
	"exit-count matrices, comparison tables and the runs, collapsed and sortable; no\n"
	"network resources).\n"
	"The plots and the dashboard are written whole or not at all: into staging\n"
	"folders in DIR and in the dashboard's folder, put in place (rename) together\n"
	"once every file is written, and listed then; a run that fails leaves both\n"
	"folders as they were (folders it made are removed), and their other files are\n"
	"never touched.\n"
	"Failed runs are left out unless --include-failed.  `make plots` runs this.\n",
	.epilog =
	"exit status: 0 ok, 2 usage error, 3 no gnuplot, a plot failed, or a folder or\n"
	"file cannot be written (the folders are then as they were), 5 the results store\n"
	"is missing, an empty file or unusable, 128 + N stopped by signal N (SIGINT,\n"
	"SIGTERM, SIGHUP, SIGQUIT) before the folders were written: they are as they\n"
	"were, their staging folders removed.\n",
	.options = plot_opts,
};

int cmd_plot(int argc, char **argv)
{
	struct plot_args a = { .c = { .out_dir = "plots/out", .metric = "exit.write_cr8/iter" } };
	struct plot_ctx *c = &a.c;
	char err[512], *dash = NULL;
	int n, rc;

	filter_init(&c->f);
	rc = cli_parse(&cmd_plot_spec, argc, argv, &a, &n);
	if (rc) {
		rc = rc == CLI_HELP ? EXIT_OK : rc;
		goto out;
	}
	rc = plot_find_dir(c->plot_dir, sizeof(c->plot_dir));
	if (rc)
		goto out;
	c->s = store_open_cmd(a.db, false);
	if (!c->s) {
		rc = EXIT_STORE;
		goto out;
	}
	{
		int u = store_metric_unknown(c->s, c->metric, err, sizeof(err));

		if (u) {
			rc = u < 0 ? cli_error(EXIT_STORE, "%s", err) :
			     cli_usage_error("plot", "--metric %s: no stored run has this metric: give one "
					     "'irqlbench results show ID --metrics' lists", c->metric);
			goto out;
		}
	}
	if (!c->dash_dir && !a.no_dash) {
		char *slash = strrchr(c->s->runs_dir, '/');

		if (asprintf(&dash, "%.*s/dashboard", (int)(slash - c->s->runs_dir), c->s->runs_dir) < 0)
			abort();
		c->dash_dir = dash;
	}
	if (a.no_dash)
		c->dash_dir = NULL;
	/* the plots and the dashboard are put in place together, or neither;
	 * a stop signal before that takes back their staging folders and the
	 * folders made for them (cli/stopsig.h) */
	stop_signals_block();
	rc = stage_open(&c->out, c->out_dir, "plot", "--out-dir");
	if (!rc)
		rc = stage_expect(&c->out, "data", true);
	if (!rc && c->dash_dir)
		rc = stage_open(&c->dash, c->dash_dir, "plot", "--dashboard");
	if (!rc && c->dash_dir)
		rc = stage_expect(&c->dash, "img", true);
	if (!rc)
		rc = plot_all(c);
	if (!rc)
		rc = stage_commit(&c->out);
	if (!rc && c->dash_dir && (rc = stage_commit(&c->dash)))
		stage_undo(&c->out);
	/* a folder made for the other, within it, goes last */
	stage_close(rc ? &c->dash : &c->out);
	stage_close(rc ? &c->out : &c->dash);
	if (rc && stop_signal())
		rc = cli_error(128 + stop_signal(), "plot stopped by %s: nothing written, %s%s%s as %s",
			       stop_signal_name(stop_signal()), c->out_dir, c->dash_dir ? " and " : "",
			       c->dash_dir ? c->dash_dir : "", c->dash_dir ? "they were" : "it was");
	stop_signals_restore();
out:
	for (size_t i = 0; c->ms && i < c->runs.n; i++)
		metric_set_free(&c->ms[i]);
	free(c->ms);
	store_run_list_free(&c->runs);
	filter_free(&c->f);
	store_close(c->s);
	free(c->kernels_html);
	free(c->tsc_hz);
	free(dash);
	return rc;
}
