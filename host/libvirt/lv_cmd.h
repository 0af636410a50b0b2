/* SPDX-License-Identifier: MIT */
/* lv_cmd.h - `irqlbench-lv` (one libvirt launch by hand; see lv_cmd.c). */
#ifndef IRQLBENCH_LV_CMD_H
#define IRQLBENCH_LV_CMD_H

int cmd_lv(int argc, char **argv);

#endif
