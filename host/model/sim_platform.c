// SPDX-License-Identifier: MIT
/*
 * sim_platform.c - guestos/include/platform.h for a simulated vCPU.
 *
 * Each platform call advances simulated time by its cost, then checks one
 * deadline (the next host tick, timer expiry or the time limit) and the
 * event limit: two compares on the hot path.  Guest actions become
 * kvm_policy events; the policy reports exits (we charge their cost) and
 * deliveries (we call nt_interrupt() right there, nested on the C stack, as
 * an interrupt gate would: IF=0 in the handler, restored at "iret").
 *
 * Several vCPUs (sim_config.ncpus, the guest's arch_start_aps()): each runs
 * the guest's code on a stack of its own (a ucontext coroutine: switching
 * is a function call, not a thread hand-over), one at a time in
 * simulated-time order: the runnable vCPU with the
 * smallest clock runs until it is SIM_QUANTUM cycles ahead of the next
 * one.  So a run is deterministic, and the guest's shared memory (spin
 * flags, locks) is seen as on hardware whose vCPUs drift apart by at most
 * a quantum.  An IPI one vCPU sends (plat_send_ipi) lands in the target's
 * inbox; the target accepts it at its next platform operation, as KVM
 * does at the sender's exit (IRR set, the kick's `interrupt` exit, event
 * processing at re-entry).  A vCPU that spins
 * (plat_spin) changes nothing until its spin ends or an event comes, so
 * the others may run up to that point (plus the quantum) meanwhile.
 * Each vCPU has its own host tick, timer, phase and counters.
 */
#include "model/sim.h"
#include "record/metrics.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform.h"

#include <ucontext.h>
#if defined(__SANITIZE_ADDRESS__)
/* ASan follows the switches between the vCPUs' stacks */
#include <sanitizer/common_interface_defs.h>
#define SIM_ASAN_FIBERS 1
#endif

#define MAX_NEST 64		/* interrupt nesting on the C stack */
#define MAX_OUT (64u << 20)
/* How far (cycles) a vCPU runs ahead of the slowest runnable one before it
 * hands over: 2000 cycles (under a microsecond) keeps cross-vCPU
 * handshakes in order without a switch at every operation. */
#define SIM_QUANTUM 2000
#define SIM_MAX_IPIS 32		/* IPIs in flight to one vCPU */

/* One simulated vCPU. */
struct simcpu {
	unsigned idx;
	struct kp_vcpu v;
	struct sim_cpu_stats *st;	/* in the result */
	uint64_t now;		/* its TSC */
	uint64_t t_next;	/* min(next tick, timer, limit, switch) */
	uint64_t t_tick;
	uint64_t t_timer, timer_period;
	bool timer_on;
	uint8_t timer_vec;
	uint32_t lvt;		/* the guest's LVT timer value as it last wrote it
				 * (vector | SIM_LVT_*; SIM_LVT_MASKED at first) */
	unsigned cur_phase;
	struct { uint64_t t; uint8_t vec; } ipi[SIM_MAX_IPIS];
	unsigned nipi;		/* IPIs other vCPUs sent, not yet accepted */
	uint64_t spin_end;	/* in plat_spin() until then, else 0 */
	bool halted;		/* plat_halt(): out of the schedule for good */
	void (*fn)(unsigned cpu);	/* an AP's entry */
	ucontext_t uc;		/* where it was switched away from */
	void *stack;		/* an AP's (malloc'd); the boot vCPU runs on the caller's */
	const void *stack_lo;	/* its bounds, for ASan (the boot vCPU's learnt */
	size_t stack_size;	/* at the first switch) */
};

#define SIM_STACK (4u << 20)	/* an AP's stack: nested handlers, ASan's redzones */

static struct sim {
	struct sim_config cfg;
	struct sim_result *res;
	uint64_t events;
	uint64_t tick_period;
	uint64_t t_limit;
	uint64_t t_switch;	/* the running vCPU hands over past this clock */
	size_t stepcap;
	jmp_buf jb;		/* the boot vCPU's (on the caller's stack) */
	char describe[256];
	unsigned ncpus;		/* configured */
	unsigned started;	/* running or halted: 1 + the APs started */
	struct simcpu *cur;	/* holds the baton */
	int bail;		/* an AP ended the run: setjmp's value for the boot vCPU */
	struct simcpu cpu[MAX_CPUS];
} S;

