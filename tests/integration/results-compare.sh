#!/bin/bash
# `irqlbench compare` on synthetic records with known answers: the lab's
# unfixed vs fixed nested-spinlock (5 runs each): write_cr8 exits 1 -> 3
# per iteration (+200%), a count suites.cfg fixes, compared exactly against
# the expected values; the DPC delay percentiles by the Mann-Whitney U test
# (exact p = 2/252), and so the write_cr8 exits' handling time
# (exit_ns.write_cr8.mean, .p50: latencies); other counts untested; --fail-on exit codes; output
# formats; 1 run against 1: the change still shown, the latencies "too few
# runs"; sides that mix workloads or depths split into one table per
# parameter tuple, or refused; model runs of different cost sources (default
# costs, --costs-from, --cost) never pooled; latencies in µs by each run's
# TSC rate, and cycles of different rates refused.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq

"$GEN" "$T/rec" 5 >"$T/ids"
# a complete fixed run whose own verdict failed, with 10x the write_cr8
# exits: counted, it would move the mean and the p-value
verdict_failed "$T/rec/$(grep lab-nested-spinlock-fixed "$T/ids" | head -1)" "$T/rec" verdict-failed-fixed 10
# exit handling times (kvm/lab exit_times, in ns): each lab nested-spinlock
# run's write_cr8 exits all take one time, ~5 us unfixed and ~1 us fixed
# (runs 10 ns apart), in the bucket the fold would give it
bucket() {	# hist_bound(hist_index(V)) of guestos/include/stats.h
	local v=$1 e=0
	while (( (v >> (e + 1)) > 0 )); do e=$((e + 1)); done
	(( v < 16 )) && { echo "$v"; return; }
	echo $(( (((v >> (e - 4)) + 1) << (e - 4)) - 1 ))
}
k=0
for d in "$T"/rec/*lab-nested-spinlock-*fixed-d2*/; do
	base=1000
	case $d in *unfixed*) base=5000 ;; esac
	t=$((base + 10 * k)) k=$((k + 1))
	jq --argjson t $t --argjson b "$(bucket $t)" '(.phases[] | select(.measured) | .vcpus[]) |=
		(.exit_times = {write_cr8: {unit: "ns", layout: "log-linear", n: .exits.write_cr8, untimed: 0,
		 sum: (.exits.write_cr8 * $t), min: $t, max: $t, mean: $t, overflow: 0,
		 buckets: [[$b, .exits.write_cr8]], p50: $t, p50_lo: $t, p99: $t, p99_lo: $t}})' \
		"$d/record.json" >"$d/r.tmp" && mv "$d/r.tmp" "$d/record.json"
done
DB=$T/irqlbench.db
"$IRQ" results import --db "$DB" "$T/rec" >/dev/null || bail "import"
A=variant=unfixed,workload=nested-spinlock
B=variant=fixed,workload=nested-spinlock

expect_rc 0 "compare $A $B" -- "$IRQ" compare --db "$DB" "$A" "$B"
cp "$T/out" "$T/text"
expect_grep "^ +1 +\+200\.0% +3 +exit\.write_cr8/iter +\(exact, expected 1 and 3, n=5\+5\)$" "$T/text" \
	"write_cr8 exits/iter 1 -> 3: +200.0%, exact, as suites.cfg expects"
expect_grep "^params: workload=nested-spinlock depth=2 dpc=1$" "$T/text" "the parameter tuple heads the table"
expect_grep "^ +0 +\+inf% +100 +delivery\.immediate_pct +\(exact, expected 0 and 100," "$T/text" "immediate delivery 0 -> 100%, exact"
expect_grep "^ +0\.002 +\(\+0\.0%\) +0\.002 +exit\.io/iter +\(no test, n=5\+5\)" "$T/text" "io exits: a count no file fixes, untested"
expect_grep "^ +6 += +6 +cr8_writes/iter +\(exact, expected 6 and 6, n=5\+5\)" "$T/text" "identical CR8 writes print ="
expect_grep "-99\.9% .* dpc_queue_to_run\.p50 \[µs\] +\(p=0\.00794, n=5\+5\)" "$T/text" "DPC delay p50 in µs: the U test, p = 2/252"
expect_grep "^ +5\.0[0-9]{2} .* -79\.[0-9]% +1\.0[0-9]{2} .* exit_ns\.write_cr8\.mean \[µs\] +\(p=0\.00794, n=5\+5\)" "$T/text" \
	"write_cr8 handling time 5 us -> 1 us (ns / 1000): a latency, the U test"
