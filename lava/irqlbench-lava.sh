#!/bin/sh
# usage: irqlbench-lava.sh
# The run step of the LAVA test definition lava/irqlbench.yaml: runs
# `irqlbench verify` on the device under test and reports the verdict and
# its evidence as LAVA test cases (lava/verdict-cases.sh says which).  POSIX
# sh: it runs in LAVA's test shell, which may be the busybox of the lab's L1
# initramfs.  Settings come from the environment, where LAVA puts the test
# definition's params (docs/lava.md, "The test definition"):
#
#   TREE_DIR        the built irqlbench tree (default: the one this script is in;
#               with CHROOT, a path inside CHROOT)
#   BUILD_MODE       auto (default): build TREE_DIR (host/install-deps.sh without the
#               kernel triple, make all) when build/bin/irqlbench is missing;
#               never: fail instead
#   BACKEND     verify's --backend: auto (default: verify's own choice, kvm on
#               an AMD SVM host), kvm, lab, guest or model
#   VARIANT, POLICY, RUNS, ITERATIONS
#               verify's --variant (stock, fixed, unfixed or patch=FILE),
#               --policy (a model policy: irqlbench model --help), --runs,
#               --iterations (empty: verify's defaults)
#   EXPECT      the verdict the job expects (FIXED, UNFIXED, ON-TIME, LATE;
#               empty: UNFIXED for the unfixed build, else FIXED / ON-TIME)
#   CHROOT      the lab's L1: the directory where the host's root is mounted
#               (/host).  kvm_amd of the running kernel is loaded from
#               MODROOT inside it, /dev, /proc, /sys, tracefs and a tmpfs /run
#               are mounted under it, and verify runs chrooted there
#   MODROOT     with CHROOT: the root of the running kernel's module tree
#               inside CHROOT (default /; a cached Debian kernel:
#               TREE_DIR/build/kernels/VERSION/root)
#   OUT_DIR         where verify keeps its records, verdict and store (default
#               /run/irqlbench-lava, inside CHROOT when given)
#
# Test cases: `lava-test-case NAME --result R [--measurement M --units U]`
# for each line of verdict-cases.sh; outside LAVA (no lava-test-case on
# PATH) the same command lines are printed.  A verify that gives no verdict
# is the case `verify`: skip when it does not apply here (status 77), fail
# when it ended otherwise, with verify's last line as the reason.
# A bad setting or environment is no finding about the kernel: a setting
# this script refuses, or verify's own refusal (status 2; 3 or 5: it could
# not run here), reports `verify` as skip, raises a LAVA test error with
# the reason (`lava-test-raise`: the job ends Incomplete; outside LAVA the
# command line is printed) and exits with the status.
# Exit: 0 the cases were reported (whatever the verdict), 2 a bad setting,
# 3 the environment (no tree, build failed, kvm_amd did not load, verify
# could not run).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

case_line() {	# NAME RESULT [MEASUREMENT UNITS]
	if [ $# -ge 4 ]; then set -- "$1" --result "$2" --measurement "$3" --units "$4"
	else set -- "$1" --result "$2"; fi
	if command -v lava-test-case >/dev/null 2>&1; then
		lava-test-case "$@"
	else
		echo "lava-test-case $*"
	fi
}

# err MESSAGE [STATUS]: a setting (2) or the environment (3, the default)
# keeps verify from giving a verdict.  One line on stderr; the case verify
# is skip, not fail (nothing was found about the kernel), and LAVA gets a
# test error with the message, which ends the job Incomplete.
err() {
	echo "irqlbench-lava: error: $1" >&2
	case_line verify skip
	if command -v lava-test-raise >/dev/null 2>&1; then
		lava-test-raise "irqlbench-lava: $1" || :	# it always exits 1
	else
		echo "lava-test-raise irqlbench-lava: $1"
	fi
	exit "${2:-3}"
}

TREE_DIR=${TREE_DIR:-} BUILD_MODE=${BUILD_MODE:-auto} BACKEND=${BACKEND:-auto}
VARIANT=${VARIANT:-} POLICY=${POLICY:-} RUNS=${RUNS:-} ITERATIONS=${ITERATIONS:-}
EXPECT=${EXPECT:-} CHROOT=${CHROOT:-} MODROOT=${MODROOT:-/} OUT_DIR=${OUT_DIR:-/run/irqlbench-lava}
[ -n "$TREE_DIR" ] || TREE_DIR=$(dirname "$HERE")
case $BACKEND in auto|kvm|lab|guest|model) ;; *) err "BACKEND=$BACKEND: use auto, kvm, lab, guest or model" 2 ;; esac
case $BUILD_MODE in auto|never) ;; *) err "BUILD_MODE=$BUILD_MODE: use auto or never" 2 ;; esac
case $EXPECT in ''|FIXED|UNFIXED|ON-TIME|LATE) ;; *) err "EXPECT=$EXPECT: use FIXED, UNFIXED, ON-TIME, LATE or leave it empty" 2 ;; esac
# the names verify takes (its --help; the policies are the model's, as
# 'irqlbench list --suites --json' names them: lava-validate.sh checks)
POLICIES="prefix fixed l61 l72 unfixed vmx-tpr apicv avic vmx-411 vmx-72 avic-617 avic-70"
known=
for p in $POLICIES; do [ "$POLICY" != "$p" ] || known=1; done
[ -z "$POLICY" ] || [ -n "$known" ] ||
	err "POLICY=$POLICY: use one of $(echo "$POLICIES" | sed 's/ /, /g') (irqlbench model --help), or leave it empty" 2
case $VARIANT in ''|stock|fixed|unfixed|patch=?*) ;; *)
	err "VARIANT=$VARIANT: use stock, fixed, unfixed or patch=FILE, or leave it empty" 2 ;;
