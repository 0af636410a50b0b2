// SPDX-License-Identifier: MIT
/*
 * serial.c - parser of the guest's serial report, protocol v2 and the
 * older v1 (results/SERIAL.md, see serial.h).
 *
 * One pass over the log, line by line.  Outside the report block only the
 * boot line and the "!!" lines mean something.  Inside it, every line must
 * be one of the known kinds and well formed; the first problem makes the
 * block garbled (with the line number), a block without its end is
 * truncated.  A "!!" line anywhere wins over the block's state: the guest
 * died, whatever it printed before.  The record objects are built only
 * after the trailer checked out.
 */
#include "record/serial.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "stats.h"
#include "cli/util.h"

#define BOOT_LINE	"irqlbench-guest v=1 boot"
#define BEGIN_V1	"@@ irqlbench report v1"	/* 1-2-5 bounds, dense counts */
#define BEGIN_LINE	"@@ irqlbench report v2"	/* log-linear layout, sparse counts */
#define MAX_KV		64

static const char *const counter_names[] = {
#define X(n) #n,
	STAT_COUNTERS(X)
#undef X
};

static const char *const hist_names[] = {
#define X(n) #n,
	STAT_HISTS(X)
#undef X
};

struct kv {
	const char *k, *v;
	size_t kl, vl;
};

struct line {
	const char *s;		/* without the newline and a trailing '\r' */
	size_t len;
	unsigned kvn;
	struct kv kv[MAX_KV];
};

struct parser {
	struct serial_report *r;
	unsigned lineno;
	enum { BEFORE, INSIDE, DONE } state;
	const char *body;		/* first byte after the begin line */
	unsigned body_lines;
	bool block_failed;		/* garbled or truncated: block_msg says why */
	enum serial_outcome block_outcome;
	unsigned block_line;
	char *block_msg;
	bool have_bang;			/* a "!!" line was seen */

	/* collected inside the block */
	json_t *params, *guest, *options, *hseen;
	json_t *ph;			/* "idx" -> {"name", "measured"} */
	json_t *vc;			/* "idx:cpu" -> {"counters", "histograms"} */
	unsigned version;		/* of the begin line: 1 or 2 */
	uint64_t bounds[SERIAL_MAX_BOUNDS];
	unsigned nbounds;
	bool have_bounds, have_r, have_ncpus;
	struct {			/* v2: the histogram the G lines are giving */
		bool open;
		int h;
		uint64_t phase, cpu, n, sum, min, max, overflow;
		unsigned next;		/* lowest bucket index the next item may have */
		uint64_t counts[SERIAL_MAX_BOUNDS];
	} g;
	uint64_t ncpus;
	unsigned napic_ids;		/* H apic_ids=: how many (0: not reported) */
};

const char *serial_outcome_name(enum serial_outcome o)
{
	switch (o) {
	case SERIAL_REPORT:	return "report";
	case SERIAL_NONE:	return "none";
	case SERIAL_EXCEPTION:	return "exception";
	case SERIAL_ERROR:	return "error";
	case SERIAL_TRUNCATED:	return "truncated";
	case SERIAL_GARBLED:	return "garbled";
	}
	return "?";
}

uint32_t serial_block_hash(const char *body, size_t len)
{
	return kfnv1a(KFNV1A_INIT, body, len);
}

/* Marks the block bad (first problem wins); returns -1 for the callers. */
static int __attribute__((format(printf, 3, 4)))
block_fail(struct parser *p, enum serial_outcome o, const char *fmt, ...)
{
	va_list ap;

	if (p->block_failed)
		return -1;
	p->block_failed = true;
	p->block_outcome = o;
	p->block_line = p->lineno;
	va_start(ap, fmt);
	if (vasprintf(&p->block_msg, fmt, ap) < 0)
		p->block_msg = xstrdup(fmt);
	va_end(ap);
	return -1;
}

