#!/bin/bash
# model-costs-from.sh - `irqlbench model --costs-from RECORD` (issue 16):
# the model's costs from a measured record.
#  1. A record with known exit times (a lab-shaped record made from a model
#     record, exit_times with chosen sums, guest.tsc_hz 2 GHz): each exit
#     reason's cost is its mean time in cycles of that rate (1000 ns ->
#     2000 cycles), the model record says where they came from
#     (provenance.model.costs_from), charges them (exit_times, exit_ns.*
#     metrics: the measured write_cr8 time per iteration again), and
#     `results show --exits` labels them simulated; from a file and from a
#     stored run's id; a later --cost overrides.
#  2. A TCG run with probe=1: the untrapped CR8 write's cost (median less the
#     rdtsc pair) becomes cost_cr8; no exit times: every exit key is named a
#     default, with the reason.
#  3. Bad input: one line, exit 2 (5 for an unusable store), no record.
# The real lab record's reproduction is in lab-trace-loss.sh.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq

M() { "$IRQLBENCH" model -q --workload nested-spinlock --param depth=2 --param iterations=100 "$@"; }

# --- 1. known exit times --------------------------------------------------------
M --policy l61 --out-dir "$TMP/base" || bail "model l61 (the line above says why)"
base=$TMP/base/nested-spinlock-l61.json
# write_cr8: 300 exits, 300000 ns (1000 ns each, but one of 500 and one of
# 1500: min/max apart); msr: 200 exits timed 1 us .. 3 us, mean 2500 ns;
# interrupt: 2 timed, 1 untimed; all in the measured phase
jq '.id = "20261130T000000Z-lab-fixed-nested-spinlock-c0ffee" | .backend = "lab"
	| .variant = "fixed" | .policy = null | .guest.tsc_hz = 2000000000
	| .provenance.model = null
	| .provenance.lab = {"kernel": {"debian_version": "6.1.192-3"}}
	| (.phases[] | select(.measured) | .vcpus[0].exit_times) = {
		"write_cr8": {"unit": "ns", "layout": "log-linear", "n": 300, "untimed": 0,
			"sum": 300000, "min": 500, "max": 1500, "overflow": 0,
			"buckets": [[511, 1], [1023, 298], [1535, 1]]},
		"msr": {"unit": "ns", "layout": "log-linear", "n": 200, "untimed": 0,
			"sum": 500000, "min": 1000, "max": 3000, "overflow": 0,
			"buckets": [[1023, 50], [3071, 150]]},
		"interrupt": {"unit": "ns", "layout": "log-linear", "n": 2, "untimed": 1,
			"sum": 20000, "min": 9000, "max": 11000, "overflow": 0,
			"buckets": [[9215, 1], [11263, 1]]}}' "$base" >"$TMP/lab.json"
lab=$TMP/lab.json
expect_rc 0 "--costs-from a lab-shaped record" -- M --policy l61,unfixed --costs-from "$lab" \
	--out-dir "$TMP/cf"
r=$TMP/cf/nested-spinlock-l61.json
eq "write_cr8: 1000 ns mean at 2 GHz = 2000 cycles" "$(jq '.provenance.model.exit_costs.write_cr8' "$r")" 2000
eq "msr: 2500 ns = 5000 cycles" "$(jq '.provenance.model.exit_costs.msr' "$r")" 5000
eq "interrupt: the timed ones only, 10000 ns = 20000 cycles" \
	"$(jq '.provenance.model.exit_costs.interrupt' "$r")" 20000
eq "vintr: not in the record, its default" "$(jq '.provenance.model.exit_costs.vintr' "$r")" 1200
eq "the record's TSC rate is the model's" "$(jq '.provenance.model.tsc_hz' "$r")" 2000000000
eq "costs_from names the run, backend, kernel" \
	"$(jq -r '.provenance.model.costs_from | [.run, .backend, .variant, .kernel] | join(" ")' "$r")" \
	"20261130T000000Z-lab-fixed-nested-spinlock-c0ffee lab fixed 6.1.192-3"
