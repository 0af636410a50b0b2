# host/store: the SQLite results store and `irqlbench results`.
# RESULTS_SRCS collects this area's sources (store, compare, report, plot)
# for build/tools/irqlbench-results (plots/plots.mk), a driver of the
# result commands alone.
STORE_SRCS := host/store/store.c host/store/query.c host/store/cmd_results.c host/store/cmd_util.c
RESULTS_SRCS += $(STORE_SRCS)
# the tool dispatches through host/main.c (its table: host/store/tool_main.c)
RESULTS_SRCS += host/main.c host/util.c
HOST_SRCS += $(STORE_SRCS)
HOST_LIBS += -lsqlite3 -ljansson -lm

UNIT_TESTS += store
test_store_SRCS := tests/unit/test_store.c host/store/store.c host/store/query.c
test_store_LIBS := -lsqlite3 -ljansson -lm

# The result commands under ASan+UBSan (the table of tool_main.c), for
# tests/integration/results-san.sh: the command layer - option parsing,
# every kind of import, delete, the error paths - in the sanitizers.
# (plots/plot.c by name: plots/plots.mk adds it to RESULTS_SRCS after this)
RESULTS_SAN := $(BUILD)/tests/irqlbench-results-san
RESULTS_SAN_SRCS = $(sort $(RESULTS_SRCS) plots/plot.c) host/store/tool_main.c
$(RESULTS_SAN): $(patsubst %.c,$(BUILD)/san/%.o,$(RESULTS_SAN_SRCS))
	@mkdir -p $(dir $@)
	$(V)$(CC) $(SAN_CFLAGS) -o $@ $^ -lsqlite3 -ljansson -lm
-include $(patsubst %.c,$(BUILD)/san/%.d,$(RESULTS_SAN_SRCS))
unit-tests: $(RESULTS_SAN)

INTEGRATION_TESTS += tests/integration/results-broken-store.sh tests/integration/results-import.sh \
		     tests/integration/results-delete.sh tests/integration/results-san.sh
