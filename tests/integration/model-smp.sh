#!/bin/bash
# model-smp.sh - the model on several vCPUs (host/model/README.md "Several
# vCPUs"): the cross-vCPU workloads and a script with vCPU blocks give, on
# every vCPU, what workloads/suites.cfg and the script's comment say under
# the fixed (l61) and fix-reverted (unfixed) logic; the same run twice gives
# the same numbers; a script or workload that needs more vCPUs than it got,
# and impossible --vcpus, are refused in one line.  The lab's equality with
# these is lab-crosscheck.sh's.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq

M() { "$IRQLBENCH" model -q "$@"; }
# per vCPU, measured phase: "write_cr8 late immediate msr" of vCPU c
pv() { jq -r --argjson c "$2" '[.phases[] | select(.measured) | .vcpus[] | select(.cpu == $c)] |
	"\(map(.exits.write_cr8 // 0) | add) \(map(.delivery.late) | add) \(map(.delivery.immediate) | add) \(map(.exits.msr // 0) | add)"' "$1"; }

# --- cross-cpu-dpc: N write_cr8 fixed, 1 and late fix-reverted (N >= 2) ----------
for n in 2 3; do
	for d in 1 2 3; do
		M --workload cross-cpu-dpc --param depth=$d --param iterations=20 --vcpus $n \
			--policy l61,unfixed --out-dir "$TMP/x$n-$d" || bad "cross-cpu-dpc vcpus=$n depth=$d ran"
		for ((c = 0; c < n; c++)); do
			eq "cross-cpu-dpc vcpus=$n N=$d vCPU $c, l61: write_cr8 late immediate msr" \
				"$(pv "$TMP/x$n-$d/cross-cpu-dpc-l61.json" $c)" "$((20 * d)) 0 20 60"
			late=$(( d >= 2 ? 20 : 0 ))
			eq "cross-cpu-dpc vcpus=$n N=$d vCPU $c, unfixed" \
				"$(pv "$TMP/x$n-$d/cross-cpu-dpc-unfixed.json" $c)" "20 $late $((20 - late)) 60"
		done
	done
done
# deterministic: the same run twice, the same events and exits
M --workload cross-cpu-dpc --param iterations=20 --vcpus 2 --policy unfixed --out-dir "$TMP/again"
eq "the same run again: the same exits, interrupt included" \
	"$(jq -c '[.phases[].vcpus[].exits]' "$TMP/again/cross-cpu-dpc-unfixed.json")" \
	"$(jq -c '[.phases[].vcpus[].exits]' "$TMP/x2-2/cross-cpu-dpc-unfixed.json")"

# the summary line sums the measured phases over every vCPU, as the record does
"$IRQLBENCH" model --workload cross-cpu-dpc --param depth=2 --param iterations=20 --vcpus 3 \
	--policy unfixed --out-dir "$TMP/sum" >"$TMP/sum.out" 2>&1
want=$(jq -r '[.phases[] | select(.measured) | .vcpus[]] |
	"cr8_exits=\(map(.exits.write_cr8 // 0) | add) exits=\(map(.exits | add) | add) unmasking=\(map(.delivery.unmasking_writes) | add) immediate=\(map(.delivery.immediate) | add) late=\(map(.delivery.late) | add)"' \
	"$TMP/sum/cross-cpu-dpc-unfixed.json")
eq "summary line, 3 vCPUs: the record's sums over every vCPU" \
	"$(grep -o 'cr8_exits=.* late=[0-9]*' "$TMP/sum.out")" "$want"
ok "summary line, 3 vCPUs: says so" grep -q 'measured, all vCPUs:' "$TMP/sum.out"
"$IRQLBENCH" model --workload cross-cpu-dpc --param iterations=1 --param warmup=0 --vcpus 2 \
	--policy unfixed --trace --out-dir "$TMP/tr" >"$TMP/tr.out" 2>"$TMP/tr.err"
ok "--trace on 2 vCPUs: stderr says the table is vCPU 0's only" \
	grep -q "the step table is vCPU 0's only, of 2 vCPUs" "$TMP/tr.err"

# --- ipi-generic-call: nothing held back, no CR8 exit, every policy --------------
M --workload ipi-generic-call --param iterations=20 --vcpus 2 --policy all --out-dir "$TMP/g" ||
	bad "ipi-generic-call, every policy, ran"
for f in "$TMP"/g/*.json; do
	p=$(jq -r .policy "$f")
	eq "ipi-generic-call $p: complete, no unmasking write, no late delivery, each vCPU 20 calls run" \
		"$(jq -c '[.status, ([.phases[] | select(.measured) | .vcpus[] | [.delivery.unmasking_writes, .delivery.late, .counters.other_interrupts, .counters.iterations]])]' "$f")" \
		'["complete",[[0,0,20,20],[0,0,20,20]]]'
done

# --- a script with vCPU blocks ------------------------------------------------------
S=workloads/scripts/cross-cpu-dpc.scn
M --script "$S" --param iterations=20 --vcpus 2 --policy l61,unfixed --out-dir "$TMP/s" ||
	bad "cross-cpu-dpc.scn ran"
eq "cross-cpu-dpc.scn l61, vCPU 0: 2 write_cr8 a run, the DPC at once, IRR read + EOI" \
	"$(pv "$TMP/s/script-l61.json" 0)" "40 0 20 40"
eq "cross-cpu-dpc.scn l61, vCPU 1: the ICR write only" "$(pv "$TMP/s/script-l61.json" 1)" "0 0 0 20"
eq "cross-cpu-dpc.scn unfixed, vCPU 0: 1 write_cr8, the DPC late" "$(pv "$TMP/s/script-unfixed.json" 0)" "20 20 0 40"
eq "script_vcpus (lib.sh) reads 2 vCPUs from it" "$(script_vcpus "$S")" 2
# a contended spinlock: vCPU 1 spins for it at DISPATCH_LEVEL with a DPC pending
S=workloads/scripts/contended-lock.scn
M --script "$S" --param iterations=20 --vcpus 2 --policy l61,unfixed --out-dir "$TMP/c" ||
	bad "contended-lock.scn ran"
eq "contended-lock.scn l61, vCPU 1: 3 write_cr8 a run (N = 2), the DPC at once" \
	"$(pv "$TMP/c/script-l61.json" 1)" "60 0 20 40"
eq "contended-lock.scn unfixed, vCPU 1: 1 write_cr8, the DPC late" "$(pv "$TMP/c/script-unfixed.json" 1)" "20 20 0 40"
eq "contended-lock.scn l61, vCPU 0: no exit (nothing pending)" "$(pv "$TMP/c/script-l61.json" 0)" "0 0 0 0"
eq "contended-lock.scn: every acquire of vCPU 1 found lock 0 held (lock_contended), none of vCPU 0" \
	"$(jq -c '[.phases[] | select(.measured) | .vcpus[] | .counters.lock_contended]' "$TMP/c/script-l61.json")" '[0,20]'

# --- refusals: one line, exit 2, no record ----------------------------------------
mkdir -p "$TMP/empty"
expect_rc 2 "cross-cpu-dpc.scn on one vCPU" -- "$IRQLBENCH" model -q --script "$S" --policy l61 \
	--out-dir "$TMP/empty/one"
expect_err_line "runs a block on vCPU 1 or sends it an IPI, but the guest would have 1: run it with --vcpus 2" \
	"cross-cpu-dpc.scn on one vCPU: one line naming the fix"
expect_rc 2 "cross-cpu-dpc on one vCPU" -- "$IRQLBENCH" model -q --workload cross-cpu-dpc --policy l61 \
	--out-dir "$TMP/empty/one"
expect_err_line "workload 'cross-cpu-dpc' needs 2 vCPUs or more: run it with --vcpus 2" \
	"cross-cpu-dpc on one vCPU: one line naming the fix"
ok "on one vCPU: refused before the run, no record written" test ! -e "$TMP/empty/one"
expect_rc 2 "--vcpus 9" -- "$IRQLBENCH" model -q --workload nested-spinlock --policy l61 --vcpus 9 \
	--out-dir "$TMP/empty/nine"
ok "--vcpus 9: no record written" test ! -e "$TMP/empty/nine"
finish