/* The vCPU whose code runs now. */
#define C (S.cur)

/* --- costs ------------------------------------------------------------- */

static const struct {
	const char *key;
	size_t off;
	uint64_t def;
	const char *help;
} cost_keys[] = {
#define COST(k, f, d, h) { k, offsetof(struct sim_costs, f), d, h }
	COST("insn", insn, 20, "guest instructions around each platform operation"),
	COST("cr8", cr8, 20, "mov cr8 that does not exit (V_TPR / TPR shadow)"),
	COST("rdtsc", rdtsc, 25, "reading the TSC"),
	COST("mmio", mmio, 1500, "emulating an APIC MMIO access, on top of its exit"),
	COST("deliver", deliver, 200, "event injection and IDT dispatch into the handler"),
	COST("iret", iret, 100, "return from an interrupt handler"),
	COST("exit_cr8", exit[KX_CR8], 1500, "CR8-write exit round trip (write_cr8)"),
	COST("exit_intr", exit[KX_INTR], 2500, "external-interrupt exit round trip (interrupt)"),
	COST("exit_window", exit[KX_WINDOW], 1200, "interrupt-window exit round trip (vintr)"),
	COST("exit_io", exit[KX_IO], 8000, "port write exit, handled in QEMU (io)"),
	COST("exit_apic", exit[KX_APIC], 1500, "APIC access exit round trip (npf), without the emulation"),
	COST("exit_msr", exit[KX_MSR], 1200, "MSR write exit round trip (msr / MSR_WRITE)"),
	COST("exit_msr_read", exit[KX_MSR_READ], 1200, "MSR read exit round trip (msr / MSR_READ)"),
	COST("exit_hlt", exit[KX_HLT], 2000, "HLT exit round trip (hlt)"),
	COST("exit_tpr_below", exit[KX_TPR_BELOW], 1200, "TPR-below-threshold exit round trip"),
#undef COST
};

#define NCOST (sizeof(cost_keys) / sizeof(cost_keys[0]))

static uint64_t *cost_field(struct sim_costs *c, unsigned i)
{
	return (uint64_t *)((char *)c + cost_keys[i].off);
}

void sim_defaults(struct sim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->policy = KP_FIXED;
	cfg->tsc_hz = SIM_DEFAULT_TSC_HZ;
	cfg->host_hz = MODEL_DEFAULT_HOST_HZ;
	cfg->max_events = 200000000ull;
	cfg->max_time_ms = 60000;
	cfg->trace_max = 100000;
	for (unsigned i = 0; i < NCOST; i++)
		*cost_field(&cfg->cost, i) = cost_keys[i].def;
}

int sim_set_cost(struct sim_config *cfg, const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');
	char *end;
	unsigned long long v;

	if (!eq) {
		snprintf(err, errlen, "--cost '%s' is not key=value: e.g. --cost exit_cr8=1500", kv);
		return -1;
	}
	for (unsigned i = 0; i < NCOST; i++) {
		if (strlen(cost_keys[i].key) != (size_t)(eq - kv) ||
		    strncmp(cost_keys[i].key, kv, (size_t)(eq - kv)))
			continue;
		v = strtoull(eq + 1, &end, 0);
		if (!eq[1] || *end || v > 1000000000ull) {
			snprintf(err, errlen, "--cost %s: '%s' is not a number of cycles in 0..1000000000",
				 cost_keys[i].key, eq + 1);
			return -1;
		}
		*cost_field(&cfg->cost, i) = v;
		return 0;
	}
	{
		int n = snprintf(err, errlen, "unknown cost '%.*s': the keys are", (int)(eq - kv), kv);

		for (unsigned i = 0; i < NCOST && n > 0 && (size_t)n < errlen; i++)
			n += snprintf(err + n, errlen - (size_t)n, "%s %s", i ? "," : "", cost_keys[i].key);
	}
	return -1;
}

void sim_print_costs(FILE *f)
{
	for (unsigned i = 0; i < NCOST; i++)
		fprintf(f, "  %-15s %6llu  %s\n", cost_keys[i].key,
			(unsigned long long)cost_keys[i].def, cost_keys[i].help);
}

