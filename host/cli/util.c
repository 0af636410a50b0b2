// SPDX-License-Identifier: MIT
/* util.c - host-side helpers (see util.h). */
#include "cli/util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

#ifndef IRQLBENCH_VERSION
#define IRQLBENCH_VERSION "unknown"
#endif

const char *util_suite_version(void)
{
	return IRQLBENCH_VERSION[0] ? IRQLBENCH_VERSION : "unknown";
}

/*
 * klib's kprintf() ends in plat_puts().  The host command does not print
 * through kprintf, but catalog.c and klib.c are linked whole.  Weak, so
 * that the model's simulated platform (host/model/) can bring its own.
 */
__attribute__((weak)) void plat_puts(const char *s)
{
	fputs(s, stderr);
}

static void out_of_memory(void)
{
	fputs("irqlbench: out of memory\n", stderr);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		out_of_memory();
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	return s;
}

int util_verr(char *err, size_t errlen, int status, const char *fmt, va_list ap)
{
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	return status;
}

int util_err(char *err, size_t errlen, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_verr(err, errlen, status, fmt, ap);
	va_end(ap);
	return status;
}

char *util_read_file(const char *path, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf;
	/* O_NONBLOCK: a FIFO nobody writes to would block open() for good;
	 * once open, reads block again, and one with no writer ends at once
	 * (EOF): such a FIFO reads as empty */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), fl;

	if (fd < 0)
		return NULL;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= max) {
				free(buf);
				close(fd);
				errno = EFBIG;
				return NULL;
			}
			cap = cap * 2 > max ? max : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

char *util_read_line(const char *path)
{
	char *s = util_read_file(path, 1 << 16, NULL);

	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

const char *util_not_regular(const char *path)
{
	struct stat st;

	if (lstat(path, &st) || S_ISREG(st.st_mode))
		return NULL;
	if (S_ISDIR(st.st_mode))
		return "a directory";
	if (S_ISLNK(st.st_mode))
		return "a symbolic link";
	if (S_ISCHR(st.st_mode))
		return "a character device";
	if (S_ISBLK(st.st_mode))
		return "a block device";
	if (S_ISFIFO(st.st_mode))
		return "a FIFO";
	if (S_ISSOCK(st.st_mode))
		return "a socket";
	return "not a regular file";
}

/* The temporary file: created anew, never through a symbolic link.  One
 * left by a killed process that had our pid is ours to replace. */
static int open_temp(const char *tmp)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = open(tmp, flags, 0644);

	if (fd < 0 && errno == EEXIST && !unlink(tmp))
		fd = open(tmp, flags, 0644);
	return fd;
}

int util_write_atomic(const char *path, const void *data, size_t len)
{
	struct stat st;
	char *tmp;
	int fd, e;

	/* rename() would replace a device, a FIFO or a symbolic link by a
	 * regular file (and fail on a directory): refuse them all */
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EEXIST;
		return -1;
	}
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open_temp(tmp);
	if (fd < 0)
		goto fail_free;
	if (write_all(fd, data, len) || fsync(fd)) {
		e = errno;
		close(fd);
		errno = e;
		goto fail_unlink;
	}
	if (close(fd) || rename(tmp, path))
		goto fail_unlink;
	free(tmp);
	return 0;
fail_unlink:
	e = errno;
	unlink(tmp);
	errno = e;
fail_free:
	e = errno;
	free(tmp);
	errno = e;
	return -1;
}

int util_mkdir_own(const char *path)
{
	struct stat st;

	if (util_mkdir_p(path))
		return -1;
	if (lstat(path, &st) || S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		return -1;
	}
	return 0;
}

int util_mkdir_p(const char *path)
{
	return util_mkdir_made(path, NULL);
}

int util_mkdir_made(const char *path, struct argv_buf *made)
{
	struct argv_buf mine = { 0 };
	char *p = xstrdup(path);
	int ret = 0;

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;

		*s = 0;
		if (!mkdir(p, 0755))
			argv_add(&mine, p);
		else if (errno != EEXIST) {
			ret = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (!ret) {
		struct stat st;

		if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			ret = -1;
		}
	}
	int e = errno;

	for (unsigned i = 0; !ret && made && i < mine.n; i++)
		argv_add(made, mine.v[i]);
	if (ret)
		util_rmdir_made(&mine);
	argv_free(&mine);
	free(p);
	errno = e;
	return ret;
}

