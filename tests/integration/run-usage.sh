#!/bin/bash
# irqlbench's CLI without QEMU: the usage texts (one text, three ways to
# ask), `list`, and the usage errors of `run` (exit 2, one line naming the
# problem and the fix, no record and no QEMU started), among them an --out
# that is not a regular file.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq

# usage texts: `run --help`, `help run` and `--help` of the whole command
"$IRQLBENCH" run --help >"$TMP/h1"; eq "run --help exit" $? 0
"$IRQLBENCH" help run >"$TMP/h2"; eq "help run exit" $? 0
ok "run --help equals help run" cmp -s "$TMP/h1" "$TMP/h2"
ok "run usage names --backend" grep -q -- '--backend tcg|kvm' "$TMP/h1"
"$IRQLBENCH" list -h >"$TMP/h3"; "$IRQLBENCH" help list >"$TMP/h4"
ok "list -h equals help list" cmp -s "$TMP/h3" "$TMP/h4"
"$IRQLBENCH" --help >"$TMP/h5"; eq "--help exit" $? 0
for c in list run help; do
	ok "--help lists $c" grep -q "^  $c " "$TMP/h5"
done
"$IRQLBENCH" help nosuch 2>"$TMP/e"; eq "help nosuch exit" $? 2
"$IRQLBENCH" nosuch 2>"$TMP/e"; eq "unknown command exit" $? 2
ok "unknown command message" grep -q "unknown command 'nosuch'" "$TMP/e"
"$IRQLBENCH" >/dev/null 2>&1; eq "no command exit" $? 2

# list: the catalog, test-only workloads only with --all
"$IRQLBENCH" list >"$TMP/list"; eq "list exit" $? 0
ok "list shows nested-spinlock" grep -q '^nested-spinlock' "$TMP/list"
ok "list shows depth with default and range" grep -Eq '^ +depth=2 +1\.\.8 ' "$TMP/list"
ok "list shows common parameters" grep -q '^common parameters' "$TMP/list"
ok "list hides hang" bash -c "! grep -q '^hang' '$TMP/list'"
"$IRQLBENCH" list --all | grep -q '^hang  (test only)'; eq "list --all shows hang" $? 0
"$IRQLBENCH" list fault | grep -Eq '^ +vector=14 +0\.\.31 '; eq "list fault" $? 0
eq "list --json workloads" "$("$IRQLBENCH" list --json | jq -c '[.workloads[].name] | sort')" \
	'["cross-cpu-dpc","dpc-storm","ipi-generic-call","irql-churn","masked-clock","nested-spinlock","script","seed-table","windows-mix"]'
eq "list --json --all: the test-only ones too" "$("$IRQLBENCH" list --json --all | jq '.workloads | length')" 12
"$IRQLBENCH" list nosuch 2>"$TMP/e"; eq "list nosuch exit" $? 2

# run: usage errors are found before QEMU starts (a QEMU that fails the
# test if it is started at all), exit 2, one line, no record
fail_qemu=$TMP/no-qemu.sh
printf '#!/bin/sh\necho started >>%s/qemu-started\nexit 99\n' "$TMP" >"$fail_qemu"
chmod +x "$fail_qemu"
usage_case() {	# usage_case NAME MESSAGE-REGEX ARGS...
	local name=$1 re=$2; shift 2
	"$IRQLBENCH" run --qemu "$fail_qemu" --out "$TMP/$name.json" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	eq "$name: exit status" $? 2
	eq "$name: one line on stderr" "$(wc -l <"$TMP/$name.err")" 1
	ok "$name: message /$re/" grep -Eq -e "$re" "$TMP/$name.err"
	ok "$name: no record" test ! -e "$TMP/$name.json"
}
usage_case unknown-workload "^irqlbench: unknown workload 'nosuch': run 'irqlbench list' to see the workloads$" \
	--workload nosuch
usage_case unknown-param "unknown parameter 'colour' for workload 'nested-spinlock': see 'irqlbench list nested-spinlock'" \
	--workload nested-spinlock --param colour=red
usage_case out-of-range "parameter depth=9 is out of range: allowed 1\.\.8" \
	--workload nested-spinlock --param depth=9