/* --- the baton ------------------------------------------------------------ */

/* Back on me's stack after a switch: ASan learns where it came from; an
 * AP that ended the run sends the boot vCPU to sim_run's setjmp. */
static void arrived(struct simcpu *me, void *fake)
{
#ifdef SIM_ASAN_FIBERS
	const void *lo;
	size_t size;

	__sanitizer_finish_switch_fiber(fake, &lo, &size);
	if (!S.cpu[0].stack_lo && me->idx)	/* the first switch away from the boot vCPU */
		S.cpu[0].stack_lo = lo, S.cpu[0].stack_size = size;
#else
	(void)fake;
#endif
	if (!me->idx && S.bail)
		longjmp(S.jb, S.bail);
}

/* Runs next on its stack until it switches back here. */
static void switch_to(struct simcpu *next)
{
	struct simcpu *me = C;
	void *fake = NULL;

	if (next == me)
		return;
	S.cur = next;
#ifdef SIM_ASAN_FIBERS
	__sanitizer_start_switch_fiber(&fake, next->stack_lo, next->stack_size);
#endif
	if (swapcontext(&me->uc, &next->uc))
		abort();
	arrived(me, fake);
}

/* c's next event of its own: the limit, a host tick, its timer, an IPI. */
static uint64_t next_event(const struct simcpu *c)
{
	uint64_t t = S.t_limit;

	if (S.tick_period && c->t_tick < t)
		t = c->t_tick;
	if (c->timer_on && c->t_timer < t)
		t = c->t_timer;
	for (unsigned i = 0; i < c->nipi; i++)
		if (c->ipi[i].t < t)
			t = c->ipi[i].t;
	return t;
}

static void set_next(struct simcpu *c)
{
	uint64_t t = next_event(c);

	if (c == C && S.t_switch < t)
		t = S.t_switch;
	c->t_next = t;
}

/* Up to when c, not running, cannot change anything the others see: its
 * clock, or the end of its spin (or its next event, if earlier). */
static uint64_t horizon(const struct simcpu *c)
{
	uint64_t e;

	if (c->spin_end <= c->now)
		return c->now;
	e = next_event(c);
	return e < c->spin_end ? (e > c->now ? e : c->now) : c->spin_end;
}

/* The running vCPU's switch time: a quantum past the nearest horizon. */
static uint64_t switch_time(const struct simcpu *me)
{
	uint64_t after = UINT64_MAX;

	for (unsigned i = 0; i < S.started; i++)
		if (&S.cpu[i] != me && !S.cpu[i].halted && horizon(&S.cpu[i]) + SIM_QUANTUM < after)
			after = horizon(&S.cpu[i]) + SIM_QUANTUM;
	return after;
}

/*
 * The runnable vCPU with the smallest clock (ties: the lowest index) gets
 * the baton, to run until it is SIM_QUANTUM ahead of the next smallest.
 */
static void reschedule(void)
{
	struct simcpu *next = NULL;

	for (unsigned i = 0; i < S.started; i++)
		if (!S.cpu[i].halted && (!next || S.cpu[i].now < next->now))
			next = &S.cpu[i];
	S.t_switch = switch_time(next);
	/* next resumes where it handed over (here, or at its start), and
	 * when the baton comes back the giver has set this vCPU's S.t_switch */
	switch_to(next);
	set_next(C);
}

/* --- time, limits, asynchronous events --------------------------------- */

static void __attribute__((noreturn, format(printf, 2, 3))) bail(enum sim_end why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(S.res->message, sizeof(S.res->message), fmt, ap);
	va_end(ap);
	if (!C->idx)
		longjmp(S.jb, (int)why + 1);
	/* an AP: the boot vCPU ends the run (its stack holds the setjmp) */
	S.bail = (int)why + 1;
	C->halted = true;
	for (;;)
		switch_to(&S.cpu[0]);	/* never comes back */
}

static void limits_hit(void)
{
	if (S.events >= S.cfg.max_events)
		bail(SIM_LIMIT, "the workload did not finish within %llu simulated events (at %.3f ms simulated): it may loop forever; raise --limit events=N if it is just long",
		     (unsigned long long)S.cfg.max_events, C->now * 1e3 / (double)S.cfg.tsc_hz);
	bail(SIM_LIMIT, "the workload did not finish within %llu ms of simulated time (%llu events): a wait that never ends (does the script lower CR8?) or a long run; raise --limit time_ms=N",
	     (unsigned long long)S.cfg.max_time_ms, (unsigned long long)S.events);
}

