// SPDX-License-Identifier: MIT
/*
 * test_metrics.c - a record's metrics (host/record/metrics.c), as the store keeps
 * them: nested-spinlock depth 2 under a fixed and an unfixed kernel, a
 * record with two vCPUs and two measured phases (summed per vCPU and
 * phase, the warm-up left out), a failed record, backends with and
 * without exit counts; the metrics stored at import equal those of the
 * record, verify judges the stored runs by them and never uses a failed
 * run's, they go with a deleted run, and a store of the previous schema
 * gets them at migration.  The records are hand-made test data.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "record/metrics.h"
#include "stats.h"
#include "store/store.h"
#include "suite_check.h"
#include "verify/verdict.h"

static char tmpdir[] = "/tmp/irqlbench-test-metrics-XXXXXX";

#define CHECK_METRIC(m, name, want) do {				\
	double _v = metric_get(m, name);				\
	check_n++;							\
	if (!(fabs(_v - (want)) < 1e-9)) {				\
		check_failed++;						\
		printf("%s:%d: FAILED: %s = %.17g, want %.17g\n",	\
		       __FILE__, __LINE__, name, _v, (double)(want));	\
	}								\
} while (0)

/* A vCPU entry: the counters of a depth-2 nest run `it` times, `wexits`
 * write_cr8 exits, `imm` and `late` deliveries (no exit, injection or
 * delivery map unless counts_exits), a DPC-delay histogram. */
static json_t *vcpu(int cpu, int it, int wexits, int imm, int late, bool counts_exits)
{
	json_t *v = json_pack("{s:i, s:{s:i, s:i, s:i, s:i, s:i, s:i},"
			      " s:{s:{s:s, s:[i,i,i], s:[i,i,i], s:i, s:i, s:i, s:i, s:i}}}",
			      "cpu", cpu, "counters", "iterations", it, "cr8_writes", 4 * it,
			      "cr8_raise", it, "cr8_same", 2 * it, "cr8_lower_unmask", it,
			      "late_deliveries", late, "histograms", "dpc_queue_to_run",
			      "unit", "cycles", "bounds", 100, 1000, 10000,
			      "counts", it - late, 0, late, "overflow", 0, "n", it, "sum", 0,
			      "min", 50, "max", late ? 9000 : 90);

	if (counts_exits) {
		json_object_set_new(v, "exits", json_pack("{s:i, s:i}", "write_cr8", wexits, "io", 2));
		json_object_set_new(v, "injections", json_pack("{s:i}", "0x2f", imm + late));
		json_object_set_new(v, "delivery", json_pack("{s:i, s:i, s:i}", "unmasking_writes",
							     imm + late, "immediate", imm, "late", late));
	} else {
		json_object_set_new(v, "exits", json_null());
		json_object_set_new(v, "delivery", json_null());
	}
	return v;
}

static json_t *phase(int idx, const char *name, bool measured, json_t *vcpus)
{
	return json_pack("{s:i, s:s, s:b, s:o}", "idx", idx, "name", name, "measured", measured,
			 "vcpus", vcpus);
}

/* A complete model record of nested-spinlock depth 2; phases given. */
static json_t *record(const char *id, const char *policy, json_t *phases)
{
	return json_pack("{s:s, s:s, s:s, s:n, s:s, s:{s:i, s:i, s:i}, s:s, s:b, s:s, s:n,"
			 " s:s, s:[s], s:{s:s, s:s, s:{s:s, s:s}}, s:{s:s, s:s}, s:o, s:{}}",
			 "schema", "irqlbench-record/1", "id", id, "status", "complete", "error",
			 "workload", "nested-spinlock", "params", "depth", 2, "iterations", 100,
			 "elide_same_level", 0, "backend", "model", "emulated", 1, "policy", policy,
			 "variant", "launcher", "model", "tags", "synthetic",
			 "provenance", "suite_version", "test", "started_utc", "2026-11-29T10:00:00Z",
			 "host", "kernel", "6.1.0-test", "cpu_model", "test cpu",
			 "verdict", "status", "ok", "reason", "", "phases", phases, "artifacts");
}

/* fixed: 2N-1 = 3 write_cr8 exits per nest, the DPC at once; unfixed: 1,
 * the DPC late.  A warm-up phase with other numbers is never counted. */
