#!/bin/bash
# results merge: the stores of two hosts (two hostnames, each its own UTS
# namespace, so that the records and verdicts name them as a second machine's
# would) merged into one: every run and verdict once, with its host's
# identity columns, each run's record and serial log copied into the
# target's runs/<id>/; merging again adds nothing; `results verdicts` lists
# both hosts' verdicts.  Refused, exit 2, one line and nothing merged (no
# row, no run directory, no copied file, also not from a good store merged
# beside it): an artifact named through '..' or by an absolute path in the
# source's database, an artifact that is a symlink out of its run
# directory, an artifact that is a FIFO or a directory (or a symlink to a
# FIFO), a record.json that is a directory, a run id the target holds with
# other content, a store that does not exist or is the target, a store given
# twice (by one path, through a symlink).  A source that is no SQLite database is
# exit 5, and so is one that is an empty file (left empty).  A refused merge
# leaves the target as it was: a new one is not made (no folder, no runs
# directory), an empty file stays empty, a store without runs/ gets none.
# A run directory missing from the target is written again.  A merge stopped
# by SIGTERM or SIGINT mid-way leaves the target as it was, on disk too.
# Stores: `verify --backend model` (a few ms each).
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq sqlite3
need_cmd unshare hostname

# as_host NAME CMD...: CMD with NAME as the hostname (a UTS namespace of its
# own; unprivileged through a user namespace where that is allowed)
if unshare --uts true 2>/dev/null; then UTS=(unshare --uts)
elif unshare --user --map-root-user --uts true 2>/dev/null; then UTS=(unshare --user --map-root-user --uts)
else skip "cannot make a UTS namespace (unshare --uts, also through a user namespace): no second hostname"
fi
as_host() { local h=$1; shift; "${UTS[@]}" sh -c 'hostname "$0" && exec "$@"' "$h" "$@"; }

cd "$T"
# two hosts' stores: A verifies the fixed policy twice, B the unfixed one
for p in l61 fixed; do
	as_host fleet-a "$IRQ" verify --backend model --policy $p --db "$T/a/irqlbench.db" \
		--out-dir "$T/a-out-$p" >/dev/null 2>"$T/verify.err" ||
		bail "verify on fleet-a: $(tail -n 1 "$T/verify.err")"
done
as_host fleet-b "$IRQ" verify --backend model --policy unfixed --db "$T/b/irqlbench.db" \
	--out-dir "$T/b-out" >/dev/null 2>"$T/verify.err"
[ $? -eq 10 ] || bail "verify on fleet-b is not UNFIXED: $(tail -n 1 "$T/verify.err")"
q() { sqlite3 "$1" "$2"; }
na=$(q a/irqlbench.db 'select count(*) from runs') nb=$(q b/irqlbench.db 'select count(*) from runs')
eq "the two stores name their hosts" \
	"$(q a/irqlbench.db 'select distinct hostname from runs') $(q b/irqlbench.db 'select distinct host from verdicts')" \
	"fleet-a fleet-b"

M=$T/m/irqlbench.db
# a results directory (a/) and a database file (b/irqlbench.db) are both a STORE
expect_rc 0 "merge two hosts' stores into a new one" -- "$IRQ" results merge --db "$M" a b/irqlbench.db
expect_grep "^merged $((na + nb)) runs and 3 verdicts from 2 stores, 0 runs and 0 verdicts unchanged \(store $M\)$" \
	"$T/out" "the summary: $na + $nb runs, 3 verdicts"
expect_grep "^a/irqlbench.db: $na runs merged, 0 unchanged; 2 verdicts merged, 0 unchanged$" "$T/out" "a line for a/"
expect_grep "^b/irqlbench.db: $nb runs merged, 0 unchanged; 1 verdict merged, 0 unchanged$" "$T/out" "a line for b/"
eq "a 'merged' line per run and verdict" "$(grep -c '^merged    \(run\|verdict\) ' "$T/out")" $((na + nb + 3))
eq "runs and verdicts in the merged store" "$(q "$M" 'select count(*) from runs; select count(*) from verdicts' | paste -sd' ')" \
	"$((na + nb)) 3"
eq "runs per host" "$(q "$M" 'select hostname, count(*) from runs group by hostname order by 1' | paste -sd' ')" \
	"fleet-a|$na fleet-b|$nb"
