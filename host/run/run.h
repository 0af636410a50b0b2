/* SPDX-License-Identifier: MIT */
/*
 * run.h - the parts of `irqlbench run`, private to host/run/:
 *
 *   cmd_run.c   the options and every check made before any work; cmd_run()
 *   run.c       one run: the record's and the logs' paths, the preflight,
 *               the launch, the outcome, the record
 *   backends.c  the backends (tcg, kvm) and the kvm preflight
 *   rundir.c    the run's private folder (QMP socket, QEMU-safe links)
 *   outcome.c   how a run ended: one table of outcomes (error kind, exit
 *               status, hint)
 *   qemu.c      the QEMU probe and the direct launcher (run/qemu.h)
 *
 * The parts of a run are ops tables (run/qemu.h): backend_ops (backends.c)
 * and launcher_ops (the direct launcher in qemu.c; the libvirt launcher,
 * loaded with dlopen from build/lib/irqlbench-libvirt.so only when asked
 * for, so that no other command loads libvirt's libraries).
 */
#ifndef IRQLBENCH_RUN_H
#define IRQLBENCH_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "record/serial.h"
#include "run/qemu.h"

#define DEFAULT_TIMEOUT_S	60.0
#define QBOOT_ROM		"/usr/share/qemu/qboot.rom"
#define GUEST_MEM_MB		64
#define GUEST_FILE_NAME		"irqlbench-guest.elf"
#define GUEST_REL_PATH		"guest/" GUEST_FILE_NAME	/* in the build directory */

struct run_opts {
	const char *backend, *workload, *script, *out, *qemu, *guest, *cpu, *cpus, *keep_log, *launcher,
		   *firmware, *connect;
	unsigned vcpus;
	unsigned repeat;		/* --repeat: jobs in one guest boot (0, 1: one) */
	struct argv_buf outs;		/* --out, as given: one a job (out is the first) */
	bool no_pin;
	bool check_only;		/* --check: the checks before any work, then exit */
	uint64_t trace_buffer_kb;
	const char *pit_reinject;	/* --pit-reinject on|off (kvm); NULL: QEMU's default, on */
	const char *apic;		/* --apic auto|xapic|x2apic; NULL: auto */
	double timeout_s;
	struct argv_buf tags;
	struct argv_buf set;		/* "k=v" as the guest gets them (normalised) */
	struct wl_values vals;
};

/* --- run.c ----------------------------------------------------------------- */

/* The record's path and its logs' (run.c explains where each goes). */
struct run_paths {
	char *out, *dir, *log_dir, *serial, *qemu_log, *trace, *serial_rel, *qemu_log_rel;
	bool to_stdout;			/* --out -: the record goes to standard output */
};

/* Strings only (run_free_paths frees them); run_guest() makes the folders. */
void run_make_paths(const struct run_opts *o, const char *id, struct run_paths *p);
/* 0, or EXIT_USAGE after one line: a path the run would write is no regular
 * file (device, FIFO, link, folder), or a folder it needs cannot be. */
int run_check_paths(const struct run_opts *o, const struct run_paths *p);
void run_free_paths(struct run_paths *p);
/* The guest image: --guest, or build/guest/ beside build/bin/irqlbench, else
 * lib/irqlbench/ of an installed irqlbench (util_installed_file()).  To free. */
char *run_guest_image(const struct run_opts *o);
/*
 * Runs the checked request and writes its records, one a job (--repeat N:
 * ids[0..N-1] and p[0..N-1], the boot's logs at p[0]'s, copied beside the
 * others): the first job's exit status (cli.h) that is not 0, or 0.
 */
int run_guest(struct run_opts *o, const struct backend_ops *be, const struct launcher_ops *ln,
	      char *const *ids, double start, const struct run_paths *p);

/* --- backends.c -------------------------------------------------------------- */

/* The backend named `name` ("tcg", "kvm"), or NULL. */
const struct backend_ops *run_backend_find(const char *name);

/* --- rundir.c ---------------------------------------------------------------- */

/* The "-S -qmp unix:..." arguments pinning needs (direct launcher, not --no-pin). */
void run_pin_args(struct run_ctx *ctx, struct argv_buf *args);
/* @path, or a link to it named @name in the private folder when QEMU would
 * split it (a space or comma in it).  To free. */
char *run_qemu_safe_path(struct run_ctx *ctx, const char *path, const char *name);
/* Removes this run's private folder, and the ones dead irqlbench runs left. */
void run_tmp_cleanup(struct run_ctx *ctx);
void run_remove_stale_tmp(void);

/* --- outcome.c --------------------------------------------------------------- */

struct outcome {
	int exit;			/* the exit status (cli.h) */
	const char *kind;		/* the record's error.kind; NULL: complete */
	char *message;			/* whole, however long (outcome_free) */
	char *hint;			/* the fix (outcome_free) */
};

/* The outcome of a launch and its report (every field set; outcome_free). */
void run_classify(const struct run_opts *o, const struct launch_result *lr,
		  const struct serial_report *sr, const char *qemu_log, struct outcome *oc);
void outcome_set(struct outcome *oc, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void outcome_hint(struct outcome *oc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void outcome_free(struct outcome *oc);
/*
 * How job @job of a boot of @njobs jobs (--repeat) ended, as the boot's
 * launch result @boot says for the last job: a job before it that printed
 * its report ended there (the guest went on), with the status its verdict
 * gives and no timeout or signal of a later job.  *out: a copy to read.
 */
void run_job_launch(const struct launch_result *boot, const struct serial_report *sr,
		    unsigned job, unsigned njobs, struct launch_result *out);
/* " (the guest cut this message short ...)" for a text the guest cut, else "". */
const char *run_cut_note(const char *guest_text);
/* Whether the workload runs a scenario script (--script). */
bool run_needs_script(const char *workload);

#endif
