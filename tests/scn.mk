# tests/scn.mk - tests of the scenario-script language (workloads/script/).
#
#   make unit-tests / make check   build/tests/scn (ASan+UBSan), parser and
#                                  interpreter against a recording fake of
#                                  nt.h/platform.h, and every workloads/scripts/*.scn
#   make fuzz-scn                  libFuzzer harness (clang), not part of check;
#                                  FUZZ_SECONDS=60 make fuzz-scn-run runs it
include workloads/script/script.mk

UNIT_TESTS += scn
test_scn_SRCS := tests/unit/test_scn.c $(SCN_SRCS) guestos/lib/klib.c

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_SCN      := $(BUILD)/fuzz/fuzz_scn
FUZZ_SCN_SRCS := tests/fuzz/fuzz_scn.c workloads/script/scn.c guestos/lib/klib.c

.PHONY: fuzz-scn fuzz-scn-run
fuzz-scn: $(FUZZ_SCN)
$(FUZZ_SCN): $(FUZZ_SCN_SRCS) workloads/script/scn.h guestos/include/klib.h
	@mkdir -p $(dir $@)
	$(V)$(FUZZ_CC) -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(COMMON_WARN) $(INCLUDES) -o $@ $(FUZZ_SCN_SRCS)

# Runs the fuzzer for FUZZ_SECONDS on a corpus seeded with the examples.
fuzz-scn-run: $(FUZZ_SCN)
	@mkdir -p $(BUILD)/fuzz/scn-corpus
	$(V)cp -n workloads/scripts/*.scn $(BUILD)/fuzz/scn-corpus/ 2>/dev/null || true
	$(V)$(FUZZ_SCN) -max_total_time=$(FUZZ_SECONDS) -max_len=70000 -artifact_prefix=$(BUILD)/fuzz/ \
		-dict=tests/fuzz/scn.dict $(BUILD)/fuzz/scn-corpus
