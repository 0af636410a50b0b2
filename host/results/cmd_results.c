// SPDX-License-Identifier: MIT
/*
 * cmd_results.c - `irqlbench results import|list|show|export|delete`.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/stopsig.h"
#include "results/import_serial.h"
#include "results/kcidb.h"
#include "store/store_cmd.h"
#include "store/store.h"
#include "record/record.h"
#include "results/exit_table.h"
#include "verify/verify.h"

struct results_args {
	const char *db, *format, *serial;
	struct argv_buf tags;		/* import --serial --tag */
	struct run_filter f;
	bool failed_only, metrics, exits;
};

/* --workload W, --backend B, ...: the option's name is the selector's key */
static int add_filter(const struct cli_option *o, void *filter, const char *value, const char *cmd)
{
	char err[256];

	if (filter_add(filter, o->name, value, err, sizeof(err)))
		return cli_usage_error(cmd, "--%s %s: %s", o->name, value, err);
	return 0;
}

#define FILTER(key, arg, help) \
	{ CLI_CALLBACK_AT(0, key, struct results_args, f, arg, add_filter, help) }
#define RESULTS_FILTERS \
	FILTER("workload", "W", "only the runs of workload W"), \
	FILTER("backend", "B", "only the runs of backend B (tcg, kvm, guest, lab, model)"), \
	FILTER("policy", "P", "only the runs of model policy P"), \
	FILTER("variant", "V", "only the runs of lab variant V"), \
	FILTER("kernel", "K", "only the runs on kernel K"), \
	FILTER("tag", "T", "only the runs tagged T"), \
	{ CLI_STORE_SELECT(struct results_args, f) }
#define RESULTS_DB	{ CLI_STORE_DB(0, struct results_args, db) }

static const struct cli_option import_opts[] = {
	RESULTS_DB,
	{ CLI_STRING(0, "serial", struct results_args, serial, "LOG",
		     "a serial log captured from the guest (the ISO of\n"
		     "'irqlbench image'): a record per report") },
	{ CLI_LIST(0, "tag", struct results_args, tags, "T",
		   "with --serial: a tag for its records") },
	{ CLI_END },
};

static const struct cli_option list_opts[] = {
	RESULTS_DB,
	RESULTS_FILTERS,
	{ CLI_FLAG(0, "failed-only", struct results_args, failed_only, "only the failed runs") },
	{ CLI_FORMAT(0, struct results_args, format, "a table (default) or one JSON object") },
	{ CLI_JSON(struct results_args, format) },
	{ CLI_END },
};

static const struct cli_option show_opts[] = {
	RESULTS_DB,
	{ CLI_FLAG(0, "metrics", struct results_args, metrics,
		   "only the run's metrics (what compare, report, plot and\nverify use)") },
	{ CLI_FLAG(0, "exits", struct results_args, exits,
		   "only the run's exits and their handling times, as\n'perf kvm stat report' lays them out (kvm, lab)") },
	{ CLI_FORMAT(0, struct results_args, format,
		     "with --metrics: text (default) or one JSON object\n"
		     "{\"id\", \"status\", \"metrics\": {NAME: VALUE}}") },
	{ CLI_JSON(struct results_args, format) },
	{ CLI_END },
};

static const struct cli_option export_opts[] = {
	RESULTS_DB,
	{ CLI_FORMAT(0, struct results_args, format,
		     "a JSON array of the records (default), CSV (a row per\n"
		     "metric) or kcidb: one KernelCI KCIDB I/O v5.0 document\n"
		     "(results/SCHEMA.md, \"KCIDB export\"); no run selected:\n"
		     "an empty one, exit 0") },
	{ CLI_JSON(struct results_args, format) },
	{ CLI_INCLUDE_FAILED(struct results_args, f.include_failed) },
	RESULTS_FILTERS,
	{ CLI_END },
};

static const struct cli_option delete_opts[] = { RESULTS_DB, RESULTS_FILTERS, { CLI_END } };

static const struct cli_option merge_opts[] = {
	{ CLI_STRING(0, "db", struct results_args, db, "FILE",
		     "the store to merge into (default $IRQLBENCH_DB, else\n"
		     STORE_DEFAULT_DB "; created when missing)") },
	{ CLI_END },
};

static const struct cli_option verdicts_opts[] = {
	RESULTS_DB,
	FILTER("kernel", "K", "only the verdicts on kernel K (Debian version, upstream\nversion or ABI)"),
	FILTER("variant", "V", "only the verdicts of lab variant (or model policy) V"),
	FILTER("host", "H", "only the verdicts made on host H"),
	FILTER("verdict", "X", "only FIXED, UNFIXED or INCONCLUSIVE (guest: ON-TIME, LATE)"),
	FILTER("tag", "T", "only the verdicts tagged T"),
	{ CLI_FORMAT(0, struct results_args, format, "a table (default) or one JSON object") },
	{ CLI_JSON(struct results_args, format) },
	{ CLI_END },
};

/* merge's paragraph: in 'results --help' and the man page with the others,
 * and alone in 'results merge --help' */
#define MERGE_DESCRIPTION \
	"merge STORE... merges other results stores (another host's, fetched back: see\n" \
	"docs/fleet.md) into this one: each STORE is a store's database file, or a\n" \
	"results directory that holds irqlbench.db (and runs/).  Every run (known by\n" \
	"its record id) and every verdict (by its id) the store does not hold yet is\n" \
	"added with its host identity (hostname, CPU family/model/stepping,\n" \
	"microcode, DMI product name: the host that made it), each run's record and\n" \
	"the files its artifacts name copied from the source's RUNS/<id>/ to this\n" \
	"store's; what it holds with the same content is left as it is, so merging\n" \
	"again adds nothing.  All stores are merged or none: a run or verdict whose\n" \
	"id the store holds with other content, an invalid record or verdict, an\n" \
	"artifact named by an absolute path or through '..' or that resolves outside\n" \
	"the source's run directory, an artifact or record.json that is there but no\n" \
	"file (a FIFO, a directory), refuses the merge with one line and nothing is\n" \
	"added: the store is left as it was (one that did not exist is not made).\n" \
	"It prints 'merged    run|verdict ID  (from STORE)' for each one added\n" \
	"('restored' for a run whose run directory was missing), a line per STORE\n" \
	"('STORE: R runs merged, U unchanged; V verdicts merged, W unchanged') and,\n" \
	"last, 'merged R runs and V verdicts from N stores, U runs and W verdicts\n" \
	"unchanged (store FILE)'; nothing of that before the merge has committed.\n"
