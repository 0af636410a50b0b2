#!/bin/bash
# `irqlbench report --tables`: the exit-count matrix (workloads x
# backend:policy/variant) as Markdown and LaTeX, from synthetic records.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq

"$GEN" "$T/rec" 2 >"$T/ids"
# complete runs whose own verdict failed, with other write_cr8 counts:
# counted, they would change the cells below
verdict_failed "$T/rec/$(grep lab-nested-spinlock-fixed "$T/ids" | head -1)" "$T/rec" verdict-failed-fixed 10
verdict_failed "$T/rec/$(grep model-nested-spinlock-prefix-d4 "$T/ids" | head -1)" "$T/rec" verdict-failed-prefix 5
DB=$T/irqlbench.db
"$IRQ" results import --db "$DB" "$T/rec" >/dev/null || bail "import"

expect_rc 0 "report --tables" -- "$IRQ" report --tables --db "$DB"
cp "$T/out" "$T/md"
expect_grep "^\*\*CR8-write exits per iteration \(exit\.write_cr8/iter\)\*\*" "$T/md" "md: title"
expect_grep "^\| workload \| lab:fixed \| lab:unfixed \| model:fixed \| model:prefix \| tcg:tcg \|" "$T/md" "md: columns"
expect_grep "^\| nested-spinlock N=2 \| 3 \| 1 \| 3 \| 1 \| — \|" "$T/md" "md: N=2 row 3/1 (2N-1 vs 1)"
expect_grep "^\| nested-spinlock N=4 \| — \| — \| 7 \| 1 \| — \|" "$T/md" "md: N=4 row 7/1"
expect_grep "^\| masked-clock \| 2 \| 1 \|" "$T/md" "md: masked-clock 2/1 (no depth: not one of its parameters)"
expect_grep "^\| nested-spinlock N=2 \| 100 \| 0 \| 100 \| 0 \|" "$T/md" "md: immediate delivery 100/0"
expect_rc 0 "report --tables --format latex" -- "$IRQ" report --tables --format latex --db "$DB"
expect_grep '^\\begin\{tabular\}\{lrrrrr\}' "$T/out" "latex: tabular"
expect_grep '^workload & lab:fixed & lab:unfixed & model:fixed & model:prefix & tcg:tcg \\\\' "$T/out" "latex: header"
expect_grep '^nested-spinlock N=3 & -- & -- & 5 & 1 & -- \\\\' "$T/out" "latex: N=3 row"
expect_grep '\\caption\{CR8-write exits per iteration \(exit\.write\\_cr8/iter\)\}' "$T/out" "latex: escaped caption"
expect_rc 0 "report --metric exit.npf/iter --select backend=lab" -- \
	"$IRQ" report --tables --db "$DB" --metric exit.npf/iter --select backend=lab
if grep -q 'model:' "$T/out"; then bad "--select backend=lab kept model columns"; else ok "--select filters columns"; fi
expect_rc 2 "report --tables --select selecting nothing: a usage error, as --paper's" -- \
	"$IRQ" report --tables --db "$DB" --select variant=nope
expect_err_line "^irqlbench: report: --select selects no run of .*: see 'irqlbench results list'" \
	"--select selecting nothing: one line"
eq "--select selecting nothing: no empty tables" "$(wc -c <"$T/out")" 0
# model runs of other costs than the defaults: a column of their own, never
# pooled with the default-cost runs (as compare)
MD=$T/model.db
for c in "" "--cost exit_cr8=777"; do
	# shellcheck disable=SC2086
	"$IRQ" model -q --workload nested-spinlock --param depth=2 --param iterations=20 --policy l61 $c \
		--out-dir "$T/m${c:+-cost}" >/dev/null || bail "model $c"
	"$IRQ" results import --db "$MD" "$T/m${c:+-cost}" >/dev/null || bail "import model $c"
done
expect_rc 0 "report --json, default-cost and --cost model runs" -- "$IRQ" report --tables --json --db "$MD" \
	--metric exit.write_cr8/iter
eq "a column per cost source" "$(jq -c '.tables[0].columns' "$T/out")" \
	'["model:l61","model:l61 (default costs, --cost exit_cr8=777)"]'
eq "each cell one run" "$(jq -c '[.tables[0].rows[0].cells[] | .n]' "$T/out")" '[1,1]'
expect_missing_values report --tables --db --format --metric --select
expect_rc 0 "report --include-failed" -- "$IRQ" report --tables --db "$DB" --include-failed --metric exit.write_cr8/iter
expect_grep "^\| nested-spinlock N=2 \| 12 ±16 \| 1 \| 3 \| 1 \| — \|" "$T/out" "--include-failed: the lab fixed N=2 cell counts the verdict failure (3, 3, 30: 12 ±16)"
expect_grep "^\| nested-spinlock N=4 \| — \| — \| 7 \| 2.33 ±2.3 \| — \|" "$T/out" "--include-failed: the prefix N=4 cell counts it (1, 1, 5)"
expect_rc 2 "report --format html" -- "$IRQ" report --tables --db "$DB" --format html
# a --metric that no stored run has is a typo: a usage error, no empty table
expect_rc 2 "--metric that no run has" -- "$IRQ" report --tables --db "$DB" --metric nosuch.metric
expect_err_line "^irqlbench report: --metric nosuch.metric: no stored run has this metric" "names the metric and where the names are"
[ ! -s "$T/out" ] && ok "no table printed for it" || bad "a table was printed"
finish
