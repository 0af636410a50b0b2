// SPDX-License-Identifier: MIT
/* stage.c - an output folder written whole or not at all (see stage.h). */
#include "cli/stage.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stopsig.h"

/* A file a commit put in place, and where the one it replaced waits
 * (NULL: there was none). */
struct stage_move {
	char *to, *backup;
};

int stage_open(struct stage *st, const char *dir, const char *who, const char *opt)
{
	int e;

	memset(st, 0, sizeof(*st));
	st->dir = dir;
	st->who = who;
	st->opt = opt;
	if (util_mkdir_made(dir, &st->made))
		return cli_error(EXIT_ENV, "%s: cannot create %s: %s; choose another %s", who, dir,
				 strerror(errno), opt);
	st->real = realpath(dir, NULL);
	st->tmp = st->real ? xasprintf("%s/.irqlbench-new.XXXXXX", st->real) : NULL;
	if (!st->tmp || !mkdtemp(st->tmp)) {
		e = errno;
		free(st->tmp);
		st->tmp = NULL;
		util_rmdir_made(&st->made);
		return cli_error(EXIT_ENV, "%s: cannot write into %s: %s; choose another %s", who, dir,
				 strerror(e), opt);
	}
	st->list = open_memstream(&st->listing, &st->listing_len);
	if (!st->list)
		abort();
	return 0;
}

/* The paths below root/rel (rel NULL: root), relative to root, into out;
 * -1 with errno when a folder cannot be read. */