/*
 * The first IPI other vCPUs sent (in sending order): its vector set in IRR
 * with the kick's exit and the event processing at re-entry
 * (__apic_accept_irq, kvm_vcpu_kick: arch/x86/kvm/lapic.c).  Taken at the
 * target's next platform operation even where its clock is still before
 * the send (by less than a quantum, or within a spin): KVM set the IRR at
 * the sender's exit, so whatever the target sees of the sender's later
 * writes, it sees the IRR set too (an IRR poll after the sender's flag
 * finds the vector at once, as on hardware).
 */
static void accept_ipi(struct simcpu *c)
{
	uint8_t vec = c->ipi[0].vec;

	memmove(&c->ipi[0], &c->ipi[1], (c->nipi - 1) * sizeof(c->ipi[0]));
	c->nipi--;
	set_next(c);
	kp_ext_irq(&c->v, vec);
}

/* Everything due at or before now: IPIs from other vCPUs, host ticks,
 * timer expiries, the hand-over to another vCPU. */
static void async_events(void)
{
	if (S.events >= S.cfg.max_events)
		limits_hit();
	while (C->nipi || C->now >= C->t_next) {
		struct simcpu *c = C;

		if (c->nipi) {
			accept_ipi(c);
			continue;
		}
		if (c->t_next == S.t_switch) {
			reschedule();
			continue;
		}
		if (c->t_next == S.t_limit)
			limits_hit();
		if (c->timer_on && c->t_timer == c->t_next &&
		    (!S.tick_period || c->t_timer <= c->t_tick)) {
			if (c->timer_period)
				c->t_timer += c->timer_period;
			else
				c->timer_on = false;
			set_next(c);
			kp_ext_irq(&c->v, c->timer_vec);
		} else {
			c->t_tick += S.tick_period;
			set_next(c);
			kp_host_tick(&c->v);
		}
	}
}

static inline void advance(uint64_t cycles)
{
	C->now += cycles;
	if (__builtin_expect(++S.events >= S.cfg.max_events || C->now >= C->t_next || C->nipi, 0))
		async_events();
}

/* --- policy hooks -------------------------------------------------------- */

static void on_exit_hook(void *ctx, enum kp_exit why)
{
	struct simcpu *c = ctx;

	c->now += S.cfg.cost.exit[why];
	if (why == KX_APIC)
		c->now += S.cfg.cost.mmio;
}

static void on_deliver(void *ctx, unsigned vector, bool prev_if)
{
	struct simcpu *c = ctx;

	if (c->v.depth > MAX_NEST)
		bail(SIM_ERROR, "interrupt nesting deeper than %d (vector 0x%02x): the handlers re-enable interrupts without masking their own vector",
		     MAX_NEST, vector);
	c->now += S.cfg.cost.deliver;
	nt_interrupt(vector);
	c->now += S.cfg.cost.iret;
	kp_iret(&c->v, prev_if);
}

/* The step table is the boot vCPU's (kp_set_trace on vCPU 0 only). */
static void on_step(void *ctx, const struct kp_step *s)
{
	struct sim_result *r = S.res;
	struct simcpu *c = ctx;

	if (r->nsteps == S.cfg.trace_max) {
		r->steps_dropped++;
		return;
	}
	if (r->nsteps == S.stepcap) {
		S.stepcap = S.stepcap ? S.stepcap * 2 : 1024;
		if (S.stepcap > S.cfg.trace_max)
			S.stepcap = S.cfg.trace_max;
		r->steps = realloc(r->steps, S.stepcap * sizeof(*r->steps));
		if (!r->steps)
			bail(SIM_ERROR, "out of memory for the step table: lower the iterations");
	}
	r->steps[r->nsteps].s = *s;
	r->steps[r->nsteps].phase = (uint8_t)c->cur_phase;
	r->nsteps++;
}

