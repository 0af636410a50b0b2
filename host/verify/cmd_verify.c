// SPDX-License-Identifier: MIT
/*
 * cmd_verify.c - `irqlbench verify`: is this KVM fixed?
 *
 * Runs the entries of group verify of workloads/suites.cfg (host/suite/suite.h:
 * what runs and what each must give are the file's, nothing here) on the
 * chosen backend, each as a child `irqlbench` process writing its record,
 * imports the records into the results store, then decides from the store:
 * the runs' rows and the metrics the store computed at import (metrics.h),
 * by verdict_decide() (verdict.c) against the file's expectations.  With
 * --select it decides from runs already in the store and runs nothing.
 * Exit statuses from the one table in cli.h: 0 FIXED, 10 UNFIXED,
 * 11 INCONCLUSIVE; 2 usage (a bad suites file too), 3 environment (an
 * unreadable one too), 5 store unusable, 77 not applicable on this host,
 * each found before any run starts where it can be.
 */
#include <sched.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <math.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "kvm/kvm_paths.h"
#include "model/kvm_policy.h"
#include "store/store_cmd.h"
#include "kvm/swap.h"
#include "suite/suite.h"
#include "trace/kvmtrace.h"
#include "cli/util.h"
#include "verify/verdict.h"
#include "verify/guest_verdict.h"
#include "verify/verify_int.h"


static bool amd_kvm_host(void)
{
	struct stat st;

	return !access("/dev/kvm", R_OK | W_OK) && !stat("/sys/module/kvm_amd", &st);
}

/* The KVM modules this host has loaded other than kvm_amd ("kvm_pvm"), or "none". */
static void other_kvms(char *buf, size_t len)
{
	glob_t g;

	snprintf(buf, len, "none");
	if (glob("/sys/module/kvm_*", 0, NULL, &g))
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *m = strrchr(g.gl_pathv[i], '/') + 1;
		size_t n = strlen(buf);

		if (strcmp(m, "kvm_amd"))
			snprintf(buf + n, len - n, "%s%s", n ? ", " : "", m);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
	globfree(&g);
}

/*
 * --backend kvm judges this host's kvm_amd: 77 where the host cannot have
 * one (not an AMD CPU with SVM), 3 where it could but it is not usable
 * (kvm_amd not loaded, /dev/kvm not accessible, no right to trace kvm
 * events: a locked-down kernel, a user of the kvm group who is not root;
 * kvmtrace_check()), 0 otherwise.  Before any run: a verdict that cannot
 * be traced is an environment error up front, not INCONCLUSIVE after.
 */
static int kvm_applicable(void)
{
	char *vendor = util_cpuinfo_field("vendor_id"), others[128];
	bool amd = util_vendor_runs_kvm_amd(vendor);
	struct stat st;
	int rc = 0;

	other_kvms(others, sizeof(others));
	if (!amd || !util_cpuinfo_has_flag("svm"))
		rc = cli_error(EXIT_NOT_APPLICABLE, "verify: --backend kvm is not applicable on this host: "
			       "the CPU is %s %s SVM (KVM modules: %s), and the verdict is about "
			       "kvm_amd: use --backend guest (this host's hypervisor judged from inside a "
			       "guest), --backend lab (kvm_amd builds in a virtual AMD host) or "
			       "--backend model", vendor ? vendor : "of unknown vendor",
			       amd ? "without" : "without AMD", others);
	else if (stat("/sys/module/kvm_amd", &st))
		rc = cli_error(EXIT_ENV, "verify: kvm_amd is not loaded (KVM modules: %s): "
			       "'modprobe kvm_amd', or use --backend lab", others);
	else if (access("/dev/kvm", R_OK | W_OK))
		rc = cli_error(EXIT_ENV, "verify: cannot open /dev/kvm: %s: run as root or add "
			       "the user to the 'kvm' group", strerror(errno));
	else {
		char why[512];

		if (kvmtrace_check(why, sizeof(why)))
			rc = cli_error(EXIT_ENV, "verify: the kvm exit trace cannot run: %s (--backend "
				       "guest needs no trace)", why);
	}
	free(vendor);
	return rc;
}

/*
 * --backend guest needs a /dev/kvm QEMU may open, whatever provides it:
 * none is EXIT_NOT_APPLICABLE, one that cannot be opened EXIT_ENV, each
 * one line with its fix, before anything is created (run's own preflight
 * says the same for each run).
 */
static int guest_applicable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == ENOENT)
		return cli_error(EXIT_NOT_APPLICABLE, "verify: --backend guest is not applicable on "
				 "this host: /dev/kvm does not exist, so QEMU has no hypervisor to run the "
				 "guest on: load kvm_amd or kvm_intel, or enable nested virtualization for "
				 "this VM");
	return cli_error(EXIT_ENV, "verify: cannot open /dev/kvm: %s: run as root or add the user "
			 "to the 'kvm' group", strerror(errno));
}

/*
 * --backend kvm judges the kvm_amd loaded: the variant 'irqlbench kvm swap'
 * loaded (/run/irqlbench/kvm-loaded.json, while it is what is loaded),
 * stock (the host's own modules: no out-of-tree taint), or an unknown build
 * (NULL).  --variant V asks for V: another one loaded is an environment
 * error, before any run.  o->variant becomes what is loaded, for the
 * verdict file.
 */
static int kvm_loaded_variant(struct verify_opts *o)
{
	static char loaded[PATH_MAX];
	const char *lv = kvm_swap_loaded_variant(loaded, sizeof(loaded));

	if (o->variant && (!lv || strcmp(lv, o->variant)))
		return cli_error(EXIT_ENV, "verify: --variant %s, but the kvm_amd loaded here is %s: "
				 "load it with 'irqlbench kvm swap --variant %s --yes' (or drop --variant)",
				 o->variant, lv ? lv : "a build kvm swap did not load (taint O or E)",
				 o->variant);
	o->variant = lv;
	return 0;
}

/*
 * The children verify runs (lab batches run side by side) and the stop
 * signal that came: SIGHUP, SIGINT, SIGQUIT or SIGTERM is passed on to
 * each as SIGTERM (each cleans up after itself: the lab stops its L1 and
 * writes its failed records), and verify ends with 128 + the signal once
 * they are gone (verify_stopped()).  SIGPIPE is ignored: a closed pipe on
 * stderr must not leave the children running.
 */
static pid_t children[64];
static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
	for (unsigned i = 0; i < sizeof(children) / sizeof(children[0]); i++)
		if (children[i] > 0)
			kill(children[i], SIGTERM);
}

static void watch_child(pid_t pid, bool add)
{
	static bool installed;

	if (!installed) {
		struct sigaction sa = { .sa_handler = on_stop };
		const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };

		sigemptyset(&sa.sa_mask);
		for (unsigned i = 0; i < 4; i++)
			sigaction(sigs[i], &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
		installed = true;
	}
	for (unsigned i = 0; i < sizeof(children) / sizeof(children[0]); i++)
		if (add ? children[i] == 0 : children[i] == pid) {
			children[i] = add ? pid : 0;
			break;
		}
	if (add && stop_sig)
		kill(pid, SIGTERM);
}

int verify_stopped(void)
{
	return stop_sig;
}

