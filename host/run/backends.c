// SPDX-License-Identifier: MIT
/*
 * backends.c - the backends of `irqlbench run` (struct backend_ops in
 * host/run/qemu.h): tcg, QEMU's emulator; kvm, QEMU -accel kvm on an AMD SVM
 * host, after a preflight, with kvm_amd's exits traced (host/trace/);
 * guest, QEMU -accel kvm on any /dev/kvm, nothing traced: what the guest
 * itself observes is the measurement (docs/guest-verdict.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "record/hostfacts.h"
#include "kvm/swap.h"
#include "trace/kvmtrace.h"
#include "run/run.h"

static int tcg_after_start(struct run_ctx *ctx, pid_t qemu_pid)
{
	return ctx->no_pin ? 0 : run_pin_after_start(ctx, qemu_pid);
}

static bool sys_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The KVM modules other than kvm_amd this host runs (kvm_intel, kvm_pvm,
 * ...), ", "-joined, or NULL: with no kvm_amd, /dev/kvm is theirs. */
static char *other_kvm_modules(void)
{
	DIR *d = opendir("/sys/module");
	struct dirent *e;
	char *list = NULL, *more;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "kvm_", 4) || !strcmp(e->d_name, "kvm_amd"))
			continue;
		more = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", e->d_name);
		free(list);
		list = more;
	}
	if (d)
		closedir(d);
	return list;
}

/* One problem: a line on stderr naming it and its fix, and a part of the
 * record's message. */
static void __attribute__((format(printf, 3, 4)))
preflight_problem(struct run_ctx *ctx, bool not_applicable, const char *fmt, ...)
{
	char *line, *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = xstrdup(fmt);
	va_end(ap);
	fprintf(stderr, "irqlbench: %s preflight: %s%s\n", ctx->backend ? ctx->backend->name : "kvm",
		not_applicable ? "not applicable: " : "", line);
	msg = xasprintf("%s%s%s%s", ctx->preflight_msg ? ctx->preflight_msg : "",
			ctx->preflight_msg ? "; " : "", not_applicable ? "not applicable: " : "", line);
	free(ctx->preflight_msg);
	ctx->preflight_msg = msg;
	free(line);
}

/*
 * A host that is itself a virtual machine runs an L1's kvm_amd: its exit
 * counts are kvm_amd's, but under QEMU's TCG (TCGTCGTCGTCG) its times are
 * emulated (the record is emulated: true), and under any other hypervisor
 * they include the L0 hypervisor's share.  Either way the record says
 * provenance.host.hypervisor.nested: true, and the run one warning line
 * (returned here, printed once the preflight passed; NULL on bare metal).
 */
static char *mark_nested(struct run_ctx *ctx)
{
	json_t *hvj = json_object_get(json_object_get(json_object_get(ctx->record, "provenance"),
						      "host"), "hypervisor");
	struct host_hypervisor hv;
	char *name, *warn = NULL;
	bool vm;

	host_hypervisor_read("", &hv);
	vm = host_hypervisor_present(&hv);
	json_object_set_new(hvj, "nested", json_boolean(vm));
	name = host_hypervisor_name(&hv);
	if (vm && host_hypervisor_is_tcg(&hv)) {
		json_object_set_new(ctx->record, "emulated", json_true());
		warn = xasprintf("this host is a virtual machine under QEMU's emulator (%s): the exit counts are its kvm_amd's, the times are emulated (the record says \"emulated\": true)",
				 name);
	} else if (vm) {
		warn = xasprintf("this host is a virtual machine (%s): the exit counts are its kvm_amd's, but the times include the L0 hypervisor's share (provenance.host.hypervisor.nested)",
				 name);
	}
	free(name);
	host_hypervisor_free(&hv);
	return warn;
}

static const char use_instead[] =
	"use --backend guest to judge this host's hypervisor from inside a guest, --backend tcg, or 'irqlbench lab' for real kvm_amd in a virtual AMD host";

/*
 * The kvm backend measures kvm_amd's CR8 handling on an AMD SVM host.  A
 * host where it cannot apply at all (not an AMD CPU, no SVM, a /dev/kvm of
 * another KVM module such as kvm_intel or kvm_pvm) is EXIT_NOT_APPLICABLE,
 * with its reasons; on an AMD SVM host, a problem that can be fixed (no
 * /dev/kvm, no access to it, no right to trace kvm events (kvmtrace_check:
 * lockdown, tracefs, its instances, the kvm events), kvm_amd not loaded)
 * is EXIT_ENV.  Each problem is one line naming it and its fix; all of a
 * kind are reported at once.
 * kvm_amd's parameters go into provenance.kvm; a host that is itself a VM
 * is marked (mark_nested).
 */
