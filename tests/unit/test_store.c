// SPDX-License-Identifier: MIT
/*
 * test_store.c - the results store: round trip of a record, idempotent
 * import, refused records (truncated JSON, wrong schema, missing
 * provenance, same id with other content), failed runs flagged, a newer
 * store schema refused, imports that fail leave nothing behind.
 * Records here are synthetic test data built in the test.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cli/util.h"
#include "store/store.h"

static char tmpdir[] = "/tmp/irqlbench-test-store-XXXXXX";

static char *path_in(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", tmpdir, name) < 0)
		abort();
	return p;
}

/* A small complete record: model, nested-spinlock depth 2, 100 iterations,
 * 300 write_cr8 exits in the measured phase (and 7 in the warm-up). */
static json_t *make_record(const char *id)
{
	json_error_t je;
	json_t *r = json_pack_ex(&je, 0,
		"{s:s, s:s, s:s, s:n, s:s, s:{s:i, s:i}, s:s, s:b, s:s, s:n, s:s, s:[s],"
		" s:{s:s, s:s, s:f, s:{s:s, s:s, s:s}, s:n, s:{s:s}},"
		" s:[{s:i, s:s, s:b, s:[{s:i, s:{s:i, s:i}, s:{s:i}}]},"
		"    {s:i, s:s, s:b, s:[{s:i, s:{s:i, s:i}, s:{s:i, s:i}, s:{s:i}, s:{s:i, s:i},"
		"       s:{s:{s:s, s:[i,i,i], s:[i,i,i], s:i, s:i, s:i, s:i, s:i}}}]}],"
		" s:{s:s}}",
		"schema", "irqlbench-record/1", "id", id, "status", "complete", "error",
		"workload", "nested-spinlock", "params", "depth", 2, "iterations", 100,
		"backend", "model", "emulated", 1, "policy", "fixed", "variant",
		"launcher", "model", "tags", "synthetic",
		"provenance", "suite_version", "test", "started_utc", "2026-11-26T07:00:00Z",
		"duration_s", 0.1, "host", "cpu_vendor", "AuthenticAMD", "cpu_model", "test cpu",
		"kernel", "6.1.0-test", "kvm", "qemu", "version", "7.2.0",
		"phases",
		"idx", 0, "name", "warmup", "measured", 0, "vcpus", "cpu", 0,
		"counters", "cr8_writes", 60, "iterations", 10, "exits", "write_cr8", 7,
		"idx", 1, "name", "measure", "measured", 1, "vcpus", "cpu", 0,
		"counters", "cr8_writes", 600, "iterations", 100,
		"exits", "write_cr8", 300, "io", 2, "injections", "0x2f", 100,
		"delivery", "immediate", 99, "late", 1,
		"histograms", "dpc_queue_to_run", "unit", "cycles", "bounds", 10, 20, 50,
		"counts", 10, 60, 29, "overflow", 1, "n", 100, "sum", 3000, "min", 5, "max", 900,
		"artifacts", "serial_log", "serial.log");

	if (!r)
		printf("json_pack: %s\n", je.text);
	return r;
}

static char *write_record(json_t *r, const char *name)
{
	char *p = path_in(name);

	CHECK(json_dump_file(r, p, JSON_INDENT(2)) == 0);
	return p;
}

static void write_text(const char *name, const char *text)
{
	char *p = path_in(name);
	FILE *f = fopen(p, "w");

	fputs(text, f);
	fclose(f);
	free(p);
}