eq "costs_from: what each measured key came from" \
	"$(jq -c '.provenance.model.costs_from.measured.exit_cr8 | [.reason, .timed, .mean_ns, .cycles]' "$r")" \
	'["write_cr8",300,1000,2000]'
ok "costs_from: an unmeasured key says why" test "$(jq -r '.provenance.model.costs_from.defaults.exit_window' "$r")" \
	= "no timed exit of this reason in the measured phases"
ok "costs_from: cr8 has no probe" grep -q 'no CR8-write probe' <<<"$(jq -r '.provenance.model.costs_from.defaults.cr8' "$r")"
# what the model charged: the same counts, each exit at its cost
eq "model l61: write_cr8 exits (3 per iteration, as the lab)" "$(measured "$r" exit.write_cr8)" 300
eq "exit_times: min = max = mean = 1000 ns" \
	"$(jq -c '[.phases[] | select(.measured) | .vcpus[0].exit_times.write_cr8 | .min, .max, .mean]' "$r")" \
	'[1000,1000,1000]'
eq "exit_ns.write_cr8.total/iter = 3 x 1000 ns, the record's own time per iteration" \
	"$(measured "$r" 'exit_ns.write_cr8.total/iter')" "$(measured "$lab" 'exit_ns.write_cr8.total/iter')"
eq "exit_ns.write_cr8.mean" "$(measured "$r" exit_ns.write_cr8.mean)" 1000
eq "unfixed: 1 write_cr8 exit an iteration, at the same cost" \
	"$(measured "$TMP/cf/nested-spinlock-unfixed.json" 'exit_ns.write_cr8.total/iter')" 1000
out=$("$IRQLBENCH" results show --exits "$r")
ok "show --exits: the model's times are labelled simulated, with their source" \
	grep -q 'SIMULATED: what the model charged each exit, costs from run 20261130T000000Z-lab-fixed-nested-spinlock-c0ffee (lab, emulated time)' <<<"$out"
eq "show --exits: write_cr8 Time/iter" "$(awk '$1 == "write_cr8" { print $(NF-1) }' <<<"$out")" 3.00us
# default costs: no exit times, costs_from null
eq "without --costs-from: no exit times, costs_from null" \
	"$(jq -c '[.provenance.model.costs_from, ([.phases[].vcpus[] | has("exit_times")] | any)]' "$base")" '[null,false]'
# a later --cost wins; a stored run's id works as a file does
M --policy l61 --costs-from "$lab" --cost exit_cr8=777 --out-dir "$TMP/cf2" >/dev/null
eq "--cost after --costs-from overrides it" \
	"$(jq '.provenance.model.exit_costs.write_cr8' "$TMP/cf2/nested-spinlock-l61.json")" 777
eq "the record names the --cost it kept" \
	"$(jq -c '.provenance.model.cost_overrides' "$TMP/cf2/nested-spinlock-l61.json")" '{"exit_cr8":777}'
out=$("$IRQLBENCH" results show --exits "$TMP/cf2/nested-spinlock-l61.json")
ok "show --exits: the header names the --cost that overrode a measured cost" \
	grep -q 'costs from run 20261130T000000Z-lab-fixed-nested-spinlock-c0ffee (lab, emulated time), --cost exit_cr8=777$' <<<"$out"
eq "show --exits: write_cr8 at the overriding cost (3 x 777 cycles at 2 GHz)" \
	"$(awk '$1 == "write_cr8" { print $(NF-1) }' <<<"$out")" 1.17us
eq "without --cost: no overrides" "$(jq -c '.provenance.model.cost_overrides' "$r")" '{}'
ok "show --exits: without --cost the header names no --cost" \
	bash -c '! "$1" results show --exits "$2" | grep -q -- "--cost"' _ "$IRQLBENCH" "$r"
