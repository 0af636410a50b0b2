// SPDX-License-Identifier: MIT
/*
 * test_serial.c - the serial report parser (host/record/serial.c) on good input
 * and on every kind of bad input SERIAL.md makes the host refuse.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/util.h"
#include "klib.h"
#include "report_gen.h"
#include "record/serial.h"

/* Parses text, checks the outcome, returns the report for more checks. */
static enum serial_outcome parse(const char *text, struct serial_report *r)
{
	return serial_parse(text, strlen(text), r);
}

/* A body with one replacement, wrapped with a correct trailer: one
 * problem at a time. */
static enum serial_outcome parse_replaced(const char *from, const char *to,
					  struct serial_report *r)
{
	char *body = report_replace(report_good_body, from, to);
	char *text = report_wrap("", body, "");
	enum serial_outcome o = parse(text, r);

	free(body);
	free(text);
	return o;
}

static json_t *vcpu(const struct serial_report *r, unsigned phase_pos, unsigned vcpu_pos)
{
	return json_array_get(json_object_get(json_array_get(r->phases, phase_pos), "vcpus"),
			      vcpu_pos);
}

static void test_good(void)
{
	struct serial_report r;
	char *text = report_wrap("SeaBIOS noise\nirqlbench-guest v=1 boot\nsome guest text\n",
				 report_good_body, "after the report\n");
	json_t *h, *v;

	CHECK_EQ_U64(parse(text, &r), SERIAL_REPORT);
	if (r.outcome != SERIAL_REPORT)
		printf("good report refused: %s\n", r.message);
	CHECK(r.booted);
	CHECK_STR(r.workload, "nested-spinlock");
	CHECK_STR(r.verdict, "ok");
	CHECK_STR(r.reason, "");
	CHECK_EQ_U64(json_integer_value(json_object_get(r.params, "depth")), 2);
	CHECK_EQ_U64(json_integer_value(json_object_get(r.params, "warmup")), 16);
	CHECK_EQ_U64(json_object_size(r.params), 8);
	CHECK_EQ_U64(json_integer_value(json_object_get(r.guest, "tsc_hz")), 2994000000u);
	CHECK_EQ_U64(json_integer_value(json_object_get(r.guest, "ncpus")), 2);
	CHECK_STR(json_string_value(json_object_get(r.guest, "apic")), "xapic");
	CHECK_STR(json_string_value(json_object_get(r.guest, "hypervisor")), "none");
	CHECK_EQ_U64(json_integer_value(json_object_get(r.guest, "apic_timer_hz")), 1000201685);
	CHECK(json_is_true(json_object_get(json_object_get(r.guest, "options"),
					   "elide_same_level")));
	CHECK(json_is_false(json_object_get(json_object_get(r.guest, "options"), "probe")));
	CHECK_EQ_U64(json_array_size(r.phases), 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(r.phases, 1), "name")),
		  "measure");
	CHECK(json_is_true(json_object_get(json_array_get(r.phases, 1), "measured")));
	CHECK_EQ_U64(json_array_size(json_object_get(json_array_get(r.phases, 1), "vcpus")), 2);
	v = vcpu(&r, 1, 0);
	CHECK_EQ_U64(json_integer_value(json_object_get(v, "cpu")), 0);
	CHECK_EQ_U64(json_integer_value(json_object_get(json_object_get(v, "counters"),
							"cr8_writes")), 6000);
	CHECK(json_is_null(json_object_get(v, "exits")));
	h = json_object_get(json_object_get(v, "histograms"), "dpc_queue_to_run");
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "n")), 1000);
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "p50")), 20);
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "p50_lo")), 18);	/* (10, 20], min 18 */
	/* bucket (50, 100], clamped to max=99: never above the max */
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "p99")), 99);
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "p99_lo")), 51);
	CHECK_STR(json_string_value(json_object_get(h, "layout")), "1-2-5");
	CHECK_EQ_U64(json_array_size(json_object_get(h, "counts")), 4);
	CHECK_EQ_U64(json_array_size(json_object_get(h, "bounds")), 4);
	/* empty histogram and one whose median is in the overflow bucket */
	h = json_object_get(json_object_get(v, "histograms"), "irq_latency");
	CHECK(json_is_null(json_object_get(h, "p50")));
	h = json_object_get(json_object_get(vcpu(&r, 1, 1), "histograms"), "dpc_queue_to_run");
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "overflow")), 9);
	CHECK(json_is_null(json_object_get(h, "p50")));
	serial_report_free(&r);
	free(text);
}