int verify_spawn(char *const argv[], const char *log, bool tee, struct vchild *c)
{
	int pfd[2] = { -1, -1 };

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (tee && pipe2(pfd, O_CLOEXEC))
		return -1;
	c->pid = fork();
	if (c->pid < 0) {
		if (tee) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return -1;
	}
	if (!c->pid) {
		FILE *f = freopen(log, "w", stdout);

		if (!f)
			_exit(127);
		dup2(tee ? pfd[1] : STDOUT_FILENO, STDERR_FILENO);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	watch_child(c->pid, true);
	if (tee) {
		close(pfd[1]);
		c->fd = pfd[0];
		c->log = xstrdup(log);
	}
	return 0;
}

/* Appends text to c's log (after what its stdout wrote there). */
static void log_append(const struct vchild *c, const char *text, size_t n)
{
	FILE *f = fopen(c->log, "a");

	if (f) {
		fwrite(text, 1, n, f);
		fclose(f);
	}
}

int verify_drain(struct vchild *c)
{
	char buf[4096];
	ssize_t n;

	if (c->fd < 0)
		return 0;
	n = read(c->fd, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return 1;
	if (n > 0) {
		c->line = xrealloc(c->line, c->len + (size_t)n + 1);
		memcpy(c->line + c->len, buf, (size_t)n);
		c->len += (size_t)n;
	}
	/* whole lines only: children running side by side never mix a line */
	for (char *nl; c->len && (nl = memchr(c->line, '\n', c->len)) ; ) {
		size_t k = (size_t)(nl - c->line) + 1;

		fwrite(c->line, 1, k, stderr);
		log_append(c, c->line, k);
		memmove(c->line, c->line + k, c->len - k);
		c->len -= k;
	}
	if (n > 0)
		return 1;
	if (c->len) {		/* a last line without its newline */
		fwrite(c->line, 1, c->len, stderr);
		fputc('\n', stderr);
		log_append(c, c->line, c->len);
		c->len = 0;
	}
	close(c->fd);
	c->fd = -1;
	return 0;
}

int verify_reap(struct vchild *c)
{
	int st;

	while (c->fd >= 0 && verify_drain(c))
		;
	free(c->line);
	free(c->log);
	c->line = c->log = NULL;
	while (waitpid(c->pid, &st, 0) < 0)
		if (errno != EINTR) {
			watch_child(c->pid, false);
			return -1;
		}
	watch_child(c->pid, false);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int verify_child(char *const argv[], const char *log, bool tee)
{
	struct vchild c;

	if (verify_spawn(argv, log, tee, &c))
		return -1;
	return verify_reap(&c);
}

/* The record a model or kvm child wrote into dir, or NULL. */
static char *find_record(const char *dir, const struct verify_opts *o)
{
	char pat[PATH_MAX + 64];
	glob_t g;
	char *path = NULL;

	if (!strcmp(o->backend, "model"))
		snprintf(pat, sizeof(pat), "%s/*-%s.json", dir, o->policy);
	else
		snprintf(pat, sizeof(pat), "%s/record.json", dir);
	if (!glob(pat, 0, NULL, &g) && g.gl_pathc)
		path = strdup(g.gl_pathv[0]);
	globfree(&g);
	return path;
}

/*
 * The child's own error line (the last "irqlbench..." line of its log,
 * without that prefix), for a message that names the cause; "" if none.
 */
void verify_child_error(const char *log, char *buf, size_t len)
{
	char *text = util_read_file(log, 1u << 20, NULL), *line, *save = NULL;

	buf[0] = '\0';
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		/* nor the lab's progress and information ("irqlbench: lab: ...") */
		if (strncmp(line, "irqlbench", 9) || !strncmp(line, "irqlbench: lab: ", 16))
			continue;
		line += strcspn(line, ":");
		line += line[0] ? 1 + strspn(line + 1, " ") : 0;
		if (!strncmp(line, "error: ", 7))
			line += 7;
		snprintf(buf, len, "%s", line);
	}
	free(text);
}

bool verify_child_fatal(int rc)
{
	return rc == EXIT_USAGE || rc == EXIT_ENV || rc == EXIT_STORE || rc == EXIT_NOT_APPLICABLE;
}

/* Does the entry set parameter name itself? */
const char *verify_group(const struct verify_opts *o)
{
	return o->backend && !strcmp(o->backend, "guest") ? GUEST_GROUP : VERIFY_GROUP;
}

static bool entry_gives(const struct suite_entry *e, const char *name)
{
	for (unsigned i = 0; i < e->vals.n; i++)
		if (e->given[i] && !strcmp(e->vals.p[i]->name, name))
			return true;
	return false;
}

void verify_entry_args(const struct verify_opts *o, const struct suite_entry *e, struct argv_buf *a,
		       bool tags)
{
	char *params = suite_entry_params(e), *save = NULL, *word;

	if (e->vcpus > 1 && strcmp(o->backend, "model")) {
		argv_add(a, "--vcpus");
		argv_addf(a, "%u", e->vcpus);
	}
	argv_add(a, "--workload");
	argv_add(a, e->w->name);
	if (!entry_gives(e, "iterations")) {
		argv_add(a, "--param");
		argv_addf(a, "iterations=%u", o->iterations);
	}
	for (word = strtok_r(params, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
		argv_add(a, "--param");
		argv_add(a, word);
	}
	for (unsigned i = 0; tags && strcmp(o->backend, "model") && i < o->tags.n; i++) {
		argv_add(a, "--tag");
		argv_add(a, o->tags.v[i]);
	}
	free(params);
}

/*
 * One run of entry e on the model or this host's kvm (the lab runs a
 * batch: verify_lab_cell): its workload, a --param for each of its
 * parameters (suite_entry_params), iterations, and --vcpus where it needs
 * more than one (kvm: the model simulates one vCPU, and the expectations
 * are per vCPU).  Returns 0 with *path_out, the record it wrote
 * (malloc'd), -1 when this run gave no record (msg says why; verify goes
 * on), or a status that ends verify (msg is its one line).
 */
static int one_run(const struct verify_opts *o, const struct suite_entry *e, unsigned rep,
		   char **path_out, char *msg, size_t msglen)
{
	char dir[PATH_MAX], log[PATH_MAX + 16], out[PATH_MAX + 16], cause[512];
	struct argv_buf a = { 0 };
	int rc, child;

	if (snprintf(dir, sizeof(dir), "%s/%s-%u", o->out_dir, e->name, rep) >= (int)sizeof(dir)) {
		snprintf(msg, msglen, "--out-dir is too long: choose a shorter one");
		return EXIT_USAGE;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create %s: %s: choose another --out-dir", dir, strerror(errno));
		return EXIT_ENV;
	}
	snprintf(log, sizeof(log), "%s/verify.log", dir);
	argv_add(&a, "irqlbench");
	if (!strcmp(o->backend, "model")) {
		argv_add(&a, "model");
		argv_add(&a, "--policy");
		argv_add(&a, o->policy);
		argv_add(&a, "--out-dir");
		argv_add(&a, dir);
	} else {
		snprintf(out, sizeof(out), "%s/record.json", dir);
		argv_add(&a, "run");
		argv_add(&a, "--backend");
		argv_add(&a, o->backend);	/* kvm or guest */
		argv_add(&a, "--out");
		argv_add(&a, out);
	}
	verify_entry_args(o, e, &a, true);
	if (!strcmp(o->backend, "guest") && !entry_gives(e, "probe")) {
		argv_add(&a, "--param");	/* the CR8 write costs (guest_verdict.h) */
		argv_add(&a, "probe=1");
	}
	child = verify_child(a.v, log, false);
	argv_free(&a);
	verify_child_error(log, cause, sizeof(cause));
	rc = child;
	if (verify_child_fatal(child)) {
		snprintf(msg, msglen, "%s %s (exit %d): %s (log %s)", o->backend, e->name,
			 child, cause[0] ? cause : "no error line", log);
		return rc;
	}
	*path_out = find_record(dir, o);
	if (!*path_out) {
		snprintf(msg, msglen, "%s %s: no record (exit %d): %s (log %s)", o->backend,
			 e->name, child, cause[0] ? cause : "no error line", log);
		return -1;
	}
	return 0;
}

/* "prefix, fixed, ..., avic": the policies verify can judge one at a time. */
static void policy_names(char *buf, size_t len)
{
	buf[0] = '\0';
	for (unsigned p = 0; p < KP_NPOLICY; p++) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%s%s", p ? ", " : "", kp_policy_name((enum kp_policy)p));
	}
}

/* A readable regular file (errno 0 when it is readable but no regular file). */
static bool patch_file_ok(const char *path)
{
	struct stat sb;

	errno = 0;
	if (stat(path, &sb) || access(path, R_OK))
		return false;
	if (!S_ISREG(sb.st_mode)) {
		errno = 0;
		return false;
	}
	return true;
}

static bool variant_ok(const char *v)
{
	return !strcmp(v, "stock") || !strcmp(v, "fixed") || !strcmp(v, "unfixed") ||
	       !strncmp(v, "patch=", 6);
}

/* The options that belong to another backend, and the values, are usage errors. */
static int check_backend_options(struct verify_opts *o)
{
	const char *b = o->backend;
	char names[160];

	if (o->policy && strcmp(b, "model"))
		return cli_usage_error("verify", "--policy is the model's; with --backend %s %s", b,
				       !strcmp(b, "lab") ? "give --variant stock, fixed, unfixed or patch=FILE" :
				       !strcmp(b, "guest") ? "drop it: guest judges whatever hypervisor runs the guest"
							   : "drop it: kvm judges this host's own kvm_amd");
	if (o->variant && !strcmp(b, "model"))
		return cli_usage_error("verify", "--variant is a kvm_amd build's (lab, kvm); with "
				       "--backend model give --policy (l61 models the fixed 6.1 build, "
				       "unfixed the fix-reverted one)");
	if (o->variant && !strcmp(b, "guest"))
		return cli_usage_error("verify", "--variant is a kvm_amd build's; --backend guest judges "
				       "whatever hypervisor runs the guest: drop it");
	if (o->kernel && strcmp(b, "lab"))
		return cli_usage_error("verify", "--kernel is the lab's L1 kernel: use --backend lab, or drop it");
	if ((o->kernel_image || o->modules || o->source || o->headers) && strcmp(b, "lab"))
		return cli_usage_error("verify", "--%s is the lab's (a kernel you built): use --backend "
				       "lab, or drop it", o->kernel_image ? "kernel-image" : o->modules ?
				       "modules" : o->source ? "source" : "headers");
	if ((o->kernel_image || o->modules || o->source || o->headers) && (o->kernels || o->series))
		return cli_usage_error("verify", "--%s is one kernel's: verify a kernel you built "
				       "without --kernels/--series", o->kernel_image ? "kernel-image" :
				       o->modules ? "modules" : o->source ? "source" : "headers");
	if (kvm_check_kernel_options("verify", o->kernel, o->kernel_image, o->modules))
		return EXIT_USAGE;
	if ((o->kernels || o->series) && strcmp(b, "lab"))
		return cli_usage_error("verify", "--%s verifies kernels in the lab: use --backend lab, or "
				       "drop it", o->kernels ? "kernels" : "series");
	if ((o->variants || o->control || o->jobs) && !o->kernels && !o->series)
		return cli_usage_error("verify", "--%s belongs to a series: give --kernels LIST or "
				       "--series S (one kernel: --kernels K)",
				       o->variants ? "variants" : o->control ? "control" : "jobs");
	if (o->kernels && o->series)
		return cli_usage_error("verify", "--kernels and --series both name the kernels: give one");
	if ((o->kernels || o->series) && (o->kernel || o->variant))
		return cli_usage_error("verify", "--%s is one kernel's; with --%s give --variants LIST "
				       "(the kernels come from the list)", o->kernel ? "kernel" : "variant",
				       o->kernels ? "kernels" : "series");
	for (unsigned i = 0; i < o->tags.n; i++) {
		json_t *t = json_string(o->tags.v[i]);

		if (!t || !o->tags.v[i][0])
			return cli_usage_error("verify", "--tag '%s' is not a tag: give non-empty UTF-8 text",
					       o->tags.v[i]);
		json_decref(t);
	}
	if (!strcmp(b, "model")) {
		if (!o->policy)
			o->policy = "l61";
		policy_names(names, sizeof(names));
		if (!strcmp(o->policy, "all"))
			return cli_usage_error("verify", "--policy all: verify gives one verdict for one "
					       "kernel; give one policy (%s), or see every policy's "
					       "numbers with 'irqlbench model --policy all'", names);
		if (strchr(o->policy, ','))
			return cli_usage_error("verify", "--policy takes one policy, not a list: run "
					       "verify once per policy");
		if (kp_policy_find(o->policy) == KP_NPOLICY)
			return cli_usage_error("verify", "unknown policy '%s': use one of %s", o->policy,
					       names);
	}
	if (!strcmp(b, "lab") && (o->kernels || o->series)) {
		char *copy = xstrdup(o->variants ? o->variants : "stock"), *save = NULL, *v;
		int rc = 0, n = 0;

		for (v = strtok_r(copy, ",", &save); v && !rc; v = strtok_r(NULL, ",", &save), n++)
			if (!variant_ok(v))
				rc = cli_usage_error("verify", "--variants: unknown variant '%s': use stock, "
						     "fixed, unfixed or patch=FILE", v);
			else if (!strncmp(v, "patch=", 6) && !patch_file_ok(v + 6))
				rc = cli_usage_error("verify", "--variants %s: %s is no readable patch "
						     "file: give patch=FILE", v, v + 6);
		if (!rc && !n)
			rc = cli_usage_error("verify", "--variants '%s' names no variant: e.g. stock",
					     o->variants);
		free(copy);
		return rc;
	}
	if (!strcmp(b, "lab") || (!strcmp(b, "kvm") && o->variant)) {
		if (!o->variant)
			o->variant = "stock";
		if (strchr(o->variant, ','))
			return cli_usage_error("verify", "--variant takes one variant, not a list: run "
					       "verify once per variant");
		if (!variant_ok(o->variant))
			return cli_usage_error("verify", "unknown variant '%s': use stock, fixed, unfixed "
					       "or patch=FILE", o->variant);
		if (!strncmp(o->variant, "patch=", 6) && !patch_file_ok(o->variant + 6))
			return cli_usage_error("verify", "--variant %s: cannot read %s: %s", o->variant,
					       o->variant + 6, errno ? strerror(errno) : "not a regular file");
	}
	return 0;
}

/* --select: its terms, and the selector as given for the messages */
static int add_select(const struct cli_option *opt, void *args, const char *value,
		      const char *cmd)
{
	struct verify_opts *o = args;
	size_t len = strlen(o->selector);
	int rc = store_select_option(opt, &o->select, value, cmd);

	if (!rc)
		snprintf(o->selector + len, sizeof(o->selector) - len, "%s%s", len ? "," : "", value);
	return rc;
}

#define RUNS	1	/* the tag of the options that run something */

/* The first option that runs something, for the message that refuses it with --select. */
static void seen(void *args, const struct cli_option *opt)
{
	struct verify_opts *o = args;

	/* --backend guest with --select: judge the stored runs by what their
	 * guest observed (guest_verdict.h), whatever ran them */
	if (opt->tag == RUNS && !o->run_option &&
	    !(!strcmp(opt->name, "backend") && o->backend && !strcmp(o->backend, "guest")) &&
	    strcmp(opt->name, "out-dir"))
		o->run_option = opt->name;
}

static const char *const backends[] = { "model", "lab", "kvm", "guest", NULL };

static const struct cli_option verify_options[] = {
	{ CLI_CHOICE('b', "backend", struct verify_opts, backend, backends,
		     "kvm (this AMD host's KVM), lab (a kvm_amd build in a\n"
		     "virtual AMD host), model (a simulated policy) or guest\n"
		     "(whatever hypervisor runs /dev/kvm, judged from inside a\n"
		     "guest: ON-TIME, LATE, INCONCLUSIVE; with --select, stored\n"
		     "runs judged that way); default: model with --policy, lab\n"
		     "with an option of the lab's, else kvm on an AMD host with\n"
		     "kvm_amd loaded, else lab"), .tag = RUNS },
	{ CLI_STRING('P', "policy", struct verify_opts, policy, "P",
		     "model only: the one policy to verify (default l61; see\n"
		     "'irqlbench model --help'; for every policy's numbers use\n"
		     "'irqlbench model --policy all')"), .tag = RUNS },
	{ CLI_STRING('V', "variant", struct verify_opts, variant, "V",
		     "lab: stock, fixed, unfixed or patch=FILE (default stock:\n"
		     "the modules of the kernel as Debian ships it); kvm: the\n"
		     "variant 'irqlbench kvm swap' must have loaded (stock: the\n"
		     "host's own), else exit 3 before any run"), .tag = RUNS },
	{ CLI_STRING('k', "kernel", struct verify_opts, kernel, "K",
		     "lab only: the L1 kernel, as 'irqlbench lab --kernel' takes it:\n"
		     "a Debian version (6.1.176-1) or ABI (6.1.0-50-amd64),\n"
		     "fetched into build/kernels/ when missing, or /boot/vmlinuz-ABI"),
	  .tag = RUNS },
	KVM_BUILT_KERNEL_OPTIONS(struct verify_opts),
	{ CLI_STRING(0, "kernels", struct verify_opts, kernels, "LIST",
		     "lab only: verify each of these kernels (comma-separated,\n"
		     "as --kernel takes them) and print the matrix kernel x\n"
		     "variant, with the positive control (--control)"), .tag = RUNS },
	{ CLI_STRING(0, "series", struct verify_opts, series, "S",
		     "lab only: --kernels of every complete Debian kernel of\n"
		     "series S (6.1), newest first ('irqlbench kvm kernels')"), .tag = RUNS },
	{ CLI_STRING(0, "variants", struct verify_opts, variants, "LIST",
		     "with --kernels/--series: the variants to verify of each\n"
		     "kernel (default stock: the modules as the kernel ships them)"),
	  .tag = RUNS },
	{ CLI_STRING(0, "control", struct verify_opts, control, "K",
		     "with --kernels/--series: the kernel whose fix-reverted\n"
		     "build must come out UNFIXED and fixed build FIXED, or\n"
		     "every verdict is INCONCLUSIVE (default: the first kernel)"),
	  .tag = RUNS },
	{ CLI_UINT(0, "jobs", struct verify_opts, jobs, "N", 1, 16,
		   "with --kernels/--series: kernel x variant run side by side,\n"
		   "each in its own L1 (default: the CPUs this process may use;\n"
		   "the exit counts do not depend on it, the emulated times do)"),
	  .tag = RUNS },
	{ CLI_LIST(0, "tag", struct verify_opts, tags, "T",
		   "a tag for every record (lab, kvm) and verdict"),
	  .tag = RUNS },
	{ CLI_UINT('i', "iterations", struct verify_opts, iterations, "N", 1, 1000000,
		   "iterations per run (default 200; an entry that sets its\n"
		   "own keeps them)"), .tag = RUNS },
	{ CLI_UINT('r', "runs", struct verify_opts, runs, "N", 1, 64,
		   "runs of each entry (default 5 on the lab, all in one L1 per\n"
		   "kernel and variant; 1 on model and kvm; the verdict needs\n"
		   "3 distinguishing runs in all)"), .tag = RUNS },
	{ CLI_STRING('o', "out-dir", struct verify_opts, out_dir, "DIR",
		     "keep the records there (default results/runs/verify-<utc>);\n"
		     "--backend guest --select: write the verdict file there"), .tag = RUNS },
	{ CLI_STORE_DB('d', struct verify_opts, db) },
	{ CLI_CALLBACK('s', "select", "SEL", add_select,
		       "decide from the stored runs SEL selects: a run id, or\n"
		       "KEY=VALUE[,KEY=VALUE] as 'irqlbench results list' takes\n"
		       "it (e.g. backend=lab,variant=fixed,tag=T); every term\n"
		       "must hold; no run option goes with it"), .flags = CLI_OPT_REPEAT },
	{ CLI_FORMAT(0, struct verify_opts, format,
		     "the verdict as text (default), one JSON object, or KTAP") },
	{ CLI_JSON(struct verify_opts, format) },
	{ CLI_END },
};

const struct cli_spec cmd_verify_spec = {
	.name = "verify",
	.usage = "[--backend model|lab|kvm|guest] [--policy P] [--variant V]\n"
		 "  [--kernel K | --kernel-image BZIMAGE --modules DIR] [--source TREE]\n"
		 "  [--iterations N] [--runs N] [--out-dir DIR] [--tag T] [--db FILE] [--json]\n"
		 "--backend lab --kernels LIST|--series S [--variants LIST] [--control K]\n"
		 "  [--jobs N] [--runs N] [--iterations N] [--out-dir DIR] [--tag T]\n"
		 "  [--db FILE] [--format text|json|ktap]\n"
		 "[--backend guest] [--db FILE] --select SELECTOR... [--json]",
	.description =
	"Tells whether a KVM has \"KVM: SVM: fix cr8 intercept window\" (upstream\n"
	"596f3142d2b7): runs the entries of group verify (irqlbench list --suites\n"
	"--group verify), imports their records into the results store, and prints\n"
	"FIXED, UNFIXED or INCONCLUSIVE with the reason and the evidence (CR8-write\n"
	"exits per iteration; DPC/clock delivered at once or late), decided from the\n"
	"store against what workloads/suites.cfg expects of a fixed and an unfixed\n"
	"kernel (IRQLBENCH_SUITES=FILE reads another).  One verdict for one kernel:\n"
	"one policy, one variant, or this host's KVM.\n"
	"\n"
	"The lab runs every entry --runs times (default 5) in one L1 ('irqlbench lab\n"
	"--batch').  Every verify that runs writes its verdict file (irqlbench-verdict/1,\n"
	"results/SCHEMA.md) next to its records and imports it into the store\n"
	"('irqlbench results verdicts').\n"
	"\n"
	"--kernels LIST or --series S verifies each kernel (and --variants) in the lab:\n"
	"the matrix kernel x variant, with a positive control: the fix-reverted build of\n"
	"--control K (default the first kernel) must come out UNFIXED and its fixed\n"
	"build FIXED, else every verdict is INCONCLUSIVE (docs/verify.md).\n"
	"\n"
	"With --select it runs nothing: it decides the same way from the runs the store\n"
	"already has (failed ones are listed in the evidence, and ignored).  They must\n"
	"be of one setup, as one verdict is: one backend, policy, variant, kernel and\n"
	"host (--backend guest: and one hypervisor); a selection of more is refused,\n"
	"naming the field and two of its runs (docs/verify.md).\n"
	"\n"
	"--backend guest judges the hypervisor behind this host's /dev/kvm (kvm_intel,\n"
	"kvm_pvm, kvm_amd without tracing rights, ...) from what a guest alone observes\n"
	"(docs/guest-verdict.md): it runs the entries of group guest with probe=1 on\n"
	"'run --backend guest' and says ON-TIME (the interrupts the TPR held back came\n"
	"at the unmasking CR8 write), LATE, or INCONCLUSIVE, with the late count, the\n"
	"unmask->entry delay and whether CR8 writes trap.  Its --json: verdict, status,\n"
	"reason, backend, kernel, select, suites, counts {on_time, late, other,\n"
	"ignored}, runs [{id, entry, class, unmasking_writes, late_deliveries, ...}]\n"
	"and guest (the summary); its KTAP: ok where a run is on time.\n"
	"\n"
	"--json prints one object: verdict, status (the exit status), reason, backend,\n"
	"policy, variant, kernel (with --select: the runs'), select, suites, counts\n"
	"{fixed, unfixed, other, ignored}, and runs, each {id, workload, entry, class\n"
	"(fixed, unfixed, other, ignored), failed, policy, write_cr8_per_iter,\n"
	"immediate, late, evidence}.\n"
	"--format ktap prints KTAP, the kernel's test output: a test per run, ok where\n"
	"it looks fixed, SKIP where it is ignored, not ok else, and the verdict; for a\n"
	"series a test per kernel x variant (ok when it came out as it should) with a\n"
	"subtest per entry, its numbers as diagnostics, as tools/testing/kunit/kunit.py\n"
	"parse reads it.  A series' --json: {suites, control, runs, out_dir, cells:\n"
	"[{kernel, variant, asked, role, verdict, status, reason, verdict_id,\n"
	"verdict_file, seconds, evidence}]}.\n",
	.epilog =
	"exit status: 0 FIXED (guest: ON-TIME), 10 UNFIXED (guest: LATE), 11\n"
	"INCONCLUSIVE (the reason says why); a\n"
	"series: 0 every kernel x variant as it should be (FIXED; UNFIXED for unfixed),\n"
	"10 one that should be FIXED is UNFIXED, 11 the control failed or another is\n"
	"not as it should be;\n"
	"2 usage error (also: --select matches no run, or runs of more than one\n"
	"backend, policy, variant, kernel or host; a bad suites file, or one\n"
	"without an entry in group verify); 3 the runs could not be made, or the\n"
	"suites file cannot be read (environment: see the message); 5 the results\n"
	"store is unusable; 77 not applicable on this host (--backend kvm without\n"
	"AMD SVM, --backend guest without /dev/kvm).\n",
	.options = verify_options,
	.formats = CLI_FMT_TEXT | CLI_FMT_JSON | CLI_FMT_KTAP,
	.seen = seen,
};

static int parse_args(int argc, char **argv, struct verify_opts *o)
{
	int n, rc = cli_parse(&cmd_verify_spec, argc, argv, o, &n);

	if (rc)
		return rc;
	if (o->select.n && !o->run_option)
		o->run_option = o->kernel_image ? "kernel-image" : o->modules ? "modules" :
				o->source ? "source" : o->headers ? "headers" : NULL;
	if (o->select.n) {
		if (o->run_option)
			return cli_usage_error("verify", "--%s runs workloads, --select decides from "
					       "stored runs: drop one of them", o->run_option);
		if (o->out_dir && !(o->backend && !strcmp(o->backend, "guest")))
			return cli_usage_error("verify", "--out-dir with --select keeps a guest-side "
					       "verdict file: add --backend guest, or drop --out-dir");
		return 0;
	}
	/* the backend an option belongs to; a mix is refused just below */
	if (!o->backend)
		o->backend = o->policy ? "model" :
			     o->variant || o->kernel || o->kernels || o->series || o->kernel_image ||
			     o->modules || o->source || o->headers ? "lab" :
			     amd_kvm_host() ? "kvm" : "lab";
	return check_backend_options(o);
}

/* Evidence order: by workload, then as the suites file orders its entries,
 * then as the runs were started. */
static int by_workload(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;
	int c = strcmp(x->info->workload, y->info->workload);

	if (!c)
		c = (x->entry > y->entry) - (x->entry < y->entry);
	if (!c)
		c = strcmp(x->info->started ? x->info->started : "",
			   y->info->started ? y->info->started : "");
	return c ? c : strcmp(x->info->id, y->info->id);
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The run's evidence: its numbers, how it counted and its evidence line. */
json_t *verify_run_json(const struct verify_opts *o, const struct verdict_opts *vo,
			const struct ordered *r)
{
	const struct suite_entry *e = r->entry < o->suite->n ? &o->suite->e[r->entry] : NULL;
	char line[640];
	const char *cls = verdict_run_judge(&r->r, vo, line, sizeof(line));
	double e8 = r->r.write_cr8_per_iter;

	return json_pack("{s:s, s:o, s:o, s:s, s:b, s:o, s:o, s:o, s:o, s:s}",
			 "id", r->info->id, "workload", jstr(r->info->workload),
			 "entry", jstr(e ? e->name : NULL), "class", cls, "failed", r->r.failed,
			 "policy", jstr(r->r.policy),
			 "write_cr8_per_iter", isnan(e8) ? json_null() : json_real(e8),
			 "immediate", r->r.has_delivery ? json_integer((json_int_t)r->r.immediate) : json_null(),
			 "late", r->r.has_delivery ? json_integer((json_int_t)r->r.late) : json_null(),
			 "evidence", line);
}

/* The verdict as one JSON object (cmd_verify_spec's description names its keys). */
static void print_json(const struct verify_opts *o, const struct verdict_opts *vo,
		       const struct verdict_result *res, const struct ordered *ord, size_t n)
{
	/* --select: the one setup of the runs (verify_setup_split) */
	const struct run_info *r = o->select.n ? o->selected : NULL;
	bool model = r && r->backend && !strcmp(r->backend, "model");
	json_t *runs = json_array(), *j;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(runs, verify_run_json(o, vo, &ord[i]));
	j = json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:{s:i, s:i, s:i, s:i}, s:o}",
		      "verdict", verdict_name(res->v), "status", verdict_exit_status(res->v),
		      "reason", res->reason, "backend", jstr(r ? r->backend : o->backend),
		      "policy", jstr(r ? r->policy : o->policy), "variant", jstr(r ? r->variant : o->variant),
		      "kernel", jstr(r ? (model ? NULL : r->kernel) : o->kernel),
		      "select", jstr(o->select.n ? o->selector : NULL), "suites", o->suite_name,
		      "counts", "fixed", res->fixed_runs, "unfixed", res->unfixed_runs,
		      "other", res->other_runs, "ignored", res->ignored_runs, "runs", runs);
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(j);
}

/* The verdict as KTAP (the kernel's test output): a test per run, ok where
 * it counted as fixed, SKIP where ignored, not ok else; the verdict last. */
static void print_ktap(const struct verdict_opts *vo, const struct verdict_result *res,
		       const struct ordered *ord, size_t n)
{
	printf("KTAP version 1\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		char line[640];
		const char *cls = verdict_run_judge(&ord[i].r, vo, line, sizeof(line));
		const char *why = strstr(line, ": ");

		printf("%s %zu %s # %s%s\n", !strcmp(cls, "fixed") || !strcmp(cls, "ignored") ? "ok" :
		       "not ok", i + 1, ord[i].info->id, !strcmp(cls, "ignored") ? "SKIP " : "",
		       why ? why + 2 : cls);
	}
	printf("# verdict: %s: %s\n", verdict_name(res->v), res->reason);
}

/*
 * --backend guest, --format json or ktap: the judgement as one JSON object
 * (verdict, status, reason, backend, kernel, select, suites, counts
 * {on_time, late, other, ignored}, runs, guest: the summary
 * guest_verdict.h describes), or as KTAP: a test per run, ok where it was
 * on time, SKIP where ignored, not ok else.
 */
static void print_guest(const struct verify_opts *o, const struct judged *j)
{
	json_t *per = json_object_get(j->g.summary, "per_run");

	if (!strcmp(o->format, "json")) {
		json_t *sum = json_deep_copy(j->g.summary);
		json_t *out = json_pack("{s:s, s:i, s:s, s:s, s:o, s:o, s:s, s:{s:i, s:i, s:i, s:i}, s:O, s:o}",
					"verdict", verdict_name(j->res.v),
					"status", verdict_exit_status(j->res.v), "reason", j->res.reason,
					"backend", "guest", "kernel", jstr(o->kernel),
					"select", jstr(o->select.n ? o->selector : NULL),
					"suites", o->suite_name,
					"counts", "on_time", j->g.on_time, "late", j->g.late,
					"other", j->g.other, "ignored", j->g.ignored,
					"runs", json_object_get(sum, "per_run"), "guest", sum);

		json_object_del(sum, "per_run");

		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(out);
		return;
	}
	printf("KTAP version 1\n1..%zu\n", json_array_size(per));
	for (size_t i = 0; i < json_array_size(per); i++) {
		json_t *r = json_array_get(per, i);
		const char *cls = json_string_value(json_object_get(r, "class"));
		/* ok where the run's interrupts came on time, as ok is "looks
		 * fixed" for the other backends: a CI that reads KTAP fails a
		 * hypervisor that delivers late */
		printf("%s %zu %s # %s%s: %s, %lld of %lld unmasking writes late\n",
		       !strcmp(cls, "on time") || !strcmp(cls, "ignored") ? "ok" : "not ok", i + 1,
		       json_string_value(json_object_get(r, "id")), !strcmp(cls, "ignored") ? "SKIP " : "",
		       json_string_value(json_object_get(r, "entry")), cls,
		       (long long)json_integer_value(json_object_get(r, "late_deliveries")),
		       (long long)json_integer_value(json_object_get(r, "unmasking_writes")));
	}
	printf("# verdict: %s: %s\n", verdict_name(j->res.v), j->res.reason);
}

/*
 * The decision from stored runs, whichever mode selected them: in the same
 * order (by_workload), each run's row and stored metrics
 * (verdict_run_from_store), verdict_decide() against the suites file.
 */
static int guest_judge_stored(const struct verify_opts *o, struct store *s, struct judged *j);

int verify_judge(const struct verify_opts *o, struct store *s, struct run_list *l, struct judged *j)
{
	struct verdict_run *runs = xmalloc((l->n + 1) * sizeof(*runs));
	char err[1024];

	memset(j, 0, sizeof(*j));
	j->ord = calloc(l->n + 1, sizeof(*j->ord));
	j->ms = calloc(l->n + 1, sizeof(*j->ms));
	if (!j->ord || !j->ms)
		abort();
	j->vo = (struct verdict_opts){ .suite = o->suite, .suite_name = o->suite_name };
	for (size_t i = 0; i < l->n; i++, j->n++) {
		const struct suite_entry *e;

		if (store_run_metrics(s, l->v[i].id, &j->ms[i], err, sizeof(err))) {
			free(runs);
			return cli_error(EXIT_STORE, "verify: %s", err);
		}
		j->ord[i].info = &l->v[i];
		verdict_run_from_store(&l->v[i], &j->ms[i], &j->ord[i].r);
		e = j->ord[i].r.vals.w ? suite_entry_of(o->suite, &j->ord[i].r.vals) : NULL;
		j->ord[i].entry = e ? (unsigned)(e - o->suite->e) : o->suite->n;
	}
	if (l->n)
		qsort(j->ord, l->n, sizeof(*j->ord), by_workload);
	for (size_t i = 0; i < l->n; i++)
		runs[i] = j->ord[i].r;
	verdict_decide(runs, l->n, &j->vo, &j->res);
	free(runs);
	if (o->backend && !strcmp(o->backend, "guest"))
		return guest_judge_stored(o, s, j);
	return 0;
}

/*
 * --backend guest: the runs of j judged from what their guest observed
 * (guest_verdict.h), from their records in the store; j->res takes the
 * judgement's verdict, reason, evidence and counts.  0, or EXIT_STORE
 * after its one-line error.
 */
static int guest_judge_stored(const struct verify_opts *o, struct store *s, struct judged *j)
{
	const char **names = calloc(j->n + 1, sizeof(*names));
	json_t **recs = calloc(j->n + 1, sizeof(*recs));
	const char **ids = calloc(j->n + 1, sizeof(*ids));
	char err[1024];
	int rc = 0;

	if (!recs || !ids || !names)
		abort();
	for (size_t i = 0; i < j->n && !rc; i++) {
		ids[i] = j->ord[i].info->id;
		{
			char line[512], *sp;

			verdict_run_describe(&j->ord[i].r, o->suite, line, sizeof(line));
			sp = strchr(line, ' ');	/* after the id: "W k=v ... [entry]" */
			names[i] = xstrdup(sp ? sp + 1 : line);
		}
		recs[i] = store_run_record(s, ids[i], err, sizeof(err));
		if (!recs[i])
			rc = cli_error(EXIT_STORE, "verify: %s", err);
	}
	if (!rc) {
		guest_judge(recs, ids, names, j->n, &j->g);
		j->is_guest = true;
		j->res.v = j->g.v;
		snprintf(j->res.reason, sizeof(j->res.reason), "%s", j->g.reason);
		snprintf(j->res.evidence, sizeof(j->res.evidence), "%s", j->g.evidence);
		j->res.fixed_runs = j->g.on_time;
		j->res.unfixed_runs = j->g.late;
		j->res.other_runs = j->g.other;
		j->res.ignored_runs = j->g.ignored;
	}
	for (size_t i = 0; i < j->n; i++)
		json_decref(recs[i]);
	for (size_t i = 0; i < j->n; i++)
		free((char *)names[i]);
	free(recs);
	free(ids);
	free(names);
	return rc;
}

void verify_judged_free(struct judged *j)
{
	for (size_t i = 0; i < j->n; i++)
		metric_set_free(&j->ms[i]);
	guest_judgement_free(&j->g);
	free(j->ms);
	free(j->ord);
	memset(j, 0, sizeof(*j));
}

/* The decision printed as --format asks; returns the verdict's status, or
 * EXIT_STORE after its one-line error. */
static int decide(const struct verify_opts *o, struct store *s, struct run_list *l,
		  struct judged *j)
{
	int rc = verify_judge(o, s, l, j);

	if (rc)
		return rc;
	if (j->is_guest && strcmp(o->format, "text")) {
		print_guest(o, j);
	} else if (!strcmp(o->format, "json")) {
		print_json(o, &j->vo, &j->res, j->ord, j->n);
	} else if (!strcmp(o->format, "ktap")) {
		print_ktap(&j->vo, &j->res, j->ord, j->n);
	} else {
		printf("verdict: %s\nreason: %s\nevidence:\n%s", verdict_name(j->res.v), j->res.reason,
		       j->res.evidence);
		if (j->res.evidence[0] && j->res.evidence[strlen(j->res.evidence) - 1] != '\n')
			putchar('\n');
	}
	return verdict_exit_status(j->res.v);
}

/* --out-dir DIR made (or there) as a folder this user may write: true;
 * false with errno (0: it is no folder) */
static bool out_dir_usable(const char *dir)
{
	struct stat st;

	errno = 0;
	if (util_mkdir_p(dir) || stat(dir, &st))
		return false;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return false;
	}
	return !access(dir, W_OK);
}

