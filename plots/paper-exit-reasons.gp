# plots/paper-exit-reasons.gp - the paper's figure (c), `irqlbench report
# --paper`: exits by reason per iteration as horizontal bars, grouped by
# reason: the measured variants filled, the model's reference outlined.
# Variables: data (header "reason" and a column per series; a row per
# reason), title, nseries, nreasons, models (per series 1 for the model's,
# else 0: words), note, lcs.
load plotdir.'/common.gp'
set title title
set xlabel 'exits per iteration'
set xrange [0:*]
# the key under the plot, an entry a line: the bars keep the whole width
set key below Left reverse maxcols 1 samplen 1.5 spacing 1 nobox
# the first row is the header (the series' names)
set key autotitle columnheader
set ytics nomirror
set grid x
set grid noy
if (strlen(note) > 0) {
	set title title offset 0, 1
	set label 2 note at screen 0.5, graph 1 center offset 0, 0.9 tc rgb '#a35a00'
}
if (nseries == 0 || nreasons == 0) {
	set label 1 'no runs with exit counts in the store' at graph 0.5, graph 0.5 center
	set yrange [0:1]
	plot NaN notitle
} else {
	h = 0.8 / nseries
	off(j) = -0.4 + h * (j + 0.5)
	set yrange [nreasons - 0.5:-0.5]
	model(j) = word(models, j + 1) eq '1'
	y(j) = $0 + off(j)
	plot data using (NaN):0:ytic(1) notitle, \
	     for [j=0:nseries-1] data using (0):(y(j)):(0):(model(j) ? NaN : column(j + 2)):(y(j) - h / 2.2):(y(j) + h / 2.2) \
		with boxxyerror fs solid 0.85 border lc rgb '#333333' fc rgb word(lcs, j + 1) \
		title (model(j) ? '' : columnhead(j + 2)), \
	     for [j=0:nseries-1] data using (0):(y(j)):(0):(model(j) ? column(j + 2) : NaN):(y(j) - h / 2.2):(y(j) + h / 2.2) \
		with boxxyerror fs empty border lc rgb word(lcs, j + 1) lc rgb word(lcs, j + 1) lw 2 \
		title (model(j) ? columnhead(j + 2) : '')
}
