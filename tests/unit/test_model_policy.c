// SPDX-License-Identifier: MIT
/*
 * test_model_policy.c - host/model/kvm_policy.c driven by hand.
 *
 * The guest is played by the test: small C functions issue the same event
 * sequence the NT layer issues (docs/kvm-cr8-model.md §8), and the delivery hook
 * runs the clock and DPC handlers as nt_interrupt() would.  Checks the
 * seed table row by row under prefix and fixed, the totals of the other
 * policies, nested spinlocks 1..8, masked-clock and elide_same_level.  The
 * CR8-related exits and late deliveries per iteration are those of the
 * workloads the sequences play, from workloads/suites.cfg (suite_check.h).
 */
#include "check.h"
#include "model/kvm_policy.h"
#include "suite_check.h"

static struct kp_vcpu V;
static struct kp_stats ST;
static uint64_t now;
static bool clock_raises;	/* clock handler raises CR8 to 13 */

/* --- the "guest" ------------------------------------------------------- */

static void guest_irq_save(bool *was)
{
	*was = V.if_;
	kp_irq_disable(&V);
}

static void guest_irq_restore(bool was)
{
	if (was)
		kp_irq_enable(&V);
}

static void queue_dpc(void)
{
	bool was;

	guest_irq_save(&was);		/* HalRequestSoftwareInterrupt */
	kp_self_ipi(&V, 0x2f);
	guest_irq_restore(was);
}

static void clock_handler(void)
{
	uint8_t old = kp_rdcr8(&V);

	if (clock_raises)
		kp_wrcr8(&V, 13);
	kp_irq_enable(&V);
	queue_dpc();			/* the clock ISR queues a DPC */
	kp_eoi(&V);
	kp_irq_disable(&V);
	if (clock_raises)
		kp_wrcr8(&V, old);
}

static void dpc_handler(void)
{
	uint8_t old = kp_rdcr8(&V);

	kp_wrcr8(&V, 2);
	kp_eoi(&V);
	kp_irq_enable(&V);
	/* drain the DPC queue */
	kp_irq_disable(&V);
	kp_wrcr8(&V, old);
}

static void masked_clock_handler(void)
{
	kp_eoi(&V);
}

static bool masked_clock_mode;
static bool raw_mode;		/* handlers do nothing, not even EOI (step tables) */
static int last_exit, last_inj;	/* of the current step-table step, -1 none */
static unsigned chain_left, max_depth;	/* back_to_back() */

static void on_deliver(void *ctx, unsigned vec, bool prev_if)
{
	(void)ctx;
	now += 100;
	last_inj = (int)vec;
	if (raw_mode) {
		kp_iret(&V, prev_if);
		return;
	}
	if (V.depth > max_depth)
		max_depth = V.depth;
	if (chain_left && vec == 0xd1) {
		/* the next tick arrives while this handler runs (IF=0) */
		chain_left--;
		kp_ext_irq(&V, 0xd1);
		kp_eoi(&V);
		kp_iret(&V, prev_if);
		return;
	}
	if (vec == 0x2f)
		dpc_handler();
	else if (vec == 0xd1 && masked_clock_mode)
		masked_clock_handler();
	else if (vec == 0xd1)
		clock_handler();
	kp_iret(&V, prev_if);
}

static void on_vmexit(void *ctx, enum kp_exit why)
{
	(void)ctx;
	last_exit = (int)why;
	now += 1000;
}

/* Recorded rows of the step table. */
#define MAXROWS 256
static struct kp_step rows[MAXROWS];
static unsigned nrows;

static void on_step(void *ctx, const struct kp_step *s)
{
	(void)ctx;
	if (nrows < MAXROWS)
		rows[nrows++] = *s;
}

static void setup(enum kp_policy p, bool trace)
{
	struct kp_hooks h = { NULL, on_vmexit, on_deliver, on_step, NULL };

	memset(&ST, 0, sizeof(ST));
	now = 0;
	nrows = 0;
	kp_init(&V, p, &ST, &now, &h, true);
	kp_set_trace(&V, trace);
}

static uint64_t cr8_exits(void)
{
	return ST.exits[KX_CR8] + ST.exits[KX_TPR_BELOW];
}

static uint64_t all_exits(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < KX_N; i++)
		n += ST.exits[i];
	return n;
}

/* --- seed table, row by row --------------------------------------------- */

struct row_expect {
	unsigned set;		/* classes in IRR | ISR */
	uint8_t vtpr, ppr_cls;
	bool I;
	int exit;		/* exit at this step, -1 none */
};

