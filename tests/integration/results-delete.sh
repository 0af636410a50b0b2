#!/bin/bash
# results delete ID|SELECTOR [FILTERS]: deletes the runs it selects (failed
# ones too), every row of them, and their run directories in this store
# only: three stores in one folder keep theirs.  A selector that matches
# nothing, no selector, a bad selector: exit 2 and nothing deleted.
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq sqlite3

"$GEN" "$T/rec" 2 >"$T/ids"
nrec=$(wc -l <"$T/ids")
id1=$(sed -n 1p "$T/ids")
idf=$(tail -1 "$T/ids")	# the failed run
D=$T/two
for db in irqlbench.db a.db b.db; do
	"$IRQ" results import --db "$D/$db" "$T/rec" >/dev/null || bail "import into $db"
done
A=$D/a.db
rows() {	# rows DB ID-GLOB: rows about the runs, in every table
	sqlite3 "$1" "select (select count(*) from runs where id glob '$2') + (select count(*) from run_tags where run_id glob '$2')
		+ (select count(*) from phases where run_id glob '$2') + (select count(*) from metrics where run_id glob '$2')
		+ (select count(*) from histograms where run_id glob '$2')"
}
runs() { sqlite3 "$1" "select count(*) from runs"; }
[ "$(rows "$A" "$id1")" -gt 10 ] && ok "a.db has $(rows "$A" "$id1") rows about $id1" || bad "a.db has no rows about $id1"

# one run by its id
expect_rc 0 "delete $id1 from a.db" -- "$IRQ" results delete --db "$A" "$id1"
expect_grep "^deleted   $id1$" "$T/out" "names the run"
expect_grep "^1 run deleted, with their files in $D/a\.db\.runs/ \(store $A\)$" "$T/out" "says where"
[ "$(rows "$A" "$id1")" = 0 ] && ok "no row about $id1 left in any table" || bad "$(rows "$A" "$id1") rows left"
[ "$(runs "$A")" = $((nrec - 1)) ] && ok "the other $((nrec - 1)) runs stay" || bad "a.db has $(runs "$A") runs"
[ ! -e "$D/a.db.runs/$id1" ] && ok "a.db.runs/$id1 removed" || bad "a.db.runs/$id1 still there"
[ -s "$D/b.db.runs/$id1/serial.log" ] && [ -s "$D/runs/$id1/serial.log" ] &&
	[ "$(runs "$D/b.db")" = "$nrec" ] && [ "$(runs "$D/irqlbench.db")" = "$nrec" ] &&
	ok "b.db and irqlbench.db in the same folder keep the run and its files" || bad "another store lost the run"
[ -z "$(ls -A "$D/a.db.runs" | grep '^\.')" ] && ok "nothing left aside in a.db.runs/" || bad "a.db.runs/ has $(ls -A "$D/a.db.runs" | grep '^\.')"
expect_rc 0 "the run no longer shows" -- "$IRQ" results list --db "$A" "$id1"
expect_grep "^0 runs" "$T/out" "list $id1: 0 runs"

# a selector, as for list and compare; what list shows is what goes
sel=variant=unfixed,workload=masked-clock
expect_rc 0 "list $sel" -- "$IRQ" results list --db "$A" "$sel"
want=$(grep -c masked-clock-unfixed "$T/out")
expect_rc 0 "delete $sel" -- "$IRQ" results delete --db "$A" "$sel"
expect_grep "^$want runs deleted" "$T/out" "deletes the $want runs list showed"
[ "$(sqlite3 "$A" "select count(*) from runs where variant = 'unfixed' and workload = 'masked-clock'")" = 0 ] &&
	[ "$(runs "$A")" = $((nrec - 1 - want)) ] && ok "exactly those" || bad "a.db has $(runs "$A") runs"
[ -z "$(ls "$D/a.db.runs" | grep masked-clock-unfixed)" ] && ok "their run directories removed" || bad "their run directories remain"
# FILTERS, and the failed run (failed runs are selected too)
expect_rc 0 "delete --backend model --policy prefix --select depth=4" -- \
	"$IRQ" results delete --db "$A" --backend model --policy prefix --select depth=4
expect_grep "^2 runs deleted" "$T/out" "2 prefix runs at depth 4"
expect_rc 0 "delete the failed run by status=failed" -- "$IRQ" results delete --db "$A" status=failed
expect_grep "^deleted   $idf$" "$T/out" "the failed run"
left=$(runs "$A")

# nothing to delete: an error, nothing changed
sum=$(md5sum <"$A")
expect_rc 2 "a selector that matches nothing" -- "$IRQ" results delete --db "$A" variant=nosuch
expect_err_line "^irqlbench: no runs match 'variant=nosuch' in $A: see 'irqlbench results list'$" "says which selector and where"
expect_rc 2 "an id that is not there" -- "$IRQ" results delete --db "$A" "$id1"
expect_err_line "^irqlbench: no runs match 'id=$id1' in" "says which id"
expect_rc 2 "no selector" -- "$IRQ" results delete --db "$A"
expect_err_line "^irqlbench results: delete needs a run id or a selector \(e\.g\. 'variant=unfixed,workload=masked-clock'; 'id=\*' is every run\): see 'irqlbench results --help'$" \
	"no selector: says how to select"
expect_rc 2 "a bad selector" -- "$IRQ" results delete --db "$A" "variant=fixed,oops"
expect_err_line "selector term 'oops' has no '='" "a bad selector: names the term"
expect_rc 2 "two selectors" -- "$IRQ" results delete --db "$A" variant=fixed workload=seed-table
expect_err_line "give one run id or selector, not also 'workload=seed-table': join terms with commas" "two selectors: says to join them"
[ "$(md5sum <"$A")" = "$sum" ] && [ "$(runs "$A")" = "$left" ] && ok "none of these changed the store" || bad "the store changed"
expect_rc 5 "delete without a store" -- "$IRQ" results delete --db "$T/none.db" "$id1"
[ ! -e "$T/none.db" ] && ok "no store created" || bad "a store was created"

# a deleted run can be imported again, with its files
expect_rc 0 "import $id1 again into a.db" -- "$IRQ" results import --db "$A" "$T/rec/$id1/record.json"
expect_grep "^imported  $id1" "$T/out" "imported as new"
[ -s "$D/a.db.runs/$id1/serial.log" ] && ok "its files are back" || bad "its files are not back"

# the default-named store: a run directory `irqlbench run` wrote for a run
# not in the store is not the store's to delete
mkdir -p "$D/runs/not-imported" && echo "qemu log" >"$D/runs/not-imported/qemu.log"
expect_rc 0 "delete 'id=*' from irqlbench.db" -- "$IRQ" results delete --db "$D/irqlbench.db" 'id=*'
expect_grep "^$nrec runs deleted" "$T/out" "every run of irqlbench.db"
[ "$(runs "$D/irqlbench.db")" = 0 ] && [ "$(ls "$D/runs")" = not-imported ] &&
	ok "runs/ keeps only the directory of a run it never had" || bad "runs/ has $(ls "$D/runs" | head -3)"
[ "$(runs "$D/b.db")" = "$nrec" ] && [ "$(ls "$D/b.db.runs" | wc -l)" = "$nrec" ] &&
	ok "b.db untouched" || bad "b.db lost runs"
finish
