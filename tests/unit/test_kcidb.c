// SPDX-License-Identifier: MIT
/*
 * test_kcidb.c - the KCIDB mapping (host/results/kcidb.c) by hand: path
 * components and the v5 path rule, metric paths and units, the verdict
 * statuses, and the objects made of a hand-built record and verdict:
 * required fields, ids "irqlbench:...", links, no null, numbers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "results/kcidb.h"

static void component_is(const char *in, bool dash, const char *want)
{
	char *got = kcidb_component(in, dash);

	check_case("component '%s'", in);
	CHECK_STR(got, want);
	CHECK(kcidb_path_ok(got));
	free(got);
}

/* No null anywhere (v5.0: "no properties can be null"). */
static bool has_null(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_null(j))
		return true;
	json_object_foreach(j, k, v)
		if (has_null(v))
			return true;
	json_array_foreach(j, i, v)
		if (has_null(v))
			return true;
	return false;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "(none)";
}

static json_t *find(json_t *arr, const char *key, const char *val)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (!strcmp(str(v, key), val))
			return v;
	return NULL;
}

static void test_names(void)
{
	static const struct { const char *p; bool ok; } paths[] = {
		{ "", true }, { "irqlbench", true }, { "irqlbench.nested_spinlock.depth-2", true },
		{ "a..b", false }, { ".a", false }, { "a.", false }, { "a/b", false },
		{ "a b", false }, { "exit.write_cr8/iter", false },
	};
	char buf[64], *p;

	component_is("nested-spinlock", true, "nested_spinlock");
	component_is("depth-2", false, "depth-2");
	component_is("write_cr8/iter", false, "write_cr8_per_iter");
	component_is("patch:a b.diff", false, "patch_a_b_diff");
	component_is("", false, "_");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		check_case("path '%s'", paths[i].p);
		CHECK(kcidb_path_ok(paths[i].p) == paths[i].ok);
	}
	check_case(NULL);
	p = kcidb_metric_path("irqlbench.nested_spinlock.depth-2", "exit.write_cr8/iter");
	CHECK_STR(p, "irqlbench.nested_spinlock.depth-2.exit.write_cr8_per_iter");
	CHECK(kcidb_path_ok(p));
	free(p);
	p = kcidb_metric_path("irqlbench.x", "dpc_queue_to_run.p50");
	CHECK_STR(p, "irqlbench.x.dpc_queue_to_run.p50");
	free(p);
	CHECK_STR(kcidb_metric_unit("exit.write_cr8/iter", buf, sizeof(buf)), "exits/iter");
	CHECK_STR(kcidb_metric_unit("exit.total", buf, sizeof(buf)), "exits");
	CHECK_STR(kcidb_metric_unit("inj.0x2f", buf, sizeof(buf)), "injections");
	CHECK_STR(kcidb_metric_unit("delivery.immediate_pct", buf, sizeof(buf)), "%");
	CHECK_STR(kcidb_metric_unit("delivery.late_max_cycles", buf, sizeof(buf)), "cycles");
	CHECK_STR(kcidb_metric_unit("dpc_queue_to_run.p99", buf, sizeof(buf)), "cycles");
	CHECK_STR(kcidb_metric_unit("cr8_writes/iter", buf, sizeof(buf)), "/iter");
	CHECK(kcidb_metric_unit("cr8_writes", buf, sizeof(buf)) == NULL);
	/* a verdict against the one expected of it */
	CHECK_STR(kcidb_verdict_status("FIXED", "FIXED"), "PASS");
	CHECK_STR(kcidb_verdict_status("UNFIXED", "FIXED"), "FAIL");
	CHECK_STR(kcidb_verdict_status("UNFIXED", "UNFIXED"), "PASS");	/* the control sees the bug */
	CHECK_STR(kcidb_verdict_status("FIXED", "UNFIXED"), "FAIL");	/* the control does not */
	CHECK_STR(kcidb_verdict_status("ON-TIME", "ON-TIME"), "PASS");
	CHECK_STR(kcidb_verdict_status("LATE", "ON-TIME"), "FAIL");
	CHECK_STR(kcidb_verdict_status("INCONCLUSIVE", "FIXED"), "ERROR");
	CHECK_STR(kcidb_verdict_status("INCONCLUSIVE", "UNFIXED"), "ERROR");
	CHECK(kcidb_verdict_status("MAYBE", "FIXED") == NULL);
}

