// SPDX-License-Identifier: MIT
/*
 * test_compare.c - the Mann-Whitney U test against textbook values and a
 * brute-force permutation test, and the comparison rows, output and
 * --fail-on gates on synthetic samples with known answers.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "compare/compare.h"
#include "compare/mwu.h"
#include "suite_check.h"

#define CHECK_NEAR(a, b, tol) do {					\
	double _a = (a), _b = (b);					\
	check_n++;							\
	if (!(fabs(_a - _b) <= (tol))) {				\
		check_failed++;						\
		printf("%s:%d: FAILED: %s ~= %s (%.12g != %.12g)\n",	\
		       __FILE__, __LINE__, #a, #b, _a, _b);		\
	}								\
} while (0)

/*
 * Independent reference: enumerate every way to split the pooled sample,
 * compute U directly by pair counting, and count splits at least as far
 * from nx*ny/2 as the observed one.
 */
static double u_pairs(const double *x, size_t nx, const double *y, size_t ny)
{
	double u = 0;

	for (size_t i = 0; i < nx; i++)
		for (size_t j = 0; j < ny; j++)
			u += x[i] > y[j] ? 1 : x[i] == y[j] ? 0.5 : 0;
	return u;
}

static double brute_p(const double *x, size_t nx, const double *y, size_t ny)
{
	size_t n = nx + ny;
	double pool[24], a[24], b[24], mu = (double)nx * (double)ny / 2;
	double dev = fabs(u_pairs(x, nx, y, ny) - mu), hit = 0, total = 0;

	memcpy(pool, x, nx * sizeof(double));
	memcpy(pool + nx, y, ny * sizeof(double));
	for (unsigned long m = 0; m < (1ul << n); m++) {
		size_t ka = 0, kb = 0;

		if ((size_t)__builtin_popcountl(m) != nx)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (m & (1ul << i))
				a[ka++] = pool[i];
			else
				b[kb++] = pool[i];
		}
		total++;
		if (fabs(u_pairs(a, nx, b, ny) - mu) >= dev - 1e-9)
			hit++;
	}
	return hit / total;
}

static void test_textbook(void)
{
	/* scipy.stats.mannwhitneyu documentation: males vs females */
	double males[] = { 19, 22, 16, 29, 24 }, females[] = { 20, 11, 17, 12 };
	double lo[] = { 1, 2, 3, 4, 5 }, hi[] = { 6, 7, 8, 9, 10 };
	double a4[] = { 1, 2, 3, 5 }, b4[] = { 4, 6, 7, 8 };
	struct mwu_result r;

	CHECK(mwu_test(males, 5, females, 4, &r) == 0);
	CHECK_NEAR(r.u, 17, 0);
	CHECK(r.exact);
	CHECK_NEAR(r.p, 0.1111111111111111, 1e-12);		/* method="exact" */
	CHECK_NEAR(mwu_p_normal(17, 5, 4, 0), 0.11134688653314041, 1e-12);	/* "asymptotic" */
	/* complete separation, 5 + 5: 2 of C(10,5) = 252 splits */
	mwu_test(lo, 5, hi, 5, &r);
	CHECK_NEAR(r.u, 0, 0);
	CHECK_NEAR(r.p, 2.0 / 252, 1e-12);
	mwu_test(hi, 5, lo, 5, &r);
	CHECK_NEAR(r.u, 25, 0);
	CHECK_NEAR(r.p, 2.0 / 252, 1e-12);
	/* 3 + 3 separated: 2 of 20; the smallest p a 3-run comparison can give */
	mwu_test(lo, 3, hi, 3, &r);
	CHECK_NEAR(r.p, 0.1, 1e-12);
	/* 4 + 4 with U = 1: P(U <= 1) = 2/70, two-sided 4/70 */
	mwu_test(a4, 4, b4, 4, &r);
	CHECK_NEAR(r.u, 1, 0);
	CHECK_NEAR(r.p, 4.0 / 70, 1e-12);
	/* 5 + 5 with U = 1 and U = 2, counted by hand: the 5-subsets of
	 * ranks 1..10 with rank sum 15, 16, 17 are 1, 1 and 2 of 252, so
	 * P(U <= 1) = 2/252 and P(U <= 2) = 4/252, doubled (R's
	 * wilcox.test(c(1,2,3,4,6), c(5,7,8,9,10))$p.value = 0.01587302) */
	{
		double u1[] = { 1, 2, 3, 4, 6 }, v1[] = { 5, 7, 8, 9, 10 };
		double u2[] = { 1, 2, 3, 5, 6 }, v2[] = { 4, 7, 8, 9, 10 };
		double s6[] = { 1, 2, 3, 4, 5, 6 }, t6[] = { 7, 8, 9, 10, 11, 12 };

		mwu_test(u1, 5, v1, 5, &r);
		CHECK_NEAR(r.u, 1, 0);
		CHECK_NEAR(r.p, 4.0 / 252, 1e-12);
		CHECK_NEAR(r.p, 0.01587302, 5e-9);
		mwu_test(u2, 5, v2, 5, &r);
		CHECK_NEAR(r.u, 2, 0);
		CHECK_NEAR(r.p, 8.0 / 252, 1e-12);
		/* 6 + 6 separated: 2 of C(12,6) = 924 (R: 0.002165) */
		mwu_test(s6, 6, t6, 6, &r);
		CHECK_NEAR(r.p, 2.0 / 924, 1e-12);
	}
	/* one run each: never significant */
	mwu_test(lo, 1, hi, 1, &r);
	CHECK_NEAR(r.p, 1, 1e-12);
	CHECK(mwu_test(lo, 0, hi, 1, &r) == -1 && isnan(r.p));
}

