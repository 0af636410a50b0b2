#!/bin/bash
# `irqlbench run --backend kvm` checks the host before it starts QEMU.  A
# host on which the kvm backend cannot apply at all (the CPU is not
# AuthenticAMD or HygonGenuine (Hygon's Dhyana runs kvm_amd), no svm flag,
# /dev/kvm provided by another KVM module such as kvm_intel or kvm_pvm)
# exits 77 (not applicable) with its reasons; a problem that can be fixed
# on an AMD SVM host (no /dev/kvm, no access to it, kvm_amd not loaded, no
# right to trace kvm events) exits 3.  Either way: one line per problem naming
# it and its fix, QEMU not started, a failed record (kind preflight).
# A host that is itself a VM passes as nested (emulated under TCG); no right
# to trace kvm events (a locked-down kernel, a non-root user of the kvm
# group) is one more fixable line.  First this host as it is, then (as
# root, in a private mount namespace) made-up hosts: /proc/cpuinfo,
# /sys/class/dmi, /sys/module, /dev and the lockdown file replaced there only.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq
IRQLBENCH=$(realpath "$IRQLBENCH")

# the stand-in QEMU notes every call: the probe (--version) may ask it,
# nothing may boot it
FAKE=$(cd "$(dirname "$0")/../fake" && pwd)/fake-qemu.sh
mkdir -m 777 "$TMP/out"	# also for the runs as nobody below
export FAKE_QEMU_CALLS=$TMP/out/calls XDG_CACHE_HOME=$TMP/out/cache
touch "$FAKE_QEMU_CALLS"
chmod 666 "$FAKE_QEMU_CALLS"

# check NAME EXIT LINE-REGEX... : the run of $TMP/NAME.out/.err/.json
check() {
	local name=$1 rc=$2 want=$3 n=0 re; shift 3
	eq "$name: exit status" "$rc" "$want"
	for re in "$@"; do
		ok "$name: a line /$re/" grep -Eq "^irqlbench: kvm preflight: $re" "$TMP/$name.err"
		n=$((n + 1))
	done
	eq "$name: one line per problem" "$(grep -c '^irqlbench: kvm preflight: ' "$TMP/$name.err")" $n
	eq "$name: each line names a fix after ': '" \
		"$(grep '^irqlbench: kvm preflight: ' "$TMP/$name.err" | grep -cv 'kvm preflight: .*: ')" 0
	if [ "$want" = 77 ]; then
		eq "$name: every line says not applicable" \
			"$(grep -c '^irqlbench: kvm preflight: not applicable: ' "$TMP/$name.err")" $n
	else
		ok "$name: nothing says not applicable" bash -c "! grep -q 'not applicable' '$TMP/$name.err'"
	fi
	ok "$name: QEMU not started (only probed)" \
		bash -c "! grep -sv -e '^--version' '$FAKE_QEMU_CALLS'"
	eq "$name: record" "$(jq -r '[.status, .error.kind, .backend, (.emulated | tostring)] | join(" ")' \
		"$TMP/$name.json")" "failed preflight kvm false"
	eq "$name: the record's message: the problems" "$(jq -r .error.message "$TMP/$name.json")" \
		"$(awk '/^irqlbench: kvm preflight: / { sub(/^irqlbench: kvm preflight: /, "");
			printf "%s%s", (n++ ? "; " : ""), $0 }' "$TMP/$name.err")"
}

# --- this host, as it is ------------------------------------------------------
vendor=$(awk -F': *' '/^vendor_id/ {print $2; exit}' /proc/cpuinfo)
svm=0; grep -qw svm /proc/cpuinfo && svm=1
kvm_amd=0; [ -d /sys/module/kvm_amd ] && kvm_amd=1
others=$(cd /sys/module && ls -d kvm_* 2>/dev/null | grep -vx kvm_amd | paste -sd, | sed 's/,/, /g')
"$IRQLBENCH" run --backend kvm --workload seed-table --qemu "$FAKE" \
	--out "$TMP/host.json" >"$TMP/host.out" 2>"$TMP/host.err"
