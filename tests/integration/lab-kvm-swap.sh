#!/bin/bash
# `irqlbench kvm swap` on a real kvm_amd host: the lab's L1 (Debian's kernel,
# its shipped kvm and kvm_amd loaded, a virtual AMD CPU with SVM) is one for
# this purpose.  tests/lab-swap/swap-in-l1.sh runs there as root and checks:
# a swap and its --restore; a SIGTERM and a SIGKILL at each step of the swap
# (kvm swap pauses there for the test: IRQLBENCH_KVM_SWAP_PAUSE), each ending
# with the original modules loaded (same srcversion, taint and size) and a VM
# that runs, after --restore for a SIGKILL; the next swap finishing an
# interrupted one; a kernel that loads signed modules only refused before
# anything is unloaded.  Here: its checks, counted.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_pkg jq qemu-system-x86
need_lab_kernel >/dev/null
# the variant, built here (L1 finds it cached: it builds nothing)
"$IRQLBENCH" kvm build --variant unfixed >"$TMP/build.out" 2>"$TMP/build.err" ||
	{ cat "$TMP/build.err"; bail "cannot build the unfixed variant"; }
t0=$(date +%s)
"$ROOT/host/lab/lab-variant.sh" --variant stock --out "$TMP/l1" --mode script \
	--test-script "$ROOT/tests/lab-swap/swap-in-l1.sh" --timeout 1500 2>"$TMP/lab.err"
rc=$?
echo "the swap checks in L1: lab-variant.sh exit $rc in $(($(date +%s) - t0)) s"
eq "L1 ran the script (lab-variant.sh exit 0)" $rc 0
eq "the script ended (LAB_STATUS=0)" "$(sed -n 's/^LAB_STATUS=//p' "$TMP/l1/lab.env")" 0
sed 's/^/  | /' "$TMP/l1/script.out" | grep -v '^  | ok ' | head -40
while IFS= read -r line; do
	case $line in
	"ok   "*) _pass "L1: ${line#ok   }" ;;
	"FAIL "*) _fail "L1: ${line#FAIL }" ;;
	esac
done <"$TMP/l1/script.out"
ok "the script got to its end" grep -q '^# done$' "$TMP/l1/script.out"
n=$(grep -c '^ok   ' "$TMP/l1/script.out")
ok "every check of the script ran (at least 60: $n)" test "$n" -ge 60
finish
