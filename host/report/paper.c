// SPDX-License-Identifier: MIT
/*
 * paper.c - `irqlbench report --paper DIR`: every figure and table of a
 * paper-style evaluation, from the store.
 *
 * Figures (plots/paper-*.gp), each as DIR/NAME.pdf (pdfcairo), NAME.svg,
 * NAME.png (pngcairo, 300 dpi) and DIR/latex/NAME.tex with its
 * DIR/latex/NAME.pdf (cairolatex: \input{latex/NAME} from a document in
 * DIR), one column wide (3.5 in):
 *   fig-exits-depth   CR8-write exits per iteration vs spinlock depth N: the
 *                     model's lines (labelled on the line), the measured
 *                     kvm_amd runs (lab, kvm) as markers, filled = fixed,
 *                     open = fix-reverted
 *   fig-cdf-dpc       DPC delay CDFs in microseconds, a panel per depth
 *   fig-cdf-irq       interrupt latency CDFs, a panel per depth
 *   fig-exit-reasons  exits by reason, horizontal bars: the measured
 *                     variants and one model reference
 *   fig-price-of-fix  per N, the fix's extra CR8-write exits x their
 *                     measured time against the DPC delay it saves (lab,
 *                     kvm, and the model with costs from a record)
 * Tables (booktabs): tab-exits.tex (the exit-count matrix), tab-intel-avic.tex
 * (the Intel and AVIC policies of the model vs N), tab-seed.tex (the seed
 * step table of the model, prefix and fixed), tab-price.tex (the price of
 * the fix per N and source).
 *
 * Real (kvm), emulated (lab whose L1 runs under TCG) and simulated (model)
 * numbers are told apart in every label: the model is always a reference
 * (lines, outlined bars, thin dashed CDFs).  A store without lab or kvm runs
 * gives the model-only figures, with a note in them and in DIR/NOTES.txt.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stage.h"
#include "cli/stopsig.h"
#include "cli/util.h"
#include "plot/plot.h"
#include "report/report.h"
#include "store/store_cmd.h"

#define MAX_DEPTH 8
#define MAX_SERIES 6		/* legend entries of a figure */

struct paper {
	struct store *s;
	const char *dir;		/* where the files are written: the staging
					 * folder of DIR (cli/stage.h), absolute */
	struct stage out;		/* DIR, absolute as out.real */
	char plot_dir[PATH_MAX];	/* absolute */
	struct run_list runs;
	struct metric_set *ms;
	double *tsc_hz;			/* per run; NAN when the record has none */
	char **costs_run;		/* per run: a model run's provenance.model.costs_from.run
					 * (model --costs-from), else NULL */
	bool *costs_emulated;		/* ... and whether that run's times were emulated */
	size_t nsel;			/* runs[0..nsel) the selection's; the rest the
					 * model's references (add_model_refs) */
	bool measured;			/* any lab or kvm run */
	bool emulated[2];		/* any lab, any kvm run in emulated time */
	FILE *notes;
};

static bool is_measured(const struct run_info *r)
{
	return !strcmp(r->backend, "lab") || !strcmp(r->backend, "kvm");
}

/* The model policies each measured family is compared with: the lab's fixed
 * build is l61 (else fixed, l72), its fix-reverted build unfixed (else
 * prefix): README "Honest numbers". */
static const char *const fixed_refs[] = { "l61", "fixed", "l72", NULL };
static const char *const unfixed_refs[] = { "unfixed", "prefix", NULL };

/* The first policy of refs the store has model runs of (for workload w). */
static const char *model_ref(const struct paper *p, const char *const *refs, const char *w)
{
	for (; *refs; refs++)
		for (size_t i = 0; i < p->runs.n; i++)
			if (!strcmp(p->runs.v[i].backend, "model") && p->runs.v[i].policy &&
			    !strcmp(p->runs.v[i].policy, *refs) && !strcmp(p->runs.v[i].workload, w))
				return *refs;
	return NULL;
}

static bool is_unfixed_variant(const char *v)
{
	return v && !strcmp(v, "unfixed");
}

/* A measured series' name: "lab fixed", "kvm fix-reverted". */
static void measured_label(const struct run_info *r, char *buf, size_t len)
{
	const char *v = store_run_series(r);

	plot_fmt(buf, len, "%s %s", r->backend, is_unfixed_variant(v) ? "fix-reverted" : v);
}

/*
 * Labels go into cairolatex's text too: s with what LaTeX treats specially
 * escaped by nbs backslashes (tex), and no quote that would end a gnuplot
 * string.  A data file's double-quoted column reads its escapes, so it
 * gets two ("write\\_cr8" reads as write\_cr8); a single-quoted string of
 * gnuplot -e none, so it gets one.
 */
static void label_text(char *buf, size_t len, const char *s, bool tex, int nbs)
{
	size_t n = 0;

	for (; *s && n + 4 < len; s++) {
		if (tex && strchr("_&%$#{}", *s))
			for (int i = 0; i < nbs; i++)
				buf[n++] = '\\';
		buf[n++] = *s == '\'' || *s == '"' ? '`' : *s;
	}
	buf[n] = '\0';
}

static void put_label(FILE *f, const char *s, bool tex)
{
	char buf[512];

	label_text(buf, sizeof(buf), s, tex, 2);
	plot_put_quoted(f, buf);
}

/* --- series ------------------------------------------------------------- */

/* A series of a figure: runs of one backend and policy/variant. */
struct series {
	char label[128];
	char backend[16], name[48];
	bool model, unfixed;
};

struct series_set {
	struct series v[MAX_SERIES];
	size_t n;
	size_t dropped;
};

static int series_find(struct series_set *ss, const struct run_info *r)
{
	for (size_t k = 0; k < ss->n; k++)
		if (!strcmp(ss->v[k].backend, r->backend) && !strcmp(ss->v[k].name, store_run_series(r)))
			return (int)k;
	return -1;
}

static void series_add(struct series_set *ss, const struct run_info *r)
{
	struct series *s;

	if (series_find(ss, r) >= 0)
		return;
	if (ss->n == MAX_SERIES) {
		ss->dropped++;
		return;
	}
	s = &ss->v[ss->n++];
	plot_fmt(s->backend, sizeof(s->backend), "%s", r->backend);
	plot_fmt(s->name, sizeof(s->name), "%s", store_run_series(r));
	s->model = !strcmp(r->backend, "model");
	s->unfixed = s->model ? !strcmp(s->name, "unfixed") || !strcmp(s->name, "prefix") :
		     is_unfixed_variant(s->name);
	if (s->model)
		plot_fmt(s->label, sizeof(s->label), "model %s (simulated)", s->name);
	else {
		measured_label(r, s->label, sizeof(s->label));
		strncat(s->label, r->emulated ? " (emulated)" : " (real)",
			sizeof(s->label) - strlen(s->label) - 1);
	}
}

/* The series of the figures that compare fixed with fix-reverted: every
 * measured backend:variant of workload w, then the model's two references.
 * The legend's limit (MAX_SERIES) keeps the references; further measured
 * series are counted in dropped (DIR/NOTES.txt says so). */
