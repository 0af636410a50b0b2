// SPDX-License-Identifier: MIT
/* record.c - the JSON result record (see record.h, results/SCHEMA.md). */
#include "record/record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/hostfacts.h"
#include "record/serial.h"
#include "cli/util.h"

char *record_make_id(double start, const char *backend, const char *workload)
{
	char ts[32];

	util_utc_compact(start, ts, sizeof(ts));
	return xasprintf("%s-%s-%s-%06x", ts, backend, workload, util_random24());
}

json_t *record_new(const char *id, const char *backend, const char *workload)
{
	json_t *rec = json_object();

	json_object_set_new(rec, "schema", json_string(RECORD_SCHEMA));
	json_object_set_new(rec, "id", json_string(id));
	json_object_set_new(rec, "status", json_string("failed"));
	json_object_set_new(rec, "error", json_pack("{s:s, s:s}", "kind", "launch",
						    "message", "the run did not finish"));
	json_object_set_new(rec, "workload", json_string(workload));
	json_object_set_new(rec, "params", json_object());
	json_object_set_new(rec, "backend", json_string(backend));
	json_object_set_new(rec, "emulated", json_boolean(!strcmp(backend, "tcg") ||
							   !strcmp(backend, "model")));
	json_object_set_new(rec, "policy", json_null());
	json_object_set_new(rec, "variant", json_null());
	json_object_set_new(rec, "launcher", json_string("direct"));
	json_object_set_new(rec, "tags", json_array());
	json_object_set_new(rec, "provenance", json_pack(
		"{s:s, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n}",
		"suite_version", util_suite_version(), "started_utc", "duration_s", "host",
		"kvm", "qemu", "libvirt", "lab", "pinning"));
	json_object_set_new(rec, "guest", json_null());
	json_object_set_new(rec, "verdict", json_null());
	json_object_set_new(rec, "phases", json_array());
	json_object_set_new(rec, "artifacts", json_pack("{s:n, s:n}", "serial_log", "trace"));
	return rec;
}

json_t *record_for_job(json_t *base, char *const *ids, unsigned job, unsigned njobs)
{
	json_t *r = job ? json_deep_copy(base) : json_incref(base);

	if (njobs < 2)
		return r;
	json_object_set_new(r, "id", json_string(ids[job]));
	json_object_set_new(json_object_get(r, "provenance"), "repeat",
			    json_pack("{s:i, s:i, s:s}", "index", (int)job, "count", (int)njobs,
				      "boot_id", ids[0]));
	return r;
}

void record_fail(json_t *rec, const char *kind, const char *message)
{
	/* The message may quote the guest's bytes: JSON strings must be UTF-8. */
	char *clean = xstrdup(message);

	for (char *c = clean; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	json_object_set_new(rec, "status", json_string("failed"));
	json_object_set_new(rec, "error", json_pack("{s:s, s:s}", "kind", kind,
						    "message", clean));
	free(clean);
}

int record_apply_report(json_t *rec, const struct serial_report *r)
{
	json_t *guest, *policy;

	if (r->outcome != SERIAL_REPORT || !r->phases || !r->guest || !r->params)
		return -1;
	guest = json_deep_copy(r->guest);
	/* The model names its policy among the guest facts; the record has
	 * a top-level key for it. */
	policy = json_object_get(guest, "policy");
	if (policy) {
		json_object_set(rec, "policy", policy);
		json_object_del(guest, "policy");
	}
	json_object_set_new(rec, "params", json_deep_copy(r->params));
	json_object_set_new(rec, "guest", guest);
	json_object_set_new(rec, "verdict", json_pack("{s:s, s:s}", "status", r->verdict,
						      "reason", r->reason));
	/* a status of ok is not "every interrupt on time": the guest's own
	 * count of late deliveries stays beside it (results/SCHEMA.md) */
	if (r->has_findings)
		json_object_set_new(json_object_get(rec, "verdict"), "findings",
				    json_pack("{s:I, s:I}", "late_deliveries", (json_int_t)r->late,
					      "unmasking_writes", (json_int_t)r->unmasking));
	json_object_set_new(rec, "phases", json_deep_copy(r->phases));
	if (strcmp(r->verdict, "ok")) {
		/* the workload's own check failed: never a result (README,
		 * "Reading a record"); the counters stay for the post-mortem */
		char *msg = NULL;

		if (asprintf(&msg, "the workload's own check failed: %s",
			     r->reason && *r->reason ? r->reason : "the guest gave no reason") < 0)
			abort();
		record_fail(rec, "verdict", msg);
		free(msg);
		return 0;
	}
	json_object_set_new(rec, "status", json_string("complete"));
	json_object_set_new(rec, "error", json_null());
	return 0;
}

json_t *record_host_facts(void)
{
	return host_facts_json("");
}

int record_write(const json_t *rec, const char *path)
{
	char *text = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	size_t len;
	int ret;

	if (!text) {
		errno = ENOMEM;
		return -1;
	}
	len = strlen(text);
	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	if (!strcmp(path, "-")) {
		errno = 0;
		ret = fwrite(text, 1, len, stdout) == len && !fflush(stdout) ? 0 : -1;
		if (ret && !errno)
			errno = EIO;
	} else {
		ret = util_write_atomic(path, text, len);
	}
	free(text);
	return ret;
}

json_t *record_load(const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = util_read_file(path, RECORD_MAX_BYTES, &len);
	json_error_t je;
	json_t *rec;

	if (!text) {
		snprintf(err, errlen, "%s", errno == EISDIR ? "is a folder" :
			 errno == EFBIG ? "larger than any record" : strerror(errno));
		return NULL;
	}
	rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!rec && je.line > 0)
		snprintf(err, errlen, "%s (line %d)", je.text, je.line);
	else if (!rec)
		snprintf(err, errlen, "%s", je.text);
	return rec;
}
