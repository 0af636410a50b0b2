#!/bin/bash
# `irqlbench report --paper DIR` and `make paper`: every figure in its four
# forms (PDF, cairolatex, SVG, PNG) from a small store of model runs
# (nested-spinlock N = 1..8 for the SVM, Intel and AVIC policies) and, in a
# second store, the same with synthetic lab runs.  The PDFs are rendered
# with pdftoppm and, with the PNGs, checked to be pictures of the expected
# size (3.5 in wide); the SVGs have at most six legend entries; the labels
# say real, emulated or simulated; a store without lab or kvm runs gives the
# model's figures with a note; the LaTeX tables compile where a LaTeX is
# installed, else their booktabs structure is checked.
. "$(dirname "$0")/lib.sh"
need_built "$PNGCHECK"
need_pkg gnuplot-nox poppler-utils

figs="fig-exits-depth fig-cdf-dpc fig-cdf-irq fig-exit-reasons fig-price-of-fix"
tabs="tab-exits.tex tab-intel-avic.tex tab-seed.tex tab-price.tex"

# The model's runs: 8 depths x 8 policies, 50 iterations each (well under a second).
for d in 1 2 3 4 5 6 7 8; do
	"$IRQ" model -q --workload nested-spinlock --param depth=$d --param iterations=50 \
		--policy l61,unfixed,prefix,fixed,vmx-tpr,vmx-411,apicv,avic --out-dir "$T/model/d$d" >/dev/null ||
		bail "model runs at depth $d"
done
"$IRQ" results import --db "$T/m/irqlbench.db" "$T/model" >/dev/null || bail "import the model runs"
"$GEN" "$T/rec" 2 >/dev/null
"$IRQ" results import --db "$T/x/irqlbench.db" "$T/model" "$T/rec" >/dev/null || bail "import the mixed store"

# check_figures DIR: each figure's files, sizes and legend
check_figures() {
	local dir=$1 f w h n
	for f in $figs; do
		if [ -s "$dir/$f.pdf" ] && pdftoppm -r 100 -png -singlefile "$dir/$f.pdf" "$T/render-$f"; then
			read -r w h < <(pdfinfo "$dir/$f.pdf" | awk '/^Page size/{print $3, $5}')
			# 3.5 in = 252 pt; 100 dpi: 350 pixels
			[ "$w" = 252 ] && ok "$f.pdf is 3.5 in wide (${w}x${h} pt)" || bad "$f.pdf is $w pt wide, want 252"
			if info=$("$PNGCHECK" "$T/render-$f.png" 4 1); then ok "$f.pdf renders to a picture ($info)"
			else bad "$f.pdf rendered: $info"; fi
			n=$(file "$T/render-$f.png" | grep -o '[0-9]* x' | head -1)
			[ "$n" = "350 x" ] && ok "$f.pdf at 100 dpi is 350 px wide" || bad "$f.pdf at 100 dpi: $n"
		else bad "$f.pdf missing or pdftoppm failed"; fi
		if info=$("$PNGCHECK" "$dir/$f.png" 8 1); then ok "$f.png is a picture ($info)"; else bad "$f.png: $info"; fi
		n=$(file "$dir/$f.png" | grep -o '[0-9]* x' | head -1)
		[ "$n" = "1050 x" ] && ok "$f.png is 1050 px wide (3.5 in at 300 dpi)" || bad "$f.png: $n"
		if [ -s "$dir/$f.svg" ] && grep -q '<svg' "$dir/$f.svg"; then
			n=$(grep -o '<title>[^<]*</title>' "$dir/$f.svg" | grep -v -e '>Gnuplot<' -e '>gnuplot_plot_' | sort -u | wc -l)
			[ "$n" -le 6 ] && ok "$f.svg: $n legend entries (at most 6)" || bad "$f.svg has $n legend entries"
		else bad "$f.svg missing or not SVG"; fi
		if [ -s "$dir/latex/$f.pdf" ] && grep -q "includegraphics\[[^]]*\]{latex/$f}" "$dir/latex/$f.tex" &&
			grep -q 'begin{picture}' "$dir/latex/$f.tex"; then
			ok "latex/$f.tex (cairolatex) includes latex/$f.pdf"
		else bad "latex/$f.tex or its PDF"; fi
		# its text is LaTeX's: no bare '_' (write\_cr8) and no '<' (the text fonts lack it)
		if grep 'put(' "$dir/latex/$f.tex" | grep -v includegraphics | grep -E '(^|[^\\])_|<' >"$T/tex-bad"; then
			bad "latex/$f.tex has text LaTeX misreads: $(head -1 "$T/tex-bad")"
		else ok "latex/$f.tex: its text is escaped for LaTeX"; fi
	done
}

