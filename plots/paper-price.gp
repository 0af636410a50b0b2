# plots/paper-price.gp - the paper's figure (e), `irqlbench report --paper`:
# the price of the fix per DPC vs spinlock depth N, in microseconds (log
# scale): for each source (the model with measured costs, the lab, kvm) the
# extra CR8-write exits' time the fix costs ("exit cost", solid, filled points) and the DPC
# delay it saves ("delay saved", dashed, open points), one colour a source.
# Variables: data (block 2k: source k's cost, 2k+1: its saving; "N"
# "label" header, "N us" rows), nsrc (0: nothing to draw), lcs (a colour a source, words), title
# (says emulated or simulated time), t1..t(2*nsrc) and their LaTeX twins
# t1tex.. (the key's names).
load plotdir.'/common.gp'
set title title
set xlabel 'spinlock depth N (nested-spinlock)'
set ylabel us.' per DPC (log scale)'
set xrange [0.5:8.5]
set xtics 1
set logscale y 10
set format y '%g'
set key below Left reverse maxcols 1 samplen 2 spacing 1.1 nobox
set xlabel offset 0, 0.3
if (nsrc == 0) {
	unset logscale y
	set yrange [0:1]
	set label 1 'no nested-spinlock runs of both fixed and' at graph 0.5, graph 0.6 center
	set label 4 'fix-reverted with exit times (see the table)' at graph 0.5, graph 0.45 center
	plot NaN notitle
} else {
	plot for [i=0:2*nsrc-1] data index i using 1:2 with linespoints \
		lc rgb word(lcs, i/2 + 1) dt 1 + i % 2 pt 7 - i % 2 ps 0.9 lw 1.5 \
		title value(sprintf(fmt eq 'tex' ? 't%dtex' : 't%d', i + 1))
}
