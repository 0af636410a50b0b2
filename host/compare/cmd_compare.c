// SPDX-License-Identifier: MIT
/*
 * cmd_compare.c - `irqlbench compare A B`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "compare/compare.h"
#include "store/store_cmd.h"

const char cmd_compare_usage[] =
	"usage: irqlbench compare [--db FILE] [--format text|markdown|csv|json] [--metric GLOB]...\n"
	"                         [--fail-on 'METRIC>PCT']... [--include-failed] [--all] BASE NEW\n"
	"\n"
	"BASE and NEW are run ids or selectors KEY=VALUE[,KEY=VALUE]: keys id, workload,\n"
	"backend, policy, variant, kernel, tag, status, host, or a workload parameter\n"
	"(depth=3); values may use * and ?.  Examples:\n"
	"  irqlbench compare policy=prefix,workload=nested-spinlock policy=fixed,workload=nested-spinlock\n"
	"  irqlbench compare variant=unfixed variant=fixed --fail-on 'exit.write_cr8/iter<-10'\n"
	"\n"
	"Per metric (as the store computed them at import, 'irqlbench results show ID\n"
	"--metrics': counters summed over the measured phases and vCPUs, also per\n"
	"iteration where the run counted iterations; exits by reason; histogram\n"
	"p50/p99) the table shows base-mean ±%stddev, %change, new-mean ±%stddev and\n"
	"the two-sided Mann-Whitney U p-value.  A change with p > 0.05 is marked '~'.\n"
	"Fewer than 5 runs per side gives a warning.\n"
	"\n"
	"--fail-on 'METRIC>PCT' (or '<'; METRIC may be a glob, PCT is signed) exits 1 when\n"
	"a significant change crosses the threshold.\n"
	"\n"
	"Exit status: 0 ok, 1 a --fail-on gate failed, 2 usage error (also: a side selects\n"
	"no runs, a gate names no metric), 5 the store is unusable (missing, not SQLite,\n"
	"corrupt, locked).\n";

enum { OPT_DB = 256, OPT_FORMAT, OPT_METRIC, OPT_FAIL_ON, OPT_INCLUDE_FAILED, OPT_ALL, OPT_HELP };

static const struct option compare_opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "include-failed", no_argument, NULL, OPT_INCLUDE_FAILED },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

#define MAX_LIST 16

struct compare_args {
	const char *db, *format;
	const char *metrics[MAX_LIST];
	size_t nmetrics;
	struct cmp_gate gates[MAX_LIST];
	size_t ngates;
	bool include_failed, all;
};

static int parse_args(int argc, char **argv, struct compare_args *a)
{
	char err[256];
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", compare_opts, "compare")) != -1) {
		switch (c) {
		case OPT_DB:
			a->db = optarg;
			break;
		case OPT_FORMAT:
			a->format = optarg;
			break;
		case OPT_METRIC:
			if (a->nmetrics == MAX_LIST)
				return cli_usage_error("compare", "at most 16 --metric options");
			a->metrics[a->nmetrics++] = optarg;
			break;
		case OPT_FAIL_ON:
			if (a->ngates == MAX_LIST)
				return cli_usage_error("compare", "at most 16 --fail-on options");
			if (compare_gate_parse(optarg, &a->gates[a->ngates++], err, sizeof(err)))
				return cli_usage_error("compare", "%s", err);
			break;
		case OPT_INCLUDE_FAILED:
			a->include_failed = true;
			break;
		case OPT_ALL:
			a->all = true;
			break;
		case 'h':
		case OPT_HELP:
			fputs(cmd_compare_usage, stdout);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("compare", "give two run ids or selectors: BASE NEW");
	if (!a->format)
		a->format = "text";
	if (strcmp(a->format, "text") && strcmp(a->format, "markdown") && strcmp(a->format, "md") &&
	    strcmp(a->format, "csv") && strcmp(a->format, "json"))
		return cli_usage_error("compare", "--format must be text, markdown, csv or json");
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
	if (rc)
		return rc < 0 ? 0 : rc;
	s = store_open_cmd(a.db, false);
	if (!s)
		return EXIT_STORE;
	rc = select_side(s, argv[optind], a.include_failed, &la);
	if (!rc)
		rc = select_side(s, argv[optind + 1], a.include_failed, &lb);
	if (rc)
		goto out;
	t.name_a = argv[optind];
	t.name_b = argv[optind + 1];
	if (compare_runs(s, &la, &lb, a.metrics, a.nmetrics, a.all, &t, err, sizeof(err))) {
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
	cmp_table_free(&t);
	store_run_list_free(&la);
	store_run_list_free(&lb);
	store_close(s);
	return rc;
}
