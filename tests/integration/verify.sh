#!/bin/bash
# irqlbench verify: every row of its exit statuses (cli.h), each with its
# effect.  It runs the entries of group verify of workloads/suites.cfg
# (read here from 'irqlbench list --suites --group verify --format json';
# the evidence names each).  FIXED (0) for the model's fixed, l61 and l72
# and the lab's fixed kvm_amd build; UNFIXED (10) for prefix, unfixed and
# the lab's fix-reverted build; INCONCLUSIVE (11) where CR8 writes never exit
# (avic), each with its evidence.  The runs go into the results store, and
# verify --db --select decides the same from the stored runs, running
# nothing (a QEMU on PATH that would say so is never started, the store and
# the working folder unchanged); its time is printed.  Usage errors (2) are
# one line, found before anything runs (no records directory, no store);
# --select of runs of more than one setup (backend, policy, variant, kernel,
# host) is refused (2), naming the field, two runs and a narrower selector;
# environment (3): the records cannot be kept, or a run could not be made
# (the child's own cause quoted); 5: no usable store; 77: --backend kvm on a
# host without AMD SVM.  A suites file that cannot be read is 3, a bad one
# or one without group verify 2, before anything runs.
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq
"$IRQLBENCH" list --suites --group verify --format json >"$TMP/verify.json" ||
	bail "irqlbench list --suites --group verify"
NV=$(jq '.entries | length' "$TMP/verify.json")	# what verify runs, per policy or variant
VNAMES=$(jq -r '.entries[].name' "$TMP/verify.json")
FIRST=$(head -n 1 <<<"$VNAMES")
[ "$NV" -gt 0 ] || bail "no entry in group verify"
DB=$TMP/verify.db
export IRQLBENCH_DB=$TMP/default.db	# the store of a verify without --db
# a QEMU that records that it was started: verify --select must never start one
mkdir -p "$TMP/trip" "$TMP/cwd"
for q in qemu-system-x86_64 qemu-system-i386; do
	printf '#!/bin/sh\necho "$0 $*" >>"%s/trip.log"\nexit 1\n' "$TMP" >"$TMP/trip/$q"
	chmod +x "$TMP/trip/$q"
done
stored_runs() { "$IRQLBENCH" results list --db "$DB" | tail -n 1; }
IRQ_ABS=$(realpath "$IRQLBENCH")

verify() {	# verify NAME EXPECTED-STATUS EXPECTED-VERDICT ARGS...
	local name=$1 want=$2 verdict=$3; shift 3
	local t0=$(date +%s%N)
	"$IRQLBENCH" verify --out-dir "$TMP/$name" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	local rc=$?
	echo "$rc" >"$TMP/$name.rc"
	echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$TMP/$name.ms"
	eq "$name: exit status" "$rc" "$want"
	eq "$name: verdict" "$(sed -n 's/^verdict: //p' "$TMP/$name.out")" "$verdict"
	for e in $VNAMES; do
		ok "$name: evidence has entry $e" grep -q "\[$e\]: " "$TMP/$name.out"
	done
	[ "$rc" = "$want" ] || { cat "$TMP/$name.out" "$TMP/$name.err"; }
}

# stored NAME SELECTOR: verify --db --select on the runs verify NAME stored
# gives its status and its whole output, and runs nothing
stored() {
	local name=$1 sel=$2 before t0 t1 rc
	before=$(stored_runs)
	t0=$(date +%s%N)
	(cd "$TMP/cwd" && PATH=$TMP/trip:$PATH "$IRQ_ABS" verify --db "$DB" --select "$sel") \
		>"$TMP/$name.stored.out" 2>"$TMP/$name.stored.err"
	rc=$?
	t1=$(date +%s%N)
	eq "$name from the store ($sel): exit status" "$rc" "$(cat "$TMP/$name.rc")"
	ok "$name from the store: the verdict, reason and evidence of the run" \
		cmp -s "$TMP/$name.out" "$TMP/$name.stored.out"
	eq "$name from the store: nothing on stderr" "$(cat "$TMP/$name.stored.err")" ""
	eq "$name from the store: no QEMU started" "$(cat "$TMP/trip.log" 2>/dev/null)" ""
	eq "$name from the store: nothing written" "$(ls -A "$TMP/cwd") $(stored_runs)" " $before"
	echo "verify --db --select $sel: $(sed -n 's/^verdict: //p' "$TMP/$name.stored.out"), $(( (t1 - t0) / 1000000 )) ms (the runs themselves: $(cat "$TMP/$name.ms") ms)"
}

