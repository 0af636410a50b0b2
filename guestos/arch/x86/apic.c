// SPDX-License-Identifier: MIT
/*
 * apic.c - the local APIC in xAPIC (MMIO) or x2APIC (MSR) mode: software
 * enable, self-IPI, IRR/ISR, EOI, and the LAPIC timer calibrated against
 * the TSC.
 *
 * The mode (apic_select(), the boot word apic=auto|xapic|x2apic) is chosen
 * once by the boot CPU before any APIC access and applies to every CPU.
 * auto is x2APIC where CPUID.1:ECX[21] offers it, as Windows does.  In
 * x2APIC mode register R is MSR 0x800 + R/16 (SDM Vol. 3A §11.12.1.2),
 * the ICR one 64-bit MSR (0x830, destination in bits 63:32), and a
 * self-IPI a write of the SELF IPI MSR (0x83F), as Linux's x2apic driver
 * sends it: under KVM without APIC virtualization each is a WRMSR exit
 * (`msr`), not an APIC-page fault (`npf`).
 *
 * IA32_APIC_BASE.EN is set if it is clear, and never cleared: QEMU 7.2 TCG
 * cannot bring an APIC back once it was hardware-disabled.
 */
#include "klib.h"
#include "platform.h"
#include "x86.h"

#define APIC_DEFAULT_BASE 0xfee00000ul
#define X2APIC_MSR(reg)	(0x800u + ((reg) >> 4))
#define X2APIC_ICR	0x830u
#define X2APIC_SELF_IPI	0x83fu
#define X2APIC_ID	0x802u
#define APIC_BASE_EN	(1ul << 11)
#define APIC_BASE_EXTD	(1ul << 10)

#define APIC_ID		0x020
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_ISR	0x100
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_THERM	0x330
#define APIC_LVT_PERF	0x340
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0

#define SVR_ENABLE	0x100
#define SPURIOUS_VEC	0xff
#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define LVT_TSC_DEADLINE (1u << 18)
#define MSR_TSC_DEADLINE 0x6e0
#define LVT_NMI		(4u << 8)
#define ICR_BUSY	(1u << 12)
#define ICR_ASSERT	(1u << 14)
#define ICR_SELF	(1u << 18)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_INIT	(5u << 8)
#define ICR_STARTUP	(6u << 8)
#define TDCR_DIV1	0xb

#define BUSY_SPINS	1000000u
#define IRR_SPINS	1000u

static volatile uint32_t *apic_mmio = (volatile uint32_t *)APIC_DEFAULT_BASE;
static bool x2;		/* every CPU's APIC in x2APIC mode (apic_select) */
static uint64_t apic_hz;
/* APIC timer ticks per TSC cycle, 32.32 fixed point */
static uint64_t apic_per_tsc;
/* one-shot through IA32_TSC_DEADLINE (CPUID.1:ECX[24] and the boot probe) */
static bool tsc_deadline;
volatile bool timer_probe_armed;
static volatile uint64_t probe_hit_tsc;

uint32_t apic_read(unsigned reg)
{
	if (x2)
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	return apic_mmio[reg / 4];
}

/* Not for the ICR's high half, which x2APIC does not have (apic_icr). */
void apic_write(unsigned reg, uint32_t v)
{
	if (x2)
		wrmsr(X2APIC_MSR(reg), v);
	else
		apic_mmio[reg / 4] = v;
}

/* One ICR write: xAPIC writes the destination (bits 31:24 of ICR high)
 * first, x2APIC writes both halves at once. */
static void apic_icr(uint32_t dest, uint32_t lo)
{
	if (x2) {
		wrmsr(X2APIC_ICR, (uint64_t)dest << 32 | lo);
		return;
	}
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, lo);
}

/* This CPU's APIC ID, in the mode its APIC is in now (an AP reads it
 * before its apic_init). */
uint32_t apic_id(void)
{
	if (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD)
		return (uint32_t)rdmsr(X2APIC_ID);
	return apic_mmio[APIC_ID / 4] >> 24;
}

bool apic_is_x2(void)
{
	return x2;
}

bool apic_x2_offered(void)
{
	uint32_t r[4];

	cpuid2(1, 0, r);
	return (r[2] & (1u << 21)) != 0;
}

/*
 * The boot CPU, before apic_init(): mode "auto" (or NULL), "xapic" or
 * "x2apic".  Returns NULL, or why the mode cannot be had (a bad word,
 * x2APIC not offered, or firmware that left x2APIC on when xAPIC is
 * asked for: leaving x2APIC needs a hardware disable, which QEMU 7.2 TCG
 * cannot undo).
 */
