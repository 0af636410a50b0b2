// SPDX-License-Identifier: MIT
/*
 * cmd_kvm.c - `irqlbench kvm build|swap`: kvm.ko/kvm-amd.ko variants.
 *
 * build runs host/kvm/build-variant.sh (extract, patch, verify, make,
 * cache).  swap loads a variant into the running host kernel; it is the
 * only place in irqlbench that touches the host's own KVM modules, and it
 * refuses unless told --yes, on a CPU without SVM, while any VM runs, or
 * when the modules were built for another kernel.  Once it has unloaded the
 * original modules, every failure path reloads them (modprobe kvm_amd).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "kvm/kvm_paths.h"
#include "cli/util.h"

extern char **environ;

const char cmd_kvm_usage[] =
	"usage: irqlbench kvm build --variant stock|fixed|unfixed|patch=FILE [--kernel ABI] [--jobs N]\n"
	"       irqlbench kvm swap --variant V --yes [--kernel ABI]\n"
	"\n"
	"build: builds kvm.ko and kvm-amd.ko out of tree from the Debian linux-source\n"
	"of kernel ABI (default: the running kernel if it is in /boot, else the Debian\n"
	"image whose headers and source are installed at its version, as\n"
	"host/install-deps.sh installs them, else the newest in /boot); image, headers\n"
	"and source must be one Debian version.\n"
	"Prints the module directory.  Builds are cached under build/kvm/<hash>.\n"
	"  stock      the source as shipped\n"
	"  fixed      with upstream 596f3142d2b7 \"KVM: SVM: fix cr8 intercept window\"\n"
	"             (6.1 has it: same as stock; older trees: host/kvm/patches/forward/)\n"
	"  unfixed    the fix reverted (host/kvm/patches/<series>/...revert...patch)\n"
	"  patch=FILE the source plus your patch (patch -p1 from the kernel tree)\n"
	"\n"
	"swap: replaces the running kernel's kvm and kvm_amd modules with variant V.\n"
	"Refuses without --yes, on a CPU without AMD SVM, while any VM runs or\n"
	"/dev/kvm is open, and when the running kernel is not the build's.  On any\n"
	"failure after unloading, the original modules are loaded again.\n"
	"'irqlbench lab' measures variants without touching the host's modules.\n"
	"\n"
	"exit status: 0 ok; 1 build or module load failed; 2 usage error;\n"
	"3 environment (versions differ, packages missing, no SVM, VMs running).\n";

struct kvm_opts {
	const char *variant, *kernel, *jobs;
	bool yes;
};

static int parse(int argc, char **argv, struct kvm_opts *o)
{
	static const struct option opts[] = {
		{ "variant", required_argument, NULL, 'v' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = cli_getopt(argc, argv, "v:k:j:yh", opts, "kvm")) != -1) {
		switch (c) {
		case 'v': o->variant = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'j': o->jobs = optarg; break;
		case 'y': o->yes = true; break;
		case 'h': return -1;
		default: return EXIT_USAGE;	/* cli_getopt said why */
		}
	}
	if (optind < argc)
		return cli_usage_error("kvm", "unexpected argument '%s'", argv[optind]);
	if (!o->variant)
		return cli_usage_error("kvm", "which variant? give --variant stock|fixed|unfixed|patch=FILE");
	if (strcmp(o->variant, "stock") && strcmp(o->variant, "fixed") &&
	    strcmp(o->variant, "unfixed") && strncmp(o->variant, "patch=", 6))
		return cli_usage_error("kvm", "unknown variant '%s' (stock, fixed, unfixed or patch=FILE)",
				       o->variant);
	return 0;
}

