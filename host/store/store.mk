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

INTEGRATION_TESTS += tests/integration/results-broken-store.sh
INTEGRATION_TESTS += tests/integration/results-import.sh
INTEGRATION_TESTS += tests/integration/results-delete.sh
