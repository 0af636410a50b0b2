// SPDX-License-Identifier: MIT
/*
 * subreaper.c - run a command as a child subreaper's child.
 *
 *   irqlbench-subreaper [--pidfile FILE] CMD [ARG...]
 *
 * libvirtd double-forks QEMU, so a finished QEMU is reparented to PID 1 and
 * libvirtd waits until PID 1 reaps it.  Where PID 1 reaps orphans slowly
 * (this machine: about 2 s late) every libvirt run pays for it.  Running
 * libvirtd under this small process with PR_SET_CHILD_SUBREAPER makes the
 * orphans ours: they are reaped at once.  The subreaper ends, with CMD's
 * exit status, when CMD and every orphan below it have ended; SIGTERM and
 * SIGINT are passed on to CMD.  --pidfile gets CMD's pid (for stopping it).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t main_child;

static void forward(int sig)
{
	if (main_child > 0)
		kill(main_child, sig);
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL;
	int status = 0, st, argi = 1;
	struct sigaction sa;
	pid_t pid;

	if (argc > 2 && !strcmp(argv[1], "--pidfile")) {
		pidfile = argv[2];
		argi = 3;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: irqlbench-subreaper [--pidfile FILE] CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
		fprintf(stderr, "irqlbench-subreaper: error: PR_SET_CHILD_SUBREAPER: %s (needs Linux 3.4+)\n",
			strerror(errno));
		return 3;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "irqlbench-subreaper: error: fork: %s\n", strerror(errno));
		return 3;
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		execvp(argv[argi], argv + argi);
		fprintf(stderr, "irqlbench-subreaper: error: cannot run %s: %s\n", argv[argi], strerror(errno));
		_exit(127);
	}
	main_child = pid;
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");

		if (f) {
			fprintf(f, "%d\n", (int)pid);
			fclose(f);
		}
	}
	/* Reap the command and every orphan that lands here, until none is left. */
	for (;;) {
		pid_t w = waitpid(-1, &st, 0);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;	/* ECHILD: nothing left below us */
		}
		if (w == pid) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			main_child = 0;
		}
	}
	return status;
}
