// SPDX-License-Identifier: MIT
/*
 * trace_fold_bench - memory and time of folding a large kvm trace, two ways:
 *
 *   hold    what the collector did before host/trace/kvm_merge.c: keep every
 *           event (an array grown by doubling), sort it by time (a merge
 *           sort with a second array, as the per-CPU reads leave it out of
 *           order), then fold;
 *   stream  what it does now: per-CPU queues, folded up to the watermarks
 *           after every poll, so that only a reorder window is held.
 *
 * The synthetic trace: 4 vCPUs on 4 CPUs moving to the next CPU every
 * 100000 events, each running the fixed kernel's DPC sequence (exit,
 * acceptance, entry, write_cr8 exit, injection, entry), 2 million events per
 * second of trace time (a busy real host), read in 50 ms polls with a
 * 200 ms window.  The events are today's struct kt_event (48 bytes; the old
 * collector's was 56, so "hold" understates what it used).
 *
 * Each mode runs in a child process; its peak RSS above the child's start
 * (getrusage ru_maxrss) and its time are printed as `bench:` lines for
 * tests/bench.sh, with the memory ratio and its target (>= 10).
 *
 * usage: trace-fold-bench [EVENTS]   (default 5000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trace/kvm_fold.h"
#include "trace/kvm_merge.h"

#define NCPU		4
#define NS_PER_EVENT	500ull			/* 2e6 events/s */
#define POLL_NS		50000000ull
#define WINDOW_NS	200000000ull
#define MOVE_EVERY	100000ull

enum { NPF = 0x400, WCR8 = 0x018 };

static void gen(unsigned long long i, struct kt_event *e, unsigned *cpu)
{
	unsigned v = (unsigned)(i % NCPU);
	unsigned long long k = i / NCPU;	/* the vCPU's k-th event */

	memset(e, 0, sizeof(*e));
	e->ts = i * NS_PER_EVENT;
	e->tid = 1000 + (int)v;
	e->vcpu = -1;
	switch (k % 6) {
	case 0: e->type = KT_EXIT; e->vcpu = (int)v; e->exit_reason = NPF; break;
	case 1: e->type = KT_ACCEPT_IRQ; e->apicid = v; e->vector = 0x2f; break;
	case 2: e->type = KT_ENTRY; e->vcpu = (int)v; break;
	case 3: e->type = KT_EXIT; e->vcpu = (int)v; e->exit_reason = WCR8; break;
	case 4: e->type = KT_INJ_VIRQ; e->vector = 0x2f; break;
	default: e->type = KT_ENTRY; e->vcpu = (int)v; break;
	}
	*cpu = (unsigned)((v + i / MOVE_EVERY) % NCPU);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Events of one poll, CPU by CPU, as a reader gets them: [first, last). */
#define FOR_POLL(first, last, c, i, e, cpu) \
	for (c = 0; c < NCPU; c++) \
		for (i = first; i < last; i++) \
			if (gen(i, &e, &cpu), cpu == c)

static int run_hold(unsigned long long n, struct kt_fold *f)
{
	struct kt_event *ev = NULL, e;
	size_t cnt = 0, cap = 0;
	unsigned long long first, last, i;
	unsigned c, cpu;

	for (first = 0; first < n; first = last) {
		last = first + POLL_NS / NS_PER_EVENT;
		if (last > n)
			last = n;
		FOR_POLL(first, last, c, i, e, cpu) {
			if (cnt == cap) {
				struct kt_event *x;

				cap = cap ? 2 * cap : 65536;
				x = realloc(ev, cap * sizeof(*x));
				if (!x)
					return -1;
				ev = x;
			}
			ev[cnt++] = e;
		}
	}
	kt_sort_events(ev, cnt);
	for (i = 0; i < cnt; i++)
		if (kt_fold_event(f, &ev[i]))
			return -1;
	free(ev);
	return 0;
}

static int run_stream(unsigned long long n, struct kt_fold *f)
{
	struct kt_merge m;
	struct kt_event e;
	unsigned long long first, last, i;
	unsigned c, cpu;

	if (kt_merge_init(&m, NCPU))
		return -1;
	for (first = 0; first < n; first = last) {
		last = first + POLL_NS / NS_PER_EVENT;
		if (last > n)
			last = n;
		FOR_POLL(first, last, c, i, e, cpu)
			if (kt_merge_push(&m, c, &e))
				return -1;
		for (c = 0; c < NCPU; c++)
			if (last * NS_PER_EVENT > WINDOW_NS)
				kt_merge_watermark(&m, c, last * NS_PER_EVENT - WINDOW_NS);
		if (kt_merge_fold(&m, f, 0))
			return -1;
	}
	if (kt_merge_fold(&m, f, 1))
		return -1;
	kt_merge_free(&m);
	return 0;
}

/* Runs one mode in a child; *kb its peak RSS growth, *s its time, *w its write_cr8 exits. */
static int measure(int stream, unsigned long long n, long *kb, double *s, unsigned long long *w)
{
	int p[2], status;
	pid_t pid;
	char buf[128];
	ssize_t r;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct kt_fold f;
		long base = rss_kb();
		double t0 = now();
		unsigned long long wc = 0;
		size_t k;

		kt_fold_init(&f);
		if (stream ? run_stream(n, &f) : run_hold(n, &f))
			_exit(1);
		for (k = 0; k < f.ncells; k++)
			wc += f.cells[k].exits[kt_exit_slot(WCR8)];
		snprintf(buf, sizeof(buf), "%ld %.3f %llu\n", rss_kb() - base, now() - t0, wc);
		if (write(p[1], buf, strlen(buf)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	r = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	waitpid(pid, &status, 0);
	if (r <= 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	buf[r] = 0;
	return sscanf(buf, "%ld %lf %llu", kb, s, w) == 3 ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 10) : 5000000ull, wh, ws;
	long kh, ks;
	double th, ts, ratio;

	if (!n || measure(0, n, &kh, &th, &wh) || measure(1, n, &ks, &ts, &ws)) {
		printf("bench: trace-fold did not complete\n");
		return 1;
	}
	if (wh != ws || !wh) {
		printf("bench: trace-fold folds differ: hold %llu, stream %llu write_cr8 exits\n",
		       wh, ws);
		return 1;
	}
	ratio = (double)kh / (double)(ks > 0 ? ks : 1);
	printf("bench: trace-fold-hold-rss %.1f MiB (%llu events, %zu B each; %.2f s)\n",
	       kh / 1024.0, n, sizeof(struct kt_event), th);
	printf("bench: trace-fold-stream-rss %.1f MiB (%.2f s)\n", ks / 1024.0, ts);
	printf("bench: trace-fold-memory %.1f x less (target >= 10)%s\n", ratio,
	       ratio >= 10 ? "" : " MISSED");
	printf("bench: trace-fold-time stream/hold %.2f (no target)\n", ts / (th > 0 ? th : 1));
	return 0;
}
