#!/bin/bash
# results import copies a record's own files and nothing else: an artifact
# named by an absolute path, through "..", or by a symlink in the record's
# directory that points outside it refuses the record (exit 2, one line
# naming the artifact and the fix) and nothing is imported: no row, no run
# directory, no copied file; so does an artifact that is a FIFO or a
# directory.  The case that copied /etc/passwd into the store:
# tests/fixtures/records/artifact-traversal.json.
# It reads what `irqlbench lab` prints (JSON Lines, from a file or -), a
# JSON array (what `results export` prints, so export | import copies a
# store) and a record on standard input; a bad line refuses the whole
# input with its line number.  An import refused with nothing stored makes
# no store (none where there was none, an empty file stays empty), and so
# does one that a stop signal ends before its commit.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq sqlite3

FIX=$ROOT/tests/fixtures/records/artifact-traversal.json
DB=$T/store/irqlbench.db
tid=$(jq -r .id "$FIX")

# nothing_imported WHAT ID: no row for ID (no store at all while nothing was
# ever imported), no runs/ID, no file named like the outside files anywhere
# under the store's directory
nothing_imported() {
	{ [ ! -e "$DB" ] || [ "$(sqlite3 "$DB" "select count(*) from runs where id = '$2'")" = 0 ]; } &&
		ok "$1: no row" || bad "$1: a row for $2"
	[ ! -e "$T/store/runs/$2" ] && ok "$1: no runs/$2" || bad "$1: runs/$2 exists: $(ls "$T/store/runs/$2")"
	[ -z "$(find "$T/store" \( -name passwd -o -name hostname -o -name 'secret*' -o -name '.import-*' \))" ] &&
		ok "$1: no file copied" || bad "$1: copied $(find "$T/store" -name passwd -o -name hostname -o -name 'secret*')"
}

# the fixture, placed where its "../../../../etc/passwd" is /etc/passwd
mkdir -p "$T/trav"
cp "$FIX" "$T/trav/record.json"
[ "$(realpath -m "$T/trav/../../../../etc/passwd")" = /etc/passwd ] &&
	ok "the fixture's serial_log names /etc/passwd from $T/trav" || bad "fixture placement"
expect_rc 2 "artifact '../../../../etc/passwd' refused" -- "$IRQ" results import --db "$DB" "$T/trav/record.json"
expect_err_line "^irqlbench: refused .*/trav/record.json: artifact serial_log \('\.\./\.\./\.\./\.\./etc/passwd'\) leaves the record's directory through '\.\.': put the file beside the record and name it relative to it \(\"passwd\"\)$" \
	"names the artifact, the '..' and the fix"
expect_grep "^0 imported, 0 unchanged, 1 refused" "$T/out" "counted as refused"
nothing_imported "'..'" "$tid"

# an absolute name
mkdir -p "$T/abs"
jq 'del(.artifacts.serial_log)' "$FIX" >"$T/abs/record.json"
expect_rc 2 "artifact '/etc/hostname' refused" -- "$IRQ" results import --db "$DB" "$T/abs/record.json"
expect_err_line "^irqlbench: refused .*/abs/record.json: artifact qemu_log is an absolute path \('/etc/hostname'\): the store copies only the record's own files: put the file beside the record and name it relative to it \(\"hostname\"\)$" \
	"names the artifact, the absolute path and the fix"
nothing_imported "absolute" "$tid"

# a symlink in the record's directory that points outside it, to a file
# and to a directory
mkdir -p "$T/outside" "$T/link"
echo "not the run's" >"$T/outside/secret.log"
jq '.artifacts = {"serial_log": "serial.log", "trace": null}' "$FIX" >"$T/link/record.json"
ln -s "$T/outside/secret.log" "$T/link/serial.log"
expect_rc 2 "artifact 'serial.log', a symlink to a file outside, refused" -- "$IRQ" results import --db "$DB" "$T/link/record.json"
expect_err_line "^irqlbench: refused .*/link/record.json: artifact serial_log \('serial.log'\) resolves to .*/outside/secret.log, outside the record's directory .*/link: replace the link by a copy of the file$" \
	"names the artifact, where it resolves and the fix"
