#!/bin/bash
# lab --script with a relative path, as for run and model: the run in L1
# works in the caller's directory, so the path means the same file there.
# What the host can check fails before any build or boot (2, one line).
# When the run in L1 fails, the lab prints the run's own error line (paths
# as seen from the host) and exits with the run's status; a verdict fail
# is a failed record.  Three L1 boots (fixed kvm_amd, a few iterations).
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_guest
need_pkg jq
need_lab_kernel >/dev/null
abs=$(realpath "$IRQLBENCH")
N=5

# refused before any module build or L1 boot: one line, nothing created
lab_refused() {	# lab_refused NAME REGEX ARGS...
	local name=$1 re=$2; shift 2
	"$IRQLBENCH" lab --variants fixed --out-dir "$TMP/$name" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	eq "$name: exit status" $? 2
	eq "$name: one line" "$(grep -c . "$TMP/$name.err")" 1
	ok "$name: says '$re'" grep -Eq -- "$re" "$TMP/$name.err"
	eq "$name: nothing ran" "$([ -e "$TMP/$name" ] && echo created)$(cat "$TMP/$name.out")" ""
}
lab_refused no-script "^irqlbench: cannot read the script workloads/scripts/none.scn: No such file" \
	--script workloads/scripts/none.scn --param iterations=$N
lab_refused no-workload "^irqlbench: unknown workload 'nope': run 'irqlbench list'" --workload nope

# 1. a relative script, --script alone (the script workload), fixed kvm_amd:
# the masked clock, 2 write_cr8 exits per iteration and the clock at once
scn=workloads/scripts/masked-clock.scn
"$IRQLBENCH" lab --variants fixed --out-dir "$TMP/ok" --script "$scn" --param iterations=$N \
	>"$TMP/ok.jsonl" 2>"$TMP/ok.err"
rc=$?
eq "relative script: lab status" $rc 0
r=$TMP/ok/fixed/record.json
eq "relative script: record complete, script workload" \
	"$(jq -r '.status + " " + .workload' "$r" 2>/dev/null)" "complete script"
eq "relative script: the record names the host's file" \
	"$(jq -r .provenance.script.path "$r" 2>/dev/null)" "$HERE/$scn"
eq "relative script: write_cr8 exits, $N iterations" \
	"$(measured "$r" exit.write_cr8 2>/dev/null)" $((2 * N))
eq "relative script: no error line" "$(grep -c 'run in L1 failed' "$TMP/ok.err")" 0
# the lab's folder imports as a folder (make run does so): its record in,
# the lab's own provenance.json and the trace skipped, nothing refused
"$IRQLBENCH" results import --db "$TMP/ok.db" "$TMP/ok" >"$TMP/imp.out" 2>"$TMP/imp.err"
eq "lab folder import: exit status" $? 0
ok "lab folder import: one record, none refused" grep -Eq '^1 imported, 0 unchanged, 0 refused, [1-9][0-9]* non-record JSON files skipped' "$TMP/imp.out"
[ $rc -eq 0 ] || { cat "$TMP/ok.err"; tail -n 5 "$TMP/ok/fixed/run.stderr"; }

# 2. a relative script whose wait times out (1 ms for a clock due in 1 s):
# the workload's verdict fails in L1, from another working directory
mkdir -p "$TMP/cwd"
printf 'timeout 1000\nisr 0xd1 auto\nclock 1000000\nwait_delivered 0xd1\nclock_stop\n' >"$TMP/cwd/late.scn"
(cd "$TMP/cwd" && "$abs" lab --variants fixed --out-dir out --script late.scn --param iterations=2 \
	>late.jsonl 2>late.err)
eq "failing run: lab exits with the run's status" $? 1
r=$TMP/cwd/out/fixed/record.json
eq "failing run: the run's error line, one" \
	"$(grep -c '^irqlbench: lab fixed: run in L1 failed (status 1): script on kvm: verdict fail: script: line 4: wait_delivered 0xd1 timed out' "$TMP/cwd/late.err")" 1
eq "failing run: no warning of the run in L1 dressed as a failure" \
	"$(grep -c 'run in L1 failed (status [0-9]*): \(run: \)\?warning:' "$TMP/cwd/late.err")" 0
