// SPDX-License-Identifier: MIT
/*
 * options.c - the parser of the option tables (host/cli/options.h) and the
 * help it prints.  One place says what a bad option is and how the error
 * reads, for every command and subcommand: "irqlbench CMD: unknown option
 * '--bogus': see 'irqlbench CMD --help'", exit status EXIT_USAGE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/util.h"

#define HELP_COL	26

const char *const cli_format_names[CLI_NFORMATS] = { "text", "json", "md", "csv", "latex", "ktap", "kcidb" };

void cli_cmd_name(const struct cli_spec *spec, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(spec->name, " "), spec->name);
}

/* items[0..n) as "a, b or c" (sep ", ", last " or ") or "a|b|c". */
static void join(const char *const *items, unsigned n, const char *sep, const char *last,
		 char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", items[i],
				       i + 2 < n ? sep : i + 2 == n ? last : "");
}

void cli_formats_list(unsigned formats, const char *sep, const char *last, char *buf, size_t len)
{
	const char *names[CLI_NFORMATS];
	unsigned n = 0;

	for (unsigned i = 0; i < CLI_NFORMATS; i++)
		if (formats & (1u << i))
			names[n++] = cli_format_names[i];
	join(names, n, sep, last, buf, len);
}

static void choices_list(const char *const *ch, const char *sep, const char *last, char *buf,
			 size_t len)
{
	unsigned n = 0;

	while (ch[n])
		n++;
	join(ch, n, sep, last, buf, len);
}

/* --- parsing ------------------------------------------------------------- */

struct parse {
	const struct cli_spec *spec;
	char cmd[32];
	void *args;
};

bool cli_option_takes_value(const struct cli_option *o)
{
	return o->kind != CLI_KIND_FLAG && o->kind != CLI_KIND_JSON &&
	       !(o->kind == CLI_KIND_CALLBACK && (o->flags & CLI_OPT_NOARG));
}

/* The option named by the first len characters of name: exact, else a
 * unique prefix (when allowed); NULL; with *other set when a prefix matches
 * two (the first is returned). */
