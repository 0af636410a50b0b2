// SPDX-License-Identifier: MIT
/*
 * lv.c - the libvirt launcher (see lv.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "libvirt/lv.h"
#include "cli/util.h"

#define LV_DEFAULT_URI "qemu:///system"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *lv_errmsg(void)
{
	const char *m = virGetLastErrorMessage();

	return m && *m ? m : "unknown libvirt error";
}

/* libvirt prints every error to stderr by default; we report them ourselves. */
static void quiet_errors(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

static void version_str(unsigned long v, char *buf, size_t len)
{
	snprintf(buf, len, "%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

/* --- the domain XML ---------------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s) {
			b->oom = true;
			return;
		}
	}
}

/* Text escaped for an XML attribute or element (malloc'ed). */
static char *xml_escape(const char *in)
{
	struct sbuf b = { 0 };

	sb_add(&b, "%s", "");
	for (; in && *in; in++) {
		switch (*in) {
		case '&': sb_add(&b, "&amp;"); break;
		case '<': sb_add(&b, "&lt;"); break;
		case '>': sb_add(&b, "&gt;"); break;
		case '"': sb_add(&b, "&quot;"); break;
		case '\'': sb_add(&b, "&apos;"); break;
		default: sb_add(&b, "%c", *in); break;
		}
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static void sb_elem(struct sbuf *b, const char *indent, const char *tag, const char *text)
{
	char *e = xml_escape(text);

	if (!e) {
		b->oom = true;
		return;
	}
	sb_add(b, "%s<%s>%s</%s>\n", indent, tag, e, tag);
	free(e);
}

static void sb_cpu(struct sbuf *b, const char *model)
{
	char *e;

	if (!model || !*model)
		return;
	/* QEMU's -cpu max and -cpu host, as the direct launch names them */
	if (!strcmp(model, "max"))
		model = "maximum";
	else if (!strcmp(model, "host"))
		model = "host-passthrough";
	if (!strcmp(model, "host-passthrough") || !strcmp(model, "host-model") ||
	    !strcmp(model, "maximum")) {
		sb_add(b, "  <cpu mode='%s'/>\n", model);
		return;
	}
	e = xml_escape(model);
	if (!e) {
		b->oom = true;
		return;
	}
	sb_add(b, "  <cpu mode='custom' match='exact' check='none'>\n"
		  "    <model fallback='forbid'>%s</model>\n  </cpu>\n", e);
	free(e);
}

static void sb_cputune(struct sbuf *b, const struct pin_plan *plan)
{
	char list[512];
	unsigned i;

	if (!plan)
		return;
	sb_add(b, "  <cputune>\n");
	for (i = 0; i < plan->nvcpus; i++)
		sb_add(b, "    <vcpupin vcpu='%u' cpuset='%u'/>\n", i, plan->vcpu_pu[i]);
	sb_add(b, "    <emulatorpin cpuset='%s'/>\n",
	       util_cpulist_format(&plan->emulator, list, sizeof(list)));
	sb_add(b, "  </cputune>\n");
}

char *lv_domain_xml(const struct lv_launch_req *req, const char *virt_type, const char *name)
{
	struct sbuf b = { 0 };
	char *serial;

	sb_add(&b, "<domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n",
	       virt_type);
	sb_elem(&b, "  ", "name", name);
	sb_add(&b, "  <memory unit='MiB'>%u</memory>\n", req->memory_mib ? req->memory_mib : 64);
	sb_add(&b, "  <vcpu placement='static'>%u</vcpu>\n", req->vcpus);
	sb_cputune(&b, req->plan);
	sb_add(&b, "  <os>\n    <type arch='x86_64' machine='%s'>hvm</type>\n",
	       req->machine ? req->machine : "pc");
	sb_elem(&b, "    ", "kernel", req->kernel);
	if (req->initrd)
		sb_elem(&b, "    ", "initrd", req->initrd);
	sb_elem(&b, "    ", "cmdline", req->cmdline ? req->cmdline : "");
	sb_add(&b, "  </os>\n");
	sb_cpu(&b, req->cpu_model);
	/* QEMU's -global kvm-pit.lost_tick_policy=discard (run --pit-reinject off) */
	if (req->pit_discard)
		sb_add(&b, "  <clock offset='utc'>\n    <timer name='pit' tickpolicy='discard'/>\n  </clock>\n");
	else
		sb_add(&b, "  <clock offset='utc'/>\n");
	/* A triple fault must end the run, not reboot the guest (QEMU -no-reboot). */
	sb_add(&b, "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n"
		   "  <on_crash>destroy</on_crash>\n");
	sb_add(&b, "  <devices>\n");
	if (req->emulator)
		sb_elem(&b, "    ", "emulator", req->emulator);
	serial = xml_escape(req->serial_log);
	if (!serial)
		b.oom = true;
	sb_add(&b, "    <serial type='file'>\n      <source path='%s'/>\n"
		   "      <target port='0'/>\n    </serial>\n", serial ? serial : "");
	free(serial);
	/* Nothing else: the guest measures interrupts, stray devices only add noise. */
	sb_add(&b, "    <controller type='usb' model='none'/>\n");
	sb_add(&b, "    <memballoon model='none'/>\n");
	sb_add(&b, "  </devices>\n");
	sb_add(&b, "  <qemu:commandline>\n"
		   "    <qemu:arg value='-device'/>\n"
		   "    <qemu:arg value='isa-debug-exit,iobase=0xf4,iosize=4'/>\n"
		   "  </qemu:commandline>\n");
	sb_add(&b, "</domain>\n");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* --- preflight ----------------------------------------------------------------- */

const char *lv_qemu_user(char *buf, size_t len)
{
	FILE *f = fopen("/etc/libvirt/qemu.conf", "r");
	char line[512];

	snprintf(buf, len, "libvirt-qemu");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *q;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "user", 4))
			continue;
		p += 4;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '=')
			continue;
		p = strchr(p, '"');
		if (!p || !(q = strchr(p + 1, '"')))
			continue;
		*q = '\0';
		snprintf(buf, len, "%s", p + 1);
	}
	fclose(f);
	return buf;
}

static bool user_may(const struct stat *st, uid_t uid, const gid_t *groups, int ngroups,
		     mode_t ubit, mode_t gbit, mode_t obit)
{
	int i;

	if (uid == 0)
		return true;
	if (st->st_uid == uid)
		return st->st_mode & ubit;
	for (i = 0; i < ngroups; i++)
		if (st->st_gid == groups[i])
			return st->st_mode & gbit;
	return st->st_mode & obit;
}

int lv_check_readable_by(const char *path, const char *user, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);
	gid_t groups[64];
	int ngroups = 64;
	char *copy, *slash;
	struct stat st;
	int rc = 0;

	if (!pw)
		return util_err(err, errlen, -1, "the QEMU user %s does not exist (is libvirt-daemon-system installed?)",
			     user);
	if (getgrouplist(user, pw->pw_gid, groups, &ngroups) < 0)
		ngroups = 64;
	if (path[0] != '/')
		return util_err(err, errlen, -1, "%s: libvirt needs an absolute path", path);
	copy = strdup(path);
	if (!copy)
		return util_err(err, errlen, -1, "out of memory");
	/* every directory on the way must be searchable (x) */
	for (slash = strchr(copy + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (stat(copy, &st) == 0 &&
		    !user_may(&st, pw->pw_uid, groups, ngroups, S_IXUSR, S_IXGRP, S_IXOTH)) {
			rc = util_err(err, errlen, -1,
				   "%s is not readable by the QEMU user %s: directory %s is mode %04o owner %d; fix: chmod o+x %s (or put the image under /var/lib/libvirt/images)",
				   path, user, copy, (unsigned)(st.st_mode & 07777), (int)st.st_uid, copy);
			goto out;
		}
		*slash = '/';
	}
	if (stat(path, &st)) {
		rc = util_err(err, errlen, -1, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!user_may(&st, pw->pw_uid, groups, ngroups, S_IRUSR, S_IRGRP, S_IROTH))
		rc = util_err(err, errlen, -1,
			   "%s is not readable by the QEMU user %s (mode %04o owner %d); fix: chmod o+r %s",
			   path, user, (unsigned)(st.st_mode & 07777), (int)st.st_uid, path);
out:
	free(copy);
	return rc;
}

static bool is_local_system(const char *uri)
{
	return !strcmp(uri, "qemu:///system");
}

/* Every CPU of the plan must exist and be online on the libvirt host. */
static int check_cpus(virConnectPtr conn, const struct pin_plan *plan, const char *uri,
		      char *err, size_t errlen)
{
	unsigned char *map = NULL;
	unsigned int online = 0;
	cpu_set_t host, want;
	char a[256], b[256];
	int n, i;
	unsigned v;

	n = virNodeGetCPUMap(conn, &map, &online, 0);
	if (n < 0)
		return util_err(err, errlen, 3, "libvirt at %s cannot list the host's CPUs: %s", uri, lv_errmsg());
	CPU_ZERO(&host);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		if (VIR_CPU_USABLE(map, VIR_CPU_MAPLEN(n), 0, i))
			CPU_SET(i, &host);
	free(map);
	CPU_ZERO(&want);
	for (v = 0; v < plan->nvcpus; v++)
		CPU_SET(plan->vcpu_pu[v], &want);
	CPU_OR(&want, &want, &plan->emulator);
	for (i = 0; i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, &want) && !CPU_ISSET(i, &host))
			return util_err(err, errlen, 2,
				     "the pinning asks for CPU %d but the host behind %s has CPUs %s online (pinning %s): plan for that host (irqlbench pin) or fix --cpus",
				     i, uri, util_cpulist_format(&host, a, sizeof(a)),
				     util_cpulist_format(&want, b, sizeof(b)));
	}
	return 0;
}

/* kvm where the domain capabilities offer it, else qemu (TCG). */
static const char *pick_virt_type(virConnectPtr conn, const struct lv_launch_req *req,
				  char *emulator, size_t elen)
{
	const char *want = req->virt_type && strcmp(req->virt_type, "auto") ? req->virt_type : NULL;
	const char *type = want ? want : "kvm";
	char *caps = virConnectGetDomainCapabilities(conn, req->emulator, "x86_64", NULL, type, 0);
	char *p, *q;

	if (!caps && !want) {
		type = "qemu";
		caps = virConnectGetDomainCapabilities(conn, req->emulator, "x86_64", NULL, type, 0);
	}
	emulator[0] = '\0';
	if (caps && (p = strstr(caps, "<path>")) && (q = strstr(p, "</path>")))
		snprintf(emulator, elen, "%.*s", (int)(q - p - 6), p + 6);
	free(caps);
	return type;
}

/* --- running it ------------------------------------------------------------------ */

struct lv_wait {
	const char *name;
	bool stopped, timed_out, closed;
	int detail;
};

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct lv_wait *w = opaque;

	(void)conn;
	if (strcmp(virDomainGetName(dom), w->name))
		return 0;
	if (event == VIR_DOMAIN_EVENT_STOPPED) {
		w->stopped = true;
		w->detail = detail;
	}
	return 0;
}

