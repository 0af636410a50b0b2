// SPDX-License-Identifier: MIT
/*
 * cmd_image.c - `irqlbench image --out FILE.iso`: a bootable CD image for
 * any hypervisor.  GRUB (Debian's grub-pc-bin for BIOS, grub-efi-amd64-bin
 * for UEFI, put together by grub-mkrescue with xorriso and mtools) boots the
 * multiboot guest with a list of jobs on its command line: the entries of a
 * suite group of workloads/suites.cfg and/or one --workload, each --repeat
 * times, one job after the other in one boot (results/SERIAL.md, "Job
 * lists").  The guest prints each job's report on the serial port and, on a
 * BIOS machine, on the VGA text screen (console=vga), then powers off
 * (isa-debug-exit under QEMU, else ACPI S5, else it halts saying so).
 * `irqlbench results import --serial LOG` turns the captured serial log into
 * records.
 *
 * The ISO holds irqlbench/IMAGE.txt: the irqlbench version, the suite, the
 * jobs, and the exact GRUB command lines.  It is written to a temporary file
 * in --out's folder and renamed into place: a failed or interrupted build
 * never leaves a half image at --out, nor its staging folder (a stop
 * signal kills grub-mkrescue's process group and exits 128 + the signal).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog.h"
#include "cli/cli.h"
#include "cli/stopsig.h"
#include "cli/util.h"
#include "run/run.h"
#include "suite/suite.h"

#define IMAGE_CMDLINE_MAX	4000	/* the guest keeps 4096 bytes (multiboot.c) */
#define IMAGE_GUEST_PATH	"/boot/irqlbench/" GUEST_FILE_NAME
#define IMAGE_INFO_SCHEMA	"irqlbench-image/1"

struct image_args {
	const char *out, *suite, *workload, *guest;
	struct argv_buf params;
	unsigned repeat;
	uint64_t iterations;
	bool no_probe;
};

/* --suite and --workload name the jobs: a second one would silently
 * replace the first. */
static int set_once(const struct cli_option *o, void *at, const char *val, const char *cmd)
{
	const char **v = at;

	if (*v)
		return cli_usage_error(cmd, "--%s given twice (%s, then %s): give one --%s", o->name, *v,
				       val, o->name);
	*v = val;
	return 0;
}

static const struct cli_option image_opts[] = {
	{ CLI_STRING('o', "out", struct image_args, out, "FILE.iso",
		     "the image to write (its folder must exist)") },
	{ CLI_CALLBACK_AT('s', "suite", struct image_args, suite, "GROUP", set_once,
			  "the entries of this group of workloads/suites.cfg\n"
			  "(irqlbench list --suites --group GROUP)") },
	{ CLI_CALLBACK_AT('w', "workload", struct image_args, workload, "W", set_once,
			  "a job of workload W (after the suite's, if any)") },
	{ CLI_LIST('p', "param", struct image_args, params, "K=V",
		   "a parameter of --workload's job") },
	{ CLI_UINT(0, "repeat", struct image_args, repeat, "N", 1, REPEAT_MAX,
		   "run each job N times (default 1)") },
	{ CLI_U64(0, "iterations", struct image_args, iterations, "N", 1, 100000000,
		  "iterations of every job (default: the workload's); each\n"
		  "workload's range (irqlbench list W) holds: at most 10000000,\n"
		  "irql-churn's 100000000") },
	{ CLI_FLAG(0, "no-probe", struct image_args, no_probe,
		   "do not time the CR8 writes (probe=0; default probe=1:\n"
		   "the guest estimates the hypervisor's exits)") },
	{ CLI_STRING(0, "guest", struct image_args, guest, "FILE",
		     "the guest image (default: the one built beside irqlbench)") },
	{ CLI_END },
};

