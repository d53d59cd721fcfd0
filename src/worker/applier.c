/*
 * Applier: the contract's rules for delivery and bad data on top of the
 * repository.  See include/convtrack/applier.h.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/applier.h"
#include "convtrack/ids.h"
#include "convtrack/log.h"

/* Positions of items sorted by a key (an event or message id). */
struct ct_applier_ref {
	struct ct_uuid_key key;
	const char *session;
	int type;
	size_t pos;
};

static int ct_applier_cmp_ref(const void *a, const void *b)
{
	const struct ct_applier_ref *x = a, *y = b;
	int c = x->type - y->type;

	if (c == 0)
		c = ct_ids_uuid_key_cmp(&x->key, &y->key);
	if (c == 0)
		c = (x->pos > y->pos) - (x->pos < y->pos);
	return c;
}

/*
 * Every item after the first of a key group is a duplicate, or with
 * by_session a dead letter when its session differs from the first one's.
 */
static void ct_applier_groups(struct ct_event_item *items,
			      struct ct_applier_ref *refs, size_t nref,
			      bool by_session)
{
	size_t i, first = 0;

	qsort(refs, nref, sizeof(*refs), ct_applier_cmp_ref);
	for (i = 1; i < nref; i++) {
		struct ct_event_item *it = &items[refs[i].pos];

		if (refs[i].type != refs[first].type ||
		    !ct_ids_uuid_key_eq(&refs[i].key, &refs[first].key)) {
			first = i;
			continue;
		}
		if (!by_session) {
			it->duplicate = true;
		} else if (strcmp(refs[i].session, refs[first].session) != 0) {
			it->dead_letter = true;
			snprintf(it->reason, sizeof(it->reason), "message_id_conflict");
		}
	}
}

int ct_applier_screen(struct ct_event_item *items, size_t n)
{
	struct ct_applier_ref *refs = malloc((n + 1) * sizeof(*refs));
	size_t i, nref = 0;

	if (!refs)
		return -1;
	for (i = 0; i < n; i++) {
		if (!items[i].valid || items[i].dead_letter)
			continue;
		refs[nref++] = (struct ct_applier_ref){
			ct_ids_uuid_key(items[i].ev.event_id),
			items[i].ev.session_id, (int)items[i].ev.type, i };
	}
	ct_applier_groups(items, refs, nref, false);

	nref = 0;
	for (i = 0; i < n; i++) {
		struct ct_event_item *it = &items[i];

		if (!it->valid || it->dead_letter || it->duplicate ||
		    it->ev.type != CT_EVENT_MESSAGE)
			continue;
		refs[nref++] = (struct ct_applier_ref){
			ct_ids_uuid_key(it->ev.u.message.message_id),
			it->ev.session_id, 0, i };
	}
	ct_applier_groups(items, refs, nref, true);
	free(refs);
	return 0;
}

/*
 * Applies the events evs[0..n) (pointing into items through idx), with
 * their columns batch when it was built ahead (else NULL).  A permanent
 * failure splits the range in halves until one event is left, which is
 * dead-lettered with the SQLSTATE.
 */
static enum ct_repo_status ct_applier_range(struct ct_repo *repo,
					    struct ct_event_item *items,
					    const struct ct_event **evs,
					    size_t *idx, size_t n,
					    struct ct_repo_batch *batch,
					    struct ct_applier_stats *stats)
{
	struct ct_repo_rejection *rej;
	enum ct_repo_status st;
	size_t nrej = 0, i, kept;
	int retries = 0;

