// SPDX-License-Identifier: MIT
/*
 * intr.c - interrupt dispatch, DPCs, the clock, expected-interrupt tracking.
 *
 * The platform calls nt_interrupt() for every vector >= 32 with IF=0.
 * Handlers behave as ReactOS's amd64 HAL does (docs/windows-irql.md):
 *  - 0x2F (DPC): raise CR8 to DISPATCH_LEVEL, EOI, sti, drain the DPC
 *    queue, cli, lower CR8 to the interrupted IRQL;
 *  - device/clock vectors: raise CR8 to the vector's class (the clock only
 *    with clock_raises_irql), sti, ISR, cli, EOI, lower;
 *  - raw vectors (scenario scripts): the ISR runs with IF=0 and EOIs itself;
 *  - a scenario may register its own 0x2F handler (raw or auto), which then
 *    replaces the DPC dispatch (nt_register_isr with NULL gives it back).
 */
#include "klib.h"
#include "nt_internal.h"

struct nt_cpu nt_cpus[MAX_CPUS];
struct nt_isr_slot nt_isrs[256];

/*
 * Vectors the layer may send and handle: 0x10..0xFE (the local APIC
 * refuses 0..15: "Send/Receive Illegal Vector", SDM Vol. 3A §11.5.3),
 * except 0x11 #AC, 0x15 #CP, 0x1D #VC and 0x1E #SX, whose IDT stubs take
 * the error code the CPU pushes for those exceptions: an interrupt there
 * would unbalance the frame (isr.S).
 */
bool nt_vector_ok(unsigned vector)
{
	return vector >= 0x10 && vector <= 0xFE && vector != 0x11 && vector != 0x15 &&
	       vector != 0x1D && vector != 0x1E;
}

void nt_register_isr(unsigned vector, nt_isr_t isr, void *ctx, bool raw)
{
	if (!nt_vector_ok(vector))
		nt_bugcheck("INVALID_VECTOR", "ISR registered outside 0x10..0xFE, or at an exception vector with an error code");
	nt_isrs[vector].isr = isr;
	nt_isrs[vector].ctx = ctx;
	nt_isrs[vector].raw = isr && raw;
}

void nt_init(void)
{
	struct nt_cpu *c = nt_this_cpu();

	kmemset(c, 0, sizeof(*c));
	plat_write_cr8(PASSIVE_LEVEL);
}

/* --- expected interrupts ----------------------------------------------- */

/* Atomic: another CPU expects a vector here when it sends a targeted DPC's
 * IPI, while this CPU's handler entries take expectations away. */
void nt_expect_on(struct nt_cpu *c, unsigned vector)
{
	vector &= 0xff;
	__atomic_fetch_add(&c->expect_count[vector], 1, __ATOMIC_RELAXED);
	__atomic_fetch_or(&c->expect_bits[vector >> 6], 1ull << (vector & 63), __ATOMIC_RELEASE);
}

void nt_expect(unsigned vector)
{
	nt_expect_on(nt_this_cpu(), vector);
}

bool nt_is_pending(unsigned vector)
{
	return __atomic_load_n(&nt_this_cpu()->expect_count[vector & 0xff], __ATOMIC_ACQUIRE) != 0;
}

/* The platform's question for vectors 16..31: did the layer send it?  A
 * vector is expected from its self-IPI (or wait_pending) to its entry. */
bool nt_vector_sent(unsigned vector)
{
	return nt_vector_ok(vector) && nt_is_pending(vector);
}

uint64_t nt_deliveries(unsigned vector)
{
	return nt_this_cpu()->deliveries[vector & 0xff];
}

bool nt_wait_pending(unsigned vector, uint64_t max_cycles)
{
	uint64_t t0 = plat_now(), q = 200;

	/* each poll is an exit under KVM: back off */
	while (!plat_irr_pending((uint8_t)vector)) {
		if (plat_now() - t0 > max_cycles)
			return false;
		plat_spin(q);
		if (q < 20000)
			q += q / 2;
	}
	if (!nt_is_pending(vector))
		nt_expect(vector);
	return true;
}

bool nt_wait_counter(const uint64_t *v, uint64_t k, uint64_t max_cycles)
{
	uint64_t t0 = plat_now(), q = 100;

	/* A plain memory poll: no exit, so a late interrupt stays late until
	 * some unrelated exit delivers it.  Backing off (up to 20k cycles)
	 * changes no exit and no latency (taken at handler entry); it keeps
	 * the model from simulating a million polls per late DPC. */
	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < k) {
		if (plat_now() - t0 > max_cycles)
			return false;
		plat_spin(q);
		if (q < 20000)
			q += q / 2;
	}
	return true;
}

