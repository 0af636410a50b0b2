// SPDX-License-Identifier: MIT
/*
 * model.c - `irqlbench model`: runs the guest's own guest_main() (NT layer
 * and workloads compiled for the host) on a simulated vCPU under each
 * requested KVM policy, and writes one result record per policy.
 *
 * The record is built exactly as for a real run: the captured serial text
 * goes through host/record/serial.c and record_apply_report(); the model then adds
 * what only a hypervisor can count (exits by reason, injections, whether
 * unmasking writes delivered at once) from the simulation's own counters,
 * split at the guest's phase markers.
 */
#include "model/model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "catalog.h"
#include "cli/cli.h"
#include "record/record.h"
#include "record/serial.h"
#include "cli/util.h"
#include "store/store_cmd.h"
#include "verify/verdict.h"

struct model_opts {
	const char *workload, *script, *out_dir, *format;
	bool trace, quiet;
	enum trace_format fmt;
	bool pol[KP_NPOLICY];
	struct argv_buf params;
	struct sim_config cfg;
	struct wl_values vals;
	char *script_text;
	size_t script_len;
	unsigned runs;		/* --runs: records of each policy (0, 1: one) */
	unsigned run;		/* the one being made, from 1 */
	const char *apic;	/* --apic: NULL or auto: x2apic (KVM offers it) */
	uint64_t tsc_hz;	/* --tsc-hz (0: not given): cfg.tsc_hz once checked */
	json_t *costs_from;	/* --costs-from: model_costs_from()'s source */
	json_t *cost_overrides;	/* the --cost options the costs kept: {key: cycles} */
};

static const char *const apic_modes[] = { "auto", "xapic", "x2apic", NULL };

static int parse_policies(const struct cli_option *opt, void *args, const char *list,
			  const char *cmd)
{
	struct model_opts *o = args;
	char *dup = xstrdup(list), *save = NULL;
	int rc = 0;

	(void)opt;
	if (!*list || *list == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,")) {
		free(dup);
		return cli_usage_error(cmd, "--policy '%s' has an empty name: write names between the commas, e.g. --policy fixed,unfixed",
				       list);
	}
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum kp_policy p = kp_policy_find(t);

		if (!strcmp(t, "all")) {
			for (unsigned i = 0; i < KP_NPOLICY; i++)
				o->pol[i] = true;
			continue;
		}
		if (p == KP_NPOLICY) {
			char names[256];
			size_t n = 0;

			names[0] = 0;
			for (unsigned i = 0; i < KP_NPOLICY && n < sizeof(names); i++)
				n += (size_t)snprintf(names + n, sizeof(names) - n, "%s, ",
						      kp_policy_name((enum kp_policy)i));
			rc = cli_usage_error(cmd, "unknown policy '%s': use %sor all", t, names);
			break;
		}
		o->pol[p] = true;
	}
	free(dup);
	return rc;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *end || errno || v > max || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_limit(const struct cli_option *opt, void *args, const char *arg, const char *cmd)
{
	struct model_opts *o = args;
	char *dup = xstrdup(arg), *save = NULL;
	int rc = 0;

	(void)opt;
	for (char *t = strtok_r(dup, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (!strncmp(t, "events=", 7) && !parse_u64(t + 7, UINT64_MAX / 2, &v) && v)
			o->cfg.max_events = v;
		else if (!strncmp(t, "time_ms=", 8) && !parse_u64(t + 8, 86400000ull, &v) && v)
			o->cfg.max_time_ms = v;
		else
			rc = cli_usage_error(cmd, "bad --limit '%s': use events=N,time_ms=N with N >= 1", t);
	}
	free(dup);
	return rc;
}

/* Checks every --param against the catalog before anything runs. */
static int check_params(struct model_opts *o, const struct wl_info *w)
{
	char err[256];

	wl_values_init(&o->vals, w);
	for (unsigned i = 0; i < o->params.n; i++) {
		const char *kv = o->params.v[i], *eq = strchr(kv, '=');

		if (!eq || eq == kv)
			return cli_usage_error("model", "--param '%s' is not NAME=VALUE", kv);
		if (strchr(kv, ' '))
			return cli_usage_error("model", "--param '%s' contains a space", kv);
		if (wl_values_set(&o->vals, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1),
				  err, sizeof(err)))
			return cli_error(EXIT_USAGE, "model: %s", err);
	}
	return 0;
}

/* --cost K=V: set, and kept in cost_overrides for the record (a later
 * --costs-from that measures K takes it out again). */
static int set_cost(const struct cli_option *opt, void *args, const char *kv, const char *cmd)
{
	struct model_opts *o = args;
	const char *eq = strchr(kv, '=');
	char err[256], *key;

	(void)opt;
	if (sim_set_cost(&o->cfg, kv, err, sizeof(err)))
		return cli_usage_error(cmd, "%s", err);
	key = xasprintf("%.*s", (int)(eq - kv), kv);	/* sim_set_cost checked K=V */
	json_object_set_new(o->cost_overrides, key,
			    json_integer((json_int_t)strtoull(eq + 1, NULL, 0)));
	free(key);
	return 0;
}

