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
 */
#include "model/sim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform.h"

#define MAX_NEST 64		/* interrupt nesting on the C stack */
#define MAX_OUT (64u << 20)

static struct sim {
	struct kp_vcpu v;
	struct sim_config cfg;
	struct sim_result *res;
	uint64_t now;		/* TSC */
	uint64_t events;
	uint64_t t_next;	/* min(next tick, timer, limit) */
	uint64_t t_tick, tick_period;
	uint64_t t_timer, timer_period;
	bool timer_on;
	uint8_t timer_vec;
	uint32_t lvt;		/* the guest's LVT timer value as it last wrote it
				 * (vector | SIM_LVT_*; SIM_LVT_MASKED at first) */
	uint64_t t_limit;
	unsigned cur_phase;
	size_t stepcap;
	jmp_buf jb;
	char describe[256];
} S;

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
	COST("exit_msr", exit[KX_MSR], 1200, "MSR exit round trip (msr)"),
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
	cfg->tsc_hz = 2500000000ull;
	cfg->host_hz = 250;
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
	snprintf(err, errlen, "unknown cost '%.*s': see 'irqlbench model --help' for the cost keys",
		 (int)(eq - kv), kv);
	return -1;
}

void sim_print_costs(FILE *f)
{
	for (unsigned i = 0; i < NCOST; i++)
		fprintf(f, "  %-15s %6llu  %s\n", cost_keys[i].key,
			(unsigned long long)cost_keys[i].def, cost_keys[i].help);
}

/* --- time, limits, asynchronous events --------------------------------- */

static void __attribute__((noreturn, format(printf, 2, 3))) bail(enum sim_end why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(S.res->message, sizeof(S.res->message), fmt, ap);
	va_end(ap);
	longjmp(S.jb, (int)why + 1);
}

static void set_next(void)
{
	uint64_t t = S.t_limit;

	if (S.tick_period && S.t_tick < t)
		t = S.t_tick;
	if (S.timer_on && S.t_timer < t)
		t = S.t_timer;
	S.t_next = t;
}

static void limits_hit(void)
{
	if (S.events >= S.cfg.max_events)
		bail(SIM_LIMIT, "the workload did not finish within %llu simulated events (at %.3f ms simulated): it may loop forever; raise --limit events=N if it is just long",
		     (unsigned long long)S.cfg.max_events, S.now * 1e3 / (double)S.cfg.tsc_hz);
	bail(SIM_LIMIT, "the workload did not finish within %llu ms of simulated time (%llu events): a wait that never ends (does the script lower CR8?) or a long run; raise --limit time_ms=N",
	     (unsigned long long)S.cfg.max_time_ms, (unsigned long long)S.events);
}

/* Everything due at or before now: host ticks, timer expiries. */
static void async_events(void)
{
	if (S.events >= S.cfg.max_events)
		limits_hit();
	while (S.now >= S.t_next) {
		if (S.t_next == S.t_limit)
			limits_hit();
		if (S.timer_on && S.t_timer == S.t_next &&
		    (!S.tick_period || S.t_timer <= S.t_tick)) {
			if (S.timer_period)
				S.t_timer += S.timer_period;
			else
				S.timer_on = false;
			set_next();
			kp_ext_irq(&S.v, S.timer_vec);
		} else {
			S.t_tick += S.tick_period;
			set_next();
			kp_host_tick(&S.v);
		}
	}
}

static inline void advance(uint64_t cycles)
{
	S.now += cycles;
	if (__builtin_expect(++S.events >= S.cfg.max_events || S.now >= S.t_next, 0))
		async_events();
}

/* --- policy hooks -------------------------------------------------------- */

static void on_exit_hook(void *ctx, enum kp_exit why)
{
	(void)ctx;
	S.now += S.cfg.cost.exit[why];
	if (why == KX_APIC)
		S.now += S.cfg.cost.mmio;
}

