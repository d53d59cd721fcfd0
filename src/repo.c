/*
 * Repository: convtrack's PostgreSQL access over libpq.
 *
 * A batch is applied in one READ COMMITTED transaction:
 *
 *   1. read the lock set: the batch's sessions, the profiles and anonymous
 *      keys they can affect (their current profile, their keys' profiles,
 *      the keys' merge targets and every profile a session of those keys
 *      points to);
 *   2. take transaction-scoped advisory locks on all of them, sorted, in one
 *      statement (a consistent order for every worker and merge_profiles());
 *   3. insert the facts (one statement per event type, unnest of arrays) and
 *      upsert messages (last writer in event time) and session counters;
 *   4. recompute from the facts, for the sessions and keys of the batch:
 *      session keys and users (rule 1) with the sessions' profiles (rule 3)
 *      in one rewrite, user attributes (rule 6), merges (rules 2, 11) and
 *      rule 3 again where a merge moved (sql/009_session_links.sql), and
 *      statistics (rule 4);
 *   5. check that every profile whose statistics changed was locked in 2; if
 *      a concurrent change made the set grow, roll back and start again with
 *      the larger set; else commit.
 *
 * Because every derived value is recomputed from facts under locks that
 * cover all its inputs, the last transaction to commit sees everything and
 * the result does not depend on arrival order or on how events are spread
 * over workers.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "convtrack/ids.h"
#include "convtrack/log.h"
#include "convtrack/repo.h"
#include "migrations_data.h"
#include "pgarray.h"
#include "repo_int.h"

/* Advisory lock that serializes concurrent `convtrack migrate` runs. */
#define CT_REPO_MIGRATE_LOCK 4200310001LL

/* Lock-set growth restarts before giving up as a transient failure. */
#define CT_REPO_MAX_LOCK_ROUNDS 16


/* Prepared statements: name, SQL, number of parameters. */
enum ct_repo_stmt {
	STMT_LOCKSET = 0,
	STMT_LOCK,
	STMT_JOINS,
	STMT_AUTHS,
	STMT_ENDS,
	STMT_MSG_PROBE,
	STMT_MSG_UPSERT,
	STMT_SESSIONS,
	STMT_REFRESH_SESSIONS,
	STMT_AUDIT_CREATED,
	STMT_ENSURE_PROFILES,
	STMT_USER_ATTRS,
	STMT_LINK_SESSIONS,
	STMT_STATS_IDS,
	STMT_STATS,
	STMT_CANDIDATES,
	STMT_METADATA,
	STMT_REOPEN,
	STMT_DUE,
	STMT_REDACTIONS,
	STMT_COUNT
};

/*
 * $1 all sessions of the batch, $2 sessions with structural events
 * (participant_joined, authenticated, call_ended), $3 anonymous keys of the
 * batch's participant_joined events.  Returns ('k', key) for the keys whose
 * merges and sessions the batch may change, and ('p', profile id) for every
 * profile it may change.
 */
static const char SQL_LOCKSET[] =
	"WITH cur AS ("
	"  SELECT session_id, profile_id, anonymous_id FROM agent_sessions"
	"   WHERE session_id = ANY ($1::uuid[])"
	"), keys AS ("
	"  SELECT unnest($3::text[]) AS k"
	"  UNION SELECT anonymous_id FROM cur"
	"   WHERE anonymous_id IS NOT NULL AND session_id = ANY ($2::uuid[])"
	")"
	" SELECT 'k', k FROM keys"
	" UNION SELECT 'p', profile_id::text FROM cur WHERE profile_id IS NOT NULL"
	" UNION SELECT 'p', p.id::text FROM user_profiles p"
	"   JOIN cur ON p.anonymous_id = cur.anonymous_id"
	" UNION SELECT 'p', p.id::text FROM user_profiles p"
	"   JOIN keys ON p.anonymous_id = keys.k"
	" UNION SELECT 'p', p.merged_into_profile_id::text FROM user_profiles p"
	"   JOIN keys ON p.anonymous_id = keys.k"
	"  WHERE p.merged_into_profile_id IS NOT NULL"
	" UNION SELECT 'p', s.profile_id::text FROM agent_sessions s"
	"   JOIN keys ON s.anonymous_id = keys.k WHERE s.profile_id IS NOT NULL";

/* $1 sorted lock keys.  unnest yields them in array order. */
static const char SQL_LOCK[] =
	"SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k";

static const char SQL_JOINS[] =
	"INSERT INTO participant_joins (event_id, session_id, occurred_at,"
	"  room_id, participant_id, anonymous_id, anonymous_key, metadata)"
	" SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[],"
	"  $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])"
	" ON CONFLICT (event_id) DO NOTHING";

/* $7, $8: the keyed hashes of phone and email (sql/005_redaction.sql). */
static const char SQL_AUTHS[] =
	"INSERT INTO session_authentications (event_id, session_id, occurred_at,"
	"  username, phone_number, email, phone_hash, email_hash)"
	" SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[],"
	"  $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])"
	" ON CONFLICT (event_id) DO NOTHING";

static const char SQL_ENDS[] =
	"INSERT INTO call_ends (event_id, session_id, occurred_at, reason,"
	"  duration_seconds)"
	" SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[],"
	"  $4::text[], $5::float8[])"
	" ON CONFLICT (event_id) DO NOTHING";

/*
 * Session counters, after the messages (repo_messages.c): $1..$3 the
 * sessions of the batch with messages only, with their earliest and latest
 * event time, $4 the messages newly stored for each.  The sessions with
 * structural events ($5..$7) are only created here when new: the rule 1
 * update counts them in the same rewrite (SQL_REFRESH_SESSIONS), so that a
 * join does not rewrite its session twice (neither rewrite is HOT).
 */
static const char SQL_SESSIONS[] =
	"WITH structural AS (INSERT INTO agent_sessions (session_id, started_at,"
	"   last_event_at, message_count)"
	"  SELECT sid, lo, hi, 0 FROM unnest($5::uuid[], $6::timestamptz[],"
	"   $7::timestamptz[]) AS x(sid, lo, hi)"
	"  ON CONFLICT (session_id) DO NOTHING)"
	" INSERT INTO agent_sessions AS s (session_id, started_at, last_event_at,"
	"  message_count)"
	" SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[],"
	"  $4::int[])"
	" ON CONFLICT (session_id) DO UPDATE SET"
	"  started_at = LEAST(s.started_at, EXCLUDED.started_at),"
	"  last_event_at = GREATEST(s.last_event_at, EXCLUDED.last_event_at),"
	"  message_count = s.message_count + EXCLUDED.message_count,"
	"  last_applied_at = now(), updated_at = now()";

/*
 * Rule 1 and the session attributes, from the facts, for sessions $1: key
 * and participant from the earliest participant_joined, room from the
 * latest, user from the earliest authenticated, end from the latest
 * call_ended (reason and duration from the latest carrying them).  In the
 * same rewrite, the batch's counters of the session ($2..$4, as
 * SQL_SESSIONS's $2..$4) and rule 3 from the profiles as they are before
 * rule 2 runs (ENSURE_PROFILES has created the batch's): ct_link_sessions()
 * finishes it (sql/009_session_links.sql).  Returns the sessions whose
 * profile changed, with their old and new profile.
 */