expect_grep "-79\.[0-9]% .* exit_ns\.write_cr8\.p50 \[µs\] +\(p=0\.00794, n=5\+5\)" "$T/text" \
	"its p50: a latency too, in µs"
expect_grep "exit_ns\.write_cr8\.total/iter +\(no test, n=5\+5\)" "$T/text" \
	"the time per iteration: a sum, untested"
if grep -q '~' "$T/text"; then bad "no ~ for counts"; else ok "no count marked ~"; fi
expect_grep "base-mean +±%sd +%change +new-mean +±%sd +metric" "$T/text" "LKP-style header"
if grep -q warning "$T/err"; then bad "no warning expected with 5+5 runs"; else ok "no warning with 5 runs a side"; fi

# --fail-on
expect_rc 1 "--fail-on 'exit.write_cr8/iter>100' (crossed, significant)" -- \
	"$IRQ" compare --db "$DB" --fail-on 'exit.write_cr8/iter>100' "$A" "$B"
expect_grep "FAIL exit.write_cr8/iter: \+200\.0% > \+100%" "$T/err" "names the metric that failed"
expect_rc 2 "--fail-on a metric that does not exist (usage error)" -- \
	"$IRQ" compare --db "$DB" --fail-on 'nosuchmetric>5' "$A" "$B"
expect_err_line "^irqlbench compare: --fail-on: no metric matches 'nosuchmetric'" "the unknown gate: one line naming it"
[ ! -s "$T/out" ] && ok "the unknown gate: no table printed before the refusal" || bad "a table was printed before the refusal"
expect_rc 0 "--fail-on 'exit.write_cr8/iter>300' (not crossed)" -- \
	"$IRQ" compare --db "$DB" --fail-on 'exit.write_cr8/iter>300' "$A" "$B"
expect_rc 1 "--fail-on 'exit.write_cr8/iter<-50' the other way round" -- \
	"$IRQ" compare --db "$DB" --fail-on 'exit.write_cr8/iter<-50' "$B" "$A"
expect_rc 0 "--fail-on on an untested count ('exit.io/iter>-10')" -- \
	"$IRQ" compare --db "$DB" --fail-on 'exit.io/iter>-10' "$A" "$B"
expect_grep "note exit.io/iter: \+0\.0% > -10% but no test stands behind it \(no test\): not failing" "$T/err" "says why it does not fail"
expect_rc 1 "--fail-on a latency the test finds shifted ('dpc_queue_to_run.p50<-50')" -- \
	"$IRQ" compare --db "$DB" --fail-on 'dpc_queue_to_run.p50<-50' "$A" "$B"
expect_rc 2 "--fail-on an unknown metric" -- "$IRQ" compare --db "$DB" --fail-on 'nope>1' "$A" "$B"
expect_rc 2 "--fail-on without operator" -- "$IRQ" compare --db "$DB" --fail-on 'nope' "$A" "$B"
expect_rc 2 "a selector that matches nothing" -- "$IRQ" compare --db "$DB" variant=nosuch "$B"
expect_grep "no complete runs match 'variant=nosuch'" "$T/err" "says which selector"
expect_rc 2 "one argument" -- "$IRQ" compare --db "$DB" "$A"
expect_rc 2 "an unknown option" -- "$IRQ" compare --db "$DB" --frobnicate "$A" "$B"
expect_err_line "^irqlbench compare: unknown option '--frobnicate': see 'irqlbench compare --help'$" "names the unknown option"
# every option that takes a value, without it: a usage error naming it
expect_missing_values compare "" --db --format --metric --fail-on

