# host/store: the SQLite results store and `irqlbench results`.
STORE_SRCS := host/store/store.c host/store/query.c host/store/verdicts.c host/store/merge.c \
	host/store/store_cmd.c
HOST_SRCS += host/results/cmd_results.c host/results/kcidb.c host/results/exit_table.c
HOST_SRCS += $(STORE_SRCS)
HOST_LIBS += -lsqlite3 -ljansson -lm

UNIT_TESTS += store
test_store_SRCS := tests/unit/test_store.c host/store/store.c host/store/query.c host/store/verdicts.c host/record/metrics.c $(STORE_NEEDS_SRCS)
test_store_LIBS := -lsqlite3 -ljansson -lm

INTEGRATION_TESTS += tests/integration/results-broken-store.sh tests/integration/results-import.sh \
		     tests/integration/results-delete.sh tests/integration/results-export-kcidb.sh \
		     tests/integration/results-merge.sh

# the KCIDB mapping of results export --format kcidb; a verdict's expected
# answer is verify's (verdict_expected: the suites file's policy families)
UNIT_TESTS += kcidb
test_kcidb_SRCS = tests/unit/test_kcidb.c host/results/kcidb.c host/record/metrics.c \
	host/verify/verdict.c host/suite/run_values.c $(SUITE_TEST_SRCS)
test_kcidb_LIBS := -ljansson -lm
