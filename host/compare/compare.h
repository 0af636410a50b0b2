/* SPDX-License-Identifier: MIT */
/*
 * compare.h - two sets of runs, metric by metric, each by what kind of
 * number it is (LKP ncompare layout, benchstat's "~"):
 *
 *   exact     a count workloads/suites.cfg fixes for the workload (the
 *             guest's CR8 writes by kind, the CR8-related exits, late and
 *             immediate deliveries, per iteration; their totals): equal or
 *             changed and by how much, against the expected value where the
 *             file gives one for the side's policy.  No significance test: a
 *             count that is deterministic is either the same or not.
 *   latency   a histogram percentile (<hist>.p50, .p99, exit_ns.<reason>.p50,
 *             .p99) or an exit's mean handling time (exit_ns.<reason>.mean,
 *             kvm/lab): the two-sided
 *             Mann-Whitney U test, only with COMPARE_MIN_N runs or more per
 *             side ("too few runs" otherwise), "~" where p > COMPARE_ALPHA.
 *   count     any other number (host ticks, io exits, ...): means and
 *             change, no test.
 *
 * Latencies are shown in µs: a histogram's percentile (TSC cycles) divided
 * by each run's guest.tsc_hz, an exit's time (ns of the trace clock) by
 * 1000; with cmp_table.cycles as stored.  A row whose runs do not all give
 * guest.tsc_hz stays in cycles, and the table warns.  A row in cycles whose
 * runs' rates differ (COMPARE_RATE_TOL) is not comparable:
 * cmp_table.rate_conflict names two of them, and the command refuses it.
 *
 * A side is the runs of one series (backend and policy or variant) and one
 * parameter tuple (suite_run_tuple(): "workload=W depth=2 ..."), and for
 * model runs one cost source (run_info.costs: "costs from run R", "default
 * costs", and the --cost options): runs of different workloads, parameter
 * values or simulated costs are never pooled.  compare_plan() pairs the
 * groups of the two sides, one table each.
 */
#ifndef IRQLBENCH_COMPARE_H
#define IRQLBENCH_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "catalog.h"
#include "model/kvm_policy.h"
#include "store/store.h"
#include "suite/suite.h"

#define COMPARE_ALPHA 0.05
#define COMPARE_MIN_N 5		/* runs per side the U test needs (its smallest p at 4+4 is 0.029, at 3+3 0.1) */
#define COMPARE_TUPLE_LEN 256
#define COMPARE_COSTS_LEN 256	/* a model run's cost source, in words */
/* Two TSC rates are one where they differ by at most this fraction: a
 * guest's calibration of one TSC differs by some ppm from boot to boot
 * (kvmclock in the lab ~15 ppm, the PIT under TCG ~30 ppm); hosts of
 * different clocks differ by far more (2.5 and 2.6 GHz: 4 %). */
#define COMPARE_RATE_TOL 1e-3
#define COMPARE_LABEL_LEN 320	/* "model l61 (costs from run R)" */

enum cmp_kind { CMP_EXACT, CMP_LATENCY, CMP_COUNT };
/* What a row's numbers are in: a count (none), or a time. */
enum cmp_unit { CMP_UNIT_NONE, CMP_UNIT_CYCLES, CMP_UNIT_NS, CMP_UNIT_US };

struct cmp_row {
	char metric[80];
	enum cmp_kind kind;
	size_t na, nb;
	double mean_a, sd_a, mean_b, sd_b;	/* sd: sample standard deviation */
	double change_pct;			/* (b - a) / a * 100; +-INF when a == 0 */
	double p;				/* latency, tested: two-sided Mann-Whitney U; else NAN */
	bool tested;				/* latency with COMPARE_MIN_N runs a side or more,
						 * not constant */
	bool constant;				/* latency: every run of each side the same value
						 * (a deterministic model's copies): no test */
	bool significant;			/* exact, constant latency: the values differ;
						 * latency: tested and p <= COMPARE_ALPHA;
						 * count: never */
	double expect_a, expect_b;		/* exact: suites.cfg's value for the side; NAN: none */
	enum cmp_unit unit;			/* of the means (set by compare_runs) */
};

struct cmp_table {
	const char *name_a, *name_b;		/* selectors as given */
	char tuple_a[COMPARE_TUPLE_LEN];	/* parameter tuples (suite_run_tuple()); */
	char tuple_b[COMPARE_TUPLE_LEN];	/* empty where unknown */
	char label_a[COMPARE_LABEL_LEN];	/* the groups' labels (cmp_side.label); */
	char label_b[COMPARE_LABEL_LEN];	/* empty where unknown */
	char costs_a[COMPARE_COSTS_LEN];	/* model runs: where their costs came */
	char costs_b[COMPARE_COSTS_LEN];	/* from; empty for the other backends */
	const char *time_a, *time_b;		/* what the sides' times are: "real",
						 * "emulated time", "simulated", or a mix
						 * ("emulated and real time"); NULL where
						 * unknown */
	size_t runs_a, runs_b;
	bool cycles;				/* input: latencies as stored (TSC cycles,
						 * ns), not in µs */
	struct cmp_row *v;
	size_t n;
	char warnings[4][640];
	unsigned nwarn;
	/* a row left in TSC cycles (cycles, or a run without guest.tsc_hz)
	 * whose runs are of different rates: "METRIC: base run A is at X Hz,
	 * new run B at Y Hz"; "" for none.  Not comparable: the command
	 * refuses the table (the dashboard shows it as a warning). */
	char rate_conflict[512];
};

