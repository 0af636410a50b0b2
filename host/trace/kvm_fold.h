/* SPDX-License-Identifier: MIT */
/*
 * Folding KVM trace events into per-phase, per-vCPU results.
 *
 * Input: kvm tracepoint events in time order (kvm_exit, kvm_entry, kvm_pio,
 * kvm_inj_virq, kvm_apic_accept_irq, kvm_eoi), already decoded into struct
 * kt_event.  No tracefs here, so the logic is unit-tested with recorded
 * sequences (tests/unit/test_trace.c); host/trace/kvmtrace.c feeds it live.
 *
 * Output, per (phase, vCPU) cell:
 *  - exits by SVM exit code (write_cr8, io, npf, ...);
 *  - injections by vector (kvm_inj_virq, reinjections not counted twice);
 *  - exit handling times by SVM exit code: from a vCPU's kvm_exit to its
 *    next kvm_entry (what `perf kvm stat` times as a VM-EXIT event), in the
 *    trace clock's units (ns: the collector sets the "mono" clock), with
 *    the guest's log-linear buckets (guestos/include/stats.h).  An exit
 *    the vCPU was not seen re-entering from (another exit came first, an
 *    event was out of order, the trace ended) is counted, not timed: its
 *    cell's exits[] less the timed n.  A phase marker's exit is neither;
 *  - delivery of held-back interrupts.  An interrupt is "held back" when
 *    KVM accepted it into the IRR and then entered the guest at least once
 *    without injecting it (masked by CR8/TPR, or waiting for a window).
 *    What let it in says why it was held.  KVM asks for an interrupt
 *    window (a vintr exit) only for an interrupt the processor priority lets
 *    in while IF or an interrupt shadow blocks it (svm_enable_irq_window()
 *    after kvm_cpu_has_injectable_intr()), so one injected right after a
 *    vintr exit was held by IF: "window", not an unmasking write.  One
 *    injected at the exit whose handling traced a kvm_eoi of a vector of its
 *    priority class or higher was held by that vector in service: "eoi".
 *    One the guest was entered with exactly once, injected after the very
 *    next exit, and that exit not write_cr8, was held by nothing: KVM
 *    accepted it (from another thread: an IPI from another vCPU) while it
 *    was entering the guest, after its last look at the IRR, and the kick
 *    made the guest exit at once: "entry_races".  Had KVM seen it before
 *    that entry with the TPR masking it, it would have set the CR8 write
 *    intercept (update_cr8_intercept(), x86.c, on KVM_REQ_EVENT), so a
 *    lowering would have been a write_cr8 exit, and with no CR8 write the
 *    TPR would still mask it after the next exit.  (Seen in the lab with
 *    ipi-generic-call: 1 of 400 IPIs in one run of 5.)  Any other was held
 *    by the TPR: the guest had to lower it to let the interrupt in, an
 *    "unmasking write",
 *    delivered "immediately" when the exit right before its injection is a
 *    write_cr8 exit (KVM saw the lowering as it happened), "late" when it is
 *    any other exit (the lowering did not exit; some unrelated exit let it
 *    in).  Not told apart: a TPR lowering that did not exit followed by a
 *    cli before the next exit (KVM then opens a window: counted "window").
 *
 * Phases: the guest marks a phase by writing 0x49520000 | cpu << 8 | phase
 * to port 0x500 (results/SERIAL.md); the kvm_pio event switches the phase of
 * the vCPU that wrote it (the vCPU of the writing thread), whatever its cpu
 * field says.  The marker's own io exit is not counted in any phase (it is
 * the measurement, not the workload); it is counted in marker_exits.
 *
 * Jobs: a guest booted with repeat=N writes 0x4a420000 | job to the same
 * port before each job (results/SERIAL.md, "Jobs"); the vCPU that wrote it
 * starts that job's cells, back in phase 0.  kt_fold_job() takes one job
 * out as a fold of its own; a guest without job markers is all job 0.
 *
 * vCPU identity.  Cells are kept by KVM's vcpu_id.  kvm_exit/kvm_entry carry
 * it and teach the fold which thread runs which vCPU; kvm_pio and
 * kvm_inj_virq are attributed by thread; kvm_apic_accept_irq and kvm_eoi by
 * their "apicid" field, which holds the target's vcpu_id (arch/x86/kvm/
 * lapic.c __apic_accept_irq() and trace.h kvm_eoi pass vcpu->vcpu_id).  The
 * guest numbers its CPUs in the order they arrive (boot.S), so its index is
 * not the vcpu_id: the markers' cpu field says which guest CPU a vCPU is,
 * the guest's report gives each CPU's APIC ID, and QEMU gives every vCPU
 * the APIC ID that is its KVM vcpu_id (kvm_arch_vcpu_id()).  kt_fold_map()
 * checks that the three agree and files the cells under the guest's index.
 *
 * Injections: kvm_inj_virq has a "reinjected" field since 5.19.  Without it
 * (5.15-5.18) a re-injection is recognised the way KVM decides one: the
 * exit before had a valid EXITINTINFO of type INTR with that vector
 * (svm_complete_interrupts() requeues it), or the same vector was already
 * injected since the last exit (a cancelled entry, svm_cancel_injection()).
 * Only fixed and lowest-priority acceptances put a vector into the IRR;
 * INIT, SIPI, NMI, SMI and ExtINT acceptances are not pending interrupts.
 */
