// SPDX-License-Identifier: MIT
/*
 * swap.c - `irqlbench kvm swap`: the running kernel's kvm and kvm_amd
 * replaced by a variant's, without ever leaving the host without a working
 * kvm_amd.
 *
 *  - Before anything is unloaded: no VM runs, /dev/kvm is not open, the
 *    variant can load here (not a kernel that loads signed modules only:
 *    lockdown, module.sig_enforce; its vermagic is the running kernel's;
 *    its files are root's and only root may write them), and the modules
 *    loaded now are captured: srcversion, taint flags and size of kvm and
 *    kvm_amd, the originals' identity, and the options modprobe gives
 *    them (modprobe -c, the kernel command line), which the variant is
 *    loaded with too.
 *  - A journal, /run/irqlbench/kvm-swap.json, says how far the swap got
 *    (checked, unloaded-kvm_amd, unloaded-kvm, loaded-kvm, loaded-kvm_amd),
 *    rewritten whole at each step.  From unloading to the end the stop
 *    signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP) are blocked and the
 *    module tools run in a session of their own (no terminal's ^C reaches
 *    them); a stop signal that came meanwhile restores the originals at the
 *    end.  A SIGKILL leaves the journal: `kvm swap --restore`, or the next
 *    `kvm swap`, finishes it.
 *  - Success is a VM that runs: after loading, a smoke test creates a VM
 *    and runs a vCPU to its first exit (hlt).  A failure after unloading
 *    restores the originals; a restore is checked against the journal's
 *    identity of the originals (else: modules without the O/E taint of an
 *    out-of-tree build) and by the smoke test.
 *  - A swap that succeeded writes /run/irqlbench/kvm-loaded.json (variant,
 *    module folder, the loaded modules' identity): `run --backend kvm`
 *    names the variant in provenance.kvm.swap when it is still what is
 *    loaded.
 *
 * IRQLBENCH_KVM_SWAP_PAUSE=STEP (tests only) stops for up to 60 s after the
 * journal records STEP, so that a test can signal or kill it there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <linux/kvm.h>

#include "cli/cli.h"
#include "cli/util.h"
#include "kvm/swap.h"

extern char **environ;

#define SWAP_STATE_DIR	"/run/irqlbench"
#define JOURNAL_SCHEMA	"irqlbench-kvm-swap/1"

static const char *state_dir(void)
{
	const char *d = getenv("IRQLBENCH_KVM_SWAP_DIR");	/* tests: a private folder */

	return d && *d ? d : SWAP_STATE_DIR;
}

static char *state_path(const char *name)
{
	return xasprintf("%s/%s", state_dir(), name);
}

/* --- the modules loaded -------------------------------------------------- */

struct mod_id {
	bool present;
	char srcversion[64];
	char taint[16];
	long coresize;
};

static void mod_file(const char *mod, const char *file, char *buf, size_t len)
{
	char *p = xasprintf("/sys/module/%s/%s", mod, file), *v = util_read_line(p);

	snprintf(buf, len, "%s", v ? v : "");
	free(v);
	free(p);
}

static void mod_id_read(const char *mod, struct mod_id *id)
{
	char *p = xasprintf("/sys/module/%s", mod), size[32];

	memset(id, 0, sizeof(*id));
	id->present = access(p, F_OK) == 0;
	free(p);
	if (!id->present)
		return;
	mod_file(mod, "srcversion", id->srcversion, sizeof(id->srcversion));
	mod_file(mod, "taint", id->taint, sizeof(id->taint));
	mod_file(mod, "coresize", size, sizeof(size));
	id->coresize = strtol(size, NULL, 10);
}

static json_t *mod_id_json(const struct mod_id *id)
{
	if (!id->present)
		return json_null();
	return json_pack("{s:s, s:s, s:I}", "srcversion", id->srcversion, "taint", id->taint,
			 "coresize", (json_int_t)id->coresize);
}

static void mod_id_of_json(json_t *j, struct mod_id *id)
{
	memset(id, 0, sizeof(*id));
	if (!json_is_object(j))
		return;
	id->present = true;
	snprintf(id->srcversion, sizeof(id->srcversion), "%s",
		 json_string_value(json_object_get(j, "srcversion")) ?: "");
	snprintf(id->taint, sizeof(id->taint), "%s",
		 json_string_value(json_object_get(j, "taint")) ?: "");
	id->coresize = (long)json_integer_value(json_object_get(j, "coresize"));
}

