/* SPDX-License-Identifier: MIT */
/*
 * report_gen.h - builds serial reports (results/SERIAL.md) for the parser
 * and record tests: a known-good body, and the trailer (line count and
 * FNV-1a) computed for any body, so that a test can break exactly one
 * thing at a time.
 */
#ifndef IRQLBENCH_REPORT_GEN_H
#define IRQLBENCH_REPORT_GEN_H

/* A good report body: workload nested-spinlock, 2 vCPUs, phases 0 and 1,
 * 4 buckets (10,20,50,100), one histogram with p50=20 and p99=100. */
extern const char report_good_body[];

/* prefix + "@@ irqlbench report v1\n" + body + "@@ end lines=N fnv1a=H\n"
 * + suffix, with N and H computed from body.  Caller frees. */
char *report_wrap(const char *prefix, const char *body, const char *suffix);

/* The same with the trailer given verbatim (for bad trailers). */
char *report_wrap_trailer(const char *prefix, const char *body, const char *trailer);

/* body with the first occurrence of `from` replaced by `to`.  Caller frees. */
char *report_replace(const char *body, const char *from, const char *to);

#endif
