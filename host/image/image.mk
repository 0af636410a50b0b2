# host/image/image.mk - `irqlbench image`: a bootable ISO (GRUB, the guest,
# a list of jobs) for any hypervisor; its serial log comes back through
# `irqlbench results import --serial` (host/results/import_serial.c).
HOST_SRCS += host/image/cmd_image.c
INTEGRATION_TESTS += tests/integration/image-iso.sh
HOST_SRCS += host/results/import_serial.c
