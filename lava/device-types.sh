#!/bin/bash
# usage: device-types.sh [--out DIR]
# Prints the folder of LAVA's device-type templates (qemu.jinja2,
# x86.jinja2, base.jinja2, ...), the ones a lava-server renders device
# dictionaries with.  They ship in Debian's lava-server package, which also
# pulls in Django and PostgreSQL: instead of installing it, its .deb is
# fetched once with `apt-get download` (0.4 MiB) and only
# usr/share/lava-server/device-types/ is unpacked, into DIR (default
# build/lava/lava-server-VERSION/device-types), under a lock.  An installed
# lava-server's own folder is used as it is.
# Exit: 0 ok (the folder on stdout), 2 usage, 3 environment (no apt-get,
# the download failed).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
base=${IRQLBENCH_BUILD:-$ROOT/build}/lava
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || { echo "usage: device-types.sh [--out DIR]" >&2; exit 2; }; base=$2; shift 2 ;;
	*) echo "usage: device-types.sh [--out DIR]" >&2; exit 2 ;;
	esac
done
for d in /usr/share/lava-server/device-types /etc/lava-server/dispatcher-config/device-types; do
	[ -r "$d/qemu.jinja2" ] && { echo "$d"; exit 0; }
done
command -v apt-get >/dev/null || { echo "irqlbench: error: no apt-get: install lava-server's device-type templates by hand (usr/share/lava-server/device-types)" >&2; exit 3; }
ver=$(apt-cache policy lava-server 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "irqlbench: error: apt knows no lava-server package; run apt-get update" >&2; exit 3; }
dir=$base/lava-server-$ver
if [ ! -e "$dir/.done" ]; then
	mkdir -p "$base"
	exec 9>"$base/lava-server.lock"
	flock 9
	if [ ! -e "$dir/.done" ]; then
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp/deb"
		(cd "$dir.tmp/deb" && apt-get download -q "lava-server=$ver" >"$dir.tmp/download.log" 2>&1) || {
			echo "irqlbench: error: apt-get download lava-server=$ver failed (see $dir.tmp/download.log); check the apt sources" >&2
			exit 3
		}
		dpkg-deb --fsys-tarfile "$dir.tmp"/deb/lava-server_*.deb |
			tar -x -C "$dir.tmp" --strip-components=4 ./usr/share/lava-server/device-types
		rm -rf "$dir.tmp/deb" "$dir.tmp/download.log" "$dir"
		mv "$dir.tmp" "$dir"
		touch "$dir/.done"
	fi
fi
echo "$dir/device-types"
