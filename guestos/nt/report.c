// SPDX-License-Identifier: MIT
/*
 * report.c - the serial report (results/SERIAL.md), printed after the
 * measured phases.  Every line inside the block is counted and hashed so
 * that the host can refuse a truncated or garbled report.
 */
#include "klib.h"
#include "report.h"
#include "stats.h"

struct report_state {
	unsigned lines;
	uint32_t hash;
};

static struct report_state rs;

static void __attribute__((format(printf, 1, 2))) rline(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = 0;
	rs.lines++;
	rs.hash = kfnv1a(rs.hash, line, (size_t)n);
	plat_puts(line);
}

/* Appends " name=value" items to a line buffer, flushing when it is full. */
struct linebuf {
	char buf[960];
	size_t len;
	const char *prefix;
};

static void lb_flush(struct linebuf *lb)
{
	if (lb->len)
		rline("%s%s", lb->prefix, lb->buf);
	lb->len = 0;
	lb->buf[0] = 0;
}

static void lb_add(struct linebuf *lb, const char *name, uint64_t v)
{
	char item[96];
	int n = ksnprintf(item, sizeof(item), " %s=%llu", name, (unsigned long long)v);

	if (lb->len + (size_t)n >= sizeof(lb->buf))
		lb_flush(lb);
	kmemcpy(lb->buf + lb->len, item, (size_t)n + 1);
	lb->len += (size_t)n;
}

/*
 * One histogram: a G line with n, sum, min, max, overflow and the non-empty
 * buckets as index:count, in increasing index (no counts= when every
 * sample is in the overflow); buckets that do not fit go on more G lines
 * that carry phase, cpu, name and counts= only.
 */
static void print_hist(unsigned phase, unsigned cpu, unsigned idx, const struct hist *h)
{
	char head[320], counts[640];
	size_t len = 0;
	bool first = true;

	ksnprintf(head, sizeof(head), "G phase=%u cpu=%u name=%s n=%llu sum=%llu min=%llu max=%llu overflow=%llu",
		  phase, cpu, stat_hist_names[idx], (unsigned long long)h->n,
		  (unsigned long long)h->sum, (unsigned long long)h->min,
		  (unsigned long long)h->max, (unsigned long long)h->overflow);
	counts[0] = 0;
	for (unsigned i = 0; i <= HIST_NBOUNDS; i++) {
		char item[48];
		int n = 0;

		if (i < HIST_NBOUNDS && h->counts[i])
			n = ksnprintf(item, sizeof(item), "%s%u:%llu", len ? "," : "", i,
				      (unsigned long long)h->counts[i]);
		if (i == HIST_NBOUNDS || len + (size_t)n >= sizeof(counts)) {
			if (len)
				rline("%s counts=%s", head, counts);
			else if (first)		/* every sample in the overflow */
				rline("%s", head);
			ksnprintf(head, sizeof(head), "G phase=%u cpu=%u name=%s", phase, cpu,
				  stat_hist_names[idx]);
			first = false;
			len = 0;
			counts[0] = 0;
			if (n)
				n = ksnprintf(item, sizeof(item), "%u:%llu", i,
					      (unsigned long long)h->counts[i]);
		}
		if (n) {
			kmemcpy(counts + len, item, (size_t)n + 1);
			len += (size_t)n;
		}
	}
}

void report_print(const struct report_info *ri)
{
	uint64_t late = 0, unmasking = 0;

	rs.lines = 0;
	rs.hash = KFNV1A_INIT;
	plat_puts("@@ irqlbench report v2\n");

	rline("H workload=%s ncpus=%u %s", ri->workload, ri->ncpus, plat_describe());
	rline("H clock_raises_irql=%u elide_same_level=%u probe=%u",
	      ri->opts->clock_raises_irql, ri->opts->elide_same_level, ri->opts->probe);
	if (ri->opts->probe)
		rline("H probe_threshold=%llu probe_rdtsc=%llu probe_work=%llu probe_work_ops=%u probe_trap_ns=%u",
		      (unsigned long long)ri->opts->probe_threshold,
		      (unsigned long long)ri->opts->probe_rdtsc,
		      (unsigned long long)ri->opts->probe_work, PROBE_WORK_OPS, PROBE_TRAP_NS);
	{
		struct linebuf lb = { .prefix = "A" };

		for (unsigned i = 0; i < ri->vals->n; i++)
			lb_add(&lb, ri->vals->p[i]->name, ri->vals->v[i]);
		lb_flush(&lb);
	}
	for (unsigned p = 0; p < stats_nphases; p++)
		rline("F idx=%u name=%s measured=%u", p,
		      stats_phases[p].name ? stats_phases[p].name : "unnamed",
		      stats_phases[p].measured);
	rline("B layout=%s sub=%u buckets=%u", HIST_LAYOUT, HIST_SUB, HIST_NBOUNDS);

	for (unsigned p = 0; p < stats_nphases; p++) {
		for (unsigned cpu = 0; cpu < ri->ncpus; cpu++) {
			const struct phase_stats *ps = &stats_cpu[cpu].phase[p];
			char prefix[48];
			struct linebuf lb;

			ksnprintf(prefix, sizeof(prefix), "C phase=%u cpu=%u", p, cpu);
			lb.prefix = prefix;
			lb.len = 0;
			for (unsigned i = 0; i < STAT_NCOUNTERS; i++)
				lb_add(&lb, stat_counter_names[i], ps->c[i]);
			lb_flush(&lb);
			for (unsigned i = 0; i < STAT_NHISTS; i++)
				if (ps->h[i].n)
					print_hist(p, cpu, i, &ps->h[i]);
		}
	}
	/* The measured phases' unmasking writes and late deliveries: a status
	 * of ok says the workload ran as written, not that every interrupt
	 * came at its unmasking write; the R line says both. */
	for (unsigned p = 0; p < stats_nphases; p++)
		for (unsigned cpu = 0; stats_phases[p].measured && cpu < ri->ncpus; cpu++) {
			unmasking += stats_cpu[cpu].phase[p].c[STAT_cr8_lower_unmask];
			late += stats_cpu[cpu].phase[p].c[STAT_late_deliveries];
		}
	if (ri->fail_reason && ri->fail_reason[0])
		rline("R status=fail reason=\"%s\" late=%llu unmasking=%llu", ri->fail_reason,
		      (unsigned long long)late, (unsigned long long)unmasking);
	else
		rline("R status=ok reason=\"\" late=%llu unmasking=%llu",
		      (unsigned long long)late, (unsigned long long)unmasking);
	kprintf("@@ end lines=%u fnv1a=%08x\n", rs.lines, rs.hash);
}
