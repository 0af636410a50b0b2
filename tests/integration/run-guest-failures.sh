#!/bin/bash
# The real guest under QEMU TCG, failing on purpose with the test-only
# workloads: `hang` hits the timeout (exit 4), `fault` is reported with its
# vector and rip (exit 1), `triple-fault` is a reset without a report
# (exit 1).  Each leaves a failed record and its raw log.
. "$(dirname "$0")/lib.sh"
need_guest
need_cmd jq

run_wl() {	# run_wl NAME EXIT KIND ARGS...
	local name=$1 rc=$2 kind=$3; shift 3
	"$IRQLBENCH" run --backend tcg --out "$TMP/$name.json" "$@" >/dev/null 2>"$TMP/$name.err"
	eq "$name: exit status" $? "$rc"
	eq "$name: record status" "$(jq -r .status "$TMP/$name.json")" failed
	eq "$name: error kind" "$(jq -r .error.kind "$TMP/$name.json")" "$kind"
	ok "$name: raw log kept" test -s "$TMP/$name.serial.log"
	ok "$name: stderr names the raw log" grep -q "raw log $TMP/$name.serial.log" "$TMP/$name.err"
	cat "$TMP/$name.err"
}

t0=$(date +%s.%N)
run_wl hang 4 timeout --workload hang --timeout 3
dt=$(echo "$(date +%s.%N) - $t0" | bc)
ok "hang: killed at the timeout (took $dt s)" test "$(echo "$dt < 6" | bc)" = 1
ok "hang: the guest had booted" grep -q 'irqlbench-guest v=1 boot' "$TMP/hang.serial.log"

run_wl fault 1 exception --workload fault --timeout 30
ok "fault: #PF vector 14 in the message" grep -q 'exception #PF (vector 14) at rip=0x[0-9a-f]' "$TMP/fault.err"
ok "fault: the record's message has the rip" jq -e '.error.message | test("rip=0x[0-9a-f]+")' "$TMP/fault.json" >/dev/null

run_wl gp 1 exception --workload fault --param vector=13 --timeout 30
ok "fault vector=13: #GP" grep -q 'exception #GP (vector 13)' "$TMP/gp.err"

run_wl triple 1 triple-fault --workload triple-fault --timeout 30
ok "triple-fault: message" grep -q 'the guest reset (triple fault)' "$TMP/triple.err"
finish
