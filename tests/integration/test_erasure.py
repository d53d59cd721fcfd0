#!/usr/bin/env python3
"""Erasure (issue 6, item 2): `convtrack erase` and profile-erasure-requested
delete a person, the anonymous devices merged into them, their sessions and
everything stored about them; profile-erased is published; a replay of every
original event and late events of the erased sessions bring nothing back
(counted in convtrack_events_dropped_erased_total); another person on the
shared device, and a later login with the same username, are accepted; an
erasure while the worker applies the person's events leaves nothing, and
one whose scope grows while it waits for the person's lock is retried; the
audit trail keeps only the 'erased' record."""

import hashlib
import hmac
import json
import os
import re
import subprocess
import uuid

import ctlib
from ctlib import TestFailure
from test_http import free_port, get, metric
from test_summaries import NS, wait_for

FAST = {"CONVTRACK_SUMMARY_GRACE_MS": "200"}
# The public demo key used when redact.hash_key is empty (CT_HMAC_DEMO_KEY in include/convtrack/hmac.h).
DEMO_KEY = b"convtrack-demo-key: public, never use in production"

# Tables holding rows of a session, and the column naming it.
SESSION_TABLES = ("agent_sessions", "conversation_messages",
                  "conversation_summaries", "summary_outbox",
                  "participant_joins", "session_authentications", "call_ends",
                  "session_identity_mentions", "profile_match_candidates")


def user_id(name):
    return str(uuid.uuid5(NS, "convtrack:user:" + name))


def device_id(key):
    return str(uuid.uuid5(NS, "convtrack:anonymous:" + key))


def cli(c, *args, want_rc=0):
    p = ctlib.run([ctlib.bin_path("convtrack")] + list(args),
                  extra_env=c.worker_env(), check=False)
    if p.returncode != want_rc:
        raise TestFailure("convtrack %s: exit %d, want %d\n%s%s" % (
            " ".join(args), p.returncode, want_rc, p.stdout.decode(),
            p.stderr.decode()))
    return p.stdout.decode()


def count(c, sql):
    return int(ctlib.psql(c.db, sql).strip())


def ids_sql(ids):
    return "ARRAY[%s]::uuid[]" % ",".join("'%s'" % i for i in ids)


def assert_gone(c, sessions, profiles, username, strict=True):
    """No table holds a row of the sessions, profiles or username; the
    audit trail of the profiles holds one 'erased' row each (strict) or
    at most that (a profile that may never have existed)."""
    for t in SESSION_TABLES:
        n = count(c, "SELECT count(*) FROM %s WHERE session_id = ANY (%s)"
                  % (t, ids_sql(sessions)))
        if n:
            raise TestFailure("%s still has %d rows of erased sessions" % (t, n))
    checks = {
        "user_profiles": "id = ANY (%s) OR username = '%s'",
        "profile_match_candidates":
            "profile_id = ANY (%s) OR candidate_profile_id = ANY (%s)",
        "profile_merge_overrides":
            "anonymous_profile_id = ANY (%s) OR target_profile_id = ANY (%s)",
        "conversation_summaries": "profile_id = ANY (%s)",
    }
    for t, cond in checks.items():
        args = (ids_sql(profiles), username) if "username" in cond else \
            (ids_sql(profiles),) * cond.count("%s")
        n = count(c, "SELECT count(*) FROM %s WHERE %s" % (t, cond % args))
        if n:
            raise TestFailure("%s still has %d rows of the erased person" % (t, n))
    n = count(c, "SELECT count(*) FROM session_authentications"
              " WHERE username = '%s'" % username)
    if n:
        raise TestFailure("%d authentications of %s remain" % (n, username))
    for p in profiles:
        kinds = ctlib.psql(c.db, "SELECT kind FROM profile_audit"
                           " WHERE profile_id = '%s'" % p).split()
        if kinds != ["erased"] and (strict or kinds):
            raise TestFailure("audit trail of erased profile %s: %r" %
                              (p, kinds))
    dump = ctlib.psql(c.db, "SELECT row_to_json(x)::text FROM profile_audit x"
                      " WHERE profile_id = ANY (%s)" % ids_sql(profiles))
    if username in dump:
        raise TestFailure("the audit trail names the erased user: " + dump)


