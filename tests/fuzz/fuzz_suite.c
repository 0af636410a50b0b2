// SPDX-License-Identifier: MIT
/*
 * fuzz_suite.c - libFuzzer harness of the suites file (host/suite/suite.c): the
 * parser and the formula evaluator.
 *
 * Build and run: make fuzz-suite FUZZ_SECONDS=60 (clang, ASan+UBSan),
 * seeded with workloads/suites.cfg.  Properties checked besides "no crash,
 * no sanitizer report":
 *   - a refused file gets one non-empty line of error, and no suite;
 *   - an accepted one evaluates every entry under every policy, with no
 *     negative count and no more late deliveries than unmasking writes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[2048];
	struct suite_expect x;
	struct suite *s;

	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	s = suite_parse("fuzz.cfg", text, err, sizeof(err));
	free(text);
	if (!s) {
		if (!err[0] || strchr(err, '\n'))
			abort();
		return 0;
	}
	for (unsigned i = 0; i < s->n; i++)
		for (enum kp_policy p = 0; p < KP_NPOLICY; p++) {
			if (suite_expect_entry(s, &s->e[i], p, &x, err, sizeof(err)))
				abort();	/* suite_parse evaluated them all */
			for (unsigned k = 0; k < STAT_NCOUNTERS; k++)
				if (x.count[k] < -1)
					abort();
			if (x.exits < -1 || x.late < -1 ||
			    (x.late >= 0 && x.count[STAT_cr8_lower_unmask] >= 0 &&
			     x.late > x.count[STAT_cr8_lower_unmask]))
				abort();
		}
	suite_free(s);
	return 0;
}