/* build-variant.sh; its last stdout line (the module dir) goes to @dir_out when not NULL. */
static int build(const struct kvm_opts *o, char *dir_out, size_t len)
{
	char tmp[] = "/tmp/irqlbench-kvm-build-XXXXXX";
	struct argv_buf a = { 0 };
	int fd = -1, st;

	argv_addf(&a, "--variant=%s", o->variant);
	if (o->kernel)
		argv_addf(&a, "--kernel=%s", o->kernel);
	if (o->jobs) {
		argv_add(&a, "--jobs");
		argv_add(&a, o->jobs);
	}
	if (dir_out) {
		fd = mkstemp(tmp);
		if (fd < 0) {
			argv_free(&a);
			return cli_error(EXIT_ENV, "cannot create a temporary file in /tmp: %s",
					 strerror(errno));
		}
		close(fd);
	}
	st = labcmd_run_script("host/kvm/build-variant.sh", a.v, dir_out ? tmp : NULL);
	argv_free(&a);
	if (dir_out) {
		char *s = util_read_file(tmp, 1 << 16, NULL), *nl;

		unlink(tmp);
		dir_out[0] = '\0';
		if (s) {
			while ((nl = strrchr(s, '\n')) && nl[1] == '\0')
				*nl = '\0';
			nl = strrchr(s, '\n');
			snprintf(dir_out, len, "%s", nl ? nl + 1 : s);
			free(s);
		}
	}
	return st;
}

/* --- swap ----------------------------------------------------------------------------- */

