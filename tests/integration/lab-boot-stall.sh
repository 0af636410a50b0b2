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
t0=$(date +%s)
IRQLBENCH_L1_BOOT_LIMIT=1 "$IRQLBENCH" lab --variants stock --out-dir "$TMP/lab" \
	--workload seed-table --param iterations=10 >"$TMP/out" 2>"$TMP/err"
rc=$?
sed 's/^/  | /' "$TMP/err"
eq "three stalled boots: exit 4" $rc 4
eq "booted again twice, saying why" "$(grep -c "L1's kernel did not reach its init within 1 s (the emulator stalled it: .*console.boot-stall[12].log); booting L1 again" "$TMP/err")" 2
ok "then one error line" grep -q "L1's kernel did not reach its init within 1 s, three boots in a row" "$TMP/err"
ok "the stalled consoles kept" test -s "$TMP/lab/stock/console.boot-stall1.log" -a -s "$TMP/lab/stock/console.boot-stall2.log"
eq "a failed record, not a result" "$(jq -r .status "$TMP/out")" failed
ok "done in well under a minute ($(($(date +%s) - t0)) s)" test $(($(date +%s) - t0)) -lt 60

# The same stall after the init started: a vCPU that L1's soft-lockup
# watchdog reports stuck for 120 s or more (the init's hook prints one
# stuck for 999 s and hangs) ends the boot; three in a row fail the lab.
t0=$(date +%s)
IRQLBENCH_L1_FAKE_LOCKUP=1 "$IRQLBENCH" lab --variants stock --out-dir "$TMP/lock" \
	--workload seed-table --param iterations=10 >"$TMP/out" 2>"$TMP/err"
rc=$?
sed 's/^/  | /' "$TMP/err"
eq "three soft-locked runs: exit 4" $rc 4
eq "booted again twice, saying why" "$(grep -c "an L1 vCPU was stuck for 999 s in the run (soft lockup: the emulator stalled it, .*console.lockup[12].log); booting L1 again" "$TMP/err")" 2
ok "then one error line" grep -q "an L1 vCPU was stuck for 999 s (soft lockup) in three boots in a row" "$TMP/err"
ok "the locked-up consoles kept" test -s "$TMP/lock/stock/console.lockup1.log" -a -s "$TMP/lock/stock/console.lockup2.log"
eq "a failed record, not a result" "$(jq -r .status "$TMP/out")" failed
ok "done in well under a minute ($(($(date +%s) - t0)) s)" test $(($(date +%s) - t0)) -lt 60
finish
