/*
 * Whose a phone number or email address is: the caller's when the nearest
 * cue before it in the same sentence is a self cue ("my number", "me on",
 * "mine"), someone else's after a cue for another person ("my brother",
 * "her", "Tendai's", "send"), and nobody's in particular otherwise.  Phones,
 * written emails, spoken emails and the hashes of redacted contacts all ask
 * the same question.
 *
 * Pure: no I/O; the word lists are constants.
 */
#include <string.h>

#include "convtrack/extract.h"
#include "extract_int.h"

/* Nouns of a contact detail: "my <noun>" is a self cue for a phone or email. */
const char ct_ex_contact_nouns[] =
	" number numbers phone cell cellphone mobile line whatsapp contact"
	" contacts details telephone landline ecocash onemoney telecash"
	" email emails e mail address gmail no ";

/* Cues that a number or email is someone else's (besides kin and 's). */
static const char ct_ex_other_cues[] =
	" his her their him them he she they he's she's they're someone"
	" somebody recipient beneficiary sender agent merchant shop another"
	" wrong unknown send sent sending transfer transferred transferring"
	" pay paid paying receive received receiving ";

/* Words between "my" and a contact noun ("my new cell number"). */
const char ct_ex_contact_mods[] =
	" phone mobile cell cellphone contact whatsapp ecocash onemoney"
	" telecash registered home work office new old other second"
	" personal private own best main usual current e ";

/*
 * Whose is a contact noun at token b ("number" in "my new number"): SELF
 * after "my" (through modifiers), OTHER after "your", a kin word or a
 * possessive, else NONE.
 */
static enum ct_extract_owner ct_ex_contact_owner(const struct ct_ex *x,
						 size_t b)
{
	while (b > 0 && !ct_ex_clause_break(x, b) &&
	       ct_ex_in(ct_ex_contact_mods, ct_ex_tok(x, b - 1)))
		b--;
	if (b == 0 || ct_ex_sentence_start(x, b))
		return CT_EXTRACT_OWNER_NONE;
	b--;
	if (strcmp(ct_ex_tok(x, b), "my") == 0)
		return CT_EXTRACT_OWNER_SELF;
	if (strcmp(ct_ex_tok(x, b), "your") == 0 ||
	    ct_ex_in(ct_ex_kin, ct_ex_tok(x, b)))
		return CT_EXTRACT_OWNER_OTHER;
	return CT_EXTRACT_OWNER_NONE;
}

bool ct_ex_possessive(const char *w)
{
	size_t n = strlen(w);

	return n > 2 && strcmp(w + n - 2, "'s") == 0 &&
	       !ct_ex_in(ct_ex_closed, w);
}

/* The owner that token b signals for a contact mentioned after it. */
static enum ct_extract_owner ct_ex_cue(const struct ct_ex *x, size_t b)
{
	const char *w = ct_ex_tok(x, b);
	char base[CT_TEXT_TOKEN_MAX + 1];
	size_t n = strlen(w);

	if (ct_ex_possessive(w)) {
		/* "my number's 077...": "is", not a possessive. */
		memcpy(base, w, n - 2);
		base[n - 2] = '\0';
		if (ct_ex_in(ct_ex_contact_nouns, base))
			return ct_ex_contact_owner(x, b);
		if (strcmp(base, "name") == 0)
			return CT_EXTRACT_OWNER_NONE;
		return CT_EXTRACT_OWNER_OTHER;
	}
	if (ct_ex_in(ct_ex_kin, w) || ct_ex_in(ct_ex_other_cues, w))
		return CT_EXTRACT_OWNER_OTHER;
	if (ct_ex_in(" me mine myself reached reachable ", w))
		return CT_EXTRACT_OWNER_SELF;
	if ((strcmp(w, "i'm") == 0 || strcmp(w, "im") == 0 ||
	     ct_ex_at(x, b, "i am")) &&
	    ct_ex_in(" on at ", ct_ex_tok(x, b + (w[1] == '\0' ? 2 : 1))))
		return CT_EXTRACT_OWNER_SELF;
	if (ct_ex_in(ct_ex_contact_nouns, w))
		return ct_ex_contact_owner(x, b);
	return CT_EXTRACT_OWNER_NONE;
}

enum ct_extract_owner ct_ex_owner(const struct ct_ex *x, size_t first,
				  size_t last)
{
	enum ct_extract_owner o;
	size_t b = first, a, steps;

	for (steps = 0; b > 0 && steps < 8 && !ct_ex_sentence_start(x, b);
	     steps++) {
		b--;
		o = ct_ex_cue(x, b);
		if (o != CT_EXTRACT_OWNER_NONE)
			return o;
	}
	for (a = last + 1, steps = 0;
	     a < x->t->n && steps < 5 && !ct_ex_sentence_start(x, a);
	     a++, steps++) {
		const char *w = ct_ex_tok(x, a);

		if (strcmp(w, "mine") == 0)
			return CT_EXTRACT_OWNER_SELF;
		if (ct_ex_possessive(w) || ct_ex_in(ct_ex_kin, w) ||
		    ct_ex_in(" his her their him them someone somebody ", w))
			return CT_EXTRACT_OWNER_OTHER;
		if (ct_ex_in(ct_ex_contact_nouns, w) &&
		    ct_ex_contact_owner(x, a) != CT_EXTRACT_OWNER_NONE)
			return ct_ex_contact_owner(x, a);
	}
	return CT_EXTRACT_OWNER_NONE;
}
