// SPDX-License-Identifier: MIT
/*
 * test_pin.c - the placement planner on synthetic EPYC-like topologies and
 * on this machine's saved 2-PU topology: exact plans, reasons and errors;
 * with injected cgroup cpusets, isolated and nohz_full CPUs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"
#include "pin/plan.h"

#define TOPO_DIR "tests/fixtures/topo/"

/* EPYC-like: 4 CCX (L3) of 4 cores per socket, NUMA node per socket. */
#define EPYC_1S_SMT   "package:1 [numa(memory=64GiB)] l3:4(size=32MiB) core:4 l2:1(size=1MiB) pu:2"
#define EPYC_1S_NOSMT "package:1 [numa(memory=64GiB)] l3:4(size=32MiB) core:4 pu:1"
#define EPYC_2S_SMT   "package:2 [numa(memory=64GiB)] l3:4(size=32MiB) core:4 pu:2"
#define EPYC_2S_NOSMT "package:2 [numa(memory=64GiB)] l3:2(size=32MiB) core:4 pu:1"

static char last_err[512];
static struct pin_plan plan;

static int load(hwloc_topology_t *t, const char *src)
{
	char err[256];
	int rc;

	if (!strncmp(src, "xml:", 4))
		rc = pin_load_topology(t, src + 4, NULL, err, sizeof(err));
	else
		rc = pin_load_topology(t, NULL, src, err, sizeof(err));
	if (rc)
		printf("cannot load %s: %s\n", src, err);
	return rc;
}

/* The CPUs plan_is() plans with: none, or those of with_cpus(). */
static struct pin_cpus given, *given_p;

/* cpuset ("": every CPU), isolated and nohz_full CPU lists ("": none) */
static void with_cpus(const char *cpuset, const char *isolated, const char *nohz)
{
	char err[128];

	memset(&given, 0, sizeof(given));
	given.have_cpuset = *cpuset;
	if (*cpuset) {
		CHECK(!util_cpulist_parse(cpuset, &given.cpuset, NULL, 0, NULL, err, sizeof(err)));
		snprintf(given.cpuset_from, sizeof(given.cpuset_from), "the test's cpuset %s", cpuset);
	}
	CHECK(!*isolated || !util_cpulist_parse(isolated, &given.isolated, NULL, 0, NULL, err, sizeof(err)));
	CHECK(!*nohz || !util_cpulist_parse(nohz, &given.nohz_full, NULL, 0, NULL, err, sizeof(err)));
	given_p = &given;
}

/* Plans and compares: vcpus "8,10" in vCPU order, emulator as a CPU list. */
static int plan_is(const char *src, unsigned n, const char *cpus, const char *want_vcpus,
		   const char *want_emu, int line)
{
	hwloc_topology_t t;
	char got[512] = "", emu[256];
	size_t off = 0;
	unsigned i;
	int rc;

	if (load(&t, src))
		return -1;
	rc = given_p ? pin_plan_cpus(t, given_p, n, cpus, &plan, last_err, sizeof(last_err)) :
		       pin_plan(t, n, cpus, &plan, last_err, sizeof(last_err));
	hwloc_topology_destroy(t);
	if (rc) {
		if (want_vcpus)
			printf("line %d: unexpected error: %s\n", line, last_err);
		return rc;
	}
	for (i = 0; i < plan.nvcpus; i++)
		off += snprintf(got + off, sizeof(got) - off, "%s%u", i ? "," : "", plan.vcpu_pu[i]);
	util_cpulist_format(&plan.emulator, emu, sizeof(emu));
	if (!want_vcpus || strcmp(got, want_vcpus) || strcmp(emu, want_emu)) {
		printf("line %d: %s n=%u: got vcpus %s emulator %s, want %s / %s\n", line, src, n,
		       got, emu, want_vcpus ? want_vcpus : "(error)", want_emu ? want_emu : "");
		for (i = 0; i < plan.nreasons; i++)
			printf("    reason: %s\n", plan.reasons[i]);
		return 1;
	}
	return 0;
}

#define PLAN(src, n, cpus, v, e) CHECK(plan_is(src, n, cpus, v, e, __LINE__) == 0)
#define PLAN_ERR(src, n, cpus, msg) do {				\
	CHECK(plan_is(src, n, cpus, NULL, NULL, __LINE__) == -1);	\
	CHECK(strstr(last_err, msg) != NULL);				\
	if (!strstr(last_err, msg))					\
		printf("    error was: %s\n", last_err);		\
} while (0)

