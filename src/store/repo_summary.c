/*
 * Repository, summaries: the summaries of ended sessions (rules 7-10),
 * stale sweeps (rule 8) and the outboxes that the publisher drains.  These
 * run once per ended call, not once per event, so they use unprepared
 * parameterized statements (ct_repo_exec).  Every transaction that
 * changes a session takes the same sorted advisory locks as a batch does,
 * so sweeps, summaries and batches of several workers serialize per session
 * and per profile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/repo.h"
#include "pgarray.h"
#include "repo_int.h"

static int ct_rs_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Takes the advisory locks of the given UUIDs (NULLs skipped), sorted. */
static enum ct_repo_status ct_rs_lock(struct ct_repo *repo,
				      const char *const *uuids, size_t n)
{
	int64_t *keys = calloc(n + 1, sizeof(*keys));
	struct ct_pgarray arr;
	enum ct_repo_status st;
	const char *p[1];
	size_t i, k = 0;

	if (!keys)
		return CT_REPO_TRANSIENT;
	for (i = 0; i < n; i++)
		if (uuids[i] && uuids[i][0])
			keys[k++] = ct_repo_lock_key(uuids[i]);
	qsort(keys, k, sizeof(*keys), ct_rs_cmp_i64);
	ct_pgarray_init(&arr);
	for (i = 0; i < k; i++)
		if (i == 0 || keys[i] != keys[i - 1])
			ct_pgarray_add_int(&arr, keys[i]);
	p[0] = ct_pgarray_str(&arr);
	st = p[0] ? ct_repo_exec(repo,
				 "SELECT count(pg_advisory_xact_lock(k))"
				 " FROM unnest($1::bigint[]) AS k", 1, p, NULL)
		  : CT_REPO_TRANSIENT;
	ct_pgarray_free(&arr);
	free(keys);
	return st;
}

/* ---- stale sweep ---- */

enum ct_repo_status ct_repo_sweep_stale(struct ct_repo *repo, int stale_after_s,
					int limit, int *ended)
{
	static const char pick[] =
		"SELECT session_id::text FROM agent_sessions"
		" WHERE ended_at IS NULL"
		"  AND last_event_at < now() - make_interval(secs => $1::int)"
		" ORDER BY last_event_at LIMIT $2::int";
	static const char end[] =
		"UPDATE agent_sessions SET stale_ended_at = last_event_at,"
		"  ended_at = last_event_at, end_reason = 'stale',"
		"  summary_due_at = now(), updated_at = now()"
		" WHERE session_id = ANY ($1::uuid[]) AND ended_at IS NULL"
		"  AND last_event_at < now() - make_interval(secs => $2::int)";
	char secs[16], lim[16];
	const char *p[2] = { secs, lim };
	const char **ids = NULL;
	struct ct_pgarray arr;
	enum ct_repo_status st;
	PGresult *res = NULL;
	int r, n;

	*ended = 0;
	snprintf(secs, sizeof(secs), "%d", stale_after_s);
	snprintf(lim, sizeof(lim), "%d", limit);
	st = ct_repo_ready(repo);
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "BEGIN");
	if (st == CT_REPO_OK)
		st = ct_repo_exec(repo, pick, 2, p, &res);
	if (st != CT_REPO_OK)
		goto out_rollback;
	n = PQntuples(res);
	if (n == 0) {
		PQclear(res);
		return ct_repo_command(repo, "COMMIT");
	}
	ids = calloc((size_t)n, sizeof(*ids));
	ct_pgarray_init(&arr);
	for (r = 0; ids && r < n; r++) {
		ids[r] = PQgetvalue(res, r, 0);
		ct_pgarray_add(&arr, ids[r]);
	}
	st = ids ? ct_rs_lock(repo, ids, (size_t)n) : CT_REPO_TRANSIENT;
	if (st == CT_REPO_OK) {
		PGresult *up;

		p[0] = ct_pgarray_str(&arr);
		p[1] = secs;
		st = ct_repo_exec(repo, end, 2, p, &up);
		if (st == CT_REPO_OK) {
			*ended = atoi(PQcmdTuples(up));
			PQclear(up);
		}
	}
	ct_pgarray_free(&arr);
	free(ids);
	PQclear(res);
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "COMMIT");
	if (st == CT_REPO_OK)
		return st;
