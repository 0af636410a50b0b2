/* SPDX-License-Identifier: MIT */
/*
 * mwu.h - the two-sided Mann-Whitney U (Wilcoxon rank-sum) test.
 *
 * Exact when the pooled sample is small (the permutation distribution of
 * the midrank sum, so ties are handled exactly too), otherwise the normal
 * approximation with the tie correction and a continuity correction of 0.5
 * (as R's wilcox.test and scipy's mannwhitneyu).
 */
#ifndef IRQLBENCH_MWU_H
#define IRQLBENCH_MWU_H

#include <stdbool.h>
#include <stddef.h>

/* Pooled sizes up to this use the exact distribution. */
#define MWU_EXACT_MAX 60

struct mwu_result {
	double u;	/* U of the first sample: pairs (x, y) with x > y, ties 1/2 */
	double p;	/* two-sided p-value */
	bool exact;
};

/* 0, or -1 when a sample is empty (p is then NAN). */
int mwu_test(const double *x, size_t nx, const double *y, size_t ny, struct mwu_result *r);
/* The normal approximation alone; tie_sum = sum over tie groups of t^3 - t. */
double mwu_p_normal(double u, size_t nx, size_t ny, double tie_sum);

#endif