static const struct cli_option *find_long(const struct cli_spec *spec, const char *name,
					  size_t len, bool prefix, const struct cli_option **other)
{
	const struct cli_option *found = NULL, *o;

	*other = NULL;
	for (o = spec->options; o && o->kind != CLI_KIND_END; o++)
		if (o->name && strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	if (!prefix || !len)
		return NULL;
	for (o = spec->options; o && o->kind != CLI_KIND_END; o++) {
		if (!o->name || strncmp(o->name, name, len))
			continue;
		if (found) {
			*other = o;
			return found;
		}
		found = o;
	}
	return found;
}

static const struct cli_option *find_short(const struct cli_spec *spec, char c)
{
	for (const struct cli_option *o = spec->options; o && o->kind != CLI_KIND_END; o++)
		if (o->shrt == c)
			return o;
	return NULL;
}

const struct cli_option *cli_option_of(const struct cli_spec *spec, const char *word,
				       const char **value)
{
	const struct cli_option *o = NULL, *other;

	*value = NULL;
	if (word[0] != '-' || !word[1])
		return NULL;
	if (word[1] == '-') {
		const char *eq = strchr(word + 2, '=');
		size_t len = eq ? (size_t)(eq - word - 2) : strlen(word + 2);

		o = find_long(spec, word + 2, len, true, &other);
		if (o && other)
			o = NULL;	/* ambiguous: the parser refuses it */
		if (o && eq)
			*value = eq + 1;
		return o;
	}
	o = find_short(spec, word[1]);
	if (o && word[2] && cli_option_takes_value(o))
		*value = word + 2;
	return o;
}

static int parse_number(struct parse *p, const struct cli_option *o, const char *val, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = val[0] >= '0' && val[0] <= '9' ? strtoull(val, &end, 10) : 0;
	if (val[0] < '0' || val[0] > '9' || errno || *end || v < o->min || v > o->max)
		return cli_usage_error(p->cmd, "--%s %s: give a number in %llu..%llu", o->name, val,
				       (unsigned long long)o->min, (unsigned long long)o->max);
	*out = v;
	return 0;
}

/* The canonical name of a format spec allows, or NULL. */
static const char *format_of(unsigned formats, const char *val)
{
	if (!strcmp(val, "markdown"))
		val = "md";
	for (unsigned i = 0; i < CLI_NFORMATS; i++)
		if ((formats & (1u << i)) && !strcmp(val, cli_format_names[i]))
			return cli_format_names[i];
	return NULL;
}

static int store(struct parse *p, const struct cli_option *o, const char *val)
{
	void *at = (char *)p->args + o->off;
	char list[256];
	uint64_t v = 0;
	int rc;

	switch (o->kind) {
	case CLI_KIND_FLAG:
		*(bool *)at = true;
		return 0;
	case CLI_KIND_STRING:
		*(const char **)at = val;
		return 0;
	case CLI_KIND_LIST:
		argv_add(at, val);
		return 0;
	case CLI_KIND_UINT:
	case CLI_KIND_U64:
		rc = parse_number(p, o, val, &v);
		if (!rc && o->kind == CLI_KIND_UINT)
			*(unsigned *)at = (unsigned)v;
		else if (!rc)
			*(uint64_t *)at = v;
		return rc;
	case CLI_KIND_CHOICE:
		for (unsigned i = 0; o->choices[i]; i++)
			if (!strcmp(o->choices[i], val)) {
				*(const char **)at = o->choices[i];
				return 0;
			}
		choices_list(o->choices, ", ", " or ", list, sizeof(list));
		return cli_usage_error(p->cmd, "unknown %s '%s': use %s", o->name, val, list);
	case CLI_KIND_FORMAT:
		*(const char **)at = format_of(p->spec->formats, val);
		if (*(const char **)at)
			return 0;
		cli_formats_list(p->spec->formats, ", ", " or ", list, sizeof(list));
		return cli_usage_error(p->cmd, "unknown format '%s': use %s", val, list);
	case CLI_KIND_JSON:
		*(const char **)at = "json";
		return 0;
	case CLI_KIND_CALLBACK:
		return o->cb(o, at, val, p->cmd);
	case CLI_KIND_END:
		break;
	}
	return 0;
}

/*
 * The value of option o, typed as `word`: the rest of the word (inline),
 * else the next argument, which must be one: not missing, not empty (unless
 * CLI_OPT_EMPTY), not another long option.  0 with *val, or EXIT_USAGE.
 */
static int value_of(struct parse *p, const struct cli_option *o, const char *word,
		    const char *inline_val, int argc, char **argv, int *i, const char **val)
{
	if (inline_val) {
		*val = inline_val;
	} else if (*i + 1 < argc) {
		*val = argv[++*i];
		if (!strncmp(*val, "--", 2) && (*val)[2])
			return cli_usage_error(p->cmd, "option '%s' needs a value, not the option '%s'",
					       word, *val);
	} else {
		return cli_usage_error(p->cmd, "option '%s' needs a value", word);
	}
	if (!**val && !(o->flags & CLI_OPT_EMPTY))
		return cli_usage_error(p->cmd, "option '%s' needs a value", word);
	return 0;
}

static int take(struct parse *p, const struct cli_option *o, const char *val)
{
	int rc = store(p, o, val);

	if (!rc && p->spec->seen)
		p->spec->seen(p->args, o);
	return rc;
}

/* CLI_KEEP_UNKNOWN: is the option (the long name's first len characters,
 * or the letter c) one to keep for another command: any, or one of the
 * forward spec's (an option neither has is unknown here already). */
static bool forwarded(const struct cli_spec *spec, const char *name, size_t len, char c)
{
	const struct cli_option *other;

	if (!spec->forward)
		return true;
	return name ? find_long(spec->forward, name, len, false, &other) != NULL :
		      find_short(spec->forward, c) != NULL;
}

/* An option the table does not have: a sibling subcommand's is named as
 * such ("--yes is for 'kvm swap'"), any other is unknown.  EXIT_USAGE. */
static int unknown_option(struct parse *p, const char *typed)
{
	const struct cli_spec *par = p->spec->parent;
	const char *owners[16];
	char names[16][48], list[512];
	unsigned n = 0;

	for (unsigned i = 0; typed[1] == '-' && par && par->subs[i] && n < 16; i++) {
		const struct cli_option *o, *other;

		o = find_long(par->subs[i], typed + 2, strlen(typed + 2), false, &other);
		if (o && par->subs[i] != p->spec) {
			snprintf(names[n], sizeof(names[n]), "'%s'", par->subs[i]->name);
			owners[n] = names[n];
			n++;
		}
	}
	if (!n)
		return cli_usage_error(p->cmd, "unknown option '%s'", typed);
	join(owners, n, ", ", " and ", list, sizeof(list));
	return cli_usage_error(p->cmd, "%s is for %s", typed, list);
}

/* argv[*i], a long option ("--name" or "--name=value"): 0, CLI_HELP, 1
 * (unknown, kept), or a status. */
static int long_option(struct parse *p, int argc, char **argv, int *i)
{
	const char *word = argv[*i], *name = word + 2, *eq = strchr(name, '='), *val = NULL;
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	bool keep = p->spec->flags & CLI_KEEP_UNKNOWN;
	const struct cli_option *o, *other;
	char typed[128];

	snprintf(typed, sizeof(typed), "--%.*s", (int)len, name);
	o = find_long(p->spec, name, len, !keep, &other);
	if (!o && len && !strncmp("help", name, len) && (!keep || len == 4) && !eq) {
		cli_print_help(stdout, p->spec);
		return CLI_HELP;
	}
	if (other)
		return cli_usage_error(p->cmd, "option '%s' is ambiguous: --%s or --%s", typed,
				       o->name, other->name);
	if (!o) {
		if (keep && forwarded(p->spec, name, len, 0))
			return 1;
		return unknown_option(p, typed);
	}
	if (!cli_option_takes_value(o)) {
		if (eq)
			return cli_usage_error(p->cmd, "option '--%s' takes no value", o->name);
		return take(p, o, NULL);
	}
	snprintf(typed, sizeof(typed), "--%s", o->name);
	return value_of(p, o, typed, eq ? eq + 1 : NULL, argc, argv, i, &val) ?: take(p, o, val);
}

/* argv[*i], short options ("-q", "-tq", "-o FILE", "-oFILE"): as long_option. */
static int short_options(struct parse *p, int argc, char **argv, int *i)
{
	const char *word = argv[*i];

	for (const char *c = word + 1; *c; c++) {
		const struct cli_option *o = find_short(p->spec, *c);
		char typed[3] = { '-', *c, '\0' };
		const char *val = NULL;
		int rc;

		if (!o && *c == 'h') {
			cli_print_help(stdout, p->spec);
			return CLI_HELP;
		}
		if (!o && (p->spec->flags & CLI_KEEP_UNKNOWN) && c == word + 1 &&
		    forwarded(p->spec, NULL, 0, *c))
			return 1;
		if (!o)
			return cli_usage_error(p->cmd, "unknown option '%s'", typed);
		if (!cli_option_takes_value(o)) {
			rc = take(p, o, NULL);
			if (rc)
				return rc;
			continue;
		}
		return value_of(p, o, typed, c[1] ? c + 1 : NULL, argc, argv, i, &val) ?:
		       take(p, o, val);
	}
	return 0;
}

int cli_parse(const struct cli_spec *spec, int argc, char **argv, void *args, int *nargs)
{
	struct parse p = { .spec = spec, .args = args };
	bool options = true;
	int n = 0, rc;

	cli_cmd_name(spec, p.cmd, sizeof(p.cmd));
	*nargs = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!options || a[0] != '-' || !a[1]) {
			argv[n++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			options = false;
			continue;
		}
		rc = a[1] == '-' ? long_option(&p, argc, argv, &i) : short_options(&p, argc, argv, &i);
		if (rc == 1)
			argv[n++] = argv[i];	/* CLI_KEEP_UNKNOWN */
		else if (rc)
			return rc;
	}
	argv[n] = NULL;
	*nargs = n;
	if (!(spec->flags & CLI_KEEP_UNKNOWN) && spec->max_args != CLI_ARGS_ANY && n > spec->max_args)
		return cli_usage_error(p.cmd, "unexpected argument '%s'", argv[spec->max_args]);
	return 0;
}

