// SPDX-License-Identifier: MIT
/*
 * test_scn.c - unit tests of the scenario-script parser (workloads/script/
 * scn.c) and interpreter (scn_run.c).
 *
 * The interpreter runs here against a small recording fake of nt.h and
 * platform.h (below, test only): a vCPU with an IRQL, IF, IRR/ISR and a DPC
 * queue that delivers the way docs/windows-irql.md describes, and a log of every
 * call, so that the tests can check that the ops reach the NT layer in
 * order with the right arguments.
 *
 * SCN_SCRIPTS_DIR (default workloads/scripts) names the examples that must
 * all parse, round-trip and run.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "klib.h"
#include "nt.h"
#include "script/scn.h"
#include "stats.h"

/* ------------------------------------------------------------------------ */
/* The fake NT layer and platform                                            */

static char fk_log[1 << 16];
static size_t fk_len;
static unsigned fk_irql;
static bool fk_if = true;
static bool fk_irr[256];
static unsigned fk_isr_stack[16], fk_nisr;
static uint64_t fk_deliv[256];
static struct { nt_isr_t fn; bool raw; } fk_handlers[256];
static KDPC *fk_dpcq[64], *fk_apcq[64];
static unsigned fk_ndpcq, fk_napcq;
static bool fk_dpc_requested, fk_apc_requested;
static KSPIN_LOCK *fk_lock_base;
static bool fk_timer_armed;
static bool fk_drop_ipi;	/* self-IPIs get lost: waits must time out */
static unsigned fk_phase;
static bool fk_in_delivery;
static char fk_declared[MAX_PHASES][SCN_MAX_NAME];
static bool fk_declared_measured[MAX_PHASES];

struct nt_options nt_opts;

static void fk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (fk_len < sizeof(fk_log) - 64)
		fk_len += (size_t)vsnprintf(fk_log + fk_len, sizeof(fk_log) - fk_len, fmt, ap);
	va_end(ap);
	if (fk_len < sizeof(fk_log) - 1)
		fk_log[fk_len++] = ' ';
	fk_log[fk_len] = 0;
}

static void fk_reset(void)
{
	fk_len = 0;
	fk_log[0] = 0;
	fk_irql = 0;
	fk_if = true;
	memset(fk_irr, 0, sizeof(fk_irr));
	fk_nisr = 0;
	memset(fk_deliv, 0, sizeof(fk_deliv));
	memset(fk_handlers, 0, sizeof(fk_handlers));
	fk_ndpcq = fk_napcq = 0;
	fk_dpc_requested = fk_apc_requested = false;
	fk_timer_armed = false;
	fk_drop_ipi = false;
	fk_phase = 0;
}

static unsigned fk_ppr(void)
{
	unsigned p = fk_irql;

	if (fk_nisr && (fk_isr_stack[fk_nisr - 1] >> 4) > p)
		p = fk_isr_stack[fk_nisr - 1] >> 4;
	return p;
}

/* Runs a software-interrupt queue (DPCs or APCs), logging `what`. */
static void fk_run_queue(KDPC **q, unsigned *n, const char *what)
{
	while (*n) {
		KDPC *d = q[0];

		memmove(q, q + 1, --*n * sizeof(q[0]));
		d->queued = false;
		fk("%s", what);
		d->routine(d, d->ctx);
	}
}

/* Delivers every pending vector the PPR and IF allow, highest first. */
static void fk_deliver(void)
{
	int v;

	if (fk_in_delivery)
		return;
	fk_in_delivery = true;
	for (;;) {
		for (v = 255; v >= 16; v--)
			if (fk_irr[v])
				break;
		if (v < 16 || !fk_if || (unsigned)(v >> 4) <= fk_ppr())
			break;
		fk_irr[v] = false;
		fk_deliv[v]++;
		fk("int(0x%x)", v);
		fk_isr_stack[fk_nisr++] = (unsigned)v;
		if ((v == DPC_VECTOR || v == APC_VECTOR) && !fk_handlers[v].fn) {
			unsigned saved = fk_irql;
			bool dpc = v == DPC_VECTOR;

			*(dpc ? &fk_dpc_requested : &fk_apc_requested) = false;
			fk_irql = (unsigned)v >> 4;
			fk_nisr--;	/* the handler EOIs first */
			if (dpc)
				fk_run_queue(fk_dpcq, &fk_ndpcq, "dpcrun");
			else
				fk_run_queue(fk_apcq, &fk_napcq, "apcrun");
			fk_irql = saved;
		} else if (fk_handlers[v].fn) {
			fk_if = false;
			fk_in_delivery = false;
			fk_handlers[v].fn((unsigned)v, NULL);
			fk_in_delivery = true;
			if (!fk_handlers[v].raw)
				fk_nisr--;	/* the dispatcher's EOI */
			fk_if = true;
		} else {
			fk_nisr--;
		}
	}
	fk_in_delivery = false;
}

KIRQL KeGetCurrentIrql(void) { return (KIRQL)fk_irql; }

void KeRaiseIrql(KIRQL new_irql, KIRQL *old_irql)
{
	fk("raise(%u)", new_irql);
	*old_irql = (KIRQL)fk_irql;
	fk_irql = new_irql;
}

KIRQL KfRaiseIrql(KIRQL new_irql)
{
	KIRQL old;

	KeRaiseIrql(new_irql, &old);
	return old;
}

void KeLowerIrql(KIRQL new_irql)
{
	fk("lower(%u)", new_irql);
	fk_irql = new_irql;
	fk_deliver();
}

void nt_write_irql(KIRQL irql)
{
	fk("cr8(%u)", irql);
	fk_irql = irql;
	fk_deliver();
}

void KeInitializeSpinLock(KSPIN_LOCK *lock)
{
	if (!fk_lock_base || lock < fk_lock_base)
		fk_lock_base = lock;
	lock->locked = 0;
}

void KeAcquireSpinLock(KSPIN_LOCK *lock, KIRQL *old_irql)
{
	fk("acq(%u)", (unsigned)(lock - fk_lock_base));
	*old_irql = (KIRQL)fk_irql;
	fk_irql = DISPATCH_LEVEL;
	lock->locked = 1;
}

void KeReleaseSpinLock(KSPIN_LOCK *lock, KIRQL old_irql)
{
	fk("rel(%u,%u)", (unsigned)(lock - fk_lock_base), old_irql);
	lock->locked = 0;
	fk_irql = old_irql;
	fk_deliver();
}

void KeAcquireSpinLockAtDpcLevel(KSPIN_LOCK *lock)
{
	fk("acqd(%u)", (unsigned)(lock - fk_lock_base));
	lock->locked = 1;
}

void KeReleaseSpinLockFromDpcLevel(KSPIN_LOCK *lock)
{
	fk("reld(%u)", (unsigned)(lock - fk_lock_base));
	lock->locked = 0;
}

void KeInitializeDpc(KDPC *dpc, PKDEFERRED_ROUTINE routine, void *ctx)
{
	memset(dpc, 0, sizeof(*dpc));
	dpc->routine = routine;
	dpc->ctx = ctx;
}

/* Queues d on q (DPCs or APCs) and requests `vec` if not yet requested. */
static bool fk_insert(KDPC *d, KDPC **q, unsigned *n, bool *requested, unsigned vec,
		      const char *what)
{
	if (d->queued)
		return false;
	fk("%s", what);
	d->queued = true;
	q[(*n)++] = d;
	if (!*requested) {
		*requested = true;
		fk_irr[vec] = true;
		fk_deliver();
	}
	return true;
}

bool KeInsertQueueDpc(KDPC *dpc)
{
	return fk_insert(dpc, fk_dpcq, &fk_ndpcq, &fk_dpc_requested, DPC_VECTOR, "queue");
}

void KeInitializeApc(KAPC *apc, PKKERNEL_ROUTINE routine, void *ctx)
{
	KeInitializeDpc(apc, routine, ctx);
}

bool KeInsertQueueApc(KAPC *apc)
{
	return fk_insert(apc, fk_apcq, &fk_napcq, &fk_apc_requested, APC_VECTOR, "queue_apc");
}

void HalRequestSoftwareInterrupt(KIRQL irql)
{
	fk_irr[(irql << 4) | 0xF] = true;
}

void nt_register_isr(unsigned vector, nt_isr_t isr, void *ctx, bool raw)
{
	(void)ctx;
	if (isr)
		fk("reg(0x%x,%s)", vector, raw ? "raw" : "auto");
	else
		fk("unreg(0x%x)", vector);
	fk_handlers[vector].fn = isr;
	fk_handlers[vector].raw = raw;
}

void nt_eoi(void)
{
	fk("eoi");
	if (fk_nisr)
		fk_nisr--;
	fk_deliver();
}

void nt_clock_start(uint64_t period_cycles, bool periodic)
{
	fk("clock(%llu,%d)", (unsigned long long)period_cycles, periodic);
	fk_timer_armed = true;
}

void nt_clock_stop(void)
{
	fk("clock_stop");
	fk_timer_armed = false;
}

/* Time passes in spins and waits: the armed timer fires. */
static void fk_time_passes(void)
{
	if (fk_timer_armed) {
		fk_timer_armed = false;
		fk_irr[CLOCK_VECTOR] = true;
	}
	fk_deliver();
}

