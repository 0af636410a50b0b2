/* SPDX-License-Identifier: MIT */
/*
 * store.h - the results store: an SQLite database of result records
 * (results/SCHEMA.md, irqlbench-record/1) plus, per run, the record and its
 * raw logs in a run directory of its own, <runs dir>/<id>/ (store_runs_dir:
 * runs/ beside a database named irqlbench.db, where `irqlbench run` writes
 * its records; FILE.runs/ beside any other database FILE), so that two
 * stores in one folder never share a run's files.
 *
 * The database is derived data: every row can be rebuilt from the records
 * kept under runs/, each run's metrics too (run_metrics: metrics.h, computed
 * once at import).  Its schema is versioned (table schema_version); a store
 * written by a newer irqlbench is refused, an older one is migrated by
 * numbered SQL steps (store.c, store_migrations[]).
 *
 * Used by `irqlbench results`, `compare`, `plot`, `report` (and `verify`).
 */
#ifndef IRQLBENCH_STORE_H
#define IRQLBENCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

#include "cli/util.h"
#include "record/metrics.h"

#define STORE_DEFAULT_NAME	"irqlbench.db"
#define STORE_DEFAULT_DB	"results/" STORE_DEFAULT_NAME
#define STORE_SCHEMA_VERSION	7	/* = number of migration steps */

/* How long a command waits for another process's lock on the store:
 * $IRQLBENCH_DB_WAIT seconds (0 to 3600), else this. */
#define STORE_LOCK_WAIT_S	2.0

struct store {
	sqlite3 *db;
	char *path;		/* the database file */
	char *runs_dir;		/* store_runs_dir(path) */
	double lock_wait_s;	/* how long to wait for another process's lock */
	double busy_since, waited_s;	/* the last wait for a lock */
	/* what store_open() found, for store_close_undo() */
	enum { STORE_FOUND, STORE_NEW_FILE, STORE_NEW_IN_EMPTY } made;
	bool runs_missing;	/* runs_dir did not exist */
	struct argv_buf made_dirs;	/* the folders made for a new file */
};

/*
 * Opens (create: creates when missing, or in an empty file or an SQLite
 * database without tables), checks (PRAGMA quick_check) and migrates the
 * store.  Without create an empty file or a database without tables is no
 * store, and is left as it is: a command that only reads never makes one.
 * Returns NULL with a one-line message in err that names the problem and
 * the fix: no store there, not an SQLite database, corrupt, locked by
 * another process (after waiting lock_wait_s), a newer schema.  Every such
 * failure is EXIT_STORE for the commands.
 */
struct store *store_open(const char *path, bool create, char *err, size_t errlen);
void store_close(struct store *s);
/*
 * Closes s and takes back what opening it made, for a command that
 * refuses after it (a refused merge or import): a database file it
 * created, with its journal and the folders made for it, is removed; an
 * empty file it made a store of is empty again; a runs directory that did
 * not exist is removed when empty (the caller has removed what it put
 * there, and rolled back its transaction).  A store that was there stays.
 */
void store_close_undo(struct store *s);
/*
 * Where the store of database `path` keeps its runs (malloc'd): runs/
 * beside a database named irqlbench.db (results/irqlbench.db keeps them in
 * results/runs/, where `irqlbench run` writes), FILE.runs/ beside any other
 * database FILE (x/a.db: x/a.db.runs/).  Of the real file, through
 * symlinks.
 */
char *store_runs_dir(const char *path);
/* The schema version a database file says it has (0: none); -1 on error. */
int store_file_version(struct store *s);
/*
 * The one-line message for the last SQLite error on s: locked (and how
 * long it waited), corrupt, not a database, or the error itself, each with
 * its fix.  Returns -1, for `return store_db_error(...)`.
 */
int store_db_error(struct store *s, char *err, size_t errlen);

/*
 * Checks a parsed record against irqlbench-record/1: schema, id, status,
 * the provenance every consumer needs, the shape of phases, and the rules
 * its facts keep with each other (record_check_facts(), record/check.h:
 * "emulated" as its backend and provenance say).  Returns 0, or -1 with
 * the reason in err.
 */
int store_validate_record(json_t *rec, char *err, size_t errlen);
/* The workload's own verdict ("ok", "fail"): verdict.status, or a bare
 * string verdict; NULL when the record has none. */
