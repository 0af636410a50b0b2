#!/bin/bash
# `irqlbench plot`: every gnuplot script gives a non-empty PNG (a real
# picture: many colours, drawn pixels) and SVG from a small store of
# synthetic records, the data files hold the expected numbers (2N-1 vs 1),
# and an empty store still gives placeholder plots.
. "$(dirname "$0")/lib.sh"
need_built "$PNGCHECK"
need_pkg gnuplot-nox jq

"$GEN" "$T/rec" 2 >/dev/null
DB=$T/store/irqlbench.db
"$IRQ" results import --db "$DB" "$T/rec" >/dev/null || bail "import"
plots="cr8-vs-depth cdf-dpc-delay cdf-irq-latency exits-stacked trend kernel-exits kernel-late kernel-latency"

expect_rc 0 "plot --out-dir" -- "$IRQ" plot --db "$DB" --out-dir "$T/out-plots" --no-dashboard
for p in $plots; do
	png=$T/out-plots/$p.png svg=$T/out-plots/$p.svg
	if info=$("$PNGCHECK" "$png" 20 10); then ok "$p.png is a picture ($info)"; else bad "$p.png: $info"; fi
	if [ -s "$svg" ] && grep -q '<svg' "$svg" && [ "$(grep -c '<path' "$svg")" -gt 5 ]; then
		ok "$p.svg has $(grep -c '<path' "$svg") paths"
	else bad "$p.svg empty or not SVG"; fi
done
[ ! -e "$T/store/dashboard" ] && ok "--no-dashboard writes no dashboard" || bad "dashboard written with --no-dashboard"

d=$T/out-plots/data
# model:fixed 2N-1, model:prefix 1 at N = 1..4; lab at N = 2
expect_grep '^"N" "model:fixed"$' "$d/cr8-vs-depth.dat" "depth data: a model:fixed series"
awk '/"model:fixed"/{f=1;next} /^"N"/{f=0} f && NF==2{print}' "$d/cr8-vs-depth.dat" | tr '\n' ' ' >"$T/fixed"
awk '/"model:prefix"/{f=1;next} /^"N"/{f=0} f && NF==2{print}' "$d/cr8-vs-depth.dat" | tr '\n' ' ' >"$T/prefix"
[ "$(cat "$T/fixed")" = "1 1 2 3 3 5 4 7 " ] && ok "fixed: 2N-1 ($(cat "$T/fixed"))" || bad "fixed series: $(cat "$T/fixed")"
[ "$(cat "$T/prefix")" = "1 1 2 1 3 1 4 1 " ] && ok "prefix: 1 ($(cat "$T/prefix"))" || bad "prefix series: $(cat "$T/prefix")"
# the grey expected lines are workloads/suites.cfg's, not the plot's own
exp=$(grep '^[0-9]' "$d/cr8-vs-depth-expected.dat" | tr '\n' ' ')
[ "$exp" = "1 1 1 2 3 1 3 5 1 4 7 1 " ] && ok "expected lines from suites.cfg: N fixed unfixed = $exp" || bad "expected lines: $exp"
sed 's/^exits\.fixed = dpc \* (1 + 2 \* (depth - 1) \* (1 - elide_same_level))$/exits.fixed = dpc * 4 * depth/' \
	"$ROOT/workloads/suites.cfg" >"$T/suites.cfg"
