// SPDX-License-Identifier: MIT
/* lv_main.c - main() of build/bin/irqlbench-lv (the launcher's test tool). */
#include "libvirt/lv_cmd.h"

int main(int argc, char **argv)
{
	return cmd_lv(argc, argv);
}
