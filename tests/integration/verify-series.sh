#!/bin/bash
# irqlbench verify over kernels (docs/verify.md): --kernels LIST, the
# matrix kernel x variant, its positive control, the verdict files, KTAP.
#   - usage errors (2), before any kernel is fetched or L1 booted: --kernels
#     with --kernel or --variant, a kernel named twice, a bad series, a
#     --control not in the list, an unknown variant, --kernels off the lab;
#   - `verify --backend lab --kernels 6.1.176-1,6.1.192-2 --runs 1`: both
#     FIXED as Debian ships them; the control (6.1.176-1, the first) unfixed
#     UNFIXED and fixed FIXED; one L1 per kernel x variant; a verdict file
#     per cell next to its records, in the store ('results verdicts'); the
#     records name each kernel's Debian and upstream version and ABI; KTAP
#     that the kernel's own parser (tools/testing/kunit/kunit.py parse, from
#     the linux-source tarball) reads as 4 tests with 4 subtests each, and
#     'compare kernel=6.1.176-1 kernel=6.1.192-2' on the records;
#   - a suites file whose expectations are swapped: the control fails, and
#     every verdict is INCONCLUSIVE (a suite that cannot see the bug must
#     not say FIXED), exit 11;
#   - a kernel you built: verify --kernel-image IMAGE --modules ROOT (here
#     6.1.192-2's, from the cache) gives FIXED, its verdict file names it.
# Time here (2 cores, TCG L1, kernels and modules cached): ~3.5 min for the
# 4 L1s of the matrix, ~1 min for the 2 of the failing control.
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq bc kmod python3 linux-source-6.1
need_kernel_installer
K1=6.1.176-1 K2=6.1.192-2
DB=$TMP/series.db
since() { printf '%.0f' "$(echo "$(date +%s.%N) - $1" | bc)"; }

# refused NAME MESSAGE-REGEX ARGS...: 2, one line, nothing run or created
refused() {
	local name=$1 re=$2; shift 2
	"$IRQLBENCH" verify --out-dir "$TMP/$name" --db "$TMP/$name.db" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	eq "$name: exit 2" "$?" 2
	eq "$name: one error line" "$(grep -c . "$TMP/$name.err")" 1
	ok "$name: says '$re'" grep -Eq -- "$re" "$TMP/$name.err"
	eq "$name: nothing ran or created" \
		"$([ -e "$TMP/$name.db" ] && echo "store created")$([ -e "$TMP/$name" ] && echo "folder created")$(cat "$TMP/$name.out")" ""
}
refused with-kernel "--kernel is one kernel's; with --kernels give --variants" --kernels $K1 --kernel $K2
refused with-variant "--variant is one kernel's" --kernels $K1 --variant fixed
refused twice "--kernels names $K1 twice" --kernels $K1,$K2,$K1
refused both "--kernels and --series both name the kernels" --kernels $K1 --series 6.1
refused bad-kernel "--kernels: '../x' is no kernel" --kernels "$K1,../x"
refused bad-series "--series '6' is no series: give MAJOR.MINOR" --series 6
refused control "--control $K2 is not among the kernels" --kernels $K1 --control $K2
refused variants "--variants: unknown variant 'nope'" --kernels $K1 --variants stock,nope
refused model "--kernels verifies kernels in the lab: use --backend lab" --backend model --kernels $K1
refused lone-variants "--variants belongs to a series: give --kernels LIST or --series S" --variants stock
refused empty-tag "option '--tag' needs a value" --kernels $K1 --tag ""
refused empty-item "--kernels '$K1,,$K2' has an empty item" --kernels "$K1,,$K2"
refused unknown "--kernels: 6.1.999-1 is no kernel the archive has complete nor an installed image: see 'irqlbench kvm kernels'" \
	--kernels "$K1,6.1.999-1"
refused not-a-kernel "--kernels: /etc/passwd is no kernel" --kernels /etc/passwd
refused version-and-abi "--kernels names one kernel twice \($K2 and 6.1.0-56-amd64\)" --kernels "$K2,6.1.0-56-amd64"
refused patch-dir "--variants patch=/etc: /etc is no readable patch file" --kernels $K1 --variants patch=/etc
refused jobs-alone "--jobs belongs to a series" --backend lab --jobs 2

# --- the matrix, as KTAP (the text table: the failing control below) -----------------------
t0=$(date +%s.%N)
"$IRQLBENCH" verify --backend lab --kernels $K1,$K2 --runs 1 --iterations 100 --db "$DB" \
	--out-dir "$TMP/m" --tag series-test --format ktap >"$TMP/m.ktap" 2>"$TMP/m.err"