# --- a store of model runs only, through make paper --------------------------
expect_rc 0 "make paper on a model-only store" -- \
	make -s -C "$ROOT" BUILD="$BUILD_ABS" paper PAPER_DIR="$T/pm" PAPER_ARGS="--db $T/m/irqlbench.db"
expect_grep 'no lab or kvm runs' "$TMP/err" "a model-only store says so on stderr"
expect_grep '^model only' "$T/pm/NOTES.txt" "and in NOTES.txt"
check_figures "$T/pm"
grep -q 'model only' "$T/pm/fig-exits-depth.svg" && ok "the figure says model only" || bad "no model-only note in the figure"
grep -q 'simulated time' "$T/pm/fig-cdf-dpc.svg" && ok "model-only CDF: simulated time in the title" ||
	bad "model-only CDF title"
d=$T/pm/data/fig-exits-depth.dat
got=$(awk '/"model l61/{f=1;next} /^"/{f=0} f && NF==2{printf "%s ", $2}' "$d")
[ "$got" = "1 3 5 7 9 11 13 15 " ] && ok "model l61 line: 2N-1 ($got)" || bad "model l61 line: $got"
got=$(awk '/"model unfixed/{f=1;next} /^"/{f=0} f && NF==2{printf "%s ", $2}' "$d")
[ "$got" = "1 1 1 1 1 1 1 1 " ] && ok "model unfixed line: 1 ($got)" || bad "model unfixed line: $got"
n=$(grep -c '^"us"' "$T/pm/data/fig-cdf-dpc.dat")
[ "$n" -eq 16 ] && ok "DPC CDF: 8 panels x 2 series" || bad "DPC CDF has $n blocks, want 16"

expect_grep 'fig-price-of-fix, tab-price.tex: no nested-spinlock runs' "$T/pm/NOTES.txt" \
	"price of the fix: a store without exit times says so in NOTES.txt"
expect_grep 'multicolumn\{9\}\{l\}\{no nested-spinlock runs' "$T/pm/tab-price.tex" \
	"price of the fix: and in its table"

# --- the price of the fix from the model with measured costs -------------------
# a lab-shaped record whose write_cr8 exits took 1000 ns each at 2 GHz
# (model-costs-from.sh); the model's l61 and unfixed runs at N = 1..8 take
# their costs from it: 2N-2 extra exits per DPC x 1 us, against the DPC
# delay the fix-reverted kernel's host-tick wait adds (0 at N = 1)
jq '.id = "20261130T000000Z-lab-fixed-nested-spinlock-c0ffee" | .backend = "lab" | .variant = "fixed"
	| .policy = null | .guest.tsc_hz = 2000000000 | .provenance.model = null
	| (.phases[] | select(.measured) | .vcpus[0].exit_times) = {"write_cr8": {"unit": "ns",
		"layout": "log-linear", "n": 150, "untimed": 0, "sum": 150000, "min": 1000, "max": 1000,
		"overflow": 0, "buckets": [[1023, 150]]}}' "$T/model/d2/nested-spinlock-l61.json" >"$T/lab-costs.json"
for d in 1 2 3 4 5 6 7 8; do
	"$IRQ" model -q --workload nested-spinlock --param depth=$d --param iterations=50 --policy l61,unfixed \
		--costs-from "$T/lab-costs.json" --out-dir "$T/costs/d$d" >/dev/null || bail "model --costs-from at depth $d"
done
"$IRQ" results import --db "$T/c/irqlbench.db" "$T/costs" >/dev/null || bail "import the costs-from runs"
expect_rc 0 "report --paper with model --costs-from runs" -- "$IRQ" report --db "$T/c/irqlbench.db" --paper "$T/pc"
t=$T/pc/tab-price.tex
got=$(awk -F' & ' '$2 == "model (simulated)" {printf "%s:%s:%s:%s ", $1, $3, $4, $5}' "$t")
eq "price table: N:extra exits:cost us:extra us, model with 1 us exits" "$got" \
	"1:0:1:0 2:2:1:2 3:4:1:4 4:6:1:6 5:8:1:8 6:10:1:10 7:12:1:12 8:14:1:14 "
