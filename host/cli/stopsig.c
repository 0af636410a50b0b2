// SPDX-License-Identifier: MIT
/* stopsig.c - stop signals blocked, looked for between steps (see stopsig.h). */
#include "cli/stopsig.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static sigset_t stop_set, wait_set, entry_mask;
static int stop_sig;	/* the stop signal taken, or 0 */
static bool blocked;	/* entry_mask is the command's */

void stop_signals_block(void)
{
	struct sigaction sa;

	sigemptyset(&stop_set);
	for (unsigned i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		if (!sigaction(stop_sigs[i], NULL, &sa) && sa.sa_handler != SIG_IGN)
			sigaddset(&stop_set, stop_sigs[i]);
	wait_set = stop_set;
	sigaddset(&wait_set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &wait_set, &entry_mask);
	blocked = true;
}

int stop_signal(void)
{
	sigset_t p;

	if (!stop_sig && !sigpending(&p))
		for (unsigned i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
			if (sigismember(&stop_set, stop_sigs[i]) && sigismember(&p, stop_sigs[i])) {
				stop_sig = stop_sigs[i];
				break;
			}
	return stop_sig;
}

int stop_signals_wait(void)
{
	siginfo_t si;

	if (!stop_signal() && sigwaitinfo(&wait_set, &si) > 0 && si.si_signo != SIGCHLD)
		stop_sig = si.si_signo;
	return stop_sig;
}

const char *stop_signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" :
	       sig == SIGQUIT ? "SIGQUIT" : "a signal";
}

const sigset_t *stop_signals_entry_mask(void)
{
	if (!blocked)	/* nothing blocked here: the mask as it is */
		sigprocmask(SIG_SETMASK, NULL, &entry_mask);
	return &entry_mask;
}

void stop_signals_restore(void)
{
	const struct timespec zero = { 0, 0 };

	while (sigtimedwait(&wait_set, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &entry_mask, NULL);
	blocked = false;
}

void stop_pause(const char *point)
{
	static unsigned passed;
	const char *want = getenv("IRQLBENCH_STOP_PAUSE");
	size_t n = strlen(point);
	const struct timespec wait = { 60, 0 };
	siginfo_t si;

	if (!want || strncmp(want, point, n) || (want[n] && want[n] != ':') ||
	    ++passed != (want[n] ? strtoul(want + n + 1, NULL, 10) : 1))
		return;
	fprintf(stderr, "irqlbench: paused at %s (pid %d)\n", point, (int)getpid());
	if (!stop_signal() && sigtimedwait(&stop_set, &si, &wait) > 0)
		stop_sig = si.si_signo;
}
