#!/bin/bash
# `results import --serial LOG` trusts only what the guest's bytes prove:
# - a report must name a workload of the catalog, with its parameters;
# - the job lines must count 1..N in order, no report after the halt line;
# - a record's id comes from the guest's bytes and the job: a copy of a
#   capture (another name, another time) is the same run, "unchanged";
# - a job already in the store is left as it is, the others imported;
# - a tag must be one a selector can name again.
# The log is a `run --repeat 3` boot's (QEMU TCG), the format an ISO's
# boot prints too (results/SERIAL.md, "Jobs").
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq
need_cmd python3

cd "$TMP" || bail "no $TMP"
expect_rc 0 "a boot of three jobs" -- "$IRQ" run --workload nested-spinlock --param iterations=20 \
	--repeat 3 --keep-log logs --out a.json --out b.json --out c.json
LOG=$(ls logs/*.serial.log | head -1)
cp "$LOG" base.log

# rehash FROM TO OUT: base.log with the first FROM replaced by TO, every
# report's "@@ end" trailer made to match again (a forged but whole log)
rehash() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys
src, old, new = open("base.log", "rb").read(), sys.argv[1].encode(), sys.argv[2].encode()
src = src.replace(old, new, 1)
out, body, inside = [], [], False
for line in src.split(b"\n"):
    if line.startswith(b"@@ irqlbench report v"):
        inside, body = True, []
        out.append(line)
        continue
    if inside and line.startswith(b"@@ end "):
        h = 0x811c9dc5
        for l in body:
            for c in l + b"\n":
                h = ((h ^ c) * 0x01000193) & 0xffffffff
        out.append(b"@@ end lines=%d fnv1a=%08x" % (len(body), h))
        inside = False
        continue
    if inside:
        body.append(line)
    out.append(line)
open(sys.argv[3], "wb").write(b"\n".join(out))
EOF
}

expect_rc 0 "the log imports" -- "$IRQ" results import --db s.db --serial base.log --tag t1
eq "three records" "$(grep -c '^imported ' "$TMP/out")" 3
ids=$("$IRQ" results list --db s.db --json | jq -r '[.runs[].id] | sort | join(" ")')
ok "ids name the capture's hash and the job, not the file" \
	bash -c "[[ '$ids' =~ ^serial-[0-9a-f]{8}-1-guest-nested-spinlock\ serial-[0-9a-f]{8}-2-guest ]]"

# a copy of the capture, another name and time: the same runs
cp base.log copy.log
touch -d '2020-01-01 00:00' copy.log
expect_rc 0 "a copy of the capture" -- "$IRQ" results import --db s.db --serial copy.log --tag t2
eq "a copy: every job unchanged, nothing counted twice" "$(grep -c '^unchanged ' "$TMP/out")" 3
eq "the store still has three runs" "$("$IRQ" results list --db s.db --json | jq ".runs | length")" 3
eq "their tags stay as they were" "$("$IRQ" results list --db s.db --json | jq -r '[.runs[].tags] | flatten | unique | join(",")')" t1

# a job deleted, the capture imported again: that job back, the others unchanged
one=$("$IRQ" results list --db s.db --json | jq -r '[.runs[].id] | sort | .[0]')
expect_rc 0 "delete one job's run" -- "$IRQ" results delete --db s.db "$one"
expect_rc 0 "import the capture again" -- "$IRQ" results import --db s.db --serial base.log --tag t1
eq "the deleted job imported, the others unchanged" \
	"$(grep -c '^imported ' "$TMP/out") $(grep -c '^unchanged ' "$TMP/out")" "1 2"

# forged logs whose reports still hash
rehash "H workload=nested-spinlock" "H workload=bogus" unknown.log
expect_rc 2 "a report naming an unknown workload" -- "$IRQ" results import --db x.db --serial unknown.log
expect_err_line "names workload 'bogus', which this irqlbench does not have" "unknown workload: one line"
rehash "H workload=nested-spinlock" "H workload=seed-table" other.log
expect_rc 2 "a report whose parameters are another workload's" -- "$IRQ" results import --db x.db --serial other.log
expect_err_line "gives workload seed-table a parameter '[a-z_]+' it does not have" "foreign parameter: one line"
sed 's/^irqlbench-guest job 2 of 3$/irqlbench-guest job 3 of 3/' base.log >order.log
expect_rc 2 "job lines out of order" -- "$IRQ" results import --db x.db --serial order.log
expect_err_line "job lines do not count 1 to 3 in order" "out of order: one line"
(cat base.log; grep -v 'irqlbench-guest v=1 boot' base.log) >twice.log
expect_rc 2 "two boots, the second one's boot line lost" -- "$IRQ" results import --db x.db --serial twice.log
expect_err_line "do not count 1 to 3 in order|follows the guest's halt line" "two boots: one line"
sed 's/ of 3$/ of 2/' base.log >fewer.log
expect_rc 2 "more reports than the boot announced" -- "$IRQ" results import --db x.db --serial fewer.log
ok "nothing imported from the forged logs" test ! -s x.db -o "$("$IRQ" results list --db x.db --json 2>/dev/null | jq ".runs | length")" = 0

# tags a selector cannot name again
for t in 'a,b' 'a=b' 'a b' "$(printf 'a\tb')"; do
	expect_rc 2 "--tag '$t' refused" -- "$IRQ" results import --db y.db --serial base.log --tag "$t"
done
expect_err_line "is not a tag a selector can name" "a bad tag: one line"

# a log above the parser's limit: named, with the fix
truncate -s 70M huge.log
expect_rc 2 "a 70 MiB log" -- "$IRQ" results import --db y.db --serial huge.log
expect_err_line "above the 64 MiB a serial log may have: cut it to the guest's boot" "huge: one line with the fix"
finish
