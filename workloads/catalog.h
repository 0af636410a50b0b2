/* SPDX-License-Identifier: MIT */
/*
 * catalog.h - the workloads and their parameters, as data.
 *
 * Linked into the guest, the model and the host command (`irqlbench list`,
 * parameter checks before a launch).  No code of the workloads here: the
 * run functions are bound in workloads/registry.c (guest and model only).
 *
 * Every parameter is an unsigned integer with a default and an inclusive
 * range.  The common parameters (wl_common_params) apply to every workload.
 */
#ifndef IRQLBENCH_CATALOG_H
#define IRQLBENCH_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wl_param {
	const char *name;
	uint64_t def, min, max;
	const char *help;
};

struct wl_info {
	const char *name;
	const char *summary;
	const struct wl_param *params;	/* terminated by {NULL} */
	bool test_only;			/* hidden from `list`, for the test suite */
	bool needs_script;		/* takes a scenario script (multiboot module) */
	unsigned min_vcpus;		/* runs on this many vCPUs or more (0: one) */
};

#define WL_MAX_PARAMS 24

extern const struct wl_param wl_common_params[];
extern const struct wl_info wl_catalog[];
extern const unsigned wl_ncatalog;

const struct wl_info *wl_find(const char *name);
/* Looks in the workload's own parameters, then in the common ones. */
const struct wl_param *wl_find_param(const struct wl_info *w, const char *name);

/* The values of one run: every parameter of the workload and the common
 * ones, defaults filled in. */
struct wl_values {
	const struct wl_info *w;
	unsigned n;
	const struct wl_param *p[WL_MAX_PARAMS];
	uint64_t v[WL_MAX_PARAMS];
};

void wl_values_init(struct wl_values *vals, const struct wl_info *w);
/*
 * Sets key=value (value as text, decimal or 0x-hex; "true"/"false"/"on"/
 * "off" for 0/1 parameters).  Returns 0, or -1 with a one-line message in
 * err naming the problem and the fix (unknown parameter, not a number, out
 * of range).
 */
int wl_values_set(struct wl_values *vals, const char *key, size_t keylen,
		  const char *val, size_t vallen, char *err, size_t errlen);
uint64_t wl_get(const struct wl_values *vals, const char *name);

#endif
