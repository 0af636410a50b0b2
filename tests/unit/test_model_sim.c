// SPDX-License-Identifier: MIT
/*
 * test_model_sim.c - the guest's own NT layer and workloads on the
 * simulated vCPU (host/model/sim_platform.c), under every KVM policy.
 *
 * The same assertions as test_model_policy.c, now through the real
 * workloads: the seed table row by row (prefix, fixed), nested-spinlock
 * 1..8, masked-clock (docs/lab.md's kvm_amd numbers), elide_same_level, each
 * held to the exits, late deliveries and counts of workloads/suites.cfg
 * (suite_check.h); then the policy-independent invariants over every
 * workload x every policy, and the limits (a run that cannot finish ends
 * with a message).
 */
#include "check.h"
#include "model/model.h"
#include "stats.h"
#include "suite_check.h"
#include "workload.h"

static struct sim_result R;

static int run(enum kp_policy p, const char *cmdline, bool trace)
{
	struct sim_config cfg;
	struct boot_info bi;

	sim_result_free(&R);
	sim_defaults(&cfg);
	cfg.policy = p;
	cfg.trace = trace;
	memset(&bi, 0, sizeof(bi));
	bi.cmdline = cmdline;
	return sim_run(&cfg, &bi, &R);
}

static bool verdict_ok(void)
{
	return R.out && strstr(R.out, "\nR status=ok");
}

static uint64_t cr8_exits(unsigned ph)
{
	return R.cpu[0].phase[ph].exits[KX_CR8] + R.cpu[0].phase[ph].exits[KX_TPR_BELOW];
}

static uint64_t nt_counter(unsigned ph, enum stat_counter c)
{
	return stats_cpu[0].phase[ph].c[c];
}

/* --- the seed table through the real workload ---------------------------- */

static void seed_table(void)
{
	static const bool I_fixed[14] = { [4] = 1, [5] = 1, [6] = 1, [7] = 1, [8] = 1 };
	static const bool I_prefix[14] = { [4] = 1, [5] = 1 };
	static const int exit_fixed[14] = {
		[2] = -1, [4] = KX_APIC, [5] = KX_APIC, [6] = KX_CR8, [7] = KX_CR8,
		[8] = KX_CR8, [10] = -1, [11] = KX_APIC, [13] = -1,
	};
	static const int exit_prefix[14] = {
		[2] = -1, [4] = KX_APIC, [5] = KX_APIC, [6] = KX_CR8, [7] = -1,
		[8] = -1, [10] = -1, [11] = KX_APIC, [13] = -1,
	};

	for (int k = 0; k < 2; k++) {
		enum kp_policy p = k ? KP_PREFIX : KP_FIXED;
		const bool *I = k ? I_prefix : I_fixed;
		const int *ex = k ? exit_prefix : exit_fixed;
		struct suite_expect x;
		unsigned char *d;
		unsigned differs = 0;
		int at[14];

		check_case("seed-table policy=%s", kp_policy_name(p));
		CHECK_EQ_U64(run(p, "workload=seed-table iterations=1 warmup=0", true), 0);
		CHECK(verdict_ok());
		d = calloc(R.nsteps, 1);
		CHECK_EQ_U64(trace_align_seed(&R, d), 11);
		for (int r = 0; r < 14; r++)
			at[r] = -1;
		for (size_t i = 0; i < R.nsteps; i++)
			if (d[i])
				at[d[i]] = (int)i;
		for (unsigned r = 2; r <= 13; r++) {
			const struct kp_step *s;

			if (r == 12 || r == 3 || r == 9)
				continue;
			check_case("seed-table policy=%s row %u", kp_policy_name(p), r);
			CHECK(at[r] >= 0);
			if (at[r] < 0)
				continue;
			s = &R.steps[at[r]].s;
			CHECK_EQ_U64(s->I, I[r]);
			CHECK_EQ_U64((uint64_t)(int64_t)s->exit, (uint64_t)(int64_t)ex[r]);
			if (trace_seed_differs(&R.steps[at[r]], r))
				differs |= 1u << r;
		}
		check_case("seed-table policy=%s", kp_policy_name(p));
		/* row 9: fixed injects on the CR8=0 exit's re-entry, prefix at
		 * the next host tick */
		CHECK(at[9] > 0);
		if (at[9] > 0 && p == KP_FIXED)
			CHECK(at[9] == at[8] + 1);
		if (at[9] > 0 && p == KP_PREFIX)
			CHECK(R.steps[at[9] - 1].s.ev == KE_HOST_TICK);
		if (p == KP_FIXED)
			CHECK_EQ_U64(differs, 1u << 4 | 1u << 10);
		x = suite_check_expect("workload=seed-table iterations=1 warmup=0", p);
		CHECK_EQ_U64(cr8_exits(PH_MEASURE), x.exits);
		CHECK_EQ_U64(R.cpu[0].phase[PH_MEASURE].late, x.late);
		free(d);
	}
	check_case(NULL);
}

