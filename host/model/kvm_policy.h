/* SPDX-License-Identifier: MIT */
/*
 * kvm_policy.h - KVM's handling of the guest TPR (CR8), as a deterministic
 * state machine, one policy per kernel behaviour.
 *
 * Specification: docs/kvm-cr8-model.md §2, §3, §7 (state and
 * transition rules), §8 (the worked table the tests replay).  This file
 * knows nothing about time costs, the NT layer or the guest's C code: the
 * simulated platform (sim_platform.c) turns guest actions into the kp_*
 * events below and is told about exits and deliveries through kp_hooks.
 * The unit test (tests/unit/test_model_policy.c) drives it by hand.
 *
 * Vocabulary: I = SVM CR8-write intercept, REQ = KVM_REQ_EVENT,
 * evtinj = EVENTINJ, vintr = the interrupt window (SVM V_IRQ + VINTR
 * intercept, VMX interrupt-window exiting), thr = VMX TPR_THRESHOLD.
 */
#ifndef IRQLBENCH_KVM_POLICY_H
#define IRQLBENCH_KVM_POLICY_H

#include <stdbool.h>
#include <stdint.h>

enum kp_policy {
	KP_PREFIX,	/* v3.13 / 3.14-rc: CR8 exit clears I, recompute only sets */
	KP_FIXED,	/* v3.14 / 3.15: recompute from scratch (596f3142d2b7) */
	KP_L61,		/* v6.1: as fixed, REQ on PPR drop only if deliverable */
	KP_L72,		/* 6.1 + bb365a506b1e: update_ppr recomputes I */
	KP_UNFIXED,	/* the lab's fix-reverted 6.1: prefix intercept, 6.1 PPR */
	KP_VMX_TPR,	/* Intel TPR shadow + TPR_THRESHOLD (3.14) */
	KP_APICV,	/* Intel APICv, virtual-interrupt delivery */
	KP_AVIC,	/* AMD AVIC, 4.7-6.16 (3bbf3565f48c): V_TPR not synced,
			 * CR8 intercept left as init_vmcb() set it */
	KP_VMX_411,	/* TPR shadow, 4.11-7.1: the TPR-below-threshold exit
			 * only updates the PPR (eb90f3417a0c) */
	KP_VMX_72,	/* TPR shadow, >= 7.2: bb365a506b1e */
	KP_AVIC_617,	/* AVIC, 6.17-6.19: V_TPR synced (d02e48830e3f) */
	KP_AVIC_70,	/* AVIC, >= 7.0: also 87d0f901a9bd */
	KP_NPOLICY
};

/* Exit causes.  Names per policy family: kp_exit_name(). */
enum kp_exit {
	KX_CR8,		/* write_cr8 / CR_ACCESS */
	KX_INTR,	/* interrupt / EXTERNAL_INTERRUPT (host tick, timer, kick) */
	KX_WINDOW,	/* vintr / INTERRUPT_WINDOW */
	KX_IO,		/* io / IO_INSTRUCTION (phase markers) */
	KX_APIC,	/* local APIC register access: npf / APIC_ACCESS /
			 * APIC_WRITE / avic_unaccelerated_access */
	KX_MSR,		/* msr / MSR_WRITE (x2APIC; not used by the xAPIC guest) */
	KX_MSR_READ,	/* msr / MSR_READ: an x2APIC register read (IRR); SVM's
			 * msr exit is one reason for both directions, VMX has two */
	KX_HLT,		/* hlt / HLT */
	KX_TPR_BELOW,	/* TPR_BELOW_THRESHOLD (vmx-tpr only) */
	KX_N
};

/* Guest-side operation counts: what could have caused an exit. */
enum kp_op {
	KO_CR8,		/* CR8 writes */
	KO_SELF_IPI,
	KO_EOI,
	KO_APIC_OTHER,	/* IRR reads, timer programming */
	KO_PHASE,	/* port writes */
	KO_HOST_TICK,
	KO_EXT_IRQ,	/* timer expiries and other external interrupts */
	KO_IF_ON,	/* sti, iret/popf that set IF */
	KO_HOST,	/* host-side actions (kp_host) */
	KO_IPI,		/* ICR writes of IPIs to other vCPUs (kp_ipi_send) */
	KO_N
};

