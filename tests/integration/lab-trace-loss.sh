#!/bin/bash
# A trace that loses events must say so and must not pass for a result:
# with an 8 KiB ring buffer per CPU (--trace-buffer 8) the lab's kvm run
# overruns it, and the record is failed with error.kind trace-loss, exit
# status 1, provenance.trace giving the buffer size set and the loss
# (overrun from per_cpu/cpuN/stats, missed from the page headers).  The
# same run with the default buffer loses nothing and is complete.
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq
need_lab_kernel >/dev/null
run_lab() {	# DIR [run options]
	local dir=$1
	shift
	"$IRQLBENCH" lab --variants fixed --out-dir "$TMP/$dir" --workload nested-spinlock \
		--param depth=2 --param iterations=200 "$@" >/dev/null 2>"$TMP/$dir.err"
}
run_lab tiny --trace-buffer 8
rc=$?
r=$TMP/tiny/fixed/record.json
eq "tiny buffer: lab exit status" $rc 1
eq "tiny buffer: status" "$(jq -r .status "$r")" failed
eq "tiny buffer: error kind" "$(jq -r .error.kind "$r")" trace-loss
ok "tiny buffer: the message names the loss and the fix" \
	grep -q 'the trace lost events (overrun [0-9]*.*give a larger --trace-buffer' <<<"$(jq -r .error.message "$r")"
eq "tiny buffer: lost" "$(jq .provenance.trace.lost "$r")" true
eq "tiny buffer: size asked" "$(jq .provenance.trace.buffer_kb "$r")" 8
ok "tiny buffer: size set per CPU, read back" \
	test "$(jq '[.provenance.trace.cpus[] | .buffer_kb | select(. >= 8 and . < 64)] | length' "$r")" -ge 1
ok "tiny buffer: overrun > 0" test "$(jq .provenance.trace.overrun "$r")" -gt 0
ok "tiny buffer: missed > 0" \
	test "$(jq '.provenance.trace.missed + .provenance.trace.missed_pages' "$r")" -gt 0
ok "tiny buffer: the in-L1 run said so on stderr" grep -q 'trace-loss' "$TMP/tiny.err"
run_lab big
rc=$?
r=$TMP/big/fixed/record.json
eq "default buffer: lab exit status" $rc 0
eq "default buffer: status" "$(jq -r .status "$r")" complete
eq "default buffer: lost" "$(jq .provenance.trace.lost "$r")" false
eq "default buffer: overrun" "$(jq .provenance.trace.overrun "$r")" 0
eq "default buffer: write_cr8 per iteration" \
	"$(measured "$r" exit.write_cr8)" 600
[ $fails -eq 0 ] || { cat "$TMP/tiny.err" "$TMP/big.err"; }
finish
