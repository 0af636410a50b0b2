// SPDX-License-Identifier: MIT
/*
 * cmd_lab.c - `irqlbench lab`: the virtual AMD host.  For each variant it
 * builds (or reuses) kvm.ko/kvm-amd.ko, boots an L1 Linux from the Debian
 * kernel image with them, and runs `irqlbench run --backend kvm` inside L1
 * with the same arguments (host/lab/lab-variant.sh, host/lab/l1-run.sh).
 * The records come back with backend=lab, the variant and the L1 facts.
 *
 * --batch FILE runs many runs (one a line: NAME RUN-OPTION...) in one L1
 * per variant, one record each (provenance.lab.batch).
 *
 * --selftest runs the lab's own CR8 test guest (tests/lab-guest/) under
 * the trace collector instead, and prints the per-phase exit counts: it
 * checks the lab itself without the project's guest.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "kvm/kvm_paths.h"
#include "record/record.h"
#include "cli/util.h"

/*
 * One run of a --batch file: its line's run options, then the command
 * line's.  A line with --repeat N is N runs, NAME-1 .. NAME-N, in one
 * guest boot: the first has boot = N, the others boot = 0.
 */
struct lab_job {
	char *name;
	unsigned line;
	unsigned boot;
	struct argv_buf args;
};

struct lab_opts {
	char *variants;
	const char *variants_arg, *kernel, *accel, *l1_cpu, *out_dir, *batch;
	char *batch_file;	/* the batch as the scripts read it (write_batch()) */
	const char *kernel_image, *modules, *source, *headers;
	unsigned l1_timeout;
	unsigned runs;		/* --runs: the run N times in one guest boot (a batch of one line) */
	bool selftest;
	struct argv_buf run_args;
	struct lab_job *jobs;
	unsigned njobs;
};

#define BATCH_RUNS_MAX	1000

static const char *const accels[] = { "auto", "tcg", "kvm", NULL };

static const struct cli_option lab_options[] = {
	{ CLI_STRING(0, "variants", struct lab_opts, variants_arg, "LIST",
		     "stock, fixed, unfixed or patch=FILE, comma-separated\n"
		     "(default fixed,unfixed); see 'irqlbench kvm --help'") },
	{ CLI_STRING(0, "kernel", struct lab_opts, kernel, "K",
		     "the L1 kernel: an ABI (6.1.0-50-amd64), /boot/vmlinuz-ABI\n"
		     "or a Debian version (6.1.176-1); one not installed is\n"
		     "downloaded into build/kernels/ ('irqlbench kvm kernels'\n"
		     "lists them).  Default: the running kernel if it is in\n"
		     "/boot, else the Debian image whose headers and source\n"
		     "are installed at its version") },
	KVM_BUILT_KERNEL_OPTIONS(struct lab_opts),
	{ CLI_CHOICE(0, "accel", struct lab_opts, accel, accels,
		     "L1 accelerator: kvm (needs /dev/kvm, svm, kvm_amd nested=1),\n"
		     "tcg (QEMU's emulator, -cpu EPYC,+svm) or auto (default)") },
	{ CLI_STRING(0, "l1-cpu", struct lab_opts, l1_cpu, "MODEL",
		     "L1's -cpu (default host under kvm, EPYC,+svm under tcg)") },
	{ CLI_UINT(0, "l1-timeout", struct lab_opts, l1_timeout, "SEC", 1, 86400,
		   "the whole L1 run, in seconds (default 900)") },
	{ CLI_STRING(0, "out-dir", struct lab_opts, out_dir, "DIR",
		     "per-variant logs and records in DIR/<variant>/ (default\n"
		     "results/runs/lab-<utc>/)") },
	{ CLI_STRING(0, "batch", struct lab_opts, batch, "FILE",
		     "many runs in one L1 per variant: one a line, 'NAME\n"
		     "RUN-OPTION...' (see below)") },
	{ CLI_UINT(0, "runs", struct lab_opts, runs, "N", 1, BATCH_RUNS_MAX,
		   "run it N times (default 1) in one L1 per variant: one\n"
		   "guest boot of N jobs ('run --repeat N', as verify's lab\n"
		   "runs), a record each and variant with provenance.lab.batch\n"
		   "(runs W-1 .. W-N); one vCPU") },
	{ CLI_FLAG(0, "selftest", struct lab_opts, selftest,
		   "trace the lab's CR8 test guest instead of 'irqlbench run'") },
	{ CLI_END },
};

