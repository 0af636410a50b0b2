/* SPDX-License-Identifier: MIT */
/*
 * plot.h - what `irqlbench plot` (host/plot/cmd_plot.c) and the paper
 * figures of `irqlbench report --paper` (host/report/paper.c) share: the
 * gnuplot scripts' folder, running one script for one terminal, and the
 * data-file helpers.
 */
#ifndef IRQLBENCH_PLOT_H
#define IRQLBENCH_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "record/metrics.h"

/* The scripts' folder (plots/): $IRQLBENCH_PLOTS_DIR, else the source tree
 * the binary was built in, else share/irqlbench/plots/ of an installed
 * irqlbench, else ./plots.  0, or EXIT_ENV after the error line. */
int plot_find_dir(char *dir, size_t len);
/*
 * Runs `gnuplot -e "plotdir=...; fmt=...; out=...; VARS" DIR/SCRIPT` in the
 * folder cwd (NULL: this one) and checks that it wrote a non-empty out
 * (relative to cwd).  fmt is common.gp's: png, svg, pdf or tex
 * (cairolatex).  0, or EXIT_ENV after the error line.
 */
int plot_gnuplot(const char *plot_dir, const char *script, const char *fmt,
		 const char *out, const char *vars, const char *cwd);
/* snprintf for paths and labels: truncation is acceptable (labels) or
 * impossible in practice (paths under PATH_MAX); keeps gcc's estimate quiet. */
void plot_fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
/* s as one quoted gnuplot column (double quotes inside become single). */
void plot_put_quoted(FILE *f, const char *s);
/* The CDF of h as "x fraction" rows, x = a bucket's upper bound (at most
 * the max) divided by scale (1: cycles; tsc_hz / 1e6: microseconds). */
void plot_cdf_block(FILE *f, const struct merged_hist *h, double scale);

#endif
