#!/bin/bash
# No QEMU outlives `irqlbench run`, whatever signal ends it.  For each of
# SIGHUP, SIGINT, SIGQUIT, SIGTERM and SIGKILL: start the real guest's
# `hang` workload under TCG, wait until QEMU runs it (its boot line), send
# the signal to irqlbench's PID, and check by PID that QEMU is gone within
# 5 s and that the run's QMP folder ($TMPDIR/irqlbench-qmp.<pid>.*) is
# gone.  A caught signal ends the run with exit 1 and a failed record that
# says so; SIGKILL leaves the folder, and the next run removes it.
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq
need_cmd pgrep
export TMPDIR=$TMP/tmp	# the runs' QMP folders, apart from everyone else's
mkdir -p "$TMPDIR"
qemus=
# should a check fail, no QEMU of this test is left spinning either
trap 'for q in $qemus; do kill -9 "$q" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# A process is gone when /proc has no live process with that pid (a zombie
# waiting for PID 1 to reap it runs no more).
gone() {
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}
wait_gone() {	# wait_gone PID SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		gone "$1" && return 0
		sleep 0.1
	done
	return 1
}

for sig in HUP INT QUIT TERM KILL; do
	out=$TMP/$sig.json
	# a background job of a script starts with SIGINT and SIGQUIT ignored
	# (and irqlbench keeps them so): give it the defaults a terminal gives
	env --default-signal=HUP,INT,QUIT,TERM "$IRQLBENCH" run --backend tcg --workload hang \
		--timeout 60 --out "$out" >"$TMP/$sig.out" 2>"$TMP/$sig.err" &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -q 'irqlbench-guest v=1 boot' "$TMP/$sig.serial.log" 2>/dev/null && break
		sleep 0.1
	done
	qemu=$(pgrep -P "$pid" qemu-system)
	qemus="$qemus $qemu"
	ok "$sig: QEMU ($qemu) runs the guest" grep -q 'irqlbench-guest v=1 boot' "$TMP/$sig.serial.log"
	ok "$sig: the run has its QMP folder" compgen -G "$TMPDIR/irqlbench-qmp.$pid.*" >/dev/null
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	ok "$sig: QEMU gone within 5 s" wait_gone "${qemu:-0}" 5
	if [ $sig = KILL ]; then
		eq "$sig: exit status" $rc 137
		ok "$sig: the QMP folder is left (no one could remove it)" \
			compgen -G "$TMPDIR/irqlbench-qmp.$pid.*" >/dev/null
		stale=$pid
		continue
	fi
	eq "$sig: exit status" $rc 1
	ok "$sig: no QMP folder left" bash -c "! compgen -G '$TMPDIR/irqlbench-qmp.$pid.*'"
	eq "$sig: record" "$(jq -r '.status + " " + .error.kind + ": " + .error.message' "$out")" \
		"failed launch: interrupted by SIG$sig; QEMU was stopped"
	eq "$sig: one line on stderr" "$(wc -l <"$TMP/$sig.err")" 1
	cat "$TMP/$sig.err"
done

# the next run removes the folder of the SIGKILLed one (its owner is dead),
# and none of its own
"$IRQLBENCH" run --backend tcg --workload seed-table --param iterations=10 \
	--out "$TMP/next.json" >/dev/null 2>&1
eq "next run: exit status" $? 0
ok "next run: the stale folder of pid $stale removed" \
	bash -c "! compgen -G '$TMPDIR/irqlbench-qmp.$stale.*'"
eq "next run: no QMP folder left at all" "$(ls -A "$TMPDIR")" ""
finish
