// SPDX-License-Identifier: MIT
/*
 * commands.c - the subcommand table of the irqlbench command (see cli.h).
 * One row per command, in the order `irqlbench --help` lists them.
 */
#include "cli/cli.h"

const struct cli_command cli_commands[] = {
	{ .name = "list", .fn = cmd_list, .summary = "list the workloads and their parameters",
	  .spec = &cmd_list_spec },
	{ .name = "run", .fn = cmd_run, .summary = "boot the guest under QEMU (tcg or kvm) and write one result record",
	  .spec = &cmd_run_spec },
	{ .name = "model", .fn = cmd_model, .summary = "run a workload on a simulated vCPU under KVM CR8 policies",
	  .spec = &cmd_model_spec },
	{ .name = "lab", .fn = cmd_lab, .summary = "run workloads on real kvm_amd builds in a virtual AMD host (L1)",
	  .spec = &cmd_lab_spec },
	{ .name = "kvm", .fn = cmd_kvm, .summary = "build kvm module variants (stock, fixed, unfixed, patch) or swap them in",
	  .spec = &cmd_kvm_spec },
	{ .name = "pin", .fn = cmd_pin, .summary = "plan where the vCPUs and the emulator threads run (hwloc)",
	  .spec = &cmd_pin_spec },
	{ .name = "results", .fn = cmd_results, .summary = "import, list, show, export and delete records in the results store",
	  .spec = &cmd_results_spec },
	{ .name = "compare", .fn = cmd_compare, .summary = "compare two runs or two sets of runs (Mann-Whitney U)",
	  .spec = &cmd_compare_spec },
	{ .name = "verify", .fn = cmd_verify, .summary = "tell a fixed KVM from an unfixed one: FIXED, UNFIXED or INCONCLUSIVE",
	  .spec = &cmd_verify_spec },
	{ .name = "report", .fn = cmd_report, .summary = "paper tables: the exit-count matrix (Markdown, LaTeX, JSON)",
	  .spec = &cmd_report_spec },
	{ .name = "plot", .fn = cmd_plot, .summary = "gnuplot figures and the static HTML dashboard from the store",
	  .spec = &cmd_plot_spec },
	{ .name = "help", .fn = cmd_help, .summary = "show the usage of a command",
	  .spec = &cmd_help_spec },
};

const unsigned cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);
