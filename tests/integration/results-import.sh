#!/bin/bash
# results import copies a record's own files and nothing else: an artifact
# named by an absolute path, through "..", or by a symlink in the record's
# directory that points outside it refuses the record (exit 2, one line
# naming the artifact and the fix) and nothing is imported: no row, no run
# directory, no copied file.  The case that copied /etc/passwd into the
# store: tests/fixtures/records/artifact-traversal.json.
source "$(dirname "$0")/results-lib.sh"

FIX=$ROOT/tests/fixtures/records/artifact-traversal.json
DB=$T/store/irqlbench.db
tid=$(jq -r .id "$FIX")

# nothing_imported WHAT ID: no row for ID, no runs/ID, no file named like the
# outside files anywhere under the store's directory
nothing_imported() {
	[ "$(sqlite3 "$DB" "select count(*) from runs where id = '$2'")" = 0 ] &&
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
finish
