/*
 * Publisher: outbox rows to the summary-generated and profile-erased
 * topics.  See include/convtrack/publisher.h.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/publisher.h"
#include "kafka_conf.h"

/* How long one tick waits for acknowledgements. */
#define CT_PUBLISHER_FLUSH_MS 30000

struct ct_publisher {
	const struct ct_config *cfg;
	rd_kafka_t *rk;
};

/* Delivery report: the opaque is the row's "acknowledged" flag. */
static void ct_publisher_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
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

int ct_publisher_new(const struct ct_config *cfg, struct ct_publisher **out,
		     char *err, size_t errlen)
{
	struct ct_publisher *pub = calloc(1, sizeof(*pub));
	rd_kafka_conf_t *conf;

	*out = NULL;
	if (!pub)
		return -1;
	pub->cfg = cfg;
	conf = ct_kafka_conf_new(cfg, err, errlen);
	if (!conf) {
		free(pub);
		return -1;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, ct_publisher_dr_cb);
	pub->rk = ct_kafka_producer_new(conf, err, errlen);
	if (!pub->rk) {
		free(pub);
		return -1;
	}
	*out = pub;
	return 0;
}

/* One outbox: its rows, the topic they go to and what counts them. */
struct ct_publisher_outbox {
	enum ct_repo_status (*claim)(struct ct_repo *repo, int limit,
				     struct ct_repo_outbox_row **rows, size_t *n);
	enum ct_repo_status (*done)(struct ct_repo *repo, const long long *ids,
				    size_t n);
	const char *topic;
	const char *metric; /* counter of acknowledged rows */
};

/*
 * Sends at most limit unsent rows of one outbox, keyed by the row's key
 * (session_id), and marks the acknowledged ones sent.
 */
static enum ct_repo_status ct_publisher_drain(struct ct_publisher *pub,
					      struct ct_repo *repo,
					      const struct ct_publisher_outbox *box,
					      int limit, int *sent)
{
	struct ct_repo_outbox_row *rows;
	enum ct_repo_status st;
	long long *ids;
	bool *acked;
	size_t n, i, k = 0;

	*sent = 0;
	st = box->claim(repo, limit, &rows, &n);
	if (st != CT_REPO_OK)
		return st;
	if (n == 0) {
		ct_repo_outbox_free(rows, n);
		return box->done(repo, NULL, 0);
	}
	acked = calloc(n, sizeof(*acked));
	ids = calloc(n, sizeof(*ids));
	for (i = 0; acked && ids && i < n; i++) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
			pub->rk, RD_KAFKA_V_TOPIC(box->topic),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_KEY(rows[i].session_id, strlen(rows[i].session_id)),
			RD_KAFKA_V_VALUE(rows[i].payload, strlen(rows[i].payload)),
			RD_KAFKA_V_OPAQUE(&acked[i]), RD_KAFKA_V_END);

		if (err) {
			ct_log(CT_LOG_WARN, "producing to %s: %s", box->topic,
			       rd_kafka_err2str(err));
			break;
		}
	}
	/* every produced row is either acknowledged or failed after this */
	rd_kafka_flush(pub->rk, CT_PUBLISHER_FLUSH_MS);
	for (i = 0; acked && ids && i < n; i++)
		if (acked[i])
			ids[k++] = rows[i].id;
	st = box->done(repo, ids, k);
	if (st == CT_REPO_OK) {
		*sent = (int)k;
		ct_metrics_inc(box->metric, NULL, (double)k);
	}
	free(acked);
	free(ids);
	ct_repo_outbox_free(rows, n);
	return st;
}

enum ct_repo_status ct_publisher_tick(struct ct_publisher *pub,
				      struct ct_repo *repo, int limit, int *sent)
{
	const struct ct_publisher_outbox boxes[] = {
		{ ct_repo_outbox_claim, ct_repo_outbox_done,
		  pub->cfg->topic_summary_generated,
		  "convtrack_summaries_published_total" },
		{ ct_repo_erasure_outbox_claim, ct_repo_erasure_outbox_done,
		  pub->cfg->topic_profile_erased,
		  "convtrack_erasures_published_total" },
	};
	enum ct_repo_status st = CT_REPO_OK;
	size_t b;
	int k;

	*sent = 0;
	rd_kafka_poll(pub->rk, 0);
	for (b = 0; b < sizeof(boxes) / sizeof(boxes[0]) && st == CT_REPO_OK; b++) {
		st = ct_publisher_drain(pub, repo, &boxes[b], limit, &k);
		*sent += k;
	}
	return st;
}

void ct_publisher_free(struct ct_publisher *pub)
{
	if (!pub)
		return;
	rd_kafka_flush(pub->rk, 5000);
	rd_kafka_destroy(pub->rk);
	free(pub);
}
