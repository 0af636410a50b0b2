#!/bin/bash
# host/kvm/kernel-resolve.sh against recorded archive and dpkg states: the
# kernel triple (image, headers, source of one Debian version) it chooses and
# the pkg=version list that makes it installed.  The archive is today's
# recorded `apt-cache madison` (tests/fixtures/apt/), where the newest
# linux-source (6.1.192-3) has no image: the meta-packages resolve to image
# and headers 6.1.192-2 but source 6.1.192-3.  No apt or network is used.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_cmd dpkg
R=host/kvm/kernel-resolve.sh
M=tests/fixtures/apt/madison-6.1-2026-11-29.txt

# st FILE "pkg ver" ...: a dpkg-query state with those packages installed
st() { local f=$1; shift; : >"$f"; for pv in "$@"; do echo "$pv ii " >>"$f"; done; }
key() { sed -n "s/^$1=//p" "$TMP/out"; }
res() { "$R" --running 6.18.44-test "$@" >"$TMP/out" 2>"$TMP/err"; }

# a fresh machine: the newest complete version, never the skewed source
st "$TMP/none"
res --madison "$M" --installed "$TMP/none"
eq "fresh: status" $? 0
eq "fresh: version" "$(key version)" 6.1.192-2
eq "fresh: abi" "$(key abi)" 6.1.0-56-amd64
eq "fresh: rule" "$(key rule)" newest
eq "fresh: complete versions, newest first" "$(key complete)" \
	"6.1.192-2 6.1.192-1 6.1.190-1 6.1.187-1 6.1.176-1 6.1.170-3"
eq "fresh: installs exactly the triple" "$(key install)" \
	"linux-image-6.1.0-56-amd64=6.1.192-2 linux-headers-6.1.0-56-amd64=6.1.192-2 linux-source-6.1=6.1.192-2"

# today's skew installed by the meta-packages: the source is moved back to the
# image's version, and so is the linux-source meta-package that pulled it in
st "$TMP/skew" "linux-image-6.1.0-56-amd64 6.1.192-2" "linux-headers-6.1.0-56-amd64 6.1.192-2" \
	"linux-image-amd64 6.1.192-2" "linux-source-6.1 6.1.192-3" "linux-source 6.1.192-3"
res --madison "$M" --installed "$TMP/skew"
eq "skew: version" "$(key version)" 6.1.192-2
eq "skew: install" "$(key install)" "linux-source-6.1=6.1.192-2 linux-source=6.1.192-2"
res --installed "$TMP/skew" --installed-only
eq "skew: nothing consistent installed (exit 1)" $? 1

# a consistent older triple is kept: nothing to download
st "$TMP/old" "linux-image-6.1.0-50-amd64 6.1.176-1" "linux-headers-6.1.0-50-amd64 6.1.176-1" \
	"linux-source-6.1 6.1.176-1"
res --madison "$M" --installed "$TMP/old"
eq "installed: version" "$(key version)" 6.1.176-1
eq "installed: rule" "$(key rule)" installed
eq "installed: nothing to install" "$(key install)" ""
res --installed "$TMP/old" --installed-only
eq "installed-only: status" $? 0
eq "installed-only: abi" "$(key abi)" 6.1.0-50-amd64

# several images: the one matching the source, not the newest image
st "$TMP/two" "linux-image-6.1.0-50-amd64 6.1.176-1" "linux-headers-6.1.0-50-amd64 6.1.176-1" \
	"linux-image-6.1.0-56-amd64 6.1.192-2" "linux-source-6.1 6.1.176-1"
res --installed "$TMP/two" --installed-only
eq "two images: the consistent abi" "$(key abi)" 6.1.0-50-amd64

# the running Debian kernel wins (kvm build/swap need its modules), even over
# a consistent triple of another version
st "$TMP/run" "linux-image-6.1.0-50-amd64 6.1.176-1" "linux-image-6.1.0-56-amd64 6.1.192-2" \
	"linux-headers-6.1.0-56-amd64 6.1.192-2" "linux-source-6.1 6.1.192-2"
"$R" --running 6.1.0-50-amd64 --madison "$M" --installed "$TMP/run" >"$TMP/out"
eq "running: version" "$(key version)" 6.1.176-1
eq "running: rule" "$(key rule)" running
eq "running: install" "$(key install)" "linux-headers-6.1.0-50-amd64=6.1.176-1 linux-source-6.1=6.1.176-1"
"$R" --running 6.1.0-50-amd64 --installed "$TMP/run" --installed-only >/dev/null
eq "running but inconsistent: installed-only exit 1" $? 1