static const char SQL_REFRESH_SESSIONS[] =
	"WITH moved AS (UPDATE agent_sessions s SET"
	"  anonymous_id = ej.anonymous_key, participant_id = ej.participant_id,"
	"  room_id = lj.room_id, authenticated_username = ea.username,"
	"  auth_at = ea.occurred_at, auth_event_id = ea.event_id,"
	"  ended_at = COALESCE(le.occurred_at, s.stale_ended_at),"
	"  end_reason = CASE WHEN le.occurred_at IS NOT NULL THEN lr.reason"
	"   WHEN s.stale_ended_at IS NOT NULL THEN 'stale' END,"
	"  duration_seconds = ld.duration_seconds,"
	"  profile_id = COALESCE(u.id, a.merged_into_profile_id, a.id),"
	"  started_at = LEAST(s.started_at, r.lo),"
	"  last_event_at = GREATEST(s.last_event_at, r.hi),"
	"  message_count = s.message_count + r.n,"
	"  last_applied_at = now(), updated_at = now()"
	" FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::int[])"
	"  AS r(sid, lo, hi, n)"
	" JOIN agent_sessions o ON o.session_id = r.sid"
	" LEFT JOIN LATERAL (SELECT anonymous_key, participant_id"
	"   FROM participant_joins WHERE session_id = r.sid"
	"   ORDER BY occurred_at, event_id LIMIT 1) ej ON true"
	" LEFT JOIN LATERAL (SELECT room_id FROM participant_joins"
	"   WHERE session_id = r.sid"
	"   ORDER BY occurred_at DESC, event_id DESC LIMIT 1) lj ON true"
	" LEFT JOIN LATERAL (SELECT username, occurred_at, event_id"
	"   FROM session_authentications WHERE session_id = r.sid"
	"   ORDER BY occurred_at, event_id LIMIT 1) ea ON true"
	" LEFT JOIN LATERAL (SELECT occurred_at FROM call_ends"
	"   WHERE session_id = r.sid"
	"   ORDER BY occurred_at DESC, event_id DESC LIMIT 1) le ON true"
	" LEFT JOIN LATERAL (SELECT reason FROM call_ends"
	"   WHERE session_id = r.sid AND reason IS NOT NULL"
	"   ORDER BY occurred_at DESC, event_id DESC LIMIT 1) lr ON true"
	" LEFT JOIN LATERAL (SELECT duration_seconds FROM call_ends"
	"   WHERE session_id = r.sid AND duration_seconds IS NOT NULL"
	"   ORDER BY occurred_at DESC, event_id DESC LIMIT 1) ld ON true"
	" LEFT JOIN user_profiles u ON u.username = ea.username"
	" LEFT JOIN user_profiles a ON a.anonymous_id = ej.anonymous_key"
	" WHERE s.session_id = r.sid"
	" RETURNING s.session_id, o.profile_id AS old_id, s.profile_id AS new_id)"
	" SELECT session_id, old_id, new_id FROM moved"
	"  WHERE old_id IS DISTINCT FROM new_id";

/*
 * Rule 1: one profile per anonymous key ($1 ids, $2 keys) and username.
 * A new profile has no summarized session yet: its metadata says so from
 * the start (rule 9 would write the same), so moving new sessions to it
 * needs no rule 9 (SQL_METADATA).
 */
static const char SQL_ENSURE_PROFILES[] =
	"INSERT INTO user_profiles (id, profile_type, anonymous_id, username,"
	"  profile_metadata)"
	" SELECT id, 'anonymous', k, NULL, '{\"summarized_sessions\": 0}'::jsonb"
	"  FROM unnest($1::uuid[], $2::text[]) AS a(id, k)"
	" UNION ALL SELECT id, 'authenticated', NULL, u,"
	"  '{\"summarized_sessions\": 0}'::jsonb"
	"  FROM unnest($3::uuid[], $4::text[]) AS b(id, u)"
	" ON CONFLICT DO NOTHING";

/*
 * Audit (sql/004_audit.sql): a 'created' row for each profile that
 * ENSURE_PROFILES is about to create, naming the batch's earliest event
 * that introduced it.  $1..$4 as ENSURE_PROFILES; $5..$7 the batch's
 * participant_joined events (id, time, key), $8..$10 its authenticated
 * events (id, time, username).  Runs under the advisory locks of those
 * profile ids (the batch's base locks), so no other transaction can create
 * one of them in between: each profile gets one 'created' row.
 */
static const char SQL_AUDIT_CREATED[] =
	"INSERT INTO profile_audit (profile_id, kind, event_id, detail)"
	" SELECT n.id, 'created', n.e, jsonb_build_object('profile_type', n.t)"
	" FROM ((SELECT DISTINCT ON (k.id) k.id, 'anonymous' AS t, j.e"
	"   FROM unnest($1::uuid[], $2::text[]) AS k(id, key)"
	"   JOIN unnest($5::uuid[], $6::timestamptz[], $7::text[]) AS j(e, at, key)"
	"    ON j.key = k.key ORDER BY k.id, j.at, j.e)"
	"  UNION ALL"
	"  (SELECT DISTINCT ON (u.id) u.id, 'authenticated', a.e"
	"   FROM unnest($3::uuid[], $4::text[]) AS u(id, name)"
	"   JOIN unnest($8::uuid[], $9::timestamptz[], $10::text[]) AS a(e, at, name)"
	"    ON a.name = u.name ORDER BY u.id, a.at, a.e)) n"
	" WHERE NOT EXISTS (SELECT 1 FROM user_profiles p WHERE p.id = n.id)";

/*
 * Rule 6: a user's phone and email from the latest event carrying them,
 * with their keyed hashes from the same event.
 */
static const char SQL_USER_ATTRS[] =
	"UPDATE user_profiles p SET phone_number = x.phone, email = x.email,"
	"  phone_hash = x.phone_hash, email_hash = x.email_hash,"
	"  updated_at = now()"
	" FROM (SELECT u.username, ph.phone_number AS phone, ph.phone_hash,"
	"   em.email, em.email_hash"
	"  FROM unnest($1::text[]) AS u(username)"
	"  LEFT JOIN LATERAL (SELECT a.phone_number, a.phone_hash"
	"    FROM session_authentications a"
	"    WHERE a.username = u.username AND a.phone_number IS NOT NULL"
	"    ORDER BY a.occurred_at DESC, a.event_id DESC LIMIT 1) ph ON true"
	"  LEFT JOIN LATERAL (SELECT a.email, a.email_hash"
	"    FROM session_authentications a"
	"    WHERE a.username = u.username AND a.email IS NOT NULL"
	"    ORDER BY a.occurred_at DESC, a.event_id DESC LIMIT 1) em ON true) x"
	" WHERE p.username = x.username"
	"  AND (p.phone_number, p.email, p.phone_hash, p.email_hash)"
	"   IS DISTINCT FROM (x.phone, x.email, x.phone_hash, x.email_hash)"
	" RETURNING p.id";

/*
 * Rules 2 and 3 after SQL_REFRESH_SESSIONS, whose moves are $3..$5
 * (sql/009_session_links.sql); $2 merge.shared_device_policy.  The fourth
 * column says whether the session has a summary.
 */
static const char SQL_LINK_SESSIONS[] =
	"SELECT x.old_profile_id, x.new_profile_id, x.session_id,"
	"  EXISTS (SELECT 1 FROM conversation_summaries c"
	"   WHERE c.session_id = x.session_id)"
	" FROM ct_link_sessions($1::text[], $2::text, $3::uuid[], $4::uuid[],"
	"  $5::uuid[]) x";

/*
 * The profiles whose statistics the batch may change: those of its
 * sessions, their keys' profiles, the keys' profiles ($2) and the profiles
 * sessions moved from or to ($3).
 */
static const char SQL_STATS_IDS[] =
	"SELECT DISTINCT id::text FROM ("
	"  SELECT profile_id AS id FROM agent_sessions"
	"   WHERE session_id = ANY ($1::uuid[])"
	"  UNION ALL SELECT p.id FROM agent_sessions s"
	"   JOIN user_profiles p ON p.anonymous_id = s.anonymous_id"
	"   WHERE s.session_id = ANY ($1::uuid[])"
	"  UNION ALL SELECT id FROM user_profiles WHERE anonymous_id = ANY ($2::text[])"
	"  UNION ALL SELECT unnest($3::uuid[])"
	") x WHERE id IS NOT NULL";

static const char SQL_STATS[] = "SELECT ct_refresh_profile_stats($1::uuid[])";

