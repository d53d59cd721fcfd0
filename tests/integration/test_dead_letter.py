#!/usr/bin/env python3
"""Dead-letter handling (EVENTS.md section 2, "Invalid input").

Every class of invalid input is produced, mixed with valid events, before the
worker starts (so batches hold both).  Each invalid record must reach the
dead-letter topic unchanged (key and value bytes) with the four headers
(convtrack-error non-empty; convtrack-source-topic/-partition/-offset naming
the record), nothing may be written for it, and the valid events must be
applied exactly as the model says.  Then a message_id already stored for one
session is sent for another one.
"""

import json
import os

import ctlib
from ctlib import Builder, TestFailure, Timeline, expect_eq
import model

HEADERS = ("convtrack-error", "convtrack-source-topic",
           "convtrack-source-partition", "convtrack-source-offset")


def _dumps(d):
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


class Bad:
    """One invalid record: etype (which input topic), key, value (str, bytes
    or None), a description and the acceptable reason prefixes (None: any
    non-empty reason)."""

    def __init__(self, etype, key, value, what, reasons=None):
        self.etype, self.key, self.value, self.what = etype, key, value, what
        self.reasons = reasons

    def value_bytes(self):
        if self.value is None:
            return None
        if isinstance(self.value, bytes):
            return self.value
        return self.value.encode()