static bool mod_id_same(const struct mod_id *a, const struct mod_id *b)
{
	return a->present == b->present && !strcmp(a->srcversion, b->srcversion) &&
	       !strcmp(a->taint, b->taint) && a->coresize == b->coresize;
}

/* An out-of-tree or unsigned module (kvm swap's builds): taint O or E. */
static bool mod_is_build(const struct mod_id *id)
{
	return id->present && (strchr(id->taint, 'O') || strchr(id->taint, 'E'));
}

/* --- the module tools ----------------------------------------------------- */

static sigset_t stop_signals(void)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGQUIT);
	sigaddset(&s, SIGTSTP);
	return s;
}

/*
 * argv in a session of its own (no terminal's signal reaches it) with the
 * default signal mask, stdin /dev/null; its stdout to @out when not NULL
 * (else /dev/null).  Its exit status, or -1.
 */
static int tool(const char *const argv[], const char *out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	pid_t pid;
	int st = 0, rc;

	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigmask(&at, &none);
	rc = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc)
		return -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A tool's stdout (at most 1 MiB), or NULL. */
static char *tool_output(const char *const argv[])
{
	char *tmp = util_tmpfile("swap"), *s = NULL;

	if (!tmp)
		return NULL;
	if (tool(argv, tmp) == 0)
		s = util_read_file(tmp, 1 << 20, NULL);
	unlink(tmp);
	free(tmp);
	return s;
}

/*
 * The options modprobe gives module @mod (its "options MOD ..." lines of
 * modprobe -c, i.e. /etc/modprobe.d, and MOD.KEY=VALUE words of the kernel
 * command line), as insmod arguments added to @a.
 */
static void load_options(const char *mod, struct argv_buf *a)
{
	static const char *const showconfig[] = { "modprobe", "-c", NULL };
	char *conf = tool_output(showconfig), *cmdline = util_read_file("/proc/cmdline", 1 << 16, NULL);
	char *line, *save = NULL, *w, *wsave = NULL;
	size_t ml = strlen(mod);

	for (line = conf ? strtok_r(conf, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "options ", 8) || strncmp(line + 8, mod, ml) || line[8 + ml] != ' ')
			continue;
		for (w = strtok_r(line + 9 + ml, " \t", &wsave); w; w = strtok_r(NULL, " \t", &wsave))
			argv_add(a, w);
	}
	for (w = cmdline ? strtok_r(cmdline, " \t\n", &wsave) : NULL; w; w = strtok_r(NULL, " \t\n", &wsave)) {
		size_t i;

		for (i = 0; i < ml && w[i] && (w[i] == mod[i] || (w[i] == '-' && mod[i] == '_')); i++)
			;
		if (i == ml && w[ml] == '.' && strchr(w + ml + 1, '='))
			argv_add(a, w + ml + 1);
	}
	free(conf);
	free(cmdline);
}

static json_t *argv_json(const struct argv_buf *a)
{
	json_t *j = json_array();

	for (unsigned i = 0; i < a->n; i++)
		json_array_append_new(j, json_string(a->v[i]));
	return j;
}

/* --- journal --------------------------------------------------------------- */

static int journal_write(json_t *j, const char *step, char *err, size_t len)
{
	char *path = state_path("kvm-swap.json"), *text;
	int rc = 0;

	json_object_set_new(j, "step", json_string(step));
	text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (mkdir(state_dir(), 0700) && errno != EEXIST)
		rc = util_err(err, len, -1, "cannot create %s: %s", state_dir(), strerror(errno));
	else if (!text || util_write_atomic(path, text, strlen(text)))
		rc = util_err(err, len, -1, "cannot write the journal %s: %s", path, strerror(errno));
	free(text);
	free(path);
	return rc;
}

/* The journal of an interrupted swap, NULL when there is none; *bad: it is unreadable. */
static json_t *journal_read(bool *bad)
{
	char *path = state_path("kvm-swap.json");
	json_error_t e;
	json_t *j = NULL;

	*bad = false;
	if (!access(path, F_OK)) {
		j = json_load_file(path, 0, &e);
		if (!json_is_object(j) ||
		    strcmp(json_string_value(json_object_get(j, "schema")) ?: "", JOURNAL_SCHEMA)) {
			json_decref(j);
			j = NULL;
			*bad = true;
		}
	}
	free(path);
	return j;
}

