/* SPDX-License-Identifier: MIT */
/*
 * record.h - the JSON result record, schema irqlbench-record/1
 * (results/SCHEMA.md), built and written with jansson.
 *
 * A record starts out failed ("not finished") and becomes complete only
 * when a checked report is applied to it: a record that a crash or a bug
 * left half done can never pass for a result.  Records are written to a
 * temporary file and renamed into place.
 */
#ifndef IRQLBENCH_RECORD_H
#define IRQLBENCH_RECORD_H

#include <stdint.h>
#include <jansson.h>

#define RECORD_SCHEMA "irqlbench-record/1"

struct serial_report;

/* "20261126T071502Z-tcg-nested-spinlock-1a2b3c" (a caller frees it). */
char *record_make_id(double start, const char *backend, const char *workload);

/* A record with every key of the schema; status "failed", error
 * {"kind": "launch", "message": "the run did not finish"}. */
json_t *record_new(const char *id, const char *backend, const char *workload);

/* Marks the record failed (kind: exception, triple-fault, timeout, garbled,
 * truncated, bad-param, launch, preflight, guest-error, verdict). */
void record_fail(json_t *rec, const char *kind, const char *message);

/* Fills params, guest, verdict and phases from a complete report and marks
 * the record complete, or failed (kind "verdict") when the workload's own
 * verdict is not ok.  Returns 0, or -1 if r is not a complete report. */
int record_apply_report(json_t *rec, const struct serial_report *r);

/*
 * Job @job's record of a boot that ran @njobs jobs (run --repeat, a serial
 * log's reports): @base with the job's id ids[job] and provenance.repeat
 * {"index": job, "count": njobs, "boot_id": ids[0]}, a deep copy for job
 * > 0; @base itself when @njobs < 2.  A new reference.
 */
json_t *record_for_job(json_t *base, char *const *ids, unsigned job, unsigned njobs);

/* provenance.host: this host's facts (host_facts_json(""), record/hostfacts.h). */
json_t *record_host_facts(void);

/* Serialises rec (indented, keys in insertion order) and writes it
 * atomically (util_write_atomic: only a regular file is ever replaced),
 * or to standard output when path is "-".  Returns 0, or -1 with errno. */
int record_write(const json_t *rec, const char *path);

/* A record file a user names (model --costs-from, results show --metrics
 * FILE): read without blocking on a FIFO nobody writes to (it reads as
 * empty), at most RECORD_MAX_BYTES, duplicate keys refused.  The JSON, or
 * NULL with err = what is wrong ("is a folder", "Permission denied",
 * "'[' or '{' expected near end of file (line 1)"), for the caller's line. */
#define RECORD_MAX_BYTES (256u << 20)	/* a record with its histograms is a few MB */
json_t *record_load(const char *path, char *err, size_t errlen);

#endif
