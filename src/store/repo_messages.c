/*
 * Repository, messages of a batch: folded per message_id in C, new ones
 * COPY'd.
 *
 * Almost every message a worker sees is new.  Writing new messages with an
 * INSERT ... ON CONFLICT over text arrays made PostgreSQL parse every
 * uuid, timestamp and text of the batch twice (array literal, then cast)
 * and look every id up twice (the insert, then the cross-session clash
 * check).  Instead, under the batch's session locks:
 *
 *   1. the events of each message_id are folded here, as contract rule 6
 *      says: occurred_at the earliest, role/content/banking the latest
 *      event's, seq the latest event's that carries one;
 *   2. each sealed run of the message-id registry (repo_registry.c,
 *      brought up to date when the batch's transaction began) whose Bloom
 *      filter says it may hold some of the batch's ids is probed for
 *      them: an id found there is stored;
 *   3. the ids not found go by binary COPY into the registry's open run,
 *      whose unique index holds every id written since the run opened,
 *      then the messages into conversation_messages, in a savepoint: when
 *      all are new (nearly always), that is all;
 *   4. when the COPY meets an id already in the open run (a redelivery, a
 *      corrected transcript, a clash), the savepoint is rolled back and
 *      one probe reads which ids the open run holds, and under which
 *      session.  An id stored under another session is a clash (contract
 *      section 2: dead-lettered) and nothing is written; else the new ids
 *      are COPY'd and the stored ones go through the last-writer-wins
 *      update.  The next CT_REPO_PROBE_BATCHES batches probe first (a
 *      stream of corrections would otherwise pay for a failed COPY every
 *      time), and each batch whose probe finds nothing brings the
 *      optimistic COPY closer again.
 *
 * The probes are safe because a message id of one session is only written
 * under that session's advisory lock, which the batch holds, and no run
 * is sealed while the batch holds the registry's lock.  Another session's
 * worker may insert the same id meanwhile (a clash); the COPY then fails
 * with a unique violation and the batch is retried, when the probe sees
 * it.
 *
 * The probe, the update and the redactions are prepared statements
 * (CT_STMT_MSG_*), registered with their SQL by the connection
 * (repo_conn.c); only the COPYs are here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "convtrack/event.h"
#include "pgarray.h"
#include "repo_int.h"

/* Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
#define CT_PG_EPOCH_US INT64_C(946684800000000)

/* The COPY buffer is sent in pieces of this size. */
#define CT_COPY_CHUNK (64 * 1024)

static const char SQL_COPY[] =
	"COPY conversation_messages (message_id, session_id, role, content,"
	" is_banking_query, seq, occurred_at, version_at, version_event_id,"
	" seq_at, seq_event_id) FROM STDIN (FORMAT binary)";

#define CT_COPY_FIELDS 11

static const char SQL_COPY_IDS[] =
	"COPY message_ids (run, message_id, session_id) FROM STDIN (FORMAT binary)";

/*
 * Message events sorted by message id, then newest first: (occurred_at,
 * event_id) descending, the order rule 6 picks the last writer by.
 * Canonical UUIDs are lower case, so strcmp and their keys order them as
 * PostgreSQL does.
 */
static int ct_msgs_cmp(const void *a, const void *b)
{
	const struct ct_repo_msg_ev *p = a, *q = b;
	int c = ct_ids_uuid_key_cmp(&p->key, &q->key);

	if (c)
		return c;
	if (p->ev->occurred_at_us != q->ev->occurred_at_us)
		return p->ev->occurred_at_us > q->ev->occurred_at_us ? -1 : 1;
	return -strcmp(p->ev->event_id, q->ev->event_id);
}

