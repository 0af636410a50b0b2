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
# as a Debian image, else the newest Debian image under /boot.
kenv_default_abi() {
	local r
	r=$(uname -r)
	if [ -e "/boot/vmlinuz-$r" ]; then
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
		kenv_die "no kernel image in /boot; install one (apt-get install linux-image-amd64 linux-headers-amd64 linux-source)"
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
		kenv_die "kernel headers for $KENV_ABI are missing; apt-get install $KENV_HEADERS_PKG=$KENV_IMAGE_VER"
		return
	fi
	if [ -z "$KENV_SOURCE_VER" ] || [ ! -e "$KENV_TARBALL" ]; then
		kenv_die "kernel source $KENV_TARBALL is missing; apt-get install $KENV_SOURCE_PKG=$KENV_IMAGE_VER"
		return
	fi
	if [ "$KENV_IMAGE_VER" != "$KENV_HEADERS_VER" ] || [ "$KENV_IMAGE_VER" != "$KENV_SOURCE_VER" ]; then
		kenv_die "kernel versions differ: image $KENV_IMAGE_PKG $KENV_IMAGE_VER, headers $KENV_HEADERS_PKG $KENV_HEADERS_VER, source $KENV_SOURCE_PKG $KENV_SOURCE_VER; install one version of all three"
		return
	fi
	return 0
}
