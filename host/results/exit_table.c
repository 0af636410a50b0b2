// SPDX-License-Identifier: MIT
/* results show --exits: perf kvm stat's VM-EXIT table of a record (exit_table.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/metrics.h"
#include "results/exit_table.h"

static int by_samples(const void *a, const void *b)
{
	const struct exit_time_sum *x = a, *y = b;

	if (x->exits != y->exits)
		return x->exits < y->exits ? 1 : -1;
	return strcmp(x->reason, y->reason);
}

/* A time in ns as perf prints it, in us with 2 decimals; "-" for none. */
static void put_us(FILE *f, int width, double ns)
{
	if (isnan(ns))
		fprintf(f, " %*s", width, "-");
	else
		fprintf(f, " %*.2fus", width - 2, ns / 1000.0);
}

int exit_table_print(FILE *f, json_t *rec)
{
	struct exit_time_sum *e;
	size_t n = metrics_exit_times(rec, &e);
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *backend = json_string_value(json_object_get(rec, "backend"));
	const char *clock = json_string_value(json_object_get(
		json_object_get(json_object_get(rec, "provenance"), "trace"), "clock"));
	struct metric_set m = { 0 };
	double samples = 0, time = 0, iters, timed = 0;

	if (!n) {
		fprintf(stderr, "irqlbench: run %s has no exit times: only kvm and lab runs trace "
			"their exits, and model runs with --costs-from charge measured ones "
			"(records from before exit_times have counts only: see 'results show %s')\n",
			id ? id : "?", id ? id : "ID");
		free(e);
		return 1;
	}
	metrics_from_record(rec, &m);
	iters = metric_get(&m, "iterations");
	metric_set_free(&m);
	qsort(e, n, sizeof(*e), by_samples);
	for (size_t i = 0; i < n; i++) {
		samples += e[i].exits;
		time += e[i].sum;
		timed += e[i].h.n;
	}
	fprintf(f, "Analyze events of run %s (%s), measured phases, all VCPUs:\n", id ? id : "?",
		backend ? backend : "?");
	if (backend && !strcmp(backend, "model")) {
		json_t *model = json_object_get(json_object_get(rec, "provenance"), "model");
		json_t *src = json_object_get(model, "costs_from");
		const char *run = json_string_value(json_object_get(src, "run"));
		char words[512];
		size_t nh = run ? strlen("costs from run ") + strlen(run) : 0;

		/* "costs from run R (lab, emulated time)", then the --cost
		 * options that changed some of those costs: ", --cost K=V" */
		metrics_cost_source(model, words, sizeof(words));
		fprintf(f, "time: SIMULATED: what the model charged each exit, ");
		if (run && nh <= strlen(words))
			fprintf(f, "%.*s (%s%s)%s\n", (int)nh, words,
				json_string_value(json_object_get(src, "backend")) ?: "?",
				json_is_true(json_object_get(src, "emulated")) ? ", emulated time" : "",
				words + nh);
		else
			fprintf(f, "%s\n", words);
	} else {
		fprintf(f, "time: kvm_exit to the vCPU's next kvm_entry, ns of the trace clock '%s'%s\n",
			clock ? clock : "?", !json_is_true(json_object_get(rec, "emulated")) ? "" :
			backend && !strcmp(backend, "lab") ?
			" (EMULATED: the lab's L1 runs under TCG; not a real host's time)" :
			" (EMULATED: this host runs under TCG; not a real host's time)");
	}
	fprintf(f, "\n%20s %10s %9s %9s %11s %11s %11s %11s %11s %13s %11s %8s\n\n", "VM-EXIT",
		"Samples", "Samples%", "Time%", "Min Time", "Max Time", "Avg time", "p50 time",
		"p99 time", "Samples/iter", "Time/iter", "Untimed");
	for (size_t i = 0; i < n; i++) {
		const struct exit_time_sum *x = &e[i];
		bool any = x->h.n > 0;

		fprintf(f, "%20s %10.0f %8.2f%% %8.2f%%", x->reason, x->exits,
			samples > 0 ? 100.0 * x->exits / samples : 0.0,
			time > 0 ? 100.0 * x->sum / time : 0.0);
		put_us(f, 11, any ? x->min : NAN);
		put_us(f, 11, any ? x->max : NAN);
		put_us(f, 11, any ? x->sum / x->h.n : NAN);
		put_us(f, 11, any ? merged_hist_quantile(&x->h, 0.5) : NAN);
		put_us(f, 11, any ? merged_hist_quantile(&x->h, 0.99) : NAN);
		if (iters > 0)
			fprintf(f, " %13.3f", x->exits / iters);
		else
			fprintf(f, " %13s", "-");
		put_us(f, 11, iters > 0 && any ? x->sum / iters : NAN);
		fprintf(f, " %8.0f\n", x->untimed);
	}
	fprintf(f, "\nTotal Samples:%.0f, Total events handled time:%.2fus (%.0f timed, %.0f untimed: "
		"no kvm_entry followed in the trace).\n", samples, time / 1000.0, timed,
		samples - timed);
	exit_time_sums_free(e, n);
	return 0;
}
