/*
 * Resolution status of a conversation: resolved, escalated or incomplete.
 * Pure.  Each turn is tokenized once and matched against one table of cue
 * phrases; the rules of include/convtrack/resolution.h then combine the
 * cues of the turns near the end of the call.  Changing what counts as a
 * cue means editing the table, not the code.
 */
#include <stdbool.h>
#include <string.h>

#include "convtrack/resolution.h"

enum ct_resolution_kind {
	CT_CUE_HUMAN_LEAD,    /* "speak to", "transfer me": before a human */
	CT_CUE_HUMAN,         /* "agent", "manager", "customer service" */
	CT_CUE_HUMAN_REQUEST, /* a request for a human on its own */
	CT_CUE_HUMAN_SHORT,   /* a whole short turn such as "agent please" */
	CT_CUE_HANDOVER,      /* the assistant hands over */
	CT_CUE_OFFER,         /* "would you like me to": an offer, not an act */
	CT_CUE_THANKS,        /* thanks or a clear confirmation */
	CT_CUE_CONFIRM,       /* a bare acknowledgement */
	CT_CUE_FAILED,        /* it did not work */
	CT_CUE_DONE,          /* the assistant reports a completed action */
	CT_CUE_QUESTION_START, /* a question's first word */
	CT_CUE_QUESTION       /* a question anywhere in a turn */
};

struct ct_resolution_cue {
	enum ct_resolution_kind kind;
	const char *phrase; /* lower-case tokens separated by one space */
};

/* Tokens a request may put between its lead and the human ("a real"). */
#define CT_RESOLUTION_LEAD_GAP 3
/* How far before a handover phrase an offer makes it an offer. */
#define CT_RESOLUTION_OFFER_SPAN 6
/* Longest turn, in tokens, that a bare "agent" may make a request. */
#define CT_RESOLUTION_SHORT_TURN 3