bool nt_wait_delivered(unsigned vector, uint64_t count, uint64_t max_cycles)
{
	return nt_wait_counter(&nt_this_cpu()->deliveries[vector & 0xff], count, max_cycles);
}

/* --- EOI with in-service bookkeeping ------------------------------------ */

void nt_eoi(void)
{
	struct nt_cpu *c = nt_this_cpu();

	if (c->isr_depth)
		c->isr_depth--;
	plat_eoi();
}

/* --- DPCs -------------------------------------------------------------- */

void KeInitializeDpc(KDPC *dpc, PKDEFERRED_ROUTINE routine, void *ctx)
{
	dpc->next = NULL;
	dpc->routine = routine;
	dpc->ctx = ctx;
	dpc->queued = false;
	dpc->target = -1;
	dpc->t_queued = 0;
}

void KeSetTargetProcessorDpc(KDPC *dpc, unsigned cpu)
{
	if (cpu >= MAX_CPUS)
		nt_bugcheck("INVALID_PROCESSOR_INDEX", "KeSetTargetProcessorDpc beyond MAX_CPUS");
	dpc->target = (int)cpu;
}

/*
 * A self-IPI as the HAL sends it: the layer learns what to expect, then
 * one ICR write with interrupts as they are.  ipi_readback=1 sends the
 * checked way instead (IF off, ICR idle wait, write, IRR read back): three
 * APIC accesses, and where the vector is deliverable at once the window
 * (vintr) path of the IF restore, which a real guest never takes.
 */
void nt_send_self_ipi(unsigned vector)
{
	unsigned long flags;

	if (!nt_vector_ok(vector))
		nt_bugcheck("INVALID_VECTOR", "self-IPI outside 0x10..0xFE, or at an exception vector with an error code");
	if (!nt_opts.ipi_readback) {
		nt_expect(vector);
		plat_self_ipi((uint8_t)vector);
		return;
	}
	flags = plat_irq_save();
	nt_expect(vector);
	plat_self_ipi_checked((uint8_t)vector);
	plat_irq_restore(flags);
}

void nt_send_ipi(unsigned cpu, unsigned vector)
{
	if (!nt_vector_ok(vector))
		nt_bugcheck("INVALID_VECTOR", "IPI outside 0x10..0xFE, or at an exception vector with an error code");
	if (cpu >= plat_ncpus() || cpu == plat_cpu_id())
		nt_bugcheck("INVALID_PROCESSOR_INDEX", "IPI to this CPU or to one that is not running");
	nt_expect_on(&nt_cpus[cpu], vector);
	plat_send_ipi(cpu, (uint8_t)vector);
}

void HalRequestSoftwareInterrupt(KIRQL irql)
{
	nt_send_self_ipi(((unsigned)irql << 4) | 0xF);
}

/* What sets the two software-interrupt queues apart: their IRQL and
 * counters, and (DPCs only) the queue-to-run histogram. */
struct swq_kind {
	KIRQL level;
	enum stat_counter queued, run, interrupts;
	int queue_to_run;	/* enum stat_hist, or -1 */
};

static const struct swq_kind swq_dpc = {
	DISPATCH_LEVEL, STAT_dpc_queued, STAT_dpc_run, STAT_dpc_interrupts, HIST_dpc_queue_to_run
};
static const struct swq_kind swq_apc = {
	APC_LEVEL, STAT_apc_queued, STAT_apc_run, STAT_apc_interrupts, -1
};

/* The queue lock, IF already off: a plain test-and-set, spinning with PAUSE. */
static void swq_lock(struct nt_swq *q)
{
	KeAcquireSpinLockAtDpcLevel(&q->lock);
}

static void swq_unlock(struct nt_swq *q)
{
	KeReleaseSpinLockFromDpcLevel(&q->lock);
}

/* Queues obj on CPU cpu's queue q and requests q's software interrupt at
 * its level if none is requested yet: a self-IPI on this CPU, an IPI to
 * another; false if obj is already queued. */
static bool swq_insert(unsigned cpu, struct nt_swq *q, KDPC *obj, const struct swq_kind *k)
{
	unsigned long flags = plat_irq_save();
	bool request;

	swq_lock(q);
	if (obj->queued) {
		swq_unlock(q);
		plat_irq_restore(flags);
		return false;
	}
	obj->queued = true;
	obj->next = NULL;
	obj->t_queued = plat_now();
	if (q->tail)
		q->tail->next = obj;
	else
		q->head = obj;
	q->tail = obj;
	request = !q->requested;
	q->requested = true;
	swq_unlock(q);
	stats_here()->c[k->queued]++;
	if (request && cpu == plat_cpu_id()) {
		HalRequestSoftwareInterrupt(k->level);
	} else if (request) {
		unsigned vector = ((unsigned)k->level << 4) | 0xF;

		nt_expect_on(&nt_cpus[cpu], vector);
		plat_send_ipi(cpu, (uint8_t)vector);
	}
	plat_irq_restore(flags);
	return true;
}

