// SPDX-License-Identifier: MIT
/*
 * tool_main.c - build/tools/irqlbench-results: the result commands alone,
 * for this area's tests while (or wherever) the full irqlbench command is
 * not built.  Not part of build/bin/irqlbench (host/commands.c dispatches
 * the same functions there).
 */
#include <stdio.h>
#include <string.h>

#include "store/cmd.h"

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "results", cmd_results }, { "compare", cmd_compare },
		{ "plot", cmd_plot }, { "report", cmd_report },
	};

	for (size_t i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: irqlbench-results results|compare|plot|report ...\n");
	return 2;
}
