#!/bin/bash
# No L1 QEMU outlives `irqlbench lab`: for SIGKILL, SIGTERM and SIGINT sent
# to irqlbench's PID while L1 runs, the lab's scripts and its QEMU are gone
# within 10 s (the guard of host/kvm/kvm_paths.c kills their process group
# when irqlbench's end closes its pipe), and a normal lab run leaves no
# process of its group behind.  One short L1 boot per signal.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_guest
need_cmd pgrep
need_lab_kernel >/dev/null

# the L1 QEMU whose command line names DIR (its 9p share), or nothing
l1_qemu() { pgrep -f -- "qemu-system-x86_64.*path=$1" | head -n 1; }
# pids of the processes in process group $1
group() { ps -e -o pid=,pgid= | awk -v g="$1" '$2 == g { print $1 }'; }

for sig in KILL TERM INT; do
	out=$TMP/$sig
	mkdir -p "$out"
	# many iterations: L1 is still running when the signal comes
	"$IRQLBENCH" lab --variants fixed --workload irql-churn --param iterations=100000000 \
		--out-dir "$out" --l1-timeout 120 >"$out/lab.out" 2>"$out/lab.err" &
	pid=$!
	q=
	for _ in $(seq 1 600); do	# up to 60 s for the module build and L1's start
		q=$(l1_qemu "$out")
		[ -n "$q" ] && break
		sleep 0.1
	done
	if [ -z "$q" ]; then
		bad "$sig: no L1 QEMU started"; kill -KILL $pid 2>/dev/null
		cat "$out/lab.err"; continue
	fi
	pg=$(ps -o pgid= -p "$q" | tr -d ' ')
	kill -"$sig" "$pid"
	wait "$pid" 2>/dev/null
	gone=no
	for _ in $(seq 1 100); do
		if ! kill -0 "$q" 2>/dev/null && [ -z "$(group "$pg")" ]; then gone=yes; break; fi
		sleep 0.1
	done
	eq "SIG$sig to irqlbench lab: L1 QEMU and the lab's scripts gone within 10 s" $gone yes
	[ $gone = yes ] || { ps -o pid,pgid,args -g "$pg"; kill -KILL -- "-$pg" 2>/dev/null; }
done

# a finished lab run leaves nothing of its process group behind
out=$TMP/done
mkdir -p "$out"
"$IRQLBENCH" lab --variants fixed --workload irql-churn --param iterations=10 \
	--out-dir "$out" >"$out/lab.out" 2>"$out/lab.err"
eq "short lab run: exit 0" $? 0
eq "short lab run: no L1 QEMU left" "$(l1_qemu "$out")" ""
finish