#ifndef IRQLBENCH_KVM_FOLD_H
#define IRQLBENCH_KVM_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"	/* HIST_NBOUNDS, hist_index(), hist_bound(): the buckets of the times */

#define KT_MARKER_PORT		0x500
#define KT_MARKER_MAGIC		0x4952u		/* high 16 bits of a marker */
#define KT_JOB_MAGIC		0x4a42u		/* high 16 bits of a job marker */
#define KT_PHASE_NONE		0		/* before the first marker */

/* exit slots: SVM codes 0x000-0x0ff, 0x400-0x40f, invalid_guest_state, other */
#define KT_EXIT_SLOTS		0x112
#define KT_SLOT_INVALID		0x110
#define KT_SLOT_OTHER		0x111

enum kt_type {
	KT_EXIT,
	KT_ENTRY,
	KT_PIO,
	KT_INJ_VIRQ,
	KT_ACCEPT_IRQ,
	KT_EOI,
};

/* kvm_apic_accept_irq's dm: the ICR's delivery mode bits (8-10) */
#define KT_DM_FIXED		0x000
#define KT_DM_LOWEST		0x100

struct kt_event {
	unsigned long long ts;
	int tid;			/* common_pid of the record */
	int vcpu;			/* KT_EXIT, KT_ENTRY: vcpu_id; else -1 */
	uint32_t exit_reason;		/* KT_EXIT */
	uint32_t intr_info;		/* KT_EXIT: SVM EXITINTINFO (0 when not traced) */
	uint32_t port, val;		/* KT_PIO */
	uint32_t vector;		/* KT_INJ_VIRQ, KT_ACCEPT_IRQ, KT_EOI */
	uint32_t apicid;		/* KT_ACCEPT_IRQ, KT_EOI: the target's vcpu_id */
	uint16_t dm;			/* KT_ACCEPT_IRQ: KT_DM_FIXED, KT_DM_LOWEST, ... */
	uint8_t type;			/* enum kt_type */
	uint8_t size;			/* KT_PIO */
	uint8_t write;			/* KT_PIO: 1 = out */
	uint8_t soft;			/* KT_INJ_VIRQ */
	int8_t reinjected;		/* KT_INJ_VIRQ: 1, 0, or -1 when the kernel has no such field */
};

/* The times of one exit reason in one cell, in the trace clock's units. */
struct kt_exit_time {
	unsigned int slot;		/* kt_exit_slot() of the reason */
	uint64_t n, sum, min, max;	/* the timed exits */
	uint64_t overflow;		/* above hist_bound(HIST_NBOUNDS - 1) */
	uint64_t counts[HIST_NBOUNDS];	/* bucket hist_index(t) */
};

struct kt_cell {
	unsigned int job;		/* 0 unless the guest wrote job markers */
	unsigned int phase;
	unsigned int vcpu;
	uint64_t exits[KT_EXIT_SLOTS];
	uint64_t exits_total;
	uint64_t injections[256];
	uint64_t reinjections;
	uint64_t unmasking_writes;	/* interrupts held back by the TPR, injected */
	uint64_t immediate;		/* ... right after a write_cr8 exit */
	uint64_t late;			/* ... after another exit */
	uint64_t window;		/* held back by IF or an interrupt shadow only:
					 * injected after the interrupt-window (vintr) exit */
	uint64_t eoi;			/* held back by a higher vector in service:
					 * injected at the exit whose handling EOIed it */
	uint64_t entry_races;		/* held back by nothing: accepted while KVM
					 * entered the guest, injected after the next exit */
	uint64_t eois;
	struct kt_exit_time *times;	/* the reasons timed, in the order first timed */
	size_t ntimes;
};

