// SPDX-License-Identifier: MIT
/*
 * doc.c - what the option tables give besides the parser and the help:
 * the man page irqlbench(1) (roff), the bash completion script, and the
 * tables themselves as tab-separated lines (for tests and scripts).  The
 * hidden top-level options --dump-man, --dump-completion and --dump-options
 * print them (host/cli/main.c); `make` writes the first two to build/share/
 * and `make install` installs them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/util.h"

/* Calls fn for every command's spec and every subcommand's, in the table's order. */
static void each_spec(void (*fn)(FILE *f, const struct cli_spec *spec, void *arg), FILE *f,
		      void *arg)
{
	for (unsigned i = 0; i < cli_ncommands; i++) {
		const struct cli_spec *s = cli_commands[i].spec;

		fn(f, s, arg);
		for (unsigned k = 0; s->subs && s->subs[k]; k++)
			fn(f, s->subs[k], arg);
	}
}

#define EACH_OPTION(o, spec) \
	for (const struct cli_option *o = (spec)->options; o && o->kind != CLI_KIND_END; o++)

static const char *const kind_names[] = {
	[CLI_KIND_END] = "end", [CLI_KIND_FLAG] = "flag", [CLI_KIND_STRING] = "string",
	[CLI_KIND_LIST] = "list", [CLI_KIND_UINT] = "uint", [CLI_KIND_U64] = "u64",
	[CLI_KIND_CHOICE] = "choice", [CLI_KIND_FORMAT] = "format", [CLI_KIND_JSON] = "json",
	[CLI_KIND_CALLBACK] = "callback",
};

/* The words a value of o can be (choices, formats) joined by sep, or "". */
static void value_words(const struct cli_spec *spec, const struct cli_option *o, const char *sep,
			char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (o->kind == CLI_KIND_FORMAT)
		cli_formats_list(spec->formats, sep, sep, buf, len);
	for (unsigned i = 0; o->kind == CLI_KIND_CHOICE && o->choices[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? sep : "", o->choices[i]);
}

/* --- --dump-options ------------------------------------------------------ */

static void dump_row(FILE *f, const struct cli_spec *spec, const struct cli_option *o)
{
	bool repeat = o->kind == CLI_KIND_LIST || (o->flags & CLI_OPT_REPEAT);
	bool hidden = o->flags & CLI_OPT_HIDDEN;
	char val[256], words[256];

	cli_option_value(spec, o, val, sizeof(val));
	value_words(spec, o, ",", words, sizeof(words));
	fprintf(f, "%s\t--%s\t%s%c\t%s\t%s\t%s\t%s\n", spec->name, o->name, o->shrt ? "-" : "",
		o->shrt ? o->shrt : '-', kind_names[o->kind], val[0] ? val : "-",
		hidden && repeat ? "hidden,repeat" : hidden ? "hidden" : repeat ? "repeat" : "-",
		words[0] ? words : "-");
}

static void dump_spec(FILE *f, const struct cli_spec *spec, void *arg)
{
	(void)arg;
	EACH_OPTION(o, spec)
		dump_row(f, spec, o);
	dump_row(f, spec, &cli_help_option);
}

void cli_dump_options(FILE *f)
{
	fprintf(f, "# command\toption\tshort\tkind\tvalue\tflags\tvalues\n");
	each_spec(dump_spec, f, NULL);
}

/* --- the man page -------------------------------------------------------- */

/* n bytes of s as roff text: backslashes and minus signs escaped, a line
 * that starts with a dot or a quote protected, other characters than ASCII
 * as \[uXXXX], an empty line a paragraph break; the last line ended unless
 * inline (a word within a line). */
static void roff_text(FILE *f, const char *s, size_t n, bool inline_)
{
	bool bol = !inline_;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (bol && c == '\n') {
			fputs(".PP\n", f);
			continue;
		}
		if (bol && (c == '.' || c == '\''))
			fputs("\\&", f);
		bol = c == '\n';
		if (c == '\\') {
			fputs("\\e", f);
		} else if (c == '-') {
			fputs("\\-", f);
		} else if (c >= 0xc0 && i + 1 < n) {
			unsigned extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
			uint32_t cp = c & (0x3f >> extra);

			for (unsigned k = 0; k < extra && i + 1 < n; k++)
				cp = cp << 6 | ((unsigned char)s[++i] & 0x3f);
			fprintf(f, "\\[u%04X]", cp);
		} else {
			fputc(c, f);
		}
	}
	if (!bol && !inline_)
		fputc('\n', f);
}

