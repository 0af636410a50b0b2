/* SPDX-License-Identifier: MIT */
/*
 * `irqlbench kvm` and `irqlbench lab` (rows for host/commands.c; the same
 * declarations belong in host/cli.h), and the helpers they share to find
 * and run the shell parts in host/kvm/ and host/lab/.
 */
#ifndef IRQLBENCH_LABCMDS_H
#define IRQLBENCH_LABCMDS_H

int cmd_kvm(int argc, char **argv);
extern const char cmd_kvm_usage[];
int cmd_lab(int argc, char **argv);
extern const char cmd_lab_usage[];

/*
 * The source tree (where host/kvm/build-variant.sh is) and the build dir:
 * $IRQLBENCH_ROOT / $IRQLBENCH_BUILD when set, else derived from this
 * executable's path (BUILD/bin/irqlbench, BUILD = ROOT/build by default),
 * else the current directory.  Both return malloc'd strings.
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
