// SPDX-License-Identifier: MIT
/*
 * store.c - opening and migrating the results store, validating and
 * importing records.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/stopsig.h"
#include "cli/util.h"
#include "record/check.h"
#include "record/record.h"
#include "store/store.h"
#include "store/store_priv.h"

static int fill_run_metrics(struct store *s);
static int add_host_identity(struct store *s);

/*
 * Migration step i (1-based) brings a store from version i-1 to i: its SQL,
 * then its C step (NULL: none), in one transaction.  Never edit a step that
 * has shipped: add a new one and bump STORE_SCHEMA_VERSION.  A change to
 * what metrics_from_record() computes is such a step: fill_run_metrics
 * computes every run's metrics again from its stored record.
 */
static const struct {
	const char *sql;
	int (*fill)(struct store *s);
} store_migrations[STORE_SCHEMA_VERSION] = {
	/* 1: runs, their raw numbers (per phase, vCPU, kind and name) and
	 * histograms */
	{ "CREATE TABLE runs ("
	"  id TEXT PRIMARY KEY,"
	"  content_hash TEXT NOT NULL,"
	"  record_schema TEXT NOT NULL,"
	"  status TEXT NOT NULL,"		/* complete | failed */
	"  flagged INTEGER NOT NULL,"		/* 1: failed, never a result */
	"  error_kind TEXT, error_message TEXT,"
	"  backend TEXT NOT NULL, policy TEXT, variant TEXT,"
	"  workload TEXT NOT NULL, params TEXT NOT NULL,"
	"  launcher TEXT, emulated INTEGER NOT NULL,"
	"  tags TEXT NOT NULL,"
	"  suite_version TEXT NOT NULL, started TEXT NOT NULL, duration_s REAL,"
	"  kernel TEXT NOT NULL, cpu_vendor TEXT, cpu_model TEXT NOT NULL,"
	"  cpu_family INTEGER, microcode TEXT, hostname TEXT,"
	"  qemu_version TEXT, qemu_accel TEXT, kvm TEXT, lab TEXT, pinning TEXT,"
	"  verdict_status TEXT, verdict_reason TEXT,"
	"  imported TEXT NOT NULL,"
	"  record TEXT NOT NULL"		/* the record, compact, keys sorted */
	");"
	"CREATE TABLE run_tags (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  tag TEXT NOT NULL, PRIMARY KEY (run_id, tag));"
	"CREATE TABLE phases (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL, name TEXT NOT NULL, measured INTEGER NOT NULL,"
	"  PRIMARY KEY (run_id, idx));"
	/* kind: counter | exit | injection | delivery */
	"CREATE TABLE metrics (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  phase INTEGER NOT NULL, cpu INTEGER NOT NULL, kind TEXT NOT NULL,"
	"  name TEXT NOT NULL, value INTEGER NOT NULL,"
	"  PRIMARY KEY (run_id, phase, cpu, kind, name));"
	"CREATE TABLE histograms (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  phase INTEGER NOT NULL, cpu INTEGER NOT NULL, name TEXT NOT NULL, unit TEXT,"
	"  bounds TEXT NOT NULL, counts TEXT NOT NULL, overflow INTEGER NOT NULL,"
	"  n INTEGER, sum INTEGER, min INTEGER, max INTEGER, p50 INTEGER, p99 INTEGER,"
	"  PRIMARY KEY (run_id, phase, cpu, name));"
	"CREATE INDEX runs_select ON runs (workload, backend, policy, variant);"
	"CREATE INDEX metrics_name ON metrics (kind, name);", NULL },
	/* 2: a complete run whose own verdict is not ok is a failed run (as
	 * store_run_failed() decides on import); a bare string verdict */
	{ "UPDATE runs SET verdict_status = CASE json_type(record, '$.verdict')"
	"  WHEN 'text' THEN json_extract(record, '$.verdict')"
	"  WHEN 'object' THEN json_extract(record, '$.verdict.status') END"
	"  WHERE verdict_status IS NULL;"
	"UPDATE runs SET status = 'failed', flagged = 1,"
	"  error_kind = coalesce(error_kind, 'verdict'),"
	"  error_message = coalesce(error_message, 'the workload''s own check failed'"
	"    || coalesce(': ' || nullif(verdict_reason, ''), ''))"
	"  WHERE flagged = 0 AND verdict_status IS NOT NULL AND verdict_status <> 'ok';", NULL },
	/* 3: each run's metrics (metrics.h), computed once from its record */
	{ "DROP TABLE IF EXISTS run_metrics;"
	  "CREATE TABLE run_metrics (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	  "  name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (run_id, name));",
	  fill_run_metrics },
	/* 4: verdicts of `irqlbench verify` (irqlbench-verdict/1, host/store/verdicts.c):
	 * one per kernel x variant x host, the file kept whole, and the runs it
	 * was decided from */
	{ "CREATE TABLE IF NOT EXISTS verdicts ("
	  "  id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, schema TEXT NOT NULL,"
	  "  verdict TEXT NOT NULL, reason TEXT, backend TEXT NOT NULL, variant TEXT, policy TEXT,"
	  "  kernel TEXT, kernel_upstream TEXT, kernel_abi TEXT, host TEXT, cpu_model TEXT,"
	  "  emulated INTEGER NOT NULL, control TEXT, created TEXT NOT NULL, tags TEXT NOT NULL,"
	  "  imported TEXT NOT NULL, verdict_json TEXT NOT NULL);"
	  "CREATE TABLE IF NOT EXISTS verdict_runs (verdict_id TEXT NOT NULL REFERENCES verdicts(id) ON DELETE CASCADE,"
	  "  run_id TEXT NOT NULL, PRIMARY KEY (verdict_id, run_id));"
	  "CREATE INDEX IF NOT EXISTS verdicts_select ON verdicts (kernel, variant, host);", NULL },
	/* 5: a maximum (delivery.late_max_cycles) is the extreme over phases and
	 * vCPUs, not their sum, and has no /iter (metric_is_sum()) */
	{ "DELETE FROM run_metrics;", fill_run_metrics },
	/* 6: percentiles never above the max (the guest's log-linear buckets,
	 * results/SCHEMA.md "Histograms"): the stored p50/p99 of older records
	 * clamped, every run's metrics computed again.  The records themselves,
	 * their bounds and counts stay as they were imported. */
	{ "UPDATE histograms SET p50 = min(p50, max) WHERE p50 > max;"
	  "UPDATE histograms SET p99 = min(p99, max) WHERE p99 > max;", fill_run_metrics },
	/* 7: the host's identity (provenance.host; a verdict's host) as columns
	 * of runs and verdicts: CPU family, model number, stepping, microcode,
	 * DMI product name and why there is none (store_host_identity()) */
	{ "", add_host_identity },
};

const char *store_default_path(const char *opt)
{
	const char *env = getenv("IRQLBENCH_DB");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return STORE_DEFAULT_DB;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	util_err(err, errlen, 0, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

int store_exec(struct store *s, const char *sql, char *err, size_t errlen)
{
	return exec_sql(s->db, sql, err, errlen);
}

enum import_result store_stopped(char *err, size_t errlen)
{
	util_err(err, errlen, 0, "stopped by %s", stop_signal_name(stop_signal()));
	return IMPORT_STOPPED;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SQLite's busy handler: wait for another process's lock up to
 * lock_wait_s, then give up with SQLITE_BUSY (store_db_error says so). */
static int busy_wait(void *arg, int count)
{
	struct store *s = arg;
	double now = now_s(), left;

	if (count == 0)
		s->busy_since = now;
	s->waited_s = now - s->busy_since;
	left = s->lock_wait_s - s->waited_s;
	if (left <= 0 || stop_signal())	/* a stop signal ends the wait too */
		return 0;
	usleep((useconds_t)(fmin(left, 0.02) * 1e6) + 1);
	return 1;
}

/* One line, at most ~160 characters, of an SQLite message. */
static void one_line(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len && n < 160; in++) {
		char c = (unsigned char)*in < ' ' ? ' ' : *in;

		if (c != ' ' || (n && out[n - 1] != ' '))
			out[n++] = c;
	}
	out[n] = '\0';
}

static int corrupt_error(struct store *s, const char *what, char *err, size_t errlen)
{
	char detail[200];

	one_line(what, detail, sizeof(detail));
	util_err(err, errlen, 0, "%s is corrupt (%s): move it away and rebuild it from its records with "
	       "'irqlbench results import --db %s %s'", s->path, detail, s->path, s->runs_dir);
	return -1;
}

int store_db_error(struct store *s, char *err, size_t errlen)
{
	char detail[200];

	one_line(sqlite3_errmsg(s->db), detail, sizeof(detail));
	switch (sqlite3_errcode(s->db) & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		/* the limit it waited for, not the time it took to give up:
		 * that is longer on a loaded machine, and the limit is what
		 * the user can change */
		util_err(err, errlen, 0, "%s is locked by another process (waited %.1f s): try again when "
		       "it has finished, or wait longer with IRQLBENCH_DB_WAIT=SECONDS",
		       s->path, s->lock_wait_s);
		break;
	case SQLITE_CORRUPT:
		return corrupt_error(s, detail, err, errlen);
	case SQLITE_NOTADB:
		util_err(err, errlen, 0, "%s is not an SQLite database (%s): give the results store with --db, "
		       "or move this file away to start a new store there", s->path, detail);
		break;
	case SQLITE_READONLY:
		util_err(err, errlen, 0, "cannot write the results store %s (%s): its file or file "
			 "system is read-only: make them writable, or give another --db", s->path, detail);
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_IOERR:
	case SQLITE_FULL:
		util_err(err, errlen, 0, "cannot use the results store %s (%s): check its permissions "
		       "and the free space of its file system", s->path, detail);
		break;
	default:
		util_err(err, errlen, 0, "results store %s: %s", s->path, detail);
	}
	return -1;
}

int store_file_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_version", -1, &st, NULL))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		v = -1;
	sqlite3_finalize(st);
	return v;
}

/* 1 if the database has a table of that name, 0 if not, -1 on error. */
static int has_table(struct store *s, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, name ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
				     : "SELECT 1 FROM sqlite_master", -1, &st, NULL))
		return -1;
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* PRAGMA quick_check: a damaged page is found here, by every command,
 * rather than as rows that silently go missing from one query. */
