# workloads/workloads.mk - the NT layer, the guest's main and the workloads.
# Compiled into the guest image (GUEST_SRCS) and, by the model, for the host.

include workloads/script/script.mk

# Platform-neutral sources shared by the guest and the model.
NT_SRCS := guestos/main.c guestos/nt/irql.c guestos/nt/intr.c guestos/nt/stats.c \
	   guestos/nt/report.c guestos/lib/klib.c
WORKLOAD_SRCS := workloads/catalog.c workloads/registry.c workloads/common.c \
	   workloads/seed_table.c workloads/nested_spinlock.c workloads/cross_cpu_dpc.c workloads/ipi_generic_call.c workloads/masked_clock.c \
	   workloads/irql_churn.c workloads/dpc_storm.c workloads/windows_mix.c \
	   workloads/testonly.c workloads/script.c $(SCN_SRCS)

GUEST_SRCS += $(NT_SRCS) $(WORKLOAD_SRCS)
# The host command needs the catalog (list, parameter checks) and klib.
HOST_SRCS += workloads/catalog.c guestos/lib/klib.c

# Unit test: the NT layer and the workloads on an ideal local APIC, held to
# the counts of workloads/suites.cfg (SUITE_TEST_SRCS: host/host.mk, hence =).
UNIT_TESTS += nt
test_nt_SRCS = tests/unit/test_nt.c tests/unit/ideal_platform.c $(NT_SRCS) \
	$(filter-out workloads/testonly.c,$(WORKLOAD_SRCS)) $(SUITE_TEST_SRCS) host/record/serial.c host/record/hist.c
test_nt_LIBS := -ljansson

# Integration test: the entries of group tcg of workloads/suites.cfg under QEMU
# TCG, each counting what the file says it must.
INTEGRATION_TESTS += tests/integration/tcg-workloads.sh tests/integration/kvm-backend.sh \
	tests/integration/verify.sh