IRQLBENCH_SUITES=$T/suites.cfg "$IRQ" plot --db "$DB" --out-dir "$T/out-exp" --no-dashboard >/dev/null 2>&1
exp=$(grep '^[0-9]' "$T/out-exp/data/cr8-vs-depth-expected.dat" | tr '\n' ' ')
[ "$exp" = "1 4 1 2 8 1 3 12 1 4 16 1 " ] && ok "an edited suites file moves the expected line ($exp)" || bad "edited suites: expected lines $exp"
expect_grep '^"nested-spinlock N=2 lab:fixed" [0-9.]+ 0\.002 [0-9.]+ 0 3$' "$d/exits-stacked.dat" "stacked: lab fixed N=2 has 3 write_cr8, 0 vintr"
# in µs: the bucket bounds (at most the max, 1e7 - 1 or 2e7 - 1 cycles) by
# the records' guest.tsc_hz
hz=$(jq -r .guest.tsc_hz "$(ls -d "$T"/rec/*/ | head -1)/record.json")
top=$(awk -v hz="$hz" 'BEGIN { printf "^(%.6g|%.6g) 1$", 9999999 / hz * 1e6, 19999999 / hz * 1e6 }')
expect_grep "$top" "$d/cdf-dpc-delay.dat" "CDF reaches 1 at the max in µs ($top)"
expect_grep '^"us" ' "$d/cdf-dpc-delay.dat" "CDF series in µs"
# the failed run is not plotted
if grep -q 'failed' "$d/trend.dat"; then bad "failed run in the trend"; else ok "failed run left out of the plots"; fi
n=$(grep -c '^[0-9]' "$d/trend.dat")
[ "$n" -eq 24 ] && ok "trend: the 24 complete runs that have exit counts (not tcg)" || bad "trend has $n points, want 24"

# --metric and --select
expect_rc 0 "plot --metric delivery.immediate_pct --select backend=lab" -- \
	"$IRQ" plot --db "$DB" --out-dir "$T/p2" --no-dashboard --metric delivery.immediate_pct --select backend=lab
if grep -q 'model:' "$T/p2/data/trend.dat"; then bad "--select backend=lab kept model runs"; else ok "--select filters runs"; fi

# an empty store: placeholders, still valid pictures
mkdir -p "$T/no-records"
"$IRQ" results import --db "$T/empty/irqlbench.db" "$T/no-records" >/dev/null || bail "an empty store"
expect_rc 0 "plot from an empty store" -- "$IRQ" plot --db "$T/empty/irqlbench.db" --out-dir "$T/p3"
for p in $plots; do
	"$PNGCHECK" "$T/p3/$p.png" 3 1 >/dev/null && [ -s "$T/p3/$p.svg" ] && ok "empty store: $p placeholder" || bad "empty store: $p"
done

# --- a run that fails leaves the plots and the dashboard as they were ----------
# $T/pf and $T/pf-dash hold a complete result (and a file of the user's own);
# a run that fails - no gnuplot, the last figure's gnuplot failing, a folder
# read-only, the dashboard's img/ another mount (its commit fails after the
# plots' went in) - changes neither and lists nothing, and one into new
# folders leaves none.  The runs select other runs (backend=lab): what they
# wrote would differ.
expect_rc 0 "plot with a dashboard" -- "$IRQ" plot --db "$DB" --out-dir "$T/pf" --dashboard "$T/pf-dash"
touch "$T/pf/notes.txt"
state() { tree_state "$T/pf"; tree_state "$T/pf-dash"; }
PF=(plot --db "$DB" --out-dir "$T/pf" --dashboard "$T/pf-dash" --select backend=lab)
expect_no_change 3 "^irqlbench: cannot run gnuplot \(No such file or directory\): install gnuplot-nox \('make deps'\)$" \
	"no gnuplot" -- no_gnuplot "$IRQ" "${PF[@]}"
[ ! -s "$T/out" ] && ok "no gnuplot: nothing listed on stdout" || bad "no gnuplot: listed $(head -1 "$T/out")"
expect_rc 3 "no gnuplot, into new folders" -- no_gnuplot "$IRQ" plot --db "$DB" --out-dir "$T/pnew/out" --dashboard "$T/pnew/dash"
eq "no gnuplot, new folders: none made" "$(tree_state "$T/pnew")" absent
before=$(state)
expect_rc 3 "the last figure's gnuplot fails" -- gnuplot_failing kernel-latency.gp "$IRQ" "${PF[@]}"
expect_grep "^irqlbench: gnuplot kernel-latency.gp failed for kernel-latency.png: see its message above$" "$TMP/err" \
	"a failing figure: the line names the script and the figure"