static const char lab_record[] =
	"{\"schema\": \"irqlbench-record/1\", \"id\": \"r1\", \"status\": \"complete\","
	" \"workload\": \"nested-spinlock\", \"backend\": \"lab\", \"emulated\": true,"
	" \"policy\": null, \"variant\": \"unfixed\", \"launcher\": \"direct\", \"tags\": [],"
	" \"params\": {\"depth\": 4, \"iterations\": 100, \"warmup\": 4, \"dpc\": 1, \"probe\": 0,"
	"   \"clock_raises_irql\": 1},"
	" \"provenance\": {\"suite_version\": \"v1\", \"started_utc\": \"2026-11-26T07:15:02Z\","
	"   \"duration_s\": 0.5,"
	"   \"host\": {\"hostname\": \"h1\", \"cpu_model\": \"EPYC\", \"cpu_family\": 25,"
	"     \"microcode\": null, \"kernel\": \"6.1.0-56-amd64\", \"kernel_package\": \"6.1.192-2\","
	"     \"hypervisor\": {\"dmi_product_name\": null, \"dmi_product_name_why\": \"no DMI\"}},"
	"   \"lab\": {\"kernel\": {\"debian_version\": \"6.1.176-1\", \"upstream\": \"6.1.176\","
	"     \"abi\": \"6.1.0-50-amd64\"}}},"
	" \"verdict\": {\"status\": \"ok\", \"reason\": \"\"}}";

