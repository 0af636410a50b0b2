#!/bin/bash
# The kvm module patches do what they claim, checked on the real source
# (no module build): the 6.1 tree has the cr8 intercept fix; the revert
# patch applies (dry run, then for real) and removes both of its effects;
# the forward fix (3.14 form) turns a pre-fix svm.c into a fixed one; a patch
# that does not apply is refused; and build-variant.sh refuses mismatched
# image/headers/source versions with one line naming all three.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_pkg patch
need_lab_kernel >"$TMP/info"
KVM=$HERE/host/kvm
info=$(cat "$TMP/info")
series=$(echo "$info" | sed -n 's/^source=linux-source-\([0-9.]*\) .*/\1/p')
echo "$info"
[ "$series" = 6.1 ] || skip "the revert patch is for 6.1; this kernel source is $series"
src=$(ls -d "$BUILD"/kvm/src/linux-source-6.1-*/ | head -n 1)
src=${src%/}
svm=$src/arch/x86/kvm/svm/svm.c
ok "extracted svm.c present" test -f "$svm"
eq "6.1 source has the fix" "$("$KVM/fix-state.sh" "$svm")" fixed
eq "tree state reported" "$(echo "$info" | sed -n 's/^tree_fix_state=//p')" fixed

# revert: dry run, apply, effects
mkdir -p "$TMP/t/arch/x86/kvm/svm"
cp "$svm" "$TMP/t/arch/x86/kvm/svm/svm.c"
rev=$KVM/patches/6.1/0001-revert-KVM-SVM-fix-cr8-intercept-window.patch
ok "revert applies (dry run)" patch -p1 -d "$TMP/t" --dry-run -s <"$rev"
ok "revert applies" patch -p1 -d "$TMP/t" -s <"$rev"
eq "reverted tree is unfixed" "$("$KVM/fix-state.sh" "$TMP/t/arch/x86/kvm/svm/svm.c")" unfixed
ok "revert refuses to apply twice" bash -c "! patch -p1 -d '$TMP/t' --dry-run -s -f <'$rev' >/dev/null 2>&1"
eq "unfixed variant picks the revert" \
	"$("$KVM/build-variant.sh" --variant unfixed --info | sed -n 's/^patches=//p')" "$rev"
eq "fixed variant needs no patch on 6.1" \
	"$("$KVM/build-variant.sh" --variant fixed --info | sed -n 's/^patches=//p')" ""
eq "fixed and stock share one build" \
	"$("$KVM/build-variant.sh" --variant fixed --info | sed -n 's/^dir=//p')" \
	"$("$KVM/build-variant.sh" --variant stock --info | sed -n 's/^dir=//p')"

# forward fix on a pre-fix (3.13-style) svm.c
mkdir -p "$TMP/old/arch/x86/kvm"
cat >"$TMP/old/arch/x86/kvm/svm.c" <<'C'
static int cr8_write_interception(struct vcpu_svm *svm)
{
	struct kvm_run *kvm_run = svm->vcpu.run;
	int r;

	u8 cr8_prev = kvm_get_cr8(&svm->vcpu);
	/* instruction emulation calls kvm_set_cr8() */
	r = cr_interception(svm);
	if (irqchip_in_kernel(svm->vcpu.kvm)) {
		clr_cr_intercept(svm, INTERCEPT_CR8_WRITE);
		return r;
	}
	if (cr8_prev <= kvm_get_cr8(&svm->vcpu))
		return r;
	kvm_run->exit_reason = KVM_EXIT_SET_TPR;
	return 0;
}

static void update_cr8_intercept(struct kvm_vcpu *vcpu, int tpr, int irr)
{
	struct vcpu_svm *svm = to_svm(vcpu);

	if (is_guest_mode(vcpu) && (vcpu->arch.hflags & HF_VINTR_MASK))
		return;

	if (irr == -1)
		return;

	if (tpr >= irr)
		set_cr_intercept(svm, INTERCEPT_CR8_WRITE);
}
C
eq "synthetic 3.13 svm.c is unfixed" "$("$KVM/fix-state.sh" "$TMP/old/arch/x86/kvm/svm.c")" unfixed
ok "forward fix applies" patch -p1 -d "$TMP/old" -s <"$KVM/patches/forward/0001-KVM-SVM-fix-cr8-intercept-window.patch"
eq "forward-fixed svm.c is fixed" "$("$KVM/fix-state.sh" "$TMP/old/arch/x86/kvm/svm.c")" fixed

# a user patch that does not apply is refused before any build
printf -- '--- a/arch/x86/kvm/svm/svm.c\n+++ b/arch/x86/kvm/svm/svm.c\n@@ -1,1 +1,1 @@\n-this line is not there\n+nor this\n' >"$TMP/bad.patch"
mkdir -p "$TMP/kvmout"
ln -s "$(cd "$BUILD/kvm/src" && pwd)" "$TMP/kvmout/src"	# reuse the extracted source
"$KVM/build-variant.sh" --variant "patch=$TMP/bad.patch" --out "$TMP/kvmout" >/dev/null 2>"$TMP/err"
eq "bad patch exit status" $? 3
ok "bad patch message" grep -q "does not apply" "$TMP/err"
cat "$TMP/err"

# image/headers/source versions that differ: one line naming the three
mkdir -p "$TMP/bin"
cat >"$TMP/bin/dpkg-query" <<SH
#!/bin/sh
case "\$*" in
*linux-headers-*) echo -n "6.1.190-1" ;;
*) exec /usr/bin/dpkg-query "\$@" ;;
esac
SH
chmod +x "$TMP/bin/dpkg-query"
PATH=$TMP/bin:$PATH "$KVM/build-variant.sh" --variant stock --info >/dev/null 2>"$TMP/err"
eq "mismatch exit status" $? 3
eq "mismatch message is one line" "$(wc -l <"$TMP/err")" 1
iv=$(echo "$info" | sed -n 's/^image=[^ ]* //p')
ok "mismatch names three versions" grep -q "image linux-image-.* $iv, headers linux-headers-.* 6.1.190-1, source linux-source-6.1 $iv" "$TMP/err"
ok "mismatch names the command that fixes it" grep -q "fix: apt-get install linux-headers-[^ ]*=$iv (or run host/install-deps.sh)" "$TMP/err"
cat "$TMP/err"
finish
