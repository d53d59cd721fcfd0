#!/usr/bin/env python3
"""Scenario generator and independent model of EVENTS.md rules 1-6 (and 11).

This file is deliberately written from the contract (shared/contract/EVENTS.md
sections 2, 4, 5) and the lead's documented choices where the contract is
silent, without looking at the worker's code, so that the integration tests
are an independent check of the worker.

Two halves:

* generate(seed, ...) builds a deterministic list of input events (with exact
  duplicates) exercising shared devices, placeholder anonymous ids,
  participant-keyed sessions, several joins and logins per session, profile
  contact changes, corrected transcripts, equal timestamps, and so on.

* expected_state(events, manual_merges) computes the rows that the tables
  user_profiles, agent_sessions and conversation_messages must hold after
  all the events were applied, in any order, any number of times.

Rows are tuples in a fixed column order (see *_COLUMNS); timestamps are
integers, microseconds since the Unix epoch (UTC).

`python3 model.py --selftest` checks the model on small hand-computed cases.
"""

import hashlib
import hmac
import json
import random
import re
import sys
import uuid

NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")

TOPICS = ("participant_joined", "message", "authenticated", "call_ended")
# Default Kafka topic names of contract section 1, per event type.
TOPIC_NAMES = {
    "participant_joined": "participant-joined",
    "message": "message",
    "authenticated": "authenticated",
    "call_ended": "call-ended",
}

PROFILE_COLUMNS = ("id", "profile_type", "anonymous_id", "username",
                   "phone_number", "email", "merged_into_profile_id",
                   "total_sessions", "total_messages", "first_seen_at",
                   "last_seen_at")
SESSION_COLUMNS = ("session_id", "room_id", "participant_id", "anonymous_id",
                   "profile_id", "started_at", "ended_at", "end_reason",
                   "authenticated_username")
MESSAGE_COLUMNS = ("message_id", "session_id", "role", "content", "seq",
                   "occurred_at")


# --------------------------------------------------------------------------
# Identifiers and time


def anonymous_profile_id(key):
    return str(uuid.uuid5(NAMESPACE, "convtrack:anonymous:" + key))


def user_profile_id(username):
    return str(uuid.uuid5(NAMESPACE, "convtrack:user:" + username))


_PLACEHOLDERS = {"anonymous", "null", "undefined", "none", "0", "-1"}


def is_placeholder(anonymous_id):
    """Rule 1: an anonymous_id that identifies nobody.

    Empty or blank, anonymous/null/undefined/none/0/-1 or all zeros,
    case-insensitive, surrounding white space ignored (lead's choice,
    include/convtrack/ids.h)."""
    s = anonymous_id.strip(" \t\r\n\f\v")
    if s == "":
        return True
    if s.lower() in _PLACEHOLDERS:
        return True
    return set(s) == {"0"}


def anonymous_key(session_id, anonymous_id, participant_id):
    """Rule 1: the key a participant_joined event gives."""
    if anonymous_id is None:
        return participant_id
    if is_placeholder(anonymous_id):
        return "session:" + session_id.lower()
    return anonymous_id


_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))$")


def _days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_ts(text):
    """RFC 3339 timestamp -> integer microseconds since the epoch (UTC)."""
    m = _TS_RE.match(text)
    if not m:
        raise ValueError("bad timestamp %r" % text)
    y, mo, d, hh, mi, ss = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    if len(frac) > 6:
        raise ValueError("more than microsecond precision: %r" % text)
    us = int((frac + "000000")[:6])
    off = 0
    if not m.group(8):
        off = (int(m.group(10)) * 60 + int(m.group(11))) * 60
        if m.group(9) == "-":
            off = -off
    secs = _days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - off
    return secs * 1000000 + us


