#!/bin/bash
# The real guest under QEMU TCG, failing on purpose with the test-only
# workloads: `hang` hits the timeout (exit 4), `fault` is reported with its
# vector and rip (exit 1), `triple-fault` is a reset without a report
# (exit 1).  Each leaves a failed record and its raw log.  A script's error
# in the guest is whole however long the script's path.
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq bc

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

# a script error in the guest, the script behind a 300-character path: the
# guest's message whole (it used to end mid-word), the hint the script doc
long=$TMP/$(printf 'a%.0s' {1..100})/$(printf 'b%.0s' {1..100})/$(printf 'c%.0s' {1..90})
mkdir -p "$long"
printf 'timeout 1000\nraise 2\nlower 0\nwait_delivered 0x40\n' >"$long/never.scn"
"$IRQLBENCH" run --backend tcg --workload script --script "$long/never.scn" --param iterations=1 \
	--param warmup=0 --timeout 30 --out "$TMP/never.json" >/dev/null 2>"$TMP/never.err"
eq "script error: exit status" $? 1
eq "script error: the verdict's reason whole" "$(jq -r .verdict.reason "$TMP/never.json")" \
	"script: line 4: wait_delivered 0x40 timed out after 1000 us (0 of 1 deliveries): the interrupt was never delivered; check that it was sent and is unmasked, or raise the timeout"
ok "script error: the path has over 300 characters" test "$(jq -r .provenance.script.path "$TMP/never.json" | wc -c)" -gt 300
ok "script error: hint workloads/SCRIPTS.md" grep -q "hint: the script's own check failed (workloads/SCRIPTS.md" "$TMP/never.err"
eq "script error: one line" "$(wc -l <"$TMP/never.err")" 1
cat "$TMP/never.err"
# a parse error names the script by its whole path; model, like run, finds
# it on the host before any run (the same parser the guest runs), so it is
# a usage error and no record is written
printf 'isr 0x41 auto {\n  wait_pending 0x40\n}\n' >"$long/in-isr.scn"
"$IRQLBENCH" model --script "$long/in-isr.scn" --policy fixed --out-dir "$TMP/mparse" >/dev/null 2>"$TMP/model.err"
eq "guest parse error (model): exit status" $? 2
eq "guest parse error (model): whole" "$(cat "$TMP/model.err")" \
	"irqlbench: script $long/in-isr.scn: line 2: 'wait_pending' is not allowed in an isr body (only cr8 raise lower sti cli dpc apc ipi eoi clock clock_periodic clock_stop spin out repeat); move it to the main flow; see workloads/SCRIPTS.md for the script language"
ok "guest parse error (model): a usage error, no record" test ! -e "$TMP/mparse"
# a guest, a script and a record in a folder whose name has a space and a
# comma: QEMU splits the multiboot command line at spaces and -initrd at
# commas, so they reach it through links in the run's private folder
sp="$TMP/sp ace,comma"
mkdir -p "$sp"
cp "$GUEST" "$sp/guest.elf"
cp workloads/scripts/masked-clock.scn "$sp/masked clock.scn"
"$IRQLBENCH" run --backend tcg --guest "$sp/guest.elf" --workload nested-spinlock \
	--param iterations=5 --out "$sp/a.json" >/dev/null 2>"$TMP/sp.err"
eq "guest path with a space and a comma: exit" $? 0
eq "guest path with a space and a comma: complete" "$(jq -r .status "$sp/a.json")" complete
"$IRQLBENCH" run --backend tcg --script "$sp/masked clock.scn" --param iterations=5 \
	--out "$sp/b.json" >/dev/null 2>"$TMP/sp.err" &
pid=$!
wait $pid
eq "script path with a space and a comma (--script alone: the script workload): exit" $? 0
eq "script path with a space and a comma: complete" "$(jq -r '.status + " " + .workload' "$sp/b.json")" "complete script"
ok "its private folder (the links) removed" bash -c "! ls -d '${TMPDIR:-/tmp}'/irqlbench-qmp.$pid.* 2>/dev/null | grep -q ."
finish
