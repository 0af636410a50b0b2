// SPDX-License-Identifier: MIT
/*
 * qemu.c - the QEMU probe and the direct launcher (see qemu.h).
 *
 * The probe runs `qemu-system-x86_64 --version` once per binary and keeps
 * the answer in a small cache keyed by the binary's path, mtime and size:
 * repeated runs start QEMU once, for the guest (kvm-unit-tests' launcher
 * probes QEMU several times per test, which costs more than the test).
 *
 * The direct launcher starts QEMU as a child that dies with irqlbench
 * (util_spawn_tied: even a SIGKILLed irqlbench leaves no QEMU behind), the
 * serial port in a file and QEMU's own output in another, and waits on a
 * pidfd with the timeout.  While the run catches the stop signals
 * (run_signals_catch: SIGHUP, SIGINT, SIGQUIT, SIGTERM), one of them stops
 * QEMU and the launch returns, so that the caller's after_exit hooks
 * (tracefs instances), its cleanup and its failed record still happen.
 */
#include "run/qemu.h"
#include "record/serial.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- the probe ---------------------------------------------------------- */

static char *cache_path(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		return xasprintf("%s/irqlbench/qemu-probe.json", xdg);
	if (home && *home)
		return xasprintf("%s/.cache/irqlbench/qemu-probe.json", home);
	return NULL;
}

static json_t *cache_key(const char *path, const struct stat *st)
{
	return json_pack("{s:s, s:I, s:I, s:I}", "path", path,
			 "mtime_s", (json_int_t)st->st_mtim.tv_sec,
			 "mtime_ns", (json_int_t)st->st_mtim.tv_nsec,
			 "size", (json_int_t)st->st_size);
}

/* The cache entry of this binary if its key still matches (a new
 * reference), else NULL. */
static json_t *cache_entry(const char *cpath, const json_t *key)
{
	json_t *cache = cpath ? json_load_file(cpath, 0, NULL) : NULL;
	json_t *e = json_object_get(cache, json_string_value(json_object_get(key, "path")));

	if (e && json_equal(json_object_get(e, "key"), key))
		json_incref(e);
	else
		e = NULL;
	json_decref(cache);
	return e;
}

static char *cache_lookup(const char *cpath, const json_t *key)
{
	json_t *e = cache_entry(cpath, key);
	char *version = NULL;

	if (json_is_string(json_object_get(e, "version")))
		version = xstrdup(json_string_value(json_object_get(e, "version")));
	json_decref(e);
	return version;
}

/* Sets one fact of the binary's entry (a new entry if its key changed),
 * stealing val.  Best effort: a cache that cannot be written costs one
 * probe per run. */
