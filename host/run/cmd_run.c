// SPDX-License-Identifier: MIT
/*
 * cmd_run.c - `irqlbench run`: boots the guest under QEMU (tcg or kvm)
 * with one workload and writes one result record.
 *
 * Everything that can be checked before QEMU starts is checked first
 * (workload, parameters, script, the kvm preflight, QEMU, the guest image),
 * so that a usage error costs no boot.  The record starts out failed and
 * becomes complete only from a checked report; it is written atomically
 * on every path after the arguments are accepted, next to the raw logs.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "cli/cli.h"
#include "klib.h"
#include "run/qemu.h"
#include "record/record.h"
#include "script/scn.h"
#include "record/serial.h"
#include "stats.h"
#include "cli/util.h"

const char cmd_run_usage[] =
	"usage: irqlbench run [--backend tcg|kvm] --workload W [--param NAME=VALUE ...]\n"
	"                     [--script FILE] [--vcpus N] [--out FILE] [--timeout SEC]\n"
	"                     [--tag T ...] [--qemu PATH] [--guest FILE] [--cpu MODEL]\n"
	"                     [--keep-log DIR] [--launcher direct|libvirt] [--no-pin]\n"
	"                     [--cpus LIST] [--connect URI] [--firmware qboot|seabios]\n"
	"                     [--trace-buffer KB]\n"
	"\n"
	"Boots the irqlbench guest under QEMU with workload W, and turns its serial\n"
	"report into one JSON result record (results/SCHEMA.md).\n"
	"\n"
	"  -b, --backend B     tcg (QEMU's emulator, no hypervisor; default) or kvm\n"
	"                      (QEMU -accel kvm on an AMD SVM host, after a preflight)\n"
	"  -w, --workload W    the workload ('irqlbench list' shows them)\n"
	"  -p, --param K=V     set a workload or common parameter; repeatable\n"
	"  -s, --script FILE   the scenario script of the 'script' workload\n"
	"  -n, --vcpus N       vCPUs, 1..8 (default 1)\n"
	"  -o, --out FILE      the record (default results/runs/<id>/record.json, with\n"
	"                      serial.log and qemu.log beside it); a regular file, never\n"
	"                      a device, FIFO, link or folder; - for standard output\n"
	"                      (the logs then go to results/runs/<id>/ or --keep-log DIR)\n"
	"  -t, --timeout SEC   kill the guest after SEC seconds (default 60)\n"
	"      --tag T         a tag for the record; repeatable\n"
	"      --qemu PATH     the QEMU binary (default qemu-system-x86_64 from PATH)\n"
	"      --guest FILE    the guest image (default build/guest/irqlbench-guest.elf\n"
	"                      next to this command's build)\n"
	"      --cpu MODEL     QEMU -cpu model (default: max for tcg, host for kvm)\n"
	"      --keep-log DIR  write the raw logs to DIR/<id>.serial.log and\n"
	"                      DIR/<id>.qemu.log instead of beside the record\n"
	"      --launcher L    direct (QEMU started by irqlbench; default) or libvirt\n"
	"      --no-pin        leave the vCPU threads where the OS puts them (direct\n"
	"                      launcher: no -S/-qmp; provenance.pinning stays null)\n"
	"      --cpus LIST     pin the vCPUs to these host CPUs (e.g. 2,3 or 4-7)\n"
	"                      instead of the hwloc plan ('irqlbench pin' shows it)\n"
	"      --connect URI   libvirt launcher: the libvirt URI (default qemu:///system)\n"
	"      --firmware F    direct launcher: qboot (QEMU's minimal firmware, the\n"
	"                      default where it is installed: boots in a few ms) or\n"
	"                      seabios (QEMU's default BIOS)\n"
	"      --check         only the checks made before any work (options, workload,\n"
	"                      parameters, script, files, --cpus, --cpu): exit 0 or 2,\n"
	"                      nothing run or written ('irqlbench lab' runs them first)\n"
	"      --trace-buffer KB  kvm backend: the exit trace's ring buffer per CPU\n"
	"                      that runs QEMU's threads (default 32768); a trace that\n"
	"                      loses events fails the record (error trace-loss)\n"
	"  -h, --help          this text\n"
	"\n"
	"exit status: 0 complete with verdict ok; 1 the run failed (guest verdict fail,\n"
	"exception, triple fault, garbled or truncated report, a kvm exit trace that\n"
	"lost events or whose vCPUs do not match the guest's CPUs, or stopped by\n"
	"SIGHUP, SIGINT, SIGQUIT or SIGTERM); 2 usage error (unknown workload, bad\n"
	"parameter, script error, an --out that is no regular file, ...: nothing is\n"
	"run and no record written); 3 environment (missing package, no access to\n"
	"/dev/kvm, QEMU refused to start); 4 timeout; 77 not applicable: --backend kvm\n"
	"on a host that cannot run it (not AMD SVM, /dev/kvm of kvm_intel or kvm_pvm).\n"
	"The record is written in every case after the arguments were accepted;\n"
	"a failed run's record has \"status\": \"failed\" and an \"error\".\n";

/* Provided by host/pin and host/libvirt when they are linked in. */
void pin_run_set_cpus(const char *list) __attribute__((weak));

#define DEFAULT_TIMEOUT_S	60.0
#define QBOOT_ROM		"/usr/share/qemu/qboot.rom"
#define GUEST_MEM_MB		64
#define GUEST_REL_PATH		"guest/irqlbench-guest.elf"

struct run_opts {
	const char *backend, *workload, *script, *out, *qemu, *guest, *cpu, *cpus, *keep_log, *launcher,
		   *firmware, *connect;
	unsigned vcpus;
	bool no_pin;
	bool check_only;		/* --check: the checks before any work, then exit */
	size_t trace_buffer_kb;
	double timeout_s;
	struct argv_buf tags;
	struct argv_buf set;		/* "k=v" as the guest gets them (normalised) */
	struct wl_values vals;
};

/* --- hook points other parts override (see qemu.h) ------------------------ */

__attribute__((weak)) int kvm_trace_start(struct run_ctx *ctx, pid_t qemu_pid)
{
	(void)ctx;
	(void)qemu_pid;
	return 0;	/* host/trace/ not linked in: no exit counts */
}

__attribute__((weak)) void kvm_trace_stop(struct run_ctx *ctx, json_t *record)
{
	(void)ctx;
	(void)record;
}

__attribute__((weak)) int run_pin_after_start(struct run_ctx *ctx, pid_t qemu_pid)
{
	(void)ctx;
	(void)qemu_pid;
	return 0;	/* host/pin/ not linked in: provenance.pinning stays null */
}

/*
 * The libvirt launcher is a plugin, build/lib/irqlbench-libvirt.so, loaded
 * only for --launcher libvirt: libvirt brings some sixty shared libraries
 * (glib, gnutls, krb5, icu, ...) whose loading cost every irqlbench command
 * ~10 ms, and far more inside the lab's TCG L1.  The plugin uses this
 * binary's own symbols (it is linked with -rdynamic).
 */