# formats
expect_rc 0 "--format json" -- "$IRQ" compare --db "$DB" --format json "$A" "$B"
v=$(jq -r '.tables[0].rows[] | select(.metric == "exit.write_cr8/iter") |
	"\(.kind) \(.base_mean) \(.new_mean) \(.significant) \(.p) \(.base_expected) \(.new_expected)"' "$T/out")
[ "$v" = "exact 1 3 true null 1 3" ] && ok "json row: $v" || bad "json row: '$v'"
v=$(jq -r '.tables[0].rows[] | select(.metric == "dpc_queue_to_run.p50") | "\(.kind) \(.tested) \(.significant)"' "$T/out")
[ "$v" = "latency true true" ] && ok "json latency row: $v" || bad "json latency row: '$v'"
v=$(jq -r '[.tables[0].rows[] | select(.metric == "dpc_queue_to_run.p50" or .metric == "exit_ns.write_cr8.mean"
	or .metric == "exit.write_cr8/iter") | "\(.metric)=\(.unit)"] | join(" ")' "$T/out")
eq "json units: latencies us, counts null" "$v" "dpc_queue_to_run.p50=us exit.write_cr8/iter=null exit_ns.write_cr8.mean=us"
v=$(jq -r '"\(.min_runs) \(.tables[0].base.params)"' "$T/out")
[ "$v" = "5 workload=nested-spinlock depth=2 dpc=1" ] && ok "json: min_runs and the tuple" || bad "json: '$v'"
expect_rc 0 "--format csv" -- "$IRQ" compare --db "$DB" --format csv "$A" "$B"
expect_grep '^exit\.write_cr8/iter,exact,5,1,0,5,3,0,200,,1,1,3,"workload=nested-spinlock depth=2 dpc=1","workload=nested-spinlock depth=2 dpc=1","lab unfixed, emulated time","lab fixed, emulated time",$' "$T/out" "csv row (a count: no unit), the groups' labels"
expect_grep '^dpc_queue_to_run\.p50,latency,5,.*,us$' "$T/out" "csv latency row: unit us"
expect_rc 0 "--format markdown" -- "$IRQ" compare --db "$DB" --format markdown --metric 'exit.*' "$A" "$B"
expect_grep "^\| 1 \| +\| \+200\.0% \| 3 \|" "$T/out" "markdown row"
if grep -q 'cr8_writes' "$T/out"; then bad "--metric 'exit.*' kept other metrics"; else ok "--metric filters rows"; fi
expect_rc 2 "--metric that selects nothing: a usage error, as a --fail-on gate's" -- \
	"$IRQ" compare --db "$DB" --metric 'nomatch*' "$A" "$B"
expect_err_line "--metric selects no metric both sides have" "--metric that selects nothing: one line"
eq "--metric that selects nothing: no table printed" "$(wc -c <"$T/out")" 0

# the issue's case, one run against one: a deterministic count that
# changed is a change (no U test could call it: p = 1 at 1+1), and the
# gate fails on it; the latencies are "too few runs", never "~"
ida=$(grep lab-nested-spinlock-unfixed "$T/ids" | head -1)
idb=$(grep lab-nested-spinlock-fixed "$T/ids" | head -1)
expect_rc 1 "compare two run ids, --fail-on 'exit.write_cr8/iter>100'" -- \
	"$IRQ" compare --db "$DB" --fail-on 'exit.write_cr8/iter>100' "$ida" "$idb"
