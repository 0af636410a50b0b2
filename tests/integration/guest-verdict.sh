#!/bin/bash
# The guest-side verdict (verify --backend guest, docs/guest-verdict.md):
# - TCG's known answer through its logic: every interrupt held back by the
#   TPR arrives at the unmasking write, CR8 writes do not trap: ON-TIME, 0;
# - the guest's R line carries its late deliveries (verdict.findings), equal
#   to its counters;
# - the probe calibrates on rdtsc pairs and the TSC rate, not on CR8 writes;
# - the same runs with every delivery made late are LATE (10); one run is
#   too few (INCONCLUSIVE, 11); a verdict file that says otherwise than its
#   runs is refused;
# - where /dev/kvm is usable and is not kvm_amd (kvm_intel, kvm_pvm, ...):
#   `verify --backend guest` runs there and its verdict agrees with the
#   guest's own counters (SKIP elsewhere).
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq

cd "$TMP" || bail "no $TMP"
SUITE=$("$IRQ" list --suites --group guest --json)
entries=$(jq -r '.entries[].name' <<<"$SUITE" | tr '\n' ' ')
eq "group guest: seed-table, nested spinlocks depth 1, 2, 4, masked-clock" "$entries" \
	"seed-table nested-spinlock-d1 nested-spinlock-d2 nested-spinlock-d4 masked-clock "

# --- TCG: each entry of group guest with probe=1 -------------------------------
n=0
while read -r name; do
	e=$(jq -c --arg n "$name" '.entries[] | select(.name == $n)' <<<"$SUITE")
	args=()
	for p in $(jq -r '.params | to_entries[] | "\(.key)=\(.value)"' <<<"$e"); do args+=(--param "$p"); done
	expect_rc 0 "tcg $name, probe=1" -- "$IRQ" run --workload "$(jq -r .workload <<<"$e")" \
		"${args[@]}" --param iterations=100 --param probe=1 --out "tcg/$name.json"
	n=$((n + 1))
done < <(jq -r '.entries[].name' <<<"$SUITE")

