// SPDX-License-Identifier: MIT
/*
 * test_verdict.c - the FIXED / UNFIXED / INCONCLUSIVE decision of verify,
 * on runs shaped like the model's and the lab's.  What a fixed and an
 * unfixed kernel give is workloads/suites.cfg's (suite_check.h,
 * IRQLBENCH_SUITES=FILE for another file): the runs here are built from its
 * expectations, over the entries of its group verify, and the decision must
 * follow them.  A few synthetic files test what the real one does not
 * have: a policy's own expectation, a workload without an entry.
 */
#include <math.h>

#include "check.h"
#include "cli/cli.h"
#include "record/metrics.h"
#include "store/store.h"
#include "suite_check.h"
#include "verify/verdict.h"

static const struct suite *S;

/* A run of cmdline ("workload=W k=v ...") with these numbers. */
static struct verdict_run run(const char *id, const char *cmdline, double exits, uint64_t imm,
			      uint64_t late)
{
	struct verdict_run r = { .id = id, .write_cr8_per_iter = exits, .has_delivery = true,
				 .immediate = imm, .late = late };
	char err[512];

	if (suite_values_from_cmdline(cmdline, &r.vals, err, sizeof(err))) {
		printf("%s: %s\n", cmdline, err);
		exit(1);
	}
	r.workload = r.vals.w->name;
	return r;
}

/* A run of cmdline as policy p's expectations say, over n iterations. */
static struct verdict_run shaped(const char *id, const char *cmdline, enum kp_policy p, unsigned n)
{
	struct suite_expect x = suite_check_expect(cmdline, p);
	struct verdict_run r;

	if (x.late < 0 || x.immediate < 0)	/* no delivery expectation: no counts */
		r = run(id, cmdline, (double)x.exits, 0, 0);
	else
		r = run(id, cmdline, (double)x.exits, n * (uint64_t)x.immediate, n * (uint64_t)x.late);
	r.has_delivery = x.late >= 0 && x.immediate >= 0;
	return r;
}

static enum verdict decide(const struct verdict_run *r, size_t n, struct verdict_result *res)
{
	struct verdict_opts o = { .suite = S };

	verdict_decide(r, n, &o, res);
	return res->v;
}

/* The entries of group verify, as guest command lines: what verify runs. */
static char cmdlines[32][256];
static unsigned ncmdlines;

static void verify_entries(void)
{
	for (unsigned i = 0; i < S->n && ncmdlines < 32; i++) {
		char *params;

		if (!suite_in_group(&S->e[i], "verify"))
			continue;
		params = suite_entry_params(&S->e[i]);
		snprintf(cmdlines[ncmdlines++], sizeof(cmdlines[0]), "workload=%s%s%s",
			 S->e[i].w->name, *params ? " " : "", params);
		free(params);
	}
}

/* One evidence line's numbers, as the expectations of cmdline give them. */
static bool evidence_has(const struct verdict_result *res, const char *cmdline, double exits,
			 enum kp_policy pf, enum kp_policy pu)
{
	struct suite_expect f = suite_check_expect(cmdline, pf), u = suite_check_expect(cmdline, pu);
	char want[256];

	snprintf(want, sizeof(want), ": %.2f write_cr8 exits/iteration (%s %lld, %s %lld)", exits,
		 kp_policy_name(pf), (long long)f.exits, kp_policy_name(pu), (long long)u.exits);
	return strstr(res->evidence, want) != NULL;
}

static void test_fixed_and_unfixed(void)
{
	struct verdict_result res;
	struct verdict_run fixed[32], unfixed[32];
	unsigned n = ncmdlines;

	CHECK(n >= 3);	/* enough for a verdict from one run of each */
	for (unsigned i = 0; i < n; i++) {
		check_case("%s", cmdlines[i]);
		fixed[i] = shaped("f", cmdlines[i], KP_FIXED, 1000);
		CHECK(suite_distinguishes(S, &fixed[i].vals));
		unfixed[i] = shaped("u", cmdlines[i], KP_UNFIXED, 1000);
	}
	check_case(NULL);
	/* the lab: a stray exit delivers a little early or late */
	if (fixed[0].immediate > 2) {
		fixed[0].immediate -= 2;
		fixed[0].late += 2;
	}

	CHECK_EQ_U64(decide(fixed, n, &res), VERDICT_FIXED);
	CHECK_EQ_U64(res.fixed_runs, n);
	CHECK(evidence_has(&res, cmdlines[n - 1], fixed[n - 1].write_cr8_per_iter, KP_FIXED, KP_UNFIXED));
	CHECK(strstr(res.reason, S->path) != NULL);
	CHECK_EQ_U64(verdict_exit_status(res.v), EXIT_OK);
	CHECK_STR(verdict_name(res.v), "FIXED");
	CHECK_EQ_U64(decide(unfixed, n, &res), VERDICT_UNFIXED);
	CHECK_EQ_U64(res.unfixed_runs, n);
	CHECK_EQ_U64(verdict_exit_status(res.v), 10);	/* EXIT_UNFIXED: no error has it */
	CHECK(strstr(res.reason, "late") != NULL);
}

