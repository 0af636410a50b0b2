#!/bin/bash
# The fix-revert patch against every complete Debian 6.1 version of the
# archive (host/kvm/check-revert.sh): each version's svm.c has the fix, the
# revert applies (patch --dry-run) and leaves it unfixed.  A patch that does
# not apply to one version fails with a line naming that version.  Only
# svm.c is read from each linux-source tarball (tar --occurrence); the
# tarballs not installed or cached are fetched into build/kernels/ (about
# 133 MiB each: some 3 s each at 50 MB/s, then ~1.5 s to take svm.c out),
# later runs reuse build/kernels/V/svm.c (under 2 s for all seven).
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_pkg patch bc
need_kernel_installer
C=host/kvm/check-revert.sh

t0=$(date +%s.%N)
"$C" >"$TMP/out" 2>"$TMP/err"
rc=$?
cat "$TMP/out"
echo "all versions: $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s"
eq "revert applies to every complete version" $rc 0
[ $rc -eq 0 ] || cat "$TMP/err"
n=$(host/kvm/kernel-resolve.sh --list | wc -l)
eq "one ok line per complete version" "$(grep -c ' ok: fixed -> unfixed ' "$TMP/out")" "$n"
ok "6.1.176-1 among them" grep -q '^6\.1\.176-1 ok' "$TMP/out"

# a version whose svm.c the patch does not fit: planted in a private cache
v=$(head -n 1 "$TMP/out" | cut -d' ' -f1)
mkdir -p "$TMP/build/kernels/$v"
sed 's/svm_clr_intercept(svm, INTERCEPT_CR8_WRITE);/svm_clr_intercept(svm, INTERCEPT_CR8_WRITE); \/* moved *\//' \
	"$BUILD_ABS/kernels/$v/svm.c" >"$TMP/build/kernels/$v/svm.c"
IRQLBENCH_BUILD=$TMP/build "$C" --versions "$v" >"$TMP/out" 2>"$TMP/err"
eq "a patch that does not apply: exit 1" $? 1
eq "its error is one line" "$(wc -l <"$TMP/err")" 1
ok "the error names the version" grep -q "does not apply to linux-source-6.1 $v " "$TMP/err"
ok "the version's line says FAILED" grep -q "^$v FAILED: " "$TMP/out"
cat "$TMP/err"

"$C" --versions 6.1.999-1 >/dev/null 2>"$TMP/err"
eq "a version the archive lacks: exit 2" $? 2
ok "names irqlbench kvm kernels" grep -q "'irqlbench kvm kernels --series 6.1' lists" "$TMP/err"
finish
