// SPDX-License-Identifier: MIT
/*
 * run.c - one run of `irqlbench run` once its arguments are checked: the
 * record's and the logs' paths, the backend's preflight, the launch, the
 * outcome, and the record, written atomically on every path.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "cli/cli.h"
#include "klib.h"
#include "record/hostfacts.h"
#include "record/record.h"
#include "record/serial.h"
#include "run/run.h"

/* The guest image: --guest, or build/guest/ next to build/bin/irqlbench,
 * else PREFIX/lib/irqlbench/ of an installed PREFIX/bin/irqlbench. */
char *run_guest_image(const struct run_opts *o)
{
	char *build, *path, *installed;

	if (o->guest)
		return xstrdup(o->guest);
	build = util_exe_dir_up(2);
	if (!build)
		return xstrdup("build/" GUEST_REL_PATH);
	path = xasprintf("%s/%s", build, GUEST_REL_PATH);
	free(build);
	if (access(path, R_OK) && (installed = util_installed_file("lib", GUEST_FILE_NAME))) {
		free(path);
		return installed;
	}
	return path;
}

/*
 * The record (default results/runs/<id>/record.json, --out FILE, or
 * standard output for --out -) and its logs: beside a record file, in
 * results/runs/<id>/ for standard output, or DIR/<id>.* with --keep-log.
 * The record names its logs relative to its folder when they are there
 * (for standard output: relative to results/runs/<id>/, the run folder of
 * the default store), else (--keep-log DIR elsewhere) by an absolute path,
 * which `results import` refuses: a record file's artifacts must be its own.
 * Strings only: make_dirs() creates folders.
 */
static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return a && b && !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

void run_make_paths(const struct run_opts *o, const char *id, struct run_paths *p)
{
	char cwd[PATH_MAX], *base;

	p->to_stdout = o->out && !strcmp(o->out, "-");
	p->out = o->out ? xstrdup(o->out) : xasprintf("results/runs/%s/record.json", id);
	p->dir = p->to_stdout ? NULL : util_dirname(p->out);
	if (o->keep_log) {
		base = xasprintf("%s/%s.", o->keep_log, id);
	} else if (o->out && !p->to_stdout) {
		size_t n = strlen(o->out);

		if (n > 5 && !strcmp(o->out + n - 5, ".json"))
			n -= 5;
		base = xasprintf("%.*s.", (int)n, o->out);
	} else {
		base = xasprintf("results/runs/%s/", id);
	}
	p->serial = xasprintf("%sserial.log", base);
	p->qemu_log = xasprintf("%sqemu.log", base);
	p->trace = xasprintf("%strace.json", base);
	p->log_dir = util_dirname(p->serial);
	free(base);
	if (!o->keep_log || (!p->to_stdout && same_dir(p->dir, o->keep_log))) {
		p->serial_rel = util_basename(p->serial);
		p->qemu_log_rel = util_basename(p->qemu_log);
	} else if (p->serial[0] == '/' || !getcwd(cwd, sizeof(cwd))) {
		p->serial_rel = xstrdup(p->serial);
		p->qemu_log_rel = xstrdup(p->qemu_log);
	} else {
		p->serial_rel = xasprintf("%s/%s", cwd, p->serial);
		p->qemu_log_rel = xasprintf("%s/%s", cwd, p->qemu_log);
	}
}

/* A folder the run writes into: a folder, or nothing yet (then created). */
static bool usable_dir(const char *dir)
{
	struct stat st;

	return stat(dir, &st) ? errno != ENOTDIR : S_ISDIR(st.st_mode);
}

/*
 * Before any work: every file the run writes is replaced by a new regular
 * file (written aside, renamed into place), so a device, a FIFO, a socket,
 * a symbolic link or a folder at one of those paths is a usage error, as is
 * a folder path through a file.
 */