/* A model run is judged by its own policy's expectation where the policy
 * is of the family fixed or unfixed; the rest by the families'. */
static void test_model_policies(void)
{
	struct verdict_result res;
	struct verdict_run r[32];
	unsigned n = ncmdlines;

	for (enum kp_policy p = 0; p < KP_NPOLICY; p++) {
		const char *fam = suite_family(p);
		enum verdict want = !strcmp(fam, "fixed") ? VERDICT_FIXED :
				    !strcmp(fam, "unfixed") ? VERDICT_UNFIXED : VERDICT_INCONCLUSIVE;

		check_case("policy %s", kp_policy_name(p));
		for (unsigned i = 0; i < n; i++) {
			r[i] = shaped("m", cmdlines[i], p, 200);
			r[i].policy = kp_policy_name(p);
		}
		/* TPR shadow's CR8-related exit is not write_cr8: none of those */
		if (kp_policy_vmx_ts(p))
			for (unsigned i = 0; i < n; i++)
				r[i].write_cr8_per_iter = 0;
		CHECK_EQ_U64(decide(r, n, &res), want);
		if (want != VERDICT_INCONCLUSIVE)
			CHECK(evidence_has(&res, cmdlines[0], r[0].write_cr8_per_iter,
					   want == VERDICT_FIXED ? p : KP_FIXED,
					   want == VERDICT_UNFIXED ? p : KP_UNFIXED));
	}
	check_case(NULL);
}

