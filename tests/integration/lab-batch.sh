#!/bin/bash
# `irqlbench lab --batch FILE`: many runs in one L1 per variant.
#   - usage errors cost no L1: a bad line (unknown workload, duplicate or
#     bad NAME, --out) names FILE:LINE; --workload on the command line,
#     an unreadable or empty FILE, --selftest: exit 2, one line, nothing
#     created;
#   - three runs on --kernel 6.1.192-2 (stock): one L1 boot, three complete
#     records in order (stdout and DIR/stock/runs/NAME/record.json) with
#     their workloads, params and provenance.lab.batch, the write_cr8 exits
#     per iteration of workloads/suites.cfg (fixed: stock 6.1 has the fix),
#     one progress line on stderr per run;
#   - a run that fails does not stop the batch: its failed record, its
#     error line, the batch's exit status; an L1 that times out mid-batch
#     leaves the finished runs' records and failed ones for the rest;
#   - SIGTERM to irqlbench mid-batch ends L1, the lab's scripts and the
#     progress poller within 10 s.
# About 1 min here (2 cores, TCG L1): four short L1 boots.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_guest
need_pkg jq bc kmod
need_cmd pgrep
need_lab_kernel >/dev/null
V=${LAB_BATCH_KERNEL:-6.1.192-2}
# a kernel neither installed nor cached is fetched by the lab: only where
# the installer fetches kernels
[ -e "$BUILD_ABS/kernels/$V/.done-kernel" ] || [ "$(dpkg-query -W -f='${Version}' "linux-source-6.1" 2>/dev/null)" = "$V" ] ||
	need_kernel_installer
IT=50
since() { printf '%.1f' "$(echo "$(date +%s.%N) - $1" | bc)"; }
lab() { "$IRQLBENCH" lab --kernel "$V" --variants stock "$@"; }

# --- usage errors: no L1 ------------------------------------------------------------
B=$TMP/in
mkdir -p "$B"
printf 'a --workload nested-spinlock\nb --workload nope\n' >"$B/unknown"
printf 'a --workload nested-spinlock\n# a comment\na --workload seed-table\n' >"$B/dup"
printf '../x --workload nested-spinlock\n' >"$B/badname"
printf 'ok --workload nested-spinlock\nx --workload seed-table --out x.json\n' >"$B/out"
printf '# nothing but a comment\n\n' >"$B/empty"
printf 'a --workload nested-spinlock\n' >"$B/good"
: >"$B/none"
# refused WHAT ERE LAB-ARGS...: exit 2, one line matching ERE, nothing
# created, no L1 booted
refused() {
	local what=$1 ere=$2 t0
	shift 2
	rm -rf "$TMP/nolab"
	t0=$(date +%s)
	expect_rc 2 "$what" -- "$IRQLBENCH" lab --variants stock --out-dir "$TMP/nolab" "$@"
	expect_err_line "$ere" "$what: one line naming it"
	ok "$what: nothing created" test ! -e "$TMP/nolab"
	ok "$what: no L1 booted (under 10 s)" test $(($(date +%s) - t0)) -lt 10
}
refused "unknown workload on line 2" "^irqlbench lab: $B/unknown:2: unknown workload 'nope'" --batch "$B/unknown"
refused "duplicate name" "^irqlbench lab: $B/dup:3: run name 'a' is the name of line 1 too" --batch "$B/dup"
refused "bad name ../x" "^irqlbench lab: $B/badname:1: bad run name '\.\./x'" --batch "$B/badname"
refused "--out on a line" "^irqlbench lab: $B/out:2: --out is the lab's" --batch "$B/out"
refused "bad param from the command line" "^irqlbench lab: $B/good:1: unknown parameter 'bogus'" \
	--batch "$B/good" --param bogus=1
refused "--workload with --batch" "^irqlbench lab: --batch FILE gives each run's workload: drop --workload" \
	--batch "$B/good" --workload nested-spinlock