static const struct launcher_ops *load_libvirt_launcher(const char *uri, char *err,
							 size_t errlen)
{
	const struct launcher_ops *(*get)(void);
	void (*set_uri)(const char *);
	char exe[PATH_MAX], *dir, *path;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	void *h;

	if (n <= 0) {
		snprintf(err, errlen, "cannot find this program's path: %s", strerror(errno));
		return NULL;
	}
	exe[n] = 0;
	dir = util_dirname(exe);
	path = xasprintf("%s/../lib/irqlbench-libvirt.so", dir);
	free(dir);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "%s", dlerror());
		free(path);
		return NULL;
	}
	free(path);
	get = (const struct launcher_ops *(*)(void))dlsym(h, "libvirt_launcher");
	set_uri = (void (*)(const char *))dlsym(h, "libvirt_launcher_set_uri");
	if (!get || !set_uri) {
		snprintf(err, errlen, "the plugin lacks libvirt_launcher()");
		return NULL;
	}
	if (uri)
		set_uri(uri);
	return get();
}

/* host/pin/pin_run.h; weak and undefined in a build without host/pin/. */
void pin_qemu_args(const char *dir, char *sock, size_t socklen, const char **argv_out)
	__attribute__((weak));

static const char *tmp_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp && *tmp ? tmp : "/tmp";
}

#define QMP_DIR_PREFIX "irqlbench-qmp."

/*
 * Pinning needs QEMU paused (-S) with a QMP socket, so that the vCPU
 * threads are pinned before the guest runs.  The socket lives in a private
 * folder (socket paths are limited to 108 bytes; the record's folder may be
 * deeper), $TMPDIR/irqlbench-qmp.<pid>.XXXXXX: the run removes it, and a
 * later run the one a SIGKILLed irqlbench left (remove_stale_qmp_dirs).
 * Without it the pinning hook leaves the run unpinned.
 */
static const char *run_tmp_dir(struct run_ctx *ctx)
{
	char *dir;

	if (ctx->qmp_dir)
		return ctx->qmp_dir;
	dir = xasprintf("%s/" QMP_DIR_PREFIX "%ld.XXXXXX", tmp_dir(), (long)getpid());
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	ctx->qmp_dir = dir;
	return dir;
}

static void pin_extra_args(struct run_ctx *ctx, struct argv_buf *args)
{
	const char *a[3], *dir;
	char sock[PATH_MAX + 40];

	if (!pin_qemu_args || ctx->no_pin || strcmp(ctx->launcher->name, "direct"))
		return;
	dir = run_tmp_dir(ctx);
	if (!dir || strlen(dir) > 80)
		return;
	pin_qemu_args(dir, sock, sizeof(sock), a);
	for (unsigned i = 0; i < 3; i++)
		argv_add(args, a[i]);
}

/* The names a run may create in its private folder. */
static const char *const run_tmp_names[] = { "qmp.sock", "guest.elf", "script", NULL };

static void remove_qmp_dir(const char *dir)
{
	for (const char *const *n = run_tmp_names; *n; n++) {
		char *f = xasprintf("%s/%s", dir, *n);

		unlink(f);
		free(f);
	}
	rmdir(dir);
}

/*
 * QEMU gives a multiboot guest "-kernel PATH" and the -append text as one
 * command line split at spaces, splits -initrd at commas into modules, and
 * each module's path from its arguments at spaces: a guest or script path
 * with a space or comma reaches QEMU as a symbolic link in the run's private
 * folder (name: guest.elf or script).  Returns a string to free.
 */
static char *qemu_safe_path(struct run_ctx *ctx, const char *path, const char *name)
{
	char *abs, *link = NULL;
	const char *dir;

	if (!strpbrk(path, " \t,"))
		return xstrdup(path);
	dir = run_tmp_dir(ctx);
	abs = realpath(path, NULL);
	if (dir && abs && !strpbrk(dir, " \t,")) {
		link = xasprintf("%s/%s", dir, name);
		unlink(link);
		if (symlink(abs, link)) {
			free(link);
			link = NULL;
		}
	}
	free(abs);
	return link ? link : xstrdup(path);
}

static void pin_cleanup(struct run_ctx *ctx)
{
	if (!ctx->qmp_dir)
		return;
	remove_qmp_dir(ctx->qmp_dir);
	free(ctx->qmp_dir);
	ctx->qmp_dir = NULL;
}

/* The QMP folders of our user whose irqlbench no longer runs. */
static void remove_stale_qmp_dirs(void)
{
	DIR *d = opendir(tmp_dir());
	struct dirent *e;

	while (d && (e = readdir(d))) {
		struct stat st;
		long pid;
		int n = 0;
		char *path;

		if (sscanf(e->d_name, QMP_DIR_PREFIX "%ld.%n", &pid, &n) != 1 || !n || pid <= 0 ||
		    !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		path = xasprintf("%s/%s", tmp_dir(), e->d_name);
		if (!lstat(path, &st) && S_ISDIR(st.st_mode) && st.st_uid == getuid())
			remove_qmp_dir(path);
		free(path);
	}
	if (d)
		closedir(d);
}

/* --- backends ------------------------------------------------------------- */

static int tcg_after_start(struct run_ctx *ctx, pid_t qemu_pid)
{
	return ctx->no_pin ? 0 : run_pin_after_start(ctx, qemu_pid);
}

static bool sys_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The KVM modules other than kvm_amd this host runs (kvm_intel, kvm_pvm,
 * ...), ", "-joined, or NULL: with no kvm_amd, /dev/kvm is theirs. */
static char *other_kvm_modules(void)
{
	DIR *d = opendir("/sys/module");
	struct dirent *e;
	char *list = NULL, *more;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "kvm_", 4) || !strcmp(e->d_name, "kvm_amd"))
			continue;
		more = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", e->d_name);
		free(list);
		list = more;
	}
	if (d)
		closedir(d);
	return list;
}

/* One problem: a line on stderr naming it and its fix, and a part of the
 * record's message. */
static void __attribute__((format(printf, 3, 4)))
preflight_problem(struct run_ctx *ctx, bool not_applicable, const char *fmt, ...)
{
	char *line, *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = xstrdup(fmt);
	va_end(ap);
	fprintf(stderr, "irqlbench: kvm preflight: %s%s\n", not_applicable ? "not applicable: " : "",
		line);
	msg = xasprintf("%s%s%s%s", ctx->preflight_msg ? ctx->preflight_msg : "",
			ctx->preflight_msg ? "; " : "", not_applicable ? "not applicable: " : "", line);
	free(ctx->preflight_msg);
	ctx->preflight_msg = msg;
	free(line);
}

static const char use_instead[] =
	"use --backend tcg, or 'irqlbench lab' for real kvm_amd in a virtual AMD host";