out_rollback:
	ct_repo_rollback(repo);
	return st;
}

/* ---- summaries ---- */

enum ct_repo_status ct_repo_summary_due(struct ct_repo *repo, int max,
					char (*ids)[CT_UUID_STRLEN + 1], size_t *n)
{
	char lim[16];
	const char *p[1] = { lim };
	enum ct_repo_status st;
	PGresult *res;
	int r;

	*n = 0;
	snprintf(lim, sizeof(lim), "%d", max);
	st = ct_repo_ready(repo);
	if (st == CT_REPO_OK)
		st = ct_repo_exec(repo,
				  "SELECT session_id::text FROM agent_sessions"
				  " WHERE summary_due_at <= now()"
				  " ORDER BY summary_due_at LIMIT $1::int",
				  1, p, &res);
	if (st != CT_REPO_OK)
		return st;
	for (r = 0; r < PQntuples(res) && r < max; r++)
		snprintf(ids[(*n)++], CT_UUID_STRLEN + 1, "%s", PQgetvalue(res, r, 0));
	PQclear(res);
	return CT_REPO_OK;
}

void ct_repo_summary_job_clear(struct ct_repo_summary_job *job)
{
	size_t i;

	if (!job)
		return;
	for (i = 0; i < job->nmessages; i++)
		free(job->messages[i].content);
	free(job->messages);
	free(job->prev_value);
	memset(job, 0, sizeof(*job));
}

void ct_repo_summary_abort(struct ct_repo *repo)
{
	ct_repo_rollback(repo);
}

static enum ct_role ct_rs_role(const char *s)
{
	if (strcmp(s, "user") == 0)
		return CT_ROLE_USER;
	if (strcmp(s, "assistant") == 0)
		return CT_ROLE_ASSISTANT;
	if (strcmp(s, "system") == 0)
		return CT_ROLE_SYSTEM;
	return CT_ROLE_TOOL;
}

static void ct_rs_copy(char *dst, size_t cap, const PGresult *res, int r, int c,
		       bool *has)
{
	bool null = PQgetisnull(res, r, c);

	snprintf(dst, cap, "%s", null ? "" : PQgetvalue(res, r, c));
	if (has)
		*has = !null;
}