#define garbled(p, fmt, ...) \
	block_fail(p, SERIAL_GARBLED, "serial line %u: " fmt, (p)->lineno, ##__VA_ARGS__)

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool quotable(const char *k, size_t kl)
{
	return (kl == 3 && !memcmp(k, "msg", 3)) || (kl == 6 && !memcmp(k, "reason", 6));
}

/* Splits "key=value key="quoted value" ..." starting at s. */
static int split_kv(struct parser *p, struct line *l, const char *s, bool report)
{
	const char *end = l->s + l->len;

	l->kvn = 0;
	while (s < end) {
		struct kv kv;

		if (*s == ' ') {
			s++;
			continue;
		}
		kv.k = s;
		while (s < end && is_key_char(*s))
			s++;
		kv.kl = (size_t)(s - kv.k);
		if (!kv.kl || s == end || *s != '=')
			return report ? garbled(p, "expected key=value at column %zu",
						(size_t)(kv.k - l->s) + 1) : -1;
		s++;
		if (s < end && *s == '"') {
			const char *q = memchr(s + 1, '"', (size_t)(end - s - 1));

			if (!quotable(kv.k, kv.kl) || !q || (q + 1 < end && q[1] != ' '))
				return report ? garbled(p, "bad quoted value of '%.*s'",
							(int)kv.kl, kv.k) : -1;
			kv.v = s + 1;
			kv.vl = (size_t)(q - s - 1);
			s = q + 1;
		} else {
			kv.v = s;
			while (s < end && *s != ' ')
				s++;
			kv.vl = (size_t)(s - kv.v);
			if (!kv.vl)
				return report ? garbled(p, "empty value of '%.*s'",
							(int)kv.kl, kv.k) : -1;
		}
		for (unsigned i = 0; i < l->kvn; i++)
			if (l->kv[i].kl == kv.kl && !memcmp(l->kv[i].k, kv.k, kv.kl))
				return report ? garbled(p, "duplicate key '%.*s'",
							(int)kv.kl, kv.k) : -1;
		if (l->kvn == MAX_KV)
			return report ? garbled(p, "more than %d keys", MAX_KV) : -1;
		l->kv[l->kvn++] = kv;
	}
	return 0;
}

static const struct kv *kv_get(const struct line *l, const char *key)
{
	size_t kl = strlen(key);

	for (unsigned i = 0; i < l->kvn; i++)
		if (l->kv[i].kl == kl && !memcmp(l->kv[i].k, key, kl))
			return &l->kv[i];
	return NULL;
}

static bool kv_is(const struct kv *kv, const char *key)
{
	return kv->kl == strlen(key) && !memcmp(kv->k, key, kv->kl);
}

/* A number that the record can hold (JSON integers are signed 64-bit). */
static int kv_num(struct parser *p, const struct kv *kv, uint64_t max, uint64_t *out)
{
	if (!kparse_u64(kv->v, kv->vl, out))
		return garbled(p, "value of '%.*s' is not an unsigned number or overflows: '%.*s'",
			       (int)kv->kl, kv->k, (int)kv->vl, kv->v);
	if (*out > max)
		return garbled(p, "value of '%.*s' is too large: %llu > %llu", (int)kv->kl,
			       kv->k, (unsigned long long)*out, (unsigned long long)max);
	return 0;
}

static int need_num(struct parser *p, const struct line *l, const char *key,
		    uint64_t max, uint64_t *out)
{
	const struct kv *kv = kv_get(l, key);

	if (!kv)
		return garbled(p, "missing key '%s'", key);
	return kv_num(p, kv, max, out);
}

/* Only the listed keys may appear (NULL-terminated). */
static int only_keys(struct parser *p, const struct line *l, const char *const *keys)
{
	for (unsigned i = 0; i < l->kvn; i++) {
		const char *const *k;

		for (k = keys; *k && !kv_is(&l->kv[i], *k); k++)
			;
		if (!*k)
			return garbled(p, "unknown key '%.*s'", (int)l->kv[i].kl, l->kv[i].k);
	}
	return 0;
}

static char *kv_str(const struct kv *kv, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)kv->vl, kv->v);
	return buf;
}

/* The value, whole. */
static char *kv_dup(const struct kv *kv)
{
	return xasprintf("%.*s", (int)kv->vl, kv->v);
}

static void kv_key(const struct kv *kv, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)kv->kl, kv->k);
}

static bool val_is(const struct kv *kv, const char *val)
{
	return kv->vl == strlen(val) && !memcmp(kv->v, val, kv->vl);
}

#define INT_MAX_JSON ((uint64_t)INT64_MAX)

static int parse_list(struct parser *p, const struct kv *kv, uint64_t *out, unsigned max);

/*
 * apic_ids=0,2,1,3: each guest CPU's local APIC ID, in the guest's CPU
 * order (which is the order the CPUs arrived in, not the APIC IDs'): the
 * host maps KVM's vCPUs to the guest's CPUs with it.  xAPIC IDs are 8 bits
 * and unique.
 */
static int h_apic_ids(struct parser *p, const struct kv *kv)
{
	uint64_t ids[SERIAL_MAX_CPU + 1];
	json_t *a;
	int n = parse_list(p, kv, ids, SERIAL_MAX_CPU + 1);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (ids[i] > 255)
			return garbled(p, "apic_ids: CPU %d's APIC ID %llu is not an xAPIC ID (0..255)",
				       i, (unsigned long long)ids[i]);
		for (int j = 0; j < i; j++)
			if (ids[j] == ids[i])
				return garbled(p, "apic_ids: CPUs %d and %d both have APIC ID %llu", j,
					       i, (unsigned long long)ids[i]);
	}
	a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)ids[i]));
	json_object_set_new(p->guest, "apic_ids", a);
	p->napic_ids = (unsigned)n;
	return 0;
}

