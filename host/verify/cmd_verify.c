// SPDX-License-Identifier: MIT
/*
 * cmd_verify.c - `irqlbench verify`: is this KVM fixed?
 *
 * Runs the workloads that tell a fixed kernel from an unfixed one
 * (nested-spinlock at depth 2 and 4, masked-clock, seed-table) on the chosen
 * backend, each as a child `irqlbench` process writing its record, then
 * applies verdict_decide() (verdict.c) and prints the verdict and the
 * evidence.  Exit status 0 FIXED, 1 UNFIXED, 2 INCONCLUSIVE; 3 when the
 * runs could not be made at all (environment), 64+ never.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "verify/verdict.h"

const char cmd_verify_usage[] =
"usage: irqlbench verify [--backend model|lab|kvm] [--policy P] [--variant V]\n"
"                        [--kernel K] [--iterations N] [--runs N] [--out-dir DIR]\n"
"\n"
"Tells whether a KVM has \"KVM: SVM: fix cr8 intercept window\" (upstream\n"
"596f3142d2b7): runs nested-spinlock (depth 2 and 4), masked-clock and\n"
"seed-table, and prints FIXED, UNFIXED or INCONCLUSIVE with the reason and the\n"
"evidence (CR8-write exits per iteration; DPC/clock delivered at once or late).\n"
"\n"
"  -b, --backend B     kvm (this AMD host's KVM), lab (a kvm_amd build in a\n"
"                      virtual AMD host) or model (a simulated policy); default:\n"
"                      kvm on an AMD host with kvm_amd loaded, else lab\n"
"  -P, --policy P      model: the policy to verify (default l61)\n"
"  -V, --variant V     lab: stock, fixed, unfixed or patch=FILE (default stock:\n"
"                      the modules of the kernel as Debian ships it)\n"
"  -k, --kernel K      lab: the L1 kernel (/boot/vmlinuz-ABI or ABI)\n"
"  -i, --iterations N  iterations per run (default 200)\n"
"  -r, --runs N        runs of each workload (default 1; the verdict needs 3\n"
"                      distinguishing runs in all)\n"
"  -o, --out-dir DIR   keep the records there (default results/runs/verify-<utc>)\n"
"  -h, --help          this text\n"
"\n"
"exit status: 0 FIXED, 1 UNFIXED, 2 INCONCLUSIVE (the reason says why),\n"
"3 the runs could not be made (environment: see the message).\n";

struct verify_opts {
	const char *backend, *policy, *variant, *kernel, *out_dir;
	unsigned iterations, runs;
};

static const struct {
	const char *workload;
	const char *param;	/* extra parameter or NULL */
} verify_set[] = {
	{ "nested-spinlock", "depth=2" },
	{ "nested-spinlock", "depth=4" },
	{ "masked-clock", NULL },
	{ "seed-table", NULL },
};
#define NSET (sizeof(verify_set) / sizeof(verify_set[0]))

static bool amd_kvm_host(void)
{
	struct stat st;

	return !access("/dev/kvm", R_OK | W_OK) && !stat("/sys/module/kvm_amd", &st);
}

