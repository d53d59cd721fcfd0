#!/usr/bin/env python3
"""Focused integration tests of EVENTS.md rules 1-6 and 11.

Each test has its own database, topics and consumer group and one worker.
Events are delivered in phases chosen to be awkward (later events first,
the earliest authentication last, ...); after every phase the whole database
must equal the independent model (model.py), and the facts the rule is
about are asserted explicitly as well.
"""

import json

import ctlib
from ctlib import Builder, Timeline, TestFailure, expect_eq, rows
import model

A = model.anonymous_profile_id
U = model.user_profile_id


def test_rule1_keys_and_placeholders():
    """Rule 1: the key comes from the earliest participant_joined;
    placeholder anonymous_ids give session:<session_id>."""
    b = Builder(101)
    with ctlib.case("rule1") as c:
        c.start_worker()
        tl = Timeline(c)
        dev = "dev-" + b.uuid()[:8]
        s_dev, s_part, s_multi = b.uuid(), b.uuid(), b.uuid()
        placeholders = ["", " ", "\t", "anonymous", "ANONYMOUS", "Null",
                        "NULL", "undefined", "Undefined", "none", "NONE",
                        "0", "-1", "00000000", " null "]
        lookalikes = ["anonymous-1", "nullable", "00000001", "-10", "0.0",
                      "none of them"]
        ph_sessions = [b.uuid() for _ in placeholders]
        lk_sessions = [b.uuid() for _ in lookalikes]
        s_upper = b.uuid()
        evs = [
            b.join(s_dev, 10, anonymous_id=dev, participant="p-dev"),
            b.join(s_part, 10, participant="p-only-" + s_part[:8]),
            # A later join with another device comes first.
            b.join(s_multi, 50, room="room-late", anonymous_id="dev-late-" +
                   s_multi[:8], participant="p-late"),
            # Placeholder in an upper-case session id: the key uses the
            # lower-case session UUID.
            b.ev("participant_joined", s_upper.upper(), 5, room_id="r",
                 participant_id="p-up", anonymous_id="None"),
        ]
        evs += [b.join(s, 10, anonymous_id=a, participant="p-ph")
                for s, a in zip(ph_sessions, placeholders)]
        evs += [b.join(s, 10, anonymous_id=a, participant="p-lk")
                for s, a in zip(lk_sessions, lookalikes)]
        st = tl.deliver(evs, "rule 1, phase 1")
        ses = rows(st, "sessions")
        expect_eq("device key", ses[s_dev]["anonymous_id"], dev)
        expect_eq("device profile", ses[s_dev]["profile_id"], A(dev))
        expect_eq("participant key", ses[s_part]["anonymous_id"],
                  "p-only-" + s_part[:8])
        for s, a in zip(ph_sessions, placeholders):
            expect_eq("placeholder %r key" % a, ses[s]["anonymous_id"],
                      "session:" + s)
            expect_eq("placeholder %r profile" % a, ses[s]["profile_id"],
                      A("session:" + s))
        for s, a in zip(lk_sessions, lookalikes):
            expect_eq("look-alike %r key" % a, ses[s]["anonymous_id"], a)
        expect_eq("upper-case session key", ses[s_upper]["anonymous_id"],
                  "session:" + s_upper)
        prof = rows(st, "profiles")
        expect_eq("anonymous profile row", prof[A(dev)]["profile_type"],
                  "anonymous")
        expect_eq("anonymous profile key", prof[A(dev)]["anonymous_id"], dev)

        # Now the earlier join (another device, a placeholder-free one)
        # arrives: the key moves to it; the room stays the latest one.
        early = "dev-early-" + s_multi[:8]
        st = tl.deliver([b.join(s_multi, 20, room="room-early",
                                anonymous_id=early, participant="p-early")],
                        "rule 1, phase 2 (earlier join arrives late)")
        ses = rows(st, "sessions")
        expect_eq("key after earlier join", ses[s_multi]["anonymous_id"],
                  early)
        expect_eq("participant after earlier join",
                  ses[s_multi]["participant_id"], "p-early")
        expect_eq("room after earlier join", ses[s_multi]["room_id"],
                  "room-late")
        expect_eq("profile after earlier join", ses[s_multi]["profile_id"],
                  A(early))
        # An even earlier join with a placeholder: key session:<id>.
        st = tl.deliver([b.join(s_multi, 1, room="room-first",
                                anonymous_id="undefined",
                                participant="p-first")],
                        "rule 1, phase 3 (earliest join is a placeholder)")
        expect_eq("key after placeholder join",
                  rows(st, "sessions")[s_multi]["anonymous_id"],
                  "session:" + s_multi)


