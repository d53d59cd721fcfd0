#!/usr/bin/env python3
"""Merge ledger, unmerge, shared devices and the audit trail (issue 6, items
3 and 4; docs/privacy-merges-audit.md), against the real database and
worker:

- an automatic merge (rule 2) appends a ledger row naming the authenticated
  event and the device's sessions that moved;
- `convtrack unmerge` returns the sessions exactly to where rule 3 puts
  them, recomputes the statistics and appends a ledger row; replaying every
  event and new logins on the device do not merge it again (rule 11);
  `convtrack merge` merges it again;
- a device used by two users is flagged (metadata, /metrics, CLI); with
  merge.shared_device_policy = session it is not merged, and
  `convtrack shared-devices apply-policy` re-applies either policy;
- every kind of profile change appends audit rows, without personal
  values, and a replay adds none; statistics alone add none;
- a session that joins in the batch that merges its device is audited
  once, on the profile it ends in (sql/009_session_links.sql).
"""

import json
import time
import uuid

import ctlib
from ctlib import TestFailure, Timeline, expect_eq, rows
import model
from test_cli import cli
from test_http import free_port, get, metric, wait_until

NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")


def A(key):
    return str(uuid.uuid5(NS, "convtrack:anonymous:" + key))


def U(name):
    return str(uuid.uuid5(NS, "convtrack:user:" + name))


class PolicyTimeline(Timeline):
    """A Timeline whose model applies a shared-device policy."""

    def __init__(self, c, policy):
        super().__init__(c)
        self.policy = policy

    def check(self, what):
        state = self.case.dump()
        ctlib.assert_state(model.expected_state(self.delivered, self.manual,
                                                self.policy), state, what)
        return state


def ledger(c, anon):
    return ctlib.psql_json(c.db, """
        SELECT coalesce(json_agg(json_build_object(
            'from', from_profile_id, 'to', to_profile_id, 'cause', cause,
            'event_id', event_id, 'actor', actor,
            'sessions', sessions) ORDER BY id), '[]')
          FROM profile_merge_ledger WHERE anonymous_profile_id = '%s'""" % anon)


def audit(c, pid=None):
    where = "WHERE profile_id = '%s'" % pid if pid else ""
    return ctlib.psql_json(c.db, """
        SELECT coalesce(json_agg(json_build_object(
            'profile_id', profile_id, 'kind', kind, 'event_id', event_id,
            'actor', actor, 'detail', detail) ORDER BY at, id), '[]')
          FROM profile_audit %s""" % where)


def kinds(c, pid):
    return [r["kind"] for r in audit(c, pid)]


def audit_count(c):
    return int(c.sql("SELECT count(*) FROM profile_audit").strip())


def expect_kinds(what, got, want):
    """want (a list) is a sub-sequence of got, in order."""
    it = iter(got)
    if not all(k in it for k in want):
        raise TestFailure("%s: audit kinds %r lack %r in order" % (what, got,
                                                                   want))