/*
 * apic_ids= (each guest CPU's APIC ID, in the guest's CPU order) becomes
 * guest.apic_ids; a report from before it (report_good_body) has none and
 * still parses.  A CPU that came up after the count may be listed too.
 */
static void test_apic_ids(void)
{
	struct serial_report r;
	json_t *ids;

	CHECK_EQ_U64(parse_replaced("H apic_timer_hz=1000201685", "H apic_timer_hz=1000201685", &r),
		     SERIAL_REPORT);
	CHECK(json_object_get(r.guest, "apic_ids") == NULL);
	serial_report_free(&r);
	CHECK_EQ_U64(parse_replaced("H apic_timer_hz=1000201685",
				    "H apic_timer_hz=1000201685 apic_ids=3,0", &r), SERIAL_REPORT);
	ids = json_object_get(r.guest, "apic_ids");
	CHECK(json_is_array(ids) && json_array_size(ids) == 2 &&
	      json_integer_value(json_array_get(ids, 0)) == 3 &&
	      json_integer_value(json_array_get(ids, 1)) == 0);
	serial_report_free(&r);
	CHECK_EQ_U64(parse_replaced("H apic_timer_hz=1000201685",
				    "H apic_timer_hz=1000201685 apic_ids=1,0,2", &r), SERIAL_REPORT);
	CHECK_EQ_U64(json_array_size(json_object_get(r.guest, "apic_ids")), 3);
	serial_report_free(&r);
}

static void test_crlf(void)
{
	struct serial_report r;
	char *body = report_replace(report_good_body, "B bounds=10,20,50,100\n",
				    "B bounds=10,20,50,100\r\n");
	char *text = report_wrap("irqlbench-guest v=1 boot\r\n", body, "");

	CHECK_EQ_U64(parse(text, &r), SERIAL_REPORT);
	CHECK(r.booted);
	serial_report_free(&r);
	free(body);
	free(text);
}

static void test_verdict_fail(void)
{
	struct serial_report r;

	CHECK_EQ_U64(parse_replaced("R status=ok reason=\"\"",
				    "R status=fail reason=\"late deliveries: 3\"", &r),
		     SERIAL_REPORT);
	CHECK_STR(r.verdict, "fail");
	CHECK_STR(r.reason, "late deliveries: 3");
	serial_report_free(&r);
}

/* The R line's late= and unmasking= (the measured phases' late
 * deliveries and unmasking writes) become verdict findings. */
static void test_verdict_findings(void)
{
	struct serial_report r;

	CHECK_EQ_U64(parse_replaced("R status=ok reason=\"\"",
				    "R status=ok reason=\"\" late=0 unmasking=1000", &r), SERIAL_REPORT);
	CHECK(r.has_findings);
	CHECK_EQ_U64(r.late, 0);
	CHECK_EQ_U64(r.unmasking, 1000);
	serial_report_free(&r);
	CHECK_EQ_U64(parse_replaced("R status=ok reason=\"\"", "R status=ok reason=\"\"", &r),
		     SERIAL_REPORT);
	CHECK(!r.has_findings);		/* an older guest's R line */
	serial_report_free(&r);
}

