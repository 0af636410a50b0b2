#!/bin/bash
# `irqlbench image`: the ISO boots under QEMU TCG from CD (SeaBIOS, GRUB's
# BIOS side), runs the suite's entries and a --workload as the jobs of one
# boot, prints a report a job on serial and powers itself off (ACPI S5: no
# isa-debug-exit here); `results import --serial` turns that log into a
# record a job.  Then the UEFI side with OVMF where it is installed, and the
# bad inputs: no --out folder, an unknown group, a missing package, a
# grub-mkrescue that fails (no half image), truncated and garbled logs.
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq grub-pc-bin grub-efi-amd64-bin xorriso mtools qemu-system-x86

cd "$TMP" || bail "no $TMP"
QEMU=(qemu-system-x86_64 -accel tcg -m 128 -no-reboot -display none -monitor none)

# --- the image ---------------------------------------------------------------
expect_rc 0 "image of group verify + irql-churn" -- "$IRQ" image --out "$TMP/s.iso" \
	--suite verify --workload irql-churn --param level=3 --iterations 100
eq "stdout: the image's path" "$(cat "$TMP/out")" "$TMP/s.iso"
suite=$("$IRQ" list --suites --group verify --format json | jq -r '.entries[].name')
nsuite=$(echo "$suite" | wc -l)
njobs=$((nsuite + 1))
expect_grep "^irqlbench: image $TMP/s.iso: $njobs jobs" "$TMP/err" "stderr: the jobs counted"
version=$("$IRQ" --version | awk '{print $NF}')
expect_grep "^irqlbench: grub \(BIOS\): multiboot /boot/irqlbench/irqlbench-guest.elf console=vga image=$version workload=seed-table .*workload=irql-churn iterations=100 probe=1 level=3$" \
	"$TMP/err" "stderr: the exact GRUB command line"
ok "no temporary file left beside it" test "$(ls -A "$TMP" | grep -c '\.tmp\.')" = 0
xorriso -indev "$TMP/s.iso" -osirrox on -extract /irqlbench/IMAGE.txt "$TMP/IMAGE.txt" >/dev/null 2>&1
expect_grep "^irqlbench-image/1$" "$TMP/IMAGE.txt" "IMAGE.txt in the ISO"
expect_grep "^irqlbench: $version$" "$TMP/IMAGE.txt" \
	"IMAGE.txt: the irqlbench version"
expect_grep "^suite: verify$" "$TMP/IMAGE.txt" "IMAGE.txt: the suite"
expect_grep "^jobs: $njobs$" "$TMP/IMAGE.txt" "IMAGE.txt: the number of jobs"
expect_grep "^job $njobs: irql-churn: workload=irql-churn iterations=100 probe=1 level=3$" \
	"$TMP/IMAGE.txt" "IMAGE.txt: the --workload's job last"

expect_rc 0 "--iterations in irql-churn's larger range" -- "$IRQ" image --out "$TMP/c.iso" --workload irql-churn \
	--iterations 100000000
expect_grep "workload=irql-churn iterations=100000000 probe=1$" "$TMP/err" "the job's iterations"

# --repeat and --no-probe (the image only)
expect_rc 0 "image of one workload, --repeat 3 --no-probe" -- "$IRQ" image --out "$TMP/r.iso" \
	--workload nested-spinlock --param depth=3 --repeat 3 --no-probe
xorriso -indev "$TMP/r.iso" -osirrox on -extract /irqlbench/IMAGE.txt "$TMP/r.txt" >/dev/null 2>&1
expect_grep "^jobs: 3$" "$TMP/r.txt" "--repeat 3: three jobs"
eq "each the same job, probe=0" "$(grep -c '^job [123]: nested-spinlock: workload=nested-spinlock probe=0 depth=3$' "$TMP/r.txt")" 3

# group tcg: the entry that needs two vCPUs is left out, saying so; --iterations only
# where the workload has it (dpc-storm runs for a duration)
expect_rc 0 "image of group tcg" -- "$IRQ" image --out "$TMP/t.iso" --suite tcg --iterations 50
expect_grep "^irqlbench: image: left out nested-spinlock-smp: needs more than one vCPU" "$TMP/err" \
	"the two-vCPU entry left out, saying so"