int ct_repo_msgs_build(struct ct_repo_msgs *m, const struct ct_event *const *events,
		       const size_t *msg_index, size_t n)
{
	size_t i = 0;

	memset(m, 0, sizeof(*m));
	if (n == 0)
		return 0;
	m->ev = malloc(n * sizeof(*m->ev));
	m->g = calloc(n, sizeof(*m->g));
	if (!m->ev || !m->g)
		return -1;
	for (i = 0; i < n; i++) {
		m->ev[i].ev = events[msg_index[i]];
		m->ev[i].index = msg_index[i];
		m->ev[i].key = ct_ids_uuid_key(m->ev[i].ev->u.message.message_id);
	}
	m->nev = n;
	qsort(m->ev, n, sizeof(*m->ev), ct_msgs_cmp);
	i = 0;
	while (i < n) {
		struct ct_repo_msg *g = &m->g[m->ng++];
		size_t k;

		g->first = i;
		g->ver = m->ev[i].ev;
		g->first_at = g->ver->occurred_at_us;
		for (k = i; k < n && ct_ids_uuid_key_eq(&m->ev[k].key,
							&m->ev[i].key); k++) {
			const struct ct_event *ev = m->ev[k].ev;

			if (!g->seq && ev->u.message.has_seq)
				g->seq = ev;
			if (ev->occurred_at_us < g->first_at)
				g->first_at = ev->occurred_at_us;
		}
		g->count = k - i;
		for (k = i; k < i + g->count; k++)
			m->nredacted += m->ev[k].ev->u.message.redactions != NULL;
		ct_ids_uuid_bytes(g->ver->u.message.message_id, g->id);
		i = k;
	}
	return 0;
}

void ct_repo_msgs_free(struct ct_repo_msgs *m)
{
	free(m->ev);
	free(m->g);
	memset(m, 0, sizeof(*m));
}