static void test_truncated(void)
{
	struct serial_report r;
	char *text = report_wrap("irqlbench-guest v=1 boot\n", report_good_body, "");
	size_t full = strlen(text);
	char *end = strstr(text, "@@ end");

	/* cut before the trailer, in the middle of a line, in the trailer */
	CHECK_EQ_U64(serial_parse(text, (size_t)(end - text), &r), SERIAL_TRUNCATED);
	CHECK(strstr(r.message, "@@ end") != NULL);
	serial_report_free(&r);
	CHECK_EQ_U64(serial_parse(text, (size_t)(end - text) - 7, &r), SERIAL_TRUNCATED);
	serial_report_free(&r);
	CHECK_EQ_U64(serial_parse(text, full - 3, &r), SERIAL_TRUNCATED);
	serial_report_free(&r);
	CHECK_EQ_U64(serial_parse(text, 40, &r), SERIAL_TRUNCATED);
	serial_report_free(&r);
	free(text);
}

static void test_garbled_hash(void)
{
	struct serial_report r;
	char *text = report_wrap("", report_good_body, "");

	*strstr(text, "depth=2") = 'D';	/* one byte changed after hashing */
	CHECK_EQ_U64(parse(text, &r), SERIAL_GARBLED);
	serial_report_free(&r);
	free(text);
	text = report_wrap("", report_good_body, "");
	strstr(text, "cr8_writes=6000")[12] = '7';
	CHECK_EQ_U64(parse(text, &r), SERIAL_GARBLED);
	CHECK(strstr(r.message, "fnv1a") != NULL);
	serial_report_free(&r);
	free(text);
}

static void test_bad_trailer(void)
{
	struct serial_report r;
	char *text;

	text = report_wrap_trailer("", report_good_body, "@@ end lines=3 fnv1a=00000000\n");
	CHECK_EQ_U64(parse(text, &r), SERIAL_GARBLED);
	CHECK(strstr(r.message, "lines") != NULL);
	serial_report_free(&r);
	free(text);
	text = report_wrap_trailer("", report_good_body, "@@ end lines=14 fnv1a=xyz\n");
	CHECK_EQ_U64(parse(text, &r), SERIAL_GARBLED);
	serial_report_free(&r);
	free(text);
	text = report_wrap_trailer("", report_good_body, "@@ end\n");
	CHECK_EQ_U64(parse(text, &r), SERIAL_GARBLED);
	serial_report_free(&r);
	free(text);
}

static void test_oversized_line(void)
{
	struct serial_report r;
	char big[1200];

	memset(big, 'a', 1100);
	memcpy(big, "H note=", 7);
	big[1100] = '\n';
	big[1101] = 0;
	CHECK_EQ_U64(parse_replaced("F idx=0", strcat(big, "F idx=0"), &r), SERIAL_GARBLED);
	CHECK(strstr(r.message, "1023") != NULL);
	CHECK_EQ_U64(r.line, 7);
	serial_report_free(&r);
}

