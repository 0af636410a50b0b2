/* SPDX-License-Identifier: MIT */
/*
 * qemu.h - launching the guest: the QEMU probe, the launcher abstraction
 * (direct QEMU now, libvirt later) and the backend hooks of a run.
 *
 * A run (host/run/run.c) goes through these steps, each a hook:
 *
 *   backend->preflight(ctx)          may refuse the host (EXIT_ENV: fixable; EXIT_NOT_APPLICABLE:
 *                                    it cannot run this backend), fills ctx->kvm_facts
 *   backend->extra_args(ctx, args)   QEMU arguments of the backend
 *   backend->before_launch(ctx)      right before QEMU starts (kvm: watch its VM's APICv
 *                                    inhibits from the VM's creation on)
 *   launcher->launch(ctx, spec, res) starts QEMU, enforces the timeout, waits
 *     backend->after_start(ctx, pid)   QEMU runs (kvm: start exit tracing; pinning)
 *   backend->after_exit(ctx, record) QEMU is gone, or never started (kvm: fold the exit
 *                                    trace into the record)
 *
 * Backends and launchers are the one extension mechanism: ops tables
 * (backend_ops in host/run/backends.c; launcher_ops: direct_launcher in
 * qemu.c, and libvirt_launcher() of the plugin build/lib/irqlbench-libvirt.so,
 * loaded with dlopen only for --launcher libvirt, so that no other command
 * loads libvirt's sixty libraries).  The hooks call the other modules:
 *   kvm_apicv_watch                   host/trace/: the APICv watcher (before_launch)
 *   kvm_trace_start / kvm_trace_stop  host/trace/: the kvm:kvm_exit trace of this QEMU
 *   run_pin_after_start               host/pin/: pin vCPU and emulator threads, fill
 *                                     provenance.pinning from what the OS reports, call
 *                                     ctx->before_cont (the kvm backend starts its trace
 *                                     there, on the pinned CPUs), then let the guest run
 *   pin_qemu_args (host/pin/pin_run.h) the "-S -qmp unix:..." arguments the pinning
 *                                     needs; added for the direct launcher
 */
#ifndef IRQLBENCH_QEMU_H
#define IRQLBENCH_QEMU_H

#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

#include "cli/util.h"

#define QEMU_DEFAULT_BINARY "qemu-system-x86_64"
#define QEMU_DEBIAN_PACKAGE "qemu-system-x86"

/* What the probe found out about a QEMU binary (cached across runs). */
struct qemu_info {
	char *path;		/* absolute path of the binary */
	char *version;		/* "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" */
	bool cached;		/* from the probe cache, not probed now */
};

/*
 * Finds the binary (`binary` as given, or qemu-system-x86_64 in $PATH) and
 * its version, from the cache ($XDG_CACHE_HOME/irqlbench/qemu-probe.json,
 * keyed by path, mtime and size) or by running it once with --version.
 * Returns 0, or -1 with a one-line message (problem and fix) in *err, to
 * be freed.
 */
int qemu_probe(const char *binary, struct qemu_info *qi, char **err);
void qemu_info_free(struct qemu_info *qi);
/*
 * Whether the binary has the -cpu model of `model` (its name before any
 * ",feature"): 1 yes, 0 no, -1 cannot tell.  The list of `-cpu help` is
 * kept in the probe cache beside the version.
 */
int qemu_cpu_model_known(const struct qemu_info *qi, const char *model);

/* What the run asks of a launcher, whatever the launcher. */
struct launch_spec {
	const char *qemu;		/* binary */
	const char *accel;		/* "tcg" | "kvm" */
	const char *cpu;		/* -cpu model */
	unsigned vcpus, mem_mb;
	const char *kernel;		/* the guest image (multiboot ELF32) */
	const char *append;		/* the guest's command line: "workload=W k=v ..." */
	const char *initrd;		/* the scenario script (a multiboot module), or NULL */
	const char *bios;		/* -bios (e.g. qboot.rom), or NULL for QEMU's SeaBIOS */
	const char *serial_log;		/* the guest's serial output goes here */
	const char *qemu_log;		/* QEMU's own stdout and stderr go here */
	double timeout_s;		/* a job's: with jobs > 1 the deadline moves on at each
					 * report ("@@ end" line) the serial log shows */
	unsigned jobs;			/* the guest's repeat=N (0, 1: one) */
	struct argv_buf extra;		/* the backend's extra QEMU arguments */
};