static void series_collect(const struct paper *p, const char *w, struct series_set *ss)
{
	const char *ref[2] = { model_ref(p, fixed_refs, w), model_ref(p, unfixed_refs, w) };
	size_t cap = MAX_SERIES - !!ref[0] - !!ref[1];

	memset(ss, 0, sizeof(*ss));
	/* fixed and fix-reverted first (the comparison), then the other
	 * variants (stock, patch=) */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->runs.n; i++) {
			const struct run_info *r = &p->runs.v[i];
			const char *v = store_run_series(r);

			if (!is_measured(r) || strcmp(r->workload, w) ||
			    (!strcmp(v, "fixed") || !strcmp(v, "unfixed")) != !pass)
				continue;
			if (series_find(ss, r) < 0 && ss->n == cap)
				ss->dropped++;	/* the model's references keep their place */
			else
				series_add(ss, r);
		}
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; ref[k] && i < p->runs.n; i++)
			if (!strcmp(p->runs.v[i].backend, "model") && p->runs.v[i].policy &&
			    !strcmp(p->runs.v[i].policy, ref[k])) {
				series_add(ss, &p->runs.v[i]);
				break;
			}
}

/* gnuplot words for the series' styles: colour (blue fixed, red
 * fix-reverted, green another variant such as stock; the lab's lighter),
 * dash (model dashed), point (filled fixed, open fix-reverted; lab
 * circles, kvm squares; another variant a filled triangle). */
static void series_styles(const struct series_set *ss, const char *pre, char *vars, size_t len)
{
	char lc[160] = "", dt[80] = "", pt[80] = "", lw[80] = "";

	for (size_t k = 0; k < ss->n; k++) {
		const struct series *s = &ss->v[k];
		/* a measured variant but fixed and fix-reverted (stock, patch=):
		 * green triangles, not drawn as the fixed build */
		bool other = !s->model && !s->unfixed && strcmp(s->name, "fixed");
		bool lab = !strcmp(s->backend, "lab");
		int pnt = other ? 9 : !strcmp(s->backend, "kvm") ? 5 : 7;

		pnt -= s->unfixed;	/* 4/6: the open square/circle */
		/* kvm (and the model) dark, the lab light: lines stay apart */
		plot_fmt(lc + strlen(lc), sizeof(lc) - strlen(lc), "%s%s", k ? " " : "",
			 other ? (lab ? "#98df8a" : "#2ca02c") :
			 lab ? (s->unfixed ? "#f4a582" : "#92c5de") :
			 s->unfixed ? "#d62728" : "#1f77b4");
		plot_fmt(dt + strlen(dt), sizeof(dt) - strlen(dt), "%s%d", k ? " " : "", s->model ? 2 : 1);
		plot_fmt(pt + strlen(pt), sizeof(pt) - strlen(pt), "%s%d", k ? " " : "", pnt);
		plot_fmt(lw + strlen(lw), sizeof(lw) - strlen(lw), "%s%s", k ? " " : "", s->model ? "1" : "2");
	}
	if (!ss->n) {	/* gnuplot parses an empty loop's options all the same */
		strcpy(lc, "#000000");
		strcpy(dt, "1");
		strcpy(pt, "7");
		strcpy(lw, "1");
	}
	plot_fmt(vars, len, "%slcs='%s'; %sdts='%s'; %spts='%s'; %slws='%s'", pre, lc, pre, dt, pre, pt,
	     pre, lw);
}

/* --- running a figure --------------------------------------------------- */

static const char *const fig_fmts[] = { "pdf", "svg", "png", "tex" };

/* Writes one data file per text flavour (tex: labels escaped for LaTeX). */
typedef int (*data_fn)(struct paper *p, FILE *f, bool tex, void *arg);

static int write_data(struct paper *p, const char *name, bool tex, data_fn fn, void *arg)
{
	char path[PATH_MAX];
	FILE *f;
	int rc;

	plot_fmt(path, sizeof(path), "%s/data/%s%s.dat", p->dir, name, tex ? "-tex" : "");
	f = fopen(path, "w");
	if (!f)
		return cli_error(EXIT_ENV, "report: cannot write %s: %s; choose another --paper DIR",
				 path, strerror(errno));
	fprintf(f, "# irqlbench report --paper data (%s), from %s\n", name, p->s->path);
	rc = fn(p, f, tex, arg);
	if (fclose(f) && !rc)
		rc = cli_error(EXIT_ENV, "report: cannot write %s; choose another --paper DIR", path);
	return rc;
}

/* The figure in the four formats; vars may use DATA, replaced here by the
 * data file of the format ('data/NAME.dat' or its -tex twin). */
static int run_figure(struct paper *p, const char *name, const char *script, double win,
		      double hin, data_fn fn, void *arg, const char *vars)
{
	int rc;

	for (int tex = 0; tex < 2; tex++)
		if ((rc = write_data(p, name, tex, fn, arg)))
			return rc;
	for (size_t i = 0; i < sizeof(fig_fmts) / sizeof(fig_fmts[0]); i++) {
		bool tex = !strcmp(fig_fmts[i], "tex");
		char out[PATH_MAX], v[4096];

		plot_fmt(out, sizeof(out), "%s%s.%s", tex ? "latex/" : "", name, tex ? "tex" : fig_fmts[i]);
		plot_fmt(v, sizeof(v), "win=%g; hin=%g; data='data/%s%s.dat'; %s", win, hin, name,
		     tex ? "-tex" : "", vars);
		rc = plot_gnuplot(p->plot_dir, script, fig_fmts[i], out, v, p->dir);
		if (rc)
			return rc;
	}
	fprintf(p->out.list, "figure %s/%s.pdf .svg .png latex/%s.tex\n", p->out.real, name, name);
	return 0;
}

/* "model only" note of a figure, '' when measured runs exist. */
static const char *note_of(const struct paper *p)
{
	return p->measured ? "" : "model only: no lab or kvm runs in the store";
}

/* --- (a) exits vs depth ------------------------------------------------- */

static double mean_at(const struct paper *p, const struct series *s, const char *w, int64_t depth,
		      const char *metric)
{
	double sum = 0;
	unsigned n = 0;

	for (size_t i = 0; i < p->runs.n; i++) {
		const struct run_info *r = &p->runs.v[i];
		double v = metric_get(&p->ms[i], metric);

		if (strcmp(r->workload, w) || strcmp(r->backend, s->backend) ||
		    strcmp(store_run_series(r), s->name) || isnan(v) ||
		    store_run_param(r, "depth", -1) != depth || store_run_param(r, "elide_same_level", 0))
			continue;
		sum += v;
		n++;
	}
	return n ? sum / n : NAN;
}

/* A measured series' x offset in fig-exits-depth: its place among the
 * measured series, 0.12 apart, centred on N. */
static double jitter(const struct series_set *ss, size_t k)
{
	size_t nmeas = 0, idx = 0;

	for (size_t j = 0; j < ss->n; j++)
		if (!ss->v[j].model) {
			idx += j < k;
			nmeas++;
		}
	return nmeas > 1 ? 0.12 * ((double)idx - (double)(nmeas - 1) / 2) : 0;
}

/* Blocks: the model lines first (nmodel), then the measured series; last a
 * block of the line labels ("x y text", at each model line's last point). */
