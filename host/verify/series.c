// SPDX-License-Identifier: MIT
/*
 * series.c - `irqlbench verify` over kernels: the lab's runs of one kernel
 * x variant in one L1 (verify_lab_cell), the verdict file every verify
 * writes (verify_write_verdict, irqlbench-verdict/1), and the matrix
 * kernel x variant of --kernels LIST / --series S with its positive
 * control (verify_series).
 *
 * The positive control: the fix-reverted build (variant unfixed) of one
 * kernel of the list must come out UNFIXED and its fixed build FIXED.  A
 * suite that cannot see the bug on this host must not call anything
 * FIXED, so when the control fails every verdict of the run is
 * INCONCLUSIVE with that reason.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <poll.h>
#include <signal.h>

#include "cli/cli.h"
#include "kvm/kvm_paths.h"
#include "record/record.h"
#include "store/store_cmd.h"
#include "suite/suite.h"
#include "verify/verify.h"
#include "verify/verify_int.h"

/* A token for ids and file names: letters, digits and ._+- kept, the rest _. */
static void token(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; *s && i + 1 < len; s++, i++)
		buf[i] = (char)((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
				(*s >= '0' && *s <= '9') || strchr("._+-", *s) ? *s : '_');
	buf[i] = '\0';
}

/* One kernel x variant's lab batch while it runs. */
struct cellrun {
	struct vchild ch;
	const char *kernel, *variant;
	char *dir, *batch, *log;
	char vdir[256];
	struct argv_buf names;	/* the batch's run names, in order */
	double t0;
};

static void cellrun_free(struct cellrun *r)
{
	free(r->dir);
	free(r->batch);
	free(r->log);
	argv_free(&r->names);
	memset(r, 0, sizeof(*r));
}

/*
 * Writes the batch (every entry of group verify a line, its o->runs runs
 * in one guest boot: --repeat) and starts `irqlbench lab --batch` on it:
 * 0, or a status with msg.
 */
static int cell_start(const struct verify_opts *o, const char *kernel, const char *variant,
		      const char *dir, struct cellrun *r, char *msg, size_t len)
{
	struct argv_buf a = { 0 };
	char *text = NULL;
	size_t tlen = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->kernel = kernel;
	r->variant = variant;
	r->t0 = util_now();
	r->dir = xstrdup(dir);
	lab_variant_dir(variant, r->vdir, sizeof(r->vdir));
	if (util_mkdir_p(dir)) {
		snprintf(msg, len, "cannot create %s: %s: choose another --out-dir", dir, strerror(errno));
		return EXIT_ENV;
	}
	r->batch = xasprintf("%s/%s.batch", dir, r->vdir);
	r->log = xasprintf("%s/%s.lab.log", dir, r->vdir);
	for (unsigned k = 0; k < o->suite->n; k++) {
		const struct suite_entry *e = &o->suite->e[k];
		struct argv_buf ea = { 0 };
		char *line;

		if (!suite_in_group(e, VERIFY_GROUP))
			continue;
		/* the entry's runs in one guest boot (run --repeat): the lab
		 * names them ENTRY-1 .. ENTRY-N */
		for (unsigned rep = 0; rep < o->runs; rep++)
			argv_addf(&r->names, "%s-%u", e->name, rep + 1);
		verify_entry_args(o, e, &ea, false);
		/* words without blanks (the suites file's parameters): the
		 * batch splits its lines at blanks */
		line = o->runs > 1 ? xstrdup(e->name) : xasprintf("%s-1", e->name);
		for (unsigned w = 0; w < ea.n; w++) {
			char *more = xasprintf("%s %s", line, ea.v[w]);

			free(line);
			line = more;
		}
		if (o->runs > 1) {
			char *more = xasprintf("%s --repeat %u", line, o->runs);

			free(line);
			line = more;
		}
		text = xrealloc(text, tlen + strlen(line) + 2);
		tlen += (size_t)sprintf(text + tlen, "%s\n", line);
		free(line);
		argv_free(&ea);
	}
	if (util_write_atomic(r->batch, text ? text : "", tlen)) {
		snprintf(msg, len, "cannot write %s: %s: choose another --out-dir", r->batch, strerror(errno));
		rc = EXIT_ENV;
		goto out;
	}
	argv_add(&a, "irqlbench");
	argv_add(&a, "lab");
	if (kernel) {
		argv_add(&a, "--kernel");
		argv_add(&a, kernel);
	}
	{
		/* a kernel you built (one kernel's verify only) */
		const char *const built[][2] = { { "--kernel-image", o->kernel_image },
			{ "--modules", o->modules }, { "--source", o->source }, { "--headers", o->headers } };

		for (unsigned i = 0; i < 4; i++)
			if (built[i][1]) {
				argv_add(&a, built[i][0]);
				argv_add(&a, built[i][1]);
			}
	}
	argv_add(&a, "--variants");
	argv_add(&a, variant);
	argv_add(&a, "--batch");
	argv_add(&a, r->batch);
	argv_add(&a, "--out-dir");
	argv_add(&a, dir);
	for (unsigned i = 0; i < o->tags.n; i++) {
		argv_add(&a, "--tag");
		argv_add(&a, o->tags.v[i]);
	}
	if (verify_spawn(a.v, r->log, true, &r->ch)) {
		snprintf(msg, len, "cannot start irqlbench lab: %s", strerror(errno));
		rc = EXIT_ENV;
	}
out:
	argv_free(&a);
	free(text);
	return rc;
}

/*
 * The batch ended: its status, and every record it wrote imported into s
 * and added to l.  0 (runs without a record are said on stderr and left
 * out), or a status that ends verify (usage, environment, store) with msg.
 */
