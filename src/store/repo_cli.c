/*
 * Repository, operator queries: the read-mostly queries of the operator CLI.
 * Results are copied into a plain table so the CLI never sees libpq, with
 * times in RFC 3339 (UTC, milliseconds) and arrays as JSON arrays, so that
 * no caller sees PostgreSQL's text forms (pgtext.h).
 */
#include <stdlib.h>
#include <string.h>

#include "convtrack/repo.h"
#include "convtrack/pgtext.h"
#include "repo_int.h"

/* Columns every profile query returns, in this order. */
#define CT_Q_PROFILE_COLUMNS                                                  \
	"SELECT p.id, p.profile_type, p.anonymous_id, p.username,"            \
	"  p.phone_number, p.email, p.merged_into_profile_id,"                \
	"  m.username AS merged_into_username, p.total_sessions,"             \
	"  p.total_messages, p.first_seen_at, p.last_seen_at,"                \
	"  p.profile_metadata, p.created_at"                                  \
	" FROM user_profiles p"                                                \
	" LEFT JOIN user_profiles m ON m.id = p.merged_into_profile_id"

static const char *const ct_repo_queries[CT_Q_COUNT] = {
	[CT_Q_PROFILE_BY_USERNAME] = CT_Q_PROFILE_COLUMNS " WHERE p.username = $1",
	[CT_Q_PROFILE_BY_ANONYMOUS_ID] = CT_Q_PROFILE_COLUMNS
		" WHERE p.anonymous_id = $1",
	[CT_Q_PROFILE_BY_ID] = CT_Q_PROFILE_COLUMNS " WHERE p.id = $1::uuid",
	[CT_Q_MERGED_FROM] =
		"SELECT p.id, p.anonymous_id, p.total_sessions,"
		"  o.anonymous_profile_id IS NOT NULL AS by_operator"
		" FROM user_profiles p"
		" LEFT JOIN profile_merge_overrides o ON o.anonymous_profile_id = p.id"
		" WHERE p.merged_into_profile_id = $1::uuid ORDER BY p.anonymous_id",
	/* a merged anonymous profile shows its device's history */
	[CT_Q_PROFILE_SESSIONS] =
		"SELECT s.session_id, s.started_at, s.ended_at, s.end_reason,"
		"  s.message_count, s.anonymous_id AS device_key,"
		"  s.authenticated_username"
		" FROM agent_sessions s JOIN user_profiles p ON p.id = $1::uuid"
		" WHERE (p.merged_into_profile_id IS NULL AND s.profile_id = p.id)"
		"    OR (p.merged_into_profile_id IS NOT NULL"
		"        AND s.anonymous_id = p.anonymous_id)"
		" ORDER BY s.started_at DESC NULLS LAST, s.session_id LIMIT $2::int",
	[CT_Q_PROFILE_SUMMARIES] =
		"SELECT c.session_id, c.summary_version, c.created_at,"
		"  s.started_at, c.sentiment, c.resolution_status, c.topics,"
		"  c.extracted_info, c.message_count, c.duration_seconds, c.summary"
		" FROM conversation_summaries c JOIN agent_sessions s USING (session_id)"
		" WHERE s.profile_id = $1::uuid"
		" ORDER BY s.started_at DESC NULLS LAST, c.session_id LIMIT $2::int",
	[CT_Q_MERGE] = "SELECT merge_profiles($1::uuid, $2::uuid)",
	/*
	 * The report (sql/003_analytics.sql defines the views).  With a first
	 * day the session figures are summed from the daily views; people
	 * figures (returning users) stay all-time, as a person is not a day.
	 */
	[CT_Q_REPORT_HEADLINE] =
		"SELECT CASE WHEN $1::date IS NULL THEN 'all time'"
		"   ELSE 'since ' || $1::date END AS period, h.* FROM ("
		" SELECT a.users, a.sessions, a.summarized_sessions, a.messages,"
		"  a.banking_share, a.positive_rate, a.negative_rate,"
		"  a.resolved_rate, a.escalated_rate, a.incomplete_rate,"
		"  a.returning_rate, a.conversion_rate, a.fcr_rate"
		" FROM analytics_summary a WHERE $1::date IS NULL"
		" UNION ALL"
		" SELECT NULL, NULL, sum(r.sessions), NULL,"
		"  round(sum(b.banking_queries)::numeric / NULLIF(sum(b.user_messages), 0), 4),"
		"  round(sum(t.positive)::numeric / NULLIF(sum(t.sessions), 0), 4),"
		"  round(sum(t.negative)::numeric / NULLIF(sum(t.sessions), 0), 4),"
		"  round(sum(r.resolved)::numeric / NULLIF(sum(r.sessions), 0), 4),"
		"  round(sum(r.escalated)::numeric / NULLIF(sum(r.sessions), 0), 4),"
		"  round(sum(r.incomplete)::numeric / NULLIF(sum(r.sessions), 0), 4),"
		"  NULL, (SELECT round(sum(converted)::numeric"
		"          / NULLIF(sum(anonymous_profiles), 0), 4)"
		"         FROM analytics_conversion WHERE day >= $1::date), NULL"
		" FROM analytics_daily_resolution r"
		" LEFT JOIN analytics_daily_sentiment t USING (day)"
		" LEFT JOIN analytics_banking_share b USING (day)"
		" WHERE r.day >= $1::date HAVING $1::date IS NOT NULL) h",
	[CT_Q_REPORT_ENGAGEMENT] =
		"SELECT profile_type, users, sessions, messages,"
		"  avg_sessions_per_user, avg_messages_per_user"
		" FROM analytics_engagement_by_profile_type ORDER BY profile_type",
	[CT_Q_REPORT_TOPICS] =
		"SELECT topic, sessions, positive_rate, negative_rate, resolved_rate,"
		"  escalated_rate, incomplete_rate"
		" FROM analytics_topic_outcomes ORDER BY sessions DESC, topic LIMIT 15",
	[CT_Q_REPORT_FCR] =
		"SELECT COALESCE(topic, '(all topics)') AS topic, sessions,"
		"  first_contact_resolved, fcr_rate, repeat_contacts"
		" FROM analytics_first_contact_resolution"
		" ORDER BY scope = 'overall' DESC, sessions DESC, topic LIMIT 16",
	[CT_Q_REPORT_DAILY] =
		"SELECT r.day, r.sessions AS summarized, t.positive_rate,"
		"  t.negative_rate, r.resolved_rate, r.escalated_rate,"
		"  b.banking_share, u.returning_rate"
		" FROM analytics_daily_resolution r"
		" LEFT JOIN analytics_daily_sentiment t USING (day)"
		" LEFT JOIN analytics_banking_share b USING (day)"
		" LEFT JOIN analytics_returning_users u USING (day)"
		" WHERE r.day >= COALESCE($1::date,"
		"   (SELECT max(day) - 13 FROM analytics_daily_resolution))"
		" ORDER BY r.day",
	/* merges, audit and shared devices (sql/006_merge_ledger.sql) */
	[CT_Q_UNMERGE] = "SELECT unmerge_profile($1::uuid) AS previous_target",
	[CT_Q_PROFILE_HISTORY] =
		"SELECT a.at, a.kind, a.event_id, a.actor, a.detail"
		" FROM profile_audit a WHERE a.profile_id = $1::uuid"
		" ORDER BY a.at, a.id",
	[CT_Q_PROFILE_MERGES] =
		"SELECT l.id AS ledger_id, l.at, l.anonymous_profile_id,"
		"  a.anonymous_id AS device_key, l.from_profile_id, l.to_profile_id,"
		"  l.cause, l.event_id, l.actor, to_jsonb(l.sessions) AS sessions"
		" FROM profile_merge_ledger l"
		" LEFT JOIN user_profiles a ON a.id = l.anonymous_profile_id"
		" WHERE l.anonymous_profile_id = $1::uuid"
		"    OR l.from_profile_id = $1::uuid OR l.to_profile_id = $1::uuid"
		" ORDER BY l.id",
	/* user profile ids, not usernames: an operator looks them up */
	[CT_Q_SHARED_DEVICES] =
		"SELECT d.anonymous_profile_id, a.anonymous_id AS device_key,"
		"  d.users, (SELECT jsonb_agg(DISTINCT u.id) FROM agent_sessions s"
		"   JOIN user_profiles u ON u.username = s.authenticated_username"
		"   WHERE s.anonymous_id = a.anonymous_id) AS user_profile_ids,"
		"  a.merged_into_profile_id,"
		"  o.anonymous_profile_id IS NOT NULL AS operator_override,"
		"  a.total_sessions, d.flagged_at"
		" FROM shared_devices d"
		" JOIN user_profiles a ON a.id = d.anonymous_profile_id"
		" LEFT JOIN profile_merge_overrides o"
		"  ON o.anonymous_profile_id = d.anonymous_profile_id"
		" ORDER BY d.flagged_at, d.anonymous_profile_id",
	[CT_Q_SHARED_DEVICE_POLICY] =
		"SELECT ct_apply_shared_device_policy($1::text) AS devices_changed",
	[CT_Q_SHARED_DEVICE_COUNT] = "SELECT count(*) FROM shared_devices",
};

