#!/bin/bash
# results export --format kcidb: a store of real model runs and verdicts
# (verify --backend model, policies fixed and unfixed) and synthetic lab,
# model and tcg records (gen-records.sh, one of them failed), exported as a
# KCIDB I/O v5.0 document and validated: against the subset of the real
# schema it writes (tests/fixtures/kcidb/io-v5.0-subset.schema.json, from
# kernelci/kcidb-io kcidb_io/schema/v05_00.py) and by kcidb-check.py (no
# nulls, ids, links, misc).  Then the mapping: checkouts and builds, the run
# tests, a metric's path, number and unit, the verdicts' statuses, the host
# in the environment; a selector, --include-failed, an empty selection (an
# empty, valid document, exit 0), usage errors (2) and a missing store (5).
. "$(dirname "$0")/lib.sh"
need_built
need_pkg jq sqlite3 python3-jsonschema
SCHEMA=$ROOT/tests/fixtures/kcidb/io-v5.0-subset.schema.json
check() { /usr/bin/python3 "$ROOT/tests/integration/kcidb-check.py" "$SCHEMA" "$1"; }
DB=$T/store/irqlbench.db

for p in fixed unfixed; do
	"$IRQ" verify --backend model --policy $p --runs 1 --iterations 50 --db "$DB" \
		--out-dir "$T/v-$p" >"$T/verify-$p.out" 2>&1
	echo $? >"$T/verify-$p.rc"
