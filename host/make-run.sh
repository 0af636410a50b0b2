#!/bin/bash
# usage: host/make-run.sh [--plan]
#
# make run: the main job.  Runs the default suite on the best backend this
# machine has, stores the records, prints the fixed-vs-unfixed comparison,
# the verdict for the machine's own kernel where it can be measured, and
# the paths of the plots.  The verdict is decided from the records this run
# stored (verify --db --select): nothing is run twice.
#
# The default suite is the group default of workloads/suites.cfg (or of
# $IRQLBENCH_SUITES), read through 'irqlbench list --suites --format json';
# the comparison is that of the entries of group compare.
#
#   kvm    this host is an AMD SVM host with /dev/kvm and kvm_amd loaded:
#          the suite runs on the host's own KVM (its kernel as it is), and
#          'irqlbench verify --backend kvm' gives the running kernel's verdict
#          and its verdict file;
#   lab    otherwise: real kvm_amd in a virtual AMD host: 'irqlbench verify
#          --kernels NEWEST' on the newest complete Debian kernel of the
#          archive, its modules as Debian ships them (stock) and, as the
#          positive control, built fix-reverted and fixed (numbers from the
#          real kvm_amd code; the entries of group verify, one L1 per
#          variant); it prints the command that verifies the whole series;
#   model  always, for every policy: the instant, explainable companion;
#   guest  where /dev/kvm is usable but is not kvm_amd (kvm_intel, kvm_pvm):
#          'irqlbench verify --backend guest' judges that hypervisor from
#          what a guest alone observes (ON-TIME / LATE / INCONCLUSIVE).
#
#   --plan   print the backend and every command make run would run, one per
#            line on stdout, and exit: nothing is run, written or stored
#
# Environment: IRQLBENCH_RUN_BACKEND=kvm|lab|model forces the backend,
# IRQLBENCH_RUN_ITERATIONS (default 200) sets the iterations per run,
# IRQLBENCH_RUN_RUNS (default 2) the lab's runs of each entry of group verify,
# IRQLBENCH_SUITES=FILE another suites file.
#
# Prints the steps and the report on stdout.  Exit status: 0 every step
# worked; 1 some step failed (the lines above say which); 2 usage (a bad
# argument, an unknown backend, an error in the suites file); 3 environment
# (irqlbench not built, the suites file unreadable, on the kvm backend no
# right to trace kvm events).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
IRQ=$BUILD/bin/irqlbench
ITER=${IRQLBENCH_RUN_ITERATIONS:-200}
RUNS=${IRQLBENCH_RUN_RUNS:-2}
DB=${IRQLBENCH_DB:-results/irqlbench.db}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
TAG=make-run-$stamp
OUT=results/runs/make-run-$stamp

die() { echo "irqlbench: error: make run: $1" >&2; exit "${2:-1}"; }
plan=0
case $# in
0) ;;
1) [ "$1" = --plan ] || die "unknown argument '$1'; use --plan (print the commands) or nothing" 2
   plan=1 ;;
*) die "too many arguments; use --plan (print the commands) or nothing" 2 ;;
esac
[ -x "$IRQ" ] || die "$IRQ is missing; run 'make' first" 3
command -v jq >/dev/null || die "jq is missing; run host/install-deps.sh" 3

# step LOG CMD...: runs CMD with its output to LOG ('-': here); with --plan
# prints CMD, shell-quoted, instead
step() {
	local log=$1; shift
	if [ $plan = 1 ]; then
		local w line=
		for w in "$@"; do
			[[ $w =~ ^[A-Za-z0-9_./,=:+-]+$ ]] || w=$(printf '%q' "$w")
			line+="${line:+ }$w"
		done
		echo "$line"
		return 0
	fi
	if [ "$log" = - ]; then "$@"; else "$@" >"$log" 2>&1; fi
}
mkd() { [ $plan = 1 ] || mkdir -p "$@"; }