/* The setup of stored run r (verdict.h): the model ran no kernel, and only
 * the guest-side verdict judges what hypervisor the guest saw. */
static void run_setup(const struct verify_opts *o, const struct run_info *r, struct verdict_setup *s)
{
	bool model = r->backend && !strcmp(r->backend, "model");
	bool guest = o->backend && !strcmp(o->backend, "guest");

	memset(s, 0, sizeof(*s));
	s->id = r->id;
	s->v[SETUP_BACKEND] = r->backend;
	s->v[SETUP_POLICY] = r->policy;
	s->v[SETUP_VARIANT] = r->variant;
	s->v[SETUP_KERNEL] = model ? NULL : r->kernel;
	s->v[SETUP_KERNEL_VERSION] = model ? NULL : r->kernel_package;
	s->v[SETUP_HOST] = r->hostname;
	s->v[SETUP_HYPERVISOR] = guest ? r->hypervisor : NULL;
}

/* The selector sel with key=val for its terms of that key ("policy=*" ->
 * "policy=l61", "id=*-fixed-*" -> "id=*-fixed-*,backend=lab"). */
static void narrowed(const char *sel, const char *key, const char *val, char *out, size_t len)
{
	char *copy = xstrdup(sel), *save = NULL;
	size_t klen = strlen(key);

	out[0] = '\0';
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (strncmp(t, key, klen) || t[klen] != '=')
			verdict_appendf(out, len, "%s,", t);
	verdict_appendf(out, len, "%s=%s", key, val);
	free(copy);
}