const char *store_verdict(json_t *rec);
/*
 * A valid record that is never a result: status "failed", or "complete"
 * with a verdict other than "ok".  The store keeps such a run as failed
 * (status failed, flagged; error kind "verdict" when the record has no
 * error), so that compare, report, plot and export leave it out unless
 * --include-failed.
 */
bool store_run_failed(json_t *rec);

enum import_result {
	IMPORT_NEW,		/* stored */
	IMPORT_UNCHANGED,	/* same id and content already there: nothing done */
	IMPORT_RESTORED,	/* the same, but its run directory was missing: written */
	IMPORT_REFUSED,		/* invalid, or same id with other content: err says why */
	IMPORT_STORE_ERROR,	/* the store failed (locked, corrupt, full): err says why */
	IMPORT_SKIPPED,		/* STORE_IMPORT_SKIP_OTHER: JSON that is no record */
	IMPORT_STOPPED,		/* a stop signal came (cli/stopsig.h: the command blocks
				 * them): nothing of it stored, no run directory of it
				 * left; the command exits 128 + stop_signal() */
};

/* Called for each record an import stored or found there: its id, its
 * line (JSON Lines) or element (array), 0 for a record file. */
typedef void (*store_import_report)(void *arg, const char *id, int where, enum import_result r);

/* In a directory scan: a JSON file that is no record (a trace) is skipped. */
#define STORE_IMPORT_SKIP_OTHER 1u

/*
 * Imports one input, all its records or none (one transaction):
 *  - a record file: one JSON object; its artifacts, found next to it, are
 *    copied with it to the run directory (an artifact named by an absolute
 *    path, through "..", that resolves through a symlink outside the
 *    record's directory, or that is there but no regular file - a FIFO, a
 *    directory - refuses it; one that is not there is no error);
 *  - JSON Lines: one record per line, as `irqlbench lab` prints them;
 *  - a JSON array of records, as `irqlbench results export` prints them;
 *  - "-": any of these on standard input.
 * A record that is not from a record file is stored without artifacts (its
 * files are not beside it).  Before anything is written every record is
 * validated; a bad one refuses the input with err naming its line.
 * Returns IMPORT_NEW when something was stored, IMPORT_UNCHANGED when all
 * was there already, IMPORT_REFUSED (a bad input: EXIT_USAGE),
 * IMPORT_STORE_ERROR (EXIT_STORE), IMPORT_SKIPPED, IMPORT_STOPPED (a stop
 * signal came before the input was committed: it is taken back, its run
 * directories removed; one after the commit is too late to undo it and
 * is left to the caller); report (may be NULL) hears of each record.
 */
enum import_result store_import(struct store *s, const char *name, unsigned flags,
				store_import_report report, void *arg, char *err, size_t errlen);
/* store_import() of one record file; id receives its id (the first). */
enum import_result store_import_file(struct store *s, const char *file,
				     char *id, size_t idlen, char *err, size_t errlen);

/* --- selecting runs ----------------------------------------------------- */

#define FILTER_MAX_TERMS 16

/* A selector: key=value terms that all must hold.  Keys: id (exact, or a
 * glob with * ?), workload, backend, policy, variant, kernel, tag, status,
 * launcher, host; any other key is a workload parameter (params.KEY). */
struct run_filter {
	unsigned n;
	char *key[FILTER_MAX_TERMS];
	char *val[FILTER_MAX_TERMS];
	bool include_failed;
};

void filter_init(struct run_filter *f);
void filter_free(struct run_filter *f);
/* Adds one term; -1 with err when the filter is full or the key is empty. */
int filter_add(struct run_filter *f, const char *key, const char *val,
	       char *err, size_t errlen);
/* Parses "k=v,k=v" or a bare run id ("ID" means id=ID). */
int filter_parse(struct run_filter *f, const char *sel, char *err, size_t errlen);

struct run_info {
	char *id, *status, *workload, *backend, *policy, *variant, *launcher;
	char *kernel, *cpu_model, *qemu_version, *suite_version, *started;
	char *hostname;		/* provenance.host.hostname (a lab run: L1's); NULL: none */
	char *hypervisor;	/* guest.hypervisor, the hypervisor as its guest saw it */
	char *kernel_package;	/* the kernel's Debian version (a lab run: L1's,
				 * provenance.lab.kernel.debian_version; else
				 * provenance.host.kernel_package); NULL: none */
	char *tags;		/* JSON array text */
	char *params;		/* JSON object text */
	char *costs;		/* a model run's: where its costs came from, in words
				 * (metrics_cost_source(): "costs from run R",
				 * "default costs"); NULL for the other backends */
	bool emulated;
	bool flagged;		/* failed (store_run_failed): never a result */
};

