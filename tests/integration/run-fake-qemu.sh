#!/bin/bash
# `irqlbench run` end to end with a stand-in for QEMU (tests/fake/fake-qemu.sh)
# that prints each kind of guest output: every outcome gets its exit status,
# its record (complete, or failed with the right kind) and one line on
# stderr with the raw log's path; the timeout kills QEMU; the QEMU probe
# runs once and is cached.  The stand-in speaks no QMP: --no-pin.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq bc
IRQLBENCH=$(realpath "$IRQLBENCH")	# some runs below start in another folder
FAKE=$(cd "$(dirname "$0")/../fake" && pwd)/fake-qemu.sh
touch "$TMP/guest.elf"
export XDG_CACHE_HOME=$TMP/cache FAKE_QEMU_CALLS=$TMP/calls
TMPDIR_RUN=$TMP/qmp; mkdir -p "$TMPDIR_RUN"
export TMPDIR=$TMPDIR_RUN	# the QMP folders of the runs that pin

case_() {	# case_ MODE EXIT STATUS KIND [extra run args]
	local mode=$1 rc=$2 status=$3 kind=$4; shift 4
	FAKE_QEMU_MODE=$mode "$IRQLBENCH" run --no-pin --workload seed-table --qemu "$FAKE" \
		--guest "$TMP/guest.elf" --out "$TMP/$mode.json" "$@" >"$TMP/$mode.out" 2>"$TMP/$mode.err"
	eq "$mode: exit status" $? "$rc"
	eq "$mode: record status" "$(jq -r .status "$TMP/$mode.json")" "$status"
	eq "$mode: error kind" "$(jq -r '.error.kind // "none"' "$TMP/$mode.json")" "$kind"
	eq "$mode: stdout names the record" "$(cat "$TMP/$mode.out")" "$TMP/$mode.json"
	eq "$mode: one line on stderr" "$(wc -l <"$TMP/$mode.err")" 1
	ok "$mode: serial log kept" test -f "$TMP/$mode.serial.log"
	ok "$mode: no temporary record left" bash -c "! ls '$TMP'/$mode.json.tmp.* 2>/dev/null"
	if [ "$status" = failed ]; then
		ok "$mode: stderr names the raw log" grep -q "raw log $TMP/$mode.serial.log; hint: " "$TMP/$mode.err"
		eq "$mode: no verdict in a failed record" "$(jq -r '.verdict.status // "none"' "$TMP/$mode.json")" \
			"$(case $kind in verdict) echo fail ;; garbled) [ "$mode" != garbled ] && echo ok || echo none ;; *) echo none ;; esac)"
	fi
}

case_ ok 0 complete none --tag first --tag second --vcpus 2
case_ fail 1 failed verdict
case_ exception 1 failed exception
case_ badparam 2 failed bad-param
case_ internal 1 failed guest-error
case_ triple 1 failed triple-fault
case_ silent 1 failed triple-fault
case_ qemu-error 3 failed launch
case_ garbled 1 failed garbled
case_ truncated 1 failed truncated
case_ mismatch 1 failed garbled
case_ wrong-workload 1 failed garbled

