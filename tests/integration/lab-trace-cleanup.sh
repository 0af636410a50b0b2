#!/bin/bash
# The trace collector removes its tracefs instance on every exit path:
# normal end, SIGINT, SIGTERM (signal handler) and SIGKILL (the reaper
# child).  Runs in a lab L1 with the distro's kvm_amd (this host has no
# kvm tracepoints of its own to test with).
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_pkg qemu-system-x86
need_lab_kernel >/dev/null
make -s "$BUILD/trace/irqlbench-kvmtrace" >/dev/null 2>"$TMP/make.err" || { cat "$TMP/make.err"; bail "cannot build the trace collector"; }
mkdir -p "$TMP/out"
echo "$(cd "$BUILD" && pwd)/trace/irqlbench-kvmtrace" >"$TMP/out/kvmtrace.path"
host/lab/boot-l1.sh --script "$HERE/tests/integration/lab-trace-cleanup-l1.sh" --out "$TMP/out" \
	--timeout 300 2>"$TMP/err"
eq "L1 ran" $? 0
cat "$TMP/out/cleanup.txt" 2>/dev/null
for how in INT TERM KILL normal; do
	eq "$how: instance existed while tracing" \
		"$(sed -n "s/^$how before=\([01]\).*/\1/p" "$TMP/out/cleanup.txt")" 1
	eq "$how: instance removed afterwards" \
		"$(sed -n "s/^$how .*after=\([01]\)/\1/p" "$TMP/out/cleanup.txt")" 0
done
[ $fails -eq 0 ] || { cat "$TMP/err"; tail -n 30 "$TMP/out/l1.log"; }
finish
