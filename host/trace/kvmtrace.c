// SPDX-License-Identifier: MIT
/*
 * The KVM exit collector (see kvmtrace.h): a private tracefs instance with
 * the "mono" clock, the kvm events, ring buffers sized for the CPUs the
 * traced threads may run on, and a reader thread that keeps each CPU's
 * trace_pipe_raw open, decodes its pages with kbuffer and folds the events
 * as it goes (kvm_merge.h); at the end, each CPU's stats say what was lost.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
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

#include <sched.h>
#include <sys/resource.h>

#include <tracefs/tracefs.h>
#include <traceevent/event-parse.h>
#include <traceevent/kbuffer.h>

#include "cli/util.h"
#include "trace/kvm_merge.h"
#include "trace/kvmtrace.h"

#define MAX_LIVE	8
#define DEFAULT_BUFFER_KB	32768
#define OTHER_BUFFER_KB		16	/* CPUs no traced thread may run on */
#define MIN_BUFFER_KB		1024	/* halving a refused size stops here */
#define TRACE_CLOCK		"mono"	/* CLOCK_MONOTONIC: one time base for all CPUs */
#define APICV_EVENT		"kvm_apicv_inhibit_changed"
#define APICV_WATCH_KB		64	/* a VM's creation changes its inhibits a few times */

enum { F_EXIT_REASON, F_VCPU_ID, F_RW, F_PORT, F_SIZE, F_VAL, F_VECTOR, F_SOFT,
       F_REINJECTED, F_APICID, F_DM, F_INTR_INFO, F_NFIELDS };

/* One CPU's trace_pipe_raw, open for the whole run. */
struct cpu_reader {
	int cpu;
	int fd;
	struct kbuffer *kbuf;
	unsigned long long last_ts;	/* of the latest event read */
};

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
	struct cpu_reader *rd;		/* rd[i] is info.cpus[i]'s reader */
	unsigned nrd;
	void *page;
	size_t page_size;
	size_t max_pages;		/* per CPU per poll, so that a busy CPU cannot starve the rest */
	unsigned long long window_ns;	/* the merge's reorder window */
	struct kt_merge merge;
	struct kt_fold fold;
	struct kt_trace_info info;
	int failed;			/* the reader stopped: info.error says why */
	struct apicv_agg {		/* kvm:kvm_apicv_inhibit_changed, aside from the fold */
		struct tep_event *ev;
		struct tep_format_field *inhibits;
		unsigned long long from_ns;	/* events before this are the watcher's */
		unsigned long long last_ts;
		struct kt_apicv a;
	} apicv;
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
	[F_DM] = "dm", [F_INTR_INFO] = "intr_info",
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

static unsigned long long fval(struct tep_format_field *f, void *data)
{
	unsigned long long v = 0;

	if (f)
		tep_read_number_field(f, data, &v);
	return v;
}

/*
 * An APICv inhibit change while the guest runs: it never goes into the
 * fold (no exit, no injection); what it says is summed here, in an order
 * that does not matter (the CPUs' buffers are read one after the other),
 * but for the latest bitmap, which goes by the timestamp.
 */
static void apicv_note(struct kvmtrace *t, struct tep_record *r)
{
	struct apicv_agg *g = &t->apicv;
	unsigned long long v = fval(g->inhibits, r->data);

	if (r->ts < g->from_ns)
		return;		/* before the guest ran: the watcher's */
	g->a.events++;
	g->a.clear_events += v == 0;
	g->a.seen |= v;
	if (r->ts >= g->last_ts) {
		g->last_ts = r->ts;
		g->a.at_end = v;
	}
}

