#!/bin/bash
# usage: kernel-fetch.sh (--version V | --abi ABI) [--part all|source] [--out DIR]
#                        [--madison FILE]
#
# Puts one Debian kernel of the archive into the cache, without installing
# anything: the host's /boot, /lib/modules and dpkg database stay as they
# are.  The packages of version V (or of the complete version whose ABI is
# ABI), fetched with `apt-get download`:
#   linux-image-ABI               the signed image: vmlinuz, config and the
#                                 modules (the unsigned package holds the same
#                                 files without signatures; nothing needs it)
#   linux-headers-ABI, linux-headers-<ABIbase>-common
#   linux-kbuild-S                at V when the archive still has it, else the
#                                 oldest later upload (the headers depend on
#                                 linux-kbuild-S >= V; the archive keeps only
#                                 the newest of each suite)
#   linux-source-S                the tarball the module variants are built from
# The versions come from `kernel-resolve.sh --list` (apt-cache madison).
#
# Cache, DIR/<V>/ (DIR defaults to build/kernels):
#   debs/*.deb     complete downloads only: apt-get works in debs/.partial/
#                  and a package is moved into debs/ once apt has checked it
#   root/          the packages unpacked with dpkg-deb -x: root/boot/vmlinuz-ABI,
#                  root/lib/modules/ABI (with depmod's modules.dep),
#                  root/usr/src/linux-headers-ABI (its Makefile's include of
#                  the -common headers made to point into root/),
#                  root/usr/lib/linux-kbuild-S, root/usr/src/linux-source-S.tar.xz
#   kernel.env     the facts kernel-env.sh reads (KVERSION, KABI, packages, versions)
#   debs.sha256    the packages' checksums
#   .done-source, .done-kernel   each part complete; the version is cached
#                  when both are there (an interrupted fetch left no marker and
#                  is finished, not trusted, by the next one)
# --part source fetches the linux-source package alone (host/kvm/check-revert.sh).
# Fetches of one version are serialised with flock on DIR/<V>.lock.
#
# stdout: the cache dir DIR/<V> on the last line.  stderr: a line per package
# with its size and then its time, "cached" when there was nothing to do.
# Exit: 0 ok, 2 usage or a version/ABI the archive does not have (one line
# naming `irqlbench kvm kernels`), 3 environment (apt, download, unpack).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

usage() {
	echo "usage: kernel-fetch.sh (--version V | --abi ABI) [--part all|source] [--out DIR] [--madison FILE]" >&2
	exit 2
}
version= abi= part=all out=${IRQLBENCH_BUILD:-$ROOT/build}/kernels madison=()
while [ $# -gt 0 ]; do
	case $1 in
	--version) version=${2:-}; shift 2 || usage ;;
	--abi) abi=${2:-}; shift 2 || usage ;;
	--part) part=${2:-}; shift 2 || usage ;;
	--out) out=${2:-}; shift 2 || usage ;;
	--madison) madison=(--madison "${2:-}"); shift 2 || usage ;;
	*) usage ;;
	esac
done
[ -n "$version$abi" ] || usage
case $part in all|source) ;; *) usage ;; esac
die() { echo "irqlbench: error: $*" >&2; exit 3; }
want=${version:-$abi}
series=$(echo "$want" | sed -n 's/^\([0-9][0-9]*\.[0-9][0-9]*\)[.-].*/\1/p')
notin() {
	echo "irqlbench: error: Debian kernel $want is not in the archive as image, headers and source of one version; 'irqlbench kvm kernels${series:+ --series $series}' lists the versions it has" >&2
	exit 2
}
[ -n "$series" ] || notin

# --- the version, its ABI and kbuild, from the archive ----------------------------
rc=0
list=$("$HERE/kernel-resolve.sh" --series "$series" --list "${madison[@]}") || rc=$?
# 3: no complete version at all (its line says why); anything else: usage
[ $rc -eq 0 ] || exit $rc
if [ -n "$version" ]; then
	line=$(awk -v v="$version" '$1 == v { print; exit }' <<<"$list")
else
	line=$(awk -v a="$abi" '$2 == a { print; exit }' <<<"$list")	# newest first
fi
[ -n "$line" ] || notin
read -r version abi kbuild _ <<<"$line"
abibase=${abi%-*}
img_pkg=linux-image-$abi hdr_pkg=linux-headers-$abi com_pkg=linux-headers-$abibase-common
kb_pkg=linux-kbuild-$series src_pkg=linux-source-$series

for tool in apt-get apt-cache dpkg-deb depmod flock sha256sum; do
	command -v $tool >/dev/null || die "'$tool' not found; this needs Debian's apt, dpkg and kmod"
done
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
dir=$out/$version
exec 9>"$out/$version.lock"
if ! flock -n 9; then
	echo "irqlbench: kernel $version: another fetch of it is running; waiting for its lock ($out/$version.lock)" >&2
	flock 9
fi

