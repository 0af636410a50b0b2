# Sourced by host/kvm/build-variant.sh and host/lab/*.sh (bash).
#
# Finds the kernel a lab or module build is for and checks that its image,
# headers and source tarball come from one Debian version: kbuild would
# happily build modules from a different source, and they would then refuse
# to load (or worse, load with a different struct layout).  The kernel is
# one of three kinds (KENV_KIND):
#   installed  a Debian image under /boot with its headers and linux-source
#              installed by dpkg at the image's version (host/install-deps.sh)
#   cache      any version of the archive, downloaded with apt-get download and
#              unpacked under build/kernels/<version>/root by
#              host/kvm/kernel-fetch.sh (nothing is installed)
#   user       a kernel you built: --kernel-image bzImage --modules DIR
#
# kenv_detect [KERNEL]
#   ""                 the installed default: the running kernel if its image
#                      is under /boot, else the triple host/kvm/kernel-resolve.sh
#                      --installed-only names, else the newest image in /boot
#   ABI, /boot/vmlinuz-ABI   that ABI: installed when its triple is installed
#                      consistently, else the archive's version with that ABI
#                      (cached, or fetched now)
#   VERSION            a Debian package version (6.1.176-1): installed when the
#                      triple is installed at it, else cached, else fetched
# kenv_detect_user IMAGE MODULES
#   IMAGE a bzImage; MODULES a lib/modules/<release> directory (as
#   `make modules_install` leaves it, with modules.dep), or a root holding
#   exactly one lib/modules/<release>.  The release comes from MODULES and
#   must be the image's own (its setup header's version string).
# kenv_from_opts KERNEL IMAGE MODULES   the one a script's --kernel or
#   --kernel-image/--modules options name (both forms at once: usage error)
#
# After any of them:
#   KENV_KIND      installed | cache | user
#   KENV_ABI       6.1.0-50-amd64 (the release, uname -r)    KENV_SERIES  6.1
#   KENV_VERSION   6.1.176-1 (Debian package version; a user kernel: the
#                  "Debian V" of its version string, if any)
#   KENV_UPSTREAM  6.1.176
#   KENV_IMAGE     the image       KENV_CONFIG   its config (may be empty: user)
#   KENV_MODROOT   the root for `modprobe -d ROOT -S ABI` (/ when installed)
#   KENV_MODDIR    KENV_MODROOT/lib/modules/ABI
#   KENV_HEADERS   the kbuild headers dir (user: MODULES/build when it is one)
#   KENV_TARBALL   linux-source-S.tar.xz (empty: user)
#   KENV_IMAGE_PKG / _VER, KENV_HEADERS_PKG / _VER, KENV_SOURCE_PKG / _VER,
#   KENV_KBUILD_PKG / _VER         the Debian packages (empty: user)
#   KENV_CACHE     build/kernels/<version> (cache only)
#   KENV_PASS      the options that name this same kernel to another script
#                  without a new look-up (--kernel ABI, --kernel VERSION, or
#                  --kernel-image IMAGE --modules DIR)
# Errors: one line on stderr, return 3 (environment) or 2 (a bad --kernel,
# or a Debian version or ABI the archive does not have).

kenv_die() {
	echo "irqlbench: error: $*" >&2
	return 3
}

kenv_pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null
}

kenv_here() { (cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); }
kenv_cache_dir() { echo "${IRQLBENCH_BUILD:-$(cd "$(kenv_here)/../.." && pwd)/build}/kernels"; }

# a Debian kernel ABI (6.1.0-50-amd64) or package version (6.1.176-1)?
kenv_is_abi() { [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+(-[a-z][a-z0-9]*)+$ ]]; }
kenv_is_version() { [[ $1 =~ ^[0-9]+\.[0-9]+(\.[0-9]+)*-[0-9][A-Za-z0-9.+~]*$ ]]; }