# The suite: NAME|WORKLOAD|VCPUS|PARAMS|SELECTOR for each entry of a group,
# one a line: PARAMS is iterations=ITER where the workload counts iterations
# and the entry's own parameters; SELECTOR those as ",k=v" for compare.
suite() {
	"$IRQ" list --suites --group "$1" --format json |
		jq -r --arg it "$ITER" '.entries[] | [.name, .workload, (.vcpus | tostring),
			([if .values | has("iterations") then "iterations=\($it)" else empty end] +
			 (.params | to_entries | map("\(.key)=\(.value)")) | join(" ")),
			(.params | to_entries | map(",\(.key)=\(.value)") | join(""))] | join("|")'
}
# args WORKLOAD "k=v ..." -> --workload WORKLOAD --param k=v ...
args() {
	printf -- '--workload\n%s\n' "$1"
	for p in $2; do printf -- '--param\n%s\n' "$p"; done
}
SUITE=$(suite default) || exit $?	# irqlbench printed why (status 2 or 3)
COMPARE=$(suite compare 2>/dev/null) || COMPARE=
mkd "$OUT"

amd_kvm_host() {
	grep -Eq '^vendor_id.*(AuthenticAMD|HygonGenuine)' /proc/cpuinfo &&
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
case $backend in
kvm|lab|model) ;;
*) die "unknown backend '$backend' (IRQLBENCH_RUN_BACKEND); use kvm, lab or model" 2 ;;
esac
# the kvm backend's exit trace needs tracefs: no right to it (not root, a
# locked-down kernel) is an environment error here, before any run, not a
# failed run each and an INCONCLUSIVE verdict after them
if [ $backend = kvm ] && [ $plan = 0 ]; then
	if grep -q '\[confidentiality\]' /sys/kernel/security/lockdown 2>/dev/null; then
		die "the kernel is locked down ([confidentiality] in /sys/kernel/security/lockdown), which closes tracefs to the kvm exit trace: boot it with lockdown=integrity or lockdown=none" 3
	elif [ "$(id -u)" != 0 ] && [ ! -w /sys/kernel/tracing/instances ]; then
		die "cannot create tracefs instances in /sys/kernel/tracing/instances: run make run as root (the kvm exit trace needs a tracefs instance; the kvm group gives /dev/kvm, not tracefs)" 3
	fi
fi
echo "make run: backend $backend: $why"
echo "make run: records in $OUT, store $DB, tag $TAG$([ $plan = 0 ] || echo '; the plan (--plan): nothing runs')"

failed=0
# 1. the model, every policy (instant); one simulated vCPU: the expectations
# are per vCPU
while IFS='|' read -r name wl vcpus params sel; do
	mapfile -t a < <(args "$wl" "$params")
	d=$OUT/model/$name
	mkd "$d"
	step "$d/model.log" "$IRQ" model --policy all --out-dir "$d" "${a[@]}" ||
		{ echo "make run: model $name failed: see $d/model.log"; failed=1; }
done <<<"$SUITE"

# 2. the measured backend
case $backend in
kvm|lab)
	while IFS='|' read -r name wl vcpus params sel; do
		mapfile -t a < <(args "$wl" "$params")
		[ "$vcpus" = 1 ] || a+=(--vcpus "$vcpus")
		d=$OUT/$backend/$name
		if [ $backend = kvm ]; then
			mkd "$d"
			step - "$IRQ" run --backend kvm --tag "$TAG" --out "$d/record.json" "${a[@]}" ||
				{ echo "make run: kvm $name failed: see $d"; failed=1; }
		fi
	done <<<"$SUITE" ;;
esac
# the lab: verify the newest complete Debian kernel as Debian ships it, with
# the positive control (its fix-reverted build must come out UNFIXED, its
# fixed build FIXED): one L1 per variant runs every entry of group verify
# RUNS times; the records are also what the report and comparison below use
v=
if [ $backend = lab ]; then
	kj=$("$IRQ" kvm kernels --json 2>&1)
	newest=$(jq -r '.kernels[0].version // empty' <<<"$kj" 2>/dev/null)
	[ -n "$newest" ] || die "no complete Debian kernel listed ('irqlbench kvm kernels': $(tail -n 1 <<<"$kj"))" 3
	[ $plan = 1 ] || echo "== verify: Debian's $newest as shipped (stock), with the positive control ($newest fix-reverted and fixed), in the lab"
	step - "$IRQ" verify --backend lab --kernels "$newest" --runs "$RUNS" --iterations "$ITER" \
		--db "$OUT/run.db" --out-dir "$OUT/lab" --tag "$TAG"
	v=$?
	[ $plan = 1 ] || echo "make run: the whole series, each kernel with its verdict file: irqlbench verify --backend lab --series ${newest%.*}"
fi