rc=$?
secs=$(since "$t0")
cat "$TMP/m.ktap"
eq "matrix: exit 0 (every kernel FIXED as shipped, the control as it should be)" "$rc" 0
[ "$rc" = 0 ] || tail -n 30 "$TMP/m.err"
echo "verify --kernels $K1,$K2 --runs 1 --iterations 100: $secs s"
cell() { jq -r .verdict "$TMP/m/$1/$2/verdict.json" 2>/dev/null; }
eq "matrix: $K1 stock" "$(cell $K1 stock)" FIXED
eq "matrix: $K2 stock" "$(cell $K2 stock)" FIXED
eq "matrix: control $K1 unfixed" "$(cell $K1 unfixed)" UNFIXED
eq "matrix: control $K1 fixed" "$(cell $K1 fixed)" FIXED
ok "ktap: the control line" grep -q "^# control: $K1 unfixed UNFIXED, fixed FIXED: ok" "$TMP/m.ktap"
ok "progress: a line per kernel x variant with its time" grep -Eq "^irqlbench verify: \[4/4\] $K2 stock: FIXED in [0-9.]+ s" "$TMP/m.err"
ok "progress: a line per run in L1" grep -Eq "^irqlbench: lab: .*stock .*nested-spinlock-d2-1: ok in [0-9.]+ s" "$TMP/m.err"
for kv in "$K1 unfixed" "$K1 fixed" "$K1 stock" "$K2 stock"; do
	set -- $kv
	d=$TMP/m/$1/$2
	eq "$1 $2: one L1 for its runs" "$(grep -c 'LAB-INIT: start' "$d/console.log" 2>/dev/null)" 1
	f=$d/verdict.json
	eq "$1 $2: verdict file" "$(jq -r '[.schema, .kernel.debian_version, .variant, .backend, .emulated, (.tags | join(","))] | join(" ")' "$f")" \
		"irqlbench-verdict/1 $1 $2 lab true series-test"
	eq "$1 $2: verdict file: the control" "$(jq -r '.control | [.kernel, .unfixed, .fixed, .ok] | join(" ")' "$f")" "$K1 UNFIXED FIXED true"
	eq "$1 $2: verdict file: its runs are the records of its folder" \
		"$(jq -r '.runs[].id' "$f" | sort | tr '\n' ' ')" \
		"$(jq -r .id "$d"/runs/*/record.json | sort | tr '\n' ' ')"
	eq "$1 $2: the records name the kernel" \
		"$(jq -r '.provenance.lab.kernel | "\(.debian_version) \(.upstream)"' "$d"/runs/*/record.json | sort -u)" \
		"$1 ${1%-*}"
	eq "$1 $2: the records say L1's package version too" \
		"$(jq -r '.provenance.host.kernel_package' "$d"/runs/*/record.json | sort -u)" "$1"
	eq "$1 $2: the records are tagged" "$(jq -r '.tags | join(",")' "$d"/runs/*/record.json | sort -u)" series-test
done
eq "verdict files: the module recipe (stock: shipped, unfixed: built with the revert)" \
	"$(jq -r '.module_recipe.origin' "$TMP/m/$K1/stock/verdict.json" "$TMP/m/$K1/unfixed/verdict.json" | tr '\n' ' ')" "shipped built "
"$IRQLBENCH" results verdicts --db "$DB" --json >"$TMP/v.json"
eq "results verdicts: kernel x variant" \
	"$(jq -r '.verdicts | map("\(.kernel)/\(.variant)=\(.verdict)") | sort | join(" ")' "$TMP/v.json")" \
	"$K1/fixed=FIXED $K1/stock=FIXED $K1/unfixed=UNFIXED $K2/stock=FIXED"
eq "results verdicts kernel=${K2%-*} (the upstream version selects)" \
	"$("$IRQLBENCH" results verdicts --db "$DB" --json kernel=${K2%-*} | jq -r '[.verdicts[].kernel] | join(" ")')" "$K2"
"$IRQLBENCH" results verdicts --db "$DB" >"$TMP/v.txt"
ok "results verdicts: a table" grep -Eq "^[0-9T:Z-]+ +lab +$K2 +${K2%-*} +6\.1\.0-56-amd64 +stock .* FIXED " "$TMP/v.txt"

# compare across kernels, by Debian version
"$IRQLBENCH" compare --db "$DB" "kernel=$K1,variant=stock,workload=nested-spinlock,depth=2" \
	"kernel=$K2,variant=stock,workload=nested-spinlock,depth=2" --metric 'exit.write_cr8*' >"$TMP/cmp" 2>"$TMP/cmp.err"
