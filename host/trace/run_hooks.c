// SPDX-License-Identifier: MIT
/*
 * The kvm backend's trace hooks of `irqlbench run` (host/run/qemu.h): they
 * are called by the kvm backend (host/run/backends.c).
 *
 * kvm_trace_start traces QEMU's process: its threads now and, through the
 * instance's event-fork option, the vCPU threads it creates later.  With
 * pinning it runs after the threads are pinned and before the guest runs
 * (run_ctx.before_cont), so that the buffers are sized for the pinned CPUs;
 * unpinned, QEMU runs at that point, and what its vCPUs do before the
 * tracing is on falls into phase 0, never into a measured phase.
 *
 * kvm_trace_stop puts the trace into the record (a complete record without
 * one, of a QEMU that ended before its trace started, fails: "trace-loss").
 * It is called once a job (run --repeat N: ctx->job of ctx->njobs): the
 * first call stops the trace and keeps it (struct trace_done), each takes
 * its job's cells out of the fold (kt_fold_job(), at the guest's job
 * markers), the last frees it.  Per record:
 *  - provenance.trace: the buffers, the clock, what was lost, the vCPU map;
 *  - a trace that lost events fails a complete record (error.kind
 *    "trace-loss"): its counts are low or misplaced;
 *  - kt_fold_map() files KVM's vCPUs under the guest's CPU indices, from
 *    the markers and the APIC IDs of the guest's report; a map that does not
 *    agree fails a complete record ("trace-vcpu-map") and merges nothing;
 *  - the cells go into phases[].vcpus[] (for a lossy trace too: a failed
 *    record keeps its counts for the post-mortem);
 *  - the whole fold (with diagnostics) goes to ctx->trace_path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/qemu.h"
#include "record/record.h"
#include "trace/kvm_fold_json.h"
#include "trace/kvmtrace.h"

/* The APICv watcher and, where it could not start, why (ctx->apicv). */
struct apicv_watch {
	struct kvmtrace *watch;
	char why[400];
};

void kvm_apicv_watch(struct run_ctx *ctx)
{
	struct apicv_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return;
	w->watch = kvmtrace_apicv_watch(w->why, sizeof(w->why));
	ctx->apicv = w;
}

int kvm_trace_start(struct run_ctx *ctx, pid_t qemu_pid)
{
	struct kvmtrace_opts o = { .pid = qemu_pid, .buffer_kb = ctx->trace_buffer_kb };
	struct apicv_watch *w = ctx->apicv;
	char err[400];

	ctx->trace = kvmtrace_start(&o, err, sizeof(err));
	if (!ctx->trace) {
		snprintf(ctx->hook_error, sizeof(ctx->hook_error), "kvm exit trace: %s", err);
		return -1;
	}
	if (w) {
		kvmtrace_apicv_handover(w->watch, ctx->trace);
		w->watch = NULL;
	}
	return 0;
}

/* provenance.kvm.apicv, from the trace t (NULL: none ran); the watcher is closed. */
static json_t *apicv_json(struct run_ctx *ctx, struct kvmtrace *t)
{
	struct apicv_watch *w = ctx->apicv;
	struct kt_apicv a = { 0 };
	json_t *j;

	if (t)
		kvmtrace_apicv_result(t, &a);
	j = kt_apicv_json(&a, w && *w->why ? w->why : t ? NULL : "QEMU ended before its trace started");
	if (w)
		kvmtrace_close(w->watch);	/* unless handed over */
	free(w);
	ctx->apicv = NULL;
	return j;
}

static void write_trace_file(struct run_ctx *ctx, struct kt_fold *fold,
			     const struct kt_trace_info *info, json_t *record)
{
	json_t *j, *art, *tj;
	const char *base;

	if (!ctx->trace_path)
		return;
	j = kt_fold_json(fold);
	tj = kt_trace_info_json(info, true);	/* with the stats files as read */
	json_object_set_new(tj, "vcpus", kt_fold_vcpus_json(fold));
	json_object_set_new(j, "trace", tj);
	if (json_dump_file(j, ctx->trace_path, JSON_INDENT(1) | JSON_SORT_KEYS)) {
		fprintf(stderr, "irqlbench: warning: cannot write %s\n", ctx->trace_path);
	} else {
		art = json_object_get(record, "artifacts");
		base = strrchr(ctx->trace_path, '/');
		if (json_is_object(art))
			json_object_set_new(art, "trace", json_string(base ? base + 1 : ctx->trace_path));
	}
	json_decref(j);
}

static bool record_complete(json_t *record)
{
	json_t *st = json_object_get(record, "status");

	return json_is_string(st) && !strcmp(json_string_value(st), "complete");
}

/* A complete record fails (cmd_run says so); a failed one keeps its first error. */
static void trace_fail(json_t *record, const char *kind, const char *msg)
{
	if (record_complete(record))
		record_fail(record, kind, msg);
	else
		fprintf(stderr, "irqlbench: warning: %s (%s)\n", msg, kind);
}

/*
 * guest.apic_ids of the report (one per guest CPU), or NULL for a report
 * without them; *ncpus from guest.ncpus (0: no report).
 */