/*
 * Rule 10 after identities changed: $1 anonymous profiles whose sessions
 * changed, $2 users whose phone or email changed.  Returns the sessions
 * whose candidates changed (their summaries list them).
 */
static const char SQL_CANDIDATES[] =
	"SELECT session_id FROM ct_refresh_candidates(ARRAY(SELECT id"
	"  FROM user_profiles WHERE anonymous_id = ANY ($1::text[])), $2::uuid[])";

/*
 * Rule 9 for profiles whose set of sessions changed ($1), when that can
 * change their metadata: it is derived from the summaries of their
 * sessions, so only a summarized session moving in or out changes it ($2:
 * the profiles of those moves), besides the first refresh of a new profile
 * (no summarized_sessions yet).  Most moves are of new sessions (joins).
 */
static const char SQL_METADATA[] =
	"SELECT ct_refresh_profile_metadata(ARRAY(SELECT id FROM user_profiles"
	"  WHERE id = ANY ($1::uuid[]) AND (id = ANY ($2::uuid[])"
	"   OR NOT profile_metadata ? 'summarized_sessions')))";

/*
 * Rule 8: a message ($1: sessions with messages in the batch) reopens a
 * session that the stale sweep ended and that has no call_ended.
 */
static const char SQL_REOPEN[] =
	"UPDATE agent_sessions s SET stale_ended_at = NULL, ended_at = NULL,"
	"  end_reason = NULL, summary_due_at = NULL, updated_at = now()"
	" WHERE s.session_id = ANY ($1::uuid[]) AND s.stale_ended_at IS NOT NULL"
	"  AND NOT EXISTS (SELECT 1 FROM call_ends c WHERE c.session_id = s.session_id)";

/*
 * Rule 7: an ended session of the batch ($1) is summarized once it has been
 * quiet for $3 ms; one whose profile or candidates changed ($2) at once.
 */
static const char SQL_DUE[] =
	"UPDATE agent_sessions SET summary_due_at = CASE"
	"  WHEN session_id = ANY ($1::uuid[])"
	"   THEN now() + make_interval(secs => $3::int / 1000.0)"
	"  ELSE LEAST(COALESCE(summary_due_at, now()), now()) END"
	" WHERE (session_id = ANY ($1::uuid[]) OR session_id = ANY ($2::uuid[]))"
	"  AND ended_at IS NOT NULL";


static const struct {
	const char *name;
	const char *sql;
	int nparams;
} ct_repo_stmts[STMT_COUNT] = {
	[STMT_LOCKSET] = { "ct_lockset", SQL_LOCKSET, 3 },
	[STMT_LOCK] = { "ct_lock", SQL_LOCK, 1 },
	[STMT_JOINS] = { "ct_joins", SQL_JOINS, 8 },
	[STMT_AUTHS] = { "ct_auths", SQL_AUTHS, 8 },
	[STMT_ENDS] = { "ct_ends", SQL_ENDS, 5 },
	[STMT_MSG_PROBE] = { CT_STMT_MSG_PROBE, CT_SQL_MSG_PROBE, 1 },
	[STMT_MSG_UPSERT] = { CT_STMT_MSG_UPSERT, CT_SQL_MSG_UPSERT, 8 },
	[STMT_SESSIONS] = { "ct_sessions", SQL_SESSIONS, 7 },
	[STMT_REFRESH_SESSIONS] = { "ct_refresh_sessions", SQL_REFRESH_SESSIONS, 4 },
	[STMT_AUDIT_CREATED] = { "ct_audit_created", SQL_AUDIT_CREATED, 10 },
	[STMT_ENSURE_PROFILES] = { "ct_ensure_profiles", SQL_ENSURE_PROFILES, 4 },
	[STMT_USER_ATTRS] = { "ct_user_attrs", SQL_USER_ATTRS, 1 },
	[STMT_LINK_SESSIONS] = { "ct_link_sessions", SQL_LINK_SESSIONS, 5 },
	[STMT_STATS_IDS] = { "ct_stats_ids", SQL_STATS_IDS, 3 },
	[STMT_STATS] = { "ct_stats", SQL_STATS, 1 },
	[STMT_CANDIDATES] = { "ct_candidates", SQL_CANDIDATES, 2 },
	[STMT_METADATA] = { "ct_metadata", SQL_METADATA, 2 },
	[STMT_REOPEN] = { "ct_reopen", SQL_REOPEN, 1 },
	[STMT_DUE] = { "ct_due", SQL_DUE, 3 },
	[STMT_REDACTIONS] = { CT_STMT_MSG_REDACTIONS, CT_SQL_MSG_REDACTIONS, 3 },
};

void ct_repo_set_grace_ms(struct ct_repo *repo, int grace_ms)
{
	repo->grace_ms = grace_ms;
}

void ct_repo_set_shared_device_policy(struct ct_repo *repo, const char *policy)
{
	snprintf(repo->shared_device_policy, sizeof(repo->shared_device_policy),
		 "%s", policy);
}

const char *ct_repo_error(const struct ct_repo *repo)
{
	return repo->err;
}

/*
 * Classifies a failed result (or a NULL result on a broken connection).
 * The one place that decides what is retried.
 */
enum ct_repo_status ct_repo_classify(struct ct_repo *repo,
					    const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(repo->conn);

	snprintf(repo->err, sizeof(repo->err), "%s%s%s", state ? state : "",
		 state ? ": " : "", msg && *msg ? msg : "unknown error");
	repo->err[strcspn(repo->err, "\n")] = '\0';
	if (PQstatus(repo->conn) != CONNECTION_OK || !state)
		return CT_REPO_TRANSIENT;
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strncmp(state, "53", 2) == 0 ||
	    strncmp(state, "57", 2) == 0 || strncmp(state, "58", 2) == 0)
		return CT_REPO_TRANSIENT;
	if (strncmp(state, "42", 2) == 0 || strncmp(state, "28", 2) == 0 ||
	    strncmp(state, "3D", 2) == 0 || strncmp(state, "0A", 2) == 0)
		return CT_REPO_FATAL;
	return CT_REPO_PERMANENT;
}

static enum ct_repo_status ct_repo_prepare(struct ct_repo *repo)
{
	int i;

	for (i = 0; i < STMT_COUNT; i++) {
		PGresult *res = PQprepare(repo->conn, ct_repo_stmts[i].name,
					  ct_repo_stmts[i].sql,
					  ct_repo_stmts[i].nparams, NULL);
		enum ct_repo_status st = CT_REPO_OK;

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			st = ct_repo_classify(repo, res);
		PQclear(res);
		if (st != CT_REPO_OK)
			return st;
	}
	repo->prepared = 1;
	return CT_REPO_OK;
}

static void ct_repo_notice(void *arg, const char *message)
{
	(void)arg;
	ct_log(CT_LOG_DEBUG, "postgres: %.*s", (int)strcspn(message, "\n"), message);
}

/* Opens (or reopens) the connection: transient when it cannot. */
static enum ct_repo_status ct_repo_open(struct ct_repo *repo)
{
	const char *keys[] = { "dbname", "application_name", "connect_timeout", NULL };
	const char *vals[] = { repo->conninfo, "convtrack", "10", NULL };
	PGresult *res;