#define MERGE_EPILOG \
	"exit status: 0 merged, or nothing new; 2 no STORE, a STORE that does not exist,\n" \
	"is --db itself or was given before (by any path: one store counts once), a\n" \
	"run or verdict whose id the store (or an earlier STORE) holds with other\n" \
	"content, an invalid record or verdict, an artifact outside its run directory\n" \
	"(absolute, '..', a symlink out) or that is no file (a FIFO, a directory); 5\n" \
	"the store or a STORE is unusable (not SQLite, corrupt, locked, a newer schema,\n" \
	"not writable); 128 + N stopped by signal N (SIGINT, SIGTERM, SIGHUP, SIGQUIT):\n" \
	"the run directories it made removed with its rows.  Nothing is merged unless\n" \
	"the status is 0.\n"

#define RESULTS_SUB(sub, use, opt, fmts) { \
	.name = "results " #sub, .usage = use, .options = opt, .formats = fmts, \
	.max_args = CLI_ARGS_ANY, .parent = &cmd_results_spec }

static const struct cli_spec results_subs[] = {
	RESULTS_SUB(import, "[--db FILE] FILE...|DIR...|-\n"
		    "--serial LOG [--tag T ...] [--db FILE]", import_opts, 0),
	RESULTS_SUB(list, "[--db FILE] [SELECTOR] [FILTERS] [--failed-only] [--json]", list_opts,
		    CLI_FMT_TEXT | CLI_FMT_JSON),
	RESULTS_SUB(show, "[--db FILE] ID [--metrics [--format text|json] | --exits] | --metrics|--exits FILE.json", show_opts,
		    CLI_FMT_TEXT | CLI_FMT_JSON),
	RESULTS_SUB(export, "[--db FILE] [--format json|csv|kcidb] [--include-failed] [SELECTOR]\n"
		    "  [FILTERS]", export_opts, CLI_FMT_JSON | CLI_FMT_CSV | CLI_FMT_KCIDB),
	RESULTS_SUB(delete, "[--db FILE] ID|SELECTOR [FILTERS]", delete_opts, 0),
	{ .name = "results merge", .usage = "[--db FILE] STORE...", .options = merge_opts,
	  .description = MERGE_DESCRIPTION, .epilog = MERGE_EPILOG, .max_args = CLI_ARGS_ANY,
	  .parent = &cmd_results_spec },
	RESULTS_SUB(verdicts, "[--db FILE] [SELECTOR] [--kernel K] [--variant V] [--host H]\n"
		    "  [--verdict X] [--tag T] [--json]", verdicts_opts, CLI_FMT_TEXT | CLI_FMT_JSON),
};

static const struct cli_spec *const results_sub_list[] = {
	&results_subs[0], &results_subs[1], &results_subs[2], &results_subs[3], &results_subs[4],
	&results_subs[5], &results_subs[6], NULL,
};

const struct cli_spec cmd_results_spec = {
	.name = "results",
	.subs = results_sub_list,
	.description =
	"The results store (default " STORE_DEFAULT_DB ", or $IRQLBENCH_DB) keeps every\n"
	"imported record (results/SCHEMA.md) and the files it names in a run directory\n"
	"of its own: RUNS/<id>/, where RUNS is runs/ beside a store named irqlbench.db\n"
	"(results/runs/, where 'irqlbench run' writes) and FILE.runs/ beside any other\n"
	"store FILE (--db x/a.db: x/a.db.runs/).  Importing the same record again\n"
	"changes nothing (it writes its run directory again if that is missing); a\n"
	"truncated or invalid record is refused with its reason.  Failed runs - status\n"
	"failed, or complete but with a verdict other than ok - are stored, flagged,\n"
	"and left out of export, compare, report and plots unless --include-failed.\n"
	"\n"
	"import reads record files (one JSON object; the files it names as artifacts\n"
	"are copied from beside it), files of JSON Lines (a record per line, as\n"
	"'irqlbench lab' prints them), JSON arrays of records ('results export'), and\n"
	"any of these from standard input (-); a directory is searched for *.json and\n"
	"*.jsonl.  Each file is imported whole or not at all: a bad line refuses it\n"
	"with the line's number.  An import refused with nothing stored leaves the\n"
	"store as it was (none is made where there was none).  Records that do not\n"
	"come from a record file are stored without their artifacts.  It ends with\n"
	"'N imported, U unchanged, R refused (store FILE)'; a store that fails while\n"
	"it imports (read-only, full) ends it instead with one error line that says\n"
	"what was imported before it, and no such line.\n"
	"\n"
	"import --serial LOG reads a serial log captured from a guest that irqlbench\n"
	"did not start (the ISO of 'irqlbench image' on another hypervisor): a record\n"
	"per job (backend guest, provenance.source; no host facts, which nobody\n"
	"observed; --tag labels them), each with its copy of the log.  A truncated or\n"
	"garbled report, or a log with fewer reports than the jobs it announced, is\n"
	"refused and nothing is imported.\n"
	"\n"
	"show prints a run: its row, its numbers per phase and vCPU, its histograms and\n"
	"its metrics; --metrics prints only the metrics, as text or as one JSON object\n"
	"{\"id\", \"status\", \"metrics\": {NAME: VALUE}}: the numbers compare, report,\n"
	"plot and verify use, computed once when the run was imported (counters, exits\n"
	"exit.REASON, injections inj.VECTOR, delivery.KEY summed over the measured phases\n"
	"and vCPUs, each also NAME/iter where the run counted iterations;\n"
	"delivery.immediate_pct; HISTOGRAM.p50 and .p99; kvm and lab: the exits'\n"
	"handling times in ns, exit_ns.REASON.mean, .p50, .p99, .total, .total/iter).\n"
	"'show --metrics FILE.json' computes the same for a record file that is in no\n"
	"store.  --exits prints a kvm or lab run's exits per reason with their handling\n"
	"times (kvm_exit to the vCPU's next kvm_entry), over the measured phases and\n"
	"vCPUs, in perf kvm stat's layout (VM-EXIT Samples Samples% Time% Min Time Max\n"
	"Time Avg time), with p50, p99, Samples/iter, Time/iter and the exits the trace\n"
	"never saw re-entered; a lab run's times are emulated (its L1 runs under TCG)\n"
	"and say so; a model run's (model --costs-from) are simulated and say where\n"
	"their costs came from: the run, and any --cost that changed one.\n"
	"\n"
	"list prints a table of the runs, or with --json one object {\"store\", \"runs\":\n"
	"[{\"id\", \"status\", \"failed\", \"backend\", \"series\", \"workload\", \"kernel\",\n"
	"\"started\", \"tags\"}]}.\n"
	"\n"
	"verdicts lists the verdicts of 'irqlbench verify' (irqlbench-verdict/1 files,\n"
	"kept next to their records and imported by verify; 'results import' takes\n"
	"them too): kernel x variant x host, newest last, with the verdict, the\n"
	"positive control and the runs it was decided from; --json prints {\"store\",\n"
	"\"verdicts\": [{\"id\", \"created\", \"kernel\", \"kernel_upstream\",\n"
	"\"kernel_abi\", \"variant\", \"policy\", \"backend\", \"host\", \"cpu_model\",\n"
	"\"emulated\", \"verdict\", \"reason\", \"control\", \"tags\", \"runs\"}]}.  Its\n"
	"SELECTOR keys: id, kernel, variant, policy, backend, host, verdict, tag.\n"
	"\n"
	"export prints the selected runs (not failed ones, unless --include-failed):\n"
	"the records as a JSON array, a CSV row per metric, or with --format kcidb\n"
	"one KCIDB I/O document, schema v5.0 (KernelCI, origin irqlbench): the kernel\n"
	"under test as checkout, each kvm variant, model policy or backend on it as\n"
	"build, a test per run (irqlbench.WORKLOAD.PARAM-VALUE...: PASS, FAIL when the\n"
	"workload's own check failed, ERROR when the run failed) and per metric (DONE,\n"
	"with its number and unit), and a test per stored verdict that one of the runs\n"
	"decided, against the verdict its setup should give (irqlbench.verify: PASS\n"
	"when FIXED, or ON-TIME for .verify.guest; irqlbench.verify.control, the\n"
	"positive control, the fix-reverted build or the model's prefix and unfixed:\n"
	"PASS when UNFIXED; FAIL the other decided verdict, ERROR INCONCLUSIVE);\n"
	"results/SCHEMA.md gives the mapping.  Runs that match nothing give an\n"
	"empty, valid document (exit 0; a line on stderr says so).\n"
	"\n"
	"delete removes the runs that ID or SELECTOR and the FILTERS select, failed\n"
	"ones too, from the store, with their run directories in its RUNS (another\n"
	"store's copies stay).  'results list SELECTOR' shows what it would delete; a\n"
	"selector that matches nothing is an error.\n"
	"\n"
	MERGE_DESCRIPTION
	"\n"
	"SELECTOR: a run id, or KEY=VALUE[,KEY=VALUE] as for compare and --select.\n"
	"FILTERS: --workload W --backend B --policy P --variant V --kernel K --tag T\n"
	"         --select KEY=VALUE[,KEY=VALUE] (any selector: id, status, host, a\n"
	"         workload parameter such as depth=3; values may use * and ?)\n"
	"\n"
	"A store that is missing, not an SQLite database, corrupt (PRAGMA quick_check)\n"
	"or locked by another process is one error line; a lock is waited for\n"
	"$IRQLBENCH_DB_WAIT seconds (default 2).  An empty file, or an SQLite database\n"
	"without tables, becomes a store only by import and by merge's --db; list,\n"
	"show, export, verdicts and delete refuse it and leave it as it is.  The\n"
	"database is derived data: move a corrupt one away and rebuild it with\n"
	"'irqlbench results import --db FILE <its runs directory>'.\n",
	.epilog =
	"exit status: 0 ok; 2 usage error, a refused record file, no such run (show),\n"
	"no run selected (delete), a refused merge (a STORE that does not exist, is\n"
	"--db itself or is given twice, a conflicting id, an invalid record or verdict, an artifact\n"
	"outside its run directory or that is no file); 5 the store is unusable\n"
	"(missing, empty, not SQLite, corrupt, locked, a newer schema, its directory\n"
	"not writable; merge: any STORE too); import, merge: 128 + N stopped by signal\n"
	"N (SIGINT, SIGTERM, SIGHUP, SIGQUIT): the input it came in (merge: every\n"
	"STORE) taken back, rows and run directories.\n",
};

