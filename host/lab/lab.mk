# host/lab/lab.mk - the virtual AMD lab: L1 initramfs, L1 boot, the in-L1
# runner (shell, host/lab/*.sh) and `irqlbench lab` (cmd_lab.c).  The lab's
# own tiny CR8 test guest (tests/lab-guest/) is built here too: the lab's
# self-test runs it under QEMU -enable-kvm inside L1.

HOST_SRCS += host/lab/cmd_lab.c

LAB_GUEST := $(BUILD)/lab/cr8guest.elf
$(BUILD)/lab/cr8guest64.elf: tests/lab-guest/cr8guest.S tests/lab-guest/link.ld
	@mkdir -p $(dir $@)
	$(V)$(CC) -c -o $(BUILD)/lab/cr8guest.o tests/lab-guest/cr8guest.S
	$(V)ld -m elf_x86_64 -nostdlib -z max-page-size=4096 --no-warn-rwx-segments \
		-T tests/lab-guest/link.ld -o $@ $(BUILD)/lab/cr8guest.o
# QEMU 7.2 loads only ELF32 multiboot kernels
$(LAB_GUEST): $(BUILD)/lab/cr8guest64.elf
	$(V)objcopy -O elf32-i386 $< $@
all: $(LAB_GUEST)

.PHONY: lab-selftest
# Boots L1 with the fixed and unfixed modules and traces the CR8 test guest.
lab-selftest: $(LAB_GUEST) $(KVMTRACE) $(IRQLBENCH)
	$(V)BUILD=$(BUILD) bash tests/integration/lab-selftest.sh

# cheapest first: module builds (cached), the lab's own guest, then the
# cross-check against the model with the real guest (one L1 per case)
INTEGRATION_TESTS += tests/integration/lab-kvm-build.sh tests/integration/lab-selftest.sh \
		     tests/integration/lab-trace-cleanup.sh tests/integration/lab-crosscheck.sh \
		     tests/integration/lab-usage.sh tests/integration/lab-smp.sh tests/integration/lab-signals.sh tests/integration/lab-script.sh \
		     tests/integration/lab-kernels.sh tests/integration/lab-batch.sh tests/integration/lab-kvm-swap.sh tests/integration/lab-boot-stall.sh
