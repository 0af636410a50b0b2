#!/bin/bash
# The kvm backend on this host: on an AMD SVM host with kvm_amd, the real
# exit counts of the entries of group kvm of workloads/suites.cfg must equal
# the model's for the matching policy (l61 for a fixed kernel, unfixed for a
# pre-fix one).  Where the kvm backend cannot apply (not an AMD SVM CPU,
# /dev/kvm from kvm_intel or kvm_pvm) this test SKIPs with the reason
# (need_kvm_amd); a fixable problem on an AMD SVM host (kvm_amd not loaded,
# no access to /dev/kvm) FAILS, and so does a preflight that refuses where
# need_kvm_amd found the host fit.  (Inside the lab's L1 the very same code
# path runs: tests/integration/lab-crosscheck.sh.)  The exits' handling
# times are checked as lab-trace-loss.sh checks the lab's.
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq bc
need_kvm_amd

"$IRQLBENCH" run --backend kvm --workload irql-churn --param iterations=10 \
	--out "$TMP/pre.json" >"$TMP/pre.out" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/pre.out"; bail "kvm backend: exit $rc on a host where it applies (fix what the lines above name)"; }
# the exits' handling times: every count timed or untimed, in ns of the
# host's mono clock; show --exits prints them (marked emulated only on a host
# under TCG)
eq "pre: each exit timed or counted untimed" "$(jq -c '[.phases[] | select(.measured) | .vcpus[] |
	.exits as $e | .exit_times | to_entries[] | .value.n + .value.untimed == $e[.key]] | all' "$TMP/pre.json")" true
"$IRQLBENCH" results show --exits "$TMP/pre.json" >"$TMP/pre.exits"
eq "pre: results show --exits" $? 0
ok "pre: show --exits has its totals line" grep -q '^Total Samples:' "$TMP/pre.exits"

# write_cr8 exits per iteration, exactly (3.9 stays 3.9, not 3)
per_iter() { echo "scale=4; $(measured "$1" exit.write_cr8) / $(counter "$1" iterations)" | bc; }
SUITE=$("$IRQLBENCH" list --suites --group kvm --format json) ||
	bail "irqlbench list --suites --group kvm (the line above says why)"
while IFS='|' read -r name wl ps; do
	read -r -a p <<<"$ps"
	"$IRQLBENCH" run --backend kvm --workload "$wl" "${p[@]}" --param iterations=200 \
		--out "$TMP/$name.json" >/dev/null 2>&1
	eq "$name: kvm run" "$?" 0
	k=$(per_iter "$TMP/$name.json")
	match=
	# the model policies the lab's fixed and fix-reverted builds equal
	for pol in $(jq -r '[.entries[0].variants[].policy] | join(" ")' <<<"$SUITE"); do
		"$IRQLBENCH" model --workload "$wl" "${p[@]}" --param iterations=200 --policy $pol \
			--out-dir "$TMP/m-$name-$pol" >/dev/null 2>&1
		m=$(per_iter "$TMP/m-$name-$pol/$wl-$pol.json")
		[ "$k" = "$m" ] && match=$pol
	done
	ok "$name: $k write_cr8 exits per iteration match a policy of the model ($match)" [ -n "$match" ]
done < <(jq -r '.entries[] | [.name, .workload,
	(.params | to_entries | map("--param \(.key)=\(.value)") | join(" "))] | join("|")' <<<"$SUITE")
finish
