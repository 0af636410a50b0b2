// SPDX-License-Identifier: MIT
/*
 * hostfacts.c - provenance.host: what the host says about itself (see
 * hostfacts.h for the sources and the one override).
 */
#include "record/hostfacts.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli/util.h"

#define CPUID_HYPERVISOR_BIT	(1u << 31)	/* CPUID.1:ECX[31] */
#define CPUID_HYPERVISOR_LEAF	0x40000000u

/* JSON strings are UTF-8: anything but printable ASCII becomes '?';
 * trailing blanks go (DMI strings are padded). */
static char *printable(char *s)
{
	size_t n;

	if (!s)
		return NULL;
	for (char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	for (n = strlen(s); n && s[n - 1] == ' '; n--)
		s[n - 1] = '\0';
	return s;
}

/* The first line of ROOT/rel, printable; NULL when unreadable.  To free. */
static char *root_line(const char *root, const char *rel)
{
	char *path = xasprintf("%s%s", root, rel), *s = util_read_line(path);

	free(path);
	return printable(s);
}

/* root_line() of a DMI file, NULL with *why the reason when it cannot be
 * read or says nothing (a VM without DMI, a kernel without the driver). */
static char *dmi_line(const char *root, const char *rel, char **why)
{
	char *path = xasprintf("%s%s", root, rel), *s;
	int err;

	errno = 0;
	s = util_read_line(path);
	err = errno;
	free(path);
	*why = NULL;
	if (!s)
		*why = xasprintf("cannot read %s: %s", rel, strerror(err ? err : EIO));
	else if (!*s)
		*why = xstrdup("empty");
	if (*why) {
		free(s);
		return NULL;
	}
	return printable(s);
}

static char *root_cpuinfo(const char *root, const char *key)
{
	char *path = xasprintf("%s/proc/cpuinfo", root), *s = util_file_field(path, key);

	free(path);
	return printable(s);
}

static json_t *str_or_null(char *s)
{
	json_t *j = s ? json_string(s) : NULL;

	free(s);
	return j ? j : json_null();
}

/* A decimal cpuinfo field ("cpu family", "model", "stepping"), or null. */
static json_t *cpuinfo_int(const char *root, const char *key)
{
	char *s = root_cpuinfo(root, key), *end = NULL;
	long long v = s ? strtoll(s, &end, 10) : 0;
	json_t *j = s && end != s && !*end ? json_integer(v) : json_null();

	free(s);
	return j;
}

/* "1" / "0" of a sysfs file as a boolean (invert: "1" means false), or null. */
static json_t *sys_bool(const char *root, const char *rel, bool invert)
{
	char *s = root_line(root, rel);
	json_t *j = s && (!strcmp(s, "0") || !strcmp(s, "1")) ?
		    json_boolean((s[0] == '1') != invert) : json_null();

	free(s);
	return j;
}

/* A CPU list file ("" when it lists none; the kernel writes "(null)" for
 * an empty nohz_full mask), or null where the kernel has no such file. */
static json_t *sys_cpulist(const char *root, const char *rel)
{
	char *s = root_line(root, rel);

	if (s && !strcmp(s, "(null)"))
		s[0] = '\0';
	return str_or_null(s);
}

/* --- the hypervisor ---------------------------------------------------------- */

static void cpuid_hypervisor(struct host_hypervisor *hv)
{
	const char *env = getenv(HOST_CPUID_ENV);
	unsigned a, b, c, d, r[3];

	if (env) {
		hv->from_env = true;
		hv->cpuid_bit = *env && strcmp(env, "none");
		if (hv->cpuid_bit)
			snprintf(hv->vendor, sizeof(hv->vendor), "%s", env);
		return;
	}
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	hv->cpuid_bit = c & CPUID_HYPERVISOR_BIT;
	/* the leaf is the hypervisor's only where the bit says one is there */
	if (!hv->cpuid_bit)
		return;
	/* EAX, the highest leaf, is 0 on old KVMs: only the signature counts */
	__cpuid(CPUID_HYPERVISOR_LEAF, a, r[0], r[1], r[2]);
	memcpy(hv->vendor, r, 12);
	hv->vendor[12] = '\0';		/* "KVMKVMKVM\0\0\0" ends early */
}

void host_hypervisor_read(const char *root, struct host_hypervisor *hv)
{
	char *flags = root_cpuinfo(root, "flags");

	memset(hv, 0, sizeof(*hv));
	hv->cpuinfo_flag = util_flag_listed(flags, "hypervisor");
	free(flags);
	cpuid_hypervisor(hv);
	printable(hv->vendor);
	hv->dmi_vendor = root_line(root, "/sys/class/dmi/id/sys_vendor");
	hv->dmi_product = dmi_line(root, "/sys/class/dmi/id/product_name", &hv->dmi_product_why);
}

void host_hypervisor_free(struct host_hypervisor *hv)
{
	free(hv->dmi_vendor);
	free(hv->dmi_product);
	free(hv->dmi_product_why);
	hv->dmi_vendor = hv->dmi_product = hv->dmi_product_why = NULL;
}

bool host_hypervisor_present(const struct host_hypervisor *hv)
{
	return hv->cpuid_bit || hv->cpuinfo_flag;
}

bool host_hypervisor_is_tcg(const struct host_hypervisor *hv)
{
	return !strcmp(hv->vendor, "TCGTCGTCGTCG");
}

char *host_hypervisor_name(const struct host_hypervisor *hv)
{
	const char *who = hv->vendor[0] ? hv->vendor : "a hypervisor that gives no CPUID vendor";

	if (hv->dmi_product && *hv->dmi_product)
		return xasprintf("%s, %s", who, hv->dmi_product);
	return xstrdup(who);
}

json_t *host_hypervisor_json(const struct host_hypervisor *hv)
{
	json_t *j = json_object();

	json_object_set_new(j, "present", json_boolean(host_hypervisor_present(hv)));
	json_object_set_new(j, "cpuid_bit", json_boolean(hv->cpuid_bit));
	json_object_set_new(j, "cpuinfo_flag", json_boolean(hv->cpuinfo_flag));
	json_object_set_new(j, "vendor", hv->vendor[0] ? json_string(hv->vendor) : json_null());
	json_object_set_new(j, "cpuid_from", json_string(hv->from_env ? HOST_CPUID_ENV : "cpu"));
	json_object_set_new(j, "dmi_sys_vendor", str_or_null(hv->dmi_vendor ? xstrdup(hv->dmi_vendor) : NULL));
	json_object_set_new(j, "dmi_product_name",
			    str_or_null(hv->dmi_product ? xstrdup(hv->dmi_product) : NULL));
	json_object_set_new(j, "dmi_product_name_why",
			    str_or_null(hv->dmi_product_why ? xstrdup(hv->dmi_product_why) : NULL));
	json_object_set_new(j, "nested", json_null());
	return j;
}

/* --- timing: cpufreq, SMT, isolation ----------------------------------------- */

json_t *host_governors_json(const char *root, const cpu_set_t *cpus)
{
	enum { MAXGOV = 8 };
	char *names[MAXGOV] = { NULL }, list[1024];
	cpu_set_t sets[MAXGOV], mine;
	unsigned ngov = 0;
	json_t *j;

	if (!cpus) {
		if (sched_getaffinity(0, sizeof(mine), &mine))
			return json_null();
		cpus = &mine;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		char rel[96], *gov;
		unsigned g;

		if (!CPU_ISSET(cpu, cpus))
			continue;
		snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", cpu);
		gov = root_line(root, rel);
		if (!gov || !*gov) {
			free(gov);
			continue;
		}
		for (g = 0; g < ngov && strcmp(names[g], gov); g++)
			;
		if (g == ngov && ngov == MAXGOV) {
			free(gov);
			continue;	/* more governors than there are in Linux */
		}
		if (g == ngov) {
			names[ngov] = gov;
			CPU_ZERO(&sets[ngov++]);
		} else {
			free(gov);
		}
		CPU_SET(cpu, &sets[g]);
	}
	if (!ngov)
		return json_null();
	j = json_object();
	for (unsigned g = 0; g < ngov; g++) {
		json_object_set_new(j, names[g], json_string(util_cpulist_format(&sets[g], list, sizeof(list))));
		free(names[g]);
	}
	return j;
}

/* cpufreq's boost switch (acpi-cpufreq, amd-pstate), else intel_pstate's
 * no_turbo (inverted), else null. */
static json_t *boost_json(const char *root)
{
	json_t *j = sys_bool(root, "/sys/devices/system/cpu/cpufreq/boost", false);

	if (json_is_null(j)) {
		json_decref(j);
		j = sys_bool(root, "/sys/devices/system/cpu/intel_pstate/no_turbo", true);
	}
	return j;
}

/*
 * The Debian package version a kernel was built as, from its version
 * string (uname -v: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-10-30)",
 * as Debian's kernel packaging writes it), and its upstream version: the
 * package version without the Debian revision (6.1.192); NULL for a
 * kernel that says no such thing (a kernel you built: then upstream is
 * the numeric start of the release, 6.18.44 of 6.18.44-fc-v769).
 */
void host_kernel_versions(const char *version, const char *release, char **pkg, char **upstream)
{
	const char *d = version ? strstr(version, "Debian ") : NULL;
	size_t n;

	*pkg = *upstream = NULL;
	if (d) {
		d += 7;
		n = strspn(d, "0123456789.-+~abcdefghijklmnopqrstuvwxyz");
		if (n && d[0] >= '0' && d[0] <= '9')
			*pkg = strndup(d, n);
	}
	if (*pkg) {
		char *dash = strrchr(*pkg, '-');

		*upstream = dash ? strndup(*pkg, (size_t)(dash - *pkg)) : strdup(*pkg);
	} else if (release && release[0] >= '0' && release[0] <= '9') {
		*upstream = strndup(release, strspn(release, "0123456789."));
	}
}

json_t *host_facts_json(const char *root)
{
	char *kpkg = NULL, *kup = NULL;
	struct host_hypervisor hv;
	struct utsname u;
	json_t *host = json_object();
	bool named = !uname(&u);

	json_object_set_new(host, "cpu_vendor", str_or_null(root_cpuinfo(root, "vendor_id")));
	json_object_set_new(host, "cpu_model", str_or_null(root_cpuinfo(root, "model name")));
	json_object_set_new(host, "cpu_family", cpuinfo_int(root, "cpu family"));
	json_object_set_new(host, "cpu_model_number", cpuinfo_int(root, "model"));
	json_object_set_new(host, "cpu_stepping", cpuinfo_int(root, "stepping"));
	json_object_set_new(host, "microcode", str_or_null(root_cpuinfo(root, "microcode")));
	json_object_set_new(host, "kernel", named ? json_string(u.release) : json_null());
	if (named)
		host_kernel_versions(u.version, u.release, &kpkg, &kup);
	json_object_set_new(host, "kernel_package", str_or_null(kpkg));
	json_object_set_new(host, "kernel_upstream", str_or_null(kup));
	json_object_set_new(host, "hostname", named ? json_string(u.nodename) : json_null());
	host_hypervisor_read(root, &hv);
	json_object_set_new(host, "hypervisor", host_hypervisor_json(&hv));
	host_hypervisor_free(&hv);
	json_object_set_new(host, "cpufreq_governor", host_governors_json(root, NULL));
	json_object_set_new(host, "boost", boost_json(root));
	json_object_set_new(host, "smt", sys_bool(root, "/sys/devices/system/cpu/smt/active", false));
	json_object_set_new(host, "isolated", sys_cpulist(root, "/sys/devices/system/cpu/isolated"));
	json_object_set_new(host, "nohz_full", sys_cpulist(root, "/sys/devices/system/cpu/nohz_full"));
	return host;
}