int run_check_paths(const struct run_opts *o, const struct run_paths *p)
{
	const char *files[] = { p->to_stdout ? NULL : p->out, p->serial, p->qemu_log, p->trace };
	const char *opt = o->keep_log ? "--keep-log" : "--out";

	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *why = files[i] ? util_not_regular(files[i]) : NULL;

		if (!why)
			continue;
		if (!i)
			return cli_usage_error("run", "--out %s is %s: the record is written as a new regular file; give a file path, or - for standard output",
					       p->out, why);
		return cli_usage_error("run", "the run's log %s is %s: remove it, or give another %s",
				       files[i], why, opt);
	}
	if (o->keep_log && !usable_dir(o->keep_log))
		return cli_usage_error("run", "--keep-log %s is not a folder: give a folder for the logs",
				       o->keep_log);
	if (p->dir && !usable_dir(p->dir) && o->out)
		return cli_usage_error("run", "--out %s: %s is not a folder: give a path in a folder",
				       p->out, p->dir);
	if (p->dir && !usable_dir(p->dir))
		return cli_usage_error("run", "the record's folder %s cannot be made here (a file is in its way): give --out FILE",
				       p->dir);
	return 0;
}

static int make_dirs(const struct run_opts *o, const struct run_paths *p)
{
	const char *dirs[] = { p->dir, p->log_dir };

	for (unsigned i = 0; i < 2; i++)
		if (dirs[i] && util_mkdir_p(dirs[i]))
			return cli_error(EXIT_ENV, "cannot create %s: %s: choose another %s", dirs[i],
					 strerror(errno), o->keep_log && i ? "--keep-log" : "--out");
	return 0;
}

void run_free_paths(struct run_paths *p)
{
	free(p->out);
	free(p->dir);
	free(p->log_dir);
	free(p->serial);
	free(p->qemu_log);
	free(p->trace);
	free(p->serial_rel);
	free(p->qemu_log_rel);
}

/* Where the record went, for messages. */
static const char *record_place(const struct run_paths *p)
{
	return p->to_stdout ? "standard output" : p->out;
}

static json_t *params_json(const struct wl_values *v)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < v->n; i++)
		json_object_set_new(o, v->p[i]->name, json_integer((json_int_t)v->v[i]));
	return o;
}


static int write_record(json_t *rec, const struct run_paths *p)
{
	if (record_write(rec, p->out))
		return cli_error(EXIT_ENV, "cannot write the record to %s: %s: choose another --out",
				 record_place(p), strerror(errno));
	return 0;
}

static void set_provenance(json_t *rec, const char *key, json_t *val);

/* Fails the run before QEMU starts: a record for each job, one line, status. */
static int fail_early(json_t *rec, char *const *ids, const struct run_paths *p, unsigned njobs,
		      int status, const char *kind, const char *msg, bool print)
{
	record_fail(rec, kind, msg);
	if (print)
		fprintf(stderr, "irqlbench: %s\n", msg);
	for (unsigned j = 0; j < njobs; j++) {
		json_t *r = record_for_job(rec, ids, j, njobs);
		int w = write_record(r, &p[j]);

		json_decref(r);
		if (w)
			return EXIT_ENV;
		fprintf(stderr, "irqlbench: failed record written to %s\n", record_place(&p[j]));
	}
	return status;
}

static void set_provenance(json_t *rec, const char *key, json_t *val)
{
	json_object_set_new(json_object_get(rec, "provenance"), key, val);
}

/* Which script ran: its path, size and FNV-1a (a record names its input). */
static json_t *script_json(const char *path)
{
	size_t len = 0;
	char *text = util_read_file(path, 16u << 20, &len), *abs = realpath(path, NULL), hash[16];
	json_t *j;

	snprintf(hash, sizeof(hash), "%08x", text ? kfnv1a(KFNV1A_INIT, text, len) : 0u);
	j = json_pack("{s:s, s:I, s:s}", "path", abs ? abs : path, "bytes", (json_int_t)len,
		      "fnv1a", hash);
	free(text);
	free(abs);
	return j;
}

