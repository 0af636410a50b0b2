// SPDX-License-Identifier: MIT
/*
 * SVM exit code names: the kernel's SVM_EXIT_REASONS table
 * (arch/x86/include/uapi/asm/svm.h, installed as <asm/svm.h> by
 * linux-libc-dev), which both the kvm_exit tracepoint and `perf kvm stat`
 * print.  Taken from the header itself, not copied, so that our names are
 * theirs, typos ("read_rt") included.  Codes are append-only upstream: an
 * older header only lacks the newest names, which then print as 0x....
 */
#include <stdio.h>
#include <string.h>

#include "trace/svm_exits.h"

struct svm_exit_entry {
	uint32_t code;
	const char *name;
};

/* The kernel's own table (UAPI <asm/svm.h>, package linux-libc-dev): every
 * entry is { SVM_EXIT_xxx, "name" }, the names kvm:kvm_exit prints. */
static const struct svm_exit_entry svm_exit_table[] = { SVM_EXIT_REASONS };

#define TABLE_LEN (sizeof(svm_exit_table) / sizeof(svm_exit_table[0]))

const char *svm_exit_name(uint32_t code)
{
	size_t i;

	for (i = 0; i < TABLE_LEN; i++)
		if (svm_exit_table[i].code == code)
			return svm_exit_table[i].name;
	return NULL;
}

const char *svm_exit_label(uint32_t code, char *buf, size_t len)
{
	const char *name = svm_exit_name(code);

	if (name)
		return name;
	snprintf(buf, len, "0x%x", code);
	return buf;
}

int svm_exit_code(const char *name, uint32_t *code)
{
	size_t i;

	for (i = 0; i < TABLE_LEN; i++) {
		if (strcmp(svm_exit_table[i].name, name) == 0) {
			*code = svm_exit_table[i].code;
			return 0;
		}
	}
	return -1;
}