/* --- import ------------------------------------------------------------- */

struct import_tally {
	struct store *s;
	const char *name;	/* the input being imported */
	unsigned added, unchanged, refused, skipped;
	bool store_failed;	/* the store failed: stop, EXIT_STORE */
	char store_err[1024];	/* why, said last, with what stays */
	const char *stopped;	/* the input a stop signal came in: stop, 128 + it */
};

static void import_report(void *arg, const char *id, int line, enum import_result r)
{
	struct import_tally *t = arg;
	const char *name = strcmp(t->name, "-") ? t->name : "standard input";

	if (r == IMPORT_NEW) {
		if (line)
			printf("imported  %s  (%s line %d)\n", id, name, line);
		else
			printf("imported  %s  (%s)\n", id, name);
		t->added++;
	} else if (r == IMPORT_RESTORED) {
		printf("unchanged %s  (already in the store; its files copied to %s/%s/)\n", id,
		       t->s->runs_dir, id);
		t->unchanged++;
	} else {
		printf("unchanged %s  (already in the store)\n", id);
		t->unchanged++;
	}
}

/* A verdict file of 'irqlbench verify' (VERDICT_SCHEMA), loaded; else NULL. */
static json_t *verdict_file(const char *file)
{
	json_t *v;
	size_t n = strlen(file);

	struct stat sb;

	/* a regular file only: a FIFO named like one is the record import's to
	 * refuse, never waited on here */
	if (!strcmp(file, "-") || n < 5 || strcmp(file + n - 5, ".json") || stat(file, &sb) ||
	    !S_ISREG(sb.st_mode))
		return NULL;
	v = json_load_file(file, 0, NULL);
	if (json_is_object(v) && json_is_string(json_object_get(v, "schema")) &&
	    !strncmp(json_string_value(json_object_get(v, "schema")), "irqlbench-verdict/", 18))
		return v;	/* a verdict, of this schema or another (refused with its name) */
	json_decref(v);
	return NULL;
}