# a version asked for
res --version 6.1.187-1 --madison "$M" --installed "$TMP/none"
eq "--version: abi" "$(key abi)" 6.1.0-53-amd64
eq "--version: rule" "$(key rule)" version
res --version 6.1.192-3 --madison "$M" --installed "$TMP/none"
eq "--version without an image: exit 3" $? 3
eq "--version without an image: one line" "$(wc -l <"$TMP/err")" 1
ok "--version without an image: names the complete ones" \
	grep -q "6.1.192-3 has no image.*IRQLBENCH_KERNEL_VERSION.*(6.1.192-2 6.1.192-1 6.1.190-1 6.1.187-1 6.1.176-1 6.1.170-3)" "$TMP/err"

# a meta-package at a version that has no linux-source meta: removed (pkg-)
grep -v '^linux-source |' "$M" >"$TMP/nometa"
st "$TMP/meta" "linux-source 6.1.192-3" "linux-source-6.1 6.1.192-3"
res --madison "$TMP/nometa" --installed "$TMP/meta"
eq "meta without that version: removed" "$(key install)" \
	"linux-image-6.1.0-56-amd64=6.1.192-2 linux-headers-6.1.0-56-amd64=6.1.192-2 linux-source-6.1=6.1.192-2 linux-source-"

# Debian version order, not string order: -10 is newer than -9
cat >"$TMP/order" <<EOF
linux-image-6.1.0-60-amd64 | 6.1.200-9 | x
linux-headers-6.1.0-60-amd64 | 6.1.200-9 | x
linux-source-6.1 | 6.1.200-9 | x
linux-image-6.1.0-61-amd64 | 6.1.200-10 | x
linux-headers-6.1.0-61-amd64 | 6.1.200-10 | x
linux-source-6.1 | 6.1.200-10 | x
linux-image-6.1.0-62-amd64 | 6.1.200-10~bpo1 | x
linux-headers-6.1.0-62-amd64 | 6.1.200-10~bpo1 | x
linux-source-6.1 | 6.1.200-10~bpo1 | x
EOF
res --madison "$TMP/order" --installed "$TMP/none"
eq "version order" "$(key complete)" "6.1.200-10 6.1.200-10~bpo1 6.1.200-9"
# image and headers of one version but different ABIs are not a triple
cat >"$TMP/abi" <<EOF
linux-image-6.1.0-60-amd64 | 6.1.200-1 | x
linux-headers-6.1.0-61-amd64 | 6.1.200-1 | x
linux-source-6.1 | 6.1.200-1 | x
linux-image-6.1.0-56-amd64-unsigned | 6.1.192-3 | x
linux-headers-6.1.0-57-amd64 | 6.1.192-3 | x
linux-source-6.1 | 6.1.192-3 | x
EOF
res --madison "$TMP/abi" --installed "$TMP/none"
eq "no complete version: exit 3" $? 3
ok "no complete version: names the fix" grep -q "apt-get update" "$TMP/err"

# usage: each a one-line error, exit 2 (not 3: nothing is wrong with the machine)
for bad in "--series nope" "--series 6.1.0" "--series 6.1|x" "--version foo" "--version 6.1.192" \
	   "--madison $TMP/nosuch" "--installed $TMP/nosuch"; do
	# shellcheck disable=SC2086
	"$R" $bad >/dev/null 2>"$TMP/err"
	eq "$bad: exit 2" $? 2
	eq "$bad: one line" "$(wc -l <"$TMP/err")" 1
done
"$R" --bogus >/dev/null 2>&1
eq "unknown option: exit 2" $? 2

# the installer as a user who cannot install: one line saying what it
# needs, exit 3, before any apt-get (a copy of it with one package missing)
if have_root && command -v setpriv >/dev/null && ! command -v sudo >/dev/null; then
	mkdir -p "$TMP/inst/host/kvm"
	cp -r host/install-deps.sh host/packages "$TMP/inst/host/"
	cp host/kvm/kernel-resolve.sh "$TMP/inst/host/kvm/"
	echo irqlbench-no-such-package >"$TMP/inst/host/packages/zz-test.txt"
	chmod -R a+rX "$TMP"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$TMP/inst/host/install-deps.sh" >/dev/null 2>"$TMP/err"
	eq "installer without root or sudo: exit 3" $? 3
	ok "installer without root or sudo: says it needs root" \
		grep -q "^irqlbench: error: packages are missing (irqlbench-no-such-package) and installing them needs root" "$TMP/err"
fi
finish
