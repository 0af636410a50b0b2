/* SPDX-License-Identifier: MIT */
/*
 * The KVM exit collector: a private tracefs instance ("irqlbench-<pid>")
 * with kvm:kvm_exit, kvm_entry, kvm_pio, kvm_inj_virq, kvm_apic_accept_irq
 * and kvm_eoi enabled, limited (set_event_pid) to the given threads, read
 * with libtracefs/libtraceevent and folded by host/trace/kvm_fold.c.
 *
 * Use from `irqlbench run --backend kvm`:
 *   1. start QEMU paused (-S), get the vCPU thread ids from QMP
 *      (query-cpus-fast: thread-id);
 *   2. t = kvmtrace_start(&(struct kvmtrace_opts){ .tids = tids, .ntids = n }, err, len);
 *   3. QMP "cont"; wait for the guest to finish;
 *   4. kvmtrace_stop(t, &fold, err, len);  then kt_fold_merge_record(&fold, record);
 *   5. kvmtrace_close(t); kt_fold_free(&fold).
 * Or give .pid: that process's threads now and (event-fork) any it creates
 * later, for when thread ids are not known in advance.
 *
 * The instance is removed by kvmtrace_close(), by an atexit handler, by a
 * SIGINT/SIGTERM/SIGHUP handler (which then runs the handler that was there
 * before, or the default action), and, should the process die any other way
 * (SIGKILL, a crash), by a small reaper child that waits for the process's
 * end on a pipe.  Instances left by dead processes are removed at start.
 */
#ifndef IRQLBENCH_KVMTRACE_H
#define IRQLBENCH_KVMTRACE_H

#include <stddef.h>
#include <sys/types.h>

#include "trace/kvm_fold.h"

struct kvmtrace_opts {
	const pid_t *tids;	/* threads to trace (QEMU's vCPU threads) */
	size_t ntids;
	pid_t pid;		/* or: all threads of this process, now and later */
	size_t buffer_kb;	/* per-CPU ring buffer; 0: 32768 */
	unsigned int poll_ms;	/* reader period; 0: 50 */
	int no_entry;		/* leave kvm_entry off (fewer events, coarser delivery) */
};

struct kvmtrace;

/* 0 when tracefs and the kvm events are there; else -1 and why (one line). */
int kvmtrace_available(char *why, size_t len);

struct kvmtrace *kvmtrace_start(const struct kvmtrace_opts *o, char *err, size_t len);

/* Add threads to the filter (e.g. vCPU threads that appeared later). */
int kvmtrace_add_tids(struct kvmtrace *t, const pid_t *tids, size_t n);

/*
 * Stop tracing, read what is left, fold everything into @fold (initialised
 * by the caller with kt_fold_init()).  0, or -1 with a message.
 */
int kvmtrace_stop(struct kvmtrace *t, struct kt_fold *fold, char *err, size_t len);

/* The instance's directory (for messages), e.g. /sys/kernel/tracing/instances/irqlbench-42. */
const char *kvmtrace_dir(const struct kvmtrace *t);

/* Remove the instance and free everything (safe after a failed stop). */
void kvmtrace_close(struct kvmtrace *t);

#endif
