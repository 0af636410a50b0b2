// SPDX-License-Identifier: MIT
/*
 * model_bench.c - speed of the model backend (tests/bench/model-bench.sh).
 *
 *   events/s  simulated guest events (platform calls) per second of wall
 *             time on one core: irql-churn (the hot path: CR8 writes with
 *             nothing pending) and nested-spinlock (exits and injections);
 *   matrix    wall time of every workload x every policy at default
 *             parameters (the workloads of `irqlbench list`).
 * Each run takes the best of a few repetitions (the machine is shared).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "model/sim.h"

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(enum kp_policy p, const char *cl, struct sim_result *r)
{
	struct sim_config cfg;
	struct boot_info bi;

	sim_defaults(&cfg);
	cfg.policy = p;
	memset(&bi, 0, sizeof(bi));
	bi.cmdline = cl;
	return sim_run(&cfg, &bi, r);
}

static double events_per_s(enum kp_policy p, const char *cl)
{
	double best = 0;

	for (int i = 0; i < 3; i++) {
		struct sim_result r;
		double t0 = wall(), dt;

		if (run(p, cl, &r) || r.end != SIM_RETURNED) {
			fprintf(stderr, "model-bench: %s failed: %s\n", cl, r.message);
			sim_result_free(&r);
			return -1;
		}
		dt = wall() - t0;
		if (r.events / dt > best)
			best = r.events / dt;
		sim_result_free(&r);
	}
	return best;
}

int main(void)
{
	double churn = events_per_s(KP_FIXED, "workload=irql-churn iterations=2000000");
	double nest = events_per_s(KP_FIXED, "workload=nested-spinlock depth=4 iterations=100000");
	double best = 1e9, worst_one = 0;
	char worst[96] = "";
	unsigned runs = 0, failed = 0;

	for (int rep = 0; rep < 3; rep++) {
		double t0 = wall();

		runs = failed = 0;
		for (unsigned w = 0; w < wl_ncatalog; w++) {
			char cl[96];

			if (wl_catalog[w].test_only || wl_catalog[w].needs_script)
				continue;
			snprintf(cl, sizeof(cl), "workload=%s", wl_catalog[w].name);
			for (unsigned p = 0; p < KP_NPOLICY; p++) {
				struct sim_result r;
				double t1 = wall();

				if (run((enum kp_policy)p, cl, &r) || r.end != SIM_RETURNED)
					failed++;
				runs++;
				if (wall() - t1 > worst_one) {
					worst_one = wall() - t1;
					snprintf(worst, sizeof(worst), "%s/%s", wl_catalog[w].name,
						 kp_policy_name((enum kp_policy)p));
				}
				sim_result_free(&r);
			}
		}
		if (wall() - t0 < best)
			best = wall() - t0;
	}
	printf("bench: model-events-hot %.1f Mevents/s (irql-churn under fixed; target >= 10) %s\n",
	       churn / 1e6, churn >= 10e6 ? "met" : "MISSED");
	printf("bench: model-events-exits %.1f Mevents/s (nested-spinlock depth=4 under fixed; target >= 10) %s\n",
	       nest / 1e6, nest >= 10e6 ? "met" : "MISSED");
	printf("bench: model-matrix %.3f s (%u runs: every workload x every policy, defaults; %u failed; slowest %s %.3f s; target < 1) %s\n",
	       best, runs, failed, worst, worst_one, best < 1.0 && !failed ? "met" : "MISSED");
	return failed ? 1 : 0;
}
