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
	"                     [--cpuset LIST] [--isolated LIST] [--nohz-full LIST]\n"
	"\n"
	"Plans where the vCPUs and the emulator threads of a guest run: one PU per vCPU on\n"
	"distinct physical cores (never two SMT siblings), in one L3 domain and one NUMA node\n"
	"where possible, away from CPU 0's core and from the emulator's core; only on CPUs\n"
	"this process may use (its cgroup cpuset, e.g. systemd's AllowedCPUs=, and its\n"
	"affinity), and on the CPUs the kernel isolates (isolcpus=, nohz_full=) where they\n"
	"have room, the host and the emulator threads on the housekeeping CPUs.\n"
	"\n"
	"  --vcpus N           number of vCPUs (required)\n"
	"  --cpus LIST         the vCPU PUs yourself, in vCPU order (e.g. 2,3 or 4-7)\n"
	"  --topology FILE     plan for a topology saved by `lstopo FILE.xml`\n"
	"  --synthetic STR     plan for an hwloc synthetic topology, e.g.\n"
	"                      \"package:2 l3:4(size=32MiB) core:4 pu:2\"\n"
	"  --json              print the plan as JSON\n"
	"  --cpuset LIST       the CPUs this process may use (default: this host's cgroup\n"
	"                      cpuset and affinity; all of a --topology or --synthetic)\n"
	"  --isolated LIST     the CPUs isolcpus= isolates (default: this host's\n"
	"                      /sys/devices/system/cpu/isolated; none elsewhere)\n"
	"  --nohz-full LIST    the nohz_full= CPUs (default: this host's; none elsewhere)\n"
	"\n"
	"exit status: 0 planned, 2 impossible request or bad arguments, 3 topology unreadable\n";

static void print_text(const struct pin_plan *p)
{
	char buf[256], iso[256], nohz[256];
	unsigned i;

	printf("machine: %s\n", p->machine);
	for (i = 0; i < p->nvcpus; i++)
		printf("vcpu %u -> PU %u\n", i, p->vcpu_pu[i]);
	printf("emulator -> PUs %s\n", util_cpulist_format(&p->emulator, buf, sizeof(buf)));
	util_cpulist_format(&p->isolated, iso, sizeof(iso));
	util_cpulist_format(&p->nohz_full, nohz, sizeof(nohz));
	printf("housekeeping -> PUs %s: the host's and the emulator threads'%s (%s)\n",
	       util_cpulist_format(&p->housekeeping, buf, sizeof(buf)),
	       p->on_isolated ? "" : ", and the vCPUs'",
	       p->on_isolated ? "neither isolated nor nohz_full" : *iso || *nohz ?
	       "the vCPUs are not on the CPUs set apart: see the reasons" :
	       "no CPU is isolated or nohz_full");
	if (*iso || *nohz)
		printf("set apart -> %s%s%s%s%s (%s)\n", *iso ? "isolated PUs " : "", iso,
		       *iso && *nohz ? ", " : "", *nohz ? "nohz_full PUs " : "", nohz,
		       p->on_isolated ? "the vCPUs'" : "not used for the vCPUs: see the reasons");
	if (CPU_COUNT(&p->not_in_cpuset))
		printf("not used -> PUs %s: not in %s\n",
		       util_cpulist_format(&p->not_in_cpuset, buf, sizeof(buf)),
		       p->cpuset_from[0] ? p->cpuset_from : "the CPUs given");
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

/* One CPU list option into set ("" is none); 0, or a usage error. */
static int list_option(const char *opt, const char *list, cpu_set_t *set)
{
	char err[256];

	CPU_ZERO(set);
	if (!*list || !util_cpulist_parse(list, set, NULL, 0, NULL, err, sizeof(err)))
		return 0;
	return cli_usage_error("pin", "--%s: %s", opt, err);
}

/* The CPUs to plan with: this host's (here) or none, then the options. */
static int given_cpus(struct pin_cpus *c, bool here, const char *cpuset, const char *isolated,
		      const char *nohz)
{
	if (here)
		pin_host_cpus(c);
	else
		memset(c, 0, sizeof(*c));
	if (cpuset) {
		if (list_option("cpuset", cpuset, &c->cpuset))
			return EXIT_USAGE;
		c->have_cpuset = true;
		snprintf(c->cpuset_from, sizeof(c->cpuset_from), "--cpuset %s", cpuset);
	}
	if (isolated && list_option("isolated", isolated, &c->isolated))
		return EXIT_USAGE;
	if (nohz && list_option("nohz-full", nohz, &c->nohz_full))
		return EXIT_USAGE;
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
		{ "cpuset", required_argument, NULL, 'C' },
		{ "isolated", required_argument, NULL, 'I' },
		{ "nohz-full", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cpus = NULL, *xml = NULL, *syn = NULL, *vcpus_arg = NULL;
	const char *cpuset = NULL, *isolated = NULL, *nohz = NULL;
	struct pin_cpus given;
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
		case 'C': cpuset = optarg; break;
		case 'I': isolated = optarg; break;
		case 'N': nohz = optarg; break;
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
	if (given_cpus(&given, !xml && !syn, cpuset, isolated, nohz))
		return EXIT_USAGE;
	if (pin_load_topology(&topo, xml, syn, err, sizeof(err))) {
		fprintf(stderr, "irqlbench pin: error: %s\n", err);
		return syn ? 2 : 3;
	}
	plan = malloc(sizeof(*plan));
	if (!plan) {
		hwloc_topology_destroy(topo);
		return 3;
	}
	rc = pin_plan_cpus(topo, &given, nvcpus, cpus, plan, err, sizeof(err));
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
