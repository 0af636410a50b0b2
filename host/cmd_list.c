// SPDX-License-Identifier: MIT
/* cmd_list.c - `irqlbench list`: the workloads and their parameters. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "catalog.h"
#include "cli.h"

const char cmd_list_usage[] =
	"usage: irqlbench list [--all] [--json] [WORKLOAD]\n"
	"\n"
	"Lists the workloads with their parameters: default, allowed range, meaning.\n"
	"The common parameters apply to every workload.  Set a parameter with\n"
	"'irqlbench run --workload W --param NAME=VALUE'.\n"
	"\n"
	"  WORKLOAD   only this workload\n"
	"  --all      include the test-only workloads (hang, fault, triple-fault)\n"
	"  --json     machine-readable output\n"
	"  -h, --help this text\n";

static void print_params(const struct wl_param *p)
{
	for (; p->name; p++) {
		char def[48], range[48];

		snprintf(def, sizeof(def), "%s=%" PRIu64, p->name, p->def);
		snprintf(range, sizeof(range), "%" PRIu64 "..%" PRIu64, p->min, p->max);
		printf("    %-24s %-14s %s\n", def, range, p->help);
	}
}

static void print_workload(const struct wl_info *w)
{
	printf("%s%s%s\n  %s\n", w->name, w->test_only ? "  (test only)" : "",
	       w->needs_script ? "  (needs --script FILE)" : "", w->summary);
	if (w->params[0].name)
		print_params(w->params);
	else
		printf("    (no parameters of its own)\n");
}

static json_t *params_json(const struct wl_param *p)
{
	json_t *a = json_array();

	for (; p->name; p++)
		json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I, s:s}", "name", p->name,
						   "default", (json_int_t)p->def,
						   "min", (json_int_t)p->min,
						   "max", (json_int_t)p->max, "help", p->help));
	return a;
}

static int print_json(const struct wl_info *only, bool all)
{
	json_t *out = json_object(), *list = json_array();

	for (unsigned i = 0; i < wl_ncatalog; i++) {
		const struct wl_info *w = &wl_catalog[i];

		if ((only && w != only) || (!only && w->test_only && !all))
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b, s:o}", "name", w->name,
						      "summary", w->summary, "test_only", w->test_only,
						      "needs_script", w->needs_script,
						      "params", params_json(w->params)));
	}
	json_object_set_new(out, "workloads", list);
	json_object_set_new(out, "common_params", params_json(wl_common_params));
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(out);
	return EXIT_OK;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct wl_info *only = NULL;
	bool all = false, json = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+ajh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'j': json = true; break;
		case 'h': return cli_help("list");
		default:
			return cli_usage_error("list", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("list", "one workload at a time");
	if (optind < argc) {
		only = wl_find(argv[optind]);
		if (!only)
			return cli_error(EXIT_USAGE, "unknown workload '%s': run 'irqlbench list' to see the workloads",
					 argv[optind]);
	}
	if (json)
		return print_json(only, all);
	for (unsigned i = 0; i < wl_ncatalog; i++) {
		const struct wl_info *w = &wl_catalog[i];

		if ((only && w != only) || (!only && w->test_only && !all))
			continue;
		print_workload(w);
		putchar('\n');
	}
	printf("common parameters (every workload):\n");
	print_params(wl_common_params);
	return EXIT_OK;
}