# The kernel to use when none is named: the running one if it is installed
# as an image under /boot; else the one whose image, headers and source are
# installed at one Debian version (host/kvm/kernel-resolve.sh --installed-only,
# the triple host/install-deps.sh installs); else the newest image under /boot.
kenv_default_abi() {
	local r
	r=$(uname -r)
	if [ -e "/boot/vmlinuz-$r" ]; then
		echo "$r"
		return 0
	fi
	r=$("$(kenv_here)/kernel-resolve.sh" --installed-only 2>/dev/null | sed -n 's/^abi=//p')
	if [ -n "$r" ] && [ -e "/boot/vmlinuz-$r" ]; then
		echo "$r"
		return 0
	fi
	ls /boot/vmlinuz-* 2>/dev/null | sed 's#^/boot/vmlinuz-##' | sort -V | tail -n 1
}

kenv_series_of() { echo "$1" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p'; }

kenv_clear() {
	KENV_KIND= KENV_ABI= KENV_SERIES= KENV_VERSION= KENV_UPSTREAM= KENV_IMAGE= KENV_CONFIG=
	KENV_MODROOT= KENV_MODDIR= KENV_HEADERS= KENV_TARBALL= KENV_CACHE=
	KENV_IMAGE_PKG= KENV_IMAGE_VER= KENV_HEADERS_PKG= KENV_HEADERS_VER=
	KENV_SOURCE_PKG= KENV_SOURCE_VER= KENV_KBUILD_PKG= KENV_KBUILD_VER=
	KENV_PASS=()
}

# The installed triple of ABI $1 (the image under /boot, owned by a package,
# headers and source at its version).  Returns 0, or 3 with the error line
# in KENV_ERR (not printed: an explicit --kernel falls back to the archive).
kenv_installed() {
	KENV_ERR=
	KENV_ABI=$1
	KENV_KIND=installed
	KENV_IMAGE=/boot/vmlinuz-$KENV_ABI
	KENV_CONFIG=/boot/config-$KENV_ABI
	KENV_MODROOT=/
	KENV_MODDIR=/lib/modules/$KENV_ABI
	KENV_HEADERS=/usr/src/linux-headers-$KENV_ABI
	KENV_SERIES=$(kenv_series_of "$KENV_ABI")
	KENV_TARBALL=/usr/src/linux-source-$KENV_SERIES.tar.xz
	KENV_IMAGE_PKG=$(dpkg-query -S "$KENV_IMAGE" 2>/dev/null | sed -n '1s/:.*//p')
	KENV_HEADERS_PKG=linux-headers-$KENV_ABI
	KENV_SOURCE_PKG=linux-source-$KENV_SERIES
	KENV_KBUILD_PKG=linux-kbuild-$KENV_SERIES
	KENV_PASS=(--kernel "$KENV_ABI")
	if [ ! -e "$KENV_IMAGE" ]; then
		KENV_ERR="kernel image $KENV_IMAGE is not installed; apt-get install linux-image-$KENV_ABI, or pass --kernel with an installed ABI or a Debian version ('irqlbench kvm kernels' lists them; a kernel you built: --kernel-image and --modules)"
		return 3
	fi
	if [ -z "$KENV_IMAGE_PKG" ]; then
		KENV_ERR="$KENV_IMAGE does not belong to a Debian package, so its source version is unknown; use a Debian linux-image package, or --kernel-image and --modules for a kernel you built"
		return 3
	fi
	KENV_IMAGE_VER=$(kenv_pkg_version "$KENV_IMAGE_PKG")
	KENV_HEADERS_VER=$(kenv_pkg_version "$KENV_HEADERS_PKG")
	KENV_SOURCE_VER=$(kenv_pkg_version "$KENV_SOURCE_PKG")
	KENV_KBUILD_VER=$(kenv_pkg_version "$KENV_KBUILD_PKG")
	KENV_VERSION=$KENV_IMAGE_VER
	KENV_UPSTREAM=${KENV_VERSION%-*}
	if [ -z "$KENV_HEADERS_VER" ] || [ ! -d "$KENV_HEADERS" ]; then
		KENV_ERR="kernel headers for $KENV_ABI are missing; fix: apt-get install $KENV_HEADERS_PKG=$KENV_IMAGE_VER"
		return 3
	fi
	if [ -z "$KENV_SOURCE_VER" ] || [ ! -e "$KENV_TARBALL" ]; then
		KENV_ERR="kernel source $KENV_TARBALL is missing; fix: apt-get install $KENV_SOURCE_PKG=$KENV_IMAGE_VER"
		return 3
	fi
	if [ "$KENV_IMAGE_VER" != "$KENV_HEADERS_VER" ] || [ "$KENV_IMAGE_VER" != "$KENV_SOURCE_VER" ]; then
		# the image is the reference: the fix moves the others to its version
		local fix=
		[ "$KENV_HEADERS_VER" = "$KENV_IMAGE_VER" ] || fix="$fix $KENV_HEADERS_PKG=$KENV_IMAGE_VER"
		[ "$KENV_SOURCE_VER" = "$KENV_IMAGE_VER" ] || fix="$fix $KENV_SOURCE_PKG=$KENV_IMAGE_VER"
		KENV_ERR="kernel versions differ: image $KENV_IMAGE_PKG $KENV_IMAGE_VER, headers $KENV_HEADERS_PKG $KENV_HEADERS_VER, source $KENV_SOURCE_PKG $KENV_SOURCE_VER; fix: apt-get install$fix (or run host/install-deps.sh)"
		return 3
	fi
	return 0
}

# The installed ABI whose triple is at Debian version $1, if any.
kenv_installed_abi_of_version() {
	dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' 'linux-image-*' 2>/dev/null |
		awk -v v="$1" '$2 == v && $3 == "ii" && $1 ~ /^linux-image-[0-9.]+-[0-9]+-[a-z0-9-]+$/ && $1 !~ /-unsigned$/ {
			sub(/^linux-image-/, "", $1); print $1 }' | sort -V | tail -n 1
}