esac
for n in "$RUNS" "$ITERATIONS"; do
	case $n in ''|*[!0-9]*) [ -z "$n" ] || err "RUNS and ITERATIONS are numbers, not '$n'" 2 ;; esac
done

# in ROOT: run a command in the tree, chrooted for the L1
S=/run/irqlbench-lava-env
in_root() {
	if [ -n "$CHROOT" ]; then
		chroot "$CHROOT" /usr/bin/env -i -C "$TREE_DIR" \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=$S TMPDIR=$S/tmp XDG_CACHE_HOME=$S/cache "$@"
	else
		(cd "$TREE_DIR" && "$@")
	fi
}

# The lab's L1 (host/lab/l1-run.sh does the same for lab runs): kvm_amd
# and what it needs, from the running kernel's own module tree on the host.
l1_prepare() {
	[ -d "$CHROOT$TREE_DIR" ] || err "CHROOT=$CHROOT has no $TREE_DIR: mount the host's root there (the lab initramfs does: /host)"
	if [ ! -c /dev/kvm ]; then
		abi=$(uname -r)
		deps=$(chroot "$CHROOT" /sbin/modprobe -d "$MODROOT" -S "$abi" --show-depends kvm_amd 2>&1) ||
			err "no kvm_amd for $abi under $CHROOT$MODROOT ($deps); set MODROOT to the kernel's module root"
		echo "$deps" | while read -r verb path opts; do
			[ "$verb" = insmod ] || continue
			# shellcheck disable=SC2086 # opts are module parameters
			insmod "$CHROOT$path" $opts || echo "irqlbench-lava: insmod $path failed"
		done
		[ -c /dev/kvm ] || err "/dev/kvm did not appear after loading kvm_amd (dmesg: $(dmesg | grep -i -E 'kvm|svm' | tail -n 1))"
	fi
	grep -q " $CHROOT/dev " /proc/mounts || mount -o bind /dev "$CHROOT/dev" || err "cannot bind /dev into $CHROOT"
	grep -q " $CHROOT/proc " /proc/mounts || mount -t proc proc "$CHROOT/proc"
	grep -q " $CHROOT/sys " /proc/mounts || mount -t sysfs sys "$CHROOT/sys"
	grep -q " $CHROOT/sys/kernel/tracing " /proc/mounts || mount -t tracefs tracefs "$CHROOT/sys/kernel/tracing"
	grep -q " $CHROOT/run " /proc/mounts || mount -t tmpfs tmpfs "$CHROOT/run"
	mkdir -p "$CHROOT$S/tmp" "$CHROOT$S/cache"
}

if [ -n "$CHROOT" ]; then
	l1_prepare
elif [ ! -x "$TREE_DIR/build/bin/irqlbench" ]; then
	[ "$BUILD_MODE" = auto ] || err "$TREE_DIR/build/bin/irqlbench is not built and BUILD_MODE=never; build it (make all) or set BUILD_MODE=auto"
	echo "irqlbench-lava: building $TREE_DIR (host/install-deps.sh, make all)"
	(cd "$TREE_DIR" && IRQLBENCH_NO_KERNEL=1 host/install-deps.sh && make -j"$(nproc)" all) ||
		err "building $TREE_DIR failed; see the lines above"
fi
in_root test -x build/bin/irqlbench || err "$TREE_DIR/build/bin/irqlbench is not built (CHROOT=$CHROOT); run make all in the tree"

set -- verify --out-dir "$OUT_DIR/verify" --db "$OUT_DIR/irqlbench.db"
[ "$BACKEND" = auto ] || set -- "$@" --backend "$BACKEND"
[ -z "$VARIANT" ] || set -- "$@" --variant "$VARIANT"
[ -z "$POLICY" ] || set -- "$@" --policy "$POLICY"
[ -z "$RUNS" ] || set -- "$@" --runs "$RUNS"
[ -z "$ITERATIONS" ] || set -- "$@" --iterations "$ITERATIONS"
in_root rm -rf "$OUT_DIR/verify"
in_root mkdir -p "$OUT_DIR"
echo "irqlbench-lava: ${CHROOT:+in $CHROOT: }$TREE_DIR/build/bin/irqlbench $*"
in_root build/bin/irqlbench "$@" >"${TMPDIR:-/tmp}/irqlbench-lava.out" 2>&1
rc=$?
cat "${TMPDIR:-/tmp}/irqlbench-lava.out"
echo "irqlbench-lava: verify exit status $rc"
if ! in_root test -f "$OUT_DIR/verify/verdict.json"; then
	why=$(tail -n 1 "${TMPDIR:-/tmp}/irqlbench-lava.out")
	case $rc in
	2) err "verify refused the settings (exit 2): $why; fix BACKEND, VARIANT, POLICY, RUNS or ITERATIONS" 2 ;;
	3|5) err "verify could not run here (exit $rc): $why" 3 ;;
	esac
	echo "irqlbench-lava: no verdict: $why"
	if [ $rc -eq 77 ]; then case_line verify skip; else case_line verify fail; fi
	exit 0
fi
in_root lava/verdict-cases.sh "$OUT_DIR/verify/verdict.json" ${EXPECT:+--expect "$EXPECT"} \
	>"${TMPDIR:-/tmp}/irqlbench-lava.cases" || err "lava/verdict-cases.sh failed on $OUT_DIR/verify/verdict.json"
while read -r name result m units; do
	# shellcheck disable=SC2086 # m and units are one word each, or empty
	case_line "$name" "$result" $m $units
done <"${TMPDIR:-/tmp}/irqlbench-lava.cases"
exit 0