static int *report_apic_ids(json_t *record, unsigned *ncpus)
{
	json_t *guest = json_object_get(record, "guest");
	json_t *ids = json_object_get(guest, "apic_ids"), *v;
	int *out;
	size_t i;

	*ncpus = (unsigned)json_integer_value(json_object_get(guest, "ncpus"));
	if (!*ncpus || !json_is_array(ids) || json_array_size(ids) < *ncpus)
		return NULL;
	out = calloc(*ncpus, sizeof(*out));
	if (!out)
		return NULL;
	json_array_foreach(ids, i, v) {
		if (i >= *ncpus)
			break;
		out[i] = json_is_integer(v) ? (int)json_integer_value(v) : -1;
	}
	return out;
}

/*
 * The stopped trace of a boot, kept from the first job's after_exit to the
 * last's (ctx->trace_done): the whole fold, the trace's facts, why it is
 * short (a reader that stopped, lost events), provenance.kvm.apicv.
 */
struct trace_done {
	struct kt_fold fold;
	struct kt_trace_info info;
	bool traced;			/* a trace ran */
	char fail_kind[32];		/* "trace-loss", or "" */
	char fail_msg[640];
	json_t *apicv;
};

static struct trace_done *trace_finish(struct run_ctx *ctx)
{
	struct kvmtrace *t = ctx->trace;
	struct trace_done *d = calloc(1, sizeof(*d));
	struct kt_trace_loss loss;
	char err[512];

	if (!d)
		return NULL;
	kt_fold_init(&d->fold);
	d->apicv = apicv_json(ctx, t);
	if (!t)
		return d;
	d->traced = true;
	if (kvmtrace_stop(t, &d->fold, &d->info, err, sizeof(err))) {
		/* the reader stopped midway: whatever was folded is short */
		snprintf(d->fail_kind, sizeof(d->fail_kind), "trace-loss");
		snprintf(d->fail_msg, sizeof(d->fail_msg),
			 "the kvm exit trace is incomplete: %s; rerun, with more memory free", err);
	} else if (kt_trace_lossy(&d->info, &loss)) {
		snprintf(d->fail_kind, sizeof(d->fail_kind), "trace-loss");
		kt_trace_loss_message(&d->info, &loss, d->fail_msg, sizeof(d->fail_msg));
	}
	if (d->fold.markers == 0)
		fprintf(stderr, "irqlbench: warning: the trace saw no phase markers (port 0x500); all exits are in phase 0\n");
	if (ctx->njobs > 1 && d->fold.job_markers != ctx->njobs)
		fprintf(stderr, "irqlbench: warning: the trace saw %llu job markers for %u jobs: a job the guest never began has no exits\n",
			(unsigned long long)d->fold.job_markers, ctx->njobs);
	kvmtrace_close(t);
	ctx->trace = NULL;
	return d;
}

static void trace_done_free(struct run_ctx *ctx)
{
	struct trace_done *d = ctx->trace_done;

	if (!d)
		return;
	kt_fold_free(&d->fold);
	kt_trace_info_free(&d->info);
	json_decref(d->apicv);
	free(d);
	ctx->trace_done = NULL;
}

void kvm_trace_stop(struct run_ctx *ctx, json_t *record)
{
	struct trace_done *d = ctx->trace_done;
	struct kt_fold jf, *fold;
	json_t *prov, *tj, *kvm;
	char err[512];
	unsigned ncpus;
	int *apic_ids, mapped;

	if (!d)
		d = ctx->trace_done = trace_finish(ctx);
	if (!d) {
		record_fail(record, "trace-loss", "out of memory folding the kvm exit trace; rerun");
		return;
	}
	kvm = json_object_get(json_object_get(record, "provenance"), "kvm");
	if (json_is_object(kvm))
		json_object_set(kvm, "apicv", d->apicv);
	if (!d->traced) {
		/* exit counts come only from a whole trace, never from none */
		if (record_complete(record))
			record_fail(record, "trace-loss", "there is no kvm exit trace: QEMU ended before its trace started, so no exit was counted; rerun (QEMU's log says why it ended)");
		goto out;
	}
	fold = &d->fold;
	if (ctx->njobs > 1) {
		if (kt_fold_job(&d->fold, ctx->job, &jf)) {
			record_fail(record, "trace-loss", "out of memory folding the kvm exit trace; rerun");
			goto out;
		}
		fold = &jf;
	}
	if (*d->fail_kind)
		trace_fail(record, d->fail_kind, d->fail_msg);
	apic_ids = report_apic_ids(record, &ncpus);
	mapped = kt_fold_map(fold, apic_ids, ncpus, err, sizeof(err)) == 0;
	free(apic_ids);
	if (!mapped)
		trace_fail(record, "trace-vcpu-map", err);
	else if (kt_fold_merge_record(fold, record) < 0)
		fprintf(stderr, "irqlbench: warning: the record has no phases to put the exit counts in\n");

	tj = kt_trace_info_json(&d->info, false);
	json_object_set_new(tj, "vcpus", kt_fold_vcpus_json(fold));
	prov = json_object_get(record, "provenance");
	if (json_is_object(prov))
		json_object_set(prov, "trace", tj);
	json_decref(tj);
	write_trace_file(ctx, fold, &d->info, record);
	if (fold != &d->fold)
		kt_fold_free(fold);
out:
	if (ctx->job + 1 >= ctx->njobs)
		trace_done_free(ctx);
}