struct run_list {
	struct run_info *v;
	size_t n, cap;
};

/* Runs matching f, ordered by start time then id.  0, or -1 with err. */
int store_select(struct store *s, const struct run_filter *f, struct run_list *out,
		 char *err, size_t errlen);
void store_run_list_free(struct run_list *l);
/*
 * Deletes the runs f selects (f->include_failed: failed ones too) with
 * their rows and their run directories in this store's runs dir (another
 * store's copies are never touched), in one transaction: the directories
 * are moved aside until the commit, and put back if it fails.  out
 * receives the runs deleted (none: nothing matched).  0, or -1 with err.
 */
int store_delete(struct store *s, const struct run_filter *f, struct run_list *out,
		 char *err, size_t errlen);
/* "policy" for model runs, "variant" for lab/kvm, else the backend: the
 * label a series of runs is known by in tables and plots. */
const char *store_run_series(const struct run_info *r);
/* A numeric workload parameter of the run (params JSON); def if absent. */
int64_t store_run_param(const struct run_info *r, const char *name, int64_t def);

/* --- metrics ------------------------------------------------------------ */

/*
 * The run's metrics (metrics.h), as metrics_from_record() computed them when
 * the run was imported (run_metrics table), sorted by name: what compare,
 * plot, report and verify work on.  0, or -1 with err.
 */
int store_run_metrics(struct store *s, const char *id, struct metric_set *out,
		      char *err, size_t errlen);

/* 1 when the store has runs with metrics but none named `name` (a typo of
 * --metric, not a missing run), 0 otherwise, -1 with err on an SQLite error. */
int store_metric_unknown(struct store *s, const char *name, char *err, size_t errlen);

/* The record of run id as the store keeps it (a new reference); NULL with
 * err when there is no such run, the store fails, or the stored text is not
 * JSON (a damaged store: err says how to rebuild it). */
json_t *store_run_record(struct store *s, const char *id, char *err, size_t errlen);

/* Adds the run's histogram `name`, merged over its measured phases and
 * vCPUs (metrics_hist_from_record() of its stored record), to h: the
 * buckets the CDF plots draw.  Returns 1 if added, 0 if the run has none,
 * -1 on a database error. */
int store_run_hist(struct store *s, const char *id, const char *name,
		   struct merged_hist *h);

/* --- verdicts (host/store/verdicts.c) ----------------------------------- */

#define VERDICT_SCHEMA	"irqlbench-verdict/1"
#define VERDICT_REASON_MAX	8192	/* characters of its reason */

/*
 * Imports one verdict of `irqlbench verify` (VERDICT_SCHEMA, results/SCHEMA.md
 * "The verdict file"): checked (schema, id, verdict and its status,
 * backend, created_utc, kernel, tags, runs: every one of them already in
 * the store), stored whole with the ids of the runs it was decided from.  The same id
 * with the same content is IMPORT_UNCHANGED, with other content
 * IMPORT_REFUSED; err says why anything but NEW/UNCHANGED.
 */
enum import_result store_import_verdict(struct store *s, json_t *v, char *err, size_t errlen);
/* Checks a verdict object as store_import_verdict() does: 0, or -1 with err. */
int store_validate_verdict(json_t *v, char *err, size_t errlen);
/*
 * The stored verdicts f selects, newest last, as a JSON array of
 * {id, created, kernel, kernel_upstream, kernel_abi, variant, policy, backend,
 *  host, cpu_model, emulated, verdict, reason, control, tags, runs}.  Keys
 * of f: id, kernel (the Debian version, upstream version or ABI), variant
 * (a model verdict's policy too), policy, backend, host, verdict (FIXED,
 * UNFIXED, INCONCLUSIVE or a glob), tag; globs * and ? as for runs; any
 * other key or verdict is an error.  0, or -1 with err.
 */
int store_list_verdicts(struct store *s, const struct run_filter *f, json_t **out,
			char *err, size_t errlen);
/* The stored verdict file of id (a new reference), or NULL. */
json_t *store_get_verdict(struct store *s, const char *id);

/* --- merging stores (host/store/merge.c) -------------------------------- */