/* --- nested spinlocks, 1..8 ------------------------------------------------- */

static void nested(bool elide)
{
	char cl[160];
	const uint64_t it = 20;

	for (enum kp_policy p = 0; p < KP_NPOLICY; p++) {
		for (unsigned n = 1; n <= 8; n++) {
			struct suite_expect x;
			uint64_t want, late;
			const struct kp_stats *s = &R.cpu[0].phase[PH_MEASURE];

			snprintf(cl, sizeof(cl), "workload=nested-spinlock depth=%u iterations=%llu warmup=2 elide_same_level=%d",
				 n, (unsigned long long)it, elide);
			check_case("%s policy=%s", cl, kp_policy_name(p));
			CHECK_EQ_U64(run(p, cl, false), 0);
			CHECK(verdict_ok());
			/* 2N-1 vs 1, N = 1 and elision: as the file says */
			x = suite_check_expect(cl, p);
			want = (uint64_t)x.exits;
			late = (uint64_t)x.late;
			CHECK_EQ_U64(cr8_exits(PH_MEASURE), want * it);
			if (kp_policy_vmx_ts(p))
				CHECK_EQ_U64(s->exits[KX_TPR_BELOW], want * it);
			CHECK_EQ_U64(s->late, late * it);
			CHECK_EQ_U64(s->immediate, x.immediate * it);
			CHECK_EQ_U64(s->inj[0x2f], x.count[STAT_dpc_run] * it);
			/* the guest's own view agrees with the hypervisor's */
			CHECK_EQ_U64(nt_counter(PH_MEASURE, STAT_late_deliveries), late * it);
			CHECK_EQ_U64(nt_counter(PH_MEASURE, STAT_cr8_lower_unmask),
				     x.count[STAT_cr8_lower_unmask] * it);
			CHECK_EQ_U64(nt_counter(PH_MEASURE, STAT_priority_violations), 0);
			CHECK_EQ_U64(nt_counter(PH_MEASURE, STAT_cr8_writes), x.count[STAT_cr8_writes] * it);
			if (late)	/* bounded by the next host tick (4 ms) */
				CHECK(s->late_max <= 2500000000ull / 250 + 100000);
			if (n == 2 || n == 8)
				printf("nested%s N=%u %-8s %llu CR8 exits/iter, late %llu/%llu\n",
				       elide ? " (elide)" : "", n, kp_policy_name(p),
				       (unsigned long long)(cr8_exits(PH_MEASURE) / it),
				       (unsigned long long)s->late, (unsigned long long)it);
		}
	}
	check_case(NULL);
}

/* --- masked clock: fixed 2, unfixed 1 (docs/lab.md, workloads/suites.cfg) ----- */

static void masked_clock(void)
{
	for (int ipi = 0; ipi < 2; ipi++)
		for (enum kp_policy p = 0; p < KP_NPOLICY; p++) {
			struct suite_expect x;
			char cl[128];

			snprintf(cl, sizeof(cl), "workload=masked-clock iterations=20 warmup=2 clock_ipi=%d", ipi);
			check_case("%s policy=%s", cl, kp_policy_name(p));
			x = suite_check_expect(cl, p);
			CHECK_EQ_U64(run(p, cl, false), 0);
			CHECK(verdict_ok());
			CHECK_EQ_U64(cr8_exits(PH_MEASURE), x.exits * 20);
			CHECK_EQ_U64(R.cpu[0].phase[PH_MEASURE].immediate, x.immediate * 20);
			CHECK_EQ_U64(R.cpu[0].phase[PH_MEASURE].inj[0xd1], x.count[STAT_clock_interrupts] * 20);
			printf("masked-clock clock_ipi=%d %-8s %llu exits/iter\n", ipi,
			       kp_policy_name(p), (unsigned long long)(cr8_exits(PH_MEASURE) / 20));
		}
	check_case(NULL);
}