xorriso -indev "$TMP/t.iso" -osirrox on -extract /irqlbench/IMAGE.txt "$TMP/t.txt" >/dev/null 2>&1
expect_grep "^job [0-9]*: dpc-storm: workload=dpc-storm duration_ms=100 probe=1$" "$TMP/t.txt" \
	"dpc-storm without iterations="
expect_grep "^skipped: nested-spinlock-smp: " "$TMP/t.txt" "IMAGE.txt names what was left out"

# --- it boots from CD (BIOS) and powers itself off ---------------------------------
start=$(date +%s)
timeout 600 "${QEMU[@]}" -smp 2 -serial file:"$TMP/bios.log" -cdrom "$TMP/s.iso"
rc=$?
eq "QEMU exited by itself (the guest powered off: ACPI S5), status 0" "$rc" 0
echo "# BIOS boot of $njobs jobs: $(($(date +%s) - start)) s"
eq "a report a job: '@@ end' lines" "$(grep -c '^@@ end lines=' "$TMP/bios.log")" "$njobs"
eq "every job's verdict ok: R lines" "$(grep -Ec '^R status=ok( |$)' "$TMP/bios.log")" "$njobs"
eq "the job lines, 1 to $njobs" "$(grep -c "^irqlbench-guest job [0-9]* of $njobs$" "$TMP/bios.log")" "$njobs"
eq "the jobs in order: the suite's, then irql-churn" \
	"$(sed -n 's/^H workload=\([^ ]*\) .*/\1/p' "$TMP/bios.log" | tr '\n' ' ')" \
	"$("$IRQ" list --suites --group verify --format json | jq -r '.entries[].workload' | tr '\n' ' ')irql-churn "
expect_grep "^A .*level=3 .*probe=1" "$TMP/bios.log" "irql-churn got its --param and probe=1"
expect_grep "^irqlbench-guest v=1 halt code=0$" "$TMP/bios.log" "the guest's last job ended with 0"
expect_grep "^irqlbench-guest image $version$" "$TMP/bios.log" "the log names the ISO's irqlbench"
expect_grep "^irqlbench-guest jobs: 2 CPUs found; a job list runs on CPU 0 alone$" "$TMP/bios.log" \
	"two vCPUs: the jobs on CPU 0, saying so"
ok "no 'cannot power off' line" test "$(grep -c 'cannot power off' "$TMP/bios.log")" = 0

# no ACPI: the guest cannot power off, halts and says so on serial (QEMU is stopped here)
"${QEMU[@]}" -machine pc,acpi=off -serial file:"$TMP/noacpi.log" -cdrom "$TMP/s.iso" &
qpid=$!
for _ in $(seq 600); do
	grep -q 'cannot power off' "$TMP/noacpi.log" 2>/dev/null && break
	sleep 0.2
done
kill "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
eq "no ACPI: still a report a job" "$(grep -c '^@@ end lines=' "$TMP/noacpi.log")" "$njobs"
expect_grep "^irqlbench-guest v=1 halted: cannot power off: no ACPI FADT found .*; turn the machine off$" \
	"$TMP/noacpi.log" "no ACPI: the halt line says why"

# --- results import --serial -------------------------------------------------------
expect_rc 0 "results import --serial" -- "$IRQ" results import --db "$TMP/s.db" \
	--serial "$TMP/bios.log" --tag iso
eq "one record a job" "$(grep -c '^imported ' "$TMP/out")" "$njobs"
"$IRQ" results export --db "$TMP/s.db" --format json >"$TMP/all.json"
eq "records in the store" "$(jq length "$TMP/all.json")" "$njobs"
eq "backend guest, all" "$(jq -r '[.[].backend] | unique | join(",")' "$TMP/all.json")" guest
eq "complete, all" "$(jq -r '[.[].status] | unique | join(",")' "$TMP/all.json")" complete
eq "the workloads, by job" \
	"$(jq -r 'sort_by(.provenance.repeat.index) | [.[].workload] | join(" ")' "$TMP/all.json") " \
	"$("$IRQ" list --suites --group verify --format json | jq -r '.entries[].workload' | tr '\n' ' ')irql-churn "
eq "provenance.source: the serial log" \
	"$(jq -r '[.[].provenance.source | "\(.kind) \(.file) \(.jobs)"] | unique | join(",")' "$TMP/all.json")" \
	"serial-log $TMP/bios.log $njobs"
