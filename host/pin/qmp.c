// SPDX-License-Identifier: MIT
/*
 * qmp.c - a small QMP client (one command at a time, line-delimited JSON)
 * and the thread pinning of a directly launched QEMU.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pin/qmp.h"
#include "cli/util.h"

/*
 * A child of ours that exited stays a zombie until it is reaped, and
 * kill(pid, 0) still finds it: ask waitid() without reaping.
 */
bool qmp_process_exited(pid_t pid)
{
	siginfo_t si = { 0 };

	if (!waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == pid)
		return true;
	return kill(pid, 0) && errno == ESRCH;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one line (without the newline) into a malloc'ed string. */
static char *qmp_read_line(struct qmp *q, long long deadline, char *err, size_t errlen)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
		long long left;
		ssize_t r;

		if (nl) {
			size_t n = (size_t)(nl - q->buf);
			char *line = malloc(n + 1);

			if (!line) {
				util_err(err, errlen, -1, "out of memory");
				return NULL;
			}
			memcpy(line, q->buf, n);
			line[n] = '\0';
			q->len -= n + 1;
			memmove(q->buf, nl + 1, q->len);
			return line;
		}
		if (q->len == sizeof(q->buf)) {
			util_err(err, errlen, -1, "QMP reply longer than %zu bytes", sizeof(q->buf));
			return NULL;
		}
		left = deadline - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			util_err(err, errlen, -1, "QMP: no reply from QEMU in time");
			return NULL;
		}
		r = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			util_err(err, errlen, -1, "QMP: QEMU closed the connection (did it exit?)");
			return NULL;
		}
		q->len += (size_t)r;
	}
}

static json_t *qmp_read_msg(struct qmp *q, long long deadline, char *err, size_t errlen)
{
	char *line = qmp_read_line(q, deadline, err, errlen);
	json_error_t je;
	json_t *j;

	if (!line)
		return NULL;
	j = json_loads(line, 0, &je);
	if (!j || !json_is_object(j)) {
		util_err(err, errlen, -1, "QMP: bad JSON from QEMU: %.80s", line);
		json_decref(j);
		j = NULL;
	}
	free(line);
	return j;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int qmp_call(struct qmp *q, const char *cmd, json_t *args, json_t **ret,
	     int timeout_ms, char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	json_t *req = json_pack("{s:s}", "execute", cmd);
	char *txt;
	int rc;

	if (ret)
		*ret = NULL;
	if (args)
		json_object_set(req, "arguments", args);
	txt = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!txt)
		return util_err(err, errlen, -1, "out of memory");
	rc = write_all(q->fd, txt, strlen(txt)) || write_all(q->fd, "\n", 1);
	free(txt);
	if (rc)
		return util_err(err, errlen, -1, "QMP: cannot send %s: %s", cmd, strerror(errno));
	for (;;) {
		json_t *m = qmp_read_msg(q, deadline, err, errlen), *e;

		if (!m)
			return -1;
		if (json_object_get(m, "event")) {
			json_decref(m);
			continue;
		}
		e = json_object_get(m, "error");
		if (e) {
			util_err(err, errlen, -1, "QMP %s failed: %s", cmd,
			      json_string_value(json_object_get(e, "desc")) ?: "(no description)");
			json_decref(m);
			return -1;
		}
		if (!json_object_get(m, "return")) {
			json_decref(m);
			continue;
		}
		if (ret)
			*ret = json_incref(json_object_get(m, "return"));
		json_decref(m);
		return 0;
	}
}

int qmp_open(struct qmp *q, const char *path, pid_t pid, int timeout_ms,
	     char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_t *greet;

	q->fd = -1;
	q->len = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return util_err(err, errlen, -1, "QMP socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0)
			return util_err(err, errlen, -1, "socket: %s", strerror(errno));
		if (!connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(q->fd);
		q->fd = -1;
		if (pid > 0 && qmp_process_exited(pid))
			return util_err(err, errlen, -1, "QEMU (pid %d) exited before its QMP socket %s was ready",
				     (int)pid, path);
		if (now_ms() >= deadline)
			return util_err(err, errlen, -1, "cannot connect to QEMU's QMP socket %s: %s",
				     path, strerror(errno));
		usleep(1000);	/* QEMU is still starting: poll finely, it is on the critical path */
	}
	greet = qmp_read_msg(q, deadline, err, errlen);
	if (!greet || !json_object_get(greet, "QMP")) {
		json_decref(greet);
		qmp_close(q);
		if (!greet)
			return -1;
		return util_err(err, errlen, -1, "QMP: %s did not greet like QEMU", path);
	}
	json_decref(greet);
	if (qmp_call(q, "qmp_capabilities", NULL, NULL, (int)(deadline - now_ms()) + 1, err, errlen)) {
		qmp_close(q);
		return -1;
	}
	return 0;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

int qmp_vcpu_tids(struct qmp *q, pid_t *tids, unsigned max, unsigned *n,
		  char *err, size_t errlen)
{
	json_t *r, *cpu;
	size_t i;
	unsigned count = 0;

	if (qmp_call(q, "query-cpus-fast", NULL, &r, 5000, err, errlen))
		return -1;
	if (!json_is_array(r) || json_array_size(r) == 0 || json_array_size(r) > max) {
		json_decref(r);
		return util_err(err, errlen, -1, "query-cpus-fast: expected 1 to %u vCPUs", max);
	}
	memset(tids, 0, sizeof(*tids) * max);
	json_array_foreach(r, i, cpu) {
		json_int_t idx = json_integer_value(json_object_get(cpu, "cpu-index"));
		json_int_t tid = json_integer_value(json_object_get(cpu, "thread-id"));

		if (idx < 0 || idx >= (json_int_t)max || tid <= 0 || tids[idx]) {
			json_decref(r);
			return util_err(err, errlen, -1, "query-cpus-fast: bad entry %zu (cpu-index %lld, thread-id %lld)",
				     i, (long long)idx, (long long)tid);
		}
		tids[idx] = (pid_t)tid;
		count++;
	}
	json_decref(r);
	for (i = 0; i < count; i++)
		if (!tids[i])
			return util_err(err, errlen, -1, "query-cpus-fast: cpu-index %zu missing", i);
	*n = count;
	return 0;
}

static bool is_vcpu(pid_t tid, const pid_t *vcpu_tids, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (vcpu_tids[i] == tid)
			return true;
	return false;
}

/* Calls fn for every thread of pid that is not a vCPU thread. */
static int for_each_other_thread(pid_t pid, const pid_t *vcpu_tids, unsigned n,
				 int (*fn)(pid_t tid, void *arg), void *arg,
				 char *err, size_t errlen)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return util_err(err, errlen, -1, "cannot list the threads of QEMU (pid %d): %s",
			     (int)pid, strerror(errno));
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);

		if (tid <= 0 || is_vcpu(tid, vcpu_tids, n))
			continue;
		rc = fn(tid, arg);
		if (rc) {
			util_err(err, errlen, -1, "thread %d of QEMU (pid %d): %s", (int)tid, (int)pid,
			      strerror(errno));
			break;
		}
	}
	closedir(d);
	return rc ? -1 : 0;
}

