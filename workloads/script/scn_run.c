// SPDX-License-Identifier: MIT
/*
 * scn_run.c - the scenario-script interpreter (see scn.h, SCRIPTS.md).
 *
 * Executes a parsed program through the NT layer (nt.h) and platform.h
 * only, so that the guest and the host's model run it unchanged.  Nothing
 * here prints or touches a port: inside a measured phase the only VM exits
 * must be those of the script's own actions.  The op loop itself reads no
 * CR8: the IRQL, locks and IF are tracked in a struct scn_state, checked by
 * the same rules the parser used statically.
 */
#include "scn.h"
#include "klib.h"
#include "nt.h"
#include "stats.h"

struct scn_rt {
	struct scn_state st;
	KIRQL kold[SCN_NLOCKS];		/* old IRQL returned by KeAcquireSpinLock */
	KDPC dpc[SCN_DPC_POOL];
	unsigned next_dpc;
	KAPC apc[SCN_APC_POOL];
	unsigned next_apc;
	uint64_t seen[SCN_NVEC];	/* deliveries consumed by wait_delivered */
	uint64_t waits[SCN_NFLAGS];	/* `wait F` this vCPU passed */
	struct scn_counts counts;
	int isr_err;			/* first error inside a handler body */
	char isr_msg[SCN_MSG_MAX];
};

static struct scn_rt scn_rt[MAX_CPUS];
static KSPIN_LOCK scn_locks[SCN_NLOCKS];	/* shared by all vCPUs, like real locks */
static uint64_t scn_flags[SCN_NFLAGS];		/* `signal F`s of every vCPU */
static const struct scn_prog *scn_prepared;
static uint64_t scn_timeout_cycles;
static uint8_t scn_waited[SCN_NVEC];	/* vectors with wait_delivered ... */
static unsigned scn_nwaited;		/* ... and how many */

static struct scn_rt *here(void)
{
	return &scn_rt[plat_cpu_id() % MAX_CPUS];
}

static uint64_t us_to_cycles(uint64_t us)
{
	return us * plat_tsc_hz() / 1000000u;
}

static void scn_count_dpc(KDPC *dpc, void *ctx)
{
	struct scn_rt *rt = ctx;

	(void)dpc;
	rt->counts.dpc_ran++;
}

static void scn_count_apc(KAPC *apc, void *ctx)
{
	struct scn_rt *rt = ctx;

	(void)apc;
	rt->counts.apc_ran++;
}

static int exec_range(struct scn_rt *rt, const struct scn_prog *p, unsigned i,
		      unsigned end, struct scn_state *st, bool in_isr, char *err,
		      size_t errlen);

static int __attribute__((format(printf, 6, 7)))
op_fail(int code, const struct scn_op *op, bool in_isr, char *err, size_t errlen,
	const char *fmt, ...);

/* A handler body that writes CR8 or IF: its own state, from the IRQL it
 * starts at (CR8 read once: no exit under SVM's V_TPR or VMX's TPR shadow),
 * checked op by op and at its end by the parser's rules. */
static int exec_isr_state(struct scn_rt *rt, const struct scn_prog *p,
			  const struct scn_op *isr, char *msg, size_t n)
{
	struct scn_state hs;
	int rc;

	scn_state_init(&hs);
	hs.irql = hs.entry = KeGetCurrentIrql();
	hs.if_off = (isr->flags & SCN_F_RAW) != 0;
	rc = exec_range(rt, p, (unsigned)(isr - p->ops) + 1, isr->b, &hs, true, msg, n);
	if (rc || hs.irql == hs.entry)
		return rc;
	return op_fail(SCN_ERR_STATE, isr, true, msg, n,
		       "the handler of 0x%x started at IRQL %u and ends at IRQL %u; end it at the IRQL it started at, e.g. with 'cr8 old'",
		       isr->a, hs.entry, hs.irql);
}

