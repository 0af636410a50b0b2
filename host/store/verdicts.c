// SPDX-License-Identifier: MIT
/*
 * verdicts.c - the verdicts of `irqlbench verify` in the results store:
 * each verdict file (irqlbench-verdict/1, results/SCHEMA.md "The verdict
 * file") stored whole in table verdicts (store schema 4), its columns the
 * keys a dashboard sorts by (kernel versions, variant, host, verdict), and
 * the ids of the runs it was decided from in verdict_runs.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/util.h"
#include "store/store.h"
#include "store/store_priv.h"

int store_validate_verdict(json_t *v, char *err, size_t errlen)
{
	static const char *const verdicts[] = { "FIXED", "UNFIXED", "INCONCLUSIVE", "ON-TIME", "LATE" };
	const char *schema, *id, *vd;
	json_t *runs, *k, *st, *tags;
	size_t i;
	bool known = false;

	if (!json_is_object(v)) {
		util_err(err, errlen, 0, "not a JSON object");
		return -1;
	}
	schema = store_json_str(v, "schema");
	if (!schema || strcmp(schema, VERDICT_SCHEMA)) {
		util_err(err, errlen, 0, "schema is %s%s%s, not %s: give a verdict file of 'irqlbench verify'",
			 schema ? "'" : "", schema ? schema : "missing", schema ? "'" : "", VERDICT_SCHEMA);
		return -1;
	}
	id = store_json_str(v, "id");
	if (!id || !store_id_ok(id)) {
		util_err(err, errlen, 0, "id %s%.64s%s%s is not a token of letters, digits and ._:+- "
			 "(at most 200): give the verdict another id", id ? "'" : "",
			 id ? id : "missing", id && strlen(id) > 64 ? "..." : "", id ? "'" : "");
		return -1;
	}
	vd = store_json_str(v, "verdict");
	for (i = 0; vd && i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		known |= !strcmp(vd, verdicts[i]);
	if (!known) {
		util_err(err, errlen, 0, "verdict %s: its verdict is %s: FIXED, UNFIXED or INCONCLUSIVE "
			 "(ON-TIME or LATE: backend guest)",
			 id, !json_object_get(v, "verdict") ? "missing" : vd ? vd : "not a string");
		return -1;
	}
	/* ON-TIME and LATE are the guest-side verdict's, FIXED and UNFIXED
	 * the others' (verify/guest_verdict.h) */
	if ((!strcmp(vd, "ON-TIME") || !strcmp(vd, "LATE")) !=
	    (store_json_str(v, "backend") && !strcmp(store_json_str(v, "backend"), "guest")) &&
	    strcmp(vd, "INCONCLUSIVE")) {
		util_err(err, errlen, 0, "verdict %s: %s is not a verdict of backend %s: write it with "
			 "'irqlbench verify'", id, vd, store_json_str(v, "backend") ?
			 store_json_str(v, "backend") : "(none)");
		return -1;
	}
	/* its exit status is its verdict's (0, 10, 11: cli.h) */
	st = json_object_get(v, "status");
	if (!json_is_integer(st) ||
	    json_integer_value(st) != (!strcmp(vd, "FIXED") || !strcmp(vd, "ON-TIME") ? 0 :
				       !strcmp(vd, "UNFIXED") || !strcmp(vd, "LATE") ? 10 : 11)) {
		util_err(err, errlen, 0, "verdict %s: status is not %s's exit status: write it with "
			 "'irqlbench verify'", id, vd);
		return -1;
	}
	if (!store_json_str(v, "backend") || !store_json_str(v, "created_utc")) {
		util_err(err, errlen, 0, "verdict %s: no %s: write it with 'irqlbench verify'", id,
			 store_json_str(v, "backend") ? "created_utc" : "backend");
		return -1;
	}
	{
		struct tm tm = { 0 };
		const char *c = store_json_str(v, "created_utc"), *end = strptime(c, "%Y-%m-%dT%H:%M:%SZ", &tm);

		if (!end || *end) {
			util_err(err, errlen, 0, "verdict %s: created_utc '%.40s' is not a UTC time "
				 "(YYYY-MM-DDTHH:MM:SSZ)", id, c);
			return -1;
		}
	}
	if (store_json_str(v, "reason") && strlen(store_json_str(v, "reason")) > VERDICT_REASON_MAX) {
		util_err(err, errlen, 0, "verdict %s: its reason is longer than %d characters", id,
			 VERDICT_REASON_MAX);
		return -1;
	}
	tags = json_object_get(v, "tags");
	if (tags && !json_is_array(tags)) {
		util_err(err, errlen, 0, "verdict %s: tags is no array of strings", id);
		return -1;
	}
	for (i = 0; i < json_array_size(tags); i++)
		if (!json_is_string(json_array_get(tags, i))) {
			util_err(err, errlen, 0, "verdict %s: tags is no array of strings", id);
			return -1;
		}
	k = json_object_get(v, "kernel");
	if (!json_is_object(k) && !json_is_null(k)) {
		util_err(err, errlen, 0, "verdict %s: kernel is no object: write it with 'irqlbench verify'", id);
		return -1;
	}
	runs = json_object_get(v, "runs");
	if (!json_is_array(runs)) {
		util_err(err, errlen, 0, "verdict %s: runs is no array: write it with 'irqlbench verify'", id);
		return -1;
	}
	if (!json_array_size(runs) && strcmp(vd, "INCONCLUSIVE")) {
		util_err(err, errlen, 0, "verdict %s: %s without a run: a verdict is decided from runs",
			 id, vd);
		return -1;
	}
	for (i = 0; i < json_array_size(runs); i++) {
		const char *rid = store_json_str(json_array_get(runs, i), "id");

		if (!rid || !store_id_ok(rid)) {
			util_err(err, errlen, 0, "verdict %s: runs[%zu] has no valid id", id, i);
			return -1;
		}
	}
	return 0;
}