static int data_depth(struct paper *p, FILE *f, bool tex, void *arg)
{
	const struct series_set *ss = arg;
	size_t block = 0;

	for (int model = 1; model >= 0; model--)
		for (size_t k = 0; k < ss->n; k++) {
			if (ss->v[k].model != model)
				continue;
			fprintf(f, "%s\"N\" ", block++ ? "\n\n" : "");
			put_label(f, ss->v[k].label, tex);
			fputc('\n', f);
			for (int d = 1; d <= MAX_DEPTH; d++) {
				double v = mean_at(p, &ss->v[k], "nested-spinlock", d, "exit.write_cr8/iter");

				/* measured markers side by side, so that equal
				 * values (stock and fixed) do not hide each other */
				if (!isnan(v))
					fprintf(f, "%.6g %.6g\n", d + (model ? 0 : jitter(ss, k)), v);
			}
		}
	fprintf(f, "%s\"x\" \"y\" \"label\" \"dy\"\n", block ? "\n\n" : "");
	for (size_t k = 0; k < ss->n; k++) {
		char lab[160];
		double v = NAN;
		int d;

		if (!ss->v[k].model)
			continue;
		for (d = MAX_DEPTH; d >= 1 && isnan(v); d--)
			v = mean_at(p, &ss->v[k], "nested-spinlock", d, "exit.write_cr8/iter");
		if (isnan(v))
			continue;
		plot_fmt(lab, sizeof(lab), "model %s (simulated)%s", ss->v[k].name,
		     ss->v[k].unfixed ? ", 1" : ", 2N-1");
		fprintf(f, "%d %.6g ", d + 1, v);
		put_label(f, lab, tex);
		fprintf(f, " %s\n", ss->v[k].unfixed ? "0.07" : "-0.08");
	}
	return 0;
}

static int fig_exits_depth(struct paper *p)
{
	struct series_set ss;
	char vars[1024], styles[600];
	size_t nmodel = 0;
	double ymax = 1;

	series_collect(p, "nested-spinlock", &ss);
	if (ss.dropped)
		fprintf(p->notes, "the figures show %d series at most: %zu measured run(s) of other "
			"backends or variants left out (--select chooses)\n", MAX_SERIES, ss.dropped);
	for (size_t k = 0; k < ss.n; k++) {
		nmodel += ss.v[k].model;
		for (int d = 1; d <= MAX_DEPTH; d++) {
			double v = mean_at(p, &ss.v[k], "nested-spinlock", d, "exit.write_cr8/iter");

			ymax = isnan(v) ? ymax : fmax(ymax, v);
		}
	}
	/* the styles of the model's blocks, then of the measured ones */
	{
		struct series_set sub[2] = { { .n = 0 }, { .n = 0 } };
		char mstyles[600];

		for (size_t k = 0; k < ss.n; k++)
			sub[ss.v[k].model].v[sub[ss.v[k].model].n++] = ss.v[k];
		series_styles(&sub[0], "", styles, sizeof(styles));
		series_styles(&sub[1], "m", mstyles, sizeof(mstyles));
		plot_fmt(vars, sizeof(vars), "nmodel=%zu; nmeas=%zu; ymax=%g; note='%s'; %s; %s", nmodel,
		     ss.n - nmodel, ymax, note_of(p), styles, mstyles);
	}
	/* the plot, the note, the key under it (an entry a line) */
	return run_figure(p, "fig-exits-depth", "paper-exits-depth.gp", 3.5,
			  2.4 + (p->measured ? 0 : 0.15) + 0.13 * (double)(ss.n - nmodel),
			  data_depth, &ss, vars);
}

/* --- (b) CDFs ----------------------------------------------------------- */

struct cdf_arg {
	const char *hist;
	struct series_set ss;
	int depths[MAX_DEPTH];
	size_t nd;
	double xmin, xmax;
	unsigned mixed_hz;
};

/* Whether a run at TSC rate v joins a merge whose first run set *hz (NAN:
 * none yet): one at another rate is counted in *mixed and left out. */
static bool rate_joins(double *hz, double v, unsigned *mixed)
{
	if (isnan(*hz))
		*hz = v;
	else if (fabs(v - *hz) > 1e-3 * *hz) {
		(*mixed)++;
		return false;
	}
	return true;
}

/* The series' histogram at depth d merged over its runs, in microseconds
 * (the runs' guest.tsc_hz; a run whose rate differs from the first is left
 * out and counted).  Returns the rate, NAN when there is nothing. */
static double cdf_hist(struct paper *p, struct cdf_arg *a, const struct series *s, int d,
		       struct merged_hist *h)
{
	double hz = NAN;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < p->runs.n; i++) {
		const struct run_info *r = &p->runs.v[i];

		/* the model's reference is the model with its own costs: runs
		 * with --costs-from simulate another host's times (they are the
		 * price-of-the-fix figure's) */
		if (strcmp(r->workload, "nested-spinlock") || strcmp(r->backend, s->backend) ||
		    strcmp(store_run_series(r), s->name) || store_run_param(r, "depth", -1) != d ||
		    store_run_param(r, "elide_same_level", 0) || isnan(p->tsc_hz[i]) ||
		    (s->model && p->costs_run[i]) || !rate_joins(&hz, p->tsc_hz[i], &a->mixed_hz))
			continue;
		store_run_hist(p->s, r->id, a->hist, h);
	}
	{
		char where[256];

		snprintf(where, sizeof(where), "report --paper %s, %s %s N=%d", a->hist, s->backend, s->name, d);
		merged_hist_warn(h, where);
	}
	return h->n > 0 ? hz : NAN;
}

/* Block (panel k, series j) is index k * nseries + j; an empty one holds a
 * NaN row so that the numbering stays. */
static int data_cdf(struct paper *p, FILE *f, bool tex, void *arg)
{
	struct cdf_arg *a = arg;
	size_t block = 0;

	for (size_t k = 0; k < a->nd; k++)
		for (size_t j = 0; j < a->ss.n; j++) {
			struct merged_hist h;
			double hz = cdf_hist(p, a, &a->ss.v[j], a->depths[k], &h);

			fprintf(f, "%s\"us\" ", block++ ? "\n\n" : "");
			put_label(f, a->ss.v[j].label, tex);
			fputc('\n', f);
			if (isnan(hz))
				fputs("1 NaN\n", f);
			else
				plot_cdf_block(f, &h, hz / 1e6);
			merged_hist_free(&h);
		}
	return 0;
}