static void on_timeout(int timer, void *opaque)
{
	struct lv_wait *w = opaque;

	(void)timer;
	w->timed_out = true;
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct lv_wait *w = opaque;

	(void)conn;
	(void)reason;
	w->closed = true;
}

static void set_end(struct lv_launch_result *res, const struct lv_wait *w)
{
	static const char *const names[] = {
		[VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN] = "shutdown",
		[VIR_DOMAIN_EVENT_STOPPED_DESTROYED] = "destroyed",
		[VIR_DOMAIN_EVENT_STOPPED_CRASHED] = "crashed",
		[VIR_DOMAIN_EVENT_STOPPED_MIGRATED] = "migrated",
		[VIR_DOMAIN_EVENT_STOPPED_SAVED] = "saved",
		[VIR_DOMAIN_EVENT_STOPPED_FAILED] = "failed",
		[VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT] = "from-snapshot",
	};

	if (w->timed_out) {
		res->end = LV_END_TIMEOUT;
		snprintf(res->end_detail, sizeof(res->end_detail), "timeout");
		return;
	}
	switch (w->detail) {
	case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: res->end = LV_END_SHUTDOWN; break;
	case VIR_DOMAIN_EVENT_STOPPED_CRASHED: res->end = LV_END_CRASHED; break;
	case VIR_DOMAIN_EVENT_STOPPED_DESTROYED: res->end = LV_END_DESTROYED; break;
	case VIR_DOMAIN_EVENT_STOPPED_FAILED: res->end = LV_END_FAILED; break;
	default: res->end = LV_END_OTHER; break;
	}
	snprintf(res->end_detail, sizeof(res->end_detail), "%s",
		 w->detail >= 0 && (size_t)w->detail < sizeof(names) / sizeof(names[0]) &&
		 names[w->detail] ? names[w->detail] : "other");
}

