// SPDX-License-Identifier: MIT
/*
 * ideal_platform.c - platform.h as bare hardware would do it, for the unit
 * tests of the NT layer and the workloads on the host: a local APIC with
 * IRR/ISR/TPR, interrupts delivered at the instruction boundary right after
 * whatever made them deliverable (CR8 write, sti, EOI), a one-shot/periodic
 * timer, and a TSC that advances with every operation.  No hypervisor: so
 * no late deliveries, no exits.  (The host's model backend is the
 * simulation of KVM; this is only the test bench of the guest's logic.)
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"
#include "ideal_platform.h"
#include "platform.h"

struct ideal ideal;
static jmp_buf exit_jmp;

void ideal_reset(void)
{
	memset(&ideal, 0, sizeof(ideal));
	ideal.tsc_hz = 1000000000ull;
}

static int highest(const uint64_t *bits)
{
	for (int w = 3; w >= 0; w--)
		if (bits[w])
			return w * 64 + 63 - __builtin_clzll(bits[w]);
	return -1;
}

static unsigned ppr_class(void)
{
	unsigned isr = ideal.isr_depth ? ideal.isr[ideal.isr_depth - 1] >> 4 : 0;

	return ideal.cr8 > isr ? (unsigned)ideal.cr8 : isr;
}

static void check_timer(void)
{
	if (ideal.timer_deadline && ideal.now >= ideal.timer_deadline) {
		unsigned v = ideal.timer_vector;

		ideal.irr[v >> 6] |= 1ull << (v & 63);
		ideal.timer_deadline = ideal.timer_period ?
			ideal.timer_deadline + ideal.timer_period : 0;
	}
}

static void deliver(void)
{
	for (;;) {
		int v;

		check_timer();
		v = highest(ideal.irr);
		if (!ideal.if_flag || v < 0 || (unsigned)v >> 4 <= ppr_class())
			return;
		ideal.irr[v >> 6] &= ~(1ull << (v & 63));
		ideal.isr[ideal.isr_depth++] = (uint8_t)v;
		ideal.deliveries++;
		ideal.if_flag = false;	/* interrupt gate */
		nt_interrupt((unsigned)v);
		ideal.if_flag = true;	/* iret */
	}
}

uint64_t plat_read_cr8(void) { return ideal.cr8; }

void plat_write_cr8(uint64_t irql)
{
	ideal.now += 2;
	ideal.cr8 = irql;
	ideal.cr8_writes++;
	deliver();
}

void plat_self_ipi(uint8_t vector)
{
	ideal.now += 50;
	ideal.irr[vector >> 6] |= 1ull << (vector & 63);
	ideal.self_ipis++;
	deliver();	/* interrupts as they are: taken at once where let in */
}

void plat_self_ipi_checked(uint8_t vector)
{
	ideal.now += 50;
	ideal.irr[vector >> 6] |= 1ull << (vector & 63);
	ideal.self_ipis++;
}

bool plat_irr_pending(uint8_t vector)
{
	ideal.now += 50;
	check_timer();
	return ideal.irr[vector >> 6] & (1ull << (vector & 63));
}

void plat_eoi(void)
{
	ideal.now += 50;
	if (ideal.isr_depth)
		ideal.isr_depth--;
	ideal.eois++;
	deliver();
}

uint64_t plat_timer_arm(uint8_t vector, uint64_t cycles, bool periodic)
{
	ideal.now += 50;
	ideal.timer_vector = vector;
	ideal.timer_deadline = ideal.now + cycles;
	ideal.timer_period = periodic ? cycles : 0;
	return ideal.timer_deadline;
}

void plat_timer_stop(void)
{
	ideal.timer_deadline = 0;
}

uint64_t plat_now(void) { return ++ideal.now; }
uint64_t plat_tsc_hz(void) { return ideal.tsc_hz; }

void plat_spin(uint64_t cycles)
{
	ideal.now += cycles;
	deliver();
}

void plat_pause(void)
{
	ideal.now += 10;
}

/* One CPU: no other to send to; a test that reaches it has a bug. */
void plat_send_ipi(unsigned cpu, uint8_t vector)
{
	fprintf(stderr, "ideal_platform: IPI 0x%02x to CPU %u on a one-CPU bench\n", vector, cpu);
	guest_exit(99);
	__builtin_unreachable();
}

void plat_halt(void)
{
	guest_exit(0);
	__builtin_unreachable();
}

void plat_phase(uint32_t marker)
{
	ideal.last_marker = marker;
	ideal.markers++;
}

/* an ideal machine has no exits: the write is only counted */
void plat_out(uint16_t port, uint8_t value)
{
	ideal.last_out = (uint32_t)port << 8 | value;
	ideal.outs++;
}

/* An ideal platform has no host to act. */
bool plat_host(unsigned action, unsigned arg)
{
	(void)action;
	(void)arg;
	return false;
}

unsigned long plat_irq_save(void)
{
	unsigned long f = ideal.if_flag;

	ideal.if_flag = false;
	return f;
}

void plat_irq_restore(unsigned long flags)
{
	ideal.if_flag = flags != 0;
	deliver();
}

void plat_irq_enable(void)
{
	ideal.if_flag = true;
	deliver();
}

void plat_irq_disable(void) { ideal.if_flag = false; }
bool plat_irq_enabled(void) { return ideal.if_flag; }
unsigned plat_cpu_id(void) { return 0; }
unsigned plat_ncpus(void) { return 1; }

void plat_puts(const char *s)
{
	size_t n = strlen(s);

	if (ideal.out_len + n < sizeof(ideal.out)) {
		memcpy(ideal.out + ideal.out_len, s, n + 1);
		ideal.out_len += n;
	}
}

const char *plat_describe(void)
{
	return "apic=ideal timer=ideal tsc_hz=1000000000 tsc_source=test vendor=none hypervisor=none";
}

unsigned arch_start_aps(void (*fn)(unsigned cpu))
{
	(void)fn;
	return 1;
}

void guest_exit(int code)
{
	longjmp(exit_jmp, code + 256);
}

int ideal_run(const char *cmdline)
{
	return ideal_run_module(cmdline, NULL);
}

int ideal_run_module(const char *cmdline, const char *module)
{
	static struct boot_info bi;
	int rc;

	ideal_reset();
	bi.cmdline = cmdline;
	bi.nmods = module ? 1 : 0;
	bi.mods[0].data = module;
	bi.mods[0].size = module ? strlen(module) : 0;
	bi.mods[0].name = "test.scn";
	rc = setjmp(exit_jmp);
	if (rc)
		return rc - 256 + 100;	/* guest_exit(code): 100 + code */
	return guest_main(&bi);
}
