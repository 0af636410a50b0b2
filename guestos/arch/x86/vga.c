// SPDX-License-Identifier: MIT
/*
 * vga.c - a copy of the serial text on the VGA text screen (80x25 at
 * 0xB8000), for a machine booted from the ISO (`irqlbench image`) whose
 * user watches a console rather than a serial port.  Off unless the
 * command line asks for it (console=vga, jobs.c): with QEMU's -nodefaults
 * there is no VGA, and under KVM every store to that window is an exit.
 * Written only where serial text is written, never inside a measured phase.
 */
#include "x86.h"

#define VGA_TEXT	0xb8000ul
#define VGA_COLS	80
#define VGA_ROWS	25
#define VGA_ATTR	0x0700	/* light grey on black */

static bool vga_on;
static unsigned row, col;

static volatile uint16_t *vga_cell(unsigned r, unsigned c)
{
	uintptr_t a = VGA_TEXT;

	asm("" : "+r"(a));	/* a physical address, not an object */
	return (volatile uint16_t *)a + r * VGA_COLS + c;
}

static void vga_newline(void)
{
	col = 0;
	if (++row < VGA_ROWS)
		return;
	for (unsigned r = 1; r < VGA_ROWS; r++)
		for (unsigned c = 0; c < VGA_COLS; c++)
			*vga_cell(r - 1, c) = *vga_cell(r, c);
	for (unsigned c = 0; c < VGA_COLS; c++)
		*vga_cell(VGA_ROWS - 1, c) = VGA_ATTR | ' ';
	row = VGA_ROWS - 1;
}

/* Clears the screen (the loader's text) and mirrors from now on. */
void vga_enable(void)
{
	for (unsigned r = 0; r < VGA_ROWS; r++)
		for (unsigned c = 0; c < VGA_COLS; c++)
			*vga_cell(r, c) = VGA_ATTR | ' ';
	row = col = 0;
	vga_on = true;
}

/* Called with the serial lock held: the same text, in the same order. */
void vga_write(const char *s)
{
	if (!vga_on)
		return;
	for (; *s; s++) {
		if (*s == '\n') {
			vga_newline();
		} else if (*s == '\r') {
			col = 0;
		} else {
			uint8_t ch = (uint8_t)*s;

			*vga_cell(row, col) = (uint16_t)(VGA_ATTR | (ch >= ' ' && ch < 127 ? ch : '?'));
			if (++col == VGA_COLS)
				vga_newline();
		}
	}
}
