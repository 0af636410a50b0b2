// SPDX-License-Identifier: MIT
/* The fold's results as record JSON (see kvm_fold_json.h). */
#include <stdio.h>

#include "trace/kvm_fold_json.h"
#include "trace/svm_exits.h"

json_t *kt_cell_exits_json(const struct kt_cell *c)
{
	json_t *o = json_object();
	unsigned int s;
	char buf[16];

	for (s = 0; s < KT_EXIT_SLOTS; s++) {
		const char *name;

		if (!c->exits[s])
			continue;
		name = s == KT_SLOT_OTHER ? "other" :
			svm_exit_label(kt_slot_code(s), buf, sizeof(buf));
		json_object_set_new(o, name, json_integer((json_int_t)c->exits[s]));
	}
	/* the exit this suite is about is always there, even at 0 */
	if (!json_object_get(o, "write_cr8"))
		json_object_set_new(o, "write_cr8", json_integer(0));
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
	return json_pack("{s:I,s:I,s:I}",
			 "unmasking_writes", (json_int_t)c->unmasking_writes,
			 "immediate", (json_int_t)c->immediate,
			 "late", (json_int_t)c->late);
}

static void fill_vcpu(json_t *v, const struct kt_cell *c)
{
	json_object_set_new(v, "exits", kt_cell_exits_json(c));
	json_object_set_new(v, "injections", kt_cell_injections_json(c));
	json_object_set_new(v, "delivery", kt_cell_delivery_json(c));
}

json_t *kt_fold_json(struct kt_fold *f)
{
	json_t *phases = json_array(), *phase = NULL;
	size_t i;

	kt_fold_sort(f);
	for (i = 0; i < f->ncells; i++) {
		const struct kt_cell *c = &f->cells[i];
		json_t *v;

		if (!phase || json_integer_value(json_object_get(phase, "idx")) != c->phase) {
			phase = json_pack("{s:i,s:[]}", "idx", (int)c->phase, "vcpus");
			json_array_append_new(phases, phase);
		}
		v = json_pack("{s:i}", "cpu", (int)c->vcpu);
		fill_vcpu(v, c);
		json_array_append_new(json_object_get(phase, "vcpus"), v);
	}
	return json_pack("{s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I}}", "phases", phases,
			 "diagnostics",
			 "events", (json_int_t)f->events,
			 "markers", (json_int_t)f->markers,
			 "marker_exits", (json_int_t)f->marker_exits,
			 "marker_cpu_mismatch", (json_int_t)f->marker_cpu_mismatch,
			 "unattributed", (json_int_t)f->unattributed,
			 "unpaired_injections", (json_int_t)f->unpaired_injections,
			 "missed", (json_int_t)f->missed);
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
		json_t *vcpus, *v;

		if (!phase)
			continue;
		vcpus = json_object_get(phase, "vcpus");
		if (!json_is_array(vcpus)) {
			vcpus = json_array();
			json_object_set_new(phase, "vcpus", vcpus);
		}
		v = find_by_int(vcpus, "cpu", c->vcpu);
		if (!v) {
			v = json_pack("{s:i}", "cpu", (int)c->vcpu);
			json_array_append_new(vcpus, v);
		}
		fill_vcpu(v, c);
		merged++;
	}
	return merged;
}