# The cached kernel in DIR (build/kernels/<version>), both parts complete.
kenv_cached() {
	local d=$1 KVERSION= KABI= KSERIES= KIMAGE_PKG= KHEADERS_PKG= KKBUILD_PKG= KKBUILD_VER= KSOURCE_PKG= KSOURCE_VER=
	[ -e "$d/.done-kernel" ] && [ -e "$d/.done-source" ] || return 1
	# shellcheck disable=SC1091
	. "$d/kernel.env"
	# shellcheck disable=SC1091
	. "$d/source.env"
	KENV_KIND=cache
	KENV_CACHE=$d
	KENV_ABI=$KABI
	KENV_SERIES=$KSERIES
	KENV_VERSION=$KVERSION
	KENV_UPSTREAM=${KVERSION%-*}
	KENV_MODROOT=$d/root
	KENV_MODDIR=$d/root/lib/modules/$KABI
	KENV_IMAGE=$d/root/boot/vmlinuz-$KABI
	KENV_CONFIG=$d/root/boot/config-$KABI
	KENV_HEADERS=$d/root/usr/src/linux-headers-$KABI
	KENV_TARBALL=$d/root/usr/src/$KSOURCE_PKG.tar.xz
	KENV_IMAGE_PKG=$KIMAGE_PKG KENV_IMAGE_VER=$KVERSION
	KENV_HEADERS_PKG=$KHEADERS_PKG KENV_HEADERS_VER=$KVERSION
	KENV_SOURCE_PKG=$KSOURCE_PKG KENV_SOURCE_VER=$KSOURCE_VER
	KENV_KBUILD_PKG=$KKBUILD_PKG KENV_KBUILD_VER=$KKBUILD_VER
	KENV_PASS=(--kernel "$KVERSION")
	local f
	for f in "$KENV_IMAGE" "$KENV_MODDIR/modules.dep" "$KENV_HEADERS/Makefile" "$KENV_TARBALL"; do
		[ -e "$f" ] || { kenv_die "the kernel cache $d lacks $f; remove $d and run again (it is fetched anew)"; return; }
	done
	[ "$KENV_SOURCE_VER" = "$KENV_VERSION" ] ||
		{ kenv_die "kernel versions differ in $d: image and headers $KENV_VERSION, source $KENV_SOURCE_VER; remove $d"; return; }
	return 0
}

