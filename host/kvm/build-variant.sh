#!/bin/bash
# usage: build-variant.sh --variant stock|fixed|unfixed|patch=FILE [--kernel ABI]
#                         [--out DIR] [--jobs N] [--info]
#
# Builds kvm.ko and kvm-amd.ko out of tree from the Debian linux-source that
# matches the kernel ABI (image, headers and source of one Debian version),
# for one variant:
#   stock      the source as shipped
#   fixed      with upstream 596f3142d2b7 "KVM: SVM: fix cr8 intercept window":
#              the source as shipped when it already has it (3.14 and later,
#              so 6.1), else patches/forward/*.patch
#   unfixed    without it: patches/<series>/*revert*.patch when the tree has
#              the fix, the source as shipped when it predates it
#   patch=FILE the source plus a user patch (-p1, relative to the kernel tree)
# Builds are cached in DIR/<hash>/ (DIR defaults to build/kvm), hash = sha256
# of the recipe version, source package version, extracted kvm sources, patch
# contents and headers version; so "fixed" and "stock" share one build on 6.1.
# stdout: the module dir (holding kvm.ko, kvm-amd.ko, build.info) on the last
# line.  stderr: progress, "cached" or the build time.
# --info prints the kernel/variant facts as key=value lines and exits.
# Exit: 0 ok, 1 build failed, 2 usage, 3 environment (packages, versions).
set -euo pipefail

RECIPE=irqlbench-kvm-build/1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=kernel-env.sh
. "$HERE/kernel-env.sh"

usage() {
	echo "usage: build-variant.sh --variant stock|fixed|unfixed|patch=FILE [--kernel ABI] [--out DIR] [--jobs N] [--info]" >&2
	exit 2
}

variant= kernel= out=${IRQLBENCH_BUILD:-$ROOT/build}/kvm jobs=2 info=0
while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=${2:-}; shift 2 || usage ;;
	--variant=*) variant=${1#*=}; shift ;;
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	--out) out=${2:-}; shift 2 || usage ;;
	--jobs) jobs=${2:-}; shift 2 || usage ;;
	--info) info=1; shift ;;
	*) usage ;;
	esac
done
[ -n "$variant" ] || usage
case $variant in
stock|fixed|unfixed) ;;
patch=*)
	upatch=${variant#patch=}
	[ -r "$upatch" ] || { echo "irqlbench: error: patch file '$upatch' not readable; pass --variant patch=PATH_TO_PATCH" >&2; exit 2; }
	upatch=$(cd "$(dirname "$upatch")" && pwd)/$(basename "$upatch") ;;
*) echo "irqlbench: error: unknown variant '$variant'; use stock, fixed, unfixed or patch=FILE" >&2; exit 2 ;;
esac

