/*
 * The banking detector's parsed model, shared by the parser (banking.c) and
 * the scorer (banking_score.c).  Private to src/text.
 *
 * Every key of the model (features, lexicon words, mapped words, guard
 * targets and cues) is one entry of an open-addressing hash table; the
 * entries' extras, the guards, their conditions and the cue links are
 * arrays that entries point into by 1-based index (0 = none).
 */
#ifndef CONVTRACK_BANKING_INT_H
#define CONVTRACK_BANKING_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "convtrack/text.h"

/* Longest key: a bigram of two "~token" units joined by "_". */
#define CT_BANKING_KEY_MAX (2 * (CT_TEXT_TOKEN_MAX + 1) + 1)
#define CT_BANKING_Z_MAX 30.0 /* |z| is clamped, as the trainer does */

#define CT_BANKING_HAS_WEIGHT 0x01u
#define CT_BANKING_HAS_LEX 0x02u
#define CT_BANKING_FORCE 0x04u /* a text with this unit is a query */
#define CT_BANKING_MAP 0x08u   /* the word becomes the unit map_off */
#define CT_BANKING_DROP 0x10u  /* the word is dropped ("map W -") */
#define CT_BANKING_NEG 0x20u   /* the word opens a negation scope */

/*
 * One key of the model: 24 bytes, as scoring looks up two keys a word and
 * the table's size decides how much of it stays in the cache.  What few
 * keys have (a lexicon class, a map, guards, cue links) is in their extra.
 */
struct ct_banking_entry {
	uint32_t off;   /* key in ct_banking.keys; 0 = empty slot */
	uint32_t hash;
	uint16_t len;   /* key length (at most CT_BANKING_KEY_MAX) */
	uint16_t flags; /* CT_BANKING_* */
	uint32_t extra; /* 1-based index into ct_banking.extras; 0 = none */
	double weight;  /* of the feature named key */
};

/* The rarer properties of a key. */
struct ct_banking_extra {
	uint32_t map_off, map_len; /* the unit of a CT_BANKING_MAP word */
	uint32_t guard;            /* first guard with this target (1-based) */
	uint32_t cue;              /* first cue link of this word (1-based) */
	double lexw;               /* of the lexicon class of the word key */
};

/* A condition of a guard: a cue LO..HI words away (or, neg, none). */
struct ct_banking_cond {
	int lo, hi;
	bool neg;
	bool num; /* any number is a cue ("<num>") */
};

/* A guard: conditions [cond, cond + ncond), all of which must hold. */
struct ct_banking_guard {
	uint32_t cond, ncond;
	uint32_t next; /* the target's next guard (1-based) */
};

/* A word is a cue of condition cond. */
struct ct_banking_cue {
	uint32_t cond;
	uint32_t next; /* the word's next link (1-based) */
};

struct ct_banking {
	struct ct_banking_entry *v; /* capacity a power of two */
	size_t mask;
	char *keys; /* key bytes; offset 0 is unused */
	size_t keys_len;
	struct ct_banking_extra *extras;
	struct ct_banking_cond *conds;
	struct ct_banking_guard *guards;
	struct ct_banking_cue *cues;
	size_t nextras, nconds, nguards, ncues;
	size_t extras_cap, conds_cap, guards_cap, cues_cap;
	double *chars; /* weights of the character n-gram buckets, or NULL */
	uint32_t char_min, char_max, char_buckets;
	double char_scale;
	unsigned neg_scope;
	double bias;
	double threshold;
};

/* FNV-1a 32 of len bytes (the table's hash and the n-gram buckets'). */
uint32_t ct_banking_fnv(const char *s, size_t len);

/* The entry of key, or NULL. */
const struct ct_banking_entry *ct_banking_find(const struct ct_banking *b,
					       const char *key, size_t len);

/* The extra of e, or NULL (also for a NULL e). */
static inline const struct ct_banking_extra *
ct_banking_x(const struct ct_banking *b, const struct ct_banking_entry *e)
{
	return e && e->extra ? &b->extras[e->extra - 1] : NULL;
}

#endif
