// SPDX-License-Identifier: MIT
/*
 * irqlbench-kvmtrace: the KVM exit collector as a standalone tool, for the
 * lab's self-test and for debugging.  Prints the fold as JSON on stdout
 * (kvm_fold_json.h) and one summary line per phase on stderr.
 *
 *   irqlbench-kvmtrace [--no-entry] [--buffer-kb KB] -- COMMAND [ARGS...]
 *   irqlbench-kvmtrace [--no-entry] [--buffer-kb KB] --pid PID [--seconds S]
 *   irqlbench-kvmtrace [--no-entry] [--buffer-kb KB] --tids T1,T2,... [--seconds S]
 *
 * The JSON is kt_fold_json()'s plus "trace" (provenance.trace: buffers,
 * clock, loss).  A lossy trace is said on stderr; the status stays 0.
 *
 * Exit: 0 traced (COMMAND's own status is in the JSON), 2 usage,
 * 3 no tracefs/kvm events, 1 tracing failed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "trace/kvm_fold_json.h"
#include "trace/kvmtrace.h"
#include "trace/svm_exits.h"

static void usage(void)
{
	fprintf(stderr, "usage: irqlbench-kvmtrace [--no-entry] [--buffer-kb KB] "
		"[--pid PID | --tids T1,T2,...] [--seconds S] [-- COMMAND [ARGS...]]\n");
	exit(2);
}

static size_t parse_tids(const char *s, pid_t *out, size_t max)
{
	size_t n = 0;
	char *end;

	while (*s && n < max) {
		long v = strtol(s, &end, 10);

		if (end == s || v <= 0)
			usage();
		out[n++] = (pid_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			usage();
	}
	return n;
}

static void summary(struct kt_fold *f)
{
	size_t i;

	kt_fold_sort(f);
	for (i = 0; i < f->ncells; i++) {
		const struct kt_cell *c = &f->cells[i];

		fprintf(stderr, "kvmtrace: phase %u vcpu %u: exits %llu write_cr8 %llu "
			"held-back %llu immediate %llu late %llu\n", c->phase, c->vcpu,
			(unsigned long long)c->exits_total,
			(unsigned long long)c->exits[kt_exit_slot(SVM_EXIT_WRITE_CR8)],
			(unsigned long long)c->unmasking_writes,
			(unsigned long long)c->immediate, (unsigned long long)c->late);
	}
	fprintf(stderr, "kvmtrace: %llu events, %llu markers, %llu missed\n",
		(unsigned long long)f->events, (unsigned long long)f->markers,
		(unsigned long long)f->missed);
}

/* Fork COMMAND held on a pipe until the trace is set up, so that nothing is lost. */
static pid_t spawn_held(char **argv, int *go_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		close(p[0]);
		execvp(argv[0], argv);
		fprintf(stderr, "irqlbench-kvmtrace: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go_fd = p[1];
	return pid;
}

static int wait_for(pid_t pid, int child, double seconds)
{
	struct timespec tick = { 0, 50 * 1000000L };
	double waited = 0;
	int status = 0;

	for (;;) {
		if (child) {
			pid_t r = waitpid(pid, &status, WNOHANG);

			if (r == pid)
				return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		} else if (pid > 0 && kill(pid, 0) && errno == ESRCH) {
			return 0;
		}
		if (seconds > 0 && waited >= seconds)
			return 0;
		nanosleep(&tick, NULL);
		waited += 0.05;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "tids", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "no-entry", no_argument, NULL, 'n' },
		{ "buffer-kb", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvmtrace_opts o = { 0 };
	pid_t tids[256], child = -1;
	double seconds = 0;
	struct kvmtrace *t;
	struct kt_fold fold;
	struct kt_trace_info info;
	struct kt_trace_loss loss;
	char err[512];
	int c, go_fd = -1, status = 0;
	json_t *j;

	while ((c = getopt_long(argc, argv, "+p:t:s:nb:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o.pid = (pid_t)atoi(optarg); break;
		case 't': o.ntids = parse_tids(optarg, tids, 256); o.tids = tids; break;
		case 's': seconds = atof(optarg); break;
		case 'n': o.no_entry = 1; break;
		case 'b': o.buffer_kb = (size_t)strtoul(optarg, NULL, 10); if (!o.buffer_kb) usage(); break;
		default: usage();
		}
	}
	if ((optind < argc) + (o.pid > 0) + (o.ntids > 0) != 1)
		usage();
	if (kvmtrace_available(err, sizeof(err))) {
		fprintf(stderr, "irqlbench-kvmtrace: error: %s\n", err);
		return 3;
	}
	if (optind < argc) {
		child = spawn_held(argv + optind, &go_fd);
		if (child < 0) {
			fprintf(stderr, "irqlbench-kvmtrace: error: cannot fork: %s\n", strerror(errno));
			return 1;
		}
		o.pid = child;
	}
	t = kvmtrace_start(&o, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "irqlbench-kvmtrace: error: %s\n", err);
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		return 1;
	}
	if (child > 0) {
		if (write(go_fd, "g", 1) != 1)
			kill(child, SIGKILL);
		close(go_fd);
		status = wait_for(child, 1, 0);
	} else {
		status = wait_for(o.pid, 0, seconds);
	}
	kt_fold_init(&fold);
	if (kvmtrace_stop(t, &fold, &info, err, sizeof(err))) {
		fprintf(stderr, "irqlbench-kvmtrace: error: %s\n", err);
		kvmtrace_close(t);
		kt_fold_free(&fold);
		kt_trace_info_free(&info);
		return 1;
	}
	kvmtrace_close(t);
	/* no guest report here: the markers' cpu fields name the CPUs */
	if (kt_fold_map(&fold, NULL, 0, err, sizeof(err)))
		fprintf(stderr, "irqlbench-kvmtrace: warning: %s\n", err);
	summary(&fold);
	if (kt_trace_lossy(&info, &loss)) {
		kt_trace_loss_message(&info, &loss, err, sizeof(err));
		fprintf(stderr, "irqlbench-kvmtrace: warning: %s\n", err);
	}
	j = kt_fold_json(&fold);
	json_object_set_new(j, "trace", kt_trace_info_json(&info, true));
	kt_trace_info_free(&info);
	if (child > 0)
		json_object_set_new(j, "command_status", json_integer(status));
	json_dumpf(j, stdout, JSON_INDENT(1) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(j);
	kt_fold_free(&fold);
	return 0;
}
