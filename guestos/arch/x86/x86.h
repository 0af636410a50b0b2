/* SPDX-License-Identifier: MIT */
/*
 * x86.h - instruction wrappers and the platform's internal interfaces.
 * One-line static inlines named after the instruction (as kvm-unit-tests).
 */
#ifndef IRQLBENCH_X86_H
#define IRQLBENCH_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "boot.h"
#include "stats.h"	/* MAX_CPUS */

#define X86_MAX_CPUS MAX_CPUS

/* Selectors of the boot GDT (boot.S) and of each CPU's GDT (cpu.c). */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_TSS		0x28

#define MSR_APIC_BASE	0x1b
#define MSR_GS_BASE	0xc0000101

#define RFLAGS_IF	(1ul << 9)

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

static inline void cpuid2(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

/* rdtsc that does not run ahead of earlier instructions. */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return lo | (uint64_t)hi << 32;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr8(void)
{
	uint64_t v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static inline void write_cr8(uint64_t v)
{
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void sti(void) { asm volatile("sti" ::: "memory"); }

static inline unsigned long read_rflags(void)
{
	unsigned long f;

	asm volatile("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}

/* Per-CPU data, reached through GS so that plat_cpu_id() costs no exit. */
struct percpu {
	uint32_t cpu;		/* must stay first: read as %gs:0 */
	uint32_t apic_id;
	struct percpu *self;
	uint32_t lvt_timer;	/* last value written to the LVT timer register */
	bool in_exception;
};

static inline void mfence(void) { asm volatile("mfence" ::: "memory"); }

static inline unsigned this_cpu(void)
{
	unsigned v;

	asm volatile("movl %%gs:0, %0" : "=r"(v));
	return v;
}

/* The saved state the interrupt stubs (isr.S) hand to isr_dispatch(). */
struct intr_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* cpu.c */
void cpu_init(unsigned cpu, uint32_t apic_id);
extern struct percpu percpus[X86_MAX_CPUS];

/* serial.c */
void serial_init(void);
void serial_write_locked(const char *s, bool force);

/* apic.c */
void apic_init(bool bsp);
uint32_t apic_read(unsigned reg);
void apic_write(unsigned reg, uint32_t v);
uint32_t apic_id(void);
bool apic_isr_set(uint8_t vector);
void apic_calibrate_start(void);
void apic_calibrate_end(void);
uint64_t apic_timer_hz(void);
void apic_send_init_sipi_all(uint8_t sipi_page);
bool apic_is_x2(void);
bool apic_x2_offered(void);
const char *apic_select(const char *mode, size_t len);
const char *jobs_apic_word(const char *cmdline, size_t *len);
void timer_probe_deadline(void);
bool timer_uses_deadline(void);
void timer_probe_isr(void);
extern volatile bool timer_probe_armed;
#define TIMER_PROBE_VECTOR 0xef

/* tsc.c */
void tsc_calibrate(void);
const char *tsc_source(void);

/* smp.c */
extern volatile unsigned cpus_online;
unsigned smp_count_cpus_acpi(void);
void smp_keep_aps_parked(void);

/* acpi.c: the ACPI table with signature sig (4 characters), or NULL; and
 * ACPI S5 power-off, which returns only when it failed, saying why. */
const uint8_t *acpi_find_table(const char *sig);
const char *acpi_poweroff(void);

/* vga.c: the serial text mirrored on the VGA text screen, once enabled. */
void vga_enable(void);
void vga_write(const char *s);

/* jobs.c: guest_main() of the command line's job list (results/SERIAL.md). */
int guest_jobs_main(struct boot_info *bi);
void smp_init(void);

/* traps.c */
void isr_dispatch(struct intr_frame *f);
void idt_init(void);
void idt_load(void);
void __attribute__((noreturn)) plat_fatal(const char *code, const char *msg);

/* boot.S / isr.S */
extern char ap_trampoline_start[], ap_trampoline_end[];

/* platform.c */
extern uint64_t boot_tsc;

/* multiboot.c */
void multiboot_parse(uint32_t magic, uint32_t mbi_addr, struct boot_info *bi);

#endif
