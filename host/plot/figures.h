/* SPDX-License-Identifier: MIT */
/*
 * figures.h - what the figures of `irqlbench plot` share: the command's
 * context (host/plot/cmd_plot.c) and the kernel-version figures
 * (host/plot/kernels.c).
 */
#ifndef IRQLBENCH_FIGURES_H
#define IRQLBENCH_FIGURES_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/stage.h"
#include "record/metrics.h"
#include "store/store.h"

#define PLOT_MAX_FIGURES 16

struct plot_ctx {
	struct store *s;
	struct run_filter f;
	const char *out_dir, *dash_dir, *metric;	/* as given */
	/* where the files are written: the staging folders of out_dir and
	 * dash_dir (cli/stage.h), put in place when all are written */
	struct stage out, dash;
	char plot_dir[PATH_MAX];
	bool include_failed;
	struct run_list runs;
	struct metric_set *ms;		/* per run */
	double *tsc_hz;			/* per run: guest.tsc_hz, NAN where none */
	unsigned nplots;
	char plots[PLOT_MAX_FIGURES][32];	/* names written, for the dashboard */
	char *kernels_html;		/* the dashboard's section of the kernel
					 * figures (plot_kernel_figures()), malloc'd */
};

/* Opens DATA/NAME.dat in out_dir's staging folder for writing, its first
 * line a comment naming the store; NULL after the error line (EXIT_ENV). */
FILE *plot_data_file(struct plot_ctx *c, const char *name, char *path, size_t len);
/* Runs SCRIPT for PNG and SVG into NAME.{png,svg} of out_dir's staging
 * folder and lists NAME for the dashboard.  0, or EXIT_ENV after the error
 * line. */
int plot_figure(struct plot_ctx *c, const char *script, const char *name, const char *vars);

/*
 * Debian's version order (dpkg's verrevcmp, deb-version(7)) of two whole
 * versions ("6.1.192-3"): < 0, 0, > 0 as dpkg --compare-versions orders
 * them.
 */
int plot_ver_cmp(const char *a, const char *b);

/*
 * The figures with the Debian kernel version on the x axis (kernels.c):
 * kernel-exits and kernel-late (the counts workloads/suites.cfg fixes, with
 * its expected values drawn), kernel-latency (DPC delay and interrupt
 * latency p50/p99 in µs, the median of the runs and their min-max band),
 * and their dashboard section in c->kernels_html.  0, or a status after
 * the error line.
 */
int plot_kernel_figures(struct plot_ctx *c);

#endif