static json_t *ns2(const char *id, bool fixed)
{
	return record(id, fixed ? "l61" : "unfixed", json_pack("[o, o]",
		phase(1, "warmup", false, json_pack("[o]", vcpu(0, 16, 999, 16, 0, true))),
		phase(2, "measure", true, json_pack("[o]", fixed ? vcpu(0, 100, 300, 100, 0, true) :
							   vcpu(0, 100, 100, 0, 100, true)))));
}

static void test_fixed_unfixed(void)
{
	struct metric_set f = { 0 }, u = { 0 };
	json_t *rf = ns2("fixed", true), *ru = ns2("unfixed", false);

	CHECK(metrics_from_record(rf, &f) == 0);
	CHECK(metrics_from_record(ru, &u) == 0);
	CHECK_METRIC(&f, "iterations", 100);
	CHECK_METRIC(&f, "exit.write_cr8", 300);
	CHECK_METRIC(&f, "exit.write_cr8/iter", 3);
	CHECK_METRIC(&u, "exit.write_cr8", 100);
	CHECK_METRIC(&u, "exit.write_cr8/iter", 1);
	CHECK_METRIC(&f, "exit.io", 2);
	CHECK_METRIC(&f, "exit.total", 302);
	CHECK_METRIC(&f, "exit.total/iter", 3.02);
	CHECK_METRIC(&f, "cr8_raise/iter", 1);
	CHECK_METRIC(&f, "cr8_same/iter", 2);
	CHECK_METRIC(&f, "cr8_writes", 400);
	CHECK_METRIC(&f, "inj.0x2f/iter", 1);
	CHECK_METRIC(&f, "delivery.immediate", 100);
	CHECK_METRIC(&f, "delivery.late", 0);
	CHECK_METRIC(&f, "delivery.immediate_pct", 100);
	CHECK_METRIC(&u, "delivery.immediate", 0);
	CHECK_METRIC(&u, "delivery.late", 100);
	CHECK_METRIC(&u, "delivery.immediate_pct", 0);
	CHECK_METRIC(&u, "late_deliveries/iter", 1);
	/* histogram percentiles are bucket upper bounds, never above the
	 * max: (0, 100] and (1000, 10000] clamped to max 90 and 9000 */
	CHECK_METRIC(&f, "dpc_queue_to_run.p50", 90);
	CHECK_METRIC(&f, "dpc_queue_to_run.p99", 90);
	CHECK_METRIC(&u, "dpc_queue_to_run.p50", 9000);
	CHECK(isnan(metric_get(&f, "iterations/iter")));
	CHECK(isnan(metric_get(&f, "no.such")));
	/* sorted by name */
	for (size_t i = 1; i < f.n; i++) {
		check_case("metric %s after %s", f.v[i].name, f.v[i - 1].name);
		CHECK(strcmp(f.v[i - 1].name, f.v[i].name) < 0);
	}
	check_case(NULL);
	metric_set_free(&f);
	metric_set_free(&u);
	json_decref(rf);
	json_decref(ru);
}

/* Two vCPUs, two measured phases (a script's marks) and a warm-up: every
 * number summed over the measured phases and the vCPUs, per iteration of
 * all of them; the histograms merged. */