/* KVM_EXIT_FAIL_ENTRY: QEMU stops the VM; so does the simulation. */
static void on_entry_fail(void *ctx, unsigned thr, unsigned vtpr)
{
	(void)ctx;
	bail(SIM_ENTRY_FAIL, "VM entry failed (KVM_EXIT_FAIL_ENTRY, hardware error 0x7: TPR threshold %u above VTPR[7:4] %u, SDM 'Checks on VMX Controls'); the VM is stopped as QEMU stops it",
	     thr, vtpr);
}

/* --- platform.h ----------------------------------------------------------- */

uint64_t plat_read_cr8(void)
{
	advance(S.cfg.cost.insn);
	return kp_rdcr8(&C->v);
}

void plat_write_cr8(uint64_t irql)
{
	advance(S.cfg.cost.cr8);
	kp_wrcr8(&C->v, (uint8_t)(irql & 0xf));
}

/* As the HAL sends it (guestos/arch/x86/apic.c): one ICR write, an APIC
 * access exit unless the APIC is virtualized. */
void plat_self_ipi(uint8_t vector)
{
	advance(S.cfg.cost.insn);
	kp_self_ipi(&C->v, vector);
}

/*
 * The checked send (ipi_readback=1): read the ICR until it is idle, write
 * the ICR, read IRR until the vector is there.  Three APIC accesses, each
 * an exit unless the APIC is virtualized (the reads then hit the virtual
 * APIC page), so the exit totals match the traced ones.
 */
void plat_self_ipi_checked(uint8_t vector)
{
	advance(S.cfg.cost.insn);
	(void)kp_read_irr(&C->v, 0);		/* ICR delivery status */
	kp_self_ipi(&C->v, vector);
	(void)kp_read_irr(&C->v, vector);	/* the vector reached IRR */
}

bool plat_irr_pending(uint8_t vector)
{
	advance(S.cfg.cost.insn);
	return kp_read_irr(&C->v, vector);
}

void plat_eoi(void)
{
	advance(S.cfg.cost.insn);
	kp_eoi(&C->v);
}

/*
 * KVM never lets a periodic LAPIC timer fire more often than every
 * min_timer_period_us (a kvm module parameter, 200 by default in
 * arch/x86/kvm/x86.c): limit_periodic_timer_frequency() in
 * arch/x86/kvm/lapic.c raises a shorter period to it, the first expiry
 * included (set_target_expiration()).  One-shot timers are not limited.
 */
#define KVM_MIN_TIMER_PERIOD_US	200

/*
 * The timer as the x86 guest programs it (guestos/arch/x86/apic.c): a KVM
 * host offers TSC-deadline (CPUID.1:ECX[24]), so a one-shot is an LVT
 * write in TSC-deadline mode when the LVT changes, then WRMSR
 * IA32_TSC_DEADLINE (an msr exit); a periodic timer is an LVT write when it
 * changes, then TMICT (APIC exits).  An LVT change first disarms the
 * running timer (WRMSR 0 in deadline mode, TMICT=0 else), as the guest
 * does.  KVM passes none of these through: each is an exit under every
 * policy (MSR_WRITE, APIC_ACCESS / APIC_WRITE / avic_unaccelerated_access).
 */
#define SIM_LVT_MASKED		0x10000u
#define SIM_LVT_PERIODIC	0x20000u
#define SIM_LVT_DEADLINE	0x40000u

static void timer_disarm_exit(void)
{
	C->v.st->ops[KO_APIC_OTHER]++;
	kp_other_exit(&C->v, KE_APIC, -1, (C->lvt & SIM_LVT_DEADLINE) ? KX_MSR : kp_apic_exit(&C->v));
}

static bool lvt_set(uint32_t lvt)
{
	if (C->lvt == lvt)
		return false;
	timer_disarm_exit();
	C->v.st->ops[KO_APIC_OTHER]++;
	kp_other_exit(&C->v, KE_APIC, (int)(lvt & 0xff), kp_apic_exit(&C->v));
	C->lvt = lvt;
	return true;
}

/* Returns what the guest computes (now + cycles), not when KVM will fire:
 * a period KVM raised shows as latency. */