/* --- invariants over every workload x every policy --------------------------- */

static uint64_t popcount4(const uint64_t s[4])
{
	return (uint64_t)(__builtin_popcountll(s[0]) + __builtin_popcountll(s[1]) +
			  __builtin_popcountll(s[2]) + __builtin_popcountll(s[3]));
}

static void invariants(void)
{
	static const char *const cls[] = {
		"workload=seed-table iterations=30",
		"workload=nested-spinlock depth=3 iterations=30",
		"workload=masked-clock iterations=30",
		"workload=masked-clock iterations=30 clock_ipi=1",
		"workload=irql-churn iterations=2000",
		"workload=dpc-storm duration_ms=20",
		"workload=windows-mix duration_ms=20",
		"workload=windows-mix duration_ms=20 seed=7 clock_raises_irql=1",
		"workload=seed-table iterations=30 clock_raises_irql=1",
		"workload=dpc-storm duration_ms=20 elide_same_level=1",
	};

	for (unsigned w = 0; w < sizeof(cls) / sizeof(cls[0]); w++)
		for (enum kp_policy p = 0; p < KP_NPOLICY; p++) {
			uint64_t requested = 0, delivered = 0, viol = 0, ntviol = 0;
			bool ok = true;

			check_case("%s policy=%s", cls[w], kp_policy_name(p));
			CHECK_EQ_U64(run(p, cls[w], false), 0);
			CHECK(R.end == SIM_RETURNED);
			CHECK(verdict_ok());
			for (unsigned ph = 0; ph <= MAX_PHASES; ph++) {
				const struct kp_stats *s = &R.cpu[0].phase[ph];
				const uint64_t *o = s->ops;

				requested += o[KO_SELF_IPI] + o[KO_EXT_IRQ];
				for (unsigned v = 0; v < 256; v++)
					delivered += s->inj[v];
				viol += s->violations;
				if (ph < MAX_PHASES)
					ntviol += stats_cpu[0].phase[ph].c[STAT_priority_violations];
				/* exits never outnumber what could cause them */
				ok &= s->exits[KX_CR8] <= o[KO_CR8];
				ok &= s->exits[KX_TPR_BELOW] <= o[KO_CR8];
				ok &= s->exits[KX_APIC] <= o[KO_SELF_IPI] + o[KO_EOI] + o[KO_APIC_OTHER] + o[KO_IPI];
				ok &= s->exits[KX_INTR] <= o[KO_HOST_TICK] + o[KO_EXT_IRQ];
				ok &= s->exits[KX_IO] <= o[KO_PHASE];
				ok &= s->exits[KX_WINDOW] <= o[KO_IF_ON] + o[KO_CR8];
				ok &= s->immediate + s->late == s->unmasking;
				/* a late interrupt waits at most for the next host tick */
				ok &= s->late_max <= 2500000000ull / 250 + 200000;
			}
			if (!ok || viol || ntviol || requested != delivered + popcount4(R.irr_end))
				printf("invariant broken: %s under %s (violations %llu/%llu, requested %llu delivered %llu)\n",
				       cls[w], kp_policy_name(p), (unsigned long long)viol,
				       (unsigned long long)ntviol, (unsigned long long)requested,
				       (unsigned long long)delivered);
			CHECK(ok);
			CHECK_EQ_U64(viol, 0);
			CHECK_EQ_U64(ntviol, 0);
			/* every requested interrupt was delivered */
			CHECK_EQ_U64(popcount4(R.irr_end), 0);
			CHECK_EQ_U64(requested, delivered);
			CHECK(R.late_outstanding < 0);
		}
	check_case(NULL);
}

/* --- limits: never a hang ----------------------------------------------------- */

