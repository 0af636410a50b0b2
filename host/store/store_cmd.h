/* SPDX-License-Identifier: MIT */
/*
 * store_cmd.h - what the commands that read the results store share
 * (host/store/store_cmd.c).
 */
#ifndef IRQLBENCH_STORE_CMD_H
#define IRQLBENCH_STORE_CMD_H

#include <getopt.h>
#include <stdbool.h>

#include "store/store.h"

/* store_open() of --db (else $IRQLBENCH_DB, else the default); NULL after
 * its one-line error (cli_error): the caller returns EXIT_STORE. */
struct store *store_open_cmd(const char *db, bool create);

#endif