const struct cli_spec cmd_image_spec = {
	.name = "image",
	.usage = "--out FILE.iso (--suite GROUP | --workload W [--param K=V ...]) [--repeat N]\n"
		 "  [--iterations N] [--no-probe] [--guest FILE]",
	.description =
	"Writes a bootable CD image (BIOS and UEFI GRUB, from Debian's grub-pc-bin and\n"
	"grub-efi-amd64-bin with xorriso and mtools) that runs a suite in one boot on\n"
	"any hypervisor: attach it to a VM on Hyper-V, VMware, Xen, Proxmox or a cloud\n"
	"instance, capture the serial port (COM1, 115200 8N1) and import the log with\n"
	"'irqlbench results import --serial LOG'.  The jobs are the entries of the\n"
	"suite group (those that need more than one vCPU or a script are left out,\n"
	"saying so) and the --workload's, each --repeat times; they run one after the\n"
	"other on the first CPU, each with its own report (results/SERIAL.md, \"Job\n"
	"lists\").  The guest prints on the serial port and, on a BIOS machine, on the\n"
	"screen, then powers off (ACPI S5; where that fails it halts saying so).\n"
	"irqlbench/IMAGE.txt in the image names the irqlbench version, the suite, the\n"
	"jobs and the GRUB command lines, which are printed too.  The image is written\n"
	"beside --out and renamed into place.\n",
	.epilog =
	"exit status: 0 written; 2 usage error (no --out, its folder does not exist,\n"
	"an unknown group, workload or parameter, a --param that is not one NAME=VALUE\n"
	"word, --workload script, a --guest that is no regular ELF file with a multiboot\n"
	"header, too many jobs); 3 environment (a missing package: grub-pc-bin,\n"
	"grub-efi-amd64-bin, xorriso, mtools; the image cannot be written;\n"
	"grub-mkrescue failed).\n",
	.options = image_opts,
};

/* --- the jobs ------------------------------------------------------------ */

struct image_jobs {
	struct argv_buf line;	/* each job's words, "workload=W k=v ..." */
	struct argv_buf name;	/* its suite entry, or its workload */
	struct argv_buf skipped;	/* "entry: why" */
};

/* The strings of a joined by single spaces (a caller frees it). */
static char *join_words(const struct argv_buf *a)
{
	size_t len = 1;
	char *s;

	for (unsigned i = 0; i < a->n; i++)
		len += strlen(a->v[i]) + 1;
	s = xmalloc(len);
	s[0] = 0;
	for (unsigned i = 0; i < a->n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, a->v[i]);
	}
	return s;
}

/* The words a job of workload w gets from the options: iterations (where
 * w has that parameter: dpc-storm and windows-mix run for a duration),
 * probe. */
static char *runner_words(const struct image_args *a, const struct wl_info *w)
{
	char it[40] = "";

	if (a->iterations && wl_find_param(w, "iterations"))
		snprintf(it, sizeof(it), " iterations=%llu", (unsigned long long)a->iterations);
	return xasprintf("%s probe=%d", it, a->no_probe ? 0 : 1);
}

/* A usage error (EXIT_USAGE) of one line: the "see --help" advice only
 * where the message names no fix of its own ("see 'irqlbench list'"). */
static int __attribute__((format(printf, 1, 2))) image_usage_error(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!strstr(msg, "see 'irqlbench "))
		return cli_usage_error("image", "%s", msg);
	fprintf(stderr, "irqlbench image: %s\n", msg);
	return EXIT_USAGE;
}

/* s as one printable line: a control character or a byte above 0x7e
 * shown as \xNN (a caller frees it). */
static char *shown(const char *s)
{
	char *out = xmalloc(4 * strlen(s) + 1), *o = out;

	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			o += sprintf(o, "\\x%02x", *c);
		else
			*o++ = (char)*c;
	*o = 0;
	return out;
}

/* A --param word: NAME=VALUE with the characters a parameter has (a
 * catalog name: a-z 0-9 _; a value: a number or true/false/on/off).  The
 * guest splits its command line at white space and starts a job at each
 * workload=, so any other character would be a word of its own. */