eq "verdicts per host" "$(q "$M" 'select host, verdict from verdicts order by host, verdict' | paste -sd' ')" \
	"fleet-a|FIXED fleet-a|FIXED fleet-b|UNFIXED"
# same(A, B, COLUMN...): "A.c IS B.c AND ..." for each column
same() { local a=$1 b=$2 c w=1; shift 2; for c in "$@"; do w="$w and $a.$c is $b.$c"; done; echo "$w"; }
ident=(cpu_family cpu_model_number cpu_stepping microcode dmi_product_name dmi_product_name_why)
for s in a b; do
	eq "$s: the runs' host identity columns as the source has them" \
		"$(q "$M" "attach '$s/irqlbench.db' as src; select count(*) from src.runs s join runs r using (id)
			where r.content_hash = s.content_hash and $(same r s hostname "${ident[@]}")")" \
		"$(q $s/irqlbench.db 'select count(*) from runs')"
	eq "$s: the verdicts' host identity columns as the source has them" \
		"$(q "$M" "attach '$s/irqlbench.db' as src; select count(*) from src.verdicts s join verdicts v using (id)
			where v.content_hash = s.content_hash and $(same v s host "${ident[@]}")")" \
		"$(q $s/irqlbench.db 'select count(*) from verdicts')"
done
copied=0 files=0
for s in a b; do
	for d in "$s"/runs/*/; do
		id=$(basename "$d")
		for f in "$d"*; do
			files=$((files + 1))
			cmp -s "$f" "m/runs/$id/$(basename "$f")" && copied=$((copied + 1))
		done
	done
done
ok "every record and log of the sources copied into m/runs/<id>/ ($copied files)" \
	test "$copied" -eq "$files" -a "$files" -ge $((2 * (na + nb)))
eq "the merged store's metrics, computed from the records" \
	"$(q "$M" 'select count(*) from run_metrics')" \
	"$(( $(q a/irqlbench.db 'select count(*) from run_metrics') + $(q b/irqlbench.db 'select count(*) from run_metrics') ))"

# merging again adds nothing
dump() { q "$M" 'select id, content_hash, imported from runs order by id; select id, content_hash, imported from verdicts order by id; select count(*) from run_metrics; select count(*) from metrics'; }
dump >"$T/before"
expect_rc 0 "merge the same stores again" -- "$IRQ" results merge --db "$M" a b/irqlbench.db
expect_grep "^merged 0 runs and 0 verdicts from 2 stores, $((na + nb)) runs and 3 verdicts unchanged" \
	"$T/out" "second merge: nothing merged, all unchanged"
eq "second merge: no 'merged' line" "$(grep -c '^merged  ' "$T/out")" 0
dump >"$T/after"
ok "second merge: every row as it was" cmp -s "$T/before" "$T/after"

# results verdicts lists both hosts'
expect_rc 0 "results verdicts" -- "$IRQ" results verdicts --db "$M"
expect_grep " fleet-a +FIXED " "$T/out" "results verdicts: fleet-a's FIXED"
expect_grep " fleet-b +UNFIXED " "$T/out" "results verdicts: fleet-b's UNFIXED"
expect_grep "^3 verdict\(s\) in $M$" "$T/out" "results verdicts: 3"
eq "results verdicts --host fleet-b --json" \
	"$("$IRQ" results verdicts --db "$M" --host fleet-b --json | jq -r '[.verdicts[] | .host + " " + .verdict] | join(",")')" \
	"fleet-b UNFIXED"

# a run directory missing from the target is written again
rid=$(q b/irqlbench.db 'select id from runs order by id limit 1')
rm -rf "m/runs/$rid"
expect_rc 0 "merge with a run directory missing" -- "$IRQ" results merge --db "$M" b
expect_grep "^restored  run $rid  \(from b/irqlbench.db\)$" "$T/out" "the run's files restored"
ok "m/runs/$rid/record.json written again" cmp -s "b/runs/$rid/record.json" "m/runs/$rid/record.json"

# --- refusals: nothing merged, from any store of the call ---------------------------
# c: a third host's store, good; the refusals merge it beside a bad one
as_host fleet-c "$IRQ" verify --backend model --policy l72 --db "$T/c/irqlbench.db" \
	--out-dir "$T/c-out" >/dev/null 2>&1 || bail "verify on fleet-c"
nm=$(q "$M" 'select count(*) from runs') nd=$(ls m/runs | wc -l)
nothing_merged() {
	eq "$1: no row added" "$(q "$M" 'select count(*) from runs; select count(*) from verdicts' | paste -sd' ')" "$nm 3"
	eq "$1: no run directory added" "$(ls m/runs | wc -l)" "$nd"
	eq "$1: nothing of fleet-c" "$(q "$M" "select count(*) from runs where hostname = 'fleet-c'")" 0
	[ -z "$(find m \( -name passwd -o -name 'hostname' -o -name '.import-*' \))" ] &&
		ok "$1: no file copied, no temporary directory left" || bad "$1: $(find m -name passwd -o -name hostname -o -name '.import-*')"
}
# bad(STORE) = a copy of b whose first run names its serial log as given
badstore() {
	rm -rf "$T/bad" && cp -a b "$T/bad"
	bid=$(q bad/irqlbench.db 'select id from runs order by id limit 1')
	q bad/irqlbench.db "delete from verdicts; delete from runs where id <> '$bid';
		update runs set record = json_set(record, '\$.artifacts.serial_log', '$1'), content_hash = 'x'"
	# so that it would be new
	[ "$(q "$M" "select count(*) from runs where id = '$bid'")" = 0 ] ||
		"$IRQ" results delete --db "$M" "$bid" >/dev/null
	nm=$(q "$M" 'select count(*) from runs') nd=$(ls m/runs | wc -l)
}
badstore ../../../../etc/passwd
expect_rc 2 "an artifact through '..' in the source's database" -- "$IRQ" results merge --db "$M" c bad
expect_err_line "^irqlbench: merge refused, nothing merged: bad/irqlbench.db: run $bid: artifact serial_log \('\.\./\.\./\.\./\.\./etc/passwd'\) leaves the record's directory through '\.\.': put the file beside the record" \
	"'..': one line naming the store, the run, the artifact and the fix"
nothing_merged "'..'"
badstore /etc/passwd
expect_rc 2 "an artifact named by an absolute path" -- "$IRQ" results merge --db "$M" c bad
expect_err_line "^irqlbench: merge refused, nothing merged: bad/irqlbench.db: run $bid: artifact serial_log is an absolute path \('/etc/passwd'\)" \
	"absolute: one line naming the artifact"
nothing_merged "absolute path"
# badlog: bad/ whose run $bid names serial.log, its record file and its row
# alike, so that what bad/runs/$bid/serial.log is decides
badlog() {
	badstore serial.log
	jq '.artifacts.serial_log = "serial.log"' "bad/runs/$bid/record.json" >"$T/r.json"
	mv "$T/r.json" "bad/runs/$bid/record.json"
	# the row's record text is the file's (keys sorted, compact), as an import writes it
	jq -cS . "bad/runs/$bid/record.json" >"$T/r.json"
	q bad/irqlbench.db "update runs set record = cast(readfile('$T/r.json') as text)"
}
# a symlink in the source's run directory that leads out of it
badlog
ln -sf /etc/hostname "bad/runs/$bid/serial.log"
expect_rc 2 "an artifact that is a symlink out of its run directory" -- "$IRQ" results merge --db "$M" c bad
expect_err_line "^irqlbench: merge refused, nothing merged: bad/irqlbench.db: run $bid: artifact serial_log \('serial.log'\) resolves to /etc/hostname, outside the record's directory" \
	"symlink: one line naming where it leads"
nothing_merged "symlink out of the run directory"
# an artifact that is no file: a FIFO (never opened, so never waited on), a
# directory, a symlink to a FIFO in the run directory; refused as the
# others are
for kind in FIFO directory link; do
	badlog
	rm -f "bad/runs/$bid/serial.log"
	case $kind in
	FIFO) mkfifo "bad/runs/$bid/serial.log" ;;
	directory) mkdir "bad/runs/$bid/serial.log" && echo x >"bad/runs/$bid/serial.log/x" ;;
	link) mkfifo "bad/runs/$bid/pipe" && ln -s pipe "bad/runs/$bid/serial.log" ;;
	esac
	want=$([ $kind = directory ] && echo "a directory" || echo "a FIFO")
	expect_rc 2 "an artifact that is a $kind" -- timeout 20 "$IRQ" results merge --db "$M" c bad
	expect_err_line "^irqlbench: merge refused, nothing merged: bad/irqlbench.db: run $bid: artifact serial_log \('serial.log'\) is $want, not a file: put the file itself in its place, or take the artifact out of the record$" \
		"an artifact that is a $kind: one line naming it and what it is"
	nothing_merged "an artifact that is a $kind"
done
# a record edited to say "emulated": false (its file and its row alike): a
# model run is simulated, never real
badlog
jq '.emulated = false' "bad/runs/$bid/record.json" >"$T/r.json" && mv "$T/r.json" "bad/runs/$bid/record.json"
jq -cS . "bad/runs/$bid/record.json" >"$T/r.json"
q bad/irqlbench.db "update runs set record = cast(readfile('$T/r.json') as text)"
expect_rc 2 "a model run edited to \"emulated\": false" -- "$IRQ" results merge --db "$M" c bad
expect_err_line "^irqlbench: merge refused, nothing merged: bad/irqlbench.db: run $bid: \"emulated\" is false, but backend model is the simulation: its numbers are simulated, never real: " \
	"\"emulated\": false on a model run: one line naming the run and the field"
nothing_merged "a model run edited to \"emulated\": false"
# the run's record.json a directory: not read as "no record file"
badstore serial.log
rm -f "bad/runs/$bid/record.json" && mkdir "bad/runs/$bid/record.json"
expect_rc 2 "record.json that is a directory" -- "$IRQ" results merge --db "$M" c bad
expect_err_line "^irqlbench: merge refused, nothing merged: bad/irqlbench.db: run $bid: .*/record.json is a directory, not a file: " \
	"record.json a directory: one line"
