/*
 * The worker's LLM threads (convtrack/llm_pool.h): a queue of requests,
 * summary.llm.max_concurrency threads each with its own LLM client and
 * PostgreSQL connection, the result of each request stored as final.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convtrack/clock.h"
#include "convtrack/ids.h"
#include "convtrack/llm.h"
#include "convtrack/llm_pool.h"
#include "convtrack/log.h"
#include "convtrack/metrics.h"
#include "convtrack/repo.h"
#include "convtrack/repo_llm.h"

#define CT_LLM_POOL_QUEUE_MAX 1000
#define CT_LLM_POOL_STORE_TRIES 5

struct ct_llm_job {
	char session_id[CT_UUID_STRLEN + 1];
	char hash[CT_REPO_LLM_HASH_LEN];
	char *body;
	struct ct_llm_job *next;
};

struct ct_llm_pool {
	const struct ct_config *cfg;
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct ct_llm_job *head, *tail;
	size_t queued;
	atomic_bool stop;
	pthread_t *threads;
	int nthreads;
};

void ct_llm_pool_opts(const struct ct_config *cfg, struct ct_llm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->endpoint = cfg->summary_llm_endpoint;
	o->model = cfg->summary_llm_model;
	o->api_key = cfg->summary_llm_api_key;
	o->api_key_header = cfg->summary_llm_api_key_header;
	o->timeout_ms = cfg->summary_llm_timeout_ms;
	o->max_retries = cfg->summary_llm_max_retries;
	o->max_input_chars = cfg->summary_llm_max_input_chars;
	o->mask_contacts = cfg->summary_llm_mask_contacts;
	o->default_cc = cfg->text_default_country_code;
	o->total_ms = ct_llm_pool_deadline_ms(cfg) - 1000;
}

int64_t ct_llm_pool_deadline_ms(const struct ct_config *cfg)
{
	/* every attempt, the backoffs between them, and a second to store */
	return (int64_t)cfg->summary_llm_timeout_ms *
		       (cfg->summary_llm_max_retries + 1) +
	       (int64_t)cfg->summary_llm_max_retries * 5000 + 1000;
}

static struct ct_llm_job *ct_llm_pool_pop(struct ct_llm_pool *pool)
{
	struct ct_llm_job *job = NULL;

	pthread_mutex_lock(&pool->lock);
	while (!pool->stop && !pool->head)
		pthread_cond_wait(&pool->more, &pool->lock);
	if (!pool->stop) {
		job = pool->head;
		pool->head = job->next;
		if (!pool->head)
			pool->tail = NULL;
		pool->queued--;
	}
	pthread_mutex_unlock(&pool->lock);
	return job;
}

static void ct_llm_job_free(struct ct_llm_job *job)
{
	if (job)
		free(job->body);
	free(job);
}

/* Counts one request: outcome, latency, tokens; budget left. */
static void ct_llm_pool_count(const struct ct_config *cfg, struct ct_repo *repo,
			      enum ct_llm_reason r, double secs,
			      const struct ct_llm_answer *a)
{
	char label[64];
	long long spent = 0;

	ct_metrics_label(label, sizeof(label), "outcome", ct_llm_reason_name(r));
	ct_metrics_inc("convtrack_llm_requests_total", label, 1);
	ct_metrics_observe("convtrack_llm_request_seconds", secs);
	if (a->tokens_in > 0)
		ct_metrics_inc("convtrack_llm_tokens_total", "direction=\"in\"",
			       (double)a->tokens_in);
	if (a->tokens_out > 0)
		ct_metrics_inc("convtrack_llm_tokens_total", "direction=\"out\"",
			       (double)a->tokens_out);
	if (r != CT_LLM_OK) {
		ct_metrics_label(label, sizeof(label), "reason", ct_llm_reason_name(r));
		ct_metrics_inc("convtrack_llm_fallbacks_total", label, 1);
	}
	if (cfg->summary_llm_daily_token_budget > 0 && repo &&
	    ct_repo_llm_tokens_today(repo, &spent) == CT_REPO_OK)
		ct_metrics_set("convtrack_llm_budget_left", NULL,
			       spent >= cfg->summary_llm_daily_token_budget ? 0 :
			       (double)(cfg->summary_llm_daily_token_budget - spent));
}

/* Asks for one job and stores its result. */
static void ct_llm_pool_run(struct ct_llm_pool *pool, struct ct_llm *llm,
			    struct ct_repo **repo, struct ct_llm_job *job)
{
	const struct ct_config *cfg = pool->cfg;
	struct ct_llm_answer a;
	enum ct_llm_reason r;
	char *content = NULL, err[256];
	int64_t t0 = ct_clock_ms();
	bool pending = true;
	int tries;

