/*
 * Repository, erasure: `convtrack erase` and profile-erasure-requested
 * events (ct_repo_erase), and the check every batch makes so that events
 * of erased sessions and persons are dropped (ct_repo_deny_*).
 *
 * The SQL is in sql/007_erasure.sql.  PostgreSQL never sees the HMAC key:
 * this file hashes session ids and usernames (convtrack/hmac.h) and
 * passes the hashes, and the database only stores and compares them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "convtrack/clock.h"
#include "convtrack/hmac.h"
#include "convtrack/ids.h"
#include "convtrack/log.h"
#include "convtrack/repo.h"
#include "pgarray.h"
#include "repo_int.h"

/*
 * Erasures whose scope changed under a concurrent batch, retried here after
 * a pause that doubles from CT_RE_PAUSE_MS up to CT_RE_PAUSE_MAX_MS, so
 * that a person whose new sessions keep arriving (the batches that add
 * them hold the person's lock) is erased once they drain: at most ~1.6 s
 * of pauses in all.
 */
#define CT_RE_MAX_ATTEMPTS 8
#define CT_RE_PAUSE_MS 20
#define CT_RE_PAUSE_MAX_MS 500

/* Hashes kind:value with the repository's key; fatal without a key. */
static enum ct_repo_status ct_re_hash(struct ct_repo *repo, const char *kind,
				      const char *value,
				      char out[CT_HMAC_HEX_LEN])
{
	if (!repo->hasher) {
		snprintf(repo->err, sizeof(repo->err),
			 "no erasure hash key (redact.hash_key) is set");
		return CT_REPO_FATAL;
	}
	if (ct_hmac_name(repo->hasher, kind, value, out) < 0) {
		snprintf(repo->err, sizeof(repo->err),
			 "cannot compute an HMAC-SHA256 (libcrypto)");
		return CT_REPO_FATAL;
	}
	return CT_REPO_OK;
}

/* ---- the check of every batch ---- */

struct ct_repo_deny {
	const struct ct_event *const *events;
	size_t n;
	struct ct_pgarray sess, sess_hash;            /* distinct sessions */
	struct ct_pgarray auth_sess, auth_hash, auth_at; /* authenticated events */
	enum ct_repo_status st;                        /* of hashing */
};

int ct_repo_deny_build(struct ct_repo *repo,
		       const struct ct_event *const *events, size_t n,
		       const char *const *sessions, size_t nsessions,
		       struct ct_repo_deny **out)
{
	struct ct_repo_deny *d = calloc(1, sizeof(*d));
	char hash[CT_HMAC_HEX_LEN];
	size_t i;

