/* SPDX-License-Identifier: MIT */
/*
 * Names of AMD SVM exit codes as the kernel prints them in kvm:kvm_exit and
 * as `perf kvm stat` shows them (both use the kernel's SVM_EXIT_REASONS
 * table of arch/x86/include/uapi/asm/svm.h).  The tracepoint's exit_reason
 * field is the raw number on SVM; these turn it into the record's names.
 */
#ifndef IRQLBENCH_SVM_EXITS_H
#define IRQLBENCH_SVM_EXITS_H

#include <stddef.h>
#include <stdint.h>

/* SVM_EXIT_WRITE_CR8, SVM_EXIT_INTR, ... and SVM_EXIT_REASONS (AMD APM vol. 2,
 * appendix C "SVM Intercept Exit Codes"), from the kernel's UAPI header. */
#include <asm/kvm.h>	/* DE_VECTOR ... XF_VECTOR, used by SVM_EXIT_REASONS */
#include <asm/svm.h>

/* The kernel's name for @code, or NULL when the table has none. */
const char *svm_exit_name(uint32_t code);

/* The name, or "0x%x" for a code the table does not know; returns @buf or a constant. */
const char *svm_exit_label(uint32_t code, char *buf, size_t len);

/* Inverse of svm_exit_name(); returns 0 and sets *code, or -1. */
int svm_exit_code(const char *name, uint32_t *code);

#endif
