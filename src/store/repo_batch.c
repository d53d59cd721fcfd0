/*
 * Repository, batches: applying a batch of validated events, the hot path.
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
 *
 * The messages of a batch are written by repo_messages.c and the erasure
 * check by repo_erase.c; the statements run here are prepared by the
 * connection (repo_conn.c), which registers their SQL.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "convtrack/event.h"
#include "convtrack/ids.h"
#include "convtrack/repo.h"
#include "pgarray.h"
#include "repo_int.h"

/* Lock-set growth restarts before giving up as a transient failure. */
#define CT_REPO_MAX_LOCK_ROUNDS 16

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
	st = ct_repo_run(repo, CT_STMT_LOCKSET, params, &res);
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
	st = params[0] ? ct_repo_run(repo, CT_STMT_LOCK, params, NULL)
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
		st = ct_repo_run(repo, CT_STMT_JOINS, p, NULL);
	}
	if (st == CT_REPO_OK && c->nauths) {
		for (i = 0; i < 8; i++)
			p[i] = ct_pgarray_str(&c->a[i]);
		st = ct_repo_run(repo, CT_STMT_AUTHS, p, NULL);
	}
	if (st == CT_REPO_OK && c->nends) {
		for (i = 0; i < 5; i++)
			p[i] = ct_pgarray_str(&c->e[i]);
		st = ct_repo_run(repo, CT_STMT_ENDS, p, NULL);
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
	st = p[3] && !c->struct_new.failed ? ct_repo_run(repo, CT_STMT_SESSIONS, p, NULL)
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
	return ct_repo_run(repo, CT_STMT_AUDIT_CREATED, p, NULL);
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
		st = ct_repo_run(repo, CT_STMT_ENSURE_PROFILES, p, NULL);
	}
	if (st == CT_REPO_OK) {
		p[0] = ct_pgarray_str(&c->structural);
		p[1] = ct_pgarray_str(&c->struct_min);
		p[2] = ct_pgarray_str(&c->struct_max);
		p[3] = ct_pgarray_str(&c->struct_new);
		st = ct_repo_run(repo, CT_STMT_REFRESH_SESSIONS, p, &res);
		if (st == CT_REPO_OK)
			ct_repo_collect_moves(res, moves);
	}
	if (st == CT_REPO_OK && c->nauths) {
		p[0] = ct_pgarray_str(&c->users);
		st = ct_repo_run(repo, CT_STMT_USER_ATTRS, p, &res);
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
			st = ct_repo_run(repo, CT_STMT_LINK_SESSIONS, p, &res);
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
		st = ct_repo_run(repo, CT_STMT_CANDIDATES, p, &res);
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
		st = ct_repo_run(repo, CT_STMT_METADATA, p, NULL);
	}
	if (st == CT_REPO_OK && c->msg_sess.count) {
		p[0] = ct_pgarray_str(&c->msg_sess);
		st = ct_repo_run(repo, CT_STMT_REOPEN, p, NULL);
	}
	if (st != CT_REPO_OK)
		return st;
	snprintf(grace, sizeof(grace), "%d", repo->grace_ms);
	p[0] = ct_pgarray_str(&c->sess);
	p[1] = ct_pgarray_str(moved_sessions);
	p[2] = grace;
	return ct_repo_run(repo, CT_STMT_DUE, p, NULL);
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
	st = ct_repo_run(repo, CT_STMT_STATS_IDS, p, &res);
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
		st = p[0] ? ct_repo_run(repo, CT_STMT_STATS, p, NULL) : CT_REPO_TRANSIENT;
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
	/* READ COMMITTED whatever the server's default: the registry's read
	 * must see a seal that committed while the batch waited for its lock */
	st = ct_repo_command(repo, "BEGIN ISOLATION LEVEL READ COMMITTED");
	/*
	 * The message-id registry's lock first, before any session lock: a
	 * batch that waits for it while a run is sealed holds nothing another
	 * batch could be waiting for (repo_registry.c)
	 */
	if (st == CT_REPO_OK && c->msgs.ng)
		st = ct_repo_registry_sync(repo);
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
