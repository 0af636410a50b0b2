// SPDX-License-Identifier: MIT
/*
 * kernels.c - the figures of `irqlbench plot` whose x axis is the Debian
 * kernel version (issue 12 §4), and their section of the dashboard:
 *
 *   kernel-exits    the CR8-write exits per iteration
 *   kernel-late     the late deliveries per iteration
 *                   a panel per parameter tuple (workload and parameters:
 *                   never pooled) and at most KMAX_SERIES series
 *                   (host, backend, variant) a panel; the values
 *                   workloads/suites.cfg expects of the fixed and the
 *                   unfixed family drawn as reference lines
 *   kernel-latency  DPC delay (dpc_unmask_to_entry) and interrupt latency
 *                   (irq_latency) p50 and p99 in µs, each run's cycles by
 *                   its own guest.tsc_hz: the median of the runs of a
 *                   series and kernel, the band their min and max
 *
 * The x axis is every Debian version a plotted run names, oldest left, in
 * dpkg order (plot_ver_cmp()): the lab's L1 kernel
 * (provenance.lab.kernel.debian_version), else the host's
 * (provenance.host.kernel_package).  The model and tcg ran on no kernel
 * and are not on it.  A series of emulated runs (a lab or a host under
 * TCG) says "(emulated)" in its name: its counts are kvm_amd's, its times
 * emulated.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/util.h"
#include "compare/compare.h"
#include "plot/figures.h"
#include "plot/plot.h"
#include "suite/run_values.h"
#include "suite/suite.h"

#define KMAX_SERIES 6		/* legend entries of a panel */
#define KMAX_PANELS 6		/* panels of a figure */

/* A plotted run that names its Debian kernel version. */
struct krun {
	size_t i;			/* in c->runs and c->ms */
	char kernel[64];
	char series[192];		/* "HOST BACKEND VARIANT[ (emulated)]" */
	char tuple[COMPARE_TUPLE_LEN];
	struct wl_values vals;		/* vals.w NULL: not the catalog's workload */
	double tsc_hz;			/* NAN: the record gives none */
};

struct kaxis {
	struct krun *r;
	size_t n;
	char **kern;			/* the versions, oldest first */
	size_t nk;
	struct suite *su;		/* NULL: no expected values */
};

/* One panel of a figure: its data file holds a block per series. */
struct kpanel {
	char data[PATH_MAX];
	char title[COMPARE_TUPLE_LEN + 64];
	unsigned nseries;
	char lts[64];			/* a gnuplot linetype a series (series_lt) */
	double ef, eu;			/* the expected values (-1: none) */
};

struct kfig {
	const char *name, *what;
	struct kpanel p[KMAX_PANELS];
	unsigned np, left_out;		/* panels drawn, panels that did not fit */
	size_t no_rate;			/* runs left out: no guest.tsc_hz */
};

/*
 * Debian's version order (dpkg's verrevcmp, deb-version(7)): digit runs
 * compare as numbers, other runs character by character with letters
 * before other characters and '~' before everything, even the end.
 * Applied to the whole version ("6.1.192-3"), which orders Debian's
 * kernel versions as dpkg --compare-versions does.
 */
static int ver_order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	return c ? c + 256 : 0;
}

int plot_ver_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first = 0;

		while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
			int ac = ver_order((unsigned char)*a), bc = ver_order((unsigned char)*b);

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			if (!first)
				first = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (first)
			return first;
	}
	return 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