# The cache dir of ABI $1 (the newest version cached with it), if any.
kenv_cache_of_abi() {
	local c
	c=$(kenv_cache_dir)
	grep -l "^KABI=$1\$" "$c"/*/kernel.env 2>/dev/null | while read -r f; do
		echo "$(sed -n 's/^KVERSION=//p' "$f") ${f%/kernel.env}"
	done | sort -V -k1,1 | tail -n 1 | cut -d' ' -f2-
}

# Fetch (or find) version/ABI $2 of the archive ($1: --version or --abi).
kenv_fetch() {
	local d rc=0
	d=$("$(kenv_here)/kernel-fetch.sh" "$1" "$2" | tail -n 1) || rc=$?
	[ $rc -eq 0 ] || return $rc
	kenv_cached "$d" || { kenv_die "kernel-fetch.sh left $d incomplete; remove it and run again"; return; }
}

kenv_detect() {
	local want=${1:-} d rc
	kenv_clear
	case $want in
	"")
		KENV_ABI=$(kenv_default_abi)
		if [ -z "$KENV_ABI" ]; then
			kenv_die "no kernel image in /boot; run host/install-deps.sh (it installs a Debian image, headers and source of one version), or pass --kernel with a Debian version ('irqlbench kvm kernels' lists them)"
			return
		fi
		kenv_installed "$KENV_ABI" && return 0
		kenv_die "$KENV_ERR"
		return ;;
	/*)
		if [ "${want##*/vmlinuz-}" = "$want" ]; then
			echo "irqlbench: error: --kernel $want is not a /boot/vmlinuz-ABI path; pass the ABI (e.g. $(uname -r)), /boot/vmlinuz-ABI or a Debian version, or use --kernel-image and --modules for a kernel you built" >&2
			return 2
		fi
		want=${want##*/vmlinuz-} ;;
	esac
	if kenv_is_version "$want" && ! kenv_is_abi "$want"; then
		d=$(kenv_installed_abi_of_version "$want")
		if [ -n "$d" ] && kenv_installed "$d"; then return 0; fi
		kenv_clear
		kenv_cached "$(kenv_cache_dir)/$want" 2>/dev/null && return 0
		kenv_fetch --version "$want"
		return
	fi
	kenv_installed "$want" && return 0
	local err=$KENV_ERR
	kenv_clear
	if ! kenv_is_abi "$want"; then
		kenv_die "$err"	# no Debian name: nothing to look up
		return
	fi
	d=$(kenv_cache_of_abi "$want")
	if [ -n "$d" ]; then
		rc=0
		kenv_cached "$d" || rc=$?
		[ $rc -eq 1 ] || return $rc
	fi
	kenv_fetch --abi "$want"
}

