// SPDX-License-Identifier: MIT
/*
 * traps.c - interrupt dispatch, the exception report, and the way out
 * (isa-debug-exit).  Exit codes and line formats: results/SERIAL.md.
 */
#include "klib.h"
#include "platform.h"
#include "x86.h"

#define DEBUG_EXIT_PORT	0xf4
#define EXIT_EXCEPTION	3

static const char *const exception_names[32] = {
	"#DE", "#DB", "#NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#RES15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#RES22", "#RES23",
	"#RES24", "#RES25", "#RES26", "#RES27", "#HV", "#VC", "#SX", "#RES31",
};

static void __attribute__((noreturn)) exception_report(const struct intr_frame *f)
{
	struct percpu *pc = &percpus[this_cpu()];
	char line[160];

	/* A fault while reporting a fault: exactly one line was the promise. */
	if (pc->in_exception)
		guest_exit(EXIT_EXCEPTION);
	pc->in_exception = true;
	ksnprintf(line, sizeof(line),
		  "!! exception vector=%lu name=%s rip=0x%lx err=0x%lx cr2=0x%lx cpu=%u\n",
		  f->vector, exception_names[f->vector & 31], f->rip, f->error,
		  read_cr2(), pc->cpu);
	serial_write_locked(line, true);
	guest_exit(EXIT_EXCEPTION);
}

void isr_dispatch(struct intr_frame *f)
{
	if (__builtin_expect(f->vector >= 32, 1)) {
		/* the boot-time TSC-deadline probe's own interrupt */
		if (__builtin_expect(timer_probe_armed, 0) && f->vector == TIMER_PROBE_VECTOR) {
			timer_probe_isr();
			return;
		}
		nt_interrupt((unsigned)f->vector);
		return;
	}
	/*
	 * 0x10..0x1F are exception vectors too (#MF, #MC, #XM, ... and
	 * reserved ones).  The local APIC delivers them as interrupts (only
	 * 0..15 are illegal, SDM Vol. 3A §11.5.3), and the NT layer sends
	 * one as a software interrupt (APC_VECTOR 0x1F, or a script's ipi):
	 * a vector the layer is waiting for is that interrupt.  The stubs of
	 * the four with an error code are never sent (nt_vector_ok).
	 */
	if (f->vector >= 16 && nt_vector_sent((unsigned)f->vector)) {
		nt_interrupt((unsigned)f->vector);
		return;
	}
	exception_report(f);
}

void guest_exit(int code)
{
	char line[256];

	outl(DEBUG_EXIT_PORT, (uint32_t)code);
	/* No isa-debug-exit (libvirt): the serial text carries the verdict. */
	ksnprintf(line, sizeof(line), "irqlbench-guest v=1 halt code=%d\n", code);
	serial_write_locked(line, true);
	/* nor on another hypervisor: ACPI S5, else halt saying so */
	ksnprintf(line, sizeof(line), "irqlbench-guest v=1 halted: cannot power off: %s\n",
		  acpi_poweroff());
	serial_write_locked(line, true);
	for (;;)
		asm volatile("cli; hlt");
}

void plat_fatal(const char *code, const char *msg)
{
	char line[256];

	ksnprintf(line, sizeof(line), "!! error code=%s msg=\"%s\"\n", code, msg);
	serial_write_locked(line, true);
	guest_exit(4);
}
