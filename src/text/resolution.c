/*
 * Resolution status of a conversation: resolved, escalated or incomplete.
 * Pure.  The conversation is read once (sentiment_model.c: the cues of
 * resolution_rules.txt in each turn and the resolution model's estimate);
 * the rules of include/convtrack/resolution.h then decide, in order, and
 * the model decides what no rule does.  Changing what counts as a cue
 * means editing the table, not the code.
 */
#include <string.h>

#include "convtrack/resolution.h"
#include "sentiment_int.h"

/* What an end reason means; "hangup" and unknown reasons mean nothing. */
enum ct_resolution_end {
	CT_END_NONE,
	CT_END_STALE,    /* rule 1 */
	CT_END_TRANSFER, /* rule 2 */
	CT_END_BROKEN    /* error or timeout: rules 8 and 10 */
};

static enum ct_resolution_end ct_resolution_end_of(const char *end_reason)
{
	static const struct {
		const char *reason;
		enum ct_resolution_end end;
	} ends[] = {
		{ "stale", CT_END_STALE },
		{ "transfer", CT_END_TRANSFER },
		{ "error", CT_END_BROKEN },
		{ "timeout", CT_END_BROKEN },
	};
	size_t i;

	for (i = 0; end_reason && i < sizeof(ends) / sizeof(ends[0]); i++)
		if (strcmp(end_reason, ends[i].reason) == 0)
			return ends[i].end;
	return CT_END_NONE;
}

static bool ct_resolution_has(uint32_t cues, enum ct_senti_cue cue)
{
	return (cues & CT_CUE_BIT(cue)) != 0;
}

/*
 * The rule that decides the conversation c (read with m) that ended for
 * end (see include/convtrack/resolution.h); *res gets its verdict.
 */
static const char *ct_resolution_which(const struct ct_senti_model *m,
				       const struct ct_senti_conversation *c,
				       enum ct_resolution_end end,
				       enum ct_resolution *res)
{
	bool later = c->user_turns > 1;
	bool after = c->lu_at > c->la_at; /* the caller spoke last */
	/* Rule 8: the caller then complained or asked; the assistant's last
	 * turn ends the call on a question that is not a closing one. */
	bool disputed = after && (ct_resolution_has(c->lu, CT_CUE_FAILED) ||
				  ct_resolution_has(c->lu, CT_CUE_QUESTION));
	bool left_open = !after && ct_resolution_has(c->la, CT_CUE_ASKS) &&
			 !ct_resolution_has(c->la, CT_CUE_CLOSING);

	*res = CT_RESOLUTION_INCOMPLETE;
	if (end == CT_END_STALE)
		return "stale";
	*res = CT_RESOLUTION_ESCALATED;
	if (end == CT_END_TRANSFER)
		return "transfer";
	if (c->handover)
		return "handover";
	if (c->request && !c->thanked_after)
		return "human";
	*res = CT_RESOLUTION_INCOMPLETE;
	if (c->user_turns == 0)
		return "silent";
	if (c->user_last && ct_resolution_has(c->lu, CT_CUE_QUESTION) &&
	    !ct_resolution_has(c->lu, CT_CUE_SUCCESS))
		return "question";
	if (ct_resolution_has(c->la, CT_CUE_UNABLE) &&
	    !(later && after && ct_resolution_has(c->lu, CT_CUE_SUCCESS)))
		return "unable";
	*res = CT_RESOLUTION_RESOLVED;
	if (ct_resolution_has(c->la, CT_CUE_DONE) && end != CT_END_BROKEN &&
	    !disputed && !left_open)
		return "done";
	*res = CT_RESOLUTION_INCOMPLETE;
	if (!c->user_last && (ct_resolution_has(c->la, CT_CUE_ASKS) ||
			      ct_resolution_has(c->la, CT_CUE_OFFER)) &&
	    !ct_resolution_has(c->la, CT_CUE_CLOSING))
		return "asked";
	if (end == CT_END_BROKEN) {
		if (later && (ct_resolution_has(c->lu, CT_CUE_THANKS) ||
			      ct_resolution_has(c->lu, CT_CUE_CONFIRM)))
			*res = CT_RESOLUTION_RESOLVED;
		return *res == CT_RESOLUTION_RESOLVED ? "confirmed" : "broken";
	}
	if (c->resolved > ct_senti_model_resolved_min(m))
		*res = CT_RESOLUTION_RESOLVED;
	return "model";
}

enum ct_resolution ct_resolution_decide(const struct ct_senti_model *m,
					const struct ct_senti_conversation *c,
					const char *end_reason,
					const char **rule)
{
	enum ct_resolution res;
	const char *name = ct_resolution_which(m, c,
					       ct_resolution_end_of(end_reason),
					       &res);

	if (rule)
		*rule = name;
	return res;
}

enum ct_resolution ct_resolution_explain(const struct ct_turn *turns,
					 size_t n, const char *end_reason,
					 const char **rule)
{
	const struct ct_senti_model *m;
	struct ct_senti_conversation c;
	enum ct_resolution_end end = ct_resolution_end_of(end_reason);

	if (end == CT_END_STALE || end == CT_END_TRANSFER) {
		memset(&c, 0, sizeof(c));
		return ct_resolution_decide(NULL, &c, end_reason, rule);
	}
	m = ct_senti_model_get();
	if (!m || ct_senti_model_read(m, turns, n, &c) < 0) {
		if (rule)
			*rule = "error";
		return CT_RESOLUTION_INCOMPLETE;
	}
	return ct_resolution_decide(m, &c, end_reason, rule);
}

enum ct_resolution ct_resolution_classify(const struct ct_turn *turns,
					  size_t n, const char *end_reason)
{
	return ct_resolution_explain(turns, n, end_reason, NULL);
}

const char *ct_resolution_name(enum ct_resolution resolution)
{
	switch (resolution) {
	case CT_RESOLUTION_RESOLVED:
		return "resolved";
	case CT_RESOLUTION_ESCALATED:
		return "escalated";
	case CT_RESOLUTION_INCOMPLETE:
	default:
		return "incomplete";
	}
}