int verify_setup_split(const struct verify_opts *o, const struct run_list *l, char *msg, size_t len,
		       char *term, size_t tlen)
{
	struct verdict_setup *v = xmalloc((l->n + 1) * sizeof(*v));
	size_t a = 0, b = 0;
	int f;

	for (size_t i = 0; i < l->n; i++)
		run_setup(o, &l->v[i], &v[i]);
	f = verdict_setup_split(v, l->n, &a, &b);
	if (f >= 0) {
		const char *val = v[a].v[f] && *v[a].v[f] ? v[a].v[f] : v[b].v[f];

		verdict_setup_describe(v, f, a, b, msg, len);
		/* a term that keeps one of the two: no selector key names the
		 * hypervisor, and an empty value selects nothing */
		if (f == SETUP_HYPERVISOR || !val || !*val)
			snprintf(term, tlen, "%s", "");
		else
			narrowed(o->selector, verdict_setup_name(f), val, term, tlen);
	}
	free(v);
	return f;
}

/* verify --select: the runs the store already has, nothing run. */
static int verify_stored(struct verify_opts *o)
{
	struct store *s = store_open_cmd(o->db, false);
	struct run_list l;
	char err[1024], split[1024], term[600];
	int rc;

	if (!s)
		return EXIT_STORE;
	o->select.include_failed = true;	/* listed as ignored, as when verify runs them */
	if (store_select(s, &o->select, &l, err, sizeof(err))) {
		store_close(s);
		return cli_error(EXIT_STORE, "verify: %s", err);
	}
	if (!l.n)
		rc = cli_error(EXIT_USAGE, "verify: no runs match '%s' in %s: see 'irqlbench results "
			       "list --db %s %s'", o->selector, s->path, s->path, o->selector);
	else if (verify_setup_split(o, &l, split, sizeof(split), term, sizeof(term)) >= 0)
		rc = *term ? cli_error(EXIT_USAGE, "verify: --select '%s' selects %s: one verdict is of "
				       "one backend, policy, variant, kernel and host; narrow --select, "
				       "e.g. --select '%s'", o->selector, split, term) :
			     cli_error(EXIT_USAGE, "verify: --select '%s' selects %s: one verdict is of "
				       "one setup; narrow --select to one of them (e.g. by tag)",
				       o->selector, split);
	else if (o->out_dir && !out_dir_usable(o->out_dir))
		rc = cli_error(EXIT_ENV, "verify: cannot use --out-dir %s: %s: choose another --out-dir",
			       o->out_dir, errno ? strerror(errno) : "not a folder");
	else {
		struct judged j;

		o->selected = &l.v[0];	/* one setup: what the --json names */
		rc = decide(o, s, &l, &j);
		/* --backend guest --select --out-dir DIR: the verdict of runs
		 * made elsewhere (an ISO's serial log imported) kept as a
		 * verdict file, and in the store */
		if (rc != EXIT_STORE && o->out_dir && j.is_guest) {
			char *path = xasprintf("%s/verdict.json", o->out_dir), *vid = NULL;

			if (!(vid = verify_write_verdict(o, s, path, &j, j.res.v, j.res.reason,
							      NULL, NULL, NULL)))
				rc = EXIT_ENV;
			else
				fprintf(stderr, "irqlbench verify: verdict %s in %s and the store\n", vid, path);
			free(vid);
			free(path);
		}
		verify_judged_free(&j);
	}
	store_run_list_free(&l);
	store_close(s);
	return rc;
}

