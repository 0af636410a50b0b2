// SPDX-License-Identifier: MIT
/*
 * kvm_policy.c - KVM's CR8/TPR logic per policy (see kvm_policy.h and
 * docs/kvm-cr8-model.md §7).  The comments name the kernel
 * function each step stands for; the code is our own.
 */
#include "kvm_policy.h"

#include <stdio.h>
#include <string.h>

static const char *const policy_names[KP_NPOLICY] = {
	[KP_PREFIX] = "prefix", [KP_FIXED] = "fixed", [KP_L61] = "l61",
	[KP_L72] = "l72", [KP_UNFIXED] = "unfixed", [KP_VMX_TPR] = "vmx-tpr",
	[KP_APICV] = "apicv", [KP_AVIC] = "avic", [KP_VMX_411] = "vmx-411",
	[KP_VMX_72] = "vmx-72", [KP_AVIC_617] = "avic-617", [KP_AVIC_70] = "avic-70",
};

static const char *const policy_help[KP_NPOLICY] = {
	[KP_PREFIX] = "v3.13/3.14-rc, before 'KVM: SVM: fix cr8 intercept window'",
	[KP_FIXED] = "v3.14/3.15, after the fix (596f3142d2b7)",
	[KP_L61] = "v6.1 (REQ on a PPR drop only if deliverable)",
	[KP_L72] = "6.1 + bb365a506b1e (PPR update recomputes the intercept)",
	[KP_UNFIXED] = "the lab's fix-reverted 6.1 build",
	[KP_VMX_TPR] = "Intel TPR shadow + TPR threshold (3.14: the exit raises REQ)",
	[KP_APICV] = "Intel APICv, virtual-interrupt delivery",
	[KP_AVIC] = "AMD AVIC 4.7-6.16 (3bbf3565f48c: no V_TPR sync, CR8 intercept dangles)",
	[KP_VMX_411] = "TPR shadow 4.11-7.1 (eb90f3417a0c: stale threshold, failed entry)",
	[KP_VMX_72] = "TPR shadow >= 7.2 (bb365a506b1e: PPR update recomputes it)",
	[KP_AVIC_617] = "AVIC 6.17-6.19 (d02e48830e3f: V_TPR synced; intercept dangles)",
	[KP_AVIC_70] = "AVIC >= 7.0 (+ 87d0f901a9bd: (de)activation sets the intercept)",
};

static const char *const host_names[KH_N] = {
	[KH_SET_TPR] = "set_tpr", [KH_INIT] = "init",
	[KH_AVIC_INHIBIT] = "avic_inhibit", [KH_AVIC_ACTIVATE] = "avic_activate",
};

/* perf kvm stat names: AMD (svm_exit_reasons) and Intel (VMX_EXIT_REASONS). */
static const char *const exit_amd[KX_N] = {
	[KX_CR8] = "write_cr8", [KX_INTR] = "interrupt", [KX_WINDOW] = "vintr",
	[KX_IO] = "io", [KX_APIC] = "npf", [KX_MSR] = "msr", [KX_MSR_READ] = "msr", [KX_HLT] = "hlt",
	[KX_TPR_BELOW] = "tpr_below_threshold",
};

static const char *const exit_intel[KX_N] = {
	[KX_CR8] = "CR_ACCESS", [KX_INTR] = "EXTERNAL_INTERRUPT",
	[KX_WINDOW] = "INTERRUPT_WINDOW", [KX_IO] = "IO_INSTRUCTION",
	[KX_APIC] = "APIC_ACCESS", [KX_MSR] = "MSR_WRITE", [KX_MSR_READ] = "MSR_READ", [KX_HLT] = "HLT",
	[KX_TPR_BELOW] = "TPR_BELOW_THRESHOLD",
};

