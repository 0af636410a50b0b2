// SPDX-License-Identifier: MIT
/*
 * cmd_kvm.c - `irqlbench kvm build|swap|kernels`: kvm.ko/kvm-amd.ko variants,
 * and the Debian kernels they can be for.
 *
 * build runs host/kvm/build-variant.sh (stock: the kernel's own modules;
 * else extract, patch, verify, make, cache); kernels runs
 * host/kvm/kernel-list.sh.  swap loads a variant into the running host kernel; it is the
 * only place in irqlbench that touches the host's own KVM modules, and it
 * refuses unless told --yes, on a CPU without SVM, while any VM runs, or
 * when the modules cannot load here; swap.c does the swap itself, journaled,
 * and brings the originals back on every failure (kvm swap --restore).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "kvm/kvm_paths.h"
#include "kvm/swap.h"
#include "cli/util.h"

extern char **environ;

struct kvm_opts {
	const char *variant, *kernel, *format;
	const char *kernel_image, *modules, *source, *headers, *series;
	unsigned jobs;
	bool yes, restore;
};

#define KVM_VARIANT \
	{ CLI_STRING('v', "variant", struct kvm_opts, variant, "V", \
		     "stock, fixed, unfixed or patch=FILE (required)") }
#define KVM_KERNEL(h) { CLI_STRING('k', "kernel", struct kvm_opts, kernel, "ABI", h) }

static const struct cli_option build_opts[] = {
	KVM_VARIANT,
	KVM_KERNEL("the kernel to build for: an ABI or a Debian version\n"
		   "(6.1.176-1) (default: see above)"),
	KVM_BUILT_KERNEL_OPTIONS(struct kvm_opts),
	{ CLI_UINT('j', "jobs", struct kvm_opts, jobs, "N", 1, 1024, "make -jN (default 2)") },
	{ CLI_FORMAT(0, struct kvm_opts, format,
		     "the module directory (default), or one JSON object\n"
		     "{\"variants\": [{\"variant\", \"abi\", \"dir\", \"modules\": {\"kvm\",\n"
		     "\"kvm-amd\"}, \"build\": {build.info}}]}") },
	{ CLI_JSON(struct kvm_opts, format) },
	{ CLI_END },
};

static const struct cli_option swap_opts[] = {
	KVM_VARIANT,
	KVM_KERNEL("the running kernel's ABI (default: uname -r)"),
	{ CLI_FLAG('y', "yes", struct kvm_opts, yes,
		   "yes, replace the running kernel's kvm and kvm_amd modules") },
	{ CLI_FLAG(0, "restore", struct kvm_opts, restore,
		   "load the original modules again (the distro's, or those an\n"
		   "interrupted swap's journal names) and check that a VM runs;\n"
		   "no --variant, no --yes") },
	{ CLI_END },
};

static const struct cli_option kernels_opts[] = {
	{ CLI_STRING(0, "series", struct kvm_opts, series, "S", "the kernel series (default 6.1)") },
	{ CLI_FORMAT(0, struct kvm_opts, format,
		     "a table (default), or one JSON object {\"series\", \"cache\",\n"
		     "\"kernels\": [{\"version\", \"abi\", \"upstream\", \"kbuild\",\n"
		     "\"installed\", \"cached\"}]}") },
	{ CLI_JSON(struct kvm_opts, format) },
	{ CLI_END },
};

static const struct cli_spec kvm_subs[] = {
	{ .name = "kvm build",
	  .usage = "--variant stock|fixed|unfixed|patch=FILE [--jobs N] [--json]\n"
		   "  [--kernel ABI|VERSION | --kernel-image BZIMAGE --modules DIR]\n"
		   "  [--source TREE] [--headers DIR]",
	  .options = build_opts, .formats = CLI_FMT_TEXT | CLI_FMT_JSON, .parent = &cmd_kvm_spec },
	{ .name = "kvm swap", .usage = "--variant V --yes [--kernel ABI] | --restore", .options = swap_opts,
	  .parent = &cmd_kvm_spec },
	{ .name = "kvm kernels", .usage = "[--series 6.1] [--format text|json]",
	  .summary = "the Debian kernels the archive has complete, installed and cached",
	  .options = kernels_opts, .formats = CLI_FMT_TEXT | CLI_FMT_JSON, .parent = &cmd_kvm_spec },
};

static const struct cli_spec *const kvm_sub_list[] = { &kvm_subs[0], &kvm_subs[1], &kvm_subs[2], NULL };

const struct cli_spec cmd_kvm_spec = {
	.name = "kvm",
	.subs = kvm_sub_list,
	.description =
	"build: kvm.ko and kvm-amd.ko of one variant for a kernel; prints the module\n"
	"directory (build/kvm/<hash>, cached).  The kernel: --kernel ABI or a Debian\n"
	"version (6.1.176-1): installed when its image, headers and source are, else\n"
	"downloaded with apt-get download into build/kernels/<version> (nothing is\n"
	"installed); default: the running kernel if it is in /boot, else the Debian\n"
	"image whose headers and source are installed at its version, as\n"
	"host/install-deps.sh installs them.  Or a kernel you built: --kernel-image\n"
	"arch/x86/boot/bzImage --modules DIR (lib/modules/<release> as make\n"
	"modules_install leaves it, or the root that holds it).  Image, headers and\n"
	"source must be one Debian version.\n"
	"  stock      the modules the kernel ships (its lib/modules/ABI/kernel/arch/x86/kvm),\n"
	"             not a build: what ships is what a stable kernel is asked about\n"
	"  fixed      built with upstream 596f3142d2b7 \"KVM: SVM: fix cr8 intercept window\"\n"
	"             (6.1 has it: the source as shipped; older trees: host/kvm/patches/forward/)\n"
	"  unfixed    built with the fix reverted (host/kvm/patches/<series>/...revert...patch)\n"
	"  patch=FILE built from the source plus your patch (patch -p1 from the kernel tree)\n"
	"--source TREE builds from your tree instead of the Debian linux-source; the\n"
	"headers (--headers, a built TREE, or the kernel's) must be of its version.\n"
	"\n"
	"swap: replaces the running kernel's kvm and kvm_amd modules with variant V,\n"
	"loaded with the options modprobe would give (modprobe.d, the kernel command\n"
	"line).  Refuses, before unloading anything, without --yes, on a CPU without\n"
	"AMD SVM, while any VM runs or /dev/kvm is open, on a kernel that loads\n"
	"signed modules only (lockdown, module.sig_enforce), when the modules are not\n"
	"for the running kernel (vermagic) or not root's own files.  Each step is\n"
	"journaled in /run/irqlbench/kvm-swap.json with the stop signals blocked; a\n"
	"VM must run afterwards.  On a failure, or a stop signal meanwhile, the\n"
	"original modules are loaded again and checked; after a SIGKILL, 'kvm swap\n"
	"--restore' (or the next swap) finishes it.  /run/irqlbench/kvm-loaded.json\n"
	"names what was loaded: 'run --backend kvm' records it (provenance.kvm.swap).\n"
	"'irqlbench lab' measures variants without touching the host's modules.\n"
	"\n"
	"kernels: the Debian kernels of the series the archive has complete (image,\n"
	"headers and source of one version), newest first, with their ABI, the kbuild\n"
	"their headers build with, and whether each is installed and cached here;\n"
	"each is a valid --kernel.\n"
	"\n"
	"Each needs the source tree (host/kvm/): it finds it from the binary's place\n"
	"in build/bin/, the current directory, or $IRQLBENCH_ROOT.\n",
	.epilog =
	"exit status: 0 ok; 1 build or module load failed; 2 usage error, or a Debian\n"
	"version the archive does not have; 3 environment (versions differ, packages\n"
	"missing, download failed, VMs running);\n"
	"77 swap on a CPU without AMD SVM; 128 + N: swap stopped by signal N (the\n"
	"original modules loaded again).\n",
};

static int parse(const struct cli_spec *sub, int argc, char **argv, struct kvm_opts *o)
{
	int n, rc;

	memset(o, 0, sizeof(*o));
	o->format = "text";
	rc = cli_parse(sub, argc, argv, o, &n);
	if (rc)
		return rc;
	if (sub == &kvm_subs[2])	/* kernels builds nothing */
		return 0;
	if (sub == &kvm_subs[1] && o->restore) {
		if (o->variant || o->yes || o->kernel)
			return cli_usage_error("kvm", "swap --restore loads the original modules: drop --variant, --yes and --kernel");
		return 0;
	}
	if (kvm_check_kernel_options("kvm", o->kernel, o->kernel_image, o->modules))
		return EXIT_USAGE;
	if (!o->variant)
		return cli_usage_error("kvm", "which variant? give --variant stock|fixed|unfixed|patch=FILE");
	if (strcmp(o->variant, "stock") && strcmp(o->variant, "fixed") &&
	    strcmp(o->variant, "unfixed") && strncmp(o->variant, "patch=", 6))
		return cli_usage_error("kvm", "unknown variant '%s': use stock, fixed, unfixed or patch=FILE",
				       o->variant);
	return 0;
}

