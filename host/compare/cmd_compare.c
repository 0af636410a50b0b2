// SPDX-License-Identifier: MIT
/*
 * cmd_compare.c - `irqlbench compare A B`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/util.h"
#include "compare/compare.h"
#include "suite/suite.h"
#include "store/store_cmd.h"

#define MAX_GATES 16

struct compare_args {
	const char *db, *format;
	struct argv_buf metrics;
	struct cmp_gate gates[MAX_GATES];
	size_t ngates;
	bool include_failed, all, cycles;
};

static int add_gate(const struct cli_option *o, void *args, const char *value, const char *cmd)
{
	struct compare_args *a = args;
	char err[256];

	(void)o;
	if (a->ngates == MAX_GATES)
		return cli_usage_error(cmd, "at most %d --fail-on options", MAX_GATES);
	if (compare_gate_parse(value, &a->gates[a->ngates++], err, sizeof(err)))
		return cli_usage_error(cmd, "%s", err);
	return 0;
}

static const struct cli_option compare_opts[] = {
	{ CLI_STORE_DB(0, struct compare_args, db) },
	{ CLI_FORMAT(0, struct compare_args, format, "the table as text (default), Markdown, CSV or JSON") },
	{ CLI_JSON(struct compare_args, format) },
	{ CLI_LIST(0, "metric", struct compare_args, metrics, "GLOB",
		   "only the metrics that match GLOB") },
	{ CLI_CALLBACK(0, "fail-on", "'METRIC>PCT'", add_gate,
		       "exit 1 when a change of METRIC (a glob) crosses PCT (signed; or\n"
		       "'<'): an exact count that changed, a latency the test finds\n"
		       "shifted; at most 16"), .flags = CLI_OPT_REPEAT },
	{ CLI_INCLUDE_FAILED(struct compare_args, include_failed) },
	{ CLI_FLAG(0, "all", struct compare_args, all, "every metric, also those equal on both sides") },
	{ CLI_FLAG(0, "cycles", struct compare_args, cycles,
		   "latencies as stored: histograms in TSC cycles, exit times in ns\n"
		   "(default: microseconds, each run's cycles by its guest.tsc_hz);\n"
		   "runs of different TSC rates are refused") },
	{ CLI_END },
};

const struct cli_spec cmd_compare_spec = {
	.name = "compare",
	.usage = "[OPTIONS] BASE NEW",
	.description =
	"BASE and NEW are run ids or selectors KEY=VALUE[,KEY=VALUE]: keys id, workload,\n"
	"backend, policy, variant, kernel, tag, status, host, or a workload parameter\n"
	"(depth=3); values may use * and ?.  Examples:\n"
	"  irqlbench compare policy=prefix,workload=nested-spinlock,depth=2 policy=fixed,workload=nested-spinlock,depth=2\n"
	"  irqlbench compare policy=prefix policy=fixed    (a table per workload and parameters)\n"
	"  irqlbench compare variant=unfixed variant=fixed --fail-on 'exit.write_cr8/iter<-10'\n"
	"\n"
	"Per metric (as the store computed them at import, 'irqlbench results show ID\n"
	"--metrics': counters summed over the measured phases and vCPUs, also per\n"
	"iteration where the run counted iterations; exits by reason; histogram\n"
	"p50/p99: the upper bound of a bucket, at most the max) the table shows\n"
	"base-mean ±%stddev, %change, new-mean ±%stddev and\n"
	"what stands behind the change, by kind of metric:\n"
	"  exact    a count workloads/suites.cfg fixes (CR8 writes by kind, CR8\n"
	"           exits, late and immediate deliveries): '=' or the change, and\n"
	"           the expected values; no test\n"
	"  latency  a histogram percentile: the two-sided Mann-Whitney U test with\n"
	"           5 runs a side or more ('~' where p > 0.05), else 'too few runs';\n"
	"           where every run of each side (2 or more) has the same value (the\n"
	"           model is deterministic: its --runs are copies) 'no spread', no\n"
	"           test, '=' or the change\n"
	"  count    any other number: the change in parentheses, no test\n"
	"Latencies are in microseconds ('[us]' after the metric, the text and Markdown\n"
	"tables print the micro sign): a histogram's percentile (TSC\n"
	"cycles) divided by each run's own guest.tsc_hz, an exit's handling time (ns\n"
	"of the trace clock) by 1000; --cycles keeps them as stored ([cycles], [ns]).\n"
	"A row with a run whose record gives no guest.tsc_hz stays in cycles, and a\n"
	"warning says so.  Cycles of different TSC rates are not comparable: a row in\n"
	"cycles whose runs' guest.tsc_hz differ by more than 0.1% (another host, the\n"
	"model's 2.5 GHz, a --costs-from record's rate) is refused, naming two of them.\n"
	"Runs of different workloads or parameter values are never pooled: each side\n"
	"must be one series (backend, policy or variant); sides of several parameter\n"
	"tuples give one table per tuple both have, each headed by its tuple.  Nor are\n"
	"model runs whose costs came from different sources (default costs, 'model\n"
	"--costs-from R', each --cost, a --host-hz other than 250): each source is a\n"
	"group of its own, and a side of several pairs each with the other side's of\n"
	"the same source.  Each side is labelled with what its runs are and, unless\n"
	"real, what their times are: '(5 runs of model l61 (costs from run R),\n"
	"simulated)', '(5 runs of lab fixed, emulated time)'.\n"
	"--format json: {alpha, min_runs, tables: [{base, new (selector, params, runs,\n"
	"label, costs, time), rows: [{metric, kind, base_n, new_n, base_mean, ..., p,\n"
	"tested, significant, constant, base_expected, new_expected, unit}],\n"
	"warnings}]} (unit: us, cycles, ns or null for a count; costs: null but for\n"
	"model runs; time: real, emulated time, simulated, or a mix); csv: a row a\n"
	"metric and table, with the sides' params and labels, the unit last.\n",
	.epilog =
	"exit status: 0 ok, 1 a --fail-on gate failed, 2 usage error (also: a side selects\n"
	"no runs, mixes series, or has no parameter tuple in common with the other;\n"
	"a gate or --metric names no metric; a row in cycles mixes TSC rates; the suites\n"
	"file is wrong), 3 the suites file cannot be read, 5 the store is unusable\n"
	"(missing, an empty file, not SQLite, corrupt, locked).\n",
	.options = compare_opts,
	.formats = CLI_FMT_TEXT | CLI_FMT_MD | CLI_FMT_CSV | CLI_FMT_JSON,
	.max_args = CLI_ARGS_ANY,
};

/* 0 with the two selectors in argv[0..1], CLI_HELP, or a status. */
static int parse_args(int argc, char **argv, struct compare_args *a)
{
	int rc, n;

	rc = cli_parse(&cmd_compare_spec, argc, argv, a, &n);
	if (rc)
		return rc;
	if (n != 2)
		return cli_usage_error("compare", "give two run ids or selectors: BASE NEW");
	if (!a->format)
		a->format = "text";
	return 0;
}

