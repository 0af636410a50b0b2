#!/bin/bash
# model-cli.sh - `irqlbench model` end to end: records per policy (schema
# keys, exits/injections/delivery per phase) with the exits and deliveries
# of workloads/suites.cfg (`irqlbench list --suites --format json`: entries
# nested-spinlock-d3, masked-clock-ipi, seed-table) through the CLI,
# scenario scripts unchanged, the error statuses and the limits.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq

M() { "$IRQLBENCH" model "$@"; }
SUITE=$("$IRQLBENCH" list --suites --format json) ||
	bail "irqlbench list --suites (the line above says why)"
# an entry's value: sv ENTRY JQ-PATH (.policies.fixed.exits, .per_iteration.dpc_run, ...)
sv() { jq -r --arg e "$1" ".entries[] | select(.name == \$e) | $2" <<<"$SUITE"; }
# an entry's parameters as --param k=v
sp() { sv "$1" '.params | to_entries[] | "--param\n\(.key)=\(.value)"'; }

# --- records: nested-spinlock-d3, every policy --------------------------------
e=nested-spinlock-d3
out=$TMP/nest
mapfile -t ep < <(sp $e)
M --workload nested-spinlock --policy all "${ep[@]}" --param iterations=100 \
	--out-dir "$out" --quiet
eq "status, all policies" $? 0
for p in $(sv $e '.policies | keys[]'); do
	f=$out/nested-spinlock-$p.json
	eq "$p record exists" "$([ -f "$f" ] && echo yes)" yes
	[ -f "$f" ] || continue
	eq "$p status" "$(jq -r .status "$f")" complete
	eq "$p backend/launcher/emulated/policy" \
		"$(jq -r '[.backend, .launcher, .emulated, .policy] | join(" ")' "$f")" \
		"model model true $p"
	eq "$p schema" "$(jq -r .schema "$f")" irqlbench-record/1
	reason=$(sv $e ".policies[\"$p\"].exit")
	late=$(( $(sv $e ".policies[\"$p\"].late") * 100 ))
	eq "$p CR8 exits ($reason), 100 iterations of $e" "$(measured "$f" "exit.$reason")" \
		$(( $(sv $e ".policies[\"$p\"].exits") * 100 ))
	eq "$p late deliveries (model)" "$(measured "$f" delivery.late)" $late
	eq "$p late deliveries (guest)" "$(counter "$f" late_deliveries)" $late
	eq "$p DPC injections" "$(measured "$f" inj.0x2f)" $(( $(sv $e .per_iteration.dpc_run) * 100 ))
	eq "$p CR8 writes (guest)" "$(counter "$f" cr8_writes)" $(( $(sv $e .per_iteration.cr8_writes) * 100 ))
	eq "$p serial log beside" "$([ -s "$out/nested-spinlock-$p.serial.log" ] && echo yes)" yes
done

# --- masked-clock-ipi: the clock sequence of docs/lab.md, fixed vs unfixed ----------
e=masked-clock-ipi
mapfile -t ep < <(sp $e)
M --workload masked-clock --policy fixed,unfixed --param iterations=50 "${ep[@]}" \
	--out-dir "$TMP/mc" --quiet
eq "masked-clock status" $? 0
for p in fixed unfixed; do
	eq "masked-clock $p" "$(measured "$TMP/mc/masked-clock-$p.json" exit.write_cr8)" \
		$(( $(sv $e ".policies.$p.exits") * 50 ))
	eq "masked-clock $p immediate" "$(measured "$TMP/mc/masked-clock-$p.json" delivery.immediate)" \
		$(( $(sv $e ".policies.$p.immediate") * 50 ))
done

# --- a scenario script runs unchanged ----------------------------------------
scn=workloads/scripts/seed-table.scn
if [ -f "$scn" ]; then
	M --script "$scn" --policy fixed,prefix --param iterations=20 --out-dir "$TMP/scn" --quiet
	eq "script status" $? 0
	for p in fixed prefix; do
		eq "script $p: the seed-table entry's CR8 exits per run" \
			"$(measured "$TMP/scn/script-$p.json" exit.write_cr8)" \
			$(( $(sv seed-table ".policies.$p.exits") * 20 ))
	done
fi

