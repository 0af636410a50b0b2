// SPDX-License-Identifier: MIT
/*
 * selftest.c - build/guest/platform-selftest.elf: the platform's own test
 * guest (guest_main and nt_interrupt), independent of the NT layer.
 * Every check prints one line "selftest: ok NAME ..." or
 * "selftest: FAIL NAME ..."; the last line is "selftest: done failures=N"
 * and the exit code is 0 (all ok) or 1 (2: a bad fault= value; 3: the
 * exception fault= asked for).  tests/integration/guest-platform.sh reads
 * these lines.
 *
 * Command line: fault=N raises exception N (0, 6, 13, 14) after the echo,
 * on CPU fault_cpu=M if given (default 0); boot_only=1 exits 0 right after
 * the echo (to time the platform's start-up).
 */
#include "boot.h"
#include "klib.h"
#include "platform.h"
#include "x86.h"

#define DPC_VEC		0x2f
#define CLOCK_VEC	0xd1
#define ONESHOT_RUNS	20
#define PERIODIC_TICKS	10
#define MAX_SAMPLES	32

static volatile unsigned hits[X86_MAX_CPUS][256];
static volatile uint64_t hit_tsc[256];
static volatile bool eoi_in_handler = true;
static volatile uint64_t tick_tsc[MAX_SAMPLES];
static volatile unsigned nticks;
static volatile unsigned aps_done, aps_failed;
static unsigned failures;
static volatile int fault_vector = -1;
static volatile unsigned fault_cpu;

/* The platform's test sends no vector below 32: those are exceptions. */
bool nt_vector_sent(unsigned vector)
{
	(void)vector;
	return false;
}

void nt_interrupt(unsigned vector)
{
	uint64_t t = plat_now();
	unsigned cpu = plat_cpu_id();

	hits[cpu][vector]++;
	hit_tsc[vector] = t;
	if (vector == CLOCK_VEC && nticks < MAX_SAMPLES)
		tick_tsc[nticks++] = t;
	if (vector == 0xff)
		return;		/* spurious: no EOI */
	if (eoi_in_handler)
		plat_eoi();
}

static void check(bool ok, const char *name, const char *detail)
{
	kprintf("selftest: %s %s%s%s\n", ok ? "ok" : "FAIL", name, *detail ? " " : "", detail);
	if (!ok)
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);	/* APs too */
}

static const char *param(const char *cmdline, const char *key, size_t *len)
{
	size_t kl = kstrlen(key);

	for (const char *p = cmdline; *p;) {
		const char *e = p;

		while (*e && *e != ' ')
			e++;
		if ((size_t)(e - p) > kl && !kstrncmp(p, key, kl) && p[kl] == '=') {
			*len = (size_t)(e - p) - kl - 1;
			return p + kl + 1;
		}
		p = *e ? e + 1 : e;
	}
	return NULL;
}

static void echo_boot_info(const struct boot_info *bi)
{
	kprintf("selftest: cmdline=\"%s\"\n", bi->cmdline);
	kprintf("selftest: nmods=%u\n", bi->nmods);
	for (unsigned i = 0; i < bi->nmods; i++) {
		char first[64];
		size_t n = 0;

		while (n < bi->mods[i].size && n + 1 < sizeof(first) &&
		       bi->mods[i].data[n] != '\n')
			first[n] = bi->mods[i].data[n], n++;
		first[n] = '\0';
		kprintf("selftest: module %u name=\"%s\" size=%zu first=\"%s\"\n",
			i, bi->mods[i].name, bi->mods[i].size, first);
	}
}

static void __attribute__((noinline)) raise_fault(unsigned v)
{
	kprintf("selftest: raising exception %u\n", v);
	switch (v) {
	case 0:
		asm volatile(".globl selftest_de_insn\n"
			     "xor %%ecx, %%ecx\n"
			     "selftest_de_insn: divl %%ecx" : : : "eax", "ecx", "edx");
		break;
	case 6:
		asm volatile(".globl selftest_ud_insn\nselftest_ud_insn: ud2");
		break;
	case 13:
		asm volatile(".globl selftest_gp_insn\nselftest_gp_insn: movl $1, (%0)"
			     : : "r"(0x8000000000000000ul) : "memory");
		break;
	case 14:
		asm volatile(".globl selftest_pf_insn\nselftest_pf_insn: movl $1, (%0)"
			     : : "r"(0x4000000000ul) : "memory");
		break;
	}
	kprintf("selftest: FAIL fault=%u raised nothing\n", v);
}

/* Spin with IF=1 until hits[cpu][v] reaches want; false on timeout. */
static bool wait_hits(unsigned cpu, unsigned v, unsigned want, uint64_t cycles)
{
	uint64_t t0 = plat_now();

	while (hits[cpu][v] < want)
		if (plat_now() - t0 > cycles)
			return false;
	return true;
}

