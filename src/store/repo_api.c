/*
 * Repository, caller API queries (convtrack/repo_api.h): one statement per
 * answer, whose JSON PostgreSQL builds.  A reference first finds a profile
 * (h), which is then followed to the account it was merged into (r).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/repo_api.h"
#include "repo_int.h"

/* A timestamptz as RFC 3339 in UTC with milliseconds, or NULL. */
#define CT_API_TS(x)                                                          \
	"to_char((" x ") AT TIME ZONE 'UTC', "                                \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The profile a reference names ($1), as h(id, into). */
static const char *const ct_repo_api_find[CT_REPO_REF_COUNT] = {
	[CT_REPO_REF_DEVICE] =
		"SELECT p.id, p.merged_into_profile_id AS into"
		" FROM user_profiles p WHERE p.anonymous_id = $1",
	[CT_REPO_REF_USERNAME] =
		"SELECT p.id, p.merged_into_profile_id AS into"
		" FROM user_profiles p WHERE p.username = $1",
	/* a number may be shared: the account seen last answers */
	[CT_REPO_REF_PHONE] =
		"SELECT p.id, p.merged_into_profile_id AS into"
		" FROM user_profiles p WHERE p.phone_number = $1"
		" ORDER BY p.last_seen_at DESC NULLS LAST, p.id LIMIT 1",
	[CT_REPO_REF_EMAIL] =
		"SELECT p.id, p.merged_into_profile_id AS into"
		" FROM user_profiles p WHERE lower(p.email) = lower($1)"
		" ORDER BY p.last_seen_at DESC NULLS LAST, p.id LIMIT 1",
	[CT_REPO_REF_PROFILE] =
		"SELECT p.id, p.merged_into_profile_id AS into"
		" FROM user_profiles p WHERE p.id = $1::uuid",
	[CT_REPO_REF_SESSION] =
		"SELECT p.id, p.merged_into_profile_id AS into"
		" FROM agent_sessions s JOIN user_profiles p ON p.id = s.profile_id"
		" WHERE s.session_id = $1::uuid",
};

/* h followed through a merge: r(id, via), via the anonymous profile. */
#define CT_API_RESOLVED                                                      \
	" r AS (SELECT COALESCE(h.into, h.id) AS id,"                        \
	"  CASE WHEN h.into IS NOT NULL THEN h.id END AS via FROM h LIMIT 1)"

/* The caller document of r; $2 is the reference as asked. */
static const char ct_repo_api_caller_sql[] =
	"SELECT json_build_object("
	" 'profile_id', p.id, 'profile_type', p.profile_type,"
	" 'username', p.username, 'phone_number', p.phone_number,"
	" 'email', p.email,"
	" 'anonymous_ids', (SELECT COALESCE(json_agg(a.anonymous_id"
	"     ORDER BY a.anonymous_id), '[]'::json) FROM user_profiles a"
	"   WHERE a.anonymous_id IS NOT NULL"
	"     AND (a.id = p.id OR a.merged_into_profile_id = p.id)),"
	" 'total_sessions', p.total_sessions,"
	" 'total_messages', p.total_messages,"
	" 'first_seen_at', " CT_API_TS("p.first_seen_at") ","
	" 'last_seen_at', " CT_API_TS("p.last_seen_at") ","
	" 'metadata', p.profile_metadata,"
	" 'last_call', CASE WHEN l.session_id IS NULL THEN NULL"
	"   ELSE json_build_object('session_id', l.session_id,"
	"     'ended_at', " CT_API_TS("l.ended_at") ", 'summary', l.summary,"
	"     'sentiment', l.sentiment, 'resolution_status', l.resolution_status,"
	"     'topics', l.topics) END,"
	" 'open_issue', COALESCE(l.resolution_status IN"
	"     ('escalated', 'incomplete'), false),"
	" 'match_candidates', (SELECT COALESCE(json_agg(json_build_object("
	"     'candidate_profile_id', m.candidate_profile_id,"
	"     'signal', m.signal, 'confidence', m.confidence,"
	"     'session_id', m.session_id)"
	"     ORDER BY m.confidence DESC, m.candidate_profile_id, m.signal),"
	"     '[]'::json) FROM profile_match_candidates m"
	"   WHERE m.profile_id = p.id),"
	" 'resolved_from', CASE WHEN r.via IS NULL THEN NULL"
	"   ELSE json_build_object('ref', $2::text, 'profile_id', r.via) END"
	")::text FROM r JOIN user_profiles p ON p.id = r.id"
	/* the call that ended last, with its (newest) summary */
	" LEFT JOIN LATERAL (SELECT s.session_id, s.ended_at, c.summary,"
	"   c.sentiment, c.resolution_status, c.topics"
	"   FROM agent_sessions s"
	"   LEFT JOIN conversation_summaries c ON c.session_id = s.session_id"
	"   WHERE s.profile_id = p.id AND s.ended_at IS NOT NULL"
	"   ORDER BY s.ended_at DESC, s.session_id DESC LIMIT 1) l ON true";

