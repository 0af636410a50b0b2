/* SPDX-License-Identifier: MIT */
/*
 * pin_run.h - what the direct launcher adds to QEMU's command line so that
 * run_pin_after_start() (pin_run.c) can pin it: `-S -qmp unix:DIR/qmp.sock,
 * server=on,wait=off`.  argv_out gets the three arguments; sock is their
 * storage (at least PATH_MAX + 40 bytes).
 */
#ifndef IRQLBENCH_PIN_RUN_H
#define IRQLBENCH_PIN_RUN_H

#include <stddef.h>

void pin_qemu_args(const char *dir, char *sock, size_t socklen, const char **argv_out);

/* `run --cpus LIST`: the vCPU PUs for both launchers (NULL: the planner's
 * choice, or $IRQLBENCH_PIN_CPUS).  The string must outlive the run. */
void pin_run_set_cpus(const char *list);
const char *pin_run_cpus(void);

#endif