/* The Debian version of the kernel the run ran on; NULL for none. */
static const char *run_kernel(json_t *rec, const struct run_info *r)
{
	json_t *p = json_object_get(rec, "provenance");
	const char *v = jstr(json_object_get(json_object_get(p, "lab"), "kernel"), "debian_version");

	if (v)
		return v;
	if (!r->backend || !strcmp(r->backend, "model") || !strcmp(r->backend, "tcg"))
		return NULL;
	return jstr(json_object_get(p, "host"), "kernel_package");
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ver_pcmp(const void *a, const void *b)
{
	return plot_ver_cmp(*(char *const *)a, *(char *const *)b);
}

/* Adds s to the set v (n long) when new. */
static void set_add(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static void set_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static size_t kernel_index(const struct kaxis *ax, const char *k)
{
	size_t i;

	for (i = 0; i < ax->nk && strcmp(ax->kern[i], k); i++)
		;
	return i;
}

static void kaxis_load(struct plot_ctx *c, struct kaxis *ax)
{
	char err[1024], *sp = suite_default_path();
	int st;

	memset(ax, 0, sizeof(*ax));
	ax->su = suite_load(sp, &st, err, sizeof(err));
	free(sp);
	if (!ax->su)
		fprintf(stderr, "irqlbench plot: warning: no expected lines in the kernel figures: %s\n", err);
	ax->r = xmalloc((c->runs.n + 1) * sizeof(*ax->r));
	for (size_t i = 0; i < c->runs.n; i++) {
		const struct run_info *r = &c->runs.v[i];
		json_t *rec = store_run_record(c->s, r->id, NULL, 0);
		const char *k = rec ? run_kernel(rec, r) : NULL;
		const char *host = jstr(json_object_get(json_object_get(rec, "provenance"), "host"), "hostname");
		struct krun *x = &ax->r[ax->n];

		if (!k) {
			json_decref(rec);
			continue;
		}
		memset(x, 0, sizeof(*x));
		x->i = i;
		plot_fmt(x->kernel, sizeof(x->kernel), "%s", k);
		/* L1 of a lab before it was named after its host is "(none)":
		 * no name; the fix-reverted build by that name, as in the paper */
		if (host && (!*host || !strcmp(host, "(none)")))
			host = NULL;
		plot_fmt(x->series, sizeof(x->series), "%s%s%s %s%s", host ? host : "", host ? " " : "",
			 r->backend, !strcmp(store_run_series(r), "unfixed") ? "fix-reverted" :
			 store_run_series(r), r->emulated ? " (emulated)" : "");
		if (suite_run_values(r, &x->vals, err, sizeof(err))) {
			x->vals.w = NULL;
			plot_fmt(x->tuple, sizeof(x->tuple), "workload=%s", r->workload ? r->workload : "?");
		} else {
			suite_run_tuple(&x->vals, x->tuple, sizeof(x->tuple));
		}
		x->tsc_hz = c->tsc_hz[i];
		set_add(&ax->kern, &ax->nk, k);
		ax->n++;
		json_decref(rec);
	}
	if (ax->nk)
		qsort(ax->kern, ax->nk, sizeof(*ax->kern), ver_pcmp);
}

static void kaxis_free(struct kaxis *ax)
{
	free(ax->r);
	set_free(ax->kern, ax->nk);
	suite_free(ax->su);
	memset(ax, 0, sizeof(*ax));
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The values of one series in one panel as "x center min max n" rows, a
 * row per kernel it ran: center the mean (counts) or the median
 * (latencies).  x is the kernel's index, moved by off so that series with
 * the same values stay apart.  v[k] holds nv[k] values of kernel k.
 */
static void put_series(FILE *f, const char *label, double **v, const size_t *nv, size_t nk,
		       bool median, double off)
{
	fputs("\"kernel\" ", f);
	plot_put_quoted(f, label);
	fputc('\n', f);
	for (size_t k = 0; k < nk; k++) {
		double sum = 0, mid;
		size_t n = nv[k];

		if (!n)
			continue;
		qsort(v[k], n, sizeof(double), dbl_cmp);
		for (size_t j = 0; j < n; j++)
			sum += v[k][j];
		mid = n % 2 ? v[k][n / 2] : (v[k][n / 2 - 1] + v[k][n / 2]) / 2;
		fprintf(f, "%.4f %.6g %.6g %.6g %zu\n", (double)k + off, median ? mid : sum / (double)n,
			v[k][0], v[k][n - 1], n);
	}
}

/* The value of metric m of run x, in µs for a latency; NAN: none. */
static double run_value(const struct plot_ctx *c, const struct krun *x, const char *m)
{
	double v = metric_get(&c->ms[x->i], m);
	enum cmp_unit u = compare_stored_unit(m);

	return u == CMP_UNIT_NONE ? v : compare_to_us(v, u, x->tsc_hz);
}

/*
 * Panels of metric m for the runs of tuple (all tuples: NULL), their series
 * in name order, KMAX_SERIES a panel; title each panel's title, ef and eu
 * its expected values.  The panels that do not fit are counted.
 */
/* A series' linetype (plots/common.gp), the same in every panel: fixed 1
 * (blue), fix-reverted 2 (red), stock 3 (green), another variant 4.. by
 * its place. */
static unsigned series_lt(const char *series, size_t other)
{
	if (strstr(series, " fixed"))
		return 1;
	if (strstr(series, " fix-reverted"))
		return 2;
	if (strstr(series, " stock"))
		return 3;
	return 4 + (unsigned)(other % 5);
}

static int add_panels(struct plot_ctx *c, const struct kaxis *ax, struct kfig *fg, const char *m,
		      const char *tuple, const char *title, double ef, double eu, bool median)
{
	char **ser = NULL;
	size_t ns = 0;
	double **v = xmalloc((ax->nk + 1) * sizeof(*v));
	size_t *nv = xmalloc((ax->nk + 1) * sizeof(*nv));
	int rc = 0;

	for (size_t i = 0; i < ax->n; i++)
		if ((!tuple || !strcmp(ax->r[i].tuple, tuple)) && !isnan(metric_get(&c->ms[ax->r[i].i], m)))
			set_add(&ser, &ns, ax->r[i].series);
	if (ns)
		qsort(ser, ns, sizeof(*ser), str_cmp);
	for (size_t k = 0; k < ax->nk; k++)
		v[k] = xmalloc((ax->n + 1) * sizeof(double));
	for (size_t s0 = 0; s0 < ns; s0 += KMAX_SERIES) {
		size_t n = ns - s0 < KMAX_SERIES ? ns - s0 : KMAX_SERIES;
		struct kpanel *p = &fg->p[fg->np];
		char name[64];
		FILE *f;

		if (fg->np == KMAX_PANELS) {
			fg->left_out++;
			continue;
		}
		plot_fmt(name, sizeof(name), "%s-%u", fg->name, fg->np + 1);
		f = plot_data_file(c, name, p->data, sizeof(p->data));
		if (!f) {
			rc = EXIT_ENV;
			break;
		}
		plot_fmt(p->title, sizeof(p->title), "%s%s", title,
			 ns > KMAX_SERIES ? (s0 ? " (more series)" : " (first series)") : "");
		fprintf(f, "# panel: %s\n", p->title);
		p->lts[0] = '\0';
		for (size_t s = s0; s < s0 + n; s++) {
			plot_fmt(p->lts + strlen(p->lts), sizeof(p->lts) - strlen(p->lts), "%s%u",
				 s > s0 ? " " : "", series_lt(ser[s], s - s0));
			memset(nv, 0, ax->nk * sizeof(*nv));
			for (size_t i = 0; i < ax->n; i++) {
				const struct krun *x = &ax->r[i];
				size_t k = kernel_index(ax, x->kernel);
				double y;

				if (strcmp(x->series, ser[s]) || (tuple && strcmp(x->tuple, tuple)) ||
				    isnan(metric_get(&c->ms[x->i], m)))
					continue;
				y = run_value(c, x, m);
				if (isnan(y)) {		/* a latency without guest.tsc_hz */
					fg->no_rate++;
					continue;
				}
				v[k][nv[k]++] = y;
			}
			fputs(s > s0 ? "\n\n" : "", f);
			put_series(f, ser[s], v, nv, ax->nk, median, ((double)(s - s0) - (double)(n - 1) / 2) * 0.06);
		}
		fclose(f);
		p->nseries = (unsigned)n;
		p->ef = ef;
		p->eu = eu;
		fg->np++;
	}
	for (size_t k = 0; k < ax->nk; k++)
		free(v[k]);
	free(v);
	free(nv);
	set_free(ser, ns);
	return rc;
}

/* s as a gnuplot string in single quotes (which it cannot hold: '"'). */
static void put_gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		fputc(*s == '\'' ? '"' : *s, f);
	fputc('\'', f);
}

/* gnuplot's variables for the panels: np, ylab, ttl, xt (the kernels as x tics), and
 * d<i> t<i> n<i> ef<i> eu<i> l<i> for panel i = 1..np.  malloc'd. */
static char *panel_vars(const struct kaxis *ax, const struct kfig *fg, const char *ylabel,
			const char *title)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned rows = (fg->np + 1) / 2;

	if (!f)
		abort();
	fprintf(f, "nodata=%d; np=%u; nk=%zu; width=%u; height=%u; ylab=", fg->np == 0,
		fg->np, ax->nk, fg->np > 1 ? 1200 : 960, 120 + 380 * (rows ? rows : 1));
	put_gp_string(f, ylabel);
	fputs("; ttl=", f);
	put_gp_string(f, title);
	fputs("; xt='(", f);
	for (size_t k = 0; k < ax->nk; k++)
		fprintf(f, "%s\"%s\" %zu", k ? ", " : "", ax->kern[k], k);
	fputs(")'", f);
	for (unsigned i = 0; i < fg->np; i++) {
		const struct kpanel *p = &fg->p[i];

		fprintf(f, "; d%u='%s'; t%u=", i + 1, p->data, i + 1);
		put_gp_string(f, p->title);
		fprintf(f, "; n%u=%u; ef%u=%.6g; eu%u=%.6g; l%u='%s'", i + 1, p->nseries, i + 1, p->ef,
			i + 1, p->eu, i + 1, p->lts);
	}
	fclose(f);
	return buf;
}

/* The value suites.cfg expects of metric m for the runs of a tuple under a
 * family's policy; -1: none. */
static double expected(const struct kaxis *ax, const char *tuple, const char *m, const char *variant)
{
	struct metric_set x = { 0 };
	double v = -1;

	for (size_t i = 0; i < ax->n; i++)
		if (!strcmp(ax->r[i].tuple, tuple) && ax->r[i].vals.w) {
			compare_exact_metrics(ax->su, &ax->r[i].vals, suite_variant_policy(variant), &x);
			v = isnan(metric_get(&x, m)) ? -1 : metric_get(&x, m);
			metric_set_free(&x);
			break;
		}
	return v;
}

/* A count's figure: a panel per tuple whose count suites.cfg fixes. */
static int count_figure(struct plot_ctx *c, const struct kaxis *ax, struct kfig *fg, const char *m,
			const char *ylabel)
{
	char **tup = NULL, *vars, title[256];
	size_t nt = 0;
	int rc = 0;

	for (size_t i = 0; i < ax->n; i++)
		if (!isnan(metric_get(&c->ms[ax->r[i].i], m)))
			set_add(&tup, &nt, ax->r[i].tuple);
	if (nt)
		qsort(tup, nt, sizeof(*tup), str_cmp);
	for (size_t t = 0; t < nt && !rc; t++) {
		double ef = expected(ax, tup[t], m, "fixed"), eu = expected(ax, tup[t], m, "unfixed");

		if (ef < 0 && eu < 0)
			continue;	/* not a count the file fixes for this workload */
		rc = add_panels(c, ax, fg, m, tup[t], tup[t] + (strncmp(tup[t], "workload=", 9) ? 0 : 9),
				ef, eu, false);
	}
	set_free(tup, nt);
	if (rc)
		return rc;
	plot_fmt(title, sizeof(title), "%s; x: Debian kernel version, dpkg order; the mean of the "
		 "runs, the bar their min-max; grey: expected (workloads/suites.cfg)", m);
	vars = panel_vars(ax, fg, ylabel, title);
	rc = plot_figure(c, "kernel-trend.gp", fg->name, vars);
	free(vars);
	return rc;
}

/* The tuple most runs with metric m ran (the first in name order of those
 * with as many); NULL: none. */
static char *busiest_tuple(const struct plot_ctx *c, const struct kaxis *ax, const char *m)
{
	char *best = NULL;
	size_t nbest = 0;

	for (size_t i = 0; i < ax->n; i++) {
		size_t n = 0;

		if (isnan(metric_get(&c->ms[ax->r[i].i], m)))
			continue;
		for (size_t j = 0; j < ax->n; j++)
			n += !strcmp(ax->r[j].tuple, ax->r[i].tuple) && !isnan(metric_get(&c->ms[ax->r[j].i], m));
		if (n > nbest || (n == nbest && strcmp(ax->r[i].tuple, best) < 0)) {
			best = ax->r[i].tuple;
			nbest = n;
		}
	}
	return best;
}

/* The latencies' figure: p50 and p99 of each histogram, for the tuple that
 * most runs with it ran. */
static int latency_figure(struct plot_ctx *c, const struct kaxis *ax, struct kfig *fg)
{
	static const char *const hists[][2] = {
		{ "dpc_unmask_to_entry", "DPC delay" },
		{ "irq_latency", "interrupt latency" },
	};
	char m[80], title[COMPARE_TUPLE_LEN + 64], *vars;
	int rc = 0;

	for (size_t h = 0; h < 2 && !rc; h++)
		for (int q = 0; q < 2 && !rc; q++) {
			const char *tuple;

			plot_fmt(m, sizeof(m), "%s.%s", hists[h][0], q ? "p99" : "p50");
			tuple = busiest_tuple(c, ax, m);
			if (!tuple)
				continue;
			plot_fmt(title, sizeof(title), "%s %s (%s), %s", hists[h][1], q ? "p99" : "p50",
				 hists[h][0], tuple + (strncmp(tuple, "workload=", 9) ? 0 : 9));
			rc = add_panels(c, ax, fg, m, tuple, title, -1, -1, true);
		}
	if (rc)
		return rc;
	vars = panel_vars(ax, fg, "µs (TSC cycles / guest.tsc_hz of each run)",
			  "x: Debian kernel version, dpkg order; the median of the runs, the band their "
			  "min-max; emulated series: emulated time");
	rc = plot_figure(c, "kernel-latency.gp", fg->name, vars);
	free(vars);
	return rc;
}

/* The dashboard's section: the axis, and each figure with its caption. */
static char *section_html(const struct kaxis *ax, const struct kfig *fg, size_t nfig)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fputs("<h2 id=\"kernels\">By kernel version</h2>\n", f);
	if (!ax->nk)
		fputs("<p class=\"meta\">No plotted lab, kvm or guest run names its Debian kernel version "
		      "(the lab's <code>provenance.lab.kernel.debian_version</code>, else the host's "
		      "<code>provenance.host.kernel_package</code>): the figures below are placeholders. "
		      "The model and tcg ran on no kernel.</p>\n", f);
	else {
		fputs("<p class=\"meta\">The x axis: every Debian kernel version the plotted lab, kvm "
		      "and guest runs name (the lab's L1 kernel, else the host's), oldest left, in dpkg's "
		      "version order:</p>\n<ol id=\"kernel-axis\" class=\"kernels\">", f);
		for (size_t k = 0; k < ax->nk; k++) {
			fputs("<li>", f);
			cmp_html_escape(f, ax->kern[k]);
			fputs("</li>", f);
		}
		fputs("</ol>\n<p class=\"meta\">A series is a host, backend and variant (for the lab, "
		      "the host is L1's); <em>(emulated)</em> marks runs under QEMU's TCG (a lab whose "
		      "L1 runs under TCG, a host that does): their counts are kvm_amd's, their times "
		      "emulated. The model (simulated) and tcg ran on no kernel and are not on these "
		      "axes.</p>\n", f);
	}
	for (size_t i = 0; i < nfig; i++) {
		fprintf(f, "<figure id=\"plot-%s\" class=\"wide\"><a href=\"img/%s.svg\"><img src=\"img/%s.png\" "
			"alt=\"%s\"></a><figcaption>", fg[i].name, fg[i].name, fg[i].name, fg[i].name);
		fputs(fg[i].what, f);
		if (fg[i].left_out)
			fprintf(f, " %u panel(s) did not fit (at most %d a figure): narrow the runs with "
				"<code>--select</code>.", fg[i].left_out, KMAX_PANELS);
		if (fg[i].no_rate)
			fprintf(f, " %zu run value(s) left out: the record gives no <code>guest.tsc_hz</code>.",
				fg[i].no_rate);
		fprintf(f, " &middot; <a href=\"img/%s.svg\">SVG</a></figcaption></figure>\n", fg[i].name);
	}
	fclose(f);
	return buf;
}