def test_merge_unmerge_replay():
    b = ctlib.Builder(6031)
    dev = "phone-" + b.uuid()[:8]
    user = "tariro-" + dev[-6:]
    s1, s2, s3, s4 = (b.uuid() for _ in range(4))
    anon, uid = A(dev), U(user)
    with ctlib.case("ledger_unmerge") as c:
        c.start_worker()
        tl = Timeline(c)
        j1 = b.join(s1, 0, anonymous_id=dev)
        tl.deliver([j1, b.msg(s1, 1, "balance please"),
                    b.join(s3, 20, anonymous_id=dev), b.msg(s3, 21, "hi")],
                   "two anonymous sessions")
        expect_eq("ledger before a login", ledger(c, anon), [])
        created = audit(c, anon)[0]
        expect_eq("first audit row", (created["kind"], created["event_id"],
                                      created["detail"]),
                  ("created", j1.payload["event_id"],
                   {"profile_type": "anonymous"}))
        expect_kinds("anonymous sessions", kinds(c, anon),
                     ["created", "session_linked"])

        # rule 2: the login of s2 merges the device and moves s1, s3
        login = b.auth(s2, 11, user)
        st = tl.deliver([b.join(s2, 10, anonymous_id=dev), login,
                         b.msg(s2, 12, "block my card")], "automatic merge")
        expect_eq("merged", rows(st, "profiles")[anon]
                  ["merged_into_profile_id"], uid)
        led = ledger(c, anon)
        expect_eq("ledger after rule 2", led, [{
            "from": None, "to": uid, "cause": "rule2",
            "event_id": login.payload["event_id"], "actor": "worker",
            "sessions": sorted([s1, s3])}])
        expect_kinds("anonymous profile", kinds(c, anon),
                     ["created", "merged"])
        expect_kinds("user", kinds(c, uid),
                     ["created", "merged", "session_linked"])
        moved = [r for r in audit(c, uid) if r["kind"] == "session_linked"
                 and r["detail"]["from_profile_id"] == anon]
        # s2 itself moves too when its join came before its login
        expect_eq("moved sessions audited on the user",
                  sorted(s for r in moved for s in r["detail"]["sessions"]
                         if s != s2), sorted([s1, s3]))
        expect_eq("cause of the move", {r["event_id"] for r in moved},
                  {login.payload["event_id"]})

        # unmerge: the sessions go back, statistics follow, ledger row
        out, _ = cli(c, "unmerge", anon)
        if "unmerged %s from %s" % (anon, uid) not in out:
            raise TestFailure("unmerge said %r" % out)
        tl.manual[anon] = None
        st = tl.check("after unmerge")
        prof, ses = rows(st, "profiles"), rows(st, "sessions")
        expect_eq("not merged", prof[anon]["merged_into_profile_id"], None)
        expect_eq("s1 back", ses[s1]["profile_id"], anon)
        expect_eq("s3 back", ses[s3]["profile_id"], anon)
        expect_eq("s2 stays with its user", ses[s2]["profile_id"], uid)
        expect_eq("anonymous stats", prof[anon]["total_sessions"], 2)
        expect_eq("user stats", (prof[uid]["total_sessions"],
                                 prof[uid]["total_messages"]), (1, 1))
        led = ledger(c, anon)
        expect_eq("ledger rows", len(led), 2)
        expect_eq("unmerge row", (led[1]["from"], led[1]["to"],
                                  led[1]["cause"], led[1]["event_id"],
                                  led[1]["sessions"]),
                  (uid, None, "operator", None, sorted([s1, s3])))
        if led[1]["actor"] in ("", "worker"):
            raise TestFailure("unmerge actor %r" % led[1]["actor"])
        expect_kinds("anonymous after unmerge", kinds(c, anon),
                     ["merged", "override_recorded", "unmerged",
                      "session_linked"])
        expect_kinds("user after unmerge", kinds(c, uid),
                     ["merged", "unmerged", "session_unlinked"])
        doc = json.loads(cli(c, "unmerge", anon, "--json")[0])
        expect_eq("second unmerge", doc, {"unmerged": anon,
                                          "was_merged_into": None})
        expect_eq("ledger after a second unmerge", len(ledger(c, anon)), 2)

        # replay everything, and new logins on the device: stays unmerged
        n_audit = audit_count(c)
        c.produce(tl.delivered)
        c.wait_caught_up(120)
        tl.check("after replaying every event")
        expect_eq("audit rows after a replay", audit_count(c), n_audit)
        expect_eq("ledger after a replay", len(ledger(c, anon)), 2)
        st = tl.deliver([b.join(s4, -5, anonymous_id=dev),
                         b.auth(s4, -4, user), b.msg(s4, -3, "earlier")],
                        "a new, earlier login on the unmerged device")
        expect_eq("still not merged", rows(st, "profiles")[anon]
                  ["merged_into_profile_id"], None)
        expect_eq("ledger after a new login", len(ledger(c, anon)), 2)
        n_audit = audit_count(c)
        tl.deliver([b.msg(s1, 2, "more"), b.msg(s2, 13, "more")],
                   "statistics only")
        expect_eq("no audit row for statistics", audit_count(c), n_audit)

        # merge_profiles() after the unmerge merges again
        cli(c, "merge", anon, uid)
        tl.manual[anon] = uid
        st = tl.check("merge after unmerge")
        expect_eq("s1 with the user again", rows(st, "sessions")[s1]
                  ["profile_id"], uid)
        led = ledger(c, anon)
        expect_eq("re-merge row", (len(led), led[2]["from"], led[2]["to"],
                                   led[2]["cause"]),
                  (3, None, uid, "operator"))

        # the CLI shows both trails, oldest first
        doc = json.loads(cli(c, "profile", "merges", "--id", anon,
                             "--json")[0])
        expect_eq("profile merges", [(r["from_profile_id"], r["to_profile_id"])
                                     for r in doc["merges"]],
                  [(None, uid), (uid, None), (None, uid)])
        doc = json.loads(cli(c, "profile", "history", "--anonymous-id", dev,
                             "--json")[0])
        expect_eq("history profile", doc["profile_id"], anon)
        expect_eq("history order", [r["kind"] for r in doc["history"]],
                  kinds(c, anon))
        out, _ = cli(c, "profile", "history", "--username", user)
        for want in ("Audit trail", "created", "session_linked", "merged"):
            if want not in out:
                raise TestFailure("profile history lacks %r:\n%s" % (want, out))
        cli(c, "profile", "history", "--id", str(uuid.uuid4()), want_rc=1)
        cli(c, "unmerge", uid, want_rc=1)
        cli(c, "unmerge", "not-a-uuid", want_rc=2)
        cli(c, "unmerge", want_rc=2)


