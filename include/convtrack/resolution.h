/*
 * Resolution status of a conversation (pure: no I/O).
 *
 * Decides from the turns and the call's end reason whether the caller's
 * request was resolved, escalated to a person or another channel, or left
 * incomplete.  Rules decide where the transcript says so: cue tables
 * (data/runtime/resolution_rules.txt: requests for a human, the assistant
 * handing over, thanks and success, complaints that it did not work, the
 * assistant's completed actions and outages) matched on the shared
 * tokenizer's tokens.  Where no rule applies, a linear model trained on
 * human ratings of task accomplishment (tools/train_sentiment.py, STC-3
 * helpdesk dialogues) decides between resolved and incomplete.
 * docs/text-rules-sentiment.md gives the rules and their measurement.
 */
#ifndef CONVTRACK_RESOLUTION_H
#define CONVTRACK_RESOLUTION_H

#include <stddef.h>

#include "convtrack/text.h"

enum ct_resolution {
	CT_RESOLUTION_RESOLVED = 0,
	CT_RESOLUTION_ESCALATED,
	CT_RESOLUTION_INCOMPLETE
};

/*
 * The resolution of a conversation of n turns (in order) that ended for
 * end_reason: NULL (unknown or not ended) or "hangup", "timeout", "error",
 * "transfer", "stale".  The first rule that applies decides (its name in
 * parentheses, as ct_resolution_explain() gives it):
 *
 *  1. "stale" is incomplete (stale; EVENTS.md rule 8);
 *  2. "transfer" is escalated (transfer);
 *  3. the assistant hands the caller over (to an agent, a colleague, another
 *     department or channel; an offer to do so does not count), unless the
 *     caller then says it worked: escalated (handover);
 *  4. the caller asks for a human ("let me speak to a manager", "a real
 *     person", a bare "agent"; not "I want someone to explain this fee")
 *     and does not thank or confirm in a later turn: escalated (human);
 *  5. the caller said nothing: incomplete (silent);
 *  6. the call ends on the caller's question: incomplete (question);
 *  7. the assistant's last turn says it cannot do it now ("our system is
 *     down, please try later"), and the caller did not then say it worked:
 *     incomplete (unable); a bare "ok" or "thanks" does not make it
 *     resolved;
 *  8. the assistant's last turn reports an action completed ("I have
 *     unblocked your card", "your transfer has been processed"), the call
 *     did not end in an error or timeout, the caller did not then
 *     complain or ask, and, when that turn ends the call, it does not ask
 *     something (a '?' or a question word first: "I've sent it. Which
 *     country are you going to?") unless it also closes ("Anything
 *     else?"): resolved (done);
 *  9. the call ends on the assistant's question or offer ("Which
 *     account?", "If you like, I can connect you"), not a closing one
 *     ("Anything else?"): incomplete (asked);
 * 10. a call that ended in an error or timeout is resolved only when the
 *     caller's last turn (not the first) thanked or confirmed (confirmed),
 *     else incomplete (broken);
 * 11. otherwise the model decides between resolved and incomplete
 *     (model); it reads, among the rest, whether the caller said it worked
 *     or did not, thanked, confirmed or complained.
 *
 * Unknown end reasons count as NULL.  Out of memory (or if the embedded
 * tables are broken, which the unit tests rule out): incomplete (error).
 */
enum ct_resolution ct_resolution_classify(const struct ct_turn *turns,
					  size_t n, const char *end_reason);

/*
 * ct_resolution_classify(), and in *rule (when rule is not NULL) the name
 * of the rule that decided: "stale", "transfer", "handover", "human",
 * "silent", "question", "unable", "done", "asked", "confirmed",
 * "broken", "model" or "error" (a static string).
 */
enum ct_resolution ct_resolution_explain(const struct ct_turn *turns,
					 size_t n, const char *end_reason,
					 const char **rule);

/* "resolved", "escalated" or "incomplete"; "incomplete" for an unknown value. */
const char *ct_resolution_name(enum ct_resolution resolution);

#endif