refused "-w with --batch" "^irqlbench lab: --batch FILE gives each run's workload" -w seed-table --batch "$B/good"
refused "unreadable file" \
	"^irqlbench lab: cannot read $B/nosuch: No such file or directory: give a readable batch file" --batch "$B/nosuch"
refused "a folder" "^irqlbench lab: cannot read $B: not a regular file: give a readable batch file" --batch "$B"
# hostile files: never waited on, never half read, never booted
mkfifo "$B/fifo"
refused "a FIFO (not waited on)" "^irqlbench lab: cannot read $B/fifo: not a regular file" --batch "$B/fifo"
printf 'a --workload seed-table\0\nb --workload bogus\n' >"$B/nul"
refused "a NUL byte" "^irqlbench lab: $B/nul:1: a control character \(0x00\): a batch file is text" --batch "$B/nul"
printf 'a --back tcg --workload seed-table\n' >"$B/prefix"
refused "--back (a prefix of --backend) on a line" "^irqlbench lab: $B/prefix:1: --backend is the lab's" --batch "$B/prefix"
printf 'a --workload seed-table -o/tmp/x.json\n' >"$B/shortout"
refused "-oFILE on a line" "^irqlbench lab: $B/shortout:1: --out is the lab's" --batch "$B/shortout"
printf 'a --workload seed-table\nA --workload seed-table\n' >"$B/case"
refused "names that differ in case only" "^irqlbench lab: $B/case:2: run name 'A' is the name of line 1 too" --batch "$B/case"
awk 'BEGIN { for (i = 0; i <= 1000; i++) print "r" i " --workload seed-table" }' >"$B/many"
refused "1001 runs" "^irqlbench lab: $B/many:1001: more than 1000 runs: one L1 runs at most 1000; split the batch" --batch "$B/many"
{ printf 'a --workload seed-table --tag '; head -c 5000 /dev/zero | tr '\0' x; echo; } >"$B/long"
refused "a line of 5000 characters" "^irqlbench lab: $B/long:1: the line is longer than 4096 characters" --batch "$B/long"
refused "comments only" "^irqlbench lab: $B/empty has no runs" --batch "$B/empty"
refused "empty file" "^irqlbench lab: $B/none has no runs" --batch "$B/none"
refused "--selftest" "^irqlbench lab: --batch runs 'irqlbench run' and --selftest" --batch "$B/good" --selftest
printf 'a --workload seed-table --repeat 3\na-2 --workload seed-table\n' >"$B/repdup"
refused "a name --repeat gives too" "^irqlbench lab: $B/repdup:2: run name 'a-2' is the name of line 1 too" --batch "$B/repdup"
printf 'a-2 --workload seed-table\na --workload seed-table --repeat 3\n' >"$B/repdup2"
refused "--repeat gives a name a line has" "^irqlbench lab: $B/repdup2:2: run name 'a-2' \(--repeat 3\) is the name of line 1 too" --batch "$B/repdup2"
printf '%s --workload seed-table --repeat 10\n' "$(head -c 63 /dev/zero | tr '\0' n)" >"$B/replong"
refused "--repeat names longer than 64" "^irqlbench lab: $B/replong:1: the run names of --repeat 10, n+-1 .. n+-10, are too long: give NAME at most 61 characters" --batch "$B/replong"
printf 'a --workload seed-table --repeat 2 --vcpus 2\n' >"$B/repsmp"
refused "--repeat with two vCPUs" "^irqlbench lab: $B/repsmp:1: --repeat runs its jobs on one vCPU" --batch "$B/repsmp"
refused "--repeat without --batch" "^irqlbench lab: --repeat gives one run several records: give --runs N, or give it on a line of a --batch FILE" \
	--workload seed-table --repeat 2
refused "--runs with --batch" "^irqlbench lab: --runs repeats the run of --workload W: give each line of the batch '--repeat N', or drop --runs" \
	--runs 2 --batch "$B/repsmp"