#define C(x) (1u << (x))

/* State after each of the discussion's rows (1..13, row 12 has no event). */
static const struct row_expect seed_fixed[14] = {
	[1] = { 0, 0, 0, false, -1 },
	[2] = { 0, 2, 0, false, -1 },		/* KVM's TPR stale: PPR 0 */
	[3] = { C(13), 2, 13, false, KX_INTR },
	[4] = { C(2) | C(13), 2, 13, true, KX_APIC },	/* code: I on */
	[5] = { C(2), 2, 2, true, KX_APIC },
	[6] = { C(2), 2, 2, true, KX_CR8 },
	[7] = { C(2), 2, 2, true, KX_CR8 },
	[8] = { C(2), 0, 0, true, KX_CR8 },	/* state at the exit; row 9 injects */
	[9] = { C(2), 0, 2, false, -1 },
	[10] = { C(2), 2, 2, false, -1 },	/* code: I off */
	[11] = { 0, 2, 2, false, KX_APIC },
	[13] = { 0, 0, 2, false, -1 },		/* KVM's TPR/PPR stale */
};

static const struct row_expect seed_prefix[14] = {
	[1] = { 0, 0, 0, false, -1 },
	[2] = { 0, 2, 0, false, -1 },
	[3] = { C(13), 2, 13, false, KX_INTR },
	[4] = { C(2) | C(13), 2, 13, true, KX_APIC },
	[5] = { C(2), 2, 2, true, KX_APIC },
	[6] = { C(2), 2, 2, false, KX_CR8 },	/* the handler drops I */
	[7] = { C(2), 2, 2, false, -1 },
	[8] = { C(2), 0, 2, false, -1 },	/* 0x2f stuck in IRR */
	[9] = { C(2), 0, 2, false, KX_INTR },	/* host tick delivers */
	[10] = { C(2), 2, 2, false, -1 },
	[11] = { 0, 2, 2, false, KX_APIC },
	[13] = { 0, 0, 2, false, -1 },
};

/* The discussion's own I column (docs/kvm-cr8-model.md §8). */
static const bool disc_I[14] = {
	[5] = true, [6] = true, [7] = true, [8] = true, [10] = true,
};

/* Map trace rows onto discussion rows: the last row of each step. */
static int find_row(enum kp_ev ev, int arg, unsigned from)
{
	for (unsigned i = from; i < nrows; i++)
		if (rows[i].ev == ev && (arg < 0 || rows[i].arg == arg))
			return (int)i;
	return -1;
}

static void check_row(const char *pol, unsigned r, int idx,
		      const struct row_expect *e, bool exited)
{
	const struct kp_step *s;

	CHECK(idx >= 0);
	if (idx < 0)
		return;
	s = &rows[idx];
	if (s->vtpr != e->vtpr || (s->ppr >> 4) != e->ppr_cls || s->I != e->I)
		printf("  %s row %u: vtpr %u ppr %02x I %d\n", pol, r, s->vtpr, s->ppr, s->I);
	CHECK_EQ_U64(s->vtpr, e->vtpr);
	CHECK_EQ_U64(s->ppr >> 4, e->ppr_cls);
	CHECK_EQ_U64(s->I, e->I);
	(void)exited;
}

static unsigned step_classes(const struct kp_step *s)
{
	struct kp_vcpu tmp;

	memcpy(tmp.irr, s->irr, sizeof(tmp.irr));
	memcpy(tmp.isr, s->isr, sizeof(tmp.isr));
	return kp_class_set(&tmp);
}

static void seed_sequence(void)
{
	kp_wrcr8(&V, 2);		/* row 2: take SL#1 */
	now += 5000;
	kp_ext_irq(&V, 0xd1);		/* row 3..5: clock, self-IPI, EOI */
	kp_wrcr8(&V, 2);		/* row 6: take SL#2 */
	kp_wrcr8(&V, 2);		/* row 7: release SL#2 */
	kp_wrcr8(&V, 0);		/* row 8: release SL#1 */
	if (!V.delivered[0x2f]) {
		now += 4000000;
		kp_host_tick(&V);	/* row 9 under prefix */
	}
}

