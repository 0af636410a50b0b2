#!/bin/bash
# An L1 whose kernel does not reach its init in time (the emulator stalled
# it: soft lockups with more L1 vCPUs than host cores) is killed and booted
# again, at most three times, keeping each stalled console; then the lab
# fails with exit 4 and one line saying so.  A limit of 1 s (L1 takes 2-6 s
# to reach its init here) makes every boot "stall".  Then the same for a
# stall in the run, found by L1's soft-lockup reports.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_pkg jq qemu-system-x86
need_lab_kernel >/dev/null
# stall_case ENV DIR KIND AGAIN-RE LAST-RE CONSOLE: three stalled boots of
# one lab run with ENV set; each retry says why, then one error line
stall_case() {
	local env=$1 dir=$2 kind=$3 again=$4 last=$5 console=$6 t0 rc
	t0=$(date +%s)
	env $env "$IRQLBENCH" lab --variants stock --out-dir "$TMP/$dir" \
		--workload seed-table --param iterations=10 >"$TMP/out" 2>"$TMP/err"
	rc=$?
	sed 's/^/  | /' "$TMP/err"
	eq "$kind: three in a row: exit 4" $rc 4
	eq "$kind: booted again twice, saying why" "$(grep -c "$again" "$TMP/err")" 2
	ok "$kind: then one error line" grep -q "$last" "$TMP/err"
	ok "$kind: the consoles kept" test -s "$TMP/$dir/stock/$console"1.log -a -s "$TMP/$dir/stock/$console"2.log
	eq "$kind: a failed record, not a result" "$(jq -r .status "$TMP/out")" failed
	ok "$kind: done in well under a minute ($(($(date +%s) - t0)) s)" test $(($(date +%s) - t0)) -lt 60
}

stall_case IRQLBENCH_L1_BOOT_LIMIT=1 lab "boot stall" \
	"L1's kernel did not reach its init within 1 s (the emulator stalled it: .*console.boot-stall[12].log); booting L1 again" \
	"L1's kernel did not reach its init within 1 s, three boots in a row" console.boot-stall

# The same stall after the init started: a vCPU that L1's soft-lockup
# watchdog reports stuck for 120 s or more (the init's hook prints one
# stuck for 999 s and hangs) ends the boot; three in a row fail the lab.
stall_case IRQLBENCH_L1_FAKE_LOCKUP=1 lock "soft lockup" \
	"an L1 vCPU was stuck for 999 s in the run (soft lockup: the emulator stalled it, .*console.lockup[12].log); booting L1 again" \
	"an L1 vCPU was stuck for 999 s (soft lockup) in three boots in a row" console.lockup

# An L1 whose timers stopped on every vCPU reports nothing: its init's
# heartbeat (every 5 s) stops; silence for IRQLBENCH_L1_SILENCE_LIMIT s
# (here 8) ends the boot the same way (the hook hangs the init without one)
stall_case "IRQLBENCH_L1_FAKE_SILENCE=1 IRQLBENCH_L1_SILENCE_LIMIT=8" silent "silent L1" \
	"L1 fell silent in the run: no heartbeat for 8 s (the emulator stopped its timers, .*console.silent[12].log); booting L1 again" \
	"L1 fell silent (no heartbeat for 8 s) in three boots in a row" console.silent
finish