/*
 * provenance.host.cpufreq_governor of the CPUs the run used, once the
 * pinning says which (record_host_facts() gave those this process may use).
 */
static void governors_of_pinned(json_t *rec)
{
	json_t *prov = json_object_get(rec, "provenance"), *pin = json_object_get(prov, "pinning");
	json_t *vcpus = json_object_get(pin, "vcpu"), *cpus, *c;
	size_t i, k;
	cpu_set_t used;

	if (!json_is_array(vcpus))
		return;
	CPU_ZERO(&used);
	json_array_foreach(vcpus, i, cpus)
		json_array_foreach(cpus, k, c)
			if (json_integer_value(c) >= 0 && json_integer_value(c) < CPU_SETSIZE)
				CPU_SET((int)json_integer_value(c), &used);
	json_array_foreach(json_object_get(pin, "emulator"), k, c)
		if (json_integer_value(c) >= 0 && json_integer_value(c) < CPU_SETSIZE)
			CPU_SET((int)json_integer_value(c), &used);
	if (CPU_COUNT(&used))
		json_object_set_new(json_object_get(prov, "host"), "cpufreq_governor",
				    host_governors_json("", &used));
}

/*
 * Where the run's time went, in seconds of the host's clock
 * (results/SCHEMA.md provenance.timing): setup from the command's start to
 * QEMU's (checks, host facts, QEMU probe), qemu_start from there to the
 * guest let run (QEMU's own start-up, pinning, the trace started; null
 * when the launcher cannot tell), guest to QEMU's exit, finish the report
 * parsed and the backend's after_exit (the kvm trace stopped and folded),
 * total to here.
 */
static json_t *timing_json(double start, double t_launch, const struct launch_result *lr)
{
	double now = util_now();
	json_t *ready = lr->ready_s > 0 ? json_real(lr->ready_s) : json_null();
	json_t *guest = lr->ready_s > 0 ? json_real(lr->duration_s - lr->ready_s) : json_null();

	return json_pack("{s:f, s:o, s:o, s:f, s:f}", "setup_s", t_launch - start,
			 "qemu_start_s", ready, "guest_s", guest,
			 "finish_s", now - (t_launch + lr->duration_s), "total_s", now - start);
}

/* How the last job that began ended, when it failed: what a job after it inherits. */
struct boot_end {
	char kind[32];
	char msg[1024];
};

/*
 * Job @job's record from the boot's end: @base (the boot's facts) with
 * the job's id, report, outcome and trace, written to @p; one line to
 * stderr, the record's path to stdout.  The job's exit status.
 */
/*
 * ", 499 of 500 unmasking CR8 writes delivered late" when the guest's R
 * line counted late deliveries (record.verdict.findings), else "": a run
 * whose workload ran as written still says what a guest-side verdict uses.
 * Static storage: one call per message.
 */
static const char *late_note(json_t *rec)
{
	static char buf[128];
	json_t *f = json_object_get(json_object_get(rec, "verdict"), "findings");
	json_int_t late = json_integer_value(json_object_get(f, "late_deliveries"));

	if (late <= 0)
		return "";
	snprintf(buf, sizeof(buf), ", %lld of %lld unmasking CR8 writes delivered late",
		 (long long)late,
		 (long long)json_integer_value(json_object_get(f, "unmasking_writes")));
	return buf;
}

