#!/usr/bin/env python3
"""Least privilege (issue 17, part 4) against the real database.

`convtrack migrate` creates convtrack_worker, convtrack_operator and
convtrack_reader (sql/012_roles.sql).  Here login roles holding only one
of them each: the worker runs as the first (and applies events, summarizes,
publishes), the operator commands run as the second, and the third reads
the analytics views and summaries but not message content, phone numbers
or emails.  The worker role cannot change the schema, and `convtrack run`
refuses a superuser unless postgres.allow_superuser is set.
"""

import json
import time

import ctlib
from ctlib import TestFailure, expect_eq


def as_role(c, role, sql, ok=True):
    """Runs sql in c's database as login role role; returns (rc, output)."""
    p = ctlib.run(["psql", "-AtX", "-v", "ON_ERROR_STOP=1", "-U", role,
                   "-d", c.db, "-c", sql], check=False, timeout=60)
    out = (p.stdout + p.stderr).decode(errors="replace").strip()
    if ok and p.returncode != 0:
        raise TestFailure("as %s: %s failed: %s" % (role, sql, out))
    if not ok and (p.returncode == 0 or not ("permission denied" in out or
                                             "must be owner" in out)):
        raise TestFailure("as %s: %s was not refused (exit %d): %s" %
                          (role, sql, p.returncode, out))
    return p.returncode, out


def cli(c, role, *args):
    env = c.worker_env()
    env["PGUSER"] = role
    del env["CONVTRACK_POSTGRES_ALLOW_SUPERUSER"]
    p = ctlib.run([ctlib.bin_path("convtrack")] + list(args), extra_env=env,
                  check=False, timeout=120)
    if p.returncode != 0:
        raise TestFailure("convtrack %s as %s: exit %d\n%s%s" % (
            " ".join(args), role, p.returncode, p.stdout.decode(),
            p.stderr.decode()))
    return p.stdout.decode()


def test_roles():
    b = ctlib.Builder(1717)
    s1, s2 = b.uuid(), b.uuid()
    evs = [b.join(s1, 0, anonymous_id="dev-priv-1"),
           b.msg(s1, 1, "Hi, I'm Tendai, you can reach me on 0771 234 567. "
                 "What is my balance?", seq=0),
           b.msg(s1, 2, "Your balance is shown in the app.", role="assistant",
                 seq=1),
           b.end(s1, 3, reason="hangup"),
           b.join(s2, 10, anonymous_id="dev-priv-2"),
           b.auth(s2, 11, "priv.user", phone="+263770000017",
                  email="priv@example.com"),
           b.msg(s2, 12, "Please block my card.", seq=0),
           b.end(s2, 13, reason="hangup")]
    with ctlib.case("privileges") as c:
        w, o, r = (c.db + "_" + k for k in ("worker", "operator", "reader"))
        ctlib.psql("postgres",
                   "CREATE ROLE %s LOGIN IN ROLE convtrack_worker; "
                   "CREATE ROLE %s LOGIN IN ROLE convtrack_operator; "
                   "CREATE ROLE %s LOGIN IN ROLE convtrack_reader" % (w, o, r))
        try:
            check_roles(c, evs, w, o, r)
        finally:
            c.stop_workers()
            ctlib.psql("postgres", "DROP ROLE IF EXISTS %s, %s, %s" %
                       (w, o, r))


