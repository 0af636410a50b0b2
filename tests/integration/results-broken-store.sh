#!/bin/bash
# A store that cannot be used: a file that is not SQLite, an SQLite store
# truncated to half and one with a page overwritten, and a store locked by
# another process (sqlite3 holding BEGIN EXCLUSIVE).  Every command that
# opens it (results import/list/show/export/delete, compare, report, plot) says so
# in one line that names the file, the problem and the fix, exits 5
# (EXIT_STORE), and changes nothing: the database is left byte for byte and
# no run directory is written.  The corrupt store's fix (rebuild it from
# its records) is then followed and works.  An empty file and an SQLite
# database without tables are no store to the commands that only read one
# (and delete): exit 5, one line, the file left as it is; import makes a
# store of it.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq sqlite3 bc

"$GEN" "$T/rec" 1 >"$T/ids"
nrec=$(wc -l <"$T/ids")
id1=$(sed -n 1p "$T/ids")
GOOD=$T/good/irqlbench.db
"$IRQ" results import --db "$GOOD" "$T/rec" >/dev/null || bail "import"
pages=$(sqlite3 "$GOOD" 'pragma page_count')
A=variant=unfixed,workload=nested-spinlock
B=variant=fixed,workload=nested-spinlock
newrec=new-run-001	# a record that is in no store yet
mkdir -p "$T/new/$newrec"
jq --arg id "$newrec" '.id = $id' "$T/rec/$id1/record.json" >"$T/new/$newrec/record.json"
cp "$T/rec/$id1/serial.log" "$T/new/$newrec/"

# every command that opens the store, as it would be typed
commands=("results list" "results list $id1" "results show $id1" "results export"
	  "results export --format csv" "results export --include-failed"
	  "results import $T/new/$newrec/record.json" "results import $T/new"
	  "results delete $id1" "results delete variant=fixed" "compare $A $B" "report --tables")

# each_command DB PATTERN WHAT: every command on DB: exit 5, one stderr line
# matching PATTERN, DB unchanged, nothing under DB's runs directory.
each_command() {
	local db=$1 pat=$2 what=$3 c sum runs
	sum=$(md5sum <"$db")
	runs=$(find "$(dirname "$db")" -path '*runs*' -type f 2>/dev/null | sort | md5sum)
	for c in "${commands[@]}"; do
		# shellcheck disable=SC2086
		expect_rc 5 "$what: $c" -- "$IRQ" $c --db "$db"
		expect_err_line "$pat" "$what: $c: one line naming the problem and the fix"
		[ -s "$T/out" ] && { [ "${c#results export}" != "$c" ] || [ "${c#results import}" != "$c" ]; } &&
			bad "$what: $c printed to stdout: $(head -c 80 "$T/out")"
	done
	expect_rc 5 "$what: plot" -- "$IRQ" plot --db "$db" --out-dir "$T/plots" --no-dashboard
	expect_err_line "$pat" "$what: plot: one line naming the problem and the fix"
	[ "$(md5sum <"$db")" = "$sum" ] && ok "$what: the database is unchanged" || bad "$what: the database changed"
	[ "$(find "$(dirname "$db")" -path '*runs*' -type f 2>/dev/null | sort | md5sum)" = "$runs" ] &&
		ok "$what: no run files written" || bad "$what: run files written"
}

# not SQLite at all
mkdir -p "$T/garbage"
head -c 5000 /dev/urandom >"$T/garbage/irqlbench.db"
each_command "$T/garbage/irqlbench.db" \
	"^irqlbench: .*/garbage/irqlbench.db is not an SQLite database \(file is not a database\): give the results store with --db, or move this file away" \
	"garbage file"
[ ! -e "$T/garbage/runs" ] && ok "garbage file: no runs/ beside it" || bad "garbage file: runs/ created"

# a text file
mkdir -p "$T/text"
printf 'id,value\n1,2\n' >"$T/text/results.db"
expect_rc 5 "a CSV file as --db" -- "$IRQ" results list --db "$T/text/results.db"
expect_err_line "is not an SQLite database" "a CSV file: not an SQLite database"

