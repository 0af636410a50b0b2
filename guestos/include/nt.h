/* SPDX-License-Identifier: MIT */
/*
 * nt.h - the NT-like layer: IRQL as CR8, spinlocks, DPCs, interrupt dispatch.
 *
 * Semantics follow docs/windows-irql.md (ReactOS amd64 HAL/kernel,
 * WDK documentation).  Written only against platform.h so that the host's
 * model compiles the very same code against a simulated vCPU.
 */
#ifndef IRQLBENCH_NT_H
#define IRQLBENCH_NT_H

#include "platform.h"

typedef uint8_t KIRQL;

#define PASSIVE_LEVEL	0
#define APC_LEVEL	1
#define DISPATCH_LEVEL	2
#define CMCI_LEVEL	5
#define SYNCH_LEVEL	12
#define CLOCK_LEVEL	13
#define IPI_LEVEL	14
#define PROFILE_LEVEL	15
#define HIGH_LEVEL	15

/* Software-interrupt vector of an IRQL: (irql << 4) | 0xF. */
#define APC_VECTOR	0x1F	/* the APC software interrupt (class 1); below 32 its
				 * IDT slot is a reserved exception's: the platform
				 * takes it as an interrupt only when the layer sent
				 * it (nt_is_pending) */
#define DPC_VECTOR	0x2F
#define CLOCK_VECTOR	0xD1
#define IPI_VECTOR	0xE1
#define PROFILE_VECTOR	0xFD
#define PERF_VECTOR	0xFE
#define SPURIOUS_VECTOR	0xFF

static inline unsigned vector_class(unsigned vector) { return vector >> 4; }

/* Guest options (command-line parameters of the same names). */
struct nt_options {
	bool clock_raises_irql;	/* clock ISR raises CR8 to CLOCK_LEVEL */
	bool elide_same_level;	/* Ke{Raise,Lower}Irql skip writes that keep the IRQL */
	bool ipi_readback;	/* self-IPIs checked: IF off, ICR idle, write, IRR read back */
	bool probe;		/* time every CR8 write, estimate exits */
	uint64_t probe_threshold; /* cycles; 0: calibrate */
	/* probe=1: what the threshold was calibrated on (cycles), 0 when
	 * probe_threshold was given */
	uint64_t probe_rdtsc;	/* the cheapest of back-to-back rdtsc pairs */
	uint64_t probe_work;	/* the cheapest run of PROBE_WORK_OPS register-only adds */
};

/*
 * probe=1: a CR8 write that costs more than the cheapest rdtsc pair plus
 * PROBE_TRAP_NS (converted with the TSC frequency) trapped to the
 * hypervisor.  A VM exit and re-entry alone costs more than that on the
 * x86 hardware of the last decade (over 1,000 cycles, before the
 * hypervisor's own handling); a CR8 write that does not exit costs tens of
 * cycles on hardware and ~0.1 us under QEMU's TCG.
 */
#define PROBE_TRAP_NS	300
#define PROBE_WORK_OPS	1024

extern struct nt_options nt_opts;

/* IRQL */
KIRQL KeGetCurrentIrql(void);
void KeRaiseIrql(KIRQL new_irql, KIRQL *old_irql);
KIRQL KfRaiseIrql(KIRQL new_irql);
void KeLowerIrql(KIRQL new_irql);
/* A raw CR8 write through the layer's accounting (scripts: "cr8 N"). */
void nt_write_irql(KIRQL irql);

/* Spinlocks */
typedef struct {
	volatile uint32_t locked;
} KSPIN_LOCK;

void KeInitializeSpinLock(KSPIN_LOCK *lock);
void KeAcquireSpinLock(KSPIN_LOCK *lock, KIRQL *old_irql);
void KeReleaseSpinLock(KSPIN_LOCK *lock, KIRQL old_irql);
void KeAcquireSpinLockAtDpcLevel(KSPIN_LOCK *lock);
void KeReleaseSpinLockFromDpcLevel(KSPIN_LOCK *lock);

/* DPCs */
struct KDPC;
typedef void (*PKDEFERRED_ROUTINE)(struct KDPC *dpc, void *ctx);

typedef struct KDPC {
	struct KDPC *next;
	PKDEFERRED_ROUTINE routine;
	void *ctx;
	bool queued;
	int target;		/* KeSetTargetProcessorDpc: a CPU, -1 the queuing one */
	uint64_t t_queued;
} KDPC;

void KeInitializeDpc(KDPC *dpc, PKDEFERRED_ROUTINE routine, void *ctx);
/*
 * The CPU whose queue the DPC goes to (0 .. plat_ncpus()-1), as Windows'
 * KeSetTargetProcessorDpc.  Queued there from another CPU, the request is
 * an IPI at DPC_VECTOR 0x2F to that CPU's local APIC (plat_send_ipi): it
 * waits in that CPU's IRR until its IRQL drops below DISPATCH_LEVEL.
 */
void KeSetTargetProcessorDpc(KDPC *dpc, unsigned cpu);
bool KeInsertQueueDpc(KDPC *dpc);	/* false if already queued */
void HalRequestSoftwareInterrupt(KIRQL irql);	/* self-IPI (irql<<4)|0xF */