static int select_side(struct store *s, const char *sel, bool failed, struct run_list *l)
{
	struct run_filter f;
	char err[512];
	int rc;

	filter_init(&f);
	f.include_failed = failed;
	if (filter_parse(&f, sel, err, sizeof(err))) {
		filter_free(&f);
		return cli_usage_error("compare", "%s", err);
	}
	rc = store_select(s, &f, l, err, sizeof(err));
	filter_free(&f);
	if (rc)
		return cli_error(EXIT_STORE, "%s", err);
	if (!l->n) {
		store_run_list_free(l);
		return cli_error(EXIT_USAGE, "compare: no %sruns match '%s': see 'irqlbench results list'",
				 failed ? "" : "complete ", sel);
	}
	return 0;
}

/* The suites file: which counts are exact, and their expected values. */
static struct suite *load_suite(int *rc)
{
	char err[1024], *path = suite_default_path();
	struct suite *su = suite_load(path, rc, err, sizeof(err));

	free(path);
	if (!su)
		*rc = cli_error(*rc, "compare: %s", err);
	return su;
}

/* The tables of the plan, one per pair of tuples: 0, or a status. */
static int build_tables(struct store *s, const struct suite *su, const struct cmp_plan *p,
			const struct compare_args *a, const char *sel_a, const char *sel_b,
			struct cmp_table *t)
{
	char err[1024];

	for (size_t k = 0; k < p->npairs; k++) {
		t[k].name_a = sel_a;
		t[k].name_b = sel_b;
		t[k].cycles = a->cycles;
		if (compare_runs(s, su, &p->a[p->pair[k][0]], &p->b[p->pair[k][1]],
				 (const char *const *)a->metrics.v, a->metrics.n, a->all, &t[k],
				 err, sizeof(err)))
			return cli_error(EXIT_STORE, "%s", err);
	}
	return 0;
}