const struct cli_spec cmd_lab_spec = {
	.name = "lab",
	.usage = "[--variants V1,V2,...] [--kernel ABI|VERSION]\n"
		 "  [--kernel-image BZIMAGE --modules DIR] [--source TREE] [--headers DIR]\n"
		 "  [--accel auto|tcg|kvm] [--l1-cpu MODEL] [--l1-timeout SEC]\n"
		 "  [--out-dir DIR] [--runs N] (--workload W | --script FILE) [run options ...]\n"
		 "[--variants ...] [--kernel ...] --batch FILE [--out-dir DIR] [run options ...]\n"
		 "--selftest [--variants ...] [--kernel ...] [--out-dir DIR]",
	.description =
	"Runs the kvm backend inside a virtual AMD host (L1) booted from a kernel image\n"
	"(an installed Debian kernel, any version of the archive, or one you built) with\n"
	"the chosen kvm.ko and kvm-amd.ko (stock: the kernel's own; the others built),\n"
	"one L1 per variant, and prints one record per variant (backend \"lab\"), one\n"
	"JSON object per line.\n"
	"\n"
	"Every other option goes to 'irqlbench run --backend kvm' in L1 (--workload,\n"
	"--param, --script, --vcpus, --timeout, --tag, ...; not --out), which works in\n"
	"this directory: relative paths mean the same files as here.  --script FILE\n"
	"alone runs the script workload, as for model.  The lab needs the source tree\n"
	"(host/lab/, host/kvm/): it finds it from the binary's place in build/bin/, the\n"
	"current directory, or $IRQLBENCH_ROOT.\n"
	"\n"
	"--batch FILE runs every run of FILE in one L1 per variant, in order, instead of\n"
	"one L1 per run: one run a line, 'NAME RUN-OPTION...', words separated by blanks\n"
	"(no quoting), blank lines and lines starting with '#' ignored.  NAME (letters,\n"
	"digits, '.', '_', '-', at most 64, unique in FILE) names the run's folder\n"
	"DIR/<variant>/runs/NAME/ (record.json and its logs); each line gives --workload\n"
	"W or --script FILE, and the run options of the command line are added to every\n"
	"line.  Every line is checked before any build or boot (an error names FILE:LINE).\n"
	"One line a run goes to stderr as each ends; stdout has one record per run and\n"
	"variant, in order, with provenance.lab.batch (name, index, count, l1_boots).\n"
	"--l1-timeout defaults to 120 + 60 s a run (at least 900).\n"
	"\n"
	"Latency figures from a tcg L1 are emulated (\"emulated\": true); exit counts and\n"
	"delivery order come from the real kvm_amd code.\n",
	.epilog =
	"exit status: the worst over the variants (and a batch's runs).  0 every run\n"
	"complete with verdict ok; a run in L1 that failed gives its own status (1 failed,\n"
	"2 usage, 3 environment, 4 timeout) and its error line on stderr; the lab's own:\n"
	"1 L1 failed, 2 usage error, 3 environment (packages, kernel versions, module\n"
	"build), 4 timeout.\n",
	.options = lab_options,
	.flags = CLI_KEEP_UNKNOWN,
	.forward = &cmd_run_spec,
	.forward_not = (const char *const[]){ "backend", "out", NULL },
};

/*
 * The value of run's option --NAME (or -C) among the run arguments, the last
 * one given, as run's parser reads them (a unique prefix, --NAME=VALUE,
 * -CVALUE: cli_option_of()); NULL if none.  shrt is kept for the callers'
 * documentation; the table knows it.
 */
static const char *run_arg(const struct argv_buf *a, const char *name, const char *shrt)
{
	const char *v = NULL;

	(void)shrt;
	for (unsigned k = 0; k < a->n; k++) {
		const char *val;
		const struct cli_option *o = cli_option_of(&cmd_run_spec, a->v[k], &val);

		if (!o || !o->name)
			continue;
		if (!val && cli_option_takes_value(o) && k + 1 < a->n)
			val = a->v[++k];
		if (!strcmp(o->name, name + 2))
			v = val ? val : "";
	}
	return v;
}

/*
 * Before a module build and an L1 boot, the host runs every check `run`
 * makes before any work (`run --backend kvm … --check`: workload,
 * parameters, script, files, --vcpus, --cpus, --cpu), so that a usage
 * error costs no L1.  --script alone means the script workload, as for
 * model (args gets "--workload script").  (The run in L1 works in this
 * directory, so a relative script path means the same file there.)
 */
static int check_run_args(struct argv_buf *args, bool batch)
{
	const char *wl = run_arg(args, "--workload", "-w");
	const char *script = run_arg(args, "--script", "-s");
	struct argv_buf a = { 0 };
	char **v;
	int st;

	if (run_arg(args, "--backend", "-b"))
		return cli_usage_error("lab", "--backend is the lab's: it runs the kvm backend in L1; drop it");

	if (!wl && script) {
		argv_add(args, "--workload");
		argv_add(args, "script");
		wl = "script";
	}
	if (!wl)
		return cli_usage_error("lab", batch ? "which workload? give --workload W (or --script FILE) on the line"
					     : "which workload? give --workload W (or --selftest)");
	/* the workload, the script and the rest: run's own checks, one place */
	argv_add(&a, "run");
	argv_add(&a, "--backend");
	argv_add(&a, "kvm");
	for (unsigned k = 0; k < args->n; k++)
		argv_add(&a, args->v[k]);
	argv_add(&a, "--check");
	/* cmd_run's parser moves the words of its argv: give it a copy */
	v = xmalloc((a.n + 1) * sizeof(*v));
	memcpy(v, a.v, (a.n + 1) * sizeof(*v));
	st = cmd_run((int)a.n, v);
	free(v);
	argv_free(&a);
	return st;
}

/* "irqlbench run: msg", "irqlbench: msg" -> "msg" */
static const char *strip_irqlbench(const char *line)
{
	const char *p = line + 9;

	if (strncmp(line, "irqlbench", 9))
		return line;
	if (*p == ' ')
		p += strcspn(p, ":");
	if (*p != ':')
		return line;
	return p + 1 + strspn(p + 1, " ");
}

/*
 * A batch line's run options checked as check_run_args() checks the
 * command line's, the error lines (the run's or the lab's) given as
 * "irqlbench lab: FILE:LINE: ...".
 */
