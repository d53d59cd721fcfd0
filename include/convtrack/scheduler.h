/*
 * Scheduler: when a session is summarized (rules 7 and 8), and the summary
 * chain that follows: summarizer, then summary and outbox row in one
 * transaction (the publisher sends the row).
 *
 * Every sessions.sweep_interval_s it ends stale sessions (no call_ended,
 * newest event older than sessions.stale_after_s) and, from one interval
 * after start, keeps up the message-id registry (seals its open run at
 * registry.seal_mib, builds run filters: ct_repo_registry_maintain); on
 * every tick it
 * summarizes the sessions whose summary is due (summary.grace_ms after
 * their last event once ended, or at once after a profile change or a stale
 * end), writing a new version and its outbox row only when the summary's
 * value changed.  Safe with several workers: sessions are locked like the
 * applier locks them, and a session already done by another worker is
 * skipped.
 */
#ifndef CONVTRACK_SCHEDULER_H
#define CONVTRACK_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>

#include "convtrack/config.h"
#include "convtrack/repo.h"

struct ct_scheduler;

struct ct_scheduler_stats {
	int stale_ended;   /* sessions ended by the stale sweep */
	int summarized;    /* sessions whose summary was (re)computed */
	int versions;      /* new summary versions written */
};

/* Creates a scheduler (loads the text rules).  Returns 0 or -1 with err. */
int ct_scheduler_new(const struct ct_config *cfg, struct ct_scheduler **out,
		     char *err, size_t errlen) __attribute__((warn_unused_result));

/* One round of work; stats (may be NULL) are added to. */
enum ct_repo_status ct_scheduler_tick(struct ct_scheduler *sw, struct ct_repo *repo,
				    struct ct_scheduler_stats *stats)
	__attribute__((warn_unused_result));

/*
 * Recomputes the summary of one ended session with the current rules,
 * whether it is due or not (`convtrack resummarize`), under the same locks
 * as a tick: a new version and its event only when the summary's value
 * changed (rule 7).  With dry_run nothing is written.  *changed says
 * whether the value changed (or would).  A session whose text retention
 * purged is left as it is.
 */
enum ct_repo_status ct_scheduler_resummarize(struct ct_scheduler *sw,
					     struct ct_repo *repo,
					     const char *session_id,
					     bool dry_run, bool *changed)
	__attribute__((warn_unused_result));

/*
 * Turns on LLM summaries (summary.llm.*, docs/llm-summaries.md): starts
 * the LLM threads; from then on a due summary takes the model's six
 * fields when it answered well for that input, the rules' otherwise, and
 * waits (deferred, never blocking a tick) while it is being asked.
 * `convtrack resummarize` does not call it: it recomputes with the rules.
 * Returns 0, or -1 with a message in err.
 */
int ct_scheduler_enable_llm(struct ct_scheduler *sw, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Frees sw.  Does nothing when sw is NULL. */
void ct_scheduler_free(struct ct_scheduler *sw);

#endif