nothing_imported "symlink to a file" "$tid"
mkdir -p "$T/dlink"
jq '.artifacts = {"serial_log": "logs/secret.log"}' "$FIX" >"$T/dlink/record.json"
ln -s "$T/outside" "$T/dlink/logs"
expect_rc 2 "artifact 'logs/secret.log' through a symlinked directory refused" -- "$IRQ" results import --db "$DB" "$T/dlink/record.json"
expect_err_line "artifact serial_log \('logs/secret.log'\) resolves to .*/outside/secret.log, outside the record's directory" "names the artifact"
nothing_imported "symlink to a directory" "$tid"
# an artifact that is there but no file: a FIFO (never opened: the import
# does not wait on it) and a directory are refused, not taken for a
# missing log
for kind in FIFO directory; do
	mkdir -p "$T/$kind"
	jq '.artifacts = {"serial_log": "serial.log", "trace": null}' "$FIX" >"$T/$kind/record.json"
	if [ $kind = FIFO ]; then mkfifo "$T/$kind/serial.log"; else mkdir "$T/$kind/serial.log"; fi
	want=$([ $kind = FIFO ] && echo "a FIFO" || echo "a directory")
	expect_rc 2 "artifact 'serial.log', a $kind, refused" -- timeout 20 "$IRQ" results import --db "$DB" "$T/$kind/record.json"
	expect_err_line "^irqlbench: refused .*/$kind/record.json: artifact serial_log \('serial.log'\) is $want, not a file: put the file itself in its place, or take the artifact out of the record$" \
		"a $kind: names the artifact, what it is and the fix"
	nothing_imported "a $kind" "$tid"
done
# in a directory import, the bad record is refused and the others go in
mkdir -p "$T/mixed/good"
jq '.id = "good-run" | .artifacts = {"serial_log": "logs/serial.log", "qemu_log": "qemu.log", "trace": null}' \
	"$FIX" >"$T/mixed/good/record.json"
mkdir -p "$T/mixed/good/logs"
echo "the good run's serial log" >"$T/mixed/good/logs/serial.log"
ln -s logs/serial.log "$T/mixed/good/qemu.log"	# a link inside the record's directory is fine
cp -r "$T/trav" "$T/mixed/trav"
expect_rc 2 "a directory with a good and a bad record" -- "$IRQ" results import --db "$DB" "$T/mixed"
expect_grep "^1 imported, 0 unchanged, 1 refused" "$T/out" "the good one imported, the bad one refused"
nothing_imported "directory import" "$tid"
cmp -s "$T/store/runs/good-run/logs/serial.log" "$T/mixed/good/logs/serial.log" &&
	ok "the good run's logs/serial.log kept under its name" || bad "logs/serial.log not copied"
[ -f "$T/store/runs/good-run/qemu.log" ] && [ ! -L "$T/store/runs/good-run/qemu.log" ] &&
	cmp -s "$T/store/runs/good-run/qemu.log" "$T/mixed/good/logs/serial.log" &&
	ok "a link inside the record's directory: its file copied" || bad "qemu.log (link inside) not copied as a file"