	*out = NULL;
	if (!d)
		return -1;
	d->events = events;
	d->n = n;
	ct_pgarray_init(&d->sess);
	ct_pgarray_init(&d->sess_hash);
	ct_pgarray_init(&d->auth_sess);
	ct_pgarray_init(&d->auth_hash);
	ct_pgarray_init(&d->auth_at);
	for (i = 0; i < nsessions && d->st == CT_REPO_OK; i++) {
		d->st = ct_re_hash(repo, "session", sessions[i], hash);
		ct_pgarray_add(&d->sess, sessions[i]);
		ct_pgarray_add(&d->sess_hash, hash);
	}
	for (i = 0; i < n && d->st == CT_REPO_OK; i++) {
		const struct ct_event *ev = events[i];

		if (ev->type != CT_EVENT_AUTHENTICATED)
			continue;
		d->st = ct_re_hash(repo, "username",
				   ev->u.auth.username, hash);
		ct_pgarray_add(&d->auth_sess, ev->session_id);
		ct_pgarray_add(&d->auth_hash, hash);
		ct_pgarray_add_time(&d->auth_at, ev->occurred_at_us);
	}
	if (d->sess.failed || d->sess_hash.failed || d->auth_sess.failed ||
	    d->auth_hash.failed || d->auth_at.failed) {
		ct_repo_deny_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void ct_repo_deny_free(struct ct_repo_deny *d)
{
	if (!d)
		return;
	ct_pgarray_free(&d->sess);
	ct_pgarray_free(&d->sess_hash);
	ct_pgarray_free(&d->auth_sess);
	ct_pgarray_free(&d->auth_hash);
	ct_pgarray_free(&d->auth_at);
	free(d);
}

/* Lists in rejected[] every event whose session is one of res's rows. */
static void ct_re_deny_mark(const struct ct_repo_deny *d, PGresult *res,
			    struct ct_repo_rejection *rejected, size_t *nrejected)
{
	int ndropped = PQntuples(res), r;
	size_t i;

	for (i = 0; i < d->n; i++) {
		for (r = 0; r < ndropped; r++)
			if (strcmp(d->events[i]->session_id, PQgetvalue(res, r, 0)) == 0)
				break;
		if (r == ndropped)
			continue;
		rejected[*nrejected].index = i;
		rejected[*nrejected].reason = CT_REPO_REASON_ERASED;
		(*nrejected)++;
	}
}

enum ct_repo_status ct_repo_deny_check(struct ct_repo *repo,
				       const struct ct_repo_deny *d,
				       struct ct_repo_rejection *rejected,
				       size_t *nrejected)
{
	static const char sql[] =
		"SELECT session_id::text FROM ct_erasure_denied($1::uuid[],"
		" $2::text[], $3::uuid[], $4::text[], $5::timestamptz[])";
	struct ct_pgarray *arrays[5] = {
		(struct ct_pgarray *)&d->sess, (struct ct_pgarray *)&d->sess_hash,
		(struct ct_pgarray *)&d->auth_sess, (struct ct_pgarray *)&d->auth_hash,
		(struct ct_pgarray *)&d->auth_at
	};
	const char *p[5];
	enum ct_repo_status st;
	PGresult *res;
	int i;

	*nrejected = 0;
	if (d->st != CT_REPO_OK)
		return d->st;
	for (i = 0; i < 5; i++)
		p[i] = ct_pgarray_str(arrays[i]);
	st = ct_repo_exec(repo, sql, 5, p, &res);
	if (st != CT_REPO_OK)
		return st;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return CT_REPO_OK;
	}
	ct_re_deny_mark(d, res, rejected, nrejected);
	PQclear(res);
	/* keep what the check erased (late sessions): the rest is applied again */
	st = ct_repo_command(repo, "COMMIT");
	return st == CT_REPO_OK ? CT_REPO_REJECTED : st;
}

/* ---- convtrack erase, profile-erasure-requested ---- */

/* The person the request names (ct_erasure_root), "" when none. */
static enum ct_repo_status ct_re_root(struct ct_repo *repo,
				      const struct ct_repo_erase_request *req,
				      char root[CT_UUID_STRLEN + 1],
				      char **username)
{
	const char *p[2] = { req->username, req->profile_id };
	enum ct_repo_status st;
	PGresult *res;

	root[0] = '\0';
	*username = NULL;
	st = ct_repo_exec(repo, "SELECT r::text, u.username FROM"
			  " ct_erasure_root($1, $2::uuid) AS r"
			  " LEFT JOIN user_profiles u ON u.id = r", 2, p, &res);
	if (st != CT_REPO_OK)
		return st;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		snprintf(root, CT_UUID_STRLEN + 1, "%s", PQgetvalue(res, 0, 0));
		if (!PQgetisnull(res, 0, 1) &&
		    !(*username = strdup(PQgetvalue(res, 0, 1))))
			st = CT_REPO_TRANSIENT;
	}
	PQclear(res);
	return st;
}

/* The sessions erasing root removes, with their keyed hashes. */
static enum ct_repo_status ct_re_sessions(struct ct_repo *repo, const char *root,
					  struct ct_pgarray *ids,
					  struct ct_pgarray *hashes)
{
	const char *p[1] = { root };
	char hash[CT_HMAC_HEX_LEN];
	enum ct_repo_status st;
	PGresult *res;
	int r;

	st = ct_repo_exec(repo, "SELECT id::text FROM ct_erasure_scope($1::uuid)"
			  " WHERE kind = 's'", 1, p, &res);
	for (r = 0; st == CT_REPO_OK && r < PQntuples(res); r++) {
		st = ct_re_hash(repo, "session", PQgetvalue(res, r, 0), hash);
		ct_pgarray_add(ids, PQgetvalue(res, r, 0));
		ct_pgarray_add(hashes, hash);
	}
	PQclear(res);
	if (st == CT_REPO_OK && (ids->failed || hashes->failed))
		st = CT_REPO_TRANSIENT;
	return st;
}

