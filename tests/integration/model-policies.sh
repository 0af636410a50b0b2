#!/bin/bash
# model-policies.sh - the later kernels' policies end to end: the example
# scripts that show each bug (workloads/scripts/vmx-tpr-threshold.scn,
# avic-set-lapic-tpr.scn, avic-init-reactivate.scn) under the buggy and the
# fixed policies, with the counts docs/kvm-cr8-model.md §7.7 derives from
# the kernel code (an inference from source: no such host measured them);
# a failed VM entry as a failed record, status 1 and one line; the guest
# backends' refusal of host actions; the policies in 'model --help'.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq

S=workloads/scripts
N=10
# the measured phase of vCPU 0: ph RECORD JQ-PATH
ph() { jq -r ".phases[] | select(.name == \"measure\") | .vcpus[0] | $2 // 0" "$1"; }
# xAPIC: the counts below were worked out for the xAPIC page (AVIC's
# unaccelerated accesses, APIC_ACCESS); x2APIC turns those into msr exits
run_model() {	# run_model SCRIPT POLICY: status in $rc, record in $rec
	local s=$1 p=$2
	rc=0
	"$IRQLBENCH" model --script "$S/$s.scn" --policy "$p" --param iterations=$N --apic xapic \
		--param warmup=1 --out-dir "$TMP/$s" --quiet >"$TMP/out" 2>"$TMP/err" || rc=$?
	rec=$TMP/$s/script-$p.json
}

# --- the policies are listed with their kernels ---------------------------------
"$IRQLBENCH" model --help >"$TMP/help"
for p in vmx-411 vmx-72 avic-617 avic-70; do
	expect_grep "^  $p +.*[0-9a-f]{12}" "$TMP/help" "model --help lists $p with its commit"
done
expect_rc 2 "an unknown policy" - "$IRQLBENCH" model --script $S/avic-init-reactivate.scn --policy avic-71
expect_err_line "unknown policy 'avic-71': use prefix, .*vmx-411, vmx-72, avic-617, avic-70, or all" \
	"the unknown policy's line lists the new ones"

# --- VMX: TPR-below-threshold exit with nothing deliverable ---------------------
run_model vmx-tpr-threshold vmx-411
eq "vmx-411: the entry fails (status)" $rc 1
expect_err_line "model vmx-411 script: VM entry failed \(KVM_EXIT_FAIL_ENTRY, hardware error 0x7: TPR threshold 2 above VTPR\[7:4\] 0" \
	"vmx-411: one line naming the failed entry"
eq "vmx-411: a failed record" "$(jq -r '[.status, .error.kind] | join(" ")' "$rec")" "failed entry-failed"
eq "vmx-411: provenance.model.entry_failed" "$(jq -r .provenance.model.entry_failed "$rec")" 1
for p in vmx-tpr vmx-72; do
	run_model vmx-tpr-threshold $p
	eq "$p: no failed entry (status)" $rc 0
	eq "$p: one TPR_BELOW_THRESHOLD per run" "$(ph "$rec" .exits.TPR_BELOW_THRESHOLD)" $N
	eq "$p: the DPC once per run" "$(ph "$rec" '.injections["0x2f"]')" $N
	eq "$p: no violation" "$(ph "$rec" .delivery.violations)" 0
	eq "$p: entry_failed 0" "$(jq -r .provenance.model.entry_failed "$rec")" 0
done

# --- AVIC: a TPR set by KVM_SET_LAPIC ---------------------------------------------
run_model avic-set-lapic-tpr avic
eq "avic set_tpr: status" $rc 0
eq "avic set_tpr: the DPC at TPR 2, every run (violations)" "$(ph "$rec" .delivery.violations)" $N
eq "avic set_tpr: no unmasking write (delivered before it)" "$(ph "$rec" .delivery.unmasking_writes)" 0
for p in avic-617 avic-70 fixed l61 vmx-tpr apicv; do
	run_model avic-set-lapic-tpr $p
	eq "$p set_tpr: status" $rc 0
	eq "$p set_tpr: no violation" "$(ph "$rec" .delivery.violations)" 0
	eq "$p set_tpr: delivered at the lowering write" "$(ph "$rec" .delivery.immediate)" $N
done

# --- AVIC: INIT while inhibited, then re-activated ---------------------------------
# per run: avic and avic-617 exit on every CR8 write: acquire, the DPC
# dispatcher's raise and lower, release (4); avic-70 on none
for p in avic avic-617 avic-70; do
	run_model avic-init-reactivate $p
	eq "$p init: status" $rc 0
	[ $p = avic-70 ] && want=0 || want=$((4 * N))
	eq "$p init: write_cr8 exits" "$(ph "$rec" .exits.write_cr8)" $want
	[ $p = avic ] && want=$N || want=0
	eq "$p init: violations" "$(ph "$rec" .delivery.violations)" $want
	[ $p = avic ] && want=0 || want=$N
	eq "$p init: the DPC at the release" "$(ph "$rec" .delivery.immediate)" $want
	eq "$p init: the three host kicks and INIT's SPIV write" \
		"$(ph "$rec" '[.exits.interrupt, .exits.avic_unaccelerated_access] | join(" ")')" "$((3 * N)) $N"
done

# --- a guest cannot act as its host ---------------------------------------------------
# (run --check: every check run makes before any work, QEMU not started)
for b in tcg kvm guest; do
	expect_rc 2 "run --backend $b refuses avic-set-lapic-tpr" - "$IRQLBENCH" run --backend $b \
		--script $S/avic-set-lapic-tpr.scn --check
	expect_err_line "script $S/avic-set-lapic-tpr.scn: line 12: 'host set_tpr 2' is a host-side action .* run the script with 'irqlbench model --script $S/avic-set-lapic-tpr.scn --policy P'" \
		"$b: one line naming the line, the action and the fix"
done
expect_rc 2 "run refuses avic-init-reactivate" - "$IRQLBENCH" run --script $S/avic-init-reactivate.scn --check
expect_err_line "line 15: 'host avic_inhibit' is a host-side action" "its first host action named"
expect_rc 0 "run --backend tcg takes vmx-tpr-threshold (no host action)" - \
	"$IRQLBENCH" run --backend tcg --script $S/vmx-tpr-threshold.scn --check
finish
