#!/bin/bash
# usage: mkinitramfs.sh [--kernel ABI|VERSION | --kernel-image BZIMAGE --modules DIR]
#                       [--out DIR]
# Builds the lab's L1 initramfs from Debian packages: busybox-static, the
# kernel's own virtio_pci/9pnet_virtio/9p modules (dependencies resolved by
# modprobe -d ROOT -S ABI --show-depends in the kernel's module tree:
# host/kvm/kernel-env.sh) and host/lab/init.  Cached in
# DIR/initramfs-<hash>.cpio.gz (DIR defaults to build/lab), hash over the
# release, the modules' contents, busybox version and init script.  Prints
# the path.
# Exit: 0 ok, 2 usage, 3 environment.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/host/kvm/kernel-env.sh"

kernel= kimg= kmods= out=${IRQLBENCH_BUILD:-$ROOT/build}/lab
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:-}; shift 2 ;;
	--kernel-image) kimg=${2:-}; shift 2 ;;
	--modules) kmods=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	*) echo "usage: mkinitramfs.sh [--kernel ABI|VERSION | --kernel-image BZIMAGE --modules DIR] [--out DIR]" >&2; exit 2 ;;
	esac
done
rc=0
kenv_from_opts "$kernel" "$kimg" "$kmods" || rc=$?
[ $rc -eq 0 ] || exit $rc
bb=/bin/busybox
bbver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || true)
if [ -z "$bbver" ] || [ ! -x "$bb" ]; then
	echo "irqlbench: error: busybox-static is not installed; apt-get install busybox-static (host/packages/lab.txt)" >&2
	exit 3
fi
command -v cpio >/dev/null || { echo "irqlbench: error: cpio is not installed; apt-get install cpio" >&2; exit 3; }

mkdir -p "$out"
# the modules, in load order (the init loads /mods/*.ko sorted); a kernel
# you built may have them built in
deps=
for m in virtio_pci 9pnet_virtio 9p; do
	d=$(modprobe -d "$KENV_MODROOT" -S "$KENV_ABI" --show-depends "$m" 2>&1) || {
		echo "irqlbench: error: $KENV_ABI has no $m module in $KENV_MODDIR ($d); the lab's L1 needs virtio-pci and 9p (modules or built in)" >&2
		exit 3
	}
	deps+=$d$'\n'
done
mapfile -t mods < <(printf '%s' "$deps" | sed -n 's/^insmod \(.*\.ko\)\( .*\)\{0,1\}$/\1/p' | awk '!seen[$0]++')
hash=$( { echo "$KENV_ABI $KENV_IMAGE_VER busybox $bbver"; cat "${mods[@]}" "$HERE/init" "$0"; } | sha256sum | cut -c1-16)
img=$out/initramfs-$hash.cpio.gz
if [ -e "$img" ]; then
	echo "$img"
	exit 0
fi
r=$out/initramfs-$hash.root.$$
rm -rf "$r"
mkdir -p "$r"/{bin,mods,proc,sys,dev,host,out,tmp,run}
cp "$bb" "$r/bin/busybox"
for a in sh mount umount insmod rmmod lsmod mkdir cat echo ls sleep poweroff chroot dmesg grep \
	wc date uname mknod tail head sed awk cp cut tr rm sync uptime env test [ printf kill ps; do
	ln -s busybox "$r/bin/$a"
done
n=0
for f in "${mods[@]}"; do
	n=$((n + 1))
	# The file names carry the load order (the init loads /mods/*.ko sorted).
	cp "$f" "$r/mods/$(printf %02d "$n")-$(basename "$f")"
done
install -m 755 "$HERE/init" "$r/init"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$img.tmp.$$"
mv "$img.tmp.$$" "$img"
rm -rf "$r"
echo "$img"