usage_case below-range "parameter iterations=0 is out of range" \
	--workload nested-spinlock --param iterations=0
usage_case not-a-number "parameter depth=two is not a number" \
	--workload nested-spinlock --param depth=two
usage_case overflow "is not a number" \
	--workload nested-spinlock --param iterations=99999999999999999999999
usage_case common-bad "parameter probe=2 is out of range: allowed 0\.\.1" \
	--workload seed-table --param probe=2
usage_case no-equals "--param wants NAME=VALUE" --workload seed-table --param depth
usage_case no-workload "give --workload W" --backend tcg
usage_case bad-backend "unknown backend 'xen'" --backend xen --workload seed-table
usage_case vcpus "^irqlbench run: --vcpus 9: give a number in 1\.\.8: see 'irqlbench run --help'\$" --workload seed-table --vcpus 9
usage_case workload-vcpus "^irqlbench: workload 'ipi-generic-call' needs 2 vCPUs or more: run it with --vcpus 2\$" \
	--workload ipi-generic-call
usage_case script-vcpus "runs a block on vCPU 1 or sends it an IPI, but the guest would have 1: run it with --vcpus 2\$" \
	--script workloads/scripts/contended-lock.scn --vcpus 1
usage_case timeout "--timeout 0: give seconds" --workload seed-table --timeout 0
usage_case trace-buffer-small "--trace-buffer 4: give a number in 8\.\.1073741824" --backend kvm \
	--workload seed-table --trace-buffer 4
usage_case trace-buffer-tcg "--trace-buffer sizes the kvm backend's exit trace: add --backend kvm, or drop it" \
	--workload seed-table --trace-buffer 64
usage_case pit-reinject-value "unknown pit-reinject 'maybe': use on or off" --backend kvm \
	--workload seed-table --pit-reinject maybe
usage_case pit-reinject-tcg "--pit-reinject sets the in-kernel PIT of the kvm backend's QEMU: give --backend kvm, or drop it" \
	--workload seed-table --pit-reinject off
usage_case no-script "runs a scenario script: give it with --script FILE" --workload script
usage_case script-unreadable "cannot read the script $TMP/none" --workload script --script "$TMP/none"
usage_case script-extra "takes no script" --workload seed-table --script /dev/null
usage_case bad-option "unknown option '--colour'" --workload seed-table --colour
usage_case stray-arg "unexpected argument 'extra'" --workload seed-table extra
usage_case bad-tag "is not UTF-8 text" --workload seed-table --tag $'\xff'
# what QEMU would refuse is refused before it starts: a folder or a FIFO
# as the guest image or the script, a CPU model tcg cannot have
mkfifo "$TMP/in-fifo"
usage_case guest-folder "^irqlbench: the guest image $TMP is a folder, not a file: give the file with --guest FILE" \
	--workload seed-table --guest "$TMP"
usage_case guest-fifo "the guest image $TMP/in-fifo is a FIFO, not a file: " \
	--workload seed-table --guest "$TMP/in-fifo"
usage_case guest-missing "cannot read the guest image $TMP/none: No such file or directory: give a readable file with --guest FILE" \
	--workload seed-table --guest "$TMP/none"
usage_case script-folder "^irqlbench: the script $TMP is a folder, not a file: give the file with --script FILE$" \
	--workload script --script "$TMP"
usage_case script-fifo "the script $TMP/in-fifo is a FIFO, not a file: " --workload script --script "$TMP/in-fifo"
usage_case cpu-host-tcg "--cpu host needs a hypervisor: use --backend kvm" --workload seed-table --cpu host
# a --qemu that is no QEMU (the default QEMU missing is the environment's
# problem: below)
usage_case qemu-missing "^irqlbench: QEMU binary '$TMP/none' not found or not executable: give the path of qemu-system-x86_64 with --qemu PATH$" \
	--workload seed-table --qemu "$TMP/none"
printf '#!/bin/sh\necho hello\n' >"$TMP/not-qemu.sh"
chmod +x "$TMP/not-qemu.sh"
usage_case qemu-not-qemu "$TMP/not-qemu.sh --version printed 'hello', not a QEMU version: give the QEMU binary with --qemu PATH" \
	--workload seed-table --qemu "$TMP/not-qemu.sh"