expect_grep "^ +1 +\+200\.0% +3 +exit\.write_cr8/iter +\(exact, expected 1 and 3, n=1\+1\)$" "$T/out" "1 vs 1 run: +200.0%, exact"
expect_grep "too few runs \(-99\.8%\) .* dpc_queue_to_run\.p50 \[µs\] +\(too few runs, n=1\+1\)" "$T/out" "1 vs 1 run: latency 'too few runs'"
if grep -q '~' "$T/out"; then bad "1 vs 1: nothing marked ~"; else ok "1 vs 1: nothing marked ~"; fi
expect_grep "warning: base has 1 run\(s\): latencies need 5 a side for the Mann-Whitney U test; run more \(--runs 5\)" "$T/err" "n < 5 warning names --runs"
expect_grep "FAIL exit.write_cr8/iter: \+200\.0% > \+100% \(exact, expected 1 and 3, 1\+1 runs\)" "$T/err" "the gate fails on the exact change"

# sides that mix workloads or depths: one table per parameter tuple
expect_rc 0 "compare policy=prefix policy=fixed (the README's example)" -- \
	"$IRQ" compare --db "$DB" policy=prefix policy=fixed
n=$(grep -c '^params: workload=nested-spinlock depth=[1-4] dpc=1$' "$T/out")
eq "a table for each depth 1..4" "$n" 4
[ "$(grep -c '^params:' "$T/out")" = 4 ] && ok "no pooled table" || bad "tables: $(grep -c '^params:' "$T/out")"
expect_grep "^ +1 +\+200\.0% +3 +exit\.write_cr8/iter +\(exact, expected 1 and 3, n=5\+5\)$" "$T/out" "depth 2: 1 -> 3"
expect_grep "^ +1 += +1 +exit\.write_cr8/iter +\(exact, expected 1 and 1, n=5\+5\)$" "$T/out" "depth 1: 1 = 1"
expect_rc 0 "compare policy=prefix policy=fixed --format json" -- \
	"$IRQ" compare --db "$DB" --format json policy=prefix policy=fixed
v=$(jq -r '[.tables[] | .rows[] | select(.metric == "exit.write_cr8/iter") | .new_mean] | join(" ")' "$T/out")
eq "json: a table per depth, fixed's exits 2N-1" "$v" "1 3 5 7"
expect_rc 0 "policy=fixed,depth=2 vs policy=fixed,depth=4: one tuple a side" -- \
	"$IRQ" compare --db "$DB" policy=fixed,depth=2 policy=fixed,depth=4
expect_grep "^params: base workload=nested-spinlock depth=2 dpc=1; new workload=nested-spinlock depth=4 dpc=1$" "$T/out" "both tuples named"
expect_rc 0 "variant=unfixed variant=fixed: split by workload" -- "$IRQ" compare --db "$DB" variant=unfixed variant=fixed
expect_grep "^params: workload=masked-clock" "$T/out" "a masked-clock table"
expect_grep "^params: workload=nested-spinlock depth=2 dpc=1$" "$T/out" "a nested-spinlock table"
expect_rc 2 "a side of several series" -- "$IRQ" compare --db "$DB" workload=nested-spinlock,depth=2 policy=fixed,depth=2
expect_err_line "^irqlbench: compare: base mixes runs of [a-z]+:[a-z0-9]+ and [a-z]+:[a-z0-9]+: add backend=, policy= or variant= to its selector so that it is one series$" \
	"mixed series: one line naming them and the fix"
expect_rc 2 "sides of several tuples with none in common" -- \
	"$IRQ" compare --db "$DB" policy=prefix variant=fixed,workload=masked-clock
expect_err_line "^irqlbench: compare: the sides have no parameter tuple in common \(base: 'workload=nested-spinlock depth=1 dpc=1', 'workload=nested-spinlock depth=2 dpc=1', .*; new: 'workload=masked-clock[^']*'\): add workload= and the parameters \(depth=2\) to the selectors$" \
	"no tuple in common: one line naming the tuples and the fix"
expect_rc 0 "tuples one side alone has: a note" -- "$IRQ" compare --db "$DB" policy=prefix variant=fixed
eq "the one tuple both have: one table" "$(grep -c '^params:' "$T/out")" 1
expect_grep "note: one table per parameter tuple both sides have; left out: base alone has workload=nested-spinlock depth=1 dpc=1; .*; new alone has workload=masked-clock" "$T/err" "names what is left out"

