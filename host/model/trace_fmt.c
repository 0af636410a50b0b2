// SPDX-License-Identifier: MIT
/*
 * trace_fmt.c - the step table of a model run as text, Markdown or CSV,
 * and the replay of the upstream discussion's table for seed-table
 * (docs/kvm-cr8-model.md §8), with the rows where the kernel code differs
 * from the discussion marked.
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#include "workload.h"

/* The discussion's table: event, IRR|ISR classes, TPR, PPR, intercept. */
static const struct disc_row {
	const char *event;
	unsigned set;		/* bitmask of classes */
	unsigned tpr, ppr;
	bool I;
} disc[14] = {
	[1] = { "initial", 0, 0, 0, false },
	[2] = { "take SL#1 (CR8=2)", 0, 2, 2, false },
	[3] = { "timer fires, injected", 1u << 13, 2, 13, false },
	[4] = { "ISR requests DPC (self-IPI)", 1u << 2 | 1u << 13, 2, 13, false },
	[5] = { "timer EOI", 1u << 2, 2, 2, true },
	[6] = { "take SL#2 (CR8=2)", 1u << 2, 2, 2, true },
	[7] = { "release SL#2 (CR8=2)", 1u << 2, 2, 2, true },
	[8] = { "release SL#1 (CR8=0)", 1u << 2, 0, 0, true },
	[9] = { "DPC injected", 1u << 2, 0, 2, false },
	[10] = { "handler raises CR8=2", 1u << 2, 2, 2, true },
	[11] = { "DPC EOI", 0, 2, 2, false },
	[12] = { "DPC queue processed", 0, 2, 2, false },
	[13] = { "CR8=0", 0, 0, 0, false },
};

static unsigned step_classes(const struct kp_step *s)
{
	unsigned m = 0;

	for (unsigned w = 0; w < 4; w++) {
		uint64_t b = s->irr[w] | s->isr[w];

		while (b) {
			m |= 1u << ((w * 64 + (unsigned)__builtin_ctzll(b)) >> 4);
			b &= b - 1;
		}
	}
	return m;
}

static void fmt_classes(char *buf, size_t len, unsigned m)
{
	size_t n = 0;

	n += (size_t)snprintf(buf, len, "{");
	for (unsigned c = 0; c < 16 && n < len; c++)
		if (m >> c & 1)
			n += (size_t)snprintf(buf + n, len - n, "%s%u", n > 1 ? "," : "", c);
	if (n < len)
		snprintf(buf + n, len - n, "}");
}

static int find(const struct sim_result *r, size_t from, enum kp_ev ev, int arg)
{
	for (size_t i = from; i < r->nsteps; i++)
		if (r->steps[i].phase == PH_MEASURE && r->steps[i].s.ev == ev &&
		    (arg < 0 || r->steps[i].s.arg == arg))
			return (int)i;
	return -1;
}

unsigned trace_align_seed(const struct sim_result *r, unsigned char *d)
{
	static const struct {
		unsigned row;
		enum kp_ev ev;
		int arg;
	} pat[] = {
		{ 2, KE_WRCR8, 2 }, { 3, KE_INJECT, 0xd1 }, { 4, KE_SELF_IPI, 0x2f },
		{ 5, KE_EOI, -1 }, { 6, KE_WRCR8, 2 }, { 7, KE_WRCR8, 2 },
		{ 8, KE_WRCR8, 0 }, { 9, KE_INJECT, 0x2f }, { 10, KE_WRCR8, 2 },
		{ 11, KE_EOI, -1 }, { 13, KE_WRCR8, 0 },
	};
	size_t from = 0;
	unsigned n = 0;

	memset(d, 0, r->nsteps);
	for (unsigned i = 0; i < sizeof(pat) / sizeof(pat[0]); i++) {
		int k = find(r, from, pat[i].ev, pat[i].arg);

		if (k < 0)
			break;
		d[k] = (unsigned char)pat[i].row;
		from = (size_t)k + 1;
		n++;
	}
	return n;
}

bool trace_seed_differs(const struct sim_step *st, unsigned row)
{
	return row >= 1 && row <= 13 && st->s.I != disc[row].I;
}

