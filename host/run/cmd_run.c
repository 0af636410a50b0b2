// SPDX-License-Identifier: MIT
/*
 * cmd_run.c - `irqlbench run`: boots the guest under QEMU (tcg or kvm)
 * with one workload and writes one result record.
 *
 * Everything that can be checked before QEMU starts is checked here first
 * (workload, parameters, script, files, --cpus, QEMU and its CPU model), so
 * that a usage error costs no boot; run_guest() (run.c) does the rest.  The
 * record starts out failed and becomes complete only from a checked report;
 * it is written atomically on every path after the arguments are accepted,
 * next to the raw logs.
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
#include "pin/pin_run.h"
#include "pin/plan.h"
#include "run/run.h"
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
	"                     [--trace-buffer KB] [--pit-reinject on|off]\n"
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
	"      --pit-reinject off  kvm backend: QEMU's in-kernel PIT discards lost ticks\n"
	"                      (-global kvm-pit.lost_tick_policy=discard), so that\n"
	"                      AVIC/APICv is not inhibited; default on, as QEMU's\n"
	"                      -machine pc (provenance.kvm.apicv says what ran)\n"
	"  -h, --help          this text\n"
	"\n"
	"exit status: 0 complete with verdict ok; 1 the run failed (guest verdict fail,\n"
	"exception, triple fault, garbled or truncated report, a kvm exit trace that\n"
	"lost events or whose vCPUs do not match the guest's CPUs, or stopped by\n"
	"SIGHUP, SIGINT, SIGQUIT or SIGTERM); 2 usage error (unknown workload, bad\n"
	"parameter, script error, an --out that is no regular file, ...: nothing is\n"
	"run and no record written); 3 environment (missing package, no access to\n"
	"/dev/kvm or tracefs, QEMU refused to start); 4 timeout; 77 not applicable:\n"
	"--backend kvm on a host that cannot run it (not AMD SVM, /dev/kvm of kvm_intel\n"
	"or kvm_pvm).\n"
	"The record is written in every case after the arguments were accepted;\n"
	"a failed run's record has \"status\": \"failed\" and an \"error\".\n";


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
	       O_TRACE_BUFFER, O_PIT_REINJECT };
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
		{ "pit-reinject", required_argument, NULL, O_PIT_REINJECT },
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
		case O_PIT_REINJECT:
			o->pit_reinject_set = true;
			if (util_parse_bool(optarg, &o->pit_reinject))
				return cli_usage_error("run", "--pit-reinject %s: give on or off", optarg);
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


/* --cpus: a CPU list of one CPU per vCPU, each one this process may use. */
static int check_cpus(const struct run_opts *o)
{
	cpu_set_t set, allowed;
	struct pin_cpus host;
	unsigned n = 0, order[MAX_CPUS];
	size_t errlen = strlen(o->cpus) + 512;	/* the message quotes the list */
	char *err, buf[256];
	int rc;

	if (o->no_pin)
		return cli_usage_error("run", "--cpus %s and --no-pin contradict each other: drop one",
				       o->cpus);
	err = xmalloc(errlen);
	rc = util_cpulist_parse(o->cpus, &set, order, MAX_CPUS, &n, err, errlen);
	if (rc)
		cli_usage_error("run", "--cpus: %s", err);
	free(err);
	if (rc)
		return EXIT_USAGE;
	if (n != o->vcpus)
		return cli_usage_error("run", "--cpus %s lists %u CPU%s for %u vCPU%s: give exactly one CPU per vCPU",
				       o->cpus, n, n == 1 ? "" : "s", o->vcpus, o->vcpus == 1 ? "" : "s");
	pin_host_cpus(&host);	/* the cpuset, the affinity; isolated CPUs count */
	if (!host.have_cpuset)
		return 0;
	allowed = host.cpuset;
	for (unsigned i = 0; i < n; i++)
		if (!CPU_ISSET(order[i], &allowed))
			return cli_usage_error("run", "--cpus %s: CPU %u is not one this process may use (%s): give CPUs of that list ('irqlbench pin --vcpus %u' shows a plan)",
					       o->cpus, order[i],
					       util_cpulist_format(&allowed, buf, sizeof(buf)),
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
 * backend, input files, --cpus (then run_check_paths(), and last check_qemu()). */
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

	*be = run_backend_find(o->backend);
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
	if (o->pit_reinject_set && (strcmp((*be)->name, "kvm") || *ln != &direct_launcher))
		return cli_usage_error("run", "--pit-reinject sets the in-kernel PIT of the kvm backend's QEMU: give --backend kvm with the direct launcher, or drop it");
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


int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	const struct backend_ops *be = NULL;
	const struct launcher_ops *ln = NULL;
	struct run_paths p = { 0 };
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
		run_make_paths(&o, id, &p);
		status = run_check_paths(&o, &p);
	}
	if (!status)
		status = check_qemu(&o, be);	/* last: it runs QEMU (cached) */
	if (!status && !o.check_only)
		status = run_guest(&o, be, ln, id, start, &p);
	if (status < 0)
		status = EXIT_OK;	/* --help */
	run_signals_release();
	run_free_paths(&p);
	free(id);
	free(params);
	argv_free(&o.tags);
	argv_free(&o.set);
	return status;
}