static void test_ties(void)
{
	double x[] = { 1, 2, 2, 3, 3, 5 }, y[] = { 2, 3, 4, 4, 5, 6, 6 };
	double c1[] = { 7, 7, 7 }, c2[] = { 7, 7, 7, 7 };
	double u[] = { 1, 1, 1, 1, 2 }, v[] = { 2, 2, 2, 2, 3 };
	struct mwu_result r;

	mwu_test(x, 6, y, 7, &r);
	CHECK(r.exact);
	CHECK_NEAR(r.u, u_pairs(x, 6, y, 7), 1e-12);
	CHECK_NEAR(r.p, brute_p(x, 6, y, 7), 1e-12);
	mwu_test(u, 5, v, 5, &r);
	CHECK_NEAR(r.p, brute_p(u, 5, v, 5), 1e-12);
	/* every value tied: no evidence at all */
	mwu_test(c1, 3, c2, 4, &r);
	CHECK_NEAR(r.p, 1, 1e-12);
	CHECK_NEAR(mwu_p_normal(6, 3, 4, 7 * 7 * 7 - 7), 1, 1e-12);
	/* tie-corrected normal: 10 + 10, U = 20, two triples tied:
	 * var = 100/12 * (21 - 48/380), z = 29.5 / sqrt(var) */
	CHECK_NEAR(mwu_p_normal(20, 10, 10, 48),
		   erfc(29.5 / sqrt(100.0 / 12 * (21 - 48.0 / 380)) / sqrt(2.0)), 1e-15);
	CHECK_NEAR(mwu_p_normal(20, 10, 10, 48), 0.02530, 5e-5);
}

static void test_large(void)
{
	double a[40], b[40], c[40];
	struct mwu_result r;

	for (int i = 0; i < 40; i++) {
		a[i] = i;
		b[i] = 100 + i;
		c[i] = i + 0.5;
	}
	mwu_test(a, 40, b, 40, &r);
	CHECK(!r.exact);
	CHECK_NEAR(r.u, 0, 0);
	CHECK(r.p < 1e-12);
	/* interleaved: no shift */
	mwu_test(a, 40, c, 40, &r);
	CHECK(r.p > 0.5);
}

static char *print_to_string(const struct cmp_table *t, const char *fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	compare_print(f, t, fmt);
	fclose(f);
	return buf;
}

