/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - the entry points of the results commands, for the command table
 * (host/commands.c), and what they share (host/store/cmd_util.c).  Each
 * takes argv[0] = its own name and returns the process exit status
 * (host/cli.h).
 */
#ifndef IRQLBENCH_STORE_CMD_H
#define IRQLBENCH_STORE_CMD_H

#include <getopt.h>
#include <stdbool.h>

#include "store/store.h"

int cmd_results(int argc, char **argv);	/* host/store/cmd_results.c */
int cmd_compare(int argc, char **argv);	/* host/compare/cmd_compare.c */
int cmd_plot(int argc, char **argv);	/* plots/plot.c */
int cmd_report(int argc, char **argv);	/* host/report/report.c */

/* Their usage texts (first line the synopsis), for --help and the table. */
extern const char cmd_results_usage[];
extern const char cmd_compare_usage[];
extern const char cmd_plot_usage[];
extern const char cmd_report_usage[];

/* store_open() of --db (else $IRQLBENCH_DB, else the default); NULL after
 * its one-line error (cli_error): the caller returns EXIT_STORE. */
struct store *store_open_cmd(const char *db, bool create);

#endif
