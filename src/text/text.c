/*
 * Text utilities: the shared tokenizer of the text rules.  See
 * include/convtrack/text.h for what a token is.
 */
#include <stdlib.h>
#include <string.h>

#include "convtrack/text.h"

static bool ct_text_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80;
}

static int ct_text_push(struct ct_text_tokens *toks, const char *text,
			size_t start, size_t end)
{
	struct ct_text_token *t;
	size_t i, k = 0;

	if (toks->n == toks->cap) {
		size_t ncap = toks->cap ? toks->cap * 2 : 32;
		struct ct_text_token *nv = realloc(toks->v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		toks->v = nv;
		toks->cap = ncap;
	}
	t = &toks->v[toks->n++];
	for (i = start; i < end && k < CT_TEXT_TOKEN_MAX; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == 0xE2 && i + 2 < end && (unsigned char)text[i + 1] == 0x80 &&
		    (unsigned char)text[i + 2] == 0x99) {
			t->s[k++] = '\'';
			i += 2;
			continue;
		}
		t->s[k++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	t->s[k] = '\0';
	t->start = start;
	t->end = end;
	return 0;
}

/* Length of a USSD code ("*236#", "*151*1*2#") at text[i], or 0. */
static size_t ct_text_ussd(const char *text, size_t len, size_t i)
{
	size_t j = i, digits = 0;

	if (text[j] != '*')
		return 0;
	while (j < len && (text[j] == '*' || (text[j] >= '0' && text[j] <= '9'))) {
		if (text[j] != '*')
			digits++;
		j++;
	}
	if (j < len && text[j] == '#' && digits > 0)
		return j + 1 - i;
	return 0;
}

/* True when text[i] is an apostrophe (ASCII or U+2019) inside a word. */
static size_t ct_text_apostrophe(const char *text, size_t len, size_t i)
{
	size_t w = 0;

	if (text[i] == '\'')
		w = 1;
	else if ((unsigned char)text[i] == 0xE2 && i + 2 < len &&
		 (unsigned char)text[i + 1] == 0x80 &&
		 (unsigned char)text[i + 2] == 0x99)
		w = 3;
	if (w && i + w < len && ct_text_word_byte((unsigned char)text[i + w]) &&
	    (unsigned char)text[i + w] < 0x80)
		return w;
	return 0;
}

int ct_text_tokenize(const char *text, size_t len, struct ct_text_tokens *toks)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i, u = ct_text_ussd(text, len, i);

		if (u) {
			if (ct_text_push(toks, text, i, i + u) < 0)
				return -1;
			i += u;
			continue;
		}
		if (!ct_text_word_byte((unsigned char)text[i])) {
			i++;
			continue;
		}
		for (;;) {
			size_t a;

			while (i < len && ct_text_word_byte((unsigned char)text[i]))
				i++;
			a = i < len ? ct_text_apostrophe(text, len, i) : 0;
			if (!a)
				break;
			i += a;
		}
		if (ct_text_push(toks, text, start, i) < 0)
			return -1;
	}
	return 0;
}

void ct_text_tokens_reset(struct ct_text_tokens *toks)
{
	toks->n = 0;
}

void ct_text_tokens_free(struct ct_text_tokens *toks)
{
	if (!toks)
		return;
	free(toks->v);
	memset(toks, 0, sizeof(*toks));
}

bool ct_text_token_is(const struct ct_text_tokens *toks, size_t i,
		      const char *word)
{
	return i < toks->n && strcmp(toks->v[i].s, word) == 0;
}

long ct_text_find_phrase(const struct ct_text_tokens *toks, size_t from,
			 const char *phrase)
{
	char words[16][CT_TEXT_TOKEN_MAX + 1];
	size_t nw = 0, i, k;
	const char *p = phrase;

	while (*p && nw < 16) {
		size_t l = strcspn(p, " ");

		if (l > CT_TEXT_TOKEN_MAX)
			l = CT_TEXT_TOKEN_MAX;
		memcpy(words[nw], p, l);
		words[nw++][l] = '\0';
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	if (nw == 0)
		return -1;
	for (i = from; i + nw <= toks->n; i++) {
		for (k = 0; k < nw; k++)
			if (strcmp(toks->v[i + k].s, words[k]) != 0)
				break;
		if (k == nw)
			return (long)i;
	}
	return -1;
}
