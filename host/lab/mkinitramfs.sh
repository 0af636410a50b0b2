#!/bin/bash
# usage: mkinitramfs.sh [--kernel ABI] [--out DIR]
# Builds the lab's L1 initramfs from Debian packages: busybox-static, the
# kernel's own virtio_pci/9pnet_virtio/9p modules (dependencies resolved by
# modprobe -S ABI --show-depends) and host/lab/init.  Cached in
# DIR/initramfs-<hash>.cpio.gz (DIR defaults to build/lab), hash over the
# kernel image version, busybox version and init script.  Prints the path.
# Exit: 0 ok, 2 usage, 3 environment.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/host/kvm/kernel-env.sh"

kernel= out=${IRQLBENCH_BUILD:-$ROOT/build}/lab
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	*) echo "usage: mkinitramfs.sh [--kernel ABI] [--out DIR]" >&2; exit 2 ;;
	esac
done
rc=0
kenv_detect "$kernel" || rc=$?
[ $rc -eq 0 ] || exit $rc
bb=/bin/busybox
bbver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || true)
if [ -z "$bbver" ] || [ ! -x "$bb" ]; then
	echo "irqlbench: error: busybox-static is not installed; apt-get install busybox-static (host/packages/lab.txt)" >&2
	exit 3
fi
command -v cpio >/dev/null || { echo "irqlbench: error: cpio is not installed; apt-get install cpio" >&2; exit 3; }

mkdir -p "$out"
hash=$( { echo "$KENV_ABI $KENV_IMAGE_VER busybox $bbver"; cat "$HERE/init" "$0"; } | sha256sum | cut -c1-16)
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
for m in virtio_pci 9pnet_virtio 9p; do
	modprobe -S "$KENV_ABI" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r f; do
	n=$((n + 1))
	# The file names carry the load order (the init loads /mods/*.ko sorted).
	cp "$f" "$r/mods/$(printf %02d "$n")-$(basename "$f")"
done
[ -n "$(ls "$r/mods")" ] || { echo "irqlbench: error: no virtio/9p modules found for $KENV_ABI" >&2; exit 3; }
install -m 755 "$HERE/init" "$r/init"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$img.tmp.$$"
mv "$img.tmp.$$" "$img"
rm -rf "$r"
echo "$img"