static int check_job(struct lab_job *j, const char *file)
{
	FILE *cap;
	char buf[4096];
	int saved = -1, st, said = 0;

	if (run_arg(&j->args, "--out", "-o"))
		return cli_usage_error("lab", "%s:%u: --out is the lab's to set inside L1 (DIR/<variant>/runs/%s/record.json); drop it",
				       file, j->line, j->name);
	fflush(stderr);
	cap = tmpfile();
	if (cap && (saved = dup(STDERR_FILENO)) >= 0)
		dup2(fileno(cap), STDERR_FILENO);
	st = check_run_args(&j->args, true);
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (cap) {
		rewind(cap);
		while (fgets(buf, sizeof(buf), cap)) {
			buf[strcspn(buf, "\n")] = '\0';
			if (st)
				fprintf(stderr, "irqlbench lab: %s:%u: %s\n", file, j->line, strip_irqlbench(buf));
			else
				fprintf(stderr, "%s\n", buf);
			said++;
		}
		fclose(cap);
	}
	if (st && !said)
		fprintf(stderr, "irqlbench lab: %s:%u: run refuses these options (status %d): see 'irqlbench run --help'\n",
			file, j->line, st);
	return st;
}

/* NAME: [A-Za-z0-9][A-Za-z0-9._-]{0,63}, a folder's name of its own */
static bool job_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

		if (!alnum && (!i || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

static void free_jobs(struct lab_opts *o)
{
	for (unsigned i = 0; i < o->njobs; i++) {
		free(o->jobs[i].name);
		argv_free(&o->jobs[i].args);
	}
	free(o->jobs);
	o->jobs = NULL;
	o->njobs = 0;
}

#define BATCH_LINE_MAX	4096

/*
 * The run among the first @upto whose name is @name, told case-blind
 * (names are folders: two that differ in case only are one on some file
 * systems), or NULL.
 */
static const struct lab_job *name_taken(const struct lab_opts *o, const char *name, unsigned upto)
{
	for (unsigned i = 0; i < upto; i++)
		if (!strcasecmp(o->jobs[i].name, name))
			return &o->jobs[i];
	return NULL;
}

/*
 * The last job read, if its line has --repeat N (run checked N): N runs
 * NAME-1 .. NAME-N of one guest boot, each name checked as a line's.
 */
static int expand_repeat(struct lab_opts *o, const char *file)
{
	struct lab_job *j = &o->jobs[o->njobs - 1];
	const char *rv = run_arg(&j->args, "--repeat", NULL);
	unsigned n = rv ? (unsigned)strtoul(rv, NULL, 10) : 1, first = o->njobs - 1;
	char *base;

	if (n < 2)
		return 0;
	if (o->njobs - 1 + n > BATCH_RUNS_MAX)
		return cli_usage_error("lab", "%s:%u: more than %d runs: one L1 runs at most %d; split "
				       "the batch", file, j->line, BATCH_RUNS_MAX, BATCH_RUNS_MAX);
	{	/* the longest name, NAME-N, first */
		char *last = xasprintf("%s-%u", j->name, n);
		bool fits = job_name_ok(last);
		size_t room = 64 - (strlen(last) - strlen(j->name));

		free(last);
		if (!fits)
			return cli_usage_error("lab", "%s:%u: the run names of --repeat %u, %s-1 .. %s-%u, are too long: give NAME at most %zu characters",
					       file, j->line, n, j->name, j->name, n, room);
	}
	for (unsigned k = 1; k <= n; k++) {	/* every name free, before anything changes */
		char *name = xasprintf("%s-%u", j->name, k);
		const struct lab_job *t = name_taken(o, name, first);
		int st = t ? cli_usage_error("lab", "%s:%u: run name '%s' (--repeat %u) is the name of line %u too: give each run its own",
					     file, j->line, name, n, t->line) : 0;

		free(name);
		if (st)
			return st;
	}
	base = j->name;
	o->jobs = xrealloc(o->jobs, (o->njobs + n - 1) * sizeof(*o->jobs));
	for (unsigned k = 0; k < n; k++) {
		struct lab_job *r = &o->jobs[first + k];

		if (k) {
			memset(r, 0, sizeof(*r));
			r->line = o->jobs[first].line;
			for (unsigned w = 0; w < o->jobs[first].args.n; w++)
				argv_add(&r->args, o->jobs[first].args.v[w]);
		}
		r->name = xasprintf("%s-%u", base, k + 1);
		r->boot = k ? 0 : n;
	}
	free(base);
	o->njobs = first + n;
	return 0;
}

/* A run option the batch file cannot hold (it separates words by tabs and
 * runs by newlines): 1 after the usage error naming it and opt, else 0. */
static int tabbed_run_arg(const struct lab_opts *o, const char *opt)
{
	for (unsigned k = 0; k < o->run_args.n; k++)
		if (strpbrk(o->run_args.v[k], "\t\n")) {
			cli_usage_error("lab", "with %s, a run option cannot hold a tab or a newline ('%s'): drop them",
					opt, o->run_args.v[k]);
			return 1;
		}
	return 0;
}

/*
 * --batch FILE: one run a line, "NAME RUN-OPTION..." (blanks and tabs
 * between words, no quoting; blank lines and '#' lines ignored), each
 * checked before anything is built or booted.  The command line's run
 * options are added to every line's.  A line with --repeat N is N runs of
 * one guest boot (expand_repeat()).
 */

static int read_batch(struct lab_opts *o)
{
	const char *file = o->batch;
	char *text, *p, *next;
	unsigned ln = 0;
	size_t len = 0;
	struct stat sb;
	int st = 0;

	if (run_arg(&o->run_args, "--workload", "-w") || run_arg(&o->run_args, "--script", "-s"))
		return cli_usage_error("lab", "--batch FILE gives each run's workload: drop --workload/--script from the command line and give it on each line of %s",
				       file);
	if (run_arg(&o->run_args, "--backend", "-b"))
		return cli_usage_error("lab", "--backend is the lab's: it runs the kvm backend in L1; drop it");
	if (tabbed_run_arg(o, "--batch"))
		return EXIT_USAGE;
	/* a regular file only: a FIFO would hold the lab up before anything is said */
	if (stat(file, &sb))
		return cli_usage_error("lab", "cannot read %s: %s: give a readable batch file", file,
				       strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return cli_usage_error("lab", "cannot read %s: not a regular file: give a readable batch file",
				       file);
	text = util_read_file(file, 1 << 20, &len);
	if (!text)
		return cli_usage_error("lab", "cannot read %s: %s: give a readable batch file (at most 1 MiB)",
				       file, strerror(errno));
	for (p = text; p && p < text + len && !st; p = next) {
		char *save = NULL, *w;
		const struct lab_job *t;
		struct lab_job *j;

		ln++;
		next = memchr(p, '\n', (size_t)(text + len - p));
		if (next)
			*next++ = '\0';
		for (const char *c = p; c < (next ? next - 1 : text + len); c++)
			if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\r') {
				st = cli_usage_error("lab", "%s:%u: a control character (0x%02x): a batch file is "
						     "text, a run a line", file, ln, (unsigned char)*c);
				break;
			}
		if (!st && strlen(p) > BATCH_LINE_MAX)
			st = cli_usage_error("lab", "%s:%u: the line is longer than %d characters: a run's "
					     "options are shorter", file, ln, BATCH_LINE_MAX);
		if (st)
			break;
		w = strtok_r(p, " \t\r", &save);
		if (!w || *w == '#')
			continue;
		if (!job_name_ok(w)) {
			st = cli_usage_error("lab", "%s:%u: bad run name '%s': give letters, digits, '.', '_' or '-' (at most 64, a letter or digit first), then the run options",
					     file, ln, w);
			break;
		}
		if (o->njobs == BATCH_RUNS_MAX) {
			st = cli_usage_error("lab", "%s:%u: more than %d runs: one L1 runs at most %d; split "
					     "the batch", file, ln, BATCH_RUNS_MAX, BATCH_RUNS_MAX);
			break;
		}
		if ((t = name_taken(o, w, o->njobs))) {
			st = cli_usage_error("lab", "%s:%u: run name '%s' is the name of line %u too: give each run its own",
					     file, ln, w, t->line);
			break;
		}
		o->jobs = xrealloc(o->jobs, (o->njobs + 1) * sizeof(*o->jobs));
		j = &o->jobs[o->njobs++];
		memset(j, 0, sizeof(*j));
		j->name = xstrdup(w);
		j->line = ln;
		j->boot = 1;
		while ((w = strtok_r(NULL, " \t\r", &save)))
			argv_add(&j->args, w);
		for (unsigned k = 0; k < o->run_args.n; k++)
			argv_add(&j->args, o->run_args.v[k]);
		st = check_job(j, file);
		if (!st)
			st = expand_repeat(o, file);
	}
	free(text);
	if (!st && !o->njobs)
		st = cli_usage_error("lab", "%s has no runs: give one a line, 'NAME --workload W [run options]'", file);
	return st;
}

/* Every variant of the list known before anything is built or created:
 * stock, fixed, unfixed or patch=FILE with FILE a readable regular file. */
static int check_variants(const char *list)
{
	char *copy = xstrdup(list), *save = NULL, *v;
	int rc = 0, n = 0;

	for (v = strtok_r(copy, ",", &save); v && !rc; v = strtok_r(NULL, ",", &save), n++) {
		struct stat sb;

		if (!strcmp(v, "stock") || !strcmp(v, "fixed") || !strcmp(v, "unfixed"))
			continue;
		if (strncmp(v, "patch=", 6))
			rc = cli_usage_error("lab", "unknown variant '%s': use stock, fixed, unfixed or patch=FILE", v);
		else if (stat(v + 6, &sb) || !S_ISREG(sb.st_mode) || access(v + 6, R_OK))
			rc = cli_usage_error("lab", "--variants %s: %s is not a readable patch file: give patch=FILE",
					     v, v + 6);
	}
	if (!rc && !n)
		rc = cli_usage_error("lab", "--variants '%s' names no variant: give e.g. fixed,unfixed", list);
	free(copy);
	return rc;
}

/*
 * --runs N: the command line's run as a batch of one line, "W --repeat N"
 * (the runs W-1 .. W-N of one guest boot, expand_repeat()), as verify's
 * lab cells run their entries.  The run options are checked already.
 */
static int runs_batch(struct lab_opts *o)
{
	const char *vcpus = run_arg(&o->run_args, "--vcpus", "-n");
	struct lab_job *j;

	if (vcpus && strcmp(vcpus, "1"))
		return cli_usage_error("lab", "--runs runs its jobs in one guest boot of one vCPU: "
				       "drop --vcpus %s, or --runs", vcpus);
	if (tabbed_run_arg(o, "--runs"))
		return EXIT_USAGE;
	o->jobs = xmalloc(sizeof(*o->jobs));
	j = &o->jobs[o->njobs++];
	memset(j, 0, sizeof(*j));
	j->name = xstrdup(run_arg(&o->run_args, "--workload", "-w"));
	j->boot = 1;
	for (unsigned k = 0; k < o->run_args.n; k++)
		argv_add(&j->args, o->run_args.v[k]);
	argv_add(&j->args, "--repeat");
	argv_addf(&j->args, "%u", o->runs);
	o->batch = "--runs";	/* the batch machinery from here on */
	return expand_repeat(o, "--runs");
}

/* Lab options are taken out; everything else is left for `run` in L1. */
static int parse(int argc, char **argv, struct lab_opts *o)
{
	int n, rc = cli_parse(&cmd_lab_spec, argc, argv, o, &n);


	if (rc)
		return rc;
	for (int i = 0; i < n; i++) {
		if (!strcmp(argv[i], "--out") || !strcmp(argv[i], "-o") || !strncmp(argv[i], "--out=", 6))
			return cli_usage_error("lab", "--out is the lab's to set inside L1; give --out-dir DIR");
		argv_add(&o->run_args, argv[i]);
	}
	if (kvm_check_kernel_options("lab", o->kernel, o->kernel_image, o->modules))
		return EXIT_USAGE;
	if (o->batch && o->selftest)
		return cli_usage_error("lab", "--batch runs 'irqlbench run' and --selftest the lab's own guest: give one of them");
	o->variants = xstrdup(o->variants_arg ? o->variants_arg : "fixed,unfixed");
	if (check_variants(o->variants))
		return EXIT_USAGE;
	if (o->runs > 1 && (o->batch || o->selftest))
		return cli_usage_error("lab", "--runs repeats the run of --workload W: give each line of "
				       "the batch '--repeat N', or drop --runs");
	if (o->batch)
		return read_batch(o);
	if (run_arg(&o->run_args, "--repeat", NULL))
		return cli_usage_error("lab", "--repeat gives one run several records: give --runs N, or "
				       "give it on a line of a --batch FILE (NAME --workload W --repeat N)");
	if (o->selftest)
		return 0;
	rc = check_run_args(&o->run_args, false);
	return rc || o->runs < 2 ? rc : runs_batch(o);
}

/* KEY=value lines (values optionally in single quotes) of a lab.env file. */
static char *env_get(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t n = strcspn(v, "\n");

			if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'') {
				v++;
				n -= 2;
			}
			char *r = xmalloc(n + 1);

			memcpy(r, v, n);
			r[n] = '\0';
			return r;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static json_t *env_json(const char *text, const char *key)
{
	char *v = env_get(text, key);
	json_t *j = v && *v ? json_string(v) : json_null();

	free(v);
	return j;
}

static json_t *env_number(const char *text, const char *key)
{
	char *v = env_get(text, key), *end = NULL;
	double d = v ? strtod(v, &end) : 0;
	json_t *j = v && end != v ? json_real(d) : json_null();

	free(v);
	return j;
}

/*
 * The L1 facts of lab.env, and what lab-variant.sh wrote to
 * DIR/provenance.json: the kernel's versions ("kernel") and the modules'
 * recipe ("module_recipe"), and the facts of the machine L1 ran on
 * ("physical_host", as provenance.host), results/SCHEMA.md.
 */
static json_t *lab_facts(const char *env, const char *dir)
{
	char *path = xasprintf("%s/provenance.json", dir);
	json_t *more = json_load_file(path, 0, NULL);
	json_t *lab = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			 "l1_accel", env_json(env, "L1_ACCEL"),
			 "l1_cpu", env_json(env, "L1_CPU"),
			 "l1_kernel", env_json(env, "L1_KERNEL"),
			 "l1_boot_s", env_number(env, "L1_BOOT_S"),
			 "l1_total_s", env_number(env, "L1_TOTAL_S"),
			 "step_s", env_number(env, "L1_STEP_S"),
			 "modules", env_json(env, "LAB_MODDIR"),
			 "module_build", env_json(env, "LAB_BUILD"));

	if (json_is_object(more))
		json_object_update(lab, more);
	json_decref(more);
	/* the machine QEMU ran L1 on: provenance.host is L1's own (an
	 * emulated CPU, "<host>-l1"), so runs from two hosts stay apart */
	json_object_set_new(lab, "physical_host", record_host_facts());
	free(path);
	return lab;
}

static json_t *kvm_facts(const char *env)
{
	return json_pack("{s:s,s:o,s:o,s:o,s:o}", "module", "kvm_amd",
			 "npt", env_json(env, "KVM_NPT"), "avic", env_json(env, "KVM_AVIC"),
			 "nested", env_json(env, "KVM_NESTED"), "nrips", env_json(env, "KVM_NRIPS"));
}

static bool is_tcg(const char *env)
{
	char *a = env_get(env, "L1_ACCEL");
	bool r = a && !strcmp(a, "tcg");

	free(a);
	return r;
}

static const char *variant_label(const char *v, char *buf, size_t len)
{
	if (!strncmp(v, "patch=", 6)) {
		const char *b = strrchr(v + 6, '/');

		snprintf(buf, len, "patch:%s", b ? b + 1 : v + 6);
		return buf;
	}
	snprintf(buf, len, "%s", v);
	return buf;
}

/* A failed record for a variant whose L1 produced none: a record of the
 * schema like any other (the store imports it as the record of a failure). */
static json_t *failed_record(const char *variant, const char *workload, const char *kind,
			     const char *msg)
{
	json_t *rec = record_new("", "lab", workload ? workload : "script");

	json_object_del(rec, "id");	/* lab_id() names it */
	json_object_set_new(rec, "variant", json_string(variant));
	json_object_set_new(rec, "emulated", json_true());
	record_fail(rec, kind, msg);
	return rec;
}

/* s with every character of a patch=FILE variant that is no id's '_' */
static char *id_token(char *s)
{
	for (char *c = s; *c; c++)
		if (!(*c == '-' || *c == '.' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			*c = '_';
	return s;
}

/* A run's id in L1 ("...-kvm-W-RND") as the lab's ("...-lab-VARIANT-W-RND"), NULL if not one. */
static char *lab_id_of(const char *id, const char *variant)
{
	const char *kvm = id ? strstr(id, "-kvm-") : NULL;
	char *nid;

	if (!kvm)
		return NULL;
	nid = xasprintf("%.*s-lab-%s-%s", (int)(kvm - id), id, variant, kvm + 5);
	return id_token(nid);
}

/*
 * The record's id as the lab's: 'run --backend kvm' in L1 named it
 * <utc>-kvm-<workload>-<hex>; make it <utc>-lab-<variant>-<workload>-<hex>
 * (a failed L1 gives no record: make one up from the time and variant).
 */
static void lab_id(json_t *rec, const char *variant)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	json_t *rep = json_object_get(json_object_get(rec, "provenance"), "repeat");
	char utc[32], *nid = lab_id_of(id, variant), *boot;

	if (!nid && id)
		return;
	if (!nid) {
		util_utc_compact(util_now(), utc, sizeof(utc));
		nid = id_token(xasprintf("%s-lab-%s-failed-%d", utc, variant, (int)getpid()));
	}
	json_object_set_new(rec, "id", json_string(nid));
	free(nid);
	/* a --repeat boot's records name its first by the lab's id too */
	boot = lab_id_of(json_string_value(json_object_get(rep, "boot_id")), variant);
	if (boot)
		json_object_set_new(rep, "boot_id", json_string(boot));
	free(boot);
}

/*
 * The record of a run in L1 (in dir, the variant's folder vdir or a batch
 * run's folder in it): L1's, or a failed one naming why there is none (st:
 * lab-variant.sh's status; inner: the run's in L1, -1 if it did not finish;
 * cause: the run's error line or NULL; workload: the run's).  A batch run's
 * record gets provenance.lab.batch (batch) and its own step_s.
 */
static json_t *finish_record(const char *dir, const char *vdir, const char *variant,
			     const char *workload, const char *env, int st, int inner,
			     const char *cause, json_t *batch)
{
	char *path = xasprintf("%s/record.json", dir);
	json_error_t jerr;
	json_t *rec = json_load_file(path, 0, &jerr), *prov;
	char msg[1024];

	if (!rec) {
		if (cause)
			snprintf(msg, sizeof(msg), "no record from L1: %s (logs in %s)", cause, dir);
		else
			snprintf(msg, sizeof(msg), "no record from L1 (lab status %d; logs in %s)", st, dir);
		rec = failed_record(variant, workload,
				    st == 4 || inner == 4 ? "timeout" : inner == 2 ? "bad-param" :
				    inner == 3 ? "preflight" : "launch", msg);
	}
	json_object_set_new(rec, "backend", json_string("lab"));
	json_object_set_new(rec, "variant", json_string(variant));
	lab_id(rec, variant);
	json_object_set_new(rec, "emulated", json_boolean(!env || is_tcg(env)));
	prov = json_object_get(rec, "provenance");
	if (!json_is_object(prov)) {
		prov = json_object();
		json_object_set_new(rec, "provenance", prov);
	}
	if (env) {
		json_t *lab = lab_facts(env, vdir);

		if (batch) {	/* the run's own time in L1, not the batch's */
			char *sp = xasprintf("%s/step.env", dir);
			char *step = util_read_file(sp, 1 << 12, NULL);

			json_object_set_new(lab, "step_s", step ? env_number(step, "L1_STEP_S") : json_null());
			free(step);
			free(sp);
		}
		json_object_set_new(prov, "lab", lab);
		if (!json_is_object(json_object_get(prov, "kvm")))
			json_object_set_new(prov, "kvm", kvm_facts(env));
	}
	if (batch) {
		json_t *lab = json_object_get(prov, "lab");

		if (!json_is_object(lab)) {
			lab = json_object();
			json_object_set_new(prov, "lab", lab);
		}
		json_object_set(lab, "batch", batch);
	}
	if (record_write(rec, path))
		fprintf(stderr, "irqlbench: lab %s: cannot write %s: %s; choose another --out-dir\n",
			variant, path, strerror(errno));
	free(path);
	return rec;
}

static json_t *finish_selftest(const char *dir, const char *variant, const char *env)
{
	char *path = xasprintf("%s/trace.json", dir), *serial = xasprintf("%s/serial.log", dir);
	json_error_t jerr;
	json_t *trace = json_load_file(path, 0, &jerr);
	char *guest = util_read_line(serial);
	json_t *o = json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:o}", "selftest", "cr8guest",
			      "variant", variant, "emulated", !env || is_tcg(env),
			      "lab", env ? lab_facts(env, dir) : json_null(),
			      "kvm", env ? kvm_facts(env) : json_null(),
			      "guest", guest ? json_string(guest) : json_null(),
			      "trace", trace ? trace : json_null());

	free(guest);
	free(path);
	free(serial);
	return o;
}