static int store_check(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL))
		return store_db_error(s, err, errlen);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return store_db_error(s, err, errlen);
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok")) {
		corrupt_error(s, (const char *)sqlite3_column_text(st, 0), err, errlen);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Step v + 1 of store_migrations[], inside the caller's transaction, and
 * the COMMIT: 0, or -1 with the SQLite message in msg. */
static int migrate_step(struct store *s, int v, char *msg, size_t len)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES (%d);", v + 1);
	if (exec_sql(s->db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
		     msg, len) ||
	    exec_sql(s->db, store_migrations[v].sql, msg, len))
		return -1;
	if (store_migrations[v].fill && store_migrations[v].fill(s)) {
		util_err(msg, len, 0, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	return exec_sql(s->db, "DELETE FROM schema_version", msg, len) ||
	       exec_sql(s->db, sql, msg, len) || exec_sql(s->db, "COMMIT", msg, len) ? -1 : 0;
}

/* A file that holds no store yet: what a command that does not create one
 * says of it (an empty file, or an SQLite database without tables). */
static int no_store_yet(const char *path, const char *what, char *err, size_t errlen)
{
	util_err(err, errlen, 0, "%s is %s, not a results store: give the store with --db, or "
		 "import records into it ('irqlbench results import --db %s FILE')", path, what, path);
	return -1;
}

/* Brings the schema to STORE_SCHEMA_VERSION; a database without tables
 * becomes a store only when the command creates one (create). */
static int store_migrate(struct store *s, bool create, char *err, size_t errlen)
{
	char msg[256];
	int v, t = has_table(s, "schema_version");

	if (t < 0)
		return store_db_error(s, err, errlen);
	if (!t) {
		t = has_table(s, NULL);
		if (t < 0)
			return store_db_error(s, err, errlen);
		if (t) {
			util_err(err, errlen, 0, "%s is an SQLite database but not an irqlbench results store "
			       "(no schema_version table): give the store with --db, or another file "
			       "name for a new one", s->path);
			return -1;
		}
		if (!create)
			return no_store_yet(s->path, "an SQLite database without tables", err, errlen);
		v = 0;
	} else {
		v = store_file_version(s);
		if (v < 0)
			return store_db_error(s, err, errlen);
	}
	if (v > STORE_SCHEMA_VERSION) {
		util_err(err, errlen, 0,
		       "%s has store schema version %d, newer than this irqlbench understands (%d): "
		       "use a newer irqlbench or another --db", s->path, v, STORE_SCHEMA_VERSION);
		return -1;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		if (exec_sql(s->db, "BEGIN IMMEDIATE", msg, sizeof(msg)))
			return store_db_error(s, err, errlen);
		if (migrate_step(s, v, msg, sizeof(msg))) {
			int code = sqlite3_errcode(s->db) & 0xff;

			if (code == SQLITE_BUSY || code == SQLITE_CORRUPT || code == SQLITE_FULL ||
			    code == SQLITE_IOERR || code == SQLITE_READONLY) {
				store_db_error(s, err, errlen);
			} else {
				util_err(err, errlen, 0, "%s: migration to store schema %d failed: %s: "
				       "use the irqlbench that wrote it", s->path, v + 1, msg);
			}
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

char *store_runs_dir(const char *path)
{
	char *dir = dir_of(path), *real = realpath(path, NULL), *rdir = realpath(dir, NULL), *out;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	/* the real file's directory and name: a store reached through a
	 * symlink or another relative path is the same store */
	if (real) {
		free(rdir);
		rdir = dir_of(real);
		base = strrchr(real, '/') + 1;
	}
	if (!rdir)
		rdir = strdup(dir);
	if (!strcmp(base, STORE_DEFAULT_NAME) ? asprintf(&out, "%s/runs", rdir) < 0 :
						asprintf(&out, "%s/%s.runs", rdir, base) < 0)
		abort();
	free(dir);
	free(real);
	free(rdir);
	return out;
}

/* $IRQLBENCH_DB_WAIT, or the default. */
static int lock_wait(double *wait, char *err, size_t errlen)
{
	const char *env = getenv("IRQLBENCH_DB_WAIT");
	char *end;

	*wait = STORE_LOCK_WAIT_S;
	if (!env || !*env)
		return 0;
	*wait = strtod(env, &end);
	if (*end || !(*wait >= 0 && *wait <= 3600)) {
		util_err(err, errlen, 0, "IRQLBENCH_DB_WAIT='%s' is not a number of seconds: give 0 to 3600 "
		       "(default %g) or unset it", env, STORE_LOCK_WAIT_S);
		return -1;
	}
	return 0;
}

struct store *store_open(const char *path, bool create, char *err, size_t errlen)
{
	struct argv_buf made_dirs = { 0 };
	struct store *s;
	struct stat sb;
	char *dir;
	int flags = SQLITE_OPEN_READWRITE;
	double wait;

	if (lock_wait(&wait, err, errlen))
		return NULL;
	if (stat(path, &sb)) {
		if (!create) {
			util_err(err, errlen, 0, "no results store at %s: import records first "
			       "('irqlbench results import FILE') or give --db FILE", path);
			return NULL;
		}
		dir = dir_of(path);
		if (util_mkdir_made(dir, &made_dirs)) {
			util_err(err, errlen, 0, "cannot create %s: %s: give --db a path in a writable directory",
			       dir, strerror(errno));
			free(dir);
			return NULL;
		}
		free(dir);
		flags |= SQLITE_OPEN_CREATE;
	} else if (S_ISDIR(sb.st_mode)) {
		util_err(err, errlen, 0, "%s is a directory, not a results store: give the database file "
		       "with --db (e.g. %s/irqlbench.db)", path, path);
		return NULL;
	} else if (!sb.st_size && !create) {
		/* SQLite takes it for a new database: the schema would be
		 * written into it by a command that only reads */
		no_store_yet(path, "an empty file", err, errlen);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->path = strdup(path);
	s->lock_wait_s = wait;
	s->runs_dir = store_runs_dir(path);
	s->made = flags & SQLITE_OPEN_CREATE ? STORE_NEW_FILE : sb.st_size ? STORE_FOUND :
		  STORE_NEW_IN_EMPTY;
	s->made_dirs = made_dirs;
	s->runs_missing = access(s->runs_dir, F_OK) != 0;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		if (s->db)
			store_db_error(s, err, errlen);
		else
			util_err(err, errlen, 0, "cannot open results store %s: out of memory", path);
		store_close_undo(s);
		return NULL;
	}
	sqlite3_busy_handler(s->db, busy_wait, s);
	sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (store_check(s, err, errlen) || store_migrate(s, create, err, errlen)) {
		store_close_undo(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s->path);
	free(s->runs_dir);
	argv_free(&s->made_dirs);
	free(s);
}

void store_close_undo(struct store *s)
{
	static const char *const side[] = { "-journal", "-wal", "-shm" };

	if (!s)
		return;
	sqlite3_close(s->db);
	s->db = NULL;
	if (s->runs_missing)
		rmdir(s->runs_dir);
	if (s->made == STORE_NEW_FILE) {
		unlink(s->path);
		for (size_t i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
			char *p = xasprintf("%s%s", s->path, side[i]);

			unlink(p);
			free(p);
		}
		util_rmdir_made(&s->made_dirs);
	} else if (s->made == STORE_NEW_IN_EMPTY && truncate(s->path, 0)) {
		fprintf(stderr, "irqlbench: warning: cannot empty %s again: %s\n", s->path,
			strerror(errno));
	}
	store_close(s);
}

/* --- validation --------------------------------------------------------- */

const char *store_json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool store_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 200 || id[0] == '.' || id[0] == '-')
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._:+-", *p)))
			return false;
	return true;
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

static int check_int_map(json_t *m, const char *what, char *err, size_t errlen)
{
	const char *k;
	json_t *v;

	if (json_is_null(m) || !m)
		return 0;
	if (!json_is_object(m)) {
		util_err(err, errlen, 0, "%s is not an object", what);
		return -1;
	}
	json_object_foreach(m, k, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			util_err(err, errlen, 0, "%s.%s is not a non-negative integer", what, k);
			return -1;
		}
	}
	return 0;
}

static int check_hist(json_t *h, const char *where, char *err, size_t errlen)
{
	json_t *b = json_object_get(h, "bounds"), *c = json_object_get(h, "counts");
	size_t i;
	json_t *v;

	if (!json_is_array(b) || !json_is_array(c) || json_array_size(b) != json_array_size(c) ||
	    !json_is_integer(json_object_get(h, "overflow"))) {
		util_err(err, errlen, 0, "histogram %s needs bounds and counts of the same length and an overflow count",
		       where);
		return -1;
	}
	json_array_foreach(b, i, v) {
		if (!json_is_number(v) || !json_is_integer(json_array_get(c, i)) ||
		    json_integer_value(json_array_get(c, i)) < 0) {
			util_err(err, errlen, 0, "histogram %s: bucket %zu is not a count", where, i);
			return -1;
		}
	}
	/* n, where given, is every sample: the buckets' and the overflow's */
	if (json_object_get(h, "n")) {
		json_int_t n = json_integer_value(json_object_get(h, "n")), sum;

		sum = json_integer_value(json_object_get(h, "overflow"));
		json_array_foreach(c, i, v)
			sum += json_integer_value(v);
		if (!json_is_integer(json_object_get(h, "n")) || n < 0 || n != sum ||
		    json_integer_value(json_object_get(h, "overflow")) < 0) {
			util_err(err, errlen, 0, "histogram %s: n=%lld is not its buckets' and overflow's "
				 "%lld samples", where, (long long)n, (long long)sum);
			return -1;
		}
	}
	return 0;
}

static int check_vcpu(json_t *vc, int phase, char *err, size_t errlen)
{
	static const char *const maps[] = { "counters", "exits", "injections", "delivery" };
	char what[96];
	const char *hn;
	json_t *h, *hs;

	if (!json_is_object(vc) || !json_is_integer(json_object_get(vc, "cpu"))) {
		util_err(err, errlen, 0, "phase %d: a vcpu entry has no integer \"cpu\"", phase);
		return -1;
	}
	for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(what, sizeof(what), "phase %d cpu %lld %s", phase,
			 (long long)json_integer_value(json_object_get(vc, "cpu")), maps[i]);
		if (check_int_map(json_object_get(vc, maps[i]), what, err, errlen))
			return -1;
	}
	{
		/* a late delivery is an unmasking write's (guestos/nt/irql.c) */
		json_t *c = json_object_get(vc, "counters");
		json_int_t late = json_integer_value(json_object_get(c, "late_deliveries"));
		json_int_t unm = json_integer_value(json_object_get(c, "cr8_lower_unmask"));

		if (json_object_get(c, "late_deliveries") && json_object_get(c, "cr8_lower_unmask") &&
		    late > unm) {
			util_err(err, errlen, 0, "phase %d cpu %lld: late_deliveries=%lld above "
				 "cr8_lower_unmask=%lld: a late delivery is an unmasking write's", phase,
				 (long long)json_integer_value(json_object_get(vc, "cpu")),
				 (long long)late, (long long)unm);
			return -1;
		}
	}
	hs = json_object_get(vc, "histograms");
	if (hs && !json_is_null(hs)) {
		if (!json_is_object(hs)) {
			util_err(err, errlen, 0, "phase %d: histograms is not an object", phase);
			return -1;
		}
		json_object_foreach(hs, hn, h) {
			snprintf(what, sizeof(what), "%s (phase %d)", hn, phase);
			if (check_hist(h, what, err, errlen))
				return -1;
		}
	}
	return 0;
}

/*
 * verdict.findings (the guest's R line: late= unmasking=) are the measured
 * phases' late_deliveries and cr8_lower_unmask, summed over the vCPUs; a
 * guest TSC rate, where given, is above 0 (every time in ns is made with it).
 */
static int check_findings(json_t *rec, char *err, size_t errlen)
{
	json_t *f = json_object_get(json_object_get(rec, "verdict"), "findings");
	json_t *hz = json_object_get(json_object_get(rec, "guest"), "tsc_hz");
	struct metric_set m = { 0 };
	json_int_t late, unm;

	if (hz && !json_is_null(hz) && (!json_is_integer(hz) || json_integer_value(hz) <= 0)) {
		util_err(err, errlen, 0, "guest.tsc_hz is not a rate above 0: the guest's times cannot be converted");
		return -1;
	}
	if (!f || json_is_null(f))
		return 0;
	/* the record's metrics: the one sum over the measured phases */
	metrics_from_record(rec, &m);
	late = isnan(metric_get(&m, "late_deliveries")) ? 0 : (json_int_t)metric_get(&m, "late_deliveries");
	unm = isnan(metric_get(&m, "cr8_lower_unmask")) ? 0 : (json_int_t)metric_get(&m, "cr8_lower_unmask");
	metric_set_free(&m);
	if (!json_is_integer(json_object_get(f, "late_deliveries")) ||
	    !json_is_integer(json_object_get(f, "unmasking_writes")) ||
	    json_integer_value(json_object_get(f, "late_deliveries")) != late ||
	    json_integer_value(json_object_get(f, "unmasking_writes")) != unm) {
		util_err(err, errlen, 0, "verdict.findings are not the measured phases' late_deliveries "
			 "(%lld) and cr8_lower_unmask (%lld)", (long long)late, (long long)unm);
		return -1;
	}
	return 0;
}

static int check_phases(json_t *rec, char *err, size_t errlen)
{
	json_t *phases = json_object_get(rec, "phases"), *ph, *vc;
	size_t i, j;

	if (!phases || json_is_null(phases)) {
		if (!strcmp(store_json_str(rec, "status"), "failed"))
			return 0;
		util_err(err, errlen, 0, "a complete record needs \"phases\"");
		return -1;
	}
	if (!json_is_array(phases)) {
		util_err(err, errlen, 0, "\"phases\" is not an array");
		return -1;
	}
	json_array_foreach(phases, i, ph) {
		int idx;

		if (!json_is_integer(json_object_get(ph, "idx")) || !store_json_str(ph, "name") ||
		    !json_is_boolean(json_object_get(ph, "measured")) ||
		    !json_is_array(json_object_get(ph, "vcpus"))) {
			util_err(err, errlen, 0, "phase %zu needs idx, name, measured and vcpus", i);
			return -1;
		}
		idx = (int)json_integer_value(json_object_get(ph, "idx"));
		json_array_foreach(json_object_get(ph, "vcpus"), j, vc)
			if (check_vcpu(vc, idx, err, errlen))
				return -1;
	}
	return check_findings(rec, err, errlen);
}

int store_validate_record(json_t *rec, char *err, size_t errlen)
{
	static const char *const backends[] = { "tcg", "kvm", "guest", "lab", "model", NULL };
	static const char *const statuses[] = { "complete", "failed", NULL };
	static const char *const top[] = { "id", "status", "workload", "backend", NULL };
	static const char *const prov[] = { "started_utc", NULL };
	static const char *const host[] = { "kernel", "cpu_model", NULL };
	json_t *p, *h, *v;
	const char *schema;

	if (!json_is_object(rec)) {
		util_err(err, errlen, 0, "not a JSON object");
		return -1;
	}
	schema = store_json_str(rec, "schema");
	if (!schema) {
		util_err(err, errlen, 0, "no \"schema\" field: not an irqlbench result record");
		return -1;
	}
	if (strcmp(schema, RECORD_SCHEMA)) {
		util_err(err, errlen, 0, "record schema '%s' is not supported (this irqlbench reads %s): "
		       "import it with the irqlbench that wrote it", schema, RECORD_SCHEMA);
		return -1;
	}
	for (const char *const *k = top; *k; k++)
		if (!store_json_str(rec, *k) || !*store_json_str(rec, *k)) {
			util_err(err, errlen, 0, "missing \"%s\"", *k);
			return -1;
		}
	if (!store_id_ok(store_json_str(rec, "id"))) {
		util_err(err, errlen, 0, "id '%s' is not usable as a directory name (letters, digits, ._:+-)",
		       store_json_str(rec, "id"));
		return -1;
	}
	if (!one_of(store_json_str(rec, "status"), statuses)) {
		util_err(err, errlen, 0, "status '%s' is neither complete nor failed", store_json_str(rec, "status"));
		return -1;
	}
	if (!one_of(store_json_str(rec, "backend"), backends)) {
		util_err(err, errlen, 0, "backend '%s' is not one of tcg, kvm, guest, lab, model", store_json_str(rec, "backend"));
		return -1;
	}
	if (!json_is_object(json_object_get(rec, "params"))) {
		util_err(err, errlen, 0, "missing \"params\" (an object)");
		return -1;
	}
	v = json_object_get(rec, "verdict");
	if (v && !json_is_null(v) && !json_is_string(v) &&
	    !(json_is_object(v) && json_is_string(json_object_get(v, "status")))) {
		util_err(err, errlen, 0, "\"verdict\" is not {\"status\": \"ok\" or \"fail\", \"reason\": ...}");
		return -1;
	}
	if (!json_is_boolean(json_object_get(rec, "emulated"))) {
		util_err(err, errlen, 0, "missing \"emulated\" (true or false)");
		return -1;
	}
	p = json_object_get(rec, "provenance");
	if (!json_is_object(p)) {
		util_err(err, errlen, 0, "missing provenance: the record must say where it came from");
		return -1;
	}
	if (!store_json_str(p, "suite_version")) {
		util_err(err, errlen, 0, "missing provenance field \"suite_version\"");
		return -1;
	}
	/* what its facts say of each other, failed or not (record/check.h) */
	if (record_check_facts(rec, err, errlen))
		return -1;
	/* A run that failed before it started (preflight, launch) may lack
	 * the rest; it is stored only as the record of a failure. */
	if (!strcmp(store_json_str(rec, "status"), "failed"))
		return check_phases(rec, err, errlen);
	for (const char *const *k = prov; *k; k++)
		if (!store_json_str(p, *k)) {
			util_err(err, errlen, 0, "missing provenance field \"%s\"", *k);
			return -1;
		}
	h = json_object_get(p, "host");
	/* a guest's serial log (results import --serial): no host was observed */
	if (!strcmp(store_json_str(rec, "backend"), "guest") && json_is_null(h))
		return check_phases(rec, err, errlen);
	if (!json_is_object(h)) {
		util_err(err, errlen, 0, "missing provenance field \"host\"");
		return -1;
	}
	for (const char *const *k = host; *k; k++)
		if (!store_json_str(h, *k)) {
			util_err(err, errlen, 0, "missing provenance field \"host.%s\"", *k);
			return -1;
		}
	if (!strcmp(store_json_str(rec, "backend"), "model") && !store_json_str(rec, "policy")) {
		util_err(err, errlen, 0, "a model record needs \"policy\"");
		return -1;
	}
	return check_phases(rec, err, errlen);
}

const char *store_verdict(json_t *rec)
{
	json_t *v = json_object_get(rec, "verdict");

	return json_is_string(v) ? json_string_value(v) : store_json_str(v, "status");
}

bool store_run_failed(json_t *rec)
{
	const char *v = store_verdict(rec);

	return !strcmp(store_json_str(rec, "status"), "failed") || (v && strcmp(v, "ok"));
}

/* --- import ------------------------------------------------------------- */

/* FNV-1a, 64 bit: enough to tell "same content" from "other content". */
void store_content_hash(const char *s, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static char *dump_or_null(json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static int insert_run(struct store *s, json_t *rec, const char *hash, const char *text)
{
	static const char sql[] =
		"INSERT INTO runs (id, content_hash, record_schema, status, flagged, error_kind,"
		" error_message, backend, policy, variant, workload, params, launcher, emulated,"
		" tags, suite_version, started, duration_s, kernel, cpu_vendor, cpu_model,"
		" cpu_family, microcode, hostname, qemu_version, qemu_accel, kvm, lab, pinning,"
		" verdict_status, verdict_reason, imported, record)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		" strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?)";
	json_t *p = json_object_get(rec, "provenance"), *h = json_object_get(p, "host");
	json_t *q = json_object_get(p, "qemu"), *e = json_object_get(rec, "error");
	json_t *vd = json_object_get(rec, "verdict"), *tags = json_object_get(rec, "tags");
	char *params = dump_or_null(json_object_get(rec, "params"));
	char *tagtxt = json_is_array(tags) ? dump_or_null(tags) : strdup("[]");
	char *kvm = dump_or_null(json_object_get(p, "kvm"));
	char *lab = dump_or_null(json_object_get(p, "lab"));
	char *pin = dump_or_null(json_object_get(p, "pinning"));
	json_t *fam = json_object_get(h, "cpu_family"), *dur = json_object_get(p, "duration_s");
	bool failed = store_run_failed(rec);
	char *vmsg = NULL;
	sqlite3_stmt *st;
	int i = 1, rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return -1;
	store_bind_text(st, i++, store_json_str(rec, "id"));
	store_bind_text(st, i++, hash);
	store_bind_text(st, i++, store_json_str(rec, "schema"));
	store_bind_text(st, i++, failed ? "failed" : "complete");
	sqlite3_bind_int(st, i++, failed);
	if (store_json_str(e, "kind") || !failed) {
		store_bind_text(st, i++, store_json_str(e, "kind"));
		store_bind_text(st, i++, store_json_str(e, "message"));
	} else {	/* complete, but the workload's own check failed */
		const char *reason = store_json_str(vd, "reason");

		store_bind_text(st, i++, "verdict");
		if (asprintf(&vmsg, "the workload's own check failed%s%s", reason && *reason ? ": " : "",
			     reason && *reason ? reason : "") < 0)
			abort();
		store_bind_text(st, i++, vmsg);
	}
	store_bind_text(st, i++, store_json_str(rec, "backend"));
	store_bind_text(st, i++, store_json_str(rec, "policy"));
	store_bind_text(st, i++, store_json_str(rec, "variant"));
	store_bind_text(st, i++, store_json_str(rec, "workload"));
	store_bind_text(st, i++, params);
	store_bind_text(st, i++, store_json_str(rec, "launcher"));
	sqlite3_bind_int(st, i++, json_is_true(json_object_get(rec, "emulated")));
	store_bind_text(st, i++, tagtxt);
	store_bind_text(st, i++, store_json_str(p, "suite_version"));
	store_bind_text(st, i++, store_json_str(p, "started_utc") ? store_json_str(p, "started_utc") : "");
	if (json_is_number(dur))
		sqlite3_bind_double(st, i++, json_number_value(dur));
	else
		sqlite3_bind_null(st, i++);
	store_bind_text(st, i++, store_json_str(h, "kernel") ? store_json_str(h, "kernel") : "");
	store_bind_text(st, i++, store_json_str(h, "cpu_vendor"));
	store_bind_text(st, i++, store_json_str(h, "cpu_model") ? store_json_str(h, "cpu_model") : "");
	if (json_is_integer(fam))
		sqlite3_bind_int64(st, i++, json_integer_value(fam));
	else
		sqlite3_bind_null(st, i++);
	store_bind_text(st, i++, store_json_str(h, "microcode"));
	store_bind_text(st, i++, store_json_str(h, "hostname"));
	store_bind_text(st, i++, store_json_str(q, "version"));
	store_bind_text(st, i++, store_json_str(q, "accel"));
	store_bind_text(st, i++, kvm);
	store_bind_text(st, i++, lab);
	store_bind_text(st, i++, pin);
	store_bind_text(st, i++, store_verdict(rec));
	store_bind_text(st, i++, store_json_str(vd, "reason"));
	store_bind_text(st, i++, text);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	free(vmsg);
	free(params);
	free(tagtxt);
	free(kvm);
	free(lab);
	free(pin);
	return rc;
}

static int insert_tags(struct store *s, const char *id, json_t *tags)
{
	sqlite3_stmt *st;
	size_t i;
	json_t *t;
	int rc = 0;

	if (!json_is_array(tags))
		return 0;
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO run_tags VALUES (?, ?)", -1, &st, NULL))
		return -1;
	json_array_foreach(tags, i, t) {
		if (!json_is_string(t))
			continue;
		sqlite3_reset(st);
		store_bind_text(st, 1, id);
		store_bind_text(st, 2, json_string_value(t));
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

static int insert_map(sqlite3_stmt *st, const char *id, int phase, int cpu,
		      const char *kind, json_t *m)
{
	const char *k;
	json_t *v;

	if (!json_is_object(m))
		return 0;
	json_object_foreach(m, k, v) {
		sqlite3_reset(st);
		store_bind_text(st, 1, id);
		sqlite3_bind_int(st, 2, phase);
		sqlite3_bind_int(st, 3, cpu);
		store_bind_text(st, 4, kind);
		store_bind_text(st, 5, k);
		sqlite3_bind_int64(st, 6, json_integer_value(v));
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
	}
	return 0;
}

static void bind_int_or_null(sqlite3_stmt *st, int i, json_t *v)
{
	if (json_is_integer(v))
		sqlite3_bind_int64(st, i, json_integer_value(v));
	else
		sqlite3_bind_null(st, i);
}

static int insert_hists(sqlite3_stmt *st, const char *id, int phase, int cpu, json_t *hs)
{
	const char *k;
	json_t *h;

	if (!json_is_object(hs))
		return 0;
	json_object_foreach(hs, k, h) {
		char *b = dump_or_null(json_object_get(h, "bounds"));
		char *c = dump_or_null(json_object_get(h, "counts"));
		int rc;

		sqlite3_reset(st);
		store_bind_text(st, 1, id);
		sqlite3_bind_int(st, 2, phase);
		sqlite3_bind_int(st, 3, cpu);
		store_bind_text(st, 4, k);
		store_bind_text(st, 5, store_json_str(h, "unit"));
		store_bind_text(st, 6, b);
		store_bind_text(st, 7, c);
		bind_int_or_null(st, 8, json_object_get(h, "overflow"));
		bind_int_or_null(st, 9, json_object_get(h, "n"));
		bind_int_or_null(st, 10, json_object_get(h, "sum"));
		bind_int_or_null(st, 11, json_object_get(h, "min"));
		bind_int_or_null(st, 12, json_object_get(h, "max"));
		bind_int_or_null(st, 13, json_object_get(h, "p50"));
		bind_int_or_null(st, 14, json_object_get(h, "p99"));
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		free(b);
		free(c);
		if (rc)
			return -1;
	}
	return 0;
}

static int insert_phases(struct store *s, const char *id, json_t *phases)
{
	sqlite3_stmt *ps = NULL, *ms = NULL, *hs = NULL;
	static const char *const kinds[][2] = {
		{ "counters", "counter" }, { "exits", "exit" },
		{ "injections", "injection" }, { "delivery", "delivery" },
	};
	size_t i, j;
	json_t *ph, *vc;
	int rc = -1;

	if (!json_is_array(phases))
		return 0;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO phases VALUES (?,?,?,?)", -1, &ps, NULL) ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO metrics VALUES (?,?,?,?,?,?)", -1, &ms, NULL) ||
	    /* p50/p99 at most the max: a record from before the guest's
	     * log-linear buckets may give its bucket's bound above it */
	    sqlite3_prepare_v2(s->db, "INSERT INTO histograms VALUES (?,?,?,?,?,?,?,?,?,?,?,?,"
			       "min(?13, coalesce(?12, ?13)), min(?14, coalesce(?12, ?14)))",
			       -1, &hs, NULL))
		goto out;
	json_array_foreach(phases, i, ph) {
		int idx = (int)json_integer_value(json_object_get(ph, "idx"));

		sqlite3_reset(ps);
		store_bind_text(ps, 1, id);
		sqlite3_bind_int(ps, 2, idx);
		store_bind_text(ps, 3, store_json_str(ph, "name"));
		sqlite3_bind_int(ps, 4, json_is_true(json_object_get(ph, "measured")));
		if (sqlite3_step(ps) != SQLITE_DONE)
			goto out;
		json_array_foreach(json_object_get(ph, "vcpus"), j, vc) {
			int cpu = (int)json_integer_value(json_object_get(vc, "cpu"));

			for (unsigned k = 0; k < 4; k++)
				if (insert_map(ms, id, idx, cpu, kinds[k][1],
					       json_object_get(vc, kinds[k][0])))
					goto out;
			if (insert_hists(hs, id, idx, cpu, json_object_get(vc, "histograms")))
				goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(ps);
	sqlite3_finalize(ms);
	sqlite3_finalize(hs);
	return rc;
}

/* The run's metrics (metrics.h) into run_metrics: 0, or -1 (SQLite error). */
static int insert_metrics(struct store *s, const char *id, json_t *rec)
{
	struct metric_set m = { 0 };
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO run_metrics VALUES (?, ?, ?)", -1, &st, NULL))
		return -1;
	metrics_from_record(rec, &m);
	for (size_t i = 0; i < m.n && !rc; i++) {
		sqlite3_reset(st);
		store_bind_text(st, 1, id);
		store_bind_text(st, 2, m.v[i].name);
		sqlite3_bind_double(st, 3, m.v[i].v);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	metric_set_free(&m);
	return rc;
}

/*
 * A migration's C step: every run's metrics computed again from its stored
 * record.  A stored record that is not JSON (a damaged store: export says
 * so) gets none.  0, or -1 (SQLite error).
 */
static int fill_run_metrics(struct store *s)
{
	sqlite3_stmt *st;
	int rc;

	if (exec_sql(s->db, "DELETE FROM run_metrics", NULL, 0) ||
	    sqlite3_prepare_v2(s->db, "SELECT id, record FROM runs ORDER BY id", -1, &st, NULL))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *rec = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		int bad = rec && insert_metrics(s, (const char *)sqlite3_column_text(st, 0), rec);

		json_decref(rec);
		if (bad)
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The host's identity, kept in columns of runs and verdicts (migration 7)
 * and filled from the stored JSON, whose host facts are at prefix.
 */
static const struct { const char *col, *type, *path; } host_identity[] = {
	{ "cpu_family", "INTEGER", "cpu_family" },
	{ "cpu_model_number", "INTEGER", "cpu_model_number" },
	{ "cpu_stepping", "INTEGER", "cpu_stepping" },
	{ "microcode", "TEXT", "microcode" },
	{ "dmi_product_name", "TEXT", "hypervisor.dmi_product_name" },
	{ "dmi_product_name_why", "TEXT", "hypervisor.dmi_product_name_why" },
};
static const struct { const char *table, *json, *prefix; } host_tables[] = {
	{ "runs", "record", "$.provenance.host." }, { "verdicts", "verdict_json", "$.host." },
};

int store_host_identity(struct store *s, const char *table, const char *id)
{
	size_t t, i;
	char *sql, *next;
	sqlite3_stmt *st;
	int rc;

	for (t = 0; t < sizeof(host_tables) / sizeof(host_tables[0]); t++)
		if (!strcmp(host_tables[t].table, table))
			break;
	if (t == sizeof(host_tables) / sizeof(host_tables[0]))
		return -1;
	sql = xasprintf("UPDATE %s SET", table);
	for (i = 0; i < sizeof(host_identity) / sizeof(host_identity[0]); i++) {
		next = xasprintf("%s%s %s = json_extract(%s, '%s%s')", sql, i ? "," : "",
				 host_identity[i].col, host_tables[t].json, host_tables[t].prefix,
				 host_identity[i].path);
		free(sql);
		sql = next;
	}
	next = xasprintf("%s WHERE ?1 IS NULL OR id = ?1", sql);
	free(sql);
	rc = sqlite3_prepare_v2(s->db, next, -1, &st, NULL);
	free(next);
	if (rc)
		return -1;
	store_bind_text(st, 1, id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/* Migration 7's C step: the columns each table lacks (runs had cpu_family
 * and microcode from the start; a store set back to an older version by
 * hand may have them all), then every row's. */
static int add_host_identity(struct store *s)
{
	for (size_t t = 0; t < sizeof(host_tables) / sizeof(host_tables[0]); t++) {
		for (size_t i = 0; i < sizeof(host_identity) / sizeof(host_identity[0]); i++) {
			char *q = xasprintf("SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
					    host_tables[t].table, host_identity[i].col);
			sqlite3_stmt *st;
			int have = -1;

			if (!sqlite3_prepare_v2(s->db, q, -1, &st, NULL) && sqlite3_step(st) == SQLITE_ROW)
				have = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
			free(q);
			if (have < 0)
				return -1;
			if (have)
				continue;
			q = xasprintf("ALTER TABLE %s ADD COLUMN %s %s", host_tables[t].table,
				      host_identity[i].col, host_identity[i].type);
			have = exec_sql(s->db, q, NULL, 0);
			free(q);
			if (have)
				return -1;
		}
		if (store_host_identity(s, host_tables[t].table, NULL))
			return -1;
	}
	return 0;
}

int store_run_hash(struct store *s, const char *id, char hash[17])
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT content_hash FROM runs WHERE id = ?", -1, &st, NULL))
		return -1;
	store_bind_text(st, 1, id);
	found = sqlite3_step(st);
	if (found == SQLITE_ROW)
		snprintf(hash, 17, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return found == SQLITE_ROW ? 1 : found == SQLITE_DONE ? 0 : -1;
}

int store_copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	struct stat a, b;
	ssize_t n;
	int rc = 0;

	if (in < 0)
		return -1;
	/* never truncate a file onto itself */
	if (!fstat(in, &a) && !stat(to, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		close(in);
		return 0;
	}
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (n < 0)
		rc = -1;
	close(in);
	if (close(out))
		rc = -1;
	return rc;
}

/* Does a relative path climb out through ".."? */
static bool has_dotdot(const char *name)
{
	for (const char *p = name; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p))
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return true;
	return false;
}

bool store_path_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return true;
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/*
 * Where the file of artifact `key` (named `name` in the record) is: 1 and
 * *from (its resolved path) for a regular file inside src_dir; 0 for none
 * (no such file, or no src_dir: a record may come without its logs); -1
 * with err when the name is absolute, climbs out with "..", resolves
 * (through a symlink) outside src_dir, or is there but no regular file (a
 * FIFO, a directory, a device: never opened, never taken for a missing
 * log): the store copies only the record's own files, never one it happens
 * to be able to read.
 */
static int artifact_source(const char *src_dir, const char *key, const char *name,
			   char **from, char *err, size_t errlen)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	char *path, *real, *rdir;
	struct stat sb;
	int rc = 0;

	*from = NULL;
	if (name[0] == '/') {
		util_err(err, errlen, 0, "artifact %s is an absolute path ('%s'): the store copies only the "
		       "record's own files: put the file beside the record and name it relative to it "
		       "(\"%s\")", key, name, base);
		return -1;
	}
	if (has_dotdot(name)) {
		util_err(err, errlen, 0, "artifact %s ('%s') leaves the record's directory through '..': "
		       "put the file beside the record and name it relative to it (\"%s\")",
		       key, name, base);
		return -1;
	}
	if (!src_dir)
		return 0;
	if (asprintf(&path, "%s/%s", src_dir, name) < 0)
		abort();
	real = realpath(path, NULL);
	rdir = realpath(src_dir, NULL);
	if (real && rdir && !store_path_inside(real, rdir)) {
		util_err(err, errlen, 0, "artifact %s ('%s') resolves to %s, outside the record's directory "
		       "%s: replace the link by a copy of the file", key, name, real, rdir);
		rc = -1;
	} else if (real && rdir && util_not_regular(real)) {
		util_err(err, errlen, 0, "artifact %s ('%s') is %s, not a file: put the file itself "
			 "in its place, or take the artifact out of the record", key, name,
			 util_not_regular(real));
		rc = -1;
	} else if (real && rdir && !stat(real, &sb) && S_ISREG(sb.st_mode)) {
		*from = real;
		real = NULL;
		rc = 1;
	}
	free(path);
	free(real);
	free(rdir);
	return rc;
}

int store_check_artifacts(json_t *rec, const char *src_dir, char *err, size_t errlen)
{
	json_t *v;
	const char *k;
	char *from;

	json_object_foreach(json_object_get(rec, "artifacts"), k, v) {
		if (!json_is_string(v) || !*json_string_value(v))
			continue;
		if (artifact_source(src_dir, k, json_string_value(v), &from, err, errlen) < 0)
			return -1;
		free(from);
	}
	return 0;
}

/*
 * Copies the record file and the artifacts it names (found next to it,
 * checked by store_check_artifacts) into dir, under the names the record gives
 * them, so that they stay right relative to the copied record.  A missing
 * artifact is not an error: a record may be imported without its logs.
 * Without a file (a record read from JSON Lines, an array, stdin) the
 * record alone is written.
 */
static int copy_run_files(const char *file, json_t *rec, const char *dir,
			  char *err, size_t errlen)
{
	char *src_dir = file ? dir_of(file) : NULL, *to = NULL, *from = NULL, *to_dir;
	json_t *arts = file ? json_object_get(rec, "artifacts") : NULL, *v;
	const char *k;
	int rc = -1;

	if (util_mkdir_p(dir)) {
		util_err(err, errlen, 0, "cannot create %s: %s: check the permissions and the free space "
		       "of the store's directory", dir, strerror(errno));
		goto out;
	}
	if (asprintf(&to, "%s/record.json", dir) < 0)
		abort();
	if (file ? store_copy_file(file, to) : json_dump_file(rec, to, JSON_INDENT(2))) {
		util_err(err, errlen, 0, "cannot write %s: %s: check the permissions and the free space "
		       "of the store's directory", to, strerror(errno));
		goto out;
	}
	json_object_foreach(arts, k, v) {
		const char *name = json_is_string(v) ? json_string_value(v) : NULL;

		if (!name || !*name || !strcmp(name, "record.json"))
			continue;
		free(from);
		free(to);
		to = NULL;
		if (artifact_source(src_dir, k, name, &from, err, errlen) < 0)
			goto out;
		if (!from)
			continue;
		if (asprintf(&to, "%s/%s", dir, name) < 0)
			abort();
		to_dir = dir_of(to);
		if (util_mkdir_p(to_dir) || store_copy_file(from, to)) {
			util_err(err, errlen, 0, "cannot copy artifact %s to %s: %s: check that it is readable "
			       "and the store's directory writable", from, to, strerror(errno));
			free(to_dir);
			goto out;
		}
		free(to_dir);
	}
	rc = 0;
out:
	free(src_dir);
	free(to);
	free(from);
	return rc;
}

static bool same_dir(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb && !strcmp(ra, rb);

	free(ra);
	free(rb);
	return same;
}

enum placed { PLACED_FAILED, PLACED_IN_PLACE, PLACED_INTO_DIR, PLACED_NEW_DIR };

/*
 * Puts the record and its artifacts under runs/<id>/.  A record that is
 * already there (`irqlbench run` writes to results/runs/<id>/) stays as
 * it is, with everything beside it.  An existing directory of a run not
 * in the store (written by run, or left by an import that did not
 * commit) receives the files; it is never removed, for it may hold logs
 * the record does not name.  Otherwise the files go to a temporary
 * directory renamed into place, so that runs/ never shows half a run.
 */
static enum placed place_run_files(struct store *s, const char *file, json_t *rec,
				   const char *dir, const char *tmp, char *err, size_t errlen)
{
	char *src_dir = file ? dir_of(file) : NULL;
	bool in_place = src_dir && same_dir(src_dir, dir);
	struct stat sb;

	free(src_dir);
	if (in_place) {
		const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		char *to;
		int rc = 0;

		/* beside its logs already; only the name may differ */
		if (strcmp(base, "record.json")) {
			if (asprintf(&to, "%s/record.json", dir) < 0)
				abort();
			rc = store_copy_file(file, to);
			if (rc)
				util_err(err, errlen, 0, "cannot copy %s to %s: %s", file, to, strerror(errno));
			free(to);
		}
		return rc ? PLACED_FAILED : PLACED_IN_PLACE;
	}
	if (util_mkdir_p(s->runs_dir)) {
		util_err(err, errlen, 0, "cannot create %s, the store's run directory: %s: make it a "
		       "writable directory", s->runs_dir, strerror(errno));
		return PLACED_FAILED;
	}
	if (!stat(dir, &sb) && S_ISDIR(sb.st_mode))
		return copy_run_files(file, rec, dir, err, errlen) ? PLACED_FAILED : PLACED_INTO_DIR;
	util_rm_rf(tmp);
	if (copy_run_files(file, rec, tmp, err, errlen)) {
		util_rm_rf(tmp);
		return PLACED_FAILED;
	}
	if (rename(tmp, dir)) {
		util_err(err, errlen, 0, "cannot move %s to %s: %s", tmp, dir, strerror(errno));
		util_rm_rf(tmp);
		return PLACED_FAILED;
	}
	return PLACED_NEW_DIR;
}

/* --- reading the records of one input ----------------------------------- */

#define IMPORT_MAX_BYTES (256u << 20)

/* One input of an import, read and parsed: its records, and where a
 * single record file's artifacts are. */
struct import_input {
	const char *name;	/* "-" for standard input */
	const char *file;	/* a single record file (its artifacts beside it), else NULL */
	enum { IN_OBJECT, IN_LINES, IN_ARRAY } kind;
	json_t **recs;
	int *where;		/* line (JSON Lines) or element (array) of recs[i] */
	char **hash, **text;
	size_t n;
};

static void input_free(struct import_input *in)
{
	for (size_t i = 0; i < in->n; i++) {
		json_decref(in->recs[i]);
		free(in->hash[i]);
		free(in->text[i]);
	}
	free(in->recs);
	free(in->where);
	free(in->hash);
	free(in->text);
	memset(in, 0, sizeof(*in));
}

static void input_add(struct import_input *in, json_t *rec, int where)
{
	in->recs = realloc(in->recs, (in->n + 1) * sizeof(*in->recs));
	in->where = realloc(in->where, (in->n + 1) * sizeof(*in->where));
	in->hash = realloc(in->hash, (in->n + 1) * sizeof(*in->hash));
	in->text = realloc(in->text, (in->n + 1) * sizeof(*in->text));
	if (!in->recs || !in->where || !in->hash || !in->text)
		abort();
	in->recs[in->n] = rec;
	in->where[in->n] = where;
	in->hash[in->n] = in->text[in->n] = NULL;
	in->n++;
}

/* "line 3: " / "record 2: " / "" for a message about recs[i]. */
static void where_of(const struct import_input *in, size_t i, char *buf, size_t len)
{
	if (in->kind == IN_LINES)
		snprintf(buf, len, "line %d: ", in->where[i]);
	else if (in->kind == IN_ARRAY)
		snprintf(buf, len, "record %d of the array: ", in->where[i]);
	else
		buf[0] = '\0';
}

static char *read_input(const char *name, size_t *len, char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO or device named like a record never blocks the
	 * import; anything but a regular file (or stdin) is refused */
	int fd = strcmp(name, "-") ? open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : 0;
	size_t cap = 65536, n = 0;
	char *buf = NULL;
	struct stat sb;
	ssize_t r;

	if (fd < 0) {
		util_err(err, errlen, 0, "cannot read it: %s: give a record file, JSON Lines, a directory "
		       "or - (standard input)", strerror(errno));
		return NULL;
	}
	if (fd > 0 && (fstat(fd, &sb) || !S_ISREG(sb.st_mode))) {
		close(fd);
		util_err(err, errlen, 0, "it is not a regular file (a FIFO, device or socket): give a record "
		       "file, JSON Lines, a directory or - (standard input)");
		return NULL;
	}
	if (fd > 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	do {
		if (n + 1 >= cap || !buf) {
			cap = buf ? cap * 2 : cap;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r > 0)
			n += (size_t)r;
	} while (r > 0 && n <= IMPORT_MAX_BYTES);
	if (fd)
		close(fd);
	if (r < 0 || n > IMPORT_MAX_BYTES) {
		util_err(err, errlen, 0, r < 0 ? "cannot read: %s" : "larger than 256 MiB: %s",
		       r < 0 ? strerror(errno) : "not a file of records");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\n", p[i]))
			return false;
	return true;
}

/* A parse error as one line: truncated when it is at the very end (the
 * writer stopped, even inside a token, which jansson calls invalid). */
static void json_error_msg(const json_error_t *je, size_t len, bool lines, char *err, size_t errlen)
{
	bool trunc = strstr(je->text, "premature end") || strstr(je->text, "end of file") ||
		     (size_t)je->position + 1 >= len;

	if (lines)
		util_err(err, errlen, 0, "line %d: %s JSON at column %d: %s: give one record per line "
		       "(JSON Lines)", je->line, trunc ? "truncated" : "invalid", je->column, je->text);
	else
		util_err(err, errlen, 0, "%s JSON at line %d column %d: %s", trunc ? "truncated" : "invalid",
		       je->line, je->column, je->text);
}

/*
 * Parses buf: one JSON value (a record, or an array of records), else
 * JSON Lines (a record per line, blank lines ignored).
 */
static int parse_input(struct import_input *in, const char *buf, size_t len,
		       char *err, size_t errlen)
{
	json_error_t je;
	json_t *v = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
	size_t i;
	json_t *e;
	int line = 0;

	if (!v) {
		if (blank(buf, len)) {
			util_err(err, errlen, 0, "no record in it: give a record file, JSON Lines or a JSON array of records");
			return -1;
		}
		json_error_msg(&je, len, false, err, errlen);
		return -1;
	}
	if (blank(buf + je.position, len - (size_t)je.position)) {
		if (json_is_array(v)) {
			in->kind = IN_ARRAY;
			json_array_foreach(v, i, e)
				input_add(in, json_incref(e), (int)i + 1);
			json_decref(v);
		} else {
			in->kind = IN_OBJECT;
			input_add(in, v, 0);
		}
		return 0;
	}
	json_decref(v);
	in->kind = IN_LINES;
	for (const char *p = buf, *end; p < buf + len; p = end + 1) {
		end = memchr(p, '\n', (size_t)(buf + len - p));
		if (!end)
			end = buf + len;
		line++;
		if (blank(p, (size_t)(end - p)))
			continue;
		v = json_loadb(p, (size_t)(end - p), JSON_REJECT_DUPLICATES, &je);
		if (!v) {
			je.line = line;
			json_error_msg(&je, end == buf + len ? (size_t)(end - p) : SIZE_MAX, true, err, errlen);
			return -1;
		}
		input_add(in, v, line);
	}
	return 0;
}

/* Every record valid, its artifacts its own, an id given twice only with
 * the same content: 0, or -1 with err naming the record. */
static int check_input(struct import_input *in, char *err, size_t errlen)
{
	char *src_dir = in->file ? dir_of(in->file) : NULL, where[48], msg[768];
	int rc = -1;

	for (size_t i = 0; i < in->n; i++) {
		where_of(in, i, where, sizeof(where));
		if (store_validate_record(in->recs[i], msg, sizeof(msg)) ||
		    store_check_artifacts(in->recs[i], src_dir, msg, sizeof(msg))) {
			util_err(err, errlen, 0, "%s%s", where, msg);
			goto out;
		}
		in->text[i] = json_dumps(in->recs[i], JSON_COMPACT | JSON_SORT_KEYS);
		in->hash[i] = malloc(17);
		if (!in->text[i] || !in->hash[i])
			abort();
		store_content_hash(in->text[i], in->hash[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(store_json_str(in->recs[i], "id"), store_json_str(in->recs[j], "id")) &&
			    strcmp(in->hash[i], in->hash[j])) {
				util_err(err, errlen, 0, "%srun %s is given again with other content (first at %s%d): "
				       "give each record its own id", where, store_json_str(in->recs[i], "id"),
				       in->kind == IN_LINES ? "line " : "record ", in->where[j]);
				goto out;
			}
	}
	rc = 0;
out:
	free(src_dir);
	return rc;
}

/* --- storing them --------------------------------------------------------- */

int store_insert_run_rows(struct store *s, json_t *rec, const char *hash, const char *text)
{
	const char *id = store_json_str(rec, "id");

	return insert_run(s, rec, hash, text) || store_host_identity(s, "runs", id) ||
	       insert_tags(s, id, json_object_get(rec, "tags")) ||
	       insert_phases(s, id, json_object_get(rec, "phases")) ||
	       insert_metrics(s, id, rec) ? -1 : 0;
}

/* Rows of every new record of in, in the transaction; outcome[i] says
 * NEW, UNCHANGED or (same id, same content earlier in the input) -1. */
static enum import_result insert_input(struct store *s, struct import_input *in, int *outcome,
				       char *err, size_t errlen)
{
	char old[17], where[48];

	for (size_t i = 0; i < in->n; i++) {
		const char *rid = store_json_str(in->recs[i], "id");
		int found = store_run_hash(s, rid, old);

		outcome[i] = -1;
		for (size_t j = 0; j < i && found >= 0; j++)
			if (!strcmp(rid, store_json_str(in->recs[j], "id")))
				found = 2;
		if (found == 2)
			continue;
		if (found < 0) {
			store_db_error(s, err, errlen);
			return IMPORT_STORE_ERROR;
		}
		if (found) {
			if (strcmp(old, in->hash[i])) {
				where_of(in, i, where, sizeof(where));
				util_err(err, errlen, 0, "%srun %s is already in the store with other content: "
				       "give the new record another id or use another --db", where, rid);
				return IMPORT_REFUSED;
			}
			outcome[i] = IMPORT_UNCHANGED;
			continue;
		}
		if (store_insert_run_rows(s, in->recs[i], in->hash[i], in->text[i])) {
			store_db_error(s, err, errlen);
			return IMPORT_STORE_ERROR;
		}
		outcome[i] = IMPORT_NEW;
	}
	return IMPORT_NEW;
}

static char *run_path(struct store *s, const char *id, bool tmp)
{
	char *p;

	if ((tmp ? asprintf(&p, "%s/.import-%s-%d", s->runs_dir, id, (int)getpid()) :
		   asprintf(&p, "%s/%s", s->runs_dir, id)) < 0)
		abort();
	return p;
}

int store_place_run(struct store *s, const char *file, json_t *rec, bool *made,
		    char *err, size_t errlen)
{
	char *dir = run_path(s, store_json_str(rec, "id"), false);
	char *tmp = run_path(s, store_json_str(rec, "id"), true);
	enum placed p = place_run_files(s, file, rec, dir, tmp, err, errlen);

	*made = p == PLACED_NEW_DIR;
	free(dir);
	free(tmp);
	return p == PLACED_FAILED ? -1 : 0;
}

void store_unplace_run(struct store *s, const char *id)
{
	char *dir = run_path(s, id, false);

	util_rm_rf(dir);
	free(dir);
}

/*
 * Puts the files of the new records in place, one run after the other
 * until a stop signal comes (made[] says which run directories it made,
 * for unplace_input()).  IMPORT_NEW, or IMPORT_STORE_ERROR with err, or
 * IMPORT_STOPPED.
 */
static enum import_result place_input(struct store *s, struct import_input *in,
				      const int *outcome, bool *made, char *err, size_t errlen)
{
	for (size_t i = 0; i < in->n; i++) {
		if (stop_signal())
			return IMPORT_STOPPED;
		if (outcome[i] == IMPORT_NEW &&
		    store_place_run(s, in->file, in->recs[i], &made[i], err, errlen))
			return IMPORT_STORE_ERROR;
	}
	/* tests stop the import here, its run directories placed, not committed */
	stop_pause("import-placed");
	return stop_signal() ? IMPORT_STOPPED : IMPORT_NEW;
}

static void unplace_input(struct store *s, struct import_input *in, const bool *made)
{
	for (size_t i = 0; i < in->n; i++)
		if (made[i])
			store_unplace_run(s, store_json_str(in->recs[i], "id"));
}

/* An unchanged run whose run directory is missing (removed, or kept
 * elsewhere by an older irqlbench) gets it written again. */
static enum import_result restore_run(struct store *s, struct import_input *in, size_t i,
				      char *err, size_t errlen)
{
	char *dir = run_path(s, store_json_str(in->recs[i], "id"), false);
	char *tmp = run_path(s, store_json_str(in->recs[i], "id"), true);
	enum import_result r = IMPORT_UNCHANGED;

	if (access(dir, F_OK))
		r = place_run_files(s, in->file, in->recs[i], dir, tmp, err, errlen) == PLACED_FAILED ?
		    IMPORT_STORE_ERROR : IMPORT_RESTORED;
	free(dir);
	free(tmp);
	return r;
}

enum import_result store_import(struct store *s, const char *name, unsigned flags,
				store_import_report report, void *arg, char *err, size_t errlen)
{
	struct import_input in = { .name = name };
	enum import_result res = IMPORT_REFUSED;
	char msg[1024], *buf;
	int *outcome = NULL;
	bool *made = NULL, any_new = false;
	size_t len;

	buf = read_input(name, &len, err, errlen);
	if (!buf)
		return IMPORT_REFUSED;
	if (parse_input(&in, buf, len, msg, sizeof(msg)))
		goto refused;
	if (in.kind == IN_OBJECT && strcmp(name, "-"))
		in.file = name;
	if ((flags & STORE_IMPORT_SKIP_OTHER) &&
	    (!in.n || !json_is_object(in.recs[0]) || !json_object_get(in.recs[0], "schema"))) {
		res = IMPORT_SKIPPED;
		goto out;
	}
	if (!in.n) {
		util_err(err, errlen, 0, "no record in it (an empty JSON array): give a record file, "
		       "JSON Lines or a JSON array of records");
		goto out;
	}
	if (check_input(&in, msg, sizeof(msg)))
		goto refused;
	outcome = calloc(in.n, sizeof(*outcome));
	made = calloc(in.n, sizeof(*made));
	if (!outcome || !made)
		abort();
	if (exec_sql(s->db, "BEGIN IMMEDIATE", msg, sizeof(msg))) {
		store_db_error(s, err, errlen);
		res = IMPORT_STORE_ERROR;
		if (stop_signal())	/* it ended the wait for a lock */
			res = store_stopped(err, errlen);
		goto out;
	}
	res = insert_input(s, &in, outcome, msg, sizeof(msg));
	if (res == IMPORT_NEW)
		res = place_input(s, &in, outcome, made, msg, sizeof(msg));
	if (res == IMPORT_NEW && exec_sql(s->db, "COMMIT", msg, sizeof(msg))) {
		store_db_error(s, msg, sizeof(msg));
		res = IMPORT_STORE_ERROR;
	}
	if (res != IMPORT_NEW) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		unplace_input(s, &in, made);
		if (res == IMPORT_REFUSED)
			goto refused;
		if (stop_signal())	/* also where it ended a wait for a lock */
			res = store_stopped(err, errlen);
		else
			util_err(err, errlen, 0, "%s", msg);
		goto out;
	}
	res = IMPORT_UNCHANGED;
	for (size_t i = 0; i < in.n; i++) {
		enum import_result r = outcome[i] == IMPORT_UNCHANGED ?
				       restore_run(s, &in, i, err, errlen) : (enum import_result)outcome[i];

		if (r == IMPORT_STORE_ERROR) {	/* the rows are in; its files are not */
			res = r;
			break;
		}
		any_new |= r == IMPORT_NEW;
		if (report && outcome[i] >= 0)
			report(arg, store_json_str(in.recs[i], "id"), in.where[i], r);
	}
	if (res != IMPORT_STORE_ERROR)
		res = any_new ? IMPORT_NEW : IMPORT_UNCHANGED;
	goto out;
refused:
	if (in.kind != IN_OBJECT && in.n)	/* a line or an element of many */
		util_err(err, errlen, 0, "%s; nothing from it was imported", msg);
	else
		util_err(err, errlen, 0, "%s", msg);
out:
	free(outcome);
	free(made);
	free(buf);
	input_free(&in);
	return res;
}

struct first_id {
	char *id;
	size_t len;
	enum import_result r;
};

static void keep_first(void *arg, const char *id, int where, enum import_result r)
{
	struct first_id *f = arg;

	(void)where;
	if (f->id && f->len && !*f->id)
		snprintf(f->id, f->len, "%s", id);
	if (r == IMPORT_RESTORED)
		f->r = r;
}

enum import_result store_import_file(struct store *s, const char *file,
				     char *id, size_t idlen, char *err, size_t errlen)
{
	struct first_id f = { id, idlen, IMPORT_UNCHANGED };
	enum import_result r;

	if (id && idlen)
		*id = '\0';
	r = store_import(s, file, 0, keep_first, &f, err, errlen);
	return r == IMPORT_UNCHANGED ? f.r : r;
}

/* --- delete --------------------------------------------------------------- */

static int delete_rows(struct store *s, const char *id)
{
	static const char *const sql[] = {
		"DELETE FROM run_tags WHERE run_id = ?", "DELETE FROM metrics WHERE run_id = ?",
		"DELETE FROM run_metrics WHERE run_id = ?",
		"DELETE FROM histograms WHERE run_id = ?", "DELETE FROM phases WHERE run_id = ?",
		"DELETE FROM runs WHERE id = ?",
	};

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st;
		int rc;

		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL))
			return -1;
		store_bind_text(st, 1, id);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/* The run directory of id in this store, and where it waits while the
 * deletion is not committed (NULL for an id no directory can have). */
static bool delete_paths(struct store *s, const char *id, char **dir, char **trash)
{
	*dir = *trash = NULL;
	if (!store_id_ok(id))
		return false;
	if (asprintf(dir, "%s/%s", s->runs_dir, id) < 0 ||
	    asprintf(trash, "%s/.delete-%s-%d", s->runs_dir, id, (int)getpid()) < 0)
		abort();
	return true;
}

/* Puts back (undo) or removes the run directories of l moved aside. */
static void finish_delete(struct store *s, const struct run_list *l, const bool *moved, bool undo)
{
	for (size_t i = 0; i < l->n; i++) {
		char *dir = NULL, *trash = NULL;

		if (moved[i] && delete_paths(s, l->v[i].id, &dir, &trash)) {
			if (undo)
				rename(trash, dir);
			else
				util_rm_rf(trash);
		}
		free(dir);
		free(trash);
	}
}

int store_delete(struct store *s, const struct run_filter *f, struct run_list *out,
		 char *err, size_t errlen)
{
	bool *moved = NULL;
	char msg[256];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (exec_sql(s->db, "BEGIN IMMEDIATE", msg, sizeof(msg)))
		return store_db_error(s, err, errlen);
	if (store_select(s, f, out, err, errlen)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	moved = calloc(out->n + 1, sizeof(*moved));
	if (!moved)
		abort();
	for (size_t i = 0; i < out->n; i++) {
		char *dir, *trash;

		if (delete_rows(s, out->v[i].id)) {
			store_db_error(s, err, errlen);
			goto undo;
		}
		if (delete_paths(s, out->v[i].id, &dir, &trash) && !access(dir, F_OK)) {
			util_rm_rf(trash);
			if (rename(dir, trash)) {
				util_err(err, errlen, 0, "cannot remove %s: %s: check the permissions of the "
				       "store's run directory", dir, strerror(errno));
				free(dir);
				free(trash);
				goto undo;
			}
			moved[i] = true;
		}
		free(dir);
		free(trash);
	}
	if (exec_sql(s->db, "COMMIT", msg, sizeof(msg))) {
		store_db_error(s, err, errlen);
		goto undo;
	}
	finish_delete(s, out, moved, false);
	rc = 0;
	goto out;
undo:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	finish_delete(s, out, moved, true);
	store_run_list_free(out);
out:
	free(moved);
	return rc;
}
