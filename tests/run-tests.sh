#!/bin/bash
# Runs the unit tests (build/tests/<name>, ASan+UBSan) and then the
# integration tests (scripts).  Exit status of a test: 0 pass, 77 skip
# (the test prints the reason), anything else fail.  Each test's output
# goes to build/test-logs/<name>.log; its last line is shown.
set -u
BUILD=${BUILD:-build}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
pass=0 fail=0 skip=0
failed_names=()

run_one() {
	local name=$1; shift
	local log=$LOGS/$(basename "$name").log
	local t0=$(date +%s.%N)
	"$@" >"$log" 2>&1
	local rc=$?
	local dt=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
	local last=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 | cut -c1-160)
	case $rc in
	0)  pass=$((pass + 1)); printf 'PASS %-36s %5ss  %s\n' "$name" "$dt" "$last" ;;
	77) skip=$((skip + 1)); printf 'SKIP %-36s %5ss  %s\n' "$name" "$dt" "$last" ;;
	*)  fail=$((fail + 1)); failed_names+=("$name")
	    printf 'FAIL %-36s %5ss  (exit %d, log %s)\n' "$name" "$dt" "$rc" "$log"
	    tail -n 25 "$log" | sed 's/^/    | /' ;;
	esac
}

echo "== unit tests (ASan + UBSan)"
for t in ${UNIT_TESTS:-}; do
	run_one "unit/$t" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1 "$BUILD/tests/$t"
done
echo "== integration tests"
for t in ${INTEGRATION_TESTS:-}; do
	run_one "${t#tests/}" env BUILD="$BUILD" bash "$t"
done
echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
