// SPDX-License-Identifier: MIT
/*
 * kcidb.c - stored runs and verdicts as a KCIDB I/O document, schema v5.0.
 *
 * What the schema asks is taken from kernelci/kcidb-io,
 * kcidb_io/schema/v05_00.py (v5.0) and v03_00.py, where the patterns it
 * inherits are defined: origin [a-z0-9_]+, every id "<origin>:<anything>",
 * test paths ^([a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*)?$, the status enum FAIL
 * ERROR MISS PASS DONE SKIP, number {value, unit, prefix}, environment
 * {comment, misc}, no property null.  tests/fixtures/kcidb/io-v5.0-subset.schema.json
 * restates that subset and results-export-kcidb.sh validates with it.
 * The mapping is results/SCHEMA.md's "KCIDB export".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/util.h"
#include "results/kcidb.h"
#include "verify/verdict.h"
#include "catalog.h"

void kcidb_init(struct kcidb *k)
{
	k->checkouts = json_array();
	k->builds = json_array();
	k->tests = json_array();
	k->seen = json_object();
	k->doc = json_pack("{s:{s:i, s:i}, s:o, s:o, s:o}", "version", "major", KCIDB_VERSION_MAJOR,
			   "minor", KCIDB_VERSION_MINOR, "checkouts", k->checkouts, "builds", k->builds,
			   "tests", k->tests);
}

json_t *kcidb_finish(struct kcidb *k)
{
	json_t *d = k->doc;

	json_decref(k->seen);
	memset(k, 0, sizeof(*k));
	return d;
}

/* --- names --------------------------------------------------------------- */

static bool path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

char *kcidb_component(const char *s, bool dash_to_underscore)
{
	size_t n = strlen(s), o = 0;
	char *out = xmalloc(n * 9 + 2);	/* "/iter" (5) -> "_per_iter" (9) at most */

	for (size_t i = 0; i < n; i++) {
		if (!strncmp(s + i, "/iter", 5) && !path_char(s[i + 5])) {
			memcpy(out + o, "_per_iter", 9);
			o += 9;
			i += 4;
		} else if (s[i] == '-' && dash_to_underscore) {
			out[o++] = '_';
		} else {
			out[o++] = path_char(s[i]) ? s[i] : '_';
		}
	}
	if (!o)
		out[o++] = '_';
	out[o] = '\0';
	return out;
}

bool kcidb_path_ok(const char *p)
{
	if (!*p)
		return true;	/* the root: all of a build's tests */
	for (bool start = true; ; p++) {
		if (!*p || *p == '.') {
			if (start)
				return false;	/* an empty component */
			if (!*p)
				return true;
			start = true;
		} else if (path_char(*p)) {
			start = false;
		} else {
			return false;
		}
	}
}