void nt_expect(unsigned vector)
{
	fk("expect(0x%x)", vector);
}

/* an IPI to another vCPU (this bench has one: a script that reaches it
 * names a vCPU the bench never runs; the trace says so) */
void nt_send_ipi(unsigned cpu, unsigned vector)
{
	fk("ipi_to(%u,0x%x)", cpu, vector);
}

/* the NT layer's send (guestos/nt/intr.c), ipi_readback=0: as the HAL */
void nt_send_self_ipi(unsigned vector)
{
	nt_expect(vector);
	plat_self_ipi((uint8_t)vector);
}

bool nt_is_pending(unsigned vector)
{
	return fk_irr[vector];
}

bool nt_wait_pending(unsigned vector, uint64_t max_cycles)
{
	fk("waitp(0x%x,%llu)", vector, (unsigned long long)max_cycles);
	fk_time_passes();
	return fk_irr[vector];
}

bool nt_wait_delivered(unsigned vector, uint64_t count, uint64_t max_cycles)
{
	fk("waitd(0x%x,%llu)", vector, (unsigned long long)count);
	(void)max_cycles;
	fk_time_passes();
	return fk_deliv[vector] >= count;
}

/* signal/wait's counters: one vCPU here, so nothing else advances them
 * while it waits: one look */
bool nt_wait_counter(const uint64_t *v, uint64_t k, uint64_t max_cycles)
{
	fk("waitc(%llu)", (unsigned long long)k);
	(void)max_cycles;
	fk_time_passes();
	return *v >= k;
}

uint64_t nt_deliveries(unsigned vector)
{
	return fk_deliv[vector];
}

void nt_init(void) {}

void plat_self_ipi(uint8_t vector)
{
	fk("ipi(0x%x,if=%d)", vector, fk_if);
	if (!fk_drop_ipi)
		fk_irr[vector] = true;
	fk_deliver();
}

void plat_self_ipi_checked(uint8_t vector)
{
	fk("ipi(0x%x,if=%d)", vector, fk_if);
	if (!fk_drop_ipi)
		fk_irr[vector] = true;
}

unsigned long plat_irq_save(void)
{
	unsigned long f = fk_if;

	fk_if = false;
	return f;
}

void plat_irq_restore(unsigned long flags)
{
	fk_if = flags != 0;
	fk_deliver();
}

void plat_irq_enable(void)
{
	fk("sti");
	fk_if = true;
	fk_deliver();
}

void plat_irq_disable(void)
{
	fk("cli");
	fk_if = false;
}

void plat_spin(uint64_t cycles)
{
	fk("spin(%llu)", (unsigned long long)cycles);
	fk_time_passes();
}

void plat_out(uint16_t port, uint8_t value)
{
	fk("out(0x%x,0x%x)", port, value);
	fk_time_passes();
}

static bool fk_host_ok = true;		/* false: the platform refuses host actions */

bool plat_host(unsigned action, unsigned arg)
{
	fk("host(%u,%u)", action, arg);
	return fk_host_ok;
}

uint64_t plat_tsc_hz(void) { return 1000000000ull; }	/* 1 GHz: 1 us = 1000 cycles */
unsigned plat_cpu_id(void) { return 0; }
unsigned plat_ncpus(void) { return 1; }
void plat_puts(const char *s) { fputs(s, stdout); }

void stats_enter_phase(unsigned idx)
{
	fk("phase(%u)", idx);
	fk_phase = idx;
}

void stats_declare_phase(unsigned idx, const char *name, bool measured)
{
	snprintf(fk_declared[idx], sizeof(fk_declared[idx]), "%s", name);
	fk_declared_measured[idx] = measured;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static struct scn_prog prog, prog2;
static char err[512];

static int parse(const char *text)
{
	return scn_parse(text, strlen(text), &prog, err, sizeof(err));
}

/* The script must fail with an error that starts with `prefix` and
 * contains `part`. */
#define CHECK_ERR(text, prefix, part) do {				\
	int _rc = parse(text);						\
	CHECK_EQ_U64(_rc, (uint64_t)-1);				\
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, part)) { \
		check_failed++;						\
		printf("%s:%d: FAILED: error \"%s\" lacks \"%s\"...\"%s\"\n", \
		       __FILE__, __LINE__, err, prefix, part);		\
	}								\
	check_n++;							\
	CHECK(!strchr(err, '\n'));					\
	CHECK_EQ_U64(prog.nops, 0);					\
} while (0)

#define CHECK_OK(text) do {						\
	int _rc = parse(text);						\
	if (_rc)							\
		printf("%s:%d: parse error: %s\n", __FILE__, __LINE__, err); \
	CHECK_EQ_U64(_rc, 0);						\
} while (0)

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = (size_t)n;
	}
	return buf;
}

/* Runs prog against a fresh fake; returns scn_run's status. */
static int run(void)
{
	fk_reset();
	return scn_run(&prog, err, sizeof(err));
}

/* Runs after a forced re-prepare, and with the log starting after it. */
static int run_fresh(void)
{
	struct scn_prog *p = &prog;
	int rc;

	fk_reset();
	rc = scn_prepare(p, err, sizeof(err));
	if (rc)
		return rc;
	fk_len = 0;
	fk_log[0] = 0;
	return scn_run(p, err, sizeof(err));
}

static bool log_has(const char *s)
{
	return strstr(fk_log, s) != NULL;
}

static unsigned log_count(const char *s)
{
	unsigned n = 0;
	const char *p = fk_log;

	while ((p = strstr(p, s))) {
		n++;
		p += strlen(s);
	}
	return n;
}

/* ------------------------------------------------------------------------ */
/* Parser: good input                                                        */

static void test_every_keyword(void)
{
	CHECK_OK("timeout 5000\n"
		 "isr 0x41 auto\n"
		 "isr 0xd1 raw {\n"
		 "  dpc 2\n"
		 "  eoi\n"
		 "}\n"
		 "mark one\n"
		 "cr8 15\n"
		 "cr8 0x0\n"
		 "raise 1\n"
		 "raise 2\n"
		 "lower 1\n"
		 "lower 0\n"
		 "acquire 3\n"
		 "acquire_dpc 15\n"
		 "release_dpc 15\n"
		 "release 3\n"
		 "dpc\n"
		 "ipi 0x41\n"
		 "wait_delivered 0x41 1\n"
		 "clock 20\n"
		 "wait_delivered 0xD1\n"
		 "clock_periodic 1000\n"
		 "clock_stop\n"
		 "cli\n"
		 "ipi 0x41\n"
		 "wait_pending 0x41\n"
		 "sti\n"
		 "spin 4294967295\n"
		 "eoi\n"
		 "mark two unmeasured\n"
		 "repeat 3 {\n"
		 "  raise 2\n"
		 "  lower 0\n"
		 "}\n");
	CHECK_EQ_U64(prog.timeout_us, 5000);
	CHECK_EQ_U64(prog.nphases, 2);
	CHECK_STR(prog.phase_name[0], "one");
	CHECK_STR(prog.phase_name[1], "two");
	CHECK(prog.phase_measured[0]);
	CHECK(!prog.phase_measured[1]);
	CHECK_EQ_U64(prog.ops[0].code, SCN_OP_ISR);
	CHECK_EQ_U64(prog.ops[0].a, 0x41);
	CHECK_EQ_U64(prog.ops[0].flags, 0);
	CHECK_EQ_U64(prog.ops[1].code, SCN_OP_ISR);
	CHECK_EQ_U64(prog.ops[1].flags, SCN_F_RAW | SCN_F_BODY);
	CHECK_EQ_U64(prog.ops[1].b, 4);
	CHECK_EQ_U64(prog.ops[2].code, SCN_OP_DPC);
	CHECK_EQ_U64(prog.ops[2].a, 2);
	CHECK_EQ_U64(prog.ops[2].depth, 1);
	CHECK_EQ_U64(prog.ops[4].code, SCN_OP_END);
	CHECK_EQ_U64(prog.ops[4].a, 1);
	CHECK_EQ_U64(prog.ops[5].code, SCN_OP_MARK);
	CHECK_EQ_U64(prog.ops[6].a, 15);
	CHECK_EQ_U64(prog.ops[6].line, 8);
	CHECK_EQ_U64(prog.ops[7].a, 0);
	CHECK_EQ_U64(prog.ops[16].code, SCN_OP_DPC);
	CHECK_EQ_U64(prog.ops[16].a, 1);
	CHECK_EQ_U64(prog.ops[18].code, SCN_OP_WAIT_DELIVERED);
	CHECK_EQ_U64(prog.ops[18].b, 1);
	CHECK_EQ_U64(prog.ops[20].a, 0xd1);
	CHECK_EQ_U64(prog.ops[27].a, 4294967295u);
	CHECK(prog.vec[0x41] & SCN_V_ISR);
	CHECK(!(prog.vec[0x41] & SCN_V_RAW));
	CHECK(prog.vec[0xd1] & SCN_V_RAW);
	CHECK(prog.vec[0xd1] & SCN_V_WAITED);
	CHECK(prog.vec[0x41] & SCN_V_USED);
	/* 25 plain ops + 3 x 2 in the repeat; isr, } and repeat count 0 */
	CHECK_EQ_U64(scn_static_ops(&prog), 25 + 6);
	CHECK_EQ_U64(prog.ops[prog.nops - 1].code, SCN_OP_END);
	CHECK_EQ_U64(prog.ops[prog.nops - 1].line, 35);
}

