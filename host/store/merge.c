// SPDX-License-Identifier: MIT
/*
 * merge.c - `irqlbench results merge`: other results stores (another
 * host's, fetched back by fleet/verify.yml) merged into this one in one
 * transaction.  A run is known by its record id, a verdict by its own id;
 * what the store holds already with the same content is left as it is,
 * the same id with other content refuses the whole merge.  Each run's
 * record and the files its artifacts name are copied from the source's
 * run directory, never from a path that leads out of it (store.h,
 * store_import()).  The host identity columns come from the records and
 * verdicts themselves (store_host_identity()), so they stay the source
 * host's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/stopsig.h"
#include "cli/util.h"
#include "store/store.h"
#include "store/store_priv.h"

void store_merge_list_free(struct merge_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].id);
		free(l->v[i].source);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void list_add(struct merge_list *l, const char *source, const char *id, bool verdict,
		     enum import_result r)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n++] = (struct merge_item){ .source = xstrdup(source), .id = xstrdup(id),
					    .verdict = verdict, .r = r };
}

char *store_merge_source_path(const char *arg)
{
	struct stat sb;

	if (!stat(arg, &sb) && S_ISDIR(sb.st_mode))
		return xasprintf("%s%s" STORE_DEFAULT_NAME, arg,
				 arg[strlen(arg) - 1] == '/' ? "" : "/");
	return xstrdup(arg);
}

/* What one merge is doing: the target, what it did, and the run
 * directories it made (removed again when it does not commit). */
struct merge {
	struct store *s;
	struct merge_list *out;
	store_verdict_check check;
	char **made;
	size_t nmade;
};

static void merge_made(struct merge *m, const char *id)
{
	m->made = realloc(m->made, (m->nmade + 1) * sizeof(*m->made));
	if (!m->made)
		abort();
	m->made[m->nmade++] = xstrdup(id);
}

/*
 * The record file of run id in the source: 1 and *file for its
 * RUNS/<id>/record.json, when it is a regular file inside the source's
 * runs directory and holds the record the source's row has (content hash
 * `hash`); 0 when there is none (the record is then written from the row,
 * without artifacts); -1 with err when the run directory or the file
 * leads out of the runs directory, is no regular file (a directory, a
 * FIFO: never taken for a missing one), or holds another record.
 */
static int source_record_file(struct store *src, const char *id, const char *hash,
			      char **file, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s/record.json", src->runs_dir, id);
	char *real = realpath(path, NULL), *rruns = realpath(src->runs_dir, NULL), *text;
	char fhash[17];
	json_t *rec;
	struct stat sb;
	int rc = 0;

	*file = NULL;
	if (!real || !rruns || stat(real, &sb)) {
		rc = 0;
	} else if (!store_path_inside(real, rruns)) {
		util_err(err, errlen, 0, "%s: run %s: %s resolves to %s, outside the store's runs "
			 "directory %s: replace the link by a copy of the run directory", src->path,
			 id, path, real, rruns);
		rc = -1;
	} else if (!S_ISREG(sb.st_mode)) {
		util_err(err, errlen, 0, "%s: run %s: %s is %s, not a file: move it away (the record "
			 "is then written from the store), or put the run's record.json there",
			 src->path, id, path, util_not_regular(real));
		rc = -1;
	} else {
		rec = json_load_file(real, JSON_REJECT_DUPLICATES, NULL);
		text = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (text)
			store_content_hash(text, fhash);
		if (!text || strcmp(fhash, hash)) {
			util_err(err, errlen, 0, "%s: run %s: %s is not the record the store holds: "
				 "move that run directory away, or delete the run from %s "
				 "('irqlbench results delete --db %s %s')", src->path, id, path,
				 src->path, src->path, id);
			rc = -1;
		} else {
			*file = real;
			real = NULL;
			rc = 1;
		}
		free(text);
		json_decref(rec);
	}
	free(path);
	free(real);
	free(rruns);
	return rc;
}

/* One run of the source, its stored record `text`: into the target, with
 * its files.  IMPORT_NEW, _UNCHANGED, _RESTORED, or _REFUSED and
 * _STORE_ERROR with err. */