need=(source)
[ $part = source ] || need+=(kernel)
todo=()
for p in "${need[@]}"; do [ -e "$dir/.done-$p" ] || todo+=("$p"); done
if [ ${#todo[@]} -eq 0 ]; then
	echo "irqlbench: kernel $version ($abi): cached ($dir)" >&2
	echo "$dir"
	exit 0
fi
for p in "${todo[@]}"; do
	[ "$p" = kernel ] && [ "$kbuild" = - ] &&
		die "the archive has no $kb_pkg at $version or later, which linux-headers-$abi needs; run apt-get update"
done

# --- download -------------------------------------------------------------------------
apt_updated=0
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
# fetch PKG VER: debs/PKG_VER_*.deb, downloaded unless already complete
fetch() {
	local pkg=$1 ver=$2 size f t0 log
	f=$(ls "$dir/debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
	if [ -n "$f" ]; then
		echo "irqlbench: kernel $version: $pkg $ver already downloaded" >&2
		return 0
	fi
	size=$(apt-cache show "$pkg=$ver" 2>/dev/null | sed -n 's/^Size: //p' | head -n 1)
	echo "irqlbench: kernel $version: downloading $pkg $ver ($(mib "${size:-0}"))" >&2
	rm -rf "$dir/debs/.partial"
	mkdir -p "$dir/debs/.partial"
	log=$dir/debs/.partial.log
	t0=$(date +%s.%N)
	# apt checks the file against the archive's hashes before it keeps it;
	# as root it would warn that its _apt sandbox cannot write here
	if ! (cd "$dir/debs/.partial" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver") >"$log" 2>&1; then
		if [ $apt_updated -eq 0 ] && [ "$(id -u)" = 0 ]; then
			# the lists may name a file the mirror has dropped since
			echo "irqlbench: kernel $version: download failed; apt-get update, then once more" >&2
			apt-get -q -o DPkg::Lock::Timeout=900 update >>"$log" 2>&1 || true
			apt_updated=1
			(cd "$dir/debs/.partial" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver") >>"$log" 2>&1 ||
				die "apt-get download $pkg=$ver failed ($(grep -E '^(E|W):' "$log" | tail -n 1)); see $log"
		else
			die "apt-get download $pkg=$ver failed ($(grep -E '^(E|W):' "$log" | tail -n 1)); see $log, or run apt-get update"
		fi
	fi
	f=$(ls "$dir/debs/.partial/"*.deb 2>/dev/null | head -n 1 || true)
	[ -n "$f" ] && dpkg-deb --info "$f" >/dev/null 2>&1 || die "apt-get download $pkg=$ver left no valid package; see $log"
	mv "$f" "$dir/debs/"
	rm -rf "$dir/debs/.partial" "$log"
	echo "irqlbench: kernel $version: $pkg $(mib "$(stat -c %s "$dir/debs/${f##*/}")") in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s" >&2
}
deb() { ls "$dir/debs/${1}_${2//:/%3a}_"*.deb | head -n 1; }
unpack() {	# unpack PKG VER into root/
	local t0=$SECONDS
	dpkg-deb -x "$(deb "$1" "$2")" "$dir/root" || die "dpkg-deb -x $(deb "$1" "$2") failed (disk full?)"
	[ $((SECONDS - t0)) -lt 3 ] || echo "irqlbench: kernel $version: unpacked $1 in $((SECONDS - t0)) s" >&2
}

mkdir -p "$dir/debs" "$dir/root"
t_all=$(date +%s.%N)
for p in "${todo[@]}"; do
	case $p in
	source)
		fetch "$src_pkg" "$version"
		unpack "$src_pkg" "$version"
		[ -e "$dir/root/usr/src/$src_pkg.tar.xz" ] || die "$src_pkg $version holds no usr/src/$src_pkg.tar.xz"
		{ echo "KSOURCE_PKG=$src_pkg"; echo "KSOURCE_VER=$version"; } >"$dir/source.env"
		(cd "$dir/debs" && sha256sum ./*.deb) >"$dir/debs.sha256"
		touch "$dir/.done-source" ;;
	kernel)
		fetch "$img_pkg" "$version"
		fetch "$hdr_pkg" "$version"
		fetch "$com_pkg" "$version"
		fetch "$kb_pkg" "$kbuild"
		for pv in "$img_pkg $version" "$hdr_pkg $version" "$com_pkg $version" "$kb_pkg $kbuild"; do
			# shellcheck disable=SC2086
			unpack $pv
		done
		r=$dir/root
		[ -e "$r/boot/vmlinuz-$abi" ] && [ -d "$r/lib/modules/$abi/kernel" ] ||
			die "$img_pkg $version holds no boot/vmlinuz-$abi and lib/modules/$abi"
		# The headers include the -common Makefile by its absolute path
		# under /usr/src: make it the one in this root.
		mk=$r/usr/src/linux-headers-$abi/Makefile
		sed -i "s#^include /usr/src/#include $r/usr/src/#" "$mk"
		grep -q "^include $r/usr/src/linux-headers-$abibase-common/Makefile" "$mk" ||
			die "$hdr_pkg $version: unexpected Makefile ($(head -n 1 "$mk")); update host/kvm/kernel-fetch.sh"
		[ -d "$r/usr/src/linux-headers-$abi/scripts/" ] ||
			die "$hdr_pkg $version: scripts/ does not resolve inside $r (linux-kbuild layout changed?)"
		# the headers package's build and source links are absolute: relative here
		ln -sfn "../../../usr/src/linux-headers-$abi" "$r/lib/modules/$abi/build"
		ln -sfn "../../../usr/src/linux-headers-$abibase-common" "$r/lib/modules/$abi/source"
		# modules.dep is made by the package's postinst, not shipped
		depmod -b "$r" "$abi" || die "depmod -b $r $abi failed"
		{
			echo "KVERSION=$version"
			echo "KABI=$abi"
			echo "KSERIES=$series"
			echo "KIMAGE_PKG=$img_pkg"
			echo "KHEADERS_PKG=$hdr_pkg"
			echo "KCOMMON_PKG=$com_pkg"
			echo "KKBUILD_PKG=$kb_pkg"
			echo "KKBUILD_VER=$kbuild"
		} >"$dir/kernel.env"
		(cd "$dir/debs" && sha256sum ./*.deb) >"$dir/debs.sha256"
		touch "$dir/.done-kernel" ;;
	esac
done
echo "irqlbench: kernel $version ($abi): fetched ${todo[*]} into $dir in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t_all" | bc)") s" >&2
echo "$dir"