/*
 * The kvm backend measures kvm_amd's CR8 handling on an AMD SVM host.  A
 * host where it cannot apply at all (not an AMD CPU, no SVM, a /dev/kvm of
 * another KVM module such as kvm_intel or kvm_pvm) is EXIT_NOT_APPLICABLE,
 * with its reasons; on an AMD SVM host, a problem that can be fixed (no
 * /dev/kvm, no access to it, kvm_amd not loaded) is EXIT_ENV.  Each problem
 * is one line naming it and its fix; all of a kind are reported at once.
 * kvm_amd's parameters go into provenance.kvm.
 */
static int kvm_preflight(struct run_ctx *ctx)
{
	static const char *const params[] = { "npt", "avic", "nested", "nrips", NULL };
	char *vendor = util_cpuinfo_field("vendor_id"), *others = other_kvm_modules();
	bool kvm_amd = sys_exists("/sys/module/kvm_amd"), applies = true;
	int fd;

	if (!vendor || strcmp(vendor, "AuthenticAMD")) {
		preflight_problem(ctx, true, "the CPU is %s, not AuthenticAMD: the kvm backend measures AMD SVM; %s",
				  vendor ? vendor : "unknown (no vendor_id in /proc/cpuinfo)", use_instead);
		applies = false;
	} else if (!util_cpuinfo_has_flag("svm")) {
		preflight_problem(ctx, true, "the CPU has no 'svm' flag in /proc/cpuinfo (SVM is off in the firmware, or this VM has no nested virtualization): %s",
				  use_instead);
		applies = false;
	}
	free(vendor);
	if (!kvm_amd && others) {
		preflight_problem(ctx, true, "/dev/kvm is provided by %s, not kvm_amd (no /sys/module/kvm_amd): the kvm backend measures kvm_amd; %s",
				  others, use_instead);
		applies = false;
	}
	free(others);
	if (!applies)
		return EXIT_NOT_APPLICABLE;	/* what could be fixed here does not matter */
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	else if (errno == ENOENT)
		preflight_problem(ctx, false, "/dev/kvm does not exist: load the module with 'modprobe kvm_amd'");
	else
		preflight_problem(ctx, false, "cannot open /dev/kvm: %s: run as root or add the user to the 'kvm' group",
				  strerror(errno));
	if (!kvm_amd) {
		preflight_problem(ctx, false, "the kvm_amd module is not loaded (no /sys/module/kvm_amd): load it with 'modprobe kvm_amd'");
	} else {
		ctx->kvm_facts = json_pack("{s:s}", "module", "kvm_amd");
		for (unsigned i = 0; params[i]; i++) {
			char *p = xasprintf("/sys/module/kvm_amd/parameters/%s", params[i]);
			char *v = util_read_line(p);

			json_object_set_new(ctx->kvm_facts, params[i], v ? json_string(v) : json_null());
			free(v);
			free(p);
		}
	}
	return ctx->preflight_msg ? EXIT_ENV : 0;
}

/*
 * QEMU started paused (-S) for pinning: the trace starts once the threads
 * are pinned and before the guest runs, so that its buffers are sized for
 * the CPUs the threads now may use.  Unpinned, or under libvirt (which
 * pins and starts the guest itself), it starts at once.
 */
static int kvm_after_start(struct run_ctx *ctx, pid_t qemu_pid)
{
	int rc;

	if (ctx->no_pin || strcmp(ctx->launcher->name, "direct")) {
		if (kvm_trace_start(ctx, qemu_pid))
			return -1;
		return ctx->no_pin ? 0 : run_pin_after_start(ctx, qemu_pid);
	}
	ctx->before_cont = kvm_trace_start;
	rc = run_pin_after_start(ctx, qemu_pid);
	ctx->before_cont = NULL;
	if (!rc && !ctx->trace)
		rc = kvm_trace_start(ctx, qemu_pid);	/* nothing was pinned: no -qmp */
	return rc;
}

static void kvm_after_exit(struct run_ctx *ctx, json_t *record)
{
	kvm_trace_stop(ctx, record);
}

static const struct backend_ops backends[] = {
	{ .name = "tcg", .accel = "tcg", .cpu = "max", .extra_args = pin_extra_args,
	  .after_start = tcg_after_start },
	{ .name = "kvm", .accel = "kvm", .cpu = "host", .preflight = kvm_preflight,
	  .extra_args = pin_extra_args, .after_start = kvm_after_start,
	  .after_exit = kvm_after_exit },
};

/* --- arguments ------------------------------------------------------------ */

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || end == s || *end || *s == '-' || *out > max) ? -1 : 0;
}

static int add_param(struct run_opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	/* the message quotes the name and the value, and the workload twice */
	size_t errlen = 2 * strlen(kv) + 2 * strlen(o->workload) + 512;
	char *err;
	unsigned i;

	if (!eq || eq == kv || !eq[1])
		return cli_usage_error("run", "--param wants NAME=VALUE, got '%s'", kv);
	err = xmalloc(errlen);
	if (wl_values_set(&o->vals, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1), err, errlen)) {
		cli_error(EXIT_USAGE, "%s", err);
		free(err);
		return EXIT_USAGE;
	}
	free(err);
	for (i = 0; i < o->vals.n; i++)
		if (strlen(o->vals.p[i]->name) == (size_t)(eq - kv) &&
		    !strncmp(o->vals.p[i]->name, kv, (size_t)(eq - kv)))
			break;
	/* the last setting of a parameter wins, as in the guest */
	for (unsigned j = 0; j < o->set.n; j++)
		if (!strncmp(o->set.v[j], kv, (size_t)(eq - kv) + 1)) {
			free(o->set.v[j]);
			o->set.v[j] = xasprintf("%s=%" PRIu64, o->vals.p[i]->name, o->vals.v[i]);
			return 0;
		}
	argv_addf(&o->set, "%s=%" PRIu64, o->vals.p[i]->name, o->vals.v[i]);
	return 0;
}

