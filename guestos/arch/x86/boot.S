/* SPDX-License-Identifier: MIT */
/*
 * boot.S - multiboot v1 entry, identity page tables, long mode, and the
 * 16-bit trampoline the application processors start in.
 *
 * The image is linked at 1 MiB as x86-64 code and wrapped as ELF32
 * (objcopy -O elf32-i386) because QEMU 7.2's -kernel only loads 32-bit
 * multiboot images.  Everything runs identity-mapped: virtual == physical.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */

#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18

#define AP_TRAMPOLINE	0x8000		/* SIPI vector 0x08 */
#define BOOT_STACK_SIZE	16384
#define AP_STACK_SHIFT	14		/* 16 KiB per AP, see ap_stacks in smp.c */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

/*
 * Switch a CPU that runs 32-bit protected mode with flat segments into
 * long mode using boot_pml4, then far-jump to `target` (64-bit code).
 * Clears CR0.CD/NW: an AP leaves INIT with caching disabled, which makes
 * it crawl under KVM.
 */
.macro ENTER_LONG_MODE target
	mov	%cr4, %eax
	or	$((1 << 5) | (1 << 9) | (1 << 10)), %eax	/* PAE, OSFXSR, OSXMMEXCPT */
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx			/* EFER */
	rdmsr
	or	$(1 << 8), %eax				/* LME */
	wrmsr
	mov	%cr0, %eax
	and	$~((1 << 30) | (1 << 29) | (1 << 2)), %eax	/* CD, NW, EM */
	or	$((1 << 31) | (1 << 1) | 1), %eax	/* PG, MP, PE */
	mov	%eax, %cr0
	lgdt	boot_gdt_desc
	ljmp	$SEL_CODE64, $\target
.endm

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov	%eax, %ebp			/* multiboot magic */
	mov	%ebx, %esi			/* multiboot info (physical) */

	/* QEMU zero-fills memsz > filesz, a boot loader might not. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	$boot_stack_top, %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories */
	mov	$boot_pdpt + 3, %eax
	mov	%eax, boot_pml4
	mov	$boot_pd + 3, %eax
	mov	$boot_pdpt, %edi
	mov	$4, %ecx
1:	mov	%eax, (%edi)
	add	$0x1000, %eax
	add	$8, %edi
	loop	1b

	/*
	 * 2048 x 2 MiB pages: the first 4 GiB.  The last GiB (PCI hole,
	 * IOAPIC, xAPIC at 0xfee00000) is uncached (PCD|PWT).
	 */
	mov	$boot_pd, %edi
	xor	%eax, %eax
	mov	$2048, %ecx
2:	mov	%eax, %edx
	or	$0x83, %edx			/* present, writable, 2 MiB */
	cmp	$0xc0000000, %eax
	jb	3f
	or	$0x18, %edx			/* PWT, PCD */
3:	mov	%edx, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b

	ENTER_LONG_MODE bsp_entry64

/* APs arrive here from the trampoline, in 32-bit protected mode. */
	.globl ap_entry32
ap_entry32:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	ENTER_LONG_MODE ap_entry64

	.code64
bsp_entry64:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack_top, %rsp
	mov	%ebp, %edi			/* zero-extends: magic */
	mov	%esi, %esi			/* zero-extends: mbi */
	call	arch_main
4:	cli
	hlt
	jmp	4b

ap_entry64:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	/* take the next CPU number; it selects the stack */
	mov	$1, %eax
	lock xadd %eax, ap_next_cpu(%rip)
	cmp	x86_max_cpus(%rip), %eax
	jae	5f				/* more CPUs than we have room for */
	mov	%eax, %edi
	mov	%rdi, %rax
	shl	$AP_STACK_SHIFT, %rax
	lea	ap_stacks(%rip), %rsp
	add	%rax, %rsp
	add	$(1 << AP_STACK_SHIFT), %rsp
	call	ap_main
5:	cli
	hlt
	jmp	5b

/*
 * Real-mode trampoline, copied to AP_TRAMPOLINE by arch_start_aps().  Only
 * position-independent references: offsets from ap_trampoline_start plus
 * AP_TRAMPOLINE, and absolute addresses inside the kernel image.
 */
	.code16
	.globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ds
	lgdtl	AP_TRAMPOLINE + (tramp_gdt_desc - ap_trampoline_start)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $ap_entry32
	.align 8
tramp_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt
ap_trampoline_end:

	.section .data
	.align 16
	.globl boot_gdt
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08 code, 64-bit */
	.quad	0x00cf92000000ffff		/* 0x10 data */
	.quad	0x00cf9a000000ffff		/* 0x18 code, 32-bit */
boot_gdt_end:
	.align 8
	.word	0
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.quad	boot_gdt

	.globl ap_next_cpu
	.align 4
ap_next_cpu:
	.long	1				/* CPU 0 is the boot CPU */

	.section .bss
	.align 4096
	.globl boot_pml4
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096
	.align 16
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
