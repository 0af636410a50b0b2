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

/*
 * The libvirt launcher is a plugin, build/lib/irqlbench-libvirt.so (installed:
 * PREFIX/lib/irqlbench/irqlbench-libvirt.so), loaded
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
	if (access(path, R_OK) && (dir = util_installed_file("lib", "irqlbench-libvirt.so"))) {
		free(path);
		path = dir;	/* an installed irqlbench: PREFIX/lib/irqlbench/ */
	}
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

#define RUNS_MAX 64

struct run_args {
	struct run_opts o;
	struct argv_buf params;		/* --param, as given */
	unsigned runs;			/* --runs: guest boots, a record each (0, 1: one) */
};

static int set_timeout(const struct cli_option *opt, void *at, const char *val, const char *cmd)
{
	double *t = at;
	char *end;

	(void)opt;
	errno = 0;
	*t = strtod(val, &end);
	if (errno || end == val || *end || !(*t > 0) || *t > 86400)
		return cli_usage_error(cmd, "--timeout %s: give seconds, more than 0 and at most 86400",
				       val);
	return 0;
}

static const char *const backends[] = { "tcg", "kvm", "guest", NULL };
static const char *const launchers[] = { "direct", "libvirt", NULL };
static const char *const firmwares[] = { "qboot", "seabios", NULL };
static const char *const on_off[] = { "on", "off", NULL };
static const char *const apic_modes[] = { "auto", "xapic", "x2apic", NULL };

/* a path whose emptiness run_check_args() names ("--out needs a path") */
#define RUN_PATH(s, l, f, a, h) \
	{ CLI_STRING(s, l, struct run_args, o.f, a, h), .flags = CLI_OPT_EMPTY }