# failed runs are left out unless asked for
expect_rc 0 "failed runs left out" -- "$IRQ" compare --db "$DB" "$A" "$B"
expect_grep "new: variant=fixed,workload=nested-spinlock \(5 runs of lab fixed, emulated time\)" "$T/out" "5 fixed runs (the failed 6th and the verdict failure left out)"
expect_rc 0 "--include-failed" -- "$IRQ" compare --db "$DB" --include-failed "$A" "$B"
expect_grep "\(7 runs of lab fixed, emulated time\)" "$T/out" "--include-failed counts 7"
expect_rc 0 "--include-failed, json" -- "$IRQ" compare --db "$DB" --include-failed --format json "$A" "$B"
v=$(jq -r '.tables[0].rows[] | select(.metric == "exit.write_cr8/iter") | "\(.base_mean) \(.new_mean) \(.new_n)"' "$T/out")
[ "$v" = "1 7.5 6" ] && ok "--include-failed: the verdict failure's 30 exits/iter counted (mean 7.5 of 6)" || bad "--include-failed row: '$v'"
expect_rc 2 "the verdict failure alone is no complete run" -- "$IRQ" compare --db "$DB" "$A" verdict-failed-fixed
expect_err_line "^irqlbench: compare: no complete runs match 'verdict-failed-fixed': see 'irqlbench results list'$" "says no complete runs"

# model runs whose costs came from different sources are never pooled: a
# group per cost source, labelled with it.  l61 and unfixed, 2 runs each,
# with the default costs and with the costs of lab run $idb (write_cr8
# 1 us); l61 once more with those of another lab run, and once with $idb's
# but a --cost
C=$T/costs
idb2=$(grep lab-nested-spinlock-fixed "$T/ids" | sed -n 2p)
MC() { "$IRQ" model -q --workload nested-spinlock --param depth=2 --param iterations=100 "$@"; }
MC --policy l61,unfixed --runs 2 --out-dir "$C/default" || bail "model, default costs"
MC --policy l61,unfixed --runs 2 --costs-from "$T/rec/$idb/record.json" --out-dir "$C/lab" ||
	bail "model --costs-from $idb"
MC --policy l61 --costs-from "$T/rec/$idb2/record.json" --out-dir "$C/lab2" || bail "model --costs-from $idb2"
MC --policy l61 --costs-from "$T/rec/$idb/record.json" --cost exit_cr8=777 --out-dir "$C/over" ||
	bail "model --costs-from $idb --cost exit_cr8=777"
CDB=$C/irqlbench.db
"$IRQ" results import --db "$CDB" "$C/default" "$C/lab" >/dev/null || bail "import the model runs"
expect_rc 0 "compare policy=l61 policy=unfixed: default costs and $idb's on each side" -- \
	"$IRQ" compare --db "$CDB" policy=l61 policy=unfixed
eq "a table per cost source, never one of both" "$(grep -c '^params: workload=nested-spinlock depth=2 dpc=1$' "$T/out")" 2
expect_grep "^base: policy=l61 \(2 runs of model l61 \(default costs\), simulated\)    new: policy=unfixed \(2 runs of model unfixed \(default costs\), simulated\)$" \
	"$T/out" "the default costs' table: its label says so"
expect_grep "^base: policy=l61 \(2 runs of model l61 \(costs from run $idb\), simulated\)    new: policy=unfixed \(2 runs of model unfixed \(costs from run $idb\), simulated\)$" \
	"$T/out" "the measured costs' table: its label names their run"
if grep -q '4 runs' "$T/out"; then bad "no side pools the 4 runs"; else ok "no side pools the 4 runs"; fi
expect_rc 0 "compare policy=l61 policy=unfixed --format json" -- \
	"$IRQ" compare --db "$CDB" --format json policy=l61 policy=unfixed