lp=$(sed -n 's/.*run in L1 failed.*; raw log \([^;]*\);.*/\1/p' "$TMP/cwd/late.err")
eq "failing run: its raw log path is the host's" "$lp $([ -s "$TMP/cwd/$lp" ] && echo exists)" \
	"out/fixed/record.serial.log exists"
eq "failing run: failed record, verdict" "$(jq -r '.status + " " + .error.kind' "$r" 2>/dev/null)" \
	"failed verdict"
eq "failing run: the line printed on stdout is that record" \
	"$(jq -r '.status + " " + .variant' "$TMP/cwd/late.jsonl" 2>/dev/null)" "failed fixed"

# 3. arguments the host can check are refused before any L1 (lab-usage.sh
# has the rest); one only L1 can refuse (--cpus 1: L1 has one CPU, CPU 0)
# writes no record there: the lab's failed record carries the run's line,
# and the lab exits 2 as the run did
"$IRQLBENCH" lab --variants fixed --out-dir "$TMP/host" --workload nested-spinlock \
	--param depth=99 --param iterations=2 >"$TMP/host.jsonl" 2>"$TMP/host.err"
eq "refused on the host: exit 2" $? 2
eq "refused on the host: the run's own line" "$(cat "$TMP/host.err")" \
	"irqlbench: parameter depth=99 is out of range: allowed 1..8"
ok "refused on the host: no L1, no folder" test ! -e "$TMP/host"
: >"$TMP/bad.err"
if [ "$(nproc)" -ge 2 ]; then
	"$IRQLBENCH" lab --variants fixed --out-dir "$TMP/bad" --workload nested-spinlock \
		--cpus 1 --param iterations=2 >"$TMP/bad.jsonl" 2>"$TMP/bad.err"
	eq "refused in L1: the run's status" $? 2
	eq "refused in L1: the run's line" \
		"$(grep -c "^irqlbench: lab fixed: run in L1 failed (status 2): .*--cpus 1: CPU 1 is not one this process may use" "$TMP/bad.err")" 1
	eq "refused in L1: failed record, workload, the cause" \
		"$(jq -r '[.status, .workload, .error.kind, (.error.message | startswith("no record from L1: "))] | join(" ")' "$TMP/bad.jsonl" 2>/dev/null)" \
		"failed nested-spinlock bad-param true"
fi
[ $fails -eq 0 ] || { cat "$TMP/cwd/late.err" "$TMP/bad.err"; tail -n 5 "$TMP/cwd/out/fixed/run.stderr"; }

# 4. `out PORT VALUE` (port-exit.scn): the port write is one io exit a
# iteration in the lab's fixed and fix-reverted builds alike, and the
# fix-reverted build's late DPC is delivered there; each build equals the
# model's policy (l61, unfixed) on write_cr8, io and delivery
scn=workloads/scripts/port-exit.scn
"$IRQLBENCH" lab --variants fixed,unfixed --out-dir "$TMP/pe" --script "$scn" --param iterations=$N \
	>"$TMP/pe.jsonl" 2>"$TMP/pe.err"
eq "port-exit.scn: lab status" $? 0
for pair in fixed:l61 unfixed:unfixed; do
	v=${pair%%:*} p=${pair#*:}
	"$IRQLBENCH" model --policy "$p" --script "$scn" --param iterations=$N --out-dir "$TMP/pem-$p" \
		>/dev/null 2>&1 || bad "port-exit.scn: model $p"
	lr=$TMP/pe/$v/record.json mr=$TMP/pem-$p/script-$p.json
	eq "port-exit.scn, $v: io exits, one a port write" "$(measured "$lr" exit.io)" "$N"
	for m in exit.write_cr8 exit.io delivery.immediate delivery.late; do
		eq "port-exit.scn: lab $v = model $p on $m" "$(measured "$lr" $m)" "$(measured "$mr" $m)"
	done
done
eq "port-exit.scn: the fix-reverted build's DPC is late at every release" \
	"$(measured "$TMP/pe/unfixed/record.json" delivery.late)" "$N"
[ $fails -eq 0 ] || { cat "$TMP/pe.err"; }
finish
