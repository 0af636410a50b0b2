#!/bin/bash
# Real records from `irqlbench model` through the store: import, the
# exit-count matrix (2N-1 vs 1 from the model itself), compare prefix vs
# fixed (5 deterministic runs a side: significant, --fail-on fires), the
# verify decision per policy from the store (verify --db --select: FIXED for
# fixed/l61/l72, UNFIXED for prefix/unfixed, INCONCLUSIVE for avic) and the
# depth plot's data.
source "$(dirname "$0")/results-lib.sh"
MODEL=$B/bin/irqlbench
if ! [ -x "$MODEL" ] || ! "$MODEL" model --help >/dev/null 2>&1; then
	echo "SKIP: $MODEL has no 'model' command yet"; exit 77
fi
pols=fixed,l61,l72,prefix,unfixed,avic
m() { "$MODEL" model -q -p iterations=100 -p warmup=4 "$@" >>"$T/model.log" 2>&1 || echo "model $* failed" >>"$T/model.err"; }
for d in 1 2 3 4; do m -w nested-spinlock -P "$pols" -p depth=$d -o "$T/m/ns-d$d"; done
for r in 2 3 4 5; do m -w nested-spinlock -P fixed,prefix -p depth=2 -o "$T/m/ns-d2-r$r"; done
m -w masked-clock -P "$pols" -o "$T/m/mc"
m -w seed-table -P "$pols" -o "$T/m/st"
[ -s "$T/model.err" ] && { bad "model runs: $(head -3 "$T/model.err")"; tail -5 "$T/model.log"; finish; }
n=$(find "$T/m" -name '*.json' | wc -l)
ok "model wrote $n records"
DB=$T/store/irqlbench.db
expect_rc 0 "import the model's records" -- "$IRQ" results import --db "$DB" "$T/m"
expect_grep "^$n imported, 0 unchanged, 0 refused" "$T/out" "all $n imported"

expect_rc 0 "report --tables" -- "$IRQ" report --tables --db "$DB" --metric exit.write_cr8/iter
expect_grep "^\| workload \| model:avic \| model:fixed \| model:l61 \| model:l72 \| model:prefix \| model:unfixed \|" "$T/out" "matrix columns"
for d in 2 3 4; do
	e=$((2 * d - 1))
	expect_grep "^\| nested-spinlock N=$d \| 0 \| $e \| $e \| $e \| 1 \| 1 \|" "$T/out" "N=$d: fixed/l61/l72 $e (2N-1), prefix/unfixed 1, avic 0"
done
expect_grep "^\| masked-clock \| 0 \| 2 \| 2 \| 2 \| 1 \| 1 \|" "$T/out" "masked-clock: 2 vs 1"
expect_grep "^\| seed-table \| 0 \| 3 \| 3 \| 3 \| 1 \| 1 \|" "$T/out" "seed-table: 3 vs 1"

A=policy=prefix,workload=nested-spinlock,depth=2
Bs=policy=fixed,workload=nested-spinlock,depth=2
expect_rc 1 "compare prefix vs fixed at N=2 --fail-on 'exit.write_cr8/iter>50'" -- \
	"$IRQ" compare --db "$DB" --fail-on 'exit.write_cr8/iter>50' "$A" "$Bs"
expect_grep "^ +1 +\+200\.0% +3 +exit\.write_cr8/iter +\(p=0\.00794 n=5\+5\)" "$T/out" "write_cr8 1 -> 3 per iteration, significant"
expect_grep "^ +0 +\+inf% +100 +delivery\.immediate_pct" "$T/out" "immediate delivery 0 -> 100%"

for p in fixed l61 l72 prefix unfixed avic; do
	case $p in fixed|l61|l72) want=0 v=FIXED ;; prefix|unfixed) want=10 v=UNFIXED ;; *) want=11 v=INCONCLUSIVE ;; esac
	expect_rc $want "verify --db --select policy=$p: $v" -- "$IRQ" verify --db "$DB" --select "policy=$p"
	expect_grep "^verdict: $v$" "$T/out" "$p: prints $v"
	expect_grep "^reason: ." "$T/out" "$p: with its reason"
done

expect_rc 0 "plot" -- "$IRQ" plot --db "$DB" --out-dir "$T/plots" --no-dashboard
awk '/"model:fixed"$/{f=1;next} /^"N"/{f=0} f && NF==2{print}' "$T/plots/data/cr8-vs-depth.dat" | tr '\n' ' ' >"$T/fixed"
[ "$(cat "$T/fixed")" = "1 1 2 3 3 5 4 7 " ] && ok "depth plot data, model fixed: 2N-1" || bad "depth plot data: $(cat "$T/fixed")"
finish
