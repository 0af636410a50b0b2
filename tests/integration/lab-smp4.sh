#!/bin/bash
# lab-smp.sh with four vCPUs: the guest's CPU numbers (arrival order) then
# differ from KVM's vcpu_ids in most runs, and every vCPU's write_cr8 count
# must still be filed under its own guest CPU.
LAB_SMP_VCPUS=4 . "$(dirname "$0")/lab-smp.sh"
