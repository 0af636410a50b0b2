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
 *   4. kvmtrace_stop(t, &fold, &info, err, len); kt_fold_map(); kt_fold_merge_record();
 *      info (trace_stats.h) says what was lost: kt_trace_lossy();
 *   5. kvmtrace_close(t); kt_fold_free(&fold); kt_trace_info_free(&info).
 * Or give .pid: that process's threads now and (event-fork) any it creates
 * later, for when thread ids are not known in advance.
 *
 * The events are read and folded while the guest runs (kvm_merge.h): memory
 * holds the fold and a reorder window, not the trace.  The buffers take the
 * asked size on the CPUs the traced threads may run on (their affinity when
 * tracing starts: after pinning, the vCPU and emulator CPUs) and 16 KiB on
 * the others, whose loss would still show in their stats.
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
#include "trace/trace_stats.h"

struct kvmtrace_opts {
	const pid_t *tids;	/* threads to trace (QEMU's vCPU threads) */
	size_t ntids;
	pid_t pid;		/* or: all threads of this process, now and later */
	size_t buffer_kb;	/* per-CPU ring buffer of the traced threads' CPUs; 0: 32768 */
	unsigned int poll_ms;	/* reader period; 0: 50 */
	int no_entry;		/* leave kvm_entry off (fewer events, coarser delivery) */
};

struct kvmtrace;

/*
 * Whether this process may trace kvm events, before anything starts (the
 * kvm backend's preflight asks): 0, or -1 with the first problem and its
 * fix in one line: a kernel locked down to confidentiality (which closes
 * tracefs), tracefs not mounted and not mountable (it is mounted where it
 * can be), its instances folder not writable by this user (a non-root user
 * of the kvm group), no kvm events although the kvm module is loaded.
 */
int kvmtrace_check(char *why, size_t len);
/* kvmtrace_check(), and the kvm events are there (kvm loaded). */
int kvmtrace_available(char *why, size_t len);

struct kvmtrace *kvmtrace_start(const struct kvmtrace_opts *o, char *err, size_t len);

/* Add threads to the filter (e.g. vCPU threads that appeared later). */
int kvmtrace_add_tids(struct kvmtrace *t, const pid_t *tids, size_t n);

/*
 * Stop tracing, read and fold what is left; @fold (initialised by the
 * caller with kt_fold_init()) gets the fold, @info the buffers, the clock
 * and what was lost (free it with kt_trace_info_free()), in every case.
 * 0, or -1 with a message when the reader failed (out of memory, a read
 * error): the fold is then incomplete.
 */
int kvmtrace_stop(struct kvmtrace *t, struct kt_fold *fold, struct kt_trace_info *info,
		  char *err, size_t len);

/*
 * Whether APICv/AVIC was active for the VM: kvm:kvm_apicv_inhibit_changed
 * (Linux 5.18 and later) gives the VM's inhibit bitmap at each change, 0
 * when nothing inhibits it.  Most changes come as the VM is made (QEMU's
 * in-kernel PIT with reinjection sets PIT_REINJ then), before anyone knows
 * QEMU's pid: kvmtrace_apicv_watch(), called before QEMU starts, follows
 * this process's children; once the exit trace runs,
 * kvmtrace_apicv_handover() gives it the state the watcher saw and closes
 * the watcher; the exit trace itself sums the changes while the guest runs
 * (never into the fold), and kvmtrace_apicv_result() says what it saw.
 * The bits are the kernel's own enum kvm_apicv_inhibit, which differs
 * between versions: only 0 / not 0 is read here.
 */

/* A watcher of this process's children's VMs; NULL with why (one line). */
struct kvmtrace *kvmtrace_apicv_watch(char *err, size_t len);
/* Hands what watch saw before t started over to t, and closes watch (NULL: nothing). */
void kvmtrace_apicv_handover(struct kvmtrace *watch, struct kvmtrace *t);
/* After kvmtrace_stop(). */
void kvmtrace_apicv_result(const struct kvmtrace *t, struct kt_apicv *a);

/* The instance's directory (for messages), e.g. /sys/kernel/tracing/instances/irqlbench-42. */
const char *kvmtrace_dir(const struct kvmtrace *t);

/* Remove the instance and free everything (safe after a failed stop). */
void kvmtrace_close(struct kvmtrace *t);

#endif