/* --- H: guest facts -------------------------------------------------------- */
static int line_h(struct parser *p, const struct line *l)
{
	char key[64], val[SERIAL_MAX_LINE + 1];

	if (!l->kvn)
		return garbled(p, "H line without facts");
	for (unsigned i = 0; i < l->kvn; i++) {
		const struct kv *kv = &l->kv[i];
		uint64_t v;

		if (kv->kl >= sizeof(key))
			return garbled(p, "key too long");
		kv_key(kv, key, sizeof(key));
		if (json_object_get(p->hseen, key))
			return garbled(p, "guest fact '%s' given twice", key);
		json_object_set_new(p->hseen, key, json_true());
		if (!strcmp(key, "tsc_hz") || !strcmp(key, "ncpus")) {
			if (kv_num(p, kv, INT_MAX_JSON, &v))
				return -1;
			if (!strcmp(key, "ncpus")) {
				if (!v || v > SERIAL_MAX_CPU + 1)
					return garbled(p, "ncpus=%llu is out of range",
						       (unsigned long long)v);
				p->ncpus = v;
				p->have_ncpus = true;
			}
			json_object_set_new(p->guest, key, json_integer((json_int_t)v));
		} else if (!strcmp(key, "clock_raises_irql") || !strcmp(key, "elide_same_level") ||
			   !strcmp(key, "probe")) {
			if (kv_num(p, kv, 1, &v))
				return -1;
			json_object_set_new(p->options, key, json_boolean(v));
		} else if (!strcmp(key, "apic_ids")) {
			if (h_apic_ids(p, kv))
				return -1;
		} else if (!strcmp(key, "workload")) {
			if (kv->vl >= sizeof(p->r->workload))
				return garbled(p, "workload name too long");
			kv_str(kv, p->r->workload, sizeof(p->r->workload));
		} else if (kparse_u64(kv->v, kv->vl, &v) && v <= INT_MAX_JSON) {
			/* other facts: numbers as numbers (apic_timer_hz=...) */
			json_object_set_new(p->guest, key, json_integer((json_int_t)v));
		} else {
			json_object_set_new(p->guest, key, json_string(kv_str(kv, val, sizeof(val))));
		}
	}
	return 0;
}

/* --- A: parameters as applied ---------------------------------------------- */
static int line_a(struct parser *p, const struct line *l)
{
	char key[64];

	for (unsigned i = 0; i < l->kvn; i++) {
		uint64_t v;

		if (l->kv[i].kl >= sizeof(key))
			return garbled(p, "key too long");
		kv_key(&l->kv[i], key, sizeof(key));
		if (json_object_get(p->params, key))
			return garbled(p, "parameter '%s' given twice", key);
		if (kv_num(p, &l->kv[i], INT_MAX_JSON, &v))
			return -1;
		json_object_set_new(p->params, key, json_integer((json_int_t)v));
	}
	return 0;
}

/* --- F: phase declarations ------------------------------------------------- */
static int line_f(struct parser *p, const struct line *l)
{
	static const char *const keys[] = { "idx", "name", "measured", NULL };
	char k[8], name[SERIAL_MAX_LINE + 1];
	uint64_t idx, measured;

	if (only_keys(p, l, keys) || need_num(p, l, "idx", SERIAL_MAX_PHASE, &idx) ||
	    need_num(p, l, "measured", 1, &measured))
		return -1;
	if (!kv_get(l, "name"))
		return garbled(p, "missing key 'name'");
	snprintf(k, sizeof(k), "%u", (unsigned)idx);
	if (json_object_get(p->ph, k))
		return garbled(p, "phase %u declared twice", (unsigned)idx);
	json_object_set_new(p->ph, k, json_pack("{s:I, s:s, s:b}", "idx", (json_int_t)idx,
						 "name", kv_str(kv_get(l, "name"), name, sizeof(name)),
						 "measured", (int)measured));
	return 0;
}

/* Parses "1,2,3" into out[]; returns the count, or -1. */
static int parse_list(struct parser *p, const struct kv *kv, uint64_t *out, unsigned max)
{
	const char *s = kv->v, *end = kv->v + kv->vl;
	unsigned n = 0;

	while (s <= end) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		struct kv item = { kv->k, s, kv->kl, (size_t)((c ? c : end) - s) };

		if (n == max)
			return garbled(p, "'%.*s' has more than %u values", (int)kv->kl, kv->k, max);
		if (kv_num(p, &item, INT_MAX_JSON, &out[n]))
			return -1;
		n++;
		if (!c)
			break;
		s = c + 1;
	}
	return (int)n;
}

/* --- B: bucket bounds ------------------------------------------------------ */

/* v2: "layout=log-linear sub=16 buckets=480", expanded with hist_bound(). */
static int line_b_layout(struct parser *p, const struct line *l)
{
	static const char *const keys[] = { "layout", "sub", "buckets", NULL };
	const struct kv *lay = kv_get(l, "layout");
	uint64_t sub, nb;

	if (only_keys(p, l, keys))
		return -1;
	if (!lay || !val_is(lay, HIST_LAYOUT))
		return garbled(p, "B line needs layout=%s", HIST_LAYOUT);
	if (need_num(p, l, "sub", INT_MAX_JSON, &sub) ||
	    need_num(p, l, "buckets", INT_MAX_JSON, &nb))
		return -1;
	if (sub != HIST_SUB)
		return garbled(p, "B line has sub=%llu, this parser knows sub=%u",
			       (unsigned long long)sub, HIST_SUB);
	if (nb < HIST_SUB || nb % HIST_SUB || nb > SERIAL_MAX_BOUNDS)
		return garbled(p, "B line has buckets=%llu: give a multiple of %u up to %u",
			       (unsigned long long)nb, HIST_SUB, SERIAL_MAX_BOUNDS);
	for (unsigned i = 0; i < nb; i++)
		p->bounds[i] = hist_bound(i);
	p->nbounds = (unsigned)nb;
	return 0;
}

