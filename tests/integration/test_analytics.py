#!/usr/bin/env python3
"""Analytics views (sql/003_analytics.sql) on a known scenario.

A scenario small enough to compute by hand (13 sessions over 13 days: three
people who log in, anonymous devices, a device that logs in on its second
call, a caller without a usable fingerprint, a session without a profile;
repeat contacts on a topic within and after 7 days; resolved, escalated,
incomplete and stale calls) goes through the real worker (summaries after
CONVTRACK_SUMMARY_GRACE_MS=300, the stale sweep for the calls that never
end).  Then every analytics_* view must hold exactly the figures that this
file computes from the scenario itself, with the definitions written in the
views' comments (see expected_views()); a table of hand-computed headline
figures (HAND) guards that computation.  A second phase merges an anonymous
device into an account with merge_profiles() (rule 11) and checks every view
again.

The conversations' labels (sentiment, resolution, topics, banking flags) are
part of the scenario: the test first checks that the text rules gave each
session exactly those labels, so a change in the text rules is reported as
such, not as a wrong figure in a view.
"""

import datetime
import decimal
import json
import time
import uuid

import ctlib
from ctlib import TestFailure

NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
FAST = {"CONVTRACK_SUMMARY_GRACE_MS": "300",
        # B3 and X1 never end: the sweep ends them as stale (rule 8).  Every
        # event lies weeks in the past, so "2 s without an event" holds as
        # soon as a session's events are in.
        "CONVTRACK_SESSIONS_STALE_AFTER_S": "2",
        "CONVTRACK_SESSIONS_SWEEP_INTERVAL_S": "1"}

DAY = 86400
WINDOW_S = 7 * DAY   # first-contact resolution: a repeat within 168 hours

# --------------------------------------------------------------------------
# The scenario

Q_BALANCE = "What is my account balance?"
Q_PIN = "I forgot my PIN, how do I reset it?"
Q_RATES = "What's the exchange rate today, US dollar to ZiG?"
THANKS = "Great, thank you so much, that's all I needed."

# template: (turns, sentiment, resolution, topics); a turn is
# (role, text, is_banking_query) with None for assistant turns (the worker
# classifies user messages only).
TEMPLATES = {
    "balance_resolved": ([
        ("user", Q_BALANCE, True),
        ("assistant", "Your current balance is 1,250 dollars and 40 cents.", None),
        ("user", THANKS, False)], "positive", "resolved", {"balance"}),
    "balance_escalated": ([
        ("user", Q_BALANCE, True),
        ("assistant", "Your current balance is 1,250 dollars.", None),
        ("user", "That is wrong. This is ridiculous, I want to speak to a "
                 "real person.", False),
        ("assistant", "Of course, one moment please.", None)],
        "negative", "escalated", {"balance"}),
    "balance_incomplete": ([
        ("user", Q_BALANCE, True),
        ("assistant", "Please log in to the mobile app to see your balance.", None),
        ("user", "This is useless and so frustrating. Forget it.", False)],
        "negative", "incomplete", {"balance"}),
    "balance_stale": ([
        ("user", Q_BALANCE, True),
        ("assistant", "Your current balance is 1,250 dollars.", None)],
        "neutral", "incomplete", {"balance"}),
    "pin_resolved": ([
        ("user", Q_PIN, True),
        ("assistant", "Dial *236#, choose PIN reset and follow the prompts.", None),
        ("user", THANKS, False)], "positive", "resolved", {"pin"}),
    "rates_resolved": ([
        ("user", Q_RATES, True),
        ("assistant", "Today's rate is 13.6 ZiG to the US dollar.", None),
        ("user", THANKS, False)], "positive", "resolved", {"exchange_rates"}),
    "rates_stale": ([
        ("user", Q_RATES, True),
        ("assistant", "Today's rate is 13.6 ZiG to the US dollar.", None)],
        "neutral", "incomplete", {"exchange_rates"}),
    "card_blocked": ([
        ("user", "Please block my card, it was stolen.", True),
        ("assistant", "Your card ending 4421 has been blocked and a "
                      "replacement is on its way.", None)],
        # a theft reported without a word of feeling, then served: the
        # caller's sentiment is neutral (rules-2; rules-1 said negative)
        "neutral", "resolved", {"card_lost_stolen", "card_blocked"}),
}

