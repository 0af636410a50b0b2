#!/bin/bash
# The lab with two vCPUs: L1 gets as many CPUs as the guest has vCPUs, the
# planner pins them inside L1, and the trace is folded per vCPU.  Each vCPU
# runs nested-spinlock depth 2 on its own: fixed kvm_amd 3 write_cr8 exits
# per iteration on each vCPU with every DPC immediate; fix-reverted 1, with
# at most 1% immediate (a stray exit in a TCG L1 can deliver early).
. "$(dirname "$0")/lib.sh"
need_guest
need_cmd jq
N=50
"$IRQLBENCH" lab --variants fixed,unfixed --out-dir "$TMP/lab" --workload nested-spinlock \
	--param depth=2 --param iterations=$N --vcpus 2 >"$TMP/recs.json" 2>"$TMP/err"
rc=$?
if [ $rc -eq 3 ]; then skip "lab: $(tail -n 1 "$TMP/err")"; fi
eq "lab exit status" $rc 0
for v in fixed unfixed; do
	r=$TMP/lab/$v/record.json
	eq "$v: status" "$(jq -r .status "$r")" complete
	eq "$v: vCPUs pinned in L1" "$(jq '.provenance.pinning.vcpu | length' "$r")" 2
	for cpu in 0 1; do
		sel=".phases[] | select(.measured) | .vcpus[] | select(.cpu == $cpu)"
		w=$(jq "[$sel | .exits.write_cr8] | add" "$r")
		imm=$(jq "[$sel | .delivery.immediate] | add" "$r")
		held=$(jq "[$sel | .delivery.unmasking_writes] | add" "$r")
		eq "$v vCPU $cpu: held-back DPCs" "$held" $N
		if [ $v = fixed ]; then
			eq "$v vCPU $cpu: write_cr8 exits" "$w" $((3 * N))
			eq "$v vCPU $cpu: immediate" "$imm" $N
		else
			eq "$v vCPU $cpu: write_cr8 exits" "$w" $N
			ok "$v vCPU $cpu: immediate $imm <= 1%" test $((imm * 100)) -le $N
		fi
	done
done
[ $fails -eq 0 ] || cat "$TMP/err"
finish