void util_rmdir_made(struct argv_buf *made)
{
	for (unsigned i = made->n; i-- > 0;)
		rmdir(made->v[i]);
	argv_free(made);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int util_rm_rf(const char *path)
{
	if (!path || access(path, F_OK))
		return 0;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *util_tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

char *util_tmpfile(const char *name)
{
	char *path = xasprintf("%s/irqlbench-%s.XXXXXX", util_tmp_dir(), name);
	int fd = mkstemp(path), e = errno;

	if (fd < 0) {
		free(path);
		errno = e;
		return NULL;
	}
	close(fd);
	return path;
}

char *util_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	char *d = xmalloc((size_t)(slash - path) + 1);

	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = 0;
	return d;
}

char *util_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return xstrdup(slash ? slash + 1 : path);
}

char *util_exe_dir_up(int levels)
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

char *util_installed_file(const char *dir, const char *name)
{
	char *prefix = util_exe_dir_up(2), *p;

	if (!prefix)
		return NULL;
	p = xasprintf("%s/%s/irqlbench/%s", prefix, dir, name);
	free(prefix);
	if (!access(p, R_OK))
		return p;
	free(p);
	return NULL;
}

double util_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

unsigned util_random24(void)
{
	unsigned rnd = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &rnd, sizeof(rnd)) != sizeof(rnd))
		rnd = (unsigned)getpid() * 2654435761u ^ (unsigned)(util_now() * 1e6);
	if (fd >= 0)
		close(fd);
	return rnd & 0xffffff;
}

static void utc_format(double t, const char *fmt, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, fmt, &tm);
}

void util_utc_iso(double t, char *buf, size_t len)
{
	utc_format(t, "%Y-%m-%dT%H:%M:%SZ", buf, len);
}

void util_utc_compact(double t, char *buf, size_t len)
{
	utc_format(t, "%Y%m%dT%H%M%SZ", buf, len);
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn)) spawn_child(char *const argv[], const char *out_path,
						   pid_t parent, int report_fd)
{
	sigset_t none;
	int fd, e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* the parent may be gone already: then no signal will come */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(127);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		goto fail;
	fd = open(out_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(1, 2) < 0)
		goto fail;
	execv(argv[0], argv);
fail:
	e = errno;
	if (write(report_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

pid_t util_spawn_tied(char *const argv[], const char *out_path)
{
	pid_t parent = getpid(), pid;
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0)
		spawn_child(argv, out_path, parent, pfd[1]);
	return util_spawn_exec_status(pid, pfd);
}

pid_t util_spawn_exec_status(pid_t pid, int pfd[2])
{
	int e = errno;
	ssize_t n;

	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		errno = e;
		return -1;
	}
	/* the pipe closes at the exec, or brings the errno of what failed */
	while ((n = read(pfd[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	if (n == sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = e;
		return -1;
	}
	return pid;
}

static bool shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_./=:,+@%", *s))
			return false;
	return true;
}

char *util_shell_join(char *const argv[])
{
	size_t cap = 256, n = 0;
	char *out = xmalloc(cap);

	out[0] = 0;
	for (unsigned i = 0; argv[i]; i++) {
		const char *a = argv[i];
		size_t need = n + 4 * strlen(a) + 4;

		if (need > cap) {
			cap = need * 2;
			out = xrealloc(out, cap);
		}
		if (i)
			out[n++] = ' ';
		if (shell_safe(a)) {
			n += (size_t)sprintf(out + n, "%s", a);
			continue;
		}
		out[n++] = '\'';
		for (; *a; a++) {
			if (*a == '\'') {
				memcpy(out + n, "'\\''", 4);
				n += 4;
			} else {
				out[n++] = *a;
			}
		}
		out[n++] = '\'';
		out[n] = 0;
	}
	return out;
}

char *util_file_field(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	char line[8192];
	size_t klen = strlen(key);
	char *val = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *colon;

		/* "model" is not "model name": the key, blanks, then the colon */
		if (strncmp(line, key, klen))
			continue;
		colon = line + klen + strspn(line + klen, " \t");
		if (*colon != ':')
			continue;
		colon++;
		colon += strspn(colon, " \t");
		colon[strcspn(colon, "\n")] = 0;
		val = xstrdup(colon);
		break;
	}
	fclose(f);
	return val;
}

char *util_cpuinfo_field(const char *key)
{
	return util_file_field("/proc/cpuinfo", key);
}

bool util_flag_listed(const char *flags, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *p = flags; p && *p; p += strcspn(p, " \t")) {
		p += strspn(p, " \t");
		if (!strncmp(p, flag, n) && (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
			return n > 0;
	}
	return false;
}

bool util_cpuinfo_has_flag(const char *flag)
{
	char *flags = util_cpuinfo_field("flags");
	bool found = util_flag_listed(flags, flag);

	free(flags);
	return found;
}

bool util_vendor_runs_kvm_amd(const char *vendor)
{
	return vendor && (!strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine"));
}

/* --- Linux CPU lists ("0-3,8") ------------------------------------------------ */

char *util_cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t off = 0;
	int i = 0;

	buf[0] = '\0';
	while (i < CPU_SETSIZE) {
		int j;

		if (!CPU_ISSET(i, set)) {
			i++;
			continue;
		}
		for (j = i; j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, set); j++)
			;
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%d", off ? "," : "", i);
		if (j > i && off < len)
			off += snprintf(buf + off, len - off, "%s%d", j == i + 1 ? "," : "-", j);
		i = j + 1;
	}
	return buf;
}

/* Parses one decimal CPU number; *pp advances past it. */
static int parse_cpu(const char **pp, unsigned *cpu)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v >= CPU_SETSIZE)
			return -2;
		p++;
	}
	*cpu = (unsigned)v;
	*pp = p;
	return 0;
}