static const struct ct_resolution_cue ct_resolution_cues[] = {
	{ CT_CUE_HUMAN_LEAD, "speak to" }, { CT_CUE_HUMAN_LEAD, "speak with" },
	{ CT_CUE_HUMAN_LEAD, "talk to" }, { CT_CUE_HUMAN_LEAD, "talk with" },
	{ CT_CUE_HUMAN_LEAD, "connect me" }, { CT_CUE_HUMAN_LEAD, "transfer me" },
	{ CT_CUE_HUMAN_LEAD, "put me through" }, { CT_CUE_HUMAN_LEAD, "get me" },
	{ CT_CUE_HUMAN_LEAD, "give me" }, { CT_CUE_HUMAN_LEAD, "i want" },
	{ CT_CUE_HUMAN_LEAD, "i need" }, { CT_CUE_HUMAN_LEAD, "i'd like" },
	{ CT_CUE_HUMAN_LEAD, "can i have" }, { CT_CUE_HUMAN_LEAD, "let me speak" },

	{ CT_CUE_HUMAN, "human" }, { CT_CUE_HUMAN, "person" },
	{ CT_CUE_HUMAN, "agent" }, { CT_CUE_HUMAN, "manager" },
	{ CT_CUE_HUMAN, "supervisor" }, { CT_CUE_HUMAN, "representative" },
	{ CT_CUE_HUMAN, "operator" }, { CT_CUE_HUMAN, "someone" },
	{ CT_CUE_HUMAN, "somebody" }, { CT_CUE_HUMAN, "staff" },
	{ CT_CUE_HUMAN, "consultant" }, { CT_CUE_HUMAN, "advisor" },
	{ CT_CUE_HUMAN, "adviser" }, { CT_CUE_HUMAN, "customer service" },
	{ CT_CUE_HUMAN, "customer care" }, { CT_CUE_HUMAN, "call centre" },
	{ CT_CUE_HUMAN, "call center" },

	{ CT_CUE_HUMAN_REQUEST, "real person" },
	{ CT_CUE_HUMAN_REQUEST, "real human" },
	{ CT_CUE_HUMAN_REQUEST, "actual person" },
	{ CT_CUE_HUMAN_REQUEST, "actual human" },
	{ CT_CUE_HUMAN_REQUEST, "human being" },
	{ CT_CUE_HUMAN_REQUEST, "live agent" },
	{ CT_CUE_HUMAN_REQUEST, "live person" },
	{ CT_CUE_HUMAN_REQUEST, "human agent" },
	{ CT_CUE_HUMAN_REQUEST, "escalate this" },
	{ CT_CUE_HUMAN_REQUEST, "escalate it" },
	{ CT_CUE_HUMAN_REQUEST, "escalate my" },
	{ CT_CUE_HUMAN_REQUEST, "your manager" },
	{ CT_CUE_HUMAN_REQUEST, "your supervisor" },

	{ CT_CUE_HUMAN_SHORT, "agent" }, { CT_CUE_HUMAN_SHORT, "operator" },
	{ CT_CUE_HUMAN_SHORT, "representative" }, { CT_CUE_HUMAN_SHORT, "human" },

	{ CT_CUE_HANDOVER, "transfer you" }, { CT_CUE_HANDOVER, "transferring you" },
	{ CT_CUE_HANDOVER, "connect you" }, { CT_CUE_HANDOVER, "connecting you" },
	{ CT_CUE_HANDOVER, "put you through" },
	{ CT_CUE_HANDOVER, "putting you through" },
	{ CT_CUE_HANDOVER, "hand you over" }, { CT_CUE_HANDOVER, "handing you over" },
	{ CT_CUE_HANDOVER, "escalate" }, { CT_CUE_HANDOVER, "escalated" },
	{ CT_CUE_HANDOVER, "escalating" }, { CT_CUE_HANDOVER, "a colleague will" },
	{ CT_CUE_HANDOVER, "an agent will" }, { CT_CUE_HANDOVER, "a specialist will" },
	{ CT_CUE_HANDOVER, "call you back" }, { CT_CUE_HANDOVER, "contact you" },
	{ CT_CUE_HANDOVER, "get back to you" }, { CT_CUE_HANDOVER, "follow up" },
	{ CT_CUE_HANDOVER, "follow it up" }, { CT_CUE_HANDOVER, "our team will" },
	{ CT_CUE_HANDOVER, "our engineers" }, { CT_CUE_HANDOVER, "our technicians" },
	{ CT_CUE_HANDOVER, "feed it back" }, { CT_CUE_HANDOVER, "forward your" },
	{ CT_CUE_HANDOVER, "forwarded your" }, { CT_CUE_HANDOVER, "forward it" },
	{ CT_CUE_HANDOVER, "forward this" }, { CT_CUE_HANDOVER, "feed back" },
	{ CT_CUE_HANDOVER, "fed back" }, { CT_CUE_HANDOVER, "relevant department" },
	{ CT_CUE_HANDOVER, "report it to" }, { CT_CUE_HANDOVER, "report this to" },
	{ CT_CUE_HANDOVER, "reported it to" }, { CT_CUE_HANDOVER, "pass it on" },
	{ CT_CUE_HANDOVER, "pass this on" }, { CT_CUE_HANDOVER, "passed it on" },
	{ CT_CUE_HANDOVER, "refer you" }, { CT_CUE_HANDOVER, "visit a branch" },
	{ CT_CUE_HANDOVER, "visit your nearest branch" },
	{ CT_CUE_HANDOVER, "visit our branch" }, { CT_CUE_HANDOVER, "nearest branch" },
	{ CT_CUE_HANDOVER, "call our hotline" },
	{ CT_CUE_HANDOVER, "contact customer service" },
	{ CT_CUE_HANDOVER, "call customer service" },

	{ CT_CUE_OFFER, "would you like" }, { CT_CUE_OFFER, "do you want" },
	{ CT_CUE_OFFER, "shall i" }, { CT_CUE_OFFER, "should i" },
	{ CT_CUE_OFFER, "if you" }, { CT_CUE_OFFER, "want me to" },
	{ CT_CUE_OFFER, "i can" },

	{ CT_CUE_THANKS, "thank" }, { CT_CUE_THANKS, "thanks" },
	{ CT_CUE_THANKS, "thx" }, { CT_CUE_THANKS, "cheers" },
	{ CT_CUE_THANKS, "appreciate" }, { CT_CUE_THANKS, "appreciated" },
	{ CT_CUE_THANKS, "grateful" }, { CT_CUE_THANKS, "that worked" },
	{ CT_CUE_THANKS, "that works" }, { CT_CUE_THANKS, "it worked" },
	{ CT_CUE_THANKS, "works now" }, { CT_CUE_THANKS, "working now" },
	{ CT_CUE_THANKS, "that helped" }, { CT_CUE_THANKS, "that helps" },
	{ CT_CUE_THANKS, "very helpful" }, { CT_CUE_THANKS, "problem solved" },
	{ CT_CUE_THANKS, "is solved" }, { CT_CUE_THANKS, "is resolved" },
	{ CT_CUE_THANKS, "sorted" }, { CT_CUE_THANKS, "that's all" },
	{ CT_CUE_THANKS, "that is all" }, { CT_CUE_THANKS, "that's everything" },
	{ CT_CUE_THANKS, "all good" }, { CT_CUE_THANKS, "all set" },
	{ CT_CUE_THANKS, "perfect" }, { CT_CUE_THANKS, "excellent" },
	{ CT_CUE_THANKS, "wonderful" }, { CT_CUE_THANKS, "awesome" },
	{ CT_CUE_THANKS, "brilliant" },

	{ CT_CUE_CONFIRM, "ok" }, { CT_CUE_CONFIRM, "okay" },
	{ CT_CUE_CONFIRM, "alright" }, { CT_CUE_CONFIRM, "all right" },
	{ CT_CUE_CONFIRM, "fine" }, { CT_CUE_CONFIRM, "great" },
	{ CT_CUE_CONFIRM, "got it" }, { CT_CUE_CONFIRM, "i see" },
	{ CT_CUE_CONFIRM, "understood" }, { CT_CUE_CONFIRM, "no problem" },
	{ CT_CUE_CONFIRM, "bye" }, { CT_CUE_CONFIRM, "goodbye" },
	{ CT_CUE_CONFIRM, "cool" },

	{ CT_CUE_FAILED, "still not" }, { CT_CUE_FAILED, "still can't" },
	{ CT_CUE_FAILED, "still cannot" }, { CT_CUE_FAILED, "still doesn't" },
	{ CT_CUE_FAILED, "still don't" }, { CT_CUE_FAILED, "still no" },
	{ CT_CUE_FAILED, "still isn't" }, { CT_CUE_FAILED, "still hasn't" },
	{ CT_CUE_FAILED, "doesn't work" }, { CT_CUE_FAILED, "didn't work" },
	{ CT_CUE_FAILED, "does not work" }, { CT_CUE_FAILED, "did not work" },
	{ CT_CUE_FAILED, "not working" }, { CT_CUE_FAILED, "isn't working" },
	{ CT_CUE_FAILED, "won't work" }, { CT_CUE_FAILED, "not solved" },
	{ CT_CUE_FAILED, "not resolved" }, { CT_CUE_FAILED, "no solution" },
	{ CT_CUE_FAILED, "no solutions" }, { CT_CUE_FAILED, "useless" },
	{ CT_CUE_FAILED, "waste of time" }, { CT_CUE_FAILED, "thanks for nothing" },
	{ CT_CUE_FAILED, "not helpful" }, { CT_CUE_FAILED, "unhelpful" },
	{ CT_CUE_FAILED, "no help" }, { CT_CUE_FAILED, "not what i asked" },
	{ CT_CUE_FAILED, "you didn't" }, { CT_CUE_FAILED, "you did not" },
	{ CT_CUE_FAILED, "that's wrong" }, { CT_CUE_FAILED, "that is wrong" },
	{ CT_CUE_FAILED, "unacceptable" }, { CT_CUE_FAILED, "ridiculous" },
	{ CT_CUE_FAILED, "disappointed" }, { CT_CUE_FAILED, "disappointing" },
	{ CT_CUE_FAILED, "complain" }, { CT_CUE_FAILED, "complaint" },
	{ CT_CUE_FAILED, "never mind" }, { CT_CUE_FAILED, "forget it" },

	{ CT_CUE_DONE, "has been fixed" }, { CT_CUE_DONE, "has been resolved" },
	{ CT_CUE_DONE, "has been solved" }, { CT_CUE_DONE, "has been processed" },
	{ CT_CUE_DONE, "has been sent" }, { CT_CUE_DONE, "has been blocked" },
	{ CT_CUE_DONE, "has been unblocked" }, { CT_CUE_DONE, "has been cancelled" },
	{ CT_CUE_DONE, "has been canceled" }, { CT_CUE_DONE, "has been activated" },
	{ CT_CUE_DONE, "has been completed" }, { CT_CUE_DONE, "has been refunded" },
	{ CT_CUE_DONE, "has been credited" }, { CT_CUE_DONE, "has been updated" },
	{ CT_CUE_DONE, "was successful" }, { CT_CUE_DONE, "successfully" },
	{ CT_CUE_DONE, "is now active" }, { CT_CUE_DONE, "all done" },

	{ CT_CUE_QUESTION_START, "how" }, { CT_CUE_QUESTION_START, "what" },
	{ CT_CUE_QUESTION_START, "what's" }, { CT_CUE_QUESTION_START, "why" },
	{ CT_CUE_QUESTION_START, "when" }, { CT_CUE_QUESTION_START, "where" },
	{ CT_CUE_QUESTION_START, "which" }, { CT_CUE_QUESTION_START, "who" },
	{ CT_CUE_QUESTION_START, "can" }, { CT_CUE_QUESTION_START, "could" },
	{ CT_CUE_QUESTION_START, "would" }, { CT_CUE_QUESTION_START, "will" },
	{ CT_CUE_QUESTION_START, "is" }, { CT_CUE_QUESTION_START, "are" },
	{ CT_CUE_QUESTION_START, "do" }, { CT_CUE_QUESTION_START, "does" },
	{ CT_CUE_QUESTION_START, "did" }, { CT_CUE_QUESTION_START, "should" },
	{ CT_CUE_QUESTION_START, "may" },

	{ CT_CUE_QUESTION, "how do" }, { CT_CUE_QUESTION, "how can" },
	{ CT_CUE_QUESTION, "how much" }, { CT_CUE_QUESTION, "how long" },
	{ CT_CUE_QUESTION, "how many" }, { CT_CUE_QUESTION, "what is" },
	{ CT_CUE_QUESTION, "what's" }, { CT_CUE_QUESTION, "what are" },
	{ CT_CUE_QUESTION, "where is" }, { CT_CUE_QUESTION, "where can" },
	{ CT_CUE_QUESTION, "when will" }, { CT_CUE_QUESTION, "when does" },
	{ CT_CUE_QUESTION, "why is" }, { CT_CUE_QUESTION, "why did" },
	{ CT_CUE_QUESTION, "can you" }, { CT_CUE_QUESTION, "could you" },
	{ CT_CUE_QUESTION, "can i" }, { CT_CUE_QUESTION, "is there" },
	{ CT_CUE_QUESTION, "do you" }, { CT_CUE_QUESTION, "do i" },
};