printf 'x\ty' >"$B/tab"
refused "--runs with a tab in a run option" "^irqlbench lab: with --runs, a run option cannot hold a tab or a newline" \
	--runs 2 --workload seed-table --tag "$(cat "$B/tab")"

# --- three runs, one L1 ---------------------------------------------------------------
SUITES=$("$IRQLBENCH" list --suites --format json)
want() { jq -r --arg n "$1" '.entries[] | select(.name == $n) | .variants.fixed.exits' <<<"$SUITES"; }
cat >"$B/three" <<EOF
# name           run options (the command line adds --param iterations=$IT)
nested-d2	--workload nested-spinlock --param depth=2

masked-clock   --workload masked-clock
seed-table --workload seed-table
EOF
t0=$(date +%s.%N)
lab --batch "$B/three" --out-dir "$TMP/lab" --param iterations=$IT --tag batch-test \
	>"$TMP/lab.jsonl" 2>"$TMP/lab.err"
rc=$?
echo "lab --batch (3 runs): rc=$rc, $(since "$t0") s"
sed 's/^/  | /' "$TMP/lab.err"
eq "3 runs: exit" $rc 0
eq "one L1 boot" "$(grep -c 'LAB-INIT: start' "$TMP/lab/stock/console.log")" 1
eq "three records on stdout" "$(grep -c . "$TMP/lab.jsonl")" 3
eq "in order, with their workloads" "$(jq -r .workload "$TMP/lab.jsonl" | paste -sd' ')" \
	"nested-spinlock masked-clock seed-table"
eq "all complete, lab, stock, emulated" "$(jq -r '"\(.status) \(.backend) \(.variant) \(.emulated)"' "$TMP/lab.jsonl" | sort -u)" \
	"complete lab stock true"
eq "batch names, indexes, counts, L1 boots" \
	"$(jq -r '.provenance.lab.batch | "\(.name):\(.index)/\(.count):\(.l1_boots)"' "$TMP/lab.jsonl" | paste -sd' ')" \
	"nested-d2:0/3:1 masked-clock:1/3:1 seed-table:2/3:1"
eq "the line's params and the command line's" \
	"$(jq -r '"\(.params.depth // "-") \(.params.iterations) \(.tags | join(","))"' "$TMP/lab.jsonl" | paste -sd'|')" \
	"2 $IT batch-test|- $IT batch-test|- $IT batch-test"
eq "the kernel" "$(jq -r .provenance.lab.kernel.debian_version "$TMP/lab.jsonl" | sort -u)" "$V"
ok "provenance.kvm of L1" test "$(jq -r .provenance.kvm.module "$TMP/lab.jsonl" | sort -u)" = kvm_amd
eq "each run's own step_s (under the L1's total)" \
	"$(jq -s 'map(.provenance.lab | .step_s > 0 and .step_s < .l1_total_s) | all' "$TMP/lab.jsonl")" true
eq "ids: lab, stock, the workload" \
	"$(jq -s 'map(.id | test("-lab-stock-(nested-spinlock|masked-clock|seed-table)-")) | all' "$TMP/lab.jsonl")" true
i=0
for n in nested-d2 masked-clock seed-table; do
	i=$((i + 1))
	r=$TMP/lab/stock/runs/$n/record.json
	ok "$n: record.json written back as printed" \
		test "$(jq -cS . "$r" 2>/dev/null)" = "$(sed -n "${i}p" "$TMP/lab.jsonl" | jq -cS .)"
	ok "$n: its serial log and trace beside it" test -s "${r%.json}.serial.log" -a -s "${r%.json}.trace.json"
	eq "$n: status 0" "$(cat "$TMP/lab/stock/runs/$n/status")" 0
	case $n in nested-d2) s=nested-spinlock-d2 ;; *) s=$n ;; esac
	w=$(want "$s")
	eq "$n: write_cr8 per iteration = suites.cfg's $s fixed ($w)" "$(($(measured "$r" exit.write_cr8) / IT))" "$w"
	eq "$n: no remainder" "$(($(measured "$r" exit.write_cr8) % IT))" 0