static void test_vcpus(void)
{
	json_t *r = record("smp", "l61", json_pack("[o, o, o]",
		phase(1, "warmup", false, json_pack("[o, o]", vcpu(0, 10, 77, 0, 10, true),
						     vcpu(1, 10, 77, 0, 10, true))),
		phase(2, "a", true, json_pack("[o, o]", vcpu(0, 60, 180, 60, 0, true),
					       vcpu(1, 40, 120, 39, 1, true))),
		phase(3, "b", true, json_pack("[o]", vcpu(1, 100, 300, 100, 0, true)))));
	struct metric_set m = { 0 };
	struct merged_hist h = { 0 };
	/* the model's worst late delivery per vCPU and phase: 700, 500, 900 */
	static const struct { int ph, vc, late_max; } worst[] = { { 1, 0, 700 }, { 1, 1, 500 },
								   { 2, 0, 900 }, { 0, 0, 99999 } };

	for (size_t i = 0; i < sizeof(worst) / sizeof(worst[0]); i++)
		json_object_set_new(json_object_get(json_array_get(json_object_get(
			json_array_get(json_object_get(r, "phases"), (size_t)worst[i].ph), "vcpus"),
			(size_t)worst[i].vc), "delivery"), "late_max_cycles", json_integer(worst[i].late_max));
	metrics_from_record(r, &m);
	/* a maximum is the largest of the measured parts (the warm-up's
	 * 99999 left out), never their sum, and is not divided by iterations */
	CHECK_METRIC(&m, "delivery.late_max_cycles", 900);
	CHECK(isnan(metric_get(&m, "delivery.late_max_cycles/iter")));
	CHECK(!metric_is_sum("delivery.late_max_cycles") && !metric_is_sum("x.y_min"));
	CHECK(metric_is_sum("delivery.late") && metric_is_sum("cr8_lower_unmask") &&
	      metric_is_sum("maximal.minutes"));
	CHECK_METRIC(&m, "iterations", 200);
	CHECK_METRIC(&m, "exit.write_cr8", 600);
	CHECK_METRIC(&m, "exit.write_cr8/iter", 3);
	CHECK_METRIC(&m, "exit.io", 6);
	CHECK_METRIC(&m, "delivery.immediate", 199);
	CHECK_METRIC(&m, "delivery.late", 1);
	CHECK_METRIC(&m, "delivery.immediate_pct", 99.5);
	CHECK_METRIC(&m, "cr8_writes/iter", 4);
	/* 199 of 200 at <= 100 cycles, 1 at <= 10000: p99 still 100 */
	CHECK_METRIC(&m, "dpc_queue_to_run.p50", 100);
	CHECK_METRIC(&m, "dpc_queue_to_run.p99", 100);
	metric_set_free(&m);
	/* the merged buckets the CDF plots draw: 60 + 39 + 100 at <= 100,
	 * 1 at <= 10000, the warm-up's 10 late ones left out */
	CHECK_EQ_U64(metrics_hist_from_record(r, "dpc_queue_to_run", &h), 1);
	CHECK(h.nb == 3 && h.counts[0] == 199 && h.counts[1] == 0 && h.counts[2] == 1);
	CHECK(h.n == 200 && h.overflow == 0 && h.min == 50 && h.max == 9000);
	CHECK_EQ_U64(metrics_hist_from_record(r, "no_such", &h), 0);
	merged_hist_free(&h);
	/* a part with other bounds is left out */
	json_array_set_new(json_object_get(json_object_get(json_object_get(json_array_get(
		json_object_get(json_array_get(json_object_get(r, "phases"), 2), "vcpus"), 0),
		"histograms"), "dpc_queue_to_run"), "bounds"), 0, json_integer(99));
	CHECK_EQ_U64(metrics_hist_from_record(r, "dpc_queue_to_run", &h), 1);
	CHECK(h.n == 100 && h.counts[0] == 99);
	merged_hist_free(&h);
	json_decref(r);
}

/* One reason's exit_times as the trace fold writes them (kt_exit_time_json()):
 * the times given, in ns, each in its log-linear bucket. */
static json_t *exit_times(const unsigned *t, size_t n, unsigned untimed)
{
	json_t *buckets = json_array();
	unsigned sum = 0, min = n ? t[0] : 0, max = 0;

	for (size_t i = 0; i < n; i++) {
		sum += t[i];
		min = t[i] < min ? t[i] : min;
		max = t[i] > max ? t[i] : max;
		/* one bucket per time here: the times given fall in different buckets */
		json_array_append_new(buckets, json_pack("[I,i]",
			(json_int_t)hist_bound(hist_index(t[i])), 1));
	}
	return json_pack("{s:s, s:s, s:I, s:i, s:i, s:i, s:i, s:i, s:o}", "unit", "ns",
			 "layout", "log-linear", "n", (json_int_t)n, "untimed", (int)untimed,
			 "sum", (int)sum, "min", (int)min, "max", (int)max, "overflow", 0,
			 "buckets", buckets);
}

/* Exit handling times (kvm/lab exit_times): merged over the measured phases
 * and vCPUs per reason, the warm-up left out; mean = sum / timed; p50/p99
 * the merged buckets' bounds clamped to the max; total/iter. */