got=$(awk -F' & ' '$2 == "model (simulated)" && $1 == 1 {print $8}' "$t")
eq "price table: nothing saved at N = 1 (no DPC waits there)" "$got" 0
ok "price table: a DPC delay saved at every N >= 2, over 1000 us (the host tick's wait)" \
	awk -F' & ' '$2 == "model (simulated)" && $1 >= 2 { n++; if ($8 + 0 < 1000) bad = 1 } END { exit !(n == 7 && !bad) }' "$t"
expect_grep 'simulated with the exit costs measured in run 20261130T000000Z-lab-fixed-nested-spinlock-c0ffee' "$t" \
	"price table: the caption names where the model's costs came from"
got=$(awk '/^"N" "exit cost: model l61/{f=1;next} /^"/{f=0} f && NF==2{printf "%s:%s ", $1, $2}' "$T/pc/data/fig-price-of-fix.dat")
eq "price figure: the model's exit cost line in us" "$got" "2:2 3:4 4:6 5:8 6:10 7:12 8:14 "
grep -q 'simulated time' "$T/pc/fig-price-of-fix.svg" && ok "price figure: simulated time in its title" ||
	bad "price figure: no 'simulated time' in its title"
check_figures "$T/pc"

# --- with (synthetic) lab runs ------------------------------------------------
expect_rc 0 "report --paper with lab runs" -- "$IRQ" report --db "$T/x/irqlbench.db" --paper "$T/px"
check_figures "$T/px"
if grep -q 'model only' "$T/px/fig-exits-depth.svg" "$T/px/NOTES.txt"; then bad "model-only note with lab runs"
else ok "no model-only note with lab runs"; fi
for l in 'lab fixed (emulated)' 'lab fix-reverted (emulated)' 'model l61 (simulated)'; do
	grep -qF "$l" "$T/px/fig-cdf-dpc.svg" && ok "CDF label: $l" || bad "CDF lacks the label '$l'"
done
grep -q 'emulated time' "$T/px/fig-cdf-dpc.svg" && ok "lab CDF: emulated time in the title" || bad "lab CDF title"
grep -qF 'model l61 (simulated)' "$T/px/fig-exit-reasons.svg" && ok "exit reasons: one model reference" ||
	bad "exit reasons: no model reference"
n=$(grep -o '<title>model [^<]*</title>' "$T/px/fig-exit-reasons.svg" | sort -u | wc -l)
[ "$n" -eq 1 ] && ok "exit reasons: exactly one model series with measured runs" || bad "exit reasons: $n model series"
d=$T/px/data/fig-exits-depth.dat
# the measured markers sit side by side around N (0.12 apart), so that equal
# values do not hide each other
got=$(awk '/"lab fixed/{f=1;next} /^"/{f=0} f && NF==2{printf "%s:%s ", $1, $2}' "$d")
[ "$got" = "1.94:3 " ] && ok "lab fixed marker: 3 at N=2 (drawn at 1.94)" || bad "lab fixed markers: $got"
got=$(awk '/"lab fix-reverted/{f=1;next} /^"/{f=0} f && NF==2{printf "%s:%s ", $1, $2}' "$d")
[ "$got" = "2.06:1 " ] && ok "lab fix-reverted marker: 1 at N=2 (drawn at 2.06)" || bad "lab fix-reverted markers: $got"
# a selection without model runs keeps the model's references, from the store
expect_rc 0 "report --paper --select backend=lab" -- "$IRQ" report --db "$T/x/irqlbench.db" --paper "$T/pl" \
	--select backend=lab
expect_grep '^the selection has no model runs: the model.s references are the store.s [0-9]+ model runs' \
	"$T/pl/NOTES.txt" "--select backend=lab: NOTES.txt says where the model's references come from"
got=$(awk '/"model l61/{f=1;next} /^"/{f=0} f && NF==2{printf "%s ", $2}' "$T/pl/data/fig-exits-depth.dat")
[ "$got" = "1 3 5 7 9 11 13 15 " ] && ok "--select backend=lab: the model l61 line is there ($got)" ||
	bad "--select backend=lab: model l61 line: $got"
# microseconds: the synthetic records' guest.tsc_hz is 2994 MHz; the store's p50 in cycles / 2994
# lies among the CDF's x values
id=$("$IRQ" results list --db "$T/x/irqlbench.db" --select backend=lab,variant=fixed | awk '/nested-spinlock/{print $1; exit}')
p50=$("$IRQ" results show --db "$T/x/irqlbench.db" "$id" --metrics | awk '$1=="dpc_queue_to_run.p50"{print $2}')
us=$(awk -v c="$p50" 'BEGIN{printf "%.6g", c / 2994}')
if awk '/"lab fixed/{f=1;next} /^"/{f=0} f{print $1}' "$T/px/data/fig-cdf-dpc.dat" |
	awk -v u="$us" '{d = $1 - u; if (d < 0) d = -d; if (d <= 1e-4 * u) found = 1} END{exit !found}'; then
	ok "CDF x in microseconds (p50 $p50 cycles = $us us)"