/* What calls are ordered by: when they started (every session has started_at
 * once an event is applied; created_at stands in otherwise). */
#define CT_API_ORDER "COALESCE(s.started_at, s.created_at)"

/*
 * A page of calls of $1: after ($2 microseconds, $3 session), $4 + 1 rows
 * (one more says another page follows).
 */
static const char ct_repo_api_calls_sql[] =
	"SELECT json_build_object('session_id', s.session_id,"
	"  'started_at', " CT_API_TS("s.started_at") ","
	"  'ended_at', " CT_API_TS("s.ended_at") ","
	"  'end_reason', s.end_reason, 'message_count', s.message_count,"
	"  'summary', c.summary, 'sentiment', c.sentiment,"
	"  'resolution_status', c.resolution_status, 'topics', c.topics)::text,"
	"  (extract(epoch FROM " CT_API_ORDER ") * 1000000)::bigint, s.session_id"
	" FROM agent_sessions s"
	" LEFT JOIN conversation_summaries c ON c.session_id = s.session_id"
	" WHERE s.profile_id = $1::uuid"
	"   AND ($2::bigint IS NULL OR (" CT_API_ORDER ", s.session_id) <"
	"        (timestamptz 'epoch' + $2::bigint * interval '1 microsecond',"
	"         $3::uuid))"
	" ORDER BY " CT_API_ORDER " DESC, s.session_id DESC LIMIT $4::int + 1";

/* The prepared statements: caller and resolve per kind, calls, ping. */
#define CT_API_STMT_CALLS (2 * CT_REPO_REF_COUNT)
#define CT_API_STMT_PING (CT_API_STMT_CALLS + 1)
#define CT_API_STMT_COUNT (CT_API_STMT_PING + 1)

static void ct_repo_api_name(int i, char name[32])
{
	snprintf(name, 32, "ct_api_%d", i);
}

/* The statement WITH h AS (find), r AS (...) + tail; malloc'd. */
static char *ct_repo_api_sql(enum ct_repo_ref kind, const char *tail)
{
	const char *find = ct_repo_api_find[kind];
	size_t len = strlen(find) + strlen(tail) + 256;
	char *sql = malloc(len);

	if (sql)
		snprintf(sql, len, "WITH h AS (%s)," CT_API_RESOLVED " %s", find,
			 tail);
	return sql;
}

/*
 * Prepares the API's statements on this connection, with generic plans:
 * each is a handful of index look-ups by equality, whose plan does not
 * depend on the values, so planning once per connection is enough (the
 * connection otherwise plans every execution: repo_conn.c).
 */
static enum ct_repo_status ct_repo_api_prepare(struct ct_repo *repo)
{
	enum ct_repo_status st = ct_repo_command(
		repo, "SET plan_cache_mode = force_generic_plan");
	char name[32];
	int i;

