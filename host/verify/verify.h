/* SPDX-License-Identifier: MIT */
/*
 * verify.h - what other commands use of `irqlbench verify`.
 */
#ifndef IRQLBENCH_VERIFY_H
#define IRQLBENCH_VERIFY_H

#include <stddef.h>
#include <jansson.h>

struct store;

/*
 * A verdict file (irqlbench-verdict/1) checked against its runs in store s:
 * FIXED and UNFIXED must be what its runs decide by the suites file
 * ($IRQLBENCH_SUITES, else the tree's) and never come with a failed
 * positive control; INCONCLUSIVE claims nothing and passes.  0, or -1 with
 * err (one line: what it says, what its runs decide).  `results import`
 * takes no verdict that fails this.
 */
int verify_check_stored(struct store *s, json_t *v, char *err, size_t len);

#endif