else bad "CDF x: $us us (p50 $p50 cycles) not among the lab fixed bounds"; fi

# More measured series than a legend holds: kvm fixed, fix-reverted and stock
# and lab stock and patch besides lab fixed and fix-reverted (copies of the
# synthetic lab records); the model's two references keep their place.
src=$(ls -d "$T"/rec/*-lab-nested-spinlock-fixed-d2-* | head -1)
k=0
for bv in kvm:fixed kvm:unfixed kvm:stock lab:stock lab:patch=x.patch; do
	k=$((k + 1)) b=${bv%%:*} v=${bv#*:}
	mkdir -p "$T/many/r$k"
	jq --arg b "$b" --arg v "$v" --arg id "20261126T9$k-$b-many" '.id = $id | .backend = $b | .variant = $v |
		.emulated = ($b == "lab")' "$src/record.json" >"$T/many/r$k/record.json"
	cp "$src/serial.log" "$T/many/r$k/" 2>/dev/null || true
done
"$IRQ" results import --db "$T/x/irqlbench.db" "$T/many" >/dev/null || bail "import the extra series"
expect_rc 0 "report --paper with 7 measured series" -- "$IRQ" report --db "$T/x/irqlbench.db" --paper "$T/p7"
for f in $figs; do
	n=$(grep -o '<title>[^<]*</title>' "$T/p7/$f.svg" | grep -v -e '>Gnuplot<' -e '>gnuplot_plot_' | sort -u | wc -l)
	[ "$n" -le 6 ] && ok "7 measured series: $f.svg has $n legend entries" || bad "7 measured series: $f.svg has $n"
done
# the CDFs draw their key by hand: a series per block header
for f in fig-cdf-dpc fig-cdf-irq; do
	n=$(grep '^"us"' "$T/p7/data/$f.dat" | sort -u | wc -l)
	[ "$n" -le 6 ] && ok "7 measured series: $f has $n series (key entries)" || bad "7 measured series: $f has $n"
done
grep -qF 'model l61 (simulated)' "$T/p7/fig-cdf-dpc.svg" && grep -qF 'model unfixed (simulated)' "$T/p7/fig-cdf-dpc.svg" &&
	ok "the model's references stay in the key" || bad "a model reference was dropped for a measured series"
grep -q '(real)' "$T/p7/fig-cdf-dpc.svg" && ok "kvm runs are labelled real" || bad "no kvm (real) label"
expect_grep 'left out' "$T/p7/NOTES.txt" "NOTES.txt says which series were left out"

# --- the tables ----------------------------------------------------------------
for t in $tabs; do
	f=$T/px/$t
	[ -s "$f" ] || { bad "$t missing"; continue; }
	b=$(grep -c '\\begin{tabular}' "$f"); e=$(grep -c '\\end{tabular}' "$f")
	tr=$(grep -c '\\toprule' "$f"); mr=$(grep -c '\\midrule' "$f"); br=$(grep -c '\\bottomrule' "$f")
	if [ "$b" -ge 1 ] && [ "$b" = "$e" ] && [ "$tr" = "$b" ] && [ "$mr" = "$b" ] && [ "$br" = "$b" ] &&
		! grep -q '\\hline' "$f"; then
		ok "$t: $b booktabs tabular(s)"
	else bad "$t: tabular $b/$e, rules $tr/$mr/$br"; fi
	# every row has the columns its tabular declares
	if awk '/\\begin\{tabular\}/{s=$0; sub(/.*\\begin\{tabular\}\{/, "", s); sub(/\}.*/, "", s); n=length(s); in_t=1; next}
		/\\end\{tabular\}/{in_t=0; next}
		in_t && /\\\\$/ {r=$0; gsub(/\\&/, "", r); c=gsub(/&/, "", r) + 1; if (c != n) {print "row of " c " cells, want " n ": " $0; bad=1}}
		END{exit bad}' "$f" >"$T/cols"; then ok "$t: every row has its columns"
	else bad "$t: $(head -1 "$T/cols")"; fi
