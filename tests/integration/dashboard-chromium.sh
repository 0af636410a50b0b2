#!/bin/bash
# The static dashboard (results/dashboard/index.html) rendered by Debian's
# headless Chromium: the screenshot is not blank, the DOM lists the runs of
# the store (the failed one flagged), the plots and tables are there, and
# the page uses no network resource; the runs table is collapsed, its
# parameters key=value chips, and a click on a header sorts it (the page's
# own script, clicked by a script added to a copy of the page); the figures
# by Debian kernel version (a store of lab runs on four kernels, one
# regression) have the versions on their x axis in dpkg's order, the
# suites file's expected values drawn, and the latencies in µs (median and
# min-max of the runs, each by its own guest.tsc_hz).  Records: synthetic.
. "$(dirname "$0")/lib.sh"
need_built "$PNGCHECK"
need_pkg gnuplot-nox chromium jq
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
[ "$n" -eq 8 ] && ok "8 plots on the page (5, and the 3 by kernel version)" || bad "$n plots on the page"
for f in "$T"/results/dashboard/img/*.png; do "$PNGCHECK" "$f" 20 10 >/dev/null || bad "$(basename "$f") blank"; done
expect_grep '<table class="matrix"><caption>CR8-write exits per iteration' "$T/dom.html" "exit-count matrix"
expect_grep '<table class="cmp"><caption><code>workload=nested-spinlock depth=2 dpc=1</code>: base <code>nested-spinlock N=2 lab:unfixed</code> \(1 run of lab unfixed, emulated time\) vs new <code>nested-spinlock N=2 lab:fixed</code> \(1 run of lab fixed, emulated time\)' "$T/dom.html" "comparison table lab unfixed vs fixed, headed by its tuple"
# one run a side: the deterministic count's change is a change (exact,
# against suites.cfg's values), never '~'; the latency 'too few runs'
expect_grep '<tr class="sig"><td>1</td><td> </td><td>\+200\.0%</td><td>3</td><td> </td><td>exact, expected 1 and 3</td><td><code>exit\.write_cr8/iter</code>' "$T/dom.html" "comparison row: 1 -> 3 write_cr8 exits, exact, highlighted"
expect_grep '<tr class="ns"><td>[0-9.]+</td><td> </td><td>too few runs \([-+0-9.]+%\)</td><td>[0-9.]+</td><td> </td><td>too few runs</td><td><code>dpc_queue_to_run\.p50</code> \[µs\]</td>' "$T/dom.html" "comparison row: a latency with one run a side, too few runs, in µs"
if grep -q '<td>~ ' "$T/dom.html"; then bad "no row marked ~ with one run a side"; else ok "no row marked ~ with one run a side"; fi
expect_grep '<p class="meta">No verdict with a kernel in the store' "$T/dom.html" "no verdicts: the matrix says how to fill it"

# --- the runs table: collapsed, chips, sorted by a click ----------------------
expect_grep '<details id="runs"><summary><h2>Runs \([0-9]+\)</h2>' "$T/dom.html" "the runs table is in a <details>"
if grep -q '<details id="runs" open' "$T/dom.html"; then bad "the runs table is open"; else ok "the runs table is collapsed (no open attribute)"; fi
expect_grep '<td class="l params"><span class="chip">depth=2</span> <span class="chip">dpc=1</span> <span class="chip">iterations=1000</span> ' \
	"$T/dom.html" "parameters as key=value chips"
# a copy of the page whose added script asks whether the collapsed table is
# visible (checkVisibility: a closed <details> hides its content),
# opens it, clicks headers through the DOM (the page's own listener sorts)
# and writes what it saw into the DOM that --dump-dom prints
cat >"$T/click.js" <<'JS'
var d = document.getElementById('runs'), t = document.getElementById('runs-table'), out = {};
out.collapsed_visible = t.checkVisibility(); out.open = d.open;
d.open = true; out.open_visible = t.checkVisibility();
function col(i) { return Array.prototype.map.call(t.tBodies[0].rows, function(r) { return r.cells[i].textContent.trim(); }); }
var hs = t.tHead.rows[0].cells, w = hs.length - 1;
hs[w].click(); out.w_up = col(w); out.w_up_ids = col(0); out.w_sort = hs[w].getAttribute('aria-sort');
hs[w].click(); out.w_down = col(w); out.w_down_sort = hs[w].getAttribute('aria-sort');
hs[0].click(); out.id_up = col(0);
out.sw = t.scrollWidth; out.cw = t.clientWidth;
document.body.setAttribute('data-click', JSON.stringify(out));
JS
html=$T/results/dashboard/index.html
{ sed 's|</body></html>||' "$html"; printf '<script>%s</script></body></html>\n' "$(cat "$T/click.js")"; } >"${html%.html}-click.html"
chrome --window-size=1400,2000 --dump-dom "file://${html%.html}-click.html" >"$T/click.html"
python3 - "$T/click.html" "$T/ids" >"$T/click.txt" <<'PY'
import html, json, re, sys
s = open(sys.argv[1]).read()
o = json.loads(html.unescape(re.search(r'data-click="([^"]*)"', s).group(1)))
ids = [l.strip() for l in open(sys.argv[2]) if l.strip()]
def num(v): return float(v)
nums = lambda col: [num(v) for v in col if v != '-']
print("collapsed", not o["collapsed_visible"] and not o["open"], "opened", o["open_visible"])
print("rows", len(o["w_up"]) == len(ids) and sorted(o["id_up"]) == sorted(ids))
up, down = nums(o["w_up"]), nums(o["w_down"])
print("w_up", up == sorted(up) and len(up) > 2 and up[0] < up[-1], o["w_sort"])
print("w_down", down == sorted(down, reverse=True), o["w_down_sort"])
key = lambda v: [int(x) if x.isdigit() else x for x in re.split(r'(\d+)', v)]
print("id_up", o["id_up"] == sorted(o["id_up"], key=key))
print("table_overflow", o["sw"] > o["cw"], o["sw"], o["cw"])
PY
cat "$T/click.txt" | sed 's/^/      /'
eq "collapsed: the table is not visible until opened" "$(grep '^collapsed' "$T/click.txt")" "collapsed True opened True"
eq "sorting keeps every run" "$(grep '^rows' "$T/click.txt")" "rows True"
eq "a click on write_cr8/iter sorts it ascending" "$(grep '^w_up' "$T/click.txt")" "w_up True ascending"
eq "a second click: descending" "$(grep '^w_down' "$T/click.txt")" "w_down True descending"
eq "a click on id sorts the ids (digit runs as numbers)" "$(grep '^id_up' "$T/click.txt")" "id_up True"
expect_grep '^table_overflow False ' "$T/click.txt" "the opened runs table needs no horizontal scrolling at 1400 px"

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
# lab runs on Debian kernels (provenance.lab.kernel.debian_version), the
# k-th run of each cell on K[k]: 6.1.187-1 twice (runs 1 and 5: the band),
# its fixed build with a third of the write_cr8 exits (the regression, 1 a
# nested-spinlock iteration where the suites file expects 3); guest.tsc_hz
# 2 GHz, 1 GHz for the 5th runs (each run's own rate makes its µs)
K=(6.1.187-1 6.1.99-1 6.1.187-1~bpo11+1 6.1.170-3 6.1.187-1)
"$GEN" "$V/krec-all" 5 >"$V/kids" 7
mkdir -p "$V/krec"
declare -A nth
for id in $(grep -- '-lab-' "$V/kids"); do
	f=$V/krec-all/$id/record.json
	[ "$(jq -r .status "$f")" = complete ] || continue
	cell=${id#*-lab-} cell=${cell%-*}
	k=${nth[$cell]:-0} nth[$cell]=$((k + 1))
	cp -r "$V/krec-all/$id" "$V/krec/"
	jq --arg k "${K[$k]}" --arg cell "$cell" --argjson hz $((k == 4 ? 1000000000 : 2000000000)) '
		.provenance.lab.kernel = {origin: "cache", debian_version: $k, upstream: ($k | sub("-.*"; ""))}
		| .guest.tsc_hz = $hz
		| (.phases[] | select(.measured) | .vcpus[]) |= (.histograms.dpc_unmask_to_entry = .histograms.dpc_queue_to_run)
		| if $k == "6.1.187-1" and ($cell | startswith("nested-spinlock-fixed")) then
			(.phases[] | select(.measured) | .vcpus[].exits.write_cr8) |= (. / 3) else . end' \
		"$f" >"$V/krec/$id/record.json"
done
"$IRQ" results import --db "$VDB" "$V/krec" >/dev/null || bad "import the kernel runs"
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

# --- by kernel version ---------------------------------------------------------
# the order: dpkg --compare-versions itself, an insertion sort of the versions
order=()
for v in $(printf '%s\n' "${K[@]}" | sort -u); do
	i=${#order[@]}
	while [ "$i" -gt 0 ] && dpkg --compare-versions "${order[$((i - 1))]}" gt "$v"; do
		order[$i]=${order[$((i - 1))]} i=$((i - 1))
	done
	order[$i]=$v
done
want="${order[*]}"
expect_grep '<figure id="plot-kernel-exits" class="wide"><a href="img/kernel-exits.svg"><img src="img/kernel-exits.png"' \
	"$T/vdom.html" "the kernel-exits figure is on the page"
expect_grep '<figure id="plot-kernel-latency" class="wide">.*<strong>min(&ndash;|–)max</strong>' "$T/vdom.html" \
	"the latency figure's caption says the band is min-max"
axis=$(grep -o '<ol id="kernel-axis" class="kernels">.*</ol>' "$T/vdom.html" | grep -o '<li>[^<]*</li>' | sed 's/<[^>]*>//g' | tr '\n' ' ')
eq "the page's kernel axis: dpkg's order" "${axis% }" "$want"
# the figure's own x axis: its tic labels left to right (SVG text positions)
svgaxis() {
	python3 - "$1" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
xs = {}
for x, t in re.findall(r'translate\(([0-9.]+),[0-9.]+\)[^>]*>\s*<text>(?:<tspan[^>]*>)?([^<]+)<', s):
    if re.match(r'^[0-9]+\.[0-9.]+-\S+$', t):
        xs[t] = min(float(x), xs.get(t, 1e9))
print(" ".join(sorted(xs, key=xs.get)))
PY
}
for fig in kernel-exits kernel-late kernel-latency; do
	eq "$fig.svg: its x axis lists the kernels in dpkg's order" "$(svgaxis "$V/dash/img/$fig.svg")" "$want"
	"$PNGCHECK" "$V/dash/img/$fig.png" 200 20 >/dev/null && ok "$fig.png is a picture" || bad "$fig.png blank"
done
ex=$(jq -r '.entries[] | select(.workload == "nested-spinlock" and .values.depth == 2 and .vcpus == 1)
	| "\(.policies.fixed.exits) \(.policies.unfixed.exits)"' <("$IRQ" list --suites --format json) | head -1)
expect_grep "expected, fixed: ${ex% *}<" "$V/dash/img/kernel-exits.svg" "the suites file's fixed value drawn (${ex% *})"
expect_grep "expected, unfixed: ${ex#* }<" "$V/dash/img/kernel-exits.svg" "the suites file's unfixed value drawn (${ex#* })"
# the data behind kernel-exits: the fixed build 3 a kernel but 1 on the newest
d=$V/plots/data
f=$(grep -l '^# panel: nested-spinlock depth=2 dpc=1$' "$d"/kernel-exits-*.dat | head -1)
fx=$(awk '/"kernel" .*lab fixed \(emulated\)"/{p=1;next} /^"kernel"/{p=0} p && NF==5{printf "%d:%s ", $1 + 0.5, $2}' "$f")
eq "kernel-exits: lab fixed (emulated) by kernel, the regression on the newest" "$fx" "0:3 1:3 2:3 3:1 "
# the latency panel's median and band: p50 cycles / each run's own rate
lf=$(grep -l '^# panel: DPC delay p50 (dpc_unmask_to_entry), ' "$d"/kernel-latency-*.dat | head -1)
wl=$(sed -n 's/^# panel: DPC delay p50 (dpc_unmask_to_entry), \([a-z-]*\).*/\1/p' "$lf")
ids=$(grep -- "-lab-$wl-fixed-" "$V/kids" | sed -n '1p;5p')
vals=()
for id in $ids; do
	c=$("$IRQ" results show --db "$VDB" "$id" --metrics --json | jq '.metrics["dpc_unmask_to_entry.p50"]')
	hz=$(jq .guest.tsc_hz "$V/krec/$id/record.json")
	vals+=("$(awk -v c="$c" -v hz="$hz" 'BEGIN { printf "%.6g", c / hz * 1e6 }')")
done
band=$(awk -v a="${vals[0]}" -v b="${vals[1]}" 'BEGIN { lo = a < b ? a : b; hi = a < b ? b : a; printf "%.6g %.6g %.6g 2", (a + b) / 2, lo, hi }')
got=$(awk '/"kernel" .*lab fixed \(emulated\)"/{p=1;next} /^"kernel"/{p=0} p && $1 + 0.5 >= 3 {print $2, $3, $4, $5}' "$lf")
eq "kernel-latency: $wl lab fixed on 6.1.187-1, median min max n of its 2 runs in µs (${vals[*]})" "$got" "$band"
expect_grep '"kernel" "[^"]* lab fixed \(emulated\)"' "$lf" "emulated series say so"
finish
