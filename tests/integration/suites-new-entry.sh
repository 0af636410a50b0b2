#!/bin/bash
# usage: tests/integration/suites-new-entry.sh
#
# One entry added to a copy of workloads/suites.cfg (IRQLBENCH_SUITES), and
# nothing else edited, is everywhere the file is read: `irqlbench list
# --suites` with its expectations evaluated from its workload's formulas,
# make run's plan (host/make-run.sh --plan: the model and the measured
# backend), the case lists of tcg-workloads.sh (group tcg) and
# lab-crosscheck.sh (group crosscheck), with the numbers they will check,
# and verify (group verify): `verify --backend model` runs it and judges it
# by the file's numbers, as verify --select does.  Nothing boots.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need_built
need_pkg jq

cp workloads/suites.cfg "$TMP/suites.cfg"
cat >>"$TMP/suites.cfg" <<'EOF'

# added by tests/integration/suites-new-entry.sh
[added-masked-clock-irql]
workload = masked-clock
params = clock_raises_irql=1
groups = default verify crosscheck tcg
clock = timer
EOF
export IRQLBENCH_SUITES=$TMP/suites.cfg
new=added-masked-clock-irql

# --- list --suites ---------------------------------------------------------------
"$IRQLBENCH" list --suites >"$TMP/text" 2>"$TMP/e"
eq "list --suites: status" $? 0
ok "list --suites: the entry, at its line" grep -q "^$new  ($TMP/suites.cfg:[0-9]*)\$" "$TMP/text"
ok "list --suites: its formulas are masked-clock's" \
	grep -A 12 "^$new " "$TMP/text" | grep -q '  formulas: those of entry masked-clock (line'
"$IRQLBENCH" list --suites --group default --format json >"$TMP/json"
eq "list --suites --group default: one entry more than the file's own" \
	"$(jq '.entries | length' "$TMP/json")" \
	$(( $(env -u IRQLBENCH_SUITES "$IRQLBENCH" list --suites --group default --format json | jq '.entries | length') + 1 ))
x=$(jq -c --arg n $new '.entries[] | select(.name == $n)' "$TMP/json")
eq "json: its parameters" "$(jq -c .params <<<"$x")" '{"clock_raises_irql":1}'
# clock_raises_irql adds one raise and one lower; the exits stay 2 vs 1
eq "json: CR8 writes per iteration, evaluated" \
	"$(jq -r '.per_iteration | "\(.cr8_raise) \(.cr8_same) \(.cr8_lower_unmask) \(.cr8_lower)"' <<<"$x")" "2 1 1 2"
eq "json: fixed build = model l61, 2 exits, immediate" \
	"$(jq -r '.variants.fixed | "\(.policy) \(.exits) \(.delivery)"' <<<"$x")" "l61 2 immediate"
eq "json: fix-reverted build = model unfixed, 1 exit, late" \
	"$(jq -r '.variants.unfixed | "\(.policy) \(.exits) \(.delivery)"' <<<"$x")" "unfixed 1 late"

# --- make run's plan ---------------------------------------------------------------
for b in lab model; do
	IRQLBENCH_RUN_BACKEND=$b host/make-run.sh --plan >"$TMP/plan-$b" 2>"$TMP/e"
	eq "make run --plan ($b): status" $? 0
	ok "make run --plan ($b): the model runs it" grep -q \
		"irqlbench model --policy all --out-dir .*/model/$new --workload masked-clock --param iterations=200 --param clock_raises_irql=1\$" \
		"$TMP/plan-$b"
done
# the lab: verify (group verify, which has the entry) of the newest kernel
# as shipped, with its control, fix-reverted and fixed
ok "make run --plan (lab): verify in the lab, the newest kernel with its control" grep -Eq \
	"irqlbench verify --backend lab --kernels [0-9.]+-[0-9]+ --runs 2 --iterations 200 --db .*/run.db --out-dir .*/lab --tag make-run-" \
	"$TMP/plan-lab"