static void state_remove(const char *name)
{
	char *path = state_path(name);

	unlink(path);
	free(path);
}

/* --- the smoke test -------------------------------------------------------- */

int kvm_smoke_test(char *err, size_t len)
{
	static const unsigned char hlt[] = { 0xf4 };
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_run *run = MAP_FAILED;
	int kvm, vm = -1, vcpu = -1, rc = -1;
	long runsz = 0;
	void *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return util_err(err, len, -1, "cannot open /dev/kvm: %s", strerror(errno));
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		util_err(err, len, -1, "out of memory");
		goto out;
	}
	memcpy(mem, hlt, sizeof(hlt));
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		util_err(err, len, -1, "KVM_CREATE_VM: %s", strerror(errno));
		goto out;
	}
	region.guest_phys_addr = 0x1000;
	region.memory_size = 0x1000;
	region.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region)) {
		util_err(err, len, -1, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto out;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || runsz <= 0) {
		util_err(err, len, -1, "KVM_CREATE_VCPU: %s", strerror(errno));
		goto out;
	}
	run = mmap(NULL, (size_t)runsz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs)) {
		util_err(err, len, -1, "the vCPU's state: %s", strerror(errno));
		goto out;
	}
	/* real mode, at 0x1000: one hlt */
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) || ioctl(vcpu, KVM_SET_REGS, &regs)) {
		util_err(err, len, -1, "setting the vCPU's registers: %s", strerror(errno));
		goto out;
	}
	if (ioctl(vcpu, KVM_RUN, 0)) {
		util_err(err, len, -1, "KVM_RUN: %s", strerror(errno));
		goto out;
	}
	if (run->exit_reason != KVM_EXIT_HLT) {
		util_err(err, len, -1, "the vCPU's first exit is reason %u, not KVM_EXIT_HLT",
			 run->exit_reason);
		goto out;
	}
	rc = 0;
out:
	if (run != MAP_FAILED)
		munmap(run, (size_t)runsz);
	if (mem != MAP_FAILED)
		munmap(mem, 0x1000);
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	close(kvm);
	return rc;
}

/* --- before anything is unloaded ------------------------------------------- */

/* Files only root may have written: owned by root, not writable by group or others. */
static int root_only(const char *path, char *err, size_t len)
{
	struct stat st;

	if (lstat(path, &st))
		return util_err(err, len, -1, "%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return util_err(err, len, -1, "%s is a symbolic link: the modules must be root's own files", path);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return util_err(err, len, -1, "%s is %s: modules are loaded only from a folder and files that root owns and only root may write; build them as root ('irqlbench kvm build' as root)",
				path, st.st_uid ? "not owned by root" : "writable by others than root");
	return 0;
}

int kvm_swap_loadable(const char *dir, char *err, size_t len)
{
	char *lock = util_read_line("/sys/kernel/security/lockdown");
	char *enforce = util_read_line("/sys/module/module/parameters/sig_enforce");
	char *ko[2] = { xasprintf("%s/kvm.ko", dir), xasprintf("%s/kvm-amd.ko", dir) };
	struct utsname u;
	int rc = 0;

	uname(&u);
	if (lock && !strstr(lock, "[none]"))
		rc = util_err(err, len, -1, "the kernel is locked down (%s in /sys/kernel/security/lockdown): it loads signed modules only, and the variant's are not signed; boot with lockdown=none (Secure Boot off) to swap modules, or use 'irqlbench lab'",
			      lock);
	else if (enforce && !strcmp(enforce, "Y"))
		rc = util_err(err, len, -1, "module.sig_enforce is on: the kernel loads signed modules only, and the variant's are not signed; boot without module.sig_enforce=1 to swap modules, or use 'irqlbench lab'");
	for (unsigned i = 0; !rc && i < 3; i++)
		rc = root_only(i < 2 ? ko[i] : dir, err, len);
	for (unsigned i = 0; !rc && i < 2; i++) {
		const char *const argv[] = { "modinfo", "-F", "vermagic", ko[i], NULL };
		char *vm = tool_output(argv);
		size_t n = strlen(u.release);

		if (!vm || strncmp(vm, u.release, n) || (vm[n] != ' ' && vm[n] != '\n'))
			rc = util_err(err, len, -1, "%s is for kernel %.*s, this one runs %s: build for it with --kernel %s",
				      ko[i], vm ? (int)strcspn(vm, " \n") : 7, vm ? vm : "unknown", u.release,
				      u.release);
		free(vm);
	}
	free(lock);
	free(enforce);
	free(ko[0]);
	free(ko[1]);
	return rc;
}

