#!/usr/bin/env python3
"""The message-id registry (issue 18, sql/015_message_registry.sql,
docs/history-cost.md): message ids in runs, the open one written, sealed
ones read through Bloom filters.

- sealed runs, two workers: a worker seals the open run at
  registry.seal_mib while both apply a stream, and merges the four
  smallest sealed runs into one once there are more than
  registry.max_runs (the retired runs' tables dropped); afterwards
  redeliveries of messages in the merged run change nothing, corrected transcripts of them
  replace their content (rule 6), their ids reused in other sessions are
  dead-lettered (message_id_conflict), and the whole database equals the
  contract's model; every stored message's id is in the registry once,
  under its session;
- a sealed run without a filter (lost, or not built yet) is read for every
  id: the same checks hold; `convtrack migrate` builds the filter;
- a populated database at schema 14 (before the registry) migrates: its
  ids become sealed run 1, migrate builds run 1's filter, its
  message_redactions rows get their session, and the worker finds the
  migrated messages (redelivery, correction, conflict).
"""

import glob
import json
import os

import ctlib
from ctlib import TestFailure

SEALING = {"CONVTRACK_REGISTRY_SEAL_MIB": "1",
           "CONVTRACK_REGISTRY_MAX_RUNS": "3",
           "CONVTRACK_SESSIONS_SWEEP_INTERVAL_S": "1"}


def runs(c):
    """[(run, sealed, has filter, ids)] of message_id_runs."""
    out = c.sql("SELECT run, sealed_at IS NOT NULL, filter IS NOT NULL,"
                " coalesce(ids, -1) FROM message_id_runs ORDER BY run")
    return [(int(r), s == "t", f == "t", int(n))
            for r, s, f, n in (line.split("|") for line in out.splitlines())]


def check_registry(c, what):
    """Every stored message's id is in message_ids once, under its
    session, and nothing else is."""
    bad = c.sql("SELECT count(*) FROM conversation_messages m"
                " FULL JOIN message_ids r USING (message_id)"
                " WHERE m.message_id IS NULL OR r.message_id IS NULL"
                "  OR m.session_id <> r.session_id").strip()
    dup = c.sql("SELECT count(*) - count(DISTINCT message_id) FROM message_ids").strip()
    if bad != "0" or dup != "0":
        raise TestFailure("%s: registry and messages disagree (%s rows differ,"
                          " %s ids twice)" % (what, bad, dup))


def merged(c):
    """A merge is done: four run numbers retired (gone from
    message_id_runs), a sealed run holding more than two waves' ids, and
    no merge under way."""
    rs = runs(c)
    gone = max(r for r, _, _, _ in rs) - len(rs)
    return (gone >= 4 and any(s and f and n > 40000 for r, s, f, n in rs) and
            c.sql("SELECT count(*) FROM message_id_runs WHERE merging").strip() == "0")


def stored_in_run(c, run, n):
    """n (message_id, session_id) of sealed run run."""
    out = c.sql("SELECT message_id, session_id FROM message_ids WHERE run = %d"
                " ORDER BY message_id LIMIT %d" % (run, n))
    return [tuple(line.split("|")) for line in out.splitlines()]


def conflicts(b, pairs, tag):
    """Messages in new sessions that reuse the ids of pairs: every one must
    be dead-lettered as message_id_conflict."""
    return [b.msg(b.uuid(), 500 + i, "%s: stolen id" % tag, message_id=mid)
            for i, (mid, _) in enumerate(pairs)]


def check_conflicts(c, evs, what):
    want = {ev.payload["event_id"] for ev in evs}
    got = {}
    for r in c.dead_letters():
        try:
            eid = json.loads(r.value).get("event_id")
        except (ValueError, TypeError, AttributeError):
            continue
        if eid in want:
            got[eid] = r.headers.get("convtrack-error")
    missing = want - set(got)
    wrong = {k: v for k, v in got.items() if v != "message_id_conflict"}
    if missing or wrong:
        raise TestFailure("%s: conflicts not dead-lettered as message_id_conflict:"
                          " missing %d, wrong %r" % (what, len(missing), wrong))