static bool param_word_ok(const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv || !eq[1])
		return false;
	for (const char *c = kv; c < eq; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return false;
	for (const char *c = eq + 1; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			return false;
	return true;
}

/* One job: its words checked as the guest will apply them (EXIT_USAGE). */
static int add_job(struct image_jobs *j, const char *name, const char *line, unsigned repeat)
{
	struct wl_values vals;
	char err[1024];

	if (suite_values_from_cmdline(line, &vals, err, sizeof(err)))
		return image_usage_error("job %s (%s): %s", name, line, err);
	for (unsigned r = 0; r < repeat; r++) {
		argv_add(&j->line, line);
		argv_add(&j->name, name);
	}
	return 0;
}

static int suite_jobs(const struct image_args *a, struct image_jobs *j, char **suite_path)
{
	char err[1024], *groups;
	int st = 0, rc = 0;
	struct suite *s;
	unsigned found = 0;

	*suite_path = suite_default_path();
	s = suite_load(*suite_path, &st, err, sizeof(err));
	if (!s)
		return cli_error(st, "%s", err);
	for (unsigned i = 0; i < s->n && !rc; i++) {
		const struct suite_entry *e = &s->e[i];
		char *params, *line, *rw;

		if (!suite_in_group(e, a->suite))
			continue;
		found++;
		if (e->vcpus > 1 || e->w->needs_script) {
			argv_addf(&j->skipped, "%s: %s", e->name, e->vcpus > 1 ?
				  "needs more than one vCPU; the image's jobs run on one CPU" :
				  "needs a scenario script");
			continue;
		}
		params = suite_entry_params(e);
		rw = runner_words(a, e->w);
		line = xasprintf("workload=%s%s%s%s", e->w->name, *params ? " " : "", params, rw);
		rc = add_job(j, e->name, line, a->repeat ? a->repeat : 1);
		free(rw);
		free(line);
		free(params);
	}
	if (!rc && !found) {
		groups = suite_groups(s);
		rc = cli_usage_error("image", "--suite %s: no entry of %s is in that group: use one of %s",
				     a->suite, s->path, groups);
		free(groups);
	}
	suite_free(s);
	return rc;
}

static int workload_job(const struct image_args *a, struct image_jobs *j)
{
	const struct wl_info *w = wl_find(a->workload);
	struct argv_buf words = { 0 };
	char *line, *rw;
	int rc;

	if (!w)
		return image_usage_error("unknown workload '%s': see 'irqlbench list'", a->workload);
	if (w->needs_script)
		return image_usage_error("--workload %s needs a scenario script, which the image cannot carry: give another --workload (see 'irqlbench list')",
					 a->workload);
	for (unsigned i = 0; i < a->params.n; i++) {
		if (!param_word_ok(a->params.v[i])) {
			char *p = shown(a->params.v[i]);

			rc = image_usage_error("--param wants one NAME=VALUE word (a-z, 0-9 and _ in the name; a number, true or false as the value), got '%s': give each parameter its own --param",
					       p);
			free(p);
			return rc;
		}
		if (!strncmp(a->params.v[i], "workload=", 9) || !strncmp(a->params.v[i], "repeat=", 7))
			return cli_usage_error("image", "--param %s: use --workload or --repeat",
					       a->params.v[i]);
	}
	/* the runner's words first: the job's own --param wins (the last word wins) */
	rw = runner_words(a, w);
	line = xasprintf("workload=%s%s", a->workload, rw);
	argv_add(&words, line);
	free(line);
	free(rw);
	for (unsigned i = 0; i < a->params.n; i++)
		argv_add(&words, a->params.v[i]);
	line = join_words(&words);
	argv_free(&words);
	rc = add_job(j, a->workload, line, a->repeat ? a->repeat : 1);
	free(line);
	return rc;
}

/* --- the environment ------------------------------------------------------ */

/* Each tool and platform folder grub-mkrescue needs, and its package. */
static int check_tools(char **mkrescue)
{
	static const struct { const char *what, *pkg; bool dir; } need[] = {
		{ "grub-mkrescue", "grub-common", false },
		{ "/usr/lib/grub/i386-pc", "grub-pc-bin", true },
		{ "/usr/lib/grub/x86_64-efi", "grub-efi-amd64-bin", true },
		{ "xorriso", "xorriso", false },
		{ "mformat", "mtools", false },
	};
	struct stat sb;

	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		char *p = need[i].dir ? NULL : util_find_in_path(need[i].what);
		bool ok = need[i].dir ? !stat(need[i].what, &sb) && S_ISDIR(sb.st_mode) : p != NULL;

		if (i == 0)
			*mkrescue = p;
		else
			free(p);
		if (!ok)
			return cli_error(EXIT_ENV, "image needs %s (%s): missing package %s: run host/install-deps.sh or apt-get install %s",
					 need[i].what, need[i].dir ? "GRUB's modules" : "a command",
					 need[i].pkg, need[i].pkg);
	}
	return 0;
}