/* --- one row ------------------------------------------------------------- */

struct cols {
	char t[32], ev[48], exit[48], inj[16], irr[128], isr[128], cr8[16], tpr[16],
	     ppr[16], icpt[24], disc[160];
};

static void fill(struct cols *c, const struct sim_step *st, enum kp_policy p,
		 double tsc_hz, unsigned row)
{
	const struct kp_step *s = &st->s;

	snprintf(c->t, sizeof(c->t), "%.3f", (double)s->t * 1e6 / tsc_hz);
	if (s->ev == KE_HOST && (s->arg >> 8) == KH_SET_TPR)
		snprintf(c->ev, sizeof(c->ev), "host set_tpr %d", s->arg & 0xff);
	else if (s->ev == KE_HOST)
		snprintf(c->ev, sizeof(c->ev), "host %s",
			 kp_host_action_name((enum kp_host_action)(s->arg >> 8)));
	else if (s->ev == KE_ENTRY_FAIL)
		snprintf(c->ev, sizeof(c->ev), "entry-fail thr=%d", s->arg);
	else if (s->arg >= 0 && s->ev == KE_WRCR8)
		snprintf(c->ev, sizeof(c->ev), "cr8=%d", s->arg);
	else if (s->arg >= 0 && s->ev == KE_IO)
		snprintf(c->ev, sizeof(c->ev), "phase %d", s->arg);
	else if (s->arg >= 0)
		snprintf(c->ev, sizeof(c->ev), "%s %02x", kp_ev_name(s->ev), s->arg);
	else
		snprintf(c->ev, sizeof(c->ev), "%s", kp_ev_name(s->ev));
	snprintf(c->exit, sizeof(c->exit), "%s",
		 s->exit >= 0 ? kp_exit_name(p, (enum kp_exit)s->exit) : "-");
	if (s->injected >= 0)
		snprintf(c->inj, sizeof(c->inj), "%02x", s->injected);
	else
		snprintf(c->inj, sizeof(c->inj), "-");
	kp_fmt_set(c->irr, sizeof(c->irr), s->irr);
	kp_fmt_set(c->isr, sizeof(c->isr), s->isr);
	snprintf(c->cr8, sizeof(c->cr8), "%u", s->vtpr);
	snprintf(c->tpr, sizeof(c->tpr), "%02x", s->tpr);
	snprintf(c->ppr, sizeof(c->ppr), "%02x", s->ppr);
	if (kp_policy_vmx_ts(p))
		snprintf(c->icpt, sizeof(c->icpt), "thr=%u", s->thr);
	else if (s->hw && !s->I)
		snprintf(c->icpt, sizeof(c->icpt), "hw");
	else
		snprintf(c->icpt, sizeof(c->icpt), "%s%s", s->I ? "on" : "off",
			 s->vintr ? "+win" : "");
	c->disc[0] = 0;
	if (row && p > KP_UNFIXED) {
		snprintf(c->disc, sizeof(c->disc), "#%u", row);
	} else if (row) {
		char set[48];

		fmt_classes(set, sizeof(set), disc[row].set);
		snprintf(c->disc, sizeof(c->disc), "#%u %s %u %u %s%s", row, set,
			 disc[row].tpr, disc[row].ppr, disc[row].I ? "on" : "off",
			 trace_seed_differs(st, row) ? " (differs)" : "");
	}
}

static const char *const heads[] = {
	"step", "t_us", "ph", "event", "exit", "inj", "IRR", "ISR", "CR8", "TPR",
	"PPR", "intercept", "discussion",
};

static const int step_w[] = { 5, 10, 3, 12, 20, 3, 10, 10, 3, 3, 3, 9, 0 };
static const int seed_w[] = { 2, 27, 24, 24, 9, 3, 0 };

/* A cell for a LaTeX tabular: escape what LaTeX treats specially. */
static void latex_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("#$%&_{}", *s))
			fprintf(f, "\\%c", *s);
		else if (*s == '~')
			fprintf(f, "\\textasciitilde{}");
		else if (*s == '^')
			fprintf(f, "\\textasciicircum{}");
		else if (*s == '\\')
			fprintf(f, "\\textbackslash{}");
		else
			fputc(*s, f);
	}
}

