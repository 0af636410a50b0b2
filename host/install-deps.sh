#!/bin/bash
# Installs the Debian packages irqlbench needs (host/packages/*.txt, one
# package per line, '#' comments) when any is missing.  Idempotent and quiet
# when everything is there.  Needs root (or sudo) only when installing.
set -eu
cd "$(dirname "$0")/packages"
want=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' ./*.txt | sort -u)
missing=()
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "irqlbench: installing missing Debian packages: ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if ! command -v apt-get >/dev/null; then
	echo "irqlbench: error: missing packages ${missing[*]} and no apt-get: install them with your package manager" >&2
	exit 3
fi
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/irqlbench-update-stamp
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	$SUDO apt-get -q -o DPkg::Lock::Timeout=900 update >/dev/null
	$SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp"
fi
if ! $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 "${missing[@]}" >/tmp/irqlbench-apt.log 2>&1; then
	echo "irqlbench: error: apt-get install ${missing[*]} failed (see /tmp/irqlbench-apt.log); fix the apt sources or install them by hand" >&2
	exit 3
fi
