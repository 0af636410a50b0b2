# tests/integration/lib.sh - the one library of the integration tests (sourced).
#
# A test sources it first and then declares what it needs, one line each, so
# that its first lines say where it can run:
#
#	. "$(dirname "$0")/lib.sh"
#	need_guest
#	need_pkg jq
#
# Requirements.  Each that is not met ends the test with one line
# "SKIP: <reason>" and exit status 77, the line tests/run-tests.sh shows.
# What this host or host/install-deps.sh should have provided is a FAIL
# (exit 1), never a SKIP, so that a broken install does not hide behind one:
#	need_root		runs as root
#	need_cmd CMD...		each command is on PATH (for what no package of
#				host/packages/ provides; those: need_pkg)
#	need_pkg PKG...		each Debian package is installed (dpkg-query);
#				the fix named: make deps (host/install-deps.sh)
#	need_built [FILE...]	the irqlbench command and each FILE are built (make)
#	need_guest		need_built and the guest image
#	need_kvm		/dev/kvm opens for reading and writing
#	need_kvm_amd		an AMD SVM host with kvm_amd loaded (the kvm backend's
#				host).  SKIP where that backend does not apply: the CPU
#				is not AuthenticAMD or HygonGenuine or has no svm flag, or /dev/kvm is
#				another module's (kvm_intel, kvm_pvm); FAIL on an AMD SVM
#				host where it does but is not ready (kvm_amd not loaded,
#				/dev/kvm missing or not usable)
#	need_kernel_installer	host/install-deps.sh installs kernel packages here
#				(apt-get, and IRQLBENCH_NO_KERNEL is not 1)
#	need_lab_kernel		the kernel triple of the lab and the module builds;
#				prints build-variant.sh --info.  Missing where the
#				installer provides it: FAIL, elsewhere SKIP
#	skip REASON		SKIP for what no declaration states (data, topology)
# have_root, have_kvm and have_amd_svm test the same for a part of a test
# that runs only where it can.
#
# Checks.  Each counts one check; a passed one prints "ok   WHAT", a failed
# one "FAIL WHAT" with what went wrong.  They return 0 either way.
#	ok WHAT [CMD...]	passes when CMD succeeds; without CMD it passes (for a
#				condition tested by the caller: [ … ] && ok WHAT || bad WHY)
#	bad WHAT		fails
#	eq WHAT GOT WANT	passes when GOT = WANT (strings)
#	expect_rc STATUS WHAT -- CMD...
#				runs CMD, stdout to $TMP/out, stderr to $TMP/err;
#				passes when it exits STATUS
#	expect_grep ERE FILE WHAT
#				passes when a line of FILE matches ERE
#	expect_err_line ERE WHAT
#				passes when the last expect_rc's stderr is one line
#				matching ERE
#	finish [NOTE]		prints the failed checks again and the summary
#				"<test>: N checks, M failed[ (NOTE)]", the last line
#				(the unit tests' check_done() prints the same), and
#				exits 0 when none failed, else 1
#	bail REASON		prints "FAIL: REASON" and exits 1: the test cannot go on
#
# Output folders.  For the commands that write a folder whole or not at all:
#	tree_state DIR		every entry and every file's checksum under DIR
#				("absent"): compare it before and after
#	expect_no_change STATUS ERE WHAT -- CMD...
#				CMD exits STATUS with one stderr line matching
#				ERE, and the test's own function `state` (the
#				tree_state of its folders) prints what it did
#				before CMD: three checks
#	no_gnuplot CMD...	CMD with a PATH without gnuplot
#	gnuplot_failing SCRIPT CMD...
#				CMD with a gnuplot that fails for plots/SCRIPT
#	mounted ro|rw DIR CMD...
#				CMD with DIR a mount point of its own (bound on
#				itself in a mount namespace: root), read-only or
#				not; have_mounts says whether it can
#	stopped_at POINT[:N] SIG CMD...
#				CMD (a program) sent SIG where it pauses for it
#				(IRQLBENCH_STOP_PAUSE, host/cli/stopsig.h), with
#				the signals' default actions (a script's
#				background job ignores SIGINT); its output and
#				status, the pause line left out (99: no pause)
#
# It sets -u, and the names: ROOT (the source tree), BUILD (as given) and
# BUILD_ABS (absolute), IRQLBENCH (the command, an absolute path;
# $IRQLBENCH from the environment is another build, e.g. bad-input-san.sh's
# ASan one), GUEST (the guest image), PNGCHECK, GEN (the synthetic record
# generator) and TMP (a temporary directory, removed on exit; a test that
# sets its own EXIT trap removes it there).  IRQ and T are IRQLBENCH and TMP
# under the short names the results tests use.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) BUILD_ABS=$BUILD ;; *) BUILD_ABS=$ROOT/$BUILD ;; esac
IRQLBENCH=${IRQLBENCH:-$BUILD_ABS/bin/irqlbench}
case $IRQLBENCH in /*) ;; *) IRQLBENCH=$PWD/$IRQLBENCH ;; esac
GUEST=$BUILD_ABS/guest/irqlbench-guest.elf
PNGCHECK=$BUILD_ABS/tools/pngcheck
GEN=$ROOT/tests/fixtures/records/gen-records.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/irqlbench-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
IRQ=$IRQLBENCH T=$TMP
fails=0 checks=0 _failed=()

# --- requirements -------------------------------------------------------------
skip() { echo "SKIP: $*"; exit 77; }
bail() { echo "FAIL: $*"; exit 1; }
have_root() { [ "$(id -u)" -eq 0 ]; }
have_kvm() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
have_amd_svm() { grep -Eq '^vendor_id.*(AuthenticAMD|HygonGenuine)' /proc/cpuinfo && grep -qw svm /proc/cpuinfo; }
need_root() { have_root || skip "needs root (uid $(id -u))"; }
need_cmd() {
	local c missing=()
	for c in "$@"; do command -v "$c" >/dev/null || missing+=("$c"); done
	[ ${#missing[@]} -eq 0 ] || skip "not on PATH: ${missing[*]}"
}
need_pkg() {
	local p missing=()
	command -v dpkg-query >/dev/null || skip "not a Debian system (no dpkg-query): cannot tell whether $* are installed"
	for p in "$@"; do
		[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] || skip "Debian packages not installed: ${missing[*]}: run make deps (host/install-deps.sh)"
}
need_built() {
	local f missing=()
	for f in "$IRQLBENCH" "$@"; do [ -e "$f" ] || missing+=("$f"); done
	[ ${#missing[@]} -eq 0 ] || skip "not built: ${missing[*]}: run make (make unit-tests for the test tools)"
}
need_guest() { need_built "$GUEST"; }
need_kvm() {
	[ -e /dev/kvm ] || skip "no /dev/kvm: no KVM module is loaded"
	have_kvm || skip "/dev/kvm is not readable and writable by uid $(id -u): run as root or in group kvm"
}
need_kvm_amd() {
	local vendor others why=()
	vendor=$(awk -F': *' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo)
	if [ "$vendor" != AuthenticAMD ] && [ "$vendor" != HygonGenuine ]; then
		why+=("the CPU is ${vendor:-of no vendor}, not AuthenticAMD or HygonGenuine")
	elif ! grep -qw svm /proc/cpuinfo; then
		why+=("the CPU has no 'svm' flag")
	fi
	if [ ! -d /sys/module/kvm_amd ]; then
		others=$(cd /sys/module && ls -d kvm_* 2>/dev/null | paste -sd, | sed 's/,/, /g')
		[ -z "$others" ] || why+=("/dev/kvm is provided by $others, not kvm_amd")
	fi
	[ ${#why[@]} -eq 0 ] || skip "not applicable, needs an AMD SVM host with kvm_amd: $(printf '%s; ' "${why[@]}" | sed 's/; $//')"
	[ -d /sys/module/kvm_amd ] || bail "kvm_amd is not loaded on this AMD SVM host: load it with 'modprobe kvm_amd'"
	have_kvm || bail "/dev/kvm is missing or not readable and writable by uid $(id -u) on this AMD SVM host: load kvm_amd, run as root or in group kvm"
}
_kernel_installer() { command -v apt-get >/dev/null && [ "${IRQLBENCH_NO_KERNEL:-0}" != 1 ]; }
need_kernel_installer() {
	command -v apt-get >/dev/null || skip "not a Debian machine (no apt-get): host/install-deps.sh installs no kernel here"
	[ "${IRQLBENCH_NO_KERNEL:-0}" != 1 ] || skip "IRQLBENCH_NO_KERNEL=1: no kernel packages installed"
}
need_lab_kernel() {
	local rc=0
	"$ROOT/host/kvm/build-variant.sh" --variant stock --info 2>"$TMP/kernel.err" || rc=$?
	[ $rc -eq 0 ] && return 0
	if [ $rc -eq 3 ]; then
		_kernel_installer || skip "$(tail -n 1 "$TMP/kernel.err")"
		echo "FAIL: host/install-deps.sh should have installed one kernel triple: $(tail -n 1 "$TMP/kernel.err")"
	fi
	cat "$TMP/kernel.err"
	exit 1
}

# --- checks -------------------------------------------------------------------
_pass() { checks=$((checks + 1)); echo "ok   $1"; }
_fail() { checks=$((checks + 1)); fails=$((fails + 1)); _failed+=("$1"); echo "FAIL $1"; }
ok() {
	local what=$1; shift
	if [ $# -eq 0 ] || "$@"; then _pass "$what"; else _fail "$what"; fi
	return 0
}
bad() { _fail "$*"; }
eq() {
	if [ "$2" = "$3" ]; then _pass "$1"; else _fail "$1: got '$2', want '$3'"; fi
}
expect_rc() {
	local want=$1 what=$2 rc=0
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	if [ "$rc" -eq "$want" ]; then _pass "$what (exit $rc)"; else
		_fail "$what: exit $rc, want $want"; sed 's/^/      | /' "$TMP/out" "$TMP/err" | head -20; fi
}
expect_grep() {
	if grep -qE -- "$1" "$2"; then _pass "$3"; else
		_fail "$3: no /$1/ in $2"; head -30 "$2" | sed 's/^/      | /'; fi
}
expect_err_line() {
	if [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -qE -- "$1" "$TMP/err"; then _pass "$2"; else
		_fail "$2: stderr is not one line matching /$1/"; sed 's/^/      | /' "$TMP/err" | head -5; fi
}
finish() {
	local f
	if [ "$fails" -gt 0 ]; then
		echo "failed checks:"
		for f in "${_failed[@]}"; do echo "FAIL $f"; done
	fi
	echo "$(basename "$0" .sh): $checks checks, $fails failed${1:+ ($1)}"
	[ "$fails" -eq 0 ] && exit 0
	exit 1
}

# --- records ------------------------------------------------------------------
# A number of a record file summed over its measured phases and vCPUs, as
# the product sums it (host/record/metrics.c, through 'irqlbench results show
# --metrics FILE'; the store keeps the same at import): measured FILE METRIC,
# a metric name (exit.write_cr8, delivery.late, inj.0x2f, cr8_writes, ...:
# 'irqlbench results --help'); 0 where the record has none.  counter FILE
# NAME for a guest counter.
measured() {
	"$IRQLBENCH" results show --metrics --json "$1" | jq -r --arg n "$2" '.metrics[$n] // 0'
}
counter() { measured "$1" "$2"; }

# script_vcpus FILE: the vCPUs a scenario script needs (1 + the highest
# `cpu N {` block or `ipi V cpu N` target; 1 without them)
script_vcpus() {
	sed 's/#.*//' "$1" | awk '
		$1 == "cpu" && $2 ~ /^[0-9]+$/ { if ($2 + 1 > n) n = $2 + 1 }
		$1 == "ipi" && $3 == "cpu" && $4 ~ /^[0-9]+$/ { if ($4 + 1 > n) n = $4 + 1 }
		END { print (n ? n : 1) }'
}

