#!/bin/bash
# start-libvirtd.sh start|stop|status - a libvirtd for irqlbench where none runs.
#
#   start   if qemu:///system answers, do nothing (exit 0, "already running");
#           else start virtlogd -d (if it is not running) and libvirtd under
#           irqlbench-subreaper (orphaned QEMUs are reaped at once: this
#           machine's PID 1 reaps them ~2 s late), wait until it answers.
#           What it started is written to the state file.
#   stop    stop exactly the processes the state file names (by pid), nothing else.
#   status  exit 0 if qemu:///system answers.
#
# Environment: BUILD (default build), IRQLBENCH_LIBVIRTD_STATE (default
# $BUILD/libvirtd.state), SUBREAPER (default $BUILD/bin/irqlbench-subreaper).
# Exit status: 0 ok, 3 cannot start (the message says why and how to fix).
set -u
BUILD=${BUILD:-build}
STATE=${IRQLBENCH_LIBVIRTD_STATE:-$BUILD/libvirtd.state}
SUBREAPER=${SUBREAPER:-$BUILD/bin/irqlbench-subreaper}
URI=qemu:///system
LOG=$BUILD/libvirtd.log

answers() { virsh -q -c "$URI" uri >/dev/null 2>&1; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

start() {
	if answers; then
		echo "libvirtd already running ($URI answers); not starting another"
		return 0
	fi
	for b in libvirtd virtlogd virsh; do
		command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || {
			echo "start-libvirtd: error: $b not found: apt-get install libvirt-daemon-system libvirt-clients" >&2
			return 3
		}
	done
	[ "$(id -u)" -eq 0 ] || {
		echo "start-libvirtd: error: starting the system libvirtd needs root (or start it with systemctl start libvirtd)" >&2
		return 3
	}
	mkdir -p "$(dirname "$STATE")"
	: >"$STATE"
	local vl_pid
	vl_pid=$(cat /run/virtlogd.pid 2>/dev/null)
	if ! alive "$vl_pid"; then
		/usr/sbin/virtlogd -d || { echo "start-libvirtd: error: virtlogd -d failed" >&2; return 3; }
		for _ in $(seq 50); do
			vl_pid=$(cat /run/virtlogd.pid 2>/dev/null)
			alive "$vl_pid" && break
			sleep 0.1
		done
		echo "virtlogd=$vl_pid" >>"$STATE"
	fi
	local sr=() lvpidf=$BUILD/libvirtd.child.pid
	if [ -x "$SUBREAPER" ]; then
		sr=("$SUBREAPER" --pidfile "$lvpidf")
	else
		echo "start-libvirtd: note: $SUBREAPER not built (make all): libvirt runs will take ~2 s longer here" >&2
	fi
	rm -f "$lvpidf"
	setsid "${sr[@]}" /usr/sbin/libvirtd </dev/null >"$LOG" 2>&1 &
	local top=$!
	echo "top=$top" >>"$STATE"
	local t0=$SECONDS
	until answers; do
		if ! alive "$top"; then
			echo "start-libvirtd: error: libvirtd exited at once (see $LOG)" >&2
			return 3
		fi
		if [ $((SECONDS - t0)) -ge 60 ]; then
			echo "start-libvirtd: error: libvirtd did not answer on $URI within 60 s (see $LOG)" >&2
			return 3
		fi
		sleep 0.1
	done
	local lv_pid=$top
	[ ${#sr[@]} -gt 0 ] && lv_pid=$(cat "$lvpidf" 2>/dev/null)
	echo "libvirtd=$lv_pid" >>"$STATE"
	echo "libvirtd started (pid $lv_pid, under subreaper ${sr:+pid $top}) in $((SECONDS - t0)) s"
}

stop() {
	[ -s "$STATE" ] || { echo "nothing to stop (no $STATE: libvirtd was not started by this script)"; return 0; }
	local lv top vl
	lv=$(sed -n 's/^libvirtd=//p' "$STATE")
	top=$(sed -n 's/^top=//p' "$STATE")
	vl=$(sed -n 's/^virtlogd=//p' "$STATE")
	for p in $lv $top; do
		alive "$p" && kill -TERM "$p"
	done
	for _ in $(seq 100); do
		alive "$lv" || alive "$top" || break
		sleep 0.1
	done
	for p in $lv $top; do
		alive "$p" && kill -KILL "$p"
	done
	if [ -n "$vl" ] && alive "$vl"; then
		kill -TERM "$vl"
	fi
	rm -f "$STATE"
	echo "stopped what start-libvirtd.sh started (libvirtd ${lv:-?}${vl:+, virtlogd $vl})"
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) answers ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
