/* SPDX-License-Identifier: MIT */
/*
 * scn.h - scenario scripts: an exact sequence of guest actions.
 *
 * The language is documented in workloads/SCRIPTS.md.  A script is parsed
 * once into a compact program (an array of ops, all bounds fixed at compile
 * time: no allocation) and then run any number of times.  The parser and the
 * interpreter are freestanding C: the same code runs in the guest (the
 * script comes as a multiboot module) and in the host's model backend.
 *
 * The parser checks statically all it can: keywords, arguments and their
 * ranges, blocks, limits, and - by simulating the IRQL, the spinlocks and
 * IF along the program - every misuse that does not depend on timing
 * (raise below the current IRQL, release of a lock not held, a wait that
 * can never succeed, a script that does not end at PASSIVE_LEVEL).  The
 * interpreter repeats those checks at run time and adds the timing ones
 * (wait timeouts, DPC pool exhausted).
 */
#ifndef IRQLBENCH_SCN_H
/* The ports `out` may write: the POST diagnostic port and Linux's
 * io_delay alternative, which every PC decodes and ignores, so that the
 * write is one io exit under a hypervisor and nothing else. */
#define SCN_OUT_PORT_POST	0x80
#define SCN_OUT_PORT_DELAY	0xed
#define IRQLBENCH_SCN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* Limits (see SCRIPTS.md, "Limits"). */
#define SCN_MAX_FILE		65536u	/* bytes of script text */
#define SCN_MAX_LINE		256u	/* bytes per line, newline included */
#define SCN_MAX_OPS		4096u	/* instructions after parsing */
#define SCN_MAX_DEPTH		8u	/* nested blocks (repeat, isr) */
#define SCN_MAX_PHASES		(MAX_PHASES - 1)	/* phase 0 is "setup" */
#define SCN_MAX_NAME		32u	/* phase name, NUL included */
#define SCN_NLOCKS		16u	/* spinlocks 0..15 */
#define SCN_NFLAGS		16u	/* signal/wait flags 0..15 */
#define SCN_DPC_POOL		32u	/* DPC objects per vCPU; max of `dpc N` */
#define SCN_APC_POOL		32u	/* APC objects per vCPU; max of `apc N` */
#define SCN_MAX_REPEAT		100000000u
#define SCN_MAX_EVENTS		100000000ull	/* default static op limit */
#define SCN_DEFAULT_TIMEOUT_US	1000000u	/* waits: 1 s */
#define SCN_MAX_TIMEOUT_US	60000000u
#define SCN_MAX_CLOCK_US	10000000u
#define SCN_MAX_WAIT_COUNT	1000000u
#define SCN_NVEC		256u
/* The longest message of the parser and the interpreter, NUL included;
 * one that does not fit in the caller's buffer is cut after a whole word
 * and marked (kmsgf, KMSG_CUT). */
#define SCN_MSG_MAX		320u

