/* SPDX-License-Identifier: MIT */
/*
 * suite_check.h - the unit tests' view of workloads/suites.cfg: what a
 * guest command line must give under a policy (host/suite/suite.h), per vCPU and
 * iteration.  The expectations are the tests' input: a file that cannot be
 * read or evaluated ends the test at once, status 1, with its message.
 * IRQLBENCH_SUITES=FILE points the tests at another file, as every tool.
 */
#ifndef IRQLBENCH_SUITE_CHECK_H
#define IRQLBENCH_SUITE_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "suite/suite.h"

/* The suites file, loaded once and reachable until exit. */
static inline const struct suite *suite_check_suite(void)
{
	static struct suite *s;
	char err[1024];
	int st;

	if (!s) {
		char *path = suite_default_path();

		s = suite_load(path, &st, err, sizeof(err));
		free(path);
		if (!s) {
			printf("%s\n", err);
			exit(1);
		}
	}
	return s;
}

static inline struct suite_expect suite_check_expect(const char *cmdline, enum kp_policy p)
{
	const struct suite *s = suite_check_suite();
	struct wl_values vals;
	struct suite_expect x;
	char err[1024];

	if (suite_values_from_cmdline(cmdline, &vals, err, sizeof(err)) ||
	    suite_expect(s, &vals, p, &x, err, sizeof(err))) {
		printf("%s: %s\n", cmdline, err);
		exit(1);
	}
	return x;
}

#endif