/* --- the steps -------------------------------------------------------------- */

static int stopped_by;		/* the first stop signal that came while they were blocked */

/* Notes stop signals that came (blocked) so far; @wait_s > 0: waits that long for one. */
static void take_stop_signals(double wait_s)
{
	sigset_t s = stop_signals();
	struct timespec ts = { (time_t)wait_s, (long)((wait_s - (time_t)wait_s) * 1e9) };
	int sig;

	while ((sig = sigtimedwait(&s, NULL, &ts)) > 0) {
		if (!stopped_by)
			stopped_by = sig;
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}
}

/* IRQLBENCH_KVM_SWAP_PAUSE=STEP: tests stop the swap there (SIGKILL, or a stop signal). */
static void pause_at(const char *step)
{
	const char *p = getenv("IRQLBENCH_KVM_SWAP_PAUSE");

	if (!p || strcmp(p, step))
		return;
	fprintf(stderr, "irqlbench: kvm swap: paused at %s (pid %d)\n", step, (int)getpid());
	take_stop_signals(60);
}

static int step(json_t *journal, const char *name, char *err, size_t len)
{
	if (journal_write(journal, name, err, len))
		return -1;
	pause_at(name);
	return 0;
}

static int rmmod(const char *mod)
{
	const char *const argv[] = { "rmmod", mod, NULL };
	char *p = xasprintf("/sys/module/%s", mod);
	int rc = access(p, F_OK) ? 0 : tool(argv, NULL);

	free(p);
	return rc;
}

/*
 * The originals back: what is loaded that is not them unloaded, kvm_amd
 * loaded by modprobe, checked against @orig (the journal's; NULL: no
 * out-of-tree build may be loaded) and by the smoke test.  0, or -1 with err.
 */
static int restore(const struct mod_id *orig_kvm, const struct mod_id *orig_amd, char *err, size_t len)
{
	static const char *const modprobe[] = { "modprobe", "kvm_amd", NULL };
	struct mod_id kvm, amd;
	char why[256];

	mod_id_read("kvm", &kvm);
	mod_id_read("kvm_amd", &amd);
	if (orig_amd ? !mod_id_same(&amd, orig_amd) : (mod_is_build(&amd) || mod_is_build(&kvm))) {
		if (rmmod("kvm_amd"))
			return util_err(err, len, -1, "rmmod kvm_amd failed (is a VM running?)");
	}
	mod_id_read("kvm", &kvm);
	if (orig_kvm ? (kvm.present && !mod_id_same(&kvm, orig_kvm)) : mod_is_build(&kvm)) {
		if (rmmod("kvm"))
			return util_err(err, len, -1, "rmmod kvm failed (does another module use it?)");
	}
	if (access("/sys/module/kvm_amd", F_OK) && tool(modprobe, NULL))
		return util_err(err, len, -1, "modprobe kvm_amd failed (see dmesg)");
	mod_id_read("kvm", &kvm);
	mod_id_read("kvm_amd", &amd);
	if (orig_amd && (!mod_id_same(&amd, orig_amd) || !mod_id_same(&kvm, orig_kvm)))
		return util_err(err, len, -1, "the kvm_amd and kvm loaded now are not the originals the journal names (srcversion '%s', taint '%s', size %ld; now '%s', '%s', %ld)",
				orig_amd->srcversion, orig_amd->taint, orig_amd->coresize,
				amd.srcversion, amd.taint, amd.coresize);
	if (!orig_amd && (mod_is_build(&amd) || mod_is_build(&kvm)))
		return util_err(err, len, -1, "an out-of-tree kvm or kvm_amd (taint '%s', '%s') is still loaded",
				kvm.taint, amd.taint);
	if (kvm_smoke_test(why, sizeof(why)))
		return util_err(err, len, -1, "the original modules are loaded but a VM does not run: %s", why);
	return 0;
}