static const int ct_repo_query_params[CT_Q_COUNT] = {
	[CT_Q_PROFILE_BY_USERNAME] = 1, [CT_Q_PROFILE_BY_ANONYMOUS_ID] = 1,
	[CT_Q_PROFILE_BY_ID] = 1, [CT_Q_MERGED_FROM] = 1,
	[CT_Q_PROFILE_SESSIONS] = 2, [CT_Q_PROFILE_SUMMARIES] = 2,
	[CT_Q_MERGE] = 2, [CT_Q_REPORT_HEADLINE] = 1, [CT_Q_REPORT_DAILY] = 1,
	[CT_Q_UNMERGE] = 1, [CT_Q_PROFILE_HISTORY] = 1, [CT_Q_PROFILE_MERGES] = 1,
	[CT_Q_SHARED_DEVICE_POLICY] = 1,
};

/*
 * How a column of type oid is handed over (pg_type's oids): 'b' boolean,
 * 'n' number, 'j' JSON (json, jsonb, and arrays, rewritten as JSON
 * arrays), 't' time (rewritten as RFC 3339 in UTC), 's' text.  *elem is
 * the element kind of an array type, and -1 for other types.
 */
static char ct_repo_kind(Oid type, int *elem)
{
	*elem = -1;
	switch (type) {
	case 16: /* bool */
		return 'b';
	case 20: case 21: case 23: case 700: case 701: case 1700: /* numbers */
		return 'n';
	case 114: case 3802: /* json, jsonb */
		return 'j';
	case 1114: case 1184: /* timestamp, timestamptz */
		return 't';
	case 1000: /* bool[] */
		*elem = CT_PGTEXT_BOOL;
		return 'j';
	case 1005: case 1007: case 1016: case 1021: case 1022: case 1231:
		*elem = CT_PGTEXT_NUMBER; /* int2[] ... numeric[] */
		return 'j';
	case 1115: case 1185: /* timestamp[], timestamptz[] */
		*elem = CT_PGTEXT_TIME;
		return 'j';
	case 1003: case 1009: case 1014: case 1015: case 2951: /* name[] ... uuid[] */
		*elem = CT_PGTEXT_STRING;
		return 'j';
	default:
		return 's';
	}
}

