// SPDX-License-Identifier: MIT
/*
 * test_record.c - the JSON record (host/record.c): percentiles from
 * buckets, the schema's keys, failed vs complete, and a round trip
 * through a file and jansson's parser.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "record.h"
#include "report_gen.h"
#include "serial.h"

static void test_percentiles(void)
{
	const uint64_t b[4] = { 10, 20, 50, 100 };
	const uint64_t c1[4] = { 0, 600, 300, 100 }, c2[4] = { 0, 0, 1, 0 };
	const uint64_t c3[4] = { 1, 0, 0, 0 }, c4[4] = { 500, 0, 0, 0 };
	const uint64_t big_b[2] = { 7, 9 }, big_c[2] = { UINT64_MAX - 1, 1 };
	uint64_t v = 0;

	CHECK(!hist_percentile(b, c1, 4, 1000, 50, &v));
	CHECK_EQ_U64(v, 20);
	CHECK(!hist_percentile(b, c1, 4, 1000, 99, &v));
	CHECK_EQ_U64(v, 100);
	CHECK(!hist_percentile(b, c1, 4, 1000, 60, &v));	/* rank 600: still bucket 20 */
	CHECK_EQ_U64(v, 20);
	CHECK(!hist_percentile(b, c1, 4, 1000, 61, &v));	/* rank 610: bucket 50 */
	CHECK_EQ_U64(v, 50);
	CHECK(!hist_percentile(b, c1, 4, 1000, 1, &v));
	CHECK_EQ_U64(v, 20);
	CHECK(!hist_percentile(b, c2, 4, 1, 50, &v));
	CHECK_EQ_U64(v, 50);
	CHECK(!hist_percentile(b, c2, 4, 1, 99, &v));
	CHECK_EQ_U64(v, 50);
	/* 1 in the buckets, 9 in the overflow: p50 and p99 are above every bound */
	CHECK(hist_percentile(b, c3, 4, 10, 50, &v) == -1);
	CHECK(!hist_percentile(b, c3, 4, 10, 10, &v));
	CHECK_EQ_U64(v, 10);
	/* p99 of 1000 with 10 in the overflow lands exactly on the last bucket */
	CHECK(!hist_percentile(b, (const uint64_t[]){ 0, 0, 0, 990 }, 4, 1000, 99, &v));
	CHECK_EQ_U64(v, 100);
	CHECK(hist_percentile(b, (const uint64_t[]){ 0, 0, 0, 989 }, 4, 1000, 99, &v) == -1);
	CHECK(hist_percentile(b, c4, 4, 0, 50, &v) == -1);
	CHECK(hist_percentile(b, c4, 4, 500, 0, &v) == -1);
	CHECK(hist_percentile(b, c4, 4, 500, 101, &v) == -1);
	/* no overflow of n * pct near 2^64 */
	CHECK(!hist_percentile(big_b, big_c, 2, UINT64_MAX, 99, &v));
	CHECK_EQ_U64(v, 7);
	CHECK(!hist_percentile(big_b, big_c, 2, UINT64_MAX, 100, &v));
	CHECK_EQ_U64(v, 9);
}

static const char *const schema_keys[] = {
	"schema", "id", "status", "error", "workload", "params", "backend", "emulated",
	"policy", "variant", "launcher", "tags", "provenance", "guest", "verdict", "phases",
	"artifacts", NULL
};

static void test_new_is_failed(void)
{
	json_t *rec = record_new("id-1", "tcg", "seed-table");

	for (unsigned i = 0; schema_keys[i]; i++)
		CHECK(json_object_get(rec, schema_keys[i]) != NULL);
	CHECK_EQ_U64(json_object_size(rec), 17);
	CHECK_STR(json_string_value(json_object_get(rec, "schema")), RECORD_SCHEMA);
	CHECK_STR(json_string_value(json_object_get(rec, "status")), "failed");
	CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "error"), "kind")),
		  "launch");
	CHECK(json_is_true(json_object_get(rec, "emulated")));
	CHECK(json_object_get(json_object_get(rec, "provenance"), "pinning") != NULL);
	json_decref(rec);
	rec = record_new("id-2", "kvm", "seed-table");
	CHECK(json_is_false(json_object_get(rec, "emulated")));
	json_decref(rec);
}