def invalid_records(b, valid_sessions):
    """The invalid inputs of section 2, one or more per class."""
    out = []
    k = [0]

    def fresh_sid():
        return b.uuid()

    def base(etype, sid=None, t=100, **fields):
        sid = sid or fresh_sid()
        p = {"event_id": b.uuid(), "event_type": etype, "schema_version": 1,
             "occurred_at": b.ts(t + k[0]), "session_id": sid}
        k[0] += 1
        p.update(fields)
        return p

    def good(etype, sid=None, **over):
        f = {"participant_joined": {"room_id": "room-x",
                                    "participant_id": "p-x"},
             "message": {"role": "user", "content": "c"},
             "authenticated": {"username": "victim-user"},
             "call_ended": {"reason": "hangup"}}[etype]
        p = base(etype, sid, **f)
        p.update(over)
        return p

    def add(etype, value, what, reasons=None, key=None, sid=None):
        if key is None:
            if isinstance(value, dict):
                key = value.get("session_id") if isinstance(
                    value.get("session_id"), str) else None
            key = key or sid or fresh_sid()
        if isinstance(value, dict):
            value = _dumps(value)
        out.append(Bad(etype, key, value, what, reasons))

    def drop(p, field):
        del p[field]
        return p

    old = valid_sessions  # sessions that also get valid events
    # Not JSON / not an object / tombstones / not UTF-8.
    add("message", '{"event_id": "x", "event_type": "mess', "truncated JSON",
        ["not_json"])
    add("message", "not json at all", "plain text", ["not_json"])
    add("authenticated", _dumps(good("authenticated")) + " trailing",
        "JSON followed by garbage", ["not_json"])
    add("call_ended", "[1, 2, 3]", "an array", ["not_object"])
    add("call_ended", '"a string"', "a JSON string", ["not_object"])
    add("participant_joined", "42", "a number", ["not_object"])
    add("participant_joined", "null", "JSON null", ["not_object",
                                                    "empty_payload"])
    add("message", None, "tombstone (null value)", ["empty_payload"])
    add("authenticated", "", "tombstone (empty value)", ["empty_payload"])
    bad_utf8 = _dumps(good("message", content="XXXX")).encode().replace(
        b"XXXX", b"\xff\xfe\xc3(")
    add("message", bad_utf8, "invalid UTF-8 in content", ["invalid_utf8"])
    add("participant_joined",
        _dumps(good("participant_joined", room_id="RRRR")).encode().replace(
            b"RRRR", b"\xed\xa0\x80"), "UTF-8 encoded surrogate",
        ["invalid_utf8"])

    # Missing required fields.
    for f in ("event_id", "event_type", "schema_version", "occurred_at",
              "session_id"):
        add("message", drop(good("message", old[0]), f),
            "missing " + f, ["missing_field:" + f], key=old[0])
    for etype, f in (("participant_joined", "room_id"),
                     ("participant_joined", "participant_id"),
                     ("message", "role"), ("message", "content"),
                     ("authenticated", "username")):
        add(etype, drop(good(etype, old[1]), f), "missing " + f,
            ["missing_field:" + f])
    add("participant_joined", good("participant_joined", room_id=None),
        "room_id null", ["missing_field:room_id", "wrong_type:room_id"])

    # Mistyped fields.
    for etype, f, v in (("message", "schema_version", "1"),
                        ("message", "event_id", 12345),
                        ("message", "content", 5),
                        ("message", "seq", "3"),
                        ("message", "seq", 1.5),
                        ("message", "role", ["user"]),
                        ("participant_joined", "anonymous_id", 7),
                        ("participant_joined", "metadata", "not an object"),
                        ("participant_joined", "metadata", [1, 2]),
                        ("participant_joined", "participant_id", True),
                        ("authenticated", "phone_number", 263771234567),
                        ("authenticated", "email", {"a": 1}),
                        ("call_ended", "duration_seconds", "10"),
                        ("call_ended", "reason", 1),
                        ("call_ended", "occurred_at", 1700000000),
                        ("call_ended", "session_id", None)):
        reasons = ["wrong_type:" + f, "invalid_value:" + f]
        if v is None:
            reasons.append("missing_field:" + f)
        add(etype, good(etype, old[2], **{f: v}),
            "%s %s=%r" % (etype, f, v), reasons, key=old[2])

    # Invalid values, also of optional fields.
    for etype, f, v, reasons in (
            ("message", "role", "robot", ["invalid_value:role"]),
            ("message", "seq", -1, ["invalid_value:seq"]),
            ("message", "message_id", "not-a-uuid",
             ["invalid_uuid:message_id"]),
            ("call_ended", "reason", "bored", ["invalid_value:reason"]),
            ("call_ended", "duration_seconds", -0.5,
             ["invalid_value:duration_seconds"]),
            ("authenticated", "username", "", ["invalid_value:username",
                                               "oversize_field:username"]),
            ("participant_joined", "room_id", "", ["invalid_value:room_id"]),
            ("participant_joined", "participant_id", "",
             ["invalid_value:participant_id"])):
        add(etype, good(etype, old[3], **{f: v}),
            "%s %s=%r" % (etype, f, v), reasons, key=old[3])

    # Bad UUIDs.
    for f, v in (("event_id", "123"),
                 ("event_id", "8c497c68-a8c2-4d42-84ef-7febe8e5b46"),
                 ("event_id", "8c497c68a8c24d4284ef7febe8e5b461"),
                 ("session_id", "zzzzzzzz-a8c2-4d42-84ef-7febe8e5b461"),
                 ("session_id", "{8c497c68-a8c2-4d42-84ef-7febe8e5b461}"),
                 ("session_id", "")):
        add("authenticated", good("authenticated", **{f: v}),
            "bad uuid %s=%r" % (f, v), ["invalid_uuid:" + f,
                                       "missing_field:" + f],
            key="bad-uuid-%d" % len(out))

    # Bad timestamps.
    for v in ("2024-01-01T10:00:00", "yesterday", "2024-02-30T00:00:00Z",
              "2024-01-01T25:00:00Z", "2024-01-01T10:00:00+25:00",
              "2024-13-01T00:00:00Z", "", "2024-01-01T10:00Z"):
        add("call_ended", good("call_ended", old[4], occurred_at=v),
            "bad timestamp %r" % v, ["invalid_timestamp:occurred_at"],
            key=old[4])

    # Oversize fields.
    add("message", good("message", old[5], content="x" * 65537),
        "content 64 KiB + 1", ["oversize_field:content"], key=old[5])
    add("message", good("message", old[5], content="é" * 32768 + "x"),
        "content 64 KiB + 1 in UTF-8 bytes", ["oversize_field:content"],
        key=old[5])
    for f in ("room_id", "participant_id", "anonymous_id"):
        add("participant_joined",
            good("participant_joined", old[5], **{f: "z" * 257}),
            "%s of 257 characters" % f, ["oversize_field:" + f], key=old[5])
    add("authenticated", good("authenticated", old[5], username="u" * 257),
        "username of 257 characters", ["oversize_field:username"],
        key=old[5])
    add("participant_joined",
        good("participant_joined", old[5], metadata={"k": "v" * 17000}),
        "metadata over 16 KiB", ["oversize_field:metadata"], key=old[5])

    # Type/topic mismatch, unsupported schema version.
    add("participant_joined", good("message", old[6]),
        "message on the participant-joined topic", ["type_mismatch:message"],
        key=old[6])
    add("call_ended", good("authenticated", old[6]),
        "authenticated on the call-ended topic",
        ["type_mismatch:authenticated"], key=old[6])
    add("message", good("message", old[6], event_type="bogus"),
        "unknown event_type", ["unknown_event_type:bogus",
                               "type_mismatch:bogus"], key=old[6])
    add("message", good("message", old[6], schema_version=2),
        "schema_version 2", ["unsupported_schema_version"], key=old[6])
    add("message", good("message", old[6], schema_version=0),
        "schema_version 0", ["unsupported_schema_version"], key=old[6])

    # Values PostgreSQL cannot store.
    for etype, f in (("message", "content"), ("authenticated", "username"),
                     ("authenticated", "email"),
                     ("participant_joined", "anonymous_id"),
                     ("participant_joined", "room_id")):
        add(etype, good(etype, old[7], **{f: "a\u0000b"}),
            "U+0000 in " + f, ["nul_in_string:" + f], key=old[7])
    add("participant_joined",
        good("participant_joined", old[7], metadata={"k": "a\u0000b"}),
        "U+0000 inside metadata", None, key=old[7])
    add("participant_joined",
        good("participant_joined", old[7], metadata={"a\u0000b": 1}),
        "U+0000 in a metadata key", None, key=old[7])
    # A lone surrogate escape decodes to no Unicode scalar value: it cannot
    # be stored as UTF-8 text without changing it.
    add("message", _dumps(good("message", old[7], content="QQQQ")).replace(
        "QQQQ", "x\\ud800y"), "lone surrogate escape in content", None,
        key=old[7])

    # Hostile input (issue 17): each with its own reason.
    big = _dumps(good("message", old[8], content="c"))
    add("message", big[:-1] + ',"pad":"' + "p" * (256 * 1024) + '"}',
        "record over limits.max_record_bytes (256 KiB)",
        ["oversize_record"], key=old[8])
    add("message", big[:-1] + ',"x":' + "[" * 40 + "]" * 40 + "}",
        "nested 41 levels deep", ["nesting_too_deep"], key=old[8])
    add("participant_joined", _dumps(good("participant_joined", old[8],
                                          metadata={"a": {"b": 1}})).replace(
        '{"b":1}', '{"b":1,"b":2}'), "a key repeated inside metadata",
        ["duplicate_key"], key=old[8])
    add("message", big[:-1] + ',"note":"a\\u0000b"}',
        "U+0000 in an unknown field", ["nul_in_string"], key=old[8])
    add("message", big[:-1] + ',"note":"\\udc00"}',
        "unpaired low surrogate escape in an unknown field",
        ["invalid_utf8"], key=old[8])
    add("message", good("message", old[8], seq=2 ** 63),
        "seq beyond 64 bits", ["invalid_value:seq"], key=old[8])
    add("call_ended", _dumps(good("call_ended", old[8])).replace(
        '"reason"', '"duration_seconds":1e999,"reason"'),
        "duration_seconds overflowing a double",
        ["invalid_value:duration_seconds"], key=old[8])
    add("message", good("message", old[8], schema_version=99),
        "a schema_version the worker does not know",
        ["unsupported_schema_version"], key=old[8])
    add("authenticated", good("authenticated", old[8],
                              occurred_at="2999-01-01T00:00:00Z"),
        "occurred_at a millennium ahead",
        ["future_timestamp:occurred_at"], key=old[8])
    return out


