// SPDX-License-Identifier: MIT
/*
 * Unit tests of the KVM trace fold (host/trace/kvm_fold.c), the SVM exit
 * names and the record JSON, with event sequences shaped like the ones real
 * kvm_amd produces for docs/lab.md's two guest sequences (fixed and fix-reverted);
 * of the vCPU map (guest index, APIC ID, vcpu_id), the per-CPU merge
 * (kvm_merge.c) and the ring buffers' stats (trace_stats.c).
 * No tracefs needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "check.h"
#include "trace/kvm_fold.h"
#include "trace/kvm_fold_json.h"
#include "trace/kvm_merge.h"
#include "trace/svm_exits.h"
#include "trace/trace_stats.h"

#define NPF	SVM_EXIT_NPF
#define WCR8	SVM_EXIT_WRITE_CR8
#define IO	SVM_EXIT_IOIO

static unsigned long long now;

static void feed(struct kt_fold *f, struct kt_event e)
{
	e.ts = ++now;
	CHECK(kt_fold_event(f, &e) == 0);
}

static void ev_exit(struct kt_fold *f, int tid, int vcpu, uint32_t code)
{
	feed(f, (struct kt_event){ .type = KT_EXIT, .tid = tid, .vcpu = vcpu,
				   .exit_reason = code });
}

static void ev_entry(struct kt_fold *f, int tid, int vcpu)
{
	feed(f, (struct kt_event){ .type = KT_ENTRY, .tid = tid, .vcpu = vcpu });
}

static void ev_accept(struct kt_fold *f, int tid, uint32_t apicid, uint32_t vec)
{
	feed(f, (struct kt_event){ .type = KT_ACCEPT_IRQ, .tid = tid, .vcpu = -1,
				   .apicid = apicid, .vector = vec });
}

static void ev_inj(struct kt_fold *f, int tid, uint32_t vec)
{
	feed(f, (struct kt_event){ .type = KT_INJ_VIRQ, .tid = tid, .vcpu = -1, .vector = vec });
}

static void ev_eoi(struct kt_fold *f, int tid, uint32_t apicid, uint32_t vec)
{
	feed(f, (struct kt_event){ .type = KT_EOI, .tid = tid, .vcpu = -1,
				   .apicid = apicid, .vector = vec });
}

/* out 0x49520000 | cpu << 8 | phase, 0x500: an io exit, then kvm_pio */
static void ev_marker(struct kt_fold *f, int tid, int vcpu, unsigned int cpu,
		      unsigned int phase)
{
	ev_exit(f, tid, vcpu, IO);
	feed(f, (struct kt_event){ .type = KT_PIO, .tid = tid, .vcpu = -1, .write = 1,
				   .port = 0x500, .size = 4,
				   .val = 0x49520000u | cpu << 8 | phase });
	ev_entry(f, tid, vcpu);
}

/* One exit and the re-entry; "inj" >= 0 injects that vector in between. */
static void exit_entry(struct kt_fold *f, int tid, int vcpu, uint32_t code, int inj,
		       int with_entry)
{
	ev_exit(f, tid, vcpu, code);
	if (inj >= 0)
		ev_inj(f, tid, (uint32_t)inj);
	if (with_entry)
		ev_entry(f, tid, vcpu);
}

/*
 * docs/lab.md §7, the lab guest's DPC sequence, as kvm_amd traces it.  Guest: CR8=2; self-IPI 0x2F; CR8=2;
 * CR8=2; CR8=0; handler CR8=2, EOI, CR8=0; then an APIC ID read (an exit).
 */
static void dpc_iteration(struct kt_fold *f, int tid, int vcpu, int fixed, int with_entry)
{
	ev_exit(f, tid, vcpu, NPF);			/* ICR write */
	ev_accept(f, tid, vcpu, 0x2f);			/* masked by TPR 2 */
	if (with_entry)
		ev_entry(f, tid, vcpu);
	exit_entry(f, tid, vcpu, WCR8, -1, with_entry);	/* CR8=2 */
	if (fixed) {
		exit_entry(f, tid, vcpu, WCR8, -1, with_entry);	/* CR8=2 */
		exit_entry(f, tid, vcpu, WCR8, 0x2f, with_entry);	/* CR8=0 */
		ev_exit(f, tid, vcpu, NPF);		/* handler's EOI */
		ev_eoi(f, tid, vcpu, 0x2f);
		if (with_entry)
			ev_entry(f, tid, vcpu);
		exit_entry(f, tid, vcpu, NPF, -1, with_entry);	/* APIC ID read */
	} else {
		exit_entry(f, tid, vcpu, NPF, 0x2f, with_entry);	/* APIC ID read lets it in */
		ev_exit(f, tid, vcpu, NPF);		/* handler's EOI */
		ev_eoi(f, tid, vcpu, 0x2f);
		if (with_entry)
			ev_entry(f, tid, vcpu);
	}
}

/* docs/lab.md §7, the lab guest's clock sequence: CR8=15; self-IPI 0xD1; CR8=15; CR8=2; CR8=0. */
static void clock_iteration(struct kt_fold *f, int tid, int vcpu, int fixed)
{
	ev_exit(f, tid, vcpu, NPF);
	ev_accept(f, tid, vcpu, 0xd1);
	ev_entry(f, tid, vcpu);
	exit_entry(f, tid, vcpu, WCR8, -1, 1);		/* CR8=15 */
	if (fixed) {
		exit_entry(f, tid, vcpu, WCR8, 0xd1, 1);	/* CR8=2 */
		exit_entry(f, tid, vcpu, NPF, -1, 1);	/* EOI */
		exit_entry(f, tid, vcpu, NPF, -1, 1);	/* APIC ID read */
	} else {
		exit_entry(f, tid, vcpu, NPF, 0xd1, 1);	/* APIC ID read */
		exit_entry(f, tid, vcpu, NPF, -1, 1);	/* EOI */
	}
}

static void test_names(void)
{
	char buf[16];
	uint32_t code = 0;

	CHECK_STR(svm_exit_name(0x008), "read_cr8");
	CHECK_STR(svm_exit_name(0x018), "write_cr8");
	CHECK_STR(svm_exit_name(0x060), "interrupt");
	CHECK_STR(svm_exit_name(0x061), "nmi");
	CHECK_STR(svm_exit_name(0x064), "vintr");
	CHECK_STR(svm_exit_name(0x078), "hlt");
	CHECK_STR(svm_exit_name(0x07b), "io");
	CHECK_STR(svm_exit_name(0x07c), "msr");
	CHECK_STR(svm_exit_name(0x081), "hypercall");
	CHECK_STR(svm_exit_name(0x04e), "PF excp");
	CHECK_STR(svm_exit_name(0x400), "npf");
	CHECK_STR(svm_exit_name(0x402), "avic_unaccelerated_access");
	CHECK_STR(svm_exit_name(0xffffffffu), "invalid_guest_state");
	CHECK(svm_exit_name(0x1ff) == NULL);
	CHECK_STR(svm_exit_label(0x1ff, buf, sizeof(buf)), "0x1ff");
	CHECK_STR(svm_exit_label(0x018, buf, sizeof(buf)), "write_cr8");
	CHECK(svm_exit_code("npf", &code) == 0 && code == 0x400);
	CHECK(svm_exit_code("no_such_exit", &code) == -1);
	CHECK_EQ_U64(kt_slot_code(kt_exit_slot(0x018)), 0x018);
	CHECK_EQ_U64(kt_slot_code(kt_exit_slot(0x403)), 0x403);
	CHECK_EQ_U64(kt_exit_slot(0x80000001u), KT_SLOT_OTHER);
	CHECK_EQ_U64(kt_exit_slot(0xffffffffu), KT_SLOT_INVALID);
}

static void run_lab_sequence(struct kt_fold *f, int fixed, int n)
{
	int i;

	kt_fold_init(f);
	ev_exit(f, 100, 0, NPF);		/* boot noise, phase 0 */
	ev_entry(f, 100, 0);
	ev_marker(f, 100, 0, 0, 1);		/* warm-up */
	for (i = 0; i < 3; i++)
		dpc_iteration(f, 100, 0, fixed, 1);
	ev_marker(f, 100, 0, 0, 2);
	for (i = 0; i < n; i++)
		dpc_iteration(f, 100, 0, fixed, 1);
	ev_marker(f, 100, 0, 0, 3);
	for (i = 0; i < n; i++)
		clock_iteration(f, 100, 0, fixed);
	ev_marker(f, 100, 0, 0, 0xff);
}

