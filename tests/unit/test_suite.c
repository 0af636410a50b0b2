// SPDX-License-Identifier: MIT
/*
 * test_suite.c - host/suite/suite.c: the formula evaluator (values, precedence,
 * every error), the parser of workloads/suites.cfg (entries, groups,
 * requirements, the workload's expectations taken by its later entries,
 * families and per-policy overrides, the N = 1 case) and its one-line
 * errors with file and line; then the real workloads/suites.cfg loads and
 * every entry evaluates under every policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"
#include "suite/suite.h"

static struct wl_values V;
static char err[2048];

static void values(const char *cmdline)
{
	CHECK_EQ_U64(suite_values_from_cmdline(cmdline, &V, err, sizeof(err)), 0);
}

static int64_t ev(const char *expr)
{
	int64_t v = -12345;

	err[0] = '\0';
	if (suite_eval(expr, &V, &v, err, sizeof(err)))
		printf("  eval '%s': %s\n", expr, err);
	return v;
}

/* The evaluation fails, and its message contains want (and no newline). */
static void ev_fails(const char *expr, const char *want)
{
	int64_t v;
	int rc = suite_eval(expr, &V, &v, err, sizeof(err));

	CHECK(rc == -1);
	if (!strstr(err, want))
		printf("  eval '%s': got '%s', want '%s'\n", expr, err, want);
	CHECK(strstr(err, want) != NULL);
	CHECK(!strchr(err, '\n'));
}

static void evaluator(void)
{
	char deep[128] = "", signs[128] = "";

	values("workload=nested-spinlock depth=4");
	CHECK_EQ_U64(ev("2 * (depth - 1)"), 6);
	CHECK_EQ_U64(ev("1 + 2 * 3"), 7);
	CHECK_EQ_U64(ev("(1 + 2) * 3"), 9);
	CHECK_EQ_U64(ev("10 - 2 - 3"), 5);
	CHECK_EQ_U64(ev("7 / 2"), 3);
	CHECK_EQ_U64(ev("-7 / 2"), (uint64_t)-3);	/* truncating, as C */
	CHECK_EQ_U64(ev("- -3"), 3);
	CHECK_EQ_U64(ev("depth >= 2"), 1);
	CHECK_EQ_U64(ev("depth < 4"), 0);
	CHECK_EQ_U64(ev("depth <= 4"), 1);
	CHECK_EQ_U64(ev("depth > 4"), 0);
	CHECK_EQ_U64(ev("depth == 4"), 1);
	CHECK_EQ_U64(ev("depth != 4"), 0);
	CHECK_EQ_U64(ev("1 + (depth >= 2) * 2"), 3);
	CHECK_EQ_U64(ev("dpc * (1 + 2 * (depth - 1) * (1 - elide_same_level))"), 7);
	CHECK_EQ_U64(ev("\t warmup "), 16);		/* a common parameter, its default */
	CHECK_EQ_U64(ev("9223372036854775807"), INT64_MAX);

	ev_fails("", "empty formula");
	ev_fails("2 +", "the formula ends where a number, a parameter or '(' should come");
	ev_fails("2 * (3", "missing ')' at the end");
	ev_fails("(1 2)", "missing ')' before '2)'");
	ev_fails("3)", "')' without its '('");
	ev_fails("2 3", "unexpected '3' after a complete formula");
	ev_fails("2 $ 3", "unexpected '$ 3' after a complete formula");
	ev_fails("2 * $", "unexpected '$': a formula has integers, parameters");
	ev_fails("2 = 3", "'=' alone is no operator");
	ev_fails("2depth", "'2depth' is neither a number nor a name");
	ev_fails("dept - 1", "unknown name 'dept': the parameters of nested-spinlock are depth, "
		 "iterations, dpc, clock_raises_irql");
	ev_fails("level", "unknown name 'level'");	/* irql-churn's, not this workload's */
	ev_fails("1 / 0", "division by zero");
	ev_fails("1 / (depth - 4)", "division by zero");
	ev_fails("9223372036854775807 + 1", "the result overflows");
	ev_fails("9223372036854775807 * 2", "the result overflows");
	ev_fails("0 - 9223372036854775807 - 2", "the result overflows");
	ev_fails("99999999999999999999", "number too large");
	for (int i = 0; i < 40; i++)
		strcat(deep, "(");
	ev_fails(deep, "parentheses nested deeper than 32");
	for (int i = 0; i < 40; i++)
		strcat(signs, "-");
	strcat(signs, "1");
	ev_fails(signs, "more than 32 signs in a row");

	CHECK(suite_values_from_cmdline("workload=nope depth=2", &V, err, sizeof(err)) == -1);
	CHECK(strstr(err, "unknown workload 'nope'") != NULL);
	CHECK(suite_values_from_cmdline("depth=2", &V, err, sizeof(err)) == -1);
	CHECK(strstr(err, "names no workload") != NULL);
	CHECK(suite_values_from_cmdline("workload=nested-spinlock depth=0", &V, err, sizeof(err)) == -1);
	CHECK(strstr(err, "parameter depth=0 is out of range: allowed 1..8") != NULL);
}

