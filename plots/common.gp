# plots/common.gp - terminal and style shared by every irqlbench plot.
# Variables set by `irqlbench plot` (gnuplot -e): fmt ('png' or 'svg'),
# out (the output file), data (the data file), nseries (data blocks),
# nodata (1: the store has nothing for this plot: draw a placeholder).
# The paper figures (`irqlbench report --paper`, paper-*.gp) also set win and
# hin, the size in inches (3.5: one column), and fmt may then be pdf
# (pdfcairo), tex (cairolatex: out.tex and out.pdf, the text set by LaTeX),
# svg or png (pngcairo at 300 dpi); the fonts are 7 pt at that size.
if (!exists("fmt")) fmt = 'png'
if (!exists("win")) win = 0
if (!exists("hin")) hin = 0
# the micro sign, and its LaTeX form for cairolatex
us = (fmt eq 'tex') ? '$\mu$s' : 'µs'
# "at most", which LaTeX's text fonts have no '<' for
le = (fmt eq 'tex') ? '$\le$' : '<='
if (!exists("nodata")) nodata = 0
if (!exists("nseries")) nseries = 0
if (!exists("width")) width = 960
if (!exists("height")) height = 600
if (win > 0) {
	if (fmt eq 'pdf') {
		set terminal pdfcairo size win,hin noenhanced font 'DejaVu Sans,7' linewidth 0.6
	} else { if (fmt eq 'tex') {
		set terminal cairolatex pdf input size win,hin colortext linewidth 0.6 font ',7'
	} else { if (fmt eq 'svg') {
		set terminal svg size win*72,hin*72 noenhanced font 'DejaVu Sans,7' linewidth 0.6 background rgb 'white'
	} else {
		set terminal pngcairo size win*300,hin*300 noenhanced font 'DejaVu Sans,7' fontscale 300.0/72 linewidth 0.6*300/72 background rgb 'white'
	} } }
} else { if (fmt eq 'svg') {
	set terminal svg size width,height dynamic noenhanced font 'DejaVu Sans,12' background rgb 'white'
} else {
	set terminal pngcairo size width,height noenhanced font 'DejaVu Sans,10' background rgb 'white'
} }
set output out
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set key noenhanced
set linetype 1 lc rgb '#1f77b4' lw 2 pt 7 ps 1.2
set linetype 2 lc rgb '#d62728' lw 2 pt 5 ps 1.2
set linetype 3 lc rgb '#2ca02c' lw 2 pt 9 ps 1.2
set linetype 4 lc rgb '#ff7f0e' lw 2 pt 11 ps 1.2
set linetype 5 lc rgb '#9467bd' lw 2 pt 13 ps 1.2
set linetype 6 lc rgb '#8c564b' lw 2 pt 3 ps 1.2
set linetype 7 lc rgb '#e377c2' lw 2 pt 1 ps 1.2
set linetype 8 lc rgb '#17becf' lw 2 pt 2 ps 1.2
set linetype cycle 8