done
grep -E '^irqlbench: lab: [^ ]+ \([^)]+\) stock \[[0-9]+/3\] ' "$TMP/lab.err" >"$TMP/progress"
eq "three progress lines on stderr" "$(wc -l <"$TMP/progress")" 3
ok "progress: '[I/3] NAME: ok in S s', in order" \
	diff <(sed -E 's/^.* stock (\[[0-9]\/3\] [^:]+: ok in )[0-9]+\.[0-9] s$/\1/' "$TMP/progress") \
	<(printf '%s\n' '[1/3] nested-d2: ok in ' '[2/3] masked-clock: ok in ' '[3/3] seed-table: ok in ')
ok "progress names the kernel" grep -q "^irqlbench: lab: [^ ]* ($V) stock \[1/3\]" "$TMP/progress"

# --- a run that fails; an L1 that times out ---------------------------------------------
cat >"$B/fail" <<EOF
slow --workload hang --timeout 3
after --workload nested-spinlock --param depth=2 --param iterations=$IT
rep --workload nested-spinlock --param depth=2 --param iterations=$IT --repeat 3
frep --workload fault --repeat 2
nopin --workload nested-spinlock --param depth=2 --param iterations=$IT --no-pin
EOF
lab --batch "$B/fail" --out-dir "$TMP/fail" >"$TMP/fail.jsonl" 2>"$TMP/fail.err"
eq "a failing run: the batch's status is the run's (4, its timeout)" $? 4
eq "every record, in order, the failed ones too" "$(jq -r '"\(.provenance.lab.batch.name) \(.status)"' "$TMP/fail.jsonl" | paste -sd,)" \
	"slow failed,after complete,rep-1 complete,rep-2 complete,rep-3 complete,frep-1 failed,frep-2 failed,nopin complete"
# --repeat 3 on a line: three runs of one guest boot, REP-1 .. REP-3
eq "--repeat: ids of one boot (the first's, -job2, -job3), indexes 0-2 of 3" \
	"$(jq -r 'select(.provenance.lab.batch.name | startswith("rep-")) | "\(.provenance.repeat.boot_id == (.id | sub("-job[0-9]+$"; ""))) \(.provenance.repeat.index)/\(.provenance.repeat.count)"' "$TMP/fail.jsonl" | paste -sd,)" \
	"true 0/3,true 1/3,true 2/3"
eq "--repeat: every job's boot_id is rep-1's id" \
	"$(jq -r 'select(.provenance.lab.batch.name | startswith("rep-")) | .provenance.repeat.boot_id' "$TMP/fail.jsonl" | sort -u)" \
	"$(jq -r 'select(.provenance.lab.batch.name == "rep-1") | .id' "$TMP/fail.jsonl")"
w=$(want nested-spinlock-d2)
for n in rep-1 rep-2 rep-3; do
	r=$TMP/fail/stock/runs/$n/record.json
	eq "$n: its own job's write_cr8 ($w an iteration)" "$(measured "$r" exit.write_cr8)" $((w * IT))
	eq "$n: status 0" "$(cat "$TMP/fail/stock/runs/$n/status")" 0
	ok "$n: its own trace file" test -s "${r%.json}.trace.json"