const struct cli_spec *cli_subcommand(const struct cli_spec *spec, int argc, char **argv,
				      int *status)
{
	const char *subs[16];
	char cmd[32], names[256];
	unsigned n = 0;

	cli_cmd_name(spec, cmd, sizeof(cmd));
	for (; spec->subs[n] && n < 16; n++) {
		subs[n] = strchr(spec->subs[n]->name, ' ') + 1;
		if (argc > 1 && !strcmp(argv[1], subs[n]))
			return spec->subs[n];
	}
	join(subs, n, ", ", " or ", names, sizeof(names));
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "help"))) {
		cli_print_help(stdout, spec);
		*status = CLI_HELP;
	} else if (argc < 2) {
		*status = cli_usage_error(cmd, "give a subcommand: %s", names);
	} else if (argv[1][0] == '-') {
		*status = cli_usage_error(cmd, "unknown option '%.*s'", (int)strcspn(argv[1], "="),
					  argv[1]);
	} else {
		*status = cli_usage_error(cmd, "unknown subcommand '%s': use %s", argv[1], names);
	}
	return NULL;
}

/* --- help ---------------------------------------------------------------- */

const struct cli_option cli_help_option = {
	.kind = CLI_KIND_FLAG, .shrt = 'h', .name = "help", .help = "this text",
};

