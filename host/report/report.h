/* SPDX-License-Identifier: MIT */
/*
 * report.h - tables over the store: one metric, workloads (rows) by
 * backend:series (columns), the mean over the complete runs of a cell.
 */
#ifndef IRQLBENCH_REPORT_H
#define IRQLBENCH_REPORT_H

#include <stdio.h>

#include "store/store.h"

struct matrix {
	char **rows, **cols;
	size_t nr, nc;
	double *sum, *sumsq;	/* nr * nc */
	unsigned *n;
};

/* The row a run belongs to: its workload, and the parameters that change
 * the expected counts (depth, elide_same_level). */
void report_row_label(const struct run_info *r, char *buf, size_t len);
/* The column: "backend:series" (model:fixed, lab:unfixed, kvm:stock). */
void report_col_label(const struct run_info *r, char *buf, size_t len);

int matrix_build(struct store *s, const struct run_filter *f, const char *metric,
		 struct matrix *m, char *err, size_t errlen);
/* Remove column c or row r, with its cells. */
void matrix_drop_col(struct matrix *m, size_t c);
void matrix_drop_row(struct matrix *m, size_t r);
void matrix_free(struct matrix *m);
/* The matrix as JSON: {"metric", "title", "columns": [COLUMN...], "rows":
 * [{"workload": ROW, "cells": {COLUMN: {"mean", "sd", "n"} or null}}]}. */
json_t *matrix_json(const struct matrix *m, const char *metric, const char *title);
/* fmt: md, latex, html */
int matrix_print(FILE *out, const struct matrix *m, const char *title, const char *fmt);

/* `irqlbench report --paper DIR` (paper.c): the paper's figures and
 * tables from the runs f selects.  0, or the exit status after its line. */
int report_paper(struct store *s, const struct run_filter *f, const char *dir);

#endif
