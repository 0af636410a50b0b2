#!/bin/bash
# Module variants build out of tree from the Debian source and are cached:
# stock and fixed are one build on 6.1 (the tree has the fix), unfixed is
# another, with the revert's effects verified in the built tree; a user
# patch (patch=FILE) builds too; a second request prints "cached".  Each
# kvm.ko/kvm-amd.ko carries the kernel's vermagic.  First builds take
# ~30-120 s each on 2 cores; cached ones well under a second.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_pkg kmod bc
need_lab_kernel >"$TMP/info"
KVM=host/kvm/build-variant.sh
abi=$(sed -n 's/^abi=//p' "$TMP/info")

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

stock=$(build stock) || { cat "$TMP/build.log"; bail "the stock build"; }
fixed=$(build fixed)
ok "fixed: cached second time (shares stock's build)" grep -q "cached" "$TMP/build.log"
eq "fixed = stock on 6.1" "$fixed" "$stock"
unfixed=$(build unfixed) || { cat "$TMP/build.log"; bail "the unfixed build"; }
ok "unfixed is its own build" test "$unfixed" != "$stock"
for d in "$stock" "$unfixed"; do
	for m in kvm.ko kvm-amd.ko; do
		eq "$(basename "$d")/$m vermagic" "$(modinfo -F vermagic "$d/$m" | cut -d' ' -f1)" "$abi"
	done
done
eq "stock build.info fix_state" "$(sed -n 's/^fix_state=//p' "$stock/build.info")" fixed
eq "unfixed build.info fix_state" "$(sed -n 's/^fix_state=//p' "$unfixed/build.info")" unfixed
eq "unfixed tree reverted" "$(host/kvm/fix-state.sh "$unfixed/tree/arch/x86/kvm/svm/svm.c")" unfixed
ok "unfixed module differs" bash -c "! cmp -s '$stock/kvm-amd.ko' '$unfixed/kvm-amd.ko'"
echo "build times: stock $(sed -n 's/^build_seconds=//p' "$stock/build.info") s, unfixed $(sed -n 's/^build_seconds=//p' "$unfixed/build.info") s (when first built)"

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
	ok "patch build has its own dir" test "$user" != "$stock" -a "$user" != "$unfixed"
	ok "patch applied" grep -q "irqlbench test: a user patch" "$user/tree/arch/x86/kvm/svm/svm.c"
	ok "patch build made kvm-amd.ko" test -s "$user/kvm-amd.ko"
	user2=$(build "patch=$TMP/comment.patch")
	ok "patch build cached" grep -q cached "$TMP/build.log"
	eq "same dir" "$user2" "$user"
fi
finish
