#!/bin/bash
# irqlbench verify: FIXED (exit 0) for the model's fixed and l61 and for the
# lab's fixed kvm_amd build, UNFIXED (exit 1) for prefix, unfixed and the
# lab's fix-reverted build, INCONCLUSIVE (exit 2) where CR8 writes never
# exit (avic), each with its evidence.
. "$(dirname "$0")/lib.sh"
need_guest

verify() {	# verify NAME EXPECTED-STATUS EXPECTED-VERDICT ARGS...
	local name=$1 want=$2 verdict=$3; shift 3
	"$IRQLBENCH" verify --out-dir "$TMP/$name" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	local rc=$?
	eq "$name: exit status" "$rc" "$want"
	eq "$name: verdict" "$(sed -n 's/^verdict: //p' "$TMP/$name.out")" "$verdict"
	ok "$name: evidence lists the runs" grep -q 'nested-spinlock' "$TMP/$name.out"
	[ "$rc" = "$want" ] || { cat "$TMP/$name.out" "$TMP/$name.err"; }
}

for p in fixed l61 l72; do verify model-$p 0 FIXED --backend model --policy $p; done
for p in prefix unfixed; do verify model-$p 1 UNFIXED --backend model --policy $p; done
verify model-avic 2 INCONCLUSIVE --backend model --policy avic
"$IRQLBENCH" verify --backend nope >/dev/null 2>&1; eq "unknown backend: exit status" "$?" 2

if [ -n "${IRQLBENCH_SKIP_LAB:-}" ]; then
	echo "lab part skipped: IRQLBENCH_SKIP_LAB is set"
else
	verify lab-fixed 0 FIXED --backend lab --variant fixed --iterations 50
	verify lab-unfixed 1 UNFIXED --backend lab --variant unfixed --iterations 50
fi
finish
