#!/bin/bash
# usage: kernel-list.sh [--series 6.1] [--format text|json] [--madison FILE]
#                       [--installed FILE]
#
# `irqlbench kvm kernels`: the Debian kernels of a series the archive has
# complete (image and headers of one ABI and linux-source-S at one version,
# host/kvm/kernel-resolve.sh --list), newest first, each with its ABI, its
# upstream version, the linux-kbuild-S version its headers build with, and
# where it is here:
#   installed  image, headers and source installed by dpkg at that version
#              (yes), some of them (partial), none (-)
#   cached     under build/kernels/<version>/ (host/kvm/kernel-fetch.sh): the
#              whole kernel (yes), its source alone (source), nothing (-)
# Any of them is a valid `--kernel VERSION` (or ABI) for `irqlbench lab` and
# `irqlbench kvm build`; what is neither installed nor cached is fetched then.
# --madison / --installed replay recorded apt-cache madison and dpkg-query
# output (as for kernel-resolve.sh).
# stdout: a table (text), or one JSON object (json):
#   {"series": "6.1", "cache": DIR, "kernels": [{"version", "abi", "upstream",
#    "kbuild", "installed": "yes|partial|no", "cached": "yes|source|no"}]}
# Exit: 0 ok, 2 usage, 3 apt has no complete version (one line naming the fix).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

usage() {
	echo "usage: kernel-list.sh [--series S] [--format text|json] [--madison FILE] [--installed FILE]" >&2
	exit 2
}
series=6.1 format=text madison=() installed=()
while [ $# -gt 0 ]; do
	case $1 in
	--series) series=${2:-}; shift 2 || usage ;;
	--format) format=${2:-}; shift 2 || usage ;;
	--madison) madison=(--madison "${2:-}"); shift 2 || usage ;;
	--installed) installed=(--installed "${2:-}"); shift 2 || usage ;;
	*) usage ;;
	esac
done
case $format in text|json) ;; *)
	echo "irqlbench: error: --format '$format': give text or json" >&2; exit 2 ;;
esac
cache=${IRQLBENCH_BUILD:-$ROOT/build}/kernels

rc=0
list=$("$HERE/kernel-resolve.sh" --series "$series" --list "${madison[@]}" "${installed[@]}") || rc=$?
[ $rc -eq 0 ] || exit $rc
rows=()
while read -r v abi kb i; do
	c=no
	[ -e "$cache/$v/.done-source" ] && c=source
	[ "$c" = source ] && [ -e "$cache/$v/.done-kernel" ] && c=yes
	rows+=("$v $abi ${v%-*} $kb $i $c")
done <<<"$list"

if [ "$format" = json ]; then
	printf '%s\n' "${rows[@]}" | jq -R -s --arg s "$series" --arg c "$cache" '
		{series: $s, cache: $c,
		 kernels: [split("\n")[] | select(. != "") | split(" ") |
			{version: .[0], abi: .[1], upstream: .[2], kbuild: (if .[3] == "-" then null else .[3] end),
			 installed: .[4], cached: .[5]}]}'
	exit 0
fi
{
	echo "version abi upstream kbuild installed cached"
	printf '%s\n' "${rows[@]}"
} | awk '{ for (i = 5; i <= 6; i++) if ($i == "no") $i = "-"
	   printf "%-11s %-16s %-9s %-10s %-10s %s\n", $1, $2, $3, $4, $5, $6 }'
echo "(kbuild: the linux-kbuild-$series the headers build with, the version itself or the oldest later one the archive keeps; cache: $cache)"