done
expect_grep '^nested-spinlock N=8 & ' "$T/px/tab-exits.tex" "exit matrix: a row per depth"
if grep -q -e 'model:vmx' -e 'model:avic' -e 'tcg:' -e '^irql-churn' "$T/px/tab-exits.tex"; then
	bad "exit matrix: Intel/AVIC, tcg or empty rows left in"
else ok "exit matrix: the SVM series only, no column or row without a number"; fi
expect_grep '^\$N\$ & vmx-tpr & vmx-411 & apicv & avic \\\\$' "$T/px/tab-intel-avic.tex" "Intel/AVIC table: the model's policies"
expect_grep '^6 & take SL\\#2 \(CR8=2\) & .* & write\\_cr8 & - & yes' "$T/px/tab-seed.tex" "seed table: prefix's row 6"
latex=$(command -v pdflatex || command -v lualatex || command -v xelatex || true)
if [ -n "$latex" ]; then
	cat >"$T/px/paper.tex" <<'EOF'
\documentclass[twocolumn]{article}
\usepackage{booktabs}
\usepackage{graphicx}
\usepackage{color}
\begin{document}
\input{tab-exits.tex}
\input{tab-intel-avic.tex}
\input{tab-seed.tex}
\begin{figure}\input{latex/fig-exits-depth.tex}\end{figure}
\begin{figure}\input{latex/fig-cdf-dpc.tex}\end{figure}
\begin{figure}\input{latex/fig-exit-reasons.tex}\end{figure}
\input{tab-price.tex}
\begin{figure}\input{latex/fig-price-of-fix.tex}\end{figure}
\end{document}
EOF
	expect_rc 0 "the tables and cairolatex figures compile with $(basename "$latex")" -- \
		sh -c "cd '$T/px' && '$latex' -interaction=nonstopmode -halt-on-error paper.tex"
else
	ok "no LaTeX installed: the tables' structure was checked instead"
fi

# --- a run that fails leaves DIR as it was -------------------------------------
# DIR ($T/px) holds a complete result and files of its own (paper.tex); a
# run that fails - no gnuplot, a figure's gnuplot failing, DIR or DIR/latex
# read-only or another mount, a figure's place taken - changes nothing in
# it, lists nothing, and one into a new DIR leaves no DIR.  The runs select
# other runs (backend=lab): what they wrote would differ.
touch "$T/px/paper.tex"
state() { tree_state "$T/px"; }
PX=(report --db "$T/x/irqlbench.db" --paper "$T/px" --select backend=lab)
expect_no_change 3 "^irqlbench: cannot run gnuplot \(No such file or directory\): install gnuplot-nox \('make deps'\)$" \
	"no gnuplot" -- no_gnuplot "$IRQ" "${PX[@]}"
[ ! -s "$T/out" ] && ok "no gnuplot: nothing listed on stdout" || bad "no gnuplot: listed $(head -1 "$T/out")"
expect_rc 3 "no gnuplot, into a new DIR" -- no_gnuplot "$IRQ" report --db "$T/x/irqlbench.db" --paper "$T/pnew/sub"
eq "no gnuplot, a new DIR: not made" "$(tree_state "$T/pnew")" absent
before=$(state)
expect_rc 3 "the fourth figure's gnuplot fails" -- gnuplot_failing paper-exit-reasons.gp "$IRQ" "${PX[@]}"
eq "a failing figure: gnuplot's message, then the line naming the script" "$(sed 's/^\(irqlbench\|gnuplot\): .*/\1/' "$TMP/err" | paste -sd' ')" \
	"gnuplot irqlbench"
expect_grep "^irqlbench: gnuplot paper-exit-reasons.gp failed for fig-exit-reasons.pdf: see its message above$" "$TMP/err" \
	"a failing figure: the line names the script and the figure"
eq "a failing figure: DIR as it was" "$(state)" "$before"
if have_mounts; then
	for d in latex .; do
		expect_no_change 3 "^irqlbench: report: cannot (write into|create) $T/px(/latex)?: Read-only file system; choose another --paper DIR$" \
			"DIR/$d read-only" -- mounted ro "$T/px/$d" "$IRQ" "${PX[@]}"
	done
	# DIR/latex a mount point: rename(2) cannot put its files there, after
	# data/ and the figures went in: those are taken back
	expect_no_change 3 "^irqlbench: report: cannot put $T/px/latex/fig-[a-z-]+\.(tex|pdf) in place: Invalid cross-device link; $T/px is as it was: choose another --paper DIR$" \
		"DIR/latex another mount" -- mounted rw "$T/px/latex" "$IRQ" "${PX[@]}"
