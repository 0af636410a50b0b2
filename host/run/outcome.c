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

/* What an outcome is decided from. */
struct outcome_in {
	const struct run_opts *o;
	const struct launch_result *lr;
	const struct serial_report *sr;
	const char *qemu_log;
};

/*
 * One way a run can end: the first row whose match() holds decides.  kind
 * is the record's error.kind (NULL: complete), exit the status (cli.h),
 * say() writes the message (and a hint that depends on the run, when hint
 * is NULL).
 */
struct outcome_rule {
	const char *kind;
	int exit;
	bool (*match)(const struct outcome_in *in);
	void (*say)(const struct outcome_in *in, struct outcome *oc);
	const char *hint;
};

static bool not_started(const struct outcome_in *in, const char *prefix)
{
	return !in->lr->started && (!prefix || !strncmp(in->lr->error, prefix, strlen(prefix)));
}

static bool m_interrupted(const struct outcome_in *in) { return in->lr->interrupted; }
static bool m_pinning(const struct outcome_in *in) { return not_started(in, "pinning"); }
static bool m_libvirt(const struct outcome_in *in) { return not_started(in, "libvirt"); }
static bool m_not_started(const struct outcome_in *in) { return not_started(in, NULL); }
static bool m_timed_out(const struct outcome_in *in) { return in->lr->timed_out; }

static bool m_outcome(const struct outcome_in *in, enum serial_outcome want)
{
	return in->sr->outcome == want;
}

static bool m_exception(const struct outcome_in *in) { return m_outcome(in, SERIAL_EXCEPTION); }
static bool m_garbled(const struct outcome_in *in) { return m_outcome(in, SERIAL_GARBLED); }
static bool m_truncated(const struct outcome_in *in) { return m_outcome(in, SERIAL_TRUNCATED); }

static bool m_bad_param(const struct outcome_in *in)
{
	return m_outcome(in, SERIAL_ERROR) && !strcmp(in->sr->error_code, "badparam");
}

static bool m_guest_error(const struct outcome_in *in) { return m_outcome(in, SERIAL_ERROR); }

/* A report, but QEMU's exit status is not the one its verdict gives. */
static bool m_status_disagrees(const struct outcome_in *in)
{
	return m_outcome(in, SERIAL_REPORT) && in->lr->status >= 0 &&
	       in->lr->status != GUEST_STATUS(strcmp(in->sr->verdict, "ok") ? 1 : 0);
}

static bool m_not_asked(const struct outcome_in *in)
{
	char *why = m_outcome(in, SERIAL_REPORT) ? report_mismatch(in->o, in->sr) : NULL;
	bool mismatch = why;

	free(why);
	return mismatch;
}

static bool m_verdict_ok(const struct outcome_in *in)
{
	return m_outcome(in, SERIAL_REPORT) && !strcmp(in->sr->verdict, "ok");
}

static bool m_report(const struct outcome_in *in) { return m_outcome(in, SERIAL_REPORT); }
static bool m_reset(const struct outcome_in *in) { return in->lr->status == 0; }
static bool m_killed(const struct outcome_in *in) { return in->lr->signal; }
static bool m_never_booted(const struct outcome_in *in) { return !in->sr->booted; }
static bool m_any(const struct outcome_in *in) { (void)in; return true; }

static void s_interrupted(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "interrupted by SIG%s; %s", sigabbrev_np(in->lr->interrupted),
		    in->lr->started ? "QEMU was stopped" : "QEMU was not started");
}

static void s_launch_error(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "%s", in->lr->error);
}

static void s_timed_out(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "the guest did not finish within %g s (%s); QEMU was killed",
		    in->o->timeout_s,
		    in->sr->outcome == SERIAL_TRUNCATED ? "its report stops midway" :
		    in->sr->booted ? "it booted" : "it never printed its boot line");
}

static void s_serial_message(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "%s", in->sr->message);
}

static void s_bad_param(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "the guest refused its parameters: %s%s", in->sr->error_msg,
		    run_cut_note(in->sr->error_msg));
	if (run_needs_script(in->o->workload))
		outcome_hint(oc, "see workloads/SCRIPTS.md for the script language");
	else
		outcome_hint(oc, "see 'irqlbench list %s' for its parameters", in->o->workload);
}

static void s_guest_error(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "%s%s", in->sr->message, run_cut_note(in->sr->error_msg));
}

static void s_bad_report(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "report %s: %s", serial_outcome_name(in->sr->outcome),
		    in->sr->message);
}

static void s_status_disagrees(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "the report says verdict %s but QEMU exited with status %d (expected %d)",
		    in->sr->verdict, in->lr->status,
		    GUEST_STATUS(strcmp(in->sr->verdict, "ok") ? 1 : 0));
}

static void s_not_asked(const struct outcome_in *in, struct outcome *oc)
{
	char *why = report_mismatch(in->o, in->sr);

	outcome_set(oc, oc->kind, "%s", why);
	free(why);
}

