// SPDX-License-Identifier: MIT
/*
 * commands.c - the subcommand table of the irqlbench command (see cli.h).
 * One row per command, in the order `irqlbench --help` lists them.
 */
#include "cli/cli.h"

const struct cli_command cli_commands[] = {
	{ "list", cmd_list, "list the workloads and their parameters", cmd_list_usage },
	{ "run", cmd_run, "boot the guest under QEMU (tcg or kvm) and write one result record",
	  cmd_run_usage },
	{ "model", cmd_model, "run a workload on a simulated vCPU under KVM CR8 policies",
	  cmd_model_usage },
	{ "lab", cmd_lab, "run workloads on real kvm_amd builds in a virtual AMD host (L1)",
	  cmd_lab_usage },
	{ "kvm", cmd_kvm, "build kvm module variants (stock, fixed, unfixed, patch) or swap them in",
	  cmd_kvm_usage },
	{ "pin", cmd_pin, "plan where the vCPUs and the emulator threads run (hwloc)",
	  cmd_pin_usage },
	{ "results", cmd_results, "import, list, show, export and delete records in the results store",
	  cmd_results_usage },
	{ "compare", cmd_compare, "compare two runs or two sets of runs (Mann-Whitney U)",
	  cmd_compare_usage },
	{ "verify", cmd_verify, "tell a fixed KVM from an unfixed one: FIXED, UNFIXED or INCONCLUSIVE",
	  cmd_verify_usage },
	{ "report", cmd_report, "paper tables: the exit-count matrix (Markdown, LaTeX)",
	  cmd_report_usage },
	{ "plot", cmd_plot, "gnuplot figures and the static HTML dashboard from the store",
	  cmd_plot_usage },
	{ "help", cmd_help, "show the usage of a command", cmd_help_usage },
};

const unsigned cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);