# name, anonymous_id (None: no participant_joined), username (None: no
# login in this session), day, hour (UTC), template, end reason (None: the
# call never ends, the sweep makes it stale).  Days count from BASE, a UTC
# midnight four weeks ago, so every 7-day window has closed.
SESSIONS = [
    # alice logs in on her first call; her device's later calls are hers
    ("A1", "dev-alice", "alice", 0, 10, "balance_resolved", "hangup"),
    ("A2", "dev-alice", None, 3, 10, "balance_escalated", "transfer"),
    ("A3", "dev-alice", None, 12, 10, "balance_resolved", "hangup"),
    # bob: the same topic again after 8 days (outside the window)
    ("B1", "dev-bob", "bob", 0, 14, "pin_resolved", "hangup"),
    ("B2", "dev-bob", None, 8, 14, "pin_resolved", "hangup"),
    ("B3", "dev-bob", None, 9, 9, "rates_stale", None),
    # carol never logs in; asks again 2 days later
    ("C1", "dev-carol", None, 0, 16, "rates_resolved", "hangup"),
    ("C2", "dev-carol", None, 2, 16, "rates_resolved", "hangup"),
    # dan: one call, two topics
    ("D1", "dev-dan", None, 3, 12, "card_blocked", "hangup"),
    # erin calls anonymously, logs in on her second call 3 days later
    ("E1", "dev-erin", None, 2, 9, "balance_resolved", "hangup"),
    ("E2", "dev-erin", "erin", 5, 9, "balance_incomplete", "hangup"),
    # a caller without a usable fingerprint: key session:<id>
    ("X1", "undefined", None, 3, 18, "balance_stale", None),
    # a session whose participant_joined never came: no profile
    ("Z1", None, None, 5, 11, "balance_resolved", "hangup"),
]

PLACEHOLDERS = {"", "anonymous", "null", "undefined", "none", "0", "-1"}


def base_us():
    now = int(time.time())
    return (now - now % DAY - 28 * DAY) * 1000000


class Session:
    def __init__(self, spec, b):
        (self.name, self.anon, self.user, self.day, self.hour, self.tpl,
         self.end) = spec
        self.sid = b.uuid()
        self.t0 = self.day * DAY + self.hour * 3600      # seconds after BASE
        turns, self.sentiment, resolution, self.topics = TEMPLATES[self.tpl]
        self.turns = turns
        self.resolution = resolution
        if self.end is None and resolution != "incomplete":
            raise AssertionError("a stale session is incomplete (rule 8)")
        if self.anon is None:
            self.key = None
        elif self.anon.strip().lower() in PLACEHOLDERS:
            self.key = "session:" + self.sid
        else:
            self.key = self.anon
        self.messages = len(turns)
        self.user_messages = sum(1 for r, _, _ in turns if r == "user")
        self.banking = sum(1 for r, _, q in turns if r == "user" and q)

    def events(self, b):
        t = self.t0
        evs = []
        if self.anon is not None:
            evs.append(b.join(self.sid, t, anonymous_id=self.anon,
                              participant="p-" + self.name))
        if self.user is not None:
            evs.append(b.auth(self.sid, t + 1, self.user))
        for i, (role, text, _) in enumerate(self.turns):
            evs.append(b.msg(self.sid, t + 2 + 5 * i, text, role=role, seq=i))
        if self.end is not None:
            n = len(self.turns)
            evs.append(b.end(self.sid, t + 2 + 5 * n, reason=self.end,
                             duration=2 + 5 * n))
        return evs


# --------------------------------------------------------------------------
# Expected figures, from the scenario and the views' documented definitions

Q4 = decimal.Decimal("0.0001")


def rate(a, b):
    """round(a::numeric / NULLIF(b, 0), 4), as PostgreSQL computes it."""
    if b == 0:
        return None
    return (decimal.Decimal(a) / decimal.Decimal(b)).quantize(
        Q4, rounding=decimal.ROUND_HALF_UP)


def day_str(base, d):
    return (datetime.datetime.fromtimestamp(base // 1000000,
                                            datetime.timezone.utc) +
            datetime.timedelta(days=d)).strftime("%Y-%m-%d")


