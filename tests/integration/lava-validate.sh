#!/bin/bash
# LAVA (lava/, docs/lava.md): the test definition and every job template,
# rendered, checked with the schemas of Debian's lava-common (what
# lava-server checks on submission) and with lava-dispatcher's
# `lava-run --validate` against device configurations rendered from
# lava-server's own device types; broken jobs and templates refused; the
# test cases of real verdicts (model l61 FIXED, unfixed UNFIXED) as LAVA's
# own lava-test-case script records them.  Runs no LAVA job (that is
# lava/run-local.sh, about 25 s, outside make check).
. "$(dirname "$0")/lib.sh"
need_built
need_pkg lava-common python3-yaml python3-jinja2 jq
L=$ROOT/lava
cd "$TMP" || bail "cannot cd to $TMP"

# --- the test definition ------------------------------------------------------
expect_rc 0 "lava/irqlbench.yaml is a valid test definition" -- "$L/validate.py" "$L/irqlbench.yaml"
expect_grep '^.*irqlbench.yaml: ok \(test definition\)$' "$TMP/out" "validate.py names it a test definition"
# LAVA writes the params as unexported variables of run.sh: the step exports
# every param, or irqlbench-lava.sh would not see it
params=$(python3 -c 'import sys, yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["params"]))' "$L/irqlbench.yaml")
exported=$(python3 -c 'import sys, yaml; print(" ".join(s.split(None, 1)[1] for s in yaml.safe_load(open(sys.argv[1]))["run"]["steps"] if s.startswith("export ")))' "$L/irqlbench.yaml")
eq "the run step exports every param" "$exported" "$params"
for p in $params; do
	grep -q "^#   ${p}\b\|[ ,]${p}[ ,=]" "$L/irqlbench-lava.sh" || bad "param $p is not documented in lava/irqlbench-lava.sh"
done

# --- rendering ----------------------------------------------------------------
: >kernel.img
printf '070701' | gzip >initrd.cpio.gz
declare -A val=(
	[kernel_version]=6.1.192-3 [kernel_url]="file://$TMP/kernel.img" [initrd_url]="file://$TMP/initrd.cpio.gz"
	[modules_url]="https://lab.example/k/6.1.192-3/modules.tar.xz" [rootfs_url]="https://lab.example/rootfs/bookworm.tar.xz"
	[testdef_repo]="$ROOT" [testdef_revision]=0123456789abcdef0123456789abcdef01234567 [tree]="$ROOT")
