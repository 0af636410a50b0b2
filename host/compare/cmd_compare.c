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
#include "store/store_cmd.h"

#define MAX_GATES 16

struct compare_args {
	const char *db, *format;
	struct argv_buf metrics;
	struct cmp_gate gates[MAX_GATES];
	size_t ngates;
	bool include_failed, all;
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
		       "exit 1 when a significant change of METRIC (a glob) crosses PCT\n"
		       "(signed; or '<'); at most 16"), .flags = CLI_OPT_REPEAT },
	{ CLI_INCLUDE_FAILED(struct compare_args, include_failed) },
	{ CLI_FLAG(0, "all", struct compare_args, all, "every metric, also those equal on both sides") },
	{ CLI_END },
};

const struct cli_spec cmd_compare_spec = {
	.name = "compare",
	.usage = "[OPTIONS] BASE NEW",
	.description =
	"BASE and NEW are run ids or selectors KEY=VALUE[,KEY=VALUE]: keys id, workload,\n"
	"backend, policy, variant, kernel, tag, status, host, or a workload parameter\n"
	"(depth=3); values may use * and ?.  Examples:\n"
	"  irqlbench compare policy=prefix,workload=nested-spinlock policy=fixed,workload=nested-spinlock\n"
	"  irqlbench compare variant=unfixed variant=fixed --fail-on 'exit.write_cr8/iter<-10'\n"
	"\n"
	"Per metric (as the store computed them at import, 'irqlbench results show ID\n"
	"--metrics': counters summed over the measured phases and vCPUs, also per\n"
	"iteration where the run counted iterations; exits by reason; histogram\n"
	"p50/p99, the upper bound of a bucket, at most the max) the table shows\n"
	"base-mean ±%stddev, %change, new-mean ±%stddev and\n"
	"the two-sided Mann-Whitney U p-value.  A change with p > 0.05 is marked '~'.\n"
	"Fewer than 5 runs per side gives a warning.\n",
	.epilog =
	"exit status: 0 ok, 1 a --fail-on gate failed, 2 usage error (also: a side selects\n"
	"no runs, a gate names no metric), 5 the store is unusable (missing, not SQLite,\n"
	"corrupt, locked).\n",
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

int cmd_compare(int argc, char **argv)
{
	struct compare_args a = { 0 };
	struct run_list la = { 0 }, lb = { 0 };
	struct cmp_table t = { 0 };
	struct store *s;
	char err[1024];
	int rc, failed = 0;

	rc = parse_args(argc, argv, &a);
	if (rc) {
		argv_free(&a.metrics);
		return rc == CLI_HELP ? EXIT_OK : rc;
	}
	s = store_open_cmd(a.db, false);
	if (!s) {
		argv_free(&a.metrics);
		return EXIT_STORE;
	}
	rc = select_side(s, argv[0], a.include_failed, &la);
	if (!rc)
		rc = select_side(s, argv[1], a.include_failed, &lb);
	if (rc)
		goto out;
	t.name_a = argv[0];
	t.name_b = argv[1];
	if (compare_runs(s, &la, &lb, (const char *const *)a.metrics.v, a.metrics.n, a.all, &t,
			 err, sizeof(err))) {
		rc = cli_error(EXIT_STORE, "%s", err);
		goto out;
	}
	/* a gate that matches no metric is a usage error, found before the
	 * table is printed (a script must not take the table for a result) */
	for (size_t i = 0; i < a.ngates; i++)
		if (compare_gate_check(&t, &a.gates[i], NULL) < 0) {
			rc = cli_usage_error("compare", "--fail-on: no metric matches '%s': give one of the "
					     "metrics 'irqlbench compare' prints, or a glob of them",
					     a.gates[i].metric);
			goto out;
		}
	for (unsigned i = 0; i < t.nwarn; i++)
		fprintf(stderr, "irqlbench compare: warning: %s\n", t.warnings[i]);
	compare_print(stdout, &t, a.format);
	fflush(stdout);
	for (size_t i = 0; i < a.ngates; i++)
		failed += compare_gate_check(&t, &a.gates[i], stderr);
	rc = failed ? 1 : 0;
out:
	argv_free(&a.metrics);
	cmp_table_free(&t);
	store_run_list_free(&la);
	store_run_list_free(&lb);
	store_close(s);
	return rc;
}