def keyed_hash(kind, value):
    """HMAC-SHA256(key, kind ":" value) in hex, as docs/privacy-erasure.md
    says the denylist stores it."""
    return hmac.new(DEMO_KEY, ("%s:%s" % (kind, value)).encode(),
                    hashlib.sha256).hexdigest()


def denylist(c, kind):
    return set(ctlib.psql(c.db, "SELECT subject_hash FROM erasure_denylist"
                          " WHERE kind = '%s'" % kind).split())


def check_schema(ev):
    """The published event against schemas/profile-erased.schema.json:
    exactly its fields (additionalProperties is false), the patterns of
    its hash and time."""
    path = os.path.join(os.environ.get("CT_SOURCE_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", ".."),
        "schemas", "profile-erased.schema.json")
    with open(path) as f:
        schema = json.load(f)
    if set(ev) != set(schema["required"]) or \
            set(schema["properties"]) != set(schema["required"]):
        raise TestFailure("profile_erased fields %s, schema %s" %
                          (sorted(ev), sorted(schema["required"])))
    ts = schema["$defs"]["timestamp"]["pattern"]
    hx = schema["properties"]["subject_hash"]["anyOf"][0]["pattern"]
    if not re.match(ts, ev["occurred_at"]) or not re.match(hx, ev["subject_hash"]) \
            or ev["event_type"] != "profile_erased" or ev["source"] not in (
                "cli", "topic"):
        raise TestFailure("profile_erased does not match its schema: %r" % ev)


def summarized(c, n):
    return wait_for("%d summaries" % n, lambda: count(
        c, "SELECT count(*) FROM conversation_summaries") >= n)


def erased_events(c):
    return [json.loads(r.value) for r in ctlib.dump_topic(c.topic_erased)]


def history(b):
    """A person with two devices' anonymous history merged in, another
    person on one of the devices, and an anonymous caller whose number
    makes the first person a match candidate."""
    u, v = "tariro.erase", "farai.other"
    a1, a2, a3, b1, b2, c1 = (b.uuid() for _ in range(6))
    evs = [
        b.join(a1, 0, anonymous_id="dev-shared"),
        b.msg(a1, 1, "Hi, my name is Tariro. What is my balance?", seq=0),
        b.end(a1, 2, reason="hangup"),
        b.join(a2, 10, anonymous_id="dev-shared"),
        b.auth(a2, 11, u, phone="+263771234567", email="tariro@example.com"),
        b.msg(a2, 12, "Please block my card, I lost it.", seq=0),
        b.end(a2, 13, reason="hangup"),
        b.join(b1, 20, anonymous_id="dev-phone"),
        b.auth(b1, 21, u),
        b.msg(b1, 22, "I want to change my PIN.", seq=0),
        b.end(b1, 23, reason="hangup"),
        b.join(b2, 30, anonymous_id="dev-phone"),
        b.msg(b2, 31, "What are your opening hours?", seq=0),
        b.end(b2, 32, reason="hangup"),
        b.join(a3, 40, anonymous_id="dev-shared"),
        b.auth(a3, 41, v),
        b.msg(a3, 42, "How do I send money with ZIPIT?", seq=0),
        b.end(a3, 43, reason="hangup"),
        b.join(c1, 50, anonymous_id="dev-stranger"),
        b.msg(c1, 51, "Hi, you can reach me on 0771 234 567.", seq=0),
        b.end(c1, 52, reason="hangup"),
    ]
    return dict(u=u, v=v, erased=[a1, a2, b1, b2], other=a3, stranger=c1,
                profiles=[user_id(u), device_id("dev-shared"),
                          device_id("dev-phone")], events=evs)