/* Each of these breaks one rule inside an otherwise good block. */
static const struct {
	const char *from, *to, *why;
} bad_bodies[] = {
	{ "F idx=0", "X foo=1\nF idx=0", "unknown line kind" },
	{ "H apic_timer_hz=1000201685", "H apic_timer_hz=1000201685 apic_ids=2,2", "two CPUs, one APIC ID" },
	{ "H apic_timer_hz=1000201685", "H apic_timer_hz=1000201685 apic_ids=0,256", "no xAPIC ID" },
	{ "H apic_timer_hz=1000201685", "H apic_timer_hz=1000201685 apic_ids=0", "fewer APIC IDs than ncpus" },
	{ "H apic_timer_hz=1000201685", "H apic_timer_hz=1000201685 apic_ids=0,x", "a non-numeric APIC ID" },
	{ "H apic_timer_hz=1000201685", "H apic_timer_hz=1000201685 apic_ids=0,1\nH apic_ids=0,1", "apic_ids twice" },
	{ "F idx=0", "Hworkload=x\nF idx=0", "unknown line kind" },
	{ "F idx=0", "@@ irqlbench report v1\nF idx=0", "unknown line kind" },
	{ "cr8_writes=4", "cr8_writes=4x", "non-numeric counter" },
	{ "cr8_writes=4", "cr8_writes=-4", "negative counter" },
	{ "cr8_writes=4", "cr8_writes=", "empty value" },
	{ "cr8_writes=4", "cr8_writes=18446744073709551616", "64-bit overflow" },
	{ "cr8_writes=4", "cr8_writes=9223372036854775808", "beyond a JSON integer" },
	{ "cr8_writes=4", "cr8_wrotes=4", "unknown counter" },
	{ "cr8_writes=4", "cr8_writes=4 cr8_writes=5", "duplicate key" },
	{ "cr8_writes=4", "cr8_writes=\"4\"", "quoted value where none belongs" },
	{ "counts=0,600,300,100", "counts=0,600,400", "3 counts for 4 buckets" },
	{ "counts=0,600,300,100", "counts=0,600,300,100,0", "5 counts for 4 buckets" },
	{ "counts=0,600,300,100", "counts=0,600,300,101", "counts do not add up to n" },
	{ "counts=0,600,300,100", "counts=0,600,,400", "empty bucket count" },
	{ "name=dpc_queue_to_run n=1000", "name=dpc_queue_2_run n=1000", "unknown histogram" },
	{ "min=18", "min=180", "min > max" },
	{ "F idx=1 name=measure", "F idx=0 name=measure", "duplicate phase" },
	{ "F idx=1 name=measure measured=1", "F idx=1 name=measure measured=2", "measured not 0/1" },
	{ "F idx=1 name=measure measured=1", "F idx=1 name=measure", "F without measured" },
	{ "C phase=1 cpu=1", "C phase=1 cpu=0", "duplicate counters line" },
	{ "C phase=1 cpu=1", "C phase=7 cpu=1", "undeclared phase" },
	{ "C phase=1 cpu=1", "C phase=1 cpu=2", "cpu beyond ncpus" },
	{ "C phase=1 cpu=1", "C cpu=1", "C without phase" },
	{ "G phase=1 cpu=1 name=dpc_queue_to_run", "G phase=1 cpu=0 name=dpc_queue_to_run",
	  "duplicate histogram" },
	{ "B bounds=10,20,50,100\n", "", "G without B" },
	{ "B bounds=10,20,50,100", "B bounds=10,20,20,100", "bounds not increasing" },
	{ "B bounds=10,20,50,100", "B bounds=10,20,50,100\nB bounds=10,20,50,100", "second B" },
	{ "R status=ok reason=\"\"\n", "", "no verdict" },
	{ "R status=ok", "R status=maybe", "unknown verdict" },
	{ "R status=ok reason=\"\"", "R status=ok reason=\"\"\nR status=ok reason=\"\"", "two R" },
	{ "R status=ok reason=\"\"", "R status=ok reason=\"open", "unterminated quote" },
	{ "R status=ok reason=\"\"", "R status=ok reason=\"\" late=1 unmasking=1000",
	  "R late= is not the measured counters'" },
	{ "R status=ok reason=\"\"", "R status=ok reason=\"\" late=0 unmasking=999",
	  "R unmasking= is not the measured counters'" },
	{ "R status=ok reason=\"\"", "R status=ok reason=\"\" late=0", "R late= without unmasking=" },
	{ "R status=ok reason=\"\"", "R status=ok reason=\"\" late=5 unmasking=2", "R late above unmasking" },
	{ "H workload=nested-spinlock ", "H ", "no workload" },
	{ "H ncpus=2", "H ncpus=2 tsc_hz=5", "fact given twice" },
	{ "hypervisor=none", "hypervisor=n\xc3\xa9", "non-ASCII byte" },
	{ "hypervisor=none", "hypervisor=no\tne", "control character" },
	{ "A depth=2", "A depth=2 depth=2", "duplicate parameter" },
	{ "A probe_threshold=0", "A probe_threshold=0 depth=3", "parameter on two A lines" },
	{ "A depth=2", "A depth=two", "non-numeric parameter" },
	{ "A depth=2", "A depth", "key without value" },
	{ "F idx=0 name=setup measured=0\n", "", NULL },	/* fine: phase 0 has counters -> */
};