static const struct cli_option run_options[] = {
	{ CLI_CHOICE('b', "backend", struct run_args, o.backend, backends,
		     "tcg (QEMU's emulator, no hypervisor; default), kvm\n"
		     "(QEMU -accel kvm on an AMD SVM host, after a preflight,\n"
		     "kvm_amd's exits traced) or guest (QEMU -accel kvm on any\n"
		     "/dev/kvm, nothing traced: the guest's own observations,\n"
		     "judged by 'irqlbench verify --backend guest')") },
	{ CLI_STRING('w', "workload", struct run_args, o.workload, "W",
		     "the workload ('irqlbench list' shows them)") },
	{ CLI_LIST('p', "param", struct run_args, params, "K=V",
		   "set a workload or common parameter") },
	RUN_PATH('s', "script", script, "FILE", "the scenario script of the 'script' workload"),
	{ CLI_UINT('n', "vcpus", struct run_args, o.vcpus, "N", 1, MAX_CPUS, "vCPUs (default 1)") },
	{ CLI_CHOICE(0, "apic", struct run_args, o.apic, apic_modes,
		     "the guest's local APIC mode: auto (default: x2APIC where\n"
		     "CPUID offers it, as Windows does; QEMU 7.2's TCG offers\n"
		     "none), xapic (MMIO: APIC accesses exit as npf) or x2apic\n"
		     "(MSRs: ICR, EOI, self-IPI and timer exit as msr); the\n"
		     "guest's apic= word, recorded as provenance.apic and, as\n"
		     "used, guest.apic; a mode the CPU cannot give fails the\n"
		     "run as a bad parameter (exit 2)") },
	{ CLI_LIST('o', "out", struct run_args, o.outs, "FILE",
		   "the record (default results/runs/<id>/record.json, with\n"
		   "serial.log and qemu.log beside it); a regular file, never\n"
		   "a device, FIFO, link or folder; - for standard output\n"
		   "(the logs then go to results/runs/<id>/ or --keep-log DIR).\n"
		   "With --repeat N: none, or N of them, one a job in order"),
	  .flags = CLI_OPT_EMPTY },
	{ CLI_UINT(0, "repeat", struct run_args, o.repeat, "N", 1, REPEAT_MAX,
		   "run the workload N times in one guest boot (default 1):\n"
		   "N jobs, each with its own phases, report and record\n"
		   "(provenance.repeat), the exit trace split at the guest's\n"
		   "job markers; saves QEMU's start-up N-1 times.  One vCPU;\n"
		   "--timeout is each job's") },
	{ CLI_UINT(0, "runs", struct run_args, runs, "N", 1, RUNS_MAX,
		   "run the workload N times, a guest boot each (default 1):\n"
		   "N records under results/runs/<id>/, each with its own id\n"
		   "and provenance (the samples 'irqlbench compare' tests\n"
		   "latencies on: 5 a side).  With --repeat J: N boots of J\n"
		   "jobs.  Not with --out; --keep-log DIR holds every run's") },
	{ CLI_CALLBACK_AT('t', "timeout", struct run_args, o.timeout_s, "SEC", set_timeout,
			  "kill the guest after SEC seconds (default 60)") },
	{ CLI_LIST(0, "tag", struct run_args, o.tags, "T", "a tag for the record") },
	RUN_PATH(0, "qemu", qemu, "PATH", "the QEMU binary (default qemu-system-x86_64 from PATH)"),
	RUN_PATH(0, "guest", guest, "FILE",
		 "the guest image (default build/guest/irqlbench-guest.elf\n"
		 "next to this command's build, else lib/irqlbench/ of its\n"
		 "installation)"),
	{ CLI_STRING(0, "cpu", struct run_args, o.cpu, "MODEL",
		     "QEMU -cpu model (default: max for tcg, host for kvm and guest)") },
	RUN_PATH(0, "keep-log", keep_log, "DIR",
		 "write the raw logs to DIR/<id>.serial.log and\n"
		 "DIR/<id>.qemu.log instead of beside the record"),
	{ CLI_CHOICE(0, "launcher", struct run_args, o.launcher, launchers,
		     "direct (QEMU started by irqlbench; default) or libvirt") },
	{ CLI_FLAG(0, "no-pin", struct run_args, o.no_pin,
		   "leave the vCPU threads where the OS puts them\n"
		   "(provenance.pinning stays null; the kvm backend still\n"
		   "starts QEMU paused, so that its trace is on before the\n"
		   "guest runs; tcg: no -S/-qmp)") },
	{ CLI_STRING(0, "cpus", struct run_args, o.cpus, "LIST",
		     "pin the vCPUs to these host CPUs (e.g. 2,3 or 4-7)\n"
		     "instead of the hwloc plan ('irqlbench pin' shows it)") },
	{ CLI_STRING(0, "connect", struct run_args, o.connect, "URI",
		     "libvirt launcher: the libvirt URI (default qemu:///system)") },
	{ CLI_CHOICE(0, "firmware", struct run_args, o.firmware, firmwares,
		     "direct launcher: qboot (QEMU's minimal firmware, the\n"
		     "default where it is installed: boots in a few ms) or\n"
		     "seabios (QEMU's default BIOS)") },
	{ CLI_FLAG(0, "check", struct run_args, o.check_only,
		   "only the checks made before any work (options, workload,\n"
		   "parameters, script, files, --cpus, --cpu): exit 0 or 2,\n"
		   "nothing run or written ('irqlbench lab' runs them first)") },
	/* the kernel's ring buffer takes at least 2 pages per CPU */
	{ CLI_U64(0, "trace-buffer", struct run_args, o.trace_buffer_kb, "KB", 8, 1u << 30,
		  "kvm backend: the exit trace's ring buffer per CPU, in KiB,\n"
		  "for the CPUs that run QEMU's threads (default 32768); a\n"
		  "trace that loses events fails the record (error trace-loss)") },
	{ CLI_CHOICE(0, "pit-reinject", struct run_args, o.pit_reinject, on_off,
		     "kvm backend: off makes QEMU's in-kernel PIT discard lost\n"
		     "ticks (-global kvm-pit.lost_tick_policy=discard), so that\n"
		     "AVIC/APICv is not inhibited; default on, as QEMU's\n"
		     "-machine pc (provenance.kvm.apicv says what ran); under\n"
		     "libvirt <timer name='pit' tickpolicy='discard'/>") },
	{ CLI_END },
};

