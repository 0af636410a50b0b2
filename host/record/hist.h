/* SPDX-License-Identifier: MIT */
/*
 * hist.h - percentiles of a bucketed histogram (the guest's log-linear
 * layout, guestos/include/stats.h, or the older 1-2-5 one), as the record
 * gives them: the bucket's range, clamped to the samples' [min, max].
 */
#ifndef IRQLBENCH_HIST_H
#define IRQLBENCH_HIST_H

#include <stdint.h>
#include <jansson.h>

/* Where a percentile lies, in the histogram's unit (cycles, ns): lo <= the exact value <= hi. */
struct hist_pct {
	uint64_t lo, hi;
};

/*
 * The pct-th percentile (1..100) of a bucketed histogram whose samples lie
 * in [min, max]: the bucket holding the ceil(pct/100 * n)-th smallest
 * value, as the range [lo, hi] it covers, clamped to [min, max] (so hi is
 * never above max).  bounds are the buckets' inclusive upper bounds, the
 * first bucket starting at 0.  Returns 0, or -1 when n is 0, pct is not in
 * 1..100 or that value lies in the overflow bucket (above the last bound:
 * no bound describes it; "max" is exact).
 */
int hist_percentile(const uint64_t *bounds, const uint64_t *counts, unsigned nb,
		    uint64_t n, uint64_t min, uint64_t max, unsigned pct, struct hist_pct *out);


/* Sets key (e.g. "p50") of o to the pct-th percentile's clamped upper bound
 * and key_lo to its lower one; both null when no bound holds it (overflow,
 * or no sample). */
void hist_put_percentile(json_t *o, const char *key, const uint64_t *bounds,
			 const uint64_t *counts, unsigned nb, uint64_t n, uint64_t min,
			 uint64_t max, unsigned pct);

#endif