static int cell_finish(struct cellrun *r, struct store *s, struct run_list *l, char *msg, size_t len)
{
	const char *kname = r->kernel ? r->kernel : "(default kernel)";
	char cause[512];
	int child = verify_reap(&r->ch), rc = 0;

	verify_child_error(r->log, cause, sizeof(cause));
	if (child < 0 || verify_child_fatal(child)) {
		snprintf(msg, len, "lab %s %s (exit %d): %s (log %s)", kname, r->variant, child,
			 cause[0] ? cause : "no error line", r->log);
		return child < 0 ? EXIT_ENV : child;
	}
	for (unsigned i = 0; i < r->names.n; i++) {
		char *path = xasprintf("%s/%s/runs/%s/record.json", r->dir, r->vdir, r->names.v[i]);

		if (access(path, R_OK))
			fprintf(stderr, "irqlbench verify: lab %s %s %s: no record (lab exit %d): %s "
				"(log %s)\n", kname, r->variant, r->names.v[i], child,
				cause[0] ? cause : "no error line", r->log);
		else
			rc = verify_import_run(s, path, l);
		free(path);
		if (rc > 0) {
			snprintf(msg, len, "the results store failed (said above)");
			return rc;
		}
		rc = 0;
	}
	fprintf(stderr, "irqlbench verify: lab %s %s: %u runs in %.1f s (log %s)\n", kname, r->variant,
		r->names.n, util_now() - r->t0, r->log);
	return 0;
}

int verify_lab_cell(const struct verify_opts *o, const char *kernel, const char *variant,
		    const char *dir, struct store *s, struct run_list *l, char *msg, size_t len)
{
	struct cellrun r;
	int rc = cell_start(o, kernel, variant, dir, &r, msg, len);

	if (!rc)
		rc = cell_finish(&r, s, l, msg, len);
	cellrun_free(&r);
	return rc;
}

/* --- the verdict file ---------------------------------------------------- */

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/*
 * The kernel the runs ran on: the lab's L1 kernel (provenance.lab.kernel:
 * Debian and upstream version, ABI), else the host's (provenance.host:
 * kernel_package, kernel_upstream, kernel); null for the model.
 */
static json_t *kernel_of(json_t *rec)
{
	json_t *p = json_object_get(rec, "provenance");
	json_t *lk = json_object_get(json_object_get(p, "lab"), "kernel"), *h;

	if (json_is_object(lk))
		return json_pack("{s:O?, s:O?, s:O?, s:O?}", "debian_version",
				 json_object_get(lk, "debian_version"), "upstream",
				 json_object_get(lk, "upstream"), "abi", json_object_get(lk, "abi"),
				 "origin", json_object_get(lk, "origin"));
	if (!strcmp(json_string_value(json_object_get(rec, "backend")) ?: "", "model"))
		return json_null();
	h = json_object_get(p, "host");
	return json_pack("{s:O?, s:O?, s:O?, s:s}", "debian_version", json_object_get(h, "kernel_package"),
			 "upstream", json_object_get(h, "kernel_upstream"), "abi",
			 json_object_get(h, "kernel"), "origin", "running");
}

/* The runs of one entry of the suites file, together. */
struct entry_sum {
	unsigned runs, counted;		/* its runs; those with exit counts (not failed) */
	unsigned cls[4];		/* verdict_run_judge(): fixed, unfixed, other, ignored */
	double sum, min, max;		/* write_cr8 per iteration of the counted runs */
	uint64_t immediate, late;	/* their deliveries, where they have them */
	bool delivery;
	const char *workload;
};

/* Sums the runs of entry k (k == o->suite->n: runs of no entry) of j (NULL: none). */
static void entry_sum(const struct judged *j, unsigned k, struct entry_sum *e)
{
	memset(e, 0, sizeof(*e));
	e->min = INFINITY;
	e->max = -INFINITY;
	for (size_t i = 0; j && i < j->n; i++) {
		const struct ordered *r = &j->ord[i];
		double e8 = r->r.write_cr8_per_iter;
		char line[640];
		const char *c;

		if (r->entry != k)
			continue;
		e->runs++;
		e->workload = r->info->workload;
		c = verdict_run_judge(&r->r, &j->vo, line, sizeof(line));
		e->cls[!strcmp(c, "fixed") ? 0 : !strcmp(c, "unfixed") ? 1 : !strcmp(c, "other") ? 2 : 3]++;
		if (r->r.failed || isnan(e8))
			continue;
		e->counted++;
		e->sum += e8;
		e->min = e8 < e->min ? e8 : e->min;
		e->max = e8 > e->max ? e8 : e->max;
		if (r->r.has_delivery) {
			e->delivery = true;
			e->immediate += r->r.immediate;
			e->late += r->r.late;
		}
	}
}

/* Per entry of the suites file: its runs' numbers together. */
static json_t *entry_evidence(const struct verify_opts *o, const struct judged *j)
{
	json_t *arr = json_array();

	for (unsigned k = 0; k <= o->suite->n; k++) {
		struct entry_sum e;

		entry_sum(j, k, &e);
		if (!e.runs)
			continue;
		json_array_append_new(arr, json_pack(
			"{s:o, s:o, s:i, s:{s:i, s:i, s:i, s:i}, s:o, s:o, s:o}",
			"entry", k < o->suite->n ? json_string(o->suite->e[k].name) : json_null(),
			"workload", jstr_or_null(e.workload), "runs", e.runs,
			"classes", "fixed", e.cls[0], "unfixed", e.cls[1], "other", e.cls[2],
			"ignored", e.cls[3],
			"write_cr8_per_iter", e.counted ? json_pack("{s:f, s:f, s:f}", "mean",
								     e.sum / e.counted, "min", e.min,
								     "max", e.max) : json_null(),
			"immediate", e.delivery ? json_integer((json_int_t)e.immediate) : json_null(),
			"late", e.delivery ? json_integer((json_int_t)e.late) : json_null()));
	}
	return arr;
}