uint64_t plat_timer_arm(uint8_t vector, uint64_t cycles, bool periodic)
{
	uint64_t min = KVM_MIN_TIMER_PERIOD_US * S.cfg.tsc_hz / 1000000, fire;

	advance(S.cfg.cost.insn);
	if (!periodic) {
		lvt_set(vector | SIM_LVT_DEADLINE);
		C->v.st->ops[KO_APIC_OTHER]++;
		kp_other_exit(&C->v, KE_APIC, vector, KX_MSR);	/* WRMSR IA32_TSC_DEADLINE */
	} else {
		lvt_set(vector | SIM_LVT_PERIODIC);
		C->v.st->ops[KO_APIC_OTHER]++;
		kp_other_exit(&C->v, KE_APIC, vector, kp_apic_exit(&C->v));	/* TMICT */
	}
	if (!cycles)
		cycles = 1;
	fire = periodic && cycles < min ? min : cycles;
	C->timer_on = true;
	C->timer_vec = vector;
	C->timer_period = periodic ? fire : 0;
	C->t_timer = C->now + fire;
	set_next(C);
	return C->now + cycles;
}

void plat_timer_stop(void)
{
	advance(S.cfg.cost.insn);
	if (!lvt_set(SIM_LVT_MASKED))	/* which disarms it first */
		timer_disarm_exit();
	C->timer_on = false;
	set_next(C);
}

uint64_t plat_now(void)
{
	advance(S.cfg.cost.rdtsc);
	return C->now;
}

uint64_t plat_tsc_hz(void)
{
	return S.cfg.tsc_hz;
}

void plat_spin(uint64_t cycles)
{
	uint64_t end = C->now + cycles;

	if (++S.events >= S.cfg.max_events)
		limits_hit();
	/* time jumps to each event due within the wait (a hand-over to
	 * another vCPU among them: spinning is where the others run) */
	C->spin_end = end;
	while (C->nipi || C->t_next <= end) {
		if (!C->nipi && C->now < C->t_next)
			C->now = C->t_next;
		async_events();
	}
	C->spin_end = 0;
	if (C->now < end)
		C->now = end;
}

void plat_pause(void)
{
	advance(S.cfg.cost.insn);
}

/* The marker's io exit counts in the old phase; what its re-entry
 * injects counts in the new one (as a tracer splitting at kvm_pio does). */
void plat_phase(uint32_t marker)
{
	unsigned idx = marker & 0xff;

	advance(S.cfg.cost.insn);
	C->v.st->ops[KO_PHASE]++;
	C->v.st = &C->st->markers;
	kp_exit_begin(&C->v, KE_IO, (int)idx, KX_IO);
	/* what the marker's re-entry injects belongs to the new phase */
	C->cur_phase = idx < MAX_PHASES ? idx : SIM_END_PHASE;
	C->v.st = &C->st->phase[C->cur_phase];
	C->st->phase_seen[C->cur_phase] = true;
	kp_exit_end(&C->v);
}

/* A port write that is no marker: an io exit in the current phase, with
 * KVM's event processing at its re-entry (kvm_fold counts it the same). */
void plat_out(uint16_t port, uint8_t value)
{
	(void)value;
	advance(S.cfg.cost.insn);
	C->v.st->ops[KO_PHASE]++;
	kp_other_exit(&C->v, KE_IO, port, KX_IO);
}

_Static_assert((int)PLAT_HOST_SET_TPR == (int)KH_SET_TPR && (int)PLAT_HOST_INIT == (int)KH_INIT &&
	       (int)PLAT_HOST_AVIC_INHIBIT == (int)KH_AVIC_INHIBIT &&
	       (int)PLAT_HOST_AVIC_ACTIVATE == (int)KH_AVIC_ACTIVATE && (int)PLAT_HOST_N == (int)KH_N,
	       "platform.h's host actions are kvm_policy.h's");

/* The model is the host: every action is performed (kp_host).  INIT also
 * resets the LAPIC timer (kvm_lapic_reset masks its LVT). */
bool plat_host(unsigned action, unsigned arg)
{
	if (action >= PLAT_HOST_N)
		return false;
	advance(S.cfg.cost.insn);
	kp_host(&C->v, (enum kp_host_action)action, (uint8_t)arg);
	if (action == PLAT_HOST_INIT) {
		C->timer_on = false;
		C->lvt = SIM_LVT_MASKED;
		set_next(C);
	}
	return true;
}

