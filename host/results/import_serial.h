/* SPDX-License-Identifier: MIT */
/*
 * import_serial.h - `irqlbench results import --serial LOG`: a serial log
 * captured from a guest that irqlbench did not start (the ISO of
 * `irqlbench image` on another hypervisor) into records, one a job.
 */
#ifndef IRQLBENCH_IMPORT_SERIAL_H
#define IRQLBENCH_IMPORT_SERIAL_H

#include "cli/util.h"
#include "store/store.h"

/*
 * Reads LOG (one boot's serial text: one report, or the reports of a job
 * list or repeat=N, results/SERIAL.md), checks every report (line count,
 * FNV-1a) and that the log holds as many reports as the boot announced
 * ("irqlbench-guest job K of N"), builds a record per job with the run's
 * record code (backend "guest", provenance.source, no host facts) tagged
 * with tags, and imports them with their copy of the log into s.  Prints
 * one "imported ID (LOG job K of N)" or "unchanged ID ..." line per record
 * on stdout and adds them to *added, *unchanged.
 *
 * Returns EXIT_OK; EXIT_USAGE after one line on stderr (a log that cannot
 * be read, holds no report or more than one boot, a truncated or garbled
 * report, a record the store refuses): nothing is imported then;
 * EXIT_ENV (a temporary folder cannot be written); EXIT_STORE.
 */
int results_import_serial(struct store *s, const char *log, const struct argv_buf *tags,
			  unsigned *added, unsigned *unchanged);

#endif