eq "provenance.source.image: the ISO's irqlbench" \
	"$(jq -r '[.[].provenance.source.image] | unique | join(",")' "$TMP/all.json")" "$version"
eq "the hypervisor the guest saw (its H line)" \
	"$(jq -r '[.[].provenance.source.hypervisor] | unique | join(",")' "$TMP/all.json")" TCGTCGTCGTCG
eq "no host facts claimed" "$(jq -r '[.[].provenance.host, .[].provenance.qemu] | unique | join(",")' "$TMP/all.json")" ""
eq "emulated: the guest saw QEMU's TCG" "$(jq -r '[.[].emulated] | unique | join(",")' "$TMP/all.json")" true
eq "tagged" "$(jq -r '[.[].tags[]] | unique | join(",")' "$TMP/all.json")" iso
eq "the jobs of one boot: provenance.repeat" \
	"$(jq -r '[.[].provenance.repeat.count] | unique | join(",")' "$TMP/all.json")" "$njobs"
ok "each with its copy of the log" test "$(ls "$TMP"/s.db.runs/*/serial.log | wc -l)" = "$njobs"
ok "metrics computed at import" "$IRQ" results show --db "$TMP/s.db" --metrics \
	"$(jq -r '.[0].id' "$TMP/all.json")"
expect_rc 0 "the same log again" -- "$IRQ" results import --db "$TMP/s.db" --serial "$TMP/bios.log" --tag iso
eq "changes nothing" "$(grep -c '^unchanged ' "$TMP/out")" "$njobs"
# the guest-side verdict from the imported records (verify --backend guest),
# kept as a verdict file with --out-dir, and taken back by a new store
expect_rc 0 "verify --backend guest --select tag=iso: the imported runs judged" -- \
	"$IRQ" verify --backend guest --db "$TMP/s.db" --select tag=iso --out-dir "$TMP/iso-verdict"
expect_grep "^verdict: ON-TIME" "$TMP/out" "QEMU's TCG delivers the held-back interrupts on time"
eq "the verdict file: ON-TIME of backend guest" \
	"$(jq -r '.verdict + " " + .backend' "$TMP/iso-verdict/verdict.json")" "ON-TIME guest"
eq "the verdict file claims no host facts (the runs were made elsewhere)" \
	"$(jq -c .host "$TMP/iso-verdict/verdict.json")" null
expect_rc 0 "a new store takes the log, then the verdict file" -- sh -c \
	"'$IRQ' results import --db '$TMP/s2.db' --serial '$TMP/bios.log' --tag iso >/dev/null &&
	 '$IRQ' results import --db '$TMP/s2.db' '$TMP/iso-verdict/verdict.json'"
expect_rc 2 "--out-dir with --select but another backend: usage" -- \
	"$IRQ" verify --db "$TMP/s.db" --select tag=iso --out-dir "$TMP/x"
# a capture that wrote CR LF (a terminal's log): the guest's bytes are restored
sed 's/$/\r/' "$TMP/bios.log" >"$TMP/crlf.log"
expect_rc 0 "a CR LF capture" -- "$IRQ" results import --db "$TMP/crlf.db" --serial "$TMP/crlf.log"
eq "CR LF: one record a job" "$(grep -c '^imported ' "$TMP/out")" "$njobs"
eq "CR LF: provenance.source.crlf" \
	"$("$IRQ" results export --db "$TMP/crlf.db" --format json | jq -r '[.[].provenance.source.crlf] | unique | join(",")')" true
ok "CR LF: the record's log is the guest's bytes" cmp "$(ls "$TMP"/crlf.db.runs/*/serial.log | head -1)" "$TMP/bios.log"

# --- the UEFI side ------------------------------------------------------------------
ovmf=/usr/share/ovmf/OVMF.fd
if [ -r "$ovmf" ]; then
	# no RSDP for a multiboot v1 kernel on UEFI: the guest halts saying so;
	# isa-debug-exit ends QEMU (status 1: code 0)
	timeout 600 "${QEMU[@]}" -m 256 -bios "$ovmf" -serial file:"$TMP/uefi.log" -cdrom "$TMP/s.iso" \
		-device isa-debug-exit,iobase=0xf4,iosize=4
	eq "UEFI (OVMF): QEMU status 1 (guest code 0)" "$?" 1
	eq "UEFI: a report a job" "$(grep -c '^@@ end lines=' "$TMP/uefi.log")" "$njobs"
	eq "UEFI: every verdict ok" "$(grep -Ec '^R status=ok( |$)' "$TMP/uefi.log")" "$njobs"
