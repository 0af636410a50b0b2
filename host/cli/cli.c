// SPDX-License-Identifier: MIT
/*
 * cli.c - the command line's shared core: the one error formatter (one line,
 * naming the problem and the fix) and the option parser that reports a bad
 * option the same way for every command (host/cli/cli.h).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "irqlbench %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": see 'irqlbench %s --help'\n", cmd);
	return EXIT_USAGE;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *opts,
	       const char *cmd)
{
	char sopt[64];
	int idx = -1, c;

	/* ':' reports a missing value; it goes after a leading '+' or '-' */
	if (shortopts[0] == '+' || shortopts[0] == '-')
		snprintf(sopt, sizeof(sopt), "%c:%s", shortopts[0], shortopts + 1);
	else
		snprintf(sopt, sizeof(sopt), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, sopt, opts, &idx);
	if (c == ':') {
		cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		return '?';
	}
	if (c == '?') {
		if (optopt && optopt != '?')
			cli_usage_error(cmd, "unknown option '-%c'", optopt);
		else
			cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		return '?';
	}
	/* "--db --format json": getopt takes the next word as the value */
	if (idx >= 0 && opts[idx].has_arg == required_argument &&
	    (!*optarg || (!strncmp(optarg, "--", 2) && optarg[2]))) {
		if (*optarg)
			cli_usage_error(cmd, "option '--%s' needs a value, not the option '%s'",
					opts[idx].name, optarg);
		else
			cli_usage_error(cmd, "option '--%s' needs a value", opts[idx].name);
		return '?';
	}
	return c;
}

int cli_error(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("irqlbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}