const char *apic_select(const char *mode, size_t len)
{
	bool on = rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD;
	bool offered = apic_x2_offered();

	if (!mode || (len == 4 && !kstrncmp(mode, "auto", 4))) {
		x2 = offered || on;
		return NULL;
	}
	if (len == 6 && !kstrncmp(mode, "x2apic", 6)) {
		if (!offered && !on)
			return "apic=x2apic: this CPU offers no x2APIC (CPUID.1:ECX[21] clear; QEMU 7.2's TCG has none): use apic=auto or apic=xapic";
		x2 = true;
		return NULL;
	}
	if (len == 5 && !kstrncmp(mode, "xapic", 5)) {
		if (on)
			return "apic=xapic: the firmware left the local APIC in x2APIC mode: use apic=auto or apic=x2apic";
		x2 = false;
		return NULL;
	}
	return "apic= takes auto, xapic or x2apic";
}

static void icr_wait_idle(void)
{
	for (unsigned i = 0; i < BUSY_SPINS && (apic_read(APIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
}

/* Every CPU: enable (never disable), mask the LVTs, TPR 0. */
void apic_init(bool bsp)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	/* The BIOS leaves the 8259s unmasked (PIT IRQ0 at vector 8): mask
	 * both, so no ExtINT interrupt, which ignores the TPR, ever reaches
	 * the CPU, whatever LINT0 or the IOAPIC say. */
	if (bsp) {
		outb(0x21, 0xff);
		outb(0xa1, 0xff);
	}
	if (!(base & APIC_BASE_EN))
		wrmsr(MSR_APIC_BASE, base |= APIC_BASE_EN);
	if (x2 && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);	/* xAPIC -> x2APIC: allowed */
	if (!x2 && (base & APIC_BASE_EXTD))
		plat_fatal("internal", "the local APIC of this CPU is in x2APIC mode, the boot CPU's in xAPIC mode");
	base &= 0x000ffffffffff000ull;
	if (x2)
		;	/* no MMIO */
	else if (base >= 0xc0000000ull && base < 0x100000000ull)
		apic_mmio = (volatile uint32_t *)base;	/* the uncached GiB of boot.S */
	else
		plat_fatal("internal", "the local APIC is not in the uncached 3..4 GiB range the page tables map");

	apic_write(APIC_SVR, SVR_ENABLE | SPURIOUS_VEC);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	percpus[this_cpu()].lvt_timer = LVT_MASKED;
	apic_write(APIC_LVT_THERM, LVT_MASKED);
	apic_write(APIC_LVT_PERF, LVT_MASKED);
	apic_write(APIC_LVT_LINT0, LVT_MASKED);	/* no 8259 through ExtINT */
	apic_write(APIC_LVT_LINT1, bsp ? LVT_NMI : LVT_MASKED);
	apic_write(APIC_LVT_ERR, LVT_MASKED);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_TDCR, TDCR_DIV1);
	apic_write(APIC_TMICT, 0);
}

static bool apic_bit(unsigned base, uint8_t vector)
{
	return apic_read(base + (vector / 32u) * 0x10) & (1u << (vector % 32));
}

bool apic_isr_set(uint8_t vector)
{
	return apic_bit(APIC_ISR, vector);
}

bool plat_irr_pending(uint8_t vector)
{
	return apic_bit(APIC_IRR, vector);
}

void plat_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/*
 * The ICR read mirrors what the Windows HAL does before a self-IPI; the
 * IRR read afterwards is the "pending" promise of platform.h.  Under KVM
 * (xAPIC, no AVIC) each of the three accesses is an exit.
 */
static void self_ipi(uint8_t vector)
{
	if (x2)
		wrmsr(X2APIC_SELF_IPI, vector);
	else
		apic_write(APIC_ICR_LO, ICR_SELF | ICR_ASSERT | vector);
}

void plat_self_ipi(uint8_t vector)
{
	self_ipi(vector);
}

/* Physical destination, fixed delivery, edge: as KiIpiSend's HalRequestIpi
 * sends to one processor (SDM Vol. 3A §11.6.1). */
void plat_send_ipi(unsigned cpu, uint8_t vector)
{
	if (cpu >= X86_MAX_CPUS)
		return;
	apic_icr(percpus[cpu].apic_id, ICR_ASSERT | vector);
}

void plat_self_ipi_checked(uint8_t vector)
{
	icr_wait_idle();
	self_ipi(vector);
	for (unsigned i = 0; i < IRR_SPINS; i++) {
		if (plat_irr_pending(vector))
			return;
		cpu_relax();
	}
}

/* INIT, then SIPI twice, to every other CPU (the BSP's job). */
void apic_send_init_sipi_all(uint8_t sipi_page)
{
	uint64_t ms = plat_tsc_hz() / 1000;

	icr_wait_idle();
	apic_icr(0, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
	icr_wait_idle();
	plat_spin(10 * ms);
	for (int i = 0; i < 2; i++) {
		apic_icr(0, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | sipi_page);
		icr_wait_idle();
		plat_spin(ms / 5);
	}
}

/* --- timer ------------------------------------------------------------ */

static uint32_t cal_count0;
static uint64_t cal_tsc0;

/*
 * Read TMCCT with the TSC at the middle of the read (it may exit): the
 * tighter of three reads, as one may be preempted (and under TCG the
 * first run of this code includes translating it).
 */
static uint32_t tmcct_at(uint64_t *tsc)
{
	uint64_t best = ~0ull;
	uint32_t count = 0;

	for (int i = 0; i < 3; i++) {
		uint64_t a = rdtsc_ordered();
		uint32_t c = apic_read(APIC_TMCCT);
		uint64_t b = rdtsc_ordered();

		if (b - a < best) {
			best = b - a;
			count = c;
			*tsc = a + (b - a) / 2;
		}
	}
	return count;
}

void apic_calibrate_start(void)
{
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	apic_write(APIC_TDCR, TDCR_DIV1);
	apic_write(APIC_TMICT, 0xffffffffu);
	cal_count0 = tmcct_at(&cal_tsc0);
}

/* Ends the window the boot CPU opened; needs plat_tsc_hz(). */
void apic_calibrate_end(void)
{
	uint64_t t1, ticks, dt;
	uint32_t c1 = tmcct_at(&t1);

	apic_write(APIC_TMICT, 0);
	ticks = cal_count0 - c1;
	dt = t1 - cal_tsc0;
	if (!ticks || !dt)
		plat_fatal("internal", "the LAPIC timer does not count; cannot calibrate it");
	/* ticks < 2^32: the shift cannot overflow, and no 128-bit division */
	apic_per_tsc = (ticks << 32) / dt;
	apic_hz = (uint64_t)(((unsigned __int128)apic_per_tsc * plat_tsc_hz()) >> 32);
}

uint64_t apic_timer_hz(void)
{
	return apic_hz;
}

static void timer_disarm(struct percpu *pc)
{
	if (pc->lvt_timer & LVT_TSC_DEADLINE)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else
		apic_write(APIC_TMICT, 0);
}

/*
 * Writes the LVT timer register only when it changes: each write may exit.
 * The running timer is stopped first: QEMU re-arms the old count in the
 * new mode at the LVT write (an expired one-shot turned periodic fired
 * once, within a period, before the new count was written).
 */
static bool lvt_timer_set(struct percpu *pc, uint32_t v)
{
	if (pc->lvt_timer == v)
		return false;
	timer_disarm(pc);
	apic_write(APIC_LVT_TIMER, v);
	pc->lvt_timer = v;
	return true;
}

/*
 * One-shot: one exit under KVM (TMICT write, or the deadline WRMSR) once
 * the LVT holds the vector and mode; periodic always uses the LAPIC timer.
 */
uint64_t plat_timer_arm(uint8_t vector, uint64_t cycles, bool periodic)
{
	struct percpu *pc = &percpus[this_cpu()];
	unsigned __int128 c;
	uint32_t count;
	uint64_t t;

	if (tsc_deadline && !periodic) {
		/* the SDM asks for MFENCE between the xAPIC LVT write and the WRMSR */
		if (lvt_timer_set(pc, vector | LVT_TSC_DEADLINE))
			mfence();
		t = rdtsc_ordered();
		wrmsr(MSR_TSC_DEADLINE, t + cycles);
		return t + cycles;
	}
	/* round up: the timer must not fire before the time we return */
	c = ((unsigned __int128)cycles * apic_per_tsc + 0xffffffffu) >> 32;
	count = c > 0xffffffffu ? 0xffffffffu : c ? (uint32_t)c : 1;
	lvt_timer_set(pc, vector | (periodic ? LVT_PERIODIC : 0));
	t = rdtsc_ordered();
	apic_write(APIC_TMICT, count);
	return t + cycles;
}

void plat_timer_stop(void)
{
	struct percpu *pc = &percpus[this_cpu()];

	if (!lvt_timer_set(pc, LVT_MASKED))	/* which disarms it first */
		timer_disarm(pc);
}

bool timer_uses_deadline(void)
{
	return tsc_deadline;
}

void timer_probe_isr(void)
{
	probe_hit_tsc = rdtsc_ordered();
	timer_probe_armed = false;
	plat_eoi();
}

/*
 * Boot CPU, IF=0: use TSC-deadline mode only where CPUID offers it and one
 * deadline 50 us ahead really interrupts (within 50 ms, not early).  The
 * probe's vector is swallowed by isr_dispatch() as long as it is armed,
 * so a late probe interrupt never reaches the NT layer.
 */
void timer_probe_deadline(void)
{
	struct percpu *pc = &percpus[this_cpu()];
	uint64_t hz = plat_tsc_hz(), t0, deadline;
	uint32_t r[4];

	cpuid2(1, 0, r);
	if (!(r[2] & (1u << 24)))
		return;
	timer_probe_armed = true;
	lvt_timer_set(pc, TIMER_PROBE_VECTOR | LVT_TSC_DEADLINE);
	mfence();
	t0 = rdtsc_ordered();
	deadline = t0 + hz / 20000;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	sti();
	while (timer_probe_armed && rdtsc_ordered() - t0 < hz / 20)
		;
	cli();
	tsc_deadline = !timer_probe_armed && probe_hit_tsc >= deadline;
	wrmsr(MSR_TSC_DEADLINE, 0);
	lvt_timer_set(pc, LVT_MASKED);
}
