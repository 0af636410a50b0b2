#!/bin/bash
# The guest's local APIC mode (issue 13 §1, x2APIC): --apic auto|xapic|x2apic
# on run (the guest's apic= word) and model.
# - TCG (QEMU 7.2 offers no x2APIC): auto is xapic; x2apic is a bad
#   parameter (exit 2, a failed record of kind bad-param, one line naming
#   CPUID.1:ECX[21] and the fix);
# - the model: auto is x2apic, as KVM offers x2APIC to every guest; an
#   APIC access that exits is an msr exit in x2APIC mode, an npf in xAPIC
#   mode, the CR8-write exits and deliveries the same;
# - a real /dev/kvm (here kvm_pvm; SKIP where none is usable): auto takes
#   x2APIC, the self-IPIs, EOIs and (with two vCPUs) INIT-SIPI-SIPI go
#   through the MSRs and the run is the same as in xAPIC mode.
. "$(dirname "$0")/lib.sh"
need_guest
need_pkg jq
cd "$TMP" || bail "no $TMP"
measured() { jq -r "[.phases[] | select(.measured) | .vcpus[] | .$2 // 0] | add // 0" "$1"; }

# --- TCG ------------------------------------------------------------------------
for m in auto xapic; do
	expect_rc 0 "tcg --apic $m" -- "$IRQ" run --workload nested-spinlock --apic $m \
		--param iterations=20 --out tcg-$m.json
	eq "tcg --apic $m: guest.apic" "$(jq -r .guest.apic tcg-$m.json)" xapic
	eq "tcg --apic $m: provenance.apic" "$(jq -r .provenance.apic tcg-$m.json)" $m
done
expect_rc 2 "tcg --apic x2apic: a bad parameter" -- "$IRQ" run --workload nested-spinlock \
	--apic x2apic --param iterations=20 --out tcg-x2.json
eq "tcg --apic x2apic: a failed record" "$(jq -r '.status + " " + .error.kind' tcg-x2.json)" "failed bad-param"
expect_grep "apic=x2apic: this CPU offers no x2APIC \(CPUID.1:ECX\[21\] clear" "$TMP/err" \
	"tcg --apic x2apic: says why and what to use"
expect_rc 2 "an unknown mode is a usage error" -- "$IRQ" run --workload nested-spinlock --apic x3apic
expect_grep "x3apic" "$TMP/err" "the unknown mode is named"

# --- the model ----------------------------------------------------------------
for m in auto xapic x2apic; do
	expect_rc 0 "model --apic $m" -- "$IRQ" model --workload nested-spinlock --policy l61,unfixed \
		--apic $m --param iterations=50 --out-dir model-$m --quiet
done
for p in l61 unfixed; do
	eq "model $p auto: guest.apic" "$(jq -r .guest.apic model-auto/nested-spinlock-$p.json)" x2apic
	eq "model $p x2apic: 2 msr an iteration (self-IPI, EOI), no npf" \
		"$(measured model-x2apic/nested-spinlock-$p.json exits.msr) $(measured model-x2apic/nested-spinlock-$p.json exits.npf)" "100 0"
	eq "model $p xapic: 2 npf an iteration, no msr" \
		"$(measured model-xapic/nested-spinlock-$p.json exits.npf) $(measured model-xapic/nested-spinlock-$p.json exits.msr)" "100 0"
	for k in exits.write_cr8 delivery.late delivery.immediate counters.cr8_writes; do
		eq "model $p: $k the same in both modes" "$(measured model-x2apic/nested-spinlock-$p.json $k)" \
			"$(measured model-xapic/nested-spinlock-$p.json $k)"
	done
done

# --- a real hypervisor --------------------------------------------------------
if [ ! -e /dev/kvm ] || ! have_kvm; then
	finish "the /dev/kvm half SKIPPED: no usable /dev/kvm"
	exit 0
fi
for m in auto x2apic xapic; do
	expect_rc 0 "guest --apic $m" -- "$IRQ" run --backend guest --workload nested-spinlock \
		--apic $m --param iterations=50 --out kvm-$m.json
done
if grep -qw x2apic /proc/cpuinfo; then
	eq "guest auto: x2APIC where the CPU has it" "$(jq -r .guest.apic kvm-auto.json)" x2apic
fi
eq "guest x2apic: guest.apic" "$(jq -r .guest.apic kvm-x2apic.json)" x2apic
eq "guest xapic: guest.apic" "$(jq -r .guest.apic kvm-xapic.json)" xapic
for k in counters.cr8_writes counters.dpc_interrupts counters.cr8_lower_unmask; do
	eq "guest: $k the same in both modes" "$(measured kvm-x2apic.json $k)" "$(measured kvm-xapic.json $k)"
done
expect_rc 0 "guest x2apic, two vCPUs (INIT-SIPI-SIPI through the ICR MSR)" -- \
	"$IRQ" run --backend guest --workload nested-spinlock --apic x2apic --vcpus 2 \
	--param iterations=50 --out kvm-smp.json
eq "guest x2apic smp: two vCPUs reported" "$(jq '[.phases[] | select(.measured) | .vcpus | length] | max' kvm-smp.json)" 2
eq "guest x2apic smp: APIC IDs" "$(jq -c .guest.apic_ids kvm-smp.json)" "[0,1]"
finish
