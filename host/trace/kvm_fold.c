// SPDX-License-Identifier: MIT
/*
 * Folding KVM trace events into per-phase, per-vCPU cells (see kvm_fold.h
 * for the definitions of "held back", "immediate" and "late").
 */
#include <stdlib.h>
#include <string.h>

#include "trace/kvm_fold.h"
#include "trace/svm_exits.h"

struct kt_tid {
	int tid;
	int vcpu;
};

struct kt_vcpu_state {
	unsigned int phase;
	int have_exit;
	uint32_t last_exit;		/* SVM code of the latest exit */
	int last_exit_counted;		/* still counted in cells[last_exit_cell] */
	size_t last_exit_cell;
	/* per vector: accepted into the IRR and not yet injected */
	uint8_t pending[256];
	/* ... and the guest was entered since without it */
	uint8_t held[256];
	int saw_entry;
};

void kt_fold_init(struct kt_fold *f)
{
	memset(f, 0, sizeof(*f));
}

void kt_fold_free(struct kt_fold *f)
{
	free(f->cells);
	free(f->vcpus);
	free(f->tids);
	memset(f, 0, sizeof(*f));
}

unsigned int kt_exit_slot(uint32_t code)
{
	if (code < 0x100)
		return code;
	if (code >= 0x400 && code < 0x410)
		return 0x100 + (code - 0x400);
	if (code == 0xffffffffu)
		return KT_SLOT_INVALID;
	return KT_SLOT_OTHER;
}

uint32_t kt_slot_code(unsigned int slot)
{
	if (slot < 0x100)
		return slot;
	if (slot < 0x110)
		return 0x400 + (slot - 0x100);
	if (slot == KT_SLOT_INVALID)
		return 0xffffffffu;
	return 0xfffffffeu;
}

static struct kt_vcpu_state *vcpu_state(struct kt_fold *f, unsigned int vcpu)
{
	if (vcpu >= 4096)
		return NULL;	/* a garbled vcpu_id: do not allocate for it */
	if (vcpu >= f->nvcpus) {
		size_t n = vcpu + 1;
		struct kt_vcpu_state *v = realloc(f->vcpus, n * sizeof(*v));

		if (!v)
			return NULL;
		memset(v + f->nvcpus, 0, (n - f->nvcpus) * sizeof(*v));
		f->vcpus = v;
		f->nvcpus = n;
	}
	return &f->vcpus[vcpu];
}

/* Cells are found by linear search: a run has a handful of phases and vCPUs. */
static struct kt_cell *cell(struct kt_fold *f, unsigned int phase, unsigned int vcpu,
			    size_t *idx)
{
	size_t i;

	for (i = 0; i < f->ncells; i++) {
		if (f->cells[i].phase == phase && f->cells[i].vcpu == vcpu)
			goto found;
	}
	if (f->ncells == f->cap_cells) {
		size_t cap = f->cap_cells ? 2 * f->cap_cells : 8;
		struct kt_cell *c = realloc(f->cells, cap * sizeof(*c));

		if (!c)
			return NULL;
		f->cells = c;
		f->cap_cells = cap;
	}
	i = f->ncells++;
	memset(&f->cells[i], 0, sizeof(f->cells[i]));
	f->cells[i].phase = phase;
	f->cells[i].vcpu = vcpu;
found:
	if (idx)
		*idx = i;
	return &f->cells[i];
}

static int tid_vcpu(const struct kt_fold *f, int tid)
{
	size_t i;

	for (i = 0; i < f->ntids; i++)
		if (f->tids[i].tid == tid)
			return f->tids[i].vcpu;
	return -1;
}

static int learn_tid(struct kt_fold *f, int tid, int vcpu)
{
	size_t i;

	for (i = 0; i < f->ntids; i++) {
		if (f->tids[i].tid == tid) {
			f->tids[i].vcpu = vcpu;
			return 0;
		}
	}
	if (f->ntids == f->cap_tids) {
		size_t cap = f->cap_tids ? 2 * f->cap_tids : 8;
		struct kt_tid *t = realloc(f->tids, cap * sizeof(*t));

		if (!t)
			return -1;
		f->tids = t;
		f->cap_tids = cap;
	}
	f->tids[f->ntids].tid = tid;
	f->tids[f->ntids].vcpu = vcpu;
	f->ntids++;
	return 0;
}

static int on_kvm_exit(struct kt_fold *f, const struct kt_event *e)
{
	struct kt_vcpu_state *v;
	struct kt_cell *c;
	size_t idx;
	int i;

	if (e->vcpu < 0 || learn_tid(f, e->tid, e->vcpu))
		return e->vcpu < 0 ? 0 : -1;
	v = vcpu_state(f, e->vcpu);
	c = v ? cell(f, v->phase, e->vcpu, &idx) : NULL;
	if (!c)
		return -1;
	c->exits[kt_exit_slot(e->exit_reason)]++;
	c->exits_total++;
	v->have_exit = 1;
	v->last_exit = e->exit_reason;
	v->last_exit_cell = idx;
	v->last_exit_counted = 1;
	/* Without kvm_entry events, an exit after acceptance stands in for an entry. */
	if (!v->saw_entry)
		for (i = 0; i < 256; i++)
			v->held[i] |= v->pending[i];
	return 0;
}

static int on_kvm_entry(struct kt_fold *f, const struct kt_event *e)
{
	struct kt_vcpu_state *v;
	int i;

	if (e->vcpu < 0 || learn_tid(f, e->tid, e->vcpu))
		return e->vcpu < 0 ? 0 : -1;
	v = vcpu_state(f, e->vcpu);
	if (!v)
		return -1;
	v->saw_entry = 1;
	for (i = 0; i < 256; i++)
		v->held[i] |= v->pending[i];
	return 0;
}