def test_dead_letter_classes():
    b = Builder(2024)
    with ctlib.case("deadletter", partitions=3) as c:
        valid = model.generate(31, n_sessions=10,
                               base_us=ctlib.recent_base_us())
        valid_sessions = sorted({e.payload["session_id"].lower()
                                 for e in valid})
        bad = invalid_records(b, valid_sessions)
        # Interleave: valid and invalid records in the same batches.
        mixed = []
        vi = 0
        for i, x in enumerate(bad):
            mixed.append(x)
            while vi < len(valid) and vi * len(bad) < (i + 1) * len(valid):
                mixed.append(valid[vi])
                vi += 1
        mixed.extend(valid[vi:])
        ctlib.produce_records([(c.topics[x.etype], x.key, x.value)
                               for x in mixed])
        ctlib.log("produced %d invalid and %d valid records" %
                  (len(bad), len(valid)))
        c.start_worker()
        c.wait_caught_up(180)
        tl = Timeline(c)
        tl.delivered = list(valid)
        tl.check("valid events next to invalid ones")
        check_dead_letters(c, bad)

        # A message_id already stored for another session.
        s_other = valid_sessions[0]
        stored = [e for e in valid if e.etype == "message"
                  and e.payload["session_id"].lower() != s_other][0]
        mid = (stored.payload.get("message_id")
               or stored.payload["event_id"]).lower()
        s_new = b.uuid()
        conflict = [
            Bad("message", s_new, _dumps(b.msg(s_new, 5, "stolen id",
                                               message_id=mid).payload),
                "message_id of another session (new session)"),
            Bad("message", s_other, _dumps(b.msg(s_other, 6, "stolen id 2",
                                                 message_id=mid.upper())
                                           .payload),
                "message_id of another session (existing session)"),
        ]
        ctlib.produce_records([(c.topics[x.etype], x.key, x.value)
                               for x in conflict])
        c.wait_caught_up(120)
        tl.check("after message_id conflicts")
        check_dead_letters(c, bad + conflict)
        st = c.dump()
        if any(r[0] == s_new for r in st["sessions"]):
            raise TestFailure("a session row was written for the "
                              "dead-lettered message of session %s" % s_new)
        c.workers[0].check_alive()