# --- JSON Lines, arrays, standard input -----------------------------------
"$GEN" "$T/rec" 1 >"$T/ids"
mapfile -t ids <"$T/ids"
jsonl() { for i in "$@"; do jq -c . "$T/rec/${ids[$i]}/record.json"; done; }
DB=$T/lines/irqlbench.db
rows() { sqlite3 "$DB" "select count(*) from runs" 2>/dev/null || echo 0; }
jsonl 0 1 2 >"$T/lab.jsonl"
printf '\n' >>"$T/lab.jsonl"	# a blank line is no record
jsonl 3 >>"$T/lab.jsonl"
expect_rc 0 "import a file of JSON Lines (4 records, a blank line)" -- "$IRQ" results import --db "$DB" "$T/lab.jsonl"
expect_grep "^4 imported, 0 unchanged, 0 refused" "$T/out" "4 imported"
expect_grep "^imported  ${ids[3]}  \(.*/lab\.jsonl line 5\)$" "$T/out" "each named with its line"
[ "$(rows)" = 4 ] && ok "4 rows" || bad "$(rows) rows"
jq -S . "$T/rec/${ids[1]}/record.json" >"$T/want.json"
jq -S . "$T/lines/runs/${ids[1]}/record.json" >"$T/got.json"
cmp -s "$T/want.json" "$T/got.json" && ok "the run directory has the record as given" || bad "runs/${ids[1]}/record.json differs"
[ "$(ls "$T/lines/runs/${ids[1]}")" = record.json ] && ok "no artifacts for a record of JSON Lines (they are not beside it)" ||
	bad "runs/${ids[1]} has $(ls "$T/lines/runs/${ids[1]}")"
# again: unchanged; one new line among known ones
jsonl 0 4 | "$IRQ" results import --db "$DB" - >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && ok "JSON Lines on standard input (exit 0)" || bad "stdin: exit $rc: $(cat "$T/err")"
expect_grep "^1 imported, 1 unchanged, 0 refused" "$T/out" "the known record unchanged, the new one imported"
expect_grep "^imported  ${ids[4]}  \(standard input line 2\)$" "$T/out" "named with its line of standard input"
# one record on standard input, pretty-printed
"$IRQ" results import --db "$DB" - <"$T/rec/${ids[5]}/record.json" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q "^imported  ${ids[5]}  (standard input)$" "$T/out" &&
	ok "a record on standard input (exit 0)" || bad "a record on stdin: exit $rc: $(cat "$T/out" "$T/err")"
[ "$(ls "$T/lines/runs/${ids[5]}")" = record.json ] && ok "standard input: no artifacts" || bad "stdin: artifacts copied"
[ "$(rows)" = 6 ] && ok "6 rows" || bad "$(rows) rows"

# bad inputs: the whole input refused, with the line, nothing imported
bad_input() {	# bad_input WHAT PATTERN FILE
	local before
	before=$(rows)
	expect_rc 2 "$1" -- "$IRQ" results import --db "$DB" "$3"
	expect_err_line "$2" "$1: one line with the line number"
	expect_grep "^0 imported, 0 unchanged, 1 refused" "$T/out" "$1: refused"
	[ "$(rows)" = "$before" ] && ok "$1: no row" || bad "$1: rows $before -> $(rows)"
	[ ! -e "$T/lines/runs/${ids[6]}" ] && [ ! -e "$T/lines/runs/${ids[7]}" ] && [ -z "$(ls -A "$T/lines/runs" | grep '^\.')" ] &&
		ok "$1: no run directory" || bad "$1: run directories written"
}
{ jsonl 6 7; echo '{"schema": "irqlbench-record/1", "id": oops}'; jsonl 8; } >"$T/bad1.jsonl"
bad_input "an invalid line 3" \
	"^irqlbench: refused .*/bad1\.jsonl: line 3: invalid JSON at column [0-9]+: .*: give one record per line \(JSON Lines\); nothing from it was imported$" "$T/bad1.jsonl"
{ jsonl 6 7; jq -c 'del(.provenance)' "$T/rec/${ids[8]}/record.json"; } >"$T/bad2.jsonl"
bad_input "line 3 without provenance" \
	"^irqlbench: refused .*/bad2\.jsonl: line 3: missing provenance: the record must say where it came from; nothing from it was imported$" "$T/bad2.jsonl"
{ jsonl 6; jq -c . "$FIX"; jsonl 7; } >"$T/bad3.jsonl"
bad_input "line 2 names /etc/passwd" \
	"^irqlbench: refused .*/bad3\.jsonl: line 2: artifact serial_log \('\.\./\.\./\.\./\.\./etc/passwd'\) leaves the record's directory" "$T/bad3.jsonl"
{ jsonl 6 7; jq -c . "$T/rec/${ids[8]}/record.json" | head -c 300; } >"$T/bad4.jsonl"
bad_input "a truncated last line" "^irqlbench: refused .*/bad4\.jsonl: line 3: truncated JSON at column" "$T/bad4.jsonl"
{ jsonl 6 7; jq -c '.params.depth = 9' "$T/rec/${ids[6]}/record.json"; } >"$T/bad5.jsonl"
bad_input "the same id twice, other content" \
	"^irqlbench: refused .*/bad5\.jsonl: line 3: run ${ids[6]} is given again with other content \(first at line 1\): give each record its own id" "$T/bad5.jsonl"
{ jsonl 6 7; jq -c '.params.depth = 9' "$T/rec/${ids[0]}/record.json"; } >"$T/bad6.jsonl"
bad_input "line 3 conflicts with the store" \
	"^irqlbench: refused .*/bad6\.jsonl: line 3: run ${ids[0]} is already in the store with other content" "$T/bad6.jsonl"
