#!/bin/bash
# model-cli.sh - `irqlbench model` end to end: records per policy (schema
# keys, exits/injections/delivery per phase), the docs/lab.md numbers through
# the CLI, scenario scripts unchanged, the error statuses and the limits.
. "$(dirname "$0")/lib.sh"
[ -x "$IRQLBENCH" ] || skip "no irqlbench binary: run make"
need_cmd jq
"$IRQLBENCH" model --help >/dev/null 2>&1 ||
	skip "irqlbench has no 'model' command yet (host/commands.c must list cmd_model)"

M() { "$IRQLBENCH" model "$@"; }

# --- records: nested-spinlock depth 3, every policy --------------------------
out=$TMP/nest
M --workload nested-spinlock --policy all --param depth=3 --param iterations=100 \
	--out-dir "$out" --quiet
eq "status, all policies" $? 0
declare -A want=([prefix]=100 [fixed]=500 [l61]=500 [l72]=500 [unfixed]=100
		 [vmx-tpr]=100 [apicv]=0 [avic]=0)
declare -A late=([prefix]=100 [unfixed]=100)
for p in "${!want[@]}"; do
	f=$out/nested-spinlock-$p.json
	eq "$p record exists" "$([ -f "$f" ] && echo yes)" yes
	[ -f "$f" ] || continue
	eq "$p status" "$(jq -r .status "$f")" complete
	eq "$p backend/launcher/emulated/policy" \
		"$(jq -r '[.backend, .launcher, .emulated, .policy] | join(" ")' "$f")" \
		"model model true $p"
	eq "$p schema" "$(jq -r .schema "$f")" irqlbench-record/1
	case $p in
	vmx-tpr) cr8=$(measured "$f" '.exits.TPR_BELOW_THRESHOLD') ;;
	apicv|avic) cr8=$(measured "$f" '.exits.write_cr8') ;;
	*) cr8=$(measured "$f" '.exits.write_cr8') ;;
	esac
	eq "$p CR8 exits, 100 iterations of depth 3" "$cr8" "${want[$p]}"
	eq "$p late deliveries (model)" "$(measured "$f" '.delivery.late')" "${late[$p]:-0}"
	eq "$p late deliveries (guest)" "$(counter "$f" late_deliveries)" "${late[$p]:-0}"
	eq "$p DPC injections" "$(measured "$f" '.injections["0x2f"]')" 100
	eq "$p CR8 writes (guest)" "$(counter "$f" cr8_writes)" 800
	eq "$p serial log beside" "$([ -s "$out/nested-spinlock-$p.serial.log" ] && echo yes)" yes
done

# --- masked-clock: docs/lab.md's real kvm_amd numbers (fixed 2, unfixed 1) --------
M --workload masked-clock --policy fixed,unfixed --param iterations=50 --param clock_ipi=1 \
	--out-dir "$TMP/mc" --quiet
eq "masked-clock status" $? 0
eq "masked-clock fixed" "$(measured "$TMP/mc/masked-clock-fixed.json" '.exits.write_cr8')" 100
eq "masked-clock unfixed" "$(measured "$TMP/mc/masked-clock-unfixed.json" '.exits.write_cr8')" 50
eq "masked-clock fixed immediate" "$(measured "$TMP/mc/masked-clock-fixed.json" '.delivery.immediate')" 50
eq "masked-clock unfixed immediate" "$(measured "$TMP/mc/masked-clock-unfixed.json" '.delivery.immediate')" 0

# --- a scenario script runs unchanged ----------------------------------------
scn=workloads/scripts/seed-table.scn
if [ -f "$scn" ]; then
	M --script "$scn" --policy fixed,prefix --param iterations=20 --out-dir "$TMP/scn" --quiet
	eq "script status" $? 0
	eq "script fixed: 3 CR8 exits per run" \
		"$(measured "$TMP/scn/script-fixed.json" '.exits.write_cr8')" 60
	eq "script prefix: 1 CR8 exit per run" \
		"$(measured "$TMP/scn/script-prefix.json" '.exits.write_cr8')" 20
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
finish