nothing_merged "record.json a directory"
# the same run id with other content
rm -rf "$T/bad" && cp -a c "$T/bad"
cid=$(q bad/irqlbench.db 'select id from runs order by id limit 1')
jq -cS '.tags = ["changed"]' "bad/runs/$cid/record.json" >"$T/r.json"
q bad/irqlbench.db "delete from verdicts; update runs set record = cast(readfile('$T/r.json') as text) where id = '$cid'"
cp "$T/r.json" "bad/runs/$cid/record.json"
expect_rc 2 "a run id held by an earlier store of the call with other content" -- "$IRQ" results merge --db "$M" c bad
expect_err_line "^irqlbench: merge refused, nothing merged: run $cid of bad/irqlbench.db is already in $M with other content: delete one of them" \
	"conflict: one line naming the run and both stores"
nm=$(q "$M" 'select count(*) from runs') nd=$(ls m/runs | wc -l)
nothing_merged "conflicting content"
# stores that are not there, or are the target; no store; not a store
expect_rc 2 "a store that does not exist" -- "$IRQ" results merge --db "$M" c "$T/nowhere"
expect_err_line "^irqlbench: merge refused, nothing merged: no results store at $T/nowhere/irqlbench.db|no results store at $T/nowhere:" \
	"missing store: one line"
