/* SPDX-License-Identifier: MIT */
/* report.h - print the serial report (results/SERIAL.md). */
#ifndef IRQLBENCH_REPORT_H
#define IRQLBENCH_REPORT_H

#include "catalog.h"
#include "nt.h"

struct report_info {
	const char *workload;
	unsigned ncpus;
	const struct nt_options *opts;
	const struct wl_values *vals;
	const char *fail_reason;	/* NULL or "" for status=ok */
};

void report_print(const struct report_info *ri);

#endif
