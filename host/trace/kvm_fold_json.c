// SPDX-License-Identifier: MIT
/* The fold's results as record JSON (see kvm_fold_json.h). */
#include <stdio.h>

#include "record/hist.h"
#include "trace/kvm_fold_json.h"
#include "trace/svm_exits.h"

/* The record's name of an exit slot: perf kvm stat's, "0x..." or "other". */
static const char *slot_name(unsigned int s, char *buf, size_t len)
{
	return s == KT_SLOT_OTHER ? "other" : svm_exit_label(kt_slot_code(s), buf, len);
}

json_t *kt_cell_exits_json(const struct kt_cell *c)
{
	json_t *o = json_object();
	unsigned int s;
	char buf[16];

	for (s = 0; s < KT_EXIT_SLOTS; s++) {
		if (c->exits[s])
			json_object_set_new(o, slot_name(s, buf, sizeof(buf)),
					    json_integer((json_int_t)c->exits[s]));
	}
	/* the exit this suite is about is always there, even at 0 */
	if (!json_object_get(o, "write_cr8"))
		json_object_set_new(o, "write_cr8", json_integer(0));
	return o;
}

json_t *kt_exit_time_json(const struct kt_exit_time *x, uint64_t exits)
{
	static uint64_t bounds[HIST_NBOUNDS];
	json_t *o, *buckets = json_array();
	unsigned int i;

	if (!bounds[HIST_NBOUNDS - 1])
		for (i = 0; i < HIST_NBOUNDS; i++)
			bounds[i] = hist_bound(i);
	for (i = 0; i < HIST_NBOUNDS; i++)
		if (x->counts[i])
			json_array_append_new(buckets, json_pack("[I,I]", (json_int_t)bounds[i],
								 (json_int_t)x->counts[i]));
	o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:o}",
		      "unit", "ns", "layout", HIST_LAYOUT,
		      "n", (json_int_t)x->n,
		      "untimed", (json_int_t)(exits > x->n ? exits - x->n : 0),
		      "sum", (json_int_t)x->sum, "min", (json_int_t)x->min,
		      "max", (json_int_t)x->max,
		      "mean", x->n ? (double)x->sum / (double)x->n : 0.0,
		      "overflow", (json_int_t)x->overflow, "buckets", buckets);
	hist_put_percentile(o, "p50", bounds, x->counts, HIST_NBOUNDS, x->n, x->min, x->max, 50);
	hist_put_percentile(o, "p99", bounds, x->counts, HIST_NBOUNDS, x->n, x->min, x->max, 99);
	if (!x->n) {	/* nothing timed: no extremes, no mean */
		json_object_set_new(o, "min", json_null());
		json_object_set_new(o, "max", json_null());
		json_object_set_new(o, "mean", json_null());
	}
	return o;
}

json_t *kt_cell_exit_times_json(const struct kt_cell *c)
{
	static const struct kt_exit_time none;
	json_t *o = json_object();
	unsigned int s;
	char buf[16];

	for (s = 0; s < KT_EXIT_SLOTS; s++) {
		const struct kt_exit_time *x = kt_cell_time(c, s);

		if (c->exits[s] || x)
			json_object_set_new(o, slot_name(s, buf, sizeof(buf)),
					    kt_exit_time_json(x ? x : &none, c->exits[s]));
	}
	return o;
}

json_t *kt_cell_injections_json(const struct kt_cell *c)
{
	json_t *o = json_object();
	unsigned int v;
	char key[8];

	for (v = 0; v < 256; v++) {
		if (!c->injections[v])
			continue;
		snprintf(key, sizeof(key), "0x%02x", v);
		json_object_set_new(o, key, json_integer((json_int_t)c->injections[v]));
	}
	return o;
}

json_t *kt_cell_delivery_json(const struct kt_cell *c)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
			 "unmasking_writes", (json_int_t)c->unmasking_writes,
			 "immediate", (json_int_t)c->immediate,
			 "late", (json_int_t)c->late,
			 "window", (json_int_t)c->window,
			 "eoi", (json_int_t)c->eoi,
			 "entry_races", (json_int_t)c->entry_races);
}