/* --- the image ------------------------------------------------------------ */

/*
 * A stop signal (cli/stopsig.h) is blocked from the start of the command
 * to its end and looked for between the steps and while grub-mkrescue
 * runs: then grub-mkrescue's process group is killed and waited for
 * (xorriso included), the staging folder and the temporary image are
 * removed, and the command exits 128 + the signal.
 */

static int write_text(const char *path, const char *text)
{
	if (util_write_atomic(path, text, strlen(text)))
		return cli_error(EXIT_ENV, "cannot write %s: %s: check the space in %s", path,
				 strerror(errno), util_tmp_dir());
	return 0;
}

/* --- the guest -------------------------------------------------------------- */

#define GUEST_MAX		(64u << 20)
#define MULTIBOOT_MAGIC		0x1BADB002u
#define MULTIBOOT_SEARCH	8192	/* the header is in the first 8 KiB, 4-byte aligned */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Why data is not a multiboot ELF (NULL if it is one). */
static const char *not_multiboot(const unsigned char *data, size_t len)
{
	if (len < 4 || memcmp(data, "\x7f" "ELF", 4))
		return "not an ELF file";
	for (size_t off = 0; off + 12 <= len && off < MULTIBOOT_SEARCH; off += 4)
		if (le32(data + off) == MULTIBOOT_MAGIC &&
		    (uint32_t)(le32(data + off) + le32(data + off + 4) + le32(data + off + 8)) == 0)
			return NULL;
	return "an ELF file without a multiboot header";
}

/*
 * The guest image, read whole into *data: a regular file (a FIFO, device
 * or folder is refused before it is opened, so nothing blocks) that is an
 * ELF with a multiboot header.  What is checked is what is packed.  Bad:
 * EXIT_USAGE for --guest, EXIT_ENV for the default one (run make).
 */
