/*
 * Consumer: the worker's main loop over the four input topics and the
 * erasure requests (profile-erasure-requested).
 *
 * Polls a batch (up to batch.max_events records or batch.max_wait_ms),
 * parses every record, applies the batch through the applier, publishes the
 * records to dead-letter (unchanged, with the contract's headers) and waits
 * for the broker's acknowledgement, and only then stores the batch's
 * offsets (enable.auto.offset.store=false).  Transient failures of
 * PostgreSQL or Kafka are retried with capped exponential backoff and never
 * skip a record.  Before partitions are revoked the batch in hand is
 * finished and its offsets committed.
 */
#ifndef CONVTRACK_CONSUMER_H
#define CONVTRACK_CONSUMER_H

#include <signal.h>
#include <stddef.h>

#include "convtrack/config.h"
#include "convtrack/redact.h"
#include "convtrack/repo.h"

struct ct_consumer;

/*
 * Creates the consumer group member and the dead-letter producer from cfg
 * (borrowed; must outlive the consumer) and subscribes to the input
 * topics.  Returns 0 and sets *out, or -1 with a message in err.
 */
int ct_consumer_new(const struct ct_config *cfg, struct ct_consumer **out,
		    char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Sets the redactor (borrowed; must outlive c) applied to every event before
 * it is stored, and to dead-letter payloads when redact.dead_letter is on
 * (convtrack/privacy.h).  NULL, the default: nothing is redacted.
 */
void ct_consumer_set_redactor(struct ct_consumer *c, const struct ct_redact *r);

/*
 * Periodic work run between batches (summaries, publication): called at
 * least every batch.max_wait_ms while the worker runs.  Returns 0, or -1
 * for a fatal error that stops the worker.
 */
typedef int (*ct_consumer_tick_fn)(void *arg);

/*
 * Runs until *stop becomes non-zero (then finishes and commits the batches
 * in hand) or a fatal error.  The calling thread polls and parses the next
 * batch while a database thread applies the previous one over
 * repos[0..nrepos) (borrowed; at least one) at once, split by session, and
 * then calls tick (may be NULL) with arg; repos and tick are used only by
 * that thread while it runs.  Returns 0 after an orderly stop, -1 after a
 * fatal error (logged).
 */
int ct_consumer_run(struct ct_consumer *c, struct ct_repo *const *repos,
		    size_t nrepos, volatile sig_atomic_t *stop,
		    ct_consumer_tick_fn tick, void *arg)
	__attribute__((warn_unused_result));

/* Leaves the group (committing stored offsets) and frees c.  NULL is a no-op. */
void ct_consumer_free(struct ct_consumer *c);

#endif
