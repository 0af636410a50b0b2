// SPDX-License-Identifier: MIT
/*
 * The KVM exit collector (see kvmtrace.h): a private tracefs instance, the
 * kvm events, a reader thread that drains the per-CPU ring buffers with
 * tracefs_iterate_raw_events(), and the fold at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tracefs/tracefs.h>
#include <traceevent/event-parse.h>

#include "trace/kvmtrace.h"

#define MAX_LIVE	8

enum { F_EXIT_REASON, F_VCPU_ID, F_RW, F_PORT, F_SIZE, F_VAL, F_VECTOR, F_SOFT,
       F_REINJECTED, F_APICID, F_NFIELDS };

struct ev_desc {
	const char *name;
	enum kt_type type;
	int required;
	struct tep_event *ev;
	struct tep_format_field *f[F_NFIELDS];
};

struct kvmtrace {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct ev_desc ev[6];
	char dir[PATH_MAX];
	int slot;			/* in live_dirs[] */
	pid_t reaper;
	int reaper_fd;			/* write end; the reaper acts when it closes */
	pthread_t reader;
	int reader_running;
	volatile int stop;
	unsigned int poll_ms;
	struct kt_event *events;
	size_t nevents, cap;
	int oom;
	uint64_t missed;
};

/* --- removal on every exit path ------------------------------------------------ */

/* Instance dirs to rmdir from atexit/signal context (rmdir is async-signal-safe). */
static char live_dirs[MAX_LIVE][PATH_MAX];
static struct sigaction old_act[3];
static const int handled_sigs[3] = { SIGINT, SIGTERM, SIGHUP };
static int handlers_installed;

static void remove_live_dirs(void)
{
	int i;

	for (i = 0; i < MAX_LIVE; i++) {
		if (live_dirs[i][0] && (rmdir(live_dirs[i]) == 0 || errno == ENOENT))
			live_dirs[i][0] = '\0';
	}
}

static void on_fatal_signal(int sig)
{
	int i;

	remove_live_dirs();
	for (i = 0; i < 3; i++) {
		if (handled_sigs[i] != sig)
			continue;
		/* hand over to whoever was there before us, else die of it */
		if (old_act[i].sa_handler != SIG_DFL && old_act[i].sa_handler != SIG_IGN &&
		    !(old_act[i].sa_flags & SA_SIGINFO)) {
			old_act[i].sa_handler(sig);
			return;
		}
		if (old_act[i].sa_handler == SIG_IGN)
			return;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	struct sigaction sa;
	int i;

	if (handlers_installed)
		return;
	handlers_installed = 1;
	atexit(remove_live_dirs);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++) {
		sigaction(handled_sigs[i], NULL, &old_act[i]);
		/* an ignored signal stays ignored (e.g. SIGINT of a background job) */
		if (old_act[i].sa_handler != SIG_IGN)
			sigaction(handled_sigs[i], &sa, NULL);
	}
}

static int register_dir(const char *dir)
{
	int i;

	for (i = 0; i < MAX_LIVE; i++) {
		if (!live_dirs[i][0]) {
			snprintf(live_dirs[i], sizeof(live_dirs[i]), "%s", dir);
			return i;
		}
	}
	return -1;
}

/*
 * The reaper: a child that blocks on a pipe and removes the instance when
 * the pipe's write end closes, i.e. when this process is gone however it
 * died.  It ignores the terminal's signals (it must outlive its parent) and
 * keeps no other file open (it must not hold a pipe of ours open).
 */
static void start_reaper(struct kvmtrace *t)
{
	int p[2], i;
	pid_t pid;
	char c;

	t->reaper = -1;
	t->reaper_fd = -1;
	if (pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		for (i = 0; i < 3; i++)
			signal(handled_sigs[i], SIG_IGN);
		if (p[0] != 3) {
			dup2(p[0], 3);
		}
		i = open("/dev/null", O_RDWR);
		if (i >= 0) {
			dup2(i, 0);
			dup2(i, 1);
			dup2(i, 2);
		}
		close_range(4, ~0U, 0);
		while (read(3, &c, 1) < 0 && errno == EINTR)
			;
		for (i = 0; i < 50; i++) {
			if (rmdir(t->dir) == 0 || errno == ENOENT)
				break;
			usleep(100000);	/* the dying parent may still hold its files */
		}
		_exit(0);
	}
	close(p[0]);
	t->reaper = pid;
	t->reaper_fd = p[1];
}

static void stop_reaper(struct kvmtrace *t)
{
	if (t->reaper_fd >= 0)
		close(t->reaper_fd);
	if (t->reaper > 0)
		waitpid(t->reaper, NULL, 0);
	t->reaper_fd = -1;
	t->reaper = -1;
}