static bool has_reason_quiet(const char *needle)
{
	for (unsigned i = 0; i < plan.nreasons; i++)
		if (strstr(plan.reasons[i], needle))
			return true;
	return false;
}

static bool has_reason(const char *needle)
{
	unsigned i;

	if (has_reason_quiet(needle))
		return true;
	printf("no reason contains \"%s\"; reasons:\n", needle);
	for (i = 0; i < plan.nreasons; i++)
		printf("    %s\n", plan.reasons[i]);
	return false;
}

/* No two vCPUs on one core: with SMT 2 in these topologies core = PU / 2. */
static bool distinct_cores(unsigned smt)
{
	unsigned i, j;

	for (i = 0; i < plan.nvcpus; i++)
		for (j = 0; j < i; j++)
			if (plan.vcpu_pu[i] / smt == plan.vcpu_pu[j] / smt)
				return false;
	return true;
}

static void test_this_machine(void)
{
	const char *m = "xml:" TOPO_DIR "this-machine-2pu.xml";

	PLAN(m, 1, NULL, "1", "0");
	CHECK_STR(plan.machine, "1 package, 1 NUMA node, 1 L3, 2 cores, 2 PUs (no SMT)");
	CHECK(has_reason("CPU 0's core (PUs 0) is left to the host and the emulator"));
	CHECK(has_reason("emulator threads on CPU 0's core (PUs 0), shared with the host"));
	CHECK(!plan.emulator_shared);

	PLAN(m, 2, NULL, "1,0", "0");
	CHECK(has_reason("vCPU 1 shares CPU 0's core with the host: 2 cores for 2 vCPUs"));
	CHECK(has_reason("emulator threads share CPU 0 (PUs 0) with a vCPU"));
	CHECK(plan.emulator_shared && plan.one_l3 && plan.one_numa);

	PLAN_ERR(m, 3, NULL, "3 vCPUs need 3 distinct physical cores but this machine has 2");
	PLAN(m, 2, "0,1", "0,1", "0");
	PLAN_ERR(m, 2, "1,2", "--cpus 1,2: CPU 2 is not in this machine (usable CPUs 0,1)");
}

static void test_one_socket_smt(void)
{
	PLAN(EPYC_1S_SMT, 1, NULL, "8", "2,3");
	PLAN(EPYC_1S_SMT, 4, NULL, "8,10,12,14", "2,3");
	CHECK_STR(plan.machine, "1 package, 1 NUMA node, 4 L3, 16 cores, 32 PUs (SMT 2)");
	CHECK(has_reason("one PU per vCPU on 4 distinct physical cores; their SMT siblings stay idle"));
	CHECK(has_reason("all 4 vCPUs in L3 #1, NUMA node 0: the first L3 domain with 4 free cores that does not hold CPU 0"));
	CHECK(has_reason("CPU 0's core (PUs 0,1) is left to the host"));
	CHECK(has_reason("emulator threads on core 1 (PUs 2,3, L3 #0, NUMA node 0): a core of their own, in the vCPUs' NUMA node, outside their L3"));
	CHECK(plan.one_l3 && plan.one_numa && !plan.emulator_shared);
	CHECK(distinct_cores(2));

	/* 5 do not fit a CCX of 4: two L3s, fullest first */
	PLAN(EPYC_1S_SMT, 5, NULL, "8,10,12,14,16", "2,3");
	CHECK(has_reason("no L3 domain has 5 free cores (at most 4): the vCPUs span 2 L3 domains of NUMA node 0: L3 #1 (4), #2 (1)"));
	CHECK(!plan.one_l3 && plan.one_numa);

	/* 15 = every core but CPU 0's: the emulator goes to CPU 0's core */
	PLAN(EPYC_1S_SMT, 15, NULL, "2,4,6,8,10,12,14,16,18,20,22,24,26,28,30", "0,1");
	CHECK(has_reason("CPU 0's core (PUs 0,1) is left to the host and the emulator"));
	CHECK(distinct_cores(2));

	/* 16: the last vCPU on CPU 0, the emulator on its free sibling */
	PLAN(EPYC_1S_SMT, 16, NULL,
	     "2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,0", "1");
	CHECK(has_reason("vCPU 15 shares CPU 0's core with the host: 16 cores for 16 vCPUs"));
	CHECK(has_reason("emulator threads on the free SMT sibling 1 of CPU 0's core"));
	CHECK(plan.emulator_shared);
	CHECK(distinct_cores(2));

	PLAN_ERR(EPYC_1S_SMT, 17, NULL,
		 "17 vCPUs need 17 distinct physical cores but this machine has 16 (SMT siblings are never shared): use --vcpus 16 or fewer");
}

