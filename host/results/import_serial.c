// SPDX-License-Identifier: MIT
/*
 * import_serial.c - `irqlbench results import --serial LOG`: the reports of
 * a serial log that a user captured (a VM booted from the ISO of `irqlbench
 * image` on Hyper-V, VMware, Xen, Proxmox, a cloud) into records.
 *
 * The log is cut into jobs and parsed as `run` does (serial_reports(),
 * serial_parse_job(): every report's line count and FNV-1a are checked),
 * and each job's record is built by the run's own code (record_new(),
 * record_apply_report(), record_for_job()).  Such a record says only what
 * was observed: backend "guest" (the guest's own counters and, with probe=1,
 * its estimate of the exits), the hypervisor the guest saw (its H line), and
 * where the numbers came from (provenance.source); no host, QEMU or kvm
 * facts, which nobody observed.  Its id is made from the guest's bytes (the
 * log's hash, CRs of a CR LF capture dropped) and the job, never from the
 * file's name or time: a copy of a capture imported again is the same run,
 * and a job already in the store is left as it is ("unchanged").
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "cli/cli.h"
#include "cli/stopsig.h"
#include "klib.h"
#include "record/record.h"
#include "record/serial.h"
#include "results/import_serial.h"

#define JOB_LINE	"irqlbench-guest job "
#define BOOT_LINE	"irqlbench-guest v=1 boot"
#define IMAGE_LINE	"irqlbench-guest image "
#define HALT_LINE	"irqlbench-guest v=1 halt"
#define REPORT_LINE	"@@ irqlbench report v"	/* v1 or v2 */

/* What the lines outside the reports say of the boot. */
struct log_facts {
	unsigned jobs;		/* the N of "job K of N", 1 if none */
	unsigned boots;		/* boot lines */
	/* what is wrong with the job lines, or "": they must count 1..N in
	 * order with one N, and no report may follow the halt line */
	char bad[160];
	char *image;		/* the VERSION of "irqlbench-guest image VERSION" (the
				 * ISO's irqlbench), or NULL; to free */
};

static void scan_log(const char *buf, size_t len, struct log_facts *f)
{
	unsigned seen = 0, n_first = 0;
	bool halted = false;

	f->jobs = 1;
	f->boots = 0;
	f->image = NULL;
	f->bad[0] = '\0';
	for (const char *l = buf; l && l < buf + len; l = memchr(l, '\n', (size_t)(buf + len - l)),
	     l = l ? l + 1 : NULL) {
		unsigned k, n;

		if (!strncmp(l, BOOT_LINE, strlen(BOOT_LINE))) {
			f->boots++;
		} else if (!strncmp(l, HALT_LINE, strlen(HALT_LINE))) {
			halted = true;
		} else if (!strncmp(l, REPORT_LINE, strlen(REPORT_LINE)) && halted && !f->bad[0]) {
			snprintf(f->bad, sizeof(f->bad), "a report follows the guest's halt line: "
				 "more than one boot");
		} else if (!strncmp(l, JOB_LINE, strlen(JOB_LINE)) &&
			   sscanf(l + strlen(JOB_LINE), "%u of %u", &k, &n) == 2) {
			if (!seen)
				n_first = n;
			seen++;
			if (!f->bad[0] && (n != n_first || k != seen || k > n))
				snprintf(f->bad, sizeof(f->bad), "its job lines do not count 1 to %u in "
					 "order (line 'job %u of %u' after %u of them)", n_first, k, n,
					 seen - 1);
			if (n > f->jobs)
				f->jobs = n;
		} else if (!f->image && !strncmp(l, IMAGE_LINE, strlen(IMAGE_LINE))) {
			f->image = strndup(l + strlen(IMAGE_LINE),
					   strcspn(l + strlen(IMAGE_LINE), " \r\n"));
		}
	}
}

/*
 * A capture that turned the guest's "\n" into "\r\n" (a terminal's log, a
 * console download) has other bytes than the ones the guest hashed: its
 * CR before each LF is dropped, in place.  Returns the new length.
 */