expect_rc 2 "the target itself" -- "$IRQ" results merge --db "$M" c m
expect_err_line "^irqlbench: merge refused, nothing merged: m/irqlbench.db is the store merged into" "the target: one line"
# one store given twice (by one path, or by another: a symlink, its directory)
# would be counted as two, its runs "merged" and then "unchanged": refused
expect_rc 2 "a store given twice" -- "$IRQ" results merge --db "$T/twice/irqlbench.db" c/irqlbench.db c/irqlbench.db
expect_err_line "^irqlbench: merge refused, nothing merged: c/irqlbench.db and c/irqlbench.db are one store \(the same file\): give each store once$" \
	"a store given twice: one line"
ok "a store given twice: no target made" test ! -e "$T/twice"
ln -s c "$T/c-link"
expect_rc 2 "a store given again through a symlink to its directory" -- "$IRQ" results merge --db "$M" c "$T/c-link"
expect_err_line "^irqlbench: merge refused, nothing merged: c/irqlbench.db and $T/c-link/irqlbench.db are one store \(the same file\): give each store once$" \
	"through a symlink: one line naming both paths"
nothing_merged "a store given twice"
expect_rc 2 "no store given" -- "$IRQ" results merge --db "$M"
expect_err_line "^irqlbench results: merge needs the stores to merge" "no store: the usage line"
echo "not a database" >"$T/junk.db"
expect_rc 5 "a source that is no SQLite database" -- "$IRQ" results merge --db "$M" c "$T/junk.db"
expect_err_line "merge refused, nothing merged: $T/junk.db is not an SQLite database" "not SQLite: one line, exit 5"
: >"$T/empty.db"
expect_rc 5 "a source that is an empty file" -- "$IRQ" results merge --db "$M" c "$T/empty.db"
expect_err_line "merge refused, nothing merged: $T/empty.db is an empty file, not a results store" "an empty source: one line, exit 5"
eq "an empty source: left empty" "$(stat -c %s "$T/empty.db")" 0
nothing_merged "the refusals of bad stores"