static void test_rows_and_output(void)
{
	double base[] = { 100, 101, 99, 102, 98 }, shifted[] = { 120, 121, 119, 118, 122 };
	struct cmp_row rows[3];
	struct cmp_table t = { .name_a = "policy=prefix", .name_b = "policy=fixed",
			       .runs_a = 5, .runs_b = 5, .v = rows, .n = 3 };
	char *out;

	/* a clear shift: significant, +20% */
	compare_row(&rows[0], CMP_LATENCY, base, 5, shifted, 5, NAN, NAN);
	snprintf(rows[0].metric, sizeof(rows[0].metric), "dpc_queue_to_run.p50");
	CHECK_NEAR(rows[0].change_pct, 20, 1e-9);
	CHECK(rows[0].significant);
	CHECK_NEAR(rows[0].p, 2.0 / 252, 1e-12);
	CHECK_NEAR(rows[0].sd_a, sqrt(2.5), 1e-12);
	/* identical distributions: not significant */
	compare_row(&rows[1], CMP_LATENCY, base, 5, base, 5, NAN, NAN);
	snprintf(rows[1].metric, sizeof(rows[1].metric), "irq_latency.p99");
	CHECK(!rows[1].significant);
	CHECK_NEAR(rows[1].p, 1, 1e-12);
	CHECK_NEAR(rows[1].change_pct, 0, 0);
	CHECK(!rows[1].constant);
	/* one value a side, 5 copies each (a model's --runs 5): MWU would say
	 * p = 2/252 of copies; no test, the change as it is */
	{
		double c5[] = { 5, 5, 5, 5, 5 }, c7[] = { 7, 7, 7, 7, 7 };
		struct cmp_row r;

		compare_row(&r, CMP_LATENCY, c5, 5, c7, 5, NAN, NAN);
		CHECK(r.constant && !r.tested && r.significant && isnan(r.p));
		CHECK_NEAR(r.change_pct, 40, 1e-9);
		compare_row(&r, CMP_LATENCY, c5, 2, c5, 5, NAN, NAN);
		CHECK(r.constant && !r.tested && !r.significant);
		/* one run a side shows no spread: too few runs, not constant */
		compare_row(&r, CMP_LATENCY, c5, 1, c7, 1, NAN, NAN);
		CHECK(!r.constant && !r.tested && !r.significant);
		/* one side varies: the test as before */
		compare_row(&r, CMP_LATENCY, c5, 5, shifted, 5, NAN, NAN);
		CHECK(!r.constant && r.tested);
	}
	/* from zero */
	{
		double z[] = { 0, 0, 0, 0, 0 }, one[] = { 1, 1, 1, 1, 1 };

		compare_row(&rows[2], CMP_EXACT, z, 5, one, 5, 0, 1);
		snprintf(rows[2].metric, sizeof(rows[2].metric), "exit.vintr/iter");
		CHECK(isinf(rows[2].change_pct) && rows[2].change_pct > 0);
		CHECK(rows[2].significant);
	}

	out = print_to_string(&t, "text");
	CHECK(strstr(out, "base-mean") && strstr(out, "%change") && strstr(out, "new-mean"));
	CHECK(strstr(out, "+20.0%  ") != NULL);
	CHECK(strstr(out, "(p=0.00794, n=5+5)") != NULL);
	CHECK(strstr(out, "~ (+0.0%)") != NULL);		/* the identical pair */
	CHECK(strstr(out, "± 1%") != NULL || strstr(out, "±  2%") != NULL);
	CHECK(strstr(out, "+inf%") != NULL);
	CHECK(strstr(out, "exit.vintr/iter  (exact, expected 0 and 1, n=5+5)") != NULL);
	free(out);
	out = print_to_string(&t, "markdown");
	CHECK(strstr(out, "| base mean |") && strstr(out, "`dpc_queue_to_run.p50`"));
	CHECK(strstr(out, "| exact, expected 0 and 1 | 5+5 | `exit.vintr/iter` |") != NULL);
	free(out);
	out = print_to_string(&t, "csv");
	CHECK(strstr(out, "metric,kind,base_n,base_mean") &&
	      strstr(out, "\ndpc_queue_to_run.p50,latency,5,100,"));
	CHECK(strstr(out, "\nirq_latency.p99,latency,5,100,") && strstr(out, ",1,0,,,\"\",\"\",\"\",\"\",\n"));
	CHECK(strstr(out, "\nexit.vintr/iter,exact,5,0,0,5,1,0,inf,,1,0,1,") != NULL);
	free(out);
	out = print_to_string(&t, "json");
	{
		json_t *j = json_loads(out, 0, NULL), *rs, *r0, *r2;

		CHECK(j != NULL);
		rs = json_object_get(json_array_get(json_object_get(j, "tables"), 0), "rows");
		r0 = json_array_get(rs, 0);
		r2 = json_array_get(rs, 2);
		CHECK(json_is_true(json_object_get(r0, "significant")));
		CHECK_STR(json_string_value(json_object_get(r0, "kind")), "latency");
		CHECK_NEAR(json_number_value(json_object_get(r0, "change_pct")), 20, 1e-9);
		CHECK_STR(json_string_value(json_object_get(r2, "change_pct")), "+inf");
		CHECK_STR(json_string_value(json_object_get(r2, "kind")), "exact");
		CHECK(json_is_null(json_object_get(r2, "p")));
		CHECK_NEAR(json_number_value(json_object_get(r2, "new_expected")), 1, 0);
		json_decref(j);
	}
	free(out);
	CHECK(compare_print(stdout, &t, "yaml") == -1);

	/* gates */
	{
		struct cmp_gate g;
		char err[256];

		CHECK(compare_gate_parse("dpc_queue_to_run.p50>10", &g, err, sizeof(err)) == 0);
		CHECK_STR(g.metric, "dpc_queue_to_run.p50");
		CHECK(g.op == '>' && g.pct == 10);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 1);	/* +20% > 10%, significant */
		CHECK(compare_gate_parse("dpc_queue_to_run.p50>25%", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 0);
		CHECK(compare_gate_parse("dpc_queue_to_run.p50<-5", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 0);
		/* not significant never fails, whatever the threshold */
		CHECK(compare_gate_parse("irq_latency.p99>-1", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 0);
		CHECK(compare_gate_parse("*>10", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 2);	/* the p50 and the exact vintr */
		CHECK(compare_gate_parse("nothing>1", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), (uint64_t)-1);
		CHECK(compare_gate_parse("no-operator", &g, err, sizeof(err)) == -1);
		CHECK(compare_gate_parse(">5", &g, err, sizeof(err)) == -1);
		CHECK(compare_gate_parse("m>abc", &g, err, sizeof(err)) == -1);
		CHECK(strstr(err, "not a percentage") != NULL);
		/* strtod reads these; a gate at nan or inf never trips, 0x10 is not 10 */
		CHECK(compare_gate_parse("m>nan", &g, err, sizeof(err)) == -1);
		CHECK(compare_gate_parse("m>-nan", &g, err, sizeof(err)) == -1);
		CHECK(compare_gate_parse("m>inf", &g, err, sizeof(err)) == -1);
		CHECK(compare_gate_parse("m>1e400", &g, err, sizeof(err)) == -1);
		CHECK(compare_gate_parse("m>0x10", &g, err, sizeof(err)) == -1);
		CHECK(strstr(err, "'0x10' is not a percentage") != NULL);
		CHECK(compare_gate_parse("m>2.5%", &g, err, sizeof(err)) == 0 && g.pct == 2.5);
	}
}

/*
 * Deterministic counts: the case, the model 3 times against the
 * lab once, write_cr8 1 -> 3 per iteration.  The U test could never call
 * it (smallest p 0.1 at 3+3, 1 at 3+1); compared exactly it is a change,
 * against the expected values, and a gate fails on it.
 */
static void test_exact(void)
{
	double three[] = { 3, 3, 3 }, one[] = { 1 }, two[] = { 2, 2 }, mixed[] = { 3, 3, 4 };
	struct cmp_row rows[4];
	struct cmp_table t = { .name_a = "variant=unfixed", .name_b = "policy=l61", .runs_a = 1,
			       .runs_b = 3, .v = rows, .n = 4 };
	struct cmp_gate g;
	char err[256], *out;

	compare_row(&rows[0], CMP_EXACT, one, 1, three, 3, 1, 3);
	snprintf(rows[0].metric, sizeof(rows[0].metric), "exit.write_cr8/iter");
	CHECK(rows[0].significant && !rows[0].tested && isnan(rows[0].p));
	CHECK_NEAR(rows[0].change_pct, 200, 1e-9);
	/* equal: no change, whatever the run counts */
	compare_row(&rows[1], CMP_EXACT, two, 2, two, 1, 2, 2);
	snprintf(rows[1].metric, sizeof(rows[1].metric), "cr8_same/iter");
	CHECK(!rows[1].significant);
	/* as expected on one side, not on the other */
	compare_row(&rows[2], CMP_EXACT, one, 1, two, 2, 1, 3);
	snprintf(rows[2].metric, sizeof(rows[2].metric), "exit.write_cr8");
	/* a mean's rounding is no change: (0.1 + 0.1 + 0.1) / 3 != 0.1 */
	{
		double tenth3[] = { 0.1, 0.1, 0.1 }, tenth[] = { 0.1 };
		struct cmp_row r;

		compare_row(&r, CMP_EXACT, tenth3, 3, tenth, 1, 0.1, 0.1);
		CHECK(!r.significant);
	}
	/* a deterministic count that varies within a side is a finding too */
	compare_row(&rows[3], CMP_EXACT, three, 3, mixed, 3, NAN, NAN);
	snprintf(rows[3].metric, sizeof(rows[3].metric), "cr8_writes/iter");
	CHECK(rows[3].significant);
	out = print_to_string(&t, "text");
	CHECK(strstr(out, "+200.0%") != NULL && strstr(out, "~") == NULL);
	CHECK(strstr(out, "exit.write_cr8/iter  (exact, expected 1 and 3, n=1+3)") != NULL);
	CHECK(strstr(out, "= ") != NULL);
	CHECK(strstr(out, "cr8_same/iter  (exact, expected 2 and 2, n=2+1)") != NULL);
	CHECK(strstr(out, "(exact, expected 1 and 3, new differs, n=1+2)") != NULL);
	CHECK(strstr(out, "cr8_writes/iter  (exact, new varies, n=3+3)") != NULL);
	free(out);
	CHECK(compare_gate_parse("exit.write_cr8/iter>100", &g, err, sizeof(err)) == 0);
	CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 1);
	CHECK(compare_gate_parse("cr8_same/iter>-1", &g, err, sizeof(err)) == 0);
	CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 0);
}

/* What suites.cfg fixes for nested-spinlock depth 2: the guest's counts
 * under every policy, exits and deliveries by the side's own family. */
static void test_exact_metrics(void)
{
	const struct suite *su = suite_check_suite();
	struct wl_values v;
	struct metric_set l61 = { 0 }, unf = { 0 }, stock = { 0 }, storm = { 0 };
	char err[256];

	CHECK(suite_values_from_cmdline("workload=nested-spinlock depth=2 dpc=1", &v, err, sizeof(err)) == 0);
	compare_exact_metrics(su, &v, kp_policy_find("l61"), &l61);
	compare_exact_metrics(su, &v, kp_policy_find("unfixed"), &unf);
	compare_exact_metrics(su, &v, KP_NPOLICY, &stock);
	CHECK_NEAR(metric_get(&l61, "exit.write_cr8/iter"), 3, 0);
	CHECK_NEAR(metric_get(&unf, "exit.write_cr8/iter"), 1, 0);
	CHECK_NEAR(metric_get(&l61, "delivery.late/iter"), 0, 0);
	CHECK_NEAR(metric_get(&unf, "delivery.late/iter"), 1, 0);
	CHECK_NEAR(metric_get(&unf, "delivery.immediate_pct"), 0, 0);
	CHECK_NEAR(metric_get(&l61, "cr8_same/iter"), 2, 0);
	CHECK_NEAR(metric_get(&l61, "cr8_writes/iter"), 6, 0);
	/* a total is exact, its value depends on the iterations */
	CHECK(metric_has(&l61, "exit.write_cr8") && isnan(metric_get(&l61, "exit.write_cr8")));
	/* nothing known of a stock kernel's family: exact, no expected value;
	 * the guest's own counts still expected */
	CHECK(metric_has(&stock, "exit.write_cr8/iter") && isnan(metric_get(&stock, "exit.write_cr8/iter")));
	CHECK_NEAR(metric_get(&stock, "cr8_raise/iter"), 2, 0);
	CHECK(compare_kind("exit.write_cr8/iter", &stock) == CMP_EXACT);
	CHECK(compare_kind("exit.interrupt/iter", &stock) == CMP_COUNT);
	CHECK(compare_kind("dpc_queue_to_run.p99", &stock) == CMP_LATENCY);
	/* exit handling times: their percentiles and mean are latencies, their sums counts */
	CHECK(compare_kind("exit_ns.write_cr8.p50", &stock) == CMP_LATENCY);
	CHECK(compare_kind("exit_ns.write_cr8.mean", &stock) == CMP_LATENCY);
	CHECK(compare_kind("exit_ns.write_cr8.total/iter", &stock) == CMP_COUNT);
	CHECK(compare_kind("counters.mean", &stock) == CMP_COUNT);
	CHECK(compare_kind("delivery.late_max_cycles", &stock) == CMP_COUNT);
	/* a workload the file gives no expectation for: nothing is exact */
	CHECK(suite_values_from_cmdline("workload=dpc-storm", &v, err, sizeof(err)) == 0);
	compare_exact_metrics(su, &v, kp_policy_find("l61"), &storm);
	CHECK_EQ_U64(storm.n, 0);
	metric_set_free(&l61);
	metric_set_free(&unf);
	metric_set_free(&stock);
	metric_set_free(&storm);
}

/* Latencies with fewer than 5 runs a side: no test, "too few runs". */
static void test_too_few(void)
{
	double a[] = { 100, 101, 99 }, b[] = { 200, 201, 199, 202 };
	struct cmp_row r;
	struct cmp_table t = { .name_a = "a", .name_b = "b", .runs_a = 3, .runs_b = 4, .v = &r, .n = 1 };
	struct cmp_gate g;
	char err[64], *out;

	compare_row(&r, CMP_LATENCY, a, 3, b, 4, NAN, NAN);
	snprintf(r.metric, sizeof(r.metric), "irq_latency.p50");
	CHECK(!r.tested && !r.significant && isnan(r.p));
	out = print_to_string(&t, "text");
	CHECK(strstr(out, "too few runs (+100.5%)") != NULL);
	CHECK(strstr(out, "~") == NULL);
	free(out);
	CHECK(compare_gate_parse("irq_latency.p50>10", &g, err, sizeof(err)) == 0);
	CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 0);
	/* a count no file fixes: the change, no test */
	compare_row(&r, CMP_COUNT, a, 3, b, 4, NAN, NAN);
	CHECK(!r.tested && !r.significant);
	out = print_to_string(&t, "text");
	CHECK(strstr(out, "(+100.5%)") != NULL && strstr(out, "no test") != NULL);
	free(out);
}

