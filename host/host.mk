# host/host.mk - the irqlbench command's core: CLI, list, run (direct QEMU
# launch), serial report parser, JSON record; run parses a --script on the
# host before QEMU starts (workloads/script/scn.c).  See the Makefile header.

HOST_SRCS += host/cli/main.c host/cli/cli.c host/cli/options.c host/cli/doc.c host/cli/commands.c host/list/cmd_list.c host/run/cmd_run.c host/run/run.c host/run/backends.c \
	     host/run/rundir.c host/run/outcome.c host/run/qemu.c \
	     host/record/serial.c host/record/hist.c host/record/record.c host/record/hostfacts.c host/record/metrics.c host/record/check.c host/cli/util.c host/cli/stage.c host/cli/stopsig.c workloads/catalog.c guestos/lib/klib.c \
	     workloads/script/scn.c host/suite/suite.c host/suite/run_values.c
HOST_LIBS += -ljansson

# The suite's version goes into every record: git describe at build time.
# The stamp changes only when the version does, so util.o rebuilds only then.
IRQLBENCH_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/host/host/cli/util.o: HOST_CFLAGS += -DIRQLBENCH_VERSION='"$(IRQLBENCH_VERSION)"'
$(BUILD)/host/host/cli/util.o: $(BUILD)/host/version.stamp
$(BUILD)/host/version.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(IRQLBENCH_VERSION)' | cmp -s - $@ 2>/dev/null || echo '$(IRQLBENCH_VERSION)' >$@
.PHONY: FORCE
FORCE:

# what host/store/store.c needs besides the store's own files: every unit test
# that links it links these too
STORE_NEEDS_SRCS := host/record/check.c host/cli/stopsig.c host/cli/util.c workloads/catalog.c guestos/lib/klib.c
HOST_CORE_TEST_SRCS := host/record/serial.c host/record/hist.c host/record/record.c host/record/hostfacts.c host/cli/util.c guestos/lib/klib.c
UNIT_TESTS += serial record
test_serial_SRCS := tests/unit/test_serial.c tests/unit/report_gen.c $(HOST_CORE_TEST_SRCS)
test_serial_LIBS := -ljansson
test_record_SRCS := tests/unit/test_record.c tests/unit/report_gen.c $(HOST_CORE_TEST_SRCS)
test_record_LIBS := -ljansson
# the guest's log-linear buckets and the percentiles read off them
UNIT_TESTS += hist
test_hist_SRCS := tests/unit/test_hist.c host/record/metrics.c $(HOST_CORE_TEST_SRCS)
test_hist_LIBS := -ljansson -lm
# provenance.host from the made-up host trees of tests/fixtures/hosts/
UNIT_TESTS += hostfacts
test_hostfacts_SRCS := tests/unit/test_hostfacts.c $(HOST_CORE_TEST_SRCS)
test_hostfacts_LIBS := -ljansson
# a record's metrics (host/record/metrics.c), as the results store keeps them
UNIT_TESTS += metrics
test_metrics_SRCS = tests/unit/test_metrics.c host/record/metrics.c host/store/store.c host/store/query.c \
	host/verify/verdict.c host/suite/run_values.c $(SUITE_TEST_SRCS) $(STORE_NEEDS_SRCS)
test_metrics_LIBS := -lsqlite3 -ljansson -lm

# workloads/suites.cfg: the parser, the formula evaluator, the expectations
# (host/suite/suite.c); the model tests read the suite through the same API
SUITE_TEST_SRCS := host/suite/suite.c host/cli/util.c host/model/kvm_policy.c workloads/catalog.c \
		   guestos/lib/klib.c
UNIT_TESTS += suite
test_suite_SRCS := tests/unit/test_suite.c $(SUITE_TEST_SRCS)

INTEGRATION_TESTS += tests/integration/run-usage.sh tests/integration/run-kvm-preflight.sh \
		     tests/integration/run-fake-qemu.sh tests/integration/run-guest-failures.sh tests/integration/run-repeat.sh tests/integration/guest-verdict.sh tests/integration/apic-modes.sh \
		     tests/integration/import-serial.sh \
		     tests/integration/bad-input-san.sh tests/integration/run-signals.sh \
		     tests/integration/suites.sh tests/integration/suites-new-entry.sh \
		     tests/integration/cli-contract.sh

# Fuzzing the serial parser (libFuzzer, clang); not part of `make check`.
#   make fuzz [FUZZ_SECONDS=60]
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	       -fno-sanitize-recover=all $(INCLUDES)
$(BUILD)/fuzz/fuzz_serial: tests/fuzz/fuzz_serial.c $(HOST_CORE_TEST_SRCS) host/record/serial.h host/record/record.h
	@mkdir -p $(dir $@)
	$(V)clang $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_serial.c $(HOST_CORE_TEST_SRCS) -ljansson
.PHONY: fuzz
fuzz: $(BUILD)/fuzz/fuzz_serial
	@mkdir -p $(BUILD)/fuzz/corpus
	$(V)cp -n tests/fuzz/seeds/* $(BUILD)/fuzz/corpus/ 2>/dev/null || true
	$(V)$(BUILD)/fuzz/fuzz_serial -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -artifact_prefix=$(BUILD)/fuzz/ \
		-dict=tests/fuzz/serial.dict $(BUILD)/fuzz/corpus

# Fuzzing the suites file's parser and evaluator (libFuzzer, clang), seeded
# with workloads/suites.cfg; not part of `make check`.
#   make fuzz-suite [FUZZ_SECONDS=60]
$(BUILD)/fuzz/fuzz_suite: tests/fuzz/fuzz_suite.c $(SUITE_TEST_SRCS) host/suite/suite.h
	@mkdir -p $(dir $@)
	$(V)clang $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_suite.c $(SUITE_TEST_SRCS)
.PHONY: fuzz-suite
fuzz-suite: $(BUILD)/fuzz/fuzz_suite
	@mkdir -p $(BUILD)/fuzz/suite-corpus
	$(V)cp -n workloads/suites.cfg $(BUILD)/fuzz/suite-corpus/ 2>/dev/null || true
	$(V)$(BUILD)/fuzz/fuzz_suite -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
		-artifact_prefix=$(BUILD)/fuzz/ $(BUILD)/fuzz/suite-corpus

# the option tables' parser (host/cli/options.c), every form and every error;
# CLI_TEST_SRCS: what a unit test that runs a command links
CLI_TEST_SRCS := host/cli/options.c host/cli/cli.c host/cli/util.c guestos/lib/klib.c
UNIT_TESTS += cli
test_cli_SRCS := tests/unit/test_cli.c $(CLI_TEST_SRCS)
test_cli_LIBS := -ljansson
