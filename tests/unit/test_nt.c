// SPDX-License-Identifier: MIT
/*
 * test_nt.c - the NT layer and the workloads on an ideal (hypervisor-free)
 * local APIC: CR8 writes by kind equal each workload's formula, every DPC
 * and clock interrupt arrives right after the write that unmasks it, no
 * priority violation.  The formulas are those of workloads/suites.cfg
 * (suite_check.h), which tests/integration/tcg-workloads.sh asserts under
 * QEMU TCG too.
 */
#include <stdio.h>

#include "check.h"
#include "ideal_platform.h"
#include "record/serial.h"
#include "report.h"
#include "stats.h"
#include "suite_check.h"
#include "workload.h"

/* The file's count of counter k for a run of cmdline, times n. */
static uint64_t want(const char *cmdline, enum stat_counter k, uint64_t n)
{
	return (uint64_t)suite_check_expect(cmdline, KP_FIXED).count[k] * n;
}

static const uint64_t *measured(void)
{
	return stats_cpu[0].phase[PH_MEASURE].c;
}

static void check_clean(const char *what)
{
	const uint64_t *c = measured();

	if (c[STAT_late_deliveries] || c[STAT_priority_violations])
		printf("%s: late=%llu violations=%llu\n", what,
		       (unsigned long long)c[STAT_late_deliveries],
		       (unsigned long long)c[STAT_priority_violations]);
	CHECK_EQ_U64(c[STAT_late_deliveries], 0);
	CHECK_EQ_U64(c[STAT_priority_violations], 0);
	CHECK_EQ_U64(c[STAT_cr8_writes], c[STAT_cr8_raise] + c[STAT_cr8_same] +
		     c[STAT_cr8_lower] + c[STAT_cr8_lower_unmask]);
}

static void test_nested(void)
{
	char cl[160];

	for (unsigned n = 1; n <= 8; n++) {
		const uint64_t *c;
		uint64_t it = 50;

		snprintf(cl, sizeof(cl), "workload=nested-spinlock depth=%u iterations=%llu",
			 n, (unsigned long long)it);
		check_case("%s", cl);
		CHECK_EQ_U64(ideal_run(cl), 0);
		c = measured();
		CHECK_EQ_U64(c[STAT_iterations], it);
		CHECK_EQ_U64(c[STAT_cr8_raise], want(cl, STAT_cr8_raise, it));
		CHECK_EQ_U64(c[STAT_cr8_same], want(cl, STAT_cr8_same, it));
		CHECK_EQ_U64(c[STAT_cr8_lower_unmask], want(cl, STAT_cr8_lower_unmask, it));
		CHECK_EQ_U64(c[STAT_cr8_lower], want(cl, STAT_cr8_lower, it));
		CHECK_EQ_U64(c[STAT_dpc_run], want(cl, STAT_dpc_run, it));
		/* one DPC per interrupt here */
		CHECK_EQ_U64(c[STAT_dpc_interrupts], want(cl, STAT_dpc_run, it));
		check_clean("nested");
		/* unmask -> entry measured for every DPC */
		CHECK_EQ_U64(stats_cpu[0].phase[PH_MEASURE].h[HIST_dpc_unmask_to_entry].n,
			     want(cl, STAT_cr8_lower_unmask, it));
	}
	check_case(NULL);
	/* elide_same_level: the inner writes disappear */
	snprintf(cl, sizeof(cl), "workload=nested-spinlock depth=4 iterations=10 elide_same_level=1");
	CHECK_EQ_U64(ideal_run(cl), 0);
	CHECK_EQ_U64(measured()[STAT_cr8_same], want(cl, STAT_cr8_same, 10));
	CHECK_EQ_U64(measured()[STAT_cr8_elided], want(cl, STAT_cr8_elided, 10));
	CHECK_EQ_U64(measured()[STAT_cr8_writes], want(cl, STAT_cr8_writes, 10));
	/* dpc=0: nothing pending, nothing unmasked */
	snprintf(cl, sizeof(cl), "workload=nested-spinlock depth=3 iterations=10 dpc=0");
	CHECK_EQ_U64(ideal_run(cl), 0);
	CHECK_EQ_U64(measured()[STAT_cr8_lower_unmask], want(cl, STAT_cr8_lower_unmask, 10));
	CHECK_EQ_U64(measured()[STAT_cr8_writes], want(cl, STAT_cr8_writes, 10));
}

