#!/bin/bash
# usage: check-revert.sh [--series 6.1] [--versions V[,V...]] [--cached-only]
#                        [--madison FILE]
#
# The fix-revert patch (host/kvm/patches/S/*revert*.patch) against every
# complete Debian version of series S the archive has (kernel-resolve.sh
# --list), or the versions given: for each, only linux-source-S's
# arch/x86/kvm/svm/svm.c is taken from its tarball (the installed one when
# linux-source-S is installed at that version, else build/kernels/V's,
# fetched with kernel-fetch.sh --part source when missing), and
#   1. fix-state.sh must say the source has the fix (596f3142d2b7),
#   2. patch --dry-run of the revert must succeed,
#   3. applied, fix-state.sh must say unfixed.
# The extracted svm.c is kept as build/kernels/V/svm.c (the tarball of a
# version never changes).  --cached-only checks the versions whose source is
# here (installed or cached) and fetches nothing.
# stdout: one line a version, "V ok: fixed -> unfixed (PATCH)" or
# "V FAILED: why"; stderr: errors, "irqlbench: error: PATCH does not apply
# to linux-source-S V ...", one line each.
# Exit: 0 the patch applies with its effect to every version checked,
# 1 not to some (each named), 2 usage or a version the archive lacks,
# 3 environment (download, tar).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

usage() {
	echo "usage: check-revert.sh [--series S] [--versions V[,V...]] [--cached-only] [--madison FILE]" >&2
	exit 2
}
series=6.1 versions= cached_only=0 madison=()
while [ $# -gt 0 ]; do
	case $1 in
	--series) series=${2:-}; shift 2 || usage ;;
	--versions) versions=${2:-}; shift 2 || usage ;;
	--cached-only) cached_only=1; shift ;;
	--madison) madison=(--madison "${2:-}"); shift 2 || usage ;;
	*) usage ;;
	esac
done
cache=${IRQLBENCH_BUILD:-$ROOT/build}/kernels
src_pkg=linux-source-$series
shopt -s nullglob
patches=("$HERE/patches/$series/"*revert*.patch)
shopt -u nullglob
[ ${#patches[@]} -gt 0 ] || { echo "irqlbench: error: no revert patch in host/kvm/patches/$series/" >&2; exit 2; }

rc=0
list=$("$HERE/kernel-resolve.sh" --series "$series" --list "${madison[@]}") || rc=$?
[ $rc -eq 0 ] || exit $rc
if [ -n "$versions" ]; then
	want=${versions//,/ }
	for v in $want; do
		awk -v v="$v" '$1 == v { f = 1 } END { exit !f }' <<<"$list" || {
			echo "irqlbench: error: Debian kernel $v is not in the archive as image, headers and source of one version; 'irqlbench kvm kernels --series $series' lists the versions it has" >&2
			exit 2
		}
	done
else
	want=$(awk '{ print $1 }' <<<"$list")
fi
inst=$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null || true)

# the tarball of version $1, or nothing (--cached-only)
tarball() {
	if [ "$inst" = "$1" ] && [ -e "/usr/src/$src_pkg.tar.xz" ]; then
		echo "/usr/src/$src_pkg.tar.xz"
	elif [ -e "$cache/$1/.done-source" ]; then
		echo "$cache/$1/root/usr/src/$src_pkg.tar.xz"
	elif [ $cached_only -eq 0 ]; then
		"$HERE/kernel-fetch.sh" --version "$1" --part source "${madison[@]}" >/dev/null || return
		echo "$cache/$1/root/usr/src/$src_pkg.tar.xz"
	fi
}

bad=0 n=0
for v in $want; do
	svm=$cache/$v/svm.c
	if [ ! -s "$svm" ]; then
		tb=$(tarball "$v") || exit 3
		[ -n "$tb" ] || continue	# --cached-only: not here
		mkdir -p "$cache/$v"
		# --occurrence: stop at the member, not at the end of the archive
		tar -xJOf "$tb" --occurrence=1 "linux-source-$series/arch/x86/kvm/svm/svm.c" >"$svm.tmp.$$" ||
			{ rm -f "$svm.tmp.$$"; echo "irqlbench: error: no arch/x86/kvm/svm/svm.c in $tb" >&2; exit 3; }
		mv "$svm.tmp.$$" "$svm"
	fi
	n=$((n + 1))
	t=$(mktemp -d)
	mkdir -p "$t/arch/x86/kvm/svm"
	cp "$svm" "$t/arch/x86/kvm/svm/svm.c"
	why=
	before=$("$HERE/fix-state.sh" "$t/arch/x86/kvm/svm/svm.c")
	[ "$before" = fixed ] || why="the source is '$before', not fixed: there is nothing to revert"
	for p in "${patches[@]}"; do
		[ -z "$why" ] || break
		if ! patch -p1 -d "$t" --dry-run -s <"$p" >"$t/patch.log" 2>&1; then
			why="$(basename "$p") does not apply ($(head -n 1 "$t/patch.log"))"
			echo "irqlbench: error: $(basename "$p") does not apply to $src_pkg $v ($(head -n 1 "$t/patch.log")); rebase it for $v" >&2
			break
		fi
		patch -p1 -d "$t" -s --no-backup-if-mismatch <"$p" >/dev/null 2>&1
	done
	after=
	if [ -z "$why" ]; then
		after=$("$HERE/fix-state.sh" "$t/arch/x86/kvm/svm/svm.c")
		[ "$after" = unfixed ] || why="after the revert svm.c is '$after', not unfixed"
	fi
	rm -rf "$t"
	if [ -n "$why" ]; then
		echo "$v FAILED: $why"
		bad=$((bad + 1))
	else
		echo "$v ok: $before -> $after ($(for p in "${patches[@]}"; do basename "$p"; done | tr '\n' ' ' | sed 's/ $//'))"
	fi
done
[ $n -gt 0 ] || echo "no $src_pkg version here to check (--cached-only)"
[ $bad -eq 0 ] || exit 1
