# host/kvm/kvm.mk - kvm.ko/kvm-amd.ko variants (host/kvm/build-variant.sh,
# patches under host/kvm/patches/) and `irqlbench kvm build|swap` (cmd_kvm.c).
HOST_SRCS += host/kvm/cmd_kvm.c host/kvm/kvm_paths.c

INTEGRATION_TESTS += tests/integration/kvm-swap-refuses.sh tests/integration/kvm-patches.sh
