/* SPDX-License-Identifier: MIT */
/*
 * qmp.h - a small QMP client and the pinning of a directly launched QEMU.
 *
 * The direct launcher starts QEMU paused with its QMP socket:
 *     qemu-system-x86_64 -S -qmp unix:PATH,server=on,wait=off ...
 * then calls pin_qemu(PATH, pid, &plan, &aff, ...), which pins every vCPU
 * thread (ids from query-cpus-fast) to its planned PU and every other QEMU
 * thread to the emulator set, reads the affinity back from the kernel
 * (sched_getaffinity per thread) and continues the guest.  aff then goes
 * into the record as provenance.pinning (pin_affinity_json()).
 */
#ifndef IRQLBENCH_PIN_QMP_H
#define IRQLBENCH_PIN_QMP_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "pin/plan.h"

struct qmp {
	int fd;
	size_t len;
	char buf[65536];
};

/* Connects (retrying until the socket appears, while pid lives; pid 0: no check),
 * reads the greeting and negotiates capabilities. */
int qmp_open(struct qmp *q, const char *path, pid_t pid, int timeout_ms,
	     char *err, size_t errlen);

/* Runs one command; *ret (may be NULL) gets the "return" value (caller decrefs).
 * Asynchronous events on the way are skipped.  Returns 0, or -1 with err set
 * (a QMP error reply included). */
int qmp_call(struct qmp *q, const char *cmd, json_t *args, json_t **ret,
	     int timeout_ms, char *err, size_t errlen);

void qmp_close(struct qmp *q);

/* Has QEMU (pid) exited?  True for a child that is a zombie not yet reaped. */
bool qmp_process_exited(pid_t pid);

/* vCPU thread ids by cpu-index, from query-cpus-fast. */
int qmp_vcpu_tids(struct qmp *q, pid_t *tids, unsigned max, unsigned *n,
		  char *err, size_t errlen);

/* Pins the vCPU threads and all other threads of pid as plan says. */
int pin_qemu_threads(pid_t pid, const pid_t *vcpu_tids, unsigned nvcpus,
		     const struct pin_plan *plan, char *err, size_t errlen);

/* Reads the affinity of the vCPU threads and of the other threads of pid. */
int pin_read_affinity(pid_t pid, const pid_t *vcpu_tids, unsigned nvcpus,
		      struct pin_affinity *aff, char *err, size_t errlen);

/*
 * All of it for a QEMU started with -S: open QMP, query the vCPU threads,
 * pin, read back, check the read-back against the plan, `cont`, close.
 * With plan NULL nothing is pinned, only read back (an unpinned run still
 * records where it ran).  Returns 0, or -1 with a one-line error.
 */
int pin_qemu(const char *qmp_path, pid_t pid, const struct pin_plan *plan,
	     struct pin_affinity *aff, int timeout_ms, char *err, size_t errlen);

#endif
