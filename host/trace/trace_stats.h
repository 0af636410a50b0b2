/* SPDX-License-Identifier: MIT */
/*
 * trace_stats - what the collector knows about its own completeness, and
 * the record's provenance.trace.
 *
 * Three sources say whether the ring buffers lost events:
 *  - per_cpu/cpuN/stats (kernel/trace/trace.c tracing_stats_read()):
 *    "overrun" (events overwritten before they were read), "commit overrun"
 *    (events lost while writers nested), "dropped events" (events refused
 *    by a full buffer when overwrite is off), "entries" (events still
 *    unread), "read events";
 *  - the "missed events" flag and count of each page read from
 *    trace_pipe_raw (the kernel sets them from the overrun since the last
 *    read; kbuffer_missed_events());
 *  - the merge: events that arrived after a later one was folded.
 * A run with any of them is lossy: its counts are low or misplaced.
 *
 * Also here: the buffer size actually set per CPU (the kernel refuses a
 * size above the memory available), the trace clock, and the vCPU map.
 * No tracefs: tests/unit/test_trace.c parses recorded stats text.
 */
#ifndef IRQLBENCH_TRACE_STATS_H
#define IRQLBENCH_TRACE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* One per_cpu/cpuN/stats file. */
struct kt_cpu_stats {
	uint64_t entries, overrun, commit_overrun, bytes, dropped, read;
};

/*
 * Parses the text of a stats file.  0 when the four loss counters
 * (entries, overrun, commit overrun, dropped events) were all there, else
 * -1 (the values found are kept).  Unknown lines are ignored.
 */
int kt_parse_cpu_stats(const char *text, struct kt_cpu_stats *s);

/* One CPU's ring buffer as the collector used it. */
struct kt_trace_cpu {
	int cpu;
	bool vcpu_cpu;			/* a CPU the traced threads may run on: full size */
	long buffer_kb;			/* read back from per_cpu/cpuN/buffer_size_kb, -1 unknown */
	bool have_stats;
	struct kt_cpu_stats st;		/* at the end, after the last read */
	char stats_text[320];		/* the stats file as read (for trace.json) */
	uint64_t missed;		/* page headers: events lost before that page */
	uint64_t missed_pages;		/* pages that flagged a loss without its count */
	uint64_t events;		/* events decoded from this CPU */
};

struct kt_trace_info {
	char clock[16];			/* the instance's trace_clock */
	long buffer_kb;			/* asked per CPU that runs the traced threads */
	long other_buffer_kb;		/* asked per other CPU */
	struct kt_trace_cpu *cpus;
	unsigned ncpus;
	unsigned reorder_ms;		/* the merge's window */
	uint64_t late;			/* events that came after a later one was folded */
	uint64_t events;		/* folded */
	size_t peak_held;		/* events held in memory at once, at most */
	char error[256];		/* why the collector could not finish, or "" */
};

/* Loss totals over all CPUs. */
struct kt_trace_loss {
	uint64_t overrun, commit_overrun, dropped, missed, missed_pages, unread, late;
	unsigned no_stats;		/* CPUs whose stats could not be read */
};

/* Sums the loss; true when anything was lost (or cannot be ruled out). */
bool kt_trace_lossy(const struct kt_trace_info *ti, struct kt_trace_loss *l);

/* One line: what was lost and the fix (for error.message). */
void kt_trace_loss_message(const struct kt_trace_info *ti, const struct kt_trace_loss *l,
			   char *buf, size_t len);

/*
 * provenance.trace (results/SCHEMA.md): {"clock", "buffer_kb",
 * "cpus": [per CPU sized for the traced threads, or with events or loss],
 * "other_cpus": {"count", "buffer_kb"}, the loss totals, "lost",
 * "reorder_window_ms", "events", "peak_held_events"}.  @raw adds each
 * listed CPU's stats file as read ("stats_text", for the trace file).
 */
json_t *kt_trace_info_json(const struct kt_trace_info *ti, bool raw);

void kt_trace_info_free(struct kt_trace_info *ti);

/*
 * What the exit trace saw of APICv/AVIC for the VM (kvmtrace.h says how):
 * the VM's inhibit bitmap of kvm:kvm_apicv_inhibit_changed, 0 when nothing
 * inhibits it.  The bits are the kernel's own enum kvm_apicv_inhibit,
 * which differs between versions: only 0 / not 0 is judged.
 */
struct kt_apicv {
	int traced;			/* the exit trace followed the changes */
	int known_start;		/* the watcher saw the VM's inhibits before the guest ran */
	unsigned long at_start;		/* the inhibits then */
	unsigned events;		/* changes while the guest ran */
	unsigned clear_events;		/* of those, the ones that left no inhibit */
	unsigned long at_end;		/* the inhibits after the latest change (events > 0) */
	unsigned long seen;		/* every inhibit set by a change while it ran */
};

/*
 * provenance.kvm.apicv: {"active", "inhibits_at_start", "inhibits_at_end",
 * "inhibits_seen", "changes", "source", "why"}; active true when nothing
 * inhibited APICv/AVIC from the guest's start to its end, false when
 * something did all along, null when it changed while the guest ran or
 * the host cannot say (why_unknown, or a default, then says why).
 */
json_t *kt_apicv_json(const struct kt_apicv *a, const char *why_unknown);

#endif