static void roff(FILE *f, const char *s, size_t n)
{
	roff_text(f, s, n, false);
}

static void roff_str(FILE *f, const char *s)
{
	roff_text(f, s, strlen(s), false);
}

static void man_synopsis(FILE *f, const struct cli_spec *spec)
{
	const char *u = spec->usage ? spec->usage : "";

	fputs(".nf\n", f);
	do {
		size_t n = strcspn(u, "\n");

		if (!strncmp(u, "  ", 2)) {
			fputs("    ", f);
			roff(f, u + 2, n - 2);
		} else {
			fprintf(f, "\\fBirqlbench %s\\fR ", spec->name);
			roff(f, u, n);
		}
		u += n + (u[n] ? 1 : 0);
	} while (*u);
	fputs(".fi\n", f);
}

static void man_option(FILE *f, const struct cli_spec *spec, const struct cli_option *o)
{
	char val[256], note[64];

	cli_option_value(spec, o, val, sizeof(val));
	cli_option_note(o, note, sizeof(note));
	fputs(".TP\n", f);
	if (o->shrt)
		fprintf(f, "\\fB\\-%c\\fR, ", o->shrt);
	fputs("\\fB\\-\\-", f);
	roff_text(f, o->name, strlen(o->name), true);
	fputs("\\fR", f);
	if (val[0]) {
		fputs(" \\fI", f);
		roff_text(f, val, strlen(val), true);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	roff_str(f, o->help ? o->help : "");
	if (note[0])
		roff_str(f, note + 1);
}

static void man_options(FILE *f, const struct cli_spec *spec)
{
	EACH_OPTION(o, spec)
		if (!(o->flags & CLI_OPT_HIDDEN))
			man_option(f, spec, o);
}

static void man_command(FILE *f, const struct cli_command *c)
{
	const struct cli_spec *s = c->spec;
	char upper[32];

	for (size_t i = 0; i <= strlen(c->name) && i < sizeof(upper); i++)
		upper[i] = (char)(c->name[i] >= 'a' && c->name[i] <= 'z' ? c->name[i] - 32 : c->name[i]);
	fprintf(f, ".SH \"IRQLBENCH %s\"\n", upper);
	roff_str(f, c->summary);
	fputs(".PP\n", f);
	for (unsigned k = 0; s->subs && s->subs[k]; k++)
		man_synopsis(f, s->subs[k]);
	if (!s->subs)
		man_synopsis(f, s);
	if (s->description) {
		fputs(".PP\n", f);
		roff_str(f, s->description);
	}
	if (s->forward)
		fprintf(f, ".PP\nEvery other option is passed to \\fBirqlbench %s\\fR (below).\n",
			s->forward->name);
	if (s->options && s->options->kind != CLI_KIND_END) {
		fputs(".SS Options\n", f);
		man_options(f, s);
	}
	for (unsigned k = 0; s->subs && s->subs[k]; k++) {
		fprintf(f, ".SS \"irqlbench %s\"\n", s->subs[k]->name);
		man_synopsis(f, s->subs[k]);
		man_options(f, s->subs[k]);
	}
	man_option(f, s, &cli_help_option);
	if (s->help_extra) {	/* model's cost keys: a table, kept as it is */
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);

		s->help_extra(m);
		fclose(m);
		fputs(".PP\n.nf\n", f);
		roff(f, text + strspn(text, "\n"), len - strspn(text, "\n"));
		fputs(".fi\n", f);
		free(text);
	}
	if (s->epilog) {
		fputs(".PP\n", f);
		roff_str(f, s->epilog);
	}
}