/* A new erasure id when the request has none (the CLI). */
static enum ct_repo_status ct_re_new_id(struct ct_repo *repo,
					char out[CT_UUID_STRLEN + 1])
{
	enum ct_repo_status st;
	PGresult *res;

	st = ct_repo_exec(repo, "SELECT gen_random_uuid()::text", 0, NULL, &res);
	if (st != CT_REPO_OK)
		return st;
	snprintf(out, CT_UUID_STRLEN + 1, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return CT_REPO_OK;
}

/* erase_profile() for root with what was read and hashed before. */
static enum ct_repo_status ct_re_erase_root(struct ct_repo *repo,
					    const struct ct_repo_erase_request *req,
					    const char *root, const char *user_hash,
					    struct ct_pgarray *ids,
					    struct ct_pgarray *hashes,
					    struct ct_repo_erase_result *out)
{
	char name[64 + CT_UUID_STRLEN], event_id[CT_UUID_STRLEN + 1], at[40];
	const char *p[10];
	enum ct_repo_status st;
	PGresult *res;

	snprintf(name, sizeof(name), "convtrack:profile-erased:%s", out->erasure_id);
	ct_ids_uuid5(name, strlen(name), event_id);
	if (req->has_requested_at)
		ct_event_format_time(req->requested_at_us, at);
	p[0] = root;
	p[1] = ct_pgarray_str(ids);
	p[2] = ct_pgarray_str(hashes);
	p[3] = user_hash;
	p[4] = out->erasure_id;
	p[5] = event_id;
	p[6] = req->source;
	p[7] = req->requested_by;
	p[8] = req->reason;
	p[9] = req->has_requested_at ? at : NULL;
	if (!p[1] || !p[2])
		return CT_REPO_TRANSIENT;
	st = ct_repo_exec(repo, "SELECT erase_profile($1::uuid, $2::uuid[], $3::text[],"
			  " $4, $5::uuid, $6::uuid, $7, $8, $9, $10::timestamptz)",
			  10, p, &res);
	if (st != CT_REPO_OK)
		return st;
	out->payload = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return out->payload ? CT_REPO_OK : CT_REPO_TRANSIENT;
}

/* One attempt: read the scope, hash it, erase, commit. */
static enum ct_repo_status ct_re_erase_once(struct ct_repo *repo,
					    const struct ct_repo_erase_request *req,
					    struct ct_repo_erase_result *out)
{
	char user_hash[CT_HMAC_HEX_LEN];
	struct ct_pgarray ids, hashes;
	char *username = NULL;
	enum ct_repo_status st;

	ct_pgarray_init(&ids);
	ct_pgarray_init(&hashes);
	st = ct_repo_command(repo, "BEGIN");
	if (st == CT_REPO_OK)
		st = ct_re_root(repo, req, out->profile_id, &username);
	if (st == CT_REPO_OK && out->profile_id[0]) {
		out->found = true;
		if (username)
			st = ct_re_hash(repo, "username", username, user_hash);
		if (st == CT_REPO_OK)
			st = ct_re_sessions(repo, out->profile_id, &ids, &hashes);
		if (st == CT_REPO_OK)
			st = ct_re_erase_root(repo, req, out->profile_id,
					      username ? user_hash : NULL, &ids,
					      &hashes, out);
	}
	if (st == CT_REPO_OK)
		st = ct_repo_command(repo, "COMMIT");
	if (st != CT_REPO_OK)
		ct_repo_rollback(repo);
	free(username);
	ct_pgarray_free(&ids);
	ct_pgarray_free(&hashes);
	return st;
}

enum ct_repo_status ct_repo_erase(struct ct_repo *repo,
				  const struct ct_repo_erase_request *req,
				  struct ct_repo_erase_result *out)
{
	enum ct_repo_status st;
	int attempt;

	memset(out, 0, sizeof(*out));
	if (!req->username == !req->profile_id) {
		snprintf(repo->err, sizeof(repo->err),
			 "an erasure names exactly one of a username and a profile id");
		return CT_REPO_PERMANENT;
	}
	st = ct_repo_ready(repo);
	if (st == CT_REPO_OK && req->erasure_id)
		snprintf(out->erasure_id, sizeof(out->erasure_id), "%s", req->erasure_id);
	else if (st == CT_REPO_OK)
		st = ct_re_new_id(repo, out->erasure_id);
	for (attempt = 0; st == CT_REPO_OK && attempt < CT_RE_MAX_ATTEMPTS; attempt++) {
		ct_repo_erase_result_clear(out);
		st = ct_re_erase_once(repo, req, out);
		/* 40001 from erase_profile(): the scope grew; read it again */
		if (st != CT_REPO_TRANSIENT || strncmp(repo->err, "40001", 5) != 0)
			break;
		ct_log(CT_LOG_INFO, "erasure %s: %s", out->erasure_id, repo->err);
		st = CT_REPO_OK;
		if (attempt + 1 < CT_RE_MAX_ATTEMPTS)
			ct_sleep_ms(ct_backoff_ms(CT_RE_PAUSE_MS,
						  CT_RE_PAUSE_MAX_MS, attempt));
	}
	if (st == CT_REPO_OK && attempt == CT_RE_MAX_ATTEMPTS)
		st = CT_REPO_TRANSIENT;
	if (st != CT_REPO_OK)
		ct_repo_erase_result_clear(out);
	return st;
}

void ct_repo_erase_result_clear(struct ct_repo_erase_result *out)
{
	if (!out)
		return;
	free(out->payload);
	out->payload = NULL;
	out->found = false;
	out->profile_id[0] = '\0';
}
