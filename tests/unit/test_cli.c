// SPDX-License-Identifier: MIT
/*
 * test_cli.c - the option tables' parser (host/cli/options.c) by hand:
 * every way to give an option and its value, and every usage error with
 * its one line and status.
 */
#include <fcntl.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"
#include "cli/util.h"

struct targs {
	const char *db, *format, *backend, *cb_value;
	bool all, quiet;
	unsigned vcpus;
	uint64_t hz;
	struct argv_buf params;
	int cb_calls;
	const char *first_tagged;
};

static int cb(const struct cli_option *o, void *args, const char *value, const char *cmd)
{
	struct targs *a = args;

	(void)o;
	a->cb_calls++;
	a->cb_value = value;
	if (value && !strcmp(value, "bad"))
		return cli_usage_error(cmd, "--cb %s: not that", value);
	return 0;
}

static void seen(void *args, const struct cli_option *o)
{
	struct targs *a = args;

	if (o->tag && !a->first_tagged)
		a->first_tagged = o->name;
}

static const char *const backends[] = { "tcg", "kvm", NULL };

static const struct cli_option opts[] = {
	{ CLI_STRING('d', "db", struct targs, db, "FILE", "the store") },
	{ CLI_FLAG('a', "all", struct targs, all, "everything") },
	{ CLI_FLAG('q', "quiet", struct targs, quiet, "no summary"), .tag = 1 },
	{ CLI_UINT('n', "vcpus", struct targs, vcpus, "N", 1, 8, "vCPUs"), .tag = 1 },
	{ CLI_U64(0, "host-hz", struct targs, hz, "N", 0, 1000000, "ticks") },
	{ CLI_LIST('p', "param", struct targs, params, "K=V", "a parameter") },
	{ CLI_CHOICE('b', "backend", struct targs, backend, backends, "the backend") },
	{ CLI_FORMAT('f', struct targs, format, "the format") },
	{ CLI_JSON(struct targs, format) },
	{ CLI_CALLBACK(0, "cb", "V", cb, "a callback") },
	{ CLI_STRING(0, "policy", struct targs, db, "P", "prefix test") },
	{ CLI_STRING(0, "path", struct targs, db, "P", "prefix test"), .flags = CLI_OPT_EMPTY },
	{ CLI_END },
};

static const struct cli_spec spec = {
	.name = "test", .usage = "[OPTIONS] [ARG]", .options = opts,
	.formats = CLI_FMT_TEXT | CLI_FMT_JSON | CLI_FMT_MD, .max_args = 1, .seen = seen,
};

static const struct cli_spec keep = {
	.name = "test", .options = opts, .flags = CLI_KEEP_UNKNOWN,
};

static const struct cli_option fwd_opts[] = {
	{ CLI_STRING('w', "workload", struct targs, db, "W", "for the other command") },
	{ CLI_END },
};
static const struct cli_spec fwd = { .name = "other", .options = fwd_opts };
static const struct cli_spec keep_fwd = {
	.name = "test", .options = opts, .flags = CLI_KEEP_UNKNOWN, .forward = &fwd,
};

static char err[4096];
static char *words[32];
static int nleft;

/* Parses the words of line (space-separated) as "test LINE" with s; the
 * status, stderr in err. */