static void cache_set(const char *cpath, json_t *key, const char *field, json_t *val)
{
	json_t *cache, *e;
	char *dir, *text;

	if (!cpath) {
		json_decref(val);
		return;
	}
	cache = json_load_file(cpath, 0, NULL);
	if (!json_is_object(cache)) {
		json_decref(cache);
		cache = json_object();
	}
	e = json_object_get(cache, json_string_value(json_object_get(key, "path")));
	if (!json_is_object(e) || !json_equal(json_object_get(e, "key"), key)) {
		e = json_pack("{s:O}", "key", key);
		json_object_set_new(cache, json_string_value(json_object_get(key, "path")), e);
	}
	json_object_set_new(e, field, val);
	dir = util_dirname(cpath);
	text = json_dumps(cache, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (text && !util_mkdir_p(dir))
		util_write_atomic(cpath, text, strlen(text));
	free(text);
	free(dir);
	json_decref(cache);
}

/* Runs `qemu --version`; returns what follows "QEMU emulator version ". */
static char *run_version(const char *path, char **err)
{
	char *argv[] = { (char *)path, (char *)"--version", NULL };
	char *joined = util_shell_join(argv), *line = NULL, *version = NULL;
	char *cmd = xasprintf("%s 2>&1 </dev/null", joined);
	size_t cap = 0;
	FILE *f;

	free(joined);
	f = popen(cmd, "r");
	if (f && getline(&line, &cap, f) > 0) {
		const char *tag = "QEMU emulator version ";
		char *at = strstr(line, tag);

		line[strcspn(line, "\n")] = 0;
		if (at)
			version = xstrdup(at + strlen(tag));
		else
			*err = xasprintf("%s --version printed '%.200s', not a QEMU version: give the QEMU binary with --qemu PATH",
					 path, line);
	} else {
		*err = xasprintf("%s --version printed nothing: check the binary, or give another with --qemu PATH",
				 path);
	}
	if (f)
		pclose(f);
	free(line);
	free(cmd);
	return version;
}

int qemu_probe(const char *binary, struct qemu_info *qi, char **err)
{
	const char *name = binary ? binary : QEMU_DEFAULT_BINARY;
	char *cpath;
	struct stat st;
	json_t *key;

	memset(qi, 0, sizeof(*qi));
	qi->path = util_find_in_path(name);
	if (!qi->path) {
		if (binary)
			*err = xasprintf("QEMU binary '%s' not found or not executable: give the path of qemu-system-x86_64 with --qemu PATH",
					 binary);
		else
			*err = xasprintf("%s not found in PATH: install the Debian package %s (apt-get install %s, or run 'make deps')",
					 QEMU_DEFAULT_BINARY, QEMU_DEBIAN_PACKAGE, QEMU_DEBIAN_PACKAGE);
		return -1;
	}
	if (stat(qi->path, &st)) {
		*err = xasprintf("cannot stat %s: %s: give another QEMU with --qemu PATH", qi->path,
				 strerror(errno));
		return -1;
	}
	cpath = cache_path();
	key = cache_key(qi->path, &st);
	qi->version = cache_lookup(cpath, key);
	qi->cached = qi->version != NULL;
	if (!qi->version) {
		qi->version = run_version(qi->path, err);
		if (qi->version)
			cache_set(cpath, key, "version", json_string(qi->version));
	}
	json_decref(key);
	free(cpath);
	return qi->version ? 0 : -1;
}

/* The names of `qemu -cpu help` ("x86 NAME  description" lines); NULL
 * if it lists none. */
static json_t *probe_cpu_models(const char *path)
{
	char *argv[] = { (char *)path, (char *)"-cpu", (char *)"help", NULL };
	char *joined = util_shell_join(argv), *line = NULL;
	char *cmd = xasprintf("%s 2>/dev/null </dev/null", joined);
	json_t *names = json_array();
	size_t cap = 0;
	FILE *f = popen(cmd, "r");

	while (f && getline(&line, &cap, f) > 0) {
		char *name = line + 4;

		if (strncmp(line, "x86 ", 4))
			continue;
		name[strcspn(name, " \t\n")] = 0;
		if (*name)
			json_array_append_new(names, json_string(name));
	}
	if (f)
		pclose(f);
	free(line);
	free(cmd);
	free(joined);
	if (!json_array_size(names)) {
		json_decref(names);
		return NULL;
	}
	return names;
}

int qemu_cpu_model_known(const struct qemu_info *qi, const char *model)
{
	size_t n = strcspn(model, ","), i;
	char *cpath;
	json_t *key, *e, *names, *name;
	struct stat st;
	int known = -1;

	if (stat(qi->path, &st))
		return -1;
	cpath = cache_path();
	key = cache_key(qi->path, &st);
	e = cache_entry(cpath, key);
	names = json_incref(json_object_get(e, "cpu_models"));
	if (!json_is_array(names)) {
		json_decref(names);
		names = probe_cpu_models(qi->path);
		if (names)
			cache_set(cpath, key, "cpu_models", json_incref(names));
	}
	json_array_foreach(names, i, name) {
		known = 0;
		if (strlen(json_string_value(name)) == n &&
		    !strncmp(json_string_value(name), model, n)) {
			known = 1;
			break;
		}
	}
	json_decref(names);
	json_decref(e);
	json_decref(key);
	free(cpath);
	return known;
}

void qemu_info_free(struct qemu_info *qi)
{
	free(qi->path);
	free(qi->version);
	qi->path = qi->version = NULL;
}

/* --- stop signals ---------------------------------------------------------- */

static const int stop_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))
static struct sigaction stop_old[NSTOP];
static bool stop_caught[NSTOP];
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
}