static const char *const ev_names[] = {
	[KE_WRCR8] = "cr8", [KE_SELF_IPI] = "self-ipi", [KE_EOI] = "eoi",
	[KE_EXT_IRQ] = "irq", [KE_HOST_TICK] = "host-tick", [KE_IO] = "io",
	[KE_APIC] = "apic", [KE_IF_ON] = "sti", [KE_IF_OFF] = "cli",
	[KE_IRET] = "iret", [KE_WINDOW] = "window", [KE_INJECT] = "deliver",
	[KE_RESET] = "reset", [KE_NOTE] = "note", [KE_HOST] = "host",
	[KE_ENTRY_FAIL] = "entry-fail",
};

const char *kp_policy_name(enum kp_policy p)
{
	return (unsigned)p < KP_NPOLICY ? policy_names[p] : "?";
}

enum kp_policy kp_policy_find(const char *name)
{
	for (unsigned p = 0; p < KP_NPOLICY; p++)
		if (!strcmp(name, policy_names[p]))
			return (enum kp_policy)p;
	return KP_NPOLICY;
}

const char *kp_policy_help(enum kp_policy p)
{
	return (unsigned)p < KP_NPOLICY ? policy_help[p] : "?";
}

bool kp_policy_vmx_ts(enum kp_policy p)
{
	return p == KP_VMX_TPR || p == KP_VMX_411 || p == KP_VMX_72;
}

bool kp_policy_intel(enum kp_policy p)
{
	return kp_policy_vmx_ts(p) || p == KP_APICV;
}

static bool policy_avic(enum kp_policy p)
{
	return p == KP_AVIC || p == KP_AVIC_617 || p == KP_AVIC_70;
}

enum kp_exit kp_cr8_exit(enum kp_policy p)
{
	return kp_policy_vmx_ts(p) ? KX_TPR_BELOW : KX_CR8;
}

bool kp_has_cr8_exit(enum kp_policy p)
{
	return p != KP_APICV;
}

const char *kp_host_action_name(enum kp_host_action a)
{
	return (unsigned)a < KH_N ? host_names[a] : "?";
}

const char *kp_exit_name(enum kp_policy p, enum kp_exit why)
{
	if ((unsigned)why >= KX_N)
		return "?";
	/* APIC register accesses that do exit under APIC virtualization
	 * are trap-like writes, named after the hardware's exit. */
	if (why == KX_APIC && p == KP_APICV)
		return "APIC_WRITE";
	if (why == KX_APIC && policy_avic(p))
		return "avic_unaccelerated_access";
	if (kp_policy_intel(p))
		return exit_intel[why];
	return exit_amd[why];
}

const char *kp_ev_name(enum kp_ev ev)
{
	return (unsigned)ev < sizeof(ev_names) / sizeof(ev_names[0]) ? ev_names[ev] : "?";
}

/* --- vector sets ------------------------------------------------------- */

int kp_hi(const uint64_t s[4])
{
	for (int w = 3; w >= 0; w--)
		if (s[w])
			return w * 64 + 63 - __builtin_clzll(s[w]);
	return -1;
}

bool kp_test(const uint64_t s[4], unsigned vec)
{
	return s[vec >> 6] >> (vec & 63) & 1;
}

static void set_bit(uint64_t s[4], unsigned vec)
{
	s[vec >> 6] |= 1ull << (vec & 63);
}

static void clr_bit(uint64_t s[4], unsigned vec)
{
	s[vec >> 6] &= ~(1ull << (vec & 63));
}

static bool set_empty(const uint64_t s[4])
{
	return !(s[0] | s[1] | s[2] | s[3]);
}

void kp_fmt_set(char *buf, unsigned len, const uint64_t s[4])
{
	unsigned n = 0;

	buf[0] = 0;
	for (int vec = 255; vec >= 0 && n + 4 < len; vec--)
		if (kp_test(s, (unsigned)vec))
			n += (unsigned)snprintf(buf + n, len - n, "%s%02x", n ? "," : "", vec);
	if (!n)
		snprintf(buf, len, "-");
}

unsigned kp_class_set(const struct kp_vcpu *v)
{
	unsigned m = 0;

	for (unsigned w = 0; w < 4; w++) {
		uint64_t b = v->irr[w] | v->isr[w];

		while (b) {
			unsigned vec = w * 64 + (unsigned)__builtin_ctzll(b);

			m |= 1u << (vec >> 4);
			b &= b - 1;
		}
	}
	return m;
}

