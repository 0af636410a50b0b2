# host/trace/trace.mk - KVM exit tracing: libtracefs collector, the fold of
# kvm tracepoint events into per-phase/per-vCPU results, SVM exit names.
# The collector (kvmtrace.c) is what `irqlbench run --backend kvm` calls;
# build/trace/irqlbench-kvmtrace is a standalone wrapper used by the lab's
# self-test (trace any command's KVM exits).

TRACE_CORE_SRCS := host/cli/util.c host/record/hist.c host/trace/svm_exits.c host/trace/kvm_fold.c host/trace/kvm_fold_json.c \
	host/trace/kvm_merge.c host/trace/trace_stats.c
TRACE_SRCS := $(TRACE_CORE_SRCS) host/trace/kvmtrace.c
TRACE_LIBS := -ltracefs -ltraceevent -lpthread -ljansson
# tracefs.h includes <event-parse.h> from libtraceevent's own include dir
TRACE_CFLAGS := $(shell pkg-config --cflags libtracefs libtraceevent 2>/dev/null || echo -I/usr/include/tracefs -I/usr/include/traceevent)
$(BUILD)/host/host/trace/kvmtrace.o: HOST_CFLAGS += $(TRACE_CFLAGS)
$(BUILD)/san/host/trace/kvmtrace.o: SAN_CFLAGS += $(TRACE_CFLAGS)

# run_hooks.c: kvm_trace_start/kvm_trace_stop, called by run's kvm backend
HOST_SRCS += $(TRACE_SRCS) host/trace/run_hooks.c
HOST_LIBS += $(TRACE_LIBS)

UNIT_TESTS += trace
test_trace_SRCS := tests/unit/test_trace.c $(TRACE_CORE_SRCS)
test_trace_LIBS := -ljansson

KVMTRACE := $(BUILD)/trace/irqlbench-kvmtrace
$(KVMTRACE): $(patsubst %.c,$(BUILD)/host/%.o,$(TRACE_SRCS) host/trace/kvmtrace_main.c)
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -o $@ $^ $(TRACE_LIBS)
all: $(KVMTRACE)
# its main is no HOST_SRCS: its header dependencies are included here
-include $(BUILD)/host/host/trace/kvmtrace_main.d

# the trace's own lab tests: vCPU identity with 4 vCPUs, a lossy trace's record
INTEGRATION_TESTS += tests/integration/lab-smp4.sh tests/integration/lab-trace-loss.sh

# make bench: memory of the fold, all events held vs folded while read
TRACE_BENCH := $(BUILD)/bench/trace-fold-bench
$(TRACE_BENCH): tests/bench/trace_fold_bench.c host/trace/kvm_fold.c host/trace/kvm_merge.c host/cli/util.c
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -o $@ $^