done
ok "--repeat: a progress line a run" grep -q "stock \[5/8\] rep-3: ok in [0-9.]* s$" "$TMP/fail.err"
# --no-pin: QEMU still starts paused, so the trace sees the guest's first marker
r=$TMP/fail/stock/runs/nopin/record.json
eq "--no-pin: every write_cr8 of the measured phase ($w an iteration)" "$(measured "$r" exit.write_cr8)" $((w * IT))
eq "--no-pin: provenance.pinning null" "$(jq -r .provenance.pinning "$r")" null
ok "--no-pin: QEMU started paused (-S) with its QMP socket" jq -e '.provenance.qemu.cmdline | test(" -S -qmp ")' "$r"
eq "a fault in job 1 of 2: the job's exception, then a job never begun (the cause's kind)" \
	"$(jq -r 'select(.provenance.lab.batch.name | startswith("frep-")) | .error.kind' "$TMP/fail.jsonl" | paste -sd,)" \
	"exception,exception"
eq "...each with status 1" "$(cat "$TMP/fail/stock/runs/frep-1/status") $(cat "$TMP/fail/stock/runs/frep-2/status")" "1 1"
ok "...each job's error lines its own (frep-1's do not name frep-2's folder, and back)" \
	test "$(grep -c '/runs/frep-2/' "$TMP/fail/stock/runs/frep-1/run.stderr")" = 0 -a \
	"$(grep -c '/runs/frep-1/' "$TMP/fail/stock/runs/frep-2/run.stderr")" = 0 -a \
	-s "$TMP/fail/stock/runs/frep-2/run.stderr"
eq "the failed run's error kind" "$(jq -r 'select(.provenance.lab.batch.name == "slow") | .error.kind' "$TMP/fail.jsonl")" timeout
ok "its error line names the variant, the run, its status and its folder" \
	grep -q "^irqlbench: lab stock slow: run in L1 failed (status 4): .*$TMP/fail/stock/runs/slow/record.serial.log" "$TMP/fail.err"
ok "its progress line" grep -q "stock \[1/8\] slow: failed (status 4) in [0-9.]* s$" "$TMP/fail.err"

# (the command line's options come last: iterations on each line here)
cat >"$B/long" <<EOF
first --workload nested-spinlock --param depth=2 --param iterations=$IT
second --workload irql-churn --param iterations=100000000
third --workload seed-table --param iterations=$IT
EOF
lab --batch "$B/long" --out-dir "$TMP/long" --l1-timeout 15 >"$TMP/long.jsonl" 2>"$TMP/long.err"
eq "L1 timeout mid-batch: exit 4" $? 4
eq "...the finished run's record, failed ones for the rest" \
	"$(jq -r '"\(.provenance.lab.batch.name) \(.status) \(.error.kind // "-")"' "$TMP/long.jsonl" | paste -sd,)" \
	"first complete -,second failed timeout,third failed timeout"
ok "...a run L1 never started has its failed record in its folder" \
	test "$(jq -r .status "$TMP/long/stock/runs/third/record.json" 2>/dev/null)" = failed

# --- SIGTERM mid-batch -----------------------------------------------------------------------
group() { ps -e -o pid=,pgid=,stat= | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'; }
"$IRQLBENCH" lab --kernel "$V" --variants stock --batch "$B/long" --out-dir "$TMP/sig" \
	>"$TMP/sig.out" 2>"$TMP/sig.err" &
pid=$!
q=
for _ in $(seq 1 600); do
	q=$(pgrep -f -- "qemu-system-x86_64.*path=$TMP/sig/" | head -n 1)
	[ -n "$q" ] && break
	sleep 0.1
done
if [ -z "$q" ]; then
	bad "SIGTERM: no L1 QEMU started"; kill -KILL $pid 2>/dev/null
else
	pg=$(ps -o pgid= -p "$q" | tr -d ' ')
	sleep 2		# the poller is polling
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	gone=no
	for _ in $(seq 1 100); do
		[ -z "$(group "$pg")" ] && { gone=yes; break; }
		sleep 0.1
	done
	eq "SIGTERM mid-batch: L1, the lab's scripts and the poller gone within 10 s" $gone yes
	[ $gone = yes ] || { ps -e -o pid=,pgid=,args= | awk -v g="$pg" '$2 == g'; kill -KILL -- "-$pg" 2>/dev/null; }
fi
finish