static void test_seed(void)
{
	static const char st[] = "workload=seed-table iterations=20";
	static const char crl[] = "workload=seed-table iterations=20 clock_raises_irql=1";
	const uint64_t *c;

	CHECK_EQ_U64(ideal_run(st), 0);
	c = measured();
	CHECK_EQ_U64(c[STAT_iterations], 20);
	CHECK_EQ_U64(c[STAT_cr8_raise], want(st, STAT_cr8_raise, 20));
	CHECK_EQ_U64(c[STAT_cr8_same], want(st, STAT_cr8_same, 20));
	CHECK_EQ_U64(c[STAT_cr8_lower_unmask], want(st, STAT_cr8_lower_unmask, 20));
	CHECK_EQ_U64(c[STAT_cr8_lower], want(st, STAT_cr8_lower, 20));
	CHECK_EQ_U64(c[STAT_clock_interrupts], want(st, STAT_clock_interrupts, 20));
	CHECK_EQ_U64(c[STAT_dpc_run], want(st, STAT_dpc_run, 20));
	check_clean("seed");
	CHECK_EQ_U64(ideal_run(crl), 0);
	c = measured();
	CHECK_EQ_U64(c[STAT_cr8_raise], want(crl, STAT_cr8_raise, 20));
	CHECK_EQ_U64(c[STAT_cr8_lower], want(crl, STAT_cr8_lower, 20));
	check_clean("seed clock_raises_irql");
}

static void test_masked_clock(void)
{
	const char *cls[] = { "workload=masked-clock iterations=30",
			      "workload=masked-clock iterations=30 clock_ipi=1" };

	for (unsigned i = 0; i < 2; i++) {
		const uint64_t *c;

		check_case("%s", cls[i]);
		CHECK_EQ_U64(ideal_run(cls[i]), 0);
		c = measured();
		CHECK_EQ_U64(c[STAT_cr8_raise], want(cls[i], STAT_cr8_raise, 30));
		CHECK_EQ_U64(c[STAT_cr8_same], want(cls[i], STAT_cr8_same, 30));
		CHECK_EQ_U64(c[STAT_cr8_lower_unmask], want(cls[i], STAT_cr8_lower_unmask, 30));
		CHECK_EQ_U64(c[STAT_cr8_lower], want(cls[i], STAT_cr8_lower, 30));
		CHECK_EQ_U64(c[STAT_clock_interrupts], want(cls[i], STAT_clock_interrupts, 30));
		CHECK_EQ_U64(stats_cpu[0].phase[PH_MEASURE].h[HIST_clock_unmask_to_entry].n,
			     want(cls[i], STAT_cr8_lower_unmask, 30));
		check_clean("masked-clock");
	}
	check_case(NULL);
}

static void test_churn_storm_mix(void)
{
	static const char churn[] = "workload=irql-churn iterations=1000 level=13";
	const uint64_t *c;

	CHECK_EQ_U64(ideal_run(churn), 0);
	c = measured();
	CHECK_EQ_U64(c[STAT_cr8_raise], want(churn, STAT_cr8_raise, 1000));
	CHECK_EQ_U64(c[STAT_cr8_lower], want(churn, STAT_cr8_lower, 1000));
	CHECK_EQ_U64(c[STAT_cr8_writes], want(churn, STAT_cr8_writes, 1000));
	check_clean("churn");

	CHECK_EQ_U64(ideal_run("workload=dpc-storm duration_ms=20 clock_hz=5000"), 0);
	c = measured();
	CHECK(c[STAT_clock_interrupts] >= 90);
	CHECK(c[STAT_dpc_queued] > 0);
	check_clean("dpc-storm");

	CHECK_EQ_U64(ideal_run("workload=windows-mix duration_ms=20 seed=7"), 0);
	c = measured();
	CHECK(c[STAT_iterations] > 100);
	CHECK(c[STAT_dpc_run] > 0);
	check_clean("windows-mix");
}

static void test_errors(void)
{
	CHECK_EQ_U64(ideal_run("workload=nope"), 2);
	CHECK(strstr(ideal.out, "!! error code=badparam msg=\"unknown workload 'nope'"));
	CHECK_EQ_U64(ideal_run("workload=nested-spinlock depth=9"), 2);
	CHECK(strstr(ideal.out, "out of range"));
	CHECK_EQ_U64(ideal_run("workload=nested-spinlock colour=3"), 2);
	CHECK(strstr(ideal.out, "unknown parameter 'colour'"));
	CHECK_EQ_U64(ideal_run("depth=2"), 2);
	CHECK_EQ_U64(ideal_run("workload=hang"), 2);	/* guest-only */
}

static void test_report_shape(void)
{
	CHECK_EQ_U64(ideal_run("workload=irql-churn iterations=5"), 0);
	CHECK(strstr(ideal.out, "irqlbench-guest v=1 boot\n"));
	CHECK(strstr(ideal.out, "@@ irqlbench report v2\n"));
	CHECK(strstr(ideal.out, "\nR status=ok"));
	CHECK(strstr(ideal.out, "\n@@ end lines="));
	CHECK(strstr(ideal.out, "F idx=2 name=measure measured=1"));
	CHECK(strstr(ideal.out, " iterations=5"));
	/* markers: warmup, measure, end */
	CHECK_EQ_U64(ideal.markers, 3);
	CHECK_EQ_U64(ideal.last_marker, 0x495200ff);
}

