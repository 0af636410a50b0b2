# irqlbench - top-level Makefile.  `make help` lists the targets.
#
# Each area contributes a fragment (guestos/guestos.mk, workloads/workloads.mk,
# host/*.mk, tests/tests.mk).  Fragments only add to these variables:
#   GUEST_SRCS          sources of the guest image (arch, lib, NT layer, workloads)
#   HOST_SRCS           sources of build/bin/irqlbench
#   HOST_LIBS           libraries for build/bin/irqlbench (-l...)
#   UNIT_TESTS          names; each has test_<name>_SRCS and optionally test_<name>_LIBS,
#                       built with ASan+UBSan into build/tests/<name>
#   INTEGRATION_TESTS   scripts run by tests/run-tests.sh after the unit tests
# and may add their own targets under build/.

BUILD     ?= build
CC        ?= gcc
V         ?= @

COMMON_WARN  := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
INCLUDES     := -Iguestos/include -Iworkloads -Ihost
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -fno-pic -fno-pie \
		-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
		-mcmodel=small -fcf-protection=none -DIRQLBENCH_GUEST $(COMMON_WARN) $(INCLUDES)
HOST_CFLAGS  := -std=gnu11 -O2 -g -D_GNU_SOURCE $(COMMON_WARN) $(INCLUDES) $(EXTRA_CFLAGS)
SAN_CFLAGS   := -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer $(COMMON_WARN) $(INCLUDES)

GUEST_SRCS :=
HOST_SRCS  :=
HOST_LIBS  :=
UNIT_TESTS :=
INTEGRATION_TESTS :=

.PHONY: all run check bench plots clean help deps unit-tests
all:

-include guestos/guestos.mk
-include workloads/workloads.mk
-include $(wildcard host/*.mk host/*/*.mk)
-include lava/lava.mk
-include tests/tests.mk
-include plots/plots.mk

GUEST_ELF := $(BUILD)/guest/irqlbench-guest.elf
IRQLBENCH := $(BUILD)/bin/irqlbench

all: $(IRQLBENCH) $(GUEST_ELF)

# --- host -------------------------------------------------------------------
HOST_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(HOST_SRCS))
$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(IRQLBENCH): $(HOST_OBJS)
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -rdynamic -o $@ $^ $(HOST_LIBS)
-include $(HOST_OBJS:.o=.d)

# --- the whole command under ASan + UBSan ---------------------------------------
# tests/integration/bad-input-san.sh runs every bad-input test against it.
IRQLBENCH_SAN := $(BUILD)/tests/irqlbench-asan
$(IRQLBENCH_SAN): $(patsubst %.c,$(BUILD)/san/%.o,$(HOST_SRCS))
	@mkdir -p $(dir $@)
	$(V)$(CC) $(SAN_CFLAGS) -rdynamic -o $@ $^ $(HOST_LIBS)
unit-tests: $(IRQLBENCH_SAN)
# its objects' header dependencies (a changed struct in a header rebuilds them)
-include $(patsubst %.c,$(BUILD)/san/%.d,$(HOST_SRCS))

# --- unit tests (ASan + UBSan) ------------------------------------------------
$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(V)$(CC) $(SAN_CFLAGS) -MMD -MP -c $< -o $@
define unit_test_rule
$(BUILD)/tests/$(1): $$(patsubst %.c,$(BUILD)/san/%.o,$$(test_$(1)_SRCS))
	@mkdir -p $$(dir $$@)
	$$(V)$$(CC) $$(SAN_CFLAGS) -o $$@ $$^ $$(test_$(1)_LIBS)
-include $$(patsubst %.c,$(BUILD)/san/%.d,$$(test_$(1)_SRCS))
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))
unit-tests: $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))

# --- entry points ---------------------------------------------------------------
deps:
	$(V)host/install-deps.sh

run: deps all
	$(V)host/make-run.sh

check: deps all unit-tests
	$(V)BUILD=$(BUILD) T="$(T)" UNIT_TESTS="$(UNIT_TESTS)" INTEGRATION_TESTS="$(INTEGRATION_TESTS)" \
		tests/run-tests.sh

bench: deps all
	$(V)BUILD=$(BUILD) tests/bench.sh

clean:
	rm -rf $(BUILD)

help:
	@echo "make            build the guest image and the irqlbench command"
	@echo "make run        install what is missing, run the default suite, print and plot the report"
	@echo "make check      all tests (unit tests under ASan/UBSan, then integration), TAP; T=PATTERN runs a subset"
	@echo "make bench      speed targets, as ratios against baselines measured in the same run"
	@echo "make plots      plots from the results store"
	@echo "make paper      the paper's figures (PDF, cairolatex, SVG, PNG) and LaTeX tables into PAPER_DIR"
	@echo "make install    install bin/irqlbench, its guest image and data, the man page and the bash"
	@echo "                completion under PREFIX (default /usr/local; DESTDIR= for staging)"
	@echo "make uninstall  remove what make install installed (same PREFIX and DESTDIR)"
	@echo "make clean      remove build/"