/*
 * A copy of a cell as the table hands it over: a time in RFC 3339, an
 * array as a JSON array; anything that does not convert (a time such as
 * "infinity") stays as PostgreSQL printed it.
 */
static char *ct_repo_cell(const char *v, char *kind, int elem)
{
	char time[CT_PGTEXT_TIME_LEN];
	char *json;

	if (*kind == 't') {
		if (ct_pgtext_time(v, time) == 0)
			return strdup(time);
		return strdup(v);
	}
	if (elem >= 0) {
		json = ct_pgtext_array_json(v, (enum ct_pgtext_elem)elem);
		if (json)
			return json;
	}
	return strdup(v);
}

static int ct_repo_table_copy(const PGresult *res, struct ct_repo_table *t)
{
	int elem[64];
	size_t r, c;

	t->nrows = (size_t)PQntuples(res);
	t->ncols = (size_t)PQnfields(res);
	if (t->ncols > sizeof(elem) / sizeof(elem[0]))
		return -1;
	t->names = calloc(t->ncols + 1, sizeof(*t->names));
	t->kinds = calloc(t->ncols + 1, 1);
	t->cells = calloc(t->nrows * t->ncols + 1, sizeof(*t->cells));
	if (!t->names || !t->kinds || !t->cells)
		return -1;
	for (c = 0; c < t->ncols; c++) {
		t->names[c] = strdup(PQfname(res, (int)c));
		t->kinds[c] = ct_repo_kind(PQftype(res, (int)c), &elem[c]);
		if (!t->names[c])
			return -1;
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			char **cell = &t->cells[r * t->ncols + c];

			if (PQgetisnull(res, (int)r, (int)c))
				continue;
			*cell = ct_repo_cell(PQgetvalue(res, (int)r, (int)c),
					     &t->kinds[c], elem[c]);
			if (!*cell)
				return -1;
		}
	}
	return 0;
}

enum ct_repo_status ct_repo_query(struct ct_repo *repo, enum ct_repo_query q,
				  const char *const *params,
				  struct ct_repo_table *out)
{
	enum ct_repo_status st;
	PGresult *res;

	memset(out, 0, sizeof(*out));
	st = ct_repo_ready(repo);
	if (st != CT_REPO_OK)
		return st;
	res = PQexecParams(repo->conn, ct_repo_queries[q], ct_repo_query_params[q],
			   NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = ct_repo_classify(repo, res);
		PQclear(res);
		return st;
	}
	if (ct_repo_table_copy(res, out) < 0) {
		ct_repo_table_free(out);
		st = CT_REPO_TRANSIENT;
	}
	PQclear(res);
	return st;
}

enum ct_repo_status ct_repo_shared_devices(struct ct_repo *repo, long long *n)
{
	struct ct_repo_table t;
	enum ct_repo_status st;

	st = ct_repo_query(repo, CT_Q_SHARED_DEVICE_COUNT, NULL, &t);
	*n = st == CT_REPO_OK && t.nrows == 1 && t.cells[0] ? atoll(t.cells[0]) : 0;
	ct_repo_table_free(&t);
	return st;
}

const char *ct_repo_table_get(const struct ct_repo_table *t, size_t r,
			      const char *col)
{
	size_t c;

	if (r >= t->nrows)
		return NULL;
	for (c = 0; c < t->ncols; c++)
		if (strcmp(t->names[c], col) == 0)
			return t->cells[r * t->ncols + c];
	return NULL;
}

void ct_repo_table_free(struct ct_repo_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; t->names && i < t->ncols; i++)
		free(t->names[i]);
	for (i = 0; t->cells && i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->names);
	free(t->kinds);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
