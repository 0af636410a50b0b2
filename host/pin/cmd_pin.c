// SPDX-License-Identifier: MIT
/*
 * pin_cmd.c - `irqlbench pin`: print the placement plan and its reasons.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "pin/plan.h"

const char cmd_pin_usage[] =
	"usage: irqlbench pin --vcpus N [--cpus LIST] [--topology FILE.xml | --synthetic STR] [--json]\n"
	"\n"
	"Plans where the vCPUs and the emulator threads of a guest run: one PU per vCPU on\n"
	"distinct physical cores (never two SMT siblings), in one L3 domain and one NUMA node\n"
	"where possible, away from CPU 0's core and from the emulator's core.\n"
	"\n"
	"  --vcpus N           number of vCPUs (required)\n"
	"  --cpus LIST         the vCPU PUs yourself, in vCPU order (e.g. 2,3 or 4-7)\n"
	"  --topology FILE     plan for a topology saved by `lstopo FILE.xml`\n"
	"  --synthetic STR     plan for an hwloc synthetic topology, e.g.\n"
	"                      \"package:2 l3:4(size=32MiB) core:4 pu:2\"\n"
	"  --json              print the plan as JSON\n"
	"\n"
	"exit status: 0 planned, 2 impossible request or bad arguments, 3 topology unreadable\n";

static void print_text(const struct pin_plan *p)
{
	char buf[256];
	unsigned i;

	printf("machine: %s\n", p->machine);
	for (i = 0; i < p->nvcpus; i++)
		printf("vcpu %u -> PU %u\n", i, p->vcpu_pu[i]);
	printf("emulator -> PUs %s\n", util_cpulist_format(&p->emulator, buf, sizeof(buf)));
	printf("reasons:\n");
	for (i = 0; i < p->nreasons; i++)
		printf("  - %s\n", p->reasons[i]);
}

static int parse_vcpus(const char *s, unsigned *n)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v == 0 || v > PIN_MAX_VCPUS)
		return -1;
	*n = (unsigned)v;
	return 0;
}

int cmd_pin(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vcpus", required_argument, NULL, 'n' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "topology", required_argument, NULL, 't' },
		{ "synthetic", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cpus = NULL, *xml = NULL, *syn = NULL, *vcpus_arg = NULL;
	bool json = false;
	unsigned nvcpus = 0;
	hwloc_topology_t topo;
	struct pin_plan *plan;
	char err[512];
	int c, rc;

	optind = 0;	/* GNU getopt: reinitialise, cmd_pin may run more than once */
	while ((c = cli_getopt(argc, argv, "+h", opts, "pin")) != -1) {
		switch (c) {
		case 'n': vcpus_arg = optarg; break;
		case 'c': cpus = optarg; break;
		case 't': xml = optarg; break;
		case 's': syn = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(cmd_pin_usage, stdout); return 0;
		default:	/* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "irqlbench pin: error: unexpected argument '%s' (see irqlbench pin --help)\n",
			argv[optind]);
		return 2;
	}
	if (!vcpus_arg) {
		fprintf(stderr, "irqlbench pin: error: --vcpus N is required (see irqlbench pin --help)\n");
		return 2;
	}
	if (parse_vcpus(vcpus_arg, &nvcpus)) {
		fprintf(stderr, "irqlbench pin: error: --vcpus '%s' is not a number from 1 to %d\n",
			vcpus_arg, PIN_MAX_VCPUS);
		return 2;
	}
	if (xml && syn) {
		fprintf(stderr, "irqlbench pin: error: give --topology or --synthetic, not both\n");
		return 2;
	}
	if (pin_load_topology(&topo, xml, syn, err, sizeof(err))) {
		fprintf(stderr, "irqlbench pin: error: %s\n", err);
		return syn ? 2 : 3;
	}
	plan = malloc(sizeof(*plan));
	if (!plan) {
		hwloc_topology_destroy(topo);
		return 3;
	}
	rc = pin_plan(topo, nvcpus, cpus, plan, err, sizeof(err));
	hwloc_topology_destroy(topo);
	if (rc) {
		fprintf(stderr, "irqlbench pin: error: %s\n", err);
		free(plan);
		return 2;
	}
	if (json) {
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
