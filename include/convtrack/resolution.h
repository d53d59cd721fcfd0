/*
 * Resolution status of a conversation (pure: no I/O).
 *
 * Decides from the turns and the call's end reason whether the caller's
 * request was resolved, escalated to a person or another channel, or left
 * incomplete.  The cues are phrase tables (requests for a human, the
 * assistant handing over, thanks and confirmation, complaints that it did
 * not work, statements that an action was completed) matched on the shared
 * tokenizer's tokens; docs/text-rules-sentiment.md gives the rules.
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
 * "transfer", "stale".  The first rule that applies decides:
 *
 *  1. "stale" is incomplete (EVENTS.md rule 8);
 *  2. "transfer" is escalated;
 *  3. the assistant hands the caller over (to an agent, a colleague, another
 *     department or channel; an offer to do so does not count): escalated;
 *  4. the caller asks for a human ("let me speak to a manager", "a real
 *     person", a bare "agent") and does not thank in a later turn:
 *     escalated;
 *  5. the call ends on the caller's question (a '?', a question word
 *     first, or "how do I", "can you" ...), unanswered: incomplete;
 *  6. the caller's last turn says it did not work ("still not working",
 *     "that's useless"): incomplete;
 *  7. the caller's last turn, when it is not the opening request, thanks or
 *     confirms ("that worked", "thank you, that's all"; a bare "ok" only
 *     when it asks nothing more): resolved;
 *  8. the assistant's last turn reports a completed action ("your card has
 *     been blocked") and the call did not end in an error or timeout:
 *     resolved;
 *  9. anything else (a hang-up mid-flow, an error or timeout, no sign of
 *     success): incomplete.
 *
 * Unknown end reasons count as NULL.  Out of memory, the turns are read as
 * if they had no words.
 */
enum ct_resolution ct_resolution_classify(const struct ct_turn *turns,
					  size_t n, const char *end_reason);

/* "resolved", "escalated" or "incomplete"; "incomplete" for an unknown value. */
const char *ct_resolution_name(enum ct_resolution resolution);

#endif
