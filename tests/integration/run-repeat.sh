#!/bin/bash
# `irqlbench run --repeat N`: N jobs in one guest boot (QEMU TCG here), a
# record each with its own id, report and provenance.repeat; the exit
# status is the first job's that did not end well; a job the boot never
# reached fails with its own record.  --runs N: N boots, a record each with
# its own id (with --repeat J, N boots of J jobs).  Bad combinations are
# usage errors before anything runs.
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq

cd "$TMP" || bail "no $TMP"

# three jobs, one --out each
expect_rc 0 "three jobs, three records" -- "$IRQ" run --workload nested-spinlock \
	--param iterations=30 --repeat 3 --out a/1.json --out b/2.json --out c/3.json
eq "stdout: a record path a job, in order" "$(tr '\n' ' ' <"$TMP/out")" "a/1.json b/2.json c/3.json "
for j in 1 2 3; do
	f=$(ls ./*/$j.json)
	eq "job $j: complete" "$(jq -r .status "$f")" complete
	eq "job $j: provenance.repeat.index" "$(jq -r .provenance.repeat.index "$f")" $((j - 1))
	eq "job $j: provenance.repeat.count" "$(jq -r .provenance.repeat.count "$f")" 3
	eq "job $j: its own measured phase (30 iterations)" \
		"$(jq '[.phases[] | select(.measured) | .vcpus[].counters.iterations] | add' "$f")" 30
	eq "job $j: 3 CR8 writes a nest of 2, 6 an iteration with its DPC" \
		"$(jq '[.phases[] | select(.measured) | .vcpus[].counters.cr8_writes] | add' "$f")" 180
	ok "job $j: its raw log beside it" test -s "$(dirname "$f")/$j.serial.log"
	eq "job $j: the record names that log" "$(jq -r .artifacts.serial_log "$f")" "$j.serial.log"
done
eq "ids: job 1's, then -job2, -job3" \
	"$(jq -r '.id' c/3.json)" "$(jq -r '.id' a/1.json)-job3"
eq "boot_id: job 1's id in every record" \
	"$(jq -r .provenance.repeat.boot_id b/2.json c/3.json | sort -u)" "$(jq -r .id a/1.json)"
eq "one QEMU: the same command line in every record" \
	"$(jq -r .provenance.qemu.cmdline a/1.json b/2.json c/3.json | sort -u | wc -l)" 1
ok "the guest was asked for repeat=3" jq -e '.provenance.qemu.cmdline | test("repeat=3")' a/1.json

# no --out: results/runs/<id>/ each
expect_rc 0 "two jobs, default places" -- "$IRQ" run --workload seed-table --param iterations=10 --repeat 2
eq "two record folders" "$(ls results/runs | wc -l)" 2
ok "the second is the first's id with -job2" test -s "results/runs/$(ls results/runs | head -1)-job2/record.json"

# the first job faults: its record says so, the later ones never began
expect_rc 1 "a fault in job 1 of 3" -- "$IRQ" run --workload fault --repeat 3 \
	--out f/1.json --out f/2.json --out f/3.json
eq "job 1: exception" "$(jq -r .error.kind f/1.json)" exception
ok "job 1: says it did not finish" jq -e '.error.message | test("^job 1 of 3 did not finish: guest CPU exception #PF")' f/1.json
eq "job 2: failed, with the cause's kind" "$(jq -r '.status + " " + .error.kind' f/2.json)" "failed exception"
ok "job 3: says the boot ended before it began, and why" \
	jq -e '.error.message | test("^the boot ended before job 3 of 3 began: job 1 of 3 did not finish: guest CPU exception")' f/3.json
ok "each job's failure on stderr" test "$(grep -c 'run failed' "$TMP/err")" = 3

# --timeout is each job's: a hang in job 1 of 3 is killed SEC after the start,
# not 3 x SEC
t0=$(date +%s.%N)
expect_rc 4 "a hang in job 1 of 3, --timeout 2" -- "$IRQ" run --workload hang --repeat 3 --timeout 2 \
	--out h/1.json --out h/2.json --out h/3.json
ok "killed within one job's timeout (2 s, not 6 s)" test "$(echo "$(date +%s.%N) - $t0 < 5" | bc)" = 1
eq "the jobs' kinds: timeout all" "$(jq -r .error.kind h/1.json h/2.json h/3.json | sort -u)" timeout
ok "job 1: did not finish within 2 s" jq -e '.error.message | test("^job 1 of 3 did not finish: the guest did not finish within 2 s")' h/1.json
# ... and moves on at each report: three jobs, each within --timeout, finish
# although together they take longer.  The timeout is 2 x what one such
# boot takes here and now (a loaded machine is slower, this test's premise
# is not), the jobs' time is only printed.
expect_rc 0 "one job of seed-table, 40000 iterations" -- "$IRQ" run --workload seed-table \
	--param iterations=40000 --out l/0.json
d1=$(jq .provenance.duration_s l/0.json)
t=$(awk -v d="$d1" 'BEGIN { t = int(d * 2) + 1; print (t < 2 ? 2 : t) }')
expect_rc 0 "three such jobs under --timeout $t, each job's" -- "$IRQ" run --workload seed-table \
	--param iterations=40000 --repeat 3 --timeout "$t" --out l/1.json --out l/2.json --out l/3.json
d=$(jq .provenance.duration_s l/1.json)
echo "seed-table, 40000 iterations: one job's boot $d1 s, three jobs' boot $d s (--timeout $t)"
eq "all complete" "$(jq -r .status l/1.json l/2.json l/3.json | sort -u)" complete

# usage errors: nothing runs, no record
rm -rf u
for bad in "--out u/1.json|one --out for 3 jobs" \
	"--out u/1.json --out u/2.json|2 --out for 3 jobs" \
	"--out u/1.json --out u/1.json --out u/2.json|--out u/1.json given twice" \
	"--out - --out u/2.json --out u/3.json|--out - writes one record" \
	"--vcpus 2|--repeat runs its jobs on one vCPU" \
	"--launcher libvirt|--repeat is for the direct launcher"; do
	args=${bad%%|*} want=${bad#*|}
	# shellcheck disable=SC2086
	expect_rc 2 "--repeat 3 $args refused" -- "$IRQ" run --workload seed-table --repeat 3 $args
	expect_err_line "^irqlbench run: $want" "--repeat 3 $args: one line naming the problem"
done
ok "no record written by a refused run" test ! -e u
# one file, two spellings: refused before the boot, naming both
mkdir -p same && ln -s same samelink
for pair in "same/r.json same/./r.json" "same/r.json samelink/r.json" "r.json r.serial.log" \
	"z.json z" "new/y/../x/a.json new/x/a.json"; do
	set -- $pair
	expect_rc 2 "--out $1 --out $2: one file twice" -- "$IRQ" run --workload seed-table --repeat 2 --out "$1" --out "$2"
	expect_err_line "^irqlbench run: jobs 1 and 2 would both write /.* \(as .* and .*\): give each job an --out of its own" \
		"--out $1 --out $2: one line naming the file"
done
ok "nothing written by them" test ! -e same/r.json -a ! -e r.json -a ! -e new
expect_rc 2 "--repeat 0 refused" -- "$IRQ" run --workload seed-table --repeat 0
expect_rc 2 "--repeat 101 refused" -- "$IRQ" run --workload seed-table --repeat 101
expect_rc 2 "two --out without --repeat refused" -- "$IRQ" run --workload seed-table --out x.json --out y.json
expect_err_line "^irqlbench run: 2 --out for 1 job" "says one --out a job"

# --runs: a boot a run, each record its own id and start; with --repeat,
# boots of jobs
rm -rf results
expect_rc 0 "--runs 2" -- "$IRQ" run --workload nested-spinlock --param iterations=20 --runs 2
eq "--runs 2: two records" "$(ls results/runs/*/record.json | wc -l)" 2
eq "--runs 2: two boots, no repeat" "$(cat results/runs/*/record.json | jq -r '.provenance.repeat // "none"' | sort -u)" none
eq "--runs 2: stdout names both" "$(grep -c 'record.json$' "$TMP/out")" 2
rm -rf results
expect_rc 0 "--runs 2 --repeat 2" -- "$IRQ" run --workload nested-spinlock --param iterations=20 --runs 2 --repeat 2
eq "--runs 2 --repeat 2: four records" "$(ls results/runs/*/record.json | wc -l)" 4
eq "--runs 2 --repeat 2: two boots" "$(ls -d results/runs/*-job2 | wc -l)" 2
expect_rc 2 "--runs 2 with --out refused" -- "$IRQ" run --workload seed-table --runs 2 --out x.json
expect_err_line "^irqlbench run: --runs 2 writes 2 records, each in results/runs/<id>/: drop --out, or --runs: see 'irqlbench run --help'$" \
	"--runs with --out: one line and the fix"
[ ! -e x.json ] && ok "--runs with --out: nothing written" || bad "x.json written"

finish
