// SPDX-License-Identifier: MIT
/*
 * costs_from.c - `irqlbench model --costs-from RECORD`: the model's costs
 * taken from a measured record instead of its round defaults (model.h).
 *
 * What a record can give, and where it comes from:
 *   exit_<reason>  the mean handling time of that exit reason in the record's
 *                  measured phases: kvm_exit to the vCPU's next kvm_entry
 *                  (exit_times, host/trace; kvm and lab records), ns of the
 *                  trace clock converted to the guest's TSC cycles with
 *                  guest.tsc_hz.  The hardware world switch (#VMEXIT and
 *                  VMRUN themselves) lies outside the two tracepoints and is
 *                  not in it.
 *   mmio           0 when the APIC-access exit (npf / APIC_ACCESS) was timed:
 *                  its traced time already holds the emulation.
 *   cr8            a CR8 write that does not exit, from a probe=1 record:
 *                  the median of the writes the probe did not count as
 *                  trapped (cr8_write_cost, guestos/nt/irql.c) less the
 *                  cheapest rdtsc pair the probe calibrated (guest.probe_rdtsc).
 * Everything else keeps its default; the source object says which keys were
 * measured and which were not, and why.
 */
#include "model/model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "record/check.h"
#include "record/metrics.h"

/* An exit reason's names in a record: perf kvm stat's for SVM, the SDM's
 * basic exit reasons for VMX, and the APIC virtualization's own. */
static const char *const reason_names[KX_N][3] = {
	[KX_CR8] = { "write_cr8", "CR_ACCESS" },
	[KX_INTR] = { "interrupt", "EXTERNAL_INTERRUPT" },
	[KX_WINDOW] = { "vintr", "INTERRUPT_WINDOW" },
	[KX_IO] = { "io", "IO_INSTRUCTION" },
	[KX_APIC] = { "npf", "APIC_ACCESS", "avic_unaccelerated_access" },
	[KX_MSR] = { "msr", "MSR_WRITE" },
	[KX_MSR_READ] = { "msr", "MSR_READ" },
	[KX_HLT] = { "hlt", "HLT" },
	[KX_TPR_BELOW] = { "tpr_below_threshold", "TPR_BELOW_THRESHOLD" },
};

/* The cost key of exit k, as --cost names it (sim_platform.c's table). */
static const char *const exit_keys[KX_N] = {
	[KX_CR8] = "exit_cr8", [KX_INTR] = "exit_intr", [KX_WINDOW] = "exit_window",
	[KX_IO] = "exit_io", [KX_APIC] = "exit_apic", [KX_MSR] = "exit_msr",
	[KX_MSR_READ] = "exit_msr_read",
	[KX_HLT] = "exit_hlt", [KX_TPR_BELOW] = "exit_tpr_below",
};

static const struct exit_time_sum *find_reason(const struct exit_time_sum *e, size_t n,
					       enum kp_exit k)
{
	for (unsigned j = 0; j < 3 && reason_names[k][j]; j++)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(e[i].reason, reason_names[k][j]) && e[i].h.n > 0)
				return &e[i];
	return NULL;
}

static uint64_t ns_to_cycles(double ns, double hz)
{
	double c = round(ns * hz / 1e9);

	return c < 0 ? 0 : c > 1e9 ? 1000000000ull : (uint64_t)c;
}

/* cost.cr8 from a probe=1 record: 0 and *cycles, or -1 with why. */
static int probe_cr8(json_t *rec, uint64_t *cycles, json_t *info, char *why,
		     size_t len)
{
	json_t *guest = json_object_get(rec, "guest");
	double rdtsc = (double)json_integer_value(json_object_get(guest, "probe_rdtsc"));
	struct metric_set m = { 0 };
	struct merged_hist h = { 0 };
	double samples, trapped, below, q, median;
	int rc = -1;

	metrics_from_record(rec, &m);
	samples = metric_get(&m, "probe_samples");
	trapped = metric_get(&m, "probe_exits");
	metric_set_free(&m);
	if (!(samples > 0) || !metrics_hist_from_record(rec, "cr8_write_cost", &h)) {
		snprintf(why, len, "the record has no CR8-write probe (run with --param probe=1)");
		goto out;
	}
	below = samples - (trapped > 0 ? trapped : 0);
	if (below < 1) {
		snprintf(why, len, "every probed CR8 write trapped (%.0f of %.0f): no write without an exit to time",
			 trapped, samples);
		goto out;
	}
	/* the untrapped writes are the cheapest `below` samples */
	q = below / 2 / h.n;
	median = merged_hist_quantile(&h, q > 1 ? 1 : q);
	if (isnan(median)) {
		snprintf(why, len, "the probe's histogram is empty");
		goto out;
	}
	*cycles = median > rdtsc ? (uint64_t)llround(median - rdtsc) : 0;
	json_object_set_new(info, "cr8", json_pack("{s:s, s:f, s:f, s:f, s:f, s:I}",
		"from", "cr8_write_cost: median of the untrapped writes less guest.probe_rdtsc",
		"samples", samples, "trapped", trapped, "median_cycles", median,
		"rdtsc_pair_cycles", rdtsc, "cycles", (json_int_t)*cycles));
	rc = 0;
out:
	merged_hist_free(&h);
	return rc;
}