static void test_lexical(void)
{
	/* comments, blank lines, tabs, CRLF, BOM, braces glued to words */
	CHECK_OK("\xef\xbb\xbf# a comment\r\n\r\n\t raise\t2   # trailing\r\nlower 0\r\n");
	CHECK_EQ_U64(prog.nops, 2);
	CHECK_EQ_U64(prog.ops[0].line, 3);
	CHECK_OK("repeat 2{\nraise 2\nlower 0\n}");
	CHECK_EQ_U64(prog.nops, 4);
	CHECK_OK("raise 2#comment right after\nlower 0 # non-ASCII in a comment: \xc3\xa9\n");
	CHECK_OK("raise 0X0F\nlower 0x0\n");
	CHECK_EQ_U64(prog.ops[0].a, 15);
	/* no final newline */
	CHECK_OK("spin 5");
	CHECK_EQ_U64(prog.ops[0].a, 5);
	/* empty body is fine when something else runs */
	CHECK_OK("repeat 5 {\n}\nspin 1\n");
	CHECK_EQ_U64(scn_static_ops(&prog), 1);
}

static void test_static_ops(void)
{
	CHECK_OK("repeat 10 {\n repeat 100 {\n  raise 2\n  lower 0\n }\n dpc 4\n}\nspin 1\n");
	CHECK_EQ_U64(scn_static_ops(&prog), 10 * (100 * 2 + 4) + 1);
	/* exactly at the limit, then one over */
	CHECK_EQ_U64(scn_parse_limit("repeat 50 {\nraise 2\nlower 0\n}\n", 30, &prog, 100, err, sizeof(err)), 0);
	CHECK_EQ_U64(scn_static_ops(&prog), 100);
	CHECK_EQ_U64(scn_parse_limit("repeat 50 {\nraise 2\nlower 0\n}\nspin 1\n", 37, &prog, 100, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "line 5: the script executes more than 100") != NULL);
	/* 8 nested repeats of 10: 10^8 spins is the default limit exactly */
	CHECK_OK("repeat 10 {\nrepeat 10 {\nrepeat 10 {\nrepeat 10 {\nrepeat 10 {\nrepeat 10 {\nrepeat 10 {\nrepeat 10 {\nspin 1\n}\n}\n}\n}\n}\n}\n}\n}\n");
	CHECK_EQ_U64(scn_static_ops(&prog), 100000000);
}

/* ------------------------------------------------------------------------ */
/* Parser: every error class                                                 */

static void test_errors_words(void)
{
	CHECK_ERR("raise 2\nrase 3\n", "line 2: ", "unknown keyword 'rase'; did you mean 'raise'?");
	CHECK_ERR("\n\n\nfrobnicate\n", "line 4: ", "unknown keyword 'frobnicate'; use one of");
	CHECK_ERR("wait_deliverd 0x2f\n", "line 1: ", "did you mean 'wait_delivered'");
	CHECK_ERR("raise\n", "line 1: ", "'raise' needs an IRQL; e.g. 'raise 2'");
	CHECK_ERR("isr 0xd1\nspin 1\n", "line 1: ", "'isr' needs a mode, raw or auto");
	CHECK_ERR("mark\n", "line 1: ", "'mark' needs a phase name");
	CHECK_ERR("spin 1\neoi 5\n", "line 2: ", "too many arguments for 'eoi': '5' is extra");
	CHECK_ERR("raise 2 3\n", "line 1: ", "'3' is extra");
	CHECK_ERR("wait_delivered 0x2f 1 2\n", "line 1: ", "'2' is extra");
	CHECK_ERR("raise 1 2 3 4 5 6 7\n", "line 1: ", "too many words");
	CHECK_ERR("isr 0xd1 cooked\nspin 1\n", "line 1: ", "isr mode 'cooked'");
	CHECK_ERR("mark a b\n", "line 1: ", "write 'measured' or 'unmeasured'");
}

static void test_errors_numbers(void)
{
	CHECK_ERR("raise two\n", "line 1: ", "'two' is not a number (an IRQL for 'raise')");
	CHECK_ERR("spin 12a\n", "line 1: ", "not a number");
	CHECK_ERR("spin -1\n", "line 1: ", "'-1' is not a number");
	CHECK_ERR("spin 0x\n", "line 1: ", "'0x' is not a number");
	CHECK_ERR("spin 99999999999999999999999\n", "line 1: ", "not a number");
	CHECK_ERR("spin 4294967296\n", "line 1: ", "cycles 4294967296 out of range for 'spin'; use 0..4294967295");
	CHECK_ERR("raise 16\n", "line 1: ", "an IRQL 16 out of range for 'raise'; use 0..15");
	CHECK_ERR("cr8 0x10\n", "line 1: ", "out of range");
	CHECK_ERR("acquire 16\n", "line 1: ", "a lock number 16 out of range for 'acquire'; use 0..15");
	CHECK_ERR("ipi 0xf\n", "line 1: ", "a vector 0xf out of range for 'ipi'; use 0x10..0xfe");
	CHECK_ERR("ipi 255\n", "line 1: ", "use 0x10..0xfe");
	CHECK_ERR("ipi 0x11\n", "line 1: ", "vector 0x11 is also #AC, whose exception pushes an error code");
	CHECK_ERR("isr 0x1e auto\nspin 1\n", "line 1: ", "vector 0x1e is also #SX");
	CHECK_ERR("wait_delivered 0x1d\n", "line 1: ", "vector 0x1d is also #VC");
	CHECK_ERR("ipi 0x15\n", "line 1: ", "vector 0x15 is also #CP");
	CHECK_ERR("apc 33\n", "line 1: ", "an APC count 33 out of range for 'apc'; use 1..32");
	CHECK_ERR("dpc 33\n", "line 1: ", "a DPC count 33 out of range for 'dpc'; use 1..32");
	CHECK_ERR("dpc 0\n", "line 1: ", "use 1..32");
	CHECK_ERR("clock 0\n", "line 1: ", "microseconds 0 out of range for 'clock'");
	CHECK_ERR("clock 10000001\n", "line 1: ", "use 1..10000000");
	CHECK_ERR("timeout 0\nspin 1\n", "line 1: ", "out of range for 'timeout'");
	CHECK_ERR("wait_delivered 0x2f 0\n", "line 1: ", "a delivery count 0 out of range");
	CHECK_ERR("repeat 0 {\nspin 1\n}\n", "line 1: ", "a repeat count 0 out of range for 'repeat'; use 1..100000000");
	CHECK_ERR("repeat 100000001 {\nspin 1\n}\n", "line 1: ", "out of range");
}

static void test_errors_blocks(void)
{
	CHECK_ERR("spin 1\n}\n", "line 2: ", "'}' without an open block");
	CHECK_ERR("spin 1\nrepeat 3 {\nspin 1\n\n", "line 2: ", "the 'repeat' block opened here is not closed; add '}'");
	CHECK_ERR("isr 0x40 raw {\neoi\nspin 1\n", "line 1: ", "the 'isr' block opened here is not closed");
	CHECK_ERR("repeat 3\nspin 1\n", "line 1: ", "'repeat' needs a block: end the line with '{'");
	CHECK_ERR("repeat 3\n{\nspin 1\n}\n", "line 1: ", "needs a block");
	CHECK_ERR("spin 1\n{\n", "line 2: ", "'{' alone");
	CHECK_ERR("repeat 2 {\nspin 1\n} spin 2\n", "line 3: ", "'}' must be alone on its line; move 'spin'");
	CHECK_ERR("repeat 2 { spin 1 }\n", "line 1: ", "in the middle of a line");
	CHECK_ERR("raise 2 {\nlower 0\n}\n", "line 1: ", "'raise' does not open a block; remove the '{'");
	CHECK_ERR("repeat 2 {\nrepeat 2 {\nrepeat 2 {\nrepeat 2 {\nrepeat 2 {\nrepeat 2 {\nrepeat 2 {\nrepeat 2 {\nrepeat 2 {\nspin 1\n}\n}\n}\n}\n}\n}\n}\n}\n}\n",
		  "line 9: ", "blocks nested deeper than 8");
	CHECK_ERR("repeat 2 {\nisr 0x40 auto\n}\n", "line 2: ", "'isr' belongs at the top level");
	CHECK_ERR("repeat 2 {\ntimeout 10\n}\n", "line 2: ", "'timeout' belongs at the top level");
	CHECK_ERR("isr 0x40 raw {\nisr 0x41 raw\n}\n", "line 2: ", "belongs at the top level");
}