# a --cost before --costs-from: replaced where the record measured the key,
# kept (and named) where it did not
M --policy l61 --cost exit_cr8=777 --cost exit_window=4321 --costs-from "$lab" --out-dir "$TMP/cf5" >/dev/null
eq "--cost before --costs-from: the measured key is the record's, the other kept" \
	"$(jq -c '[.provenance.model.exit_costs.write_cr8, .provenance.model.exit_costs.vintr, .provenance.model.cost_overrides]' \
	"$TMP/cf5/nested-spinlock-l61.json")" '[2000,4321,{"exit_window":4321}]'
ok "show --exits: names the --cost kept" grep -q 'emulated time), --cost exit_window=4321$' \
	<<<"$("$IRQLBENCH" results show --exits "$TMP/cf5/nested-spinlock-l61.json")"
"$IRQLBENCH" results import --db "$TMP/s.db" "$lab" >/dev/null 2>&1
IRQLBENCH_DB=$TMP/s.db M --policy l61 --costs-from 20261130T000000Z-lab-fixed-nested-spinlock-c0ffee \
	--out-dir "$TMP/cf3" >/dev/null
eq "a stored run's id: the same costs" \
	"$(jq -c .provenance.model.exit_costs "$TMP/cf3/nested-spinlock-l61.json")" \
	"$(jq -c .provenance.model.exit_costs "$r")"

# --- 2. the probe's CR8 write ------------------------------------------------------
if [ -r "$GUEST" ] && command -v qemu-system-x86_64 >/dev/null; then
	"$IRQLBENCH" run --backend tcg --workload nested-spinlock --param depth=2 --param iterations=50 \
		--param probe=1 --out "$TMP/probe.json" >/dev/null 2>"$TMP/probe.err" ||
		bail "tcg probe run: $(tail -1 "$TMP/probe.err")"
	M --policy l61 --costs-from "$TMP/probe.json" --out-dir "$TMP/cfp" >/dev/null
	p=$TMP/cfp/nested-spinlock-l61.json
	c=$(jq '.provenance.model.cost_cr8' "$p")
	eq "probe: cost_cr8 is what costs_from measured" \
		"$(jq '.provenance.model.costs_from.measured.cr8.cycles' "$p")" "$c"
	eq "probe: cr8 = median of the untrapped writes - the rdtsc pair" "$c" \
		"$(jq '.provenance.model.costs_from.measured.cr8 | if .median_cycles > .rdtsc_pair_cycles then (.median_cycles - .rdtsc_pair_cycles | round) else 0 end' "$p")"
	eq "probe: the rdtsc pair is the guest's calibration" \
		"$(jq '.provenance.model.costs_from.measured.cr8.rdtsc_pair_cycles' "$p")" \
		"$(jq '.guest.probe_rdtsc' "$TMP/probe.json")"
	ok "probe: below the trap threshold" test "$c" -le "$(jq '.guest.probe_threshold' "$TMP/probe.json")"
	eq "probe: the exits keep their defaults, saying why" \
		"$(jq -r '.provenance.model.costs_from.defaults.exit_cr8' "$p")" \
		"the record has no exit times (only kvm and lab runs trace their exits)"
	eq "probe: costs_from names the tcg run" \
		"$(jq -r '.provenance.model.costs_from.backend' "$p")" tcg
else
	echo "SKIP probe part: needs the guest image and qemu-system-x86_64"
fi