/* v1: "bounds=10,20,50,...", explicit and increasing. */
static int line_b(struct parser *p, const struct line *l)
{
	static const char *const keys[] = { "bounds", NULL };
	const struct kv *kv = kv_get(l, "bounds");
	int n;

	if (p->have_bounds)
		return garbled(p, "second B line");
	if (p->version >= 2) {
		if (line_b_layout(p, l))
			return -1;
		p->have_bounds = true;
		return 0;
	}
	if (only_keys(p, l, keys))
		return -1;
	if (!kv)
		return garbled(p, "missing key 'bounds'");
	n = parse_list(p, kv, p->bounds, SERIAL_MAX_BOUNDS);
	if (n < 0)
		return -1;
	for (int i = 1; i < n; i++)
		if (p->bounds[i] <= p->bounds[i - 1])
			return garbled(p, "bounds are not increasing at #%d", i);
	p->nbounds = (unsigned)n;
	p->have_bounds = true;
	return 0;
}

/* The per-(phase, cpu) object, created on first use. */
static json_t *vcpu_obj(struct parser *p, uint64_t phase, uint64_t cpu)
{
	char k[16];
	json_t *o;

	snprintf(k, sizeof(k), "%u:%u", (unsigned)phase, (unsigned)cpu);
	o = json_object_get(p->vc, k);
	if (!o) {
		o = json_pack("{s:I, s:I, s:{}, s:{}, s:b}", "phase", (json_int_t)phase,
			      "cpu", (json_int_t)cpu, "counters", "histograms", "has_c", 0);
		json_object_set_new(p->vc, k, o);
	}
	return o;
}

/* --- C: counters of one phase on one vCPU ---------------------------------- */
static int line_c(struct parser *p, const struct line *l)
{
	uint64_t phase, cpu;
	json_t *o, *counters;

	if (need_num(p, l, "phase", SERIAL_MAX_PHASE, &phase) ||
	    need_num(p, l, "cpu", SERIAL_MAX_CPU, &cpu))
		return -1;
	o = vcpu_obj(p, phase, cpu);
	if (json_is_true(json_object_get(o, "has_c")))
		return garbled(p, "counters of phase %u cpu %u given twice",
			       (unsigned)phase, (unsigned)cpu);
	json_object_set_new(o, "has_c", json_true());
	counters = json_object_get(o, "counters");
	for (unsigned i = 0; i < l->kvn; i++) {
		const struct kv *kv = &l->kv[i];
		int c;
		uint64_t v;

		if (kv_is(kv, "phase") || kv_is(kv, "cpu"))
			continue;
		c = -1;
		for (unsigned j = 0; j < STAT_NCOUNTERS; j++)
			if (kv_is(kv, counter_names[j]))
				c = (int)j;
		if (c < 0)
			return garbled(p, "unknown counter '%.*s'", (int)kv->kl, kv->k);
		if (kv_num(p, kv, INT_MAX_JSON, &v))
			return -1;
		json_object_set_new(counters, counter_names[c], json_integer((json_int_t)v));
	}
	return 0;
}

static json_t *u64_array(const uint64_t *v, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

/* Checks one histogram's sums and puts it in its vCPU's object. */
static int put_hist(struct parser *p, int h, uint64_t phase, uint64_t cpu, uint64_t n,
		    uint64_t sum, uint64_t min, uint64_t max, uint64_t overflow,
		    const uint64_t *counts)
{
	uint64_t total = overflow;
	json_t *hists, *o;

	for (unsigned i = 0; i < p->nbounds; i++)
		if (__builtin_add_overflow(total, counts[i], &total))
			return garbled(p, "histogram %s: counts overflow", hist_names[h]);
	if (total != n)
		return garbled(p, "histogram %s: counts and overflow add up to %llu, n=%llu",
			       hist_names[h], (unsigned long long)total, (unsigned long long)n);
	if (n && min > max)
		return garbled(p, "histogram %s: min %llu > max %llu", hist_names[h],
			       (unsigned long long)min, (unsigned long long)max);
	hists = json_object_get(vcpu_obj(p, phase, cpu), "histograms");
	if (json_object_get(hists, hist_names[h]))
		return garbled(p, "histogram %s of phase %u cpu %u given twice", hist_names[h],
			       (unsigned)phase, (unsigned)cpu);
	o = json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I}",
		      "unit", "cycles", "layout", p->version >= 2 ? HIST_LAYOUT : "1-2-5",
		      "bounds", u64_array(p->bounds, p->nbounds),
		      "counts", u64_array(counts, p->nbounds), "overflow", (json_int_t)overflow,
		      "n", (json_int_t)n, "sum", (json_int_t)sum, "min", (json_int_t)min,
		      "max", (json_int_t)max);
	hist_put_percentile(o, "p50", p->bounds, counts, p->nbounds, n, min, max, 50);
	hist_put_percentile(o, "p99", p->bounds, counts, p->nbounds, n, min, max, 99);
	json_object_set_new(hists, hist_names[h], o);
	return 0;
}

/* v2: the histogram the last G lines gave is complete. */
static int g_close(struct parser *p)
{
	if (!p->g.open)
		return 0;
	p->g.open = false;
	return put_hist(p, p->g.h, p->g.phase, p->g.cpu, p->g.n, p->g.sum, p->g.min, p->g.max,
			p->g.overflow, p->g.counts);
}

