#!/bin/bash
# usage: kernel-resolve.sh [--series 6.1] [--version V] [--running ABI]
#                          [--madison FILE|-] [--installed FILE] [--installed-only]
#        kernel-resolve.sh --list [--series 6.1] [--madison FILE]
#
# Chooses the one Debian kernel version whose image, headers and source the
# lab and the module builds use, and says which packages make it so.  The
# meta-packages (linux-image-amd64, linux-headers-amd64, linux-source) are
# never used: each follows its own newest upload, and the archive does not
# publish the three at once (a source upload can be there days before its
# signed image), so they can resolve to different versions.
#
# A version V of series S (e.g. 6.1) is "complete" when the archive has all of
#   linux-image-S.0-N-amd64 = V, linux-headers-S.0-N-amd64 = V (the same ABI N)
#   and linux-source-S = V.
# The choice, first rule that applies:
#   1. --version V (install-deps.sh passes $IRQLBENCH_KERNEL_VERSION): V, which
#      must be complete or already installed as a consistent triple;
#   2. the running kernel (--running, default `uname -r`) when it is a Debian
#      image of the series and its version is complete or installed
#      consistently: `kvm build` and `kvm swap` need modules for it;
#   3. a triple already installed at one version (the newest such ABI): no
#      download when the machine is already consistent;
#   4. the newest complete version in the archive.
#
# Inputs (both default to asking this machine; tests pass recorded files):
#   --madison FILE    `apt-cache madison` lines (pkg | version | origin) for
#                     the series' linux-image-*/linux-headers-* ABI packages,
#                     linux-source-S and linux-source
#   --installed FILE  `dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n'`
#                     lines for linux-image-*, linux-headers-*, linux-source*
#   --installed-only  decide from the installed packages alone (no archive
#                     look-up): exit 1 when no consistent triple is installed,
#                     or when the running kernel is an installed Debian image
#                     of the series whose own triple is not consistent
#   --list            print the complete versions instead of choosing one,
#                     newest first, one line each: "VERSION ABI KBUILD INSTALLED",
#                     where KBUILD is the linux-kbuild-S version that builds
#                     against its headers: VERSION itself when the archive still
#                     has it, else the oldest later one (the headers depend on
#                     linux-kbuild-S >= VERSION, and the archive keeps only the
#                     newest kbuild of each suite), "-" when there is none; and
#                     INSTALLED says whether image, headers and source are
#                     installed at VERSION: yes, partial or no.
#                     (host/kvm/kernel-fetch.sh and `irqlbench kvm kernels`)
# stdout, key=value lines:
#   version=6.1.192-2         the chosen Debian version
#   abi=6.1.0-56-amd64        its kernel ABI (uname -r of that image)
#   rule=version|running|installed|newest
#   complete=V V ...          the complete versions, newest first (not with --installed-only)
#   install=PKG=V ...         what `apt-get install` needs (empty: nothing to do);
#                             a mismatched linux-source meta-package is moved
#                             to V too, or removed (PKG-) when V has none
# Exit: 0 chosen, 1 (--installed-only) nothing consistent installed,
#       2 usage, 3 no usable version (one line on stderr naming the fix).
set -euo pipefail

series=6.1 version= running=$(uname -r) madison= installed= installed_only=0 list=0
usage() {
	echo "usage: kernel-resolve.sh [--series S] [--version V] [--running ABI] [--madison FILE] [--installed FILE] [--installed-only | --list]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--series) series=${2:-}; shift 2 || usage ;;
	--version) version=${2:-}; shift 2 || usage ;;
	--running) running=${2:-}; shift 2 || usage ;;
	--madison) madison=${2:-}; shift 2 || usage ;;
	--installed) installed=${2:-}; shift 2 || usage ;;
	--installed-only) installed_only=1; shift ;;
	--list) list=1; shift ;;
	*) usage ;;
	esac
done
[[ $series =~ ^[0-9]+\.[0-9]+$ ]] ||
	{ echo "irqlbench: error: --series '$series' is not a kernel series such as 6.1" >&2; exit 2; }