/* Counters of one phase (the sim keeps one per phase). */
struct kp_stats {
	uint64_t exits[KX_N];
	uint64_t ops[KO_N];
	uint64_t inj[256];		/* deliveries by vector (EVENTINJ or hardware) */
	uint64_t unmasking;		/* CR8 writes that made a pending vector deliverable (IF=1) */
	uint64_t immediate;		/* ... delivered before the next guest instruction */
	uint64_t late;			/* ... not */
	uint64_t late_max;		/* cycles, unmasking write -> delivery, worst late one */
	uint64_t violations;		/* delivered while class <= guest PPR, or with IF=0 */
	uint64_t entry_failed;		/* VM entries the CPU refused (kp_entry_ok()) */
};

/* One row of the step table. */
enum kp_ev {
	KE_WRCR8, KE_SELF_IPI, KE_EOI, KE_EXT_IRQ, KE_HOST_TICK, KE_IO, KE_APIC,
	KE_IF_ON, KE_IF_OFF, KE_IRET, KE_WINDOW, KE_INJECT, KE_RESET, KE_NOTE,
	KE_HOST, KE_ENTRY_FAIL
};

/* Host-side actions between guest steps (scripts' `host ACTION [ARG]`,
 * kp_host()): the vCPU is kicked out of guest mode (one `interrupt` exit),
 * the host acts, the vCPU re-enters. */
enum kp_host_action {
	KH_SET_TPR,	/* KVM_SET_LAPIC with TPR = arg << 4 (a state restore) */
	KH_INIT,	/* INIT: kvm_vcpu_reset(init_event), then the guest's SPIV write */
	KH_AVIC_INHIBIT,	/* an APICv inhibit is set: AVIC deactivated */
	KH_AVIC_ACTIVATE,	/* the inhibit is cleared: AVIC activated again */
	KH_N
};

struct kp_step {
	uint64_t t;			/* sim time, cycles */
	enum kp_ev ev;
	int arg;			/* CR8 value or vector, -1 none */
	int exit;			/* enum kp_exit, or -1 for none */
	int injected;			/* vector taken by the guest here, -1 none */
	uint8_t vtpr, tpr, ppr, thr;	/* V_TPR (guest CR8), LAPIC TPR/PPR bytes */
	bool I, req, vintr, if_;
	bool hw;			/* APICv/AVIC active: the CPU evaluates the TPR */
	uint64_t irr[4], isr[4];
};

struct kp_vcpu;

struct kp_hooks {
	void *ctx;
	/* A #VMEXIT happened (called before its handler runs). */
	void (*exit)(void *ctx, enum kp_exit why);
	/* The guest takes `vector` now (IF already cleared as by an
	 * interrupt gate).  The callee runs the handler and then calls
	 * kp_iret(v, prev_if) -- or leaves that to its caller (unit tests). */
	void (*deliver)(void *ctx, unsigned vector, bool prev_if);
	/* A finished row of the step table (only while v->trace is set). */
	void (*step)(void *ctx, const struct kp_step *s);
	/* VM entry failed (KVM_EXIT_FAIL_ENTRY): the vCPU cannot run on.
	 * Called after the failure is counted; may longjmp.  NULL: the vCPU
	 * stays failed and every later event is ignored (unit tests). */
	void (*entry_fail)(void *ctx, unsigned thr, unsigned vtpr);
};

struct kp_vcpu {
	enum kp_policy policy;
	/* policy traits, set by kp_init */
	bool svm;		/* intercept I, X1/X4 syncs */
	bool vmx_ts;		/* TPR shadow + threshold */
	bool hw;		/* apicv/avic: hardware evaluates TPR */
	bool pre_icpt;		/* CR8 exit clears I; recompute never clears */
	bool ppr61;		/* REQ on PPR drop only if something deliverable */
	bool l72;		/* update_ppr recomputes I when it raises no REQ */
	bool tpr_bit2;		/* keep TPR bit 2 (3.x kvm_lapic_set_tpr) */
	bool avic;		/* an AVIC policy (hw is whether AVIC is active now) */
	bool vmx_ppr_exit;	/* TPR-below-threshold exit: kvm_apic_update_ppr()
				 * instead of REQ (eb90f3417a0c, 4.11) */
	bool avic_sync_vtpr;	/* sync_lapic_to_cr8() also with AVIC active
				 * (d02e48830e3f, 6.17) */
	bool avic_icpt;		/* AVIC (de)activation clears/sets I; init_vmcb()
				 * sets it unconditionally (87d0f901a9bd, 7.0) */