rc=$?
cat "$TMP/host.err"
na=()
amd=0; case $vendor in AuthenticAMD|HygonGenuine) amd=1 ;; esac
[ $amd = 0 ] && na+=("not applicable: the CPU is $vendor, not AuthenticAMD or HygonGenuine: ")
[ $amd = 1 ] && [ $svm = 0 ] && na+=("not applicable: the CPU has no 'svm' flag")
[ $kvm_amd = 0 ] && [ -n "$others" ] && na+=("not applicable: /dev/kvm is provided by $others, not kvm_amd")
if [ ${#na[@]} -gt 0 ]; then
	check host "$rc" 77 "${na[@]}"
elif ! grep -q 'kvm preflight: ' "$TMP/host.err"; then
	# the stand-in QEMU runs no vCPU: no exit trace, the record fails (see passes below)
	echo "note: this host is an AMD KVM host: the preflight passed here"
	eq "host: the preflight passed, the stand-in QEMU gave no exit trace" \
		"$rc $(jq -r .error.kind "$TMP/host.json")" "1 trace-loss"
else
	eq "host: a fixable problem on this AMD SVM host: exit status" "$rc" 3
fi

# --- made-up hosts ----------------------------------------------------------------
# fake NAME CPU MODULES DEVKVM [USER]: runs `run --backend kvm` on a made-up
# host, in a private mount namespace: CPU is a tree of tests/fixtures/hosts/
# (its /proc/cpuinfo, and its /sys/class/dmi/id, or none), or "VENDOR|FLAGS"
# for a one-line cpuinfo; MODULES go to /sys/module; /dev/kvm is a 0660
# root:kvm node (present) or absent; USER is root, nobody, or kvm-user
# (nobody in the kvm group).  tracefs is mounted, as on a Debian host.
# CPUID=VENDOR|none (default none) is the CPUID instruction's answer
# (IRQLBENCH_CPUID_HYPERVISOR); LOCKDOWN=TEXT is
# /sys/kernel/security/lockdown (default: no such file); ARGS more run options.
HOSTS=$(cd "$(dirname "$0")/../fixtures/hosts" && pwd)
fake() {
	local name=$1 cpu=$2 modules=$3 devkvm=$4 user=${5:-root} run tree= dmi=
	case $cpu in
	*'|'*) printf 'processor\t: 0\nvendor_id\t: %s\nflags\t\t: %s\n' "${cpu%%|*}" "${cpu#*|}" >"$TMP/$name.cpuinfo" ;;
	*) tree=$HOSTS/$cpu; cp "$tree/proc/cpuinfo" "$TMP/$name.cpuinfo"
	   [ -d "$tree/sys/class/dmi/id" ] && dmi=$tree/sys/class/dmi/id ;;
	esac
	: >"$FAKE_QEMU_CALLS"
	run=(env IRQLBENCH_CPUID_HYPERVISOR="${CPUID:-none}" "$IRQLBENCH" run --backend kvm
	     --workload seed-table --qemu "$FAKE" --out "$TMP/out/$name.json" ${ARGS:-})
	# VERIFY=1: 'verify --backend kvm' on that host instead of a run
	[ -z "${VERIFY:-}" ] || run=(env IRQLBENCH_CPUID_HYPERVISOR="${CPUID:-none}" "$IRQLBENCH" verify
	     --backend kvm --runs 1 --db "$TMP/out/$name.db" --out-dir "$TMP/out/$name.v")
	case $user in
	nobody) run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}") ;;
	kvm-user) run=(setpriv --reuid=65534 --regid=65534 --groups="$(getent group kvm | cut -d: -f3)" "${run[@]}") ;;
	esac
	unshare -m bash -c '
		set -e
		mount --make-rprivate /
		mount --bind "$1" /proc/cpuinfo
		mount -t tmpfs none /sys/class
		if [ -n "$2" ]; then mkdir -p /sys/class/dmi; cp -r "$2" /sys/class/dmi/id; fi
		mount -t tmpfs none /sys/module
		for m in $3; do mkdir -p /sys/module/$m/parameters; done
		[ -d /sys/module/kvm_amd ] && echo 1 >/sys/module/kvm_amd/parameters/npt
		mount -t tmpfs -o mode=755 none /dev
		mknod -m 666 /dev/null c 1 3
		mknod -m 666 /dev/urandom c 1 9
		if [ "$4" = present ]; then mknod -m 660 /dev/kvm c 10 232; chgrp kvm /dev/kvm; fi
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
		mount -t tmpfs none /sys/kernel/security
		[ -z "$5" ] || echo "$5" >/sys/kernel/security/lockdown
		shift 5
		exec "$@" >/dev/null' fake "$TMP/$name.cpuinfo" "$dmi" "$modules" "$devkvm" "${LOCKDOWN:-}" \
		"${run[@]}" 2>"$TMP/$name.err"
	local rc=$?
	mv "$TMP/out/$name.json" "$TMP/$name.json" 2>/dev/null
	return $rc
}