#define CT_RESOLUTION_NCUES \
	(sizeof(ct_resolution_cues) / sizeof(ct_resolution_cues[0]))

/* What one turn says, as far as the rules care. */
struct ct_resolution_turn {
	bool words;         /* the turn has at least one token */
	bool human_request; /* caller asks for a human */
	bool handover;      /* assistant hands over */
	bool thanks;
	bool confirm;
	bool failed;
	bool done;
	bool question;
};

static size_t ct_resolution_phrase_len(const char *phrase)
{
	size_t n = 1;

	for (; *phrase; phrase++)
		if (*phrase == ' ')
			n++;
	return n;
}

/*
 * The first position at or after from where a cue of kind starts, or -1;
 * *len gets its length in tokens.
 */
static long ct_resolution_find(const struct ct_text_tokens *toks,
			       enum ct_resolution_kind kind, size_t from,
			       size_t *len)
{
	long best = -1;
	size_t i;

	for (i = 0; i < CT_RESOLUTION_NCUES; i++) {
		const struct ct_resolution_cue *c = &ct_resolution_cues[i];
		long at;

		if (c->kind != kind)
			continue;
		at = ct_text_find_phrase(toks, from, c->phrase);
		if (at >= 0 && (best < 0 || at < best)) {
			best = at;
			if (len)
				*len = ct_resolution_phrase_len(c->phrase);
		}
	}
	return best;
}

