// SPDX-License-Identifier: MIT
/*
 * run_values.c - a stored run's values, policy and parameter tuple
 * (run_values.h).
 */
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "suite/run_values.h"
#include "suite/suite.h"

int suite_run_values(const struct run_info *run, struct wl_values *vals, char *err, size_t errlen)
{
	const struct wl_info *w = run->workload ? wl_find(run->workload) : NULL;
	json_error_t jerr;
	json_t *params, *v;
	const char *key;
	char val[32];
	int rc = 0;

	if (!w) {
		snprintf(err, errlen, "workload '%s' is not the catalog's ('irqlbench list')",
			 run->workload ? run->workload : "");
		return -1;
	}
	wl_values_init(vals, w);
	params = json_loads(run->params ? run->params : "{}", 0, &jerr);
	if (!json_is_object(params)) {
		snprintf(err, errlen, "its parameters are no JSON object: %s", jerr.text);
		json_decref(params);
		return -1;
	}
	json_object_foreach(params, key, v) {
		if (json_is_boolean(v))
			snprintf(val, sizeof(val), "%d", json_is_true(v));
		else if (json_is_integer(v) && json_integer_value(v) >= 0)
			snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
		else
			snprintf(val, sizeof(val), "?");
		if (wl_values_set(vals, key, strlen(key), val, strlen(val), err, errlen)) {
			rc = -1;
			break;
		}
	}
	json_decref(params);
	return rc;
}

enum kp_policy suite_run_policy(const struct run_info *run)
{
	if (run->backend && !strcmp(run->backend, "model") && run->policy)
		return kp_policy_find(run->policy);
	if (run->variant)
		return suite_variant_policy(run->variant);
	return KP_NPOLICY;
}

/* Is p one of the workload's own parameters (not a common one)? */
static bool own_param(const struct wl_info *w, const struct wl_param *p)
{
	for (const struct wl_param *q = w->params; q && q->name; q++)
		if (q == p)
			return true;
	return false;
}

void suite_run_tuple(const struct wl_values *vals, char *buf, size_t len)
{
	int n = snprintf(buf, len, "workload=%s", vals->w ? vals->w->name : "?");

	for (unsigned i = 0; i < vals->n && n >= 0 && (size_t)n < len; i++) {
		const struct wl_param *p = vals->p[i];

		if (suite_runner_param(p->name) ||
		    (!own_param(vals->w, p) && vals->v[i] == p->def))
			continue;
		n += snprintf(buf + n, len - (size_t)n, " %s=%llu", p->name,
			      (unsigned long long)vals->v[i]);
	}
}
