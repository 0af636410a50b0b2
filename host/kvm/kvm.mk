# host/kvm/kvm.mk - kvm.ko/kvm-amd.ko variants (host/kvm/build-variant.sh,
# patches under host/kvm/patches/) and `irqlbench kvm build|swap` (cmd_kvm.c).
HOST_SRCS += host/kvm/cmd_kvm.c host/kvm/kvm_paths.c host/kvm/swap.c

# the kernel triple first: the resolver on recorded apt states, then the
# installer on a machine skewed for real (the lab tests below need its result)
INTEGRATION_TESTS += tests/integration/kernel-resolve.sh tests/integration/install-skew.sh \
		     tests/integration/kvm-revert-versions.sh \
		     tests/integration/kvm-swap-refuses.sh tests/integration/kvm-patches.sh