char *verify_write_verdict(const struct verify_opts *o, struct store *s, const char *path,
			   const struct judged *j, enum verdict v, const char *reason,
			   const char *variant, const char *requested, json_t *control)
{
	char rerr[512];
	json_t *first = j->n ? store_run_record(s, j->ord[0].info->id, rerr, sizeof(rerr)) : NULL;
	json_t *kern = first ? kernel_of(first) : json_null();
	json_t *lab = json_object_get(json_object_get(first, "provenance"), "lab");
	json_t *runs = json_array(), *tags = json_array(), *vj;
	const char *kname = json_string_value(json_object_get(kern, "debian_version"));
	char utc[32], iso[32], kt[96], vt[96], err[1024], *id, *text;
	bool emulated = false;

	/* runs imported from elsewhere (a guest --select): no kernel of this host */
	if (j->is_guest && o->select.n) {
		json_decref(kern);
		kern = json_null();
	}
	/* the kernel as it was asked for, also where no run says which it is */
	if (requested && !json_is_object(kern)) {
		json_decref(kern);
		kern = json_pack("{s:n, s:n, s:n, s:n}", "debian_version", "upstream", "abi", "origin");
	}
	if (requested)
		json_object_set_new(kern, "requested", json_string(requested));
	if (!kname)
		kname = json_string_value(json_object_get(kern, "abi"));
	if (!kname)
		kname = requested;
	for (size_t i = 0; i < j->n; i++) {
		json_array_append_new(runs, verify_run_json(o, &j->vo, &j->ord[i]));
		emulated |= j->ord[i].info->emulated;
	}
	for (unsigned i = 0; i < o->tags.n; i++)
		json_array_append_new(tags, json_string(o->tags.v[i]));
	util_utc_compact(util_now(), utc, sizeof(utc));
	util_utc_iso(util_now(), iso, sizeof(iso));
	token(kname ? kname : o->policy ? o->policy : j->is_guest && o->select.n ? "stored" : "host",
	      kt, sizeof(kt));
	vt[0] = '-';
	token(variant ? variant : "", vt + 1, sizeof(vt) - 1);
	/* random, as a record id's: verify runs at once on every host of a
	 * fleet (fleet/verify.yml), whose verdicts meet in one store */
	id = xasprintf("%s-verdict-%s-%s%s-%06x", utc, o->backend, kt, variant ? vt : "",
		       util_random24());
	vj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:o, s:b, s:o, s:o, s:o, "
		       "s:o, s:s, s:{s:i, s:i, s:i, s:i}, s:o, s:o, s:s, s:o}",
		       "schema", VERDICT_SCHEMA, "id", id, "created_utc", iso,
		       "suite_version", util_suite_version(), "verdict", verdict_name(v),
		       "status", verdict_exit_status(v), "reason", reason, "backend", o->backend,
		       "variant", jstr_or_null(variant), "policy", jstr_or_null(o->policy),
		       "emulated", emulated, "kernel", kern,
		       "module_recipe", json_is_object(json_object_get(lab, "module_recipe")) ?
					json_incref(json_object_get(lab, "module_recipe")) : json_null(),
		       /* a guest-side verdict of stored runs (an ISO's serial log) was
			* not made on this host: its runs say what they saw */
		       "host", j->is_guest && o->select.n ? json_null() : record_host_facts(),
		       "control", control ? json_incref(control) : json_null(),
		       "suites", o->suite_name,
		       "counts", "fixed", j->res.fixed_runs, "unfixed", j->res.unfixed_runs,
		       "other", j->res.other_runs, "ignored", j->res.ignored_runs,
		       "evidence", entry_evidence(o, j), "runs", runs, "out_dir", o->out_dir,
		       "tags", tags);
	json_decref(first);
	if (!vj)
		abort();
	if (j->is_guest) {
		/* what the guest saw: its runs classed on time or late, the
		 * numbers behind it (guest_verdict.h) */
		json_t *runs_g = json_array(), *per = json_object_get(j->g.summary, "per_run");

		for (size_t i = 0; i < json_array_size(per); i++)
			json_array_append(runs_g, json_array_get(per, i));
		json_object_set_new(vj, "runs", runs_g);
		json_object_set_new(vj, "counts", json_pack("{s:i, s:i, s:i, s:i}", "on_time",
							    j->g.on_time, "late", j->g.late, "other",
							    j->g.other, "ignored", j->g.ignored));
		json_object_set_new(vj, "evidence", json_null());
		{
			json_t *gs = json_deep_copy(j->g.summary);

			json_object_del(gs, "per_run");
			json_object_set_new(vj, "guest", gs);
		}
	}
	text = json_dumps(vj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text || util_write_atomic(path, text, strlen(text))) {
		fprintf(stderr, "irqlbench: verify: cannot write the verdict file %s: %s: choose another "
			"--out-dir\n", path, strerror(errno));
		goto fail;
	}
	switch (store_import_verdict(s, vj, err, sizeof(err))) {
	case IMPORT_NEW:
	case IMPORT_UNCHANGED:
		break;
	default:
		fprintf(stderr, "irqlbench: verify: the store did not take the verdict %s: %s\n", path, err);
		goto fail;
	}
	free(text);
	json_decref(vj);
	return id;
fail:
	free(text);
	json_decref(vj);
	free(id);
	return NULL;
}

/* --- the matrix ---------------------------------------------------------- */

struct cell {
	char *kernel, *variant;
	bool asked;		/* in the matrix asked for (else only the control's) */
	const char *role;	/* "control-unfixed", "control-fixed" or NULL */
	struct run_list l;
	struct judged j;
	bool judged;
	enum verdict v;		/* after the control */
	char reason[2048];
	char cant[PATH_MAX + 1024];	/* why it could not run; "" ran */
	char *verdict_id, *verdict_path;
	double secs;
};

/* What a kernel x variant should come out as: UNFIXED for the
 * fix-reverted build, FIXED for any other (verdict_expected). */
static enum verdict expected(const struct cell *c)
{
	return verdict_expected("lab", c->variant, NULL);
}

