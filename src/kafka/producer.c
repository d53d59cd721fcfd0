/*
 * Producer: records to Kafka, acknowledged one by one (see
 * include/convtrack/producer.h).  The delivery report of each record sets
 * its flag in the caller's array.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "convtrack/log.h"
#include "convtrack/producer.h"
#include "kafka_conf.h"

struct ct_producer {
	rd_kafka_t *rk;
};

/* Delivery report: the opaque is the record's "acknowledged" flag. */
static void ct_producer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
			      void *opaque)
{
	bool *acked = rkm->_private;

	(void)rk;
	(void)opaque;
	if (acked)
		*acked = rkm->err == RD_KAFKA_RESP_ERR_NO_ERROR;
	if (rkm->err)
		ct_log(CT_LOG_WARN, "outbox event not delivered: %s",
		       rd_kafka_err2str(rkm->err));
}

int ct_producer_new(const struct ct_config *cfg, struct ct_producer **out,
		    char *err, size_t errlen)
{
	struct ct_producer *p = calloc(1, sizeof(*p));
	rd_kafka_conf_t *conf;

	*out = NULL;
	if (!p)
		return -1;
	conf = ct_kafka_conf_new(cfg, err, errlen);
	if (!conf) {
		free(p);
		return -1;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, ct_producer_dr_cb);
	p->rk = ct_kafka_producer_new(conf, err, errlen);
	if (!p->rk) {
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

size_t ct_producer_send(struct ct_producer *p, const char *topic,
			const struct ct_producer_msg *msgs, size_t n,
			bool *acked, int wait_ms)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		acked[i] = false;
	for (i = 0; i < n; i++) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
			p->rk, RD_KAFKA_V_TOPIC(topic),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_KEY(msgs[i].key, strlen(msgs[i].key)),
			RD_KAFKA_V_VALUE((void *)msgs[i].value, strlen(msgs[i].value)),
			RD_KAFKA_V_OPAQUE(&acked[i]), RD_KAFKA_V_END);

		if (err) {
			ct_log(CT_LOG_WARN, "producing to %s: %s", topic,
			       rd_kafka_err2str(err));
			break;
		}
	}
	/* every produced record is either acknowledged or failed after this */
	rd_kafka_flush(p->rk, wait_ms);
	for (i = 0; i < n; i++)
		k += acked[i];
	return k;
}

void ct_producer_poll(struct ct_producer *p)
{
	rd_kafka_poll(p->rk, 0);
}

void ct_producer_free(struct ct_producer *p)
{
	if (!p)
		return;
	rd_kafka_flush(p->rk, 5000);
	rd_kafka_destroy(p->rk);
	free(p);
}
