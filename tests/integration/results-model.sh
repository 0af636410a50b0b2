#!/bin/bash
# Real records from `irqlbench model` through the store: import, the
# exit-count matrix, compare prefix vs fixed (5 deterministic runs a side:
# write_cr8 compared exactly against suites.cfg's values, --fail-on fires), the verify decision per policy from the
# store (verify --db --select: FIXED for the policies of family fixed,
# UNFIXED for those of family unfixed, INCONCLUSIVE for avic) and the depth
# plot's data.  What runs and every number expected are
# workloads/suites.cfg's, read through 'irqlbench list --suites --format
# json': the entries of group verify, the nested-spinlock entries that set
# only the depth (the plot's N), the entry of group compare; the exits per
# iteration each must give under each policy.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq
MODEL=$IRQ
pols=fixed,l61,l72,prefix,unfixed,avic
"$MODEL" list --suites --format json >"$T/suites.json" || { bad "list --suites"; finish; }
# the entries that run: group verify, the depth sweep, group compare (once each)
jq -c '[.entries[] | select((.groups | index("verify")) or (.groups | index("compare")) or
	(.workload == "nested-spinlock" and .vcpus == 1 and (.params | keys) == ["depth"]))]' \
	"$T/suites.json" >"$T/run.json"
CMP=$(jq -c '[.entries[] | select(.groups | index("compare"))][0]' "$T/suites.json")
[ "$CMP" != null ] || { bad "no entry in group compare"; finish; }
# params ENTRY-JSON: -p k=v for each of its own parameters
params() { jq -r '.params | to_entries[] | "-p\n\(.key)=\(.value)"' <<<"$1"; }
m() { "$MODEL" model -q -p iterations=100 -p warmup=4 "$@" >>"$T/model.log" 2>&1 || echo "model $* failed" >>"$T/model.err"; }
while read -r e; do
	mapfile -t p < <(params "$e")
	m -w "$(jq -r .workload <<<"$e")" -P "$pols" "${p[@]}" -o "$T/m/$(jq -r .name <<<"$e")"
done < <(jq -c '.[]' "$T/run.json")
mapfile -t p < <(params "$CMP")
for r in 2 3 4 5; do m -w "$(jq -r .workload <<<"$CMP")" -P fixed,prefix "${p[@]}" -o "$T/m/compare-r$r"; done
[ -s "$T/model.err" ] && { bad "model runs: $(head -3 "$T/model.err")"; tail -5 "$T/model.log"; finish; }
n=$(find "$T/m" -name '*.json' | wc -l)
ok "model wrote $n records"
DB=$T/store/irqlbench.db
expect_rc 0 "import the model's records" -- "$IRQ" results import --db "$DB" "$T/m"
expect_grep "^$n imported, 0 unchanged, 0 refused" "$T/out" "all $n imported"

expect_rc 0 "report --tables" -- "$IRQ" report --tables --db "$DB" --metric exit.write_cr8/iter
cols=$(tr , '\n' <<<"$pols" | sort)
expect_grep "^\| workload \|$(for p in $cols; do printf ' model:%s \\|' "$p"; done)" "$T/out" "matrix columns"
# a row per entry, as report names it (the workload, N=depth); the cells
# are the file's exits under each policy
while IFS='|' read -r label exits; do
	[ "$(jq --arg l "$label" '[.[] | select((.workload + (if .params.depth then " N=\(.params.depth)" else "" end)) == $l)] | length' "$T/run.json")" = 1 ] ||
		{ echo "     (row $label: more than one entry, not checked)"; continue; }
	expect_grep "^\| $label \|${exits//|/\\|}" "$T/out" "$label: exits per iteration as the file says:$exits"
done < <(jq -r --arg cols "$cols" '.[] | (.workload + (if .params.depth then " N=\(.params.depth)" else "" end)) as $l |
	. as $e | "\($l)|" + ([$cols | split("\n")[] | " \($e.policies[.].exits) |"] | join(""))' "$T/run.json")

# compare prefix vs fixed on the entry of group compare
sel=$(jq -r '"workload=\(.workload)" + (.params | to_entries | map(",\(.key)=\(.value)") | join(""))' <<<"$CMP")
read -r ea eb ia ib < <(jq -r '.policies | [.prefix.exits, .fixed.exits,
	(100 * .prefix.immediate / (.prefix.immediate + .prefix.late) | floor),
	(100 * .fixed.immediate / (.fixed.immediate + .fixed.late) | floor)] | @tsv' <<<"$CMP")
pct=$(awk -v a="$ea" -v b="$eb" 'BEGIN { if (a == 0) print "+inf%"; else printf "%+.1f%%\n", (b - a) * 100 / a }' | sed 's/[.+]/\\&/g')
expect_rc 1 "compare prefix vs fixed ($sel) --fail-on 'exit.write_cr8/iter>50'" -- \
	"$IRQ" compare --db "$DB" --fail-on 'exit.write_cr8/iter>50' "policy=prefix,$sel" "policy=fixed,$sel"
expect_grep "^params: $(sed 's/,/ /g' <<<"$sel")( |$)" "$T/out" "headed by the entry's parameter tuple"
expect_grep "^ +$ea +$pct +$eb +exit\.write_cr8/iter +\(exact, expected $ea and $eb, n=5\+5\)$" "$T/out" "write_cr8 $ea -> $eb per iteration, exact, as expected"
expect_grep "^ +$ia +\S+ +$ib +delivery\.immediate_pct" "$T/out" "immediate delivery $ia -> $ib%"

for p in fixed l61 l72 prefix unfixed avic; do
	case $(jq -r --arg p $p '.[0].policies[$p].family' "$T/run.json") in
	fixed) want=0 v=FIXED ;; unfixed) want=10 v=UNFIXED ;; *) want=11 v=INCONCLUSIVE ;;
	esac
	expect_rc $want "verify --db --select policy=$p: $v" -- "$IRQ" verify --db "$DB" --select "policy=$p"
	expect_grep "^verdict: $v$" "$T/out" "$p: prints $v"
	expect_grep "^reason: ." "$T/out" "$p: with its reason"
done

expect_rc 0 "plot" -- "$IRQ" plot --db "$DB" --out-dir "$T/plots" --no-dashboard
awk '/"model:fixed"$/{f=1;next} /^"N"/{f=0} f && NF==2{print}' "$T/plots/data/cr8-vs-depth.dat" | tr '\n' ' ' >"$T/fixed"
want=$(jq -r '[.[] | select(.workload == "nested-spinlock") | [.params.depth, .policies.fixed.exits]] |
	unique | map("\(.[0]) \(.[1]) ") | join("")' "$T/run.json")
[ "$(cat "$T/fixed")" = "$want" ] && ok "depth plot data, model fixed: the file's exits per N ($want)" ||
	bad "depth plot data: $(cat "$T/fixed"), want $want"
finish