char *kcidb_metric_path(const char *run_path, const char *metric)
{
	char *m = xstrdup(metric), *out = xstrdup(run_path), *save = NULL;

	/* the metric's own dots (exit.write_cr8, dpc_queue_to_run.p50) are
	 * levels of the tree; a part that is only "/iter" cannot occur */
	for (char *t = strtok_r(m, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
		char *c = kcidb_component(t, false), *n = xasprintf("%s.%s", out, c);

		free(c);
		free(out);
		out = n;
	}
	free(m);
	return out;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

const char *kcidb_metric_unit(const char *metric, char *buf, size_t len)
{
	size_t n = strlen(metric);
	bool per_iter = ends_with(metric, "/iter");
	const char *base = NULL;
	char name[128];

	snprintf(name, sizeof(name), "%.*s", (int)(per_iter ? n - 5 : n), metric);
	if (ends_with(name, ".p50") || ends_with(name, ".p99") || strstr(name, "cycles"))
		base = "cycles";
	else if (ends_with(name, "_pct"))
		base = "%";
	else if (!strncmp(name, "exit.", 5))
		base = "exits";
	else if (!strncmp(name, "inj.", 4))
		base = "injections";
	else if (!strncmp(name, "delivery.", 9))
		base = "interrupts";
	if (!per_iter)
		return base;
	snprintf(buf, len, "%s/iter", base ? base : "");
	return buf;
}

const char *kcidb_verdict_status(const char *v, const char *expected)
{
	static const char *const decided[] = { "FIXED", "UNFIXED", "ON-TIME", "LATE" };

	if (v && !strcmp(v, "INCONCLUSIVE"))
		return "ERROR";		/* it ran, and the tested code's status is unknown */
	for (size_t i = 0; v && expected && i < sizeof(decided) / sizeof(decided[0]); i++)
		if (!strcmp(v, decided[i]))
			return !strcmp(v, expected) ? "PASS" : "FAIL";
	return NULL;
}

/* --- objects -------------------------------------------------------------- */

/* Sets key to a string, or to a copy of j, only when there is one: the
 * schema allows no null. */
static void put_str(json_t *o, const char *key, const char *s)
{
	if (s && *s)
		json_object_set_new(o, key, json_string(s));
}

static void put_copy(json_t *o, const char *key, json_t *j)
{
	if (j && !json_is_null(j))
		json_object_set_new(o, key, json_deep_copy(j));
}

/* A copy of j without its null members (nested objects too). */
static json_t *without_nulls(json_t *j)
{
	const char *key;
	json_t *v, *o;

	if (!json_is_object(j))
		return json_deep_copy(j);
	o = json_object();
	json_object_foreach(j, key, v)
		if (!json_is_null(v))
			json_object_set_new(o, key, without_nulls(v));
	return o;
}

/* The kernel under test: its Debian version, upstream version and ABI. */
struct kernel_id {
	const char *pkg, *upstream, *abi;
	bool model;		/* the model backend: no kernel, the policy is the code */
};

static void run_kernel(json_t *rec, struct kernel_id *kid)
{
	json_t *p = json_object_get(rec, "provenance"), *h = json_object_get(p, "host");
	json_t *lk = json_object_get(json_object_get(p, "lab"), "kernel");
	const char *backend = json_string_value(json_object_get(rec, "backend"));

	memset(kid, 0, sizeof(*kid));
	if (backend && !strcmp(backend, "model")) {
		kid->model = true;
	} else if (json_is_object(lk)) {	/* lab: L1's kernel is the one measured */
		kid->pkg = json_string_value(json_object_get(lk, "debian_version"));
		kid->upstream = json_string_value(json_object_get(lk, "upstream"));
		kid->abi = json_string_value(json_object_get(lk, "abi"));
	} else {
		kid->pkg = json_string_value(json_object_get(h, "kernel_package"));
		kid->upstream = json_string_value(json_object_get(h, "kernel_upstream"));
		kid->abi = json_string_value(json_object_get(h, "kernel"));
	}
}

/* Adds the checkout of kid (once) and returns its id.  To free. */
static char *add_checkout(struct kcidb *k, const struct kernel_id *kid)
{
	const char *key = kid->pkg && *kid->pkg ? kid->pkg : kid->abi && *kid->abi ? kid->abi : NULL;
	/* an id is the origin, a colon and any text: the version as it is */
	char *id = kid->model ? xstrdup(KCIDB_ORIGIN ":model") :
		   key ? xasprintf(KCIDB_ORIGIN ":kernel-%s", key) : xstrdup(KCIDB_ORIGIN ":unknown");
	json_t *o, *misc;

	if (json_object_get(k->seen, id))
		return id;
	json_object_set_new(k->seen, id, json_true());
	o = json_pack("{s:s, s:s}", "id", id, "origin", KCIDB_ORIGIN);
	misc = json_object();
	if (kid->model) {
		put_str(o, "comment", "irqlbench's model of KVM's CR8/TPR handling (no kernel ran)");
	} else if (key) {
		char *cm = xasprintf("Linux %s%s%s%s%s%s", kid->upstream ? kid->upstream : key,
				     kid->pkg ? " (Debian " : "", kid->pkg ? kid->pkg : "",
				     kid->pkg ? ")" : "", kid->abi ? ", " : "", kid->abi ? kid->abi : "");

		put_str(o, "comment", cm);
		free(cm);
		put_str(misc, "debian_version", kid->pkg);
		put_str(misc, "upstream", kid->upstream);
		put_str(misc, "abi", kid->abi);
	} else {
		put_str(o, "comment", "a kernel no record names");
	}
	json_object_set_new(o, "misc", misc);
	json_array_append_new(k->checkouts, o);
	return id;
}

/* Adds the build of the checkout with this series (variant, policy or
 * backend) once, and returns its id.  To free. */
static char *add_build(struct kcidb *k, const struct kernel_id *kid, const char *kind,
		       const char *series)
{
	char *cid = add_checkout(k, kid), *id = xasprintf("%s-%s", cid, series ? series : "none");
	json_t *o;

	if (!json_object_get(k->seen, id)) {
		char *cm = xasprintf("%s %s", kind, series ? series : "none");

		json_object_set_new(k->seen, id, json_true());
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "id", id, "origin", KCIDB_ORIGIN,
			      "checkout_id", cid, "comment", cm, "architecture", "x86_64",
			      "misc", kind, series ? series : "none");
		json_array_append_new(k->builds, o);
		free(cm);
	}
	free(cid);
	return id;
}

/* environment: {comment: "HOST, BACKEND[, emulated]", misc: the host's
 * identity (provenance.host, results/SCHEMA.md) and the backend}. */
static json_t *environment(json_t *host, const char *backend, const char *launcher, bool emulated)
{
	static const char *const keys[] = { "hostname", "cpu_vendor", "cpu_model", "cpu_family",
		"cpu_model_number", "cpu_stepping", "microcode", "kernel", NULL };
	json_t *misc = json_object(), *hv = json_object_get(host, "hypervisor"), *env;
	const char *name = json_string_value(json_object_get(host, "hostname"));
	char *cm;

	for (size_t i = 0; keys[i]; i++)
		put_copy(misc, keys[i], json_object_get(host, keys[i]));
	put_copy(misc, "dmi_product_name", json_object_get(hv, "dmi_product_name"));
	put_copy(misc, "dmi_product_name_why", json_object_get(hv, "dmi_product_name_why"));
	put_copy(misc, "hypervisor", json_object_get(hv, "vendor"));
	put_str(misc, "backend", backend);
	put_str(misc, "launcher", launcher);
	json_object_set_new(misc, "emulated", json_boolean(emulated));
	cm = xasprintf("%s, backend %s%s", name ? name : "an unnamed host", backend ? backend : "?",
		       emulated ? ", emulated" : "");
	env = json_pack("{s:s, s:o}", "comment", cm, "misc", misc);
	free(cm);
	return env;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A parameter of the test's name: the workload's own (workloads/catalog.c)
 * but for the run's length (iterations, duration_ms), and a common one
 * (probe, clock_raises_irql, ...) that is not at its default; warmup
 * never.  A workload the catalog does not know: all but those three. */
static bool names_test(const struct wl_info *w, const char *key, json_t *v)
{
	const struct wl_param *p;

	if (!strcmp(key, "iterations") || !strcmp(key, "warmup") || !strcmp(key, "duration_ms"))
		return false;
	if (!w)
		return true;
	for (p = w->params; p->name; p++)
		if (!strcmp(p->name, key))
			return true;
	for (p = wl_common_params; p->name; p++)
		if (!strcmp(p->name, key))
			return !json_is_integer(v) || (uint64_t)json_integer_value(v) != p->def;
	return true;
}

/* "irqlbench.<workload>.<key-value>...": the run's workload and the
 * parameters that name it (names_test()), keys sorted. */
static char *run_path(json_t *rec)
{
	const char *wl = json_string_value(json_object_get(rec, "workload"));
	json_t *params = json_object_get(rec, "params"), *v;
	char *c = kcidb_component(wl ? wl : "unknown", true);
	char *path = xasprintf(KCIDB_ORIGIN ".%s", c);
	const char **keys;
	size_t n = 0, i;
	const char *key;

	free(c);
	keys = xmalloc((json_object_size(params) + 1) * sizeof(*keys));
	json_object_foreach(params, key, v)
		if (names_test(wl ? wl_find(wl) : NULL, key, v))
			keys[n++] = key;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 0; i < n; i++) {
		char *val, *kv, *next;

		v = json_object_get(params, keys[i]);
		val = json_is_string(v) ? xstrdup(json_string_value(v)) :
		      json_is_boolean(v) ? xstrdup(json_is_true(v) ? "1" : "0") :
		      json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		kv = xasprintf("%s-%s", keys[i], val ? val : "");
		c = kcidb_component(kv, false);
		next = xasprintf("%s.%s", path, c);
		free(val);
		free(kv);
		free(c);
		free(path);
		path = next;
	}
	free(keys);
	return path;
}

/* misc of a run's tests: the record's id, emulated, and what names it. */
static json_t *run_misc(json_t *rec)
{
	json_t *p = json_object_get(rec, "provenance"), *m = json_object();

	put_copy(m, "record_id", json_object_get(rec, "id"));
	json_object_set_new(m, "emulated", json_boolean(json_is_true(json_object_get(rec, "emulated"))));
	put_copy(m, "backend", json_object_get(rec, "backend"));
	put_copy(m, "policy", json_object_get(rec, "policy"));
	put_copy(m, "variant", json_object_get(rec, "variant"));
	put_copy(m, "suite_version", json_object_get(p, "suite_version"));
	if (json_is_object(json_object_get(rec, "params")))
		json_object_set_new(m, "params", without_nulls(json_object_get(rec, "params")));
	put_copy(m, "tags", json_object_get(rec, "tags"));
	return m;
}

/* The fields every test of a run shares. */
static json_t *run_test(json_t *rec, const char *id, const char *build, const char *path,
			const char *status, json_t *env)
{
	json_t *p = json_object_get(rec, "provenance"), *dur = json_object_get(p, "duration_s");
	json_t *t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "id", id, "origin", KCIDB_ORIGIN,
			      "build_id", build, "path", path, "status", status, "environment", env);

	put_copy(t, "start_time", json_object_get(p, "started_utc"));
	if (json_is_number(dur) && json_number_value(dur) >= 0)
		json_object_set_new(t, "duration", json_real(json_number_value(dur)));
	return t;
}

