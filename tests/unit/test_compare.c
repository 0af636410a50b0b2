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
	compare_row(&rows[0], base, 5, shifted, 5);
	snprintf(rows[0].metric, sizeof(rows[0].metric), "exit.write_cr8/iter");
	CHECK_NEAR(rows[0].change_pct, 20, 1e-9);
	CHECK(rows[0].significant);
	CHECK_NEAR(rows[0].p, 2.0 / 252, 1e-12);
	CHECK_NEAR(rows[0].sd_a, sqrt(2.5), 1e-12);
	/* identical distributions: not significant */
	compare_row(&rows[1], base, 5, base, 5);
	snprintf(rows[1].metric, sizeof(rows[1].metric), "cr8_writes/iter");
	CHECK(!rows[1].significant);
	CHECK_NEAR(rows[1].p, 1, 1e-12);
	CHECK_NEAR(rows[1].change_pct, 0, 0);
	/* from zero */
	{
		double z[] = { 0, 0, 0, 0, 0 }, one[] = { 1, 1, 1, 1, 1 };

		compare_row(&rows[2], z, 5, one, 5);
		snprintf(rows[2].metric, sizeof(rows[2].metric), "exit.vintr/iter");
		CHECK(isinf(rows[2].change_pct) && rows[2].change_pct > 0);
		CHECK(rows[2].significant);
	}

	out = print_to_string(&t, "text");
	CHECK(strstr(out, "base-mean") && strstr(out, "%change") && strstr(out, "new-mean"));
	CHECK(strstr(out, "+20.0%  ") != NULL);
	CHECK(strstr(out, "~ (+0.0%)") != NULL);		/* the identical pair */
	CHECK(strstr(out, "± 1%") != NULL || strstr(out, "±  2%") != NULL);
	CHECK(strstr(out, "+inf%") != NULL);
	free(out);
	out = print_to_string(&t, "markdown");
	CHECK(strstr(out, "| base mean |") && strstr(out, "`exit.write_cr8/iter`"));
	free(out);
	out = print_to_string(&t, "csv");
	CHECK(strstr(out, "metric,base_n,base_mean") && strstr(out, "\nexit.write_cr8/iter,5,100,"));
	CHECK(strstr(out, "cr8_writes/iter,5,100,") && strstr(out, ",1,0\n"));
	free(out);
	out = print_to_string(&t, "json");
	{
		json_t *j = json_loads(out, 0, NULL), *r0;

		CHECK(j != NULL);
		r0 = json_array_get(json_object_get(j, "rows"), 0);
		CHECK(json_is_true(json_object_get(r0, "significant")));
		CHECK_NEAR(json_number_value(json_object_get(r0, "change_pct")), 20, 1e-9);
		CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "rows"), 2),
							     "change_pct")), "+inf");
		json_decref(j);
	}
	free(out);
	CHECK(compare_print(stdout, &t, "yaml") == -1);

	/* gates */
	{
		struct cmp_gate g;
		char err[256];

		CHECK(compare_gate_parse("exit.write_cr8/iter>10", &g, err, sizeof(err)) == 0);
		CHECK_STR(g.metric, "exit.write_cr8/iter");
		CHECK(g.op == '>' && g.pct == 10);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 1);	/* +20% > 10%, significant */
		CHECK(compare_gate_parse("exit.write_cr8/iter>25%", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 0);
		CHECK(compare_gate_parse("exit.write_cr8/iter<-5", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 0);
		/* not significant never fails, whatever the threshold */
		CHECK(compare_gate_parse("cr8_writes/iter>-1", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 0);
		CHECK(compare_gate_parse("exit.*>10", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), 2);	/* write_cr8 and vintr */
		CHECK(compare_gate_parse("nothing>1", &g, err, sizeof(err)) == 0);
		CHECK_EQ_U64(compare_gate_check(&t, &g, NULL), (uint64_t)-1);
		CHECK(compare_gate_parse("no-operator", &g, err, sizeof(err)) == -1);
		CHECK(compare_gate_parse(">5", &g, err, sizeof(err)) == -1);
		CHECK(compare_gate_parse("m>abc", &g, err, sizeof(err)) == -1);
		CHECK(strstr(err, "not a percentage") != NULL);
	}
}

int main(void)
{
	test_textbook();
	test_ties();
	test_large();
	test_rows_and_output();
	return check_done("test_compare");
}