static int fig_cdf(struct paper *p, const char *hist, const char *name, const char *what)
{
	struct cdf_arg a = { .hist = hist, .xmin = INFINITY, .xmax = 0 };
	char vars[2048], styles[600], depths[64] = "", title[256], lower[128];
	int rc;

	series_collect(p, "nested-spinlock", &a.ss);
	for (int d = 1; d <= MAX_DEPTH; d++) {
		bool any = false;

		for (size_t j = 0; j < a.ss.n; j++) {
			struct merged_hist h;
			double hz = cdf_hist(p, &a, &a.ss.v[j], d, &h);

			if (!isnan(hz)) {
				any = true;
				a.xmin = fmin(a.xmin, fmax(h.min, 1) / (hz / 1e6));
				a.xmax = fmax(a.xmax, (isfinite(h.max) ? h.max : h.bounds[h.nb - 1]) / (hz / 1e6));
			}
			merged_hist_free(&h);
		}
		if (any) {
			a.depths[a.nd++] = d;
			plot_fmt(depths + strlen(depths), sizeof(depths) - strlen(depths), "%s%d",
			     a.nd > 1 ? " " : "", d);
		}
	}
	/* a series without this histogram at any depth leaves the key */
	{
		struct series_set keep = { .n = 0 };

		for (size_t j = 0; j < a.ss.n; j++) {
			bool any = false;

			for (size_t k = 0; k < a.nd && !any; k++) {
				struct merged_hist h;

				any = !isnan(cdf_hist(p, &a, &a.ss.v[j], a.depths[k], &h));
				merged_hist_free(&h);
			}
			if (any)
				keep.v[keep.n++] = a.ss.v[j];
		}
		a.ss = keep;
	}
	a.mixed_hz = 0;
	if (!a.nd)
		a.xmin = 0.1, a.xmax = 1000;
	series_styles(&a.ss, "", styles, sizeof(styles));
	/* "DPC delay" stays so; "Interrupt latency" becomes "interrupt latency" */
	plot_fmt(lower, sizeof(lower), "%c%s", what[1] >= 'A' && what[1] <= 'Z' ? what[0] : what[0] | 0x20,
		 what + 1);
	/* the measured backends whose times are emulated (the lab under TCG,
	 * kvm on a TCG host), else the model's simulated time */
	plot_fmt(title, sizeof(title), "%s, CDF%s", what,
		 p->emulated[0] && p->emulated[1] ? " (lab, kvm: emulated time)" :
		 p->emulated[0] ? " (lab: emulated time)" : p->emulated[1] ? " (kvm: emulated time)" :
		 !p->measured ? " (simulated time)" : "");
	plot_fmt(vars, sizeof(vars), "title='%s'; what='%s'; depths='%s'; nseries=%zu; xmin=%g; "
		 "xmax=%g; note='%s'; %s", title, lower, depths, a.ss.n, a.xmin / 1.5, a.xmax * 1.5,
		 note_of(p), styles);
	/* the key's names, as text and as LaTeX */
	for (size_t j = 0; j < a.ss.n; j++) {
		char t[256], tt[256];

		label_text(t, sizeof(t), a.ss.v[j].label, false, 0);
		label_text(tt, sizeof(tt), a.ss.v[j].label, true, 1);
		plot_fmt(vars + strlen(vars), sizeof(vars) - strlen(vars), "; t%zu='%s'; t%zutex='%s'",
			 j + 1, t, j + 1, tt);
	}
	/* the panels' rows, the key's (an entry a line), title and note */
	rc = run_figure(p, name, "paper-cdf.gp", 3.5,
			0.95 * (double)(a.nd > 1 ? (a.nd + 1) / 2 : 1) + 0.98 +
			0.13 * (double)a.ss.n + (p->measured ? 0 : 0.14), data_cdf, &a, vars);
	if (a.mixed_hz)
		fprintf(p->notes, "%s: %u runs left out: their guest.tsc_hz differs from their series' "
			"first run\n", name, a.mixed_hz / 2);
	return rc;
}

/* --- (c) exits by reason ------------------------------------------------ */

struct reasons_arg {
	struct series_set ss;
	int depth;
	char reasons[16][48];
	size_t nr;
};

static int data_reasons(struct paper *p, FILE *f, bool tex, void *arg)
{
	struct reasons_arg *a = arg;

	fputs("\"reason\"", f);
	for (size_t j = 0; j < a->ss.n; j++) {
		fputc(' ', f);
		put_label(f, a->ss.v[j].label, tex);
	}
	fputc('\n', f);
	for (size_t r = 0; r < a->nr; r++) {
		char mn[80];

		put_label(f, a->reasons[r], tex);
		plot_fmt(mn, sizeof(mn), "exit.%s/iter", a->reasons[r]);
		for (size_t j = 0; j < a->ss.n; j++) {
			double v = mean_at(p, &a->ss.v[j], "nested-spinlock", a->depth, mn);

			fprintf(f, " %.6g", isnan(v) ? 0 : v);
		}
		fputc('\n', f);
	}
	return 0;
}

static int fig_exit_reasons(struct paper *p)
{
	struct reasons_arg a = { .depth = 0 };
	struct series_set all;
	char vars[1024], styles[600], title[160];
	const char *ref;

	series_collect(p, "nested-spinlock", &all);
	/* the depth: the smallest of 2.. the measured runs have, else 2 */
	for (int d = 2; d <= MAX_DEPTH && !a.depth; d++)
		for (size_t k = 0; k < all.n && !a.depth; k++)
			if (!all.v[k].model && !isnan(mean_at(p, &all.v[k], "nested-spinlock", d, "exit.total/iter")))
				a.depth = d;
	if (!a.depth)
		a.depth = 2;
	/* the measured series, and one model reference (both families when
	 * nothing was measured) */
	ref = model_ref(p, fixed_refs, "nested-spinlock");
	for (size_t k = 0; k < all.n; k++)
		if (!isnan(mean_at(p, &all.v[k], "nested-spinlock", a.depth, "exit.total/iter")) &&
		    (!all.v[k].model || !p->measured || (ref && !strcmp(all.v[k].name, ref))))
			a.ss.v[a.ss.n++] = all.v[k];
	/* the reasons any of them has, but the total */
	for (size_t i = 0; i < p->runs.n; i++) {
		int k = series_find(&a.ss, &p->runs.v[i]);

		if (k < 0 || strcmp(p->runs.v[i].workload, "nested-spinlock") ||
		    store_run_param(&p->runs.v[i], "depth", -1) != a.depth)
			continue;
		for (size_t j = 0; j < p->ms[i].n; j++) {
			const char *mn = p->ms[i].v[j].name;
			size_t len = strlen(mn), r;

			if (strncmp(mn, "exit.", 5) || len < 10 || strcmp(mn + len - 5, "/iter") ||
			    !strcmp(mn, "exit.total/iter") || p->ms[i].v[j].v <= 0)
				continue;
			for (r = 0; r < a.nr; r++)
				if (!strncmp(a.reasons[r], mn + 5, len - 10) && !a.reasons[r][len - 10])
					break;
			if (r == a.nr && a.nr < 16)
				plot_fmt(a.reasons[a.nr++], sizeof(a.reasons[0]), "%.*s", (int)(len - 10), mn + 5);
		}
	}
	series_styles(&a.ss, "", styles, sizeof(styles));
	plot_fmt(title, sizeof(title), "Exits by reason, nested-spinlock N=%d", a.depth);
	/* which series are the model's (outlined bars) */
	{
		char models[32] = "0";

		for (size_t k = 0; k < a.ss.n; k++)
			plot_fmt(models + (k ? strlen(models) : 0), sizeof(models) - (k ? strlen(models) : 0),
			     "%s%d", k ? " " : "", a.ss.v[k].model);
		plot_fmt(vars, sizeof(vars), "title='%s'; nseries=%zu; nreasons=%zu; note='%s'; "
		     "models='%s'; %s", title, a.ss.n, a.nr, note_of(p), models, styles);
	}
	return run_figure(p, "fig-exit-reasons", "paper-exit-reasons.gp", 3.5,
			  1.0 + 0.05 * (double)(a.nr * (a.ss.n ? a.ss.n : 1)) + 0.12 * (double)a.nr +
			  0.15 * (double)a.ss.n + (p->measured ? 0 : 0.15),
			  data_reasons, &a, vars);
}

/* --- (d) tables --------------------------------------------------------- */

static FILE *open_table(struct paper *p, const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	plot_fmt(path, sizeof(path), "%s/%s", p->dir, name);
	f = fopen(path, "w");
	if (!f)
		cli_error(EXIT_ENV, "report: cannot write %s: %s; choose another --paper DIR", path,
			  strerror(errno));
	return f;
}

static int close_table(struct paper *p, FILE *f, const char *name)
{
	if (fclose(f))
		return cli_error(EXIT_ENV, "report: cannot write %s/%s", p->dir, name);
	fprintf(p->out.list, "table %s/%s\n", p->out.real, name);
	return 0;
}

