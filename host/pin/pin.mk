# host/pin: the hwloc placement planner, `irqlbench pin`, and QMP pinning of
# the direct QEMU launch.  Tests: tests/unit/test_pin*.c, tests/integration/pin-*.sh
HOST_SRCS += host/pin/plan.c host/pin/cmd_pin.c
HOST_LIBS += -lhwloc -ljansson

UNIT_TESTS += pin
test_pin_SRCS := tests/unit/test_pin.c host/pin/plan.c host/pin/cmd_pin.c $(CLI_TEST_SRCS)
test_pin_LIBS := -lhwloc -ljansson
HOST_SRCS += host/pin/qmp.c host/pin/pin_run.c

UNIT_TESTS += pin_qmp
test_pin_qmp_SRCS := tests/unit/test_pin_qmp.c host/pin/plan.c host/pin/qmp.c host/cli/util.c
test_pin_qmp_LIBS := -lhwloc -ljansson

# The smallest multiboot kernel that prints a serial report and exits through
# isa-debug-exit: the launcher tests boot it until build/guest/ exists.
# mbhang.elf prints its boot line and hangs (timeout tests).
PIN_FIXTURE_KERNELS := $(BUILD)/fixtures/mbexit.elf $(BUILD)/fixtures/mbhang.elf
$(BUILD)/fixtures/%.elf: tests/fixtures/mbexit/%.S
	@mkdir -p $(dir $@)
	$(V)as --32 $< -o $(@:.elf=.o)
	$(V)ld -m elf_i386 -Ttext=0x100000 -e _start -o $@ $(@:.elf=.o)
unit-tests: $(PIN_FIXTURE_KERNELS)

INTEGRATION_TESTS += tests/integration/pin-cli.sh tests/integration/pin-run.sh
