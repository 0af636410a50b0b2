#!/bin/bash
# The lab with several vCPUs: L1 gets as many CPUs as the guest has vCPUs,
# the planner pins them inside L1, and the trace is folded per vCPU.  Each
# entry of group lab-smp of workloads/suites.cfg runs (with its vcpus, or
# $LAB_SMP_VCPUS: lab-smp4.sh runs four), each vCPU on its own: on every
# vCPU, write_cr8 exits per iteration as the file says for the build's
# family (fixed build: fixed, fix-reverted: unfixed), every held-back DPC
# seen, all delivered immediately where the file expects no late delivery,
# else at most 1% (a stray exit in a TCG L1 can deliver early).  The guest
# numbers its CPUs in the order they arrive, so its index need not be KVM's
# vcpu_id: the trace switches the phase of the vCPU that wrote each marker
# and files its counts under the guest's index, through the APIC IDs the
# guest reports (QEMU's APIC ID = vcpu_id).  Each vCPU's exits are timed
# on that vCPU (exit_times: every count timed or untimed).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_guest
need_pkg jq
need_lab_kernel >/dev/null
N=50
SUITE=$("$IRQLBENCH" list --suites --group lab-smp --format json) ||
	bail "irqlbench list --suites --group lab-smp (the line above says why)"
for ((i = 0; i < $(jq '.entries | length' <<<"$SUITE"); i++)); do
	e=$(jq -c ".entries[$i]" <<<"$SUITE")
	name=$(jq -r .name <<<"$e") vcpus=${LAB_SMP_VCPUS:-$(jq -r .vcpus <<<"$e")}
	args=(--workload "$(jq -r .workload <<<"$e")" --param iterations=$N --vcpus "$vcpus")
	while read -r kv; do args+=(--param "$kv"); done < <(jq -r '.params | to_entries[] | "\(.key)=\(.value)"' <<<"$e")
	"$IRQLBENCH" lab --variants fixed,unfixed --out-dir "$TMP/$name" "${args[@]}" >"$TMP/recs.json" 2>"$TMP/err"
	rc=$?
	eq "$name: lab exit status" $rc 0
	for v in fixed unfixed; do
		r=$TMP/$name/$v/record.json
		read -r reason want late lu < <(jq -r --arg v $v '.variants[$v] as $x |
			"\($x.exit) \($x.exits) \($x.late) \(.per_iteration.cr8_lower_unmask)"' <<<"$e")
		eq "$name $v: status" "$(jq -r .status "$r")" complete
		eq "$name $v: vCPUs pinned in L1" "$(jq '.provenance.pinning.vcpu | length' "$r")" "$vcpus"
		eq "$name $v: trace lost nothing" "$(jq .provenance.trace.lost "$r")" false
		eq "$name $v: trace clock" "$(jq -r .provenance.trace.clock "$r")" mono
		eq "$name $v: guest APIC IDs are the vCPUs" "$(jq -c '.guest.apic_ids | sort' "$r")" \
			"$(jq -cn "[range($vcpus)]")"
		# guest CPU g is the vCPU whose vcpu_id is g's APIC ID
		eq "$name $v: the trace's vCPU map agrees with the report" \
			"$(jq '[.guest.apic_ids as $a | .provenance.trace.vcpus[] | select(.vcpu_id != $a[.cpu])] | length' "$r")" 0
		for ((cpu = 0; cpu < vcpus; cpu++)); do
			sel=".phases[] | select(.measured) | .vcpus[] | select(.cpu == $cpu)"
			w=$(jq "[$sel | .exits.$reason] | add" "$r")
			imm=$(jq "[$sel | .delivery.immediate] | add" "$r")
			held=$(jq "[$sel | .delivery.unmasking_writes] | add" "$r")
			eq "$name $v vCPU $cpu: held-back DPCs" "$held" $((lu * N))
			eq "$name $v vCPU $cpu: $reason exits" "$w" $((want * N))
			# each vCPU's exits timed from its own kvm_exit to its own next kvm_entry
			eq "$name $v vCPU $cpu: $reason exits timed or untimed" \
				"$(jq "[$sel | .exit_times.$reason | .n + .untimed] | add" "$r")" "$w"
			ok "$name $v vCPU $cpu: $reason exits timed" \
				test "$(jq "[$sel | .exit_times.$reason.n] | add" "$r")" -gt 0
			if [ "$late" = 0 ]; then
				eq "$name $v vCPU $cpu: immediate" "$imm" "$held"
			else
				ok "$name $v vCPU $cpu: immediate $imm <= 1%" test $((imm * 100)) -le "$held"
			fi
		done
		echo "$name $v: apic_ids $(jq -c .guest.apic_ids "$r"), measured write_cr8 per guest CPU $(jq -c '[.phases[] | select(.measured) | .vcpus[] | .exits.write_cr8]' "$r")"
	done
done
[ $fails -eq 0 ] || cat "$TMP/err"
finish