# --- 3. bad input -------------------------------------------------------------------
mkdir -p "$TMP/empty"
bad_cf() {	# WHAT RC REGEX ARG...
	local what=$1 rc=$2 re=$3
	shift 3
	expect_rc "$rc" "$what" -- env -C "$TMP/empty" "$IRQLBENCH" model -q --workload nested-spinlock \
		--policy l61 --out-dir "$TMP/empty/out" "$@"
	expect_err_line "$re" "$what: one line"
	ok "$what: no record written" test ! -e "$TMP/empty/out"
	rm -rf "$TMP/empty/out"	# so that one fault fails one case, not the ones after it
}
bad_cf "a missing file" 2 "--costs-from /nonexistent.json: .*give a record file" --costs-from /nonexistent.json
bad_cf "not JSON" 2 "--costs-from /etc/hostname: .*give a record file" --costs-from /etc/hostname
bad_cf "a model record" 2 "is the model's own \(simulated\).*give a kvm or lab run" --costs-from "$base"
jq '.status = "failed"' "$lab" >"$TMP/failed.json"
bad_cf "a failed record" 2 "is 'failed': its times are partial; give a complete run" --costs-from "$TMP/failed.json"
jq 'del(.guest.tsc_hz)' "$lab" >"$TMP/nohz.json"
bad_cf "no guest.tsc_hz" 2 "has no guest.tsc_hz" --costs-from "$TMP/nohz.json"
jq '.backend = "tcg" | (.phases[].vcpus[] | select(has("exit_times"))) |= del(.exit_times)' "$lab" >"$TMP/nothing.json"
bad_cf "nothing to time" 2 "has neither exit times nor CR8 writes it could time" --costs-from "$TMP/nothing.json"
bad_cf "given twice" 2 "--costs-from given twice" --costs-from "$lab" --costs-from "$lab"
bad_cf "with another --tsc-hz" 2 "--tsc-hz 1000000000 and --costs-from" --costs-from "$lab" --tsc-hz 1000000000
bad_cf "an id without a store" 2 "no such record file, and no results store at .* set IRQLBENCH_DB" --costs-from 20261130T000000Z-lab-x
bad_cf "--tsc-hz before it" 2 "--tsc-hz 1000000000 and --costs-from" --tsc-hz 1000000000 --costs-from "$lab"
# an explicit --tsc-hz equal to the model's default is another rate all the same
bad_cf "--tsc-hz 2500000000 (the default) before it" 2 \
	"--tsc-hz 2500000000 and --costs-from: the record's guest.tsc_hz \(2000000000\)" --tsc-hz 2500000000 --costs-from "$lab"
bad_cf "--tsc-hz 2500000000 (the default) after it" 2 \
	"--tsc-hz 2500000000 and --costs-from: the record's guest.tsc_hz \(2000000000\)" --costs-from "$lab" --tsc-hz 2500000000
for order in "--tsc-hz 2000000000 --costs-from $lab" "--costs-from $lab --tsc-hz 2000000000"; do
	# shellcheck disable=SC2086
	expect_rc 0 "$order: --tsc-hz that repeats the record's rate" -- M --policy l61 --out-dir "$TMP/hz-same" $order
	eq "$order: the record's rate" "$(jq '.provenance.model.tsc_hz' "$TMP/hz-same/nested-spinlock-l61.json")" 2000000000
done
bad_cf "a directory" 2 "is a directory: give a record file" --costs-from "$TMP"
# exit times that agree with each other, but beyond any cost
jq '(.phases[] | select(.measured) | .vcpus[0].exit_times.write_cr8) |= (.sum = 3e32 | .min = 1e30 | .max = 1e30)' \
	"$lab" >"$TMP/huge.json"
bad_cf "an exit time beyond any cost" 2 "its mean write_cr8 time \(1e\+30 ns\) is not a cost in 0..1000000000 cycles" --costs-from "$TMP/huge.json"
# exit times that contradict each other: one line naming the reason, the
# phase and vCPU, and what disagrees
et() { jq "(.phases[] | select(.measured) | .vcpus[0].exit_times.write_cr8) |= ($1)" "$lab" >"$TMP/$2.json"; }
ph=$(jq '.phases[] | select(.measured) | .idx' "$lab")
where="run 20261130T000000Z-lab-fixed-nested-spinlock-c0ffee: exit_times.write_cr8 \(phase $ph cpu 0\)"
et '.sum = -300' neg
bad_cf "a negative exit time" 2 "$where: sum is negative: a count or time is a number not below 0; the record's exit times are damaged" \
	--costs-from "$TMP/neg.json"