/* Loads the session row; false in *match when its profiles moved. */
static enum ct_repo_status ct_rs_load_session(struct ct_repo *repo,
					      struct ct_repo_summary_job *job,
					      const char *profile, const char *anon,
					      bool any, bool *match)
{
	static const char sql[] =
		"SELECT s.profile_id, p.profile_type, a.id,"
		"  s.authenticated_username IS NOT NULL, s.end_reason,"
		"  (extract(epoch FROM s.started_at) * 1000000)::bigint,"
		"  (extract(epoch FROM s.ended_at) * 1000000)::bigint,"
		"  s.duration_seconds,"
		"  ($2::bool OR s.summary_due_at <= now())"
		"  AND s.ended_at IS NOT NULL,"
		"  COALESCE(c.summary_version, 0), c.value_json,"
		"  s.text_purged_at IS NOT NULL"
		" FROM agent_sessions s"
		" LEFT JOIN user_profiles p ON p.id = s.profile_id"
		" LEFT JOIN user_profiles a ON a.anonymous_id = s.anonymous_id"
		" LEFT JOIN conversation_summaries c ON c.session_id = s.session_id"
		" WHERE s.session_id = $1";
	const char *p[2] = { job->session_id, any ? "true" : "false" };
	enum ct_repo_status st;
	PGresult *res;

	st = ct_repo_exec(repo, sql, 2, p, &res);
	if (st != CT_REPO_OK)
		return st;
	if (PQntuples(res) != 1) {
		PQclear(res);
		job->due = false;
		*match = true;
		return CT_REPO_OK;
	}
	ct_rs_copy(job->profile_id, sizeof(job->profile_id), res, 0, 0, &job->has_profile);
	ct_rs_copy(job->profile_type, sizeof(job->profile_type), res, 0, 1, NULL);
	ct_rs_copy(job->anon_profile_id, sizeof(job->anon_profile_id), res, 0, 2, &job->has_anon);
	job->authenticated = PQgetvalue(res, 0, 3)[0] == 't';
	ct_rs_copy(job->end_reason, sizeof(job->end_reason), res, 0, 4, NULL);
	job->started_at_us = PQgetisnull(res, 0, 5) ? 0 : atoll(PQgetvalue(res, 0, 5));
	job->ended_at_us = PQgetisnull(res, 0, 6) ? 0 : atoll(PQgetvalue(res, 0, 6));
	job->has_duration = !PQgetisnull(res, 0, 7);
	job->duration_seconds = job->has_duration ? strtod(PQgetvalue(res, 0, 7), NULL) : 0;
	job->due = PQgetvalue(res, 0, 8)[0] == 't';
	job->prev_version = atol(PQgetvalue(res, 0, 9));
	job->prev_value = PQgetisnull(res, 0, 10) ? NULL : strdup(PQgetvalue(res, 0, 10));
	job->purged_skip = job->due && PQgetvalue(res, 0, 11)[0] == 't';
	*match = strcmp(job->profile_id, profile) == 0 &&
		 strcmp(job->anon_profile_id, anon) == 0;
	PQclear(res);
	return CT_REPO_OK;
}

static enum ct_repo_status ct_rs_load_messages(struct ct_repo *repo,
					       struct ct_repo_summary_job *job)
{
	const char *p[1] = { job->session_id };
	enum ct_repo_status st;
	PGresult *res;
	int r, n;

	st = ct_repo_exec(repo,
			  "SELECT role, content FROM conversation_messages"
			  " WHERE session_id = $1"
			  " ORDER BY occurred_at, seq NULLS LAST, message_id",
			  1, p, &res);
	if (st != CT_REPO_OK)
		return st;
	n = PQntuples(res);
	job->messages = calloc((size_t)n + 1, sizeof(*job->messages));
	if (!job->messages) {
		PQclear(res);
		return CT_REPO_TRANSIENT;
	}
	for (r = 0; r < n; r++) {
		struct ct_repo_message *m = &job->messages[job->nmessages];

		m->role = ct_rs_role(PQgetvalue(res, r, 0));
		m->len = (size_t)PQgetlength(res, r, 1);
		m->content = malloc(m->len + 1);
		if (!m->content)
			break;
		memcpy(m->content, PQgetvalue(res, r, 1), m->len + 1);
		job->nmessages++;
	}
	PQclear(res);
	return job->nmessages == (size_t)n ? CT_REPO_OK : CT_REPO_TRANSIENT;
}

/*
 * A due session whose text retention purged: summarizing what is left would
 * replace a summary of the real conversation (or publish one of nothing),
 * so the due time is cleared and the transaction committed.
 */
static enum ct_repo_status ct_rs_skip_purged(struct ct_repo *repo,
					     struct ct_repo_summary_job *job)
{
	const char *p[1] = { job->session_id };
	enum ct_repo_status st;

	job->due = false;
	st = ct_repo_exec(repo, "UPDATE agent_sessions SET summary_due_at = NULL"
			  " WHERE session_id = $1", 1, p, NULL);
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "COMMIT");
	if (st != CT_REPO_OK)
		ct_repo_rollback(repo);
	return st;
}

