// SPDX-License-Identifier: MIT
/*
 * main.c - the irqlbench command: dispatches to the subcommands of the
 * table in commands.c, and prints the usage texts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/util.h"

static void main_usage(FILE *f)
{
	fprintf(f, "usage: irqlbench [--help | --version] COMMAND [ARGS]\n\n"
		"How a hypervisor handles a Windows-like guest's IRQL (CR8) writes.\n\n"
		"commands:\n");
	for (unsigned i = 0; i < cli_ncommands; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fprintf(f, "\n'irqlbench help COMMAND' or 'irqlbench COMMAND --help' shows a command's usage.\n"
		"exit status (every command): 0 ok (verify: FIXED or ON-TIME), 1 run or guest\n"
		"failed, 2 usage error, 3 environment error, 4 timeout, 5 results store\n"
		"unusable, 10 verify: UNFIXED or LATE, 11 verify: INCONCLUSIVE, 77 not\n"
		"applicable on this host.\n");
}

const struct cli_command *cli_find(const char *name)
{
	for (unsigned i = 0; i < cli_ncommands; i++)
		if (!strcmp(cli_commands[i].name, name))
			return &cli_commands[i];
	return NULL;
}

int cli_help(const char *name)
{
	const struct cli_command *c = cli_find(name);

	if (!c)
		return cli_error(EXIT_USAGE, "unknown command '%s': run 'irqlbench --help' to see the commands",
				 name);
	cli_print_help(stdout, c->spec);
	return EXIT_OK;
}

const struct cli_spec cmd_help_spec = {
	.name = "help",
	.usage = "[COMMAND [SUBCOMMAND]]",
	.description = "Shows the usage of COMMAND (or of its SUBCOMMAND), or the list of commands.\n",
	.max_args = 2,
};

int cmd_help(int argc, char **argv)
{
	const struct cli_command *c;
	int n, rc = cli_parse(&cmd_help_spec, argc, argv, NULL, &n);

	if (rc)
		return rc == CLI_HELP ? EXIT_OK : rc;
	if (!n) {
		main_usage(stdout);
		return EXIT_OK;
	}
	c = cli_find(argv[0]);
	if (n == 1 || !c || !c->spec || !c->spec->subs)
		return n == 1 || !c ? cli_help(argv[0]) :
		       cli_usage_error("help", "'%s' has no subcommands", argv[0]);
	for (unsigned i = 0; c->spec->subs[i]; i++)
		if (!strcmp(strchr(c->spec->subs[i]->name, ' ') + 1, argv[1])) {
			cli_print_help(stdout, c->spec->subs[i]);
			return EXIT_OK;
		}
	return cli_usage_error("help", "'%s' has no subcommand '%s'", argv[0], argv[1]);
}

/*
 * What a command printed must have reached standard output: a full disk or
 * a closed pipe found only at exit (stdio buffers) is an environment error,
 * never a silent exit 0 (as coreutils' close_stdout).  Returns status.
 */
static int stdout_closed(int status)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	cli_error(EXIT_ENV, "cannot write standard output: %s: check where it goes (a full disk?)",
		  strerror(errno));
	return status ? status : EXIT_ENV;
}

/* Hidden: what the build and the tests generate from the tables (doc.c). */
static const struct {
	const char *name;
	void (*fn)(FILE *f);
} dumps[] = {
	{ "--dump-man", cli_dump_man },
	{ "--dump-completion", cli_dump_completion },
	{ "--dump-options", cli_dump_options },
};

int main(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		main_usage(stdout);
		return stdout_closed(EXIT_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("irqlbench %s\n", util_suite_version());
		return stdout_closed(EXIT_OK);
	}
	for (unsigned i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++)
		if (!strcmp(argv[1], dumps[i].name)) {
			dumps[i].fn(stdout);
			return stdout_closed(EXIT_OK);
		}
	if (argv[1][0] == '-')
		return cli_error(EXIT_USAGE, "unknown option '%s': run 'irqlbench --help' to see the "
				 "commands", argv[1]);
	c = cli_find(argv[1]);
	if (!c)
		return cli_error(EXIT_USAGE, "unknown command '%s': run 'irqlbench --help' to see the commands",
				 argv[1]);
	return stdout_closed(c->fn(argc - 1, argv + 1));
}
