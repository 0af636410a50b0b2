#!/bin/bash
# tests/fake/fake-qemu.sh - a stand-in for qemu-system-x86_64 that tests
# `irqlbench run` end to end (launch, timeout, serial parsing, outcome,
# record) without a guest.  It is a test double for QEMU, never a source of
# results: its reports say hypervisor=fake-qemu.
#
# It reads the serial log path from "-chardev file,...,path=P" and the
# workload from "-append", writes what FAKE_QEMU_MODE asks for, and exits
# with the status the guest would give (results/SERIAL.md):
#   ok        a good report, verdict ok, status 1
#   fail      a good report, verdict fail, status 3
#   fail-cut  the same, with a reason the guest had to cut (KMSG_CUT)
#   badparam-cut "!! error code=badparam" with a cut message, status 5
#   exception "!! exception" line, status 7
#   badparam  "!! error code=badparam", status 5
#   internal  "!! error code=timeout", status 9
#   triple    the boot line only, status 0 (a reset under -no-reboot)
#   silent    nothing at all, status 0
#   qemu-error QEMU's own error on stderr (after a warning), status 1
#   slow-error the same after 0.5 s, without ever opening its QMP socket
#   hang      the boot line, then sleeps
#   garbled   a report whose hash does not match, status 1
#   truncated a report without its end line, status 1
#   mismatch  a good report with verdict ok but status 3
#   wrong-workload a good report for another workload, status 1
#   replay    copies the file FAKE_QEMU_REPLAY, exits with FAKE_QEMU_STATUS
# FAKE_QEMU_CALLS, if set, is a file that gets one line per invocation;
# FAKE_QEMU_PIDFILE, if set, gets the process id (the hang mode keeps it);
# FAKE_QEMU_PROBE_DELAY, if set, makes --version take that many seconds.
set -u
[ -n "${FAKE_QEMU_CALLS:-}" ] && echo "$*" >>"$FAKE_QEMU_CALLS"
[ -n "${FAKE_QEMU_PIDFILE:-}" ] && echo $$ >"$FAKE_QEMU_PIDFILE"
if [ "${1:-}" = --version ]; then
	[ -n "${FAKE_QEMU_PROBE_DELAY:-}" ] && sleep "$FAKE_QEMU_PROBE_DELAY"
	echo "QEMU emulator version 7.2.99 (fake-qemu for irqlbench tests)"
	exit 0
fi
if [ "${1:-} ${2:-}" = "-cpu help" ]; then
	printf 'Available CPUs:\nx86 EPYC                  (alias configured by machine type)\n'
	printf 'x86 max                   Enables all features\nx86 qemu64                QEMU Virtual CPU\n'
	printf '\nRecognized CPUID flags:\n  fpu svm\n'
	exit 0
fi
serial= append=
while [ $# -gt 0 ]; do
	case $1 in
	-chardev) serial=${2#*path=}; serial=${serial//,,/,}; shift ;;
	-append) append=$2; shift ;;
	esac
	shift
done
[ -n "$serial" ] || { echo "fake-qemu: no -chardev file,path=" >&2; exit 1; }
workload=${append#workload=}
workload=${workload%% *}
mode=${FAKE_QEMU_MODE:-ok}
[ "$mode" = wrong-workload ] && workload=irql-churn

fnv1a() {	# FNV-1a 32 of stdin, 8 hex digits
	local h=2166136261 b
	for b in $(od -An -v -tu1); do
		h=$(( ((h ^ b) * 16777619) & 0xffffffff ))
	done
	printf '%08x' "$h"
}

body() {	# body VERDICT
	printf 'H workload=%s tsc_hz=1000000000 tsc_source=model apic=xapic timer=lapic ncpus=1\n' "$workload"
	printf 'H vendor=none hypervisor=fake-qemu clock_raises_irql=0 elide_same_level=0 probe=0\n'
	printf 'A iterations=%s\n' "$([ "$workload" = script ] && echo 1 || echo 1000)"
	printf 'F idx=0 name=setup measured=0\nF idx=1 name=measure measured=1\n'
	printf 'B bounds=10,20,50,100\n'
	printf 'C phase=1 cpu=0 cr8_writes=4000 cr8_raise=1000 iterations=1000\n'
	printf 'G phase=1 cpu=0 name=dpc_queue_to_run n=1000 sum=30000 min=12 max=60 overflow=0 counts=0,500,499,1\n'
	printf 'R status=%s reason="%s"\n' "$1" "${2:-}"
}

report() {	# report VERDICT [REASON] [no-end|bad-hash]
	local b lines hash
	b=$(body "$1" "${2:-}"; echo x); b=${b%x}
	lines=$(printf '%s' "$b" | grep -c '')
	hash=$(printf '%s' "$b" | fnv1a)
	[ "${3:-}" = bad-hash ] && hash=00000000
	printf '@@ irqlbench report v1\n%s' "$b"
	[ "${3:-}" = no-end ] || printf '@@ end lines=%s fnv1a=%s\n' "$lines" "$hash"
}

if [ "$mode" = replay ]; then
	cat "$FAKE_QEMU_REPLAY" >"$serial"
	exit "${FAKE_QEMU_STATUS:-1}"
fi
{
	case $mode in
	silent|qemu-error|slow-error) ;;
	*) echo "irqlbench-guest v=1 boot" ;;
	esac
	case $mode in
	ok|wrong-workload|mismatch) report ok ;;
	fail) report fail "late deliveries: 3" ;;
	fail-cut) report fail "script: line 2: wait_delivered 0x40 timed out after 1000000 us [cut]" ;;
	badparam-cut) echo '!! error code=badparam msg="script /long/path: line 1: unknown keyword [cut]"' ;;
	garbled) report ok "" bad-hash ;;
	truncated) report ok "" no-end ;;
	exception) echo "!! exception vector=14 name=#PF rip=0xffffffff80101234 err=0x2 cr2=0xdeadbeef cpu=0" ;;
	badparam) echo '!! error code=badparam msg="parameter depth=9 is out of range: allowed 1..8"' ;;
	internal) echo '!! error code=timeout msg="clock never became pending"' ;;
	esac
} >"$serial"
case $mode in
ok|garbled|truncated|wrong-workload) exit 1 ;;
fail|fail-cut|mismatch) exit 3 ;;
exception) exit 7 ;;
badparam|badparam-cut) exit 5 ;;
internal) exit 9 ;;
triple|silent) exit 0 ;;
slow-error) sleep 0.5 ;&
qemu-error)
	echo "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.vmx [bit 5]" >&2
	echo "qemu-system-x86_64: -kernel /x: error loading kernel" >&2
	echo "qemu-system-x86_64: a later line" >&2
	exit 1 ;;
hang) exec sleep 1000 ;;
esac
echo "fake-qemu: unknown FAKE_QEMU_MODE=$mode" >&2
exit 1
