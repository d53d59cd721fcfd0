/*
 * Banking question detection (pure: no I/O).
 *
 * Decides whether a caller's message is a question for the bank's knowledge
 * base (balance, transfers, ZIPIT, EcoCash, USSD codes, cards, PIN, loans,
 * statements, fees, branches and hours, ...) or small talk and other
 * subjects, so the assistant searches the knowledge base only for the
 * former.  The worker stores the answer as conversation_messages.
 * is_banking_query for every user message.
 *
 * The detector is a logistic regression over the tokens of
 * ct_text_tokenize(), normalized first (names, relatives and pronouns
 * dropped; numbers, amounts and currencies as placeholders; a bank word in
 * another sense, "the bank of the river", marked; negation scopes), with
 * word, word-pair, bank-lexicon and hashed character n-gram features,
 * trained offline by tools/train_banking.py; its weights and word lists are
 * data/runtime/banking_model.txt, compiled into the binary.  A text of
 * several sentences scores as the best of itself and each sentence.  A
 * text naming one of the bank's own channels (a USSD code such as *236#,
 * ZIPIT, RTGS, EcoCash, cardless, ...) is a query whatever the weights
 * say.  See docs/text-rules-banking.md.
 */
#ifndef CONVTRACK_BANKING_H
#define CONVTRACK_BANKING_H

#include <stdbool.h>
#include <stddef.h>

struct ct_banking;

/*
 * Parses the embedded model.  Returns 0 and sets *out, or -1 (the model is
 * missing or malformed, or out of memory) leaving *out NULL.  The detector
 * is immutable afterwards: any number of threads may score with it
 * concurrently.
 */
int ct_banking_new(struct ct_banking **out)
	__attribute__((warn_unused_result));

/*
 * Like ct_banking_new(), but parses the model in len bytes of text (the
 * format of data/runtime/banking_model.txt): for tests and tools.
 */
int ct_banking_new_from_text(const char *text, size_t len,
			     struct ct_banking **out)
	__attribute__((warn_unused_result));

/* Frees b.  No operation is performed if b is NULL. */
void ct_banking_free(struct ct_banking *b);

/*
 * The probability, in 0..1, that len bytes of text (need not be
 * NUL-terminated) are a banking question; at least the threshold for a
 * text that names one of the bank's own channels.  0 for text without a
 * word (or a NULL b or text), and also when out of memory.
 */
double ct_banking_score(const struct ct_banking *b, const char *text,
			size_t len);

/* True when ct_banking_score() reaches the model's threshold. */
bool ct_banking_is_query(const struct ct_banking *b, const char *text,
			 size_t len);

/* The model's threshold of ct_banking_is_query(). */
double ct_banking_threshold(const struct ct_banking *b);

#endif