# --- records by default: results/runs/<id>/ as for 'run', -q or not ----------
abs=$(realpath "$IRQLBENCH")
mkdir -p "$TMP/cwd"
(cd "$TMP/cwd" && "$abs" model -q --workload nested-spinlock --policy fixed,prefix \
	--param iterations=10 --trace --format csv >"$TMP/q.out" 2>"$TMP/e")
eq "default output: status" $? 0
eq "default output: -q prints no summary" "$(grep -c '^model ' "$TMP/q.out")" 0
for p in fixed prefix; do
	d=$(find "$TMP/cwd/results/runs" -maxdepth 1 -name "*-model-$p-nested-spinlock-*" 2>/dev/null)
	eq "default output: one $p run dir named by its id" "$(echo "$d" | grep -c .)" 1
	[ -f "$d/record.json" ] || continue
	eq "default output: $p record id = its dir" "$(jq -r .id "$d/record.json")" "$(basename "$d")"
	eq "default output: $p record complete, policy" "$(jq -r '.status + " " + .policy' "$d/record.json")" "complete $p"
	eq "default output: $p logs beside, named in artifacts" \
		"$(jq -r '.artifacts | .serial_log + " " + .trace' "$d/record.json") $(cd "$d" && ls | tr '\n' ' ')" \
		"serial.log trace.csv record.json serial.log trace.csv "
done
(cd "$TMP/cwd" && "$abs" model --workload irql-churn --policy l61 --param iterations=10 >"$TMP/s.out" 2>"$TMP/e")
rp=$(sed -n 's/^model l61 .* record \(.*\)$/\1/p' "$TMP/s.out")
eq "default output: the summary names the record" "$([ -f "$TMP/cwd/$rp" ] && echo yes)" yes
# a record that cannot be written: environment (3), one line naming the fix
: >"$TMP/cwd2"
M --workload irql-churn --policy l61,fixed --param iterations=10 --out-dir "$TMP/cwd2/x" >/dev/null 2>"$TMP/e"
eq "unwritable --out-dir: status" $? 3
eq "unwritable --out-dir: one line naming the fix" "$(grep -c . "$TMP/e") $(grep -c 'choose another --out-dir' "$TMP/e")" "1 1"
mkdir -p "$TMP/cwd3" && : >"$TMP/cwd3/results"
(cd "$TMP/cwd3" && "$abs" model --workload irql-churn --policy l61,fixed --param iterations=10 >"$TMP/o3" 2>"$TMP/e")
eq "unwritable results/runs: status" $? 3
eq "unwritable results/runs: one line naming the fix" \
	"$(grep -c . "$TMP/e") $(grep -c "cannot create results/runs/.*-model-[a-z0-9]*-irql-churn-.*: choose another --out-dir" "$TMP/e")" "1 1"
eq "unwritable results/runs: no summary claims a record" "$(grep -c . "$TMP/o3")" 0

# --- trace formats --------------------------------------------------------------
csv=$(M --workload nested-spinlock --policy fixed --param iterations=1 --param warmup=0 \
	--trace --format csv --quiet --out-dir "$TMP/csv" | head -1)
eq "csv header" "$csv" "step,t_us,ph,event,exit,inj,IRR,ISR,CR8,TPR,PPR,intercept"

# --- errors and limits: a clear message and the documented status -------------
M --workload nested-spinlock --policy bogus >/dev/null 2>"$TMP/e"; rc=$?
eq "unknown policy status" $rc 2
ok "unknown policy message" grep -q "unknown policy 'bogus'" "$TMP/e"
M --workload nope --policy fixed >/dev/null 2>"$TMP/e"
eq "unknown workload status" $? 2
M --workload nested-spinlock --policy fixed --param depth=99 >/dev/null 2>"$TMP/e"
eq "bad parameter status" $? 2
ok "bad parameter message" grep -q "out of range" "$TMP/e"
M --workload nested-spinlock --policy fixed --cost warp=1 >/dev/null 2>"$TMP/e"
eq "unknown cost status" $? 2
ok "unknown cost: one line that lists the keys, the help named once" \
	bash -c "[ \$(wc -l <'$TMP/e') = 1 ] && grep -q \"unknown cost 'warp': the keys are insn, cr8, \" '$TMP/e' && [ \$(grep -o \"irqlbench model --help\" '$TMP/e' | wc -l) = 1 ]"