	PQfinish(repo->conn);
	repo->prepared = 0;
	repo->conn = PQconnectdbParams(keys, vals, 1);
	if (!repo->conn) {
		snprintf(repo->err, sizeof(repo->err), "out of memory");
		return CT_REPO_TRANSIENT;
	}
	if (PQstatus(repo->conn) != CONNECTION_OK) {
		snprintf(repo->err, sizeof(repo->err), "%s",
			 PQerrorMessage(repo->conn));
		repo->err[strcspn(repo->err, "\n")] = '\0';
		return CT_REPO_TRANSIENT;
	}
	PQsetNoticeProcessor(repo->conn, ct_repo_notice, NULL);
	/*
	 * Plan every execution for its own arrays.  A cached generic plan is
	 * made once from the statistics of the moment; a worker that starts on
	 * a young database keeps seq scans that cost more with every row the
	 * tables gain (measured: 60 ms instead of 1.5 ms per batch after a
	 * million messages).  Planning costs ~0.1 ms per statement.
	 *
	 * And no JIT: the statements are short, but the estimates of those
	 * inside the rule functions (lateral subqueries per key, CTEs with
	 * subplans) pass jit_above_cost, and compiling took ~400 ms of a
	 * 404 ms ct_refresh_merges() call: a third of the backend's time in
	 * bench/run.sh --profile.
	 *
	 * And random pages cost what sequential ones do, nearly: the rows a
	 * batch reads are in shared buffers.  With the default (4.0) the
	 * planner scanned all of agent_sessions rather than probe its primary
	 * key for a batch's ~250 sessions, in four statements of every batch
	 * (~12 ms per batch with 20,000 sessions stored, growing with them).
	 */
	res = PQexec(repo->conn, "SET plan_cache_mode = force_custom_plan;"
			   " SET jit = off; SET random_page_cost = 1.1");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		enum ct_repo_status st = ct_repo_classify(repo, res);

		PQclear(res);
		return st;
	}
	PQclear(res);
	return CT_REPO_OK;
}

enum ct_repo_status ct_repo_connect(const char *conninfo, struct ct_repo **out,
				    char *err, size_t errlen)
{
	struct ct_repo *repo = calloc(1, sizeof(*repo));
	enum ct_repo_status st;

	*out = NULL;
	if (!repo || !(repo->conninfo = strdup(conninfo ? conninfo : ""))) {
		free(repo);
		snprintf(err, errlen, "out of memory");
		return CT_REPO_FATAL;
	}
	ct_repo_set_shared_device_policy(repo, "history");
	st = ct_repo_open(repo);
	if (st != CT_REPO_OK) {
		snprintf(err, errlen, "%s", repo->err);
		ct_repo_free(repo);
		return st;
	}
	*out = repo;
	return CT_REPO_OK;
}

void ct_repo_free(struct ct_repo *repo)
{
	if (!repo)
		return;
	PQfinish(repo->conn);
	ct_erasure_hasher_free(repo->hasher);
	free(repo->conninfo);
	free(repo);
}

/* Reconnects and prepares when needed: every transaction starts here. */
enum ct_repo_status ct_repo_ready(struct ct_repo *repo)
{
	enum ct_repo_status st;

	if (!repo->conn || PQstatus(repo->conn) != CONNECTION_OK) {
		st = ct_repo_open(repo);
		if (st != CT_REPO_OK)
			return st;
	}
	if (!repo->prepared)
		return ct_repo_prepare(repo);
	return CT_REPO_OK;
}

/* Runs a simple command (BEGIN, COMMIT, ...). */
enum ct_repo_status ct_repo_command(struct ct_repo *repo, const char *sql)
{
	PGresult *res = PQexec(repo->conn, sql);
	enum ct_repo_status st = CT_REPO_OK;
	ExecStatusType rs = PQresultStatus(res);

	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
		st = ct_repo_classify(repo, res);
	PQclear(res);
	return st;
}

/* Rolls back after a failure; the connection is reset if that fails too. */
void ct_repo_rollback(struct ct_repo *repo)
{
	PGresult *res;

	if (!repo->conn || PQstatus(repo->conn) != CONNECTION_OK)
		return;
	res = PQexec(repo->conn, "ROLLBACK");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQfinish(repo->conn);
		repo->conn = NULL;
		repo->prepared = 0;
	}
	PQclear(res);
}

/*
 * Runs prepared statement stmt.  On success *out (when not NULL) receives
 * the result, which the caller clears; on failure nothing is returned.
 */
static enum ct_repo_status ct_repo_run(struct ct_repo *repo, enum ct_repo_stmt stmt,
				       const char *const *params, PGresult **out)
{
	return ct_repo_run_named(repo, ct_repo_stmts[stmt].name,
				 ct_repo_stmts[stmt].nparams, params, out);
}

enum ct_repo_status ct_repo_run_named(struct ct_repo *repo, const char *name,
				      int nparams, const char *const *params,
				      PGresult **out)
{
	PGresult *res = PQexecPrepared(repo->conn, name, nparams, params, NULL,
				       NULL, 0);
	ExecStatusType rs = PQresultStatus(res);
	enum ct_repo_status st;

	if (out)
		*out = NULL;

	if (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK) {
		if (out)
			*out = res;
		else
			PQclear(res);
		return CT_REPO_OK;
	}
	st = ct_repo_classify(repo, res);
	PQclear(res);
	return st;
}


/* ---- applying a batch ---- */

/* The batch as column arrays: one array literal per statement parameter. */
struct ct_repo_cols {
	struct ct_pgarray j[8], a[8], e[5];
	struct ct_pgarray sess, structural, msg_sess;
	/* earliest and latest event of the sessions with messages only (plain),
	 * and of the structural ones, in the order of sess and structural */
	struct ct_pgarray plain, plain_min, plain_max, struct_min, struct_max;
	struct ct_pgarray struct_new; /* new messages per structural session */
	struct ct_pgarray keys, key_ids, users, user_ids;
	size_t njoins, nauths, nends, nmsgs;
	int64_t *base_locks; /* sessions, key and user profiles of the batch */
	size_t nbase, nsess;
	size_t *msg_index; /* message position -> event index */
	const char **sess_ids; /* the batch's sessions, sorted (= sess) */
	struct ct_uuid_key *sess_keys; /* their keys */
	int64_t *sess_new; /* messages newly stored per session */
	bool *sess_structural; /* the session has a structural event */
	struct ct_repo_msgs msgs;
};

/* The advisory lock key of a UUID already parsed: its first 64 bits. */
static int64_t ct_repo_lock_key_of(const struct ct_uuid_key *k)
{
	return (int64_t)k->hi;
}

/* First 64 bits of a canonical UUID string: the advisory lock key. */
int64_t ct_repo_lock_key(const char *uuid)
{
	struct ct_uuid_key k = ct_ids_uuid_key(uuid);

	return ct_repo_lock_key_of(&k);
}

static int ct_repo_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts and removes duplicates; returns the new count. */
static size_t ct_repo_sort_unique(int64_t *v, size_t n)
{
	size_t i, out = 0;

	qsort(v, n, sizeof(*v), ct_repo_cmp_i64);
	for (i = 0; i < n; i++)
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	return out;
}

static bool ct_repo_locked(const int64_t *locks, size_t n, int64_t key)
{
	return bsearch(&key, locks, n, sizeof(*locks), ct_repo_cmp_i64) != NULL;
}

/* An event of a batch with the key of its session id. */
struct ct_repo_by_session {
	struct ct_uuid_key key;
	const struct ct_event *ev;
	size_t index; /* its position in the batch */
};

static int ct_repo_cmp_by_session(const void *a, const void *b)
{
	const struct ct_repo_by_session *x = a, *y = b;
	int c = ct_ids_uuid_key_cmp(&x->key, &y->key);

	if (c)
		return c;
	return (x->index > y->index) - (x->index < y->index);
}

/*
 * events[0..n) sorted by session id, in batch order within a session (to
 * free); NULL when out of memory.
 */