static int load_guest(const char *path, bool given, char **data, size_t *len)
{
	const char *fix = given ? "give another --guest (the irqlbench guest, build/guest/" GUEST_FILE_NAME ")" :
			  "run make";
	int st = given ? EXIT_USAGE : EXIT_ENV, fd = -1, e;
	const char *why = NULL;
	struct stat sb, fsb;
	ssize_t n;
	char *p;

	*data = NULL;
	if (stat(path, &sb))
		return cli_error(st, "cannot read the guest image %s: %s: %s", path, strerror(errno), fix);
	if (!S_ISREG(sb.st_mode))
		why = S_ISDIR(sb.st_mode) ? "a directory" : S_ISFIFO(sb.st_mode) ? "a FIFO" :
		      S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device" : "not a regular file";
	else if (sb.st_size > GUEST_MAX)
		why = "larger than 64 MiB";
	if (why)
		return cli_error(st, "the guest image %s is %s: %s", path, why, fix);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &fsb) || !S_ISREG(fsb.st_mode) || fsb.st_size > GUEST_MAX) {
		e = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		return cli_error(st, "cannot read the guest image %s: %s: %s", path, strerror(e), fix);
	}
	p = xmalloc((size_t)fsb.st_size + 1);
	*len = 0;
	while ((size_t)fsb.st_size > *len &&
	       ((n = read(fd, p + *len, (size_t)fsb.st_size - *len)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			*len += (size_t)n;
	e = errno;
	close(fd);
	if (*len != (size_t)fsb.st_size) {
		free(p);
		return cli_error(st, "cannot read the guest image %s: %s: %s", path,
				 strerror(*len < (size_t)fsb.st_size && e ? e : EIO), fix);
	}
	why = not_multiboot((const unsigned char *)p, *len);
	if (why) {
		free(p);
		return cli_error(st, "the guest image %s is %s: %s", path, why, fix);
	}
	*data = p;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

/* rm -r of the staging folder (this command's mkdtemp: all in it is its,
 * grub-mkrescue's TMPDIR included); symbolic links are not followed. */
static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The last non-empty line of a file, for an error line ("" if none). */
static char *last_line(const char *path)
{
	size_t len;
	char *text = util_read_file(path, 1u << 20, &len), *end, *start, *line;

	if (!text)
		return xstrdup("");
	end = text + len;
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	*end = 0;
	start = strrchr(text, '\n');
	line = xstrdup(start ? start + 1 : text);
	free(text);
	return line;
}

/* The environment with TMPDIR=tmpdir (the array to free; its strings are
 * environ's but the one made). */
static char **env_with_tmpdir(const char *tmpdir, char **made)
{
	extern char **environ;
	unsigned n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xmalloc((n + 2) * sizeof(*env));
	for (unsigned i = 0; i < n; i++)
		if (strncmp(environ[i], "TMPDIR=", 7))
			env[k++] = environ[i];
	*made = xasprintf("TMPDIR=%s", tmpdir);
	env[k++] = *made;
	env[k] = NULL;
	return env;
}

/*
 * Starts argv[0] in a process group of its own (a stop signal kills the
 * whole group: xorriso too), the signal mask the command started with,
 * environment env, standard input /dev/null, output and errors to log.  It
 * dies with this process (PR_SET_PDEATHSIG).  The pid, or -1 with errno
 * (also when the exec failed).
 */
static pid_t spawn_group(char *const argv[], char *const env[], const char *log)
{
	pid_t parent = getpid(), pid;
	int pfd[2], e = 0, fd;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		/* async-signal-safe calls only */
		setpgid(0, 0);
		sigprocmask(SIG_SETMASK, stop_signals_entry_mask(), NULL);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0 && dup2(fd, 0) >= 0) {
			fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600);
			if (fd >= 0 && dup2(fd, 1) >= 0 && dup2(1, 2) >= 0)
				execve(argv[0], argv, env);
		}
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	if (pid > 0)
		setpgid(pid, pid);	/* the child's own call may come later: either makes the group */
	return util_spawn_exec_status(pid, pfd);
}

/* Waits for grub-mkrescue, or, on a stop signal, kills its process group
 * and reaps all of it (this command is the subreaper of the orphans, so
 * xorriso is waited for too, and writes nothing after this returns). */
static int wait_mkrescue(pid_t pid, int *wst)
{
	for (;;) {
		pid_t r = waitpid(pid, wst, WNOHANG);

		if (r == pid)
			return 0;
		if (stop_signals_wait())
			break;
	}
	kill(-pid, SIGKILL);
	while (waitpid(-pid, NULL, 0) > 0 || errno == EINTR)
		;
	return -1;
}

/* grub-mkrescue packs stage/iso into iso; its TMPDIR (its grub.* folders)
 * and its log are stage/tmp and stage/grub-mkrescue.log, outside the tree
 * it packs (which must not change) and removed with the staging folder. */
static int run_mkrescue(const char *mkrescue, const char *stage, const char *iso)
{
	char *tree = xasprintf("%s/iso", stage), *tmpdir = xasprintf("%s/tmp", stage);
	char *log = xasprintf("%s/grub-mkrescue.log", stage), *made, *why;
	char *argv[] = { (char *)mkrescue, "-o", (char *)iso, tree, "--", "-volid",
			 "IRQLBENCH", NULL };
	char **env = env_with_tmpdir(tmpdir, &made);
	int wst = 0, rc = 0;
	pid_t pid;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid = spawn_group(argv, env, log);
	if (pid < 0) {
		rc = cli_error(EXIT_ENV, "cannot start %s: %s: reinstall grub-common", mkrescue,
			       strerror(errno));
	} else if (wait_mkrescue(pid, &wst)) {
		rc = -1;	/* stopped: the caller says so */
	} else if (!WIFEXITED(wst) || WEXITSTATUS(wst)) {
		why = last_line(log);
		rc = cli_error(EXIT_ENV, "grub-mkrescue failed (%s): check grub-pc-bin, grub-efi-amd64-bin, xorriso and mtools, and the space in %s",
			       *why ? why : "no message", iso);
		free(why);
	}
	free(env);
	free(made);
	free(log);
	free(tmpdir);
	free(tree);
	return rc;
}

static char *grub_cfg(const char *cmdline, unsigned njobs, const char *title)
{
	return xasprintf(
		"# irqlbench %s: %s (%u jobs); see /irqlbench/IMAGE.txt\n"
		"set timeout=0\n"
		"set default=0\n"
		"menuentry \"irqlbench %s: %s\" {\n"
		"\tif [ \"$grub_platform\" = \"pc\" ]; then\n"
		"\t\tmultiboot %s console=vga %s\n"
		"\telse\n"
		"\t\tmultiboot %s %s\n"
		"\tfi\n"
		"\tboot\n"
		"}\n",
		util_suite_version(), title, njobs, util_suite_version(), title, IMAGE_GUEST_PATH,
		cmdline, IMAGE_GUEST_PATH, cmdline);
}

static char *image_info(const struct image_args *a, const struct image_jobs *j,
			const char *suite_path, const char *cmdline)
{
	char now[32];
	size_t len = 0, cap = 4096;
	char *t = xmalloc(cap);

#define ADD(...) do { \
	int n_ = snprintf(t + len, cap - len, __VA_ARGS__); \
	while ((size_t)n_ >= cap - len) { cap *= 2; t = xrealloc(t, cap); \
		n_ = snprintf(t + len, cap - len, __VA_ARGS__); } \
	len += (size_t)n_; } while (0)
	util_utc_iso(util_now(), now, sizeof(now));
	ADD("%s\nirqlbench: %s\ncreated_utc: %s\n", IMAGE_INFO_SCHEMA, util_suite_version(), now);
	ADD("suite: %s\nsuites_file: %s\n", a->suite ? a->suite : "-", suite_path ? suite_path : "-");
	ADD("workload: %s\nrepeat: %u\njobs: %u\n", a->workload ? a->workload : "-",
	    a->repeat ? a->repeat : 1, j->line.n);
	for (unsigned i = 0; i < j->line.n; i++)
		ADD("job %u: %s: %s\n", i + 1, j->name.v[i], j->line.v[i]);
	for (unsigned i = 0; i < j->skipped.n; i++)
		ADD("skipped: %s\n", j->skipped.v[i]);
	ADD("grub_bios: multiboot %s console=vga %s\n", IMAGE_GUEST_PATH, cmdline);
	ADD("grub_uefi: multiboot %s %s\n", IMAGE_GUEST_PATH, cmdline);
#undef ADD
	return t;
}

