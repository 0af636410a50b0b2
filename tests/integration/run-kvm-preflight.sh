#!/bin/bash
# `irqlbench run --backend kvm` checks the host before it starts QEMU.  A
# host on which the kvm backend cannot apply at all (the CPU is not
# AuthenticAMD or HygonGenuine (Hygon's Dhyana runs kvm_amd), no svm flag, /dev/kvm provided by another KVM module such as
# kvm_intel or kvm_pvm) exits 77 (not applicable) with its reasons; a
# problem that can be fixed on an AMD SVM host (no /dev/kvm, no access to
# it, kvm_amd not loaded) exits 3.  Either way: one line per problem naming
# it and its fix, QEMU not started, a failed record (kind preflight).
# First this host as it is, then (as root, in a private mount namespace)
# made-up hosts: /proc/cpuinfo, /sys/module and /dev replaced there only.
. "$(dirname "$0")/lib.sh"
[ -x "$IRQLBENCH" ] || skip "no $IRQLBENCH: run make"
need_cmd jq
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
elif [ "$rc" = 0 ]; then
	echo "note: this host is an AMD KVM host: the preflight passed here"
else
	eq "host: a fixable problem on this AMD SVM host: exit status" "$rc" 3
fi

# --- made-up hosts ----------------------------------------------------------------
# fake NAME VENDOR FLAGS MODULES DEVKVM [USER]: runs the preflight with this
# /proc/cpuinfo, these modules in /sys/module, /dev/kvm present (a 0660
# root:kvm node) or absent, as root or as nobody
fake() {
	local name=$1 vendor=$2 flags=$3 modules=$4 devkvm=$5 user=${6:-root} run
	printf 'processor\t: 0\nvendor_id\t: %s\nflags\t\t: %s\n' "$vendor" "$flags" >"$TMP/$name.cpuinfo"
	run=("$IRQLBENCH" run --backend kvm --workload seed-table --qemu "$FAKE" --out "$TMP/out/$name.json")
	[ "$user" = nobody ] && run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
	unshare -m bash -c '
		set -e
		mount --make-rprivate /
		mount --bind "$1" /proc/cpuinfo
		mount -t tmpfs none /sys/module
		for m in $2; do mkdir -p /sys/module/$m/parameters; done
		[ -d /sys/module/kvm_amd ] && echo 1 >/sys/module/kvm_amd/parameters/npt
		mount -t tmpfs -o mode=755 none /dev
		mknod -m 666 /dev/null c 1 3
		mknod -m 666 /dev/urandom c 1 9
		if [ "$3" = present ]; then mknod -m 660 /dev/kvm c 10 232; chgrp kvm /dev/kvm; fi
		shift 3
		exec "$@" >/dev/null' fake "$TMP/$name.cpuinfo" "$modules" "$devkvm" "${run[@]}" 2>"$TMP/$name.err"
	local rc=$?
	mv "$TMP/out/$name.json" "$TMP/$name.json" 2>/dev/null
	return $rc
}

if ! unshare -m true 2>/dev/null || ! getent group kvm >/dev/null; then
	echo "note: no private mount namespace here (or no kvm group): the made-up hosts are not checked"
	finish
	exit
fi
chmod 711 "$TMP"	# the runs as nobody write their records to $TMP/out

fake amd-no-access AuthenticAMD "fpu svm" kvm_amd present nobody
check amd-no-access $? 3 "cannot open /dev/kvm: Permission denied: run as root or add the user to the 'kvm' group$"
eq "amd-no-access: kvm_amd's parameters in the record" \
	"$(jq -c '.provenance.kvm | {module: .module, npt: .npt}' "$TMP/amd-no-access.json")" '{"module":"kvm_amd","npt":"1"}'

fake amd-no-module AuthenticAMD "fpu svm" "" absent
check amd-no-module $? 3 "/dev/kvm does not exist: load the module with 'modprobe kvm_amd'$" \
	"the kvm_amd module is not loaded \(no /sys/module/kvm_amd\): load it with 'modprobe kvm_amd'$"

# Hygon runs kvm_amd: its problems are AMD's (fixable), not "not applicable"
fake hygon-no-module HygonGenuine "fpu svm" "" absent
check hygon-no-module $? 3 "/dev/kvm does not exist: load the module with 'modprobe kvm_amd'$" \
	"the kvm_amd module is not loaded \(no /sys/module/kvm_amd\): load it with 'modprobe kvm_amd'$"

fake amd-no-svm AuthenticAMD "fpu vme" "" absent
check amd-no-svm $? 77 "not applicable: the CPU has no 'svm' flag in /proc/cpuinfo .*: use --backend tcg, or 'irqlbench lab'"

fake amd-kvm-intel AuthenticAMD "fpu svm" "kvm kvm_intel" present
check amd-kvm-intel $? 77 "not applicable: /dev/kvm is provided by kvm_intel, not kvm_amd \(no /sys/module/kvm_amd\): the kvm backend measures kvm_amd; use --backend tcg, or 'irqlbench lab'"

fake intel-pvm GenuineIntel "fpu vmx" "kvm kvm_pvm" present
check intel-pvm $? 77 "not applicable: the CPU is GenuineIntel, not AuthenticAMD or HygonGenuine: the kvm backend measures AMD SVM; use --backend tcg" \
	"not applicable: /dev/kvm is provided by kvm_pvm, not kvm_amd"
finish
