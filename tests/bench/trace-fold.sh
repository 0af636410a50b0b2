#!/bin/bash
# trace-fold.sh - memory of folding a large kvm trace: every event held and
# sorted (the collector before kvm_merge.c) vs folded while read (now), on
# a synthetic trace (tests/bench/trace_fold_bench.c).  Prints `bench:` lines
# for tests/bench.sh; the target is a memory ratio, >= 10.
set -u
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" "$BUILD/bench/trace-fold-bench" >/dev/null ||
	{ echo "bench: trace-fold-bench did not build"; exit 1; }
"$BUILD/bench/trace-fold-bench" "${TRACE_FOLD_EVENTS:-5000000}"