def test_rule2_late_earlier_authentication():
    """Rule 2: an anonymous profile is merged into the user of the session
    with the earliest authentication among its sessions; a late-arriving
    earlier authentication re-points the merge and the sessions."""
    b = Builder(202)
    with ctlib.case("rule2") as c:
        c.start_worker()
        tl = Timeline(c)
        dev = "shared-device-" + b.uuid()[:8]
        s1, s2, s3, s4 = (b.uuid() for _ in range(4))
        alice, bob, carol, dave = ("alice-" + s1[:6], "bob-" + s1[:6],
                                   "carol-" + s1[:6], "dave-" + s1[:6])
        evs = [
            b.join(s1, 1, anonymous_id=dev), b.auth(s1, 100, alice),
            b.msg(s1, 101, "hi from alice"),
            b.join(s2, 2, anonymous_id=dev), b.auth(s2, 200, bob),
            b.msg(s2, 201, "hi from bob"),
            b.join(s3, 3, anonymous_id=dev), b.msg(s3, 301, "anonymous"),
            # A session with an authentication but no join: no key, so it
            # takes no part in any merge.
            b.auth(s4, 0.5, dave), b.msg(s4, 5, "dave without join"),
        ]
        st = tl.deliver(evs, "rule 2, phase 1")
        prof, ses = rows(st, "profiles"), rows(st, "sessions")
        expect_eq("merged into alice", prof[A(dev)]["merged_into_profile_id"],
                  U(alice))
        expect_eq("anonymous row stays anonymous",
                  prof[A(dev)]["profile_type"], "anonymous")
        expect_eq("s3 -> alice", ses[s3]["profile_id"], U(alice))
        expect_eq("s2 -> bob", ses[s2]["profile_id"], U(bob))
        expect_eq("s4 -> dave", ses[s4]["profile_id"], U(dave))
        for u in (alice, bob, dave):
            expect_eq("%s never merged" % u,
                      prof[U(u)]["merged_into_profile_id"], None)

        # carol logs in on s2 earlier than alice on s1 (delivered late):
        # s2's user becomes carol and the device merges into carol.
        st = tl.deliver([b.auth(s2, 50, carol)],
                        "rule 2, phase 2 (earlier authentication arrives)")
        prof, ses = rows(st, "profiles"), rows(st, "sessions")
        expect_eq("merged into carol", prof[A(dev)]["merged_into_profile_id"],
                  U(carol))
        expect_eq("s2 user", ses[s2]["authenticated_username"], carol)
        expect_eq("s2 -> carol", ses[s2]["profile_id"], U(carol))
        expect_eq("s3 -> carol", ses[s3]["profile_id"], U(carol))
        expect_eq("bob has no sessions left", prof[U(bob)]["total_sessions"],
                  0)

        # Same instant as carol's login (written in another offset), on s1:
        # the event_id decides.
        carol_ev = tl.delivered[-1].payload["event_id"]
        low = "00000000-0000-4000-8000-" + carol_ev[-12:]
        if low >= carol_ev:
            raise TestFailure("test setup: event id not lower")
        st = tl.deliver([b.auth(s1, b.ts(50, offset_minutes=-330), alice,
                                event_id=low)],
                        "rule 2, phase 3 (tie on occurred_at)")
        prof, ses = rows(st, "profiles"), rows(st, "sessions")
        expect_eq("tie won by lower event_id",
                  prof[A(dev)]["merged_into_profile_id"], U(alice))
        expect_eq("s3 -> alice again", ses[s3]["profile_id"], U(alice))


