/* SPDX-License-Identifier: MIT */
/*
 * store_priv.h - what the store's own files (store.c, verdicts.c, merge.c)
 * share and no command uses: the steps of an import that run inside the
 * caller's transaction, so that `results import` (a transaction an input)
 * and `results merge` (one transaction for every store it merges) store a
 * run, its files and a verdict the same way.
 */
#ifndef IRQLBENCH_STORE_PRIV_H
#define IRQLBENCH_STORE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "store/store.h"

/* sqlite3_exec of sql: 0, or -1 with SQLite's message in err (err may be
 * NULL). */
int store_exec(struct store *s, const char *sql, char *err, size_t errlen);

/* IMPORT_STOPPED, "stopped by SIGTERM" (the stop signal that came,
 * cli/stopsig.h) in err. */
enum import_result store_stopped(char *err, size_t errlen);

/* 1 and the stored content hash (16 hex digits) when run id is in the
 * store, 0 when it is not, -1 on an SQLite error. */
int store_run_hash(struct store *s, const char *id, char hash[17]);

/*
 * The rows of one validated record (store_validate_record()): runs, its
 * host identity, run_tags, phases, metrics, histograms and run_metrics.
 * hash and text are the record's content hash and its compact text (keys
 * sorted), as store_content_hash() makes them.  Inside the caller's
 * transaction; 0, or -1 on an SQLite error (store_db_error() says which).
 */
int store_insert_run_rows(struct store *s, json_t *rec, const char *hash, const char *text);

/*
 * Every artifact name of rec: 0, or -1 with err when one is an absolute
 * path, climbs out with "..", or (src_dir given) resolves through a
 * symlink outside src_dir, the directory the record's own files are in.
 */
int store_check_artifacts(json_t *rec, const char *src_dir, char *err, size_t errlen);

/*
 * Puts the files of run rec into this store's run directory RUNS/<id>/:
 * the record file `file` and the artifacts it names, found beside it (file
 * NULL: the record alone, written from rec), as `results import` does
 * (store.h).  *made is set when it created RUNS/<id>/, which
 * store_unplace_run() removes again when the transaction does not commit.
 * 0, or -1 with err (a file that cannot be read or written).
 */
int store_place_run(struct store *s, const char *file, json_t *rec, bool *made,
		    char *err, size_t errlen);
/* Removes RUNS/<id>/ of this store (one store_place_run() made). */
void store_unplace_run(struct store *s, const char *id);

/*
 * The rows of one checked verdict (store_validate_verdict()), inside the
 * caller's transaction: IMPORT_NEW (stored), IMPORT_UNCHANGED (the same
 * id and content are there), IMPORT_REFUSED (the same id with other
 * content, or a run it was decided from is not in the store: err says
 * which), IMPORT_STORE_ERROR (SQLite: err says why).
 */
enum import_result store_verdict_rows(struct store *s, json_t *v, char *err, size_t errlen);

/* Is the resolved path dir itself or below it (dir resolved too)? */
bool store_path_inside(const char *path, const char *dir);

#endif