static int count_rows(struct store *s, const char *table)
{
	char sql[128];
	sqlite3_stmt *st;
	int n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static enum import_result import(struct store *s, const char *file, char *err)
{
	char id[128];

	err[0] = '\0';
	return store_import_file(s, file, id, sizeof(id), err, 512);
}

static void test_round_trip(struct store *s)
{
	json_t *r = make_record("run-1");
	char *file = write_record(r, "run-1.json"), err[512], *p;
	struct metric_set m = { 0 };
	struct run_filter f;
	struct run_list l;
	struct merged_hist h = { 0 };
	struct stat sb;

	write_text("serial.log", "serial output\n");
	CHECK_EQ_U64(import(s, file, err), IMPORT_NEW);
	CHECK_STR(err, "");
	/* the record and its artifact are kept under runs/<id>/ */
	p = path_in("results/runs/run-1/record.json");
	CHECK(stat(p, &sb) == 0 && sb.st_size > 100);
	free(p);
	p = path_in("results/runs/run-1/serial.log");
	CHECK(stat(p, &sb) == 0 && sb.st_size == 14);
	free(p);

	filter_init(&f);
	filter_parse(&f, "policy=fixed,workload=nested-spinlock,depth=2", err, sizeof(err));
	CHECK(store_select(s, &f, &l, err, sizeof(err)) == 0);
	CHECK_EQ_U64(l.n, 1);
	if (l.n) {
		CHECK_STR(l.v[0].id, "run-1");
		CHECK_STR(l.v[0].kernel, "6.1.0-test");
		CHECK_STR(l.v[0].qemu_version, "7.2.0");
		CHECK_STR(store_run_series(&l.v[0]), "fixed");
		CHECK_EQ_U64(store_run_param(&l.v[0], "depth", -1), 2);
		CHECK(!l.v[0].flagged);
	}
	store_run_list_free(&l);
	filter_free(&f);
	filter_init(&f);
	filter_parse(&f, "depth=3", err, sizeof(err));
	store_select(s, &f, &l, err, sizeof(err));
	CHECK_EQ_U64(l.n, 0);
	store_run_list_free(&l);
	filter_free(&f);
	filter_init(&f);
	filter_parse(&f, "tag=synth*", err, sizeof(err));
	store_select(s, &f, &l, err, sizeof(err));
	CHECK_EQ_U64(l.n, 1);
	store_run_list_free(&l);
	filter_free(&f);

	/* metrics: measured phase only, per iteration */
	CHECK(store_run_metrics(s, "run-1", &m, err, sizeof(err)) == 0);
	CHECK(fabs(metric_get(&m, "exit.write_cr8/iter") - 3.0) < 1e-12);
	CHECK(fabs(metric_get(&m, "exit.total/iter") - 3.02) < 1e-12);
	CHECK(fabs(metric_get(&m, "cr8_writes/iter") - 6.0) < 1e-12);
	CHECK(fabs(metric_get(&m, "inj.0x2f/iter") - 1.0) < 1e-12);
	CHECK(fabs(metric_get(&m, "delivery.immediate_pct") - 99.0) < 1e-12);
	CHECK(fabs(metric_get(&m, "dpc_queue_to_run.p50") - 20) < 1e-12);
	CHECK(fabs(metric_get(&m, "dpc_queue_to_run.p99") - 50) < 1e-12);
	CHECK(isnan(metric_get(&m, "no.such")));
	metric_set_free(&m);
	CHECK(store_run_hist(s, "run-1", "dpc_queue_to_run", &h) == 1);
	CHECK_EQ_U64(h.nb, 3);
	CHECK_EQ_U64((uint64_t)h.overflow, 1);
	CHECK_EQ_U64((uint64_t)h.max, 900);
	/* 100 events: 10 <= 10, 70 <= 20, 99 <= 50, the last in the overflow */
	CHECK_EQ_U64((uint64_t)merged_hist_quantile(&h, 0.995), 900);
	merged_hist_free(&h);
	free(file);
	json_decref(r);
}

static void test_idempotent(struct store *s)
{
	json_t *r = make_record("run-1");
	char *file = write_record(r, "run-1-again.json"), err[512];
	int runs = count_rows(s, "runs"), metrics = count_rows(s, "metrics");

	/* same record, other layout on disk: same content */
	CHECK_EQ_U64(import(s, file, err), IMPORT_UNCHANGED);
	CHECK_EQ_U64(import(s, file, err), IMPORT_UNCHANGED);
	CHECK_EQ_U64(count_rows(s, "runs"), runs);
	CHECK_EQ_U64(count_rows(s, "metrics"), metrics);
	/* same id, other content: refused, the stored run unchanged */
	json_object_set_new(json_object_get(r, "params"), "depth", json_integer(3));
	free(file);
	file = write_record(r, "run-1-changed.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
	CHECK(strstr(err, "already in the store with other content") != NULL);
	CHECK_EQ_U64(count_rows(s, "runs"), runs);
	free(file);
	json_decref(r);
}

static void test_refused(struct store *s)
{
	json_t *r = make_record("bad");
	char *file, err[512], *text;
	int runs = count_rows(s, "runs");

	/* truncated JSON: the first half of a good record */
	text = json_dumps(r, JSON_INDENT(2));
	text[strlen(text) / 2] = '\0';
	write_text("truncated.json", text);
	free(text);
	file = path_in("truncated.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
	CHECK(strstr(err, "truncated JSON") != NULL);
	free(file);

	json_object_set_new(r, "schema", json_string("irqlbench-record/2"));
	file = write_record(r, "schema2.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
	CHECK(strstr(err, "record schema 'irqlbench-record/2' is not supported") != NULL);
	free(file);

	json_object_set_new(r, "schema", json_string("irqlbench-record/1"));
	json_object_del(r, "provenance");
	file = write_record(r, "noprov.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
	CHECK(strstr(err, "missing provenance") != NULL);
	free(file);
	json_decref(r);

	r = make_record("bad2");
	json_object_del(json_object_get(json_object_get(r, "provenance"), "host"), "kernel");
	file = write_record(r, "nokernel.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
	CHECK(strstr(err, "host.kernel") != NULL);
	free(file);
	json_decref(r);

	r = make_record("../evil");
	file = write_record(r, "evil.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
	CHECK(strstr(err, "not usable as a directory name") != NULL);
	free(file);
	json_decref(r);

	r = make_record("bad3");
	json_object_set_new(json_object_get(json_array_get(json_object_get(json_array_get(
		json_object_get(r, "phases"), 1), "vcpus"), 0), "exits"), "io", json_string("x"));
	file = write_record(r, "badexit.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
	CHECK(strstr(err, "exits.io is not a non-negative integer") != NULL);
	free(file);
	json_decref(r);

	file = path_in("missing.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
	CHECK(strstr(err, "cannot read") != NULL);
	free(file);
	CHECK_EQ_U64(count_rows(s, "runs"), runs);
}

static void test_failed_run(struct store *s)
{
	json_t *r = make_record("run-failed");
	char *file, err[512];
	struct run_filter f;
	struct run_list l;

	json_object_set_new(r, "status", json_string("failed"));
	json_object_set_new(r, "error", json_pack("{s:s, s:s}", "kind", "timeout", "message", "x"));
	json_object_set_new(r, "phases", json_array());
	/* failed before it started: no start time, no host facts */
	json_object_set_new(json_object_get(r, "provenance"), "started_utc", json_null());
	json_object_set_new(json_object_get(r, "provenance"), "host", json_null());
	file = write_record(r, "failed.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_NEW);
	filter_init(&f);
	store_select(s, &f, &l, err, sizeof(err));
	CHECK_EQ_U64(l.n, 1);		/* only run-1: failed runs left out */
	store_run_list_free(&l);
	f.include_failed = true;
	store_select(s, &f, &l, err, sizeof(err));
	CHECK_EQ_U64(l.n, 2);
	for (size_t i = 0; i < l.n; i++)
		if (!strcmp(l.v[i].id, "run-failed"))
			CHECK(l.v[i].flagged);
	store_run_list_free(&l);
	free(file);
	json_decref(r);
}

static char *column(struct store *s, const char *sql, const char *id)
{
	sqlite3_stmt *st;
	char *v = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			v = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return v;
}

static bool selected(struct store *s, const char *id, bool include_failed)
{
	struct run_filter f;
	struct run_list l;
	char err[512];
	bool found = false;

	filter_init(&f);
	f.include_failed = include_failed;
	filter_add(&f, "id", id, err, sizeof(err));
	if (!store_select(s, &f, &l, err, sizeof(err)))
		found = l.n == 1 && l.v[0].flagged == include_failed;
	store_run_list_free(&l);
	filter_free(&f);
	return found;
}

#define HOST_IDENTITY_SQL "SELECT hostname || ',' || cpu_family || ',' || cpu_model_number || ','" \
	" || cpu_stepping || ',' || microcode || ',' || coalesce(dmi_product_name, 'null') || ','" \
	" || dmi_product_name_why FROM runs WHERE id = ?"
#define HOST_IDENTITY_WANT "h1,25,1,2,0xa0011d1,null,cannot read /sys/class/dmi/id/product_name: No such file"

#define CHECK_COLUMN(s, sql, id, want) do {			\
	char *_v = column(s, sql, id);				\
	CHECK_STR(_v, want);					\
	free(_v);						\
} while (0)

/* A record whose p50/p99 are a bucket's bound above the max (written before
 * the guest's log-linear buckets): the store keeps the record as it came
 * and its histogram row at most the max. */
static void test_pct_clamped(struct store *s)
{
	json_t *r = make_record("run-pct"), *h;
	char *file, err[512];

	h = json_array_get(json_object_get(r, "phases"), 1);
	h = json_array_get(json_object_get(h, "vcpus"), 0);
	h = json_object_get(json_object_get(h, "histograms"), "dpc_queue_to_run");
	CHECK(h != NULL);
	json_object_set_new(h, "p50", json_integer(50));
	json_object_set_new(h, "p99", json_integer(1000));
	file = write_record(r, "pct.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_NEW);
	CHECK_COLUMN(s, "SELECT p50 || ',' || p99 FROM histograms WHERE run_id = ?", "run-pct",
		     "50,900");
	CHECK_COLUMN(s, "SELECT json_extract(record, '$.phases[1].vcpus[0].histograms.dpc_queue_to_run.p99')"
		     " FROM runs WHERE id = ?", "run-pct", "1000");
	free(file);
	json_decref(r);
}

/* The host's identity (provenance.host) in the runs' columns: at import,
 * and again by migration 7 from the stored record (test_migration). */
static void test_host_identity(struct store *s)
{
	json_t *r = make_record("run-host"), *h;
	char *file, err[512];

	h = json_object_get(json_object_get(r, "provenance"), "host");
	json_object_set_new(h, "hostname", json_string("h1"));
	json_object_set_new(h, "cpu_family", json_integer(25));
	json_object_set_new(h, "cpu_model_number", json_integer(1));
	json_object_set_new(h, "cpu_stepping", json_integer(2));
	json_object_set_new(h, "microcode", json_string("0xa0011d1"));
	json_object_set_new(h, "hypervisor", json_pack("{s:n, s:s}", "dmi_product_name",
		"dmi_product_name_why", "cannot read /sys/class/dmi/id/product_name: No such file"));
	file = write_record(r, "host.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_NEW);
	CHECK_COLUMN(s, HOST_IDENTITY_SQL, "run-host", HOST_IDENTITY_WANT);
	free(file);
	json_decref(r);
}

/* run-vfail (verdict.status fail) and run-vstr (verdict "fail"): failed
 * runs, selected only with include_failed; run-1 (no verdict) a result */
static void check_verdict_failed(struct store *s)
{
	static const char sql[] = "SELECT status || ' ' || error_kind || ' ' || verdict_status ||"
				  " ': ' || error_message FROM runs WHERE id = ?";

	CHECK(!selected(s, "run-vfail", false));
	CHECK(selected(s, "run-vfail", true));
	CHECK(!selected(s, "run-vstr", false));
	CHECK(selected(s, "run-vstr", true));
	CHECK(selected(s, "run-1", false));
	CHECK_COLUMN(s, sql, "run-vfail",
		     "failed verdict fail: the workload's own check failed: 2 priority violations");
	CHECK_COLUMN(s, sql, "run-vstr", "failed verdict fail: the workload's own check failed");
}

/* A complete run whose own verdict failed is a failed run: flagged, left
 * out of every selection but --include-failed; also in a store written
 * before (schema 1), by migration 2. */
static void test_verdict(struct store *s)
{
	json_t *r = make_record("run-vfail"), *r2 = make_record("run-vstr"), *r3 = make_record("run-vbad");
	char *file, err[512];

	json_object_set_new(r, "verdict", json_pack("{s:s, s:s}", "status", "fail", "reason",
						    "2 priority violations"));
	file = write_record(r, "vfail.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_NEW);
	free(file);
	json_object_set_new(r2, "verdict", json_string("fail"));
	file = write_record(r2, "vstr.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_NEW);
	free(file);
	json_object_set_new(r3, "verdict", json_integer(0));
	file = write_record(r3, "vbad.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
	CHECK(strstr(err, "\"verdict\" is not {\"status\": \"ok\" or \"fail\"") != NULL);
	free(file);
	check_verdict_failed(s);
	/* the record itself is kept as it came */
	CHECK_COLUMN(s, "SELECT json_extract(record, '$.status') FROM runs WHERE id = ?", "run-vfail",
		     "complete");
	/* a store of schema 1 that counted them as complete */
	CHECK(sqlite3_exec(s->db, "UPDATE runs SET status = 'complete', flagged = 0, error_kind = NULL,"
			   " error_message = NULL WHERE id IN ('run-vfail', 'run-vstr');"
			   "UPDATE runs SET verdict_status = NULL WHERE id = 'run-vstr';"
			   /* and kept a 1-2-5 bucket's bound above the max */
			   "UPDATE histograms SET p50 = 1000, p99 = 1000 WHERE run_id = 'run-1';"
			   "UPDATE schema_version SET version = 1", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(selected(s, "run-vfail", false));
	json_decref(r);
	json_decref(r2);
	json_decref(r3);
}

/* The store of schema 1 test_verdict left: migrated to the verdict rule
 * (2), to stored metrics (3), computed from the stored records, and to
 * percentiles clamped to the max (5). */
static void test_migration(const char *db)
{
	char err[512];
	struct store *s = store_open(db, false, err, sizeof(err));
	struct metric_set m = { 0 };

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_U64(store_file_version(s), STORE_SCHEMA_VERSION);
	check_verdict_failed(s);
	/* migration 5: percentiles at most the max (900) */
	CHECK_COLUMN(s, "SELECT p50 || ',' || p99 FROM histograms WHERE run_id = ?", "run-1",
		     "900,900");
	CHECK(store_run_metrics(s, "run-1", &m, err, sizeof(err)) == 0);
	CHECK(fabs(metric_get(&m, "exit.write_cr8/iter") - 3.0) < 1e-12);
	CHECK(fabs(metric_get(&m, "delivery.immediate_pct") - 99.0) < 1e-12);
	metric_set_free(&m);
	/* migration 7: the host's identity from the stored record */
	CHECK_COLUMN(s, HOST_IDENTITY_SQL, "run-host", HOST_IDENTITY_WANT);
	/* every run has them but the one that failed before it measured */
	CHECK_COLUMN(s, "SELECT group_concat(id) FROM runs WHERE id NOT IN (SELECT run_id FROM"
		     " run_metrics) AND ? IS NOT NULL", "", "run-failed");
	store_close(s);
}

struct seen {
	unsigned n;
	int where[8];
	enum import_result r[8];
};

static void seen_report(void *arg, const char *id, int where, enum import_result r)
{
	struct seen *sn = arg;

	(void)id;
	if (sn->n < 8) {
		sn->where[sn->n] = where;
		sn->r[sn->n] = r;
	}
	sn->n++;
}

/* JSON Lines and arrays: every record or none, errors with the line. */
static void test_jsonl(struct store *s)
{
	const char *ids[] = { "run-l1", "run-l2", "run-l3" };
	char line[3][8192], text[30000], err[1024], *file = path_in("lines.jsonl");
	int runs = count_rows(s, "runs");
	struct seen sn = { 0 };
	json_t *arr = json_array();
	struct stat sb;
	char *p;

	for (int i = 0; i < 3; i++) {
		json_t *r = make_record(ids[i]);
		char *t = json_dumps(r, JSON_COMPACT);

		snprintf(line[i], sizeof(line[i]), "%s", t);
		json_array_append_new(arr, r);
		free(t);
	}
	/* line 2 is not JSON, line 3 is blank: nothing imported */
	snprintf(text, sizeof(text), "%s\n{\"id\": \n\n%s\n", line[0], line[2]);
	write_text("lines.jsonl", text);
	CHECK_EQ_U64(store_import(s, file, 0, seen_report, &sn, err, sizeof(err)), IMPORT_REFUSED);
	CHECK(strstr(err, "line 2: truncated JSON at column") != NULL);
	CHECK(strstr(err, "; nothing from it was imported") != NULL);
	CHECK_EQ_U64(sn.n, 0);
	CHECK_EQ_U64(count_rows(s, "runs"), runs);
	/* the three, a blank line between */
	snprintf(text, sizeof(text), "%s\n%s\n\n%s", line[0], line[1], line[2]);
	write_text("lines.jsonl", text);
	CHECK_EQ_U64(store_import(s, file, 0, seen_report, &sn, err, sizeof(err)), IMPORT_NEW);
	CHECK_EQ_U64(sn.n, 3);
	CHECK_EQ_U64(sn.where[2], 4);
	CHECK_EQ_U64(sn.r[2], IMPORT_NEW);
	CHECK_EQ_U64(count_rows(s, "runs"), runs + 3);
	p = path_in("results/runs/run-l2/record.json");
	CHECK(stat(p, &sb) == 0 && sb.st_size > 100);
	free(p);
	p = path_in("results/runs/run-l2/serial.log");	/* not beside a line */
	CHECK(stat(p, &sb) != 0);
	free(p);
	/* the same three as an array: all unchanged */
	sn.n = 0;
	CHECK(json_dump_file(arr, file, 0) == 0);
	CHECK_EQ_U64(store_import(s, file, 0, seen_report, &sn, err, sizeof(err)), IMPORT_UNCHANGED);
	CHECK_EQ_U64(sn.n, 3);
	CHECK_EQ_U64(sn.where[1], 2);
	CHECK_EQ_U64(sn.r[1], IMPORT_UNCHANGED);
	/* a JSON value that is no record: skipped in a directory scan */
	write_text("lines.jsonl", "{\"trace\": []}\n");
	CHECK_EQ_U64(store_import(s, file, STORE_IMPORT_SKIP_OTHER, NULL, NULL, err, sizeof(err)),
		     IMPORT_SKIPPED);
	CHECK_EQ_U64(count_rows(s, "runs"), runs + 3);
	json_decref(arr);
	free(file);
}

/* An artifact that is not the record's own file refuses the record, before
 * anything is stored. */
static void test_artifacts(struct store *s)
{
	static const char *const bad[][2] = {
		{ "/etc/passwd", "artifact serial_log is an absolute path ('/etc/passwd')" },
		{ "../../../../etc/passwd", "artifact serial_log ('../../../../etc/passwd') leaves "
		  "the record's directory through '..'" },
		{ "art/../../x.log", "leaves the record's directory through '..'" },
		{ "..", "leaves the record's directory" },
		{ "out.log", "artifact serial_log ('out.log') resolves to /etc/hostname, "
		  "outside the record's directory" },
		{ "etc/passwd", "resolves to /etc/passwd, outside" },
	};
	char *dir = path_in("art"), *link, *file, err[512], *p;
	int runs = count_rows(s, "runs");
	struct stat sb;
	json_t *r;

	util_mkdir_p(dir);
	link = path_in("art/out.log");
	CHECK(symlink("/etc/hostname", link) == 0);
	free(link);
	link = path_in("art/etc");
	CHECK(symlink("/etc", link) == 0);
	free(link);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_case("artifact '%s'", bad[i][0]);
		r = make_record("run-art");
		json_object_set_new(json_object_get(r, "artifacts"), "serial_log",
				    json_string(bad[i][0]));
		file = write_record(r, "art/record.json");
		CHECK_EQ_U64(import(s, file, err), IMPORT_REFUSED);
		if (!strstr(err, bad[i][1]))
			printf("artifact '%s': %s\n", bad[i][0], err);
		CHECK(strstr(err, bad[i][1]) != NULL);
		free(file);
		json_decref(r);
	}
	check_case(NULL);
	CHECK_EQ_U64(count_rows(s, "runs"), runs);
	p = path_in("results/runs/run-art");
	CHECK(stat(p, &sb) != 0);
	free(p);
	/* a file under a subdirectory, and a link that stays inside: copied
	 * under the names the record gives them */
	p = path_in("art/logs");
	util_mkdir_p(p);
	free(p);
	write_text("art/logs/serial.log", "inside\n");
	link = path_in("art/qemu.log");
	CHECK(symlink("logs/serial.log", link) == 0);
	free(link);
	r = make_record("run-art");
	json_object_set_new(json_object_get(r, "artifacts"), "serial_log", json_string("logs/serial.log"));
	json_object_set_new(json_object_get(r, "artifacts"), "qemu_log", json_string("qemu.log"));
	json_object_set_new(json_object_get(r, "artifacts"), "trace", json_string("missing.json"));
	file = write_record(r, "art/record.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_NEW);
	p = path_in("results/runs/run-art/logs/serial.log");
	CHECK(stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 7);
	free(p);
	p = path_in("results/runs/run-art/qemu.log");
	CHECK(lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 7);
	free(p);
	CHECK_EQ_U64(count_rows(s, "runs"), runs + 1);
	free(file);
	free(dir);
	json_decref(r);
}

/* Deleting from one of two stores in one folder: its rows and its run
 * directories go, the other store keeps its own; a lock leaves all. */
static void test_delete(void)
{
	char *a = path_in("del/a.db"), *b = path_in("del/b.db"), *file, err[1024], *p;
	struct store *sa = store_open(a, true, err, sizeof(err)), *sb = store_open(b, true, err, sizeof(err));
	struct run_filter f;
	struct run_list l;
	struct stat st;
	sqlite3 *other;
	json_t *r;

	CHECK(sa && sb);
	if (!sa || !sb)
		return;
	write_text("del/serial.log", "log\n");
	for (int i = 0; i < 3; i++) {
		char id[32];

		snprintf(id, sizeof(id), "run-d%d", i);
		r = make_record(id);
		if (i == 2)
			json_object_set_new(r, "status", json_string("failed"));
		file = write_record(r, "del/record.json");
		CHECK_EQ_U64(import(sa, file, err), IMPORT_NEW);
		CHECK_EQ_U64(import(sb, file, err), IMPORT_NEW);
		free(file);
		json_decref(r);
	}
	filter_init(&f);
	f.include_failed = true;
	filter_parse(&f, "run-d[02]", err, sizeof(err));
	CHECK(store_delete(sa, &f, &l, err, sizeof(err)) == 0);
	CHECK_EQ_U64(l.n, 2);			/* the failed run-d2 too */
	store_run_list_free(&l);
	CHECK_EQ_U64(count_rows(sa, "runs"), 1);
	CHECK_EQ_U64(count_rows(sa, "metrics") * 3, count_rows(sb, "metrics"));
	CHECK_EQ_U64(count_rows(sa, "phases"), 2);
	CHECK_EQ_U64(count_rows(sa, "run_tags"), 1);
	CHECK_EQ_U64(count_rows(sa, "histograms"), 1);
	p = path_in("del/a.db.runs/run-d0");
	CHECK(stat(p, &st) != 0);
	free(p);
	p = path_in("del/b.db.runs/run-d0/serial.log");
	CHECK(stat(p, &st) == 0);
	free(p);
	CHECK_EQ_U64(count_rows(sb, "runs"), 3);
	/* nothing matches: nothing deleted, no error */
	CHECK(store_delete(sa, &f, &l, err, sizeof(err)) == 0);
	CHECK_EQ_U64(l.n, 0);
	store_run_list_free(&l);
	filter_free(&f);
	/* locked by another connection: an error, the run and its files stay */
	CHECK(sqlite3_open(b, &other) == SQLITE_OK);
	CHECK(sqlite3_exec(other, "BEGIN EXCLUSIVE; SELECT count(*) FROM runs;", NULL, NULL, NULL) == SQLITE_OK);
	sb->lock_wait_s = 0.05;
	filter_init(&f);
	f.include_failed = true;
	filter_parse(&f, "id=*", err, sizeof(err));
	CHECK(store_delete(sb, &f, &l, err, sizeof(err)) == -1);
	CHECK(strstr(err, "is locked by another process") != NULL);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	CHECK_EQ_U64(count_rows(sb, "runs"), 3);
	p = path_in("del/b.db.runs/run-d1/record.json");
	CHECK(stat(p, &st) == 0);
	free(p);
	filter_free(&f);
	store_close(sa);
	store_close(sb);
	free(a);
	free(b);
}

/* A failing copy (the run directory is a file) rolls the whole import back. */
static void test_transaction(void)
{
	char *db = path_in("tx/store.db"), *runs = path_in("tx/store.db.runs"), *file, err[512];
	json_t *r = make_record("run-tx");
	struct store *s;

	s = store_open(db, true, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	write_text("tx/store.db.runs", "not a directory\n");
	file = write_record(r, "tx.json");
	CHECK_EQ_U64(import(s, file, err), IMPORT_STORE_ERROR);
	CHECK(strstr(err, "store.db.runs, the store's run directory: Not a directory: make it a "
		     "writable directory") != NULL);
	CHECK_EQ_U64(count_rows(s, "runs"), 0);
	CHECK_EQ_U64(count_rows(s, "metrics"), 0);
	unlink(runs);
	CHECK_EQ_U64(import(s, file, err), IMPORT_NEW);
	CHECK_EQ_U64(count_rows(s, "runs"), 1);
	store_close(s);
	free(db);
	free(runs);
	free(file);
	json_decref(r);
}

static void test_versions(void)
{
	char *db = path_in("v/store.db"), err[512];
	struct store *s;

	s = store_open(db, false, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "no results store at") != NULL);
	s = store_open(db, true, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_U64(store_file_version(s), STORE_SCHEMA_VERSION);
	sqlite3_exec(s->db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL);
	store_close(s);
	s = store_open(db, false, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "schema version 99, newer than this irqlbench") != NULL);
	store_close(s);
	/* not an SQLite file */
	write_text("v/junk.db", "this is not a database, just text that is long enough\n");
	free(db);
	db = path_in("v/junk.db");
	s = store_open(db, false, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "junk.db is not an SQLite database (file is not a database): give the "
		     "results store with --db, or move this file away") != NULL);
	store_close(s);
	/* importing into it (create) leaves it as it was */
	s = store_open(db, true, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "is not an SQLite database") != NULL);
	free(db);
	db = path_in("v");
	s = store_open(db, true, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "is a directory, not a results store") != NULL);
	free(db);
}

/* A page of a good store overwritten: store_open says corrupt and how to
 * rebuild it, before any query can miss rows. */
static void test_corrupt(void)
{
	char *db = path_in("c/irqlbench.db"), err[1024], *file, id[64];
	json_t *r;
	struct store *s;
	sqlite3_stmt *st;
	int pages = 0, root = 0;
	FILE *f;

	s = store_open(db, true, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "run-c%d", i);
		r = make_record(id);
		file = write_record(r, "c.json");
		CHECK_EQ_U64(import(s, file, err), IMPORT_NEW);
		free(file);
		json_decref(r);
	}
	sqlite3_prepare_v2(s->db, "SELECT (SELECT page_count FROM pragma_page_count),"
			   " rootpage FROM sqlite_master WHERE name = 'metrics'", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW) {
		pages = sqlite3_column_int(st, 0);
		root = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	store_close(s);
	CHECK(root > 1 && pages > root);
	/* garbage over the metrics table's root page */
	f = fopen(db, "r+");
	if (f && !fseek(f, (long)(root - 1) * 4096, SEEK_SET))
		for (int i = 0; i < 4096; i++)
			fputc((i * 7919) & 0xff, f);
	if (f)
		fclose(f);
	s = store_open(db, false, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "c/irqlbench.db is corrupt (") != NULL);
	CHECK(strstr(err, "): move it away and rebuild it from its records with 'irqlbench results "
		     "import --db ") != NULL);
	CHECK(strstr(err, "/c/runs'") != NULL);
	CHECK(!strchr(err, '\n'));
	store_close(s);
	/* truncated */
	CHECK(truncate(db, (off_t)(pages / 2) * 4096) == 0);
	s = store_open(db, true, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "is corrupt (") != NULL);
	store_close(s);
	free(db);
}

/* Another connection holds an exclusive lock: store_open waits
 * IRQLBENCH_DB_WAIT seconds, then says locked and how long it waited; a
 * lock taken after the store was opened fails the query the same way. */
static void test_locked(void)
{
	char *db = path_in("l/irqlbench.db"), err[1024];
	struct store *s, *s2;
	sqlite3 *other;
	struct run_filter f;
	struct run_list l;
	struct timespec t0, t1;
	double dt;

	s = store_open(db, true, err, sizeof(err));
	CHECK(s != NULL);
	store_close(s);
	CHECK(sqlite3_open(db, &other) == SQLITE_OK);
	CHECK(sqlite3_exec(other, "BEGIN EXCLUSIVE; SELECT count(*) FROM runs;", NULL, NULL, NULL) == SQLITE_OK);
	setenv("IRQLBENCH_DB_WAIT", "0.25", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = store_open(db, false, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(s == NULL);
	CHECK(strstr(err, "l/irqlbench.db is locked by another process (waited 0.2 s): try again when "
		     "it has finished, or wait longer with IRQLBENCH_DB_WAIT=SECONDS") != NULL ||
	      strstr(err, "(waited 0.3 s)") != NULL);
	CHECK(dt >= 0.24 && dt < 1.5);
	store_close(s);
	setenv("IRQLBENCH_DB_WAIT", "later", 1);
	s = store_open(db, false, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "IRQLBENCH_DB_WAIT='later' is not a number of seconds") != NULL);
	setenv("IRQLBENCH_DB_WAIT", "0.1", 1);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	s2 = store_open(db, false, err, sizeof(err));
	CHECK(s2 != NULL);
	if (s2) {
		/* locked again after the open: the query says so */
		CHECK(sqlite3_exec(other, "BEGIN EXCLUSIVE; SELECT count(*) FROM runs;",
				   NULL, NULL, NULL) == SQLITE_OK);
		filter_init(&f);
		CHECK(store_select(s2, &f, &l, err, sizeof(err)) == -1);
		CHECK(strstr(err, "is locked by another process (waited 0.1 s)") != NULL);
		sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
		CHECK(store_select(s2, &f, &l, err, sizeof(err)) == 0);
		store_run_list_free(&l);
		store_close(s2);
	}
	unsetenv("IRQLBENCH_DB_WAIT");
	sqlite3_close(other);
	free(db);
}

/* Two stores in one folder: each its own run directory; runs/ for the
 * default name (where `irqlbench run` writes); a symlink is its target. */
static void test_runs_dir(void)
{
	char *db = path_in("results/irqlbench.db"), *a = path_in("results/a.db");
	char *link = path_in("link.db"), *want, *got, *real = realpath(tmpdir, NULL);

	if (asprintf(&want, "%s/results/runs", real) < 0)
		abort();
	got = store_runs_dir(db);
	CHECK_STR(got, want);
	free(got);
	free(want);
	if (asprintf(&want, "%s/results/a.db.runs", real) < 0)
		abort();
	got = store_runs_dir(a);
	CHECK_STR(got, want);
	free(got);
	CHECK(symlink(a, link) == 0);
	write_text("results/a.db", "");
	got = store_runs_dir(link);
	CHECK_STR(got, want);
	free(got);
	unlink(a);
	free(want);
	free(db);
	free(a);
	free(link);
	free(real);
}

static void test_filter_parse(void)
{
	struct run_filter f;
	char err[256];

	filter_init(&f);
	CHECK(filter_parse(&f, "variant=fixed,workload=nested-spinlock", err, sizeof(err)) == 0);
	CHECK_EQ_U64(f.n, 2);
	CHECK_STR(f.key[1], "workload");
	CHECK(filter_parse(&f, "some-run-id", err, sizeof(err)) == 0);
	CHECK_STR(f.key[2], "id");
	CHECK_STR(f.val[2], "some-run-id");
	CHECK(filter_parse(&f, "a=1,b", err, sizeof(err)) == -1);
	CHECK(strstr(err, "has no '='") != NULL);
	CHECK(filter_parse(&f, "x'y=1", err, sizeof(err)) == -1);
	filter_free(&f);
}

int main(void)
{
	char err[512], *db, *dir;
	struct store *s;

	if (!mkdtemp(tmpdir)) {
		printf("SKIP: cannot create a temporary directory\n");
		return 77;
	}
	dir = path_in("tx");
	util_mkdir_p(dir);
	free(dir);
	dir = path_in("v");
	util_mkdir_p(dir);
	free(dir);
	dir = path_in("c");
	util_mkdir_p(dir);
	free(dir);
	db = path_in("results/irqlbench.db");
	s = store_open(db, true, err, sizeof(err));
	CHECK(s != NULL);
	if (s) {
		test_round_trip(s);
		test_idempotent(s);
		test_refused(s);
		test_failed_run(s);
		test_artifacts(s);
		test_verdict(s);
		test_jsonl(s);
		test_pct_clamped(s);
		test_host_identity(s);
		/* as schema 6 had it: no host identity columns but two */
		CHECK(sqlite3_exec(s->db, "UPDATE runs SET cpu_family = NULL, microcode = NULL;"
				   "ALTER TABLE runs DROP COLUMN cpu_stepping", NULL, NULL, NULL) == SQLITE_OK);
		/* as schema 1 and 2 had it: no stored metrics (test_migration) */
		CHECK(sqlite3_exec(s->db, "DROP TABLE run_metrics", NULL, NULL, NULL) == SQLITE_OK);
		store_close(s);
		test_migration(db);
	}
	free(db);
	test_transaction();
	test_delete();
	test_versions();
	test_corrupt();
	test_locked();
	test_runs_dir();
	test_filter_parse();
	util_rm_rf(tmpdir);
	return check_done("test_store");
}
