/*
 * Fuzz target: one Kafka record of an input topic, through everything the
 * worker does to it before PostgreSQL sees it.
 *
 * The first byte picks the topic (its event type, modulo the five), the
 * rest is the payload.  ct_event_parse() (core) parses and validates it;
 * a rejected payload goes the dead-letter way, through the payload filter
 * the pipeline installs (ct_privacy_payload(), redact.dead_letter); a
 * valid event goes through the pipeline's screen (the banking flag of a
 * user's message, ct_privacy_event()) and the applier's plan
 * (ct_applier_plan(): in-batch duplicates and the columns of the batch),
 * twice in one batch so that the redelivery path runs too.
 *
 * The consumer's own checks (oversize_record, future_timestamp) are static
 * in src/kafka/consumer.c and take a librdkafka message, which only
 * librdkafka can build: they are a length and a clock comparison, covered
 * by the integration tests, not here.
 *
 * Besides the sanitizers, the target checks the parser's contract
 * (convtrack/event.h): a reason on rejection, and for an accepted event
 * strings without NUL, content_len equal to the content's length, times
 * that format.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/applier.h"
#include "convtrack/banking.h"
#include "convtrack/config.h"
#include "convtrack/event.h"
#include "convtrack/log.h"
#include "convtrack/privacy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_banking *banking;
static struct ct_redact *redact;

/* A broken promise of the contract: a finding, like a sanitizer report. */
static void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_event: %s\n", what);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ct_config *cfg = NULL;
	char err[256];

	(void)argc;
	(void)argv;
	ct_log_set_level(CT_LOG_ERROR);
	/* the worker's redactor, from the default settings (the demo key) */
	if (ct_config_load(NULL, &cfg, err, sizeof(err)) < 0 ||
	    ct_privacy_redactor_new(cfg, false, &redact, NULL, err,
				    sizeof(err)) < 0 ||
	    ct_banking_new(&banking) < 0) {
		fprintf(stderr, "fuzz_event: cannot start: %s\n", err);
		abort();
	}
	ct_config_free(cfg);
	return 0;
}

/* A rejected record: its reason, then the dead-letter payload filter. */
static void fuzz_rejected(const uint8_t *payload, size_t len,
			  const char *reason)
{
	char *out = NULL;
	size_t outlen = 0;

	if (!reason[0] || strlen(reason) >= CT_EVENT_REASON_MAX)
		fuzz_fail("rejected without a reason");
	if (ct_privacy_payload(redact, payload, len, &out, &outlen) < 0)
		fuzz_fail("ct_privacy_payload failed");
	free(out);
}

static void fuzz_check_string(const char *s)
{
	/* reading it all is the check: ASan sees a missing NUL */
	if (s)
		(void)strlen(s);
}

/* What convtrack/event.h promises of an accepted event. */
static void fuzz_check_event(const struct ct_event *ev)
{
	char when[40];

	if (strlen(ev->event_id) != CT_UUID_STRLEN)
		fuzz_fail("event_id is not a UUID");
	ct_event_format_time(ev->occurred_at_us, when);
	switch (ev->type) {
	case CT_EVENT_PARTICIPANT_JOINED:
		fuzz_check_string(ev->u.joined.room_id);
		fuzz_check_string(ev->u.joined.participant_id);
		fuzz_check_string(ev->u.joined.anonymous_id);
		fuzz_check_string(ev->u.joined.metadata_json);
		break;
	case CT_EVENT_MESSAGE:
		if (!ev->u.message.content ||
		    strlen(ev->u.message.content) != ev->u.message.content_len)
			fuzz_fail("message content and content_len differ");
		break;
	case CT_EVENT_AUTHENTICATED:
		fuzz_check_string(ev->u.auth.username);
		fuzz_check_string(ev->u.auth.phone_number);
		fuzz_check_string(ev->u.auth.email);
		break;
	case CT_EVENT_ERASURE_REQUESTED:
		fuzz_check_string(ev->u.erasure.username);
		fuzz_check_string(ev->u.erasure.requested_by);
		fuzz_check_string(ev->u.erasure.reason);
		break;
	default:
		break;
	}
}

/* The pipeline's screen of one valid item (ct_pipeline_screen()). */
static void fuzz_screen(struct ct_event_item *it)
{
	struct ct_privacy_stats stats = { 0 };

	if (it->ev.type == CT_EVENT_MESSAGE &&
	    it->ev.u.message.role == CT_ROLE_USER) {
		it->ev.u.message.has_banking = true;
		it->ev.u.message.is_banking = ct_banking_is_query(
			banking, it->ev.u.message.content,
			it->ev.u.message.content_len);
	}
	if (ct_privacy_event(redact, &it->ev, &stats) < 0)
		fuzz_fail("ct_privacy_event failed");
	if (it->ev.type == CT_EVENT_MESSAGE)
		fuzz_check_string(it->ev.u.message.redactions);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_event_item items[2];
	struct ct_applier_plan *plan = NULL;
	enum ct_event_type type;
	size_t i;

	if (size < 1)
		return 0;
	type = (enum ct_event_type)(data[0] % CT_EVENT_TYPE_COUNT);
	memset(items, 0, sizeof(items));
	for (i = 0; i < 2; i++) {
		struct ct_event_item *it = &items[i];

		if (ct_event_parse(type, data + 1, size - 1, &it->ev,
				   it->reason) < 0) {
			fuzz_rejected(data + 1, size - 1, it->reason);
			it->dead_letter = true;
			if (i == 0)
				return 0; /* the same bytes, the same verdict */
			fuzz_fail("the same payload parsed once, then not");
		}
		it->valid = true;
		if (it->ev.type != type)
			fuzz_fail("event of another type than its topic's");
		fuzz_check_event(&it->ev);
		fuzz_screen(it);
	}
	if (ct_applier_plan(items, 2, &plan) < 0)
		fuzz_fail("ct_applier_plan failed");
	if (!items[1].duplicate)
		fuzz_fail("a redelivery in the batch is not a duplicate");
	ct_applier_plan_free(plan);
	for (i = 0; i < 2; i++)
		ct_event_clear(&items[i].ev);
	return 0;
}