r=$TMP/ok.json
eq "schema" "$(jq -r .schema "$r")" irqlbench-record/1
eq "verdict" "$(jq -r .verdict.status "$r")" ok
eq "emulated" "$(jq -r .emulated "$r")" true
eq "launcher" "$(jq -r .launcher "$r")" direct
eq "tags" "$(jq -c .tags "$r")" '["first","second"]'
eq "serial log named relative to the record" "$(jq -r .artifacts.serial_log "$r")" ok.serial.log
eq "QEMU's log named relative to the record" "$(jq -r .artifacts.qemu_log "$r")" ok.qemu.log
eq "qemu version from the probe" "$(jq -r .provenance.qemu.version "$r")" "7.2.99 (fake-qemu for irqlbench tests)"
eq "qemu accel" "$(jq -r .provenance.qemu.accel "$r")" tcg
ok "qemu cmdline has -smp 2" grep -q -- '-smp 2 ' <<<"$(jq -r .provenance.qemu.cmdline "$r")"
ok "qemu cmdline has isa-debug-exit" grep -q -- 'isa-debug-exit,iobase=0xf4,iosize=4' <<<"$(jq -r .provenance.qemu.cmdline "$r")"
ok "qemu cmdline has -no-reboot" grep -q -- '-no-reboot' <<<"$(jq -r .provenance.qemu.cmdline "$r")"
eq "guest cmdline" "$(jq -r .provenance.qemu.cmdline "$r" | grep -o -- "-append [^ ]*")" "-append workload=seed-table"
ok "started_utc is UTC ISO 8601" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' <<<"$(jq -r .provenance.started_utc "$r")"
ok "duration is a number" jq -e '.provenance.duration_s | type == "number"' "$r" >/dev/null
eq "host kernel" "$(jq -r .provenance.host.kernel "$r")" "$(uname -r)"
eq "p50 from the buckets" "$(jq '.phases[1].vcpus[0].histograms.dpc_queue_to_run.p50' "$r")" 20
eq "p99 from the buckets" "$(jq '.phases[1].vcpus[0].histograms.dpc_queue_to_run.p99' "$r")" 50
eq "counters" "$(jq '.phases[1].vcpus[0].counters.cr8_writes' "$r")" 4000
ok "suite version" jq -e '.provenance.suite_version | type == "string" and length > 0' "$r" >/dev/null
eq "verdict fail reason" "$(jq -r .verdict.reason "$TMP/fail.json")" "late deliveries: 3"
eq "verdict fail: the record is failed, kind verdict" \
	"$(jq -r '[.status, .error.kind, .error.message] | join("|")' "$TMP/fail.json")" \
	"failed|verdict|the workload's own check failed: late deliveries: 3"
eq "verdict fail: the counters stay for the post-mortem" "$(jq '.phases | length > 0' "$TMP/fail.json")" true
ok "verdict fail: reason, raw log and hint on stderr" \
	grep -q "verdict fail: late deliveries: 3; raw log $TMP/fail.serial.log; hint: " "$TMP/fail.err"
ok "exception: vector and rip in the message" grep -q 'vector 14) at rip=0xffffffff80101234' "$TMP/exception.err"
eq "qemu-error: QEMU's own first error line (not its warning) in the record" \
	"$(jq -r .error.message "$TMP/qemu-error.json")" \
	"QEMU refused to start (status 1): qemu-system-x86_64: -kernel /x: error loading kernel"
ok "qemu-error: and on stderr" grep -q 'QEMU refused to start (status 1): qemu-system-x86_64: -kernel /x: error loading kernel; raw log' "$TMP/qemu-error.err"

# QEMU that refuses to start while the pinning waits for its QMP socket:
# QEMU's refusal is the news, at once (not a QMP error after the socket's
# 10 s timeout)
t0=$(date +%s.%N)
FAKE_QEMU_MODE=slow-error "$IRQLBENCH" run --workload seed-table --qemu "$FAKE" --guest "$TMP/guest.elf" \
	--out "$TMP/slow.json" >/dev/null 2>"$TMP/slow.err"
eq "refused while pinning: exit status" $? 3
dt=$(echo "$(date +%s.%N) - $t0" | bc)
ok "refused while pinning: over within 3 s (took $dt)" test "$(echo "$dt < 3" | bc)" = 1
eq "refused while pinning: QEMU's error, not QMP's" "$(jq -r .error.message "$TMP/slow.json")" \
	"QEMU refused to start (status 1): qemu-system-x86_64: -kernel /x: error loading kernel"
ok "refused while pinning: no QMP folder left" bash -c "! ls -d '$TMPDIR_RUN'/irqlbench-qmp.* 2>/dev/null"
eq "refused while pinning: one line on stderr" "$(wc -l <"$TMP/slow.err")" 1
# ... and at once, before the pinning could read QEMU's command line
FAKE_QEMU_MODE=qemu-error "$IRQLBENCH" run --workload seed-table --qemu "$FAKE" --guest "$TMP/guest.elf" \
	--out "$TMP/fast.json" >/dev/null 2>"$TMP/fast.err"
eq "refused at once while pinning: exit status" $? 3
eq "refused at once while pinning: one line, QEMU's" "$(sed 's/; raw log.*//' "$TMP/fast.err")" \
	"irqlbench: seed-table run failed (launch): QEMU refused to start (status 1): qemu-system-x86_64: -kernel /x: error loading kernel"

