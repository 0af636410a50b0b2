/* SPDX-License-Identifier: MIT */
/*
 * store_cmd.h - what the commands that read the results store share
 * (host/store/store_cmd.c).
 */
#ifndef IRQLBENCH_STORE_CMD_H
#define IRQLBENCH_STORE_CMD_H

#include <stdbool.h>

#include "cli/options.h"
#include "store/store.h"

/* The option rows every command on the store has (cli/options.h). */
#define CLI_STORE_DB(s, T, f) \
	CLI_STRING(s, "db", T, f, "FILE", \
		   "the results store (default $IRQLBENCH_DB, else " STORE_DEFAULT_DB ")")
#define CLI_INCLUDE_FAILED(T, f) \
	CLI_FLAG(0, "include-failed", T, f, "count failed runs too (left out by default)")
/* --select into the struct run_filter f: repeatable, every term must hold */
#define CLI_STORE_SELECT(T, f) \
	CLI_CALLBACK_AT(0, "select", T, f, "KEY=VALUE[,...]", store_select_option, \
			"only the runs the selector selects (as for 'results list')"), \
	.flags = CLI_OPT_REPEAT

/* The --select callback: value's terms added to the struct run_filter at
 * filter; 0, or EXIT_USAGE after "irqlbench CMD: --select V: <why>: see ...". */
int store_select_option(const struct cli_option *o, void *filter, const char *value,
			const char *cmd);

/* store_open() of --db (else $IRQLBENCH_DB, else the default); NULL after
 * its one-line error (cli_error): the caller returns EXIT_STORE. */
struct store *store_open_cmd(const char *db, bool create);

#endif