	if (n == 0)
		return CT_REPO_OK;
	rej = malloc(n * sizeof(*rej));
	if (!rej)
		return CT_REPO_TRANSIENT;
	if (batch)
		st = ct_repo_apply_batch(repo, batch, rej, &nrej, &retries);
	else
		st = ct_repo_apply(repo, evs, n, rej, &nrej, &retries);
	stats->lock_retries += retries;
	if (st == CT_REPO_OK) {
		stats->applied += n;
		stats->transactions++;
	} else if (st == CT_REPO_REJECTED) {
		for (i = 0; i < nrej; i++) {
			struct ct_event_item *it = &items[idx[rej[i].index]];

			if (strcmp(rej[i].reason, CT_REPO_REASON_ERASED) == 0) {
				it->erased = true;
				stats->dropped_erased++;
			} else {
				it->dead_letter = true;
				snprintf(it->reason, sizeof(it->reason), "%s",
					 rej[i].reason);
			}
			evs[rej[i].index] = NULL;
		}
		for (i = 0, kept = 0; i < n; i++) {
			if (!evs[i])
				continue;
			evs[kept] = evs[i];
			idx[kept++] = idx[i];
		}
		st = ct_applier_range(repo, items, evs, idx, kept, NULL, stats);
	} else if (st == CT_REPO_PERMANENT && n == 1) {
		struct ct_event_item *it = &items[idx[0]];
		const char *msg = ct_repo_error(repo);

		it->dead_letter = true;
		snprintf(it->reason, sizeof(it->reason), "db_rejected:%.5s", msg);
		ct_log(CT_LOG_WARN, "event %s rejected by PostgreSQL: %s",
		       it->ev.event_id, msg);
		st = CT_REPO_OK;
	} else if (st == CT_REPO_PERMANENT) {
		size_t half = n / 2;

		st = ct_applier_range(repo, items, evs, idx, half, NULL, stats);
		if (st == CT_REPO_OK)
			st = ct_applier_range(repo, items, evs + half, idx + half,
					      n - half, NULL, stats);
	}
	free(rej);
	return st;
}

/* What ct_applier_plan() works out (applier.h). */
struct ct_applier_plan {
	const struct ct_event **evs; /* the events to apply */
	size_t *idx;		     /* their positions in items */
	size_t m;
	struct ct_repo_batch *batch; /* their columns, or NULL */
};

void ct_applier_plan_free(struct ct_applier_plan *plan)
{
	if (!plan)
		return;
	ct_repo_batch_free(plan->batch);
	free(plan->evs);
	free(plan->idx);
	free(plan);
}

/* The screen and the list of events to apply; batch left NULL. */
static struct ct_applier_plan *ct_applier_screen_plan(struct ct_event_item *items,
						      size_t n)
{
	struct ct_applier_plan *plan = calloc(1, sizeof(*plan));
	size_t i;

	if (!plan)
		return NULL;
	plan->evs = malloc((n + 1) * sizeof(*plan->evs));
	plan->idx = malloc((n + 1) * sizeof(*plan->idx));
	if (!plan->evs || !plan->idx || ct_applier_screen(items, n) < 0) {
		ct_applier_plan_free(plan);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (!items[i].valid || items[i].dead_letter || items[i].duplicate ||
		    items[i].ev.type == CT_EVENT_ERASURE_REQUESTED)
			continue;
		plan->evs[plan->m] = &items[i].ev;
		plan->idx[plan->m++] = i;
	}
	return plan;
}

int ct_applier_plan(struct ct_event_item *items, size_t n,
		    struct ct_applier_plan **out)
{
	struct ct_applier_plan *plan = ct_applier_screen_plan(items, n);

	*out = NULL;
	if (!plan)
		return -1;
	if (plan->m && ct_repo_batch_build(plan->evs, plan->m, &plan->batch) < 0) {
		ct_applier_plan_free(plan);
		return -1;
	}
	*out = plan;
	return 0;
}

/* ct_applier_apply with *plan when set (used, freed and cleared). */
static enum ct_repo_status ct_applier_apply_plan(struct ct_repo *repo,
						 struct ct_event_item *items,
						 size_t n,
						 struct ct_applier_plan **plan,
						 struct ct_applier_stats *stats)
{
	struct ct_applier_stats local = { 0 };
	struct ct_applier_plan *p = plan ? *plan : NULL;
	enum ct_repo_status st;
	size_t i;

	if (plan)
		*plan = NULL;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (!p && !(p = ct_applier_screen_plan(items, n)))
		return CT_REPO_TRANSIENT;
	for (i = 0; i < n; i++)
		if (items[i].duplicate)
			stats->duplicates++;
	st = ct_applier_range(repo, items, p->evs, p->idx, p->m, p->batch, stats);
	for (i = 0; i < n; i++)
		if (items[i].dead_letter)
			stats->dead_lettered++;
	ct_applier_plan_free(p);
	return st;
}

/* Applies items[0..n) on one connection (see ct_applier_apply_parallel). */
static enum ct_repo_status ct_applier_apply(struct ct_repo *repo,
					    struct ct_event_item *items, size_t n,
					    struct ct_applier_stats *stats)
{
	return ct_applier_apply_plan(repo, items, n, NULL, stats);
}

/* Below this many records a batch is applied on one connection. */
#define CT_APPLIER_PARALLEL_MIN 256