# an SQLite database of something else
sqlite3 "$T/text/other.db" 'create table t (a); insert into t values (1)'
sum=$(md5sum <"$T/text/other.db")
expect_rc 5 "another application's SQLite database, import" -- "$IRQ" results import --db "$T/text/other.db" "$T/new"
expect_err_line "other.db is an SQLite database but not an irqlbench results store \(no schema_version table\): give the store with --db" \
	"another SQLite database: says it is not a results store"
[ "$(md5sum <"$T/text/other.db")" = "$sum" ] && ok "another SQLite database: unchanged" || bad "another SQLite database: changed"

# an empty file, and an SQLite database without tables: no store, and a
# command that only reads one (or deletes from it) never makes one of it
: >"$T/text/empty.db"
sqlite3 "$T/text/notables.db" 'pragma user_version = 1'
readers=("results list" "results show $id1" "results export" "results verdicts" "results delete $id1"
	 "compare $A $B" "report --tables" "report --paper $T/paper-empty"
	 "plot --out-dir $T/plots-empty --no-dashboard" "verify --select $A")
for db in "$T/text/empty.db" "$T/text/notables.db"; do
	what=$([ -s "$db" ] && echo "an SQLite database without tables" || echo "an empty file")
	sum=$(md5sum <"$db")
	for c in "${readers[@]}"; do
		# shellcheck disable=SC2086
		expect_rc 5 "$what: $c" -- "$IRQ" $c --db "$db"
		expect_err_line "^irqlbench: $db is (an empty file|an SQLite database without tables), not a results store: give the store with --db, or import records into it \('irqlbench results import --db $db FILE'\)$" \
			"$what: $c: one line naming the file and the fix"
	done
	[ "$(md5sum <"$db")" = "$sum" ] && ok "$what: left as it was" || bad "$what: made into a store ($(stat -c %s "$db") bytes)"
done
[ -z "$(ls -A "$T/text" | grep -v -e '^results.db$' -e '^other.db$' -e '^empty.db$' -e '^notables.db$')" ] &&
	[ ! -e "$T/paper-empty" ] && [ ! -e "$T/plots-empty" ] &&
	ok "no runs directory, journal or output folder written" || bad "written: $(ls -A "$T/text" "$T"/paper-empty "$T"/plots-empty 2>&1 | tr '\n' ' ')"
# a command that writes makes a store of an empty file
expect_rc 0 "an empty file: results import makes a store of it" -- "$IRQ" results import --db "$T/text/empty.db" "$T/new"
expect_rc 0 "and results list reads it then" -- "$IRQ" results list --db "$T/text/empty.db"
expect_grep "^$newrec " "$T/out" "the imported run is listed"

