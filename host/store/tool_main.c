// SPDX-License-Identifier: MIT
/*
 * tool_main.c - the command table of build/tools/irqlbench-results: the
 * result commands alone, for this area's tests while (or wherever) the full
 * irqlbench command is not built.  host/main.c dispatches through this
 * table as it does through host/commands.c for build/bin/irqlbench, so the
 * commands share its --help, cli_error() and cli_usage_error().
 */
#include "cli.h"
#include "store/cmd.h"

const struct cli_command cli_commands[] = {
	{ "results", cmd_results, "import, list, show, export and delete records in the results store",
	  cmd_results_usage },
	{ "compare", cmd_compare, "compare two runs or two sets of runs (Mann-Whitney U)",
	  cmd_compare_usage },
	{ "report", cmd_report, "paper tables: the exit-count matrix (Markdown, LaTeX)",
	  cmd_report_usage },
	{ "plot", cmd_plot, "gnuplot figures and the static HTML dashboard from the store",
	  cmd_plot_usage },
	{ "help", cmd_help, "show the usage of a command", cmd_help_usage },
};

const unsigned cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);