/* --- step table -------------------------------------------------------- */

static void row_open(struct kp_vcpu *v, enum kp_ev ev, int arg)
{
	if (!v->trace)
		return;
	v->cur.ev = ev;
	v->cur.arg = arg;
	v->cur.exit = -1;
	v->cur.injected = -1;
	v->cur.t = v->clock ? *v->clock : 0;
	v->cur_open = true;
}

static void row_fill(const struct kp_vcpu *v, struct kp_step *s)
{
	s->vtpr = v->vtpr;
	s->tpr = v->tpr;
	s->ppr = v->ppr;
	s->thr = v->thr;
	s->I = v->I;
	s->req = v->req;
	s->vintr = v->vintr;
	s->if_ = v->if_;
	s->hw = v->hw;
	memcpy(s->irr, v->irr, sizeof(s->irr));
	memcpy(s->isr, v->isr, sizeof(s->isr));
}

static void row_emit(struct kp_vcpu *v, const struct kp_step *s)
{
	v->cur_open = false;
	if (v->hooks.step)
		v->hooks.step(v->hooks.ctx, s);
}

static void row_close(struct kp_vcpu *v)
{
	if (!v->cur_open)
		return;
	row_fill(v, &v->cur);
	row_emit(v, &v->cur);
}

/* The hot-path guard: anything that could make a CR8 write do more than
 * update V_TPR. */
static void update_slow(struct kp_vcpu *v)
{
	v->slow = v->I || v->vintr || v->thr || v->trace || v->failed || !set_empty(v->irr);
}

/* --- lapic.c ----------------------------------------------------------- */

static uint8_t ppr_calc(const struct kp_vcpu *v)
{
	int isr = kp_hi(v->isr);
	uint8_t isrv = isr < 0 ? 0 : (uint8_t)(isr & 0xf0);

	return (v->tpr & 0xf0) >= isrv ? v->tpr : isrv;
}

static bool has_intr_for_ppr(const struct kp_vcpu *v, uint8_t ppr)
{
	int irr = kp_hi(v->irr);

	return irr >= 0 && (irr & 0xf0) > ppr;
}

static void recompute_intercept(struct kp_vcpu *v);

/* apic_update_ppr(): REQ on a PPR drop (3.x: always; 6.1: only if an IRR
 * vector became deliverable); l72: recompute I whenever no REQ is raised. */
static void update_ppr(struct kp_vcpu *v)
{
	uint8_t old = v->ppr, nw = ppr_calc(v);
	bool raised = false;

	if (nw != old) {
		v->ppr = nw;
		if (nw < old && (!v->ppr61 || has_intr_for_ppr(v, nw))) {
			v->req = true;
			raised = true;
		}
	}
	if (v->l72 && !raised)
		recompute_intercept(v);
}

/* kvm_set_cr8() -> kvm_lapic_set_tpr() -> apic_set_tpr() */
static void set_cr8(struct kp_vcpu *v, uint8_t x)
{
	v->tpr = (uint8_t)((x & 0xf) << 4 | (v->tpr_bit2 ? (v->tpr & 4) : 0));
	update_ppr(v);
}

/* kvm_apic_has_interrupt(): updates PPR, then IRR class above it? */
static bool deliverable(struct kp_vcpu *v)
{
	update_ppr(v);
	return has_intr_for_ppr(v, v->ppr);
}

/* --- svm.c / vmx.c: update_cr8_intercept ------------------------------ */

static void recompute_intercept(struct kp_vcpu *v)
{
	int hi = kp_hi(v->irr);
	int irr = hi < 0 ? -1 : hi >> 4;
	int t = v->tpr >> 4;

	if (!v->sw_enabled || v->hw)
		return;
	if (v->vmx_ts)
		v->thr = (uint8_t)((irr == -1 || t < irr) ? 0 : irr);
	else if (v->pre_icpt) {
		if (irr != -1 && t >= irr)
			v->I = true;
	} else {
		v->I = irr != -1 && t >= irr;
	}
}

