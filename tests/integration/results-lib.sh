# results-lib.sh - sourced by the results-*, plots-* and dashboard-* tests.
# Sets IRQ (the command: $IRQLBENCH_RESULTS, else build/bin/irqlbench), T (a temporary directory,
# removed on exit), GEN (the synthetic record generator) and helpers.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
# (IRQLBENCH_RESULTS: another build, e.g. bad-input-san.sh's ASan one)
IRQ=${IRQLBENCH_RESULTS:-$B/bin/irqlbench}
if ! [ -x "$IRQ" ]; then
	echo "FAIL: no $IRQ: run make"
	exit 1
fi
GEN=$ROOT/tests/fixtures/records/gen-records.sh
PNGCHECK=$B/tools/pngcheck
T=$(mktemp -d /tmp/irqlbench-results-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
checks=0

ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
# expect_rc WANT DESCRIPTION -- CMD...: runs CMD (output to $T/out, $T/err)
expect_rc() {
	local want=$1 what=$2 rc
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$what (exit $rc)"; else
		bad "$what: exit $rc, want $want"; sed 's/^/      | /' "$T/out" "$T/err" | head -20; fi
}
# expect_grep PATTERN FILE DESCRIPTION
expect_grep() {
	if grep -qE -- "$1" "$2"; then ok "$3"; else bad "$3: no /$1/ in $2"; head -30 "$2" | sed 's/^/      | /'; fi
}
finish() {
	if [ "$fails" -eq 0 ]; then echo "$(basename "$0"): $checks checks passed"; exit 0; fi
	echo "$(basename "$0"): $fails of $checks checks failed"
	exit 1
}
# expect_err_line PATTERN DESCRIPTION: stderr of the last expect_rc is one
# line that matches PATTERN
expect_err_line() {
	if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qE -- "$1" "$T/err"; then ok "$2"; else
		bad "$2: stderr is not one line matching /$1/"; sed 's/^/      | /' "$T/err" | head -5; fi
}
# expect_missing_values CMD SUB OPTION...: each OPTION given without its
# value (last on the line, or followed by another option) is a usage error
# naming it, exit 2, and no store is created (run in an empty directory).
expect_missing_values() {
	local cmd=$1 sub=$2 o
	shift 2
	mkdir -p "$T/novalue"
	for o in "$@"; do
		expect_rc 2 "$cmd $sub $o without a value" -- env -C "$T/novalue" "$IRQ" $cmd $sub "$o"
		expect_err_line "^irqlbench $cmd: option '$o' needs a value: see 'irqlbench $cmd --help'$" \
			"$cmd $sub $o: one line naming the option"
		expect_rc 2 "$cmd $sub $o followed by another option" -- \
			env -C "$T/novalue" "$IRQ" $cmd $sub "$o" --include-failed x y
		expect_err_line "^irqlbench $cmd: option '$o' needs a value, not the option '--include-failed'" \
			"$cmd $sub $o --include-failed: names both"
	done
	[ -z "$(ls -A "$T/novalue")" ] && ok "$cmd $sub: options without values created nothing" ||
		bad "$cmd $sub: options without values left $(ls -A "$T/novalue")"
}
# verdict_failed RECORD_DIR OUT_DIR ID FACTOR: a copy of the record (and its
# serial.log) under a new id, status complete but its own verdict "fail",
# with every measured write_cr8 exit count multiplied by FACTOR, so that a
# table that counted it would show it.
verdict_failed() {
	mkdir -p "$2/$3"
	jq --arg id "$3" --argjson k "$4" '.id = $id | .status = "complete"
		| .verdict = {"status": "fail", "reason": "synthetic: 3 priority violations"}
		| (.phases[] | select(.measured) | .vcpus[] | .exits | select(. != null) | .write_cr8) |= . * $k' \
		"$1/record.json" >"$2/$3/record.json"
	cp "$1/serial.log" "$2/$3/"
}