static void test_objects(void)
{
	json_t *rec = json_loads(lab_record, 0, NULL), *doc, *t, *b, *c, *v;
	struct metric_set m = { 0 };
	struct kcidb k;

	CHECK(rec != NULL);
	metric_set_put(&m, "exit.write_cr8/iter", 1);
	metric_set_put(&m, "dpc_queue_to_run.p50", 49);
	metric_set_put(&m, "delivery.immediate_pct", NAN);	/* left out: no number */
	kcidb_init(&k);
	kcidb_add_run(&k, rec, &m, false);
	json_object_set_new(rec, "id", json_string("r2"));
	kcidb_add_run(&k, rec, &m, false);	/* the same checkout and build, once each */
	v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:b, s:{s:s, s:s, s:s}, s:{s:s},"
		      " s:[{s:s}], s:s}",
		      "schema", "irqlbench-verdict/1", "id", "v1", "created_utc", "2026-11-29T16:01:02Z",
		      "verdict", "UNFIXED", "reason", "1 exit per iteration", "backend", "lab",
		      "policy", "emulated", true, "kernel", "debian_version", "6.1.176-1",
		      "upstream", "6.1.176", "abi", "6.1.0-50-amd64", "host", "hostname", "h1",
		      "runs", "id", "r1", "variant", "unfixed");
	kcidb_add_verdict(&k, v);
	doc = kcidb_finish(&k);
	CHECK(!has_null(doc));
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(doc, "version"), "major")), 5);
	CHECK_EQ_U64(json_array_size(json_object_get(doc, "checkouts")), 1);
	CHECK_EQ_U64(json_array_size(json_object_get(doc, "builds")), 1);
	/* per run: the run and two metrics; and the verdict */
	CHECK_EQ_U64(json_array_size(json_object_get(doc, "tests")), 7);
	c = json_array_get(json_object_get(doc, "checkouts"), 0);
	CHECK_STR(str(c, "id"), "irqlbench:kernel-6.1.176-1");	/* L1's kernel, not the host's */
	CHECK_STR(str(c, "origin"), "irqlbench");
	b = json_array_get(json_object_get(doc, "builds"), 0);
	CHECK_STR(str(b, "id"), "irqlbench:kernel-6.1.176-1-unfixed");
	CHECK_STR(str(b, "checkout_id"), "irqlbench:kernel-6.1.176-1");
	t = find(json_object_get(doc, "tests"), "id", "irqlbench:r1");
	CHECK(t != NULL);
	/* the workload's own parameters, and a common one not at its default */
	CHECK_STR(str(t, "path"), "irqlbench.nested_spinlock.clock_raises_irql-1.depth-4.dpc-1");
	CHECK_STR(str(t, "status"), "PASS");
	CHECK_STR(str(t, "build_id"), "irqlbench:kernel-6.1.176-1-unfixed");
	CHECK_STR(str(json_object_get(t, "environment"), "comment"), "h1, backend lab, emulated");
	CHECK_STR(str(json_object_get(json_object_get(t, "environment"), "misc"), "dmi_product_name_why"),
		  "no DMI");
	CHECK(json_is_true(json_object_get(json_object_get(t, "misc"), "emulated")));
	CHECK_STR(str(json_object_get(t, "misc"), "record_id"), "r1");
	t = find(json_object_get(doc, "tests"), "id", "irqlbench:r2:exit.write_cr8/iter");
	CHECK(t != NULL);
	CHECK_STR(str(t, "path"),
		  "irqlbench.nested_spinlock.clock_raises_irql-1.depth-4.dpc-1.exit.write_cr8_per_iter");
	CHECK_STR(str(t, "status"), "DONE");
	CHECK(json_number_value(json_object_get(json_object_get(t, "number"), "value")) == 1.0);
	CHECK_STR(str(json_object_get(t, "number"), "unit"), "exits/iter");
	CHECK(find(json_object_get(doc, "tests"), "id", "irqlbench:r1:delivery.immediate_pct") == NULL);
	/* the fix-reverted build is the positive control: its UNFIXED passes,
	 * under a path of its own */
	t = find(json_object_get(doc, "tests"), "id", "irqlbench:v1");
	CHECK(t != NULL);
	CHECK_STR(str(t, "path"), "irqlbench.verify.control");
	CHECK_STR(str(t, "status"), "PASS");
	CHECK_STR(str(t, "build_id"), "irqlbench:kernel-6.1.176-1-unfixed");
	CHECK_STR(str(json_object_get(t, "misc"), "verdict"), "UNFIXED");
	CHECK_STR(str(json_object_get(t, "misc"), "expected"), "UNFIXED");
	CHECK_STR(json_string_value(json_array_get(json_object_get(json_object_get(t, "misc"), "runs"), 0)),
		  "r1");
	json_decref(doc);

	/* each verdict against what its setup should give: backend, variant,
	 * policy, verdict -> path, status */
	{
		static const struct {
			const char *backend, *variant, *policy, *verdict, *path, *status;
		} cases[] = {
			{ "lab", "unfixed", NULL, "FIXED", "irqlbench.verify.control", "FAIL" },
			{ "lab", "unfixed", NULL, "INCONCLUSIVE", "irqlbench.verify.control", "ERROR" },
			{ "kvm", "unfixed", NULL, "UNFIXED", "irqlbench.verify.control", "PASS" },
			{ "lab", "stock", NULL, "FIXED", "irqlbench.verify", "PASS" },
			{ "lab", "stock", NULL, "UNFIXED", "irqlbench.verify", "FAIL" },
			{ "lab", "fixed", NULL, "FIXED", "irqlbench.verify", "PASS" },
			{ "lab", "patch:x.patch", NULL, "INCONCLUSIVE", "irqlbench.verify", "ERROR" },
			{ "kvm", NULL, NULL, "UNFIXED", "irqlbench.verify", "FAIL" },
			{ "model", NULL, "prefix", "UNFIXED", "irqlbench.verify.control", "PASS" },
			{ "model", NULL, "unfixed", "FIXED", "irqlbench.verify.control", "FAIL" },
			{ "model", NULL, "l61", "FIXED", "irqlbench.verify", "PASS" },
			{ "model", NULL, "avic", "INCONCLUSIVE", "irqlbench.verify", "ERROR" },
			{ "guest", NULL, NULL, "LATE", "irqlbench.verify.guest", "FAIL" },
			{ "guest", NULL, NULL, "ON-TIME", "irqlbench.verify.guest", "PASS" },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			json_t *cv = json_deep_copy(v);

			check_case("%s %s %s %s", cases[i].backend, cases[i].variant ?: "-",
				   cases[i].policy ?: "-", cases[i].verdict);
			json_object_set_new(cv, "backend", json_string(cases[i].backend));
			json_object_set_new(cv, "variant", cases[i].variant ?
					    json_string(cases[i].variant) : json_null());
			json_object_set_new(cv, "policy", cases[i].policy ?
					    json_string(cases[i].policy) : json_null());
			json_object_set_new(cv, "verdict", json_string(cases[i].verdict));
			kcidb_init(&k);
			kcidb_add_verdict(&k, cv);
			doc = kcidb_finish(&k);
			t = json_array_get(json_object_get(doc, "tests"), 0);
			CHECK_STR(str(t, "path"), cases[i].path);
			CHECK_STR(str(t, "status"), cases[i].status);
			CHECK(kcidb_path_ok(str(t, "path")));
			CHECK(!has_null(doc));
			json_decref(doc);
			json_decref(cv);
		}
		check_case(NULL);
	}

	/* a failed run: ERROR with its message, no numbers */
	kcidb_init(&k);
	json_object_set_new(rec, "status", json_string("failed"));
	json_object_set_new(rec, "error", json_pack("{s:s, s:s}", "kind", "timeout", "message", "no report"));
	kcidb_add_run(&k, rec, &m, true);
	doc = kcidb_finish(&k);
	CHECK_EQ_U64(json_array_size(json_object_get(doc, "tests")), 1);
	t = json_array_get(json_object_get(doc, "tests"), 0);
	CHECK_STR(str(t, "status"), "ERROR");
	CHECK_STR(str(t, "comment"), "no report");
	CHECK(!has_null(doc));
	json_decref(doc);
	json_decref(v);
	json_decref(rec);
	metric_set_free(&m);
}

/* A lab run's environment is the machine L1 ran on, where the record has it
 * (provenance.lab.physical_host; provenance.host is L1's own). */
static void test_physical_host(void)
{
	json_t *rec = json_loads(lab_record, 0, NULL), *doc, *t;
	struct metric_set m = { 0 };
	struct kcidb k;

	CHECK(rec != NULL);
	json_object_set_new(json_object_get(json_object_get(rec, "provenance"), "lab"), "physical_host",
			    json_pack("{s:s, s:s}", "hostname", "rack7", "cpu_model", "AMD EPYC 9654"));
	kcidb_init(&k);
	kcidb_add_run(&k, rec, &m, false);
	doc = kcidb_finish(&k);
	t = find(json_object_get(doc, "tests"), "id", "irqlbench:r1");
	CHECK(t != NULL);
	CHECK_STR(str(json_object_get(t, "environment"), "comment"), "rack7, backend lab, emulated");
	CHECK_STR(str(json_object_get(json_object_get(t, "environment"), "misc"), "cpu_model"),
		  "AMD EPYC 9654");
	json_decref(doc);
	json_decref(rec);
}

int main(void)
{
	test_names();
	test_objects();
	test_physical_host();
	return check_done("test_kcidb");
}
