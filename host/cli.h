/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the irqlbench command's subcommand table and shared CLI helpers.
 *
 * Adding a subcommand: write `int cmd_X(int argc, char **argv)` and its
 * usage text `const char cmd_X_usage[]` (the first line is the synopsis,
 * the rest the options; `--help` prints it as is), declare both below, and
 * add one row to cli_commands[] in host/commands.c.  A command parses its
 * options with getopt_long (argv[0] is the command name) and calls
 * cli_help() for --help and cli_usage_error() for bad arguments.
 */
#ifndef IRQLBENCH_CLI_H
#define IRQLBENCH_CLI_H

#include <stdio.h>

/* Exit statuses of the irqlbench command (documented in the README). */
enum {
	EXIT_OK = 0,		/* ok */
	EXIT_RUN_FAILED = 1,	/* the run or the guest failed */
	EXIT_USAGE = 2,		/* bad arguments, unknown workload, bad parameter */
	EXIT_ENV = 3,		/* environment / preflight: missing package, no /dev/kvm, not AMD */
	EXIT_TIMEOUT = 4,	/* the guest did not finish in time */
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;	/* one line, for `irqlbench --help` */
	const char *usage;	/* the full usage text */
};

extern const struct cli_command cli_commands[];
extern const unsigned cli_ncommands;

const struct cli_command *cli_find(const char *name);
/* Prints the usage of `name` to stdout and returns EXIT_OK. */
int cli_help(const char *name);
/* "irqlbench CMD: <message>: see 'irqlbench CMD --help'" on stderr; EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "irqlbench: <message>" on stderr, one line; returns status. */
int cli_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The commands.  Rows in host/commands.c. */
int cmd_help(int argc, char **argv);
extern const char cmd_help_usage[];
int cmd_list(int argc, char **argv);
extern const char cmd_list_usage[];
int cmd_run(int argc, char **argv);
extern const char cmd_run_usage[];
int cmd_verify(int argc, char **argv);
extern const char cmd_verify_usage[];
int cmd_model(int argc, char **argv);
extern const char cmd_model_usage[];

#endif
