// SPDX-License-Identifier: MIT
/*
 * suite.c - workloads/suites.cfg: parse, check, evaluate (see suite.h).
 *
 * The file's format follows kvm-unit-tests' x86/unittests.cfg (a [section]
 * per test, `key = value` lines, `#` comments); the expectations as formulas
 * of the parameters follow LKP's job files, whose values are expanded per
 * parameter set.  The formula evaluator is a recursive-descent parser over
 * 64-bit integers that checks every operation for overflow and limits its
 * nesting: the file is data, never code.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "suite/suite.h"
#include "cli/util.h"

#define SUITE_MAX_LINE	4096
#define SUITE_MAX_NEST	32
#define SUITE_MAX_BYTES	(1u << 20)

static const char *const counter_names[STAT_NCOUNTERS] = {
#define X(n) #n,
	STAT_COUNTERS(X)
#undef X
};

/* --- policy families ------------------------------------------------------ */

/* Each policy's family, named after the policy that stands for it. */
static const enum kp_policy family_of[KP_NPOLICY] = {
	[KP_PREFIX] = KP_UNFIXED, [KP_FIXED] = KP_FIXED, [KP_L61] = KP_FIXED,
	[KP_L72] = KP_FIXED, [KP_UNFIXED] = KP_UNFIXED, [KP_VMX_TPR] = KP_VMX_TPR,
	[KP_APICV] = KP_APICV, [KP_AVIC] = KP_APICV, [KP_VMX_411] = KP_VMX_TPR,
	[KP_VMX_72] = KP_VMX_TPR, [KP_AVIC_617] = KP_APICV, [KP_AVIC_70] = KP_APICV,
};

const char *suite_family(enum kp_policy p)
{
	return (unsigned)p < KP_NPOLICY ? kp_policy_name(family_of[p]) : "?";
}

/* The lab's builds against the model: tests/integration/lab-crosscheck.sh
 * asserts these equalities on real kvm_amd. */
enum kp_policy suite_variant_policy(const char *variant)
{
	if (!strcmp(variant, "fixed"))
		return KP_L61;
	if (!strcmp(variant, "unfixed"))
		return KP_UNFIXED;
	return KP_NPOLICY;
}

static const char *exit_reason(enum kp_policy p)
{
	return kp_exit_name(p, kp_cr8_exit(p));
}

/* --- messages ------------------------------------------------------------- */

/* "depth, iterations, dpc, clock_raises_irql, ..." */
static void param_names(const struct wl_info *w, char *buf, size_t len)
{
	const struct wl_param *lists[2] = { w->params, wl_common_params };
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned l = 0; l < 2; l++)
		for (const struct wl_param *p = lists[l]; p->name && used < len; p++)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 p->name);
}

/* --- the formula evaluator ------------------------------------------------ */

struct ev {
	const char *p;
	const struct wl_values *vals;
	char *err;
	size_t errlen;
	unsigned nest;
	bool failed;
};

static int ev_fail(struct ev *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ev_fail(struct ev *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->failed) {
		va_start(ap, fmt);
		util_verr(e->err, e->errlen, 0, fmt, ap);
		va_end(ap);
	}
	e->failed = true;
	return -1;
}

