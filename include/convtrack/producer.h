/*
 * Producer: sends records to Kafka and says which ones the broker
 * acknowledged.  An idempotent producer (kafka_conf.c) with the
 * worker's Kafka settings; the outbox publisher (convtrack/publisher.h)
 * marks rows sent only once they are acknowledged.
 */
#ifndef CONVTRACK_PRODUCER_H
#define CONVTRACK_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>

#include "convtrack/config.h"

struct ct_producer;

/* One record to send: key and value are NUL-terminated strings. */
struct ct_producer_msg {
	const char *key;
	const char *value;
};

/* Creates the producer from cfg (borrowed).  Returns 0, or -1 with err. */
int ct_producer_new(const struct ct_config *cfg, struct ct_producer **out,
		    char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Produces msgs[0..n) to topic, in order, and waits (up to wait_ms) until
 * each is acknowledged or has failed; acked[i] says which.  A record that
 * cannot even be queued stops the sending (logged): it and the rest stay
 * unacknowledged.  Returns how many were acknowledged.
 */
size_t ct_producer_send(struct ct_producer *p, const char *topic,
			const struct ct_producer_msg *msgs, size_t n,
			bool *acked, int wait_ms);

/* Serves delivery reports that are due, without waiting. */
void ct_producer_poll(struct ct_producer *p);

/* Flushes (up to 5 s) and frees p.  Does nothing when p is NULL. */
void ct_producer_free(struct ct_producer *p);

#endif
