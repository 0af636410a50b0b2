// SPDX-License-Identifier: MIT
/*
 * pin_run.c - pinning for `irqlbench run` with the direct launcher: the
 * run_pin_after_start() of host/run/qemu.h, called by both backends.
 *
 * It needs QEMU's QMP socket, which it finds on QEMU's command line
 * (/proc/PID/cmdline: -qmp unix:PATH,...).  The direct launcher should start
 * QEMU with `-S -qmp unix:DIR/qmp.sock,server=on,wait=off` (see
 * pin_qemu_args()): the guest then waits, paused, until every thread is
 * pinned and the affinity read back, and this hook continues it.  Without
 * -qmp the vCPU threads cannot be told apart: the run goes on unpinned and
 * provenance.pinning stays null (a note on stderr says so).
 *
 * The plan is made for this host with as many vCPUs as QEMU reports;
 * pin_run_set_cpus() (for `run --cpus LIST`) or $IRQLBENCH_PIN_CPUS
 * overrides the vCPU PUs (as `irqlbench pin --cpus`); IRQLBENCH_PIN=off
 * disables pinning (the affinity is still read back); so does --no-pin
 * (ctx->no_pin: the kvm backend starts QEMU paused all the same, for its
 * trace), which also leaves provenance.pinning null.  Right before `cont`
 * it calls ctx->before_cont, if set: the kvm backend starts tracing there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pin/plan.h"
#include "pin/pin_run.h"
#include "pin/qmp.h"
#include "run/qemu.h"

/* The QMP socket path from QEMU's command line, or NULL; sets *paused for -S. */
static char *qmp_path_of(pid_t pid, bool *paused)
{
	char path[64], buf[8192], *p, *end, *found = NULL;
	FILE *f;
	size_t n;

	*paused = false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	/* Right after posix_spawn() the new image may not have its argv set up
	 * yet (the parent wakes in the middle of execve): the cmdline reads empty. */
	for (int tries = 0;; tries++) {
		f = fopen(path, "r");
		if (!f)
			return NULL;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		if (n || tries >= 200)
			break;
		usleep(1000);
	}
	buf[n] = '\0';
	end = buf + n;
	for (p = buf; p < end; p += strlen(p) + 1) {
		if (!strcmp(p, "-S"))
			*paused = true;
		if (!strcmp(p, "-qmp") && p + strlen(p) + 1 < end) {
			char *a = p + strlen(p) + 1, *comma;

			if (strncmp(a, "unix:", 5))
				continue;
			free(found);
			found = strdup(a + 5);
			if (found && (comma = strchr(found, ',')))
				*comma = '\0';
		}
	}
	return found;
}

static const char *run_cpus;

void pin_run_set_cpus(const char *list)
{
	run_cpus = list;
}

const char *pin_run_cpus(void)
{
	return run_cpus ? run_cpus : getenv("IRQLBENCH_PIN_CPUS");
}

void pin_qemu_args(const char *dir, char *sock, size_t socklen, const char **argv_out)
{
	snprintf(sock, socklen, "unix:%s/qmp.sock,server=on,wait=off", dir);
	argv_out[0] = "-S";
	argv_out[1] = "-qmp";
	argv_out[2] = sock;
}

static int hook_fail(struct run_ctx *ctx, const char *msg)
{
	snprintf(ctx->hook_error, sizeof(ctx->hook_error), "pinning: %s", msg);
	return -1;
}

int run_pin_after_start(struct run_ctx *ctx, pid_t qemu_pid)
{
	const char *mode = getenv("IRQLBENCH_PIN");
	bool pin = !ctx->no_pin && !(mode && !strcmp(mode, "off")), paused;
	struct pin_affinity *aff = NULL;
	struct pin_plan *plan = NULL;
	struct qmp *q = NULL;
	pid_t tids[PIN_MAX_VCPUS];
	hwloc_topology_t topo;
	char err[MSG_ONE_PATH - sizeof("pinning: ")], why[256];
	char *sock;
	unsigned n;
	int rc = -1;

	/* libvirt pins through <cputune> and reads the pinning back itself */
	if (ctx->launcher && !strcmp(ctx->launcher->name, "libvirt"))
		return 0;
	sock = qmp_path_of(qemu_pid, &paused);
	if (!sock && qmp_process_exited(qemu_pid))
		return hook_fail(ctx, "QEMU exited before it could be pinned");	/* its exit says why */
	if (!sock) {
		fprintf(stderr, "irqlbench: note: QEMU runs without -qmp, so its vCPU threads cannot be pinned; provenance.pinning stays null\n");
		return 0;
	}
	q = malloc(sizeof(*q));
	aff = malloc(sizeof(*aff));
	plan = malloc(sizeof(*plan));
	if (!q || !aff || !plan) {
		hook_fail(ctx, "out of memory");
		goto out_free;
	}
	if (qmp_open(q, sock, qemu_pid, 10000, err, sizeof(err))) {
		hook_fail(ctx, err);
		goto out_free;
	}
	if (qmp_vcpu_tids(q, tids, PIN_MAX_VCPUS, &n, err, sizeof(err))) {
		hook_fail(ctx, err);
		goto out;
	}
	if (pin) {
		if (pin_load_topology(&topo, NULL, NULL, err, sizeof(err))) {
			hook_fail(ctx, err);
			goto out;
		}
		rc = pin_plan(topo, n, pin_run_cpus(), plan, err, sizeof(err));
		hwloc_topology_destroy(topo);
		if (rc || pin_qemu_threads(qemu_pid, tids, n, plan, err, sizeof(err))) {
			rc = hook_fail(ctx, err);
			goto out;
		}
		rc = -1;
	}
	if (pin_read_affinity(qemu_pid, tids, n, aff, err, sizeof(err))) {
		hook_fail(ctx, err);
		goto out;
	}
	if (pin && !pin_affinity_matches(plan, aff, why, sizeof(why))) {
		snprintf(err, sizeof(err), "the affinity read back differs from the plan: %s", why);
		hook_fail(ctx, err);
		goto out;
	}
	if (ctx->record && !ctx->no_pin)	/* --no-pin: provenance.pinning stays null */
		json_object_set_new(json_object_get(ctx->record, "provenance"), "pinning",
				    pin_affinity_json(aff));
	if (!paused)
		fprintf(stderr, "irqlbench: note: QEMU was not started with -S: the guest ran unpinned until now\n");
	/* e.g. the kvm backend's trace, sized for the CPUs just pinned */
	if (ctx->before_cont && ctx->before_cont(ctx, qemu_pid))
		goto out;	/* it said why in ctx->hook_error */
	if (qmp_call(q, "cont", NULL, NULL, 5000, err, sizeof(err))) {
		hook_fail(ctx, err);
		goto out;
	}
	rc = 0;
out:
	qmp_close(q);
out_free:
	free(q);
	free(aff);
	free(plan);
	free(sock);
	return rc;
}