def test_erase_cli_then_replay():
    b = ctlib.Builder(9101)
    h = history(b)
    port = free_port()
    with ctlib.case("erase-cli") as c:
        c.start_worker(dict(FAST, CONVTRACK_HTTP_PORT=str(port)))
        c.produce(h["events"])
        c.wait_caught_up(60)
        summarized(c, 6)
        wait_for("the stranger's candidate", lambda: count(
            c, "SELECT count(*) FROM profile_match_candidates"
            " WHERE candidate_profile_id = '%s'" % user_id(h["u"])) == 1)

        # usage errors, and a device merged into the account is refused
        cli(c, "erase", want_rc=2)
        cli(c, "erase", "--username", h["u"], "--profile", user_id(h["u"]),
            want_rc=2)
        cli(c, "erase", "--profile", "not-a-uuid", want_rc=2)
        cli(c, "erase", "--profile", device_id("dev-phone"), want_rc=1)
        if count(c, "SELECT count(*) FROM profile_erasures"):
            raise TestFailure("a refused erasure left a record")
        out = cli(c, "erase", "--username", h["u"], "--requested-by",
                  "dpo@bank", "--reason", "GDPR art. 17 request 42", "--json")
        printed = json.loads(out)
        # the CLI prints the event it queued with occurred_at in
        # milliseconds (schemas/cli/erase.schema.json); the event keeps
        # microseconds (schemas/profile-erased.schema.json)
        if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
                        printed["occurred_at"]):
            raise TestFailure("erase printed occurred_at %r" %
                              printed["occurred_at"])
        ev = dict(printed)
        ev["occurred_at"] = ctlib.psql(
            c.db, "SELECT payload::jsonb->>'occurred_at' FROM erasure_outbox"
            " WHERE payload::jsonb->>'erasure_id' = '%s'" % printed["erasure_id"]
        ).strip()
        if ev["occurred_at"][:23] + "Z" != printed["occurred_at"]:
            raise TestFailure("printed %s, queued %s" % (printed["occurred_at"],
                                                          ev["occurred_at"]))
        if sorted(ev["profile_ids"]) != sorted(h["profiles"]) or \
                ev["sessions"] != 4 or ev["messages"] != 4 or \
                ev["summaries"] != 4 or ev["profile_id"] != user_id(h["u"]):
            raise TestFailure("erase printed %r" % ev)
        check_schema(ev)
        if h["u"] in out or "tariro@example.com" in out:
            raise TestFailure("profile_erased names the user: " + out)
        assert_gone(c, h["erased"], h["profiles"], h["u"])

        # the other person on the shared device is intact
        v = ctlib.psql_json(c.db, "SELECT row_to_json(p) FROM user_profiles p"
                            " WHERE username = '%s'" % h["v"])
        if v["total_sessions"] != 1 or v["total_messages"] != 1:
            raise TestFailure("the other user's statistics %r" % v)
        if count(c, "SELECT count(*) FROM agent_sessions WHERE session_id = '%s'"
                 " AND profile_id = '%s'" % (h["other"], user_id(h["v"]))) != 1:
            raise TestFailure("the other user's session was touched")
        if count(c, "SELECT count(*) FROM conversation_summaries"
                 " WHERE session_id = '%s'" % h["stranger"]) != 1:
            raise TestFailure("the stranger's summary was removed")
        rec = ctlib.psql_json(c.db, "SELECT row_to_json(e) FROM profile_erasures e")
        if rec["requested_by"] != "dpo@bank" or rec["source"] != "cli" or \
                rec["subject_hash"] != ev["subject_hash"]:
            raise TestFailure("erasure record %r" % rec)

        # published once, with the deterministic id of the request
        pub = wait_for("profile_erased", lambda: erased_events(c))
        want_id = str(uuid.uuid5(NS, "convtrack:profile-erased:%s" %
                                 ev["erasure_id"]))
        if len(pub) != 1 or pub[0]["event_id"] != want_id or pub[0] != ev:
            raise TestFailure("published %r, want %r with id %s" %
                              (pub, ev, want_id))
        cli(c, "erase", "--username", h["u"], want_rc=1)
        if denylist(c, "session") != {keyed_hash("session", s)
                                      for s in h["erased"]} or \
                denylist(c, "username") != {keyed_hash("username", h["u"])} or \
                ev["subject_hash"] != keyed_hash("username", h["u"]):
            raise TestFailure("denylist %r %r" % (denylist(c, "session"),
                                                  denylist(c, "username")))

        # replay everything, plus late events of erased sessions and a call
        # of the person still in flight when the erasure ran
        a1, a2, b1, b2 = h["erased"]
        inflight = b.uuid()
        late = [b.msg(a1, 3, "one more thing", seq=1),
                b.end(b1, 24, reason="timeout"),
                b.join(inflight, 60, anonymous_id="dev-tablet"),
                b.msg(inflight, 61, "Hello, it's Tariro again.", seq=0),
                b.auth(inflight, 62, h["u"]),
                b.end(inflight, 63, reason="hangup")]
        c.produce(h["events"] + late)
        c.wait_caught_up(60)
        # the shared device's profile comes back for the other person
        if keyed_hash("session", inflight) not in denylist(c, "session"):
            raise TestFailure("the in-flight call is not denylisted")
        assert_gone(c, h["erased"] + [inflight],
                    [user_id(h["u"]), device_id("dev-phone"),
                     device_id("dev-tablet")], h["u"], strict=False)
        dropped = metric(get(port, "/metrics")[1],
                         "convtrack_events_dropped_erased_total") or 0
        # 14 replayed events of the four sessions, 2 late ones; the
        # in-flight call's events are dropped once its login is seen
        if dropped < 16:
            raise TestFailure("dropped_erased %s, want >= 16" % dropped)
        shared = ctlib.psql_json(c.db, "SELECT row_to_json(p) FROM user_profiles p"
                                 " WHERE anonymous_id = 'dev-shared'")
        if shared and (shared["merged_into_profile_id"] != user_id(h["v"]) or
                       shared["total_sessions"] != 1):
            raise TestFailure("the shared device came back as %r" % shared)

        # a call whose join and message are stored before its login, older
        # than the erasure, arrives: stored first, erased when the login is
        # seen, with the device profile it alone created
        late_call = b.uuid()
        c.produce([b.join(late_call, 80, anonymous_id="dev-laptop"),
                   b.msg(late_call, 81, "My ID number is 63-123456B42.", seq=0)])
        c.wait_caught_up(60)
        if count(c, "SELECT count(*) FROM conversation_messages"
                 " WHERE session_id = '%s'" % late_call) != 1:
            raise TestFailure("the anonymous part of the late call is not stored")
        c.produce([b.auth(late_call, 82, h["u"]),
                   b.end(late_call, 83, reason="hangup")])
        c.wait_caught_up(60)
        assert_gone(c, [late_call], [device_id("dev-laptop")], h["u"])
        if keyed_hash("session", late_call) not in denylist(c, "session"):
            raise TestFailure("the late call is not denylisted")
        # the same kind of call arriving whole, its login with its join, is
        # dropped before anything of it is written: its new device gets no
        # profile and no audit trail (if a fetch split the join from the
        # login, the profile is created and erased as above)
        whole = b.uuid()
        c.produce([b.join(whole, 84, anonymous_id="dev-tablet"),
                   b.auth(whole, 85, h["u"]),
                   b.msg(whole, 86, "Has my card arrived?", seq=0)])
        c.wait_caught_up(60)
        assert_gone(c, [whole], [device_id("dev-tablet")], h["u"],
                    strict=False)
        if keyed_hash("session", whole) not in denylist(c, "session"):
            raise TestFailure("the late whole call is not denylisted")

        # another person on the shared device, and a later login with the
        # erased username (a new relationship), are accepted
        n1, n2 = b.uuid(), b.uuid()
        after = 5 * 86400 + 7200   # after the erasure in wall-clock time
        c.produce([b.join(n1, 70, anonymous_id="dev-shared"),
                   b.auth(n1, 71, "nyasha.new"),
                   b.msg(n1, 72, "Is the branch open on Sunday?", seq=0),
                   b.join(n2, after, anonymous_id="dev-new-phone"),
                   b.auth(n2, after + 1, h["u"]),
                   b.msg(n2, after + 2, "I just opened an account.", seq=0)])
        c.wait_caught_up(60)
        for sid, name in ((n1, "nyasha.new"), (n2, h["u"])):
            if count(c, "SELECT count(*) FROM agent_sessions s JOIN user_profiles p"
                     " ON p.id = s.profile_id WHERE s.session_id = '%s'"
                     " AND p.username = '%s' AND s.message_count = 1"
                     % (sid, name)) != 1:
                raise TestFailure("session of %s was not stored" % name)
        if count(c, "SELECT total_sessions FROM user_profiles"
                 " WHERE username = '%s'" % h["u"]) != 1:
            raise TestFailure("the new relationship carries erased history")