/* Opens a table in the chosen format: a LaTeX tabular needs its columns. */
static void table_begin(FILE *f, enum trace_format fmt, unsigned n)
{
	if (fmt != TRACE_LATEX)
		return;
	fprintf(f, "\\begin{tabular}{");
	for (unsigned i = 0; i < n; i++)
		fputc('l', f);
	fprintf(f, "}\n\\hline\n");
}

/* After the header row: the separator of the format. */
static void table_rule(FILE *f, enum trace_format fmt, unsigned n)
{
	if (fmt == TRACE_MD) {
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "|---");
		fprintf(f, "|\n");
	} else if (fmt == TRACE_LATEX) {
		fprintf(f, "\\hline\n");
	}
}

static void table_end(FILE *f, enum trace_format fmt)
{
	if (fmt == TRACE_LATEX)
		fprintf(f, "\\hline\n\\end{tabular}\n");
}

static void print_row(FILE *f, enum trace_format fmt, const char *const *v, unsigned n,
		      const int *w)
{
	if (fmt == TRACE_LATEX) {
		for (unsigned i = 0; i < n; i++) {
			if (i)
				fprintf(f, " & ");
			latex_cell(f, v[i]);
		}
		fprintf(f, " \\\\\n");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (fmt == TRACE_CSV)
			fprintf(f, "%s%s", i ? "," : "", v[i]);
		else if (fmt == TRACE_MD)
			fprintf(f, "| %s ", v[i]);
		else
			fprintf(f, "%s%-*s", i ? " " : "", w[i], v[i]);
	}
	fprintf(f, fmt == TRACE_MD ? "|\n" : "\n");
}

static void print_table(FILE *f, const struct sim_result *r, enum kp_policy p,
			enum trace_format fmt, const unsigned char *d, double tsc_hz)
{
	unsigned n = d ? 13 : 12;

	table_begin(f, fmt, n);
	print_row(f, fmt, heads, n, step_w);
	table_rule(f, fmt, n);
	for (size_t i = 0; i < r->nsteps; i++) {
		struct cols c;
		char step[24], ph[8];
		const char *v[13];

		fill(&c, &r->steps[i], p, tsc_hz, d ? d[i] : 0);
		snprintf(step, sizeof(step), "%zu", i + 1);
		if (r->steps[i].phase == SIM_END_PHASE)
			snprintf(ph, sizeof(ph), "end");
		else
			snprintf(ph, sizeof(ph), "%u", r->steps[i].phase);
		v[0] = step; v[1] = c.t; v[2] = ph; v[3] = c.ev; v[4] = c.exit;
		v[5] = c.inj; v[6] = c.irr; v[7] = c.isr; v[8] = c.cr8; v[9] = c.tpr;
		v[10] = c.ppr; v[11] = c.icpt; v[12] = c.disc;
		print_row(f, fmt, v, n, step_w);
	}
	table_end(f, fmt);
	if (r->steps_dropped)
		fprintf(f, "%s(%zu more steps not kept: raise --trace-max or lower the iterations)\n",
			fmt == TRACE_CSV ? "# " : fmt == TRACE_LATEX ? "% " : "", r->steps_dropped);
}

/* The discussion's 13 rows next to the model's state after each. */
static void print_seed(FILE *f, const struct sim_result *r, enum kp_policy p,
		       enum trace_format fmt, const unsigned char *d)
{
	static const char *const h[] = {
		"#", "event", "discussion set/TPR/PPR/I", "model set/CR8/PPR/I", "exit",
		"inj", "differs",
	};
	int at[14];