expect_rc 2 "empty standard input" -- "$IRQ" results import --db "$DB" - </dev/null
expect_err_line "^irqlbench: refused standard input: no record in it: give a record file, JSON Lines or a JSON array of records$" "says there is no record"
echo '[]' >"$T/empty.json"
expect_rc 2 "an empty array" -- "$IRQ" results import --db "$DB" "$T/empty.json"
expect_err_line "^irqlbench: refused .*/empty\.json: no record in it \(an empty JSON array\): give a record file, JSON Lines or a JSON array of records$" "an empty array: says so"
expect_rc 2 "a missing file" -- "$IRQ" results import --db "$DB" "$T/nope.jsonl"
expect_err_line "^irqlbench: refused .*/nope\.jsonl: cannot read it: No such file or directory: give a record file, JSON Lines, a directory or - \(standard input\)$" "says it cannot read it"
# an import that stores nothing and is refused leaves no store behind (none
# where there was none, an empty file empty); a store it did fill stays
expect_rc 2 "refused into a new store" -- "$IRQ" results import --db "$T/new/sub/irqlbench.db" "$T/empty.json" "$FIX"
[ ! -e "$T/new" ] && ok "refused into a new store: nothing made ($T/new absent)" ||
	bad "refused into a new store: left $(find "$T/new" | tr '\n' ' ')"
: >"$T/empty.db"
expect_rc 2 "refused into an empty file" -- "$IRQ" results import --db "$T/empty.db" - </dev/null
eq "refused into an empty file: still empty" "$(stat -c %s "$T/empty.db")" 0
expect_rc 2 "one input refused, one imported, into a new store" -- \
	"$IRQ" results import --db "$T/new/irqlbench.db" "$T/empty.json" "$T/rec/${ids[6]}/record.json"
expect_grep "^1 imported, 0 unchanged, 1 refused" "$T/out" "one imported, one refused"
[ -s "$T/new/irqlbench.db" ] && [ -d "$T/new/runs/${ids[6]}" ] && ok "the store it filled stays" || bad "the store it filled is gone"
# an empty directory: nothing to import, no error (under UBSan too: bad-input-san.sh)
mkdir -p "$T/emptydir"
expect_rc 0 "an empty directory" -- "$IRQ" results import --db "$T/emptydir.db" "$T/emptydir"
expect_grep "^0 imported, 0 unchanged, 0 refused" "$T/out" "an empty directory: nothing imported"
# a directory's *.jsonl
mkdir -p "$T/dir"
jsonl 6 7 >"$T/dir/lab.jsonl"
expect_rc 0 "a directory with a .jsonl file" -- "$IRQ" results import --db "$DB" "$T/dir"
expect_grep "^2 imported" "$T/out" "its 2 records imported"