/* out 0x4a420000 | job, 0x500: a repeat=N boot's job marker */
static void ev_job(struct kt_fold *f, int tid, int vcpu, unsigned int job)
{
	ev_exit(f, tid, vcpu, IO);
	feed(f, (struct kt_event){ .type = KT_PIO, .tid = tid, .vcpu = -1, .write = 1,
				   .port = 0x500, .size = 4, .val = 0x4a420000u | job });
	ev_entry(f, tid, vcpu);
}

/*
 * A repeat=3 boot: job 0 fixed-like with 5 iterations, job 1 unfixed-like
 * with 7, job 2 never reached its measured phase.  Each job's fold has its
 * own cells only, as job 0, and the boot's vCPU map.
 */
static void test_jobs(void)
{
	struct kt_fold f, j0, j1, j2;
	const struct kt_cell *c;
	int i;

	kt_fold_init(&f);
	ev_exit(&f, 100, 0, NPF);		/* boot noise, before any job */
	ev_entry(&f, 100, 0);
	for (unsigned job = 0; job < 2; job++) {
		ev_job(&f, 100, 0, job);
		ev_exit(&f, 100, 0, NPF);	/* the job's setup: its phase 0 */
		ev_entry(&f, 100, 0);
		ev_marker(&f, 100, 0, 0, 2);
		for (i = 0; i < (job ? 7 : 5); i++)
			dpc_iteration(&f, 100, 0, !job, 1);
		ev_marker(&f, 100, 0, 0, 0xff);
	}
	ev_job(&f, 100, 0, 2);
	CHECK_EQ_U64(f.job_markers, 3);
	CHECK_EQ_U64(f.njobs, 3);
	CHECK_EQ_U64(f.markers, 4);
	CHECK_EQ_U64(f.marker_exits, 7);	/* phase and job markers alike */
	CHECK(kt_fold_job(&f, 0, &j0) == 0);
	CHECK(kt_fold_job(&f, 1, &j1) == 0);
	CHECK(kt_fold_job(&f, 2, &j2) == 0);
	c = kt_fold_cell(&j0, 2, 0);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 15 && c->immediate == 5 && c->late == 0);
	c = kt_fold_cell(&j0, 0, 0);
	CHECK(c && c->exits_total == 2 && c->exits[kt_exit_slot(IO)] == 0);	/* boot + setup */
	c = kt_fold_cell(&j1, 2, 0);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 7 && c->late == 7 && c->immediate == 0);
	c = kt_fold_cell(&j1, 0, 0);
	CHECK(c && c->exits_total == 1);
	/* a job's copy has its own times: each exit timed, 1 tick apart here */
	c = kt_fold_cell(&j1, 2, 0);
	CHECK(c && kt_cell_time(c, kt_exit_slot(WCR8)) &&
	      kt_cell_time(c, kt_exit_slot(WCR8))->n == 7);
	for (size_t k = 0; k < f.ncells; k++)
		CHECK(!c || !f.cells[k].times || f.cells[k].times != c->times);
	CHECK(kt_fold_cell(&j2, 2, 0) == NULL);
	CHECK_EQ_U64(j2.ncells, 0);
	CHECK_EQ_U64(j1.nvcpus, 1);
	{
		char err[200];

		CHECK(kt_fold_map(&j1, NULL, 1, err, sizeof(err)) == 0);
		CHECK(kt_fold_guest_cpu(&j1, 0) == 0);
	}
	/* the whole fold's accessor sees job 0 only */
	c = kt_fold_cell(&f, 2, 0);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 15);
	kt_fold_free(&j0);
	kt_fold_free(&j1);
	kt_fold_free(&j2);
	kt_fold_free(&f);
}

static void test_lab_fixed(void)
{
	struct kt_fold f;
	const struct kt_cell *c;

	run_lab_sequence(&f, 1, 50);
	c = kt_fold_cell(&f, 2, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_U64(c->exits[kt_exit_slot(WCR8)], 150);	/* 3 per iteration */
		CHECK_EQ_U64(c->exits[kt_exit_slot(NPF)], 150);
		CHECK_EQ_U64(c->exits[kt_exit_slot(IO)], 0);		/* markers not counted */
		CHECK_EQ_U64(c->exits_total, 300);
		CHECK_EQ_U64(c->injections[0x2f], 50);
		CHECK_EQ_U64(c->unmasking_writes, 50);
		CHECK_EQ_U64(c->immediate, 50);
		CHECK_EQ_U64(c->late, 0);
		CHECK_EQ_U64(c->eois, 50);
	}
	c = kt_fold_cell(&f, 3, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_U64(c->exits[kt_exit_slot(WCR8)], 100);	/* 2 per iteration */
		CHECK_EQ_U64(c->injections[0xd1], 50);
		CHECK_EQ_U64(c->immediate, 50);
		CHECK_EQ_U64(c->late, 0);
	}
	CHECK_EQ_U64(f.markers, 4);
	CHECK_EQ_U64(f.marker_exits, 4);
	CHECK_EQ_U64(f.map_conflicts, 0);
	CHECK_EQ_U64(f.out_of_order, 0);
	CHECK_EQ_U64(f.unpaired_injections, 0);
	c = kt_fold_cell(&f, 0, 0);
	CHECK(c && c->exits_total == 1);
	c = kt_fold_cell(&f, 1, 0);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 9);
	kt_fold_free(&f);
}

static void test_lab_unfixed(void)
{
	struct kt_fold f;
	const struct kt_cell *c;

	run_lab_sequence(&f, 0, 50);
	c = kt_fold_cell(&f, 2, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_U64(c->exits[kt_exit_slot(WCR8)], 50);	/* 1 per iteration */
		CHECK_EQ_U64(c->injections[0x2f], 50);
		CHECK_EQ_U64(c->unmasking_writes, 50);
		CHECK_EQ_U64(c->immediate, 0);
		CHECK_EQ_U64(c->late, 50);
	}
	c = kt_fold_cell(&f, 3, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_U64(c->exits[kt_exit_slot(WCR8)], 50);
		CHECK_EQ_U64(c->immediate, 0);
		CHECK_EQ_U64(c->late, 50);
	}
	kt_fold_free(&f);
}

/* Without kvm_entry events the fold falls back to "an exit after acceptance". */
static void test_no_entry_events(void)
{
	struct kt_fold f;
	const struct kt_cell *c;
	int i;

	kt_fold_init(&f);
	ev_exit(&f, 7, 0, IO);
	feed(&f, (struct kt_event){ .type = KT_PIO, .tid = 7, .write = 1, .port = 0x500,
				    .size = 4, .val = 0x49520002u });
	for (i = 0; i < 10; i++)
		dpc_iteration(&f, 7, 0, i & 1, 0);
	c = kt_fold_cell(&f, 2, 0);
	CHECK(c && c->unmasking_writes == 10 && c->immediate == 5 && c->late == 5);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 5 * 3 + 5 * 1);
	kt_fold_free(&f);
}