IRQLBENCH_RUN_BACKEND=kvm host/make-run.sh --plan >"$TMP/plan-kvm" 2>"$TMP/e"
eq "make run --plan (kvm): status" $? 0
ok "make run --plan (kvm): verify on this host's KVM, with its verdict file" grep -Eq \
	"irqlbench verify --backend kvm --runs 2 --iterations 200 --db .*/run.db --out-dir .*/kvm-verify --tag make-run-" \
	"$TMP/plan-kvm"
ok "make run --plan: nothing written" test ! -e "$(sed -n 's/^make run: records in \([^,]*\),.*/\1/p' "$TMP/plan-lab")"

# --- the tests' case lists -----------------------------------------------------------
BUILD=$BUILD bash tests/integration/tcg-workloads.sh --cases >"$TMP/tcg" 2>&1
eq "tcg-workloads.sh --cases: status" $? 0
ok "tcg-workloads.sh --cases: the entry with its counts" grep -qx \
	"$new: masked-clock iterations=50 warmup=2 clock_raises_irql=1 vcpus=1: per vCPU and iteration cr8_raise=2 cr8_same=1 cr8_lower_unmask=1 cr8_lower=2 cr8_elided=0 cr8_writes=6 clock_interrupts=1" \
	"$TMP/tcg"
BUILD=$BUILD bash tests/integration/lab-crosscheck.sh --cases >"$TMP/cc" 2>&1
eq "lab-crosscheck.sh --cases: status" $? 0
ok "lab-crosscheck.sh --cases: the entry with its exits and delivery per build" grep -qx \
	"$new: masked-clock clock_raises_irql=1 vcpus=1: fixed build (model l61) 2 write_cr8 per iteration, immediate; unfixed build (model unfixed) 1 write_cr8 per iteration, late" \
	"$TMP/cc"

# --- verify ------------------------------------------------------------------------
"$IRQLBENCH" list --suites --group verify --format json >"$TMP/verify.json"
nv=$(jq '.entries | length' "$TMP/verify.json")
eq "list --suites --group verify: one entry more than the file's own" "$nv" \
	$(( $(env -u IRQLBENCH_SUITES "$IRQLBENCH" list --suites --group verify --format json | jq '.entries | length') + 1 ))
ex() { jq -r --arg p "$1" '.policies[$p].exits' <<<"$x"; }	# the entry's exits under policy $1
for p in l61 unfixed; do
	# judged by p's own expectation against the other family's
	case $(jq -r --arg p $p '.policies[$p].family' <<<"$x") in
	fixed) want=0 v=FIXED pf=$p pu=unfixed ;; *) want=10 v=UNFIXED pf=fixed pu=$p ;;
	esac
	"$IRQLBENCH" verify --backend model --policy $p --db "$TMP/v.db" --out-dir "$TMP/v-$p" \
		>"$TMP/v-$p.out" 2>"$TMP/v-$p.err"
	eq "verify --policy $p: status" $? $want
	eq "verify --policy $p: verdict" "$(sed -n 's/^verdict: //p' "$TMP/v-$p.out")" $v
	ok "verify --policy $p: ran the entries of group verify of the copy" grep -q \
		"model policy $p, $nv entries of group verify in $TMP/suites.cfg" "$TMP/v-$p.err"
	ok "verify --policy $p: the entry's run, judged by its exits in the file" grep -q \
		"masked-clock clock_raises_irql=1 \[$new\]: $(ex $p).00 write_cr8 exits/iteration ($pf $(ex $pf), $pu $(ex $pu))" \
		"$TMP/v-$p.out"
	ok "verify --policy $p: the same from the store" \
		cmp -s "$TMP/v-$p.out" <("$IRQLBENCH" verify --db "$TMP/v.db" --select policy=$p 2>&1)
done
[ $fails -eq 0 ] || cat "$TMP/e" "$TMP/tcg" "$TMP/cc" "$TMP"/v-*.out "$TMP"/v-*.err
finish
