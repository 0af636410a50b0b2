#!/bin/bash
# Every workload boots under QEMU TCG and finishes with a valid, complete
# record; with no hypervisor every unmasked interrupt arrives at once (late
# deliveries 0), priority violations are 0, and the CR8 writes by kind are
# exactly what each workload's definition implies.
. "$(dirname "$0")/lib.sh"
need_guest
need_cmd jq

run() {	# run NAME WORKLOAD [PARAMS...] -> $TMP/NAME.json
	local name=$1 wl=$2; shift 2
	local args=()
	for p in "$@"; do args+=(--param "$p"); done
	"$IRQLBENCH" run --backend tcg --workload "$wl" "${args[@]}" \
		--out "$TMP/$name.json" >"$TMP/$name.out" 2>&1
	local rc=$?
	eq "$name: exit status" "$rc" 0
	[ $rc -eq 0 ] || { cat "$TMP/$name.out"; return 1; }
	eq "$name: status" "$(jq -r .status "$TMP/$name.json")" complete
	eq "$name: backend" "$(jq -r .backend "$TMP/$name.json")" tcg
	eq "$name: emulated" "$(jq -r .emulated "$TMP/$name.json")" true
	eq "$name: late deliveries" "$(counter "$TMP/$name.json" late_deliveries)" 0
	eq "$name: priority violations" "$(counter "$TMP/$name.json" priority_violations)" 0
}
expect() {	# expect NAME COUNTER VALUE
	eq "$1: $2" "$(counter "$TMP/$1.json" "$2")" "$3"
}

# nested-spinlock, depth 1..8: raise 2, same 2(N-1), lower_unmask 1, lower 1 per iteration
it=100
for n in 1 2 3 4 5 6 7 8; do
	run nest$n nested-spinlock depth=$n iterations=$it warmup=4 || continue
	expect nest$n iterations $it
	expect nest$n cr8_raise $((2 * it))
	expect nest$n cr8_same $((2 * (n - 1) * it))
	expect nest$n cr8_lower_unmask $it
	expect nest$n cr8_lower $it
	expect nest$n cr8_writes $(((2 * n + 2) * it))
	expect nest$n dpc_run $it
done

# seed-table: raise 2, same 2, lower_unmask 1, lower 1 (+1/+1 with clock_raises_irql)
if run seed seed-table iterations=50 warmup=2; then
	expect seed cr8_raise 100; expect seed cr8_same 100
	expect seed cr8_lower_unmask 50; expect seed cr8_lower 50
	expect seed clock_interrupts 50; expect seed dpc_run 50
fi
if run seedc seed-table iterations=50 warmup=2 clock_raises_irql=1; then
	expect seedc cr8_raise 150; expect seedc cr8_lower 100
	eq "seedc: option recorded" "$(jq -r .guest.options.clock_raises_irql "$TMP/seedc.json")" true
fi

# masked-clock (timer and self-IPI sources): raise 1, same 1, lower_unmask 1, lower 1
for src in 0 1; do
	if run mc$src masked-clock iterations=50 warmup=2 clock_ipi=$src; then
		expect mc$src cr8_raise 50; expect mc$src cr8_same 50
		expect mc$src cr8_lower_unmask 50; expect mc$src cr8_lower 50
		expect mc$src clock_interrupts 50
	fi
done

# irql-churn: raise 1, lower 1
if run churn irql-churn iterations=5000 level=2; then
	expect churn cr8_raise 5000; expect churn cr8_lower 5000; expect churn cr8_same 0
fi

# dpc-storm and windows-mix: every queued DPC ran (the guest's own verdict) and
# the kinds add up
for wl in dpc-storm windows-mix; do
	if run $wl $wl duration_ms=100; then
		q=$(counter "$TMP/$wl.json" dpc_queued); r=$(counter "$TMP/$wl.json" dpc_run)
		ok "$wl: DPCs queued ($q) > 0" [ "$q" -gt 0 ]
		eq "$wl: verdict" "$(jq -r .verdict.status "$TMP/$wl.json")" ok
		w=$(counter "$TMP/$wl.json" cr8_writes)
		s=$(( $(counter "$TMP/$wl.json" cr8_raise) + $(counter "$TMP/$wl.json" cr8_same) +
		      $(counter "$TMP/$wl.json" cr8_lower) + $(counter "$TMP/$wl.json" cr8_lower_unmask) ))
		eq "$wl: kinds add up" "$s" "$w"
	fi
done

# scenario scripts: every example runs; the seed table as a script writes CR8
# exactly as the built-in seed-table does
for f in workloads/scripts/*.scn; do
	name=scn-$(basename "$f" .scn)
	"$IRQLBENCH" run --backend tcg --workload script --script "$f" --param iterations=20 \
		--out "$TMP/$name.json" >"$TMP/$name.out" 2>&1
	eq "$name: exit status" "$?" 0
	eq "$name: status" "$(jq -r .status "$TMP/$name.json")" complete
	eq "$name: late deliveries" "$(counter "$TMP/$name.json" late_deliveries)" 0
	eq "$name: priority violations" "$(counter "$TMP/$name.json" priority_violations)" 0
done
if [ -f "$TMP/scn-seed-table.json" ]; then
	for k in cr8_raise cr8_same cr8_lower_unmask cr8_lower; do
		eq "seed-table.scn: $k per iteration" \
			"$(( $(counter "$TMP/scn-seed-table.json" $k) / 20 ))" \
			"$(( $(counter "$TMP/seed.json" $k) / 50 ))"
	done
fi

# two vCPUs: each runs the workload on its own and reports its own counters
"$IRQLBENCH" run --backend tcg --vcpus 2 --workload nested-spinlock --param depth=3 \
	--param iterations=50 --param warmup=2 --out "$TMP/smp.json" >"$TMP/smp.out" 2>&1
eq "smp: exit status" "$?" 0
eq "smp: vCPUs in the measured phase" \
	"$(jq '[.phases[] | select(.measured) | .vcpus[].cpu] | sort | join(",")' -r "$TMP/smp.json")" "0,1"
for cpu in 0 1; do
	eq "smp: cpu $cpu cr8_same" "$(jq --argjson c $cpu '[.phases[] | select(.measured) | .vcpus[] | select(.cpu == $c) | .counters.cr8_same] | add' "$TMP/smp.json")" 200
	eq "smp: cpu $cpu dpc_run" "$(jq --argjson c $cpu '[.phases[] | select(.measured) | .vcpus[] | select(.cpu == $c) | .counters.dpc_run] | add' "$TMP/smp.json")" 50
done
eq "smp: pinning read back for 2 vCPUs" "$(jq '.provenance.pinning.vcpu | length' "$TMP/smp.json")" 2
eq "smp: late deliveries" "$(counter "$TMP/smp.json" late_deliveries)" 0

# probe=1: every CR8 write that delivered nothing is timed (the writes that
# delivered the DPC are not: the handler ran inside the window)
if run probe nested-spinlock depth=2 iterations=50 warmup=2 probe=1; then
	expect probe probe_samples 250
	eq "probe: cost histogram holds every sample" \
		"$(measured "$TMP/probe.json" .histograms.cr8_write_cost.n)" 250
	eq "probe: option recorded" "$(jq -r .guest.options.probe "$TMP/probe.json")" true
fi

# elide_same_level: the 2(N-1) inner writes of a depth-4 nest disappear
if run elide nested-spinlock depth=4 iterations=20 warmup=1 elide_same_level=1; then
	expect elide cr8_same 0; expect elide cr8_elided 120; expect elide cr8_writes 80
fi
finish
