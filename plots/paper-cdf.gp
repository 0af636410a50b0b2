# plots/paper-cdf.gp - the paper's figures (b), `irqlbench report --paper`:
# a latency as CDFs in microseconds, one small panel per spinlock depth N,
# fixed (blue) against fix-reverted (red) in each; measured runs solid, the
# model's (simulated) thin and dashed.  One key for all panels.
# Variables: data (block (k-1)*nseries+j: panel k, series j; "us" "label"
# header, "x fraction" rows; the key is one entry a line), title (says emulated or simulated time),
# what (the latency, for the placeholder), depths (the panels' N, words),
# nseries, t1..tN and t1tex..tNtex (the series' names for the key; the
# second escaped for LaTeX), xmin, xmax, note, lcs, dts, lws.
load plotdir.'/common.gp'
nd = words(depths)
ncol = (nd > 1) ? 2 : 1
nrow = (nd > 1) ? (nd + 1) / 2 : 1
top = 1 - (0.58 + 0.13 * nseries) / hin
bottom = (0.4 + (strlen(note) > 0 ? 0.14 : 0)) / hin
set multiplot layout nrow, ncol title title margins 0.14, 0.93, bottom, top spacing 0.1, 0.36 / hin
set label 3 'fraction '.le.' x' at screen 0.02, screen (top + bottom) / 2 center rotate by 90
set logscale x 10
set xrange [xmin:xmax]
set yrange [0:1.05]
set ytics 0.5
set format x '%g'
xstep = (xmax / xmin > 1e4) ? 100 : 10
set xtics xstep
set mxtics 10
set grid
unset key
if (nd == 0) {
	set label 1 'no '.what.' histograms' at graph 0.5, graph 0.6 center
	set label 4 'in the nested-spinlock runs' at graph 0.5, graph 0.4 center
	if (strlen(note) > 0) {
		set label 2 note at screen 0.5, screen 0.06 / hin center tc rgb '#a35a00'
	}
	plot NaN notitle
} else {
	do for [k=1:nd] {
		set title 'N = '.word(depths, k) offset 0, -0.9
		set xlabel ((k > nd - ncol) ? us.' (log scale)' : '') offset 0, 0.4
		set format y ((k % ncol == 1 || ncol == 1) ? '%g' : '')
		if (k == 1) {
			# the key, drawn by hand: gnuplot's own would wrap into the
			# small panel's height
			do for [j=1:nseries] {
				ky = 1 - (0.3 + 0.13 * j) / hin
				set arrow 100 + j from screen 0.22, screen ky to screen 0.3, screen ky nohead \
					lc rgb word(lcs, j) dt 0 + word(dts, j) lw (word(lws, j) + 0)
				set label 100 + j value(sprintf(fmt eq 'tex' ? 't%dtex' : 't%d', j)) at screen 0.32, screen ky left
			}
			if (strlen(note) > 0) {
				set label 2 note at screen 0.5, screen 0.06 / hin center tc rgb '#a35a00'
			}
		} else {
			unset label 2
			unset label 3
			unset arrow
			do for [j=1:nseries] {
				unset label 100 + j
			}
		}
		plot for [j=0:nseries-1] data index (k-1)*nseries+j using 1:2 with steps \
			lc rgb word(lcs, j+1) dt 0 + word(dts, j+1) lw (word(lws, j+1) + 0) notitle
	}
}
unset multiplot