void kcidb_add_run(struct kcidb *k, json_t *rec, const struct metric_set *m, bool failed)
{
	const char *rid = json_string_value(json_object_get(rec, "id"));
	const char *backend = json_string_value(json_object_get(rec, "backend"));
	const char *series = json_string_value(json_object_get(rec, "policy"));
	const char *kind = "policy", *status;
	json_t *prov = json_object_get(rec, "provenance"), *host = json_object_get(prov, "host");
	json_t *phys = json_object_get(json_object_get(prov, "lab"), "physical_host");
	json_t *err = json_object_get(rec, "error"), *env, *t;
	bool emulated = json_is_true(json_object_get(rec, "emulated"));
	struct kernel_id kid;
	char *build, *path, *id;

	if (!series) {
		series = json_string_value(json_object_get(rec, "variant"));
		kind = "variant";
	}
	if (!series) {
		series = backend;
		kind = "backend";
	}
	run_kernel(rec, &kid);
	build = add_build(k, &kid, kind, series);
	path = run_path(rec);
	/* a lab run's host is the machine L1 ran on (provenance.host is L1's) */
	env = environment(json_is_object(phys) ? phys : host, backend,
			  json_string_value(json_object_get(rec, "launcher")), emulated);
	/* the run itself: complete, the workload's own check failed, or failed */
	status = !failed ? "PASS" :
		 !strcmp(json_string_value(json_object_get(rec, "status")) ?: "", "complete") ? "FAIL" :
		 "ERROR";
	id = xasprintf(KCIDB_ORIGIN ":%s", rid ? rid : "?");
	t = run_test(rec, id, build, path, status, env);
	free(id);
	if (failed) {
		const char *msg = json_string_value(json_object_get(err, "message"));
		const char *reason = json_string_value(json_object_get(json_object_get(rec, "verdict"),
								       "reason"));

		put_str(t, "comment", msg ? msg : reason);
	}
	json_object_set_new(t, "misc", run_misc(rec));
	json_array_append_new(k->tests, t);
	/* its numbers: a failed run's are no result (results/SCHEMA.md) */
	for (size_t i = 0; !failed && m && i < m->n; i++) {
		char unit[64], *mpath;
		const char *u;
		json_t *num, *misc;

		if (!isfinite(m->v[i].v))
			continue;
		mpath = kcidb_metric_path(path, m->v[i].name);
		id = xasprintf(KCIDB_ORIGIN ":%s:%s", rid ? rid : "?", m->v[i].name);
		t = run_test(rec, id, build, mpath, "DONE", env);
		num = json_pack("{s:f}", "value", m->v[i].v);
		u = kcidb_metric_unit(m->v[i].name, unit, sizeof(unit));
		put_str(num, "unit", u);
		json_object_set_new(t, "number", num);
		misc = run_misc(rec);
		json_object_set_new(misc, "metric", json_string(m->v[i].name));
		json_object_set_new(t, "misc", misc);
		json_array_append_new(k->tests, t);
		free(mpath);
		free(id);
	}
	json_decref(env);
	free(path);
	free(build);
}

