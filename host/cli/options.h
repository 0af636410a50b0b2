/* SPDX-License-Identifier: MIT */
/*
 * options.h - the one command-line layer of irqlbench: a table of options
 * per command (and per subcommand), from which come the parser, the option
 * list of `--help`, the error line for a bad option, the man page and the
 * bash completion (host/cli/options.c, host/cli/doc.c).
 *
 * Modelled on Linux perf's parse-options (tools/lib/subcmd/parse-options.h):
 * a command declares rows such as
 *
 *	static const struct cli_option compare_opts[] = {
 *		{ CLI_STRING('d', "db", struct compare_args, db, "FILE",
 *			     "the results store") },
 *		{ CLI_LIST(0, "metric", struct compare_args, metrics, "GLOB",
 *			   "only the metrics that match GLOB") },
 *		{ CLI_FORMAT(struct compare_args, format, "the table's format") },
 *		{ CLI_JSON(struct compare_args, format) },
 *		{ CLI_END },
 *	};
 *
 * where each row names a field of the command's own argument struct (by
 * offset, type-checked at compile time), so that the tables are constant
 * data the command row in host/cli/commands.c can point at.  Unlike perf's
 * parser this one never exits: it prints the one error line and returns
 * the status, and the command returns it.
 */
#ifndef IRQLBENCH_OPTIONS_H
#define IRQLBENCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_kind {
	CLI_KIND_END,
	CLI_KIND_FLAG,		/* bool: set to true; no value */
	CLI_KIND_STRING,	/* const char *: the value (given twice: the last wins) */
	CLI_KIND_LIST,		/* struct argv_buf: each value appended (repeatable) */
	CLI_KIND_UINT,		/* unsigned: a decimal number in [min, max] */
	CLI_KIND_U64,		/* uint64_t: a decimal number in [min, max] */
	CLI_KIND_CHOICE,	/* const char *: one of choices[] */
	CLI_KIND_FORMAT,	/* const char *: --format, one of the spec's formats */
	CLI_KIND_JSON,		/* const char *: --json, sets the format field to "json" */
	CLI_KIND_CALLBACK,	/* cb(args, value): the command's own handling */
};

/* cli_option.flags */
enum {
	CLI_OPT_HIDDEN = 1 << 0,	/* parsed, but left out of --help, the man page
					 * and the completion */
	CLI_OPT_REPEAT = 1 << 1,	/* may be given more than once, each counts
					 * (a LIST always is): the help says so */
	CLI_OPT_NOARG = 1 << 2,		/* CALLBACK without a value (cb gets NULL) */
	CLI_OPT_EMPTY = 1 << 3,		/* an empty value is the command's to refuse
					 * (run names the path it wants) */
};

/*
 * The output formats, one vocabulary for every command: a spec's formats
 * is the set its --format accepts.  "markdown" is accepted for md.
 */
enum cli_format {
	CLI_FMT_TEXT = 1 << 0,
	CLI_FMT_JSON = 1 << 1,
	CLI_FMT_MD = 1 << 2,
	CLI_FMT_CSV = 1 << 3,
	CLI_FMT_LATEX = 1 << 4,
	CLI_FMT_KTAP = 1 << 5,
	CLI_FMT_KCIDB = 1 << 6,		/* KernelCI's KCIDB I/O schema v5 */
};
#define CLI_NFORMATS	7
extern const char *const cli_format_names[CLI_NFORMATS];	/* "text", "json", "md", ... */

struct cli_option {
	enum cli_kind kind;
	char shrt;			/* the short option letter, or 0 */
	const char *name;		/* the long name, without "--" */
	size_t off;			/* the value's offset in the argument struct */
	const char *arg;		/* the value's name in the help (FILE, N); NULL:
					 * the choices, the formats, or VALUE */
	const char *help;		/* what it does; '\n' starts another line */
	unsigned flags;			/* CLI_OPT_* */
	uint64_t min, max;		/* UINT, U64: the range */
	const char *const *choices;	/* CHOICE: NULL-terminated */
	/* CALLBACK: o its row, at the field at off (CLI_CALLBACK: the whole
	 * argument struct), value NULL with CLI_OPT_NOARG, cmd the command's
	 * name for the messages; 0, or a status (EXIT_USAGE) after its one
	 * error line */
	int (*cb)(const struct cli_option *o, void *at, const char *value, const char *cmd);
	int tag;			/* the command's own mark (cli_spec.seen) */
};