int util_cpulist_parse(const char *list, cpu_set_t *set, unsigned *order,
		       unsigned maxorder, unsigned *norder, char *err, size_t errlen)
{
	const char *p = list;
	unsigned n = 0;

	CPU_ZERO(set);
	if (!list || !*list)
		return util_err(err, errlen, -1, "empty CPU list: give CPUs like 2,3 or 4-7");
	for (;;) {
		unsigned a, b, c;
		int rc = parse_cpu(&p, &a);

		if (rc)
			goto bad;
		b = a;
		if (*p == '-') {
			p++;
			rc = parse_cpu(&p, &b);
			if (rc)
				goto bad;
			if (b < a)
				return util_err(err, errlen, -1, "bad CPU list '%s': range %u-%u goes backwards", list, a, b);
		}
		for (c = a; c <= b; c++) {
			if (CPU_ISSET(c, set))
				return util_err(err, errlen, -1, "bad CPU list '%s': CPU %u is listed twice", list, c);
			CPU_SET(c, set);
			if (order && n < maxorder)
				order[n] = c;
			n++;
		}
		if (*p == '\0')
			break;
		if (*p != ',')
			goto bad;
		p++;
	}
	if (norder)
		*norder = n;
	return 0;
bad:
	if (*p && (*p < '0' || *p > '9'))
		return util_err(err, errlen, -1, "bad CPU list '%s': unexpected '%c' at position %zu (use e.g. 2,3 or 4-7)",
			    list, *p, (size_t)(p - list) + 1);
	if (*p)
		return util_err(err, errlen, -1, "bad CPU list '%s': CPU number too large (limit %d)", list, CPU_SETSIZE - 1);
	return util_err(err, errlen, -1, "bad CPU list '%s': ends where a CPU number should be (use e.g. 2,3 or 4-7)", list);
}

void argv_add(struct argv_buf *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

void argv_addf(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	va_end(ap);
	argv_add(a, s);
	free(s);
}

void argv_free(struct argv_buf *a)
{
	for (unsigned i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

char *guest_cmdline_join(const char *workload, const struct argv_buf *params)
{
	size_t len = strlen(workload) + 16;
	char *s;

	for (unsigned i = 0; i < params->n; i++)
		len += strlen(params->v[i]) + 1;
	s = xmalloc(len);
	snprintf(s, len, "workload=%s", workload);
	for (unsigned i = 0; i < params->n; i++) {
		strcat(s, " ");
		strcat(s, params->v[i]);
	}
	return s;
}

char *util_find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *save, *dir, *found = NULL;

	if (strchr(name, '/'))
		return access(name, X_OK) ? NULL : realpath(name, NULL);
	copy = xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *dir ? dir : ".", name);

		if (!access(p, X_OK))
			found = realpath(p, NULL);
		free(p);
	}
	free(copy);
	return found;
}