void run_signals_catch(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	for (unsigned i = 0; i < NSTOP; i++) {
		sigaction(stop_signals[i], NULL, &stop_old[i]);
		/* ignored (nohup, a background job of a script): stays ignored,
		 * and QEMU inherits that */
		stop_caught[i] = stop_old[i].sa_handler != SIG_IGN;
		if (stop_caught[i])
			sigaction(stop_signals[i], &sa, NULL);
	}
}

void run_signals_release(void)
{
	for (unsigned i = 0; i < NSTOP; i++)
		if (stop_caught[i])
			sigaction(stop_signals[i], &stop_old[i], NULL);
	memset(stop_caught, 0, sizeof(stop_caught));
}

int run_signals_pending(void)
{
	return stop_signal;
}

/* --- the direct launcher ------------------------------------------------ */

/* QEMU option values are comma-separated lists: a ',' in a path is ",,". */
static char *qemu_escape(const char *s)
{
	char *out = xmalloc(2 * strlen(s) + 1), *o = out;

	for (; *s; s++) {
		*o++ = *s;
		if (*s == ',')
			*o++ = ',';
	}
	*o = 0;
	return out;
}

static void build_argv(const struct launch_spec *spec, struct argv_buf *a)
{
	char *serial = qemu_escape(spec->serial_log);

	argv_add(a, spec->qemu);
	argv_add(a, "-machine");
	argv_add(a, "pc");
	argv_add(a, "-accel");
	argv_add(a, spec->accel);
	argv_add(a, "-cpu");
	argv_add(a, spec->cpu);
	argv_add(a, "-smp");
	argv_addf(a, "%u", spec->vcpus);
	argv_add(a, "-m");
	argv_addf(a, "%u", spec->mem_mb);
	argv_add(a, "-nographic");
	argv_add(a, "-no-reboot");
	argv_add(a, "-nodefaults");
	if (spec->bios) {
		argv_add(a, "-bios");
		argv_add(a, spec->bios);
	}
	argv_add(a, "-chardev");
	argv_addf(a, "file,id=serial0,path=%s", serial);
	argv_add(a, "-serial");
	argv_add(a, "chardev:serial0");
	argv_add(a, "-device");
	argv_add(a, "isa-debug-exit,iobase=0xf4,iosize=4");
	argv_add(a, "-kernel");
	argv_add(a, spec->kernel);
	argv_add(a, "-append");
	argv_add(a, spec->append);
	if (spec->initrd) {
		argv_add(a, "-initrd");
		argv_add(a, spec->initrd);
	}
	for (unsigned i = 0; i < spec->extra.n; i++)
		argv_add(a, spec->extra.v[i]);
	free(serial);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for pid until deadline (monotonic).  Returns 1 if it exited, 0 at
 * the deadline, -1 when a stop signal came. */
static int wait_exit(int pidfd, double deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		double left = deadline - mono_now();
		int r;

		if (stop_signal)
			return -1;
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;	/* cannot wait: let waitpid block */
	}
}

/* The jobs that reported so far: the serial log's "@@ end" lines. */
static unsigned reports_in(const char *serial_log)
{
	size_t len = 0;
	char *log = util_read_file(serial_log, SERIAL_MAX_LOG, &len);
	unsigned n = log ? serial_reports(log, len) : 0;

	free(log);
	return n;
}

/*
 * wait_exit() for a boot of spec->jobs jobs: each job has spec->timeout_s
 * from the previous one's report (the serial log is looked at twice a
 * second), so that a job that hangs is killed SEC after the one before it
 * ended, not N x SEC after the start.
 */
static int wait_jobs(int pidfd, double t0, const struct launch_spec *spec)
{
	double deadline = t0 + spec->timeout_s;
	unsigned seen = 0;

	for (;;) {
		double now = mono_now(), until = deadline < now + 0.5 ? deadline : now + 0.5;
		int w = wait_exit(pidfd, until);
		unsigned n;

		if (w != 0 || mono_now() >= deadline)
			return w;
		n = reports_in(spec->serial_log);
		if (n > seen) {
			seen = n;
			deadline = mono_now() + spec->timeout_s;
		}
	}
}