def test_conflicts_and_extremes():
    """Two sessions claim one message_id in the same batch: exactly one
    wins, the other is dead-lettered, the worker goes on.  Numbers beyond
    what a column can hold are either stored exactly or dead-lettered, never
    changed or stuck.  Contact formats are only reported."""
    b = Builder(4711)
    with ctlib.case("dlconflict") as c:
        w = c.start_worker()
        tl = Timeline(c)
        base = model.generate(77, n_sessions=4,
                              base_us=ctlib.recent_base_us())
        tl.deliver(base, "base scenario")
        w.stop()
        # Same batch: both records are there before the worker starts.
        sa, sb = b.uuid(), b.uuid()
        mid = b.uuid()
        ma = b.msg(sa, 10, "claimed by a", message_id=mid)
        mb = b.msg(sb, 11, "claimed by b", message_id=mid)
        probes = []
        for v in (2 ** 31 - 1, 2 ** 31, 2 ** 53, 2 ** 63 - 1, 2 ** 63,
                  2 ** 64):
            s = b.uuid()
            probes.append(("seq=%d" % v, b.msg(s, 20, "big seq", seq=v),
                           lambda r, v=v: r["seq"] == v))
        for v in ("1e308", "1e400", "123456789012345678901234567890"):
            s = b.uuid()
            e = b.end(s, 30, reason="hangup", duration=12345)
            e = model.Event("call_ended", e.payload,
                            value=e.value.replace("12345", v))
            probes.append(("duration_seconds=%s" % v, e, None))
        contact = []
        for phone, email in (("0771 234 567", None), ("not a phone", None),
                             (None, "not-an-email"), ("+1", "a@b")):
            s = b.uuid()
            contact.append((phone, email, b.auth(s, 40, "contact-" + s[:8],
                                                 phone=phone, email=email)))
        c.produce([ma, mb] + [p[1] for p in probes] +
                  [x[2] for x in contact])
        c.start_worker({"CONVTRACK_BATCH_MAX_EVENTS": "5000"})
        c.wait_caught_up(120)
        st = c.dump()
        dead = c.dead_letters()
        dead_ids = set()
        for d in dead:
            try:
                dead_ids.add(json.loads(d.value)["event_id"])
            except (ValueError, TypeError, KeyError):
                pass
        msgs = ctlib.rows(st, "messages")
        if mid not in msgs:
            raise TestFailure("message %s claimed by two sessions in one "
                              "batch was stored for neither" % mid)
        winner = ma if msgs[mid]["session_id"] == sa else mb
        loser = mb if winner is ma else ma
        ctlib.log("message_id conflict in one batch: %s kept, other "
                  "dead-lettered: %s" % (
                      "first" if winner is ma else "second",
                      loser.payload["event_id"] in dead_ids))
        if loser.payload["event_id"] not in dead_ids:
            raise TestFailure("the losing claim of message %s was not "
                              "dead-lettered" % mid)
        tl.delivered.append(winner)
        problems = []
        for what, e, ok in probes:
            sid = e.payload["session_id"]
            in_dead = e.payload["event_id"] in dead_ids
            ses = ctlib.rows(st, "sessions")
            ctlib.log("  %-40s %s" % (what, "dead-lettered" if in_dead
                                      else "stored"))
            if in_dead:
                if sid in ses:
                    problems.append("%s: dead-lettered but session written"
                                    % what)
            else:
                tl.delivered.append(e)
                if e.etype == "message":
                    mrow = ctlib.rows(st, "messages").get(
                        e.payload["event_id"])
                    if mrow is None or not ok(mrow):
                        problems.append("%s: neither dead-lettered nor "
                                        "stored exactly (row %r)" %
                                        (what, mrow))
        # The contract: phone_number is E.164, and an optional field that
        # is present must be valid; so these are invalid optional fields.
        for phone, email, e in contact:
            in_dead = e.payload["event_id"] in dead_ids
            ctlib.log("  contact phone=%r email=%r: %s" % (
                phone, email, "dead-lettered" if in_dead else "stored"))
            if not in_dead:
                problems.append("authenticated with phone=%r email=%r was "
                                "stored, not dead-lettered" % (phone, email))
        if problems:
            raise TestFailure("\n  ".join(problems))
        tl.check("after conflicts and extreme values")