eq "json: each table's sides name their cost source" \
	"$(jq -c '[.tables[] | [.base.costs, .new.costs, .base.runs]] | sort' "$T/out")" \
	"[[\"costs from run $idb\",\"costs from run $idb\",2],[\"default costs\",\"default costs\",2]]"
eq "json: and their labels" "$(jq -r '[.tables[] | .base.label] | sort | join("; ")' "$T/out")" \
	"model l61 (costs from run $idb), simulated; model l61 (default costs), simulated"
eq "json: the exit time only where the costs were measured" \
	"$(jq -r '.tables[] | select(.base.costs != "default costs") | .rows[] | select(.metric == "exit_ns.write_cr8.mean") | .base_mean' "$T/out")" \
	"$(jq -r '[.phases[] | select(.measured) | .vcpus[].exit_times.write_cr8.mean] | .[0] / 1000' "$T/rec/$idb/record.json")"
eq "json: model sides are simulated" "$(jq -c '[.tables[] | .base.time, .new.time] | unique' "$T/out")" '["simulated"]'
eq "json: a model latency, the same in every run a side: constant, untested, a change" \
	"$(jq -c '[.tables[] | .rows[] | select(.metric == "dpc_queue_to_run.p50") | [.constant, .tested, .significant, .p]] | unique' "$T/out")" \
	'[[true,false,true,null]]'
expect_rc 0 "compare policy=l61 policy=unfixed (text)" -- "$IRQ" compare --db "$CDB" policy=l61 policy=unfixed
expect_grep "dpc_queue_to_run\.p50 \[µs\]  \(no spread: one value a side, no test, n=2\+2\)" "$T/out" \
	"text: the model's copies are no sample: no spread, no test"
if grep -q "run more" "$T/err"; then bad "no 'run more' for sides whose latencies do not vary"; else ok "no 'run more' for sides whose latencies do not vary"; fi
expect_rc 0 "compare --format csv" -- "$IRQ" compare --db "$CDB" --format csv policy=l61 policy=unfixed
expect_grep "^exit\.write_cr8/iter,.*,\"model l61 \(default costs\), simulated\",\"model unfixed \(default costs\), simulated\",$" "$T/out" "csv: the labels"
expect_grep "^exit\.write_cr8/iter,.*,\"model l61 \(costs from run $idb\), simulated\",\"model unfixed \(costs from run $idb\), simulated\",$" "$T/out" "csv: a row a group"
# costs from another run, and with a --cost: sources of their own
"$IRQ" results import --db "$CDB" "$C/lab2" "$C/over" >/dev/null || bail "import the other model runs"
expect_rc 0 "compare policy=l61 policy=unfixed: base of 4 cost sources" -- \
	"$IRQ" compare --db "$CDB" policy=l61 policy=unfixed
eq "still the 2 tables both sides have" "$(grep -c '^params:' "$T/out")" 2
expect_grep "one table per parameter tuple and cost source both sides have; .*base alone has workload=nested-spinlock depth=2 dpc=1 \(costs from run $idb, --cost exit_cr8=777\)" \
	"$T/err" "a --cost makes a source of its own, named"
expect_grep "base alone has workload=nested-spinlock depth=2 dpc=1 \(costs from run $idb2\)" "$T/err" \
	"another run's costs: a source of its own, named"
l61d=$(jq -r .id "$C/default/nested-spinlock-l61-1.json")
l61o=$(jq -r .id "$C/over/nested-spinlock-l61.json")
expect_rc 0 "one run against one: default costs vs $idb's with a --cost" -- "$IRQ" compare --db "$CDB" "$l61d" "$l61o"
expect_grep "^base: $l61d \(1 run of model l61 \(default costs\), simulated\)    new: $l61o \(1 run of model l61 \(costs from run $idb, --cost exit_cr8=777\), simulated\)$" \
	"$T/out" "one group a side: one table, both sources named"
