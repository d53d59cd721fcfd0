/*
 * Minimal assertion helpers for the unit tests: each CHECK counts a pass or
 * a failure (with file and line), and ct_check_done() prints
 * "N passed, N failed" and returns the process exit code.
 */
#ifndef CONVTRACK_TEST_CHECK_H
#define CONVTRACK_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int ct_check_passed;
static int ct_check_failed;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (cond) {                                                  \
			ct_check_passed++;                                   \
		} else {                                                     \
			ct_check_failed++;                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",         \
				__FILE__, __LINE__, #cond);                  \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *ct_a_ = (a), *ct_b_ = (b);                       \
		if (ct_a_ && ct_b_ && strcmp(ct_a_, ct_b_) == 0) {           \
			ct_check_passed++;                                   \
		} else {                                                     \
			ct_check_failed++;                                   \
			fprintf(stderr, "%s:%d: \"%s\" != \"%s\" (%s)\n",    \
				__FILE__, __LINE__, ct_a_ ? ct_a_ : "(null)", \
				ct_b_ ? ct_b_ : "(null)", #a);               \
		}                                                            \
	} while (0)

static inline int ct_check_done(void)
{
	printf("%d passed, %d failed\n", ct_check_passed, ct_check_failed);
	return ct_check_failed ? 1 : 0;
}

#endif
