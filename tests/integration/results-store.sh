#!/bin/bash
# The results store end to end: import (dir, files, again), refused records
# (truncated JSON, wrong schema, missing provenance), list/show/export with
# filters, failed runs flagged, the default store path, a newer store schema.
# Exit statuses: 2 for a refused record or an unknown run, 5 for a store that
# is missing or too new.
# Records: synthetic (tests/fixtures/records/gen-records.sh).
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq sqlite3

"$GEN" "$T/rec" 2 >"$T/ids"
nrec=$(wc -l <"$T/ids")
DB=$T/store/irqlbench.db

expect_rc 0 "import a directory of $nrec records" -- "$IRQ" results import --db "$DB" "$T/rec"
expect_grep "^$nrec imported, 0 unchanged, 0 refused" "$T/out" "all $nrec imported"
expect_rc 0 "import again" -- "$IRQ" results import --db "$DB" "$T/rec"
expect_grep "^0 imported, $nrec unchanged, 0 refused" "$T/out" "second import changes nothing"
before=$(sqlite3 "$DB" 'select count(*) from runs; select count(*) from metrics; select count(*) from histograms' | tr '\n' ' ')
id1=$(sed -n 1p "$T/ids")
expect_rc 0 "import one file again" -- "$IRQ" results import --db "$DB" "$T/rec/$id1/record.json"
expect_grep "^unchanged $id1" "$T/out" "one record again: unchanged"
after=$(sqlite3 "$DB" 'select count(*) from runs; select count(*) from metrics; select count(*) from histograms' | tr '\n' ' ')
[ "$before" = "$after" ] && ok "row counts unchanged ($after)" || bad "row counts changed: $before -> $after"
[ -s "$T/store/runs/$id1/record.json" ] && [ -s "$T/store/runs/$id1/serial.log" ] &&
	ok "record and serial log kept under runs/$id1/" || bad "runs/$id1/ lacks record.json or serial.log"

# refused records
mkdir -p "$T/bad"
head -c 700 "$T/rec/$id1/record.json" >"$T/bad/truncated.json"
sed 's/irqlbench-record\/1/irqlbench-record\/9/' "$T/rec/$id1/record.json" >"$T/bad/schema9.json"
jq 'del(.provenance) | .id = "noprov"' "$T/rec/$id1/record.json" >"$T/bad/noprov.json"
jq '.params.depth = 7' "$T/rec/$id1/record.json" >"$T/bad/changed.json"
expect_rc 2 "truncated JSON refused" -- "$IRQ" results import --db "$DB" "$T/bad/truncated.json"
expect_grep "refused .*truncated.json: truncated JSON" "$T/err" "says truncated JSON"
expect_rc 2 "wrong schema version refused" -- "$IRQ" results import --db "$DB" "$T/bad/schema9.json"
expect_grep "irqlbench-record/9' is not supported" "$T/err" "names the schema"
expect_rc 2 "missing provenance refused" -- "$IRQ" results import --db "$DB" "$T/bad/noprov.json"
expect_grep "missing provenance" "$T/err" "names the provenance"
expect_rc 2 "same id, other content refused" -- "$IRQ" results import --db "$DB" "$T/bad/changed.json"
expect_grep "already in the store with other content" "$T/err" "says other content"
[ "$(sqlite3 "$DB" 'select count(*) from runs')" -eq "$nrec" ] && ok "refusals stored nothing" || bad "refusals changed the store"

# list, filters, show, export
expect_rc 0 "list" -- "$IRQ" results list --db "$DB"
expect_grep "^$nrec runs \(1 failed" "$T/out" "list counts runs and the failed one"
expect_grep "FAILED!" "$T/out" "failed run flagged in the list"
expect_rc 0 "list --backend model --policy prefix" -- "$IRQ" results list --db "$DB" --backend model --policy prefix
expect_grep "^8 runs" "$T/out" "8 model prefix runs (4 depths x 2)"
expect_rc 0 "list --select depth=3" -- "$IRQ" results list --db "$DB" --select depth=3,workload=nested-spinlock
expect_grep "^4 runs" "$T/out" "4 runs at depth 3"
expect_rc 0 "list --tag synthetic --variant unfixed --workload masked-clock" -- \
	"$IRQ" results list --db "$DB" --tag synthetic --variant unfixed --workload masked-clock