# --cpu is checked against QEMU's own list (-cpu help, cached) before the run
FAKE_QEMU_MODE=ok "$IRQLBENCH" run --no-pin --workload seed-table --qemu "$FAKE" --guest "$TMP/guest.elf" \
	--cpu nosuchcpu --out "$TMP/cpu.json" >/dev/null 2>"$TMP/cpu.err"
eq "--cpu nosuchcpu: exit status" $? 2
ok "--cpu nosuchcpu: no record" test ! -e "$TMP/cpu.json"
eq "--cpu nosuchcpu: one line" "$(cat "$TMP/cpu.err")" \
	"irqlbench run: --cpu nosuchcpu: QEMU 7.2.99 (fake-qemu for irqlbench tests) has no CPU model 'nosuchcpu': see '$FAKE -cpu help': see 'irqlbench run --help'"
FAKE_QEMU_MODE=ok "$IRQLBENCH" run --no-pin --workload seed-table --qemu "$FAKE" --guest "$TMP/guest.elf" \
	--cpu EPYC,+svm --out "$TMP/cpu.json" >/dev/null 2>&1
eq "--cpu EPYC,+svm (a listed model with features): exit status" $? 0
FAKE_QEMU_MODE=ok "$IRQLBENCH" run --no-pin --workload seed-table --qemu "$FAKE" --guest "$TMP/guest.elf" \
	--cpu qemu64 --out "$TMP/cpu.json" >/dev/null 2>&1
eq "--cpu qemu64: exit status" $? 0
eq "-cpu help asked once for the three runs" "$(grep -c -- '^-cpu help' "$TMP/calls")" 1
eq "qemu log starts with the command line" "$(head -n 1 "$TMP/ok.qemu.log")" "# $(jq -r .provenance.qemu.cmdline "$r")"

# the probe ran once for all those runs
eq "one --version probe for 12 runs" "$(grep -c -- '^--version' "$TMP/calls")" 1
ok "probe cache written" test -s "$TMP/cache/irqlbench/qemu-probe.json"

# parameters reach the guest's command line, normalised
FAKE_QEMU_MODE=ok "$IRQLBENCH" run --no-pin --workload nested-spinlock --param depth=0x3 --param dpc=off \
	--param depth=4 --qemu "$FAKE" --guest "$TMP/guest.elf" --out "$TMP/p.json" >/dev/null 2>&1
eq "params: exit" $? 0
eq "params: guest cmdline" "$(tail -n 1 "$TMP/calls" | grep -o 'workload=.*')" "workload=nested-spinlock depth=4 dpc=0"

# a scenario script is a multiboot module (-initrd), named in the record
printf 'raise 2\nlower 0\n' >"$TMP/t.scn"
FAKE_QEMU_MODE=ok "$IRQLBENCH" run --no-pin --workload script --script "$TMP/t.scn" --qemu "$FAKE" \
	--guest "$TMP/guest.elf" --out "$TMP/scn.json" >/dev/null 2>&1
eq "script: exit" $? 0
ok "script: -initrd" grep -q -- "-initrd $TMP/t.scn" <<<"$(jq -r .provenance.qemu.cmdline "$TMP/scn.json")"
eq "script: provenance" "$(jq -c '.provenance.script | [.bytes, .fnv1a]' "$TMP/scn.json")" '[16,"'"$(printf 'raise 2\nlower 0\n' | od -An -v -tu1 | tr -s ' ' '\n' | grep . | { h=2166136261; while read -r b; do h=$(( ((h ^ b) * 16777619) & 0xffffffff )); done; printf '%08x' $h; })"'"]'

# a text the guest had to cut is never shown as whole; a script's errors
# point to the script language's documentation, not to 'irqlbench list'
for mode in fail-cut badparam-cut; do
	FAKE_QEMU_MODE=$mode "$IRQLBENCH" run --no-pin --workload script --script "$TMP/t.scn" \
		--qemu "$FAKE" --guest "$TMP/guest.elf" --out "$TMP/$mode.json" >/dev/null 2>"$TMP/$mode.err"
	eq "$mode: exit status" $? "$([ $mode = fail-cut ] && echo 1 || echo 2)"
	ok "$mode: stderr says the guest cut it" \
		grep -q ' \[cut\] (the guest cut this message short to fit its buffer, and printed no more); raw log ' "$TMP/$mode.err"
	ok "$mode: hint: workloads/SCRIPTS.md" grep -q 'hint: .*workloads/SCRIPTS\.md' "$TMP/$mode.err"
	ok "$mode: no 'irqlbench list'" bash -c "! grep -q 'irqlbench list' '$TMP/$mode.err'"
