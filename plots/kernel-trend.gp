# plots/kernel-trend.gp - a count by Debian kernel version (kernel-exits,
# kernel-late): a panel per workload and parameters (at most six series a
# panel, a series a host, backend and variant), the mean of the runs with
# their min-max as a bar, and the values workloads/suites.cfg expects of the
# fixed and unfixed families as grey reference lines labelled on the line.
# Variables (host/plot/kernels.c): np panels, nk kernels, xt the x tics
# ('("6.1.170-3" 0, ...)', oldest left), ylab; per panel i = 1..np: d<i>
# (data: a block per series, '"kernel" "label"' then "x mean min max n"),
# t<i> its title, n<i> its series, l<i> their linetypes (fixed 1, fix-reverted 2,
# stock 3), ef<i> and eu<i> the expected values
# (-1: none); ttl the figure's title.
if (!exists("np")) np = 0
if (!exists("nk")) nk = 0
if (!exists("xt")) xt = '()'
if (!exists("ylab")) ylab = ''
if (!exists("ttl")) ttl = ''
load plotdir.'/common.gp'
set key below horizontal maxrows 3 box noenhanced
set ylabel ylab
if (nodata || np == 0) {
	set title 'no lab, kvm or guest run with a Debian kernel version and this count'
	set xrange [0:1]
	set yrange [0:1]
	plot -1 notitle
} else {
	set multiplot layout (np + 1) / 2, (np > 1 ? 2 : 1) title ttl noenhanced
	set xrange [-0.5:nk - 0.5]
	eval('set xtics '.xt.' rotate by 30 right')
	set yrange [0:*]
	set offsets 0, 0, graph 0.15, 0
	do for [i=1:np] {
		f = value('d'.i)
		n = value('n'.i)
		ef = value('ef'.i)
		eu = value('eu'.i)
		set title value('t'.i) noenhanced
		unset label
		if (ef >= 0 && ef == eu) {
			set label 1 sprintf('expected, fixed = unfixed: %g', ef) at graph 0.01, first ef left offset 0,0.7 tc rgb '#555555'
		} else {
			if (ef >= 0) { set label 1 sprintf('expected, fixed: %g', ef) at graph 0.01, first ef left offset 0,0.7 tc rgb '#555555' }
			if (eu >= 0) { set label 2 sprintf('expected, unfixed: %g', eu) at graph 0.01, first eu left offset 0,0.7 tc rgb '#555555' }
		}
		plot (ef >= 0 ? ef : NaN) notitle with lines dt 2 lw 1 lc rgb '#888888', \
		     (eu >= 0 ? eu : NaN) notitle with lines dt 3 lw 1 lc rgb '#888888', \
		     for [j=0:n-1] f index j using 1:2:3:4 with yerrorlines lt (word(value('l'.i), j+1) + 0) title columnheader(2)
	}
	unset multiplot
}