def test_rule2_key_move_unmerges():
    """Rule 2 is a function of the events: when a late, earlier join moves
    the only authenticated session of a key to another key, the first key's
    anonymous profile is no longer merged (and the second one is)."""
    b = Builder(222)
    with ctlib.case("rule2move") as c:
        c.start_worker()
        tl = Timeline(c)
        s1, s2 = b.uuid(), b.uuid()
        k1, k2 = "phone-a-" + s1[:8], "laptop-b-" + s1[:8]
        ivy = "ivy-" + s1[:6]
        st = tl.deliver([
            b.join(s1, 50, anonymous_id=k1), b.auth(s1, 60, ivy),
            b.msg(s1, 61, "hello"),
            b.join(s2, 70, anonymous_id=k1), b.msg(s2, 71, "anonymous"),
        ], "key move, phase 1")
        prof, ses = rows(st, "profiles"), rows(st, "sessions")
        expect_eq("k1 merged into ivy", prof[A(k1)]["merged_into_profile_id"],
                  U(ivy))
        expect_eq("s2 -> ivy", ses[s2]["profile_id"], U(ivy))
        st = tl.deliver([b.join(s1, 10, anonymous_id=k2)],
                        "key move, phase 2 (s1 now belongs to k2)")
        prof, ses = rows(st, "profiles"), rows(st, "sessions")
        expect_eq("s1 key", ses[s1]["anonymous_id"], k2)
        expect_eq("k2 merged into ivy", prof[A(k2)]["merged_into_profile_id"],
                  U(ivy))
        expect_eq("k1 no longer merged",
                  prof[A(k1)]["merged_into_profile_id"], None)
        expect_eq("s2 back on k1", ses[s2]["profile_id"], A(k1))
        expect_eq("k1 stats", (prof[A(k1)]["total_sessions"],
                               prof[A(k1)]["total_messages"]), (1, 1))
        expect_eq("ivy stats", (prof[U(ivy)]["total_sessions"],
                                prof[U(ivy)]["total_messages"]), (1, 1))


def test_rule1_exact_keys_and_usernames():
    """Rule 1: keys and usernames are compared exactly; an anonymous_id and
    a participant_id with the same text are the same key."""
    b = Builder(111)
    with ctlib.case("rule1exact") as c:
        c.start_worker()
        tl = Timeline(c)
        s1, s2, s3, s4, s5 = (b.uuid() for _ in range(5))
        key = "same-text-" + s1[:8]
        st = tl.deliver([
            b.join(s1, 1, anonymous_id=key, participant="p1"),
            b.join(s2, 2, participant=key),  # participant-keyed, same text
            b.join(s3, 3, anonymous_id=key.upper(), participant="p3"),
            b.auth(s4, 4, "Kim"), b.auth(s5, 5, "kim"),
            b.auth(s5, 6, "kim ", email="space@example.com"),
        ], "exact keys")
        prof = rows(st, "profiles")
        expect_eq("shared key sessions", prof[A(key)]["total_sessions"], 2)
        expect_eq("upper-case key is another profile",
                  prof[A(key.upper())]["total_sessions"], 1)
        expect_eq("Kim", prof[U("Kim")]["total_sessions"], 1)
        expect_eq("kim", prof[U("kim")]["total_sessions"], 1)
        expect_eq("'kim ' exists", prof[U("kim ")]["email"],
                  "space@example.com")


def test_rule3_session_profile():
    """Rule 3: NULL without join or authentication; the anonymous profile;
    then the user's profile."""
    b = Builder(303)
    with ctlib.case("rule3") as c:
        c.start_worker()
        tl = Timeline(c)
        s = b.uuid()
        dev = "dev3-" + s[:8]
        user = "erin-" + s[:6]
        st = tl.deliver([b.msg(s, 10, "before anything"), b.end(s, 60)],
                        "rule 3, messages only")
        ses = rows(st, "sessions")
        if s not in ses:
            raise TestFailure("no agent_sessions row for a session with "
                              "only messages")
        expect_eq("profile without join/auth", ses[s]["profile_id"], None)
        st = tl.deliver([b.join(s, 20, anonymous_id=dev)],
                        "rule 3, after the join (later than the message)")
        ses = rows(st, "sessions")
        expect_eq("anonymous profile", ses[s]["profile_id"], A(dev))
        expect_eq("started_at = earliest event", ses[s]["started_at"],
                  b.us(10))
        st = tl.deliver([b.auth(s, 30, user)], "rule 3, after login")
        expect_eq("user profile", rows(st, "sessions")[s]["profile_id"],
                  U(user))
        s2 = b.uuid()
        st = tl.deliver([b.end(s2, 99, reason="error")],
                        "rule 3, a session with only call_ended")
        r = rows(st, "sessions")[s2]
        expect_eq("ended-only session", (r["profile_id"], r["started_at"],
                                         r["ended_at"], r["end_reason"]),
                  (None, b.us(99), b.us(99), "error"))