	for (i = 0; st == CT_REPO_OK && i < CT_API_STMT_COUNT; i++) {
		const char *fixed = i == CT_API_STMT_CALLS ? ct_repo_api_calls_sql
				    : i == CT_API_STMT_PING ? "SELECT 1" : NULL;
		char *sql = fixed ? NULL :
			    ct_repo_api_sql((enum ct_repo_ref)(i % CT_REPO_REF_COUNT),
					    i < CT_REPO_REF_COUNT ? ct_repo_api_caller_sql
								  : "SELECT r.id FROM r");
		PGresult *res;

		if (!fixed && !sql)
			return CT_REPO_TRANSIENT;
		ct_repo_api_name(i, name);
		res = PQprepare(repo->conn, name, fixed ? fixed : sql, 0, NULL);
		free(sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			st = ct_repo_classify(repo, res);
		PQclear(res);
	}
	if (st == CT_REPO_OK)
		repo->api_prepared = 1;
	return st;
}

/*
 * Runs statement i; a connection lost since the last request (a server
 * restart) is reopened and the statement tried once more, as it only
 * reads.
 */
static enum ct_repo_status ct_repo_api_exec(struct ct_repo *repo, int i, int n,
					    const char *const *params,
					    PGresult **out)
{
	enum ct_repo_status st = CT_REPO_TRANSIENT;
	char name[32];
	int attempt;

	*out = NULL;
	ct_repo_api_name(i, name);
	for (attempt = 0; attempt < 2; attempt++) {
		st = ct_repo_ready(repo);
		if (st == CT_REPO_OK && !repo->api_prepared)
			st = ct_repo_api_prepare(repo);
		if (st == CT_REPO_OK) {
			PGresult *res = PQexecPrepared(repo->conn, name, n, params,
						       NULL, NULL, 0);

			if (PQresultStatus(res) == PGRES_TUPLES_OK) {
				*out = res;
				return CT_REPO_OK;
			}
			st = ct_repo_classify(repo, res);
			PQclear(res);
		}
		if (st != CT_REPO_TRANSIENT ||
		    (repo->conn && PQstatus(repo->conn) == CONNECTION_OK))
			break;
	}
	return st;
}

enum ct_repo_status ct_repo_api_caller(struct ct_repo *repo, enum ct_repo_ref kind,
				       const char *value, const char *ref,
				       char **json)
{
	const char *params[2] = { value, ref };
	enum ct_repo_status st;
	PGresult *res = NULL;

	*json = NULL;
	if (kind >= CT_REPO_REF_COUNT)
		return CT_REPO_PERMANENT;
	st = ct_repo_api_exec(repo, (int)kind, 2, params, &res);
	if (st != CT_REPO_OK)
		return st;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		*json = strdup(PQgetvalue(res, 0, 0));
		if (!*json)
			st = CT_REPO_TRANSIENT;
	}
	PQclear(res);
	return st;
}

enum ct_repo_status ct_repo_api_resolve(struct ct_repo *repo, enum ct_repo_ref kind,
					const char *value, char id[37])
{
	const char *params[1] = { value };
	enum ct_repo_status st;
	PGresult *res = NULL;

	id[0] = '\0';
	if (kind >= CT_REPO_REF_COUNT)
		return CT_REPO_PERMANENT;
	st = ct_repo_api_exec(repo, CT_REPO_REF_COUNT + (int)kind, 1, params, &res);
	if (st != CT_REPO_OK)
		return st;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		snprintf(id, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return st;
}

enum ct_repo_status ct_repo_api_calls(struct ct_repo *repo, const char *profile_id,
				      const struct ct_repo_api_after *after,
				      int limit, struct ct_repo_api_page *out)
{
	char us[32], lim[16];
	const char *params[4] = { profile_id, NULL, NULL, lim };
	enum ct_repo_status st;
	PGresult *res = NULL;
	size_t len = 3, i, n;
	int rows;

	memset(out, 0, sizeof(*out));
	snprintf(lim, sizeof(lim), "%d", limit);
	if (after) {
		snprintf(us, sizeof(us), "%lld", (long long)after->started_us);
		params[1] = us;
		params[2] = after->session_id;
	}
	st = ct_repo_api_exec(repo, CT_API_STMT_CALLS, 4, params, &res);
	if (st != CT_REPO_OK)
		return st;
	rows = PQntuples(res);
	n = rows > limit ? (size_t)limit : (size_t)rows;
	for (i = 0; i < n; i++)
		len += (size_t)PQgetlength(res, (int)i, 0) + 1;
	out->calls = malloc(len);
	if (!out->calls) {
		PQclear(res);
		return CT_REPO_TRANSIENT;
	}
	len = 0;
	out->calls[len++] = '[';
	for (i = 0; i < n; i++) {
		size_t l = (size_t)PQgetlength(res, (int)i, 0);

		if (i)
			out->calls[len++] = ',';
		memcpy(out->calls + len, PQgetvalue(res, (int)i, 0), l);
		len += l;
	}
	out->calls[len++] = ']';
	out->calls[len] = '\0';
	if (rows > limit && n > 0) {
		out->more = true;
		out->next.started_us = strtoll(PQgetvalue(res, (int)n - 1, 1), NULL, 10);
		snprintf(out->next.session_id, sizeof(out->next.session_id), "%s",
			 PQgetvalue(res, (int)n - 1, 2));
	}
	PQclear(res);
	return CT_REPO_OK;
}

void ct_repo_api_page_clear(struct ct_repo_api_page *page)
{
	free(page->calls);
	memset(page, 0, sizeof(*page));
}

enum ct_repo_status ct_repo_api_ping(struct ct_repo *repo)
{
	PGresult *res = NULL;
	enum ct_repo_status st = ct_repo_api_exec(repo, CT_API_STMT_PING, 0, NULL,
						  &res);

	PQclear(res);
	return st;
}