/* An interrupt accepted while deliverable is not a held-back one. */
static void test_unmasked_and_async(void)
{
	struct kt_fold f;
	const struct kt_cell *c;

	kt_fold_init(&f);
	/* accepted in an exit and injected at once */
	ev_exit(&f, 5, 0, NPF);
	ev_accept(&f, 5, 0, 0x30);
	ev_inj(&f, 5, 0x30);
	ev_entry(&f, 5, 0);
	/* accepted from a timer while the guest runs, the kick exit injects it */
	ev_accept(&f, 99, 0, 0xec);
	ev_exit(&f, 5, 0, SVM_EXIT_INTR);
	ev_inj(&f, 5, 0xec);
	ev_entry(&f, 5, 0);
	/* a reinjection is not a second injection; a soft one is ignored */
	ev_exit(&f, 5, 0, NPF);
	feed(&f, (struct kt_event){ .type = KT_INJ_VIRQ, .tid = 5, .vector = 0xec,
				    .reinjected = 1 });
	feed(&f, (struct kt_event){ .type = KT_INJ_VIRQ, .tid = 5, .vector = 0x80, .soft = 1 });
	ev_entry(&f, 5, 0);
	/* an injection without a traced acceptance */
	ev_exit(&f, 5, 0, WCR8);
	ev_inj(&f, 5, 0x41);
	/* a thread never seen in kvm_exit/kvm_entry */
	ev_inj(&f, 1234, 0x41);
	c = kt_fold_cell(&f, 0, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_U64(c->injections[0x30], 1);
		CHECK_EQ_U64(c->injections[0xec], 1);
		CHECK_EQ_U64(c->injections[0x80], 0);
		CHECK_EQ_U64(c->injections[0x41], 1);
		CHECK_EQ_U64(c->reinjections, 1);
		CHECK_EQ_U64(c->unmasking_writes, 0);
		CHECK_EQ_U64(c->exits[kt_exit_slot(SVM_EXIT_INTR)], 1);
	}
	CHECK_EQ_U64(f.unpaired_injections, 1);
	CHECK_EQ_U64(f.unattributed, 1);
	kt_fold_free(&f);
}

/*
 * What held an interrupt back decides whether its injection was an
 * unmasking write (../shared/cases/lab-if-held-counted-late.scn): IF alone
 * (cli; ipi 0x51; sti) lets it in through the interrupt-window exit, a
 * vector in service through its EOI; only the TPR makes an unmasking write.
 */
static void test_held_by_if_or_isr(void)
{
	struct kt_fold f;
	const struct kt_cell *c;

	kt_fold_init(&f);
	/* cli; ipi 0x51: the ICR write exits, IF holds it; sti: vintr exit */
	ev_exit(&f, 5, 0, NPF);
	ev_accept(&f, 5, 0, 0x51);
	ev_entry(&f, 5, 0);
	ev_exit(&f, 5, 0, SVM_EXIT_VINTR);
	ev_inj(&f, 5, 0x51);
	ev_entry(&f, 5, 0);
	/* 0x41 arrives while 0x51 is in service; the EOI of 0x51 lets it in */
	ev_exit(&f, 5, 0, NPF);
	ev_accept(&f, 5, 0, 0x41);
	ev_entry(&f, 5, 0);
	ev_exit(&f, 5, 0, NPF);
	ev_eoi(&f, 5, 0, 0x51);
	ev_inj(&f, 5, 0x41);
	ev_entry(&f, 5, 0);
	/* 0x61 held by the TPR; a same-level CR8 write exits (the fix-reverted
	 * build clears the intercept there), the lowering does not, and the
	 * exit that lets it in is the EOI of a lower vector (0x41): late, not
	 * "eoi" */
	ev_exit(&f, 5, 0, NPF);
	ev_accept(&f, 5, 0, 0x61);
	ev_entry(&f, 5, 0);
	ev_exit(&f, 5, 0, WCR8);
	ev_entry(&f, 5, 0);
	ev_exit(&f, 5, 0, NPF);
	ev_eoi(&f, 5, 0, 0x41);
	ev_inj(&f, 5, 0x61);
	ev_entry(&f, 5, 0);
	/* and one held by the TPR whose lowering exits: immediate */
	ev_exit(&f, 5, 0, NPF);
	ev_accept(&f, 5, 0, 0x2f);
	ev_entry(&f, 5, 0);
	ev_exit(&f, 5, 0, WCR8);
	ev_inj(&f, 5, 0x2f);
	ev_entry(&f, 5, 0);
	c = kt_fold_cell(&f, 0, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_U64(c->window, 1);
		CHECK_EQ_U64(c->eoi, 1);
		CHECK_EQ_U64(c->unmasking_writes, 2);
		CHECK_EQ_U64(c->immediate, 1);
		CHECK_EQ_U64(c->late, 1);
		CHECK_EQ_U64(c->entry_races, 0);
	}
	kt_fold_free(&f);
}

/*
 * An IPI from another vCPU that KVM accepts while the target is entering
 * the guest, after its last look at the IRR: the target is entered once
 * with it pending, the kick makes it exit at once, and the next entry
 * injects it.  Held back by nothing, so no unmasking write (the lab's
 * ipi-generic-call, 1 IPI of 400 in 1 run of 5, counted "late" before).
 * Its twin held by the TPR differs in what the guest had to do: KVM saw
 * it before the entry, so the lowering write exits (immediate), or a
 * same-level write exits first and the lowering does not (late).
 */
/* vCPU 0 (thread 10) sends 0xE1 to vCPU 1 (thread 11) in the guest: the
 * kick's exit, and KVM enters it again without injecting */
static void ipi_while_in_guest(struct kt_fold *f)
{
	ev_accept(f, 10, 1, 0xe1);
	exit_entry(f, 11, 1, SVM_EXIT_INTR, -1, 1);
}

static void test_entry_race(void)
{
	struct kt_fold f;
	const struct kt_cell *c;

	kt_fold_init(&f);
	ev_entry(&f, 10, 0);
	ev_entry(&f, 11, 1);
	/* vCPU 1 exits (its own ICR write); vCPU 0 sends 0xE1 to it while
	 * KVM enters vCPU 1 again: kick, interrupt exit, injection */
	ev_exit(&f, 11, 1, SVM_EXIT_MSR);
	ev_exit(&f, 10, 0, SVM_EXIT_MSR);
	ev_accept(&f, 10, 1, 0xe1);
	ev_entry(&f, 10, 0);
	ev_entry(&f, 11, 1);
	exit_entry(&f, 11, 1, SVM_EXIT_INTR, 0xe1, 1);
	/* the same IPI masked by vCPU 1's TPR, seen by KVM at the kick: its
	 * lowering write exits */
	ipi_while_in_guest(&f);
	exit_entry(&f, 11, 1, WCR8, 0xe1, 1);
	/* masked, a same-level write exits first, the lowering does not
	 * (fix reverted): a host tick lets it in, late */
	ipi_while_in_guest(&f);
	exit_entry(&f, 11, 1, WCR8, -1, 1);
	exit_entry(&f, 11, 1, SVM_EXIT_INTR, 0xe1, 1);
	c = kt_fold_cell(&f, 0, 1);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_U64(c->injections[0xe1], 3);
		CHECK_EQ_U64(c->entry_races, 1);
		CHECK_EQ_U64(c->unmasking_writes, 2);
		CHECK_EQ_U64(c->immediate, 1);
		CHECK_EQ_U64(c->late, 1);
		CHECK_EQ_U64(c->window + c->eoi, 0);
	}
	kt_fold_free(&f);
}

/* Two vCPUs on two threads, interleaved. */
static void test_two_vcpus(void)
{
	struct kt_fold f;
	const struct kt_cell *c;
	char err[256];
	int i;

	kt_fold_init(&f);
	ev_entry(&f, 10, 0);
	ev_entry(&f, 11, 1);
	ev_marker(&f, 10, 0, 0, 2);
	ev_marker(&f, 11, 1, 1, 2);
	for (i = 0; i < 20; i++) {
		dpc_iteration(&f, 10, 0, 1, 1);
		dpc_iteration(&f, 11, 1, 0, 1);
	}
	ev_marker(&f, 11, 1, 1, 3);
	ev_exit(&f, 11, 1, SVM_EXIT_HLT);
	c = kt_fold_cell(&f, 2, 0);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 60 && c->immediate == 20);
	c = kt_fold_cell(&f, 2, 1);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 20 && c->late == 20);
	c = kt_fold_cell(&f, 3, 1);
	CHECK(c && c->exits[kt_exit_slot(SVM_EXIT_HLT)] == 1);
	CHECK_EQ_U64(f.map_conflicts, 0);
	CHECK(kt_fold_map(&f, NULL, 2, err, sizeof(err)) == 0);
	CHECK(kt_fold_guest_cpu(&f, 0) == 0 && kt_fold_guest_cpu(&f, 1) == 1);
	kt_fold_sort(&f);
	/* (0,0) (0,1) hold the first markers' exits, taken out again */
	CHECK_EQ_U64(f.ncells, 5);
	CHECK(f.ncells == 5 && f.cells[0].phase == 0 && f.cells[0].exits_total == 0 &&
	      f.cells[1].phase == 0 && f.cells[1].vcpu == 1 &&
	      f.cells[2].phase == 2 && f.cells[2].vcpu == 0 &&
	      f.cells[3].phase == 2 && f.cells[3].vcpu == 1 &&
	      f.cells[4].phase == 3 && f.cells[4].vcpu == 1);
	kt_fold_free(&f);
}

