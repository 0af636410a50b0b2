#!/bin/bash
# The lab, warm (modules cached): one run per variant of nested-spinlock
# depth 2 (200 iterations) through 'irqlbench lab', against the lab's own
# floor measured in the same run: the same L1 boot, module load and trace
# around the lab's tiny CR8 test guest ('irqlbench lab --selftest').
# Target: <= 10 s per variant.  Also prints each variant's module build
# time (from its cache entry) and the time of a cached 'kvm build'.
. "$(dirname "$0")/lib.sh"
bench_need lab-warm

for v in fixed unfixed; do
	t0=$(now)
	dir=$("$IRQ" kvm build --variant $v 2>"$tmp/build-$v.err") ||
		{ echo "bench: lab-warm: kvm build --variant $v failed: $(tail -n1 "$tmp/build-$v.err")"; exit 1; }
	t1=$(now)
	built=$(sed -n 's/^build_seconds=//p' "$dir/build.info" 2>/dev/null)
	echo "bench: lab-module-build-$v ${built:-?} s (uncached build, from its cache entry); cached lookup $(secs $((t1 - t0))) s"
	"$IRQ" lab --selftest --variants $v --out-dir "$tmp/self-$v" >/dev/null 2>&1 ||
		{ echo "bench: lab-warm: the selftest floor failed for $v"; exit 1; }
	t2=$(now)
	"$IRQ" lab --variants $v --out-dir "$tmp/run-$v" --workload nested-spinlock \
		--param depth=2 --param iterations=200 >/dev/null 2>&1 ||
		{ echo "bench: lab-warm: the lab run failed for $v"; exit 1; }
	t3=$(now)
	floor=$((t2 - t1)) run=$((t3 - t2))
	met=$(echo "$(secs $run) <= 10" | bc)
	echo "bench: lab-floor-$v $(secs $floor) s (L1 boot, modules, trace, lab test guest)"
	echo "bench: lab-warm-run-$v $(secs $run) s (target <= 10 s) $([ "$met" = 1 ] && echo met || echo MISSED)"
	echo "bench: lab-warm-run-$v/floor $(echo "scale=2; $run / $floor" | bc) ratio"
done
