/*
 * Repository, connection: the machinery every other part of the repository
 * stands on, and the only one they share.  It owns struct ct_repo (the
 * connection, its settings and last error), the registry of prepared
 * statements with the function that runs them, the unprepared exec helper,
 * the one classification of failures (what is retried), the transaction
 * commands and the advisory lock key of a UUID.
 *
 * Every other file of the repository depends on this one and this one on
 * none of them, so the files form no circle (repo_int.h draws the graph).
 * The statements of a batch are prepared on every new connection, whoever
 * opens it, so their SQL is registered here, grouped by the file that runs
 * them (repo_batch.c, repo_messages.c), rather than in those files: a table
 * here naming constants defined there would make this file depend on
 * theirs, the circle again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "convtrack/hmac.h"
#include "convtrack/ids.h"
#include "convtrack/log.h"
#include "convtrack/repo.h"
#include "repo_int.h"

/* ---- the batch's statements (repo_batch.c) ---- */

/*
 * $1 all sessions of the batch, $2 sessions with structural events
 * (participant_joined, authenticated, call_ended), $3 anonymous keys of the
 * batch's participant_joined events.  Returns ('k', key) for the keys whose
 * merges and sessions the batch may change, and ('p', profile id) for every
 * profile it may change.  The lookups by key take an array (= ANY) rather
 * than a join: the planner then probes the indexes per key, whereas a join
 * let it hash every merged profile (or all of user_profiles) per batch, a
 * cost that grew with history.
 */
static const char SQL_LOCKSET[] =
	"WITH cur AS ("
	"  SELECT session_id, profile_id, anonymous_id FROM agent_sessions"
	"   WHERE session_id = ANY ($1::uuid[])"
	"), keys AS ("
	"  SELECT unnest($3::text[]) AS k"
	"  UNION SELECT anonymous_id FROM cur"
	"   WHERE anonymous_id IS NOT NULL AND session_id = ANY ($2::uuid[])"
	"), kp AS ("
	"  SELECT id, anonymous_id, merged_into_profile_id FROM user_profiles"
	"   WHERE anonymous_id = ANY (ARRAY(SELECT k FROM keys"
	"    UNION SELECT anonymous_id FROM cur WHERE anonymous_id IS NOT NULL))"
	")"
	" SELECT 'k', k FROM keys"
	" UNION SELECT 'p', profile_id::text FROM cur WHERE profile_id IS NOT NULL"
	" UNION SELECT 'p', id::text FROM kp"
	" UNION SELECT 'p', kp.merged_into_profile_id::text FROM kp"
	"   JOIN keys ON kp.anonymous_id = keys.k"
	"  WHERE kp.merged_into_profile_id IS NOT NULL"
	" UNION SELECT 'p', profile_id::text FROM agent_sessions"
	"  WHERE anonymous_id = ANY (ARRAY(SELECT k FROM keys))"
	"    AND profile_id IS NOT NULL";

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

/* ---- the statements of a batch's messages (repo_messages.c) ---- */

/*
 * The ids among $2 that run $1 of the registry holds, with their session
 * (repo_registry.c; the run's partition alone is read).
 */
static const char SQL_MSG_PROBE[] =
	"SELECT message_id::text, session_id::text FROM message_ids"
	" WHERE run = $1::int AND message_id = ANY ($2::uuid[])";

/*
 * Rule 6 for messages already stored.  $1..$8 their events (event_id,
 * message_id, session_id, occurred_at, role, content, seq, banking),
 * folded as repo_messages.c describes; a stored message changes only when
 * an event is newer, and never once retention purged its text
 * (sql/008_retention.sql).  The registry found them, under these sessions:
 * the session index finds the rows.
 */