def erasure_request(b, t, **fields):
    ev = {"event_id": b.uuid(), "event_type": "profile_erasure_requested",
          "schema_version": 1, "occurred_at": b.ts(t)}
    ev.update(fields)
    return ev


def test_erase_topic():
    b = ctlib.Builder(9102)
    h = history(b)
    with ctlib.case("erase-topic") as c:
        c.start_worker(FAST)
        c.produce(h["events"])
        c.wait_caught_up(60)
        summarized(c, 6)
        req = erasure_request(b, 100, username=h["u"], requested_by="crm",
                              reason="customer request")
        bad = erasure_request(b, 101, username=h["u"],
                              profile_id=user_id(h["u"]))
        unknown = erasure_request(b, 102, username="nobody.here")
        merged = erasure_request(b, 103, profile_id=device_id("dev-phone"))
        stranger = erasure_request(b, 104,
                                   profile_id=device_id("dev-stranger"))
        recs = [(c.topic_erasure, None, json.dumps(r))
                for r in (merged, req, bad, unknown, req, stranger)]
        # merged is refused (the account is still there); the second req is
        # a redelivery; stranger erases an anonymous caller
        ctlib.produce_records(recs)
        wait_for("the erasures", lambda: count(
            c, "SELECT count(*) FROM profile_erasures") == 2)
        wait_for("the requests consumed", lambda: ctlib.group_lag(
            c.group, [c.topic_erasure]) == 0)
        assert_gone(c, h["erased"], h["profiles"], h["u"])
        assert_gone(c, [h["stranger"]], [device_id("dev-stranger")], h["u"])
        rec = ctlib.psql_json(c.db, "SELECT row_to_json(e) FROM profile_erasures e"
                              " WHERE subject_hash IS NOT NULL")
        if rec["erasure_id"] != req["event_id"] or rec["source"] != "topic" or \
                rec["requested_by"] != "crm" or rec["sessions"] != 4:
            raise TestFailure("erasure record %r" % rec)
        pub = wait_for("profile_erased", lambda: len(erased_events(c)) >= 2 and
                       erased_events(c))
        want = {str(uuid.uuid5(NS, "convtrack:profile-erased:%s" %
                               r["event_id"])) for r in (req, stranger)}
        if sorted(e["event_id"] for e in pub) != sorted(want):
            raise TestFailure("published %r" % pub)
        dead = sorted((r.headers or {}).get("convtrack-error")
                      for r in c.dead_letters())
        if dead != ["erasure_refused", "invalid_value:profile_id"]:
            raise TestFailure("dead letters %r" % dead)
        c.produce(h["events"])
        c.wait_caught_up(60)
        assert_gone(c, h["erased"], h["profiles"][:1] + h["profiles"][2:],
                    h["u"])


