# Sourced by host/kvm/build-variant.sh and host/lab/*.sh (bash).
#
# Finds the Debian kernel a lab or module build is for and checks that its
# image, headers and source tarball come from one Debian version: kbuild
# would happily build modules from a different source, and they would then
# refuse to load (or worse, load with a different struct layout).
#
# After kenv_detect [ABI|/boot/vmlinuz-ABI]:
#   KENV_ABI      6.1.0-56-amd64
#   KENV_IMAGE    /boot/vmlinuz-ABI        KENV_IMAGE_PKG / KENV_IMAGE_VER
#   KENV_HEADERS  /usr/src/linux-headers-ABI   KENV_HEADERS_PKG / KENV_HEADERS_VER
#   KENV_TARBALL  /usr/src/linux-source-6.1.tar.xz  KENV_SOURCE_PKG / KENV_SOURCE_VER
#   KENV_SERIES   6.1
# Errors: one line on stderr, return 3 (environment) or 2 (bad --kernel).

kenv_die() {
	echo "irqlbench: error: $*" >&2
	return 3
}

kenv_pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null
}

# The kernel to use when none is named: the running one if it is installed
# as an image under /boot; else the one whose image, headers and source are
# installed at one Debian version (host/kvm/kernel-resolve.sh --installed-only,
# the triple host/install-deps.sh installs); else the newest image under /boot.
kenv_default_abi() {
	local r here
	r=$(uname -r)
	if [ -e "/boot/vmlinuz-$r" ]; then
		echo "$r"
		return 0
	fi
	here=$(dirname "${BASH_SOURCE[0]}")
	r=$("$here/kernel-resolve.sh" --installed-only 2>/dev/null | sed -n 's/^abi=//p')
	if [ -n "$r" ] && [ -e "/boot/vmlinuz-$r" ]; then
		echo "$r"
		return 0
	fi
	ls /boot/vmlinuz-* 2>/dev/null | sed 's#^/boot/vmlinuz-##' | sort -V | tail -n 1
}

kenv_detect() {
	local want=${1:-}
	case $want in
	"") KENV_ABI=$(kenv_default_abi) ;;
	/*) KENV_ABI=${want##*/vmlinuz-}
	    if [ "$KENV_ABI" = "$want" ]; then
		echo "irqlbench: error: --kernel $want is not a /boot/vmlinuz-ABI path; pass the ABI (e.g. $(uname -r)) or /boot/vmlinuz-ABI" >&2
		return 2
	    fi ;;
	*) KENV_ABI=$want ;;
	esac
	if [ -z "$KENV_ABI" ]; then
		kenv_die "no kernel image in /boot; run host/install-deps.sh (it installs a Debian image, headers and source of one version)"
		return
	fi
	KENV_IMAGE=/boot/vmlinuz-$KENV_ABI
	KENV_HEADERS=/usr/src/linux-headers-$KENV_ABI
	KENV_SERIES=$(echo "$KENV_ABI" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
	KENV_TARBALL=/usr/src/linux-source-$KENV_SERIES.tar.xz
	KENV_IMAGE_PKG=$(dpkg-query -S "$KENV_IMAGE" 2>/dev/null | sed -n '1s/:.*//p')
	KENV_HEADERS_PKG=linux-headers-$KENV_ABI
	KENV_SOURCE_PKG=linux-source-$KENV_SERIES
	if [ ! -e "$KENV_IMAGE" ]; then
		kenv_die "kernel image $KENV_IMAGE is not installed; apt-get install linux-image-$KENV_ABI (or pass --kernel with an installed ABI)"
		return
	fi
	if [ -z "$KENV_IMAGE_PKG" ]; then
		kenv_die "$KENV_IMAGE does not belong to a Debian package, so its source version is unknown; use a Debian linux-image package"
		return
	fi
	KENV_IMAGE_VER=$(kenv_pkg_version "$KENV_IMAGE_PKG")
	KENV_HEADERS_VER=$(kenv_pkg_version "$KENV_HEADERS_PKG")
	KENV_SOURCE_VER=$(kenv_pkg_version "$KENV_SOURCE_PKG")
	if [ -z "$KENV_HEADERS_VER" ] || [ ! -d "$KENV_HEADERS" ]; then
		kenv_die "kernel headers for $KENV_ABI are missing; fix: apt-get install $KENV_HEADERS_PKG=$KENV_IMAGE_VER"
		return
	fi
	if [ -z "$KENV_SOURCE_VER" ] || [ ! -e "$KENV_TARBALL" ]; then
		kenv_die "kernel source $KENV_TARBALL is missing; fix: apt-get install $KENV_SOURCE_PKG=$KENV_IMAGE_VER"
		return
	fi
	if [ "$KENV_IMAGE_VER" != "$KENV_HEADERS_VER" ] || [ "$KENV_IMAGE_VER" != "$KENV_SOURCE_VER" ]; then
		# the image is the reference: the fix moves the others to its version
		local fix=
		[ "$KENV_HEADERS_VER" = "$KENV_IMAGE_VER" ] || fix="$fix $KENV_HEADERS_PKG=$KENV_IMAGE_VER"
		[ "$KENV_SOURCE_VER" = "$KENV_IMAGE_VER" ] || fix="$fix $KENV_SOURCE_PKG=$KENV_IMAGE_VER"
		kenv_die "kernel versions differ: image $KENV_IMAGE_PKG $KENV_IMAGE_VER, headers $KENV_HEADERS_PKG $KENV_HEADERS_VER, source $KENV_SOURCE_PKG $KENV_SOURCE_VER; fix: apt-get install$fix (or run host/install-deps.sh)"
		return
	fi
	return 0
}
