/* SPDX-License-Identifier: MIT */
/*
 * check.h - a minimal harness for the host unit tests.
 *
 * A test program runs its checks and ends with check_done(): it prints
 * "<prog>: N checks, M failed" and exits 0 (all passed) or 1.  A failed
 * check prints file:line, the case it belongs to (check_case(), e.g.
 * "nested-spinlock depth=4 policy=l61"), the expression and, for the typed
 * variants, the two values.  Exit status 77 means SKIP (with a reason on
 * stdout).
 */
#ifndef IRQLBENCH_CHECK_H
#define IRQLBENCH_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>

static unsigned check_n, check_failed;
static char check_case_name[160];

/* Names the case the following checks belong to ("" or NULL: none). */
static inline void __attribute__((format(printf, 1, 2), unused)) check_case(const char *fmt, ...)
{
	va_list ap;

	check_case_name[0] = '\0';
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(check_case_name, sizeof(check_case_name), fmt, ap);
	va_end(ap);
}

/* "file:line: [case] FAILED: " */
#define CHECK_FAIL_PREFIX()						\
	printf("%s:%d: %s%s%sFAILED: ", __FILE__, __LINE__,		\
	       check_case_name[0] ? "[" : "", check_case_name,		\
	       check_case_name[0] ? "] " : "")

#define CHECK(expr) do {						\
	check_n++;							\
	if (!(expr)) {							\
		check_failed++;						\
		CHECK_FAIL_PREFIX();					\
		printf("%s\n", #expr);					\
	}								\
} while (0)

#define CHECK_EQ_U64(a, b) do {						\
	uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);		\
	check_n++;							\
	if (_a != _b) {							\
		check_failed++;						\
		CHECK_FAIL_PREFIX();					\
		printf("%s == %s (%" PRIu64 " != %" PRIu64 ")\n", #a, #b, _a, _b); \
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	check_n++;							\
	if (!_a || !_b || strcmp(_a, _b)) {				\
		check_failed++;						\
		CHECK_FAIL_PREFIX();					\
		printf("%s == %s (\"%s\" != \"%s\")\n", #a, #b,	\
		       _a ? _a : "(null)", _b ? _b : "(null)");		\
	}								\
} while (0)

static inline int check_done(const char *prog)
{
	printf("%s: %u checks, %u failed\n", prog, check_n, check_failed);
	return check_failed ? 1 : 0;
}

#endif
