// SPDX-License-Identifier: MIT
/*
 * fuzz_scn.c - libFuzzer harness of the scenario-script parser.
 *
 * Build and run: make fuzz-scn-run FUZZ_SECONDS=60 (clang, ASan+UBSan).
 * Properties checked besides "no crash, no sanitizer report":
 *   - a refused script gets one non-empty line of error, and no program;
 *   - an accepted one has well-formed blocks, respects the limits, and
 *     round-trips: scn_format() parses back to the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "script/scn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void plat_puts(const char *s)
{
	fputs(s, stderr);
}

static struct scn_prog prog, prog2;
static char text1[SCN_MAX_FILE * 2], text2[SCN_MAX_FILE * 2];

static void check_blocks(const struct scn_prog *p)
{
	unsigned i;

	if (p->nops > SCN_MAX_OPS || p->nphases > SCN_MAX_PHASES || !p->static_ops ||
	    p->static_ops > SCN_MAX_EVENTS)
		abort();
	for (i = 0; i < p->nops; i++) {
		const struct scn_op *op = &p->ops[i];

		if (op->code >= SCN_NOPCODES || op->depth > SCN_MAX_DEPTH)
			abort();
		if (op->code == SCN_OP_REPEAT ||
		    (op->code == SCN_OP_ISR && (op->flags & SCN_F_BODY))) {
			if (op->b <= i || op->b >= p->nops ||
			    p->ops[op->b].code != SCN_OP_END || p->ops[op->b].a != i)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	size_t l1, l2;

	memset(err, 'X', sizeof(err));
	if (scn_parse((const char *)data, size, &prog, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n') || !memchr(err, 0, sizeof(err)) ||
		    prog.nops)
			abort();
		return 0;
	}
	check_blocks(&prog);
	l1 = scn_format(&prog, text1, sizeof(text1));
	if (l1 >= sizeof(text1))
		abort();
	if (scn_parse(text1, l1, &prog2, err, sizeof(err))) {
		fprintf(stderr, "formatted program refused: %s\n%s", err, text1);
		abort();
	}
	l2 = scn_format(&prog2, text2, sizeof(text2));
	if (l1 != l2 || memcmp(text1, text2, l1) ||
	    prog.static_ops != prog2.static_ops)
		abort();
	return 0;
}
