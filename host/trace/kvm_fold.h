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
 *  - delivery of held-back interrupts.  An interrupt is "held back" when
 *    KVM accepted it into the IRR and then entered the guest at least once
 *    without injecting it (masked by CR8/TPR, or waiting for a window).
 *    The guest had to lower its priority to let it in: that lowering is an
 *    "unmasking write".  The interrupt was delivered "immediately" when the
 *    exit right before its injection is a write_cr8 exit (KVM saw the
 *    lowering as it happened), "late" when it is any other exit (the
 *    lowering did not exit; some unrelated exit let it in).
 *
 * Phases: the guest marks a phase by writing 0x49520000 | cpu << 8 | phase
 * to port 0x500 (results/SERIAL.md); the kvm_pio event switches that vCPU's
 * phase.  The marker's own io exit is not counted in any phase (it is the
 * measurement, not the workload); it is counted in marker_exits.
 *
 * vCPU attribution: kvm_exit/kvm_entry carry vcpu_id and teach the fold
 * which thread runs which vCPU; kvm_pio and kvm_inj_virq are attributed by
 * thread; kvm_apic_accept_irq and kvm_eoi by APIC ID (= vCPU id in QEMU's
 * default topology).
 */
#ifndef IRQLBENCH_KVM_FOLD_H
#define IRQLBENCH_KVM_FOLD_H

#include <stddef.h>
#include <stdint.h>

#define KT_MARKER_PORT		0x500
#define KT_MARKER_MAGIC		0x4952u		/* high 16 bits of a marker */
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

struct kt_event {
	enum kt_type type;
	int tid;			/* common_pid of the record */
	unsigned long long ts;
	int vcpu;			/* KT_EXIT, KT_ENTRY: vcpu_id */
	uint32_t exit_reason;		/* KT_EXIT */
	uint32_t port, val, size;	/* KT_PIO */
	int write;			/* KT_PIO: 1 = out */
	uint32_t vector;		/* KT_INJ_VIRQ, KT_ACCEPT_IRQ, KT_EOI */
	uint32_t apicid;		/* KT_ACCEPT_IRQ, KT_EOI */
	int soft, reinjected;		/* KT_INJ_VIRQ */
};

struct kt_cell {
	unsigned int phase;
	unsigned int vcpu;
	uint64_t exits[KT_EXIT_SLOTS];
	uint64_t exits_total;
	uint64_t injections[256];
	uint64_t reinjections;
	uint64_t unmasking_writes;	/* held-back interrupts injected */
	uint64_t immediate;		/* ... right after a write_cr8 exit */
	uint64_t late;			/* ... after another exit */
	uint64_t eois;
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
	uint64_t marker_cpu_mismatch;	/* marker's cpu field != the writing vCPU */
	uint64_t unattributed;		/* events from a thread not yet seen in kvm_exit/entry */
	uint64_t unpaired_injections;	/* injected without a traced acceptance */
	uint64_t missed;		/* events the ring buffer dropped (set by the collector) */
};

void kt_fold_init(struct kt_fold *f);
void kt_fold_free(struct kt_fold *f);

/* Feed one event (events must come in time order per vCPU). 0, or -1 on ENOMEM. */
int kt_fold_event(struct kt_fold *f, const struct kt_event *e);

/* Sort the cells by phase, then vCPU (call before walking f->cells). */
void kt_fold_sort(struct kt_fold *f);

/* The cell of (phase, vcpu), or NULL when nothing happened there. */
const struct kt_cell *kt_fold_cell(const struct kt_fold *f, unsigned int phase,
				   unsigned int vcpu);

/* Exit slot of an SVM code, and the code of a slot (KT_SLOT_OTHER: none). */
unsigned int kt_exit_slot(uint32_t code);
uint32_t kt_slot_code(unsigned int slot);

/* Sort events by timestamp, keeping the order of equal ones. */
void kt_sort_events(struct kt_event *ev, size_t n);

#endif
