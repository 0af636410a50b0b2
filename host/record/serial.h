/* SPDX-License-Identifier: MIT */
/*
 * serial.h - the parser of the guest's serial report (results/SERIAL.md).
 *
 * The guest's (and the model's) text is untrusted input: the parser is
 * strict about the report block (known line kinds, line length, numbers,
 * duplicate keys, bucket counts, the line count and FNV-1a hash of the
 * trailer) and refuses a report that does not check out.  It never
 * crashes on any input (tests/fuzz/fuzz_serial.c).
 */
#ifndef IRQLBENCH_SERIAL_H
#define IRQLBENCH_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "record/hist.h"

#define SERIAL_MAX_LINE		1023	/* bytes, without the newline */
#define SERIAL_MAX_LOG		(64u << 20)	/* larger logs are refused */
#define SERIAL_MAX_BOUNDS	512	/* v2 prints HIST_NBOUNDS (480) */
#define SERIAL_MAX_PHASE	255
#define SERIAL_MAX_CPU		255

enum serial_outcome {
	SERIAL_REPORT,		/* a complete report whose count and hash check */
	SERIAL_NONE,		/* no report block and no "!!" line */
	SERIAL_EXCEPTION,	/* "!! exception" (anywhere) */
	SERIAL_ERROR,		/* "!! error" (anywhere) */
	SERIAL_TRUNCATED,	/* a report block without its "@@ end" */
	SERIAL_GARBLED,		/* count/hash mismatch or a malformed line in the block */
};

struct serial_exception {
	uint64_t vector, rip, err, cr2, cpu;
	char name[16];		/* "#PF", or "" */
};

struct serial_report {
	enum serial_outcome outcome;
	bool booted;			/* saw "irqlbench-guest v=1 boot" */
	unsigned line;			/* 1-based line of the problem, 0 if none */
	/* Texts are allocated, whole however long, never NULL after
	 * serial_parse() ("" when absent); serial_report_free() frees them. */
	char *message;			/* what went wrong, one line (not for REPORT) */

	struct serial_exception exc;	/* SERIAL_EXCEPTION */
	char error_code[64];		/* SERIAL_ERROR: the code= word */
	char *error_msg;		/* SERIAL_ERROR: the msg= text */

	/* SERIAL_REPORT only; NULL otherwise; owned (serial_report_free). */
	char workload[64];		/* H workload= */
	json_t *params;			/* {"name": n} from A lines */
	json_t *guest;			/* the record's "guest" object, from H lines */
	json_t *phases;			/* the record's "phases" array */
	char verdict[8];		/* "ok" or "fail" */
	char *reason;			/* the R line's reason= */
	bool has_findings;		/* the R line has late= and unmasking= (older
					 * guests print neither) */
	uint64_t late, unmasking;	/* the measured phases' late deliveries and
					 * unmasking CR8 writes, all vCPUs */
	bool job_began;			/* serial_parse_job(): the part has the job's
					 * "irqlbench-guest job K of N" line */
};

/* Parses the whole serial log.  Always fills r (free it with
 * serial_report_free); returns r->outcome. */
enum serial_outcome serial_parse(const char *buf, size_t len, struct serial_report *r);
/* The complete "@@ end" lines of a log: the jobs of a boot that reported so far. */
unsigned serial_reports(const char *buf, size_t len);

/*
 * The report of job @job (0-based) of a boot that ran @njobs jobs
 * (repeat=N, results/SERIAL.md "Jobs"): the log is cut after each "@@ end"
 * line; job k's part runs from the k-th cut to the next, the last job's to
 * the end of the log.  The part is parsed by serial_parse() with the boot
 * line put before it (when the log has one), so a job's own "!!" lines are
 * its, and a job the boot never reached reads "booted but printed no
 * report".  @njobs 1: serial_parse() of the whole log.
 */
enum serial_outcome serial_parse_job(const char *buf, size_t len, unsigned job, unsigned njobs,
				     struct serial_report *r);
void serial_report_free(struct serial_report *r);
const char *serial_outcome_name(enum serial_outcome o);

/* Did the guest cut this text (msg=, reason=) to fit its buffer?  It then
 * ends with KMSG_CUT (klib.h): the rest was never printed. */
bool serial_text_cut(const char *text);

/* The FNV-1a of a report block's body, as the trailer carries it. */
uint32_t serial_block_hash(const char *body, size_t len);

#endif