static void ev_ws(struct ev *e)
{
	while (*e->p == ' ' || *e->p == '\t')
		e->p++;
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int ev_cmp(struct ev *e, int64_t *v);

static int ev_name(struct ev *e, int64_t *v)
{
	const char *start = e->p;
	char name[64], names[512];
	const struct wl_param *p;
	uint64_t u;
	size_t n;

	while (is_name_char(*e->p))
		e->p++;
	n = (size_t)(e->p - start);
	if (n >= sizeof(name))
		return ev_fail(e, "name '%.20s...' is too long", start);
	memcpy(name, start, n);
	name[n] = '\0';
	p = wl_find_param(e->vals->w, name);
	if (!p) {
		param_names(e->vals->w, names, sizeof(names));
		return ev_fail(e, "unknown name '%s': the parameters of %s are %s", name,
			       e->vals->w->name, names);
	}
	u = wl_get(e->vals, name);
	if (u > INT64_MAX)
		return ev_fail(e, "%s=%llu is too large for a formula", name, (unsigned long long)u);
	*v = (int64_t)u;
	return 0;
}

static int ev_primary(struct ev *e, int64_t *v)
{
	ev_ws(e);
	if (*e->p == '(') {
		if (++e->nest > SUITE_MAX_NEST)
			return ev_fail(e, "parentheses nested deeper than %d", SUITE_MAX_NEST);
		e->p++;
		if (ev_cmp(e, v))
			return -1;
		ev_ws(e);
		if (*e->p != ')')
			return ev_fail(e, "missing ')' %s%.20s%s", *e->p ? "before '" : "at the end",
				       e->p, *e->p ? "'" : "");
		e->p++;
		e->nest--;
		return 0;
	}
	if (*e->p >= '0' && *e->p <= '9') {
		int64_t n = 0;

		for (; *e->p >= '0' && *e->p <= '9'; e->p++)
			if (__builtin_mul_overflow(n, 10, &n) ||
			    __builtin_add_overflow(n, *e->p - '0', &n))
				return ev_fail(e, "number too large (at most %lld)", (long long)INT64_MAX);
		if (is_name_char(*e->p))
			return ev_fail(e, "'%.20s' is neither a number nor a name: write 2*depth, not 2depth",
				       e->p - 1);
		*v = n;
		return 0;
	}
	if (is_name_start(*e->p))
		return ev_name(e, v);
	if (!*e->p)
		return ev_fail(e, "the formula ends where a number, a parameter or '(' should come");
	return ev_fail(e, "unexpected '%c': a formula has integers, parameters, + - * / "
		       "< <= > >= == != and parentheses", *e->p);
}

static int ev_unary(struct ev *e, int64_t *v)
{
	ev_ws(e);
	if (*e->p == '-') {
		if (++e->nest > SUITE_MAX_NEST)
			return ev_fail(e, "more than %d signs in a row", SUITE_MAX_NEST);
		e->p++;
		if (ev_unary(e, v))
			return -1;
		e->nest--;
		if (*v == INT64_MIN)
			return ev_fail(e, "the result overflows");
		*v = -*v;
		return 0;
	}
	return ev_primary(e, v);
}

/* The binary operators, loosest first: comparisons, + -, * /.  An operator
 * is its text; a one-letter code names it in apply(). */
static const struct {
	const char *text;
	char code;
	int level;
} binops[] = {
	{ "<=", 'l', 0 }, { ">=", 'g', 0 }, { "==", '=', 0 }, { "!=", '!', 0 },
	{ "<", '<', 0 }, { ">", '>', 0 },
	{ "+", '+', 1 }, { "-", '-', 1 },
	{ "*", '*', 2 }, { "/", '/', 2 },
};
#define EV_LEVELS 3

static int apply(struct ev *e, char op, int64_t *v, int64_t r)
{
	bool ovf = false;

	switch (op) {
	case '+': ovf = __builtin_add_overflow(*v, r, v); break;
	case '-': ovf = __builtin_sub_overflow(*v, r, v); break;
	case '*': ovf = __builtin_mul_overflow(*v, r, v); break;
	case '/':
		if (!r)
			return ev_fail(e, "division by zero");
		ovf = *v == INT64_MIN && r == -1;
		if (!ovf)
			*v /= r;
		break;
	case '<': *v = *v < r; break;
	case 'l': *v = *v <= r; break;
	case '>': *v = *v > r; break;
	case 'g': *v = *v >= r; break;
	case '=': *v = *v == r; break;
	default: *v = *v != r; break;
	}
	return ovf ? ev_fail(e, "the result overflows") : 0;
}

/* Left-associative operators of one level and tighter. */
static int ev_binary(struct ev *e, int level, int64_t *v)
{
	int64_t r;

	if (level == EV_LEVELS)
		return ev_unary(e, v);
	if (ev_binary(e, level + 1, v))
		return -1;
	for (;;) {
		unsigned i, n = sizeof(binops) / sizeof(binops[0]);

		ev_ws(e);
		for (i = 0; i < n; i++)
			if (!strncmp(e->p, binops[i].text, strlen(binops[i].text)))
				break;
		if (i == n && (*e->p == '=' || *e->p == '!'))
			return ev_fail(e, "'%c' alone is no operator: compare with == or !=", *e->p);
		if (i == n || binops[i].level != level)
			return 0;
		e->p += strlen(binops[i].text);
		if (ev_binary(e, level + 1, &r) || apply(e, binops[i].code, v, r))
			return -1;
	}
}

static int ev_cmp(struct ev *e, int64_t *v)
{
	return ev_binary(e, 0, v);
}

int suite_eval(const char *expr, const struct wl_values *vals, int64_t *out,
	       char *err, size_t errlen)
{
	struct ev e = { .p = expr, .vals = vals, .err = err, .errlen = errlen };
	int64_t v;

	ev_ws(&e);
	if (!*e.p)
		return ev_fail(&e, "empty formula: give an integer formula of the parameters");
	if (ev_cmp(&e, &v))
		return -1;
	ev_ws(&e);
	if (*e.p == ')')
		return ev_fail(&e, "')' without its '('");
	if (*e.p)
		return ev_fail(&e, "unexpected '%.20s' after a complete formula", e.p);
	*out = v;
	return 0;
}

/* --- values ------------------------------------------------------------------ */

static const char *next_token(const char *p, const char **end)
{
	while (*p == ' ' || *p == '\t')
		p++;
	*end = p;
	while (**end && **end != ' ' && **end != '\t')
		(*end)++;
	return p;
}

/* Sets "k=v k=v ..." (one token each) in vals; given[] marks them. */
static int set_params(struct wl_values *vals, bool *given, const char *text,
		      bool skip_workload, char *err, size_t errlen)
{
	const char *t, *end, *eq;

	for (t = next_token(text, &end); t != end; t = next_token(end, &end)) {
		eq = memchr(t, '=', (size_t)(end - t));
		if (!eq || eq == t) {
			util_err(err, errlen, 0, "'%.*s' is not NAME=VALUE", (int)(end - t), t);
			return -1;
		}
		if (skip_workload && eq - t == 8 && !strncmp(t, "workload", 8))
			continue;
		for (unsigned i = 0; given && i < vals->n; i++) {
			if (strlen(vals->p[i]->name) != (size_t)(eq - t) ||
			    strncmp(vals->p[i]->name, t, (size_t)(eq - t)))
				continue;
			if (given[i]) {
				util_err(err, errlen, 0, "parameter %s is given twice", vals->p[i]->name);
				return -1;
			}
			given[i] = true;
		}
		if (wl_values_set(vals, t, (size_t)(eq - t), eq + 1, (size_t)(end - eq - 1), err,
				  errlen))
			return -1;
	}
	return 0;
}

int suite_values_from_cmdline(const char *cmdline, struct wl_values *vals,
			      char *err, size_t errlen)
{
	const char *t, *end;
	const struct wl_info *w = NULL;
	char name[64];

	for (t = next_token(cmdline, &end); t != end; t = next_token(end, &end))
		if (end - t > 9 && !strncmp(t, "workload=", 9)) {
			snprintf(name, sizeof(name), "%.*s", (int)(end - t - 9), t + 9);
			w = wl_find(name);
			if (!w) {
				util_err(err, errlen, 0, "unknown workload '%s': see 'irqlbench list'", name);
				return -1;
			}
		}
	if (!w) {
		util_err(err, errlen, 0, "'%s' names no workload: give workload=W", cmdline);
		return -1;
	}
	wl_values_init(vals, w);
	return set_params(vals, NULL, cmdline, true, err, errlen);
}

/* --- expectations -------------------------------------------------------- */

static const struct suite_entry *first_of(const struct suite *s, const struct wl_info *w)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->e[i].w == w)
			return s->e[i].expect_from;
	return NULL;
}