static void test_errors_limits(void)
{
	static char big[SCN_MAX_FILE + 100];
	size_t n = 0;
	unsigned i;

	/* line length: 255 characters are fine, 256 are not */
	memset(big, ' ', 300);
	memcpy(big, "spin 1", 6);
	big[255] = '\n';
	CHECK_EQ_U64(scn_parse(big, 256, &prog, err, sizeof(err)), 0);
	big[255] = ' ';
	big[256] = '\n';
	CHECK_EQ_U64(scn_parse(big, 257, &prog, err, sizeof(err)), (uint64_t)-1);
	CHECK_STR(err, "line 1: line longer than 255 characters; split it or shorten the comment");
	/* a long comment on line 3 counts too */
	n = (size_t)snprintf(big, sizeof(big), "spin 1\n\n#");
	memset(big + n, 'x', 260);
	n += 260;
	CHECK_EQ_U64(scn_parse(big, n, &prog, err, sizeof(err)), (uint64_t)-1);
	CHECK(!strncmp(err, "line 3: line longer", 19));

	/* file size */
	memset(big, '\n', sizeof(big));
	memcpy(big, "spin 1", 6);
	CHECK_EQ_U64(scn_parse(big, SCN_MAX_FILE, &prog, err, sizeof(err)), 0);
	CHECK_EQ_U64(scn_parse(big, SCN_MAX_FILE + 1, &prog, err, sizeof(err)), (uint64_t)-1);
	CHECK_STR(err, "script too big: 65537 bytes, the limit is 65536; shorten it (use repeat)");

	/* NUL bytes */
	CHECK_EQ_U64(scn_parse("spin 1\nsp\0in 2\n", 15, &prog, err, sizeof(err)), (uint64_t)-1);
	CHECK_STR(err, "line 2: NUL byte at column 3; the script must be plain text");
	CHECK_EQ_U64(scn_parse("spin 1 # \0\n", 11, &prog, err, sizeof(err)), (uint64_t)-1);
	CHECK(strstr(err, "NUL byte") != NULL);
	CHECK_ERR("spin 1\nspin\x01 2\n", "line 2: ", "unexpected byte 0x01 at column 5");
	CHECK_ERR("spin \xc3\xa9\n", "line 1: ", "unexpected byte 0xc3");

	/* instruction count: 4096 fine, 4097 not */
	n = 0;
	for (i = 0; i < SCN_MAX_OPS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "spin %u\n", i % 10);
	CHECK_EQ_U64(n < SCN_MAX_FILE, 1);
	CHECK_EQ_U64(scn_parse(big, n, &prog, err, sizeof(err)), 0);
	CHECK_EQ_U64(prog.nops, SCN_MAX_OPS);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "spin 9\n");
	CHECK_EQ_U64(scn_parse(big, n, &prog, err, sizeof(err)), (uint64_t)-1);
	CHECK_STR(err, "line 4097: more than 4096 instructions; shorten the script (a repeat block counts its body once)");

	/* unbounded repeats: over the event limit */
	CHECK_ERR("repeat 100000 {\nrepeat 10000 {\nspin 1\n}\n}\n", "line 1: ",
		  "this repeat executes 1000000000 instructions, more than the limit 100000000; lower its count");
	CHECK_ERR("repeat 100000000 {\ndpc 2\n}\n", "line 1: ", "this repeat executes 200000000");
	CHECK_ERR("repeat 60000000 {\nspin 1\n}\nrepeat 60000000 {\nspin 1\n}\n", "line 4: ",
		  "the script executes more than 100000000 instructions per run");
	CHECK_ERR("isr 0x40 auto {\nrepeat 100000000 {\nrepeat 2 {\nspin 1\n}\n}\n}\nipi 0x40\n",
		  "line 2: ", "this repeat executes 200000000");

	/* phases */
	CHECK_OK("mark a\nmark b\nmark c\nmark d\nmark e\nmark f\nmark g\nmark a\n");
	CHECK_EQ_U64(prog.nphases, 7);
	CHECK_ERR("mark a\nmark b\nmark c\nmark d\nmark e\nmark f\nmark g\nmark h\n", "line 8: ",
		  "more than 7 phases");
	CHECK_ERR("mark setup\n", "line 1: ", "'setup' is taken");
	CHECK_ERR("mark a/b\n", "line 1: ", "bad phase name 'a/b'");
	CHECK_ERR("mark aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "line 1: ", "bad phase name");
	CHECK_ERR("mark a unmeasured\nmark a measured\n", "line 2: ",
		  "phase 'a' was declared unmeasured before");
	CHECK_OK("mark a unmeasured\nmark a\n");
	CHECK(!prog.phase_measured[0]);

	/* nothing to run */
	CHECK_ERR("", "line 1: ", "the script has no instructions");
	CHECK_ERR("# only a comment\n\n", "line 2: ", "no instructions");
	CHECK_ERR("isr 0x40 auto\nrepeat 3 {\n}\n", "line 3: ", "no instructions");
	CHECK_ERR("timeout 10\ntimeout 20\nspin 1\n", "line 2: ", "'timeout' given twice (first at line 1)");

	/* a tiny error buffer still gets a terminated prefix of the message */
	CHECK_EQ_U64(scn_parse("bogus\n", 6, &prog, err, 12), (uint64_t)-1);
	CHECK_STR(err, "line 1: unk");
	CHECK_EQ_U64(scn_parse("bogus\n", 6, &prog, NULL, 0), (uint64_t)-1);
}

static void test_errors_isr(void)
{
	CHECK_ERR("isr 0x40 auto\nspin 1\nisr 0x40 raw\n", "line 3: ",
		  "vector 0x40 already has a handler (line 1)");
	CHECK_ERR("isr 0x40 raw {\nacquire 2\n}\nspin 1\n", "line 2: ",
		  "'acquire' is not allowed in an isr body");
	CHECK_ERR("isr 0x40 raw {\nwait_delivered 0x41\n}\nspin 1\n", "line 2: ", "not allowed in an isr body");
	CHECK_ERR("isr 0x40 raw {\nmark x\n}\nspin 1\n", "line 2: ", "not allowed in an isr body");
	CHECK_ERR("isr 0x40 auto {\neoi\n}\nspin 1\n", "line 2: ", "'eoi' in an auto isr body");
	CHECK_ERR("isr 0xd1 raw {\nclock 100\neoi\n}\nspin 1\n", "line 2: ",
		  "the handler chain of 0xd1 triggers 0xd1 again");
	CHECK_ERR("isr 0x40 auto {\nipi 0x50\n}\nisr 0x50 auto {\nrepeat 2 {\nipi 0x40\n}\n}\nspin 1\n",
		  "line 6: ", "the handler chain of 0x40 triggers 0x40 again");
	/* a chain without a cycle is fine */
	CHECK_OK("isr 0x40 auto {\nipi 0x50\n}\nisr 0x50 auto {\ndpc\n}\nipi 0x40\nwait_delivered 0x50\n");
}

static void test_errors_state(void)
{
	CHECK_ERR("raise 2\nraise 1\nlower 0\n", "line 2: ", "raise 1 below the current IRQL 2; use 'lower 1' or 'cr8 1'");
	CHECK_ERR("raise 2\nlower 3\n", "line 2: ", "lower 3 above the current IRQL 2");
	CHECK_ERR("release 4\n", "line 1: ", "release of lock 4, which is not held");
	CHECK_ERR("acquire 1\nacquire 1\n", "line 2: ", "lock 1 is already held (taken at line 1)");
	CHECK_ERR("raise 13\nacquire 0\n", "line 2: ", "acquire at IRQL 13; KeAcquireSpinLock needs IRQL <= 2");
	CHECK_ERR("acquire_dpc 0\n", "line 1: ", "acquire_dpc at IRQL 0");
	CHECK_ERR("raise 2\nacquire_dpc 5\nlower 0\nrelease 5\n", "line 4: ",
		  "lock 5 was taken with acquire_dpc (line 2); release it with 'release_dpc 5'");
	CHECK_ERR("acquire 5\nrelease_dpc 5\n", "line 2: ", "release it with 'release 5'");
	CHECK_ERR("acquire 5\ncr8 3\nrelease 5\n", "line 3: ", "release 5 at IRQL 3");
	CHECK_ERR("raise 2\nwait_delivered 0x2f\n", "line 2: ", "wait_delivered 0x2f can never succeed: the IRQL masks it");
	CHECK_ERR("cli\nwait_delivered 0xd1\n", "line 2: ", "interrupts are off (cli); sti first");
	CHECK_ERR("wait_pending 0xd1\n", "line 1: ", "wait_pending 0xd1 at IRQL 0 with interrupts on");
	CHECK_ERR("acquire 0\n", "line 1: ", "the script ends at IRQL 2, locks held: 0; a run must end as it starts");
	CHECK_ERR("spin 1\ncli\n\n", "line 3: ", "ends at IRQL 0, interrupts off");
	CHECK_ERR("repeat 3 {\nacquire 7\n}\n", "line 2: ", "lock 7 is already held");
	CHECK_ERR("repeat 3 {\ncr8 2\n}\n", "line 3: ", "the script ends at IRQL 2");
	/* fine: same-level writes, re-taking after release, state inside repeats */
	CHECK_OK("repeat 3 {\ncr8 2\n}\ncr8 0\n");
	CHECK_OK("acquire 0\nrepeat 4 {\nrelease 0\nraise 1\nacquire 0\n}\nrelease 0\nlower 0\n");
	CHECK_OK("raise 15\nclock 10\nwait_pending 0xd1\nlower 2\nwait_delivered 0xd1\nlower 0\n");
	CHECK_OK("cli\nipi 0x30\nwait_pending 0x30\nsti\nwait_delivered 0x30\n");
}

/* ------------------------------------------------------------------------ */
/* Interpreter                                                               */

