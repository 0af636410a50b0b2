#!/bin/bash
# `irqlbench lab` finds every usage error before a module build or an L1
# boot: its own options (--variants, --l1-timeout, --accel), an option that
# is the lab's to set (--backend, --out), and everything `run` checks before
# any work (`run --check`: workload, parameters, script, --vcpus, --cpus,
# --guest).  Each: exit 2, one line naming the problem, nothing created.
# No L1 boots here.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_guest
mkdir -p "$TMP/folder"
cases=(
	"--backend|--backend is the lab's|--workload nested-spinlock --backend tcg"
	"--out|--out is the lab's to set|--workload nested-spinlock --out x.json"
	"bad param|unknown parameter 'bogus'|--workload nested-spinlock --param bogus=1"
	"param value|iterations=abc is not a number|--workload nested-spinlock --param iterations=abc"
	"vcpus|--vcpus 99: give a number in 1..8|--workload nested-spinlock --vcpus 99"
	"cpus|--cpus: bad CPU list 'a-b'|--workload nested-spinlock --cpus a-b"
	"guest folder|the guest image $TMP/folder is a folder|--workload nested-spinlock --guest $TMP/folder"
	"script folder|the script $TMP/folder is a folder|--script $TMP/folder"
	"unknown workload|unknown workload 'nope'|--workload nope"
	"l1-timeout|--l1-timeout -1: give a number in 1..86400|--workload nested-spinlock --l1-timeout -1"
	"accel|unknown accel 'nope': use auto, tcg or kvm|--workload nested-spinlock --accel nope"
	"patch folder|--variants patch=$TMP/folder: $TMP/folder is not a readable patch file|--workload nested-spinlock --variants patch=$TMP/folder"
	"no variant|--variants ',' names no variant|--workload nested-spinlock --variants ,"
	"option as variant|option '--variants' needs a value, not the option '--param'|--variants --param depth=2 --workload nested-spinlock"
	"no value|option '--kernel' needs a value|--workload nested-spinlock --kernel"
	"unknown variant|unknown variant 'bogus'|--workload nested-spinlock --variants bogus"
	"runs 0|--runs 0: give a number in 1..1000|--workload nested-spinlock --runs 0"
	"runs vcpus|--runs runs its jobs in one guest boot of one vCPU: drop --vcpus 2, or --runs|--workload nested-spinlock --runs 3 --vcpus 2"
	"runs bad param|unknown parameter 'bogus'|--workload nested-spinlock --runs 3 --param bogus=1"
	"workload vcpus|workload 'cross-cpu-dpc' needs 2 vCPUs or more: run it with --vcpus 2|--workload cross-cpu-dpc"
	"script vcpus|runs a block on vCPU 1 or sends it an IPI, but the guest would have 1: run it with --vcpus 2|--script workloads/scripts/cross-cpu-dpc.scn"
)
for c in "${cases[@]}"; do
	IFS='|' read -r name msg args <<<"$c"
	rm -rf "$TMP/out"
	t0=$(date +%s)
	# shellcheck disable=SC2086
	"$IRQLBENCH" lab --out-dir "$TMP/out" $args >"$TMP/o" 2>"$TMP/e"
	rc=$?
	eq "$name: exit" $rc 2
	eq "$name: one line" "$(wc -l <"$TMP/e")" 1
	ok "$name: names it ($msg)" grep -qF -- "$msg" "$TMP/e"
	ok "$name: nothing created" test ! -e "$TMP/out"
	ok "$name: no L1 booted (under 10 s)" test $(($(date +%s) - t0)) -lt 10
done

# nothing an earlier run left in a variant's folder is read as this run's:
# a stale error line and record, then a run that stops at the kernel check
mkdir -p "$TMP/stale/fixed"
echo "irqlbench: an old error" >"$TMP/stale/fixed/run.stderr"
echo '{"old": true}' >"$TMP/stale/fixed/record.json"
"$IRQLBENCH" lab --variants fixed --out-dir "$TMP/stale" --kernel 9.9.9-nosuch \
	--workload nested-spinlock --param iterations=2 >"$TMP/o" 2>"$TMP/e"
eq "stale folder, no such kernel: exit" $? 3
ok "stale folder: the old error is not reported" bash -c "! grep -q 'an old error' '$TMP/e'"
ok "stale folder: the old files are gone" test ! -e "$TMP/stale/fixed/run.stderr" -a ! -e "$TMP/stale/fixed/record.json"
finish
