/*
 * Repository, LLM summaries (convtrack/repo_llm.h): the stored results of
 * asking a model, claimed inside a summary's transaction, stored by the
 * LLM threads in their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/repo_llm.h"
#include "repo_int.h"

/* Tokens stored today (UTC): the budget's spending. */
static const char ct_repo_llm_today_sql[] =
	"SELECT COALESCE(sum(GREATEST(tokens_in, 0) + GREATEST(tokens_out, 0)), 0)"
	" FROM llm_summary_results"
	" WHERE updated_at >= date_trunc('day', now() AT TIME ZONE 'UTC')"
	"   AT TIME ZONE 'UTC'";

static enum ct_repo_status ct_repo_llm_today(struct ct_repo *repo, long long *n)
{
	PGresult *res = NULL;
	enum ct_repo_status st = ct_repo_exec(repo, ct_repo_llm_today_sql, 0, NULL,
					      &res);

	*n = 0;
	if (st == CT_REPO_OK && PQntuples(res) == 1)
		*n = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return st;
}

enum ct_repo_status ct_repo_llm_pending(struct ct_repo *repo, const char *session_id,
					const char *hash, int64_t deadline_ms,
					bool *pending)
{
	char ms[24];
	const char *p[3] = { session_id, hash, ms };
	enum ct_repo_status st = ct_repo_ready(repo);
	PGresult *res = NULL;

	*pending = false;
	if (st != CT_REPO_OK)
		return st;
	snprintf(ms, sizeof(ms), "%lld", (long long)deadline_ms);
	st = ct_repo_exec(repo,
			  "SELECT 1 FROM llm_summary_results"
			  " WHERE session_id = $1::uuid AND input_hash = $2"
			  "   AND outcome = 'pending' AND created_at >"
			  "   now() - $3::bigint * interval '1 millisecond'",
			  3, p, &res);
	if (st == CT_REPO_OK)
		*pending = PQntuples(res) == 1;
	PQclear(res);
	return st;
}

enum ct_repo_status ct_repo_llm_tokens_today(struct ct_repo *repo, long long *n)
{
	enum ct_repo_status st = ct_repo_ready(repo);

	*n = 0;
	return st == CT_REPO_OK ? ct_repo_llm_today(repo, n) : st;
}

/* Inserts (session, hash) with outcome; DO NOTHING on a conflict. */
static enum ct_repo_status ct_repo_llm_insert(struct ct_repo *repo,
					      const char *session_id,
					      const char *hash, const char *model,
					      int prompt_version, const char *outcome)
{
	char pv[16];
	const char *p[5] = { session_id, hash, model, pv, outcome };

	snprintf(pv, sizeof(pv), "%d", prompt_version);
	return ct_repo_exec(repo,
			    "INSERT INTO llm_summary_results (session_id, input_hash,"
			    "  model, prompt_version, outcome)"
			    " VALUES ($1::uuid, $2, $3, $4::int, $5)"
			    " ON CONFLICT DO NOTHING", 5, p, NULL);
}

enum ct_repo_status ct_repo_llm_claim(struct ct_repo *repo,
				      const struct ct_repo_summary_job *job,
				      const char *hash, const char *model,
				      int prompt_version, int64_t deadline_ms,
				      long long daily_budget,
				      struct ct_repo_llm_claim *out)
{
	const char *p[2] = { job->session_id, hash };
	enum ct_repo_status st;
	PGresult *res = NULL;
	long long spent;