# a read-only store (its folder mounted read-only): an import that would
# add a record fails at the write, exit 5, in one line that says nothing was
# imported, and prints no summary that reads as a finished import ("0
# imported, 0 unchanged, 0 refused"); one that adds nothing still works
if have_mounts; then
	mkdir -p "$T/ro"
	cp -r "$GOOD" "$(dirname "$GOOD")/runs" "$T/ro/"
	sum=$(md5sum <"$T/ro/irqlbench.db")
	expect_rc 5 "a read-only store: import a new record" -- \
		mounted ro "$T/ro" "$IRQ" results import --db "$T/ro/irqlbench.db" "$T/new/$newrec/record.json"
	expect_err_line "^irqlbench: cannot write the results store .*/ro/irqlbench.db \(attempt to write a readonly database\): its file or file system is read-only: make them writable, or give another --db; nothing was imported$" \
		"a read-only store: one line naming it, the fix, and that nothing was imported"
	ok "a read-only store: no summary on standard output" test ! -s "$T/out"
	eq "a read-only store: unchanged" "$(md5sum <"$T/ro/irqlbench.db")" "$sum"
	# one input imported, then the store fails on the next (its run
	# directory read-only): the line says what stays
	mkdir -p "$T/ro-in" "$T/ro/runs/ro-second"
	jq '.id = "ro-second"' "$T/new/$newrec/record.json" >"$T/ro-in/b.json"
	expect_rc 5 "one input imported, the next one's run directory read-only" -- mounted ro "$T/ro/runs/ro-second" \
		"$IRQ" results import --db "$T/ro/irqlbench.db" "$T/new/$newrec/record.json" "$T/ro-in/b.json"
	expect_err_line "^irqlbench: cannot write .*/ro-second/record.json: .*; the 1 record imported before it stays in the store$" \
		"the store failed on the second input: one line, saying the first stays"
	expect_grep "^imported  $newrec " "$T/out" "the first input's line"
	ok "no summary line" bash -c '! grep -q " imported, .* unchanged, " "$1"' _ "$T/out"
	eq "the first in the store, the second not" \
		"$(sqlite3 "$T/ro/irqlbench.db" "select count(*) from runs where id in ('$newrec', 'ro-second')")" 1
	expect_rc 0 "a read-only store: an import that adds nothing" -- \
		mounted ro "$T/ro" "$IRQ" results import --db "$T/ro/irqlbench.db" "$T/rec/$id1/record.json"
	expect_grep "^0 imported, 1 unchanged, 0 refused" "$T/out" "a read-only store: the unchanged record counted"
else
	echo "SKIP part: no read-only mount here (root and unshare --mount)"
fi

# a directory
expect_rc 5 "a directory as --db" -- "$IRQ" results list --db "$T/good"
expect_err_line "good is a directory, not a results store: give the database file with --db \(e\.g\. .*/good/irqlbench\.db\)" "a directory: says so"

# truncated to half
mkdir -p "$T/trunc"
cp "$GOOD" "$T/trunc/irqlbench.db"
truncate -s $(($(stat -c %s "$GOOD") / 2)) "$T/trunc/irqlbench.db"
each_command "$T/trunc/irqlbench.db" \
	"^irqlbench: .*/trunc/irqlbench.db is corrupt \(.*\): move it away and rebuild it from its records with 'irqlbench results import --db .*/trunc/irqlbench.db .*/trunc/runs'$" \
	"truncated SQLite"

# one page of the runs table overwritten (list alone used to show every run
# while export printed [] with status 0 and show said "no run")
mkdir -p "$T/corrupt"
cp -r "$GOOD" "$(dirname "$GOOD")/runs" "$T/corrupt/"
root=$(sqlite3 "$GOOD" "select rootpage from sqlite_master where name = 'runs'")
for p in $(seq $((root + 1)) "$pages"); do	# a page the runs table overflows into
	if [ "$(sqlite3 "$GOOD" "select count(*) from dbstat where name = 'runs' and pageno = $p" 2>/dev/null)" = 1 ]; then
		pg=$p; break
	fi
done
pg=${pg:-$((pages / 2))}
dd if=/dev/urandom of="$T/corrupt/irqlbench.db" bs=4096 seek=$((pg - 1)) count=1 conv=notrunc status=none
each_command "$T/corrupt/irqlbench.db" \
	"^irqlbench: .*/corrupt/irqlbench.db is corrupt \(.*\): move it away and rebuild it from its records with 'irqlbench results import --db .*/corrupt/irqlbench.db .*/corrupt/runs'$" \
	"page $pg overwritten"
# the fix the message gives works: the store is rebuilt from runs/
"$IRQ" results list --db "$T/corrupt/irqlbench.db" 2>"$T/err" >/dev/null
fix=$(sed -n "s/.*rebuild it from its records with 'irqlbench \(.*\)'$/\1/p" "$T/err")
mv "$T/corrupt/irqlbench.db" "$T/corrupt/irqlbench.db.broken"
# shellcheck disable=SC2086
expect_rc 0 "the fix: irqlbench $fix" -- "$IRQ" $fix
expect_grep "^$nrec imported, 0 unchanged, 0 refused" "$T/out" "rebuilt: all $nrec records imported again"
expect_rc 0 "the rebuilt store: export --include-failed" -- "$IRQ" results export --db "$T/corrupt/irqlbench.db" --include-failed
[ "$(jq length "$T/out")" -eq "$nrec" ] && ok "the rebuilt store exports all $nrec records" || bad "rebuilt store exports $(jq length "$T/out")"

