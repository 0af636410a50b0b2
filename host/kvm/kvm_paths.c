// SPDX-License-Identifier: MIT
/* Finding and running the shell parts of `irqlbench kvm` and `irqlbench lab`. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm/labcmds.h"
#include "util.h"

extern char **environ;

static char *exe_dir_up(int levels)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *p;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	while (levels-- > 0) {
		p = strrchr(buf, '/');
		if (!p || p == buf)
			return NULL;
		*p = '\0';
	}
	return xstrdup(buf);
}

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
	r = exe_dir_up(3);
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
	b = exe_dir_up(2);	/* BUILD/bin/irqlbench */
	if (b) {
		char *probe = xasprintf("%s/bin", b);
		int ok = access(probe, F_OK) == 0;

		free(probe);
		if (ok)
			return b;
		free(b);
	}
	root = labcmd_root();
	b = xasprintf("%s/build", root);
	free(root);
	return b;
}

int labcmd_run_script(const char *rel, char *const args[], const char *out_path)
{
	struct argv_buf a = { 0 };
	posix_spawn_file_actions_t fa;
	char *root = labcmd_root(), *build = labcmd_build_dir();
	pid_t pid;
	int r, st = 0;

	argv_addf(&a, "%s/%s", root, rel);
	for (; args && *args; args++)
		argv_add(&a, *args);
	setenv("IRQLBENCH_BUILD", build, 1);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_path)
		posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	r = posix_spawn(&pid, a.v[0], &fa, NULL, a.v, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r) {
		fprintf(stderr, "irqlbench: error: cannot run %s: %s; is the source tree complete?\n",
			a.v[0], strerror(r));
		st = 3;
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	argv_free(&a);
	free(root);
	free(build);
	return st;
}