/* What the man page says besides the commands: the program, its exit
 * statuses (host/cli/cli.h), its environment and files. */
static const char man_head[] =
	".TH IRQLBENCH 1 \"\" \"irqlbench %s\" \"irqlbench manual\"\n"
	".SH NAME\n"
	"irqlbench \\- how a hypervisor handles a Windows-like guest's IRQL (CR8) writes\n"
	".SH SYNOPSIS\n"
	".B irqlbench\n"
	"[\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
	".SH DESCRIPTION\n"
	"irqlbench runs a bare-metal guest whose interrupt priority works as Windows x64's\n"
	"does (every IRQL change a write of CR8, spinlocks at DISPATCH_LEVEL, DPCs by a\n"
	"self-IPI at vector 0x2F) under QEMU with KVM or TCG, under a model of KVM's CR8\n"
	"logic, or in a virtual AMD host with a chosen kvm_amd build, and writes one JSON\n"
	"record per run.  It tells a KVM that has \"KVM: SVM: fix cr8 intercept window\"\n"
	"(upstream 596f3142d2b7) from one that has not.\n"
	".PP\n"
	"Each command has its options, listed below; \\fBirqlbench help\\fR \\fICOMMAND\\fR\n"
	"and \\fBirqlbench\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR print them.  A bad option\n"
	"is one line on standard error, \\fBirqlbench\\fR \\fICOMMAND\\fB: unknown option\n"
	"\\(aq\\-\\-bogus\\(aq: see \\(aqirqlbench\\fR \\fICOMMAND\\fB \\-\\-help\\(aq\\fR, and exit status 2.\n"
	"The output formats are one vocabulary: \\fB\\-\\-format\\fR\n"
	"text|json|md|csv|latex|ktap|kcidb as each command supports them (md or markdown), and\n"
	"\\fB\\-\\-json\\fR is \\fB\\-\\-format json\\fR.\n"
	".SH COMMANDS\n";

static const char man_tail[] =
	".SH \"EXIT STATUS\"\n"
	"One table for every command:\n"
	".TP\n.B 0\nok; \\fBverify\\fR: FIXED\n"
	".TP\n.B 1\nthe run or the guest failed; a failed record is written\n"
	".TP\n.B 2\nusage error or bad input (nothing is run, no record written)\n"
	".TP\n.B 3\nenvironment error: a missing package, no access to /dev/kvm, QEMU refused\n"
	".TP\n.B 4\ntimeout: the guest did not finish\n"
	".TP\n.B 5\nthe results store is unusable: not SQLite, corrupt, locked\n"
	".TP\n.B 10\n\\fBverify\\fR: UNFIXED\n"
	".TP\n.B 11\n\\fBverify\\fR: INCONCLUSIVE\n"
	".TP\n.B 77\nnot applicable on this host (not AMD SVM, /dev/kvm not kvm_amd)\n"
	".SH ENVIRONMENT\n"
	".TP\n.B IRQLBENCH_DB\nthe results store when no \\fB\\-\\-db\\fR is given "
	"(default results/irqlbench.db)\n"
	".TP\n.B IRQLBENCH_DB_WAIT\nseconds to wait for a locked store (default 2)\n"
	".TP\n.B IRQLBENCH_SUITES\nthe suites file (default workloads/suites.cfg of the source tree, "
	"else share/irqlbench/suites.cfg of the installation)\n"
	".TP\n.B IRQLBENCH_PLOTS_DIR\nthe gnuplot scripts of \\fBplot\\fR\n"
	".TP\n.B IRQLBENCH_ROOT\nthe source tree \\fBlab\\fR and \\fBkvm\\fR run their scripts from\n"
	".TP\n.B IRQLBENCH_BUILD\nthe build directory of \\fBlab\\fR and \\fBkvm\\fR (module builds, L1 files)\n"
	".SH FILES\n"
	".TP\n.I results/irqlbench.db\nthe default results store; the runs' records and logs in results/runs/\n"
	".TP\n.I PREFIX/lib/irqlbench/irqlbench\\-guest.elf\nthe guest image of an installed irqlbench\n"
	".TP\n.I PREFIX/share/irqlbench/\nthe suites file, the gnuplot scripts and example scenario scripts\n"
	".SH \"SEE ALSO\"\n"
	".BR qemu\\-system\\-x86_64 (1),\n"
	".BR perf\\-kvm (1),\n"
	".BR gnuplot (1)\n";