	/* guest */
	/* the APIC mode: x2APIC (MSRs) makes every APIC access that exits a
	 * WRMSR/RDMSR exit (KX_MSR), not an APIC-page one (KX_APIC); APICv
	 * and x2AVIC virtualize the x2APIC EOI and SELF IPI MSRs as they do
	 * the xAPIC page (hw).  Set after kp_init (default xAPIC). */
	bool x2apic;
	uint8_t vtpr;		/* V_TPR = guest CR8 (0..15) */
	bool if_, shadow;
	/* KVM's local APIC */
	uint8_t tpr, ppr;
	uint64_t irr[4], isr[4];
	bool sw_enabled;
	/* KVM */
	bool I, req, vintr;
	int evtinj;		/* -1: none */
	uint8_t thr;

	/* VM entry failed: the vCPU does not run any more. */
	bool failed;

	/* Hot path guard: a CR8 write with slow == false only sets vtpr. */
	bool slow;
	bool trace;

	/* bookkeeping */
	struct kp_stats *st;
	const uint64_t *clock;	/* sim time for latencies and steps */
	uint64_t delivered[256];	/* cumulative, by vector */
	int late_vec;		/* unmasked but not delivered yet, -1 none */
	uint64_t late_t0;
	unsigned depth;		/* handlers running, one inside another */
	/* kp_iret() ends a handler: an interrupt delivered at that iret runs
	 * after it, back to back at the same depth, not inside it (tail_*) */
	bool in_iret, tail;
	unsigned tail_vec;
	bool tail_if;
	struct kp_hooks hooks;
	struct kp_step cur;	/* row being built */
	bool cur_open;
};

const char *kp_policy_name(enum kp_policy p);
/* Returns KP_NPOLICY for an unknown name. */
enum kp_policy kp_policy_find(const char *name);
/* One line for --help: the kernel range and the commit the policy stands for. */
const char *kp_policy_help(enum kp_policy p);
/* The policy's family of hardware: Intel (VMX) or AMD (SVM, AVIC). */
bool kp_policy_intel(enum kp_policy p);
/* VMX with TPR shadow and no virtual-interrupt delivery (TPR_THRESHOLD). */
bool kp_policy_vmx_ts(enum kp_policy p);
/* The exit that counts as the CR8-related one: TPR_BELOW_THRESHOLD under
 * TPR shadow, write_cr8 (CR_ACCESS) else. */
enum kp_exit kp_cr8_exit(enum kp_policy p);
/* Does the policy have a CR8-related exit at all (the record lists it at 0)? */
bool kp_has_cr8_exit(enum kp_policy p);
const char *kp_exit_name(enum kp_policy p, enum kp_exit why);
const char *kp_host_action_name(enum kp_host_action a);
/* Short cause name for a KE_* row ("cr8", "self-ipi", ...). */
const char *kp_ev_name(enum kp_ev ev);

/*
 * Steady state after boot: LAPIC software-enabled, TPR 0, nothing pending,
 * I = 0 (Windows has lowered and raised CR8 many times since the last REQ),
 * IF as given.
 */
void kp_init(struct kp_vcpu *v, enum kp_policy p, struct kp_stats *st,
	     const uint64_t *clock, const struct kp_hooks *hooks, bool if_);
/* RESET (init_vmcb + kvm_lapic_reset): I = 1 except AVIC, REQ, LAPIC
 * software-disabled.  kp_lapic_enable() is the SPIV write that follows. */
void kp_reset(struct kp_vcpu *v);
void kp_lapic_enable(struct kp_vcpu *v);
/* Record the step table (takes every CR8 write off the hot path). */
void kp_set_trace(struct kp_vcpu *v, bool on);

void kp_wrcr8_slow(struct kp_vcpu *v, uint8_t x);
/* Guest `mov cr8, x`.  Hot path: no intercept, nothing pending, no window. */
static inline void kp_wrcr8(struct kp_vcpu *v, uint8_t x)
{
	v->st->ops[KO_CR8]++;
	if (__builtin_expect(!v->slow, 1)) {
		v->vtpr = x;
		if (v->hw | v->vmx_ts)
			v->tpr = (uint8_t)(x << 4);
		return;
	}
	kp_wrcr8_slow(v, x);
}

