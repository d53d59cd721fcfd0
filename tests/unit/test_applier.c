/*
 * Unit tests of the applier's screening of a batch (pure): redeliveries
 * inside a batch are marked duplicate, a message_id reused under another
 * session is dead-lettered, and invalid records are left alone; a plan
 * made ahead (ct_applier_plan) screens the same way.
 */
#include <string.h>

#include "check.h"
#include "convtrack/applier.h"

static void set_msg(struct ct_event_item *it, const char *event_id,
		    const char *session_id, const char *message_id)
{
	memset(it, 0, sizeof(*it));
	it->valid = true;
	it->ev.type = CT_EVENT_MESSAGE;
	strcpy(it->ev.event_id, event_id);
	strcpy(it->ev.session_id, session_id);
	strcpy(it->ev.u.message.message_id, message_id);
}

#define E1 "00000000-0000-4000-8000-000000000001"
#define E2 "00000000-0000-4000-8000-000000000002"
#define E3 "00000000-0000-4000-8000-000000000003"
#define E4 "00000000-0000-4000-8000-000000000004"
#define S1 "10000000-0000-4000-8000-000000000001"
#define S2 "10000000-0000-4000-8000-000000000002"
#define M1 "20000000-0000-4000-8000-000000000001"
#define M2 "20000000-0000-4000-8000-000000000002"

int main(void)
{
	struct ct_event_item it[6];

	set_msg(&it[0], E1, S1, M1);
	set_msg(&it[1], E1, S1, M1);            /* redelivery of it[0] */
	set_msg(&it[2], E2, S1, M1);            /* correction, same session */
	set_msg(&it[3], E3, S2, M1);            /* same message_id, other session */
	set_msg(&it[4], E4, S2, M2);
	memset(&it[5], 0, sizeof(it[5]));       /* invalid record */
	it[5].dead_letter = true;
	strcpy(it[5].reason, "not_json");

	CHECK(ct_applier_screen(it, 6) == 0);
	CHECK(!it[0].duplicate && !it[0].dead_letter);
	CHECK(it[1].duplicate && !it[1].dead_letter);
	CHECK(!it[2].duplicate && !it[2].dead_letter);
	CHECK(!it[3].duplicate && it[3].dead_letter);
	CHECK_STR(it[3].reason, "message_id_conflict");
	CHECK(!it[4].duplicate && !it[4].dead_letter);
	CHECK(it[5].dead_letter && !it[5].duplicate);
	CHECK_STR(it[5].reason, "not_json");

	/* the same event_id under another type is another event */
	set_msg(&it[0], E1, S1, M1);
	memset(&it[1], 0, sizeof(it[1]));
	it[1].valid = true;
	it[1].ev.type = CT_EVENT_CALL_ENDED;
	strcpy(it[1].ev.event_id, E1);
	strcpy(it[1].ev.session_id, S1);
	CHECK(ct_applier_screen(it, 2) == 0);
	CHECK(!it[0].duplicate && !it[1].duplicate);

	/* a plan, made ahead of the database, screens the batch the same way */
	{
		struct ct_applier_plan *plan = NULL;

		set_msg(&it[0], E1, S1, M1);
		set_msg(&it[1], E1, S1, M1);
		set_msg(&it[2], E3, S2, M1);
		set_msg(&it[3], E4, S2, M2);
		CHECK(ct_applier_plan(it, 4, &plan) == 0);
		CHECK(plan != NULL);
		CHECK(!it[0].duplicate && it[1].duplicate);
		CHECK(it[2].dead_letter && !it[3].dead_letter);
		ct_applier_plan_free(plan);
	}
	return ct_check_done();
}