static bool ct_resolution_has(const struct ct_text_tokens *toks,
			      enum ct_resolution_kind kind)
{
	return ct_resolution_find(toks, kind, 0, NULL) >= 0;
}

/* A lead ("speak to") followed closely by a human ("a manager"). */
static bool ct_resolution_lead_human(const struct ct_text_tokens *toks)
{
	size_t from = 0, len = 0;
	long at;

	while ((at = ct_resolution_find(toks, CT_CUE_HUMAN_LEAD, from, &len)) >= 0) {
		size_t after = (size_t)at + len;
		long h = ct_resolution_find(toks, CT_CUE_HUMAN, after, NULL);

		if (h >= 0 && (size_t)h - after <= CT_RESOLUTION_LEAD_GAP)
			return true;
		from = (size_t)at + 1;
	}
	return false;
}

static bool ct_resolution_asks_human(const struct ct_text_tokens *toks)
{
	if (ct_resolution_has(toks, CT_CUE_HUMAN_REQUEST))
		return true;
	if (toks->n <= CT_RESOLUTION_SHORT_TURN &&
	    ct_resolution_has(toks, CT_CUE_HUMAN_SHORT))
		return true;
	return ct_resolution_lead_human(toks);
}

/* A handover phrase that no offer ("would you like me to") just precedes. */
static bool ct_resolution_hands_over(const struct ct_text_tokens *toks)
{
	size_t from = 0, len;
	long at;

	while ((at = ct_resolution_find(toks, CT_CUE_HANDOVER, from, &len)) >= 0) {
		size_t start = (size_t)at > CT_RESOLUTION_OFFER_SPAN
				       ? (size_t)at - CT_RESOLUTION_OFFER_SPAN
				       : 0;
		long offer = ct_resolution_find(toks, CT_CUE_OFFER, start, NULL);

		if (offer < 0 || offer >= at)
			return true;
		from = (size_t)at + 1;
	}
	return false;
}