static int insert_verdict(struct store *s, json_t *v, const char *hash, const char *text)
{
	json_t *k = json_object_get(v, "kernel"), *h = json_object_get(v, "host");
	json_t *runs = json_object_get(v, "runs"), *ctl = json_object_get(v, "control");
	json_t *tv = json_object_get(v, "tags");
	char *tags = json_is_array(tv) ? json_dumps(tv, JSON_COMPACT) : xstrdup("[]");
	char *control = json_is_object(ctl) ? json_dumps(ctl, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char now[32];
	sqlite3_stmt *st;
	int rc = -1, i = 1;

	util_utc_iso(util_now(), now, sizeof(now));
	if (sqlite3_prepare_v2(s->db, "INSERT INTO verdicts (id, content_hash, schema, verdict, reason,"
			       " backend, variant, policy, kernel, kernel_upstream, kernel_abi, host,"
			       " cpu_model, emulated, control, created, tags, imported, verdict_json)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL))
		goto out;
	store_bind_text(st, i++, store_json_str(v, "id"));
	store_bind_text(st, i++, hash);
	store_bind_text(st, i++, store_json_str(v, "schema"));
	store_bind_text(st, i++, store_json_str(v, "verdict"));
	store_bind_text(st, i++, store_json_str(v, "reason"));
	store_bind_text(st, i++, store_json_str(v, "backend"));
	store_bind_text(st, i++, store_json_str(v, "variant"));
	store_bind_text(st, i++, store_json_str(v, "policy"));
	store_bind_text(st, i++, store_json_str(k, "debian_version"));
	store_bind_text(st, i++, store_json_str(k, "upstream"));
	store_bind_text(st, i++, store_json_str(k, "abi"));
	store_bind_text(st, i++, store_json_str(h, "hostname"));
	store_bind_text(st, i++, store_json_str(h, "cpu_model"));
	sqlite3_bind_int(st, i++, json_is_true(json_object_get(v, "emulated")));
	store_bind_text(st, i++, control);
	store_bind_text(st, i++, store_json_str(v, "created_utc"));
	store_bind_text(st, i++, tags);
	store_bind_text(st, i++, now);
	store_bind_text(st, i++, text);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (!rc)
		rc = store_host_identity(s, "verdicts", store_json_str(v, "id"));
	if (rc || sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO verdict_runs (verdict_id, run_id)"
				     " VALUES (?, ?)", -1, &st, NULL)) {
		rc = -1;
		goto out;
	}
	for (size_t r = 0; r < json_array_size(runs) && !rc; r++) {
		sqlite3_reset(st);
		store_bind_text(st, 1, store_json_str(v, "id"));
		store_bind_text(st, 2, store_json_str(json_array_get(runs, r), "id"));
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
out:
	free(tags);
	free(control);
	return rc;
}

/* 1 and its hash when id is stored, 0 when not, -1 on an error. */
static int verdict_hash(struct store *s, const char *id, char hash[17])
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT content_hash FROM verdicts WHERE id = ?", -1, &st, NULL))
		return -1;
	store_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(hash, 17, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* 1 when run id is in the store, 0 when not, -1 on an error. */
static int run_stored(struct store *s, const char *id)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM runs WHERE id = ?", -1, &st, NULL))
		return -1;
	store_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum import_result store_verdict_rows(struct store *s, json_t *v, char *err, size_t errlen)
{
	const char *id = store_json_str(v, "id");
	json_t *runs = json_object_get(v, "runs");
	char hash[17], old[17], *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	enum import_result r = IMPORT_NEW;
	int found;

	if (!text)
		abort();
	store_content_hash(text, hash);
	found = verdict_hash(s, id, old);
	/* its evidence is in the store, or it is not taken */
	for (size_t i = 0; !found && i < json_array_size(runs); i++) {
		const char *rid = store_json_str(json_array_get(runs, i), "id");
		int in = run_stored(s, rid);

		if (in < 0) {
			found = -1;
		} else if (!in) {
			util_err(err, errlen, 0, "verdict %s: its run %s is not in the store: import "
				 "its records first (they are in its out_dir)", id, rid);
			r = IMPORT_REFUSED;
			break;
		}
	}
	if (r == IMPORT_REFUSED) {
		;
	} else if (found < 0 || (!found && insert_verdict(s, v, hash, text))) {
		store_db_error(s, err, errlen);
		r = IMPORT_STORE_ERROR;
	} else if (found && strcmp(old, hash)) {
		util_err(err, errlen, 0, "verdict %s is already in the store with other content: give "
			 "the new verdict another id or use another --db", id);
		r = IMPORT_REFUSED;
	} else if (found) {
		r = IMPORT_UNCHANGED;
	}
	free(text);
	return r;
}

enum import_result store_import_verdict(struct store *s, json_t *v, char *err, size_t errlen)
{
	enum import_result r;

	if (store_validate_verdict(v, err, errlen))
		return IMPORT_REFUSED;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) {
		store_db_error(s, err, errlen);
		return IMPORT_STORE_ERROR;
	}
	r = store_verdict_rows(s, v, err, errlen);
	if (r == IMPORT_NEW && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) {
		store_db_error(s, err, errlen);
		r = IMPORT_STORE_ERROR;
	}
	if (r != IMPORT_NEW)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* The SQL condition of one selector term of verdicts; NULL: no such key. */
static const char *verdict_term(const char *key, int *nbind)
{
	static const struct { const char *key, *sql; int n; } map[] = {
		{ "id", "v.id GLOB ?", 1 },
		{ "kernel", "(v.kernel GLOB ? OR v.kernel_upstream GLOB ? OR v.kernel_abi GLOB ?)", 3 },
		{ "variant", "(v.variant GLOB ? OR v.policy GLOB ?)", 2 }, { "policy", "v.policy GLOB ?", 1 },
		{ "backend", "v.backend GLOB ?", 1 }, { "host", "v.host GLOB ?", 1 },
		{ "verdict", "v.verdict GLOB ?", 1 },
		{ "tag", "EXISTS (SELECT 1 FROM json_each(v.tags) t WHERE t.value GLOB ?)", 1 },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(key, map[i].key)) {
			*nbind = map[i].n;
			return map[i].sql;
		}
	return NULL;
}

static json_t *col_json(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? json_string((const char *)t) : json_null();
}

int store_list_verdicts(struct store *s, const struct run_filter *f, json_t **out,
			char *err, size_t errlen)
{
	char sql[4096];
	size_t len;
	sqlite3_stmt *st;
	int rc, b = 1, n = 0;

	*out = NULL;
	len = (size_t)snprintf(sql, sizeof(sql), "SELECT v.id, v.created, v.kernel, v.kernel_upstream,"
			       " v.kernel_abi, v.variant, v.policy, v.backend, v.host, v.cpu_model,"
			       " v.emulated, v.verdict, v.reason, v.control, v.tags,"
			       " (SELECT json_group_array(run_id) FROM verdict_runs r WHERE r.verdict_id = v.id)"
			       " FROM verdicts v WHERE 1");
	for (unsigned i = 0; i < f->n; i++) {
		const char *term = verdict_term(f->key[i], &n);

		if (term && !strcmp(f->key[i], "verdict") && strcmp(f->val[i], "FIXED") &&
		    strcmp(f->val[i], "UNFIXED") && strcmp(f->val[i], "INCONCLUSIVE") &&
		    strcmp(f->val[i], "ON-TIME") && strcmp(f->val[i], "LATE") &&
		    !strpbrk(f->val[i], "*?[")) {
			util_err(err, errlen, 0, "no verdict is '%s': select FIXED, UNFIXED or "
				 "INCONCLUSIVE (guest: ON-TIME or LATE)", f->val[i]);
			return -1;
		}
		if (!term) {
			util_err(err, errlen, 0, "verdicts have no key '%s': select by id, kernel, variant, "
				 "policy, backend, host, verdict or tag", f->key[i]);
			return -1;
		}
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND %s", term);
	}
	snprintf(sql + len, sizeof(sql) - len, " ORDER BY v.created, v.id");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return store_db_error(s, err, errlen);
	for (unsigned i = 0; i < f->n; i++) {
		verdict_term(f->key[i], &n);
		while (n--)
			store_bind_text(st, b++, f->val[i]);
	}
	*out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		static const char *const names[] = { "id", "created", "kernel", "kernel_upstream",
						     "kernel_abi", "variant", "policy", "backend",
						     "host", "cpu_model" };
		json_t *row = json_object(), *j;
		int c;

		for (c = 0; c < 10; c++)
			json_object_set_new(row, names[c], col_json(st, c));
		json_object_set_new(row, "emulated", json_boolean(sqlite3_column_int(st, 10)));
		json_object_set_new(row, "verdict", col_json(st, 11));
		json_object_set_new(row, "reason", col_json(st, 12));
		j = sqlite3_column_text(st, 13) ? json_loads((const char *)sqlite3_column_text(st, 13), 0, NULL) : NULL;
		json_object_set_new(row, "control", j ? j : json_null());
		j = json_loads((const char *)sqlite3_column_text(st, 14), 0, NULL);
		json_object_set_new(row, "tags", j ? j : json_array());
		j = sqlite3_column_text(st, 15) ? json_loads((const char *)sqlite3_column_text(st, 15), 0, NULL) : NULL;
		json_object_set_new(row, "runs", j ? j : json_array());
		json_array_append_new(*out, row);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return store_db_error(s, err, errlen);
	}
	return 0;
}

json_t *store_get_verdict(struct store *s, const char *id)
{
	sqlite3_stmt *st;
	json_t *v = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT verdict_json FROM verdicts WHERE id = ?", -1, &st, NULL))
		return NULL;
	store_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	return v;
}