[ -z "$version" ] || [[ $version =~ ^[0-9][A-Za-z0-9.+~-]*-[A-Za-z0-9.+~]+$ ]] ||
	{ echo "irqlbench: error: --version '$version' is not a Debian kernel version such as 6.1.192-2 (IRQLBENCH_KERNEL_VERSION)" >&2; exit 2; }
for f in "$madison" "$installed"; do
	[ -z "$f" ] || [ -r "$f" ] ||
		{ echo "irqlbench: error: cannot read '$f': give a readable --madison / --installed file" >&2; exit 2; }
done
sre=${series//./[.]}	# the series as a regex ([.], not \.: awk -v would read \. as an escape, and gawk warns)

die() { echo "irqlbench: error: $*" >&2; exit 3; }

# --- what is installed: "pkg version" for fully installed packages ---------------
if [ -n "$installed" ]; then
	inst=$(cat -- "$installed")
else
	inst=$(dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' \
		'linux-image-*' 'linux-headers-*' 'linux-source*' 2>/dev/null || true)
fi
inst=$(printf '%s\n' "$inst" | awk '$3 == "ii" { print $1, $2 }')
inst_ver() { printf '%s\n' "$inst" | awk -v p="$1" '$1 == p { print $2; exit }'; }

src_pkg=linux-source-$series
src_inst=$(inst_ver "$src_pkg")

# ABIs installed consistently with the installed source, newest ABI last
consistent_abis() {
	[ -n "$src_inst" ] || return 0
	printf '%s\n' "$inst" | awk -v v="$src_inst" -v re="^linux-image-${sre}[.]0-[0-9]+-amd64\$" \
		'$1 ~ re && $2 == v { sub(/^linux-image-/, "", $1); print $1 }' |
	while read -r abi; do
		[ "$(inst_ver "linux-headers-$abi")" = "$src_inst" ] && echo "$abi"
	done | sort -V
}

# the packages (and the meta-package fix-up) that make version $1 / ABI $2 installed
plan() {
	local v=$1 abi=$2 p out=() meta
	for p in "linux-image-$abi" "linux-headers-$abi" "$src_pkg"; do
		[ "$(inst_ver "$p")" = "$v" ] || out+=("$p=$v")
	done
	meta=$(inst_ver linux-source)
	if [ -n "$meta" ] && [ "$meta" != "$v" ]; then
		if printf '%s\n' "$arch" | awk -v v="$v" '$1 == "linux-source" && $2 == v { f = 1 } END { exit !f }'; then
			out+=("linux-source=$v")
		else
			out+=("linux-source-")
		fi
	fi
	echo "${out[*]:-}"
}

emit() {	# emit VERSION ABI RULE
	echo "version=$1"
	echo "abi=$2"
	echo "rule=$3"
	[ $installed_only -eq 1 ] || echo "complete=${complete[*]:-}"
	echo "install=$(plan "$1" "$2")"
	exit 0
}

mapfile -t cons < <(consistent_abis)
if [ $installed_only -eq 1 ]; then
	arch=
	if [ -n "$version" ]; then
		[ "$src_inst" = "$version" ] && [ ${#cons[@]} -gt 0 ] && emit "$version" "${cons[-1]}" version
		exit 1
	fi
	# a running Debian image of the series must itself be consistent
	if [[ $running == "$series".0-*-amd64 ]] && [ -n "$(inst_ver "linux-image-$running")" ]; then
		for abi in "${cons[@]}"; do
			[ "$abi" = "$running" ] && emit "$src_inst" "$abi" running
		done
		exit 1
	fi
	[ ${#cons[@]} -gt 0 ] && emit "$src_inst" "${cons[-1]}" installed
	exit 1
fi

# --- what the archive has: "pkg version", deduplicated ----------------------------
if [ -n "$madison" ]; then
	arch=$(cat -- "$madison")
else
	command -v apt-cache >/dev/null || die "no apt-cache: the kernel packages can only be resolved on Debian; install linux-image, linux-headers and $src_pkg of one version by hand"
	names=$(apt-cache search --names-only "^linux-(image|headers)-${sre}[.]0-[0-9]+-amd64\$" | awk '{ print $1 }')
	arch=$(apt-cache madison $names "$src_pkg" linux-source "linux-kbuild-$series" 2>/dev/null || true)
fi
arch=$(printf '%s\n' "$arch" | awk -F'|' 'NF >= 2 { gsub(/[ \t]/, "", $1); gsub(/[ \t]/, "", $2); print $1, $2 }' | sort -u)

# complete versions: "version abi", newest first (Debian version order)
mapfile -t triples < <(printf '%s\n' "$arch" | awk -v s="$src_pkg" -v re="^linux-(image|headers)-${sre}[.]0-[0-9]+-amd64\$" '
	$1 == s { src[$2] = 1 }
	$1 ~ re { kind = ($1 ~ /^linux-image-/) ? "image" : "headers"; abi = $1
		  sub(/^linux-(image|headers)-/, "", abi); have[kind, abi, $2] = 1; abis[abi, $2] = 1 }
	END { for (k in abis) { split(k, a, SUBSEP)
		if (have["image", a[1], a[2]] && have["headers", a[1], a[2]] && src[a[2]]) print a[2], a[1] } }')
# sort by Debian version order, newest first
sorted=()
for t in "${triples[@]}"; do
	i=${#sorted[@]}
	sorted+=("$t")
	while [ "$i" -gt 0 ] && dpkg --compare-versions "${sorted[i-1]%% *}" lt "${t%% *}"; do
		sorted[i]=${sorted[i-1]}
		i=$((i - 1))
	done
	sorted[i]=$t
done
complete=()
for t in "${sorted[@]}"; do complete+=("${t%% *}"); done
abi_of() { for t in "${sorted[@]}"; do [ "${t%% *}" = "$1" ] && { echo "${t#* }"; return 0; }; done; return 1; }

# --list: every complete version with its ABI and the kbuild that goes with it
if [ $list -eq 1 ]; then
	[ ${#sorted[@]} -gt 0 ] ||
		die "the archive has no Debian $series kernel whose image, headers and $src_pkg share a version; run apt-get update, or check the apt sources (bookworm and bookworm-security)"
	mapfile -t kbuilds < <(printf '%s\n' "$arch" | awk -v k="linux-kbuild-$series" '$1 == k { print $2 }')
	for t in "${sorted[@]}"; do
		v=${t%% *} kb=-
		for k in "${kbuilds[@]}"; do
			dpkg --compare-versions "$k" ge "$v" || continue
			if [ "$kb" = - ] || dpkg --compare-versions "$k" lt "$kb"; then kb=$k; fi
		done
		n=0
		for p in "linux-image-${t#* }" "linux-headers-${t#* }" "$src_pkg"; do
			[ "$(inst_ver "$p")" = "$v" ] && n=$((n + 1))
		done
		case $n in 3) i=yes ;; 0) i=no ;; *) i=partial ;; esac
		echo "$v ${t#* } $kb $i"
	done
	exit 0
fi

# 1. a version asked for
if [ -n "$version" ]; then
	abi=$(abi_of "$version") && emit "$version" "$abi" version
	[ "$src_inst" = "$version" ] && [ ${#cons[@]} -gt 0 ] && emit "$version" "${cons[-1]}" version
	die "Debian kernel $version has no image, headers and $src_pkg of that version in the archive; set IRQLBENCH_KERNEL_VERSION to one that has (${complete[*]:-none})"
fi
# 2. the running kernel, when it is a Debian image of this series
case $running in
"$series".0-*-amd64)
	rver=$(inst_ver "linux-image-$running")
	if [ -n "$rver" ]; then
		for abi in "${cons[@]}"; do [ "$abi" = "$running" ] && emit "$rver" "$running" running; done
		[ "$(abi_of "$rver" || true)" = "$running" ] && emit "$rver" "$running" running
	fi ;;
esac
# 3. a consistent triple already installed
[ ${#cons[@]} -gt 0 ] && emit "$src_inst" "${cons[-1]}" installed
# 4. the newest complete version
[ ${#complete[@]} -gt 0 ] && emit "${complete[0]}" "$(abi_of "${complete[0]}")" newest
die "the archive has no Debian $series kernel whose image, headers and $src_pkg share a version; run apt-get update, or check the apt sources (bookworm and bookworm-security)"