/* The Intel and AVIC policies of the model: CR8-related exits (write_cr8 and
 * TPR_BELOW_THRESHOLD) per iteration vs N, "late" where the DPC waited. */
static const char *const intel_avic[] = {
	"vmx-tpr", "vmx-411", "vmx-72", "apicv", "avic", "avic-617", "avic-70",
};

static int tab_exits(struct paper *p, const struct run_filter *flt)
{
	struct matrix m;
	char err[1024];
	FILE *f;

	if (matrix_build(p->s, flt, "exit.write_cr8/iter", &m, err, sizeof(err)))
		return cli_error(EXIT_STORE, "%s", err);
	/* the Intel and AVIC policies have their own table (no write_cr8
	 * exits), and a column or row without a number (tcg) says nothing */
	for (size_t c = m.nc; c-- > 0;) {
		bool drop = true;

		for (size_t r = 0; r < m.nr; r++)
			drop &= !m.n[r * m.nc + c];
		for (size_t k = 0; k < sizeof(intel_avic) / sizeof(intel_avic[0]); k++)
			drop |= !strncmp(m.cols[c], "model:", 6) && !strcmp(m.cols[c] + 6, intel_avic[k]);
		if (drop)
			matrix_drop_col(&m, c);
	}
	for (size_t r = m.nr; r-- > 0;) {
		bool drop = true;

		for (size_t c = 0; c < m.nc; c++)
			drop &= !m.n[r * m.nc + c];
		if (drop)
			matrix_drop_row(&m, r);
	}
	f = open_table(p, "tab-exits.tex");
	if (!f) {
		matrix_free(&m);
		return EXIT_ENV;
	}
	matrix_print(f, &m, "CR8-write exits per iteration (exit.write_cr8/iter): kvm real, lab "
		     "real kvm_amd, model simulated (its Intel and AVIC policies: the next table)", "latex");
	matrix_free(&m);
	return close_table(p, f, "tab-exits.tex");
}

static int tab_intel_avic(struct paper *p)
{
	bool have[sizeof(intel_avic) / sizeof(intel_avic[0])] = { false };
	size_t ncol = 0;
	FILE *f = open_table(p, "tab-intel-avic.tex");

	if (!f)
		return EXIT_ENV;
	for (size_t c = 0; c < sizeof(intel_avic) / sizeof(intel_avic[0]); c++)
		for (size_t i = 0; i < p->runs.n && !have[c]; i++)
			if (!strcmp(p->runs.v[i].backend, "model") && p->runs.v[i].policy &&
			    !strcmp(p->runs.v[i].policy, intel_avic[c]) &&
			    !strcmp(p->runs.v[i].workload, "nested-spinlock"))
				ncol += have[c] = true;
	fprintf(f, "%% Intel and AVIC policies of the model (irqlbench report --paper; needs "
		"\\usepackage{booktabs})\n\\begin{table}[t]\n\\centering\n\\small\n"
		"\\caption{CR8-related exits per iteration of nested-spinlock (write\\_cr8 and "
		"TPR\\_BELOW\\_THRESHOLD), model, simulated; late: the DPC waited for another exit}\n"
		"\\begin{tabular}{l");
	for (size_t c = 0; c < ncol; c++)
		fputc('r', f);
	fprintf(f, "}\n\\toprule\n$N$");
	for (size_t c = 0; c < sizeof(intel_avic) / sizeof(intel_avic[0]); c++)
		if (have[c])
			fprintf(f, " & %s", intel_avic[c]);
	fprintf(f, " \\\\\n\\midrule\n");
	for (int d = 1; d <= MAX_DEPTH && ncol; d++) {
		fprintf(f, "%d", d);
		for (size_t c = 0; c < sizeof(intel_avic) / sizeof(intel_avic[0]); c++) {
			struct series s = { .model = true };
			double w, t, late;

			if (!have[c])
				continue;
			plot_fmt(s.backend, sizeof(s.backend), "model");
			plot_fmt(s.name, sizeof(s.name), "%s", intel_avic[c]);
			w = mean_at(p, &s, "nested-spinlock", d, "exit.write_cr8/iter");
			t = mean_at(p, &s, "nested-spinlock", d, "exit.TPR_BELOW_THRESHOLD/iter");
			late = mean_at(p, &s, "nested-spinlock", d, "delivery.late/iter");
			if (isnan(w) && isnan(t))
				fprintf(f, " & --");
			else
				fprintf(f, " & %.3g%s", (isnan(w) ? 0 : w) + (isnan(t) ? 0 : t),
					late > 0 ? " late" : "");
		}
		fprintf(f, " \\\\\n");
	}
	if (!ncol)
		fprintf(f, "\\multicolumn{1}{l}{no Intel or AVIC model runs in the store} \\\\\n");
	fprintf(f, "\\bottomrule\n\\end{tabular}\n\\end{table}\n");
	return close_table(p, f, "tab-intel-avic.tex");
}

/*
 * The seed step table: `irqlbench model --workload seed-table --trace
 * --format latex` for prefix and fixed (one measured iteration), its
 * discussion tables (host/model/trace_fmt.c) given booktabs rules.
 */
static int tab_seed(struct paper *p)
{
	char cmd[PATH_MAX * 2 + 256], exe[PATH_MAX], line[1024], tmp[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int in = 0, rules = 0, tables = 0, st;
	FILE *pipe, *f;

	if (n <= 0)
		return cli_error(EXIT_ENV, "report: cannot find the irqlbench command (/proc/self/exe)");
	exe[n] = '\0';
	plot_fmt(tmp, sizeof(tmp), "%s/data/seed-model", p->dir);
	plot_fmt(cmd, sizeof(cmd), "'%s' model -q --workload seed-table --param iterations=1 "
	     "--param warmup=0 --policy prefix,fixed --trace --format latex --out-dir '%s'", exe, tmp);
	f = open_table(p, "tab-seed.tex");
	if (!f)
		return EXIT_ENV;
	pipe = popen(cmd, "r");
	if (!pipe) {
		fclose(f);
		return cli_error(EXIT_ENV, "report: cannot run '%s': %s", cmd, strerror(errno));
	}
	fprintf(f, "%% the seed step table: the upstream discussion's rows against the model "
		"(irqlbench model --workload seed-table --policy prefix,fixed --trace --format latex;\n"
		"%% needs \\usepackage{booktabs})\n");
	while (fgets(line, sizeof(line), pipe)) {
		const char *pol = strstr(line, "% the upstream discussion's table, policy ");

		if (pol) {
			char name[32] = "";

			sscanf(pol + 42, "%31s", name);
			fprintf(f, "\\begin{table*}[t]\n\\centering\n\\small\n\\caption{The seed step "
				"table, policy %s (model, simulated): the discussion's state after each "
				"row and the model's; differs: the kernel's CR8-write intercept is not "
				"the discussion's}\n", name);
			in = 1;
			rules = 0;
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, "\\hline", 6)) {
			fputs(rules++ == 0 ? "\\toprule\n" : rules == 2 ? "\\midrule\n" : "\\bottomrule\n", f);
			continue;
		}
		if (line[0] == '\n')
			continue;
		fputs(line, f);
		if (!strncmp(line, "\\end{tabular}", 13)) {
			fputs("\\end{table*}\n\n", f);
			in = 0;
			tables++;
		}
	}
	st = pclose(pipe);
	if (st != 0 || tables != 2) {
		fclose(f);
		return cli_error(EXIT_ENV, "report: the model's seed step table failed (%s gave %d "
				 "tables, status %d)", cmd, tables, st);
	}
	return close_table(p, f, "tab-seed.tex");
}

