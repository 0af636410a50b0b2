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

#endif