# --cpus is checked before the run, not by the pinning after QEMU started
if "$IRQLBENCH" run --workload seed-table --cpus 0 --no-pin --out "$TMP/x.json" 2>&1 |
	grep -q 'built without pinning'; then
	echo "note: $IRQLBENCH has no pinning (host/pin): --cpus is not checked"
else
	usage_case cpus-syntax "^irqlbench run: --cpus: bad CPU list 'a-b': unexpected 'a' at position 1 \(use e\.g\. 2,3 or 4-7\)" \
		--workload seed-table --cpus a-b
	usage_case cpus-count "--cpus 0,1 lists 2 CPUs for 1 vCPU: give exactly one CPU per vCPU" \
		--workload seed-table --cpus 0,1
	usage_case cpus-absent "--cpus 1000: CPU 1000 is not one this process may use \([0-9,-]+\): give CPUs of that list" \
		--workload seed-table --cpus 1000
	usage_case cpus-no-pin "--cpus 0 and --no-pin contradict each other: drop one" \
		--workload seed-table --cpus 0 --no-pin
fi
# a script's errors are found on the host, whole however long its path,
# and point to the script language's documentation
long=$TMP/$(printf 'a%.0s' {1..100})/$(printf 'b%.0s' {1..100})/$(printf 'c%.0s' {1..90})
mkdir -p "$long"
printf 'isr 0x41 auto {\n  wait_pending 0x40\n}\n' >"$long/in-isr.scn"
usage_case script-error "^irqlbench: script $long/in-isr\.scn: line 2: 'wait_pending' is not allowed in an isr body \(only cr8 raise lower sti cli dpc apc ipi eoi clock clock_periodic clock_stop spin out repeat\); move it to the main flow; see workloads/SCRIPTS\.md for the script language$" \
	--workload script --script "$long/in-isr.scn"
ok "script-error: the path has over 300 characters" test "${#long}" -gt 300
printf 'raise 2\nwait_delivered 0x40\nbogus\n' >"$long/kw.scn"
usage_case script-keyword "line 3: unknown keyword 'bogus'; use one of cr8 raise .* wait_pending wait_delivered spin sti cli out host mark repeat isr timeout; see workloads/SCRIPTS\.md for the script language$" \
	--workload script --script "$long/kw.scn"
ok "no script error points to 'irqlbench list'" bash -c "! grep -h 'irqlbench list' '$TMP'/script-*.err"

# --out never replaces what is not a regular file (a device, a FIFO, a
# symbolic link, a folder) nor writes through a file as a folder: refused
# before any work, exit 2, one line, the thing left as it was, no log
mkfifo "$TMP/fifo"
mkdir "$TMP/folder"
echo keep >"$TMP/target"
ln -s "$TMP/target" "$TMP/link"
ln -s "$TMP/nonexistent" "$TMP/dangling"
out_case() {	# out_case NAME PATH KIND-FROM-STAT|"" MESSAGE-REGEX [extra run args]
	local name=$1 path=$2 kind=$3 re=$4 before; shift 4
	before=$(ls -A "$TMP")
	"$IRQLBENCH" run --qemu "$fail_qemu" --workload seed-table --out "$path" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err"
	eq "$name: exit status" $? 2
	eq "$name: one line on stderr" "$(wc -l <"$TMP/$name.err")" 1
	ok "$name: message /$re/" grep -Eq -e "$re" "$TMP/$name.err"
	eq "$name: nothing on stdout" "$(wc -c <"$TMP/$name.out")" 0
	if [ -n "$kind" ]; then
		eq "$name: still $kind" "$(stat -c %F "$path")" "$kind"
	else
		ok "$name: no record" test ! -e "$path"
	fi
	eq "$name: nothing created or removed (no record, log or temporary file)" \
		"$(ls -A "$TMP" | grep -vx -e "$name.out" -e "$name.err")" "$before"
}
out_case fifo "$TMP/fifo" fifo "^irqlbench run: --out $TMP/fifo is a FIFO: .*give a file path, or - for standard output"
out_case folder "$TMP/folder" directory "--out $TMP/folder is a directory: "
out_case link "$TMP/link" "symbolic link" "--out $TMP/link is a symbolic link: "
eq "link: its target unchanged" "$(cat "$TMP/target")" keep
out_case dangling "$TMP/dangling" "symbolic link" "--out $TMP/dangling is a symbolic link: "
ok "dangling: nothing created where it points" test ! -e "$TMP/nonexistent"
# a device: a node with /dev/full's numbers, so that a regression replaces
# this node and never the machine's /dev/full
if mknod "$TMP/full" c 1 7 2>/dev/null; then
	out_case device "$TMP/full" "character special file" "--out $TMP/full is a character device: "
