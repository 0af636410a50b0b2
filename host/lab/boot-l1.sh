#!/bin/bash
# usage: boot-l1.sh --script PATH --out DIR
#                   [--kernel ABI|VERSION | --kernel-image BZIMAGE --modules DIR]
#                   [--accel auto|tcg|kvm] [--cpu MODEL] [--mem SIZE] [--smp N]
#                   [--timeout SECONDS]
# Boots one lab L1: the kernel (host/kvm/kernel-env.sh: installed, a Debian
# version from build/kernels/, or one you built) with the lab initramfs, the host's
# / shared read-only over 9p (mount_tag hostroot) and DIR shared writable
# (mount_tag out); multidevs=remap keeps inode numbers of the host's /proc,
# /sys, /dev apart (without it, mounts over them in L1 land on the wrong one).
# The initramfs runs PATH (a path in the host tree) with
# the share as argument and powers off.  Console: DIR/console.log.
# DIR/l1.env gets L1_ACCEL, L1_CPU, L1_KERNEL, L1_BOOT_S (to the init's
# first line), L1_TOTAL_S.
# accel auto: KVM with -cpu host when /dev/kvm works, the CPU has svm and
# kvm_amd has nested=1; else TCG with -cpu EPYC,+svm (emulated).
# Exit: 0 L1 ran the script and powered off, 1 L1 failed, 3 environment,
# 4 timeout.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/host/kvm/kernel-env.sh"

script= out= kernel= kimg= kmods= accel=auto cpu= mem=2G smp=1 timeout=300
while [ $# -gt 0 ]; do
	case $1 in
	--script) script=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--kernel-image) kimg=$2; shift 2 ;;
	--modules) kmods=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) echo "usage: boot-l1.sh --script PATH --out DIR [--kernel ABI|VERSION | --kernel-image BZIMAGE --modules DIR] [--accel auto|tcg|kvm] [--cpu MODEL] [--mem SIZE] [--smp N] [--timeout S]" >&2; exit 2 ;;
	esac
done
[ -n "$script" ] && [ -n "$out" ] || { echo "irqlbench: error: boot-l1.sh needs --script and --out" >&2; exit 2; }
rc=0
kenv_from_opts "$kernel" "$kimg" "$kmods" || rc=$?
[ $rc -eq 0 ] || exit $rc
qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || { echo "irqlbench: error: qemu-system-x86_64 not found; apt-get install qemu-system-x86" >&2; exit 3; }

host_nested_svm() {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	grep -qw svm /proc/cpuinfo || return 1
	case $(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null) in
	1|Y) return 0 ;;
	esac
	return 1
}
case $accel in
auto) if host_nested_svm; then accel=kvm; else accel=tcg; fi ;;
kvm) host_nested_svm || { echo "irqlbench: error: --accel kvm needs /dev/kvm on an AMD CPU with svm and kvm_amd nested=1; use --accel tcg" >&2; exit 3; } ;;
tcg) ;;
*) echo "irqlbench: error: --accel must be auto, tcg or kvm" >&2; exit 2 ;;
esac
if [ -z "$cpu" ]; then
	if [ $accel = kvm ]; then cpu=host; else cpu=EPYC,+svm; fi
fi

initrd=$("$HERE/mkinitramfs.sh" "${KENV_PASS[@]}")

