#!/bin/bash
# The lab with several vCPUs (two; lab-smp4.sh: four): L1 gets as many CPUs
# as the guest has vCPUs, the planner pins them inside L1, and the trace is
# folded per vCPU.  The guest numbers its CPUs in the order they arrive, so
# its index need not be KVM's vcpu_id: the trace switches the phase of the
# vCPU that wrote each marker and files its counts under the guest's index,
# through the APIC IDs the guest reports (QEMU's APIC ID = vcpu_id).  Each
# vCPU runs nested-spinlock depth 2 on its own: fixed kvm_amd 3 write_cr8
# exits per iteration on each vCPU with every DPC immediate; fix-reverted 1,
# with at most 1% immediate (a stray exit in a TCG L1 can deliver early).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_guest
need_cmd jq
N=50
V=${LAB_SMP_VCPUS:-2}
"$IRQLBENCH" lab --variants fixed,unfixed --out-dir "$TMP/lab" --workload nested-spinlock \
	--param depth=2 --param iterations=$N --vcpus "$V" >"$TMP/recs.json" 2>"$TMP/err"
rc=$?
if [ $rc -eq 3 ]; then skip "lab: $(tail -n 1 "$TMP/err")"; fi
eq "lab exit status" $rc 0
for v in fixed unfixed; do
	r=$TMP/lab/$v/record.json
	eq "$v: status" "$(jq -r .status "$r")" complete
	eq "$v: vCPUs pinned in L1" "$(jq '.provenance.pinning.vcpu | length' "$r")" "$V"
	eq "$v: trace lost nothing" "$(jq .provenance.trace.lost "$r")" false
	eq "$v: trace clock" "$(jq -r .provenance.trace.clock "$r")" mono
	eq "$v: guest APIC IDs are the vCPUs" "$(jq -c '.guest.apic_ids | sort' "$r")" \
		"$(jq -cn "[range($V)]")"
	# guest CPU g is the vCPU whose vcpu_id is g's APIC ID
	eq "$v: the trace's vCPU map agrees with the report" \
		"$(jq '[.guest.apic_ids as $a | .provenance.trace.vcpus[] | select(.vcpu_id != $a[.cpu])] | length' "$r")" 0
	for ((cpu = 0; cpu < V; cpu++)); do
		sel=".phases[] | select(.measured) | .vcpus[] | select(.cpu == $cpu)"
		w=$(jq "[$sel | .exits.write_cr8] | add" "$r")
		imm=$(jq "[$sel | .delivery.immediate] | add" "$r")
		held=$(jq "[$sel | .delivery.unmasking_writes] | add" "$r")
		eq "$v guest CPU $cpu: held-back DPCs" "$held" $N
		if [ $v = fixed ]; then
			eq "$v guest CPU $cpu: write_cr8 exits" "$w" $((3 * N))
			eq "$v guest CPU $cpu: immediate" "$imm" $N
		else
			eq "$v guest CPU $cpu: write_cr8 exits" "$w" $N
			ok "$v guest CPU $cpu: immediate $imm <= 1%" test $((imm * 100)) -le $N
		fi
	done
	echo "$v: apic_ids $(jq -c .guest.apic_ids "$r"), measured write_cr8 per guest CPU $(jq -c '[.phases[] | select(.measured) | .vcpus[] | .exits.write_cr8]' "$r")"
done
[ $fails -eq 0 ] || cat "$TMP/err"
finish