enum scn_opcode {
	SCN_OP_CR8,		/* a = irql: nt_write_irql */
	SCN_OP_RAISE,		/* a = irql: KeRaiseIrql */
	SCN_OP_LOWER,		/* a = irql: KeLowerIrql */
	SCN_OP_ACQUIRE,		/* a = lock: KeAcquireSpinLock */
	SCN_OP_RELEASE,		/* a = lock: KeReleaseSpinLock(saved old) */
	SCN_OP_ACQUIRE_DPC,	/* a = lock: KeAcquireSpinLockAtDpcLevel */
	SCN_OP_RELEASE_DPC,	/* a = lock: KeReleaseSpinLockFromDpcLevel */
	SCN_OP_DPC,		/* a = count: KeInsertQueueDpc x a */
	SCN_OP_IPI,		/* a = vector: nt_expect + plat_self_ipi, IF off */
	SCN_OP_EOI,		/* nt_eoi */
	SCN_OP_CLOCK,		/* a = us: nt_clock_start one-shot */
	SCN_OP_CLOCK_PERIODIC,	/* a = us: nt_clock_start periodic */
	SCN_OP_CLOCK_STOP,	/* nt_clock_stop */
	SCN_OP_WAIT_PENDING,	/* a = vector: nt_wait_pending */
	SCN_OP_WAIT_DELIVERED,	/* a = vector, b = count: nt_wait_delivered */
	SCN_OP_SPIN,		/* a = cycles: plat_spin */
	SCN_OP_STI,		/* plat_irq_enable */
	SCN_OP_CLI,		/* plat_irq_disable */
	SCN_OP_MARK,		/* a = phase index (0-based in the script) */
	SCN_OP_OUT,		/* a = port (SCN_OUT_PORT_*), b = byte: plat_out */
	SCN_OP_HOST,		/* a = action (platform.h PLAT_HOST_*), b = its argument: plat_host */
	SCN_OP_REPEAT,		/* a = count, b = index of the matching END */
	SCN_OP_ISR,		/* a = vector, flags: SCN_F_RAW, SCN_F_BODY; b = END if body */
	SCN_OP_END,		/* closes a block; a = index of the opener */
	SCN_OP_APC,		/* a = count: KeInsertQueueApc x a */
	SCN_OP_CPU,		/* a = vCPU, b = END: the body runs on that vCPU only */
	SCN_OP_SIGNAL,		/* a = flag: its count + 1 (every vCPU sees it) */
	SCN_OP_WAIT,		/* a = flag: until its count reaches this vCPU's waits */
	SCN_NOPCODES
};

#define SCN_F_RAW	0x01	/* SCN_OP_ISR: raw handler (the script EOIs) */
#define SCN_F_BODY	0x02	/* SCN_OP_ISR: has a { } body */
#define SCN_F_STATE	0x04	/* SCN_OP_ISR: its body writes CR8 or IF */
#define SCN_F_TARGET	0x08	/* SCN_OP_IPI: to vCPU b, not to itself */

/* The IRQL argument `old` of cr8/raise/lower in an isr body: the IRQL the
 * handler started at (raw: the interrupted IRQL, read from CR8 at entry;
 * auto: what the dispatcher raised to), as HalEndSystemInterrupt lowers
 * back to the trap frame's OldIrql. */
#define SCN_IRQL_OLD	16u

struct scn_op {
	uint8_t code;
	uint8_t flags;
	uint16_t depth;		/* block nesting of this op */
	uint32_t line;		/* source line, for messages */
	uint32_t a, b;
};

/* Per-vector facts collected by the parser (prog->vec[v]). */
#define SCN_V_USED	0x01	/* sent (ipi), armed (clock) or waited for */
#define SCN_V_WAITED	0x02	/* wait_delivered on it */
#define SCN_V_ISR	0x04	/* declared with `isr` */
#define SCN_V_RAW	0x08	/* declared raw */

struct scn_prog {
	unsigned nops;
	struct scn_op ops[SCN_MAX_OPS];
	unsigned nphases;
	char phase_name[SCN_MAX_PHASES][SCN_MAX_NAME];
	bool phase_measured[SCN_MAX_PHASES];
	unsigned phase_base;	/* stats phase of script phase 0; default 1 */
	uint32_t timeout_us;	/* for wait_pending / wait_delivered */
	uint64_t static_ops;	/* instructions one run executes (main flow) */
	uint32_t host_line;	/* line of the first `host` action, 0: none (only
				 * the model can run such a script) */
	uint8_t vec[SCN_NVEC];	/* SCN_V_* */
	uint16_t isr_op[SCN_NVEC];	/* index of the vector's ISR op + 1, 0: none */
	unsigned ncpus;		/* vCPUs the script needs: 1 + the highest `cpu N`
				 * or `ipi V cpu N` */
};

/*
 * Parses `len` bytes of script text into *prog.  Returns 0, or -1 with one
 * line in err: "line N: <what is wrong>; <how to fix it>" (errlen >=
 * SCN_MSG_MAX holds any of them whole).  max_events
 * bounds scn_static_ops() (scn_parse: SCN_MAX_EVENTS).
 */
