// SPDX-License-Identifier: MIT
/*
 * irql.c - IRQL as CR8, with the accounting the benchmark is about.
 *
 * Every CR8 write of the layer goes through write_cr8_accounted(), which
 * classifies it (raise / same / lower / lower that unmasked an expected
 * interrupt), optionally times it (probe=1: nothing pending, or unmasking), and checks right after an
 * unmasking write whether the interrupt arrived before the next instruction
 * (a late delivery otherwise).  The check is a plain memory load: it adds no
 * exit under any hypervisor.
 */
#include "klib.h"
#include "nt_internal.h"
#include "boot.h"

struct nt_options nt_opts;

void nt_bugcheck(const char *code, const char *what)
{
	kprintf("!! error code=bugcheck msg=\"%s: %s (cpu %u)\"\n", code, what,
		plat_cpu_id());
	guest_exit(4);
}

static inline uint64_t probe_threshold(void)
{
	return nt_opts.probe_threshold;
}

static void write_cr8_accounted(KIRQL new_irql)
{
	struct nt_cpu *c = nt_this_cpu();
	struct phase_stats *ps = stats_here();
	KIRQL old = (KIRQL)plat_read_cr8();
	int hv = -1;
	uint64_t seen = 0;
	bool delivered;

	ps->c[STAT_cr8_writes]++;
	if (new_irql > old) {
		ps->c[STAT_cr8_raise]++;
	} else if (new_irql == old) {
		ps->c[STAT_cr8_same]++;
	} else {
		/* Lowering: does it make an expected vector deliverable? */
		hv = nt_highest_expected(c);
		if (hv >= 0 && vector_class((unsigned)hv) > nt_ppr_class(c, new_irql) &&
		    vector_class((unsigned)hv) <= nt_ppr_class(c, old)) {
			ps->c[STAT_cr8_lower_unmask]++;
			seen = c->deliveries[hv];
			c->t_unmask[hv] = plat_now();
		} else {
			ps->c[STAT_cr8_lower]++;
			hv = -1;
		}
	}

	if (nt_opts.probe) {
		uint64_t t0 = plat_now(), dt;
		bool trapped;

		plat_write_cr8(new_irql);
		dt = plat_now() - t0;
		/* what the write did, read before the probe's own bookkeeping:
		 * a histogram update touches memory, which under a
		 * shadow-paging hypervisor (kvm_pvm) can exit and let a late
		 * interrupt in before the check */
		delivered = hv >= 0 && __atomic_load_n(&c->deliveries[hv], __ATOMIC_ACQUIRE) != seen;
		trapped = dt > probe_threshold();
		ps = stats_here();
		if (hv < 0) {
			ps->c[STAT_probe_samples]++;
			stats_hist_add(&ps->h[HIST_cr8_write_cost], dt);
			ps->c[STAT_probe_exits] += trapped;
		} else {
			/* the interrupt, when it came at the write, ran inside
			 * the window: its handler is in the cost */
			ps->c[STAT_probe_pending_samples]++;
			stats_hist_add(&ps->h[HIST_cr8_write_cost_pending], dt);
			ps->c[STAT_probe_pending_exits] += trapped;
		}
	} else {
		plat_write_cr8(new_irql);
		delivered = hv >= 0 && __atomic_load_n(&c->deliveries[hv], __ATOMIC_ACQUIRE) != seen;
	}

	if (hv >= 0) {
		/* The next instruction after the write: was it delivered? */
		if (!plat_irq_enabled())
			stats_here()->c[STAT_deferred_by_if]++;
		else if (!delivered)
			stats_here()->c[STAT_late_deliveries]++;
	}
}

void nt_write_irql(KIRQL irql)
{
	if (irql > HIGH_LEVEL)
		nt_bugcheck("IRQL_INVALID", "CR8 value above 15");
	write_cr8_accounted(irql);
}

KIRQL KeGetCurrentIrql(void)
{
	return (KIRQL)plat_read_cr8();
}

KIRQL KfRaiseIrql(KIRQL new_irql)
{
	KIRQL old = (KIRQL)plat_read_cr8();

	if (new_irql < old)
		nt_bugcheck("IRQL_NOT_GREATER_OR_EQUAL", "KeRaiseIrql below the current IRQL");
	if (new_irql == old && nt_opts.elide_same_level) {
		STAT_INC(cr8_elided);
		return old;
	}
	write_cr8_accounted(new_irql);
	return old;
}

void KeRaiseIrql(KIRQL new_irql, KIRQL *old_irql)
{
	*old_irql = KfRaiseIrql(new_irql);
}

void KeLowerIrql(KIRQL new_irql)
{
	KIRQL cur = (KIRQL)plat_read_cr8();

	if (new_irql > cur)
		nt_bugcheck("IRQL_NOT_LESS_OR_EQUAL", "KeLowerIrql above the current IRQL");
	/* elide_same_level: the inner releases of a nest write nothing either */
	if (new_irql == cur && nt_opts.elide_same_level) {
		STAT_INC(cr8_elided);
		return;
	}
	write_cr8_accounted(new_irql);
}

void KeInitializeSpinLock(KSPIN_LOCK *lock)
{
	lock->locked = 0;
}

void KeAcquireSpinLockAtDpcLevel(KSPIN_LOCK *lock)
{
	if (!__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		return;
	/* held by another CPU: spin at the current IRQL (DISPATCH_LEVEL
	 * for KeAcquireSpinLock), as KxWaitForSpinLockAndAcquire does */
	STAT_INC(lock_contended);
	do {
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
			plat_pause();
	} while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE));
}

void KeReleaseSpinLockFromDpcLevel(KSPIN_LOCK *lock)
{
	if (!lock->locked)
		nt_bugcheck("SPIN_LOCK_NOT_OWNED", "release of a free spinlock");
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

void KeAcquireSpinLock(KSPIN_LOCK *lock, KIRQL *old_irql)
{
	/* A CR8 write even when already at DISPATCH_LEVEL (unless elided). */
	*old_irql = KfRaiseIrql(DISPATCH_LEVEL);
	KeAcquireSpinLockAtDpcLevel(lock);
}

void KeReleaseSpinLock(KSPIN_LOCK *lock, KIRQL old_irql)
{
	KeReleaseSpinLockFromDpcLevel(lock);
	KeLowerIrql(old_irql);
}
