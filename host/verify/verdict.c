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
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "record/metrics.h"
#include "store/store.h"
#include "suite/run_values.h"
#include "suite/suite.h"
#include "verify/verdict.h"

enum run_class { RUN_IGNORED, RUN_FIXED, RUN_UNFIXED, RUN_OTHER };

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_FIXED: return "FIXED";
	case VERDICT_UNFIXED: return "UNFIXED";
	case VERDICT_ON_TIME: return "ON-TIME";
	case VERDICT_LATE: return "LATE";
	default: return "INCONCLUSIVE";
	}
}

int verdict_exit_status(enum verdict v)
{
	return v == VERDICT_FIXED || v == VERDICT_ON_TIME ? EXIT_OK :
	       v == VERDICT_UNFIXED || v == VERDICT_LATE ? EXIT_UNFIXED : EXIT_INCONCLUSIVE;
}

enum verdict verdict_expected(const char *backend, const char *variant, const char *policy)
{
	enum kp_policy p = policy ? kp_policy_find(policy) : KP_NPOLICY;

	if (backend && !strcmp(backend, "guest"))
		return VERDICT_ON_TIME;
	if (variant && !strcmp(variant, "unfixed"))
		return VERDICT_UNFIXED;
	if (p < KP_NPOLICY && !strcmp(suite_family(p), suite_family(KP_UNFIXED)))
		return VERDICT_UNFIXED;
	return VERDICT_FIXED;
}

void verdict_appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* "ID W k=v ... [entry]": the run, the parameters its entry sets (or,
 * without one, those that are not the catalog's defaults, the runner's
 * iterations and warmup left out) and the entry of the suites file it is. */
void verdict_run_describe(const struct verdict_run *r, const struct suite *s, char *line, size_t len)
{
	const struct suite_entry *e = s && r->vals.w ? suite_entry_of(s, &r->vals) : NULL;
	const struct wl_values *v = &r->vals;

	snprintf(line, len, "%s %s", r->id ? r->id : "(run)", r->workload ? r->workload : "?");
	if (e) {
		char *params = suite_entry_params(e);

		verdict_appendf(line, len, "%s%s [%s]", *params ? " " : "", params, e->name);
		free(params);
		return;
	}
	for (unsigned i = 0; v->w && i < v->n; i++)
		if (v->v[i] != v->p[i]->def && !suite_runner_param(v->p[i]->name))
			verdict_appendf(line, len, " %s=%llu", v->p[i]->name, (unsigned long long)v->v[i]);
}

/* The suites file as the reason and the evidence name it. */
static const char *file_name(const struct verdict_opts *o)
{
	return o->suite_name ? o->suite_name : o->suite ? o->suite->path : "the suites file";
}

static bool has_entry(const struct suite *s, const struct wl_info *w)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->e[i].w == w)
			return true;
	return false;
}

/*
 * What the run must give on a fixed and on an unfixed kernel, from the
 * suites file: the families' expectations, or the run's own policy's where
 * it belongs to one of the two (a model run of prefix is judged against
 * exits.prefix).  *pf, *pu: whose they are.  RUN_FIXED (usable), RUN_OTHER
 * (no expectation can be had: why says so) or RUN_IGNORED (the two are the
 * same here: the run cannot tell).
 */
static enum run_class expectations(const struct verdict_run *r, const struct verdict_opts *o,
				   struct suite_expect *fx, struct suite_expect *ux,
				   enum kp_policy *pf, enum kp_policy *pu, char *why, size_t len)
{
	enum kp_policy own = r->policy ? kp_policy_find(r->policy) : KP_NPOLICY;
	const struct suite *s = o->suite;
	const char *file = file_name(o);
	char err[512];