static const char SQL_MSG_UPSERT[] =
	"WITH b AS ("
	"  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[],"
	"   $4::timestamptz[], $5::text[], $6::text[], $7::bigint[], $8::bool[])"
	"   AS b(event_id, message_id, session_id, at, role, content, seq, banking)"
	"), agg AS ("
	"  SELECT DISTINCT ON (message_id) message_id, session_id, role, content,"
	"   banking, at AS version_at, event_id AS version_event_id,"
	"   min(at) OVER (PARTITION BY message_id) AS first_at"
	"  FROM b ORDER BY message_id, at DESC, event_id DESC"
	"), seqs AS ("
	"  SELECT DISTINCT ON (message_id) message_id, seq, at AS seq_at,"
	"   event_id AS seq_event_id"
	"  FROM b WHERE seq IS NOT NULL ORDER BY message_id, at DESC, event_id DESC"
	"), x AS ("
	"  SELECT a.message_id, a.session_id, a.role, a.content, a.banking, s.seq,"
	"   a.first_at, a.version_at, a.version_event_id, s.seq_at, s.seq_event_id"
	"  FROM agg a LEFT JOIN seqs s USING (message_id)"
	")"
	" UPDATE conversation_messages AS m SET"
	"  occurred_at = LEAST(m.occurred_at, x.first_at),"
	"  role = CASE WHEN (x.version_at, x.version_event_id)"
	"    > (m.version_at, m.version_event_id) THEN x.role ELSE m.role END,"
	"  content = CASE WHEN (x.version_at, x.version_event_id)"
	"    > (m.version_at, m.version_event_id) THEN x.content"
	"    ELSE m.content END,"
	"  is_banking_query = CASE WHEN (x.version_at, x.version_event_id)"
	"    > (m.version_at, m.version_event_id) THEN x.banking"
	"    ELSE m.is_banking_query END,"
	"  version_event_id = CASE WHEN (x.version_at, x.version_event_id)"
	"    > (m.version_at, m.version_event_id) THEN x.version_event_id"
	"    ELSE m.version_event_id END,"
	"  version_at = GREATEST(m.version_at, x.version_at),"
	"  seq = CASE WHEN x.seq_at IS NOT NULL AND (m.seq_at IS NULL OR"
	"    (x.seq_at, x.seq_event_id) > (m.seq_at, m.seq_event_id))"
	"    THEN x.seq ELSE m.seq END,"
	"  seq_event_id = CASE WHEN x.seq_at IS NOT NULL AND (m.seq_at IS NULL OR"
	"    (x.seq_at, x.seq_event_id) > (m.seq_at, m.seq_event_id))"
	"    THEN x.seq_event_id ELSE m.seq_event_id END,"
	"  seq_at = CASE WHEN x.seq_at IS NOT NULL AND (m.seq_at IS NULL OR"
	"    (x.seq_at, x.seq_event_id) > (m.seq_at, m.seq_event_id))"
	"    THEN x.seq_at ELSE m.seq_at END"
	" FROM x"
	" WHERE m.session_id = x.session_id AND m.message_id = x.message_id"
	"  AND m.purged_at IS NULL AND ("
	"  x.first_at < m.occurred_at"
	"  OR (x.version_at, x.version_event_id)"
	"     > (m.version_at, m.version_event_id)"
	"  OR (x.seq_at IS NOT NULL AND (m.seq_at IS NULL OR"
	"     (x.seq_at, x.seq_event_id) > (m.seq_at, m.seq_event_id))))";

/*
 * What was redacted from messages (sql/005_redaction.sql): $1 message ids,
 * $2 event ids, $3 spans (NULL: none), $4 sessions, given for the new
 * messages whose winning event had spans and for every event of the
 * messages already stored.  The stored version (rule 6's last writer, already written) is
 * the one whose spans are kept: a winner with spans replaces the row, a
 * winner without deletes it, a loser changes nothing.
 */
static const char SQL_MSG_REDACTIONS[] =
	"WITH w AS ("
	"  SELECT b.message_id, b.session_id, b.event_id, m.version_at, b.spans"
	"  FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::uuid[])"
	"   AS b(message_id, event_id, spans, session_id)"
	"  JOIN conversation_messages m ON m.session_id = b.session_id"
	"   AND m.message_id = b.message_id"
	"   AND m.version_event_id = b.event_id AND m.purged_at IS NULL"
	"), gone AS ("
	"  DELETE FROM message_redactions r USING w"
	"  WHERE r.message_id = w.message_id AND w.spans IS NULL"
	")"
	" INSERT INTO message_redactions AS r (message_id, session_id,"
	"  version_event_id, version_at, spans)"
	" SELECT message_id, session_id, event_id, version_at, spans FROM w"
	" WHERE spans IS NOT NULL"
	" ON CONFLICT (message_id) DO UPDATE SET"
	"  version_event_id = EXCLUDED.version_event_id,"
	"  version_at = EXCLUDED.version_at, spans = EXCLUDED.spans"
	" WHERE (r.version_event_id, r.spans)"
	"  IS DISTINCT FROM (EXCLUDED.version_event_id, EXCLUDED.spans)";