unsigned long plat_irq_save(void)
{
	bool was = C->v.if_;

	advance(S.cfg.cost.insn);
	kp_irq_disable(&C->v);
	return was ? 0x200 : 0;
}

void plat_irq_restore(unsigned long flags)
{
	advance(S.cfg.cost.insn);
	if (flags & 0x200)
		kp_irq_enable(&C->v);
	else
		kp_irq_disable(&C->v);
}

void plat_irq_enable(void)
{
	advance(S.cfg.cost.insn);
	kp_irq_enable(&C->v);
}

void plat_irq_disable(void)
{
	advance(S.cfg.cost.insn);
	kp_irq_disable(&C->v);
}

bool plat_irq_enabled(void)
{
	return C->v.if_;
}

unsigned plat_cpu_id(void)
{
	return C->idx;
}

/* Before arch_start_aps() the vCPUs configured, after it those started,
 * as the x86 guest's (guestos/arch/x86/smp.c). */
unsigned plat_ncpus(void)
{
	return S.started > 1 ? S.started : S.ncpus;
}

void plat_puts(const char *s)
{
	struct sim_result *r = S.res;
	size_t n = strlen(s);
	char *p;

	if (r->outlen + n + 1 > MAX_OUT)
		return;
	p = realloc(r->out, r->outlen + n + 1);
	if (!p)
		return;
	memcpy(p + r->outlen, s, n + 1);
	r->out = p;
	r->outlen += n;
}

const char *plat_describe(void)
{
	bool intel = kp_policy_intel(S.cfg.policy);

	snprintf(S.describe, sizeof(S.describe),
		 "apic=%s timer=tsc-deadline tsc_hz=%llu tsc_source=model vendor=%s hypervisor=KVMKVMKVM policy=%s",
		 S.cfg.x2apic ? "x2apic" : "xapic", (unsigned long long)S.cfg.tsc_hz, intel ? "GenuineIntel" : "AuthenticAMD",
		 kp_policy_name(S.cfg.policy));
	return S.describe;
}

/*
 * The sender's ICR write exits as a self-IPI's does (kp_ipi_send); the
 * target accepts the vector at its next platform operation.  A halted
 * target (its workload done, IF=0) never takes it, as hardware would not.
 */
void plat_send_ipi(unsigned cpu, uint8_t vector)
{
	struct simcpu *t;

	advance(S.cfg.cost.insn);
	if (cpu >= S.started || cpu == C->idx)
		bail(SIM_ERROR, "IPI 0x%02x to CPU %u: not another running vCPU of the %u", vector, cpu,
		     S.started);
	kp_ipi_send(&C->v, vector);
	t = &S.cpu[cpu];
	if (t->halted)
		return;
	if (t->nipi == SIM_MAX_IPIS)
		bail(SIM_ERROR, "more than %d IPIs in flight to vCPU %u", SIM_MAX_IPIS, cpu);
	t->ipi[t->nipi].t = C->now;
	t->ipi[t->nipi].vec = vector;
	t->nipi++;
	set_next(t);
	/* the target's horizon may be nearer now */
	S.t_switch = switch_time(C);
	set_next(C);
}

/* Out of the schedule; the others run on.  The boot vCPU never halts (its
 * guest_main() returns instead): if it did, the run would be over. */
void plat_halt(void)
{
	C->halted = true;
	if (!C->idx)
		bail(SIM_ERROR, "the boot vCPU halted for good");
	for (;;)
		reschedule();	/* never comes back */
}

static void init_cpu(struct simcpu *c, unsigned idx, uint64_t now);

/* An AP's entry, on its own stack: the guest's AP entry (which ends in
 * plat_halt()).  makecontext passes ints: the index. */
static void ap_entry(int idx)
{
	struct simcpu *me = &S.cpu[idx];

	arrived(me, NULL);
	set_next(me);
	me->fn(me->idx);
	plat_halt();
}

/* vCPU i's context: its stack, entered at ap_entry when first switched to. */
static void start_ap(unsigned i, void (*fn)(unsigned cpu))
{
	struct simcpu *c = &S.cpu[i];

	init_cpu(c, i, C->now);
	c->fn = fn;
	c->stack = malloc(SIM_STACK);
	if (!c->stack || getcontext(&c->uc))
		bail(SIM_ERROR, "cannot make a stack for vCPU %u: lower --vcpus", i);
	c->stack_lo = c->stack;
	c->stack_size = SIM_STACK;
	c->uc.uc_stack.ss_sp = c->stack;
	c->uc.uc_stack.ss_size = SIM_STACK;
	c->uc.uc_link = NULL;
	makecontext(&c->uc, (void (*)(void))ap_entry, 1, (int)i);
	S.started = i + 1;
}