int model_costs_from(struct sim_config *cfg, json_t *rec, json_t **source, char *err, size_t len)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *status = json_string_value(json_object_get(rec, "status"));
	const char *backend = json_string_value(json_object_get(rec, "backend"));
	json_t *hzj = json_object_get(json_object_get(rec, "guest"), "tsc_hz");
	double hz = json_is_number(hzj) ? json_number_value(hzj) : 0;
	struct sim_costs c = cfg->cost;
	struct exit_time_sum *e;
	size_t n;
	json_t *prov = json_object_get(rec, "provenance"), *src, *measured, *unmeasured, *kernel;
	char why[512];
	uint64_t cr8;
	bool any;

	*source = NULL;
	if (!id || !status || !backend) {
		snprintf(err, len, "not a result record (no id, status or backend): give a record file (results/SCHEMA.md) or a stored run's id");
		return -1;
	}
	if (strcmp(json_string_value(json_object_get(rec, "schema")) ?: "", "irqlbench-record/1")) {
		snprintf(err, len, "not an irqlbench-record/1 (its schema is '%s'): give a record this irqlbench writes (results/SCHEMA.md)",
			 json_string_value(json_object_get(rec, "schema")) ?: "");
		return -1;
	}
	/* the store's rules for what a record's facts say of each other */
	if (record_check_facts(rec, why, sizeof(why))) {
		snprintf(err, len, "run %s: %s", id, why);
		return -1;
	}
	if (!strcmp(backend, "model")) {
		snprintf(err, len, "run %s is the model's own (simulated): its costs are not measured; give a kvm or lab run's record",
			 id);
		return -1;
	}
	if (strcmp(status, "complete")) {
		snprintf(err, len, "run %s is '%s': its times are partial; give a complete run", id, status);
		return -1;
	}
	if (strcmp(backend, "kvm") && strcmp(backend, "lab") && strcmp(backend, "tcg") &&
	    strcmp(backend, "guest")) {
		snprintf(err, len, "run %s is of backend '%s': give a kvm or lab record (exit times), or a tcg or guest one with a probe",
			 id, backend);
		return -1;
	}
	if (!json_is_number(hzj)) {
		snprintf(err, len, "run %s has no guest.tsc_hz to turn its ns into TSC cycles: give a run whose guest reported its TSC rate",
			 id);
		return -1;
	}
	if (!(hz >= 1e6 && hz <= 1e11)) {
		snprintf(err, len, "run %s: its guest.tsc_hz %g is not a TSC rate (1 MHz..100 GHz): the record is damaged",
			 id, hz);
		return -1;
	}
	n = metrics_exit_times(rec, &e);
	src = json_pack("{s:s, s:s, s:b, s:f}", "run", id, "backend", backend,
			"emulated", json_is_true(json_object_get(rec, "emulated")), "tsc_hz", hz);
	if (json_is_string(json_object_get(rec, "variant")))
		json_object_set(src, "variant", json_object_get(rec, "variant"));
	/* the kernel whose kvm_amd handled the exits: the lab's L1, the kvm
	 * backend's host */
	kernel = json_object_get(json_object_get(json_object_get(prov, "lab"), "kernel"),
				 "debian_version");
	if (!json_is_string(kernel))
		kernel = json_object_get(json_object_get(prov, "host"), "kernel");
	if (json_is_string(kernel))
		json_object_set(src, "kernel", kernel);
	measured = json_object();
	unmeasured = json_object();
	any = false;
	for (unsigned k = 0; k < KX_N; k++) {
		const struct exit_time_sum *x = find_reason(e, n, (enum kp_exit)k);
		double mean;

		if (!x) {
			json_object_set_new(unmeasured, exit_keys[k], json_string(
				n ? "no timed exit of this reason in the measured phases" :
				"the record has no exit times (only kvm and lab runs trace their exits)"));
			continue;
		}
		mean = x->sum / x->h.n;
		if (!(mean >= 0 && mean * hz / 1e9 <= 1e9)) {
			snprintf(err, len, "run %s: its mean %s time (%g ns) is not a cost in 0..1000000000 cycles at %.0f Hz: its exit_times are damaged",
				 id, x->reason, mean, hz);
			exit_time_sums_free(e, n);
			json_decref(src);
			json_decref(measured);
			json_decref(unmeasured);
			return -1;
		}
		c.exit[k] = ns_to_cycles(mean, hz);
		json_object_set_new(measured, exit_keys[k], json_pack("{s:s, s:f, s:f, s:I}",
			"reason", x->reason, "timed", x->h.n, "mean_ns", mean,
			"cycles", (json_int_t)c.exit[k]));
		if (k == KX_APIC) {
			c.mmio = 0;
			json_object_set_new(measured, "mmio", json_pack("{s:s, s:I}", "from",
				"0: the APIC-access exit's traced time holds the emulation", "cycles",
				(json_int_t)0));
		}
		any = true;
	}
	exit_time_sums_free(e, n);
	if (!probe_cr8(rec, &cr8, measured, why, sizeof(why))) {
		c.cr8 = cr8;
		any = true;
	} else {
		json_object_set_new(unmeasured, "cr8", json_string(why));
	}
	if (!any) {
		snprintf(err, len, "run %s (backend %s) has neither exit times nor CR8 writes it could time: give a kvm or lab run's record, or a run with --param probe=1",
			 id, backend);
		json_decref(src);
		json_decref(measured);
		json_decref(unmeasured);
		return -1;
	}
	cfg->cost = c;
	cfg->tsc_hz = (uint64_t)llround(hz);
	json_object_set_new(src, "measured", measured);
	json_object_set_new(src, "defaults", unmeasured);
	*source = src;
	return 0;
}