	memset(out, 0, sizeof(*out));
	st = ct_repo_exec(repo,
			  "SELECT outcome, content,"
			  "  (extract(epoch FROM now() - created_at) * 1000)::bigint"
			  " FROM llm_summary_results"
			  " WHERE session_id = $1::uuid AND input_hash = $2"
			  " FOR UPDATE", 2, p, &res);
	if (st != CT_REPO_OK)
		return st;
	if (PQntuples(res) == 1) {
		const char *outcome = PQgetvalue(res, 0, 0);
		int64_t age = atoll(PQgetvalue(res, 0, 2));

		snprintf(out->outcome, sizeof(out->outcome), "%s", outcome);
		if (strcmp(outcome, "pending") != 0) {
			out->state = CT_REPO_LLM_DONE;
			if (!PQgetisnull(res, 0, 1) &&
			    !(out->content = strdup(PQgetvalue(res, 0, 1))))
				st = CT_REPO_TRANSIENT;
		} else if (age < deadline_ms) {
			out->state = CT_REPO_LLM_WAIT;
			out->wait_ms = deadline_ms - age;
		} else {
			out->state = CT_REPO_LLM_DONE;
			out->fresh = true;
			snprintf(out->outcome, sizeof(out->outcome), "timeout");
			st = ct_repo_exec(repo,
					  "UPDATE llm_summary_results SET outcome ="
					  " 'timeout', updated_at = now()"
					  " WHERE session_id = $1::uuid"
					  "   AND input_hash = $2", 2, p, NULL);
		}
		PQclear(res);
		return st;
	}
	PQclear(res);
	if (daily_budget > 0) {
		st = ct_repo_llm_today(repo, &spent);
		if (st != CT_REPO_OK)
			return st;
		if (spent >= daily_budget) {
			out->state = CT_REPO_LLM_DONE;
			out->fresh = true;
			snprintf(out->outcome, sizeof(out->outcome), "budget");
			return ct_repo_llm_insert(repo, job->session_id, hash, model,
						  prompt_version, "budget");
		}
	}
	out->state = CT_REPO_LLM_ASK;
	snprintf(out->outcome, sizeof(out->outcome), "pending");
	return ct_repo_llm_insert(repo, job->session_id, hash, model,
				  prompt_version, "pending");
}

void ct_repo_llm_claim_clear(struct ct_repo_llm_claim *c)
{
	free(c->content);
	memset(c, 0, sizeof(*c));
}

enum ct_repo_status ct_repo_summary_defer(struct ct_repo *repo,
					  struct ct_repo_summary_job *job,
					  int64_t wait_ms)
{
	char ms[24];
	const char *p[2] = { job->session_id, ms };
	enum ct_repo_status st;

	snprintf(ms, sizeof(ms), "%lld", (long long)(wait_ms > 0 ? wait_ms : 0));
	st = ct_repo_exec(repo,
			  "UPDATE agent_sessions SET summary_due_at = now() +"
			  " $2::bigint * interval '1 millisecond'"
			  " WHERE session_id = $1::uuid", 2, p, NULL);
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "COMMIT");
	if (st != CT_REPO_OK)
		ct_repo_rollback(repo);
	return st;
}

enum ct_repo_status ct_repo_llm_store(struct ct_repo *repo, const char *session_id,
				      const char *hash, const char *outcome,
				      const char *content, long tokens_in,
				      long tokens_out, bool *stored)
{
	char tin[24], tout[24];
	const char *p[6] = { session_id, hash, outcome, content,
			     tokens_in >= 0 ? tin : NULL,
			     tokens_out >= 0 ? tout : NULL };
	enum ct_repo_status st = ct_repo_ready(repo);
	PGresult *res = NULL;

	if (stored)
		*stored = false;
	if (st != CT_REPO_OK)
		return st;
	snprintf(tin, sizeof(tin), "%ld", tokens_in);
	snprintf(tout, sizeof(tout), "%ld", tokens_out);
	st = ct_repo_command(repo, "BEGIN");
	if (st == CT_REPO_OK)
		st = ct_repo_exec(repo,
				  "UPDATE llm_summary_results SET outcome = $3,"
				  "  content = $4, tokens_in = $5::int,"
				  "  tokens_out = $6::int, updated_at = now()"
				  " WHERE session_id = $1::uuid AND input_hash = $2"
				  "   AND outcome = 'pending'", 6, p, &res);
	if (st == CT_REPO_OK && atoi(PQcmdTuples(res)) == 1) {
		if (stored)
			*stored = true;
		st = ct_repo_exec(repo,
				  "UPDATE agent_sessions SET summary_due_at = now()"
				  " WHERE session_id = $1::uuid"
				  "   AND summary_due_at IS NOT NULL", 1, p, NULL);
	} else if (st == CT_REPO_OK) {
		/* too late to be used, but the tokens were spent: the budget
		 * counts them */
		const char *q[4] = { session_id, hash, p[4], p[5] };

		st = ct_repo_exec(repo,
				  "UPDATE llm_summary_results SET tokens_in ="
				  "  $3::int, tokens_out = $4::int, updated_at = now()"
				  " WHERE session_id = $1::uuid AND input_hash = $2"
				  "   AND tokens_in IS NULL AND tokens_out IS NULL",
				  4, q, NULL);
	}
	PQclear(res);
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "COMMIT");
	if (st != CT_REPO_OK)
		ct_repo_rollback(repo);
	return st;
}