const struct cli_spec cmd_run_spec = {
	.name = "run",
	.usage = "[--backend tcg|kvm|guest] --workload W [--param NAME=VALUE ...]\n"
		 "  [--script FILE] [--vcpus N] [--apic MODE] [--repeat N] [--runs N] [--out FILE ...]\n"
		 "  [--timeout SEC]\n"
		 "  [--tag T ...] [--qemu PATH] [--guest FILE] [--cpu MODEL]\n"
		 "  [--keep-log DIR] [--launcher direct|libvirt] [--no-pin]\n"
		 "  [--cpus LIST] [--connect URI] [--firmware qboot|seabios]\n"
		 "  [--trace-buffer KB] [--pit-reinject on|off] [--check]",
	.description =
	"Boots the irqlbench guest under QEMU with workload W, and turns its serial\n"
	"report into one JSON result record (results/SCHEMA.md).\n",
	.epilog =
	"exit status: 0 complete with verdict ok; 1 the run failed (guest verdict fail,\n"
	"exception, triple fault, garbled or truncated report, a kvm exit trace that\n"
	"lost events or whose vCPUs do not match the guest's CPUs, or stopped by\n"
	"SIGHUP, SIGINT, SIGQUIT or SIGTERM); 2 usage error (unknown workload, bad\n"
	"parameter, script error, an --out that is no regular file, ...: nothing is\n"
	"run and no record written); 3 environment (missing package, no access to\n"
	"/dev/kvm or tracefs, QEMU refused to start); 4 timeout; 77 not applicable:\n"
	"--backend kvm on a host that cannot run it (not AMD SVM, /dev/kvm of kvm_intel\n"
	"or kvm_pvm: --backend guest runs there), --backend guest with no /dev/kvm.\n"
	"The record is written in every case after the arguments were accepted;\n"
	"a failed run's record has \"status\": \"failed\" and an \"error\".  With\n"
	"--repeat N: a record a job, and the status of the first job that did not end\n"
	"with 0 (a job the boot never reached fails with the kind of what ended it).\n"
	"--runs N: the status of the first run that did not end with 0; a failed run\n"
	"(1) does not stop the others, any other status (3, 4, 77, a stop signal) does.\n",
	.options = run_options,
};

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