/* CR8 masks the DPC vector; lowering it delivers before the next instruction. */
static bool cr8_dpc_sequence(unsigned cpu, char *why, size_t size)
{
	unsigned before = hits[cpu][DPC_VEC], seen;
	bool pending;

	plat_irq_disable();
	plat_write_cr8(2);
	plat_self_ipi_checked(DPC_VEC);
	pending = plat_irr_pending(DPC_VEC);
	plat_irq_enable();
	plat_spin(plat_tsc_hz() / 10000);	/* 100 us */
	seen = hits[cpu][DPC_VEC] - before;
	if (!pending || seen) {
		plat_irq_disable();
		plat_write_cr8(0);
		ksnprintf(why, size, "pending=%d delivered_while_masked=%u", pending, seen);
		return false;
	}
	/* the load right after the CR8 write must see the handler's count */
	asm volatile("mov %2, %%cr8\n\tmovl %1, %0"
		     : "=r"(seen) : "m"(hits[cpu][DPC_VEC]), "r"(0ul) : "memory");
	plat_irq_disable();
	seen -= before;
	ksnprintf(why, size, "pending=1 masked_at_cr8=2 delivered_next_insn=%u irr_after=%d",
		  seen, plat_irr_pending(DPC_VEC));
	return seen == 1 && !plat_irr_pending(DPC_VEC);
}

static void test_cr8(void)
{
	char why[128];
	unsigned before, seen, at12;
	bool ok;

	ok = cr8_dpc_sequence(0, why, sizeof(why));
	check(ok, "cr8-mask-dpc", why);

	/* CR8=1 does not mask class 2: delivered right after sti's shadow */
	before = hits[0][DPC_VEC];
	plat_write_cr8(1);
	plat_self_ipi_checked(DPC_VEC);
	asm volatile("sti; nop; movl %1, %0; cli" : "=r"(seen) : "m"(hits[0][DPC_VEC]) : "memory");
	plat_write_cr8(0);
	ksnprintf(why, sizeof(why), "delivered=%u", seen - before);
	check(seen - before == 1, "cr8-1-passes-dpc", why);

	/* CR8=13 masks the clock class; 12 lets it through */
	before = hits[0][CLOCK_VEC];
	plat_write_cr8(13);
	plat_self_ipi_checked(CLOCK_VEC);
	plat_irq_enable();
	plat_spin(plat_tsc_hz() / 10000);
	seen = hits[0][CLOCK_VEC] - before;
	asm volatile("mov %2, %%cr8\n\tmovl %1, %0"
		     : "=r"(at12) : "m"(hits[0][CLOCK_VEC]), "r"(12ul) : "memory");
	plat_irq_disable();
	ksnprintf(why, sizeof(why), "masked_at_13=%d delivered_next_insn_at_12=%u", seen == 0,
		  at12 - before);
	check(seen == 0 && at12 - before == 1, "cr8-13-masks-clock", why);
	plat_write_cr8(0);
	nticks = 0;
}

/* A vector in service blocks its class until EOI. */
static void test_eoi(void)
{
	char why[160];
	unsigned before = hits[0][DPC_VEC];
	bool isr1, isr2, blocked, after;

	eoi_in_handler = false;
	plat_self_ipi_checked(DPC_VEC);
	plat_irq_enable();
	wait_hits(0, DPC_VEC, before + 1, plat_tsc_hz() / 100);
	plat_irq_disable();
	isr1 = apic_isr_set(DPC_VEC);
	plat_self_ipi_checked(DPC_VEC);			/* same class: must wait for EOI */
	plat_irq_enable();
	plat_spin(plat_tsc_hz() / 10000);
	plat_irq_disable();
	blocked = hits[0][DPC_VEC] - before == 1 && plat_irr_pending(DPC_VEC);
	eoi_in_handler = true;
	plat_eoi();				/* EOI of the first: the second goes in */
	plat_irq_enable();
	wait_hits(0, DPC_VEC, before + 2, plat_tsc_hz() / 100);
	plat_irq_disable();
	after = hits[0][DPC_VEC] - before == 2;
	isr2 = apic_isr_set(DPC_VEC);
	ksnprintf(why, sizeof(why), "in_service_without_eoi=%d second_blocked=%d delivered_after_eoi=%d isr_clear=%d",
		  isr1, blocked, after, !isr2);
	check(isr1 && blocked && after && !isr2, "eoi", why);
}

static void sort_u64(int64_t *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j && a[j - 1] > a[j]; j--) {
			int64_t t = a[j];

			a[j] = a[j - 1], a[j - 1] = t;
		}
}

static int64_t to_ns(int64_t cyc)
{
	return cyc * 1000000000ll / (int64_t)plat_tsc_hz();
}

static void report_latency(const char *name, int64_t *lat, unsigned n, bool ok)
{
	char why[200];

	sort_u64(lat, n);
	ksnprintf(why, sizeof(why),
		  "n=%u min_cycles=%ld median_cycles=%ld max_cycles=%ld min_ns=%ld median_ns=%ld max_ns=%ld",
		  n, lat[0], lat[n / 2], lat[n - 1], to_ns(lat[0]), to_ns(lat[n / 2]),
		  to_ns(lat[n - 1]));
	/* never early (1 us slack for rounding), never later than 50 ms */
	ok = ok && to_ns(lat[0]) >= -1000 && to_ns(lat[n - 1]) < 50000000;
	check(ok, name, why);
}