static void test_run_seed_table(void)
{
	static const char *script =
		"isr 0xd1 raw {\n dpc\n eoi\n}\n"
		"clock 20\nacquire 0\nwait_delivered 0xd1\nacquire 1\nrelease 1\nrelease 0\n"
		"wait_delivered 0x2f\n";
	struct scn_counts c;

	CHECK_OK(script);
	CHECK_EQ_U64(run(), SCN_OK);
	/* registration: the raw clock handler only (0x2f is the layer's) */
	CHECK(log_has("reg(0xd1,raw)"));
	CHECK(!log_has("reg(0x2f,"));
	CHECK(log_has("unreg(0x2f)"));
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log,
		  "clock(20000,0) acq(0) waitd(0xd1,1) int(0xd1) queue eoi acq(1) rel(1,2) "
		  "rel(0,0) int(0x2f) dpcrun waitd(0x2f,1) ");
	scn_get_counts(0, &c);
	CHECK_EQ_U64(c.runs, 1);
	CHECK_EQ_U64(c.dpc_queued, 1);
	CHECK_EQ_U64(c.dpc_ran, 1);
	CHECK_EQ_U64(c.isr_entries, 1);
	/* second run without re-prepare: waits count from this run's start */
	CHECK_EQ_U64(scn_run(&prog, err, sizeof(err)), SCN_OK);
	CHECK(strstr(fk_log, "rel(0,0) int(0x2f) dpcrun waitd(0x2f,2)") != NULL);
	scn_get_counts(0, &c);
	CHECK_EQ_U64(c.runs, 2);
	CHECK_EQ_U64(c.dpc_ran, 2);
}

static void test_run_ops(void)
{
	CHECK_OK("timeout 7\n"
		 "isr 0x41 auto\n"
		 "mark hot\n"
		 "cr8 15\nipi 0x41\nlower 3\nwait_delivered 0x41\nraise 5\nlower 0\n"
		 "raise 2\nacquire_dpc 9\ndpc 3\nrelease_dpc 9\nlower 0\n"
		 "cli\nipi 0x41\nwait_pending 0x41\nsti\nwait_delivered 0x41\n"
		 "clock_periodic 1000\nspin 77\nclock_stop\neoi\n"
		 "mark cold unmeasured\nmark hot\n");
	CHECK_EQ_U64(scn_declare_phases(&prog, 2, err, sizeof(err)), 0);
	CHECK_STR(fk_declared[2], "hot");
	CHECK(fk_declared_measured[2]);
	CHECK_STR(fk_declared[3], "cold");
	CHECK(!fk_declared_measured[3]);
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log,
		  "phase(2) cr8(15) expect(0x41) ipi(0x41,if=1) lower(3) int(0x41) waitd(0x41,1) "
		  "raise(5) lower(0) "
		  "raise(2) acqd(9) queue queue queue reld(9) lower(0) int(0x2f) dpcrun dpcrun dpcrun "
		  "cli expect(0x41) ipi(0x41,if=0) waitp(0x41,7000) sti int(0x41) waitd(0x41,2) "
		  "clock(1000000,1) spin(77) int(0xd1) clock_stop eoi phase(3) phase(2) ");
	/* the 0xd1 clock got a counting auto handler although not declared */
	fk_reset();
	CHECK_EQ_U64(scn_prepare(&prog, err, sizeof(err)), 0);
	CHECK_STR(fk_log, "unreg(0x1f) unreg(0x2f) reg(0x41,auto) reg(0xd1,auto) ");
	/* phases that do not fit */
	CHECK_EQ_U64(scn_declare_phases(&prog, 7, err, sizeof(err)), (uint64_t)SCN_ERR_SETUP);
	CHECK(strstr(err, "do not fit") != NULL);
	CHECK_EQ_U64(scn_declare_phases(&prog, 0, err, sizeof(err)), (uint64_t)SCN_ERR_SETUP);
}

static void test_run_repeat(void)
{
	CHECK_OK("repeat 1000 {\n raise 2\n lower 0\n}\nrepeat 3 {\n repeat 4 {\n  spin 1\n }\n cr8 1\n cr8 0\n}\n");
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_EQ_U64(log_count("raise(2)"), 1000);
	CHECK_EQ_U64(log_count("lower(0)"), 1000);
	CHECK_EQ_U64(log_count("spin(1)"), 12);
	CHECK_EQ_U64(log_count("cr8(1) cr8(0)"), 3);
	CHECK(strstr(fk_log, "spin(1) spin(1) spin(1) spin(1) cr8(1) cr8(0) spin(1)") != NULL);
}

static void test_run_isr_body(void)
{
	/* a raw handler whose body queues DPCs and IPIs a second vector */
	CHECK_OK("isr 0x40 raw {\n dpc 2\n ipi 0x50\n eoi\n}\nisr 0x50 auto {\n spin 3\n}\n"
		 "raise 2\nipi 0x40\nlower 0\nwait_delivered 0x40\nwait_delivered 0x2f\nwait_delivered 0x50\n");
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log,
		  "raise(2) expect(0x40) ipi(0x40,if=1) int(0x40) queue queue expect(0x50) ipi(0x50,if=0) eoi "
		  "int(0x50) spin(3) lower(0) int(0x2f) dpcrun dpcrun waitd(0x40,1) waitd(0x2f,1) waitd(0x50,1) ");
}

static void test_run_errors(void)
{
	struct scn_counts c;

	/* a wait that times out stops the script with its line */
	CHECK_OK("isr 0x60 auto\nspin 1\nipi 0x60\nwait_delivered 0x60\nspin 2\n");
	fk_reset();
	CHECK_EQ_U64(scn_prepare(&prog, err, sizeof(err)), 0);
	fk_drop_ipi = true;
	CHECK_EQ_U64(scn_run(&prog, err, sizeof(err)), (uint64_t)SCN_ERR_TIMEOUT);
	CHECK(!strncmp(err, "line 4: wait_delivered 0x60 timed out after 1000000 us (0 of 1 deliveries)", 74));
	CHECK(!log_has("spin(2)"));
	CHECK_OK("cli\nipi 0x60\nwait_pending 0x60\nsti\n");
	fk_reset();
	fk_drop_ipi = true;
	CHECK_EQ_U64(scn_prepare(&prog, err, sizeof(err)), 0);
	fk_drop_ipi = true;
	CHECK_EQ_U64(scn_run(&prog, err, sizeof(err)), (uint64_t)SCN_ERR_TIMEOUT);
	CHECK(!strncmp(err, "line 3: wait_pending 0x60 timed out", 35));

	/* DPC objects run out while the IRQL keeps them queued */
	CHECK_OK("raise 2\ndpc 32\ndpc\nlower 0\n");
	CHECK_EQ_U64(run_fresh(), (uint64_t)SCN_ERR_DPC);
	CHECK(!strncmp(err, "line 3: all 32 DPC objects are still queued", 43));
	CHECK_EQ_U64(log_count("queue"), 32);
	/* ... also inside a handler body: reported to the main flow */
	CHECK_OK("isr 0x70 raw {\n dpc 32\n dpc\n eoi\n}\nraise 2\nipi 0x70\nspin 1\nlower 0\n");
	CHECK_EQ_U64(run_fresh(), (uint64_t)SCN_ERR_DPC);
	CHECK(!strncmp(err, "line 3 (in an isr body): all 32 DPC objects", 42));
	CHECK(!log_has("spin(1)"));	/* stopped right after the ipi */

	/* the run-time checks are the parser's: a program patched behind the
	 * parser's back still cannot raise below the current IRQL */
	CHECK_OK("raise 5\nlower 0\n");
	prog.ops[1].code = SCN_OP_RAISE;
	CHECK_EQ_U64(run_fresh(), (uint64_t)SCN_ERR_STATE);
	CHECK_STR(err, "line 2: raise 0 below the current IRQL 5; use 'lower 0' or 'cr8 0'");
	CHECK(!log_has("raise(0)"));
	CHECK_OK("acquire 1\nrelease 1\n");
	prog.ops[1].a = 2;
	CHECK_EQ_U64(run_fresh(), (uint64_t)SCN_ERR_STATE);
	CHECK(strstr(err, "line 2: release of lock 2, which is not held") != NULL);

	/* scripts start at PASSIVE_LEVEL */
	CHECK_OK("spin 1\n");
	fk_reset();
	fk_irql = 2;
	CHECK_EQ_U64(scn_prepare(&prog, err, sizeof(err)), (uint64_t)SCN_ERR_SETUP);
	CHECK(strstr(err, "the IRQL is 2") != NULL);
	scn_get_counts(0, &c);
	CHECK_EQ_U64(c.runs, 0);
}

/* ------------------------------------------------------------------------ */
/* Examples: parse, round trip, run                                          */

static bool same_prog(const struct scn_prog *a, const struct scn_prog *b)
{
	unsigned i;

	if (a->nops != b->nops || a->nphases != b->nphases ||
	    a->timeout_us != b->timeout_us || a->static_ops != b->static_ops ||
	    memcmp(a->vec, b->vec, sizeof(a->vec)) || memcmp(a->isr_op, b->isr_op, sizeof(a->isr_op)))
		return false;
	for (i = 0; i < a->nops; i++) {
		const struct scn_op *x = &a->ops[i], *y = &b->ops[i];

		if (x->code != y->code || x->flags != y->flags || x->depth != y->depth ||
		    x->a != y->a || x->b != y->b)
			return false;
	}
	for (i = 0; i < a->nphases; i++)
		if (strcmp(a->phase_name[i], b->phase_name[i]) ||
		    a->phase_measured[i] != b->phase_measured[i])
			return false;
	return true;
}

