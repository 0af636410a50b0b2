// SPDX-License-Identifier: MIT
/*
 * query.c - selecting runs from the store, and reading the per-run metrics
 * (computed at import, metrics.h) and histograms that compare, plot, report
 * and verify work on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static void seterr(char *err, size_t errlen, const char *msg, const char *arg)
{
	if (err && errlen)
		snprintf(err, errlen, msg, arg);
}

void filter_init(struct run_filter *f)
{
	memset(f, 0, sizeof(*f));
}

void filter_free(struct run_filter *f)
{
	for (unsigned i = 0; i < f->n; i++) {
		free(f->key[i]);
		free(f->val[i]);
	}
	f->n = 0;
}

int filter_add(struct run_filter *f, const char *key, const char *val,
	       char *err, size_t errlen)
{
	if (!key || !*key) {
		seterr(err, errlen, "empty key in selector%s: write KEY=VALUE", "");
		return -1;
	}
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_')) {
			seterr(err, errlen, "bad selector key '%s': letters, digits and _ only", key);
			return -1;
		}
	if (f->n >= FILTER_MAX_TERMS) {
		seterr(err, errlen, "too many selector terms (at most %s)", "16");
		return -1;
	}
	f->key[f->n] = strdup(key);
	f->val[f->n] = strdup(val ? val : "");
	f->n++;
	return 0;
}

int filter_parse(struct run_filter *f, const char *sel, char *err, size_t errlen)
{
	char *copy = strdup(sel), *save = NULL, *tok;
	int rc = 0;

	if (!strchr(sel, '=')) {
		free(copy);
		return filter_add(f, "id", sel, err, errlen);
	}
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			seterr(err, errlen, "selector term '%s' has no '=': write KEY=VALUE[,KEY=VALUE]", tok);
			rc = -1;
			break;
		}
		*eq = '\0';
		rc = filter_add(f, tok, eq + 1, err, errlen);
	}
	free(copy);
	return rc;
}

/* Selector keys that are columns of runs; anything else is a parameter. */
static const char *column_of(const char *key)
{
	static const char *const map[][2] = {
		{ "id", "r.id" }, { "workload", "r.workload" }, { "backend", "r.backend" },
		{ "policy", "r.policy" }, { "variant", "r.variant" }, { "kernel", "r.kernel" },
		{ "status", "r.status" }, { "launcher", "r.launcher" }, { "host", "r.hostname" },
		{ "suite", "r.suite_version" }, { "cpu", "r.cpu_model" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(key, map[i][0]))
			return map[i][1];
	return NULL;
}

/*
 * kernel=K matches the kernel by any of its names: the ABI (uname -r, the
 * runs column), the Debian package version and upstream version the
 * kernel says it is (provenance.host.kernel_package, kernel_upstream), and
 * for the lab the L1 kernel's (provenance.lab.kernel.debian_version,
 * upstream): kernel=6.1.176-1, kernel=6.1.176 and kernel=6.1.0-50-amd64
 * select the same runs.
 */
#define KERNEL_TERM "(r.kernel GLOB ? OR json_extract(r.record, '$.provenance.host.kernel_package') GLOB ?" \
	" OR json_extract(r.record, '$.provenance.host.kernel_upstream') GLOB ?" \
	" OR json_extract(r.lab, '$.kernel.debian_version') GLOB ?" \
	" OR json_extract(r.lab, '$.kernel.upstream') GLOB ?)"
#define KERNEL_TERM_BINDS 5

#define RUN_COLUMNS "r.id, r.status, r.workload, r.backend, r.policy, r.variant, r.launcher," \
	" r.kernel, r.cpu_model, r.qemu_version, r.suite_version, r.started, r.tags, r.params," \
	" r.emulated, r.flagged, json_extract(r.record, '$.provenance.model'), r.hostname," \
	" json_extract(r.record, '$.guest.hypervisor')," \
	" COALESCE(json_extract(r.lab, '$.kernel.debian_version')," \
	" json_extract(r.record, '$.provenance.host.kernel_package'))"

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

static void run_from_row(sqlite3_stmt *st, struct run_info *r)
{
	r->id = col_dup(st, 0);
	r->status = col_dup(st, 1);
	r->workload = col_dup(st, 2);
	r->backend = col_dup(st, 3);
	r->policy = col_dup(st, 4);
	r->variant = col_dup(st, 5);
	r->launcher = col_dup(st, 6);
	r->kernel = col_dup(st, 7);
	r->cpu_model = col_dup(st, 8);
	r->qemu_version = col_dup(st, 9);
	r->suite_version = col_dup(st, 10);
	r->started = col_dup(st, 11);
	r->tags = col_dup(st, 12);
	r->params = col_dup(st, 13);
	r->emulated = sqlite3_column_int(st, 14);
	r->flagged = sqlite3_column_int(st, 15);
	r->hostname = col_dup(st, 17);
	r->hypervisor = col_dup(st, 18);
	r->kernel_package = col_dup(st, 19);
	r->costs = NULL;
	if (r->backend && !strcmp(r->backend, "model")) {
		const unsigned char *t = sqlite3_column_text(st, 16);
		json_t *model = t ? json_loads((const char *)t, 0, NULL) : NULL;
		char words[512];

		metrics_cost_source(model, words, sizeof(words));
		r->costs = strdup(words);
		json_decref(model);
	}
}

int store_select(struct store *s, const struct run_filter *f, struct run_list *out,
		 char *err, size_t errlen)
{
	char sql[4096];
	size_t len;
	sqlite3_stmt *st;
	int rc, b = 1;

	memset(out, 0, sizeof(*out));
	len = (size_t)snprintf(sql, sizeof(sql), "SELECT " RUN_COLUMNS " FROM runs r WHERE 1");
	if (!f->include_failed)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND r.flagged = 0");
	for (unsigned i = 0; i < f->n; i++) {
		const char *col = column_of(f->key[i]);

		if (!strcmp(f->key[i], "tag"))
			len += (size_t)snprintf(sql + len, sizeof(sql) - len,
				" AND EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag GLOB ?)");
		else if (!strcmp(f->key[i], "kernel"))
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND " KERNEL_TERM);
		else if (col)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND %s GLOB ?", col);
		else	/* a workload parameter: compare its text form */
			len += (size_t)snprintf(sql + len, sizeof(sql) - len,
				" AND CAST(json_extract(r.params, '$.' || ?) AS TEXT) = ?");
	}
	snprintf(sql + len, sizeof(sql) - len, " ORDER BY r.started, r.id");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return store_db_error(s, err, errlen);
	for (unsigned i = 0; i < f->n; i++) {
		if (!column_of(f->key[i]) && strcmp(f->key[i], "tag"))
			sqlite3_bind_text(st, b++, f->key[i], -1, SQLITE_STATIC);
		for (int k = !strcmp(f->key[i], "kernel") ? KERNEL_TERM_BINDS : 1; k > 0; k--)
			sqlite3_bind_text(st, b++, f->val[i], -1, SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 16;
			out->v = realloc(out->v, out->cap * sizeof(*out->v));
			if (!out->v)
				abort();
		}
		memset(&out->v[out->n], 0, sizeof(out->v[0]));
		run_from_row(st, &out->v[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_db_error(s, err, errlen);
		store_run_list_free(out);
		return -1;
	}
	return 0;
}

void store_run_list_free(struct run_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct run_info *r = &l->v[i];

		free(r->id);
		free(r->status);
		free(r->workload);
		free(r->backend);
		free(r->policy);
		free(r->variant);
		free(r->launcher);
		free(r->kernel);
		free(r->cpu_model);
		free(r->qemu_version);
		free(r->suite_version);
		free(r->started);
		free(r->tags);
		free(r->params);
		free(r->costs);
		free(r->hostname);
		free(r->hypervisor);
		free(r->kernel_package);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *store_run_series(const struct run_info *r)
{
	if (r->policy && *r->policy)
		return r->policy;
	if (r->variant && *r->variant)
		return r->variant;
	return r->backend;
}

int64_t store_run_param(const struct run_info *r, const char *name, int64_t def)
{
	json_t *p = r->params ? json_loads(r->params, 0, NULL) : NULL;
	json_t *v = json_object_get(p, name);
	int64_t val = json_is_integer(v) ? json_integer_value(v) : def;

	json_decref(p);
	return val;
}

/* --- metrics ------------------------------------------------------------ */

int store_run_metrics(struct store *s, const char *id, struct metric_set *out,
		      char *err, size_t errlen)
{
	static const char sql[] = "SELECT name, value FROM run_metrics WHERE run_id = ? ORDER BY name";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return store_db_error(s, err, errlen);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		metric_set_put(out, (const char *)sqlite3_column_text(st, 0),
			       sqlite3_column_double(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_db_error(s, err, errlen);
}

int store_metric_unknown(struct store *s, const char *name, char *err, size_t errlen)
{
	static const char sql[] = "SELECT EXISTS(SELECT 1 FROM run_metrics) AND "
				  "NOT EXISTS(SELECT 1 FROM run_metrics WHERE name = ?)";
	sqlite3_stmt *st;
	int rc, unknown = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return store_db_error(s, err, errlen);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		unknown = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? unknown : store_db_error(s, err, errlen);
}

/* --- histograms --------------------------------------------------------- */

json_t *store_run_record(struct store *s, const char *id, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	json_t *j = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT record FROM runs WHERE id = ?", -1, &st, NULL)) {
		store_db_error(s, err, errlen);
		return NULL;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		j = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		if (!j)
			snprintf(err, errlen, "%s is damaged: the stored record of run %s is not JSON: "
				 "move it away and rebuild it from its records with 'irqlbench results "
				 "import --db %s %s'", s->path, id, s->path, s->runs_dir);
	} else if (rc == SQLITE_DONE) {
		snprintf(err, errlen, "no run %s in %s", id, s->path);
	} else {
		store_db_error(s, err, errlen);
	}
	sqlite3_finalize(st);
	return j;
}

int store_run_hist(struct store *s, const char *id, const char *name, struct merged_hist *h)
{
	char err[512] = "";
	json_t *rec = store_run_record(s, id, err, sizeof(err));
	int added;

	if (!rec)	/* no such run: none added; the store failed: -1 */
		return strncmp(err, "no run ", 7) ? -1 : 0;
	added = metrics_hist_from_record(rec, name, h);
	json_decref(rec);
	return added;
}