/* The kernels of --kernels LIST: 0, or a usage error. */
static int kernels_of_list(const char *list, struct argv_buf *k)
{
	char *copy = xstrdup(list), *save = NULL, *t;
	int rc = 0;

	for (t = copy; t && !rc; t = save) {
		save = strchr(t, ',');
		if (save)
			*save++ = '\0';
		t += strspn(t, " ");
		t[strcspn(t, " ")] = '\0';
		if (!*t) {
			rc = cli_usage_error("verify", "--kernels '%s' has an empty item: give kernels "
					     "separated by single commas", list);
			break;
		}
		for (unsigned i = 0; i < k->n && !rc; i++)
			if (!strcmp(k->v[i], t))
				rc = cli_usage_error("verify", "--kernels names %s twice: give each kernel once", t);
		if (!rc && (strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+~_-/") !=
			    strlen(t) || strstr(t, "..")))
			rc = cli_usage_error("verify", "--kernels: '%s' is no kernel: give Debian versions "
					     "(6.1.176-1) or ABIs (6.1.0-50-amd64), comma-separated", t);
		if (!rc)
			argv_add(k, t);
	}
	if (!rc && !k->n)
		rc = cli_usage_error("verify", "--kernels '%s' names no kernel: e.g. "
				     "--kernels 6.1.176-1,6.1.192-2 (see 'irqlbench kvm kernels')", list);
	free(copy);
	return rc;
}

/* The complete Debian kernels of series S, newest first (kernel-list.sh,
 * as `irqlbench kvm kernels --series S --json` lists them). */
static bool series_ok(const char *series)
{
	return *series && strspn(series, "0123456789.") == strlen(series) && strchr(series, '.') &&
	       series[0] != '.' && !strstr(series, "..") && strlen(series) < 16;
}

/*
 * The complete Debian kernels of series S, newest first, as `irqlbench kvm
 * kernels --series S --json` lists them (host/kvm/kernel-list.sh): 0 with
 * *out its "kernels" array, or its status after its one line (3: apt has
 * none; 2: a series it does not know).
 */
static int kernel_list(const char *series, json_t **out)
{
	char *tmpl = util_tmpfile("kernels");
	char *args[] = { "--series", (char *)series, "--format", "json", NULL };
	int st;
	json_t *j = NULL;

	*out = NULL;
	if (!tmpl)
		return cli_error(EXIT_ENV, "verify: cannot create a file in %s: %s: set TMPDIR to a writable folder",
				 util_tmp_dir(), strerror(errno));
	st = labcmd_run_script("host/kvm/kernel-list.sh", args, tmpl);
	if (!st)
		j = json_load_file(tmpl, 0, NULL);
	unlink(tmpl);
	free(tmpl);
	if (st)		/* kernel-list.sh said why */
		return st == EXIT_USAGE ? EXIT_USAGE : EXIT_ENV;
	*out = json_incref(json_object_get(j, "kernels"));
	json_decref(j);
	if (!json_is_array(*out))
		return cli_error(EXIT_ENV, "verify: 'irqlbench kvm kernels --series %s --json' gave no "
				 "list", series);
	return 0;
}

static int kernels_of_series(const char *series, struct argv_buf *k)
{
	json_t *arr;
	int st;

	if (!series_ok(series))
		return cli_usage_error("verify", "--series '%s' is no series: give MAJOR.MINOR, e.g. 6.1",
				       series);
	st = kernel_list(series, &arr);
	for (size_t i = 0; !st && i < json_array_size(arr); i++) {
		const char *v = json_string_value(json_object_get(json_array_get(arr, i), "version"));

		if (v)
			argv_add(k, v);
	}
	json_decref(arr);
	if (!st && !k->n)
		st = cli_error(EXIT_ENV, "verify: the archive has no complete kernel of series %s: "
			       "see 'irqlbench kvm kernels --series %s'", series, series);
	return st;
}

/*
 * Every kernel of --kernels known before anything is created or booted: a
 * Debian version or ABI the archive has complete ('irqlbench kvm kernels'
 * of its series), an installed image (/boot/vmlinuz-ABI, or that path);
 * two names of one kernel (its version and its ABI) are one kernel.
 * 0, or its status after one line.
 */
static int check_kernels(struct argv_buf *k)
{
	json_t *lists = json_object();
	char **canon = calloc(k->n + 1, sizeof(*canon));
	int st = 0;

	for (unsigned i = 0; i < k->n && !st; i++) {
		const char *name = k->v[i], *base = name;
		char series[16] = "", path[PATH_MAX];
		json_t *arr;
		size_t n = strspn(name, "0123456789");

		if (!strncmp(name, "/boot/vmlinuz-", 14))
			base = name + 14;
		snprintf(path, sizeof(path), "/boot/vmlinuz-%s", base);
		if (!access(path, R_OK)) {
			canon[i] = xstrdup(base);
			continue;
		}
		n = strspn(base, "0123456789");
		if (n && base[n] == '.')
			n += 1 + strspn(base + n + 1, "0123456789");
		if (n < sizeof(series))
			snprintf(series, sizeof(series), "%.*s", (int)n, base);
		arr = series_ok(series) ? json_object_get(lists, series) : NULL;
		if (series_ok(series) && !arr) {
			st = kernel_list(series, &arr);
			if (st == EXIT_ENV && !arr) {
				st = 0;		/* no such series in the archive: not found below */
				arr = json_array();
			}
			json_object_set_new(lists, series, arr);
		}
		for (size_t j = 0; !st && j < json_array_size(arr); j++) {
			json_t *e = json_array_get(arr, j);
			const char *v = json_string_value(json_object_get(e, "version"));
			const char *abi = json_string_value(json_object_get(e, "abi"));

			if ((v && !strcmp(v, base)) || (abi && !strcmp(abi, base)))
				canon[i] = xstrdup(abi ? abi : v);
		}
		if (!st && !canon[i])
			st = cli_usage_error("verify", "--kernels: %s is no kernel the archive has complete "
					     "nor an installed image: see 'irqlbench kvm kernels'", name);
		for (unsigned j = 0; !st && j < i; j++)
			if (canon[j] && !strcmp(canon[j], canon[i]))
				st = cli_usage_error("verify", "--kernels names one kernel twice (%s and %s): "
						     "give each kernel once", k->v[j], name);
	}
	for (unsigned i = 0; i < k->n; i++)
		free(canon[i]);
	free(canon);
	json_decref(lists);
	return st;
}

static struct cell *cell_find(struct cell *c, unsigned n, const char *k, const char *v)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(c[i].kernel, k) && !strcmp(c[i].variant, v))
			return &c[i];
	return NULL;
}