/* One raw event into a kt_event; 0 when it is none of ours. */
static int decode(struct kvmtrace *t, struct tep_record *r, struct kt_event *e)
{
	struct ev_desc *d = NULL;
	int i, id = tep_data_type(t->tep, r);

	if (t->apicv.ev && t->apicv.ev->id == id) {
		apicv_note(t, r);
		return 0;
	}
	for (i = 0; i < 6; i++) {
		if (t->ev[i].name && t->ev[i].ev && t->ev[i].ev->id == id) {
			d = &t->ev[i];
			break;
		}
	}
	if (!d)
		return 0;
	memset(e, 0, sizeof(*e));
	e->type = (uint8_t)d->type;
	e->ts = r->ts;
	e->tid = tep_data_pid(t->tep, r);
	e->vcpu = -1;
	switch (d->type) {
	case KT_EXIT:
		e->exit_reason = (uint32_t)fval(d->f[F_EXIT_REASON], r->data);
		e->vcpu = (int)fval(d->f[F_VCPU_ID], r->data);
		e->intr_info = (uint32_t)fval(d->f[F_INTR_INFO], r->data);
		break;
	case KT_ENTRY:
		e->vcpu = (int)fval(d->f[F_VCPU_ID], r->data);
		break;
	case KT_PIO:
		e->write = fval(d->f[F_RW], r->data) != 0;
		e->port = (uint32_t)fval(d->f[F_PORT], r->data);
		e->size = (uint8_t)fval(d->f[F_SIZE], r->data);
		e->val = (uint32_t)fval(d->f[F_VAL], r->data);
		break;
	case KT_INJ_VIRQ:
		e->vector = (uint32_t)fval(d->f[F_VECTOR], r->data);
		e->soft = fval(d->f[F_SOFT], r->data) != 0;
		/* 5.15-5.18 have no such field: the fold tells re-injections itself */
		e->reinjected = d->f[F_REINJECTED] ? fval(d->f[F_REINJECTED], r->data) != 0 : -1;
		break;
	case KT_ACCEPT_IRQ:
		e->dm = (uint16_t)fval(d->f[F_DM], r->data);
		/* fall through */
	case KT_EOI:
		e->vector = (uint32_t)fval(d->f[F_VECTOR], r->data);
		e->apicid = (uint32_t)fval(d->f[F_APICID], r->data);
		break;
	}
	return 1;
}