static int parse_args(int argc, char **argv, struct run_opts *o, char ***params)
{
	enum { O_TAG = 256, O_QEMU, O_GUEST, O_CPU, O_KEEP_LOG, O_LAUNCHER, O_NO_PIN,
	       O_CPUS, O_CONNECT, O_FIRMWARE, O_CHECK,
	       O_TRACE_BUFFER };
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "workload", required_argument, NULL, 'w' },
		{ "param", required_argument, NULL, 'p' },
		{ "script", required_argument, NULL, 's' },
		{ "vcpus", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "tag", required_argument, NULL, O_TAG },
		{ "qemu", required_argument, NULL, O_QEMU },
		{ "guest", required_argument, NULL, O_GUEST },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "keep-log", required_argument, NULL, O_KEEP_LOG },
		{ "launcher", required_argument, NULL, O_LAUNCHER },
		{ "no-pin", no_argument, NULL, O_NO_PIN },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "firmware", required_argument, NULL, O_FIRMWARE },
		{ "check", no_argument, NULL, O_CHECK },
		{ "trace-buffer", required_argument, NULL, O_TRACE_BUFFER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned nparams = 0;
	unsigned long n;
	char *end;
	int c;

	o->backend = "tcg";
	o->vcpus = 1;
	o->timeout_s = DEFAULT_TIMEOUT_S;
	*params = xmalloc(sizeof(char *) * (size_t)argc);
	optind = 0;	/* glibc: start afresh (lab calls run --check in-process) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:w:p:s:n:o:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o->backend = optarg; break;
		case 'w': o->workload = optarg; break;
		case 'p': (*params)[nparams++] = optarg; break;
		case 's': o->script = optarg; break;
		case 'o': o->out = optarg; break;
		case O_QEMU: o->qemu = optarg; break;
		case O_GUEST: o->guest = optarg; break;
		case O_CPU: o->cpu = optarg; break;
		case O_KEEP_LOG: o->keep_log = optarg; break;
		case O_LAUNCHER: o->launcher = optarg; break;
		case O_NO_PIN: o->no_pin = true; break;
		case O_CHECK: o->check_only = true; break;
		case O_CPUS:
			if (!pin_run_set_cpus)
				return cli_error(EXIT_ENV, "--cpus: this irqlbench was built without pinning (host/pin): build it with 'make', or drop --cpus");
			pin_run_set_cpus(optarg);
			o->cpus = optarg;
			break;
		case O_CONNECT: o->connect = optarg; break;
		case O_FIRMWARE:
			if (strcmp(optarg, "qboot") && strcmp(optarg, "seabios"))
				return cli_usage_error("run", "--firmware %s: use qboot or seabios", optarg);
			o->firmware = optarg;
			break;
		case O_TAG: argv_add(&o->tags, optarg); break;
		case O_TRACE_BUFFER:
			/* the kernel's ring buffer takes at least 2 pages per CPU */
			if (parse_uint(optarg, 1ul << 30, &n) || n < 8)
				return cli_usage_error("run", "--trace-buffer %s: give KiB per CPU, 8..%lu",
						       optarg, 1ul << 30);
			o->trace_buffer_kb = n;
			break;
		case 'n':
			if (parse_uint(optarg, MAX_CPUS, &n) || !n)
				return cli_usage_error("run", "--vcpus %s: give 1..%d", optarg, MAX_CPUS);
			o->vcpus = (unsigned)n;
			break;
		case 't':
			errno = 0;
			o->timeout_s = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->timeout_s > 0) ||
			    o->timeout_s > 86400)
				return cli_usage_error("run", "--timeout %s: give seconds, more than 0 and at most 86400",
						       optarg);
			break;
		case 'h':
			return cli_help("run") == EXIT_OK ? -1 : EXIT_USAGE;
		case ':':
			return cli_usage_error("run", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	(*params)[nparams] = NULL;
	if (optind < argc)
		return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* An input file QEMU reads: a readable regular file (not a folder, a FIFO
 * or a device), or a usage error naming it and the option. */
static int check_input(const char *what, const char *path, const char *fix)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e = errno;

	if (fd < 0)
		return cli_error(EXIT_USAGE, "cannot read %s %s: %s: give a readable file with %s",
				 what, path, strerror(e), fix);
	e = fstat(fd, &st) ? errno : 0;
	close(fd);
	if (e)
		return cli_error(EXIT_USAGE, "cannot read %s %s: %s: give a readable file with %s",
				 what, path, strerror(e), fix);
	if (!S_ISREG(st.st_mode))
		return cli_error(EXIT_USAGE, "%s %s is %s, not a file: give the file with %s", what,
				 path, S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO" :
				 S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "no regular file",
				 fix);
	return 0;
}

/* The script parses on the host as it will in the guest: its errors are
 * usage errors, found before QEMU starts, with the whole path. */
int cli_check_script(const char *path)
{
	static const char doc[] = "see workloads/SCRIPTS.md for the script language";
	struct scn_prog *prog;
	size_t len = 0;
	char *text = util_read_file(path, SCN_MAX_FILE + 1, &len), err[4096];
	int rc;

	if (!text && errno == EFBIG)
		return cli_error(EXIT_USAGE, "script %s: larger than %u bytes, the limit of a script: shorten it (repeat blocks help); %s",
				 path, SCN_MAX_FILE, doc);
	if (!text)
		return cli_error(EXIT_USAGE, "cannot read the script %s: %s: give a readable file with --script FILE",
				 path, strerror(errno));
	prog = xmalloc(sizeof(*prog));
	rc = scn_parse(text, len, prog, err, sizeof(err));
	free(prog);
	free(text);
	if (rc)
		return cli_error(EXIT_USAGE, "script %s: %s; %s", path, err, doc);
	return 0;
}

/* host/pin/plan.h; weak: undefined in a build without host/pin/. */
int pin_parse_cpulist(const char *list, cpu_set_t *set, unsigned *order, unsigned maxorder,
		      unsigned *norder, char *err, size_t errlen) __attribute__((weak));
char *pin_format_cpulist(const cpu_set_t *set, char *buf, size_t len) __attribute__((weak));

/* --cpus: a CPU list of one CPU per vCPU, each one this process may use. */
static int check_cpus(const struct run_opts *o)
{
	cpu_set_t set, allowed;
	unsigned n = 0, order[MAX_CPUS];
	size_t errlen = strlen(o->cpus) + 512;	/* the message quotes the list */
	char *err, buf[256];
	int rc;

	if (o->no_pin)
		return cli_usage_error("run", "--cpus %s and --no-pin contradict each other: drop one",
				       o->cpus);
	if (!pin_parse_cpulist)
		return cli_error(EXIT_ENV, "--cpus: this irqlbench was built without pinning (host/pin): build it with 'make', or drop --cpus");
	err = xmalloc(errlen);
	rc = pin_parse_cpulist(o->cpus, &set, order, MAX_CPUS, &n, err, errlen);
	if (rc)
		cli_usage_error("run", "--cpus: %s", err);
	free(err);
	if (rc)
		return EXIT_USAGE;
	if (n != o->vcpus)
		return cli_usage_error("run", "--cpus %s lists %u CPU%s for %u vCPU%s: give exactly one CPU per vCPU",
				       o->cpus, n, n == 1 ? "" : "s", o->vcpus, o->vcpus == 1 ? "" : "s");
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (!CPU_ISSET(order[i], &allowed))
			return cli_usage_error("run", "--cpus %s: CPU %u is not one this process may use (%s): give CPUs of that list ('irqlbench pin --vcpus %u' shows a plan)",
					       o->cpus, order[i],
					       pin_format_cpulist ? pin_format_cpulist(&allowed, buf, sizeof(buf)) : "see taskset -p",
					       o->vcpus);
	return 0;
}

/*
 * The checks that ask QEMU (its --version and -cpu help, both cached): a
 * --qemu that is no QEMU, and a --cpu model it does not have, are usage
 * errors.  The default QEMU missing is the environment's problem, reported
 * by run() with a failed record; so is a default QEMU that cannot be asked.
 */