/* The cells: the control's two first (a suite that cannot see the bug shows
 * at once), then every kernel x variant asked for. */
static unsigned make_cells(const struct verify_opts *o, const struct argv_buf *kernels,
			   const char *control, struct cell **out)
{
	char *vars = xstrdup(o->variants ? o->variants : "stock"), *save = NULL, *v;
	struct argv_buf vl = { 0 };
	struct cell *c = calloc(kernels->n * 16 + 2, sizeof(*c));
	unsigned n = 0;

	if (!c)
		abort();
	for (v = strtok_r(vars, ",", &save); v; v = strtok_r(NULL, ",", &save))
		if (vl.n < 14)
			argv_add(&vl, v);
	c[n++] = (struct cell){ .kernel = xstrdup(control), .variant = xstrdup("unfixed"),
				.role = "control-unfixed" };
	c[n++] = (struct cell){ .kernel = xstrdup(control), .variant = xstrdup("fixed"),
				.role = "control-fixed" };
	for (unsigned k = 0; k < kernels->n; k++)
		for (unsigned i = 0; i < vl.n; i++) {
			struct cell *have = cell_find(c, n, kernels->v[k], vl.v[i]);

			if (have) {
				have->asked = true;
				continue;
			}
			c[n++] = (struct cell){ .kernel = xstrdup(kernels->v[k]),
						.variant = xstrdup(vl.v[i]), .asked = true };
		}
	argv_free(&vl);
	free(vars);
	*out = c;
	return n;
}

static json_t *control_json(const struct cell *cu, const struct cell *cf, bool ok, const char *role)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:s}", "kernel", cu->kernel,
			 "unfixed", verdict_name(cu->j.res.v), "fixed", verdict_name(cf->j.res.v),
			 "ok", ok, "role", role ? role : "subject");
}

static void print_text(const struct verify_opts *o, struct cell *c, unsigned n,
		       const struct cell *cu, const struct cell *cf, bool ok)
{
	printf("%-16s %-10s %-13s %5s", "kernel", "variant", "verdict", "runs");
	for (unsigned k = 0; k < o->suite->n; k++)
		if (suite_in_group(&o->suite->e[k], VERIFY_GROUP))
			printf(" %*s", (int)(strlen(o->suite->e[k].name) > 8 ? strlen(o->suite->e[k].name) : 8),
			       o->suite->e[k].name);
	printf("  %s\n", "late/unmasking");
	for (unsigned i = 0; i < n; i++) {
		uint64_t timm = 0, tlate = 0;

		printf("%-16s %-10s %-13s %5zu", c[i].kernel, c[i].variant,
		       verdict_name(c[i].v), c[i].judged ? c[i].j.n : 0);
		for (unsigned k = 0; k < o->suite->n; k++) {
			int w = (int)(strlen(o->suite->e[k].name) > 8 ? strlen(o->suite->e[k].name) : 8);
			struct entry_sum e;

			if (!suite_in_group(&o->suite->e[k], VERIFY_GROUP))
				continue;
			entry_sum(c[i].judged ? &c[i].j : NULL, k, &e);
			timm += e.immediate;
			tlate += e.late;
			if (!e.counted)
				printf(" %*s", w, "-");
			else
				printf(" %*.2f", w, e.sum / e.counted);
		}
		printf("  %llu/%llu%s\n", (unsigned long long)tlate, (unsigned long long)(timm + tlate),
		       c[i].role ? !c[i].asked ? "  (control)" : "  (also the control)" : "");
	}
	printf("(write_cr8 exits per iteration, mean over the runs; late/unmasking: interrupts the "
	       "unmasking CR8 write left pending, of all it unmasked)\n");
	printf("control: %s unfixed %s, fixed %s: %s\n", cu->kernel, verdict_name(cu->j.res.v),
	       verdict_name(cf->j.res.v), ok ? "the suite sees the bug here" :
	       "FAILED: the suite cannot see the bug here, every verdict is INCONCLUSIVE");
	for (unsigned i = 0; i < n; i++)
		if (c[i].v != expected(&c[i]) || c[i].cant[0])
			printf("%s %s: %s: %s\n", c[i].kernel, c[i].variant, verdict_name(c[i].v), c[i].reason);
	for (unsigned i = 0; i < n; i++)
		if (c[i].verdict_path)
			printf("verdict %s %s: %s\n", c[i].kernel, c[i].variant, c[i].verdict_path);
}

static json_t *cell_json(const struct verify_opts *o, const struct cell *c)
{
	return json_pack("{s:s, s:s, s:b, s:o, s:s, s:i, s:s, s:o, s:o, s:f, s:o}",
			 "kernel", c->kernel, "variant", c->variant, "asked", c->asked,
			 "role", jstr_or_null(c->role), "verdict", verdict_name(c->v),
			 "status", verdict_exit_status(c->v), "reason", c->reason,
			 "verdict_id", jstr_or_null(c->verdict_id),
			 "verdict_file", jstr_or_null(c->verdict_path), "seconds", c->secs,
			 "evidence", c->judged ? entry_evidence(o, &c->j) : json_array());
}

/*
 * KTAP version 1, as the kernel's own tests print it: a test per kernel x
 * variant (ok when it came out as it should: FIXED, UNFIXED for the
 * fix-reverted build), each with a subtest per entry of group verify
 * (its measurements as diagnostics; SKIP where no run of it counted).
 */
