#!/bin/bash
# cli-contract.sh - the one command-line layer (host/cli/options.c) holds
# its contract for every command and subcommand the binary has: the names
# and options come from its own tables ('irqlbench --dump-options'), never
# from a list here, so that a command added tomorrow is checked too.  For
# each: --bogus is exit 2 and the one standard line; each option that takes
# a value, given without one, is exit 2 and "needs a value", and nothing is
# written; --help exits 0 and lists every option of the table, as 'help
# CMD' does; the man page (--dump-man, roff that groff reads without a
# warning) and the bash completion (--dump-completion) list every option;
# --format bogus is refused naming the formats the command has; --json
# prints what jq parses (the same as --format json).  Then the completion
# completes (commands, subcommands, formats, workloads), and 'make install
# DESTDIR=... PREFIX=/usr' installs a binary that runs list, --help and a
# guest from its own lib/irqlbench/, the man page and the completion;
# 'make uninstall' removes them.
. "$(dirname "$0")/lib.sh"
[ -x "$IRQLBENCH" ] || skip "no $IRQLBENCH: run make"
need_cmd jq
need_cmd groff
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
IRQ=$(realpath "$IRQLBENCH")
mkdir -p "$TMP/empty"

# --- the tables ---------------------------------------------------------------
"$IRQ" --dump-options >"$TMP/options.tsv"
eq "--dump-options: exit" $? 0
grep -v '^#' "$TMP/options.tsv" >"$TMP/rows"
mapfile -t SPECS < <(cut -f1 "$TMP/rows" | awk '!seen[$0]++')
mapfile -t CMDS < <(cut -f1 "$TMP/rows" | grep -v ' ' | awk '!seen[$0]++')
eq "the commands of the tables are those of 'irqlbench --help'" "${CMDS[*]}" \
	"$("$IRQ" --help | awk '/^commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 }' | paste -sd' ')"
ok "twelve commands or more (${#CMDS[@]}), with subcommands (${#SPECS[@]} tables)" \
	test "${#CMDS[@]}" -ge 12 -a "${#SPECS[@]}" -gt "${#CMDS[@]}"
# rows SPEC: its options, "long value kind values" per line (hidden ones left out)
rows() { awk -F'\t' -v s="$1" '$1 == s && $6 !~ /hidden/ { print substr($2, 3), $5, $4, $7 }' "$TMP/rows"; }

"$IRQ" --dump-man >"$TMP/irqlbench.1"
eq "--dump-man: exit" $? 0
eq "the man page: no groff warning" "$(groff -man -Tutf8 -ww -z "$TMP/irqlbench.1" 2>&1)" ""
"$IRQ" --dump-completion >"$TMP/completion.bash"
eq "--dump-completion: exit" $? 0
ok "the completion is bash" bash -n "$TMP/completion.bash"
# the completion's option lists, "SPEC<tab> OPTIONS "
bash -c '. "$1"; for k in "${!_irqlbench_opts[@]}"; do printf "%s\t %s \n" "$k" "${_irqlbench_opts[$k]}"; done' \
	_ "$TMP/completion.bash" >"$TMP/completion.opts"
# the man page's section of command CMD (its subcommands' are in it)
man_section() {
	awk -v h=".SH \"IRQLBENCH $(tr a-z A-Z <<<"$1")\"" '$0 == h { f = 1; next } /^\.SH / { f = 0 } f' \
		"$TMP/irqlbench.1"
}