for f in tcg/*.json; do
	b=$(basename "$f" .json)
	eq "$b: R line's late= is the counters' late_deliveries" \
		"$(jq .verdict.findings.late_deliveries "$f")" "$(counter "$f" late_deliveries)"
	eq "$b: R line's unmasking= is the counters' cr8_lower_unmask" \
		"$(jq .verdict.findings.unmasking_writes "$f")" "$(counter "$f" cr8_lower_unmask)"
	eq "$b: probe threshold = rdtsc pair + 300 ns at the TSC rate" \
		"$(jq '.guest | .probe_threshold == .probe_rdtsc + ((.tsc_hz * 300 / 1000000000) | floor)' "$f")" true
	eq "$b: every unmasking write timed as pending" \
		"$(counter "$f" probe_pending_samples)" "$(counter "$f" cr8_lower_unmask)"
done

expect_rc 0 "import the tcg runs" -- "$IRQ" results import --db tcg.db tcg
expect_rc 0 "tcg: verify --backend guest --select backend=tcg: ON-TIME" -- \
	"$IRQ" verify --backend guest --db tcg.db --select backend=tcg --format json
cp "$TMP/out" tcg-verdict.json
eq "tcg: verdict" "$(jq -r .verdict tcg-verdict.json)" ON-TIME
eq "tcg: every run on time" "$(jq -c .counts tcg-verdict.json)" \
	"{\"on_time\":$n,\"late\":0,\"other\":0,\"ignored\":0}"
eq "tcg: no late delivery" "$(jq .guest.late_deliveries tcg-verdict.json)" 0
eq "tcg: CR8 writes do not trap" "$(jq .guest.writes_trap tcg-verdict.json)" false
eq "tcg: fewer than 1 in 20 single writes above the threshold" \
	"$(jq '.guest.cr8_write_cost | .trapped * 20 < .samples' tcg-verdict.json)" true
eq "tcg: labelled emulated" "$(jq .guest.emulated tcg-verdict.json)" true
eq "tcg: a dependent add runs in few cycles" \
	"$(jq '.guest.work_cycles_per_add.max < 20' tcg-verdict.json)" true
expect_grep "delivered at the lowering CR8 write \(0/[0-9]+ late" "$TMP/out" "tcg: the reason says what it saw"

# --- the same runs, every delivery made late: LATE -----------------------------
# (copies that stand for a real hypervisor's guest: one that saw TCG is
# emulated, and a record that says otherwise is refused: results/SCHEMA.md)
mkdir -p late
for f in tcg/*.json; do
	jq '.id += "-late" | .backend = "guest" | .emulated = false | .guest.hypervisor = "KVMKVMKVM" |
	    (.phases[] | select(.measured) | .vcpus[].counters) |= (.late_deliveries = .cr8_lower_unmask) |
	    .verdict.findings.late_deliveries = .verdict.findings.unmasking_writes' \
		"$f" >"late/$(basename "$f")"
done
expect_rc 0 "import the late copies" -- "$IRQ" results import --db late.db late
expect_rc 10 "late copies: LATE, exit 10" -- "$IRQ" verify --backend guest --db late.db --select backend=guest
expect_grep "^verdict: LATE" "$TMP/out" "late copies: verdict line"
expect_grep "delivered late \([0-9]+/[0-9]+, unmask->entry mean [0-9.]+ [mnu]?s, p50 <= .*the guest cannot tell which hypervisor logic causes it" \
	"$TMP/out" "late copies: the reason names the finding and what it cannot tell"

expect_rc 10 "late copies, KTAP: status 10" -- "$IRQ" verify --backend guest --db late.db \
	--select backend=guest --format ktap
eq "late copies, KTAP: every late run is 'not ok' (a CI reading it fails a late hypervisor)" \
	"$(grep -c '^not ok [0-9]* .*: late, ' "$TMP/out")" "$n"

# records that cannot be: refused by the store (exit 2), one line each
f1=$(ls tcg/nested-spinlock-d2.json)
jq '.id += "-x1" | (.phases[] | select(.measured) | .vcpus[0].counters.late_deliveries) = 999999' "$f1" >bad1.json
jq '.id += "-x2" | (.phases[] | select(.measured) | .vcpus[0].histograms.dpc_unmask_to_entry.n) += 7' "$f1" >bad2.json
jq '.id += "-x3" | .verdict.findings.late_deliveries = 3' "$f1" >bad3.json
jq '.id += "-x4" | .guest.tsc_hz = 0' "$f1" >bad4.json
for b in 1 2 3 4; do
	expect_rc 2 "record bad$b refused" -- "$IRQ" results import --db bad.db "bad$b.json"
	[ $b = 1 ] && expect_grep "late_deliveries=999999 above cr8_lower_unmask" "$TMP/err" "bad1: late above unmasking named"
done
"$IRQ" results import --db bad.db bad2.json 2>"$TMP/e2" >/dev/null
expect_grep "n=[0-9]+ is not its buckets' and overflow's" "$TMP/e2" "bad2: a histogram's n named"
"$IRQ" results import --db bad.db bad3.json 2>"$TMP/e3" >/dev/null
expect_grep "verdict.findings are not the measured phases'" "$TMP/e3" "bad3: findings against counters named"
"$IRQ" results import --db bad.db bad4.json 2>"$TMP/e4" >/dev/null
expect_grep "guest.tsc_hz is not a rate above 0" "$TMP/e4" "bad4: the TSC rate named"

# one verdict is one hypervisor's: the tcg runs and copies that saw another
mkdir -p other
for f in tcg/*.json; do
	jq '.id += "-kvm" | .guest.hypervisor = "KVMKVMKVM"' "$f" >"other/$(basename "$f")"
done
expect_rc 0 "import the tcg runs and copies of another hypervisor" -- sh -c \
	"'$IRQ' results import --db mixed.db tcg >/dev/null && '$IRQ' results import --db mixed.db other"
expect_rc 2 "a selection of runs of two hypervisors: refused (one verdict, one setup)" -- \
	"$IRQ" verify --backend guest --db mixed.db --select backend=tcg
expect_err_line "^irqlbench: verify: --select 'backend=tcg' selects runs of more than one hypervisor: [^ ]+ \(TCGTCGTCGTCG\) and [^ ]+-kvm \(KVMKVMKVM\): one verdict is of one setup; narrow --select to one of them \(e\.g\. by tag\)$" \
	"two hypervisors: named with two of their runs, and the fix"
eq "two hypervisors: nothing decided" "$(cat "$TMP/out")" ""
expect_rc 0 "narrowed to one hypervisor's runs: ON-TIME" -- \
	"$IRQ" verify --backend guest --db mixed.db --select 'backend=tcg,id=*-kvm'

expect_rc 11 "one run decides nothing: INCONCLUSIVE" -- "$IRQ" verify --backend guest --db tcg.db \
	--select "backend=tcg,workload=masked-clock"
expect_grep "1 usable run\(s\), 3 needed" "$TMP/out" "too few: says how many are needed"

# a verdict file is decided from its runs
mkdir -p vd
expect_rc 10 "late copies, --format json: status 10" -- \
	"$IRQ" verify --backend guest --db late.db --select backend=guest --format json
eq "late copies: json verdict" "$(jq -r .verdict "$TMP/out")" LATE
jq -n --slurpfile r <(jq -s . late/*.json) '{schema: "irqlbench-verdict/1", id: "forged-ontime",
	created_utc: "2026-01-01T00:00:00Z", verdict: "ON-TIME", status: 0, reason: "forged",
	backend: "guest", variant: null, policy: null, emulated: false,
	kernel: {debian_version: null, upstream: null, abi: null, origin: null}, module_recipe: null,
	host: {hostname: "h", cpu_model: "c"}, control: null, suites: "workloads/suites.cfg",
	counts: {on_time: 5, late: 0, other: 0, ignored: 0}, evidence: null,
	runs: [ $r[0][] | {id} ], out_dir: "late", tags: []}' >vd/forged.json
expect_rc 2 "a forged ON-TIME over late runs is refused" -- "$IRQ" results import --db late.db vd/forged.json
expect_grep "it says ON-TIME, its runs decide LATE" "$TMP/err" "forged: the refusal says why"
jq '.backend = "lab" | .id = "forged-lab" | .verdict = "LATE" | .status = 10' vd/forged.json >vd/forged-lab.json
expect_rc 2 "LATE is backend guest's only" -- "$IRQ" results import --db late.db vd/forged-lab.json

# --- usage ---------------------------------------------------------------------
expect_rc 2 "--backend guest --variant: usage error" -- "$IRQ" verify --backend guest --variant unfixed
expect_err_line "--variant .* --backend guest judges whatever hypervisor runs the guest: drop it" \
	"--variant: one line naming the fix"

# --- this host's hypervisor, where /dev/kvm is usable and is not kvm_amd ----------
if ! have_kvm; then
	echo "SKIP part: no usable /dev/kvm here: the guest backend needs a hypervisor"
elif [ -d /sys/module/kvm_amd ]; then
	echo "SKIP part: /dev/kvm is kvm_amd: the traced kvm backend judges it (kvm-backend.sh)"
else
	expect_rc 77 "run --backend kvm here: not applicable" -- "$IRQ" run --backend kvm \
		--workload nested-spinlock --out kvm.json
	expect_grep "use --backend guest" "$TMP/err" "the kvm preflight points to --backend guest"
	rc=0
	"$IRQ" verify --backend guest --iterations 100 --out-dir host --db host.db >host.out 2>host.err || rc=$?
	case $rc in 0|10|11) _pass "verify --backend guest on this host's $(ls /sys/module | grep '^kvm_' | tr '\n' ' ')(exit $rc)";;
		*) _fail "verify --backend guest on this host: exit $rc"; sed 's/^/      | /' host.err | head;; esac
	v=host/verdict.json
	ok "host: a verdict file" test -s "$v"
	eq "host: its runs are backend guest, observed by the guest, untraced" \
		"$(jq -s '[.[] | .backend == "guest" and .provenance.kvm.traced == false and
			.provenance.kvm.observed_by == "guest"] | all' host/*/record.json)" true
	eq "host: the module is named" "$(jq -rs '.[0].provenance.kvm.module' host/*/record.json)" \
		"$(ls /sys/module | grep -E '^kvm_(intel|pvm|amd)$' | head -1)"
	eq "host: not labelled emulated" "$(jq -s '[.[].emulated] | any' host/*/record.json)" false
	# the verdict agrees with the guest's own counters
	late=$(jq -s '[.[] | .verdict.findings.late_deliveries] | add' host/*/record.json)
	unm=$(jq -s '[.[] | .verdict.findings.unmasking_writes] | add' host/*/record.json)
	eq "host: verdict's late deliveries are the guests' R lines'" "$(jq .guest.late_deliveries "$v")" "$late"
	eq "host: verdict's unmasking writes are the guests' R lines'" "$(jq .guest.unmasking_writes "$v")" "$unm"
	lateruns=$(jq -s '[.[] | select(.verdict.findings.late_deliveries * 2 > .verdict.findings.unmasking_writes)] | length' host/*/record.json)
	okruns=$(jq -s '[.[] | select(.verdict.findings.late_deliveries * 20 <= .verdict.findings.unmasking_writes)] | length' host/*/record.json)
	want=INCONCLUSIVE
	[ "$lateruns" -ge 3 ] && [ "$okruns" -eq 0 ] && [ "$lateruns" -eq "$(ls host/*/record.json | wc -l)" ] && want=LATE
	[ "$okruns" -ge 3 ] && [ "$lateruns" -eq 0 ] && [ "$okruns" -eq "$(ls host/*/record.json | wc -l)" ] && want=ON-TIME
	eq "host: verdict as the per-run counters decide ($lateruns late, $okruns on time)" \
		"$(jq -r .verdict "$v")" "$want"
	eq "host: writes_trap as the probe counters decide" "$(jq .guest.writes_trap "$v")" \
		"$(jq -s '([.[] | [.phases[] | select(.measured) | .vcpus[].counters.probe_exits] | add] | add) * 2 >
			([.[] | [.phases[] | select(.measured) | .vcpus[].counters.probe_samples] | add] | add)' host/*/record.json)"
	expect_rc 0 "host: its verdict file imports into a new store" -- "$IRQ" results import --db host2.db host
	expect_rc 0 "host: results verdicts --verdict $want" -- "$IRQ" results verdicts --db host2.db --verdict "$want"
	expect_grep " $want " "$TMP/out" "host: the verdict listed"
	jq '.id += "-counts" | .counts.on_time += 1' "$v" >forged-counts.json
	expect_rc 2 "host: hand-edited counts refused" -- "$IRQ" results import --db host2.db forged-counts.json
	expect_grep "its counts: not what its runs give" "$TMP/err" "host: the refusal names the counts"
	jq '.id += "-reason" | .reason = "all good"' "$v" >forged-reason.json
	expect_rc 2 "host: hand-edited reason refused" -- "$IRQ" results import --db host2.db forged-reason.json
	jq '.id += "-dup" | .runs = [.runs[0], .runs[0], .runs[0]]' "$v" >forged-dup.json
	expect_rc 2 "host: one run listed three times refused" -- "$IRQ" results import --db host2.db forged-dup.json
	expect_grep "is listed twice: a run counts once" "$TMP/err" "host: the refusal names the repeated run"
	jq '.id += "-fmt"' "$v" | jq . >reformatted.json
	expect_rc 0 "host: the same verdict, reformatted by jq, is taken" -- "$IRQ" results import --db host2.db reformatted.json
	sed 's/^/      | /' host.out | head -3
fi
finish
