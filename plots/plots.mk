# plots: gnuplot scripts, `irqlbench plot` (plots/plot.c) and the dashboard.
#   make plots [PLOT_ARGS='--db FILE --out-dir DIR']
# writes plots/out/*.png|svg and results/dashboard/index.html from the store.
PLOT_SRCS := plots/plot.c
HOST_SRCS += $(PLOT_SRCS)
HOST_LIBS += -lsqlite3 -ljansson -lm

plots: $(IRQLBENCH)
	$(V)$(IRQLBENCH) plot $(PLOT_ARGS)

# A PNG check for the plot and dashboard tests (libpng): size, distinct
# colours and non-white pixels.
PNGCHECK := $(BUILD)/tools/pngcheck
$(PNGCHECK): tests/fixtures/records/pngcheck.c
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -o $@ $< -lpng
unit-tests: $(PNGCHECK)

# The verify decision on record files (until `irqlbench verify` is wired).
VERDICT_CHECK := $(BUILD)/tools/verdict-check
$(VERDICT_CHECK): tests/fixtures/records/verdict-check.c host/verify/verdict.c host/verify/verdict.h
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -o $@ tests/fixtures/records/verdict-check.c host/verify/verdict.c -ljansson -lm
unit-tests: $(VERDICT_CHECK)

INTEGRATION_TESTS += tests/integration/results-model.sh tests/integration/results-store.sh tests/integration/results-compare.sh \
		     tests/integration/results-report.sh tests/integration/plots-gnuplot.sh \
		     tests/integration/dashboard-chromium.sh