/* v2: counts=I:C,I:C,... (non-empty buckets, increasing index; may be empty). */
static int g_items(struct parser *p, const struct kv *kv)
{
	const char *s = kv->v, *end = kv->v + kv->vl;

	while (s < end) {
		const char *c = memchr(s, ',', (size_t)(end - s)), *e = c ? c : end;
		const char *colon = memchr(s, ':', (size_t)(e - s));
		uint64_t idx, cnt;

		if (!colon || !kparse_u64(s, (size_t)(colon - s), &idx) ||
		    !kparse_u64(colon + 1, (size_t)(e - colon - 1), &cnt) || cnt > INT_MAX_JSON)
			return garbled(p, "histogram %s: '%.*s' is not index:count", hist_names[p->g.h],
				       (int)(e - s), s);
		if (idx < p->g.next || idx >= p->nbounds)
			return garbled(p, "histogram %s: bucket %llu out of order or not in 0..%u",
				       hist_names[p->g.h], (unsigned long long)idx, p->nbounds - 1);
		p->g.counts[idx] = cnt;
		p->g.next = (unsigned)idx + 1;
		if (!c)
			break;
		s = c + 1;
		if (s == end)
			return garbled(p, "histogram %s: counts end with ','", hist_names[p->g.h]);
	}
	return 0;
}

static int hist_by_name(struct parser *p, const struct kv *name)
{
	if (!name)
		return garbled(p, "missing key 'name'");
	for (unsigned j = 0; j < STAT_NHISTS; j++)
		if (val_is(name, hist_names[j]))
			return (int)j;
	return garbled(p, "unknown histogram '%.*s'", (int)name->vl, name->v);
}

/* --- G (v2): a histogram's first line, or one that goes on with its buckets */
static int line_g2(struct parser *p, const struct line *l)
{
	static const char *const keys[] = {
		"phase", "cpu", "name", "n", "sum", "min", "max", "overflow", "counts", NULL
	};
	static const char *const more_keys[] = { "phase", "cpu", "name", "counts", NULL };
	const struct kv *ckv = kv_get(l, "counts");
	uint64_t phase, cpu;
	int h;

	if (need_num(p, l, "phase", SERIAL_MAX_PHASE, &phase) ||
	    need_num(p, l, "cpu", SERIAL_MAX_CPU, &cpu))
		return -1;
	h = hist_by_name(p, kv_get(l, "name"));
	if (h < 0)
		return -1;
	if (!p->have_bounds)
		return garbled(p, "G line before the B line");
	if (!kv_get(l, "n")) {		/* goes on with the open histogram */
		if (only_keys(p, l, more_keys))
			return -1;
		if (!ckv)
			return garbled(p, "missing key 'counts'");
		if (!p->g.open || p->g.h != h || p->g.phase != phase || p->g.cpu != cpu)
			return garbled(p, "G line without n= does not follow histogram %s of phase %u cpu %u",
				       hist_names[h], (unsigned)phase, (unsigned)cpu);
		return g_items(p, ckv);
	}
	if (g_close(p) || only_keys(p, l, keys))
		return -1;
	memset(&p->g, 0, sizeof(p->g));
	p->g.h = h;
	p->g.phase = phase;
	p->g.cpu = cpu;
	if (need_num(p, l, "n", INT_MAX_JSON, &p->g.n) ||
	    need_num(p, l, "sum", INT_MAX_JSON, &p->g.sum) ||
	    need_num(p, l, "min", INT_MAX_JSON, &p->g.min) ||
	    need_num(p, l, "max", INT_MAX_JSON, &p->g.max) ||
	    need_num(p, l, "overflow", INT_MAX_JSON, &p->g.overflow))
		return -1;
	p->g.open = true;
	return ckv ? g_items(p, ckv) : 0;	/* no counts=: every sample in the overflow */
}

/* --- G (v1): one histogram of one phase on one vCPU, dense counts ---------- */
static int line_g(struct parser *p, const struct line *l)
{
	static const char *const keys[] = {
		"phase", "cpu", "name", "n", "sum", "min", "max", "overflow", "counts", NULL
	};
	uint64_t phase, cpu, n, sum, min, max, overflow, counts[SERIAL_MAX_BOUNDS];
	const struct kv *ckv = kv_get(l, "counts");
	int h, nc;

	if (p->version >= 2)
		return line_g2(p, l);
	if (only_keys(p, l, keys) || need_num(p, l, "phase", SERIAL_MAX_PHASE, &phase) ||
	    need_num(p, l, "cpu", SERIAL_MAX_CPU, &cpu) ||
	    need_num(p, l, "n", INT_MAX_JSON, &n) || need_num(p, l, "sum", INT_MAX_JSON, &sum) ||
	    need_num(p, l, "min", INT_MAX_JSON, &min) || need_num(p, l, "max", INT_MAX_JSON, &max) ||
	    need_num(p, l, "overflow", INT_MAX_JSON, &overflow))
		return -1;
	h = hist_by_name(p, kv_get(l, "name"));
	if (h < 0)
		return -1;
	if (!ckv)
		return garbled(p, "missing key 'counts'");
	if (!p->have_bounds)
		return garbled(p, "G line before the B line");
	nc = parse_list(p, ckv, counts, SERIAL_MAX_BOUNDS);
	if (nc < 0)
		return -1;
	if ((unsigned)nc != p->nbounds)
		return garbled(p, "histogram %s has %d counts for %u buckets", hist_names[h],
			       nc, p->nbounds);
	return put_hist(p, h, phase, cpu, n, sum, min, max, overflow, counts);
}