/* Reads the cues of one turn, tokenized into toks (reused between turns). */
static void ct_resolution_read(const struct ct_turn *turn,
			       struct ct_text_tokens *toks,
			       struct ct_resolution_turn *out)
{
	memset(out, 0, sizeof(*out));
	ct_text_tokens_reset(toks);
	if (ct_text_tokenize(turn->text, turn->len, toks) < 0 || toks->n == 0)
		return;
	out->words = true;
	if (turn->speaker == CT_SPEAKER_USER) {
		out->human_request = ct_resolution_asks_human(toks);
		out->thanks = ct_resolution_has(toks, CT_CUE_THANKS);
		out->confirm = ct_resolution_has(toks, CT_CUE_CONFIRM);
		out->failed = ct_resolution_has(toks, CT_CUE_FAILED);
		out->question = memchr(turn->text, '?', turn->len) != NULL ||
				ct_resolution_find(toks, CT_CUE_QUESTION_START, 0,
						   NULL) == 0 ||
				ct_resolution_has(toks, CT_CUE_QUESTION);
	} else if (turn->speaker == CT_SPEAKER_ASSISTANT) {
		out->handover = ct_resolution_hands_over(toks);
		out->done = ct_resolution_has(toks, CT_CUE_DONE);
	}
}

/* What an end reason means; "hangup" and unknown reasons mean nothing. */
enum ct_resolution_end {
	CT_END_NONE,
	CT_END_STALE,    /* rule 1 */
	CT_END_TRANSFER, /* rule 2 */
	CT_END_FAILURE   /* the call broke: rule 8 does not apply */
};

