/*
 * Repository, LLM summaries part (sql/014_llm_summaries.sql,
 * docs/llm-summaries.md): the stored result of asking a model about one
 * input of one session, which makes the answer reusable and the first
 * result final, and the daily token budget shared by every worker.
 */
#ifndef CONVTRACK_REPO_LLM_H
#define CONVTRACK_REPO_LLM_H

#include <stdbool.h>
#include <stdint.h>

#include "convtrack/repo.h"

/* Hex SHA-256 of an input, and its NUL. */
#define CT_REPO_LLM_HASH_LEN 65

enum ct_repo_llm_state {
	CT_REPO_LLM_ASK = 0, /* nothing stored: a pending row was written, ask */
	CT_REPO_LLM_WAIT,    /* another ask is pending, not yet past deadline */
	CT_REPO_LLM_DONE,    /* a result: outcome "ok" with content, or a reason */
};

struct ct_repo_llm_claim {
	enum ct_repo_llm_state state;
	char outcome[32];   /* DONE: "ok" or the reason */
	char *content;      /* DONE and "ok": the six fields' JSON, malloc'd */
	int64_t wait_ms;    /* WAIT: until the deadline */
	bool fresh;         /* DONE: decided by this claim (timeout, budget) */
};

/*
 * Inside a summary's transaction (after ct_repo_summary_begin()): what is
 * stored for (session, hash), locked.  Nothing: with a daily budget > 0
 * already spent today (UTC), a "budget" result is stored and returned
 * (DONE); else a pending row is written (ASK).  A pending row older than
 * deadline_ms becomes "timeout" (DONE).  Clear out with
 * ct_repo_llm_claim_clear().
 */
enum ct_repo_status ct_repo_llm_claim(struct ct_repo *repo,
				      const struct ct_repo_summary_job *job,
				      const char *hash, const char *model,
				      int prompt_version, int64_t deadline_ms,
				      long long daily_budget,
				      struct ct_repo_llm_claim *out)
	__attribute__((warn_unused_result));

void ct_repo_llm_claim_clear(struct ct_repo_llm_claim *c);

/*
 * Ends a summary's transaction without a summary: the session is due again
 * in wait_ms (when the model's answer or its deadline is expected).
 */
enum ct_repo_status ct_repo_summary_defer(struct ct_repo *repo,
					  struct ct_repo_summary_job *job,
					  int64_t wait_ms)
	__attribute__((warn_unused_result));

/*
 * From an LLM thread, in its own transaction: stores the result of a
 * pending (session, hash) — outcome "ok" with content, or a reason — with
 * the tokens used (-1: unknown), unless the row is no longer pending (its
 * deadline passed: the first result is final), and makes the session's
 * summary due now.  *stored (may be NULL) says whether it was stored.
 */
enum ct_repo_status ct_repo_llm_store(struct ct_repo *repo, const char *session_id,
				      const char *hash, const char *outcome,
				      const char *content, long tokens_in,
				      long tokens_out, bool *stored)
	__attribute__((warn_unused_result));

/*
 * True in *pending when (session, hash) is still pending and younger than
 * deadline_ms: worth asking (a request that waited in a queue past its
 * deadline is not sent).
 */
enum ct_repo_status ct_repo_llm_pending(struct ct_repo *repo, const char *session_id,
					const char *hash, int64_t deadline_ms,
					bool *pending)
	__attribute__((warn_unused_result));

/* Tokens of the results stored today (UTC), every worker's. */
enum ct_repo_status ct_repo_llm_tokens_today(struct ct_repo *repo, long long *n)
	__attribute__((warn_unused_result));

#endif