/* --- deliveries -------------------------------------------------------- */

/* The guest's priority before `vec` is accepted: KVM's TPR is current
 * whenever KVM decides (X1 ran, or every write was intercepted). */
static void check_priority(struct kp_vcpu *v, unsigned vec)
{
	int isr = kp_hi(v->isr);
	unsigned p = v->tpr >> 4;

	if (isr >= 0 && (unsigned)isr >> 4 > p)
		p = (unsigned)isr >> 4;
	if (vec >> 4 <= p || !v->if_)
		v->st->violations++;
}

/* The guest takes `vec` at this VMRUN (or hardware delivers it). */
static void take(struct kp_vcpu *v, unsigned vec)
{
	v->st->inj[vec]++;
	v->delivered[vec]++;
	if (v->late_vec == (int)vec) {
		uint64_t dt = (v->clock ? *v->clock : 0) - v->late_t0;

		if (dt > v->st->late_max)
			v->st->late_max = dt;
		v->late_vec = -1;
	}
}

static void deliver(struct kp_vcpu *v, unsigned vec)
{
	bool prev_if = v->if_;

	row_close(v);
	row_open(v, KE_INJECT, (int)vec);
	v->cur.injected = (int)vec;
	take(v, vec);
	v->if_ = false;		/* interrupt gate */
	update_slow(v);
	row_close(v);
	if (v->in_iret) {
		/* the iret that ends a handler let it in: it runs when that
		 * handler has returned, in deliver()'s loop below */
		v->tail = true;
		v->tail_vec = vec;
		v->tail_if = prev_if;
		return;
	}
	v->depth++;
	for (;;) {
		if (v->hooks.deliver)
			v->hooks.deliver(v->hooks.ctx, vec, prev_if);
		if (!v->tail)
			break;
		v->tail = false;
		vec = v->tail_vec;
		prev_if = v->tail_if;
	}
	v->depth--;
}

/*
 * APICv/AVIC: the processor itself evaluates IRR against its priority.
 * APICv's VTPR is the virtual-APIC page, i.e. KVM's TPR; AVIC decides by
 * the VMCB's V_TPR, which can differ from the backing page's TPR ("it is
 * the V_TPR that is actually used by the AVIC to decide whether to issue
 * pending interrupts", d02e48830e3f's message).
 */
static void hw_eval(struct kp_vcpu *v)
{
	int hi, isr;
	unsigned prio;

	if (!v->if_ || v->shadow)
		return;
	hi = kp_hi(v->irr);
	v->ppr = ppr_calc(v);
	prio = v->ppr >> 4;
	if (v->avic) {
		isr = kp_hi(v->isr);
		prio = isr >= 0 && (unsigned)isr >> 4 > v->vtpr ? (unsigned)isr >> 4 : v->vtpr;
	}
	if (hi < 0 || (unsigned)hi >> 4 <= prio)
		return;
	check_priority(v, (unsigned)hi);
	set_bit(v->isr, (unsigned)hi);
	clr_bit(v->irr, (unsigned)hi);
	v->ppr = ppr_calc(v);
	deliver(v, (unsigned)hi);
}

/* inject_pending_event() + enable_irq_window() */
static void inject(struct kp_vcpu *v)
{
	bool was;

	if (v->evtinj >= 0)
		return;		/* re-injection, no checks */
	was = deliverable(v);
	if (was && v->if_ && !v->shadow) {
		int vec = kp_hi(v->irr);	/* kvm_get_apic_interrupt() */

		check_priority(v, (unsigned)vec);
		set_bit(v->isr, (unsigned)vec);
		update_ppr(v);
		clr_bit(v->irr, (unsigned)vec);
		v->evtinj = vec;
		was = deliverable(v);
	}
	if (was)
		v->vintr = true;
}

static void vmexit(struct kp_vcpu *v, enum kp_exit why)
{
	v->st->exits[why]++;
	if (v->cur_open)
		v->cur.exit = (int)why;
	if (v->hooks.exit)
		v->hooks.exit(v->hooks.ctx, why);
	if (v->svm && !v->I)
		set_cr8(v, v->vtpr);	/* sync_cr8_to_lapic() */
}