eq "a failing figure: the plots and the dashboard as they were" "$(state)" "$before"
[ ! -s "$T/out" ] && ok "a failing figure: nothing listed on stdout" || bad "a failing figure: listed $(head -1 "$T/out")"
if have_mounts; then
	expect_no_change 3 "^irqlbench: plot: cannot write into $T/pf: Read-only file system; choose another --out-dir$" \
		"--out-dir read-only" -- mounted ro "$T/pf" "$IRQ" "${PF[@]}"
	expect_no_change 3 "^irqlbench: plot: cannot write into $T/pf-dash/img: Read-only file system; choose another --dashboard$" \
		"the dashboard's img/ read-only" -- mounted ro "$T/pf-dash/img" "$IRQ" "${PF[@]}"
	expect_no_change 3 "^irqlbench: plot: cannot put $T/pf-dash/img/[a-z0-9-]+\.(png|svg) in place: Invalid cross-device link; $T/pf-dash is as it was: choose another --dashboard$" \
		"the dashboard's img/ another mount (the plots put in place taken back)" -- \
		mounted rw "$T/pf-dash/img" "$IRQ" "${PF[@]}"
else
	ok "SKIP the read-only and mount point checks: not root or no mount namespace"
fi
# a stop signal while the figures are written (the run waits after its Nth
# figure for the test's signal: IRQLBENCH_STOP_PAUSE): both folders as they
# were, no staging folder left in them, new folders not left behind
expect_no_change 143 "^irqlbench: plot stopped by SIGTERM: nothing written, $T/pf and $T/pf-dash as they were$" \
	"SIGTERM after the 3rd figure" -- stopped_at figure:3 TERM "$IRQ" "${PF[@]}"
[ ! -s "$T/out" ] && ok "SIGTERM: nothing listed on stdout" || bad "SIGTERM: listed $(head -1 "$T/out")"
expect_rc 130 "SIGINT after the first figure, into new folders" -- \
	stopped_at figure INT "$IRQ" plot --db "$DB" --out-dir "$T/pstop/out" --dashboard "$T/pstop/dash"
expect_err_line "^irqlbench: plot stopped by SIGINT: nothing written, $T/pstop/out and $T/pstop/dash as they were$" \
	"SIGINT: one line"
eq "SIGINT, new folders: none made" "$(tree_state "$T/pstop")" absent
# a run that succeeds replaces both, keeps the user's file, lists what it
# put in place, and leaves no staging folder
expect_rc 0 "plot again, --select backend=lab" -- "$IRQ" "${PF[@]}"
[ -e "$T/pf/notes.txt" ] && ok "the user's own file kept" || bad "notes.txt removed"
[ -z "$(find "$T/pf" "$T/pf-dash" -name '.irqlbench-*')" ] && ok "no staging folder left" ||
	bad "left $(find "$T/pf" "$T/pf-dash" -name '.irqlbench-*')"
if grep -q 'model:' "$T/pf/data/trend.dat"; then bad "the new plots are not in place"; else ok "the new plots are in place"; fi
expect_grep "^plot $T/pf/trend.png $T/pf/trend.svg$" "$T/out" "stdout lists the plots where they are"
eq "and the dashboard, last" "$(tail -n 1 "$T/out")" "dashboard $T/pf-dash/index.html"

expect_rc 5 "plot without a store" -- "$IRQ" plot --db "$T/nothing/x.db"
expect_rc 2 "plot --db without its value" -- "$IRQ" plot --db
expect_rc 2 "plot with an argument" -- "$IRQ" plot --db "$DB" extra
expect_rc 2 "plot --metric that no run has" -- "$IRQ" plot --db "$DB" --metric nosuch.metric --out-dir "$T/nosuch" --no-dashboard
finish