static void test_bad_bodies(void)
{
	for (unsigned i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
		struct serial_report r;
		enum serial_outcome o = parse_replaced(bad_bodies[i].from, bad_bodies[i].to, &r);

		check_case("bad body %u (%s)", i, bad_bodies[i].why ? bad_bodies[i].why : "undeclared phase 0");
		if (o != SERIAL_GARBLED)
			printf("bad body %u (%s): outcome %s, message '%s'\n", i,
			       bad_bodies[i].why ? bad_bodies[i].why : "undeclared phase 0",
			       serial_outcome_name(o), r.message);
		CHECK_EQ_U64(o, SERIAL_GARBLED);
		CHECK(r.line > 0);
		CHECK(strstr(r.message, "serial line") != NULL);
		CHECK(r.phases == NULL && r.params == NULL && r.guest == NULL);
		serial_report_free(&r);
	}
	check_case(NULL);
}

static void test_exception(void)
{
	struct serial_report r;
	const char *log = "irqlbench-guest v=1 boot\n"
			  "!! exception vector=14 name=#PF rip=0xffffffff80001234 err=0x2 cr2=0xdead000 cpu=1\n";
	char *text, *half;

	CHECK_EQ_U64(parse(log, &r), SERIAL_EXCEPTION);
	CHECK_EQ_U64(r.exc.vector, 14);
	CHECK_EQ_U64(r.exc.rip, 0xffffffff80001234ull);
	CHECK_EQ_U64(r.exc.cr2, 0xdead000);
	CHECK_EQ_U64(r.exc.cpu, 1);
	CHECK_STR(r.exc.name, "#PF");
	CHECK(strstr(r.message, "vector 14") && strstr(r.message, "rip=0xffffffff80001234"));
	CHECK_EQ_U64(r.line, 2);
	serial_report_free(&r);

	/* an exception in the middle of the report wins over the truncation */
	text = report_wrap("", report_good_body, "");
	half = report_replace(text, "G phase=1 cpu=0",
			      "!! exception vector=13 name=#GP rip=0x1000 err=0x0 cr2=0x0 cpu=0\nG");
	half[strstr(half, "@@ end") - half] = 0;
	CHECK_EQ_U64(parse(half, &r), SERIAL_EXCEPTION);
	CHECK_EQ_U64(r.exc.vector, 13);
	serial_report_free(&r);
	free(half);

	/* and over a complete report printed before it */
	half = report_replace(text, "@@ end", "!! exception vector=6 name=#UD rip=0x2000 cpu=0\n@@ end");
	CHECK_EQ_U64(parse(half, &r), SERIAL_EXCEPTION);
	CHECK(r.phases == NULL);
	serial_report_free(&r);
	free(half);
	free(text);

	/* "!! exceptional" is not an exception line */
	CHECK_EQ_U64(parse("!! exceptional\n", &r), SERIAL_NONE);
	serial_report_free(&r);
}

static void test_error(void)
{
	struct serial_report r;

	CHECK_EQ_U64(parse("irqlbench-guest v=1 boot\n"
			   "!! error code=badparam msg=\"unknown parameter 'x' for workload 'y'\"\n", &r),
		     SERIAL_ERROR);
	CHECK_STR(r.error_code, "badparam");
	CHECK_STR(r.error_msg, "unknown parameter 'x' for workload 'y'");
	serial_report_free(&r);
	/* a malformed error line still counts, with what could be read */
	CHECK_EQ_U64(parse("!! error code=internal msg=\"no end\n", &r), SERIAL_ERROR);
	CHECK_STR(r.error_code, "internal");
	serial_report_free(&r);
}