def people_of(sessions, overrides):
    """{session name: person} and {person: type}; a person is 'user:<name>'
    or 'anon:<key>' (rules 1-3, 11: a device is merged into the user of its
    earliest login, or the operator's choice)."""
    merged = dict(overrides)
    for s in sorted(sessions, key=lambda s: s.t0):
        if s.user and s.key and s.key not in merged:
            merged[s.key] = s.user
    person = {}
    for s in sessions:
        if s.user:
            person[s.name] = "user:" + s.user
        elif s.key:
            person[s.name] = ("user:" + merged[s.key] if s.key in merged
                              else "anon:" + s.key)
        else:
            person[s.name] = None
    profiles = {"user:" + s.user for s in sessions if s.user}
    profiles |= {"anon:" + s.key for s in sessions
                 if s.key and s.key not in merged}
    ptype = {p: "authenticated" if p.startswith("user:") else "anonymous"
             for p in profiles}
    return person, ptype, merged


def expected_views(sessions, base, overrides):
    person, ptype, merged = people_of(sessions, overrides)
    day = {s.name: day_str(base, s.day) for s in sessions}
    out = {}

    # engagement
    eng = []
    for t in ("anonymous", "authenticated"):
        users = [p for p in ptype if ptype[p] == t]
        mine = [s for s in sessions if person[s.name] in users]
        active = {person[s.name] for s in mine}
        n, m = len(mine), sum(s.messages for s in mine)
        eng.append({"profile_type": t, "users": len(users),
                    "active_users": len(active), "sessions": n,
                    "messages": m,
                    "user_messages": sum(s.user_messages for s in mine),
                    "avg_sessions_per_user": rate(n, len(users)),
                    "avg_messages_per_user": rate(m, len(users))})
    out["analytics_engagement_by_profile_type"] = eng

    # sentiment and resolution per day (every session is summarized)
    sent, res = [], []
    for d in sorted(set(day.values())):
        ss = [s for s in sessions if day[s.name] == d]
        row = {"day": d, "sessions": len(ss)}
        for v in ("positive", "neutral", "negative"):
            row[v] = sum(1 for s in ss if s.sentiment == v)
            row[v + "_rate"] = rate(row[v], len(ss))
        sent.append(row)
        row = {"day": d, "sessions": len(ss)}
        for v in ("resolved", "escalated", "incomplete"):
            row[v] = sum(1 for s in ss if s.resolution == v)
            row[v + "_rate"] = rate(row[v], len(ss))
        res.append(row)
    out["analytics_daily_sentiment"] = sent
    out["analytics_daily_resolution"] = res

    # topic outcomes
    topics = []
    for t in sorted({t for s in sessions for t in s.topics}):
        ss = [s for s in sessions if t in s.topics]
        row = {"topic": t, "sessions": len(ss)}
        for v in ("positive", "neutral", "negative"):
            row[v] = sum(1 for s in ss if s.sentiment == v)
        row["positive_rate"] = rate(row["positive"], len(ss))
        row["negative_rate"] = rate(row["negative"], len(ss))
        for v in ("resolved", "escalated", "incomplete"):
            row[v] = sum(1 for s in ss if s.resolution == v)
            row[v + "_rate"] = rate(row[v], len(ss))
        topics.append(row)
    out["analytics_topic_outcomes"] = topics

    # banking share
    bank = []
    for d in sorted(set(day.values())):
        ss = [s for s in sessions if day[s.name] == d]
        um = sum(s.user_messages for s in ss)
        bq = sum(s.banking for s in ss)
        bank.append({"day": d, "user_messages": um, "banking_queries": bq,
                     "classified_user_messages": um,
                     "banking_share": rate(bq, um)})
    out["analytics_banking_share"] = bank

    # returning users: a session is a return unless it is its person's first
    order = sorted((s for s in sessions if person[s.name]),
                   key=lambda s: (s.t0, s.sid))
    seen, is_return = set(), {}
    for s in order:
        is_return[s.name] = person[s.name] in seen
        seen.add(person[s.name])
    ret = []
    for d in sorted({day[s.name] for s in order}):
        ss = [s for s in order if day[s.name] == d]
        active = {person[s.name] for s in ss}
        new = {person[s.name] for s in ss if not is_return[s.name]}
        back = {person[s.name] for s in ss if is_return[s.name]}
        ret.append({"day": d, "active_users": len(active),
                    "new_users": len(new), "returning_users": len(back),
                    "returning_rate": rate(len(back), len(active))})
    out["analytics_returning_users"] = ret
    count = {}
    for s in order:
        count[person[s.name]] = count.get(person[s.name], 0) + 1
    overall = []
    for t in ("all", "anonymous", "authenticated"):
        ps = [p for p in count if t == "all" or ptype[p] == t]
        if not ps and t != "all":
            continue
        r = sum(1 for p in ps if count[p] >= 2)
        overall.append({"profile_type": t, "users": len(ps),
                        "returning_users": r, "returning_rate": rate(r, len(ps))})
    out["analytics_returning_users_overall"] = overall

    # conversion: devices (keys) by the day of their first session
    first = {}
    for s in sorted(sessions, key=lambda s: (s.t0, s.sid)):
        if s.key and s.key not in first:
            first[s.key] = s
    conv = []
    for d in sorted({day[f.name] for f in first.values()}):
        keys = [k for k, f in first.items() if day[f.name] == d]
        c = [k for k in keys if k in merged]
        after = [k for k in c if first[k].user is None]
        conv.append({"day": d, "anonymous_profiles": len(keys),
                     "converted": len(c),
                     "conversion_rate": rate(len(c), len(keys)),
                     "converted_after_anonymous_use": len(after),
                     "converted_after_anonymous_use_rate":
                         rate(len(after), len(keys))})
    out["analytics_conversion"] = conv

    # first-contact resolution
    fs = [s for s in sessions if person[s.name] and s.topics]

    def repeated(s, t):
        return any(o is not s and person[o.name] == person[s.name]
                   and t in o.topics and s.t0 <= o.t0 <= s.t0 + WINDOW_S
                   for o in fs)

    def fcr_row(scope, topic, items):
        # items: (resolved, repeated) per counted session
        n = len(items)
        r = sum(1 for a, _ in items if a)
        ok = sum(1 for a, b in items if a and not b)
        return {"scope": scope, "topic": topic, "sessions": n, "resolved": r,
                "repeat_contacts": sum(1 for _, b in items if b),
                "first_contact_resolved": ok, "fcr_rate": rate(ok, n),
                "fcr_of_resolved_rate": rate(ok, r), "provisional": 0}
    fcr = []
    for t in sorted({t for s in fs for t in s.topics}):
        fcr.append(fcr_row("topic", t, [
            (s.resolution == "resolved", repeated(s, t))
            for s in fs if t in s.topics]))
    if fs:
        fcr.append(fcr_row("overall", None, [
            (s.resolution == "resolved", any(repeated(s, t) for t in s.topics))
            for s in fs]))
    out["analytics_first_contact_resolution"] = fcr

    # the headline row
    e = {r["profile_type"]: r for r in eng}
    um = sum(s.user_messages for s in sessions)
    bq = sum(s.banking for s in sessions)
    n = len(sessions)
    allrow = [r for r in overall if r["profile_type"] == "all"][0]
    ov = [r for r in fcr if r["scope"] == "overall"]
    summary = {
        "authenticated_users": e["authenticated"]["users"],
        "anonymous_users": e["anonymous"]["users"],
        "users": e["authenticated"]["users"] + e["anonymous"]["users"],
        "sessions": n, "summarized_sessions": n,
        "messages": sum(s.messages for s in sessions),
        "user_messages": um, "banking_queries": bq,
        "banking_share": rate(bq, um),
        "users_with_sessions": allrow["users"],
        "returning_users": allrow["returning_users"],
        "returning_rate": allrow["returning_rate"],
        "anonymous_profiles": len(first),
        "converted": sum(1 for k in first if k in merged),
        "conversion_rate": rate(sum(1 for k in first if k in merged),
                                len(first)),
        "fcr_sessions": ov[0]["sessions"] if ov else 0,
        "first_contact_resolved": ov[0]["first_contact_resolved"] if ov else 0,
        "fcr_rate": ov[0]["fcr_rate"] if ov else None,
    }
    for v in ("positive", "neutral", "negative"):
        summary[v + "_rate"] = rate(sum(1 for s in sessions
                                        if s.sentiment == v), n)
    for v in ("resolved", "escalated", "incomplete"):
        summary[v + "_rate"] = rate(sum(1 for s in sessions
                                        if s.resolution == v), n)
    out["analytics_summary"] = [summary]
    return out