/* --- R: the workload's verdict --------------------------------------------- */
static int line_r(struct parser *p, const struct line *l)
{
	static const char *const keys[] = { "status", "reason", "late", "unmasking", NULL };
	const struct kv *st = kv_get(l, "status"), *re = kv_get(l, "reason");
	const struct kv *late = kv_get(l, "late"), *unm = kv_get(l, "unmasking");

	if (p->have_r)
		return garbled(p, "second R line");
	if (only_keys(p, l, keys))
		return -1;
	if (!st || !(val_is(st, "ok") || val_is(st, "fail")))
		return garbled(p, "R line needs status=ok or status=fail");
	if (!late != !unm)
		return garbled(p, "R line needs late= and unmasking= together");
	if (late) {
		if (kv_num(p, late, INT_MAX_JSON, &p->r->late) ||
		    kv_num(p, unm, INT_MAX_JSON, &p->r->unmasking))
			return -1;
		if (p->r->late > p->r->unmasking)
			return garbled(p, "R line has late=%llu above unmasking=%llu",
				       (unsigned long long)p->r->late,
				       (unsigned long long)p->r->unmasking);
		p->r->has_findings = true;
	}
	kv_str(st, p->r->verdict, sizeof(p->r->verdict));
	if (re) {
		free(p->r->reason);
		p->r->reason = kv_dup(re);
	}
	p->have_r = true;
	return 0;
}

static int block_line(struct parser *p, struct line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (l->s[i] < 0x20 || l->s[i] > 0x7e)
			return garbled(p, "byte 0x%02x is not printable ASCII",
				       (unsigned char)l->s[i]);
	if (l->len < 2 || l->s[1] != ' ' || !strchr("HAFBCGR", l->s[0]))
		return garbled(p, "unknown line kind '%.*s'", l->len > 16 ? 16 : (int)l->len, l->s);
	if (split_kv(p, l, l->s + 2, true))
		return -1;
	if (l->s[0] != 'G' && g_close(p))
		return -1;
	switch (l->s[0]) {
	case 'H': return line_h(p, l);
	case 'A': return line_a(p, l);
	case 'F': return line_f(p, l);
	case 'B': return line_b(p, l);
	case 'C': return line_c(p, l);
	case 'G': return line_g(p, l);
	default:  return line_r(p, l);
	}
}

/* Builds the record's phases array: by phase index, then by cpu. */
static int finish_block(struct parser *p)
{
	struct serial_report *r = p->r;
	const char *key;
	json_t *o;

	if (g_close(p))
		return -1;
	if (!r->workload[0])
		return garbled(p, "the report has no H workload=");
	if (!p->have_r)
		return garbled(p, "the report has no R line");
	if (!json_object_size(p->ph))
		return garbled(p, "the report declares no phase (F lines)");
	/* a CPU that came up after the count may be listed too, never fewer */
	if (p->napic_ids && p->have_ncpus && p->napic_ids < p->ncpus)
		return garbled(p, "apic_ids lists %u CPUs, but ncpus=%u", p->napic_ids,
			       (unsigned)p->ncpus);
	json_object_foreach(p->vc, key, o) {
		char k[8];
		json_int_t ph = json_integer_value(json_object_get(o, "phase"));
		json_int_t cpu = json_integer_value(json_object_get(o, "cpu"));

		snprintf(k, sizeof(k), "%u", (unsigned)ph);
		if (!json_object_get(p->ph, k))
			return garbled(p, "counters for undeclared phase %u", (unsigned)ph);
		if (p->have_ncpus && (uint64_t)cpu >= p->ncpus)
			return garbled(p, "counters for cpu %u, but ncpus=%u", (unsigned)cpu,
				       (unsigned)p->ncpus);
	}
	r->phases = json_array();
	for (unsigned i = 0; i <= SERIAL_MAX_PHASE; i++) {
		char k[16];
		json_t *phase, *vcpus;

		snprintf(k, sizeof(k), "%u", i);
		phase = json_object_get(p->ph, k);
		if (!phase)
			continue;
		vcpus = json_array();
		for (unsigned c = 0; c <= SERIAL_MAX_CPU; c++) {
			snprintf(k, sizeof(k), "%u:%u", i, c);
			o = json_object_get(p->vc, k);
			if (!o)
				continue;
			json_array_append_new(vcpus, json_pack(
				"{s:I, s:O, s:n, s:n, s:n, s:O}", "cpu", (json_int_t)c,
				"counters", json_object_get(o, "counters"), "exits", "injections",
				"delivery", "histograms", json_object_get(o, "histograms")));
		}
		json_object_set_new(phase, "vcpus", vcpus);
		json_array_append(r->phases, phase);
	}
	if (r->has_findings) {
		/* the R line's late= and unmasking= are the measured phases' sums */
		uint64_t late = 0, unm = 0;

		for (size_t i = 0; i < json_array_size(r->phases); i++) {
			json_t *ph = json_array_get(r->phases, i), *vc = json_object_get(ph, "vcpus");

			for (size_t c = 0; json_is_true(json_object_get(ph, "measured")) &&
					   c < json_array_size(vc); c++) {
				json_t *k = json_object_get(json_array_get(vc, c), "counters");

				late += (uint64_t)json_integer_value(json_object_get(k, "late_deliveries"));
				unm += (uint64_t)json_integer_value(json_object_get(k, "cr8_lower_unmask"));
			}
		}
		if (late != r->late || unm != r->unmasking) {
			json_decref(r->phases);
			r->phases = NULL;
			return garbled(p, "the R line says late=%llu unmasking=%llu, the measured phases' counters %llu and %llu",
				       (unsigned long long)r->late, (unsigned long long)r->unmasking,
				       (unsigned long long)late, (unsigned long long)unm);
		}
	}
	json_object_set(p->guest, "options", p->options);
	r->params = json_incref(p->params);
	r->guest = json_incref(p->guest);
	return 0;
}