# --- locked by another process -------------------------------------------
LOCKED=$T/locked/irqlbench.db
mkdir -p "$T/locked"
cp -r "$GOOD" "$(dirname "$GOOD")/runs" "$T/locked/"
mkfifo "$T/fifo"
holder=
hold_lock() {	# sqlite3 takes an exclusive lock and keeps it until fd 3 closes
	timeout 60 sqlite3 "$LOCKED" <"$T/fifo" >/dev/null 2>&1 &
	holder=$!
	exec 3>"$T/fifo"
	printf '.timeout 10000\nBEGIN EXCLUSIVE;\nSELECT count(*) FROM runs;\n' >&3
	for _ in $(seq 100); do	# sqlite3 without a timeout fails at once while it is held
		sqlite3 "$LOCKED" 'select count(*) from sqlite_master' >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	bail "sqlite3 did not take the lock"
}
release_lock() {
	exec 3>&-
	wait "$holder" 2>/dev/null
	holder=
}
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$T"' EXIT

hold_lock
export IRQLBENCH_DB_WAIT=0.3
t0=$(date +%s.%N)
each_command "$LOCKED" \
	"^irqlbench: .*/locked/irqlbench.db is locked by another process \(waited 0\.3 s\): try again when it has finished, or wait longer with IRQLBENCH_DB_WAIT=SECONDS$" \
	"locked (IRQLBENCH_DB_WAIT=0.3)"
dt=$(echo "$(date +%s.%N) - $t0" | bc)
[ "$(echo "$dt < 15" | bc)" = 1 ] && ok "$((${#commands[@]} + 1)) commands on a locked store in ${dt%???????} s (0.3 s wait each)" || bad "locked store: ${dt} s"
unset IRQLBENCH_DB_WAIT
t0=$(date +%s.%N)
expect_rc 5 "locked, default wait" -- "$IRQ" results list --db "$LOCKED"
dt=$(echo "$(date +%s.%N) - $t0" | bc)
expect_err_line "is locked by another process \(waited 2\.0 s\)" "default wait: says it waited 2.0 s"
[ "$(echo "$dt >= 1.9 && $dt < 5" | bc)" = 1 ] && ok "default wait took ${dt%???????} s (2 s)" || bad "default wait took $dt s"
expect_rc 5 "IRQLBENCH_DB_WAIT=soon" -- env IRQLBENCH_DB_WAIT=soon "$IRQ" results list --db "$LOCKED"
expect_err_line "IRQLBENCH_DB_WAIT='soon' is not a number of seconds: give 0 to 3600" "a bad IRQLBENCH_DB_WAIT is named"
# a lock released while the command waits: it goes on
IRQLBENCH_DB_WAIT=20 "$IRQ" results import --db "$LOCKED" "$T/new/$newrec/record.json" >"$T/waited.out" 2>&1 3>&- &
waiter=$!
sleep 0.5
release_lock
t0=$(date +%s.%N)
wait "$waiter"
rc=$?
dt=$(echo "$(date +%s.%N) - $t0" | bc)
[ "$rc" -eq 0 ] && ok "lock released during the wait: import went on (exit 0)" || bad "import after the lock: exit $rc: $(cat "$T/waited.out")"
[ "$(echo "$dt < 3" | bc)" = 1 ] && ok "it went on ${dt%???????} s after the release" || bad "it went on $dt s after the release"
[ "$(sqlite3 "$LOCKED" "select count(*) from runs where id = '$newrec'")" = 1 ] && ok "the record is in the store" || bad "the record is not in the store"
finish