static int parse_with(const struct cli_spec *s, struct targs *a, const char *line)
{
	static char buf[1024];
	int argc = 0, rc, saved = dup(2), out = dup(1), null = open("/dev/null", O_WRONLY);
	FILE *tmp = tmpfile();
	size_t n;

	memset(a, 0, sizeof(*a));
	snprintf(buf, sizeof(buf), "%s", line);
	words[argc++] = "test";
	for (char *w = strtok(buf, " "); w; w = strtok(NULL, " "))
		words[argc++] = strcmp(w, "''") ? w : "";
	words[argc] = NULL;
	fflush(stderr);
	fflush(stdout);
	dup2(fileno(tmp), 2);
	dup2(null, 1);		/* the help */
	rc = cli_parse(s, argc, words, a, &nleft);
	fflush(stderr);
	fflush(stdout);
	dup2(saved, 2);
	dup2(out, 1);
	close(saved);
	close(out);
	close(null);
	rewind(tmp);
	n = fread(err, 1, sizeof(err) - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	return rc;
}

static int parse(struct targs *a, const char *line)
{
	return parse_with(&spec, a, line);
}

/* line is refused with status rc and the one line "irqlbench test: MSG: see ..." */
static void check_err(const char *line, int rc, const char *msg)
{
	struct targs a;
	char want[512];

	check_case("%s", line);
	snprintf(want, sizeof(want), "irqlbench test: %s: see 'irqlbench test --help'\n", msg);
	CHECK_EQ_U64(parse(&a, line), rc);
	CHECK_STR(err, want);
	argv_free(&a.params);
}

/* usage errors: the arguments and the one line they give, EXIT_USAGE */
static const char *const usage_errors[][2] = {
	{ "--bogus", "unknown option '--bogus'" },
	{ "--bogus=1", "unknown option '--bogus'" },
	{ "-x", "unknown option '-x'" },
	{ "-ax", "unknown option '-x'" },
	{ "--db", "option '--db' needs a value" },
	{ "-d", "option '-d' needs a value" },
	{ "--db ''", "option '--db' needs a value" },
	{ "--db= x", "option '--db' needs a value" },
	{ "--db --all x", "option '--db' needs a value, not the option '--all'" },
	{ "--all=1", "option '--all' takes no value" },
	{ "--p x", "option '--p' is ambiguous: --param or --policy" },
	{ "--vcpus 9", "--vcpus 9: give a number in 1..8" },
	{ "-n 0", "--vcpus 0: give a number in 1..8" },
	{ "--vcpus 99999999999999999999999", "--vcpus 99999999999999999999999: give a number in 1..8" },
	{ "--host-hz 1000001", "--host-hz 1000001: give a number in 0..1000000" },
	{ "--backend xen", "unknown backend 'xen': use tcg or kvm" },
	{ "--format csv", "unknown format 'csv': use text, json or md" },
	{ "--cb bad", "--cb bad: not that" },
	{ "a b", "unexpected argument 'b'" },
};

int main(void)
{
	struct targs a;

	/* values every way they can be given, options among the arguments */
	check_case("forms");
	CHECK_EQ_U64(parse(&a, "--db x.db arg -a --vcpus=4 -p depth=2 -pwarmup=0"), 0);
	CHECK_STR(a.db, "x.db");
	CHECK(a.all && a.vcpus == 4 && !a.quiet);
	CHECK_EQ_U64(a.params.n, 2);
	CHECK_STR(a.params.v[1], "warmup=0");
	CHECK_EQ_U64(nleft, 1);
	CHECK_STR(words[0], "arg");
	CHECK(words[1] == NULL);
	CHECK_STR(err, "");
	argv_free(&a.params);
	CHECK_EQ_U64(parse(&a, "-aqn3 --host-hz 0 --db=a --db=b"), 0);
	CHECK(a.all && a.quiet && a.vcpus == 3 && a.hz == 0);
	CHECK_STR(a.db, "b");	/* the last wins */
	CHECK_EQ_U64(parse(&a, "-- --db"), 0);
	CHECK_EQ_U64(nleft, 1);
	CHECK_STR(words[0], "--db");
	CHECK_EQ_U64(parse(&a, "-d - -"), 0);	/* "-" is a value and an argument */
	CHECK_STR(a.db, "-");
	CHECK_EQ_U64(parse(&a, "--vcp 2 --al"), 0);	/* unique prefixes */
	CHECK(a.vcpus == 2 && a.all);
	CHECK_EQ_U64(parse(&a, "--path ''"), 0);	/* CLI_OPT_EMPTY */
	CHECK_STR(a.db, "");
	CHECK_EQ_U64(parse(&a, "--vcpus -1x --cb -"), EXIT_USAGE);	/* a negative is a value */
	CHECK_STR(err, "irqlbench test: --vcpus -1x: give a number in 1..8: see 'irqlbench test --help'\n");

	/* formats and choices */
	check_case("formats");
	CHECK_EQ_U64(parse(&a, "--format markdown"), 0);
	CHECK_STR(a.format, "md");
	CHECK_EQ_U64(parse(&a, "--json"), 0);
	CHECK_STR(a.format, "json");
	CHECK_EQ_U64(parse(&a, "-f text -b kvm"), 0);
	CHECK_STR(a.format, "text");
	CHECK_STR(a.backend, "kvm");

	/* callbacks and the seen hook */
	check_case("callbacks");
	CHECK_EQ_U64(parse(&a, "--all --cb v --vcpus 2 -q"), 0);
	CHECK(a.cb_calls == 1);
	CHECK_STR(a.cb_value, "v");
	CHECK_STR(a.first_tagged, "vcpus");

	for (size_t i = 0; i < sizeof(usage_errors) / sizeof(usage_errors[0]); i++)
		check_err(usage_errors[i][0], EXIT_USAGE, usage_errors[i][1]);

	/* --help and -h print the help and return CLI_HELP */
	check_case("help");
	CHECK_EQ_U64(parse(&a, "--all --help --bogus"), (uint64_t)CLI_HELP);
	CHECK_EQ_U64(parse(&a, "-h"), (uint64_t)CLI_HELP);
	CHECK_EQ_U64(parse(&a, "--he"), (uint64_t)CLI_HELP);

	/* CLI_KEEP_UNKNOWN: the others stay, in order, no abbreviations */
	check_case("keep unknown");
	CHECK_EQ_U64(parse_with(&keep, &a, "--workload w --db x -z --all --param=k=v --al pos"), 0);
	CHECK_STR(a.db, "x");
	CHECK(a.all);
	CHECK_EQ_U64(a.params.n, 1);
	CHECK_EQ_U64(nleft, 5);
	CHECK_STR(words[0], "--workload");
	CHECK_STR(words[1], "w");
	CHECK_STR(words[2], "-z");
	CHECK_STR(words[3], "--al");
	CHECK_STR(words[4], "pos");
	argv_free(&a.params);
	/* with a forward spec, only its options are kept */
	CHECK_EQ_U64(parse_with(&keep_fwd, &a, "--workload w -w v --all"), 0);
	CHECK_EQ_U64(nleft, 4);
	CHECK_EQ_U64(parse_with(&keep_fwd, &a, "--workload w --bogus"), EXIT_USAGE);
	CHECK_STR(err, "irqlbench test: unknown option '--bogus': see 'irqlbench test --help'\n");
	CHECK_EQ_U64(parse_with(&keep_fwd, &a, "-z"), EXIT_USAGE);
	CHECK_STR(err, "irqlbench test: unknown option '-z': see 'irqlbench test --help'\n");
	return check_done("test_cli");
}