static void window_check(struct kp_vcpu *v);

bool kp_entry_ok(const struct kp_vcpu *v)
{
	return !v->vmx_ts || (v->thr & 0xf) <= v->vtpr;
}

/* VMLAUNCH/VMRESUME fails with VM-instruction error 7 ("VM entry with
 * invalid control field(s)"): KVM returns KVM_EXIT_FAIL_ENTRY with
 * hardware_entry_failure_reason 7 and QEMU stops ("KVM: entry failed,
 * hardware error 0x7").  The vCPU never runs again. */
static void entry_fail(struct kp_vcpu *v)
{
	v->st->entry_failed++;
	v->failed = true;
	update_slow(v);
	row_close(v);
	row_open(v, KE_ENTRY_FAIL, v->thr);
	row_close(v);
	if (v->hooks.entry_fail)
		v->hooks.entry_fail(v->hooks.ctx, v->thr, v->vtpr);
}

/* vcpu_enter_guest() from the REQ block to VMRUN. */
static void vmentry(struct kp_vcpu *v)
{
	if (v->hw) {
		/* REQ with APICv active: nothing to inject in software and
		 * update_cr8_intercept() returns early (x86.c) */
		v->req = false;
		if (v->avic_sync_vtpr)
			v->vtpr = v->tpr >> 4;	/* sync_lapic_to_cr8(), d02e48830e3f */
		update_slow(v);
		row_close(v);
		hw_eval(v);
		return;
	}
	/* The exit's row shows the state after its handler (X2); when this
	 * entry injects, the injection's row shows the entry's work (X3/X4),
	 * as in the discussion's table (rows 8 and 9). */
	if (v->cur_open) {
		row_fill(v, &v->cur);
		v->cur.vtpr = v->svm && v->I ? v->tpr >> 4 : v->vtpr;
	}
	/* A REQ raised while processing REQ makes KVM loop before VMRUN. */
	for (unsigned n = 0; v->req && n < 4; n++) {
		v->req = false;
		inject(v);
		if (v->sw_enabled)
			recompute_intercept(v);
	}
	v->vtpr = v->tpr >> 4;		/* sync_lapic_to_cr8(), TPR shadow */
	update_slow(v);
	if (!kp_entry_ok(v)) {
		entry_fail(v);
		return;
	}
	if (v->evtinj >= 0) {
		unsigned vec = (unsigned)v->evtinj;

		v->evtinj = -1;
		if (v->cur_open)
			row_emit(v, &v->cur);
		deliver(v, vec);
		return;		/* the window is checked again at iret */
	}
	row_close(v);
	window_check(v);
}

/* SVM: V_IRQ (prio 15) is taken when IF=1, no shadow and 15 > V_TPR;
 * VMX interrupt-window exiting ignores the TPR. */
static void window_check(struct kp_vcpu *v)
{
	if (!v->vintr || !v->if_ || v->shadow || (v->svm && v->vtpr >= 15))
		return;
	row_close(v);
	row_open(v, KE_WINDOW, -1);
	vmexit(v, KX_WINDOW);
	v->req = true;		/* interrupt_window_interception() */
	v->vintr = false;
	vmentry(v);
}

/* --- events ------------------------------------------------------------- */

void kp_init(struct kp_vcpu *v, enum kp_policy p, struct kp_stats *st,
	     const uint64_t *clock, const struct kp_hooks *hooks, bool if_)
{
	memset(v, 0, sizeof(*v));
	v->policy = p;
	v->avic = policy_avic(p);
	v->svm = p <= KP_UNFIXED || v->avic;
	v->vmx_ts = kp_policy_vmx_ts(p);
	v->hw = p == KP_APICV || v->avic;	/* AVIC starts active */
	v->pre_icpt = p == KP_PREFIX || p == KP_UNFIXED;
	v->ppr61 = p == KP_L61 || p == KP_L72 || p == KP_UNFIXED || v->avic ||
		   p == KP_VMX_411 || p == KP_VMX_72;
	v->l72 = p == KP_L72 || p == KP_VMX_72;
	v->vmx_ppr_exit = p == KP_VMX_411 || p == KP_VMX_72;
	v->avic_sync_vtpr = p == KP_AVIC_617 || p == KP_AVIC_70;
	v->avic_icpt = p == KP_AVIC_70;
	v->tpr_bit2 = p == KP_PREFIX || p == KP_FIXED || p == KP_VMX_TPR;
	v->if_ = if_;
	v->sw_enabled = true;
	v->evtinj = -1;
	v->late_vec = -1;
	v->st = st;
	v->clock = clock;
	if (hooks)
		v->hooks = *hooks;
	update_slow(v);
}

