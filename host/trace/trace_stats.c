// SPDX-License-Identifier: MIT
/* The collector's completeness and provenance.trace (see trace_stats.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_stats.h"

enum { S_ENTRIES = 1, S_OVERRUN = 2, S_COMMIT = 4, S_DROPPED = 8 };

int kt_parse_cpu_stats(const char *text, struct kt_cpu_stats *s)
{
	static const struct {
		const char *name;
		size_t off;
		unsigned bit;
	} keys[] = {
		{ "entries", offsetof(struct kt_cpu_stats, entries), S_ENTRIES },
		{ "overrun", offsetof(struct kt_cpu_stats, overrun), S_OVERRUN },
		{ "commit overrun", offsetof(struct kt_cpu_stats, commit_overrun), S_COMMIT },
		{ "bytes", offsetof(struct kt_cpu_stats, bytes), 0 },
		{ "dropped events", offsetof(struct kt_cpu_stats, dropped), S_DROPPED },
		{ "read events", offsetof(struct kt_cpu_stats, read), 0 },
	};
	const char *line = text;
	unsigned have = 0;

	memset(s, 0, sizeof(*s));
	while (line && *line) {
		const char *nl = strchr(line, '\n'), *colon = strchr(line, ':');
		size_t klen;
		unsigned i;

		if (colon && (!nl || colon < nl)) {
			klen = (size_t)(colon - line);
			for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				char *end;
				unsigned long long v;

				if (strlen(keys[i].name) != klen || strncmp(line, keys[i].name, klen))
					continue;
				v = strtoull(colon + 1, &end, 10);
				/* "%ld" of an unsigned long: a number, then the line's end */
				if (end == colon + 1 || (*end && *end != '\n'))
					break;
				*(uint64_t *)((char *)s + keys[i].off) = v;
				have |= keys[i].bit;
				break;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return have == (S_ENTRIES | S_OVERRUN | S_COMMIT | S_DROPPED) ? 0 : -1;
}

bool kt_trace_lossy(const struct kt_trace_info *ti, struct kt_trace_loss *l)
{
	unsigned i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < ti->ncpus; i++) {
		const struct kt_trace_cpu *c = &ti->cpus[i];

		l->missed += c->missed;
		l->missed_pages += c->missed_pages;
		if (!c->have_stats) {
			l->no_stats++;
			continue;
		}
		l->overrun += c->st.overrun;
		l->commit_overrun += c->st.commit_overrun;
		l->dropped += c->st.dropped;
		l->unread += c->st.entries;
	}
	l->late = ti->late;
	return l->overrun || l->commit_overrun || l->dropped || l->missed || l->missed_pages ||
	       l->unread || l->late || l->no_stats;
}

void kt_trace_loss_message(const struct kt_trace_info *ti, const struct kt_trace_loss *l,
			   char *buf, size_t len)
{
	if (l->no_stats) {
		snprintf(buf, len, "the trace's completeness is unknown: the stats of %u CPU%s ring buffer could not be read; run as root with tracefs mounted",
			 l->no_stats, l->no_stats == 1 ? "'s" : "s'");
	} else if (l->late && !(l->overrun || l->commit_overrun || l->dropped || l->missed ||
				l->missed_pages || l->unread)) {
		snprintf(buf, len, "%llu trace events came more than the %u ms reorder window late, so their order is lost; run on a less loaded host",
			 (unsigned long long)l->late, ti->reorder_ms);
	} else {
		snprintf(buf, len, "the trace lost events (overrun %llu, commit overrun %llu, dropped %llu, missed %llu%s, unread %llu, late %llu) with %ld KiB per CPU; give a larger --trace-buffer or free memory",
			 (unsigned long long)l->overrun, (unsigned long long)l->commit_overrun,
			 (unsigned long long)l->dropped, (unsigned long long)l->missed,
			 l->missed_pages ? " and more" : "", (unsigned long long)l->unread,
			 (unsigned long long)l->late, ti->buffer_kb);
	}
}

