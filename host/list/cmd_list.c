// SPDX-License-Identifier: MIT
/*
 * cmd_list.c - `irqlbench list`: the workloads and their parameters, and
 * with --suites the entries of workloads/suites.cfg with their expectations
 * (host/suite/suite.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "catalog.h"
#include "cli/cli.h"
#include "suite/suite.h"

struct list_args {
	bool all, suites;
	const char *group, *format;
};

static const struct cli_option list_opts[] = {
	{ CLI_FLAG('a', "all", struct list_args, all,
		   "include the test-only workloads (hang, fault, triple-fault)") },
	{ CLI_FLAG('s', "suites", struct list_args, suites,
		   "the suites file's entries instead of the workloads") },
	{ CLI_STRING('g', "group", struct list_args, group, "G",
		     "with --suites: only the entries of group G (default,\n"
		     "verify, crosscheck, tcg, ...)") },
	{ CLI_FORMAT('f', struct list_args, format,
		     "text (default), json (for scripts), md (with --suites:\n"
		     "the table of README.md)") },
	{ CLI_JSON(struct list_args, format), .shrt = 'j' },
	{ CLI_END },
};

const struct cli_spec cmd_list_spec = {
	.name = "list",
	.usage = "[--all] [--format text|json] [WORKLOAD]\n"
		 "--suites [--group G] [--format text|json|md]",
	.description =
	"Lists the workloads with their parameters: default, allowed range, meaning.\n"
	"The common parameters apply to every workload.  Set a parameter with\n"
	"'irqlbench run --workload W --param NAME=VALUE'.  WORKLOAD: only this one.\n"
	"\n"
	"With --suites, lists the entries of the suites file (workloads/suites.cfg,\n"
	"or $IRQLBENCH_SUITES): each entry's workload, parameters, groups and\n"
	"requirements, and its expectations evaluated for its parameters: the\n"
	"guest's counters per vCPU and iteration (the CR8 writes by kind, ...), and\n"
	"per KVM policy the CR8-related exits per iteration and whether the\n"
	"held-back interrupt is delivered at once or late.  make run, the tests and\n"
	"README.md's suites table read the same file.\n",
	.epilog =
	"exit status: 0 ok; 2 usage error, or an error in the suites file (the\n"
	"message names its line); 3 the suites file cannot be read.\n",
	.options = list_opts,
	.formats = CLI_FMT_TEXT | CLI_FMT_JSON | CLI_FMT_MD,
	.max_args = CLI_ARGS_ANY,
};

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

/* --- --suites --------------------------------------------------------------- */

static const char *const clock_names[] = { "none", "timer", "ipi" };

/* The order of the output: the CR8 kinds as a sequence makes them, their sum,
 * then the other counters; the policies family by family. */
static unsigned counter_at(unsigned k)
{
	static const enum stat_counter first[] = { STAT_cr8_raise, STAT_cr8_same,
		STAT_cr8_lower_unmask, STAT_cr8_lower, STAT_cr8_elided, STAT_cr8_writes };
	const unsigned nfirst = sizeof(first) / sizeof(first[0]);

	if (k < nfirst)
		return first[k];
	for (unsigned i = 0; i < STAT_NCOUNTERS; i++) {
		bool listed = false;

		for (unsigned j = 0; j < nfirst; j++)
			listed |= first[j] == i;
		if (!listed && k-- == nfirst)
			return i;
	}
	return STAT_NCOUNTERS;
}

static const enum kp_policy policy_order[KP_NPOLICY] = {
	KP_FIXED, KP_L61, KP_L72, KP_PREFIX, KP_UNFIXED, KP_VMX_TPR, KP_VMX_411, KP_VMX_72,
	KP_APICV, KP_AVIC, KP_AVIC_617, KP_AVIC_70,
};