static size_t drop_crlf(char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++)
		if (!(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))
			buf[o++] = buf[i];
	buf[o] = 0;
	return o;
}

/* What the records share: where they came from (provenance.source): the
 * file as read (bytes, hash), whether CRs were dropped. */
static json_t *source_json(const char *log, uint32_t fnv, size_t len, const char *mtime,
			   unsigned njobs, bool crlf)
{
	char hash[16], *abs = realpath(log, NULL);
	json_t *j;

	snprintf(hash, sizeof(hash), "%08x", fnv);
	j = json_pack("{s:s, s:s, s:I, s:s, s:b, s:s, s:i}", "kind", "serial-log", "file",
		      abs ? abs : log, "bytes", (json_int_t)len, "fnv1a", hash, "crlf", crlf,
		      "modified_utc", mtime, "jobs", (int)njobs);
	free(abs);
	return j;
}

/* Job @job's record from its checked report; NULL after the one line. */
static json_t *job_json(const struct serial_report *sr, char *const *ids, unsigned job,
			unsigned njobs, const json_t *source, const char *mtime,
			const struct argv_buf *tags)
{
	json_t *base = record_new(ids[job], "guest", sr->workload), *rec, *prov, *src, *t;
	const char *hv;

	record_apply_report(base, sr);
	rec = record_for_job(base, ids, job, njobs);
	json_decref(base);
	prov = json_object_get(rec, "provenance");
	json_object_set_new(prov, "started_utc", json_string(mtime));
	src = json_deep_copy(source);
	hv = json_string_value(json_object_get(json_object_get(rec, "guest"), "hypervisor"));
	json_object_set_new(src, "job", json_integer(job));
	json_object_set_new(src, "hypervisor", json_string(hv ? hv : "none"));
	json_object_set_new(prov, "source", src);
	/* under QEMU's TCG the guest's times are emulated */
	json_object_set_new(rec, "emulated", json_boolean(hv && !strcmp(hv, "TCGTCGTCGTCG")));
	json_object_set_new(rec, "launcher", json_null());
	t = json_object_get(rec, "tags");
	for (unsigned i = 0; tags && i < tags->n; i++)
		json_array_append_new(t, json_string(tags->v[i]));
	json_object_set_new(json_object_get(rec, "artifacts"), "serial_log",
			    json_string("serial.log"));
	return rec;
}

/* 0 when the report's workload is the catalog's and every parameter of its
 * A line is that workload's; -1 with err. */
static int known_workload(const struct serial_report *sr, char *err, size_t len)
{
	const struct wl_info *w = wl_find(sr->workload);
	const char *k;
	json_t *v;

	if (!w) {
		snprintf(err, len, "its report names workload '%.64s', which this irqlbench does not "
			 "have ('irqlbench list')", sr->workload);
		return -1;
	}
	json_object_foreach(sr->params, k, v)
		if (!wl_find_param(w, k)) {
			snprintf(err, len, "its report gives workload %s a parameter '%.64s' it does "
				 "not have", w->name, k);
			return -1;
		}
	return 0;
}

/* Every job's record, checked and written into dir beside the log's copy. */
static int build(const char *log, const json_t *source, const char *buf, size_t len,
		 unsigned njobs, const char *dir, const struct argv_buf *tags,
		 struct argv_buf *files, struct argv_buf *idlist)
{
	struct stat sb;
	char mtime[32], err[1024], **ids = xmalloc(njobs * sizeof(*ids));
	uint32_t h = kfnv1a(KFNV1A_INIT, buf, len);
	int rc = 0;

