#!/bin/bash
# model-bench.sh - speed of the model backend (host/model): simulated
# guest events per second on one core, and the wall time of the full
# matrix (every workload x every policy at default parameters).
# Prints `bench: NAME VALUE UNIT (target ...)` lines for tests/bench.sh.
set -u
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" "$BUILD/bench/model-bench" >/dev/null ||
	{ echo "bench: model-bench did not build"; exit 1; }
# one core, as the target says (if taskset is there)
if command -v taskset >/dev/null; then
	taskset -c 0 "$BUILD/bench/model-bench"
else
	"$BUILD/bench/model-bench"
fi