bool KeInsertQueueDpc(KDPC *dpc)
{
	unsigned cpu = dpc->target >= 0 ? (unsigned)dpc->target : plat_cpu_id();

	if (cpu != plat_cpu_id() && cpu >= plat_ncpus())
		nt_bugcheck("INVALID_PROCESSOR_INDEX", "a DPC targeted at a processor that is not running");
	return swq_insert(cpu, &nt_cpus[cpu].dpcq, dpc, &swq_dpc);
}

void KeInitializeApc(KAPC *apc, PKKERNEL_ROUTINE routine, void *ctx)
{
	KeInitializeDpc(apc, routine, ctx);
}

bool KeInsertQueueApc(KAPC *apc)
{
	return swq_insert(plat_cpu_id(), &nt_this_cpu()->apcq, apc, &swq_apc);
}

/* Runs with IF=1 at the queue's level; returns with IF=0 and the queue
 * empty. */
static void swq_drain(struct nt_swq *q, const struct swq_kind *k)
{
	for (;;) {
		KDPC *obj;

		uint64_t now;

		plat_irq_disable();
		swq_lock(q);
		obj = q->head;
		if (!obj) {
			q->requested = false;
			swq_unlock(q);
			return;
		}
		q->head = obj->next;
		if (!q->head)
			q->tail = NULL;
		obj->queued = false;
		swq_unlock(q);
		plat_irq_enable();

		/* queued on another CPU: its TSC, synchronised with this one's
		 * but for skew (never a negative delay) */
		now = plat_now();
		if (k->queue_to_run >= 0)
			stats_hist_add(&stats_here()->h[k->queue_to_run],
				       now > obj->t_queued ? now - obj->t_queued : 0);
		stats_here()->c[k->run]++;
		obj->routine(obj, obj->ctx);
	}
}

/* --- KeIpiGenericCall ------------------------------------------------------- */

static struct {
	PKIPI_BROADCAST_WORKER fn;
	void *ctx;
	unsigned pending;	/* CPUs that have not run fn yet */
} ipi_call;

/* The 0xE1 handler's body (device_interrupt raised to IPI_LEVEL around it). */
static void generic_call_isr(unsigned vector, void *ctx)
{
	(void)vector;
	(void)ctx;
	ipi_call.fn(ipi_call.ctx);
	__atomic_fetch_sub(&ipi_call.pending, 1, __ATOMIC_RELEASE);
}

void KeIpiGenericCall(PKIPI_BROADCAST_WORKER fn, void *ctx)
{
	unsigned me = plat_cpu_id(), n = plat_ncpus();
	KIRQL old;

	if (nt_isrs[IPI_VECTOR].isr && nt_isrs[IPI_VECTOR].isr != generic_call_isr)
		nt_bugcheck("IPI_VECTOR_TAKEN", "KeIpiGenericCall with another handler at 0xE1");
	nt_register_isr(IPI_VECTOR, generic_call_isr, NULL, false);
	old = KfRaiseIrql(IPI_LEVEL);
	ipi_call.fn = fn;
	ipi_call.ctx = ctx;
	__atomic_store_n(&ipi_call.pending, n - 1, __ATOMIC_RELEASE);
	for (unsigned c = 0; c < n; c++)
		if (c != me) {
			nt_expect_on(&nt_cpus[c], IPI_VECTOR);
			plat_send_ipi(c, IPI_VECTOR);
		}
	/* at IPI_LEVEL, spinning: no CR8 write, no exit */
	while (__atomic_load_n(&ipi_call.pending, __ATOMIC_ACQUIRE))
		plat_pause();
	fn(ctx);
	KeLowerIrql(old);
}

/* --- clock ---------------------------------------------------------------- */

void nt_clock_start(uint64_t period_cycles, bool periodic)
{
	struct nt_cpu *c = nt_this_cpu();

	c->clock_period = periodic ? period_cycles : 0;
	c->clock_deadline = plat_timer_arm(CLOCK_VECTOR, period_cycles, periodic);
}

void nt_clock_stop(void)
{
	struct nt_cpu *c = nt_this_cpu();

	plat_timer_stop();
	c->clock_deadline = 0;
	c->clock_period = 0;
}