/* The files of the image's tree (stage/iso), written one after the other
 * until one fails or a stop signal comes. */
static int write_tree(const struct image_args *a, const struct image_jobs *j,
		      const char *suite_path, const char *cmdline, const char *guest,
		      size_t guest_len, const char *tree)
{
	static const char *const dirs[] = { "boot/grub", "boot/irqlbench", "irqlbench" };
	char *title = a->suite && a->workload ? xasprintf("%s + %s", a->suite, a->workload) :
		      xstrdup(a->suite ? a->suite : a->workload);
	char *p, *text;
	int rc = 0;

	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		p = xasprintf("%s/%s", tree, dirs[i]);
		util_mkdir_p(p);
		free(p);
	}
	p = xasprintf("%s/boot/grub/grub.cfg", tree);
	text = grub_cfg(cmdline, j->line.n, title);
	rc = write_text(p, text);
	free(text);
	free(p);
	if (!rc && !stop_signal()) {
		p = xasprintf("%s%s", tree, IMAGE_GUEST_PATH);
		if (util_write_atomic(p, guest, guest_len))
			rc = cli_error(EXIT_ENV, "cannot write %s: %s: check the space in %s", p,
				       strerror(errno), util_tmp_dir());
		free(p);
	}
	if (!rc && !stop_signal()) {
		p = xasprintf("%s/irqlbench/IMAGE.txt", tree);
		text = image_info(a, j, suite_path, cmdline);
		rc = write_text(p, text);
		free(text);
		free(p);
	}
	free(title);
	return rc;
}

/*
 * The staging folder $TMPDIR/irqlbench-image.XXXXXX holds the tree to pack
 * (iso/), grub-mkrescue's TMPDIR (tmp/) and its log; the image is written
 * to tmp (beside --out) and renamed into place.  Whatever ends the build (a
 * failure, a stop signal) removes the staging folder and the temporary
 * image; a stop signal is 128 + its number, said in one line.
 */