def corrections(b, evs, t):
    """Corrected transcripts (same message_id, later, new content) of the
    message events evs."""
    return [b.msg(e.payload["session_id"], t + i, "corrected %d" % i,
                  message_id=e.payload.get("message_id") or e.payload["event_id"])
            for i, e in enumerate(evs)]


def test_sealed_runs():
    with ctlib.case("registry_sealed", partitions=2) as c:
        c.start_worker(SEALING)
        c.start_worker(SEALING)
        tl = ctlib.Timeline(c)
        b = ctlib.Builder(1801)
        sessions = [b.uuid() for _ in range(420)]
        first = []
        # three waves of 21,000 messages, each more than registry.seal_mib
        # (1 MiB of rows: about 17,000 ids) and so each sealed; then the
        # four smallest sealed runs (run 1 of the migration, empty, among
        # them) are more than registry.max_runs (3): merged into one
        for w in range(3):
            wave = []
            for i in range(w * 140, (w + 1) * 140):
                sid = sessions[i]
                wave.append(b.join(sid, 0, room="room-%d" % i,
                                   participant="p-%d" % i, anonymous_id="dev-%d" % i))
                for k in range(150):
                    wave.append(b.msg(sid, 1 + k, "message %d of call %d" % (k, i),
                                      seq=k))
            tl.deliver(wave, "wave %d: 21,000 messages" % (w + 1), timeout=300)
            first.extend(wave)
            if w < 2:
                ctlib.wait_for("wave %d sealed" % (w + 1),
                               lambda: sum(1 for r, s, f, n in runs(c) if s and f)
                               >= w + 2, timeout=120)
        ctlib.wait_for("the four smallest sealed runs merged while the workers ran",
                       lambda: merged(c), timeout=180)
        check_registry(c, "after the first wave")
        ctlib.expect_eq("tables of retired runs dropped", c.sql(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'message_ids'::regclass"
            ).strip(), str(len(runs(c))))
        sealed = [r for r, s, f, n in sorted(runs(c), key=lambda x: -x[3]) if s and n > 0]
        pairs = stored_in_run(c, sealed[0], 10)
        msgs = [e for e in first if e.etype == "message"]
        in_sealed = {mid for mid, _ in stored_in_run(c, sealed[0], 100000)}
        olds = [e for e in msgs if e.payload["event_id"] in in_sealed]
        if len(olds) < 100:
            raise TestFailure("fewer than 100 messages in the sealed run: %d"
                              % len(olds))
        bad = conflicts(b, pairs, "wave 2")
        c.produce(bad)
        second = (olds[:60]                                  # redeliveries
                  + corrections(b, olds[60:100], 400)
                  + [b.msg(b.uuid(), 300 + i, "a new call %d" % i)
                     for i in range(200)])
        tl.deliver(second, "redeliveries, corrections, new calls", timeout=300)
        check_conflicts(c, bad, "conflicts with a sealed run")
        got = c.sql("SELECT count(*) FROM conversation_messages"
                    " WHERE content LIKE 'corrected %'").strip()
        ctlib.expect_eq("corrected transcripts of sealed-run messages", got, "40")
        check_registry(c, "after the second wave")

        # A sealed run without a filter is read for every id.
        c.stop_workers()
        run = sealed[0]
        c.sql("UPDATE message_id_runs SET filter = NULL WHERE run = %d;"
              " UPDATE message_id_registry SET generation = generation + 1" % run)
        c.start_worker()  # sweep interval 86400: it builds no filter
        bad2 = conflicts(b, stored_in_run(c, run, 15)[10:], "no filter")
        c.produce(bad2)
        third = (olds[100:130] + corrections(b, olds[130:150], 700))
        tl.deliver(third, "no filter: redeliveries and corrections", timeout=300)
        check_conflicts(c, bad2, "conflicts with a run that has no filter")
        ctlib.expect_eq("the run still has no filter",
                        [f for r, s, f, n in runs(c) if r == run], [False])
        check_registry(c, "without a filter")
        c.stop_workers()
        p = ctlib.run([ctlib.bin_path("convtrack"), "migrate"],
                      extra_env=c.worker_env())
        if b"message-id filters built: 1" not in p.stdout:
            raise TestFailure("migrate did not build the filter: %r" % p.stdout)
        ctlib.expect_eq("the filter is back",
                        [f for r, s, f, n in runs(c) if r == run], [True])


