// SPDX-License-Identifier: MIT
/*
 * test_record.c - the JSON record (host/record/record.c): percentiles from
 * buckets, the schema's keys, failed vs complete, and a round trip
 * through a file and jansson's parser; the writer replaces regular files
 * only, never through a symbolic link, and "-" is standard output.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "record/record.h"
#include "report_gen.h"
#include "record/serial.h"
#include "cli/util.h"

/* hi of the pct-th percentile, with min/max that do not clamp; -1 when none */
static int64_t pct_hi(const uint64_t *b, const uint64_t *c, unsigned nb, uint64_t n, unsigned pct)
{
	struct hist_pct r;

	return hist_percentile(b, c, nb, n, 0, UINT64_MAX, pct, &r) ? -1 : (int64_t)r.hi;
}

static void test_percentiles(void)
{
	const uint64_t b[4] = { 10, 20, 50, 100 };
	const uint64_t c1[4] = { 0, 600, 300, 100 }, c2[4] = { 0, 0, 1, 0 };
	const uint64_t c3[4] = { 1, 0, 0, 0 }, c4[4] = { 500, 0, 0, 0 };
	const uint64_t big_b[2] = { 7, 9 }, big_c[2] = { UINT64_MAX - 1, 1 };
	struct hist_pct r;

	CHECK_EQ_U64(pct_hi(b, c1, 4, 1000, 50), 20);
	CHECK_EQ_U64(pct_hi(b, c1, 4, 1000, 99), 100);
	CHECK_EQ_U64(pct_hi(b, c1, 4, 1000, 60), 20);	/* rank 600: still bucket 20 */
	CHECK_EQ_U64(pct_hi(b, c1, 4, 1000, 61), 50);	/* rank 610: bucket 50 */
	CHECK_EQ_U64(pct_hi(b, c1, 4, 1000, 1), 20);
	CHECK_EQ_U64(pct_hi(b, c2, 4, 1, 50), 50);
	CHECK_EQ_U64(pct_hi(b, c2, 4, 1, 99), 50);
	/* 1 in the buckets, 9 in the overflow: p50 and p99 are above every bound */
	CHECK(pct_hi(b, c3, 4, 10, 50) == -1);
	CHECK_EQ_U64(pct_hi(b, c3, 4, 10, 10), 10);
	/* p99 of 1000 with 10 in the overflow lands exactly on the last bucket */
	CHECK_EQ_U64(pct_hi(b, (const uint64_t[]){ 0, 0, 0, 990 }, 4, 1000, 99), 100);
	CHECK(pct_hi(b, (const uint64_t[]){ 0, 0, 0, 989 }, 4, 1000, 99) == -1);
	CHECK(pct_hi(b, c4, 4, 0, 50) == -1);
	CHECK(pct_hi(b, c4, 4, 500, 0) == -1);
	CHECK(pct_hi(b, c4, 4, 500, 101) == -1);
	/* no overflow of n * pct near 2^64 */
	CHECK_EQ_U64(pct_hi(big_b, big_c, 2, UINT64_MAX, 99), 7);
	CHECK_EQ_U64(pct_hi(big_b, big_c, 2, UINT64_MAX, 100), 9);
	/* the range is the bucket's, clamped to the samples' min and max */
	CHECK(!hist_percentile(b, c1, 4, 1000, 0, UINT64_MAX, 50, &r));
	CHECK(r.lo == 11 && r.hi == 20);
	CHECK(!hist_percentile(b, c1, 4, 1000, 13, 77, 99, &r));
	CHECK(r.lo == 51 && r.hi == 77);
	CHECK(!hist_percentile(b, c4, 4, 500, 3, 7, 50, &r));
	CHECK(r.lo == 3 && r.hi == 7);
}

static const char *const schema_keys[] = {
	"schema", "id", "status", "error", "workload", "params", "backend", "emulated",
	"policy", "variant", "launcher", "tags", "provenance", "guest", "verdict", "phases",
	"artifacts", NULL
};