# another host tick (--host-hz) lets late interrupts in at other times: a source of its own
MC --policy l61 --host-hz 1000 --out-dir "$C/hz" || bail "model --host-hz 1000"
l61h=$(jq -r .id "$C/hz/nested-spinlock-l61.json")
"$IRQ" results import --db "$CDB" "$C/hz" >/dev/null || bail "import the --host-hz 1000 run"
expect_rc 0 "one run against one: default costs vs --host-hz 1000" -- "$IRQ" compare --db "$CDB" "$l61d" "$l61h"
expect_grep "^base: $l61d \\(1 run of model l61 \\(default costs\\), simulated\\)    new: $l61h \\(1 run of model l61 \\(default costs, --host-hz 1000\\), simulated\\)$" \
	"$T/out" "the host tick is named with the source"
expect_rc 0 "compare policy=l61 policy=unfixed: the 1000 Hz run pooled with no default-tick one" -- \
	"$IRQ" compare --db "$CDB" policy=l61 policy=unfixed
expect_grep "base alone has workload=nested-spinlock depth=2 dpc=1 \\(default costs, --host-hz 1000\\)" "$T/err" \
	"the 1000 Hz run: a group of its own, named"

# µs: each run's TSC cycles by its own guest.tsc_hz.  One unfixed and one
# fixed lab run, their rates set to 2 GHz and 1.5 GHz: the µs are the
# stored cycles (--cycles) / 2000 and / 1500, whatever the histograms hold
U=$T/us
mkdir -p "$U"
for x in "$ida:2000000000" "$idb:1500000000"; do
	id=${x%%:*} hz=${x#*:}
	cp -r "$T/rec/$id" "$U/"
	jq --argjson hz "$hz" '.guest.tsc_hz = $hz' "$T/rec/$id/record.json" >"$U/$id/record.json"
done
UDB=$U/irqlbench.db
"$IRQ" results import --db "$UDB" "$U" >/dev/null || bail "import the 2 GHz and 1.5 GHz runs"
cyc="$("$IRQ" results show --db "$UDB" --metrics --json "$ida" | jq '.metrics["dpc_queue_to_run.p99"]') $(
	"$IRQ" results show --db "$UDB" --metrics --json "$idb" | jq '.metrics["dpc_queue_to_run.p99"]')"
expect_rc 0 "compare --format json (µs)" -- "$IRQ" compare --db "$UDB" --format json "$ida" "$idb"
eq "json: lab sides under TCG say their time is emulated" "$(jq -r '.tables[0] | "\(.base.time); \(.new.time); \(.base.label)"' "$T/out")" \
	"emulated time; emulated time; lab unfixed, emulated time"
us=$(jq -r '.tables[0].rows[] | select(.metric == "dpc_queue_to_run.p99") | "\(.base_mean) \(.new_mean) \(.unit)"' "$T/out")
want=$(awk '{ printf "%.6g %.6g us", $1 / 2000, $2 / 1500 }' <<<"$cyc")
got=$(awk '{ printf "%.6g %.6g %s", $1, $2, $3 }' <<<"$us")
eq "µs = cycles / (tsc_hz / 1e6), per run (2 GHz base, 1.5 GHz new)" "$got" "$want"
# --cycles: cycles of 2 GHz and of 1.5 GHz are no one axis
expect_rc 2 "compare --cycles, runs of 2 GHz and 1.5 GHz" -- "$IRQ" compare --db "$UDB" --cycles "$ida" "$idb"
expect_err_line "^irqlbench: compare: --cycles: [a-z_]+\.p(50|99): new run $idb is at 1500000000 Hz, base run $ida at 2000000000 Hz \(guest\.tsc_hz\): cycles of different TSC rates are not comparable; compare in µs, the default \(drop --cycles\)$" \
	"--cycles, different rates: one line naming the runs, their rates and the fix"
[ ! -s "$T/out" ] && ok "--cycles, different rates: no table" || bad "--cycles, different rates: a table was printed"
expect_rc 0 "--cycles with no row in cycles ('exit.*': counts)" -- \
	"$IRQ" compare --db "$UDB" --cycles --metric 'exit.*' "$ida" "$idb"
