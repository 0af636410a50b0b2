# host/verify/verdict.c: the decision of `irqlbench verify` (pure logic), and
# cmd_verify.c, the command that runs the workloads or selects stored runs.
HOST_SRCS += host/verify/verdict.c
HOST_LIBS += -ljansson -lm
UNIT_TESTS += verdict
# the expectations are workloads/suites.cfg's, read through host/suite/suite.c as
# the model tests do (SUITE_TEST_SRCS: host/host.mk)
test_verdict_SRCS := tests/unit/test_verdict.c host/verify/verdict.c host/store/store.c \
	host/store/query.c host/store/verdicts.c host/record/metrics.c host/suite/run_values.c \
	$(SUITE_TEST_SRCS) $(STORE_NEEDS_SRCS)
test_verdict_LIBS := -lsqlite3 -ljansson -lm
HOST_SRCS += host/verify/cmd_verify.c host/verify/series.c
# the guest-side verdict (verify --backend guest): pure logic over records
HOST_SRCS += host/verify/guest_verdict.c
INTEGRATION_TESTS += tests/integration/verify-series.sh