void cli_option_value(const struct cli_spec *spec, const struct cli_option *o, char *buf,
		      size_t len)
{
	buf[0] = '\0';
	if (o->arg)
		snprintf(buf, len, "%s", o->arg);
	else if (o->kind == CLI_KIND_CHOICE)
		choices_list(o->choices, "|", "|", buf, len);
	else if (o->kind == CLI_KIND_FORMAT)
		cli_formats_list(spec->formats, "|", "|", buf, len);
	else if (cli_option_takes_value(o))
		snprintf(buf, len, "VALUE");
}

void cli_option_note(const struct cli_option *o, char *buf, size_t len)
{
	buf[0] = '\0';
	if (o->kind == CLI_KIND_UINT || o->kind == CLI_KIND_U64)
		snprintf(buf, len, " (%llu..%llu)", (unsigned long long)o->min,
			 (unsigned long long)o->max);
	else if (o->kind == CLI_KIND_LIST || (o->flags & CLI_OPT_REPEAT))
		snprintf(buf, len, " (repeatable)");
}

/* "  -b, --backend tcg|kvm   help", continuation lines under the help. */
static void print_option(FILE *f, const struct cli_spec *spec, const struct cli_option *o)
{
	char val[256], note[64], head[320];
	const char *h = o->help ? o->help : "";
	int w;

	cli_option_value(spec, o, val, sizeof(val));
	cli_option_note(o, note, sizeof(note));
	if (o->shrt)
		w = snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->shrt, o->name,
			     val[0] ? " " : "", val);
	else
		w = snprintf(head, sizeof(head), "      --%s%s%s", o->name, val[0] ? " " : "", val);
	if (w + 2 > HELP_COL)
		fprintf(f, "%s\n%*s", head, HELP_COL, "");
	else
		fprintf(f, "%-*s", HELP_COL, head);
	for (;;) {
		size_t n = strcspn(h, "\n");

		fprintf(f, "%.*s", (int)n, h);
		if (!h[n])
			break;
		h += n + 1;
		fprintf(f, "\n%*s", HELP_COL, "");
	}
	fprintf(f, "%s\n", note);
}

static void print_options(FILE *f, const struct cli_spec *spec, bool with_help)
{
	for (const struct cli_option *o = spec->options; o && o->kind != CLI_KIND_END; o++)
		if (!(o->flags & CLI_OPT_HIDDEN))
			print_option(f, spec, o);
	if (with_help)
		print_option(f, spec, &cli_help_option);
}

/* "usage: irqlbench NAME LINE" for each alternative of spec->usage; a line
 * that starts with two spaces continues the one before, under it. */
static void print_usage_lines(FILE *f, const struct cli_spec *spec, bool *first)
{
	const char *u = spec->usage ? spec->usage : "";
	int indent = (int)strlen(spec->name) + 18;

	do {
		size_t n = strcspn(u, "\n");

		if (!strncmp(u, "  ", 2))
			fprintf(f, "%*s%.*s\n", indent, "", (int)n - 2, u + 2);
		else
			fprintf(f, "%s irqlbench %s%s%.*s\n", *first ? "usage:" : "      ", spec->name,
				n ? " " : "", (int)n, u);
		*first = false;
		u += n + (u[n] ? 1 : 0);
	} while (*u);
}

void cli_print_help(FILE *f, const struct cli_spec *spec)
{
	bool first = true;

	if (spec->subs)
		for (unsigned i = 0; spec->subs[i]; i++)
			print_usage_lines(f, spec->subs[i], &first);
	else
		print_usage_lines(f, spec, &first);
	if (spec->description)
		fprintf(f, "\n%s", spec->description);
	if (spec->subs) {
		print_options(f, spec, false);
		for (unsigned i = 0; spec->subs[i]; i++) {
			fprintf(f, "\n%s options:\n", spec->subs[i]->name);
			print_options(f, spec->subs[i], false);
		}
		fprintf(f, "\n");
		print_option(f, spec, &cli_help_option);
	} else {
		fprintf(f, "\noptions:\n");
		print_options(f, spec, true);
	}
	if (spec->epilog)
		fprintf(f, "\n%s", spec->epilog);
	if (spec->help_extra)
		spec->help_extra(f);
}
