/*
 * librdkafka configuration shared by the consumer and the publisher:
 * bootstrap servers, the kafka.properties pass-through (TLS, SASL) and
 * logging through convtrack's log.  Private to those two modules.
 */
#ifndef CONVTRACK_KAFKA_CONF_H
#define CONVTRACK_KAFKA_CONF_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "convtrack/config.h"

/* Sets one property; err names it on failure.  Returns 0 or -1. */
int ct_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
		      const char *value, char *err, size_t errlen);

/*
 * A new configuration with the settings every convtrack client shares, or
 * NULL with a message in err (e.g. kafka.brokers unset).
 */
rd_kafka_conf_t *ct_kafka_conf_new(const struct ct_config *cfg, char *err,
				   size_t errlen);

/*
 * A new idempotent producer (acks=all), taking ownership of conf; batches
 * are lz4-compressed unless kafka.properties sets compression.codec.
 */
rd_kafka_t *ct_kafka_producer_new(rd_kafka_conf_t *conf, char *err,
				  size_t errlen);

#endif