int verify_add_stored_run(struct store *s, const char *id, struct run_list *l,
			  char *err, size_t errlen)
{
	struct run_filter f;
	struct run_list one;
	int rc;

	filter_init(&f);
	f.include_failed = true;
	rc = filter_add(&f, "id", id, err, errlen) ?: store_select(s, &f, &one, err, errlen);
	filter_free(&f);
	if (rc)
		return -1;
	for (size_t i = 0; i < one.n; i++) {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 16;
			l->v = realloc(l->v, l->cap * sizeof(*l->v));
			if (!l->v)
				abort();
		}
		l->v[l->n++] = one.v[i];	/* its strings move to l */
	}
	free(one.v);
	return 0;
}

/*
 * Imports the record a run wrote into the store and adds the run to l.
 * Returns 0, -1 when the store refused the record (said on stderr; verify
 * goes on without it), or EXIT_STORE after its one-line error.
 */
int verify_import_run(struct store *s, const char *path, struct run_list *l)
{
	char id[256], err[1024];

	switch (store_import_file(s, path, id, sizeof(id), err, sizeof(err))) {
	case IMPORT_NEW:
	case IMPORT_UNCHANGED:
	case IMPORT_RESTORED:
		if (verify_add_stored_run(s, id, l, err, sizeof(err)))
			return cli_error(EXIT_STORE, "verify: %s", err);
		return 0;
	case IMPORT_STORE_ERROR:
		return cli_error(EXIT_STORE, "verify: %s", err);
	default:
		fprintf(stderr, "irqlbench verify: %s: the store refused it: %s\n", path, err);
		return -1;
	}
}