/*
 * Four vCPUs whose guest numbers (arrival order) are not their vcpu_ids:
 * guest CPU 0 is vCPU 0 (the boot CPU), 1 is vCPU 3, 2 is vCPU 1, 3 is
 * vCPU 2.  vCPU 3 (guest CPU 1) enters the measured phase while vCPU 1
 * (guest CPU 2) still warms up with 7 more write_cr8 exits: a fold that
 * switched the phase of the vCPU whose id is the marker's cpu field would
 * count those 7 as measured, and file every cell under the wrong CPU.
 */
static const int arrival_vcpu[4] = { 0, 3, 1, 2 };	/* guest CPU -> vcpu_id */

static void four_vcpus(struct kt_fold *f, int n)
{
	int g, i;

	kt_fold_init(f);
	for (g = 0; g < 4; g++)
		ev_entry(f, 40 + arrival_vcpu[g], arrival_vcpu[g]);
	for (g = 0; g < 4; g++)
		ev_marker(f, 40 + arrival_vcpu[g], arrival_vcpu[g], (unsigned)g, 1);
	/* guest CPUs 0, 1 and 3 finish warming up and start measuring */
	for (g = 0; g < 4; g++) {
		if (g == 2)
			continue;
		exit_entry(f, 40 + arrival_vcpu[g], arrival_vcpu[g], WCR8, -1, 1);
		ev_marker(f, 40 + arrival_vcpu[g], arrival_vcpu[g], (unsigned)g, 2);
	}
	/* guest CPU 2 (vCPU 1) is still in its warm-up: 7 write_cr8 exits */
	for (i = 0; i < 7; i++)
		exit_entry(f, 41, 1, WCR8, -1, 1);
	ev_marker(f, 41, 1, 2, 2);
	for (i = 0; i < n; i++)
		for (g = 0; g < 4; g++)
			dpc_iteration(f, 40 + arrival_vcpu[g], arrival_vcpu[g], g != 3, 1);
	for (g = 0; g < 4; g++)
		ev_marker(f, 40 + arrival_vcpu[g], arrival_vcpu[g], (unsigned)g, 0xff);
}

static json_t *record_vcpu(json_t *rec, int phase_pos, int cpu)
{
	json_t *vcpus = json_object_get(json_array_get(json_object_get(rec, "phases"), phase_pos),
					"vcpus"), *v;
	size_t i;

	json_array_foreach(vcpus, i, v)
		if (json_integer_value(json_object_get(v, "cpu")) == cpu)
			return v;
	return NULL;
}

static void test_four_vcpus_identity(void)
{
	/* the report's APIC IDs: QEMU's APIC ID of a vCPU is its vcpu_id */
	const int apic_ids[4] = { 0, 3, 1, 2 };
	struct kt_fold f;
	const struct kt_cell *c;
	json_t *rec, *v;
	json_error_t jerr;
	char err[256];
	int g;

	four_vcpus(&f, 30);
	CHECK_EQ_U64(f.map_conflicts, 0);
	/* per vCPU (vcpu_id), before the map */
	c = kt_fold_cell(&f, 1, 1);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 7);	/* the warm-up stays warm-up */
	c = kt_fold_cell(&f, 2, 1);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 90);
	c = kt_fold_cell(&f, 2, 2);			/* guest CPU 3: fix-reverted sequence */
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 30 && c->late == 30);
	CHECK(kt_fold_map(&f, apic_ids, 4, err, sizeof(err)) == 0);
	for (g = 0; g < 4; g++) {
		check_case("guest CPU %d", g);
		CHECK_EQ_U64(kt_fold_guest_cpu(&f, (unsigned)arrival_vcpu[g]), g);
	}
	check_case(NULL);
	rec = json_loads("{\"phases\": [{\"idx\": 1, \"name\": \"warmup\", \"vcpus\": []},"
			 " {\"idx\": 2, \"name\": \"measure\", \"measured\": true, \"vcpus\": []}]}",
			 0, &jerr);
	CHECK(rec && kt_fold_merge_record(&f, rec) == 8);
	for (g = 0; g < 4; g++) {
		check_case("guest CPU %d", g);
		v = record_vcpu(rec, 1, g);
		CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(v, "exits"),
								"write_cr8")), g == 3 ? 30 : 90);
		CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(v, "delivery"),
								"immediate")), g == 3 ? 0 : 30);
		v = record_vcpu(rec, 0, g);
		CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(v, "exits"),
								"write_cr8")), g == 2 ? 7 : 1);
	}
	check_case(NULL);
	json_decref(rec);
	/* trace.json names both numbers */
	rec = kt_fold_vcpus_json(&f);
	CHECK_EQ_U64(json_array_size(rec), 4);
	v = json_array_get(rec, 3);
	CHECK(json_integer_value(json_object_get(v, "vcpu_id")) == 3 &&
	      json_integer_value(json_object_get(v, "cpu")) == 1 &&
	      json_integer_value(json_object_get(v, "apic_id")) == 3 &&
	      json_integer_value(json_object_get(v, "tid")) == 43);
	json_decref(rec);
	/* an older report without APIC IDs: the markers alone map the same way */
	CHECK(kt_fold_map(&f, NULL, 4, err, sizeof(err)) == 0);
	for (g = 0; g < 4; g++) {
		check_case("markers alone, guest CPU %d", g);
		CHECK_EQ_U64(kt_fold_guest_cpu(&f, (unsigned)arrival_vcpu[g]), g);
	}
	check_case(NULL);
	kt_fold_free(&f);
}

/* Sparse APIC IDs (e.g. -smp 4,sockets=2,cores=2,threads=1 on some topologies): vcpu_id = APIC ID. */
static void test_sparse_apic_ids(void)
{
	const int apic_ids[4] = { 0, 6, 2, 4 };	/* guest CPU -> APIC ID = vcpu_id */
	struct kt_fold f;
	char err[256];
	int g, i;

	kt_fold_init(&f);
	for (g = 0; g < 4; g++) {
		ev_marker(&f, 70 + apic_ids[g], apic_ids[g], (unsigned)g, 2);
		for (i = 0; i < 5; i++)
			dpc_iteration(&f, 70 + apic_ids[g], apic_ids[g], 1, 1);
	}
	CHECK(kt_fold_map(&f, apic_ids, 4, err, sizeof(err)) == 0);
	for (g = 0; g < 4; g++) {
		const struct kt_cell *c = kt_fold_cell(&f, 2, (unsigned)apic_ids[g]);

		check_case("guest CPU %d, APIC ID %d", g, apic_ids[g]);
		CHECK_EQ_U64(kt_fold_guest_cpu(&f, (unsigned)apic_ids[g]), g);
		CHECK(c && c->exits[kt_exit_slot(WCR8)] == 15 && c->immediate == 5);
	}
	check_case(NULL);
	CHECK_EQ_U64(kt_fold_guest_cpu(&f, 1), -1);	/* no such vCPU */
	kt_fold_free(&f);
}