expect_grep "^2 runs" "$T/out" "2 unfixed masked-clock runs"
expect_rc 0 "show $id1" -- "$IRQ" results show --db "$DB" "$id1"
expect_grep "exit\.write_cr8/iter +1$" "$T/out" "show: metrics (1 write_cr8 exit/iteration at depth 1)"
expect_grep "^kernel +6\.1\.0-56-amd64" "$T/out" "show: provenance"
# the synthetic records' p99 is a 1-2-5 bound above their max (as older guests
# wrote it): shown as a bucket bound, at most the max, and in us at guest.tsc_hz
expect_grep "^histograms .*p50/p99 are bucket upper bounds, at most max" "$T/out" "show: says percentiles are bucket bounds"
expect_grep " p99<=([0-9]+) max=\1 overflow=0 \| us: min=[0-9.e+-]+ p50<=[0-9.e+-]+ p99<=[0-9.e+-]+ max=" "$T/out" \
	"show: p99 at most the max, then in us"
expect_rc 2 "show unknown id" -- "$IRQ" results show --db "$DB" no-such-run
expect_grep "no run 'no-such-run'" "$T/err" "says which run"
# show --metrics: the metrics the store computed at import (1000 iterations of
# depth 1, one write_cr8 exit each), as text and as JSON, the same
expect_rc 0 "show --metrics" -- "$IRQ" results show --db "$DB" "$id1" --metrics
expect_grep "^exit\.write_cr8/iter +1$" "$T/out" "show --metrics: exit.write_cr8/iter 1"
[ "$(grep -cvE '^[a-z0-9_.]+(/iter)? +[-0-9.e+]+$' "$T/out")" -eq 0 ] &&
	ok "show --metrics: only NAME VALUE lines" || bad "show --metrics: other lines: $(grep -vE '^[a-z0-9_.]+ ' "$T/out" | head -3)"
awk '{print $1, $2}' "$T/out" >"$T/metrics.txt"
expect_rc 0 "show --metrics --format json" -- "$IRQ" results show --db "$DB" "$id1" --metrics --format json
eq_json() { [ "$(jq -r "$1" "$T/out")" = "$2" ] && ok "$3" || bad "$3: $(jq -c "$1" "$T/out")"; }
eq_json '[.id, .status, .metrics["exit.write_cr8"], .metrics["exit.write_cr8/iter"], .metrics.iterations] | join(" ")' \
	"$id1 complete 1000 1 1000" "show --metrics json: id, status, write_cr8 1000, 1 per iteration, 1000 iterations"
[ "$(jq -r '.metrics | to_entries[] | "\(.key) \(.value)"' "$T/out")" = "$(cat "$T/metrics.txt")" ] &&
	ok "show --metrics: text and JSON the same" || bad "show --metrics: text and JSON differ"
expect_rc 2 "show --format json without --metrics" -- "$IRQ" results show --db "$DB" "$id1" --format json
expect_err_line "show --format is for --metrics: add --metrics, or take the record with 'results export --select id=$id1'" \
	"show --format without --metrics: one line with the fix"
expect_rc 2 "show --metrics --format csv" -- "$IRQ" results show --db "$DB" "$id1" --metrics --format csv
expect_err_line "^irqlbench results: unknown format 'csv': use text or json: see 'irqlbench results --help'\$" \
	"show --metrics --format csv: one line naming the formats"
expect_rc 2 "list --metrics" -- "$IRQ" results list --db "$DB" --metrics
expect_err_line "^irqlbench results: --metrics is for 'results show': see 'irqlbench results --help'\$" \
	"list --metrics: one line naming the subcommand it is for"
