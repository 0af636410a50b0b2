// SPDX-License-Identifier: MIT
/*
 * scn.c - the scenario-script parser and static checker (see scn.h and
 * workloads/SCRIPTS.md).  Freestanding: klib only, no allocation, every
 * buffer bounded by the limits in scn.h.  The input is untrusted text
 * (fuzzed by tests/fuzz/fuzz_scn.c).
 */
#include "scn.h"
#include "klib.h"
#include "platform.h"

#define CLOCK_VEC	0xD1	/* nt.h CLOCK_VECTOR; nt.h is not needed here */
#define DPC_VEC		0x2F	/* nt.h DPC_VECTOR */
#define APC_VEC		0x1F	/* nt.h APC_VECTOR */
#define DISPATCH	2
#define MAX_TOKENS	6

/* Pseudo opcode of declarations that emit no op. */
#define PSEUDO_TIMEOUT	0xfe

enum arg_kind {
	K_NONE, K_IRQL, K_LOCK, K_VEC, K_US, K_CYCLES, K_REPEAT, K_DPCN, K_APCN,
	K_WAITN, K_TIMEOUT, K_PORT, K_BYTE, K_CPU, K_FLAG,
	K_NAME, K_MODE, K_MEAS, K_ACTION,	/* from K_NAME on: words */
};

struct arg_desc {
	const char *what;
	uint64_t min, max;
	bool hex;
};

static const struct arg_desc arg_desc[] = {
	[K_IRQL]	= { "an IRQL", 0, 15, false },
	[K_LOCK]	= { "a lock number", 0, SCN_NLOCKS - 1, false },
	[K_VEC]		= { "a vector", 0x10, 0xfe, true },
	[K_US]		= { "microseconds", 1, SCN_MAX_CLOCK_US, false },
	[K_CYCLES]	= { "cycles", 0, UINT32_MAX, false },
	[K_REPEAT]	= { "a repeat count", 1, SCN_MAX_REPEAT, false },
	[K_DPCN]	= { "a DPC count", 1, SCN_DPC_POOL, false },
	[K_APCN]	= { "an APC count", 1, SCN_APC_POOL, false },
	[K_WAITN]	= { "a delivery count", 1, SCN_MAX_WAIT_COUNT, false },
	[K_TIMEOUT]	= { "microseconds", 1, SCN_MAX_TIMEOUT_US, false },
	[K_PORT]	= { "a port", 0, 0xffff, true },
	[K_BYTE]	= { "a byte", 0, 0xff, true },
	[K_CPU]		= { "a vCPU", 0, MAX_CPUS - 1, false },
	[K_FLAG]	= { "a flag number", 0, SCN_NFLAGS - 1, false },
};

#define KW_MAIN		0x01	/* not inside an isr body */
#define KW_TOP		0x02	/* only at the top level */
#define KW_BLOCK	0x04	/* needs '{' */
#define KW_OPT_BLOCK	0x08	/* may take '{' */

struct keyword {
	const char *name;
	uint8_t code;
	uint8_t arg[2];
	uint8_t nreq;
	uint8_t flags;
	const char *usage;
};

static const struct keyword keywords[] = {
	{ "cr8", SCN_OP_CR8, { K_IRQL }, 1, 0, "cr8 2" },
	{ "raise", SCN_OP_RAISE, { K_IRQL }, 1, 0, "raise 2" },
	{ "lower", SCN_OP_LOWER, { K_IRQL }, 1, 0, "lower 0" },
	{ "acquire", SCN_OP_ACQUIRE, { K_LOCK }, 1, KW_MAIN, "acquire 0" },
	{ "release", SCN_OP_RELEASE, { K_LOCK }, 1, KW_MAIN, "release 0" },
	{ "acquire_dpc", SCN_OP_ACQUIRE_DPC, { K_LOCK }, 1, KW_MAIN, "acquire_dpc 1" },
	{ "release_dpc", SCN_OP_RELEASE_DPC, { K_LOCK }, 1, KW_MAIN, "release_dpc 1" },
	{ "dpc", SCN_OP_DPC, { K_DPCN }, 0, 0, "dpc 4" },
	{ "apc", SCN_OP_APC, { K_APCN }, 0, 0, "apc 2" },
	{ "ipi", SCN_OP_IPI, { K_VEC }, 1, 0, "ipi 0xd1" },
	{ "eoi", SCN_OP_EOI, { K_NONE }, 0, 0, "eoi" },
	{ "clock", SCN_OP_CLOCK, { K_US }, 1, 0, "clock 20" },
	{ "clock_periodic", SCN_OP_CLOCK_PERIODIC, { K_US }, 1, 0, "clock_periodic 1000" },
	{ "clock_stop", SCN_OP_CLOCK_STOP, { K_NONE }, 0, 0, "clock_stop" },
	{ "wait_pending", SCN_OP_WAIT_PENDING, { K_VEC }, 1, KW_MAIN, "wait_pending 0xd1" },
	{ "wait_delivered", SCN_OP_WAIT_DELIVERED, { K_VEC, K_WAITN }, 1, KW_MAIN, "wait_delivered 0x2f 1" },
	{ "spin", SCN_OP_SPIN, { K_CYCLES }, 1, 0, "spin 1000" },
	{ "sti", SCN_OP_STI, { K_NONE }, 0, 0, "sti" },
	{ "cli", SCN_OP_CLI, { K_NONE }, 0, 0, "cli" },
	{ "mark", SCN_OP_MARK, { K_NAME, K_MEAS }, 1, KW_MAIN, "mark measured" },
	{ "out", SCN_OP_OUT, { K_PORT, K_BYTE }, 2, 0, "out 0x80 0" },
	{ "host", SCN_OP_HOST, { K_ACTION, K_IRQL }, 1, KW_MAIN, "host set_tpr 2" },
	{ "repeat", SCN_OP_REPEAT, { K_REPEAT }, 1, KW_BLOCK, "repeat 10 {" },
	{ "isr", SCN_OP_ISR, { K_VEC, K_MODE }, 2, KW_TOP | KW_OPT_BLOCK, "isr 0xd1 raw {" },
	{ "timeout", PSEUDO_TIMEOUT, { K_TIMEOUT }, 1, KW_TOP, "timeout 500000" },
	{ "cpu", SCN_OP_CPU, { K_CPU }, 1, KW_MAIN | KW_BLOCK, "cpu 1 {" },
	{ "signal", SCN_OP_SIGNAL, { K_FLAG }, 1, KW_MAIN, "signal 0" },
	{ "wait", SCN_OP_WAIT, { K_FLAG }, 1, KW_MAIN, "wait 0" },
};
#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