/* A record file (an existing file, or a '/' or ".json" in the name) or a
 * stored run's id (the store of $IRQLBENCH_DB, else results/irqlbench.db). */
static json_t *load_record(const char *arg, const char *cmd, int *rc)
{
	size_t n = strlen(arg);
	const char *db = store_default_path(NULL);
	char err[1024];
	struct stat st;
	struct store *s;
	json_t *rec;

	if (!stat(arg, &st) && S_ISDIR(st.st_mode)) {
		*rc = cli_error(EXIT_USAGE, "%s: --costs-from %s is a directory: give a record file (record.json) or a stored run's id",
				cmd, arg);
		return NULL;
	}
	if (!stat(arg, &st) || strchr(arg, '/') || (n > 5 && !strcmp(arg + n - 5, ".json"))) {
		rec = record_load(arg, err, sizeof(err));
		if (!rec)
			*rc = cli_error(EXIT_USAGE, "%s: --costs-from %s: %s: give a record file (results/SCHEMA.md) or a stored run's id",
					cmd, arg, err);
		return rec;
	}
	if (stat(db, &st)) {
		*rc = cli_error(EXIT_USAGE, "%s: --costs-from %s: no such record file, and no results store at %s to find a run of that id in: give a record file, or set IRQLBENCH_DB to the store",
				cmd, arg, db);
		return NULL;
	}
	s = store_open_cmd(db, false);
	if (!s) {
		*rc = EXIT_STORE;
		return NULL;
	}
	rec = store_run_record(s, arg, err, sizeof(err));
	if (!rec)
		*rc = cli_error(EXIT_USAGE, "%s: --costs-from %s: %s: give a record file or the id of a stored run ('irqlbench results list')",
				cmd, arg, err);
	store_close(s);
	return rec;
}

static int parse_costs_from(const struct cli_option *opt, void *args, const char *arg,
			    const char *cmd)
{
	struct model_opts *o = args;
	char err[1024];
	json_t *rec;
	int rc = 0;

	(void)opt;
	if (o->costs_from)
		return cli_usage_error(cmd, "--costs-from given twice: the costs come from one record");
	rec = load_record(arg, cmd, &rc);
	if (!rec)
		return rc;
	if (model_costs_from(&o->cfg, rec, &o->costs_from, err, sizeof(err))) {
		rc = cli_error(EXIT_USAGE, "%s: --costs-from %s: %s", cmd, arg, err);
	} else {
		const char *key;
		json_t *v;

		/* an earlier --cost of a key the record measured is replaced */
		json_object_foreach(json_object_get(o->costs_from, "measured"), key, v)
			json_object_del(o->cost_overrides, key);
	}
	json_decref(rec);
	return rc;
}

