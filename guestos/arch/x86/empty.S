/* SPDX-License-Identifier: MIT */
/*
 * empty.S - build/guest/empty.elf: a multiboot image that exits at once
 * with code 0 through isa-debug-exit.  The floor for boot-time ratios:
 * QEMU's own boot with nothing else.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	xor	%eax, %eax
	out	%eax, $0xf4
1:	cli
	hlt
	jmp	1b
