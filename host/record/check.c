// SPDX-License-Identifier: MIT
/* check.c - the rules a record's facts keep with each other (see check.h). */
#include "record/check.h"

#include <string.h>

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

int record_check_facts(json_t *rec, char *err, size_t errlen)
{
	return check_emulated(rec, err, errlen);
}