static void map_to_set(const unsigned char *map, int maplen, int ncpus, cpu_set_t *set)
{
	int i;

	CPU_ZERO(set);
	for (i = 0; i < ncpus && i < maplen * 8 && i < CPU_SETSIZE; i++)
		if (VIR_CPU_USED(map, i))
			CPU_SET(i, set);
}

static int read_pinning(virConnectPtr conn, virDomainPtr dom, unsigned nvcpus,
			struct lv_launch_result *res, char *err, size_t errlen)
{
	int ncpus = virNodeGetCPUMap(conn, NULL, NULL, 0);
	int maplen, n;
	unsigned char *maps;
	virVcpuInfoPtr info;
	unsigned i;

	if (ncpus <= 0)
		return util_err(err, errlen, 1, "virNodeGetCPUMap: %s", lv_errmsg());
	maplen = VIR_CPU_MAPLEN(ncpus);
	maps = calloc(nvcpus + 1, (size_t)maplen);
	info = calloc(nvcpus, sizeof(*info));
	if (!maps || !info) {
		free(maps);
		free(info);
		return util_err(err, errlen, 1, "out of memory");
	}
	memset(&res->pinning, 0, sizeof(res->pinning));
	n = virDomainGetVcpuPinInfo(dom, (int)nvcpus, maps, maplen, VIR_DOMAIN_AFFECT_LIVE);
	if (n != (int)nvcpus) {
		util_err(err, errlen, 1, "virDomainGetVcpuPinInfo returned %d for %u vCPUs: %s", n, nvcpus,
		      n < 0 ? lv_errmsg() : "count differs");
		goto fail;
	}
	res->pinning.nvcpus = nvcpus;
	for (i = 0; i < nvcpus; i++)
		map_to_set(VIR_GET_CPUMAP(maps, maplen, i), maplen, ncpus, &res->pinning.vcpu[i]);
	memset(maps, 0, (size_t)maplen);
	if (virDomainGetEmulatorPinInfo(dom, maps, maplen, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		util_err(err, errlen, 1, "virDomainGetEmulatorPinInfo: %s", lv_errmsg());
		goto fail;
	}
	map_to_set(maps, maplen, ncpus, &res->pinning.emulator);
	res->pinning.emulator_uniform = true;
	/* The threads' real affinity, as the kernel has it (the qemu driver asks it). */
	memset(maps, 0, (size_t)maplen * nvcpus);
	n = virDomainGetVcpus(dom, info, (int)nvcpus, maps, maplen);
	res->threads_valid = n == (int)nvcpus;
	if (res->threads_valid) {
		res->threads.nvcpus = nvcpus;
		for (i = 0; i < nvcpus; i++)
			map_to_set(VIR_GET_CPUMAP(maps, maplen, i), maplen, ncpus, &res->threads.vcpu[i]);
		res->threads.emulator = res->pinning.emulator;
	}
	free(maps);
	free(info);
	return 0;
fail:
	free(maps);
	free(info);
	return 1;
}

static unsigned lv_seq;

/* QEMU's pid, where libvirtd is local and tells it (root: /run/libvirt). */
static pid_t read_qemu_pid(const char *uri, const char *name)
{
	char path[256];
	FILE *f;
	int pid = 0;

	if (!is_local_system(uri))
		return 0;
	snprintf(path, sizeof(path), "/run/libvirt/qemu/%s.pid", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

static int check_request(const struct lv_launch_req *req, const char *uri, char *err, size_t errlen)
{
	char user[64], why[512];

	if (!req->kernel || req->kernel[0] != '/')
		return util_err(err, errlen, 2, "libvirt launch: the kernel must be an absolute path (got %s)",
			     req->kernel ? req->kernel : "none");
	if (!req->serial_log || req->serial_log[0] != '/')
		return util_err(err, errlen, 2, "libvirt launch: the serial log must be an absolute path");
	if (req->initrd && req->initrd[0] != '/')
		return util_err(err, errlen, 2, "libvirt launch: the initrd must be an absolute path");
	if (req->vcpus == 0 || (req->plan && req->plan->nvcpus != req->vcpus))
		return util_err(err, errlen, 2, "libvirt launch: %u vCPUs but the plan is for %u",
			     req->vcpus, req->plan ? req->plan->nvcpus : 0);
	if (access(req->kernel, R_OK))
		return util_err(err, errlen, 3, "guest image %s: %s (build it with make)", req->kernel,
			     strerror(errno));
	if (req->initrd && access(req->initrd, R_OK))
		return util_err(err, errlen, 3, "initrd %s: %s", req->initrd, strerror(errno));
	if (!is_local_system(uri))
		return 0;
	lv_qemu_user(user, sizeof(user));
	if (lv_check_readable_by(req->kernel, user, why, sizeof(why)) ||
	    (req->initrd && lv_check_readable_by(req->initrd, user, why, sizeof(why))))
		return util_err(err, errlen, 3, "%s", why);
	return 0;
}

/* Waits for the stopped event (or the timeout, or a dropped connection). */
static void wait_stopped(struct lv_wait *w, unsigned timeout_ms)
{
	int timer = virEventAddTimeout((int)timeout_ms, on_timeout, w, NULL);

	while (!w->stopped && !w->timed_out && !w->closed)
		if (virEventRunDefaultImpl() < 0)
			break;
	if (timer >= 0)
		virEventRemoveTimeout(timer);
}

int lv_launch(const struct lv_launch_req *req, struct lv_launch_result *res,
	      char *err, size_t errlen)
{
	static bool event_impl;
	const char *uri = req->uri ? req->uri : LV_DEFAULT_URI;
	double t0 = now_s(), t1;
	struct lv_wait w = { 0 };
	virConnectPtr conn;
	virDomainPtr dom = NULL;
	unsigned long ver = 0;
	char name[64], emu[256];
	const char *type;
	bool paused = true;
	int cb = -1, rc;
	FILE *f;

	memset(res, 0, sizeof(*res));
	snprintf(res->uri, sizeof(res->uri), "%s", uri);
	rc = check_request(req, uri, err, errlen);
	if (rc)
		return rc;
	if (!event_impl) {
		virSetErrorFunc(NULL, quiet_errors);
		if (virEventRegisterDefaultImpl() < 0)
			return util_err(err, errlen, 1, "libvirt event loop: %s", lv_errmsg());
		event_impl = true;
	}
	conn = virConnectOpen(uri);
	if (!conn)
		return util_err(err, errlen, 3,
			     "cannot connect to libvirt at %s (%s): start libvirtd (systemctl start libvirtd, or host/libvirt/start-libvirtd.sh start) or pass --connect URI",
			     uri, lv_errmsg());
	if (!virGetVersion(&ver, NULL, NULL))
		version_str(ver, res->libvirt_version, sizeof(res->libvirt_version));
	if (!virConnectGetLibVersion(conn, &ver))
		version_str(ver, res->daemon_version, sizeof(res->daemon_version));
	if (!virConnectGetVersion(conn, &ver))
		version_str(ver, res->hv_version, sizeof(res->hv_version));
	if (req->plan) {
		rc = check_cpus(conn, req->plan, uri, err, errlen);
		if (rc)
			goto out;
	}
	type = pick_virt_type(conn, req, emu, sizeof(emu));
	snprintf(res->virt_type, sizeof(res->virt_type), "%s", type);
	snprintf(res->emulator, sizeof(res->emulator), "%s", req->emulator ? req->emulator : emu);
	if (req->name)
		snprintf(name, sizeof(name), "%s", req->name);
	else
		snprintf(name, sizeof(name), "irqlbench-%d-%u", (int)getpid(), lv_seq++);
	snprintf(res->domain, sizeof(res->domain), "%s", name);
	res->xml = lv_domain_xml(req, type, name);
	if (!res->xml) {
		rc = util_err(err, errlen, 1, "out of memory");
		goto out;
	}
	/* the exact QEMU command line, for the record (drivers without it: NULL) */
	res->qemu_argv = virConnectDomainXMLToNative(conn, "qemu-argv", res->xml, 0);
	/* A fresh serial log: the verdict must come from this run only. */
	f = fopen(req->serial_log, "w");
	if (!f) {
		rc = util_err(err, errlen, 3, "cannot create the serial log %s: %s", req->serial_log,
			   strerror(errno));
		goto out;
	}
	fclose(f);
	w.name = name;
	virConnectRegisterCloseCallback(conn, on_close, &w, NULL);
	cb = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
					      VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), &w, NULL);
	if (cb < 0) {
		rc = util_err(err, errlen, 1, "cannot register for domain events at %s: %s", uri, lv_errmsg());
		goto out;
	}
	/* Paused first: a short guest would be gone before its pinning is read.
	 * AUTODESTROY: libvirtd destroys the domain when this connection closes,
	 * so the guest dies with irqlbench whatever kills it (SIGKILL too): QEMU
	 * is libvirtd's child, out of reach of our own signals. */
	dom = virDomainCreateXML(conn, res->xml, VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY);
	if (!dom && virGetLastErrorCode() == VIR_ERR_INVALID_ARG) {
		/* drivers without paused or auto-destroyed starts (test:///) */
		paused = false;
		dom = virDomainCreateXML(conn, res->xml, 0);
	}
	if (!dom) {
		rc = util_err(err, errlen, 1, "libvirt cannot start the %s domain: %s", type, lv_errmsg());
		goto out;
	}
	t1 = now_s();
	res->t_start_s = t1 - t0;
	rc = read_pinning(conn, dom, req->vcpus, res, err, errlen);
	res->t_pin_s = now_s() - t1;
	if (rc) {
		virDomainDestroy(dom);
		goto out;
	}
	res->started = true;
	res->qemu_pid = read_qemu_pid(uri, name);
	if (req->after_start && req->after_start(req->after_start_arg, res->qemu_pid, err, errlen)) {
		virDomainDestroy(dom);
		rc = 1;
		goto out;
	}
	t1 = now_s();
	if (paused && virDomainResume(dom) < 0) {
		rc = util_err(err, errlen, 1, "cannot resume the domain %s: %s", name, lv_errmsg());
		virDomainDestroy(dom);
		goto out;
	}
	wait_stopped(&w, req->timeout_ms ? req->timeout_ms : 60000);
	res->t_run_s = now_s() - t1;
	if (w.timed_out) {
		virDomainDestroy(dom);
		set_end(res, &w);
		rc = util_err(err, errlen, 4, "the guest did not finish within %.1f s under libvirt (domain %s destroyed)",
			   (req->timeout_ms ? req->timeout_ms : 60000) / 1000.0, name);
		goto out;
	}
	if (w.closed && !w.stopped) {
		rc = util_err(err, errlen, 1, "lost the connection to libvirt at %s while the guest ran", uri);
		goto out;
	}
	set_end(res, &w);
	rc = 0;
out:
	if (cb >= 0)
		virConnectDomainEventDeregisterAny(conn, cb);
	virConnectUnregisterCloseCallback(conn, on_close);
	if (dom)
		virDomainFree(dom);
	virConnectClose(conn);
	res->t_total_s = now_s() - t0;
	return rc;
}

void lv_result_free(struct lv_launch_result *res)
{
	free(res->xml);
	free(res->qemu_argv);
	res->xml = NULL;
	res->qemu_argv = NULL;
}

json_t *lv_result_json(const struct lv_launch_result *res)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "uri", res->uri, "version", res->libvirt_version,
			 "daemon_version", res->daemon_version,
			 "hypervisor_version", res->hv_version, "virt_type", res->virt_type,
			 "emulator", res->emulator, "domain", res->domain, "end", res->end_detail);
}