D = decimal.Decimal
# Headline figures of the scenario, worked out by hand (see SESSIONS):
# people: alice, bob, erin (accounts; dev-alice, dev-bob, dev-erin merged)
# and dev-carol, dev-dan, session:<X1> (anonymous); Z1 has no profile.
HAND = {
    "before": {
        # engagement: accounts 8 sessions (A1-3, B1-3, E1-2), 24 messages
        ("analytics_engagement_by_profile_type", "authenticated"):
            {"users": 3, "sessions": 8, "messages": 24,
             "avg_sessions_per_user": D("2.6667"),
             "avg_messages_per_user": D("8.0000")},
        ("analytics_engagement_by_profile_type", "anonymous"):
            {"users": 3, "sessions": 4, "messages": 10,
             "avg_sessions_per_user": D("1.3333")},
        # day 3: A2 negative escalated, D1 neutral resolved, X1 neutral stale
        ("analytics_daily_sentiment", 3):
            {"sessions": 3, "negative": 1, "neutral": 2,
             "negative_rate": D("0.3333")},
        ("analytics_daily_resolution", 3):
            {"resolved": 1, "escalated": 1, "incomplete": 1},
        # balance: A1 A2 A3 E1 E2 X1 Z1
        ("analytics_topic_outcomes", "balance"):
            {"sessions": 7, "positive": 4, "negative": 2, "resolved": 4,
             "escalated": 1, "incomplete": 2, "resolved_rate": D("0.5714")},
        # day 3: 4 user messages (A2 two, D1 one, X1 one), 3 questions
        ("analytics_banking_share", 3):
            {"user_messages": 4, "banking_queries": 3,
             "banking_share": D("0.7500")},
        # day 2: carol returns (C2), erin is new (E1)
        ("analytics_returning_users", 2):
            {"active_users": 2, "new_users": 1, "returning_users": 1},
        ("analytics_returning_users_overall", "all"):
            {"users": 6, "returning_users": 4, "returning_rate": D("0.6667")},
        # day 0: dev-alice, dev-bob (log in on their first call), dev-carol
        ("analytics_conversion", 0):
            {"anonymous_profiles": 3, "converted": 2,
             "converted_after_anonymous_use": 0},
        ("analytics_conversion", 2):
            {"anonymous_profiles": 1, "converted": 1,
             "converted_after_anonymous_use": 1},
        # balance FCR: only A3 (A1 and E1 repeated within 7 days)
        ("analytics_first_contact_resolution", "balance"):
            {"sessions": 6, "resolved": 3, "repeat_contacts": 2,
             "first_contact_resolved": 1},
        # pin: B1 counts, B2 came 8 days later
        ("analytics_first_contact_resolution", "pin"):
            {"sessions": 2, "first_contact_resolved": 2},
        # overall: A3 B1 B2 C2 D1 of 12 sessions with a profile and a topic
        ("analytics_first_contact_resolution", None):
            {"sessions": 12, "resolved": 8, "first_contact_resolved": 5,
             "fcr_rate": D("0.4167"), "fcr_of_resolved_rate": D("0.6250")},
        ("analytics_summary", None):
            {"sessions": 13, "messages": 37, "user_messages": 23,
             "banking_queries": 13, "positive_rate": D("0.6154"),
             "resolved_rate": D("0.6923"), "conversion_rate": D("0.5000"),
             "fcr_rate": D("0.4167"), "users": 6},
    },
    # after merge_profiles(dev-carol, alice): carol's C1, C2 are alice's
    "after": {
        ("analytics_engagement_by_profile_type", "authenticated"):
            {"users": 3, "sessions": 10, "messages": 30},
        ("analytics_engagement_by_profile_type", "anonymous"):
            {"users": 2, "sessions": 2, "messages": 4,
             "avg_sessions_per_user": D("1.0000")},
        ("analytics_returning_users_overall", "all"):
            {"users": 5, "returning_users": 3, "returning_rate": D("0.6000")},
        ("analytics_conversion", 0):
            {"anonymous_profiles": 3, "converted": 3,
             "converted_after_anonymous_use": 1},
        ("analytics_first_contact_resolution", None):
            {"sessions": 12, "first_contact_resolved": 5},
        ("analytics_summary", None):
            {"users": 5, "converted": 4, "conversion_rate": D("0.6667")},
    },
}