int kvm_swap_restore(bool quiet)
{
	struct mod_id okvm, oamd;
	sigset_t s = stop_signals(), old;
	bool bad;
	json_t *j = journal_read(&bad);
	char err[640];
	int rc;

	if (bad)
		return cli_error(EXIT_ENV, "kvm swap: the journal %s/kvm-swap.json is unreadable: look at it, remove it, and run 'kvm swap --restore' again",
				 state_dir());
	if (j) {
		mod_id_of_json(json_object_get(json_object_get(j, "original"), "kvm"), &okvm);
		mod_id_of_json(json_object_get(json_object_get(j, "original"), "kvm_amd"), &oamd);
		fprintf(stderr, "irqlbench: kvm swap: finishing the swap of process %lld, stopped at step '%s': the original modules go back\n",
			(long long)json_integer_value(json_object_get(j, "pid")),
			json_string_value(json_object_get(j, "step")) ?: "?");
	}
	sigprocmask(SIG_BLOCK, &s, &old);
	rc = restore(j ? &okvm : NULL, j ? &oamd : NULL, err, sizeof(err));
	if (!rc) {
		state_remove("kvm-swap.json");
		state_remove("kvm-loaded.json");
	}
	take_stop_signals(0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	json_decref(j);
	if (rc)
		return cli_error(EXIT_RUN_FAILED, "kvm swap: restoring the original modules failed: %s; run 'modprobe -r kvm_amd kvm; modprobe kvm_amd' by hand", err);
	if (!quiet)
		printf("kvm swap: the original kvm and kvm_amd are loaded and a VM runs\n");
	return stopped_by ? 128 + stopped_by : EXIT_OK;
}

bool kvm_swap_interrupted(void)
{
	char *path = state_path("kvm-swap.json");
	bool there = access(path, F_OK) == 0;

	free(path);
	return there;
}

int kvm_swap_load(const char *dir, const char *variant)
{
	char *ko[2] = { xasprintf("%s/kvm.ko", dir), xasprintf("%s/kvm-amd.ko", dir) };
	static const char *const deps[] = { "modprobe", "-a", "irqbypass", "ccp", NULL };
	struct argv_buf opts[2] = { { 0 } }, ins = { 0 };
	struct mod_id okvm, oamd, nkvm, namd;
	sigset_t s = stop_signals(), old;
	char err[640] = "", iso[32];
	json_t *j;
	int st = EXIT_RUN_FAILED;

	mod_id_read("kvm", &okvm);
	mod_id_read("kvm_amd", &oamd);
	load_options("kvm", &opts[0]);
	load_options("kvm_amd", &opts[1]);
	util_utc_iso(util_now(), iso, sizeof(iso));
	j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:{s:o, s:o}, s:{s:o, s:o}}", "schema", JOURNAL_SCHEMA,
		      "pid", (int)getpid(), "started_utc", iso, "variant", variant, "dir", dir,
		      "original", "kvm", mod_id_json(&okvm), "kvm_amd", mod_id_json(&oamd),
		      "options", "kvm", argv_json(&opts[0]), "kvm_amd", argv_json(&opts[1]));
	sigprocmask(SIG_BLOCK, &s, &old);
	if (step(j, "checked", err, sizeof(err))) {
		cli_error(EXIT_ENV, "kvm swap: %s; nothing was changed", err);
		st = EXIT_ENV;
		goto out;
	}
	take_stop_signals(0);
	if (stopped_by) {
		state_remove("kvm-swap.json");
		fprintf(stderr, "irqlbench: note: kvm swap: stopped by SIG%s before anything was unloaded; nothing was changed\n",
			sigabbrev_np(stopped_by));
		st = 128 + stopped_by;
		goto out;
	}
	tool(deps, NULL);
	if (rmmod("kvm_amd")) {
		state_remove("kvm-swap.json");
		cli_error(EXIT_ENV, "kvm swap: rmmod kvm_amd failed (in use?); nothing was changed");
		st = EXIT_ENV;
		goto out;
	}
	if (step(j, "unloaded-kvm_amd", err, sizeof(err)))
		goto restore;
	if (rmmod("kvm")) {
		snprintf(err, sizeof(err), "rmmod kvm failed (another module uses it?)");
		goto restore;
	}
	if (step(j, "unloaded-kvm", err, sizeof(err)))
		goto restore;
	for (unsigned m = 0; m < 2; m++) {
		argv_free(&ins);
		argv_add(&ins, "insmod");
		argv_add(&ins, ko[m]);
		for (unsigned k = 0; k < opts[m].n; k++)
			argv_add(&ins, opts[m].v[k]);
		if (tool((const char *const *)ins.v, NULL)) {
			snprintf(err, sizeof(err), "insmod %s failed (see dmesg)", ko[m]);
			goto restore;
		}
		if (step(j, m ? "loaded-kvm_amd" : "loaded-kvm", err, sizeof(err)))
			goto restore;
	}
	{
		char why[256];

		if (kvm_smoke_test(why, sizeof(why))) {
			snprintf(err, sizeof(err), "the variant loaded but a VM does not run: %s", why);
			goto restore;
		}
	}
	take_stop_signals(0);
	if (stopped_by) {
		snprintf(err, sizeof(err), "stopped by SIG%s", sigabbrev_np(stopped_by));
		goto restore;
	}
	mod_id_read("kvm", &nkvm);
	mod_id_read("kvm_amd", &namd);
	{
		json_t *l = json_pack("{s:s, s:s, s:s, s:o, s:o}", "variant", variant, "dir", dir,
				      "loaded_utc", iso, "kvm", mod_id_json(&nkvm), "kvm_amd",
				      mod_id_json(&namd));
		char *text = json_dumps(l, JSON_INDENT(2) | JSON_PRESERVE_ORDER), *path = state_path("kvm-loaded.json");

		if (!text || util_write_atomic(path, text, strlen(text)))
			fprintf(stderr, "irqlbench: warning: kvm swap: cannot write %s: %s; runs will not name the variant\n",
				path, strerror(errno));
		free(text);
		free(path);
		json_decref(l);
	}
	state_remove("kvm-swap.json");
	printf("kvm swap: variant %s loaded from %s, a VM runs; 'irqlbench kvm swap --restore' loads the distro modules again\n",
	       variant, dir);
	st = EXIT_OK;
	goto out;
