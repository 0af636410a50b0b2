/* SPDX-License-Identifier: MIT */
/*
 * isr.S - 256 interrupt entry stubs, 16 bytes apart (the IDT is filled
 * from isr_stubs + 16 * vector), and the common path into isr_dispatch().
 * Every stub pushes an error code (a zero where the CPU pushes none) and
 * its vector, so that struct intr_frame has one layout.
 */
	.text
	.code64
	.align 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.align 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	.set vec, vec + 1
	.endr

/*
 * The CPU aligned RSP to 16 before its 5-qword frame; 2 + 15 more qwords
 * make 22: RSP is 16-byte aligned at the call, as the ABI wants.
 */
isr_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	isr_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp
	iretq
