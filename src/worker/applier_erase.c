/*
 * Applier, erasure requests: the profile-erasure-requested events of a
 * batch become ct_repo_erase() calls (see ct_applier_erase() in
 * include/convtrack/applier.h).  They run after the batch's other events
 * were applied, so that an event of the person delivered in the same batch
 * is erased with the rest rather than stored after the erasure.
 */
#include <stdio.h>
#include <string.h>

#include "convtrack/applier.h"
#include "convtrack/log.h"

/* One request; CT_REPO_OK also when it named nobody or was refused. */
static enum ct_repo_status ct_applier_erase_one(struct ct_repo *repo,
						struct ct_event_item *it,
						struct ct_applier_stats *stats)
{
	const struct ct_event *ev = &it->ev;
	struct ct_repo_erase_request req = {
		.username = ev->u.erasure.username,
		.profile_id = ev->u.erasure.profile_id[0] ? ev->u.erasure.profile_id
							  : NULL,
		.erasure_id = ev->event_id,
		.source = "topic",
		.requested_by = ev->u.erasure.requested_by,
		.reason = ev->u.erasure.reason,
		.has_requested_at = true,
		.requested_at_us = ev->occurred_at_us,
	};
	struct ct_repo_erase_result res;
	enum ct_repo_status st;

	st = ct_repo_erase(repo, &req, &res);
	if (st == CT_REPO_PERMANENT) {
		ct_log(CT_LOG_WARN, "erasure request %s refused: %s", ev->event_id,
		       ct_repo_error(repo));
		it->dead_letter = true;
		snprintf(it->reason, sizeof(it->reason), "erasure_refused");
		return CT_REPO_OK;
	}
	if (st != CT_REPO_OK)
		return st;
	if (!res.found) {
		/* also a redelivery of a request already carried out */
		ct_log(CT_LOG_INFO, "erasure request %s: no such profile, "
		       "nothing to erase", ev->event_id);
	} else {
		ct_log(CT_LOG_INFO, "erasure request %s: erased profile %s",
		       ev->event_id, res.profile_id);
		stats->erasures++;
	}
	ct_repo_erase_result_clear(&res);
	return CT_REPO_OK;
}

enum ct_repo_status ct_applier_erase(struct ct_repo *repo,
				     struct ct_event_item *items, size_t n,
				     struct ct_applier_stats *stats)
{
	struct ct_applier_stats local = { 0 };
	enum ct_repo_status st = CT_REPO_OK;
	size_t i;

	if (!stats)
		stats = &local;
	for (i = 0; i < n && st == CT_REPO_OK; i++) {
		struct ct_event_item *it = &items[i];

		if (!it->valid || it->dead_letter || it->duplicate ||
		    it->ev.type != CT_EVENT_ERASURE_REQUESTED)
			continue;
		st = ct_applier_erase_one(repo, it, stats);
	}
	return st;
}
