/*
 * Repository: everything convtrack does in PostgreSQL, over libpq.
 *
 * One struct ct_repo is one connection with its prepared statements.  SQL is
 * never built from data: every value travels as a parameter.  A batch of
 * validated events is applied in one transaction of set-based statements
 * (arrays and unnest), whose rules are described in sql/001_schema.sql,
 * in src/store/repo_batch.c and beside the statements in
 * src/store/repo_conn.c.
 *
 * Every failure is classified once (ct_repo_status): transient failures are
 * retried by the caller as a whole transaction, permanent ones are caused by
 * the data of the batch, fatal ones need an operator.
 */
#ifndef CONVTRACK_REPO_H
#define CONVTRACK_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/event.h"

enum ct_repo_status {
	CT_REPO_OK = 0,
	CT_REPO_TRANSIENT, /* connection lost, 08xxx, 40001, 40P01, 53xxx, 57xxx */
	CT_REPO_PERMANENT, /* caused by the batch's data: 22xxx, 23xxx, ... */
	CT_REPO_REJECTED,  /* some events must be dead-lettered: see rejected[] */
	CT_REPO_FATAL,     /* schema missing, permission denied, bad query */
};

struct ct_repo;

/*
 * Opens a connection.  conninfo is a libpq connection string or URI; empty
 * or NULL means libpq's PG* environment variables.  password, when not
 * NULL, is the password (postgres.password_file), over any in conninfo.
 * Returns CT_REPO_OK and sets *out, or CT_REPO_TRANSIENT when the server
 * cannot be reached (the message is in err, errlen bytes).
 */
