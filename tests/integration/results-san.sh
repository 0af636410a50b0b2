#!/bin/bash
# The results tests again, with the result commands built under ASan+UBSan
# (build/tests/irqlbench-results-san): the command layer - option parsing,
# every kind of import input and refusal, delete, broken and locked stores,
# compare and report - passes the same checks, and the sanitizers report
# nothing (their reports go to files, so that none can hide behind an
# expected exit status).
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
SAN=$B/tests/irqlbench-results-san
[ -x "$SAN" ] || { echo "FAIL: $SAN is not built (make unit-tests)"; exit 1; }
LOGS=$(mktemp -d /tmp/irqlbench-results-san.XXXXXX)
trap 'rm -rf "$LOGS"' EXIT
fails=0 checks=0

for t in results-store results-import results-delete results-broken-store results-compare results-report; do
	checks=$((checks + 1))
	ASAN_OPTIONS=detect_leaks=1:log_path=$LOGS/asan UBSAN_OPTIONS=print_stacktrace=1:log_path=$LOGS/ubsan \
		IRQLBENCH_RESULTS=$SAN BUILD=$BUILD bash "$ROOT/tests/integration/$t.sh" >"$LOGS/$t.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok   $t under ASan+UBSan: $(tail -1 "$LOGS/$t.out")"
	else
		fails=$((fails + 1))
		echo "FAIL $t under ASan+UBSan (exit $rc):"
		grep -v '^ok' "$LOGS/$t.out" | tail -15 | sed 's/^/      | /'
	fi
done
checks=$((checks + 1))
reports=$(ls "$LOGS" | grep -E '^(asan|ubsan)\.' || true)
if [ -z "$reports" ]; then
	echo "ok   no sanitizer report"
else
	fails=$((fails + 1))
	echo "FAIL sanitizer reports:"
	for r in $reports; do head -20 "$LOGS/$r" | sed 's/^/      | /'; done
fi
if [ "$fails" -eq 0 ]; then echo "$(basename "$0"): $checks checks passed"; exit 0; fi
echo "$(basename "$0"): $fails of $checks checks failed"
exit 1