static void s_reset(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "the guest reset (triple fault) %s",
		    in->sr->booted ? "after it booted, without a report"
				   : "before it printed its boot line");
}

static void s_killed(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "QEMU was killed by SIG%s", sigabbrev_np(in->lr->signal));
}

/* The guest prints its boot line first: QEMU itself gave up. */
static void s_qemu_refused(const struct outcome_in *in, struct outcome *oc)
{
	char *line = qemu_first_error(in->qemu_log);

	if (line)
		outcome_set(oc, oc->kind, "QEMU refused to start (status %d): %s", in->lr->status,
			    line);
	else
		outcome_set(oc, oc->kind, "QEMU exited with status %d before the guest printed anything, and printed nothing itself",
			    in->lr->status);
	free(line);
}

static void s_no_report(const struct outcome_in *in, struct outcome *oc)
{
	outcome_set(oc, oc->kind, "the guest exited with status %d without a report",
		    in->lr->status);
}

/* Every way a run ends, in the order they are tried (results/SCHEMA.md
 * documents the error kinds). */
static const struct outcome_rule outcome_rules[] = {
	{ "launch", EXIT_RUN_FAILED, m_interrupted, s_interrupted, "rerun the command" },
	{ "launch", EXIT_ENV, m_pinning, s_launch_error,
	  "see 'irqlbench pin --vcpus N' for a placement this host can give" },
	{ "launch", EXIT_ENV, m_libvirt, s_launch_error,
	  "check that libvirtd runs and the URI (--connect) is right" },
	{ "launch", EXIT_ENV, m_not_started, s_launch_error,
	  "check the QEMU binary (--qemu) and QEMU's log" },
	{ "timeout", EXIT_TIMEOUT, m_timed_out, s_timed_out,
	  "the workload hangs or needs more time: raise --timeout" },
	{ "exception", EXIT_RUN_FAILED, m_exception, s_serial_message,
	  "a guest bug (or the test-only 'fault' workload): the raw log has the exception line" },
	{ "bad-param", EXIT_USAGE, m_bad_param, s_bad_param, NULL },
	{ "guest-error", EXIT_RUN_FAILED, m_guest_error, s_guest_error,
	  "the guest gave up: the raw log shows where" },
	{ "garbled", EXIT_RUN_FAILED, m_garbled, s_bad_report,
	  "the serial output was cut or corrupted; rerun, and report a bug if it repeats" },
	{ "truncated", EXIT_RUN_FAILED, m_truncated, s_bad_report,
	  "the serial output was cut or corrupted; rerun, and report a bug if it repeats" },
	{ "garbled", EXIT_RUN_FAILED, m_status_disagrees, s_status_disagrees,
	  "the guest's exit disagrees with its report; report a bug" },
	{ "garbled", EXIT_RUN_FAILED, m_not_asked, s_not_asked,
	  "the guest did not run what was asked; report a bug" },
	{ NULL, EXIT_OK, m_verdict_ok, NULL, NULL },
	{ NULL, EXIT_RUN_FAILED, m_report, NULL, NULL },	/* the workload's own check failed */
	{ "triple-fault", EXIT_RUN_FAILED, m_reset, s_reset,
	  "a guest bug that even its exception handler could not catch (or the test-only 'triple-fault' workload)" },
	{ "launch", EXIT_RUN_FAILED, m_killed, s_killed,
	  "something outside irqlbench killed QEMU; rerun" },
	{ "launch", EXIT_ENV, m_never_booted, s_qemu_refused,
	  "fix what QEMU names (QEMU's log beside the raw log has all it printed)" },
	{ "truncated", EXIT_RUN_FAILED, m_any, s_no_report,
	  "a guest bug: the raw log shows how far it got" },
};

void run_job_launch(const struct launch_result *boot, const struct serial_report *sr,
		    unsigned job, unsigned njobs, struct launch_result *out)
{
	*out = *boot;
	if (job + 1 >= njobs || sr->outcome != SERIAL_REPORT)
		return;
	/* the guest went on to the next job: this one ended with its report */
	out->status = GUEST_STATUS(strcmp(sr->verdict, "ok") ? 1 : 0);
	out->timed_out = false;
	out->signal = 0;
	out->interrupted = 0;
}

void run_classify(const struct run_opts *o, const struct launch_result *lr,
		  const struct serial_report *sr, const char *qemu_log, struct outcome *oc)
{
	const struct outcome_in in = { .o = o, .lr = lr, .sr = sr, .qemu_log = qemu_log };
	const struct outcome_rule *r = outcome_rules;

	memset(oc, 0, sizeof(*oc));
	while (!r->match(&in))
		r++;	/* the last row matches everything */
	oc->exit = r->exit;
	oc->kind = r->kind;
	if (r->say)
		r->say(&in, oc);
	if (r->hint)
		outcome_hint(oc, "%s", r->hint);
}
