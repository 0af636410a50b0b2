// SPDX-License-Identifier: MIT
/*
 * verdict.c - FIXED / UNFIXED / INCONCLUSIVE from the runs (verdict.h).
 *
 * Each run is judged on its own, by its exit count and, where the backend
 * reports it, by when the pending interrupt was delivered; the kernel's
 * verdict needs every distinguishing run to agree.  Exit counts of the
 * model and the lab are exact; a stray asynchronous exit in the lab can
 * deliver an interrupt early, hence the tolerance on the delivery share.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "metrics.h"
#include "store/store.h"
#include "verify/verdict.h"

enum run_class { RUN_IGNORED, RUN_FIXED, RUN_UNFIXED, RUN_OTHER };

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_FIXED: return "FIXED";
	case VERDICT_UNFIXED: return "UNFIXED";
	default: return "INCONCLUSIVE";
	}
}

int verdict_exit_status(enum verdict v)
{
	return v == VERDICT_FIXED ? EXIT_OK : v == VERDICT_UNFIXED ? EXIT_UNFIXED : EXIT_INCONCLUSIVE;
}

static void append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Expected write_cr8 exits per iteration; false if the run cannot tell. */
static bool expected_exits(const struct verdict_run *r, double *fixed, double *unfixed,
			   const char **why)
{
	*unfixed = 1;
	if (r->elide_same_level) {
		*why = "elide_same_level=1 leaves one CR8 write: fixed and unfixed both exit once";
		return false;
	}
	if (!strcmp(r->workload, "nested-spinlock")) {
		if (r->depth < 2) {
			*why = "depth 1: one CR8 write, fixed and unfixed both exit once";
			return false;
		}
		*fixed = 2.0 * r->depth - 1;
		return true;
	}
	if (!strcmp(r->workload, "masked-clock")) {
		*fixed = 2;
		return true;
	}
	if (!strcmp(r->workload, "seed-table")) {
		*fixed = 3;
		return true;
	}
	*why = "workload does not tell fixed from unfixed";
	return false;
}

static enum run_class judge(const struct verdict_run *r, const struct verdict_opts *o,
			    char *line, size_t len)
{
	double fixed, unfixed, e = r->write_cr8_per_iter, share = NAN;
	const char *why = "", *ex, *dl;

	snprintf(line, len, "%s %s", r->id ? r->id : "(run)", r->workload ? r->workload : "?");
	if (!strcmp(r->workload ? r->workload : "", "nested-spinlock"))
		append(line, len, " N=%u", r->depth);
	if (r->failed) {
		append(line, len, ": failed run, ignored");
		return RUN_IGNORED;
	}
	if (!r->workload || !expected_exits(r, &fixed, &unfixed, &why)) {
		append(line, len, ": ignored (%s)", why);
		return RUN_IGNORED;
	}
	if (isnan(e)) {
		append(line, len, ": no exit counts (tcg backend?), ignored");
		return RUN_IGNORED;
	}
	ex = fabs(e - fixed) <= o->exit_tol ? "fixed" :
	     fabs(e - unfixed) <= o->exit_tol ? "unfixed" : NULL;
	append(line, len, ": %.2f write_cr8 exits/iteration (fixed %g, unfixed %g)", e, fixed, unfixed);
	dl = NULL;
	if (r->has_delivery && r->immediate + r->late > 0) {
		share = (double)r->immediate / (double)(r->immediate + r->late);
		dl = share >= o->fixed_immediate ? "fixed" :
		     1 - share > o->unfixed_late ? "unfixed" : "neither";
		append(line, len, ", %.1f%% delivered immediately (%llu of %llu)", share * 100,
		       (unsigned long long)r->immediate,
		       (unsigned long long)(r->immediate + r->late));
	} else {
		append(line, len, ", no delivery counts");
	}
	if (!ex) {
		append(line, len, " -> neither%s", e < 0.5 ? " (0 CR8-write exits: CR8 writes do "
		       "not exit here, as with a TPR shadow, APICv or AVIC)" : "");
		return RUN_OTHER;
	}
	if (dl && strcmp(dl, ex)) {
		append(line, len, " -> exits say %s, delivery says %s", ex, dl);
		return RUN_OTHER;
	}
	append(line, len, " -> %s", ex);
	return !strcmp(ex, "fixed") ? RUN_FIXED : RUN_UNFIXED;
}

static void set_defaults(struct verdict_opts *o, const struct verdict_opts *given)
{
	if (given)
		*o = *given;
	else
		memset(o, 0, sizeof(*o));
	if (!o->min_runs)
		o->min_runs = 3;
	if (o->exit_tol <= 0)
		o->exit_tol = 0.05;
	if (o->fixed_immediate <= 0)
		o->fixed_immediate = 0.95;
	if (o->unfixed_late <= 0)
		o->unfixed_late = 0.5;
}