def test_erase_while_applying():
    """Sessions of one person keep arriving while the CLI erases them:
    whatever was applied before the erasure is erased with the person,
    whatever comes after is dropped or erased when its login is seen."""
    b = ctlib.Builder(9103)
    name = "chipo.busy"
    sessions, chunks = [], []
    for k in range(8):
        chunk = []
        for j in range(6):
            sid = b.uuid()
            sessions.append(sid)
            t = k * 1000 + j * 100
            chunk += [b.join(sid, t, anonymous_id="dev-busy-%d" % (j % 2)),
                      b.auth(sid, t + 1, name)]
            chunk += [b.msg(sid, t + 2 + m, "message %d" % m, seq=m)
                      for m in range(10)]
            chunk.append(b.end(sid, t + 20, reason="hangup"))
        chunks.append(chunk)
    with ctlib.case("erase-busy") as c:
        c.start_worker({"CONVTRACK_BATCH_MAX_EVENTS": "40",
                        "CONVTRACK_SUMMARY_GRACE_MS": "200"})
        c.produce(chunks[0])
        # the person and both devices exist before the erasure, so that each
        # must leave an 'erased' record; a device first seen after it never
        # gets a profile (its sessions are dropped), and has nothing to show
        profiles = [user_id(name), device_id("dev-busy-0"),
                    device_id("dev-busy-1")]
        wait_for("the person and both devices", lambda: count(
            c, "SELECT count(*) FROM user_profiles WHERE id = ANY (%s)"
            % ids_sql(profiles)) == 3)
        for chunk in chunks[1:4]:
            c.produce(chunk)
        cli(c, "erase", "--username", name)
        for chunk in chunks[4:]:
            c.produce(chunk)
        c.wait_caught_up(120)
        # every session ends up denylisted: erased with the person, or
        # erased when its login, older than the erasure, was seen
        if denylist(c, "session") != {keyed_hash("session", s)
                                      for s in sessions}:
            raise TestFailure("%d of %d sessions denylisted" % (
                len(denylist(c, "session")), len(sessions)))
        before = count(c, "SELECT sessions FROM profile_erasures")
        if before == len(sessions):
            raise TestFailure("the erasure ran after everything was applied;"
                              " the test did not overlap them")
        assert_gone(c, sessions, profiles, name)