def format_ts(us, offset_minutes=0, digits=6, zulu=True):
    """Inverse of parse_ts: microseconds -> RFC 3339 text in a given offset.

    digits is the number of fraction digits (0..6); it must represent us
    exactly (callers fall back to 6)."""
    local = us + offset_minutes * 60 * 1000000
    secs, frac = divmod(local, 1000000)
    days, rem = divmod(secs, 86400)
    # civil_from_days (H. Hinnant)
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    y += m <= 2
    hh, rem = divmod(rem, 3600)
    mi, ss = divmod(rem, 60)
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, m, d, hh, mi, ss)
    if digits > 0:
        text += "." + ("%06d" % frac)[:digits]
    if offset_minutes == 0 and zulu:
        text += "Z"
    else:
        sign = "+" if offset_minutes >= 0 else "-"
        a = abs(offset_minutes)
        text += "%s%02d:%02d" % (sign, a // 60, a % 60)
    return text


def fmt_us(us):
    """Human-readable UTC rendering of a microsecond timestamp (reports)."""
    if us is None:
        return None
    return format_ts(us, 0, 6)


# --------------------------------------------------------------------------
# Events


class Event:
    """One Kafka record of an input topic.

    etype   event type, i.e. which of the four input topics it goes to
    key     Kafka key (the session_id as sent)
    value   the payload string exactly as produced
    payload the decoded dict (None for invalid events that are not objects)
    """

    __slots__ = ("etype", "key", "value", "payload")

    def __init__(self, etype, payload=None, key=None, value=None):
        self.etype = etype
        self.payload = payload
        if value is None:
            value = json.dumps(payload, ensure_ascii=False,
                               separators=(",", ":"))
        self.value = value
        if key is None and isinstance(payload, dict):
            key = payload.get("session_id")
        self.key = key

    def __repr__(self):
        return "Event(%s, %s)" % (self.etype, self.value[:200])


def make_event(etype, event_id, session_id, occurred_at, **fields):
    """An event with the contract envelope; fields whose value is None are
    left out."""
    p = {"event_id": event_id, "event_type": etype, "schema_version": 1,
         "occurred_at": occurred_at, "session_id": session_id}
    for k, v in fields.items():
        if v is not None:
            p[k] = v
    return Event(etype, p)


# --------------------------------------------------------------------------
# The model


def _order(ev):
    """Earliest/latest order of the contract: occurred_at, then event_id."""
    return (ev["_us"], ev["event_id"].lower())


def expected_state(events, manual_merges=None, shared_device_policy="history"):
    """Rows of user_profiles, agent_sessions, conversation_messages.

    events: iterable of Event (all valid; duplicates allowed).
    manual_merges: {anonymous_profile_id: authenticated_profile_id} applied
    by an operator with merge_profiles() (rule 11: wins over rule 2), or
    None for an operator's unmerge_profile() (not merged, whatever rule 2
    says).
    shared_device_policy: "history" (rule 2) or "session": a device key
    whose sessions authenticated as two or more users is not merged
    (merge.shared_device_policy, docs/privacy-merges-audit.md).
    Returns {"profiles": [...], "sessions": [...], "messages": [...]},
    each list of tuples sorted by the first column.
    """
    manual_merges = {k.lower(): v.lower() if v else None
                     for k, v in (manual_merges or {}).items()}

    # Rule 5: a second copy of an event changes nothing.
    by_id = {}
    for e in events:
        p = dict(e.payload)
        p["_us"] = parse_ts(p["occurred_at"])
        p["_sid"] = p["session_id"].lower()
        eid = p["event_id"].lower()
        if eid in by_id:
            old = dict(by_id[eid])
            if ({k: v for k, v in old.items() if not k.startswith("_")}
                    != {k: v for k, v in p.items() if not k.startswith("_")}):
                raise ValueError("event_id %s reused with another payload"
                                 % eid)
            continue
        by_id[eid] = p
    evs = sorted(by_id.values(), key=_order)  # event-time order

    sessions = {}  # sid -> dict of event lists by type

    def sess(sid):
        s = sessions.get(sid)
        if s is None:
            s = {t: [] for t in TOPICS}
            s["all"] = []
            sessions[sid] = s
        return s

    for p in evs:
        s = sess(p["_sid"])
        s[p["event_type"]].append(p)
        s["all"].append(p)

    # Messages (rules 5, 6 and the lead's choices).
    msgs = {}  # message_id -> list of events, event-time order
    for p in evs:
        if p["event_type"] != "message":
            continue
        mid = (p.get("message_id") or p["event_id"]).lower()
        msgs.setdefault(mid, []).append(p)
    message_rows = {}
    for mid, lst in msgs.items():
        sids = {p["_sid"] for p in lst}
        if len(sids) != 1:
            raise ValueError("message_id %s used by several sessions" % mid)
        latest = lst[-1]
        seq = None
        for p in lst:
            if "seq" in p:
                seq = p["seq"]
        message_rows[mid] = (mid, lst[0]["_sid"], latest["role"],
                             stored_content(latest["content"]), seq,
                             lst[0]["_us"])

    # Profiles that exist (rule 1).
    anon_keys = set()
    usernames = set()
    for p in evs:
        if p["event_type"] == "participant_joined":
            anon_keys.add(anonymous_key(p["_sid"], p.get("anonymous_id"),
                                        p["participant_id"]))
        elif p["event_type"] == "authenticated":
            usernames.add(p["username"])

    # Per-session key and user.
    skey = {}
    suser = {}
    suser_ev = {}
    for sid, s in sessions.items():
        if s["participant_joined"]:
            j = s["participant_joined"][0]
            skey[sid] = anonymous_key(sid, j.get("anonymous_id"),
                                      j["participant_id"])
        if s["authenticated"]:
            a = s["authenticated"][0]
            suser[sid] = a["username"]
            suser_ev[sid] = a

    # Rule 2 (and 11): merges of anonymous profiles.
    merged = {}
    best = {}
    for sid, key in skey.items():
        if sid in suser_ev:
            a = suser_ev[sid]
            if key not in best or _order(a) < _order(best[key]):
                best[key] = a
    key_users = {}
    for sid, key in skey.items():
        if sid in suser:
            key_users.setdefault(key, set()).add(suser[sid])
    for key, a in best.items():
        if shared_device_policy == "session" and len(key_users[key]) >= 2:
            continue
        merged[anonymous_profile_id(key)] = user_profile_id(a["username"])
    for anon, auth in manual_merges.items():
        if auth is None:
            merged.pop(anon, None)
        else:
            merged[anon] = auth

    # Rule 3: session profile.
    sprofile = {}
    for sid in sessions:
        if sid in suser:
            sprofile[sid] = user_profile_id(suser[sid])
        elif sid in skey:
            a = anonymous_profile_id(skey[sid])
            sprofile[sid] = merged.get(a, a)
        else:
            sprofile[sid] = None

    session_rows = {}
    for sid, s in sessions.items():
        joins = s["participant_joined"]
        ends = s["call_ended"]
        reason = None
        for c in ends:
            if "reason" in c:
                reason = c["reason"]
        session_rows[sid] = (
            sid,
            joins[-1]["room_id"] if joins else None,
            joins[0]["participant_id"] if joins else None,
            skey.get(sid),
            sprofile[sid],
            s["all"][0]["_us"],
            ends[-1]["_us"] if ends else None,
            reason,
            suser.get(sid),
        )

    # Rule 4: stats.
    sess_msgs = {}
    for mid, row in message_rows.items():
        sess_msgs.setdefault(row[1], set()).add(mid)

    def stats(sids):
        sids = list(sids)
        n_msgs = sum(len(sess_msgs.get(sid, ())) for sid in sids)
        times = [p["_us"] for sid in sids for p in sessions[sid]["all"]]
        return (len(sids), n_msgs, min(times) if times else None,
                max(times) if times else None)

    by_profile = {}
    for sid, pid in sprofile.items():
        if pid is not None:
            by_profile.setdefault(pid, []).append(sid)
    by_key = {}
    for sid, key in skey.items():
        by_key.setdefault(key, []).append(sid)

    # Rule 6: contact details of users.
    phone = {}
    email = {}
    for p in evs:
        if p["event_type"] == "authenticated":
            if "phone_number" in p:
                phone[p["username"]] = p["phone_number"]
            if "email" in p:
                email[p["username"]] = p["email"]

    profile_rows = {}
    for key in anon_keys:
        pid = anonymous_profile_id(key)
        into = merged.get(pid)
        if into is None:
            st = stats(by_profile.get(pid, ()))
        else:
            st = stats(by_key.get(key, ()))
        profile_rows[pid] = (pid, "anonymous", key, None, None, None,
                             into) + st
    for u in usernames:
        pid = user_profile_id(u)
        profile_rows[pid] = (pid, "authenticated", None, u, phone.get(u),
                             email.get(u), None) + stats(
                                 by_profile.get(pid, ()))

    return {
        "profiles": [profile_rows[k] for k in sorted(profile_rows)],
        "sessions": [session_rows[k] for k in sorted(session_rows)],
        "messages": [message_rows[k] for k in sorted(message_rows)],
    }


TABLE_COLUMNS = {"profiles": PROFILE_COLUMNS, "sessions": SESSION_COLUMNS,
                 "messages": MESSAGE_COLUMNS}
_TIME_COLUMNS = {"first_seen_at", "last_seen_at", "started_at", "ended_at",
                 "occurred_at"}


def render_row(table, row):
    """A row as a dict with readable timestamps (for failure reports)."""
    out = {}
    for c, v in zip(TABLE_COLUMNS[table], row):
        if c in _TIME_COLUMNS and v is not None:
            v = "%s (%d)" % (fmt_us(v), v)
        if isinstance(v, str) and len(v) > 120:
            v = v[:100] + "...(%d chars)" % len(v)
        out[c] = v
    return out


def diff_states(expected, actual, limit=20):
    """Human-readable differences between two states ([] when equal)."""
    out = []
    for table in ("profiles", "sessions", "messages"):
        exp = {r[0]: r for r in expected[table]}
        act = {r[0]: r for r in actual[table]}
        for k in sorted(set(exp) | set(act)):
            e, a = exp.get(k), act.get(k)
            if e == a:
                continue
            if len(out) >= limit:
                out.append("... more differences left out")
                return out
            if e is None:
                out.append("%s: unexpected row %s" %
                           (table, render_row(table, a)))
            elif a is None:
                out.append("%s: missing row %s" %
                           (table, render_row(table, e)))
            else:
                cols = [c for c, x, y in zip(TABLE_COLUMNS[table], e, a)
                        if x != y]
                re_ = render_row(table, e)
                ra = render_row(table, a)
                out.append("%s %s: %s" % (table, k, "; ".join(
                    "%s expected %r got %r" % (c, re_[c], ra[c])
                    for c in cols)))
    return out


# --------------------------------------------------------------------------
# Scenario generator

PLACEHOLDER_IDS = ["", " ", "\t", "  \t ", "anonymous", "ANONYMOUS",
                   "Anonymous", "null", "NULL", "Null", "undefined",
                   "Undefined", "none", "None", "NONE", "0", "-1",
                   "00000000", "000", " null "]
ROLES = ("user", "assistant", "system", "tool")
REASONS = ("hangup", "timeout", "error", "transfer")
CONTENTS = [
    "", "Hello", "What is my balance?", "How do I do a cardless withdrawal?",
    "Dial *236# and follow the prompts.", "my number is +263771234567",
    "Thanks, bye!", "Ndatenda", "Café ümlaut ñ 日本語 🙂",
    "line one\nline two\ttab", "quote \" backslash \\ slash /",
    "x" * 700, "  leading and trailing  ", "'single' and ,comma,",
    "emoji 👍🏽 and zero-width\u200bspace", "<script>alert(1)</script>",
]
OFFSETS = (0, 0, 0, 120, -300, 330, 345, -570, 60, -60)

# The worker redacts personal data in message text before storage
# (docs/privacy-redaction.md).  The one such value CONTENTS holds is a phone
# number, which the embedded default (redact.phone_mode hash, no
# redact.hash_key: the public demo key of include/convtrack/privacy.h)
# stores as the first 16 hex digits of HMAC-SHA256(key, E.164 number).
REDACT_DEMO_KEY = b"convtrack-demo-key: public, never use in production"
REDACTED_PHONE = "+263771234567"


def stored_content(content):
    """content as the worker with its defaults stores it."""
    h = hmac.new(REDACT_DEMO_KEY, REDACTED_PHONE.encode(),
                 hashlib.sha256).hexdigest()[:16]
    return content.replace(REDACTED_PHONE, "[PHONE:%s]" % h)


class _Gen:
    def __init__(self, seed):
        self.rnd = random.Random(seed)

    def uuid(self):
        return str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))

    def maybe_upper(self, u, p=0.05):
        return u.upper() if self.rnd.random() < p else u

    def ts(self, us):
        """us rendered in a random offset and precision (same instant)."""
        r = self.rnd
        off = r.choice(OFFSETS)
        digits = r.choice((0, 3, 6, 6, 6))
        if us % (10 ** (6 - digits)) != 0:
            digits = 6
        return format_ts(us, off, digits, zulu=r.random() < 0.8)