/* cli_spec.flags */
enum {
	/* options not in the table are left among the arguments, in order,
	 * for another command (lab passes them to run, as perf's
	 * PARSE_OPT_KEEP_UNKNOWN): with a forward spec only the options it
	 * has, others are unknown; abbreviations are then not accepted */
	CLI_KEEP_UNKNOWN = 1 << 0,
};

#define CLI_ARGS_ANY	(-1)

/*
 * A command or a subcommand ("results import"): its table and its texts.
 * `irqlbench NAME --help` prints the synopsis ("usage: irqlbench NAME " and
 * each line of usage), the description, the options (generated from the
 * table; with subcommands, each one's), and the epilog.
 */
struct cli_spec {
	const char *name;		/* "compare", "results import" */
	const char *summary;		/* one line (subcommands; a command's is its row's) */
	const char *usage;		/* what follows the name in the synopsis; '\n'
					 * separates alternatives */
	const char *description;	/* paragraphs, as printed (may be NULL) */
	const char *epilog;		/* after the options: the exit statuses */
	const struct cli_option *options;	/* ends with CLI_END; NULL: none */
	unsigned formats;		/* CLI_FMT_*: what --format accepts */
	unsigned flags;			/* CLI_KEEP_UNKNOWN */
	int max_args;			/* positional arguments allowed (0: none;
					 * CLI_ARGS_ANY: the command checks them) */
	const struct cli_spec *const *subs;	/* subcommands, NULL-terminated */
	const struct cli_spec *parent;	/* a subcommand's command: an option of a
					 * sibling is named as such */
	const struct cli_spec *forward;	/* CLI_KEEP_UNKNOWN: whose options the
					 * others are (completion, man page) */
	const char *const *forward_not;	/* forward's options this one refuses
					 * (lab: --backend, --out), NULL-terminated */
	/* called after each option is stored (verify notes the first option
	 * that runs something) */
	void (*seen)(void *args, const struct cli_option *o);
	/* printed after the help (model: its cost keys) */
	void (*help_extra)(FILE *f);
};

/*
 * Rows.  Each expands to designators, so that a row can add its own:
 * { CLI_FLAG('q', "quiet", struct model_opts, quiet, "no summary lines"),
 *   .flags = CLI_OPT_HIDDEN }.  The field's type is checked at compile time.
 */
#define CLI_TYPE_CHECK(T, field, type) \
	(0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((T *)0)->field), type) ? 1 : -1]))
#define CLI_OFF(T, field, type)	(offsetof(T, field) + CLI_TYPE_CHECK(T, field, type))

#define CLI_FLAG(s, l, T, f, h) \
	.kind = CLI_KIND_FLAG, .shrt = (s), .name = (l), .off = CLI_OFF(T, f, bool), .help = (h)
#define CLI_STRING(s, l, T, f, a, h) \
	.kind = CLI_KIND_STRING, .shrt = (s), .name = (l), .off = CLI_OFF(T, f, const char *), \
	.arg = (a), .help = (h)
#define CLI_LIST(s, l, T, f, a, h) \
	.kind = CLI_KIND_LIST, .shrt = (s), .name = (l), .off = CLI_OFF(T, f, struct argv_buf), \
	.arg = (a), .help = (h)
#define CLI_UINT(s, l, T, f, a, lo, hi, h) \
	.kind = CLI_KIND_UINT, .shrt = (s), .name = (l), .off = CLI_OFF(T, f, unsigned), \
	.arg = (a), .min = (lo), .max = (hi), .help = (h)
#define CLI_U64(s, l, T, f, a, lo, hi, h) \
	.kind = CLI_KIND_U64, .shrt = (s), .name = (l), .off = CLI_OFF(T, f, uint64_t), \
	.arg = (a), .min = (lo), .max = (hi), .help = (h)
#define CLI_CHOICE(s, l, T, f, ch, h) \
	.kind = CLI_KIND_CHOICE, .shrt = (s), .name = (l), .off = CLI_OFF(T, f, const char *), \
	.choices = (ch), .help = (h)
