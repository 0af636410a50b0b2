#!/bin/bash
# The static dashboard (results/dashboard/index.html) rendered by Debian's
# headless Chromium: the screenshot is not blank, the DOM lists the runs of
# the store (the failed one flagged), the plots and tables are there, and
# the page uses no network resource.  Records: synthetic.
. "$(dirname "$0")/lib.sh"
need_built "$PNGCHECK"
need_pkg gnuplot-nox chromium
CHROMIUM=$(command -v chromium)

"$GEN" "$T/rec" 1 >"$T/ids"
DB=$T/results/irqlbench.db
"$IRQ" results import --db "$DB" "$T/rec" >/dev/null || bail "import"
expect_rc 0 "plot (default dashboard next to the store)" -- "$IRQ" plot --db "$DB" --out-dir "$T/plots"
html=$T/results/dashboard/index.html
[ -s "$html" ] && ok "dashboard at results/dashboard/index.html" || { bad "no $html"; finish; }
if grep -Eq '(src|href)="(https?:)?//' "$html"; then bad "the page loads network resources"; else ok "no network resources"; fi

chrome() {
	local ud
	ud=$(mktemp -d "$T/chrome.XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$ud" "$@" 2>"$T/chrome.err"
}
chrome --window-size=1280,2000 --screenshot="$T/shot.png" "file://$html" >/dev/null
if info=$("$PNGCHECK" "$T/shot.png" 200 20); then ok "screenshot is not blank ($info)"; else
	bad "screenshot blank or missing: $info"; tail -5 "$T/chrome.err"; fi
chrome --dump-dom "file://$html" >"$T/dom.html"
[ -s "$T/dom.html" ] && ok "DOM dumped ($(wc -c <"$T/dom.html") bytes)" || bad "no DOM from chromium"
missing=0
while read -r id; do
	grep -q "<td class=\"l run-id\">$id</td>" "$T/dom.html" || { missing=$((missing + 1)); echo "      missing $id"; }
done <"$T/ids"
[ "$missing" -eq 0 ] && ok "the page lists all $(wc -l <"$T/ids") runs" || bad "$missing runs missing from the page"
failed_id=$(tail -1 "$T/ids")
expect_grep "<tr class=\"failed\"><td class=\"l run-id\">$failed_id</td><td class=\"l\">FAILED" "$T/dom.html" "failed run flagged"
n=$(grep -o '<img src="img/[a-z0-9-]*\.png"' "$T/dom.html" | sort -u | wc -l)
[ "$n" -eq 5 ] && ok "5 plots on the page" || bad "$n plots on the page"
for f in "$T"/results/dashboard/img/*.png; do "$PNGCHECK" "$f" 20 10 >/dev/null || bad "$(basename "$f") blank"; done
expect_grep '<table class="matrix"><caption>CR8-write exits per iteration' "$T/dom.html" "exit-count matrix"
expect_grep '<table class="cmp"><caption><code>workload=nested-spinlock depth=2 dpc=1</code>: base <code>nested-spinlock N=2 lab:unfixed</code> \(1 runs\) vs new <code>nested-spinlock N=2 lab:fixed</code>' "$T/dom.html" "comparison table lab unfixed vs fixed, headed by its tuple"
# one run a side: the deterministic count's change is a change (exact,
# against suites.cfg's values), never '~'; the latency 'too few runs'
expect_grep '<tr class="sig"><td>1</td><td> </td><td>\+200\.0%</td><td>3</td><td> </td><td>exact, expected 1 and 3</td><td><code>exit\.write_cr8/iter</code>' "$T/dom.html" "comparison row: 1 -> 3 write_cr8 exits, exact, highlighted"
expect_grep '<tr class="ns"><td>[0-9.]+</td><td> </td><td>too few runs \([-+0-9.]+%\)</td><td>[0-9.]+</td><td> </td><td>too few runs</td><td><code>dpc_queue_to_run\.p50</code> \[µs\]</td>' "$T/dom.html" "comparison row: a latency with one run a side, too few runs, in µs"
if grep -q '<td>~ ' "$T/dom.html"; then bad "no row marked ~ with one run a side"; else ok "no row marked ~ with one run a side"; fi
expect_grep '<p class="meta">No verdict with a kernel in the store' "$T/dom.html" "no verdicts: the matrix says how to fill it"

# --- the verdict matrix (issue 12 §4): a store with one regression -------------
# verify --backend model's verdicts (FIXED for l61, UNFIXED for prefix), set
# on three kernels of one column: 6.1.170-3 and 6.1.176-1 FIXED, 6.1.187-1
# UNFIXED with other counts (a flip: outlined, one alert)
V=$T/vstore
mkdir -p "$V"
VDB=$V/irqlbench.db
"$IRQ" verify --backend model --db "$VDB" --out-dir "$V/fixed" >/dev/null 2>&1
"$IRQ" verify --backend model --policy prefix --db "$VDB" --out-dir "$V/unfixed" >/dev/null 2>&1
mk() {	# mk ID KERNEL VERDICT-FILE: the verdict, on a kernel, in l61's column
	jq --arg id "$1" --arg k "$2" '.id = $id | .policy = "l61"
		| .kernel = {debian_version: $k, upstream: ($k | sub("-.*"; "")), abi: "6.1.0-50-amd64"}' "$3" >"$V/$1.json"
	"$IRQ" results import --db "$VDB" "$V/$1.json" >/dev/null || bad "import $1"
}
mk syn-187 6.1.187-1 "$V/unfixed/verdict.json"	# imported first: the order is the versions'
mk syn-170 6.1.170-3 "$V/fixed/verdict.json"
mk syn-176 6.1.176-1 "$V/fixed/verdict.json"
expect_rc 0 "plot with verdicts" -- "$IRQ" plot --db "$VDB" --out-dir "$V/plots" --dashboard "$V/dash"
# the page's own width at 1400 px, read by a script added to a copy of it
sed 's|</body>|<script>document.body.setAttribute("data-sw", document.documentElement.scrollWidth)</script></body>|' \
	"$V/dash/index.html" >"$V/dash/measure.html"
chrome --window-size=1400,2000 --dump-dom "file://$V/dash/measure.html" >"$T/vdom.html"
python3 - "$T/vdom.html" >"$T/vm.txt" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
t = s[s.index('<table id="verdict-matrix">'):]
t = t[:t.index('</table>')]
for row in re.findall(r'<tr>(.*?)</tr>', t, re.S)[1:]:
    k = re.search(r'<td class="l">([^<]*)</td>', row).group(1)
    c = re.search(r'<td class="v ([^"]*)"[^>]*>([A-Z-]+)<br><small>([0-9.]+) write_cr8/iter', row)
    print(k, c.group(2), c.group(3), "flip" if "flip" in c.group(1).split() else "-")
print("alerts", len(re.findall(r'<li class="alert">', s)))
print("sw", re.search(r'data-sw="(\d+)"', s).group(1))
PY
eq "verdict matrix: newest kernel first, the flip outlined" "$(head -3 "$T/vm.txt" | tr '\n' ';')" \
	"6.1.187-1 UNFIXED 1 flip;6.1.176-1 FIXED 3 -;6.1.170-3 FIXED 3 -;"
eq "one alert, the flip" "$(grep '^alerts' "$T/vm.txt")" "alerts 1"
expect_grep '<li class="alert">vm model l61: <code>6.1.176-1</code> FIXED (&rarr;|→) <code>6.1.187-1</code> UNFIXED; write_cr8/iter .*workload=nested-spinlock depth=2 dpc=1: 3 (&rarr;|→) 1' \
	"$T/vdom.html" "the alert names the kernels, the verdicts and the changed counts"
sw=$(sed -n 's/^sw //p' "$T/vm.txt")
ok "no horizontal overflow at 1400 px (page width ${sw:-?} px)" test "${sw:-99999}" -le 1400
finish
