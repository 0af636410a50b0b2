# plots/exits-stacked.gp - exits by reason, stacked, per workload and
# backend:policy/variant (mean per iteration, or per run where the workload
# counts no iterations).
# data: header "group" reason1 reason2 ...; one row per group.  ncols = columns.
load plotdir.'/common.gp'
set title 'exits by reason per iteration (mean over runs)'
set ylabel 'exits per iteration'
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.7
set xtics rotate by -30 left
set bmargin 9
set key outside right top
set yrange [0:*]
if (nodata) {
	set label 1 'no runs with exit counts (kvm, lab, model) in the store' at graph 0.5,0.5 center
	set yrange [0:1]
	plot -1 notitle
} else {
	plot for [i=2:ncols] data using i:xtic(1) title columnheader(i) lt (i-1)
}
