// SPDX-License-Identifier: MIT
/*
 * smp.c - counting the CPUs (fw_cfg, ACPI MADT) and starting the others with
 * INIT-SIPI-SIPI through the real-mode trampoline of boot.S.
 */
#include "klib.h"
#include "platform.h"
#include "x86.h"

#define AP_TRAMPOLINE	0x8000ul	/* page 0x08: the SIPI vector */
#define AP_STACK_SIZE	16384		/* AP_STACK_SHIFT in boot.S */
#define AP_WAIT_MS	1000		/* for all the MADT lists */
#define AP_PROBE_MS	100		/* when there is no MADT */

/* boot.S picks ap_stacks[n] by the number it drew; [0] is unused. */
uint8_t ap_stacks[X86_MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
volatile unsigned cpus_online = 1;
static unsigned cpus_madt;		/* CPUs present (fw_cfg or MADT), 0: unknown */
static bool aps_started;
static void (*volatile ap_fn)(unsigned cpu);

void ap_main(unsigned cpu);

/* A physical address as a pointer (hides small constants from -Warray-bounds). */
static inline void *phys(uintptr_t a)
{
	asm("" : "+r"(a));
	return (void *)a;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Enabled local APICs in the MADT, or 0 if there is no usable MADT. */
unsigned smp_count_cpus_acpi(void)
{
	const uint8_t *madt = acpi_find_table("APIC");
	unsigned n = 0;

	if (!madt)
		return 0;
	for (uint32_t off = 44; off + 2 <= rd32(madt + 4) && madt[off + 1] >= 2;
	     off += madt[off + 1]) {
		if (madt[off] == 0 && (rd32(madt + off + 4) & 1))	/* local APIC, enabled */
			n++;
		else if (madt[off] == 9 && (rd32(madt + off + 8) & 1))	/* x2APIC, enabled */
			n++;
	}
	return n;
}

/* C entry of an AP, on its own stack, from boot.S. */
void ap_main(unsigned cpu)
{
	cpu_init(cpu, apic_id());
	apic_init(false);
	write_cr8(0);
	__atomic_add_fetch(&cpus_online, 1, __ATOMIC_RELEASE);
	while (!ap_fn)
		cpu_relax();
	ap_fn(cpu);
	for (;;)
		asm volatile("cli; hlt");
}

static void wait_online(unsigned want, uint64_t cycles)
{
	uint64_t t0 = plat_now();

	while ((!want || cpus_online < want) && plat_now() - t0 < cycles)
		cpu_relax();
}

/*
 * QEMU's fw_cfg: the number of CPUs present at boot, in three port
 * accesses.  (The ACPI scan reads 128 KiB of BIOS area 16 bytes at a
 * time; a nested KVM that traps each read took 90-140 ms for it.)
 */
#define FW_CFG_SEL	0x510
#define FW_CFG_DATA	0x511
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_NB_CPUS	0x05

static void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static unsigned fw_cfg_cpus(void)
{
	char sig[4];
	unsigned n;

	outw(FW_CFG_SEL, FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(FW_CFG_DATA);
	if (kstrncmp(sig, "QEMU", 4))
		return 0;
	outw(FW_CFG_SEL, FW_CFG_NB_CPUS);
	n = inb(FW_CFG_DATA);
	n |= (unsigned)inb(FW_CFG_DATA) << 8;
	return n;
}

/* Boot CPU, at boot: how many CPUs there are (fw_cfg, else ACPI MADT). */
void smp_init(void)
{
	cpus_madt = fw_cfg_cpus();
	if (!cpus_madt)
		cpus_madt = smp_count_cpus_acpi();
	if (cpus_madt > X86_MAX_CPUS)
		cpus_madt = X86_MAX_CPUS;
}

/*
 * A boot that runs a list of jobs (jobs.c) runs them on this CPU alone:
 * the others are never started (they cannot be started twice), and
 * plat_ncpus() says 1 from now on.
 */
void smp_keep_aps_parked(void)
{
	aps_started = true;
}

unsigned arch_start_aps(void (*fn)(unsigned cpu))
{
	unsigned want = cpus_madt;
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);

	if (aps_started)
		return cpus_online;
	aps_started = true;
	if (want == 1)
		return 1;
	ap_fn = fn;
	kmemcpy(phys(AP_TRAMPOLINE), ap_trampoline_start, len);
	apic_send_init_sipi_all((uint8_t)(AP_TRAMPOLINE >> 12));
	wait_online(want, plat_tsc_hz() / 1000 * (want ? AP_WAIT_MS : AP_PROBE_MS));
	return cpus_online;
}

/*
 * Before arch_start_aps(): the CPUs present (so that the caller
 * can decide to start them); after: the CPUs that came up.
 */
unsigned plat_ncpus(void)
{
	if (!aps_started && cpus_madt > 1)
		return cpus_madt;
	return cpus_online;
}

unsigned plat_cpu_id(void)
{
	return this_cpu();
}