done
eq "verify --policy fixed" "$(cat "$T/verify-fixed.rc")" 0
eq "verify --policy unfixed" "$(cat "$T/verify-unfixed.rc")" 10
"$GEN" "$T/rec" 1 >"$T/ids"
expect_rc 0 "import the synthetic records" -- "$IRQ" results import --db "$DB" "$T/rec"
failed_id=$(jq -r 'select(.status == "failed") | .id' "$T"/rec/*/record.json)
[ -n "$failed_id" ] && ok "a failed synthetic run: $failed_id" || bad "gen-records.sh made no failed run"

expect_rc 0 "export --format kcidb" -- "$IRQ" results export --db "$DB" --format kcidb
cp "$T/out" "$T/all.json"
[ -s "$T/err" ] && bad "stderr not empty: $(head -1 "$T/err")" || ok "nothing on stderr"
expect_rc 0 "the document validates (schema subset and kcidb-check.py)" -- check "$T/all.json"
eq "version" "$(jq -c .version "$T/all.json")" '{"major":5,"minor":0}'

# a test per complete run, none for the failed one
nruns=$("$IRQ" results list --db "$DB" --json | jq '[.runs[] | select(.failed | not)] | length')
eq "a run test per complete run" "$(jq '[.tests[] | select(.misc.record_id and (.misc.metric | not))] | length' "$T/all.json")" "$nruns"
eq "run tests PASS" "$(jq -r '[.tests[] | select(.misc.record_id and (.misc.metric | not)) | .status] | unique | join(",")' "$T/all.json")" PASS
eq "the failed run left out" "$(jq --arg f "$failed_id" '[.tests[] | select(.misc.record_id == $f)] | length' "$T/all.json")" 0

# checkouts and builds: the model's, and the synthetic runs' kernel (host ABI)
eq "checkouts" "$(jq -r '[.checkouts[].id] | sort | join(" ")' "$T/all.json")" \
	"irqlbench:kernel-6.1.0-56-amd64 irqlbench:model"
expect_grep 'irqlbench:model-fixed' <(jq -r '.builds[].id' "$T/all.json") "build model-fixed"
expect_grep 'irqlbench:kernel-6.1.0-56-amd64-unfixed' <(jq -r '.builds[].id' "$T/all.json") "build: the lab's kernel with variant unfixed"
eq "lab build's checkout" "$(jq -r '.builds[] | select(.id == "irqlbench:kernel-6.1.0-56-amd64-fixed") | .checkout_id' "$T/all.json")" \
	irqlbench:kernel-6.1.0-56-amd64

# a metric: nested-spinlock depth 2 under the fixed policy exits 3 times per iteration
jq -c '[.tests[] | select(.build_id == "irqlbench:model-fixed" and
	.path == "irqlbench.nested_spinlock.depth-2.dpc-1.exit.write_cr8_per_iter")]' "$T/all.json" >"$T/m.json"
[ "$(jq length "$T/m.json")" -ge 1 ] && ok "metric test irqlbench.nested_spinlock.depth-2.dpc-1.exit.write_cr8_per_iter" ||
	bad "no test of that path; paths: $(jq -r '.tests[].path' "$T/all.json" | grep write_cr8_per_iter | sort -u | head -3)"
eq "its number" "$(jq -c '[.[].number] | unique' "$T/m.json")" '[{"value":3,"unit":"exits/iter"}]'
eq "its status DONE" "$(jq -r '[.[].status] | unique | join(",")' "$T/m.json")" DONE
eq "its misc: emulated, metric" "$(jq -r '.[0].misc | "\(.emulated) \(.metric)"' "$T/m.json")" "true exit.write_cr8/iter"
eq "a histogram percentile in cycles" \
	"$(jq -r '[.tests[] | select(.path | endswith(".p50")) | .number.unit] | unique | join(",")' "$T/all.json")" cycles
eq "environment names the host (the real model runs)" \
	"$(jq -r '[.tests[] | select(.build_id == "irqlbench:model-fixed" and (.misc.tags // [] | index("synthetic") | not)) |
		.environment.misc.hostname] | unique | join(",")' "$T/all.json")" \
	"$(uname -n)"
expect_grep "^$(uname -n), backend model, emulated$" <(jq -r '.tests[].environment.comment' "$T/all.json") "environment comment: host, backend, emulated"

# the host's identity: in the record, the store's columns (schema 7) and the environment
rid=$(jq -r '[.tests[] | select(.build_id == "irqlbench:model-fixed" and (.misc.tags // [] | index("synthetic") | not))][0].misc.record_id' "$T/all.json")
host_json=$("$IRQ" results export --db "$DB" "id=$rid" | jq -c '.[0].provenance.host |
	[.hostname, .cpu_family, .cpu_model_number, .cpu_stepping, .microcode, .hypervisor.dmi_product_name,
	 .hypervisor.dmi_product_name_why]')
[ "$(jq '.[0] != null and .[2] != null and ((.[5] == null) != (.[6] == null))' <<<"$host_json")" = true ] &&
	ok "record $rid: hostname, CPU, microcode, a DMI product name or why not: $host_json" ||
	bad "record $rid: provenance.host lacks the identity: $host_json"
eq "runs columns" "$(sqlite3 -json "$DB" "select hostname, cpu_family, cpu_model_number, cpu_stepping, microcode,
	dmi_product_name, dmi_product_name_why from runs where id = '$rid'" |
	jq -c '.[0] | [.hostname, .cpu_family, .cpu_model_number, .cpu_stepping, .microcode, .dmi_product_name, .dmi_product_name_why]')" "$host_json"
eq "verdicts columns" "$(sqlite3 -json "$DB" "select host, cpu_family, cpu_model_number, cpu_stepping, microcode,
	dmi_product_name, dmi_product_name_why from verdicts where verdict = 'FIXED'" |
	jq -c '.[0] | [.host, .cpu_family, .cpu_model_number, .cpu_stepping, .microcode, .dmi_product_name, .dmi_product_name_why]')" "$host_json"
eq "environment.misc: the same" "$(jq -c --arg r "$rid" '.tests[] | select(.id == "irqlbench:" + $r) | .environment.misc |
	[.hostname, .cpu_family, .cpu_model_number, .cpu_stepping, .microcode, .dmi_product_name, .dmi_product_name_why]' "$T/all.json")" "$host_json"

# the verdicts, each against what its setup should give (verdict_expected):
# the kernel's question under irqlbench.verify, the positive control (which
# must say UNFIXED) under irqlbench.verify.control, so that a dashboard
# neither mixes the two nor shows the control's expected UNFIXED as a failure
eq "verdict FIXED: PASS on model-fixed" \
	"$(jq -r '.tests[] | select(.path == "irqlbench.verify" and .misc.verdict == "FIXED") | "\(.status) \(.build_id) \(.misc.expected)"' "$T/all.json")" \
	"PASS irqlbench:model-fixed FIXED"
eq "the model's unfixed policy is the control: its UNFIXED is PASS, under irqlbench.verify.control" \
	"$(jq -r '.tests[] | select(.misc.verdict == "UNFIXED") | "\(.path) \(.status) \(.build_id) \(.misc.expected)"' "$T/all.json")" \
	"irqlbench.verify.control PASS irqlbench:model-unfixed UNFIXED"
eq "no verdict test mixes the control into irqlbench.verify" \
	"$(jq -r '[.tests[] | select(.path == "irqlbench.verify") | .misc.expected] | unique | join(",")' "$T/all.json")" FIXED

# the lab's fix-reverted build (verify --variant unfixed), the control LAVA
# reports as pass: its UNFIXED verdict (over 5 synthetic fix-reverted runs)
# is PASS under irqlbench.verify.control on the build of that variant (the
# control saying FIXED is FAIL: tests/unit/test_kcidb.c)
"$GEN" "$T/rec5" 5 >/dev/null
mkdir -p "$T/lab-unfixed"
cp -r "$T"/rec5/*-lab-nested-spinlock-unfixed-* "$T/lab-unfixed/"
expect_rc 0 "import 5 fix-reverted lab runs" -- "$IRQ" results import --db "$T/lab.db" "$T/lab-unfixed"
jq --argjson runs "$(jq -s '[.[] | {id}]' "$T"/lab-unfixed/*/record.json)" \
	'.id = "lab-unfixed-verdict" | .backend = "lab" | .policy = null | .variant = "unfixed" |
	 .kernel = {debian_version: null, upstream: null, abi: "6.1.0-56-amd64", origin: "cache"} |
	 .runs = $runs | .counts = {fixed: 0, unfixed: 5, other: 0, ignored: 0}' \
	"$T/v-unfixed/verdict.json" >"$T/lab-unfixed.json"