/* The in-L1 step's exit status from lab.env (LAB_STATUS), -1 if it did not finish. */
static int inner_status(const char *env)
{
	char *ls = env ? env_get(env, "LAB_STATUS") : NULL, *end = NULL;
	long v = ls ? strtol(ls, &end, 10) : -1;
	int st = ls && end != ls && !*end ? (int)v : -1;

	free(ls);
	return st;
}

/* s with every "from" replaced by "to" (a caller frees it). */
static char *replace_all(const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	const char *p, *at;
	char *r, *w;

	for (p = s; (at = strstr(p, from)); p = at + fl)
		n++;
	r = w = xmalloc(strlen(s) + n * tl + 1);
	for (p = s; (at = strstr(p, from)); p = at + fl) {
		memcpy(w, p, (size_t)(at - p));
		w += at - p;
		memcpy(w, to, tl);
		w += tl;
	}
	strcpy(w, p);
	return r;
}

/*
 * The inner run's own error lines (DIR/run.stderr: its "irqlbench..."
 * lines but "failed record written to" and the nested-host warning), with
 * L1's path of the variant's folder VDIR put back as VDIR, each printed as
 * "irqlbench: lab LABEL: run in L1 failed (status N): ..." (LABEL: the
 * variant, "VARIANT NAME" for a batch run), a warning as "irqlbench: lab
 * LABEL: run in L1: warning: ...".  Returns the first error (else the first
 * warning), for the record when L1 wrote none (a caller frees it), or NULL.
 */