static void test_inconclusive(void)
{
	const char *a = cmdlines[0];
	struct suite_expect f = suite_check_expect(a, KP_FIXED), u = suite_check_expect(a, KP_UNFIXED);
	double fx = (double)f.exits, ux = (double)u.exits;
	struct verdict_result res;
	struct verdict_run mixed[] = { run("a", a, fx, 1000, 0), run("b", a, ux, 0, 1000), run("c", a, fx, 1000, 0) };
	struct verdict_run avic[] = { run("a", a, 0, 1000, 0), run("b", a, 0, 1000, 0), run("c", a, 0, 1000, 0) };
	/* exits say unfixed but the DPC came at once: contradictory */
	struct verdict_run odd[] = { run("a", a, ux, 1000, 0), run("b", a, ux, 1000, 0), run("c", a, ux, 1000, 0) };
	struct verdict_run few[] = { run("a", a, fx, 1000, 0) };
	struct verdict_run failed[] = { run("a", a, fx, 1000, 0), run("b", a, fx, 1000, 0), run("c", a, ux, 0, 1000) };
	struct verdict_run nodeliv[] = { run("a", a, fx, 0, 0), run("b", a, fx, 0, 0), run("c", a, fx, 0, 0) };
	struct verdict_run tcg[] = { run("a", a, NAN, 0, 0) };
	/* a run whose values give fixed and unfixed the same: nested-spinlock
	 * at depth 1, per the file */
	struct verdict_run same[] = { shaped("a", "workload=nested-spinlock depth=1", KP_FIXED, 100),
				      shaped("b", "workload=nested-spinlock depth=1", KP_FIXED, 100),
				      shaped("c", "workload=nested-spinlock depth=1", KP_FIXED, 100) };

	CHECK(f.late == 0 && u.late > 0);	/* the shape of the cases below */
	CHECK_EQ_U64(decide(mixed, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "disagree") != NULL);
	CHECK_EQ_U64(verdict_exit_status(res.v), 11);	/* EXIT_INCONCLUSIVE */
	CHECK_EQ_U64(decide(avic, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "neither") != NULL && strstr(res.reason, "CR8 writes do not exit") != NULL);
	CHECK_EQ_U64(decide(odd, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "exits say unfixed, delivery says fixed") != NULL);
	CHECK_EQ_U64(decide(few, 1, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "only 1 distinguishing run, 3 needed") != NULL);
	CHECK(!suite_distinguishes(S, &same[0].vals));
	CHECK_EQ_U64(decide(same, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK_EQ_U64(res.ignored_runs, 3);
	CHECK(strstr(res.evidence, ": ignored (") != NULL);
	CHECK(strstr(res.reason, "nothing tells") != NULL);
	CHECK_EQ_U64(decide(NULL, 0, &res), VERDICT_INCONCLUSIVE);
	/* a failed run does not count, even when its numbers disagree */
	failed[2].failed = true;
	failed[2].id = "f";
	CHECK_EQ_U64(decide(failed, 3, &res), VERDICT_INCONCLUSIVE);	/* 2 < 3 runs */
	{
		struct verdict_opts o = { .suite = S, .min_runs = 2 };
		char want[300];

		verdict_decide(failed, 3, &o, &res);
		CHECK_EQ_U64(res.v, VERDICT_FIXED);
		snprintf(want, sizeof(want), "f %.256s", a + strlen("workload="));
		CHECK(strstr(res.evidence, want) != NULL && strstr(res.evidence, ": failed run, ignored") != NULL);
	}
	/* backends without delivery counts: decided on the exits */
	nodeliv[0].has_delivery = nodeliv[1].has_delivery = nodeliv[2].has_delivery = false;
	CHECK_EQ_U64(decide(nodeliv, 3, &res), VERDICT_FIXED);
	CHECK_EQ_U64(decide(tcg, 1, &res), VERDICT_INCONCLUSIVE);
}

static void test_tolerances(void)
{
	const char *a = cmdlines[0];
	struct suite_expect f = suite_check_expect(a, KP_FIXED), u = suite_check_expect(a, KP_UNFIXED);
	struct verdict_result res;
	/* lab: a stray L1 exit delivers a few interrupts early (9 of 5000) */
	struct verdict_run lab[] = { run("a", a, (double)u.exits, 9, 4991), run("b", a, (double)u.exits, 40, 4960),
				     run("c", a, (double)u.exits + 0.0004, 0, 5000) };
	/* half immediate: neither */
	struct verdict_run half[] = { run("a", a, (double)f.exits, 500, 500), run("b", a, (double)f.exits, 1000, 0),
				      run("c", a, (double)f.exits, 1000, 0) };

	CHECK_EQ_U64(decide(lab, 3, &res), VERDICT_UNFIXED);
	CHECK_EQ_U64(decide(half, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "delivery says neither") != NULL);
}

/*
 * What the real file does not have: a policy whose own exits differ from
 * its family's, one whose own equal the other family's, a workload
 * without an entry, a run without values, and no file at all.
 */
static const char synthetic[] =
	"[ns]\n"
	"workload = nested-spinlock\n"
	"params = depth=3\n"
	"lower_unmask = dpc\n"
	"exits.fixed = depth + 1\n"
	"late.fixed = 0\n"
	"exits.unfixed = 1\n"
	"late.unfixed = dpc\n"
	"exits.prefix = 2\n"
	"exits.l72 = 1\n"
	"late.l72 = dpc\n";

static void test_synthetic_file(void)
{
	char err[1024];
	struct suite *s = suite_parse("synthetic.cfg", synthetic, err, sizeof(err));
	struct verdict_opts o = { .suite = s, .min_runs = 1 };
	struct verdict_result res;
	struct verdict_run r[1];

	if (!s)
		printf("  %s\n", err);
	CHECK(s != NULL);
	if (!s)
		return;
	/* prefix's own: 2 exits, late, is unfixed for a prefix run, neither for another */
	r[0] = run("p", "workload=nested-spinlock depth=3", 2, 0, 100);
	r[0].policy = "prefix";
	verdict_decide(r, 1, &o, &res);
	CHECK_EQ_U64(res.v, VERDICT_UNFIXED);
	CHECK(strstr(res.evidence, "p nested-spinlock depth=3 [ns]: 2.00 write_cr8 exits/iteration "
		      "(fixed 4, prefix 2)") != NULL);
	r[0].policy = NULL;
	verdict_decide(r, 1, &o, &res);
	CHECK_EQ_U64(res.v, VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.evidence, "(fixed 4, unfixed 1)") != NULL && strstr(res.evidence, "-> neither") != NULL);
	/* l72 expects what unfixed does: an l72 run cannot tell */
	r[0] = run("l", "workload=nested-spinlock depth=3", 1, 0, 100);
	r[0].policy = "l72";
	verdict_decide(r, 1, &o, &res);
	CHECK_EQ_U64(res.v, VERDICT_INCONCLUSIVE);
	CHECK_EQ_U64(res.ignored_runs, 1);
	CHECK(strstr(res.evidence, "ignored (synthetic.cfg: l72 and unfixed both give 1 CR8 exits") != NULL);
	/* no entry of masked-clock: other, with the reason */
	r[0] = run("m", "workload=masked-clock", 2, 100, 0);
	verdict_decide(r, 1, &o, &res);
	CHECK_EQ_U64(res.v, VERDICT_INCONCLUSIVE);
	CHECK_EQ_U64(res.other_runs, 1);
	CHECK(strstr(res.evidence, "m masked-clock: no expectation (synthetic.cfg has no entry of "
		      "masked-clock: add one") != NULL);
	/* a run whose values are not the catalog's */
	memset(&r[0].vals, 0, sizeof(r[0].vals));
	snprintf(r[0].vals_err, sizeof(r[0].vals_err), "unknown parameter 'x'");
	verdict_decide(r, 1, &o, &res);
	CHECK_EQ_U64(res.other_runs, 1);
	CHECK(strstr(res.evidence, "no expectation (unknown parameter 'x') -> other") != NULL);
	/* no file: nothing to judge by */
	o.suite = NULL;
	r[0] = run("n", "workload=nested-spinlock depth=3", 4, 100, 0);
	verdict_decide(r, 1, &o, &res);
	CHECK_EQ_U64(res.other_runs, 1);
	CHECK(strstr(res.evidence, "no suites file was read") != NULL);
	suite_free(s);
}

/* A stored run: its row and the metrics the store computed at import. */
static void test_from_store(void)
{
	struct run_info run = { .id = "r1", .workload = "nested-spinlock", .backend = "model",
				.policy = "prefix",
				.params = "{\"depth\":3,\"iterations\":100,\"elide_same_level\":0}" };
	struct metric_set m = { 0 };
	struct verdict_run r;

	metric_set_put(&m, "exit.write_cr8/iter", 5);
	metric_set_put(&m, "delivery.immediate", 99);
	metric_set_put(&m, "delivery.late", 1);
	verdict_run_from_store(&run, &m, &r);
	CHECK_STR(r.id, "r1");
	CHECK_STR(r.workload, "nested-spinlock");
	CHECK(r.vals.w && !strcmp(r.vals.w->name, "nested-spinlock"));
	CHECK_EQ_U64(wl_get(&r.vals, "depth"), 3);
	CHECK_EQ_U64(wl_get(&r.vals, "iterations"), 100);
	CHECK_EQ_U64(wl_get(&r.vals, "elide_same_level"), 0);
	CHECK_STR(r.policy, "prefix");
	CHECK(!r.failed && r.has_delivery);
	CHECK(fabs(r.write_cr8_per_iter - 5.0) < 1e-9);
	CHECK_EQ_U64(r.immediate, 99);
	CHECK_EQ_U64(r.late, 1);
	/* flagged by the store (failed, or its own verdict failed): ignored */
	run.flagged = true;
	run.params = "{\"depth\":2,\"elide_same_level\":1}";
	verdict_run_from_store(&run, &m, &r);
	CHECK(r.failed);
	CHECK_EQ_U64(wl_get(&r.vals, "elide_same_level"), 1);
	CHECK_EQ_U64(wl_get(&r.vals, "depth"), 2);
	metric_set_free(&m);
	/* tcg: no exit or delivery counts */
	run.flagged = false;
	verdict_run_from_store(&run, &m, &r);
	CHECK(isnan(r.write_cr8_per_iter) && !r.has_delivery);
	/* the lab's builds are the model's policies; stock and kvm are none */
	run.backend = "lab";
	run.policy = NULL;
	run.variant = "fixed";
	verdict_run_from_store(&run, &m, &r);
	CHECK_STR(r.policy, "l61");
	run.variant = "unfixed";
	verdict_run_from_store(&run, &m, &r);
	CHECK_STR(r.policy, "unfixed");
	run.variant = "stock";
	verdict_run_from_store(&run, &m, &r);
	CHECK(r.policy == NULL);
	/* values the catalog does not have: none, and why */
	{
		static const struct { char *workload, *params; const char *why; } bad[] = {
			{ "nested-spinlock", "{\"depth\":2,\"nope\":1}", "unknown parameter 'nope'" },
			{ "nested-spinlock", "{\"depth\":99}", "depth=99 is out of range" },
			{ "nested-spinlock", "{\"depth\":\"x\"}", "is not a number" },
			{ "nested-spinlock", "[", "no JSON object" },
			{ "nope", "{}", "workload 'nope' is not the catalog's" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			check_case("%s %s", bad[i].workload, bad[i].params);
			run.workload = bad[i].workload;
			run.params = bad[i].params;
			verdict_run_from_store(&run, &m, &r);
			CHECK(r.vals.w == NULL && strstr(r.vals_err, bad[i].why) != NULL);
		}
		check_case(NULL);
	}
}

/* One verdict is of one setup: the first field in which runs differ, and
 * the first two runs that do. */
static void test_setup_split(void)
{
	struct verdict_setup v[4] = {
#define SETUP(b, p, v, k, kv, h, hv) { [SETUP_BACKEND] = b, [SETUP_POLICY] = p, [SETUP_VARIANT] = v, \
		[SETUP_KERNEL] = k, [SETUP_KERNEL_VERSION] = kv, [SETUP_HOST] = h, [SETUP_HYPERVISOR] = hv }
		{ "m1", SETUP("model", "l61", NULL, NULL, NULL, "h1", NULL) },
		{ "m2", SETUP("model", "l61", NULL, NULL, NULL, "h1", NULL) },
		{ "m3", SETUP("model", "l72", NULL, NULL, NULL, "h2", NULL) },
		{ "l1", SETUP("lab", NULL, "fixed", "6.1.0-57-amd64", "6.1.192-3", "h1", NULL) },
	};
	char line[256];
	size_t a = 9, b = 9;

	CHECK(verdict_setup_split(v, 0, &a, &b) == -1);
	CHECK(verdict_setup_split(v, 1, &a, &b) == -1);
	CHECK(verdict_setup_split(v, 2, &a, &b) == -1);
	CHECK(a == 9 && b == 9);		/* one setup: untouched */
	/* the first field that differs, the policy before the host */
	CHECK(verdict_setup_split(v, 3, &a, &b) == SETUP_POLICY);
	CHECK(a == 0 && b == 2);
	verdict_setup_describe(v, SETUP_POLICY, a, b, line, sizeof(line));
	CHECK_STR(line, "runs of more than one policy: m1 (l61) and m3 (l72)");
	/* the backend first of all */
	CHECK(verdict_setup_split(v, 4, &a, &b) == SETUP_BACKEND);
	CHECK(a == 0 && b == 3);
	CHECK_STR(verdict_setup_name(SETUP_BACKEND), "backend");
	/* a value against none: two setups, "none" in the words */
	v[1].v[SETUP_HOST] = NULL;
	CHECK(verdict_setup_split(v, 2, &a, &b) == SETUP_HOST);
	verdict_setup_describe(v, SETUP_HOST, a, b, line, sizeof(line));
	CHECK_STR(line, "runs of more than one host: m1 (h1) and m2 (none)");
	/* the kernel and the hypervisor, each its own field */
	{
		struct verdict_setup l[3] = {
			{ "l1", SETUP("lab", NULL, "fixed", "6.1.0-57-amd64", "6.1.192-3", "(none)", NULL) },
			{ "l2", SETUP("lab", NULL, "fixed", "6.1.0-57-amd64", "6.1.192-2", "(none)", NULL) },
			{ "l3", SETUP("lab", NULL, "fixed", "6.1.0-56-amd64", "6.1.192-3", "(none)", "KVMKVMKVM") },
		};

		CHECK(verdict_setup_split(l, 3, &a, &b) == SETUP_KERNEL);
		CHECK(a == 0 && b == 2);
		l[2].v[SETUP_KERNEL] = l[0].v[SETUP_KERNEL];
		/* two Debian revisions of one ABI: two kernels, named "kernel" */
		CHECK(verdict_setup_split(l, 3, &a, &b) == SETUP_KERNEL_VERSION);
		CHECK(a == 0 && b == 1);
		verdict_setup_describe(l, SETUP_KERNEL_VERSION, a, b, line, sizeof(line));
		CHECK_STR(line, "runs of more than one kernel: l1 (6.1.192-3) and l2 (6.1.192-2)");
		l[1].v[SETUP_KERNEL_VERSION] = l[0].v[SETUP_KERNEL_VERSION];
		CHECK(verdict_setup_split(l, 3, &a, &b) == SETUP_HYPERVISOR);
	}
#undef SETUP
	CHECK_STR(verdict_setup_name(SETUP_HYPERVISOR), "hypervisor");
}

int main(void)
{
	S = suite_check_suite();
	verify_entries();
	if (!ncmdlines) {
		printf("%s has no entry in group verify: nothing to test the verdict on\n", S->path);
		return 1;
	}
	test_fixed_and_unfixed();
	test_model_policies();
	test_inconclusive();
	test_tolerances();
	test_synthetic_file();
	test_from_store();
	test_setup_split();
	return check_done("test_verdict");
}