# refused NAME STATUS MESSAGE-REGEX ARGS...: one error line, nothing run or created
refused() {
	local name=$1 want=$2 re=$3; shift 3
	IRQLBENCH_DB=$TMP/$name.db "$IRQLBENCH" verify --out-dir "$TMP/$name" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	eq "$name: exit status" "$?" "$want"
	eq "$name: one error line" "$(grep -c . "$TMP/$name.err")" 1
	ok "$name: says '$re'" grep -Eq -- "$re" "$TMP/$name.err"
	eq "$name: nothing ran" "$([ -e "$TMP/$name" ] && echo "$TMP/$name exists")$([ -e "$TMP/$name.db" ] && echo "store created")$(cat "$TMP/$name.out")" ""
}

for p in fixed l61 l72; do verify model-$p 0 FIXED --backend model --policy $p --db "$DB"; done
for p in prefix unfixed; do verify model-$p 10 UNFIXED --backend model --policy $p --db "$DB"; done
verify model-avic 11 INCONCLUSIVE --backend model --policy avic --db "$DB"
eq "the runs are in the store" "$(stored_runs)" "$((6 * NV)) runs"
for p in fixed l61 l72 prefix unfixed avic; do stored model-$p policy=$p; done
# the verdict file (irqlbench-verdict/1) next to the records, in the store
declare -A WANT=([fixed]=FIXED [l61]=FIXED [l72]=FIXED [prefix]=UNFIXED [unfixed]=UNFIXED [avic]=INCONCLUSIVE)
for p in fixed l61 l72 prefix unfixed avic; do
	eq "model-$p: its verdict file" \
		"$(jq -r '[.schema, .verdict, .status, .backend, .policy, (.runs | length), (.evidence | length)] | join(" ")' "$TMP/model-$p/verdict.json")" \
		"irqlbench-verdict/1 ${WANT[$p]} $(cat "$TMP/model-$p.rc") model $p $NV $NV"
	eq "model-$p: its runs are the runs in the store" \
		"$(jq -r '.runs[].id' "$TMP/model-$p/verdict.json" | sort | tr '\n' ' ')" \
		"$("$IRQLBENCH" results list --db "$DB" --json "policy=$p" | jq -r '.runs[].id' | sort | tr '\n' ' ')"
done
"$IRQLBENCH" results verdicts --db "$DB" --json >"$TMP/verdicts.json"
eq "results verdicts: one per verify" "$(jq '.verdicts | length' "$TMP/verdicts.json")" 6
eq "results verdicts: policy and verdict" "$(jq -r '.verdicts | map("\(.policy)=\(.verdict)") | sort | join(" ")' "$TMP/verdicts.json")" \
	"avic=INCONCLUSIVE fixed=FIXED l61=FIXED l72=FIXED prefix=UNFIXED unfixed=UNFIXED"
