// SPDX-License-Identifier: MIT
/*
 * mwu.c - two-sided Mann-Whitney U test (see mwu.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare/mwu.h"

struct obs {
	double v;
	int group;	/* 0: x, 1: y */
};

static int obs_cmp(const void *a, const void *b)
{
	double x = ((const struct obs *)a)->v, y = ((const struct obs *)b)->v;

	return (x > y) - (x < y);
}

double mwu_p_normal(double u, size_t nx, size_t ny, double tie_sum)
{
	double n = (double)(nx + ny), mu = (double)nx * (double)ny / 2;
	double var = (double)nx * (double)ny / 12 * ((n + 1) - tie_sum / (n * (n - 1)));
	double d = fabs(u - mu);
	double z;

	if (var <= 0)
		return 1.0;	/* every value tied: no evidence of a shift */
	z = fmax(d - 0.5, 0) / sqrt(var);
	return fmin(1.0, erfc(z / sqrt(2.0)));
}

/*
 * Exact: among all ways to pick nx of the N pooled observations, the share
 * whose (doubled) midrank sum lies at least as far from its mean as the
 * observed one.  dp[k][s] counts the k-subsets with doubled rank sum s.
 */
static double exact_p(const int *rank2, size_t n, size_t nx, long obs)
{
	long smax = (long)(n * (n + 1));
	double *dp = calloc((nx + 1) * (size_t)(smax + 1), sizeof(double));
	double total = 0, tail = 0, mean2 = (double)nx * (double)(n + 1);
	double dev = fabs((double)obs - mean2);

	if (!dp)
		abort();
#define DP(k, s) dp[(size_t)(k) * (size_t)(smax + 1) + (size_t)(s)]
	DP(0, 0) = 1;
	for (size_t i = 0; i < n; i++)
		for (size_t k = (i + 1 < nx ? i + 1 : nx); k >= 1; k--)
			for (long s = smax; s >= rank2[i]; s--)
				DP(k, s) += DP(k - 1, s - rank2[i]);
	for (long s = 0; s <= smax; s++) {
		total += DP(nx, s);
		if (fabs((double)s - mean2) >= dev - 1e-9)
			tail += DP(nx, s);
	}
#undef DP
	free(dp);
	return total > 0 ? fmin(1.0, tail / total) : 1.0;
}

int mwu_test(const double *x, size_t nx, const double *y, size_t ny, struct mwu_result *r)
{
	size_t n = nx + ny;
	struct obs *o;
	int *rank2;
	long r2x = 0;
	double tie_sum = 0;

	r->u = NAN;
	r->p = NAN;
	r->exact = false;
	if (!nx || !ny)
		return -1;
	o = malloc(n * sizeof(*o));
	rank2 = malloc(n * sizeof(*rank2));
	if (!o || !rank2)
		abort();
	for (size_t i = 0; i < nx; i++)
		o[i] = (struct obs){ x[i], 0 };
	for (size_t i = 0; i < ny; i++)
		o[nx + i] = (struct obs){ y[i], 1 };
	qsort(o, n, sizeof(*o), obs_cmp);
	/* Midranks, doubled so that they stay integers: positions i..j-1
	 * (0-based) share the rank ((i+1) + j) / 2. */
	for (size_t i = 0, j; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && o[j].v == o[i].v; j++)
			;
		t = (double)(j - i);
		tie_sum += t * t * t - t;
		for (size_t k = i; k < j; k++) {
			rank2[k] = (int)(i + 1 + j);
			if (o[k].group == 0)
				r2x += rank2[k];
		}
	}
	r->u = (double)r2x / 2 - (double)nx * (double)(nx + 1) / 2;
	if (n <= MWU_EXACT_MAX) {
		r->p = exact_p(rank2, n, nx, r2x);
		r->exact = true;
	} else {
		r->p = mwu_p_normal(r->u, nx, ny, tie_sum);
	}
	free(o);
	free(rank2);
	return 0;
}