else
	echo "# UEFI boot not tested: no $ovmf (apt-get install ovmf)"
fi

# --- bad input ------------------------------------------------------------------------
expect_rc 2 "--out in a folder that does not exist" -- "$IRQ" image --out "$TMP/nope/x.iso" --suite verify
expect_err_line "^irqlbench image: --out $TMP/nope/x.iso: the folder $TMP/nope does not exist" "one line naming the folder"
expect_rc 2 "an unknown suite group" -- "$IRQ" image --out "$TMP/x.iso" --suite nosuch
expect_err_line "^irqlbench image: --suite nosuch: no entry .* use one of .*verify" "one line naming the groups"
expect_rc 2 "no --out" -- "$IRQ" image --suite verify
expect_rc 2 "an unknown parameter" -- "$IRQ" image --out "$TMP/x.iso" --workload seed-table --param bogus=1
expect_rc 2 "an --out that is a folder" -- "$IRQ" image --out "$TMP" --suite verify
# --out, checked before any work: a folder that cannot be written, a name too
# long for its temporary name, a control character
expect_rc 3 "--out in a folder that cannot be written (/proc)" -- "$IRQ" image --out /proc/x.iso --workload seed-table
expect_err_line "^irqlbench: cannot write into /proc: .*: choose another --out$" "one line naming the folder"
long=$(printf 'a%.0s' $(seq 250)).iso
expect_rc 2 "--out whose temporary name is over NAME_MAX" -- "$IRQ" image --out "$TMP/$long" --workload seed-table
expect_err_line "choose a shorter --out name" "one line naming the fix"
expect_rc 2 "--out holding a newline" -- "$IRQ" image --out "$TMP/$(printf 'a\nb').iso" --workload seed-table
expect_err_line "^irqlbench image: --out .*a\\\\x0ab\.iso holds a control character" "one line, the newline shown"
eq "nothing on stdout" "$(wc -c <"$TMP/out")" 0
ok "nothing left beside them" test ! -e "$TMP/$long" -a "$(ls -A "$TMP" | grep -c '\.tmp\.\|^a.b\.iso')" = 0

# one --param holding white space would be more words (or a job) for the guest
expect_rc 2 "a --param holding another job" -- "$IRQ" image --out "$TMP/x.iso" --workload seed-table \
	--param 'iterations=5 workload=nested-spinlock depth=3'
expect_err_line "^irqlbench image: --param wants one NAME=VALUE word .*got 'iterations=5 workload=nested-spinlock depth=3': give each parameter its own --param" \
	"one line naming the fix"
expect_rc 2 "a --param holding a newline" -- "$IRQ" image --out "$TMP/x.iso" --workload seed-table \
	--param "$(printf 'iterations=5\ndepth=3')"
expect_err_line "got 'iterations=5\\\\x0adepth=3'" "one line, the newline shown as \\x0a"
expect_rc 2 "a --param with a tab in its name" -- "$IRQ" image --out "$TMP/x.iso" --workload seed-table \
	--param "$(printf 'iter\tations=5')"
