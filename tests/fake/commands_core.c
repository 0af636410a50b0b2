// SPDX-License-Identifier: MIT
/*
 * commands_core.c - the subcommand table of build/tests/irqlbench-san, the
 * irqlbench core (list, run) built with ASan+UBSan for the integration
 * tests (tests/integration/run-san.sh), without the other areas' commands.
 */
#include "cli.h"

const struct cli_command cli_commands[] = {
	{ "list", cmd_list, "list the workloads and their parameters", cmd_list_usage },
	{ "run", cmd_run, "boot the guest under QEMU (tcg or kvm) and write one result record",
	  cmd_run_usage },
	{ "help", cmd_help, "show the usage of a command", cmd_help_usage },
};

const unsigned cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);