static const char *const host_actions[PLAT_HOST_N] = {
	[PLAT_HOST_SET_TPR] = "set_tpr", [PLAT_HOST_INIT] = "init",
	[PLAT_HOST_AVIC_INHIBIT] = "avic_inhibit", [PLAT_HOST_AVIC_ACTIVATE] = "avic_activate",
};

const char *scn_host_action_name(unsigned action)
{
	return action < PLAT_HOST_N ? host_actions[action] : "?";
}

const char *scn_opcode_name(unsigned code)
{
	unsigned i;

	if (code == SCN_OP_END)
		return "}";
	for (i = 0; i < NKEYWORDS; i++)
		if (keywords[i].code == code)
			return keywords[i].name;
	return "?";
}

struct token {
	const char *s;
	unsigned len;
};

struct block {
	unsigned op;		/* index of the opener */
	bool isr, cpu;
};

struct parser {
	struct scn_prog *p;
	char *err;
	size_t errlen;
	uint64_t max_events;
	unsigned line;
	unsigned depth;
	struct block open[SCN_MAX_DEPTH];
	bool in_isr;
	int in_cpu;		/* the vCPU of the open `cpu N {` block, -1: none */
	bool timeout_set;
	uint16_t on_irqls;	/* IRQLs the program runs at with IF on (bit n) */
	unsigned timeout_line;
	char tokbuf[48];	/* one token of the message being written */
};

/* A token as a C string for messages (tokens are not NUL-terminated). */
static const char *tk(struct parser *ps, const struct token *t)
{
	unsigned n = t->len < 40 ? t->len : 40;

	kmemcpy(ps->tokbuf, t->s, n);
	if (n < t->len)
		kmemcpy(ps->tokbuf + n, "...", 4);
	else
		ps->tokbuf[n] = 0;
	return ps->tokbuf;
}

