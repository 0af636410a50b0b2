#!/bin/bash
# usage: lab-variant.sh --variant V --out DIR --mode run|selftest [--kernel ABI]
#                       [--accel auto|tcg|kvm] [--cpu MODEL] [--timeout S]
#                       [--guest ELF] [-- RUN-ARGS...]
# One lab variant, start to end: build (or reuse) the variant's kvm.ko and
# kvm-amd.ko, write DIR/job.env for host/lab/l1-run.sh, boot L1, and check
# what came back.  DIR/lab.env summarises: LAB_VARIANT, LAB_MODDIR,
# LAB_BUILD (cached | built in N s), L1_* (boot-l1.sh), KVM_* (kvm_amd
# parameters in L1), LAB_STATUS (the in-L1 step's exit status).
# run mode: RUN-ARGS go to `irqlbench run --backend kvm` in L1, which runs
# in this working directory (relative paths among them mean what they mean
# here); the record is DIR/record.json, the run's stderr DIR/run.stderr.
# selftest mode: the lab's CR8 test guest (or --guest) is traced in L1; the
# fold is DIR/trace.json.
# Exit: 0 the step ran (its own status is LAB_STATUS), 1 L1 failed,
# 2 usage, 3 environment (build, modules, /dev/kvm), 4 timeout.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${IRQLBENCH_BUILD:-$ROOT/build}
. "$ROOT/host/kvm/kernel-env.sh"

variant= out= mode= kernel= accel=auto cpu= timeout=600 guest=$BUILD/lab/cr8guest.elf
while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "irqlbench: error: lab-variant.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$variant" ] && [ -n "$out" ] && [ -n "$mode" ] ||
	{ echo "irqlbench: error: lab-variant.sh needs --variant, --out and --mode" >&2; exit 2; }
# what an earlier lab run left in this variant's folder goes first, before
# any check can fail: nothing of it may be read as this run's
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{job.env,args,lab.env,status,kvm.env,step.env,l1.env,l1.cmdline,l1.log,build.log} \
	"$out"/{record.json,record.serial.log,record.qemu.log,trace.json,serial.log} \
	"$out"/{run.stdout,run.stderr,console.log,console.qemu-crash}
rc=0
kenv_detect "$kernel" || rc=$?
[ $rc -eq 0 ] || exit $rc

# --- modules -------------------------------------------------------------------------
t0=$(date +%s.%N)
moddir=$("$ROOT/host/kvm/build-variant.sh" --variant "$variant" --kernel "$KENV_ABI" 2>"$out/build.log") || {
	rc=$?
	cat "$out/build.log" >&2
	exit $rc
}
# the real path: L1 sees the host's tree under /host, where an absolute
# symlink (a build/kvm shared between checkouts) would point elsewhere
moddir=$(readlink -f "$(echo "$moddir" | tail -n 1)")
if grep -q ': cached' "$out/build.log"; then
	build="cached"
else
	build="built in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s"
fi
# kvm_amd's dependencies as modprobe resolves them, with the variant's own
# kvm.ko and kvm-amd.ko in place of the distro's.
insmod=$(modprobe -S "$KENV_ABI" --show-depends kvm_amd | awk '$1 == "insmod" { print $2 }' |
	while read -r f; do
		case $(basename "$f") in
		kvm.ko) echo "$moddir/kvm.ko" ;;
		kvm-amd.ko) echo "$moddir/kvm-amd.ko" ;;
		*) echo "$f" ;;
		esac
	done | tr '\n' ' ')
case $insmod in
*"$moddir/kvm.ko"*"$moddir/kvm-amd.ko"*) ;;
*) echo "irqlbench: error: modprobe -S $KENV_ABI --show-depends kvm_amd did not list kvm.ko and kvm-amd.ko" >&2; exit 3 ;;
esac

# --- the job ---------------------------------------------------------------------------
{
	echo "MODE=$mode"
	echo "INSMOD='$insmod'"
	echo "IRQLBENCH='$BUILD/bin/irqlbench'"
	echo "KVMTRACE='$BUILD/trace/irqlbench-kvmtrace'"
	echo "GUEST='$guest'"
	echo "QEMU='$(command -v qemu-system-x86_64)'"
} >"$out/job.env"
case $mode in
run)
	[ -x "$BUILD/bin/irqlbench" ] || { echo "irqlbench: error: $BUILD/bin/irqlbench is missing; run make" >&2; exit 3; }
	# L1 sees the host's tree at the same paths, except what it mounts its own
	case $PWD in
	/run|/run/*|/dev|/dev/*|/proc|/proc/*|/sys|/sys/*)
		echo "irqlbench: error: lab: L1 has its own $PWD (its /run, /dev, /proc and /sys are not the host's): run irqlbench lab from another directory" >&2
		exit 3 ;;
	esac
	echo "CWD='$PWD'" >>"$out/job.env"
	printf '%s\n' "$@" >"$out/args" ;;
selftest)
	for f in "$BUILD/trace/irqlbench-kvmtrace" "$guest"; do
		[ -e "$f" ] || { echo "irqlbench: error: $f is missing; run make" >&2; exit 3; }
	done ;;
*) echo "irqlbench: error: --mode must be run or selftest" >&2; exit 2 ;;
esac

# --- L1 --------------------------------------------------------------------------------
bargs=(--script "$HERE/l1-run.sh" --out "$out" --kernel "$KENV_ABI" --accel "$accel" --timeout "$timeout")
[ -z "$cpu" ] || bargs+=(--cpu "$cpu")
# As many L1 CPUs as the guest has vCPUs, so that the planner inside L1 can
# pin each vCPU to a CPU of its own.  More than the host has only when the
# guest asks for more: L1's CPUs then share the host's cores, which slows
# the lab (its times are emulated or nested anyway) but leaves every exit
# count as it is.
vcpus=1 prev=
for a in "$@"; do
	case $prev in --vcpus|-n) vcpus=$a ;; esac
	case $a in --vcpus=*) vcpus=${a#--vcpus=} ;; esac
	prev=$a
done
case $vcpus in ''|*[!0-9]*) vcpus=1 ;; esac
[ "$vcpus" -le 1 ] || bargs+=(--smp "$vcpus")
rc=0
"$HERE/boot-l1.sh" "${bargs[@]}" || rc=$?
{
	echo "LAB_VARIANT=$variant"
	echo "LAB_MODDIR=$moddir"
	echo "LAB_BUILD='$build'"
	# each exists only if L1 got that far (set -e must not end the summary)
	cat "$out/l1.env" 2>/dev/null || true
	cat "$out/kvm.env" 2>/dev/null || true
	cat "$out/step.env" 2>/dev/null || true
	echo "LAB_STATUS=$(cat "$out/status" 2>/dev/null || echo none)"
} >"$out/lab.env"
[ $rc -eq 0 ] || exit $rc
st=$(cat "$out/status" 2>/dev/null || echo none)
case $st in
none) tail -n 20 "$out/l1.log" >&2 2>/dev/null
      echo "irqlbench: error: the in-L1 runner did not finish (logs in $out)" >&2; exit 1 ;;
3) grep 'L1: error' "$out/l1.log" >&2
   exit 3 ;;
esac
exit 0