static const struct cli_option model_options[] = {
	{ CLI_STRING('w', "workload", struct model_opts, workload, "W",
		     "the workload ('irqlbench list' shows them)") },
	{ CLI_STRING('s', "script", struct model_opts, script, "FILE",
		     "a scenario script (runs the 'script' workload)") },
	{ CLI_CALLBACK('P', "policy", "LIST", parse_policies,
		       "comma-separated, or 'all' (the policies are listed\n"
		       "below, with the kernels they stand for)"), .flags = CLI_OPT_REPEAT },
	{ CLI_LIST('p', "param", struct model_opts, params, "K=V",
		   "a workload or common parameter") },
	{ CLI_CALLBACK('c', "cost", "K=V", set_cost,
		       "a cost in TSC cycles (keys below); the records\n"
		       "name it (provenance.model.cost_overrides)"), .flags = CLI_OPT_REPEAT },
	{ CLI_CALLBACK(0, "costs-from", "RECORD", parse_costs_from,
		       "the costs measured in RECORD (a kvm or lab record file,\n"
		       "or a stored run's id): each exit reason's mean time\n"
		       "from kvm_exit to kvm_entry, a probe=1 run's untrapped\n"
		       "CR8 write, in its guest's TSC cycles (its tsc_hz); the\n"
		       "rest keep their defaults.  Applied where it stands:\n"
		       "a later --cost overrides it.  The records get\n"
		       "provenance.model.costs_from and exit_times") },
	{ CLI_CALLBACK('l', "limit", "L", parse_limit,
		       "events=N (platform calls, default 200000000) and/or\n"
		       "time_ms=N (simulated, default 60000), comma-separated") },
	{ CLI_U64(0, "host-hz", struct model_opts, cfg.host_hz, "N", 0, 1000000,
		  "host timer ticks per second, each an 'interrupt' exit:\n"
		  "the unrelated exits that deliver a late interrupt\n"
		  "(default 250; 0: none)") },
	{ CLI_CHOICE(0, "apic", struct model_opts, apic, apic_modes,
		     "the guest's local APIC mode, as 'run --apic': auto\n"
		     "(default) is x2apic, since KVM offers x2APIC to every\n"
		     "guest (the lab's and kvm's guests use it too); in x2APIC\n"
		     "mode an APIC access that exits is an msr exit, in xAPIC\n"
		     "mode an npf (SVM; Intel: MSR_WRITE / APIC_ACCESS)") },
	{ CLI_UINT(0, "vcpus", struct model_opts, cfg.ncpus, "N", 1, MAX_CPUS,
		   "simulated vCPUs (default 1): each runs the guest's code,\n"
		   "one at a time in simulated-time order, with its own\n"
		   "host tick, timer and counters (the record's vcpus[])") },
	{ CLI_U64(0, "tsc-hz", struct model_opts, tsc_hz, "N", 1000000, 100000000000ull,
		  "the simulated TSC frequency (default 2500000000; with\n"
		  "--costs-from, its record's guest.tsc_hz, which only\n"
		  "it may repeat)") },
	{ CLI_FLAG('t', "trace", struct model_opts, trace,
		   "print the step table (event, IRR, ISR, CR8, TPR, PPR,\n"
		   "intercept, exit, injected vector); for seed-table also\n"
		   "the upstream discussion's table with the rows where the\n"
		   "kernel differs marked.  Use small iterations/warmup.\n"
		   "With --vcpus N: vCPU 0's steps only (stderr says so)") },
	{ CLI_FORMAT('f', struct model_opts, format,
		     "the step table as text (default), md, csv or latex (a tabular)") },
	{ CLI_U64(0, "trace-max", struct model_opts, cfg.trace_max, "N", 1, 100000000,
		  "steps kept per run (default 100000)") },
	{ CLI_STRING('o', "out-dir", struct model_opts, out_dir, "DIR",
		     "write DIR/<workload>-<policy>.json, .serial.log (and\n"
		     ".trace.csv with --trace); default, as for 'run':\n"
		     "results/runs/<id>/record.json, serial.log, trace.csv") },
	{ CLI_UINT(0, "runs", struct model_opts, runs, "N", 1, 64,
		   "N runs of each policy, a record each with its own id and\n"
		   "provenance (default 1); the simulation is deterministic,\n"
		   "so their numbers are the same: N samples a side, as the\n"
		   "lab's and kvm's runs give; with --out-dir the files are\n"
		   "<workload>-<policy>-<k>") },
	{ CLI_FLAG('q', "quiet", struct model_opts, quiet,
		   "no summary lines (the records are written all the same)") },
	{ CLI_END },
};

static void model_help_costs(FILE *f)
{
	fprintf(f, "\npolicies (docs/kvm-cr8-model.md §7.2):\n");
	for (unsigned p = 0; p < KP_NPOLICY; p++)
		fprintf(f, "  %-9s %s\n", kp_policy_name((enum kp_policy)p),
			kp_policy_help((enum kp_policy)p));
	fprintf(f, "\ncost keys (TSC cycles; defaults for a current AMD core at 2.5 GHz):\n");
	sim_print_costs(f);
}

const struct cli_spec cmd_model_spec = {
	.name = "model",
	.usage = "(--workload W | --script FILE) --policy P[,P...]\n"
		 "  [--param K=V ...] [--costs-from RECORD] [--cost K=V ...]\n"
		 "  [--limit events=N,time_ms=N] [--host-hz N] [--tsc-hz N] [--vcpus N]\n"
		 "  [--trace [--format text|md|csv|latex] [--trace-max N]]\n"
		 "  [--runs N] [--out-dir DIR]",
	.description =
	"Runs workload W (the guest's own code) on a simulated vCPU whose CR8 and\n"
	"local APIC are handled by a model of KVM (docs/kvm-cr8-model.md), once per policy,\n"
	"and writes one result record per policy (backend model), even with -q.\n",
	.epilog =
	"exit status: 0 every run complete with verdict ok; 1 a run failed (guest\n"
	"verdict fail, guest error, or a VM entry the CPU refused: one line says\n"
	"'VM entry failed', its record is \"failed\" with error.kind entry-failed);\n"
	"2 usage error (unknown workload or policy, bad parameter or cost, a\n"
	"--costs-from record that gives no cost); 3 a record could not be written;\n"
	"4 a simulation limit was hit; 5 the store of a --costs-from run id is unusable.  Every run that starts\n"
	"writes its record.\n",
	.options = model_options,
	.formats = CLI_FMT_TEXT | CLI_FMT_MD | CLI_FMT_CSV | CLI_FMT_LATEX,
	.help_extra = model_help_costs,
};