static enum import_result merge_run(struct merge *m, struct store *src, const char *id,
				    const char *text, char *err, size_t errlen)
{
	char msg[768], hash[17], old[17], *canon = NULL, *file = NULL, *dir;
	json_error_t je;
	json_t *rec = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	enum import_result r = IMPORT_REFUSED;
	bool made = false;
	int found;

	if (!rec) {
		util_err(err, errlen, 0, "%s: run %s: the stored record is not JSON (%s): the store is "
			 "damaged: rebuild it with 'irqlbench results import --db %s %s'", src->path,
			 id, je.text, src->path, src->runs_dir);
		return IMPORT_STORE_ERROR;
	}
	if (store_validate_record(rec, msg, sizeof(msg)) ||
	    store_check_artifacts(rec, NULL, msg, sizeof(msg))) {
		util_err(err, errlen, 0, "%s: run %s: %s", src->path, id, msg);
		goto out;
	}
	if (strcmp(store_json_str(rec, "id"), id)) {
		util_err(err, errlen, 0, "%s: run %s holds the record of %s: the store is damaged: "
			 "rebuild it with 'irqlbench results import --db %s %s'", src->path, id,
			 store_json_str(rec, "id"), src->path, src->runs_dir);
		r = IMPORT_STORE_ERROR;
		goto out;
	}
	canon = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	if (!canon)
		abort();
	store_content_hash(canon, hash);
	found = store_run_hash(m->s, id, old);
	if (found < 0) {
		store_db_error(m->s, err, errlen);
		r = IMPORT_STORE_ERROR;
		goto out;
	}
	if (found && strcmp(old, hash)) {
		util_err(err, errlen, 0, "run %s of %s is already in %s with other content: "
			 "delete one of them ('irqlbench results delete ID'), then merge again",
			 id, src->path, m->s->path);
		goto out;
	}
	dir = xasprintf("%s/%s", m->s->runs_dir, id);
	r = !found ? IMPORT_NEW : access(dir, F_OK) ? IMPORT_RESTORED : IMPORT_UNCHANGED;
	free(dir);
	if (r == IMPORT_UNCHANGED)
		goto out;
	/* the source's run directory: its record file and the artifacts
	 * beside it, checked again against that directory */
	if (source_record_file(src, id, hash, &file, msg, sizeof(msg)) < 0) {
		util_err(err, errlen, 0, "%s", msg);
		r = IMPORT_REFUSED;
		goto out;
	}
	if (file) {
		char *src_dir = xasprintf("%s/%s", src->runs_dir, id);
		int bad = store_check_artifacts(rec, src_dir, msg, sizeof(msg));

		free(src_dir);
		if (bad) {
			util_err(err, errlen, 0, "%s: run %s: %s", src->path, id, msg);
			r = IMPORT_REFUSED;
			goto out;
		}
	}
	if (r == IMPORT_NEW && store_insert_run_rows(m->s, rec, hash, canon)) {
		store_db_error(m->s, err, errlen);
		r = IMPORT_STORE_ERROR;
		goto out;
	}
	if (store_place_run(m->s, file, rec, &made, msg, sizeof(msg))) {
		util_err(err, errlen, 0, "%s", msg);
		r = IMPORT_STORE_ERROR;
		goto out;
	}
	if (made)
		merge_made(m, id);
out:
	free(canon);
	free(file);
	json_decref(rec);
	return r;
}

/* One verdict of the source, its stored file `text`. */
static enum import_result merge_verdict(struct merge *m, struct store *src, const char *id,
					const char *text, char *err, size_t errlen)
{
	char msg[1024];
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	enum import_result r = IMPORT_REFUSED;

	if (!v) {
		util_err(err, errlen, 0, "%s: verdict %s: the stored verdict is not JSON: the store is "
			 "damaged: import its verdict.json again into a new store", src->path, id);
		return IMPORT_STORE_ERROR;
	}
	if (store_validate_verdict(v, msg, sizeof(msg))) {
		util_err(err, errlen, 0, "%s: %s", src->path, msg);
	} else if (strcmp(store_json_str(v, "id"), id)) {
		util_err(err, errlen, 0, "%s: verdict %s holds the verdict %s: the store is damaged",
			 src->path, id, store_json_str(v, "id"));
		r = IMPORT_STORE_ERROR;
	} else {
		r = store_verdict_rows(m->s, v, msg, sizeof(msg));
		/* a new one is judged again against its runs, as an import is */
		if (r == IMPORT_NEW && m->check && m->check(m->s, v, msg, sizeof(msg)))
			r = IMPORT_REFUSED;
		if (r == IMPORT_REFUSED || r == IMPORT_STORE_ERROR)
			util_err(err, errlen, 0, "%s: %s", src->path, msg);
	}
	json_decref(v);
	return r;
}

/* What ends a merge, nothing of it kept. */
static bool merge_failed(enum import_result r)
{
	return r == IMPORT_REFUSED || r == IMPORT_STORE_ERROR || r == IMPORT_STOPPED;
}

