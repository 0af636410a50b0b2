// SPDX-License-Identifier: MIT
/*
 * lv_run.c - `irqlbench run --launcher libvirt`: the launcher_ops of
 * host/run/qemu.h on top of lv_launch().
 *
 * The run's launch_spec becomes a transient domain: accel tcg -> type qemu,
 * kvm -> type kvm; -cpu max/host -> <cpu mode='maximum'/'host-passthrough'>;
 * the vCPUs pinned by the planner on this host's topology.  The backend's
 * after_start hook (kvm exit tracing) runs with QEMU's pid while the domain
 * is still paused.  provenance.pinning is what libvirt reads back, and
 * provenance.libvirt the facts of the connection.  QEMU's exit status is
 * lost under libvirt (status -1): the serial report alone gives the verdict.
 *
 * The connection: libvirt_launcher_set_uri() (for `run --connect URI`),
 * else $IRQLBENCH_LIBVIRT_URI, else qemu:///system.  The vCPU PUs:
 * pin_run_set_cpus() (for `run --cpus LIST`), else $IRQLBENCH_PIN_CPUS,
 * else the planner's choice.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libvirt/lv.h"
#include "libvirt/lv_run.h"
#include "pin/plan.h"
#include "pin/pin_run.h"
#include "run/qemu.h"

static const char *lv_uri;

void libvirt_launcher_set_uri(const char *uri)
{
	lv_uri = uri;
}

/* An absolute path for libvirt (which runs elsewhere): the file may not exist yet. */
static char *abs_path(const char *p)
{
	char cwd[PATH_MAX], *r;
	size_t n;

	if (!p)
		return NULL;
	r = realpath(p, NULL);
	if (r)
		return r;
	if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(p);
	n = strlen(cwd) + strlen(p) + 2;
	r = malloc(n);
	if (r)
		snprintf(r, n, "%s/%s", cwd, p);
	return r;
}

static int lv_after_start(void *arg, pid_t qemu_pid, char *err, size_t errlen)
{
	struct run_ctx *ctx = arg;

	if (!ctx->backend->after_start)
		return 0;
	if (ctx->backend->after_start(ctx, qemu_pid)) {
		snprintf(err, errlen, "%.500s", ctx->hook_error);
		return -1;
	}
	return 0;
}

static int plan_for(const struct launch_spec *spec, struct pin_plan *plan, char *err, size_t errlen)
{
	hwloc_topology_t topo;
	int rc;

	if (pin_load_topology(&topo, NULL, NULL, err, errlen))
		return -1;
	rc = pin_plan(topo, spec->vcpus, pin_run_cpus(), plan, err, errlen);
	hwloc_topology_destroy(topo);
	return rc;
}

static void set_provenance(json_t *rec, const char *key, json_t *val)
{
	json_t *prov = rec ? json_object_get(rec, "provenance") : NULL;

	if (prov)
		json_object_set_new(prov, key, val);
	else
		json_decref(val);
}

static void lv_run_launch(struct run_ctx *ctx, const struct launch_spec *spec,
			  struct launch_result *res)
{
	struct lv_launch_result *lr = calloc(1, sizeof(*lr));
	struct pin_plan *plan = malloc(sizeof(*plan));
	struct lv_launch_req req = { 0 };
	char *kernel = abs_path(spec->kernel), *initrd = abs_path(spec->initrd);
	char *serial = abs_path(spec->serial_log);
	char err[768];
	int rc;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	if (!lr || !plan || !kernel || !serial || (spec->initrd && !initrd)) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		goto out;
	}
	if (plan_for(spec, plan, err, sizeof(err))) {
		snprintf(res->error, sizeof(res->error), "pinning: %.490s", err);
		goto out;
	}
	req = (struct lv_launch_req){
		.uri = lv_uri ? lv_uri : getenv("IRQLBENCH_LIBVIRT_URI"),
		.virt_type = spec->accel && !strcmp(spec->accel, "kvm") ? "kvm" : "qemu",
		.kernel = kernel, .initrd = initrd, .cmdline = spec->append,
		.vcpus = spec->vcpus, .memory_mib = spec->mem_mb,
		.cpu_model = spec->cpu, .emulator = spec->qemu && spec->qemu[0] == '/' ? spec->qemu : NULL,
		.plan = plan, .serial_log = serial, .pit_discard = ctx->pit_discard,
		.timeout_ms = (unsigned)(spec->timeout_s * 1000),
		.after_start = lv_after_start, .after_start_arg = ctx,
	};
	if (spec->extra.n)
		fprintf(stderr, "irqlbench: note: the libvirt launcher ignores %u extra QEMU argument%s of the backend\n",
			spec->extra.n, spec->extra.n == 1 ? "" : "s");
	rc = lv_launch(&req, lr, err, sizeof(err));
	res->started = lr->started;
	res->timed_out = rc == 4;
	res->duration_s = lr->t_total_s;
	if (lr->qemu_argv) {
		/* "VAR=... /usr/bin/qemu-system-x86_64 -name ...": from the binary on */
		const char *bin = lr->emulator[0] ? strstr(lr->qemu_argv, lr->emulator) : NULL;

		res->cmdline = strdup(bin ? bin : lr->qemu_argv);
	}
	if (lr->started) {
		set_provenance(ctx->record, "pinning", pin_affinity_json(&lr->pinning));
		set_provenance(ctx->record, "libvirt", lv_result_json(lr));
	}
	if (rc && rc != 4)
		snprintf(res->error, sizeof(res->error), "%.500s", err);
	if (rc && rc != 4 && lr->started) {
		/* the domain ran but something broke (after_start, resume, connection):
		 * the run cannot be trusted */
		res->started = false;
	}
	lv_result_free(lr);
out:
	free(lr);
	free(plan);
	free(kernel);
	free(initrd);
	free(serial);
}

static const struct launcher_ops lv_launcher_ops = {
	.name = "libvirt",
	.launch = lv_run_launch,
};

/* The plugin's entry point: `run --launcher libvirt` finds it with dlsym. */
const struct launcher_ops *libvirt_launcher(void)
{
	return &lv_launcher_ops;
}