/* --- (e) the price of the fix ------------------------------------------ */

/*
 * Per spinlock depth N of nested-spinlock, what the fix costs and what it
 * saves, per DPC (an iteration queues one):
 *   cost   the extra CR8-write exits (fixed minus fix-reverted write_cr8 per
 *          iteration) times their mean handling time in the fixed runs
 *          (exit_ns.write_cr8.mean: kvm_exit to kvm_entry)
 *   saved  the DPC delay the fix removes: the fix-reverted runs' median
 *          unmask-to-entry time minus the fixed runs' (dpc_unmask_to_entry
 *          merged over the runs, p50 as its bucket's upper bound, ns by each
 *          run's guest.tsc_hz)
 * for each measured backend (lab, kvm: variants fixed and unfixed) and for
 * the model runs whose costs came from a record (model --costs-from:
 * policies l61/fixed/l72 against unfixed/prefix, one costs source).
 */
struct price_src {
	char label[160];
	char backend[16];
	bool model, emulated;
	const char *fixed, *unfixed;	/* model: the policies */
	const char *costs_run;		/* model: the record its costs came from */
	bool costs_emulated;		/* model: that record's times were emulated */
};

struct price_row {
	double extra, cost_ns, extra_ns;	/* NAN: no runs */
	double dpc_ns[2];			/* [0] fixed, [1] fix-reverted: p50 */
	double late;				/* fix-reverted late deliveries per DPC */
	double saved_ns;			/* 0 where late is 0 */
};

struct price_arg {
	struct price_src src[3];
	size_t n;
	struct price_row row[3][MAX_DEPTH + 1];
	unsigned mixed_hz;
};

static bool price_run(const struct paper *p, const struct price_src *src, size_t i, int d,
		      bool unfixed)
{
	const struct run_info *r = &p->runs.v[i];

	/* the selection's runs only: the price is a measurement of them */
	if (i >= p->nsel || strcmp(r->workload, "nested-spinlock") || strcmp(r->backend, src->backend) ||
	    store_run_param(r, "depth", -1) != d || store_run_param(r, "elide_same_level", 0) ||
	    store_run_param(r, "dpc", 1) != 1)
		return false;
	if (src->model)
		return r->policy && !strcmp(r->policy, unfixed ? src->unfixed : src->fixed) &&
		       p->costs_run[i] && !strcmp(p->costs_run[i], src->costs_run);
	return !strcmp(store_run_series(r), unfixed ? "unfixed" : "fixed");
}

/* The mean of metric over the runs of src at depth d (one side). */
static double price_mean(const struct paper *p, const struct price_src *src, int d, bool unfixed,
			 const char *metric)
{
	double sum = 0;
	unsigned n = 0;

	for (size_t i = 0; i < p->runs.n; i++) {
		double v = metric_get(&p->ms[i], metric);

		if (price_run(p, src, i, d, unfixed) && !isnan(v)) {
			sum += v;
			n++;
		}
	}
	return n ? sum / n : NAN;
}

/* The median DPC unmask-to-entry time of one side, ns (NAN: none). */
static double price_dpc(struct paper *p, struct price_arg *a, const struct price_src *src, int d,
			bool unfixed)
{
	struct merged_hist h;
	double hz = NAN, v = NAN;

	memset(&h, 0, sizeof(h));
	for (size_t i = 0; i < p->runs.n; i++) {
		if (!price_run(p, src, i, d, unfixed) || isnan(p->tsc_hz[i]) ||
		    !rate_joins(&hz, p->tsc_hz[i], &a->mixed_hz))
			continue;
		store_run_hist(p->s, p->runs.v[i].id, "dpc_unmask_to_entry", &h);
	}
	if (h.n > 0)
		v = merged_hist_quantile(&h, 0.5) * 1e9 / hz;
	merged_hist_free(&h);
	return v;
}

static bool price_has(const struct paper *p, const struct price_src *src)
{
	for (int d = 1; d <= MAX_DEPTH; d++) {
		bool side[2] = { false, false };

		for (size_t i = 0; i < p->runs.n; i++)
			for (int u = 0; u < 2; u++)
				side[u] |= price_run(p, src, i, d, u);
		if (side[0] && side[1])
			return true;
	}
	return false;
}

/* The sources the store has: the model with measured costs, lab, kvm. */
static void price_sources(struct paper *p, struct price_arg *a)
{
	static const char *const measured[] = { "lab", "kvm" };

	/* the model: the first fixed-family policy run with --costs-from, its
	 * costs source and the first fix-reverted policy run with the same */
	for (const char *const *fx = fixed_refs; *fx && !a->n; fx++)
		for (size_t i = 0; i < p->nsel && !a->n; i++) {
			const struct run_info *r = &p->runs.v[i];

			if (strcmp(r->backend, "model") || !r->policy || strcmp(r->policy, *fx) ||
			    !p->costs_run[i] || strcmp(r->workload, "nested-spinlock"))
				continue;
			for (const char *const *ux = unfixed_refs; *ux && !a->n; ux++) {
				struct price_src *s = &a->src[0];

				memset(s, 0, sizeof(*s));
				plot_fmt(s->backend, sizeof(s->backend), "model");
				s->model = true;
				s->fixed = *fx;
				s->unfixed = *ux;
				s->costs_run = p->costs_run[i];
				s->costs_emulated = p->costs_emulated[i];
				if (price_has(p, s)) {
					plot_fmt(s->label, sizeof(s->label), "model %s, simulated",
						 *fx);
					a->n = 1;
				}
			}
		}
	for (size_t b = 0; b < 2; b++) {
		struct price_src *s = &a->src[a->n];

		memset(s, 0, sizeof(*s));
		plot_fmt(s->backend, sizeof(s->backend), "%s", measured[b]);
		if (!price_has(p, s))
			continue;
		s->emulated = p->emulated[b];
		plot_fmt(s->label, sizeof(s->label), "%s, %s", measured[b],
			 s->emulated ? "emulated" : "real");
		a->n++;
	}
	for (size_t k = 0; k < a->n; k++)
		for (int d = 1; d <= MAX_DEPTH; d++) {
			struct price_row *w = &a->row[k][d];
			const struct price_src *s = &a->src[k];

			w->extra = price_mean(p, s, d, false, "exit.write_cr8/iter") -
				   price_mean(p, s, d, true, "exit.write_cr8/iter");
			w->cost_ns = price_mean(p, s, d, false, "exit_ns.write_cr8.mean");
			w->extra_ns = w->extra * w->cost_ns;
			w->dpc_ns[0] = price_dpc(p, a, s, d, false);
			w->dpc_ns[1] = price_dpc(p, a, s, d, true);
			/* where the fix-reverted kernel delivered every DPC at once
			 * (N = 1) the two medians differ by noise only: nothing saved */
			w->late = price_mean(p, s, d, true, "delivery.late/iter");
			w->saved_ns = w->late > 0 ? w->dpc_ns[1] - w->dpc_ns[0] :
				      isnan(w->late) ? NAN : 0;
		}
}

/* A line's name in the key and the data: "exit cost: lab, emulated". */
static void price_label(const struct price_arg *a, size_t k, int saved, char *buf, size_t len)
{
	plot_fmt(buf, len, "%s: %s", saved ? "delay saved" : "exit cost", a->src[k].label);
}