# Under TCG, decompressing the bzImage (XZ on Debian) costs L1 some 2.5 s
# of every boot.  A kernel built with CONFIG_PVH boots straight from its
# uncompressed ELF (QEMU's PVH entry): extract it once, cache it beside
# the initramfs, and fall back to the bzImage when anything is missing.
boot_image() {
	local img=$KENV_IMAGE cfg=$KENV_CONFIG
	local dir=${IRQLBENCH_BUILD:-$ROOT/build}/lab
	local key vmlinux off
	[ -n "$cfg" ] && grep -q '^CONFIG_PVH=y' "$cfg" 2>/dev/null || { echo "$img"; return; }
	key=$(stat -c '%s-%Y' "$img")
	vmlinux=$dir/vmlinux-$KENV_ABI-$key
	if [ ! -s "$vmlinux" ]; then
		mkdir -p "$dir"
		off=$(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$img" 2>/dev/null | head -n 1 | cut -d: -f1)
		if [ -n "$off" ] && command -v xz >/dev/null &&
			tail -c +$((off + 1)) "$img" | xz -dc >"$vmlinux.tmp.$$" 2>/dev/null;
			[ -s "$vmlinux.tmp.$$" ] && [ "$(head -c 4 "$vmlinux.tmp.$$")" = $'\x7fELF' ]; then
			mv "$vmlinux.tmp.$$" "$vmlinux"
		else
			rm -f "$vmlinux.tmp.$$"
			echo "$img"
			return
		fi
	fi
	echo "$vmlinux"
}
kimage=$(boot_image)
mkdir -p "$out"
out=$(cd "$out" && pwd)
# -no-reboot: a panic (panic=-1) or triple fault ends QEMU instead of looping.
# qboot (QEMU's minimal firmware) loads the kernel in a fraction of
# SeaBIOS's time under TCG; SeaBIOS where it is not installed.
fw=()
[ -r /usr/share/qemu/qboot.rom ] && fw=(-bios qboot.rom)
# L1 is named after this host (L0), so that its records say where they were
# made: a fleet's merged store tells the hosts' lab runs apart (L1 alone is
# "(none)" everywhere)
l0=$(hostname 2>/dev/null | tr -c 'A-Za-z0-9.-' '-' | cut -c1-56)
l0=${l0%-}
append="console=ttyS0 quiet loglevel=4 panic=-1 lab.script=$script lab.l0=${l0:-l0}"
# the lockup test's hook (below)
[ "${IRQLBENCH_L1_FAKE_LOCKUP:-0}" = 1 ] && append+=" lab.fake_lockup=1"
[ "${IRQLBENCH_L1_FAKE_SILENCE:-0}" = 1 ] && append+=" lab.fake_silence=1"
cmd=("$qemu" -accel "$accel" -cpu "$cpu" -m "$mem" -smp "$smp" -nographic -no-reboot
	"${fw[@]}" -nic none -kernel "$kimage" -initrd "$initrd"
	-append "$append"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$out,mount_tag=out,security_model=none")
echo "${cmd[*]}" >"$out/l1.cmdline"
t0=$(date +%s.%N)
# QEMU 7.2's TCG now and then aborts L1 with "tcg_handle_interrupt:
# assertion failed: (qemu_mutex_iothread_locked())" (seen once in some 30
# boots, before any L2 ran), and with more vCPUs than host cores it now and
# then hangs L1's kernel before its init (soft lockups of a vCPU stuck in
# the boot, seen with -smp 4 on 2 cores).  That is the emulator failing,
# not a result: boot again, at most twice, keeping the console for the
# record.  A boot is stalled when L1's init has not started within
# $boot_limit s (IRQLBENCH_L1_BOOT_LIMIT; L1 boots in 2-6 s here).
boot_limit=${IRQLBENCH_L1_BOOT_LIMIT:-180}
# The same emulator stall can come after the init started, in the run: a
# vCPU of L1 stuck for minutes, which L1's soft-lockup watchdog reports on
# the console ("watchdog: BUG: soft lockup - CPU#1 stuck for 74s!") with a
# growing time.  A vCPU stuck for $lockup_limit s (IRQLBENCH_L1_LOCKUP_LIMIT)
# is the emulator's failure too: kill L1 and boot again (a batch resumes
# where it was, host/lab/l1-run.sh).  IRQLBENCH_L1_FAKE_LOCKUP=1 makes L1's
# init print such a line and hang (the test's hook: lab-boot-stall.sh).
lockup_limit=${IRQLBENCH_L1_LOCKUP_LIMIT:-120}
# Worse, the emulator can stop L1's timers on every vCPU (seen about once
# in 15 runs of cross-cpu-dpc on 2 vCPUs: an RCU stall "timer handling
# issue on cpu=0", then nothing): no watchdog can report that.  L1's init
# prints a heartbeat every 5 s; none for $silence_limit s
# (IRQLBENCH_L1_SILENCE_LIMIT) is the same stall: kill L1 and boot again.
# IRQLBENCH_L1_FAKE_SILENCE=1 makes the init hang without one.
silence_limit=${IRQLBENCH_L1_SILENCE_LIMIT:-60}
lockup_stuck() {
	sed -n 's/.*soft lockup - CPU#[0-9]* stuck for \([0-9]*\)s!.*/\1/p' "$out/console.log" 2>/dev/null | sort -n | tail -n 1
}
for attempt in 1 2 3; do
	rc=0
	timeout --foreground -k 5 "$timeout" "${cmd[@]}" </dev/null >"$out/console.log" 2>&1 &
	l1=$!
	stalled=0
	for ((w = 0; w < boot_limit * 4; w++)); do
		kill -0 $l1 2>/dev/null || break
		grep -q 'LAB-INIT: start' "$out/console.log" 2>/dev/null && break
		sleep 0.25
	done
	if kill -0 $l1 2>/dev/null && ! grep -q 'LAB-INIT: start' "$out/console.log" 2>/dev/null; then
		stalled=1
		kill $l1 2>/dev/null
	fi
	stuck=
	beats=-1 quiet=0
	while [ $stalled = 0 ] && kill -0 $l1 2>/dev/null; do
		stuck=$(lockup_stuck)
		if [ -n "$stuck" ] && [ "$stuck" -ge "$lockup_limit" ]; then
			stalled=2
			kill $l1 2>/dev/null
			break
		fi
		# the heartbeat, from the init's start on (the script's
		# end powers L1 off: no beat needed after it)
		b=$(grep -c 'LAB-INIT: alive' "$out/console.log" 2>/dev/null || true)
		if [ "$b" != "$beats" ]; then
			beats=$b quiet=0
		elif ! grep -q 'LAB-INIT: script rc=' "$out/console.log" 2>/dev/null && ((++quiet >= silence_limit)); then
			stalled=3
			kill $l1 2>/dev/null
			break
		fi
		sleep 1
	done
	wait $l1 || rc=$?
	if [ $stalled = 1 ]; then
		[ $attempt -lt 3 ] || { rc=stalled; break; }
		mv "$out/console.log" "$out/console.boot-stall$attempt.log"
		echo "irqlbench: lab: L1's kernel did not reach its init within $boot_limit s (the emulator stalled it: $out/console.boot-stall$attempt.log); booting L1 again" >&2
		continue
	fi
	if [ $stalled = 3 ]; then
		[ $attempt -lt 3 ] || { rc=silent; break; }
		mv "$out/console.log" "$out/console.silent$attempt.log"
		echo "irqlbench: lab: L1 fell silent in the run: no heartbeat for $silence_limit s (the emulator stopped its timers, $out/console.silent$attempt.log); booting L1 again" >&2
		continue
	fi
	if [ $stalled = 2 ]; then
		[ $attempt -lt 3 ] || { rc=lockup; break; }
		mv "$out/console.log" "$out/console.lockup$attempt.log"
		echo "irqlbench: lab: an L1 vCPU was stuck for ${stuck} s in the run (soft lockup: the emulator stalled it, $out/console.lockup$attempt.log); booting L1 again" >&2
		continue
	fi
	[ $rc -ne 0 ] && ! grep -q 'LAB-INIT: script rc=' "$out/console.log" &&
		grep -q 'assertion failed' "$out/console.log" || break
	mv "$out/console.log" "$out/console.qemu-crash$attempt.log"
	echo "irqlbench: lab: L1's QEMU aborted (QEMU 7.2 TCG assertion, $out/console.qemu-crash$attempt.log); booting L1 again" >&2
done
t1=$(date +%s.%N)
# Boot time: host wall clock to the init's first line is not visible from
# here, so use L1's own uptime at that line (kernel boot) plus nothing else.
boot=$(sed -n 's/.*LAB-INIT: start uptime=\([0-9.]*\).*/\1/p' "$out/console.log" | head -n 1)
{
	echo "L1_ACCEL=$accel"
	echo "L1_CPU=$cpu"
	echo "L1_KERNEL=$KENV_IMAGE"
	echo "L1_BOOT_IMAGE=$kimage"
	echo "L1_ABI=$KENV_ABI"
	echo "L1_KERNEL_KIND=$KENV_KIND"
	echo "L1_KERNEL_VERSION=$KENV_VERSION"
	echo "L1_BOOT_S=${boot:-}"
	echo "L1_TOTAL_S=$(printf '%.2f' "$(echo "$t1 - $t0" | bc)")"
} >"$out/l1.env"
if [ "$rc" = lockup ]; then
	echo "irqlbench: error: an L1 vCPU was stuck for ${stuck} s (soft lockup) in three boots in a row (console $out/console.log): the emulator stalls it; rerun, with fewer L1 vCPUs or on a less loaded machine" >&2
	exit 4
fi
if [ "$rc" = silent ]; then
	echo "irqlbench: error: L1 fell silent (no heartbeat for $silence_limit s) in three boots in a row (console $out/console.log): the emulator stops its timers; rerun, with fewer L1 vCPUs or on a less loaded machine" >&2
	exit 4
fi
if [ "$rc" = stalled ]; then
	echo "irqlbench: error: L1's kernel did not reach its init within $boot_limit s, three boots in a row (console $out/console.log): the emulator stalls it; rerun, with fewer L1 vCPUs or on a less loaded machine" >&2
	exit 4
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "irqlbench: error: L1 did not finish within $timeout s (console $out/console.log)" >&2
	exit 4
fi
if ! grep -q 'LAB-INIT: script rc=' "$out/console.log"; then
	tail -n 20 "$out/console.log" >&2
	echo "irqlbench: error: L1 did not run its script (qemu status $rc, console $out/console.log)" >&2
	exit 1
fi
exit 0