static void test_new_is_failed(void)
{
	json_t *rec = record_new("id-1", "tcg", "seed-table");

	for (unsigned i = 0; schema_keys[i]; i++) {
		check_case("key %s", schema_keys[i]);
		CHECK(json_object_get(rec, schema_keys[i]) != NULL);
	}
	check_case(NULL);
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

/* A report whose workload verdict failed gives a failed record (kind
 * verdict, the guest's reason), never a complete one; the verdict, the
 * parameters and the phases stay for the post-mortem. */
static void test_verdict_fail_is_failed(void)
{
	size_t n = strlen(report_good_body);
	char *body = xstrdup(report_good_body), *text;
	const char *ok = "R status=ok reason=\"\"\n";
	struct serial_report r;
	json_t *rec, *err;

	/* the good body with its last line, the verdict, replaced */
	body[n - strlen(ok)] = '\0';
	text = xasprintf("%sR status=fail reason=\"DPC interrupt not delivered\"\n", body);
	free(body);
	body = text;
	text = report_wrap("irqlbench-guest v=1 boot\n", body, "");
	CHECK_EQ_U64(serial_parse(text, strlen(text), &r), SERIAL_REPORT);
	rec = record_new("id-5", "tcg", "nested-spinlock");
	CHECK(!record_apply_report(rec, &r));
	CHECK_STR(json_string_value(json_object_get(rec, "status")), "failed");
	err = json_object_get(rec, "error");
	CHECK_STR(json_string_value(json_object_get(err, "kind")), "verdict");
	CHECK_STR(json_string_value(json_object_get(err, "message")),
		  "the workload's own check failed: DPC interrupt not delivered");
	CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "verdict"), "status")), "fail");
	CHECK(json_array_size(json_object_get(rec, "phases")) == 2);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(rec, "params"), "depth")), 2);
	json_decref(rec);
	serial_report_free(&r);
	free(text);
	free(body);
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
	CHECK_EQ_U64(json_integer_value(h), 99);	/* bucket (50, 100], clamped to max=99 */
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

static mode_t mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_mode & S_IFMT;
}

/* record_write() into each kind of thing that is not a regular file. */
static void refuses(const char *dir, const char *name, mode_t kind, int want_errno, json_t *rec)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!mode_of(path)) {
		printf("  (no %s here: not checked)\n", name);
		return;
	}
	errno = 0;
	CHECK(record_write(rec, path) == -1);
	CHECK_EQ_U64(errno, want_errno);
	CHECK(util_not_regular(path) != NULL);
	CHECK_EQ_U64(mode_of(path), kind);	/* still what it was */
}

static void test_write_refuses_non_regular(void)
{
	char dir[] = "/tmp/test_record.XXXXXX", path[128], other[128], tmp[160];
	json_t *rec = record_new("id-6", "tcg", "seed-table"), *back;
	unsigned before;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(other, sizeof(other), "%s/other.txt", dir);
	CHECK(!util_write_atomic(other, "keep\n", 5));
	snprintf(path, sizeof(path), "%s/dir", dir);
	CHECK(!mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(!mkfifo(path, 0644));
	snprintf(path, sizeof(path), "%s/link", dir);
	CHECK(!symlink(other, path));
	snprintf(path, sizeof(path), "%s/dangling", dir);
	CHECK(!symlink("/nonexistent-dir/x", path));
	snprintf(path, sizeof(path), "%s/null", dir);
	if (mknod(path, S_IFCHR | 0666, makedev(1, 3)))	/* /dev/null's numbers; needs root */
		printf("  (mknod: %s: the device case is not checked)\n", strerror(errno));
	before = files_in(dir);
	refuses(dir, "dir", S_IFDIR, EISDIR, rec);
	refuses(dir, "fifo", S_IFIFO, EEXIST, rec);
	refuses(dir, "link", S_IFLNK, EEXIST, rec);
	refuses(dir, "dangling", S_IFLNK, EEXIST, rec);
	refuses(dir, "null", S_IFCHR, EEXIST, rec);
	CHECK_EQ_U64(files_in(dir), before);		/* no temporary file left */
	CHECK(util_not_regular(other) == NULL);
	snprintf(path, sizeof(path), "%s/absent", dir);
	CHECK(util_not_regular(path) == NULL);

	/* a stale temporary file of a dead process with our pid, even a
	 * symbolic link, is replaced and never written through */
	snprintf(path, sizeof(path), "%s/record.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	CHECK(!symlink(other, tmp));
	CHECK(!record_write(rec, path));
	CHECK_EQ_U64(mode_of(path), S_IFREG);
	CHECK_EQ_U64(mode_of(tmp), 0);
	back = load(path);
	CHECK(back && json_equal(back, rec));
	json_decref(back);
	{
		char *text = util_read_file(other, 100, NULL);

		CHECK_STR(text, "keep\n");
		free(text);
	}
	json_decref(rec);
	snprintf(tmp, sizeof(tmp), "rm -rf '%s'", dir);
	CHECK(!system(tmp));
}

/* "-" is standard output: the record and nothing else. */
static void test_write_stdout(void)
{
	char path[] = "/tmp/test_record_out.XXXXXX";
	json_t *rec = record_new("id-7", "tcg", "seed-table"), *back;
	int fd = mkstemp(path), saved = dup(1);

	CHECK(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, 1);
	CHECK(!record_write(rec, "-"));
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	back = load(path);
	CHECK(back && json_equal(back, rec));
	json_decref(back);
	json_decref(rec);
	unlink(path);
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
	test_verdict_fail_is_failed();
	test_policy_and_facts();
	test_write_refuses_non_regular();
	test_write_stdout();
	return check_done("test_record");
}
