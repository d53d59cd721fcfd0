/*
 * PostgreSQL array literals in text format ('{"a","b",NULL}'), built in a
 * growable buffer.  The repository passes whole columns of a batch as one
 * array parameter each, so a batch costs one statement per table, not one
 * per event.  Private to the repository.
 */
#ifndef CONVTRACK_PGARRAY_H
#define CONVTRACK_PGARRAY_H

#include <stddef.h>
#include <stdint.h>

struct ct_pgarray {
	char *buf;
	size_t len;
	size_t cap;
	size_t count;
	int failed; /* an allocation failed; the literal is unusable */
};

/* Starts an empty array (buf "{}").  No allocation until the first add. */
void ct_pgarray_init(struct ct_pgarray *a);

/* Appends a string element (quoted and escaped); NULL appends SQL NULL. */
void ct_pgarray_add(struct ct_pgarray *a, const char *s);

/* Appends len bytes of s as a string element. */
void ct_pgarray_add_len(struct ct_pgarray *a, const char *s, size_t len);

/* Appends an integer element. */
void ct_pgarray_add_int(struct ct_pgarray *a, int64_t v);

/* Appends a timestamptz element from microseconds since the epoch. */
void ct_pgarray_add_time(struct ct_pgarray *a, int64_t us);

/*
 * The finished literal, valid until the next add or ct_pgarray_free; NULL
 * when an allocation failed.
 */
const char *ct_pgarray_str(struct ct_pgarray *a);

/* Frees the buffer and resets to empty. */
void ct_pgarray_free(struct ct_pgarray *a);

#endif
