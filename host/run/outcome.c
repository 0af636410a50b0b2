// SPDX-License-Identifier: MIT
/*
 * outcome.c - how a run ended: QEMU's launch result and the guest's serial
 * report give the exit status, the record's error kind
 * (results/SCHEMA.md, "error") and the hint printed with it.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli/cli.h"
#include "record/serial.h"
#include "run/run.h"

void outcome_set(struct outcome *oc, const char *kind, const char *fmt, ...)
{
	va_list ap;

	oc->kind = kind;
	free(oc->message);
	va_start(ap, fmt);
	if (vasprintf(&oc->message, fmt, ap) < 0)
		oc->message = xstrdup(fmt);
	va_end(ap);
}

void outcome_hint(struct outcome *oc, const char *fmt, ...)
{
	va_list ap;

	free(oc->hint);
	va_start(ap, fmt);
	if (vasprintf(&oc->hint, fmt, ap) < 0)
		oc->hint = xstrdup(fmt);
	va_end(ap);
}

void outcome_free(struct outcome *oc)
{
	free(oc->message);
	free(oc->hint);
	oc->message = oc->hint = NULL;
}

/* A guest text the guest had to cut (KMSG_CUT) is never shown as whole. */
const char *run_cut_note(const char *guest_text)
{
	return serial_text_cut(guest_text) ?
	       " (the guest cut this message short to fit its buffer, and printed no more)" : "";
}

bool run_needs_script(const char *workload)
{
	const struct wl_info *w = wl_find(workload);

	return w && w->needs_script;
}

/* The guest's exit codes (results/SERIAL.md): QEMU status = code << 1 | 1. */
#define GUEST_STATUS(code) ((code) << 1 | 1)

/*
 * QEMU's own first error line from its log (which starts with our "# "
 * command line): the first line that is not a warning, else the first
 * line.  NULL if QEMU printed nothing.
 */
static char *qemu_first_error(const char *path)
{
	char *text = util_read_file(path, 1 << 20, NULL), *first = NULL, *error = NULL, *line;

	if (!text)
		return NULL;
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "# ", 2) || !l[strspn(l, " \t\r")])
			continue;
		if (!first)
			first = l;
		if (!strstr(l, ": warning: ")) {
			error = l;
			break;
		}
	}
	line = error ? xstrdup(error) : first ? xstrdup(first) : NULL;
	free(text);
	return line;
}

/* Does the report match what the host asked for?  Else a message why. */
static char *report_mismatch(const struct run_opts *o, const struct serial_report *sr)
{
	if (strcmp(sr->workload, o->workload))
		return xasprintf("the guest ran workload '%s', the host asked for '%s'",
				 sr->workload, o->workload);
	for (unsigned i = 0; i < o->vals.n; i++) {
		json_t *v = json_object_get(sr->params, o->vals.p[i]->name);

		if (v && (uint64_t)json_integer_value(v) != o->vals.v[i])
			return xasprintf("the guest applied %s=%" PRIu64 ", the host asked for %" PRIu64,
					 o->vals.p[i]->name, (uint64_t)json_integer_value(v),
					 o->vals.v[i]);
	}
	return NULL;
}