	stat(log, &sb);
	util_utc_iso((double)sb.st_mtime, mtime, sizeof(mtime));
	for (unsigned j = 0; j < njobs; j++)
		ids[j] = NULL;
	for (unsigned j = 0; j < njobs && !rc; j++) {
		struct serial_report sr;
		char where[64];
		json_t *rec;

		snprintf(where, sizeof(where), "job %u of %u", j + 1, njobs);
		if (serial_parse_job(buf, len, j, njobs, &sr) != SERIAL_REPORT) {
			char *why = xasprintf("%s: %s", serial_outcome_name(sr.outcome), sr.message);
			bool failed = sr.outcome == SERIAL_EXCEPTION || sr.outcome == SERIAL_ERROR;

			rc = cli_error(EXIT_USAGE, "refused %s: %s: %s: %s", log, where, why, failed ?
				       "the guest failed in that job and printed no report: run it under 'irqlbench run' to see why" :
				       "import a log whose reports are whole (check the capture, e.g. the serial console's buffer)");
			free(why);
			serial_report_free(&sr);
			break;
		}
		if (known_workload(&sr, err, sizeof(err))) {
			rc = cli_error(EXIT_USAGE, "refused %s: %s: %s: import the log of an irqlbench guest",
				       log, where, err);
			serial_report_free(&sr);
			break;
		}
		/* the guest's bytes and the job, nothing of the file */
		ids[j] = xasprintf("serial-%08x-%u-guest-%s", h, j + 1, sr.workload);
		rec = job_json(&sr, ids, j, njobs, source, mtime, tags);
		serial_report_free(&sr);
		if (store_validate_record(rec, err, sizeof(err))) {
			rc = cli_error(EXIT_USAGE, "refused %s: %s: %s", log, where, err);
		} else {
			char *f = xasprintf("%s/job-%03u.json", dir, j);

			if (record_write(rec, f))
				rc = cli_error(EXIT_ENV, "cannot write %s: %s: set TMPDIR to a writable folder",
					       f, strerror(errno));
			argv_add(files, f);
			argv_add(idlist, ids[j]);
			free(f);
		}
		json_decref(rec);
	}
	for (unsigned j = 0; j < njobs; j++)
		free(ids[j]);
	free(ids);
	return rc;
}

static int import_files(struct store *s, const char *log, const struct argv_buf *files,
			const struct argv_buf *ids, unsigned *added, unsigned *unchanged)
{
	char id[256], err[1024];
	bool *have = calloc(files->n + 1, sizeof(*have));

	if (!have)
		abort();
	/* a job this capture already gave the store stays as it is (its tags
	 * too): a copy of the capture is the same run */
	for (unsigned j = 0; j < files->n; j++) {
		json_t *old = store_run_record(s, ids->v[j], err, sizeof(err));

		have[j] = old != NULL;
		json_decref(old);
	}
	for (unsigned j = 0; j < files->n; j++) {
		if (have[j]) {
			printf("unchanged %s  (%s job %u of %u: already imported from this capture; "
			       "its tags stay as they were)\n", ids->v[j], log, j + 1, files->n);
			(*unchanged)++;
			continue;
		}
		switch (store_import_file(s, files->v[j], id, sizeof(id), err, sizeof(err))) {
		case IMPORT_NEW:
			printf("imported  %s  (%s job %u of %u)\n", id, log, j + 1, files->n);
			(*added)++;
			break;
		case IMPORT_UNCHANGED:
		case IMPORT_RESTORED:
		case IMPORT_SKIPPED:
			printf("unchanged %s  (already in the store)\n", id);
			(*unchanged)++;
			break;
		case IMPORT_REFUSED:
			free(have);
			return cli_error(EXIT_USAGE, "refused %s: job %u of %u: %s", log, j + 1,
					 files->n, err);
		case IMPORT_STORE_ERROR:
			free(have);
			return cli_error(EXIT_STORE, "%s", err);
		case IMPORT_STOPPED:	/* the jobs before it are in, each its own import */
			free(have);
			return cli_error(128 + stop_signal(), "import stopped by %s: job %u of %u of %s "
					 "was not stored; %u imported before it stay in the store",
					 stop_signal_name(stop_signal()), j + 1, files->n, log, *added);
		}
	}
	free(have);
	return EXIT_OK;
}