static struct ct_repo_by_session *ct_repo_sort_by_session(const struct ct_event *const *events,
							  size_t n)
{
	struct ct_repo_by_session *v = malloc((n + 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		v[i].key = ct_ids_uuid_key(events[i]->session_id);
		v[i].ev = events[i];
		v[i].index = i;
	}
	qsort(v, n, sizeof(*v), ct_repo_cmp_by_session);
	return v;
}

static int ct_repo_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void ct_repo_add_double(struct ct_pgarray *a, bool has, double v)
{
	char tmp[40];

	if (!has) {
		ct_pgarray_add(a, NULL);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.17g", v);
	ct_pgarray_add(a, tmp);
}

static void ct_repo_cols_free(struct ct_repo_cols *c)
{
	struct ct_pgarray *all[] = { &c->sess, &c->plain, &c->plain_min, &c->plain_max,
				     &c->struct_min, &c->struct_max, &c->struct_new,
				     &c->structural, &c->msg_sess, &c->keys, &c->key_ids,
				     &c->users, &c->user_ids };
	size_t i;

	for (i = 0; i < 8; i++)
		ct_pgarray_free(&c->j[i]);
	for (i = 0; i < 8; i++)
		ct_pgarray_free(&c->a[i]);
	for (i = 0; i < 5; i++)
		ct_pgarray_free(&c->e[i]);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		ct_pgarray_free(all[i]);
	free(c->base_locks);
	free(c->msg_index);
	free(c->sess_ids);
	free(c->sess_keys);
	free(c->sess_new);
	free(c->sess_structural);
	ct_repo_msgs_free(&c->msgs);
}

/* Adds one event's columns to the arrays of its type. */
static int ct_repo_cols_add_event(struct ct_repo_cols *c, const struct ct_event *ev,
				  size_t index, const char **keys, size_t *nkeys,
				  const char **users, size_t *nusers)
{
	switch (ev->type) {
	case CT_EVENT_PARTICIPANT_JOINED: {
		char key[CT_IDS_NAME_MAX + 64];

		if (ct_ids_anonymous_key(ev->u.joined.anonymous_id,
					 ev->u.joined.participant_id, ev->session_id,
					 key, sizeof(key)) < 0)
			return -1;
		ct_pgarray_add(&c->j[0], ev->event_id);
		ct_pgarray_add(&c->j[1], ev->session_id);
		ct_pgarray_add_time(&c->j[2], ev->occurred_at_us);
		ct_pgarray_add(&c->j[3], ev->u.joined.room_id);
		ct_pgarray_add(&c->j[4], ev->u.joined.participant_id);
		ct_pgarray_add(&c->j[5], ev->u.joined.anonymous_id);
		ct_pgarray_add(&c->j[6], key);
		ct_pgarray_add(&c->j[7], ev->u.joined.metadata_json);
		keys[(*nkeys)++] = strdup(key);
		if (!keys[*nkeys - 1])
			return -1;
		c->njoins++;
		break;
	}
	case CT_EVENT_AUTHENTICATED:
		ct_pgarray_add(&c->a[0], ev->event_id);
		ct_pgarray_add(&c->a[1], ev->session_id);
		ct_pgarray_add_time(&c->a[2], ev->occurred_at_us);
		ct_pgarray_add(&c->a[3], ev->u.auth.username);
		ct_pgarray_add(&c->a[4], ev->u.auth.phone_number);
		ct_pgarray_add(&c->a[5], ev->u.auth.email);
		ct_pgarray_add(&c->a[6], ev->u.auth.phone_hash[0] ?
			       ev->u.auth.phone_hash : NULL);
		ct_pgarray_add(&c->a[7], ev->u.auth.email_hash[0] ?
			       ev->u.auth.email_hash : NULL);
		users[(*nusers)++] = ev->u.auth.username;
		c->nauths++;
		break;
	case CT_EVENT_CALL_ENDED:
		ct_pgarray_add(&c->e[0], ev->event_id);
		ct_pgarray_add(&c->e[1], ev->session_id);
		ct_pgarray_add_time(&c->e[2], ev->occurred_at_us);
		ct_pgarray_add(&c->e[3], ct_event_end_reason_name(ev->u.ended.reason));
		ct_repo_add_double(&c->e[4], ev->u.ended.has_duration,
				   ev->u.ended.duration_seconds);
		c->nends++;
		break;
	case CT_EVENT_MESSAGE:
		c->msg_index[c->nmsgs++] = index;
		break;
	default:
		return -1;
	}
	return 0;
}

/* Distinct sessions with their earliest and latest event in the batch. */
static int ct_repo_cols_sessions(struct ct_repo_cols *c,
				 const struct ct_event *const *events, size_t n)
{
	struct ct_repo_by_session *sorted = ct_repo_sort_by_session(events, n);
	size_t i = 0, k;

	if (!sorted)
		return -1;
	while (i < n) {
		const char *id = sorted[i].ev->session_id;
		int64_t lo = sorted[i].ev->occurred_at_us, hi = lo;
		bool structural = false, messages = false;

		for (k = i; k < n && ct_ids_uuid_key_eq(&sorted[k].key,
							&sorted[i].key); k++) {
			const struct ct_event *ev = sorted[k].ev;

			if (ev->occurred_at_us < lo)
				lo = ev->occurred_at_us;
			if (ev->occurred_at_us > hi)
				hi = ev->occurred_at_us;
			if (ev->type != CT_EVENT_MESSAGE)
				structural = true;
			else
				messages = true;
		}
		c->sess_ids[c->nsess] = id;
		c->sess_structural[c->nsess] = structural;
		c->sess_keys[c->nsess++] = sorted[i].key;
		ct_pgarray_add(&c->sess, id);
		if (structural) {
			ct_pgarray_add(&c->structural, id);
			ct_pgarray_add_time(&c->struct_min, lo);
			ct_pgarray_add_time(&c->struct_max, hi);
		} else {
			ct_pgarray_add(&c->plain, id);
			ct_pgarray_add_time(&c->plain_min, lo);
			ct_pgarray_add_time(&c->plain_max, hi);
		}
		if (messages)
			ct_pgarray_add(&c->msg_sess, id);
		c->base_locks[c->nbase++] = ct_repo_lock_key_of(&sorted[i].key);
		i = k;
	}
	free(sorted);
	return 0;
}

/* Distinct keys and usernames with their profile ids. */
static void ct_repo_cols_profiles(struct ct_repo_cols *c, const char **keys,
				  size_t nkeys, const char **users, size_t nusers)
{
	char id[CT_UUID_STRLEN + 1];
	size_t i;

	qsort(keys, nkeys, sizeof(*keys), ct_repo_cmp_str);
	for (i = 0; i < nkeys; i++) {
		if (i > 0 && strcmp(keys[i], keys[i - 1]) == 0)
			continue;
		ct_ids_anonymous_profile(keys[i], id);
		ct_pgarray_add(&c->keys, keys[i]);
		ct_pgarray_add(&c->key_ids, id);
		c->base_locks[c->nbase++] = ct_repo_lock_key(id);
	}
	qsort(users, nusers, sizeof(*users), ct_repo_cmp_str);
	for (i = 0; i < nusers; i++) {
		if (i > 0 && strcmp(users[i], users[i - 1]) == 0)
			continue;
		ct_ids_user_profile(users[i], id);
		ct_pgarray_add(&c->users, users[i]);
		ct_pgarray_add(&c->user_ids, id);
		c->base_locks[c->nbase++] = ct_repo_lock_key(id);
	}
}

static int ct_repo_cols_build(struct ct_repo_cols *c,
			      const struct ct_event *const *events, size_t n)
{
	const char **keys = calloc(n + 1, sizeof(*keys));
	const char **users = calloc(n + 1, sizeof(*users));
	size_t nkeys = 0, nusers = 0, i;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->base_locks = calloc(3 * n + 1, sizeof(*c->base_locks));
	c->msg_index = calloc(n + 1, sizeof(*c->msg_index));
	c->sess_ids = calloc(n + 1, sizeof(*c->sess_ids));
	c->sess_keys = calloc(n + 1, sizeof(*c->sess_keys));
	c->sess_new = calloc(n + 1, sizeof(*c->sess_new));
	c->sess_structural = calloc(n + 1, sizeof(*c->sess_structural));
	ct_pgarray_init(&c->msgs.ids);
	if (!keys || !users || !c->base_locks || !c->msg_index || !c->sess_ids ||
	    !c->sess_keys || !c->sess_new || !c->sess_structural)
		goto out_free_lists;
	for (i = 0; i < n; i++)
		if (ct_repo_cols_add_event(c, events[i], i, keys, &nkeys, users,
					   &nusers) < 0)
			goto out_free_lists;
	if (ct_repo_cols_sessions(c, events, n) < 0 ||
	    ct_repo_msgs_build(&c->msgs, events, c->msg_index, c->nmsgs) < 0)
		goto out_free_lists;
	ct_repo_cols_profiles(c, keys, nkeys, users, nusers);
	rc = 0;
out_free_lists:
	for (i = 0; i < nkeys; i++)
		free((char *)keys[i]);
	free(keys);
	free(users);
	return rc;
}

/* True when an allocation failed while building any array. */
static bool ct_repo_cols_failed(const struct ct_repo_cols *c)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (c->j[i].failed)
			return true;
	for (i = 0; i < 8; i++)
		if (c->a[i].failed || (i < 5 && c->e[i].failed))
			return true;
	return c->sess.failed || c->plain.failed || c->plain_min.failed ||
	       c->plain_max.failed || c->struct_min.failed || c->struct_max.failed ||
	       c->structural.failed || c->msg_sess.failed || c->keys.failed || c->key_ids.failed ||
	       c->users.failed || c->user_ids.failed;
}

/* A growable set of lock keys. */
struct ct_repo_locks {
	int64_t *v;
	size_t n, cap;
};

static int ct_repo_locks_add(struct ct_repo_locks *l, int64_t key)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		int64_t *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = key;
	return 0;
}