/* Every way the markers, the report and KVM can disagree is refused, with why. */
static void test_map_inconsistent(void)
{
	const int apic_ok[4] = { 0, 3, 1, 2 }, apic_swapped[4] = { 0, 1, 3, 2 };
	const int apic_dup[4] = { 0, 3, 3, 2 };
	struct kt_fold f;
	char err[256];

	four_vcpus(&f, 2);
	CHECK(kt_fold_map(&f, apic_swapped, 4, err, sizeof(err)) == -1);
	CHECK(strstr(err, "guest CPU 2 reports APIC ID 3, but its phase markers come from KVM vCPU 1"));
	CHECK(!f.mapped && kt_fold_guest_cpu(&f, 3) == -1);
	CHECK(kt_fold_map(&f, apic_dup, 4, err, sizeof(err)) == -1);
	CHECK(kt_fold_map(&f, apic_ok, 3, err, sizeof(err)) == -1);	/* report: 3 CPUs */
	CHECK(strstr(err, "wrote phase markers for guest CPU 3, but the guest reported 3 CPUs"));
	CHECK(kt_fold_map(&f, NULL, 5, err, sizeof(err)) == -1);	/* CPU 4 wrote no marker */
	CHECK(strstr(err, "guest CPU 4 (no APIC IDs in the report) wrote no phase marker"));
	/* one vCPU names another guest CPU later */
	ev_marker(&f, 43, 3, 2, 3);
	CHECK_EQ_U64(f.map_conflicts, 1);
	CHECK(kt_fold_map(&f, apic_ok, 4, err, sizeof(err)) == -1);
	CHECK(strstr(err, "KVM vCPU 3 wrote phase markers for guest CPU 1, then for guest CPU 2 (1 such markers)"));
	kt_fold_free(&f);
	/* two vCPUs name the same guest CPU */
	kt_fold_init(&f);
	ev_marker(&f, 50, 0, 0, 1);
	ev_marker(&f, 51, 1, 0, 1);
	CHECK(kt_fold_map(&f, NULL, 2, err, sizeof(err)) == -1);
	CHECK(strstr(err, "KVM vCPUs 0 and 1 both wrote phase markers for guest CPU 0"));
	kt_fold_free(&f);
}

/* Kernels before 5.19 have no "reinjected" field: the fold tells re-injections itself. */
static void test_reinjection_without_field(void)
{
	struct kt_fold f;
	const struct kt_cell *c;

	kt_fold_init(&f);
	ev_marker(&f, 5, 0, 0, 2);
	/* held back, then delivered by a lowering write, whose delivery an NPF interrupts */
	ev_exit(&f, 5, 0, NPF);
	ev_accept(&f, 5, 0, 0x2f);
	ev_entry(&f, 5, 0);
	ev_exit(&f, 5, 0, WCR8);
	feed(&f, (struct kt_event){ .type = KT_INJ_VIRQ, .tid = 5, .vcpu = -1, .vector = 0x2f,
				    .reinjected = -1 });
	ev_entry(&f, 5, 0);
	feed(&f, (struct kt_event){ .type = KT_EXIT, .tid = 5, .vcpu = 0, .exit_reason = NPF,
				    .intr_info = 0x80000000u | 0x2f });	/* valid, INTR, 0x2f */
	feed(&f, (struct kt_event){ .type = KT_INJ_VIRQ, .tid = 5, .vcpu = -1, .vector = 0x2f,
				    .reinjected = -1 });
	ev_entry(&f, 5, 0);
	/* an entry cancelled after the injection: traced twice, no exit between */
	ev_exit(&f, 5, 0, NPF);
	ev_accept(&f, 5, 0, 0x30);
	feed(&f, (struct kt_event){ .type = KT_INJ_VIRQ, .tid = 5, .vcpu = -1, .vector = 0x30,
				    .reinjected = -1 });
	feed(&f, (struct kt_event){ .type = KT_INJ_VIRQ, .tid = 5, .vcpu = -1, .vector = 0x30,
				    .reinjected = -1 });
	ev_entry(&f, 5, 0);
	/* a new interrupt of the same vector after an exit without EXITINTINFO is no re-injection */
	ev_exit(&f, 5, 0, NPF);
	ev_accept(&f, 5, 0, 0x30);
	feed(&f, (struct kt_event){ .type = KT_INJ_VIRQ, .tid = 5, .vcpu = -1, .vector = 0x30,
				    .reinjected = -1 });
	/* an EXITINTINFO of an exception (type 3) does not make an interrupt re-injected */
	ev_entry(&f, 5, 0);
	feed(&f, (struct kt_event){ .type = KT_EXIT, .tid = 5, .vcpu = 0, .exit_reason = NPF,
				    .intr_info = 0x80000000u | 3u << 8 | 0x0e });
	ev_accept(&f, 5, 0, 0x0e);
	feed(&f, (struct kt_event){ .type = KT_INJ_VIRQ, .tid = 5, .vcpu = -1, .vector = 0x0e,
				    .reinjected = -1 });
	c = kt_fold_cell(&f, 2, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_U64(c->injections[0x2f], 1);
		CHECK_EQ_U64(c->injections[0x30], 2);
		CHECK_EQ_U64(c->injections[0x0e], 1);
		CHECK_EQ_U64(c->reinjections, 2);
		CHECK_EQ_U64(c->unmasking_writes, 1);
		CHECK_EQ_U64(c->immediate, 1);
	}
	CHECK_EQ_U64(f.reinjections_inferred, 2);
	CHECK_EQ_U64(f.unpaired_injections, 0);
	kt_fold_free(&f);
}

/* Only fixed and lowest-priority acceptances are pending interrupts. */
static void test_accept_delivery_modes(void)
{
	struct kt_fold f;
	const struct kt_cell *c;

	kt_fold_init(&f);
	ev_exit(&f, 5, 0, NPF);
	/* the boot CPU's INIT and SIPI (vector 8: start page 0x8000) to vCPU 0 */
	feed(&f, (struct kt_event){ .type = KT_ACCEPT_IRQ, .tid = 5, .vcpu = -1, .apicid = 0,
				    .dm = 0x500, .vector = 0 });
	feed(&f, (struct kt_event){ .type = KT_ACCEPT_IRQ, .tid = 5, .vcpu = -1, .apicid = 0,
				    .dm = 0x600, .vector = 0x08 });
	ev_entry(&f, 5, 0);
	/* the 8259's ExtINT vector 8, injected later, pairs with nothing */
	ev_exit(&f, 5, 0, SVM_EXIT_INTR);
	ev_inj(&f, 5, 0x08);
	ev_entry(&f, 5, 0);
	/* a lowest-priority one is an IRR vector like a fixed one */
	ev_exit(&f, 5, 0, NPF);
	feed(&f, (struct kt_event){ .type = KT_ACCEPT_IRQ, .tid = 5, .vcpu = -1, .apicid = 0,
				    .dm = 0x100, .vector = 0x41 });
	ev_entry(&f, 5, 0);
	ev_exit(&f, 5, 0, WCR8);
	ev_inj(&f, 5, 0x41);
	c = kt_fold_cell(&f, 0, 0);
	CHECK(c && c->unmasking_writes == 1 && c->immediate == 1);
	CHECK_EQ_U64(f.accepts_not_fixed, 2);
	CHECK_EQ_U64(f.unpaired_injections, 1);
	kt_fold_free(&f);
}

/* Events of one vCPU must come in time order; the fold counts those that do not. */
static void test_out_of_order(void)
{
	struct kt_fold f;
	struct kt_event e = { .type = KT_EXIT, .tid = 9, .vcpu = 0, .exit_reason = NPF };

	kt_fold_init(&f);
	e.ts = 100;
	CHECK(kt_fold_event(&f, &e) == 0);
	e.ts = 90;
	CHECK(kt_fold_event(&f, &e) == 0);
	e.ts = 100;
	e.vcpu = 1;	/* another vCPU's clock is its own */
	e.tid = 10;
	CHECK(kt_fold_event(&f, &e) == 0);
	CHECK_EQ_U64(f.out_of_order, 1);
	kt_fold_free(&f);
}

/* --- the per-CPU merge --------------------------------------------------------------- */

/*
 * One vCPU thread that moves from CPU 0 to CPU 1 and back, and a second
 * vCPU on CPU 1 that accepts an IPI for the first: read in polls with
 * watermarks, the merge folds exactly what the fold of the time-sorted
 * whole gives, while holding only a window.
 */
/* Two cells hold the same counts and times (their times arrays apart). */
static int cells_equal(const struct kt_cell *a, const struct kt_cell *b)
{
	struct kt_cell x, y;

	memcpy(&x, a, sizeof(x));	/* padding too: memcmp compares it */
	memcpy(&y, b, sizeof(y));
	x.times = y.times = NULL;
	return !memcmp(&x, &y, sizeof(x)) &&
	       (!a->ntimes || !memcmp(a->times, b->times, a->ntimes * sizeof(*a->times)));
}