/* The group of a message id, or NULL. */
static struct ct_repo_msg *ct_msgs_find(struct ct_repo_msgs *m, const char *id)
{
	size_t lo = 0, hi = m->ng;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->g[mid].ver->u.message.message_id, id);

		if (c == 0)
			return &m->g[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Marks the ids of res (message_id, session_id rows) stored; a stored id
 * under another session rejects every event of it that names another
 * session.  Clears res.
 */
static void ct_msgs_mark(struct ct_repo_msgs *m, PGresult *res,
			 struct ct_repo_rejection *rejected, size_t *nrejected)
{
	size_t i;
	int r;

	for (r = 0; r < PQntuples(res); r++) {
		struct ct_repo_msg *g = ct_msgs_find(m, PQgetvalue(res, r, 0));
		const char *stored = PQgetvalue(res, r, 1);

		if (!g || g->exists)
			continue;
		g->exists = true;
		m->nexisting++;
		for (i = g->first; i < g->first + g->count; i++) {
			if (strcmp(m->ev[i].ev->session_id, stored) == 0)
				continue;
			rejected[*nrejected].index = m->ev[i].index;
			rejected[*nrejected].reason = "message_id_conflict";
			(*nrejected)++;
		}
	}
	PQclear(res);
}

/* Probes run for the ids in ids (a uuid array literal) and marks them. */
static enum ct_repo_status ct_msgs_probe_run(struct ct_repo *repo, struct ct_repo_msgs *m,
					     int run, struct ct_pgarray *ids,
					     struct ct_repo_rejection *rejected,
					     size_t *nrejected)
{
	char runs[16];
	const char *p[2] = { runs, ct_pgarray_str(ids) };
	enum ct_repo_status st;
	PGresult *res;

	if (!p[1]) {
		snprintf(repo->err, sizeof(repo->err), "out of memory building a batch");
		return CT_REPO_TRANSIENT;
	}
	snprintf(runs, sizeof(runs), "%d", run);
	st = ct_repo_run(repo, CT_STMT_MSG_PROBE, p, &res);
	if (st != CT_REPO_OK)
		return st;
	ct_msgs_mark(m, res, rejected, nrejected);
	return CT_REPO_OK;
}

/*
 * Step 2: for each sealed run, probes the ids that its filter says may be
 * there (the batch brought the registry up to date when it began:
 * ct_repo_registry_sync).  Every id starts as new.
 */
static enum ct_repo_status ct_msgs_probe_sealed(struct ct_repo *repo, struct ct_repo_msgs *m,
						struct ct_repo_rejection *rejected,
						size_t *nrejected)
{
	enum ct_repo_status st = CT_REPO_OK;
	size_t i, k;

	for (i = 0; i < m->ng; i++)
		m->g[i].exists = false;
	m->nexisting = 0;
	for (k = 0; st == CT_REPO_OK && k < repo->reg.nruns; k++) {
		const struct ct_repo_run *run = &repo->reg.runs[k];
		struct ct_pgarray ids;
		size_t n = 0;

		ct_pgarray_init(&ids);
		for (i = 0; i < m->ng; i++) {
			if (m->g[i].exists || !ct_repo_registry_maybe(run, m->g[i].id))
				continue;
			ct_pgarray_add(&ids, m->g[i].ver->u.message.message_id);
			n++;
		}
		if (n)
			st = ct_msgs_probe_run(repo, m, run->run, &ids, rejected, nrejected);
		ct_pgarray_free(&ids);
	}
	if (st == CT_REPO_OK && *nrejected)
		st = CT_REPO_REJECTED;
	return st;
}

/* Step 4: the ids not found in a sealed run, probed in the open run. */
static enum ct_repo_status ct_msgs_probe_open(struct ct_repo *repo, struct ct_repo_msgs *m,
					      struct ct_repo_rejection *rejected,
					      size_t *nrejected)
{
	struct ct_pgarray ids;
	enum ct_repo_status st = CT_REPO_OK;
	size_t i, n = 0;

	ct_pgarray_init(&ids);
	for (i = 0; i < m->ng; i++) {
		if (m->g[i].exists)
			continue;
		ct_pgarray_add(&ids, m->g[i].ver->u.message.message_id);
		n++;
	}
	if (n)
		st = ct_msgs_probe_run(repo, m, repo->reg.open_run, &ids, rejected,
				       nrejected);
	ct_pgarray_free(&ids);
	if (st == CT_REPO_OK && *nrejected)
		st = CT_REPO_REJECTED;
	return st;
}

/* A growable byte buffer for the binary COPY stream. */
struct ct_copybuf {
	unsigned char *b;
	size_t len, cap;
	bool failed;
};

static unsigned char *ct_copy_room(struct ct_copybuf *c, size_t need)
{
	if (c->failed)
		return NULL;
	if (c->len + need > c->cap) {
		size_t ncap = c->cap ? c->cap : 65536;
		unsigned char *nb;

		while (ncap < c->len + need)
			ncap *= 2;
		nb = realloc(c->b, ncap);
		if (!nb) {
			c->failed = true;
			return NULL;
		}
		c->b = nb;
		c->cap = ncap;
	}
	return c->b + c->len;
}

static void ct_copy_be(struct ct_copybuf *c, uint64_t v, int bytes)
{
	unsigned char *p = ct_copy_room(c, (size_t)bytes);
	int i;

	if (!p)
		return;
	for (i = bytes - 1; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	c->len += (size_t)bytes;
}

static void ct_copy_bytes(struct ct_copybuf *c, const void *s, size_t len)
{
	unsigned char *p;

	ct_copy_be(c, len, 4);
	p = ct_copy_room(c, len);
	if (!p)
		return;
	memcpy(p, s, len);
	c->len += len;
}

static void ct_copy_null(struct ct_copybuf *c)
{
	ct_copy_be(c, UINT32_MAX, 4);
}

/* A canonical UUID string as its 16 bytes. */
static void ct_copy_uuid(struct ct_copybuf *c, const char *s)
{
	unsigned char u[16];

	ct_ids_uuid_bytes(s, u);
	ct_copy_bytes(c, u, sizeof(u));
}

static void ct_copy_time(struct ct_copybuf *c, int64_t us)
{
	ct_copy_be(c, 8, 4);
	ct_copy_be(c, (uint64_t)(us - CT_PG_EPOCH_US), 8);
}

static void ct_copy_row(struct ct_copybuf *c, const struct ct_repo_msg *g)
{
	const struct ct_event *v = g->ver;
	const char *role = ct_event_role_name(v->u.message.role);

	ct_copy_be(c, CT_COPY_FIELDS, 2);
	ct_copy_uuid(c, v->u.message.message_id);
	ct_copy_uuid(c, v->session_id);
	ct_copy_bytes(c, role, strlen(role));
	ct_copy_bytes(c, v->u.message.content, v->u.message.content_len);
	if (v->u.message.has_banking) {
		unsigned char b = v->u.message.is_banking;

		ct_copy_bytes(c, &b, 1);
	} else {
		ct_copy_null(c);
	}
	if (g->seq) {
		ct_copy_be(c, 8, 4);
		ct_copy_be(c, (uint64_t)g->seq->u.message.seq, 8);
	} else {
		ct_copy_null(c);
	}
	ct_copy_time(c, g->first_at);
	ct_copy_time(c, v->occurred_at_us);
	ct_copy_uuid(c, v->event_id);
	if (g->seq) {
		ct_copy_time(c, g->seq->occurred_at_us);
		ct_copy_uuid(c, g->seq->event_id);
	} else {
		ct_copy_null(c);
		ct_copy_null(c);
	}
}

/* Sends what c holds as COPY data and empties it; false when libpq fails. */
static bool ct_copy_flush(struct ct_repo *repo, struct ct_copybuf *c)
{
	bool ok = c->len == 0 ||
		  PQputCopyData(repo->conn, (const char *)c->b, (int)c->len) == 1;

	c->len = 0;
	return ok;
}

/*
 * Ends the COPY in progress (aborting it when why is set); its status.  A
 * unique violation means a concurrent clash: the batch is retried.
 */
static enum ct_repo_status ct_msgs_copy_end(struct ct_repo *repo,
					    const char *why)
{
	enum ct_repo_status st = CT_REPO_OK;
	const char *state;
	PGresult *res;

	if (PQputCopyEnd(repo->conn, why) != 1)
		return ct_repo_classify(repo, NULL);
	while ((res = PQgetResult(repo->conn)) != NULL) {
		if (st == CT_REPO_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
			st = ct_repo_classify(repo, res);
			state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			/* repo->err starts with the state: see ct_msgs_copy_all */
			if (state && strcmp(state, "23505") == 0)
				st = CT_REPO_TRANSIENT;
		}
		PQclear(res);
	}
	if (why) {
		/* the worker's own failure: the batch is retried */
		snprintf(repo->err, sizeof(repo->err), "%s", why);
		st = CT_REPO_TRANSIENT;
	}
	return st;
}

/* A new message's row of the registry's open run. */
static void ct_copy_id_row(struct ct_copybuf *c, const struct ct_repo_msg *g, int run)
{
	ct_copy_be(c, 3, 2);
	ct_copy_be(c, 4, 4);
	ct_copy_be(c, (uint32_t)run, 4);
	ct_copy_bytes(c, g->id, sizeof(g->id));
	ct_copy_uuid(c, g->ver->session_id);
}

static void ct_copy_message_row(struct ct_copybuf *c, const struct ct_repo_msg *g, int run)
{
	(void)run;
	ct_copy_row(c, g);
}

/*
 * One binary COPY (sql) of the new messages, each written by row.  Rows
 * are sent in chunks of CT_COPY_CHUNK bytes as they are built, so
 * PostgreSQL inserts the first ones while the worker builds the rest.
 */
static enum ct_repo_status ct_msgs_copy_rows(struct ct_repo *repo, const struct ct_repo_msgs *m,
					     const char *sql,
					     void (*row)(struct ct_copybuf *,
							 const struct ct_repo_msg *, int))
{
	static const unsigned char header[19] = "PGCOPY\n\377\r\n";
	struct ct_copybuf c = { 0 };
	const char *why = NULL;
	enum ct_repo_status st;
	unsigned char *p;
	PGresult *res;
	size_t i;

	res = PQexec(repo->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		st = ct_repo_classify(repo, res);
		PQclear(res);
		return st;
	}
	PQclear(res);
	p = ct_copy_room(&c, sizeof(header));
	if (p) {
		memcpy(p, header, sizeof(header)); /* signature, flags, extension */
		c.len = sizeof(header);
	}
	for (i = 0; i < m->ng && !why; i++) {
		if (m->g[i].exists)
			continue;
		row(&c, &m->g[i], repo->reg.open_run);
		if (c.len >= CT_COPY_CHUNK && !ct_copy_flush(repo, &c))
			why = "sending COPY data failed";
	}
	ct_copy_be(&c, UINT16_MAX, 2);
	if (c.failed)
		why = "out of memory building a COPY";
	else if (!why && !ct_copy_flush(repo, &c))
		why = "sending COPY data failed";
	free(c.b);
	return ct_msgs_copy_end(repo, why);
}

/*
 * Step 3: the new ids into the registry's open run (its unique index
 * stops a second copy there), then the new messages.
 */
static enum ct_repo_status ct_msgs_copy(struct ct_repo *repo, const struct ct_repo_msgs *m)
{
	enum ct_repo_status st;

	if (m->nexisting == m->ng)
		return CT_REPO_OK;
	st = ct_msgs_copy_rows(repo, m, SQL_COPY_IDS, ct_copy_id_row);
	if (st == CT_REPO_OK)
		st = ct_msgs_copy_rows(repo, m, SQL_COPY, ct_copy_message_row);
	return st;
}

/* Step 4: every event of the ids already stored, through rule 6's upsert. */
static enum ct_repo_status ct_msgs_upsert(struct ct_repo *repo, const struct ct_repo_msgs *m)
{
	struct ct_pgarray a[8];
	const char *p[8];
	enum ct_repo_status st = CT_REPO_OK;
	size_t i, k;
	int j;

	if (m->nexisting == 0)
		return CT_REPO_OK;
	for (j = 0; j < 8; j++)
		ct_pgarray_init(&a[j]);
	for (i = 0; i < m->ng; i++) {
		if (!m->g[i].exists)
			continue;
		for (k = m->g[i].first; k < m->g[i].first + m->g[i].count; k++) {
			const struct ct_event *ev = m->ev[k].ev;

			ct_pgarray_add(&a[0], ev->event_id);
			ct_pgarray_add(&a[1], ev->u.message.message_id);
			ct_pgarray_add(&a[2], ev->session_id);
			ct_pgarray_add_time(&a[3], ev->occurred_at_us);
			ct_pgarray_add(&a[4], ct_event_role_name(ev->u.message.role));
			ct_pgarray_add_len(&a[5], ev->u.message.content,
					   ev->u.message.content_len);
			if (ev->u.message.has_seq)
				ct_pgarray_add_int(&a[6], ev->u.message.seq);
			else
				ct_pgarray_add(&a[6], NULL);
			ct_pgarray_add(&a[7], !ev->u.message.has_banking ? NULL :
				       ev->u.message.is_banking ? "t" : "f");
		}
	}
	for (j = 0; j < 8; j++) {
		p[j] = ct_pgarray_str(&a[j]);
		if (!p[j])
			st = CT_REPO_TRANSIENT;
	}
	if (st == CT_REPO_OK)
		st = ct_repo_run(repo, CT_STMT_MSG_UPSERT, p, NULL);
	else
		snprintf(repo->err, sizeof(repo->err), "out of memory building a batch");
	for (j = 0; j < 8; j++)
		ct_pgarray_free(&a[j]);
	return st;
}

/* Spans of what redaction removed, for the messages just written. */
static enum ct_repo_status ct_msgs_redactions(struct ct_repo *repo,
					      const struct ct_repo_msgs *m)
{
	struct ct_pgarray a[4];
	enum ct_repo_status st = CT_REPO_OK;
	const char *p[4];
	size_t i, k, n = 0;
	int j;

	for (j = 0; j < 4; j++)
		ct_pgarray_init(&a[j]);
	for (i = 0; i < m->ng; i++) {
		const struct ct_repo_msg *g = &m->g[i];

		for (k = g->first; k < g->first + g->count; k++) {
			const struct ct_event *ev = m->ev[k].ev;

			if (!g->exists && (ev != g->ver || !ev->u.message.redactions))
				continue;
			ct_pgarray_add(&a[0], ev->u.message.message_id);
			ct_pgarray_add(&a[1], ev->event_id);
			ct_pgarray_add(&a[2], ev->u.message.redactions);
			ct_pgarray_add(&a[3], ev->session_id);
			n++;
		}
	}
	for (j = 0; j < 4; j++) {
		p[j] = ct_pgarray_str(&a[j]);
		if (!p[j])
			st = CT_REPO_TRANSIENT;
	}
	if (st == CT_REPO_OK && n)
		st = ct_repo_run(repo, CT_STMT_MSG_REDACTIONS, p, NULL);
	else if (st != CT_REPO_OK)
		snprintf(repo->err, sizeof(repo->err), "out of memory building a batch");
	for (j = 0; j < 4; j++)
		ct_pgarray_free(&a[j]);
	return st;
}

/*
 * Step 3 without step 4: COPY every message not found in a sealed run, in
 * a savepoint.  A unique violation (an id already in the open run) rolls
 * the savepoint back and sets *again; the caller then probes.
 */
static enum ct_repo_status ct_msgs_copy_all(struct ct_repo *repo, struct ct_repo_msgs *m,
					    bool *again)
{
	enum ct_repo_status st;

	*again = false;
	st = ct_repo_command(repo, "SAVEPOINT ct_copy");
	if (st != CT_REPO_OK)
		return st;
	st = ct_msgs_copy(repo, m);
	if (st == CT_REPO_OK)
		return ct_repo_command(repo, "RELEASE SAVEPOINT ct_copy");
	if (strncmp(ct_repo_error(repo), "23505", 5) != 0)
		return st;
	*again = true;
	return ct_repo_command(repo, "ROLLBACK TO SAVEPOINT ct_copy");
}

enum ct_repo_status ct_repo_msgs_write(struct ct_repo *repo, struct ct_repo_msgs *m,
				       struct ct_repo_rejection *rejected,
				       size_t *nrejected)
{
	enum ct_repo_status st;
	bool again = true;
	size_t sealed;

	*nrejected = 0;
	if (m->ng == 0)
		return CT_REPO_OK;
	st = ct_msgs_probe_sealed(repo, m, rejected, nrejected);
	if (st != CT_REPO_OK)
		return st;
	sealed = m->nexisting;
	if (repo->probe_batches == 0) {
		st = ct_msgs_copy_all(repo, m, &again);
		if (st != CT_REPO_OK)
			return st;
		if (!again) {
			st = ct_msgs_upsert(repo, m);
			if (st == CT_REPO_OK && (m->nredacted || m->nexisting))
				st = ct_msgs_redactions(repo, m);
			return st;
		}
		repo->probe_batches = CT_REPO_PROBE_BATCHES;
	}
	st = ct_msgs_probe_open(repo, m, rejected, nrejected);
	if (st == CT_REPO_OK && m->nexisting == sealed && repo->probe_batches > 0)
		repo->probe_batches--;
	if (st == CT_REPO_OK)
		st = ct_msgs_copy(repo, m);
	if (st == CT_REPO_OK)
		st = ct_msgs_upsert(repo, m);
	if (st == CT_REPO_OK && (m->nredacted || m->nexisting))
		st = ct_msgs_redactions(repo, m);
	return st;
}

static int ct_msgs_cmp_key(const void *key, const void *elem)
{
	return ct_ids_uuid_key_cmp(key, elem);
}

void ct_repo_msgs_count_new(const struct ct_repo_msgs *m,
			    const struct ct_uuid_key *sessions, size_t nsessions,
			    int64_t *counts)
{
	size_t i;

	memset(counts, 0, nsessions * sizeof(*counts));
	for (i = 0; i < m->ng; i++) {
		struct ct_uuid_key key;
		const struct ct_uuid_key *at;

		if (m->g[i].exists)
			continue;
		key = ct_ids_uuid_key(m->g[i].ver->session_id);
		at = bsearch(&key, sessions, nsessions, sizeof(*sessions),
			     ct_msgs_cmp_key);
		if (at)
			counts[at - sessions]++;
	}
}