static void seed_table_rows(enum kp_policy p, const struct row_expect *exp)
{
	const char *pol = kp_policy_name(p);
	int idx[14];
	unsigned marked = 0;

	check_case("seed-table policy=%s", pol);
	setup(p, true);
	seed_sequence();
	/* locate the rows */
	idx[2] = find_row(KE_WRCR8, 2, 0);
	idx[3] = find_row(KE_INJECT, 0xd1, 0);
	idx[4] = find_row(KE_SELF_IPI, 0x2f, 0);
	idx[5] = find_row(KE_EOI, -1, 0);
	idx[6] = find_row(KE_WRCR8, 2, (unsigned)idx[5] + 1);
	idx[7] = find_row(KE_WRCR8, 2, (unsigned)idx[6] + 1);
	idx[8] = find_row(KE_WRCR8, 0, (unsigned)idx[7] + 1);
	idx[9] = find_row(KE_INJECT, 0x2f, 0);
	idx[10] = find_row(KE_WRCR8, 2, (unsigned)idx[9] + 1);
	idx[11] = find_row(KE_EOI, -1, (unsigned)idx[10] + 1);
	idx[13] = find_row(KE_WRCR8, 0, (unsigned)idx[11] + 1);
	for (unsigned r = 2; r <= 13; r++) {
		if (r == 12)
			continue;
		check_case("seed-table policy=%s row %u", pol, r);
		check_row(pol, r, idx[r], &exp[r], false);
		if (idx[r] < 0)
			continue;
		CHECK_EQ_U64(step_classes(&rows[idx[r]]), exp[r].set);
		if (r != 9 && r != 3) {
			CHECK_EQ_U64((uint64_t)(int64_t)rows[idx[r]].exit,
				     (uint64_t)(int64_t)exp[r].exit);
		}
		if (rows[idx[r]].I != disc_I[r])
			marked |= 1u << r;
	}
	check_case("seed-table policy=%s", pol);
	/* row 3: the injection follows the INTR exit of the timer */
	CHECK(idx[3] > 0 && rows[idx[3] - 1].ev == KE_EXT_IRQ &&
	      rows[idx[3] - 1].exit == KX_INTR);
	/* row 9: prefix delivers at the host tick, fixed at the CR8=0 exit */
	if (p == KP_PREFIX)
		CHECK(idx[9] > 0 && rows[idx[9] - 1].ev == KE_HOST_TICK);
	else
		CHECK(idx[9] == idx[8] + 1);
	if (p == KP_FIXED) {
		/* the two rows where the code differs from the discussion */
		CHECK_EQ_U64(marked, (1u << 4) | (1u << 10));
	}
	CHECK_EQ_U64(ST.violations, 0);
	CHECK_EQ_U64(ST.inj[0x2f], 1);
	CHECK_EQ_U64(ST.inj[0xd1], 1);
	CHECK_EQ_U64(ST.exits[KX_APIC], 3);	/* ICR, timer EOI, DPC EOI */
	check_case(NULL);
}

/* Totals of the seed table for every policy: the CR8-related exits and the
 * late deliveries of the file, and all exits (+ the timer INTR, the late
 * DPC's host tick, the three APIC exits: ICR, timer EOI, DPC EOI). */
static void seed_totals(void)
{
	static const struct {
		enum kp_policy p;
		uint64_t other;		/* exits other than the CR8-related ones */
	} t[] = {
		{ KP_PREFIX, 2 + 3 }, { KP_FIXED, 1 + 3 }, { KP_L61, 1 + 3 }, { KP_L72, 1 + 3 },
		{ KP_UNFIXED, 2 + 3 }, { KP_VMX_TPR, 1 + 3 }, { KP_APICV, 0 }, { KP_AVIC, 0 },
		{ KP_VMX_411, 1 + 3 }, { KP_VMX_72, 1 + 3 }, { KP_AVIC_617, 0 }, { KP_AVIC_70, 0 },
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct suite_expect x = suite_check_expect("workload=seed-table", t[i].p);

		check_case("seed-table policy=%s", kp_policy_name(t[i].p));
		setup(t[i].p, false);
		seed_sequence();
		printf("seed-table %-8s cr8 exits %llu, all %llu, unmask %llu immediate %llu late %llu\n",
		       kp_policy_name(t[i].p), (unsigned long long)cr8_exits(),
		       (unsigned long long)all_exits(), (unsigned long long)ST.unmasking,
		       (unsigned long long)ST.immediate, (unsigned long long)ST.late);
		CHECK_EQ_U64(cr8_exits(), x.exits);
		CHECK_EQ_U64(ST.late, x.late);
		CHECK_EQ_U64(ST.unmasking, x.count[STAT_cr8_lower_unmask]);
		CHECK_EQ_U64(ST.immediate, x.immediate);
		CHECK_EQ_U64(all_exits(), x.exits + t[i].other);
		CHECK_EQ_U64(ST.inj[0x2f], 1);
		CHECK_EQ_U64(ST.violations, 0);
		if (kp_policy_vmx_ts(t[i].p))
			CHECK_EQ_U64(ST.exits[KX_TPR_BELOW], 1);
		CHECK_EQ_U64(ST.entry_failed, 0);
	}
	check_case(NULL);
}