void kp_set_trace(struct kp_vcpu *v, bool on)
{
	v->trace = on;
	update_slow(v);
}

void kp_reset(struct kp_vcpu *v)
{
	row_open(v, KE_RESET, -1);
	v->I = !v->hw && !v->vmx_ts;	/* init_vmcb() sets CR8_WRITE (not with AVIC) */
	v->req = true;
	v->tpr = v->ppr = 0;
	v->vtpr = 0;
	memset(v->irr, 0, sizeof(v->irr));
	memset(v->isr, 0, sizeof(v->isr));
	v->sw_enabled = false;
	v->evtinj = -1;
	v->vintr = false;
	v->thr = 0;
	update_slow(v);
	row_close(v);
}

void kp_lapic_enable(struct kp_vcpu *v)
{
	if (v->failed)
		return;
	/* the SPIV write is an APIC access exit */
	row_open(v, KE_APIC, -1);
	if (!v->hw)
		vmexit(v, kp_apic_exit(v));
	v->sw_enabled = true;
	vmentry(v);
}

/* A CR8 write that makes the highest pending vector deliverable (with
 * IF=1) is an unmasking write; returns that vector or -1. */
static int note_unmask(struct kp_vcpu *v, bool before)
{
	int vec;

	if (before || !v->if_ || !kp_arch_deliverable(v))
		return -1;
	vec = kp_hi(v->irr);
	v->st->unmasking++;
	/* from the last unmasking write, as the guest's unmask->entry */
	v->late_t0 = v->clock ? *v->clock : 0;
	return vec;
}

void kp_wrcr8_slow(struct kp_vcpu *v, uint8_t x)
{
	bool before = v->if_ && kp_arch_deliverable(v);
	int vec = kp_hi(v->irr), u;
	uint64_t seen = vec >= 0 ? v->delivered[vec] : 0;

	if (v->failed)
		return;
	row_open(v, KE_WRCR8, x);
	if (v->svm && v->I) {
		/* cr8_write_interception(): V_TPR is not written by the
		 * intercepted MOV; X4 copies the new TPR back. */
		uint8_t old = v->vtpr;

		v->vtpr = x;
		u = note_unmask(v, before);
		v->vtpr = old;
		vmexit(v, KX_CR8);
		set_cr8(v, x);
		if (v->pre_icpt)
			v->I = false;
		vmentry(v);
	} else if (v->vmx_ts) {
		v->vtpr = x;
		v->tpr = (uint8_t)(x << 4);
		u = note_unmask(v, before);
		if (x < v->thr) {
			/* trap-like exit after the write */
			vmexit(v, KX_TPR_BELOW);
			/* handle_tpr_below_threshold(): REQ (3.14); since
			 * eb90f3417a0c (4.11) kvm_apic_update_ppr(), which
			 * raises REQ only if a vector became deliverable
			 * (and, from bb365a506b1e, recomputes thr else) */
			if (v->vmx_ppr_exit)
				update_ppr(v);
			else
				v->req = true;
			vmentry(v);
		} else {
			update_slow(v);
			row_close(v);
			window_check(v);
		}
	} else if (v->hw) {
		v->vtpr = x;
		v->tpr = (uint8_t)(x << 4);
		u = note_unmask(v, before);
		update_slow(v);
		row_close(v);
		hw_eval(v);
	} else {
		v->vtpr = x;
		u = note_unmask(v, before);
		update_slow(v);
		row_close(v);
		window_check(v);
	}
	if (u >= 0) {
		if (v->delivered[u] != seen) {
			v->st->immediate++;
		} else {
			v->st->late++;
			v->late_vec = u;	/* take() measures how late */
		}
	}
	row_close(v);
}

