// SPDX-License-Identifier: MIT
/*
 * The kvm backend's trace hooks of `irqlbench run` (host/qemu.h): they
 * override the weak defaults in host/cmd_run.c when host/trace/ is linked.
 *
 * kvm_trace_start traces QEMU's process: its threads now and, through the
 * instance's event-fork option, the vCPU threads it creates later (QEMU
 * runs at that point; what its vCPUs do before the tracing is on falls
 * into phase 0, never into a measured phase, which the guest marks later).
 * kvm_trace_stop folds the trace into the record's phases[].vcpus[] and
 * writes the whole fold (with diagnostics) to ctx->trace_path.
 */
#include <stdio.h>
#include <string.h>

#include "qemu.h"
#include "trace/kvm_fold_json.h"
#include "trace/kvmtrace.h"

int kvm_trace_start(struct run_ctx *ctx, pid_t qemu_pid)
{
	struct kvmtrace_opts o = { .pid = qemu_pid };
	char err[400];

	ctx->trace = kvmtrace_start(&o, err, sizeof(err));
	if (!ctx->trace) {
		snprintf(ctx->hook_error, sizeof(ctx->hook_error), "kvm exit trace: %s", err);
		return -1;
	}
	return 0;
}

static void write_trace_file(struct run_ctx *ctx, struct kt_fold *fold, json_t *record)
{
	json_t *j, *art;
	const char *base;

	if (!ctx->trace_path)
		return;
	j = kt_fold_json(fold);
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

void kvm_trace_stop(struct run_ctx *ctx, json_t *record)
{
	struct kvmtrace *t = ctx->trace;
	struct kt_fold fold;
	char err[512];

	if (!t)
		return;
	kt_fold_init(&fold);
	if (kvmtrace_stop(t, &fold, err, sizeof(err))) {
		fprintf(stderr, "irqlbench: warning: kvm exit trace: %s; the record has no exit counts\n",
			err);
	} else {
		if (fold.missed)
			fprintf(stderr, "irqlbench: warning: the trace ring buffer dropped %llu events; exit counts are low\n",
				(unsigned long long)fold.missed);
		if (fold.markers == 0)
			fprintf(stderr, "irqlbench: warning: the trace saw no phase markers (port 0x500); all exits are in phase 0\n");
		if (kt_fold_merge_record(&fold, record) < 0)
			fprintf(stderr, "irqlbench: warning: the record has no phases to put the exit counts in\n");
		write_trace_file(ctx, &fold, record);
	}
	kvmtrace_close(t);
	ctx->trace = NULL;
	kt_fold_free(&fold);
}