/* One part of a batch applied by its own thread and connection. */
struct ct_applier_part {
	struct ct_repo *repo;
	struct ct_event_item *items; /* shallow copies of the batch's items */
	size_t *index;                 /* their positions in the batch */
	size_t n;
	struct ct_applier_stats stats;
	enum ct_repo_status st;
};

static void *ct_applier_part_run(void *arg)
{
	struct ct_applier_part *p = arg;

	p->st = ct_applier_apply(p->repo, p->items, p->n, &p->stats);
	return NULL;
}

/* FNV-1a of a session id: which part a session's events go to. */
static size_t ct_applier_part_of(const char *session_id, size_t nparts)
{
	uint32_t h = 2166136261u;

	for (; *session_id; session_id++)
		h = (h ^ (unsigned char)*session_id) * 16777619u;
	return h % nparts;
}

/* The worse of two outcomes: fatal, then transient, then ok. */
static enum ct_repo_status ct_applier_worse(enum ct_repo_status a,
					    enum ct_repo_status b)
{
	if (a == CT_REPO_FATAL || b == CT_REPO_FATAL)
		return CT_REPO_FATAL;
	return a != CT_REPO_OK ? a : b;
}

enum ct_repo_status ct_applier_apply_parallel(struct ct_repo *const *repos,
					      size_t nrepos,
					      struct ct_event_item *items,
					      size_t n,
					      struct ct_applier_plan **plan,
					      struct ct_applier_stats *stats,
					      struct ct_repo **failed)
{
	struct ct_applier_part *parts;
	pthread_t *threads;
	enum ct_repo_status st = CT_REPO_OK;
	size_t i, k;

	if (failed)
		*failed = repos[0];
	if (nrepos <= 1 || n < CT_APPLIER_PARALLEL_MIN)
		return ct_applier_apply_plan(repos[0], items, n, plan, stats);
	/* the parts build their own columns */
	if (plan) {
		ct_applier_plan_free(*plan);
		*plan = NULL;
	}
	memset(stats, 0, sizeof(*stats));
	parts = calloc(nrepos, sizeof(*parts));
	threads = calloc(nrepos, sizeof(*threads));
	for (k = 0; parts && k < nrepos; k++) {
		parts[k].repo = repos[k];
		parts[k].items = malloc(n * sizeof(*parts[k].items));
		parts[k].index = malloc(n * sizeof(*parts[k].index));
		if (!parts[k].items || !parts[k].index)
			st = CT_REPO_TRANSIENT;
	}
	/* conflicts across sessions are decided over the whole batch */
	if (!parts || !threads || st != CT_REPO_OK || ct_applier_screen(items, n) < 0) {
		st = CT_REPO_TRANSIENT;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		struct ct_applier_part *p = &parts[items[i].valid ?
			ct_applier_part_of(items[i].ev.session_id, nrepos) : 0];

		p->items[p->n] = items[i];
		p->index[p->n++] = i;
	}
	for (k = 1; k < nrepos; k++) {
		if (pthread_create(&threads[k], NULL, ct_applier_part_run, &parts[k])) {
			threads[k] = 0;
			ct_applier_part_run(&parts[k]); /* no thread: run it here */
		}
	}
	ct_applier_part_run(&parts[0]);
	for (k = 1; k < nrepos; k++)
		if (threads[k])
			pthread_join(threads[k], NULL);
	for (k = 0; k < nrepos; k++) {
		for (i = 0; i < parts[k].n; i++) {
			struct ct_event_item *it = &items[parts[k].index[i]];

			it->dead_letter = parts[k].items[i].dead_letter;
			it->duplicate = parts[k].items[i].duplicate;
			it->erased = parts[k].items[i].erased;
			memcpy(it->reason, parts[k].items[i].reason, sizeof(it->reason));
		}
		stats->applied += parts[k].stats.applied;
		stats->duplicates += parts[k].stats.duplicates;
		stats->dead_lettered += parts[k].stats.dead_lettered;
		stats->transactions += parts[k].stats.transactions;
		stats->lock_retries += parts[k].stats.lock_retries;
		stats->dropped_erased += parts[k].stats.dropped_erased;
		if (parts[k].st != CT_REPO_OK && failed &&
		    ct_applier_worse(st, parts[k].st) != st)
			*failed = parts[k].repo;
		st = ct_applier_worse(st, parts[k].st);
	}
out_free:
	for (k = 0; parts && k < nrepos; k++) {
		free(parts[k].items);
		free(parts[k].index);
	}
	free(parts);
	free(threads);
	return st;
}
