// SPDX-License-Identifier: MIT
/*
 * pin_cmd.c - `irqlbench pin`: print the placement plan and its reasons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/util.h"
#include "pin/plan.h"

struct pin_args {
	unsigned vcpus;
	const char *cpus, *xml, *syn, *format;
	const char *cpuset, *isolated, *nohz;
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
	{ CLI_STRING(0, "cpuset", struct pin_args, cpuset, "LIST",
		     "the CPUs this process may use (default: this host's cgroup\n"
		     "cpuset and affinity; all of a --topology or --synthetic)") },
	{ CLI_STRING(0, "isolated", struct pin_args, isolated, "LIST",
		     "the CPUs isolcpus= isolates (default: this host's\n"
		     "/sys/devices/system/cpu/isolated; none elsewhere)") },
	{ CLI_STRING(0, "nohz-full", struct pin_args, nohz, "LIST",
		     "the nohz_full= CPUs (default: this host's; none elsewhere)") },
	{ CLI_FORMAT(0, struct pin_args, format, "the plan as text (default) or JSON") },
	{ CLI_JSON(struct pin_args, format) },
	{ CLI_END },
};

const struct cli_spec cmd_pin_spec = {
	.name = "pin",
	.usage = "--vcpus N [--cpus LIST] [--topology FILE.xml | --synthetic STR] [--json]\n"
		 "--vcpus N [--cpuset LIST] [--isolated LIST] [--nohz-full LIST] ...",
	.description =
	"Plans where the vCPUs and the emulator threads of a guest run: one PU per vCPU on\n"
	"distinct physical cores (never two SMT siblings), in one L3 domain and one NUMA node\n"
	"where possible, away from CPU 0's core and from the emulator's core; only on CPUs\n"
	"this process may use (its cgroup cpuset, e.g. systemd's AllowedCPUs=, and its\n"
	"affinity), and on the CPUs the kernel isolates (isolcpus=, nohz_full=) where they\n"
	"have room, the host and the emulator threads on the housekeeping CPUs.\n",
	.epilog = "exit status: 0 planned, 2 impossible request or bad arguments, 3 topology unreadable\n",
	.options = pin_opts,
	.formats = CLI_FMT_TEXT | CLI_FMT_JSON,
};

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
static int given_cpus(struct pin_cpus *c, bool here, const struct pin_args *a)
{
	if (here)
		pin_host_cpus(c);
	else
		memset(c, 0, sizeof(*c));
	if (a->cpuset) {
		if (list_option("cpuset", a->cpuset, &c->cpuset))
			return EXIT_USAGE;
		c->have_cpuset = true;
		snprintf(c->cpuset_from, sizeof(c->cpuset_from), "--cpuset %s", a->cpuset);
	}
	if (a->isolated && list_option("isolated", a->isolated, &c->isolated))
		return EXIT_USAGE;
	if (a->nohz && list_option("nohz-full", a->nohz, &c->nohz_full))
		return EXIT_USAGE;
	return 0;
}

int cmd_pin(int argc, char **argv)
{
	struct pin_args a = { .format = "text" };
	struct pin_cpus given;
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
	if (given_cpus(&given, !a.xml && !a.syn, &a))
		return EXIT_USAGE;
	if (pin_load_topology(&topo, a.xml, a.syn, err, sizeof(err)))
		return cli_error(a.syn ? EXIT_USAGE : EXIT_ENV, "%s", err);
	plan = xmalloc(sizeof(*plan));
	rc = pin_plan_cpus(topo, &given, a.vcpus, a.cpus, plan, err, sizeof(err));
	hwloc_topology_destroy(topo);
	if (rc) {
		free(plan);
		return cli_error(EXIT_USAGE, "%s", err);
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