/* The handler of every vector the script declares or uses (not 0x2F). */
static void scn_isr(unsigned vector, void *ctx)
{
	const struct scn_prog *p = scn_prepared;
	struct scn_rt *rt = here();
	const struct scn_op *isr;
	char msg[sizeof(rt->isr_msg)];
	int rc;

	(void)ctx;
	rt->counts.isr_entries++;
	if (!p || vector >= SCN_NVEC || !p->isr_op[vector])
		return;
	isr = &p->ops[p->isr_op[vector] - 1];
	if (!(isr->flags & SCN_F_BODY))
		return;
	if (isr->flags & SCN_F_STATE)
		rc = exec_isr_state(rt, p, isr, msg, sizeof(msg));
	else
		rc = exec_range(rt, p, p->isr_op[vector], isr->b, NULL, true, msg, sizeof(msg));
	if (rc && !rt->isr_err) {	/* the main flow stops at its next op */
		rt->isr_err = rc;
		kmemcpy(rt->isr_msg, msg, sizeof(msg));
	}
}

static int __attribute__((format(printf, 6, 7)))
op_fail(int code, const struct scn_op *op, bool in_isr, char *err, size_t errlen,
	const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return code;
	n = ksnprintf(err, errlen, "line %u%s: ", op->line, in_isr ? " (in an isr body)" : "");
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		kvmsgf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* `dpc N` and `apc N`: N objects of the vCPU's pool, round robin. */
static int queue_objs(struct scn_rt *rt, const struct scn_op *op, bool in_isr,
		      char *err, size_t errlen)
{
	bool dpc = op->code == SCN_OP_DPC;
	KDPC *pool = dpc ? rt->dpc : rt->apc;
	unsigned *next = dpc ? &rt->next_dpc : &rt->next_apc;
	unsigned size = dpc ? SCN_DPC_POOL : SCN_APC_POOL;
	unsigned k, tries;

	for (k = 0; k < op->a; k++) {
		KDPC *d = NULL;

		for (tries = 0; tries < size; tries++) {
			KDPC *c = &pool[*next];

			*next = (*next + 1) % size;
			if (!c->queued) {
				d = c;
				break;
			}
		}
		if (!d)
			return op_fail(SCN_ERR_DPC, op, in_isr, err, errlen,
				       "all %u %s objects are still queued (the %s interrupt was not delivered); lower the IRQL below %u so that they run, or queue fewer",
				       size, dpc ? "DPC" : "APC", dpc ? "DPC" : "APC",
				       dpc ? DISPATCH_LEVEL : APC_LEVEL);
		if (dpc ? KeInsertQueueDpc(d) : KeInsertQueueApc(d)) {
			if (dpc)
				rt->counts.dpc_queued++;
			else
				rt->counts.apc_queued++;
		}
	}
	return 0;
}

static int wait_op(struct scn_rt *rt, const struct scn_prog *p, const struct scn_op *op,
		   char *err, size_t errlen)
{
	uint64_t target;

	if (op->code == SCN_OP_WAIT_PENDING) {
		if (nt_wait_pending(op->a, scn_timeout_cycles))
			return 0;
		return op_fail(SCN_ERR_TIMEOUT, op, false, err, errlen,
			       "wait_pending 0x%x timed out after %u us: the vector never became pending; send it (ipi/clock) before waiting, or raise the timeout",
			       op->a, p->timeout_us);
	}
	target = rt->seen[op->a] + op->b;
	if (nt_wait_delivered(op->a, target, scn_timeout_cycles)) {
		rt->seen[op->a] = target;
		return 0;
	}
	return op_fail(SCN_ERR_TIMEOUT, op, false, err, errlen,
		       "wait_delivered 0x%x timed out after %u us (%lu of %u deliveries): the interrupt was never delivered; check that it was sent and is unmasked, or raise the timeout",
		       op->a, p->timeout_us, nt_deliveries(op->a) - rt->seen[op->a], op->b);
}

/* noinline: its message buffer stays out of exec_range's recursion */
/* `wait F`: this vCPU's k-th wait on F returns once F was signalled k
 * times (by any vCPU), polling memory (no exit), backing off as the NT
 * layer's waits do. */
static int flag_wait(struct scn_rt *rt, const struct scn_op *op, bool in_isr, char *err,
		     size_t errlen)
{
	uint64_t want = ++rt->waits[op->a];

	if (!nt_wait_counter(&scn_flags[op->a], want, scn_timeout_cycles))
		return op_fail(SCN_ERR_TIMEOUT, op, in_isr, err, errlen,
			       "no 'signal %u' within the timeout (this vCPU's wait number %lu on it): does the signalling vCPU's block run (--vcpus)?",
			       op->a, (unsigned long)want);
	return 0;
}

static __attribute__((noinline)) int exec_op(struct scn_rt *rt, const struct scn_prog *p,
					      const struct scn_op *op, struct scn_state *st,
					      bool in_isr, char *err, size_t errlen)
{
	unsigned a = op->a;
	char msg[SCN_MSG_MAX];
	KIRQL old;

	/* st: the main flow's state, a handler's own (exec_isr_state), or
	 * NULL for a handler body that changes neither IRQL nor IF */
	if (st && scn_step(st, op, msg, sizeof(msg)))
		return op_fail(SCN_ERR_STATE, op, in_isr, err, errlen, "%s", msg);
	if (st && (op->code == SCN_OP_CR8 || op->code == SCN_OP_RAISE || op->code == SCN_OP_LOWER))
		a = st->irql;	/* `old` resolved by scn_step */
	switch (op->code) {
	case SCN_OP_CR8:
		nt_write_irql((KIRQL)a);
		break;
	case SCN_OP_RAISE:
		KeRaiseIrql((KIRQL)a, &old);
		break;
	case SCN_OP_LOWER:
		KeLowerIrql((KIRQL)a);
		break;
	case SCN_OP_ACQUIRE:
		KeAcquireSpinLock(&scn_locks[a], &rt->kold[a]);
		break;
	case SCN_OP_RELEASE:
		KeReleaseSpinLock(&scn_locks[a], rt->kold[a]);
		break;
	case SCN_OP_ACQUIRE_DPC:
		KeAcquireSpinLockAtDpcLevel(&scn_locks[a]);
		break;
	case SCN_OP_RELEASE_DPC:
		KeReleaseSpinLockFromDpcLevel(&scn_locks[a]);
		break;
	case SCN_OP_DPC:
	case SCN_OP_APC:
		return queue_objs(rt, op, in_isr, err, errlen);
	case SCN_OP_IPI:
		if (op->flags & SCN_F_TARGET)
			nt_send_ipi(op->b, a);
		else
			nt_send_self_ipi(a);	/* as the HAL sends it, or checked (ipi_readback) */
		break;
	case SCN_OP_SIGNAL:
		__atomic_fetch_add(&scn_flags[a], 1, __ATOMIC_RELEASE);
		break;
	case SCN_OP_WAIT:
		return flag_wait(rt, op, in_isr, err, errlen);
	case SCN_OP_EOI:
		nt_eoi();
		break;
	case SCN_OP_CLOCK:
	case SCN_OP_CLOCK_PERIODIC:
		nt_clock_start(us_to_cycles(a), op->code == SCN_OP_CLOCK_PERIODIC);
		break;
	case SCN_OP_CLOCK_STOP:
		nt_clock_stop();
		break;
	case SCN_OP_WAIT_PENDING:
	case SCN_OP_WAIT_DELIVERED:
		return wait_op(rt, p, op, err, errlen);
	case SCN_OP_SPIN:
		plat_spin(a);
		break;
	case SCN_OP_STI:
		plat_irq_enable();
		break;
	case SCN_OP_CLI:
		plat_irq_disable();
		break;
	case SCN_OP_MARK:
		stats_enter_phase(p->phase_base + a);
		break;
	case SCN_OP_OUT:
		plat_out((uint16_t)a, (uint8_t)op->b);
		break;
	case SCN_OP_HOST:
		if (!plat_host(a, op->b))
			return op_fail(SCN_ERR_SETUP, op, in_isr, err, errlen,
				       "'host %s' is a host-side action a guest cannot perform; run the script with 'irqlbench model --script FILE'",
				       scn_host_action_name(a));
		break;
	default:
		break;
	}
	return 0;
}

static int exec_range(struct scn_rt *rt, const struct scn_prog *p, unsigned i,
		      unsigned end, struct scn_state *st, bool in_isr, char *err,
		      size_t errlen)
{
	while (i < end) {
		const struct scn_op *op = &p->ops[i];
		int rc;

		if (op->code == SCN_OP_ISR) {
			i = (op->flags & SCN_F_BODY) ? op->b + 1 : i + 1;
			continue;
		}
		if (op->code == SCN_OP_CPU) {	/* the body on that vCPU only */
			if (plat_cpu_id() == op->a) {
				rc = exec_range(rt, p, i + 1, op->b, st, in_isr, err, errlen);
				if (rc)
					return rc;
			}
			i = op->b + 1;
			continue;
		}
		if (op->code == SCN_OP_REPEAT) {
			uint32_t c;

			for (c = 0; c < op->a; c++) {
				rc = exec_range(rt, p, i + 1, op->b, st, in_isr, err, errlen);
				if (rc)
					return rc;
			}
			i = op->b + 1;
			continue;
		}
		rc = exec_op(rt, p, op, st, in_isr, err, errlen);
		if (rc)
			return rc;
		if (!in_isr && rt->isr_err) {
			if (err && errlen)
				kmsgf(err, errlen, "%s", rt->isr_msg);
			return rt->isr_err;
		}
		i++;
	}
	return 0;
}

int scn_declare_phases(struct scn_prog *prog, unsigned first, char *err, size_t errlen)
{
	unsigned i;

	if (first == 0 || first + prog->nphases > MAX_PHASES) {
		if (err && errlen)
			kmsgf(err, errlen, "script phases %u..%u do not fit in the %u stats phases; use fewer 'mark' names",
				  first, first + prog->nphases - 1, MAX_PHASES);
		return SCN_ERR_SETUP;
	}
	prog->phase_base = first;
	for (i = 0; i < prog->nphases; i++)
		stats_declare_phase(first + i, prog->phase_name[i], prog->phase_measured[i]);
	return 0;
}

int scn_prepare(const struct scn_prog *prog, char *err, size_t errlen)
{
	unsigned c, k, v;
	KIRQL irql = KeGetCurrentIrql();

	if (irql != PASSIVE_LEVEL) {
		if (err && errlen)
			kmsgf(err, errlen, "scripts start at PASSIVE_LEVEL, but the IRQL is %u; call scn_prepare/scn_run at IRQL 0",
				  irql);
		return SCN_ERR_SETUP;
	}
	scn_prepared = prog;
	scn_timeout_cycles = us_to_cycles(prog->timeout_us);
	for (k = 0; k < SCN_NLOCKS; k++)
		KeInitializeSpinLock(&scn_locks[k]);
	kmemset(scn_flags, 0, sizeof(scn_flags));
	for (c = 0; c < MAX_CPUS; c++) {
		struct scn_rt *rt = &scn_rt[c];

		kmemset(rt, 0, sizeof(*rt));
		for (k = 0; k < SCN_DPC_POOL; k++)
			KeInitializeDpc(&rt->dpc[k], scn_count_dpc, rt);
		for (k = 0; k < SCN_APC_POOL; k++)
			KeInitializeApc(&rt->apc[k], scn_count_apc, rt);
	}
	scn_nwaited = 0;
	for (v = 0x10; v < SCN_NVEC; v++) {
		if (prog->vec[v] & SCN_V_WAITED)
			scn_waited[scn_nwaited++] = (uint8_t)v;
		if (v == SPURIOUS_VECTOR)
			continue;
		/* 0x2F and 0x1F are the NT layer's DPC and APC interrupts
		 * unless the script declares its own handler (NULL gives
		 * them back) */
		if ((v == DPC_VECTOR || v == APC_VECTOR) && !(prog->vec[v] & SCN_V_ISR))
			nt_register_isr(v, NULL, NULL, false);
		else if (prog->vec[v] & (SCN_V_ISR | SCN_V_USED))
			nt_register_isr(v, scn_isr, NULL, (prog->vec[v] & SCN_V_RAW) != 0);
	}
	return 0;
}

int scn_run(const struct scn_prog *prog, char *err, size_t errlen)
{
	struct scn_rt *rt;
	unsigned k;
	int rc;

	if (err && errlen)
		err[0] = 0;
	if (prog != scn_prepared) {
		rc = scn_prepare(prog, err, errlen);
		if (rc)
			return rc;
	}
	rt = here();
	if (rt->isr_err) {	/* a handler body failed after the last run */
		if (err && errlen)
			kmsgf(err, errlen, "%s", rt->isr_msg);
		return rt->isr_err;
	}
	scn_state_init(&rt->st);
	for (k = 0; k < scn_nwaited; k++)
		rt->seen[scn_waited[k]] = nt_deliveries(scn_waited[k]);
	rc = exec_range(rt, prog, 0, prog->nops, &rt->st, false, err, errlen);
	if (rc)
		return rc;
	rt->counts.runs++;
	return SCN_OK;
}

void scn_get_counts(unsigned cpu, struct scn_counts *c)
{
	*c = scn_rt[cpu % MAX_CPUS].counts;
}
