/* SPDX-License-Identifier: MIT */
/*
 * sim.h - the simulated vCPU behind guestos/include/platform.h.
 *
 * sim_run() calls the guest's own guest_main() (guestos/main.c, the NT
 * layer, the workloads: compiled for the host) on one simulated vCPU whose
 * CR8/local APIC are handled by a KVM policy (kvm_policy.h).  Time is
 * simulated TSC cycles: every platform operation costs cycles (struct
 * sim_costs), exits cost their round trip, a host tick (host_hz) makes an
 * unrelated `interrupt` exit.  Limits on events and simulated time end a
 * run that would not finish, with a message, never a hang.
 *
 * One run at a time per process (the platform functions are global).
 * With ncpus > 1 each vCPU runs on a stack of its own (a ucontext
 * coroutine), one at a time in simulated-time order (sim_platform.c):
 * deterministic all the same.
 */
#ifndef IRQLBENCH_SIM_H
#define IRQLBENCH_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "boot.h"
#include "stats.h"
#include "model/kvm_policy.h"

/* Costs in TSC cycles.  Defaults (sim_defaults) are round figures for a
 * current AMD core at 2.5 GHz; they shape latencies, never exit counts. */
struct sim_costs {
	uint64_t insn;		/* guest instructions around each platform op */
	uint64_t cr8;		/* mov cr8 without an exit */
	uint64_t rdtsc;		/* plat_now() */
	uint64_t mmio;		/* emulating one APIC MMIO access, on top of the exit */
	uint64_t deliver;	/* event injection + IDT dispatch */
	uint64_t iret;
	uint64_t exit[KX_N];	/* #VMEXIT..VMRUN round trip by cause */
};

struct sim_config {
	enum kp_policy policy;
	unsigned ncpus;		/* vCPUs (0, 1: one; at most MAX_CPUS) */
	bool x2apic;		/* the guest's APIC in x2APIC mode (apic=auto on KVM) */
	uint64_t tsc_hz;
	uint64_t host_hz;	/* host timer ticks per second (0: none) */
	struct sim_costs cost;
	uint64_t max_events;	/* platform calls */
	uint64_t max_time_ms;	/* simulated */
	bool trace;
	size_t trace_max;	/* rows kept (the rest are counted) */
};

enum sim_end {
	SIM_RETURNED,		/* guest_main returned (status = its code) */
	SIM_GUEST_EXIT,		/* guest_exit(code) (status = code) */
	SIM_LIMIT,		/* an event or time limit: message says which */
	SIM_ERROR,		/* the simulation itself gave up (nesting) */
	SIM_ENTRY_FAIL,		/* a VM entry failed (KVM_EXIT_FAIL_ENTRY): message says why */
};

struct sim_step {
	struct kp_step s;
	uint8_t phase;
};

#define SIM_END_PHASE MAX_PHASES	/* counters after the end marker */

/* One vCPU's counters, split at its own phase markers. */
struct sim_cpu_stats {
	struct kp_stats phase[MAX_PHASES + 1];
	/* the phase markers' own io exits: in no phase, as the kvm trace
	 * folding counts them (host/trace) */
	struct kp_stats markers;
	bool phase_seen[MAX_PHASES + 1];
};

struct sim_result {
	enum sim_end end;
	int status;
	char message[256];
	char *out;		/* everything plat_puts printed (malloc'd) */
	size_t outlen;
	unsigned ncpus;		/* vCPUs that ran: cpu[0 .. ncpus-1] */
	struct sim_cpu_stats cpu[MAX_CPUS];
	uint64_t events, cycles;	/* cycles: the boot vCPU's clock at the end */
	double wall_s;
	bool end_deliverable;	/* a pending vector was deliverable at the end */
	int late_outstanding;	/* an unmasked vector never delivered, or -1 */
	uint64_t irr_end[4], isr_end[4];	/* KVM's IRR/ISR when the run ended */
	struct sim_step *steps;	/* malloc'd */
	size_t nsteps, steps_dropped;
};

#define SIM_DEFAULT_TSC_HZ 2500000000ull	/* sim_defaults(): a current AMD core */

void sim_defaults(struct sim_config *cfg);
/* "key=value" for --cost; 0, or -1 with a one-line message. */
int sim_set_cost(struct sim_config *cfg, const char *kv, char *err, size_t errlen);
/* Prints the cost keys, defaults and meanings (for --help). */
void sim_print_costs(FILE *f);

int sim_run(const struct sim_config *cfg, const struct boot_info *bi, struct sim_result *res);
void sim_result_free(struct sim_result *res);

#endif