def check_dead_letters(c, bad):
    """Every Bad record is in the dead-letter topic exactly once, unchanged,
    with correct headers, and nothing else is."""
    dead = c.dead_letters()
    source = {}
    for etype in model.TOPICS:
        for r in c.dump_input(etype):
            source.setdefault((r.topic, r.key, r.value), []).append(r)
    problems = []
    seen = set()
    reasons = {}
    for x in bad:
        topic = c.topics[x.etype]
        k = (topic, x.key, x.value_bytes())
        src = source.get(k)
        if not src or len(src) != 1:
            raise TestFailure("test setup: %s not found once in %s" %
                              (x.what, topic))
        src = src[0]
        matches = [d for d in dead if d.key == x.key and
                   d.value == x.value_bytes()]
        if len(matches) != 1:
            same_key = [d for d in dead if d.key == x.key]
            problems.append("%s: %d copies in the dead-letter topic (want 1)"
                            "%s" % (x.what, len(matches), "; records with "
                                    "its key: %r" % same_key[:3]
                                    if same_key and not matches else ""))
            continue
        d = matches[0]
        seen.add((d.partition, d.offset))
        h = d.headers
        for name in HEADERS:
            if name not in h:
                problems.append("%s: header %s missing (headers %r)" %
                                (x.what, name, h))
        err = h.get("convtrack-error")
        reasons[x.what] = err
        if not isinstance(err, str) or not err.strip() or len(err) > 200:
            problems.append("%s: bad convtrack-error %r" % (x.what, err))
        elif x.reasons and not any(err.startswith(p) for p in x.reasons):
            problems.append("%s: convtrack-error %r, expected one of %r" %
                            (x.what, err, x.reasons))
        if h.get("convtrack-source-topic") != topic:
            problems.append("%s: source topic %r, want %r" %
                            (x.what, h.get("convtrack-source-topic"), topic))
        if h.get("convtrack-source-partition") != str(src.partition):
            problems.append("%s: source partition %r, want %d" %
                            (x.what, h.get("convtrack-source-partition"),
                             src.partition))
        if h.get("convtrack-source-offset") != str(src.offset):
            problems.append("%s: source offset %r, want %d" %
                            (x.what, h.get("convtrack-source-offset"),
                             src.offset))
    extra = [d for d in dead if (d.partition, d.offset) not in seen]
    for d in extra[:10]:
        problems.append("unexpected dead letter: %r" % d)
    for what, err in reasons.items():
        ctlib.log("  dead letter %-55s %s" % (what[:55], err))
    if problems:
        raise TestFailure("%d dead-letter problems:\n  %s" %
                          (len(problems), "\n  ".join(problems)))
    expect_eq("dead letters", len(dead), len(bad))


