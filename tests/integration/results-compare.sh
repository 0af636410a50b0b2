#!/bin/bash
# `irqlbench compare` on synthetic records with known answers: the lab's
# unfixed vs fixed nested-spinlock (5 runs each): write_cr8 exits +200%,
# significant (exact Mann-Whitney p = 2/252); constant equal metrics print
# '~'; --fail-on exit codes; output formats; the n < 5 warning.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq

"$GEN" "$T/rec" 5 >"$T/ids"
# a complete fixed run whose own verdict failed, with 10x the write_cr8
# exits: counted, it would move the mean and the p-value
verdict_failed "$T/rec/$(grep lab-nested-spinlock-fixed "$T/ids" | head -1)" "$T/rec" verdict-failed-fixed 10
DB=$T/irqlbench.db
"$IRQ" results import --db "$DB" "$T/rec" >/dev/null || bail "import"
A=variant=unfixed,workload=nested-spinlock
B=variant=fixed,workload=nested-spinlock

expect_rc 0 "compare $A $B" -- "$IRQ" compare --db "$DB" "$A" "$B"
cp "$T/out" "$T/text"
expect_grep "^ +1 +\+200\.0% +3 +exit\.write_cr8/iter +\(p=0\.00794 n=5\+5\)" "$T/text" \
	"write_cr8 exits/iter 1 -> 3: +200.0%, significant (p = 2/252)"
expect_grep "^ +0 +\+inf% +100 +delivery\.immediate_pct" "$T/text" "immediate delivery 0 -> 100%"
expect_grep "~ \(\+0\.0%\) .* exit\.io/iter +\(p=1 n=5\+5\)" "$T/text" "identical io exits print ~ (p=1)"
expect_grep "~ \(\+0\.0%\) .* cr8_writes/iter" "$T/text" "identical CR8 writes print ~"
expect_grep "base-mean +±%sd +%change +new-mean +±%sd +metric" "$T/text" "LKP-style header"
if grep -q warning "$T/err"; then bad "no n<5 warning expected with 5+5 runs"; else ok "no warning with 5 runs a side"; fi

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
expect_rc 0 "--fail-on on an unchanged metric ('exit.io/iter>-10', not significant)" -- \
	"$IRQ" compare --db "$DB" --fail-on 'exit.io/iter>-10' "$A" "$B"
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
v=$(jq -r '.rows[] | select(.metric == "exit.write_cr8/iter") | "\(.base_mean) \(.new_mean) \(.significant)"' "$T/out")
[ "$v" = "1 3 true" ] && ok "json row: $v" || bad "json row: '$v'"
expect_rc 0 "--format csv" -- "$IRQ" compare --db "$DB" --format csv "$A" "$B"
expect_grep "^exit\.write_cr8/iter,5,1,0,5,3,0,200,0\.00793651,1$" "$T/out" "csv row"
expect_rc 0 "--format markdown" -- "$IRQ" compare --db "$DB" --format markdown --metric 'exit.*' "$A" "$B"
expect_grep "^\| 1 \| +\| \+200\.0% \| 3 \|" "$T/out" "markdown row"
if grep -q 'cr8_writes' "$T/out"; then bad "--metric 'exit.*' kept other metrics"; else ok "--metric filters rows"; fi

# two single runs: the warning, and nothing is significant
ida=$(grep lab-nested-spinlock-unfixed "$T/ids" | head -1)
idb=$(grep lab-nested-spinlock-fixed "$T/ids" | head -1)
expect_rc 0 "compare two run ids" -- "$IRQ" compare --db "$DB" --fail-on 'exit.write_cr8/iter>100' "$ida" "$idb"
expect_grep "warning: base has 1 run\(s\), fewer than 5" "$T/err" "n < 5 warning"
expect_grep "~ \(\+200\.0%\) .* exit\.write_cr8/iter" "$T/out" "1 vs 1 run: change shown, marked ~"
# failed runs are left out unless asked for
expect_rc 0 "failed runs left out" -- "$IRQ" compare --db "$DB" "$A" "$B"
expect_grep "new: variant=fixed,workload=nested-spinlock \(5 runs\)" "$T/out" "5 fixed runs (the failed 6th and the verdict failure left out)"
expect_rc 0 "--include-failed" -- "$IRQ" compare --db "$DB" --include-failed "$A" "$B"
expect_grep "\(7 runs\)" "$T/out" "--include-failed counts 7"
expect_rc 0 "--include-failed, json" -- "$IRQ" compare --db "$DB" --include-failed --format json "$A" "$B"
v=$(jq -r '.rows[] | select(.metric == "exit.write_cr8/iter") | "\(.base_mean) \(.new_mean) \(.new_n)"' "$T/out")
[ "$v" = "1 7.5 6" ] && ok "--include-failed: the verdict failure's 30 exits/iter counted (mean 7.5 of 6)" || bad "--include-failed row: '$v'"
expect_rc 2 "the verdict failure alone is no complete run" -- "$IRQ" compare --db "$DB" "$A" verdict-failed-fixed
expect_err_line "^irqlbench: compare: no complete runs match 'verdict-failed-fixed': see 'irqlbench results list'$" "says no complete runs"
finish
