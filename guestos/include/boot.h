/* SPDX-License-Identifier: MIT */
/* boot.h - what the x86 boot code hands to guest_main(). */
#ifndef IRQLBENCH_BOOT_H
#define IRQLBENCH_BOOT_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_MODULES 4

struct boot_module {
	const char *data;	/* module contents (identity-mapped) */
	size_t size;
	const char *name;	/* the module's multiboot string, may be "" */
};

struct boot_info {
	const char *cmdline;	/* multiboot command line, "" if none */
	unsigned nmods;
	struct boot_module mods[BOOT_MAX_MODULES];
};

/*
 * Implemented by guestos/main.c: runs on the boot CPU with the platform
 * initialised (serial, IDT, xAPIC software-enabled, TSC calibrated), IRQL 0,
 * interrupts disabled.  Returns the guest exit code (results/SERIAL.md).
 */
int guest_main(const struct boot_info *bi);

/*
 * Implemented by the platform: start every other CPU in fn(cpu) with the
 * same state (own stack, IDT, xAPIC enabled, IRQL 0, IF=0); returns the
 * number of CPUs now running (including the caller).  fn must not return.
 */
unsigned arch_start_aps(void (*fn)(unsigned cpu));

/* isa-debug-exit with `code`; never returns. */
void __attribute__((noreturn)) guest_exit(int code);

#endif
