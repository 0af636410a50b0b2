/*
 * cr8guest: the lab's own tiny multiboot guest (a test fixture, not the
 * project's guest).  It runs the two CR8 sequences of docs/lab.md so that the lab
 * pipeline (variant modules in L1, QEMU -enable-kvm in L1, the trace
 * collector) can be checked without the real guest:
 *
 *   phase 1  warm-up: 20 DPC iterations (not measured)
 *   phase 2  DPC:   CR8=2; self-IPI 0x2F (masked); CR8=2; CR8=2; CR8=0
 *                   handler: CR8=2, EOI, CR8=0
 *            fixed: 3 write_cr8 exits per iteration, unfixed: 1
 *   phase 3  clock: CR8=15; self-IPI 0xD1 (masked); CR8=15; CR8=2; CR8=0
 *                   handler: EOI
 *            fixed: 2 write_cr8 exits per iteration, unfixed: 1
 *   phase 0xff end
 *
 * After each lowering it records whether the handler already ran
 * ("immediate"), then reads the APIC ID (an MMIO access, so an exit) to let
 * a late interrupt in.  Phase markers: 0x49520000 | cpu << 8 | phase
 * written to port 0x500 (results/SERIAL.md).  Prints
 * "cr8guest n=N dpc_immediate=A clock_immediate=B" on COM1 and leaves
 * through isa-debug-exit (port 0xf4, code 0 -> QEMU status 1).
 *
 * Built 64-bit, linked at 1 MiB, converted to ELF32 for QEMU's multiboot.
 */
#define N		200
#define WARMUP		20
#define APIC		0xfee00000
#define APIC_ID		0x20
#define APIC_EOI	0xb0
#define APIC_SVR	0xf0
#define APIC_ICR	0x300
#define APIC_LINT0	0x350
#define APIC_LINT1	0x360
#define SELF_FIXED	0x40000		/* ICR shorthand "self", fixed delivery */
#define VEC_DPC		0x2f
#define VEC_CLOCK	0xd1

	.section .multiboot, "a"
	.align 4
	.long 0x1badb002, 0, -0x1badb002

	.text
	.code32
	.globl _start