# --- every command and subcommand ---------------------------------------------
for spec in "${SPECS[@]}"; do
	read -ra w <<<"$spec"
	cmd=${w[0]}
	std="see 'irqlbench $cmd --help'"

	(cd "$TMP/empty" && "$IRQ" "${w[@]}" --bogus) >"$TMP/o" 2>"$TMP/e"
	eq "$spec --bogus: exit" $? 2
	eq "$spec --bogus: the one standard line" "$(cat "$TMP/e")" \
		"irqlbench $cmd: unknown option '--bogus': $std"
	eq "$spec --bogus: nothing on stdout" "$(cat "$TMP/o")" ""

	"$IRQ" "${w[@]}" --help >"$TMP/help" 2>"$TMP/e"
	eq "$spec --help: exit" $? 0
	ok "$spec --help: the synopsis first" grep -q "^usage: irqlbench $spec" "$TMP/help"
	"$IRQ" help "${w[@]}" >"$TMP/help2" 2>&1
	ok "help $spec: the same as $spec --help" cmp -s "$TMP/help" "$TMP/help2"
	man_section "$cmd" >"$TMP/man"
	ok "man page: a section for $cmd" test -s "$TMP/man"
	copts=$(awk -F'\t' -v s="$spec" '$1 == s { print $2 }' "$TMP/completion.opts")

	while read -r opt value kind values; do
		ok "$spec --help lists --$opt" grep -qE -- "^  (-., |    )--$opt( |\$)" "$TMP/help"
		ok "man page lists $spec --$opt" grep -qF -- "\\-\\-${opt//-/\\-}" "$TMP/man"
		ok "completion lists $spec --$opt" test -n "$copts" -a -z "${copts##* --$opt *}"
		[ "$value" = - ] && continue
		(cd "$TMP/empty" && "$IRQ" "${w[@]}" "--$opt") >"$TMP/o" 2>"$TMP/e"
		eq "$spec --$opt (no value): exit" $? 2
		eq "$spec --$opt (no value): one line" "$(cat "$TMP/e")" \
			"irqlbench $cmd: option '--$opt' needs a value: $std"
		if [ "$kind" = format ]; then
			list=$(sed -E 's/,([^,]*)$/ or \1/; s/,/, /g' <<<"$values")
			"$IRQ" "${w[@]}" --format bogus >"$TMP/o" 2>"$TMP/e"
			eq "$spec --format bogus: exit" $? 2
			eq "$spec --format bogus: names the formats" "$(cat "$TMP/e")" \
				"irqlbench $cmd: unknown format 'bogus': use $list: $std"
		fi
	done < <(rows "$spec")
	eq "$spec: nothing written by the refusals" "$(ls -A "$TMP/empty")" ""
done

# --- --json, where a command has it -------------------------------------------
"$ROOT/tests/fixtures/records/gen-records.sh" "$TMP/rec" 1 >"$TMP/ids"
DB=$TMP/store.db
"$IRQ" results import --db "$DB" "$TMP/rec" >/dev/null || { echo "FAILED: import"; exit 1; }
ID=$(head -n 1 "$TMP/ids")
# json_args SPEC: JA, the arguments of a request of SPEC that prints data;
# status 1 when this test knows none
json_args() {
	case $1 in
	list) JA=() ;;
	pin) JA=(--vcpus 2 --synthetic "package:1 l3:1 core:4 pu:1") ;;
	"results list"|"results export"|"results verdicts"|report) JA=(--db "$DB") ;;
	"results show") JA=(--db "$DB" "$ID" --metrics) ;;
	compare) JA=(--db "$DB" variant=unfixed variant=fixed) ;;
	verify) JA=(--db "$DB" --select backend=lab,variant=fixed) ;;
	"kvm build") JA=(--variant stock) ;;
	"kvm kernels") JA=() ;;
	*) return 1 ;;
	esac
}
mapfile -t JSON_SPECS < <(awk -F'\t' '$2 == "--json" { print $1 }' "$TMP/rows")
ok "--json on the commands that print data (${#JSON_SPECS[@]})" test "${#JSON_SPECS[@]}" -ge 9
for spec in "${JSON_SPECS[@]}"; do
	read -ra w <<<"$spec"
	ok "$spec has --format json beside --json" \
		grep -qP "^$spec\t--format\t.*\t[^\t]*json[^\t]*\$" "$TMP/rows"
	if ! json_args "$spec"; then
		eq "$spec --json: a request to check it with (json_args in this test)" none some
		continue
	fi
	if [ "$spec" = "kvm build" ] && ! host/kvm/build-variant.sh --variant stock --info >/dev/null 2>&1; then
		echo "note: no kernel triple for the module build here: kvm build --json not run"
		continue
	fi
	"$IRQ" "${w[@]}" "${JA[@]}" --json >"$TMP/json" 2>"$TMP/e"
	rc=$?
	ok "$spec --json: exit $rc (0, or a verdict's)" test "$rc" -eq 0 -o "$spec" = verify -a "$rc" -ge 10
	ok "$spec --json: jq parses it" jq -e . "$TMP/json" >/dev/null
	"$IRQ" "${w[@]}" "${JA[@]}" --format json >"$TMP/json2" 2>/dev/null
	ok "$spec --json: the same as --format json" cmp -s "$TMP/json" "$TMP/json2"
