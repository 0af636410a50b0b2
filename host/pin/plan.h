/* SPDX-License-Identifier: MIT */
/*
 * plan.h - the vCPU placement planner (hwloc) and the pinning it produces.
 *
 * pin_plan() chooses one PU per vCPU on distinct physical cores (never two
 * SMT siblings), inside one L3 domain (CCX) and one NUMA node where
 * possible, keeps the core of CPU 0 (the host's housekeeping core) and the
 * emulator's core apart from the vCPUs, and says why in plain sentences.
 * It uses only the CPUs this process may use (its cgroup cpuset, which
 * systemd's AllowedCPUs= sets, and its affinity), and where the host
 * isolates CPUs (isolcpus=, nohz_full=) it puts the vCPUs there and the
 * emulator threads on the housekeeping CPUs (struct pin_cpus).
 *
 * The launchers apply a plan (host/pin/qmp.c for the direct QEMU launch,
 * host/libvirt/ for libvirt) and read the affinity back into a
 * struct pin_affinity, which becomes the record's provenance.pinning.
 */
#ifndef IRQLBENCH_PIN_PLAN_H
#define IRQLBENCH_PIN_PLAN_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <hwloc.h>
#include <jansson.h>

#include "cli/util.h"

#define PIN_MAX_VCPUS	128
#define PIN_MAX_REASONS	24
#define PIN_REASON_LEN	200

/*
 * The CPUs of a machine a plan may use, and the ones its kernel isolates:
 * this host's (pin_host_cpus), or given (the tests, `irqlbench pin
 * --cpuset/--isolated/--nohz-full` for a saved or synthetic topology).
 */
struct pin_cpus {
	bool have_cpuset;		/* else: every CPU of the topology */
	cpu_set_t cpuset;		/* the CPUs this process may use */
	char cpuset_from[200];		/* where that set comes from, for the reasons */
	cpu_set_t isolated;		/* /sys/devices/system/cpu/isolated (isolcpus=) */
	cpu_set_t nohz_full;		/* /sys/devices/system/cpu/nohz_full (nohz_full=) */
};

struct pin_plan {
	unsigned nvcpus;
	unsigned vcpu_pu[PIN_MAX_VCPUS];	/* OS index of the PU of vCPU i */
	cpu_set_t emulator;			/* PUs (OS indexes) of the emulator threads */
	bool overridden;			/* --cpus chose the vCPU PUs */
	bool one_l3;				/* all vCPUs share one L3 (or the machine has none) */
	bool one_numa;				/* all vCPUs are in one NUMA node */
	bool emulator_shared;			/* the emulator shares a core with a vCPU */
	unsigned nreasons;
	char reasons[PIN_MAX_REASONS][PIN_REASON_LEN];
	char machine[160];			/* "1 package, 1 NUMA node, 4 L3, 16 cores, 32 PUs (SMT 2)" */
	/* the machine's CPUs by what they are for (OS indexes) */
	cpu_set_t usable;			/* this process may use them */
	cpu_set_t housekeeping;			/* usable, neither isolated nor nohz_full: the host's
						 * and the emulator threads' */
	cpu_set_t isolated, nohz_full;		/* usable, set apart by the kernel */
	cpu_set_t not_in_cpuset;		/* in the machine, not usable */
	bool on_isolated;			/* the vCPUs are on isolated or nohz_full CPUs */
	char cpuset_from[200];			/* where the usable set comes from */
};

/*
 * The affinity read back from the OS (or from libvirt) after pinning:
 * provenance.pinning = {"vcpu": [[cpus]...], "emulator": [cpus]}.
 */
struct pin_affinity {
	unsigned nvcpus;
	pid_t vcpu_tid[PIN_MAX_VCPUS];		/* 0 where unknown (libvirt) */
	cpu_set_t vcpu[PIN_MAX_VCPUS];
	cpu_set_t emulator;			/* union over the emulator threads */
	unsigned n_emulator_threads;
	bool emulator_uniform;			/* every emulator thread had the same mask */
};

/*
 * Plans nvcpus vCPUs on topo.  cpus_override (NULL for none) is a Linux CPU
 * list ("1,3-5") of exactly nvcpus PUs, vCPU i on the i-th listed PU.
 * On this machine's topology it honours this host's CPUs (pin_host_cpus);
 * on a saved or synthetic one, none.  Returns 0, or -1 with a one-line
 * error in err.
 */
int pin_plan(hwloc_topology_t topo, unsigned nvcpus, const char *cpus_override,
	     struct pin_plan *out, char *err, size_t errlen);
/* The same with the CPUs given (NULL: none). */
int pin_plan_cpus(hwloc_topology_t topo, const struct pin_cpus *cpus, unsigned nvcpus,
		  const char *cpus_override, struct pin_plan *out, char *err, size_t errlen);

/*
 * This host's: the cgroup cpuset of this process (cpuset.cpus.effective,
 * v2 or v1), narrowed by its affinity where that was narrowed (taskset;
 * the kernel's own default affinity leaves the isolated CPUs out, and that
 * is no narrowing), and /sys/devices/system/cpu/isolated and nohz_full.
 */
void pin_host_cpus(struct pin_cpus *c);

/* Whether the affinity read back is exactly the plan (err says where not). */
bool pin_affinity_matches(const struct pin_plan *plan, const struct pin_affinity *aff,
			  char *err, size_t errlen);

/* {"vcpu": [[pu]...], "emulator": [pus], "reasons": [...], "machine": "...", ...,
 *  "cpus": {"usable", "housekeeping", "isolated", "nohz_full", "not_in_cpuset": [cpus],
 *           "cpuset_from": "..."}} */
json_t *pin_plan_json(const struct pin_plan *plan);

/* provenance.pinning: {"vcpu": [[cpus]...], "emulator": [cpus]} */
json_t *pin_affinity_json(const struct pin_affinity *aff);

/* Fills aff with what the plan asks for (what a launcher applies). */
void pin_plan_to_affinity(const struct pin_plan *plan, struct pin_affinity *aff);

/* Loads the topology: xml file, synthetic string, or (both NULL) this machine. */
int pin_load_topology(hwloc_topology_t *topo, const char *xml, const char *synthetic,
		      char *err, size_t errlen);


#endif