static void test_one_socket_nosmt(void)
{
	PLAN(EPYC_1S_NOSMT, 2, NULL, "4,5", "1");
	CHECK(has_reason("one PU per vCPU on 2 distinct physical cores (no SMT)"));
	PLAN(EPYC_1S_NOSMT, 4, NULL, "4,5,6,7", "1");
	/* three full CCXs, then two cores of CPU 0's CCX; the emulator next to them */
	PLAN(EPYC_1S_NOSMT, 14, NULL, "1,2,4,5,6,7,8,9,10,11,12,13,14,15", "3");
	CHECK(has_reason("in the vCPUs' NUMA node (no core free outside their L3)"));
	PLAN(EPYC_1S_NOSMT, 16, NULL, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0", "0");
	CHECK(has_reason("emulator threads share CPU 0 (PUs 0) with a vCPU: every core holds a vCPU"));
	PLAN_ERR(EPYC_1S_NOSMT, 17, NULL, "this machine has 16");
}

static void test_two_sockets(void)
{
	const char *x = "xml:" TOPO_DIR "epyc-2s-4ccx-smt.xml";

	/* the XML (lstopo of the synthetic machine) and the string agree */
	PLAN(x, 4, NULL, "8,10,12,14", "2,3");
	CHECK_STR(plan.machine, "2 packages, 2 NUMA nodes, 8 L3, 32 cores, 64 PUs (SMT 2)");
	PLAN(EPYC_2S_SMT, 4, NULL, "8,10,12,14", "2,3");

	/* 16: node 0 has 15 free cores (CPU 0's is kept), node 1 has 16 */
	PLAN(x, 16, NULL, "32,34,36,38,40,42,44,46,48,50,52,54,56,58,60,62", "2,3");
	CHECK(has_reason("the vCPUs span 4 L3 domains of NUMA node 1: L3 #4 (4), #5 (4), #6 (4), #7 (4)"));
	CHECK(has_reason("a core of their own, in another NUMA node (none free in the vCPUs' node)"));
	CHECK(!plan.one_l3 && plan.one_numa);

	/* 20: fewest NUMA nodes, the fullest first */
	PLAN(x, 20, NULL,
	     "8,10,12,14,32,34,36,38,40,42,44,46,48,50,52,54,56,58,60,62", "2,3");
	CHECK(has_reason("no NUMA node has 20 free cores: the vCPUs span 2 NUMA nodes and 5 L3 domains (node 1: L3 #4 (4), #5 (4), #6 (4), #7 (4); node 0: L3 #1 (4))"));
	CHECK(!plan.one_numa);
	CHECK(distinct_cores(2));

	/* SMT off, 2 sockets of 2 CCX x 4 cores */
	PLAN(EPYC_2S_NOSMT, 3, NULL, "4,5,6", "1");
	PLAN(EPYC_2S_NOSMT, 7, NULL, "8,9,10,11,12,13,14", "15");
	CHECK(has_reason("NUMA node 1"));
	PLAN(EPYC_2S_NOSMT, 8, NULL, "8,9,10,11,12,13,14,15", "1");
	PLAN_ERR(EPYC_2S_NOSMT, 17, NULL, "this machine has 16");
}

static void test_override(void)
{
	PLAN(EPYC_2S_SMT, 3, "0,1,9", "0,1,9", "16,17");
	CHECK(plan.overridden);
	CHECK(has_reason("vCPU PUs chosen by --cpus 0,1,9"));
	CHECK(has_reason("warning: --cpus puts vCPUs 0 and 1 on SMT siblings of core 0 (PUs 0 and 1)"));
	CHECK(has_reason("note: the listed CPUs span more than one L3 domain"));
	CHECK(has_reason("note: --cpus puts a vCPU on CPU 0's core"));
	PLAN(EPYC_2S_SMT, 4, "38-40,33", "38,39,40,33", "48,49");
	CHECK(has_reason("vCPU PUs chosen by --cpus 38-40,33"));
	/* a second SMT thread in node 1: the emulator stays in node 1 */
	PLAN(EPYC_2S_SMT, 1, "33", "33", "40,41");
	CHECK(has_reason("in the vCPUs' NUMA node, outside their L3"));

	PLAN_ERR(EPYC_2S_SMT, 2, "1,64", "--cpus 1,64: CPU 64 is not in this machine (usable CPUs 0-63)");
	PLAN_ERR(EPYC_2S_SMT, 2, "1", "--cpus 1 lists 1 CPU for 2 vCPUs: give exactly one CPU per vCPU");
	PLAN_ERR(EPYC_2S_SMT, 2, "1,a", "bad CPU list '1,a': unexpected 'a' at position 3");
	PLAN_ERR(EPYC_2S_SMT, 2, "3-1", "range 3-1 goes backwards");
	PLAN_ERR(EPYC_2S_SMT, 2, "2,2", "CPU 2 is listed twice");
	PLAN_ERR(EPYC_2S_SMT, 2, "2,", "ends where a CPU number should be");
	PLAN_ERR(EPYC_2S_SMT, 2, "", "empty CPU list");
	PLAN_ERR(EPYC_2S_SMT, 2, "1,99999", "CPU number too large");
	PLAN_ERR(EPYC_2S_SMT, 0, NULL, "--vcpus must be at least 1");
}

/* "0-3": the CPU list of a plan's CPU class, for CHECK_STR */
static const char *cls(const cpu_set_t *set)
{
	static char buf[4][256];
	static unsigned k;

	return util_cpulist_format(set, buf[k++ % 4], sizeof(buf[0]));
}

static void test_isolation(void)
{
	json_t *j, *c;
	char *txt;

	/* isolcpus=8-31 nohz_full=8-31 on one EPYC socket: the vCPUs there,
	 * everything else on the housekeeping CPUs 0-7 */
	with_cpus("", "8-31", "8-31");
	PLAN(EPYC_1S_SMT, 4, NULL, "8,10,12,14", "2,3");
	CHECK(plan.on_isolated);
	CHECK_STR(cls(&plan.housekeeping), "0-7");
	CHECK_STR(cls(&plan.isolated), "8-31");
	CHECK(has_reason("the vCPUs on CPUs the kernel sets apart (isolated 8-31, nohz_full 8-31); the host and the emulator threads on the housekeeping CPUs 0-7"));
	CHECK(!has_reason_quiet("CPU 0's core (PUs 0,1) is left to the host"));
	/* 12 vCPUs fill the 12 isolated cores; the emulator never goes there */
	PLAN(EPYC_1S_SMT, 12, NULL, "8,10,12,14,16,18,20,22,24,26,28,30", "2,3");
	/* 13 do not fit: the isolation is not used, and the plan says so */
	PLAN(EPYC_1S_SMT, 13, NULL, "2,8,10,12,14,16,18,20,22,24,26,28,30", "4,5");
	CHECK(!plan.on_isolated);
	CHECK(has_reason("but their cores are too few for the vCPUs: the isolation is not used"));

	/* nohz_full alone sets CPUs apart too; the emulator stays in the vCPUs' node */
	with_cpus("", "", "32-63");
	PLAN(EPYC_2S_SMT, 2, NULL, "32,34", "2,3");
	CHECK(has_reason("(nohz_full 32-63)"));
	CHECK(has_reason("a core of their own, in another NUMA node (none free in the vCPUs' node)"));

	/* isolated SMT siblings only (isolcpus=1,3 of 2 cores): a core with an
	 * isolated PU takes a vCPU there, on that PU */
	with_cpus("", "5,7", "");
	PLAN("package:1 core:4 pu:2", 2, NULL, "5,7", "2,3");
	CHECK_STR(cls(&plan.housekeeping), "0-4,6");

	/* --cpus with isolation: a note for a vCPU off the isolated CPUs; the
	 * emulator on a housekeeping core all the same */
	with_cpus("", "8-31", "");
	PLAN(EPYC_1S_SMT, 2, "8,2", "8,2", "4,5");
	CHECK(has_reason("note: --cpus puts vCPU 1 on CPU 2, which the kernel does not set apart (isolated 8-31)"));
	CHECK(!plan.on_isolated);

	/* a cgroup cpuset (systemd AllowedCPUs=16-31): only there, and said */
	with_cpus("16-31", "", "");
	PLAN(EPYC_1S_SMT, 4, NULL, "24,26,28,30", "18,19");
	CHECK_STR(cls(&plan.not_in_cpuset), "0-15");
	CHECK_STR(cls(&plan.usable), "16-31");
	CHECK(has_reason("CPUs 0-15 not used: this process may not use them (the test's cpuset 16-31; systemd's AllowedCPUs="));
	CHECK(has_reason("CPU 16's core (PUs 16,17) is left to the host"));
	PLAN_ERR(EPYC_1S_SMT, 2, "2,18", "--cpus 2,18: CPU 2 is not one this process may use (not in the test's cpuset 16-31; usable CPUs 16-31)");
	PLAN_ERR(EPYC_1S_SMT, 9, NULL, "9 vCPUs need 9 distinct physical cores but this machine has 8");

	/* cpuset and isolation together: isolated CPUs outside the cpuset do not count */
	with_cpus("0-15", "8-31", "");
	PLAN(EPYC_1S_SMT, 4, NULL, "8,10,12,14", "2,3");
	CHECK_STR(cls(&plan.isolated), "8-15");
	CHECK_STR(cls(&plan.housekeeping), "0-7");

	/* the JSON says which CPUs are which, and where the cpuset comes from */
	j = pin_plan_json(&plan);
	c = json_object_get(j, "cpus");
	txt = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK_STR(txt, "{\"usable\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15],\"housekeeping\":[0,1,2,3,4,5,6,7],"
		  "\"isolated\":[8,9,10,11,12,13,14,15],\"nohz_full\":[],"
		  "\"not_in_cpuset\":[16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31],"
		  "\"cpuset_from\":\"the test's cpuset 0-15\"}");
	CHECK(json_is_true(json_object_get(j, "on_isolated")));
	free(txt);
	json_decref(j);
	given_p = NULL;
}

static void test_cpulist(void)
{
	cpu_set_t s;
	unsigned order[8], n = 0;
	char buf[64], err[128];

	CHECK(util_cpulist_parse("5,0-2,7", &s, order, 8, &n, err, sizeof(err)) == 0);
	CHECK_EQ_U64(n, 5);
	CHECK_EQ_U64(order[0], 5);
	CHECK_EQ_U64(order[3], 2);
	CHECK_STR(util_cpulist_format(&s, buf, sizeof(buf)), "0-2,5,7");
	CPU_ZERO(&s);
	CPU_SET(3, &s);
	CPU_SET(4, &s);
	CHECK_STR(util_cpulist_format(&s, buf, sizeof(buf)), "3,4");
}

static void test_json_and_match(void)
{
	struct pin_affinity aff;
	char err[256], *txt;
	json_t *j;

	PLAN("xml:" TOPO_DIR "this-machine-2pu.xml", 2, NULL, "1,0", "0");
	pin_plan_to_affinity(&plan, &aff);
	j = pin_affinity_json(&aff);
	txt = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK_STR(txt, "{\"vcpu\":[[1],[0]],\"emulator\":[0]}");
	free(txt);
	json_decref(j);
	CHECK(pin_affinity_matches(&plan, &aff, err, sizeof(err)));
	CPU_SET(0, &aff.vcpu[0]);
	CHECK(!pin_affinity_matches(&plan, &aff, err, sizeof(err)));
	CHECK_STR(err, "vCPU 0 runs on CPUs 0,1, planned 1");
	j = pin_plan_json(&plan);
	CHECK(json_array_size(json_object_get(j, "reasons")) == plan.nreasons);
	json_decref(j);
}

static void test_cmd(void)
{
	char *a1[] = { "pin", "--vcpus", "2", "--topology", TOPO_DIR "this-machine-2pu.xml", NULL };
	char *a2[] = { "pin", "--vcpus", "x", NULL };
	char *a3[] = { "pin", "--vcpus", "3", "--synthetic", "package:1 core:2 pu:1", NULL };
	char *a4[] = { "pin", "--vcpus", "1", "--synthetic", "bogus:7", NULL };
	char *a5[] = { "pin", NULL };
	int fd = dup(1);

	/* keep the test log readable: the commands' output is not checked here */
	fflush(stdout);
	if (!freopen("/dev/null", "w", stdout))
		return;
	int r1 = cmd_pin(5, a1), r2 = cmd_pin(3, a2), r3 = cmd_pin(5, a3);
	int r4 = cmd_pin(5, a4), r5 = cmd_pin(1, a5);

	fflush(stdout);
	dup2(fd, 1);
	close(fd);
	CHECK_EQ_U64(r1, 0);
	CHECK_EQ_U64(r2, 2);
	CHECK_EQ_U64(r3, 2);
	CHECK_EQ_U64(r4, 2);
	CHECK_EQ_U64(r5, 2);
}

int main(void)
{
	if (access(TOPO_DIR "this-machine-2pu.xml", R_OK)) {
		printf("SKIP: run from the top of the tree (%s missing)\n", TOPO_DIR);
		return 77;
	}
	test_this_machine();
	test_one_socket_smt();
	test_one_socket_nosmt();
	test_two_sockets();
	test_override();
	test_isolation();
	test_cpulist();
	test_json_and_match();
	test_cmd();
	return check_done("test_pin");
}
