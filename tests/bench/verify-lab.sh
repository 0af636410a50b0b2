#!/bin/bash
# verify in the lab, one kernel and a whole series (issue "Validate stable
# kernels" §3), against the per-workload way measured in the same run:
#   baseline  each entry of group verify once through its own 'irqlbench lab'
#             (one L1 per run: how verify ran before), per run;
#   batch     'irqlbench verify --backend lab --kernel K --runs 5': the
#             entries x 5 runs in one L1, per run.
# Target: the per-workload way's time for 5 runs of each >= 3x the batch's
# (printed as a ratio of per-run times).  Then, when every kernel of the
# series is cached (warm; BENCH_SERIES=0 skips it, it takes minutes), the
# whole 'verify --series 6.1' with its control, target < 300 s, and where
# the time goes inside L1 (provenance.timing of its records, mean per run).
. "$(dirname "$0")/lib.sh"
bench_need verify-lab
K=${BENCH_KERNEL:-$("$IRQ" kvm kernels --json 2>/dev/null | jq -r '.kernels[0].version')}
[ -n "$K" ] && [ "$K" != null ] || { echo "bench: verify-lab skipped: no kernel listed by 'irqlbench kvm kernels'"; exit 0; }
IT=200

# warm the kernel and its stock modules (not measured)
"$IRQ" lab --kernel "$K" --variants stock --out-dir "$tmp/warm" --workload nested-spinlock \
	--param iterations=10 >/dev/null 2>&1 || { echo "bench: verify-lab: the lab does not run $K"; exit 1; }

# baseline: one L1 per run
mapfile -t entries < <("$IRQ" list --suites --group verify --format json |
	jq -r '.entries[] | [.workload, ((.params | to_entries | map("--param \(.key)=\(.value)")) | join(" "))] | join(" ")')
t0=$(now)
for e in "${entries[@]}"; do
	# shellcheck disable=SC2086
	"$IRQ" lab --kernel "$K" --variants stock --out-dir "$tmp/single" --workload $e \
		--param iterations=$IT >/dev/null 2>&1 || { echo "bench: verify-lab: a single lab run failed ($e)"; exit 1; }
done
t1=$(now)
single=$(( (t1 - t0) / ${#entries[@]} ))
echo "bench: verify-lab-single-run $(secs $single) s per run (one 'irqlbench lab' each, ${#entries[@]} entries, $K stock)"

# the batch: 5 runs of each in one L1
t2=$(now)
"$IRQ" verify --backend lab --kernel "$K" --runs 5 --iterations $IT --db "$tmp/b.db" \
	--out-dir "$tmp/batch" >"$tmp/batch.out" 2>"$tmp/batch.err"
rc=$?
t3=$(now)
[ $rc -le 11 ] || { echo "bench: verify-lab: verify failed (exit $rc): $(tail -n 1 "$tmp/batch.err")"; exit 1; }
n=$(( ${#entries[@]} * 5 ))
batch=$(( (t3 - t2) / n ))
ratio=$(echo "scale=2; $single / $batch" | bc)
echo "bench: verify-lab-batch-run $(secs $batch) s per run ($n runs in one L1 in $(secs $((t3 - t2))) s, verdict $(sed -n 's/^verdict: //p' "$tmp/batch.out"))"
echo "bench: verify-lab-speedup $ratio x (per-workload L1s / one L1 per kernel x variant; target >= 3) $([ "$(echo "$ratio >= 3" | bc)" = 1 ] && echo met || echo MISSED)"
# a --repeat boot's records share its timing: each boot once, over all its runs
jq -s '[.[] | select(.provenance.timing != null)] as $r | ($r | length) as $n |
	[$r[] | {b: (.provenance.repeat.boot_id // .id), t: .provenance.timing}] | unique_by(.b) | map(.t) as $t |
	"bench: verify-lab-inside-L1 per run (\($t | length) guest boots for \($n) runs): setup \(([$t[].setup_s] | add) / $n * 100 | round / 100) s, QEMU start-up \(([$t[].qemu_start_s] | add) / $n * 100 | round / 100) s, guest \(([$t[].guest_s] | add) / $n * 100 | round / 100) s, finish (trace fold) \(([$t[].finish_s] | add) / $n * 100 | round / 100) s (L1 clock, TCG)"' \
	-r "$tmp"/batch/stock/runs/*/record.json 2>/dev/null

# the series, warm
if [ "${BENCH_SERIES:-1}" = 0 ]; then
	echo "bench: verify-lab-series skipped (BENCH_SERIES=0)"
	exit 0
fi
cold=$("$IRQ" kvm kernels --series 6.1 --json | jq -r '[.kernels[] | select(.installed != "yes" and .cached != "yes") | .version] | join(" ")')
if [ -n "$cold" ]; then
	echo "bench: verify-lab-series skipped: not warm ($cold not cached: 'irqlbench verify --backend lab --series 6.1' once fetches them)"
	exit 0
fi
t4=$(now)
"$IRQ" verify --backend lab --series 6.1 --db "$tmp/s.db" --out-dir "$tmp/series" >"$tmp/series.out" 2>"$tmp/series.err"
rc=$?
t5=$(now)
s=$(secs $((t5 - t4)))
echo "bench: verify-lab-series $s s ($(grep -c '^irqlbench verify: \[' "$tmp/series.err") kernel x variant, exit $rc; target < 300 s) $([ "$(echo "$s < 300" | bc)" = 1 ] && echo met || echo MISSED)"