static void kill_and_reap(pid_t pid, int pidfd, int *wstatus)
{
	kill(pid, SIGTERM);
	/* QEMU exits on SIGTERM at once; a stuck one gets SIGKILL */
	if (wait_exit(pidfd, mono_now() + 2.0) != 1)
		kill(pid, SIGKILL);
	while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
		;
}

/*
 * The child has exec'ed when util_spawn_tied() returns, but the kernel may
 * not have set up the new program's arguments yet: wait until
 * /proc/PID/cmdline shows them, so that the hooks see QEMU (pinning reads
 * its -qmp socket from there).
 */
static void wait_exec(pid_t pid, int pidfd)
{
	char path[64], c;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	for (unsigned i = 0; i < 1000; i++) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, &c, 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n != 0)
			return;		/* arguments there, or the process is gone */
		if (pidfd >= 0 && poll(&pfd, 1, 1) > 0)
			return;		/* it exited already (a zombie has no cmdline) */
	}
}

/*
 * A hook failed.  If QEMU exited by itself meanwhile (it refused its
 * arguments, and the hook only saw its QMP socket close), that exit is the
 * news, not the hook's error: returns true with QEMU reaped.
 */
static bool qemu_exited_first(pid_t pid, int pidfd, int *wstatus)
{
	if (pidfd < 0 || wait_exit(pidfd, mono_now() + 0.5) != 1)
		return false;
	while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
		;
	return true;
}

static void direct_launch(struct run_ctx *ctx, const struct launch_spec *spec,
			  struct launch_result *res)
{
	struct argv_buf a = { 0 };
	char *head;
	double t0;
	pid_t pid;
	int pidfd, wstatus = 0, w;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	build_argv(spec, &a);
	res->cmdline = util_shell_join(a.v);

	/* QEMU's own log starts with its exact command line */
	head = xasprintf("# %s\n", res->cmdline);
	w = util_write_atomic(spec->qemu_log, head, strlen(head));
	free(head);
	if (w) {
		snprintf(res->error, sizeof(res->error), "cannot write %s: %s", spec->qemu_log,
			 strerror(errno));
		goto out;
	}
	/* a stale serial log must never be read as this run's */
	if (unlink(spec->serial_log) && errno != ENOENT) {
		snprintf(res->error, sizeof(res->error), "cannot replace %s: %s", spec->serial_log,
			 strerror(errno));
		goto out;
	}
	if (stop_signal) {
		res->interrupted = stop_signal;	/* before QEMU started */
		goto out;
	}
	t0 = mono_now();
	pid = util_spawn_tied(a.v, spec->qemu_log);
	if (pid < 0) {
		snprintf(res->error, sizeof(res->error), "cannot start %s: %s", a.v[0], strerror(errno));
		goto out;
	}
	res->started = true;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	wait_exec(pid, pidfd);
	if (ctx->backend->after_start && ctx->backend->after_start(ctx, pid)) {
		if (qemu_exited_first(pid, pidfd, &wstatus))
			goto exited;
		kill_and_reap(pid, pidfd, &wstatus);
		snprintf(res->error, sizeof(res->error), "%s", ctx->hook_error);
		res->started = false;
		goto close;
	}
	res->ready_s = mono_now() - t0;
	w = pidfd < 0 ? 1 : spec->jobs > 1 ? wait_jobs(pidfd, t0, spec) :
	    wait_exit(pidfd, t0 + spec->timeout_s);
	if (w == 1) {
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
	} else {
		res->timed_out = w == 0;
		res->interrupted = w < 0 ? stop_signal : 0;
		kill_and_reap(pid, pidfd, &wstatus);
	}
exited:
	res->duration_s = mono_now() - t0;
	if (WIFEXITED(wstatus) && !res->timed_out && !res->interrupted)
		res->status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		res->signal = WTERMSIG(wstatus);
close:
	if (pidfd >= 0)
		close(pidfd);
out:
	argv_free(&a);
}

const struct launcher_ops direct_launcher = {
	.name = "direct",
	.launch = direct_launch,
};
