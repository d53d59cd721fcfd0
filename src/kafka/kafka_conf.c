/*
 * librdkafka configuration shared by the consumer and the publisher.  See
 * src/kafka/kafka_conf.h.
 */
#include <stdio.h>
#include <string.h>

#include "convtrack/log.h"
#include "kafka_conf.h"

static void ct_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac,
			    const char *buf)
{
	(void)rk;
	ct_log(level <= 3 ? CT_LOG_ERROR : level <= 5 ? CT_LOG_WARN : CT_LOG_DEBUG,
	       "kafka %s: %s", fac, buf);
}

int ct_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
		      const char *value, char *err, size_t errlen)
{
	char why[256];

	if (rd_kafka_conf_set(conf, name, value, why, sizeof(why)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka property %s: %s", name, why);
		return -1;
	}
	return 0;
}

rd_kafka_conf_t *ct_kafka_conf_new(const struct ct_config *cfg, char *err,
				   size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	size_t i;

	if (!cfg->kafka_brokers || !*cfg->kafka_brokers) {
		snprintf(err, errlen, "kafka.brokers is not set "
			 "(CONVTRACK_KAFKA_BROKERS or the config file)");
		goto out_destroy;
	}
	if (ct_kafka_conf_set(conf, "bootstrap.servers", cfg->kafka_brokers, err,
			      errlen) < 0 ||
	    ct_kafka_conf_set(conf, "client.id", "convtrack", err, errlen) < 0)
		goto out_destroy;
	for (i = 0; i < cfg->kafka_property_count; i++)
		if (ct_kafka_conf_set(conf, cfg->kafka_properties[i].name,
				      cfg->kafka_properties[i].value, err, errlen) < 0)
			goto out_destroy;
	rd_kafka_conf_set_log_cb(conf, ct_kafka_log_cb);
	return conf;
out_destroy:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

rd_kafka_t *ct_kafka_producer_new(rd_kafka_conf_t *conf, char *err,
				  size_t errlen)
{
	char codec[32];
	size_t len = sizeof(codec);
	rd_kafka_t *rk;

	/* lz4 unless kafka.properties chose a codec: dead letters of up to
	 * limits.max_record_bytes each make large batches (and librdkafka
	 * 2.0.2's mock cluster drops parts of large uncompressed ones) */
	if (rd_kafka_conf_get(conf, "compression.codec", codec, &len) !=
		    RD_KAFKA_CONF_OK ||
	    strcmp(codec, "none") == 0) {
		if (ct_kafka_conf_set(conf, "compression.codec", "lz4", err,
				      errlen) < 0) {
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	}
	if (ct_kafka_conf_set(conf, "enable.idempotence", "true", err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "linger.ms", "5", err, errlen) < 0 ||
	    ct_kafka_conf_set(conf, "message.timeout.ms", "25000", err, errlen) < 0) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
	if (!rk)
		rd_kafka_conf_destroy(conf);
	return rk;
}