static const char good[] =
	"# a comment\n"
	"\n"
	"[a]\n"
	"workload = nested-spinlock   # the first entry of its workload\n"
	"params = depth=3\n"
	"groups = g1 g2\n"
	"raise = 1 + dpc\n"
	"same = 2 * (depth - 1) * (1 - elide_same_level)\n"
	"elided = 2 * (depth - 1) * elide_same_level\n"
	"lower_unmask = dpc\n"
	"lower = 1\n"
	"dpc_run = dpc\n"
	"exits.fixed = dpc * (2 * depth - 1)\n"
	"late.fixed = 0\n"
	"exits.unfixed = dpc\n"
	"late.unfixed = dpc * (depth >= 2)\n"
	"exits.prefix = 5\n"
	"exits.vmx-tpr = 1\n"
	"\n"
	"[b.1]\n"
	"  workload=nested-spinlock\n"
	"params = depth=1\n"
	"groups = g2 g3\n"
	"vcpus = 2\n"
	"[c]\n"
	"workload = masked-clock\n"
	"params = clock_ipi=1\n"
	"clock = ipi\n";

static void parser(void)
{
	struct suite *s = suite_parse("t.cfg", good, err, sizeof(err));
	const struct suite_entry *a, *b, *c;
	struct suite_expect x;
	char *groups, *params;

	if (!s)
		printf("  %s\n", err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_U64(s->n, 3);
	a = suite_find(s, "a");
	b = suite_find(s, "b.1");
	c = suite_find(s, "c");
	CHECK(a && b && c && !suite_find(s, "d"));
	if (!a || !b || !c)
		goto out;
	CHECK_EQ_U64(a->line, 3);
	CHECK_STR(a->w->name, "nested-spinlock");
	CHECK(a->expect_from == a && b->expect_from == a && c->expect_from == c);
	CHECK(suite_in_group(a, "g1") && suite_in_group(b, "g2") && !suite_in_group(b, "g1"));
	groups = suite_groups(s);
	CHECK_STR(groups, "g1, g2, g3");
	free(groups);
	CHECK_EQ_U64(a->vcpus, 1);
	CHECK_EQ_U64(b->vcpus, 2);
	CHECK(a->clock == SUITE_CLOCK_NONE && c->clock == SUITE_CLOCK_IPI);
	CHECK_EQ_U64(wl_get(&b->vals, "depth"), 1);
	CHECK_EQ_U64(wl_get(&b->vals, "iterations"), 1000);	/* the catalog's default */
	params = suite_entry_params(a);
	CHECK_STR(params, "depth=3");
	free(params);
	params = suite_entry_params(c);
	CHECK_STR(params, "clock_ipi=1");
	free(params);

	/* a family's key holds for its policies */
	CHECK_EQ_U64(suite_expect_entry(s, a, KP_L61, &x, err, sizeof(err)), 0);
	CHECK_STR(x.family, "fixed");
	CHECK_STR(x.exit_reason, "write_cr8");
	CHECK_EQ_U64(x.count[STAT_cr8_raise], 2);
	CHECK_EQ_U64(x.count[STAT_cr8_same], 4);
	CHECK_EQ_U64(x.count[STAT_cr8_writes], 8);
	CHECK_EQ_U64(x.count[STAT_dpc_run], 1);
	CHECK_EQ_U64(x.count[STAT_clock_interrupts], (uint64_t)-1);
	CHECK_EQ_U64(x.exits, 5);
	CHECK_EQ_U64(x.late, 0);
	CHECK_EQ_U64(x.immediate, 1);
	CHECK_STR(x.delivery, "immediate");
	/* a policy's own key overrides its family's; late stays the family's */
	CHECK_EQ_U64(suite_expect_entry(s, a, KP_PREFIX, &x, err, sizeof(err)), 0);
	CHECK_STR(x.family, "unfixed");
	CHECK_EQ_U64(x.exits, 5);
	CHECK_EQ_U64(x.late, 1);
	CHECK_STR(x.delivery, "late");
	CHECK_EQ_U64(suite_expect_entry(s, a, KP_UNFIXED, &x, err, sizeof(err)), 0);
	CHECK_EQ_U64(x.exits, 1);
	/* no late.vmx-tpr: no expectation, hence no delivery */
	CHECK_EQ_U64(suite_expect_entry(s, a, KP_VMX_TPR, &x, err, sizeof(err)), 0);
	CHECK_STR(x.exit_reason, "TPR_BELOW_THRESHOLD");
	CHECK_EQ_U64(x.exits, 1);
	CHECK_EQ_U64(x.late, (uint64_t)-1);
	CHECK(x.delivery == NULL);
	CHECK_EQ_U64(suite_expect_entry(s, a, KP_AVIC, &x, err, sizeof(err)), 0);
	CHECK_EQ_U64(x.exits, (uint64_t)-1);
	CHECK(suite_distinguishes(s, &a->vals));

	/* the later entry takes the formulas with its own parameters: N = 1
	 * exits once under both, on time */
	CHECK_EQ_U64(suite_expect_entry(s, b, KP_FIXED, &x, err, sizeof(err)), 0);
	CHECK_EQ_U64(x.exits, 1);
	CHECK_EQ_U64(x.count[STAT_cr8_same], 0);
	CHECK_EQ_U64(suite_expect_entry(s, b, KP_UNFIXED, &x, err, sizeof(err)), 0);
	CHECK_EQ_U64(x.exits, 1);
	CHECK_EQ_U64(x.late, 0);
	CHECK(!suite_distinguishes(s, &b->vals));

	/* any values of the workload, e.g. from a record or a command line */
	values("workload=nested-spinlock depth=8 elide_same_level=1 dpc=1");
	CHECK_EQ_U64(suite_expect(s, &V, KP_FIXED, &x, err, sizeof(err)), 0);
	CHECK_EQ_U64(x.count[STAT_cr8_same], 0);
	CHECK_EQ_U64(x.count[STAT_cr8_elided], 14);
	CHECK_EQ_U64(x.count[STAT_cr8_writes], 4);
	CHECK_EQ_U64(x.exits, 15);
	/* an entry without formulas: no expectation, and no error */
	CHECK_EQ_U64(suite_expect_entry(s, c, KP_FIXED, &x, err, sizeof(err)), 0);
	CHECK_EQ_U64(x.count[STAT_cr8_raise], (uint64_t)-1);
	CHECK_EQ_U64(x.exits, (uint64_t)-1);
	CHECK(!suite_distinguishes(s, &c->vals));
	/* a workload with no entry at all: the same */
	values("workload=irql-churn");
	CHECK_EQ_U64(suite_expect(s, &V, KP_FIXED, &x, err, sizeof(err)), 0);
	CHECK_EQ_U64(x.exits, (uint64_t)-1);

	/* the entry a run is: its values, but for the runner's iterations and
	 * warmup; the first such entry */
	values("workload=nested-spinlock depth=3 iterations=200 warmup=4");
	CHECK(suite_entry_of(s, &V) == a);
	values("workload=nested-spinlock depth=3 elide_same_level=1");
	CHECK(suite_entry_of(s, &V) == NULL);
	values("workload=nested-spinlock depth=1");
	CHECK(suite_entry_of(s, &V) == b);
	values("workload=masked-clock");
	CHECK(suite_entry_of(s, &V) == NULL);
	CHECK(suite_runner_param("iterations") && suite_runner_param("warmup") &&
	      !suite_runner_param("depth"));

	CHECK(suite_variant_policy("fixed") == KP_L61);
	CHECK(suite_variant_policy("unfixed") == KP_UNFIXED);
	CHECK(suite_variant_policy("stock") == KP_NPOLICY);
	CHECK_STR(suite_family(KP_AVIC), "apicv");
	CHECK_STR(suite_family(KP_L72), "fixed");
	CHECK_STR(suite_counter_key(STAT_cr8_lower_unmask), "lower_unmask");
	CHECK_STR(suite_counter_name(STAT_cr8_lower_unmask), "cr8_lower_unmask");
out:
	suite_free(s);
}

#define NS "[a]\nworkload = nested-spinlock\n"

static const struct {
	const char *text, *want;
} bad[] = {
	{ "x = 1\n", "t.cfg:1: 'x = 1' comes before any entry: start an entry with [name]" },
	{ "# only a comment\n", "t.cfg:1: no entry" },
	{ "", "t.cfg:1: no entry" },
	{ "[a\n", "t.cfg:1: '[a' is no section header" },
	{ "[a] b\n", "t.cfg:1: '[a] b' is no section header" },
	{ "[a b]\n", "t.cfg:1: bad entry name 'a b'" },
	{ "[]\n", "t.cfg:1: bad entry name ''" },
	{ NS "[a]\nworkload = seed-table\n", "t.cfg:3: entry 'a' again (first at line 1)" },
	{ "[a]\nparams = depth=2\n", "t.cfg:1: entry 'a' names no workload: add 'workload = W'" },
	{ "[a]\nworkload = nope\n", "t.cfg:2: unknown workload 'nope': see 'irqlbench list'" },
	{ "[a]\nworkload = hang\n", "t.cfg:2: unknown workload 'hang'" },
	{ "[a]\nworkload = script\n", "t.cfg:2: workload 'script' needs a scenario script" },
	{ "[a]\nworkload =\n", "t.cfg:2: 'workload' has no value" },
	{ NS "workload = seed-table\n", "t.cfg:3: 'workload' again in entry 'a' (first at line 2)" },
	{ NS "params = depth=99\n", "t.cfg:3: parameter depth=99 is out of range: allowed 1..8" },
	{ NS "params = depth\n", "t.cfg:3: 'depth' is not NAME=VALUE" },
	{ NS "params = depth=2 depth=3\n", "t.cfg:3: parameter depth is given twice" },
	{ NS "params = colour=3\n", "t.cfg:3: unknown parameter 'colour' for workload 'nested-spinlock'" },
	{ NS "groups = a,b\n", "t.cfg:3: bad group name 'a,b'" },
	{ NS "groups = g g\n", "t.cfg:3: group 'g' is named twice" },
	{ NS "vcpus = 0\n", "t.cfg:3: vcpus = 0: give a number of vCPUs, 1..8" },
	{ NS "vcpus = 9\n", "t.cfg:3: vcpus = 9" },
	{ NS "vcpus = 2x\n", "t.cfg:3: vcpus = 2x" },
	{ NS "clock = sometimes\n", "t.cfg:3: clock = sometimes: give timer" },
	{ "[a]\nworkload = masked-clock\n", "t.cfg:1: clock = none, but clock_ipi=0 makes the clock "
	  "the LAPIC timer: write clock = timer" },
	{ "[a]\nworkload = masked-clock\nparams = clock_ipi=1\nclock = timer\n",
	  "t.cfg:4: clock = timer, but clock_ipi=1 makes the clock a self-IPI: write clock = ipi" },
	{ NS "colour = 1\n", "t.cfg:3: unknown key 'colour' in entry 'a'" },
	{ NS "garbage\n", "t.cfg:3: 'garbage' is not 'key = value'" },
	{ NS "= 1\n", "t.cfg:3: '= 1' has no key" },
	{ NS "exits.bogus = 1\n", "t.cfg:3: unknown policy 'bogus' in 'exits.bogus'" },
	{ NS "writes = 1\n", "t.cfg:3: 'writes' cannot be given: it is the sum" },
	{ NS "late_deliveries = 1\n", "t.cfg:3: 'late_deliveries' cannot be given: give late.P" },
	{ NS "iterations = 1\n", "t.cfg:3: 'iterations' cannot be given" },
	{ NS "raise = 1\nraise = 2\n", "t.cfg:4: 'raise' again in entry 'a' (first at line 3)" },
	{ NS "raise =\n", "t.cfg:3: 'raise' has no formula" },
	{ NS "raise = 2 * dept\n", "t.cfg:3: raise = 2 * dept: unknown name 'dept'" },
	{ NS "same = depth - 5\n", "t.cfg:3: same = depth - 5 gives -3: a count cannot be negative" },
	{ NS "lower_unmask = 1\nlate.fixed = 2\n", "t.cfg:4: late.fixed = 2 gives 2 late deliveries "
	  "per iteration, more than the 1 unmasking writes (lower_unmask)" },
	{ NS "raise = 1\n[b]\nworkload = nested-spinlock\nparams = depth=3\nexits.fixed = 1\n",
	  "t.cfg:7: entry 'b' gives 'exits.fixed', but the expectations of nested-spinlock are those "
	  "of its first entry 'a' (line 1): give them there, once" },
	/* a formula that only a later entry's parameters break */
	{ NS "params = depth=3\nsame = 6 / (depth - 1)\n[b]\nworkload = nested-spinlock\n"
	  "params = depth=1\n", "t.cfg:4: same = 6 / (depth - 1): division by zero (entry 'b')" },
};

static void parse_errors(void)
{
	char longline[5000];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct suite *s = suite_parse("t.cfg", bad[i].text, err, sizeof(err));

		check_case("bad file %u, want '%s'", i, bad[i].want);
		CHECK(s == NULL);
		suite_free(s);
		if (!strstr(err, bad[i].want))
			printf("  case %u: got '%s', want '%s'\n", i, err, bad[i].want);
		CHECK(strstr(err, bad[i].want) != NULL);
		CHECK(!strchr(err, '\n'));
	}
	check_case(NULL);
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	CHECK(suite_parse("t.cfg", longline, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "t.cfg:1: line longer than 4096 characters") != NULL);
}

