// SPDX-License-Identifier: MIT
/*
 * serial.c - COM1, 115200 8N1, polled.  Every port access is an exit under
 * KVM, so the transmitter is filled a FIFO (16 bytes) at a time: one LSR
 * read per 16 characters instead of one per character.
 */
#include "platform.h"
#include "x86.h"

#define COM1		0x3f8
#define UART_THR	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_THRE	0x20	/* FIFO mode: the transmit FIFO is empty */
#define FIFO_SIZE	16
#define THRE_SPINS	1000000ul	/* LSR polls (exits under KVM) */
#define LOCK_SPINS	10000000ul

static volatile uint32_t serial_lock;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80);	/* DLAB */
	outb(COM1 + 0, 1);		/* divisor 1: 115200 */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	outb(COM1 + UART_FCR, 0x07);	/* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS; no OUT2: no interrupts */
}

static void serial_write(const char *s)
{
	while (*s) {
		unsigned n;

		/* bounded: a UART that never drains must not hang the report */
		for (unsigned long i = 0; i < THRE_SPINS; i++) {
			if (inb(COM1 + UART_LSR) & LSR_THRE)
				break;
			cpu_relax();
		}
		for (n = 0; n < FIFO_SIZE && *s; n++)
			outb(COM1 + UART_THR, (uint8_t)*s++);
	}
}

/*
 * One line at a time from any CPU.  `force` (exception and exit paths):
 * stop waiting for a lock holder that may be the CPU that just faulted.
 */
void serial_write_locked(const char *s, bool force)
{
	unsigned long flags = read_rflags();
	bool locked = false;

	cli();
	for (unsigned long i = 0; !force || i < LOCK_SPINS; i++) {
		if (!__atomic_exchange_n(&serial_lock, 1, __ATOMIC_ACQUIRE)) {
			locked = true;
			break;
		}
		cpu_relax();
	}
	serial_write(s);
	vga_write(s);	/* console=vga: the same text on the screen */
	if (locked)
		__atomic_store_n(&serial_lock, 0, __ATOMIC_RELEASE);
	if (flags & RFLAGS_IF)
		sti();
}

void plat_puts(const char *s)
{
	serial_write_locked(s, false);
}