static void test_no_report(void)
{
	struct serial_report r;
	size_t full;
	char *text;

	CHECK_EQ_U64(parse("", &r), SERIAL_NONE);
	CHECK(!r.booted);
	serial_report_free(&r);
	CHECK_EQ_U64(parse("irqlbench-guest v=1 boot\nhello\n", &r), SERIAL_NONE);
	CHECK(r.booted);
	CHECK(strstr(r.message, "no report") != NULL);
	serial_report_free(&r);
	CHECK_EQ_U64(parse("@@ end lines=0 fnv1a=811c9dc5\n", &r), SERIAL_GARBLED);
	serial_report_free(&r);
	/* two complete reports */
	text = report_wrap("", report_good_body, "@@ irqlbench report v1\n@@ end lines=0 fnv1a=811c9dc5\n");
	CHECK_EQ_U64(parse(text, &r), SERIAL_GARBLED);
	CHECK(strstr(r.message, "second report") != NULL);
	serial_report_free(&r);
	free(text);
	/* a NUL byte inside the block */
	text = report_wrap("", report_good_body, "");
	full = strlen(text);
	*strstr(text, "F idx=0") = 0;
	CHECK_EQ_U64(serial_parse(text, full, &r), SERIAL_GARBLED);
	CHECK(strstr(r.message, "0x00") != NULL);
	serial_report_free(&r);
	free(text);
}

/*
 * The parser's texts are whole however long (allocated), and a text the
 * guest had to cut ends with KMSG_CUT, which serial_text_cut() tells.
 */
static void test_whole_and_cut_texts(void)
{
	struct serial_report r;
	char *msg = malloc(3001), *line;

	memset(msg, 'm', 3000);
	msg[3000] = 0;
	for (unsigned i = 50; i < 3000; i += 50)
		msg[i] = ' ';
	line = malloc(4096);
	snprintf(line, 4096, "irqlbench-guest v=1 boot\n!! error code=internal msg=\"%s\"\n", msg);
	CHECK_EQ_U64(parse(line, &r), SERIAL_ERROR);
	CHECK_EQ_U64(strlen(r.error_msg), 3000);
	CHECK_STR(r.error_msg, msg);
	CHECK(strstr(r.message, msg) != NULL);
	CHECK(!serial_text_cut(r.error_msg));
	serial_report_free(&r);
	CHECK(r.message == NULL && r.error_msg == NULL && r.reason == NULL);
	serial_report_free(&r);			/* twice is harmless */

	CHECK_EQ_U64(parse("!! error code=badparam msg=\"script /a/b: line 2: unknown keyword [cut]\"\n", &r),
		     SERIAL_ERROR);
	CHECK(serial_text_cut(r.error_msg));
	serial_report_free(&r);
	CHECK(!serial_text_cut("a whole message"));
	CHECK(!serial_text_cut(""));
	CHECK(!serial_text_cut(NULL));
	CHECK(serial_text_cut(KMSG_CUT));

	/* absent texts are "" (never NULL) */
	CHECK_EQ_U64(parse("irqlbench-guest v=1 boot\n", &r), SERIAL_NONE);
	CHECK_STR(r.error_msg, "");
	CHECK_STR(r.reason, "");
	serial_report_free(&r);
	free(line);
	free(msg);
}

/*
 * A repeat=3 boot's log: job 1 ok, job 2 fail, then job 3 faults before
 * its report.  Each job's part is its own; job 4 of a boot of 5 has none.
 */
