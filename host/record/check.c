// SPDX-License-Identifier: MIT
/* check.c - the rules a record's facts keep with each other (see check.h). */
#include "record/check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "cli/util.h"

#define TCG_VENDOR "TCGTCGTCGTCG"	/* QEMU's emulator, in CPUID leaf 0x40000000 */

/* obj.a.b...: the string at that path, or NULL. */
static const char *str_at(json_t *obj, const char *const *path)
{
	for (; *path; path++)
		obj = json_object_get(obj, *path);
	return json_string_value(obj);
}

/*
 * Why rec's numbers cannot be real: the fact that makes them simulated or
 * emulated, in words, or NULL when nothing does.
 */
static const char *not_real(json_t *rec)
{
	static const char *const accel[] = { "provenance", "lab", "l1_accel", NULL };
	static const char *const host[] = { "provenance", "host", "hypervisor", "vendor", NULL };
	static const char *const guest[] = { "guest", "hypervisor", NULL };
	const char *backend = json_string_value(json_object_get(rec, "backend"));
	const char *v;

	if (!backend)
		return NULL;
	if (!strcmp(backend, "model"))
		return "backend model is the simulation: its numbers are simulated";
	if (!strcmp(backend, "tcg"))
		return "backend tcg is QEMU's emulator: its times are emulated";
	if (!strcmp(backend, "lab")) {
		v = str_at(rec, accel);
		if (!v)
			return "provenance.lab.l1_accel is missing: nothing says its L1 ran on a "
			       "hypervisor (l1_accel kvm), its times count as emulated";
		if (!strcmp(v, "tcg"))
			return "provenance.lab.l1_accel is tcg: its L1 ran under QEMU's emulator, "
			       "its times are emulated";
	}
	v = str_at(rec, host);
	if ((!strcmp(backend, "kvm") || !strcmp(backend, "lab")) && v && !strcmp(v, TCG_VENDOR))
		return "provenance.host.hypervisor.vendor is " TCG_VENDOR ": the host ran under "
		       "QEMU's emulator, its times are emulated";
	v = str_at(rec, guest);
	if (v && !strcmp(v, TCG_VENDOR))
		return "guest.hypervisor is " TCG_VENDOR ": the guest ran under QEMU's emulator, "
		       "its times are emulated";
	return NULL;
}

static int check_emulated(json_t *rec, char *err, size_t errlen)
{
	const char *why;

	if (!json_is_false(json_object_get(rec, "emulated")))
		return 0;
	why = not_real(rec);
	if (!why)
		return 0;
	return util_err(err, errlen, -1, "\"emulated\" is false, but %s, never real: give the record "
			"as irqlbench wrote it (\"emulated\": true)", why);
}