expect_rc 0 "export json" -- "$IRQ" results export --db "$DB"
n=$(jq length "$T/out")
[ "$n" -eq $((nrec - 1)) ] && ok "export: $n complete records, failed left out" || bad "export gave $n records"
expect_rc 0 "export json --include-failed" -- "$IRQ" results export --db "$DB" --include-failed
[ "$(jq length "$T/out")" -eq "$nrec" ] && ok "export --include-failed: all $nrec" || bad "export --include-failed"
expect_rc 0 "export csv --policy fixed" -- "$IRQ" results export --db "$DB" --format csv --policy fixed
expect_grep "^run_id,status,backend,policy,variant,workload,kernel,started,params,phase" "$T/out" "csv header"
[ "$(grep -c ',exit,write_cr8,' "$T/out")" -eq 8 ] && ok "csv: 8 write_cr8 rows for policy fixed" || bad "csv rows"
expect_rc 2 "export --format xml" -- "$IRQ" results export --db "$DB" --format xml
# the failed run (no metrics: it failed before it measured) in CSV
idf=$(tail -1 "$T/ids")
expect_rc 0 "export csv" -- "$IRQ" results export --db "$DB" --format csv
if grep -q "^$idf," "$T/out"; then bad "csv export has the failed run"; else ok "csv: the failed run left out"; fi
[ "$(cut -d, -f1 "$T/out" | sed 1d | sort -u | wc -l)" -eq $((nrec - 1)) ] && ok "csv: the $((nrec - 1)) complete runs" ||
	bad "csv: $(cut -d, -f1 "$T/out" | sed 1d | sort -u | wc -l) runs"
expect_rc 0 "export csv --include-failed" -- "$IRQ" results export --db "$DB" --format csv --include-failed
expect_grep "^$idf,failed,lab,,fixed,nested-spinlock,6\.1\.0-56-amd64,2026-[0-9T:-]+Z,\"\{\"\"depth\"\":2,.*\}\",,,,,,,\$" "$T/out" \
	"csv --include-failed: the failed run, one row, status failed, metric columns empty"
[ "$(cut -d, -f1 "$T/out" | sed 1d | sort -u | wc -l)" -eq "$nrec" ] && ok "csv --include-failed: all $nrec runs" ||
	bad "csv --include-failed: $(cut -d, -f1 "$T/out" | sed 1d | sort -u | wc -l) runs"

# a complete run whose own verdict failed is a failed run: flagged in the
# list, never exported unless --include-failed (JSON and CSV)
idv=$(grep lab-nested-spinlock-fixed "$T/ids" | head -1)
verdict_failed "$T/rec/$idv" "$T/vf" verdict-failed-run 10
jq '.id = "verdict-string-run" | .verdict = "fail"' "$T/vf/verdict-failed-run/record.json" >"$T/vf/string.json"
expect_rc 0 "import two complete records whose verdict failed" -- "$IRQ" results import --db "$DB" "$T/vf"
expect_grep "^2 imported, 0 unchanged, 0 refused" "$T/out" "both imported"
expect_rc 0 "list" -- "$IRQ" results list --db "$DB"
expect_grep "^verdict-failed-run +FAILED! " "$T/out" "verdict.status fail: listed FAILED!"
expect_grep "^verdict-string-run +FAILED! " "$T/out" "verdict \"fail\": listed FAILED!"
expect_grep "^$((nrec + 2)) runs \(3 failed" "$T/out" "3 failed runs counted"
expect_rc 0 "list --failed-only" -- "$IRQ" results list --db "$DB" --failed-only
expect_grep "^3 runs" "$T/out" "--failed-only: the failed run and the two verdict failures"
expect_rc 0 "list --select status=complete" -- "$IRQ" results list --db "$DB" --select status=complete
if grep -q "verdict-" "$T/out"; then bad "status=complete selects a verdict failure"; else ok "status=complete leaves verdict failures out"; fi
expect_rc 0 "show the verdict failure" -- "$IRQ" results show --db "$DB" verdict-failed-run
expect_grep "^status +failed$" "$T/out" "show: status failed"
expect_grep "^error_kind +verdict$" "$T/out" "show: error kind verdict"
expect_grep "^error_message +the workload's own check failed: synthetic: 3 priority violations$" "$T/out" "show: the verdict's reason"
expect_grep "failed run: stored for the record, never used as a result" "$T/out" "show: never used as a result"
expect_rc 0 "export json" -- "$IRQ" results export --db "$DB"
[ "$(jq length "$T/out")" -eq $((nrec - 1)) ] && ! grep -q verdict- "$T/out" &&
	ok "export: $((nrec - 1)) records, no verdict failure" || bad "export counted a verdict failure: $(jq length "$T/out")"