static void import_one(struct store *s, const char *file, bool from_dir, struct import_tally *t)
{
	char err[1024] = "";
	json_t *v;

	if (t->store_failed || t->stopped)
		return;
	v = verdict_file(file);
	if (v) {
		char why[1024];
		enum import_result r = store_validate_verdict(v, err, sizeof(err)) ? IMPORT_REFUSED :
				       verify_check_stored(s, v, why, sizeof(why)) ? IMPORT_REFUSED :
				       store_import_verdict(s, v, err, sizeof(err));
		const char *id = json_string_value(json_object_get(v, "id"));

		if (r == IMPORT_REFUSED && !err[0])
			snprintf(err, sizeof(err), "verdict %.200s: %.800s", id ? id : "?", why);

		if (r == IMPORT_NEW) {
			printf("imported  verdict %s  (%s)\n", id, file);
			t->added++;
		} else if (r == IMPORT_UNCHANGED) {
			printf("unchanged verdict %s  (already in the store)\n", id);
			t->unchanged++;
		} else if (r == IMPORT_REFUSED) {
			cli_error(EXIT_USAGE, "refused %s: %s", file, err);
			t->refused++;
		} else {
			snprintf(t->store_err, sizeof(t->store_err), "%s", err);
			t->store_failed = true;
		}
		json_decref(v);
		return;
	}
	t->s = s;
	t->name = file;
	switch (store_import(s, file, from_dir ? STORE_IMPORT_SKIP_OTHER : 0, import_report, t,
			     err, sizeof(err))) {
	case IMPORT_NEW:
	case IMPORT_UNCHANGED:
	case IMPORT_RESTORED:
		break;
	case IMPORT_SKIPPED:
		t->skipped++;
		break;
	case IMPORT_REFUSED:
		cli_error(EXIT_USAGE, "refused %s: %s", strcmp(file, "-") ? file : "standard input", err);
		t->refused++;
		break;
	case IMPORT_STORE_ERROR:
		snprintf(t->store_err, sizeof(t->store_err), "%s", err);
		t->store_failed = true;
		break;
	case IMPORT_STOPPED:
		t->stopped = file;
		break;
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void import_dir(struct store *s, const char *dir, struct import_tally *t)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d) {
		cli_error(EXIT_USAGE, "refused %s: cannot open the directory: %s: check its permissions",
			  dir, strerror(errno));
		t->refused++;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || asprintf(&names[n], "%s/%s", dir, e->d_name) < 0)
			abort();
		n++;
	}
	closedir(d);
	if (n)	/* qsort(NULL, 0, ...) is undefined */
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		size_t len = strlen(names[i]);

		/* lstat: a symbolic link in the tree is never followed (no loop,
		 * no walk out of the tree); only regular files are read */
		if (lstat(names[i], &sb))
			;
		else if (S_ISDIR(sb.st_mode))
			import_dir(s, names[i], t);
		else if (S_ISREG(sb.st_mode) &&
			 ((len > 5 && !strcmp(names[i] + len - 5, ".json")) ||
			  (len > 6 && !strcmp(names[i] + len - 6, ".jsonl"))))
			import_one(s, names[i], true, t);
		free(names[i]);
	}
	free(names);
}

static int results_import(int argc, char **argv, struct results_args *a)
{
	struct import_tally t = { 0 };
	struct store *s;
	int rc;

	if (a->serial && argc)
		return cli_usage_error("results", "--serial %s imports one serial log: import '%s' without it",
				       a->serial, argv[0]);
	if (a->tags.n && !a->serial)
		return cli_usage_error("results", "--tag labels the records of a --serial log; a record file keeps its own tags");
	/* a tag a selector can name again (tag=T): no ',', '=', space or
	 * control character, at most 128 bytes */
	for (unsigned i = 0; i < a->tags.n; i++) {
		const char *tag = a->tags.v[i];
		bool ok = *tag && strlen(tag) <= 128;

		for (const char *c = tag; ok && *c; c++)
			ok = (unsigned char)*c > ' ' && *c != 0x7f && *c != ',' && *c != '=';
		if (!ok)
			return cli_usage_error("results", "--tag '%.40s%s' is not a tag a selector can "
					       "name: give 1 to 128 characters without ',', '=', spaces "
					       "or control characters", tag, strlen(tag) > 40 ? "..." : "");
	}
	if (!argc && !a->serial)
		return cli_usage_error("results", "import needs record files, a directory or - (standard input), or --serial LOG");
	/* a stop signal takes back the input it comes in (cli/stopsig.h) */
	stop_signals_block();
	s = store_open_cmd(a->db, true);
	if (!s) {
		stop_signals_restore();
		return EXIT_STORE;
	}
	if (a->serial) {
		rc = results_import_serial(s, a->serial, &a->tags, &t.added, &t.unchanged);
		if (!rc)
			printf("%u imported, %u unchanged (store %s)\n", t.added, t.unchanged, s->path);
		(rc && !t.added ? store_close_undo : store_close)(s);
		stop_signals_restore();
		return rc;
	}
	for (int i = 0; i < argc && !t.store_failed && !t.stopped; i++) {
		struct stat sb;

		if (!stat(argv[i], &sb) && S_ISDIR(sb.st_mode))
			import_dir(s, argv[i], &t);
		else
			import_one(s, argv[i], false, &t);
	}
	/* a stop signal, or a store that failed (read-only, full, locked),
	 * ends the import: its line says what stays, and no summary reads as a
	 * finished import */
	if (t.stopped) {
		cli_error(128 + stop_signal(), "import stopped by %s: nothing of %s was stored; %s",
			  stop_signal_name(stop_signal()),
			  strcmp(t.stopped, "-") ? t.stopped : "standard input",
			  t.added ? "the records imported before it (listed above) stay in the store" :
			  "nothing was imported");
	} else if (t.store_failed) {
		if (t.added)
			cli_error(EXIT_STORE, "%s; the %u record%s imported before it stay%s in the store",
				  t.store_err, t.added, t.added == 1 ? "" : "s", t.added == 1 ? "s" : "");
		else
			cli_error(EXIT_STORE, "%s; nothing was imported", t.store_err);
	} else {
		printf("%u imported, %u unchanged, %u refused", t.added, t.unchanged, t.refused);
		if (t.skipped)
			printf(", %u non-record JSON files skipped", t.skipped);
		printf(" (store %s)\n", s->path);
	}
	/* refused or stopped with nothing stored: no store made of it */
	((t.store_failed || t.refused || t.stopped) && !t.added ? store_close_undo : store_close)(s);
	rc = t.stopped ? 128 + stop_signal() : t.store_failed ? EXIT_STORE : t.refused ? EXIT_USAGE :
	     EXIT_OK;
	stop_signals_restore();
	return rc;
}

/* --- list / show -------------------------------------------------------- */

static const char *nz(const char *s)
{
	return s && *s ? s : "-";
}

/* list and delete take one SELECTOR besides the FILTERS: its terms are added. */
static int add_selector(int argc, char **argv, struct results_args *a)
{
	char err[256];

	if (argc > 1)
		return cli_usage_error("results", "give one run id or selector, not also '%s': join "
				       "terms with commas (KEY=VALUE,KEY=VALUE)", argv[1]);
	if (argc && filter_parse(&a->f, argv[0], err, sizeof(err)))
		return cli_usage_error("results", "%s", err);
	return 0;
}

typedef int (*runs_op)(struct store *s, const struct run_filter *f, struct run_list *out,
		       char *err, size_t errlen);

/* Opens the store and selects (store_select) or deletes (store_delete) the
 * runs of a->f into l: 0, or EXIT_STORE after its one-line error. */