static char *inner_error(const char *dir, const char *vdir, const char *variant, int status)
{
	char *path = xasprintf("%s/run.stderr", dir);
	char *text = util_read_file(path, 1 << 20, NULL), *line, *save = NULL, *first = NULL;
	char *first_warning = NULL;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		bool is_warning;
		char *msg;

		/* nor the kvm preflight's warning that the host is a VM: L1 is one */
		if (strncmp(line, "irqlbench", 9) || strstr(line, "record written to") ||
		    strstr(line, "warning: this host is a virtual machine"))
			continue;
		line += 9;
		line += strspn(line, ": ");
		msg = replace_all(line, "/run/irqlbench/lab-out", vdir);	/* l1-run.sh's $S/lab-out */
		/* a warning ("warning: ..." or "run: warning: ...") is no second failure */
		is_warning = !strncmp(msg, "warning: ", 9) || !strncmp(msg, "run: warning: ", 14);
		if (is_warning)
			fprintf(stderr, "irqlbench: lab %s: run in L1: %s\n", variant, msg);
		else
			fprintf(stderr, "irqlbench: lab %s: run in L1 failed (status %d): %s\n", variant,
				status, msg);
		if (!is_warning && !first)
			first = msg;
		else if (is_warning && !first_warning)
			first_warning = msg;
		else
			free(msg);
	}
	free(text);
	free(path);
	if (!first)
		return first_warning;
	free(first_warning);
	return first;
}

