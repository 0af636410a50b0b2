#!/bin/bash
# irqlbench verify: every row of its exit statuses (cli.h), each with its
# effect.  FIXED (0) for the model's fixed, l61 and l72 and the lab's fixed
# kvm_amd build; UNFIXED (10) for prefix, unfixed and the lab's fix-reverted
# build; INCONCLUSIVE (11) where CR8 writes never exit (avic), each with its
# evidence.  Usage errors (2) are one line, found before anything runs (no
# records directory); environment (3): the records cannot be kept, or a run
# could not be made (the child's own cause quoted); 77: --backend kvm on a
# host without AMD SVM.
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

# refused NAME STATUS MESSAGE-REGEX ARGS...: one error line, nothing run or created
refused() {
	local name=$1 want=$2 re=$3; shift 3
	"$IRQLBENCH" verify --out-dir "$TMP/$name" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	eq "$name: exit status" "$?" "$want"
	eq "$name: one error line" "$(grep -c . "$TMP/$name.err")" 1
	ok "$name: says '$re'" grep -Eq -- "$re" "$TMP/$name.err"
	eq "$name: nothing ran" "$([ -e "$TMP/$name" ] && echo "$TMP/$name exists")$(cat "$TMP/$name.out")" ""
}

for p in fixed l61 l72; do verify model-$p 0 FIXED --backend model --policy $p; done
for p in prefix unfixed; do verify model-$p 10 UNFIXED --backend model --policy $p; done
verify model-avic 11 INCONCLUSIVE --backend model --policy avic
# --policy alone means the model
verify policy-alone 10 UNFIXED --policy prefix
ok "policy-alone: ran the model" grep -q 'model policy prefix' "$TMP/policy-alone.err"

# usage: 2, before any run
refused bogus 2 "unknown option '--bogus'" --bogus
refused no-value 2 "option '--backend' needs a value" --backend
refused extra 2 "unexpected argument 'extra'" extra
refused backend 2 "unknown backend 'nope': use model, lab or kvm" --backend nope
refused policy 2 "unknown policy 'nope': use one of prefix, fixed, l61" --policy nope
refused policy-model 2 "unknown policy 'nope'" --backend model --policy nope
refused policy-all 2 "--policy all: verify gives one verdict for one kernel; give one policy .*irqlbench model --policy all" \
	--backend model --policy all
refused policy-list 2 "--policy takes one policy, not a list" --backend model --policy fixed,prefix
refused variant-model 2 "--variant is the lab's .*with --backend model give --policy" \
	--backend model --variant fixed
refused policy-lab 2 "--policy is the model's; with --backend lab give --variant" --backend lab --policy l61
refused policy-variant 2 "--variant is the lab's" --policy l61 --variant fixed
refused kernel-model 2 "--kernel is the lab's L1 kernel" --backend model --kernel 6.1.0-56-amd64
refused policy-kvm 2 "--policy is the model's; with --backend kvm drop it" --backend kvm --policy l61
refused variant 2 "unknown variant 'nope': use stock, fixed, unfixed or patch=FILE" --backend lab --variant nope
refused variant-list 2 "--variant takes one variant, not a list" --backend lab --variant fixed,unfixed
refused patch 2 "--variant patch=$TMP/none.patch: cannot read" --backend lab --variant "patch=$TMP/none.patch"
refused runs 2 "--runs 17: give a number in 1..16" --backend model --runs 17
refused iterations 2 "--iterations 0: give a number in 1..1000000" --backend model --iterations 0

# environment: 3, one line naming the fix
: >"$TMP/file"
"$IRQLBENCH" verify --backend model --out-dir "$TMP/file/x" >/dev/null 2>"$TMP/e"
eq "unwritable --out-dir: exit status" "$?" 3
eq "unwritable --out-dir: one line naming the fix" \
	"$(grep -c . "$TMP/e") $(grep -c 'cannot create .*: choose another --out-dir' "$TMP/e")" "1 1"
# a run that cannot be made ends verify with the child's status and cause
# (the lab's kernel check, before any module build or L1 boot)
"$IRQLBENCH" verify --backend lab --kernel 9.9.9-nope --out-dir "$TMP/lab-nokernel" >"$TMP/o" 2>"$TMP/e"
eq "lab, no such kernel: exit status" "$?" 3
ok "lab, no such kernel: the child's cause, quoted" \
	grep -q "verify: lab nested-spinlock (exit 3): kernel image /boot/vmlinuz-9.9.9-nope is not installed" "$TMP/e"
eq "lab, no such kernel: no verdict printed" "$(grep -c '^verdict:' "$TMP/o")" 0

# not applicable: 77 on a host without AMD SVM, before any run
if grep -q '^vendor_id.*AuthenticAMD' /proc/cpuinfo && grep -qw svm /proc/cpuinfo; then
	echo "not-applicable row skipped: this host has AMD SVM"
else
	refused kvm-here 77 "verify: --backend kvm is not applicable on this host: the CPU is .* without .*SVM .*use --backend lab" \
		--backend kvm
fi

if [ -n "${IRQLBENCH_SKIP_LAB:-}" ]; then
	echo "lab part skipped: IRQLBENCH_SKIP_LAB is set"
else
	verify lab-fixed 0 FIXED --backend lab --variant fixed --iterations 50
	verify lab-unfixed 10 UNFIXED --backend lab --variant unfixed --iterations 50
fi
finish
