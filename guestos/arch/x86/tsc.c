// SPDX-License-Identifier: MIT
/*
 * tsc.c - the TSC frequency and the LAPIC timer rate, measured at boot.
 *
 * TSC frequency, first source that has it:
 *   cpuid     hypervisor leaf 0x40000010 (kHz), or leaf 0x15 with a crystal;
 *   kvmclock  KVM's pvclock scale (what KVM itself converts the TSC with);
 *   pit       PIT channel 2 windows (QEMU TCG, or anything else).
 * CPUID 0x16 is not used: it is the nominal base clock, not the TSC's.
 * The LAPIC timer is timed against the TSC alone (apic.c), over the PIT
 * windows or a 5 ms spin.
 */
#include "klib.h"
#include "platform.h"
#include "x86.h"

#define PIT_HZ		1193182u
#define PIT_LATCH	(PIT_HZ / 333)		/* 3 ms */
#define PIT_MAX_WINDOWS	6
#define PIT_CMD		0x43
#define PIT_CH2		0x42
#define PORT_B		0x61			/* bit 0: gate 2, bit 1: speaker, bit 5: OUT2 */
#define PIT_TIMEOUT	(1ull << 34)		/* TSC cycles: seconds on any CPU */

#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)

static uint64_t tsc_hz;
static const char *tsc_src = "none";

static bool hypervisor_leaf(uint32_t *max, char sig[13])
{
	uint32_t r[4];

	cpuid2(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return false;
	cpuid2(0x40000000, 0, r);
	*max = r[0];
	for (int i = 0; i < 4; i++) {
		sig[i] = (char)(r[1] >> (8 * i));
		sig[4 + i] = (char)(r[2] >> (8 * i));
		sig[8 + i] = (char)(r[3] >> (8 * i));
	}
	sig[12] = '\0';
	return true;
}

static uint64_t tsc_hz_from_cpuid(void)
{
	uint32_t r[4], max;
	char sig[13];

	if (hypervisor_leaf(&max, sig) && max >= 0x40000010 && max < 0x40000100) {
		cpuid2(0x40000010, 0, r);
		if (r[0])
			return (uint64_t)r[0] * 1000;	/* kHz */
	}
	cpuid2(0, 0, r);
	if (r[0] >= 0x15) {
		cpuid2(0x15, 0, r);	/* eax: denominator, ebx: numerator, ecx: crystal Hz */
		if (r[0] && r[1] && r[2])
			return (uint64_t)r[2] * r[1] / r[0];
	}
	return 0;
}

struct pvclock_time_info {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags, pad[2];
};

static struct pvclock_time_info pvclock __attribute__((aligned(64)));

/* ns = ((tsc << shift) * mul) >> 32, so Hz = 1e9 * 2^32 / mul, shifted back. */
static uint64_t tsc_hz_from_kvmclock(void)
{
	uint32_t r[4], max, mul = 0, v;
	int8_t shift = 0;
	uint64_t hz;
	char sig[13];

	if (!hypervisor_leaf(&max, sig) || max < 0x40000001 ||
	    kstrncmp(sig, "KVMKVMKVM", 9))
		return 0;
	cpuid2(0x40000001, 0, r);
	if (!(r[0] & KVM_FEATURE_CLOCKSOURCE2))
		return 0;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)&pvclock | 1);
	for (int tries = 0; tries < 1000 && !mul; tries++) {
		v = __atomic_load_n(&pvclock.version, __ATOMIC_ACQUIRE);
		if (!v || (v & 1))
			continue;
		mul = pvclock.tsc_to_system_mul;
		shift = pvclock.tsc_shift;
		if (__atomic_load_n(&pvclock.version, __ATOMIC_ACQUIRE) != v)
			mul = 0;
	}
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);	/* KVM stops writing our memory */
	if (!mul || shift < -31 || shift > 31)
		return 0;
	hz = (1000000000ull << 32) / mul;
	return shift < 0 ? hz << -shift : hz >> shift;
}