/*
 * Reads the lock set (step 1) into locks, starting from the batch's own
 * keys and the extra keys found missing by an earlier round, and the
 * anonymous keys to refresh into keys.
 */
static enum ct_repo_status ct_repo_read_lockset(struct ct_repo *repo,
						struct ct_repo_cols *c,
						const struct ct_repo_locks *extra,
						struct ct_repo_locks *locks,
						struct ct_pgarray *keys)
{
	const char *params[3] = { ct_pgarray_str(&c->sess),
				  ct_pgarray_str(&c->structural),
				  ct_pgarray_str(&c->keys) };
	enum ct_repo_status st;
	PGresult *res;
	size_t i;
	int r;

	locks->n = 0;
	ct_pgarray_free(keys);
	for (i = 0; i < c->nbase; i++)
		if (ct_repo_locks_add(locks, c->base_locks[i]) < 0)
			return CT_REPO_TRANSIENT;
	for (i = 0; i < extra->n; i++)
		if (ct_repo_locks_add(locks, extra->v[i]) < 0)
			return CT_REPO_TRANSIENT;
	st = ct_repo_run(repo, STMT_LOCKSET, params, &res);
	if (st != CT_REPO_OK)
		return st;
	for (r = 0; r < PQntuples(res); r++) {
		const char *kind = PQgetvalue(res, r, 0);
		const char *val = PQgetvalue(res, r, 1);

		if (kind[0] == 'k')
			ct_pgarray_add(keys, val);
		else if (ct_repo_locks_add(locks, ct_repo_lock_key(val)) < 0)
			st = CT_REPO_TRANSIENT;
	}
	PQclear(res);
	locks->n = ct_repo_sort_unique(locks->v, locks->n);
	return st;
}

static enum ct_repo_status ct_repo_take_locks(struct ct_repo *repo,
					      const struct ct_repo_locks *locks)
{
	struct ct_pgarray arr;
	enum ct_repo_status st;
	const char *params[1];
	size_t i;

	ct_pgarray_init(&arr);
	for (i = 0; i < locks->n; i++)
		ct_pgarray_add_int(&arr, locks->v[i]);
	params[0] = ct_pgarray_str(&arr);
	st = params[0] ? ct_repo_run(repo, STMT_LOCK, params, NULL)
		       : CT_REPO_TRANSIENT;
	ct_pgarray_free(&arr);
	return st;
}

/* Step 3: facts. */
static enum ct_repo_status ct_repo_write_facts(struct ct_repo *repo,
					       struct ct_repo_cols *c)
{
	const char *p[8];
	enum ct_repo_status st = CT_REPO_OK;
	int i;

	if (c->njoins) {
		for (i = 0; i < 8; i++)
			p[i] = ct_pgarray_str(&c->j[i]);
		st = ct_repo_run(repo, STMT_JOINS, p, NULL);
	}
	if (st == CT_REPO_OK && c->nauths) {
		for (i = 0; i < 8; i++)
			p[i] = ct_pgarray_str(&c->a[i]);
		st = ct_repo_run(repo, STMT_AUTHS, p, NULL);
	}
	if (st == CT_REPO_OK && c->nends) {
		for (i = 0; i < 5; i++)
			p[i] = ct_pgarray_str(&c->e[i]);
		st = ct_repo_run(repo, STMT_ENDS, p, NULL);
	}
	return st;
}

/*
 * Step 3, continued: messages (repo_messages.c), then the counters of
 * every session of the batch (those of structural sessions are applied by
 * the rule 1 update: c->struct_new).  CT_REPO_REJECTED: message ids stored
 * under another session, listed in rejected[].
 */
static enum ct_repo_status ct_repo_write_messages(struct ct_repo *repo,
						  struct ct_repo_cols *c,
						  struct ct_repo_rejection *rejected,
						  size_t *nrejected)
{
	struct ct_pgarray counts;
	enum ct_repo_status st;
	const char *p[7];
	size_t i;

	st = ct_repo_msgs_write(repo, &c->msgs, rejected, nrejected);
	if (st != CT_REPO_OK)
		return st;
	ct_repo_msgs_count_new(&c->msgs, c->sess_keys, c->nsess, c->sess_new);
	ct_pgarray_init(&counts);
	ct_pgarray_free(&c->struct_new); /* from an earlier attempt */
	for (i = 0; i < c->nsess; i++)
		ct_pgarray_add_int(c->sess_structural[i] ? &c->struct_new : &counts,
				   c->sess_new[i]);
	p[0] = ct_pgarray_str(&c->plain);
	p[1] = ct_pgarray_str(&c->plain_min);
	p[2] = ct_pgarray_str(&c->plain_max);
	p[3] = ct_pgarray_str(&counts);
	p[4] = ct_pgarray_str(&c->structural);
	p[5] = ct_pgarray_str(&c->struct_min);
	p[6] = ct_pgarray_str(&c->struct_max);
	st = p[3] && !c->struct_new.failed ? ct_repo_run(repo, STMT_SESSIONS, p, NULL)
					   : CT_REPO_TRANSIENT;
	ct_pgarray_free(&counts);
	return st;
}

/* Adds column col of every row of res to arr (NULLs skipped); clears res. */
static void ct_repo_collect(PGresult *res, int col, struct ct_pgarray *arr)
{
	int r;

	for (r = 0; r < PQntuples(res); r++)
		if (!PQgetisnull(res, r, col))
			ct_pgarray_add(arr, PQgetvalue(res, r, col));
	PQclear(res);
}

/* The 'created' audit rows of the profiles the batch introduces. */
static enum ct_repo_status ct_repo_audit_created(struct ct_repo *repo,
						 struct ct_repo_cols *c)
{
	const char *p[10] = {
		ct_pgarray_str(&c->key_ids), ct_pgarray_str(&c->keys),
		ct_pgarray_str(&c->user_ids), ct_pgarray_str(&c->users),
		ct_pgarray_str(&c->j[0]), ct_pgarray_str(&c->j[2]),
		ct_pgarray_str(&c->j[6]), ct_pgarray_str(&c->a[0]),
		ct_pgarray_str(&c->a[2]), ct_pgarray_str(&c->a[3]),
	};

	if (!c->key_ids.count && !c->user_ids.count)
		return CT_REPO_OK;
	return ct_repo_run(repo, STMT_AUDIT_CREATED, p, NULL);
}