KEYS = {
    "analytics_engagement_by_profile_type": "profile_type",
    "analytics_daily_sentiment": "day",
    "analytics_daily_resolution": "day",
    "analytics_topic_outcomes": "topic",
    "analytics_banking_share": "day",
    "analytics_returning_users": "day",
    "analytics_returning_users_overall": "profile_type",
    "analytics_conversion": "day",
    "analytics_first_contact_resolution": "topic",
    "analytics_summary": None,
}


def check_hand(expected, phase, base):
    """The computed expectation agrees with the hand-worked figures."""
    for (view, key), want in HAND[phase].items():
        if isinstance(key, int):
            key = day_str(base, key)
        k = KEYS[view]
        rows = [r for r in expected[view] if k is None or r[k] == key]
        if len(rows) != 1:
            raise TestFailure("test bug: %s has %d rows for %r" %
                              (view, len(rows), key))
        for col, v in want.items():
            if rows[0][col] != v:
                raise TestFailure("test bug (%s): expected_views gives %s.%s "
                                  "= %r for %r, worked out by hand %r" %
                                  (phase, view, col, rows[0][col], key, v))


# --------------------------------------------------------------------------
# Reading the database


def view_rows(db, view, tz="UTC"):
    """Every row of view as dicts (numerics as Decimal), read with the
    database session in time zone tz."""
    out = ctlib.psql(db, "SET TimeZone = '%s'; SELECT coalesce(json_agg(v), "
                     "'[]') FROM %s v" % (tz, view)).strip()
    if not out.startswith("SET\n"):        # psql prints both results
        raise TestFailure("unexpected psql output: %r" % out[:200])
    return json.loads(out[4:], parse_float=decimal.Decimal)