else
	ok "SKIP the read-only and mount point checks: not root or no mount namespace"
fi
# a stop signal while the figures are written (the run waits after its Nth
# figure for the test's signal: IRQLBENCH_STOP_PAUSE): DIR as it was, no
# staging folder left in it; a new DIR not left behind
expect_no_change 130 "^irqlbench: report stopped by SIGINT: nothing written, $T/px as it was$" \
	"SIGINT after the 2nd figure" -- stopped_at figure:2 INT "$IRQ" "${PX[@]}"
expect_rc 143 "SIGTERM after the first figure, into a new DIR" -- \
	stopped_at figure TERM "$IRQ" report --db "$T/x/irqlbench.db" --paper "$T/pstop/sub"
expect_err_line "^irqlbench: report stopped by SIGTERM: nothing written, $T/pstop/sub as it was$" "SIGTERM: one line"
eq "SIGTERM, a new DIR: not made" "$(tree_state "$T/pstop")" absent
# a directory where a figure goes: refused before any file moves
rm "$T/px/fig-price-of-fix.png" && mkdir "$T/px/fig-price-of-fix.png"
expect_no_change 3 "^irqlbench: report: $T/px/fig-price-of-fix.png is a directory: remove it or choose another --paper DIR$" \
	"a directory in a figure's place" -- "$IRQ" "${PX[@]}"
rmdir "$T/px/fig-price-of-fix.png"
[ ! -s "$T/out" ] && ok "a failed run lists no file on stdout" || bad "a failed run listed $(head -1 "$T/out")"
# and a run that succeeds replaces the result, keeps DIR's own files, lists
# what it put there and leaves no staging folder
expect_rc 0 "report --paper again, --select backend=lab, into the complete DIR" -- "$IRQ" "${PX[@]}"
expect_grep '^the selection has no model runs' "$T/px/NOTES.txt" "the new result is in place"
[ -e "$T/px/paper.tex" ] && ok "DIR's own paper.tex kept" || bad "paper.tex removed"
[ -z "$(find "$T/px" -name '.irqlbench-*')" ] && ok "no staging folder left" || bad "left $(find "$T/px" -name '.irqlbench-*')"
expect_grep "^figure $T/px/fig-exits-depth.pdf .svg .png latex/fig-exits-depth.tex$" "$T/out" "stdout lists the figures where they are"
expect_grep "^table $T/px/tab-seed.tex$" "$T/out" "and the tables"

# --- empty store, usage --------------------------------------------------------
mkdir -p "$T/no-records"
"$IRQ" results import --db "$T/e/irqlbench.db" "$T/no-records" >/dev/null || bail "an empty store"
expect_rc 0 "report --paper on an empty store" -- "$IRQ" report --db "$T/e/irqlbench.db" --paper "$T/pe"
for f in $figs; do
	"$PNGCHECK" "$T/pe/$f.png" 3 1 >/dev/null && [ -s "$T/pe/$f.pdf" ] && ok "empty store: $f placeholder" ||
		bad "empty store: $f"
done
# a folder of its own planted as a symbolic link (DIR/latex -> elsewhere)
# is refused: nothing is written through it
mkdir -p "$T/plink" "$T/elsewhere"
ln -s "$T/elsewhere" "$T/plink/latex"
expect_rc 3 "report --paper: DIR/latex a symbolic link" -- "$IRQ" report --db "$T/m/irqlbench.db" --paper "$T/plink"
expect_err_line "plink/latex is a symbolic link: .*choose another --paper DIR" "DIR/latex a symbolic link: one line"
eq "DIR/latex a symbolic link: nothing written where it points" "$(ls -A "$T/elsewhere" | wc -l)" 0
expect_rc 2 "report --paper --select that selects nothing" -- "$IRQ" report --db "$T/m/irqlbench.db" --paper "$T/pz" \
	--select id=no-such-run
expect_err_line "--select selects no run of .*irqlbench results list" "--select that selects nothing: one line"
expect_rc 2 "report --paper without its value" -- "$IRQ" report --db "$T/m/irqlbench.db" --paper
expect_rc 2 "report --paper with --metric" -- "$IRQ" report --db "$T/m/irqlbench.db" --paper "$T/pz" --metric exit.total
expect_rc 5 "report --paper without a store" -- "$IRQ" report --db "$T/nothing/x.db" --paper "$T/pz"
finish