/* -1 when a gate matches no row of any table; else the rows that crossed
 * (printed to f when f). */
static int gate_check_all(const struct cmp_table *t, size_t n, const struct cmp_gate *g, FILE *f)
{
	int matched = 0, crossed = 0;

	for (size_t k = 0; k < n; k++) {
		int c = compare_gate_check(&t[k], g, f);

		if (c >= 0) {
			matched = 1;
			crossed += c;
		}
	}
	return matched ? crossed : -1;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_args a = { 0 };
	struct run_list la = { 0 }, lb = { 0 };
	struct cmp_plan plan = { 0 };
	struct cmp_table *t = NULL;
	struct suite *su = NULL;
	struct store *s;
	char err[1024];
	int rc, failed = 0;

	rc = parse_args(argc, argv, &a);
	if (rc) {
		argv_free(&a.metrics);
		return rc == CLI_HELP ? EXIT_OK : rc;
	}
	su = load_suite(&rc);
	if (!su) {
		argv_free(&a.metrics);
		return rc;
	}
	s = store_open_cmd(a.db, false);
	if (!s) {
		argv_free(&a.metrics);
		suite_free(su);
		return EXIT_STORE;
	}
	rc = select_side(s, argv[0], a.include_failed, &la);
	if (!rc)
		rc = select_side(s, argv[1], a.include_failed, &lb);
	if (rc)
		goto out;
	if (compare_plan(&la, &lb, &plan, err, sizeof(err))) {
		rc = cli_error(EXIT_USAGE, "%s", err);
		goto out;
	}
	t = calloc(plan.npairs + 1, sizeof(*t));
	if (!t)
		abort();
	rc = build_tables(s, su, &plan, &a, argv[0], argv[1], t);
	if (rc)
		goto out;
	/* a row in TSC cycles of two rates would put unlike numbers on one
	 * axis: refused, before any table is printed */
	for (size_t k = 0; k < plan.npairs; k++)
		if (t[k].rate_conflict[0]) {
			rc = cli_error(EXIT_USAGE, a.cycles ?
				       "compare: --cycles: %s (guest.tsc_hz): cycles of different TSC "
				       "rates are not comparable; compare in µs, the default (drop --cycles)" :
				       "compare: %s (guest.tsc_hz), and a run without guest.tsc_hz keeps "
				       "that row in cycles: cycles of different TSC rates are not "
				       "comparable; leave out the runs whose record gives no guest.tsc_hz "
				       "(add id= or tag= to the selector) so that the rest compare in µs",
				       t[k].rate_conflict);
			goto out;
		}
	/* a gate that matches no metric is a usage error, found before the
	 * table is printed (a script must not take the table for a result) */
	for (size_t i = 0; i < a.ngates; i++)
		if (gate_check_all(t, plan.npairs, &a.gates[i], NULL) < 0) {
			rc = cli_usage_error("compare", "--fail-on: no metric matches '%s': give one of the "
					     "metrics 'irqlbench compare' prints, or a glob of them",
					     a.gates[i].metric);
			goto out;
		}
	/* as a gate: a --metric that selects no row of any table is a usage error */
	if (a.metrics.n) {
		size_t rows = 0;

		for (size_t k = 0; k < plan.npairs; k++)
			rows += t[k].n;
		if (!rows) {
			rc = cli_usage_error("compare", "--metric selects no metric both sides have: give "
					     "one of the metrics 'irqlbench compare' prints, or a glob of them");
			goto out;
		}
	}
	if (plan.note[0])
		fprintf(stderr, "irqlbench compare: note: one table per parameter tuple%s both sides "
			"have; left out: %s\n", plan.by_costs ? " and cost source" : "", plan.note);
	for (size_t k = 0; k < plan.npairs; k++)
		for (unsigned i = 0; i < t[k].nwarn; i++)
			fprintf(stderr, "irqlbench compare: warning: %s\n", t[k].warnings[i]);
	compare_print_all(stdout, t, plan.npairs, a.format);
	fflush(stdout);
	for (size_t i = 0; i < a.ngates; i++)
		failed += gate_check_all(t, plan.npairs, &a.gates[i], stderr);
	rc = failed ? 1 : 0;
out:
	argv_free(&a.metrics);
	for (size_t k = 0; t && k < plan.npairs; k++)
		cmp_table_free(&t[k]);
	free(t);
	cmp_plan_free(&plan);
	store_run_list_free(&la);
	store_run_list_free(&lb);
	store_close(s);
	suite_free(su);
	return rc;
}