static int parse_args(struct model_opts *o, int argc, char **argv)
{
	static const enum trace_format fmts[] = { TRACE_TEXT, TRACE_MD, TRACE_CSV, TRACE_LATEX };
	static const char *const names[] = { "text", "md", "csv", "latex" };
	bool any = false;
	int n, rc;

	rc = cli_parse(&cmd_model_spec, argc, argv, o, &n);
	if (rc)
		return rc;
	for (unsigned i = 0; o->format && i < 4; i++)
		if (!strcmp(o->format, names[i]))
			o->fmt = fmts[i];
	if (o->format && !o->trace)
		return cli_usage_error("model", "--format %s shapes the step table: add --trace, or drop --format",
				       o->format);
	for (unsigned i = 0; i < KP_NPOLICY; i++)
		any |= o->pol[i];
	if (!any)
		return cli_usage_error("model", "no --policy given: e.g. --policy fixed,prefix or --policy all");
	if (o->script && o->workload && strcmp(o->workload, "script"))
		return cli_usage_error("model", "--script runs the 'script' workload: drop --workload %s", o->workload);
	if (o->script)
		o->workload = "script";
	if (!o->workload)
		return cli_usage_error("model", "no workload: give --workload W or --script FILE");
	/* --costs-from set cfg.tsc_hz to its record's rate, whatever the order
	 * of the options: a --tsc-hz given with it may only repeat that rate */
	if (o->tsc_hz && o->costs_from && o->tsc_hz != o->cfg.tsc_hz)
		return cli_usage_error("model", "--tsc-hz %llu and --costs-from: the record's guest.tsc_hz (%llu) sets the rate its costs are in; drop --tsc-hz",
				       (unsigned long long)o->tsc_hz, (unsigned long long)o->cfg.tsc_hz);
	if (o->tsc_hz)
		o->cfg.tsc_hz = o->tsc_hz;
	return 0;
}

/* --- one run ----------------------------------------------------------------- */


static json_t *named_counts_exits(const struct kp_stats *s, enum kp_policy p)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < KX_N; i++) {
		/* the CR8-related exit is always present, even at 0 */
		bool cr8 = kp_has_cr8_exit(p) && i == kp_cr8_exit(p);

		const char *name = kp_exit_name(p, (enum kp_exit)i);
		json_int_t had = json_integer_value(json_object_get(o, name));

		/* SVM's msr is one reason for MSR writes and reads: summed */
		if (s->exits[i] || cr8)
			json_object_set_new(o, name, json_integer(had + (json_int_t)s->exits[i]));
	}
	return o;
}

static json_t *named_counts_inj(const struct kp_stats *s)
{
	json_t *o = json_object();

	for (unsigned v = 0; v < 256; v++) {
		char k[8];

		if (!s->inj[v])
			continue;
		snprintf(k, sizeof(k), "0x%02x", v);
		json_object_set_new(o, k, json_integer((json_int_t)s->inj[v]));
	}
	return o;
}

/* The exit times the simulation charged, as a traced record's exit_times
 * (host/trace/kvm_fold_json.c): ns, log-linear buckets.  Every exit of a
 * kind cost the same; SVM names two kinds msr (WRMSR and RDMSR), whose
 * costs may differ: a name's entry is then their merge. */
struct named_time {
	const char *name;
	uint64_t n[2];
	double ns[2];		/* sorted: ns[0] <= ns[1] */
};

static double named_quantile(const struct named_time *t, double q)
{
	return (double)t->n[0] >= q * (double)(t->n[0] + t->n[1]) ? t->ns[0] : t->ns[1];
}

static json_t *named_exit_times(const struct kp_stats *s, const struct sim_config *cfg,
				enum kp_policy p)
{
	struct named_time t[KX_N];
	unsigned nt = 0;
	json_t *o = json_object();

	for (unsigned k = 0; k < KX_N; k++) {
		double cyc = (double)(cfg->cost.exit[k] + (k == KX_APIC ? cfg->cost.mmio : 0));
		double ns = cyc * 1e9 / (double)cfg->tsc_hz;
		const char *name = kp_exit_name(p, (enum kp_exit)k);
		unsigned j;

		if (!s->exits[k])
			continue;
		for (j = 0; j < nt && strcmp(t[j].name, name); j++)
			;
		if (j == nt) {
			t[nt++] = (struct named_time){ name, { s->exits[k], 0 }, { ns, ns } };
		} else if (ns < t[j].ns[0]) {	/* the second kind of that name */
			t[j].n[1] = t[j].n[0], t[j].ns[1] = t[j].ns[0];
			t[j].n[0] = s->exits[k], t[j].ns[0] = ns;
		} else {
			t[j].n[1] = s->exits[k], t[j].ns[1] = ns;
		}
	}
	for (unsigned j = 0; j < nt; j++) {
		json_t *buckets = json_array();
		uint64_t n = t[j].n[0] + t[j].n[1], over = 0;
		double sum = t[j].ns[0] * (double)t[j].n[0] + t[j].ns[1] * (double)t[j].n[1];

		for (unsigned h = 0; h < 2; h++) {
			unsigned b = hist_index((uint64_t)llround(t[j].ns[h]));
			json_t *last = json_array_get(buckets, json_array_size(buckets) - 1);

			if (!t[j].n[h])
				continue;
			if (b >= HIST_NBOUNDS)
				over += t[j].n[h];
			else if (last && json_integer_value(json_array_get(last, 0)) == (json_int_t)hist_bound(b))
				json_array_set_new(last, 1, json_integer(json_integer_value(json_array_get(last, 1)) +
									(json_int_t)t[j].n[h]));
			else
				json_array_append_new(buckets, json_pack("[I, I]", (json_int_t)hist_bound(b),
									 (json_int_t)t[j].n[h]));
		}
		json_object_set_new(o, t[j].name, json_pack(
			"{s:s, s:s, s:I, s:I, s:f, s:f, s:f, s:f, s:I, s:o, s:f, s:f}",
			"unit", "ns", "layout", HIST_LAYOUT, "n", (json_int_t)n, "untimed", (json_int_t)0,
			"sum", sum, "min", t[j].n[0] ? t[j].ns[0] : t[j].ns[1],
			"max", t[j].n[1] ? t[j].ns[1] : t[j].ns[0], "mean", sum / (double)n,
			"overflow", (json_int_t)over, "buckets", buckets,
			"p50", named_quantile(&t[j], 0.5), "p99", named_quantile(&t[j], 0.99)));
	}
	return o;
}