# 3. store everything (failed records are kept, flagged, and never compared):
# in this run's own store (the report below) and in the long-lived one
# The folder, not its files one by one: a folder import skips the JSON files
# that are no records (the lab's provenance.json, the kvm traces), where a
# file named on the command line that is no record is refused.
RUNDB=$OUT/run.db
recs=("$OUT")
for db in "$RUNDB" "$DB"; do
	step "$OUT/import.log" "$IRQ" results import --db "$db" "${recs[@]}" ||
		{ echo "make run: some records were refused by the store: see $OUT/import.log"; failed=1; }
done

# 4. the report, and the comparison of the entries of group compare
[ $plan = 1 ] || { echo; echo "== this run: exits per iteration and immediate deliveries (model policies and measured variants)"; }
step - "$IRQ" report --tables --db "$RUNDB"
[ $plan = 1 ] || echo
while IFS='|' read -r name wl vcpus params sel; do
	[ -n "$name" ] || continue
	case $backend in
	lab)
		[ $plan = 1 ] || echo "== lab: fix-reverted (base) vs fixed (new) kvm_amd, $name"
		step - "$IRQ" compare --db "$RUNDB" "backend=lab,variant=unfixed,workload=$wl$sel" \
			"backend=lab,variant=fixed,workload=$wl$sel" --metric 'exit*' --metric 'delivery*' ;;
	kvm)
		[ $plan = 1 ] || echo "== this host's KVM vs the model's fixed 6.1 (l61), $name"
		step - "$IRQ" compare --db "$RUNDB" "policy=l61,workload=$wl$sel" \
			"backend=kvm,workload=$wl$sel" --metric 'exit*' --metric 'delivery*' ;;
	esac
	[ $plan = 1 ] || echo
done <<<"$COMPARE"

# 5. the verdict for the machine's own kernel, where it can be measured,
# decided from the runs above as this run's store has them (nothing runs again)
case $backend in
kvm)	# the running kernel's kvm_amd, with its verdict file (verify runs group
	# verify RUNS times: milliseconds a run on the host itself)
	[ $plan = 1 ] || echo "== verify: this host's KVM, its running kernel"
	step - "$IRQ" verify --backend kvm --runs "$RUNS" --iterations "$ITER" --db "$RUNDB" \
		--out-dir "$OUT/kvm-verify" --tag "$TAG"; v=$?
	# its runs and verdict into the long-lived store too
	step "$OUT/import-verify.log" "$IRQ" results import --db "$DB" "$OUT/kvm-verify" ||
		{ echo "make run: the store refused the verify runs: see $OUT/import-verify.log"; failed=1; } ;;
lab)	# verified in step 2, with its control and verdict files
	;;
*)
	[ $plan = 1 ] || echo "== verify: model policy l61 (no measured backend; the model runs above)"
	step - "$IRQ" verify --db "$RUNDB" --select backend=model,policy=l61; v=$? ;;
esac
case $v in
0|10|11) ;;	# FIXED, UNFIXED, INCONCLUSIVE: a verdict, printed above with its reason
*) echo "make run: verify gave no verdict (exit $v: the line above says why)"; failed=1 ;;
esac

# 5b. a /dev/kvm this run may use that is not kvm_amd (kvm_intel, kvm_pvm, a
# cloud VM's nested KVM): the hypervisor judged from inside a guest, from
# what the guest alone observes (docs/guest-verdict.md); the runs and the
# verdict file go into the long-lived store
if [ $backend != kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_amd ]; then
	[ $plan = 1 ] || echo "== verify: this host's hypervisor ($(ls /sys/module | grep -E '^kvm_' | paste -sd, -)), from inside a guest"
	step - "$IRQ" verify --backend guest --iterations "$ITER" --db "$DB" \
		--out-dir "$OUT/guest-verify" --tag "$TAG"; g=$?
	case $g in
	0|10|11) ;;	# ON-TIME, LATE, INCONCLUSIVE
	*) echo "make run: the guest-side verify gave no verdict (exit $g: the line above says why)"; failed=1 ;;
	esac
fi

# 6. plots and the dashboard
[ $plan = 1 ] || echo
step - "$IRQ" plot --db "$DB" --out-dir plots/out || { echo "make run: plotting failed"; failed=1; }
[ $failed -eq 0 ] || die "some steps failed (see above); the records that completed are in $DB"