else
	echo "note: mknod not permitted here: the device case is not checked"
fi
out_case through-file "$TMP/target/x.json" "" "--out $TMP/target/x.json: $TMP/target is not a folder: "
mkfifo "$TMP/r.serial.log"
out_case log-fifo "$TMP/r.json" "" "the run's log $TMP/r.serial.log is a FIFO: remove it, or give another --out"
eq "log-fifo: the log still a FIFO" "$(stat -c %F "$TMP/r.serial.log")" fifo
out_case keep-log-file "$TMP/k.json" "" "--keep-log $TMP/target is not a folder: give a folder for the logs" \
	--keep-log "$TMP/target"
ok "QEMU never started" test ! -e "$TMP/qemu-started"

# wl_values_set accepts true/false for 0/1 parameters; a missing QEMU is an
# environment error (3) that names the Debian package
PATH=/nonexistent "$IRQLBENCH" run --workload seed-table --param probe=true \
	--out "$TMP/noqemu.json" 2>"$TMP/noqemu.err" >/dev/null
eq "no QEMU: exit status" $? 3
ok "no QEMU: names the package" grep -q "install the Debian package qemu-system-x86" "$TMP/noqemu.err"
eq "no QEMU: failed record" "$(jq -r '.status + " " + .error.kind' "$TMP/noqemu.json")" "failed preflight"
eq "no QEMU: params as set" "$(jq -r .params.probe "$TMP/noqemu.json")" 1
# output that never reached standard output (a full disk) is an error, for
# every command: the check is in main(), after the command
if [ -w /dev/full ]; then
	for cmd in "list" "--version" "list --suites" "results list --db $TMP/none.db"; do
		# shellcheck disable=SC2086
		"$IRQLBENCH" $cmd >/dev/full 2>"$TMP/full.err"
		rc=$?
		case $cmd in results*) want=5 ;; *) want=3 ;; esac	# no store: 5 before any output
		eq "$cmd >/dev/full: exit" $rc $want
		eq "$cmd >/dev/full: one line" "$(wc -l <"$TMP/full.err")" 1
	done
	"$IRQLBENCH" list >/dev/full 2>"$TMP/full.err"
	ok "list >/dev/full: names the problem" grep -q "^irqlbench: cannot write standard output: No space left on device" "$TMP/full.err"
fi
# an empty path is a usage error before anything runs (no record, no logs)
abs=$(realpath "$IRQLBENCH")
for opt in --out --guest --script --keep-log --qemu; do
	(cd "$TMP" && mkdir -p empty-$opt && cd empty-$opt &&
		"$abs" run --backend tcg --workload seed-table $opt '' >/dev/null 2>"$TMP/empty.err")
	eq "$opt '': exit" $? 2
	ok "$opt '': names it" grep -q "^irqlbench run: $opt needs a path, not an empty string" "$TMP/empty.err"
	eq "$opt '': nothing written" "$(ls -A "$TMP/empty-$opt")" ""
done

# an option without its value is one line naming it, for every command that
# parses with cli_getopt (host/cli/cli.c)
for c in "pin --vcpus" "kvm build --variant" "results list --db" "compare --db" "report --tables --db" "plot --db"; do
	# shellcheck disable=SC2086
	"$IRQLBENCH" $c >/dev/null 2>"$TMP/nv.err"
	eq "$c (no value): exit" $? 2
	eq "$c (no value): one line" "$(wc -l <"$TMP/nv.err")" 1
	ok "$c (no value): names the option" grep -q "option '--[a-z]*' needs a value" "$TMP/nv.err"
done
finish
