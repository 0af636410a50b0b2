/* SPDX-License-Identifier: MIT */
/*
 * hostfacts.h - what the host says about itself, for provenance.host of
 * every record (results/SCHEMA.md): the CPU (vendor, family, model,
 * stepping, microcode), whether the host is itself a virtual machine and
 * whose, and what shapes its timing (cpufreq governor and boost, SMT,
 * isolated and nohz_full CPUs).  A fact the host does not state is null.
 *
 * Every reader takes a root folder: "" for this host, or a recorded host
 * tree for the tests (ROOT/proc/cpuinfo, ROOT/sys/class/dmi/id/...,
 * ROOT/sys/devices/system/cpu/...).
 *
 * Whether the host is a VM, and whose: the 'hypervisor' flag of cpuinfo,
 * CPUID.1:ECX[31] and the vendor string of CPUID leaf 0x40000000
 * ("KVMKVMKVM", "Microsoft Hv", "VMwareVMware", "XenVMMXenVMM",
 * "TCGTCGTCGTCG", ...), and DMI's sys_vendor and product_name.  No recorded
 * tree can stand in for the CPUID instruction: IRQLBENCH_CPUID_HYPERVISOR=
 * VENDOR (or "none") replaces its answer, for testing recorded hosts only,
 * and a record made so says it (hypervisor.cpuid_from).
 */
#ifndef IRQLBENCH_HOSTFACTS_H
#define IRQLBENCH_HOSTFACTS_H

#include <sched.h>
#include <stdbool.h>
#include <jansson.h>

#define HOST_CPUID_ENV	"IRQLBENCH_CPUID_HYPERVISOR"

struct host_hypervisor {
	bool cpuid_bit;		/* CPUID.1:ECX[31] (or the override) */
	bool cpuinfo_flag;	/* 'hypervisor' among ROOT/proc/cpuinfo's flags */
	bool from_env;		/* HOST_CPUID_ENV stood in for the CPUID instruction */
	char vendor[13];	/* CPUID 0x40000000 EBX:ECX:EDX, printable; "" none */
	char *dmi_vendor;	/* ROOT/sys/class/dmi/id/sys_vendor, or NULL */
	char *dmi_product;	/* ROOT/sys/class/dmi/id/product_name, or NULL */
	char *dmi_product_why;	/* why dmi_product is NULL ("cannot read ...: No
				 * such file or directory", "empty"), else NULL */
};

/* Fills hv (host_hypervisor_free frees its strings). */
void host_hypervisor_read(const char *root, struct host_hypervisor *hv);
void host_hypervisor_free(struct host_hypervisor *hv);
/* Whether the host is a VM: the CPUID bit or the cpuinfo flag says so. */
bool host_hypervisor_present(const struct host_hypervisor *hv);
/* Whether that hypervisor is QEMU's emulator, TCG ("TCGTCGTCGTCG"). */
bool host_hypervisor_is_tcg(const struct host_hypervisor *hv);
/* "KVMKVMKVM, Google Compute Engine": who, for messages.  To free. */
char *host_hypervisor_name(const struct host_hypervisor *hv);
/* provenance.host.hypervisor: {"present", "cpuid_bit", "cpuinfo_flag",
 * "vendor", "cpuid_from", "dmi_sys_vendor", "dmi_product_name",
 * "dmi_product_name_why", "nested"};
 * nested is null (the kvm backend sets it). */
json_t *host_hypervisor_json(const struct host_hypervisor *hv);

/* {"performance": "0-3", "powersave": "4"}: the cpufreq governor of each of
 * these CPUs (NULL: the CPUs this process may use), or null when none says. */
json_t *host_governors_json(const char *root, const cpu_set_t *cpus);

/* provenance.host, whole. */
json_t *host_facts_json(const char *root);
/*
 * A kernel's Debian package version (6.1.192-2) from its version string
 * (uname -v, "... Debian 6.1.192-2 (...)") and its upstream version
 * (6.1.192; for a non-Debian kernel the numeric start of release): both
 * malloc'd, NULL where there is none.
 */
void host_kernel_versions(const char *version, const char *release, char **pkg, char **upstream);

#endif
