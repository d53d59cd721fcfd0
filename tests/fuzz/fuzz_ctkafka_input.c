/*
 * Fuzz target: the JSON lines `ct-kafka produce` reads
 * (tools/ct-kafka/input.c, ct_kafka_recs_read()): one record a line,
 * {"topic", "key"|"key_b64", "value"|"value_b64", "headers", "partition",
 * "offset"}, parsed with yajl's streaming API, a structured "value"
 * re-serialized as it arrives, base64 decoded, headers built with
 * librdkafka's rd_kafka_headers_new().  The input is the file, read
 * through fmemopen() as the tool reads stdin; every record read is then
 * freed (ct_kafka_recs_free()), so a leak of any path is a finding.
 *
 * Input: one byte that picks the topic prefix (ct-kafka --prefix, empty or
 * not), then the lines.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ct_kafka.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_kafka_recs recs;
	FILE *in;

	if (size < 2) /* fmemopen() needs a byte */
		return 0;
	/* "r": fmemopen() does not write to the buffer */
	in = fmemopen((void *)(uintptr_t)(data + 1), size - 1, "r");
	if (!in)
		return 0;
	memset(&recs, 0, sizeof(recs));
	(void)ct_kafka_recs_read(in, "fuzz", data[0] & 1 ? "test-" : "", &recs);
	ct_kafka_recs_free(&recs);
	fclose(in);
	return 0;
}