/* Instances named irqlbench-<pid> whose process is gone. */
static void remove_stale_instances(const char *tracing_dir)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/instances", tracing_dir);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		char *end;
		long pid;

		if (strncmp(d->d_name, "irqlbench-", 10))
			continue;
		pid = strtol(d->d_name + 10, &end, 10);
		if (pid <= 0 || (*end && *end != '-'))
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/instances/%s", tracing_dir, d->d_name);
		rmdir(path);
	}
	closedir(dir);
}

/* --- events ------------------------------------------------------------------------- */

static const char *const field_names[F_NFIELDS] = {
	[F_EXIT_REASON] = "exit_reason", [F_VCPU_ID] = "vcpu_id", [F_RW] = "rw",
	[F_PORT] = "port", [F_SIZE] = "size", [F_VAL] = "val", [F_VECTOR] = "vector",
	[F_SOFT] = "soft", [F_REINJECTED] = "reinjected", [F_APICID] = "apicid",
};

static void init_descs(struct kvmtrace *t, int with_entry)
{
	static const struct ev_desc d[6] = {
		{ "kvm_exit", KT_EXIT, 1, NULL, { NULL } },
		{ "kvm_entry", KT_ENTRY, 0, NULL, { NULL } },
		{ "kvm_pio", KT_PIO, 1, NULL, { NULL } },
		{ "kvm_inj_virq", KT_INJ_VIRQ, 1, NULL, { NULL } },
		{ "kvm_apic_accept_irq", KT_ACCEPT_IRQ, 1, NULL, { NULL } },
		{ "kvm_eoi", KT_EOI, 0, NULL, { NULL } },
	};

	memcpy(t->ev, d, sizeof(d));
	if (!with_entry)
		t->ev[1].name = NULL;
}

static int bind_fields(struct kvmtrace *t, char *err, size_t len)
{
	int i, k;

	for (i = 0; i < 6; i++) {
		struct ev_desc *d = &t->ev[i];

		if (!d->name)
			continue;
		d->ev = tep_find_event_by_name(t->tep, "kvm", d->name);
		if (!d->ev) {
			if (!d->required) {
				d->name = NULL;
				continue;
			}
			snprintf(err, len, "event kvm:%s has no format; is the kvm module loaded?",
				 d->name);
			return -1;
		}
		for (k = 0; k < F_NFIELDS; k++)
			d->f[k] = tep_find_field(d->ev, field_names[k]);
		/* kvm_inj_virq's field was "irq" before 6.1's "vector"; accept_irq says "vec" */
		if (!d->f[F_VECTOR])
			d->f[F_VECTOR] = tep_find_field(d->ev, d->type == KT_INJ_VIRQ ? "irq" : "vec");
	}
	if (!t->ev[0].f[F_EXIT_REASON] || !t->ev[0].f[F_VCPU_ID]) {
		snprintf(err, len, "kvm:kvm_exit lacks exit_reason/vcpu_id fields");
		return -1;
	}
	return 0;
}

static unsigned long long fval(struct tep_format_field *f, struct tep_record *r)
{
	unsigned long long v = 0;

	if (f)
		tep_read_number_field(f, r->data, &v);
	return v;
}

static int push_event(struct kvmtrace *t, const struct kt_event *e)
{
	if (t->nevents == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 65536;
		struct kt_event *n = realloc(t->events, cap * sizeof(*n));

		if (!n) {
			t->oom = 1;
			return -1;
		}
		t->events = n;
		t->cap = cap;
	}
	t->events[t->nevents++] = *e;
	return 0;
}

