/* SPDX-License-Identifier: MIT */
/*
 * stage.h - an output folder written whole or not at all, for the commands
 * that write many files into one (`report --paper DIR`, `plot --out-dir`
 * and its `--dashboard`).
 *
 * The files are written into a staging folder inside DIR,
 * DIR/.irqlbench-new.XXXXXX: on the file system of the files it replaces,
 * whatever DIR is ("." too, or a folder that also holds the user's own
 * files, which are never touched).  stage_commit() moves each file into
 * place with rename() only once every one is written, and a commit that
 * fails halfway puts back what it moved.  So a command that fails (no
 * gnuplot, a figure that fails, a folder that cannot be written) leaves DIR
 * as it was: an earlier complete result stays, and a DIR it made is
 * removed.  What the command lists on standard output (the files it wrote)
 * is printed only once the files are in place.
 */
#ifndef IRQLBENCH_STAGE_H
#define IRQLBENCH_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/util.h"

struct stage_move;

struct stage {
	const char *dir;	/* the output folder, as given */
	const char *who;	/* the command, the messages' prefix ("report") */
	const char *opt;	/* the option that chooses DIR, named by the fix */
	char *real;		/* DIR, absolute */
	char *tmp;		/* the staging folder (absolute): write here */
	char *old;		/* the files a commit replaced, until stage_close() */
	FILE *list;		/* the lines stage_close() prints once committed */
	char *listing;
	size_t listing_len;
	struct argv_buf made;	/* the folders made for DIR */
	struct argv_buf made_in;	/* the folders a commit made inside DIR */
	struct stage_move *moved;
	size_t nmoved;
	bool committed;
	bool keep_old;		/* a replaced file could not be put back: old stays */
};

/* Makes DIR (mkdir -p) and its staging folder.  0, or EXIT_ENV after the
 * error line "WHO: cannot create DIR ...; choose another OPT" (nothing
 * made then); stage_close() is safe either way. */
int stage_open(struct stage *st, const char *dir, const char *who, const char *opt);
/* Checks early the place in DIR of a folder (folder) or file the command
 * will write, as stage_commit() checks every place: a folder there must be
 * a real one (no symbolic link) that can be written.  0, or EXIT_ENV after
 * the error line. */
int stage_expect(struct stage *st, const char *rel, bool folder);
/* Moves every file of the staging folder to the same name in DIR (making
 * the folders it needs), all or none: a place taken by a directory, a
 * symbolic link or another non-file, a folder that cannot be written, or a
 * rename that fails, puts back what it had moved.  0, or EXIT_ENV after
 * one line naming the file and the fix; 128 + the signal, moving nothing
 * and saying nothing, when a stop signal came (cli/stopsig.h: the command
 * blocks them, says so once and closes the stage). */
int stage_commit(struct stage *st);
/* Takes a commit back: the files it replaced return, the new ones and the
 * folders it made go (a second folder's commit failed). */
void stage_undo(struct stage *st);
/* Removes the staging folder and the replaced files; when nothing was
 * committed, also the folders stage_open() made for DIR.  Prints the list
 * of a commit.  Frees st. */
void stage_close(struct stage *st);

#endif