/* Blocks: per source, its cost line then its saving line (us). */
static int data_price(struct paper *p, FILE *f, bool tex, void *arg)
{
	const struct price_arg *a = arg;
	size_t block = 0;

	(void)p;
	for (size_t k = 0; k < a->n; k++)
		for (int side = 0; side < 2; side++) {
			char lab[224];
			bool any = false;

			price_label(a, k, side, lab, sizeof(lab));
			fprintf(f, "%s\"N\" ", block++ ? "\n\n" : "");
			put_label(f, lab, tex);
			fputc('\n', f);
			for (int d = 1; d <= MAX_DEPTH; d++) {
				double v = side ? a->row[k][d].saved_ns : a->row[k][d].extra_ns;

				if (isfinite(v) && v > 0) {
					fprintf(f, "%d %.6g\n", d, v / 1e3);
					any = true;
				}
			}
			if (!any)	/* the block keeps its number */
				fputs("1 NaN\n", f);
		}
	if (!block)
		fputs("\"N\" \"none\"\n1 NaN\n", f);
	return 0;
}

static void price_cell(FILE *f, double v, const char *fmt)
{
	if (isfinite(v))
		fprintf(f, fmt, v);
	else
		fputs(" & --", f);
}

static int tab_price(struct paper *p, const struct price_arg *a)
{
	FILE *f = open_table(p, "tab-price.tex");

	if (!f)
		return EXIT_ENV;
	fprintf(f, "%% the price of the fix (irqlbench report --paper; needs \\usepackage{booktabs})\n"
		"\\begin{table*}[t]\n\\centering\n\\small\n\\caption{The price of the fix per DPC "
		"(one an iteration of nested-spinlock): the extra CR8-write exits of the fixed kernel "
		"times their mean handling time (kvm\\_exit to kvm\\_entry), against the DPC delay it "
		"saves (median unmask-to-entry time, fix-reverted minus fixed; medians are bucket "
		"bounds, within 6\\%%; 0 where the fix-reverted kernel delivered every DPC at once, "
		"as at $N = 1$). Times in $\\mu$s");
	for (size_t k = 0; k < a->n; k++)
		if (a->src[k].model)
			fprintf(f, "; the model's are simulated with the exit costs measured in run %s%s",
				a->src[k].costs_run, a->src[k].costs_emulated ?
				", whose times are emulated (not a real host's)" : "");
		else if (a->src[k].emulated)
			fprintf(f, "; the %s's are emulated time (its L1 runs under TCG), not a real "
				"host's", a->src[k].backend);
	fprintf(f, "}\n\\begin{tabular}{llrrrrrrr}\n\\toprule\n$N$ & source & extra exits & exit "
		"cost & extra time & DPC delay & DPC delay & saved & saved / \\\\\n & & per DPC & "
		"($\\mu$s) & ($\\mu$s) & fix-reverted & fixed & ($\\mu$s) & extra time \\\\\n"
		"\\midrule\n");
	for (int d = 1; d <= MAX_DEPTH; d++)
		for (size_t k = 0; k < a->n; k++) {
			const struct price_row *w = &a->row[k][d];
			char src[200];

			if (isnan(w->extra) && isnan(w->dpc_ns[0]))
				continue;
			label_text(src, sizeof(src), a->src[k].model ? "model (simulated)" :
				   a->src[k].emulated ? (strcmp(a->src[k].backend, "lab") ? "kvm (emulated)" :
				   "lab (emulated)") : a->src[k].backend, true, 1);
			fprintf(f, "%d & %s", d, src);
			price_cell(f, w->extra, " & %.3g");
			price_cell(f, w->cost_ns / 1e3, " & %.3g");
			price_cell(f, w->extra_ns / 1e3, " & %.3g");
			price_cell(f, w->dpc_ns[1] / 1e3, " & %.4g");
			price_cell(f, w->dpc_ns[0] / 1e3, " & %.4g");
			price_cell(f, w->saved_ns / 1e3, " & %.4g");
			price_cell(f, w->extra_ns > 0 ? w->saved_ns / w->extra_ns : NAN, " & %.3g");
			fputs(" \\\\\n", f);
		}
	if (!a->n)
		fprintf(f, "\\multicolumn{9}{l}{no nested-spinlock runs of both fixed and "
			"fix-reverted with exit times (lab, kvm, or model --costs-from)} \\\\\n");
	fprintf(f, "\\bottomrule\n\\end{tabular}\n\\end{table*}\n");
	return close_table(p, f, "tab-price.tex");
}

static int price_of_fix(struct paper *p)
{
	struct price_arg a;
	char vars[2048], lc[160] = "";
	bool emul = false, sim = false;
	unsigned npts = 0;
	int rc;

	memset(&a, 0, sizeof(a));
	price_sources(p, &a);
	for (size_t k = 0; k < a.n; k++) {
		/* a colour a source: the model dark grey, the lab light blue,
		 * kvm dark blue */
		plot_fmt(lc + strlen(lc), sizeof(lc) - strlen(lc), "%s%s", k ? " " : "",
			 a.src[k].model ? "#555555" : !strcmp(a.src[k].backend, "lab") ? "#4a90c2" :
			 "#1f3f7f");
		emul |= a.src[k].emulated;
		sim |= a.src[k].model;
	}
	if (!a.n) {
		fprintf(p->notes, "fig-price-of-fix, tab-price.tex: no nested-spinlock runs of both "
			"fixed and fix-reverted with exit times (lab, kvm, or model --costs-from RECORD)\n");
		strcpy(lc, "#000000");
	}
	/* a source without a time at any N (records without exit times)
	 * stays in the table; the figure needs one point at least */
	for (size_t k = 0; k < a.n; k++)
		for (int d = 1; d <= MAX_DEPTH; d++)
			npts += (isfinite(a.row[k][d].extra_ns) && a.row[k][d].extra_ns > 0) +
				(isfinite(a.row[k][d].saved_ns) && a.row[k][d].saved_ns > 0);
	plot_fmt(vars, sizeof(vars), "nsrc=%zu; npts=%u; lcs='%s'; title='Price of the fix per DPC%s'",
		 npts ? a.n : 0, npts, lc, emul ? " (emulated time)" : sim ? " (simulated time)" : "");
	for (size_t k = 0; k < 2 * a.n; k++) {
		char l[224], t[256], tt[256];

		price_label(&a, k / 2, k % 2, l, sizeof(l));
		label_text(t, sizeof(t), l, false, 0);
		label_text(tt, sizeof(tt), l, true, 1);
		plot_fmt(vars + strlen(vars), sizeof(vars) - strlen(vars), "; t%zu='%s'; t%zutex='%s'",
			 k + 1, t, k + 1, tt);
	}
	rc = run_figure(p, "fig-price-of-fix", "paper-price.gp", 3.5,
			2.4 + 0.14 * (double)(2 * a.n), data_price, &a, vars);
	if (!rc)
		rc = tab_price(p, &a);
	if (a.mixed_hz)
		fprintf(p->notes, "fig-price-of-fix: %u runs left out: their guest.tsc_hz differs from "
			"their side's first run\n", a.mixed_hz);
	return rc;
}

/* --- command ------------------------------------------------------------ */

/* A run's guest.tsc_hz (NAN: none) and, for a model run with --costs-from,
 * the run its costs came from (malloc'd, else NULL) and whether that run's
 * times were emulated. */