static void reader_failed(struct kvmtrace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reader_failed(struct kvmtrace *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return;
	t->failed = 1;
	va_start(ap, fmt);
	vsnprintf(t->info.error, sizeof(t->info.error), fmt, ap);
	va_end(ap);
}

/* The events of one page read from CPU i's trace_pipe_raw, into the merge. */
static int decode_page(struct kvmtrace *t, unsigned i)
{
	struct cpu_reader *rd = &t->rd[i];
	struct kt_trace_cpu *ci = &t->info.cpus[i];
	unsigned long long ts;
	struct kt_event e;
	void *data;
	int missed;

	if (kbuffer_load_subbuffer(rd->kbuf, t->page) < 0) {
		reader_failed(t, "a page of CPU %d's trace_pipe_raw does not decode", rd->cpu);
		return -1;
	}
	/* the kernel flags the first page read after a loss (rb_get_reader_page) */
	missed = kbuffer_missed_events(rd->kbuf);
	if (missed > 0)
		ci->missed += (uint64_t)missed;
	else if (missed < 0)
		ci->missed_pages++;
	while ((data = kbuffer_read_event(rd->kbuf, &ts))) {
		struct tep_record r = { .ts = ts, .data = data, .cpu = rd->cpu,
					.size = kbuffer_event_size(rd->kbuf) };

		if (decode(t, &r, &e)) {
			ci->events++;
			if (ts > rd->last_ts)
				rd->last_ts = ts;
			if (kt_merge_push(&t->merge, i, &e)) {
				reader_failed(t, "out of memory queueing trace events");
				return -1;
			}
		}
		kbuffer_next_event(rd->kbuf, NULL);
	}
	return 0;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* the "mono" trace clock */
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/*
 * Read every CPU's buffer as far as it goes now and fold what is older
 * than every CPU's watermark; @final (tracing is off): everything.
 */
static void poll_once(struct kvmtrace *t, int final)
{
	unsigned i;

	for (i = 0; i < t->nrd && !t->failed; i++) {
		struct cpu_reader *rd = &t->rd[i];
		unsigned long long t0 = now_ns();
		size_t pages = 0;
		int full = 0;

		for (;;) {
			ssize_t n;

			if (!final && pages >= t->max_pages) {
				full = 1;
				break;
			}
			n = read(rd->fd, t->page, t->page_size);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN)
				reader_failed(t, "cannot read CPU %d's trace_pipe_raw: %s", rd->cpu,
					      strerror(errno));
			if (n <= 0)
				break;
			pages++;
			if (decode_page(t, i))
				break;
		}
		/*
		 * Everything this CPU wrote before t0 was read, except events
		 * reserved before t0 and committed after: the window.  Stopped
		 * early, only what was read is known.
		 */
		if (full)
			kt_merge_watermark(&t->merge, i, rd->last_ts);
		else if (t0 > t->window_ns)
			kt_merge_watermark(&t->merge, i, t0 - t->window_ns);
	}
	if (!t->failed && kt_merge_fold(&t->merge, &t->fold, final))
		reader_failed(t, "out of memory folding trace events");
}

static void *reader_main(void *arg)
{
	struct kvmtrace *t = arg;
	struct timespec ts = { .tv_sec = t->poll_ms / 1000,
			       .tv_nsec = (long)(t->poll_ms % 1000) * 1000000L };

	while (!t->stop && !t->failed) {
		poll_once(t, 0);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* --- API ----------------------------------------------------------------------------- */

/*
 * The lockdown mode the kernel shows in brackets, or "" when it cannot be
 * read (no securityfs, or a kernel without lockdown).
 */
static void lockdown_mode(char *mode, size_t len)
{
	char buf[128] = "", *open_b, *close_b;
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");

	mode[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && (open_b = strchr(buf, '[')) &&
	    (close_b = strchr(open_b, ']')))
		snprintf(mode, len, "%.*s", (int)(close_b - open_b - 1), open_b + 1);
	fclose(f);
}

int kvmtrace_check(char *why, size_t len)
{
	const char *dir;
	char path[PATH_MAX], mode[32];

	/* confidentiality closes tracefs (LOCKDOWN_TRACEFS); integrity does not */
	lockdown_mode(mode, sizeof(mode));
	if (!strcmp(mode, "confidentiality"))
		return util_err(why, len, -1, "the kernel is locked down ([confidentiality] in /sys/kernel/security/lockdown), which closes tracefs to the kvm exit trace: boot it with lockdown=integrity or lockdown=none on its command line");
	dir = tracefs_tracing_dir();	/* mounts tracefs where it is not */
	if (!dir)
		return util_err(why, len, -1, "tracefs is not mounted and %s: %s",
				geteuid() ? "this user cannot mount it" : "cannot be mounted",
				geteuid() ? "run as root (the kvm exit trace needs tracefs)" :
				"mount it with 'mount -t tracefs nodev /sys/kernel/tracing'");
	snprintf(path, sizeof(path), "%s/instances", dir);
	if (access(path, W_OK))
		return util_err(why, len, -1, "cannot create tracefs instances in %s (%s): run as root (the kvm exit trace needs a tracefs instance of its own; the kvm group gives /dev/kvm, not tracefs)",
				path, strerror(errno));
	snprintf(path, sizeof(path), "%s/events/kvm/kvm_exit", dir);
	if (!access("/sys/module/kvm", F_OK) && access(path, F_OK))
		return util_err(why, len, -1, "the kvm module is loaded but tracefs has no kvm events (no %s): use a kernel whose kvm has its tracepoints (CONFIG_TRACEPOINTS, as Debian's has)",
				path);
	return 0;
}

int kvmtrace_available(char *why, size_t len)
{
	char path[PATH_MAX];

	if (kvmtrace_check(why, len))
		return -1;
	snprintf(path, sizeof(path), "%s/events/kvm/kvm_exit", tracefs_tracing_dir());
	if (access(path, F_OK))
		return util_err(why, len, -1, "no kvm tracepoints in %s/events (kvm module not loaded?): load kvm_amd",
				tracefs_tracing_dir());
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

/*
 * The numbers N of the entries named PREFIX<N> in folder @path (the
 * threads in /proc/PID/task, the CPUs in per_cpu/cpuN), sorted.  0, or -1
 * when the folder cannot be read.
 */
static int numbered_entries(const char *path, const char *prefix, int **out, size_t *n)
{
	size_t cap = 16, plen = strlen(prefix);
	int *v = malloc(cap * sizeof(*v));
	struct dirent *d;
	DIR *dir = opendir(path);

	*n = 0;
	if (!dir || !v) {
		if (dir)
			closedir(dir);
		free(v);
		return -1;
	}
	while ((d = readdir(dir))) {
		char *end;
		long x;

		if (strncmp(d->d_name, prefix, plen) || d->d_name[plen] < '0' ||
		    d->d_name[plen] > '9')
			continue;
		x = strtol(d->d_name + plen, &end, 10);
		if (*end || x < 0 || x > INT_MAX)
			continue;
		if (*n == cap) {
			int *nv = realloc(v, 2 * cap * sizeof(*v));

			if (!nv)
				break;
			v = nv;
			cap *= 2;
		}
		v[(*n)++] = (int)x;
	}
	closedir(dir);
	for (size_t a = 1; a < *n; a++)	/* a few hundred at most: insertion sort */
		for (size_t b = a; b > 0 && v[b - 1] > v[b]; b--) {
			int t = v[b];

			v[b] = v[b - 1];
			v[b - 1] = t;
		}
	*out = v;
	return 0;
}

/* Threads of @pid from /proc/PID/task. */
static int process_tids(pid_t pid, pid_t **out, size_t *n)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	return numbered_entries(path, "", out, n);
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

/* --- buffers, clock, readers --------------------------------------------------------- */

/* The instance's CPUs: the per_cpu/cpuN folders (the possible CPUs), sorted. */
static int list_cpus(struct kvmtrace *t, int **cpus, unsigned *n)
{
	char path[PATH_MAX + 16];
	size_t k = 0;

	snprintf(path, sizeof(path), "%s/per_cpu", t->dir);
	if (numbered_entries(path, "cpu", cpus, &k))
		return -1;
	*n = (unsigned)k;
	return k ? 0 : -1;
}

/*
 * The CPUs the traced threads may run on: the union of their affinity
 * masks (read after pinning, these are the vCPU and emulator CPUs).  A
 * thread that moves elsewhere later still lands in a small buffer whose
 * loss the stats report.  NULL when nothing could be read: every CPU.
 */
static cpu_set_t *traced_cpus(const struct kvmtrace_opts *o, int maxcpu, size_t *size)
{
	cpu_set_t *u, *one;
	pid_t *tids = NULL;
	size_t n = 0, i, got = 0;

	*size = CPU_ALLOC_SIZE(maxcpu + 1);
	u = CPU_ALLOC(maxcpu + 1);
	one = CPU_ALLOC(maxcpu + 1);
	if (!u || !one)
		goto none;
	CPU_ZERO_S(*size, u);
	if (o->pid > 0) {
		if (process_tids(o->pid, &tids, &n))
			goto none;
	} else {
		tids = malloc((o->ntids ? o->ntids : 1) * sizeof(*tids));
		if (!tids)
			goto none;
		memcpy(tids, o->tids, o->ntids * sizeof(*tids));
		n = o->ntids;
	}
	for (i = 0; i < n; i++) {
		if (sched_getaffinity(tids[i], *size, one))
			continue;	/* a thread that is gone */
		CPU_OR_S(*size, u, u, one);
		got++;
	}
	free(tids);
	CPU_FREE(one);
	if (!got || !CPU_COUNT_S(*size, u)) {
		CPU_FREE(u);
		return NULL;
	}
	return u;
none:
	free(tids);
	if (one)
		CPU_FREE(one);
	if (u)
		CPU_FREE(u);
	return NULL;
}

/*
 * The largest size up to @kb, halving down to MIN_BUFFER_KB (or @kb when it
 * is smaller), that the kernel accepts for @cpu (-1: all).  -1: none.
 */
static long set_size(struct kvmtrace *t, long kb, int cpu)
{
	long min = kb < MIN_BUFFER_KB ? kb : MIN_BUFFER_KB;

	for (; kb >= min; kb /= 2)
		if (tracefs_instance_set_buffer_size(t->inst, (size_t)kb, cpu) == 0)
			return kb;
	return -1;
}

/*
 * Ring buffers: the asked size on the CPUs the traced threads may run on,
 * OTHER_BUFFER_KB elsewhere (a new instance starts with the kernel's
 * default, ~1.4 MiB, on every possible CPU).  The kernel refuses a size
 * above the memory available: the size is halved until it is accepted, and
 * what was set is read back per CPU for provenance.trace.
 */
static int size_buffers(struct kvmtrace *t, const struct kvmtrace_opts *o, char *err, size_t len)
{
	long want = o->buffer_kb ? (long)o->buffer_kb : DEFAULT_BUFFER_KB;
	int maxcpu = t->info.cpus[t->info.ncpus - 1].cpu;
	size_t setsize;
	cpu_set_t *set = traced_cpus(o, maxcpu, &setsize);
	unsigned i, nset = 0;

	t->info.buffer_kb = want;
	t->info.other_buffer_kb = OTHER_BUFFER_KB;
	for (i = 0; i < t->info.ncpus; i++) {
		t->info.cpus[i].vcpu_cpu = !set || CPU_ISSET_S(t->info.cpus[i].cpu, setsize, set);
		nset += t->info.cpus[i].vcpu_cpu;
	}
	if (set)
		CPU_FREE(set);
	if (nset == t->info.ncpus || want <= OTHER_BUFFER_KB) {
		if (set_size(t, want, -1) < 0) {
			snprintf(err, len, "cannot size the trace buffers of %s: %s; free memory or give a smaller --trace-buffer",
				 t->dir, strerror(errno));
			return -1;
		}
	} else {
		if (tracefs_instance_set_buffer_size(t->inst, OTHER_BUFFER_KB, -1))
			fprintf(stderr, "irqlbench: note: cannot shrink the trace buffers of %s to %d KiB: %s\n",
				t->dir, OTHER_BUFFER_KB, strerror(errno));
		for (i = 0; i < t->info.ncpus; i++)
			if (t->info.cpus[i].vcpu_cpu && set_size(t, want, t->info.cpus[i].cpu) < 0) {
				snprintf(err, len, "cannot size CPU %d's trace buffer in %s: %s; free memory or give a smaller --trace-buffer",
					 t->info.cpus[i].cpu, t->dir, strerror(errno));
				return -1;
			}
	}
	for (i = 0; i < t->info.ncpus; i++) {
		ssize_t kb = tracefs_instance_get_buffer_size(t->inst, t->info.cpus[i].cpu);

		t->info.cpus[i].buffer_kb = kb < 0 ? -1 : (long)kb;
		if (t->info.cpus[i].vcpu_cpu && kb >= 0 && kb < want)
			fprintf(stderr, "irqlbench: note: CPU %d's trace buffer is %zd KiB, not %ld: the kernel refused more (memory)\n",
				t->info.cpus[i].cpu, kb, want);
	}
	return 0;
}

/* A clock that all CPUs share: the merge compares timestamps across CPUs. */
static int set_clock(struct kvmtrace *t, char *err, size_t len)
{
	char *clock;

	tracefs_instance_file_write(t->inst, "trace_clock", TRACE_CLOCK);
	clock = tracefs_get_clock(t->inst);
	if (!clock || strcmp(clock, TRACE_CLOCK)) {
		snprintf(err, len, "cannot set the '%s' trace clock in %s (it is '%s'); use a kernel of 4.1 or later, which has it",
			 TRACE_CLOCK, t->dir, clock ? clock : "unknown");
		free(clock);
		return -1;
	}
	snprintf(t->info.clock, sizeof(t->info.clock), "%s", clock);
	free(clock);
	return 0;
}

/* Enough descriptors for one trace_pipe_raw per CPU. */
static void raise_nofile(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need + 64)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need + 64 ? need + 64 : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int open_readers(struct kvmtrace *t, char *err, size_t len)
{
	unsigned i;

	raise_nofile(t->info.ncpus);
	t->page_size = (size_t)getpagesize();
	t->page = calloc(1, t->page_size);
	t->rd = calloc(t->info.ncpus, sizeof(*t->rd));
	if (!t->page || !t->rd || kt_merge_init(&t->merge, t->info.ncpus)) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (i = 0; i < t->info.ncpus; i++) {
		struct cpu_reader *rd = &t->rd[i];
		char path[64];

		rd->fd = -1;
		rd->cpu = t->info.cpus[i].cpu;
		snprintf(path, sizeof(path), "per_cpu/cpu%d/trace_pipe_raw", rd->cpu);
		rd->fd = tracefs_instance_file_open(t->inst, path, O_RDONLY | O_NONBLOCK);
		/* the page header's commit field is a long of the running kernel */
		rd->kbuf = kbuffer_alloc(KBUFFER_LSIZE_SAME_AS_HOST, KBUFFER_ENDIAN_SAME_AS_HOST);
		if (rd->fd < 0 || !rd->kbuf) {
			snprintf(err, len, "cannot open %s/%s: %s", t->dir, path,
				 rd->fd < 0 ? strerror(errno) : "out of memory");
			t->nrd = i + 1;
			return -1;
		}
	}
	t->nrd = t->info.ncpus;
	return 0;
}

static void read_stats(struct kvmtrace *t)
{
	unsigned i;

	for (i = 0; i < t->info.ncpus; i++) {
		struct kt_trace_cpu *c = &t->info.cpus[i];
		char path[64], *text;

		snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", c->cpu);
		text = tracefs_instance_file_read(t->inst, path, NULL);
		c->have_stats = text && kt_parse_cpu_stats(text, &c->st) == 0;
		/* printable ASCII or nothing: JSON strings must be UTF-8 */
		for (size_t k = 0; text && text[k] && k + 1 < sizeof(c->stats_text); k++)
			c->stats_text[k] = (text[k] >= 0x20 && text[k] < 0x7f) || text[k] == '\n' ?
					   text[k] : '?';
		free(text);
	}
}

/* --- API ------------------------------------------------------------------------------- */

/*
 * A new, stopped instance irqlbench-<pid>[-<seq>|-<tag>], removed on every
 * exit path (see the top of this file); NULL with err.
 */
static struct kvmtrace *new_instance(const char *tag, char *err, size_t len)
{
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
	kt_fold_init(&t->fold);
	install_handlers();
	remove_stale_instances(tracefs_tracing_dir());
	if (tag)
		snprintf(name, sizeof(name), "irqlbench-%d-%s", (int)getpid(), tag);
	else if (seq++ == 0)
		snprintf(name, sizeof(name), "irqlbench-%d", (int)getpid());
	else
		snprintf(name, sizeof(name), "irqlbench-%d-%d", (int)getpid(), seq);
	t->inst = tracefs_instance_create(name);
	if (!t->inst) {
		snprintf(err, len, "cannot create tracefs instance %s: %s", name, strerror(errno));
		kvmtrace_close(t);
		return NULL;
	}
	dir = tracefs_instance_get_dir(t->inst);
	snprintf(t->dir, sizeof(t->dir), "%s", dir ? dir : name);
	free(dir);
	t->slot = register_dir(t->dir);
	start_reaper(t);
	/* start from a clean, stopped buffer with only our events */
	tracefs_trace_off(t->inst);
	return t;
}

/*
 * A tep of just the kvm events named (NULL names skipped): their formats
 * read from tracefs (events/kvm/NAME/format) and parsed.  What
 * tracefs_local_events_system() would give for them, without what it
 * loads besides: every other kvm event, /proc/kallsyms, saved_cmdlines and
 * the printk formats, none of which the fold uses, and which cost 0.8 s of
 * every run in a TCG-emulated lab L1 (provenance.timing).  NULL when none
 * of them parses.
 */
static struct tep_handle *kvm_events_tep(const char *const *names, size_t n)
{
	enum tep_endian e = tep_is_bigendian() ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN;
	struct tep_handle *tep = tep_alloc();
	unsigned parsed = 0;

	if (!tep)
		return NULL;
	tep_set_file_bigendian(tep, e);
	tep_set_local_bigendian(tep, e);
	tep_set_long_size(tep, (int)sizeof(long));
	tep_set_page_size(tep, getpagesize());
	for (size_t i = 0; i < n; i++) {
		char path[128], *buf;
		int size = 0;

		if (!names[i])
			continue;
		snprintf(path, sizeof(path), "events/kvm/%s/format", names[i]);
		buf = tracefs_instance_file_read(NULL, path, &size);
		if (buf && size > 0 && tep_parse_event(tep, buf, (unsigned long)size, "kvm") == 0)
			parsed++;
		free(buf);
	}
	if (!parsed) {
		tep_free(tep);
		return NULL;
	}
	return tep;
}

struct kvmtrace *kvmtrace_start(const struct kvmtrace_opts *o, char *err, size_t len)
{
	const char *names[7];
	struct kvmtrace *t = new_instance(NULL, err, len);
	int *cpus = NULL;
	unsigned ncpus = 0, i;

	if (!t)
		return NULL;
	t->poll_ms = o->poll_ms ? o->poll_ms : 50;
	/* a writer held up longer than this (a preempted vCPU of a nested L1) is "late" */
	t->info.reorder_ms = 4 * t->poll_ms > 200 ? 4 * t->poll_ms : 200;
	t->window_ns = (unsigned long long)t->info.reorder_ms * 1000000ull;
	init_descs(t, !o->no_entry);
	if (list_cpus(t, &cpus, &ncpus)) {
		snprintf(err, len, "cannot list the CPUs of %s/per_cpu", t->dir);
		goto fail;
	}
	t->info.cpus = calloc(ncpus, sizeof(*t->info.cpus));
	if (!t->info.cpus) {
		snprintf(err, len, "out of memory");
		goto fail;
	}
	t->info.ncpus = ncpus;
	for (i = 0; i < ncpus; i++)
		t->info.cpus[i].cpu = cpus[i];
	if (set_clock(t, err, len) || size_buffers(t, o, err, len))
		goto fail;
	/* a full buffer's worth per CPU and poll at most */
	t->max_pages = ((size_t)(t->info.buffer_kb > 0 ? t->info.buffer_kb : 1) * 1024) / (size_t)getpagesize() + 1;
	if (setup_filter(t, o, err, len) || enable_events(t, err, len))
		goto fail;
	for (i = 0; i < 6; i++)
		names[i] = t->ev[i].name;
	names[6] = APICV_EVENT;
	t->tep = kvm_events_tep(names, 7);
	if (!t->tep) {
		snprintf(err, len, "cannot read the kvm event formats from tracefs");
		goto fail;
	}
	if (bind_fields(t, err, len) || open_readers(t, err, len))
		goto fail;
	/* APICv inhibit changes, where the kernel has them (5.18 and later) */
	if (!tracefs_event_enable(t->inst, "kvm", APICV_EVENT)) {
		t->apicv.ev = tep_find_event_by_name(t->tep, "kvm", APICV_EVENT);
		t->apicv.inhibits = t->apicv.ev ? tep_find_field(t->apicv.ev, "inhibits") : NULL;
		if (!t->apicv.inhibits)
			t->apicv.ev = NULL;
	}
	if (tracefs_trace_on(t->inst)) {
		snprintf(err, len, "cannot turn tracing on in %s", t->dir);
		goto fail;
	}
	t->apicv.from_ns = now_ns();	/* what came before is the watcher's */
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
	free(cpus);
	return t;
fail:
	free(cpus);
	kvmtrace_close(t);
	return NULL;
}

/* --- APICv/AVIC: the inhibits of the VM from its creation on ---------------------- */

struct kvmtrace *kvmtrace_apicv_watch(char *err, size_t len)
{
	struct kvmtrace *t = new_instance("apicv", err, len);
	char pid[24];

	if (!t)
		return NULL;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	/* the VM is created before anyone knows QEMU's pid: follow this
	 * process's children from now on (event-fork) */
	if (set_clock(t, err, len) ||
	    tracefs_instance_set_buffer_size(t->inst, APICV_WATCH_KB, -1) ||
	    tracefs_option_enable(t->inst, TRACEFS_OPTION_EVENT_FORK) ||
	    tracefs_instance_file_write(t->inst, "set_event_pid", pid) < 0) {
		if (!*err)
			snprintf(err, len, "cannot set up tracefs instance %s: %s", t->dir, strerror(errno));
		goto fail;
	}
	if (tracefs_event_enable(t->inst, "kvm", APICV_EVENT)) {
		snprintf(err, len, "this kernel has no kvm:%s tracepoint (Linux 5.18 added it)",
			 APICV_EVENT);
		goto fail;
	}
	if (tracefs_trace_on(t->inst)) {
		snprintf(err, len, "cannot turn tracing on in %s", t->dir);
		goto fail;
	}
	return t;
fail:
	kvmtrace_close(t);
	return NULL;
}

struct apicv_before {
	struct tep_event *ev;
	struct tep_format_field *inhibits;
	unsigned long long before_ns, last_ts;
	unsigned long last;
	unsigned n;
};

static int apicv_before_event(struct tep_event *ev, struct tep_record *r, int cpu, void *arg)
{
	struct apicv_before *b = arg;

	(void)cpu;
	if (ev->id != b->ev->id || r->ts >= b->before_ns)
		return 0;
	if (!b->n++ || r->ts >= b->last_ts) {
		b->last_ts = r->ts;
		b->last = (unsigned long)fval(b->inhibits, r->data);
	}
	return 0;
}

void kvmtrace_apicv_handover(struct kvmtrace *watch, struct kvmtrace *t)
{
	static const char *const names[] = { APICV_EVENT };
	struct apicv_before b = { .before_ns = t->apicv.from_ns };
	struct tep_handle *tep;

	if (!watch)
		return;
	tracefs_trace_off(watch->inst);
	tep = kvm_events_tep(names, 1);
	b.ev = tep ? tep_find_event_by_name(tep, "kvm", APICV_EVENT) : NULL;
	b.inhibits = b.ev ? tep_find_field(b.ev, "inhibits") : NULL;
	if (b.inhibits)
		tracefs_iterate_raw_events(tep, watch->inst, NULL, 0, apicv_before_event, &b);
	t->apicv.a.known_start = b.n > 0;
	t->apicv.a.at_start = b.last;
	if (tep)
		tep_free(tep);
	kvmtrace_close(watch);
}

void kvmtrace_apicv_result(const struct kvmtrace *t, struct kt_apicv *a)
{
	*a = t->apicv.a;
	a->traced = t->apicv.ev != NULL;
}

int kvmtrace_stop(struct kvmtrace *t, struct kt_fold *fold, struct kt_trace_info *info,
		  char *err, size_t len)
{
	unsigned i;

	tracefs_trace_off(t->inst);
	if (t->reader_running) {
		t->stop = 1;
		pthread_join(t->reader, NULL);
		t->reader_running = 0;
	}
	if (!t->failed)
		poll_once(t, 1);	/* the rest, partial pages included */
	read_stats(t);
	t->info.late = t->merge.late;
	t->info.events = t->merge.folded;
	t->info.peak_held = t->merge.peak;
	t->fold.missed = 0;
	for (i = 0; i < t->info.ncpus; i++)
		t->fold.missed += t->info.cpus[i].missed + t->info.cpus[i].missed_pages;
	/* the caller's fold and info take over the collector's */
	kt_fold_free(fold);
	*fold = t->fold;
	kt_fold_init(&t->fold);
	*info = t->info;
	memset(&t->info, 0, sizeof(t->info));
	if (t->failed) {
		snprintf(err, len, "%s", info->error);
		return -1;
	}
	return 0;
}

const char *kvmtrace_dir(const struct kvmtrace *t)
{
	return t->dir;
}

void kvmtrace_close(struct kvmtrace *t)
{
	unsigned i;

	if (!t)
		return;
	if (t->reader_running) {
		t->stop = 1;
		pthread_join(t->reader, NULL);
	}
	for (i = 0; i < t->nrd; i++) {
		if (t->rd[i].fd >= 0)
			close(t->rd[i].fd);
		if (t->rd[i].kbuf)
			kbuffer_free(t->rd[i].kbuf);
	}
	free(t->rd);
	free(t->page);
	kt_merge_free(&t->merge);
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
	kt_fold_free(&t->fold);
	kt_trace_info_free(&t->info);
	free(t);
}
