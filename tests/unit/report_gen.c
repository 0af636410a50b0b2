// SPDX-License-Identifier: MIT
/* report_gen.c - serial reports for tests (see report_gen.h). */
#include "report_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"

const char report_good_body[] =
	"H workload=nested-spinlock tsc_hz=2994000000 tsc_source=cpuid apic=xapic timer=lapic\n"
	"H ncpus=2 vendor=AuthenticAMD hypervisor=none clock_raises_irql=0 elide_same_level=1 probe=0\n"
	"H apic_timer_hz=1000201685\n"
	"A depth=2 iterations=1000 dpc=1 clock_raises_irql=0 elide_same_level=1 probe=0\n"
	"A probe_threshold=0 warmup=16\n"
	"F idx=0 name=setup measured=0\n"
	"F idx=1 name=measure measured=1\n"
	"B bounds=10,20,50,100\n"
	"C phase=0 cpu=0 cr8_writes=4 cr8_raise=2 cr8_lower=2\n"
	"C phase=1 cpu=0 cr8_writes=6000 cr8_raise=2000 cr8_same=1000 cr8_lower=2000 cr8_lower_unmask=1000 dpc_queued=1000 dpc_run=1000 iterations=1000\n"
	"C phase=1 cpu=1 cr8_writes=0 iterations=0\n"
	"G phase=1 cpu=0 name=dpc_queue_to_run n=1000 sum=51234 min=18 max=99 overflow=0 counts=0,600,300,100\n"
	"G phase=1 cpu=0 name=irq_latency n=0 sum=0 min=0 max=0 overflow=0 counts=0,0,0,0\n"
	"G phase=1 cpu=1 name=dpc_queue_to_run n=10 sum=5000 min=5 max=900 overflow=9 counts=1,0,0,0\n"
	"R status=ok reason=\"\"\n";

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

char *report_wrap_trailer(const char *prefix, const char *body, const char *trailer)
{
	size_t len = strlen(prefix) + strlen(body) + strlen(trailer) + 64;
	char *out = malloc(len);

	snprintf(out, len, "%s@@ irqlbench report v1\n%s%s", prefix, body, trailer);
	return out;
}

char *report_wrap(const char *prefix, const char *body, const char *suffix)
{
	char trailer[128];
	size_t slen = strlen(suffix);
	char *t, *out;

	snprintf(trailer, sizeof(trailer), "@@ end lines=%u fnv1a=%08x\n", count_lines(body),
		 kfnv1a(KFNV1A_INIT, body, strlen(body)));
	t = malloc(strlen(trailer) + slen + 1);
	strcpy(t, trailer);
	strcat(t, suffix);
	out = report_wrap_trailer(prefix, body, t);
	free(t);
	return out;
}

char *report_replace(const char *body, const char *from, const char *to)
{
	const char *at = strstr(body, from);
	size_t len = strlen(body) + strlen(to) + 1;
	char *out = malloc(len);

	if (!at) {
		fprintf(stderr, "report_replace: '%s' not in the body\n", from);
		abort();
	}
	snprintf(out, len, "%.*s%s%s", (int)(at - body), body, to, at + strlen(from));
	return out;
}
