#!/bin/bash
# Sourced by tests/bench/*.sh: BUILD and IRQ (the command), a scratch folder
# $tmp removed at exit, now (ns) and secs NS (seconds, 2 decimals).
# bench_need NAME: skips the benchmark (exit 0, one line) when irqlbench is
# not built.
set -u
BUILD=${BUILD:-build}
IRQ=$BUILD/bin/irqlbench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s%N; }
secs() { echo "scale=2; $1 / 1000000000" | bc; }
bench_need() { [ -x "$IRQ" ] || { echo "bench: $1 skipped: run make first"; exit 0; }; }
