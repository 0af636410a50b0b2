// SPDX-License-Identifier: MIT
/*
 * Unit tests of the KVM trace fold (host/trace/kvm_fold.c), the SVM exit
 * names and the record JSON, with event sequences shaped like the ones real
 * kvm_amd produces for docs/lab.md's two guest sequences (fixed and fix-reverted).
 * No tracefs needed.
 */
#include <jansson.h>

#include "check.h"
#include "trace/kvm_fold.h"
#include "trace/kvm_fold_json.h"
#include "trace/svm_exits.h"

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
	CHECK_EQ_U64(f.marker_cpu_mismatch, 0);
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

/* Two vCPUs on two threads, interleaved; a marker naming another cpu. */
static void test_two_vcpus(void)
{
	struct kt_fold f;
	const struct kt_cell *c;
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
	ev_marker(&f, 10, 0, 1, 3);		/* vCPU 0 writes cpu 1's marker */
	ev_exit(&f, 11, 1, SVM_EXIT_HLT);
	c = kt_fold_cell(&f, 2, 0);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 60 && c->immediate == 20);
	c = kt_fold_cell(&f, 2, 1);
	CHECK(c && c->exits[kt_exit_slot(WCR8)] == 20 && c->late == 20);
	c = kt_fold_cell(&f, 3, 1);
	CHECK(c && c->exits[kt_exit_slot(SVM_EXIT_HLT)] == 1);
	CHECK_EQ_U64(f.marker_cpu_mismatch, 1);
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

int main(void)
{
	test_names();
	test_lab_fixed();
	test_lab_unfixed();
	test_no_entry_events();
	test_unmasked_and_async();
	test_two_vcpus();
	test_sort();
	test_json();
	return check_done("test_trace");
}
