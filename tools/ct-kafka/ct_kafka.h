/*
 * ct-kafka's private header (tools/ct-kafka/): what its three files share.
 * main.c reads the command line and runs the subcommands against
 * librdkafka; input.c turns produce's JSON lines into records; format.c
 * writes what dump reads as JSON lines.  The record format is the same in
 * and out (see main.c).
 */
#ifndef CONVTRACK_CT_KAFKA_H
#define CONVTRACK_CT_KAFKA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>
#include <yajl/yajl_gen.h>

/* One record to produce; every pointer is owned. */
struct ct_kafka_rec {
	char *topic;
	char *key; /* NULL: no key */
	size_t key_len;
	char *value; /* NULL: tombstone */
	size_t value_len;
	int32_t partition; /* RD_KAFKA_PARTITION_UA unless given */
	rd_kafka_headers_t *hdrs; /* NULL: none */
};

/* Records read from the input, all parsed before anything is sent. */
struct ct_kafka_recs {
	struct ct_kafka_rec *v;
	size_t cnt, cap;
};

/*
 * Reads every record of in (named name for messages), prefixing each topic,
 * and appends them to recs (zeroed by the caller, freed with
 * ct_kafka_recs_free() on every path).  Blank lines are skipped.  Returns
 * 0, or -1 (reported on stderr, with the line number).
 */
int ct_kafka_recs_read(FILE *in, const char *name, const char *prefix,
		       struct ct_kafka_recs *recs)
	__attribute__((warn_unused_result));

/* Frees every record of recs and empties it. */
void ct_kafka_recs_free(struct ct_kafka_recs *recs);

/*
 * Prints rkm as one JSON line on stdout, with g (reset first) as the
 * generator.  Keys, values and header values that are not UTF-8 are
 * written base64: "key_b64", "value_b64", {"b64": "..."}.  Returns 0, or
 * -1 (reported on stderr).
 */
int ct_kafka_format_message(yajl_gen g, const rd_kafka_message_t *rkm)
	__attribute__((warn_unused_result));

#endif
