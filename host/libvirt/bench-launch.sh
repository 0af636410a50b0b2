#!/bin/bash
# bench-launch.sh - launch overhead of the direct QEMU launch vs libvirt,
# as a ratio to the guest's own run time.  Prints `bench:` lines in the
# format of tests/bench.sh.  Starts a libvirtd if none answers (and stops it).
#
#   guest time  = direct run of the guest - direct run of the empty fixture
#                 (what the workload itself takes beyond QEMU's floor)
#   overhead    = launch total - guest time, for each launcher
# Medians of RUNS runs (default 5), TCG, 1 vCPU, pinned by the planner.
set -u
BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
cd "$(dirname "$0")/../.."
LV=$BUILD/bin/irqlbench-lv
FIX=$BUILD/fixtures/mbexit.elf
GUEST=$BUILD/guest/irqlbench-guest.elf
WORKLOAD=${WORKLOAD:-seed-table}
for f in "$LV" "$FIX"; do
	[ -e "$f" ] || { echo "bench: libvirt-launch skipped: $f not built (make all unit-tests)"; exit 0; }
done
[ -e "$GUEST" ] || { GUEST=$FIX; WORKLOAD=fixture; }
TMP=$(mktemp -d /tmp/irqlbench-bench-lv.XXXXXX)
chmod 755 "$TMP"
export IRQLBENCH_LIBVIRTD_STATE=$BUILD/libvirt-bench.state
rm -f "$IRQLBENCH_LIBVIRTD_STATE"
BUILD=$BUILD host/libvirt/start-libvirtd.sh start >/dev/null ||
	{ echo "bench: libvirt-launch skipped: no libvirtd"; rm -rf "$TMP"; exit 0; }
trap '[ -s "$IRQLBENCH_LIBVIRTD_STATE" ] && BUILD=$BUILD host/libvirt/start-libvirtd.sh stop >/dev/null; rm -rf "$TMP"' EXIT

med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
direct() {	# kernel cmdline -> seconds
	local t0 t1
	t0=$(date +%s.%N)
	qemu-system-x86_64 -machine pc -accel tcg -cpu max -smp 1 -m 64 -nographic -no-reboot \
		-nodefaults -serial "file:$TMP/d.log" -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$1" -append "$2" >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}
viaLV() {
	"$LV" --kernel "$1" --cmdline "$2" --serial "$TMP/l.log" --vcpus 1 --virt-type qemu \
		--cpu-model max --timeout 60 >"$TMP/l.json" 2>/dev/null || { echo NaN; return; }
	jq .times.total_s "$TMP/l.json"
}
viaLV "$FIX" "" >/dev/null	# warm libvirtd's capabilities cache
df=() dg=() lf=() lg=()
for _ in $(seq "$RUNS"); do
	df+=("$(direct "$FIX" "")")
	dg+=("$(direct "$GUEST" "workload=$WORKLOAD")")
	lf+=("$(viaLV "$FIX" "")")
	lg+=("$(viaLV "$GUEST" "workload=$WORKLOAD")")
done
DF=$(med "${df[@]}") DG=$(med "${dg[@]}") LF=$(med "${lf[@]}") LG=$(med "${lg[@]}")
awk -v df="$DF" -v dg="$DG" -v lf="$LF" -v lg="$LG" -v w="$WORKLOAD" -v n="$RUNS" 'BEGIN {
	g = dg - df; if (g < 0.001) g = 0.001
	printf "direct: empty fixture %.3f s, %s %.3f s; libvirt: empty fixture %.3f s, %s %.3f s (medians of %d)\n", df, w, dg, lf, w, lg, n
	printf "bench: guest-own-run-time %.3f s (%s: direct run minus the empty fixture)\n", g, w
	printf "bench: direct-launch-overhead %.3f s = %.2f x guest time\n", df, df / g
	printf "bench: libvirt-launch-overhead %.3f s = %.2f x guest time\n", lg - g, (lg - g) / g
	printf "bench: libvirt-vs-direct %.2f x (whole run, %s)\n", lg / dg, w
}'
