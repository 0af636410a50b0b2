# host/verify/verdict.c: the decision of `irqlbench verify` (pure logic;
# the command that runs the workloads is wired by the lead).
HOST_SRCS += host/verify/verdict.c
HOST_LIBS += -ljansson -lm
UNIT_TESTS += verdict
test_verdict_SRCS := tests/unit/test_verdict.c host/verify/verdict.c
test_verdict_LIBS := -ljansson -lm
HOST_SRCS += host/verify/cmd_verify.c
