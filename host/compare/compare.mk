# host/compare: `irqlbench compare` (Mann-Whitney U, LKP-style table, --fail-on).
COMPARE_SRCS := host/compare/mwu.c host/compare/compare.c host/compare/cmd_compare.c
HOST_SRCS += $(COMPARE_SRCS)
HOST_LIBS += -lsqlite3 -ljansson -lm

UNIT_TESTS += compare
test_compare_SRCS = tests/unit/test_compare.c host/compare/mwu.c host/compare/compare.c \
	host/store/store.c host/store/query.c host/record/metrics.c host/suite/run_values.c \
	$(SUITE_TEST_SRCS) $(STORE_NEEDS_SRCS)
test_compare_LIBS := -lsqlite3 -ljansson -lm