/* A synthetic run of the store (the fields compare_plan reads). */
static struct run_info run(const char *id, const char *backend, const char *policy,
			   const char *variant, const char *workload, const char *params)
{
	return (struct run_info){ .id = (char *)id, .backend = (char *)backend,
				  .policy = (char *)policy, .variant = (char *)variant,
				  .workload = (char *)workload, .params = (char *)params };
}

/* Sides that mix workloads or parameter values are split by tuple, never
 * pooled; a side of several series, or sides without a tuple in common,
 * refused. */
static void test_plan(void)
{
	struct run_info pre[] = {
		run("p1", "model", "prefix", NULL, "nested-spinlock", "{\"depth\":2,\"iterations\":100}"),
		run("p2", "model", "prefix", NULL, "nested-spinlock", "{\"depth\":4,\"iterations\":100}"),
		run("p3", "model", "prefix", NULL, "seed-table", "{}"),
		run("p4", "model", "prefix", NULL, "nested-spinlock", "{\"depth\":2,\"iterations\":500}"),
	};
	struct run_info fix[] = {
		run("f1", "model", "fixed", NULL, "nested-spinlock", "{\"depth\":4}"),
		run("f2", "model", "fixed", NULL, "nested-spinlock", "{\"depth\":2}"),
		run("f3", "model", "fixed", NULL, "masked-clock", "{}"),
	};
	struct run_info mix[] = {
		run("m1", "model", "fixed", NULL, "nested-spinlock", "{\"depth\":2}"),
		run("m2", "model", "l61", NULL, "nested-spinlock", "{\"depth\":2}"),
	};
	struct run_info d8[] = { run("d8", "model", "fixed", NULL, "nested-spinlock", "{\"depth\":8}") };
	struct run_list a = { .v = pre, .n = 4 }, b = { .v = fix, .n = 3 }, m = { .v = mix, .n = 2 };
	struct run_list one_a = { .v = pre, .n = 1 }, one_b = { .v = d8, .n = 1 };
	struct cmp_plan p;
	char err[1024];

	CHECK(compare_plan(&a, &b, &p, err, sizeof(err)) == 0);
	CHECK_EQ_U64(p.na, 3);		/* depth 2 (the iterations do not split it), depth 4, seed-table */
	CHECK_EQ_U64(p.nb, 3);
	CHECK_EQ_U64(p.npairs, 2);
	CHECK_STR(p.a[p.pair[0][0]].tuple, "workload=nested-spinlock depth=2 dpc=1");
	CHECK_STR(p.b[p.pair[0][1]].tuple, "workload=nested-spinlock depth=2 dpc=1");
	CHECK_EQ_U64(p.a[p.pair[0][0]].runs.n, 2);
	CHECK_STR(p.a[p.pair[0][0]].runs.v[1].id, "p4");
	CHECK_STR(p.a[p.pair[1][0]].tuple, "workload=nested-spinlock depth=4 dpc=1");
	CHECK_STR(p.b[p.pair[1][1]].runs.v[0].id, "f1");
	CHECK(p.a[0].policy == kp_policy_find("prefix") && p.b[0].policy == kp_policy_find("fixed"));
	CHECK(strstr(p.note, "base alone has workload=seed-table") != NULL);
	CHECK(strstr(p.note, "new alone has workload=masked-clock") != NULL);
	cmp_plan_free(&p);
	/* one tuple a side: one table, even of two depths */
	CHECK(compare_plan(&one_a, &one_b, &p, err, sizeof(err)) == 0);
	CHECK_EQ_U64(p.npairs, 1);
	CHECK_STR(p.b[0].tuple, "workload=nested-spinlock depth=8 dpc=1");
	cmp_plan_free(&p);
	/* several tuples a side, none in common */
	a.n = 3;
	b.v = d8;
	b.n = 1;
	CHECK(compare_plan(&a, &b, &p, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no parameter tuple in common") && strstr(err, "'workload=nested-spinlock depth=8 dpc=1'"));
	CHECK(strstr(err, "add workload= and the parameters") != NULL);
	CHECK(p.a == NULL && p.npairs == 0);
	/* a side of two series */
	CHECK(compare_plan(&a, &m, &p, err, sizeof(err)) == -1);
	CHECK_STR(err, "compare: new mixes runs of model:fixed and model:l61: add backend=, policy= "
		  "or variant= to its selector so that it is one series");
}

static struct run_info costed(const char *id, const char *policy, const char *params,
			      const char *costs)
{
	struct run_info r = run(id, "model", policy, NULL, "nested-spinlock", params);

	r.costs = (char *)costs;
	return r;
}

/* Model runs whose costs came from different sources are never pooled:
 * each is a group of its own, labelled with its source; a side of several
 * sources pairs each with the other side's of the same source. */
static void test_plan_costs(void)
{
	const char *d2 = "{\"depth\":2}", *d4 = "{\"depth\":4}";
	const char *def = "default costs", *r1 = "costs from run R1", *r2 = "costs from run R2";
	struct run_info l61[] = {
		costed("a1", "l61", d2, def), costed("a2", "l61", d2, r1), costed("a3", "l61", d2, def),
		costed("a4", "l61", d4, def),
	};
	struct run_info unf[] = { costed("b1", "unfixed", d2, r1), costed("b2", "unfixed", d4, r1) };
	struct run_info r2s[] = { costed("c1", "l61", d2, r2) };
	struct run_info lab[] = { run("l1", "lab", NULL, "fixed", "nested-spinlock", d2) };
	struct run_list a = { .v = l61, .n = 3 }, b = { .v = unf, .n = 1 };
	struct cmp_plan p;
	char err[1024];

	/* base: d2 of default costs (a1, a3) and of R1's (a2); new: d2 of R1's */
	CHECK(compare_plan(&a, &b, &p, err, sizeof(err)) == 0);
	CHECK_EQ_U64(p.na, 2);
	CHECK_EQ_U64(p.npairs, 1);
	CHECK_STR(p.a[p.pair[0][0]].runs.v[0].id, "a2");
	CHECK_EQ_U64(p.a[p.pair[0][0]].runs.n, 1);
	CHECK_STR(p.a[p.pair[0][0]].label, "model l61 (costs from run R1)");
	CHECK_STR(p.b[p.pair[0][1]].label, "model unfixed (costs from run R1)");
	CHECK_STR(p.note, "base alone has workload=nested-spinlock depth=2 dpc=1 (default costs)");
	CHECK_EQ_U64(p.a[0].runs.n, 2);		/* a1 and a3 */
	cmp_plan_free(&p);
	/* one group a side: one table, the labels naming both sources */
	a.v = l61 + 1;
	a.n = 1;
	b.v = lab;
	CHECK(compare_plan(&a, &b, &p, err, sizeof(err)) == 0);
	CHECK_EQ_U64(p.npairs, 1);
	CHECK_STR(p.a[0].label, "model l61 (costs from run R1)");
	CHECK_STR(p.b[0].label, "lab fixed");
	CHECK_STR(p.b[0].costs, "");
	cmp_plan_free(&p);
	/* one source a side, several tuples: they pair by tuple */
	a.v = l61 + 2;
	a.n = 2;				/* a3 d2, a4 d4: default costs */
	b.v = unf;
	b.n = 2;				/* b1 d2, b2 d4: R1's */
	CHECK(compare_plan(&a, &b, &p, err, sizeof(err)) == 0);
	CHECK_EQ_U64(p.npairs, 2);
	CHECK_STR(p.note, "");
	cmp_plan_free(&p);
	/* several sources a side and none in common with the other's */
	a.v = l61;
	a.n = 2;				/* a1 default, a2 R1 */
	b.v = r2s;
	b.n = 1;
	CHECK(compare_plan(&a, &b, &p, err, sizeof(err)) == -1);
	CHECK_STR(err, "compare: the sides have no parameter tuple and cost source in common (base: "
		  "'workload=nested-spinlock depth=2 dpc=1' (default costs), 'workload=nested-spinlock "
		  "depth=2 dpc=1' (costs from run R1); new: 'workload=nested-spinlock depth=2 dpc=1' "
		  "(costs from run R2)): add workload= and the parameters (depth=2) to the selectors, "
		  "and select model runs of one cost source (id=, tag=)");
}

/* Latencies in µs: a histogram's cycles by the run's TSC rate, an exit's
 * ns by 1000; counts untouched; the unit after the metric in the tables. */
static void test_units(void)
{
	double a[] = { 1, 2 }, b[] = { 3, 4 };
	struct cmp_row r;
	struct cmp_table t = { .name_a = "a", .name_b = "b", .runs_a = 2, .runs_b = 2, .v = &r, .n = 1 };
	char *out;

	CHECK(compare_stored_unit("dpc_unmask_to_entry.p50") == CMP_UNIT_CYCLES);
	CHECK(compare_stored_unit("irq_latency.p99") == CMP_UNIT_CYCLES);
	CHECK(compare_stored_unit("exit_ns.write_cr8.p99") == CMP_UNIT_NS);
	CHECK(compare_stored_unit("exit_ns.write_cr8.mean") == CMP_UNIT_NS);
	CHECK(compare_stored_unit("exit_ns.write_cr8.total/iter") == CMP_UNIT_NONE);
	CHECK(compare_stored_unit("exit.write_cr8/iter") == CMP_UNIT_NONE);
	/* 2994 cycles at 2.994 GHz are 1 µs; 3000 at 1.5 GHz 2 µs */
	CHECK_NEAR(compare_to_us(2994, CMP_UNIT_CYCLES, 2994000000.0), 1, 1e-12);
	CHECK_NEAR(compare_to_us(3000, CMP_UNIT_CYCLES, 1.5e9), 2, 1e-12);
	CHECK(isnan(compare_to_us(3000, CMP_UNIT_CYCLES, NAN)));
	CHECK(isnan(compare_to_us(3000, CMP_UNIT_CYCLES, 0)));
	CHECK_NEAR(compare_to_us(2500, CMP_UNIT_NS, NAN), 2.5, 1e-12);
	CHECK_NEAR(compare_to_us(7, CMP_UNIT_NONE, 1e9), 7, 0);
	CHECK_STR(compare_unit_name(CMP_UNIT_US), "us");
	CHECK_STR(compare_unit_name(CMP_UNIT_NONE), "");
	compare_row(&r, CMP_LATENCY, a, 2, b, 2, NAN, NAN);
	CHECK(r.unit == CMP_UNIT_NONE);		/* compare_runs sets it */
	r.unit = CMP_UNIT_US;
	snprintf(r.metric, sizeof(r.metric), "irq_latency.p50");
	out = print_to_string(&t, "text");
	CHECK(strstr(out, "irq_latency.p50 [µs]  (too few runs, n=2+2)") != NULL);
	free(out);
	out = print_to_string(&t, "csv");
	CHECK(strstr(out, ",new_params,base_label,new_label,unit\n") && strstr(out, "\"\",\"\",\"\",\"\",us\n"));
	free(out);
	out = print_to_string(&t, "markdown");
	CHECK(strstr(out, "`irq_latency.p50` [µs] |") != NULL);
	free(out);
	r.unit = CMP_UNIT_CYCLES;
	out = print_to_string(&t, "json");
	CHECK(strstr(out, "\"unit\": \"cycles\"") != NULL);
	free(out);
}

int main(void)
{
	test_textbook();
	test_ties();
	test_large();
	test_rows_and_output();
	test_exact();
	test_exact_metrics();
	test_too_few();
	test_plan();
	test_plan_costs();
	test_units();
	return check_done("test_compare");
}