# export | import: an array of records copies a store's results
expect_rc 0 "export --include-failed" -- "$IRQ" results export --db "$DB" --include-failed
cp "$T/out" "$T/export.json"
"$IRQ" results import --db "$T/copy/irqlbench.db" - <"$T/export.json" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && ok "results export | results import - (exit 0)" || bad "export | import: exit $rc: $(cat "$T/err")"
n=$(jq length "$T/export.json")
expect_grep "^$n imported, 0 unchanged, 0 refused" "$T/out" "all $n records of the array"
"$IRQ" results export --db "$T/copy/irqlbench.db" --include-failed >"$T/export2.json"
cmp -s "$T/export.json" "$T/export2.json" && ok "the copy exports the same records" || bad "the copy exports other records"
jq '.[1].status = "weird"' "$T/export.json" >"$T/bad-array.json"
expect_rc 2 "an array with a bad record 2" -- "$IRQ" results import --db "$T/copy2/irqlbench.db" "$T/bad-array.json"
expect_err_line "^irqlbench: refused .*/bad-array\.json: record 2 of the array: status 'weird' is neither complete nor failed; nothing from it was imported$" \
	"names the record of the array"
[ ! -e "$T/copy2" ] && ok "bad array: no row, no store made" || bad "bad array: $(ls -A "$T/copy2")"

# --- a stop signal in the middle of an import: nothing of the input stored --
# The import waits for the test's signal once the input's run directories are
# placed, before its commit (IRQLBENCH_STOP_PAUSE): its rows roll back and the
# directories go too (the next import would adopt them), a store it made as
# well; an input imported before it stays.
DB=$T/stop/irqlbench.db
jsonl 0 1 2 >"$T/stop-in.jsonl"
expect_rc 143 "SIGTERM, the run directories placed, into a new store" -- \
	stopped_at import-placed TERM "$IRQ" results import --db "$DB" "$T/stop-in.jsonl"
expect_err_line "^irqlbench: import stopped by SIGTERM: nothing of .*/stop-in\.jsonl was stored; nothing was imported$" \
	"SIGTERM: one line naming the input"
ok "SIGTERM: no summary line" test ! -s "$T/out"
ok "SIGTERM into a new store: nothing made ($T/stop absent)" test ! -e "$T/stop"
"$IRQ" results import --db "$DB" "$T/rec/${ids[3]}/record.json" >/dev/null || bail "import into $DB"
state() { tree_state "$T/stop"; }
expect_no_change 130 "^irqlbench: import stopped by SIGINT: nothing of .*/record\.json was stored; nothing was imported$" \
	"SIGINT, a record file's run directory placed" -- \
	stopped_at import-placed INT "$IRQ" results import --db "$DB" "$T/mixed/good/record.json"
# two inputs: the first committed, the second stopped
expect_rc 143 "SIGTERM in the second of two inputs" -- stopped_at import-placed:2 TERM \
	"$IRQ" results import --db "$DB" "$T/rec/${ids[4]}/record.json" "$T/stop-in.jsonl"
expect_err_line "^irqlbench: import stopped by SIGTERM: nothing of .*/stop-in\.jsonl was stored; the records imported before it \(listed above\) stay in the store$" \
	"the second input: one line, the first stays"
expect_grep "^imported  ${ids[4]} " "$T/out" "the first input's line"
eq "the first input's run in the store, none of the second's" \
	"$(sqlite3 "$DB" "select id from runs order by id" | paste -sd' ')" "$(printf '%s\n' "${ids[3]}" "${ids[4]}" | sort | paste -sd' ')"
eq "run directories: the two runs', nothing else" "$(ls -A "$T/stop/runs" | sort | paste -sd' ')" \
	"$(printf '%s\n' "${ids[3]}" "${ids[4]}" | sort | paste -sd' ')"