static int hex32(const struct kv *kv, uint64_t *out)
{
	*out = 0;
	if (kv->vl != 8)
		return -1;
	for (unsigned i = 0; i < 8; i++) {
		char c = kv->v[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		*out = *out << 4 | d;
	}
	return 0;
}

static void block_end(struct parser *p, struct line *l, const char *line_start)
{
	static const char *const keys[] = { "lines", "fnv1a", NULL };
	const struct kv *h;
	uint64_t lines, hash;
	uint32_t want;

	p->state = DONE;
	if (p->block_failed)
		return;
	if (split_kv(p, l, l->s + strlen("@@ end"), true) || only_keys(p, l, keys) ||
	    need_num(p, l, "lines", UINT32_MAX, &lines))
		return;
	h = kv_get(l, "fnv1a");
	if (!h || hex32(h, &hash)) {
		garbled(p, "the trailer needs fnv1a=<8 hex digits>");
		return;
	}
	if (lines != p->body_lines) {
		garbled(p, "the trailer counts %llu lines, the block has %u",
			(unsigned long long)lines, p->body_lines);
		return;
	}
	want = serial_block_hash(p->body, (size_t)(line_start - p->body));
	if (hash != want) {
		garbled(p, "the report's fnv1a is %08llx, its text hashes to %08x",
			(unsigned long long)hash, want);
		return;
	}
	finish_block(p);
}

static void bang_line(struct parser *p, struct line *l)
{
	struct serial_report *r = p->r;
	const struct kv *kv;
	uint64_t *fields[] = { &r->exc.vector, &r->exc.rip, &r->exc.err, &r->exc.cr2, &r->exc.cpu };
	static const char *const names[] = { "vector", "rip", "err", "cr2", "cpu" };
	bool exc = l->len >= 12 && !memcmp(l->s, "!! exception", 12);

	if (p->have_bang)
		return;
	p->have_bang = true;
	r->line = p->lineno;
	split_kv(p, l, l->s + (exc ? 12 : 8), false);	/* what it could read */
	if (exc) {
		r->outcome = SERIAL_EXCEPTION;
		for (unsigned i = 0; i < 5; i++) {
			kv = kv_get(l, names[i]);
			if (kv && !kparse_u64(kv->v, kv->vl, fields[i]))
				*fields[i] = 0;
		}
		kv = kv_get(l, "name");
		if (kv)
			kv_str(kv, r->exc.name, sizeof(r->exc.name));
		free(r->message);
		r->message = xasprintf("guest CPU exception %s (vector %llu) at rip=0x%llx err=0x%llx cr2=0x%llx on cpu %llu",
				       r->exc.name[0] ? r->exc.name : "?",
				       (unsigned long long)r->exc.vector,
				       (unsigned long long)r->exc.rip, (unsigned long long)r->exc.err,
				       (unsigned long long)r->exc.cr2, (unsigned long long)r->exc.cpu);
		return;
	}
	r->outcome = SERIAL_ERROR;
	kv = kv_get(l, "code");
	snprintf(r->error_code, sizeof(r->error_code), "%.*s", kv ? (int)kv->vl : 7,
		 kv ? kv->v : "unknown");
	kv = kv_get(l, "msg");
	if (kv) {
		free(r->error_msg);
		r->error_msg = kv_dup(kv);
	}
	free(r->message);
	r->message = xasprintf("guest error %s: %s", r->error_code, r->error_msg);
}

static bool line_is(const struct line *l, const char *what)
{
	return l->len == strlen(what) && !memcmp(l->s, what, l->len);
}

static bool line_starts(const struct line *l, const char *what)
{
	return l->len >= strlen(what) && !memcmp(l->s, what, strlen(what));
}

static bool is_bang(const struct line *l, const char *what)
{
	size_t n = strlen(what);

	return line_starts(l, what) && (l->len == n || l->s[n] == ' ');
}

static void one_line(struct parser *p, struct line *l, const char *start, bool complete)
{
	if (is_bang(l, "!! exception") || is_bang(l, "!! error")) {
		bang_line(p, l);
		if (p->state == INSIDE)
			p->body_lines += complete;
		return;
	}
	if (p->state != INSIDE) {
		if (!complete && p->state == BEFORE && line_starts(l, "@@"))
			block_fail(p, SERIAL_TRUNCATED, "serial line %u: the output stops in the report's first line",
				   p->lineno);
		else if (!complete)
			;	/* a partial last line outside the block means nothing */
		else if (line_is(l, BOOT_LINE))
			p->r->booted = true;
		else if ((line_is(l, BEGIN_LINE) || line_is(l, BEGIN_V1)) && p->state == BEFORE) {
			p->version = line_is(l, BEGIN_V1) ? 1 : 2;
			p->state = INSIDE;
			p->body = start + l->len + 1 + (l->s[l->len] == '\r');
		} else if ((line_is(l, BEGIN_LINE) || line_is(l, BEGIN_V1)) && p->state == DONE) {
			block_fail(p, SERIAL_GARBLED, "serial line %u: a second report block",
				   p->lineno);
		} else if (line_starts(l, "@@ ")) {
			block_fail(p, SERIAL_GARBLED, "serial line %u: '%.*s' outside a report block",
				   p->lineno, l->len > 40 ? 40 : (int)l->len, l->s);
		}
		return;
	}
	if (!complete)
		return;		/* a partial last line: the block is truncated */
	if (line_starts(l, "@@ end") && (l->len == 6 || l->s[6] == ' ')) {
		block_end(p, l, start);
		return;
	}
	p->body_lines++;
	if (p->block_failed)
		return;
	if (l->len > SERIAL_MAX_LINE)
		garbled(p, "line of %zu bytes, the limit is %d", l->len, SERIAL_MAX_LINE);
	else
		block_line(p, l);
}

enum serial_outcome serial_parse(const char *buf, size_t len, struct serial_report *r)
{
	struct parser p = { .r = r };
	struct line l;
	const char *s = buf, *end = buf + len;

	memset(r, 0, sizeof(*r));
	r->outcome = SERIAL_NONE;
	r->message = xstrdup("");
	r->error_msg = xstrdup("");
	r->reason = xstrdup("");
	p.params = json_object();
	p.guest = json_object();
	p.options = json_object();
	p.hseen = json_object();
	p.ph = json_object();
	p.vc = json_object();
	if (len > SERIAL_MAX_LOG) {
		block_fail(&p, SERIAL_GARBLED, "serial log of %zu bytes, the limit is %u", len,
			   SERIAL_MAX_LOG);
		s = end;
	}
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s);

		p.lineno++;
		l.s = s;
		l.len = n;
		if (n && s[n - 1] == '\r')
			l.len--;
		one_line(&p, &l, s, nl != NULL);
		s = nl ? nl + 1 : end;
	}
	if (p.state == INSIDE)
		block_fail(&p, SERIAL_TRUNCATED,
			   "the report block has no '@@ end' line: the output stops after %u lines",
			   p.body_lines);
	if (!p.have_bang && p.block_failed) {
		r->outcome = p.block_outcome;
		r->line = p.block_line;
		free(r->message);
		r->message = p.block_msg;
		p.block_msg = NULL;
	} else if (!p.have_bang && r->phases) {
		r->outcome = SERIAL_REPORT;
	} else if (!p.have_bang) {
		free(r->message);
		r->message = xstrdup(r->booted ? "the guest booted but printed no report"
					       : "no output from the guest (not even its boot line)");
	}
	free(p.block_msg);
	if (r->outcome != SERIAL_REPORT) {
		json_decref(r->phases);
		json_decref(r->params);
		json_decref(r->guest);
		r->phases = r->params = r->guest = NULL;
		r->workload[0] = 0;
	}
	json_decref(p.params);
	json_decref(p.guest);
	json_decref(p.options);
	json_decref(p.hseen);
	json_decref(p.ph);
	json_decref(p.vc);
	return r->outcome;
}