/* The configured vCPUs start at the boot vCPU's clock (its INIT-SIPI-SIPI
 * is not modelled: no exit is counted for it, as the phases start later). */
unsigned arch_start_aps(void (*fn)(unsigned cpu))
{
	if (S.started > 1 || S.ncpus < 2)
		return S.started;
	for (unsigned i = 1; i < S.ncpus; i++)
		start_ap(i, fn);
	reschedule();	/* the switch time now that there are others */
	return S.started;
}

void guest_exit(int code)
{
	S.res->status = code;
	if (!C->idx)
		longjmp(S.jb, SIM_GUEST_EXIT + 1);
	S.bail = SIM_GUEST_EXIT + 1;
	C->halted = true;
	for (;;)
		switch_to(&S.cpu[0]);
}

/* --- the run ---------------------------------------------------------------- */

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct kp_hooks hooks_tmpl = { NULL, on_exit_hook, on_deliver, on_step, on_entry_fail };

static void init_cpu(struct simcpu *c, unsigned idx, uint64_t now)
{
	struct kp_hooks hooks = hooks_tmpl;

	memset(c, 0, sizeof(*c));
	c->idx = idx;
	c->st = &S.res->cpu[idx];
	c->st->phase_seen[0] = true;
	c->now = now;
	c->lvt = SIM_LVT_MASKED;
	c->t_tick = (now / (S.tick_period ? S.tick_period : 1) + 1) * S.tick_period;
	hooks.ctx = c;
	/* guest_main (and an AP's entry) start with the xAPIC enabled, IRQL 0,
	 * IF=0 (boot.h) */
	kp_init(&c->v, S.cfg.policy, &c->st->phase[0], &c->now, &hooks, false);
	c->v.x2apic = S.cfg.x2apic;
	kp_set_trace(&c->v, S.cfg.trace && !idx);
	set_next(c);
}

int sim_run(const struct sim_config *cfg, const struct boot_info *bi, struct sim_result *res)
{
	volatile double t0 = wall();
	struct simcpu *boot;
	int jr;

	memset(res, 0, sizeof(*res));
	memset(&S, 0, sizeof(S));
	S.cfg = *cfg;
	S.res = res;
	S.ncpus = cfg->ncpus ? cfg->ncpus : 1;
	if (S.ncpus > MAX_CPUS)
		S.ncpus = MAX_CPUS;
	S.started = 1;
	S.t_switch = UINT64_MAX;
	res->late_outstanding = -1;
	S.tick_period = cfg->host_hz ? cfg->tsc_hz / cfg->host_hz : 0;
	S.t_limit = cfg->max_time_ms * (cfg->tsc_hz / 1000);
	if (!S.t_limit)
		S.t_limit = 1;
	boot = &S.cpu[0];
	S.cur = boot;
	init_cpu(boot, 0, 0);

	jr = setjmp(S.jb);
	if (!jr) {
		res->status = guest_main(bi);
		res->end = SIM_RETURNED;
	} else {
		res->end = (enum sim_end)(jr - 1);
		if (res->end != SIM_GUEST_EXIT)
			res->status = -1;
	}
	/* the APs are never switched to again: their stacks go */
	S.cur = boot;
	for (unsigned i = 1; i < S.started; i++)
		free(S.cpu[i].stack);
	res->ncpus = S.started;
	res->events = S.events;
	res->cycles = boot->now;
	res->end_deliverable = kp_arch_deliverable(&boot->v);
	res->late_outstanding = boot->v.late_vec;
	memcpy(res->irr_end, boot->v.irr, sizeof(res->irr_end));
	memcpy(res->isr_end, boot->v.isr, sizeof(res->isr_end));
	res->wall_s = wall() - t0;
	return res->status;
}

void sim_result_free(struct sim_result *res)
{
	free(res->out);
	free(res->steps);
	res->out = NULL;
	res->steps = NULL;
}