static int finish_job(struct run_opts *o, const struct backend_ops *be, struct run_ctx *ctx,
		      json_t *base, char *const *ids, unsigned job, const struct run_paths *p,
		      const struct launch_result *boot, const char *log, size_t loglen,
		      double start, double t_launch, struct boot_end *end)
{
	const unsigned njobs = ctx->njobs;
	json_t *rec = record_for_job(base, ids, job, njobs);
	struct serial_report sr;
	struct launch_result lr;
	struct outcome oc;
	const char *reason;
	int status;

	json_object_set_new(json_object_get(rec, "artifacts"), "serial_log",
			    json_string(p->serial_rel));
	json_object_set_new(json_object_get(rec, "artifacts"), "qemu_log",
			    json_string(p->qemu_log_rel));
	serial_parse_job(log, loglen, job, njobs, &sr);
	run_job_launch(boot, &sr, job, njobs, &lr);
	run_classify(o, &lr, &sr, p->qemu_log, &oc);
	if (njobs > 1 && boot->started && sr.outcome != SERIAL_REPORT && oc.kind) {
		char *why = xstrdup(oc.message ? oc.message : "");

		if (job && !sr.job_began)	/* what ended the boot is the cause */
			outcome_set(&oc, end->kind[0] ? end->kind : oc.kind,
				    "the boot ended before job %u of %u began: %s", job + 1, njobs,
				    end->msg[0] ? end->msg : why);
		else
			outcome_set(&oc, oc.kind, "job %u of %u did not finish: %s", job + 1, njobs, why);
		free(why);
	}
	if (njobs > 1 && oc.kind && (!job || sr.job_began)) {
		snprintf(end->kind, sizeof(end->kind), "%s", oc.kind);
		snprintf(end->msg, sizeof(end->msg), "%s", oc.message ? oc.message : "");
	}
	if (sr.outcome == SERIAL_REPORT)
		record_apply_report(rec, &sr);
	if (oc.kind)
		record_fail(rec, oc.kind, oc.message);
	ctx->job = job;
	ctx->trace_path = p->trace;
	if (be->after_exit)
		be->after_exit(ctx, rec);
	if (t_launch > 0)
		set_provenance(rec, "timing", timing_json(start, t_launch, boot));
	if (!oc.kind && !oc.exit && json_is_string(json_object_get(rec, "status")) &&
	    !strcmp(json_string_value(json_object_get(rec, "status")), "failed")) {
		/* the backend failed a complete run: the kvm trace lost events
		 * (trace-loss) or its vCPUs disagree with the guest's (trace-vcpu-map) */
		json_t *e = json_object_get(rec, "error");

		oc.exit = EXIT_RUN_FAILED;
		outcome_set(&oc, json_string_value(json_object_get(e, "kind")), "%s",
			    json_string_value(json_object_get(e, "message")));
		if (!json_is_object(json_object_get(json_object_get(rec, "provenance"), "trace")))
			outcome_hint(&oc, "QEMU's log %s says how it ended", p->qemu_log);
		else
			outcome_hint(&oc, "the record keeps the counts for a post-mortem, provenance.trace and %s say more",
				     p->trace);
	}
	serial_report_free(&sr);
	if (write_record(rec, p)) {
		outcome_free(&oc);
		json_decref(rec);
		return EXIT_ENV;
	}
	status = oc.exit;
	reason = json_string_value(json_object_get(json_object_get(rec, "verdict"), "reason"));
	if (oc.kind)
		fprintf(stderr, "irqlbench: %s run failed (%s): %s; raw log %s; hint: %s\n",
			o->workload, oc.kind, oc.message, p->serial, oc.hint);
	else if (oc.exit)
		fprintf(stderr, "irqlbench: %s on %s: verdict fail: %s%s; raw log %s; hint: %s, the record %s has its counters\n",
			o->workload, be->name, reason, run_cut_note(reason), p->serial,
			run_needs_script(o->workload) ?
			"the script's own check failed (workloads/SCRIPTS.md, 'Errors', says what each error means)" :
			"the workload's own check failed", record_place(p));
	else if (njobs > 1)
		fprintf(stderr, "irqlbench: %s on %s: verdict ok (job %u of %u, in a boot of %.2f s)%s; record %s\n",
			o->workload, be->name, job + 1, njobs, boot->duration_s, late_note(rec),
			record_place(p));
	else
		fprintf(stderr, "irqlbench: %s on %s: verdict ok in %.2f s%s; record %s\n",
			o->workload, be->name, boot->duration_s, late_note(rec), record_place(p));
	outcome_free(&oc);
	if (!p->to_stdout)
		printf("%s\n", p->out);	/* with --out -, the record is all stdout gets */
	json_decref(rec);
	return status;
}

