// SPDX-License-Identifier: MIT
/*
 * test_pin_qmp.c - pinning a real QEMU (TCG, started with -S) through QMP on
 * this machine: the affinity read back from the kernel equals the plan, the
 * guest then runs to its isa-debug-exit, and bad plans give clear errors.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pin/plan.h"
#include "pin/qmp.h"

static const char *build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && *b ? b : "build";
}

static char kernel[512], tmpdir[256];

static pid_t start_qemu(unsigned smp, const char *sock, const char *serial)
{
	char smparg[16], qmparg[300], serarg[300];
	pid_t pid;

	snprintf(smparg, sizeof(smparg), "%u", smp);
	snprintf(qmparg, sizeof(qmparg), "unix:%s,server=on,wait=off", sock);
	snprintf(serarg, sizeof(serarg), "file:%s", serial);
	unlink(sock);
	pid = fork();
	if (pid == 0) {
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-accel", "tcg", "-S",
		       "-qmp", qmparg, "-smp", smparg, "-m", "32", "-nographic", "-nodefaults",
		       "-no-reboot", "-kernel", kernel, "-serial", serarg,
		       "-device", "isa-debug-exit,iobase=0xf4,iosize=4", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Waits for QEMU to end (killing it after 10 s); returns its exit status. */
static int reap(pid_t pid)
{
	int st, i;

	for (i = 0; i < 1000; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static bool file_has(const char *path, const char *needle)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, needle) != NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One QEMU with smp vCPUs pinned by plan: read back, JSON, run to the end. */
static void run_pinned(hwloc_topology_t topo, unsigned smp, const char *cpus, const char *want_json)
{
	struct pin_plan plan;
	struct pin_affinity aff;
	char err[512], sock[300], serial[300], *txt;
	double t0;
	pid_t pid;
	json_t *j;
	int rc;

	CHECK(pin_plan(topo, smp, cpus, &plan, err, sizeof(err)) == 0);
	snprintf(sock, sizeof(sock), "%s/qmp-%u.sock", tmpdir, smp);
	snprintf(serial, sizeof(serial), "%s/serial-%u.log", tmpdir, smp);
	t0 = now_s();
	pid = start_qemu(smp, sock, serial);
	rc = pin_qemu(sock, pid, &plan, &aff, 10000, err, sizeof(err));
	if (rc)
		printf("pin_qemu: %s\n", err);
	CHECK(rc == 0);
	CHECK(pin_affinity_matches(&plan, &aff, err, sizeof(err)));
	CHECK_EQ_U64(aff.nvcpus, smp);
	CHECK(aff.n_emulator_threads >= 1);
	CHECK(aff.emulator_uniform);
	j = pin_affinity_json(&aff);
	txt = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (want_json)
		CHECK_STR(txt, want_json);
	printf("smp=%u cpus=%s: read back %s, %u emulator threads (pinned in %.3f s)\n", smp,
	       cpus ? cpus : "(planned)", txt, aff.n_emulator_threads, now_s() - t0);
	free(txt);
	json_decref(j);
	/* the guest ran after `cont`: isa-debug-exit code 0 is QEMU status 1 */
	CHECK_EQ_U64(reap(pid), 1);
	CHECK(file_has(serial, "@@ end lines=2 fnv1a=0e602f6a"));
	printf("smp=%u: guest ran to its exit in %.3f s after launch\n", smp, now_s() - t0);
	unlink(serial);
}

static void bad_plans(hwloc_topology_t topo)
{
	struct pin_plan plan;
	struct pin_affinity aff;
	char err[512], sock[300], serial[300];
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/qmp-bad.sock", tmpdir);
	snprintf(serial, sizeof(serial), "%s/serial-bad.log", tmpdir);

	/* a plan for 1 vCPU against a QEMU with 2 */
	CHECK(pin_plan(topo, 1, NULL, &plan, err, sizeof(err)) == 0);
	pid = start_qemu(2, sock, serial);
	CHECK(pin_qemu(sock, pid, &plan, &aff, 10000, err, sizeof(err)) == -1);
	CHECK_STR(err, "QEMU has 2 vCPUs but the plan is for 1");
	kill(pid, SIGTERM);
	reap(pid);

	/* a CPU this host does not have (a plan made for another machine) */
	CHECK(pin_plan(topo, 1, NULL, &plan, err, sizeof(err)) == 0);
	plan.vcpu_pu[0] = 1000;
	pid = start_qemu(1, sock, serial);
	CHECK(pin_qemu(sock, pid, &plan, &aff, 10000, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot pin vCPU 0") && strstr(err, "to CPU 1000") &&
	      strstr(err, "CPU outside this host"));
	printf("error: %s\n", err);
	kill(pid, SIGTERM);
	reap(pid);

	/* no QEMU behind the socket */
	CHECK(pin_qemu(sock, 0, &plan, &aff, 200, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot connect to QEMU's QMP socket") != NULL);
	unlink(serial);
}

int main(void)
{
	hwloc_topology_t topo;
	char err[256];
	int ncpu;

	snprintf(kernel, sizeof(kernel), "%s/fixtures/mbexit.elf", build_dir());
	if (access(kernel, R_OK)) {
		printf("SKIP: %s not built (make unit-tests builds it)\n", kernel);
		return 77;
	}
	if (system("command -v qemu-system-x86_64 >/dev/null 2>&1")) {
		printf("SKIP: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)\n");
		return 77;
	}
	if (pin_load_topology(&topo, NULL, NULL, err, sizeof(err))) {
		printf("%s\n", err);
		return 1;
	}
	ncpu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/irqlbench-test-pin-qmp.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	if (ncpu == 2) {
		/* this machine: exact plans */
		run_pinned(topo, 1, NULL, "{\"vcpu\":[[1]],\"emulator\":[0]}");
		run_pinned(topo, 2, NULL, "{\"vcpu\":[[1],[0]],\"emulator\":[0]}");
		run_pinned(topo, 2, "0,1", "{\"vcpu\":[[0],[1]],\"emulator\":[0]}");
	} else {
		printf("note: %d cores here, the exact-plan cases assume 2; checking plan == read-back only\n", ncpu);
		run_pinned(topo, 1, NULL, NULL);
	}
	bad_plans(topo);
	hwloc_topology_destroy(topo);
	/* QEMU leaves its QMP sockets behind */
	{
		static const char *const names[] = { "qmp-1.sock", "qmp-2.sock", "qmp-bad.sock" };
		char p[400];

		for (unsigned i = 0; i < 3; i++) {
			snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
			unlink(p);
		}
	}
	if (rmdir(tmpdir))
		printf("note: %s not removed: %s\n", tmpdir, strerror(errno));
	return check_done("test_pin_qmp");
}