def peak_rss_mib(pid):
    """VmHWM of process pid, MiB (its peak resident set so far)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise TestFailure("no VmHWM for pid %d" % pid)


# Peak RSS allowed for the flood: the benchmark's 64 MiB.  Under
# AddressSanitizer (scripts/test.sh sets ASAN_OPTIONS) the worker runs with
# ASan's quarantine of freed blocks off (by default it keeps 256 MiB of
# them, and each record's copy is freed after its batch), and its shadow
# memory and allocator come on top, so the bound there only says that the
# worker does not hold the flood (77 MiB of input).
ASAN = "ASAN_OPTIONS" in os.environ
FLOOD_RSS_MIB = 160 if ASAN else 64


def test_flood_of_large_records():
    """A flood of records of the largest size accepted, and of records just
    over it, mixed: every valid one stored once, every oversize one on the
    dead-letter topic (oversize_record), and the worker's peak RSS within
    FLOOD_RSS_MIB (issue 17)."""
    b = Builder(2025)
    n_valid, n_over = 200, 100
    with ctlib.case("flood", partitions=2) as c:
        recs, sids = [], [b.uuid() for _ in range(10)]
        for i in range(n_valid + n_over):
            sid = sids[i % len(sids)]
            p = {"event_id": b.uuid(), "event_type": "message",
                 "schema_version": 1, "occurred_at": b.ts(100 + i),
                 "session_id": sid, "message_id": b.uuid(),
                 "role": "user", "content": "x" * 65536, "seq": i}
            v = _dumps(p)
            limit = 256 * 1024
            over = i % 3 == 2  # n_over of them
            pad = (limit - len(v) - len(',"pad":""')) + (1 if over else 0)
            v = v[:-1] + ',"pad":"' + "p" * pad + '"}'
            if len(v) != limit + (1 if over else 0):
                raise TestFailure("record of %d bytes" % len(v))
            recs.append((c.topics["message"], sid, v))
        ctlib.produce_records(recs, timeout=300)
        got = len(c.dump_input("message"))
        expect_eq("records on the input topic", got, n_valid + n_over)
        w = c.start_worker({"ASAN_OPTIONS": os.environ["ASAN_OPTIONS"] +
                            ":quarantine_size_mb=0"
                            ":thread_local_quarantine_size_kb=0"}
                           if ASAN else None)
        c.wait_caught_up(600)
        rss = peak_rss_mib(w.proc.pid)
        stored = int(c.sql("SELECT count(*) FROM conversation_messages "
                           "WHERE length(content) = 65536").strip())
        expect_eq("messages stored", stored, n_valid)
        dead = c.dead_letters()
        reasons = sorted({d.headers.get("convtrack-error") for d in dead})
        expect_eq("dead letters", len(dead), n_over)
        expect_eq("their reasons", reasons, ["oversize_record"])
        ctlib.log("flood: %d records of 256 KiB and %d of 256 KiB + 1 byte; "
                  "worker peak RSS %.1f MiB (limit %d)" %
                  (n_valid, n_over, rss, FLOOD_RSS_MIB))
        if rss > FLOOD_RSS_MIB:
            raise TestFailure("worker peak RSS %.1f MiB over %d MiB during "
                              "the flood" % (rss, FLOOD_RSS_MIB))


TESTS = [test_dead_letter_classes, test_conflicts_and_extremes,
         test_flood_of_large_records]

if __name__ == "__main__":
    ctlib.main(TESTS, parallel=2)
