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
 *  - raw vectors (scenario scripts): the ISR runs with IF=0 and EOIs itself.
 */
#include "klib.h"
#include "nt_internal.h"

struct nt_cpu nt_cpus[MAX_CPUS];
struct nt_isr_slot nt_isrs[256];

void nt_register_isr(unsigned vector, nt_isr_t isr, void *ctx, bool raw)
{
	if (vector < 32 || vector > 0xFE)
		nt_bugcheck("INVALID_VECTOR", "ISR registered outside 0x20..0xFE");
	nt_isrs[vector].isr = isr;
	nt_isrs[vector].ctx = ctx;
	nt_isrs[vector].raw = raw;
}

void nt_init(void)
{
	struct nt_cpu *c = nt_this_cpu();

	kmemset(c, 0, sizeof(*c));
	plat_write_cr8(PASSIVE_LEVEL);
}

/* --- expected interrupts ----------------------------------------------- */

void nt_expect(unsigned vector)
{
	struct nt_cpu *c = nt_this_cpu();

	c->expect_count[vector & 0xff]++;
	c->expect_bits[(vector & 0xff) >> 6] |= 1ull << (vector & 63);
}

bool nt_is_pending(unsigned vector)
{
	return nt_this_cpu()->expect_count[vector & 0xff] != 0;
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

bool nt_wait_delivered(unsigned vector, uint64_t count, uint64_t max_cycles)
{
	struct nt_cpu *c = nt_this_cpu();
	uint64_t t0 = plat_now(), q = 100;

	/* A plain memory poll: no exit, so a late interrupt stays late until
	 * some unrelated exit delivers it.  Backing off (up to 20k cycles)
	 * changes no exit and no latency (taken at handler entry); it keeps
	 * the model from simulating a million polls per late DPC. */
	while (__atomic_load_n(&c->deliveries[vector & 0xff], __ATOMIC_ACQUIRE) < count) {
		if (plat_now() - t0 > max_cycles)
			return false;
		plat_spin(q);
		if (q < 20000)
			q += q / 2;
	}
	return true;
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
	dpc->t_queued = 0;
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

void HalRequestSoftwareInterrupt(KIRQL irql)
{
	nt_send_self_ipi(((unsigned)irql << 4) | 0xF);
}

bool KeInsertQueueDpc(KDPC *dpc)
{
	struct nt_cpu *c = nt_this_cpu();
	unsigned long flags = plat_irq_save();

	if (dpc->queued) {
		plat_irq_restore(flags);
		return false;
	}
	dpc->queued = true;
	dpc->next = NULL;
	dpc->t_queued = plat_now();
	if (c->dpc_tail)
		c->dpc_tail->next = dpc;
	else
		c->dpc_head = dpc;
	c->dpc_tail = dpc;
	STAT_INC(dpc_queued);
	if (!c->dpc_requested) {
		c->dpc_requested = true;
		HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
	}
	plat_irq_restore(flags);
	return true;
}

/* Runs with IF=1 at DISPATCH_LEVEL; returns with IF=0 and the queue empty. */
static void drain_dpc_queue(struct nt_cpu *c)
{
	for (;;) {
		KDPC *dpc;

		plat_irq_disable();
		dpc = c->dpc_head;
		if (!dpc) {
			c->dpc_requested = false;
			return;
		}
		c->dpc_head = dpc->next;
		if (!c->dpc_head)
			c->dpc_tail = NULL;
		dpc->queued = false;
		plat_irq_enable();

		HIST_ADD(dpc_queue_to_run, plat_now() - dpc->t_queued);
		STAT_INC(dpc_run);
		dpc->routine(dpc, dpc->ctx);
	}
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

	if (c->expect_count[vector] && --c->expect_count[vector] == 0)
		c->expect_bits[vector >> 6] &= ~(1ull << (vector & 63));
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

static void dpc_interrupt(struct nt_cpu *c)
{
	KIRQL old = (KIRQL)plat_read_cr8();

	/* old >= DISPATCH_LEVEL only after a priority violation (counted) */
	if (old < DISPATCH_LEVEL)
		KfRaiseIrql(DISPATCH_LEVEL);

	STAT_INC(dpc_interrupts);
	nt_eoi();
	plat_irq_enable();
	drain_dpc_queue(c);	/* returns with IF=0 */
	if (old < DISPATCH_LEVEL)
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

	if (nt_isrs[vector].raw) {
		if (vector == CLOCK_VECTOR) {
			STAT_INC(clock_interrupts);
			clock_latency(c, now, unmasked);
		} else {
			STAT_INC(other_interrupts);
		}
		nt_isrs[vector].isr(vector, nt_isrs[vector].ctx);
		return;
	}
	if (vector == DPC_VECTOR) {
		dpc_interrupt(c);
	} else if (vector == CLOCK_VECTOR) {
		STAT_INC(clock_interrupts);
		clock_latency(c, now, unmasked);
		device_interrupt(vector, nt_opts.clock_raises_irql);
	} else {
		STAT_INC(other_interrupts);
		device_interrupt(vector, true);
	}
}
