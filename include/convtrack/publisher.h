/*
 * Publisher: sends the outbox's summary_generated events to Kafka, and
 * the profile_erased events of erasures (erasure_outbox, keyed by the
 * erased profile id) the same way.
 *
 * Rows are written to summary_outbox in the same transaction as their
 * summary; the publisher claims unsent rows (oldest first, one version of a
 * session at a time, skipping rows another worker holds), produces them with
 * an idempotent producer keyed by session_id, waits for the broker's
 * acknowledgement and only then marks them sent.  A crash or a broker outage
 * leaves rows unsent, to be sent again later with the same event_id
 * (at-least-once, contract section 6).
 */
#ifndef CONVTRACK_PUBLISHER_H
#define CONVTRACK_PUBLISHER_H

#include <stddef.h>

#include "convtrack/config.h"
#include "convtrack/repo.h"

struct ct_publisher;

/* Creates the producer from cfg (borrowed).  Returns 0 or -1 with err. */
int ct_publisher_new(const struct ct_config *cfg, struct ct_publisher **out,
		     char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Sends at most limit unsent rows of each outbox (summaries, then
 * erasures) and marks the acknowledged ones sent.  *sent gets their number.  A broker that does not acknowledge within the
 * wait leaves rows unsent (not an error).  Returns the repository's status.
 */
enum ct_repo_status ct_publisher_tick(struct ct_publisher *pub,
				      struct ct_repo *repo, int limit, int *sent)
	__attribute__((warn_unused_result));

/* Flushes and frees pub.  Does nothing when pub is NULL. */
void ct_publisher_free(struct ct_publisher *pub);

#endif