/* Adds each row of res (session, old profile, new profile) to moves. */
static void ct_repo_collect_moves(PGresult *res, struct ct_pgarray moves[3])
{
	int r, k;

	for (r = 0; r < PQntuples(res); r++)
		for (k = 0; k < 3; k++)
			ct_pgarray_add(&moves[k], PQgetisnull(res, r, k) ? NULL :
				       PQgetvalue(res, r, k));
	PQclear(res);
}

/*
 * Step 4 for the structural part of the batch: profiles, session attributes
 * with their profiles, user attributes, merges and the sessions that move
 * with them.  The profiles sessions moved between are added to moved (those
 * of summarized sessions also to moved_summarized), the sessions whose
 * profile or candidates changed to moved_sessions.
 */
static enum ct_repo_status ct_repo_derive(struct ct_repo *repo,
					  struct ct_repo_cols *c,
					  struct ct_pgarray *keys,
					  struct ct_pgarray *moved,
					  struct ct_pgarray *moved_summarized,
					  struct ct_pgarray *moved_sessions)
{
	struct ct_pgarray users, moves[3];
	const char *p[5];
	enum ct_repo_status st;
	PGresult *res;
	int k;

	ct_pgarray_init(&users);
	for (k = 0; k < 3; k++)
		ct_pgarray_init(&moves[k]);
	st = ct_repo_audit_created(repo, c);
	if (st == CT_REPO_OK) {
		p[0] = ct_pgarray_str(&c->key_ids);
		p[1] = ct_pgarray_str(&c->keys);
		p[2] = ct_pgarray_str(&c->user_ids);
		p[3] = ct_pgarray_str(&c->users);
		st = ct_repo_run(repo, STMT_ENSURE_PROFILES, p, NULL);
	}
	if (st == CT_REPO_OK) {
		p[0] = ct_pgarray_str(&c->structural);
		p[1] = ct_pgarray_str(&c->struct_min);
		p[2] = ct_pgarray_str(&c->struct_max);
		p[3] = ct_pgarray_str(&c->struct_new);
		st = ct_repo_run(repo, STMT_REFRESH_SESSIONS, p, &res);
		if (st == CT_REPO_OK)
			ct_repo_collect_moves(res, moves);
	}
	if (st == CT_REPO_OK && c->nauths) {
		p[0] = ct_pgarray_str(&c->users);
		st = ct_repo_run(repo, STMT_USER_ATTRS, p, &res);
		if (st == CT_REPO_OK)
			ct_repo_collect(res, 0, &users);
	}
	if (st == CT_REPO_OK) {
		p[0] = ct_pgarray_str(keys);
		p[1] = repo->shared_device_policy;
		for (k = 0; k < 3; k++)
			if (!(p[2 + k] = ct_pgarray_str(&moves[k])))
				st = CT_REPO_TRANSIENT;
		if (st == CT_REPO_OK)
			st = ct_repo_run(repo, STMT_LINK_SESSIONS, p, &res);
	}
	if (st == CT_REPO_OK) {
		int r;

		for (r = 0; r < PQntuples(res); r++) {
			bool summarized = *PQgetvalue(res, r, 3) == 't';

			for (k = 0; k < 2; k++) {
				if (PQgetisnull(res, r, k))
					continue;
				ct_pgarray_add(moved, PQgetvalue(res, r, k));
				if (summarized)
					ct_pgarray_add(moved_summarized,
						       PQgetvalue(res, r, k));
			}
		}
		ct_repo_collect(res, 2, moved_sessions);
		p[0] = ct_pgarray_str(keys);
		p[1] = ct_pgarray_str(&users);
		st = ct_repo_run(repo, STMT_CANDIDATES, p, &res);
	}
	if (st == CT_REPO_OK)
		ct_repo_collect(res, 0, moved_sessions);
	ct_pgarray_free(&users);
	for (k = 0; k < 3; k++)
		ct_pgarray_free(&moves[k]);
	return st;
}

/*
 * After statistics: metadata of profiles whose sessions moved (rule 9),
 * stale sessions reopened by a message (rule 8), summaries due (rule 7).
 */
static enum ct_repo_status ct_repo_upkeep(struct ct_repo *repo,
					  struct ct_repo_cols *c,
					  struct ct_pgarray *moved,
					  struct ct_pgarray *moved_summarized,
					  struct ct_pgarray *moved_sessions)
{
	enum ct_repo_status st = CT_REPO_OK;
	const char *p[3];
	char grace[16];

	if (moved->count) {
		p[0] = ct_pgarray_str(moved);
		p[1] = ct_pgarray_str(moved_summarized);
		st = ct_repo_run(repo, STMT_METADATA, p, NULL);
	}
	if (st == CT_REPO_OK && c->msg_sess.count) {
		p[0] = ct_pgarray_str(&c->msg_sess);
		st = ct_repo_run(repo, STMT_REOPEN, p, NULL);
	}
	if (st != CT_REPO_OK)
		return st;
	snprintf(grace, sizeof(grace), "%d", repo->grace_ms);
	p[0] = ct_pgarray_str(&c->sess);
	p[1] = ct_pgarray_str(moved_sessions);
	p[2] = grace;
	return ct_repo_run(repo, STMT_DUE, p, NULL);
}

/*
 * Step 4 and 5 for statistics: the profiles to refresh must all be locked.
 * Missing ones are added to extra and CT_REPO_TRANSIENT is not returned:
 * *grew is set instead, and the caller restarts the transaction.
 */
static enum ct_repo_status ct_repo_stats(struct ct_repo *repo, struct ct_repo_cols *c,
					 struct ct_pgarray *keys, struct ct_pgarray *moved,
					 const struct ct_repo_locks *locks,
					 struct ct_repo_locks *extra, bool *grew)
{
	const char *p[3] = { ct_pgarray_str(&c->sess), ct_pgarray_str(keys),
			     ct_pgarray_str(moved) };
	struct ct_pgarray ids;
	enum ct_repo_status st;
	PGresult *res;
	int r;

	*grew = false;
	st = ct_repo_run(repo, STMT_STATS_IDS, p, &res);
	if (st != CT_REPO_OK)
		return st;
	ct_pgarray_init(&ids);
	for (r = 0; r < PQntuples(res); r++) {
		const char *id = PQgetvalue(res, r, 0);
		int64_t key = ct_repo_lock_key(id);

		if (!ct_repo_locked(locks->v, locks->n, key)) {
			if (ct_repo_locks_add(extra, key) < 0)
				st = CT_REPO_TRANSIENT;
			*grew = true;
		}
		ct_pgarray_add(&ids, id);
	}
	PQclear(res);
	if (st == CT_REPO_OK && !*grew) {
		p[0] = ct_pgarray_str(&ids);
		st = p[0] ? ct_repo_run(repo, STMT_STATS, p, NULL) : CT_REPO_TRANSIENT;
	}
	ct_pgarray_free(&ids);
	return st;
}