static int build_image(const struct image_args *a, const struct image_jobs *j,
		       const char *suite_path, const char *cmdline, const char *guest,
		       size_t guest_len, const char *tmp)
{
	char *stage = xasprintf("%s/irqlbench-image.XXXXXX", util_tmp_dir()), *tree, *tmpdir;
	char *mkrescue = NULL;
	int rc = check_tools(&mkrescue);
	bool placed = false;	/* at --out: a stop signal after it is too late */

	if (rc || stop_signal())
		goto out;
	if (!mkdtemp(stage)) {
		rc = cli_error(EXIT_ENV, "cannot create %s: %s: set TMPDIR to a writable folder",
			       stage, strerror(errno));
		goto out;
	}
	tree = xasprintf("%s/iso", stage);
	tmpdir = xasprintf("%s/tmp", stage);
	if (mkdir(tree, 0700) || mkdir(tmpdir, 0700))
		rc = cli_error(EXIT_ENV, "cannot create %s: %s: check the space in %s", tree,
			       strerror(errno), util_tmp_dir());
	if (!rc && !stop_signal())
		rc = write_tree(a, j, suite_path, cmdline, guest, guest_len, tree);
	if (!rc && !stop_signal())
		rc = run_mkrescue(mkrescue, stage, tmp);
	if (!rc && !stop_signal()) {
		placed = !rename(tmp, a->out);
		if (!placed)
			rc = cli_error(EXIT_ENV, "cannot write %s: %s: choose another --out", a->out,
				       strerror(errno));
	}
	if (!placed)
		unlink(tmp);
	remove_tree(stage);
	free(tmpdir);
	free(tree);
out:
	if (!placed && stop_signal())
		rc = cli_error(128 + stop_signal(), "image: stopped by %s: nothing written, the temporary files removed",
			       stop_signal_name(stop_signal()));
	free(mkrescue);
	free(stage);
	return rc;
}

/* --- the command ----------------------------------------------------------- */

/*
 * --out, checked before any work: a printable path of a new regular file in
 * a folder that exists, whose temporary name (*tmp, beside it) fits the
 * folder's NAME_MAX and can be created there (it is created and removed: as
 * root, access() says yes to /proc).
 */
static int check_out(const char *out, char **tmp)
{
	char *dir = util_dirname(out), *shown_out;
	const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out, *why;
	long name_max;
	struct stat sb;
	int rc = 0, fd = -1;

	*tmp = NULL;
	for (const unsigned char *c = (const unsigned char *)out; *c; c++)
		if (*c < 0x20 || *c == 0x7f) {
			shown_out = shown(out);
			rc = cli_usage_error("image", "--out %s holds a control character: give a path without one",
					     shown_out);
			free(shown_out);
			goto out;
		}
	why = util_not_regular(out);
	if (why) {
		rc = cli_usage_error("image", "--out %s is %s: the image is written as a new regular file; give a file path",
				     out, why);
		goto out;
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		rc = cli_usage_error("image", "--out %s names no file: give a file path", out);
		goto out;
	}
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
		rc = cli_usage_error("image", "--out %s: the folder %s does not exist: create it, or give a path in a folder",
				     out, dir);
		goto out;
	}
	*tmp = xasprintf("%s/.%s.tmp.%d", dir, base, (int)getpid());
	errno = 0;
	name_max = pathconf(dir, _PC_NAME_MAX);
	if (name_max <= 0)
		name_max = NAME_MAX;
	if (strlen(strrchr(*tmp, '/') + 1) > (size_t)name_max) {
		rc = cli_usage_error("image", "--out: its name of %zu bytes and the temporary name beside it (.NAME.tmp.PID) are over the folder's limit of %ld bytes: choose a shorter --out name",
				     strlen(base), name_max);
		goto out;
	}
	if (access(dir, W_OK | X_OK)) {
		rc = cli_error(EXIT_ENV, "cannot write into %s: %s: choose another --out", dir,
			       strerror(errno));
		goto out;
	}
	/* one left by a killed process that had this pid is ours to replace */
	for (int i = 0; i < 2 && fd < 0; i++) {
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && (errno != EEXIST || i || unlink(*tmp)))
			break;
	}
	if (fd < 0 && errno == ENAMETOOLONG)
		rc = cli_usage_error("image", "--out %s: the path or the temporary name beside it is too long: choose a shorter --out name",
				     out);
	else if (fd < 0)
		rc = cli_error(EXIT_ENV, "cannot write into %s: %s: choose another --out", dir,
			       strerror(errno));
	if (fd >= 0) {
		close(fd);
		unlink(*tmp);
	}