int scn_parse(const char *text, size_t len, struct scn_prog *prog,
	      char *err, size_t errlen);
int scn_parse_limit(const char *text, size_t len, struct scn_prog *prog,
		    uint64_t max_events, char *err, size_t errlen);

/* Instructions one run of the main flow executes (repeats expanded; `dpc N`
 * counts N; interrupt handler bodies not included). */
uint64_t scn_static_ops(const struct scn_prog *prog);

/* One op as script text (canonical form, no indentation); returns the
 * length as ksnprintf does. */
int scn_op_text(const struct scn_prog *prog, unsigned i, char *buf, size_t n);
/* The whole program as canonical script text (parses back to the same
 * program).  Returns the length needed, like ksnprintf. */
size_t scn_format(const struct scn_prog *prog, char *buf, size_t n);

const char *scn_opcode_name(unsigned code);
/* The `host` action's word ("set_tpr", "init", ...) or "?". */
const char *scn_host_action_name(unsigned action);

/*
 * Abstract state along the program: used by the parser's static check and
 * by the interpreter's run-time checks (one set of rules).
 */
struct scn_state {
	uint8_t irql;
	uint8_t entry;		/* what `old` means: a handler's entry IRQL */
	bool if_off;		/* after `cli` */
	uint8_t held[SCN_NLOCKS];	/* 0 free, 1 acquire, 2 acquire_dpc */
	uint8_t old[SCN_NLOCKS];	/* IRQL saved by acquire */
	uint32_t held_line[SCN_NLOCKS];
};

void scn_state_init(struct scn_state *s);
/* Checks op against state s and applies its effect.  Returns 0, or -1 with
 * the problem and the fix in msg (no line prefix). */
int scn_step(struct scn_state *s, const struct scn_op *op, char *msg, size_t n);

/* --- interpreter (scn_run.c): needs nt.h, platform.h, stats.h --- */

enum scn_error {
	SCN_OK = 0,
	SCN_ERR_STATE = -1,	/* IRQL / lock / IF misuse (scn_step) */
	SCN_ERR_TIMEOUT = -2,	/* a wait ran out of time */
	SCN_ERR_DPC = -3,	/* every DPC object still queued */
	SCN_ERR_SETUP = -4,	/* bad call: IRQL not 0, phases do not fit */
};

/*
 * Declares the script's phases (`mark`) as stats phases first, first+1, ...
 * and makes `mark` enter those.  Call after stats_reset() and before
 * scn_run(); without it the script's phases start at 1 and are not
 * declared.  Returns 0 or SCN_ERR_SETUP with a message.
 */
int scn_declare_phases(struct scn_prog *prog, unsigned first,
		       char *err, size_t errlen);

/*
 * Registers the interrupt handlers the script declares (and a counting
 * `auto` handler for every other vector it uses, except 0x2F which the NT
 * layer owns) and resets the interpreter's per-vCPU state.  Call once per
 * program at PASSIVE_LEVEL with interrupts enabled, outside any measured
 * phase; scn_run() calls it itself when the program changed.
 */
int scn_prepare(const struct scn_prog *prog, char *err, size_t errlen);

/*
 * Runs the program once on this vCPU.  Must be called at PASSIVE_LEVEL with
 * interrupts enabled; returns there on success.  Returns SCN_OK or a
 * negative enum scn_error with "line N: <problem>; <fix>" in err; the
 * IRQL, IF and held locks are then as the failing op left them.
 */
int scn_run(const struct scn_prog *prog, char *err, size_t errlen);

/* What the interpreter counted on a vCPU since scn_prepare(). */
struct scn_counts {
	uint64_t runs;
	uint64_t dpc_queued;	/* KeInsertQueueDpc calls that queued */
	uint64_t dpc_ran;	/* the counting DPC routine ran */
	uint64_t apc_queued;	/* KeInsertQueueApc calls that queued */
	uint64_t apc_ran;	/* the counting APC routine ran */
	uint64_t isr_entries;	/* script ISRs entered (declared vectors) */
};
void scn_get_counts(unsigned cpu, struct scn_counts *c);

#endif