static void load(void)
{
	char path[] = "/tmp/irqlbench-test-suite.XXXXXX";
	struct suite *s;
	int fd, st = -1;

	s = suite_load("/nonexistent/suites.cfg", &st, err, sizeof(err));
	CHECK(s == NULL);
	CHECK_EQ_U64(st, EXIT_ENV);
	CHECK(strstr(err, "cannot read the suites file /nonexistent/suites.cfg: No such file or "
		      "directory: run from the source tree, or set IRQLBENCH_SUITES=FILE") != NULL);
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, good, sizeof(good) - 1) == (ssize_t)(sizeof(good) - 1));
	s = suite_load(path, &st, err, sizeof(err));
	CHECK(s != NULL && s->n == 3);
	CHECK_EQ_U64(st, EXIT_OK);
	suite_free(s);
	CHECK(write(fd, "\0x\n", 3) == 3);
	s = suite_load(path, &st, err, sizeof(err));
	CHECK(s == NULL);
	CHECK_EQ_U64(st, EXIT_USAGE);
	CHECK(strstr(err, "a NUL byte") != NULL);
	close(fd);
	unlink(path);
}

/* The real file: it loads (every formula of every entry under every policy
 * evaluated), and the groups the tools read are there. */
static void real_file(void)
{
	char *path = suite_default_path();
	struct suite *s;
	unsigned in_default = 0;
	int st;

	s = suite_load(path, &st, err, sizeof(err));
	if (!s)
		printf("  %s\n", err);
	CHECK(s != NULL);
	if (s) {
		for (unsigned i = 0; i < s->n; i++)
			in_default += suite_in_group(&s->e[i], "default");
		CHECK(in_default > 0);
		printf("%s: %u entries, %u in group default\n", s->path, s->n, in_default);
	}
	suite_free(s);
	free(path);
}

int main(void)
{
	evaluator();
	parser();
	parse_errors();
	load();
	real_file();
	return check_done("test_suite");
}