enum ct_repo_status ct_repo_connect(const char *conninfo, const char *password,
				    struct ct_repo **out, char *err,
				    size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Sets the statement_timeout of this connection (0: the server's) and
 * reconnects with it; every later reconnection keeps it.  Transient when
 * the server cannot be reached.
 */
enum ct_repo_status ct_repo_set_statement_timeout(struct ct_repo *repo, int ms)
	__attribute__((warn_unused_result));

/* Closes the connection.  Does nothing when repo is NULL. */
void ct_repo_free(struct ct_repo *repo);

/*
 * Sets summary.grace_ms: an ended session is summarized once no event of
 * it has been applied for this long (contract rule 7).  Default 0.
 */
void ct_repo_set_grace_ms(struct ct_repo *repo, int grace_ms);

/*
 * Sets merge.shared_device_policy, "history" (default: contract rule 2) or
 * "session" (a shared device's anonymous profile is not merged), passed to
 * ct_refresh_merges() with every batch (sql/006_merge_ledger.sql).
 */
void ct_repo_set_shared_device_policy(struct ct_repo *repo, const char *policy);

/* The last error message of repo (never NULL). */
const char *ct_repo_error(const struct ct_repo *repo);

/*
 * True when repo is connected as a PostgreSQL superuser (the server's
 * is_superuser parameter; false when not connected).
 */
bool ct_repo_is_superuser(const struct ct_repo *repo);

/*
 * Applies the embedded sql/ migrations that are not yet recorded in
 * schema_migrations, each in its own transaction, under an advisory lock so
 * that concurrent runs wait for each other.  *applied (may be NULL) receives
 * the number applied.
 */
enum ct_repo_status ct_repo_migrate(struct ct_repo *repo, int *applied)
	__attribute__((warn_unused_result));

/* True when every embedded migration is recorded in the database. */
enum ct_repo_status ct_repo_check_schema(struct ct_repo *repo)
	__attribute__((warn_unused_result));

/*
 * The outcome of ct_repo_apply for events that must be dead-lettered
 * (CT_REPO_REJECTED): indexes into the events array with a reason.
 */
struct ct_repo_rejection {
	size_t index;
	const char *reason; /* static string, e.g. "message_id_conflict" */
};

/*
 * The reason of a rejection that is no error: the event belongs to an
 * erased session or person (sql/007_erasure.sql) and must be dropped, not
 * dead-lettered.  Compare pointers or strings.
 */
#define CT_REPO_REASON_ERASED "erased"

/*
 * Applies events[0..n) in one transaction: contract rules 1-6 for every
 * session, anonymous key and profile they touch.  The events must be valid
 * and distinct by event_id, and no two messages of the batch may share a
 * message_id with different sessions (the applier guarantees that).
 *
 * Returns CT_REPO_OK once committed.  CT_REPO_REJECTED (no event
 * committed) when some events conflict with stored data (a message_id
 * stored for another session) or belong to an erased session or person
 * (reason CT_REPO_REASON_ERASED; a session found to be a late session of an
 * erased person has then been erased and denylisted, and that is
 * committed): they are listed in rejected[] (capacity n), their number in
 * *nrejected; apply the others again.  Other statuses: nothing
 * was committed; see enum ct_repo_status.  *lock_retries (may be NULL)
 * counts transactions restarted because the lock set grew.
 */
enum ct_repo_status ct_repo_apply(struct ct_repo *repo,
				  const struct ct_event *const *events, size_t n,
				  struct ct_repo_rejection *rejected,
				  size_t *nrejected, int *lock_retries)
	__attribute__((warn_unused_result));

/*
 * ct_repo_apply in two steps, so that the work that needs no database can
 * be done ahead, on another thread, while the connection is busy with the
 * previous batch: ct_repo_batch_build() sorts events[0..n) and builds the
 * columns of the batch's statements (pure: no connection; the events are
 * borrowed until the batch is freed; -1 when out of memory), and
 * ct_repo_apply_batch() runs the transaction, as ct_repo_apply does.  A
 * batch may be applied again after a failure (the same events).
 */
struct ct_repo_batch;

int ct_repo_batch_build(const struct ct_event *const *events, size_t n,
			struct ct_repo_batch **out)
	__attribute__((warn_unused_result));

enum ct_repo_status ct_repo_apply_batch(struct ct_repo *repo, struct ct_repo_batch *b,
					struct ct_repo_rejection *rejected,
					size_t *nrejected, int *lock_retries)
	__attribute__((warn_unused_result));

void ct_repo_batch_free(struct ct_repo_batch *b);

/* ---- summaries (rules 7-10), stale sweeps (rule 8), outbox ---- */

/*
 * The message-id registry's upkeep (sql/015_message_registry.sql and
 * 016_registry_merge.sql), in its own transactions: seals the open run
 * once its rows take seal_bytes or more (a new run opens), builds the
 * Bloom filter of every sealed run that has none, then, when more than
 * max_runs sealed runs have filters (0: never), merges the smallest four
 * into one.  *sealed, *filtered and *merged say how many of each happened.
 */
enum ct_repo_status ct_repo_registry_maintain(struct ct_repo *repo, int64_t seal_bytes,
					      int max_runs, int *sealed, int *filtered,
					      int *merged)
	__attribute__((warn_unused_result));

/*
 * Rule 8: ends at most limit sessions without call_ended whose newest event
 * is older than stale_after_s (wall clock): ended_at = that event's time,
 * end_reason 'stale', summary due now.  Safe with several workers (each
 * session is locked as the applier locks it).  *ended gets the count.
 */
enum ct_repo_status ct_repo_sweep_stale(struct ct_repo *repo, int stale_after_s,
					int limit, int *ended)
	__attribute__((warn_unused_result));

/* At most max sessions whose summary is due now, oldest first. */
enum ct_repo_status ct_repo_summary_due(struct ct_repo *repo, int max,
					char (*ids)[CT_UUID_STRLEN + 1],
					size_t *n)
	__attribute__((warn_unused_result));

struct ct_repo_message {
	enum ct_role role;
	char *content;
	size_t len;
};

struct ct_repo_candidate {
	char profile_id[CT_UUID_STRLEN + 1];
	const char *signal; /* "phone_number" | "email" (static) */
	double confidence;
};

#define CT_REPO_MAX_CANDIDATES 8

/* A session being summarized, loaded by ct_repo_summary_begin(). */
struct ct_repo_summary_job {
	char session_id[CT_UUID_STRLEN + 1];
	bool due;           /* false: nothing to do; the transaction is closed */
	bool purged_skip;   /* due, but skipped: retention purged its text */
	bool has_profile;
	char profile_id[CT_UUID_STRLEN + 1];
	char profile_type[16];
	bool has_anon;      /* the session's anonymous profile (its key's) */
	char anon_profile_id[CT_UUID_STRLEN + 1];
	bool authenticated;
	char end_reason[16]; /* "" when the call_ended had no reason */
	int64_t started_at_us, ended_at_us;
	bool has_duration;
	double duration_seconds;
	struct ct_repo_message *messages; /* in conversation order */
	size_t nmessages;
	long prev_version;  /* 0: never summarized */
	char *prev_value;   /* value JSON of that version, or NULL */
	struct ct_repo_candidate candidates[CT_REPO_MAX_CANDIDATES];
	size_t ncandidates;
};

/*
 * Opens a transaction, locks the session and its profiles (as the applier
 * does) and loads what its summary is computed from.  When the summary is
 * no longer due (another worker did it, or the session was reopened; with
 * any, only when the session is not ended) the transaction is committed
 * and job->due is false.  So it is when retention
 * purged some of the session's text (job->purged_skip): its due time is
 * cleared and its summary, if any, stays as it is.  Otherwise the
 * transaction stays open for ct_repo_summary_contacts() and
 * ct_repo_summary_commit(); on any failure call ct_repo_summary_abort().
 */
enum ct_repo_status ct_repo_summary_begin(struct ct_repo *repo,
					  const char *session_id, bool any,
					  struct ct_repo_summary_job *job)
	__attribute__((warn_unused_result));

/*
 * Rule 10: records the phone numbers (E.164) and emails the caller gave for
 * themself, recomputes the match candidates of the session's anonymous
 * profile (re-dueing other sessions whose candidates changed) and loads
 * this session's candidates into job (none for an authenticated session).
 */
enum ct_repo_status ct_repo_summary_contacts(struct ct_repo *repo,
					     struct ct_repo_summary_job *job,
					     const char *const *phones, size_t nphones,
					     const char *const *emails, size_t nemails)
	__attribute__((warn_unused_result));

/*
 * Writes summary version `version` whose value is value_json, written by
 * summarizer (e.g. "rules-1"), and its outbox row (event_id, event_json)
 * when value_json is not NULL; then clears the due time, refreshes the
 * profile's metadata (rule 9) and commits.
 */
enum ct_repo_status ct_repo_summary_commit(struct ct_repo *repo,
					   struct ct_repo_summary_job *job,
					   const char *value_json, long version,
					   const char *event_id,
					   const char *event_json,
					   const char *summarizer)
	__attribute__((warn_unused_result));

/*
 * Up to max ended sessions that have a summary, started on or after since
 * (a date, NULL: all), with ids after after (NULL: from the first), in id
 * order; *total (may be NULL) gets how many there are in all.  For
 * `convtrack resummarize`, which pages through them.
 */
enum ct_repo_status ct_repo_summarized_sessions(struct ct_repo *repo,
						const char *since, const char *after,
						int max,
						char (*ids)[CT_UUID_STRLEN + 1],
						size_t *n, long long *total)
	__attribute__((warn_unused_result));

/* Rolls back an open summary transaction. */
void ct_repo_summary_abort(struct ct_repo *repo);

/* Frees what job owns.  Does nothing when job is NULL. */
void ct_repo_summary_job_clear(struct ct_repo_summary_job *job);

struct ct_repo_outbox_row {
	long long id;
	char session_id[CT_UUID_STRLEN + 1];
	char *payload;
};

/*
 * Opens a transaction and claims at most limit unsent outbox rows (FOR
 * UPDATE SKIP LOCKED), oldest first, never a version whose session has an
 * older unsent version.  The transaction stays open until
 * ct_repo_outbox_done(), which ends every successful claim (with the rows
 * published, possibly none); a failed claim has rolled back already.
 */
enum ct_repo_status ct_repo_outbox_claim(struct ct_repo *repo, int limit,
					 struct ct_repo_outbox_row **rows,
					 size_t *n)
	__attribute__((warn_unused_result));

/* Marks the rows ids[0..n) sent and commits. */
enum ct_repo_status ct_repo_outbox_done(struct ct_repo *repo,
					const long long *ids, size_t n)
	__attribute__((warn_unused_result));

/* Frees rows. */
void ct_repo_outbox_free(struct ct_repo_outbox_row *rows, size_t n);

/*
 * The same for the profile_erased outbox (sql/007_erasure.sql); a row's
 * session_id holds its Kafka key, the erased profile's id.  Free with
 * ct_repo_outbox_free().
 */
enum ct_repo_status ct_repo_erasure_outbox_claim(struct ct_repo *repo, int limit,
						 struct ct_repo_outbox_row **rows,
						 size_t *n)
	__attribute__((warn_unused_result));

enum ct_repo_status ct_repo_erasure_outbox_done(struct ct_repo *repo,
						const long long *ids, size_t n)
	__attribute__((warn_unused_result));

/* Unsent outbox rows (the publication backlog). */
enum ct_repo_status ct_repo_outbox_backlog(struct ct_repo *repo, long long *n)
	__attribute__((warn_unused_result));

/* Anonymous profiles flagged as shared devices (sql/006_merge_ledger.sql). */
enum ct_repo_status ct_repo_shared_devices(struct ct_repo *repo, long long *n)
	__attribute__((warn_unused_result));

/* ---- erasure (sql/007_erasure.sql) ---- */

/*
 * Sets the HMAC key (key_len bytes, copied) of the erasure denylist.
 * Until it is set, ct_repo_apply() and ct_repo_erase() fail with
 * CT_REPO_FATAL.  Returns CT_REPO_OK, or CT_REPO_FATAL (message in
 * ct_repo_error()) for an empty key or when libcrypto fails.
 */
enum ct_repo_status ct_repo_set_hash_key(struct ct_repo *repo, const char *key,
					 size_t key_len)
	__attribute__((warn_unused_result));

/* What to erase, and the record kept of it.  Strings are borrowed. */
struct ct_repo_erase_request {
	const char *username;     /* exactly one of username and profile_id */
	const char *profile_id;
	const char *erasure_id;   /* the request's event_id; NULL: a random one */
	const char *source;       /* "cli" or "topic" */
	const char *requested_by; /* NULL: the database role */
	const char *reason;       /* may be NULL */
	bool has_requested_at;
	int64_t requested_at_us;  /* the request's occurred_at */
};

struct ct_repo_erase_result {
	bool found;               /* false: no such profile, nothing done */
	char profile_id[CT_UUID_STRLEN + 1];
	char erasure_id[CT_UUID_STRLEN + 1];
	char *payload;            /* the profile_erased event; malloc'd */
};

/*
 * Erases a person (erase_profile() in sql/007_erasure.sql) in one
 * transaction: the profile, the anonymous profiles merged into it, their
 * sessions and everything stored about them; denylists the hashes of the
 * username and the sessions; writes the profile_erased event to its outbox.
 * An unknown person is CT_REPO_OK with out->found false.  An anonymous
 * profile merged into an account is refused: CT_REPO_PERMANENT with the
 * reason in ct_repo_error().  A scope that changed under a concurrent batch
 * is retried here a few times, then reported as CT_REPO_TRANSIENT.
 */
enum ct_repo_status ct_repo_erase(struct ct_repo *repo,
				  const struct ct_repo_erase_request *req,
				  struct ct_repo_erase_result *out)
	__attribute__((warn_unused_result));

/* Frees what out owns.  Does nothing when out is NULL. */
void ct_repo_erase_result_clear(struct ct_repo_erase_result *out);

/* ---- operator queries (convtrack profile, summaries, merge, report) ---- */

/* The named queries of the operator CLI (SQL lives in repo_cli.c). */
enum ct_repo_query {
	CT_Q_PROFILE_BY_USERNAME = 0, /* $1 username */
	CT_Q_PROFILE_BY_ANONYMOUS_ID, /* $1 anonymous key */
	CT_Q_PROFILE_BY_ID,           /* $1 profile id */
	CT_Q_MERGED_FROM,             /* $1 profile id: profiles merged into it */
	CT_Q_PROFILE_SESSIONS,        /* $1 profile id, $2 limit */
	CT_Q_PROFILE_SUMMARIES,       /* $1 profile id, $2 limit */
	CT_Q_MERGE,                   /* $1 anonymous id, $2 authenticated id */
	CT_Q_REPORT_HEADLINE,         /* $1 first day (NULL: all time) */
	CT_Q_REPORT_ENGAGEMENT,       /* no parameters */
	CT_Q_REPORT_TOPICS,           /* no parameters */
	CT_Q_REPORT_FCR,              /* no parameters */
	CT_Q_REPORT_DAILY,            /* $1 first day (NULL: the last 14 days) */
	CT_Q_UNMERGE,                 /* $1 anonymous id: unmerge_profile() */
	CT_Q_PROFILE_HISTORY,         /* $1 profile id: audit trail, oldest first */
	CT_Q_PROFILE_MERGES,          /* $1 profile id: merge ledger rows naming it */
	CT_Q_SHARED_DEVICES,          /* no parameters */
	CT_Q_SHARED_DEVICE_POLICY,    /* $1 policy: re-applied to every shared device */
	CT_Q_SHARED_DEVICE_COUNT,     /* no parameters */
	CT_Q_COUNT
};

/*
 * A query's result, copied out of libpq: rows x cols cells, row-major, NULL
 * for SQL NULL; kinds[c] is 's' (text), 'n' (number), 'b' (boolean), 'j'
 * (JSON: json and jsonb columns, and arrays, rewritten as JSON arrays) or
 * 't' (a time, rewritten as RFC 3339 in UTC with milliseconds:
 * "2026-11-02T08:03:12.580Z") so that callers can render it faithfully.
 */
struct ct_repo_table {
	size_t nrows, ncols;
	char **names;
	char *kinds;
	char **cells;
};

/*
 * Runs query q with params (as many as its comment says) in its own
 * transaction.  A failure caused by the parameters (e.g. merge_profiles()
 * refusing two profiles) is CT_REPO_PERMANENT with the server's message in
 * ct_repo_error().
 */
enum ct_repo_status ct_repo_query(struct ct_repo *repo, enum ct_repo_query q,
				  const char *const *params,
				  struct ct_repo_table *out)
	__attribute__((warn_unused_result));

/* The cell at row r, column named col, or NULL (also for no such column). */
const char *ct_repo_table_get(const struct ct_repo_table *t, size_t r,
			      const char *col);

/* Frees what t owns.  Does nothing when t is NULL. */
void ct_repo_table_free(struct ct_repo_table *t);

#endif
