/*
 * Publisher: outbox rows to the summary-generated and profile-erased
 * topics (include/convtrack/publisher.h): claims rows from the repository,
 * sends them through the producer (src/kafka/producer.c) and marks the
 * acknowledged ones sent.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/producer.h"
#include "convtrack/publisher.h"

/* How long one tick waits for acknowledgements. */
#define CT_PUBLISHER_FLUSH_MS 30000

struct ct_publisher {
	const struct ct_config *cfg;
	struct ct_producer *producer;
};

int ct_publisher_new(const struct ct_config *cfg, struct ct_publisher **out,
		     char *err, size_t errlen)
{
	struct ct_publisher *pub = calloc(1, sizeof(*pub));

	*out = NULL;
	if (!pub)
		return -1;
	pub->cfg = cfg;
	if (ct_producer_new(cfg, &pub->producer, err, errlen) < 0) {
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
	struct ct_producer_msg *msgs;
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
	msgs = calloc(n, sizeof(*msgs));
	if (acked && ids && msgs) {
		for (i = 0; i < n; i++) {
			msgs[i].key = rows[i].session_id;
			msgs[i].value = rows[i].payload;
		}
		ct_producer_send(pub->producer, box->topic, msgs, n, acked,
				 CT_PUBLISHER_FLUSH_MS);
		for (i = 0; i < n; i++)
			if (acked[i])
				ids[k++] = rows[i].id;
	}
	st = box->done(repo, ids, k);
	if (st == CT_REPO_OK) {
		*sent = (int)k;
		ct_metrics_inc(box->metric, NULL, (double)k);
	}
	free(msgs);
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
	ct_producer_poll(pub->producer);
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
	ct_producer_free(pub->producer);
	free(pub);
}
