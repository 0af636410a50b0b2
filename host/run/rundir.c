// SPDX-License-Identifier: MIT
/*
 * rundir.c - the run's private folder, $TMPDIR/irqlbench-qmp.<pid>.XXXXXX:
 * QEMU's QMP socket for pinning, and the links that make a path with a
 * space or comma safe for QEMU's command line.  Removed when the run ends,
 * or by the next run if irqlbench was SIGKILLed.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pin/pin_run.h"
#include "run/run.h"

#define QMP_DIR_PREFIX "irqlbench-qmp."

/*
 * Pinning needs QEMU paused (-S) with a QMP socket, so that the vCPU
 * threads are pinned before the guest runs.  The socket lives in a private
 * folder (socket paths are limited to 108 bytes; the record's folder may be
 * deeper), $TMPDIR/irqlbench-qmp.<pid>.XXXXXX: the run removes it, and a
 * later run the one a SIGKILLed irqlbench left (run_remove_stale_tmp).
 * Without it the pinning hook leaves the run unpinned.
 */
static const char *run_tmp_dir(struct run_ctx *ctx)
{
	char *dir;

	if (ctx->qmp_dir)
		return ctx->qmp_dir;
	dir = xasprintf("%s/" QMP_DIR_PREFIX "%ld.XXXXXX", util_tmp_dir(), (long)getpid());
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	ctx->qmp_dir = dir;
	return dir;
}

void run_pin_args(struct run_ctx *ctx, struct argv_buf *args)
{
	const char *a[3], *dir;
	char sock[PATH_MAX + 40];

	if ((ctx->no_pin && !ctx->start_paused) || strcmp(ctx->launcher->name, "direct"))
		return;
	dir = run_tmp_dir(ctx);
	if (!dir || strlen(dir) > 80)
		return;
	pin_qemu_args(dir, sock, sizeof(sock), a);
	for (unsigned i = 0; i < 3; i++)
		argv_add(args, a[i]);
}

/* The names a run may create in its private folder. */
static const char *const run_tmp_names[] = { "qmp.sock", "guest.elf", "script", NULL };

static void remove_qmp_dir(const char *dir)
{
	for (const char *const *n = run_tmp_names; *n; n++) {
		char *f = xasprintf("%s/%s", dir, *n);

		unlink(f);
		free(f);
	}
	rmdir(dir);
}

/*
 * QEMU gives a multiboot guest "-kernel PATH" and the -append text as one
 * command line split at spaces, splits -initrd at commas into modules, and
 * each module's path from its arguments at spaces: a guest or script path
 * with a space or comma reaches QEMU as a symbolic link in the run's private
 * folder (name: guest.elf or script).  Returns a string to free.
 */
char *run_qemu_safe_path(struct run_ctx *ctx, const char *path, const char *name)
{
	char *abs, *link = NULL;
	const char *dir;

	if (!strpbrk(path, " \t,"))
		return xstrdup(path);
	dir = run_tmp_dir(ctx);
	abs = realpath(path, NULL);
	if (dir && abs && !strpbrk(dir, " \t,")) {
		link = xasprintf("%s/%s", dir, name);
		unlink(link);
		if (symlink(abs, link)) {
			free(link);
			link = NULL;
		}
	}
	free(abs);
	return link ? link : xstrdup(path);
}

void run_tmp_cleanup(struct run_ctx *ctx)
{
	if (!ctx->qmp_dir)
		return;
	remove_qmp_dir(ctx->qmp_dir);
	free(ctx->qmp_dir);
	ctx->qmp_dir = NULL;
}

/* The QMP folders of our user whose irqlbench no longer runs. */
void run_remove_stale_tmp(void)
{
	DIR *d = opendir(util_tmp_dir());
	struct dirent *e;

	while (d && (e = readdir(d))) {
		struct stat st;
		long pid;
		int n = 0;
		char *path;

		if (sscanf(e->d_name, QMP_DIR_PREFIX "%ld.%n", &pid, &n) != 1 || !n || pid <= 0 ||
		    !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		path = xasprintf("%s/%s", util_tmp_dir(), e->d_name);
		if (!lstat(path, &st) && S_ISDIR(st.st_mode) && st.st_uid == getuid())
			remove_qmp_dir(path);
		free(path);
	}
	if (d)
		closedir(d);
}