static int parse_args(int argc, char **argv, struct run_args *a)
{
	int n, rc;

	a->o.backend = "tcg";
	a->o.vcpus = 1;
	a->o.timeout_s = DEFAULT_TIMEOUT_S;
	rc = cli_parse(&cmd_run_spec, argc, argv, a, &n);
	if (!rc && a->o.outs.n)
		a->o.out = a->o.outs.v[0];
	if (!rc && a->o.cpus)
		pin_run_set_cpus(a->o.cpus);
	return rc;
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
 * usage errors, found before QEMU starts, with the whole path.  A script
 * with `host` actions runs only where the host is simulated (model). */
int cli_check_script_text(const char *path, const char *text, size_t len, bool host_actions,
			  unsigned vcpus)
{
	static const char doc[] = "see workloads/SCRIPTS.md for the script language";
	struct scn_prog *prog = xmalloc(sizeof(*prog));
	char err[4096], op[64];
	unsigned host_line, need;
	int rc;

	rc = scn_parse(text, len, prog, err, sizeof(err));
	host_line = rc ? 0 : prog->host_line;
	need = rc ? 0 : prog->ncpus;
	for (unsigned i = 0; host_line && i < prog->nops; i++)
		if (prog->ops[i].code == SCN_OP_HOST) {
			scn_op_text(prog, i, op, sizeof(op));
			break;
		}
	free(prog);
	if (rc)
		return cli_error(EXIT_USAGE, "script %s: %s; %s", path, err, doc);
	if (host_line && !host_actions)
		return cli_error(EXIT_USAGE, "script %s: line %u: '%s' is a host-side action (KVM_SET_LAPIC, INIT, an AVIC inhibit) that a guest cannot perform; run the script with 'irqlbench model --script %s --policy P'",
				 path, host_line, op, path);
	if (vcpus && need > vcpus)
		return cli_error(EXIT_USAGE, "script %s runs a block on vCPU %u or sends it an IPI, but the guest would have %u: run it with --vcpus %u",
				 path, need - 1, vcpus, need);
	return 0;
}

int cli_check_vcpus(const struct wl_info *w, unsigned vcpus)
{
	if (w->min_vcpus > (vcpus ? vcpus : 1))
		return cli_error(EXIT_USAGE, "workload '%s' needs %u vCPUs or more: run it with --vcpus %u",
				 w->name, w->min_vcpus, w->min_vcpus);
	return 0;
}

char *cli_read_script(const char *path, size_t *len, int *rc)
{
	char *text = util_read_file(path, SCN_MAX_FILE + 1, len);

	if (!text && errno == EFBIG)
		*rc = cli_error(EXIT_USAGE, "script %s: larger than %u bytes, the limit of a script: shorten it (repeat blocks help); see workloads/SCRIPTS.md for the script language",
				path, SCN_MAX_FILE);
	else if (!text)
		*rc = cli_error(EXIT_USAGE, "cannot read the script %s: %s: give a readable file with --script FILE",
				path, strerror(errno));
	return text;
}

int cli_check_script(const char *path, bool host_actions, unsigned vcpus)
{
	size_t len = 0;
	int rc = 0;
	char *text = cli_read_script(path, &len, &rc);

	if (text)
		rc = cli_check_script_text(path, text, len, host_actions, vcpus);
	free(text);
	return rc;
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

	if (n == 4 && !strncmp(o->cpu, "host", 4) && !strcmp(be->accel, "tcg"))
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
static int check_args(struct run_opts *o, const struct argv_buf *params,
		      const struct backend_ops **be, const struct launcher_ops **ln)
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
	}
	*be = run_backend_find(o->backend);	/* a choice of the table */
	{	/* an empty path is no path: found before any work */
		const struct { const char *opt, *v; } pv[] = {
			{ "--guest", o->guest }, { "--script", o->script },
			{ "--keep-log", o->keep_log }, { "--qemu", o->qemu },
		};

		for (size_t i = 0; i < sizeof(pv) / sizeof(pv[0]); i++)
			if (pv[i].v && !*pv[i].v)
				return cli_usage_error("run", "%s needs a path, not an empty string", pv[i].opt);
	}
	for (unsigned i = 0; i < o->outs.n; i++)
		if (!*o->outs.v[i])
			return cli_usage_error("run", "--out needs a path, not an empty string");
	for (unsigned i = 0; i < o->outs.n; i++)
		for (unsigned k = 0; k < i; k++)
			if (!strcmp(o->outs.v[i], o->outs.v[k]))
				return cli_usage_error("run", "--out %s given twice: give each job its own record file",
						       o->outs.v[i]);
	if (o->outs.n > 1 && o->outs.n != (o->repeat ? o->repeat : 1))
		return cli_usage_error("run", "%u --out for %u job%s: give one --out FILE a job (--repeat N), or none",
				       o->outs.n, o->repeat ? o->repeat : 1, o->repeat > 1 ? "s" : "");
	if (o->repeat > 1) {
		for (unsigned i = 0; i < o->outs.n; i++)
			if (!strcmp(o->outs.v[i], "-"))
				return cli_usage_error("run", "--out - writes one record: with --repeat give a file a job, or no --out");
		if (o->outs.n == 1)
			return cli_usage_error("run", "one --out for %u jobs: give one --out FILE a job, or none (results/runs/<id>/)",
					       o->repeat);
		if (o->vcpus > 1)
			return cli_usage_error("run", "--repeat runs its jobs on one vCPU: drop --vcpus %u, or --repeat",
					       o->vcpus);
		if (*ln != &direct_launcher)
			return cli_usage_error("run", "--repeat is for the direct launcher: drop --launcher libvirt, or --repeat");
	}
	if (!o->workload && o->script)
		o->workload = "script";		/* --script alone: the script workload, as for model */
	if (o->trace_buffer_kb && strcmp((*be)->name, "kvm"))
		return cli_usage_error("run", "--trace-buffer sizes the kvm backend's exit trace: add --backend kvm, or drop it");
	if (o->pit_reinject && strcmp((*be)->name, "kvm"))
		return cli_usage_error("run", "--pit-reinject sets the in-kernel PIT of the kvm backend's QEMU: give --backend kvm, or drop it");
	if (!o->workload)
		return cli_usage_error("run", "which workload? give --workload W ('irqlbench list' shows them)");
	w = wl_find(o->workload);
	if (!w)
		return cli_error(EXIT_USAGE, "unknown workload '%s': run 'irqlbench list' to see the workloads",
				 o->workload);
	wl_values_init(&o->vals, w);
	for (unsigned i = 0; i < params->n; i++)
		if (add_param(o, params->v[i]))
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
			  cli_check_script(o->script, false, o->vcpus ? o->vcpus : 1)))
		return EXIT_USAGE;
	if (cli_check_vcpus(w, o->vcpus))
		return EXIT_USAGE;
	if (o->guest && check_input("the guest image", o->guest,
				    "--guest FILE (build/guest/irqlbench-guest.elf after 'make')"))
		return EXIT_USAGE;
	if (o->cpus && (status = check_cpus(o)))
		return status;
	return 0;
}


/*
 * The file a path names, whether or not it exists yet: its folder's real
 * path (that of the nearest folder that exists, the rest appended) and its
 * name.  To free.
 */
