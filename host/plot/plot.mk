# host/plot/plot.mk - `irqlbench plot` (host/plot/cmd_plot.c): the gnuplot
# figures (scripts in plots/) and the static dashboard.  `make plots` is in
# plots/plots.mk.
PLOT_SRCS := host/plot/cmd_plot.c host/plot/kernels.c
HOST_SRCS += $(PLOT_SRCS)
HOST_LIBS += -lsqlite3 -ljansson -lm
