// SPDX-License-Identifier: MIT
/*
 * Folding KVM trace events into per-phase, per-vCPU cells (see kvm_fold.h
 * for the definitions of "held back", "immediate" and "late").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/kvm_fold.h"
#include "trace/svm_exits.h"
#include "cli/util.h"

/* SVM EXITINTINFO (AMD APM vol. 2, "Event Injection"): valid, type, vector */
#define KT_EXITINTINFO_VALID		(1u << 31)
#define KT_EXITINTINFO_TYPE_MASK	(7u << 8)
#define KT_EXITINTINFO_TYPE_INTR	(0u << 8)

struct kt_tid {
	int tid;
	int vcpu;
};

struct kt_vcpu_state {
	unsigned int job;		/* from its latest job marker, 0 before one */
	unsigned int phase;
	int seen;			/* an event was attributed to it */
	int tid;			/* its thread (kvm_exit/kvm_entry) */
	int claimed;			/* wrote a marker: guest_cpu is its cpu field */
	unsigned int guest_cpu;
	int cpu;			/* kt_fold_map(): the guest's index, -1 unmapped */
	int apic_id;			/* kt_fold_map(): from the report, -1 */
	unsigned long long last_ts;
	uint32_t last_intr_info;	/* EXITINTINFO of the latest exit */
	unsigned int inj_since_exit;	/* vector + 1 injected since the latest exit, 0: none */
	int have_exit;
	uint32_t last_exit;		/* SVM code of the latest exit */
	/* highest vector + 1 a kvm_eoi ended since the latest exit, 0: none */
	unsigned int eoi_since_exit;
	int last_exit_counted;		/* still counted in cells[last_exit_cell] */
	size_t last_exit_cell;
	int exit_open;			/* the latest exit awaits its kvm_entry to be timed */
	unsigned long long exit_ts;	/* ... its timestamp */
	/* per vector: accepted into the IRR and not yet injected */
	uint8_t pending[256];
	/* ... and how many times the guest was entered since without it (2: more than once) */
	uint8_t held[256];
	int saw_entry;
};

void kt_fold_init(struct kt_fold *f)
{
	memset(f, 0, sizeof(*f));
}