static char *file_identity(const char *path)
{
	char *dir = util_dirname(path), *base = util_basename(path), *real = realpath(dir, NULL), *up, *out;

	if (real)
		up = real;
	else if (!strcmp(dir, path) || !strcmp(dir, ".") || !strcmp(dir, "/"))
		up = xstrdup(dir);
	else
		up = file_identity(dir);
	/* "." and ".." of folders that do not exist yet */
	if (!*base || !strcmp(base, "."))
		out = xstrdup(up);
	else if (!strcmp(base, ".."))
		out = util_dirname(up);
	else
		out = xasprintf("%s%s%s", up, up[strlen(up) - 1] == '/' ? "" : "/", base);
	free(up);
	free(dir);
	free(base);
	return out;
}

/*
 * --repeat: no file one job writes (its record, raw logs, trace) is one
 * another job writes, however the paths are spelled (./, links): 0, or a
 * usage error naming both.
 */
static int check_job_files(const struct run_paths *p, unsigned njobs)
{
	struct { unsigned job; const char *path; char *id; } f[4 * REPEAT_MAX];
	unsigned n = 0;
	int st = 0;

	for (unsigned j = 0; j < njobs; j++) {
		const char *w[] = { p[j].to_stdout ? NULL : p[j].out, p[j].serial, p[j].qemu_log, p[j].trace };

		for (unsigned i = 0; i < 4; i++)
			if (w[i]) {
				f[n].job = j;
				f[n].path = w[i];
				f[n++].id = file_identity(w[i]);
			}
	}
	for (unsigned a = 0; a < n && !st; a++)
		for (unsigned b = 0; b < a && !st; b++)
			if (f[a].job != f[b].job && !strcmp(f[a].id, f[b].id))
				st = cli_usage_error("run", "jobs %u and %u would both write %s (as %s and %s): give each job an --out of its own, in a folder of its own or under another name",
						     f[b].job + 1, f[a].job + 1, f[a].id, f[b].path, f[a].path);
	for (unsigned i = 0; i < n; i++)
		free(f[i].id);
	return st;
}

/*
 * One guest boot of the checked request (o->repeat jobs): its ids and
 * paths, their checks, QEMU's, then the run.  The status of the run, or of
 * the check that refused it.
 */
static int run_once(struct run_opts *o, const struct backend_ops *be,
		    const struct launcher_ops *ln)
{
	struct run_paths p[REPEAT_MAX] = { 0 };
	unsigned njobs = o->repeat > 1 ? o->repeat : 1;
	double start = util_now();
	char *ids[REPEAT_MAX] = { 0 };
	int status = 0;

	ids[0] = record_make_id(start, be->name, o->workload);
	for (unsigned j = 0; j < njobs && !status; j++) {
		if (j)
			ids[j] = xasprintf("%s-job%u", ids[0], j + 1);
		o->out = o->outs.n ? o->outs.v[j] : NULL;
		run_make_paths(o, ids[j], &p[j]);
		status = run_check_paths(o, &p[j]);
	}
	o->out = o->outs.n ? o->outs.v[0] : NULL;
	if (!status && njobs > 1)
		status = check_job_files(p, njobs);
	if (!status)
		status = check_qemu(o, be);	/* last: it runs QEMU (cached) */
	if (!status && !o->check_only)
		status = run_guest(o, be, ln, ids, start, p);
	for (unsigned j = 0; j < njobs; j++) {
		run_free_paths(&p[j]);
		free(ids[j]);
	}
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	struct run_opts *o = &a.o;
	const struct backend_ops *be = NULL;
	const struct launcher_ops *ln = NULL;
	unsigned runs;
	int status;

	/* from here on a stop signal is only noted: no temporary file (the
	 * probe cache's, a record's) is left half written, no QEMU started */
	run_signals_catch();
	status = parse_args(argc, argv, &a);
	if (!status)
		status = check_args(o, &a.params, &be, &ln);
	runs = a.runs > 1 && !o->check_only ? a.runs : 1;
	if (!status && runs > 1 && o->outs.n)
		status = cli_usage_error("run", "--runs %u writes %u records, each in results/runs/<id>/: "
					 "drop --out, or --runs", runs, runs);
	/* each run a boot of its own, with its own id, start time and
	 * provenance; a failed run (1) does not stop the others */
	for (unsigned r = 0; r < runs && (!status || status == EXIT_RUN_FAILED); r++) {
		int st;

		if (r && run_signals_pending())
			break;
		st = run_once(o, be, ln);
		if (!status)
			status = st;
		if (st && st != EXIT_RUN_FAILED)
			break;
	}
	if (status == CLI_HELP)
		status = EXIT_OK;
	run_signals_release();
	argv_free(&o->outs);
	argv_free(&a.params);
	argv_free(&o->tags);
	argv_free(&o->set);
	return status;
}
