/* SPDX-License-Identifier: MIT */
/*
 * lv_run.h - settings of the --launcher libvirt implementation (lv_run.c)
 * that `irqlbench run` passes from its options.
 */
#ifndef IRQLBENCH_LV_RUN_H
#define IRQLBENCH_LV_RUN_H

/* `run --connect URI` (NULL: $IRQLBENCH_LIBVIRT_URI, else qemu:///system).
 * The string must outlive the run. */
void libvirt_launcher_set_uri(const char *uri);

#endif