int plot_kernel_figures(struct plot_ctx *c)
{
	struct kfig fg[] = {
		{ .name = "kernel-exits", .what =
		  "CR8-write exits per iteration (<code>exit.write_cr8/iter</code>) by kernel version, a "
		  "panel per workload and parameters, at most 6 series a panel: the mean of the runs, "
		  "the bar their min and max (a count <code>workloads/suites.cfg</code> fixes: every "
		  "run should give the same). Grey lines: the values the suites file expects of the "
		  "fixed and the fix-reverted (unfixed) family, which the model's policies reproduce." },
		{ .name = "kernel-late", .what =
		  "Late deliveries per iteration (<code>delivery.late/iter</code>: the interrupt an "
		  "unmasking CR8 write let through came after it) by kernel version, as above; grey "
		  "lines: the suites file's expectations." },
		{ .name = "kernel-latency", .what =
		  "DPC delay (<code>dpc_unmask_to_entry</code>: the unmasking CR8 write to the 0x2F "
		  "handler) and interrupt latency (<code>irq_latency</code>) p50 and p99 by kernel "
		  "version, in &micro;s (each run's TSC cycles by its own <code>guest.tsc_hz</code>), "
		  "for the workload and parameters most runs have: the line is the median of the "
		  "runs' p50 (p99), the band and bar their <strong>min&ndash;max</strong> over the runs; "
		  "log scale. Emulated series are emulated time." },
	};
	struct kaxis ax;
	int rc;

	kaxis_load(c, &ax);
	if ((rc = count_figure(c, &ax, &fg[0], "exit.write_cr8/iter", "CR8-write exits per iteration")) ||
	    (rc = count_figure(c, &ax, &fg[1], "delivery.late/iter", "late deliveries per iteration")) ||
	    (rc = latency_figure(c, &ax, &fg[2]))) {
		kaxis_free(&ax);
		return rc;
	}
	free(c->kernels_html);
	c->kernels_html = section_html(&ax, fg, sizeof(fg) / sizeof(fg[0]));
	kaxis_free(&ax);
	return 0;
}