# --- what is not a regular file is never read, a link in a tree never followed
mkdir -p "$T/odd/tree/sub"
mkfifo "$T/odd/fifo.json" "$T/odd/tree/fifo.json"
ln -s .. "$T/odd/tree/sub/loop"
ln -s /etc "$T/odd/tree/etc"
"$GEN" "$T/odd/outside" 1 >/dev/null
ln -s "$T/odd/outside" "$T/odd/tree/outside"
expect_rc 2 "a FIFO named like a record: refused, not waited on" -- timeout 10 "$IRQ" results import --db "$T/odd/s.db" "$T/odd/fifo.json"
expect_err_line "^irqlbench: refused .*/fifo\.json: it is not a regular file \(a FIFO, device or socket\)" "the FIFO: one line"
expect_rc 0 "a tree with a FIFO, a link loop and links out: nothing followed" -- timeout 10 "$IRQ" results import --db "$T/odd/s.db" "$T/odd/tree"
expect_grep "^0 imported, 0 unchanged, 0 refused" "$T/out" "the tree: nothing imported from outside it"
# --- "emulated" follows from the record's own facts -------------------------
# a model record is simulated, a tcg record emulated, a lab record real only
# where provenance.lab.l1_accel names a hypervisor, a host or guest that saw
# QEMU's TCG emulated: a record edited to say "emulated": false (and given a
# new id) is refused, one line naming the field, nothing imported
DB=$T/emu/irqlbench.db
rec_of() { for i in "${ids[@]}"; do jq -e --arg b "$1" '.backend == $b and .status == "complete"' \
	"$T/rec/$i/record.json" >/dev/null && { echo "$T/rec/$i/record.json"; return; }; done; }
model=$(rec_of model) lab=$(rec_of lab) tcgr=$(rec_of tcg)
mkdir -p "$T/emu-in"
not_real() {	# not_real NAME WHY-ERE JQ-FILTER RECORD
	jq ".id = \"edited-$1\" | .emulated = false | $3" "$4" >"$T/emu-in/$1.json"
	expect_rc 2 "$1 edited to \"emulated\": false: refused" -- "$IRQ" results import --db "$DB" "$T/emu-in/$1.json"
	expect_err_line "^irqlbench: refused .*/$1\.json: \"emulated\" is false, but $2, never real: give the record as irqlbench wrote it \(\"emulated\": true\)$" \
		"$1: one line naming the field and the fact"
	[ ! -e "$DB" ] && [ ! -e "$T/emu/runs/edited-$1" ] && ok "$1: nothing imported" ||
		bad "$1: imported: $(ls -A "$T/emu" 2>&1)"
}
not_real model "backend model is the simulation: its numbers are simulated" . "$model"
not_real tcg "backend tcg is QEMU's emulator: its times are emulated" . "$tcgr"
not_real lab-tcg "provenance.lab.l1_accel is tcg: its L1 ran under QEMU's emulator, its times are emulated" \
	'.provenance.lab.l1_accel = "tcg"' "$lab"
not_real lab-no-accel "provenance.lab.l1_accel is missing: nothing says its L1 ran on a hypervisor \(l1_accel kvm\), its times count as emulated" \
	'.provenance.lab = null' "$lab"
not_real kvm-on-tcg "provenance.host.hypervisor.vendor is TCGTCGTCGTCG: the host ran under QEMU's emulator, its times are emulated" \
	'.backend = "kvm" | .variant = null | .provenance.lab = null | .provenance.host.hypervisor = {"present": true, "vendor": "TCGTCGTCGTCG"}' "$lab"
not_real guest-on-tcg "guest.hypervisor is TCGTCGTCGTCG: the guest ran under QEMU's emulator, its times are emulated" \
	'.backend = "guest" | .variant = null | .provenance.lab = null | .guest.hypervisor = "TCGTCGTCGTCG"' "$lab"
# in JSON Lines: the whole input refused, with the line
{ jq -c '.id = "edited-ok"' "$model"; jq -c . "$T/emu-in/model.json"; } >"$T/emu-in/lines.jsonl"
expect_rc 2 "JSON Lines with an edited model record on line 2" -- "$IRQ" results import --db "$DB" "$T/emu-in/lines.jsonl"
expect_err_line "^irqlbench: refused .*/lines\.jsonl: line 2: \"emulated\" is false, but backend model is the simulation" \
	"JSON Lines: the line named"