kenv_detect_user() {
	local img=$1 mods=$2 rel n vs hdr
	kenv_clear
	if [ ! -f "$img" ] || [ ! -r "$img" ]; then
		echo "irqlbench: error: --kernel-image '$img' is not a readable file; give the bzImage you built (arch/x86/boot/bzImage)" >&2
		return 2
	fi
	if [ ! -d "$mods" ]; then
		echo "irqlbench: error: --modules '$mods' is not a directory; give lib/modules/<release> (or the root that holds it)" >&2
		return 2
	fi
	img=$(readlink -f "$img")
	mods=$(readlink -f "$mods")
	if [ -e "$mods/modules.order" ] || [ -d "$mods/kernel" ]; then
		rel=${mods##*/}
		KENV_MODDIR=$mods
		case $mods in
		*/lib/modules/"$rel") KENV_MODROOT=${mods%/lib/modules/"$rel"} ;;
		*)	# not under lib/modules/: a root of our own with a link to it
			KENV_MODROOT=$(kenv_cache_dir)/user/$(echo "$mods" | sha256sum | cut -c1-16)
			mkdir -p "$KENV_MODROOT/lib/modules"
			ln -sfn "$mods" "$KENV_MODROOT/lib/modules/$rel" ;;
		esac
	else
		n=$(find "$mods/lib/modules" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
		if [ "$n" != 1 ]; then
			echo "irqlbench: error: --modules $mods is neither lib/modules/<release> nor a root holding exactly one lib/modules/<release> ($n found); give the release's directory" >&2
			return 2
		fi
		KENV_MODDIR=$(find "$mods/lib/modules" -mindepth 1 -maxdepth 1 -type d)
		KENV_MODROOT=$mods
		rel=${KENV_MODDIR##*/}
	fi
	[ -n "$KENV_MODROOT" ] || KENV_MODROOT=/
	KENV_KIND=user
	KENV_ABI=$rel
	KENV_SERIES=$(kenv_series_of "$rel")
	KENV_IMAGE=$img
	KENV_PASS=(--kernel-image "$img" --modules "$mods")
	if [ ! -e "$KENV_MODDIR/modules.dep" ]; then
		kenv_die "$KENV_MODDIR has no modules.dep; run depmod -b $KENV_MODROOT $rel (make modules_install does)"
		return
	fi
	# the release the image was built as: its setup header's version string
	vs=
	if [ "$(head -c 518 "$img" | tail -c 4)" = HdrS ]; then
		n=$(od -An -tu2 -j 526 -N 2 "$img" | tr -d ' ')
		vs=$(tail -c +$((n + 513)) "$img" 2>/dev/null | head -c 512 | tr '\0' '\n' | head -n 1)
	fi
	if [ -z "$vs" ]; then
		kenv_die "--kernel-image $img is not a bzImage (no HdrS setup header); give arch/x86/boot/bzImage"
		return
	fi
	if [ "${vs%% *}" != "$rel" ]; then
		kenv_die "--kernel-image $img is release ${vs%% *}, --modules $KENV_MODDIR is $rel: give the modules of that image"
		return
	fi
	KENV_VERSION=$(echo "$vs" | sed -n 's/.* Debian \([0-9][^ ]*-[^ ]*\) .*/\1/p')
	for hdr in "$KENV_MODDIR/build"; do
		[ -e "$hdr/Makefile" ] && KENV_HEADERS=$(readlink -f "$hdr")
	done
	if [ -n "$KENV_VERSION" ]; then
		KENV_UPSTREAM=${KENV_VERSION%-*}
	elif [ -n "$KENV_HEADERS" ]; then
		KENV_UPSTREAM=$(make -s -C "$KENV_HEADERS" kernelversion 2>/dev/null || true)
	fi
	[ -n "$KENV_UPSTREAM" ] || KENV_UPSTREAM=$(echo "$rel" | sed -n 's/^\([0-9]*\.[0-9]*\(\.[0-9]*\)\?\).*/\1/p')
	for c in "$(dirname "$img")/config-$rel" "$KENV_MODDIR/build/.config" "$(dirname "$img")/../../../.config"; do
		if [ -r "$c" ]; then KENV_CONFIG=$(readlink -f "$c"); break; fi
	done
	return 0
}

# kenv_from_opts KERNEL IMAGE MODULES: --kernel, or --kernel-image with --modules
kenv_from_opts() {
	if [ -n "${2:-}${3:-}" ]; then
		if [ -n "${1:-}" ]; then
			echo "irqlbench: error: give --kernel, or --kernel-image with --modules, not both" >&2
			return 2
		fi
		if [ -z "${2:-}" ] || [ -z "${3:-}" ]; then
			echo "irqlbench: error: --kernel-image and --modules go together: the image you built and its lib/modules/<release>" >&2
			return 2
		fi
		kenv_detect_user "$2" "$3"
		return
	fi
	kenv_detect "${1:-}"
}
