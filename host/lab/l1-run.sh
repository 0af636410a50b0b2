# Runs inside the lab's L1 (busybox sh, started by host/lab/init with the
# results share as $1).  Reads $1/insmod.list, the host paths of the modules
# to load, one a line, in order (irqbypass, kvm, ccp, kvm-amd; kvm.ko and
# kvm-amd.ko the variant's), and $1/job.env, both written by
# host/lab/lab-variant.sh:
#   MODE     run: `irqlbench run --backend kvm` with the arguments in $1/args
#                 (one per line), record in $1/record.json
#            batch: for each line of $1/batch (NAME and run options, tab-
#                 separated; NAME1,NAME2,... for a line with --repeat N,
#                 whose N jobs run in one guest boot, a --out each), in
#                 order, `irqlbench run --backend kvm` with
#                 them, record in $1/runs/NAME/record.json, its stdout and
#                 stderr in run.stdout and run.stderr there, its exit status
#                 in status, its time in step.env (L1_STEP_S); one line
#                 "I N NAME STATUS STEP_S" appended to $1/progress as each
#                 ends (replaced whole, so that the host never reads half)
#            selftest: $KVMTRACE -- qemu -enable-kvm $GUEST, fold in $1/trace.json
#            script: bash $TEST_SCRIPT as root in the host's tree (chroot),
#                 in CWD, IRQLBENCH in its environment; its stdout and
#                 stderr in $1/script.out (tests: kvm swap in a real
#                 kvm_amd host, tests/integration/lab-kvm-swap.sh)
#   IRQLBENCH, KVMTRACE, GUEST, QEMU   host paths
#   CWD      the host's working directory: the run works there, so that a
#            relative path among its arguments means what it means on the host
# Writes $1/l1.log (this script's log), $1/kvm.env (kvm_amd parameters, and
# the loaded kvm_amd's srcversion and taint flags), $1/status (exit status of
# the step that ran).
OUT=$1
. "$OUT/job.env"
exec >"$OUT/l1.log" 2>&1
up() { cut -d' ' -f1 /proc/uptime; }
fail() { echo "L1: error: $2"; echo "$1" >"$OUT/status"; exit "$1"; }
echo "L1: $(uname -r) mode=$MODE uptime=$(up)"

while IFS= read -r m; do
	insmod "/host$m" || fail 3 "insmod $m failed (see dmesg below)"
done <"$OUT/insmod.list"
[ -c /dev/kvm ] || fail 3 "/dev/kvm did not appear after loading kvm_amd"
: >"$OUT/kvm.env"
for p in npt avic nested nrips vgif vls; do
	v=$(cat /sys/module/kvm_amd/parameters/$p 2>/dev/null)
	echo "KVM_$(echo $p | tr a-z A-Z)=$v" >>"$OUT/kvm.env"
done
# which kvm_amd this is: the build's srcversion (none for Debian's own) and
# its taint (O out of tree, E unsigned: a build; none: the shipped module)
echo "KVM_AMD_SRCVERSION=$(cat /sys/module/kvm_amd/srcversion 2>/dev/null)" >>"$OUT/kvm.env"
echo "KVM_AMD_TAINT=$(cat /sys/module/kvm_amd/taint 2>/dev/null)" >>"$OUT/kvm.env"
echo "L1: modules loaded uptime=$(up): $(tr '\n' ' ' <"$OUT/kvm.env")"
dmesg | grep -i -E 'kvm|svm|taint' | tail -n 8

# The host's tree as the root of the run: its QEMU, its libraries, our build.
mount -o bind /dev /host/dev || fail 3 "bind /dev"
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t tracefs tracefs /host/sys/kernel/tracing
mount -t tmpfs tmpfs /host/run
# Scratch space under /run, not a tmpfs over /tmp: the project itself may
# live under the host's /tmp (CI clones there), and must stay visible.
S=/run/irqlbench
# The run writes into L1's tmpfs ($S/lab-out) and what it wrote is copied to
# the share after it: QEMU writes the guest's serial log a byte at a time,
# and a byte written to a 9p file is a round trip to the host (~0.5 ms under
# TCG: 0.6 s of a 200-iteration run went there).
mkdir -p /host$S/lab-out /host$S/cache /host$S/tmp
# keep SUB: $S/lab-out/SUB to $OUT/SUB, and out of the tmpfs
keep() {
	mkdir -p "$OUT/$1" && cp -a "/host$S/lab-out/$1/." "$OUT/$1/" || echo "L1: error: cannot copy $S/lab-out/$1 to the share"
	[ "$1" = . ] || rm -rf "/host$S/lab-out/$1"
}
ENVV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=$S TMPDIR=$S/tmp XDG_CACHE_HOME=$S/cache"