void cli_dump_man(FILE *f)
{
	fprintf(f, ".\\\" irqlbench(1), generated by 'irqlbench --dump-man' from the option tables "
		"(host/cli/doc.c); do not edit\n");
	fprintf(f, man_head, util_suite_version());
	for (unsigned i = 0; i < cli_ncommands; i++)
		fprintf(f, ".TP\n.B %s\n%s\n", cli_commands[i].name, cli_commands[i].summary);
	for (unsigned i = 0; i < cli_ncommands; i++)
		man_command(f, &cli_commands[i]);
	fputs(man_tail, f);
}

/* --- bash completion ----------------------------------------------------- */

/* What a value of o completes to: its words, @workload, @file, @dir or @none. */
static void value_completion(const struct cli_spec *spec, const struct cli_option *o, char *buf,
			     size_t len)
{
	value_words(spec, o, " ", buf, len);
	if (buf[0])
		return;
	if (!strcmp(o->name, "workload"))
		snprintf(buf, len, "@workload");
	else if (o->arg && (strstr(o->arg, "FILE") || strstr(o->arg, "PATH")))
		snprintf(buf, len, "@file");
	else if (o->arg && strstr(o->arg, "DIR"))
		snprintf(buf, len, "@dir");
	else
		snprintf(buf, len, "@none");
}

/* Is o one of spec's, or of what spec forwards and does not refuse? */
static bool offered(const struct cli_spec *spec, const struct cli_option *o)
{
	if (o->flags & CLI_OPT_HIDDEN)
		return false;
	for (unsigned i = 0; spec->forward_not && spec->forward_not[i]; i++)
		if (!strcmp(spec->forward_not[i], o->name))
			return false;
	return true;
}

static void completion_values(FILE *f, const struct cli_spec *spec, const struct cli_spec *of,
			      const char *key)
{
	char words[256];

	EACH_OPTION(o, of) {
		if (!offered(spec, o) || !cli_option_takes_value(o))
			continue;
		value_completion(spec, o, words, sizeof(words));
		fprintf(f, "\t[\"%s --%s\"]=\"%s\"\n", key, o->name, words);
		if (o->shrt)
			fprintf(f, "\t[\"%s -%c\"]=\"%s\"\n", key, o->shrt, words);
	}
}

static void completion_opts(FILE *f, const struct cli_spec *spec, void *arg)
{
	(void)arg;
	fprintf(f, "\t[\"%s\"]=\"", spec->name);
	for (const struct cli_spec *s = spec; s; s = s == spec ? spec->forward : NULL)
		EACH_OPTION(o, s)	/* lab: run's too, which it passes on */
			if (offered(spec, o))
				fprintf(f, "--%s ", o->name);
	fprintf(f, "--help\"\n");
}

static void completion_spec_values(FILE *f, const struct cli_spec *spec, void *arg)
{
	(void)arg;
	completion_values(f, spec, spec, spec->name);
	if (spec->forward)	/* the values of the options lab passes on */
		completion_values(f, spec, spec->forward, spec->name);
}