out:
	if (rc) {
		free(*tmp);
		*tmp = NULL;
	}
	free(dir);
	return rc;
}

int cmd_image(int argc, char **argv)
{
	struct image_args a = { 0 };
	struct image_jobs j = { 0 };
	struct run_opts ro = { 0 };
	char *suite_path = NULL, *jobs_line, *cmdline = NULL, *guest_path = NULL, *guest = NULL;
	char *tmp_path = NULL;
	size_t guest_len = 0;
	int n, rc;

	rc = cli_parse(&cmd_image_spec, argc, argv, &a, &n);
	if (rc)
		return rc == CLI_HELP ? EXIT_OK : rc;
	if (!a.out)
		return cli_usage_error("image", "give --out FILE.iso");
	if (!a.suite && !a.workload)
		return cli_usage_error("image", "give --suite GROUP or --workload W (or both)");
	if (a.params.n && !a.workload)
		return cli_usage_error("image", "--param sets a parameter of --workload's job: give --workload");
	stop_signals_block();
	rc = check_out(a.out, &tmp_path);
	if (rc)
		goto out;
	if (a.suite)
		rc = suite_jobs(&a, &j, &suite_path);
	if (!rc && a.workload)
		rc = workload_job(&a, &j);
	if (rc)
		goto out;
	if (!j.line.n) {
		rc = cli_usage_error("image", "--suite %s: every entry was left out (%s): give --workload",
				     a.suite, j.skipped.n ? j.skipped.v[0] : "none");
		goto out;
	}
	if (j.line.n > REPEAT_MAX) {
		rc = cli_usage_error("image", "%u jobs: a boot runs at most %u: choose a smaller --repeat or group",
				     j.line.n, REPEAT_MAX);
		goto out;
	}
	jobs_line = join_words(&j.line);
	/* image=VERSION: the guest prints it, so the log names the ISO it came from */
	cmdline = xasprintf("image=%s %s", util_suite_version(), jobs_line);
	free(jobs_line);
	if (strlen(cmdline) > IMAGE_CMDLINE_MAX) {
		rc = cli_usage_error("image", "the jobs' command line is %zu bytes, over the guest's %u: choose fewer jobs or --param words",
				     strlen(cmdline), IMAGE_CMDLINE_MAX);
		goto out;
	}
	ro.guest = a.guest;
	guest_path = run_guest_image(&ro);
	rc = load_guest(guest_path, a.guest != NULL, &guest, &guest_len);
	if (rc)
		goto out;
	for (unsigned i = 0; i < j.skipped.n; i++)
		fprintf(stderr, "irqlbench: image: left out %s\n", j.skipped.v[i]);
	rc = build_image(&a, &j, suite_path, cmdline, guest, guest_len, tmp_path);
	if (rc)
		goto out;
	printf("%s\n", a.out);
	fprintf(stderr, "irqlbench: image %s: %u jobs (%s); irqlbench %s\n", a.out, j.line.n,
		a.suite ? a.suite : a.workload, util_suite_version());
	fprintf(stderr, "irqlbench: grub (BIOS): multiboot %s console=vga %s\n", IMAGE_GUEST_PATH,
		cmdline);
	fprintf(stderr, "irqlbench: grub (UEFI): multiboot %s %s\n", IMAGE_GUEST_PATH, cmdline);
out:
	stop_signals_restore();
	argv_free(&j.line);
	argv_free(&j.name);
	argv_free(&j.skipped);
	argv_free(&a.params);
	free(suite_path);
	free(cmdline);
	free(guest_path);
	free(guest);
	free(tmp_path);
	return rc;
}
