// SPDX-License-Identifier: MIT
/*
 * fuzz_serial.c - libFuzzer harness for the serial report parser
 * (host/record/serial.c) and the record built from it.  `make fuzz`.
 *
 * Beyond "no crash, no leak, no UB": a report the parser accepts must make
 * a record that jansson can write and read back unchanged, and a refused
 * one must leave no objects behind.
 *
 * Random bytes almost never carry a matching FNV-1a trailer, which would
 * keep the fuzzer out of everything behind the hash check.  So inputs whose
 * first byte is odd get their trailer recomputed before parsing: the checks
 * of the lines themselves are fuzzed too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/record.h"
#include "record/serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char begin[] = "@@ irqlbench report v";	/* v1 or v2, then '\n' */

/* A copy of the input with its report trailer made to match the body. */
static char *fix_trailer(const char *in, size_t len, size_t *outlen)
{
	char *out = malloc(len + 64), *b, *e, *after;
	size_t n;
	unsigned lines = 0;

	memcpy(out, in, len);
	*outlen = len;
	b = memmem(out, len, begin, sizeof(begin) - 1);
	if (!b)
		return out;
	b = memchr(b, '\n', len - (size_t)(b - out));
	if (!b)
		return out;
	b++;
	e = memmem(b, len - (size_t)(b - out), "@@ end", 6);
	if (!e || (e != b && e[-1] != '\n'))
		return out;
	after = memchr(e, '\n', len - (size_t)(e - out));
	after = after ? after + 1 : out + len;
	for (char *c = b; c < e; c++)
		lines += *c == '\n';
	{
		char trailer[64], *rest;
		size_t restlen = len - (size_t)(after - out);

		n = (size_t)snprintf(trailer, sizeof(trailer), "@@ end lines=%u fnv1a=%08x\n", lines,
				     serial_block_hash(b, (size_t)(e - b)));
		rest = malloc(restlen + 1);
		memcpy(rest, after, restlen);
		memcpy(e, trailer, n);
		memcpy(e + n, rest, restlen);
		*outlen = (size_t)(e - out) + n + restlen;
		free(rest);
	}
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serial_report r;
	json_t *rec, *back;
	char *text, *input;
	size_t len;
	enum serial_outcome o;

	if (size && (data[0] & 1)) {
		input = fix_trailer((const char *)data + 1, size - 1, &len);
	} else {
		input = malloc(size + 1);
		memcpy(input, data, size);
		len = size;
	}
	o = serial_parse(input, len, &r);
	free(input);
	if (o != SERIAL_REPORT) {
		if (r.phases || r.params || r.guest)
			abort();
		/* the failure message quotes guest bytes: it must still make a record */
		rec = record_new("fuzz", "tcg", "fuzz");
		record_fail(rec, "garbled", r.message);
		if (!json_is_string(json_object_get(json_object_get(rec, "error"), "message")))
			abort();
		json_decref(rec);
		serial_report_free(&r);
		return 0;
	}
	rec = record_new("fuzz", "tcg", r.workload);
	if (record_apply_report(rec, &r))
		abort();
	text = json_dumps(rec, JSON_PRESERVE_ORDER);
	if (!text)
		abort();
	back = json_loads(text, 0, NULL);
	if (!back || !json_equal(rec, back))
		abort();
	json_decref(back);
	free(text);
	json_decref(rec);
	serial_report_free(&r);
	return 0;
}
