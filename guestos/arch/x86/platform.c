// SPDX-License-Identifier: MIT
/*
 * platform.c - the boot CPU's C entry and the small platform.h operations
 * (CR8, IF, phase markers, description).
 */
#include "klib.h"
#include "platform.h"
#include "x86.h"

static char vendor[13];
uint64_t boot_tsc;	/* TSC when the boot CPU reached C */
static char hypervisor[13];
/* CPUID 0x40000000.EAX (the hypervisor's highest leaf) and 0x40000001.EAX
 * (KVM: its feature bits, kvmclock among them), 0 without a hypervisor */
static uint32_t hv_max_leaf, hv_features;

/* Mask both 8259s: nothing may arrive through LINT0/ExtINT. */
static void pic_mask(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/* CPUID strings as tokens: printable, no spaces, "none" if empty. */
static void cpuid_token(char *dst, const uint32_t regs[3])
{
	const char *s = (const char *)regs;
	unsigned n = 0;

	for (unsigned i = 0; i < 12 && s[i]; i++)
		dst[n++] = (s[i] > ' ' && s[i] < 127 && s[i] != '"') ? s[i] : '_';
	dst[n] = '\0';
	if (!n)
		kmemcpy(dst, "none", 5);
}

static void identify(void)
{
	uint32_t r[4], s[3];

	cpuid2(0, 0, r);
	s[0] = r[1], s[1] = r[3], s[2] = r[2];
	cpuid_token(vendor, s);
	cpuid2(1, 0, r);
	s[0] = s[1] = s[2] = 0;
	if (r[2] & (1u << 31)) {
		cpuid2(0x40000000, 0, r);
		s[0] = r[1], s[1] = r[2], s[2] = r[3];
		hv_max_leaf = r[0];
		if (hv_max_leaf >= 0x40000001 && hv_max_leaf < 0x40000100) {
			cpuid2(0x40000001, 0, r);
			hv_features = r[0];
		}
	}
	cpuid_token(hypervisor, s);
}

void arch_main(uint32_t magic, uint32_t mbi);

void arch_main(uint32_t magic, uint32_t mbi)
{
	static struct boot_info bi;

	boot_tsc = rdtsc();
	serial_init();
	/* the newline ends whatever the firmware left on the line */
	plat_puts("\nirqlbench-guest v=1 boot\n");
	idt_init();
	cpu_init(0, 0);
	pic_mask();
	/* the command line first: its apic= word picks the APIC mode */
	multiboot_parse(magic, mbi, &bi);
	{
		size_t n = 0;
		const char *mode = jobs_apic_word(bi.cmdline, &n);
		const char *why = apic_select(mode, n);

		if (why) {
			kprintf("!! error code=badparam msg=\"%s\"\n", why);
			guest_exit(2);
		}
	}
	apic_init(true);
	percpus[0].apic_id = apic_id();
	identify();
	smp_init();
	tsc_calibrate();
	timer_probe_deadline();
	write_cr8(0);
	guest_exit(guest_jobs_main(&bi));
}

/*
 * apic_ids= lists each CPU's APIC ID in the guest's CPU order (CPUs are
 * numbered as they arrive, boot.S): the host maps KVM's vCPUs (whose APIC
 * ID QEMU makes their vcpu_id) to the guest's CPUs with it (SERIAL.md).
 */
const char *plat_describe(void)
{
	static char buf[384];
	unsigned len, online = cpus_online;	/* the CPUs that set their percpus[] */

	len = (unsigned)ksnprintf(buf, sizeof(buf),
		  "apic=%s timer=%s tsc_hz=%lu tsc_source=%s apic_timer_hz=%lu vendor=%s hypervisor=%s hv_max_leaf=0x%x hv_features=0x%x cpus_found=%u apic_ids=",
		  apic_is_x2() ? "x2apic" : "xapic",
		  timer_uses_deadline() ? "tsc-deadline" : "lapic", plat_tsc_hz(), tsc_source(),
		  apic_timer_hz(), vendor, hypervisor, hv_max_leaf, hv_features, plat_ncpus());
	for (unsigned c = 0; c < online && c < X86_MAX_CPUS && len < sizeof(buf); c++)
		len += (unsigned)ksnprintf(buf + len, sizeof(buf) - len, "%s%u", c ? "," : "",
					   percpus[c].apic_id);
	return buf;
}

uint64_t plat_read_cr8(void)
{
	return read_cr8();
}

void plat_write_cr8(uint64_t irql)
{
	write_cr8(irql);
}

void plat_phase(uint32_t marker)
{
	outl(PLAT_PHASE_PORT, marker);
}

void plat_out(uint16_t port, uint8_t value)
{
	outb(port, value);
}

/* A guest cannot act as its host: the host refuses such scripts before
 * boot (cli_check_script), and the interpreter stops here otherwise. */
bool plat_host(unsigned action, unsigned arg)
{
	(void)action;
	(void)arg;
	return false;
}

unsigned long plat_irq_save(void)
{
	unsigned long f = read_rflags();

	cli();
	return f;
}

void plat_irq_restore(unsigned long flags)
{
	if (flags & RFLAGS_IF)
		sti();
	else
		cli();
}

void plat_irq_enable(void)
{
	sti();
}

void plat_irq_disable(void)
{
	cli();
}

bool plat_irq_enabled(void)
{
	return read_rflags() & RFLAGS_IF;
}