jobs=()
for t in "$L"/jobs/*.yaml.j2; do
	n=$(basename "$t" .yaml.j2)
	args=()
	while read -r name kind; do
		[ "$kind" = required ] || continue
		[ -n "${val[$name]:-}" ] || { bad "$n: no test value for its placeholder $name"; continue; }
		args+=(--set "$name=${val[$name]}")
	done < <("$L/render-job.py" "$t" --list)
	expect_rc 0 "$n renders" -- "$L/render-job.py" "$t" "${args[@]}" --out "$TMP/$n.yaml"
	expect_rc 0 "$n: a valid job (lava-common schemas, strict)" -- "$L/validate.py" "$TMP/$n.yaml"
	jobs+=("$n")
	# one placeholder left out: a one-line error naming it
	expect_rc 2 "$n without ${args[1]%%=*}" -- "$L/render-job.py" "$t" "${args[@]:2}"
	expect_err_line "^render-job: error: .*needs ${args[1]%%=*}.*: give --set ${args[1]%%=*}=VALUE$" \
		"$n: the missing placeholder named with its fix"
done
eq "two job templates (x86, qemu)" "${#jobs[@]}" 2
expect_rc 2 "a --set of a name the template lacks" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" --set nope=1
expect_err_line "^render-job: error: .*has no placeholder" "the unknown name refused with the --list hint"
# values a job would only fail on after the boot: refused when rendering
expect_rc 2 "--set no_kvm=abc" -- "$L/render-job.py" "$L/jobs/qemu-lab-l1.yaml.j2" --set no_kvm=abc
expect_err_line "^render-job: error: --set no_kvm=abc: give 0 \(L1 under KVM\) or 1 \(under TCG\)$" "no_kvm's values named"
expect_rc 2 "an empty --set value" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" --set kernel_url=
expect_err_line "^render-job: error: --set kernel_url= is empty" "the empty value named"
expect_rc 2 "--set expect=MAYBE" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" --set expect=MAYBE
expect_rc 2 "--set variant=fixed,unfixed" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" --set variant=fixed,unfixed
expect_err_line "^render-job: error: --set variant=fixed,unfixed: give stock, fixed, unfixed or patch=FILE$" "variant's values named"
expect_rc 2 "a --set given twice" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" --set runs=2 --set runs=3
expect_err_line "^render-job: error: --set runs given twice" "the repeated --set named"
expect_rc 2 "a malformed --set" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" --set kernel_url
expect_err_line "^render-job: error: --set kernel_url: give NAME=VALUE" "the malformed --set named"
# --out: a file to write, never a folder or a device: usage (2), one line,
# nothing written or left beside it (the rename would replace a FIFO)
job_args=(--set kernel_version=1 --set kernel_url=k --set modules_url=m --set rootfs_url=r
	--set testdef_repo=g --set testdef_revision=v)
mkdir -p "$TMP/outdir/sub"
expect_rc 2 "--out a folder" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" "${job_args[@]}" --out "$TMP/outdir/sub"
expect_err_line "^render-job: error: --out $TMP/outdir/sub is a folder: give a file name, e.g. --out $TMP/outdir/sub/job.yaml$" \
	"--out a folder: one line with the fix"
eq "--out a folder: nothing written beside it" "$(ls -A "$TMP/outdir" "$TMP/outdir/sub" | grep -c render-job)" 0
mkfifo "$TMP/outdir/fifo"
expect_rc 2 "--out a FIFO" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" "${job_args[@]}" --out "$TMP/outdir/fifo"
expect_err_line "^render-job: error: --out $TMP/outdir/fifo is not a regular file" "--out a FIFO: one line"
ok "--out a FIFO: still a FIFO" test -p "$TMP/outdir/fifo"
ln -s "$TMP/outdir/target.yaml" "$TMP/outdir/link.yaml"
expect_rc 2 "--out a symlink" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" "${job_args[@]}" --out "$TMP/outdir/link.yaml"
expect_rc 0 "--out a new file in that folder" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" "${job_args[@]}" --out "$TMP/outdir/job.yaml"
eq "that folder: the job, the FIFO, the link and sub only" "$(ls -A "$TMP/outdir" | paste -sd' ')" "fifo job.yaml link.yaml sub"
# render-device.py's --out the same, found first (a FIFO would block its open)
expect_rc 2 "render-device.py --out a folder" -- "$L/render-device.py" "$L/devices/irqlbench-qemu01.jinja2" \
	--device-types "$TMP" --out "$TMP/outdir/sub"
expect_err_line "^render-device: error: --out $TMP/outdir/sub is a folder: give a file name, e.g. --out $TMP/outdir/sub/device.yaml$" \
	"render-device.py --out a folder: one line with the fix"
expect_rc 2 "render-device.py --out a FIFO" -- "$L/render-device.py" "$L/devices/irqlbench-qemu01.jinja2" \
	--device-types "$TMP" --out "$TMP/outdir/fifo"
expect_err_line "^render-device: error: --out $TMP/outdir/fifo is not a regular file" "render-device.py --out a FIFO: one line"
eq "no __pycache__ written into lava/" "$(ls -A "$L" | grep -c pycache)" 0
# values with YAML's special characters stay one scalar (|tojson)
expect_rc 0 "a URL with '#' and ': ' renders" -- "$L/render-job.py" "$L/jobs/x86-verify.yaml.j2" \
	--set kernel_version='6.1: x #1' --set kernel_url='http://h/k#frag: x' --set modules_url=m \
	--set rootfs_url=r --set testdef_repo=g --set testdef_revision=v --out "$TMP/special.yaml"
eq "the URL comes back as given" "$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["actions"][0]["deploy"]["kernel"]["url"])' special.yaml)" 'http://h/k#frag: x'

# --- broken jobs and test definitions are refused -------------------------------
python3 - "$TMP/qemu-lab-l1.yaml" "$L/irqlbench.yaml" "$TMP" <<'EOF'
import sys, yaml
job, tdef, d = yaml.safe_load(open(sys.argv[1])), yaml.safe_load(open(sys.argv[2])), sys.argv[3]
def w(name, data): yaml.safe_dump(data, open("%s/%s.yaml" % (d, name), "w"))
j = dict(job); del j["visibility"]; w("broken-no-visibility", j)
j = yaml.safe_load(open(sys.argv[1])); j["actions"][0]["deploy"]["to"] = "tmpfss"; w("broken-deploy-to", j)
j = yaml.safe_load(open(sys.argv[1])); j["actions"][2]["test"]["definitions"][0]["name"] = "irqlbench verify"; w("broken-testdef-name", j)
j = yaml.safe_load(open(sys.argv[1])); j["timeouts"]["job"] = {"minutes": 1}; w("broken-timeouts", j)
t = dict(tdef); t["metadata"] = dict(t["metadata"], format="Lava-Test Test Definition 2.0"); w("broken-testdef", t)
t = dict(tdef); t["run"] = {"step": ["./lava/irqlbench-lava.sh"]}; w("broken-testdef-run", t)
EOF
for b in no-visibility deploy-to testdef-name timeouts testdef testdef-run; do
	expect_rc 1 "broken job/test definition ($b) refused" -- "$L/validate.py" "$TMP/broken-$b.yaml"
	expect_grep "broken-$b.yaml: invalid (job|test definition): " "$TMP/out" "$b: one line naming the file and the problem"
done
"$L/validate.py" "$TMP/broken-deploy-to.yaml" >deploy-to.out || :
expect_grep 'invalid job: unknown action type at actions/deploy/tmpfss$' deploy-to.out "the bad deploy method named with its path"
expect_rc 1 "the good and a broken file together: exit 1" -- "$L/validate.py" "$L/irqlbench.yaml" "$TMP/broken-testdef.yaml"
expect_rc 2 "a file that is not YAML" -- "$L/validate.py" "$L/irqlbench-lava.sh"
expect_err_line "^validate: error: .*irqlbench-lava.sh is not YAML" "the non-YAML file named"

# --- lava-run --validate, device configurations as lava-server renders them ----
lavarun_note=
if ! command -v lava-run >/dev/null; then
	lavarun_note="lava-run checks skipped: lava-dispatcher is not installed (make deps)"
elif ! types=$("$L/device-types.sh" 2>"$TMP/types.err"); then
	lavarun_note="lava-run checks skipped: lava-server's device types could not be fetched: $(tail -n 1 "$TMP/types.err")"
else
	render_dev() { "$L/render-device.py" "$L/devices/$1.jinja2" --device-types "$types" --job "$TMP/$2.yaml" --out "$TMP/$2.device.yaml"; }
	expect_rc 0 "the qemu device dictionary renders with the job's context" -- render_dev irqlbench-qemu01 qemu-lab-l1
	expect_grep "EPYC,\+svm.*mount_tag=hostroot" "$TMP/qemu-lab-l1.device.yaml" "the job's extra_options reach the device's QEMU options"
	expect_rc 0 "the x86 device dictionary renders" -- render_dev irqlbench-x86-amd01 x86-verify
	# lava-run logs to stderr, a YAML flow mapping a line
	expect_rc 0 "qemu-lab-l1: lava-run --validate accepts it on its device" -- \
		lava-run --validate --job-id 1 --output-dir "$TMP/lr-q" --device qemu-lab-l1.device.yaml qemu-lab-l1.yaml
	expect_grep 'Job finished correctly' "$TMP/err" "qemu-lab-l1: lava-run's validation finished correctly"
	# an x86 worker serves the kernel over TFTP: the dispatcher's validation
	# reads tftpd-hpa's configuration; without it, that must be its only error
	if [ -r /etc/default/tftpd-hpa ]; then
		expect_rc 0 "x86-verify: lava-run --validate accepts it on its device" -- \
			lava-run --validate --job-id 1 --output-dir "$TMP/lr-x86" --device x86-verify.device.yaml x86-verify.yaml
		expect_grep 'Job finished correctly' "$TMP/err" "x86-verify: lava-run's validation finished correctly"
	else
		expect_rc 1 "x86-verify: lava-run --validate on a worker without tftpd-hpa" -- \
			lava-run --validate --job-id 1 --output-dir "$TMP/lr-x86" --device x86-verify.device.yaml x86-verify.yaml
		eq "x86-verify: its one error is the missing TFTP server" \
			"$(grep -o '"error_msg": "[^"]*"' "$TMP/err" | sort -u)" '"error_msg": "Unable to identify tftpd directory"'
		lavarun_note="x86 job: lava-run --validate stops at the TFTP server (tftpd-hpa) this machine lacks"
	fi
	# the dispatcher's own checks: a missing image, a device without the method
	sed "s|initrd.cpio.gz|missing.cpio.gz|" qemu-lab-l1.yaml >broken-missing.yaml
	expect_rc 1 "lava-run --validate refuses a job whose initrd does not exist" -- \
		lava-run --validate --job-id 1 --output-dir "$TMP/lr-m" --device qemu-lab-l1.device.yaml broken-missing.yaml
	expect_grep "Image file '[^']*missing.cpio.gz' does not exist" "$TMP/err" "lava-run names the missing file"
	expect_rc 1 "lava-run --validate refuses the x86 job on the qemu device" -- \
		lava-run --validate --job-id 1 --output-dir "$TMP/lr-x" --device qemu-lab-l1.device.yaml x86-verify.yaml
fi

# --- the test cases of real verdicts ---------------------------------------------
"$IRQLBENCH" verify --backend model --policy l61 --db v.db --out-dir l61 >/dev/null 2>&1
"$IRQLBENCH" verify --backend model --policy unfixed --db v.db --out-dir unfixed >/dev/null 2>&1
expect_rc 0 "cases of the l61 verdict (FIXED)" -- "$L/verdict-cases.sh" l61/verdict.json
cp "$TMP/out" l61.cases
eq "verify passes" "$(awk '$1 == "verify" { print $2 }' l61.cases)" pass
eq "verify.status is verify's exit status" "$(awk '$1 == "verify.status" { print $3 }' l61.cases)" 0
for e in seed-table:3 nested-spinlock-d2:3 nested-spinlock-d4:7 masked-clock:2; do
	want=$(jq -r --arg e "${e%%:*}" '.evidence[] | select(.entry == $e) | .write_cr8_per_iter.mean' l61/verdict.json)
	eq "${e%%:*}: write_cr8 per iteration as the verdict says" "$(awk -v n="${e%%:*}.write_cr8_per_iter" '$1 == n { print $2, $3, $4 }' l61.cases)" "pass $want exits/iteration"
	eq "${e%%:*}: the 2N-1 count of the fix" "$want" "${e#*:}"
done
eq "every case name is LAVA's [-_a-zA-Z0-9.]+" "$(awk '$1 !~ /^[-_a-zA-Z0-9.]+$/' l61.cases)" ""
eq "every result is pass, fail or skip" "$(awk '$2 !~ /^(pass|fail|skip)$/' l61.cases)" ""
expect_rc 0 "cases of the unfixed verdict" -- "$L/verdict-cases.sh" unfixed/verdict.json
eq "UNFIXED of the unfixed policy is what the control expects: pass" "$(awk '$1 == "verify" { print $2 }' "$TMP/out")" pass
eq "its late deliveries" "$(awk '$1 == "nested-spinlock-d2.late" { print $2, $3 }' "$TMP/out")" "pass 200"
expect_rc 0 "the unfixed verdict where FIXED is expected" -- "$L/verdict-cases.sh" unfixed/verdict.json --expect FIXED
eq "UNFIXED where FIXED is expected fails" "$(awk '$1 == "verify" || $1 == "masked-clock.write_cr8_per_iter" { print $2 }' "$TMP/out" | sort -u)" fail
jq '.verdict = "INCONCLUSIVE" | .status = 11 | .evidence[0].classes = {"fixed": 0, "unfixed": 0, "other": 1, "ignored": 0}' \
	l61/verdict.json >inconclusive.json
expect_rc 0 "cases of an INCONCLUSIVE verdict" -- "$L/verdict-cases.sh" inconclusive.json
eq "INCONCLUSIVE is skip, the entry that fits neither too" \
	"$(awk '$1 == "verify" || $1 == "seed-table.write_cr8_per_iter" { print $2 }' "$TMP/out" | sort -u)" skip
record=$(ls l61/seed-table-0/*.json | head -n 1)
expect_rc 2 "a file that is not a verdict (a record)" -- "$L/verdict-cases.sh" "$record"
expect_err_line "^irqlbench: error: .*is not an irqlbench verdict.*give the verdict.json" "one line naming the file and the fix"
expect_rc 2 "a bad --expect" -- "$L/verdict-cases.sh" l61/verdict.json --expect BROKEN
expect_err_line "^irqlbench: error: --expect BROKEN: use FIXED, UNFIXED, ON-TIME or LATE$" "the bad --expect named"

# --- the run step, with LAVA's own lava-test-case ------------------------------------
shell=/usr/lib/python3/dist-packages/lava_dispatcher/lava_test_shell
if [ -r "$shell/lava-test-case" ]; then
	mkdir -p bin
	# the dispatcher gives its helpers their interpreter line at deployment
	for f in lava-test-case lava-test-raise lava-common-functions; do { echo '#!/bin/sh'; cat "$shell/$f"; } >bin/$f; chmod +x bin/$f; done
	expect_rc 0 "lava/irqlbench-lava.sh (model l61) with LAVA's lava-test-case" -- \
		env PATH="$TMP/bin:$PATH" LAVA_RESULT_DIR="$TMP/lava-results" BACKEND=model POLICY=l61 OUT_DIR="$TMP/run" \
		TMPDIR="$TMP" "$L/irqlbench-lava.sh"
	expect_grep '^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=verify RESULT=pass>$' "$TMP/out" "the verify case signalled to LAVA"
	expect_grep '^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=nested-spinlock-d4.write_cr8_per_iter RESULT=pass UNITS=exits/iteration MEASUREMENT=7>$' \
		"$TMP/out" "nested-spinlock-d4's 7 write_cr8 exits per iteration signalled"
	eq "the results LAVA's script recorded" "$(cat lava-results/results/nested-spinlock-d4.write_cr8_per_iter/{result,measurement,units} | paste -sd' ')" "pass 7 exits/iteration"
	eq "one recorded case per line of verdict-cases.sh" "$(ls lava-results/results | wc -l)" "$(wc -l <l61.cases)"
	# a setting verify refuses: no finding about the kernel.  verify is
	# skip, LAVA gets a test error (the job ends Incomplete), exit 2
	expect_rc 2 "lava/irqlbench-lava.sh, a setting verify refuses, with LAVA's scripts" -- \
		env PATH="$TMP/bin:$PATH" LAVA_RESULT_DIR="$TMP/lava-results2" BACKEND=model VARIANT=fixed \
		OUT_DIR="$TMP/run-bad" TMPDIR="$TMP" "$L/irqlbench-lava.sh"
	expect_grep '^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=verify RESULT=skip>$' "$TMP/out" "verify signalled as skip"
	expect_grep "^<LAVA_SIGNAL_TESTRAISE irqlbench-lava: verify refused the settings \(exit 2\): irqlbench verify: --variant is a kvm_amd build's .*; fix BACKEND, VARIANT, POLICY, RUNS or ITERATIONS>$" \
		"$TMP/out" "a LAVA test error with verify's own line"
	eq "the one case LAVA's script recorded: verify skip" \
		"$(cd lava-results2/results && for c in *; do echo "$c $(cat "$c/result")"; done)" "verify skip"
else
	lavarun_note="${lavarun_note:+$lavarun_note; }LAVA's lava-test-case is not installed (lava-dispatcher): the run step checked without it"
fi
expect_rc 0 "the run step outside LAVA prints the lava-test-case lines" -- \
	env BACKEND=model POLICY=unfixed OUT_DIR="$TMP/run2" TMPDIR="$TMP" "$L/irqlbench-lava.sh"
expect_grep '^lava-test-case verify --result pass$' "$TMP/out" "the control's UNFIXED printed as a pass"
expect_rc 2 "a bad BACKEND" -- env BACKEND=xen "$L/irqlbench-lava.sh"
expect_err_line "^irqlbench-lava: error: BACKEND=xen: use auto, kvm, lab, guest or model$" "the bad BACKEND named"
expect_grep '^lava-test-case verify --result skip$' "$TMP/out" "a bad setting: verify skip"
expect_grep '^lava-test-raise irqlbench-lava: BACKEND=xen: use auto, kvm, lab, guest or model$' "$TMP/out" \
	"a bad setting: a LAVA test error (the job ends Incomplete)"
# POLICY and VARIANT: verify's names only, found before any build or run
for bad in "POLICY=nope" "POLICY=l61 --db /x" "POLICY=l61,l72" "POLICY=l61 l72" "VARIANT=nope" \
	"VARIANT=fixed,unfixed" "VARIANT=patch="; do
	expect_rc 2 "a bad setting: $bad" -- env BACKEND=model "$bad" OUT_DIR="$TMP/run3" TMPDIR="$TMP" "$L/irqlbench-lava.sh"
	expect_err_line "^irqlbench-lava: error: ${bad%%=*}=.*: use .*, or leave it empty$" "$bad: one line naming the values"
	eq "$bad: verify skip, a test error, nothing run" \
		"$(grep -c '^lava-test-case verify --result skip$' "$TMP/out") $(grep -c '^lava-test-raise irqlbench-lava: ' "$TMP/out") $(ls "$TMP/run3" 2>&1 >/dev/null | grep -c 'No such')" "1 1 1"
done
# a setting verify itself refuses (exit 2): not the kernel's failure
expect_rc 2 "a setting verify refuses (--variant with the model)" -- \
	env BACKEND=model VARIANT=fixed OUT_DIR="$TMP/run4" TMPDIR="$TMP" "$L/irqlbench-lava.sh"
expect_grep '^lava-test-case verify --result skip$' "$TMP/out" "verify's refusal: verify skip, not fail"
eq "verify's refusal: no case fails" "$(grep -c -- '--result fail' "$TMP/out")" 0
expect_grep "^lava-test-raise irqlbench-lava: verify refused the settings \(exit 2\): irqlbench verify: --variant is a kvm_amd build's" \
	"$TMP/out" "verify's refusal: a LAVA test error quoting verify's line"
expect_err_line "^irqlbench-lava: error: verify refused the settings \(exit 2\)" "verify's refusal: one line on stderr"
# the POLICY names are verify's (the model's policies)
eq "POLICY's names are the model's policies" \
	"$(sed -n 's/^POLICIES="\(.*\)"$/\1/p' "$L/irqlbench-lava.sh" | tr ' ' '\n' | sort | paste -sd' ')" \
	"$("$IRQLBENCH" list --suites --group verify --json | jq -r '.entries[0].policies | keys[]' | sort | paste -sd' ')"
finish "$lavarun_note"
