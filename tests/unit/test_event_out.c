/*
 * Unit tests of the summary_generated rendering: the value and the whole
 * event, canonical number formatting (including values too large for fixed
 * notation), nulls, topics in taxonomy order, candidates, and the
 * summarizer (in the event, never in the value).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "convtrack/event_out.h"
#include "convtrack/topics.h"

int main(void)
{
	struct ct_summary s;
	struct ct_event_out_candidate cand = { "ce80d278-ee7b-5a81-ba51-d2ea4e2a1809",
					       "phone_number", 0.9 };
	struct ct_event_out_meta m = { "2f1b6c1e-8c1d-4c59-9a53-0d5f5a7d3b11",
				       NULL, NULL, &cand, 1, CT_SUMMARIZER_NAME };
	int hours = ct_topics_find("banking_hours");
	int cardless = ct_topics_find("cardless_withdrawal");
	char *out;

	memset(&s, 0, sizeof(s));
	s.summary = (char *)"User inquired about cardless withdrawal.";
	s.sentiment = "positive";
	s.resolution = "resolved";
	s.message_count = 8;
	s.duration_seconds = 142.5;
	s.primary_intent = "cardless_withdrawal";
	CHECK(hours >= 0 && cardless >= 0);
	s.topics = (UINT64_C(1) << hours) | (UINT64_C(1) << cardless);

	out = ct_event_out_summary(&s, &m, NULL, 0, 0);
	CHECK(out != NULL);
	CHECK(out && strstr(out, "\"event_id\"") == NULL);
	CHECK(out && strstr(out, "\"profile_id\":null,\"profile_type\":null"));
	CHECK(out && strstr(out, "\"user_name\":null,\"primary_intent\":"
			    "\"cardless_withdrawal\",\"authentication_attempted\":false"));
	CHECK(out && strstr(out, "\"match_candidates\":[{\"profile_id\":"
			    "\"ce80d278-ee7b-5a81-ba51-d2ea4e2a1809\",\"signal\":"
			    "\"phone_number\",\"confidence\":0.9}]"));
	CHECK(out && strstr(out, "\"message_count\":8,\"duration_seconds\":142.5}"));
	CHECK(out && strstr(out, "summarizer") == NULL);
	free(out);

	/* the evidence behind the labels, in extracted_info */
	s.sentiment_score = 0.4126;
	s.complaints = 2;
	s.irony = 1;
	s.resolution_rule = "done";
	s.intent_turn = 2;
	s.intent_rules = true;
	s.intent_p = 0.875;
	out = ct_event_out_summary(&s, &m, NULL, 0, 0);
	CHECK(out && strstr(out, "\"evidence\":{\"sentiment\":{\"score\":0.413,"
			    "\"complaints\":2,\"irony\":1},\"resolution\":\"done\","
			    "\"intent\":{\"turn\":2,\"by\":\"rules\",\"p\":0.875}}}"));
	s.primary_intent = NULL;
	s.intent_turn = -1;
	s.intent_rules = false;
	free(out);
	out = ct_event_out_summary(&s, &m, NULL, 0, 0);
	CHECK(out && strstr(out, "\"resolution\":\"done\",\"intent\":null}}"));
	free(out);
	s.primary_intent = "cardless_withdrawal";

	s.duration_seconds = 1e308;
	out = ct_event_out_summary(&s, &m, "8b5a0580-a118-5419-8bf9-ccd4ceb1a6e8",
				   2, 951782400123456LL);
	CHECK(out && strstr(out, "{\"event_id\":\"8b5a0580-a118-5419-8bf9-ccd4ceb1a6e8\","
			    "\"event_type\":\"summary_generated\",\"schema_version\":1,"
			    "\"occurred_at\":\"2000-02-29T00:00:00.123456Z\""));
	CHECK(out && strstr(out, "\"summary_version\":2"));
	CHECK(out && strstr(out, "\"duration_seconds\":1e+308,"
			    "\"summarizer\":\"" CT_SUMMARIZER_NAME "\"}"));
	free(out);
	m.summarizer = NULL;
	out = ct_event_out_summary(&s, &m, "8b5a0580-a118-5419-8bf9-ccd4ceb1a6e8",
				   2, 951782400123456LL);
	CHECK(out && strstr(out, "\"duration_seconds\":1e+308}"));
	free(out);
	m.summarizer = CT_SUMMARIZER_NAME;

	s.duration_seconds = 60;
	out = ct_event_out_summary(&s, &m, NULL, 0, 0);
	CHECK(out && strstr(out, "\"duration_seconds\":60}"));
	free(out);
	return ct_check_done();
}