#define CLI_FORMAT(s, T, f, h) \
	.kind = CLI_KIND_FORMAT, .shrt = (s), .name = "format", \
	.off = CLI_OFF(T, f, const char *), .help = (h)
#define CLI_JSON(T, f) \
	.kind = CLI_KIND_JSON, .name = "json", .off = CLI_OFF(T, f, const char *), \
	.help = "the same as --format json"
#define CLI_CALLBACK(s, l, a, fn, h) \
	.kind = CLI_KIND_CALLBACK, .shrt = (s), .name = (l), .arg = (a), .cb = (fn), .help = (h)
#define CLI_CALLBACK_AT(s, l, T, f, a, fn, h) \
	.kind = CLI_KIND_CALLBACK, .shrt = (s), .name = (l), .off = offsetof(T, f), .arg = (a), \
	.cb = (fn), .help = (h)
#define CLI_END	.kind = CLI_KIND_END

/* cli_parse(): --help was asked for and printed; the command exits 0. */
#define CLI_HELP	(-1)

/*
 * Parses argv[1..argc) (argv[0] is the command's name) against spec's
 * table into the struct at args: options and their values in any order
 * among the arguments, "--long VALUE", "--long=VALUE", "-s VALUE",
 * "-sVALUE", clustered short flags ("-tq"), a unique prefix of a long name
 * (not with CLI_KEEP_UNKNOWN), and "--" ending the options.  The
 * positional arguments (with CLI_KEEP_UNKNOWN, also the unknown options)
 * are moved, in order, to argv[0..*nargs), and argv[*nargs] becomes NULL:
 * the array is rewritten (not the strings), so a caller that owns it (an
 * argv_buf it frees) passes a copy.
 *
 * Returns 0; CLI_HELP after printing the help on stdout for --help or -h;
 * or, after one line on stderr "irqlbench CMD: <problem>: see 'irqlbench
 * CMD --help'", EXIT_USAGE: an unknown or ambiguous option, an option
 * without its value (last on the line, empty, or followed by another
 * option: "option '--db' needs a value, not the option '--all'"), a value
 * to a flag, a number out of range, a choice or format not in the list
 * (naming the ones there are), more positional arguments than max_args; or
 * the status a callback returned.  A subcommand's option that is not its own
 * but a sibling's is refused as "--metrics is for 'results show'".
 */
int cli_parse(const struct cli_spec *spec, int argc, char **argv, void *args, int *nargs);

/*
 * A command with subcommands: argv[1] names one of spec->subs.  Returns
 * it; NULL with *status set when there is none: CLI_HELP after the help
 * (--help, -h or "help"), else EXIT_USAGE after the one line (no
 * subcommand, an unknown one, an option before it).
 */
const struct cli_spec *cli_subcommand(const struct cli_spec *spec, int argc, char **argv,
				      int *status);

/* The command's name for its messages: "results" of "results import". */
void cli_cmd_name(const struct cli_spec *spec, char *buf, size_t len);

/* The help of spec (see struct cli_spec) on f. */
void cli_print_help(FILE *f, const struct cli_spec *spec);

/* spec's formats joined: "text, json or md" (sep ", ", last " or "), "text|json|md". */
void cli_formats_list(unsigned formats, const char *sep, const char *last, char *buf, size_t len);

/* For the generators of the help, the man page and the completion: */
/* the row every table has without listing it: -h, --help */
extern const struct cli_option cli_help_option;
bool cli_option_takes_value(const struct cli_option *o);
/*
 * The option of spec that the word means, as cli_parse() reads it: --NAME,
 * a unique prefix of it, --NAME=VALUE, -C or -CVALUE; NULL for no option
 * (or an ambiguous prefix).  *value: the value written into the word, else
 * NULL (then it is the next word where the option takes one).
 */
const struct cli_option *cli_option_of(const struct cli_spec *spec, const char *word,
				       const char **value);
/* the value's name as the help shows it: "FILE", "tcg|kvm", "text|json"; "" for a flag */
void cli_option_value(const struct cli_spec *spec, const struct cli_option *o, char *buf,
		      size_t len);
/* what the table adds to the help line: " (1..8)", " (repeatable)", or "" */
void cli_option_note(const struct cli_option *o, char *buf, size_t len);

#endif
