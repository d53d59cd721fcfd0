#!/usr/bin/env python3
"""Generate deploy/sample/events.jsonl, the demo input for convtrack.

Twelve voice-banking conversations with the fictional Zimbabwean bank
"Msasa Bank", spread over one week starting 2026-11-02T08:00:00Z, as Kafka
records for `ct-kafka produce`: one JSON object per line,

    {"topic": "<topic>", "key": "<session_id>", "value": "<payload JSON>"}

The payloads follow shared/contract/EVENTS.md section 2.  The output is
reproducible: ids are UUIDv5 of descriptive names, timing jitter comes from a
fixed seed, and the base time is fixed.

    python3 deploy/sample/make_sample.py            # (re)write events.jsonl
    python3 deploy/sample/make_sample.py --check    # only validate the file
    python3 deploy/sample/make_sample.py -o FILE    # write elsewhere

Python 3 standard library only.
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import uuid
from collections import Counter, defaultdict

SEED = 20261102
BASE = dt.datetime(2026, 11, 2, 8, 0, 0, tzinfo=dt.timezone.utc)

# Namespace of every id in the sample.  The names start with
# "convtrack-sample:" so they never collide with the worker's own
# "convtrack:..." names (EVENTS.md sections 3 and 4).
SAMPLE_NS = uuid.NAMESPACE_URL
# The product's namespace, used here only to print the expected profile ids.
CONTRACT_NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")

TOPIC_OF = {
    "participant_joined": "participant-joined",
    "message": "message",
    "authenticated": "authenticated",
    "call_ended": "call-ended",
}

SARAH = {
    "username": "sarah.moyo",
    "phone_number": "+263771234567",
    "email": "sarah.moyo@example.com",
}

# A marker inside a transcript: the `authenticated` event happens here.
AUTH = object()

# ---------------------------------------------------------------------------
# The conversations.  Transcripts alternate, starting with the assistant
# unless noted.  `start` is the offset from BASE; `end` is the call_ended
# reason, or None for the call that is left open.
# ---------------------------------------------------------------------------

SESSIONS = [
    {
        "slug": "01-sarah-cardless-withdrawal",
        "scenario": "anonymous device dev-7f3a9c21, caller gives her name "
                    "(Sarah); cardless withdrawal via *236#, banking hours; "
                    "this history later merges into sarah.moyo",
        "start": dt.timedelta(days=0, minutes=3, seconds=12),
        "room": "room-1001", "participant": "web-1001",
        "anonymous_id": "dev-7f3a9c21", "channel": "web",
        "end": "hangup",
        "turns": [
            "Good morning, welcome to Msasa Bank. I'm your virtual assistant. How can I help you today?",
            "Hi, my name is Sarah. I want to send money to my sister so she can withdraw it without a card. How does that work?",
            "Nice to meet you, Sarah. You can do a cardless withdrawal. Dial *236# from your registered number, choose Cardless Withdrawal, enter the amount and your sister's phone number, then confirm with your PIN. She will get an SMS with a one-time code to use at any Msasa Bank ATM.",
            "Okay, star two three six hash. How long is the code valid for?",
            "The code is valid for 24 hours. If it isn't used by then, the money goes back into your account automatically. The maximum is 300 US dollars per withdrawal.",
            "Great. And what time do your branches close today? I might just go in.",
            "Our branches are open Monday to Friday from 8 AM to 3 PM, and on Saturdays from 8 AM to 11:30 AM. They are closed on Sundays and public holidays.",
            "Perfect, thank you so much, that's really helpful.",
            "You're welcome, Sarah! Is there anything else I can help you with?",
            "No, that's all. Bye!",
        ],
    },
    {
        "slug": "02-tendai-balance-statement",
        "scenario": "returning device dev-41b8e0d7, visit 1 of 3 (\"this is "
                    "Tendai\"); balance enquiry, statement; one message is "
                    "delivered twice",
        "start": dt.timedelta(days=0, hours=1, minutes=14, seconds=5),
        "room": "room-1002", "participant": "web-1002",
        "anonymous_id": "dev-41b8e0d7", "channel": "web",
        "end": "hangup",
        "duplicate_seq": 3,
        "turns": [
            "Welcome to Msasa Bank. How can I help you today?",
            "Hello, this is Tendai. I'd like to check my account balance please.",
            "Hi Tendai. For your security I can't read out balances on an unverified call. You can check your balance instantly by dialling *236# and choosing Balance Enquiry, or in the Msasa Mobile app under Accounts.",
            "Does the USSD balance check cost anything?",
            "A balance enquiry on *236# costs 5 US cents, and it is free in the mobile app.",
            "Okay. I also need a bank statement for the last three months for a visa application.",
            "You can request one in the app under Accounts, Statements. Choose the date range and it is emailed to you as a PDF within a few minutes. If the embassy needs a bank-stamped copy, any branch can print one for 2 dollars.",
            "The embassy wants it stamped, so I'll go to the branch. Thanks.",
            "Great. Remember to bring your national ID. Is there anything else?",
            "No, that's it, thanks.",
            "Thank you for calling, Tendai. Goodbye!",
            "Bye.",
        ],
    },
    {
        "slug": "03-pstn-lost-card",
        "scenario": "phone caller with no anonymous_id (profile keyed by "
                    "participant_id pstn-+263772345678); lost card blocked, "
                    "replacement, PIN; overlaps session 02 in time",
        "start": dt.timedelta(days=0, hours=1, minutes=14, seconds=48),
        "room": "room-1003", "participant": "pstn-+263772345678",
        "anonymous_id": None, "channel": "pstn",
        "end": "hangup",
        "turns": [
            "Thank you for calling Msasa Bank. How may I help you?",
            "I think I lost my debit card at the supermarket this morning. I need to block it right now.",
            "I'm sorry to hear that. You can block it immediately: dial *236#, choose Cards, then Block Card, and confirm with your PIN. Or in the app, go to Cards and tap Freeze. Once it is blocked nobody can use it.",
            "Okay, I've done it on star two three six, it says the card is blocked. How do I get a new one?",
            "Good, the card is now blocked. Visit any branch with your national ID for a replacement card. The replacement fee is 5 dollars and the card is issued on the spot.",
            "Will I need a new PIN as well?",
            "Yes. The new card comes with a temporary PIN by SMS, and the ATM asks you to change it the first time you use it. If you ever forget your PIN, you can reset it on *236# under Cards, Reset PIN.",
            "Alright, thank you.",
            "You're welcome. Is there anything else I can help with?",
            "No. Bye.",
        ],
    },
    {
        "slug": "04-undefined-exchange-rates-small-talk",
        "scenario": "anonymous_id \"undefined\" (placeholder: per-session "
                    "profile session:<session_id>); exchange rates, small "
                    "talk; messages carry no message_id; ends by timeout",
        "start": dt.timedelta(days=1, hours=2, minutes=5, seconds=31),
        "room": "room-1004", "participant": "web-1004",
        "anonymous_id": "undefined", "channel": "web",
        "end": "timeout",
        "no_message_id": True,
        "turns": [
            "Hello and welcome to Msasa Bank. How can I help?",
            "Hi. What's the exchange rate today, US dollar to ZiG?",
            "Today's indicative rates are 26.85 ZiG per US dollar when we buy and 27.40 when we sell. Rates are updated every morning at 9 and may change during the day.",
            "And the rand?",
            "For the South African rand we buy at 1.45 ZiG and sell at 1.52 ZiG per rand today.",
            "Okay. By the way, are you a real person? You sound very natural.",
            "I'm a virtual assistant, but thank you! I'm here around the clock for your banking questions.",
            "Haha, nice. Is it hot in Harare today?",
            "I don't have live weather information, I'm afraid, but I can help with anything about your accounts, cards or payments.",
            "Fair enough. Hold on, let me find my card...",
            "Of course, take your time. I'll be here.",
        ],
    },
    {
        "slug": "05-sarah-login-transfer-other-bank",
        "scenario": "device dev-7f3a9c21 again; Sarah logs in (authenticated "
                    "sarah.moyo, +263771234567, sarah.moyo@example.com): the "
                    "device's anonymous profile and session 01 merge into her "
                    "account; ZIPIT transfer to another bank",
        "start": dt.timedelta(days=1, hours=4, minutes=20, seconds=8),
        "room": "room-1005", "participant": "web-1005",
        "anonymous_id": "dev-7f3a9c21", "channel": "web",
        "end": "hangup",
        "turns": [
            "Good afternoon, welcome back to Msasa Bank. How can I help you?",
            "Hi, it's Sarah again. I want to send money to my brother. He banks with a different bank.",
            "I can help with that, Sarah. To make a transfer I first need you to sign in. Please approve the sign-in request I've just sent to your Msasa Mobile app.",
            "Okay, I've approved it.",
            AUTH,
            "Thank you, you're now signed in. For a transfer to another bank you can use ZIPIT, which is instant for up to 1,000 dollars, or RTGS for larger amounts, which arrive the same business day. Which would you like?",
            "ZIPIT please, 150 dollars to his account at Zambezi Bank.",
            "Got it: 150 dollars by ZIPIT. The fee is 1 dollar, plus the 2 percent transfer tax of 3 dollars. Please confirm the account ending in 4471, in the name of Farai Moyo.",
            "Yes, that's correct. Go ahead.",
            "Done. 150 dollars has been sent to Farai Moyo, reference ZP2611031422. He should receive it within a minute.",
            "Thank you, that was quick!",
            "My pleasure, Sarah. Anything else today?",
            "No, that's all, bye.",
        ],
    },
    {
        "slug": "06-tendai-app-crash-wants-agent",
        "scenario": "returning device dev-41b8e0d7, visit 2 of 3; frustrated "
                    "caller, mobile app crashes, asks for a human agent; "
                    "call ends with reason transfer",
        "start": dt.timedelta(days=1, hours=23, minutes=40, seconds=2),
        "room": "room-1006", "participant": "web-1006",
        "anonymous_id": "dev-41b8e0d7", "channel": "web",
        "end": "transfer",
        "turns": [
            "Welcome to Msasa Bank. How can I help you today?",
            "Hi, it's Tendai. Your mobile app keeps crashing every time I try to log in. Since yesterday!",
            "I'm sorry about that, Tendai. Please make sure the app is updated to the latest version from the Play Store or App Store, then clear the app's cache and try again.",
            "I already updated it. Twice. It still crashes on the login screen.",
            "Thanks for trying that. Some Android users had an issue after yesterday's update. Please uninstall the app, restart your phone and install it again. Your accounts and settings won't be affected.",
            "This is ridiculous. I need to pay school fees today and I can't get into my account.",
            "I understand this is urgent. In the meantime you can pay school fees on *236# under Payments, Bill Payments, School Fees.",
            "I don't want another workaround. Can I please just speak to a real person?",
            "Of course. I'm transferring you to one of our customer care agents now. Your reference number is CC-55812. Please hold.",
            "Fine.",
        ],
    },
    {
        "slug": "07-rudo-fraud-report",
        "scenario": "anonymous device dev-c03e5b88 (\"my name is Rudo\"); "
                    "fraud report, card blocked, dispute logged; mentions a "
                    "scammer's number (not her own)",
        "start": dt.timedelta(days=2, hours=5, minutes=5, seconds=47),
        "room": "room-1007", "participant": "web-1007",
        "anonymous_id": "dev-c03e5b88", "channel": "web",
        "end": "hangup",
        "turns": [
            "Good afternoon, Msasa Bank. How can I help you?",
            "Hello, my name is Rudo. I got an SMS saying 80 dollars was taken from my account at an online shop, and I never made that payment.",
            "Thank you for telling us, Rudo. That looks like a fraudulent transaction. First let's protect your account: please block your card now on *236#, Cards, Block Card, or in the app under Cards, Freeze.",
            "Okay, blocked. Also, someone called me yesterday pretending to be from the bank and asked for my OTP. The number was +263784555210.",
            "Please never share your PIN or one-time passwords with anyone; the bank will never ask for them. I've noted the number that called you and logged a dispute for the 80 dollar payment, reference FR-20931. Our fraud team will contact you within 48 hours.",
            "Will I get my money back?",
            "If the investigation confirms the payment was unauthorised, the 80 dollars will be refunded to your account, usually within 10 business days.",
            "Okay. Thank you for the help.",
            "You're welcome, Rudo. Please visit a branch with your ID for a replacement card. Stay safe.",
            "Bye.",
        ],
    },
    {
        "slug": "08-sarah-anonymous-again-loan",
        "scenario": "device dev-7f3a9c21 a third time, anonymous again (no "
                    "authenticated event): attributed to sarah.moyo through "
                    "the merge; personal loan application",
        "start": dt.timedelta(days=3, hours=1, minutes=10, seconds=19),
        "room": "room-1008", "participant": "web-1008",
        "anonymous_id": "dev-7f3a9c21", "channel": "web",
        "end": "hangup",
        "turns": [
            "Welcome to Msasa Bank. How can I help you today?",
            "Hello, Sarah here. I'm interested in a personal loan. What do I need to apply?",
            "Hi Sarah. Personal loans are for customers whose salary is paid into a Msasa Bank account. You'll need your national ID, your last three payslips, a three-month bank statement and a letter from your employer.",
            "What's the interest rate, and how much can I borrow?",
            "You can borrow up to six times your net monthly salary, repaid over up to 36 months. The current rate on US dollar loans is 14 percent a year, and there is a 2 percent arrangement fee.",
            "Can I apply online or do I have to go to the branch?",
            "You can apply in the Msasa Mobile app under Loans, Apply, and upload your documents there. A loan officer will call you within two business days.",
            "Okay, I'll do it tonight. Thanks.",
            "Good luck with your application, Sarah. Goodbye!",
            "Bye.",
        ],
    },
    {
        "slug": "09-fees-hangs-up-midway",
        "scenario": "anonymous device dev-9d2e6f14; asks about fees and hangs "
                    "up mid-way (unresolved)",
        "start": dt.timedelta(days=3, hours=3, minutes=45, seconds=55),
        "room": "room-1009", "participant": "web-1009",
        "anonymous_id": "dev-9d2e6f14", "channel": "web",
        "end": "hangup",
        "turns": [
            "Hello, welcome to Msasa Bank. How can I help?",
            "Hi, how much does it cost to withdraw cash at another bank's ATM?",
            "Withdrawing at another bank's ATM costs 2.50 dollars plus 1 percent of the amount. At Msasa Bank ATMs the first four withdrawals each month are free.",
            "And the monthly account fee?",
            "The monthly fee depends on your account type: Classic is 3 dollars a month and Premium is 10 dollars. Which account do you have?",
            "Um, I think it's the... wait, hold on, I have to",
        ],
    },
    {
        "slug": "10-sarah-other-device-gives-number",
        "scenario": "Sarah on a new device dev-e81f0a55, not signed in, gives "
                    "her number +263771234567 (sarah.moyo's phone): a "
                    "recognition candidate (rule 10), not a merge; exchange "
                    "rates, card fees abroad",
        "start": dt.timedelta(days=4, hours=2, minutes=15, seconds=3),
        "room": "room-1010", "participant": "web-1010",
        "anonymous_id": "dev-e81f0a55", "channel": "web",
        "end": "hangup",
        "turns": [
            "Hello, welcome to Msasa Bank. How can I help you today?",
            "Hi, this is Sarah Moyo, I'm on my work computer. I'm travelling to Johannesburg next week. What's your rate for rand?",
            "Hi Sarah. Today we sell rand at 1.52 ZiG per rand, or about 5.6 US cents per rand. You can also use your Msasa Visa card in South Africa; card payments abroad cost 2.5 percent.",
            "Can you make sure my card doesn't get blocked while I'm there?",
            "Travel notices are set in the app under Cards, Travel. If you prefer, an agent can set it up for you by phone. Which number can we reach you on?",
            "You can reach me on +263771234567.",
            "Thank you, Sarah. An agent will call you on that number this afternoon.",
            "Perfect, thanks. Bye.",
        ],
    },
    {
        "slug": "11-tendai-saturday-hours",
        "scenario": "returning device dev-41b8e0d7, visit 3 of 3, on "
                    "Saturday; banking hours, stamped statement; positive",
        "start": dt.timedelta(days=4, hours=22, minutes=41, seconds=26),
        "room": "room-1011", "participant": "web-1011",
        "anonymous_id": "dev-41b8e0d7", "channel": "web",
        "end": "hangup",
        "turns": [
            "Good morning, welcome to Msasa Bank. How can I help you?",
            "Morning, it's Tendai again. Is the Samora Machel Avenue branch open today? It's Saturday.",
            "Yes, Tendai. On Saturdays our branches are open from 8 AM to 11:30 AM, including Samora Machel Avenue.",
            "Great. I need to pick up a stamped statement. Can they do that on a Saturday?",
            "Yes, stamped statements can be printed on Saturdays. Bring your national ID. The fee is 2 dollars for up to three months of transactions.",
            "By the way, the app works again now. Thanks to whoever fixed it.",
            "I'm glad to hear it's working again, and thank you for your patience earlier this week.",
            "No problem. That's all, thanks!",
            "Have a great weekend, Tendai!",
        ],
    },
    {
        "slug": "12-open-pin-reset-no-call-ended",
        "scenario": "anonymous device dev-5a6b7c8d; PIN reset, app locked; "
                    "NO call_ended (left open: the stale sweep ends it)",
        "start": dt.timedelta(days=5, hours=8, minutes=30, seconds=44),
        "room": "room-1012", "participant": "web-1012",
        "anonymous_id": "dev-5a6b7c8d", "channel": "web",
        "end": None,
        "turns": [
            "Good evening, welcome to Msasa Bank. How can I help?",
            "Hi. I forgot my PIN and now the app has locked me out.",
            "No problem. You can reset your PIN by dialling *236#, choosing Cards, then Reset PIN. You'll need your card number and your date of birth. Resetting the PIN also unlocks the app.",
            "It's asking for an OTP but I haven't received any SMS.",
            "The OTP is sent to your registered phone number and can take up to two minutes. If it doesn't arrive, check your network coverage and choose Resend on the screen.",
            "Okay, let me try resend...",
        ],
    },
]

# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------


def sid(name):
    return str(uuid.uuid5(SAMPLE_NS, "convtrack-sample:" + name))


def rfc3339_ms(t):
    """2026-11-02T08:03:12.345Z"""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def ms(rng, lo, hi):
    """A random duration between lo and hi seconds, whole milliseconds."""
    return dt.timedelta(milliseconds=rng.randint(int(lo * 1000), int(hi * 1000)))


def speaking_time(text):
    """Roughly how long the text takes to say: ~2.6 words a second."""
    return len(text.split()) / 2.6


def build(rng):
    """Returns [(occurred_at, order, record)] and the session table."""
    out = []
    table = []
    order = 0

    def emit(s, session_id, etype, t, n, fields):
        nonlocal order
        payload = {
            "event_id": sid("event:%s:%02d-%s" % (s["slug"], n, etype)),
            "event_type": etype,
            "schema_version": 1,
            "occurred_at": rfc3339_ms(t),
            "session_id": session_id,
        }
        payload.update(fields)
        rec = {
            "topic": TOPIC_OF[etype],
            "key": session_id,
            "value": json.dumps(payload, ensure_ascii=False,
                                separators=(",", ":")),
        }
        out.append((t, order, rec, s, etype, fields.get("seq")))
        order += 1

    for s in SESSIONS:
        session_id = sid("session:" + s["slug"])
        t0 = (BASE + s["start"]).replace(microsecond=rng.randint(0, 999) * 1000)
        n = 0
        joined = {"room_id": s["room"], "participant_id": s["participant"]}
        if s["anonymous_id"] is not None:
            joined["anonymous_id"] = s["anonymous_id"]
        meta = {"channel": s["channel"], "locale": "en-ZW"}
        if s["channel"] == "pstn":
            meta["caller_id"] = s["participant"][len("pstn-"):]
        else:
            meta["client"] = "msasa-web/3.4.1"
        joined["metadata"] = meta
        emit(s, session_id, "participant_joined", t0, n, joined)
        n += 1

        t = t0 + ms(rng, 0.8, 2.2)       # the assistant greets first
        seq = 0
        role = "assistant"
        prev_text = ""
        for turn in s["turns"]:
            if turn is AUTH:
                t = t + ms(rng, 2.0, 6.0)  # approving in the app takes a moment
                emit(s, session_id, "authenticated", t, n, dict(SARAH))
                n += 1
                t = t + ms(rng, 0.4, 1.2)
                continue
            if seq > 0:
                gap = (0.9, 2.0) if role == "assistant" else (0.5, 1.6)
                t = t + dt.timedelta(seconds=speaking_time(prev_text)) \
                      + ms(rng, *gap)
                t = t.replace(microsecond=t.microsecond // 1000 * 1000)
            fields = {}
            if not s.get("no_message_id"):
                fields["message_id"] = sid("message:%s:%02d" % (s["slug"], seq))
            fields["role"] = role
            fields["content"] = turn
            fields["seq"] = seq
            emit(s, session_id, "message", t, n, fields)
            n += 1
            seq += 1
            prev_text = turn
            role = "user" if role == "assistant" else "assistant"

        end = None
        if s["end"] is not None:
            tail = dt.timedelta(seconds=speaking_time(prev_text))
            if s["end"] == "timeout":
                tail += ms(rng, 29.5, 31.0)   # silence until the platform gives up
            elif s["end"] == "transfer":
                tail += ms(rng, 1.0, 2.0)
            elif s["slug"].startswith("09-"):
                tail = ms(rng, 0.3, 0.9)      # cut off mid-sentence
            else:
                tail += ms(rng, 1.0, 3.0)
            end = t + tail
            end = end.replace(microsecond=end.microsecond // 1000 * 1000)
            dur = round((end - t0).total_seconds(), 1)
            emit(s, session_id, "call_ended", end, n,
                 {"reason": s["end"], "duration_seconds": dur})
            n += 1
        table.append({"slug": s["slug"], "session_id": session_id,
                      "anonymous_id": s["anonymous_id"],
                      "participant_id": s["participant"],
                      "start": t0, "end": end, "reason": s["end"],
                      "messages": seq, "scenario": s["scenario"],
                      "authenticated": any(x is AUTH for x in s["turns"])})

    # Delivery order: event time, as the platform would publish them.
    out.sort(key=lambda x: (x[0], x[1]))
    lines = [json.dumps(x[2], ensure_ascii=False) for x in out]

    # Redelivery: one message of session 02 arrives a second time, later
    # (an exact copy of its line), right after session 03's call_ended.
    dup_src = next(i for i, x in enumerate(out)
                   if x[3].get("duplicate_seq") is not None
                   and x[4] == "message" and x[5] == x[3]["duplicate_seq"])
    after = next(i for i, x in enumerate(out)
                 if x[3]["slug"].startswith("03-") and x[4] == "call_ended")
    assert after > dup_src
    lines.insert(after + 1, lines[dup_src])
    dup = json.loads(lines[dup_src])
    return lines, table, dup


# ---------------------------------------------------------------------------
# Validation (also run on its own with --check)
# ---------------------------------------------------------------------------

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
REQUIRED = {
    "participant_joined": {"room_id": str, "participant_id": str},
    "message": {"role": str, "content": str},
    "authenticated": {"username": str},
    "call_ended": {},
}


class Invalid(Exception):
    pass


def check_uuid(v, what):
    if not isinstance(v, str):
        raise Invalid("%s is not a string" % what)
    try:
        u = uuid.UUID(v)
    except ValueError:
        raise Invalid("%s is not a UUID: %r" % (what, v))
    if str(u) != v:
        raise Invalid("%s is not a canonical lower-case UUID: %r" % (what, v))


def parse_time(v):
    if not isinstance(v, str) or not RFC3339.match(v):
        raise Invalid("bad occurred_at %r" % (v,))
    return dt.datetime.fromisoformat(v.replace("Z", "+00:00"))


def validate(path):
    """Checks every line; returns a summary dict or raises Invalid."""
    topic_of = TOPIC_OF
    per_topic = Counter()
    seen_lines = Counter()
    event_ids = {}
    message_ids = {}
    sessions = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        raw = f.read().split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    for lineno, line in enumerate(raw, 1):
        where = "%s:%d: " % (path, lineno)
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict) or set(rec) != {"topic", "key", "value"}:
                raise Invalid("record must have exactly topic, key, value")
            if not isinstance(rec["value"], str):
                raise Invalid("value must be a JSON string")
            ev = json.loads(rec["value"])
            if not isinstance(ev, dict):
                raise Invalid("payload is not an object")
            for k, ty in (("event_id", str), ("event_type", str),
                          ("schema_version", int), ("occurred_at", str),
                          ("session_id", str)):
                if k not in ev or not isinstance(ev[k], ty) or \
                        isinstance(ev[k], bool):
                    raise Invalid("missing or mistyped %s" % k)
            et = ev["event_type"]
            if et not in topic_of:
                raise Invalid("unknown event_type %r" % et)
            if topic_of[et] != rec["topic"]:
                raise Invalid("event_type %s on topic %s" % (et, rec["topic"]))
            if ev["schema_version"] != 1:
                raise Invalid("schema_version must be 1")
            check_uuid(ev["event_id"], "event_id")
            check_uuid(ev["session_id"], "session_id")
            if rec["key"] != ev["session_id"]:
                raise Invalid("key is not the session_id")
            if not re.search(r"\.\d{3}Z$", ev["occurred_at"]):
                raise Invalid("occurred_at must be UTC with milliseconds")
            t = parse_time(ev["occurred_at"])
            for k, ty in REQUIRED[et].items():
                if not isinstance(ev.get(k), ty):
                    raise Invalid("missing or mistyped %s" % k)
            if et == "participant_joined":
                if not 1 <= len(ev["room_id"]) <= 256 or \
                        not 1 <= len(ev["participant_id"]) <= 256:
                    raise Invalid("room_id/participant_id length")
                if "anonymous_id" in ev and (
                        not isinstance(ev["anonymous_id"], str)
                        or len(ev["anonymous_id"]) > 256):
                    raise Invalid("bad anonymous_id")
                if "metadata" in ev and (
                        not isinstance(ev["metadata"], dict) or
                        len(json.dumps(ev["metadata"]).encode()) > 16384):
                    raise Invalid("bad metadata")
            elif et == "message":
                if ev["role"] not in ("user", "assistant", "system", "tool"):
                    raise Invalid("bad role")
                if len(ev["content"].encode("utf-8")) > 65536:
                    raise Invalid("content too long")
                if "\x00" in ev["content"]:
                    raise Invalid("NUL in content")
                if "seq" in ev and (not isinstance(ev["seq"], int)
                                    or isinstance(ev["seq"], bool)
                                    or ev["seq"] < 0):
                    raise Invalid("bad seq")
                if "message_id" in ev:
                    check_uuid(ev["message_id"], "message_id")
                mid = ev.get("message_id", ev["event_id"])
                prev = message_ids.setdefault(mid, ev["session_id"])
                if prev != ev["session_id"]:
                    raise Invalid("message_id reused across sessions")
            elif et == "authenticated":
                if not 1 <= len(ev["username"]) <= 256:
                    raise Invalid("bad username")
                if "phone_number" in ev and not re.match(
                        r"^\+[1-9]\d{6,14}$", ev["phone_number"]):
                    raise Invalid("phone_number is not E.164")
                if "email" in ev and not isinstance(ev["email"], str):
                    raise Invalid("bad email")
            elif et == "call_ended":
                if "reason" in ev and ev["reason"] not in (
                        "hangup", "timeout", "error", "transfer"):
                    raise Invalid("bad reason")
                if "duration_seconds" in ev and (
                        not isinstance(ev["duration_seconds"], (int, float))
                        or isinstance(ev["duration_seconds"], bool)
                        or ev["duration_seconds"] < 0):
                    raise Invalid("bad duration_seconds")
        except (ValueError, Invalid) as e:
            raise Invalid(where + str(e))
        seen_lines[line] += 1
        if seen_lines[line] > 1:
            continue                    # the planned redelivery
        if ev["event_id"] in event_ids:
            raise Invalid(where + "event_id reused by a different event")
        event_ids[ev["event_id"]] = lineno
        per_topic[rec["topic"]] += 1
        sessions[ev["session_id"]].append((t, et, ev))

    # Per-session shape.
    open_sessions = []
    for s_id, evs in sessions.items():
        evs.sort(key=lambda x: x[0])
        kinds = [e[1] for e in evs]
        if kinds[0] != "participant_joined" or \
                kinds.count("participant_joined") != 1:
            raise Invalid("session %s: must start with one participant_joined"
                          % s_id)
        if kinds.count("call_ended") > 1:
            raise Invalid("session %s: several call_ended" % s_id)
        if "call_ended" in kinds:
            if kinds[-1] != "call_ended":
                raise Invalid("session %s: events after call_ended" % s_id)
            dur = evs[-1][2]["duration_seconds"]
            real = (evs[-1][0] - evs[0][0]).total_seconds()
            if abs(dur - real) > 0.1:
                raise Invalid("session %s: duration %s vs %s" % (s_id, dur, real))
        else:
            open_sessions.append(s_id)
        msgs = [e[2] for e in evs if e[1] == "message"]
        if [m["seq"] for m in msgs] != list(range(len(msgs))):
            raise Invalid("session %s: seq not 0..n in time order" % s_id)
        for a, b in zip(msgs, msgs[1:]):
            if a["role"] == b["role"]:
                raise Invalid("session %s: roles do not alternate" % s_id)
        if not 6 <= len(msgs) <= 14:
            raise Invalid("session %s: %d messages" % (s_id, len(msgs)))

    dups = sum(c - 1 for c in seen_lines.values())
    return {"lines": len(raw), "per_topic": per_topic,
            "sessions": len(sessions), "open": open_sessions,
            "duplicates": dups,
            "messages": sum(len([e for e in v if e[1] == "message"])
                            for v in sessions.values())}


# ---------------------------------------------------------------------------


def profile_key(row):
    """Rule 1 of EVENTS.md, for the expected-state printout."""
    a = row["anonymous_id"]
    if a is None:
        return row["participant_id"]
    if a.strip().lower() in ("", "anonymous", "null", "undefined", "none",
                             "0", "-1") or set(a.replace("-", "")) <= {"0"}:
        return "session:" + row["session_id"]
    return a


def print_summary(summary, table=None, dup=None):
    print("validated %d lines: %d distinct events, %d duplicate line(s), "
          "%d sessions, %d messages"
          % (summary["lines"], sum(summary["per_topic"].values()),
             summary["duplicates"], summary["sessions"], summary["messages"]))
    for topic in ("participant-joined", "message", "authenticated",
                  "call-ended"):
        print("  %-20s %3d" % (topic, summary["per_topic"][topic]))
    if summary["open"]:
        print("  open sessions (no call_ended): " + ", ".join(summary["open"]))
    if table is None:
        return
    print()
    print("sessions (start UTC, messages, end):")
    for r in table:
        print("  %s  %s  %s  %2d msgs  %-8s  anonymous_id=%s participant=%s%s"
              % (r["slug"][:2], r["session_id"],
                 r["start"].strftime("%a %m-%d %H:%M:%S"), r["messages"],
                 r["reason"] or "(open)",
                 "-" if r["anonymous_id"] is None else r["anonymous_id"],
                 r["participant_id"],
                 "  +authenticated sarah.moyo" if r["authenticated"] else ""))
        print("      " + r["scenario"])
    if dup is not None:
        ev = json.loads(dup["value"])
        print()
        print("duplicate line: %s event_id=%s (session %s, seq %s)"
              % (dup["topic"], ev["event_id"], ev["session_id"], ev["seq"]))
    print()
    print("expected profiles (UUIDv5 per EVENTS.md section 4):")
    keys = {}
    for r in table:
        keys.setdefault(profile_key(r), []).append(r["slug"][:2])
    for k, ss in keys.items():
        pid = uuid.uuid5(CONTRACT_NS, "convtrack:anonymous:" + k)
        print("  anonymous %-45s %s sessions %s" % (k, pid, ",".join(ss)))
    pid = uuid.uuid5(CONTRACT_NS, "convtrack:user:" + SARAH["username"])
    print("  user      %-45s %s" % (SARAH["username"], pid))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=os.path.join(here, "events.jsonl"))
    ap.add_argument("--check", action="store_true",
                    help="only validate the existing output file")
    args = ap.parse_args()
    try:
        if args.check:
            print_summary(validate(args.output))
            return 0
        lines, table, dup = build(random.Random(SEED))
        tmp = args.output + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for line in lines:
                f.write(line + "\n")
        summary = validate(tmp)
        os.replace(tmp, args.output)
        print("wrote " + os.path.relpath(args.output))
        print_summary(summary, table, dup)
        return 0
    except Invalid as e:
        print("invalid: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