static void test_timer(void)
{
	uint64_t hz = plat_tsc_hz(), period = hz / 1000;	/* 1 ms */
	int64_t lat[MAX_SAMPLES];
	bool ok = true;
	uint64_t expect;
	unsigned after_stop, first = hits[0][CLOCK_VEC];

	for (unsigned i = 0; i < ONESHOT_RUNS; i++) {
		unsigned before = hits[0][CLOCK_VEC];

		expect = plat_timer_arm(CLOCK_VEC, period, false);
		plat_irq_enable();
		ok &= wait_hits(0, CLOCK_VEC, before + 1, hz / 10);
		plat_irq_disable();
		lat[i] = (int64_t)(hit_tsc[CLOCK_VEC] - expect);
	}
	/* one-shot: nothing more arrives */
	plat_irq_enable();
	plat_spin(3 * period);
	plat_irq_disable();
	ok &= hits[0][CLOCK_VEC] - first == ONESHOT_RUNS;
	report_latency("timer-oneshot", lat, ONESHOT_RUNS, ok);

	nticks = 0;
	ok = true;
	expect = plat_timer_arm(CLOCK_VEC, period, true);
	plat_irq_enable();
	for (uint64_t t0 = plat_now(); nticks < PERIODIC_TICKS && plat_now() - t0 < hz;)
		;
	plat_irq_disable();
	plat_timer_stop();
	ok = nticks >= PERIODIC_TICKS;
	for (unsigned i = 0; i < PERIODIC_TICKS; i++)
		lat[i] = (int64_t)(tick_tsc[i] - (expect + i * period));
	after_stop = nticks;
	plat_irq_enable();
	plat_spin(3 * period);
	plat_irq_disable();
	ok &= nticks == after_stop;
	report_latency("timer-periodic", lat, PERIODIC_TICKS, ok);
}

static void raise_fault(unsigned v);

static void ap_entry(unsigned cpu)
{
	char why[128];
	bool ok;

	if (fault_vector >= 0 && cpu == fault_cpu)
		raise_fault((unsigned)fault_vector);
	ok = cr8_dpc_sequence(cpu, why, sizeof(why));

	kprintf("selftest: hello cpu=%u apic=%u cr8=%lu if=%d\n", cpu,
		percpus[cpu].apic_id, plat_read_cr8(), plat_irq_enabled());
	ok = ok && plat_cpu_id() == cpu;
	check(ok, "ap-cr8-mask-dpc", why);
	if (!ok)
		__atomic_add_fetch(&aps_failed, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&aps_done, 1, __ATOMIC_RELEASE);
	for (;;)
		asm volatile("cli; hlt");
}

static void test_smp(void)
{
	char why[128];
	unsigned n = arch_start_aps(ap_entry);
	uint64_t t0 = plat_now();

	while (aps_done < n - 1 && plat_now() - t0 < plat_tsc_hz())
		cpu_relax();
	/* bring-up only: each AP's CR8 check has its own line (and count) */
	ksnprintf(why, sizeof(why), "ncpus=%u aps_done=%u aps_cr8_failed=%u", n, aps_done, aps_failed);
	check(aps_done == n - 1 && plat_ncpus() == n, "smp", why);
}

int guest_main(const struct boot_info *bi)
{
	uint64_t hz = plat_tsc_hz();
	size_t len;
	const char *f;
	char why[96];

	uint64_t init_cycles = plat_now() - boot_tsc;

	kprintf("selftest: start cpu=%u cr8=%lu if=%d platform_init_us=%lu\n", plat_cpu_id(),
		plat_read_cr8(), plat_irq_enabled(), init_cycles * 1000000 / hz);
	kprintf("selftest: describe %s\n", plat_describe());
	echo_boot_info(bi);
	f = param(bi->cmdline, "fault", &len);
	if (f) {
		uint64_t v, c = 0;
		const char *fc = param(bi->cmdline, "fault_cpu", &len);

		if (fc && !kparse_u64(fc, len, &c))
			return 2;
		f = param(bi->cmdline, "fault", &len);
		if (!kparse_u64(f, len, &v))
			return 2;
		if (!c)
			raise_fault((unsigned)v);
		fault_cpu = (unsigned)c;
		fault_vector = (int)v;
		arch_start_aps(ap_entry);
		plat_spin(plat_tsc_hz());	/* the AP exits the guest */
		kprintf("selftest: FAIL fault_cpu=%lu raised nothing\n", c);
		return 1;
	}
	if (param(bi->cmdline, "boot_only", &len))
		return 0;	/* boot-time measurements: platform start-up only */
	ksnprintf(why, sizeof(why), "tsc_hz=%lu source=%s apic_timer_hz=%lu", hz, tsc_source(),
		  apic_timer_hz());
	check(hz > 100000000ull && hz < 10000000000ull, "tsc-hz", why);
	test_cr8();
	test_eoi();
	test_timer();
	test_smp();
	kprintf("selftest: done failures=%u\n", failures);
	return failures ? 1 : 0;
}