static json_t *jint(int64_t v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

/* One policy's exits and delivery, as the text and md formats print them. */
static void exits_str(const struct suite_expect *x, bool verbose, char *buf, size_t len)
{
	if (x->exits < 0)
		snprintf(buf, len, "—");
	else if (!x->exits || !verbose)
		snprintf(buf, len, "%" PRId64, x->exits);
	else
		snprintf(buf, len, "%" PRId64 " %s", x->exits, x->exit_reason);
	/* md marks only the late ones */
	if (x->delivery && (verbose || strcmp(x->delivery, "immediate")))
		snprintf(buf + strlen(buf), len - strlen(buf), ", %s", x->delivery);
}

/* Every policy's expectations of e; -1 (message printed) on an error. */
static int expect_all(const struct suite *s, const struct suite_entry *e,
		      struct suite_expect x[KP_NPOLICY])
{
	char err[1024];

	for (enum kp_policy p = 0; p < KP_NPOLICY; p++)
		if (suite_expect_entry(s, e, p, &x[p], err, sizeof(err)))
			return cli_error(EXIT_USAGE, "%s", err);
	return 0;
}

static json_t *policy_json(const struct suite_expect *x)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "family", x->family,
			 "exit", x->exit_reason, "exits", jint(x->exits), "late", jint(x->late),
			 "immediate", jint(x->immediate),
			 "delivery", x->delivery ? json_string(x->delivery) : json_null());
}

static json_t *formulas_json(const struct suite_entry *fe)
{
	json_t *f = json_object();

	for (unsigned k = 0, i; (i = counter_at(k)) < STAT_NCOUNTERS; k++)
		if (fe->count[i].text)
			json_object_set_new(f, suite_counter_name(i), json_string(fe->count[i].text));
	for (unsigned k = 0; k < KP_NPOLICY; k++) {
		enum kp_policy p = policy_order[k];
		char key[48];

		snprintf(key, sizeof(key), "exits.%s", kp_policy_name(p));
		if (fe->exits[p].text)
			json_object_set_new(f, key, json_string(fe->exits[p].text));
		snprintf(key, sizeof(key), "late.%s", kp_policy_name(p));
		if (fe->late[p].text)
			json_object_set_new(f, key, json_string(fe->late[p].text));
	}
	return f;
}

static json_t *entry_json(const struct suite *s, const struct suite_entry *e,
			  const struct suite_expect x[KP_NPOLICY])
{
	json_t *o = json_object(), *params = json_object(), *values = json_object();
	json_t *groups = json_array(), *per = json_object(), *pol = json_object();
	json_t *var = json_object();
	static const char *const variants[] = { "fixed", "unfixed" };

	for (unsigned i = 0; i < e->vals.n; i++) {
		json_object_set_new(values, e->vals.p[i]->name, json_integer((json_int_t)e->vals.v[i]));
		if (e->given[i])
			json_object_set_new(params, e->vals.p[i]->name,
					    json_integer((json_int_t)e->vals.v[i]));
	}
	for (unsigned g = 0; g < e->ngroups; g++)
		json_array_append_new(groups, json_string(e->groups[g]));
	for (unsigned k = 0, i; (i = counter_at(k)) < STAT_NCOUNTERS; k++)
		if (x[0].count[i] >= 0)
			json_object_set_new(per, suite_counter_name(i), json_integer(x[0].count[i]));
	for (unsigned k = 0; k < KP_NPOLICY; k++)
		json_object_set_new(pol, kp_policy_name(policy_order[k]),
				    policy_json(&x[policy_order[k]]));
	for (unsigned v = 0; v < 2; v++) {
		enum kp_policy p = suite_variant_policy(variants[v]);
		json_t *j = policy_json(&x[p]);

		json_object_set_new(j, "policy", json_string(kp_policy_name(p)));
		json_object_set_new(var, variants[v], j);
	}
	json_object_set_new(o, "name", json_string(e->name));
	json_object_set_new(o, "line", json_integer(e->line));
	json_object_set_new(o, "workload", json_string(e->w->name));
	json_object_set_new(o, "params", params);
	json_object_set_new(o, "values", values);
	json_object_set_new(o, "groups", groups);
	json_object_set_new(o, "vcpus", json_integer(e->vcpus));
	json_object_set_new(o, "clock", json_string(clock_names[e->clock]));
	json_object_set_new(o, "expectations_from", json_string(e->expect_from->name));
	json_object_set_new(o, "formulas", formulas_json(e->expect_from));
	json_object_set_new(o, "per_iteration", per);
	json_object_set_new(o, "policies", pol);
	json_object_set_new(o, "variants", var);
	json_object_set_new(o, "distinguishes", json_boolean(suite_distinguishes(s, &e->vals)));
	return o;
}