void verdict_decide(const struct verdict_run *runs, size_t n, const struct verdict_opts *given,
		    struct verdict_result *res)
{
	struct verdict_opts o;
	char first_other[400] = "";
	unsigned total;

	set_defaults(&o, given);
	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < n; i++) {
		char line[400];
		enum run_class c = judge(&runs[i], &o, line, sizeof(line));

		append(res->evidence, sizeof(res->evidence), "%s\n", line);
		switch (c) {
		case RUN_FIXED: res->fixed_runs++; break;
		case RUN_UNFIXED: res->unfixed_runs++; break;
		case RUN_OTHER:
			if (!res->other_runs++)
				snprintf(first_other, sizeof(first_other), "%s", line);
			break;
		default: res->ignored_runs++; break;
		}
	}
	total = res->fixed_runs + res->unfixed_runs + res->other_runs;
	res->v = VERDICT_INCONCLUSIVE;
	if (!total)
		snprintf(res->reason, sizeof(res->reason), "no complete run of nested-spinlock (N >= 2), "
			 "masked-clock or seed-table with exit counts: nothing tells fixed from unfixed");
	else if (res->other_runs)
		snprintf(res->reason, sizeof(res->reason), "%u of %u runs match neither behaviour; first: %s",
			 res->other_runs, total, first_other);
	else if (res->fixed_runs && res->unfixed_runs)
		snprintf(res->reason, sizeof(res->reason), "runs disagree: %u look fixed, %u unfixed",
			 res->fixed_runs, res->unfixed_runs);
	else if (total < o.min_runs)
		snprintf(res->reason, sizeof(res->reason), "only %u distinguishing run%s, %u needed: run more",
			 total, total == 1 ? "" : "s", o.min_runs);
	else if (res->fixed_runs) {
		res->v = VERDICT_FIXED;
		snprintf(res->reason, sizeof(res->reason), "all %u runs exit on every CR8 write at "
			 "DISPATCH_LEVEL with an interrupt pending (2N-1 per nest) and deliver it at "
			 "the unmasking write", total);
	} else {
		res->v = VERDICT_UNFIXED;
		snprintf(res->reason, sizeof(res->reason), "all %u runs exit only on the first CR8 "
			 "write and deliver the pending interrupt late (the pre-596f3142 CR8 intercept "
			 "window)", total);
	}
}

/* --- records and stored runs -------------------------------------------- */

/* Complete, with the workload's own verdict ok: the only record that counts. */
static bool record_ok(json_t *rec)
{
	json_t *st = json_object_get(rec, "status");
	json_t *v = json_object_get(json_object_get(rec, "verdict"), "status");

	return json_is_string(st) && !strcmp(json_string_value(st), "complete") &&
	       json_is_string(v) && !strcmp(json_string_value(v), "ok");
}

bool verdict_fail_record(json_t *rec)
{
	json_t *st = json_object_get(rec, "status");
	const char *reason;
	char msg[512];

	if (!json_is_string(st) || strcmp(json_string_value(st), "complete") || record_ok(rec))
		return false;
	reason = json_string_value(json_object_get(json_object_get(rec, "verdict"), "reason"));
	snprintf(msg, sizeof(msg), "the workload's own check failed: %s",
		 reason && *reason ? reason : "the record has no verdict");
	json_object_set_new(rec, "status", json_string("failed"));
	json_object_set_new(rec, "error", json_pack("{s:s, s:s}", "kind", "verdict", "message", msg));
	return true;
}

void verdict_run_from_store(const struct run_info *run, const struct metric_set *m,
			    struct verdict_run *r)
{
	double imm = metric_get(m, "delivery.immediate"), late = metric_get(m, "delivery.late");
	int64_t depth = store_run_param(run, "depth", 0);

	memset(r, 0, sizeof(*r));
	r->id = run->id;
	r->workload = run->workload;
	r->depth = depth > 0 && depth <= UINT32_MAX ? (unsigned)depth : 0;
	r->failed = run->flagged;
	r->elide_same_level = store_run_param(run, "elide_same_level", 0) != 0;
	r->write_cr8_per_iter = metric_get(m, "exit.write_cr8/iter");
	r->has_delivery = !isnan(imm) && !isnan(late);
	r->immediate = r->has_delivery ? (uint64_t)imm : 0;
	r->late = r->has_delivery ? (uint64_t)late : 0;
}