static int walk(const char *root, const char *rel, struct argv_buf *out)
{
	char *path = rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = 0;

	free(path);
	if (!d)
		return -1;
	while (!rc && (e = readdir(d))) {
		struct stat sb;
		char *r, *p;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		r = rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		p = xasprintf("%s/%s", root, r);
		argv_add(out, r);
		if (!lstat(p, &sb) && S_ISDIR(sb.st_mode))
			rc = walk(root, r, out);
		free(p);
		free(r);
	}
	closedir(d);
	return rc;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dir(const char *path)
{
	struct stat sb;

	return !lstat(path, &sb) && S_ISDIR(sb.st_mode);
}

/* Whether what is at `to` may take the staged entry (a folder, or a file):
 * nothing there, a real folder for a folder that can be written, a
 * regular file for a file.  0, or EXIT_ENV after the error line. */
static int check_place(const struct stage *st, const char *to, bool folder)
{
	struct stat sb;
	const char *what;

	if (lstat(to, &sb))
		return errno == ENOENT ? 0 :
		       cli_error(EXIT_ENV, "%s: cannot use %s: %s; choose another %s", st->who, to,
				 strerror(errno), st->opt);
	if (folder && S_ISLNK(sb.st_mode))
		return cli_error(EXIT_ENV, "%s: %s is a symbolic link: the files go into a real folder "
				 "there, never through a link; remove it or choose another %s",
				 st->who, to, st->opt);
	if (folder != !!S_ISDIR(sb.st_mode) || (!folder && !S_ISREG(sb.st_mode))) {
		what = util_not_regular(to);
		return cli_error(EXIT_ENV, "%s: %s is %s%s: remove it or choose another %s", st->who,
				 to, what ? what : "a file", folder ? ", not a folder" : "", st->opt);
	}
	if (folder && access(to, W_OK))
		return cli_error(EXIT_ENV, "%s: cannot write into %s: %s; choose another %s", st->who,
				 to, strerror(errno), st->opt);
	return 0;
}

int stage_expect(struct stage *st, const char *rel, bool folder)
{
	char *to = xasprintf("%s/%s", st->dir, rel);
	int rc = check_place(st, to, folder);

	free(to);
	return rc;
}

/* One staged entry into place: a folder made where there is none, a file
 * renamed over the one there (kept in st->old, as a hard link where the
 * file system has them, so that the name never goes missing).  0, or -1
 * with errno. */
static int move_one(struct stage *st, const char *rel, const char *to, size_t i)
{
	char *from = xasprintf("%s/%s", st->tmp, rel), *backup = NULL;
	int rc = 0;

	if (is_dir(from)) {
		if (!is_dir(to)) {
			rc = mkdir(to, 0755);
			if (!rc)
				argv_add(&st->made_in, to);
		}
		free(from);
		return rc;
	}
	if (!access(to, F_OK)) {
		backup = xasprintf("%s/%zu", st->old, i);
		if (link(to, backup) && rename(to, backup)) {
			free(backup);
			free(from);
			return -1;
		}
	}
	if (rename(from, to)) {
		int e = errno;

		if (backup && rename(backup, to)) {
			fprintf(stderr, "irqlbench: warning: the file that was %s is now %s: %s\n",
				to, backup, strerror(errno));
			st->keep_old = true;
		}
		free(backup);
		free(from);
		errno = e;
		return -1;
	}
	st->moved = xrealloc(st->moved, (st->nmoved + 1) * sizeof(*st->moved));
	st->moved[st->nmoved++] = (struct stage_move){ .to = xstrdup(to), .backup = backup };
	free(from);
	return 0;
}

int stage_commit(struct stage *st)
{
	struct argv_buf ents = { 0 };
	char *to = NULL;
	int rc = 0;

	if (stop_signal())	/* the command says so, and takes all back */
		return 128 + stop_signal();
	if (walk(st->tmp, NULL, &ents))
		rc = cli_error(EXIT_ENV, "%s: cannot read %s: %s", st->who, st->tmp, strerror(errno));
	if (ents.n)
		qsort(ents.v, ents.n, sizeof(*ents.v), path_cmp);	/* a folder before what is in it */
	/* every place checked before anything moves */
	rc = rc ? rc : check_place(st, st->real, true);
	for (unsigned i = 0; !rc && i < ents.n; i++) {
		char *from = xasprintf("%s/%s", st->tmp, ents.v[i]);

		to = xasprintf("%s/%s", st->dir, ents.v[i]);
		rc = check_place(st, to, is_dir(from));
		free(from);
		free(to);
		to = NULL;
	}
	if (!rc) {
		st->old = xasprintf("%s/.irqlbench-old.XXXXXX", st->real);
		if (!mkdtemp(st->old)) {
			free(st->old);
			st->old = NULL;
			rc = cli_error(EXIT_ENV, "%s: cannot write into %s: %s; choose another %s", st->who,
				       st->dir, strerror(errno), st->opt);
		}
	}
	for (unsigned i = 0; !rc && i < ents.n; i++) {
		to = xasprintf("%s/%s", st->dir, ents.v[i]);
		if (move_one(st, ents.v[i], to, i)) {
			rc = cli_error(EXIT_ENV, "%s: cannot put %s in place: %s; %s is as it was: choose "
				       "another %s", st->who, to, strerror(errno), st->dir, st->opt);
			stage_undo(st);
		}
		free(to);
	}
	st->committed = !rc;
	argv_free(&ents);
	return rc;
}

void stage_undo(struct stage *st)
{
	for (size_t i = st->nmoved; i-- > 0;) {
		struct stage_move *m = &st->moved[i];

		if (m->backup ? rename(m->backup, m->to) : unlink(m->to)) {
			fprintf(stderr, "irqlbench: warning: cannot put %s back%s%s: %s\n", m->to,
				m->backup ? " from " : "", m->backup ? m->backup : "", strerror(errno));
			st->keep_old |= m->backup != NULL;
		}
		free(m->to);
		free(m->backup);
	}
	st->nmoved = 0;
	util_rmdir_made(&st->made_in);
	st->committed = false;
}

void stage_close(struct stage *st)
{
	if (st->list)
		fclose(st->list);
	if (st->committed && st->listing)
		fputs(st->listing, stdout);
	util_rm_rf(st->tmp);
	if (!st->keep_old)
		util_rm_rf(st->old);
	if (st->committed)
		argv_free(&st->made);
	else
		util_rmdir_made(&st->made);
	argv_free(&st->made_in);
	for (size_t i = 0; i < st->nmoved; i++) {
		free(st->moved[i].to);
		free(st->moved[i].backup);
	}
	free(st->moved);
	free(st->listing);
	free(st->tmp);
	free(st->old);
	free(st->real);
	memset(st, 0, sizeof(*st));
}