static void test_merge_matches_sorted(void)
{
	enum { N = 3000 };
	static struct kt_event ev[N];
	static unsigned cpu_of[N];
	struct kt_fold whole, live;
	struct kt_merge m;
	unsigned long long t = 1000;
	size_t n = 0, i;
	int k;

	/* build: a marker, then DPC iterations; the thread moves every 40 events */
	for (k = 0; n + 16 < N; k++) {
		unsigned cpu = (k / 5) % 2;
		struct kt_event seq[6] = {
			{ .type = KT_EXIT, .tid = 7, .vcpu = 0, .exit_reason = NPF },
			{ .type = KT_ACCEPT_IRQ, .tid = 8, .vcpu = -1, .apicid = 0, .vector = 0x2f },
			{ .type = KT_ENTRY, .tid = 7, .vcpu = 0 },
			{ .type = KT_EXIT, .tid = 7, .vcpu = 0, .exit_reason = WCR8 },
			{ .type = KT_INJ_VIRQ, .tid = 7, .vcpu = -1, .vector = 0x2f },
			{ .type = KT_ENTRY, .tid = 7, .vcpu = 0 },
		};

		if (k == 0) {
			ev[n] = (struct kt_event){ .type = KT_ENTRY, .tid = 8, .vcpu = 1, .ts = t++ };
			cpu_of[n++] = 1;
			ev[n] = (struct kt_event){ .type = KT_EXIT, .tid = 7, .vcpu = 0, .exit_reason = IO,
						   .ts = t++ };
			cpu_of[n++] = 0;
			ev[n] = (struct kt_event){ .type = KT_PIO, .tid = 7, .vcpu = -1, .write = 1,
						   .port = 0x500, .size = 4, .val = 0x49520002u,
						   .ts = t++ };
			cpu_of[n++] = 0;
		}
		for (i = 0; i < 6; i++) {
			ev[n] = seq[i];
			ev[n].ts = t;
			t += 1 + (i & 1);
			/* the acceptance is traced by the sender, on CPU 1 */
			cpu_of[n++] = seq[i].type == KT_ACCEPT_IRQ ? 1 : cpu;
		}
	}
	kt_fold_init(&whole);
	for (i = 0; i < n; i++)
		CHECK(kt_fold_event(&whole, &ev[i]) == 0);

	kt_fold_init(&live);
	CHECK(kt_merge_init(&m, 2) == 0);
	/* polls of 100 ticks: each CPU gives what it wrote so far, watermark = poll time - 20 */
	for (unsigned long long poll = 1100, j = 0; j < n; poll += 100) {
		size_t first = j;

		/* CPU 1 is read first in this poll, CPU 0 second: both up to `poll` */
		for (i = first; i < n && ev[i].ts < poll; i++)
			if (cpu_of[i] == 1)
				CHECK(kt_merge_push(&m, 1, &ev[i]) == 0);
		for (i = first; i < n && ev[i].ts < poll; i++)
			if (cpu_of[i] == 0)
				CHECK(kt_merge_push(&m, 0, &ev[i]) == 0);
		j = i;
		kt_merge_watermark(&m, 0, poll - 20);
		kt_merge_watermark(&m, 1, poll - 20);
		CHECK(kt_merge_fold(&m, &live, 0) == 0);
	}
	CHECK(m.held < n);
	CHECK(kt_merge_fold(&m, &live, 1) == 0);
	CHECK_EQ_U64(m.held, 0);
	CHECK_EQ_U64(m.folded, n);
	CHECK_EQ_U64(m.late, 0);
	CHECK(m.peak < 200);	/* a window, not the trace */
	CHECK_EQ_U64(live.events, whole.events);
	CHECK_EQ_U64(live.out_of_order, 0);
	{
		const struct kt_cell *a = kt_fold_cell(&whole, 2, 0), *b = kt_fold_cell(&live, 2, 0);

		CHECK(a && b && a->exits[kt_exit_slot(WCR8)] > 400);
		CHECK(a && b && cells_equal(a, b));
		CHECK(a && a->ntimes == 2);	/* npf and write_cr8, timed */
	}
	kt_merge_free(&m);
	kt_fold_free(&whole);
	kt_fold_free(&live);
}

/* An event that comes after a later one was folded is counted late. */
static void test_merge_late(void)
{
	struct kt_merge m;
	struct kt_fold f;
	struct kt_event e = { .type = KT_EXIT, .tid = 7, .vcpu = 0, .exit_reason = NPF };

	kt_fold_init(&f);
	CHECK(kt_merge_init(&m, 2) == 0);
	e.ts = 50;
	CHECK(kt_merge_push(&m, 0, &e) == 0);
	e.ts = 60;
	CHECK(kt_merge_push(&m, 1, &e) == 0);
	kt_merge_watermark(&m, 0, 100);
	CHECK(kt_merge_fold(&m, &f, 0) == 0);	/* CPU 1 has no watermark yet */
	CHECK_EQ_U64(m.folded, 0);
	kt_merge_watermark(&m, 1, 55);
	CHECK(kt_merge_fold(&m, &f, 0) == 0);
	CHECK_EQ_U64(m.folded, 1);
	kt_merge_watermark(&m, 1, 100);
	CHECK(kt_merge_fold(&m, &f, 0) == 0);
	CHECK_EQ_U64(m.folded, 2);
	e.ts = 40;	/* CPU 0 was held up past its window */
	CHECK(kt_merge_push(&m, 0, &e) == 0);
	CHECK_EQ_U64(m.late, 1);
	CHECK(kt_merge_fold(&m, &f, 1) == 0);
	CHECK_EQ_U64(f.out_of_order, 1);
	kt_merge_free(&m);
	kt_fold_free(&f);
}

/* --- ring buffer stats and provenance.trace ------------------------------------------ */

