#!/bin/bash
# usage: build-variant.sh --variant stock|fixed|unfixed|patch=FILE
#                         [--kernel ABI|VERSION | --kernel-image BZIMAGE --modules DIR]
#                         [--source TREE] [--headers DIR] [--out DIR] [--jobs N] [--info]
#
# The kvm.ko and kvm-amd.ko of one variant, for one kernel (kernel-env.sh:
# installed, any Debian version of the archive, which is fetched into
# build/kernels/ when needed, or a kernel you built):
#   stock      the modules the kernel ships: lib/modules/ABI/kernel/arch/x86/kvm/
#              of its image, copied, not built.  "What ships" is what a stable
#              maintainer asks about; a build of the same source with other
#              headers, kbuild or compiler flags would only be close to it.
#   fixed      built with upstream 596f3142d2b7 "KVM: SVM: fix cr8 intercept
#              window": the source as shipped when it already has it (3.14 and
#              later, so 6.1), else + patches/forward/*.patch
#   unfixed    built without it: + patches/<series>/*revert*.patch when the
#              tree has the fix, the source as shipped when it predates it
#   patch=FILE built from the source plus a user patch (-p1, from the kernel tree)
# The source of a build is the kernel's Debian linux-source tarball
# (arch/x86/kvm and virt/kvm are extracted), or --source TREE: those two
# directories of your kernel tree.  The headers (kbuild's -C): --headers DIR;
# else TREE itself when it is a built tree (Module.symvers and
# include/generated/utsrelease.h); else the kernel's (its Debian headers, or
# a built kernel's lib/modules/<release>/build).  They must be of the
# source's upstream version, and of the kernel's release when a kernel is
# named.  Built modules get a srcversion (modpost -a: the MD5 of their
# sources), which Debian's own (CONFIG_MODULE_SRCVERSION_ALL unset) lack.
# Cached in DIR/<hash>/ (DIR defaults to build/kvm): the hash covers the recipe
# version, the source (package version, or a tree's upstream version, and
# the extracted files: the same files from another path are the same build,
# whose build.info names the path first built from), headers, kbuild and
# patches; stock's covers the shipped files.
# stdout: the module dir (holding kvm.ko, kvm-amd.ko, build.info) on the last
# line.  stderr: progress, "cached" or the build time.
# --info prints the kernel/variant facts as key=value lines and exits.
# Exit: 0 ok, 1 build failed, 2 usage, 3 environment (packages, versions).
set -euo pipefail

RECIPE=irqlbench-kvm-build/2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=kernel-env.sh
. "$HERE/kernel-env.sh"

usage() {
	echo "usage: build-variant.sh --variant stock|fixed|unfixed|patch=FILE [--kernel ABI|VERSION | --kernel-image BZIMAGE --modules DIR] [--source TREE] [--headers DIR] [--out DIR] [--jobs N] [--info]" >&2
	exit 2
}
uerr() { echo "irqlbench: error: $*" >&2; exit 2; }

variant= kernel= kimage= kmods= tree= headers= out=${IRQLBENCH_BUILD:-$ROOT/build}/kvm jobs=2 info=0
while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=${2:-}; shift 2 || usage ;;
	--variant=*) variant=${1#*=}; shift ;;
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	--kernel-image) kimage=${2:-}; shift 2 || usage ;;
	--modules) kmods=${2:-}; shift 2 || usage ;;
	--source) tree=${2:-}; shift 2 || usage ;;
	--headers) headers=${2:-}; shift 2 || usage ;;
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
	[ -r "$upatch" ] || uerr "patch file '$upatch' not readable; pass --variant patch=PATH_TO_PATCH"
	upatch=$(cd "$(dirname "$upatch")" && pwd)/$(basename "$upatch") ;;
*) uerr "unknown variant '$variant'; use stock, fixed, unfixed or patch=FILE" ;;
esac
if [ -n "$tree" ]; then
	[ -d "$tree" ] || uerr "--source '$tree' is not a directory; give the top of a kernel tree"
	tree=$(cd "$tree" && pwd)
	for f in arch/x86/kvm/Makefile virt/kvm/Makefile.kvm Makefile; do
		[ -e "$tree/$f" ] || uerr "--source $tree has no $f; give the top of a kernel tree (with arch/x86/kvm and virt/kvm)"
	done
