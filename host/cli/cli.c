// SPDX-License-Identifier: MIT
/*
 * cli.c - the command line's shared core: the error formatters (one line,
 * naming the problem and the fix; host/cli/cli.h).  The option parser that
 * reports a bad option the same way for every command is options.c.
 */
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