static int check_qemu(const struct run_opts *o, const struct backend_ops *be)
{
	struct qemu_info qi;
	size_t n = o->cpu ? strcspn(o->cpu, ",") : 0;
	char *err = NULL;
	int known;

	if (n == 4 && !strncmp(o->cpu, "host", 4) && strcmp(be->name, "kvm"))
		return cli_usage_error("run", "--cpu host needs a hypervisor: use --backend kvm, or a CPU model for tcg such as max");
	if (!o->qemu && !o->cpu)
		return 0;
	if (qemu_probe(o->qemu, &qi, &err)) {
		if (o->qemu)
			cli_error(EXIT_USAGE, "%s", err);
		free(err);
		qemu_info_free(&qi);
		return o->qemu ? EXIT_USAGE : 0;
	}
	known = o->cpu ? qemu_cpu_model_known(&qi, o->cpu) : 1;
	if (!known)
		cli_usage_error("run", "--cpu %s: QEMU %s has no CPU model '%.*s': see '%s -cpu help'",
				o->cpu, qi.version, (int)n, o->cpu, qi.path);
	qemu_info_free(&qi);
	return known ? 0 : EXIT_USAGE;
}

/* Checks the arguments that need no QEMU: workload, parameters, script,
 * backend, input files, --cpus (then check_paths(), and last check_qemu()). */
static int check_args(struct run_opts *o, char **params, const struct backend_ops **be,
		      const struct launcher_ops **ln)
{
	const struct wl_info *w;
	int status;

	*ln = &direct_launcher;
	if (o->launcher && !strcmp(o->launcher, "libvirt")) {
		char err[PATH_MAX + 128];

		*ln = load_libvirt_launcher(o->connect, err, sizeof(err));
		if (!*ln)
			return cli_error(EXIT_ENV, "the libvirt launcher plugin cannot be loaded (%s): build it with 'make', or use --launcher direct", err);
	} else if (o->connect) {
		return cli_usage_error("run", "--connect applies to --launcher libvirt only");
	} else if (o->launcher && strcmp(o->launcher, "direct")) {
		return cli_usage_error("run", "unknown launcher '%s' (direct or libvirt)", o->launcher);
	}

	*be = NULL;
	for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(o->backend, backends[i].name))
			*be = &backends[i];
	if (!*be)
		return cli_usage_error("run", "unknown backend '%s' (tcg or kvm)", o->backend);
	{	/* an empty path is no path: found before any work */
		const struct { const char *opt, *v; } pv[] = {
			{ "--out", o->out }, { "--guest", o->guest }, { "--script", o->script },
			{ "--keep-log", o->keep_log }, { "--qemu", o->qemu },
		};

		for (size_t i = 0; i < sizeof(pv) / sizeof(pv[0]); i++)
			if (pv[i].v && !*pv[i].v)
				return cli_usage_error("run", "%s needs a path, not an empty string", pv[i].opt);
	}
	if (!o->workload && o->script)
		o->workload = "script";		/* --script alone: the script workload, as for model */
	if (o->trace_buffer_kb && strcmp((*be)->name, "kvm"))
		return cli_usage_error("run", "--trace-buffer sizes the kvm backend's exit trace: add --backend kvm, or drop it");
	if (!o->workload)
		return cli_usage_error("run", "which workload? give --workload W ('irqlbench list' shows them)");
	w = wl_find(o->workload);
	if (!w)
		return cli_error(EXIT_USAGE, "unknown workload '%s': run 'irqlbench list' to see the workloads",
				 o->workload);
	wl_values_init(&o->vals, w);
	for (unsigned i = 0; params[i]; i++)
		if (add_param(o, params[i]))
			return EXIT_USAGE;
	if (w->needs_script && !o->script)
		return cli_error(EXIT_USAGE, "workload '%s' runs a scenario script: give it with --script FILE",
				 w->name);
	if (!w->needs_script && o->script)
		return cli_error(EXIT_USAGE, "workload '%s' takes no script: --script is for --workload script",
				 w->name);
	for (unsigned i = 0; i < o->tags.n; i++) {
		json_t *t = json_string(o->tags.v[i]);

		if (!t)
			return cli_usage_error("run", "--tag '%s' is not UTF-8 text", o->tags.v[i]);
		json_decref(t);
	}
	if (o->script && (check_input("the script", o->script, "--script FILE") ||
			  cli_check_script(o->script)))
		return EXIT_USAGE;
	if (o->guest && check_input("the guest image", o->guest,
				    "--guest FILE (build/guest/irqlbench-guest.elf after 'make')"))
		return EXIT_USAGE;
	if (o->cpus && (status = check_cpus(o)))
		return status;
	return 0;
}

/* The guest image: --guest, or build/guest/ next to build/bin/irqlbench. */
static char *guest_image(const struct run_opts *o)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *bin, *build, *path;

	if (o->guest)
		return xstrdup(o->guest);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return xstrdup("build/" GUEST_REL_PATH);
	exe[n] = 0;
	bin = util_dirname(exe);
	build = util_dirname(bin);
	path = xasprintf("%s/%s", build, GUEST_REL_PATH);
	free(bin);
	free(build);
	return path;
}

/* --- outcome -------------------------------------------------------------- */

struct outcome {
	int exit;
	const char *kind;		/* NULL: complete */
	char *message;			/* whole, however long (outcome_free) */
	char *hint;			/* the fix (outcome_free) */
};

static void __attribute__((format(printf, 3, 4)))
outcome_set(struct outcome *oc, const char *kind, const char *fmt, ...)
{
	va_list ap;

	oc->kind = kind;
	free(oc->message);
	va_start(ap, fmt);
	if (vasprintf(&oc->message, fmt, ap) < 0)
		oc->message = xstrdup(fmt);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
outcome_hint(struct outcome *oc, const char *fmt, ...)
{
	va_list ap;

	free(oc->hint);
	va_start(ap, fmt);
	if (vasprintf(&oc->hint, fmt, ap) < 0)
		oc->hint = xstrdup(fmt);
	va_end(ap);
}

static void outcome_free(struct outcome *oc)
{
	free(oc->message);
	free(oc->hint);
	oc->message = oc->hint = NULL;
}

/* A guest text the guest had to cut (KMSG_CUT) is never shown as whole. */
static const char *cut_note(const char *guest_text)
{
	return serial_text_cut(guest_text) ?
	       " (the guest cut this message short to fit its buffer, and printed no more)" : "";
}

static bool runs_script(const char *workload)
{
	const struct wl_info *w = wl_find(workload);

	return w && w->needs_script;
}

/* The guest's exit codes (results/SERIAL.md): QEMU status = code << 1 | 1. */
#define GUEST_STATUS(code) ((code) << 1 | 1)

/*
 * QEMU's own first error line from its log (which starts with our "# "
 * command line): the first line that is not a warning, else the first
 * line.  NULL if QEMU printed nothing.
 */
static char *qemu_first_error(const char *path)
{
	char *text = util_read_file(path, 1 << 20, NULL), *first = NULL, *error = NULL, *line;

	if (!text)
		return NULL;
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "# ", 2) || !l[strspn(l, " \t\r")])
			continue;
		if (!first)
			first = l;
		if (!strstr(l, ": warning: ")) {
			error = l;
			break;
		}
	}
	line = error ? xstrdup(error) : first ? xstrdup(first) : NULL;
	free(text);
	return line;
}

