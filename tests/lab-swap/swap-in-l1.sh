#!/bin/bash
# Runs inside the lab's L1 (a real kvm_amd host: host/lab/l1-run.sh MODE
# script), as root in the host's tree, for tests/integration/lab-kvm-swap.sh.
# Prints "ok   WHAT" or "FAIL WHAT: DETAIL" a check; the host test counts them.
#   - kvm swap --variant unfixed: the variant loaded (taint OE), a VM runs,
#     kvm-loaded.json names it, run --backend kvm records it, verify
#     --backend kvm --variant checks it (fixed refused, unfixed UNFIXED);
#     --restore: the originals (the same srcversion, taint and size as
#     before), no journal, verify --backend kvm FIXED (variant stock);
#   - stopped by SIGTERM at each step (kvm swap's IRQLBENCH_KVM_SWAP_PAUSE):
#     exit 143, the originals loaded again, no journal;
#   - killed by SIGKILL at each step: the journal stays; --restore ends with
#     the originals and a VM that runs; the next swap finishes one too;
#   - a kernel that loads signed modules only (lockdown raised to integrity,
#     last: it cannot be lowered): refused before anything is unloaded.
set -u
IRQ=${IRQLBENCH:?}
STEPS="checked unloaded-kvm_amd unloaded-kvm loaded-kvm loaded-kvm_amd"
J=/run/irqlbench/kvm-swap.json
L=/run/irqlbench/kvm-loaded.json
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
id_of() { echo "$(cat /sys/module/$1/srcversion 2>/dev/null)|$(cat /sys/module/$1/taint 2>/dev/null)|$(cat /sys/module/$1/coresize 2>/dev/null)"; }
ids() { echo "kvm=$(id_of kvm) kvm_amd=$(id_of kvm_amd)"; }
ORIG=$(ids)
echo "# originals: $ORIG"
[ -d /sys/module/kvm_amd ] || { bad "kvm_amd is loaded in L1 to begin with"; exit 0; }
originals() {	# originals WHAT: the original modules loaded, no journal
	local now
	now=$(ids)
	if [ "$now" = "$ORIG" ] && [ ! -e $J ]; then ok "$1: the originals loaded, no journal"; else
		bad "$1: loaded $now, journal $([ -e $J ] && echo left || echo none); want $ORIG"; fi
}
vm_runs() {	# vm_runs WHAT: --restore on the originals is a smoke test
	local out rc=0
	out=$("$IRQ" kvm swap --restore 2>&1) || rc=$?
	if [ $rc -eq 0 ] && grep -q "a VM runs" <<<"$out"; then ok "$1: a VM runs"; else bad "$1: kvm swap --restore exit $rc: $out"; fi
}