static void print_formulas(const struct suite_entry *e)
{
	const struct suite_entry *fe = e->expect_from;

	if (fe != e) {
		printf("  formulas: those of entry %s (line %u)\n", fe->name, fe->line);
		return;
	}
	printf("  formulas:\n");
	for (unsigned k = 0, i; (i = counter_at(k)) < STAT_NCOUNTERS; k++)
		if (fe->count[i].text)
			printf("    %-16s = %s\n", suite_counter_key(i), fe->count[i].text);
	for (unsigned k = 0; k < KP_NPOLICY; k++) {
		enum kp_policy p = policy_order[k];
		char key[48];

		if (fe->exits[p].text) {
			snprintf(key, sizeof(key), "exits.%s", kp_policy_name(p));
			printf("    %-16s = %s\n", key, fe->exits[p].text);
		}
		if (fe->late[p].text) {
			snprintf(key, sizeof(key), "late.%s", kp_policy_name(p));
			printf("    %-16s = %s\n", key, fe->late[p].text);
		}
	}
}

static void print_entry_text(const struct suite *s, const struct suite_entry *e,
			     const struct suite_expect x[KP_NPOLICY])
{
	char str[KP_NPOLICY][96], *params = suite_entry_params(e);
	bool done[KP_NPOLICY] = { false }, any = false;

	printf("%s  (%s:%u)\n  run       %s%s%s  (vcpus %u, clock %s)\n  groups   ", e->name, s->path,
	       e->line, e->w->name, *params ? " " : "", params, e->vcpus, clock_names[e->clock]);
	free(params);
	for (unsigned g = 0; g < e->ngroups; g++)
		printf(" %s", e->groups[g]);
	printf("%s\n  per vCPU and iteration:", e->ngroups ? "" : " (none)");
	for (unsigned k = 0, i; (i = counter_at(k)) < STAT_NCOUNTERS; k++)
		if (x[0].count[i] >= 0) {
			printf("%s %s %" PRId64, any ? "," : "", suite_counter_key(i), x[0].count[i]);
			any = true;
		}
	printf("%s\n  CR8-related exits per iteration:", any ? "" : " no expectation");
	for (enum kp_policy p = 0; p < KP_NPOLICY; p++)
		exits_str(&x[p], true, str[p], sizeof(str[p]));
	/* policies with the same expectation on one line */
	for (unsigned k = 0; k < KP_NPOLICY; k++) {
		enum kp_policy p = policy_order[k];

		if (done[p])
			continue;
		printf("\n    ");
		for (unsigned j = k; j < KP_NPOLICY; j++) {
			enum kp_policy q = policy_order[j];

			if (!done[q] && !strcmp(str[p], str[q])) {
				printf("%s ", kp_policy_name(q));
				done[q] = true;
			}
		}
		printf("%s", str[p]);
	}
	printf("\n  fixed vs unfixed: %s\n", suite_distinguishes(s, &e->vals) ?
	       "told apart" : "not told apart (the same exits and delivery)");
	print_formulas(e);
}

/* A family's cell: its own value, and any policy of it that differs. */
static void family_cell(const struct suite_expect x[KP_NPOLICY], enum kp_policy fam,
			char *buf, size_t len)
{
	char mine[96], other[96];

	exits_str(&x[fam], false, mine, sizeof(mine));
	snprintf(buf, len, "%s", mine);
	for (enum kp_policy p = 0; p < KP_NPOLICY; p++) {
		if (p == fam || strcmp(suite_family(p), kp_policy_name(fam)))
			continue;
		exits_str(&x[p], false, other, sizeof(other));
		if (strcmp(mine, other))
			snprintf(buf + strlen(buf), len - strlen(buf), " (%s: %s)", kp_policy_name(p), other);
	}
}

static void print_entry_md(const struct suite_entry *e, const struct suite_expect x[KP_NPOLICY])
{
	static const enum stat_counter kinds[] = { STAT_cr8_raise, STAT_cr8_same,
						   STAT_cr8_lower_unmask, STAT_cr8_lower };
	static const enum kp_policy fams[] = { KP_FIXED, KP_UNFIXED, KP_VMX_TPR, KP_APICV };
	char cell[256], vcpus[32] = "", *params = suite_entry_params(e);

	if (e->vcpus > 1)
		snprintf(vcpus, sizeof(vcpus), ", %u vCPUs", e->vcpus);
	printf("| `%s` | `%s%s%s`%s | %s", e->name, e->w->name, *params ? " " : "", params, vcpus,
	       e->ngroups ? "" : "—");
	free(params);
	for (unsigned g = 0; g < e->ngroups; g++)
		printf("%s%s", g ? " " : "", e->groups[g]);
	printf(" |");
	for (unsigned k = 0; k < 4; k++)
		if (x[0].count[kinds[k]] >= 0)
			printf(" %" PRId64 " |", x[0].count[kinds[k]]);
		else
			printf(" — |");
	for (unsigned f = 0; f < 4; f++) {
		family_cell(x, fams[f], cell, sizeof(cell));
		printf(" %s |", cell);
	}
	putchar('\n');
}