static int on_marker(struct kt_fold *f, const struct kt_event *e, int vcpu)
{
	unsigned int mcpu = (e->val >> 8) & 0xff;
	struct kt_vcpu_state *v = vcpu_state(f, vcpu);
	struct kt_vcpu_state *mv;

	if (!v)
		return -1;
	f->markers++;
	/* Take the marker's own io exit out of the phase it was counted in. */
	if (v->have_exit && v->last_exit == SVM_EXIT_IOIO && v->last_exit_counted) {
		struct kt_cell *c = &f->cells[v->last_exit_cell];

		c->exits[kt_exit_slot(SVM_EXIT_IOIO)]--;
		c->exits_total--;
		f->marker_exits++;
		v->last_exit_counted = 0;
	}
	if (mcpu != (unsigned int)vcpu)
		f->marker_cpu_mismatch++;
	mv = vcpu_state(f, mcpu);
	if (!mv)
		return -1;
	mv->phase = e->val & 0xff;
	return 0;
}

static int on_pio(struct kt_fold *f, const struct kt_event *e)
{
	int vcpu = tid_vcpu(f, e->tid);

	if (vcpu < 0) {
		f->unattributed++;
		return 0;
	}
	if (e->write && e->port == KT_MARKER_PORT && e->size == 4 &&
	    (e->val >> 16) == KT_MARKER_MAGIC)
		return on_marker(f, e, vcpu);
	return 0;
}

static int on_inject(struct kt_fold *f, const struct kt_event *e)
{
	int vcpu = tid_vcpu(f, e->tid);
	struct kt_vcpu_state *v;
	struct kt_cell *c;
	uint32_t vec = e->vector & 0xff;

	if (vcpu < 0) {
		f->unattributed++;
		return 0;
	}
	v = vcpu_state(f, vcpu);
	c = v ? cell(f, v->phase, vcpu, NULL) : NULL;
	if (!c)
		return -1;
	if (e->soft)
		return 0;	/* a software interrupt (INTn) being re-injected */
	if (e->reinjected) {
		c->reinjections++;
		return 0;
	}
	c->injections[vec]++;
	if (!v->pending[vec]) {
		f->unpaired_injections++;
		return 0;
	}
	if (v->held[vec]) {
		c->unmasking_writes++;
		if (v->have_exit && v->last_exit == SVM_EXIT_WRITE_CR8)
			c->immediate++;
		else
			c->late++;
	}
	v->pending[vec] = 0;
	v->held[vec] = 0;
	return 0;
}

static int on_accept(struct kt_fold *f, const struct kt_event *e)
{
	struct kt_vcpu_state *v = vcpu_state(f, e->apicid);

	if (!v)
		return -1;
	/* A second acceptance of a pending vector coalesces with the first. */
	v->pending[e->vector & 0xff] = 1;
	return 0;
}

static int on_eoi(struct kt_fold *f, const struct kt_event *e)
{
	struct kt_vcpu_state *v = vcpu_state(f, e->apicid);
	struct kt_cell *c = v ? cell(f, v->phase, e->apicid, NULL) : NULL;

	if (!c)
		return -1;
	c->eois++;
	return 0;
}

int kt_fold_event(struct kt_fold *f, const struct kt_event *e)
{
	f->events++;
	switch (e->type) {
	case KT_EXIT:
		return on_kvm_exit(f, e);
	case KT_ENTRY:
		return on_kvm_entry(f, e);
	case KT_PIO:
		return on_pio(f, e);
	case KT_INJ_VIRQ:
		return on_inject(f, e);
	case KT_ACCEPT_IRQ:
		return on_accept(f, e);
	case KT_EOI:
		return on_eoi(f, e);
	}
	return 0;
}

static int cmp_cell(const void *a, const void *b)
{
	const struct kt_cell *x = a, *y = b;

	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	return 0;
}

void kt_fold_sort(struct kt_fold *f)
{
	size_t i;

	if (f->ncells > 1)
		qsort(f->cells, f->ncells, sizeof(f->cells[0]), cmp_cell);
	/* cell indices kept for marker correction are stale now */
	for (i = 0; i < f->nvcpus; i++)
		f->vcpus[i].last_exit_counted = 0;
}

const struct kt_cell *kt_fold_cell(const struct kt_fold *f, unsigned int phase,
				   unsigned int vcpu)
{
	size_t i;

	for (i = 0; i < f->ncells; i++)
		if (f->cells[i].phase == phase && f->cells[i].vcpu == vcpu)
			return &f->cells[i];
	return NULL;
}

/* Merge sort on timestamps: stable, so same-timestamp events keep trace order. */
static void merge_sort(struct kt_event *ev, struct kt_event *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(ev, tmp, mid);
	merge_sort(ev + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = ev[j].ts < ev[i].ts ? ev[j++] : ev[i++];
	while (i < mid)
		tmp[k++] = ev[i++];
	while (j < n)
		tmp[k++] = ev[j++];
	memcpy(ev, tmp, n * sizeof(*ev));
}

void kt_sort_events(struct kt_event *ev, size_t n)
{
	struct kt_event *tmp;
	size_t i;

	for (i = 1; i < n; i++)
		if (ev[i].ts < ev[i - 1].ts)
			break;
	if (i >= n)
		return;		/* already in order: the common case */
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		/* insertion sort needs no memory; slow, but only on this error path */
		for (i = 1; i < n; i++) {
			struct kt_event x = ev[i];
			size_t j = i;

			while (j > 0 && ev[j - 1].ts > x.ts) {
				ev[j] = ev[j - 1];
				j--;
			}
			ev[j] = x;
		}
		return;
	}
	merge_sort(ev, tmp, n);
	free(tmp);
}
