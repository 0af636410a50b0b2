# plots: gnuplot scripts, `irqlbench plot` (plots/plot.c) and the dashboard.
#   make plots [PLOT_ARGS='--db FILE --out-dir DIR']
# writes plots/out/*.png|svg and results/dashboard/index.html from the store.
PLOT_SRCS := plots/plot.c
RESULTS_SRCS += $(PLOT_SRCS)
HOST_SRCS += $(PLOT_SRCS)
HOST_LIBS += -lsqlite3 -ljansson -lm

# build/tools/irqlbench-results: the result commands (results, compare, plot,
# report) without the rest of irqlbench.  The integration tests of this area
# use build/bin/irqlbench when it has the commands, else this driver.
RESULTS_TOOL := $(BUILD)/tools/irqlbench-results
RESULTS_TOOL_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(sort $(RESULTS_SRCS)) host/store/tool_main.c)
$(RESULTS_TOOL): $(RESULTS_TOOL_OBJS)
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -o $@ $^ -lsqlite3 -ljansson -lm
-include $(BUILD)/host/host/store/tool_main.d
unit-tests: $(RESULTS_TOOL)

# (the driver stands in until host/commands.c has the plot command)
plots: $(IRQLBENCH) $(RESULTS_TOOL)
	$(V)if $(IRQLBENCH) plot --help >/dev/null 2>&1; then $(IRQLBENCH) plot $(PLOT_ARGS); \
	else $(RESULTS_TOOL) plot $(PLOT_ARGS); fi

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