static void test_jobs(void)
{
	struct serial_report r;
	char *fail = report_replace(report_good_body, "R status=ok reason=\"\"",
				    "R status=fail reason=\"late deliveries: 3\"");
	char *one = report_wrap("noise\nirqlbench-guest v=1 boot\n", report_good_body, "");
	char *two = report_wrap("", fail, "");
	char *text = xasprintf("%s%s!! exception vector=6 name=#UD rip=0x1000 err=0x0 cr2=0x0 cpu=0\n",
			       one, two);
	size_t n = strlen(text);

	CHECK_EQ_U64(serial_parse_job(text, n, 0, 3, &r), SERIAL_REPORT);
	CHECK(r.booted);
	CHECK_STR(r.verdict, "ok");
	serial_report_free(&r);
	CHECK_EQ_U64(serial_parse_job(text, n, 1, 3, &r), SERIAL_REPORT);
	CHECK(r.booted);	/* the boot line is put before a later job's part */
	CHECK_STR(r.verdict, "fail");
	CHECK_STR(r.reason, "late deliveries: 3");
	serial_report_free(&r);
	/* the exception after job 2's report is job 3's, the last */
	CHECK_EQ_U64(serial_parse_job(text, n, 2, 3, &r), SERIAL_EXCEPTION);
	CHECK_EQ_U64(r.exc.vector, 6);
	serial_report_free(&r);
	/* ... and not job 2's when job 2 is the last */
	CHECK_EQ_U64(serial_parse_job(text, n, 1, 2, &r), SERIAL_EXCEPTION);
	serial_report_free(&r);
	/* a job the boot never reached */
	CHECK_EQ_U64(serial_parse_job(text, n, 3, 5, &r), SERIAL_NONE);
	CHECK(r.booted);
	serial_report_free(&r);
	/* one job: the whole log, where two reports are garbled */
	CHECK_EQ_U64(serial_parse_job(text, n, 0, 1, &r), SERIAL_EXCEPTION);
	serial_report_free(&r);
	CHECK_EQ_U64(serial_parse_job(one, strlen(one), 0, 1, &r), SERIAL_REPORT);
	serial_report_free(&r);
	free(fail);
	free(one);
	free(two);
	free(text);
}

/*
 * Protocol v2: the B line names the log-linear layout, G lines give the
 * non-empty buckets as index:count and may go on over more G lines.
 */
static const char v2_body[] =
	"H workload=nested-spinlock tsc_hz=2994000000 tsc_source=cpuid apic=xapic timer=lapic\n"
	"H ncpus=2 vendor=AuthenticAMD hypervisor=none clock_raises_irql=0 elide_same_level=1 probe=0\n"
	"A depth=2 iterations=1000\n"
	"F idx=0 name=setup measured=0\n"
	"F idx=1 name=measure measured=1\n"
	"B layout=log-linear sub=16 buckets=480\n"
	"C phase=1 cpu=0 cr8_writes=6000 iterations=1000\n"
	"G phase=1 cpu=0 name=dpc_queue_to_run n=1000 sum=51234 min=18 max=99 overflow=0 counts=18:600,40:300\n"
	"G phase=1 cpu=0 name=dpc_queue_to_run counts=50:100\n"
	"G phase=1 cpu=0 name=irq_latency n=0 sum=0 min=0 max=0 overflow=0\n"
	"G phase=1 cpu=1 name=dpc_queue_to_run n=10 sum=5000 min=5 max=9000000000 overflow=9 counts=5:1\n"
	"R status=ok reason=\"\"\n";

static enum serial_outcome parse_v2(const char *from, const char *to, struct serial_report *r)
{
	char *body = report_replace(v2_body, from, to);
	char *text1 = report_wrap("", body, "");
	char *text = report_replace(text1, "@@ irqlbench report v1\n", "@@ irqlbench report v2\n");
	enum serial_outcome o = parse(text, r);

	free(body);
	free(text1);
	free(text);
	return o;
}

