/*
 * Fuzz target: what `convtrack dead-letter list|replay` reads from a
 * dead-lettered record (src/kafka/dltool.c): its headers
 * (convtrack-error, convtrack-source-topic, convtrack-source-partition,
 * convtrack-source-offset, convtrack-redacted; schemas/dead_letter.md)
 * and the selection by reason prefix, partition and offset.  Anything
 * that can write to the dead-letter topic writes these headers, so they
 * are outside input.  The selection arguments themselves are the
 * operator's command line (src/cli.c), not fuzzed here.
 *
 * librdkafka builds messages only itself, so the target builds the
 * headers (rd_kafka_headers_new(), rd_kafka_header_add()) and calls the
 * two functions dltool.c reads every message with
 * (src/kafka/dltool_int.h).
 *
 * Input: one byte of flags (bit 0: filter by the reason prefix on the
 * first line; bit 1: by partition 1; bit 2: by offset 7; bits 3-4: the
 * record's partition; bit 5: its offset is 7), then one header a line,
 * "name=value" ("name" alone: a header without a value).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "convtrack/dltool.h"
#include "dltool_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_dltool: %s\n", what);
	abort();
}

/* A header string must be NUL-terminated within its 256-byte buffer. */
static void fuzz_check_string(const char *s, const char bufs[3][256])
{
	if (!s)
		return;
	if ((uintptr_t)s < (uintptr_t)bufs ||
	    (uintptr_t)s >= (uintptr_t)bufs + sizeof(char[3][256]) ||
	    strnlen(s, 256) >= 256)
		fuzz_fail("header string outside its buffer or unterminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p, *end;
	struct ct_dltool_filter f = { NULL, -1, -1, 0 };
	struct ct_dltool_record r;
	rd_kafka_headers_t *hdrs;
	char bufs[3][256], prefix[300];
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	p = (const char *)data + 1;
	end = (const char *)data + size;
	if (flags & 1) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n >= sizeof(prefix))
			n = sizeof(prefix) - 1;
		memcpy(prefix, p, n);
		prefix[n] = '\0';
		f.reason_prefix = prefix;
		p = nl ? nl + 1 : end;
	}
	if (flags & 2)
		f.partition = 1;
	if (flags & 4)
		f.offset = 7;
	hdrs = rd_kafka_headers_new(8);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		char name[128];
		size_t nlen = (size_t)((eq ? eq : eol) - p);

		if (nlen >= sizeof(name))
			nlen = sizeof(name) - 1;
		memcpy(name, p, nlen);
		name[nlen] = '\0';
		if (eq)
			rd_kafka_header_add(hdrs, name, -1, eq + 1,
					    (ssize_t)(eol - eq - 1));
		else
			rd_kafka_header_add(hdrs, name, -1, NULL, 0);
		p = nl ? nl + 1 : end;
	}
	memset(&r, 0, sizeof(r));
	ct_dltool_record_headers(hdrs, &r, bufs);
	fuzz_check_string(r.reason, bufs);
	fuzz_check_string(r.source_topic, bufs);
	if (r.source_partition < -1 || r.source_offset < -1)
		fuzz_fail("a source position below -1");
	(void)ct_dltool_match(hdrs, (flags >> 3) & 3, flags & 32 ? 7 : 0, &f);
	/* a message without headers reads as one with none */
	ct_dltool_record_headers(NULL, &r, bufs);
	if (r.reason || r.source_topic || r.redacted)
		fuzz_fail("headers read from no headers");
	(void)ct_dltool_match(NULL, 1, 7, &f);
	rd_kafka_headers_destroy(hdrs);
	return 0;
}