M --workload hang --policy fixed >/dev/null 2>"$TMP/e"
eq "test-only workload status" $? 2
M --workload nested-spinlock --policy fixed --out-dir "$TMP/evl" >/dev/null 2>"$TMP/e" --limit events=1000
eq "event limit status" $? 4
ok "event limit message" grep -q "did not finish within 1000 simulated events" "$TMP/e"
# prefix without host ticks: the late DPC never comes; the time limit ends it
M --workload nested-spinlock --policy prefix --host-hz 0 --limit time_ms=300 \
	--out-dir "$TMP/lim" >/dev/null 2>"$TMP/e"
eq "time limit status" $? 4
ok "time limit message" grep -q "300 ms of simulated time" "$TMP/e"
eq "time-limited record is failed" "$(jq -r '.status + " " + .error.kind' "$TMP/lim/nested-spinlock-prefix.json")" "failed timeout"
# prefix without host ticks, within the guest's own 1 s wait: the DPC never
# comes, the workload's verdict fails, and the record is failed, never complete
M --workload nested-spinlock --policy prefix,fixed --host-hz 0 --param iterations=5 \
	--out-dir "$TMP/hz0" >"$TMP/o" 2>"$TMP/e"
eq "verdict fail status" $? 1
eq "verdict fail: record failed, kind verdict" \
	"$(jq -r '[.status, .error.kind, .verdict.status] | join(" ")' "$TMP/hz0/nested-spinlock-prefix.json")" \
	"failed verdict fail"
ok "verdict fail: error.message says why" \
	grep -q "the workload's own check failed: DPC interrupt not delivered" "$TMP/hz0/nested-spinlock-prefix.json"
eq "verdict fail: the other policy's record is complete" \
	"$(jq -r .status "$TMP/hz0/nested-spinlock-fixed.json")" complete
eq "verdict fail: one error line, naming the fix" \
	"$(grep -c . "$TMP/e") $(grep -c 'prefix nested-spinlock: verdict fail: .*give --host-hz N > 0' "$TMP/e")" "1 1"
ok "verdict fail: the summary says failed" grep -q '^model prefix .* failed ' "$TMP/o"
ok "verdict fail: the line names the record" grep -q "; record $TMP/hz0/nested-spinlock-prefix.json\$" "$TMP/e"
# a script whose wait can never end: IRQL stays 2 while it waits for the DPC
printf 'raise 2\ndpc\nwait_delivered 0x2f\nlower 0\n' >"$TMP/stuck.scn"
M --script "$TMP/stuck.scn" --policy fixed --limit time_ms=3000 --out-dir "$TMP/stuck" >/dev/null 2>"$TMP/e"; rc=$?
ok "never-lowering script ends with an error status ($rc)" test "$rc" -ne 0
ok "never-lowering script says why" test -s "$TMP/e"
# the seed step table as LaTeX, for papers: a tabular with escaped cells
M --workload seed-table --param iterations=1 --param warmup=1 --policy prefix --trace \
	--format latex --out-dir "$TMP/tex" >"$TMP/tex.out" 2>&1
eq "latex trace status" $? 0
ok "latex: two tabulars" test "$(grep -c '^\\begin{tabular}' "$TMP/tex.out")" -eq 2
ok "latex: escaped names" grep -q 'write\\_cr8' "$TMP/tex.out"
ok "latex: the discussion's row 6 differs under prefix" grep -q '^6 & take SL\\#2.* & yes \\\\$' "$TMP/tex.out"
# --runs N: N records of each policy, each its own id; with --out-dir the
# files are numbered; the store gets N samples a side, and compare calls the
# deterministic write_cr8 change exactly
M --workload nested-spinlock --param depth=2 --param iterations=50 --policy prefix,fixed --runs 3 \
	--out-dir "$TMP/runs3" -q >/dev/null 2>"$TMP/e"
eq "--runs 3: status" $? 0
eq "--runs 3: 6 records, numbered" "$(cd "$TMP/runs3" && ls ./*.json | tr '\n' ' ')" \
	"./nested-spinlock-fixed-1.json ./nested-spinlock-fixed-2.json ./nested-spinlock-fixed-3.json ./nested-spinlock-prefix-1.json ./nested-spinlock-prefix-2.json ./nested-spinlock-prefix-3.json "