int results_import_serial(struct store *s, const char *log, const struct argv_buf *tags,
			  unsigned *added, unsigned *unchanged)
{
	struct argv_buf files = { 0 }, idlist = { 0 };
	struct stat sb;
	size_t len = 0, read_len;
	struct log_facts facts;
	unsigned reports;
	char *buf, *dir, *copy, mtime[32];
	uint32_t fnv;
	json_t *source;
	int rc;

	if (stat(log, &sb) || !S_ISREG(sb.st_mode))
		return cli_error(EXIT_USAGE, "refused %s: %s: give the serial log file", log,
				 errno && stat(log, &sb) ? strerror(errno) : "not a regular file");
	if (sb.st_size > (off_t)SERIAL_MAX_LOG)
		return cli_error(EXIT_USAGE, "refused %s: %lld bytes, above the %u MiB a serial log may "
				 "have: cut it to the guest's boot (from its 'irqlbench-guest v=1 boot' line)",
				 log, (long long)sb.st_size, SERIAL_MAX_LOG >> 20);
	buf = util_read_file(log, SERIAL_MAX_LOG, &len);
	if (!buf)
		return cli_error(EXIT_USAGE, "refused %s: cannot read it: %s", log, strerror(errno));
	util_utc_iso((double)sb.st_mtime, mtime, sizeof(mtime));
	read_len = len;
	fnv = kfnv1a(KFNV1A_INIT, buf, len);
	len = drop_crlf(buf, len);
	reports = serial_reports(buf, len);
	scan_log(buf, len, &facts);
	if (facts.boots > 1) {
		free(facts.image);
		free(buf);
		return cli_error(EXIT_USAGE, "refused %s: it holds %u boots of the guest: give one boot's log (split it at the 'irqlbench-guest v=1 boot' lines)",
				 log, facts.boots);
	}
	if (facts.bad[0] || (reports > facts.jobs && reports)) {
		rc = cli_error(EXIT_USAGE, "refused %s: %s: give one boot's whole log, as the guest printed it",
			       log, facts.bad[0] ? facts.bad :
			       "it holds more reports than the jobs its boot announced");
		free(facts.image);
		free(buf);
		return rc;
	}
	if (!reports || reports < facts.jobs) {
		struct serial_report sr;

		serial_parse(buf, len, &sr);
		if (!reports)
			rc = cli_error(EXIT_USAGE, "refused %s: no complete report (%s: %s): import the log of a guest that finished",
				       log, serial_outcome_name(sr.outcome), sr.message);
		else
			rc = cli_error(EXIT_USAGE, "refused %s: it holds %u of the boot's %u reports: truncated: import the whole capture",
				       log, reports, facts.jobs);
		serial_report_free(&sr);
		free(facts.image);
		free(buf);
		return rc;
	}
	dir = xasprintf("%s/irqlbench-serial.XXXXXX", util_tmp_dir());
	if (!mkdtemp(dir)) {
		rc = cli_error(EXIT_ENV, "cannot create %s: %s: set TMPDIR to a writable folder", dir,
			       strerror(errno));
		free(dir);
		free(facts.image);
		free(buf);
		return rc;
	}
	/* the hash and size of the file as read; the guest's bytes go with the records */
	source = source_json(log, fnv, read_len, mtime, reports, len != read_len);
	json_object_set_new(source, "image", facts.image ? json_string(facts.image) : json_null());
	free(facts.image);
	copy = xasprintf("%s/serial.log", dir);
	rc = util_write_atomic(copy, buf, len) ?
	     cli_error(EXIT_ENV, "cannot write %s: %s: set TMPDIR to a writable folder", copy,
		       strerror(errno)) :
	     build(log, source, buf, len, reports, dir, tags, &files, &idlist);
	json_decref(source);
	if (!rc)
		rc = import_files(s, log, &files, &idlist, added, unchanged);
	for (unsigned j = 0; j < files.n; j++)
		unlink(files.v[j]);
	unlink(copy);
	rmdir(dir);
	argv_free(&files);
	argv_free(&idlist);
	free(copy);
	free(dir);
	free(buf);
	return rc;
}
