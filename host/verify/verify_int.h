/* SPDX-License-Identifier: MIT */
/*
 * verify_int.h - what `irqlbench verify`'s two files share: the options
 * (cmd_verify.c parses them) and the pieces the series matrix
 * (series.c: --kernels, --series) runs and decides with.  Private to
 * host/verify/.
 */
#ifndef IRQLBENCH_VERIFY_INT_H
#define IRQLBENCH_VERIFY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#include "cli/util.h"
#include "store/store.h"
#include "verify/verdict.h"
#include "verify/guest_verdict.h"

struct suite;
struct suite_entry;

struct verify_opts {
	const char *backend, *policy, *variant, *kernel, *out_dir, *db, *format;
	const char *kernels, *series, *variants, *control;	/* the series matrix (series.c) */
	const char *kernel_image, *modules, *source, *headers;	/* a kernel you built (lab) */
	struct argv_buf tags;		/* --tag: on every record and verdict */
	unsigned iterations, runs;
	unsigned jobs;			/* --jobs: kernel x variant side by side (series) */
	const char *run_option;		/* the first option that runs something */
	struct run_filter select;	/* --select: its terms */
	char selector[512];		/* --select as given, joined by ',' */
	const struct run_info *selected;	/* --select: its first run (one setup: the
					 * backend, policy, variant and kernel --json names) */
	const struct suite *suite;	/* what runs (group verify) and what it must give */
	const char *suite_name;		/* as the output names it: $IRQLBENCH_SUITES, else the
					 * tree's file, wherever verify runs from */
	unsigned nentries;		/* of group verify (guest: of group guest) */
	/* --backend guest: the guest-side judgement verify_write_verdict
	 * writes (its counts and "guest" summary), or NULL */
	const struct guest_judgement *guest;
};

#define VERIFY_GROUP "verify"
/* The group verify runs: guest for --backend guest, else verify. */
const char *verify_group(const struct verify_opts *o);

/*
 * One verdict is of one setup (verdict.h: backend, policy, variant, kernel,
 * host; for --backend guest also the hypervisor its guest saw): -1 when the
 * runs of l are; else the field in which they differ, msg "runs of more
 * than one F: ID1 (x) and ID2 (y)" and term o's selector narrowed to the
 * first ("id=*-fixed-*,backend=lab"; empty where no selector key can: the
 * hypervisor).
 */
int verify_setup_split(const struct verify_opts *o, const struct run_list *l, char *msg, size_t len,
		       char *term, size_t tlen);

/* A run and where its evidence goes. */
struct ordered {
	const struct run_info *info;
	struct verdict_run r;
	unsigned entry;		/* its entry's index in the suites file; past the end: none */
};

/* The decision over stored runs l, in evidence order (by workload, then
 * entry, then start): res, and ord/ms (caller frees with judged_free). */
struct judged {
	struct verdict_result res;	/* --backend guest: the guest judgement's verdict,
					 * reason and evidence; its counts are on_time,
					 * late, other, ignored */
	bool is_guest;
	struct guest_judgement g;	/* is_guest: the guest-side judgement */
	struct verdict_opts vo;
	struct ordered *ord;
	struct metric_set *ms;
	size_t n;
};
/* 0, or EXIT_STORE after its one-line error. */
int verify_judge(const struct verify_opts *o, struct store *s, struct run_list *l, struct judged *j);
void verify_judged_free(struct judged *j);
/* One run's evidence as JSON {id, workload, entry, class, ...}. */
json_t *verify_run_json(const struct verify_opts *o, const struct verdict_opts *vo,
			const struct ordered *r);

/*
 * The run options of one run of entry e ("--workload W [--vcpus N]
 * --param iterations=I --param K=V ...", and with tags "--tag T" for each
 * --tag but on the model, which has none), added to a.
 */
void verify_entry_args(const struct verify_opts *o, const struct suite_entry *e, struct argv_buf *a,
		       bool tags);

/*
 * Runs argv (NULL-terminated, argv[0] "irqlbench") as a child of this
 * program with stdout to log; stderr too, and with tee also to this
 * stderr line by line (the lab's progress).  Returns the exit status.
 */
int verify_child(char *const argv[], const char *log, bool tee);

/* The same in steps, for children that run side by side (verify --jobs):
 * spawn (0, or -1), drain what its stderr has (whole lines to this stderr
 * and its log; 0 at its end), reap (its exit status, after the rest of
 * its stderr). */
struct vchild {
	pid_t pid;
	int fd;			/* its stderr (tee), or -1 */
	char *log, *line;	/* the log; a line not yet whole */
	size_t len;
};
int verify_spawn(char *const argv[], const char *log, bool tee, struct vchild *c);
int verify_drain(struct vchild *c);
int verify_reap(struct vchild *c);
/* The stop signal that came (every child got SIGTERM), or 0. */
int verify_stopped(void);
/* Statuses of a child that end verify: its arguments or this host (2, 3, 5,
 * 77), not the kernel. */
bool verify_child_fatal(int rc);
/* Adds the stored run id (failed or not) to l: 0, or -1 with err; a run
 * the store does not have adds nothing. */
int verify_add_stored_run(struct store *s, const char *id, struct run_list *l,
			  char *err, size_t errlen);
/* The child's last error line in log, without its "irqlbench ...:" prefix. */
void verify_child_error(const char *log, char *buf, size_t len);
/* Imports the record at path and adds its run to l: 0, -1 (refused: said
 * on stderr), or EXIT_STORE after its one-line error. */
int verify_import_run(struct store *s, const char *path, struct run_list *l);

/*
 * The lab's runs of one kernel x variant: the entries of group verify x
 * o->runs as one batch in one L1 (`irqlbench lab --batch`), records under
 * dir/<variant label>/runs/<entry>-<run>/, imported into s and added to l.
 * Returns 0 (runs that gave no record are said on stderr and left out), or
 * a status that ends verify (usage, environment, store) with msg its line.
 */
int verify_lab_cell(const struct verify_opts *o, const char *kernel, const char *variant,
		    const char *dir, struct store *s, struct run_list *l, char *msg, size_t len);

/*
 * The verdict file (VERDICT_SCHEMA, results/SCHEMA.md "The verdict file")
 * of one decision: written to path (atomically) and imported into s.
 * The kernel and module recipe are the lab's facts of its runs;
 * requested is the kernel as asked for (kernel.requested; NULL: none),
 * control the series' positive control (NULL: none).  Returns the
 * verdict's id (malloc'd), or NULL after a one-line error on stderr.
 */
char *verify_write_verdict(const struct verify_opts *o, struct store *s, const char *path,
			   const struct judged *j, enum verdict v, const char *reason,
			   const char *variant, const char *requested, json_t *control);

/* verify --kernels LIST | --series S: the matrix kernel x variant with its
 * positive control (series.c).  Returns the exit status. */
int verify_series(struct verify_opts *o);

#endif
