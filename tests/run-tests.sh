#!/bin/bash
# Runs the unit tests (build/tests/<name>, ASan+UBSan) and then the
# integration tests (scripts), and reports in TAP (version 13): one
# "ok N - name # time, last line" per test, "# SKIP reason" for a skipped one,
# the last lines of a failed test's log as "# " diagnostics.  The last line is
# the plain summary "check: P passed, F failed, S skipped".
# Exit status of a test: 0 pass, 77 skip (the test prints the reason),
# anything else fail.  Each test's output goes to build/test-logs/<name>.log.
# T=PATTERN (make check T=lab) runs only the tests whose name contains PATTERN
# (a bash glob: T='lab-*' or T='unit/*' work too).
set -u
BUILD=${BUILD:-build}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
pass=0 fail=0 skip=0 n=0
failed_names=()

names=()
for t in ${UNIT_TESTS:-}; do names+=("unit/$t"); done
for t in ${INTEGRATION_TESTS:-}; do names+=("${t#tests/}"); done
selected=()
for name in "${names[@]}"; do
	case ${T:-} in
	"") selected+=("$name") ;;
	*[*?[]*) [[ $name == $T ]] && selected+=("$name") ;;
	*) [[ $name == *"$T"* ]] && selected+=("$name") ;;
	esac
done
if [ -n "${T:-}" ] && [ ${#selected[@]} -eq 0 ]; then
	echo "run-tests: no test name matches T='$T'; the names are: ${names[*]}" >&2
	exit 2
fi

run_one() {
	local name=$1; shift
	local log=$LOGS/$(basename "$name").log
	local t0=$(date +%s.%N)
	"$@" >"$log" 2>&1
	local rc=$?
	local dt=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
	local last=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 | cut -c1-160)
	n=$((n + 1))
	case $rc in
	0)  pass=$((pass + 1)); printf 'ok %d - %-36s # %5ss  %s\n' "$n" "$name" "$dt" "$last" ;;
	77) skip=$((skip + 1)); printf 'ok %d - %-36s # SKIP %s\n' "$n" "$name" "${last#SKIP: }" ;;
	*)  fail=$((fail + 1)); failed_names+=("$name")
	    printf 'not ok %d - %-32s # %5ss exit %d, log %s\n' "$n" "$name" "$dt" "$rc" "$log"
	    tail -n 25 "$log" | sed 's/^/#   | /' ;;
	esac
}

echo "TAP version 13"
echo "1..${#selected[@]}"
for name in "${selected[@]}"; do
	case $name in
	unit/*) run_one "$name" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
			UBSAN_OPTIONS=print_stacktrace=1 "$BUILD/tests/${name#unit/}" ;;
	*)	run_one "$name" env BUILD="$BUILD" bash "tests/$name" ;;
	esac
done
echo
[ ${#failed_names[@]} -gt 0 ] && echo "# failed: ${failed_names[*]}"
echo "check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
