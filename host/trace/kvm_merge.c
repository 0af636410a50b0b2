// SPDX-License-Identifier: MIT
/* Folding per-CPU event streams in one time order as they are read (kvm_merge.h). */
#include <stdlib.h>
#include <string.h>

#include "trace/kvm_merge.h"

struct kt_queue {
	struct kt_event *ev;		/* a ring: ev[(head + i) % cap], i < n */
	size_t head, n, cap;
	unsigned long long wm;
	int in_heap;
};

int kt_merge_init(struct kt_merge *m, unsigned nq)
{
	memset(m, 0, sizeof(*m));
	m->q = calloc(nq ? nq : 1, sizeof(*m->q));
	m->heap = calloc(nq ? nq : 1, sizeof(*m->heap));
	if (!m->q || !m->heap) {
		kt_merge_free(m);
		return -1;
	}
	m->nq = nq;
	return 0;
}

void kt_merge_free(struct kt_merge *m)
{
	unsigned i;

	for (i = 0; m->q && i < m->nq; i++)
		free(m->q[i].ev);
	free(m->q);
	free(m->heap);
	memset(m, 0, sizeof(*m));
}

static const struct kt_event *head(const struct kt_queue *q)
{
	return &q->ev[q->head];
}

/* Heap order: the older head first; on equal timestamps, the lower queue. */
static int before(const struct kt_merge *m, unsigned a, unsigned b)
{
	unsigned long long ta = head(&m->q[a])->ts, tb = head(&m->q[b])->ts;

	return ta != tb ? ta < tb : a < b;
}

static void sift_up(struct kt_merge *m, unsigned i)
{
	while (i > 0) {
		unsigned p = (i - 1) / 2, t;

		if (!before(m, m->heap[i], m->heap[p]))
			break;
		t = m->heap[i];
		m->heap[i] = m->heap[p];
		m->heap[p] = t;
		i = p;
	}
}

static void sift_down(struct kt_merge *m, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, s = i, t;

		if (l < m->nheap && before(m, m->heap[l], m->heap[s]))
			s = l;
		if (r < m->nheap && before(m, m->heap[r], m->heap[s]))
			s = r;
		if (s == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[s];
		m->heap[s] = t;
		i = s;
	}
}

int kt_merge_push(struct kt_merge *m, unsigned qi, const struct kt_event *e)
{
	struct kt_queue *q = &m->q[qi];

	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 1024, i;
		struct kt_event *n = malloc(cap * sizeof(*n));

		if (!n)
			return -1;
		for (i = 0; i < q->n; i++)
			n[i] = q->ev[(q->head + i) % q->cap];
		free(q->ev);
		q->ev = n;
		q->cap = cap;
		q->head = 0;
	}
	q->ev[(q->head + q->n) % q->cap] = *e;
	q->n++;
	if (m->folded_any && e->ts < m->last_ts)
		m->late++;
	if (++m->held > m->peak)
		m->peak = m->held;
	if (!q->in_heap) {
		q->in_heap = 1;
		m->heap[m->nheap++] = qi;
		sift_up(m, m->nheap - 1);
	}
	return 0;
}

void kt_merge_watermark(struct kt_merge *m, unsigned qi, unsigned long long wm)
{
	if (wm > m->q[qi].wm)
		m->q[qi].wm = wm;
}

int kt_merge_fold(struct kt_merge *m, struct kt_fold *f, int all)
{
	unsigned long long limit = ~0ull;
	unsigned i;

	if (!all)
		for (i = 0; i < m->nq; i++)
			if (m->q[i].wm < limit)
				limit = m->q[i].wm;
	while (m->nheap) {
		unsigned qi = m->heap[0];
		struct kt_queue *q = &m->q[qi];
		struct kt_event e = *head(q);

		if (!all && e.ts > limit)
			break;
		q->head = (q->head + 1) % q->cap;
		q->n--;
		m->held--;
		if (q->n) {
			sift_down(m, 0);
		} else {
			q->in_heap = 0;
			m->heap[0] = m->heap[--m->nheap];
			if (m->nheap)
				sift_down(m, 0);
		}
		if (!m->folded_any || e.ts > m->last_ts)
			m->last_ts = e.ts;
		m->folded_any = 1;
		m->folded++;
		if (kt_fold_event(f, &e))
			return -1;
	}
	return 0;
}