static void test_examples(void)
{
	const char *dir = getenv("SCN_SCRIPTS_DIR");
	static char text1[SCN_MAX_FILE], text2[SCN_MAX_FILE];
	struct dirent *de;
	unsigned nfiles = 0;
	DIR *d;

	if (!dir)
		dir = "workloads/scripts";
	d = opendir(dir);
	CHECK(d != NULL);
	if (!d) {
		printf("cannot open %s (run from the top of the tree or set SCN_SCRIPTS_DIR)\n", dir);
		return;
	}
	while ((de = readdir(d))) {
		char path[1024];
		size_t len, l1, l2;
		char *text;
		int rc;

		if (!strstr(de->d_name, ".scn") || strcmp(strstr(de->d_name, ".scn"), ".scn"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		check_case("%s", path);
		text = read_file(path, &len);
		CHECK(text != NULL);
		if (!text)
			continue;
		nfiles++;
		rc = scn_parse(text, len, &prog, err, sizeof(err));
		if (rc)
			printf("%s: %s\n", path, err);
		CHECK_EQ_U64(rc, 0);
		free(text);
		if (rc)
			continue;
		/* round trip: format, parse again, same program, same text */
		l1 = scn_format(&prog, text1, sizeof(text1));
		CHECK(l1 < sizeof(text1));
		rc = scn_parse(text1, l1, &prog2, err, sizeof(err));
		if (rc)
			printf("%s (formatted): %s\n", path, err);
		CHECK_EQ_U64(rc, 0);
		CHECK(same_prog(&prog, &prog2));
		l2 = scn_format(&prog2, text2, sizeof(text2));
		CHECK_EQ_U64(l1, l2);
		CHECK(!memcmp(text1, text2, l1));
		/* and it runs on the fake to the end (one vCPU: a script
		 * for several runs in the model tests, model-cli.sh) */
		if (prog.ncpus > 1) {
			printf("example %-24s ok: %u ops, %u vCPUs (not run on this one-vCPU bench)\n",
			       de->d_name, prog.nops, prog.ncpus);
			continue;
		}
		rc = run_fresh();
		if (rc)
			printf("%s (run): %s\n", path, err);
		CHECK_EQ_U64(rc, SCN_OK);
		CHECK_EQ_U64(fk_irql, 0);
		CHECK(fk_if);
		printf("example %-24s ok: %u ops, %llu per run, %u phases\n", de->d_name, prog.nops,
		       (unsigned long long)scn_static_ops(&prog), prog.nphases);
	}
	check_case(NULL);
	closedir(d);
	CHECK(nfiles >= 8);
}

/* Known sequences of the examples, checked op by op. */
static void test_example_sequences(void)
{
	size_t len;
	char *text = read_file("workloads/scripts/masked-clock.scn", &len);

	CHECK(text != NULL);
	if (!text)
		return;
	CHECK_EQ_U64(scn_parse(text, len, &prog, err, sizeof(err)), 0);
	free(text);
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log,
		  "cr8(15) clock(10000,0) waitp(0xd1,1000000000) cr8(15) cr8(2) int(0xd1) "
		  "waitd(0xd1,1) cr8(0) ");

	/* the seed table: the auto clock handler queues the DPC, the
	 * dispatcher EOIs (no eoi in the log: the fake's dispatcher does it) */
	text = read_file("workloads/scripts/seed-table.scn", &len);
	CHECK(text != NULL);
	if (!text)
		return;
	CHECK_EQ_U64(scn_parse(text, len, &prog, err, sizeof(err)), 0);
	free(text);
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log,
		  "acq(0) clock(20000,0) waitd(0xd1,1) int(0xd1) queue acq(1) rel(1,2) "
		  "rel(0,0) int(0x2f) dpcrun waitd(0x2f,1) ");
	CHECK_EQ_U64(fk_nisr, 0);

	text = read_file("workloads/scripts/nested-spinlock.scn", &len);
	CHECK(text != NULL);
	if (!text)
		return;
	CHECK_EQ_U64(scn_parse(text, len, &prog, err, sizeof(err)), 0);
	free(text);
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log,
		  "acq(0) queue acq(1) acq(2) rel(2,2) rel(1,2) rel(0,0) int(0x2f) dpcrun waitd(0x2f,1) ");
}

static void test_op_text(void)
{
	char buf[64];

	CHECK_OK("isr 0x41 raw\nwait_delivered 0x41 3\nmark m unmeasured\ndpc 5\nclock_stop\n");
	scn_op_text(&prog, 0, buf, sizeof(buf));
	CHECK_STR(buf, "isr 0x41 raw");
	scn_op_text(&prog, 1, buf, sizeof(buf));
	CHECK_STR(buf, "wait_delivered 0x41 3");
	scn_op_text(&prog, 2, buf, sizeof(buf));
	CHECK_STR(buf, "mark m unmeasured");
	scn_op_text(&prog, 3, buf, sizeof(buf));
	CHECK_STR(buf, "dpc 5");
	scn_op_text(&prog, 4, buf, sizeof(buf));
	CHECK_STR(buf, "clock_stop");
	CHECK_STR(scn_opcode_name(SCN_OP_ACQUIRE_DPC), "acquire_dpc");
	CHECK_STR(scn_opcode_name(SCN_OP_END), "}");
	/* scn_format reports the length it needs, like snprintf */
	CHECK_EQ_U64(scn_format(&prog, buf, 4), strlen("isr 0x41 raw\nwait_delivered 0x41 3\nmark m unmeasured\ndpc 5\nclock_stop\n"));
	CHECK_STR(buf, "isr");
}

/*
 * Messages are never cut mid-word without saying so: kmsgf() cuts after
 * the last whole word that leaves room for KMSG_CUT; the parser's and the
 * interpreter's messages fit SCN_MSG_MAX whole, and the guest's buffers
 * (the workload script's, KMSG_MAX) hold them with a path of 300 bytes.
 */
static bool ends_marked_after_word(const char *cut, const char *whole)
{
	size_t n = strlen(cut), m = strlen(KMSG_CUT);

	if (n < m || strcmp(cut + n - m, KMSG_CUT))
		return false;
	n -= m;
	/* what is left is a prefix of the whole text that ends a word */
	return !strncmp(cut, whole, n) && (whole[n] == ' ' || whole[n] == 0);
}

static void test_messages_whole_or_marked(void)
{
	const char *whole = "the interrupt was never delivered; check that it was sent";
	char small[24], tiny[4], big[KMSG_MAX], path[301];
	int n;

	n = kmsgf(small, sizeof(small), "%s", whole);
	CHECK_EQ_U64(n, strlen(whole));
	CHECK_STR(small, "the interrupt was [cut]");
	CHECK(ends_marked_after_word(small, whole));
	n = kmsgf(big, sizeof(big), "%s", whole);
	CHECK_STR(big, whole);			/* fits: unchanged */
	kmsgf(small, sizeof(small), "%s", "averyveryveryverylongwordwithoutspaces");
	CHECK_STR(small, "averyveryveryvery [cut]");	/* one huge word: cut, marked */
	kmsgf(tiny, sizeof(tiny), "%s", whole);	/* no room for the mark */
	CHECK_EQ_U64(strlen(tiny), 3);
	ksnprintf(small, sizeof(small), "%s", whole);	/* plain ksnprintf, then sealed */
	kmsg_seal(small, sizeof(small));
	CHECK(ends_marked_after_word(small, whole));
	ksnprintf(big, sizeof(big), "%s", whole);
	kmsg_seal(big, sizeof(big));
	CHECK_STR(big, whole);

	/* the parser: its longest messages whole in SCN_MSG_MAX ... */
	{
		char e[SCN_MSG_MAX];

		CHECK(scn_parse("bogus\n", 6, &prog, e, sizeof(e)) == -1);
		CHECK(strstr(e, "wait_delivered spin sti cli out host mark repeat isr timeout") != NULL);
		CHECK(strstr(e, KMSG_CUT) == NULL);
		CHECK(scn_parse("isr 0x41 auto {\n  wait_pending 0x40\n}\n", 36, &prog, e, sizeof(e)) == -1);
		CHECK(strstr(e, "; move it to the main flow") != NULL);
		CHECK(scn_parse("raise 2\nwait_delivered 0x2f\n", 28, &prog, e, sizeof(e)) == -1);
		CHECK(strstr(e, KMSG_CUT) == NULL);
	}
	/* ... and marked after a whole word in a buffer too small */
	CHECK(scn_parse("bogus\n", 6, &prog, small, sizeof(small)) == -1);
	CHECK(ends_marked_after_word(small, "line 1: unknown keyword 'bogus'; use one of cr8"));

	/* the interpreter's longest message, whole, in the script's
	 * "script PATH: " frame with a 300-byte path */
	CHECK_OK("isr 0x60 auto\nipi 0x60\nwait_delivered 0x60 1000000\n");
	fk_reset();
	CHECK_EQ_U64(scn_prepare(&prog, err, sizeof(err)), 0);
	fk_drop_ipi = true;
	CHECK_EQ_U64(scn_run(&prog, err, sizeof(err)), (uint64_t)SCN_ERR_TIMEOUT);
	CHECK(strstr(err, "(0 of 1000000 deliveries): the interrupt was never delivered; check that it was sent and is unmasked, or raise the timeout") != NULL);
	CHECK(strlen(err) < SCN_MSG_MAX);
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = 0;
	kmsgf(big, sizeof(big), "script %s: %s", path, err);
	CHECK(strstr(big, "or raise the timeout") != NULL);
	CHECK(strstr(big, KMSG_CUT) == NULL);
}