/* --- nested spinlocks --------------------------------------------------- */

/* One iteration: SL#1, DPC queued (masked), N-1 nested acquires and
 * releases, release #1; a host tick if the DPC is still pending. */
static void nested_iter(unsigned n, bool elide)
{
	kp_wrcr8(&V, 2);
	queue_dpc();
	for (unsigned i = 1; i < n; i++)
		if (!elide)
			kp_wrcr8(&V, 2);
	for (unsigned i = 1; i < n; i++)
		if (!elide)
			kp_wrcr8(&V, 2);
	kp_wrcr8(&V, 0);
	if (kp_test(V.irr, 0x2f)) {
		now += 4000000;
		kp_host_tick(&V);
	}
}

static void nested(void)
{
	for (enum kp_policy p = 0; p < KP_NPOLICY; p++) {
		for (unsigned n = 1; n <= 8; n++) {
			uint64_t want, late;
			unsigned iters = 10;
			struct suite_expect x;
			char cl[64];

			check_case("nested-spinlock depth=%u policy=%s", n, kp_policy_name(p));
			setup(p, false);
			nested_iter(n, false);		/* warm-up */
			memset(&ST, 0, sizeof(ST));
			for (unsigned i = 0; i < iters; i++)
				nested_iter(n, false);
			/* 2N-1 vs 1; at N = 1 the only write is the lowering one,
			 * which exits (I armed by the ICR exit): prompt */
			snprintf(cl, sizeof(cl), "workload=nested-spinlock depth=%u", n);
			x = suite_check_expect(cl, p);
			want = (uint64_t)x.exits;
			late = (uint64_t)x.late;
			CHECK_EQ_U64(cr8_exits(), want * iters);
			CHECK_EQ_U64(ST.late, late * iters);
			CHECK_EQ_U64(ST.immediate, x.immediate * iters);
			CHECK_EQ_U64(ST.inj[0x2f], x.count[STAT_dpc_run] * iters);
			CHECK_EQ_U64(ST.violations, 0);
			CHECK_EQ_U64(ST.ops[KO_CR8], x.count[STAT_cr8_writes] * iters);
			if (kp_policy_vmx_ts(p))
				CHECK_EQ_U64(ST.exits[KX_TPR_BELOW], iters);
			CHECK_EQ_U64(ST.entry_failed, 0);
			if (late)	/* bounded by the host tick */
				CHECK(ST.late_max >= 4000000 && ST.late_max < 4100000);
			if (n == 8 || n == 1)
				printf("nested N=%u %-8s %llu CR8 exits/iter, late %llu/%u\n",
				       n, kp_policy_name(p),
				       (unsigned long long)(cr8_exits() / iters),
				       (unsigned long long)ST.late, iters);
		}
		/* elide_same_level: one exit per iteration on SVM */
		for (unsigned n = 1; n <= 8; n++) {
			struct suite_expect x;
			char cl[80];

			check_case("nested-spinlock depth=%u elide_same_level=1 policy=%s", n,
				   kp_policy_name(p));
			setup(p, false);
			nested_iter(n, true);
			memset(&ST, 0, sizeof(ST));
			for (unsigned i = 0; i < 10; i++)
				nested_iter(n, true);
			snprintf(cl, sizeof(cl), "workload=nested-spinlock depth=%u elide_same_level=1", n);
			x = suite_check_expect(cl, p);
			if (p <= KP_UNFIXED) {
				CHECK_EQ_U64(ST.exits[KX_CR8], x.exits * 10);
				CHECK_EQ_U64(ST.late, x.late * 10);
			}
		}
	}
	check_case(NULL);
}

/* --- masked clock (docs/lab.md): CR8=15; 0xd1 pending; CR8=15; CR8=2; CR8=0 -- */