enum ct_repo_status ct_repo_summary_begin(struct ct_repo *repo,
					  const char *session_id, bool any,
					  struct ct_repo_summary_job *job)
{
	static const char ids_sql[] =
		"SELECT s.profile_id::text, a.id::text FROM agent_sessions s"
		" LEFT JOIN user_profiles a ON a.anonymous_id = s.anonymous_id"
		" WHERE s.session_id = $1";
	const char *p[1] = { session_id };
	enum ct_repo_status st;
	int round;

	memset(job, 0, sizeof(*job));
	snprintf(job->session_id, sizeof(job->session_id), "%s", session_id);
	st = ct_repo_ready(repo);
	for (round = 0; st == CT_REPO_OK && round < 8; round++) {
		char profile[CT_UUID_STRLEN + 1] = "", anon[CT_UUID_STRLEN + 1] = "";
		const char *locks[3] = { session_id, profile, anon };
		PGresult *res;
		bool match = false;

		st = ct_repo_command(repo, "BEGIN");
		if (st == CT_REPO_OK)
			st = ct_repo_exec(repo, ids_sql, 1, p, &res);
		if (st != CT_REPO_OK)
			break;
		if (PQntuples(res) == 1) {
			ct_rs_copy(profile, sizeof(profile), res, 0, 0, NULL);
			ct_rs_copy(anon, sizeof(anon), res, 0, 1, NULL);
		}
		PQclear(res);
		st = ct_rs_lock(repo, locks, 3);
		if (st == CT_REPO_OK)
			st = ct_rs_load_session(repo, job, profile, anon, any,
						&match);
		if (st != CT_REPO_OK)
			break;
		if (!match) {
			/* the profile moved between the read and the lock */
			ct_repo_rollback(repo);
			ct_repo_summary_job_clear(job);
			snprintf(job->session_id, sizeof(job->session_id), "%s", session_id);
			continue;
		}
		if (job->purged_skip)
			return ct_rs_skip_purged(repo, job);
		if (!job->due)
			return ct_repo_command(repo, "COMMIT");
		st = ct_rs_load_messages(repo, job);
		if (st == CT_REPO_OK)
			return CT_REPO_OK;
		break;
	}
	if (st == CT_REPO_OK) {
		snprintf(repo->err, sizeof(repo->err), "session %s keeps moving", session_id);
		st = CT_REPO_TRANSIENT;
	}
	ct_repo_rollback(repo);
	return st;
}