/* The registry: prepared under these names on every new connection. */
static const struct {
	const char *name;
	const char *sql;
	int nparams;
} ct_repo_stmts[CT_STMT_COUNT] = {
	[CT_STMT_LOCKSET] = { "ct_lockset", SQL_LOCKSET, 3 },
	[CT_STMT_LOCK] = { "ct_lock", SQL_LOCK, 1 },
	[CT_STMT_JOINS] = { "ct_joins", SQL_JOINS, 8 },
	[CT_STMT_AUTHS] = { "ct_auths", SQL_AUTHS, 8 },
	[CT_STMT_ENDS] = { "ct_ends", SQL_ENDS, 5 },
	[CT_STMT_MSG_PROBE] = { "ct_msg_probe", SQL_MSG_PROBE, 2 },
	[CT_STMT_MSG_UPSERT] = { "ct_msg_upsert", SQL_MSG_UPSERT, 8 },
	[CT_STMT_SESSIONS] = { "ct_sessions", SQL_SESSIONS, 7 },
	[CT_STMT_REFRESH_SESSIONS] = { "ct_refresh_sessions", SQL_REFRESH_SESSIONS, 4 },
	[CT_STMT_AUDIT_CREATED] = { "ct_audit_created", SQL_AUDIT_CREATED, 10 },
	[CT_STMT_ENSURE_PROFILES] = { "ct_ensure_profiles", SQL_ENSURE_PROFILES, 4 },
	[CT_STMT_USER_ATTRS] = { "ct_user_attrs", SQL_USER_ATTRS, 1 },
	[CT_STMT_LINK_SESSIONS] = { "ct_link_sessions", SQL_LINK_SESSIONS, 5 },
	[CT_STMT_STATS_IDS] = { "ct_stats_ids", SQL_STATS_IDS, 3 },
	[CT_STMT_STATS] = { "ct_stats", SQL_STATS, 1 },
	[CT_STMT_CANDIDATES] = { "ct_candidates", SQL_CANDIDATES, 2 },
	[CT_STMT_METADATA] = { "ct_metadata", SQL_METADATA, 2 },
	[CT_STMT_REOPEN] = { "ct_reopen", SQL_REOPEN, 1 },
	[CT_STMT_DUE] = { "ct_due", SQL_DUE, 3 },
	[CT_STMT_MSG_REDACTIONS] = { "ct_redactions", SQL_MSG_REDACTIONS, 4 },
};

/* ---- settings ---- */

void ct_repo_set_grace_ms(struct ct_repo *repo, int grace_ms)
{
	repo->grace_ms = grace_ms;
}

void ct_repo_set_shared_device_policy(struct ct_repo *repo, const char *policy)
{
	snprintf(repo->shared_device_policy, sizeof(repo->shared_device_policy),
		 "%s", policy);
}

enum ct_repo_status ct_repo_set_hash_key(struct ct_repo *repo, const char *key,
					 size_t key_len)
{
	struct ct_hmac *h;

	if (ct_hmac_new(key, key_len, &h) < 0) {
		snprintf(repo->err, sizeof(repo->err),
			 "cannot set up HMAC-SHA256 with redact.hash_key");
		return CT_REPO_FATAL;
	}
	ct_hmac_free(repo->hasher);
	repo->hasher = h;
	return CT_REPO_OK;
}

const char *ct_repo_error(const struct ct_repo *repo)
{
	return repo->err;
}

bool ct_repo_is_superuser(const struct ct_repo *repo)
{
	const char *v;

	if (!repo->conn || PQstatus(repo->conn) != CONNECTION_OK)
		return false;
	v = PQparameterStatus(repo->conn, "is_superuser");
	return v && strcmp(v, "on") == 0;
}