/* `out PORT VALUE`: one byte to 0x80 or 0xed, anywhere (an isr body too);
 * no other port, no value above a byte; printed back as it parses */
static void test_out(void)
{
	char buf[64];

	CHECK_OK("raise 2\nout 0x80 0x12\nlower 0\nout 0xed 255\n");
	CHECK_EQ_U64(prog.ops[1].code, SCN_OP_OUT);
	CHECK_EQ_U64(prog.ops[1].a, 0x80);
	CHECK_EQ_U64(prog.ops[1].b, 0x12);
	scn_op_text(&prog, 3, buf, sizeof(buf));
	CHECK_STR(buf, "out 0xed 0xff");
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log, "raise(2) out(0x80,0x12) lower(0) out(0xed,0xff) ");
	CHECK_OK("isr 0x70 raw {\n out 0x80 1\n eoi\n}\nipi 0x70\nspin 1\n");
	CHECK_ERR("out 0x500 1\n", "line 1: ", "port 0x500 cannot be written by a script; use 0x80 or 0xed");
	CHECK_ERR("out 0xf4 0\n", "line 1: ", "port 0xf4 cannot be written by a script");
	CHECK_ERR("out 0x80 256\n", "line 1: ", "a byte 256 out of range for 'out'; use 0x0..0xff");
	CHECK_ERR("out 0x80\n", "line 1: ", "'out'");
	CHECK_ERR("out 0x10000 0\n", "line 1: ", "a port 0x10000 out of range for 'out'");
}

/* Handler bodies that write CR8 and IF (issue 13 §1), `old`, and a
 * script's own 0x2F handler. */
static void test_isr_state(void)
{
	/* the issue's clock ISR: sti, DPC request, same-level write, EOI, lower */
	static const char *clock_isr =
		"isr 0xd1 raw {\n sti\n ipi 0x2f\n cr8 13\n cr8 13\n eoi\n cr8 %s\n}\n"
		"%sclock 20\nwait_delivered 0xd1\n%swait_delivered 0x2f\n";
	char text[512];

	snprintf(text, sizeof(text), clock_isr, "0", "", "");
	CHECK_OK(text);
	CHECK(prog.ops[0].flags & SCN_F_STATE);
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	/* 0x2F waits behind the in-service clock (PPR 13) and CR8 13 until
	 * the handler's last write */
	CHECK_STR(fk_log,
		  "clock(20000,0) waitd(0xd1,1) int(0xd1) sti expect(0x2f) ipi(0x2f,if=1) cr8(13) cr8(13) "
		  "eoi cr8(0) int(0x2f) waitd(0x2f,1) ");
	/* the clock may also interrupt IRQL 1 here: 'cr8 0' would return
	 * to the main flow at the wrong IRQL */
	snprintf(text, sizeof(text), clock_isr, "0", "raise 1\n", "lower 0\n");
	CHECK_ERR(text, "line 1: ",
		  "the handler of 0xd1 can start at IRQL 1 (the IRQL it interrupts) but ends at IRQL 0; end it at the IRQL it started at, e.g. with 'cr8 old'");
	snprintf(text, sizeof(text), clock_isr, "old", "raise 1\n", "lower 0\n");
	CHECK_OK(text);
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK(log_has("raise(1) clock(20000,0) waitd(0xd1,1) int(0xd1) sti"));
	CHECK(log_has("eoi cr8(1) int(0x2f) lower(0)"));	/* class 2 > IRQL 1 */
	/* the run-time check of the same rule: a body changed behind the
	 * parser's back ends at 5 where it started at 1 */
	prog.ops[6].a = 5;
	CHECK_EQ_U64(run_fresh(), (uint64_t)SCN_ERR_STATE);
	CHECK(strstr(err, "the handler of 0xd1 started at IRQL 1 and ends at IRQL 5") != NULL);
	CHECK(strncmp(err, "line 1 (in an isr body): ", 25) == 0);

	/* `old` only in a handler, and printed back as written */
	CHECK_ERR("cr8 old\n", "line 1: ", "'cr8 old' outside an isr body: 'old' is the IRQL a handler interrupted");
	CHECK_OK("isr 0x40 raw {\n raise 15\n eoi\n lower old\n}\nipi 0x40\nspin 1\n");
	{
		char buf[64];

		scn_op_text(&prog, 3, buf, sizeof(buf));
		CHECK_STR(buf, "lower old");
	}
	/* a raw body starts at the interrupted IRQL: raise below it fails
	 * for the IRQL 3 the main flow runs at */
	CHECK_ERR("isr 0x40 raw {\n raise 2\n eoi\n cr8 old\n}\nraise 3\nipi 0x40\nspin 1\nlower 0\n",
		  "line 2: ", "raise 2 below the current IRQL 3");
	/* auto: the body starts at the vector's class, with IF on */
	CHECK_OK("isr 0x40 auto {\n cr8 15\n cr8 4\n cli\n}\nipi 0x40\nspin 1\n");
	CHECK_ERR("isr 0x40 auto {\n lower 0\n}\nipi 0x40\nspin 1\n", "line 1: ",
		  "can start at IRQL 4 (the dispatcher raised to it) but ends at IRQL 0");
	/* nesting: the 0x40 handler lowers to 1 with IF on, so 0x30 may start
	 * at IRQL 1 too, where its 'lower 0' is no longer balanced */
	CHECK_ERR("isr 0x40 raw {\n sti\n cr8 1\n cr8 old\n eoi\n}\n"
		  "isr 0x30 raw {\n eoi\n cr8 0\n}\nipi 0x40\nipi 0x30\nspin 1\n",
		  "line 7: ", "the handler of 0x30 can start at IRQL 1");

	/* the script's own DISPATCH handler replaces the NT layer's */
	CHECK_OK("isr 0x2f raw {\n cr8 2\n eoi\n sti\n cli\n cr8 old\n}\n"
		 "acquire 0\nipi 0x2f\nrelease 0\nwait_delivered 0x2f\n");
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log,
		  "acq(0) expect(0x2f) ipi(0x2f,if=1) rel(0,0) int(0x2f) cr8(2) eoi sti cli cr8(0) waitd(0x2f,1) ");
	fk_reset();
	CHECK_EQ_U64(scn_prepare(&prog, err, sizeof(err)), 0);
	CHECK_STR(fk_log, "unreg(0x1f) reg(0x2f,raw) ");
	CHECK_ERR("isr 0x2f auto\nacquire 0\ndpc\nrelease 0\n", "line 3: ",
		  "'dpc' queues DPCs for the NT layer's DISPATCH interrupt, which 'isr 0x2f' (line 1) replaces");
	CHECK_ERR("isr 0x2f raw {\n ipi 0x2f\n eoi\n}\nipi 0x2f\nspin 1\n", "line 2: ",
		  "the handler chain of 0x2f triggers 0x2f again");
}

/* APC_LEVEL: `apc N` queues KeInsertQueueApc-style requests whose 0x1F
 * interrupt waits for the IRQL to drop below 1. */
static void test_apc(void)
{
	struct scn_counts c;
	char buf[32];

	CHECK_OK("raise 1\napc 2\nlower 0\nwait_delivered 0x1f\n"
		 "acquire 0\napc\ndpc\nrelease 0\nwait_delivered 0x2f\nwait_delivered 0x1f\n");
	CHECK_EQ_U64(scn_static_ops(&prog), 11);
	scn_op_text(&prog, 1, buf, sizeof(buf));
	CHECK_STR(buf, "apc 2");
	scn_op_text(&prog, 5, buf, sizeof(buf));
	CHECK_STR(buf, "apc");
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	/* masked at APC_LEVEL, delivered at the lower; under a spinlock the
	 * DPC (class 2) goes first, then the APC (class 1) */
	CHECK_STR(fk_log,
		  "raise(1) queue_apc queue_apc lower(0) int(0x1f) apcrun apcrun waitd(0x1f,1) "
		  "acq(0) queue_apc queue rel(0,0) int(0x2f) dpcrun int(0x1f) apcrun "
		  "waitd(0x2f,1) waitd(0x1f,2) ");	/* targets are absolute */
	scn_get_counts(0, &c);
	CHECK_EQ_U64(c.apc_queued, 3);
	CHECK_EQ_U64(c.apc_ran, 3);
	CHECK_EQ_U64(c.dpc_ran, 1);
	/* waits on 0x1f need it unmasked: IRQL 1 masks class 1 */
	CHECK_ERR("raise 1\napc\nwait_delivered 0x1f\nlower 0\n", "line 3: ",
		  "wait_delivered 0x1f can never succeed: the IRQL masks it");
	/* an own 0x1F handler replaces the APC dispatch */
	CHECK_ERR("isr 0x1f auto\napc\n", "line 2: ",
		  "'apc' queues APCs for the NT layer's APC interrupt, which 'isr 0x1f' (line 1) replaces");
	CHECK_OK("isr 0x1f raw {\n cr8 1\n eoi\n cr8 old\n}\nraise 1\nipi 0x1f\nlower 0\nwait_delivered 0x1f\n");
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log, "raise(1) expect(0x1f) ipi(0x1f,if=1) lower(0) int(0x1f) cr8(1) eoi cr8(0) waitd(0x1f,1) ");
	/* the pool: 33 APCs with the interrupt masked */
	CHECK_OK("raise 1\napc 32\napc\nlower 0\n");
	CHECK_EQ_U64(run_fresh(), (uint64_t)SCN_ERR_DPC);
	CHECK(strstr(err, "line 3: all 32 APC objects are still queued (the APC interrupt was not delivered); lower the IRQL below 1") != NULL);
}