done
eq "verify --json: the verdict and each run's numbers" \
	"$("$IRQ" verify --db "$DB" --select backend=lab,variant=fixed --json |
		jq -r '[.verdict, (.runs | length > 0), (.runs[0] | has("write_cr8_per_iter"))] | join(" ")')" \
	"INCONCLUSIVE true true"
"$IRQ" verify --db "$DB" --select backend=model,policy=fixed --format ktap >"$TMP/ktap"
eq "verify --format ktap: exit (FIXED)" $? 0
eq "verify --format ktap: version, plan, a test per run, the verdict" \
	"$(sed -n '1p;2p' "$TMP/ktap" | paste -sd' ') $(grep -c '^ok [0-9]' "$TMP/ktap") $(tail -n 1 "$TMP/ktap" | cut -d: -f1-2)" \
	"KTAP version 1 1..4 4 # verdict: FIXED"
eq "results list --json: every run" "$("$IRQ" results list --db "$DB" --json | jq '.runs | length')" \
	"$(wc -l <"$TMP/ids")"

# --- the completion completes --------------------------------------------------
complete_words() {	# complete_words WORD...: what the completion offers for the last one
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _irqlbench; echo "${COMPREPLY[*]}"' \
		_ "$TMP/completion.bash" "$IRQ" "$@"
}
eq "completion: the commands" "$(complete_words "")" "${CMDS[*]} --help --version"
eq "completion: subcommands" "$(complete_words results "")" "import list show export delete merge verdicts --help"
eq "completion: --format values" "$(complete_words results list --format "")" "text json"
eq "completion: options of a subcommand" "$(complete_words kvm build --j)" "--jobs --json"
eq "completion: workload names from 'irqlbench list'" "$(complete_words run --workload nested)" \
	nested-spinlock
eq "completion: lab offers run's options, less those it refuses" \
	"$(complete_words lab --w) $(complete_words lab --backe)" "--workload "

# --- make install, make uninstall ---------------------------------------------
D=$TMP/dest
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" >"$TMP/install.log" 2>&1
eq "make install: exit" $? 0
for f in bin/irqlbench lib/irqlbench/irqlbench-guest.elf share/irqlbench/suites.cfg \
	 share/irqlbench/plots/common.gp share/man/man1/irqlbench.1 \
	 share/bash-completion/completions/irqlbench; do
	ok "installed /usr/$f" test -s "$D/usr/$f"
done
"$D/usr/bin/irqlbench" --dump-man >"$TMP/installed.1"
ok "the installed man page is the installed binary's" cmp -s "$D/usr/share/man/man1/irqlbench.1" "$TMP/installed.1"
(cd "$TMP" && "$D/usr/bin/irqlbench" list) >"$TMP/o" 2>&1
eq "installed: list" "$?$(grep -c '^nested-spinlock' "$TMP/o")" 01
(cd "$TMP" && "$D/usr/bin/irqlbench" --help) >"$TMP/o" 2>&1
eq "installed: --help" "$?$(grep -c '^  results ' "$TMP/o")" 01
(cd "$TMP" && "$D/usr/bin/irqlbench" list --suites --format json) >"$TMP/o" 2>&1
eq "installed: its own suites file" "$(jq -r .suites "$TMP/o")" "$D/usr/share/irqlbench/suites.cfg"
if command -v qemu-system-x86_64 >/dev/null; then
	(cd "$TMP" && "$D/usr/bin/irqlbench" run --workload seed-table --param iterations=5 \
		--out "$TMP/installed.json") >/dev/null 2>"$TMP/e"
	eq "installed: run boots its own guest image" "$?$(jq -r .status "$TMP/installed.json")" 0complete
else
	echo "note: no qemu-system-x86_64: the installed run is not checked"
fi
if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$D/usr/share/man/man1/irqlbench.1" >"$TMP/man.txt" 2>/dev/null
	ok "installed: man -l renders irqlbench(1)" grep -q "IRQLBENCH RESULTS" "$TMP/man.txt"
fi
make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" >"$TMP/install.log" 2>&1
eq "make uninstall: exit" $? 0
eq "make uninstall: no file left" "$(find "$D" -type f)" ""
finish