static void print_ktap_series(const struct verify_opts *o, const struct cell *c, unsigned n,
			      const struct cell *cu, const struct cell *cf, bool ok)
{
	printf("KTAP version 1\n# irqlbench verify: %u kernel x variant, %u run(s) of each entry of "
	       "group %s in %s\n", n, o->runs, VERIFY_GROUP, o->suite_name);
	printf("# control: %s unfixed %s, fixed %s: %s\n", cu->kernel, verdict_name(cu->j.res.v),
	       verdict_name(cf->j.res.v), ok ? "ok" : "failed, every verdict INCONCLUSIVE");
	printf("1..%u\n", n);
	for (unsigned i = 0; i < n; i++) {
		char name[256];
		unsigned sub = 0, nsub = 0;

		token(c[i].kernel, name, sizeof(name));
		snprintf(name + strlen(name), sizeof(name) - strlen(name), ".%s", c[i].variant);
		token(name, name, sizeof(name));
		for (unsigned k = 0; k < o->suite->n; k++)
			nsub += suite_in_group(&o->suite->e[k], VERIFY_GROUP);
		printf("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", name, nsub);
		for (unsigned k = 0; k < o->suite->n; k++) {
			struct entry_sum e;
			unsigned runs, ign;
			bool good;

			if (!suite_in_group(&o->suite->e[k], VERIFY_GROUP))
				continue;
			entry_sum(c[i].judged ? &c[i].j : NULL, k, &e);
			runs = e.runs;
			ign = e.cls[3];
			printf("    # %s: %u run(s): write_cr8/iter %s%.2f, %u fixed, %u unfixed, %u ignored, "
			       "delivered immediately %llu, late %llu\n", o->suite->e[k].name, runs,
			       e.counted ? "" : "n/a ", e.counted ? e.sum / e.counted : 0.0, e.cls[0],
			       e.cls[1], ign, (unsigned long long)e.immediate, (unsigned long long)e.late);
			good = expected(&c[i]) == VERDICT_UNFIXED ? e.cls[1] == runs - ign :
								    e.cls[0] == runs - ign;
			if (!runs || ign == runs)
				printf("    ok %u %s # SKIP no run of it counted\n", ++sub, o->suite->e[k].name);
			else
				printf("    %s %u %s\n", good ? "ok" : "not ok", ++sub, o->suite->e[k].name);
		}
		printf("# %s %s: %s: %s\n", c[i].kernel, c[i].variant, verdict_name(c[i].v), c[i].reason);
		printf("%s %u %s\n", c[i].v == expected(&c[i]) ? "ok" : "not ok", i + 1, name);
	}
}

/* A cell's runs are in: its decision, and its progress line. */
static int judge_cell(const struct verify_opts *o, struct store *s, struct cell *c, unsigned i,
		      unsigned n)
{
	int rc = verify_judge(o, s, &c[i].l, &c[i].j);

	if (rc)
		return rc;
	c[i].judged = true;
	c[i].secs = util_now() - c[i].secs;
	if (c[i].cant[0]) {
		c[i].j.res.v = VERDICT_INCONCLUSIVE;
		snprintf(c[i].j.res.reason, sizeof(c[i].j.res.reason), "could not run: %.990s", c[i].cant);
	}
	fprintf(stderr, "irqlbench verify: [%u/%u] %s %s%s: %s in %.1f s\n", i + 1, n, c[i].kernel,
		c[i].variant, c[i].role ? " (control)" : "", verdict_name(c[i].j.res.v), c[i].secs);
	return 0;
}

static bool fatal(int rc)
{
	return rc == EXIT_USAGE || rc == EXIT_STORE || rc == EXIT_NOT_APPLICABLE;
}

/*
 * Every cell's lab batch, o->jobs of them side by side (each its own L1;
 * their progress lines interleave whole), in order; each decided as its
 * batch ends.  A cell that cannot run (its kernel cannot be fetched, its
 * build fails, its L1 fails) is INCONCLUSIVE with that reason and the
 * others go on; usage, store and not-applicable errors end verify (the
 * running batches are stopped): returns -1 with *status set.
 */
static int run_cells(const struct verify_opts *o, struct store *s, struct cell *c, unsigned n,
		     int *status)
{
	struct cellrun *r = calloc(n, sizeof(*r));
	bool *active = calloc(n, sizeof(*active));
	unsigned next = 0, running = 0, done = 0, jobs = o->jobs ? o->jobs : 1;
	char msg[PATH_MAX + 1024];
	int rc = 0;

	if (!r || !active)
		abort();
	while (done < n && !rc && !(verify_stopped() && !running)) {
		struct pollfd pfd[64];
		unsigned idx[64], np = 0;

		while (running < jobs && next < n && !rc && !verify_stopped()) {
			unsigned i = next++;
			char kt[96], *dir;

			token(c[i].kernel, kt, sizeof(kt));
			dir = xasprintf("%s/%s", o->out_dir, kt);
			c[i].secs = util_now();
			rc = cell_start(o, c[i].kernel, c[i].variant, dir, &r[i], msg, sizeof(msg));
			free(dir);
			if (fatal(rc))
				break;
			if (rc) {	/* this cell cannot run here: it says so */
				snprintf(c[i].cant, sizeof(c[i].cant), "%s", msg);
				rc = judge_cell(o, s, c, i, n);
				done++;
				continue;
			}
			active[i] = true;
			running++;
		}
		if (rc)
			break;
		for (unsigned i = 0; i < n && np < 64; i++)
			if (active[i] && r[i].ch.fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = r[i].ch.fd, .events = POLLIN };
				idx[np++] = i;
			}
		if (np && poll(pfd, np, -1) < 0 && errno != EINTR) {
			rc = cli_error(EXIT_ENV, "verify: poll: %s", strerror(errno));
			break;
		}
		for (unsigned k = 0; k < np && !rc; k++) {
			unsigned i = idx[k];

			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) || verify_drain(&r[i].ch))
				continue;
			/* its stderr ended: the batch is over */
			active[i] = false;
			running--;
			done++;
			rc = cell_finish(&r[i], s, &c[i].l, msg, sizeof(msg));
			if (fatal(rc))
				break;
			if (rc)
				snprintf(c[i].cant, sizeof(c[i].cant), "%s", msg);
			rc = judge_cell(o, s, c, i, n);
		}
	}
	if (rc) {	/* stop the batches still running */
		for (unsigned i = 0; i < n; i++)
			if (active[i]) {
				kill(r[i].ch.pid, SIGTERM);
				verify_reap(&r[i].ch);
			}
		*status = fatal(rc) && rc != EXIT_STORE ? cli_error(rc, "verify: %s", msg) : rc;
	}
	for (unsigned i = 0; i < n; i++)
		cellrun_free(&r[i]);
	free(r);
	free(active);
	return rc ? -1 : 0;
}