static int set_emu(pid_t tid, void *arg)
{
	/* a thread that ended meanwhile is no error */
	if (sched_setaffinity(tid, sizeof(cpu_set_t), arg) && errno != ESRCH)
		return -1;
	return 0;
}

int pin_qemu_threads(pid_t pid, const pid_t *vcpu_tids, unsigned nvcpus,
		     const struct pin_plan *plan, char *err, size_t errlen)
{
	unsigned i;

	if (nvcpus != plan->nvcpus)
		return util_err(err, errlen, -1, "QEMU has %u vCPUs but the plan is for %u", nvcpus, plan->nvcpus);
	for (i = 0; i < nvcpus; i++) {
		cpu_set_t s;

		CPU_ZERO(&s);
		CPU_SET(plan->vcpu_pu[i], &s);
		if (sched_setaffinity(vcpu_tids[i], sizeof(s), &s))
			return util_err(err, errlen, -1, "cannot pin vCPU %u (thread %d) to CPU %u: %s%s", i,
				     (int)vcpu_tids[i], plan->vcpu_pu[i], strerror(errno),
				     errno == EINVAL ? " (CPU outside this host or this cpuset)" : "");
	}
	return for_each_other_thread(pid, vcpu_tids, nvcpus, set_emu, (void *)&plan->emulator,
				     err, errlen);
}

struct emu_read {
	struct pin_affinity *aff;
	cpu_set_t first;
};

static int read_emu(pid_t tid, void *arg)
{
	struct emu_read *er = arg;
	cpu_set_t s;

	if (sched_getaffinity(tid, sizeof(s), &s))
		return errno == ESRCH ? 0 : -1;
	if (er->aff->n_emulator_threads == 0)
		er->first = s;
	else if (!CPU_EQUAL(&s, &er->first))
		er->aff->emulator_uniform = false;
	CPU_OR(&er->aff->emulator, &er->aff->emulator, &s);
	er->aff->n_emulator_threads++;
	return 0;
}

int pin_read_affinity(pid_t pid, const pid_t *vcpu_tids, unsigned nvcpus,
		      struct pin_affinity *aff, char *err, size_t errlen)
{
	struct emu_read er = { .aff = aff };
	unsigned i;

	memset(aff, 0, sizeof(*aff));
	if (nvcpus > PIN_MAX_VCPUS)
		return util_err(err, errlen, -1, "too many vCPUs (%u)", nvcpus);
	aff->nvcpus = nvcpus;
	aff->emulator_uniform = true;
	for (i = 0; i < nvcpus; i++) {
		aff->vcpu_tid[i] = vcpu_tids[i];
		if (sched_getaffinity(vcpu_tids[i], sizeof(cpu_set_t), &aff->vcpu[i]))
			return util_err(err, errlen, -1, "cannot read the affinity of vCPU %u (thread %d): %s",
				     i, (int)vcpu_tids[i], strerror(errno));
	}
	return for_each_other_thread(pid, vcpu_tids, nvcpus, read_emu, &er, err, errlen);
}

int pin_qemu(const char *qmp_path, pid_t pid, const struct pin_plan *plan,
	     struct pin_affinity *aff, int timeout_ms, char *err, size_t errlen)
{
	struct qmp *q = malloc(sizeof(*q));
	pid_t tids[PIN_MAX_VCPUS];
	unsigned n = 0;
	char why[256];
	int rc = -1;

	if (!q)
		return util_err(err, errlen, -1, "out of memory");
	if (qmp_open(q, qmp_path, pid, timeout_ms, err, errlen))
		goto out_free;
	if (qmp_vcpu_tids(q, tids, PIN_MAX_VCPUS, &n, err, errlen))
		goto out;
	if (plan && pin_qemu_threads(pid, tids, n, plan, err, errlen))
		goto out;
	if (pin_read_affinity(pid, tids, n, aff, err, errlen))
		goto out;
	if (plan && !pin_affinity_matches(plan, aff, why, sizeof(why))) {
		util_err(err, errlen, -1, "pinning read back differs from the plan: %s", why);
		goto out;
	}
	if (qmp_call(q, "cont", NULL, NULL, 5000, err, errlen))
		goto out;
	rc = 0;
out:
	qmp_close(q);
out_free:
	free(q);
	return rc;
}