/* ---- the connection ---- */

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

	for (i = 0; i < CT_STMT_COUNT; i++) {
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
enum ct_repo_status ct_repo_open(struct ct_repo *repo)
{
	/* a later keyword wins over the same one expanded from dbname */
	const char *keys[] = { "dbname", "application_name", "connect_timeout",
			       repo->password ? "password" : NULL, NULL };
	const char *vals[] = { repo->conninfo, "convtrack", "10",
			       repo->password, NULL };
	PGresult *res;

	PQfinish(repo->conn);
	repo->prepared = 0;
	repo->api_prepared = 0;
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
	/* READ COMMITTED whatever the server's default: the message-id
	 * registry's functions and reads rely on each statement seeing what
	 * committed before it (repo_registry.c) */
	res = PQexec(repo->conn, "SET plan_cache_mode = force_custom_plan;"
			   " SET jit = off; SET random_page_cost = 1.1;"
			   " SET default_transaction_isolation = 'read committed'");
	if (PQresultStatus(res) == PGRES_COMMAND_OK &&
	    repo->statement_timeout_ms > 0) {
		char sql[64];

		PQclear(res);
		snprintf(sql, sizeof(sql), "SET statement_timeout = %d",
			 repo->statement_timeout_ms);
		res = PQexec(repo->conn, sql);
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		enum ct_repo_status st = ct_repo_classify(repo, res);

		PQclear(res);
		return st;
	}
	PQclear(res);
	return CT_REPO_OK;
}

enum ct_repo_status ct_repo_connect(const char *conninfo, const char *password,
				    struct ct_repo **out, char *err,
				    size_t errlen)
{
	struct ct_repo *repo = calloc(1, sizeof(*repo));
	enum ct_repo_status st;

	*out = NULL;
	if (!repo || !(repo->conninfo = strdup(conninfo ? conninfo : "")) ||
	    (password && !(repo->password = strdup(password)))) {
		if (repo)
			free(repo->conninfo);
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

enum ct_repo_status ct_repo_set_statement_timeout(struct ct_repo *repo, int ms)
{
	repo->statement_timeout_ms = ms > 0 ? ms : 0;
	return ct_repo_open(repo);
}

void ct_repo_free(struct ct_repo *repo)
{
	if (!repo)
		return;
	PQfinish(repo->conn);
	ct_hmac_free(repo->hasher);
	ct_repo_registry_clear(&repo->reg);
	free(repo->conninfo);
	if (repo->password) {
		explicit_bzero(repo->password, strlen(repo->password));
		free(repo->password);
	}
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
		repo->api_prepared = 0;
	repo->api_prepared = 0;
	}
	PQclear(res);
}

/* ---- running statements ---- */

/*
 * Hands the result res of a statement to the caller: on success *out (when
 * not NULL) receives it, else it is cleared; a failure is classified and
 * res cleared, and *out stays NULL.
 */
static enum ct_repo_status ct_repo_result(struct ct_repo *repo, PGresult *res,
					  PGresult **out)
{
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

/* Runs the prepared statement name with nparams text parameters. */
static enum ct_repo_status ct_repo_run_named(struct ct_repo *repo, const char *name,
					     int nparams, const char *const *params,
					     PGresult **out)
{
	return ct_repo_result(repo, PQexecPrepared(repo->conn, name, nparams,
						   params, NULL, NULL, 0), out);
}

enum ct_repo_status ct_repo_run(struct ct_repo *repo, enum ct_repo_stmt stmt,
				const char *const *params, PGresult **out)
{
	return ct_repo_run_named(repo, ct_repo_stmts[stmt].name,
				 ct_repo_stmts[stmt].nparams, params, out);
}

enum ct_repo_status ct_repo_exec(struct ct_repo *repo, const char *sql, int n,
				 const char *const *params, PGresult **out)
{
	return ct_repo_result(repo, PQexecParams(repo->conn, sql, n, NULL, params,
						 NULL, NULL, 0), out);
}

/* ---- advisory locks ---- */

int64_t ct_repo_lock_key(const char *uuid)
{
	struct ct_uuid_key k = ct_ids_uuid_key(uuid);

	return ct_repo_lock_key_of(&k);
}
