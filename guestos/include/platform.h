/* SPDX-License-Identifier: MIT */
/*
 * platform.h - the seam between the NT-like layer and whatever runs it.
 *
 * The NT layer (guestos/nt/) and the workloads (workloads/) call only these
 * operations.  They are implemented twice:
 *   - guestos/arch/x86/platform.c: real CR8, real xAPIC, real TSC (the guest);
 *   - host/model/sim_platform.c:   a simulated vCPU under a KVM policy (the model).
 *
 * Keep it narrow.  Everything here must be cheap and must not cause a VM exit
 * under KVM/SVM except where the comment says so: under KVM the exits *are*
 * the measurement.
 */
#ifndef IRQLBENCH_PLATFORM_H
#define IRQLBENCH_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* I/O port for phase markers (unassigned on QEMU's pc/q35 machines). */
#define PLAT_PHASE_PORT 0x500

/* CR8 / TPR.  A CR8 write may exit (SVM CR8-write intercept). */
uint64_t plat_read_cr8(void);
void plat_write_cr8(uint64_t irql);

/*
 * Send a fixed, edge-triggered self-IPI with the given vector as the HAL
 * does: one ICR write (xAPIC MMIO or x2APIC MSR: one exit under KVM
 * without AVIC), interrupts left as they are: with IF=1 a vector the TPR
 * lets in is taken right after the write.
 */
void plat_self_ipi(uint8_t vector);
/*
 * A fixed, edge-triggered IPI with `vector` to CPU `cpu` (0 ..
 * plat_ncpus()-1, not this one), physical destination by its APIC ID: one
 * ICR write in x2APIC mode (MSR 0x830, an msr exit under KVM without
 * AVIC), two in xAPIC mode (ICR high, then low: two APIC-access exits).
 * KVM sets the vector in the target's IRR at the sender's exit and kicks
 * the target vCPU (an `interrupt` exit there when it is in guest mode).
 */
void plat_send_ipi(unsigned cpu, uint8_t vector);
/*
 * The checked send (common parameter ipi_readback=1, the selftest): the
 * ICR read until idle, the ICR write, then IRR read until the vector is
 * pending or was delivered: three APIC accesses.  Interrupts disabled
 * (the caller saves and restores IF).
 */
void plat_self_ipi_checked(uint8_t vector);

/*
 * Is `vector` pending in this CPU's IRR?  An MMIO/MSR read (an exit under
 * KVM): only for setup steps such as waiting for a masked clock to be
 * pending, never between the CR8 writes under test.
 */
bool plat_irr_pending(uint8_t vector);

/* End of interrupt for the highest in-service vector (an exit under KVM). */
void plat_eoi(void);

/*
 * Local APIC timer.  Arms the timer to raise `vector` after `cycles` TSC
 * cycles (one-shot) or every `cycles` (periodic); returns the TSC value of
 * the first expected expiry, used to measure interrupt latency.  Programming
 * the timer is an MMIO/MSR write (an exit under KVM): call it outside
 * measured sequences where possible.
 */
uint64_t plat_timer_arm(uint8_t vector, uint64_t cycles, bool periodic);
void plat_timer_stop(void);

/* Time in TSC cycles, and the TSC frequency the platform calibrated. */
uint64_t plat_now(void);
uint64_t plat_tsc_hz(void);

/* Busy-wait for at least `cycles` TSC cycles with interrupts as they are. */
void plat_spin(uint64_t cycles);
/* One PAUSE, the spin-wait hint of a spinlock's wait loop (no exit unless
 * the hypervisor's pause-loop exiting decides the vCPU spins too long). */
void plat_pause(void);
/* This CPU is done for good: interrupts off, HLT for ever (an AP whose
 * workload ended; an hlt exit under KVM, which then blocks the vCPU). */
void __attribute__((noreturn)) plat_halt(void);

/* Phase marker: one port write to PLAT_PHASE_PORT (an exit under KVM). */
void plat_phase(uint32_t marker);
/* One byte written to an I/O port that nothing decodes (scripts' `out`,
 * workloads/script/scn.h SCN_OUT_PORT_*): an io exit under KVM, placed
 * exactly, that neither marks a phase nor changes the APIC. */
void plat_out(uint16_t port, uint8_t value);

/*
 * A host-side action between guest steps (scripts' `host ACTION [ARG]`,
 * workloads/SCRIPTS.md): what the hypervisor or its userspace does to the
 * vCPU, not something a guest can do.  arg: the TPR's class 0..15 for
 * PLAT_HOST_SET_TPR, else 0.  Returns false where the platform cannot
 * perform it (the real guest: every action); the model performs them all
 * (host/model/kvm_policy.h kp_host).
 */
enum plat_host_action {
	PLAT_HOST_SET_TPR,	/* KVM_SET_LAPIC with TPR = arg << 4 */
	PLAT_HOST_INIT,		/* INIT, then the guest's SPIV write */
	PLAT_HOST_AVIC_INHIBIT,	/* an APICv inhibit: AVIC deactivated */
	PLAT_HOST_AVIC_ACTIVATE,	/* the inhibit cleared */
	PLAT_HOST_N
};
bool plat_host(unsigned action, unsigned arg);

/* RFLAGS.IF */
unsigned long plat_irq_save(void);	/* cli, returns the old flags */
void plat_irq_restore(unsigned long flags);
void plat_irq_enable(void);		/* sti */
void plat_irq_disable(void);		/* cli */
bool plat_irq_enabled(void);		/* RFLAGS.IF (pushf; no exit) */

/* Index of the running vCPU, 0 .. plat_ncpus()-1. */
unsigned plat_cpu_id(void);
unsigned plat_ncpus(void);

/* Text output (serial on the guest).  Never inside a measured phase. */
void plat_puts(const char *s);

/*
 * Provided by the NT layer, called by the platform for every vector
 * >= 32 with interrupts disabled (interrupt gate), and for a vector
 * 16..31 that nt_vector_sent() says the layer sent (a software interrupt
 * such as the APC's 0x1F; otherwise it is an exception).  The platform
 * does not EOI: the handler decides (Windows handlers EOI themselves).
 */
void nt_interrupt(unsigned vector);
bool nt_vector_sent(unsigned vector);

/* Platform-specific extras the workloads may look at (text, may be empty). */
const char *plat_describe(void);

#endif
