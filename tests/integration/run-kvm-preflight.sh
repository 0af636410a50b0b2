#!/bin/bash
# `irqlbench run --backend kvm` refuses a host that is not an AMD SVM KVM
# host before it starts QEMU: exit 3, one line per problem naming it and
# its fix, and a failed record (kind preflight).  On a real AMD KVM host the
# preflight passes and this test has nothing to check (SKIP).
. "$(dirname "$0")/lib.sh"
[ -x "$IRQLBENCH" ] || skip "no $IRQLBENCH: run make"
need_cmd jq

vendor=$(awk -F': *' '/^vendor_id/ {print $2; exit}' /proc/cpuinfo)
svm=0; grep -qw svm /proc/cpuinfo && svm=1
kvm_amd=0; [ -d /sys/module/kvm_amd ] && kvm_amd=1
devkvm=0; [ -c /dev/kvm ] && devkvm=1
if [ "$vendor" = AuthenticAMD ] && [ $svm = 1 ] && [ $kvm_amd = 1 ] && [ $devkvm = 1 ]; then
	skip "this host is an AMD KVM host (svm, kvm_amd, /dev/kvm): the preflight passes here"
fi

started=$TMP/qemu-started
printf '#!/bin/sh\necho started >>%s\nexit 99\n' "$started" >"$TMP/qemu.sh"
chmod +x "$TMP/qemu.sh"
"$IRQLBENCH" run --backend kvm --workload seed-table --qemu "$TMP/qemu.sh" \
	--out "$TMP/kvm.json" >"$TMP/out" 2>"$TMP/err"
eq "exit status" $? 3
cat "$TMP/err"
ok "QEMU not started" test ! -e "$started"
expected=0
if [ "$vendor" != AuthenticAMD ]; then
	ok "names the vendor" grep -q "the CPU is $vendor, not AuthenticAMD" "$TMP/err"
	expected=$((expected + 1))
elif [ $svm = 0 ]; then
	ok "names the missing svm flag" grep -q "no 'svm' flag" "$TMP/err"
	expected=$((expected + 1))
fi
if [ $devkvm = 0 ]; then
	ok "names /dev/kvm" grep -q "/dev/kvm does not exist: load the module" "$TMP/err"
	expected=$((expected + 1))
fi
if [ $kvm_amd = 0 ]; then
	ok "names kvm_amd" grep -q "the kvm_amd module is not loaded" "$TMP/err"
	expected=$((expected + 1))
fi
eq "one line per problem" "$(grep -c '^irqlbench: kvm preflight: ' "$TMP/err")" "$expected"
eq "every problem line names a fix after ': '" \
	"$(grep '^irqlbench: kvm preflight: ' "$TMP/err" | grep -cv 'kvm preflight: .*: ')" 0
eq "record status" "$(jq -r .status "$TMP/kvm.json")" failed
eq "record error kind" "$(jq -r .error.kind "$TMP/kvm.json")" preflight
eq "record backend" "$(jq -r .backend "$TMP/kvm.json")" kvm
eq "record emulated" "$(jq -r .emulated "$TMP/kvm.json")" false
ok "record names the host kernel" test "$(jq -r .provenance.host.kernel "$TMP/kvm.json")" = "$(uname -r)"
finish
