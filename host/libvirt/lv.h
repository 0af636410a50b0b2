/* SPDX-License-Identifier: MIT */
/*
 * lv.h - the libvirt launcher: one guest run as a transient libvirt domain.
 *
 * `irqlbench run --launcher libvirt [--connect URI]` fills a struct
 * lv_launch_req and calls lv_launch().  The domain boots the guest kernel
 * directly (<os><kernel>/<initrd>/<cmdline>), pinned by <cputune> from the
 * planner's plan, with its serial port in a file and isa-debug-exit added
 * through <qemu:commandline>.  It starts paused, the pinning is read back
 * through the API (virDomainGetVcpuPinInfo, virDomainGetEmulatorPinInfo,
 * and virDomainGetVcpus for the threads' real affinity), then it is resumed
 * and lv_launch() waits for the lifecycle event that says it stopped.
 *
 * Under libvirt QEMU's exit status (isa-debug-exit) is lost: the caller
 * parses the serial log for the verdict, exactly as for the direct launch.
 */
#ifndef IRQLBENCH_LV_H
#define IRQLBENCH_LV_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "pin/plan.h"

struct lv_launch_req {
	const char *uri;		/* NULL: qemu:///system */
	const char *virt_type;		/* "kvm", "qemu" (TCG), or NULL/"auto": kvm if the
					 * domain capabilities offer it, else qemu */
	const char *name;		/* NULL: irqlbench-<pid>-<n> */
	const char *kernel;		/* absolute path, multiboot ELF32 */
	const char *initrd;		/* NULL or absolute path (the scenario script module) */
	const char *cmdline;		/* the guest command line (key=value ...) */
	unsigned vcpus;
	unsigned memory_mib;		/* 0: 64 */
	const char *machine;		/* NULL: pc */
	const char *cpu_model;		/* NULL: libvirt's default; "max" (QEMU -cpu max,
					 * <cpu mode='maximum'>), "host" (host-passthrough),
					 * "host-model", or a model name such as "EPYC" */
	const char *emulator;		/* NULL: the one of the domain capabilities */
	const struct pin_plan *plan;	/* NULL: unpinned */
	bool pit_discard;		/* <timer name='pit' tickpolicy='discard'/>: the
					 * in-kernel PIT drops lost ticks instead of
					 * reinjecting them (which inhibits AVIC/APICv) */
	const char *serial_log;		/* absolute path; created/truncated */
	unsigned timeout_ms;		/* 0: 60000 */
	/* Called once the domain exists (paused) and its pinning was read back,
	 * before the guest runs: e.g. exit tracing of QEMU's pid (0 if unknown,
	 * as for a remote libvirtd).  Non-zero stops the run (status 1, err). */
	int (*after_start)(void *arg, pid_t qemu_pid, char *err, size_t errlen);
	void *after_start_arg;
};

enum lv_end {
	LV_END_NONE = 0,
	LV_END_SHUTDOWN,		/* guest powered off / QEMU quit cleanly */
	LV_END_CRASHED,			/* what isa-debug-exit looks like to libvirt */
	LV_END_DESTROYED,
	LV_END_FAILED,
	LV_END_OTHER,
	LV_END_TIMEOUT,			/* we destroyed it after timeout_ms */
};

struct lv_launch_result {
	char uri[128];
	char virt_type[8];		/* "kvm" or "qemu" */
	char domain[64];
	char libvirt_version[24];	/* library, "9.0.0" */
	char daemon_version[24];	/* libvirtd */
	char hv_version[24];		/* QEMU, "7.2.0" */
	char emulator[256];
	enum lv_end end;
	char end_detail[32];		/* "shutdown", "crashed", ..., "timeout" */
	struct pin_affinity pinning;	/* virDomainGetVcpuPinInfo + GetEmulatorPinInfo */
	struct pin_affinity threads;	/* virDomainGetVcpus: the vCPU threads' affinity */
	bool threads_valid;
	double t_start_s;		/* connect .. domain created (paused) */
	double t_pin_s;			/* reading the pinning back */
	double t_run_s;			/* resume .. stopped event */
	double t_total_s;		/* lv_launch() as a whole */
	char *xml;			/* the domain XML (malloc'ed; lv_result_free) */
	char *qemu_argv;		/* the QEMU command line libvirt made of it, or NULL */
	pid_t qemu_pid;			/* from /run/libvirt/qemu/<domain>.pid, or 0 */
	bool started;			/* the domain was created */
};

/*
 * Runs the guest to its end.  Returns an irqlbench status: 0 the domain ran
 * and stopped by itself (read the serial log for the verdict), 1 launch
 * failed, 2 bad request (a CPU outside the host), 3 environment (libvirtd not
 * reachable, image not readable by the QEMU user), 4 timeout.  err gets one
 * line naming the problem and the fix.
 */
int lv_launch(const struct lv_launch_req *req, struct lv_launch_result *res,
	      char *err, size_t errlen);
void lv_result_free(struct lv_launch_result *res);

/* The domain XML for req with virt type "kvm" or "qemu" (malloc'ed). */
char *lv_domain_xml(const struct lv_launch_req *req, const char *virt_type, const char *name);

/* provenance.libvirt: {"uri", "version", "daemon_version", "hypervisor_version",
 * "virt_type", "domain", "end"} */
json_t *lv_result_json(const struct lv_launch_result *res);

/*
 * Whether user (e.g. libvirt-qemu) can read path: every directory on the way
 * searchable, the file readable.  Returns 0, or -1 with err naming the first
 * obstacle and the chmod that fixes it.
 */
int lv_check_readable_by(const char *path, const char *user, char *err, size_t errlen);

/* The user QEMU runs as under qemu:///system (/etc/libvirt/qemu.conf, else libvirt-qemu). */
const char *lv_qemu_user(char *buf, size_t len);

#endif