/* Where the line after the next "@@ end" line from @s starts, or NULL. */
static const char *after_end_line(const char *s, const char *end)
{
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		if (!nl)
			return NULL;	/* a last line without its newline ends nothing */
		if ((size_t)(nl - s) >= 6 && !memcmp(s, "@@ end", 6) &&
		    (nl - s == 6 || s[6] == ' ' || s[6] == '\r'))
			return nl + 1;
		s = nl + 1;
	}
	return NULL;
}

unsigned serial_reports(const char *buf, size_t len)
{
	const char *end = buf + len, *p = buf;
	unsigned n = 0;

	while ((p = after_end_line(p, end)))
		n++;
	return n;
}

enum serial_outcome serial_parse_job(const char *buf, size_t len, unsigned job, unsigned njobs,
				     struct serial_report *r)
{
	const char *end = buf + len, *from = buf, *to = end;
	enum serial_outcome o;
	size_t blen = strlen(BOOT_LINE) + 1, n;
	char *part;

	if (len > SERIAL_MAX_LOG || njobs < 2)
		return serial_parse(buf, len, r);	/* one job: the whole log */
	for (unsigned k = 0; k < job && from; k++)
		from = after_end_line(from, end);
	if (!from)
		from = end;		/* the boot ended before this job */
	if (job + 1 < njobs) {
		to = after_end_line(from, end);
		to = to ? to : end;
	}
	n = (size_t)(to - from);
	if (!job || !memmem(buf, (size_t)(from - buf), BOOT_LINE "\n", blen))
		blen = 0;	/* job 0's part has the boot line already */
	part = xmalloc(blen + n + 1);
	memcpy(part, BOOT_LINE "\n", blen);
	memcpy(part + blen, from, n);
	part[blen + n] = 0;
	o = serial_parse(part, blen + n, r);
	r->job_began = !strncmp(part, "irqlbench-guest job ", 20) ||
		       memmem(part, blen + n, "\nirqlbench-guest job ", 21) != NULL;
	free(part);
	return o;
}

void serial_report_free(struct serial_report *r)
{
	json_decref(r->params);
	json_decref(r->guest);
	json_decref(r->phases);
	r->params = r->guest = r->phases = NULL;
	free(r->message);
	free(r->error_msg);
	free(r->reason);
	r->message = r->error_msg = r->reason = NULL;
}

bool serial_text_cut(const char *text)
{
	size_t n = text ? strlen(text) : 0, m = strlen(KMSG_CUT);

	return n >= m && !strcmp(text + n - m, KMSG_CUT);
}