def test_shared_device_policy():
    b = ctlib.Builder(6032)
    dev = "kiosk-" + b.uuid()[:8]
    alice, bob = "alice-" + dev[-6:], "bob-" + dev[-6:]
    s1, s2, s3, s4 = (b.uuid() for _ in range(4))
    anon = A(dev)
    port = free_port()
    session_env = {"CONVTRACK_MERGE_SHARED_DEVICE_POLICY": "session"}
    history_env = {"CONVTRACK_MERGE_SHARED_DEVICE_POLICY": "history"}
    with ctlib.case("ledger_shared") as c:
        c.start_worker(dict(session_env, CONVTRACK_HTTP_PORT=str(port)))
        tl = PolicyTimeline(c, "session")
        st = tl.deliver([b.join(s1, 0, anonymous_id=dev), b.msg(s1, 1, "hi"),
                         b.join(s2, 10, anonymous_id=dev), b.auth(s2, 11, alice)],
                        "one user: merged")
        expect_eq("merged into alice", rows(st, "profiles")[anon]
                  ["merged_into_profile_id"], U(alice))
        bob_login = b.auth(s3, 21, bob)
        tl.deliver([b.join(s3, 20, anonymous_id=dev)], "s3 joins the device")
        st = tl.deliver([bob_login,
                         b.join(s4, 30, anonymous_id=dev), b.msg(s4, 31, "x")],
                        "second user: shared device, session policy")
        prof, ses = rows(st, "profiles"), rows(st, "sessions")
        expect_eq("not merged", prof[anon]["merged_into_profile_id"], None)
        expect_eq("sessions", [ses[s]["profile_id"] for s in (s1, s2, s3, s4)],
                  [anon, U(alice), U(bob), anon])
        meta = ctlib.psql_json(c.db, "SELECT profile_metadata FROM "
                               "user_profiles WHERE id = '%s'" % anon)
        expect_eq("metadata", (meta.get("shared_device"),
                               meta.get("shared_device_users")), (True, 2))
        led = ledger(c, anon)
        expect_eq("ledger", [(r["from"], r["to"], r["cause"], r["event_id"])
                             for r in led],
                  [(None, U(alice), "rule2", led[0]["event_id"]),
                   (U(alice), None, "shared_device_policy",
                    bob_login.payload["event_id"])])
        flagged = [r for r in audit(c, anon)
                   if r["kind"] == "shared_device_flagged"]
        expect_eq("flag audited", [(r["event_id"], r["detail"]["users"])
                                   for r in flagged],
                  [(bob_login.payload["event_id"], 2)])
        wait_until("convtrack_shared_devices is 1",
                   lambda: metric(get(port, "/metrics")[1],
                                  "convtrack_shared_devices") == 1)
        devs = json.loads(cli(c, "shared-devices", "--json")[0])
        expect_eq("shared-devices", [(d["anonymous_profile_id"], d["device_key"],
                                      d["users"], sorted(d["user_profile_ids"]))
                                     for d in devs["shared_devices"]],
                  [(anon, dev, 2, sorted([U(alice), U(bob)]))])
        out, _ = cli(c, "shared-devices")
        if dev not in out or "Shared devices" not in out:
            raise TestFailure("shared-devices text:\n" + out)

        # re-applying the policies to every flagged device
        doc = json.loads(cli(c, "shared-devices", "apply-policy", "--json",
                             env=history_env)[0])
        expect_eq("history applied", doc, {"policy": "history",
                                           "devices_changed": 1})
        tl.policy = "history"
        st = tl.check("history policy re-applied")
        expect_eq("s1 and s4 with alice", [rows(st, "sessions")[s]["profile_id"]
                                           for s in (s1, s4)], [U(alice)] * 2)
        doc = json.loads(cli(c, "shared-devices", "apply-policy", "--json",
                             env=history_env)[0])
        expect_eq("nothing left to change", doc["devices_changed"], 0)
        out, _ = cli(c, "shared-devices", "apply-policy", env=session_env)
        if "1 devices changed" not in out:
            raise TestFailure("apply-policy said %r" % out)
        tl.policy = "session"
        tl.check("session policy re-applied")
        expect_eq("ledger causes", [r["cause"] for r in ledger(c, anon)],
                  ["rule2", "shared_device_policy", "rule2",
                   "shared_device_policy"])
        # erasure of bob (as the erasure module does it, convtrack.erasing
        # on): no ledger or audit row names him or his session any more
        bob_id = U(bob)
        named = [r for r in audit(c) if r["profile_id"] != bob_id
                 and bob_id in json.dumps(r["detail"])]
        if not named:
            raise TestFailure("no other profile's audit row names bob: the "
                              "erasure check below would prove nothing")
        c.sql("BEGIN; SELECT set_config('convtrack.erasing', 'on', true);"
              " DELETE FROM profile_audit WHERE profile_id = '%s';"
              " DELETE FROM agent_sessions WHERE session_id = '%s';"
              " DELETE FROM user_profiles WHERE id = '%s'; COMMIT;"
              % (bob_id, s3, bob_id))
        left = json.dumps(audit(c)) + json.dumps(ledger(c, anon))
        for value in (bob_id, s3):
            if value in left:
                raise TestFailure("after erasure the trails hold %s:\n%s"
                                  % (value, left))
        expect_eq("ledger kept", len(ledger(c, anon)), 4)
        p = ctlib.run(["psql", "-AtX", "-d", c.db, "-c",
                       "DELETE FROM profile_merge_ledger"], check=False)
        if p.returncode == 0 or b"append-only" not in p.stderr:
            raise TestFailure("the ledger accepted a DELETE outside erasure")
        cli(c, "shared-devices", "everything", want_rc=2)
        cli(c, "run", "--check-config", want_rc=2,
            env={"CONVTRACK_MERGE_SHARED_DEVICE_POLICY": "sometimes"})