struct launch_result {
	bool started;			/* QEMU ran */
	bool timed_out;			/* killed at the timeout */
	int interrupted;		/* the stop signal that ended the run (QEMU stopped,
					 * or not started if !started), or 0 */
	int status;			/* QEMU's exit status; -1 unknown (signal, libvirt) */
	int signal;			/* signal that ended QEMU, or 0 */
	double duration_s;		/* start to exit */
	double ready_s;			/* start to the guest let run (QEMU up, its threads
					 * pinned, the backend's after_start done); 0 unknown */
	char *cmdline;			/* the exact command line, shell-quoted */
	char error[MSG_ONE_PATH];	/* why it did not start */
};

struct run_ctx;

struct backend_ops {
	const char *name;		/* "tcg" | "kvm" */
	const char *accel;
	const char *cpu;		/* default -cpu */
	/* 0, or EXIT_ENV (a problem that can be fixed) or EXIT_NOT_APPLICABLE
	 * (this host cannot run the backend) after printing one line per
	 * problem to stderr and setting ctx->preflight_msg */
	int (*preflight)(struct run_ctx *ctx);
	void (*extra_args)(struct run_ctx *ctx, struct argv_buf *args);
	/* right before the launch: what cannot wait for QEMU's pid */
	void (*before_launch)(struct run_ctx *ctx);
	/* 0, or -1 to stop the run (QEMU is killed; the record says why in
	 * ctx->hook_error) */
	int (*after_start)(struct run_ctx *ctx, pid_t qemu_pid);
	/* after the launch, whether QEMU started or not (lr.started): once
	 * for each job's record, ctx->job 0 to ctx->njobs - 1 in order, with
	 * ctx->trace_path that job's */
	void (*after_exit)(struct run_ctx *ctx, json_t *record);
};

struct launcher_ops {
	const char *name;		/* "direct" | "libvirt" */
	/* Runs the guest to its end or the timeout; fills res.  Calls the
	 * backend's after_start once QEMU runs. */
	void (*launch)(struct run_ctx *ctx, const struct launch_spec *spec,
		       struct launch_result *res);
};

/* The state of one `irqlbench run`, handed to every hook. */
struct run_ctx {
	const struct backend_ops *backend;
	const struct launcher_ops *launcher;
	json_t *record;			/* the record being built */
	json_t *kvm_facts;		/* provenance.kvm (kvm backend), or NULL */
	char *preflight_msg;		/* the preflight's problems, for the record (cmd_run frees it) */
	char hook_error[MSG_ONE_PATH];	/* why after_start stopped the run */
	void *trace;			/* state of host/trace/ */
	void *apicv;			/* host/trace/'s APICv watcher (kvm_apicv_watch) */
	void *pin;			/* state of host/pin/ */
	const char *trace_path;		/* the file a trace may be written to, beside the logs */
	unsigned job, njobs;		/* after_exit: the job (0-based) of a boot of njobs (--repeat) */
	void *trace_done;		/* host/trace/: the stopped trace, between after_exit calls */
	char *qmp_dir;			/* private folder of QEMU's QMP socket (pinning), or NULL */
	bool no_pin;			/* --no-pin: no pinning (and, unless start_paused, no -S/-qmp) */
	bool start_paused;		/* -S and -qmp even with --no-pin: the kvm backend's trace
					 * must be on before the guest runs */
	size_t trace_buffer_kb;		/* --trace-buffer: per-CPU trace buffer (kvm), 0 default */
	bool pit_discard;		/* --pit-reinject off: the kvm PIT discards lost ticks */
	/* Called by the pinning hook once every thread is pinned, before it
	 * lets the paused guest run ("cont"); 0, or -1 with hook_error set. */
	int (*before_cont)(struct run_ctx *ctx, pid_t qemu_pid);
};

extern const struct launcher_ops direct_launcher;

/*
 * The stop signals SIGHUP, SIGINT, SIGQUIT and SIGTERM, from
 * run_signals_catch() to run_signals_release(): each only notes the
 * signal (one that was ignored stays ignored); the direct launcher then
 * does not start QEMU, or stops it, and returns with res->interrupted, and
 * the run cleans up and writes its failed record.  A launcher that does not
 * watch them (libvirt) runs with them released.
 */
void run_signals_catch(void);
void run_signals_release(void);
/* The first stop signal caught since run_signals_catch(), or 0. */
int run_signals_pending(void);

/* The hooks of host/trace/ and host/pin/ (see the header comment).  Each
 * returns 0 or -1 with a one-line reason in ctx->hook_error. */
void kvm_apicv_watch(struct run_ctx *ctx);
int kvm_trace_start(struct run_ctx *ctx, pid_t qemu_pid);
void kvm_trace_stop(struct run_ctx *ctx, json_t *record);
int run_pin_after_start(struct run_ctx *ctx, pid_t qemu_pid);
const struct launcher_ops *libvirt_launcher(void);

#endif