static void masked_iter(void)
{
	bool was;

	kp_wrcr8(&V, 15);
	guest_irq_save(&was);
	kp_self_ipi(&V, 0xd1);
	guest_irq_restore(was);
	kp_wrcr8(&V, 15);
	kp_wrcr8(&V, 2);
	kp_wrcr8(&V, 0);
	if (kp_test(V.irr, 0xd1)) {
		now += 4000000;
		kp_host_tick(&V);
	}
}

static void masked_clock(void)
{
	masked_clock_mode = true;
	for (enum kp_policy p = 0; p < KP_NPOLICY; p++) {
		/* the sequence makes the clock pending with a self-IPI */
		struct suite_expect x = suite_check_expect("workload=masked-clock clock_ipi=1", p);

		check_case("masked-clock clock_ipi=1 policy=%s", kp_policy_name(p));
		setup(p, false);
		masked_iter();
		memset(&ST, 0, sizeof(ST));
		for (unsigned i = 0; i < 50; i++)
			masked_iter();
		printf("masked-clock %-8s %llu CR8 exits/iter, immediate %llu/50\n",
		       kp_policy_name(p), (unsigned long long)(cr8_exits() / 50),
		       (unsigned long long)ST.immediate);
		CHECK_EQ_U64(cr8_exits(), x.exits * 50);
		CHECK_EQ_U64(ST.immediate, x.immediate * 50);
		CHECK_EQ_U64(ST.inj[0xd1], x.count[STAT_clock_interrupts] * 50);
		CHECK_EQ_U64(ST.violations, 0);
	}
	check_case(NULL);
	masked_clock_mode = false;
}

/* Nothing pending: CR8 churn never exits, on any policy, from steady state. */
static void churn(void)
{
	for (enum kp_policy p = 0; p < KP_NPOLICY; p++) {
		check_case("irql-churn policy=%s", kp_policy_name(p));
		setup(p, false);
		for (unsigned i = 0; i < 1000; i++) {
			kp_wrcr8(&V, 2);
			kp_wrcr8(&V, 0);
		}
		CHECK_EQ_U64(all_exits(), 0);
		CHECK(!V.slow);
	}
	check_case(NULL);
}

/* RESET: every CR8 write exits until the first REQ with the LAPIC
 * enabled (fixed), or until the first CR8 exit (prefix). */
static void reset_boot(void)
{
	setup(KP_FIXED, false);
	kp_reset(&V);
	kp_wrcr8(&V, 2);
	kp_wrcr8(&V, 0);
	CHECK_EQ_U64(ST.exits[KX_CR8], 2);	/* I stays: no REQ, LAPIC off */
	kp_lapic_enable(&V);			/* no REQ: I still armed */
	kp_wrcr8(&V, 2);
	CHECK_EQ_U64(ST.exits[KX_CR8], 3);
	masked_clock_mode = true;
	kp_self_ipi(&V, 0x3f);			/* REQ, LAPIC on: recompute */
	masked_clock_mode = false;
	CHECK_EQ_U64(ST.inj[0x3f], 1);
	kp_wrcr8(&V, 0);
	kp_wrcr8(&V, 2);
	CHECK_EQ_U64(ST.exits[KX_CR8], 3);	/* I = 0 now */

	setup(KP_PREFIX, false);
	kp_reset(&V);
	kp_wrcr8(&V, 2);
	kp_wrcr8(&V, 0);
	CHECK_EQ_U64(ST.exits[KX_CR8], 1);	/* first exit drops I */

	setup(KP_AVIC, false);
	kp_reset(&V);
	kp_wrcr8(&V, 2);
	CHECK_EQ_U64(ST.exits[KX_CR8], 0);
}

/* Interrupt window: a deliverable vector arriving with IF=0. */
static void window(void)
{
	setup(KP_FIXED, false);
	kp_irq_disable(&V);
	kp_ext_irq(&V, 0xd1);		/* deliverable, IF=0: V_IRQ armed */
	CHECK(V.vintr);
	CHECK_EQ_U64(ST.inj[0xd1], 0);
	masked_clock_mode = true;
	kp_irq_enable(&V);		/* VINTR exit -> REQ -> inject */
	masked_clock_mode = false;
	CHECK_EQ_U64(ST.exits[KX_WINDOW], 1);
	CHECK_EQ_U64(ST.inj[0xd1], 1);
	CHECK(!V.vintr);
	CHECK_EQ_U64(ST.violations, 0);
}

/*
 * Back-to-back interrupts are not nesting: each tick that arrives while the
 * previous handler runs with IF=0 is taken at that handler's iret, after it
 * returned (../shared/cases/periodic-clock-overrun-min.scn: the model used
 * to see 200 ticks as nesting 200 deep and gave up at 64).
 */
