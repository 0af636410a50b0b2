/* SPDX-License-Identifier: MIT */
/*
 * kvm_paths.h - what `irqlbench kvm` and `irqlbench lab` share to find and
 * run their shell parts in host/kvm/ and host/lab/ (host/kvm/kvm_paths.c).
 */
#ifndef IRQLBENCH_KVM_PATHS_H
#define IRQLBENCH_KVM_PATHS_H

/*
 * The source tree (where host/kvm/build-variant.sh is) and the build dir:
 * $IRQLBENCH_ROOT / $IRQLBENCH_BUILD when set, else derived from this
 * executable's path (BUILD/bin/irqlbench, BUILD = ROOT/build by default),
 * else the current directory.  An installed irqlbench (make install) has no
 * tree of its own: it needs $IRQLBENCH_ROOT (or to run in the tree), and
 * builds in its build/.  Both return malloc'd strings.
 */
char *labcmd_root(void);
char *labcmd_build_dir(void);

/*
 * Runs ROOT/@rel with @args (NULL-terminated, without argv[0]), with
 * IRQLBENCH_BUILD set, stdin from /dev/null, stdout and stderr inherited
 * (or stdout to the file @out_path when not NULL), in a process group of its
 * own that a guard process SIGKILLs when the script ends or irqlbench dies
 * (any signal, SIGKILL included): nothing it started outlives irqlbench.
 * Returns its exit status, 128+signal, or 3 when it cannot start.
 */
int labcmd_run_script(const char *rel, char *const args[], const char *out_path);

/*
 * The options of `kvm build` and `lab` that name a kernel you built and the
 * source and headers a build is of: rows for an argument struct T with
 * const char *kernel_image, *modules, *source, *headers.
 */
#define KVM_BUILT_KERNEL_OPTIONS(T) \
	{ CLI_STRING(0, "kernel-image", T, kernel_image, "BZIMAGE", \
		     "a kernel you built (with --modules)") }, \
	{ CLI_STRING(0, "modules", T, modules, "DIR", \
		     "its lib/modules/<release>, or the root that holds it\n" \
		     "(make modules_install INSTALL_MOD_PATH=DIR)") }, \
	{ CLI_STRING(0, "source", T, source, "TREE", \
		     "build fixed, unfixed, patch=FILE from TREE's arch/x86/kvm\n" \
		     "and virt/kvm (default: the kernel's Debian linux-source)") }, \
	{ CLI_STRING(0, "headers", T, headers, "DIR", \
		     "kbuild's headers for them (default: TREE when it is\n" \
		     "built, else the kernel's); stock is always the kernel's\n" \
		     "own modules") }

/*
 * The folder of a variant under `irqlbench lab --out-dir DIR`: the
 * variant, patch=DIR/x.patch as patch_x.patch (verify finds the lab's
 * records by it).
 */
void lab_variant_dir(const char *variant, char *buf, size_t len);

/*
 * --kernel-image and --modules go together, and not with --kernel: 0, or
 * EXIT_USAGE after the usage error line of command @cmd.
 */
int kvm_check_kernel_options(const char *cmd, const char *kernel, const char *image,
			     const char *modules);

#endif