/* One attempt at the whole transaction. */
static enum ct_repo_status ct_repo_apply_once(struct ct_repo *repo,
					      struct ct_repo_cols *c,
					      const struct ct_repo_deny *deny,
					      struct ct_repo_locks *extra,
					      struct ct_repo_rejection *rejected,
					      size_t *nrejected, bool *grew)
{
	struct ct_repo_locks locks = { 0 };
	struct ct_pgarray keys, moved, moved_summarized, moved_sessions;
	enum ct_repo_status st;

	ct_pgarray_init(&keys);
	ct_pgarray_init(&moved);
	ct_pgarray_init(&moved_summarized);
	ct_pgarray_init(&moved_sessions);
	*grew = false;
	st = ct_repo_command(repo, "BEGIN");
	if (st == CT_REPO_OK)
		st = ct_repo_read_lockset(repo, c, extra, &locks, &keys);
	if (st == CT_REPO_OK)
		st = ct_repo_take_locks(repo, &locks);
	/* under the locks an erasure also takes: drop erased sessions' events */
	if (st == CT_REPO_OK)
		st = ct_repo_deny_check(repo, deny, rejected, nrejected);
	if (st == CT_REPO_OK)
		st = ct_repo_write_facts(repo, c);
	if (st == CT_REPO_OK)
		st = ct_repo_write_messages(repo, c, rejected, nrejected);
	if (st == CT_REPO_OK && c->structural.count)
		st = ct_repo_derive(repo, c, &keys, &moved, &moved_summarized,
				    &moved_sessions);
	if (st == CT_REPO_OK)
		st = ct_repo_stats(repo, c, &keys, &moved, &locks, extra, grew);
	if (st == CT_REPO_OK && !*grew)
		st = ct_repo_upkeep(repo, c, &moved, &moved_summarized,
				    &moved_sessions);
	if (st == CT_REPO_OK && !*grew)
		st = ct_repo_command(repo, "COMMIT");
	if (st != CT_REPO_OK || *grew)
		ct_repo_rollback(repo);
	free(locks.v);
	ct_pgarray_free(&keys);
	ct_pgarray_free(&moved);
	ct_pgarray_free(&moved_summarized);
	ct_pgarray_free(&moved_sessions);
	return st;
}

/* A batch's columns, built before its transaction (repo.h). */
struct ct_repo_batch {
	const struct ct_event *const *events;
	size_t n;
	struct ct_repo_cols cols;
};

int ct_repo_batch_build(const struct ct_event *const *events, size_t n,
			struct ct_repo_batch **out)
{
	struct ct_repo_batch *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b)
		return -1;
	b->events = events;
	b->n = n;
	if (ct_repo_cols_build(&b->cols, events, n) < 0 ||
	    ct_repo_cols_failed(&b->cols)) {
		ct_repo_batch_free(b);
		return -1;
	}
	*out = b;
	return 0;
}

void ct_repo_batch_free(struct ct_repo_batch *b)
{
	if (!b)
		return;
	ct_repo_cols_free(&b->cols);
	free(b);
}

enum ct_repo_status ct_repo_apply_batch(struct ct_repo *repo, struct ct_repo_batch *b,
					struct ct_repo_rejection *rejected,
					size_t *nrejected, int *lock_retries)
{
	struct ct_repo_locks extra = { 0 };
	struct ct_repo_deny *deny = NULL;
	enum ct_repo_status st;
	bool grew = false;
	int round;

	*nrejected = 0;
	if (lock_retries)
		*lock_retries = 0;
	if (b->n == 0)
		return CT_REPO_OK;
	st = ct_repo_ready(repo);
	if (st != CT_REPO_OK)
		return st;
	if (ct_repo_deny_build(repo, b->events, b->n, b->cols.sess_ids,
			       b->cols.nsess, &deny) < 0) {
		snprintf(repo->err, sizeof(repo->err), "out of memory building a batch");
		return CT_REPO_TRANSIENT;
	}
	for (round = 0; round < CT_REPO_MAX_LOCK_ROUNDS; round++) {
		st = ct_repo_apply_once(repo, &b->cols, deny, &extra, rejected,
					nrejected, &grew);
		if (st != CT_REPO_OK || !grew)
			break;
		if (lock_retries)
			(*lock_retries)++;
		extra.n = ct_repo_sort_unique(extra.v, extra.n);
	}
	if (st == CT_REPO_OK && grew) {
		snprintf(repo->err, sizeof(repo->err),
			 "lock set kept growing for %d rounds", round);
		st = CT_REPO_TRANSIENT;
	}
	free(extra.v);
	ct_repo_deny_free(deny);
	return st;
}

enum ct_repo_status ct_repo_apply(struct ct_repo *repo,
				  const struct ct_event *const *events, size_t n,
				  struct ct_repo_rejection *rejected,
				  size_t *nrejected, int *lock_retries)
{
	struct ct_repo_batch *b;
	enum ct_repo_status st;

	*nrejected = 0;
	if (ct_repo_batch_build(events, n, &b) < 0) {
		snprintf(repo->err, sizeof(repo->err), "out of memory building a batch");
		return CT_REPO_TRANSIENT;
	}
	st = ct_repo_apply_batch(repo, b, rejected, nrejected, lock_retries);
	ct_repo_batch_free(b);
	return st;
}

/* ---- migrations ---- */

static enum ct_repo_status ct_repo_migrate_one(struct ct_repo *repo,
					       const struct ct_migration *m,
					       int *applied)
{
	const char *params[1] = { m->name };
	enum ct_repo_status st;
	PGresult *res;
	int present;

	res = PQexecParams(repo->conn,
			   "SELECT 1 FROM schema_migrations WHERE name = $1", 1,
			   NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = ct_repo_classify(repo, res);
		PQclear(res);
		return st;
	}
	present = PQntuples(res) > 0;
	PQclear(res);
	if (present)
		return CT_REPO_OK;

	st = ct_repo_command(repo, "BEGIN");
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, m->sql);
	if (st == CT_REPO_OK) {
		res = PQexecParams(repo->conn,
				   "INSERT INTO schema_migrations (name) VALUES ($1)",
				   1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			st = ct_repo_classify(repo, res);
		PQclear(res);
	}
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "COMMIT");
	if (st != CT_REPO_OK) {
		char msg[sizeof(repo->err)];

		snprintf(msg, sizeof(msg), "%s", repo->err);
		ct_repo_rollback(repo);
		snprintf(repo->err, sizeof(repo->err), "migration %.64s: %.400s", m->name, msg);
		return st;
	}
	ct_log(CT_LOG_INFO, "applied migration %s", m->name);
	(*applied)++;
	return CT_REPO_OK;
}

enum ct_repo_status ct_repo_migrate(struct ct_repo *repo, int *applied)
{
	enum ct_repo_status st;
	int count = 0;
	size_t i;
	char lock[96];

	if (repo->conn == NULL || PQstatus(repo->conn) != CONNECTION_OK) {
		st = ct_repo_open(repo);
		if (st != CT_REPO_OK)
			return st;
	}
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%lld)",
		 CT_REPO_MIGRATE_LOCK);
	st = ct_repo_command(repo, lock);
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo,
				     "CREATE TABLE IF NOT EXISTS schema_migrations ("
				     " name text PRIMARY KEY,"
				     " applied_at timestamptz NOT NULL DEFAULT now())");
	for (i = 0; st == CT_REPO_OK && i < ct_migration_count; i++)
		st = ct_repo_migrate_one(repo, &ct_migrations[i], &count);
	if (PQstatus(repo->conn) == CONNECTION_OK) {
		PGresult *res;

		snprintf(lock, sizeof(lock), "SELECT pg_advisory_unlock(%lld)",
			 CT_REPO_MIGRATE_LOCK);
		res = PQexec(repo->conn, lock);
		PQclear(res);
	}
	if (applied)
		*applied = count;
	return st;
}

enum ct_repo_status ct_repo_check_schema(struct ct_repo *repo)
{
	enum ct_repo_status st = CT_REPO_OK;
	PGresult *res;
	size_t i;
	int missing = 0;

	if (!repo->conn || PQstatus(repo->conn) != CONNECTION_OK)
		st = ct_repo_open(repo);
	if (st != CT_REPO_OK)
		return st;
	res = PQexec(repo->conn, "SELECT name FROM schema_migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = ct_repo_classify(repo, res);
		PQclear(res);
		return st;
	}
	for (i = 0; i < ct_migration_count; i++) {
		int found = 0, r;

		for (r = 0; r < PQntuples(res); r++)
			if (strcmp(PQgetvalue(res, r, 0), ct_migrations[i].name) == 0)
				found = 1;
		if (!found) {
			snprintf(repo->err, sizeof(repo->err),
				 "migration %s is not applied: run `convtrack migrate`",
				 ct_migrations[i].name);
			missing = 1;
			break;
		}
	}
	PQclear(res);
	return missing ? CT_REPO_FATAL : CT_REPO_OK;
}
