# guestos/guestos.mk - the bare-metal x86-64 guest: platform (guestos/arch/x86),
# guest library (guestos/lib), and the images built from them:
#   build/guest/irqlbench-guest.elf   platform + lib + $(GUEST_SRCS)   (the guest)
#   build/guest/platform-selftest.elf platform + lib + the platform's own test main
#   build/guest/empty.elf             a multiboot image that exits at once (boot floor)
# Each .elf is the ELF32 wrapper QEMU's -kernel loads; the .elf64 beside it
# keeps the symbols for addr2line/gdb (rip in an "!! exception" line).
#
# GUEST_SRCS may be extended by fragments read after this one: the guest's
# prerequisites use secondary expansion, so the list is read at the end.

X86_DIR        := guestos/arch/x86
GUEST_OBJDIR   := $(BUILD)/guest/obj
GUEST_LDSCRIPT := $(X86_DIR)/linker.ld
GUEST_LD       ?= ld
GUEST_OBJCOPY  ?= objcopy
GUEST_LDFLAGS  := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 \
		  -z noexecstack --no-warn-rwx-segments -T $(GUEST_LDSCRIPT)

PLATFORM_SRCS  := $(filter-out $(X86_DIR)/empty.S,$(wildcard $(X86_DIR)/*.c $(X86_DIR)/*.S)) \
		  $(wildcard guestos/lib/*.c)
SELFTEST_SRCS  := $(X86_DIR)/selftest/selftest.c

guest_objs = $(patsubst %.S,$(GUEST_OBJDIR)/%.o,$(patsubst %.c,$(GUEST_OBJDIR)/%.o,$(sort $(1))))

$(GUEST_OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(V)$(CC) $(GUEST_CFLAGS) -I$(X86_DIR) -MMD -MP -c $< -o $@
$(GUEST_OBJDIR)/%.o: %.S
	@mkdir -p $(dir $@)
	$(V)$(CC) $(GUEST_CFLAGS) -I$(X86_DIR) -MMD -MP -c $< -o $@

# link the 64-bit image at 1 MiB, then wrap it as ELF32 for multiboot
define guest_link
	@mkdir -p $(dir $@)
	$(V)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@64 $(filter %.o,$^)
	$(V)$(GUEST_OBJCOPY) -O elf32-i386 --strip-debug $@64 $@
endef

.SECONDEXPANSION:
$(BUILD)/guest/irqlbench-guest.elf: $$(call guest_objs,$$(PLATFORM_SRCS) $$(GUEST_SRCS)) $(GUEST_LDSCRIPT)
	$(guest_link)
$(BUILD)/guest/platform-selftest.elf: $(call guest_objs,$(PLATFORM_SRCS) $(SELFTEST_SRCS)) $(GUEST_LDSCRIPT)
	$(guest_link)
$(BUILD)/guest/empty.elf: $(call guest_objs,$(X86_DIR)/empty.S) $(GUEST_LDSCRIPT)
	$(guest_link)

.PHONY: guest-platform
guest-platform: $(BUILD)/guest/empty.elf $(BUILD)/guest/platform-selftest.elf
all: guest-platform

INTEGRATION_TESTS += tests/integration/guest-platform.sh

-include $(shell find $(GUEST_OBJDIR) -name '*.d' 2>/dev/null)