[ ! -e "$DB" ] && ok "JSON Lines: nothing imported" || bad "JSON Lines: a store was made"
# a lab whose L1 ran on KVM measures real times: "emulated": false stands,
# and so does "emulated": true where nothing requires it
jq '.id = "real-lab" | .emulated = false | .provenance.lab.l1_accel = "kvm"' "$lab" >"$T/emu-in/real-lab.json"
jq '.id = "modest-lab" | .emulated = true | .provenance.lab.l1_accel = "kvm"' "$lab" >"$T/emu-in/modest-lab.json"
expect_rc 0 "a lab record with l1_accel kvm, emulated false or true: imported" -- \
	"$IRQ" results import --db "$DB" "$T/emu-in/real-lab.json" "$T/emu-in/modest-lab.json"
eq "the store keeps each one's flag" "$(sqlite3 "$DB" "select id, emulated from runs order by id" | paste -sd' ')" \
	"modest-lab|1 real-lab|0"

# exit times that contradict each other (no exit timed, yet a time) are
# refused as model --costs-from refuses them: their metrics would be wrong
jq '.id = "n0-sum" | (.phases[] | select(.measured) | .vcpus[0].exit_times) =
	{"write_cr8": {"unit": "ns", "n": 0, "untimed": 3, "sum": 4000, "min": null, "max": null}}' "$lab" >"$T/emu-in/n0.json"
expect_rc 2 "exit_times with n 0 and a sum: refused" -- "$IRQ" results import --db "$DB" "$T/emu-in/n0.json"
expect_err_line "^irqlbench: refused .*/n0\.json: exit_times\.write_cr8 \(phase [0-9]+ cpu 0\): n is 0 but sum is 4000: no exit was timed, so there is no time; the record's exit times are damaged: give the record as irqlbench wrote it$" \
	"n 0 and a sum: one line naming the reason, phase and vCPU"
eq "n 0 and a sum: no row" "$(sqlite3 "$DB" "select count(*) from runs where id = 'n0-sum'")" 0

# --- params are the workload's own (workloads/catalog.c) ----------------------
# a key the catalog does not have matches no expectation (verify said "no
# expectation" for it) and makes a parameter tuple and KCIDB path of its
# own: refused, as a workload the catalog does not have and a value that
# is no whole number are
bad_params() {	# bad_params ID WHAT ERE JQ-FILTER
	jq ".id = \"params-$1\" | $4" "$model" >"$T/emu-in/params-$1.json"
	expect_rc 2 "$2: refused" -- "$IRQ" results import --db "$DB" "$T/emu-in/params-$1.json"
	expect_err_line "^irqlbench: refused .*/params-$1\.json: $3$" "$2: one line naming it and the fix"
	eq "$2: no row" "$(sqlite3 "$DB" "select count(*) from runs where id = 'params-$1'")" 0
}
bad_params key "a key that is no parameter" \
	"params: '<b>x' is not a parameter of workload nested-spinlock \('irqlbench list nested-spinlock' names them\): a record holds the parameters its guest applied; give the record as irqlbench wrote it" \
	'.params["<b>x"] = 1'
bad_params other "another workload's parameter" "params: 'clock_ipi' is not a parameter of workload nested-spinlock .*" \
	'.params.clock_ipi = 1'
bad_params workload "a workload the catalog lacks" \
	"workload 'no-such-workload' is not one this irqlbench has \('irqlbench list'\): import the record with the irqlbench that wrote it" \
	'.workload = "no-such-workload"'
bad_params value "a value that is no whole number" \
	"params.depth is not a whole number at least 0, as every parameter of the catalog is: give the record as irqlbench wrote it" \
	'.params.depth = "2"'
jq '.id = "params-common" | .params.probe = 1 | .params.warmup = 0' "$model" >"$T/emu-in/params-common.json"
expect_rc 0 "the common parameters (probe, warmup) are every workload's" -- \
	"$IRQ" results import --db "$DB" "$T/emu-in/params-common.json"
finish
