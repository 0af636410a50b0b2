# plots/cr8-vs-depth.gp - CR8-write exits per iteration against the
# spinlock depth N of nested-spinlock, one line per backend:policy/variant.
# The expected lines (grey) come from workloads/suites.cfg, through the file
# `expected` ("N fixed unfixed" rows; '' when the suites file gives none).
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
if (!exists("expected")) expected = ''
set macros
E = (strlen(expected) > 0) ? \
    "expected using 1:2 title 'fixed, expected (suites.cfg)' with lines dt 2 lw 1 lc rgb '#999999', \
     expected using 1:3 title 'unfixed, expected (suites.cfg)' with lines dt 3 lw 1 lc rgb '#999999'" : \
    "NaN notitle"
if (nodata) {
	set label 1 'no nested-spinlock runs in the store' at graph 0.5,0.5 center
	plot @E
} else {
	plot @E, \
	     for [i=0:nseries-1] data index i using 1:2 with linespoints lt (i+1) \
		 lw (1 + 0.4*(nseries-1-i)) ps (0.8 + 0.2*(nseries-1-i)) title columnheader(2)
}