fi
if [ -n "$headers" ]; then
	[ -e "$headers/Makefile" ] || uerr "--headers '$headers' has no Makefile; give a kernel headers or built tree (make -C DIR)"
	headers=$(cd "$headers" && pwd)
fi
for tool in make gcc tar xz patch sha256sum flock modinfo; do
	command -v $tool >/dev/null || { echo "irqlbench: error: '$tool' not found; run host/install-deps.sh (host/packages/lab.txt)" >&2; exit 3; }
done

# the upstream version of a kernel tree or headers dir, as `make
# kernelversion` says it, from the top Makefile (or the one a Debian headers
# Makefile includes): a tree that is only Makefile, arch/x86/kvm and virt/kvm
# has no scripts/ for make
kversion() {
	local mk=$1/Makefile inc
	if ! grep -q '^VERSION = ' "$mk"; then
		inc=$(sed -n 's/^include \(.*\/Makefile\)$/\1/p' "$mk" | head -n 1)
		[ -z "$inc" ] || mk=$inc
	fi
	awk '$2 != "=" { next } $1 == "VERSION" { v = $3 } $1 == "PATCHLEVEL" { p = $3 }
	     $1 == "SUBLEVEL" { s = $3 } $1 == "EXTRAVERSION" { e = $3 }
	     END { if (v != "") print v (p != "" ? "." p (s != "" ? "." s : "") : "") e }' "$mk" 2>/dev/null
}
# the release modules built against headers/tree $1 carry in their vermagic
# (UTS_RELEASE: Debian's include/config/kernel.release holds the upstream
# version, its utsrelease.h the ABI)
utsrelease() { sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$1/include/generated/utsrelease.h" 2>/dev/null; }
built_tree() { [ -e "$1/Module.symvers" ] && [ -n "$(utsrelease "$1")" ]; }

# --- the kernel: needed for stock (its modules), and for a build unless
# --source brings its own headers (--headers, or a built tree) ----------------
need_kernel=1
if [ "$variant" != stock ] && [ -z "$kernel$kimage$kmods" ] && [ -n "$tree" ] &&
	{ [ -n "$headers" ] || built_tree "$tree"; }; then
	need_kernel=0
fi
kenv_clear
if [ $need_kernel -eq 1 ]; then
	rc=0
	kenv_from_opts "$kernel" "$kimage" "$kmods" || rc=$?
	[ $rc -eq 0 ] || exit $rc
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# --- the source: the Debian tarball's or the tree's kvm directories --------------
if [ -n "$tree" ]; then
	src_kind=tree
	src_name=$tree
	src_ver=$(kversion "$tree")
	[ -n "$src_ver" ] || { echo "irqlbench: error: 'make -C $tree kernelversion' says nothing; is $tree a kernel tree?" >&2; exit 3; }
elif [ -n "$KENV_TARBALL" ]; then
	src_kind=debian
	src_name=$KENV_SOURCE_PKG
	src_ver=$KENV_SOURCE_VER
else
	src_kind=none
	src_name= src_ver=
	if [ "$variant" != stock ]; then
		echo "irqlbench: error: kernel $KENV_ABI ($KENV_IMAGE) comes with no source to build kvm $variant from; give --source TREE (your kernel tree)" >&2
		exit 2
	fi
fi

src_dir=
extract_sources() {
	[ ! -e "$src_dir/.done" ] || return 0	# no lock needed (a read-only tree could not take one)
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
# A tree's kvm directories, copied under their hash (the tree may change
# under us; the build must be of what was hashed).
copy_tree() {
	local tmp=$out/src/tree.$$ h
	rm -rf "$tmp"
	mkdir -p "$tmp/arch/x86" "$tmp/virt"
	cp -a "$tree/arch/x86/kvm" "$tmp/arch/x86/"
	cp -a "$tree/virt/kvm" "$tmp/virt/"
	h=$( (cd "$tmp" && find arch virt -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -d' ' -f1)
	src_dir=$out/src/tree-${h:0:16}
	exec 9>"$out/src.lock"
	flock 9
	if [ -e "$src_dir/.done" ]; then
		rm -rf "$tmp"
	else
		rm -rf "$src_dir"
		echo "$h" >"$tmp/.sha256"
		mv "$tmp" "$src_dir"
		touch "$src_dir/.done"
	fi
	exec 9>&-
}
case $src_kind in
debian) src_dir=$out/src/$KENV_SOURCE_PKG-$KENV_SOURCE_VER; extract_sources ;;
tree) copy_tree ;;
esac
tree_state=unknown svm_c=
if [ -n "$src_dir" ]; then
	svm_c=$src_dir/arch/x86/kvm/svm/svm.c
	[ -e "$svm_c" ] || svm_c=$src_dir/arch/x86/kvm/svm.c
	tree_state=$("$HERE/fix-state.sh" "$svm_c")
fi
src_desc="$src_name $src_ver"
[ $src_kind != none ] || src_desc=

# --- the headers of a build ---------------------------------------------------------
hdr_dir= hdr_desc= hdr_rel=
if [ "$variant" != stock ]; then
	if [ -n "$headers" ]; then hdr_dir=$headers
	elif [ -n "$tree" ] && built_tree "$tree"; then hdr_dir=$tree
	else hdr_dir=$KENV_HEADERS
	fi
	if [ -z "$hdr_dir" ]; then
		echo "irqlbench: error: no kernel headers for $KENV_ABI ($KENV_MODDIR/build is none); give --headers DIR (a built tree or a headers dir)" >&2
		exit 3
	fi
	hdr_rel=$(utsrelease "$hdr_dir")
	[ -n "$hdr_rel" ] || { echo "irqlbench: error: $hdr_dir has no include/generated/utsrelease.h: not a built kernel tree or headers dir" >&2; exit 3; }
	if [ "$hdr_dir" = "$KENV_HEADERS" ] && [ -n "$KENV_HEADERS_PKG" ]; then
		hdr_desc="$KENV_HEADERS_PKG $KENV_HEADERS_VER"
	else
		hdr_desc=$hdr_dir
	fi
	if [ -n "$KENV_ABI" ] && [ "$hdr_rel" != "$KENV_ABI" ]; then
		echo "irqlbench: error: headers $hdr_dir are for release $hdr_rel, the kernel is $KENV_ABI: its modules would not load; give --headers of $KENV_ABI" >&2
		exit 3
	fi
	if [ $src_kind = tree ]; then
		hv=$(kversion "$hdr_dir")
		if [ "$hv" != "$src_ver" ]; then
			echo "irqlbench: error: --source $tree is $src_ver, headers $hdr_dir are $hv: give the tree of the kernel (or --kernel / --headers of $src_ver)" >&2
			exit 3
		fi
	fi
fi
abi=${KENV_ABI:-$hdr_rel}

# --- which patches, and what they must achieve ----------------------------------
patches=() expect=
case $variant in
stock) expect= ;;
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
		patches=("$HERE"/patches/"${src_ver%%.*}.$(echo "$src_ver" | cut -d. -f2)"/*revert*.patch)
		shopt -u nullglob
		if [ ${#patches[@]} -eq 0 ]; then
			echo "irqlbench: error: no fix-revert patch for kernel $src_ver; add host/kvm/patches/<series>/0001-revert-KVM-SVM-fix-cr8-intercept-window.patch" >&2
			exit 3
		fi ;;
	*) echo "irqlbench: error: cannot tell whether $svm_c has the cr8 intercept fix; build --variant stock or patch=FILE" >&2; exit 3 ;;
	esac ;;
patch=*) patches=("$upatch") expect= ;;
esac

# --- stock: the shipped modules ---------------------------------------------------------
shipped() {	# shipped NAME: the image's module file (plain, .xz, .zst or .gz)
	local f
	for f in "$KENV_MODDIR/kernel/arch/x86/kvm/$1".ko{,.xz,.zst,.gz}; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	echo "irqlbench: error: $KENV_MODDIR has no kernel/arch/x86/kvm/$1.ko (built into the kernel, or not for x86?); stock needs the kernel's own modules" >&2
	return 3
}
if [ "$variant" = stock ]; then
	ship_kvm=$(shipped kvm) && ship_amd=$(shipped kvm-amd) || exit 3
	hash=$( {
		echo "$RECIPE stock"
		echo "kernel $KENV_KIND $KENV_ABI $KENV_IMAGE_PKG $KENV_IMAGE_VER"
		sha256sum <"$ship_kvm"
		sha256sum <"$ship_amd"
	} | sha256sum | cut -c1-16)
else
	hash=$( {
		echo "$RECIPE"
		# a tree by its contents: the same files from another path are the same build
		if [ $src_kind = tree ]; then echo "source tree $src_ver $(cat "$src_dir/.sha256")"
		else echo "source $src_kind $src_desc $(cat "$src_dir/.sha256")"
		fi
		echo "headers $hdr_desc $hdr_rel $(sha256sum <"$hdr_dir/Module.symvers" 2>/dev/null)"
		echo "kbuild $KENV_KBUILD_PKG $KENV_KBUILD_VER"
		for p in "${patches[@]}"; do echo "patch $(basename "$p")"; cat "$p"; done
	} | sha256sum | cut -c1-16)
fi
dir=$out/$hash

if [ $info -eq 1 ]; then
	echo "abi=$abi"
	echo "kernel=$KENV_KIND"
	echo "version=$KENV_VERSION"
	echo "upstream=$KENV_UPSTREAM"
	echo "image=${KENV_IMAGE_PKG:+$KENV_IMAGE_PKG $KENV_IMAGE_VER}"
	echo "modules=$KENV_MODDIR"
	echo "headers=${hdr_desc:-${KENV_HEADERS_PKG:+$KENV_HEADERS_PKG $KENV_HEADERS_VER}}"
	echo "kbuild=${KENV_KBUILD_PKG:+$KENV_KBUILD_PKG $KENV_KBUILD_VER}"
	echo "source=$src_desc"
	echo "tree_fix_state=$tree_state"
	echo "variant=$variant"
	echo "origin=$([ "$variant" = stock ] && echo shipped || echo built)"
	echo "patches=${patches[*]:-}"
	echo "dir=$dir"
	echo "cached=$([ -e "$dir/.done" ] && echo yes || echo no)"
	exit 0
fi

# a finished build needs no lock (and a read-only tree, as in the lab's L1,
# could not take one)
if [ -e "$dir/.done" ]; then
	echo "irqlbench: kvm $variant for $abi: cached ($dir)" >&2
	echo "$dir"
	exit 0
fi
exec 8>"$out/$hash.lock"
flock 8
if [ -e "$dir/.done" ]; then
	echo "irqlbench: kvm $variant for $abi: cached ($dir)" >&2
	echo "$dir"
	exit 0
fi
t0=$(date +%s.%N)
tmp=$dir.tmp
rm -rf "$tmp"
mkdir -p "$tmp"

if [ "$variant" = stock ]; then
	# copies, not links: L1 sees this folder under /host, where a link to
	# /lib/modules would point into L1's own root
	for pair in "kvm.ko $ship_kvm" "kvm-amd.ko $ship_amd"; do
		m=${pair%% *} f=${pair#* }
		case $f in
		*.xz) xz -dc "$f" >"$tmp/$m" ;;
		*.zst) zstd -qdc "$f" >"$tmp/$m" ;;
		*.gz) gzip -dc "$f" >"$tmp/$m" ;;
		*) cp "$f" "$tmp/$m" ;;
		esac
	done
	# the shipped modules were built from the kernel's own source when that
	# is its Debian linux-source of the same version
	got=unknown
	[ "$src_kind" = debian ] && got=$tree_state
	origin=shipped
	echo "irqlbench: kvm stock for $abi: the shipped modules of $KENV_IMAGE_PKG $KENV_IMAGE_VER ${KENV_MODDIR}" >&2
else
	origin=built
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
		echo "irqlbench: error: $src_desc's arch/x86/kvm/Makefile has an unexpected layout; update host/kvm/build-variant.sh" >&2
		exit 3
	}
	for p in "${patches[@]}"; do
		if ! patch -p1 -d "$tmp/tree" --dry-run -s <"$p" >"$tmp/patch.log" 2>&1; then
			echo "irqlbench: error: $(basename "$p") does not apply to $src_desc (see $tmp/patch.log); rebase the patch" >&2
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

	echo "irqlbench: building kvm $variant for $abi (make -j$jobs, log $tmp/build.log)" >&2
	# CONFIG_MODULE_SRCVERSION_ALL=y: modpost -a gives the modules a
	# srcversion (the MD5 of their sources), which names the build in
	# /sys/module/kvm_amd/srcversion once loaded; nothing else changes
	if ! make -C "$hdr_dir" M="$tmp/tree/arch/x86/kvm" CONFIG_KVM_INTEL= CONFIG_MODULE_SRCVERSION_ALL=y \
			-j"$jobs" modules >"$tmp/build.log" 2>&1; then
		tail -n 15 "$tmp/build.log" >&2
		echo "irqlbench: error: module build failed (log $tmp/build.log)" >&2
		exit 1
	fi
	for m in kvm.ko kvm-amd.ko; do
		cp "$tmp/tree/arch/x86/kvm/$m" "$tmp/$m"
	done
fi
vm=$(modinfo -F vermagic "$tmp/kvm.ko" | cut -d' ' -f1)
if [ "$vm" != "$abi" ]; then
	echo "irqlbench: error: kvm.ko of $variant has vermagic '$vm', expected '$abi'" >&2
	exit 1
fi
secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
{
	echo "recipe=$RECIPE"
	echo "variant=$variant"
	echo "origin=$origin"
	echo "abi=$abi"
	echo "kernel=$KENV_KIND"
	echo "version=$KENV_VERSION"
	echo "upstream=$KENV_UPSTREAM"
	echo "image=${KENV_IMAGE_PKG:+$KENV_IMAGE_PKG $KENV_IMAGE_VER}"
	[ "$variant" = stock ] && echo "shipped=$KENV_MODDIR/kernel/arch/x86/kvm"
	[ "$variant" = stock ] || echo "headers=$hdr_desc"
	[ "$variant" = stock ] || echo "kbuild=${KENV_KBUILD_PKG:+$KENV_KBUILD_PKG $KENV_KBUILD_VER}"
	echo "source=$src_desc"
	echo "source_kind=$src_kind"
	echo "source_upstream=$( [ $src_kind = debian ] && echo "${src_ver%-*}" || echo "$src_ver")"
	echo "tree_fix_state=$tree_state"
	echo "fix_state=$got"
	echo "patches=$(for p in "${patches[@]}"; do basename "$p"; done | tr '\n' ' ' | sed 's/ $//')"
	echo "srcversion_kvm=$(modinfo -F srcversion "$tmp/kvm.ko")"
	echo "srcversion_kvm_amd=$(modinfo -F srcversion "$tmp/kvm-amd.ko")"
	echo "sha256_kvm=$(sha256sum <"$tmp/kvm.ko" | cut -d' ' -f1)"
	echo "sha256_kvm_amd=$(sha256sum <"$tmp/kvm-amd.ko" | cut -d' ' -f1)"
	echo "build_seconds=$secs"
	echo "jobs=$jobs"
	echo "hash=$hash"
} >"$tmp/build.info"
rm -rf "$dir"
mv "$tmp" "$dir"
touch "$dir/.done"
if [ "$variant" = stock ]; then
	echo "irqlbench: kvm stock for $abi: copied in $secs s" >&2
else
	echo "irqlbench: built kvm $variant for $abi in $secs s" >&2
fi
echo "$dir"