done
eq "badparam-cut: the record says so too" "$(jq -r .error.message "$TMP/badparam-cut.json")" \
	"the guest refused its parameters: script /long/path: line 1: unknown keyword [cut] (the guest cut this message short to fit its buffer, and printed no more)"
eq "fail-cut: the verdict keeps the guest's mark" "$(jq -r .verdict.reason "$TMP/fail-cut.json")" \
	"script: line 2: wait_delivered 0x40 timed out after 1000000 us [cut]"
ok "badparam of another workload: hint names its parameters" \
	grep -q "hint: see 'irqlbench list seed-table' for its parameters$" "$TMP/badparam.err"

# the timeout kills QEMU: exit 4, failed record, nothing left running
t0=$(date +%s.%N)
FAKE_QEMU_MODE=hang FAKE_QEMU_PIDFILE=$TMP/hang.pid "$IRQLBENCH" run --no-pin --workload hang --qemu "$FAKE" --guest "$TMP/guest.elf" \
	--timeout 1 --out "$TMP/hang.json" >/dev/null 2>"$TMP/hang.err"
eq "hang: exit status" $? 4
dt=$(echo "$(date +%s.%N) - $t0" | bc)
ok "hang: stopped within 3 s (took $dt)" test "$(echo "$dt < 3" | bc)" = 1
eq "hang: error kind" "$(jq -r .error.kind "$TMP/hang.json")" timeout
ok "hang: message" grep -q 'did not finish within 1 s (it booted); QEMU was killed' "$TMP/hang.err"
ok "hang: QEMU was started" test -s "$TMP/hang.pid"
ok "hang: QEMU gone" bash -c "! kill -0 $(cat "$TMP/hang.pid" 2>/dev/null || echo 0) 2>/dev/null"

# a stop signal before QEMU started (here while QEMU is probed): QEMU is
# never started, the failed record says so (and holds nothing of an older
# run's log at the same place), no QMP folder is left
cp "$TMP/ok.serial.log" "$TMP/early.serial.log"
XDG_CACHE_HOME=$TMP/cache-slow FAKE_QEMU_PROBE_DELAY=1 FAKE_QEMU_CALLS=$TMP/calls-slow \
	env --default-signal=TERM "$IRQLBENCH" run --workload seed-table --qemu "$FAKE" \
	--guest "$TMP/guest.elf" --out "$TMP/early.json" >/dev/null 2>"$TMP/early.err" &
pid=$!
for ((i = 0; i < 50; i++)); do grep -q -- '^--version' "$TMP/calls-slow" 2>/dev/null && break; sleep 0.05; done
kill -TERM $pid
wait $pid
eq "signal before QEMU: exit status" $? 1
eq "signal before QEMU: record" "$(jq -r '.error.kind + ": " + .error.message' "$TMP/early.json")" \
	"launch: interrupted by SIGTERM; QEMU was not started"
eq "signal before QEMU: QEMU only probed" "$(grep -cv -- '^--version' "$TMP/calls-slow")" 0
eq "signal before QEMU: no verdict or phases from the old log" \
	"$(jq -c '[.verdict, (.phases | length)]' "$TMP/early.json")" '[null,0]'
ok "signal before QEMU: no QMP folder left" bash -c "! ls -d '$TMPDIR_RUN'/irqlbench-qmp.* 2>/dev/null"

# default output: results/runs/<id>/record.json with serial.log beside it
(cd "$TMP" && FAKE_QEMU_MODE=ok "$IRQLBENCH" run --no-pin --workload seed-table --qemu "$FAKE" \
	--guest "$TMP/guest.elf" >"$TMP/default.out" 2>/dev/null)