static const struct {
	const char *reason;
	enum ct_resolution_end end;
} ct_resolution_ends[] = {
	{ "stale", CT_END_STALE },
	{ "transfer", CT_END_TRANSFER },
	{ "error", CT_END_FAILURE },
	{ "timeout", CT_END_FAILURE },
};

/* The rules over the turns' cues; see include/convtrack/resolution.h. */
static enum ct_resolution ct_resolution_decide(const struct ct_turn *turns,
					       size_t n, bool failure_end)
{
	struct ct_text_tokens toks = { 0 };
	struct ct_resolution_turn cur, last_user = { 0 }, last_assistant = { 0 };
	bool request = false, confirmed_after = false, handover = false;
	bool user_last = false;
	size_t i, user_turns = 0;

	for (i = 0; i < n; i++) {
		ct_resolution_read(&turns[i], &toks, &cur);
		if (!cur.words)
			continue;
		if (turns[i].speaker == CT_SPEAKER_USER) {
			user_turns++;
			if (cur.human_request) {
				request = true;
				confirmed_after = false;
			} else if (cur.thanks && !cur.failed) {
				confirmed_after = true;
			}
			last_user = cur;
			user_last = true;
		} else if (turns[i].speaker == CT_SPEAKER_ASSISTANT) {
			handover = handover || cur.handover;
			last_assistant = cur;
			user_last = false;
		}
	}
	ct_text_tokens_free(&toks);

	if (handover)
		return CT_RESOLUTION_ESCALATED;
	if (request && !confirmed_after)
		return CT_RESOLUTION_ESCALATED;
	if (user_last && last_user.question)
		return CT_RESOLUTION_INCOMPLETE;
	if (user_turns > 1 && last_user.failed)
		return CT_RESOLUTION_INCOMPLETE;
	if (user_turns > 1 &&
	    (last_user.thanks || (last_user.confirm && !last_user.question)))
		return CT_RESOLUTION_RESOLVED;
	if (last_assistant.done && !failure_end)
		return CT_RESOLUTION_RESOLVED;
	return CT_RESOLUTION_INCOMPLETE;
}

enum ct_resolution ct_resolution_classify(const struct ct_turn *turns,
					  size_t n, const char *end_reason)
{
	enum ct_resolution_end end = CT_END_NONE;
	size_t i, ne = sizeof(ct_resolution_ends) / sizeof(ct_resolution_ends[0]);

	for (i = 0; end_reason && i < ne; i++)
		if (strcmp(end_reason, ct_resolution_ends[i].reason) == 0)
			end = ct_resolution_ends[i].end;
	if (end == CT_END_STALE)
		return CT_RESOLUTION_INCOMPLETE;
	if (end == CT_END_TRANSFER)
		return CT_RESOLUTION_ESCALATED;
	return ct_resolution_decide(turns, n, end == CT_END_FAILURE);
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
