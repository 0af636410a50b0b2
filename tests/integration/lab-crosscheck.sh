#!/bin/bash
# usage: tests/integration/lab-crosscheck.sh [--cases]
#
# Cross-validation: real kvm_amd in the lab against workloads/suites.cfg and
# the model, for every entry of group crosscheck and every example script
# (workloads/scripts/, at the end).  The lab's measured-phase
# write_cr8 exits per iteration equal the file's for the build's family
# (fixed build: fixed; fix-reverted: unfixed) and the model's exactly (lab
# fixed vs model l61, lab unfixed vs model unfixed, `list --suites` names
# the pairs), and so do its delivery counts (unmasking writes, immediate,
# late) and every other exit reason but "interrupt" (npf, msr, io, vintr:
# the model programs the timer and sends self-IPIs as the guest does; an
# interrupt exit is the host's timing).  Delivery: where the file expects no late delivery, every
# held-back interrupt is delivered immediately (depth 1 included: one
# lowering write, no window); where it expects them late, at most 1% are
# immediate (a stray exit in a TCG L1 can let an interrupt in early,
# docs/lab.md).  On a mismatch both sides are printed, with the model's step
# table.  One L1 boot per entry and variant (~12-15 s each under TCG).
#
# --cases prints the cases (an entry a line, with the expectations per
# build) and exits 0 without booting anything.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_built
need_pkg jq bc
if [ "${1:-}" != --cases ]; then	# --cases boots nothing
	need_guest
	need_lab_kernel >/dev/null
fi
IT=${LAB_ITERATIONS:-200}
SUITE=$("$IRQLBENCH" list --suites --group crosscheck --format json) ||
	bail "irqlbench list --suites --group crosscheck (the line above says why)"
N=$(jq '.entries | length' <<<"$SUITE")
if [ "${1:-}" = --cases ]; then
	jq -r '.entries[] | "\(.name): \(.workload) \(.params | to_entries | map("\(.key)=\(.value)") | join(" ")) vcpus=\(.vcpus): " +
		(.variants | to_entries | map("\(.key) build (model \(.value.policy)) \(.value.exits) \(.value.exit) per iteration, \(.value.delivery)") | join("; "))' <<<"$SUITE"
	exit 0
fi
has_model=0
"$IRQLBENCH" model --help >/dev/null 2>&1 && has_model=1

m() { measured "$@"; }	# lib.sh: the measured-phase sum over vCPUs

for ((i = 0; i < N; i++)); do
	e=$(jq -c ".entries[$i]" <<<"$SUITE")
	name=$(jq -r .name <<<"$e") wl=$(jq -r .workload <<<"$e") vcpus=$(jq -r .vcpus <<<"$e")
	pargs=(--param "iterations=$IT")
	while read -r kv; do pargs+=(--param "$kv"); done < <(jq -r '.params | to_entries[] | "\(.key)=\(.value)"' <<<"$e")
	vargs=()
	[ "$vcpus" = 1 ] || vargs=(--vcpus "$vcpus")
	t0=$(date +%s.%N)
	"$IRQLBENCH" lab --variants fixed,unfixed --out-dir "$TMP/$name" --workload "$wl" \
		"${pargs[@]}" "${vargs[@]}" --timeout 300 >"$TMP/$name.jsonl" 2>"$TMP/$name.err"
	rc=$?
	echo "== $name ($wl ${pargs[*]} ${vargs[*]}): lab rc=$rc, $(printf '%.0f' "$(echo "$(date +%s.%N) - $t0" | bc)") s"
	for v in fixed unfixed; do
		rec=$TMP/$name/$v/record.json
		eq "$name $v: record complete" "$(jq -r .status "$rec" 2>/dev/null)" complete
		if [ "$(jq -r .status "$rec" 2>/dev/null)" != complete ]; then
			jq -c .error "$rec" 2>/dev/null; tail -n 3 "$TMP/$name/$v/run.stderr" 2>/dev/null
			continue
		fi
		eq "$name $v: backend/variant" "$(jq -r '[.backend, .variant] | join(" ")' "$rec")" "lab $v"
		eq "$name $v: emulated under tcg" "$(jq -r '(.provenance.lab.l1_accel == "tcg") == .emulated' "$rec")" true
		read -r pol reason want late < <(jq -r --arg v $v '.variants[$v] | "\(.policy) \(.exit) \(.exits) \(.late)"' <<<"$e")
		lab=$(m "$rec" "exit.$reason")
		held=$(m "$rec" delivery.unmasking_writes) imm=$(m "$rec" delivery.immediate)
		if [ $has_model = 1 ]; then
			# the model on as many vCPUs (a cross-vCPU workload needs them)
			"$IRQLBENCH" model --workload "$wl" --policy $pol "${pargs[@]}" "${vargs[@]}" \
				--out-dir "$TMP/$name/model" --quiet >/dev/null 2>&1
			mrec=$TMP/$name/model/$wl-$pol.json
			model=$(m "$mrec" "exit.$reason" 2>/dev/null)
			eq "$name $v: lab $reason = model $pol" "$lab" "$model"
			for k in unmasking_writes immediate late; do
				eq "$name $v: lab delivery.$k = model $pol" "$(m "$rec" "delivery.$k")" \
					"$(m "$mrec" "delivery.$k" 2>/dev/null)"
			done
			# every other exit reason either side has, but "interrupt":
			# the L1's own timer ticks land in the measured phase at
			# random, and whether a short timer's expiry is an exit of
			# its own or lands during another exit is the host's timing,
			# which the model does not simulate
			for r in $(jq -r '[.phases[] | select(.measured) | .vcpus[].exits // {} | keys[]] | .[]' \
					"$rec" "$mrec" | sort -u); do
				[ "$r" = interrupt ] && continue
				eq "$name $v: lab exit.$r = model $pol" "$(m "$rec" "exit.$r")" \
					"$(m "$mrec" "exit.$r" 2>/dev/null)"
			done
			if [ "$lab" != "$model" ]; then
				echo "--- lab $v (measured phase, vCPU 0)     | model $pol"
				paste <(jq -S '[.phases[] | select(.measured) | .vcpus[0] | {exits, injections, delivery}]' "$rec") \
				      <(jq -S '[.phases[] | select(.measured) | .vcpus[0] | {exits, injections, delivery}]' "$mrec")
				"$IRQLBENCH" model --workload "$wl" --policy $pol --param iterations=2 --param warmup=1 \
					"${pargs[@]:2}" --trace --out-dir "$TMP/$name/trace" 2>&1 | head -n 60
			fi
		fi
		[ "$want" = null ] || eq "$name $v: $reason = $want per iteration (suites.cfg)" "$lab" $((want * IT * vcpus))
		# an entry whose file says no write unmasks anything (ipi-generic-call:
		# nothing is ever held back) must show none
		if [ "$(jq -r '.per_iteration.cr8_lower_unmask // 1' <<<"$e")" = 0 ]; then
			eq "$name $v: nothing held back (suites.cfg: no unmasking write)" "$held" 0
		else
			ok "$name $v: held-back interrupts seen ($held)" test "$held" -gt 0
		fi
		# the file says whether this build delivers late (not at depth 1:
		# the one write after the IPI is the lowering one, no window)
		if [ "$late" = 0 ] || [ "$held" = 0 ]; then
			eq "$name $v: delivered immediately" "$imm" "$held"
		else
			ok "$name $v: immediate $imm of $held <= 1% (late expected)" test $((imm * 100)) -le "$held"
		fi
		echo "$name $v: $reason $lab (model ${model:-n/a}), held-back $held, immediate $imm, entry races $(m "$rec" delivery.entry_races), L1 $(jq -r '.provenance.lab | "\(.l1_accel) boot \(.l1_boot_s) s total \(.l1_total_s) s"' "$rec")"
	done