const char *suite_counter_name(unsigned i)
{
	return i < STAT_NCOUNTERS ? counter_names[i] : "?";
}

/* The key a counter has in the file: the CR8 kinds without "cr8_". */
const char *suite_counter_key(unsigned i)
{
	const char *n = suite_counter_name(i);

	return !strncmp(n, "cr8_", 4) ? n + 4 : n;
}

static int eval_formula(const struct suite *s, const char *key, const struct suite_formula *f,
			const struct wl_values *vals, int64_t *v, char *err, size_t errlen)
{
	char why[600];

	if (suite_eval(f->text, vals, v, why, sizeof(why))) {
		util_err(err, errlen, 0, "%s:%u: %s = %s: %s", s->path, f->line, key, f->text, why);
		return -1;
	}
	if (*v < 0) {
		util_err(err, errlen, 0, "%s:%u: %s = %s gives %lld: a count cannot be negative",
		    s->path, f->line, key, f->text, (long long)*v);
		return -1;
	}
	return 0;
}

static int expect_from(const struct suite *s, const struct suite_entry *fe,
		       const struct wl_values *vals, enum kp_policy p, struct suite_expect *x,
		       char *err, size_t errlen)
{
	const struct suite_formula *f;
	const int64_t *c = x->count;
	char key[48];

	for (unsigned i = 0; i < STAT_NCOUNTERS; i++)
		if (fe->count[i].text &&
		    eval_formula(s, suite_counter_key(i), &fe->count[i], vals, &x->count[i], err, errlen))
			return -1;
	if (c[STAT_cr8_raise] >= 0 && c[STAT_cr8_same] >= 0 && c[STAT_cr8_lower] >= 0 &&
	    c[STAT_cr8_lower_unmask] >= 0)
		x->count[STAT_cr8_writes] = c[STAT_cr8_raise] + c[STAT_cr8_same] +
					    c[STAT_cr8_lower] + c[STAT_cr8_lower_unmask];

	f = fe->exits[p].text ? &fe->exits[p] : &fe->exits[family_of[p]];
	snprintf(key, sizeof(key), "exits.%s", kp_policy_name(fe->exits[p].text ? p : family_of[p]));
	if (f->text && eval_formula(s, key, f, vals, &x->exits, err, errlen))
		return -1;
	f = fe->late[p].text ? &fe->late[p] : &fe->late[family_of[p]];
	snprintf(key, sizeof(key), "late.%s", kp_policy_name(fe->late[p].text ? p : family_of[p]));
	if (f->text && eval_formula(s, key, f, vals, &x->late, err, errlen))
		return -1;
	if (x->late >= 0 && c[STAT_cr8_lower_unmask] >= 0) {
		if (x->late > c[STAT_cr8_lower_unmask]) {
			util_err(err, errlen, 0, "%s:%u: %s = %s gives %lld late deliveries per iteration, more "
			    "than the %lld unmasking writes (lower_unmask)", s->path, f->line, key,
			    f->text, (long long)x->late, (long long)c[STAT_cr8_lower_unmask]);
			return -1;
		}
		x->immediate = c[STAT_cr8_lower_unmask] - x->late;
		if (c[STAT_cr8_lower_unmask])
			x->delivery = !x->late ? "immediate" : !x->immediate ? "late" : "some late";
	}
	return 0;
}

