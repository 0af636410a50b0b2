#!/bin/bash
# Launch overhead of the direct QEMU launch vs the libvirt launcher
# (host/libvirt/bench-launch.sh prints the bench: lines).
exec bash "$(dirname "$0")/../../host/libvirt/bench-launch.sh"
