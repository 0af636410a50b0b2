#!/bin/bash
# make bench: every tests/bench/*.sh prints lines
#   bench: NAME VALUE UNIT (target ...)
# measured against a baseline taken in the same run (these machines are
# noisy: ratios, not absolute times).  Benchmarks never fail the build;
# a line whose target is missed says MISSED.
set -u
BUILD=${BUILD:-build}
export BUILD
for b in tests/bench/*.sh; do
	[ "$(basename "$b")" != lib.sh ] || continue	# their helpers
	echo "== $(basename "$b" .sh)"
	bash "$b" || echo "bench: $(basename "$b" .sh) did not complete (exit $?)"
done
