/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the irqlbench command's subcommand table and shared CLI helpers.
 *
 * Adding a command: write `int cmd_X(int argc, char **argv)` and its table,
 * `const struct cli_spec cmd_X_spec` (host/cli/options.h: the options, the
 * synopsis, the description and the exit statuses; subcommands have a spec
 * each), declare both below with CLI_COMMAND(X), and add one row to
 * cli_commands[] in host/cli/commands.c.  The command parses its arguments
 * with cli_parse() (argv[0] is its name), which prints --help and the
 * error for a bad option; its own usage errors go through cli_usage_error().
 * The help, `irqlbench help X`, the man page and the bash completion all
 * come from the spec.
 */
#ifndef IRQLBENCH_CLI_H
#define IRQLBENCH_CLI_H

#include <stdio.h>

#include "cli/options.h"

/*
 * Exit statuses of the irqlbench command: one table for every command
 * (README, "Exit statuses").  verify's verdicts have statuses of their own,
 * never shared with an error; 77 is the "skip" of automake and
 * kvm-unit-tests, for a host on which the request cannot apply.  128 + N:
 * stopped by signal N, what the command made taken back (cli/stopsig.h:
 * image, results import and merge, plot, report --paper).
 */
enum {
	EXIT_OK = 0,		/* ok; verify: FIXED */
	EXIT_RUN_FAILED = 1,	/* the run or the guest failed (failed record written) */
	EXIT_USAGE = 2,		/* bad arguments, unknown workload, bad parameter or file */
	EXIT_ENV = 3,		/* environment: missing package, no access to /dev/kvm, QEMU refused */
	EXIT_TIMEOUT = 4,	/* the guest did not finish in time */
	EXIT_STORE = 5,		/* the results store is unusable: not SQLite, corrupt, locked */
	EXIT_UNFIXED = 10,	/* verify: the kernel does not have the fix */
	EXIT_INCONCLUSIVE = 11,	/* verify: the evidence decides neither way */
	EXIT_NOT_APPLICABLE = 77, /* this host cannot run it: not AMD SVM, /dev/kvm not kvm_amd */
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;	/* one line, for `irqlbench --help` and the man page */
	const struct cli_spec *spec;	/* its options, texts and subcommands */
};

extern const struct cli_command cli_commands[];
extern const unsigned cli_ncommands;

const struct cli_command *cli_find(const char *name);
/* Prints the usage of `name` to stdout and returns EXIT_OK. */
int cli_help(const char *name);
/* "irqlbench CMD: <message>: see 'irqlbench CMD --help'" on stderr; EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A scenario script (--script FILE) read and parsed on the host, as the
 * guest will parse it: 0, or EXIT_USAGE after one line naming the file, the
 * line and workloads/SCRIPTS.md.  host_actions: whether its `host` lines
 * can run (model: yes; a guest backend: no, the line names the model as the
 * fix).  vcpus: the run's (0: do not check), refused when a `cpu N` block or
 * `ipi V cpu N` needs more.  (host/run/cmd_run.c; run, model and lab.) */
int cli_check_script(const char *path, bool host_actions, unsigned vcpus);
/* The same in two steps, for a caller that keeps the text (model: a pipe
 * such as bash's <(...) reads once): cli_read_script() returns the text
 * (at most SCN_MAX_FILE bytes) or NULL with *rc = EXIT_USAGE after one
 * line; cli_check_script_text() parses it as cli_check_script() does. */
char *cli_read_script(const char *path, size_t *len, int *rc);
int cli_check_script_text(const char *path, const char *text, size_t len, bool host_actions,
			  unsigned vcpus);
/* The workload's vCPUs (the catalog's min_vcpus) against --vcpus (0: one):
 * 0, or EXIT_USAGE after "workload 'W' needs N vCPUs or more: run it with
 * --vcpus N" -- before anything starts (the guest says the same). */
struct wl_info;
int cli_check_vcpus(const struct wl_info *w, unsigned vcpus);
/*
 * What the tables give besides the parser (host/cli/doc.c), printed by the
 * hidden options of the same names: the man page irqlbench(1) as roff, the
 * bash completion script, and every option of every command and
 * subcommand, one tab-separated line each: command, --long, -s (or -),
 * kind, value name (or -), flags (hidden, repeat, or -), the values a
 * choice or --format takes (comma-separated, or -).
 */
void cli_dump_man(FILE *f);
void cli_dump_completion(FILE *f);
void cli_dump_options(FILE *f);

/* "irqlbench: <message>" on stderr, one line; returns status. */
int cli_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The commands, each in host/<command>/cmd_<command>.c (plot's and results'
 * in host/plot/ and host/results/), with its row in host/cli/commands.c.
 * Each takes argv[0] = its own name and returns an exit status above.
 */
#define CLI_COMMAND(name) \
	int cmd_##name(int argc, char **argv); \
	extern const struct cli_spec cmd_##name##_spec
CLI_COMMAND(help);
CLI_COMMAND(list);
CLI_COMMAND(run);
CLI_COMMAND(model);
CLI_COMMAND(image);
CLI_COMMAND(lab);
CLI_COMMAND(kvm);
CLI_COMMAND(pin);
CLI_COMMAND(results);
CLI_COMMAND(compare);
CLI_COMMAND(verify);
CLI_COMMAND(report);
CLI_COMMAND(plot);
#undef CLI_COMMAND

#endif
