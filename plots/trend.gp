# plots/trend.gp - one metric over a series of runs in start order (the
# dashboard view), one line per workload and backend:policy/variant.
# Extra variable: metric (its name).
# data: one block per series ("run" "label" header, then "seq value").
load plotdir.'/common.gp'
if (!exists("metric")) metric = 'metric'
set title metric.' over the runs (in start order)'
set xlabel 'run number (start order)'
set ylabel metric
set key outside right top
set yrange [0:*]
if (nodata) {
	set label 1 'no runs with '.metric.' in the store' at graph 0.5,0.5 center
	set xrange [0:10]
	set yrange [0:1]
	plot -1 notitle
} else {
	plot for [i=0:nseries-1] data index i using 1:2 with linespoints lt (i+1) title columnheader(2)
}