def test_rule4_stats_shared_device():
    """Rule 4: stats of users and of a merged device (its history)."""
    b = Builder(404)
    with ctlib.case("rule4") as c:
        c.start_worker()
        tl = Timeline(c)
        dev = "family-tablet-" + b.uuid()[:8]
        ss = [b.uuid() for _ in range(4)]
        mum, kid = "mum-" + ss[0][:6], "kid-" + ss[0][:6]
        m1 = b.uuid()
        evs = [
            b.join(ss[0], 10, anonymous_id=dev), b.auth(ss[0], 20, mum),
            b.msg(ss[0], 15, "one", message_id=m1, seq=1),
            # Transcript correction: same message, later: counted once, but
            # its time counts for last_seen_at.
            b.msg(ss[0], 500, "one (corrected)", message_id=m1, seq=1),
            b.msg(ss[0], 16, "two"),
            b.join(ss[1], 1000, anonymous_id=dev), b.auth(ss[1], 1100, kid),
            b.msg(ss[1], 1010, "kid's message"),
            b.end(ss[1], 2000, reason="hangup"),
            b.join(ss[2], 3000, anonymous_id=dev),
            b.msg(ss[2], 2990, "message before the join"),
            b.end(ss[2], 3600),
            # Another device, never authenticated.
            b.join(ss[3], 5, anonymous_id="lonely-" + dev),
            b.msg(ss[3], 6, "x"), b.msg(ss[3], 7, "y"),
        ]
        evs += [evs[2], evs[5]]  # duplicates
        st = tl.deliver(evs, "rule 4")
        prof = rows(st, "profiles")
        expect_eq("device merged", prof[A(dev)]["merged_into_profile_id"],
                  U(mum))
        d = prof[A(dev)]
        expect_eq("device history stats",
                  (d["total_sessions"], d["total_messages"],
                   d["first_seen_at"], d["last_seen_at"]),
                  (3, 4, b.us(10), b.us(3600)))
        m = prof[U(mum)]
        expect_eq("mum stats (s0 + anonymous s2)",
                  (m["total_sessions"], m["total_messages"],
                   m["first_seen_at"], m["last_seen_at"]),
                  (2, 3, b.us(10), b.us(3600)))
        k = prof[U(kid)]
        expect_eq("kid stats", (k["total_sessions"], k["total_messages"],
                                k["first_seen_at"], k["last_seen_at"]),
                  (1, 1, b.us(1000), b.us(2000)))
        lo = prof[A("lonely-" + dev)]
        expect_eq("unmerged anonymous stats",
                  (lo["total_sessions"], lo["total_messages"],
                   lo["first_seen_at"], lo["last_seen_at"]),
                  (1, 2, b.us(5), b.us(7)))


def test_rule5_once_across_restarts():
    """Rule 5: every copy of every event, also after a worker restart,
    changes nothing."""
    b = Builder(505)
    with ctlib.case("rule5") as c:
        w = c.start_worker()
        tl = Timeline(c)
        evs = model.generate(505, n_sessions=12,
                             base_us=ctlib.recent_base_us())
        tl.deliver(evs, "rule 5, first copy")
        w.stop()
        c.start_worker()
        st = tl.deliver(list(reversed(evs)), "rule 5, second copy after a "
                        "restart")
        # Same message under an upper-case message_id is the same message.
        s = b.uuid()
        mid = b.uuid()
        st = tl.deliver([b.join(s, 1, anonymous_id="dev5-" + s[:6]),
                         b.msg(s, 2, "v1", message_id=mid),
                         b.msg(s, 3, "v2", message_id=mid.upper())],
                        "rule 5, message_id case")
        expect_eq("one message", sum(1 for r in st["messages"]
                                     if r[1] == s), 1)