# one TSC as two boots calibrate it (30 ppm apart): one rate, in cycles
jq '.guest.tsc_hz = 2000060000' "$T/rec/$idb/record.json" >"$U/$idb/record.json"
"$IRQ" results delete --db "$UDB" "$idb" >/dev/null && "$IRQ" results import --db "$UDB" "$U/$idb" >/dev/null ||
	bail "import the run at 2.00006 GHz"
expect_rc 0 "compare --cycles --format json, 2 GHz and 2.00006 GHz (a calibration's ppm)" -- \
	"$IRQ" compare --db "$UDB" --cycles --format json "$ida" "$idb"
eq "--cycles: the stored cycles" \
	"$(jq -r '.tables[0].rows[] | select(.metric == "dpc_queue_to_run.p99") | "\(.base_mean) \(.new_mean) \(.unit)"' "$T/out")" \
	"$cyc cycles"
# the model's default 2.5 GHz against a --costs-from record's 2.994 GHz
expect_rc 2 "compare --cycles, model runs of default costs and of $idb's" -- \
	"$IRQ" compare --db "$CDB" --cycles "$l61d" "$l61o"
expect_err_line "^irqlbench: compare: --cycles: [a-z_]+\.p(50|99): base run $l61d is at 2500000000 Hz, new run $l61o at 2994000000 Hz \(guest\.tsc_hz\): .*\(drop --cycles\)$" \
	"--cycles, the model's rate and a measured record's: refused"
expect_rc 0 "the same in µs" -- "$IRQ" compare --db "$CDB" "$l61d" "$l61o"
expect_rc 0 "compare (text, µs)" -- "$IRQ" compare --db "$UDB" --metric 'dpc_queue_to_run.p99' "$ida" "$idb"
expect_grep "dpc_queue_to_run\.p99 \[µs\] +\(too few runs, n=1\+1\)$" "$T/out" "the text table names the unit"
# a record without guest.tsc_hz: that row stays in cycles, and a warning says so
jq 'del(.guest.tsc_hz)' "$T/rec/$idb/record.json" >"$U/$idb/record.json"
"$IRQ" results delete --db "$UDB" "$idb" >/dev/null && "$IRQ" results import --db "$UDB" "$U/$idb" >/dev/null ||
	bail "import the run without guest.tsc_hz"
expect_rc 0 "compare with a run that gives no guest.tsc_hz" -- "$IRQ" compare --db "$UDB" "$ida" "$idb"
expect_grep "dpc_queue_to_run\.p99 \[cycles\] +\(too few runs, n=1\+1\)$" "$T/out" "no rate: the row in cycles"
expect_grep "exit_ns\.write_cr8\.mean \[µs\]" "$T/out" "the exit times need no rate: still µs"
expect_grep "warning: 0 base and 1 new run\(s\) give no guest\.tsc_hz: their histograms' percentiles are in TSC cycles, not µs" \
	"$T/err" "warns which side lacks the rate"
# ... and when the other runs are of different rates, those cycles are no
# one axis either: another fixed run at 1.5 GHz beside the one without
cp -r "$T/rec/$idb2" "$U/"
jq '.guest.tsc_hz = 1500000000' "$T/rec/$idb2/record.json" >"$U/$idb2/record.json"
"$IRQ" results import --db "$UDB" "$U/$idb2" >/dev/null || bail "import a fixed run at 1.5 GHz"
expect_rc 2 "in cycles for want of a rate, the other runs of 2 GHz and 1.5 GHz" -- \
	"$IRQ" compare --db "$UDB" variant=unfixed variant=fixed
expect_err_line "^irqlbench: compare: [a-z_]+\.p(50|99): new run $idb2 is at 1500000000 Hz, base run $ida at 2000000000 Hz \(guest\.tsc_hz\), and a run without guest\.tsc_hz keeps that row in cycles: .*leave out the runs whose record gives no guest\.tsc_hz" \
	"one line naming the runs, their rates and the fix"
finish
