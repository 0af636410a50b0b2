/* SPDX-License-Identifier: MIT */
/*
 * exit_table.h - `irqlbench results show --exits`: a kvm/lab run's exits and
 * their handling times in `perf kvm stat report`'s layout.
 */
#ifndef IRQLBENCH_EXIT_TABLE_H
#define IRQLBENCH_EXIT_TABLE_H

#include <stdio.h>
#include <jansson.h>

/*
 * Prints rec's exits per reason, merged over the measured phases and
 * vCPUs (the exit_times of results/SCHEMA.md, metrics_exit_times()): perf
 * kvm stat's columns VM-EXIT, Samples, Samples%, Time%, Min Time, Max
 * Time, Avg time, then p50, p99, Samples/iter, Time/iter and Untimed;
 * reasons by samples, most first.  An emulated record (the lab's L1 under
 * TCG) says its times are emulated; a model run's (--costs-from) that they
 * are simulated, and where their costs came from (metrics_cost_source():
 * the run, and any --cost that changed one).  Returns 0, or 1 with a line on stderr
 * when rec has no exit times (a backend that traces no exits, a record
 * from before them).
 */
int exit_table_print(FILE *f, json_t *rec);

#endif