def test_rule6_last_writer_in_event_time():
    """Rule 6: phone/email, room, and corrected transcripts hold the value
    of the latest event carrying them, whatever the arrival order."""
    b = Builder(606)
    with ctlib.case("rule6") as c:
        c.start_worker()
        tl = Timeline(c)
        s1, s2, s3 = b.uuid(), b.uuid(), b.uuid()
        user = "frank-" + s1[:6]
        mid = b.uuid()
        # Phase 1: the latest values first.
        st = tl.deliver([
            b.auth(s1, 300, user, phone="+263770000003"),
            b.auth(s2, 400, user, email="frank.new@example.com"),
            b.join(s3, 50, room="room-latest", anonymous_id="d6-" + s3[:6]),
            b.msg(s3, 300, "third", role="assistant", message_id=mid),
            b.msg(s3, 200, "second", role="tool", message_id=mid, seq=7),
        ], "rule 6, phase 1")
        # Phase 2: older values, and a newer event without the fields.
        st = tl.deliver([
            b.auth(s1, 100, user, phone="+263770000001",
                   email="frank.old@example.com"),
            b.auth(s2, 500, user),  # carries neither: clears nothing
            b.join(s3, 10, room="room-first", anonymous_id="d6-" + s3[:6]),
            b.join(s3, 30, room="room-middle", anonymous_id="d6-" + s3[:6]),
            b.msg(s3, 100, "first", role="user", message_id=mid, seq=1),
        ], "rule 6, phase 2")
        prof, ses, msgs = (rows(st, "profiles"), rows(st, "sessions"),
                           rows(st, "messages"))
        expect_eq("phone", prof[U(user)]["phone_number"], "+263770000003")
        expect_eq("email", prof[U(user)]["email"], "frank.new@example.com")
        expect_eq("room", ses[s3]["room_id"], "room-latest")
        m = msgs[mid]
        expect_eq("message", (m["content"], m["role"], m["seq"],
                              m["occurred_at"]),
                  ("third", "assistant", 7, b.us(100)))
        # Phase 3: newer values win; equal instants go to the greater
        # event_id.
        hi = "ffffffff-ffff-4fff-bfff-" + b.uuid()[-12:]
        st = tl.deliver([
            b.auth(s2, b.ts(600, offset_minutes=120), user,
                   phone="+263770000006", event_id=hi),
            b.auth(s1, 600, user, phone="+263770000005",
                   event_id="00000000-0000-4000-8000-" + b.uuid()[-12:]),
            b.msg(s3, 400, "fourth", role="system", message_id=mid, seq=0),
        ], "rule 6, phase 3")
        prof, msgs = rows(st, "profiles"), rows(st, "messages")
        expect_eq("phone (tie)", prof[U(user)]["phone_number"],
                  "+263770000006")
        expect_eq("seq 0 counts", msgs[mid]["seq"], 0)
        # Phase 4: one microsecond later beats a greater event_id, also
        # when written in another offset.
        st = tl.deliver([
            b.auth(s2, b.ts(700.000001, offset_minutes=-480), user,
                   email="micro@example.com",
                   event_id="00000000-0000-4000-8000-" + b.uuid()[-12:]),
            b.auth(s1, b.ts(700), user, email="milli@example.com",
                   event_id="ffffffff-ffff-4fff-bfff-" + b.uuid()[-12:]),
        ], "rule 6, phase 4 (microseconds)")
        expect_eq("email (1 us later)", rows(st, "profiles")[U(user)]
                  ["email"], "micro@example.com")


def test_rule11_operator_merge():
    """Rule 11: merge_profiles() wins over rule 2; later events do not
    undo it."""
    b = Builder(1111)
    with ctlib.case("rule11") as c:
        c.start_worker()
        tl = Timeline(c)
        dev = "kiosk-" + b.uuid()[:8]
        s1, s2, s3, s4 = (b.uuid() for _ in range(4))
        gina, hank = "gina-" + s1[:6], "hank-" + s1[:6]
        tl.deliver([
            b.join(s1, 10, anonymous_id=dev), b.msg(s1, 11, "anon one"),
            b.auth(s2, 5, gina), b.msg(s2, 6, "gina elsewhere"),
        ], "rule 11, before the merge")
        c.sql("SELECT merge_profiles('%s'::uuid, '%s'::uuid)" %
              (A(dev), U(gina)))
        tl.manual[A(dev)] = U(gina)
        st = tl.check("rule 11, right after merge_profiles()")
        expect_eq("manual merge", rows(st, "profiles")[A(dev)]
                  ["merged_into_profile_id"], U(gina))
        expect_eq("s1 -> gina", rows(st, "sessions")[s1]["profile_id"],
                  U(gina))
        # hank logs in on the device earlier than anything: rule 2 alone
        # would merge the device into hank.
        st = tl.deliver([
            b.join(s3, 1, anonymous_id=dev), b.auth(s3, 2, hank),
            b.join(s4, 100, anonymous_id=dev), b.msg(s4, 101, "later anon"),
        ], "rule 11, later events")
        prof, ses = rows(st, "profiles"), rows(st, "sessions")
        expect_eq("manual merge kept", prof[A(dev)]["merged_into_profile_id"],
                  U(gina))
        expect_eq("s3 -> hank (its own login)", ses[s3]["profile_id"],
                  U(hank))
        expect_eq("s4 -> gina", ses[s4]["profile_id"], U(gina))
        # A device that rule 2 already merged into hank, merged by the
        # operator into gina: the operator wins, its anonymous sessions move.
        dev2 = "tablet-" + s1[:8]
        s5, s6 = b.uuid(), b.uuid()
        st = tl.deliver([
            b.join(s5, 200, anonymous_id=dev2), b.auth(s5, 201, hank),
            b.join(s6, 300, anonymous_id=dev2), b.msg(s6, 301, "anon"),
        ], "rule 11, second device merged by rule 2")
        expect_eq("rule 2 merge", rows(st, "profiles")[A(dev2)]
                  ["merged_into_profile_id"], U(hank))
        c.sql("SELECT merge_profiles('%s'::uuid, '%s'::uuid)" %
              (A(dev2), U(gina)))
        tl.manual[A(dev2)] = U(gina)
        st = tl.check("rule 11, operator re-merges an event-merged device")
        expect_eq("s6 -> gina", rows(st, "sessions")[s6]["profile_id"],
                  U(gina))
        expect_eq("s5 -> hank", rows(st, "sessions")[s5]["profile_id"],
                  U(hank))
        # And after a restart of the worker.
        c.workers[-1].stop()
        c.start_worker()
        tl.deliver([b.auth(s1, 0.5, hank), b.auth(s6, 150, hank)],
                   "rule 11, after a restart")