/* The suites file, read once before anything runs: 0, or its status (2, 3)
 * after its one-line error. */
static int load_suite(struct verify_opts *o, struct suite **out)
{
	char *path = suite_default_path(), err[1024];
	const char *env = getenv("IRQLBENCH_SUITES");
	int st;

	*out = suite_load(path, &st, err, sizeof(err));
	free(path);
	if (!*out)
		return cli_error(st, "%s", err);
	o->suite = *out;
	o->suite_name = env && *env ? env : SUITE_FILE;
	for (unsigned i = 0; i < o->suite->n; i++)
		o->nentries += suite_in_group(&o->suite->e[i], verify_group(o));
	if (!o->nentries && !o->select.n)
		return cli_error(EXIT_USAGE, "verify: %s has no entry in group %s: add %s to the "
				 "groups of the entries that %s", o->suite->path, verify_group(o),
				 verify_group(o), strcmp(o->backend, "guest") ?
				 "tell a fixed kernel from an unfixed one" :
				 "hold an interrupt back with the TPR");
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_opts o = { .iterations = 200, .format = "text" };
	struct run_list l = { 0 };
	struct store *s = NULL;
	struct suite *suite = NULL;
	struct judged j = { 0 };
	char dirbuf[96], msg[PATH_MAX + 1024], *vpath = NULL, *vid = NULL;
	bool default_dir = false;
	int rc;

	filter_init(&o.select);
	rc = parse_args(argc, argv, &o);
	if (rc) {
		rc = rc == CLI_HELP ? EXIT_OK : rc;
		goto out;
	}
	if ((rc = load_suite(&o, &suite)))
		goto out;
	if (o.select.n) {
		rc = verify_stored(&o);
		goto out;
	}
	if (!o.runs)
		o.runs = !strcmp(o.backend, "lab") ? 5 : 1;
	if (!strcmp(o.backend, "kvm") && ((rc = kvm_applicable()) || (rc = kvm_loaded_variant(&o))))
		goto out;
	if (!strcmp(o.backend, "guest") && (rc = guest_applicable()))
		goto out;
	if (!o.out_dir) {
		char ts[32];

		util_utc_compact(util_now(), ts, sizeof(ts));
		snprintf(dirbuf, sizeof(dirbuf), "results/runs/verify-%s", ts);
		o.out_dir = dirbuf;
		default_dir = true;
	}
	if (o.kernels || o.series) {	/* it checks the kernels before it creates anything */
		if (!o.jobs) {
			cpu_set_t set;

			o.jobs = !sched_getaffinity(0, sizeof(set), &set) ? (unsigned)CPU_COUNT(&set) : 1;
			o.jobs = o.jobs > 16 ? 16 : o.jobs ? o.jobs : 1;
		}
		rc = verify_series(&o);
		goto out;
	}
	if (default_dir) {
		/* a folder of its own: two verifies started in the same second
		 * must not share one (mkdir is the claim; -2, -3, ... after) */
		char base[64];

		snprintf(base, sizeof(base), "results/runs/verify-%.40s", dirbuf + strlen("results/runs/verify-"));
		(void)util_mkdir_p("results/runs");
		for (unsigned k = 2; mkdir(dirbuf, 0755) && errno == EEXIST && k < 1000; k++)
			snprintf(dirbuf, sizeof(dirbuf), "%s-%u", base, k);
	}
	if (util_mkdir_p(o.out_dir)) {
		rc = cli_error(EXIT_ENV, "verify: cannot create %s: %s: choose another --out-dir",
			       o.out_dir, strerror(errno));
		goto out;
	}
	s = store_open_cmd(o.db, true);
	if (!s) {
		rc = EXIT_STORE;
		goto out;
	}
	fprintf(stderr, "irqlbench verify: %s%s%s, %u entries of group %s in %s x %u run(s), "
		"records in %s, store %s\n", o.backend,
		!strcmp(o.backend, "model") ? " policy " : !strcmp(o.backend, "lab") ? " variant " : "",
		!strcmp(o.backend, "model") ? o.policy : !strcmp(o.backend, "lab") ? o.variant : "",
		o.nentries, verify_group(&o), o.suite_name, o.runs, o.out_dir, s->path);
	if (!strcmp(o.backend, "lab")) {
		rc = verify_lab_cell(&o, o.kernel, o.variant, o.out_dir, s, &l, msg, sizeof(msg));
		if (rc) {
			rc = cli_error(rc, "verify: %s", msg);
			goto out;
		}
	}
	for (unsigned rep = 0; strcmp(o.backend, "lab") && rep < o.runs; rep++) {
		for (unsigned k = 0; k < suite->n; k++) {
			char *path = NULL;

			if (!suite_in_group(&suite->e[k], verify_group(&o)))
				continue;
			if (verify_stopped())
				break;
			rc = one_run(&o, &suite->e[k], rep, &path, msg, sizeof(msg));
			if (rc > 0) {
				rc = cli_error(rc, "verify: %s", msg);
				goto out;
			}
			if (rc) {
				fprintf(stderr, "irqlbench verify: %s\n", msg);
				continue;
			}
			rc = verify_import_run(s, path, &l);
			free(path);
			if (rc > 0)
				goto out;
		}
	}
	if (verify_stopped()) {
		rc = cli_error(128 + verify_stopped(), "verify: stopped by signal %d: no verdict (the "
			       "records so far are in %s)", verify_stopped(), o.out_dir);
		goto out;
	}
	rc = decide(&o, s, &l, &j);
	if (rc == EXIT_STORE)
		goto out;
	/* the verdict, kept next to its records and in the store */
	vpath = xasprintf("%s/verdict.json", o.out_dir);
	vid = verify_write_verdict(&o, s, vpath, &j, j.res.v, j.res.reason,
				   strcmp(o.backend, "model") ? o.variant : NULL,
				   o.kernel ? o.kernel : o.kernel_image, NULL);
	if (!vid)
		rc = EXIT_ENV;
	else
		fprintf(stderr, "irqlbench verify: verdict %s in %s and the store\n", vid, vpath);
out:
	verify_judged_free(&j);
	free(vpath);
	free(vid);
	store_run_list_free(&l);
	store_close(s);
	filter_free(&o.select);
	argv_free(&o.tags);
	suite_free(suite);
	return rc;
}
