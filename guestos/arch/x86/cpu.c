// SPDX-License-Identifier: MIT
/*
 * cpu.c - per-CPU descriptor tables: a GDT with a 64-bit TSS (IST stacks
 * for NMI, #DF and #MC, so that a broken stack still gets reported), one
 * shared IDT of interrupt gates, and GS pointing at the CPU's struct percpu.
 */
#include "x86.h"

#define IST_STACK_SIZE	4096
#define IST_DF		1
#define IST_NMI		2
#define IST_MC		3

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct cpu_tables {
	uint64_t gdt[7];	/* null, code64, data, code32, unused, tss (2 slots) */
	struct tss64 tss;
	uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

struct percpu percpus[X86_MAX_CPUS];
static struct cpu_tables cpu_tables[X86_MAX_CPUS] __attribute__((aligned(64)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
extern char isr_stubs[];

/* Read by boot.S: APs beyond this number park. */
const uint32_t x86_max_cpus = X86_MAX_CPUS;

static void gdt_set_tss(uint64_t *gdt, const struct tss64 *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	gdt[SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
			   (uint64_t)0x89 << 40 |	/* present, 64-bit TSS available */
			   ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[SEL_TSS / 8 + 1] = base >> 32;
}

static void gdt_load(struct cpu_tables *t)
{
	struct desc_ptr p = { sizeof(t->gdt) - 1, (uint64_t)t->gdt };

	asm volatile("lgdt %0" : : "m"(p) : "memory");
	/* Same selector values as the boot GDT: reload the data segments only. */
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss; mov %0, %%fs; mov %0, %%gs"
		     : : "r"(SEL_DATA) : "memory");
	asm volatile("ltr %w0" : : "r"(SEL_TSS));
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(isr_stubs + 16 * v);
		struct idt_gate *g = &idt[v];

		g->offset_lo = a & 0xffff;
		g->selector = SEL_CODE64;
		g->ist = v == 8 ? IST_DF : v == 2 ? IST_NMI : v == 18 ? IST_MC : 0;
		g->type_attr = 0x8e;	/* present, DPL 0, interrupt gate (IF=0) */
		g->offset_mid = (a >> 16) & 0xffff;
		g->offset_hi = a >> 32;
		g->reserved = 0;
	}
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" : : "m"(p) : "memory");
}

/* Runs on each CPU with its number; the boot CPU calls idt_init() first. */
void cpu_init(unsigned cpu, uint32_t apic)
{
	struct cpu_tables *t = &cpu_tables[cpu];
	struct percpu *pc = &percpus[cpu];

	t->gdt[0] = 0;
	t->gdt[SEL_CODE64 / 8] = 0x00af9a000000ffffull;
	t->gdt[SEL_DATA / 8] = 0x00cf92000000ffffull;
	t->gdt[SEL_CODE32 / 8] = 0x00cf9a000000ffffull;
	t->gdt[4] = 0;
	t->tss.ist[IST_DF - 1] = (uint64_t)t->ist_stacks[0] + IST_STACK_SIZE;
	t->tss.ist[IST_NMI - 1] = (uint64_t)t->ist_stacks[1] + IST_STACK_SIZE;
	t->tss.ist[IST_MC - 1] = (uint64_t)t->ist_stacks[2] + IST_STACK_SIZE;
	t->tss.iomap_base = sizeof(t->tss);
	gdt_set_tss(t->gdt, &t->tss);
	gdt_load(t);

	pc->cpu = cpu;
	pc->apic_id = apic;
	pc->self = pc;
	/* After the segment loads: loading %gs resets its base. */
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	idt_load();
}