restore:
	{
		char rerr[640];

		if (restore(&okvm, &oamd, rerr, sizeof(rerr))) {
			fprintf(stderr, "irqlbench: error: kvm swap: %s, and restoring the original modules failed: %s; the journal %s/kvm-swap.json stays: run 'irqlbench kvm swap --restore'\n",
				err, rerr, state_dir());
		} else {
			state_remove("kvm-swap.json");
			fprintf(stderr, "irqlbench: %s: kvm swap: %s; the original kvm and kvm_amd are loaded again and a VM runs\n",
				stopped_by ? "note" : "error", err);
		}
		st = stopped_by ? 128 + stopped_by : EXIT_RUN_FAILED;
	}
out:
	take_stop_signals(0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	json_decref(j);
	argv_free(&opts[0]);
	argv_free(&opts[1]);
	argv_free(&ins);
	free(ko[0]);
	free(ko[1]);
	return st;
}

const char *kvm_swap_loaded_variant(char *buf, size_t len)
{
	json_t *sw = kvm_swap_loaded_json();
	struct mod_id amd;
	const char *v = NULL;

	if (sw) {
		snprintf(buf, len, "%s", json_string_value(json_object_get(sw, "variant")) ?: "");
		v = *buf ? buf : NULL;
	} else {
		mod_id_read("kvm_amd", &amd);
		v = mod_is_build(&amd) ? NULL : "stock";
	}
	json_decref(sw);
	return v;
}

json_t *kvm_swap_loaded_json(void)
{
	char *path = state_path("kvm-loaded.json");
	json_error_t e;
	json_t *l = json_load_file(path, 0, &e), *out = NULL;
	struct mod_id want, now;

	free(path);
	if (!json_is_object(l))
		goto done;
	mod_id_of_json(json_object_get(l, "kvm_amd"), &want);
	mod_id_read("kvm_amd", &now);
	/* only while what swap loaded is what is loaded */
	if (mod_id_same(&want, &now))
		out = json_pack("{s:O, s:O, s:O}", "variant", json_object_get(l, "variant") ?: json_null(),
				"dir", json_object_get(l, "dir") ?: json_null(),
				"loaded_utc", json_object_get(l, "loaded_utc") ?: json_null());
done:
	json_decref(l);
	return out;
}