/*
 * `host ACTION [N]`: host-side actions between guest steps, main flow only;
 * set_tpr N sets the script's IRQL to N, init needs the state a run starts
 * in; the interpreter calls plat_host() and stops where the platform
 * refuses (a guest), naming the model as the fix.
 */
static void test_host(void)
{
	char buf[64];

	CHECK_OK("host set_tpr 2\ndpc\nlower 0\nwait_delivered 0x2f\n");
	CHECK_EQ_U64(prog.ops[0].code, SCN_OP_HOST);
	CHECK_EQ_U64(prog.ops[0].a, PLAT_HOST_SET_TPR);
	CHECK_EQ_U64(prog.ops[0].b, 2);
	CHECK_EQ_U64(prog.host_line, 1);
	scn_op_text(&prog, 0, buf, sizeof(buf));
	CHECK_STR(buf, "host set_tpr 2");
	CHECK_OK("raise 2\nlower 0\nhost avic_inhibit\nhost init\nhost avic_activate\n");
	CHECK_EQ_U64(prog.host_line, 3);
	CHECK_EQ_U64(prog.ops[3].a, PLAT_HOST_INIT);
	scn_op_text(&prog, 4, buf, sizeof(buf));
	CHECK_STR(buf, "host avic_activate");
	fk_host_ok = true;
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK_STR(fk_log, "raise(2) lower(0) host(2,0) host(1,0) host(3,0) ");
	/* a guest cannot: the run stops at the first action, one line */
	fk_host_ok = false;
	CHECK_EQ_U64(run_fresh(), (uint64_t)(int64_t)SCN_ERR_SETUP);
	CHECK_STR(err, "line 3: 'host avic_inhibit' is a host-side action a guest cannot perform; run the script with 'irqlbench model --script FILE'");
	fk_host_ok = true;
	CHECK_OK("spin 1\n");
	CHECK_EQ_U64(prog.host_line, 0);

	CHECK_ERR("host\n", "line 1: ", "'host' needs an action: set_tpr N, init, avic_inhibit or avic_activate; e.g. 'host set_tpr 2'");
	CHECK_ERR("host reboot\n", "line 1: ", "unknown host action 'reboot'; use set_tpr N, init, avic_inhibit or avic_activate, e.g. 'host init'");
	CHECK_ERR("host set_tpr\n", "line 1: ", "'host set_tpr' needs the TPR's class 0..15");
	CHECK_ERR("host set_tpr 16\n", "line 1: ", "an IRQL 16 out of range for 'host'; use 0..15");
	CHECK_ERR("host init 1\n", "line 1: ", "too many arguments for 'host init': '1' is extra; e.g. 'host init'");
	CHECK_ERR("host set_tpr 1 2\n", "line 1: ", "too many arguments for 'host': '2' is extra");
	CHECK_ERR("isr 0x41 auto {\n host init\n}\nipi 0x41\n", "line 2: ", "'host' is not allowed in an isr body");
	CHECK_ERR("acquire 0\nhost init\nrelease 0\n", "line 2: ",
		  "host init resets the vCPU to IRQL 0 with no lock held, but the script is at IRQL 2, locks held: 0; release the locks, lower to 0 and sti first");
	CHECK_ERR("cli\nhost init\nsti\n", "line 2: ", "interrupts off");
	/* set_tpr is the guest's IRQL from then on: the end must be at 0 */
	CHECK_ERR("host set_tpr 3\n", "line 1: ", "the script ends at IRQL 3");
	CHECK_ERR("host set_tpr 2\nraise 1\nlower 0\n", "line 2: ", "raise 1 below the current IRQL 2");
}

/* `cpu N {`, `signal F`, `wait F`, `ipi V cpu N`: parsed, checked, and what
 * one vCPU of them runs (the others' blocks skipped). */
static void test_smp(void)
{
	CHECK_OK("cpu 0 {\n  acquire 0\n  signal 0\n  wait 1\n  wait_pending 0x2f\n  release 0\n"
		 "  wait_delivered 0x2f\n}\ncpu 1 {\n  wait 0\n  ipi 0x2f cpu 0\n  signal 1\n}\n");
	CHECK_EQ_U64(prog.ncpus, 2);
	CHECK_EQ_U64(prog.ops[0].code, SCN_OP_CPU);
	CHECK_EQ_U64(prog.ops[0].b, 7);
	CHECK_EQ_U64(prog.ops[10].code, SCN_OP_IPI);
	CHECK_EQ_U64(prog.ops[10].flags, SCN_F_TARGET);
	CHECK_EQ_U64(prog.ops[10].b, 0);
	CHECK(prog.vec[0x2f] & SCN_V_USED);
	CHECK_OK("cpu 3 {\n  ipi 0x51 cpu 5\n}\n");
	CHECK_EQ_U64(prog.ncpus, 6);
	CHECK_ERR("ipi 0x2f cpu 1\n", "line 1: ", "'ipi ... cpu 1' outside a 'cpu N {' block: every vCPU would send it, vCPU 1 to itself; put it in the block of the vCPU that sends it, e.g. 'cpu 0 {'");
	CHECK_ERR("cpu 1 {\nipi 0x2f cpu 1\n}\n", "line 2: ", "an IPI to itself is 'ipi V'");
	CHECK_ERR("cpu 0 {\nipi 0x2f cpu\n}\n", "line 2: ", "'ipi V cpu N' needs the vCPU after 'cpu'");
	CHECK_ERR("cpu 0 {\nipi 0x2f cpu 8\n}\n", "line 2: ", "a vCPU 8 out of range for 'ipi'; use 0..7");
	CHECK_ERR("cpu 8 {\nspin 1\n}\n", "line 1: ", "a vCPU 8 out of range for 'cpu'; use 0..7");
	CHECK_ERR("cpu 0 {\ncpu 1 {\nspin 1\n}\n}\n", "line 2: ", "'cpu 1 {' inside the block of vCPU 0");
	CHECK_ERR("cpu 0 {\nacquire 0\n}\n", "line 1: ", "the block of vCPU 0 starts at IRQL 0 and ends at IRQL 2, locks held: 0");
	CHECK_ERR("cpu 0 {\nmark two\n}\n", "line 2: ", "'mark' inside a 'cpu 0 {' block");
	CHECK_ERR("cpu 0 {\nspin 1\n}\nwait 3\n", "line 4: ", "'wait 3' with no 'signal 3' in the script");
	CHECK_ERR("cpu 1\nspin 1\n", "line 1: ", "'cpu' needs a block");
	CHECK_ERR("isr 0x41 auto {\nsignal 0\n}\nspin 1\n", "line 2: ", "'signal' is not allowed in an isr body");
	CHECK_ERR("signal 16\n", "line 1: ", "a flag number 16 out of range for 'signal'; use 0..15");
	/* on this one-vCPU bench: vCPU 1's block is skipped, vCPU 0's runs;
	 * a signal then a wait on the same flag passes at once */
	CHECK_OK("signal 2\nwait 2\ncpu 1 {\n  wait 9\n}\ncpu 0 {\n  ipi 0x41 cpu 1\n}\nsignal 9\n");
	CHECK_EQ_U64(run_fresh(), SCN_OK);
	CHECK(strstr(fk_log, "ipi_to(1,0x41)") != NULL);
	/* a wait nobody signals (enough) ends at the timeout, with the fix */
	CHECK_OK("timeout 1000\nsignal 0\nrepeat 2 {\n  wait 0\n}\n");
	CHECK_EQ_U64(run_fresh(), SCN_ERR_TIMEOUT);
	CHECK(strstr(err, "line 4: no 'signal 0' within the timeout") != NULL);
}

int main(void)
{
	test_every_keyword();
	test_lexical();
	test_static_ops();
	test_errors_words();
	test_errors_numbers();
	test_errors_blocks();
	test_errors_limits();
	test_errors_isr();
	test_errors_state();
	test_op_text();
	test_run_seed_table();
	test_run_ops();
	test_run_repeat();
	test_run_isr_body();
	test_isr_state();
	test_apc();
	test_run_errors();
	test_out();
	test_host();
	test_smp();
	test_messages_whole_or_marked();
	test_examples();
	test_example_sequences();
	return check_done("test_scn");
}
