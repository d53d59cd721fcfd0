/*
 * Consumer: the worker's member of the consumer group, over the four input
 * topics and the erasure requests (profile-erasure-requested), and its
 * dead-letter producer.  It knows Kafka, not the contract's rules: the
 * pipeline (convtrack/pipeline.h) drives it.
 *
 * ct_consumer_fill() polls a batch (up to batch.max_events records,
 * CT_CONSUMER_MAX_BATCH_BYTES or batch.max_wait_ms) and parses every
 * record with ct_event_parse(); ct_consumer_dead_letter() publishes the
 * records marked dead_letter, unchanged or filtered, with the contract's
 * headers, and waits for the broker's acknowledgement; only then does
 * ct_consumer_store_offsets() store the batch's offsets
 * (enable.auto.offset.store=false; auto-commit sends them).  Before
 * partitions are revoked the revoke hook finishes the batches in hand.
 */
#ifndef CONVTRACK_CONSUMER_H
#define CONVTRACK_CONSUMER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/config.h"
#include "convtrack/event.h"

/* A batch stops growing at this many payload bytes (bounds memory). */
#define CT_CONSUMER_MAX_BATCH_BYTES (4u * 1024 * 1024)

struct ct_consumer;

/* Dead-letter delivery of a record: set by the producer's delivery report. */
enum ct_dlq_state { CT_DLQ_NONE = 0, CT_DLQ_PENDING, CT_DLQ_DONE, CT_DLQ_FAILED };

/*
 * A consumed record, copied out of librdkafka's message at once: a message
 * kept alive pins its whole decompressed fetch buffer (up to a megabyte per
 * record batch), so holding thousands of them for a batch cost tens of
 * megabytes.  One allocation: the payload, then the key, then the topic.
 */
struct ct_record {
	int32_t partition;
	int64_t offset;
	int type; /* the enum ct_event_type its topic carries, -1: none */
	size_t len, key_len;
	bool has_key, has_payload; /* NULL key or payload: a tombstone */
	const char *key;
	const char *topic;
	char payload[];
};

/*
 * Records polled together and their parsed events: items[i] belongs to
 * recs[i].  Owned by the caller; ct_batch_clear() empties it for reuse and
 * ct_batch_free() frees what it holds (the struct itself is the caller's).
 */
struct ct_batch {
	struct ct_record **recs;
	struct ct_event_item *items;
	enum ct_dlq_state *dlq_state;
	size_t n, cap;
	size_t bytes;   /* payload bytes */
};

void ct_batch_clear(struct ct_batch *b);
void ct_batch_free(struct ct_batch *b);

/*
 * Creates the consumer group member and the dead-letter producer from cfg
 * (borrowed; must outlive the consumer) and subscribes to the input
 * topics.  Returns 0 and sets *out, or -1 with a message in err.
 */
int ct_consumer_new(const struct ct_config *cfg, struct ct_consumer **out,
		    char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Called on the polling thread, inside ct_consumer_fill(), before owned
 * partitions are revoked: it must finish (or give up) the batches in hand
 * so that no offset is stored for a partition this member no longer owns.
 * Returns 0, or -1 for a fatal error (ct_consumer_fill() then fails).
 */
typedef int (*ct_consumer_revoke_fn)(void *arg);

void ct_consumer_on_revoke(struct ct_consumer *c, ct_consumer_revoke_fn fn,
			   void *arg);

/*
 * A filter of dead-letter payloads (redact.dead_letter): writes a
 * malloc'd replacement of payload to *out (*outlen bytes).  Returns 0, or
 * -1 when it cannot (the record is then not produced and the batch is
 * retried).  Records produced through it carry convtrack-redacted: true.
 */
typedef int (*ct_consumer_payload_fn)(void *arg, const void *payload,
				      size_t len, char **out, size_t *outlen);

void ct_consumer_set_payload_filter(struct ct_consumer *c,
				    ct_consumer_payload_fn fn, void *arg);

/*
 * Polls into b (empty or not) until it holds batch.max_events records or
 * CT_CONSUMER_MAX_BATCH_BYTES, batch.max_wait_ms have passed, *stop is set
 * or a fatal error occurs.  Each record is parsed into its item; invalid
 * ones are marked dead_letter with the parser's reason and logged.
 * Returns 0, or -1 after a fatal error (logged): a fatal Kafka error, no
 * memory, or a revoke hook that failed.
 */
int ct_consumer_fill(struct ct_consumer *c, struct ct_batch *b,
		     volatile sig_atomic_t *stop)
	__attribute__((warn_unused_result));

/*
 * Publishes b's records marked dead_letter that are not yet acknowledged
 * and waits for the acknowledgements.  Safe to call again after a
 * failure: what was acknowledged is not sent twice.  Returns 0 when all
 * are acknowledged, -1 when some are not (retry later).
 */
int ct_consumer_dead_letter(struct ct_consumer *c, struct ct_batch *b)
	__attribute__((warn_unused_result));

/* Stores the next offsets of b's partitions: call when b is wholly done. */
void ct_consumer_store_offsets(struct ct_consumer *c, const struct ct_batch *b);

/*
 * Refreshes the convtrack_consumer_lag gauges from cached watermarks, at
 * most every few seconds.
 */
void ct_consumer_update_lag(struct ct_consumer *c);

/* Leaves the group (committing stored offsets) and frees c.  NULL is a no-op. */
void ct_consumer_free(struct ct_consumer *c);

#endif