def test_audit_kinds():
    b = ctlib.Builder(6033)
    dev = "tablet-" + b.uuid()[:8]
    user = "rudo-" + dev[-6:]
    phone1, phone2 = "+263771110001", "+263772220002"
    email = "rudo.%s@example.com" % dev[-6:]
    s1, s2 = b.uuid(), b.uuid()
    uid = U(user)
    with ctlib.case("ledger_audit") as c:
        # a grace that covers a message applied a batch after its call_ended
        # (four topics): the first summary must see the name
        c.start_worker({"CONVTRACK_SUMMARY_GRACE_MS": "1000"})
        tl = Timeline(c)
        first = b.auth(s1, 1, user, phone=phone1)
        tl.deliver([b.join(s1, 0, anonymous_id=dev), first,
                    b.msg(s1, 2, "Hi, my name is Rudo. I want to check my "
                          "account balance.", seq=0),
                    b.end(s1, 3, reason="hangup")], "first call")
        wait_until("the first call's metadata is learned",
                   lambda: "metadata_learned" in kinds(c, uid))
        later = b.auth(s2, 11, user, phone=phone2, email=email)
        tl.deliver([b.join(s2, 10, anonymous_id=dev), later,
                    b.msg(s2, 12, "I lost my card, please block it.", seq=0),
                    b.end(s2, 13, reason="hangup")], "second call")
        wait_until("both calls summarized", lambda: c.sql(
            "SELECT count(*) FROM agent_sessions WHERE summary_due_at IS NULL"
            " AND session_id IN (SELECT session_id FROM conversation_summaries)"
        ).strip() == "2")
        rows_ = audit(c, uid)
        got = [r["kind"] for r in rows_]
        expect_kinds("user", got, ["created", "session_linked",
                                   "metadata_learned", "attributes_changed"])
        attrs = [r for r in rows_ if r["kind"] == "attributes_changed"]
        expect_eq("attributes changed", [(r["event_id"],
                                          sorted(r["detail"]["fields"]))
                                         for r in attrs],
                  [(first.payload["event_id"], ["phone_number"]),
                   (later.payload["event_id"], ["email", "phone_number"])])
        learned = [r for r in rows_ if r["kind"] == "metadata_learned"]
        if "name" not in learned[0]["detail"]["keys"]:
            raise TestFailure("metadata_learned %r" % learned)
        if got[0] != "created" or rows_[0]["event_id"] != first.payload[
                "event_id"]:
            raise TestFailure("created row %r" % rows_[0])
        everything = json.dumps(audit(c)) + json.dumps(ctlib.psql_json(
            c.db, "SELECT coalesce(json_agg(l), '[]') FROM profile_merge_ledger l"))
        for value in (user, phone1, phone2, email, "Rudo", dev):
            if value in everything:
                raise TestFailure("audit or ledger holds %r" % value)

        # a replay adds nothing, also once the summaries are redone
        n_audit = audit_count(c)
        c.produce(tl.delivered)
        c.wait_caught_up(120)
        tl.check("after a replay")
        wait_until("replayed calls re-summarized", lambda: c.sql(
            "SELECT count(*) FROM agent_sessions WHERE summary_due_at IS NOT NULL"
        ).strip() == "0")
        expect_eq("audit rows after a replay", audit_count(c), n_audit)