enum ct_repo_status ct_repo_summary_contacts(struct ct_repo *repo,
					     struct ct_repo_summary_job *job,
					     const char *const *phones, size_t nphones,
					     const char *const *emails, size_t nemails)
{
	static const char forget[] =
		"DELETE FROM session_identity_mentions WHERE session_id = $1";
	static const char store[] =
		"INSERT INTO session_identity_mentions (session_id, signal, value)"
		" SELECT $1::uuid, 'phone_number', unnest($2::text[])"
		" UNION SELECT $1::uuid, 'email', unnest($3::text[])"
		" ON CONFLICT DO NOTHING";
	static const char refresh[] =
		"UPDATE agent_sessions s"
		"  SET summary_due_at = LEAST(COALESCE(s.summary_due_at, now()), now())"
		" FROM ct_refresh_candidates(ARRAY[$1::uuid], '{}') AS c"
		" WHERE s.session_id = c.session_id AND s.session_id <> $2"
		"  AND s.ended_at IS NOT NULL";
	static const char mine[] =
		"SELECT DISTINCT u.id::text, m.signal FROM session_identity_mentions m"
		" JOIN user_profiles u ON u.profile_type = 'authenticated'"
		"  AND ((m.signal = 'phone_number'"
		"     AND (u.phone_number = m.value OR u.phone_hash = m.value))"
		"    OR (m.signal = 'email'"
		"     AND (lower(u.email) = lower(m.value) OR u.email_hash = m.value)))"
		" WHERE m.session_id = $1 ORDER BY 1, 2";
	struct ct_pgarray ph, em;
	enum ct_repo_status st;
	const char *p[3];
	PGresult *res;
	size_t i;
	int r;

	ct_pgarray_init(&ph);
	ct_pgarray_init(&em);
	for (i = 0; i < nphones; i++)
		ct_pgarray_add(&ph, phones[i]);
	for (i = 0; i < nemails; i++)
		ct_pgarray_add(&em, emails[i]);
	p[0] = job->session_id;
	p[1] = ct_pgarray_str(&ph);
	p[2] = ct_pgarray_str(&em);
	st = ct_repo_exec(repo, forget, 1, p, NULL);
	if (st == CT_REPO_OK)
		st = (p[1] && p[2]) ? ct_repo_exec(repo, store, 3, p, NULL)
				    : CT_REPO_TRANSIENT;
	ct_pgarray_free(&ph);
	ct_pgarray_free(&em);
	if (st == CT_REPO_OK && job->has_anon) {
		p[0] = job->anon_profile_id;
		p[1] = job->session_id;
		st = ct_repo_exec(repo, refresh, 2, p, NULL);
	}
	job->ncandidates = 0;
	if (st != CT_REPO_OK || job->authenticated)
		return st;
	p[0] = job->session_id;
	st = ct_repo_exec(repo, mine, 1, p, &res);
	if (st != CT_REPO_OK)
		return st;
	for (r = 0; r < PQntuples(res) && job->ncandidates < CT_REPO_MAX_CANDIDATES; r++) {
		struct ct_repo_candidate *c = &job->candidates[job->ncandidates++];
		bool phone = strcmp(PQgetvalue(res, r, 1), "phone_number") == 0;

		snprintf(c->profile_id, sizeof(c->profile_id), "%s", PQgetvalue(res, r, 0));
		c->signal = phone ? "phone_number" : "email";
		c->confidence = phone ? 0.9 : 0.85; /* as ct_refresh_candidates() */
	}
	PQclear(res);
	return CT_REPO_OK;
}

enum ct_repo_status ct_repo_summary_commit(struct ct_repo *repo,
					   struct ct_repo_summary_job *job,
					   const char *value_json, long version,
					   const char *event_id,
					   const char *event_json,
					   const char *summarizer)
{
	static const char upsert[] =
		"INSERT INTO conversation_summaries AS c (session_id, profile_id,"
		"  summary, extracted_info, sentiment, resolution_status, topics,"
		"  message_count, duration_seconds, summary_version, value_json,"
		"  summarizer)"
		" SELECT $1::uuid, (v->>'profile_id')::uuid, v->>'summary',"
		"  v->'extracted_info', v->>'sentiment', v->>'resolution_status',"
		"  ARRAY(SELECT jsonb_array_elements_text(v->'topics')),"
		"  (v->>'message_count')::int, (v->>'duration_seconds')::float8,"
		"  $3::int, $2::text, $4"
		" FROM (SELECT $2::text::jsonb AS v) x"
		" ON CONFLICT (session_id) DO UPDATE SET"
		"  profile_id = EXCLUDED.profile_id, summary = EXCLUDED.summary,"
		"  extracted_info = EXCLUDED.extracted_info,"
		"  sentiment = EXCLUDED.sentiment,"
		"  resolution_status = EXCLUDED.resolution_status,"
		"  topics = EXCLUDED.topics, message_count = EXCLUDED.message_count,"
		"  duration_seconds = EXCLUDED.duration_seconds,"
		"  summary_version = EXCLUDED.summary_version,"
		"  value_json = EXCLUDED.value_json,"
		"  summarizer = EXCLUDED.summarizer, created_at = now(),"
		"  updated_at = now()";
	static const char outbox[] =
		"INSERT INTO summary_outbox (event_id, session_id, summary_version,"
		"  payload) VALUES ($1, $2, $3::int, $4)";
	char ver[24];
	const char *p[4];
	enum ct_repo_status st = CT_REPO_OK;

	snprintf(ver, sizeof(ver), "%ld", version);
	if (value_json) {
		p[0] = job->session_id;
		p[1] = value_json;
		p[2] = ver;
		p[3] = summarizer;
		st = ct_repo_exec(repo, upsert, 4, p, NULL);
		if (st == CT_REPO_OK) {
			p[0] = event_id;
			p[1] = job->session_id;
			p[2] = ver;
			p[3] = event_json;
			st = ct_repo_exec(repo, outbox, 4, p, NULL);
		}
	}
	if (st == CT_REPO_OK) {
		p[0] = job->session_id;
		st = ct_repo_exec(repo, "UPDATE agent_sessions SET summary_due_at = NULL"
				  " WHERE session_id = $1", 1, p, NULL);
	}
	if (st == CT_REPO_OK && job->has_profile) {
		p[0] = job->profile_id;
		st = ct_repo_exec(repo,
				  "SELECT ct_refresh_profile_metadata(ARRAY[$1::uuid])",
				  1, p, NULL);
	}
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "COMMIT");
	if (st != CT_REPO_OK)
		ct_repo_rollback(repo);
	return st;
}

