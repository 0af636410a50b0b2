// SPDX-License-Identifier: MIT
/*
 * hist.c - percentiles read off a bucketed histogram (hist.h): the guest's
 * histograms (serial.c) and the host's exit times (host/trace/kvm_fold_json.c).
 */
#include <stdbool.h>
#include <stdio.h>

#include "record/hist.h"

int hist_percentile(const uint64_t *bounds, const uint64_t *counts, unsigned nb,
		    uint64_t n, uint64_t min, uint64_t max, unsigned pct, struct hist_pct *out)
{
	uint64_t rank, seen = 0;

	if (!n || !pct || pct > 100)
		return -1;
	/* ceil(n * pct / 100) without overflowing n * pct */
	rank = n / 100 * pct + (n % 100 * pct + 99) / 100;
	if (!rank)
		rank = 1;
	for (unsigned i = 0; i < nb; i++) {
		seen += counts[i];
		if (seen >= rank) {
			/* the samples are in [min, max]: so is the bucket's part */
			out->lo = i ? bounds[i - 1] + 1 : 0;
			out->hi = bounds[i];
			if (out->lo < min)
				out->lo = min;
			if (out->hi > max)
				out->hi = max;
			if (out->lo > out->hi)	/* min/max disagree with the buckets */
				out->lo = out->hi;
			return 0;
		}
	}
	return -1;
}

/* Sets key (p50) to the percentile's clamped upper bound and key_lo to
 * its lower one; both null when no bound holds it (overflow, or no sample). */
void hist_put_percentile(json_t *o, const char *key, const uint64_t *bounds,
			 const uint64_t *counts, unsigned nb, uint64_t n, uint64_t min,
			 uint64_t max, unsigned pct)
{
	struct hist_pct v;
	char k[16];
	bool ok = !hist_percentile(bounds, counts, nb, n, min, max, pct, &v);

	json_object_set_new(o, key, ok ? json_integer((json_int_t)v.hi) : json_null());
	snprintf(k, sizeof(k), "%s_lo", key);
	json_object_set_new(o, k, ok ? json_integer((json_int_t)v.lo) : json_null());
}