expect_rc 0 "export json --include-failed" -- "$IRQ" results export --db "$DB" --include-failed
[ "$(jq '[.[] | select(.id | startswith("verdict-"))] | length' "$T/out")" -eq 2 ] &&
	ok "export --include-failed: both verdict failures, as recorded" || bad "export --include-failed lacks them"
expect_rc 0 "export csv" -- "$IRQ" results export --db "$DB" --format csv
if grep -q "^verdict-" "$T/out"; then bad "csv export has a verdict failure"; else ok "csv: no verdict failure"; fi
expect_rc 0 "export csv --include-failed" -- "$IRQ" results export --db "$DB" --format csv --include-failed
[ "$(grep -c '^verdict-failed-run,failed,lab,,fixed,nested-spinlock,.*,1,measure,1,0,exit,write_cr8,30000$' "$T/out")" -eq 1 ] &&
	ok "csv --include-failed: the verdict failure's rows, status failed" || bad "csv --include-failed: $(grep -c '^verdict-' "$T/out") rows"
# a store written before this rule (schema 1) counted them, and had no
# stored metrics (schema 3): opening it migrates
sqlite3 "$DB" "update runs set status = 'complete', flagged = 0, error_kind = null, error_message = null
	where id like 'verdict-%'; update runs set verdict_status = null where id = 'verdict-string-run';
	drop table run_metrics; update schema_version set version = 1"
expect_rc 0 "export from a schema-1 store" -- "$IRQ" results export --db "$DB"
[ "$(jq length "$T/out")" -eq $((nrec - 1)) ] && ok "migrated: the verdict failures are failed runs again" ||
	bad "migrated store exports $(jq length "$T/out")"
[ "$(sqlite3 "$DB" "select group_concat(status || '/' || flagged || '/' || verdict_status) from runs where id like 'verdict-%'")" = "failed/1/fail,failed/1/fail" ] &&
	ok "migrated rows: failed, flagged, verdict fail" || bad "migrated rows: $(sqlite3 "$DB" "select status, flagged, verdict_status from runs where id like 'verdict-%'")"
expect_rc 0 "migrated: show --metrics" -- "$IRQ" results show --db "$DB" "$id1" --metrics
awk '{print $1, $2}' "$T/out" | cmp -s - "$T/metrics.txt" && ok "migrated: the metrics computed again, as at import" ||
	bad "migrated: other metrics than at import"

# a record already where `irqlbench run` writes it (results/runs/<id>/, the
# run directory of a store named irqlbench.db): imported in place, the logs
# beside it (named or not) kept
id2=$(sed -n 2p "$T/ids")
RUN=$T/run/irqlbench.db
mkdir -p "$T/run/runs/$id2"
cp "$T/rec/$id2/record.json" "$T/rec/$id2/serial.log" "$T/run/runs/$id2/"
echo "qemu log" >"$T/run/runs/$id2/qemu.log"
expect_rc 0 "import a record in place" -- "$IRQ" results import --db "$RUN" "$T/run/runs/$id2/record.json"
[ -s "$T/run/runs/$id2/qemu.log" ] && [ -s "$T/run/runs/$id2/serial.log" ] &&
	cmp -s "$T/run/runs/$id2/record.json" "$T/rec/$id2/record.json" &&
	ok "in place: record, serial.log and the unnamed qemu.log kept" || bad "in-place import lost files"