void model_record_add(json_t *rec, const struct sim_config *cfg, const struct sim_result *r,
		      json_t *costs_from, json_t *cost_overrides)
{
	json_t *phases = json_object_get(rec, "phases"), *ph, *m, *costs;
	uint64_t entry_failed = 0;
	size_t i;

	json_array_foreach(phases, i, ph) {
		json_t *idx = json_object_get(ph, "idx"), *vcpus = json_object_get(ph, "vcpus");
		json_t *vc;
		size_t k;
		json_int_t pi = json_is_integer(idx) ? json_integer_value(idx) : -1;
		const struct kp_stats *s;

		if (pi < 0 || pi >= MAX_PHASES)
			continue;
		json_array_foreach(vcpus, k, vc) {
			json_t *cpu = json_object_get(vc, "cpu");

			/* the guest's CPU index is the model's vCPU index */
			if (!json_is_integer(cpu) || json_integer_value(cpu) < 0 ||
			    json_integer_value(cpu) >= (json_int_t)r->ncpus)
				continue;
			s = &r->cpu[json_integer_value(cpu)].phase[pi];
			json_object_set_new(vc, "exits", named_counts_exits(s, cfg->policy));
			json_object_set_new(vc, "injections", named_counts_inj(s));
			if (costs_from)
				json_object_set_new(vc, "exit_times",
						    named_exit_times(s, cfg, cfg->policy));
			json_object_set_new(vc, "delivery", json_pack(
				"{s:I, s:I, s:I, s:I, s:I}",
				"unmasking_writes", (json_int_t)s->unmasking,
				"immediate", (json_int_t)s->immediate,
				"late", (json_int_t)s->late,
				"late_max_cycles", (json_int_t)s->late_max,
				"violations", (json_int_t)s->violations));
		}
	}
	costs = json_object();
	for (unsigned c = 0; c < r->ncpus; c++) {
		for (unsigned k = 0; k <= MAX_PHASES; k++)
			entry_failed += r->cpu[c].phase[k].entry_failed;
		entry_failed += r->cpu[c].markers.entry_failed;
	}
	for (unsigned k = 0; k < KX_N; k++) {
		const char *name = kp_exit_name(cfg->policy, (enum kp_exit)k);

		/* SVM's msr names WRMSR and RDMSR: the read's cost as msr_read */
		json_object_set_new(costs, json_object_get(costs, name) ?
				    (k == KX_MSR_READ ? "msr_read" : "?") : name,
				    json_integer((json_int_t)cfg->cost.exit[k]));
	}
	m = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:f}",
		      "policy", kp_policy_name(cfg->policy),
		      "tsc_hz", (json_int_t)cfg->tsc_hz, "host_hz", (json_int_t)cfg->host_hz,
		      "cost_insn", (json_int_t)cfg->cost.insn, "cost_cr8", (json_int_t)cfg->cost.cr8,
		      "cost_mmio", (json_int_t)cfg->cost.mmio,
		      "cost_deliver", (json_int_t)cfg->cost.deliver,
		      "cost_iret", (json_int_t)cfg->cost.iret,
		      "max_events", (json_int_t)cfg->max_events,
		      "max_time_ms", (json_int_t)cfg->max_time_ms,
		      "exit_costs", costs,
		      "events", (json_int_t)r->events, "cycles", (json_int_t)r->cycles,
		      "wall_s", r->wall_s);
	/* VM entries the CPU refused (a failed record's error says which) */
	json_object_set_new(m, "entry_failed", json_integer((json_int_t)entry_failed));
	/* where the costs came from: a measured record, or the defaults */
	json_object_set_new(m, "costs_from", costs_from ? json_deep_copy(costs_from) : json_null());
	/* and the --cost options that changed them after (or besides) that */
	json_object_set_new(m, "cost_overrides", cost_overrides ? json_deep_copy(cost_overrides) :
			    json_object());
	json_object_set_new(json_object_get(rec, "provenance"), "model", m);
	json_object_set_new(json_object_get(rec, "provenance"), "apic",
			    json_string(cfg->x2apic ? "x2apic" : "xapic"));
}

