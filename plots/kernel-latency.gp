# plots/kernel-latency.gp - latencies by Debian kernel version
# (kernel-latency): a panel per histogram and percentile (DPC delay,
# interrupt latency; p50, p99), at most six series a panel; the line is the
# median over the runs of a series and kernel, the band and the bar their
# min and max; µs, log scale.  Variables as plots/kernel-trend.gp's (no
# expected values: ef<i> and eu<i> are -1); data rows "x median min max n".
if (!exists("np")) np = 0
if (!exists("nk")) nk = 0
if (!exists("xt")) xt = '()'
if (!exists("ylab")) ylab = ''
if (!exists("ttl")) ttl = ''
load plotdir.'/common.gp'
set key below horizontal maxrows 3 box noenhanced
set ylabel ylab
if (nodata || np == 0) {
	set title 'no lab, kvm or guest run with a Debian kernel version and these latencies'
	set xrange [0:1]
	set yrange [0:1]
	plot -1 notitle
} else {
	set multiplot layout (np + 1) / 2, (np > 1 ? 2 : 1) title ttl noenhanced
	set xrange [-0.5:nk - 0.5]
	eval('set xtics '.xt.' rotate by 30 right')
	set logscale y
	set style fill transparent solid 0.18 noborder
	do for [i=1:np] {
		f = value('d'.i)
		n = value('n'.i)
		set title value('t'.i) noenhanced
		plot for [j=0:n-1] f index j using 1:3:4 with filledcurves lt (word(value('l'.i), j+1) + 0) notitle, \
		     for [j=0:n-1] f index j using 1:2:3:4 with yerrorlines lt (word(value('l'.i), j+1) + 0) title columnheader(2)
	}
	unset multiplot
}