expect_rc 0 "its UNFIXED verdict file is taken (its runs decide it)" -- \
	"$IRQ" results import --db "$T/lab.db" "$T/lab-unfixed.json"
expect_rc 0 "export the lab's control" -- "$IRQ" results export --db "$T/lab.db" --format kcidb
cp "$T/out" "$T/lab.json"
expect_rc 0 "it validates" -- check "$T/lab.json"
eq "the lab's control UNFIXED: PASS under irqlbench.verify.control, on its build" \
	"$(jq -r '.tests[] | select(.misc.verdict) | "\(.path) \(.status) \(.build_id)"' "$T/lab.json")" \
	"irqlbench.verify.control PASS irqlbench:kernel-6.1.0-56-amd64-unfixed"

# a selector: only the fixed policy's runs, and the verdict they decided
expect_rc 0 "export --format kcidb policy=fixed" -- "$IRQ" results export --db "$DB" --format kcidb policy=fixed
cp "$T/out" "$T/fixed.json"
expect_rc 0 "it validates" -- check "$T/fixed.json"
eq "only policy fixed's builds" "$(jq -r '[.builds[].id] | join(" ")' "$T/fixed.json")" irqlbench:model-fixed
eq "only the FIXED verdict" "$(jq -r '[.tests[] | select(.path == "irqlbench.verify") | .misc.verdict] | join(",")' "$T/fixed.json")" FIXED

# --include-failed: the failed run is a test of its own, ERROR, without numbers
expect_rc 0 "export --format kcidb --include-failed" -- "$IRQ" results export --db "$DB" --format kcidb --include-failed
cp "$T/out" "$T/failed.json"
expect_rc 0 "it validates" -- check "$T/failed.json"
eq "the failed run: ERROR, no metric tests" \
	"$(jq -r --arg f "$failed_id" '[.tests[] | select(.misc.record_id == $f) | .status] | join(",")' "$T/failed.json")" ERROR

# nothing selected: an empty document, valid, and one line on stderr
expect_rc 0 "export --format kcidb of nothing" -- "$IRQ" results export --db "$DB" --format kcidb 'id=nothing*'
cp "$T/out" "$T/empty.json"
expect_rc 0 "the empty document validates" -- check "$T/empty.json"
eq "empty" "$(jq -c '[.checkouts, .builds, .tests] | map(length)' "$T/empty.json")" "[0,0,0]"
"$IRQ" results export --db "$DB" --format kcidb 'id=nothing*' 2>"$T/err" >/dev/null
expect_err_line "no runs selected in .*: the KCIDB document is empty" "one line says the document is empty"

# errors
expect_rc 2 "--format kcidbx" -- "$IRQ" results export --db "$DB" --format kcidbx
expect_err_line "unknown format 'kcidbx'" "one line names the format"
expect_rc 2 "two selectors" -- "$IRQ" results export --db "$DB" --format kcidb policy=fixed policy=unfixed
expect_err_line "give one run id or selector" "one line"
expect_rc 5 "a missing store" -- "$IRQ" results export --db "$T/none/irqlbench.db" --format kcidb
[ -s "$T/out" ] && bad "a missing store printed a document" || ok "nothing on stdout"
finish
