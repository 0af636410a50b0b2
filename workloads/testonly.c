// SPDX-License-Identifier: MIT
/*
 * Test-only workloads: a guest that hangs, faults, or triple-faults, so
 * that the host's error paths are tested against a real guest.  They exist
 * only in the guest image (the model refuses them).
 */
#include "workload.h"

#ifdef IRQLBENCH_GUEST
int wl_hang(struct wl_ctx *ctx);
int wl_hang(struct wl_ctx *ctx)
{
	(void)ctx;
	plat_irq_disable();
	for (;;)
		__asm__ volatile("pause");
}

int wl_fault(struct wl_ctx *ctx);
int wl_fault(struct wl_ctx *ctx)
{
	volatile uint64_t zero = 0, sink;

	switch (wl_param(ctx, "vector")) {
	case 0:
		sink = 1 / zero;
		(void)sink;
		break;
	case 3:
		__asm__ volatile("int3");
		break;
	case 6:
		__asm__ volatile("ud2");
		break;
	case 13:	/* non-canonical address */
		sink = *(volatile uint64_t *)0x8000000000000000ull;
		break;
	case 14:	/* above the identity map */
		sink = *(volatile uint64_t *)0x0000700000000000ull;
		break;
	default:
		return wl_fail(ctx, "fault vector %llu is not supported: use 0, 3, 6, 13 or 14",
			       (unsigned long long)wl_param(ctx, "vector"));
	}
	return wl_fail(ctx, "the requested exception did not happen");
}

int wl_triple_fault(struct wl_ctx *ctx);
int wl_triple_fault(struct wl_ctx *ctx)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} empty = { 0, 0 };

	(void)ctx;
	plat_irq_disable();
	__asm__ volatile("lidt %0; int3" : : "m"(empty));
	for (;;)
		;
}
#endif