/* Does the report match what the host asked for?  Else a message why. */
static char *report_mismatch(const struct run_opts *o, const struct serial_report *sr)
{
	if (strcmp(sr->workload, o->workload))
		return xasprintf("the guest ran workload '%s', the host asked for '%s'",
				 sr->workload, o->workload);
	for (unsigned i = 0; i < o->vals.n; i++) {
		json_t *v = json_object_get(sr->params, o->vals.p[i]->name);

		if (v && (uint64_t)json_integer_value(v) != o->vals.v[i])
			return xasprintf("the guest applied %s=%" PRIu64 ", the host asked for %" PRIu64,
					 o->vals.p[i]->name, (uint64_t)json_integer_value(v),
					 o->vals.v[i]);
	}
	return NULL;
}

static void classify(const struct run_opts *o, const struct launch_result *lr,
		     const struct serial_report *sr, const char *qemu_log, struct outcome *oc)
{
	memset(oc, 0, sizeof(*oc));
	oc->exit = EXIT_RUN_FAILED;
	if (lr->interrupted) {
		outcome_set(oc, "launch", "interrupted by SIG%s; %s", sigabbrev_np(lr->interrupted),
			    lr->started ? "QEMU was stopped" : "QEMU was not started");
		outcome_hint(oc, "rerun the command");
	} else if (!lr->started) {
		oc->exit = EXIT_ENV;
		outcome_set(oc, "launch", "%s", lr->error);
		if (!strncmp(lr->error, "pinning", 7))
			outcome_hint(oc, "see 'irqlbench pin --vcpus N' for a placement this host can give");
		else if (!strncmp(lr->error, "libvirt", 7))
			outcome_hint(oc, "check that libvirtd runs and the URI (--connect) is right");
		else
			outcome_hint(oc, "check the QEMU binary (--qemu) and QEMU's log");
	} else if (lr->timed_out) {
		oc->exit = EXIT_TIMEOUT;
		outcome_set(oc, "timeout", "the guest did not finish within %g s (%s); QEMU was killed",
			    o->timeout_s,
			    sr->outcome == SERIAL_TRUNCATED ? "its report stops midway" :
			    sr->booted ? "it booted" : "it never printed its boot line");
		outcome_hint(oc, "the workload hangs or needs more time: raise --timeout");
	} else if (sr->outcome == SERIAL_EXCEPTION) {
		outcome_set(oc, "exception", "%s", sr->message);
		outcome_hint(oc, "a guest bug (or the test-only 'fault' workload): the raw log has the exception line");
	} else if (sr->outcome == SERIAL_ERROR && !strcmp(sr->error_code, "badparam")) {
		oc->exit = EXIT_USAGE;
		outcome_set(oc, "bad-param", "the guest refused its parameters: %s%s", sr->error_msg,
			    cut_note(sr->error_msg));
		if (runs_script(o->workload))
			outcome_hint(oc, "see workloads/SCRIPTS.md for the script language");
		else
			outcome_hint(oc, "see 'irqlbench list %s' for its parameters", o->workload);
	} else if (sr->outcome == SERIAL_ERROR) {
		outcome_set(oc, "guest-error", "%s%s", sr->message, cut_note(sr->error_msg));
		outcome_hint(oc, "the guest gave up: the raw log shows where");
	} else if (sr->outcome == SERIAL_GARBLED || sr->outcome == SERIAL_TRUNCATED) {
		outcome_set(oc, serial_outcome_name(sr->outcome), "report %s: %s",
			    serial_outcome_name(sr->outcome), sr->message);
		outcome_hint(oc, "the serial output was cut or corrupted; rerun, and report a bug if it repeats");
	} else if (sr->outcome == SERIAL_REPORT) {
		int want = GUEST_STATUS(strcmp(sr->verdict, "ok") ? 1 : 0);
		char *why = NULL;

		if (lr->status >= 0 && lr->status != want) {
			outcome_set(oc, "garbled",
				    "the report says verdict %s but QEMU exited with status %d (expected %d)",
				    sr->verdict, lr->status, want);
			outcome_hint(oc, "the guest's exit disagrees with its report; report a bug");
		} else if ((why = report_mismatch(o, sr))) {
			outcome_set(oc, "garbled", "%s", why);
			outcome_hint(oc, "the guest did not run what was asked; report a bug");
		} else {
			oc->exit = strcmp(sr->verdict, "ok") ? EXIT_RUN_FAILED : EXIT_OK;
		}
		free(why);
	} else if (lr->status == 0) {
		outcome_set(oc, "triple-fault", "the guest reset (triple fault) %s",
			    sr->booted ? "after it booted, without a report"
				       : "before it printed its boot line");
		outcome_hint(oc, "a guest bug that even its exception handler could not catch (or the test-only 'triple-fault' workload)");
	} else if (lr->signal) {
		outcome_set(oc, "launch", "QEMU was killed by SIG%s", sigabbrev_np(lr->signal));
		outcome_hint(oc, "something outside irqlbench killed QEMU; rerun");
	} else if (!sr->booted) {
		/* the guest prints its boot line first: QEMU itself gave up */
		char *line = qemu_first_error(qemu_log);

		oc->exit = EXIT_ENV;
		if (line)
			outcome_set(oc, "launch", "QEMU refused to start (status %d): %s", lr->status,
				    line);
		else
			outcome_set(oc, "launch", "QEMU exited with status %d before the guest printed anything, and printed nothing itself",
				    lr->status);
		outcome_hint(oc, "fix what QEMU names (QEMU's log beside the raw log has all it printed)");
		free(line);
	} else {
		outcome_set(oc, "truncated", "the guest exited with status %d without a report",
			    lr->status);
		outcome_hint(oc, "a guest bug: the raw log shows how far it got");
	}
}

/* --- the run -------------------------------------------------------------- */

struct paths {
	char *out, *dir, *log_dir, *serial, *qemu_log, *trace, *serial_rel, *qemu_log_rel;
	bool to_stdout;			/* --out -: the record goes to standard output */
};

/*
 * The record (default results/runs/<id>/record.json, --out FILE, or
 * standard output for --out -) and its logs: beside a record file, in
 * results/runs/<id>/ for standard output, or DIR/<id>.* with --keep-log.
 * The record names its logs relative to its folder when they are there
 * (for standard output: relative to results/runs/<id>/, the run folder of
 * the default store), else (--keep-log DIR elsewhere) by an absolute path,
 * which `results import` refuses: a record file's artifacts must be its own.
 * Strings only: make_dirs() creates folders.
 */