static int on_record(struct tep_event *event, struct tep_record *r, int cpu, void *ctx)
{
	struct kvmtrace *t = ctx;
	struct kt_event e;
	struct ev_desc *d = NULL;
	int i;

	(void)cpu;
	if (r->missed_events)
		t->missed += r->missed_events > 0 ? (uint64_t)r->missed_events : 1;
	for (i = 0; i < 6; i++) {
		if (t->ev[i].name && t->ev[i].ev == event) {
			d = &t->ev[i];
			break;
		}
	}
	if (!d)
		return 0;
	memset(&e, 0, sizeof(e));
	e.type = d->type;
	e.ts = r->ts;
	e.tid = tep_data_pid(t->tep, r);
	e.vcpu = -1;
	switch (d->type) {
	case KT_EXIT:
		e.exit_reason = (uint32_t)fval(d->f[F_EXIT_REASON], r);
		e.vcpu = (int)fval(d->f[F_VCPU_ID], r);
		break;
	case KT_ENTRY:
		e.vcpu = (int)fval(d->f[F_VCPU_ID], r);
		break;
	case KT_PIO:
		e.write = fval(d->f[F_RW], r) != 0;
		e.port = (uint32_t)fval(d->f[F_PORT], r);
		e.size = (uint32_t)fval(d->f[F_SIZE], r);
		e.val = (uint32_t)fval(d->f[F_VAL], r);
		break;
	case KT_INJ_VIRQ:
		e.vector = (uint32_t)fval(d->f[F_VECTOR], r);
		e.soft = fval(d->f[F_SOFT], r) != 0;
		e.reinjected = fval(d->f[F_REINJECTED], r) != 0;
		break;
	case KT_ACCEPT_IRQ:
	case KT_EOI:
		e.vector = (uint32_t)fval(d->f[F_VECTOR], r);
		e.apicid = (uint32_t)fval(d->f[F_APICID], r);
		break;
	}
	return push_event(t, &e) ? -1 : 0;
}

static void drain(struct kvmtrace *t)
{
	tracefs_iterate_raw_events(t->tep, t->inst, NULL, 0, on_record, t);
}