def sql_files():
    src = os.environ.get("CT_SOURCE_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    return sorted(glob.glob(os.path.join(src, "sql", "[0-9][0-9][0-9]_*.sql")))


def test_migrate_populated():
    """A database at schema 14 with messages migrates to the registry."""
    c = ctlib.Case("registry_migrate")
    ok = False
    try:
        ctlib.psql("postgres", 'CREATE DATABASE "%s"' % c.db)
        c.created = True
        c.sql("CREATE TABLE schema_migrations (name text PRIMARY KEY,"
              " applied_at timestamptz NOT NULL DEFAULT now())")
        for f in sql_files():
            name = os.path.basename(f)
            if name >= "015":
                break
            with open(f) as fh:
                ctlib.psql(c.db, fh.read() + "\n;INSERT INTO schema_migrations (name)"
                           " VALUES ('%s')" % name, timeout=120)
        b = ctlib.Builder(1802)
        sids = [b.uuid() for _ in range(50)]
        # 5,000 messages stored before the registry, as the worker stores them
        c.sql("INSERT INTO conversation_messages (message_id, session_id, role,"
              " content, occurred_at, version_at, version_event_id)"
              " SELECT md5('m' || i)::uuid, (ARRAY['%s'])[1 + i %% 50]::uuid,"
              " 'user', 'old ' || i, now() - interval '1 day' + i * interval '1 ms',"
              " now() - interval '1 day' + i * interval '1 ms', md5('e' || i)::uuid"
              " FROM generate_series(1, 5000) i" % "','".join(sids))
        c.sql("INSERT INTO message_redactions (message_id, version_event_id,"
              " version_at, spans) SELECT message_id, version_event_id, version_at,"
              " '[]' FROM conversation_messages ORDER BY message_id LIMIT 3")
        p = ctlib.run([ctlib.bin_path("convtrack"), "migrate"],
                      extra_env=c.worker_env())
        if b"migrations applied: 0" in p.stdout or \
           b"message-id filters built: 1" not in p.stdout:
            raise TestFailure("migrate: %r" % p.stdout)
        ctlib.expect_eq("runs after migrating", runs(c),
                        [(1, True, True, 5000), (2, False, False, -1)])
        check_registry(c, "after migrating")
        ctlib.expect_eq("message_redactions rows with their session",
                        c.sql("SELECT count(*) FROM message_redactions r JOIN"
                              " conversation_messages m USING (session_id, message_id)"
                              ).strip(), "3")
        ctlib.expect_eq("conversation_messages has no primary key any more",
                        c.sql("SELECT count(*) FROM pg_constraint WHERE conrelid ="
                              " 'conversation_messages'::regclass AND contype = 'p'"
                              ).strip(), "0")
        c.create_topics()
        c.start_worker()
        mids = c.sql("SELECT message_id, session_id FROM conversation_messages"
                     " ORDER BY message_id LIMIT 3").split()
        (m1, s1), (m2, s2), (m3, _) = [x.split("|") for x in mids]
        late = b.ts(86400 * 5 - 7200)  # after every stored version (a day ago)
        fix = b.msg(s1, late, "a corrected old message", message_id=m1)
        again = b.msg(s2, b.ts(1), "an older copy of an old message", message_id=m2)
        steal = b.msg(b.uuid(), late, "an old id in a new call", message_id=m3)
        c.produce([fix, again, steal])
        c.wait_caught_up()
        ctlib.expect_eq("the correction replaced the migrated message",
                        c.sql("SELECT content FROM conversation_messages"
                              " WHERE message_id = '%s'" % m1).strip(),
                        "a corrected old message")
        ctlib.expect_eq("an earlier copy changed no content",
                        c.sql("SELECT content FROM conversation_messages"
                              " WHERE message_id = '%s'" % m2).strip()[:4], "old ")
        check_conflicts(c, [steal], "a migrated id reused")
        ctlib.expect_eq("messages after the worker", c.sql(
            "SELECT count(*) FROM conversation_messages").strip(), "5000")
        check_registry(c, "after the worker")
        c.stop_workers()
        ok = True
    finally:
        c.cleanup(ok)


TESTS = [test_sealed_runs, test_migrate_populated]

if __name__ == "__main__":
    ctlib.main(TESTS)