static const struct {
	const char *from, *to, *why;
} bad_v2[] = {
	{ "counts=50:100", "counts=50:101", "counts do not add up to n" },
	{ "counts=18:600,40:300", "counts=40:300,18:600", "buckets out of order" },
	{ "counts=50:100", "counts=40:100", "a continuation goes back" },
	{ "counts=50:100", "counts=480:100", "bucket beyond the layout" },
	{ "counts=18:600,40:300", "counts=18:600,40:300,", "trailing comma" },
	{ "counts=18:600,40:300", "counts=18:600,40=300", "item without a colon" },
	{ "counts=18:600,40:300", "counts=18:600,x:300", "index not a number" },
	{ "G phase=1 cpu=0 name=dpc_queue_to_run counts=50:100",
	  "G phase=1 cpu=1 name=dpc_queue_to_run counts=50:100", "continuation of another vCPU" },
	{ "G phase=1 cpu=0 name=dpc_queue_to_run counts=50:100",
	  "C phase=0 cpu=0 cr8_writes=1\nG phase=1 cpu=0 name=dpc_queue_to_run counts=50:100",
	  "continuation after another line" },
	{ "G phase=1 cpu=0 name=dpc_queue_to_run counts=50:100",
	  "G phase=1 cpu=0 name=dpc_queue_to_run counts=50:100 min=1", "continuation with min=" },
	{ "sub=16", "sub=8", "another sub-bucket count" },
	{ "counts=50:100", "counts=", "empty counts" },
	{ "overflow=9 counts=5:1", "overflow=9", "a sample neither in the buckets nor the overflow" },
	{ "buckets=480", "buckets=481", "buckets not a multiple of sub" },
	{ "buckets=480", "buckets=4800", "more buckets than the parser holds" },
	{ "layout=log-linear", "layout=1-2-5", "unknown layout" },
	{ "B layout=log-linear sub=16 buckets=480", "B bounds=10,20,50,100", "v1 bounds in v2" },
};

static void test_v2(void)
{
	struct serial_report r;
	json_t *h;

	CHECK_EQ_U64(parse_v2("", "", &r), SERIAL_REPORT);
	if (r.outcome != SERIAL_REPORT)
		printf("v2 report refused: %s\n", r.message);
	h = json_object_get(json_object_get(vcpu(&r, 1, 0), "histograms"), "dpc_queue_to_run");
	CHECK_STR(json_string_value(json_object_get(h, "layout")), "log-linear");
	CHECK_EQ_U64(json_array_size(json_object_get(h, "bounds")), 480);
	CHECK_EQ_U64(json_integer_value(json_array_get(json_object_get(h, "bounds"), 40)), 49);
	CHECK_EQ_U64(json_integer_value(json_array_get(json_object_get(h, "bounds"), 479)),
		     8589934591ull);
	CHECK_EQ_U64(json_integer_value(json_array_get(json_object_get(h, "counts"), 50)), 100);
	CHECK_EQ_U64(json_integer_value(json_array_get(json_object_get(h, "counts"), 49)), 0);
	/* p50 in bucket 18 ([18, 18]), p99 in bucket 50 ([72, 75]) */
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "p50")), 18);
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "p50_lo")), 18);
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "p99")), 75);
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "p99_lo")), 72);
	h = json_object_get(json_object_get(vcpu(&r, 1, 0), "histograms"), "irq_latency");
	CHECK(h && json_is_null(json_object_get(h, "p50")));
	h = json_object_get(json_object_get(vcpu(&r, 1, 1), "histograms"), "dpc_queue_to_run");
	CHECK_EQ_U64(json_integer_value(json_object_get(h, "overflow")), 9);
	CHECK(json_is_null(json_object_get(h, "p50")));
	serial_report_free(&r);
	for (unsigned i = 0; i < sizeof(bad_v2) / sizeof(bad_v2[0]); i++) {
		check_case("bad v2 body %u (%s)", i, bad_v2[i].why);
		CHECK_EQ_U64(parse_v2(bad_v2[i].from, bad_v2[i].to, &r), SERIAL_GARBLED);
		serial_report_free(&r);
	}
	check_case(NULL);
}

int main(void)
{
	test_good();
	test_v2();
	test_apic_ids();
	test_crlf();
	test_verdict_fail();
	test_verdict_findings();
	test_jobs();
	test_truncated();
	test_garbled_hash();
	test_bad_trailer();
	test_oversized_line();
	test_bad_bodies();
	test_exception();
	test_error();
	test_no_report();
	test_whole_and_cut_texts();
	return check_done("test_serial");
}