/* "--NAME VALUE" for a script, when VALUE is given */
static void add_opt(struct argv_buf *a, const char *name, const char *val)
{
	if (val) {
		argv_add(a, name);
		argv_add(a, val);
	}
}

/* build-variant.sh; its last stdout line (the module dir) goes to @dir_out when not NULL. */
static int build(const struct kvm_opts *o, char *dir_out, size_t len)
{
	struct argv_buf a = { 0 };
	char *tmp = NULL;
	int st;

	argv_addf(&a, "--variant=%s", o->variant);
	if (o->kernel)
		argv_addf(&a, "--kernel=%s", o->kernel);
	add_opt(&a, "--kernel-image", o->kernel_image);
	add_opt(&a, "--modules", o->modules);
	add_opt(&a, "--source", o->source);
	add_opt(&a, "--headers", o->headers);
	if (o->jobs) {
		argv_add(&a, "--jobs");
		argv_addf(&a, "%u", o->jobs);
	}
	if (dir_out && !(tmp = util_tmpfile("kvm-build"))) {
		argv_free(&a);
		return cli_error(EXIT_ENV, "cannot create a temporary file in %s: %s: set TMPDIR to a writable folder",
				 util_tmp_dir(), strerror(errno));
	}
	st = labcmd_run_script("host/kvm/build-variant.sh", a.v, dir_out ? tmp : NULL);
	argv_free(&a);
	if (dir_out) {
		char *s = util_read_file(tmp, 1 << 16, NULL), *nl;

		unlink(tmp);
		free(tmp);
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

/* kernels: host/kvm/kernel-list.sh (kernel-resolve.sh --list and the cache) */
static int kernels(const struct kvm_opts *o)
{
	struct argv_buf a = { 0 };
	int st;

	add_opt(&a, "--series", o->series);
	add_opt(&a, "--format", o->format);
	st = labcmd_run_script("host/kvm/kernel-list.sh", a.v, NULL);
	argv_free(&a);
	return st;
}

/* --- swap ----------------------------------------------------------------------------- */

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

static int swap(struct kvm_opts *o)
{
	char dir[PATH_MAX], err[640];
	int st;

	if (!o->yes && !o->restore)
		return cli_usage_error("kvm", "swap replaces the running kernel's KVM modules: add --yes if you mean it");
	if (getuid() != 0)
		return cli_error(EXIT_ENV, "kvm swap: loading modules needs root; run it as root");
	st = swap_preflight();
	if (st || o->restore)
		return st ? st : kvm_swap_restore(false);
	/* an interrupted swap first: the originals back, then this one */
	if (kvm_swap_interrupted() && (st = kvm_swap_restore(true)))
		return st;
	if (!o->kernel) {
		static struct utsname u;

		uname(&u);
		o->kernel = u.release;
	}
	st = build(o, dir, sizeof(dir));
	if (st)
		return st;
	if (kvm_swap_loadable(dir, err, sizeof(err)))
		return cli_error(EXIT_ENV, "kvm swap: %s; nothing was changed", err);
	/* a VM may have started while we built */
	st = swap_preflight();
	if (st)
		return st;
	return kvm_swap_load(dir, o->variant);
}

/* build --json: the variant built and its modules, with its build.info facts. */
static int build_json(const struct kvm_opts *o)
{
	char dir[PATH_MAX], *path, *info, *line, *save = NULL;
	json_t *facts, *j;
	int st = build(o, dir, sizeof(dir));

	if (st)
		return st;
	path = xasprintf("%s/build.info", dir);
	info = util_read_file(path, 1 << 16, NULL);
	free(path);
	facts = json_object();
	for (line = info ? strtok_r(info, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (eq) {
			*eq = '\0';
			json_object_set_new(facts, line, json_string(eq + 1));
		}
	}
	j = json_pack("{s:[{s:s, s:O, s:s, s:{s:s+, s:s+}, s:o}]}", "variants", "variant", o->variant,
		      "abi", json_object_get(facts, "abi") ?: json_null(), "dir", dir,
		      "modules", "kvm", dir, "/kvm.ko", "kvm-amd", dir, "/kvm-amd.ko", "build", facts);
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(j);
	free(info);
	return EXIT_OK;
}

int cmd_kvm(int argc, char **argv)
{
	const struct cli_spec *sub;
	struct kvm_opts o;
	int st;

	sub = cli_subcommand(&cmd_kvm_spec, argc, argv, &st);
	if (!sub)
		return st == CLI_HELP ? EXIT_OK : st;
	st = parse(sub, argc - 1, argv + 1, &o);
	if (st)
		return st == CLI_HELP ? EXIT_OK : st;
	if (sub == &kvm_subs[0])
		return strcmp(o.format, "json") ? build(&o, NULL, 0) : build_json(&o);
	if (sub == &kvm_subs[2])
		return kernels(&o);
	return swap(&o);
}