static void test_exit_times(void)
{
	static const unsigned a[] = { 1000, 2000 }, b[] = { 3000 }, w[] = { 999999 },
		npf[] = { 40000 };
	json_t *r = record("times", "l61", json_pack("[o, o, o]",
		phase(1, "warmup", false, json_pack("[o]", vcpu(0, 10, 30, 10, 0, true))),
		phase(2, "a", true, json_pack("[o, o]", vcpu(0, 60, 180, 60, 0, true),
					       vcpu(1, 40, 120, 40, 0, true))),
		phase(3, "b", true, json_pack("[o]", vcpu(1, 100, 300, 100, 0, true)))));
	json_t *ph = json_object_get(r, "phases");
	struct exit_time_sum *e;
	struct metric_set m = { 0 };
	size_t n;

#define VC(p, v) json_array_get(json_object_get(json_array_get(ph, p), "vcpus"), v)
	json_object_set_new(VC(0, 0), "exit_times", json_pack("{s:o}", "write_cr8", exit_times(w, 1, 0)));
	json_object_set_new(VC(1, 0), "exit_times", json_pack("{s:o, s:o}", "write_cr8",
		exit_times(a, 2, 1), "npf", exit_times(npf, 1, 0)));
	json_object_set_new(VC(1, 1), "exit_times", json_pack("{s:o}", "write_cr8", exit_times(b, 1, 0)));
	json_object_set_new(VC(2, 0), "exit_times", json_pack("{s:o}", "write_cr8", exit_times(NULL, 0, 2)));
#undef VC
	n = metrics_exit_times(r, &e);
	CHECK_EQ_U64(n, 2);
	if (n == 2) {
		CHECK_STR(e[0].reason, "npf");
		CHECK_STR(e[1].reason, "write_cr8");
		CHECK(e[1].h.n == 3 && e[1].untimed == 3 && e[1].exits == 6);
		CHECK(e[1].sum == 6000 && e[1].min == 1000 && e[1].max == 3000);
	}
	exit_time_sums_free(e, n);
	metrics_from_record(r, &m);
	CHECK_METRIC(&m, "exit_ns.write_cr8.mean", 2000);
	/* 1000 is in [992, 1023], 2000 in [1984, 2047], 3000 in [2944, 3071]:
	 * p50 the second's bound, p99 the third's clamped to the max */
	CHECK_METRIC(&m, "exit_ns.write_cr8.p50", 2047);
	CHECK_METRIC(&m, "exit_ns.write_cr8.p99", 3000);
	CHECK_METRIC(&m, "exit_ns.write_cr8.total", 6000);
	CHECK_METRIC(&m, "exit_ns.write_cr8.total/iter", 30);
	CHECK_METRIC(&m, "exit_ns.npf.mean", 40000);
	/* no exit_times: no time metric, never 0 */
	metric_set_free(&m);
	json_decref(r);
	r = ns2("plain", true);
	metrics_from_record(r, &m);
	CHECK(!metric_has(&m, "exit_ns.write_cr8.mean"));
	metric_set_free(&m);
	json_decref(r);
}

/* tcg counts no exits: no exit or delivery metric, not 0; a backend that
 * counts exits and saw none (AVIC) has exit.write_cr8 0; a run without an
 * iteration counter has totals only. */
static void test_backends(void)
{
	json_t *tcg = record("tcg", "l61", json_pack("[o]", phase(2, "measure", true,
						json_pack("[o]", vcpu(0, 100, 0, 0, 0, false)))));
	json_t *avic = record("avic", "avic", json_pack("[o]", phase(2, "measure", true,
						json_pack("[o]", vcpu(0, 100, 0, 100, 0, true)))));
	json_t *ph = json_array_get(json_object_get(avic, "phases"), 0);
	json_t *vc = json_array_get(json_object_get(ph, "vcpus"), 0);
	struct metric_set m = { 0 };

	metrics_from_record(tcg, &m);
	CHECK(isnan(metric_get(&m, "exit.write_cr8/iter")));
	CHECK(isnan(metric_get(&m, "exit.total")));
	CHECK(isnan(metric_get(&m, "delivery.immediate_pct")));
	CHECK_METRIC(&m, "cr8_writes/iter", 4);
	metric_set_free(&m);
	json_object_set_new(vc, "exits", json_object());
	metrics_from_record(avic, &m);
	CHECK_METRIC(&m, "exit.write_cr8", 0);
	CHECK_METRIC(&m, "exit.write_cr8/iter", 0);
	CHECK_METRIC(&m, "exit.total/iter", 0);
	metric_set_free(&m);
	json_object_del(json_object_get(vc, "counters"), "iterations");
	metrics_from_record(avic, &m);
	CHECK_METRIC(&m, "cr8_writes", 400);
	CHECK(isnan(metric_get(&m, "cr8_writes/iter")));
	CHECK(isnan(metric_get(&m, "iterations")));
	metric_set_free(&m);
	CHECK(metrics_from_record(NULL, &m) == -1);
	json_decref(tcg);
	json_decref(avic);
}

