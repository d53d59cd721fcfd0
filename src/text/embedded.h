/*
 * Data files compiled into the binary (generated from data/runtime/ by
 * cmake/embed_data.cmake): lexicons and model weights of the text rules.
 */
#ifndef CONVTRACK_EMBEDDED_H
#define CONVTRACK_EMBEDDED_H

#include <stddef.h>

/*
 * The contents of data/runtime/<name>, NUL-terminated, and its length in
 * *len (may be NULL); NULL when there is no such file.  Valid for the
 * program's lifetime.
 */
const char *ct_embedded_get(const char *name, size_t *len);

#endif