/*
 * One row from one sample per side (values of the metric, one per run):
 * means, deviations, change, and by kind the test (latency), or nothing
 * (exact, count).  ea and eb: the expected values of an exact row (NAN:
 * none).  The plain computation, for tests.
 */
void compare_row(struct cmp_row *row, enum cmp_kind kind, const double *a, size_t na,
		 const double *b, size_t nb, double ea, double eb);

/* A unit's name as the outputs write it: "us", "cycles", "ns"; "" for none
 * (ascii: the JSON and CSV outputs; the tables print µs). */
const char *compare_unit_name(enum cmp_unit u);
/* The unit a metric is stored in: TSC cycles for a histogram's percentile,
 * ns for an exit's handling time (exit_ns.R.p50, .p99, .mean), else none. */
enum cmp_unit compare_stored_unit(const char *metric);
/* A run's guest.tsc_hz (the store's record); NAN where it gives none. */
double compare_run_tsc_hz(struct store *s, const char *id);
/* v of a metric stored in unit u, in µs: cycles / tsc_hz, ns / 1000; NAN
 * for cycles without a rate, v itself for a count. */
double compare_to_us(double v, enum cmp_unit u, double tsc_hz);

/* The kind of a metric: exact when `exact` (names, as exact_metrics gives
 * them) has it, latency for a histogram percentile or an exit's mean
 * handling time, else count. */
enum cmp_kind compare_kind(const char *metric, const struct metric_set *exact);

/*
 * The metrics suites.cfg fixes for runs with values vals (vals->w NULL: none),
 * added to out: each with the value the file expects under policy p (per
 * iteration; NAN for a total, and for exits and deliveries where p is
 * KP_NPOLICY, nothing known of it).  s NULL: none.
 */
void compare_exact_metrics(const struct suite *s, const struct wl_values *vals, enum kp_policy p,
			   struct metric_set *out);

/* The runs of one side with one parameter tuple and one cost source. */
struct cmp_side {
	char tuple[COMPARE_TUPLE_LEN];
	char costs[COMPARE_COSTS_LEN];		/* run_info.costs; "" for no model run */
	char label[COMPARE_LABEL_LEN];		/* "lab fixed", "model l61 (default costs)" */
	struct wl_values vals;			/* vals.w NULL: not the catalog's workload */
	enum kp_policy policy;			/* suite_run_policy() */
	struct run_list runs;			/* shallow copies of the side's runs */
};

/* The tables to build: base side a[pair[k][0]] against new side b[pair[k][1]]. */
struct cmp_plan {
	struct cmp_side *a, *b;
	size_t na, nb;
	size_t (*pair)[2];
	size_t npairs;
	char note[512];				/* tuples left out, one line; "" for none */
	bool by_costs;				/* paired by cost source too (a side has
						 * model runs of several) */
};

/*
 * Groups each side by parameter tuple and, for model runs, cost source, and
 * pairs the groups: both sides one group, one table (the tuples, or the
 * cost sources, may differ: a comparison of depths, of default costs with
 * measured ones); otherwise one table for each tuple both sides have (and,
 * where a side has several cost sources, each tuple and cost source both
 * have), the others named in note.  Refused (-1, a one-line reason and fix
 * in err): a side whose runs are of more than one series (backend and
 * policy or variant: "model:fixed" and "model:l61"), or sides of several
 * groups with none in common.  0 otherwise.
 */
int compare_plan(const struct run_list *a, const struct run_list *b, struct cmp_plan *p,
		 char *err, size_t errlen);
void cmp_plan_free(struct cmp_plan *p);

/*
 * Builds the table of one side against another (one tuple each): only the
 * metrics that match one of the globs (all when nglobs is 0) and that both
 * sides have; rows where both sides are constant zero are left out unless
 * all_rows.  suite (NULL: no exact metrics) says which counts are exact.
 * Latencies in µs unless t->cycles (set it before): each run's cycles by its
 * own guest.tsc_hz; a row with a run that has none stays in cycles, with a
 * warning in t.  A row in cycles whose runs' rates differ (by more than
 * COMPARE_RATE_TOL) sets t->rate_conflict.  0, or -1 with err (a store
 * error).
 */
int compare_runs(struct store *s, const struct suite *suite, const struct cmp_side *a,
		 const struct cmp_side *b, const char *const *globs, size_t nglobs, bool all_rows,
		 struct cmp_table *t, char *err, size_t errlen);
void cmp_table_free(struct cmp_table *t);

/* fmt: text, markdown, csv, json, html */
int compare_print(FILE *f, const struct cmp_table *t, const char *fmt);
/* Several tables: text, markdown and html one after the other, a blank line
 * between; csv one header and a tuple column; json an array of tables. */
int compare_print_all(FILE *f, const struct cmp_table *t, size_t n, const char *fmt);
/* s as HTML text or attribute value (&lt; &gt; &amp; &quot;); NULL prints nothing.
 * Shared by compare's HTML table and the dashboard (host/plot/cmd_plot.c). */
void cmp_html_escape(FILE *f, const char *s);

/*
 * A CI gate "METRIC>PCT" or "METRIC<PCT" (METRIC may be a glob, PCT signed,
 * an optional % sign): crossed when a significant change (an exact count
 * that changed, a latency the test finds shifted) is above (below) PCT.
 * compare_gate_check returns the number of rows that crossed it (printing
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