eq "results verdicts verdict=UNFIXED" "$("$IRQLBENCH" results verdicts --db "$DB" --json verdict=UNFIXED | jq -r '[.verdicts[].policy] | sort | join(" ")')" "prefix unfixed"
"$IRQLBENCH" results verdicts --db "$DB" nokey=1 >"$TMP/o" 2>"$TMP/e"
eq "results verdicts nokey=1: exit 2" "$?" 2
ok "results verdicts nokey=1: names the keys" grep -q "verdicts have no key 'nokey': select by id, kernel" "$TMP/e"
# results import takes verdict files, only with their runs in the store:
# new, then unchanged; other content under its id, a forged verdict refused.
# vimport WHAT FILE STATUS ERE: imported into other.db with that status,
# the output or error matching ERE
vimport() {
	"$IRQLBENCH" results import --db "$TMP/other.db" "$2" >"$TMP/o" 2>"$TMP/e"
	eq "$1: exit $3" "$?" "$3"
	ok "$1: says '$4'" grep -Eq -- "$4" "$TMP/o" "$TMP/e"
}
jq '.verdict = "UNFIXED" | .status = 10 | .id = "forged-1"' "$TMP/model-fixed/verdict.json" >"$TMP/forged1.json"
jq '.reason = "edited"' "$TMP/model-fixed/verdict.json" >"$TMP/forged.json"
jq 'del(.runs) | .id = "x-other"' "$TMP/model-fixed/verdict.json" >"$TMP/noruns.json"
vimport "a verdict file without its runs" "$TMP/model-fixed/verdict.json" 2 "is not in the store: import its records first"
vimport "the verify folder: its runs, then its verdict" "$TMP/model-fixed" 0 "^imported  verdict "
vimport "a verdict its runs do not decide" "$TMP/forged1.json" 2 "it says UNFIXED, its runs decide FIXED"
vimport "the verdict again" "$TMP/model-fixed/verdict.json" 0 "^unchanged verdict "
vimport "other content under its id" "$TMP/forged.json" 2 "already in the store with other content"
vimport "a verdict without runs" "$TMP/noruns.json" 2 "runs is no array"
eq "the other store: the one verdict" "$("$IRQLBENCH" results verdicts --db "$TMP/other.db" --json | jq -r '[.verdicts[] | .verdict] | join(" ")')" FIXED

# --policy alone means the model; without --db the store is $IRQLBENCH_DB
verify policy-alone 10 UNFIXED --policy prefix
ok "policy-alone: ran the model" grep -q 'model policy prefix' "$TMP/policy-alone.err"
eq "policy-alone: imported into \$IRQLBENCH_DB" "$("$IRQLBENCH" results list --db "$IRQLBENCH_DB" | tail -n 1)" "$NV runs"

# usage: 2, before any run
refused bogus 2 "unknown option '--bogus'" --bogus
refused no-value 2 "option '--backend' needs a value" --backend
refused extra 2 "unexpected argument 'extra'" extra
refused backend 2 "unknown backend 'nope': use model, lab, kvm or guest" --backend nope
refused policy 2 "unknown policy 'nope': use one of prefix, fixed, l61" --policy nope
refused policy-model 2 "unknown policy 'nope'" --backend model --policy nope
refused policy-all 2 "--policy all: verify gives one verdict for one kernel; give one policy .*irqlbench model --policy all" \
	--backend model --policy all
refused policy-list 2 "--policy takes one policy, not a list" --backend model --policy fixed,prefix
refused variant-model 2 "--variant is a kvm_amd build's \\(lab, kvm\\); with --backend model give --policy" \
	--backend model --variant fixed
refused policy-lab 2 "--policy is the model's; with --backend lab give --variant" --backend lab --policy l61
refused policy-variant 2 "--variant is a kvm_amd build's" --policy l61 --variant fixed
refused kernel-model 2 "--kernel is the lab's L1 kernel" --backend model --kernel 6.1.0-56-amd64
refused policy-kvm 2 "--policy is the model's; with --backend kvm drop it" --backend kvm --policy l61
refused variant 2 "unknown variant 'nope': use stock, fixed, unfixed or patch=FILE" --backend lab --variant nope
refused variant-list 2 "--variant takes one variant, not a list" --backend lab --variant fixed,unfixed
refused patch 2 "--variant patch=$TMP/none.patch: cannot read" --backend lab --variant "patch=$TMP/none.patch"
refused runs 2 "--runs 65: give a number in 1..64" --backend model --runs 65
refused iterations 2 "--iterations 0: give a number in 1..1000000" --backend model --iterations 0
refused select-out-dir 2 "--backend runs workloads, --select decides from stored runs: drop one of them" \
	--select policy=l61 --backend model
refused select-out-dir-alone 2 "--out-dir with --select keeps a guest-side verdict file: add --backend guest, or drop --out-dir" \
	--select policy=l61
for o in "--backend model" "--policy l61" "--variant fixed" "--kernel 6.1.0-57-amd64" "--iterations 9" "--runs 2"; do
	IRQLBENCH_DB=$TMP/sel.db "$IRQLBENCH" verify --select policy=l61 $o >"$TMP/o" 2>"$TMP/e"
	eq "--select with $o: exit status" "$?" 2
	eq "--select with $o: one line naming both" "$(cat "$TMP/e")" \
		"irqlbench verify: ${o% *} runs workloads, --select decides from stored runs: drop one of them: see 'irqlbench verify --help'"