static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return a && b && !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static void make_paths(const struct run_opts *o, const char *id, struct paths *p)
{
	char cwd[PATH_MAX], *base;

	p->to_stdout = o->out && !strcmp(o->out, "-");
	p->out = o->out ? xstrdup(o->out) : xasprintf("results/runs/%s/record.json", id);
	p->dir = p->to_stdout ? NULL : util_dirname(p->out);
	if (o->keep_log) {
		base = xasprintf("%s/%s.", o->keep_log, id);
	} else if (o->out && !p->to_stdout) {
		size_t n = strlen(o->out);

		if (n > 5 && !strcmp(o->out + n - 5, ".json"))
			n -= 5;
		base = xasprintf("%.*s.", (int)n, o->out);
	} else {
		base = xasprintf("results/runs/%s/", id);
	}
	p->serial = xasprintf("%sserial.log", base);
	p->qemu_log = xasprintf("%sqemu.log", base);
	p->trace = xasprintf("%strace.json", base);
	p->log_dir = util_dirname(p->serial);
	free(base);
	if (!o->keep_log || (!p->to_stdout && same_dir(p->dir, o->keep_log))) {
		p->serial_rel = util_basename(p->serial);
		p->qemu_log_rel = util_basename(p->qemu_log);
	} else if (p->serial[0] == '/' || !getcwd(cwd, sizeof(cwd))) {
		p->serial_rel = xstrdup(p->serial);
		p->qemu_log_rel = xstrdup(p->qemu_log);
	} else {
		p->serial_rel = xasprintf("%s/%s", cwd, p->serial);
		p->qemu_log_rel = xasprintf("%s/%s", cwd, p->qemu_log);
	}
}

/* A folder the run writes into: a folder, or nothing yet (then created). */
static bool usable_dir(const char *dir)
{
	struct stat st;

	return stat(dir, &st) ? errno != ENOTDIR : S_ISDIR(st.st_mode);
}

/*
 * Before any work: every file the run writes is replaced by a new regular
 * file (written aside, renamed into place), so a device, a FIFO, a socket,
 * a symbolic link or a folder at one of those paths is a usage error, as is
 * a folder path through a file.
 */
static int check_paths(const struct run_opts *o, const struct paths *p)
{
	const char *files[] = { p->to_stdout ? NULL : p->out, p->serial, p->qemu_log, p->trace };
	const char *opt = o->keep_log ? "--keep-log" : "--out";

	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *why = files[i] ? util_not_regular(files[i]) : NULL;

		if (!why)
			continue;
		if (!i)
			return cli_usage_error("run", "--out %s is %s: the record is written as a new regular file; give a file path, or - for standard output",
					       p->out, why);
		return cli_usage_error("run", "the run's log %s is %s: remove it, or give another %s",
				       files[i], why, opt);
	}
	if (o->keep_log && !usable_dir(o->keep_log))
		return cli_usage_error("run", "--keep-log %s is not a folder: give a folder for the logs",
				       o->keep_log);
	if (p->dir && !usable_dir(p->dir) && o->out)
		return cli_usage_error("run", "--out %s: %s is not a folder: give a path in a folder",
				       p->out, p->dir);
	if (p->dir && !usable_dir(p->dir))
		return cli_usage_error("run", "the record's folder %s cannot be made here (a file is in its way): give --out FILE",
				       p->dir);
	return 0;
}

static int make_dirs(const struct run_opts *o, const struct paths *p)
{
	const char *dirs[] = { p->dir, p->log_dir };

	for (unsigned i = 0; i < 2; i++)
		if (dirs[i] && util_mkdir_p(dirs[i]))
			return cli_error(EXIT_ENV, "cannot create %s: %s: choose another %s", dirs[i],
					 strerror(errno), o->keep_log && i ? "--keep-log" : "--out");
	return 0;
}

static void free_paths(struct paths *p)
{
	free(p->out);
	free(p->dir);
	free(p->log_dir);
	free(p->serial);
	free(p->qemu_log);
	free(p->trace);
	free(p->serial_rel);
	free(p->qemu_log_rel);
}

/* Where the record went, for messages. */
static const char *record_place(const struct paths *p)
{
	return p->to_stdout ? "standard output" : p->out;
}

static json_t *params_json(const struct wl_values *v)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < v->n; i++)
		json_object_set_new(o, v->p[i]->name, json_integer((json_int_t)v->v[i]));
	return o;
}


static int write_record(json_t *rec, const struct paths *p)
{
	if (record_write(rec, p->out))
		return cli_error(EXIT_ENV, "cannot write the record to %s: %s: choose another --out",
				 record_place(p), strerror(errno));
	return 0;
}

/* Fails the run before QEMU starts: record, one line, status. */
static int fail_early(json_t *rec, const struct paths *p, int status, const char *kind,
		      const char *msg, bool print)
{
	record_fail(rec, kind, msg);
	if (print)
		fprintf(stderr, "irqlbench: %s\n", msg);
	if (write_record(rec, p))
		return EXIT_ENV;
	fprintf(stderr, "irqlbench: failed record written to %s\n", record_place(p));
	return status;
}

static void set_provenance(json_t *rec, const char *key, json_t *val)
{
	json_object_set_new(json_object_get(rec, "provenance"), key, val);
}

/* Which script ran: its path, size and FNV-1a (a record names its input). */
static json_t *script_json(const char *path)
{
	size_t len = 0;
	char *text = util_read_file(path, 16u << 20, &len), *abs = realpath(path, NULL), hash[16];
	json_t *j;

	snprintf(hash, sizeof(hash), "%08x", text ? kfnv1a(KFNV1A_INIT, text, len) : 0u);
	j = json_pack("{s:s, s:I, s:s}", "path", abs ? abs : path, "bytes", (json_int_t)len,
		      "fnv1a", hash);
	free(text);
	free(abs);
	return j;
}