eq "--runs 3: 6 ids" "$(cat "$TMP"/runs3/*.json | jq -r .id | sort -u | wc -l)" 6
"$IRQ" results import --db "$TMP/runs3.db" "$TMP/runs3" >/dev/null 2>&1
eq "--runs 3: imported" $? 0
"$IRQ" compare --db "$TMP/runs3.db" policy=prefix policy=fixed >"$TMP/o" 2>"$TMP/e"
eq "compare 3+3: status" $? 0
ok "compare 3+3: write_cr8 1 -> 3 exact" grep -Eq '^ +1 +\+200\.0% +3 +exit\.write_cr8/iter +\(exact, expected 1 and 3, n=3\+3\)$' "$TMP/o"
# the model is deterministic: its 3 runs are copies, no sample to test
ok "compare 3+3: a model latency has no spread, no test" \
	grep -Eq 'dpc_queue_to_run\.p50 \[µs\]  \(no spread: one value a side, no test, n=3\+3\)$' "$TMP/o"
if grep -q 'too few runs' "$TMP/o" "$TMP/e"; then bad "compare 3+3: no 'too few runs' for copies"; else ok "compare 3+3: no 'too few runs' for copies"; fi
expect_rc 2 "--runs 0 refused" -- "$IRQ" model --workload seed-table --policy fixed --runs 0
expect_rc 2 "results show --metrics on a folder" -- "$IRQ" results show --metrics "$TMP"
expect_err_line "cannot read the record $TMP: is a folder: give a record file" "results show --metrics on a folder: says so"
expect_rc 2 "--policy with an empty name" -- "$IRQ" model --workload seed-table --policy fixed,,unfixed
expect_err_line "--policy 'fixed,,unfixed' has an empty name" "--policy with an empty name: one line"
expect_rc 2 "--format without --trace" -- "$IRQ" model --workload seed-table --policy fixed --format md
expect_err_line "--format md shapes the step table: add --trace, or drop --format" "--format without --trace: one line"
# the record's path is a folder: exit 3, one line, and no serial log left without its record
mkdir -p "$TMP/blocked/nested-spinlock-fixed.json"
expect_rc 3 "record path a folder" -- "$IRQ" model --workload nested-spinlock --policy fixed --out-dir "$TMP/blocked"
expect_err_line "cannot write $TMP/blocked/nested-spinlock-fixed.json: Is a directory: choose another --out-dir" \
	"record path a folder: one line"
eq "record path a folder: nothing else written" "$(ls "$TMP/blocked")" "nested-spinlock-fixed.json"
# a FIFO nobody writes to reads as empty, refused in one line, never a wait
# for good (timeout 20: 124 would be the hang); a pipe with a writer reads once
mkfifo "$TMP/fifo"
expect_rc 2 "results show --metrics on a FIFO: no hang" -- timeout 20 "$IRQ" results show --metrics "$TMP/fifo"
expect_rc 2 "--costs-from FIFO: refused, no hang" -- timeout 20 "$IRQ" model --workload seed-table --policy fixed \
	--costs-from "$TMP/fifo"
expect_err_line "^irqlbench: model: --costs-from $TMP/fifo: .*give a record file" "--costs-from FIFO: one line"
expect_rc 2 "--script FIFO: refused, no hang" -- timeout 20 "$IRQ" model --workload script --policy fixed \
	--script "$TMP/fifo"
expect_err_line "^irqlbench: script $TMP/fifo: line 1: the script has no instructions" "--script FIFO: one line"
printf 'raise 2\nlower 0\n' >"$TMP/two.scn"
expect_rc 0 "--script <(...): the pipe is read once, the run completes" -- "$IRQ" model --workload script \
	--policy fixed --out-dir "$TMP/pipe" --script <(cat "$TMP/two.scn")
eq "--script <(...): both CR8 writes ran" "$(jq '[.phases[] | select(.measured) | .vcpus[].counters.cr8_writes // 0] | add' "$TMP/pipe/script-fixed.json")" 2
finish
