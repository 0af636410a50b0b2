#!/bin/bash
# Installs what irqlbench needs on Debian, idempotent and quiet when
# everything is there.  Needs root (or sudo) only when installing.
#   1. the packages listed in host/packages/*.txt (one per line, '#' comments)
#      that are missing;
#   2. one Debian kernel triple for the lab and the module builds: image,
#      headers and linux-source of one version, as host/kvm/kernel-resolve.sh
#      chooses it (the running Debian kernel, else a triple already installed,
#      else the newest version the archive has all three of), installed as
#      pkg=version, downgrading a mismatched one.  IRQLBENCH_KERNEL_VERSION=V
#      asks for version V.  IRQLBENCH_NO_KERNEL=1 skips this step (the lab and
#      `kvm build` then refuse to start, naming what is missing).
#   3. last, the optional packages of host/packages/optional/*.txt that are
#      missing, a file at a time: one that apt cannot install is a warning
#      line, not a failure (the tests that need it say SKIP).
# Exit: 0 ok, 2 a malformed IRQLBENCH_KERNEL_VERSION, 3 environment (no apt-get,
# no root or sudo, apt failed, no usable kernel version).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/packages"
listed() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$@" | sort -u; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in $(listed ./*.txt); do
	installed "$p" || missing+=("$p")
done
opt_missing=()
for f in optional/*.txt; do
	[ -e "$f" ] || continue
	for p in $(listed "$f"); do
		installed "$p" || { opt_missing+=("$f"); break; }
	done
done
# optional FILE...: each file's packages in one apt call; a failure warns
optional() {
	local f
	for f in "$@"; do
		# shellcheck disable=SC2046
		apt install --no-install-recommends $(listed "$f") >>"$log" 2>&1 ||
			echo "irqlbench: warning: the optional packages of host/packages/$f are not installed (apt-get failed, see $log); the checks that need them say SKIP" >&2
	done
}

resolve() { "$HERE/kvm/kernel-resolve.sh" ${IRQLBENCH_KERNEL_VERSION:+--version "$IRQLBENCH_KERNEL_VERSION"} "$@"; }
kernel_ok() {	# a consistent triple installed (the asked-for version, if any)
	[ "${IRQLBENCH_NO_KERNEL:-0}" = 1 ] || resolve --installed-only >/dev/null 2>&1
}
[ ${#missing[@]} -eq 0 ] && [ ${#opt_missing[@]} -eq 0 ] && kernel_ok && exit 0

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "irqlbench: error: packages are missing (${missing[*]:-a kernel image, headers and source of one version}) and installing them needs root: run host/install-deps.sh as root, or install sudo" >&2
		exit 3
	}
	SUDO=sudo
fi
if ! command -v apt-get >/dev/null; then
	echo "irqlbench: error: missing packages ${missing[*]:-} (or a kernel image, headers and source of one version) and no apt-get: install them with your package manager" >&2
	exit 3
fi
export DEBIAN_FRONTEND=noninteractive
log=${TMPDIR:-/tmp}/irqlbench-apt.log
apt() { $SUDO apt-get -y -q -o DPkg::Lock::Timeout=900 "$@"; }
update() {
	apt update >>"$log" 2>&1 || {
		echo "irqlbench: error: apt-get update failed (see $log); fix the apt sources" >&2
		exit 3
	}
	$SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp"
}
# install ARGS...: once, and once more after an apt-get update when the
# package lists were stale (a .deb the old lists name may be gone)
install() {
	apt install --no-install-recommends "$@" >>"$log" 2>&1 && return 0
	update
	apt install --no-install-recommends "$@" >>"$log" 2>&1 && return 0
	echo "irqlbench: error: apt-get install $* failed (see $log); fix the apt sources or install them by hand" >&2
	exit 3
}
: >"$log"
stamp=/var/lib/apt/periodic/irqlbench-update-stamp
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	update
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "irqlbench: installing missing Debian packages: ${missing[*]}"
	install "${missing[@]}"
fi
if kernel_ok; then
	optional "${opt_missing[@]}"
	exit 0
fi

plan=$(resolve) || exit $?	# 2: a bad IRQLBENCH_KERNEL_VERSION, 3: none usable
kver=$(echo "$plan" | sed -n 's/^version=//p')
kabi=$(echo "$plan" | sed -n 's/^abi=//p')
pkgs=$(echo "$plan" | sed -n 's/^install=//p')
# nothing to install: the chosen triple is there (the running kernel's own
# may not be, when the archive no longer has it: kvm build then names the fix)
if [ -z "$pkgs" ]; then
	optional "${opt_missing[@]}"
	exit 0
fi
echo "irqlbench: kernel for the lab and module builds: Debian $kver ($kabi); installing $pkgs"
# --allow-downgrades: a newer, mismatched source (or image) is moved to $kver
# shellcheck disable=SC2086
install --allow-downgrades $pkgs
if ! "$HERE/kvm/kernel-resolve.sh" --installed-only --version "$kver" >/dev/null 2>&1; then
	echo "irqlbench: error: after installing $pkgs the kernel image, headers and source still differ (see $log); run apt-get install --allow-downgrades $pkgs" >&2
	exit 3
fi
optional "${opt_missing[@]}"