/* What a merge did with one run or verdict of a source store. */
struct merge_item {
	char *source;		/* the source store's database file */
	char *id;		/* the run's record id, or the verdict's id */
	bool verdict;		/* a verdict, else a run */
	enum import_result r;	/* IMPORT_NEW, IMPORT_UNCHANGED, or IMPORT_RESTORED (a
				 * run already there whose run directory was missing:
				 * written) */
};

struct merge_list {
	struct merge_item *v;	/* in the order merged: each source's runs, then
				 * its verdicts */
	size_t n, cap;
};

void store_merge_list_free(struct merge_list *l);

/* A verdict checked against its runs in s before it is merged (the
 * command passes verify_check_stored(), as `results import` does): 0, or
 * -1 with one line in err. */
typedef int (*store_verdict_check)(struct store *s, json_t *v, char *err, size_t errlen);

/*
 * The database of a STORE argument (malloc'd): DIR/irqlbench.db for a
 * directory (a results directory, as results/ holds results/irqlbench.db
 * and results/runs/), else the argument itself.
 */
char *store_merge_source_path(const char *arg);

/*
 * Merges the stores at sources[0..n) (database files, opened as any
 * command opens a store: checked, an older schema migrated) into s, all of
 * them or nothing, in one transaction: every run of each (its record,
 * validated as an import validates it, and the record file and artifacts
 * of its run directory RUNS/<id>/ copied to s's RUNS/<id>/), then every
 * verdict (checked by store_validate_verdict() and, when new, by check).
 * A run is the same run by its record id, a verdict by its id: one the
 * store holds with the same content is left as it is (IMPORT_UNCHANGED;
 * its run directory written again if it is missing), so that merging a
 * store again adds nothing.  The host identity columns (hostname, CPU
 * family, model, stepping, microcode, DMI product name) are filled from
 * each record and verdict, the source host's.
 *
 * Returns IMPORT_NEW (something was added), IMPORT_UNCHANGED (nothing
 * was), and out lists every run and verdict; or, with nothing merged
 * (the transaction rolled back, the run directories it made removed, out
 * empty) and err one line naming the store, the run or verdict, and the
 * fix:
 *  - IMPORT_REFUSED (bad input, EXIT_USAGE): a source that does not exist
 *    or is s itself, or that an earlier one names already (the same file:
 *    by device and inode); a record or verdict that is invalid, or whose id s
 *    (or an earlier source) holds with other content; an artifact named
 *    by an absolute path or through "..", or a run directory, record file
 *    or artifact that resolves (through a symlink) outside the source's
 *    runs directory; a record file in it that is not the stored record; a
 *    verdict whose runs are not all there, or that check refuses;
 *  - IMPORT_STORE_ERROR (EXIT_STORE): s or a source is unusable (not
 *    SQLite, corrupt, locked, a newer schema), a damaged row, or a file
 *    that cannot be written into s's runs directory;
 *  - IMPORT_STOPPED: a stop signal came before the commit (looked for
 *    after each run and verdict: cli/stopsig.h).
 */
enum import_result store_merge(struct store *s, char *const *sources, size_t n,
			       store_verdict_check check, struct merge_list *out,
			       char *err, size_t errlen);

/* --- small helpers shared by the result commands ------------------------ */

/* A run or verdict id becomes a file name: letters, digits and ._:+-, at
 * most 200, not starting with . or -. */
bool store_id_ok(const char *id);
/* FNV-1a, 64 bit, as 16 hex digits: tells "same content" from "other content". */
void store_content_hash(const char *s, char out[17]);

/* Database path: --db, else $IRQLBENCH_DB, else STORE_DEFAULT_DB. */
const char *store_default_path(const char *opt);

/* For store.c, query.c and verdicts.c: obj's string member key, or NULL;
 * v bound as text, or NULL as SQL NULL. */
const char *store_json_str(json_t *obj, const char *key);
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* The host-identity columns (cpu_family, cpu_model_number, cpu_stepping,
 * microcode, dmi_product_name, dmi_product_name_why) of table "runs" or
 * "verdicts" set from the stored record or verdict: of row id, or of every
 * row (NULL).  0, or -1 (SQLite error). */
int store_host_identity(struct store *s, const char *table, const char *id);
/* Copies a file (0644); copying a file onto itself does nothing.  0 or -1
 * with errno.  Also used by the dashboard (host/plot/cmd_plot.c). */
int store_copy_file(const char *from, const char *to);

#endif
