#!/bin/bash
# Module variants for the installed kernel, and their cache.  stock is the
# kvm.ko/kvm-amd.ko the image ships (copied from lib/modules/ABI, the very
# files, not a build); fixed is built from the unmodified Debian source (6.1
# has the fix) and a second request prints "cached"; unfixed is its own
# build, with the revert's effects verified in the built tree; a user patch
# (patch=FILE) builds too.  Each kvm.ko/kvm-amd.ko carries the kernel's
# vermagic; the built ones a srcversion (the shipped ones have none: Debian
# leaves CONFIG_MODULE_SRCVERSION_ALL unset).  First builds take ~30-120 s
# each on 2 cores; cached ones and stock well under a second.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_pkg kmod bc
need_lab_kernel >"$TMP/info"
KVM=host/kvm/build-variant.sh
abi=$(sed -n 's/^abi=//p' "$TMP/info")
kmods=$(sed -n 's/^modules=//p' "$TMP/info")

build() {	# build VARIANT -> dir on stdout, build log in $TMP/build.log
	local t0=$(date +%s.%N) dir
	if "$IRQLBENCH" kvm --help >/dev/null 2>&1; then
		dir=$("$IRQLBENCH" kvm build --variant "$1" 2>"$TMP/build.log")
	else
		dir=$("$KVM" --variant "$1" 2>"$TMP/build.log")
	fi
	local rc=$?
	echo "build $1: rc=$rc $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s: $(tail -n 1 "$TMP/build.log")" >&2
	echo "$dir" | tail -n 1
	return $rc
}
bi() { sed -n "s/^$2=//p" "$1/build.info"; }

stock=$(build stock) || { cat "$TMP/build.log"; bail "the stock copy"; }
eq "stock: origin" "$(bi "$stock" origin)" shipped
for m in kvm kvm-amd; do
	ok "stock $m.ko is the image's" cmp -s "$stock/$m.ko" "$kmods/kernel/arch/x86/kvm/$m.ko"
done
eq "stock: no srcversion (Debian's modules have none)" "$(bi "$stock" srcversion_kvm_amd)" ""
fixed=$(build fixed) || { cat "$TMP/build.log"; bail "the fixed build"; }
eq "fixed: origin" "$(bi "$fixed" origin)" built
ok "fixed is not stock's dir" test "$fixed" != "$stock"
fixed2=$(build fixed)
ok "fixed: cached second time" grep -q "cached" "$TMP/build.log"
eq "fixed: same dir" "$fixed2" "$fixed"
unfixed=$(build unfixed) || { cat "$TMP/build.log"; bail "the unfixed build"; }
ok "unfixed is its own build" test "$unfixed" != "$fixed"
for d in "$stock" "$fixed" "$unfixed"; do
	for m in kvm.ko kvm-amd.ko; do
		eq "$(bi "$d" variant)/$m vermagic" "$(modinfo -F vermagic "$d/$m" | cut -d' ' -f1)" "$abi"
	done
done
for d in "$fixed" "$unfixed"; do
	eq "$(bi "$d" variant): srcversion in build.info is the module's" "$(bi "$d" srcversion_kvm_amd)" \
		"$(modinfo -F srcversion "$d/kvm-amd.ko")"
	ok "$(bi "$d" variant): has a srcversion" test -n "$(bi "$d" srcversion_kvm_amd)"
done
eq "stock build.info fix_state (the source it shipped from)" "$(bi "$stock" fix_state)" fixed
eq "fixed build.info fix_state" "$(bi "$fixed" fix_state)" fixed
eq "unfixed build.info fix_state" "$(bi "$unfixed" fix_state)" unfixed
eq "unfixed tree reverted" "$(host/kvm/fix-state.sh "$unfixed/tree/arch/x86/kvm/svm/svm.c")" unfixed
ok "unfixed module differs" bash -c "! cmp -s '$fixed/kvm-amd.ko' '$unfixed/kvm-amd.ko'"
ok "unfixed srcversion differs" test "$(bi "$fixed" srcversion_kvm_amd)" != "$(bi "$unfixed" srcversion_kvm_amd)"
echo "build times: fixed $(bi "$fixed" build_seconds) s, unfixed $(bi "$unfixed" build_seconds) s (when first built)"

# a user patch: a comment in svm.c (builds once, then cached)
cat >"$TMP/comment.patch" <<'P'
--- a/arch/x86/kvm/svm/svm.c
+++ b/arch/x86/kvm/svm/svm.c
@@ -3603,6 +3603,7 @@
 static void svm_update_cr8_intercept(struct kvm_vcpu *vcpu, int tpr, int irr)
 {
 	struct vcpu_svm *svm = to_svm(vcpu);
+	/* irqlbench test: a user patch */
 
 	/*
 	 * SEV-ES guests must always keep the CR intercepts cleared. CR
P
if [ "$(sed -n 's/^source=linux-source-\([0-9.]*\) .*/\1/p' "$TMP/info")" = 6.1 ]; then
	user=$(build "patch=$TMP/comment.patch") || { cat "$TMP/build.log"; bail "the patch build"; }
	ok "patch build has its own dir" test "$user" != "$fixed" -a "$user" != "$unfixed"
	ok "patch applied" grep -q "irqlbench test: a user patch" "$user/tree/arch/x86/kvm/svm/svm.c"
	ok "patch build made kvm-amd.ko" test -s "$user/kvm-amd.ko"
	user2=$(build "patch=$TMP/comment.patch")
	ok "patch build cached" grep -q cached "$TMP/build.log"
	eq "same dir" "$user2" "$user"
fi
finish