static int open_and(runs_op op, struct results_args *a, struct store **s, struct run_list *l)
{
	char err[1024];

	*s = store_open_cmd(a->db, false);
	if (!*s)
		return EXIT_STORE;
	if (op(*s, &a->f, l, err, sizeof(err))) {
		store_close(*s);
		*s = NULL;
		return cli_error(EXIT_STORE, "%s", err);
	}
	return 0;
}

/* list --json: {"store", "runs": [...]}, each run's row as the table has it. */
static void list_json(const struct store *s, const struct run_list *l)
{
	json_t *runs = json_array(), *o;

	for (size_t i = 0; i < l->n; i++) {
		const struct run_info *r = &l->v[i];
		json_t *tags = r->tags ? json_loads(r->tags, 0, NULL) : NULL;
		const char *series = store_run_series(r);

		json_array_append_new(runs, json_pack(
			"{s:s, s:s, s:b, s:s, s:o, s:s, s:o, s:o, s:o}", "id", r->id, "status", r->status,
			"failed", r->flagged, "backend", r->backend,
			"series", series && *series ? json_string(series) : json_null(),
			"workload", r->workload,
			"kernel", r->kernel && *r->kernel ? json_string(r->kernel) : json_null(),
			"started", r->started && *r->started ? json_string(r->started) : json_null(),
			"tags", json_is_array(tags) ? tags : json_array()));
		if (tags && !json_is_array(tags))
			json_decref(tags);
	}
	o = json_pack("{s:s, s:o}", "store", s->path, "runs", runs);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

static void list_text(const struct run_list *l)
{
	size_t nf = 0;

	printf("%-48s %-9s %-6s %-10s %-16s %-16s %-20s %s\n", "ID", "STATUS", "BACKEND",
	       "SERIES", "WORKLOAD", "KERNEL", "STARTED", "TAGS");
	for (size_t i = 0; i < l->n; i++) {
		struct run_info *r = &l->v[i];

		printf("%-48s %-9s %-6s %-10s %-16s %-16s %-20s %s\n", r->id,
		       r->flagged ? "FAILED!" : r->status, r->backend, nz(store_run_series(r)),
		       r->workload, nz(r->kernel), nz(r->started),
		       r->tags && strcmp(r->tags, "[]") ? r->tags : "-");
		nf += r->flagged;
	}
	printf("%zu run%s", l->n, l->n == 1 ? "" : "s");
	if (nf)
		printf(" (%zu failed: stored for the record, never used as results)", nf);
	putchar('\n');
}

static int results_list(struct results_args *a)
{
	struct run_list l;
	struct store *s;
	int rc;

	a->f.include_failed = true;	/* an inventory shows everything, flagged */
	if (a->failed_only)
		filter_add(&a->f, "status", "failed", NULL, 0);
	rc = open_and(store_select, a, &s, &l);
	if (rc)
		return rc;
	if (a->format && !strcmp(a->format, "json"))
		list_json(s, &l);
	else
		list_text(&l);
	store_run_list_free(&l);
	store_close(s);
	return 0;
}

/* The rows of a query on one run, printed by row(); 0 or -1 on a store error. */
static int each_row(struct store *s, const char *sql, const char *id,
		    void (*row)(sqlite3_stmt *st, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(st, arg);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct last_seen {
	int phase, cpu;
};

static void show_metric_row(sqlite3_stmt *st, void *arg)
{
	struct last_seen *last = arg;
	int ph = sqlite3_column_int(st, 0), cpu = sqlite3_column_int(st, 3);

	if (ph != last->phase || cpu != last->cpu)
		printf("\nphase %d %s%s, cpu %d\n", ph, sqlite3_column_text(st, 1),
		       sqlite3_column_int(st, 2) ? " (measured)" : "", cpu);
	last->phase = ph;
	last->cpu = cpu;
	printf("  %-10s %-28s %lld\n", sqlite3_column_text(st, 4),
	       sqlite3_column_text(st, 5), (long long)sqlite3_column_int64(st, 6));
}

static int show_metrics(struct store *s, const char *id)
{
	static const char sql[] =
		"SELECT p.idx, p.name, p.measured, m.cpu, m.kind, m.name, m.value FROM metrics m"
		" JOIN phases p ON p.run_id = m.run_id AND p.idx = m.phase WHERE m.run_id = ?"
		" ORDER BY p.idx, m.cpu, m.kind, m.name";
	struct last_seen last = { -1, -1 };

	return each_row(s, sql, id, show_metric_row, &last);
}

/* " p50<=X": a percentile as the upper bound of its bucket, at most the
 * max (records from before the clamp may hold more), in cycles, or in us
 * at hz (> 0); "overflow" where it lies above the last bound, "-" without
 * samples (both null). */
static void print_pct(const char *name, sqlite3_stmt *st, int col, long long max, double hz)
{
	long long v = sqlite3_column_int64(st, col);

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		printf(" %s=%s", name, sqlite3_column_int64(st, 4) ? "overflow" : "-");
	else if (hz > 0)
		printf(" %s<=%.4g", name, (double)(v < max ? v : max) / hz * 1e6);
	else
		printf(" %s<=%lld", name, v < max ? v : max);
}

/* One histogram: in cycles, then, where the run's guest gave its TSC rate,
 * in microseconds. */
static void show_hist_row(sqlite3_stmt *st, void *arg)
{
	bool *head = arg;
	long long min = (long long)sqlite3_column_int64(st, 5);
	long long max = (long long)sqlite3_column_int64(st, 8);
	double hz = sqlite3_column_double(st, 10);

	if (!*head)
		printf("\nhistograms (phase cpu name unit: n min p50 p99 max overflow;"
		       " p50/p99 are bucket upper bounds, at most max; then in us where the TSC rate is known)\n");
	*head = true;
	printf("  %d %d %-24s %-7s n=%lld min=%lld", sqlite3_column_int(st, 0),
	       sqlite3_column_int(st, 1), sqlite3_column_text(st, 2),
	       nz((const char *)sqlite3_column_text(st, 3)),
	       (long long)sqlite3_column_int64(st, 4), min);
	print_pct("p50", st, 6, max, 0);
	print_pct("p99", st, 7, max, 0);
	printf(" max=%lld overflow=%lld", max, (long long)sqlite3_column_int64(st, 9));
	if (hz > 0 && sqlite3_column_int64(st, 4)) {
		printf(" | us: min=%.4g", (double)min / hz * 1e6);
		print_pct("p50", st, 6, max, hz);
		print_pct("p99", st, 7, max, hz);
		printf(" max=%.4g", (double)max / hz * 1e6);
	}
	putchar('\n');
}

static int show_hists(struct store *s, const char *id)
{
	static const char sql[] =
		"SELECT h.phase, h.cpu, h.name, h.unit, h.n, h.min, h.p50, h.p99, h.max, h.overflow,"
		" CASE WHEN h.unit = 'cycles' THEN json_extract(r.record, '$.guest.tsc_hz') END"
		" FROM histograms h JOIN runs r ON r.id = h.run_id"
		" WHERE h.run_id = ? ORDER BY h.phase, h.cpu, h.name";
	bool head = false;

	return each_row(s, sql, id, show_hist_row, &head);
}

/* A metric's value: as an integer where it is one (counts), else a real. */
static json_t *metric_json(double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* show --metrics: the run's stored metrics, text or one JSON object. */
static void print_metrics(const char *id, const char *status, const struct metric_set *m,
			  bool json)
{
	json_t *o, *mo;

	if (!json) {
		for (size_t i = 0; i < m->n; i++)
			printf("%-32s %.15g\n", m->v[i].name, m->v[i].v);
		return;
	}
	mo = json_object();
	for (size_t i = 0; i < m->n; i++)
		json_object_set_new(mo, m->v[i].name, metric_json(m->v[i].v));
	o = json_pack("{s:s, s:s, s:o}", "id", id, "status", status, "metrics", mo);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

/*
 * show --metrics FILE: the metrics of a record file that is in no store,
 * computed as the store computes them at import (metrics_from_record()):
 * the one way the tests and scripts sum a record's numbers.
 */
static int show_file_metrics(const char *path, const char *fmt, bool exits)
{
	struct metric_set m = { 0 };
	char err[512];
	json_t *rec = record_load(path, err, sizeof(err));
	const char *id, *status;
	int rc;

	if (!rec)
		return cli_error(EXIT_USAGE, "cannot read the record %s: %s: give a record file (results/SCHEMA.md) or a stored run's id",
				 path, err);
	id = json_string_value(json_object_get(rec, "id"));
	status = json_string_value(json_object_get(rec, "status"));
	if (!id || !status || metrics_from_record(rec, &m)) {
		rc = cli_error(EXIT_USAGE, "%s is no result record (no id or status): give a record file (results/SCHEMA.md)",
			       path);
	} else if (exits) {
		rc = exit_table_print(stdout, rec) ? EXIT_USAGE : EXIT_OK;
	} else {
		print_metrics(id, status, &m, !strcmp(fmt, "json"));
		rc = EXIT_OK;
	}
	metric_set_free(&m);
	json_decref(rec);
	return rc;
}

/* A record file rather than a run id: ids have no '/' and no ".json". */
static bool names_file(const char *arg)
{
	size_t n = strlen(arg);

	return strchr(arg, '/') || (n > 5 && !strcmp(arg + n - 5, ".json"));
}

static int results_show(int argc, char **argv, struct results_args *a)
{
	static const char sql[] =
		"SELECT id, status, error_kind, error_message, backend, policy, variant, workload,"
		" params, launcher, emulated, tags, suite_version, started, duration_s, kernel,"
		" cpu_vendor, cpu_model, microcode, hostname, qemu_version, qemu_accel, kvm, lab,"
		" pinning, verdict_status, verdict_reason, imported, content_hash FROM runs WHERE id = ?";
	const char *fmt = a->format ? a->format : "text";
	struct store *s;
	sqlite3_stmt *st;
	struct metric_set m = { 0 };
	char err[1024], *status = NULL;
	int rc = EXIT_STORE, step;

	if (argc != 1)
		return cli_usage_error("results", "show needs exactly one run id");
	if (!a->metrics && a->format)
		return cli_usage_error("results", "show --format is for --metrics: add --metrics, or "
				       "take the record with 'results export --select id=%s'", argv[0]);
	if (a->exits && (a->metrics || a->format))
		return cli_usage_error("results", "show --exits prints a table: drop --metrics and --format");
	if (names_file(argv[0])) {
		if (!a->metrics && !a->exits)
			return cli_usage_error("results", "show %s: a record file shows its metrics or exits only: add --metrics or --exits, or import it first ('results import %s')",
					       argv[0], argv[0]);
		if (a->db)
			return cli_usage_error("results", "show %s: a record file is read as it is, not from --db: drop --db",
					       argv[0]);
		return show_file_metrics(argv[0], fmt, a->exits);
	}
	s = store_open_cmd(a->db, false);
	if (!s)
		return EXIT_STORE;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		goto dberr;
	sqlite3_bind_text(st, 1, argv[0], -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = cli_error(EXIT_USAGE, "no run '%s' in %s: see 'irqlbench results list'",
			       argv[0], s->path);
		sqlite3_finalize(st);
		goto out;
	}
	if (step != SQLITE_ROW) {
		store_db_error(s, err, sizeof(err));
		sqlite3_finalize(st);
		goto fail;
	}
	status = strdup((const char *)sqlite3_column_text(st, 1));
	if (a->exits) {
		json_t *rec;

		sqlite3_finalize(st);
		rec = store_run_record(s, argv[0], err, sizeof(err));
		if (!rec)
			goto fail;
		rc = exit_table_print(stdout, rec) ? EXIT_USAGE : EXIT_OK;
		json_decref(rec);
		goto out;
	}
	for (int i = 0; !a->metrics && i < sqlite3_column_count(st); i++)
		printf("%-14s %s\n", sqlite3_column_name(st, i), nz((const char *)sqlite3_column_text(st, i)));
	if (!a->metrics && !strcmp(status, "failed"))
		printf("** failed run: stored for the record, never used as a result **\n");
	sqlite3_finalize(st);
	if (store_run_metrics(s, argv[0], &m, err, sizeof(err)))
		goto fail;
	if (a->metrics) {
		print_metrics(argv[0], status, &m, !strcmp(fmt, "json"));
		rc = EXIT_OK;
		goto out;
	}
	printf("%-14s %s/%s/\n", "files", s->runs_dir, argv[0]);
	if (show_metrics(s, argv[0]) || show_hists(s, argv[0]))
		goto dberr;
	if (m.n) {
		printf("\nmetrics (measured phases, all vCPUs)\n");
		for (size_t i = 0; i < m.n; i++)
			printf("  %-32s %.6g\n", m.v[i].name, m.v[i].v);
	}
	rc = EXIT_OK;
	goto out;
dberr:
	store_db_error(s, err, sizeof(err));
fail:
	rc = cli_error(EXIT_STORE, "%s", err);
out:
	free(status);
	metric_set_free(&m);
	store_close(s);
	return rc;
}

/* --- delete ------------------------------------------------------------- */

static int results_delete(struct results_args *a)
{
	struct run_list l;
	struct store *s;
	char sel[512] = "";
	size_t len = 0;
	int rc;

	if (!a->f.n)
		return cli_usage_error("results", "delete needs a run id or a selector (e.g. "
				       "'variant=unfixed,workload=masked-clock'; 'id=*' is every run)");
	for (unsigned i = 0; i < a->f.n && len < sizeof(sel); i++)
		len += (size_t)snprintf(sel + len, sizeof(sel) - len, "%s%s=%s", i ? "," : "",
					a->f.key[i], a->f.val[i]);
	a->f.include_failed = true;
	rc = open_and(store_delete, a, &s, &l);
	if (rc)
		return rc;
	if (!l.n)
		rc = cli_error(EXIT_USAGE, "no runs match '%s' in %s: see 'irqlbench results list'",
			       sel, s->path);
	for (size_t i = 0; i < l.n; i++)
		printf("deleted   %s\n", l.v[i].id);
	if (l.n)
		printf("%zu run%s deleted, with their files in %s/ (store %s)\n", l.n,
		       l.n == 1 ? "" : "s", s->runs_dir, s->path);
	store_run_list_free(&l);
	store_close(s);
	return rc;
}

/* --- merge -------------------------------------------------------------- */

/* The counts of what merge did, from one source (NULL: all of them). */
static void merge_counts(const struct merge_list *l, const char *source, unsigned c[2][2])
{
	memset(c, 0, 4 * sizeof(c[0][0]));
	for (size_t i = 0; i < l->n; i++)
		if (!source || !strcmp(l->v[i].source, source))
			c[l->v[i].verdict][l->v[i].r != IMPORT_NEW]++;
}

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int results_merge(int argc, char **argv, struct results_args *a)
{
	struct merge_list l;
	struct store *s;
	char err[1024], **src;
	unsigned c[2][2];
	enum import_result r;
	int rc;

	if (!argc)
		return cli_usage_error("results", "merge needs the stores to merge: their database "
				       "files or results directories (STORE...)");
	src = calloc((size_t)argc, sizeof(*src));
	if (!src)
		abort();
	for (int i = 0; i < argc; i++)
		src[i] = store_merge_source_path(argv[i]);
	/* a stop signal takes the whole merge back (cli/stopsig.h) */
	stop_signals_block();
	s = store_open_cmd(a->db, true);
	r = s ? store_merge(s, src, (size_t)argc, verify_check_stored, &l, err, sizeof(err)) :
		IMPORT_STORE_ERROR;
	if (s && (r == IMPORT_REFUSED || r == IMPORT_STORE_ERROR))
		cli_error(r == IMPORT_REFUSED ? EXIT_USAGE : EXIT_STORE, "merge refused, nothing "
			  "merged: %s", err);
	if (r == IMPORT_STOPPED)
		cli_error(128 + stop_signal(), "merge stopped by %s, nothing merged: %s is as it was",
			  stop_signal_name(stop_signal()), s->path);
	if (r == IMPORT_NEW || r == IMPORT_UNCHANGED) {
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i].r != IMPORT_UNCHANGED)
				printf("%-9s %s %s  (from %s)\n", l.v[i].r == IMPORT_NEW ? "merged" :
				       "restored", l.v[i].verdict ? "verdict" : "run", l.v[i].id,
				       l.v[i].source);
		for (int i = 0; i < argc; i++) {
			merge_counts(&l, src[i], c);
			printf("%s: %u %s merged, %u unchanged; %u %s merged, %u unchanged\n", src[i],
			       c[0][0], plural(c[0][0], "run", "runs"), c[0][1], c[1][0],
			       plural(c[1][0], "verdict", "verdicts"), c[1][1]);
		}
		merge_counts(&l, NULL, c);
		printf("merged %u %s and %u %s from %d %s, %u %s and %u %s unchanged (store %s)\n",
		       c[0][0], plural(c[0][0], "run", "runs"), c[1][0],
		       plural(c[1][0], "verdict", "verdicts"), argc, plural((unsigned)argc, "store", "stores"),
		       c[0][1], plural(c[0][1], "run", "runs"), c[1][1],
		       plural(c[1][1], "verdict", "verdicts"), s->path);
		store_merge_list_free(&l);
	}
	for (int i = 0; i < argc; i++)
		free(src[i]);
	free(src);
	/* refused or stopped: the target as it was, absent if it was absent */
	if (r == IMPORT_NEW || r == IMPORT_UNCHANGED)
		store_close(s);
	else
		store_close_undo(s);
	rc = r == IMPORT_NEW || r == IMPORT_UNCHANGED ? EXIT_OK : r == IMPORT_REFUSED ? EXIT_USAGE :
	     r == IMPORT_STOPPED ? 128 + stop_signal() : EXIT_STORE;
	stop_signals_restore();
	return rc;
}

/* --- export ------------------------------------------------------------- */

static void csv_field(const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* The run's own columns, run_id .. params, and the comma after them. */
static void csv_run_fields(const struct run_info *r)
{
	const char *fixed[] = { r->id, r->status, r->backend, r->policy, r->variant,
				r->workload, r->kernel, r->started, r->params };

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		csv_field(fixed[i]);
		putchar(',');
	}
}

/* One row per metric; a run without any (a run that failed before it
 * measured) still has its one row, with the metric columns empty. */
static int export_csv_run(struct store *s, const struct run_info *r)
{
	static const char sql[] =
		"SELECT m.phase, p.name, p.measured, m.cpu, m.kind, m.name, m.value FROM metrics m"
		" JOIN phases p ON p.run_id = m.run_id AND p.idx = m.phase WHERE m.run_id = ?"
		" ORDER BY m.phase, m.cpu, m.kind, m.name";
	sqlite3_stmt *st;
	size_t rows = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		csv_run_fields(r);
		printf("%d,", sqlite3_column_int(st, 0));
		csv_field((const char *)sqlite3_column_text(st, 1));
		printf(",%d,%d,%s,", sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
		       sqlite3_column_text(st, 4));
		csv_field((const char *)sqlite3_column_text(st, 5));
		printf(",%lld\n", (long long)sqlite3_column_int64(st, 6));
		rows++;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && !rows) {
		csv_run_fields(r);
		printf(",,,,,,\n");
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * --format kcidb: the runs of l and the stored verdicts that any of them
 * decided, as one KCIDB document (host/results/kcidb.h); all or nothing.
 */
static int export_kcidb(struct store *s, const struct run_list *l)
{
	struct run_filter none;
	json_t *verdicts = NULL, *ids = json_object(), *v, *doc;
	struct kcidb k;
	char err[1024];
	size_t i, j;
	int rc = 0;

	kcidb_init(&k);
	for (i = 0; i < l->n && !rc; i++) {
		json_t *rec = store_run_record(s, l->v[i].id, err, sizeof(err));
		struct metric_set m = { 0 };

		if (!rec || store_run_metrics(s, l->v[i].id, &m, err, sizeof(err))) {
			rc = cli_error(EXIT_STORE, "%s", err);
		} else {
			kcidb_add_run(&k, rec, &m, l->v[i].flagged);
			json_object_set_new(ids, l->v[i].id, json_true());
		}
		metric_set_free(&m);
		json_decref(rec);
	}
	filter_init(&none);
	if (!rc && store_list_verdicts(s, &none, &verdicts, err, sizeof(err)))
		rc = cli_error(EXIT_STORE, "%s", err);
	json_array_foreach(rc ? NULL : verdicts, i, v) {
		json_t *r, *file;

		json_array_foreach(json_object_get(v, "runs"), j, r)
			if (json_is_string(r) && json_object_get(ids, json_string_value(r)))
				break;
		if (j == json_array_size(json_object_get(v, "runs")))
			continue;	/* none of its runs is exported */
		file = store_get_verdict(s, json_string_value(json_object_get(v, "id")));
		if (!file) {
			store_db_error(s, err, sizeof(err));
			rc = cli_error(EXIT_STORE, "%s", err);
			break;
		}
		kcidb_add_verdict(&k, file);
		json_decref(file);
	}
	filter_free(&none);
	json_decref(verdicts);
	json_decref(ids);
	doc = kcidb_finish(&k);
	if (!rc) {
		if (!l->n)
			fprintf(stderr, "irqlbench: no runs selected in %s: the KCIDB document is empty\n",
				s->path);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	json_decref(doc);
	return rc;
}

static int results_export(struct results_args *a)
{
	const char *fmt = a->format ? a->format : "json";
	struct run_list l;
	struct store *s;
	char err[1024];
	int rc = EXIT_OK;

	rc = open_and(store_select, a, &s, &l);
	if (rc)
		return rc;
	if (!strcmp(fmt, "kcidb")) {
		rc = export_kcidb(s, &l);
	} else if (!strcmp(fmt, "json")) {
		json_t *arr = json_array();

		for (size_t i = 0; i < l.n && !rc; i++) {
			json_t *rec = store_run_record(s, l.v[i].id, err, sizeof(err));

			if (rec)
				json_array_append_new(arr, rec);
			else
				rc = cli_error(EXIT_STORE, "%s", err);
		}
		if (!rc) {	/* all or nothing */
			json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
			putchar('\n');
		}
		json_decref(arr);
	} else {
		printf("run_id,status,backend,policy,variant,workload,kernel,started,params,"
		       "phase,phase_name,measured,cpu,kind,name,value\n");
		for (size_t i = 0; i < l.n && !rc; i++)
			if (export_csv_run(s, &l.v[i])) {
				store_db_error(s, err, sizeof(err));
				rc = cli_error(EXIT_STORE, "%s", err);
			}
	}
	store_run_list_free(&l);
	store_close(s);
	return rc;
}

/* results verdicts: the stored verdicts, a table or {"store", "verdicts"}. */
static int results_verdicts(struct results_args *a)
{
	struct store *s = store_open_cmd(a->db, false);
	json_t *arr, *v;
	char err[1024];
	size_t i;

	if (!s)
		return EXIT_STORE;
	if (store_list_verdicts(s, &a->f, &arr, err, sizeof(err))) {
		store_close(s);
		return cli_error(strstr(err, "have no key") || strstr(err, "no verdict is") ? EXIT_USAGE :
				 EXIT_STORE, "results verdicts: %s", err);
	}
	if (a->format && !strcmp(a->format, "json")) {
		json_t *o = json_pack("{s:s, s:O}", "store", s->path, "verdicts", arr);

		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		printf("%-20s  %-6s %-12s %-9s %-16s %-10s %-14s %-12s %4s  %s\n", "created", "backend",
		       "kernel", "upstream", "abi", "variant", "host", "verdict", "runs", "control");
		/* a model verdict's "variant" is its policy */
		json_array_foreach(arr, i, v) {
			json_t *c = json_object_get(v, "control");
			const char *var = json_string_value(json_object_get(v, "variant"));
			char ctl[160] = "-";

			if (json_is_object(c))
				snprintf(ctl, sizeof(ctl), "%s %s (%s %s/%s)",
					 json_is_true(json_object_get(c, "ok")) ? "ok" : "FAILED",
					 json_string_value(json_object_get(c, "role")) ?: "",
					 json_string_value(json_object_get(c, "kernel")) ?: "",
					 json_string_value(json_object_get(c, "unfixed")) ?: "",
					 json_string_value(json_object_get(c, "fixed")) ?: "");
			printf("%-20s  %-6s %-12s %-9s %-16s %-10s %-14s %-12s %4zu  %s\n",
			       json_string_value(json_object_get(v, "created")) ?: "-",
			       json_string_value(json_object_get(v, "backend")) ?: "-",
			       json_string_value(json_object_get(v, "kernel")) ?: "-",
			       json_string_value(json_object_get(v, "kernel_upstream")) ?: "-",
			       json_string_value(json_object_get(v, "kernel_abi")) ?: "-",
			       var ? var : json_string_value(json_object_get(v, "policy")) ?: "-",
			       json_string_value(json_object_get(v, "host")) ?: "-",
			       json_string_value(json_object_get(v, "verdict")) ?: "-",
			       json_array_size(json_object_get(v, "runs")), ctl);
		}
		printf("%zu verdict(s) in %s\n", json_array_size(arr), s->path);
	}
	json_decref(arr);
	store_close(s);
	return 0;
}

int cmd_results(int argc, char **argv)
{
	struct results_args a = { 0 };
	const struct cli_spec *sub;
	const char *name;
	int rc, n;

	sub = cli_subcommand(&cmd_results_spec, argc, argv, &rc);
	if (!sub)
		return rc == CLI_HELP ? EXIT_OK : rc;
	name = argv[1];
	filter_init(&a.f);
	rc = cli_parse(sub, argc - 1, argv + 1, &a, &n);
	argv++;
	if (rc)
		rc = rc == CLI_HELP ? EXIT_OK : rc;
	else if (!strcmp(name, "import"))
		rc = results_import(n, argv, &a);
	else if (!strcmp(name, "list"))
		rc = add_selector(n, argv, &a) ?: results_list(&a);
	else if (!strcmp(name, "delete"))
		rc = add_selector(n, argv, &a) ?: results_delete(&a);
	else if (!strcmp(name, "show"))
		rc = results_show(n, argv, &a);
	else if (!strcmp(name, "merge"))
		rc = results_merge(n, argv, &a);
	else if (!strcmp(name, "verdicts"))
		rc = add_selector(n, argv, &a) ?: results_verdicts(&a);
	else
		rc = add_selector(n, argv, &a) ?: results_export(&a);
	filter_free(&a.f);
	argv_free(&a.tags);
	return rc;
}