expect_rc 2 "a --param with an empty value" -- "$IRQ" image --out "$TMP/x.iso" --workload seed-table --param iterations=
expect_rc 2 "--workload script (it needs a scenario script)" -- "$IRQ" image --out "$TMP/x.iso" --workload script
expect_err_line "^irqlbench image: --workload script needs a scenario script" "one line saying so"
expect_rc 2 "an unknown workload" -- "$IRQ" image --out "$TMP/x.iso" --workload nosuch
expect_err_line "^irqlbench image: unknown workload 'nosuch': see 'irqlbench list'$" "one line, one piece of advice"
# --guest: a regular file that is an ELF with a multiboot header, else exit 2
echo no >"$TMP/notelf"
mkfifo "$TMP/fifo"
guest_elf=$(dirname "$IRQ")/../guest/irqlbench-guest.elf
cp "$guest_elf" "$TMP/badsum.elf"
mb=$(LC_ALL=C grep -obUaP '\x02\xb0\xad\x1b' "$TMP/badsum.elf" | head -1 | cut -d: -f1)
printf '\x01' | dd of="$TMP/badsum.elf" bs=1 seek=$((mb + 8)) conv=notrunc status=none
for g in "$TMP/notelf:not an ELF file" "$(command -v ls):an ELF file without a multiboot header" \
	"$TMP/badsum.elf:an ELF file without a multiboot header" "$TMP/fifo:a FIFO" \
	"$TMP:a directory" "/dev/null:a device"; do
	expect_rc 2 "--guest ${g%%:*}: ${g#*:}" -- timeout 20 "$IRQ" image --out "$TMP/x.iso" \
		--workload seed-table --guest "${g%%:*}"
	expect_err_line "^irqlbench: the guest image ${g%%:*} is ${g#*:}: give another --guest \(the irqlbench guest, build/guest/irqlbench-guest.elf\)$" \
		"one line naming the fix"
done
expect_rc 2 "--guest that is not there" -- "$IRQ" image --out "$TMP/x.iso" --workload seed-table --guest "$TMP/none.elf"
expect_rc 2 "--suite given twice" -- "$IRQ" image --out "$TMP/x.iso" --suite verify --suite tcg
expect_err_line "^irqlbench image: --suite given twice \(verify, then tcg\): give one --suite" "one line naming both"
expect_rc 2 "--workload given twice" -- "$IRQ" image --out "$TMP/x.iso" --workload seed-table --workload irql-churn
# --iterations: each workload's range of the catalog
expect_rc 2 "--iterations over seed-table's range" -- "$IRQ" image --out "$TMP/x.iso" --workload seed-table --iterations 10000001
expect_err_line "iterations=10000001 is out of range: allowed 1\.\.10000000" "one line naming the range"
expect_rc 2 "--iterations over the option's range" -- "$IRQ" image --out "$TMP/x.iso" --workload irql-churn --iterations 100000001
expect_rc 2 "a command line over the guest's 4000 bytes" -- "$IRQ" image --out "$TMP/x.iso" --workload seed-table \
	--repeat 100 --param clock_delay_us=100000
expect_err_line "over the guest's 4000: choose fewer jobs or --param words" "one line naming jobs and --param"
ok "no image written by a refused call" test ! -e "$TMP/x.iso"

mkdir -p "$TMP/bin"
ln -sf "$(command -v xorriso)" "$TMP/bin/xorriso"
expect_rc 3 "grub-mkrescue missing (environment)" -- env PATH="$TMP/bin" "$IRQ" image --out "$TMP/x.iso" --suite verify
expect_err_line "missing package grub-common" "one line naming the package"
# a grub-mkrescue that writes half an image and fails
cat >"$TMP/bin/grub-mkrescue" <<'EOF'
#!/bin/sh
echo half >"$2"
echo "grub-mkrescue: error: disk full (made up)" >&2
exit 1
EOF
chmod +x "$TMP/bin/grub-mkrescue"
ln -sf "$(command -v mformat)" "$TMP/bin/mformat"
expect_rc 3 "grub-mkrescue fails" -- env PATH="$TMP/bin:/usr/bin:/bin" "$IRQ" image --out "$TMP/x.iso" --suite verify
expect_err_line "grub-mkrescue failed \(grub-mkrescue: error: disk full \(made up\)\)" "one line with its message"
ok "no half image at --out" test ! -e "$TMP/x.iso"
ok "nor beside it" test "$(ls -A "$TMP" | grep -c '\.tmp\.')" = 0

# a stop signal mid-build: no staging folder, log, grub-mkrescue folder or
# temporary image is left (a TMPDIR of the test's own).  A background job of
# a script ignores SIGINT: env --default-signal gives it back.
mkdir -p "$TMP/sig-out" "$TMP/sig-tmp"
left() { ls -A "$TMP/sig-out" "$TMP/sig-tmp" | grep -v '^$\|:$' | tr '\n' ' '; }
stopped=0
for d in 0.01 0.03 0.06 0.1 0.12 0.15 0.2; do
	TMPDIR="$TMP/sig-tmp" env --default-signal=INT "$IRQ" image --out "$TMP/sig-out/a.iso" \
		--suite verify >/dev/null 2>"$TMP/sig-err" &
	pid=$!
	sleep "$d"
	kill -INT "$pid" 2>/dev/null
	rc=0
	wait "$pid" || rc=$?
	if [ "$rc" -eq 130 ]; then
		stopped=$((stopped + 1))
		eq "SIGINT after ${d} s: one line" "$(grep -c 'stopped by SIGINT: nothing written' "$TMP/sig-err")/$(wc -l <"$TMP/sig-err")" 1/1
		eq "SIGINT after ${d} s: nothing left" "$(left)" ""
	else
		eq "SIGINT after ${d} s, the build done before it: status 0, the image alone" "$rc $(left)" "0 a.iso "
		rm -f "$TMP/sig-out/a.iso"
	fi
