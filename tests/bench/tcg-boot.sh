#!/bin/bash
# The seed-table run's boot-to-result time under TCG, as a ratio to QEMU's
# own floor: an empty multiboot image that exits at once, booted with the
# same options, measured in the same run (alternating, median of N).
# Target: ratio <= 1.20.  Also printed: the same run with iterations=1
# (the guest's and the tooling's fixed cost: boot, TSC calibration, QMP
# pinning, parsing) - the default 1000 iterations each wait for a LAPIC
# timer interrupt, which TCG delivers some 20-40 us late.
set -u
BUILD=${BUILD:-build}
N=${BENCH_RUNS:-7}
IRQLBENCH=$BUILD/bin/irqlbench
EMPTY=$BUILD/guest/empty.elf
[ -x "$IRQLBENCH" ] && [ -f "$EMPTY" ] || { echo "bench: tcg-boot skipped: run make first"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the same firmware as 'irqlbench run' uses (qboot where installed)
FW=()
[ -r /usr/share/qemu/qboot.rom ] && FW=(-bios qboot.rom)
now() { date +%s%N; }
floor=() ours=() one=()
for i in $(seq "$N"); do
	t0=$(now)
	qemu-system-x86_64 -machine pc -accel tcg -cpu max -smp 1 -m 64 -nographic -no-reboot \
		-nodefaults "${FW[@]}" -serial null -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$EMPTY" >/dev/null 2>&1
	t1=$(now)
	"$IRQLBENCH" run --backend tcg --workload seed-table --out "$tmp/r$i.json" >/dev/null 2>&1 ||
		{ echo "bench: tcg-boot: the seed-table run failed"; exit 1; }
	t2=$(now)
	"$IRQLBENCH" run --backend tcg --workload seed-table --param iterations=1 --param warmup=0 \
		--out "$tmp/o$i.json" >/dev/null 2>&1 ||
		{ echo "bench: tcg-boot: the one-iteration seed-table run failed"; exit 1; }
	t3=$(now)
	floor+=($(( (t1 - t0) / 1000 ))) ours+=($(( (t2 - t1) / 1000 ))) one+=($(( (t3 - t2) / 1000 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mf=$(median "${floor[@]}") mo=$(median "${ours[@]}") m1=$(median "${one[@]}")
ratio=$(echo "scale=3; $mo / $mf" | bc)
ratio1=$(echo "scale=3; $m1 / $mf" | bc)
verdict=$(echo "$ratio <= 1.20" | bc)
printf 'bench: tcg-empty-boot %.3f s (QEMU floor, %s, median of %d)\n' "$(echo "$mf/1000000" | bc -l)" "${FW[1]:-seabios}" "$N"
printf 'bench: tcg-seed-table-run %.3f s (irqlbench run, boot to record, median of %d)\n' "$(echo "$mo/1000000" | bc -l)" "$N"
echo "bench: tcg-seed-table/floor ${ratio} ratio (target <= 1.20) $([ "$verdict" = 1 ] && echo met || echo MISSED)"
printf 'bench: tcg-seed-table-1-iteration %.3f s (median of %d)\n' "$(echo "$m1/1000000" | bc -l)" "$N"
echo "bench: tcg-seed-table-1-iteration/floor ${ratio1} ratio (fixed cost of guest and tooling)"
