/*
 * Email addresses in a transcript: written ones ("tendai.moyo@gmail.com")
 * and, after an email cue or when the assistant asked for one, spoken ones
 * ("tendai dot moyo at gmail dot com").  Each is kept lower-cased, once,
 * with the owner that extract_owner.c gives it.
 *
 * Pure: no I/O, no global state.
 */
#include <string.h>

#include "convtrack/extract.h"
#include "extract_int.h"
#include "textscan.h"

/* Top-level domains accepted at the end of a spoken email address. */
static const char ct_ex_tlds[] =
	" com net org edu gov info biz io co zw za uk us ac me mobi africa ";

void ct_ex_add_email(const struct ct_ex *x, struct ct_extract_utterance *out,
		     const char *addr, size_t n, size_t first, size_t last)
{
	char low[CT_EXTRACT_EMAIL_LEN];
	size_t k;

	if (n == 0 || n >= sizeof(low))
		return;
	for (k = 0; k < n; k++)
		low[k] = ct_scan_to_lower(addr[k]);
	low[n] = '\0';
	for (k = 0; k < out->n_emails; k++)
		if (strcmp(out->emails[k].addr, low) == 0)
			return;
	if (out->n_emails == CT_EXTRACT_ITEMS_MAX)
		return;
	memcpy(out->emails[k].addr, low, n + 1);
	out->emails[k].owner = ct_ex_owner(x, first, last);
	out->n_emails++;
}

void ct_ex_find_written_emails(const struct ct_ex *x,
			       struct ct_extract_utterance *out)
{
	const char *s = x->text;
	size_t i, l, r;

	for (i = 0; i < x->len; i++) {
		/* At most 254 bytes, as RFC 5321 allows. */
		if (!ct_scan_email_at(s, x->len, i, 254, &l, &r))
			continue;
		ct_ex_add_email(x, out, s + l, r - l, ct_ex_tok_at(x, l),
				ct_ex_tok_at(x, r) - 1);
	}
}

/* True when token i is a bare letters-and-digits word (an address part). */
static bool ct_ex_addr_part(const struct ct_ex *x, size_t i)
{
	const char *w = ct_ex_tok(x, i);

	if (i >= x->t->n || !*w)
		return false;
	for (; *w; w++)
		if (!ct_scan_alnum(*w))
			return false;
	return true;
}

/* The separator that joins token i to token i - 1 in a spoken address, or 0. */
static char ct_ex_addr_joint(const struct ct_ex *x, size_t i, bool dot_only)
{
	size_t a = x->t->v[i - 1].end, b = x->t->v[i].start;

	if (b - a == 1 &&
	    (x->text[a] == '.' ||
	     (!dot_only && (x->text[a] == '_' || x->text[a] == '-'))))
		return x->text[a];
	return 0;
}

/* Words that announce an email address. */
static const char ct_ex_email_cues[] =
	" email emails gmail yahoo hotmail outlook ";

void ct_ex_find_spoken_emails(const struct ct_ex *x, bool asked_email,
			      struct ct_extract_utterance *out)
{
	size_t i, n = x->t->n;
	bool cue = asked_email;

	for (i = 0; i < n && !cue; i++)
		cue = ct_ex_in(ct_ex_email_cues, ct_ex_tok(x, i)) ||
		      ct_ex_at(x, i, "e mail");
	if (!cue)
		return;
	for (i = 1; i + 1 < n; i++) {
		char addr[CT_EXTRACT_EMAIL_LEN];
		size_t first = i - 1, j = i + 1, o = 0, parts = 1, labels = 1,
		       lastdom;
		size_t len;

		if (strcmp(ct_ex_tok(x, i), "at") != 0 ||
		    !ct_ex_addr_part(x, i - 1) || !ct_ex_addr_part(x, i + 1) ||
		    ct_ex_common_word(ct_ex_tok(x, i - 1)))
			continue;
		/* Local part, backwards: "tendai dot moyo", "tendai_moyo". */
		while (parts < 6) {
			char sep = first > 0 ? ct_ex_addr_joint(x, first, false)
					     : 0;

			if (sep && ct_ex_addr_part(x, first - 1)) {
				first--;
			} else if (first >= 2 &&
				   ct_ex_addr_part(x, first - 2) &&
				   ct_ex_in(" dot underscore dash hyphen ",
					    ct_ex_tok(x, first - 1))) {
				first -= 2;
			} else {
				break;
			}
			parts++;
		}
		/* Domain, forwards: "gmail dot com", "gmail.co.zw". */
		lastdom = j;
		while (labels < 5) {
			if (lastdom + 1 < n &&
			    ct_ex_addr_joint(x, lastdom + 1, true) &&
			    ct_ex_addr_part(x, lastdom + 1)) {
				lastdom++;
			} else if (lastdom + 2 < n &&
				   strcmp(ct_ex_tok(x, lastdom + 1), "dot") ==
					   0 &&
				   ct_ex_addr_part(x, lastdom + 2)) {
				lastdom += 2;
			} else {
				break;
			}
			labels++;
		}
		if (labels < 2 || !ct_ex_in(ct_ex_tlds, ct_ex_tok(x, lastdom)))
			continue;
		/* Spell it out. */
		for (j = first;
		     j <= lastdom && o + CT_TEXT_TOKEN_MAX + 2 < sizeof(addr);
		     j++) {
			const char *w = ct_ex_tok(x, j);

			if (j == i) {
				addr[o++] = '@';
				continue;
			}
			if (j > first && j != i + 1 &&
			    ct_ex_addr_joint(x, j, false))
				addr[o++] = ct_ex_addr_joint(x, j, false);
			if (strcmp(w, "dot") == 0)
				addr[o++] = '.';
			else if (strcmp(w, "underscore") == 0 && j < i)
				addr[o++] = '_';
			else if (ct_ex_in(" dash hyphen ", w) && j < i)
				addr[o++] = '-';
			else {
				len = strlen(w);
				memcpy(addr + o, w, len);
				o += len;
			}
		}
		if (j <= lastdom)
			continue;
		ct_ex_add_email(x, out, addr, o, first, lastdom);
		i = lastdom;
	}
}