/* A run that failed before it measured has no metrics. */
static json_t *failed_record(void)
{
	json_t *r = record("failed", "l61", json_array());

	json_object_set_new(r, "status", json_string("failed"));
	json_object_set_new(r, "error", json_pack("{s:s, s:s}", "kind", "timeout", "message", "x"));
	json_object_set_new(r, "verdict", json_null());
	return r;
}

/* What the store keeps (run_metrics) is what the record says. */
static void check_stored(struct store *s, json_t *rec)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	struct metric_set want = { 0 }, got = { 0 };
	char err[512];
	bool same;

	check_case("stored run %s", id);
	metrics_from_record(rec, &want);
	CHECK(store_run_metrics(s, id, &got, err, sizeof(err)) == 0);
	same = want.n == got.n;
	for (size_t i = 0; same && i < want.n; i++)
		same = !strcmp(want.v[i].name, got.v[i].name) && want.v[i].v == got.v[i].v;
	if (!same)
		printf("run %s: %zu metrics stored, the record has %zu\n", id, got.n, want.n);
	CHECK(same);
	check_case(NULL);
	metric_set_free(&want);
	metric_set_free(&got);
}

static int count(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void import(struct store *s, json_t *rec)
{
	char *file, err[512], id[128];

	if (asprintf(&file, "%s/%s.json", tmpdir, json_string_value(json_object_get(rec, "id"))) < 0)
		abort();
	check_case("import %s", json_string_value(json_object_get(rec, "id")));
	CHECK(json_dump_file(rec, file, 0) == 0);
	CHECK_EQ_U64(store_import_file(s, file, id, sizeof(id), err, sizeof(err)), IMPORT_NEW);
	check_case(NULL);
	free(file);
}

/* verify's view of the stored runs, judged against workloads/suites.cfg
 * (suite_check.h): the fixed run's 3 exits per nest, the unfixed run's 1,
 * both failed runs listed and ignored (vfail's metrics say "fixed", but it
 * is no result). */
static void test_verify(struct store *s)
{
	struct run_filter f;
	struct run_list l;
	struct metric_set m[8] = { { 0 } };
	struct verdict_run runs[8];
	struct verdict_result res;
	struct verdict_opts o = { .suite = suite_check_suite() };
	char err[512];

	filter_init(&f);
	f.include_failed = true;
	CHECK(store_select(s, &f, &l, err, sizeof(err)) == 0);
	CHECK_EQ_U64(l.n, 4);
	for (size_t i = 0; i < l.n && i < 8; i++) {
		check_case("run %s", l.v[i].id);
		CHECK(store_run_metrics(s, l.v[i].id, &m[i], err, sizeof(err)) == 0);
		verdict_run_from_store(&l.v[i], &m[i], &runs[i]);
		CHECK_EQ_U64(runs[i].failed, !strcmp(l.v[i].id, "failed") || !strcmp(l.v[i].id, "vfail"));
		CHECK_EQ_U64(wl_get(&runs[i].vals, "depth"), 2);
		if (!strcmp(l.v[i].id, "fixed"))
			CHECK(runs[i].write_cr8_per_iter == 3 && runs[i].immediate == 100 && runs[i].late == 0);
		if (!strcmp(l.v[i].id, "unfixed"))
			CHECK(runs[i].write_cr8_per_iter == 1 && runs[i].immediate == 0 && runs[i].late == 100);
		if (!strcmp(l.v[i].id, "failed"))
			CHECK(isnan(runs[i].write_cr8_per_iter) && !runs[i].has_delivery);
	}
	check_case(NULL);
	verdict_decide(runs, l.n < 8 ? l.n : 8, &o, &res);
	CHECK_EQ_U64(res.fixed_runs, 1);
	CHECK_EQ_U64(res.unfixed_runs, 1);
	CHECK_EQ_U64(res.ignored_runs, 2);
	CHECK(strstr(res.evidence, "vfail nested-spinlock depth=2 [") != NULL);
	CHECK(strstr(res.evidence, "failed nested-spinlock depth=2 [") != NULL);
	CHECK(strstr(res.evidence, "]: failed run, ignored\n") != NULL);
	CHECK(strstr(res.evidence, "]: 3.00 write_cr8 exits/iteration (l61 3, unfixed 1)") != NULL);
	CHECK_STR(res.reason, "runs disagree: 1 look fixed, 1 unfixed");
	for (size_t i = 0; i < 8; i++)
		metric_set_free(&m[i]);
	store_run_list_free(&l);
}

static void test_store(void)
{
	json_t *recs[] = { ns2("fixed", true), ns2("unfixed", false), failed_record(),
			   ns2("vfail", true) };
	size_t nrec = sizeof(recs) / sizeof(recs[0]);
	char *db, err[512];
	struct store *s;
	struct run_filter f;
	struct run_list l;
	int before;

	/* complete, but its own check failed: a failed run with metrics */
	json_object_set_new(recs[3], "verdict", json_pack("{s:s, s:s}", "status", "fail", "reason", "x"));
	if (asprintf(&db, "%s/irqlbench.db", tmpdir) < 0)
		abort();
	s = store_open(db, true, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		goto out;
	for (size_t i = 0; i < nrec; i++)
		import(s, recs[i]);
	for (size_t i = 0; i < nrec; i++)
		check_stored(s, recs[i]);
	CHECK_EQ_U64(count(s, "SELECT count(*) FROM run_metrics WHERE run_id = 'failed'"), 0);
	CHECK(count(s, "SELECT count(*) FROM run_metrics WHERE run_id = 'vfail'") > 10);
	/* the failed runs are no results: a selection leaves them out */
	filter_init(&f);
	CHECK(store_select(s, &f, &l, err, sizeof(err)) == 0);
	CHECK_EQ_U64(l.n, 2);
	store_run_list_free(&l);
	test_verify(s);
	/* a store of schema 2 had none: the migration computes them */
	before = count(s, "SELECT count(*) FROM run_metrics");
	CHECK(sqlite3_exec(s->db, "DROP TABLE run_metrics; UPDATE schema_version SET version = 2",
			   NULL, NULL, NULL) == SQLITE_OK);
	store_close(s);
	s = store_open(db, false, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		goto out;
	CHECK_EQ_U64(store_file_version(s), STORE_SCHEMA_VERSION);
	CHECK_EQ_U64(count(s, "SELECT count(*) FROM run_metrics"), before);
	for (size_t i = 0; i < nrec; i++)
		check_stored(s, recs[i]);
	/* a deleted run takes its metrics along */
	CHECK(filter_parse(&f, "id=unfixed", err, sizeof(err)) == 0);
	CHECK(store_delete(s, &f, &l, err, sizeof(err)) == 0);
	CHECK_EQ_U64(l.n, 1);
	store_run_list_free(&l);
	CHECK_EQ_U64(count(s, "SELECT count(*) FROM run_metrics WHERE run_id = 'unfixed'"), 0);
	filter_free(&f);
	store_close(s);
out:
	free(db);
	for (size_t i = 0; i < nrec; i++)
		json_decref(recs[i]);
}

/* A model run's cost source in words: the run, then each --cost by key. */
static void test_cost_source(void)
{
	static const struct {
		const char *model, *want;
	} cases[] = {
		{ "null", "default costs" },
		{ "{\"costs_from\": null}", "default costs" },
		{ "{\"costs_from\": null, \"cost_overrides\": {}}", "default costs" },
		{ "{\"costs_from\": {\"run\": \"R1\"}, \"cost_overrides\": {}}", "costs from run R1" },
		{ "{\"costs_from\": {\"run\": \"R1\"}, \"cost_overrides\": {\"exit_io\": 9, \"exit_cr8\": 777}}",
		  "costs from run R1, --cost exit_cr8=777, --cost exit_io=9" },
		{ "{\"costs_from\": null, \"cost_overrides\": {\"exit_cr8\": 777, \"exit_io\": 9}}",
		  "default costs, --cost exit_cr8=777, --cost exit_io=9" },
	};
	char buf[256];
	json_t *m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = json_loads(cases[i].model, JSON_DECODE_ANY, NULL);
		check_case("%s", cases[i].model);
		metrics_cost_source(m, buf, sizeof(buf));
		CHECK_STR(buf, cases[i].want);
		json_decref(m);
	}
	check_case(NULL);
	/* too long for the buffer: cut, never overrun */
	m = json_pack("{s:{s:s}, s:{s:i}}", "costs_from", "run", "R1", "cost_overrides", "exit_io", 9);
	metrics_cost_source(m, buf, 8);
	CHECK_STR(buf, "costs f");
	json_decref(m);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("SKIP: cannot create a temporary directory\n");
		return 77;
	}
	test_fixed_unfixed();
	test_vcpus();
	test_exit_times();
	test_backends();
	test_cost_source();
	test_store();
	util_rm_rf(tmpdir);
	return check_done("test_metrics");
}