static void back_to_back(void)
{
	setup(KP_FIXED, false);
	chain_left = 200;
	max_depth = 0;
	masked_clock_mode = true;	/* the last one only EOIs */
	kp_ext_irq(&V, 0xd1);
	masked_clock_mode = false;
	CHECK_EQ_U64(chain_left, 0);
	CHECK_EQ_U64(ST.inj[0xd1], 201);
	CHECK_EQ_U64(max_depth, 1);
	CHECK_EQ_U64(V.depth, 0);
	CHECK_EQ_U64(ST.violations, 0);
}

/* --- step tables of the later kernels' policies --------------------------
 *
 * Each row is one guest or host event and the state right after it: the
 * exit it caused (the last one), the vector delivered, V_TPR / VTPR[7:4]
 * (cr8), KVM's TPR and PPR, TPR_THRESHOLD, the CR8 intercept, whether AVIC
 * is active, and the running totals of failed entries and priority
 * violations.  Handlers do nothing (raw_mode): an ISR stays in service.
 * The values are derived from the kernel code the policies paraphrase
 * (docs/kvm-cr8-model.md §5.1, §7.7), not measured: no VMX host with TPR
 * shadow but without virtual-interrupt delivery, and no AVIC host, ran
 * these sequences.
 */
enum act { A_CR8, A_IRQ, A_IPI, A_EOI, A_HOST };

struct act_step {
	enum act a;
	unsigned arg;		/* CR8 value, vector or enum kp_host_action */
	unsigned arg2;		/* KH_SET_TPR's class */
};

struct want {
	int exit, inj;
	uint8_t cr8, tpr, ppr, thr;
	bool I, hw;
	uint64_t failed, viol;
};

#define NO (-1)

static void play(const struct act_step *st)
{
	last_exit = NO;
	last_inj = NO;
	switch (st->a) {
	case A_CR8:
		kp_wrcr8(&V, (uint8_t)st->arg);
		break;
	case A_IRQ:
		kp_ext_irq(&V, (uint8_t)st->arg);
		break;
	case A_IPI:
		kp_self_ipi(&V, (uint8_t)st->arg);
		break;
	case A_EOI:
		kp_eoi(&V);
		break;
	case A_HOST:
		kp_host(&V, (enum kp_host_action)st->arg, (uint8_t)st->arg2);
		break;
	}
}

static void step_table(const char *name, enum kp_policy p, const struct act_step *st,
		       const struct want *w, unsigned n)
{
	setup(p, false);
	raw_mode = true;
	for (unsigned i = 0; i < n; i++) {
		check_case("%s policy=%s step %u", name, kp_policy_name(p), i + 1);
		play(&st[i]);
		CHECK_EQ_U64((uint64_t)(int64_t)last_exit, (uint64_t)(int64_t)w[i].exit);
		CHECK_EQ_U64((uint64_t)(int64_t)last_inj, (uint64_t)(int64_t)w[i].inj);
		CHECK_EQ_U64(V.vtpr, w[i].cr8);
		CHECK_EQ_U64(V.tpr, w[i].tpr);
		CHECK_EQ_U64(V.ppr, w[i].ppr);
		CHECK_EQ_U64(V.thr, w[i].thr);
		CHECK_EQ_U64(V.I, w[i].I);
		CHECK_EQ_U64(V.hw, w[i].hw);
		CHECK_EQ_U64(ST.entry_failed, w[i].failed);
		CHECK_EQ_U64(ST.violations, w[i].viol);
	}
	raw_mode = false;
	check_case(NULL);
}

/*
 * workloads/scripts/vmx-tpr-threshold.scn: IRQL 2; the clock 0xd1 arrives
 * and stays in service; a DPC is queued (threshold 2); CR8 = 0 exits
 * below the threshold while 0xd1 still masks the DPC (PPR 0xd0 either way).
 * 3.14 raises REQ and recomputes the threshold; 4.11-7.1 only updates the
 * PPR (eb90f3417a0c): the threshold stays 2 > VTPR 0 and the entry fails
 * (SDM "Checks on VMX Controls"); 7.2 recomputes it in apic_update_ppr()
 * (bb365a506b1e).  The EOI then lets the DPC in.
 */