# passes NAME EXIT NESTED EMULATED [WARNING-REGEX]: the preflight of run NAME
# passed (no problem line) and the run went on to start QEMU with -accel
# kvm.  The stand-in QEMU writes a report but runs no vCPU, and exits before
# its exit trace can start: the record fails with trace-loss (exit 1), for
# no exit was counted, and a complete kvm record without a trace would lie.
passes() {
	local name=$1 rc=$2 nested=$3 emulated=$4 warn=${5:-}
	cat "$TMP/$name.err"
	eq "$name: exit status (the preflight passed; the stand-in QEMU gives no exit trace)" "$rc" 1
	eq "$name: no preflight problem" "$(grep -c 'kvm preflight: ' "$TMP/$name.err")" 0
	ok "$name: QEMU started with -accel kvm" grep -q -- '-accel kvm ' "$FAKE_QEMU_CALLS"
	eq "$name: record" "$(jq -r '[.status, .error.kind, .provenance.kvm.module] | join(" ")' "$TMP/$name.json")" \
		"failed trace-loss kvm_amd"
	eq "$name: APICv unknown: no VM was made" "$(jq -r '.provenance.kvm.apicv | [.active, .why] | join(" ")' "$TMP/$name.json")" \
		" QEMU ended before its trace started"
	eq "$name: provenance.host.hypervisor.nested, emulated" \
		"$(jq -c '[.provenance.host.hypervisor.nested, .emulated]' "$TMP/$name.json")" "[$nested,$emulated]"
	if [ -n "$warn" ]; then
		eq "$name: one warning line" "$(grep -c '^irqlbench: warning: ' "$TMP/$name.err")" 1
		ok "$name: the warning /$warn/" grep -Eq "^irqlbench: warning: $warn" "$TMP/$name.err"
	else
		eq "$name: no warning" "$(grep -c '^irqlbench: warning: ' "$TMP/$name.err")" 0
	fi
}

if ! unshare -m true 2>/dev/null || ! getent group kvm >/dev/null; then
	echo "note: no private mount namespace here (or no kvm group): the made-up hosts are not checked"
	finish
fi
chmod 711 "$TMP"	# the runs as nobody write their records to $TMP/out
trace_rights="cannot create tracefs instances in /sys/kernel/tracing/instances \(Permission denied\): run as root"

# hosts whose numbers are kvm_amd's: the preflight passes
fake amd-kvm epyc-bare "kvm kvm_amd" present
passes amd-kvm $? false false
eq "amd-kvm: the host's facts" "$(jq -c '.provenance.host | [.cpu_family, .cpu_model_number, .hypervisor.dmi_sys_vendor, .hypervisor.cpuid_from]' \
	"$TMP/amd-kvm.json")" '[25,1,"Dell Inc.","IRQLBENCH_CPUID_HYPERVISOR"]'
eq "amd-kvm: the PIT reinjects, as QEMU's -machine pc does" \
	"$(jq -c .provenance.kvm.pit_reinject "$TMP/amd-kvm.json"):$(grep -c -- '-global kvm-pit' "$FAKE_QEMU_CALLS")" "true:0"
# --pit-reinject off: QEMU's in-kernel PIT discards lost ticks, so that AVIC is not inhibited
ARGS="--pit-reinject off" fake amd-kvm-discard epyc-bare "kvm kvm_amd" present
passes amd-kvm-discard $? false false
eq "amd-kvm-discard: QEMU asked to discard lost ticks" \
	"$(jq -c .provenance.kvm.pit_reinject "$TMP/amd-kvm-discard.json"):$(grep -c -- '-global kvm-pit.lost_tick_policy=discard' "$FAKE_QEMU_CALLS")" "false:1"
fake hygon-kvm hygon-bare "kvm kvm_amd" present
passes hygon-kvm $? false false
CPUID=KVMKVMKVM fake gce-nested gce-nested "kvm kvm_amd" present
passes gce-nested $? true false \
	"this host is a virtual machine \(KVMKVMKVM, Google Compute Engine\): .*include the L0 hypervisor's share"
CPUID=TCGTCGTCGTCG fake tcg-l1 tcg-l1 "kvm kvm_amd" present
passes tcg-l1 $? true true "this host is a virtual machine under QEMU's emulator \(TCGTCGTCGTCG, .*times are emulated"