def test_erase_scope_grows():
    """A login of a new session of the person, committed while `convtrack
    erase` waits for the person's lock, makes its first attempt fail with
    SQLSTATE 40001 (the scope grew): the CLI pauses, reads the scope again
    and erases both sessions in its next attempt."""
    b = ctlib.Builder(9104)
    name = "farai.retry"
    s1, s2 = b.uuid(), b.uuid()
    with ctlib.case("erase-retry") as c:
        c.start_worker(FAST)
        c.produce([b.join(s1, 0, anonymous_id="dev-retry"),
                   b.auth(s1, 1, name),
                   b.msg(s1, 2, "What is my balance?", seq=0)])
        c.wait_caught_up(60)
        # another transaction holds the person's lock, as a worker's batch
        # does, and adds a login of a second session, not committed yet
        env = ctlib._base_env()
        env.update(c.worker_env(), PGAPPNAME="ct-erase-hold")
        hold = subprocess.Popen(
            ["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-d", c.db],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, text=True)
        erase = None
        try:
            hold.stdin.write(
                "BEGIN;\nSELECT pg_advisory_xact_lock(ct_lock_key('%s'));\n"
                "INSERT INTO session_authentications (event_id, session_id,"
                " occurred_at, username) VALUES ('%s', '%s', '%s', '%s');\n"
                % (user_id(name), b.uuid(), s2, b.ts(3), name))
            hold.stdin.flush()
            wait_for("the lock held and the login added", lambda: count(
                c, "SELECT count(*) FROM pg_stat_activity WHERE application_name"
                " = 'ct-erase-hold' AND state = 'idle in transaction'"
                " AND query LIKE 'INSERT%'") == 1)
            erase = subprocess.Popen(
                [ctlib.bin_path("convtrack"), "erase", "--username", name],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            wait_for("the erasure waiting for the lock", lambda: count(
                c, "SELECT count(*) FROM pg_stat_activity WHERE wait_event ="
                " 'advisory' AND query LIKE '%erase_profile%'") == 1)
            out, err = hold.communicate("COMMIT;\n", timeout=30)
            if hold.returncode != 0:
                raise TestFailure("the holding transaction failed: %s" % err)
            out, err = erase.communicate(timeout=60)
        finally:
            for p in (hold, erase):
                if p and p.poll() is None:
                    p.kill()
                    p.wait()
        err = err.decode()
        if erase.returncode != 0:
            raise TestFailure("convtrack erase: exit %d\n%s" %
                              (erase.returncode, err))
        if "changed; retry" not in err:
            raise TestFailure("the first attempt did not see the scope grow:"
                              "\n%s" % err)
        n = count(c, "SELECT sessions FROM profile_erasures")
        if n != 2:
            raise TestFailure("the erasure record counts %d sessions, want 2"
                              % n)
        if denylist(c, "session") != {keyed_hash("session", s)
                                      for s in (s1, s2)}:
            raise TestFailure("denylisted sessions %r" % denylist(c, "session"))
        assert_gone(c, [s1, s2], [user_id(name), device_id("dev-retry")], name)


def main():
    ctlib.main([test_erase_cli_then_replay, test_erase_topic,
                test_erase_while_applying, test_erase_scope_grows], parallel=2)


if __name__ == "__main__":
    main()
