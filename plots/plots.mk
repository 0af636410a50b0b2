# plots: gnuplot scripts, `irqlbench plot` (host/plot/cmd_plot.c) and the dashboard.
#   make plots [PLOT_ARGS='--db FILE --out-dir DIR']
# writes plots/out/*.png|svg and results/dashboard/index.html from the store.

plots: $(IRQLBENCH)
	$(V)$(IRQLBENCH) plot $(PLOT_ARGS)

# A PNG check for the plot and dashboard tests (libpng): size, distinct
# colours and non-white pixels.
PNGCHECK := $(BUILD)/tools/pngcheck
$(PNGCHECK): tests/fixtures/records/pngcheck.c
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -o $@ $< -lpng
unit-tests: $(PNGCHECK)

INTEGRATION_TESTS += tests/integration/results-model.sh tests/integration/results-store.sh tests/integration/results-compare.sh \
		     tests/integration/results-report.sh tests/integration/plots-gnuplot.sh \
		     tests/integration/dashboard-chromium.sh

# The paper's figures and tables (`irqlbench report --paper`, host/report/paper.c):
#   make paper [PAPER_DIR=paper/out] [PAPER_ARGS='--db FILE --select SEL']
PAPER_DIR ?= paper/out
.PHONY: paper
paper: $(IRQLBENCH)
	$(V)$(IRQLBENCH) report --paper $(PAPER_DIR) $(PAPER_ARGS)
INTEGRATION_TESTS += tests/integration/paper-figures.sh