/*
 * TSC cycles in `latch` PIT ticks of channel 2 (mode 0, gate high).
 * Under KVM every port access is an exit (tens of us when nested), so the
 * end is the middle between the last poll that saw OUT2 low and the one
 * that saw it high, each timed just before its access, as is the start
 * (the write that loads the count): the exit's entry latency cancels.
 * *err bounds how far off the start and the end can be.
 */
static uint64_t pit_window(uint16_t latch, uint64_t *err)
{
	uint64_t t0, t1, prev, t;

	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0);			/* channel 2, lo/hi, mode 0, binary */
	outb(PIT_CH2, latch & 0xff);
	t0 = rdtsc_ordered();
	outb(PIT_CH2, latch >> 8);		/* the count starts here */
	t1 = rdtsc_ordered();
	prev = t0;
	for (;;) {
		t = rdtsc_ordered();
		if (inb(PORT_B) & 0x20)
			break;
		prev = t;
		if (t - t0 > PIT_TIMEOUT)
			plat_fatal("internal", "PIT channel 2 never reached terminal count; cannot calibrate the TSC");
	}
	*err = (t1 - t0) + (t - prev) / 2;
	return prev + (t - prev) / 2 - t0;
}

static uint64_t u64_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * TSC cycles per PIT_LATCH.  Seen under QEMU 7.2 TCG on a loaded host:
 * the first window after boot up to 0.6% off (a 0.5 ms warm-up window is
 * thrown away), and now and then a window that ends early, by 0.04% to
 * 80% (OUT2 high too soon).  Under a nested KVM, a window whose start or
 * end exit was preempted.  So: windows with a small error bound only, and
 * two of them must agree within 0.02%; the longer one is kept.
 */
static uint64_t pit_cycles(void)
{
	uint64_t good[PIT_MAX_WINDOWS], c, err, best = 0;
	unsigned n = 0;

	pit_window(PIT_LATCH / 6, &err);
	for (int i = 0; i < PIT_MAX_WINDOWS; i++) {
		c = pit_window(PIT_LATCH, &err);
		best = u64_max(best, c);
		if (err * 1000 > c)
			continue;		/* error bound above 0.1% */
		for (unsigned j = 0; j < n; j++) {
			uint64_t hi = u64_max(c, good[j]), lo = c + good[j] - hi;

			if ((hi - lo) * 5000 <= hi)
				return hi;
		}
		good[n++] = c;
	}
	for (unsigned j = 0; j < n; j++)
		best = j ? u64_max(best, good[j]) : good[j];
	return best;
}

void tsc_calibrate(void)
{
	uint64_t hz;

	apic_calibrate_start();
	if ((hz = tsc_hz_from_cpuid())) {
		tsc_src = "cpuid";
	} else if ((hz = tsc_hz_from_kvmclock())) {
		tsc_src = "kvmclock";
	} else {
		hz = pit_cycles() * PIT_HZ / PIT_LATCH;
		tsc_src = "pit";
	}
	tsc_hz = hz;
	if (tsc_src[0] != 'p')
		plat_spin(hz / 200);	/* 5 ms for the LAPIC timer */
	apic_calibrate_end();
}

const char *tsc_source(void)
{
	return tsc_src;
}

uint64_t plat_tsc_hz(void)
{
	return tsc_hz;
}

uint64_t plat_now(void)
{
	return rdtsc_ordered();
}

/*
 * No PAUSE in the loop: KVM's pause-loop exiting (AMD pause filter) would
 * turn a long spin into exits, and any exit may deliver an interrupt that
 * should have stayed late.  RDTSC and LFENCE do not exit.
 */
void plat_spin(uint64_t cycles)
{
	uint64_t t0 = rdtsc_ordered();

	while (rdtsc_ordered() - t0 < cycles)
		;
}

void plat_pause(void)
{
	cpu_relax();
}

void plat_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}