# verdict_failed RECORD_DIR OUT_DIR ID FACTOR: a copy of the record (and its
# serial.log) under a new id, status complete but its own verdict "fail",
# with every measured write_cr8 exit count multiplied by FACTOR, so that a
# table that counted it would show it.
verdict_failed() {
	mkdir -p "$2/$3"
	jq --arg id "$3" --argjson k "$4" '.id = $id | .status = "complete"
		| .verdict = {"status": "fail", "reason": "synthetic: 3 priority violations"}
		| (.phases[] | select(.measured) | .vcpus[] | .exits | select(. != null) | .write_cr8) |= . * $k' \
		"$1/record.json" >"$2/$3/record.json"
	cp "$1/serial.log" "$2/$3/"
}

# expect_missing_values CMD SUB OPTION...: each OPTION given without its
# value (last on the line, or followed by another option) is a usage error
# naming it, exit 2, and no store is created (run in an empty directory).
expect_missing_values() {
	local cmd=$1 sub=$2 o
	shift 2
	mkdir -p "$TMP/novalue"
	for o in "$@"; do
		expect_rc 2 "$cmd $sub $o without a value" -- env -C "$TMP/novalue" "$IRQLBENCH" $cmd $sub "$o"
		expect_err_line "^irqlbench $cmd: option '$o' needs a value: see 'irqlbench $cmd --help'$" \
			"$cmd $sub $o: one line naming the option"
		expect_rc 2 "$cmd $sub $o followed by another option" -- \
			env -C "$TMP/novalue" "$IRQLBENCH" $cmd $sub "$o" --include-failed x y
		expect_err_line "^irqlbench $cmd: option '$o' needs a value, not the option '--include-failed'" \
			"$cmd $sub $o --include-failed: names both"
	done
	[ -z "$(ls -A "$TMP/novalue")" ] && ok "$cmd $sub: options without values created nothing" ||
		bad "$cmd $sub: options without values left $(ls -A "$TMP/novalue")"
}