def sort_rows(view, rows):
    k = KEYS[view]
    if k is None:
        return rows
    return sorted(rows, key=lambda r: (r.get("scope") or "",
                                       "" if r[k] is None else r[k]))


def compare_views(db, expected, phase, tz="UTC"):
    errors = []
    for view in KEYS:
        got = sort_rows(view, view_rows(db, view, tz))
        want = sort_rows(view, expected[view])
        if got == want:
            continue
        errors.append("%s (%s, TimeZone %s):\n    got  %s\n    want %s" %
                      (view, phase, tz, got, want))
    if errors:
        raise TestFailure("views differ from the scenario's figures:\n  " +
                          "\n  ".join(errors))


def labels_in_db(c, sessions):
    """{name: (sentiment, resolution, topics, banking flags, ended)}."""
    rows = ctlib.psql_json(c.db, """
        SELECT coalesce(json_object_agg(s.session_id, json_build_array(
                   c.sentiment, c.resolution_status, c.topics,
                   (SELECT coalesce(json_agg(m.is_banking_query
                                    ORDER BY m.seq), '[]')
                      FROM conversation_messages m
                     WHERE m.session_id = s.session_id),
                   s.ended_at IS NOT NULL, s.summary_due_at IS NULL,
                   s.end_reason)), '{}')
          FROM agent_sessions s
          LEFT JOIN conversation_summaries c USING (session_id)""")
    out = {}
    for s in sessions:
        r = rows.get(s.sid)
        if r is None:
            out[s.name] = None
            continue
        out[s.name] = (r[0], r[1], set(r[2] or []), r[3], r[4], r[5], r[6])
    return out


def wanted_labels(s):
    return (s.sentiment, s.resolution, set(s.topics),
            [q for _, _, q in s.turns], True, True,
            s.end if s.end else "stale")


def wait_settled(c, sessions, timeout=120):
    """Waits until every session is ended, summarized with nothing due,
    and labelled as the scenario says; fails naming the differences."""
    deadline = time.time() + timeout
    while True:
        c.wait_caught_up(60)
        got = labels_in_db(c, sessions)
        diffs = ["%s: got %r, want %r" % (s.name, got[s.name],
                                         wanted_labels(s))
                 for s in sessions if got[s.name] != wanted_labels(s)]
        if not diffs:
            n = ctlib.psql(c.db, "SELECT count(*) FROM conversation_summaries"
                           ).strip()
            if n == str(len(sessions)):
                return
            diffs = ["%s summaries, want %d" % (n, len(sessions))]
        if time.time() > deadline:
            raise TestFailure(
                "the sessions did not settle as the scenario says within "
                "%ss (sentiment, resolution, topics, is_banking_query per "
                "message, ended, nothing due, end_reason); if the text rules "
                "changed, update TEMPLATES:\n  %s" % (timeout,
                                                      "\n  ".join(diffs)))
        time.sleep(0.5)


