# host/libvirt: the libvirt launcher (`irqlbench run --launcher libvirt`),
# a child subreaper for libvirtd and the script that starts one for tests.
SUBREAPER := $(BUILD)/bin/irqlbench-subreaper
$(SUBREAPER): host/libvirt/subreaper.c
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -o $@ $<
all: $(SUBREAPER)
unit-tests: $(SUBREAPER)

# The launcher is a plugin that `run --launcher libvirt` loads (dlopen):
# linking libvirt into irqlbench itself would load some sixty libraries on
# every command.  It uses irqlbench's own symbols (linked -rdynamic).
LV_PLUGIN := $(BUILD)/lib/irqlbench-libvirt.so
LV_PLUGIN_SRCS := host/libvirt/lv.c host/libvirt/lv_run.c
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -fPIC -MMD -MP -c $< -o $@
$(LV_PLUGIN): $(patsubst %.c,$(BUILD)/pic/%.o,$(LV_PLUGIN_SRCS))
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -shared -o $@ $^ -lvirt -ljansson
all: $(LV_PLUGIN)
unit-tests: $(LV_PLUGIN)
-include $(patsubst %.c,$(BUILD)/pic/%.d,$(LV_PLUGIN_SRCS))

# build/bin/irqlbench-lv: one libvirt launch by hand, used by the tests
LV_TOOL := $(BUILD)/bin/irqlbench-lv
LV_TOOL_SRCS := host/libvirt/lv_main.c host/libvirt/lv_cmd.c host/libvirt/lv.c host/pin/plan.c host/cli/util.c
$(LV_TOOL): $(patsubst %.c,$(BUILD)/host/%.o,$(LV_TOOL_SRCS))
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -o $@ $^ -lvirt -lhwloc -ljansson
all: $(LV_TOOL)
unit-tests: $(LV_TOOL)

UNIT_TESTS += pin_libvirt
test_pin_libvirt_SRCS := tests/unit/test_pin_libvirt.c host/libvirt/lv.c host/pin/plan.c host/cli/util.c
test_pin_libvirt_LIBS := -lvirt -lxml2 -lhwloc -ljansson
# libxml2's headers (the test parses the domain XML back)
$(BUILD)/san/tests/unit/test_pin_libvirt.o: SAN_CFLAGS += -I/usr/include/libxml2
INTEGRATION_TESTS += tests/integration/libvirt-e2e.sh
-include $(patsubst %.c,$(BUILD)/host/%.d,$(LV_TOOL_SRCS))
