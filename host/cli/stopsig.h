/* SPDX-License-Identifier: MIT */
/*
 * stopsig.h - a command that takes back what it made when a stop signal
 * ends it: `image`, `results import` and `merge`, `plot`, `report --paper`.
 *
 * The stop signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT; one that is ignored
 * when the command starts, as under nohup, stays ignored) and SIGCHLD are
 * blocked from stop_signals_block() to stop_signals_restore(), so that no
 * stop signal ends the command in the middle of a step (a run directory
 * half copied, a transaction open, a staging folder half written).  The
 * command looks for one between its steps (stop_signal()) and, when one
 * came, removes what it made, leaves what it writes as it was and exits
 * 128 + the signal with one line (stop_signal_name()).  A stop signal that
 * comes once the result is in place (committed, renamed) is too late to
 * undo it: the command finishes, and stop_signals_restore() drops it.
 * The programs it starts get the signal mask it started with
 * (stop_signals_entry_mask()), so that a terminal's ^C still reaches them.
 *
 * IRQLBENCH_STOP_PAUSE=POINT[:N] (tests only): the Nth time (default the
 * first) the command passes stop_pause(POINT), it says "irqlbench: paused
 * at POINT (pid P)" on standard error and waits up to 60 s for a stop
 * signal, so that a test stops it exactly there.
 */
#ifndef IRQLBENCH_STOPSIG_H
#define IRQLBENCH_STOPSIG_H

#include <signal.h>

/* Blocks the stop signals and SIGCHLD (the mask before is kept). */
void stop_signals_block(void);
/* The stop signal that came (0: none, also when they are not blocked); it
 * stays pending, and taken, until stop_signals_restore(). */
int stop_signal(void);
/* Waits until a child changed state (SIGCHLD) or a stop signal came;
 * returns stop_signal(). */
int stop_signals_wait(void);
/* "SIGINT" for SIGINT, ...; "a signal" for another. */
const char *stop_signal_name(int sig);
/* The signal mask the command started with, for the programs it starts
 * (async-signal-safe: a forked child may call it); the mask as it is
 * where nothing is blocked. */
const sigset_t *stop_signals_entry_mask(void);
/* Drops the blocked signals that came and restores the mask. */
void stop_signals_restore(void);
/* IRQLBENCH_STOP_PAUSE's place: see above. */
void stop_pause(const char *point);

#endif