static int fail(struct parser *ps, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!ps->err || !ps->errlen)
		return -1;
	if (line)
		n = ksnprintf(ps->err, ps->errlen, "line %u: ", line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -1;
	va_start(ap, fmt);
	kvmsgf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool tok_is(const struct token *t, const char *s)
{
	size_t n = kstrlen(s);

	return t->len == n && !kstrncmp(t->s, s, n);
}

/* Edit distance, for "did you mean"; words longer than 24 are not close. */
static unsigned distance(const char *a, unsigned la, const char *b)
{
	unsigned lb = (unsigned)kstrlen(b), row[25], i, j;

	if (la > 24 || lb > 24)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned diag = row[0], up;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static const struct keyword *find_keyword(const struct token *t)
{
	unsigned i;

	for (i = 0; i < NKEYWORDS; i++)
		if (tok_is(t, keywords[i].name))
			return &keywords[i];
	return NULL;
}

static int unknown_keyword(struct parser *ps, const struct token *t)
{
	const char *best = NULL;
	unsigned i, bestd = 3;

	for (i = 0; i < NKEYWORDS; i++) {
		unsigned d = distance(t->s, t->len, keywords[i].name);

		if (d < bestd) {
			bestd = d;
			best = keywords[i].name;
		}
	}
	if (best)
		return fail(ps, ps->line, "unknown keyword '%s'; did you mean '%s'? (keywords: workloads/SCRIPTS.md)",
			    tk(ps, t), best);
	return fail(ps, ps->line, "unknown keyword '%s'; use one of cr8 raise lower acquire release acquire_dpc release_dpc dpc apc ipi eoi clock clock_periodic clock_stop wait_pending wait_delivered spin sti cli out host mark repeat isr timeout",
		    tk(ps, t));
}

static bool name_ok(const struct token *t)
{
	unsigned i;

	if (t->len == 0 || t->len >= SCN_MAX_NAME)
		return false;
	for (i = 0; i < t->len; i++) {
		char c = t->s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static const char *arg_what(unsigned k)
{
	if (k == K_NAME)
		return "a phase name";
	if (k == K_MODE)
		return "a mode, raw or auto";
	if (k == K_MEAS)
		return "'measured' or 'unmeasured'";
	if (k == K_ACTION)
		return "an action: set_tpr N, init, avic_inhibit or avic_activate";
	return arg_desc[k].what;
}

static int parse_number(struct parser *ps, const struct keyword *kw,
			const struct token *t, enum arg_kind k, uint32_t *out)
{
	const struct arg_desc *d = &arg_desc[k];
	uint64_t v;

	if (!kparse_u64(t->s, t->len, &v))
		return fail(ps, ps->line, "'%s' is not a number (%s for '%s'); write it in decimal (12) or hex (0xc), e.g. '%s'",
			    tk(ps, t), d->what, kw->name, kw->usage);
	if (v < d->min || v > d->max) {
		if (d->hex)
			return fail(ps, ps->line, "%s %s out of range for '%s'; use 0x%lx..0x%lx, e.g. '%s'",
				    d->what, tk(ps, t), kw->name, d->min, d->max, kw->usage);
		return fail(ps, ps->line, "%s %s out of range for '%s'; use %lu..%lu, e.g. '%s'",
			    d->what, tk(ps, t), kw->name, d->min, d->max, kw->usage);
	}
	*out = (uint32_t)v;
	return 0;
}

/* 0x10..0x1F are exception vectors too; the four whose exception pushes an
 * error code cannot be interrupts (guestos/arch/x86/isr.S, nt_vector_ok). */
static const char *error_code_vector(unsigned v)
{
	switch (v) {
	case 0x11: return "#AC";
	case 0x15: return "#CP";
	case 0x1d: return "#VC";
	case 0x1e: return "#SX";
	default: return NULL;
	}
}

static struct scn_op *emit(struct parser *ps, uint8_t code)
{
	struct scn_prog *p = ps->p;
	struct scn_op *op;

	if (p->nops >= SCN_MAX_OPS) {
		fail(ps, ps->line, "more than %u instructions; shorten the script (a repeat block counts its body once)",
		     SCN_MAX_OPS);
		return NULL;
	}
	op = &p->ops[p->nops++];
	kmemset(op, 0, sizeof(*op));
	op->code = code;
	op->depth = (uint16_t)ps->depth;
	op->line = ps->line;
	return op;
}

static int find_phase(struct scn_prog *p, const struct token *t)
{
	unsigned i;

	for (i = 0; i < p->nphases; i++)
		if (kstrlen(p->phase_name[i]) == t->len &&
		    !kstrncmp(p->phase_name[i], t->s, t->len))
			return (int)i;
	return -1;
}

static int do_mark(struct parser *ps, struct scn_op *op, const struct token *args,
		   unsigned nargs)
{
	struct scn_prog *p = ps->p;
	bool measured = true;
	int idx;

	if (!name_ok(&args[0]))
		return fail(ps, ps->line, "bad phase name '%s'; use 1..%u letters, digits, '_', '-' or '.', e.g. 'mark measured'",
			    tk(ps, &args[0]), SCN_MAX_NAME - 1);
	if (nargs > 1) {
		if (tok_is(&args[1], "unmeasured"))
			measured = false;
		else if (!tok_is(&args[1], "measured"))
			return fail(ps, ps->line, "'%s' after the phase name; write 'measured' or 'unmeasured' (or nothing: measured)",
				    tk(ps, &args[1]));
	}
	if (tok_is(&args[0], "setup"))
		return fail(ps, ps->line, "phase name 'setup' is taken by phase 0; choose another name");
	idx = find_phase(p, &args[0]);
	if (idx < 0) {
		if (p->nphases >= SCN_MAX_PHASES)
			return fail(ps, ps->line, "more than %u phases; reuse a phase name (mark NAME may appear many times)",
				    SCN_MAX_PHASES);
		idx = (int)p->nphases++;
		kmemcpy(p->phase_name[idx], args[0].s, args[0].len);
		p->phase_name[idx][args[0].len] = 0;
		p->phase_measured[idx] = measured;
	} else if (nargs > 1 && p->phase_measured[idx] != measured) {
		return fail(ps, ps->line, "phase '%s' was declared %s before; a phase is either measured or unmeasured",
			    p->phase_name[idx], p->phase_measured[idx] ? "measured" : "unmeasured");
	}
	op->a = (uint32_t)idx;
	return 0;
}

static int do_isr(struct parser *ps, struct scn_op *op, const struct token *args,
		  bool block)
{
	struct scn_prog *p = ps->p;
	unsigned v = op->a;

	if (tok_is(&args[1], "raw"))
		op->flags |= SCN_F_RAW;
	else if (!tok_is(&args[1], "auto"))
		return fail(ps, ps->line, "isr mode '%s'; write 'raw' (the script EOIs) or 'auto' (the NT dispatcher EOIs), e.g. 'isr 0xd1 raw'",
			    tk(ps, &args[1]));
	if (p->isr_op[v])
		return fail(ps, ps->line, "vector 0x%x already has a handler (line %u); declare each vector once",
			    v, p->ops[p->isr_op[v] - 1].line);
	p->isr_op[v] = (uint16_t)(op - p->ops + 1);
	p->vec[v] |= SCN_V_ISR | ((op->flags & SCN_F_RAW) ? SCN_V_RAW : 0);
	if (block)
		op->flags |= SCN_F_BODY;
	return 0;
}

/* `host ACTION [N]`: only set_tpr takes N (the TPR's class, as an IRQL). */
static int do_host(struct parser *ps, struct scn_op *op, const struct token *args,
		   unsigned nargs, uint32_t n)
{
	unsigned a;

	for (a = 0; a < PLAT_HOST_N; a++)
		if (tok_is(&args[0], host_actions[a]))
			break;
	if (a == PLAT_HOST_N)
		return fail(ps, ps->line, "unknown host action '%s'; use set_tpr N, init, avic_inhibit or avic_activate, e.g. 'host init'",
			    tk(ps, &args[0]));
	if (a == PLAT_HOST_SET_TPR && nargs < 2)
		return fail(ps, ps->line, "'host set_tpr' needs the TPR's class 0..15 (the IRQL it gives the guest); e.g. 'host set_tpr 2'");
	if (a != PLAT_HOST_SET_TPR && nargs > 1)
		return fail(ps, ps->line, "too many arguments for 'host %s': '%s' is extra; e.g. 'host %s'",
			    host_actions[a], tk(ps, &args[1]), host_actions[a]);
	op->a = a;
	op->b = a == PLAT_HOST_SET_TPR ? n : 0;
	if (!ps->p->host_line)
		ps->p->host_line = ps->line;
	return 0;
}

static int open_block(struct parser *ps, struct scn_op *op)
{
	if (ps->depth >= SCN_MAX_DEPTH)
		return fail(ps, ps->line, "blocks nested deeper than %u; flatten the script (multiply the repeat counts)",
			    SCN_MAX_DEPTH);
	ps->open[ps->depth].op = (unsigned)(op - ps->p->ops);
	ps->open[ps->depth].isr = op->code == SCN_OP_ISR;
	ps->open[ps->depth].cpu = op->code == SCN_OP_CPU;
	if (op->code == SCN_OP_ISR)
		ps->in_isr = true;
	if (op->code == SCN_OP_CPU)
		ps->in_cpu = (int)op->a;
	ps->depth++;
	return 0;
}

static int close_block(struct parser *ps)
{
	struct scn_op *op;
	struct block *b;

	if (!ps->depth)
		return fail(ps, ps->line, "'}' without an open block; remove it or open one with 'repeat N {'");
	b = &ps->open[--ps->depth];
	op = emit(ps, SCN_OP_END);
	if (!op)
		return -1;
	op->a = b->op;
	ps->p->ops[b->op].b = (uint32_t)(op - ps->p->ops);
	if (b->isr)
		ps->in_isr = false;
	if (b->cpu)
		ps->in_cpu = -1;
	return 0;
}

static int statement(struct parser *ps, struct token *tok, unsigned ntok)
{
	const struct keyword *kw;
	struct scn_op *op;
	bool block = false, targeted = false;
	unsigned nargs, i, nmax;
	uint32_t val[2] = { 0, 0 }, target = 0;

	if (tok_is(&tok[0], "}")) {
		if (ntok > 1)
			return fail(ps, ps->line, "'}' must be alone on its line; move '%s' to the next line",
				    tk(ps, &tok[1]));
		return close_block(ps);
	}
	if (tok_is(&tok[ntok - 1], "{")) {
		block = true;
		ntok--;
	}
	if (!ntok)
		return fail(ps, ps->line, "'{' alone; put it at the end of the repeat or isr line, e.g. 'repeat 10 {'");
	for (i = 0; i < ntok; i++)
		if (tok_is(&tok[i], "{") || tok_is(&tok[i], "}"))
			return fail(ps, ps->line, "'%c' in the middle of a line; '{' ends a repeat/isr line, '}' stands alone",
				    tok[i].s[0]);
	kw = find_keyword(&tok[0]);
	if (!kw)
		return unknown_keyword(ps, &tok[0]);
	/* `ipi V cpu N`: an IPI to another vCPU */
	if (kw->code == SCN_OP_IPI && ntok >= 3 && tok_is(&tok[2], "cpu")) {
		static const struct keyword ipi_cpu = { "ipi", SCN_OP_IPI, { K_CPU }, 1, 0, "ipi 0x2f cpu 0" };

		if (ntok != 4)
			return fail(ps, ps->line, "'ipi V cpu N' needs the vCPU after 'cpu' and nothing more; e.g. 'ipi 0x2f cpu 0'");
		if (parse_number(ps, &ipi_cpu, &tok[3], K_CPU, &target))
			return -1;
		if (ps->in_cpu < 0)
			return fail(ps, ps->line, "'ipi ... cpu %u' outside a 'cpu N {' block: every vCPU would send it, vCPU %u to itself; put it in the block of the vCPU that sends it, e.g. 'cpu %u {'",
				    target, target, target ? 0 : 1);
		if ((unsigned)ps->in_cpu == target)
			return fail(ps, ps->line, "'ipi ... cpu %u' in the block of vCPU %u: an IPI to itself is 'ipi V'; name another vCPU",
				    target, target);
		targeted = true;
		ntok = 2;
	}
	nargs = ntok - 1;
	nmax = kw->arg[1] ? 2 : kw->arg[0] ? 1 : 0;
	if (nargs < kw->nreq)
		return fail(ps, ps->line, "'%s' needs %s; e.g. '%s'", kw->name,
			    arg_what(kw->arg[nargs]), kw->usage);
	if (nargs > nmax)
		return fail(ps, ps->line, "too many arguments for '%s': '%s' is extra; e.g. '%s'", kw->name,
			    tk(ps, &tok[nmax + 1]),
			    kw->usage);
	if ((kw->flags & KW_BLOCK) && !block)
		return fail(ps, ps->line, "'%s' needs a block: end the line with '{' and close it with '}' on its own line, e.g. '%s'",
			    kw->name, kw->usage);
	if (block && !(kw->flags & (KW_BLOCK | KW_OPT_BLOCK)))
		return fail(ps, ps->line, "'%s' does not open a block; remove the '{'", kw->name);
	if ((kw->flags & KW_TOP) && ps->depth)
		return fail(ps, ps->line, "'%s' belongs at the top level, not inside a block; move it out", kw->name);
	if (kw->code == SCN_OP_EOI && ps->in_isr &&
	    !(ps->p->ops[ps->open[0].op].flags & SCN_F_RAW))
		return fail(ps, ps->line, "'eoi' in an auto isr body: the NT dispatcher EOIs after the body; remove it or declare the isr raw");
	if ((kw->flags & KW_MAIN) && ps->in_isr)
		return fail(ps, ps->line, "'%s' is not allowed in an isr body (only cr8 raise lower sti cli dpc apc ipi eoi clock clock_periodic clock_stop spin out repeat); move it to the main flow",
			    kw->name);
	for (i = 0; i < nargs && i < 2; i++) {
		if (kw->arg[i] >= K_NAME)
			continue;
		if (kw->arg[i] == K_IRQL && tok_is(&tok[1 + i], "old")) {
			if (!ps->in_isr)
				return fail(ps, ps->line, "'%s old' outside an isr body: 'old' is the IRQL a handler interrupted; write an IRQL 0..15, e.g. '%s'",
					    kw->name, kw->usage);
			val[i] = SCN_IRQL_OLD;
			continue;
		}
		if (parse_number(ps, kw, &tok[1 + i], (enum arg_kind)kw->arg[i], &val[i]))
			return -1;
		if (kw->arg[i] == K_VEC && error_code_vector(val[i]))
			return fail(ps, ps->line, "vector 0x%x is also %s, whose exception pushes an error code: the guest's IDT stub cannot take it as an interrupt; use another vector of 0x10..0xfe (0x1f is APC_LEVEL's)",
				    val[i], error_code_vector(val[i]));
	}
	if (kw->code == PSEUDO_TIMEOUT) {
		if (ps->timeout_set)
			return fail(ps, ps->line, "'timeout' given twice (first at line %u); keep one", ps->timeout_line);
		ps->timeout_set = true;
		ps->timeout_line = ps->line;
		ps->p->timeout_us = val[0];
		return 0;
	}
	op = emit(ps, kw->code);
	if (!op)
		return -1;
	op->a = val[0];
	op->b = val[1];
	switch (kw->code) {
	case SCN_OP_APC:
		if (!nargs)
			op->a = 1;
		break;
	case SCN_OP_CR8:
	case SCN_OP_RAISE:
	case SCN_OP_LOWER:
	case SCN_OP_STI:
	case SCN_OP_CLI:
		if (ps->in_isr)	/* isr blocks are top level: open[0] */
			ps->p->ops[ps->open[0].op].flags |= SCN_F_STATE;
		break;
	case SCN_OP_DPC:
		if (!nargs)
			op->a = 1;
		break;
	case SCN_OP_OUT:
		if (op->a != SCN_OUT_PORT_POST && op->a != SCN_OUT_PORT_DELAY)
			return fail(ps, ps->line, "port 0x%x cannot be written by a script; use 0x80 or 0xed "
				    "(ports every PC ignores: one io exit and nothing else), e.g. '%s'",
				    op->a, kw->usage);
		break;
	case SCN_OP_WAIT_DELIVERED:
		if (nargs < 2)
			op->b = 1;
		ps->p->vec[op->a] |= SCN_V_USED | SCN_V_WAITED;
		break;
	case SCN_OP_IPI:
		if (targeted) {
			op->flags |= SCN_F_TARGET;
			op->b = target;
			if (target + 1 > ps->p->ncpus)
				ps->p->ncpus = target + 1;
		}
		ps->p->vec[op->a] |= SCN_V_USED;
		break;
	case SCN_OP_WAIT_PENDING:
		ps->p->vec[op->a] |= SCN_V_USED;
		break;
	case SCN_OP_CPU:
		if (ps->in_cpu >= 0)
			return fail(ps, ps->line, "'cpu %u {' inside the block of vCPU %d: a block runs on one vCPU; close the first one before",
				    op->a, ps->in_cpu);
		if (op->a + 1 > ps->p->ncpus)
			ps->p->ncpus = op->a + 1;
		break;
	case SCN_OP_CLOCK:
	case SCN_OP_CLOCK_PERIODIC:
		ps->p->vec[CLOCK_VEC] |= SCN_V_USED;
		break;
	case SCN_OP_MARK:
		if (ps->in_cpu >= 0)
			return fail(ps, ps->line, "'mark' inside a 'cpu %d {' block: every vCPU goes through the same phases; move it out of the block",
				    ps->in_cpu);
		return do_mark(ps, op, &tok[1], nargs);
	case SCN_OP_HOST:
		return do_host(ps, op, &tok[1], nargs, val[1]);
	case SCN_OP_ISR:
		if (do_isr(ps, op, &tok[1], block))
			return -1;
		break;
	}
	if (block)
		return open_block(ps, op);
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Splits one line (comment already cut) into tokens; '{' and '}' are
 * tokens of their own even when written next to a word. */
static int tokenize(struct parser *ps, const char *s, size_t n, struct token *tok,
		    unsigned *ntok)
{
	size_t i = 0;

	*ntok = 0;
	while (i < n) {
		size_t j;

		if (is_space(s[i])) {
			i++;
			continue;
		}
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return fail(ps, ps->line, "unexpected byte 0x%02x at column %u; scripts are ASCII text (non-ASCII only in # comments)",
				    (unsigned char)s[i], (unsigned)i + 1);
		if (*ntok == MAX_TOKENS)
			return fail(ps, ps->line, "too many words on one line; one instruction per line");
		j = i + 1;
		if (s[i] != '{' && s[i] != '}')
			while (j < n && !is_space(s[j]) && s[j] != '{' && s[j] != '}' &&
			       (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x7e)
				j++;
		tok[*ntok].s = s + i;
		tok[*ntok].len = (unsigned)(j - i);
		(*ntok)++;
		i = j;
	}
	return 0;
}

static int parse_lines(struct parser *ps, const char *text, size_t len)
{
	size_t pos = 0;

	if (len >= 3 && (unsigned char)text[0] == 0xef &&
	    (unsigned char)text[1] == 0xbb && (unsigned char)text[2] == 0xbf)
		pos = 3;	/* UTF-8 byte order mark */
	while (pos < len) {
		size_t end = pos, code_end, i;
		struct token tok[MAX_TOKENS];
		unsigned ntok;

		ps->line++;
		while (end < len && text[end] != '\n')
			end++;
		for (i = pos; i < end; i++)
			if (!text[i])
				return fail(ps, ps->line, "NUL byte at column %u; the script must be plain text",
					    (unsigned)(i - pos) + 1);
		if (end - pos + 1 > SCN_MAX_LINE)
			return fail(ps, ps->line, "line longer than %u characters; split it or shorten the comment",
				    SCN_MAX_LINE - 1);
		code_end = pos;
		while (code_end < end && text[code_end] != '#')
			code_end++;
		if (tokenize(ps, text + pos, code_end - pos, tok, &ntok))
			return -1;
		if (ntok && statement(ps, tok, ntok))
			return -1;
		pos = end + 1;
	}
	if (ps->depth) {
		const struct scn_op *op = &ps->p->ops[ps->open[ps->depth - 1].op];

		return fail(ps, op->line, "the '%s' block opened here is not closed; add '}' on a line of its own",
			    scn_opcode_name(op->code));
	}
	return 0;
}

/* --- static checks -------------------------------------------------------- */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	if (a && b > UINT64_MAX / a)
		return UINT64_MAX;
	return a * b;
}

/* Index of the op after the one at i, skipping isr declarations' bodies. */
static unsigned next_op(const struct scn_prog *p, unsigned i)
{
	const struct scn_op *op = &p->ops[i];

	if (op->code == SCN_OP_ISR)
		return (op->flags & SCN_F_BODY) ? op->b + 1 : i + 1;
	if (op->code == SCN_OP_REPEAT || op->code == SCN_OP_CPU)
		return op->b + 1;
	return i + 1;
}

static int count_range(struct parser *ps, unsigned i, unsigned end, uint64_t *out)
{
	const struct scn_prog *p = ps->p;
	uint64_t total = 0;

	for (; i < end; i = next_op(p, i)) {
		const struct scn_op *op = &p->ops[i];
		uint64_t n = 1, body;

		if (op->code == SCN_OP_ISR)
			continue;
		if (op->code == SCN_OP_CPU) {	/* on one vCPU: at most this */
			if (count_range(ps, i + 1, op->b, &n))
				return -1;
		} else if (op->code == SCN_OP_REPEAT) {
			if (count_range(ps, i + 1, op->b, &body))
				return -1;
			n = sat_mul(body, op->a);
			if (n > ps->max_events)
				return fail(ps, op->line, "this repeat executes %lu instructions, more than the limit %lu; lower its count",
					    n, ps->max_events);
		} else if (op->code == SCN_OP_DPC || op->code == SCN_OP_APC) {
			n = op->a;
		}
		total = sat_add(total, n);
		if (total > ps->max_events)
			return fail(ps, op->line, "the script executes more than %lu instructions per run here; lower the repeat counts",
				    ps->max_events);
	}
	*out = total;
	return 0;
}

void scn_state_init(struct scn_state *s)
{
	kmemset(s, 0, sizeof(*s));
}

static bool state_eq(const struct scn_state *a, const struct scn_state *b)
{
	unsigned k;

	if (a->irql != b->irql || a->if_off != b->if_off)
		return false;
	for (k = 0; k < SCN_NLOCKS; k++)
		if (a->held[k] != b->held[k] || (a->held[k] && a->old[k] != b->old[k]))
			return false;
	return true;
}

static void state_text(const struct scn_state *s, char *buf, size_t n)
{
	size_t len;
	unsigned k;
	bool any = false;

	len = (size_t)ksnprintf(buf, n, "IRQL %u", s->irql);
	for (k = 0; k < SCN_NLOCKS && len < n; k++) {
		if (!s->held[k])
			continue;
		len += (size_t)ksnprintf(buf + len, n - len, "%s%u", any ? " " : ", locks held: ", k);
		any = true;
	}
	if (s->if_off && len < n)
		ksnprintf(buf + len, n - len, ", interrupts off");
}

static bool state_held(const struct scn_state *s)
{
	unsigned k;

	for (k = 0; k < SCN_NLOCKS; k++)
		if (s->held[k])
			return true;
	return false;
}

static bool vec_masked(const struct scn_state *s, unsigned v)
{
	return s->if_off || (v >> 4) <= s->irql;
}

int scn_step(struct scn_state *s, const struct scn_op *op, char *msg, size_t n)
{
	unsigned a = op->a;

	if (a == SCN_IRQL_OLD && (op->code == SCN_OP_CR8 || op->code == SCN_OP_RAISE ||
				  op->code == SCN_OP_LOWER))
		a = s->entry;

	switch (op->code) {
	case SCN_OP_CR8:
		s->irql = (uint8_t)a;
		break;
	case SCN_OP_RAISE:
		if (a < s->irql) {
			kmsgf(msg, n, "raise %u below the current IRQL %u; use 'lower %u' or 'cr8 %u'",
				  a, s->irql, a, a);
			return -1;
		}
		s->irql = (uint8_t)a;
		break;
	case SCN_OP_LOWER:
		if (a > s->irql) {
			kmsgf(msg, n, "lower %u above the current IRQL %u; use 'raise %u' or 'cr8 %u'",
				  a, s->irql, a, a);
			return -1;
		}
		s->irql = (uint8_t)a;
		break;
	case SCN_OP_ACQUIRE:
	case SCN_OP_ACQUIRE_DPC:
		if (s->held[a]) {
			kmsgf(msg, n, "lock %u is already held (taken at line %u): this deadlocks; release it first or use another lock",
				  a, s->held_line[a]);
			return -1;
		}
		if (op->code == SCN_OP_ACQUIRE && s->irql > DISPATCH) {
			kmsgf(msg, n, "acquire at IRQL %u; KeAcquireSpinLock needs IRQL <= 2: lower first", s->irql);
			return -1;
		}
		if (op->code == SCN_OP_ACQUIRE_DPC && s->irql < DISPATCH) {
			kmsgf(msg, n, "acquire_dpc at IRQL %u; KeAcquireSpinLockAtDpcLevel needs IRQL >= 2: raise 2 first or use 'acquire %u'",
				  s->irql, a);
			return -1;
		}
		s->held[a] = op->code == SCN_OP_ACQUIRE ? 1 : 2;
		s->old[a] = s->irql;
		s->held_line[a] = op->line;
		if (op->code == SCN_OP_ACQUIRE)
			s->irql = DISPATCH;
		break;
	case SCN_OP_RELEASE:
	case SCN_OP_RELEASE_DPC:
		if (!s->held[a]) {
			kmsgf(msg, n, "release of lock %u, which is not held; acquire it first or remove this line", a);
			return -1;
		}
		if (op->code == SCN_OP_RELEASE && s->held[a] != 1) {
			kmsgf(msg, n, "lock %u was taken with acquire_dpc (line %u); release it with 'release_dpc %u'",
				  a, s->held_line[a], a);
			return -1;
		}
		if (op->code == SCN_OP_RELEASE_DPC && s->held[a] != 2) {
			kmsgf(msg, n, "lock %u was taken with acquire (line %u); release it with 'release %u'",
				  a, s->held_line[a], a);
			return -1;
		}
		if (op->code == SCN_OP_RELEASE && s->irql != DISPATCH) {
			kmsgf(msg, n, "release %u at IRQL %u; KeReleaseSpinLock runs at DISPATCH_LEVEL (2): cr8 2 first",
				  a, s->irql);
			return -1;
		}
		if (op->code == SCN_OP_RELEASE_DPC && s->irql < DISPATCH) {
			kmsgf(msg, n, "release_dpc %u at IRQL %u; KeReleaseSpinLockFromDpcLevel needs IRQL >= 2", a, s->irql);
			return -1;
		}
		if (op->code == SCN_OP_RELEASE)
			s->irql = s->old[a];
		s->held[a] = 0;
		break;
	case SCN_OP_WAIT_DELIVERED:
		if (vec_masked(s, a)) {
			kmsgf(msg, n, "wait_delivered 0x%x can never succeed: %s; %s first",
				  a, s->if_off ? "interrupts are off (cli)" : "the IRQL masks it",
				  s->if_off ? "sti" : "lower the IRQL below the vector's class");
			return -1;
		}
		break;
	case SCN_OP_WAIT_PENDING:
		if (!vec_masked(s, a)) {
			kmsgf(msg, n, "wait_pending 0x%x at IRQL %u with interrupts on: the vector would be delivered, not stay pending; raise to %u or cli first",
				  a, s->irql, a >> 4);
			return -1;
		}
		break;
	case SCN_OP_HOST:
		if (a == PLAT_HOST_SET_TPR) {
			s->irql = (uint8_t)op->b;	/* the guest's TPR is now the host's */
			break;
		}
		if (a == PLAT_HOST_INIT && (s->irql || s->if_off || state_held(s))) {
			char t[100];

			state_text(s, t, sizeof(t));
			kmsgf(msg, n, "host init resets the vCPU to IRQL 0 with no lock held, but the script is at %s; release the locks, lower to 0 and sti first",
			      t);
			return -1;
		}
		break;
	case SCN_OP_STI:
		s->if_off = false;
		break;
	case SCN_OP_CLI:
		s->if_off = true;
		break;
	default:
		break;
	}
	return 0;
}

/* A repeat's body or a `cpu` block that does not end in the state it
 * started in (first: the start, s: the end).  Out of line: keeps the
 * message buffers off sim_range's recursive frames. */
static __attribute__((noinline)) int block_unbalanced(struct parser *ps, const struct scn_op *op,
						      const struct scn_state *first,
						      const struct scn_state *s)
{
	char t1[100], t2[100];

	state_text(first, t1, sizeof(t1));
	state_text(s, t2, sizeof(t2));
	if (op->code == SCN_OP_CPU)
		return fail(ps, op->line, "the block of vCPU %u starts at %s and ends at %s: the other vCPUs go on from where it started; make it end as it started",
			    op->a, t1, t2);
	return fail(ps, op->line, "the body of this repeat ends differently each pass (%s after the 1st, %s after the 2nd); make it end as it started",
		    t1, t2);
}

static __attribute__((noinline)) int step(struct parser *ps, struct scn_state *s,
					  const struct scn_op *op)
{
	char msg[SCN_MSG_MAX];

	if (scn_step(s, op, msg, sizeof(msg)))
		return fail(ps, op->line, "%s", msg);
	if (!s->if_off)
		ps->on_irqls |= (uint16_t)(1u << s->irql);
	return 0;
}

static int sim_range(struct parser *ps, unsigned i, unsigned end, struct scn_state *s)
{
	const struct scn_prog *p = ps->p;

	for (; i < end; i = next_op(p, i)) {
		const struct scn_op *op = &p->ops[i];
		struct scn_state first;

		if (op->code == SCN_OP_ISR)
			continue;
		if (op->code == SCN_OP_CPU) {
			first = *s;
			if (sim_range(ps, i + 1, op->b, s))
				return -1;
			if (!state_eq(&first, s))
				return block_unbalanced(ps, op, &first, s);
			continue;
		}
		if (op->code != SCN_OP_REPEAT) {
			if (step(ps, s, op))
				return -1;
			continue;
		}
		if (sim_range(ps, i + 1, op->b, s))
			return -1;
		if (op->a < 2)
			continue;
		first = *s;
		if (sim_range(ps, i + 1, op->b, s))
			return -1;
		if (!state_eq(&first, s))
			return block_unbalanced(ps, op, &first, s);
	}
	return 0;
}

/* Does the handler of vector `from` (directly or through others) trigger
 * `from` again?  An endless chain of interrupts would starve the script. */
static int isr_cycle(struct parser *ps, unsigned from)
{
	const struct scn_prog *p = ps->p;
	uint8_t stack[SCN_NVEC], seen[SCN_NVEC];
	unsigned sp = 0;

	kmemset(seen, 0, sizeof(seen));
	stack[sp++] = (uint8_t)from;
	seen[from] = 1;
	while (sp) {
		const struct scn_op *isr = &p->ops[p->isr_op[stack[--sp]] - 1];
		unsigned i;

		if (!(isr->flags & SCN_F_BODY))
			continue;
		for (i = (unsigned)(isr - p->ops) + 1; i < isr->b; i++) {
			const struct scn_op *op = &p->ops[i];
			unsigned to;

			if (op->code == SCN_OP_IPI)
				to = op->a;
			else if (op->code == SCN_OP_CLOCK || op->code == SCN_OP_CLOCK_PERIODIC)
				to = CLOCK_VEC;
			else
				continue;
			if (to == from)
				return fail(ps, op->line, "the handler chain of 0x%x triggers 0x%x again here (an endless chain of interrupts); arm the clock or send the IPI from the main flow",
					    from, to);
			if (p->isr_op[to] && !seen[to]) {
				seen[to] = 1;
				stack[sp++] = (uint8_t)to;
			}
		}
	}
	return 0;
}

/* The `isr` op declaring v's handler, or NULL. */
static const struct scn_op *isr_of(const struct scn_prog *p, unsigned v)
{
	return p->isr_op[v] ? &p->ops[p->isr_op[v] - 1] : NULL;
}

/*
 * The IRQLs the handler `isr` may start its body at (bit n: IRQL n).  A
 * vector is delivered only where the IRQL is below its class and IF is on
 * (ps->on_irqls, which the static walk collects).  raw: the body starts at
 * the interrupted IRQL; auto: at the vector's class, where the dispatcher
 * raised CR8 (the clock also at the interrupted IRQL: with
 * clock_raises_irql=0 the dispatcher leaves CR8 alone).
 */
static uint16_t isr_entries(const struct parser *ps, const struct scn_op *isr)
{
	unsigned cls = isr->a >> 4;
	uint16_t below = ps->on_irqls & (uint16_t)((1u << cls) - 1);

	if (!below || (isr->flags & SCN_F_RAW))
		return below;
	if (isr->a == CLOCK_VEC)
		return (uint16_t)(below | (1u << cls));
	return (uint16_t)(1u << cls);
}

/* One handler's body from entry IRQL e: the state rules hold on every op
 * and the body ends at the IRQL it started at (IF may end either way: the
 * iret restores the interrupted RFLAGS, the auto dispatcher clears it). */
static int check_handler(struct parser *ps, const struct scn_op *isr, unsigned e)
{
	struct scn_state s;
	bool raw = (isr->flags & SCN_F_RAW) != 0;

	scn_state_init(&s);
	s.irql = s.entry = (uint8_t)e;
	s.if_off = raw;
	if (!raw)
		ps->on_irqls |= (uint16_t)(1u << e);
	if (!(isr->flags & SCN_F_BODY))
		return 0;
	if (sim_range(ps, (unsigned)(isr - ps->p->ops) + 1, isr->b, &s))
		return -1;
	if (s.irql != e)
		return fail(ps, isr->line, "the handler of 0x%x can start at IRQL %u (%s) but ends at IRQL %u; end it at the IRQL it started at, e.g. with 'cr8 old'",
			    isr->a, e, raw ? "the IRQL it interrupts" : "the dispatcher raised to it", s.irql);
	return 0;
}

/* Every handler from every IRQL it may start at, until no new IF-on IRQL
 * turns up (a handler that lowers or enables interrupts lets others nest:
 * at most 16 IRQLs, so this ends). */
static int check_handlers(struct parser *ps)
{
	const struct scn_prog *p = ps->p;
	uint16_t done[SCN_NVEC];
	uint16_t before;
	unsigned v, e;

	kmemset(done, 0, sizeof(done));
	do {
		before = ps->on_irqls;
		for (v = 0; v < SCN_NVEC; v++) {
			const struct scn_op *isr = isr_of(p, v);
			uint16_t todo;

			if (!isr)
				continue;
			todo = (uint16_t)(isr_entries(ps, isr) & ~done[v]);
			for (e = 0; e < 16; e++) {
				if (!(todo & (1u << e)))
					continue;
				done[v] |= (uint16_t)(1u << e);
				if (check_handler(ps, isr, e))
					return -1;
			}
		}
	} while (ps->on_irqls != before);
	return 0;
}

static int check_program(struct parser *ps)
{
	struct scn_prog *p = ps->p;
	struct scn_state s, s0;
	char t[100];
	unsigned v;

	if (count_range(ps, 0, p->nops, &p->static_ops))
		return -1;
	if (!p->static_ops)
		return fail(ps, ps->line ? ps->line : 1, "the script has no instructions to run; add some (see workloads/SCRIPTS.md)");
	for (v = 0; v < SCN_NVEC; v++) {
		const struct scn_op *isr = isr_of(p, v);
		uint64_t n;

		if (!isr || !(isr->flags & SCN_F_BODY))
			continue;
		if (count_range(ps, p->isr_op[v], isr->b, &n) || isr_cycle(ps, v))
			return -1;
	}
	for (v = 0; v < p->nops; v++) {
		const struct scn_op *op = &p->ops[v];
		bool dpc = op->code == SCN_OP_DPC;
		unsigned sw = dpc ? DPC_VEC : APC_VEC;

		if ((dpc || op->code == SCN_OP_APC) && p->isr_op[sw])
			return fail(ps, op->line, "'%s' queues %ss for the NT layer's %s interrupt, which 'isr 0x%x' (line %u) replaces: nothing would run them; request the interrupt with 'ipi 0x%x', or drop the 'isr 0x%x'",
				    dpc ? "dpc" : "apc", dpc ? "DPC" : "APC", dpc ? "DISPATCH" : "APC",
				    sw, p->ops[p->isr_op[sw] - 1].line, sw, sw);
	}
	for (v = 0; v < p->nops; v++) {
		const struct scn_op *op = &p->ops[v];
		bool signalled = false;

		if (op->code != SCN_OP_WAIT)
			continue;
		for (unsigned k = 0; k < p->nops && !signalled; k++)
			signalled = p->ops[k].code == SCN_OP_SIGNAL && p->ops[k].a == op->a;
		if (!signalled)
			return fail(ps, op->line, "'wait %u' with no 'signal %u' in the script: it would wait for ever; signal it from another vCPU's block",
				    op->a, op->a);
	}
	scn_state_init(&s);
	s0 = s;
	ps->on_irqls = 1;	/* a run starts at IRQL 0 with interrupts on */
	if (sim_range(ps, 0, p->nops, &s))
		return -1;
	if (!state_eq(&s, &s0)) {
		state_text(&s, t, sizeof(t));
		return fail(ps, ps->line, "the script ends at %s; a run must end as it starts: IRQL 0, no lock held, interrupts on",
			    t);
	}
	return check_handlers(ps);
}

int scn_parse_limit(const char *text, size_t len, struct scn_prog *prog,
		    uint64_t max_events, char *err, size_t errlen)
{
	struct parser ps;

	kmemset(&ps, 0, sizeof(ps));
	ps.p = prog;
	ps.err = err;
	ps.errlen = errlen;
	ps.max_events = max_events;
	if (err && errlen)
		err[0] = 0;
	kmemset(prog, 0, sizeof(*prog));
	ps.in_cpu = -1;
	prog->ncpus = 1;
	prog->phase_base = 1;
	prog->timeout_us = SCN_DEFAULT_TIMEOUT_US;
	if (!text && len)
		return fail(&ps, 0, "script: no text; pass the script's bytes");
	if (len > SCN_MAX_FILE)
		return fail(&ps, 0, "script too big: %lu bytes, the limit is %u; shorten it (use repeat)",
			    (uint64_t)len, SCN_MAX_FILE);
	if (parse_lines(&ps, text, len) || check_program(&ps)) {
		/* leave no half-built program behind */
		kmemset(prog, 0, sizeof(*prog));
		return -1;
	}
	return 0;
}

int scn_parse(const char *text, size_t len, struct scn_prog *prog,
	      char *err, size_t errlen)
{
	return scn_parse_limit(text, len, prog, SCN_MAX_EVENTS, err, errlen);
}

uint64_t scn_static_ops(const struct scn_prog *prog)
{
	return prog->static_ops;
}

int scn_op_text(const struct scn_prog *prog, unsigned i, char *buf, size_t n)
{
	const struct scn_op *op = &prog->ops[i];
	const char *name = scn_opcode_name(op->code);

	switch (op->code) {
	case SCN_OP_CR8:
	case SCN_OP_RAISE:
	case SCN_OP_LOWER:
		if (op->a == SCN_IRQL_OLD)
			return ksnprintf(buf, n, "%s old", name);
		return ksnprintf(buf, n, "%s %u", name, op->a);
	case SCN_OP_ACQUIRE:
	case SCN_OP_RELEASE:
	case SCN_OP_ACQUIRE_DPC:
	case SCN_OP_RELEASE_DPC:
	case SCN_OP_CLOCK:
	case SCN_OP_CLOCK_PERIODIC:
	case SCN_OP_SPIN:
		return ksnprintf(buf, n, "%s %u", name, op->a);
	case SCN_OP_DPC:
	case SCN_OP_APC:
		if (op->a == 1)
			return ksnprintf(buf, n, "%s", name);
		return ksnprintf(buf, n, "%s %u", name, op->a);
	case SCN_OP_IPI:
		if (op->flags & SCN_F_TARGET)
			return ksnprintf(buf, n, "ipi 0x%02x cpu %u", op->a, op->b);
		return ksnprintf(buf, n, "%s 0x%02x", name, op->a);
	case SCN_OP_WAIT_PENDING:
		return ksnprintf(buf, n, "%s 0x%02x", name, op->a);
	case SCN_OP_SIGNAL:
	case SCN_OP_WAIT:
		return ksnprintf(buf, n, "%s %u", name, op->a);
	case SCN_OP_CPU:
		return ksnprintf(buf, n, "cpu %u {", op->a);
	case SCN_OP_WAIT_DELIVERED:
		if (op->b == 1)
			return ksnprintf(buf, n, "%s 0x%02x", name, op->a);
		return ksnprintf(buf, n, "%s 0x%02x %u", name, op->a, op->b);
	case SCN_OP_OUT:
		return ksnprintf(buf, n, "out 0x%02x 0x%02x", op->a, op->b);
	case SCN_OP_HOST:
		if (op->a == PLAT_HOST_SET_TPR)
			return ksnprintf(buf, n, "host set_tpr %u", op->b);
		return ksnprintf(buf, n, "host %s", scn_host_action_name(op->a));
	case SCN_OP_MARK:
		return ksnprintf(buf, n, "mark %s%s", prog->phase_name[op->a],
				 prog->phase_measured[op->a] ? "" : " unmeasured");
	case SCN_OP_REPEAT:
		return ksnprintf(buf, n, "repeat %u {", op->a);
	case SCN_OP_ISR:
		return ksnprintf(buf, n, "isr 0x%02x %s%s", op->a,
				 (op->flags & SCN_F_RAW) ? "raw" : "auto",
				 (op->flags & SCN_F_BODY) ? " {" : "");
	default:
		return ksnprintf(buf, n, "%s", name);
	}
}

size_t scn_format(const struct scn_prog *prog, char *buf, size_t n)
{
	char line[128];
	size_t len = 0;
	unsigned i, d;

	if (n)
		buf[0] = 0;
	if (prog->timeout_us != SCN_DEFAULT_TIMEOUT_US) {
		ksnprintf(line, sizeof(line), "timeout %u\n", prog->timeout_us);
		len += (size_t)ksnprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, "%s", line);
	}
	for (i = 0; i < prog->nops; i++) {
		size_t l = 0;

		for (d = 0; d < prog->ops[i].depth && l < sizeof(line) - 1; d++)
			line[l++] = '\t';
		scn_op_text(prog, i, line + l, sizeof(line) - l);
		len += (size_t)ksnprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, "%s\n", line);
	}
	return len;
}