static void clock_latency(struct nt_cpu *c, uint64_t now, bool was_masked)
{
	if (!c->clock_deadline)
		return;
	if (!was_masked && now >= c->clock_deadline)
		HIST_ADD(irq_latency, now - c->clock_deadline);
	if (c->clock_period) {
		c->clock_deadline += c->clock_period;
		/* ticks lost to masking: resynchronise */
		if (c->clock_deadline + c->clock_period < now)
			c->clock_deadline = now - (now - c->clock_deadline) % c->clock_period
					    + c->clock_period;
	} else {
		c->clock_deadline = 0;
	}
}

/* --- dispatch --------------------------------------------------------------- */

/* Entry bookkeeping common to every vector; returns true if the vector was
 * unmasked by a CR8 write (its delay was recorded). */
static bool note_entry(struct nt_cpu *c, unsigned vector, uint64_t now)
{
	struct phase_stats *ps = stats_here();
	unsigned cls = vector_class(vector);
	bool unmasked = false;

	/* Delivered although the priority forbids it? */
	if (cls <= nt_ppr_class(c, (unsigned)plat_read_cr8()))
		ps->c[STAT_priority_violations]++;

	if (__atomic_load_n(&c->expect_count[vector], __ATOMIC_ACQUIRE) &&
	    __atomic_sub_fetch(&c->expect_count[vector], 1, __ATOMIC_ACQ_REL) == 0)
		__atomic_fetch_and(&c->expect_bits[vector >> 6], ~(1ull << (vector & 63)),
				   __ATOMIC_RELEASE);
	if (c->t_unmask[vector]) {
		uint64_t d = now - c->t_unmask[vector];

		if (vector == DPC_VECTOR)
			stats_hist_add(&ps->h[HIST_dpc_unmask_to_entry], d);
		else if (vector == CLOCK_VECTOR)
			stats_hist_add(&ps->h[HIST_clock_unmask_to_entry], d);
		c->t_unmask[vector] = 0;
		unmasked = true;
	}
	if (c->isr_depth < NT_MAX_ISR_DEPTH)
		c->isr_stack[c->isr_depth++] = (uint8_t)vector;
	__atomic_store_n(&c->deliveries[vector], c->deliveries[vector] + 1,
			 __ATOMIC_RELEASE);
	return unmasked;
}

/* The DPC (0x2F) and APC (0x1F) interrupts, as KiDpcInterrupt and
 * KiApcInterrupt: raise to the level, EOI, run the queue with interrupts
 * on, lower back. */
static void swq_interrupt(struct nt_swq *q, const struct swq_kind *k)
{
	KIRQL old = (KIRQL)plat_read_cr8();

	/* old >= level only after a priority violation (counted) */
	if (old < k->level)
		KfRaiseIrql(k->level);

	stats_here()->c[k->interrupts]++;
	nt_eoi();
	plat_irq_enable();
	swq_drain(q, k);	/* returns with IF=0 */
	if (old < k->level)
		KeLowerIrql(old);
}

static void device_interrupt(unsigned vector, bool raise)
{
	struct nt_isr_slot *s = &nt_isrs[vector];
	KIRQL old = (KIRQL)plat_read_cr8();

	raise = raise && vector_class(vector) > old;	/* else: a counted violation */
	if (raise)
		KfRaiseIrql((KIRQL)vector_class(vector));
	plat_irq_enable();
	if (s->isr)
		s->isr(vector, s->ctx);
	plat_irq_disable();
	nt_eoi();
	if (raise)
		KeLowerIrql(old);
}

void nt_interrupt(unsigned vector)
{
	struct nt_cpu *c = nt_this_cpu();
	uint64_t now = plat_now();
	bool unmasked;

	vector &= 0xff;
	if (vector == SPURIOUS_VECTOR) {
		STAT_INC(spurious_interrupts);
		return;		/* no EOI for the spurious vector */
	}
	unmasked = note_entry(c, vector, now);

	/* the software interrupts, unless a scenario registered its own */
	if (vector == DPC_VECTOR && !nt_isrs[vector].isr) {
		swq_interrupt(&c->dpcq, &swq_dpc);
		return;
	}
	if (vector == APC_VECTOR && !nt_isrs[vector].isr) {
		swq_interrupt(&c->apcq, &swq_apc);
		return;
	}
	if (vector == CLOCK_VECTOR) {
		STAT_INC(clock_interrupts);
		clock_latency(c, now, unmasked);
	} else if (vector == DPC_VECTOR) {
		STAT_INC(dpc_interrupts);
	} else if (vector == APC_VECTOR) {
		STAT_INC(apc_interrupts);
	} else {
		STAT_INC(other_interrupts);
	}
	if (nt_isrs[vector].raw)
		nt_isrs[vector].isr(vector, nt_isrs[vector].ctx);
	else
		device_interrupt(vector, vector != CLOCK_VECTOR || nt_opts.clock_raises_irql);
}