rc=0
kenv_detect "$kernel" || rc=$?
[ $rc -eq 0 ] || exit $rc
for tool in make gcc tar xz patch sha256sum flock; do
	command -v $tool >/dev/null || { echo "irqlbench: error: '$tool' not found; run host/install-deps.sh (host/packages/lab.txt)" >&2; exit 3; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# --- extracted sources, once per source package version ---------------------
src_dir=$out/src/$KENV_SOURCE_PKG-$KENV_SOURCE_VER
extract_sources() {
	exec 9>"$out/src.lock"
	flock 9
	if [ ! -e "$src_dir/.done" ]; then
		local t0=$SECONDS top
		echo "irqlbench: extracting arch/x86/kvm and virt/kvm from $KENV_TARBALL" >&2
		rm -rf "$src_dir" "$src_dir.tmp"
		mkdir -p "$src_dir.tmp"
		top=linux-source-$KENV_SERIES
		tar -xJf "$KENV_TARBALL" -C "$src_dir.tmp" "$top/arch/x86/kvm" "$top/virt/kvm"
		mv "$src_dir.tmp/$top" "$src_dir"
		rmdir "$src_dir.tmp"
		# Hash of the sources, computed once: file names and contents.
		(cd "$src_dir" && find arch virt -type f | LC_ALL=C sort | xargs sha256sum) |
			sha256sum | cut -d' ' -f1 >"$src_dir/.sha256"
		touch "$src_dir/.done"
		echo "irqlbench: extracted in $((SECONDS - t0)) s" >&2
	fi
	exec 9>&-
}
extract_sources

svm_c=$src_dir/arch/x86/kvm/svm/svm.c
[ -e "$svm_c" ] || svm_c=$src_dir/arch/x86/kvm/svm.c
tree_state=$("$HERE/fix-state.sh" "$svm_c")

# --- which patches, and what they must achieve ----------------------------------
patches=() expect=
case $variant in
stock) expect=$tree_state ;;
fixed)
	expect=fixed
	case $tree_state in
	fixed) ;;
	unfixed) patches=("$HERE"/patches/forward/*.patch) ;;
	*) echo "irqlbench: error: cannot tell whether $svm_c has the cr8 intercept fix; build --variant stock or patch=FILE" >&2; exit 3 ;;
	esac ;;
unfixed)
	expect=unfixed
	case $tree_state in
	unfixed) ;;
	fixed)
		shopt -s nullglob
		patches=("$HERE"/patches/"$KENV_SERIES"/*revert*.patch)
		shopt -u nullglob
		if [ ${#patches[@]} -eq 0 ]; then
			echo "irqlbench: error: no fix-revert patch for kernel $KENV_SERIES; add host/kvm/patches/$KENV_SERIES/0001-revert-KVM-SVM-fix-cr8-intercept-window.patch" >&2
			exit 3
		fi ;;
	*) echo "irqlbench: error: cannot tell whether $svm_c has the cr8 intercept fix; build --variant stock or patch=FILE" >&2; exit 3 ;;
	esac ;;
patch=*) patches=("$upatch") expect= ;;
esac

hash=$( {
	echo "$RECIPE"
	echo "source $KENV_SOURCE_PKG $KENV_SOURCE_VER $(cat "$src_dir/.sha256")"
	echo "headers $KENV_HEADERS_PKG $KENV_HEADERS_VER $KENV_ABI"
	for p in "${patches[@]}"; do echo "patch $(basename "$p")"; cat "$p"; done
} | sha256sum | cut -c1-16)
dir=$out/$hash

if [ $info -eq 1 ]; then
	echo "abi=$KENV_ABI"
	echo "image=$KENV_IMAGE_PKG $KENV_IMAGE_VER"
	echo "headers=$KENV_HEADERS_PKG $KENV_HEADERS_VER"
	echo "source=$KENV_SOURCE_PKG $KENV_SOURCE_VER"
	echo "tree_fix_state=$tree_state"
	echo "variant=$variant"
	echo "patches=${patches[*]:-}"
	echo "dir=$dir"
	echo "cached=$([ -e "$dir/.done" ] && echo yes || echo no)"
	exit 0
fi

exec 8>"$out/$hash.lock"
flock 8
if [ -e "$dir/.done" ]; then
	echo "irqlbench: kvm $variant for $KENV_ABI: cached ($dir)" >&2
	echo "$dir"
	exit 0
fi

# --- prepare the tree --------------------------------------------------------------
t0=$(date +%s.%N)
tmp=$dir.tmp
rm -rf "$tmp"
mkdir -p "$tmp/tree/arch/x86" "$tmp/tree/virt" "$tmp/tree/inc/trace"
cp -a "$src_dir/arch/x86/kvm" "$tmp/tree/arch/x86/"
cp -a "$src_dir/virt/kvm" "$tmp/tree/virt/"
# Out-of-tree fixups: include our own copy (not the headers' tree, which has
# no kvm sources), our own virt/kvm, and a dummy include dir two levels down
# so that define_trace.h's "../../arch/x86/kvm/trace.h" resolves to our copy.
mk=$tmp/tree/arch/x86/kvm/Makefile
sed -i -e 's#^ccflags-y += -I $(srctree)/arch/x86/kvm#ccflags-y += -I $(src) -I $(src)/../../../inc/trace#' \
	-e 's#^include $(srctree)/virt/kvm/Makefile.kvm#include $(src)/../../../virt/kvm/Makefile.kvm#' "$mk"
grep -q 'inc/trace' "$mk" && grep -q '^include $(src)/../../../virt/kvm/Makefile.kvm' "$mk" || {
	echo "irqlbench: error: $KENV_SOURCE_PKG's arch/x86/kvm/Makefile has an unexpected layout; update host/kvm/build-variant.sh" >&2
	exit 3
}

for p in "${patches[@]}"; do
	if ! patch -p1 -d "$tmp/tree" --dry-run -s <"$p" >"$tmp/patch.log" 2>&1; then
		echo "irqlbench: error: $(basename "$p") does not apply to $KENV_SOURCE_PKG $KENV_SOURCE_VER (see $tmp/patch.log); rebase the patch" >&2
		exit 3
	fi
	patch -p1 -d "$tmp/tree" -s --no-backup-if-mismatch <"$p"
	echo "irqlbench: applied $(basename "$p")" >&2
done
tsvm=$tmp/tree/${svm_c#"$src_dir"/}
got=$("$HERE/fix-state.sh" "$tsvm")
if [ -n "$expect" ] && [ "$got" != "$expect" ]; then
	echo "irqlbench: error: after patching, $tsvm is '$got', expected '$expect' (the patch applied but did not have its effect); fix the patch" >&2
	exit 3
fi

# --- build ------------------------------------------------------------------------
echo "irqlbench: building kvm $variant for $KENV_ABI (make -j$jobs, log $tmp/build.log)" >&2
if ! make -C "$KENV_HEADERS" M="$tmp/tree/arch/x86/kvm" CONFIG_KVM_INTEL= -j"$jobs" modules \
		>"$tmp/build.log" 2>&1; then
	tail -n 15 "$tmp/build.log" >&2
	echo "irqlbench: error: module build failed (log $tmp/build.log)" >&2
	exit 1
fi
for m in kvm.ko kvm-amd.ko; do
	cp "$tmp/tree/arch/x86/kvm/$m" "$tmp/$m"
done
vm=$(modinfo -F vermagic "$tmp/kvm.ko" | cut -d' ' -f1)
if [ "$vm" != "$KENV_ABI" ]; then
	echo "irqlbench: error: built kvm.ko has vermagic '$vm', expected '$KENV_ABI'" >&2
	exit 1
fi
secs=$(echo "$(date +%s.%N) - $t0" | bc)
secs=$(printf '%.1f' "$secs")
{
	echo "variant=$variant"
	echo "abi=$KENV_ABI"
	echo "image=$KENV_IMAGE_PKG $KENV_IMAGE_VER"
	echo "headers=$KENV_HEADERS_PKG $KENV_HEADERS_VER"
	echo "source=$KENV_SOURCE_PKG $KENV_SOURCE_VER"
	echo "tree_fix_state=$tree_state"
	echo "fix_state=$got"
	echo "patches=$(for p in "${patches[@]}"; do basename "$p"; done | tr '\n' ' ')"
	echo "build_seconds=$secs"
	echo "jobs=$jobs"
	echo "hash=$hash"
} >"$tmp/build.info"
rm -rf "$dir"
mv "$tmp" "$dir"
touch "$dir/.done"
echo "irqlbench: built kvm $variant for $KENV_ABI in $secs s" >&2
echo "$dir"