static void *reader_main(void *arg)
{
	struct kvmtrace *t = arg;
	struct timespec ts = { .tv_sec = t->poll_ms / 1000,
			       .tv_nsec = (long)(t->poll_ms % 1000) * 1000000L };

	while (!t->stop && !t->oom) {
		drain(t);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* --- API ----------------------------------------------------------------------------- */

int kvmtrace_available(char *why, size_t len)
{
	const char *dir = tracefs_tracing_dir();
	char path[PATH_MAX];

	if (!dir) {
		snprintf(why, len, "tracefs is not mounted and could not be mounted; "
			 "mount -t tracefs nodev /sys/kernel/tracing (as root)");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/events/kvm/kvm_exit", dir);
	if (access(path, F_OK)) {
		snprintf(why, len, "no kvm tracepoints in %s/events (kvm module not loaded?); "
			 "load kvm_amd", dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/instances", dir);
	if (access(path, W_OK)) {
		snprintf(why, len, "cannot create tracefs instances in %s (%s); run as root",
			 path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_pids(struct kvmtrace *t, const pid_t *tids, size_t n, int append)
{
	char *buf;
	size_t i, off = 0;
	int r;

	buf = malloc(n * 12 + 2);
	if (!buf)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(buf + off, "%d ", (int)tids[i]);
	r = append ? tracefs_instance_file_append(t->inst, "set_event_pid", buf)
		   : tracefs_instance_file_write(t->inst, "set_event_pid", buf);
	free(buf);
	return r < 0 ? -1 : 0;
}

int kvmtrace_add_tids(struct kvmtrace *t, const pid_t *tids, size_t n)
{
	return write_pids(t, tids, n, 1);
}

/* Threads of @pid from /proc/PID/task. */
static int process_tids(pid_t pid, pid_t **out, size_t *n)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	size_t cap = 16;
	pid_t *v = malloc(cap * sizeof(*v));

	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir || !v) {
		if (dir)
			closedir(dir);
		free(v);
		return -1;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		if (*n == cap) {
			pid_t *nv = realloc(v, 2 * cap * sizeof(*v));

			if (!nv)
				break;
			v = nv;
			cap *= 2;
		}
		v[(*n)++] = (pid_t)atoi(d->d_name);
	}
	closedir(dir);
	*out = v;
	return 0;
}

static int setup_filter(struct kvmtrace *t, const struct kvmtrace_opts *o, char *err,
			size_t len)
{
	pid_t *tids = NULL;
	size_t n = 0;
	int r;

	if (o->pid > 0) {
		if (process_tids(o->pid, &tids, &n) || n == 0) {
			snprintf(err, len, "cannot list the threads of process %d", (int)o->pid);
			free(tids);
			return -1;
		}
		/* threads QEMU creates later (vCPUs) are followed too */
		if (tracefs_option_enable(t->inst, TRACEFS_OPTION_EVENT_FORK)) {
			snprintf(err, len, "cannot enable the event-fork option of %s", t->dir);
			free(tids);
			return -1;
		}
		r = write_pids(t, tids, n, 0);
		free(tids);
	} else if (o->ntids) {
		r = write_pids(t, o->tids, o->ntids, 0);
	} else {
		snprintf(err, len, "no threads to trace: give vCPU thread ids or a process id");
		return -1;
	}
	if (r) {
		snprintf(err, len, "cannot write set_event_pid of %s", t->dir);
		return -1;
	}
	return 0;
}

static int enable_events(struct kvmtrace *t, char *err, size_t len)
{
	int i;

	for (i = 0; i < 6; i++) {
		if (!t->ev[i].name)
			continue;
		if (tracefs_event_enable(t->inst, "kvm", t->ev[i].name)) {
			if (!t->ev[i].required) {
				t->ev[i].name = NULL;
				continue;
			}
			snprintf(err, len, "cannot enable kvm:%s in %s", t->ev[i].name, t->dir);
			return -1;
		}
	}
	return 0;
}

struct kvmtrace *kvmtrace_start(const struct kvmtrace_opts *o, char *err, size_t len)
{
	static const char *const systems[] = { "kvm", NULL };
	static int seq;
	struct kvmtrace *t;
	char name[64], *dir;

	if (kvmtrace_available(err, len))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	t->slot = -1;
	t->reaper = -1;
	t->reaper_fd = -1;
	t->poll_ms = o->poll_ms ? o->poll_ms : 50;
	init_descs(t, !o->no_entry);
	install_handlers();
	remove_stale_instances(tracefs_tracing_dir());
	if (seq++ == 0)
		snprintf(name, sizeof(name), "irqlbench-%d", (int)getpid());
	else
		snprintf(name, sizeof(name), "irqlbench-%d-%d", (int)getpid(), seq);
	t->inst = tracefs_instance_create(name);
	if (!t->inst) {
		snprintf(err, len, "cannot create tracefs instance %s: %s", name, strerror(errno));
		goto fail;
	}
	dir = tracefs_instance_get_dir(t->inst);
	snprintf(t->dir, sizeof(t->dir), "%s", dir ? dir : name);
	free(dir);
	t->slot = register_dir(t->dir);
	start_reaper(t);

	/* start from a clean, stopped buffer with only our events */
	tracefs_trace_off(t->inst);
	tracefs_instance_set_buffer_size(t->inst, o->buffer_kb ? o->buffer_kb : 32768, -1);
	if (setup_filter(t, o, err, len) || enable_events(t, err, len))
		goto fail;
	t->tep = tracefs_local_events_system(NULL, systems);
	if (!t->tep) {
		snprintf(err, len, "cannot read the kvm event formats from tracefs");
		goto fail;
	}
	if (bind_fields(t, err, len))
		goto fail;
	if (tracefs_trace_on(t->inst)) {
		snprintf(err, len, "cannot turn tracing on in %s", t->dir);
		goto fail;
	}
	/*
	 * Threads the process created while we set up: event-fork follows new
	 * ones from the moment its pid was listed; list those before again.
	 */
	if (o->pid > 0) {
		pid_t *tids = NULL;
		size_t n = 0;

		if (process_tids(o->pid, &tids, &n) == 0 && n)
			kvmtrace_add_tids(t, tids, n);
		free(tids);
	}
	if (pthread_create(&t->reader, NULL, reader_main, t)) {
		snprintf(err, len, "cannot start the trace reader thread");
		goto fail;
	}
	t->reader_running = 1;
	return t;
fail:
	kvmtrace_close(t);
	return NULL;
}

int kvmtrace_stop(struct kvmtrace *t, struct kt_fold *fold, char *err, size_t len)
{
	size_t i;

	tracefs_trace_off(t->inst);
	if (t->reader_running) {
		t->stop = 1;
		tracefs_iterate_stop(t->inst);
		pthread_join(t->reader, NULL);
		t->reader_running = 0;
	}
	drain(t);
	if (t->oom) {
		snprintf(err, len, "out of memory holding %zu trace events", t->nevents);
		return -1;
	}
	kt_sort_events(t->events, t->nevents);
	for (i = 0; i < t->nevents; i++) {
		if (kt_fold_event(fold, &t->events[i])) {
			snprintf(err, len, "out of memory folding trace events");
			return -1;
		}
	}
	fold->missed += t->missed;
	free(t->events);
	t->events = NULL;
	t->nevents = t->cap = 0;
	return 0;
}

const char *kvmtrace_dir(const struct kvmtrace *t)
{
	return t->dir;
}

void kvmtrace_close(struct kvmtrace *t)
{
	if (!t)
		return;
	if (t->reader_running) {
		t->stop = 1;
		tracefs_iterate_stop(t->inst);
		pthread_join(t->reader, NULL);
	}
	if (t->inst) {
		tracefs_trace_off(t->inst);
		tracefs_instance_destroy(t->inst);
		tracefs_instance_free(t->inst);
	}
	if (t->slot >= 0)
		live_dirs[t->slot][0] = '\0';
	stop_reaper(t);
	if (t->tep)
		tep_free(t->tep);
	free(t->events);
	free(t);
}
