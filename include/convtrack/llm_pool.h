/*
 * The worker's LLM threads (issue 20, docs/llm-summaries.md): the
 * scheduler hands them a session's request (already built and stored as
 * pending, convtrack/repo_llm.h); each thread asks the model with its own
 * client and stores the result with its own PostgreSQL connection, so a
 * slow or hanging model never holds the thread that applies events.
 */
#ifndef CONVTRACK_LLM_POOL_H
#define CONVTRACK_LLM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/config.h"

struct ct_llm_pool;
struct ct_llm_opts;

/* The LLM client options of cfg's summary.llm.* (borrowed from cfg). */
void ct_llm_pool_opts(const struct ct_config *cfg, struct ct_llm_opts *o);

/*
 * From asking to the rules' summary: every attempt of summary.llm.*, a
 * 5 s wait between two, and a second to store the result.  No request
 * runs longer (total_ms of the clients).
 */
int64_t ct_llm_pool_deadline_ms(const struct ct_config *cfg);

/*
 * Starts summary.llm.max_concurrency threads.  Returns 0, or -1 with a
 * message in err (a bad endpoint or model, threads that cannot start).
 */
int ct_llm_pool_new(const struct ct_config *cfg, struct ct_llm_pool **out,
		    char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Queues the request body (copied) of session_id's input hash.  False when
 * the queue is full (its pending result then times out: the rules' summary
 * is written at the deadline).
 */
bool ct_llm_pool_submit(struct ct_llm_pool *pool, const char *session_id,
			const char *hash, const char *body);

/*
 * Stops the threads (a request in flight ends by its timeout) and frees
 * pool; queued requests are dropped (their pending results time out).
 * Does nothing for NULL.
 */
void ct_llm_pool_free(struct ct_llm_pool *pool);

#endif