eq "default: exit" $? 0
rec=$TMP/$(cat "$TMP/default.out")
ok "default: results/runs/<id>/record.json" grep -Eq '^results/runs/[0-9]{8}T[0-9]{6}Z-tcg-seed-table-[0-9a-f]{6}/record.json$' "$TMP/default.out"
ok "default: serial.log beside it" test -f "$(dirname "$rec")/serial.log"
eq "default: id matches the folder" "$(jq -r .id "$rec")" "$(basename "$(dirname "$rec")")"

# --out -: the record is all that goes to stdout; the logs go to
# results/runs/<id>/ and the record names them by absolute paths
mkdir "$TMP/so"
for mode in ok exception; do
	(cd "$TMP/so" && FAKE_QEMU_MODE=$mode "$IRQLBENCH" run --no-pin --workload seed-table --qemu "$FAKE" \
		--guest "$TMP/guest.elf" --out - >"$TMP/stdout-$mode.json" 2>"$TMP/stdout-$mode.err")
	eq "--out - $mode: exit" $? "$([ $mode = ok ] && echo 0 || echo 1)"
	eq "--out - $mode: stdout is one record" "$(jq -s 'length' "$TMP/stdout-$mode.json")" 1
	eq "--out - $mode: its status" "$(jq -r .status "$TMP/stdout-$mode.json")" \
		"$([ $mode = ok ] && echo complete || echo failed)"
	# named relative to the run folder results/runs/<id>/ (the default
	# store's), so that the record imports as it is: `run --out - | results import -`
	rdir=$TMP/so/results/runs/$(jq -r .id "$TMP/stdout-$mode.json")
	eq "--out - $mode: logs named relative to results/runs/<id>/" \
		"$(jq -r '[.artifacts.serial_log, .artifacts.qemu_log] | join(" ")' "$TMP/stdout-$mode.json")" \
		"serial.log qemu.log"
	ok "--out - $mode: the log is there" test -s "$rdir/serial.log"
	ok "--out - $mode: QEMU's log is there" test -s "$rdir/qemu.log"
	eq "--out - $mode: one line on stderr" "$(wc -l <"$TMP/stdout-$mode.err")" 1
	ok "--out - $mode: no record file" bash -c "! ls '$TMP'/so/results/runs/*/record.json 2>/dev/null"
done
ok "--out - ok: stderr says where the record went" grep -q 'record standard output$' "$TMP/stdout-ok.err"
(cd "$TMP/so" && "$IRQLBENCH" results import - <"$TMP/stdout-ok.json" >"$TMP/so-import.out" 2>&1)
eq "run --out - | results import -: exit 0" $? 0
ok "run --out - | results import -: imported" grep -q '^1 imported, 0 unchanged, 0 refused' "$TMP/so-import.out"
(cd "$TMP/so" && PATH=/nonexistent "$IRQLBENCH" run --workload seed-table --out - \
	>"$TMP/stdout-pre.json" 2>"$TMP/stdout-pre.err")
eq "--out - preflight failure: exit" $? 3
eq "--out - preflight failure: the failed record on stdout" \
	"$(jq -r '.status + " " + .error.kind' "$TMP/stdout-pre.json")" "failed preflight"
ok "--out - preflight failure: stderr says so" grep -q 'failed record written to standard output' "$TMP/stdout-pre.err"

# --keep-log puts the logs elsewhere and the record names them absolutely
FAKE_QEMU_MODE=ok "$IRQLBENCH" run --no-pin --workload seed-table --qemu "$FAKE" --guest "$TMP/guest.elf" \
	--out "$TMP/k.json" --keep-log "$TMP/logs" >/dev/null 2>&1
eq "keep-log: exit" $? 0
ok "keep-log: log in DIR" test -f "$(jq -r .artifacts.serial_log "$TMP/k.json")"
ok "keep-log: absolute path" grep -q "^$TMP/logs/.*\.serial\.log$" <<<"$(jq -r .artifacts.serial_log "$TMP/k.json")"
(cd "$TMP/logs" && FAKE_QEMU_MODE=ok "$IRQLBENCH" run --no-pin --workload seed-table --qemu "$FAKE" \
	--guest "$TMP/guest.elf" --out rel.json --keep-log sub >/dev/null 2>&1)
eq "keep-log relative: absolute path in the record" \
	"$(jq -r .artifacts.serial_log "$TMP/logs/rel.json" | grep -c "^$TMP/logs/sub/.*\.serial\.log$")" 1
finish