int suite_expect(const struct suite *s, const struct wl_values *vals, enum kp_policy p,
		 struct suite_expect *x, char *err, size_t errlen)
{
	const struct suite_entry *fe = first_of(s, vals->w);

	for (unsigned i = 0; i < STAT_NCOUNTERS; i++)
		x->count[i] = -1;
	x->exits = x->late = x->immediate = -1;
	x->delivery = NULL;
	if ((unsigned)p >= KP_NPOLICY) {
		util_err(err, errlen, 0, "no such policy");
		return -1;
	}
	x->family = suite_family(p);
	x->exit_reason = exit_reason(p);
	return fe ? expect_from(s, fe, vals, p, x, err, errlen) : 0;
}

int suite_expect_entry(const struct suite *s, const struct suite_entry *e, enum kp_policy p,
		       struct suite_expect *x, char *err, size_t errlen)
{
	return suite_expect(s, &e->vals, p, x, err, errlen);
}

bool suite_distinguishes(const struct suite *s, const struct wl_values *vals)
{
	struct suite_expect f, u;

	if (suite_expect(s, vals, KP_FIXED, &f, NULL, 0) ||
	    suite_expect(s, vals, KP_UNFIXED, &u, NULL, 0) || f.exits < 0 || u.exits < 0)
		return false;
	return f.exits != u.exits || (f.late >= 0 && u.late >= 0 && f.late != u.late);
}

/* --- the file ------------------------------------------------------------- */

enum { K_WORKLOAD, K_PARAMS, K_GROUPS, K_VCPUS, K_CLOCK, K_N };
static const char *const plain_keys[K_N] = { "workload", "params", "groups", "vcpus", "clock" };

struct parse {
	struct suite *s;
	char *err;
	size_t errlen;
	unsigned cap;
	unsigned *first;		/* per entry: its workload's first entry */
	/* the entry being read */
	struct suite_entry *cur;
	char *raw[K_N];
	unsigned raw_line[K_N];
	unsigned first_formula_line;	/* 0: the entry gives no formula */
	char first_formula_key[48];
};