static int run_quiet(const char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static long module_refcnt(const char *mod)
{
	char *p = xasprintf("/sys/module/%s/refcnt", mod);
	char *v = util_read_line(p);
	long r = v ? strtol(v, NULL, 10) : -1;

	free(p);
	free(v);
	return r;
}

/* A process holding /dev/kvm or a KVM VM/vCPU fd open; its pid, or 0. */
static pid_t kvm_user(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	pid_t found = 0;

	if (!proc)
		return 0;
	while (!found && (d = readdir(proc))) {
		char path[600], link[256];
		struct dirent *f;
		DIR *fds;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", d->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", d->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (!strcmp(link, "/dev/kvm") || !strncmp(link, "anon_inode:kvm-", 15)) {
				found = (pid_t)atoi(d->d_name);
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* VM directories in debugfs (one per VM: "<pid>-<fd>"). */
static int debugfs_vms(void)
{
	DIR *dir = opendir("/sys/kernel/debug/kvm");
	struct dirent *d;
	int n = 0;

	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		if (isdigit((unsigned char)d->d_name[0]) && strchr(d->d_name, '-'))
			n++;
	closedir(dir);
	return n;
}

static int swap_preflight(void)
{
	char *vendor = util_cpuinfo_field("vendor_id");
	bool amd = util_vendor_runs_kvm_amd(vendor);
	long rc;
	pid_t user;

	if (!amd || !util_cpuinfo_has_flag("svm")) {
		int st = cli_error(EXIT_NOT_APPLICABLE, "kvm swap: not applicable: no KVM-capable AMD CPU here (%s%s): kvm_amd cannot load; use 'irqlbench lab' to run module variants in a virtual AMD host",
				   vendor ? vendor : "unknown vendor",
				   amd ? " without the svm flag" : "");
		free(vendor);
		return st;
	}
	free(vendor);
	user = kvm_user();
	if (user)
		return cli_error(EXIT_ENV, "kvm swap: process %d has /dev/kvm or a VM open; stop all VMs first", (int)user);
	if (debugfs_vms() > 0)
		return cli_error(EXIT_ENV, "kvm swap: /sys/kernel/debug/kvm lists running VMs; stop all VMs first");
	rc = module_refcnt("kvm_amd");
	if (rc > 0)
		return cli_error(EXIT_ENV, "kvm swap: kvm_amd is in use (refcnt %ld); stop all VMs first", rc);
	return 0;
}

/* The variant's kvm.ko must be for the running kernel. */
static int check_vermagic(const char *dir)
{
	char *ko = xasprintf("%s/kvm.ko", dir), *info = xasprintf("%s/build.info", dir);
	char *s = util_read_file(info, 1 << 16, NULL), *abi = NULL;
	struct utsname u;
	int st = 0;

	uname(&u);
	if (s && (abi = strstr(s, "abi="))) {
		abi += 4;
		abi[strcspn(abi, "\n")] = '\0';
	}
	if (!abi || strcmp(abi, u.release))
		st = cli_error(EXIT_ENV, "kvm swap: the modules in %s are for kernel %s, this one runs %s; build for it with --kernel %s",
			       dir, abi ? abi : "unknown", u.release, u.release);
	free(ko);
	free(info);
	free(s);
	return st;
}

static int restore_original(void)
{
	static const char *const modprobe[] = { "modprobe", "kvm_amd", NULL };

	if (run_quiet(modprobe) != 0 || access("/sys/module/kvm_amd", F_OK)) {
		fprintf(stderr, "irqlbench: error: kvm swap: could not reload the original kvm_amd; run 'modprobe kvm_amd' by hand\n");
		return -1;
	}
	fprintf(stderr, "irqlbench: kvm swap: original kvm and kvm_amd modules restored\n");
	return 0;
}

static int do_swap(const char *dir, const char *variant)
{
	static const char *const rm_amd[] = { "rmmod", "kvm_amd", NULL };
	static const char *const rm_kvm[] = { "rmmod", "kvm", NULL };
	static const char *const deps[] = { "modprobe", "-a", "irqbypass", "ccp", NULL };
	char *kvm = xasprintf("%s/kvm.ko", dir), *amd = xasprintf("%s/kvm-amd.ko", dir);
	const char *ins_kvm[] = { "insmod", kvm, NULL };
	const char *ins_amd[] = { "insmod", amd, NULL };
	int st = EXIT_RUN_FAILED;

	run_quiet(deps);
	if (access("/sys/module/kvm_amd", F_OK) == 0 && run_quiet(rm_amd) != 0) {
		cli_error(EXIT_ENV, "kvm swap: rmmod kvm_amd failed (in use?); nothing was changed");
		st = EXIT_ENV;
		goto out;
	}
	if (access("/sys/module/kvm", F_OK) == 0 && run_quiet(rm_kvm) != 0) {
		fprintf(stderr, "irqlbench: error: kvm swap: rmmod kvm failed (another module uses it?)\n");
		restore_original();
		goto out;
	}
	if (run_quiet(ins_kvm) != 0) {
		fprintf(stderr, "irqlbench: error: kvm swap: insmod %s failed (see dmesg)\n", kvm);
		restore_original();
		goto out;
	}
	if (run_quiet(ins_amd) != 0 || access("/dev/kvm", F_OK)) {
		fprintf(stderr, "irqlbench: error: kvm swap: insmod %s failed or /dev/kvm is missing (see dmesg)\n",
			amd);
		run_quiet(rm_amd);
		run_quiet(rm_kvm);
		restore_original();
		goto out;
	}
	printf("kvm swap: variant %s loaded from %s; 'modprobe -r kvm_amd kvm && modprobe kvm_amd' restores the distro modules\n",
	       variant, dir);
	st = EXIT_OK;
out:
	free(kvm);
	free(amd);
	return st;
}

static int swap(struct kvm_opts *o)
{
	char dir[PATH_MAX];
	int st;

	if (!o->yes)
		return cli_usage_error("kvm", "swap replaces the running kernel's KVM modules: add --yes if you mean it");
	if (getuid() != 0)
		return cli_error(EXIT_ENV, "kvm swap: loading modules needs root; run it as root");
	st = swap_preflight();
	if (st)
		return st;
	if (!o->kernel) {
		static struct utsname u;

		uname(&u);
		o->kernel = u.release;
	}
	st = build(o, dir, sizeof(dir));
	if (st)
		return st;
	st = check_vermagic(dir);
	if (st)
		return st;
	/* a VM may have started while we built */
	st = swap_preflight();
	if (st)
		return st;
	return do_swap(dir, o->variant);
}

int cmd_kvm(int argc, char **argv)
{
	struct kvm_opts o;
	const char *sub;
	int st;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return argc < 2 ? cli_usage_error("kvm", "give a subcommand: build or swap") :
				  cli_help("kvm");
	sub = argv[1];
	if (strcmp(sub, "build") && strcmp(sub, "swap"))
		return cli_usage_error("kvm", "unknown subcommand '%s' (build or swap)", sub);
	st = parse(argc - 1, argv + 1, &o);
	if (st < 0)
		return cli_help("kvm");
	if (st)
		return st;
	if (!strcmp(sub, "build"))
		return build(&o, NULL, 0);
	return swap(&o);
}
