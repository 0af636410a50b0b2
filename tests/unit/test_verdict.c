// SPDX-License-Identifier: MIT
/*
 * test_verdict.c - the FIXED / UNFIXED / INCONCLUSIVE decision of verify,
 * on runs shaped like the model's and the lab's (docs/lab.md numbers).
 */
#include <math.h>

#include "check.h"
#include "cli.h"
#include "metrics.h"
#include "store/store.h"
#include "verify/verdict.h"

static struct verdict_run ns(const char *id, unsigned depth, double exits, uint64_t imm, uint64_t late)
{
	return (struct verdict_run){ .id = id, .workload = "nested-spinlock", .depth = depth,
				     .write_cr8_per_iter = exits, .has_delivery = true,
				     .immediate = imm, .late = late };
}

static struct verdict_run wl(const char *w, double exits, uint64_t imm, uint64_t late)
{
	return (struct verdict_run){ .id = w, .workload = w, .write_cr8_per_iter = exits,
				     .has_delivery = true, .immediate = imm, .late = late };
}

static enum verdict decide(const struct verdict_run *r, size_t n, struct verdict_result *res)
{
	verdict_decide(r, n, NULL, res);
	return res->v;
}

static void test_fixed_and_unfixed(void)
{
	struct verdict_result res;
	/* fixed build (lab) / model fixed, l61: 2N-1 exits, DPC at once */
	struct verdict_run fixed[] = {
		ns("a", 2, 3, 1000, 0), ns("b", 3, 5, 1000, 0), ns("c", 4, 7, 998, 2),
		wl("masked-clock", 2, 5000, 0), wl("seed-table", 3, 1000, 0),
	};
	/* fix reverted (lab) / model prefix, unfixed: 1 exit, late */
	struct verdict_run unfixed[] = {
		ns("a", 2, 1, 0, 1000), ns("b", 3, 1, 0, 1000), ns("c", 4, 1, 0, 1000),
		wl("masked-clock", 1, 9, 4991), wl("seed-table", 1, 0, 1000),
	};

	CHECK_EQ_U64(decide(fixed, 5, &res), VERDICT_FIXED);
	CHECK_EQ_U64(res.fixed_runs, 5);
	CHECK(strstr(res.evidence, "c nested-spinlock N=4: 7.00 write_cr8 exits/iteration") != NULL);
	CHECK_EQ_U64(verdict_exit_status(res.v), EXIT_OK);
	CHECK_STR(verdict_name(res.v), "FIXED");
	CHECK_EQ_U64(decide(unfixed, 5, &res), VERDICT_UNFIXED);
	CHECK_EQ_U64(res.unfixed_runs, 5);
	CHECK_EQ_U64(verdict_exit_status(res.v), 10);	/* EXIT_UNFIXED: no error has it */
	CHECK(strstr(res.reason, "late") != NULL);
}