/* Runs argv (NULL-terminated) with stdout to log; returns the exit status. */
static int run_child(char *const argv[], const char *log)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (!pid) {
		FILE *f = freopen(log, "w", stdout);

		if (!f)
			_exit(127);
		dup2(STDOUT_FILENO, STDERR_FILENO);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The record a child wrote into dir, or NULL. */
static char *find_record(const char *dir, const struct verify_opts *o)
{
	char pat[PATH_MAX + 64];
	glob_t g;
	char *path = NULL;

	if (!strcmp(o->backend, "lab"))
		snprintf(pat, sizeof(pat), "%s/*/record.json", dir);
	else if (!strcmp(o->backend, "model"))
		snprintf(pat, sizeof(pat), "%s/*-%s.json", dir, o->policy);
	else
		snprintf(pat, sizeof(pat), "%s/record.json", dir);
	if (!glob(pat, 0, NULL, &g) && g.gl_pathc)
		path = strdup(g.gl_pathv[0]);
	globfree(&g);
	return path;
}

static int one_run(const struct verify_opts *o, unsigned k, unsigned rep,
		   json_t **rec_out, char *msg, size_t msglen)
{
	char dir[PATH_MAX], log[PATH_MAX + 16], iters[32], out[PATH_MAX + 16], variant[256];
	char *argv[32];
	unsigned n = 0;
	json_error_t jerr;
	char *path;
	int rc;

	if (snprintf(dir, sizeof(dir), "%s/%s%s%s-%u", o->out_dir, verify_set[k].workload,
		     verify_set[k].param ? "-" : "",
		     verify_set[k].param ? verify_set[k].param : "", rep) >= (int)sizeof(dir)) {
		snprintf(msg, msglen, "--out-dir is too long");
		return -EXIT_USAGE;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(log, sizeof(log), "%s/verify.log", dir);
	snprintf(iters, sizeof(iters), "iterations=%u", o->iterations);
	argv[n++] = "irqlbench";
	if (!strcmp(o->backend, "model")) {
		argv[n++] = "model";
		argv[n++] = "--policy";
		argv[n++] = (char *)o->policy;
		argv[n++] = "--out-dir";
		argv[n++] = dir;
	} else if (!strcmp(o->backend, "lab")) {
		snprintf(variant, sizeof(variant), "%s", o->variant);
		argv[n++] = "lab";
		argv[n++] = "--variants";
		argv[n++] = variant;
		if (o->kernel) {
			argv[n++] = "--kernel";
			argv[n++] = (char *)o->kernel;
		}
		argv[n++] = "--out-dir";
		argv[n++] = dir;
	} else {
		snprintf(out, sizeof(out), "%s/record.json", dir);
		argv[n++] = "run";
		argv[n++] = "--backend";
		argv[n++] = "kvm";
		argv[n++] = "--out";
		argv[n++] = out;
	}
	argv[n++] = "--workload";
	argv[n++] = (char *)verify_set[k].workload;
	argv[n++] = "--param";
	argv[n++] = iters;
	if (verify_set[k].param) {
		argv[n++] = "--param";
		argv[n++] = (char *)verify_set[k].param;
	}
	argv[n] = NULL;

	rc = run_child(argv, log);
	path = find_record(dir, o);
	if (!path) {
		snprintf(msg, msglen, "%s %s: no record (exit %d); see %s",
			 o->backend, verify_set[k].workload, rc, log);
		return rc == EXIT_ENV || rc == EXIT_USAGE ? -rc : -1;
	}
	*rec_out = json_load_file(path, 0, &jerr);
	if (!*rec_out)
		snprintf(msg, msglen, "%s: %s", path, jerr.text);
	free(path);
	return *rec_out ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct verify_opts *o)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "policy", required_argument, NULL, 'P' },
		{ "variant", required_argument, NULL, 'V' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "runs", required_argument, NULL, 'r' },
		{ "out-dir", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "b:P:V:k:i:r:o:h", longopts, NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (c) {
		case 'b': o->backend = optarg; break;
		case 'P': o->policy = optarg; break;
		case 'V': o->variant = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'o': o->out_dir = optarg; break;
		case 'i':
		case 'r':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || v > 1000000)
				return cli_usage_error("verify", "--%s %s: give a number in 1..1000000",
						       c == 'i' ? "iterations" : "runs", optarg);
			if (c == 'i')
				o->iterations = (unsigned)v;
			else
				o->runs = (unsigned)v;
			break;
		case 'h':
			return cli_help("verify") - 1;	/* -1: done, status 0 */
		default:
			return cli_usage_error("verify", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("verify", "unexpected argument '%s'", argv[optind]);
	if (!o->backend)
		o->backend = amd_kvm_host() ? "kvm" : "lab";
	if (strcmp(o->backend, "model") && strcmp(o->backend, "lab") && strcmp(o->backend, "kvm"))
		return cli_usage_error("verify", "unknown backend '%s': use model, lab or kvm",
				       o->backend);
	if (!strcmp(o->backend, "model") && strchr(o->policy, ','))
		return cli_usage_error("verify", "--policy takes one policy, not a list");
	if (!strcmp(o->backend, "lab") && strchr(o->variant, ','))
		return cli_usage_error("verify", "--variant takes one variant, not a list");
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_opts o = { .policy = "l61", .variant = "stock", .iterations = 200, .runs = 1 };
	struct verdict_run runs[NSET * 16];
	json_t *recs[NSET * 16];
	struct verdict_opts vo = { 0 };
	struct verdict_result res;
	char dirbuf[PATH_MAX], msg[PATH_MAX + 256];
	size_t n = 0;
	int rc = parse_args(argc, argv, &o);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (o.runs > 16)
		return cli_usage_error("verify", "--runs %u: at most 16", o.runs);
	if (!o.out_dir) {
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(dirbuf, sizeof(dirbuf), "results/runs/verify-%Y%m%dT%H%M%SZ", &tm);
		mkdir("results", 0755);
		mkdir("results/runs", 0755);
		o.out_dir = dirbuf;
	}
	if (mkdir(o.out_dir, 0755) && errno != EEXIST)
		return cli_error(EXIT_ENV, "cannot create %s: %s: choose another --out-dir",
				 o.out_dir, strerror(errno));

	fprintf(stderr, "irqlbench verify: %s%s%s, %zu workloads x %u run(s), records in %s\n",
		o.backend,
		!strcmp(o.backend, "model") ? " policy " : !strcmp(o.backend, "lab") ? " variant " : "",
		!strcmp(o.backend, "model") ? o.policy : !strcmp(o.backend, "lab") ? o.variant : "",
		NSET, o.runs, o.out_dir);
	for (unsigned rep = 0; rep < o.runs; rep++) {
		for (unsigned k = 0; k < NSET; k++) {
			json_t *rec = NULL;

			rc = one_run(&o, k, rep, &rec, msg, sizeof(msg));
			if (rc == -EXIT_ENV || rc == -EXIT_USAGE) {
				for (size_t i = 0; i < n; i++)
					json_decref(recs[i]);
				return cli_error(-rc, "verify: %s", msg);
			}
			if (rc) {
				fprintf(stderr, "irqlbench verify: %s\n", msg);
				continue;
			}
			recs[n] = rec;
			if (verdict_run_from_record(rec, &runs[n])) {
				json_decref(rec);
				continue;
			}
			n++;
		}
	}
	verdict_decide(runs, n, &vo, &res);
	printf("verdict: %s\nreason: %s\nevidence:\n%s", verdict_name(res.v), res.reason,
	       res.evidence);
	if (res.evidence[0] && res.evidence[strlen(res.evidence) - 1] != '\n')
		putchar('\n');
	for (size_t i = 0; i < n; i++)
		json_decref(recs[i]);
	return verdict_exit_status(res.v);
}
