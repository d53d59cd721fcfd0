/*
 * Text utilities shared by the text rules (pure: no I/O).
 *
 * Tokenization is the one place that decides what a "word" is, so the
 * banking detector, topic rules, sentiment lexicon and extraction agree, and
 * a model trained offline sees the same tokens as the worker.
 *
 * A token is a maximal run of ASCII letters, digits, apostrophes inside a
 * word ("don't") and non-ASCII UTF-8 bytes, lower-cased (ASCII only).  A
 * USSD code such as "*236#" or "*151*1#" is one token, kept as written.
 * Everything else separates tokens.  Curly apostrophes (U+2019) count as
 * "'".
 */
#ifndef CONVTRACK_TEXT_H
#define CONVTRACK_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Who said a turn of a conversation. */
enum ct_text_speaker {
	CT_SPEAKER_USER = 0,
	CT_SPEAKER_ASSISTANT,
	CT_SPEAKER_OTHER /* system or tool */
};

/* One turn of a conversation, in order; text is borrowed, not NUL-ended. */
struct ct_turn {
	enum ct_text_speaker speaker;
	const char *text;
	size_t len;
};

/* Longest token kept; longer runs are cut to this many bytes. */
#define CT_TEXT_TOKEN_MAX 63

struct ct_text_token {
	char s[CT_TEXT_TOKEN_MAX + 1];
	size_t start; /* byte offset of the token in the input */
	size_t end;   /* byte offset just past it */
};

struct ct_text_tokens {
	struct ct_text_token *v;
	size_t n;
	size_t cap;
};

/*
 * Tokenizes len bytes of text, appending to toks (which starts zeroed or
 * cleared).  Returns 0, or -1 when out of memory (toks keeps what it had).
 */
int ct_text_tokenize(const char *text, size_t len, struct ct_text_tokens *toks)
	__attribute__((warn_unused_result));

/* Empties toks, keeping its memory. */
void ct_text_tokens_reset(struct ct_text_tokens *toks);

/* Frees toks' memory.  Does nothing for NULL. */
void ct_text_tokens_free(struct ct_text_tokens *toks);

/* True when token i of toks equals word. */
bool ct_text_token_is(const struct ct_text_tokens *toks, size_t i,
		      const char *word);

/*
 * Index of the first occurrence, at or after from, of the phrase given as
 * space-separated lower-case words (e.g. "my name is"), or -1.
 */
long ct_text_find_phrase(const struct ct_text_tokens *toks, size_t from,
			 const char *phrase);

#endif