static const char *end_kind(const struct sim_result *r, const struct serial_report *sr)
{
	if (r->end == SIM_LIMIT)
		return "timeout";
	if (sr->outcome == SERIAL_EXCEPTION)
		return "exception";
	if (sr->outcome == SERIAL_ERROR)
		return !strcmp(sr->error_code, "badparam") ? "bad-param" : "guest-error";
	if (sr->outcome == SERIAL_TRUNCATED)
		return "truncated";
	if (sr->outcome == SERIAL_GARBLED)
		return "garbled";
	return "launch";
}

/*
 * Where one policy's record and its logs go: with --out-dir,
 * DIR/<workload>-<policy>.json, .serial.log and .trace.csv (with --runs N,
 * <workload>-<policy>-<k> for run k); else, as for
 * 'run', results/runs/<id>/record.json, serial.log and trace.csv.
 */
struct out_paths {
	char *dir, *record, *serial, *trace;
};

static void out_paths(const struct model_opts *o, enum kp_policy p, const char *id,
		      struct out_paths *op)
{
	if (o->out_dir) {
		char *stem = o->runs > 1 ?
			xasprintf("%s/%s-%s-%u", o->out_dir, o->workload, kp_policy_name(p), o->run) :
			xasprintf("%s/%s-%s", o->out_dir, o->workload, kp_policy_name(p));

		op->dir = xstrdup(o->out_dir);
		op->record = xasprintf("%s.json", stem);
		op->serial = xasprintf("%s.serial.log", stem);
		op->trace = xasprintf("%s.trace.csv", stem);
		free(stem);
	} else {
		op->dir = xasprintf("results/runs/%s", id);
		op->record = xasprintf("%s/record.json", op->dir);
		op->serial = xasprintf("%s/serial.log", op->dir);
		op->trace = xasprintf("%s/trace.csv", op->dir);
	}
}

static void out_paths_free(struct out_paths *op)
{
	free(op->dir);
	free(op->record);
	free(op->serial);
	free(op->trace);
}

static int write_error(const char *path)
{
	return cli_error(EXIT_ENV, "model: cannot write %s: %s: choose another --out-dir", path,
			 strerror(errno));
}

/* Writes the serial log, the trace (with --trace) and the record, which
 * names them relative to itself.  0, or EXIT_ENV after one error line. */
static int write_outputs(const struct model_opts *o, enum kp_policy p, const struct sim_result *r,
			 json_t *rec, const struct out_paths *op)
{
	json_t *art = json_object_get(rec, "artifacts");
	char *base;
	FILE *f;

	struct stat st;
	int rc;

	if (util_mkdir_p(op->dir))
		return cli_error(EXIT_ENV, "model: cannot create %s: %s: choose another --out-dir",
				 op->dir, strerror(errno));
	/* nothing is written where the record cannot go */
	if (!stat(op->record, &st) && !S_ISREG(st.st_mode)) {
		errno = EISDIR;
		return write_error(op->record);
	}
	if (util_write_atomic(op->serial, r->out ? r->out : "", r->outlen))
		return write_error(op->serial);
	base = util_basename(op->serial);
	json_object_set_new(art, "serial_log", json_string(base));
	free(base);
	if (o->trace) {
		f = fopen(op->trace, "w");
		if (f)
			trace_print(f, r, p, TRACE_CSV, false, (double)o->cfg.tsc_hz);
		if (!f || fclose(f)) {
			rc = write_error(op->trace);
			goto undo;
		}
		base = util_basename(op->trace);
		json_object_set_new(art, "trace", json_string(base));
		free(base);
	}
	if (!record_write(rec, op->record))
		return 0;
	rc = write_error(op->record);
undo:	/* no log without its record */
	if (o->trace)
		unlink(op->trace);
	unlink(op->serial);
	return rc;
}

/* Adds b's counts to a (late_max: the larger). */
static void stats_add(struct kp_stats *a, const struct kp_stats *b)
{
	for (unsigned i = 0; i < KX_N; i++)
		a->exits[i] += b->exits[i];
	for (unsigned i = 0; i < KO_N; i++)
		a->ops[i] += b->ops[i];
	a->unmasking += b->unmasking;
	a->immediate += b->immediate;
	a->late += b->late;
	if (b->late_max > a->late_max)
		a->late_max = b->late_max;
	a->violations += b->violations;
	a->entry_failed += b->entry_failed;
}

