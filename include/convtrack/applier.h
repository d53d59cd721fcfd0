/*
 * Applier: turns a batch of consumed events into repository transactions
 * under the contract's rules for bad data.
 *
 * The consumer hands over every record of a batch, valid or not.  The
 * applier drops exact redeliveries within the batch, dead-letters what the
 * contract says must be dead-lettered (a message_id used by two sessions),
 * applies the rest in one transaction, and when PostgreSQL refuses a batch
 * for a reason caused by its data it splits the batch until the one event
 * responsible is found and dead-lettered alone; the rest is applied.
 */
#ifndef CONVTRACK_APPLIER_H
#define CONVTRACK_APPLIER_H

#include <stdbool.h>
#include <stddef.h>

#include "convtrack/event.h"
#include "convtrack/repo.h"

struct ct_applier_stats {
	size_t applied;        /* valid events handed to PostgreSQL and committed */
	size_t duplicates;     /* redeliveries within the batch */
	size_t dead_lettered;  /* records marked dead_letter (parser's included) */
	int transactions;      /* committed transactions */
	int lock_retries;      /* restarts because the lock set grew */
	size_t dropped_erased; /* events of erased sessions or persons */
	size_t erasures;       /* erasure requests that erased someone */
};

/*
 * The part of applying that needs no database, done ahead: the
 * screen (ct_applier_screen() marks the items) and the columns of the
 * events to apply (ct_repo_batch_build()).  The pipeline makes the plan of
 * a batch on its main thread while the database thread applies the
 * previous one.  The items are borrowed until the plan is freed; -1 when
 * out of memory.
 */
struct ct_applier_plan;

int ct_applier_plan(struct ct_event_item *items, size_t n,
		    struct ct_applier_plan **out)
	__attribute__((warn_unused_result));

void ct_applier_plan_free(struct ct_applier_plan *plan);

/*
 * Applies items[0..n) over nrepos connections at once.  On CT_REPO_OK
 * everything valid is committed and the records to dead-letter are marked;
 * on CT_REPO_TRANSIENT or CT_REPO_FATAL some or none of the batch may be
 * committed (applying again is safe: it is idempotent).  The batch is split
 * by session (every event of a session goes to the same part) and the parts
 * are applied concurrently, each in its own transactions, under the same
 * locks that make several workers safe.  With one connection, or a small
 * batch, it is applied on repos[0] alone.  On failure *failed (may be
 * NULL) names the connection whose ct_repo_error() says why.  plan (may be
 * NULL) points to ct_applier_plan()'s plan of these items, or NULL: a
 * first attempt on one connection uses it instead of working it out again;
 * either way it is freed and *plan cleared, so that an attempt after a
 * failure works everything out afresh.
 */
enum ct_repo_status ct_applier_apply_parallel(struct ct_repo *const *repos,
					      size_t nrepos,
					      struct ct_event_item *items,
					      size_t n,
					      struct ct_applier_plan **plan,
					      struct ct_applier_stats *stats,
					      struct ct_repo **failed)
	__attribute__((warn_unused_result));

/*
 * Carries out the batch's valid erasure requests (CT_EVENT_ERASURE_REQUESTED,
 * which ct_applier_apply_parallel leaves alone), each in its own transaction, after
 * the batch's events were applied.  A request naming nobody is logged and
 * done; one refused by the database (an anonymous profile merged into an
 * account) is marked dead_letter "erasure_refused".  Returns CT_REPO_OK, or
 * the first transient or fatal failure (erasures done before it stay done;
 * a repeated request finds nobody).  stats may be NULL.
 */
enum ct_repo_status ct_applier_erase(struct ct_repo *repo,
				     struct ct_event_item *items, size_t n,
				     struct ct_applier_stats *stats)
	__attribute__((warn_unused_result));

/*
 * Marks in-batch redeliveries (same event type and event_id as an earlier
 * valid item) as duplicate, and later messages that reuse an earlier
 * message's message_id under another session as dead_letter
 * "message_id_conflict".  Pure; called when applying, exposed for
 * tests.  Returns -1 when out of memory.
 */
int ct_applier_screen(struct ct_event_item *items, size_t n)
	__attribute__((warn_unused_result));

#endif