static int perr(struct parse *ps, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(struct parse *ps, unsigned line, const char *fmt, ...)
{
	char m[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	util_err(ps->err, ps->errlen, 0, "%s:%u: %s", ps->s->path, line, m);
	return -1;
}

static bool word_ok(const char *w, size_t n, bool dots)
{
	if (!n || !((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z') ||
		    (w[0] >= '0' && w[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_name_char(w[i]) && w[i] != '-' && !(dots && w[i] == '.'))
			return false;
	return true;
}

static void entry_free(struct suite_entry *e)
{
	free(e->name);
	for (unsigned g = 0; g < e->ngroups; g++)
		free(e->groups[g]);
	for (unsigned i = 0; i < STAT_NCOUNTERS; i++)
		free(e->count[i].text);
	for (unsigned p = 0; p < KP_NPOLICY; p++) {
		free(e->exits[p].text);
		free(e->late[p].text);
	}
}

static void raw_reset(struct parse *ps)
{
	for (unsigned k = 0; k < K_N; k++) {
		free(ps->raw[k]);
		ps->raw[k] = NULL;
		ps->raw_line[k] = 0;
	}
	ps->first_formula_line = 0;
}

static int finish_groups(struct parse *ps, struct suite_entry *e)
{
	const char *t, *end;
	unsigned line = ps->raw_line[K_GROUPS];

	for (t = next_token(ps->raw[K_GROUPS], &end); t != end; t = next_token(end, &end)) {
		size_t n = (size_t)(end - t);

		if (!word_ok(t, n, false))
			return perr(ps, line, "bad group name '%.*s': use letters, digits, '-' and '_'",
				    (int)n, t);
		for (unsigned g = 0; g < e->ngroups; g++)
			if (strlen(e->groups[g]) == n && !strncmp(e->groups[g], t, n))
				return perr(ps, line, "group '%.*s' is named twice", (int)n, t);
		if (e->ngroups == SUITE_MAX_GROUPS)
			return perr(ps, line, "more than %d groups", SUITE_MAX_GROUPS);
		e->groups[e->ngroups++] = xasprintf("%.*s", (int)n, t);
	}
	return 0;
}

static int finish_requirements(struct parse *ps, struct suite_entry *e)
{
	const struct wl_param *ipi = NULL;
	static const char *const clocks[] = { "none", "timer", "ipi" };
	const char *c = ps->raw[K_CLOCK];
	char *end;
	unsigned long v;

	e->vcpus = 1;
	if (ps->raw[K_VCPUS]) {
		errno = 0;
		v = strtoul(ps->raw[K_VCPUS], &end, 10);
		if (errno || *end || end == ps->raw[K_VCPUS] || v < 1 || v > SUITE_MAX_VCPUS)
			return perr(ps, ps->raw_line[K_VCPUS], "vcpus = %s: give a number of vCPUs, "
				    "1..%d", ps->raw[K_VCPUS], SUITE_MAX_VCPUS);
		e->vcpus = (unsigned)v;
	}
	e->clock = SUITE_CLOCK_NONE;
	if (c) {
		unsigned k;

		for (k = 0; k < 3 && strcmp(c, clocks[k]); k++)
			;
		if (k == 3)
			return perr(ps, ps->raw_line[K_CLOCK], "clock = %s: give timer (the LAPIC "
				    "timer), ipi (a self-IPI) or none", c);
		e->clock = (enum suite_clock)k;
	}
	/* the one workload parameter that chooses the clock must agree */
	ipi = wl_find_param(e->w, "clock_ipi");
	if (ipi) {
		enum suite_clock want = wl_get(&e->vals, "clock_ipi") ? SUITE_CLOCK_IPI :
									SUITE_CLOCK_TIMER;

		if (e->clock != want)
			return perr(ps, ps->raw_line[K_CLOCK] ? ps->raw_line[K_CLOCK] : e->line,
				    "clock = %s, but clock_ipi=%llu makes the clock %s: write clock = %s",
				    clocks[e->clock], (unsigned long long)wl_get(&e->vals, "clock_ipi"),
				    want == SUITE_CLOCK_IPI ? "a self-IPI" : "the LAPIC timer",
				    clocks[want]);
	}
	return 0;
}

/* The entry whose section ended: its workload, parameters, groups, ... */
static int finish_entry(struct parse *ps)
{
	struct suite_entry *e = ps->cur;
	const struct suite_entry *fe;
	char m[512];

	if (!e)
		return 0;
	ps->cur = NULL;
	if (!ps->raw[K_WORKLOAD])
		return perr(ps, e->line, "entry '%s' names no workload: add 'workload = W' "
			    "(the workloads: 'irqlbench list')", e->name);
	e->w = wl_find(ps->raw[K_WORKLOAD]);
	if (!e->w || e->w->test_only)
		return perr(ps, ps->raw_line[K_WORKLOAD], "unknown workload '%s': see 'irqlbench list'",
			    ps->raw[K_WORKLOAD]);
	if (e->w->needs_script)
		return perr(ps, ps->raw_line[K_WORKLOAD], "workload '%s' needs a scenario script, "
			    "which an entry cannot give: run scripts with 'irqlbench run --script'",
			    e->w->name);
	wl_values_init(&e->vals, e->w);
	if (ps->raw[K_PARAMS] &&
	    set_params(&e->vals, e->given, ps->raw[K_PARAMS], false, m, sizeof(m)))
		return perr(ps, ps->raw_line[K_PARAMS], "%s", m);
	if (ps->raw[K_GROUPS] && finish_groups(ps, e))
		return -1;
	if (finish_requirements(ps, e))
		return -1;
	fe = NULL;
	for (unsigned i = 0; i + 1 < ps->s->n && !fe; i++)
		if (ps->s->e[i].w == e->w)
			fe = &ps->s->e[i];
	if (fe && ps->first_formula_line)
		return perr(ps, ps->first_formula_line, "entry '%s' gives '%s', but the expectations "
			    "of %s are those of its first entry '%s' (line %u): give them there, once",
			    e->name, ps->first_formula_key, e->w->name, fe->name, fe->line);
	/* the array still moves: an index until suite_parse sets the pointers */
	ps->first[e - ps->s->e] = (unsigned)(fe ? fe - ps->s->e : e - ps->s->e);
	raw_reset(ps);
	return 0;
}

static int start_entry(struct parse *ps, char *line, unsigned ln)
{
	char *close = strchr(line, ']');
	size_t n;

	if (finish_entry(ps))
		return -1;
	if (!close || close[1])
		return perr(ps, ln, "'%s' is no section header: write an entry as [name] on a line of "
			    "its own", line);
	*close = '\0';
	n = strlen(line + 1);
	if (!word_ok(line + 1, n, true) || n > 64)
		return perr(ps, ln, "bad entry name '%s': use up to 64 letters, digits, '-', '_' and "
			    "'.'", line + 1);
	for (unsigned i = 0; i < ps->s->n; i++)
		if (!strcmp(ps->s->e[i].name, line + 1))
			return perr(ps, ln, "entry '%s' again (first at line %u): give each entry a "
				    "name of its own", line + 1, ps->s->e[i].line);
	if (ps->s->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 16;
		ps->s->e = xrealloc(ps->s->e, ps->cap * sizeof(*ps->s->e));
		ps->first = xrealloc(ps->first, ps->cap * sizeof(*ps->first));
	}
	ps->cur = &ps->s->e[ps->s->n++];
	memset(ps->cur, 0, sizeof(*ps->cur));
	ps->cur->name = xstrdup(line + 1);
	ps->cur->line = ln;
	return 0;
}

static int unknown_key(struct parse *ps, unsigned ln, const char *key)
{
	return perr(ps, ln, "unknown key '%s' in entry '%s': the keys are workload, params, groups, "
		    "vcpus, clock; the counters raise, same, lower_unmask, lower, elided and the "
		    "others of guestos/include/stats.h; exits.P and late.P for a policy family "
		    "(fixed, unfixed, vmx-tpr, apicv) or policy (prefix, l61, l72, avic)",
		    key, ps->cur->name);
}

/* The slot of a formula key, or NULL (with the message) if there is none. */
static struct suite_formula *formula_slot(struct parse *ps, unsigned ln, const char *key)
{
	struct suite_entry *e = ps->cur;
	enum kp_policy p;

	if (!strncmp(key, "exits.", 6) || !strncmp(key, "late.", 5)) {
		const char *pol = strchr(key, '.') + 1;

		p = kp_policy_find(pol);
		if (p == KP_NPOLICY) {
			perr(ps, ln, "unknown policy '%s' in '%s': give a family (fixed, unfixed, "
			     "vmx-tpr, apicv) or a policy (prefix, l61, l72, avic)", pol, key);
			return NULL;
		}
		return key[0] == 'e' ? &e->exits[p] : &e->late[p];
	}
	for (unsigned i = 0; i < STAT_NCOUNTERS; i++) {
		if (strcmp(key, suite_counter_key(i)))
			continue;
		if (i == STAT_cr8_writes || i == STAT_late_deliveries || i == STAT_iterations) {
			perr(ps, ln, "'%s' cannot be given: %s", key,
			     i == STAT_cr8_writes ? "it is the sum of raise, same, lower_unmask and lower" :
			     i == STAT_late_deliveries ? "give late.P per policy family" :
			     "it is 1 per iteration by definition");
			return NULL;
		}
		return &e->count[i];
	}
	unknown_key(ps, ln, key);
	return NULL;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int key_line(struct parse *ps, char *line, unsigned ln)
{
	char *eq = strchr(line, '='), *key, *val;
	struct suite_formula *f;

	if (!eq)
		return perr(ps, ln, "'%s' is not 'key = value'", line);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!ps->cur)
		return perr(ps, ln, "'%s = %s' comes before any entry: start an entry with [name]",
			    key, val);
	if (!*key)
		return perr(ps, ln, "'= %s' has no key", val);
	for (unsigned k = 0; k < K_N; k++) {
		if (strcmp(key, plain_keys[k]))
			continue;
		if (ps->raw[k])
			return perr(ps, ln, "'%s' again in entry '%s' (first at line %u): give it once",
				    key, ps->cur->name, ps->raw_line[k]);
		if (!*val && k != K_PARAMS && k != K_GROUPS)
			return perr(ps, ln, "'%s' has no value", key);
		ps->raw[k] = xstrdup(val);
		ps->raw_line[k] = ln;
		return 0;
	}
	f = formula_slot(ps, ln, key);
	if (!f)
		return -1;
	if (f->text)
		return perr(ps, ln, "'%s' again in entry '%s' (first at line %u): give it once",
			    key, ps->cur->name, f->line);
	if (!*val)
		return perr(ps, ln, "'%s' has no formula: give an integer formula of the parameters",
			    key);
	f->text = xstrdup(val);
	f->line = ln;
	if (!ps->first_formula_line) {
		ps->first_formula_line = ln;
		snprintf(ps->first_formula_key, sizeof(ps->first_formula_key), "%s", key);
	}
	return 0;
}

/* Every formula, for every entry under every policy: errors before any use. */
static int check_all(struct suite *s, char *err, size_t errlen)
{
	struct suite_expect x;
	char m[1024];

	for (unsigned i = 0; i < s->n; i++)
		for (enum kp_policy p = 0; p < KP_NPOLICY; p++)
			if (suite_expect_entry(s, &s->e[i], p, &x, m, sizeof(m))) {
				util_err(err, errlen, 0, "%s (entry '%s')", m, s->e[i].name);
				return -1;
			}
	return 0;
}

struct suite *suite_parse(const char *name, const char *text, char *err, size_t errlen)
{
	struct parse ps = { .err = err, .errlen = errlen };
	const char *p = text, *nl;
	char line[SUITE_MAX_LINE + 2];
	unsigned ln = 0;
	int rc = 0;

	ps.s = xmalloc(sizeof(*ps.s));
	memset(ps.s, 0, sizeof(*ps.s));
	ps.s->path = xstrdup(name);
	for (; *p && !rc; p = *nl ? nl + 1 : nl) {
		char *l, *hash;
		size_t n;

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		n = (size_t)(nl - p);
		ln++;
		if (n > SUITE_MAX_LINE) {
			rc = perr(&ps, ln, "line longer than %d characters: split the entry's "
				  "values", SUITE_MAX_LINE);
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		l = trim(line);
		if (!*l)
			continue;
		rc = l[0] == '[' ? start_entry(&ps, l, ln) : key_line(&ps, l, ln);
	}
	if (!rc)
		rc = finish_entry(&ps);
	raw_reset(&ps);
	if (!rc && !ps.s->n)
		rc = perr(&ps, ln ? ln : 1, "no entry: a suites file has one [name] section per entry");
	for (unsigned i = 0; i < ps.s->n && !rc; i++)
		ps.s->e[i].expect_from = &ps.s->e[ps.first[i]];
	free(ps.first);
	if (!rc)
		rc = check_all(ps.s, err, errlen);
	if (rc) {
		suite_free(ps.s);
		return NULL;
	}
	return ps.s;
}

struct suite *suite_load(const char *path, int *status, char *err, size_t errlen)
{
	size_t len;
	char *text = util_read_file(path, SUITE_MAX_BYTES, &len);
	struct suite *s;

	*status = EXIT_OK;
	if (!text) {
		*status = EXIT_ENV;
		util_err(err, errlen, 0, "cannot read the suites file %s: %s: run from the source tree, or "
		    "set IRQLBENCH_SUITES=FILE", path, strerror(errno));
		return NULL;
	}
	if (strlen(text) != len) {
		free(text);
		*status = EXIT_USAGE;
		util_err(err, errlen, 0, "%s: a NUL byte in the file: a suites file is text", path);
		return NULL;
	}
	s = suite_parse(path, text, err, errlen);
	free(text);
	if (!s)
		*status = EXIT_USAGE;
	return s;
}

void suite_free(struct suite *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		entry_free(&s->e[i]);
	free(s->e);
	free(s->path);
	free(s);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

char *suite_default_path(void)
{
	static const char rel[] = SUITE_FILE;
	const char *env = getenv("IRQLBENCH_SUITES");
	char *root, *p;

	if (env && *env)
		return xstrdup(env);
	/* ROOT/BUILD/bin/irqlbench, ROOT/BUILD/tests/<test> */
	root = util_exe_dir_up(3);
	if (root) {
		p = xasprintf("%s/%s", root, rel);
		free(root);
		if (!access(p, R_OK) && !same_file(p, rel))
			return p;
		free(p);
	}
	/* an installed irqlbench: PREFIX/share/irqlbench/suites.cfg */
	p = util_installed_file("share", "suites.cfg");
	if (p)
		return p;
	/* the tree's own file named as the messages of a run from the tree do */
	return xstrdup(rel);
}

const struct suite_entry *suite_find(const struct suite *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].name, name))
			return &s->e[i];
	return NULL;
}

char *suite_entry_params(const struct suite_entry *e)
{
	char *out = xstrdup(""), *t;

	for (unsigned i = 0; i < e->vals.n; i++) {
		if (!e->given[i])
			continue;
		t = xasprintf("%s%s%s=%llu", out, *out ? " " : "", e->vals.p[i]->name,
			      (unsigned long long)e->vals.v[i]);
		free(out);
		out = t;
	}
	return out;
}

bool suite_in_group(const struct suite_entry *e, const char *group)
{
	for (unsigned g = 0; g < e->ngroups; g++)
		if (!strcmp(e->groups[g], group))
			return true;
	return false;
}

bool suite_runner_param(const char *name)
{
	return !strcmp(name, "iterations") || !strcmp(name, "warmup");
}

const struct suite_entry *suite_entry_of(const struct suite *s, const struct wl_values *vals)
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct suite_entry *e = &s->e[i];
		unsigned k;

		if (e->w != vals->w || e->vals.n != vals->n)
			continue;
		/* the same workload: the same parameters, in the catalog's order */
		for (k = 0; k < vals->n; k++)
			if (e->vals.v[k] != vals->v[k] &&
			    (e->given[k] || !suite_runner_param(vals->p[k]->name)))
				break;
		if (k == vals->n)
			return e;
	}
	return NULL;
}

char *suite_groups(const struct suite *s)
{
	char *out = xstrdup(""), *t;

	for (unsigned i = 0; i < s->n; i++)
		for (unsigned g = 0; g < s->e[i].ngroups; g++) {
			bool seen = false;

			for (unsigned j = 0; j < i && !seen; j++)
				seen = suite_in_group(&s->e[j], s->e[i].groups[g]);
			for (unsigned h = 0; h < g && !seen; h++)
				seen = !strcmp(s->e[i].groups[h], s->e[i].groups[g]);
			if (seen)
				continue;
			t = xasprintf("%s%s%s", out, *out ? ", " : "", s->e[i].groups[g]);
			free(out);
			out = t;
		}
	return out;
}