	*pf = KP_FIXED;
	*pu = KP_UNFIXED;
	if (!s) {
		snprintf(why, len, "no suites file was read: nothing says what it must give");
		return RUN_OTHER;
	}
	if (!r->vals.w) {
		snprintf(why, len, "%s", r->vals_err);
		return RUN_OTHER;
	}
	if (!has_entry(s, r->vals.w)) {
		snprintf(why, len, "%s has no entry of %s: add one with exits.fixed and "
			 "exits.unfixed, or leave the run out", file, r->vals.w->name);
		return RUN_OTHER;
	}
	if (own < KP_NPOLICY && !strcmp(suite_family(own), suite_family(KP_FIXED)))
		*pf = own;
	if (own < KP_NPOLICY && !strcmp(suite_family(own), suite_family(KP_UNFIXED)))
		*pu = own;
	if (suite_expect(s, &r->vals, *pf, fx, err, sizeof(err)) ||
	    suite_expect(s, &r->vals, *pu, ux, err, sizeof(err))) {
		snprintf(why, len, "%s", err);
		return RUN_OTHER;
	}
	if (!suite_distinguishes(s, &r->vals) || fx->exits < 0 || ux->exits < 0 ||
	    (fx->exits == ux->exits && fx->late == ux->late)) {
		if (fx->exits < 0 || ux->exits < 0)
			snprintf(why, len, "%s gives no exits.%s or exits.%s for it: it does not tell "
				 "fixed from unfixed", file, suite_family(*pf), suite_family(*pu));
		else
			snprintf(why, len, "%s: %s and %s both give %lld CR8 exits/iteration, "
				 "delivery %s", file, kp_policy_name(*pf), kp_policy_name(*pu),
				 (long long)fx->exits, fx->delivery ? fx->delivery : "not given");
		return RUN_IGNORED;
	}
	return RUN_FIXED;
}

/* Does an immediate share fit the expected delivery?  No expectation fits. */
static bool delivery_fits(const struct suite_expect *x, double share, const struct verdict_opts *o)
{
	int64_t unmask = x->immediate + x->late;

	if (!x->delivery || unmask <= 0)
		return true;
	if (!x->late)
		return share >= o->fixed_immediate;
	if (!x->immediate)
		return 1 - share > o->unfixed_late;
	return fabs(share - (double)x->immediate / (double)unmask) <= 1 - o->fixed_immediate;
}

/* "fixed", "unfixed", "either" (both fit) or NULL (neither). */
static const char *side(bool f, bool u)
{
	return f && u ? "either" : f ? "fixed" : u ? "unfixed" : NULL;
}

static enum run_class judge(const struct verdict_run *r, const struct verdict_opts *o,
			    char *line, size_t len)
{
	struct suite_expect fx, ux;
	enum kp_policy pf, pu;
	double e = r->write_cr8_per_iter, share = NAN;
	const char *ex, *dl, *says;
	char why[600];
	enum run_class c;

	verdict_run_describe(r, o->suite, line, len);
	if (r->failed) {
		verdict_appendf(line, len, ": failed run, ignored");
		return RUN_IGNORED;
	}
	c = expectations(r, o, &fx, &ux, &pf, &pu, why, sizeof(why));
	if (c != RUN_FIXED) {
		verdict_appendf(line, len, c == RUN_IGNORED ? ": ignored (%s)" : ": no expectation (%s) -> other",
		       why);
		return c;
	}
	if (isnan(e)) {
		verdict_appendf(line, len, ": no exit counts (tcg or guest backend? --backend guest judges what the guest observed), ignored");
		return RUN_IGNORED;
	}
	ex = side(fabs(e - (double)fx.exits) <= o->exit_tol, fabs(e - (double)ux.exits) <= o->exit_tol);
	verdict_appendf(line, len, ": %.2f write_cr8 exits/iteration (%s %lld, %s %lld)", e,
	       kp_policy_name(pf), (long long)fx.exits, kp_policy_name(pu), (long long)ux.exits);
	dl = NULL;
	if (r->has_delivery && r->immediate + r->late > 0) {
		share = (double)r->immediate / (double)(r->immediate + r->late);
		dl = side(delivery_fits(&fx, share, o), delivery_fits(&ux, share, o));
		dl = dl ? dl : "neither";
		verdict_appendf(line, len, ", %.1f%% delivered immediately (%llu of %llu)", share * 100,
		       (unsigned long long)r->immediate,
		       (unsigned long long)(r->immediate + r->late));
	} else {
		verdict_appendf(line, len, ", no delivery counts");
	}
	if (!ex) {
		verdict_appendf(line, len, " -> neither%s", e < 0.5 ? " (0 CR8-write exits: CR8 writes do "
		       "not exit here, as with a TPR shadow, APICv or AVIC)" : "");
		return RUN_OTHER;
	}
	/* the exits and the delivery must agree; where one fits both, the other decides */
	says = !dl || !strcmp(dl, "either") ? ex : !strcmp(ex, "either") ? dl :
	       !strcmp(ex, dl) ? ex : NULL;
	if (!says || !strcmp(says, "neither")) {
		verdict_appendf(line, len, " -> exits say %s, delivery says %s", ex, dl);
		return RUN_OTHER;
	}
	if (!strcmp(says, "either")) {
		verdict_appendf(line, len, " -> fits fixed and unfixed alike, ignored");
		return RUN_IGNORED;
	}
	verdict_appendf(line, len, " -> %s", says);
	return !strcmp(says, "fixed") ? RUN_FIXED : RUN_UNFIXED;
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

const char *verdict_run_judge(const struct verdict_run *r, const struct verdict_opts *given,
			      char *line, size_t len)
{
	static const char *const names[] = {
		[RUN_IGNORED] = "ignored", [RUN_FIXED] = "fixed", [RUN_UNFIXED] = "unfixed",
		[RUN_OTHER] = "other",
	};
	struct verdict_opts o;

	set_defaults(&o, given);
	return names[judge(r, &o, line, len)];
}

void verdict_decide(const struct verdict_run *runs, size_t n, const struct verdict_opts *given,
		    struct verdict_result *res)
{
	struct verdict_opts o;
	char first_other[640] = "";
	const char *file;
	unsigned total;

	set_defaults(&o, given);
	file = file_name(&o);
	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < n; i++) {
		char line[640];
		enum run_class c = judge(&runs[i], &o, line, sizeof(line));

		verdict_appendf(res->evidence, sizeof(res->evidence), "%s\n", line);
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
		snprintf(res->reason, sizeof(res->reason), "no complete run with exit counts whose "
			 "expectations in %s differ between fixed and unfixed: nothing tells fixed "
			 "from unfixed (verify runs the entries of 'irqlbench list --suites --group "
			 "verify')", file);
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
			 "DISPATCH_LEVEL with an interrupt pending and deliver it at the unmasking "
			 "write (exits.fixed, late.fixed of %s)", total, file);
	} else {
		res->v = VERDICT_UNFIXED;
		snprintf(res->reason, sizeof(res->reason), "all %u runs exit only on the first CR8 "
			 "write and deliver the pending interrupt late (the pre-596f3142 CR8 intercept "
			 "window: exits.unfixed, late.unfixed of %s)", total, file);
	}
}

