// SPDX-License-Identifier: MIT
/* Finding and running the shell parts of `irqlbench kvm` and `irqlbench lab`. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "kvm/kvm_paths.h"
#include "cli/util.h"

extern char **environ;

static int has_script(const char *root)
{
	char *p = xasprintf("%s/host/kvm/build-variant.sh", root);
	int ok = access(p, X_OK) == 0;

	free(p);
	return ok;
}

char *labcmd_root(void)
{
	const char *env = getenv("IRQLBENCH_ROOT");
	char *r;
	char cwd[PATH_MAX];

	if (env && *env)
		return xstrdup(env);
	/* ROOT/build/bin/irqlbench, or ROOT/build/trace/... */
	r = util_exe_dir_up(3);
	if (r && has_script(r))
		return r;
	free(r);
	if (getcwd(cwd, sizeof(cwd)) && has_script(cwd))
		return xstrdup(cwd);
	return xstrdup(".");
}

char *labcmd_build_dir(void)
{
	const char *env = getenv("IRQLBENCH_BUILD");
	char *root, *b;

	if (env && *env)
		return xstrdup(env);
	b = util_exe_dir_up(2);	/* BUILD/bin/irqlbench */
	if (b) {
		char *probe = xasprintf("%s/bin", b), *installed;
		int ok = access(probe, F_OK) == 0;

		/* an installed PREFIX/bin/irqlbench builds in the tree's build/ */
		installed = util_installed_file("lib", "irqlbench-guest.elf");
		free(probe);
		if (ok && !installed)
			return b;
		free(installed);
		free(b);
	}
	root = labcmd_root();
	b = xasprintf("%s/build", root);
	free(root);
	return b;
}

/*
 * The guard of a script's process group: a child of irqlbench that waits for
 * EOF on a pipe whose only write end irqlbench holds, then SIGKILLs the
 * group.  EOF comes when irqlbench closes it after the script ended, or when
 * irqlbench dies in any way, SIGKILL included: the kernel closes the pipe
 * then, so no script, L1 QEMU or module build outlives irqlbench.  It
 * ignores the terminal's signals, so that a Ctrl-C that kills irqlbench
 * does not kill the guard first.  Returns its pid, or -1.
 */
static pid_t spawn_group_guard(pid_t pgid, int rfd, int wfd)
{
	pid_t g = fork();

	if (g == 0) {
		char c;

		close(wfd);
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		while (read(rfd, &c, 1) != 0 && (errno == EINTR || errno == EAGAIN))
			;
		kill(-pgid, SIGKILL);
		_exit(0);
	}
	return g;
}

int labcmd_run_script(const char *rel, char *const args[], const char *out_path)
{
	struct argv_buf a = { 0 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *root = labcmd_root(), *build = labcmd_build_dir();
	pid_t pid, guard = -1;
	siginfo_t si;
	int r, st = 0, pfd[2] = { -1, -1 };

	argv_addf(&a, "%s/%s", root, rel);
	for (; args && *args; args++)
		argv_add(&a, *args);
	setenv("IRQLBENCH_BUILD", build, 1);
	if (pipe2(pfd, O_CLOEXEC)) {
		fprintf(stderr, "irqlbench: error: pipe: %s\n", strerror(errno));
		st = 3;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_path)
		posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	/* the script and all it starts in a process group of their own */
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	r = posix_spawn(&pid, a.v[0], &fa, &attr, a.v, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r) {
		fprintf(stderr, "irqlbench: error: cannot run %s: %s; is the source tree complete?\n",
			a.v[0], strerror(r));
		st = 3;
		goto out;
	}
	guard = spawn_group_guard(pid, pfd[0], pfd[1]);
	close(pfd[0]);
	pfd[0] = -1;
	if (guard < 0)
		fprintf(stderr, "irqlbench: warning: fork: %s: the script's processes would outlive a killed irqlbench\n",
			strerror(errno));
	/* wait for the script without reaping it: while it is a zombie its
	 * group id cannot be reused, so the guard's kill hits only its group */
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	close(pfd[1]);		/* the guard kills what the script left behind */
	pfd[1] = -1;
	if (guard > 0)
		while (waitpid(guard, NULL, 0) < 0 && errno == EINTR)
			;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	argv_free(&a);
	free(root);
	free(build);
	return st;
}

int kvm_check_kernel_options(const char *cmd, const char *kernel, const char *image,
			     const char *modules)
{
	if ((image || modules) && (!image || !modules || kernel))
		return cli_usage_error(cmd, "give --kernel, or --kernel-image with --modules (the image you built and its lib/modules/<release>)");
	return 0;
}

void lab_variant_dir(const char *variant, char *buf, size_t len)
{
	if (!strncmp(variant, "patch=", 6)) {
		const char *b = strrchr(variant + 6, '/');

		snprintf(buf, len, "patch:%s", b ? b + 1 : variant + 6);
	} else {
		snprintf(buf, len, "%s", variant);
	}
	for (char *c = buf; *c; c++)
		if (*c == '/' || *c == ':')
			*c = '_';
}