def generate(seed, n_sessions=40, n_devices=6, n_users=6, dup_rate=0.10,
             base_us=None, span_s=3 * 86400, tie_rate=0.12):
    """A deterministic scenario: a list of valid Events (with duplicates).

    Message ids are unique per session, so every delivery order is valid
    (no message_id is ever claimed by two sessions)."""
    g = _Gen(seed)
    r = g.rnd
    if base_us is None:
        base_us = parse_ts("2024-03-01T08:00:00Z")
    # Every event lies within [base_us, base_us + span_s + 1 hour).
    devices = ["dev-%d-%s" % (seed, g.uuid()[:8]) for _ in range(n_devices)]
    devices.append("Device With Spaces %d" % seed)
    devices.append("dispositivo-ñ-%d" % seed)
    participants = ["participant-%d-%d" % (seed, i) for i in range(4)]
    users = ["user_%d_%d" % (seed, i) for i in range(n_users)]
    users.append("José.%d" % seed)
    phones = {u: ["+26377%07d" % r.randrange(10 ** 7) for _ in range(3)]
              for u in users}
    emails = {u: ["%s.%d@example.com" % (u.lower().replace(".", "_"), k)
                  for k in range(3)] for u in users}
    rooms = ["room-%d-%d" % (seed, i) for i in range(5)]

    events = []
    for si in range(n_sessions):
        sid = g.uuid()
        t0 = base_us + r.randrange(0, span_s) * 1000000 + \
            r.randrange(0, 1000000)
        times = []

        def t(lo=0, hi=1800):
            # Equal occurred_at now and then, to exercise event_id tie-breaks.
            if times and r.random() < tie_rate:
                v = r.choice(times)
            else:
                v = t0 + r.randrange(lo * 1000000, hi * 1000000)
                if r.random() < 0.3:
                    v -= v % 1000000
            times.append(v)
            return v

        def ev(etype, us, **fields):
            eid = g.uuid()
            if times.count(us) > 1 or r.random() < 0.1:
                # Tied (or some random) events: an id starting with a hex
                # letter in either case, so that comparing event ids
                # without lower-casing them would pick another event.
                eid = r.choice("abcdef") + eid[1:]
                eid = eid.upper() if r.random() < 0.5 else eid
            else:
                eid = g.maybe_upper(eid)
            events.append(make_event(etype, eid, g.maybe_upper(sid, 0.03),
                                     g.ts(us), **fields))

        kind = r.random()
        n_joins = 0 if kind < 0.08 else r.choice((1, 1, 1, 2, 2, 3))
        for _ in range(n_joins):
            mode = r.random()
            if mode < 0.55:
                anon = r.choice(devices)
            elif mode < 0.75:
                anon = None  # participant-keyed session
            else:
                anon = r.choice(PLACEHOLDER_IDS)
            meta = None
            if r.random() < 0.3:
                meta = {"browser": r.choice(("firefox", "chrome")),
                        "n": r.randrange(100), "nested": {"a": [1, 2]}}
            ev("participant_joined", t(0, 120), room_id=r.choice(rooms),
               participant_id=r.choice(participants), anonymous_id=anon,
               metadata=meta)

        n_auth = r.choice((0, 0, 0, 1, 1, 2, 3))
        for _ in range(n_auth):
            u = r.choice(users)
            ev("authenticated", t(30, 900), username=u,
               phone_number=r.choice(phones[u]) if r.random() < 0.6 else None,
               email=r.choice(emails[u]) if r.random() < 0.5 else None)

        n_msgs = r.choice((0, 1, 2, 3, 4, 5, 6, 8))
        for k in range(n_msgs):
            has_mid = r.random() < 0.7
            mid = g.uuid() if has_mid else None
            seq = k if r.random() < 0.6 else None
            # Some messages before the join (lo=0 overlaps joins).
            us = t(0, 1500)
            ev("message", us, message_id=g.maybe_upper(mid) if mid else None,
               role=r.choice(ROLES), content=r.choice(CONTENTS), seq=seq)
            if has_mid:
                for _ in range(r.choice((0, 0, 0, 1, 2))):
                    # Corrected transcript: same message_id, another time
                    # (usually later), new content/role and maybe seq.
                    us2 = us + r.randrange(-5, 60) * 1000000 + \
                        r.randrange(1000000)
                    times.append(us2)
                    ev("message", us2, message_id=g.maybe_upper(mid),
                       role=r.choice(ROLES),
                       content="corrected: " + r.choice(CONTENTS),
                       seq=r.randrange(20) if r.random() < 0.5 else None)

        n_end = r.choice((0, 1, 1, 1, 2))
        for _ in range(n_end):
            ev("call_ended", t(600, 2400),
               reason=r.choice(REASONS) if r.random() < 0.7 else None,
               duration_seconds=(r.choice((0, 12.5, 300, 1800))
                                 if r.random() < 0.5 else None))

    # Exact duplicates: the same record re-sent.
    dups = [e for e in events if r.random() < dup_rate]
    events.extend(Event(e.etype, e.payload, key=e.key, value=e.value)
                  for e in dups)
    return events