done
eq "--select with a run option: no store created" "$(ls "$TMP"/sel.db* 2>/dev/null)" ""
refused select-bad 2 "--select x'y=1: bad selector key 'x'y'" --select "x'y=1"
# the suites file: read before anything runs, with its own status
printf '[x]\nworkload = nope\n' >"$TMP/bad.cfg"
sed -E '/^groups/s/([ =])verify( |$)/\1\2/' "$(jq -r .suites "$TMP/verify.json")" >"$TMP/noverify.cfg"
IRQLBENCH_SUITES=$TMP/none.cfg refused suites-none 3 "cannot read the suites file $TMP/none.cfg: .*set IRQLBENCH_SUITES=FILE" \
	--backend model
IRQLBENCH_SUITES=$TMP/bad.cfg refused suites-bad 2 "^irqlbench: $TMP/bad.cfg:2: unknown workload 'nope'" --backend model
IRQLBENCH_SUITES=$TMP/bad.cfg "$IRQLBENCH" verify --db "$DB" --select policy=l61 >"$TMP/o" 2>"$TMP/e"
eq "--select, bad suites file: exit status" "$?" 2
eq "--select, bad suites file: one line, nothing else" "$(cat "$TMP/e" "$TMP/o")" \
	"irqlbench: $TMP/bad.cfg:2: unknown workload 'nope': see 'irqlbench list'"
IRQLBENCH_SUITES=$TMP/noverify.cfg refused suites-noverify 2 "verify: $TMP/noverify.cfg has no entry in group verify: add verify to the groups" \
	--backend model
# --select: a store that is not there (5), a selector that matches nothing (2)
"$IRQLBENCH" verify --db "$TMP/none.db" --select policy=l61 >"$TMP/o" 2>"$TMP/e"
eq "--select, no store: exit status" "$?" 5
eq "--select, no store: one line naming the fix" "$(grep -c . "$TMP/e") $(grep -c "no results store at $TMP/none.db: import records first" "$TMP/e")" "1 1"
eq "--select, no store: none created" "$(ls "$TMP"/none.db* 2>/dev/null)" ""
"$IRQLBENCH" verify --db "$DB" --select policy=l61,depth=3 >"$TMP/o" 2>"$TMP/e"
eq "--select matching nothing: exit status" "$?" 2
eq "--select matching nothing: one line naming the fix" "$(cat "$TMP/e")" \
	"irqlbench: verify: no runs match 'policy=l61,depth=3' in $DB: see 'irqlbench results list --db $DB policy=l61,depth=3'"