static const char completion_body[] =
	"# the binary completed, for the workload names: as typed, else on PATH\n"
	"_irqlbench_workloads() {\n"
	"\t\"${COMP_WORDS[0]}\" list 2>/dev/null | awk '/^[a-z]/ && $1 != \"common\" { print $1 }'\n"
	"}\n"
	"\n"
	"_irqlbench() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	"\tlocal cmd=${COMP_WORDS[1]} key words\n"
	"\tCOMPREPLY=()\n"
	"\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	"\t\tCOMPREPLY=($(compgen -W \"$_irqlbench_commands --help --version\" -- \"$cur\"))\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tkey=$cmd\n"
	"\tif [ -n \"${_irqlbench_subs[$cmd]}\" ]; then\n"
	"\t\tif [ \"$COMP_CWORD\" -eq 2 ]; then\n"
	"\t\t\tCOMPREPLY=($(compgen -W \"${_irqlbench_subs[$cmd]} --help\" -- \"$cur\"))\n"
	"\t\t\treturn\n"
	"\t\tfi\n"
	"\t\tkey=\"$cmd ${COMP_WORDS[2]}\"\n"
	"\tfi\n"
	"\tif [[ $cur != -* ]] && [ -n \"${_irqlbench_values[\"$key $prev\"]+set}\" ]; then\n"
	"\t\twords=${_irqlbench_values[\"$key $prev\"]}\n"
	"\t\tcase $words in\n"
	"\t\t@workload) COMPREPLY=($(compgen -W \"$(_irqlbench_workloads)\" -- \"$cur\")) ;;\n"
	"\t\t@file) COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null ;;\n"
	"\t\t@dir) COMPREPLY=($(compgen -d -- \"$cur\")); compopt -o filenames 2>/dev/null ;;\n"
	"\t\t@none) ;;\n"
	"\t\t*) COMPREPLY=($(compgen -W \"$words\" -- \"$cur\")) ;;\n"
	"\t\tesac\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tif [[ $cur == -* ]]; then\n"
	"\t\tCOMPREPLY=($(compgen -W \"${_irqlbench_opts[$key]}\" -- \"$cur\"))\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tcase $key in\n"
	"\tlist) COMPREPLY=($(compgen -W \"$(_irqlbench_workloads)\" -- \"$cur\")) ;;\n"
	"\thelp) COMPREPLY=($(compgen -W \"$_irqlbench_commands\" -- \"$cur\")) ;;\n"
	"\t*) COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null ;;\n"
	"\tesac\n"
	"}\n"
	"complete -F _irqlbench irqlbench\n";

void cli_dump_completion(FILE *f)
{
	fprintf(f, "# bash completion for irqlbench(1): commands, each command's options, the\n"
		"# values of --format and the other choices, workload names from 'irqlbench\n"
		"# list'.  Generated by 'irqlbench --dump-completion' from the option tables\n"
		"# (host/cli/doc.c); do not edit.\n\n_irqlbench_commands=\"");
	for (unsigned i = 0; i < cli_ncommands; i++)
		fprintf(f, "%s%s", i ? " " : "", cli_commands[i].name);
	fprintf(f, "\"\ndeclare -A _irqlbench_subs=(\n");
	for (unsigned i = 0; i < cli_ncommands; i++) {
		const struct cli_spec *s = cli_commands[i].spec;

		if (!s->subs)
			continue;
		fprintf(f, "\t[\"%s\"]=\"", cli_commands[i].name);
		for (unsigned k = 0; s->subs[k]; k++)
			fprintf(f, "%s%s", k ? " " : "", strchr(s->subs[k]->name, ' ') + 1);
		fprintf(f, "\"\n");
	}
	fprintf(f, ")\ndeclare -A _irqlbench_opts=(\n");
	each_spec(completion_opts, f, NULL);
	fprintf(f, ")\ndeclare -A _irqlbench_values=(\n");
	each_spec(completion_spec_values, f, NULL);
	fprintf(f, ")\n\n%s", completion_body);
}