void kt_fold_free(struct kt_fold *f)
{
	size_t i;

	for (i = 0; i < f->ncells; i++)
		free(f->cells[i].times);
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

/* KVM_MAX_VCPU_IDS is 4096 on x86 (6.1): a larger id is garbled. */
#define KT_MAX_VCPU	4096

static struct kt_vcpu_state *vcpu_state(struct kt_fold *f, unsigned int vcpu)
{
	if (vcpu >= KT_MAX_VCPU)
		return NULL;	/* callers check the id first */
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
static struct kt_cell *cell(struct kt_fold *f, unsigned int job, unsigned int phase,
			    unsigned int vcpu, size_t *idx)
{
	size_t i;

	for (i = 0; i < f->ncells; i++) {
		if (f->cells[i].phase == phase && f->cells[i].vcpu == vcpu &&
		    f->cells[i].job == job)
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
	f->cells[i].job = job;
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

/* Per vCPU, events must come in time order: count those that do not. */
static void saw(struct kt_fold *f, struct kt_vcpu_state *v, const struct kt_event *e)
{
	if (v->seen && e->ts < v->last_ts)
		f->out_of_order++;
	else
		v->last_ts = e->ts;
	v->seen = 1;
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

/* The guest was entered with these vectors pending and not injected. */
static void entered_without(struct kt_vcpu_state *v)
{
	for (int i = 0; i < 256; i++)
		if (v->pending[i] && v->held[i] < 2)
			v->held[i]++;
}

static int on_kvm_exit(struct kt_fold *f, const struct kt_event *e)
{
	struct kt_vcpu_state *v;
	struct kt_cell *c;
	size_t idx;

	if (e->vcpu < 0 || e->vcpu >= KT_MAX_VCPU) {
		f->unattributed++;
		return 0;
	}
	v = vcpu_state(f, e->vcpu);
	c = v ? cell(f, v->job, v->phase, e->vcpu, &idx) : NULL;
	if (!c || learn_tid(f, e->tid, e->vcpu))
		return -1;
	/* an exit older than the vCPU's latest event cannot be timed */
	v->exit_open = !v->seen || e->ts >= v->last_ts;
	v->exit_ts = e->ts;
	saw(f, v, e);
	v->tid = e->tid;
	c->exits[kt_exit_slot(e->exit_reason)]++;
	c->exits_total++;
	v->have_exit = 1;
	v->last_exit = e->exit_reason;
	v->last_exit_cell = idx;
	v->last_exit_counted = 1;
	v->last_intr_info = e->intr_info;
	v->inj_since_exit = 0;
	v->eoi_since_exit = 0;
	/* Without kvm_entry events, an exit after acceptance stands in for an entry. */
	if (!v->saw_entry)
		entered_without(v);
	return 0;
}

const struct kt_exit_time *kt_cell_time(const struct kt_cell *c, unsigned int slot)
{
	size_t i;

	for (i = 0; i < c->ntimes; i++)
		if (c->times[i].slot == slot)
			return &c->times[i];
	return NULL;
}

/* Adds time t to the times of slot in cell c: 0, or -1 on ENOMEM. */
static int add_time(struct kt_cell *c, unsigned int slot, uint64_t t)
{
	struct kt_exit_time *x = (struct kt_exit_time *)kt_cell_time(c, slot);
	unsigned int b;

	if (!x) {
		x = realloc(c->times, (c->ntimes + 1) * sizeof(*x));
		if (!x)
			return -1;
		c->times = x;
		x += c->ntimes++;
		memset(x, 0, sizeof(*x));
		x->slot = slot;
		x->min = t;
	}
	if (t < x->min)
		x->min = t;
	if (t > x->max)
		x->max = t;
	x->n++;
	x->sum += t;
	b = hist_index(t);
	if (b < HIST_NBOUNDS)
		x->counts[b]++;
	else
		x->overflow++;
	return 0;
}

/*
 * Times the vCPU's latest exit, from its kvm_exit to this kvm_entry (what
 * perf kvm stat times): only an exit still counted in a cell (not a
 * marker's) whose entry is the next of its kvm_exit/kvm_entry events and
 * not older than it.
 */
static int time_exit(struct kt_fold *f, struct kt_vcpu_state *v, const struct kt_event *e)
{
	int open = v->exit_open;

	v->exit_open = 0;
	if (!open || !v->last_exit_counted || e->ts < v->exit_ts)
		return 0;
	return add_time(&f->cells[v->last_exit_cell], kt_exit_slot(v->last_exit),
			e->ts - v->exit_ts);
}

static int on_kvm_entry(struct kt_fold *f, const struct kt_event *e)
{
	struct kt_vcpu_state *v;

	if (e->vcpu < 0 || e->vcpu >= KT_MAX_VCPU) {
		f->unattributed++;
		return 0;
	}
	v = vcpu_state(f, e->vcpu);
	if (!v || learn_tid(f, e->tid, e->vcpu) || time_exit(f, v, e))
		return -1;
	saw(f, v, e);
	v->tid = e->tid;
	v->saw_entry = 1;
	entered_without(v);
	return 0;
}

/* Takes a marker's own io exit out of the cell it was counted in. */
static void uncount_marker_exit(struct kt_fold *f, struct kt_vcpu_state *v)
{
	if (v->have_exit && v->last_exit == SVM_EXIT_IOIO && v->last_exit_counted) {
		struct kt_cell *c = &f->cells[v->last_exit_cell];

		c->exits[kt_exit_slot(SVM_EXIT_IOIO)]--;
		c->exits_total--;
		f->marker_exits++;
		v->last_exit_counted = 0;
	}
}

/*
 * A phase marker switches the phase of the vCPU that wrote it.  Its cpu
 * field is the guest's index of that CPU: the vCPU claims it (the first
 * claim stands; another one is a conflict that kt_fold_map() reports).
 */
static int on_marker(struct kt_fold *f, const struct kt_event *e, int vcpu)
{
	unsigned int mcpu = (e->val >> 8) & 0xff;
	struct kt_vcpu_state *v = vcpu_state(f, vcpu);

	if (!v)
		return -1;
	f->markers++;
	uncount_marker_exit(f, v);
	if (!v->claimed) {
		v->claimed = 1;
		v->guest_cpu = mcpu;
	} else if (v->guest_cpu != mcpu && !f->map_conflicts++) {
		f->conflict_vcpu = (unsigned)vcpu;
		f->conflict_cpu = mcpu;
	}
	v->phase = e->val & 0xff;
	return 0;
}

/*
 * A job marker (a repeat=N boot, before each job): the vCPU that wrote it
 * starts job N's cells, in phase KT_PHASE_NONE until its first phase
 * marker.  Its io exit is a marker exit, in no cell.
 */
static int on_job_marker(struct kt_fold *f, const struct kt_event *e, int vcpu)
{
	struct kt_vcpu_state *v = vcpu_state(f, vcpu);

	if (!v)
		return -1;
	f->job_markers++;
	uncount_marker_exit(f, v);
	v->job = e->val & 0xffff;
	v->phase = KT_PHASE_NONE;
	if (v->job + 1 > f->njobs)
		f->njobs = v->job + 1;
	return 0;
}

static int on_pio(struct kt_fold *f, const struct kt_event *e)
{
	int vcpu = tid_vcpu(f, e->tid);

	if (vcpu < 0) {
		f->unattributed++;
		return 0;
	}
	saw(f, &f->vcpus[vcpu], e);	/* a learned thread's vCPU has its state */
	if (e->write && e->port == KT_MARKER_PORT && e->size == 4 &&
	    (e->val >> 16) == KT_MARKER_MAGIC)
		return on_marker(f, e, vcpu);
	if (e->write && e->port == KT_MARKER_PORT && e->size == 4 &&
	    (e->val >> 16) == KT_JOB_MAGIC)
		return on_job_marker(f, e, vcpu);
	return 0;
}

/*
 * A kernel without kvm_inj_virq's "reinjected" field (before 5.19): KVM
 * re-injects an interrupt whose delivery an exit interrupted (the exit's
 * EXITINTINFO is valid, of type INTR, with the vector; svm_complete_
 * interrupts() requeues it and the next entry injects it again), and one
 * whose entry was cancelled before it reached the guest (the same vector
 * traced twice with no exit between: svm_cancel_injection()).
 */
static int inferred_reinjection(struct kt_fold *f, const struct kt_vcpu_state *v, uint32_t vec)
{
	uint32_t ii = v->last_intr_info;
	int r;

	if (v->inj_since_exit)
		r = v->inj_since_exit == vec + 1;
	else
		r = (ii & KT_EXITINTINFO_VALID) &&
		    (ii & KT_EXITINTINFO_TYPE_MASK) == KT_EXITINTINFO_TYPE_INTR &&
		    (ii & 0xff) == vec;
	if (r)
		f->reinjections_inferred++;
	return r;
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
	c = v ? cell(f, v->job, v->phase, vcpu, NULL) : NULL;
	if (!c)
		return -1;
	saw(f, v, e);
	if (e->soft)
		return 0;	/* a software interrupt (INTn) being re-injected */
	if (e->reinjected > 0 || (e->reinjected < 0 && inferred_reinjection(f, v, vec))) {
		c->reinjections++;
		v->inj_since_exit = vec + 1;
		return 0;
	}
	v->inj_since_exit = vec + 1;
	c->injections[vec]++;
	if (!v->pending[vec]) {
		f->unpaired_injections++;
		return 0;
	}
	if (v->held[vec]) {
		if (v->have_exit && v->last_exit == SVM_EXIT_VINTR) {
			c->window++;
		} else if (v->eoi_since_exit && (v->eoi_since_exit - 1) >> 4 >= vec >> 4) {
			c->eoi++;
		} else if (v->saw_entry && v->held[vec] == 1 &&
			   !(v->have_exit && v->last_exit == SVM_EXIT_WRITE_CR8)) {
			/* accepted while KVM entered the guest: held by nothing */
			c->entry_races++;
		} else {
			c->unmasking_writes++;
			if (v->have_exit && v->last_exit == SVM_EXIT_WRITE_CR8)
				c->immediate++;
			else
				c->late++;
		}
	}
	v->pending[vec] = 0;
	v->held[vec] = 0;
	return 0;
}

static int on_accept(struct kt_fold *f, const struct kt_event *e)
{
	struct kt_vcpu_state *v;

	/* INIT, SIPI (its vector is the start page), NMI, SMI, ExtINT: no IRR bit */
	if (e->dm != KT_DM_FIXED && e->dm != KT_DM_LOWEST) {
		f->accepts_not_fixed++;
		return 0;
	}
	if (e->apicid >= KT_MAX_VCPU) {
		f->unattributed++;
		return 0;
	}
	v = vcpu_state(f, e->apicid);
	if (!v)
		return -1;
	/* A second acceptance of a pending vector coalesces with the first. */
	v->pending[e->vector & 0xff] = 1;
	return 0;
}

static int on_eoi(struct kt_fold *f, const struct kt_event *e)
{
	struct kt_vcpu_state *v;
	struct kt_cell *c;

	if (e->apicid >= KT_MAX_VCPU) {
		f->unattributed++;
		return 0;
	}
	v = vcpu_state(f, e->apicid);
	c = v ? cell(f, v->job, v->phase, e->apicid, NULL) : NULL;
	if (!c)
		return -1;
	c->eois++;
	if ((e->vector & 0xff) + 1 > v->eoi_since_exit)
		v->eoi_since_exit = (e->vector & 0xff) + 1;
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

/* --- vCPU identity ---------------------------------------------------------------- */

static const char map_fix[] = "the exit counts cannot be filed per guest CPU; rerun, and report a bug with the run's trace file if it repeats";

int kt_fold_map(struct kt_fold *f, const int *apic_ids, unsigned ncpus, char *err, size_t len)
{
	unsigned v, w, g, nclaims = 0;

	f->mapped = 0;
	for (v = 0; v < f->nvcpus; v++) {
		f->vcpus[v].cpu = -1;
		f->vcpus[v].apic_id = -1;
	}
	if (f->map_conflicts)
		return util_err(err, len, -1, "KVM vCPU %u wrote phase markers for guest CPU %u, then for guest CPU %u (%llu such markers); %s",
				f->conflict_vcpu, f->vcpus[f->conflict_vcpu].guest_cpu,
				f->conflict_cpu, (unsigned long long)f->map_conflicts, map_fix);
	for (v = 0; v < f->nvcpus; v++) {
		struct kt_vcpu_state *s = &f->vcpus[v];

		if (!s->claimed)
			continue;
		nclaims++;
		if (ncpus && s->guest_cpu >= ncpus)
			return util_err(err, len, -1, "KVM vCPU %u (thread %d) wrote phase markers for guest CPU %u, but the guest reported %u CPUs; %s",
					v, s->tid, s->guest_cpu, ncpus, map_fix);
		for (w = 0; w < v; w++)
			if (f->vcpus[w].claimed && f->vcpus[w].guest_cpu == s->guest_cpu)
				return util_err(err, len, -1, "KVM vCPUs %u and %u both wrote phase markers for guest CPU %u; %s",
						w, v, s->guest_cpu, map_fix);
		if (apic_ids && s->guest_cpu < ncpus && apic_ids[s->guest_cpu] != (int)v)
			return util_err(err, len, -1, "guest CPU %u reports APIC ID %d, but its phase markers come from KVM vCPU %u (QEMU makes the APIC ID the vcpu_id); %s",
					s->guest_cpu, apic_ids[s->guest_cpu], v, map_fix);
		s->cpu = (int)s->guest_cpu;
	}
	/* every CPU the guest reported wrote markers, once any marker was seen */
	if (nclaims && ncpus) {
		for (g = 0; g < ncpus; g++) {
			for (v = 0; v < f->nvcpus; v++)
				if (f->vcpus[v].cpu == (int)g)
					break;
			if (v == f->nvcpus)
				return util_err(err, len, -1, "guest CPU %u%s wrote no phase marker the trace saw, while other CPUs did; %s",
						g, apic_ids ? "" : " (no APIC IDs in the report)", map_fix);
		}
	}
	if (apic_ids) {
		for (g = 0; g < ncpus; g++) {
			if (apic_ids[g] < 0)
				continue;
			for (w = 0; w < g; w++)
				if (apic_ids[w] == apic_ids[g])
					return util_err(err, len, -1, "guest CPUs %u and %u report the same APIC ID %d; %s",
							w, g, apic_ids[g], map_fix);
			if ((unsigned)apic_ids[g] >= f->nvcpus)
				continue;	/* a vCPU the trace never saw */
			v = (unsigned)apic_ids[g];
			f->vcpus[v].apic_id = apic_ids[g];
			f->vcpus[v].cpu = (int)g;	/* also the vCPUs without markers */
		}
	}
	f->mapped = 1;
	return 0;
}

int kt_fold_guest_cpu(const struct kt_fold *f, unsigned vcpu)
{
	if (!f->mapped || vcpu >= f->nvcpus)
		return -1;
	return f->vcpus[vcpu].cpu;
}

void kt_fold_vcpu_info(const struct kt_fold *f, unsigned i, struct kt_vcpu_info *out)
{
	const struct kt_vcpu_state *s = &f->vcpus[i];

	out->vcpu_id = i;
	out->cpu = f->mapped ? s->cpu : (s->claimed ? (int)s->guest_cpu : -1);
	out->apic_id = f->mapped ? s->apic_id : -1;
	out->tid = s->tid;
	out->seen = s->seen;
}

static int cmp_cell(const void *a, const void *b)
{
	const struct kt_cell *x = a, *y = b;

	if (x->job != y->job)
		return x->job < y->job ? -1 : 1;
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
		if (f->cells[i].phase == phase && f->cells[i].vcpu == vcpu && !f->cells[i].job)
			return &f->cells[i];
	return NULL;
}

int kt_fold_job(const struct kt_fold *f, unsigned int job, struct kt_fold *out)
{
	size_t i, n = 0;

	*out = *f;
	out->cells = NULL;
	out->vcpus = NULL;
	out->tids = NULL;
	out->ncells = out->cap_cells = out->nvcpus = out->ntids = out->cap_tids = 0;
	out->njobs = 1;
	for (i = 0; i < f->ncells; i++)
		n += f->cells[i].job == job;
	if ((n && !(out->cells = malloc(n * sizeof(*out->cells)))) ||
	    (f->nvcpus && !(out->vcpus = malloc(f->nvcpus * sizeof(*out->vcpus)))) ||
	    (f->ntids && !(out->tids = malloc(f->ntids * sizeof(*out->tids))))) {
		kt_fold_free(out);
		return -1;
	}
	out->cap_cells = n;
	for (i = 0; i < f->ncells; i++) {
		struct kt_cell *c;

		if (f->cells[i].job != job)
			continue;
		c = &out->cells[out->ncells++];
		*c = f->cells[i];
		c->job = 0;
		c->times = NULL;
		if (c->ntimes && !(c->times = malloc(c->ntimes * sizeof(*c->times)))) {
			c->ntimes = 0;
			kt_fold_free(out);
			return -1;
		}
		if (c->ntimes)
			memcpy(c->times, f->cells[i].times, c->ntimes * sizeof(*c->times));
	}
	if (f->nvcpus)
		memcpy(out->vcpus, f->vcpus, f->nvcpus * sizeof(*out->vcpus));
	out->nvcpus = f->nvcpus;
	for (i = 0; i < out->nvcpus; i++) {
		out->vcpus[i].job = 0;
		out->vcpus[i].last_exit_counted = 0;	/* its cell index is stale */
	}
	if (f->ntids)
		memcpy(out->tids, f->tids, f->ntids * sizeof(*out->tids));
	out->ntids = out->cap_tids = f->ntids;
	return 0;
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