static json_t *cpu_json(const struct kt_trace_cpu *c, bool raw)
{
	json_t *o = json_pack("{s:i,s:o,s:I,s:I,s:I}", "cpu", c->cpu,
			      "buffer_kb", c->buffer_kb >= 0 ? json_integer(c->buffer_kb) : json_null(),
			      "events", (json_int_t)c->events, "missed", (json_int_t)c->missed,
			      "missed_pages", (json_int_t)c->missed_pages);

	if (c->have_stats) {
		json_object_set_new(o, "entries", json_integer((json_int_t)c->st.entries));
		json_object_set_new(o, "overrun", json_integer((json_int_t)c->st.overrun));
		json_object_set_new(o, "commit_overrun",
				    json_integer((json_int_t)c->st.commit_overrun));
		json_object_set_new(o, "dropped", json_integer((json_int_t)c->st.dropped));
		json_object_set_new(o, "read", json_integer((json_int_t)c->st.read));
	} else {
		json_object_set_new(o, "stats", json_null());
	}
	if (raw)
		json_object_set_new(o, "stats_text", json_string(c->stats_text));
	return o;
}

json_t *kt_trace_info_json(const struct kt_trace_info *ti, bool raw)
{
	struct kt_trace_loss l;
	bool lost = kt_trace_lossy(ti, &l);
	json_t *cpus = json_array(), *o;
	unsigned i, others = 0;
	long other_kb = -1;

	for (i = 0; i < ti->ncpus; i++) {
		const struct kt_trace_cpu *c = &ti->cpus[i];
		bool loss = c->missed || c->missed_pages || !c->have_stats ||
			    c->st.overrun || c->st.commit_overrun || c->st.dropped || c->st.entries;

		if (c->vcpu_cpu || c->events || loss) {
			json_array_append_new(cpus, cpu_json(c, raw));
		} else {
			others++;
			if (other_kb < 0 || c->buffer_kb < other_kb)
				other_kb = c->buffer_kb;	/* the smallest one read back */
		}
	}
	o = json_pack("{s:s,s:I,s:o,s:{s:i,s:o},s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:i,s:I,s:I}",
		      "clock", ti->clock, "buffer_kb", (json_int_t)ti->buffer_kb, "cpus", cpus,
		      "other_cpus", "count", (int)others,
		      "buffer_kb", others && other_kb >= 0 ? json_integer(other_kb) : json_null(),
		      "overrun", (json_int_t)l.overrun, "commit_overrun", (json_int_t)l.commit_overrun,
		      "dropped", (json_int_t)l.dropped, "missed", (json_int_t)l.missed,
		      "missed_pages", (json_int_t)l.missed_pages, "unread", (json_int_t)l.unread,
		      "late", (json_int_t)l.late, "lost", lost,
		      "reorder_window_ms", (int)ti->reorder_ms, "events", (json_int_t)ti->events,
		      "peak_held_events", (json_int_t)ti->peak_held);
	if (ti->error[0])
		json_object_set_new(o, "error", json_string(ti->error));
	return o;
}

void kt_trace_info_free(struct kt_trace_info *ti)
{
	free(ti->cpus);
	memset(ti, 0, sizeof(*ti));
}

json_t *kt_apicv_json(const struct kt_apicv *a, const char *why_unknown)
{
	json_t *j = json_object(), *active = json_null();
	char why[512] = "";

	if (!a->known_start)
		snprintf(why, sizeof(why), "%s", why_unknown && *why_unknown ? why_unknown :
			 "the VM's creation was not traced (QEMU is no child of this process, as under libvirt)");
	else if (!a->events)
		active = json_boolean(!a->at_start);
	else if (!a->at_start && a->clear_events == a->events)
		active = json_true();
	else if (a->at_start && !a->clear_events)
		active = json_false();
	else
		snprintf(why, sizeof(why), "it changed while the guest ran: %u of %u changes left nothing inhibiting it",
			 a->clear_events, a->events);
	json_object_set_new(j, "active", active);
	json_object_set_new(j, "inhibits_at_start", a->known_start ? json_sprintf("0x%lx", a->at_start) : json_null());
	json_object_set_new(j, "inhibits_at_end", a->events ? json_sprintf("0x%lx", a->at_end) :
			    a->known_start ? json_sprintf("0x%lx", a->at_start) : json_null());
	json_object_set_new(j, "inhibits_seen", a->traced ? json_sprintf("0x%lx", a->seen) : json_null());
	json_object_set_new(j, "changes", a->traced ? json_integer(a->events) : json_null());
	json_object_set_new(j, "source", a->known_start || a->traced ?
			    json_string("kvm:kvm_apicv_inhibit_changed") : json_null());
	json_object_set_new(j, "why", *why ? json_string(why) : json_null());
	return j;
}