	for (unsigned k = 0; k < 14; k++)
		at[k] = -1;
	for (size_t i = 0; i < r->nsteps; i++)
		if (d[i])
			at[d[i]] = (int)i;
	fputc('\n', f);
	table_begin(f, fmt, 7);
	print_row(f, fmt, h, 7, seed_w);
	table_rule(f, fmt, 7);
	for (unsigned row = 1; row <= 13; row++) {
		char num[16], ds[128], ms[128], set[48], ex[48], inj[16];
		const char *v[7];

		fmt_classes(set, sizeof(set), disc[row].set);
		snprintf(num, sizeof(num), "%u", row);
		snprintf(ds, sizeof(ds), "%s %u %u %s", set, disc[row].tpr, disc[row].ppr,
			 disc[row].I ? "on" : "off");
		if (at[row] >= 0) {
			const struct sim_step *st = &r->steps[at[row]];

			fmt_classes(set, sizeof(set), step_classes(&st->s));
			if (kp_policy_vmx_ts(p))
				snprintf(ms, sizeof(ms), "%s %u %u thr=%u", set, st->s.vtpr,
					 st->s.ppr >> 4, st->s.thr);
			else if (p == KP_APICV || p == KP_AVIC || p == KP_AVIC_617 ||
				 p == KP_AVIC_70)
				snprintf(ms, sizeof(ms), "%s %u %u hw", set, st->s.vtpr,
					 st->s.ppr >> 4);
			else
				snprintf(ms, sizeof(ms), "%s %u %u %s", set, st->s.vtpr,
					 st->s.ppr >> 4, st->s.I ? "on" : "off");
			snprintf(ex, sizeof(ex), "%s", st->s.exit >= 0 ?
				 kp_exit_name(p, (enum kp_exit)st->s.exit) : "-");
			snprintf(inj, sizeof(inj), "%s", st->s.injected >= 0 ?
				 (st->s.injected == 0x2f ? "2f" : "d1") : "-");
		} else {
			snprintf(ms, sizeof(ms), "%s", row == 1 ? "{} 0 0 off (steady state)" :
				 "(no platform event)");
			snprintf(ex, sizeof(ex), "-");
			snprintf(inj, sizeof(inj), "-");
		}
		v[0] = num; v[1] = disc[row].event; v[2] = ds; v[3] = ms; v[4] = ex;
		v[5] = inj;
		v[6] = p <= KP_UNFIXED && at[row] >= 0 &&
		       trace_seed_differs(&r->steps[at[row]], row) ? "yes" : "";
		print_row(f, fmt, v, 7, seed_w);
	}
	table_end(f, fmt);
	if (fmt == TRACE_TEXT || fmt == TRACE_MD)
		fprintf(f, "\n'differs': the kernel's CR8-write intercept after this row is not the one the\n"
			"upstream discussion's table shows (docs/kvm-cr8-model.md §8).  After the fix\n"
			"(fixed, l61, l72) that is rows 4 and 10 only; before it (prefix, unfixed) also\n"
			"rows 6-8, the window the fix closed.  'set' = classes in IRR or ISR; CR8 = the\n"
			"guest's TPR; PPR = KVM's (stale while the intercept is off).  vmx-tpr, apicv and\n"
			"avic have no CR8-write intercept (thr = TPR threshold; hw = the CPU evaluates\n"
			"TPR).\n");
}

void trace_print(FILE *f, const struct sim_result *r, enum kp_policy p,
		 enum trace_format fmt, bool seed_table, double tsc_hz)
{
	unsigned char *d = NULL;

	if (fmt != TRACE_CSV)
		fprintf(f, "\n%sstep table, policy %s (%zu steps; CR8 = guest V_TPR, TPR/PPR = KVM's local APIC)\n",
			fmt == TRACE_LATEX ? "% " : "", kp_policy_name(p), r->nsteps);
	if (seed_table && r->nsteps) {
		d = calloc(r->nsteps, 1);
		if (d && trace_align_seed(r, d) < 11) {
			fprintf(f, "%s(seed-table: the discussion's sequence was not found in the measured phase)\n",
				fmt == TRACE_CSV ? "# " : fmt == TRACE_LATEX ? "% " : "");
			free(d);
			d = NULL;
		}
	}
	print_table(f, r, p, fmt, d, tsc_hz);
	if (d) {
		if (fmt != TRACE_CSV)
			fprintf(f, "\n%sthe upstream discussion's table, policy %s (first measured iteration)\n",
				fmt == TRACE_LATEX ? "% " : "", kp_policy_name(p));
		print_seed(f, r, p, fmt, d);
	}
	free(d);
}