/*
 * One line: the measured phases (the record's "measured" ones: a script's
 * `mark` phases too) summed over every vCPU, as the record's metrics are;
 * failed VM entries of any phase.
 */
static void summary(const struct model_opts *o, enum kp_policy p, const struct sim_result *r,
		    json_t *rec, const char *path)
{
	struct kp_stats s = { 0 };
	uint64_t cr8x, all = 0, failed = 0;
	unsigned ncpus = r->ncpus ? r->ncpus : 1;
	char extra[96] = "";
	json_t *ph;
	size_t k;

	if (o->quiet)
		return;
	json_array_foreach(json_object_get(rec, "phases"), k, ph) {
		json_int_t idx = json_integer_value(json_object_get(ph, "idx"));

		if (json_is_true(json_object_get(ph, "measured")) && idx >= 0 && idx <= MAX_PHASES)
			for (unsigned c = 0; c < ncpus; c++)
				stats_add(&s, &r->cpu[c].phase[idx]);
	}
	cr8x = s.exits[KX_CR8] + s.exits[KX_TPR_BELOW];
	for (unsigned i = 0; i < KX_N; i++)
		all += s.exits[i];
	for (unsigned c = 0; c < ncpus; c++) {
		failed += r->cpu[c].markers.entry_failed;
		for (unsigned i = 0; i <= MAX_PHASES; i++)
			failed += r->cpu[c].phase[i].entry_failed;
	}
	/* shown only when they happen: a priority violation, a failed entry */
	if (s.violations || failed)
		snprintf(extra, sizeof(extra), " violations=%llu entry_failed=%llu",
			 (unsigned long long)s.violations, (unsigned long long)failed);
	printf("model %-8s %-16s %-8s measured%s: cr8_writes=%llu cr8_exits=%llu exits=%llu unmasking=%llu immediate=%llu late=%llu late_max_us=%.1f%s  (%llu events, %.1f ms simulated, %.3f s) record %s\n",
	       kp_policy_name(p), o->workload,
	       json_string_value(json_object_get(rec, "status")),
	       ncpus > 1 ? ", all vCPUs" : "",
	       (unsigned long long)s.ops[KO_CR8], (unsigned long long)cr8x,
	       (unsigned long long)all, (unsigned long long)s.unmasking,
	       (unsigned long long)s.immediate, (unsigned long long)s.late,
	       (double)s.late_max * 1e6 / (double)o->cfg.tsc_hz, extra,
	       (unsigned long long)r->events, (double)r->cycles * 1e3 / (double)o->cfg.tsc_hz,
	       r->wall_s, path);
}