[ "$(ls "$T/run/runs")" = "$id2" ] && ok "in place: nothing else under runs/" || bad "in place: runs/ has $(ls "$T/run/runs")"
# a record whose run directory exists (written by run) but that comes from elsewhere
id3=$(sed -n 3p "$T/ids")
mkdir -p "$T/run/runs/$id3" && echo "qemu log" >"$T/run/runs/$id3/qemu.log"
expect_rc 0 "import into an existing run directory" -- "$IRQ" results import --db "$RUN" "$T/rec/$id3/record.json"
[ -s "$T/run/runs/$id3/qemu.log" ] && [ -s "$T/run/runs/$id3/record.json" ] && [ -s "$T/run/runs/$id3/serial.log" ] &&
	ok "existing run directory: files added, qemu.log kept" || bad "existing run directory lost files"

# two stores in one folder never share a run directory: irqlbench.db keeps
# its runs in runs/, a.db in a.db.runs/, b.db in b.db.runs/
TWO=$T/two
for db in irqlbench.db a.db b.db; do
	expect_rc 0 "import the records into $db" -- "$IRQ" results import --db "$TWO/$db" "$T/rec"
done
for r in runs a.db.runs b.db.runs; do
	[ "$(ls "$TWO/$r" | wc -l)" -eq "$nrec" ] && [ -s "$TWO/$r/$id1/serial.log" ] &&
		ok "$r/ holds its store's $nrec runs" || bad "$r/ has $(ls "$TWO/$r" 2>/dev/null | wc -l) runs"
done
expect_rc 0 "show in a.db" -- "$IRQ" results show --db "$TWO/a.db" "$id1"
expect_grep "^files +$TWO/a\.db\.runs/$id1/$" "$T/out" "show: a.db's files are in a.db.runs/"
# one store's files are its own: removing a.db's copy leaves b.db's and
# irqlbench.db's; importing again writes a.db's back
rm -r "$TWO/a.db.runs/$id1"
[ -s "$TWO/b.db.runs/$id1/serial.log" ] && [ -s "$TWO/runs/$id1/serial.log" ] &&
	ok "a.db's run directory removed: b.db's and irqlbench.db's remain" || bad "the stores shared files"
expect_rc 0 "import again into a.db" -- "$IRQ" results import --db "$TWO/a.db" "$T/rec/$id1/record.json"
expect_grep "^unchanged $id1 +\(already in the store; its files copied to $TWO/a\.db\.runs/$id1/\)" "$T/out" \
	"unchanged, and its missing run directory written again"
cmp -s "$TWO/a.db.runs/$id1/serial.log" "$T/rec/$id1/serial.log" && ok "a.db's serial.log is back" || bad "a.db's serial.log not restored"
# a store reached through a symlink is the same store, with the same files
ln -s "$TWO/a.db" "$T/link.db"
expect_rc 0 "show through a symlink to a.db" -- "$IRQ" results show --db "$T/link.db" "$id1"
expect_grep "^files +$TWO/a\.db\.runs/$id1/$" "$T/out" "the symlink's store keeps a.db.runs/"

# default store path (results/irqlbench.db under the working directory)
mkdir -p "$T/cwd"
(cd "$T/cwd" && "$IRQ" results import "$T/rec/$id1/record.json" >/dev/null 2>&1)
[ -s "$T/cwd/results/irqlbench.db" ] && [ -d "$T/cwd/results/runs/$id1" ] &&
	ok "default store results/irqlbench.db" || bad "default store not created"
expect_rc 5 "list without a store" -- "$IRQ" results list --db "$T/none/x.db"
expect_grep "no results store at" "$T/err" "says there is no store"

# a store written by a newer irqlbench
sqlite3 "$DB" 'update schema_version set version = 42'
expect_rc 5 "newer store schema refused" -- "$IRQ" results list --db "$DB"
expect_grep "schema version 42, newer than this irqlbench" "$T/err" "says newer"
expect_rc 2 "unknown subcommand" -- "$IRQ" results frobnicate
expect_missing_values results import --db
for sub in list export delete; do
	expect_missing_values results $sub --db --workload --select
done
expect_missing_values results export --format
finish
