# tests/integration/lib.sh - shared helpers for the integration tests (sourced).
BUILD=${BUILD:-build}
IRQLBENCH=${IRQLBENCH:-$BUILD/bin/irqlbench}
GUEST=$BUILD/guest/irqlbench-guest.elf
TMP=$(mktemp -d "${TMPDIR:-/tmp}/irqlbench-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0 checks=0

skip() { echo "SKIP: $*"; exit 77; }
need_guest() { [ -x "$IRQLBENCH" ] && [ -f "$GUEST" ] || skip "no guest image or irqlbench binary: run make"; }
need_cmd() { command -v "$1" >/dev/null || skip "$1 not installed (make deps)"; }
# need_lab_kernel: the kernel triple the lab and module builds use; prints
# build-variant.sh --info.  Where host/install-deps.sh can install it (Debian
# with apt-get) a missing or mismatched triple is the installer's fault and
# FAILS the test, so that a broken install is never hidden behind a SKIP;
# elsewhere (or with IRQLBENCH_NO_KERNEL=1) it is a SKIP with the reason.
need_lab_kernel() {
	local rc=0
	host/kvm/build-variant.sh --variant stock --info 2>"$TMP/kernel.err" || rc=$?
	[ $rc -eq 0 ] && return 0
	if [ $rc -eq 3 ]; then
		if ! command -v apt-get >/dev/null || [ "${IRQLBENCH_NO_KERNEL:-0}" = 1 ]; then
			skip "$(tail -n 1 "$TMP/kernel.err")"
		fi
		echo "FAILED: host/install-deps.sh should have installed one kernel triple: $(tail -n 1 "$TMP/kernel.err")"
	fi
	cat "$TMP/kernel.err"
	exit 1
}

# ok CONDITION-DESCRIPTION ACTUAL EXPECTED
eq() {
	checks=$((checks + 1))
	if [ "$2" != "$3" ]; then
		fails=$((fails + 1))
		echo "FAILED: $1: got '$2', expected '$3'"
	fi
}
ok() {	# ok DESCRIPTION COMMAND...
	local d=$1; shift
	checks=$((checks + 1))
	if ! "$@"; then fails=$((fails + 1)); echo "FAILED: $d"; fi
}
# A number of a raw record summed over its measured phases and vCPUs, for
# tests that read record files without a store (where a store is at hand,
# 'irqlbench results show ID --metrics --format json' gives the metrics the
# store computed, host/record/metrics.c): measured FILE PATH-UNDER-VCPU, e.g.
# measured rec.json .exits.write_cr8; counter FILE NAME for a counter.
measured() {
	jq -r "[.phases[] | select(.measured) | .vcpus[]$2 // 0] | add // 0" "$1"
}
counter() { measured "$1" ".counters[\"$2\"]"; }
finish() {
	echo "$(basename "$0" .sh): $checks checks, $fails failed"
	[ "$fails" -eq 0 ]
}