/* --l1-timeout, by default 900 s, or for a batch 120 s and 60 s a run
 * (at least 900 s) */
static unsigned l1_timeout(const struct lab_opts *o)
{
	unsigned t = 120 + 60 * o->njobs;

	if (o->l1_timeout)
		return o->l1_timeout;
	return o->batch && t > 900 ? t : 900;
}

/*
 * The batch as lab-variant.sh and l1-run.sh read it, DIR/.batch-PID: one
 * guest boot a line, its run's name (NAME-1,NAME-2,... for --repeat N) and
 * run options (the command line's added; a --script alone with its
 * --workload script) separated by tabs.
 */
static int write_batch(struct lab_opts *o, const char *out_dir)
{
	FILE *f;

	o->batch_file = xasprintf("%s/.batch-%d", out_dir, (int)getpid());
	f = fopen(o->batch_file, "w");
	if (!f)
		return cli_error(EXIT_ENV, "lab: cannot write %s: %s; choose another --out-dir",
				 o->batch_file, strerror(errno));
	for (unsigned i = 0; i < o->njobs; i++) {
		if (!o->jobs[i].boot)
			continue;	/* a later run of the boot of a line before */
		fputs(o->jobs[i].name, f);
		for (unsigned k = 1; k < o->jobs[i].boot; k++)
			fprintf(f, ",%s", o->jobs[i + k].name);
		for (unsigned k = 0; k < o->jobs[i].args.n; k++)
			fprintf(f, "\t%s", o->jobs[i].args.v[k]);
		fputc('\n', f);
	}
	if (fclose(f))
		return cli_error(EXIT_ENV, "lab: cannot write %s: %s; choose another --out-dir",
				 o->batch_file, strerror(errno));
	return 0;
}