static void on_deliver(void *ctx, unsigned vector, bool prev_if)
{
	(void)ctx;
	if (S.v.depth > MAX_NEST)
		bail(SIM_ERROR, "interrupt nesting deeper than %d (vector 0x%02x): the handlers re-enable interrupts without masking their own vector",
		     MAX_NEST, vector);
	S.now += S.cfg.cost.deliver;
	nt_interrupt(vector);
	S.now += S.cfg.cost.iret;
	kp_iret(&S.v, prev_if);
}

static void on_step(void *ctx, const struct kp_step *s)
{
	struct sim_result *r = S.res;

	(void)ctx;
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
	r->steps[r->nsteps].phase = (uint8_t)S.cur_phase;
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
	return kp_rdcr8(&S.v);
}

void plat_write_cr8(uint64_t irql)
{
	advance(S.cfg.cost.cr8);
	kp_wrcr8(&S.v, (uint8_t)(irql & 0xf));
}

/* As the HAL sends it (guestos/arch/x86/apic.c): one ICR write, an APIC
 * access exit unless the APIC is virtualized. */
void plat_self_ipi(uint8_t vector)
{
	advance(S.cfg.cost.insn);
	kp_self_ipi(&S.v, vector);
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
	(void)kp_read_irr(&S.v, 0);		/* ICR delivery status */
	kp_self_ipi(&S.v, vector);
	(void)kp_read_irr(&S.v, vector);	/* the vector reached IRR */
}

bool plat_irr_pending(uint8_t vector)
{
	advance(S.cfg.cost.insn);
	return kp_read_irr(&S.v, vector);
}

void plat_eoi(void)
{
	advance(S.cfg.cost.insn);
	kp_eoi(&S.v);
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
	S.v.st->ops[KO_APIC_OTHER]++;
	kp_other_exit(&S.v, KE_APIC, -1, (S.lvt & SIM_LVT_DEADLINE) ? KX_MSR : kp_apic_exit(&S.v));
}

static bool lvt_set(uint32_t lvt)
{
	if (S.lvt == lvt)
		return false;
	timer_disarm_exit();
	S.v.st->ops[KO_APIC_OTHER]++;
	kp_other_exit(&S.v, KE_APIC, (int)(lvt & 0xff), kp_apic_exit(&S.v));
	S.lvt = lvt;
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
		S.v.st->ops[KO_APIC_OTHER]++;
		kp_other_exit(&S.v, KE_APIC, vector, KX_MSR);	/* WRMSR IA32_TSC_DEADLINE */
	} else {
		lvt_set(vector | SIM_LVT_PERIODIC);
		S.v.st->ops[KO_APIC_OTHER]++;
		kp_other_exit(&S.v, KE_APIC, vector, kp_apic_exit(&S.v));	/* TMICT */
	}
	if (!cycles)
		cycles = 1;
	fire = periodic && cycles < min ? min : cycles;
	S.timer_on = true;
	S.timer_vec = vector;
	S.timer_period = periodic ? fire : 0;
	S.t_timer = S.now + fire;
	set_next();
	return S.now + cycles;
}

void plat_timer_stop(void)
{
	advance(S.cfg.cost.insn);
	if (!lvt_set(SIM_LVT_MASKED))	/* which disarms it first */
		timer_disarm_exit();
	S.timer_on = false;
	set_next();
}

uint64_t plat_now(void)
{
	advance(S.cfg.cost.rdtsc);
	return S.now;
}

uint64_t plat_tsc_hz(void)
{
	return S.cfg.tsc_hz;
}

void plat_spin(uint64_t cycles)
{
	uint64_t end = S.now + cycles;

	if (++S.events >= S.cfg.max_events)
		limits_hit();
	while (S.t_next <= end) {
		if (S.now < S.t_next)
			S.now = S.t_next;
		async_events();
	}
	if (S.now < end)
		S.now = end;
}

/* The marker's io exit counts in the old phase; what its re-entry
 * injects counts in the new one (as a tracer splitting at kvm_pio does). */