eq "compare kernel=$K1 kernel=$K2: exit" "$?" 0
cat "$TMP/cmp" "$TMP/cmp.err"
ok "compare: the write_cr8 exits of both" grep -q "exit.write_cr8/iter" "$TMP/cmp"

# the KTAP, read by the kernel's own parser
KUNIT=$BUILD_ABS/kunit
if [ ! -r "$KUNIT/tools/testing/kunit/kunit.py" ]; then
	rm -rf "$KUNIT.tmp" && mkdir -p "$KUNIT.tmp" &&
		tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$KUNIT.tmp" --strip-components=1 \
			--wildcards 'linux-source-6.1/tools/testing/kunit/*' &&
		rm -rf "$KUNIT" && mv "$KUNIT.tmp" "$KUNIT"
fi
python3 "$KUNIT/tools/testing/kunit/kunit.py" parse --json="$TMP/k.parsed.json" "$TMP/m.ktap" >"$TMP/k.parse" 2>&1
eq "kunit.py parse: exit 0 (every test passed)" "$?" 0
cat "$TMP/k.parse"
ok "kunit.py parse: no parser error" bash -c "! grep -Eq 'ERROR|could not find' '$TMP/k.parse'"
ok "kunit.py parse: 4 tests of 4 subtests, 16 passed" grep -q "Ran 16 tests: passed: 16" "$TMP/k.parse"
eq "kunit.py --json: the 4 kernel x variant tests" \
	"$(jq -r '[.sub_groups[] | "\(.name):\([.test_cases[] | select(.status == "PASS")] | length)"] | sort | join(" ")' "$TMP/k.parsed.json")" \
	"$K1.fixed:4 $K1.stock:4 $K1.unfixed:4 $K2.stock:4"

# --- a kernel you built: an image and its modules, as verify --kernel-image/--modules --------
KC=$BUILD_ABS/kernels/$K2/root
KABI=$(jq -r '.provenance.lab.kernel.abi' "$TMP/m/$K2/stock"/runs/*/record.json | head -n 1)
"$IRQLBENCH" verify --backend lab --kernel-image "$KC/boot/vmlinuz-$KABI" --modules "$KC" \
	--runs 1 --iterations 100 --db "$DB" --out-dir "$TMP/u" >"$TMP/u.out" 2>"$TMP/u.err"
eq "a kernel you built (--kernel-image/--modules): FIXED as shipped" "$? $(sed -n 's/^verdict: //p' "$TMP/u.out")" "0 FIXED"
eq "a kernel you built: its verdict file names it by its image" \
	"$(jq -r '[.kernel.origin, .kernel.abi, .module_recipe.origin] | join(" ")' "$TMP/u/verdict.json")" "user $KABI shipped"
"$IRQLBENCH" verify --backend lab --kernels $K1 --kernel-image "$KC/boot/vmlinuz-$KABI" --modules "$KC" \
	--db "$TMP/x.db" --out-dir "$TMP/x" >"$TMP/x.out" 2>"$TMP/x.err"
eq "--kernel-image with --kernels: exit 2, one line" "$? $(grep -c . "$TMP/x.err")" "2 1"

# --- a control that fails ---------------------------------------------------------------------
SUITES=$("$IRQLBENCH" list --suites --group verify --format json | jq -r .suites)
sed -E 's/^exits\.fixed *=/exits.tmp =/; s/^exits\.unfixed *=/exits.fixed =/; s/^exits\.tmp *=/exits.unfixed =/; s/^late\.fixed *=/late.tmp =/; s/^late\.unfixed *=/late.fixed =/; s/^late\.tmp *=/late.unfixed =/' \
	"$SUITES" >"$TMP/swapped.cfg"
IRQLBENCH_SUITES=$TMP/swapped.cfg "$IRQLBENCH" verify --backend lab --kernels $K2 --variants fixed \
	--runs 1 --iterations 100 --db "$TMP/ctl.db" --out-dir "$TMP/c" >"$TMP/c.out" 2>"$TMP/c.err"
eq "failed control: exit 11" "$?" 11
cat "$TMP/c.out"
ok "failed control: said" grep -q "^control: $K2 unfixed FIXED, fixed UNFIXED: FAILED" "$TMP/c.out"
eq "failed control: every cell of the table INCONCLUSIVE" \
	"$(awk -v k=$K2 '$1 == k && $3 !~ /:$/ { print $2 "=" $3 }' "$TMP/c.out" | sort | tr '\n' ' ')" \
	"fixed=INCONCLUSIVE unfixed=INCONCLUSIVE "
eq "failed control: the verdict files say why" \
	"$(jq -r '.verdict + " " + (.reason | startswith("positive control failed") | tostring)' "$TMP/c/$K2"/*/verdict.json | sort -u)" "INCONCLUSIVE true"
finish