static double run_facts(struct store *s, const char *id, char **costs_run, bool *costs_emulated)
{
	json_t *rec = store_run_record(s, id, NULL, 0);
	json_t *hz = rec ? json_object_get(json_object_get(rec, "guest"), "tsc_hz") : NULL;
	json_t *cf = json_object_get(json_object_get(json_object_get(rec, "provenance"), "model"),
				     "costs_from");
	const char *cr = json_string_value(json_object_get(cf, "run"));
	double v = json_is_number(hz) ? json_number_value(hz) : NAN;

	*costs_run = cr ? strdup(cr) : NULL;
	*costs_emulated = json_is_true(json_object_get(cf, "emulated"));
	json_decref(rec);
	return v > 0 ? v : NAN;
}

/*
 * The model is every figure's reference: a selection without model runs
 * (--select backend=lab, kernel=...) gets the store's model runs added to
 * runs, their number in *nrefs.  0, or EXIT_STORE after one line.
 */
static int add_model_refs(struct store *s, const struct run_filter *flt, struct run_list *runs,
			  size_t *nrefs)
{
	struct run_filter mf;
	struct run_list more = { 0 };
	char err[1024];

	*nrefs = 0;
	for (size_t i = 0; i < runs->n; i++)
		if (!strcmp(runs->v[i].backend, "model"))
			return 0;
	if (!flt->n)
		return 0;	/* the whole store has none */
	filter_init(&mf);
	mf.include_failed = flt->include_failed;
	if (filter_add(&mf, "backend", "model", err, sizeof(err)) ||
	    store_select(s, &mf, &more, err, sizeof(err))) {
		filter_free(&mf);
		return cli_error(EXIT_STORE, "%s", err);
	}
	filter_free(&mf);
	if (more.n) {
		struct run_info *v = realloc(runs->v, (runs->n + more.n) * sizeof(*v));

		if (!v)
			abort();
		memcpy(v + runs->n, more.v, more.n * sizeof(*v));
		runs->v = v;
		runs->n += more.n;
		runs->cap = runs->n;
		*nrefs = more.n;
		more.n = 0;	/* the strings moved */
	}
	store_run_list_free(&more);
	return 0;
}

/*
 * Everything is written into DIR's staging folder (cli/stage.h) and put in
 * place only when every figure and table is there: a run that fails (no
 * gnuplot, a figure that fails, DIR or a folder in it that cannot be
 * written) leaves DIR as it was.
 */
int report_paper(struct store *s, const struct run_filter *flt, const char *dir)
{
	struct paper p = { .s = s };
	char path[PATH_MAX], err[1024];
	size_t nrefs = 0;
	int rc;

	if ((rc = plot_find_dir(path, sizeof(path))))
		return rc;
	if (!realpath(path, p.plot_dir))
		return cli_error(EXIT_ENV, "report: %s: %s", path, strerror(errno));
	if (store_select(s, flt, &p.runs, err, sizeof(err)))
		return cli_error(EXIT_STORE, "%s", err);
	if (flt->n && !p.runs.n) {
		store_run_list_free(&p.runs);
		return cli_error(EXIT_USAGE, "report: --select selects no run of %s: see 'irqlbench results list' for what it holds",
				 s->path);
	}
	p.nsel = p.runs.n;
	if ((rc = add_model_refs(s, flt, &p.runs, &nrefs))) {
		store_run_list_free(&p.runs);
		return rc;
	}
	p.ms = calloc(p.runs.n + 1, sizeof(*p.ms));
	p.tsc_hz = calloc(p.runs.n + 1, sizeof(*p.tsc_hz));
	p.costs_run = calloc(p.runs.n + 1, sizeof(*p.costs_run));
	p.costs_emulated = calloc(p.runs.n + 1, sizeof(*p.costs_emulated));
	if (!p.ms || !p.tsc_hz || !p.costs_run || !p.costs_emulated)
		abort();
	/* a stop signal before the commit takes back the staging folder and a
	 * DIR made for it (cli/stopsig.h) */
	stop_signals_block();
	rc = stage_open(&p.out, dir, "report", "--paper DIR");
	p.dir = p.out.tmp;
	for (int k = 0; k < 2 && !rc; k++) {
		plot_fmt(path, sizeof(path), "%s/%s", p.dir, k ? "latex" : "data");
		if ((rc = stage_expect(&p.out, k ? "latex" : "data", true)))
			break;
		if (util_mkdir_p(path))
			rc = cli_error(EXIT_ENV, "report: cannot create %s: %s; choose another --paper DIR",
				       path, strerror(errno));
	}
	for (size_t i = 0; i < p.runs.n && !rc; i++) {
		if (store_run_metrics(s, p.runs.v[i].id, &p.ms[i], err, sizeof(err)))
			rc = cli_error(EXIT_STORE, "%s", err);
		p.tsc_hz[i] = run_facts(s, p.runs.v[i].id, &p.costs_run[i], &p.costs_emulated[i]);
		if (is_measured(&p.runs.v[i])) {
			p.measured = true;
			p.emulated[!strcmp(p.runs.v[i].backend, "kvm")] |= p.runs.v[i].emulated;
		}
	}
	plot_fmt(path, sizeof(path), "%s/NOTES.txt", p.dir);
	p.notes = rc ? NULL : fopen(path, "w");
	if (!rc && !p.notes)
		rc = cli_error(EXIT_ENV, "report: cannot write %s: %s", path, strerror(errno));
	if (!rc) {
		fprintf(p.notes, "irqlbench report --paper from %s: %zu runs\n", s->path, p.runs.n);
		if (nrefs)
			fprintf(p.notes, "the selection has no model runs: the model's references are "
				"the store's %zu model runs\n", nrefs);
		if (!p.measured)
			fprintf(p.notes, "model only: the store has no lab or kvm runs; the figures show "
				"the model (simulated) and say so\n");
	}
	if (!rc)
		(void)((rc = fig_exits_depth(&p)) ||
		       (rc = fig_cdf(&p, "dpc_queue_to_run", "fig-cdf-dpc", "DPC delay")) ||
		       (rc = fig_cdf(&p, "irq_latency", "fig-cdf-irq", "Interrupt latency")) ||
		       (rc = fig_exit_reasons(&p)) || (rc = tab_exits(&p, flt)) ||
		       (rc = tab_intel_avic(&p)) || (rc = tab_seed(&p)) || (rc = price_of_fix(&p)));
	if (p.notes && fclose(p.notes) && !rc)
		rc = cli_error(EXIT_ENV, "report: cannot write %s: %s; choose another --paper DIR", path,
			       strerror(errno));
	if (!rc)
		rc = stage_commit(&p.out);
	if (!rc && !p.measured)
		fprintf(stderr, "irqlbench report: note: the store has no lab or kvm runs: the "
			"figures are the model's only (see %s/NOTES.txt)\n", p.out.real);
	stage_close(&p.out);
	if (rc && stop_signal())
		rc = cli_error(128 + stop_signal(), "report stopped by %s: nothing written, %s as it was",
			       stop_signal_name(stop_signal()), dir);
	stop_signals_restore();
	for (size_t i = 0; i < p.runs.n; i++) {
		metric_set_free(&p.ms[i]);
		free(p.costs_run[i]);
	}
	free(p.ms);
	free(p.tsc_hz);
	free(p.costs_run);
	free(p.costs_emulated);
	store_run_list_free(&p.runs);
	return rc;
}