# a refused merge leaves the target as it was: absent (no database, no runs
# directory, no folder made for it), an empty file still empty, an existing
# store without a runs directory still without one
badstore /etc/passwd
expect_rc 2 "refused into a new store: a store that does not exist" -- \
	"$IRQ" results merge --db "$T/new/sub/irqlbench.db" c "$T/nowhere"
[ ! -e "$T/new" ] && ok "refused into a new store: nothing made ($T/new absent)" ||
	bad "refused into a new store: left $(find "$T/new" | tr '\n' ' ')"
expect_rc 2 "refused into a new store: a bad artifact after a good store" -- "$IRQ" results merge --db "$T/new/x.db" c bad
[ ! -e "$T/new" ] && ok "refused into a new store after copying a good one: nothing left" ||
	bad "refused into a new store after copying a good one: left $(find "$T/new" | tr '\n' ' ')"
: >"$T/target-empty.db"
expect_rc 2 "refused into an empty file" -- "$IRQ" results merge --db "$T/target-empty.db" c bad
eq "refused into an empty file: still empty" "$(stat -c %s "$T/target-empty.db")" 0
[ -z "$(ls -d "$T"/target-empty.db?* 2>/dev/null)" ] && ok "refused into an empty file: no runs directory or journal beside it" ||
	bad "refused into an empty file: left $(ls -d "$T"/target-empty.db?*)"
mkdir "$T/empty-dir"
"$IRQ" results import --db "$T/norun/irqlbench.db" "$T/empty-dir" >/dev/null || bail "an empty store"
sum=$(md5sum <"$T/norun/irqlbench.db")
expect_rc 2 "refused into a store without runs/" -- "$IRQ" results merge --db "$T/norun/irqlbench.db" c bad
[ "$(md5sum <"$T/norun/irqlbench.db")" = "$sum" ] && [ ! -e "$T/norun/runs" ] &&
	ok "refused into a store without runs/: the database as it was, no runs/" ||
	bad "refused into a store without runs/: $(ls -A "$T/norun" | tr '\n' ' ')"

expect_rc 0 "results merge --help" -- "$IRQ" results merge --help
expect_grep "^exit status: 0 merged, or nothing new; 2 no STORE" "$T/out" "--help: the exit statuses"
expect_grep "each STORE is a store's database file, or a$" "$T/out" "--help: what a STORE is"

# --- a stop signal in the middle of a merge: nothing merged, on disk too ------
# The merge waits after its Nth run for the test's signal (IRQLBENCH_STOP_PAUSE);
# the run directories it made go with its rolled-back rows (the next merge
# would adopt them), and a target it made is not left behind.
state() { tree_state m; }
expect_no_change 143 "^irqlbench: merge stopped by SIGTERM, nothing merged: $M is as it was$" \
	"SIGTERM after 3 runs of fleet-c merged" -- stopped_at merge-run:3 TERM "$IRQ" results merge --db "$M" c
expect_no_change 130 "^irqlbench: merge stopped by SIGINT, nothing merged: $M is as it was$" \
	"SIGINT after 1 run" -- stopped_at merge-run INT "$IRQ" results merge --db "$M" c
expect_rc 143 "SIGTERM while merging into a new store" -- \
	stopped_at merge-run:2 TERM "$IRQ" results merge --db "$T/stopped/irqlbench.db" b c
ok "a new store stopped: nothing made ($T/stopped absent)" test ! -e "$T/stopped"

# and the good store alone merges
expect_rc 0 "fleet-c's store alone" -- "$IRQ" results merge --db "$M" c
eq "fleet-c's verdict listed" "$("$IRQ" results verdicts --db "$M" --host fleet-c --json | jq -r '.verdicts[0].verdict')" FIXED
finish