void run_classify(const struct run_opts *o, const struct launch_result *lr,
		     const struct serial_report *sr, const char *qemu_log, struct outcome *oc)
{
	memset(oc, 0, sizeof(*oc));
	oc->exit = EXIT_RUN_FAILED;
	if (lr->interrupted) {
		outcome_set(oc, "launch", "interrupted by SIG%s; %s", sigabbrev_np(lr->interrupted),
			    lr->started ? "QEMU was stopped" : "QEMU was not started");
		outcome_hint(oc, "rerun the command");
	} else if (!lr->started) {
		oc->exit = EXIT_ENV;
		outcome_set(oc, "launch", "%s", lr->error);
		if (!strncmp(lr->error, "pinning", 7))
			outcome_hint(oc, "see 'irqlbench pin --vcpus N' for a placement this host can give");
		else if (!strncmp(lr->error, "libvirt", 7))
			outcome_hint(oc, "check that libvirtd runs and the URI (--connect) is right");
		else
			outcome_hint(oc, "check the QEMU binary (--qemu) and QEMU's log");
	} else if (lr->timed_out) {
		oc->exit = EXIT_TIMEOUT;
		outcome_set(oc, "timeout", "the guest did not finish within %g s (%s); QEMU was killed",
			    o->timeout_s,
			    sr->outcome == SERIAL_TRUNCATED ? "its report stops midway" :
			    sr->booted ? "it booted" : "it never printed its boot line");
		outcome_hint(oc, "the workload hangs or needs more time: raise --timeout");
	} else if (sr->outcome == SERIAL_EXCEPTION) {
		outcome_set(oc, "exception", "%s", sr->message);
		outcome_hint(oc, "a guest bug (or the test-only 'fault' workload): the raw log has the exception line");
	} else if (sr->outcome == SERIAL_ERROR && !strcmp(sr->error_code, "badparam")) {
		oc->exit = EXIT_USAGE;
		outcome_set(oc, "bad-param", "the guest refused its parameters: %s%s", sr->error_msg,
			    run_cut_note(sr->error_msg));
		if (run_needs_script(o->workload))
			outcome_hint(oc, "see workloads/SCRIPTS.md for the script language");
		else
			outcome_hint(oc, "see 'irqlbench list %s' for its parameters", o->workload);
	} else if (sr->outcome == SERIAL_ERROR) {
		outcome_set(oc, "guest-error", "%s%s", sr->message, run_cut_note(sr->error_msg));
		outcome_hint(oc, "the guest gave up: the raw log shows where");
	} else if (sr->outcome == SERIAL_GARBLED || sr->outcome == SERIAL_TRUNCATED) {
		outcome_set(oc, serial_outcome_name(sr->outcome), "report %s: %s",
			    serial_outcome_name(sr->outcome), sr->message);
		outcome_hint(oc, "the serial output was cut or corrupted; rerun, and report a bug if it repeats");
	} else if (sr->outcome == SERIAL_REPORT) {
		int want = GUEST_STATUS(strcmp(sr->verdict, "ok") ? 1 : 0);
		char *why = NULL;

		if (lr->status >= 0 && lr->status != want) {
			outcome_set(oc, "garbled",
				    "the report says verdict %s but QEMU exited with status %d (expected %d)",
				    sr->verdict, lr->status, want);
			outcome_hint(oc, "the guest's exit disagrees with its report; report a bug");
		} else if ((why = report_mismatch(o, sr))) {
			outcome_set(oc, "garbled", "%s", why);
			outcome_hint(oc, "the guest did not run what was asked; report a bug");
		} else {
			oc->exit = strcmp(sr->verdict, "ok") ? EXIT_RUN_FAILED : EXIT_OK;
		}
		free(why);
	} else if (lr->status == 0) {
		outcome_set(oc, "triple-fault", "the guest reset (triple fault) %s",
			    sr->booted ? "after it booted, without a report"
				       : "before it printed its boot line");
		outcome_hint(oc, "a guest bug that even its exception handler could not catch (or the test-only 'triple-fault' workload)");
	} else if (lr->signal) {
		outcome_set(oc, "launch", "QEMU was killed by SIG%s", sigabbrev_np(lr->signal));
		outcome_hint(oc, "something outside irqlbench killed QEMU; rerun");
	} else if (!sr->booted) {
		/* the guest prints its boot line first: QEMU itself gave up */
		char *line = qemu_first_error(qemu_log);

		oc->exit = EXIT_ENV;
		if (line)
			outcome_set(oc, "launch", "QEMU refused to start (status %d): %s", lr->status,
				    line);
		else
			outcome_set(oc, "launch", "QEMU exited with status %d before the guest printed anything, and printed nothing itself",
				    lr->status);
		outcome_hint(oc, "fix what QEMU names (QEMU's log beside the raw log has all it printed)");
		free(line);
	} else {
		outcome_set(oc, "truncated", "the guest exited with status %d without a report",
			    lr->status);
		outcome_hint(oc, "a guest bug: the raw log shows how far it got");
	}
}

