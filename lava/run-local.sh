#!/bin/bash
# usage: run-local.sh [--kernel ABI|VERSION] [--out DIR] [--runs N] [--iterations N]
#                     [--validate-only]
# Runs one real LAVA job on this machine: lava-dispatcher's lava-run with a
# local qemu device (lava/devices/irqlbench-qemu01.jinja2, rendered with
# lava-server's qemu device type) boots the lab's L1 -- the kernel (the
# lab's choice: host/kvm/kernel-env.sh; --kernel as 'irqlbench lab' takes
# it) and the lab initramfs (host/lab/mkinitramfs.sh) -- and runs the test
# definition lava/irqlbench.yaml in it (lava/jobs/qemu-lab-l1.yaml.j2):
# irqlbench verify --backend kvm on that kernel's kvm_amd, L1 under TCG.
# The test definition is cloned from this repository at HEAD, the tree
# verify runs in is this one (built: make all).
#
# DIR (default build/lava/run-<utc>) gets job.yaml, device.yaml, lava.log
# (lava-run's output), results.txt (the test cases: name, result,
# measurement, units) and time.txt.  Prints the test cases and the job's
# outcome.  --validate-only stops after lava-run --validate.
# Exit: 0 the job completed and the verify case passed; 1 the job ran but
# the verdict was not the expected one, or the job was incomplete; 2
# usage; 3 environment (lava-dispatcher missing, not built, no kernel).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/host/kvm/kernel-env.sh"
usage() { echo "usage: run-local.sh [--kernel ABI|VERSION] [--out DIR] [--runs N] [--iterations N] [--validate-only]" >&2; exit 2; }
err() { echo "irqlbench: error: $1" >&2; exit "${2:-3}"; }

kernel= out= runs= iters= validate_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel|--out|--runs|--iterations) [ $# -ge 2 ] || usage ;;&
	--kernel) kernel=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--iterations) iters=$2; shift 2 ;;
	--validate-only) validate_only=1; shift ;;
	*) usage ;;
	esac
done
for n in "$runs" "$iters"; do
	[[ -z $n || $n =~ ^[1-9][0-9]*$ ]] || err "--runs and --iterations take a number, not '$n'" 2
done
command -v lava-run >/dev/null || err "lava-run is not installed; apt-get install lava-dispatcher (host/packages/optional/lava-dispatcher.txt)"
[ -x "$ROOT/build/bin/irqlbench" ] || err "$ROOT/build/bin/irqlbench is not built; run make all"
[ "$(id -u)" -eq 0 ] || err "lava-run needs root (it writes /var/lib/lava/dispatcher); run as root"
git -C "$ROOT" diff --quiet HEAD -- lava/irqlbench.yaml lava/irqlbench-lava.sh lava/verdict-cases.sh ||
	echo "irqlbench: warning: lava/ has uncommitted changes; LAVA clones the test definition at HEAD" >&2

rc=0
kenv_from_opts "$kernel" "" "" || rc=$?
[ $rc -eq 0 ] || exit $rc
initrd=$("$ROOT/host/lab/mkinitramfs.sh" "${KENV_PASS[@]}")
modroot=${KENV_MODROOT:-/}
out=${out:-$ROOT/build/lava/run-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
types=$("$HERE/device-types.sh")

set -- --set kernel_version="${KENV_VERSION:-$KENV_ABI}" --set kernel_url="file://$KENV_IMAGE" \
	--set initrd_url="file://$initrd" --set testdef_repo="$ROOT" \
	--set testdef_revision="$(git -C "$ROOT" rev-parse HEAD)" --set tree="$ROOT" --set modroot="$modroot"
[ -z "$runs" ] || set -- "$@" --set runs="$runs"
[ -z "$iters" ] || set -- "$@" --set iterations="$iters"
"$HERE/render-job.py" "$HERE/jobs/qemu-lab-l1.yaml.j2" "$@" --out "$out/job.yaml"
"$HERE/render-device.py" "$HERE/devices/irqlbench-qemu01.jinja2" --device-types "$types" \
	--job "$out/job.yaml" --out "$out/device.yaml"
"$HERE/validate.py" "$out/job.yaml" >/dev/null || err "the rendered job $out/job.yaml is not valid: $("$HERE/validate.py" "$out/job.yaml" | tail -n 1)"
echo "irqlbench: LAVA job for $KENV_ABI (${KENV_VERSION:-}) in $out: L1 $KENV_IMAGE, initramfs $initrd"
lava-run --validate --job-id 1 --output-dir "$out/validate" --device "$out/device.yaml" "$out/job.yaml" \
	>"$out/validate.log" 2>&1 || err "lava-run --validate refused the job (see $out/validate.log)" 1
[ $validate_only = 0 ] || { echo "irqlbench: lava-run --validate: ok"; exit 0; }

t0=$(date +%s.%N)
lrc=0
lava-run --job-id 1 --output-dir "$out/output" --device "$out/device.yaml" "$out/job.yaml" \
	>"$out/lava.log" 2>&1 || lrc=$?
t1=$(date +%s.%N)
secs=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")

# lava-run prints one YAML flow mapping a line, {dt, lvl, msg} (JSON but
# for tags such as ! "3.0"); the results are lvl "results", the job's end
# "Job finished correctly" or an error.
python3 - "$out/lava.log" "$out/results.txt" <<'EOF'
import sys, yaml
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
cases = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if '"lvl": "results"' not in line:
        continue
    try:
        entry = yaml.load(line, Loader=Loader)
    except yaml.YAMLError:
        continue
    if not isinstance(entry, dict):
        continue
    if entry.get("lvl") == "results" and isinstance(entry.get("msg"), dict):
        m = entry["msg"]
        if m.get("definition") == "lava":
            continue
        cases.append("%s %s %s %s" % (m.get("case"), m.get("result"),
                                      m.get("measurement", "-"), m.get("units", "-")))
with open(sys.argv[2], "w") as f:
    f.write("".join(c + "\n" for c in cases))
EOF
echo "seconds=$secs lava_run_status=$lrc" >"$out/time.txt"
cat "$out/results.txt"
if [ $lrc -ne 0 ] || ! grep -q 'Job finished correctly' "$out/lava.log"; then
	echo "irqlbench: LAVA job incomplete after $secs s (lava-run status $lrc): $(grep -o 'msg: .*' "$out/lava.log" | grep -i -E 'error|exception' | tail -n 1) (log $out/lava.log)" >&2
	exit 1
fi
verdict=$(awk '$1 == "verify" { print $2 }' "$out/results.txt")
echo "irqlbench: LAVA job complete in $secs s: verify ${verdict:-missing} (results $out/results.txt, log $out/lava.log)"
[ "$verdict" = pass ] || exit 1
exit 0