# --- a swap and its restore -------------------------------------------------------
out=$("$IRQ" kvm swap --variant unfixed --yes 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "swap unfixed: exit 0" test $rc -eq 0
check "swap unfixed: says a VM runs" grep -q "variant unfixed loaded from .*, a VM runs" <<<"$out"
t=$(cat /sys/module/kvm_amd/taint 2>/dev/null)
check "swap unfixed: kvm_amd is the build (taint '$t' has O)" grep -q O <<<"$t"
check "swap unfixed: kvm-loaded.json names it" test "$(grep -c '"variant": "unfixed"' $L 2>/dev/null)" = 1
check "swap unfixed: no journal left" test ! -e $J
# what runs and verify see of it: the swapped variant, named and checked
"$IRQ" run --backend kvm --workload seed-table --param iterations=20 --out /run/r.json >/dev/null 2>&1
check "run --backend kvm: provenance.kvm.swap.variant unfixed" \
	test "$(jq -r .provenance.kvm.swap.variant /run/r.json 2>/dev/null)" = unfixed
out=$("$IRQ" verify --backend kvm --variant fixed --runs 1 --iterations 20 --db /run/vf.db --out-dir /run/vf 2>&1); rc=$?
check "verify --backend kvm --variant fixed with unfixed loaded: exit 3" test $rc -eq 3
check "...one line naming what is loaded and the fix" \
	test "$(grep -c "verify: --variant fixed, but the kvm_amd loaded here is unfixed: load it with 'irqlbench kvm swap --variant fixed --yes'" <<<"$out")" = 1
check "...nothing ran" test ! -e /run/vf.db
"$IRQ" verify --backend kvm --variant unfixed --runs 1 --iterations 50 --db /run/vu.db --out-dir /run/vu >/run/vu.out 2>/run/vu.err; rc=$?
sed 's/^/# verify unfixed: /' /run/vu.out | head -3
check "verify --backend kvm on the swapped unfixed build: UNFIXED (exit 10)" \
	test $rc -eq 10 -a "$(sed -n 's/^verdict: //p' /run/vu.out)" = UNFIXED
check "...its verdict file names the variant unfixed" test "$(jq -r .variant /run/vu/verdict.json 2>/dev/null)" = unfixed
out=$("$IRQ" kvm swap --restore 2>&1); rc=$?
check "--restore: exit 0" test $rc -eq 0
originals "--restore"
check "--restore: kvm-loaded.json removed" test ! -e $L
"$IRQ" verify --backend kvm --runs 1 --iterations 50 --db /run/vs.db --out-dir /run/vs >/run/vs.out 2>/run/vs.err; rc=$?
sed 's/^/# verify stock: /' /run/vs.out | head -3
check "verify --backend kvm on the originals: FIXED (exit 0)" \
	test $rc -eq 0 -a "$(sed -n 's/^verdict: //p' /run/vs.out)" = FIXED
check "...its verdict file names the variant stock" test "$(jq -r .variant /run/vs/verdict.json 2>/dev/null)" = stock

# --- stopped at each step --------------------------------------------------------
for s in $STEPS; do
	IRQLBENCH_KVM_SWAP_PAUSE=$s "$IRQ" kvm swap --variant unfixed --yes >/run/swap.out 2>/run/swap.err &
	pid=$!
	for _ in $(seq 600); do grep -q "paused at $s" /run/swap.err && break; sleep 0.1; done
	check "SIGTERM at $s: it paused there" grep -q "paused at $s (pid $pid)" /run/swap.err
	check "SIGTERM at $s: the journal says $s" grep -q "\"step\": \"$s\"" $J
	kill -TERM $pid
	wait $pid; rc=$?
	check "SIGTERM at $s: exit 143 (128 + SIGTERM)" test $rc -eq 143
	check "SIGTERM at $s: says the originals are back or nothing changed" \
		grep -Eq "stopped by SIGTERM.*(original kvm and kvm_amd are loaded again|nothing was changed)" /run/swap.err
	originals "SIGTERM at $s"
done
vm_runs "after the SIGTERMs"

# --- killed at each step ----------------------------------------------------------
for s in $STEPS; do
	IRQLBENCH_KVM_SWAP_PAUSE=$s "$IRQ" kvm swap --variant unfixed --yes >/run/swap.out 2>/run/swap.err &
	pid=$!
	for _ in $(seq 600); do grep -q "paused at $s" /run/swap.err && break; sleep 0.1; done
	kill -KILL $pid
	wait $pid 2>/dev/null
	check "SIGKILL at $s: the journal stays, at $s" grep -q "\"step\": \"$s\"" $J
	out=$("$IRQ" kvm swap --restore 2>&1); rc=$?
	check "SIGKILL at $s, --restore: exit 0" test $rc -eq 0
	check "SIGKILL at $s, --restore: names the interrupted step" grep -q "stopped at step '$s'" <<<"$out"
	originals "SIGKILL at $s, --restore"
done
vm_runs "after the SIGKILLs"

# --- the next swap finishes an interrupted one --------------------------------------
IRQLBENCH_KVM_SWAP_PAUSE=unloaded-kvm "$IRQ" kvm swap --variant unfixed --yes >/run/swap.out 2>/run/swap.err &
pid=$!
for _ in $(seq 600); do grep -q "paused at" /run/swap.err && break; sleep 0.1; done
kill -KILL $pid
wait $pid 2>/dev/null
check "killed with kvm unloaded: kvm_amd is gone" test ! -d /sys/module/kvm_amd
out=$("$IRQ" kvm swap --variant unfixed --yes 2>&1); rc=$?
check "the next swap: exit 0" test $rc -eq 0
check "the next swap: finished the interrupted one first" grep -q "finishing the swap of process $pid" <<<"$out"
check "the next swap: the variant loaded" grep -q O <<<"$(cat /sys/module/kvm_amd/taint)"
"$IRQ" kvm swap --restore >/dev/null 2>&1
originals "the next swap, then --restore"

# --- a kernel that loads signed modules only: refused, nothing touched -----------------
mountpoint -q /sys/kernel/security || mount -t securityfs none /sys/kernel/security 2>/dev/null
if [ -w /sys/kernel/security/lockdown ] && echo integrity >/sys/kernel/security/lockdown 2>/dev/null; then
	out=$("$IRQ" kvm swap --variant unfixed --yes 2>&1); rc=$?
	check "locked down: exit 3" test $rc -eq 3
	check "locked down: one line naming lockdown and that nothing changed" \
		test "$(grep -c 'the kernel is locked down (none \[integrity\] confidentiality .*): it loads signed modules only.*; nothing was changed' <<<"$out")" = 1
	originals "locked down"
else
	echo "# SKIP lockdown: this L1 kernel has no lockdown LSM to raise"
fi
echo "# done"