static inline uint8_t kp_rdcr8(const struct kp_vcpu *v)
{
	return v->vtpr;
}

/* The exit of a guest access to a local APIC register: KX_MSR in x2APIC
 * mode (SVM_EXIT_MSR / EXIT_REASON_MSR_*), KX_APIC in xAPIC mode. */
static inline enum kp_exit kp_apic_exit(const struct kp_vcpu *v)
{
	return v->x2apic ? KX_MSR : KX_APIC;
}

void kp_self_ipi(struct kp_vcpu *v, uint8_t vector);
/*
 * The sender's side of a fixed IPI to another vCPU: its ICR writes.  xAPIC
 * writes ICR high then low, each an APIC-access exit; x2APIC one WRMSR
 * 0x830, an msr exit.  AVIC accelerates both to a running target (APM Vol.
 * 2 §15.29.3, no exit); APICv virtualizes the ICR-high write and traps the
 * ICR-low write or the x2APIC WRMSR (SDM Vol. 3C §30.4.3): one exit.  The
 * target's side is kp_ext_irq() on the target (IRR set, the kick).
 */
void kp_ipi_send(struct kp_vcpu *v, uint8_t vector);
void kp_eoi(struct kp_vcpu *v);
/* An interrupt for this vCPU from outside (timer expiry, MSI, remote IPI). */
void kp_ext_irq(struct kp_vcpu *v, uint8_t vector);
/* A host timer tick on the vCPU's pCPU: an INTR exit, nothing else. */
void kp_host_tick(struct kp_vcpu *v);
/*
 * Any other exit (port write, APIC MMIO that is not EOI/ICR).  Split in
 * two so that the caller can switch v->st between exit and entry (phase
 * markers: the io exit counts in the old phase, what the entry injects in
 * the new one).  kp_other_exit() is both halves.
 */
void kp_exit_begin(struct kp_vcpu *v, enum kp_ev ev, int arg, enum kp_exit why);
void kp_exit_end(struct kp_vcpu *v);
void kp_other_exit(struct kp_vcpu *v, enum kp_ev ev, int arg, enum kp_exit why);
/*
 * A host-side action between guest steps (enum kp_host_action; arg: the
 * TPR's class 0..15 for KH_SET_TPR, else ignored).  Each is one kick exit
 * (`interrupt`), the action, and the re-entry with KVM's event processing.
 * docs/kvm-cr8-model.md §7.7 lists what each does per policy and the
 * kernel code it stands for.
 */
void kp_host(struct kp_vcpu *v, enum kp_host_action a, uint8_t arg);

/*
 * The VM-entry check on the TPR threshold (SDM Vol. 3C §28.2.1.1 in the
 * edition bb365a506b1e quotes, "VM-Execution Control Fields"; §27.2.1.1
 * or §26.2.1.1 in older ones): with "use TPR shadow" 1 and "virtualize
 * APIC accesses" and "virtual-interrupt delivery" both 0, bits 3:0 of
 * TPR_THRESHOLD must not exceed bits 7:4 of VTPR.  True when an entry with this state passes (or
 * the policy has no TPR shadow).  The model assumes "virtualize APIC
 * accesses" 0 for every TPR-shadow policy (docs/kvm-cr8-model.md §5.1).
 */
bool kp_entry_ok(const struct kp_vcpu *v);

/* IRR read by the guest (an APIC access exit except with apicv/avic). */
bool kp_read_irr(struct kp_vcpu *v, uint8_t vector);

void kp_irq_enable(struct kp_vcpu *v);
void kp_irq_disable(struct kp_vcpu *v);
/* Return from an interrupt handler: IF := prev_if. */
void kp_iret(struct kp_vcpu *v, bool prev_if);

/* Helpers also used by the sim and the tests. */
int kp_hi(const uint64_t set[4]);		/* highest vector or -1 */
bool kp_test(const uint64_t set[4], unsigned vec);
/* Architecturally deliverable now (guest TPR, real IRR/ISR), ignoring IF. */
bool kp_arch_deliverable(const struct kp_vcpu *v);
/* Class set of IRR | ISR as a bitmask of classes (the discussion's "set"). */
unsigned kp_class_set(const struct kp_vcpu *v);
/* Format a vector set as "2f,d1" (or "-"). */
void kp_fmt_set(char *buf, unsigned len, const uint64_t set[4]);

#endif