struct kt_vcpu_state;

struct kt_fold {
	struct kt_cell *cells;
	size_t ncells, cap_cells;
	struct kt_vcpu_state *vcpus;
	size_t nvcpus;
	struct kt_tid *tids;
	size_t ntids, cap_tids;
	/* diagnostics */
	uint64_t events;
	uint64_t marker_exits;		/* io exits of phase markers, not in any cell */
	uint64_t markers;
	uint64_t job_markers;		/* a repeat=N boot's, one per job */
	unsigned int njobs;		/* highest job marker + 1; 0 when none */
	uint64_t map_conflicts;		/* markers of one vCPU naming another guest CPU */
	unsigned conflict_vcpu, conflict_cpu;	/* the first such marker: its vCPU, its cpu field */
	uint64_t unattributed;		/* events from a thread not yet seen in kvm_exit/entry */
	uint64_t unpaired_injections;	/* injected without a traced acceptance */
	uint64_t reinjections_inferred;	/* re-injections told without the "reinjected" field */
	uint64_t accepts_not_fixed;	/* INIT, SIPI, NMI, ... acceptances: not pending */
	uint64_t out_of_order;		/* events of a vCPU older than its previous one */
	uint64_t missed;		/* events the ring buffer dropped (set by the collector) */
	int mapped;			/* kt_fold_map() succeeded */
};

/* One vCPU as kt_fold_map() found it. */
struct kt_vcpu_info {
	unsigned vcpu_id;
	int cpu;			/* the guest's CPU index, -1 when unknown */
	int apic_id;			/* from the guest's report, -1 when not reported */
	int tid;			/* its thread, 0 when none was seen */
	int seen;			/* events were attributed to it */
};

void kt_fold_init(struct kt_fold *f);
void kt_fold_free(struct kt_fold *f);

/* Feed one event (events must come in time order per vCPU). 0, or -1 on ENOMEM. */
int kt_fold_event(struct kt_fold *f, const struct kt_event *e);

/*
 * Map KVM's vcpu_ids to the guest's CPU indices (see above): apic_ids[g] is
 * guest CPU g's APIC ID from its report, for g < ncpus (NULL for a report
 * from before APIC IDs were reported); ncpus is the report's CPU count (0:
 * unknown).  0, or -1 with one line in err saying what disagrees: a vCPU
 * whose markers name two guest CPUs, two vCPUs naming one, a guest CPU
 * whose APIC ID is not the vcpu_id that wrote its markers, a marker naming
 * a CPU the report does not have, or a reported CPU no vCPU wrote markers
 * for.
 */
int kt_fold_map(struct kt_fold *f, const int *apic_ids, unsigned ncpus, char *err,
		size_t len);

/* The guest CPU index of a vcpu_id after kt_fold_map(), -1 when unmapped. */
int kt_fold_guest_cpu(const struct kt_fold *f, unsigned vcpu);

/* What the fold knows of vCPU @i (0 .. f->nvcpus - 1). */
void kt_fold_vcpu_info(const struct kt_fold *f, unsigned i, struct kt_vcpu_info *out);

/* Sort the cells by phase, then vCPU (call before walking f->cells). */
void kt_fold_sort(struct kt_fold *f);

/*
 * Job @job of a fold whose guest wrote job markers (a repeat=N boot): a
 * copy with only that job's cells, as job 0, and the whole fold's vCPU
 * map and diagnostics (the trace's losses are the boot's).  0, or -1 on
 * ENOMEM with *out empty.  Free it with kt_fold_free().
 */
int kt_fold_job(const struct kt_fold *f, unsigned int job, struct kt_fold *out);

/* The cell of (phase, vcpu) of job 0, or NULL when nothing happened there. */
const struct kt_cell *kt_fold_cell(const struct kt_fold *f, unsigned int phase,
				   unsigned int vcpu);

/* The times of exit slot @slot in @c, NULL when none was timed. */
const struct kt_exit_time *kt_cell_time(const struct kt_cell *c, unsigned int slot);

/* Exit slot of an SVM code, and the code of a slot (KT_SLOT_OTHER: none). */
unsigned int kt_exit_slot(uint32_t code);
uint32_t kt_slot_code(unsigned int slot);

/* Sort events by timestamp, keeping the order of equal ones. */
void kt_sort_events(struct kt_event *ev, size_t n);

#endif