void kp_self_ipi(struct kp_vcpu *v, uint8_t vector)
{
	v->st->ops[KO_SELF_IPI]++;
	row_open(v, KE_SELF_IPI, vector);
	if (v->failed)
		return;
	if (v->hw) {
		/* AVIC / x2APIC self-IPI virtualization: straight into vIRR */
		set_bit(v->irr, vector);
		update_slow(v);
		row_close(v);
		hw_eval(v);
		return;
	}
	vmexit(v, kp_apic_exit(v));
	set_bit(v->irr, vector);	/* __apic_accept_irq() */
	v->req = true;
	vmentry(v);
}

void kp_ipi_send(struct kp_vcpu *v, uint8_t vector)
{
	unsigned writes = v->x2apic ? 1 : 2;

	for (unsigned i = 0; i < writes && !v->failed; i++) {
		v->st->ops[KO_IPI]++;
		if (policy_avic(v->policy) || (v->policy == KP_APICV && i + 1 < writes)) {
			if (v->trace) {
				row_open(v, KE_APIC, vector);
				row_close(v);
			}
			continue;
		}
		kp_other_exit(v, KE_APIC, vector, kp_apic_exit(v));
	}
}

void kp_eoi(struct kp_vcpu *v)
{
	int isr;

	if (v->failed)
		return;
	v->st->ops[KO_EOI]++;
	row_open(v, KE_EOI, -1);
	if (!v->hw)
		vmexit(v, kp_apic_exit(v));
	isr = kp_hi(v->isr);		/* apic_set_eoi() */
	if (isr >= 0) {
		clr_bit(v->isr, (unsigned)isr);
		update_ppr(v);
		v->req = true;
	}
	vmentry(v);
}

void kp_ext_irq(struct kp_vcpu *v, uint8_t vector)
{
	if (v->failed)
		return;
	v->st->ops[KO_EXT_IRQ]++;
	row_open(v, KE_EXT_IRQ, vector);
	set_bit(v->irr, vector);
	if (v->hw) {		/* posted, no exit while the vCPU runs */
		vmentry(v);
		return;
	}
	v->req = true;
	vmexit(v, KX_INTR);
	vmentry(v);
}

void kp_host_tick(struct kp_vcpu *v)
{
	v->st->ops[KO_HOST_TICK]++;
	kp_other_exit(v, KE_HOST_TICK, -1, KX_INTR);
}

void kp_exit_begin(struct kp_vcpu *v, enum kp_ev ev, int arg, enum kp_exit why)
{
	if (v->failed)
		return;
	row_open(v, ev, arg);
	vmexit(v, why);
}

void kp_exit_end(struct kp_vcpu *v)
{
	if (!v->failed)
		vmentry(v);
}

void kp_other_exit(struct kp_vcpu *v, enum kp_ev ev, int arg, enum kp_exit why)
{
	kp_exit_begin(v, ev, arg, why);
	kp_exit_end(v);
}

bool kp_read_irr(struct kp_vcpu *v, uint8_t vector)
{
	bool r;

	v->st->ops[KO_APIC_OTHER]++;
	if (v->hw)
		return kp_test(v->irr, vector);	/* APIC register virtualization */
	/* RDMSR in x2APIC mode: VMX's MSR_READ, SVM's msr */
	kp_exit_begin(v, KE_APIC, vector, v->x2apic ? KX_MSR_READ : KX_APIC);
	r = kp_test(v->irr, vector);		/* read before re-entry injects */
	kp_exit_end(v);
	return r;
}

static void if_on(struct kp_vcpu *v, enum kp_ev ev)
{
	if (v->failed)
		return;
	v->st->ops[KO_IF_ON]++;
	v->if_ = true;
	if (v->trace) {
		row_open(v, ev, -1);
		row_close(v);
	}
	if (v->hw)
		hw_eval(v);
	else
		window_check(v);
}