# --- output folders -----------------------------------------------------------
# tree_state DIR: every entry under DIR (its type and path, hidden ones too)
# and every file's checksum, sorted: two calls compare the folder before and
# after a command ("absent" where DIR is not there).
tree_state() {
	[ -e "$1" ] || { echo absent; return; }
	(cd "$1" && find . -printf '%y %p\n' | sort && find . -type f -exec md5sum {} + | sort -k 2)
}
# expect_no_change STATUS ERE WHAT -- CMD...: expect_rc, expect_err_line, and
# the output of the caller's `state` the same after CMD as before
expect_no_change() {
	local rc=$1 ere=$2 what=$3 before
	shift 4
	before=$(state)
	expect_rc "$rc" "$what" -- "$@"
	expect_err_line "$ere" "$what: one line naming it and the fix"
	eq "$what: left as it was" "$(state)" "$before"
}
# no_gnuplot CMD...: CMD with a PATH that has no gnuplot, its other commands
# as they were (links to them in $TMP/no-gnuplot)
no_gnuplot() {
	local d=$TMP/no-gnuplot c
	if [ ! -d "$d" ]; then
		mkdir -p "$d"
		for c in sh bash env; do ln -s "$(command -v "$c")" "$d/$c"; done
	fi
	PATH=$d "$@"
}
# gnuplot_failing SCRIPT CMD...: CMD with a gnuplot that fails for the
# plots' script SCRIPT (and runs the real one for the others)
gnuplot_failing() {
	local d=$TMP/gnuplot-failing-$1 real
	real=$(command -v gnuplot)
	mkdir -p "$d"
	printf '#!/bin/sh\ncase "$*" in *"/%s"*) echo "gnuplot: made to fail for %s" >&2; exit 1 ;; esac\nexec "%s" "$@"\n' \
		"$1" "$1" "$real" >"$d/gnuplot"
	chmod +x "$d/gnuplot"
	shift
	PATH=$d:$PATH "$@"
}
# stopped_at POINT[:N] SIG CMD...: see the header
stopped_at() {
	local point=$1 sig=$2 pid st rc=0 i
	shift 2
	# made first: the loop below may look before the command's shell opens it
	: >"$TMP/stopped.err"
	env --default-signal IRQLBENCH_STOP_PAUSE="$point" "$@" 2>>"$TMP/stopped.err" &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -qs "^irqlbench: paused at ${point%%:*} " "$TMP/stopped.err" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if grep -q "^irqlbench: paused at ${point%%:*} " "$TMP/stopped.err"; then kill -"$sig" "$pid"; else rc=99; fi
	wait "$pid"
	st=$?
	grep -v "^irqlbench: paused at " "$TMP/stopped.err" >&2
	return $((rc ? rc : st))
}
# mounted ro|rw DIR CMD...: CMD with DIR bound on itself, read-only (ro) or
# not (rw: a mount point, another file system to rename(2)), in a mount
# namespace of its own: returns 77 without running CMD where that cannot be
# (not root, no unshare); have_mounts tells first.
have_mounts() { have_root && command -v unshare >/dev/null && unshare --mount true 2>/dev/null; }
mounted() {
	local mode=$1 d=$2
	shift 2
	have_mounts || return 77
	unshare --mount sh -c 'mount --bind -o "$0" "$1" "$1" && shift && exec "$@"' "$mode" "$d" "$@"
}
