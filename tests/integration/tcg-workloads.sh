#!/bin/bash
# usage: tests/integration/tcg-workloads.sh [--cases]
#
# Every entry of group tcg of workloads/suites.cfg boots under QEMU TCG and
# finishes with a valid, complete record; with no hypervisor every unmasked
# interrupt arrives at once (late deliveries 0), priority violations are 0,
# and on each vCPU the guest's counters per iteration (the CR8 writes by
# kind, ...) are exactly the entry's expectations (`irqlbench list --suites`).
# Then every scenario script, and probe=1.
#
# --cases prints the cases (an entry a line: the run and what it must count)
# and exits 0 without booting anything.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq
[ "${1:-}" = --cases ] || need_guest	# --cases boots nothing
IT=50 WARMUP=2
SUITE=$("$IRQLBENCH" list --suites --group tcg --format json) ||
	bail "irqlbench list --suites --group tcg (the line above says why)"
N=$(jq '.entries | length' <<<"$SUITE")

# case I: NAME WORKLOAD VCPUS ITERATIONS(0: timed) then the run's parameters
case_of() {
	jq -r --argjson i "$1" --argjson it $IT --argjson w $WARMUP '.entries[$i] |
		(.values | has("iterations")) as $n |
		[.name, .workload, .vcpus, (if $n then $it else 0 end)] +
		(if $n then ["iterations=\($it)", "warmup=\($w)"] else [] end) +
		[.params | to_entries[] | "\(.key)=\(.value)"] | .[]' <<<"$SUITE"
}

if [ "${1:-}" = --cases ]; then
	for ((i = 0; i < N; i++)); do
		mapfile -t c < <(case_of $i)
		echo "${c[0]}: ${c[1]} ${c[*]:4} vcpus=${c[2]}: per vCPU and iteration" \
			"$(jq -r --argjson i $i '.entries[$i].per_iteration | to_entries |
				map("\(.key)=\(.value)") | join(" ") | if . == "" then "(timed: no count)" else . end' <<<"$SUITE")"
	done
	exit 0
fi

run() {	# run NAME WORKLOAD VCPUS [PARAMS...] -> $TMP/NAME.json
	local name=$1 wl=$2 vcpus=$3; shift 3
	local args=()
	for p in "$@"; do args+=(--param "$p"); done
	[ "$vcpus" = 1 ] || args+=(--vcpus "$vcpus")
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

for ((i = 0; i < N; i++)); do
	mapfile -t c < <(case_of $i)
	name=${c[0]} vcpus=${c[2]} it=${c[3]}
	f=$TMP/$name.json
	run "$name" "${c[1]}" "$vcpus" "${c[@]:4}" || continue
	w=$(counter "$f" cr8_writes)
	s=$(( $(counter "$f" cr8_raise) + $(counter "$f" cr8_same) +
	      $(counter "$f" cr8_lower) + $(counter "$f" cr8_lower_unmask) ))
	eq "$name: the kinds add up to cr8_writes" "$s" "$w"
	if [ "$it" = 0 ]; then	# timed: no count per iteration
		ok "$name: iterations ran ($(counter "$f" iterations))" test "$(counter "$f" iterations)" -gt 0
	fi
	# every vCPU: each expected counter = its per-iteration value x iterations
	while read -r cpu k per got; do
		eq "$name: $k, vCPU $cpu" "$got" $((per * it))
	done < <([ "$it" = 0 ] || jq -r --argjson e "$(jq -c ".entries[$i]" <<<"$SUITE")" '
		[.phases[] | select(.measured) | .vcpus[]] as $v |
		range(0; $e.vcpus) as $c | ($e.per_iteration | to_entries[]) as $k |
		"\($c) \($k.key) \($k.value) \([$v[] | select(.cpu == $c) | .counters[$k.key] // 0] | add // 0)"' "$f")
	# the guest options the entry sets are recorded
	for o in clock_raises_irql elide_same_level probe; do
		v=$(jq -r --arg o $o --argjson i $i '.entries[$i].params[$o] // empty' <<<"$SUITE")
		[ -z "$v" ] || eq "$name: option $o recorded" "$(jq -r --arg o $o '.guest.options[$o]' "$f")" \
			"$([ "$v" = 1 ] && echo true || echo false)"
	done
	if [ "$vcpus" -gt 1 ]; then
		eq "$name: vCPUs in the measured phase" \
			"$(jq -r '[.phases[] | select(.measured) | .vcpus[].cpu] | sort | join(",")' "$f")" \
			"$(seq -s, 0 $((vcpus - 1)))"
		eq "$name: pinning read back for $vcpus vCPUs" "$(jq '.provenance.pinning.vcpu | length' "$f")" "$vcpus"
	fi
done

# scenario scripts: every example runs (but those with host actions, which
# run refuses); the seed table as a script writes CR8
# exactly as the built-in seed-table does
for f in workloads/scripts/*.scn; do
	name=scn-$(basename "$f" .scn)
	vc=$(script_vcpus "$f")
	vargs=()
	[ "$vc" = 1 ] || vargs=(--vcpus "$vc")
	"$IRQLBENCH" run --backend tcg --workload script --script "$f" --param iterations=20 \
		"${vargs[@]}" --out "$TMP/$name.json" >"$TMP/$name.out" 2>&1
	rc=$?
	if grep -Eq '^[[:space:]]*host ' "$f"; then
		# host actions: the model's only; run refuses before QEMU starts
		eq "$name: refused, a model-only script (exit status)" "$rc" 2
		continue
	fi
	eq "$name: exit status" "$rc" 0
	eq "$name: status" "$(jq -r .status "$TMP/$name.json")" complete
	eq "$name: late deliveries" "$(counter "$TMP/$name.json" late_deliveries)" 0
	eq "$name: priority violations" "$(counter "$TMP/$name.json" priority_violations)" 0
done
if [ -f "$TMP/scn-seed-table.json" ]; then
	for k in cr8_raise cr8_same cr8_lower_unmask cr8_lower; do
		eq "seed-table.scn: $k per iteration, as the seed-table entry" \
			"$(( $(counter "$TMP/scn-seed-table.json" $k) / 20 ))" \
			"$(jq -r --arg k $k '.entries[] | select(.name == "seed-table") | .per_iteration[$k]' <<<"$SUITE")"
	done
fi

# probe=1 on the entry nested-spinlock-d2: every CR8 write that delivered
# nothing is timed (the writes that delivered the DPC are not: the handler
# ran inside the window)
e=$(jq -c '.entries[] | select(.name == "nested-spinlock-d2")' <<<"$SUITE")
want=$(jq '.per_iteration | (.cr8_writes - .cr8_lower_unmask) * '$IT <<<"$e")
if run probe nested-spinlock 1 $(jq -r '.params | to_entries[] | "\(.key)=\(.value)"' <<<"$e") \
	iterations=$IT warmup=$WARMUP probe=1; then
	eq "probe: probe_samples" "$(counter "$TMP/probe.json" probe_samples)" "$want"
	eq "probe: cost histogram holds every sample" \
		"$(jq '[.phases[] | select(.measured) | .vcpus[].histograms.cr8_write_cost.n] | add' "$TMP/probe.json")" "$want"
	eq "probe: option recorded" "$(jq -r .guest.options.probe "$TMP/probe.json")" true
fi
finish