enum ct_repo_status ct_repo_summarized_sessions(struct ct_repo *repo,
						const char *since, const char *after,
						int max,
						char (*ids)[CT_UUID_STRLEN + 1],
						size_t *n, long long *total)
{
	static const char list[] =
		"SELECT c.session_id::text FROM conversation_summaries c"
		" JOIN agent_sessions s USING (session_id)"
		" WHERE s.ended_at IS NOT NULL"
		"  AND ($1::date IS NULL OR s.started_at >= $1::date)"
		"  AND ($2::uuid IS NULL OR c.session_id > $2::uuid)"
		" ORDER BY c.session_id LIMIT $3::int";
	static const char count[] =
		"SELECT count(*) FROM conversation_summaries c"
		" JOIN agent_sessions s USING (session_id)"
		" WHERE s.ended_at IS NOT NULL"
		"  AND ($1::date IS NULL OR s.started_at >= $1::date)";
	char lim[16];
	const char *p[3] = { since, after, lim };
	enum ct_repo_status st;
	PGresult *res;
	int r;

	*n = 0;
	snprintf(lim, sizeof(lim), "%d", max);
	st = ct_repo_ready(repo);
	if (st == CT_REPO_OK && total) {
		st = ct_repo_exec(repo, count, 1, p, &res);
		if (st == CT_REPO_OK) {
			*total = atoll(PQgetvalue(res, 0, 0));
			PQclear(res);
		}
	}
	if (st == CT_REPO_OK)
		st = ct_repo_exec(repo, list, 3, p, &res);
	if (st != CT_REPO_OK)
		return st;
	for (r = 0; r < PQntuples(res) && r < max; r++)
		snprintf(ids[(*n)++], CT_UUID_STRLEN + 1, "%s", PQgetvalue(res, r, 0));
	PQclear(res);
	return CT_REPO_OK;
}

/* ---- outbox ---- */

/*
 * Claims rows of an outbox with sql ($1 limit; columns id, key, payload):
 * the summaries' and the erasures' outboxes share this and
 * ct_rs_outbox_done().
 */
static enum ct_repo_status ct_rs_outbox_claim(struct ct_repo *repo, const char *sql,
					      int limit,
					      struct ct_repo_outbox_row **rows,
					      size_t *n)
{
	char lim[16];
	const char *p[1] = { lim };
	enum ct_repo_status st;
	PGresult *res;
	int r;

	*rows = NULL;
	*n = 0;
	snprintf(lim, sizeof(lim), "%d", limit);
	st = ct_repo_ready(repo);
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "BEGIN");
	if (st == CT_REPO_OK)
		st = ct_repo_exec(repo, sql, 1, p, &res);
	if (st != CT_REPO_OK) {
		ct_repo_rollback(repo);
		return st;
	}
	*rows = calloc((size_t)PQntuples(res) + 1, sizeof(**rows));
	for (r = 0; *rows && r < PQntuples(res); r++) {
		struct ct_repo_outbox_row *o = &(*rows)[*n];

		o->id = atoll(PQgetvalue(res, r, 0));
		snprintf(o->session_id, sizeof(o->session_id), "%s", PQgetvalue(res, r, 1));
		o->payload = strdup(PQgetvalue(res, r, 2));
		if (!o->payload)
			break;
		(*n)++;
	}
	PQclear(res);
	if (!*rows || *n < (size_t)r) {
		ct_repo_outbox_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		ct_repo_rollback(repo);
		return CT_REPO_TRANSIENT;
	}
	return CT_REPO_OK;
}