et '.n = 0 | .untimed = 300' n0
bad_cf "n 0 with a sum, min and max" 2 "$where: n is 0 but sum is 300000: no exit was timed, so there is no time; the record's exit times are damaged: give the record as irqlbench wrote it$" \
	--costs-from "$TMP/n0.json"
et '.min = 2000 | .max = 1000' minmax
bad_cf "min above max" 2 "$where: min 2000 is above max 1000; " --costs-from "$TMP/minmax.json"
et '.sum = 600000' meanout
bad_cf "sum / n outside [min, max]" 2 "$where: its mean, sum / n = 600000 / 300 = 2000, is outside \[min 500, max 1500\]; " \
	--costs-from "$TMP/meanout.json"
et '.mean = 1600' meanfield
bad_cf "a mean outside [min, max]" 2 "$where: mean 1600 is outside \[min 500, max 1500\]; " --costs-from "$TMP/meanfield.json"
et '.n = 2.5' nfrac
bad_cf "n not a whole count" 2 "$where: n \(the exits timed\) is not a whole count; " --costs-from "$TMP/nfrac.json"
# "emulated" follows from the record's facts: a lab whose L1 ran under TCG
# is emulated, whatever the edited flag says (a record with l1_accel kvm
# may say false: its costs are then real, and labelled so)
jq '.emulated = false | .provenance.lab.l1_accel = "tcg"' "$lab" >"$TMP/tcg-real.json"
bad_cf "a TCG lab edited to \"emulated\": false" 2 \
	"--costs-from .*/tcg-real.json: run 20261130T000000Z-lab-fixed-nested-spinlock-c0ffee: \"emulated\" is false, but provenance.lab.l1_accel is tcg: its L1 ran under QEMU's emulator, its times are emulated, never real" \
	--costs-from "$TMP/tcg-real.json"
jq '.emulated = false | .provenance.lab.l1_accel = "kvm"' "$lab" >"$TMP/kvm-lab.json"
expect_rc 0 "a lab record with l1_accel kvm, \"emulated\": false" -- M --policy l61 --costs-from "$TMP/kvm-lab.json" \
	--out-dir "$TMP/cf-real"
eq "its costs are real: costs_from.emulated false" \
	"$(jq .provenance.model.costs_from.emulated "$TMP/cf-real/nested-spinlock-l61.json")" false
jq '.backend = "vmware"' "$lab" >"$TMP/vmware.json"
bad_cf "another backend" 2 "is of backend 'vmware': give a kvm or lab record" --costs-from "$TMP/vmware.json"
jq '.schema = "irqlbench-record/2"' "$lab" >"$TMP/schema2.json"
bad_cf "another schema" 2 "not an irqlbench-record/1 \(its schema is 'irqlbench-record/2'\)" --costs-from "$TMP/schema2.json"
jq '.guest.tsc_hz = 1e300' "$lab" >"$TMP/hz.json"
bad_cf "a TSC rate beyond any" 2 "its guest.tsc_hz 1e\+300 is not a TSC rate" --costs-from "$TMP/hz.json"
# a record file whose name has neither '/' nor .json is read as a file all the same
cp "$lab" "$TMP/empty/labrecord"
expect_rc 0 "a record file named without .json (an existing file)" -- env -C "$TMP/empty" "$IRQLBENCH" model -q \
	--workload nested-spinlock --policy l61 --out-dir "$TMP/cf4" --costs-from labrecord
IRQLBENCH_DB=$TMP/s.db bad_cf "an id the store lacks" 2 "--costs-from nosuchrun: .*results list" --costs-from nosuchrun
finish