done
ok "at least one build was stopped" test "$stopped" -gt 0
# a grub-mkrescue whose child (as xorriso) writes the image later: the whole
# process group is killed and waited for; its TMPDIR is in the staging folder
mkdir -p "$TMP/slowbin"
cat >"$TMP/slowbin/grub-mkrescue" <<'EOF'
#!/bin/sh
(sleep 2; echo late >"$2") &
: >"$TMPDIR/started"
wait
EOF
chmod +x "$TMP/slowbin/grub-mkrescue"
TMPDIR="$TMP/sig-tmp" PATH="$TMP/slowbin:/usr/bin:/bin" env --default-signal=INT "$IRQ" image \
	--out "$TMP/sig-out/a.iso" --suite verify >/dev/null 2>"$TMP/sig-err" &
pid=$!
for _ in $(seq 100); do
	ls "$TMP"/sig-tmp/irqlbench-image.*/tmp/started >/dev/null 2>&1 && break
	sleep 0.05
done
ok "grub-mkrescue's TMPDIR is in the staging folder" ls "$TMP"/sig-tmp/irqlbench-image.*/tmp/started
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
eq "SIGINT while grub-mkrescue runs: status 130" "$rc" 130
expect_grep "stopped by SIGINT" "$TMP/sig-err" "saying so"
sleep 2.5
eq "nothing left, nor written later by grub-mkrescue's child" "$(left)" ""

head -c 2000 "$TMP/bios.log" >"$TMP/trunc.log"
expect_rc 2 "import of a log cut inside the first report" -- "$IRQ" results import --db "$TMP/s.db" --serial "$TMP/trunc.log"
expect_err_line "^irqlbench: refused $TMP/trunc.log: no complete report \(truncated" "one line: truncated"
awk -v n="$nsuite" '/^@@ end/ { e++ } { print } e == n { exit }' "$TMP/bios.log" >"$TMP/cut.log"
expect_rc 2 "import of a log without the last job's report" -- "$IRQ" results import --db "$TMP/s.db" --serial "$TMP/cut.log"
expect_err_line "it holds $nsuite of the boot's $njobs reports: truncated" "one line: how many reports"
sed '0,/cr8_raise=/s/cr8_raise=\([0-9]*\)/cr8_raise=1\1/' "$TMP/bios.log" >"$TMP/garbled.log"
expect_rc 2 "import of a garbled log" -- "$IRQ" results import --db "$TMP/s.db" --serial "$TMP/garbled.log"
expect_err_line "^irqlbench: refused $TMP/garbled.log: job 1 of $njobs: garbled: .*fnv1a" "one line: the hash"
awk '/^irqlbench-guest job 2 of/ { print "!! exception vector=13 name=#GP rip=0x1000 err=0x0 cr2=0x0 cpu=0"; exit } { print }' \
	"$TMP/bios.log" >"$TMP/fault.log"
expect_rc 2 "import of a log whose second job faulted" -- "$IRQ" results import --db "$TMP/s.db" --serial "$TMP/fault.log"
expect_err_line "refused $TMP/fault.log: .*it holds 1 of the boot's $njobs reports" "one line: the jobs it lacks"
expect_rc 2 "import of a log that is not there" -- "$IRQ" results import --db "$TMP/s.db" --serial "$TMP/none.log"
expect_rc 2 "--serial with record files" -- "$IRQ" results import --db "$TMP/s.db" --serial "$TMP/bios.log" x.json
eq "nothing more in the store" "$("$IRQ" results export --db "$TMP/s.db" --format json | jq length)" "$njobs"

finish