void kcidb_add_verdict(struct kcidb *k, json_t *v)
{
	const char *vid = json_string_value(json_object_get(v, "id"));
	const char *verdict = json_string_value(json_object_get(v, "verdict"));
	const char *backend = json_string_value(json_object_get(v, "backend"));
	const char *reason = json_string_value(json_object_get(v, "reason"));
	const char *series = json_string_value(json_object_get(v, "variant"));
	const char *policy = json_string_value(json_object_get(v, "policy"));
	/* a verdict against what its setup should give: the positive
	 * control's UNFIXED is its pass */
	enum verdict want = verdict_expected(backend, series, policy);
	const char *expected = verdict_name(want), *kind = "variant";
	const char *status = kcidb_verdict_status(verdict, expected), *path;
	json_t *kj = json_object_get(v, "kernel"), *runs = json_object_get(v, "runs"), *r;
	json_t *t, *misc, *ids = json_array();
	bool emulated = json_is_true(json_object_get(v, "emulated"));
	struct kernel_id kid = { 0 };
	char *build, *id, *cm;
	size_t i;

	if (!series && policy) {
		series = policy;
		kind = "policy";
	}
	if (!series) {
		series = backend;
		kind = "backend";
	}
	if (backend && !strcmp(backend, "model")) {
		kid.model = true;
	} else {
		kid.pkg = json_string_value(json_object_get(kj, "debian_version"));
		kid.upstream = json_string_value(json_object_get(kj, "upstream"));
		kid.abi = json_string_value(json_object_get(kj, "abi"));
	}
	build = add_build(k, &kid, kind, series);
	id = xasprintf(KCIDB_ORIGIN ":%s", vid ? vid : "?");
	path = backend && !strcmp(backend, "guest") ? KCIDB_ORIGIN ".verify.guest" :
	       want == VERDICT_UNFIXED ? KCIDB_ORIGIN ".verify.control" : KCIDB_ORIGIN ".verify";
	t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", id, "origin", KCIDB_ORIGIN,
		      "build_id", build, "path", path, "status", status ? status : "ERROR",
		      "environment", environment(json_object_get(v, "host"), backend, NULL, emulated));
	put_copy(t, "start_time", json_object_get(v, "created_utc"));
	cm = xasprintf("%s: %s", verdict ? verdict : "?", reason ? reason : "");
	put_str(t, "comment", cm);
	free(cm);
	json_array_foreach(runs, i, r) {
		json_t *rid = json_is_object(r) ? json_object_get(r, "id") : r;

		if (json_is_string(rid))
			json_array_append(ids, rid);
	}
	misc = json_object();
	put_str(misc, "verdict_id", vid);
	put_str(misc, "verdict", verdict);
	put_str(misc, "expected", expected);
	put_copy(misc, "exit_status", json_object_get(v, "status"));
	json_object_set_new(misc, "emulated", json_boolean(emulated));
	if (json_is_object(json_object_get(v, "control")))
		json_object_set_new(misc, "control", without_nulls(json_object_get(v, "control")));
	put_copy(misc, "counts", json_object_get(v, "counts"));
	put_copy(misc, "suite_version", json_object_get(v, "suite_version"));
	json_object_set_new(misc, "runs", ids);
	json_object_set_new(t, "misc", misc);
	json_array_append_new(k->tests, t);
	free(id);
	free(build);
}