t0=$(up)
case $MODE in
run)
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$OUT/args"
	echo "L1: in $CWD: irqlbench run --backend kvm $* (uptime $t0)"
	chroot /host /usr/bin/env -i -C "$CWD" $ENVV "$IRQLBENCH" run "$@" \
		--backend kvm --out $S/lab-out/record.json >"$OUT/run.stdout" 2>"$OUT/run.stderr"
	rc=$?
	keep .
	;;
batch)
	# the progress so far (an L1 booted again after a QEMU crash adds to it)
	P=/lab-progress
	cp "$OUT/progress" $P 2>/dev/null || : >$P
	n=$(cut -f1 "$OUT/batch" | tr ',' '\n' | grep -c .)
	i=0
	TAB=$(printf '\t')
	set -f		# the words of a line are words, never patterns
	while IFS= read -r line <&3; do
		[ -n "$line" ] || continue
		IFS=$TAB
		set -- $line
		unset IFS
		names=$1
		shift
		# NAME, or NAME1,NAME2,... for a line with --repeat N: one
		# boot runs them all, one --out each (irqlbench run --repeat)
		list=$(echo "$names" | tr ',' ' ')
		k=0
		outs=
		for name in $list; do
			k=$((k + 1))
			rm -rf "$OUT/runs/$name"
			mkdir -p "$OUT/runs/$name" "/host$S/lab-out/runs/$name"
			outs="$outs --out $S/lab-out/runs/$name/record.json"
		done
		first=${names%%,*}
		d=$OUT/runs/$first
		j0=$(up)
		echo "L1: [$((i + 1))/$n] $names: in $CWD: irqlbench run --backend kvm $* (uptime $j0)"
		chroot /host /usr/bin/env -i -C "$CWD" $ENVV "$IRQLBENCH" run "$@" \
			--backend kvm $outs </dev/null >"$d/run.stdout" 2>"$d/run.stderr"
		r=$?
		j1=$(up)
		s=$(awk "BEGIN { print ($j1 - $j0) / $k }")
		if [ "$k" -gt 1 ]; then
			# each job's own lines (they name its folder); the boot's
			# own (no job's folder) go with the first job's
			others=$(for o in $list; do [ "$o" = "$first" ] || printf '/runs/%s/\n' "$o"; done)
			for f in run.stdout run.stderr; do
				mv "$d/$f" "$d/$f.boot"
				for name in $list; do
					if [ "$name" = "$first" ]; then
						grep -vF "$others" "$d/$f.boot"
					else
						grep -F "/runs/$name/" "$d/$f.boot"
					fi >"$OUT/runs/$name/$f"
				done
				rm -f "$d/$f.boot"
			done
		fi
		for name in $list; do
			i=$((i + 1))
			# a job's own status: its record's (the run's is the first
			# job's that did not end well)
			js=$r
			if [ "$k" -gt 1 ]; then
				js=$(chroot /host jq -r --argjson rc "$r" \
					'if .status == "complete" then (if .verdict.status == "ok" then 0 else 1 end)
					 elif $rc != 0 then $rc else 1 end' \
					"$S/lab-out/runs/$name/record.json" 2>/dev/null) || js=$r
				[ -n "$js" ] || js=$r
			fi
			keep "runs/$name"
			e=$OUT/runs/$name
			echo "L1_STEP_S=$s" >"$e/step.env"
			echo "$js" >"$e/status"
			echo "$i $n $name $js $s" >>$P
		done
		cp $P "$OUT/progress.tmp" && mv "$OUT/progress.tmp" "$OUT/progress"
	done 3<"$OUT/batch"
	set +f
	rc=0
	;;
script)
	echo "L1: in $CWD: bash $TEST_SCRIPT (uptime $t0)"
	chroot /host /usr/bin/env -i -C "$CWD" $ENVV IRQLBENCH="$IRQLBENCH" \
		/bin/bash "$TEST_SCRIPT" </dev/null >"$OUT/script.out" 2>&1
	rc=$?
	;;
selftest)
	echo "L1: $KVMTRACE -- $QEMU -enable-kvm ... -kernel $GUEST (uptime $t0)"
	chroot /host /usr/bin/env -i $ENVV "$KVMTRACE" -- "$QEMU" -enable-kvm -cpu host -m 64M \
		-smp 1 -display none -monitor none -no-reboot -nic none -kernel "$GUEST" \
		-serial file:$S/lab-out/serial.log -device isa-debug-exit,iobase=0xf4,iosize=4 \
		>"$OUT/trace.json" 2>"$OUT/kvmtrace.log"
	rc=$?
	cp /host$S/lab-out/serial.log "$OUT/serial.log" 2>/dev/null
	;;
*)
	fail 2 "unknown MODE '$MODE'"
	;;
esac
t1=$(up)
echo "L1: step rc=$rc uptime $t0 -> $t1"
echo "L1_STEP_S=$(awk "BEGIN { print $t1 - $t0 }")" >"$OUT/step.env"
echo $rc >"$OUT/status"
exit 0
