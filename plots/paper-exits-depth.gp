# plots/paper-exits-depth.gp - the paper's figure (a), `irqlbench report
# --paper`: CR8-write exits per iteration vs spinlock depth N of
# nested-spinlock.  The model (simulated) is drawn as reference lines,
# labelled on the line; the measured kvm_amd runs (lab, kvm) as markers,
# filled = fixed, open = fix-reverted, in the key.
# Variables: data (blocks: nmodel model lines, nmeas measured series, then
# the line labels "x y text dy", dy in units of ymax), ymax, note ('' or the model-only note), the
# styles of the measured series (lcs, pts: words) and of the model lines
# (mlcs, mdts).
load plotdir.'/common.gp'
set title 'CR8-write exits per iteration vs spinlock depth'
set xlabel 'spinlock depth N (nested-spinlock)'
set ylabel 'CR8-write exits per iteration'
set xrange [0.5:8.5]
set xtics 1
set yrange [0:ymax * 1.22]
# the key under the plot, an entry a line (the lines' own labels stay
# clear); each line's label at its end, the rising line's below it, the
# flat one's above
set key below Left reverse maxcols 1 samplen 1 spacing 1.1 nobox
set tmargin 2
if (strlen(note) > 0) {
	set tmargin 3.4
	set title offset 0, 1
	set label 2 note at screen 0.5, graph 1 center offset 0, 0.9 tc rgb '#a35a00'
}
if (nmodel + nmeas == 0) {
	set label 1 'no nested-spinlock runs in the store' at graph 0.5, graph 0.5 center
	plot NaN notitle
} else {
	plot for [i=0:nmodel-1] data index i using 1:2 with lines lw 1.2 \
		lc rgb word(mlcs, i+1) dt 0 + word(mdts, i+1) notitle, \
	     data index nmodel+nmeas using 1:($2 + $4 * ymax):3 with labels right tc rgb '#333333' notitle, \
	     for [i=0:nmeas-1] data index nmodel+i using 1:2 with points \
		pt (word(pts, i+1) + 0) ps 1.4 lw 1.5 lc rgb word(lcs, i+1) title columnheader(2)
}
