// SPDX-License-Identifier: MIT
/*
 * test_hist.c - the guest's log-linear histogram layout (guestos/include/
 * stats.h: hist_index, hist_bound) and the host's percentiles read off it
 * (hist_percentile in host/record/hist.c, merged_hist_range in
 * host/record/metrics.c).
 *
 * Known sample sets (uniform and log-uniform, from a fixed LCG) are put in
 * buckets the way the guest does; every percentile 1..100 read off the
 * buckets must hold the exact one (the ceil(pct/100 * n)-th smallest
 * sample), lie within the layout's relative error 1/HIST_SUB of it, and
 * never be above the largest sample nor below the smallest.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "stats.h"
#include "record/metrics.h"
#include "record/serial.h"

#define NSAMPLES 20000

static uint64_t lcg_state;

static double lcg_unit(void)		/* [0, 1) */
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(lcg_state >> 11) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_layout(void)
{
	CHECK_EQ_U64(HIST_NBOUNDS, 480);
	CHECK_EQ_U64(hist_index(0), 0);
	CHECK_EQ_U64(hist_index(HIST_SUB - 1), HIST_SUB - 1);
	CHECK_EQ_U64(hist_bound(HIST_NBOUNDS - 1), (1ull << HIST_TOP_BITS) - 1);
	CHECK_EQ_U64(hist_index((1ull << HIST_TOP_BITS) - 1), HIST_NBOUNDS - 1);
	CHECK_EQ_U64(hist_index(1ull << HIST_TOP_BITS), HIST_NBOUNDS);
	CHECK_EQ_U64(hist_index(UINT64_MAX), HIST_NBOUNDS);
	for (unsigned i = 0; i < HIST_NBOUNDS; i++) {
		uint64_t lo = i ? hist_bound(i - 1) + 1 : 0, hi = hist_bound(i);

		check_case("bucket %u [%llu, %llu]", i, (unsigned long long)lo,
			   (unsigned long long)hi);
		CHECK(hi >= lo);
		/* both edges land in the bucket, the next value in the next one */
		CHECK_EQ_U64(hist_index(lo), i);
		CHECK_EQ_U64(hist_index(hi), i);
		CHECK_EQ_U64(hist_index(hi + 1), i + 1);
		/* no wider than 1/HIST_SUB of its lower edge (exact below HIST_SUB) */
		if (i < HIST_SUB)
			CHECK_EQ_U64(hi, lo);
		else
			CHECK((hi - lo + 1) * HIST_SUB <= lo);
	}
	check_case(NULL);
}

/* Checks every percentile of samples[0..n) (sorted) read off its buckets. */
static void check_percentiles(const char *what, uint64_t *samples, unsigned n)
{
	static uint64_t bounds[HIST_NBOUNDS], counts[HIST_NBOUNDS];
	static double dbounds[HIST_NBOUNDS], dcounts[HIST_NBOUNDS];
	uint64_t overflow = 0, min, max;
	struct merged_hist mh = { 0 };

	qsort(samples, n, sizeof(*samples), cmp_u64);
	min = samples[0];
	max = samples[n - 1];
	memset(counts, 0, sizeof(counts));
	for (unsigned i = 0; i < HIST_NBOUNDS; i++)
		bounds[i] = hist_bound(i);
	for (unsigned i = 0; i < n; i++) {
		unsigned b = hist_index(samples[i]);

		if (b == HIST_NBOUNDS)
			overflow++;
		else
			counts[b]++;
	}
	for (unsigned i = 0; i < HIST_NBOUNDS; i++) {
		dbounds[i] = (double)bounds[i];
		dcounts[i] = (double)counts[i];
	}
	CHECK(merged_hist_add(&mh, dbounds, dcounts, HIST_NBOUNDS, (double)overflow, n,
			      (double)min, (double)max) == 1);
	for (unsigned pct = 1; pct <= 100; pct++) {
		uint64_t exact = samples[((uint64_t)n * pct + 99) / 100 - 1];
		struct hist_pct r;
		double lo, hi;

		check_case("%s p%u exact=%llu", what, pct, (unsigned long long)exact);
		CHECK(!hist_percentile(bounds, counts, HIST_NBOUNDS, n, min, max, pct, &r));
		CHECK(r.lo <= exact && exact <= r.hi);
		CHECK(r.hi <= max && r.lo >= min);
		CHECK((double)(r.hi - r.lo) <= (double)exact / HIST_SUB);
		CHECK(!merged_hist_range(&mh, pct / 100.0, &lo, &hi));
		CHECK(lo <= (double)exact && (double)exact <= hi);
		CHECK(hi <= (double)max && lo >= (double)min);
		CHECK(hi - lo <= (double)exact / HIST_SUB);
		CHECK(merged_hist_quantile(&mh, pct / 100.0) == hi);
	}
	check_case(NULL);
	merged_hist_free(&mh);
}

static void test_samples(void)
{
	static uint64_t s[NSAMPLES];

	lcg_state = 1;
	for (unsigned i = 0; i < NSAMPLES; i++)		/* uniform in [1000, 1001000) */
		s[i] = 1000 + (uint64_t)(lcg_unit() * 1e6);
	check_percentiles("uniform", s, NSAMPLES);
	for (unsigned i = 0; i < NSAMPLES; i++)		/* log-uniform in [1, 1e9) */
		s[i] = (uint64_t)exp(lcg_unit() * log(1e9));
	check_percentiles("log-uniform", s, NSAMPLES);
	for (unsigned i = 0; i < NSAMPLES; i++)		/* tight: 9,990,000..9,999,999 */
		s[i] = 9990000 + (uint64_t)(lcg_unit() * 10000);
	check_percentiles("tight", s, NSAMPLES);
	s[0] = 4242;
	check_percentiles("one sample", s, 1);
}

/* The case with the old 1-2-5 bounds: every sample in the bucket
 * (5e6, 1e7] with max 9.99e6; p50 was 1e7, above the max. */
static void test_old_bounds_clamped(void)
{
	const uint64_t b[4] = { 1000000, 2000000, 5000000, 10000000 };
	const uint64_t c[4] = { 0, 0, 0, 100 };
	const double db[4] = { 1e6, 2e6, 5e6, 1e7 }, dc[4] = { 0, 0, 0, 100 };
	struct merged_hist mh = { 0 };
	struct hist_pct r;
	double lo, hi;

	CHECK(!hist_percentile(b, c, 4, 100, 6000000, 9990000, 50, &r));
	CHECK_EQ_U64(r.hi, 9990000);
	CHECK_EQ_U64(r.lo, 6000000);
	CHECK(merged_hist_add(&mh, db, dc, 4, 0, 100, 6e6, 9.99e6) == 1);
	CHECK(!merged_hist_range(&mh, 0.5, &lo, &hi));
	CHECK(hi == 9.99e6 && lo == 6e6);
	CHECK(merged_hist_quantile(&mh, 0.99) == 9.99e6);
	merged_hist_free(&mh);
	/* the overflow: the range is above the last bound, up to max */
	CHECK(merged_hist_add(&mh, db, (const double[]){ 0, 0, 0, 0 }, 4, 10, 10, 2e7, 3e7) == 1);
	CHECK(merged_hist_range(&mh, 0.5, &lo, &hi) == 1);
	CHECK(lo == 2e7 && hi == 3e7);
	merged_hist_free(&mh);
	CHECK(merged_hist_range(&mh, 0.5, &lo, &hi) == -1);
}

int main(void)
{
	test_layout();
	test_samples();
	test_old_bounds_clamped();
	return check_done("test_hist");
}
