#!/bin/bash
# make run: the main job.  Runs the default suite on the best backend this
# machine has, stores the records, prints the fixed-vs-unfixed comparison,
# the verdict for the machine's own kernel where it can be measured, and
# the paths of the plots.  The verdict is decided from the records this run
# stored (verify --db --select): nothing is run twice.
#
#   kvm    this host is an AMD SVM host with /dev/kvm and kvm_amd loaded:
#          the suite runs on the host's own KVM (its kernel as it is);
#   lab    otherwise: real kvm_amd builds, as Debian ships it (stock), fixed
#          and fix-reverted, in a virtual AMD host (numbers from the real
#          kvm_amd code);
#   model  always, for every policy: the instant, explainable companion.
#
# Environment: IRQLBENCH_RUN_BACKEND=kvm|lab|model forces the backend,
# IRQLBENCH_RUN_ITERATIONS (default 200) sets the iterations per run.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
IRQ=$BUILD/bin/irqlbench
ITER=${IRQLBENCH_RUN_ITERATIONS:-200}
DB=${IRQLBENCH_DB:-results/irqlbench.db}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
TAG=make-run-$stamp
OUT=results/runs/make-run-$stamp
mkdir -p "$OUT"

die() { echo "make run: error: $*" >&2; exit "${2:-1}"; }
[ -x "$IRQ" ] || die "$IRQ is missing: run 'make' first"

# The default suite: the workloads that tell a fixed KVM from an unfixed one.
SUITE=("seed-table" "nested-spinlock depth=1" "nested-spinlock depth=2"
       "nested-spinlock depth=4" "masked-clock")

amd_kvm_host() {
	grep -q '^vendor_id.*AuthenticAMD' /proc/cpuinfo &&
		grep -qw svm /proc/cpuinfo && [ -w /dev/kvm ] && [ -d /sys/module/kvm_amd ]
}

backend=${IRQLBENCH_RUN_BACKEND:-}
if [ -z "$backend" ]; then
	if amd_kvm_host; then
		backend=kvm
		why="this is an AMD SVM host with /dev/kvm and kvm_amd"
	else
		backend=lab
		why="no AMD SVM host KVM here ($(grep -m1 '^vendor_id' /proc/cpuinfo | sed 's/.*: //'), svm flag $(grep -qw svm /proc/cpuinfo && echo present || echo absent), kvm_amd $([ -d /sys/module/kvm_amd ] && echo loaded || echo 'not loaded'))"
	fi
else
	why="IRQLBENCH_RUN_BACKEND=$backend"
fi
echo "make run: backend $backend: $why"
echo "make run: records in $OUT, store $DB, tag $TAG"

params() {	# "workload k=v ..." -> --workload workload --param k=v ...
	local w=$1; shift
	printf -- '--workload\n%s\n--param\niterations=%s\n' "$w" "$ITER"
	for p in "$@"; do printf -- '--param\n%s\n' "$p"; done
}

failed=0
# 1. the model, every policy (instant)
for spec in "${SUITE[@]}"; do
	read -r -a words <<<"$spec"
	mapfile -t args < <(params "${words[@]}")
	d=$OUT/model/$(echo "$spec" | tr ' =' '--')
	mkdir -p "$d"
	"$IRQ" model --policy all --out-dir "$d" "${args[@]}" >"$d/model.log" 2>&1 ||
		{ echo "make run: model $spec failed: see $d/model.log"; failed=1; }
done

# 2. the measured backend
case $backend in
kvm)
	for spec in "${SUITE[@]}"; do
		read -r -a words <<<"$spec"
		mapfile -t args < <(params "${words[@]}")
		d=$OUT/kvm/$(echo "$spec" | tr ' =' '--'); mkdir -p "$d"
		"$IRQ" run --backend kvm --tag "$TAG" --out "$d/record.json" "${args[@]}" ||
			{ echo "make run: kvm $spec failed: see $d"; failed=1; }
	done ;;
lab)
	for spec in "${SUITE[@]}"; do
		read -r -a words <<<"$spec"
		mapfile -t args < <(params "${words[@]}")
		d=$OUT/lab/$(echo "$spec" | tr ' =' '--'); mkdir -p "$OUT/lab"
		echo "make run: lab stock,fixed,unfixed: $spec"
		"$IRQ" lab --variants stock,fixed,unfixed --out-dir "$d" --tag "$TAG" "${args[@]}" >"$d.log" 2>&1 ||
			{ echo "make run: lab $spec failed: $(tail -n 1 "$d.log")"; failed=1; }
	done ;;
model) ;;
*) die "unknown backend '$backend': use kvm, lab or model" 2 ;;
esac

# 3. store everything (failed records are kept, flagged, and never compared):
# in this run's own store (the report below) and in the long-lived one
mapfile -t recs < <(find "$OUT" -name '*.json' ! -name '*trace.json' | sort)
RUNDB=$OUT/run.db
for db in "$RUNDB" "$DB"; do
	"$IRQ" results import --db "$db" "${recs[@]}" >"$OUT/import.log" 2>&1 ||
		{ echo "make run: some records were refused by the store: see $OUT/import.log"; failed=1; }
done

# 4. the report
echo
echo "== this run: exits per iteration and immediate deliveries (model policies and measured variants)"
"$IRQ" report --tables --db "$RUNDB"
echo
case $backend in
lab)
	echo "== lab: fix-reverted (base) vs fixed (new) kvm_amd, nested-spinlock depth 2"
	"$IRQ" compare --db "$RUNDB" "backend=lab,variant=unfixed,workload=nested-spinlock,depth=2" \
		"backend=lab,variant=fixed,workload=nested-spinlock,depth=2" --metric 'exit*' --metric 'delivery*' ;;
kvm)
	echo "== this host's KVM vs the model's fixed 6.1 (l61), nested-spinlock depth 2"
	"$IRQ" compare --db "$RUNDB" "policy=l61,workload=nested-spinlock,depth=2" \
		"backend=kvm,workload=nested-spinlock,depth=2" --metric 'exit*' --metric 'delivery*' ;;
esac
echo

# 5. the verdict for the machine's own kernel, where it can be measured,
# decided from the runs above as this run's store has them (nothing runs again)
case $backend in
kvm)
	echo "== verify: this host's KVM (the kvm runs above)"
	"$IRQ" verify --db "$RUNDB" --select backend=kvm; v=$? ;;
lab)
	echo "== verify: kvm_amd of the lab's kernel as Debian ships it (the lab's stock runs above)"
	"$IRQ" verify --db "$RUNDB" --select backend=lab,variant=stock; v=$? ;;
*)
	echo "== verify: model policy l61 (no measured backend; the model runs above)"
	"$IRQ" verify --db "$RUNDB" --select backend=model,policy=l61; v=$? ;;
esac
case $v in
0|10|11) ;;	# FIXED, UNFIXED, INCONCLUSIVE: a verdict, printed above with its reason
*) echo "make run: verify gave no verdict (exit $v: the line above says why)"; failed=1 ;;
esac

# 6. plots and the dashboard
echo
"$IRQ" plot --db "$DB" --out-dir plots/out || { echo "make run: plotting failed"; failed=1; }
[ $failed -eq 0 ] || die "some steps failed (see above); the records that completed are in $DB"