static int list_suites(const char *group, const char *format)
{
	char err[1024], *path = suite_default_path(), *groups;
	struct suite_expect x[KP_NPOLICY];
	struct suite *s;
	json_t *out = NULL, *list = NULL;
	unsigned shown = 0;
	int st;

	s = suite_load(path, &st, err, sizeof(err));
	free(path);
	if (!s)
		return cli_error(st, "%s", err);
	groups = suite_groups(s);
	if (group) {
		for (unsigned i = 0; i < s->n; i++)
			shown += suite_in_group(&s->e[i], group);
		if (!shown) {
			st = cli_error(EXIT_USAGE, "no entry of %s is in group '%s': the groups are %s",
				       s->path, group, groups);
			goto out;
		}
	}
	if (!strcmp(format, "json")) {
		out = json_pack("{s:s, s:o}", "suites", s->path, "group",
				group ? json_string(group) : json_null());
		list = json_array();
	} else if (!strcmp(format, "md")) {
		printf("| entry | run | groups | raise | same | lower_unmask | lower | fixed | unfixed "
		       "| vmx-tpr | apicv |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
	}
	st = EXIT_OK;
	for (unsigned i = 0, n = 0; i < s->n; i++) {
		const struct suite_entry *e = &s->e[i];

		if (group && !suite_in_group(e, group))
			continue;
		if (expect_all(s, e, x)) {
			st = EXIT_USAGE;
			goto out;
		}
		if (list)
			json_array_append_new(list, entry_json(s, e, x));
		else if (!strcmp(format, "md"))
			print_entry_md(e, x);
		else {
			if (n++)
				putchar('\n');
			print_entry_text(s, e, x);
		}
	}
	if (out) {
		json_t *g = json_array();
		char *tok, *save = NULL;

		for (tok = strtok_r(groups, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			json_array_append_new(g, json_string(tok));
		json_object_set_new(out, "groups", g);
		json_object_set_new(out, "entries", list);
		list = NULL;
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
out:
	json_decref(list);
	json_decref(out);
	free(groups);
	suite_free(s);
	return st;
}

int cmd_list(int argc, char **argv)
{
	struct list_args a = { .format = "text" };
	const struct wl_info *only = NULL;
	int n, rc;

	rc = cli_parse(&cmd_list_spec, argc, argv, &a, &n);
	if (rc)
		return rc == CLI_HELP ? EXIT_OK : rc;
	if (!strcmp(a.format, "md") && !a.suites)
		return cli_usage_error("list", "--format md is the suites table: add --suites, or use "
				       "text or json");
	if (a.suites) {
		if (a.all)
			return cli_usage_error("list", "--all lists test-only workloads, not suites");
		if (n)
			return cli_usage_error("list", "unexpected argument '%s': choose entries with "
					       "--group", argv[0]);
		return list_suites(a.group, a.format);
	}
	if (a.group)
		return cli_usage_error("list", "--group chooses suite entries: give --suites too");
	if (n > 1)
		return cli_usage_error("list", "one workload at a time");
	if (n) {
		only = wl_find(argv[0]);
		if (!only)
			return cli_error(EXIT_USAGE, "unknown workload '%s': run 'irqlbench list' to see the workloads",
					 argv[0]);
	}
	if (!strcmp(a.format, "json"))
		return print_json(only, a.all);
	for (unsigned i = 0; i < wl_ncatalog; i++) {
		const struct wl_info *w = &wl_catalog[i];

		if ((only && w != only) || (!only && w->test_only && !a.all))
			continue;
		print_workload(w);
		putchar('\n');
	}
	printf("common parameters (every workload):\n");
	print_params(wl_common_params);
	return EXIT_OK;
}