def shuffled(events, seed):
    """A copy of events in a random arrival order."""
    out = list(events)
    random.Random(seed).shuffle(out)
    return out


def features(events):
    """Counts of the situations a scenario exercises (to check that the
    generator covers what the tests claim)."""
    st = expected_state(events)
    f = {}
    seen = set()
    dups = 0
    for e in events:
        k = e.payload["event_id"].lower()
        dups += k in seen
        seen.add(k)
    f["exact duplicates"] = dups
    by_s = {}
    for e in events:
        by_s.setdefault(e.payload["session_id"].lower(), []).append(e.payload)
    f["upper-case ids"] = sum(1 for e in events if any(
        isinstance(e.payload.get(k), str) and e.payload[k] != e.payload[k]
        .lower() for k in ("event_id", "session_id", "message_id")))
    f["sessions"] = len(by_s)
    f["sessions without join"] = sum(
        1 for ps in by_s.values()
        if not any(p["event_type"] == "participant_joined" for p in ps))
    f["sessions with several joins"] = sum(
        1 for ps in by_s.values()
        if len({p["event_id"] for p in ps
                if p["event_type"] == "participant_joined"}) > 1)
    f["sessions with logins of different users"] = sum(
        1 for ps in by_s.values()
        if len({p["username"] for p in ps
                if p["event_type"] == "authenticated"}) > 1)
    f["placeholder anonymous_id joins"] = sum(
        1 for e in events if e.etype == "participant_joined"
        and e.payload.get("anonymous_id") is not None
        and is_placeholder(e.payload["anonymous_id"]))
    f["participant-keyed joins"] = sum(
        1 for e in events if e.etype == "participant_joined"
        and "anonymous_id" not in e.payload)
    prof = st["profiles"]
    f["merged anonymous profiles"] = sum(1 for r in prof if r[6])
    f["shared keys (several sessions)"] = sum(
        1 for r in prof if r[1] == "anonymous" and r[7] > 1)
    f["profiles without sessions"] = sum(1 for r in prof if r[7] == 0)
    mids = {}
    for e in events:
        if e.etype == "message":
            mid = (e.payload.get("message_id") or e.payload["event_id"]
                   ).lower()
            mids.setdefault(mid, set()).add(e.payload["event_id"].lower())
    f["corrected messages"] = sum(1 for v in mids.values() if len(v) > 1)
    f["messages without message_id"] = sum(
        1 for e in events if e.etype == "message"
        and "message_id" not in e.payload)
    times = {}
    for e in events:
        k = (e.payload["session_id"].lower(), parse_ts(
            e.payload["occurred_at"]))
        times.setdefault(k, set()).add(e.payload["event_id"].lower())
    f["equal occurred_at in a session"] = sum(
        1 for v in times.values() if len(v) > 1)
    f["call_ended without reason"] = sum(
        1 for e in events if e.etype == "call_ended"
        and "reason" not in e.payload)
    users = {}
    for e in events:
        if e.etype == "authenticated":
            users.setdefault(e.payload["username"], set()).add(
                (e.payload.get("phone_number"), e.payload.get("email")))
    f["users with changing contacts"] = sum(
        1 for v in users.values() if len(v) > 1)
    return f


