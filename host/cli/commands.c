// SPDX-License-Identifier: MIT
/*
 * commands.c - the command table of irqlbench (see cli.h): one row per
 * command, in the order `irqlbench --help` and the man page list them, each
 * pointing at the command's option table(s) (cmd_X_spec).
 */
#include "cli/cli.h"

#define COMMAND(n, sum) { .name = #n, .fn = cmd_##n, .summary = sum, .spec = &cmd_##n##_spec }

const struct cli_command cli_commands[] = {
	COMMAND(list, "list the workloads and their parameters"),
	COMMAND(run, "boot the guest under QEMU (tcg, kvm or guest) and write one result record"),
	COMMAND(model, "run a workload on a simulated vCPU under KVM CR8 policies"),
	COMMAND(image, "write a bootable ISO that runs a suite on any hypervisor"),
	COMMAND(lab, "run workloads on real kvm_amd builds in a virtual AMD host (L1)"),
	COMMAND(kvm, "build kvm module variants (stock, fixed, unfixed, patch) or swap them in"),
	COMMAND(pin, "plan where the vCPUs and the emulator threads run (hwloc)"),
	COMMAND(results, "import, list, show, export and delete records in the results store"),
	COMMAND(compare, "compare two runs or two sets of runs (Mann-Whitney U)"),
	COMMAND(verify, "tell a fixed KVM from an unfixed one (FIXED, UNFIXED, INCONCLUSIVE), or judge a hypervisor from inside a guest (ON-TIME, LATE)"),
	COMMAND(report, "paper tables: the exit-count matrix (Markdown, LaTeX, JSON)"),
	COMMAND(plot, "gnuplot figures and the static HTML dashboard from the store"),
	COMMAND(help, "show the usage of a command"),
};

const unsigned cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);
