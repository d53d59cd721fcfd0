/*
 * Privacy: how the worker applies the redactor (convtrack/redact.h) before
 * anything is stored, logged or dead-lettered.
 *
 * The redactor itself is pure and knows nothing of events or settings.
 * This module builds it from the redact.* settings (with the rule for a
 * missing HMAC key), redacts a parsed event in place (message content, with
 * the spans kept as types and offsets; keyed hashes of an authenticated
 * event's phone and email for recognition), redacts a dead-letter payload
 * on request, and filters log lines.  docs/privacy-redaction.md describes
 * what an operator sees.
 */
#ifndef CONVTRACK_PRIVACY_H
#define CONVTRACK_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>

#include "convtrack/config.h"
#include "convtrack/event.h"
#include "convtrack/hmac.h"
#include "convtrack/redact.h"

/*
 * The key used in hash mode when redact.hash_key is not set and no
 * configuration file was given (scripts/demo.sh, the tests).  It is public,
 * so its hashes protect nothing; the worker logs a warning when it uses it,
 * and refuses it when a configuration file was given.
 */
#define CT_PRIVACY_DEMO_KEY CT_HMAC_DEMO_KEY

/* What ct_privacy_event() redacted, added up over a batch. */
struct ct_privacy_stats {
	size_t messages;                     /* messages with at least one span */
	size_t spans[CT_REDACT_TYPE_COUNT];  /* spans by type */
};

/*
 * Builds the redactor from cfg's redact.* settings into *out; *out is NULL
 * when redact.enabled is false (nothing is redacted).  With email or phone
 * mode "hash" and no redact.hash_key: when from_file (a configuration file
 * was given, as in production) it fails, else it uses CT_PRIVACY_DEMO_KEY
 * and sets *demo_key (may be NULL) so the caller can warn.  Returns 0, or
 * -1 with a message naming the setting in err.
 */
/*
 * The key of every keyed hash the worker and the CLI compute (redaction
 * placeholders, the contact hashes of authenticated events, the erasure
 * denylist): redact.hash_key, or CT_PRIVACY_DEMO_KEY when it is not set,
 * in which case *demo (may be NULL) is set.
 */
const char *ct_privacy_hash_key(const struct ct_config *cfg, bool *demo);

int ct_privacy_redactor_new(const struct ct_config *cfg, bool from_file,
			    struct ct_redact **out, bool *demo_key, char *err,
			    size_t errlen) __attribute__((warn_unused_result));

/*
 * Redacts a valid event in place before it is stored.  A message's content
 * is replaced by its redacted text when something was redacted, and
 * ev->u.message.redactions receives the spans as a JSON array of
 * {"type", "start", "end", "stored_start", "stored_end"} (byte offsets in
 * the original and in the stored text), never values.  An authenticated
 * event gets the keyed hashes of its phone and email (when r has a key and
 * they are a phone number and an email).  Other events are left alone.
 * r NULL does nothing.  stats (may be NULL) is added to.  Returns 0, or -1
 * when out of memory or libcrypto fails (ev is then unchanged).
 */
int ct_privacy_event(const struct ct_redact *r, struct ct_event *ev,
		     struct ct_privacy_stats *stats)
	__attribute__((warn_unused_result));

/*
 * Redacts a dead-letter payload (len bytes) into *out (malloc'd, *outlen
 * bytes).  A payload that is one JSON document stays one: every string
 * value is redacted (keys are kept), and a number that redacts to
 * something else (a card number sent as a JSON number) becomes a string.
 * Any other payload is redacted as text.  Returns 0, or -1 when out of
 * memory or libcrypto fails.
 */
int ct_privacy_payload(const struct ct_redact *r, const void *payload,
		       size_t len, char **out, size_t *outlen)
	__attribute__((warn_unused_result));

/*
 * A log filter for ct_log_set_filter(): redacts the NUL-terminated line msg
 * (cap bytes of room) in place; arg is the struct ct_redact.  A line that
 * cannot be redacted (out of memory) is replaced by a notice.
 */
void ct_privacy_log_filter(void *arg, char *msg, size_t cap);

#endif