def describe(events):
    """Short statistics of a scenario (for logs)."""
    n = {t: 0 for t in TOPICS}
    for e in events:
        n[e.etype] += 1
    st = expected_state(events)
    return ("%d events (%s); expect %d profiles, %d sessions, %d messages"
            % (len(events), ", ".join("%s=%d" % kv for kv in n.items()),
               len(st["profiles"]), len(st["sessions"]),
               len(st["messages"])))


# --------------------------------------------------------------------------
# Self-test on hand-computed cases


def _selftest():
    failures = []

    def check(name, got, want):
        if got != want:
            failures.append("%s: got %r want %r" % (name, got, want))

    # Time parsing.
    check("ts Z", parse_ts("1970-01-01T00:00:00Z"), 0)
    check("ts frac", parse_ts("1970-01-01T00:00:01.5Z"), 1500000)
    check("ts offset", parse_ts("2024-05-01T12:00:00+02:00"),
          parse_ts("2024-05-01T10:00:00Z"))
    check("ts neg offset", parse_ts("2024-05-01T04:30:00.000001-05:30"),
          parse_ts("2024-05-01T10:00:00.000001Z"))
    check("ts known", parse_ts("2024-03-01T08:00:00Z"), 1709280000000000)
    for us in (0, 1709280000123456, 951782400000000, -1):
        for off in OFFSETS:
            check("roundtrip %d %d" % (us, off),
                  parse_ts(format_ts(us, off, 6)), us)

    # Placeholders.
    for a in PLACEHOLDER_IDS:
        check("placeholder %r" % a, is_placeholder(a), True)
    for a in ("dev-1", "anonymous1", "00000001", "nullable", "0.0", "x"):
        check("not placeholder %r" % a, is_placeholder(a), False)
    check("uuid5", anonymous_profile_id("dev-1"),
          str(uuid.uuid5(uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
                         "convtrack:anonymous:dev-1")))

    S1 = "11111111-1111-4111-8111-111111111111"
    S2 = "22222222-2222-4222-8222-222222222222"
    S3 = "33333333-3333-4333-8333-333333333333"
    M1 = "aaaaaaaa-0000-4000-8000-000000000001"

    def E(n):
        return "eeeeeeee-0000-4000-8000-%012d" % n

    def T(sec):
        return "2024-01-01T00:00:%02dZ" % sec

    A = anonymous_profile_id("devA")
    U = user_profile_id("alice")
    B = user_profile_id("bob")
    us = parse_ts

    # Case 1: shared device devA with sessions S1 (alice logs in at 10),
    # S2 (bob logs in at 5, and alice at 3... no: bob only) and S3 (anon).
    evs = [
        make_event("participant_joined", E(1), S1, T(1), room_id="r1",
                   participant_id="p1", anonymous_id="devA"),
        make_event("participant_joined", E(2), S1, T(2), room_id="r2",
                   participant_id="p2", anonymous_id="devB"),
        make_event("authenticated", E(3), S1, T(10), username="alice",
                   phone_number="+1"),
        make_event("authenticated", E(4), S1, T(11), username="bob",
                   email="b@x"),
        make_event("message", E(5), S1, T(0), role="user", content="hi",
                   message_id=M1, seq=1),
        make_event("message", E(6), S1, T(20), role="assistant",
                   content="fixed", message_id=M1),
        make_event("participant_joined", E(7), S2, T(3), room_id="r3",
                   participant_id="p3", anonymous_id="devA"),
        make_event("authenticated", E(8), S2, T(12), username="bob",
                   phone_number="+2"),
        make_event("call_ended", E(9), S2, T(30), reason="hangup"),
        make_event("call_ended", E(10), S2, T(31)),
        make_event("participant_joined", E(11), S3, T(4), room_id="r4",
                   participant_id="p4", anonymous_id="devA"),
        make_event("message", E(12), S3, T(5), role="user", content="x"),
    ]
    evs.append(Event(evs[0].etype, evs[0].payload))  # duplicate
    st = expected_state(evs)
    B_dev = anonymous_profile_id("devB")
    want_profiles = sorted([
        # devA: merged into alice (S1's alice at 10 < S2's bob at 12);
        # device history: S1, S2, S3.
        (A, "anonymous", "devA", None, None, None, U, 3, 2, us(T(0)),
         us(T(31))),
        # devB: seen in a non-earliest join only: a profile, no sessions.
        (B_dev, "anonymous", "devB", None, None, None, None, 0, 0, None,
         None),
        # alice: S1 (authenticated) and S3 (anonymous, devA merged).
        (U, "authenticated", None, "alice", "+1", None, None, 2, 2,
         us(T(0)), us(T(20))),
        # bob: S2.
        (B, "authenticated", None, "bob", "+2", "b@x", None, 1, 0, us(T(3)),
         us(T(31))),
    ])
    check("case1 profiles", st["profiles"], want_profiles)
    check("case1 sessions", st["sessions"], sorted([
        (S1, "r2", "p1", "devA", U, us(T(0)), None, None, "alice"),
        (S2, "r3", "p3", "devA", B, us(T(3)), us(T(31)), "hangup", "bob"),
        (S3, "r4", "p4", "devA", U, us(T(4)), None, None, None),
    ]))
    check("case1 messages", st["messages"], sorted([
        (M1, S1, "assistant", "fixed", 1, us(T(0))),
        (E(12), S3, "user", "x", None, us(T(5))),
    ]))

    # Case 2: the late earlier authentication: bob in S2 at 9 beats alice.
    evs2 = evs + [make_event("authenticated", E(13), S2, T(9),
                             username="bob")]
    st2 = expected_state(evs2)
    prof = {r[0]: r for r in st2["profiles"]}
    check("case2 merge", prof[A][6], B)
    check("case2 S3 profile", {r[0]: r for r in st2["sessions"]}[S3][4], B)
    check("case2 bob stats", prof[B][7:9], (2, 1))
    check("case2 alice stats", prof[U][7:9], (1, 1))

    # Case 3: tie on occurred_at: event_id decides (lower-case compare).
    evs3 = [
        make_event("authenticated", "EEEEEEEE-0000-4000-8000-00000000000B",
                   S1, "2024-01-01T02:00:00+02:00", username="x",
                   email="late@x"),
        make_event("authenticated", "eeeeeeee-0000-4000-8000-00000000000a",
                   S1, T(0), username="y", email="early@x"),
    ]
    st3 = expected_state(evs3)
    check("case3 user", st3["sessions"][0][8], "y")
    check("case3 email", {r[3]: r[5] for r in st3["profiles"]},
          {"x": "late@x", "y": "early@x"})

    # Case 4: placeholders, participant keys, no-join sessions.
    evs4 = [
        make_event("participant_joined", E(1), S1, T(1), room_id="r",
                   participant_id="p1", anonymous_id=" NULL "),
        make_event("participant_joined", E(2), S2, T(1), room_id="r",
                   participant_id="p2"),
        make_event("message", E(3), S3, T(1), role="user", content="c"),
    ]
    st4 = expected_state(evs4)
    check("case4 keys", [r[3] for r in st4["sessions"]],
          ["session:" + S1, "p2", None])
    check("case4 profile of no-join", st4["sessions"][2][4], None)
    check("case4 profiles", sorted(r[2] for r in st4["profiles"]),
          sorted(["session:" + S1, "p2"]))

    # Case 5: manual merge wins over rule 2.
    st5 = expected_state(evs, manual_merges={A: B})
    prof = {r[0]: r for r in st5["profiles"]}
    check("case5 merged", prof[A][6], B)
    check("case5 S3", {r[0]: r for r in st5["sessions"]}[S3][4], B)

    # Generator determinism and validity (every event parses, the model
    # accepts every order).
    a = generate(7)
    b = generate(7)
    check("deterministic", [e.value for e in a], [e.value for e in b])
    check("order independent", expected_state(shuffled(a, 1)),
          expected_state(a))

    for f in failures:
        print("FAIL", f)
    print("model selftest: %d failures" % len(failures))
    return not failures


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--selftest":
        sys.exit(0 if _selftest() else 1)
    if len(sys.argv) > 1 and sys.argv[1] == "--describe":
        evs = generate(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
        print(describe(evs))
        for k, v in features(evs).items():
            print("  %-45s %d" % (k, v))
        sys.exit(0)
    print("usage: model.py --selftest | --describe [SEED]", file=sys.stderr)
    sys.exit(2)