def check_roles(c, evs, w, o, r):
    # The cluster's superuser is refused, and told why.
    env = c.worker_env()
    del env["CONVTRACK_POSTGRES_ALLOW_SUPERUSER"]
    p = ctlib.run([ctlib.bin_path("convtrack"), "run"], extra_env=env,
                  check=False, timeout=60)
    err = p.stderr.decode(errors="replace")
    expect_eq("exit code of run as a superuser", p.returncode, 2)
    if "refusing to run as a PostgreSQL superuser" not in err or \
            "convtrack_worker" not in err:
        raise TestFailure("no reason given for the refusal:\n" + err[-2000:])

    # The worker as a login role holding convtrack_worker alone.
    c.start_worker({"PGUSER": w, "CONVTRACK_SUMMARY_GRACE_MS": "200",
                    "CONVTRACK_POSTGRES_ALLOW_SUPERUSER": "false"})
    c.produce(evs)
    c.wait_caught_up(120)
    deadline = time.time() + 60
    while ctlib.psql(c.db, "SELECT count(*) FROM conversation_summaries"
                     ).strip() != "2":
        if time.time() > deadline:
            raise TestFailure("the worker (as %s) wrote no summaries:\n%s" %
                              (w, c.workers[0].tail()))
        time.sleep(0.3)
    expect_eq("messages stored by the worker role",
              ctlib.psql(c.db, "SELECT count(*) FROM conversation_messages"
                         ).strip(), "3")
    # A session may be summarized twice (a batch landing after its grace
    # makes version 2): every version in the outbox must be marked sent and
    # be on the topic, for both sessions.
    def published():
        rows = ctlib.psql(c.db, "SELECT event_id, sent_at IS NOT NULL FROM "
                          "summary_outbox").split()
        outbox = {r.split("|")[0] for r in rows}
        if not outbox or any(not r.endswith("|t") for r in rows):
            return False
        recs = ctlib.dump_topic(c.topic_summary)
        return ({json.loads(x.value)["event_id"] for x in recs} == outbox and
                len({x.key for x in recs}) == 2)
    ctlib.wait_for("the worker role publishes both sessions' summaries",
                   published, 60)
    log = open(c.workers[0].log_path, errors="replace").read()
    if "superuser" in log:
        raise TestFailure("the worker role was taken for a superuser")

    # No DDL for the worker role, nothing in other schemas.
    as_role(c, w, "CREATE TABLE ct_probe (i int)", ok=False)
    as_role(c, w, "ALTER TABLE conversation_messages ADD COLUMN x int",
            ok=False)
    as_role(c, w, "DROP TABLE profile_audit", ok=False)
    as_role(c, w, "CREATE SCHEMA ct_probe", ok=False)
    # ... but it seals the message-id registry's open run (a function that
    # creates the next run's partition) and may not create a run itself
    open_run = ctlib.psql(c.db, "SELECT open_run FROM message_id_registry").strip()
    expect_eq("the worker role seals the open run",
              as_role(c, w, "SELECT ct_registry_seal(%s)" % open_run)[1], open_run)
    expect_eq("a new run is open",
              ctlib.psql(c.db, "SELECT open_run FROM message_id_registry").strip(),
              str(int(open_run) + 1))
    as_role(c, w, "SELECT ct_registry_create_run(99)", ok=False)
    as_role(c, w, "DROP TABLE message_ids_r%s" % open_run, ok=False)

    # The operator commands as convtrack_operator.
    user_id = json.loads(cli(c, o, "profile", "show", "--username",
                             "priv.user", "--json"))["profile"]["id"]
    cli(c, o, "summaries", "--profile", user_id, "--json")
    cli(c, o, "report", "--json")
    dev2 = ctlib.psql(c.db, "SELECT id FROM user_profiles WHERE "
                      "anonymous_id = 'dev-priv-1'").strip()
    cli(c, o, "merge", dev2, user_id)
    expect_eq("merged by the operator role",
              ctlib.psql(c.db, "SELECT merged_into_profile_id FROM "
                         "user_profiles WHERE id = '%s'" % dev2).strip(),
              user_id)

    # The reader: analytics and summaries, no content, no contacts.
    _, out = as_role(c, r, "SELECT sessions FROM analytics_summary")
    expect_eq("sessions the reader sees", out, "2")
    _, out = as_role(c, r, "SELECT count(*) FROM conversation_summaries")
    expect_eq("summaries the reader sees", out, "2")
    as_role(c, r, "SELECT count(*) FROM analytics_sessions")
    for sql in ("SELECT content FROM conversation_messages",
                "SELECT phone_number, email FROM user_profiles",
                "SELECT value FROM session_identity_mentions",
                "SELECT * FROM profile_match_candidates",
                "SELECT * FROM message_redactions",
                "SELECT * FROM summary_outbox",
                "SELECT merge_profiles('%s', '%s')" % (dev2, user_id),
                "DELETE FROM conversation_summaries"):
        as_role(c, r, sql, ok=False)


TESTS = [test_roles]

if __name__ == "__main__":
    ctlib.main(TESTS)