# fixable: one line each, all of them at once
LOCKDOWN="none integrity [confidentiality]" fake locked-down epyc-bare "kvm kvm_amd" present
check locked-down $? 3 "the kernel is locked down \(\[confidentiality\] in /sys/kernel/security/lockdown\), which closes tracefs .*: boot it with lockdown=integrity or lockdown=none"
fake kvm-user epyc-bare "kvm kvm_amd" present kvm-user
check kvm-user $? 3 "$trace_rights"
# make run on the kvm backend too: as a user who may not trace, it stops at once
(cd "$ROOT" && setpriv --reuid=65534 --regid=65534 --clear-groups env IRQLBENCH_RUN_BACKEND=kvm \
	host/make-run.sh >"$TMP/make-run.out" 2>"$TMP/make-run.err")
eq "make run, kvm backend, no right to trace: exit 3" $? 3
ok "make run: says tracefs needs root, before any step" \
	grep -q "make run: cannot create tracefs instances in /sys/kernel/tracing/instances: run make run as root" "$TMP/make-run.err"
ok "make run: no step ran" bash -c "! grep -q 'model\|kvm .* failed' '$TMP/make-run.out'"
# verify --backend kvm checks the same rights before anything runs
VERIFY=1 LOCKDOWN="none integrity [confidentiality]" fake verify-locked-down epyc-bare "kvm kvm_amd" present
eq "verify, locked-down: exit 3" $? 3
ok "verify, locked-down: one line naming the lockdown and its fix" test "$(grep -c . "$TMP/verify-locked-down.err")" = 1 -a \
	"$(grep -Ec 'verify: the kvm exit trace cannot run: the kernel is locked down .*: boot it with lockdown=integrity or lockdown=none' "$TMP/verify-locked-down.err")" = 1
VERIFY=1 fake verify-kvm-user epyc-bare "kvm kvm_amd" present kvm-user
eq "verify, kvm group user: exit 3" $? 3
ok "verify, kvm group user: says tracefs needs root" grep -Eq "verify: the kvm exit trace cannot run: $trace_rights" "$TMP/verify-kvm-user.err"
ok "verify: QEMU never started, no run, no store" \
	test ! -s "$FAKE_QEMU_CALLS" -a ! -e "$TMP/out/verify-kvm-user.db" -a ! -e "$TMP/out/verify-kvm-user.v"

fake amd-no-access "AuthenticAMD|fpu svm" kvm_amd present nobody
check amd-no-access $? 3 "cannot open /dev/kvm: Permission denied: run as root or add the user to the 'kvm' group$" \
	"$trace_rights"
eq "amd-no-access: kvm_amd's parameters in the record" \
	"$(jq -c '.provenance.kvm | {module: .module, npt: .npt}' "$TMP/amd-no-access.json")" '{"module":"kvm_amd","npt":"1"}'

fake amd-no-module "AuthenticAMD|fpu svm" "" absent
check amd-no-module $? 3 "/dev/kvm does not exist: load the module with 'modprobe kvm_amd'$" \
	"the kvm_amd module is not loaded \(no /sys/module/kvm_amd\): load it with 'modprobe kvm_amd'$"

# Hygon runs kvm_amd: its problems are AMD's (fixable), not "not applicable"
fake hygon-no-module "HygonGenuine|fpu svm" "" absent
check hygon-no-module $? 3 "/dev/kvm does not exist: load the module with 'modprobe kvm_amd'$" \
	"the kvm_amd module is not loaded \(no /sys/module/kvm_amd\): load it with 'modprobe kvm_amd'$"

# not applicable
fake amd-no-svm "AuthenticAMD|fpu vme" "" absent
check amd-no-svm $? 77 "not applicable: the CPU has no 'svm' flag in /proc/cpuinfo .*: use --backend guest to judge this host's hypervisor from inside a guest, --backend tcg, or 'irqlbench lab'"

fake amd-kvm-intel "AuthenticAMD|fpu svm" "kvm kvm_intel" present
check amd-kvm-intel $? 77 "not applicable: /dev/kvm is provided by kvm_intel, not kvm_amd \(no /sys/module/kvm_amd\): the kvm backend measures kvm_amd; use --backend guest to judge this host's hypervisor from inside a guest, --backend tcg, or 'irqlbench lab'"

CPUID=KVMKVMKVM fake intel-pvm intel-pvm "kvm kvm_pvm" present
check intel-pvm $? 77 "not applicable: the CPU is GenuineIntel, not AuthenticAMD or HygonGenuine: the kvm backend measures AMD SVM; use --backend guest to judge this host's hypervisor from inside a guest, --backend tcg" \
	"not applicable: /dev/kvm is provided by kvm_pvm, not kvm_amd"
eq "intel-pvm: a VM all the same: nested" "$(jq -c .provenance.host.hypervisor.nested "$TMP/intel-pvm.json")" true
finish