static json_t *load(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	if (!j)
		printf("load %s: %s (line %d)\n", path, err.text, err.line);
	return j;
}

static unsigned files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_round_trip(void)
{
	char dir[] = "/tmp/test_record.XXXXXX", path[64];
	struct serial_report r;
	char *text = report_wrap("irqlbench-guest v=1 boot\n", report_good_body, "");
	json_t *rec, *back, *h;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/record.json", dir);
	CHECK_EQ_U64(serial_parse(text, strlen(text), &r), SERIAL_REPORT);
	rec = record_new("id-3", "tcg", "nested-spinlock");
	CHECK(!record_apply_report(rec, &r));
	CHECK_STR(json_string_value(json_object_get(rec, "status")), "complete");
	CHECK(json_is_null(json_object_get(rec, "error")));
	CHECK(!record_write(rec, path));
	CHECK_EQ_U64(files_in(dir), 1);		/* no temporary file left */
	back = load(path);
	CHECK(back != NULL);
	CHECK(json_equal(rec, back));
	h = json_object_get(json_object_get(json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(back, "phases"), 1), "vcpus"), 0), "histograms"),
		"dpc_queue_to_run"), "p99");
	CHECK_EQ_U64(json_integer_value(h), 100);
	CHECK_STR(json_string_value(json_object_get(json_object_get(back, "verdict"), "status")),
		  "ok");
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(back, "params"), "depth")),
		     2);
	json_decref(back);

	/* guest bytes in a message become '?': JSON strings are UTF-8 */
	record_fail(rec, "exception", "guest CPU exception #\xff\xfe\n (vector 14)");
	CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "error"), "message")),
		  "guest CPU exception #??? (vector 14)");

	/* failing it afterwards overwrites the file and keeps the data */
	record_fail(rec, "garbled", "a test");
	CHECK(!record_write(rec, path));
	back = load(path);
	CHECK_STR(json_string_value(json_object_get(back, "status")), "failed");
	CHECK_STR(json_string_value(json_object_get(json_object_get(back, "error"), "message")),
		  "a test");
	json_decref(back);
	json_decref(rec);
	serial_report_free(&r);
	free(text);
	unlink(path);
	rmdir(dir);

	/* a report that did not check out cannot be applied */
	rec = record_new("id-4", "tcg", "nested-spinlock");
	serial_parse("irqlbench-guest v=1 boot\n", 25, &r);
	CHECK(record_apply_report(rec, &r) == -1);
	CHECK_STR(json_string_value(json_object_get(rec, "status")), "failed");
	serial_report_free(&r);
	CHECK(record_write(rec, "/nonexistent-dir/record.json") == -1);
	json_decref(rec);
}

static void test_policy_and_facts(void)
{
	struct serial_report r;
	char *body = report_replace(report_good_body, "hypervisor=none", "hypervisor=none policy=l61");
	char *text = report_wrap("", body, "");
	json_t *rec = record_new("id-5", "model", "nested-spinlock"), *host;
	char *id;

	CHECK_EQ_U64(serial_parse(text, strlen(text), &r), SERIAL_REPORT);
	CHECK(!record_apply_report(rec, &r));
	CHECK_STR(json_string_value(json_object_get(rec, "policy")), "l61");
	CHECK(json_object_get(json_object_get(rec, "guest"), "policy") == NULL);
	json_decref(rec);
	serial_report_free(&r);
	free(text);
	free(body);

	host = record_host_facts();
	CHECK(json_is_string(json_object_get(host, "kernel")));
	CHECK(json_is_string(json_object_get(host, "hostname")));
	CHECK(json_object_get(host, "cpu_vendor") && json_object_get(host, "microcode"));
	json_decref(host);

	id = record_make_id(1795677302.0, "tcg", "seed-table");
	CHECK(!strncmp(id, "20261126T071502Z-tcg-seed-table-", 32));
	CHECK_EQ_U64(strlen(id), 38);
	free(id);
}

int main(void)
{
	test_percentiles();
	test_new_is_failed();
	test_round_trip();
	test_policy_and_facts();
	return check_done("test_record");
}