# --------------------------------------------------------------------------
# Tests


def test_empty_database():
    """Every view answers on an empty database; the summary is one row of
    zeros and NULL rates (no division by zero)."""
    with ctlib.case("analytics-empty") as c:
        for view in KEYS:
            rows = view_rows(c.db, view)
            if view == "analytics_summary":
                want = [{"authenticated_users": 0, "anonymous_users": 0,
                         "users": 0, "sessions": 0, "summarized_sessions": 0,
                         "messages": 0, "user_messages": 0,
                         "banking_queries": 0, "banking_share": None,
                         "positive_rate": None, "neutral_rate": None,
                         "negative_rate": None, "resolved_rate": None,
                         "escalated_rate": None, "incomplete_rate": None,
                         "users_with_sessions": 0, "returning_users": 0,
                         "returning_rate": None, "anonymous_profiles": 0,
                         "converted": 0, "conversion_rate": None,
                         "fcr_sessions": 0, "first_contact_resolved": 0,
                         "fcr_rate": None}]
            elif view == "analytics_engagement_by_profile_type":
                want = [{"profile_type": t, "users": 0, "active_users": 0,
                         "sessions": 0, "messages": 0, "user_messages": 0,
                         "avg_sessions_per_user": None,
                         "avg_messages_per_user": None}
                        for t in ("anonymous", "authenticated")]
            elif view == "analytics_returning_users_overall":
                want = [{"profile_type": "all", "users": 0,
                         "returning_users": 0, "returning_rate": None}]
            else:
                want = []
            ctlib.expect_eq(view + " on an empty database",
                            sort_rows(view, rows), sort_rows(view, want))
        undocumented = ctlib.psql(c.db, """
            SELECT string_agg(relname, ' ') FROM pg_class
             WHERE relkind = 'v' AND relname LIKE 'analytics\\_%'
               AND obj_description(oid, 'pg_class') IS NULL""").strip()
        if undocumented:
            raise TestFailure("views without COMMENT ON VIEW: " + undocumented)


def test_known_scenario():
    base = base_us()
    b = ctlib.Builder(905, base_us=base)
    sessions = [Session(spec, b) for spec in SESSIONS]
    events = []
    for s in sessions:
        events += s.events(b)

    before = expected_views(sessions, base, {})
    check_hand(before, "before", base)
    after = expected_views(sessions, base, {"dev-carol": "alice"})
    check_hand(after, "after", base)

    with ctlib.case("analytics") as c:
        c.start_worker(FAST)
        c.produce(events)
        wait_settled(c, sessions)
        compare_views(c.db, before, "before")
        # the day is the UTC date whatever the session's time zone
        compare_views(c.db, before, "before", tz="Pacific/Kiritimati")
        compare_views(c.db, before, "before", tz="America/Los_Angeles")
        # the design notes' engagement query agrees with the view
        notes = ctlib.psql(c.db, """
            SELECT profile_type, COUNT(*) as total_users,
                   round(AVG(total_sessions), 4), round(AVG(total_messages), 4)
              FROM user_profiles WHERE merged_into_profile_id IS NULL
             GROUP BY profile_type ORDER BY profile_type""").split()
        view = ctlib.psql(c.db, """
            SELECT profile_type, users, avg_sessions_per_user,
                   avg_messages_per_user
              FROM analytics_engagement_by_profile_type
             ORDER BY profile_type""").split()
        ctlib.expect_eq("design notes' engagement query vs the view",
                        notes, view)
        ctlib.log("headline before: %s" %
                  json.dumps(view_rows(c.db, "analytics_summary")[0],
                             default=str))

        # Phase 2: an operator merges carol's device into alice's account.
        carol = str(uuid.uuid5(NS, "convtrack:anonymous:dev-carol"))
        alice = str(uuid.uuid5(NS, "convtrack:user:alice"))
        ctlib.psql(c.db, "SELECT merge_profiles('%s', '%s')" % (carol, alice))
        wait_settled(c, sessions)
        compare_views(c.db, after, "after merge_profiles")
        ctlib.log("headline after merge: %s" %
                  json.dumps(view_rows(c.db, "analytics_summary")[0],
                             default=str))


TESTS = [test_empty_database, test_known_scenario]

if __name__ == "__main__":
    ctlib.main(TESTS)