static void vmx_threshold(void)
{
	static const struct act_step st[] = {
		{ A_CR8, 2, 0 }, { A_IRQ, 0xd1, 0 }, { A_IPI, 0x2f, 0 }, { A_CR8, 0, 0 },
		{ A_EOI, 0, 0 },
	};
	/*                exit          inj   cr8 tpr   ppr   thr I  hw fail viol */
	static const struct want ok[] = {
		{ NO,          NO,    2, 0x20, 0x00, 0, 0, 0, 0, 0 },	/* TPR shadow: PPR stale */
		{ KX_INTR,     0xd1,  2, 0x20, 0xd0, 0, 0, 0, 0, 0 },
		{ KX_APIC,     NO,    2, 0x20, 0xd0, 2, 0, 0, 0, 0 },	/* tpr 2 >= irr 2 */
		{ KX_TPR_BELOW, NO,   0, 0x00, 0xd0, 0, 0, 0, 0, 0 },	/* recomputed: 0 < 2 */
		{ KX_APIC,     0x2f,  0, 0x00, 0x20, 0, 0, 0, 0, 0 },
	};
	static const struct want v411[] = {
		{ NO,          NO,    2, 0x20, 0x00, 0, 0, 0, 0, 0 },
		{ KX_INTR,     0xd1,  2, 0x20, 0xd0, 0, 0, 0, 0, 0 },
		{ KX_APIC,     NO,    2, 0x20, 0xd0, 2, 0, 0, 0, 0 },
		{ KX_TPR_BELOW, NO,   0, 0x00, 0xd0, 2, 0, 0, 1, 0 },	/* 2 > 0: entry fails */
		{ NO,          NO,    0, 0x00, 0xd0, 2, 0, 0, 1, 0 },	/* the vCPU is gone */
	};

	step_table("vmx-tpr-threshold", KP_VMX_TPR, st, ok, 5);
	step_table("vmx-tpr-threshold", KP_VMX_411, st, v411, 5);
	step_table("vmx-tpr-threshold", KP_VMX_72, st, ok, 5);
	CHECK(V.evtinj < 0 && !V.failed);
	setup(KP_VMX_411, false);
	CHECK(kp_entry_ok(&V));
	V.thr = 3;
	V.vtpr = 2;
	CHECK(!kp_entry_ok(&V));
	V.vtpr = 3;
	CHECK(kp_entry_ok(&V));
}

/*
 * workloads/scripts/avic-set-lapic-tpr.scn: the host sets TPR 2
 * (KVM_SET_LAPIC); a DPC is queued; CR8 = 0.  Before d02e48830e3f V_TPR
 * keeps 0 with AVIC active and AVIC delivers the DPC at once, at KVM's
 * TPR 2: a violation.  fixed (SVM without AVIC) for comparison.
 */
static void avic_set_lapic_tpr(void)
{
	static const struct act_step st[] = {
		{ A_HOST, KH_SET_TPR, 2 }, { A_IPI, 0x2f, 0 }, { A_CR8, 0, 0 },
	};
	/*             exit     inj   cr8 tpr   ppr   thr I  hw fail viol */
	static const struct want avic[] = {
		{ KX_INTR, NO,    0, 0x20, 0x20, 0, 0, 1, 0, 0 },	/* V_TPR not synced */
		{ NO,      0x2f,  0, 0x20, 0x20, 0, 0, 1, 0, 1 },	/* at TPR 2 */
		{ NO,      NO,    0, 0x00, 0x20, 0, 0, 1, 0, 1 },
	};
	static const struct want synced[] = {
		{ KX_INTR, NO,    2, 0x20, 0x20, 0, 0, 1, 0, 0 },	/* d02e48830e3f */
		{ NO,      NO,    2, 0x20, 0x20, 0, 0, 1, 0, 0 },
		{ NO,      0x2f,  0, 0x00, 0x20, 0, 0, 1, 0, 0 },
	};
	static const struct want fixed[] = {
		{ KX_INTR, NO,    2, 0x20, 0x20, 0, 0, 0, 0, 0 },
		{ KX_APIC, NO,    2, 0x20, 0x20, 0, 1, 0, 0, 0 },
		{ KX_CR8,  0x2f,  0, 0x00, 0x20, 0, 0, 0, 0, 0 },
	};

	step_table("avic-set-lapic-tpr", KP_AVIC, st, avic, 3);
	step_table("avic-set-lapic-tpr", KP_AVIC_617, st, synced, 3);
	step_table("avic-set-lapic-tpr", KP_AVIC_70, st, synced, 3);
	step_table("avic-set-lapic-tpr", KP_FIXED, st, fixed, 3);
}

