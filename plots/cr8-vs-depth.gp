# plots/cr8-vs-depth.gp - CR8-write exits per iteration against the
# spinlock depth N of nested-spinlock, one line per backend:policy/variant.
# The fixed kernel exits on all 2N-1 CR8 writes, the unfixed one on 1.
# data: one block per series ("N" "label" header, then "N exits" rows).
# Identical series overlap: earlier ones are drawn wider, so all stay visible.
load plotdir.'/common.gp'
set title 'nested-spinlock: CR8-write exits per iteration vs spinlock depth N'
set xlabel 'spinlock depth N'
set ylabel 'write_cr8 exits per iteration'
set key top left box opaque
if (!exists("xmax")) xmax = 8
set xrange [0.5:xmax+0.5]
set xtics 1
set yrange [0:*]
if (nodata) {
	set label 1 'no nested-spinlock runs in the store' at graph 0.5,0.5 center
	plot 2*x-1 title '2N-1 (fixed, expected)' dt 2 lc rgb '#999999', \
	     1 title '1 (unfixed, expected)' dt 3 lc rgb '#999999'
} else {
	plot 2*x-1 title '2N-1 (fixed, expected)' dt 2 lw 1 lc rgb '#999999', \
	     1 title '1 (unfixed, expected)' dt 3 lw 1 lc rgb '#999999', \
	     for [i=0:nseries-1] data index i using 1:2 with linespoints lt (i+1) \
		 lw (1 + 0.4*(nseries-1-i)) ps (0.8 + 0.2*(nseries-1-i)) title columnheader(2)
}