	/* a request that waited past its deadline is not sent */
	if ((*repo || ct_repo_connect(cfg->postgres_conninfo, cfg->postgres_password,
				      repo, err, sizeof(err)) == CT_REPO_OK) &&
	    ct_repo_llm_pending(*repo, job->session_id, job->hash,
				ct_llm_pool_deadline_ms(cfg) - 1000, &pending) ==
		    CT_REPO_OK &&
	    !pending) {
		ct_log(CT_LOG_INFO, "llm: session %s: past its deadline in the "
		       "queue, not sent", job->session_id);
		return;
	}
	r = ct_llm_ask_body(llm, job->body, &a, NULL);
	if (r == CT_LLM_OK && !(content = ct_llm_answer_json(&a)))
		r = CT_LLM_ERROR;
	for (tries = 0; tries < CT_LLM_POOL_STORE_TRIES && !pool->stop; tries++) {
		enum ct_repo_status st = CT_REPO_TRANSIENT;
		bool stored = false;

		if (*repo || ct_repo_connect(cfg->postgres_conninfo,
					     cfg->postgres_password, repo, err,
					     sizeof(err)) == CT_REPO_OK)
			st = ct_repo_llm_store(*repo, job->session_id, job->hash,
					       r == CT_LLM_OK ? "ok" :
							ct_llm_reason_name(r),
					       content, a.tokens_in, a.tokens_out,
					       &stored);
		if (st == CT_REPO_OK) {
			if (!stored)
				ct_log(CT_LOG_INFO, "llm: session %s answered after its "
				       "deadline: the rules' summary stands",
				       job->session_id);
			break;
		}
		if (st != CT_REPO_TRANSIENT)
			break;
		ct_sleep_ms(ct_backoff_ms(cfg->retry_initial_ms, cfg->retry_max_ms,
					  tries));
	}
	ct_llm_pool_count(cfg, *repo, r, (double)(ct_clock_ms() - t0) / 1e3, &a);
	ct_log(CT_LOG_INFO, "llm: session %s: %s", job->session_id,
	       ct_llm_reason_name(r));
	free(content);
	ct_llm_answer_clear(&a);
}

static void *ct_llm_pool_thread(void *arg)
{
	struct ct_llm_pool *pool = arg;
	struct ct_llm_opts o;
	struct ct_llm *llm = NULL;
	struct ct_repo *repo = NULL;
	struct ct_llm_job *job;
	char err[256];

	ct_llm_pool_opts(pool->cfg, &o);
	if (ct_llm_new(&o, &llm, err, sizeof(err)) < 0) {
		ct_log(CT_LOG_ERROR, "llm: %s", err);
		return NULL;
	}
	while ((job = ct_llm_pool_pop(pool)) != NULL) {
		ct_llm_pool_run(pool, llm, &repo, job);
		ct_llm_job_free(job);
	}
	ct_repo_free(repo);
	ct_llm_free(llm);
	return NULL;
}

int ct_llm_pool_new(const struct ct_config *cfg, struct ct_llm_pool **out,
		    char *err, size_t errlen)
{
	struct ct_llm_pool *pool = calloc(1, sizeof(*pool));
	struct ct_llm_opts o;
	struct ct_llm *check = NULL;
	int i;

	*out = NULL;
	ct_llm_pool_opts(cfg, &o);
	if (!pool || ct_llm_new(&o, &check, err, errlen) < 0) {
		if (!pool)
			snprintf(err, errlen, "out of memory");
		free(pool);
		return -1;
	}
	ct_llm_free(check);
	pool->cfg = cfg;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->more, NULL);
	pool->threads = calloc((size_t)cfg->summary_llm_max_concurrency,
			       sizeof(*pool->threads));
	if (!pool->threads) {
		snprintf(err, errlen, "out of memory");
		ct_llm_pool_free(pool);
		return -1;
	}
	for (i = 0; i < cfg->summary_llm_max_concurrency; i++) {
		if (pthread_create(&pool->threads[i], NULL, ct_llm_pool_thread,
				   pool) != 0) {
			snprintf(err, errlen, "cannot start the LLM threads");
			ct_llm_pool_free(pool);
			return -1;
		}
		pool->nthreads++;
	}
	ct_log(CT_LOG_INFO, "llm summaries: model %s at %s, %d threads",
	       cfg->summary_llm_model, cfg->summary_llm_endpoint, pool->nthreads);
	*out = pool;
	return 0;
}

bool ct_llm_pool_submit(struct ct_llm_pool *pool, const char *session_id,
			const char *hash, const char *body)
{
	struct ct_llm_job *job = calloc(1, sizeof(*job));
	bool ok = false;

	if (!job || !(job->body = strdup(body))) {
		ct_llm_job_free(job);
		return false;
	}
	snprintf(job->session_id, sizeof(job->session_id), "%s", session_id);
	snprintf(job->hash, sizeof(job->hash), "%s", hash);
	pthread_mutex_lock(&pool->lock);
	if (!pool->stop && pool->queued < CT_LLM_POOL_QUEUE_MAX) {
		if (pool->tail)
			pool->tail->next = job;
		else
			pool->head = job;
		pool->tail = job;
		pool->queued++;
		ok = true;
		pthread_cond_signal(&pool->more);
	}
	pthread_mutex_unlock(&pool->lock);
	if (!ok)
		ct_llm_job_free(job);
	return ok;
}

void ct_llm_pool_free(struct ct_llm_pool *pool)
{
	struct ct_llm_job *job;
	int i;

	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_broadcast(&pool->more);
	pthread_mutex_unlock(&pool->lock);
	for (i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	while ((job = pool->head) != NULL) {
		pool->head = job->next;
		ct_llm_job_free(job);
	}
	free(pool->threads);
	pthread_cond_destroy(&pool->more);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}
