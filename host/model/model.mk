# host/model/model.mk - the model backend: KVM's CR8 logic per policy
# (kvm_policy.c), a simulated vCPU behind platform.h (sim_platform.c), and
# `irqlbench model` (model.c, trace_fmt.c).  The guest's NT layer, main and
# workloads are compiled into the host command for it (NT_SRCS and
# WORKLOAD_SRCS from workloads/workloads.mk; the test-only workloads exist
# only in the guest image).  See host/model/README.md.

MODEL_SRCS := host/model/kvm_policy.c host/model/sim_platform.c host/model/cmd_model.c \
	      host/model/trace_fmt.c host/model/costs_from.c
MODEL_GUEST_SRCS := $(NT_SRCS) $(filter-out workloads/testonly.c,$(WORKLOAD_SRCS))

HOST_SRCS += $(MODEL_SRCS) $(MODEL_GUEST_SRCS)
HOST_LIBS += -ljansson

# kvm_policy.c driven by hand (seed table row by row, nested, masked clock);
# both tests take their exits and delivery from workloads/suites.cfg
# (SUITE_TEST_SRCS: host/host.mk)
UNIT_TESTS += model_policy
test_model_policy_SRCS := tests/unit/test_model_policy.c host/model/kvm_policy.c $(SUITE_TEST_SRCS)

# the real workloads on the simulated vCPU, every workload x every policy
UNIT_TESTS += model_sim
test_model_sim_SRCS := tests/unit/test_model_sim.c host/model/kvm_policy.c \
	host/model/sim_platform.c host/model/trace_fmt.c $(MODEL_GUEST_SRCS) $(SUITE_TEST_SRCS)

INTEGRATION_TESTS += tests/integration/model-cli.sh tests/integration/model-golden.sh \
		     tests/integration/fidelity-cases.sh tests/integration/model-policies.sh \
		     tests/integration/model-costs-from.sh tests/integration/model-smp.sh

# speed: simulated guest events per second, wall time of the full matrix
MODEL_BENCH := $(BUILD)/bench/model-bench
$(MODEL_BENCH): tests/bench/model_bench.c host/model/kvm_policy.c host/model/sim_platform.c \
		$(MODEL_GUEST_SRCS)
	@mkdir -p $(dir $@)
	$(V)$(CC) $(HOST_CFLAGS) -o $@ $^
.PHONY: model-bench
model-bench: $(MODEL_BENCH)