/*
 * APCs, KeInsertQueueApc-style: a request at APC_LEVEL.  This layer has no
 * threads, so the queue is per CPU (Windows queues to a thread and delivers
 * kernel APCs the same way: the APC software interrupt).  The first APC
 * queued requests the interrupt, a self-IPI at APC_VECTOR 0x1F that waits
 * in the IRR until the IRQL drops below APC_LEVEL (its class is 1); the
 * handler raises CR8 to APC_LEVEL, EOIs, runs the queue with interrupts on
 * and lowers back.  An APC object has the DPC object's shape.
 */
typedef KDPC KAPC;
typedef PKDEFERRED_ROUTINE PKKERNEL_ROUTINE;
void KeInitializeApc(KAPC *apc, PKKERNEL_ROUTINE routine, void *ctx);
bool KeInsertQueueApc(KAPC *apc);	/* false if already queued */
/* Any fixed self-IPI, expected by the layer, IF saved and restored. */
void nt_send_self_ipi(unsigned vector);
/* A fixed IPI to another CPU (0 .. plat_ncpus()-1, not this one), the
 * vector expected there (plat_send_ipi).  Bugchecks INVALID_PROCESSOR_INDEX
 * for this CPU or one that is not running, INVALID_VECTOR as the self-IPI. */
void nt_send_ipi(unsigned cpu, unsigned vector);

/*
 * Interrupt service routines for device/clock/IPI vectors.  The dispatcher
 * does what HalBeginSystemInterrupt/HalEndSystemInterrupt do: raise CR8 to
 * the vector's class (for the clock only with clock_raises_irql), sti, call
 * the ISR, EOI, cli, lower CR8 back.  With `raw`, the dispatcher only
 * records the delivery and calls the ISR with interrupts off; the ISR does
 * its own EOI (scenario scripts use this for exact sequences).  Vectors
 * nt_vector_ok() accepts; 0x2F and 0x1F too, whose handler then replaces
 * the DPC or APC dispatch (a scenario's own software interrupt); isr =
 * NULL unregisters (0x2F/0x1F: back to the layer's dispatch).  Bugchecks
 * INVALID_VECTOR for any other vector.
 */
typedef void (*nt_isr_t)(unsigned vector, void *ctx);
/* A vector the layer may send (self-IPI) and register: 0x10..0xFE but the
 * four exception vectors with an error code (0x11, 0x15, 0x1D, 0x1E). */
bool nt_vector_ok(unsigned vector);
void nt_register_isr(unsigned vector, nt_isr_t isr, void *ctx, bool raw);
void nt_eoi(void);	/* EOI with the layer's in-service bookkeeping */

/* Clock: periodic or one-shot at CLOCK_VECTOR. */
void nt_clock_start(uint64_t period_cycles, bool periodic);
void nt_clock_stop(void);

/*
 * Expected pending interrupts.  The guest knows what it requested: the
 * layer marks a vector expected when it sends a self-IPI or when a timer it
 * armed is due, and clears it at entry.  A lowering CR8 write that makes an
 * expected vector deliverable is an "unmasking" write; if the vector has not
 * been entered by the next instruction, that is a late delivery.
 */
void nt_expect(unsigned vector);
bool nt_is_pending(unsigned vector);
/* Wait (spinning, up to `max_cycles`) until a masked vector is pending in
 * the local APIC's IRR.  Returns false on timeout. */
bool nt_wait_pending(unsigned vector, uint64_t max_cycles);
/* Spin (memory polls backing off to 20k cycles with plat_spin: no exit)
 * until the counter *v, which another CPU or a handler advances, reaches
 * k; false after max_cycles. */
bool nt_wait_counter(const uint64_t *v, uint64_t k, uint64_t max_cycles);
/* Wait until `vector` has been entered `count` times in total. */
bool nt_wait_delivered(unsigned vector, uint64_t count, uint64_t max_cycles);
uint64_t nt_deliveries(unsigned vector);

/*
 * KeIpiGenericCall: fn(ctx) on every processor at IPI_LEVEL, as Windows
 * runs it.  The caller raises to IPI_LEVEL (a CR8 write), sends IPI_VECTOR
 * 0xE1 to every other CPU (plat_send_ipi, the vector expected there), waits
 * at IPI_LEVEL until each has run fn in its 0xE1 handler (which, as a
 * device-class interrupt, raises to IPI_LEVEL, runs fn with IF=1, EOIs and
 * lowers back), runs fn itself and lowers back.  One generic call at a
 * time: a second caller at IPI_LEVEL would wait for an IPI its own TPR
 * holds back (Windows serialises them; the caller here must).  The layer's
 * 0xE1 handler is registered on the first call; a scenario's own 0xE1
 * handler there is a bugcheck (IPI_VECTOR_TAKEN).
 */
typedef void (*PKIPI_BROADCAST_WORKER)(void *ctx);
void KeIpiGenericCall(PKIPI_BROADCAST_WORKER fn, void *ctx);

/* Set up the layer on this CPU (IRQL 0, handlers, statistics). */
void nt_init(void);

#endif
