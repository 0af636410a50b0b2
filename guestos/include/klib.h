/* SPDX-License-Identifier: MIT */
/*
 * klib.h - the few C-library functions the guest, the NT layer and the
 * workloads use.  Prefixed so that the host (model, unit tests) can link
 * the same code next to the real C library.  Freestanding C only.
 */
#ifndef IRQLBENCH_KLIB_H
#define IRQLBENCH_KLIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

size_t kstrlen(const char *s);
int kstrcmp(const char *a, const char *b);
int kstrncmp(const char *a, const char *b, size_t n);
void *kmemset(void *d, int c, size_t n);
void *kmemcpy(void *d, const void *s, size_t n);
/* Parses a decimal or 0x-hex unsigned number of exactly len chars. */
bool kparse_u64(const char *s, size_t len, uint64_t *out);
/* %s %c %d %i %u %x %X %p with l/ll/z and width/zero-pad; %% */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Messages (errors, a failed verdict's reason) live in fixed buffers in
 * the freestanding guest.  kmsgf() formats like ksnprintf(), but a message
 * that does not fit is cut after its last whole word and ends with
 * KMSG_CUT, so that the host (serial_text_cut()) never presents it as
 * whole.  KMSG_MAX: the longest message a serial report line carries
 * ("R status=fail reason=\"...\"" and "!! error code=... msg=\"...\""
 * within the 1023-byte line), NUL included.
 */
#define KMSG_MAX	960
#define KMSG_CUT	" [cut]"
int kvmsgf(char *buf, size_t size, const char *fmt, va_list ap);
/* Marks a message that code using plain ksnprintf() left filling its
 * whole buffer (so perhaps cut) as cut. */
void kmsg_seal(char *buf, size_t size);
int kmsgf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Format and send through plat_puts() (bounded line length: 1023). */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 32-bit FNV-1a, as used by the report trailer. */
uint32_t kfnv1a(uint32_t h, const void *p, size_t n);
#define KFNV1A_INIT 0x811c9dc5u

#endif
