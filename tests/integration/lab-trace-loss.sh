#!/bin/bash
# A trace that loses events must say so and must not pass for a result:
# with an 8 KiB ring buffer per CPU (--trace-buffer 8) the lab's kvm run
# overruns it, and the record is failed with error.kind trace-loss, exit
# status 1, provenance.trace giving the buffer size set and the loss
# (overrun from per_cpu/cpuN/stats, missed from the page headers).  The
# same run with the default buffer loses nothing and is complete, and
# times its exits (kvm_exit to the next kvm_entry, per phase, vCPU and
# reason, exit_times of results/SCHEMA.md): every exit counted is timed or
# counted untimed, the times are ordered (min <= p50 <= p99 <= max), and
# `results show --exits` prints them in perf kvm stat's layout, marked
# emulated, from the record file and from a store.
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
# exit handling times: one entry per reason counted, n + untimed = the count
sel='[.phases[] | select(.measured) | .vcpus[]]'
eq "default buffer: a time entry for every reason counted" \
	"$(jq -c "$sel | map((.exits | with_entries(select(.value > 0)) | keys) == (.exit_times | keys)) | all" "$r")" true
eq "default buffer: each exit timed or counted untimed" \
	"$(jq -c "$sel | map(.exits as \$e | .exit_times | to_entries | map(.value.n + .value.untimed == \$e[.key]) | all) | all" "$r")" true
eq "default buffer: times in ns, log-linear buckets" \
	"$(jq -r "$sel | map(.exit_times[] | .unit + \" \" + .layout) | unique | join(\",\")" "$r")" "ns log-linear"
ok "default buffer: write_cr8 exits timed" \
	test "$(jq "$sel | map(.exit_times.write_cr8.n) | add" "$r")" -gt 0
eq "default buffer: min <= p50 <= p99 <= max, buckets add up to n" \
	"$(jq "$sel | map(.exit_times[] | select(.n > 0) | (.min <= .p50 and .p50 <= .p99 and .p99 <= .max and
		([.buckets[][1]] | add) + .overflow == .n and .sum >= .n * .min)) | all" "$r")" true
out=$("$IRQLBENCH" results show --exits "$r")
eq "show --exits FILE: status" $? 0
ok "show --exits: perf kvm stat's header" \
	grep -q 'VM-EXIT *Samples *Samples% *Time% *Min Time *Max Time *Avg time' <<<"$out"
eq "show --exits: write_cr8 samples (600 per iteration x 200)" \
	"$(awk '$1 == "write_cr8" { print $2 }' <<<"$out")" 600
ok "show --exits: the lab's times are marked emulated" grep -q EMULATED <<<"$out"
"$IRQLBENCH" results import --db "$TMP/s.db" "$r" >/dev/null 2>&1
id=$(jq -r .id "$r")
eq "show --exits ID (a store): the same table" "$("$IRQLBENCH" results show --db "$TMP/s.db" --exits "$id")" "$out"
ok "stored metrics: exit_ns.write_cr8.mean, .p50, .p99" test "$("$IRQLBENCH" results show --db "$TMP/s.db" \
	--metrics --json "$id" | jq '.metrics | has("exit_ns.write_cr8.mean") and has("exit_ns.write_cr8.p50") and
	has("exit_ns.write_cr8.p99")')" = true
# model --costs-from this record (issue 16): the model charges the lab's mean
# time per exit reason and gives the measured write_cr8 time per iteration
# again, within its resolution (a cost is whole cycles of guest.tsc_hz: at
# most half a cycle per exit off)
"$IRQLBENCH" model -q --workload nested-spinlock --param depth=2 --param iterations=200 --policy l61 \
	--costs-from "$r" --out-dir "$TMP/cf" 2>"$TMP/cf.err"
eq "model --costs-from the lab record: status" $? 0
m=$TMP/cf/nested-spinlock-l61.json
eq "model --costs-from: the lab's write_cr8 count (3 per iteration)" "$(measured "$m" exit.write_cr8)" 600
lab_t=$(measured "$r" 'exit_ns.write_cr8.total/iter')
model_t=$(measured "$m" 'exit_ns.write_cr8.total/iter')
ok "model --costs-from: write_cr8 time per iteration $model_t ns = the lab's $lab_t ns within 3 x half a cycle" \
	awk -v a="$lab_t" -v b="$model_t" -v hz="$(jq .guest.tsc_hz "$r")" \
	'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d <= 3 * 0.5e9 / hz + 1e-6) }'
eq "model --costs-from: the source is this run" "$(jq -r .provenance.model.costs_from.run "$m")" "$id"
echo "$out"
[ $fails -eq 0 ] || { cat "$TMP/tiny.err" "$TMP/big.err"; }
finish