/*
 * Job @job's copy of the boot's raw logs beside its record (job 0 has
 * them): the serial log as read for the reports (@log, NULL when it was
 * not read) and QEMU's (@qlog), read once for all the jobs.
 */
static void copy_logs(const struct run_paths *boot, const struct run_paths *p, const char *log,
		      size_t loglen, const char *qlog, size_t qloglen)
{
	const struct { const char *from, *to, *text; size_t len; } c[] = {
		{ boot->serial, p->serial, log, loglen },
		{ boot->qemu_log, p->qemu_log, qlog, qloglen },
	};

	for (unsigned i = 0; i < 2; i++) {
		if (!strcmp(c[i].from, c[i].to))
			continue;
		if (!c[i].text)
			fprintf(stderr, "irqlbench: warning: cannot copy %s to %s: it could not be read (or is over %u bytes)\n",
				c[i].from, c[i].to, SERIAL_MAX_LOG);
		else if (util_write_atomic(c[i].to, c[i].text, c[i].len))
			fprintf(stderr, "irqlbench: warning: cannot copy %s to %s: %s\n", c[i].from,
				c[i].to, strerror(errno));
	}
}

int run_guest(struct run_opts *o, const struct backend_ops *be, const struct launcher_ops *ln,
	       char *const *ids, double start, const struct run_paths *pp)
{
	const unsigned njobs = o->repeat > 1 ? o->repeat : 1;
	const char *id = ids[0];
	struct boot_end end;
	struct run_ctx ctx = { .backend = be, .launcher = ln, .no_pin = o->no_pin,
			       .trace_buffer_kb = o->trace_buffer_kb,
			       .pit_discard = o->pit_reinject && !strcmp(o->pit_reinject, "off") };
	struct launch_spec spec = { 0 };
	struct launch_result lr = { 0 };
	struct qemu_info qi = { 0 };
	const struct run_paths p = *pp;
	char iso[32], *err = NULL, *kernel = NULL, *append = NULL, *log = NULL, *qlog = NULL;
	char *qkernel = NULL, *qscript = NULL;
	const char *bios = NULL;
	double t_launch = 0;
	size_t loglen = 0, qloglen = 0;
	json_t *rec;
	int status;

	for (unsigned j = 0; j < njobs; j++)
		if ((status = make_dirs(o, &pp[j])))
			return status;
	run_remove_stale_tmp();
	rec = record_new(id, be->name, o->workload);
	json_object_set_new(rec, "launcher", json_string(ln->name));
	ctx.record = rec;
	ctx.trace_path = p.trace;
	util_utc_iso(start, iso, sizeof(iso));
	set_provenance(rec, "started_utc", json_string(iso));
	set_provenance(rec, "host", record_host_facts());
	json_object_set_new(rec, "params", params_json(&o->vals));
	if (o->script)
		set_provenance(rec, "script", script_json(o->script));
	for (unsigned i = 0; i < o->tags.n; i++)
		json_array_append_new(json_object_get(rec, "tags"), json_string(o->tags.v[i]));

	status = be->preflight ? be->preflight(&ctx) : 0;
	if (ctx.kvm_facts)
		set_provenance(rec, "kvm", json_incref(ctx.kvm_facts));
	if (status) {
		status = fail_early(rec, ids, pp, njobs, status, "preflight", ctx.preflight_msg, false);
		goto out;
	}
	if (qemu_probe(o->qemu, &qi, &err)) {
		status = fail_early(rec, ids, pp, njobs, EXIT_ENV, "preflight", err, true);
		goto out;
	}
	kernel = run_guest_image(o);
	if (access(kernel, R_OK)) {
		err = xasprintf("guest image %s: %s: build it with 'make' (or give --guest FILE)",
				kernel, strerror(errno));
		status = fail_early(rec, ids, pp, njobs, EXIT_ENV, "preflight", err, true);
		goto out;
	}
	append = guest_cmdline_join(o->workload, &o->set);
	if (njobs > 1) {
		char *more = xasprintf("%s repeat=%u", append, njobs);

		free(append);
		append = more;
	}
	if (o->apic) {
		char *more = xasprintf("%s apic=%s", append, o->apic);

		free(append);
		append = more;
	}
	if (!o->firmware || !strcmp(o->firmware, "qboot")) {
		if (!access(QBOOT_ROM, R_OK))
			bios = "qboot.rom";
		else if (o->firmware) {
			status = fail_early(rec, ids, pp, njobs, EXIT_ENV, "preflight",
					    "--firmware qboot: " QBOOT_ROM " is missing: install qemu-system-data, or use --firmware seabios",
					    true);
			goto out;
		}
	}
	qkernel = run_qemu_safe_path(&ctx, kernel, "guest.elf");
	qscript = o->script ? run_qemu_safe_path(&ctx, o->script, "script") : NULL;
	spec = (struct launch_spec){
		.qemu = qi.path, .accel = be->accel, .cpu = o->cpu ? o->cpu : be->cpu,
		.vcpus = o->vcpus, .mem_mb = GUEST_MEM_MB, .kernel = qkernel, .append = append,
		.initrd = qscript, .bios = bios, .serial_log = p.serial, .qemu_log = p.qemu_log,
		.timeout_s = o->timeout_s, .jobs = njobs,	/* --timeout is each job's */
	};
	if (be->extra_args)
		be->extra_args(&ctx, &spec.extra);
	if (run_signals_pending()) {
		lr.status = -1;
		lr.interrupted = run_signals_pending();
	} else {
		if (ln != &direct_launcher)
			run_signals_release();	/* it does not watch them */
		if (be->before_launch)
			be->before_launch(&ctx);
		t_launch = util_now();
		ctx.launcher->launch(&ctx, &spec, &lr);
	}
	run_tmp_cleanup(&ctx);
	governors_of_pinned(rec);

	set_provenance(rec, "duration_s", json_real(lr.duration_s));
	set_provenance(rec, "apic", json_string(o->apic ? o->apic : "auto"));
	set_provenance(rec, "qemu", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "binary", qi.path,
					      "version", qi.version, "accel", spec.accel,
					      "cpu", spec.cpu, "firmware", bios ? "qboot" : "seabios",
					      "cmdline", lr.cmdline));
	/* a QEMU that never started left no serial output of this run */
	log = lr.started ? util_read_file(p.serial, SERIAL_MAX_LOG, &loglen) : NULL;
	if (!log && lr.started && errno == EFBIG) {
		/* the parser refuses a log by its size, before reading a byte */
		log = xstrdup("");
		loglen = SERIAL_MAX_LOG + 1ul;
	}
	ctx.njobs = njobs;
	status = 0;
	memset(&end, 0, sizeof(end));
	if (njobs > 1 && lr.started)
		qlog = util_read_file(p.qemu_log, SERIAL_MAX_LOG, &qloglen);
	for (unsigned j = 0; j < njobs; j++) {
		int st = finish_job(o, be, &ctx, rec, ids, j, &pp[j], &lr, log ? log : "",
				    log ? loglen : 0, start, t_launch, &end);

		if (j && lr.started)	/* a log refused by its size was not read: none */
			copy_logs(&pp[0], &pp[j], log && loglen <= SERIAL_MAX_LOG ? log : NULL, loglen,
				  qlog, qloglen);
		if (!status)
			status = st;	/* the first job's that did not end well */
	}
out:
	json_decref(ctx.kvm_facts);
	free(ctx.preflight_msg);
	json_decref(rec);
	qemu_info_free(&qi);
	argv_free(&spec.extra);
	free(lr.cmdline);
	free(log);
	free(qlog);
	free(kernel);
	free(qkernel);
	free(qscript);
	free(append);
	free(err);
	return status;
}
