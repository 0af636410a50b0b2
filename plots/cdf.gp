# plots/cdf.gp - a latency histogram of the store as CDFs on a log x axis,
# one line per workload and backend:policy/variant (histograms merged over
# the measured phases, vCPUs and runs).  Extra variables: what (the title),
# unit (x axis label).
# data: one block per series ("cycles" "label" header, then "bound cdf").
load plotdir.'/common.gp'
if (!exists("what")) what = 'latency'
if (!exists("unit")) unit = 'TSC cycles'
set title what.' (CDF)'
set xlabel unit.' (log scale; bucket upper bounds)'
set ylabel 'fraction of events <= x'
set logscale x 10
set format x '10^{%L}'
set format x '%.0e'
set yrange [0:1.02]
set key outside right top
if (nodata) {
	set label 1 'no '.what.' histograms in the store' at graph 0.5,0.5 center
	set xrange [10:1e9]
	set yrange [0:1]
	plot -1 notitle
} else {
	plot for [i=0:nseries-1] data index i using 1:2 with steps lt (i+1) title columnheader(2)
}