# --select: one verdict is of one setup (backend, policy, variant, kernel,
# host).  A selection of runs of more than one is refused (2), one line
# naming the field, two of its runs and a narrower --select; nothing is
# decided.  The model's fixed runs beside the synthetic lab's fixed and
# fix-reverted ones (tests/fixtures/records), and copies of those on
# another L1 kernel and another host.
"$ROOT/tests/fixtures/records/gen-records.sh" "$TMP/synth" 5 >/dev/null || bail "gen-records.sh"
mkdir -p "$TMP/synth-lab" "$TMP/synth-kernel" "$TMP/synth-host"
for d in "$TMP"/synth/*-lab-nested-spinlock-*; do
	n=$(basename "$d")
	cp -r "$d" "$TMP/synth-lab/$n"
	for k in kernel host; do
		mkdir -p "$TMP/synth-$k/$n-$k"
		cp "$d/serial.log" "$TMP/synth-$k/$n-$k/"
	done
	jq '.id += "-kernel" | .provenance.host.kernel = "6.1.0-99-amd64"' "$d/record.json" >"$TMP/synth-kernel/$n-kernel/record.json"
	jq '.id += "-host" | .provenance.host.hostname = "other-host"' "$d/record.json" >"$TMP/synth-host/$n-host/record.json"
	# another Debian revision of the same ABI (6.1.192-2 and -3 are both 6.1.0-56-amd64 here)
	mkdir -p "$TMP/synth-rev/$n-rev"
	cp "$d/serial.log" "$TMP/synth-rev/$n-rev/"
	jq '.id += "-rev" | .provenance.lab.kernel.debian_version = "6.1.176-2"' "$d/record.json" >"$TMP/synth-rev/$n-rev/record.json"
done
MIX=$TMP/mixed.db
for src in "$TMP/model-fixed" "$TMP/model-l61" "$TMP/model-l72" "$TMP/synth-lab"; do
	"$IRQLBENCH" results import --db "$MIX" "$src" >/dev/null 2>&1 || bail "import $src into $MIX"
done
# mixed NAME SELECTOR FIELD TERM [DB]: refused, naming FIELD, two runs of the
# selection with their values, and --select TERM
mixed() {
	local name=$1 sel=$2 field=$3 term=$4 db=${5:-$MIX}
	"$IRQLBENCH" verify --db "$db" --select "$sel" >"$TMP/o" 2>"$TMP/e"
	eq "$name ($sel): exit status" "$?" 2
	eq "$name: nothing decided" "$(cat "$TMP/o")" ""
	eq "$name: one error line" "$(grep -c . "$TMP/e")" 1
	ok "$name: names the $field and two of its runs" grep -Eq \
		"^irqlbench: verify: --select '[^']*' selects runs of more than one $field: [^ ]+ \([^)]+\) and [^ ]+ \([^)]+\): one verdict is of one backend, policy, variant, kernel and host; narrow --select, e\.g\. --select '$term'\$" "$TMP/e"
	# the two runs it names are runs of the selection, one value each
	local a b
	read -r a b < <(sed -E 's/.*: ([^ ]+) \([^)]+\) and ([^ ]+) \(.*/\1 \2/' "$TMP/e")
	ok "$name: the two runs named are selected" test -n "$a" -a -n "$b" -a \
		"$("$IRQLBENCH" results export --db "$db" --include-failed "$sel" | jq --arg a "$a" --arg b "$b" '[.[].id | select(. == $a or . == $b)] | length')" = 2
	[ "$(grep -c . "$TMP/e")" = 1 ] || cat "$TMP/o" "$TMP/e"
}
# the model's fixed runs and the lab's fixed build under one glob: pooled,
# they said FIXED for no one setup
mixed "the model's and the lab's fixed runs" 'id=*-fixed-*' backend 'id=\*-fixed-\*,backend=(model|lab)'
mixed "the lab's fixed and fix-reverted builds" 'backend=lab' variant 'backend=lab,variant=(fixed|unfixed)'
mixed "two model policies" 'policy=l*' policy 'policy=l(61|72)'
"$IRQLBENCH" results import --db "$TMP/kernels.db" "$TMP/synth-lab" "$TMP/synth-kernel" >/dev/null 2>&1
mixed "the lab's fixed build on two L1 kernels" 'variant=fixed' kernel \
	'variant=fixed,kernel=6\.1\.0-(56|99)-amd64' "$TMP/kernels.db"
"$IRQLBENCH" results import --db "$TMP/hosts.db" "$TMP/synth-lab" "$TMP/synth-host" >/dev/null 2>&1
"$IRQLBENCH" results import --db "$TMP/revs.db" "$TMP/synth-lab" "$TMP/synth-rev" >/dev/null 2>&1
mixed "the lab's fixed build on two Debian revisions of one ABI" 'variant=fixed' kernel \
	'variant=fixed,kernel=6\.1\.176-(1|2)' "$TMP/revs.db"
mixed "the lab's fixed build on two hosts" 'variant=fixed' host 'variant=fixed,host=(fixture|other-host)' "$TMP/hosts.db"
# narrowed to one setup, a verdict, and --json names that setup
"$IRQLBENCH" verify --db "$MIX" --select 'id=*-fixed-*,backend=model' --json >"$TMP/o" 2>"$TMP/e"
eq "narrowed to the model's fixed runs: FIXED" "$?" 0
eq "narrowed: --json names the setup" "$(jq -c '[.verdict, .backend, .policy, .variant, .kernel]' "$TMP/o")" \
	'["FIXED","model","fixed",null,null]'
"$IRQLBENCH" verify --db "$MIX" --select 'backend=lab,variant=fixed' --json >"$TMP/o" 2>"$TMP/e"
eq "narrowed to the lab's fixed build: FIXED" "$?" 0
eq "narrowed: the lab's setup, its L1 kernel" "$(jq -c '[.verdict, .backend, .policy, .variant, .kernel]' "$TMP/o")" \
	'["FIXED","lab",null,"fixed","6.1.0-56-amd64"]'