def test_merge_in_the_joining_batch():
    """A device's first session joins in the batch that also logs the device
    in (another session): the worker puts the new session on the anonymous
    profile in its rule 1 update, then rule 2 merges the device and rule 3
    moves the session on.  The audit shows the net move only: one
    'session_linked' on the user, none on the anonymous profile."""
    b = ctlib.Builder(6034)
    dev = "watch-" + b.uuid()[:8]
    user = "chipo-" + dev[-6:]
    s1, s2 = b.uuid(), b.uuid()
    anon, uid = A(dev), U(user)
    with ctlib.case("ledger_one_batch") as c:
        j1, j2 = b.join(s1, 0, anonymous_id=dev), b.join(s2, 10, anonymous_id=dev)
        login = b.auth(s2, 11, user)
        events = [j1, b.msg(s1, 1, "hello"), j2, login]
        c.produce(events)
        # produced before the worker starts, and a long batch wait: one batch
        c.start_worker({"CONVTRACK_BATCH_MAX_WAIT_MS": "3000"})
        c.wait_caught_up(120)
        tl = Timeline(c)
        tl.delivered = list(events)
        st = tl.check("one batch")
        expect_eq("s1 with the user", rows(st, "sessions")[s1]["profile_id"],
                  uid)
        xmins = c.sql(
            "SELECT (SELECT xmin FROM participant_joins WHERE event_id = '%s')"
            " = (SELECT xmin FROM session_authentications WHERE event_id = '%s')"
            % (j1.payload["event_id"], login.payload["event_id"])).strip()
        if xmins != "t":
            raise TestFailure("the join of s1 and the login of s2 were applied"
                              " in different transactions: this test needs"
                              " them in one batch")
        expect_kinds("anonymous profile", kinds(c, anon), ["created", "merged"])
        moves = [r for r in audit(c) if r["kind"] in ("session_linked",
                                                      "session_unlinked")]
        expect_eq("session moves", sorted(
            (r["profile_id"], r["kind"], r["detail"]["from_profile_id"] or "",
             tuple(r["detail"]["sessions"]), r["event_id"]) for r in moves),
            sorted([(uid, "session_linked", "", (s1,), j1.payload["event_id"]),
                    (uid, "session_linked", "", (s2,),
                     login.payload["event_id"])]))


TESTS = [test_merge_unmerge_replay, test_shared_device_policy, test_audit_kinds,
         test_merge_in_the_joining_batch]

if __name__ == "__main__":
    ctlib.main(TESTS, parallel=3)