_start:
	cli
	mov	$stack_top, %esp
	/* identity map 4 GiB with 2 MiB pages: pml4[0] -> pdpt[0..3] -> pd */
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax			/* present, writable, 2 MiB */
	mov	%eax, pd(, %ecx, 8)
	movl	$0, pd + 4(, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jne	1b
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$12, %eax
	add	$pd + 3, %eax
	mov	%eax, pdpt(, %ecx, 8)
	inc	%ecx
	cmp	$4, %ecx
	jne	2b
	movl	$pdpt + 3, pml4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$0x20, %eax			/* PAE */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or	$0x100, %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax		/* PG | PE */
	mov	%eax, %cr0
	lgdt	gdtr
	ljmp	$0x08, $long_mode

	.code64
long_mode:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$stack_top, %esp
	mov	$VEC_DPC, %edi
	mov	$dpc_isr, %esi
	call	set_gate
	mov	$VEC_CLOCK, %edi
	mov	$clock_isr, %esi
	call	set_gate
	mov	$0xff, %edi
	mov	$spurious_isr, %esi
	call	set_gate
	lidt	idtr
	/*
	 * SeaBIOS leaves the PIT ticking into the 8259 with IRQ0 unmasked and
	 * LINT0 in ExtINT mode: such interrupts ignore CR8 and would land on
	 * vectors we have no gate for.  Mask the PIC and both LINTs.
	 */
	mov	$0xff, %al
	out	%al, $0x21
	out	%al, $0xa1
	mov	$APIC, %ebx			/* %rbx = APIC base, all along */
	movl	$0x10000, APIC_LINT0(%rbx)
	movl	$0x10000, APIC_LINT1(%rbx)
	movl	$0x1ff, APIC_SVR(%rbx)		/* enable, spurious vector 0xff */
	xor	%eax, %eax
	mov	%rax, %cr8
	sti

	mov	$1, %eax
	call	phase
	mov	$WARMUP, %r12d
3:	call	dpc_once
	dec	%r12d
	jnz	3b
	movl	$0, dpc_immediate

	mov	$2, %eax
	call	phase
	mov	$N, %r12d
4:	call	dpc_once
	dec	%r12d
	jnz	4b

	mov	$3, %eax
	call	phase
	mov	$N, %r12d
5:	call	clock_once
	dec	%r12d
	jnz	5b

	mov	$0xff, %eax
	call	phase

	mov	$msg_n, %esi
	call	puts
	mov	$N, %eax
	call	putu
	mov	$msg_dpc, %esi
	call	puts
	mov	dpc_immediate, %eax
	call	putu
	mov	$msg_clock, %esi
	call	puts
	mov	clock_immediate, %eax
	call	putu
	mov	$'\n', %al
	call	putc
	mov	$0xf4, %dx			/* isa-debug-exit: status 1 */
	xor	%eax, %eax
	out	%al, %dx
6:	cli
	hlt
	jmp	6b

/* One DPC iteration (the sequence of docs/lab.md §7, the lab guest's DPC sequence). */
dpc_once:
	movl	$0, dpc_seen
	mov	$2, %eax
	mov	%rax, %cr8
	movl	$SELF_FIXED | VEC_DPC, APIC_ICR(%rbx)
	mov	%rax, %cr8
	mov	%rax, %cr8
	xor	%eax, %eax
	mov	%rax, %cr8
	mov	dpc_seen, %eax			/* handler ran right after the lowering? */
	add	%eax, dpc_immediate
	jmp	settle

/* One clock iteration (docs/lab.md §7, the lab guest's clock sequence). */
clock_once:
	movl	$0, clock_seen
	mov	$15, %eax
	mov	%rax, %cr8
	movl	$SELF_FIXED | VEC_CLOCK, APIC_ICR(%rbx)
	mov	%rax, %cr8
	mov	$2, %eax
	mov	%rax, %cr8
	mov	clock_seen, %eax
	add	%eax, clock_immediate
	xor	%eax, %eax
	mov	%rax, %cr8
	jmp	settle

/* Exit once (APIC ID read) so a late interrupt gets in, then wait for it. */
settle:
	mov	APIC_ID(%rbx), %eax
	mov	$100000000, %ecx
7:	mov	dpc_seen, %eax
	or	clock_seen, %eax
	jnz	8f
	pause
	dec	%ecx
	jnz	7b
8:	ret

dpc_isr:
	push	%rax
	mov	$2, %eax
	mov	%rax, %cr8
	movl	$1, dpc_seen
	movl	$0, APIC_EOI(%rbx)
	xor	%eax, %eax
	mov	%rax, %cr8
	pop	%rax
	iretq

clock_isr:
	movl	$1, clock_seen
	movl	$0, APIC_EOI(%rbx)
	iretq

spurious_isr:
	iretq

/* %eax = phase: out 0x49520000 | cpu 0 << 8 | phase to port 0x500 */
phase:
	or	$0x49520000, %eax
	mov	$0x500, %dx
	out	%eax, %dx
	ret

/* IDT gate %edi -> handler %esi (interrupt gate, code selector 0x08) */
set_gate:
	shl	$4, %edi
	add	$idt, %edi
	mov	%si, (%rdi)
	movw	$0x08, 2(%rdi)
	movw	$0x8e00, 4(%rdi)
	shr	$16, %esi
	mov	%si, 6(%rdi)
	movq	$0, 8(%rdi)
	ret

putc:
	mov	$0x3f8, %dx
	out	%al, %dx
	ret

puts:
	lodsb
	test	%al, %al
	jz	9f
	call	putc
	jmp	puts
9:	ret

/* %eax unsigned, decimal */
putu:
	mov	$10, %ecx
	lea	numbuf_end, %rdi
	movb	$0, (%rdi)
10:	xor	%edx, %edx
	div	%ecx
	add	$'0', %dl
	dec	%rdi
	mov	%dl, (%rdi)
	test	%eax, %eax
	jnz	10b
	mov	%rdi, %rsi
	jmp	puts

	.section .rodata
msg_n:		.asciz "cr8guest n="
msg_dpc:	.asciz " dpc_immediate="
msg_clock:	.asciz " clock_immediate="
	.align 8
gdt:	.quad 0, 0x00af9a000000ffff, 0x00cf92000000ffff
gdtr:	.word gdtr - gdt - 1
	.long gdt
	.align 8
idtr:	.word 256 * 16 - 1
	.long idt

	.data
dpc_seen:	.long 0
clock_seen:	.long 0
dpc_immediate:	.long 0
clock_immediate: .long 0
numbuf:		.space 16
numbuf_end:	.space 1

	.bss
	.align 4096
pml4:	.space 4096
pdpt:	.space 4096
pd:	.space 4 * 4096
idt:	.space 256 * 16
	.space 8192
stack_top:
