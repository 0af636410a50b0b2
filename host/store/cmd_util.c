// SPDX-License-Identifier: MIT
/*
 * cmd_util.c - what the commands that read the results store (results,
 * compare, report) share: their option parser and opening the store, each
 * with its one-line error and exit status (host/cli.h).
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "store/cmd.h"

int store_getopt(int argc, char **argv, const struct option *opts, const char *cmd)
{
	int idx = -1, c;

	opterr = 0;
	c = getopt_long(argc, argv, ":h", opts, &idx);
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

struct store *store_open_cmd(const char *db, bool create)
{
	char err[1024];
	struct store *s = store_open(store_default_path(db), create, err, sizeof(err));

	if (!s)
		cli_error(EXIT_STORE, "%s", err);
	return s;
}