/* A record printed as one line of stdout; its run's exit status (st: the
 * lab's, inner: the run's in L1) made the worst if it is. */
static void print_record(json_t *out, int st, int inner, int *worst)
{
	if (!st)
		st = inner < 0 ? EXIT_RUN_FAILED : inner;
	/* a record the lab failed (no record, verdict fail) is a failed run */
	if (!st && strcmp(json_string_value(json_object_get(out, "status")) ?: "", "complete"))
		st = EXIT_RUN_FAILED;
	json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	fflush(stdout);
	if (st > *worst)
		*worst = st;
}

/* A batch run's status in L1 (DIR/status), -1 if it did not finish. */
static int job_status(const char *dir)
{
	char *path = xasprintf("%s/status", dir), *line = util_read_line(path), *end = NULL;
	long v = line ? strtol(line, &end, 10) : -1;
	int st = line && end != line && !*end ? (int)v : -1;

	free(line);
	free(path);
	return st;
}

/* The records of a variant's batch, DIR/runs/NAME/record.json, in order. */
static void finish_batch(const struct lab_opts *o, const char *dir, const char *label,
			 const char *env, int st, int *worst)
{
	for (unsigned i = 0; i < o->njobs; i++) {
		const struct lab_job *j = &o->jobs[i];
		char *jdir = xasprintf("%s/runs/%s", dir, j->name);
		char *jlabel = xasprintf("%s %s", label, j->name), *cause = NULL;
		int inner = job_status(jdir);
		json_t *batch = json_pack("{s:s,s:i,s:i,s:i}", "name", j->name, "index", (int)i,
					  "count", (int)o->njobs, "l1_boots", 1);
		json_t *out;

		if (inner > 0)
			cause = inner_error(jdir, dir, jlabel, inner);
		util_mkdir_p(jdir);	/* a run L1 never started: its failed record's place */
		out = finish_record(jdir, dir, label, run_arg(&j->args, "--workload", "-w"), env, st,
				    inner, cause, batch);
		print_record(out, st, inner, worst);
		json_decref(out);
		json_decref(batch);
		free(cause);
		free(jlabel);
		free(jdir);
	}
}