static int kvm_preflight(struct run_ctx *ctx)
{
	static const char *const params[] = { "npt", "avic", "nested", "nrips", NULL };
	char *vendor = util_cpuinfo_field("vendor_id"), *others = other_kvm_modules();
	char *nested = mark_nested(ctx);
	bool kvm_amd = sys_exists("/sys/module/kvm_amd"), applies = true;
	char why[PATH_MAX + 512];
	int fd;

	if (!util_vendor_runs_kvm_amd(vendor)) {
		preflight_problem(ctx, true, "the CPU is %s, not AuthenticAMD or HygonGenuine: the kvm backend measures AMD SVM; %s",
				  vendor ? vendor : "unknown (no vendor_id in /proc/cpuinfo)", use_instead);
		applies = false;
	} else if (!util_cpuinfo_has_flag("svm")) {
		preflight_problem(ctx, true, "the CPU has no 'svm' flag in /proc/cpuinfo (SVM is off in the firmware, or this VM has no nested virtualization): %s",
				  use_instead);
		applies = false;
	}
	free(vendor);
	if (!kvm_amd && others) {
		preflight_problem(ctx, true, "/dev/kvm is provided by %s, not kvm_amd (no /sys/module/kvm_amd): the kvm backend measures kvm_amd; %s",
				  others, use_instead);
		applies = false;
	}
	free(others);
	if (!applies) {
		free(nested);
		return EXIT_NOT_APPLICABLE;	/* what could be fixed here does not matter */
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	else if (errno == ENOENT)
		preflight_problem(ctx, false, "/dev/kvm does not exist: load the module with 'modprobe kvm_amd'");
	else
		preflight_problem(ctx, false, "cannot open /dev/kvm: %s: run as root or add the user to the 'kvm' group",
				  strerror(errno));
	if (kvmtrace_check(why, sizeof(why)))
		preflight_problem(ctx, false, "%s", why);
	if (!kvm_amd) {
		preflight_problem(ctx, false, "the kvm_amd module is not loaded (no /sys/module/kvm_amd): load it with 'modprobe kvm_amd'");
	} else {
		ctx->kvm_facts = json_pack("{s:s}", "module", "kvm_amd");
		for (unsigned i = 0; params[i]; i++) {
			char *p = xasprintf("/sys/module/kvm_amd/parameters/%s", params[i]);
			char *v = util_read_line(p);

			json_object_set_new(ctx->kvm_facts, params[i], v ? json_string(v) : json_null());
			free(v);
			free(p);
		}
		/* which build is loaded: modpost's srcversion (a build made with
		 * CONFIG_MODULE_SRCVERSION_ALL, as 'irqlbench kvm build' makes them;
		 * none for Debian's own) and the taint (O out of tree, E unsigned) */
		for (unsigned i = 0; i < 4; i++) {
			static const char *const f[][2] = {
				{ "kvm_amd", "srcversion" }, { "kvm_amd", "taint" },
				{ "kvm", "srcversion" }, { "kvm", "taint" } };
			char *p = xasprintf("/sys/module/%s/%s", f[i][0], f[i][1]);
			char *v = util_read_line(p), *key = xasprintf("%s_%s", f[i][0], f[i][1]);

			json_object_set_new(ctx->kvm_facts, key, v ? json_string(v) : json_null());
			free(key);
			free(v);
			free(p);
		}
		/* the variant 'kvm swap' loaded, while it is what is loaded */
		{
			json_t *sw = kvm_swap_loaded_json();

			json_object_set_new(ctx->kvm_facts, "swap", sw ? sw : json_null());
		}
		/* what sets PIT_REINJ: QEMU's in-kernel PIT reinjects lost ticks */
		json_object_set_new(ctx->kvm_facts, "pit_reinject", json_boolean(!ctx->pit_discard));
	}
	if (!ctx->preflight_msg && nested)
		fprintf(stderr, "irqlbench: warning: %s\n", nested);
	free(nested);
	return ctx->preflight_msg ? EXIT_ENV : 0;
}

/*
 * -machine pc's in-kernel PIT reinjects lost ticks by default (QEMU's
 * kvm-pit lost_tick_policy=delay), and reinjection inhibits AVIC
 * (PIT_REINJ): --pit-reinject off asks for discard, so that AVIC can run.
 */
static void kvm_extra_args(struct run_ctx *ctx, struct argv_buf *args)
{
	ctx->start_paused = true;	/* --no-pin too: the trace starts before the guest runs */
	run_pin_args(ctx, args);
	if (ctx->pit_discard) {
		argv_add(args, "-global");
		argv_add(args, "kvm-pit.lost_tick_policy=discard");
	}
}

/*
 * QEMU started paused (-S, with --no-pin too): the trace starts once the
 * threads are pinned (or, --no-pin, left where they are) and before the
 * guest runs, so that its buffers are sized for the CPUs the threads now
 * may use and the guest's first phase marker is traced.  Under libvirt
 * (which pins and starts the guest itself) it starts at once.
 */
static int kvm_after_start(struct run_ctx *ctx, pid_t qemu_pid)
{
	int rc;

	if (strcmp(ctx->launcher->name, "direct")) {
		if (kvm_trace_start(ctx, qemu_pid))
			return -1;
		return run_pin_after_start(ctx, qemu_pid);
	}
	ctx->before_cont = kvm_trace_start;
	rc = run_pin_after_start(ctx, qemu_pid);
	ctx->before_cont = NULL;
	if (!rc && !ctx->trace)
		rc = kvm_trace_start(ctx, qemu_pid);	/* nothing was pinned: no -qmp */
	return rc;
}

static void kvm_after_exit(struct run_ctx *ctx, json_t *record)
{
	kvm_trace_stop(ctx, record);
}

/*
 * The guest backend: QEMU -accel kvm on whatever provides /dev/kvm
 * (kvm_amd without the right to trace, kvm_intel, kvm_pvm, a cloud VM's
 * nested KVM), with no host tracing.  No /dev/kvm is EXIT_NOT_APPLICABLE
 * (this host offers no hypervisor to QEMU); one that cannot be opened is
 * EXIT_ENV.  provenance.kvm says what the host shows of the hypervisor
 * (the KVM modules of /sys/module, kvm_amd's or kvm_intel's parameters,
 * srcversion and taint where readable) and "traced": false; the guest's
 * own view of it (CPUID's hypervisor leaves, kvmclock) is in the record's
 * "guest" facts.  A host that is itself a VM is marked nested: the
 * hypervisor judged is then this host's KVM running on another one.
 */
static int guest_preflight(struct run_ctx *ctx)
{
	static const char *const mods[] = { "kvm_amd", "kvm_intel", "kvm_pvm", NULL };
	json_t *hvj = json_object_get(json_object_get(json_object_get(ctx->record, "provenance"),
						      "host"), "hypervisor");
	json_t *modules = json_array();
	struct host_hypervisor hv;
	char *others = other_kvm_modules();
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		json_decref(modules);
		free(others);
		if (errno == ENOENT) {
			preflight_problem(ctx, true, "/dev/kvm does not exist: this host offers QEMU no hypervisor (load kvm_amd or kvm_intel, enable nested virtualization for this VM), or boot 'irqlbench image' on the hypervisor to judge; --backend tcg runs without one");
			return EXIT_NOT_APPLICABLE;
		}
		preflight_problem(ctx, false, "cannot open /dev/kvm: %s: run as root or add the user to the 'kvm' group",
				  strerror(errno));
		return EXIT_ENV;
	}
	close(fd);
	host_hypervisor_read("", &hv);
	json_object_set_new(hvj, "nested", json_boolean(host_hypervisor_present(&hv)));
	host_hypervisor_free(&hv);
	ctx->kvm_facts = json_pack("{s:b, s:s}", "traced", 0, "observed_by", "guest");
	if (sys_exists("/sys/module/kvm_amd"))
		json_array_append_new(modules, json_string("kvm_amd"));
	if (others) {
		char *save = NULL;

		for (char *m = strtok_r(others, ", ", &save); m; m = strtok_r(NULL, ", ", &save))
			json_array_append_new(modules, json_string(m));
	}
	free(others);
	json_object_set_new(ctx->kvm_facts, "module",
			    json_array_size(modules) == 1 ? json_incref(json_array_get(modules, 0)) :
			    json_null());
	json_object_set_new(ctx->kvm_facts, "modules", modules);
	for (unsigned m = 0; mods[m]; m++) {
		char *dir = xasprintf("/sys/module/%s", mods[m]), *pdir = xasprintf("%s/parameters", dir);

		if (sys_exists(dir)) {
			json_t *o = json_object(), *params = json_object();
			DIR *d = opendir(pdir);
			struct dirent *e;

			/* every parameter the module shows and this user may read */
			while (d && (e = readdir(d))) {
				char *p, *v;

				if (e->d_name[0] == '.')
					continue;
				p = xasprintf("%s/%s", pdir, e->d_name);
				v = util_read_line(p);
				if (v)
					json_object_set_new(params, e->d_name, json_string(v));
				free(v);
				free(p);
			}
			if (d)
				closedir(d);
			json_object_set_new(o, "parameters", params);
			for (unsigned i = 0; i < 2; i++) {
				static const char *const f[] = { "srcversion", "taint" };
				char *p = xasprintf("%s/%s", dir, f[i]);
				char *v = util_read_line(p);

				json_object_set_new(o, f[i], v ? json_string(v) : json_null());
				free(v);
				free(p);
			}
			json_object_set_new(ctx->kvm_facts, mods[m], o);
		}
		free(pdir);
		free(dir);
	}
	return 0;
}

static const struct backend_ops backends[] = {
	{ .name = "tcg", .accel = "tcg", .cpu = "max", .extra_args = run_pin_args,
	  .after_start = tcg_after_start },
	{ .name = "kvm", .accel = "kvm", .cpu = "host", .preflight = kvm_preflight,
	  .extra_args = kvm_extra_args, .before_launch = kvm_apicv_watch,
	  .after_start = kvm_after_start, .after_exit = kvm_after_exit },
	{ .name = "guest", .accel = "kvm", .cpu = "host", .preflight = guest_preflight,
	  .extra_args = run_pin_args, .after_start = tcg_after_start },
};


const struct backend_ops *run_backend_find(const char *name)
{
	for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(name, backends[i].name))
			return &backends[i];
	return NULL;
}