def test_boundaries_and_formats():
    """Valid edge values are stored exactly: limits of the contract,
    timestamp formats, JSON escapes, unknown extra fields."""
    b = Builder(77)
    with ctlib.case("bounds") as c:
        c.start_worker()
        tl = Timeline(c)
        s = b.uuid()
        long_id = "r" * 256
        evs = [
            b.join(s, 1, room=long_id, participant="p" * 256,
                   anonymous_id="a" * 256, metadata={"k": "v" * 15000},
                   extra_unknown_field={"x": [1, 2, 3]}),
            b.auth(s, 2, "u" * 256, phone="+263771234567",
                   email="someone@example.com", future_field=True),
            b.msg(s, 3, "x" * 65536, seq=0),
            b.msg(s, 4, "é" * 32768),  # 65536 bytes of UTF-8
            b.msg(s, 5, ""),
            b.msg(s, 6, "emoji 😀 and \u2028 separators \u2029",
                  seq=2 ** 31 - 1),
            b.end(s, 10, reason="transfer", duration=0),
        ]
        # Escaped JSON (\uXXXX, surrogate pairs) is the same text.
        e = b.msg(s, 7, "snowman \u2603 grin \U0001F600 quote \" slash /")
        evs.append(model.Event("message", e.payload,
                               value=json.dumps(e.payload,
                                                      ensure_ascii=True)))
        # Timestamp spellings of RFC 3339.
        s2 = b.uuid()
        t = b.us(100)
        for k, text in enumerate([
                model.format_ts(t, 0, 0),
                model.format_ts(t + 100000, 0, 1),
                model.format_ts(t + 120000, 60, 2),
                model.format_ts(t + 123000, -60, 3),
                model.format_ts(t + 123400, 840, 4),   # +14:00
                model.format_ts(t + 123450, -720, 5),  # -12:00
                model.format_ts(t + 123456, 0, 6, zulu=False),  # +00:00
        ]):
            evs.append(b.ev("message", s2, text, role="user",
                            content="ts %d %s" % (k, text)))
        evs.append(b.join(s2, "2024-02-29T23:59:59.999999+00:00",
                          anonymous_id="leap-" + s2[:6]))
        st = tl.deliver(evs, "boundaries")
        expect_eq("messages stored", len(st["messages"]), len(evs) - 4)
        # Lower-case t and z are RFC 3339 too (section 5.6 note).
        s3 = b.uuid()
        st = tl.deliver([b.ev("participant_joined", s3,
                              model.format_ts(t, 0, 3).replace("T", "t")
                              .replace("Z", "z"), room_id="r",
                              participant_id="p-lower")],
                        "lower-case t and z")


TESTS = [test_rule1_keys_and_placeholders,
         test_rule2_late_earlier_authentication,
         test_rule2_key_move_unmerges, test_rule1_exact_keys_and_usernames,
         test_rule3_session_profile, test_rule4_stats_shared_device,
         test_rule5_once_across_restarts,
         test_rule6_last_writer_in_event_time, test_rule11_operator_merge,
         test_boundaries_and_formats]

if __name__ == "__main__":
    ctlib.main(TESTS, parallel=4)