/* Every run, then every verdict of one source store, until a stop signal
 * comes (looked for after each). */
static enum import_result merge_source(struct merge *m, struct store *src, char *err, size_t errlen)
{
	static const char *const sql[2] = {
		"SELECT id, record FROM runs ORDER BY started, id",
		"SELECT id, verdict_json FROM verdicts ORDER BY created, id",
	};
	enum import_result r = IMPORT_UNCHANGED;

	for (int verdicts = 0; verdicts < 2 && !merge_failed(r); verdicts++) {
		sqlite3_stmt *st;
		int step;

		if (sqlite3_prepare_v2(src->db, sql[verdicts], -1, &st, NULL)) {
			store_db_error(src, err, errlen);
			return IMPORT_STORE_ERROR;
		}
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const char *text = (const char *)sqlite3_column_text(st, 1);

			r = verdicts ? merge_verdict(m, src, id, text ? text : "", err, errlen) :
				       merge_run(m, src, id, text ? text : "", err, errlen);
			if (merge_failed(r))
				break;
			list_add(m->out, src->path, id, verdicts, r);
			if (!verdicts)	/* tests stop the merge here, a run placed */
				stop_pause("merge-run");
			if (stop_signal()) {
				r = store_stopped(err, errlen);
				break;
			}
		}
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			store_db_error(src, err, errlen);
			r = IMPORT_STORE_ERROR;
		}
		sqlite3_finalize(st);
	}
	return r;
}

/* Are a and b the same file (device and inode)? */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Source i named by the user, before anything is opened: a store that
 * exists, is not the target and was not given before (by this path or
 * another: a symlink, a directory and its irqlbench.db), which would be
 * counted twice.  0, or -1 with err (EXIT_USAGE). */
static int check_source(struct store *s, char *const *sources, size_t i, char *err, size_t errlen)
{
	struct stat a, b;

	if (stat(sources[i], &a)) {
		util_err(err, errlen, 0, "no results store at %s: %s: give a store's database file or "
			 "the directory that holds its %s", sources[i], strerror(errno), STORE_DEFAULT_NAME);
		return -1;
	}
	if (!stat(s->path, &b) && same_file(&a, &b)) {
		util_err(err, errlen, 0, "%s is the store merged into: give other stores (--db names "
			 "the one to merge into)", sources[i]);
		return -1;
	}
	for (size_t j = 0; j < i; j++)
		if (!stat(sources[j], &b) && same_file(&a, &b)) {
			util_err(err, errlen, 0, "%s and %s are one store (the same file): give each "
				 "store once", sources[j], sources[i]);
			return -1;
		}
	return 0;
}

enum import_result store_merge(struct store *s, char *const *sources, size_t n,
			       store_verdict_check check, struct merge_list *out,
			       char *err, size_t errlen)
{
	struct merge m = { .s = s, .out = out, .check = check };
	enum import_result r = IMPORT_UNCHANGED;
	char msg[256];

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		if (check_source(s, sources, i, err, errlen))
			return IMPORT_REFUSED;
	if (store_exec(s, "BEGIN IMMEDIATE", msg, sizeof(msg))) {
		store_db_error(s, err, errlen);
		return stop_signal() ? store_stopped(err, errlen) : IMPORT_STORE_ERROR;
	}
	for (size_t i = 0; i < n && !merge_failed(r); i++) {
		struct store *src = store_open(sources[i], false, err, errlen);

		if (!src) {
			r = IMPORT_STORE_ERROR;
			break;
		}
		r = merge_source(&m, src, err, errlen);
		store_close(src);
	}
	if (!merge_failed(r) && stop_signal())
		r = store_stopped(err, errlen);
	if (!merge_failed(r) && store_exec(s, "COMMIT", msg, sizeof(msg))) {
		store_db_error(s, err, errlen);
		r = IMPORT_STORE_ERROR;
	}
	/* a stop signal that ended a wait for a lock, or that came meanwhile */
	if (r == IMPORT_STORE_ERROR && stop_signal())
		r = store_stopped(err, errlen);
	if (merge_failed(r)) {
		/* nothing of it stays: no row, no run directory it made */
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		for (size_t i = 0; i < m.nmade; i++)
			store_unplace_run(s, m.made[i]);
		store_merge_list_free(out);
	} else {
		r = IMPORT_UNCHANGED;
		for (size_t i = 0; i < out->n; i++)
			if (out->v[i].r != IMPORT_UNCHANGED)
				r = IMPORT_NEW;
	}
	for (size_t i = 0; i < m.nmade; i++)
		free(m.made[i]);
	free(m.made);
	return r;
}
