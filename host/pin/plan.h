/* SPDX-License-Identifier: MIT */
/*
 * plan.h - the vCPU placement planner (hwloc) and the pinning it produces.
 *
 * pin_plan() chooses one PU per vCPU on distinct physical cores (never two
 * SMT siblings), inside one L3 domain (CCX) and one NUMA node where
 * possible, keeps the core of CPU 0 (the host's housekeeping core) and the
 * emulator's core apart from the vCPUs, and says why in plain sentences.
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
 * Returns 0, or -1 with a one-line error in err.
 */
int pin_plan(hwloc_topology_t topo, unsigned nvcpus, const char *cpus_override,
	     struct pin_plan *out, char *err, size_t errlen);

/* Whether the affinity read back is exactly the plan (err says where not). */
bool pin_affinity_matches(const struct pin_plan *plan, const struct pin_affinity *aff,
			  char *err, size_t errlen);

/* {"vcpu": [[pu]...], "emulator": [pus], "reasons": [...], "machine": "..."} */
json_t *pin_plan_json(const struct pin_plan *plan);

/* provenance.pinning: {"vcpu": [[cpus]...], "emulator": [cpus]} */
json_t *pin_affinity_json(const struct pin_affinity *aff);

/* Fills aff with what the plan asks for (what a launcher applies). */
void pin_plan_to_affinity(const struct pin_plan *plan, struct pin_affinity *aff);

/* Loads the topology: xml file, synthetic string, or (both NULL) this machine. */
int pin_load_topology(hwloc_topology_t *topo, const char *xml, const char *synthetic,
		      char *err, size_t errlen);


#endif
