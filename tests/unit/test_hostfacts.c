// SPDX-License-Identifier: MIT
/*
 * test_hostfacts.c - provenance.host from made-up host trees
 * (tests/fixtures/hosts/, README.md there): the CPU numbers, the
 * hypervisor (the cpuinfo flag, the CPUID answer given by
 * IRQLBENCH_CPUID_HYPERVISOR, DMI), governors grouped by CPU list, boost,
 * SMT, isolated and nohz_full CPUs, and null wherever a tree says nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "record/hostfacts.h"
#include "cli/util.h"

#define HOSTS "tests/fixtures/hosts/"

static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

/* CHECK_STR of the compact JSON of key in o. */
static void key_is(json_t *o, const char *key, const char *want)
{
	char *got = dump(json_object_get(o, key));

	CHECK_STR(got, want);
	free(got);
}

static json_t *facts(const char *tree, const char *cpuid)
{
	char *root = xasprintf(HOSTS "%s", tree);
	json_t *j;

	if (cpuid)
		setenv(HOST_CPUID_ENV, cpuid, 1);
	else
		unsetenv(HOST_CPUID_ENV);
	j = host_facts_json(root);
	free(root);
	return j;
}

static void test_bare_epyc(void)
{
	json_t *h = facts("epyc-bare", "none");
	cpu_set_t all;

	key_is(h, "cpu_vendor", "\"AuthenticAMD\"");
	key_is(h, "cpu_model", "\"AMD EPYC 7313 16-Core Processor\"");
	key_is(h, "cpu_family", "25");
	key_is(h, "cpu_model_number", "1");	/* "model", not "model name" */
	key_is(h, "cpu_stepping", "1");
	key_is(h, "microcode", "\"0xa0011d1\"");
	key_is(h, "hypervisor", "{\"present\":false,\"cpuid_bit\":false,\"cpuinfo_flag\":false,"
	       "\"vendor\":null,\"cpuid_from\":\"IRQLBENCH_CPUID_HYPERVISOR\","
	       "\"dmi_sys_vendor\":\"Dell Inc.\",\"dmi_product_name\":\"PowerEdge R6515\","
	       "\"dmi_product_name_why\":null,\"nested\":null}");
	key_is(h, "boost", "true");
	key_is(h, "smt", "true");
	key_is(h, "isolated", "\"2-3\"");
	key_is(h, "nohz_full", "\"2-3\"");
	json_decref(h);

	/* the governors of the CPUs asked for, one list per governor */
	CPU_ZERO(&all);
	for (int c = 0; c < 8; c++)	/* 4-7 have no cpufreq: left out */
		CPU_SET(c, &all);
	h = host_governors_json(HOSTS "epyc-bare", &all);
	key_is(h, "performance", "\"0,1\"");
	key_is(h, "schedutil", "\"2,3\"");
	CHECK_EQ_U64(json_object_size(h), 2);
	json_decref(h);
	CPU_ZERO(&all);
	CPU_SET(3, &all);
	h = host_governors_json(HOSTS "epyc-bare", &all);
	CHECK_EQ_U64(json_object_size(h), 1);
	key_is(h, "schedutil", "\"3\"");
	json_decref(h);
}

static void test_hygon(void)
{
	json_t *h = facts("hygon-bare", "none");

	key_is(h, "cpu_vendor", "\"HygonGenuine\"");
	key_is(h, "cpu_family", "24");
	CHECK(util_vendor_runs_kvm_amd("HygonGenuine"));
	CHECK(util_vendor_runs_kvm_amd("AuthenticAMD"));
	CHECK(!util_vendor_runs_kvm_amd("GenuineIntel"));
	CHECK(!util_vendor_runs_kvm_amd(NULL));
	/* no cpufreq driver, no nohz_full file: the host does not say */
	key_is(h, "cpufreq_governor", "null");
	key_is(h, "boost", "null");
	key_is(h, "nohz_full", "null");
	key_is(h, "isolated", "\"\"");
	json_decref(h);
}

/* Reads tree's hypervisor with the CPUID answer cpuid; checks its name. */
static void hv_read(const char *tree, const char *cpuid, struct host_hypervisor *hv,
		    const char *want_name)
{
	char *root = xasprintf(HOSTS "%s", tree), *name;

	setenv(HOST_CPUID_ENV, cpuid, 1);
	host_hypervisor_read(root, hv);
	name = host_hypervisor_name(hv);
	CHECK_STR(name, want_name);
	free(name);
	free(root);
}

static void test_vms(void)
{
	struct host_hypervisor hv;
	json_t *h = facts("gce-nested", "KVMKVMKVM");

	key_is(json_object_get(h, "hypervisor"), "present", "true");
	key_is(json_object_get(h, "hypervisor"), "vendor", "\"KVMKVMKVM\"");
	key_is(json_object_get(h, "hypervisor"), "dmi_product_name", "\"Google Compute Engine\"");
	key_is(h, "nohz_full", "\"\"");		/* the kernel's "(null)": none */
	json_decref(h);

	hv_read("gce-nested", "KVMKVMKVM", &hv, "KVMKVMKVM, Google Compute Engine");
	CHECK(host_hypervisor_present(&hv) && !host_hypervisor_is_tcg(&hv) && hv.from_env);
	host_hypervisor_free(&hv);
	/* the cpuinfo flag alone says VM, whatever CPUID says */
	hv_read("gce-nested", "none", &hv, "a hypervisor that gives no CPUID vendor, Google Compute Engine");
	CHECK(host_hypervisor_present(&hv) && !hv.cpuid_bit && hv.cpuinfo_flag);
	host_hypervisor_free(&hv);
	hv_read("tcg-l1", "TCGTCGTCGTCG", &hv, "TCGTCGTCGTCG, Standard PC (i440FX + PIIX, 1996)");
	CHECK(host_hypervisor_is_tcg(&hv));
	host_hypervisor_free(&hv);
	/* no DMI at all (this machine's kind): null, and the name is the vendor's */
	hv_read("intel-pvm", "KVMKVMKVM", &hv, "KVMKVMKVM");
	CHECK(!hv.dmi_vendor && !hv.dmi_product);
	CHECK_STR(hv.dmi_product_why ? hv.dmi_product_why : "(null)",
		  "cannot read /sys/class/dmi/id/product_name: No such file or directory");
	h = host_hypervisor_json(&hv);
	key_is(h, "dmi_product_name", "null");
	key_is(h, "dmi_product_name_why",
	       "\"cannot read /sys/class/dmi/id/product_name: No such file or directory\"");
	json_decref(h);
	host_hypervisor_free(&hv);
}

static void test_this_host(void)
{
	json_t *h, *hv;

	/* without the override the CPUID instruction answers */
	unsetenv(HOST_CPUID_ENV);
	h = host_facts_json("");
	hv = json_object_get(h, "hypervisor");
	key_is(hv, "cpuid_from", "\"cpu\"");
	CHECK(json_is_boolean(json_object_get(hv, "present")));
	CHECK(json_is_string(json_object_get(h, "kernel")));
	CHECK(json_object_get(h, "cpu_stepping") && json_object_get(h, "smt"));
	json_decref(h);
}

int main(void)
{
	if (access(HOSTS "epyc-bare/proc/cpuinfo", R_OK)) {
		printf("SKIP: run from the top of the tree (%s missing)\n", HOSTS);
		return 77;
	}
	test_bare_epyc();
	test_hygon();
	test_vms();
	test_this_host();
	return check_done("test_hostfacts");
}