/*
 * workloads/scripts/avic-init-reactivate.scn: AVIC inhibited, INIT (and
 * the guest's SPIV write), AVIC activated; CR8 = 2, a DPC, CR8 = 0.
 * init_vmcb() sets the intercept without AVIC; before 87d0f901a9bd
 * activation leaves it: every CR8 write exits, and before d02e48830e3f
 * V_TPR stays 0 (the DPC runs at TPR 2).
 */
static void avic_init_reactivate(void)
{
	static const struct act_step st[] = {
		{ A_HOST, KH_AVIC_INHIBIT, 0 }, { A_HOST, KH_INIT, 0 },
		{ A_HOST, KH_AVIC_ACTIVATE, 0 }, { A_CR8, 2, 0 }, { A_IPI, 0x2f, 0 },
		{ A_CR8, 0, 0 },
	};
	/*             exit     inj   cr8 tpr   ppr   thr I  hw fail viol */
	static const struct want avic[] = {
		{ KX_INTR, NO,    0, 0x00, 0x00, 0, 0, 0, 0, 0 },
		{ KX_APIC, NO,    0, 0x00, 0x00, 0, 1, 0, 0, 0 },	/* SPIV write; I from init_vmcb */
		{ KX_INTR, NO,    0, 0x00, 0x00, 0, 1, 1, 0, 0 },	/* I dangles */
		{ KX_CR8,  NO,    0, 0x20, 0x20, 0, 1, 1, 0, 0 },	/* V_TPR not written */
		{ NO,      0x2f,  0, 0x20, 0x20, 0, 1, 1, 0, 1 },
		{ KX_CR8,  NO,    0, 0x00, 0x20, 0, 1, 1, 0, 1 },
	};
	static const struct want a617[] = {
		{ KX_INTR, NO,    0, 0x00, 0x00, 0, 0, 0, 0, 0 },
		{ KX_APIC, NO,    0, 0x00, 0x00, 0, 1, 0, 0, 0 },
		{ KX_INTR, NO,    0, 0x00, 0x00, 0, 1, 1, 0, 0 },
		{ KX_CR8,  NO,    2, 0x20, 0x20, 0, 1, 1, 0, 0 },	/* synced at entry */
		{ NO,      NO,    2, 0x20, 0x20, 0, 1, 1, 0, 0 },
		{ KX_CR8,  0x2f,  0, 0x00, 0x20, 0, 1, 1, 0, 0 },
	};
	static const struct want a70[] = {
		{ KX_INTR, NO,    0, 0x00, 0x00, 0, 0, 0, 0, 0 },	/* set, then recomputed */
		{ KX_APIC, NO,    0, 0x00, 0x00, 0, 1, 0, 0, 0 },
		{ KX_INTR, NO,    0, 0x00, 0x00, 0, 0, 1, 0, 0 },	/* activation clears I */
		{ NO,      NO,    2, 0x20, 0x00, 0, 0, 1, 0, 0 },
		{ NO,      NO,    2, 0x20, 0x20, 0, 0, 1, 0, 0 },
		{ NO,      0x2f,  0, 0x00, 0x20, 0, 0, 1, 0, 0 },
	};

	step_table("avic-init-reactivate", KP_AVIC, st, avic, 6);
	step_table("avic-init-reactivate", KP_AVIC_617, st, a617, 6);
	step_table("avic-init-reactivate", KP_AVIC_70, st, a70, 6);
}

static void names(void)
{
	CHECK_STR(kp_policy_name(kp_policy_find("unfixed")), "unfixed");
	CHECK(kp_policy_find("bogus") == KP_NPOLICY);
	CHECK_STR(kp_exit_name(KP_FIXED, KX_CR8), "write_cr8");
	CHECK_STR(kp_exit_name(KP_VMX_TPR, KX_TPR_BELOW), "TPR_BELOW_THRESHOLD");
	CHECK_STR(kp_exit_name(KP_PREFIX, KX_APIC), "npf");
}

int main(void)
{
	names();
	seed_table_rows(KP_FIXED, seed_fixed);
	seed_table_rows(KP_PREFIX, seed_prefix);
	seed_totals();
	nested();
	masked_clock();
	churn();
	reset_boot();
	window();
	back_to_back();
	vmx_threshold();
	avic_set_lapic_tpr();
	avic_init_reactivate();
	return check_done("test_model_policy");
}
