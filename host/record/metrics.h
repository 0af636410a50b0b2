/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - the numbers of a run, computed from its record in one place.
 *
 * metrics_from_record() is the only code that sums a record's counters,
 * exits, injections, delivery counts and histograms over the measured
 * phases.  The results store calls it once per run, at import (and at the
 * migration that brought the table), and keeps the result in its
 * run_metrics table; compare, report, plot, verify and `results show
 * --metrics` read them from there (store_run_metrics()).
 *
 * The metrics of one run, all over the measured phases and every vCPU:
 *   <counter>, <counter>/iter   a counter (guestos/include/stats.h names),
 *                               summed; /iter divides by the summed
 *                               "iterations" counter, when the run counted
 *                               any (then also "iterations" itself)
 *   a key that is a maximum or a minimum (a word "max" or "min" in its
 *   name, e.g. delivery.late_max_cycles) is the extreme over the phases
 *   and vCPUs, and has no /iter: only sums are divided (metric_is_sum())
 *   exit.<reason>[/iter]        exits by reason (perf kvm stat names);
 *   exit.total[/iter]           all exits.  A run whose backend counts exits
 *                               has exit.write_cr8 even when none exited (0:
 *                               a TPR shadow, AVIC)
 *   inj.<vector>[/iter]         injections by vector
 *   delivery.<key>[/iter]       unmasking_writes, immediate, late, ...
 *   delivery.immediate_pct      100 * immediate / (immediate + late)
 *   <hist>.p50, <hist>.p99      of the histogram merged over the phases and
 *                               vCPUs: a bucket upper bound, the maximum
 *                               when it falls in the overflow bucket
 *   exit_ns.<reason>.mean, .p50, .p99
 *                               kvm/lab: the exit handling time (kvm_exit to
 *                               the vCPU's next kvm_entry, exit_times of the
 *                               record), merged over the phases and vCPUs, in
 *                               ns of the trace clock (emulated in the lab)
 *   exit_ns.<reason>.total[/iter]  the time summed (/iter: per iteration)
 * A metric the record gives no number for is absent, never 0.
 */
#ifndef IRQLBENCH_METRICS_H
#define IRQLBENCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct metric {
	char name[80];
	double v;
};

struct metric_set {
	struct metric *v;
	size_t n, cap;
};

/*
 * Adds rec's metrics to out (normally empty), sorted by name.  A failed
 * record gets the metrics of the phases it has (none when it failed before
 * it measured); whether a run counts as a result is the store's decision
 * (store_run_failed()), never the metrics'.  Returns 0, or -1 when rec is
 * not a JSON object.
 */
int metrics_from_record(json_t *rec, struct metric_set *out);

/* Is the metric `name` (with its prefix, without "/iter") a sum over the
 * phases and vCPUs: false for a maximum or a minimum ("delivery.late_max_cycles"),
 * which is never divided by the iterations. */
bool metric_is_sum(const char *name);
/* Does the set have the metric (whatever its value, NAN included)? */
bool metric_has(const struct metric_set *m, const char *name);
/* Value of a metric; NAN if the set does not have it. */
double metric_get(const struct metric_set *m, const char *name);
/* Sets a metric (adds it when new). */
void metric_set_put(struct metric_set *m, const char *name, double v);
void metric_set_free(struct metric_set *m);

/* A histogram merged over phases and vCPUs (and runs, for the plots). */
struct merged_hist {
	size_t nb;
	double *bounds;
	double *counts;
	double overflow, n, min, max;
	double sum;		/* of the samples, where the record's histograms give
				 * it ("sum"; 0 where not): mean = sum / n */
	/* runs whose histogram had other bucket bounds (left out): the
	 * caller says so once (merged_hist_warn), not a line a run */
	unsigned left_out;
	char left_out_id[96];	/* the first of them */
};

/* One warning line on stderr if h left runs out for their bucket bounds
 * (a store with records of the former 1-2-5 layout and the log-linear
 * one): "irqlbench: warning: WHAT: N run(s) ... left out (e.g. ID)". */
void merged_hist_warn(const struct merged_hist *h, const char *what);

/*
 * Adds one histogram to h: nb bounds and counts, its overflow count, its n
 * (< 0 when it has none: its buckets say it), min and max (NAN: none).
 * Returns 1, or 0 when its bounds differ from those already in h (it is
 * left out).
 */
int merged_hist_add(struct merged_hist *h, const double *bounds, const double *counts,
		    size_t nb, double overflow, double n, double min, double max);
/*
 * Adds rec's histogram `name`, merged over its measured phases and vCPUs,
 * to h (a part with other bounds is left out, with a warning on stderr):
 * the buckets of the CDF plots.  Returns 1 if any was added, 0 if rec has
 * none.
 */
int metrics_hist_from_record(json_t *rec, const char *name, struct merged_hist *h);
/*
 * Quantile q (0..1) of h as the range [*lo, *hi] (cycles) of the bucket that
 * holds it, clamped to h's [min, max] where h has them: the exact quantile
 * lies in it, and *hi is never above max.  Returns 0; 1 when it lies in the
 * overflow (*lo the last bound + 1, *hi the max); -1 when h is empty.
 */
int merged_hist_range(const struct merged_hist *h, double q, double *lo, double *hi);
/* Quantile q (0..1) as merged_hist_range()'s *hi: the bucket's upper bound,
 * at most max (max for the overflow); NAN if empty. */
double merged_hist_quantile(const struct merged_hist *h, double q);
void merged_hist_free(struct merged_hist *h);

/* One exit reason's handling times (a kvm/lab record's exit_times),
 * merged over the measured phases and vCPUs. */
struct exit_time_sum {
	char reason[48];
	double exits;		/* counted: timed + untimed */
	double untimed;		/* counted, never seen re-entered */
	double sum, min, max;	/* of the timed ones, ns (min/max NAN: none) */
	struct merged_hist h;	/* their buckets (n: how many were timed) */
};

/*
 * The exit times of rec, per reason, in reason order: *out (free with
 * exit_time_sums_free()) and its length; 0 when rec has none (a backend
 * that does not trace, or a record from before exit_times).
 */
size_t metrics_exit_times(json_t *rec, struct exit_time_sum **out);
void exit_time_sums_free(struct exit_time_sum *e, size_t n);

/*
 * Where a model run's costs came from, in words, from its provenance.model
 * (`irqlbench model`, results/SCHEMA.md): "costs from run R" (--costs-from,
 * provenance.model.costs_from.run) or "default costs", then each --cost the
 * run kept (provenance.model.cost_overrides), by key: ", --cost
 * exit_cr8=777", and the host tick when it is not the default 250 Hz
 * (provenance.model.host_hz): ", --host-hz 1000".  A record without
 * provenance.model: "default costs".  What
 * `results show --exits` heads a model run's table with and `compare`
 * groups model runs by (runs of different cost sources are never pooled).
 */
#define MODEL_DEFAULT_HOST_HZ 250	/* the model's host tick (host/model/sim_platform.c) */
void metrics_cost_source(json_t *model, char *buf, size_t len);

#endif
