#!/bin/bash
# pin-run.sh - `irqlbench run` (direct launch) pins the vCPU and emulator
# threads and records what the kernel reports: provenance.pinning equals
# the planner's plan (the direct launcher starts QEMU with
# `-S -qmp unix:...`, host/pin/pin_run.h).  The plans are this 2-core
# machine's: elsewhere it SKIPs.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need_guest
need_pkg jq hwloc
[ "$(lstopo-no-graphics --only core 2>/dev/null | wc -l)" = 2 ] || skip "the expected plans are for this 2-core machine"

"$IRQLBENCH" run --guest "$GUEST" --backend tcg --workload irql-churn --vcpus 2 --out "$TMP/r2.json" >/dev/null 2>"$TMP/err"
eq "2 vCPUs: pinning read back" "$(jq -c .provenance.pinning "$TMP/r2.json")" '{"vcpu":[[1],[0]],"emulator":[0]}'
eq "2 vCPUs: launcher" "$(jq -r .launcher "$TMP/r2.json")" direct
"$IRQLBENCH" run --guest "$GUEST" --backend tcg --workload irql-churn --vcpus 1 --out "$TMP/r1.json" >/dev/null 2>&1
eq "1 vCPU: pinning read back" "$(jq -c .provenance.pinning "$TMP/r1.json")" '{"vcpu":[[1]],"emulator":[0]}'
IRQLBENCH_PIN_CPUS=0,1 "$IRQLBENCH" run --guest "$GUEST" --backend tcg --workload irql-churn --vcpus 2 --out "$TMP/r3.json" >/dev/null 2>&1
eq "--cpus 0,1: pinning read back" "$(jq -c .provenance.pinning "$TMP/r3.json")" '{"vcpu":[[0],[1]],"emulator":[0]}'
IRQLBENCH_PIN_CPUS=5 "$IRQLBENCH" run --guest "$GUEST" --backend tcg --workload irql-churn --vcpus 1 --out "$TMP/r4.json" >/dev/null 2>"$TMP/err"
ok "a CPU outside the host fails the run" test $? -ne 0
ok "and says so" grep -q "CPU 5 is not in this machine" "$TMP/err"
finish