static int run_variant(const struct lab_opts *o, const char *variant, const char *dir,
		       int *worst)
{
	struct argv_buf a = { 0 };
	char *envpath = xasprintf("%s/lab.env", dir), *env, *cause = NULL;
	char label[256];
	json_t *out;
	int st, inner;
	unsigned k;

	argv_add(&a, "--variant");
	argv_add(&a, variant);
	argv_add(&a, "--out");
	argv_add(&a, dir);
	argv_add(&a, "--mode");
	argv_add(&a, o->selftest ? "selftest" : o->batch ? "batch" : "run");
	if (o->batch) {
		argv_add(&a, "--batch");
		argv_add(&a, o->batch_file);
	}
	if (o->kernel) { argv_add(&a, "--kernel"); argv_add(&a, o->kernel); }
	if (o->kernel_image) { argv_add(&a, "--kernel-image"); argv_add(&a, o->kernel_image); }
	if (o->modules) { argv_add(&a, "--modules"); argv_add(&a, o->modules); }
	if (o->source) { argv_add(&a, "--source"); argv_add(&a, o->source); }
	if (o->headers) { argv_add(&a, "--headers"); argv_add(&a, o->headers); }
	if (o->accel) { argv_add(&a, "--accel"); argv_add(&a, o->accel); }
	if (o->l1_cpu) { argv_add(&a, "--cpu"); argv_add(&a, o->l1_cpu); }
	argv_add(&a, "--timeout");
	argv_addf(&a, "%u", l1_timeout(o));
	argv_add(&a, "--");
	for (k = 0; !o->batch && k < o->run_args.n; k++)
		argv_add(&a, o->run_args.v[k]);
	/* lab-variant.sh says "variant V (logs in DIR)" once the kernel is
	 * known: a kernel that is not is its one line */
	st = labcmd_run_script("host/lab/lab-variant.sh", a.v, NULL);
	argv_free(&a);
	/* lab.env exists once L1 ran: the inner run's status and error line */
	env = util_read_file(envpath, 1 << 16, NULL);
	inner = inner_status(env);
	variant_label(variant, label, sizeof(label));
	if (!o->selftest && !o->batch && inner > 0)
		cause = inner_error(dir, dir, label, inner);
	if (st == 2 || st == 3) {
		free(cause);
		free(env);
		free(envpath);
		return st;		/* usage/environment: no record to speak of */
	}
	if (o->batch) {
		finish_batch(o, dir, label, env, st, worst);
		free(env);
		free(envpath);
		return 0;
	}
	if (o->selftest) {
		out = finish_selftest(dir, label, env);
		json_dumpf(out, stdout, JSON_COMPACT);
		putchar('\n');
		fflush(stdout);
		if (st > *worst)
			*worst = st;
	} else {
		out = finish_record(dir, dir, label, run_arg(&o->run_args, "--workload", "-w"), env,
				    st, inner, cause, NULL);
		print_record(out, st, inner, worst);
	}
	json_decref(out);
	free(cause);
	free(env);
	free(envpath);
	return 0;
}

static char *default_out_dir(void)
{
	char ts[32];

	util_utc_compact(util_now(), ts, sizeof(ts));
	return xasprintf("results/runs/lab-%s", ts);
}

int cmd_lab(int argc, char **argv)
{
	struct lab_opts o;
	char *out_dir, *save = NULL, *v;
	int st, worst = 0;

	memset(&o, 0, sizeof(o));
	st = parse(argc, argv, &o);
	if (st) {
		free_jobs(&o);
		free(o.variants);
		argv_free(&o.run_args);
		return st == CLI_HELP ? EXIT_OK : st;
	}
	out_dir = o.out_dir ? xstrdup(o.out_dir) : default_out_dir();
	if (util_mkdir_p(out_dir)) {
		st = cli_error(EXIT_ENV, "lab: cannot create %s: %s", out_dir, strerror(errno));
		goto out;
	}
	if (o.batch && (st = write_batch(&o, out_dir)))
		goto out;
	for (v = strtok_r(o.variants, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
		char label[256], *dir;

		lab_variant_dir(v, label, sizeof(label));
		dir = xasprintf("%s/%s", out_dir, label);
		st = run_variant(&o, v, dir, &worst);
		free(dir);
		if (st)
			goto out;
	}
	st = worst;
out:
	if (o.batch_file)
		unlink(o.batch_file);
	free(o.batch_file);
	free_jobs(&o);
	free(out_dir);
	free(o.variants);
	argv_free(&o.run_args);
	return st;
}