void kp_irq_enable(struct kp_vcpu *v)
{
	if (v->if_)
		return;
	if_on(v, KE_IF_ON);
}

void kp_irq_disable(struct kp_vcpu *v)
{
	if (!v->if_)
		return;
	v->if_ = false;
	if (v->trace) {
		row_open(v, KE_IF_OFF, -1);
		row_close(v);
	}
}

void kp_iret(struct kp_vcpu *v, bool prev_if)
{
	bool was = v->in_iret;

	v->in_iret = v->depth > 0;	/* ends a handler deliver() runs */
	if (prev_if)
		if_on(v, KE_IRET);
	else
		v->if_ = false;
	v->in_iret = was;
}

/* KVM_SET_LAPIC (kvm_vcpu_ioctl_set_lapic -> kvm_apic_set_state): the
 * registers as userspace gives them, the PPR, REQ; until bb365a506b1e also
 * a direct update_cr8_intercept().  SVM keeps V_TPR in the VMCB, which
 * only sync_lapic_to_cr8() at the next entry refreshes (not with AVIC
 * active before d02e48830e3f); VMX's VTPR is the virtual-APIC page, i.e.
 * the LAPIC's own TPR. */
static void host_set_tpr(struct kp_vcpu *v, uint8_t cls)
{
	v->tpr = (uint8_t)((cls & 0xf) << 4);
	if (!v->svm)
		v->vtpr = cls & 0xf;
	update_ppr(v);
	v->req = true;
	if (!v->l72)
		recompute_intercept(v);
}

/* APICv inhibit set (kvm_set_apicv_inhibit -> __kvm_vcpu_update_apicv):
 * AVIC off, REQ so that software injects what IRR holds; since
 * 87d0f901a9bd avic_deactivate_vmcb() sets the CR8 intercept (not for
 * SEV-ES guests, which the model does not cover). */
static void host_avic_inhibit(struct kp_vcpu *v)
{
	if (!v->avic || !v->hw)
		return;
	v->hw = false;
	if (v->avic_icpt)
		v->I = true;
	v->req = true;
}

/* The inhibit cleared: AVIC on again (avic_activate_vmcb); only since
 * 87d0f901a9bd does it clear the CR8 intercept, which update_cr8_intercept()
 * no longer touches once APICv is active (x86.c returns early). */
static void host_avic_activate(struct kp_vcpu *v)
{
	if (!v->avic || v->hw)
		return;
	v->hw = true;
	if (v->avic_icpt)
		v->I = false;
}

void kp_host(struct kp_vcpu *v, enum kp_host_action a, uint8_t arg)
{
	if (v->failed || (unsigned)a >= KH_N)
		return;
	v->st->ops[KO_HOST]++;
	row_open(v, KE_HOST, (int)((unsigned)a << 8 | (a == KH_SET_TPR ? arg : 0)));
	vmexit(v, KX_INTR);	/* the kick out of guest mode */
	switch (a) {
	case KH_SET_TPR:
		host_set_tpr(v, arg);
		break;
	case KH_INIT:
		/* kvm_vcpu_reset(init_event): init_vmcb, kvm_lapic_reset,
		 * REQ; the first entry (LAPIC still disabled: no intercept
		 * update), then the guest's SPIV write */
		row_close(v);
		kp_reset(v);
		vmentry(v);
		kp_lapic_enable(v);
		return;
	case KH_AVIC_INHIBIT:
		host_avic_inhibit(v);
		break;
	case KH_AVIC_ACTIVATE:
		host_avic_activate(v);
		break;
	default:
		break;
	}
	vmentry(v);
}

bool kp_arch_deliverable(const struct kp_vcpu *v)
{
	int irr = kp_hi(v->irr), isr = kp_hi(v->isr);
	int p = v->vtpr;

	if (irr < 0)
		return false;
	if (isr >= 0 && isr >> 4 > p)
		p = isr >> 4;
	return irr >> 4 > p;
}