/* Marks rows ids[0..n) sent with sql ($1 the ids) and commits. */
static enum ct_repo_status ct_rs_outbox_done(struct ct_repo *repo, const char *sql,
					     const long long *ids, size_t n)
{
	struct ct_pgarray arr;
	enum ct_repo_status st = CT_REPO_OK;
	const char *p[1];
	size_t i;

	ct_pgarray_init(&arr);
	for (i = 0; i < n; i++)
		ct_pgarray_add_int(&arr, ids[i]);
	p[0] = ct_pgarray_str(&arr);
	if (n)
		st = p[0] ? ct_repo_exec(repo, sql, 1, p, NULL) : CT_REPO_TRANSIENT;
	ct_pgarray_free(&arr);
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "COMMIT");
	if (st != CT_REPO_OK)
		ct_repo_rollback(repo);
	return st;
}

enum ct_repo_status ct_repo_outbox_claim(struct ct_repo *repo, int limit,
					 struct ct_repo_outbox_row **rows, size_t *n)
{
	return ct_rs_outbox_claim(repo,
		"SELECT o.id, o.session_id::text, o.payload FROM summary_outbox o"
		" WHERE o.sent_at IS NULL AND NOT EXISTS (SELECT 1 FROM summary_outbox e"
		"  WHERE e.session_id = o.session_id AND e.sent_at IS NULL AND e.id < o.id)"
		" ORDER BY o.id LIMIT $1::int FOR UPDATE OF o SKIP LOCKED", limit, rows, n);
}

enum ct_repo_status ct_repo_outbox_done(struct ct_repo *repo,
					const long long *ids, size_t n)
{
	return ct_rs_outbox_done(repo, "UPDATE summary_outbox SET sent_at = now(),"
				 " attempts = attempts + 1"
				 " WHERE id = ANY ($1::bigint[])", ids, n);
}

/* profile_erased events: oldest first, keyed by the erased profile id. */
enum ct_repo_status ct_repo_erasure_outbox_claim(struct ct_repo *repo, int limit,
						 struct ct_repo_outbox_row **rows,
						 size_t *n)
{
	return ct_rs_outbox_claim(repo,
		"SELECT id, key, payload FROM erasure_outbox WHERE sent_at IS NULL"
		" ORDER BY id LIMIT $1::int FOR UPDATE SKIP LOCKED", limit, rows, n);
}

enum ct_repo_status ct_repo_erasure_outbox_done(struct ct_repo *repo,
						const long long *ids, size_t n)
{
	return ct_rs_outbox_done(repo, "UPDATE erasure_outbox SET sent_at = now(),"
				 " attempts = attempts + 1"
				 " WHERE id = ANY ($1::bigint[])", ids, n);
}

void ct_repo_outbox_free(struct ct_repo_outbox_row *rows, size_t n)
{
	size_t i;

	for (i = 0; rows && i < n; i++)
		free(rows[i].payload);
	free(rows);
}

enum ct_repo_status ct_repo_outbox_backlog(struct ct_repo *repo, long long *n)
{
	enum ct_repo_status st = ct_repo_ready(repo);
	PGresult *res;

	*n = 0;
	if (st == CT_REPO_OK)
		st = ct_repo_exec(repo, "SELECT count(*) FROM summary_outbox"
				  " WHERE sent_at IS NULL", 0, NULL, &res);
	if (st != CT_REPO_OK)
		return st;
	*n = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return CT_REPO_OK;
}
