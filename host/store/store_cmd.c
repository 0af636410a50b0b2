// SPDX-License-Identifier: MIT
/*
 * cmd_util.c - what the commands that read the results store (results,
 * compare, report, plot) share: opening the store, with its one-line error
 * and exit status (host/cli/cli.h).
 */
#include <string.h>

#include "cli/cli.h"
#include "store/store_cmd.h"

struct store *store_open_cmd(const char *db, bool create)
{
	char err[1024];
	struct store *s = store_open(store_default_path(db), create, err, sizeof(err));

	if (!s)
		cli_error(EXIT_STORE, "%s", err);
	return s;
}

int store_select_option(const struct cli_option *o, void *filter, const char *value,
			const char *cmd)
{
	char err[512];

	(void)o;
	if (filter_parse(filter, value, err, sizeof(err)))
		return cli_usage_error(cmd, "--select %s: %s", value, err);
	return 0;
}
