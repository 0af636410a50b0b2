#!/bin/bash
# The CLI and the run paths (usage errors, every outcome of a run with the
# stand-in QEMU, the timeout, the kvm preflight on made-up hosts) once more
# with the core of irqlbench built
# under AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer:
# a sanitizer report fails the tests' "one line on stderr" checks.
. "$(dirname "$0")/lib.sh"
SAN=$BUILD/tests/irqlbench-san
[ -x "$SAN" ] || skip "no $SAN: run make unit-tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
dir=$(dirname "$0")
for t in run-usage.sh run-fake-qemu.sh run-kvm-preflight.sh; do
	IRQLBENCH=$SAN bash "$dir/$t" >"$TMP/$t.log" 2>&1
	rc=$?
	tail -n 1 "$TMP/$t.log"
	[ $rc -eq 0 ] || { grep -m 20 -e FAILED -e ERROR "$TMP/$t.log"; }
	eq "$t under ASan+UBSan" $rc 0
done
finish