int verify_series(struct verify_opts *o)
{
	struct argv_buf kernels = { 0 };
	struct cell *c = NULL, *cu, *cf;
	struct store *s = NULL;
	const char *control;
	unsigned n = 0;
	bool ok;
	int rc, worst = 0;

	rc = o->kernels ? kernels_of_list(o->kernels, &kernels) ?: check_kernels(&kernels) :
			  kernels_of_series(o->series, &kernels);
	if (rc)
		goto out;
	control = o->control ? o->control : kernels.v[0];
	for (unsigned i = 0; i < kernels.n && o->control; i++)
		if (!strcmp(kernels.v[i], o->control))
			control = kernels.v[i];
	if (o->control) {
		bool in = false;

		for (unsigned i = 0; i < kernels.n; i++)
			in |= !strcmp(kernels.v[i], o->control);
		if (!in) {
			rc = cli_usage_error("verify", "--control %s is not among the kernels: give one of "
					     "the list", o->control);
			goto out;
		}
	}
	/* everything checked: now the folder and the store */
	if (util_mkdir_p(o->out_dir)) {
		rc = cli_error(EXIT_ENV, "verify: cannot create %s: %s: choose another --out-dir",
			       o->out_dir, strerror(errno));
		goto out;
	}
	s = store_open_cmd(o->db, true);
	if (!s) {
		rc = EXIT_STORE;
		goto out;
	}
	n = make_cells(o, &kernels, control, &c);
	fprintf(stderr, "irqlbench verify: %u kernel(s), %u kernel x variant in all (control: %s "
		"unfixed and fixed), %u entries of group %s x %u run(s) each, one L1 each; records in "
		"%s, store %s\n", kernels.n, n, control, o->nentries, VERIFY_GROUP, o->runs,
		o->out_dir, s->path);
	if (run_cells(o, s, c, n, &rc))
		goto out;
	if (verify_stopped()) {
		rc = cli_error(128 + verify_stopped(), "verify: stopped by signal %d: no verdict (the "
			       "records so far are in %s)", verify_stopped(), o->out_dir);
		goto out;
	}
	cu = &c[0];
	cf = &c[1];
	ok = cu->j.res.v == VERDICT_UNFIXED && cf->j.res.v == VERDICT_FIXED;
	for (unsigned i = 0; i < n; i++) {
		char kt[96], vt[256], *vdir;
		json_t *ctl = control_json(cu, cf, ok, c[i].role);

		c[i].v = ok ? c[i].j.res.v : VERDICT_INCONCLUSIVE;
		if (ok)
			snprintf(c[i].reason, sizeof(c[i].reason), "%s", c[i].j.res.reason);
		else
			snprintf(c[i].reason, sizeof(c[i].reason), "positive control failed: %s unfixed "
				 "came out %s, fixed %s (UNFIXED and FIXED expected): this run cannot see "
				 "the bug, so none of its verdicts stands; this one alone said %s: %s",
				 cu->kernel, verdict_name(cu->j.res.v), verdict_name(cf->j.res.v),
				 verdict_name(c[i].j.res.v), c[i].j.res.reason);
		token(c[i].kernel, kt, sizeof(kt));
		lab_variant_dir(c[i].variant, vt, sizeof(vt));
		vdir = xasprintf("%s/%s/%s", o->out_dir, kt, vt);
		c[i].verdict_path = xasprintf("%s/verdict.json", vdir);
		util_mkdir_p(vdir);	/* there when its L1 ran; a cell that could not run too */
		free(vdir);
		c[i].verdict_id = verify_write_verdict(o, s, c[i].verdict_path, &c[i].j, c[i].v,
						       c[i].reason, c[i].variant, c[i].kernel, ctl);
		json_decref(ctl);
		if (!c[i].verdict_id)
			worst = EXIT_ENV;
	}
	if (!strcmp(o->format, "json")) {
		json_t *cells = json_array(), *j;

		for (unsigned i = 0; i < n; i++)
			json_array_append_new(cells, cell_json(o, &c[i]));
		j = json_pack("{s:s, s:o, s:i, s:s, s:o}", "suites", o->suite_name,
			      "control", control_json(cu, cf, ok, NULL), "runs", o->runs,
			      "out_dir", o->out_dir, "cells", cells);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else if (!strcmp(o->format, "ktap")) {
		print_ktap_series(o, c, n, cu, cf, ok);
	} else {
		print_text(o, c, n, cu, cf, ok);
	}
	/* the status of the matrix asked for: 10 when a kernel that should be
	 * fixed is not, else 11 when any verdict is not what it should be */
	rc = EXIT_OK;
	for (unsigned i = 0; i < n; i++) {
		if (!c[i].asked || c[i].v == expected(&c[i]))
			continue;
		if (c[i].v == VERDICT_UNFIXED)
			rc = EXIT_UNFIXED;
		else if (rc != EXIT_UNFIXED)
			rc = EXIT_INCONCLUSIVE;
	}
	if (!ok)
		rc = EXIT_INCONCLUSIVE;
	if (worst && rc == EXIT_OK)
		rc = worst;
out:
	for (unsigned i = 0; i < n; i++) {
		verify_judged_free(&c[i].j);
		store_run_list_free(&c[i].l);
		free(c[i].kernel);
		free(c[i].variant);
		free(c[i].verdict_id);
		free(c[i].verdict_path);
	}
	free(c);
	argv_free(&kernels);
	store_close(s);
	return rc;
}

/* --- a verdict file checked against its runs ----------------------------- */

/* a and b alike, numbers equal as doubles (to 1e-9, relative): a file
 * rewritten by another JSON tool may print 384615.0 as 384615 */
static bool json_alike(json_t *a, json_t *b)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_number(a) && json_is_number(b)) {
		double p = json_number_value(a), q = json_number_value(b);

		return fabs(p - q) <= 1e-9 * fmax(fabs(p), fabs(q));
	}
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach(a, k, x)
			if (!json_alike(x, json_object_get(b, k)))
				return false;
		return true;
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		json_array_foreach(a, i, x)
			if (!json_alike(x, json_array_get(b, i)))
				return false;
		return true;
	}
	return json_equal(a, b);
}