static void test_inconclusive(void)
{
	struct verdict_result res;
	struct verdict_run mixed[] = { ns("a", 2, 3, 1000, 0), ns("b", 2, 1, 0, 1000), ns("c", 2, 3, 1000, 0) };
	struct verdict_run avic[] = { ns("a", 2, 0, 1000, 0), ns("b", 2, 0, 1000, 0), ns("c", 2, 0, 1000, 0) };
	/* exits say unfixed (1) but the DPC came at once: contradictory */
	struct verdict_run odd[] = { ns("a", 2, 1, 1000, 0), ns("b", 2, 1, 1000, 0), ns("c", 2, 1, 1000, 0) };
	struct verdict_run few[] = { ns("a", 2, 3, 1000, 0) };
	struct verdict_run depth1[] = { ns("a", 1, 1, 1000, 0), ns("b", 1, 1, 1000, 0), ns("c", 1, 1, 1000, 0) };
	struct verdict_run failed[] = { ns("a", 2, 3, 1000, 0), ns("b", 2, 3, 1000, 0), ns("c", 2, 1, 0, 1000) };
	struct verdict_run nodeliv[] = { ns("a", 2, 3, 0, 0), ns("b", 2, 3, 0, 0), ns("c", 2, 3, 0, 0) };
	struct verdict_run tcg[] = { ns("a", 2, NAN, 0, 0) };

	CHECK_EQ_U64(decide(mixed, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "disagree") != NULL);
	CHECK_EQ_U64(verdict_exit_status(res.v), 11);	/* EXIT_INCONCLUSIVE */
	CHECK_EQ_U64(decide(avic, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "neither") != NULL && strstr(res.reason, "CR8 writes do not exit") != NULL);
	CHECK_EQ_U64(decide(odd, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "exits say unfixed, delivery says fixed") != NULL);
	CHECK_EQ_U64(decide(few, 1, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "only 1 distinguishing run, 3 needed") != NULL);
	CHECK_EQ_U64(decide(depth1, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK_EQ_U64(res.ignored_runs, 3);
	CHECK(strstr(res.reason, "nothing tells") != NULL);
	CHECK_EQ_U64(decide(NULL, 0, &res), VERDICT_INCONCLUSIVE);
	/* a failed run does not count, even when its numbers disagree */
	failed[2].failed = true;
	failed[2].id = "f";
	CHECK_EQ_U64(decide(failed, 3, &res), VERDICT_INCONCLUSIVE);	/* 2 < 3 runs */
	{
		struct verdict_opts o = { .min_runs = 2 };

		verdict_decide(failed, 3, &o, &res);
		CHECK_EQ_U64(res.v, VERDICT_FIXED);
		CHECK(strstr(res.evidence, "f nested-spinlock N=2: failed run, ignored") != NULL);
	}
	/* backends without delivery counts: decided on the exits */
	nodeliv[0].has_delivery = nodeliv[1].has_delivery = nodeliv[2].has_delivery = false;
	CHECK_EQ_U64(decide(nodeliv, 3, &res), VERDICT_FIXED);
	CHECK_EQ_U64(decide(tcg, 1, &res), VERDICT_INCONCLUSIVE);
	/* elide_same_level: one write of 0 is left, both exit once */
	odd[0].elide_same_level = odd[1].elide_same_level = odd[2].elide_same_level = true;
	CHECK_EQ_U64(decide(odd, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK_EQ_U64(res.ignored_runs, 3);
}

static void test_tolerances(void)
{
	struct verdict_result res;
	/* lab: a stray L1 exit delivers a few interrupts early (9 of 5000) */
	struct verdict_run lab[] = { wl("masked-clock", 1, 9, 4991), wl("masked-clock", 1, 40, 4960),
				     wl("masked-clock", 1.0004, 0, 5000) };
	/* half immediate: neither */
	struct verdict_run half[] = { ns("a", 2, 3, 500, 500), ns("b", 2, 3, 1000, 0), ns("c", 2, 3, 1000, 0) };

	CHECK_EQ_U64(decide(lab, 3, &res), VERDICT_UNFIXED);
	CHECK_EQ_U64(decide(half, 3, &res), VERDICT_INCONCLUSIVE);
	CHECK(strstr(res.reason, "delivery says neither") != NULL);
}

/* A stored run: its row and the metrics the store computed at import. */
static void test_from_store(void)
{
	struct run_info run = { .id = "r1", .workload = "nested-spinlock",
				.params = "{\"depth\":3,\"iterations\":100,\"elide_same_level\":0}" };
	struct metric_set m = { 0 };
	struct verdict_run r;

	metric_set_put(&m, "exit.write_cr8/iter", 5);
	metric_set_put(&m, "delivery.immediate", 99);
	metric_set_put(&m, "delivery.late", 1);
	verdict_run_from_store(&run, &m, &r);
	CHECK_STR(r.id, "r1");
	CHECK_STR(r.workload, "nested-spinlock");
	CHECK_EQ_U64(r.depth, 3);
	CHECK(!r.failed && !r.elide_same_level && r.has_delivery);
	CHECK(fabs(r.write_cr8_per_iter - 5.0) < 1e-9);
	CHECK_EQ_U64(r.immediate, 99);
	CHECK_EQ_U64(r.late, 1);
	/* flagged by the store (failed, or its own verdict failed): ignored */
	run.flagged = true;
	run.params = "{\"depth\":2,\"elide_same_level\":1}";
	verdict_run_from_store(&run, &m, &r);
	CHECK(r.failed && r.elide_same_level);
	CHECK_EQ_U64(r.depth, 2);
	metric_set_free(&m);
	/* tcg: no exit or delivery counts */
	run.flagged = false;
	verdict_run_from_store(&run, &m, &r);
	CHECK(isnan(r.write_cr8_per_iter) && !r.has_delivery);
}

/* A complete record with a failed verdict becomes failed; nothing else changes. */
static void test_fail_record(void)
{
	json_t *rec = json_pack("{s:s, s:n, s:{s:s, s:s}, s:[]}", "status", "complete", "error",
				"verdict", "status", "fail", "reason", "DPC interrupt not delivered",
				"phases");
	json_t *err;

	CHECK(verdict_fail_record(rec));
	CHECK_STR(json_string_value(json_object_get(rec, "status")), "failed");
	err = json_object_get(rec, "error");
	CHECK_STR(json_string_value(json_object_get(err, "kind")), "verdict");
	CHECK_STR(json_string_value(json_object_get(err, "message")),
		  "the workload's own check failed: DPC interrupt not delivered");
	CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "verdict"), "status")), "fail");
	CHECK(json_is_array(json_object_get(rec, "phases")));
	/* already failed (kind kept), complete with verdict ok: untouched */
	json_object_set_new(err, "kind", json_string("timeout"));
	CHECK(!verdict_fail_record(rec));
	CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "error"), "kind")), "timeout");
	json_object_set_new(rec, "status", json_string("complete"));
	json_object_set_new(rec, "error", json_null());
	json_object_set_new(rec, "verdict", json_pack("{s:s, s:s}", "status", "ok", "reason", ""));
	CHECK(!verdict_fail_record(rec));
	CHECK_STR(json_string_value(json_object_get(rec, "status")), "complete");
	/* complete without any verdict: no result either */
	json_object_del(rec, "verdict");
	CHECK(verdict_fail_record(rec));
	CHECK_STR(json_string_value(json_object_get(json_object_get(rec, "error"), "message")),
		  "the workload's own check failed: the record has no verdict");
	json_decref(rec);
}

int main(void)
{
	test_fail_record();
	test_fixed_and_unfixed();
	test_inconclusive();
	test_tolerances();
	test_from_store();
	return check_done("test_verdict");
}