/*
 * A histogram with samples in every one of the 480 buckets (at both edges of
 * two in three) and in the overflow: the guest's G lines (more than one: they do not fit 1023
 * bytes) parse back into the same counts, bounds and sums.
 */
static void test_report_hist_round_trip(void)
{
	struct hist *h;
	struct nt_options opts = { 0 };
	struct wl_values vals = { 0 };
	struct report_info ri = { "irql-churn", 1, &opts, &vals, NULL };
	struct serial_report r;
	json_t *jh, *jc, *jb;
	unsigned glines = 0;

	CHECK_EQ_U64(ideal_run("workload=irql-churn iterations=5"), 0);
	h = &stats_cpu[0].phase[PH_MEASURE].h[HIST_irq_latency];
	memset(h, 0, sizeof(*h));
	for (unsigned i = 0; i < HIST_NBOUNDS; i++) {
		stats_hist_add(h, hist_bound(i));		/* both edges of each bucket */
		if (i % 3)
			stats_hist_add(h, i ? hist_bound(i - 1) + 1 : 0);
	}
	stats_hist_add(h, 1ull << HIST_TOP_BITS);
	stats_hist_add(h, UINT64_MAX / 4);
	CHECK_EQ_U64(h->overflow, 2);
	ideal.out_len = 0;
	ideal.out[0] = 0;
	report_print(&ri);
	for (const char *s = ideal.out; (s = strstr(s, "\nG phase=2 cpu=0 name=irq_latency ")); s++)
		glines++;
	CHECK(glines > 1);
	CHECK_EQ_U64(serial_parse(ideal.out, ideal.out_len, &r), SERIAL_REPORT);
	if (r.outcome != SERIAL_REPORT) {
		printf("report refused: %s\n", r.message);
		serial_report_free(&r);
		return;
	}
	jh = json_array_get(json_object_get(json_array_get(r.phases, PH_MEASURE), "vcpus"), 0);
	jh = json_object_get(json_object_get(jh, "histograms"), "irq_latency");
	jc = json_object_get(jh, "counts");
	jb = json_object_get(jh, "bounds");
	CHECK_EQ_U64(json_array_size(jc), HIST_NBOUNDS);
	CHECK_EQ_U64(json_array_size(jb), HIST_NBOUNDS);
	for (unsigned i = 0; i < HIST_NBOUNDS && json_array_size(jc) == HIST_NBOUNDS; i++) {
		check_case("bucket %u", i);
		CHECK_EQ_U64(json_integer_value(json_array_get(jc, i)), h->counts[i]);
		CHECK_EQ_U64(json_integer_value(json_array_get(jb, i)), hist_bound(i));
	}
	check_case(NULL);
	CHECK_EQ_U64(json_integer_value(json_object_get(jh, "overflow")), 2);
	CHECK_EQ_U64(json_integer_value(json_object_get(jh, "n")), h->n);
	CHECK_EQ_U64(json_integer_value(json_object_get(jh, "sum")), h->sum);
	CHECK_EQ_U64(json_integer_value(json_object_get(jh, "max")), UINT64_MAX / 4);
	serial_report_free(&r);
}

static void test_script(void)
{
	static const char seed[] =
		"# the seed table as a script\n"
		"isr 0xd1 auto {\n"
		"  dpc\n"
		"}\n"
		"acquire 1\n"
		"clock 20\n"
		"wait_delivered 0xd1\n"
		"acquire 2\n"
		"release 2\n"
		"release 1\n"
		"wait_delivered 0x2f\n";
	static const char builtin[] = "workload=seed-table";	/* what the script must equal */
	const uint64_t *c;

	CHECK_EQ_U64(ideal_run_module("workload=script iterations=25 warmup=3", seed), 0);
	c = measured();
	CHECK_EQ_U64(c[STAT_iterations], 25);
	CHECK_EQ_U64(c[STAT_cr8_raise], want(builtin, STAT_cr8_raise, 25));
	CHECK_EQ_U64(c[STAT_cr8_same], want(builtin, STAT_cr8_same, 25));
	CHECK_EQ_U64(c[STAT_cr8_lower_unmask], want(builtin, STAT_cr8_lower_unmask, 25));
	CHECK_EQ_U64(c[STAT_cr8_lower], want(builtin, STAT_cr8_lower, 25));
	CHECK_EQ_U64(c[STAT_dpc_run], want(builtin, STAT_dpc_run, 25));
	check_clean("script");
	/* a parse error is a bad parameter with the line number */
	CHECK_EQ_U64(ideal_run_module("workload=script", "raise 2\nfrobnicate 3\n"), 2);
	CHECK(strstr(ideal.out, "line 2"));
	CHECK_EQ_U64(ideal_run("workload=script"), 2);
}

int main(void)
{
	test_script();
	test_nested();
	test_seed();
	test_masked_clock();
	test_churn_storm_mix();
	test_errors();
	test_report_shape();
	test_report_hist_round_trip();
	return check_done("test_nt");
}