/*
 * A guest-side verdict file against its runs judged again (j): every run
 * of backend guest, and its reason, counts, runs and summary, emulated
 * included, what the judgement gives: none of it may be written by hand.
 * A verdict another version of irqlbench wrote (its suite_version is not
 * this build's: a store merged from another host of a fleet, an older
 * store) is held to what decides it, its counts and emulated flag: the
 * wording of its reason and the rounding of its summary's figures change
 * between versions.
 */
static int guest_check_stored(json_t *v, const struct judged *j, char *err, size_t len)
{
	const char *ver = json_string_value(json_object_get(v, "suite_version"));
	bool same = ver && !strcmp(ver, util_suite_version());
	json_t *counts = json_pack("{s:i, s:i, s:i, s:i}", "on_time", j->g.on_time, "late", j->g.late,
				   "other", j->g.other, "ignored", j->g.ignored);
	json_t *summary = json_deep_copy(j->g.summary);
	const char *what = NULL;

	json_object_del(summary, "per_run");
	for (size_t i = 0; i < j->n; i++)
		if (!j->ord[i].info->backend || strcmp(j->ord[i].info->backend, "guest")) {
			snprintf(err, len, "its run %s is of backend %s: a guest-side verdict file judges "
				 "runs of backend guest", j->ord[i].info->id,
				 j->ord[i].info->backend ? j->ord[i].info->backend : "(none)");
			json_decref(counts);
			json_decref(summary);
			return -1;
		}
	if (same && strcmp(json_string_value(json_object_get(v, "reason")) ?: "", j->g.reason))
		what = "its reason";
	else if (!what && !json_alike(json_object_get(v, "counts"), counts))
		what = "its counts";
	else if (!what && same &&
		 !json_alike(json_object_get(v, "runs"), json_object_get(j->g.summary, "per_run")))
		what = "its runs' classes and numbers";
	else if (!what && same && !json_alike(json_object_get(v, "guest"), summary))
		what = "its guest summary";
	else if (!what && !json_equal(json_object_get(v, "emulated"), json_object_get(summary, "emulated")))
		what = "its emulated flag";
	json_decref(counts);
	json_decref(summary);
	if (what) {
		snprintf(err, len, "%s: not what its runs give (a verdict is decided from its runs: "
			 "write it with 'irqlbench verify --backend guest')", what);
		return -1;
	}
	return 0;
}

int verify_check_stored(struct store *s, json_t *v, char *err, size_t len)
{
	const char *vd = json_string_value(json_object_get(v, "verdict"));
	json_t *ctl = json_object_get(v, "control"), *runs = json_object_get(v, "runs");
	struct verify_opts o = { .format = "text" };
	struct suite *suite = NULL;
	struct run_list l = { 0 };
	struct judged j = { 0 };
	char *path, msg[1024], term[600];
	int st = 0;

	const char *vb = json_string_value(json_object_get(v, "backend"));
	bool guest = vb && !strcmp(vb, "guest");

	/* one run named twice would count twice */
	for (size_t i = 0; i < json_array_size(runs); i++)
		for (size_t k = 0; k < i; k++)
			if (json_equal(json_object_get(json_array_get(runs, i), "id"),
				       json_object_get(json_array_get(runs, k), "id"))) {
				snprintf(err, len, "its run %s is listed twice: a run counts once",
					 json_string_value(json_object_get(json_array_get(runs, i), "id")) ?: "?");
				return -1;
			}
	if (!vd || (!strcmp(vd, "INCONCLUSIVE") && !guest))
		return 0;		/* it claims nothing */
	if (json_is_object(ctl) && !json_is_true(json_object_get(ctl, "ok"))) {
		snprintf(err, len, "%s with a failed positive control: a series whose control failed "
			 "says INCONCLUSIVE", vd);
		return -1;
	}
	path = suite_default_path();
	suite = suite_load(path, &st, msg, sizeof(msg));
	free(path);
	if (!suite) {
		snprintf(err, len, "cannot check it against its runs: %s", msg);
		return -1;
	}
	o.suite = suite;
	/* a guest-side verdict is decided again by the guest-side logic */
	o.backend = json_string_value(json_object_get(v, "backend"));
	o.suite_name = getenv("IRQLBENCH_SUITES") && *getenv("IRQLBENCH_SUITES") ?
		       getenv("IRQLBENCH_SUITES") : SUITE_FILE;
	for (size_t i = 0; i < json_array_size(runs) && !st; i++) {
		const char *id = json_string_value(json_object_get(json_array_get(runs, i), "id"));
		size_t had = l.n;

		if (!id || verify_add_stored_run(s, id, &l, err, len)) {
			st = -1;
		} else if (l.n == had) {
			snprintf(err, len, "its run %s is not in the store: import its records first", id);
			st = -1;
		}
	}
	/* a verdict is of one setup: runs of several decide no FIXED or UNFIXED */
	if (!st && strcmp(vd, "INCONCLUSIVE") &&
	    verify_setup_split(&o, &l, msg, sizeof(msg), term, sizeof(term)) >= 0) {
		snprintf(err, len, "it says %s of %s: a verdict is of one backend, policy, variant, "
			 "kernel and host (verify --select refuses such a selection)", vd, msg);
		st = -1;
	}
	if (!st && verify_judge(&o, s, &l, &j))
		st = -1, snprintf(err, len, "its runs could not be read from the store");
	if (!st && strcmp(verdict_name(j.res.v), vd)) {
		snprintf(err, len, "it says %s, its runs decide %s by %s (%s): a verdict is decided from "
			 "its runs", vd, verdict_name(j.res.v), guest ? "the guest-side logic" : o.suite_name,
			 j.res.reason);
		st = -1;
	}
	if (!st && guest)
		st = guest_check_stored(v, &j, err, len);
	verify_judged_free(&j);
	store_run_list_free(&l);
	suite_free(suite);
	return st;
}
