#!/bin/bash
# pin-cli.sh - `irqlbench pin` as a user calls it: the plan for this machine,
# synthetic EPYC topologies, --json, isolated CPUs and a cpuset, and the
# errors with their exit status.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need_built
need_pkg jq hwloc

EPYC='package:2 [numa(memory=64GiB)] l3:4(size=32MiB) core:4 pu:2'
out=$("$IRQLBENCH" pin --vcpus 4 --synthetic "$EPYC")
eq "rc of a good plan" $? 0
eq "vCPU 0 on the first CCX without CPU 0" "$(grep '^vcpu 0 ' <<<"$out")" "vcpu 0 -> PU 8"
eq "vCPU 3" "$(grep '^vcpu 3 ' <<<"$out")" "vcpu 3 -> PU 14"
eq "emulator" "$(grep '^emulator' <<<"$out")" "emulator -> PUs 2,3"
ok "reasons printed" grep -q "all 4 vCPUs in L3 #1, NUMA node 0" <<<"$out"

j=$("$IRQLBENCH" pin --vcpus 4 --synthetic "$EPYC" --json)
eq "--json pinning" "$(jq -c '{vcpu, emulator}' <<<"$j")" '{"vcpu":[[8],[10],[12],[14]],"emulator":[2,3]}'
eq "--json machine" "$(jq -r .machine <<<"$j")" "2 packages, 2 NUMA nodes, 8 L3, 32 cores, 64 PUs (SMT 2)"

eq "XML topology" "$("$IRQLBENCH" pin --vcpus 2 --topology tests/fixtures/topo/this-machine-2pu.xml --json | jq -c '{vcpu, emulator}')" \
	'{"vcpu":[[1],[0]],"emulator":[0]}'

if [ "$(lstopo-no-graphics --only core 2>/dev/null | wc -l)" = 2 ]; then
	eq "this machine, 1 vCPU" "$("$IRQLBENCH" pin --vcpus 1 --json | jq -c '{vcpu, emulator}')" '{"vcpu":[[1]],"emulator":[0]}'
fi

# a host that isolates CPUs 16-31 and runs irqlbench in a cpuset of 0-31
# (systemd AllowedCPUs=0-31): the vCPUs on the isolated CPUs, the emulator
# on a housekeeping core, and each class named
out=$("$IRQLBENCH" pin --vcpus 2 --synthetic "$EPYC" --cpuset 0-31 --isolated 16-31 --nohz-full 16-31)
eq "isolated: vCPUs" "$(grep '^vcpu' <<<"$out" | paste -sd' ')" "vcpu 0 -> PU 16 vcpu 1 -> PU 18"
eq "isolated: emulator" "$(grep '^emulator' <<<"$out")" "emulator -> PUs 2,3"
eq "isolated: housekeeping" "$(grep '^housekeeping' <<<"$out")" \
	"housekeeping -> PUs 0-15: the host's and the emulator threads' (neither isolated nor nohz_full)"
eq "isolated: set apart" "$(grep '^set apart' <<<"$out")" "set apart -> isolated PUs 16-31, nohz_full PUs 16-31 (the vCPUs')"
eq "isolated: not used" "$(grep '^not used' <<<"$out")" "not used -> PUs 32-63: not in --cpuset 0-31"
j=$("$IRQLBENCH" pin --vcpus 2 --synthetic "$EPYC" --cpuset 0-31 --isolated 16-31 --json)
eq "isolated: --json cpus" "$(jq -c '.cpus | [(.housekeeping | length), .isolated[0], .not_in_cpuset[0], .cpuset_from]' <<<"$j")" \
	'[16,16,32,"--cpuset 0-31"]'
"$IRQLBENCH" pin --vcpus 2 --isolated 2-x >/dev/null 2>&1
eq "malformed --isolated: status" $? 2

err=$("$IRQLBENCH" pin --vcpus 33 --synthetic "$EPYC" 2>&1 >/dev/null); rc=$?
eq "too many vCPUs: status" "$rc" 2
eq "too many vCPUs: message" "$err" "irqlbench: 33 vCPUs need 33 distinct physical cores but this machine has 32 (SMT siblings are never shared): use --vcpus 32 or fewer"
err=$("$IRQLBENCH" pin --vcpus 2 --cpus 1,64 --synthetic "$EPYC" 2>&1 >/dev/null); rc=$?
eq "CPU outside: status" "$rc" 2
eq "CPU outside: message" "$err" "irqlbench: --cpus 1,64: CPU 64 is not in this machine (usable CPUs 0-63)"
err=$("$IRQLBENCH" pin --vcpus 2 --cpus 1-x 2>&1 >/dev/null); rc=$?
eq "malformed list: status" "$rc" 2
ok "malformed list: message" grep -q "bad CPU list '1-x'" <<<"$err"
"$IRQLBENCH" pin --vcpus 1 --topology /nonexistent.xml >/dev/null 2>&1
eq "unreadable topology: status" $? 3
"$IRQLBENCH" pin >/dev/null 2>&1
eq "no --vcpus: status" $? 2
finish
