/* SPDX-License-Identifier: MIT */
/* nt_internal.h - per-CPU state of the NT-like layer (like the KPRCB). */
#ifndef IRQLBENCH_NT_INTERNAL_H
#define IRQLBENCH_NT_INTERNAL_H

#include "nt.h"
#include "stats.h"

#define NT_MAX_ISR_DEPTH 16

struct nt_isr_slot {
	nt_isr_t isr;
	void *ctx;
	bool raw;
};

/* A software-interrupt queue: DPCs at DISPATCH_LEVEL, APCs at APC_LEVEL. */
struct nt_swq {
	KSPIN_LOCK lock;	/* another CPU may queue (a targeted DPC): taken
				 * with IF=0 around every change, as the KPRCB's
				 * DPC queue lock */
	KDPC *head, *tail;
	bool requested;		/* its IPI sent and not yet entered */
};

struct nt_cpu {
	struct nt_swq dpcq, apcq;

	/* in-service vectors, as the layer saw them (for PPR) */
	unsigned isr_depth;
	uint8_t isr_stack[NT_MAX_ISR_DEPTH];

	/* expected (requested or known-pending, not yet entered) vectors */
	uint64_t expect_bits[4];
	uint16_t expect_count[256];
	uint64_t deliveries[256];
	uint64_t t_unmask[256];		/* unmasking write time, 0 if none */

	/* clock */
	uint64_t clock_deadline;	/* TSC of the next expected expiry, 0 if none */
	uint64_t clock_period;		/* 0: one-shot */
};

extern struct nt_cpu nt_cpus[MAX_CPUS];
extern struct nt_isr_slot nt_isrs[256];

static inline struct nt_cpu *nt_this_cpu(void)
{
	return &nt_cpus[plat_cpu_id()];
}

/* Processor priority class as the layer knows it: max(TPR, in-service). */
static inline unsigned nt_ppr_class(const struct nt_cpu *c, unsigned tpr_class)
{
	unsigned isr = c->isr_depth ? vector_class(c->isr_stack[c->isr_depth - 1]) : 0;

	return tpr_class > isr ? tpr_class : isr;
}

/* Highest expected vector, or -1. */
static inline int nt_highest_expected(const struct nt_cpu *c)
{
	for (int w = 3; w >= 0; w--) {
		uint64_t b = __atomic_load_n(&c->expect_bits[w], __ATOMIC_RELAXED);

		if (b)
			return w * 64 + 63 - __builtin_clzll(b);
	}
	return -1;
}

/* vector expected on CPU c (c may be another CPU: a targeted DPC's IPI). */
void nt_expect_on(struct nt_cpu *c, unsigned vector);

void nt_bugcheck(const char *code, const char *what) __attribute__((noreturn));

#endif