/* One reason's exit times t, named `where`: 0, or -1 with err. */
static int check_exit_time(json_t *t, const char *where, char *err, size_t errlen)
{
	static const char fix[] = "the record's exit times are damaged: give the record as "
				  "irqlbench wrote it";
	json_t *jn = json_object_get(t, "n"), *jmin = json_object_get(t, "min");
	json_t *jmax = json_object_get(t, "max"), *jmean = json_object_get(t, "mean");
	double n = json_number_value(jn), sum = json_number_value(json_object_get(t, "sum"));
	double min = json_number_value(jmin), max = json_number_value(jmax), slack;
	static const char *const counts[] = { "n", "untimed", "sum", "min", "max" };

	if (!json_is_object(t))
		return util_err(err, errlen, -1, "%s is not an object: %s", where, fix);
	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		json_t *v = json_object_get(t, counts[i]);

		if (v && !json_is_null(v) && (!json_is_number(v) || !(json_number_value(v) >= 0)))
			return util_err(err, errlen, -1, "%s: %s is %s: a count or time is a number "
					"not below 0; %s", where, counts[i],
					json_is_number(v) ? "negative" : "not a number", fix);
	}
	if (!json_is_number(jn) || n != floor(n))
		return util_err(err, errlen, -1, "%s: n (the exits timed) is not a whole count; %s",
				where, fix);
	if (n == 0) {
		if (sum != 0 || min != 0 || max != 0)
			return util_err(err, errlen, -1, "%s: n is 0 but %s is %g: no exit was timed, "
					"so there is no time; %s", where,
					sum != 0 ? "sum" : min != 0 ? "min" : "max",
					sum != 0 ? sum : min != 0 ? min : max, fix);
		return 0;
	}
	if (!json_is_number(jmin) || !json_is_number(jmax))
		return util_err(err, errlen, -1, "%s: n is %.0f but min or max is missing; %s", where,
				n, fix);
	if (min > max)
		return util_err(err, errlen, -1, "%s: min %g is above max %g; %s", where, min, max, fix);
	/* the mean as written: its last digit may differ from sum / n's */
	slack = 1e-9 * fmax(1, max);
	if (sum / n < min - slack || sum / n > max + slack)
		return util_err(err, errlen, -1, "%s: its mean, sum / n = %g / %.0f = %g, is outside "
				"[min %g, max %g]; %s", where, sum, n, sum / n, min, max, fix);
	if (json_is_number(jmean) && (json_number_value(jmean) < min - slack ||
				      json_number_value(jmean) > max + slack))
		return util_err(err, errlen, -1, "%s: mean %g is outside [min %g, max %g]; %s", where,
				json_number_value(jmean), min, max, fix);
	return 0;
}

static int check_exit_times(json_t *rec, char *err, size_t errlen)
{
	json_t *ph, *vc, *t;
	size_t i, j;
	const char *reason;

	json_array_foreach(json_object_get(rec, "phases"), i, ph)
		json_array_foreach(json_object_get(ph, "vcpus"), j, vc)
			json_object_foreach(json_object_get(vc, "exit_times"), reason, t) {
				char where[160];

				snprintf(where, sizeof(where), "exit_times.%.64s (phase %lld cpu %lld)",
					 reason, (long long)json_integer_value(json_object_get(ph, "idx")),
					 (long long)json_integer_value(json_object_get(vc, "cpu")));
				if (check_exit_time(t, where, err, errlen))
					return -1;
			}
	return 0;
}

/* s as a message may quote it: printable ASCII, at most 64 bytes, the rest '?'. */
static void shown(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len && i < 64; i++)
		out[i] = (unsigned char)s[i] >= ' ' && (unsigned char)s[i] < 0x7f && s[i] != '\'' ?
			 s[i] : '?';
	out[i] = '\0';
}

static int check_params(json_t *rec, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(rec, "workload")), *k;
	const struct wl_info *w;
	char s[72];
	json_t *v;

	if (!name)
		return 0;
	w = wl_find(name);
	if (!w) {
		shown(name, s, sizeof(s));
		return util_err(err, errlen, -1, "workload '%s' is not one this irqlbench has ('irqlbench "
				"list'): import the record with the irqlbench that wrote it", s);
	}
	json_object_foreach(json_object_get(rec, "params"), k, v) {
		shown(k, s, sizeof(s));
		if (!wl_find_param(w, k))
			return util_err(err, errlen, -1, "params: '%s' is not a parameter of workload %s "
					"('irqlbench list %s' names them): a record holds the "
					"parameters its guest applied; give the record as irqlbench "
					"wrote it", s, w->name, w->name);
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return util_err(err, errlen, -1, "params.%s is not a whole number at least 0, as "
					"every parameter of the catalog is: give the record as "
					"irqlbench wrote it", s);
	}
	return 0;
}

int record_check_facts(json_t *rec, char *err, size_t errlen)
{
	return check_emulated(rec, err, errlen) || check_exit_times(rec, err, errlen) ||
	       check_params(rec, err, errlen) ? -1 : 0;
}