static char *read_fixture(const char *name)
{
	char path[256], *buf;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "tests/fixtures/trace/%s", name);
	fp = fopen(path, "r");
	if (!fp) {
		printf("cannot open %s (run from the top of the tree)\n", path);
		return NULL;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

static void test_cpu_stats(void)
{
	struct kt_cpu_stats st;
	char *t;

	t = read_fixture("stats-l1-clean.txt");
	CHECK(t && kt_parse_cpu_stats(t, &st) == 0);
	CHECK(st.entries == 0 && st.overrun == 0 && st.commit_overrun == 0 && st.dropped == 0);
	CHECK_EQ_U64(st.read, 16968);
	free(t);
	t = read_fixture("stats-l1-overrun.txt");
	CHECK(t && kt_parse_cpu_stats(t, &st) == 0);
	CHECK_EQ_U64(st.overrun, 6531);
	CHECK_EQ_U64(st.entries, 0);
	CHECK_EQ_U64(st.read, 5436);
	free(t);
	t = read_fixture("stats-tsc-clock.txt");	/* a counter clock prints plain numbers */
	CHECK(t && kt_parse_cpu_stats(t, &st) == 0 && st.read == 0);
	free(t);
	/* the loss counters must all be there */
	CHECK(kt_parse_cpu_stats("entries: 0\noverrun: 0\nbytes: 0\n", &st) == -1);
	CHECK(kt_parse_cpu_stats("", &st) == -1);
	CHECK(kt_parse_cpu_stats("entries: x\noverrun: 0\ncommit overrun: 0\ndropped events: 0\n",
				 &st) == -1);
	CHECK(kt_parse_cpu_stats("entries: 1\noverrun: 2\ncommit overrun: 3\ndropped events: 4",
				 &st) == 0 && st.entries == 1 && st.dropped == 4);
}

static void test_trace_loss(void)
{
	struct kt_trace_cpu cpus[3] = {
		{ .cpu = 0, .vcpu_cpu = true, .buffer_kb = 32768, .have_stats = true, .events = 900 },
		{ .cpu = 1, .vcpu_cpu = true, .buffer_kb = 16384, .have_stats = true, .events = 800 },
		{ .cpu = 2, .buffer_kb = 16, .have_stats = true },
	};
	struct kt_trace_info ti = { .clock = "mono", .buffer_kb = 32768, .other_buffer_kb = 16,
				    .cpus = cpus, .ncpus = 3, .reorder_ms = 200, .events = 1700 };
	struct kt_trace_loss l;
	char msg[512];
	json_t *j;

	CHECK(!kt_trace_lossy(&ti, &l));
	j = kt_trace_info_json(&ti, false);
	CHECK(json_is_false(json_object_get(j, "lost")));
	CHECK_EQ_U64(json_array_size(json_object_get(j, "cpus")), 2);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(j, "other_cpus"), "count")), 1);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(j, "other_cpus"),
							"buffer_kb")), 16);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_array_get(json_object_get(j, "cpus"), 1),
							"buffer_kb")), 16384);
	CHECK_STR(json_string_value(json_object_get(j, "clock")), "mono");
	json_decref(j);

	/* the stats of a CPU that overran, and pages that say events were missed */
	{
		char *t = read_fixture("stats-l1-overrun.txt");

		CHECK(t && kt_parse_cpu_stats(t, &cpus[1].st) == 0);
		free(t);
		snprintf(cpus[1].stats_text, sizeof(cpus[1].stats_text), "overrun: 6531\n");
	}
	cpus[1].missed = 3574;
	cpus[1].missed_pages = 17;
	CHECK(kt_trace_lossy(&ti, &l));
	CHECK_EQ_U64(l.overrun, 6531);
	CHECK_EQ_U64(l.missed, 3574);
	CHECK_EQ_U64(l.missed_pages, 17);
	kt_trace_loss_message(&ti, &l, msg, sizeof(msg));
	CHECK(strstr(msg, "the trace lost events (overrun 6531, commit overrun 0, dropped 0, missed 3574 and more") &&
	      strstr(msg, "--trace-buffer"));
	j = kt_trace_info_json(&ti, false);
	CHECK(json_is_true(json_object_get(j, "lost")));
	CHECK_EQ_U64(json_integer_value(json_object_get(j, "overrun")), 6531);
	CHECK(json_object_get(json_array_get(json_object_get(j, "cpus"), 1), "stats_text") == NULL);
	json_decref(j);
	j = kt_trace_info_json(&ti, true);	/* the trace file keeps what the kernel said */
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "cpus"), 1),
						    "stats_text")), "overrun: 6531\n");
	json_decref(j);
	/* events still in a buffer after the last read were never folded */
	memset(&cpus[1].st, 0, sizeof(cpus[1].st));
	cpus[1].missed = cpus[1].missed_pages = 0;
	cpus[1].st.entries = 112;
	CHECK(kt_trace_lossy(&ti, &l) && l.unread == 112);

	/* only late events: the order, not the events, was lost */
	memset(&cpus[1].st, 0, sizeof(cpus[1].st));
	cpus[1].missed = 0;
	ti.late = 3;
	CHECK(kt_trace_lossy(&ti, &l));
	kt_trace_loss_message(&ti, &l, msg, sizeof(msg));
	CHECK(strstr(msg, "3 trace events came more than the 200 ms reorder window late"));
	/* stats that could not be read: no proof of completeness */
	ti.late = 0;
	cpus[2].have_stats = false;
	CHECK(kt_trace_lossy(&ti, &l) && l.no_stats == 1);
	/* a CPU outside the traced set that lost events is listed */
	j = kt_trace_info_json(&ti, false);
	CHECK_EQ_U64(json_array_size(json_object_get(j, "cpus")), 3);
	json_decref(j);
}

static void test_sort(void)
{
	struct kt_event ev[6] = {
		{ .ts = 5, .vcpu = 0 }, { .ts = 3, .vcpu = 1 }, { .ts = 5, .vcpu = 2 },
		{ .ts = 1, .vcpu = 3 }, { .ts = 3, .vcpu = 4 }, { .ts = 9, .vcpu = 5 },
	};
	int order[6] = { 3, 1, 4, 0, 2, 5 };	/* stable: equal ts keep their order */
	int i;

	kt_sort_events(ev, 6);
	for (i = 0; i < 6; i++)
		CHECK_EQ_U64(ev[i].vcpu, order[i]);
}

static void test_json(void)
{
	struct kt_fold f;
	json_t *j, *rec, *v, *ph;
	json_error_t err;

	run_lab_sequence(&f, 1, 10);
	j = kt_fold_json(&f);
	CHECK(j != NULL);
	v = json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(j, "phases"), 2), "vcpus"), 0), "exits");
	CHECK_EQ_U64(json_integer_value(json_object_get(v, "write_cr8")), 30);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(j, "diagnostics"),
							"markers")), 4);
	json_decref(j);

	rec = json_loads("{\"phases\": [{\"idx\": 0, \"name\": \"setup\", \"vcpus\": []},"
			 " {\"idx\": 2, \"name\": \"dpc\", \"vcpus\": [{\"cpu\": 0,"
			 " \"counters\": {\"cr8_writes\": 50}, \"exits\": null}]}]}", 0, &err);
	CHECK(rec != NULL);
	CHECK_EQ_U64(kt_fold_merge_record(&f, rec), 0);	/* nothing before the map */
	CHECK(kt_fold_map(&f, NULL, 1, (char[64]){ 0 }, 64) == 0);
	CHECK_EQ_U64(kt_fold_merge_record(&f, rec), 2);	/* phases 0 and 2 */
	ph = json_array_get(json_object_get(rec, "phases"), 1);
	v = json_array_get(json_object_get(ph, "vcpus"), 0);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(v, "counters"),
							"cr8_writes")), 50);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(v, "exits"),
							"write_cr8")), 30);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(v, "exits"),
							"npf")), 30);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(v, "injections"),
							"0x2f")), 10);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(v, "delivery"),
							"immediate")), 10);
	CHECK(json_array_size(json_object_get(json_array_get(json_object_get(rec, "phases"), 0),
					      "vcpus")) == 1);
	json_decref(rec);
	rec = json_object();
	CHECK(kt_fold_merge_record(&f, rec) == -1);
	json_decref(rec);
	kt_fold_free(&f);
}

/* kt_apicv_json()'s compact JSON for a, without why's text */
static void apicv_is(const struct kt_apicv *a, const char *why_unknown, const char *want,
		     const char *want_why)
{
	json_t *j = kt_apicv_json(a, why_unknown), *why = json_incref(json_object_get(j, "why"));
	char *txt;

	json_object_del(j, "why");
	txt = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK_STR(txt, want);
	if (want_why)
		CHECK(json_is_string(why) && strstr(json_string_value(why), want_why));
	else
		CHECK(json_is_null(why));
	free(txt);
	json_decref(why);
	json_decref(j);
}

static void test_apicv(void)
{
	static const char src[] = ",\"source\":\"kvm:kvm_apicv_inhibit_changed\"}";
	char want[256];

	/* avic=1, QEMU's PIT reinjects: PIT_REINJ set when the VM was made
	 * (0x200 here: its bit differs between kernels), nothing cleared it:
	 * AVIC never ran */
	snprintf(want, sizeof(want), "{\"active\":false,\"inhibits_at_start\":\"0x200\",\"inhibits_at_end\":\"0x200\",\"inhibits_seen\":\"0x0\",\"changes\":0%s", src);
	apicv_is(&(struct kt_apicv){ .traced = 1, .known_start = 1, .at_start = 0x200 }, NULL, want, NULL);
	/* the same with an IRQ window opened and closed: inhibited all along */
	snprintf(want, sizeof(want), "{\"active\":false,\"inhibits_at_start\":\"0x200\",\"inhibits_at_end\":\"0x200\",\"inhibits_seen\":\"0x300\",\"changes\":2%s", src);
	apicv_is(&(struct kt_apicv){ .traced = 1, .known_start = 1, .at_start = 0x200, .events = 2,
				     .at_end = 0x200, .seen = 0x300 }, NULL, want, NULL);
	/* lost_tick_policy=discard: nothing inhibits it */
	snprintf(want, sizeof(want), "{\"active\":true,\"inhibits_at_start\":\"0x0\",\"inhibits_at_end\":\"0x0\",\"inhibits_seen\":\"0x0\",\"changes\":0%s", src);
	apicv_is(&(struct kt_apicv){ .traced = 1, .known_start = 1 }, NULL, want, NULL);
	/* active at the start, inhibited for a while: neither */
	snprintf(want, sizeof(want), "{\"active\":null,\"inhibits_at_start\":\"0x0\",\"inhibits_at_end\":\"0x0\",\"inhibits_seen\":\"0x100\",\"changes\":2%s", src);
	apicv_is(&(struct kt_apicv){ .traced = 1, .known_start = 1, .events = 2, .clear_events = 1,
				     .seen = 0x100 }, NULL, want, "1 of 2 changes left nothing inhibiting it");
	/* a kernel without the tracepoint: unknown, and why */
	apicv_is(&(struct kt_apicv){ 0 }, "this kernel has no kvm:kvm_apicv_inhibit_changed tracepoint",
		 "{\"active\":null,\"inhibits_at_start\":null,\"inhibits_at_end\":null,\"inhibits_seen\":null,\"changes\":null,\"source\":null}",
		 "no kvm:kvm_apicv_inhibit_changed");
	/* libvirt: the changes while it ran, but not the VM's creation */
	snprintf(want, sizeof(want), "{\"active\":null,\"inhibits_at_start\":null,\"inhibits_at_end\":\"0x0\",\"inhibits_seen\":\"0x0\",\"changes\":1%s", src);
	apicv_is(&(struct kt_apicv){ .traced = 1, .events = 1, .clear_events = 1 }, NULL, want,
		 "the VM's creation was not traced");
}

