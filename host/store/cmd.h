/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - the entry points of the results commands, for the command table
 * (host/commands.c).  Each takes argv[0] = its own name and returns the
 * process exit status (0 ok, 1 failed/refused, 2 usage, 3 environment).
 */
#ifndef IRQLBENCH_STORE_CMD_H
#define IRQLBENCH_STORE_CMD_H

int cmd_results(int argc, char **argv);	/* host/store/cmd_results.c */
int cmd_compare(int argc, char **argv);	/* host/compare/cmd_compare.c */
int cmd_plot(int argc, char **argv);	/* plots/plot.c */
int cmd_report(int argc, char **argv);	/* host/report/report.c */

/* Their usage texts (first line the synopsis), for --help and the table. */
extern const char cmd_results_usage[];
extern const char cmd_compare_usage[];
extern const char cmd_plot_usage[];
extern const char cmd_report_usage[];

#endif