static void limits(void)
{
	struct sim_config cfg;
	struct boot_info bi;

	sim_defaults(&cfg);
	memset(&bi, 0, sizeof(bi));
	cfg.max_events = 5000;
	bi.cmdline = "workload=nested-spinlock iterations=100000";
	sim_result_free(&R);
	sim_run(&cfg, &bi, &R);
	CHECK(R.end == SIM_LIMIT);
	CHECK(strstr(R.message, "5000 simulated events") != NULL);

	/* prefix without host ticks: the late DPC is never delivered; the
	 * simulated-time limit ends the run before the guest's 1 s wait */
	sim_defaults(&cfg);
	cfg.policy = KP_PREFIX;
	cfg.host_hz = 0;
	cfg.max_time_ms = 200;
	bi.cmdline = "workload=nested-spinlock iterations=10";
	sim_result_free(&R);
	sim_run(&cfg, &bi, &R);
	CHECK(R.end == SIM_LIMIT);
	CHECK(strstr(R.message, "200 ms of simulated time") != NULL);
	CHECK(R.late_outstanding == 0x2f);

	/* ... and with a longer limit the guest's own wait gives up (1 s) */
	cfg.max_time_ms = 5000;
	sim_result_free(&R);
	sim_run(&cfg, &bi, &R);
	CHECK(R.end == SIM_RETURNED);
	CHECK(R.status == 1);
	CHECK(R.out && strstr(R.out, "R status=fail") != NULL);

	/* a bad parameter is the guest's badparam error */
	CHECK_EQ_U64(run(KP_FIXED, "workload=nested-spinlock depth=99", false), 2);
	CHECK(R.out && strstr(R.out, "!! error code=badparam") != NULL);
}

/*
 * Several vCPUs (sim_config.ncpus): each runs the workload on its own
 * thread, one at a time in simulated-time order.  Each vCPU's counts are
 * the one-vCPU run's (nothing is shared in nested-spinlock); the run is
 * deterministic (again: the same events); and a limit hit on an AP ends
 * the run with its message, as on the boot vCPU.
 */
static void smp(void)
{
	static const enum kp_policy pols[] = { KP_L61, KP_UNFIXED };
	struct kp_stats one;
	struct sim_config cfg;
	struct boot_info bi;
	uint64_t events;

	memset(&bi, 0, sizeof(bi));
	bi.cmdline = "workload=nested-spinlock depth=3 iterations=40 warmup=4";
	for (unsigned k = 0; k < 2; k++) {
		sim_defaults(&cfg);
		cfg.policy = pols[k];
		sim_result_free(&R);
		CHECK_EQ_U64(sim_run(&cfg, &bi, &R), 0);
		one = R.cpu[0].phase[PH_MEASURE];
		for (unsigned n = 2; n <= 4; n += 2) {
			cfg.ncpus = n;
			sim_result_free(&R);
			CHECK_EQ_U64(sim_run(&cfg, &bi, &R), 0);
			CHECK(verdict_ok());
			CHECK_EQ_U64(R.ncpus, n);
			for (unsigned c = 0; c < n; c++) {
				const struct kp_stats *s = &R.cpu[c].phase[PH_MEASURE];

				CHECK(R.cpu[c].phase_seen[PH_MEASURE]);
				CHECK(!memcmp(s->exits, one.exits, sizeof(one.exits)) ||
				      /* host ticks fall where they fall */
				      (s->exits[KX_CR8] == one.exits[KX_CR8] &&
				       s->exits[KX_MSR] == one.exits[KX_MSR]));
				CHECK_EQ_U64(s->late, one.late);
				CHECK_EQ_U64(s->immediate, one.immediate);
				CHECK_EQ_U64(s->inj[0x2f], one.inj[0x2f]);
			}
			events = R.events;
			sim_result_free(&R);
			sim_run(&cfg, &bi, &R);
			CHECK_EQ_U64(R.events, events);
		}
	}
	/* an AP that runs out of simulated time ends the run, on the boot
	 * vCPU's thread, with the limit's message */
	sim_defaults(&cfg);
	cfg.policy = KP_PREFIX;
	cfg.host_hz = 0;
	cfg.max_time_ms = 50;
	cfg.ncpus = 2;
	bi.cmdline = "workload=nested-spinlock iterations=10";
	sim_result_free(&R);
	sim_run(&cfg, &bi, &R);
	CHECK(R.end == SIM_LIMIT);
	CHECK(strstr(R.message, "50 ms of simulated time") != NULL);
}

int main(void)
{
	seed_table();
	nested(false);
	nested(true);
	masked_clock();
	invariants();
	limits();
	smp();
	sim_result_free(&R);
	return check_done("test_model_sim");
}
