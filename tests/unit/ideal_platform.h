/* SPDX-License-Identifier: MIT */
/* ideal_platform.h - bare-hardware platform for host unit tests. */
#ifndef IRQLBENCH_IDEAL_PLATFORM_H
#define IRQLBENCH_IDEAL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ideal {
	uint64_t cr8, now, tsc_hz;
	bool if_flag;
	uint64_t irr[4];
	uint8_t isr[64];
	unsigned isr_depth;
	uint64_t timer_deadline, timer_period;
	unsigned timer_vector;
	uint64_t cr8_writes, self_ipis, eois, deliveries, markers, outs;
	uint32_t last_marker, last_out;	/* last_out: port << 8 | byte */
	char out[1 << 20];
	size_t out_len;
};

extern struct ideal ideal;

void ideal_reset(void);
/* Runs guest_main with the command line; returns its exit code, or
 * 100 + code when the layer called guest_exit(code). */
int ideal_run(const char *cmdline);
/* The same with a scenario script as the first boot module. */
int ideal_run_module(const char *cmdline, const char *module);

#endif