/* --- one setup ------------------------------------------------------------ */

const char *verdict_setup_name(enum verdict_setup_field f)
{
	static const char *const names[SETUP_NFIELDS] = {
		[SETUP_BACKEND] = "backend", [SETUP_POLICY] = "policy", [SETUP_VARIANT] = "variant",
		[SETUP_KERNEL] = "kernel", [SETUP_KERNEL_VERSION] = "kernel", [SETUP_HOST] = "host",
		[SETUP_HYPERVISOR] = "hypervisor",
	};

	return (unsigned)f < SETUP_NFIELDS ? names[f] : "?";
}

static bool same_value(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

int verdict_setup_split(const struct verdict_setup *runs, size_t n, size_t *a, size_t *b)
{
	for (int f = 0; f < SETUP_NFIELDS; f++)
		for (size_t i = 1; i < n; i++)
			if (!same_value(runs[0].v[f], runs[i].v[f])) {
				*a = 0;
				*b = i;
				return f;
			}
	return -1;
}

void verdict_setup_describe(const struct verdict_setup *runs, int field, size_t a, size_t b,
			    char *buf, size_t len)
{
	const char *x = runs[a].v[field], *y = runs[b].v[field];

	snprintf(buf, len, "runs of more than one %s: %s (%s) and %s (%s)", verdict_setup_name(field),
		 runs[a].id ? runs[a].id : "?", x ? x : "none", runs[b].id ? runs[b].id : "?",
		 y ? y : "none");
}

/* --- records and stored runs -------------------------------------------- */

void verdict_run_from_store(const struct run_info *run, const struct metric_set *m,
			    struct verdict_run *r)
{
	double imm = metric_get(m, "delivery.immediate"), late = metric_get(m, "delivery.late");
	enum kp_policy p = suite_run_policy(run);

	memset(r, 0, sizeof(*r));
	r->id = run->id;
	r->workload = run->workload;
	if (suite_run_values(run, &r->vals, r->vals_err, sizeof(r->vals_err)))
		r->vals.w = NULL;
	r->policy = p < KP_NPOLICY ? kp_policy_name(p) : NULL;
	r->failed = run->flagged;
	r->write_cr8_per_iter = metric_get(m, "exit.write_cr8/iter");
	r->has_delivery = !isnan(imm) && !isnan(late);
	r->immediate = r->has_delivery ? (uint64_t)imm : 0;
	r->late = r->has_delivery ? (uint64_t)late : 0;
}