/* Returns the exit status of this policy's run. */
static int run_policy(struct model_opts *o, enum kp_policy p, const char *cmdline)
{
	struct boot_info bi;
	struct sim_config cfg = o->cfg;
	struct sim_result r;
	struct serial_report sr;
	struct out_paths op;
	double t0 = util_now();
	char *id, *be, when[32];
	json_t *rec;
	int status = EXIT_OK, st;

	memset(&bi, 0, sizeof(bi));
	bi.cmdline = cmdline;
	if (o->script) {
		bi.nmods = 1;
		bi.mods[0].data = o->script_text;
		bi.mods[0].size = o->script_len;
		bi.mods[0].name = o->script;
	}
	cfg.policy = p;
	cfg.x2apic = !o->apic || strcmp(o->apic, "xapic");
	cfg.trace = o->trace;
	sim_run(&cfg, &bi, &r);

	/* <utc>-model-<policy>-<workload>-<hex>, as the lab's ids name the variant */
	be = xasprintf("model-%s", kp_policy_name(p));
	id = record_make_id(t0, be, o->workload);
	free(be);
	out_paths(o, p, id, &op);
	rec = record_new(id, "model", o->workload);
	json_object_set_new(rec, "launcher", json_string("model"));
	json_object_set_new(rec, "policy", json_string(kp_policy_name(p)));
	util_utc_iso(t0, when, sizeof(when));
	json_object_set_new(json_object_get(rec, "provenance"), "started_utc", json_string(when));
	json_object_set_new(json_object_get(rec, "provenance"), "duration_s",
			    json_real(util_now() - t0));
	json_object_set_new(json_object_get(rec, "provenance"), "host", record_host_facts());

	serial_parse(r.out ? r.out : "", r.outlen, &sr);
	if (r.end == SIM_ENTRY_FAIL) {
		/* the VM died: no report, a failed record with what failed */
		record_fail(rec, "entry-failed", r.message);
		model_record_add(rec, &cfg, &r, o->costs_from, o->cost_overrides);
		fprintf(stderr, "irqlbench: model %s %s: %s\n", kp_policy_name(p), o->workload,
			r.message);
		status = EXIT_RUN_FAILED;
	} else if (r.end == SIM_LIMIT || r.end == SIM_ERROR) {
		record_fail(rec, r.end == SIM_LIMIT ? "timeout" : "launch", r.message);
		model_record_add(rec, &cfg, &r, o->costs_from, o->cost_overrides);	/* the costs and limits that led here */
		fprintf(stderr, "irqlbench: model %s %s: %s\n", kp_policy_name(p), o->workload, r.message);
		status = r.end == SIM_LIMIT ? EXIT_TIMEOUT : EXIT_RUN_FAILED;
	} else if (sr.outcome == SERIAL_REPORT && !record_apply_report(rec, &sr)) {
		json_object_set_new(rec, "policy", json_string(kp_policy_name(p)));
		model_record_add(rec, &cfg, &r, o->costs_from, o->cost_overrides);
		if (!strcmp(json_string_value(json_object_get(rec, "status")), "failed")) {
			fprintf(stderr, "irqlbench: model %s %s: verdict fail: %s; %s%s\n",
				kp_policy_name(p), o->workload, sr.reason,
				cfg.host_hz ? "the workload's own check failed, the failed record "
				"has its counters: " : "with --host-hz 0 no host tick exit delivers "
				"an interrupt a CR8 write left pending: give --host-hz N > 0; record ",
				op.record);
			status = EXIT_RUN_FAILED;
		}
	} else {
		const char *msg = sr.outcome == SERIAL_ERROR ? sr.error_msg : sr.message;

		record_fail(rec, end_kind(&r, &sr), msg[0] ? msg : "the guest printed no report");
		fprintf(stderr, "irqlbench: model %s %s: guest failed (%s): %s\n", kp_policy_name(p),
			o->workload, serial_outcome_name(sr.outcome), msg);
		status = sr.outcome == SERIAL_ERROR && !strcmp(sr.error_code, "badparam") ?
			 EXIT_USAGE : EXIT_RUN_FAILED;
	}
	serial_report_free(&sr);

	if (o->trace) {
		if (r.ncpus > 1)
			fprintf(stderr, "irqlbench model: note: the step table is vCPU 0's only, "
				"of %u vCPUs; the record has every vCPU's counts\n", r.ncpus);
		trace_print(stdout, &r, p, o->fmt, !strcmp(o->workload, "seed-table"),
			    (double)cfg.tsc_hz);
	}
	st = write_outputs(o, p, &r, rec, &op);
	if (st)
		status = st;
	else
		summary(o, p, &r, rec, op.record);
	out_paths_free(&op);
	json_decref(rec);
	free(id);
	sim_result_free(&r);
	return status;
}

int cmd_model(int argc, char **argv)
{
	struct model_opts o;
	const struct wl_info *w;
	char *cmdline;
	int rc, worst = EXIT_OK;

	memset(&o, 0, sizeof(o));
	sim_defaults(&o.cfg);
	o.cost_overrides = json_object();
	rc = parse_args(&o, argc, argv);
	if (rc) {
		rc = rc == CLI_HELP ? EXIT_OK : rc;
		goto out;
	}
	w = wl_find(o.workload);
	if (!w) {
		rc = cli_error(EXIT_USAGE, "model: unknown workload '%s': see 'irqlbench list'", o.workload);
		goto out;
	}
	if (w->test_only) {
		rc = cli_error(EXIT_USAGE, "model: workload '%s' is test-only and runs only in the real guest", o.workload);
		goto out;
	}
	if (w->needs_script && !o.script) {
		rc = cli_usage_error("model", "workload '%s' needs --script FILE", o.workload);
		goto out;
	}
	if ((rc = check_params(&o, w)))
		goto out;
	/* read once (a pipe reads once); a script error is a usage error: no record */
	if (o.script && (!(o.script_text = cli_read_script(o.script, &o.script_len, &rc)) ||
			 (rc = cli_check_script_text(o.script, o.script_text, o.script_len, true,
						     o.cfg.ncpus ? o.cfg.ncpus : 1))))
		goto out;
	if ((rc = cli_check_vcpus(w, o.cfg.ncpus)))
		goto out;
	if (o.out_dir && util_mkdir_p(o.out_dir)) {
		rc = cli_error(EXIT_ENV, "model: cannot create %s: %s: choose another --out-dir",
			       o.out_dir, strerror(errno));
		goto out;
	}
	cmdline = guest_cmdline_join(o.workload, &o.params);
	for (unsigned p = 0; p < KP_NPOLICY && worst != EXIT_ENV; p++) {
		for (o.run = 1; o.pol[p] && o.run <= (o.runs ? o.runs : 1); o.run++) {
			int st = run_policy(&o, (enum kp_policy)p, cmdline);

			/* keep the most telling status: limits over failures */
			if (st == EXIT_TIMEOUT || (st && worst != EXIT_TIMEOUT))
				worst = st;
			if (st == EXIT_ENV)	/* no record can be written: say it once */
				break;
		}
	}
	free(cmdline);
	rc = worst;
out:
	free(o.script_text);
	argv_free(&o.params);
	json_decref(o.costs_from);
	json_decref(o.cost_overrides);
	return rc;
}