static void fill_vcpu(json_t *v, const struct kt_cell *c)
{
	json_object_set_new(v, "exits", kt_cell_exits_json(c));
	json_object_set_new(v, "exit_times", kt_cell_exit_times_json(c));
	json_object_set_new(v, "injections", kt_cell_injections_json(c));
	json_object_set_new(v, "delivery", kt_cell_delivery_json(c));
}

json_t *kt_fold_vcpus_json(const struct kt_fold *f)
{
	json_t *a = json_array();
	struct kt_vcpu_info vi;
	unsigned i;

	for (i = 0; i < f->nvcpus; i++) {
		kt_fold_vcpu_info(f, i, &vi);
		if (!vi.seen && vi.cpu < 0)
			continue;
		json_array_append_new(a, json_pack("{s:o,s:i,s:o,s:o}",
			"cpu", vi.cpu >= 0 ? json_integer(vi.cpu) : json_null(),
			"vcpu_id", (int)vi.vcpu_id,
			"apic_id", vi.apic_id >= 0 ? json_integer(vi.apic_id) : json_null(),
			"tid", vi.tid ? json_integer(vi.tid) : json_null()));
	}
	return a;
}

json_t *kt_fold_json(struct kt_fold *f)
{
	json_t *phases = json_array(), *phase = NULL, *diag;
	size_t i;

	kt_fold_sort(f);
	for (i = 0; i < f->ncells; i++) {
		const struct kt_cell *c = &f->cells[i];
		struct kt_vcpu_info vi;
		json_t *v;

		if (!phase || json_integer_value(json_object_get(phase, "idx")) != c->phase) {
			phase = json_pack("{s:i,s:[]}", "idx", (int)c->phase, "vcpus");
			json_array_append_new(phases, phase);
		}
		kt_fold_vcpu_info(f, c->vcpu, &vi);
		v = json_pack("{s:o,s:i}", "cpu", vi.cpu >= 0 ? json_integer(vi.cpu) : json_null(),
			      "vcpu_id", (int)c->vcpu);
		fill_vcpu(v, c);
		json_array_append_new(json_object_get(phase, "vcpus"), v);
	}
	diag = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "events", (json_int_t)f->events,
			 "markers", (json_int_t)f->markers,
			 "marker_exits", (json_int_t)f->marker_exits,
			 "map_conflicts", (json_int_t)f->map_conflicts,
			 "unattributed", (json_int_t)f->unattributed,
			 "unpaired_injections", (json_int_t)f->unpaired_injections,
			 "reinjections_inferred", (json_int_t)f->reinjections_inferred,
			 "accepts_not_fixed", (json_int_t)f->accepts_not_fixed,
			 "out_of_order", (json_int_t)f->out_of_order,
			 "missed", (json_int_t)f->missed);
	return json_pack("{s:o,s:o,s:o}", "phases", phases, "vcpus", kt_fold_vcpus_json(f),
			 "diagnostics", diag);
}

static json_t *find_by_int(json_t *arr, const char *key, json_int_t val)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		json_t *k = json_object_get(e, key);

		if (json_is_integer(k) && json_integer_value(k) == val)
			return e;
	}
	return NULL;
}

int kt_fold_merge_record(struct kt_fold *f, json_t *record)
{
	json_t *phases = json_object_get(record, "phases");
	int merged = 0;
	size_t i;

	if (!json_is_array(phases))
		return -1;
	kt_fold_sort(f);
	for (i = 0; i < f->ncells; i++) {
		const struct kt_cell *c = &f->cells[i];
		json_t *phase = find_by_int(phases, "idx", c->phase);
		int cpu = kt_fold_guest_cpu(f, c->vcpu);
		json_t *vcpus, *v;

		if (!phase || cpu < 0)
			continue;	/* a phase the record does not have; an unmapped vCPU */
		vcpus = json_object_get(phase, "vcpus");
		if (!json_is_array(vcpus)) {
			vcpus = json_array();
			json_object_set_new(phase, "vcpus", vcpus);
		}
		v = find_by_int(vcpus, "cpu", cpu);
		if (!v) {
			v = json_pack("{s:i}", "cpu", cpu);
			json_array_append_new(vcpus, v);
		}
		fill_vcpu(v, c);
		merged++;
	}
	return merged;
}
