/* SPDX-License-Identifier: MIT */
/*
 * util.h - small host-side helpers shared by the irqlbench subcommands:
 * files (whole reads, atomic writes, mkdir -p), time, shell quoting, and
 * the host facts every record carries.
 */
#ifndef IRQLBENCH_UTIL_H
#define IRQLBENCH_UTIL_H

#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A message buffer that holds any one-line message naming one path (up
 * to PATH_MAX) whole: for the fixed buffers that several parts fill with
 * snprintf(buf, sizeof(buf), ...) (launch_result.error, hook_error). */
#define MSG_ONE_PATH	(PATH_MAX + 1024)

/* The suite's version (git describe at build time, or "unknown"). */
const char *util_suite_version(void);

/* malloc that exits on failure (a host tool cannot go on without memory). */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The one error formatter of the modules that report into a caller's
 * buffer (char *err, size_t errlen): writes the one-line message into err
 * (nothing when err is NULL or errlen 0; cut to errlen) and returns status,
 * so that `return util_err(err, errlen, -1, "...", ...);` fails a call.
 */
int util_err(char *err, size_t errlen, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int util_verr(char *err, size_t errlen, int status, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/*
 * Reads a whole file (at most max bytes, else fails with EFBIG) into a
 * NUL-terminated buffer.  Returns NULL with errno set.  A FIFO with no
 * writer reads as empty instead of blocking (a pipe that has one, as
 * bash's <(...), reads whole).
 */
char *util_read_file(const char *path, size_t max, size_t *len);
/* First line of a small file, without the newline; NULL if unreadable. */
char *util_read_line(const char *path);
/* Writes data to path.tmp.<pid> (in path's folder) and renames it over
 * path: readers never see half a file.  Only a regular file is replaced:
 * a directory fails with EISDIR; a device, FIFO, socket or symbolic link
 * with EEXIST (util_not_regular() names it).  Returns 0, or -1 with errno. */
int util_write_atomic(const char *path, const void *data, size_t len);
/* What path is if it exists but is no regular file ("a directory", "a
 * character device", "a FIFO", "a symbolic link", ...; a symbolic link is
 * not followed), else NULL. */
const char *util_not_regular(const char *path);
/* mkdir -p (mode 0755); 0 or -1 with errno set. */
int util_mkdir_p(const char *path);
/* util_mkdir_p() that adds to made (may be NULL) each folder it created,
 * outermost first; on failure it has removed them again.  argv_buf is
 * below. */
struct argv_buf;
int util_mkdir_made(const char *path, struct argv_buf *made);
/* Removes the folders of made that are empty, last first, and frees the
 * list: what util_mkdir_made() created, taken back. */
void util_rmdir_made(struct argv_buf *made);
/* util_mkdir_p() for a folder the command owns inside an output folder
 * (DIR/data, DIR/latex, DIR/img): -1 with errno ELOOP when path is a
 * symbolic link, which would send what is written there elsewhere. */
int util_mkdir_own(const char *path);
/* rm -rf: path and all below it, symbolic links not followed; nothing for
 * NULL or a path that is not there.  0, or -1 with errno. */
int util_rm_rf(const char *path);
/* $TMPDIR, or /tmp where it is unset or empty. */
const char *util_tmp_dir(void);
/* A new empty file $TMPDIR/irqlbench-NAME.XXXXXX (mkstemp), its path to
 * free; NULL with errno. */
char *util_tmpfile(const char *name);
/* dirname/basename that return new strings. */
char *util_dirname(const char *path);
char *util_basename(const char *path);
/* This program's own path (/proc/self/exe) with its last `levels`
 * components cut: 1 is its folder.  NULL if unknown.  The caller frees it. */
char *util_exe_dir_up(int levels);
/*
 * A file of an installed irqlbench (make install): PREFIX/<dir>/irqlbench/
 * <name>, where this program is PREFIX/bin/irqlbench; dir is "lib" (the
 * guest image, the libvirt plugin) or "share" (the suites file, the plots'
 * scripts).  NULL when it is not there or not readable.  The caller frees it.
 */
char *util_installed_file(const char *dir, const char *name);

/* Wall clock: seconds since the epoch (double), and its UTC forms
 * "2026-11-26T07:15:02Z" and "20261126T071502Z". */
double util_now(void);
void util_utc_iso(double t, char *buf, size_t len);
void util_utc_compact(double t, char *buf, size_t len);
/*
 * 24 random bits (0 to 0xffffff) from /dev/urandom, else from the process
 * id and the clock: the part of a record or verdict id that keeps two made
 * in the same second apart, also on two hosts (whose ids meet in one store
 * when `results merge` brings their stores together).
 */
unsigned util_random24(void);

/*
 * Starts argv[0] (a path) with argv: standard input from /dev/null,
 * standard output and error appended to out_path.  The child dies with
 * this process, whatever kills it (SIGKILL included): PR_SET_PDEATHSIG
 * before the exec, and an exit if this process died before that.  Returns
 * the child's pid, or -1 with errno (also when the exec itself failed).
 */
pid_t util_spawn_tied(char *const argv[], const char *out_path);
/*
 * The parent's half of a spawn whose child writes its errno into pfd[1]
 * when its exec fails (pfd: a pipe2(O_CLOEXEC) made before the fork; pid:
 * fork()'s result, errno still fork's when it is -1): closes the pipe and
 * returns pid once the exec happened, or -1 with errno the child's (the
 * child reaped) or fork's.
 */
pid_t util_spawn_exec_status(pid_t pid, int pfd[2]);

/* The absolute path of the program name (searched in $PATH; a name with a
 * '/' is taken as it is) if it is executable, else NULL.  To free. */
char *util_find_in_path(const char *name);

/* argv joined into one shell-quoted line (a caller frees it). */
char *util_shell_join(char *const argv[]);

/* Value of the first "key<tab>: value" line of the file at path (a
 * /proc/cpuinfo); NULL if absent.  To free. */
char *util_file_field(const char *path, const char *key);
/* The same of /proc/cpuinfo. */
char *util_cpuinfo_field(const char *key);
/* Whether the space-separated list flags (may be NULL) names flag. */
bool util_flag_listed(const char *flags, const char *flag);
/* Does the first "flags" line of /proc/cpuinfo list flag? */
bool util_cpuinfo_has_flag(const char *flag);
/* Whether a CPU of this vendor_id runs kvm_amd: AuthenticAMD, and Hygon's
 * Dhyana (HygonGenuine), which kvm_amd supports as AMD's (the kernel's
 * SVM check, has_svm(), accepts both). */
bool util_vendor_runs_kvm_amd(const char *vendor);

/* Parses a Linux CPU list ("1,3-5") into set; keeps the order in order[]
 * (may be NULL).  0, or -1 with a one-line error in err. */
int util_cpulist_parse(const char *list, cpu_set_t *set, unsigned *order,
		       unsigned maxorder, unsigned *norder, char *err, size_t errlen);
/* Formats set as a compact CPU list ("0-3,8"; "" for none); returns buf. */
char *util_cpulist_format(const cpu_set_t *set, char *buf, size_t len);

/* A growable argv, NULL-terminated. */
struct argv_buf {
	char **v;
	unsigned n, cap;
};
void argv_add(struct argv_buf *a, const char *s);
void argv_addf(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void argv_free(struct argv_buf *a);
/* The guest's command line: "workload=W k=v ..." (params are "k=v"). */
char *guest_cmdline_join(const char *workload, const struct argv_buf *params);

#endif
