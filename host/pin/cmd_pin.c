// SPDX-License-Identifier: MIT
/*
 * pin_cmd.c - `irqlbench pin`: print the placement plan and its reasons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "pin/plan.h"

struct pin_args {
	unsigned vcpus;
	const char *cpus, *xml, *syn, *format;
};

static const struct cli_option pin_opts[] = {
	{ CLI_UINT(0, "vcpus", struct pin_args, vcpus, "N", 1, PIN_MAX_VCPUS,
		   "number of vCPUs; required") },
	{ CLI_STRING(0, "cpus", struct pin_args, cpus, "LIST",
		     "the vCPU PUs yourself, in vCPU order (e.g. 2,3 or 4-7)") },
	{ CLI_STRING(0, "topology", struct pin_args, xml, "FILE",
		     "plan for a topology saved by `lstopo FILE.xml`") },
	{ CLI_STRING(0, "synthetic", struct pin_args, syn, "STR",
		     "plan for an hwloc synthetic topology, e.g.\n"
		     "\"package:2 l3:4(size=32MiB) core:4 pu:2\"") },
	{ CLI_FORMAT(0, struct pin_args, format, "the plan as text (default) or JSON") },
	{ CLI_JSON(struct pin_args, format) },
	{ CLI_END },
};

const struct cli_spec cmd_pin_spec = {
	.name = "pin",
	.usage = "--vcpus N [--cpus LIST] [--topology FILE.xml | --synthetic STR] [--json]",
	.description =
	"Plans where the vCPUs and the emulator threads of a guest run: one PU per vCPU on\n"
	"distinct physical cores (never two SMT siblings), in one L3 domain and one NUMA node\n"
	"where possible, away from CPU 0's core and from the emulator's core.\n",
	.epilog = "exit status: 0 planned, 2 impossible request or bad arguments, 3 topology unreadable\n",
	.options = pin_opts,
	.formats = CLI_FMT_TEXT | CLI_FMT_JSON,
};

static void print_text(const struct pin_plan *p)
{
	char buf[256];
	unsigned i;

	printf("machine: %s\n", p->machine);
	for (i = 0; i < p->nvcpus; i++)
		printf("vcpu %u -> PU %u\n", i, p->vcpu_pu[i]);
	printf("emulator -> PUs %s\n", pin_format_cpulist(&p->emulator, buf, sizeof(buf)));
	printf("reasons:\n");
	for (i = 0; i < p->nreasons; i++)
		printf("  - %s\n", p->reasons[i]);
}

int cmd_pin(int argc, char **argv)
{
	struct pin_args a = { .format = "text" };
	hwloc_topology_t topo;
	struct pin_plan *plan;
	char err[512];
	int n, rc;

	rc = cli_parse(&cmd_pin_spec, argc, argv, &a, &n);
	if (rc)
		return rc == CLI_HELP ? EXIT_OK : rc;
	if (!a.vcpus)
		return cli_usage_error("pin", "--vcpus N is required");
	if (a.xml && a.syn)
		return cli_usage_error("pin", "give --topology or --synthetic, not both");
	if (pin_load_topology(&topo, a.xml, a.syn, err, sizeof(err))) {
		fprintf(stderr, "irqlbench pin: error: %s\n", err);
		return a.syn ? 2 : 3;
	}
	plan = malloc(sizeof(*plan));
	if (!plan) {
		hwloc_topology_destroy(topo);
		return 3;
	}
	rc = pin_plan(topo, a.vcpus, a.cpus, plan, err, sizeof(err));
	hwloc_topology_destroy(topo);
	if (rc) {
		fprintf(stderr, "irqlbench pin: error: %s\n", err);
		free(plan);
		return 2;
	}
	if (!strcmp(a.format, "json")) {
		json_t *o = pin_plan_json(plan);

		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		print_text(plan);
	}
	free(plan);
	return 0;
}
