/*
 * Private to the dead-letter tool (src/kafka/dltool.c): how it reads a
 * dead-lettered record's headers and selects records.  These take the
 * headers, not the message, because librdkafka builds messages only
 * itself while anyone can build headers (rd_kafka_headers_new()): so
 * tests/fuzz/fuzz_dltool.c runs the very code that reads what arrives
 * from the topic.
 */
#ifndef CONVTRACK_DLTOOL_INT_H
#define CONVTRACK_DLTOOL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "convtrack/dltool.h"

/*
 * Fills r's reason, source_topic, source_partition, source_offset and
 * redacted from hdrs (NULL: none; the last value of a name counts, cut to
 * 255 bytes); the strings live in bufs until the next call.  Numbers that
 * are not whole decimal numbers >= 0 are -1.
 */
void ct_dltool_record_headers(const rd_kafka_headers_t *hdrs,
			      struct ct_dltool_record *r, char bufs[3][256]);

/*
 * True when the record at partition and offset with headers hdrs (may be
 * NULL) passes f (its limit aside).
 */
bool ct_dltool_match(const rd_kafka_headers_t *hdrs, int32_t partition,
		     int64_t offset, const struct ct_dltool_filter *f);

#endif