done

# every example script (workloads/scripts/) without host actions, fixed and fix-reverted builds
# against l61 and unfixed: every exit reason but "interrupt" (above), and
# delivery.  A script that polls IRR for a timer's vector (`clock` and
# `wait_pending`) leaves its APIC exit out too (npf in xAPIC mode, msr in
# x2APIC mode, the default where KVM offers x2APIC): each poll is an exit,
# and how many polls a 10 us timer takes is the host's timing (an emulated
# L1 polls once or twice, the model's costs 7 times).
[ $has_model = 1 ] || finish
SIT=${LAB_SCRIPT_ITERATIONS:-20}
for f in workloads/scripts/*.scn; do
	n=scn-$(basename "$f" .scn)
	# `host` actions (avic-*.scn) run in the model only: lab refuses them
	# before L1 boots (model-policies.sh checks that refusal)
	grep -Eq '^[[:space:]]*host ' "$f" && continue
	# a script with vCPU blocks on as many vCPUs, in the lab and the model
	vc=$(script_vcpus "$f")
	vargs=()
	[ "$vc" = 1 ] || vargs=(--vcpus "$vc")
	"$IRQLBENCH" lab --variants fixed,unfixed --out-dir "$TMP/$n" --script "$f" \
		--param iterations=$SIT "${vargs[@]}" --timeout 300 >"$TMP/$n.jsonl" 2>"$TMP/$n.err"
	eq "$n: lab status" $? 0
	polls=0
	grep -Eq '^[[:space:]]*clock ' "$f" && grep -Eq '^[[:space:]]*wait_pending ' "$f" && polls=1
	for pair in fixed:l61 unfixed:unfixed; do
		v=${pair%%:*} pol=${pair#*:}
		rec=$TMP/$n/$v/record.json mrec=$TMP/$n/model-$pol/script-$pol.json
		"$IRQLBENCH" model --policy "$pol" --script "$f" --param iterations=$SIT "${vargs[@]}" \
			--out-dir "$TMP/$n/model-$pol" --quiet >/dev/null 2>&1
		eq "$n $v: record complete" "$(jq -r .status "$rec" 2>/dev/null)" complete
		eq "$n $v: lab guest.apic = model's" "$(jq -r .guest.apic "$rec" 2>/dev/null)" \
			"$(jq -r .guest.apic "$mrec" 2>/dev/null)"
		apic_exit=$(jq -r 'if .guest.apic == "x2apic" then "msr" else "npf" end' "$rec" 2>/dev/null)
		for k in unmasking_writes immediate late; do
			eq "$n $v: lab delivery.$k = model $pol" "$(m "$rec" "delivery.$k")" "$(m "$mrec" "delivery.$k")"
		done
		for r in $(jq -r '[.phases[] | select(.measured) | .vcpus[].exits // {} | keys[]] | .[]' \
				"$rec" "$mrec" | sort -u); do
			[ "$r" = interrupt ] && continue
			[ "$r" = "$apic_exit" ] && [ $polls = 1 ] && continue
			eq "$n $v: lab exit.$r = model $pol" "$(m "$rec" "exit.$r")" "$(m "$mrec" "exit.$r")"
		done
	done
done
finish