void plat_phase(uint32_t marker)
{
	unsigned idx = marker & 0xff;

	advance(S.cfg.cost.insn);
	S.v.st->ops[KO_PHASE]++;
	S.v.st = &S.res->markers;
	kp_exit_begin(&S.v, KE_IO, (int)idx, KX_IO);
	/* what the marker's re-entry injects belongs to the new phase */
	S.cur_phase = idx < MAX_PHASES ? idx : SIM_END_PHASE;
	S.v.st = &S.res->phase[S.cur_phase];
	S.res->phase_seen[S.cur_phase] = true;
	kp_exit_end(&S.v);
}

/* A port write that is no marker: an io exit in the current phase, with
 * KVM's event processing at its re-entry (kvm_fold counts it the same). */
void plat_out(uint16_t port, uint8_t value)
{
	(void)value;
	advance(S.cfg.cost.insn);
	S.v.st->ops[KO_PHASE]++;
	kp_other_exit(&S.v, KE_IO, port, KX_IO);
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
	kp_host(&S.v, (enum kp_host_action)action, (uint8_t)arg);
	if (action == PLAT_HOST_INIT) {
		S.timer_on = false;
		S.lvt = SIM_LVT_MASKED;
		set_next();
	}
	return true;
}

unsigned long plat_irq_save(void)
{
	bool was = S.v.if_;

	advance(S.cfg.cost.insn);
	kp_irq_disable(&S.v);
	return was ? 0x200 : 0;
}

void plat_irq_restore(unsigned long flags)
{
	advance(S.cfg.cost.insn);
	if (flags & 0x200)
		kp_irq_enable(&S.v);
	else
		kp_irq_disable(&S.v);
}

void plat_irq_enable(void)
{
	advance(S.cfg.cost.insn);
	kp_irq_enable(&S.v);
}

void plat_irq_disable(void)
{
	advance(S.cfg.cost.insn);
	kp_irq_disable(&S.v);
}

bool plat_irq_enabled(void)
{
	return S.v.if_;
}

unsigned plat_cpu_id(void)
{
	return 0;
}

unsigned plat_ncpus(void)
{
	return 1;
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

unsigned arch_start_aps(void (*fn)(unsigned cpu))
{
	(void)fn;
	return 1;	/* the model simulates one vCPU */
}

void guest_exit(int code)
{
	S.res->status = code;
	longjmp(S.jb, SIM_GUEST_EXIT + 1);
}

/* --- the run ---------------------------------------------------------------- */

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int sim_run(const struct sim_config *cfg, const struct boot_info *bi, struct sim_result *res)
{
	struct kp_hooks hooks = { NULL, on_exit_hook, on_deliver, on_step, on_entry_fail };
	volatile double t0 = wall();
	int jr;

	memset(res, 0, sizeof(*res));
	memset(&S, 0, sizeof(S));
	S.lvt = SIM_LVT_MASKED;
	S.cfg = *cfg;
	S.res = res;
	res->late_outstanding = -1;
	res->phase_seen[0] = true;
	S.tick_period = cfg->host_hz ? cfg->tsc_hz / cfg->host_hz : 0;
	S.t_tick = S.tick_period;
	S.t_limit = cfg->max_time_ms * (cfg->tsc_hz / 1000);
	if (!S.t_limit)
		S.t_limit = 1;
	set_next();
	/* guest_main starts with the xAPIC enabled, IRQL 0, IF=0 (boot.h) */
	kp_init(&S.v, cfg->policy, &res->phase[0], &S.now, &hooks, false);
	S.v.x2apic = cfg->x2apic;
	kp_set_trace(&S.v, cfg->trace);

	jr = setjmp(S.jb);
	if (!jr) {
		res->status = guest_main(bi);
		res->end = SIM_RETURNED;
	} else {
		res->end = (enum sim_end)(jr - 1);
		if (res->end != SIM_GUEST_EXIT)
			res->status = -1;
	}
	res->events = S.events;
	res->cycles = S.now;
	res->end_deliverable = kp_arch_deliverable(&S.v);
	res->late_outstanding = S.v.late_vec;
	memcpy(res->irr_end, S.v.irr, sizeof(res->irr_end));
	memcpy(res->isr_end, S.v.isr, sizeof(res->isr_end));
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