static void ev_at(struct kt_fold *f, unsigned long long ts, struct kt_event e)
{
	e.ts = ts;
	CHECK(kt_fold_event(f, &e) == 0);
}

static void exit_at(struct kt_fold *f, unsigned long long ts, int tid, int vcpu, uint32_t code)
{
	ev_at(f, ts, (struct kt_event){ .type = KT_EXIT, .tid = tid, .vcpu = vcpu,
					.exit_reason = code });
}

static void entry_at(struct kt_fold *f, unsigned long long ts, int tid, int vcpu)
{
	ev_at(f, ts, (struct kt_event){ .type = KT_ENTRY, .tid = tid, .vcpu = vcpu });
}

/* The times of one reason in one cell: n timed, exits counted, sum, min, max. */
static void time_is(const struct kt_fold *f, unsigned phase, unsigned vcpu, uint32_t code,
		    uint64_t exits, uint64_t n, uint64_t sum, uint64_t min, uint64_t max)
{
	const struct kt_cell *c = kt_fold_cell(f, phase, vcpu);
	const struct kt_exit_time *x = c ? kt_cell_time(c, kt_exit_slot(code)) : NULL;

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_EQ_U64(c->exits[kt_exit_slot(code)], exits);
	if (!n) {
		CHECK(x == NULL);
		return;
	}
	CHECK(x != NULL);
	if (!x)
		return;
	CHECK_EQ_U64(x->n, n);
	CHECK_EQ_U64(x->sum, sum);
	CHECK_EQ_U64(x->min, min);
	CHECK_EQ_U64(x->max, max);
	CHECK_EQ_U64(x->counts[hist_index(min)] + x->counts[hist_index(max)],
		     min == max ? 2 * n : 2);
}

/*
 * Exit handling times (kvm_exit to the vCPU's next kvm_entry, perf kvm
 * stat's VM-EXIT time) of a recorded trace with known timestamps: two
 * vCPUs interleaved, a phase marker's exit (neither counted nor timed), an
 * exit followed by another exit (counted, untimed) and one whose entry the
 * trace ends before (counted, untimed).
 */
static void test_exit_times(void)
{
	struct kt_fold f;
	const struct kt_cell *c;
	json_t *j, *x;
	char *s;

	kt_fold_init(&f);
	exit_at(&f, 100, 10, 0, WCR8);
	exit_at(&f, 105, 11, 1, NPF);
	entry_at(&f, 130, 10, 0);		/* vCPU 0 write_cr8: 30 */
	entry_at(&f, 160, 11, 1);		/* vCPU 1 npf: 55 */
	exit_at(&f, 200, 10, 0, WCR8);
	exit_at(&f, 210, 11, 1, WCR8);
	entry_at(&f, 215, 11, 1);		/* vCPU 1 write_cr8: 5 */
	entry_at(&f, 300, 10, 0);		/* vCPU 0 write_cr8: 100 */
	exit_at(&f, 400, 10, 0, NPF);
	entry_at(&f, 410, 10, 0);		/* vCPU 0 npf: 10 */
	/* vCPU 0's phase marker: its io exit is no phase's, and not timed */
	exit_at(&f, 600, 10, 0, IO);
	ev_at(&f, 610, (struct kt_event){ .type = KT_PIO, .tid = 10, .vcpu = -1, .write = 1,
					  .port = 0x500, .size = 4, .val = 0x49520002u });
	entry_at(&f, 650, 10, 0);
	exit_at(&f, 700, 10, 0, WCR8);
	entry_at(&f, 1700, 10, 0);		/* phase 2, vCPU 0 write_cr8: 1000 */
	exit_at(&f, 2000, 10, 0, NPF);		/* no entry before the next exit: untimed */
	exit_at(&f, 2100, 10, 0, WCR8);
	entry_at(&f, 2120, 10, 0);		/* phase 2, vCPU 0 write_cr8: 20 */
	exit_at(&f, 2500, 11, 1, NPF);		/* the trace ends before its entry: untimed */

	CHECK_EQ_U64(f.marker_exits, 1);
	time_is(&f, 0, 0, WCR8, 2, 2, 130, 30, 100);
	time_is(&f, 0, 0, NPF, 1, 1, 10, 10, 10);
	time_is(&f, 0, 0, IO, 0, 0, 0, 0, 0);
	time_is(&f, 0, 1, NPF, 2, 1, 55, 55, 55);
	time_is(&f, 0, 1, WCR8, 1, 1, 5, 5, 5);
	time_is(&f, 2, 0, WCR8, 2, 2, 1020, 20, 1000);
	time_is(&f, 2, 0, NPF, 1, 0, 0, 0, 0);

	/* the record's JSON: untimed = exits - n; percentiles of the buckets */
	c = kt_fold_cell(&f, 0, 1);
	j = c ? kt_cell_exit_times_json(c) : NULL;
	x = json_object_get(j, "npf");
	s = x ? json_dumps(x, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	CHECK_STR(s ? s : "", "{\"buckets\":[[55,1]],\"layout\":\"log-linear\",\"max\":55,\"mean\":55.0,"
		  "\"min\":55,\"n\":1,\"overflow\":0,\"p50\":55,\"p50_lo\":55,\"p99\":55,"
		  "\"p99_lo\":55,\"sum\":55,\"unit\":\"ns\",\"untimed\":1}");
	free(s);
	json_decref(j);
	c = kt_fold_cell(&f, 2, 0);
	j = c ? kt_cell_exit_times_json(c) : NULL;
	x = json_object_get(j, "write_cr8");
	/* 20 has a bucket of its own; 1000 is in [992, 1023], clamped to the max */
	CHECK_EQ_U64(json_integer_value(json_object_get(x, "p50")), 20);
	CHECK_EQ_U64(json_integer_value(json_object_get(x, "p50_lo")), 20);
	CHECK_EQ_U64(json_integer_value(json_object_get(x, "p99")), 1000);
	CHECK_EQ_U64(json_integer_value(json_object_get(x, "p99_lo")), 992);
	CHECK(json_real_value(json_object_get(x, "mean")) == 510.0);
	CHECK_EQ_U64(json_integer_value(json_object_get(x, "untimed")), 0);
	s = json_dumps(json_object_get(x, "buckets"), JSON_COMPACT);
	CHECK_STR(s ? s : "", "[[20,1],[1023,1]]");
	free(s);
	/* an exit never timed: its counts, no times */
	x = json_object_get(j, "npf");
	CHECK_EQ_U64(json_integer_value(json_object_get(x, "n")), 0);
	CHECK_EQ_U64(json_integer_value(json_object_get(x, "untimed")), 1);
	CHECK(json_is_null(json_object_get(x, "min")) && json_is_null(json_object_get(x, "p50")));
	json_decref(j);
	kt_fold_free(&f);
}

int main(void)
{
	test_names();
	test_lab_fixed();
	test_lab_unfixed();
	test_jobs();
	test_exit_times();
	test_no_entry_events();
	test_unmasked_and_async();
	test_held_by_if_or_isr();
	test_entry_race();
	test_two_vcpus();
	test_four_vcpus_identity();
	test_sparse_apic_ids();
	test_map_inconsistent();
	test_reinjection_without_field();
	test_accept_delivery_modes();
	test_out_of_order();
	test_merge_matches_sorted();
	test_merge_late();
	test_cpu_stats();
	test_trace_loss();
	test_sort();
	test_json();
	test_apicv();
	return check_done("test_trace");
}