static int run(struct run_opts *o, const struct backend_ops *be, const struct launcher_ops *ln,
	       const char *id, double start, const struct paths *pp)
{
	struct run_ctx ctx = { .backend = be, .launcher = ln, .no_pin = o->no_pin,
			       .trace_buffer_kb = o->trace_buffer_kb };
	struct launch_spec spec = { 0 };
	struct launch_result lr = { 0 };
	struct serial_report sr;
	struct qemu_info qi = { 0 };
	const struct paths p = *pp;
	struct outcome oc;
	char iso[32], *err = NULL, *kernel = NULL, *append = NULL, *log = NULL;
	char *qkernel = NULL, *qscript = NULL;
	const char *bios = NULL, *reason;
	size_t loglen = 0;
	json_t *rec;
	int status;

	status = make_dirs(o, &p);
	if (status)
		return status;
	remove_stale_qmp_dirs();
	rec = record_new(id, be->name, o->workload);
	json_object_set_new(rec, "launcher", json_string(ln->name));
	ctx.record = rec;
	ctx.trace_path = p.trace;
	util_utc_iso(start, iso, sizeof(iso));
	set_provenance(rec, "started_utc", json_string(iso));
	set_provenance(rec, "host", record_host_facts());
	json_object_set_new(rec, "params", params_json(&o->vals));
	if (o->script)
		set_provenance(rec, "script", script_json(o->script));
	for (unsigned i = 0; i < o->tags.n; i++)
		json_array_append_new(json_object_get(rec, "tags"), json_string(o->tags.v[i]));

	status = be->preflight ? be->preflight(&ctx) : 0;
	if (ctx.kvm_facts)
		set_provenance(rec, "kvm", json_incref(ctx.kvm_facts));
	if (status) {
		status = fail_early(rec, &p, status, "preflight", ctx.preflight_msg, false);
		goto out;
	}
	if (qemu_probe(o->qemu, &qi, &err)) {
		status = fail_early(rec, &p, EXIT_ENV, "preflight", err, true);
		goto out;
	}
	kernel = guest_image(o);
	if (access(kernel, R_OK)) {
		err = xasprintf("guest image %s: %s: build it with 'make' (or give --guest FILE)",
				kernel, strerror(errno));
		status = fail_early(rec, &p, EXIT_ENV, "preflight", err, true);
		goto out;
	}
	append = guest_cmdline_join(o->workload, &o->set);
	if (!o->firmware || !strcmp(o->firmware, "qboot")) {
		if (!access(QBOOT_ROM, R_OK))
			bios = "qboot.rom";
		else if (o->firmware) {
			status = fail_early(rec, &p, EXIT_ENV, "preflight",
					    "--firmware qboot: " QBOOT_ROM " is missing: install qemu-system-data, or use --firmware seabios",
					    true);
			goto out;
		}
	}
	qkernel = qemu_safe_path(&ctx, kernel, "guest.elf");
	qscript = o->script ? qemu_safe_path(&ctx, o->script, "script") : NULL;
	spec = (struct launch_spec){
		.qemu = qi.path, .accel = be->accel, .cpu = o->cpu ? o->cpu : be->cpu,
		.vcpus = o->vcpus, .mem_mb = GUEST_MEM_MB, .kernel = qkernel, .append = append,
		.initrd = qscript, .bios = bios, .serial_log = p.serial, .qemu_log = p.qemu_log,
		.timeout_s = o->timeout_s,
	};
	if (be->extra_args)
		be->extra_args(&ctx, &spec.extra);
	if (run_signals_pending()) {
		lr.status = -1;
		lr.interrupted = run_signals_pending();
	} else {
		if (ln != &direct_launcher)
			run_signals_release();	/* it does not watch them */
		ctx.launcher->launch(&ctx, &spec, &lr);
	}
	pin_cleanup(&ctx);

	set_provenance(rec, "duration_s", json_real(lr.duration_s));
	set_provenance(rec, "qemu", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "binary", qi.path,
					      "version", qi.version, "accel", spec.accel,
					      "cpu", spec.cpu, "firmware", bios ? "qboot" : "seabios",
					      "cmdline", lr.cmdline));
	json_object_set_new(json_object_get(rec, "artifacts"), "serial_log",
			    json_string(p.serial_rel));
	json_object_set_new(json_object_get(rec, "artifacts"), "qemu_log",
			    json_string(p.qemu_log_rel));
	/* a QEMU that never started left no serial output of this run */
	log = lr.started ? util_read_file(p.serial, SERIAL_MAX_LOG, &loglen) : NULL;
	if (!log && lr.started && errno == EFBIG) {
		/* the parser refuses a log by its size, before reading a byte */
		log = xstrdup("");
		loglen = SERIAL_MAX_LOG + 1ul;
	}
	serial_parse(log ? log : "", log ? loglen : 0, &sr);
	classify(o, &lr, &sr, p.qemu_log, &oc);
	if (sr.outcome == SERIAL_REPORT)
		record_apply_report(rec, &sr);
	if (oc.kind)
		record_fail(rec, oc.kind, oc.message);
	if (be->after_exit && lr.started)
		be->after_exit(&ctx, rec);
	if (!oc.kind && !oc.exit && json_is_string(json_object_get(rec, "status")) &&
	    !strcmp(json_string_value(json_object_get(rec, "status")), "failed")) {
		/* the backend failed a complete run: the kvm trace lost events
		 * (trace-loss) or its vCPUs disagree with the guest's (trace-vcpu-map) */
		json_t *e = json_object_get(rec, "error");

		oc.exit = EXIT_RUN_FAILED;
		outcome_set(&oc, json_string_value(json_object_get(e, "kind")), "%s",
			    json_string_value(json_object_get(e, "message")));
		outcome_hint(&oc, "the record keeps the counts for a post-mortem, provenance.trace and %s say more",
			     p.trace);
	}
	serial_report_free(&sr);
	if (write_record(rec, &p)) {
		outcome_free(&oc);
		status = EXIT_ENV;
		goto out;
	}
	status = oc.exit;
	reason = json_string_value(json_object_get(json_object_get(rec, "verdict"), "reason"));
	if (oc.kind)
		fprintf(stderr, "irqlbench: %s run failed (%s): %s; raw log %s; hint: %s\n",
			o->workload, oc.kind, oc.message, p.serial, oc.hint);
	else if (oc.exit)
		fprintf(stderr, "irqlbench: %s on %s: verdict fail: %s%s; raw log %s; hint: %s, the record %s has its counters\n",
			o->workload, be->name, reason, cut_note(reason), p.serial,
			runs_script(o->workload) ?
			"the script's own check failed (workloads/SCRIPTS.md, 'Errors', says what each error means)" :
			"the workload's own check failed", record_place(&p));
	else
		fprintf(stderr, "irqlbench: %s on %s: verdict ok in %.2f s; record %s\n",
			o->workload, be->name, lr.duration_s, record_place(&p));
	outcome_free(&oc);
	if (!p.to_stdout)
		printf("%s\n", p.out);	/* with --out -, the record is all stdout gets */
out:
	json_decref(ctx.kvm_facts);
	free(ctx.preflight_msg);
	json_decref(rec);
	qemu_info_free(&qi);
	argv_free(&spec.extra);
	free(lr.cmdline);
	free(log);
	free(kernel);
	free(qkernel);
	free(qscript);
	free(append);
	free(err);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	const struct backend_ops *be = NULL;
	const struct launcher_ops *ln = NULL;
	struct paths p = { 0 };
	char **params = NULL;
	int status;

	double start = util_now();
	char *id = NULL;

	/* from here on a stop signal is only noted: no temporary file (the
	 * probe cache's, a record's) is left half written, no QEMU started */
	run_signals_catch();
	status = parse_args(argc, argv, &o, &params);
	if (!status)
		status = check_args(&o, params, &be, &ln);
	if (!status) {
		id = record_make_id(start, be->name, o.workload);
		make_paths(&o, id, &p);
		status = check_paths(&o, &p);
	}
	if (!status)
		status = check_qemu(&o, be);	/* last: it runs QEMU (cached) */
	if (!status && !o.check_only)
		status = run(&o, be, ln, id, start, &p);
	if (status < 0)
		status = EXIT_OK;	/* --help */
	run_signals_release();
	free_paths(&p);
	free(id);
	free(params);
	argv_free(&o.tags);
	argv_free(&o.set);
	return status;
}