# a verdict file over runs of two setups is refused by results import
lab1=$("$IRQLBENCH" results list --db "$MIX" --json 'backend=lab,variant=fixed' | jq -r '.runs[0].id')
jq --arg id "$lab1" '.runs += [{id: $id}] | .id = "forged-mixed"' "$TMP/model-fixed/verdict.json" >"$TMP/forged-mixed.json"
"$IRQLBENCH" results import --db "$MIX" "$TMP/forged-mixed.json" >"$TMP/o" 2>"$TMP/e"
eq "a verdict file over the model's and the lab's runs: refused" "$?" 2
ok "refused: its runs are of two backends" grep -q "it says FIXED of runs of more than one backend: .* (model) and $lab1 (lab)" "$TMP/e"

# environment: 3, one line naming the fix
: >"$TMP/file"
"$IRQLBENCH" verify --backend model --out-dir "$TMP/file/x" >/dev/null 2>"$TMP/e"
eq "unwritable --out-dir: exit status" "$?" 3
eq "unwritable --out-dir: one line naming the fix" \
	"$(grep -c . "$TMP/e") $(grep -c 'cannot create .*: choose another --out-dir' "$TMP/e")" "1 1"
# a store that is no store: 5, before any run
echo "not a database, a text file long enough to be read as one" >"$TMP/file"
"$IRQLBENCH" verify --backend model --db "$TMP/file" --out-dir "$TMP/notdb" >"$TMP/o" 2>"$TMP/e"
eq "--db not a store: exit status" "$?" 5
eq "--db not a store: one line naming the fix" \
	"$(grep -c . "$TMP/e") $(grep -c "$TMP/file is not an SQLite database" "$TMP/e")" "1 1"
eq "--db not a store: nothing ran" "$(ls -A "$TMP/notdb" 2>/dev/null)$(cat "$TMP/o")" ""
# a run that cannot be made ends verify with the child's status and cause
# (the lab's kernel check, before any module build or L1 boot)
"$IRQLBENCH" verify --backend lab --kernel 9.9.9-nope --out-dir "$TMP/lab-nokernel" >"$TMP/o" 2>"$TMP/e"
eq "lab, no such kernel: exit status" "$?" 3
ok "lab, no such kernel: the child's cause, quoted" \
	grep -q "verify: lab 9.9.9-nope stock (exit 3): kernel image /boot/vmlinuz-9.9.9-nope is not installed" "$TMP/e"
eq "lab, no such kernel: no verdict printed" "$(grep -c '^verdict:' "$TMP/o")" 0

# not applicable: 77 on a host without AMD SVM, before any run
if have_amd_svm; then
	echo "not-applicable row skipped: this host has AMD SVM"
else
	refused kvm-here 77 "verify: --backend kvm is not applicable on this host: the CPU is .* without .*SVM .*use --backend guest .*--backend lab" \
		--backend kvm
fi

if [ -n "${IRQLBENCH_SKIP_LAB:-}" ]; then
	echo "lab part skipped: IRQLBENCH_SKIP_LAB is set"
else
	# --runs 1: each entry once, all four in one L1 (the series test runs more)
	verify lab-fixed 0 FIXED --backend lab --variant fixed --iterations 50 --runs 1 --db "$DB"
	verify lab-unfixed 10 UNFIXED --backend lab --variant unfixed --iterations 50 --runs 1 --db "$DB"
	for v in fixed unfixed; do
		eq "lab-$v: one L1 for all its runs" "$(cat "$TMP/lab-$v"/$v/console.log 2>/dev/null | grep -c 'LAB-INIT: start')" 1
		eq "lab-$v: the verdict file" "$(jq -r '[.schema, .verdict, .variant, .backend] | join(" ")' "$TMP/lab-$v/verdict.json")" \
			"irqlbench-verdict/1 $(sed -n 's/^verdict: //p' "$TMP/lab-$v.out") $v lab"
	done
	stored lab-fixed backend=lab,variant=fixed
	stored lab-unfixed backend=lab,variant=unfixed
fi
finish
