#!/usr/bin/env python3
"""Versioned text rules (issue 16, contract section 3): every stored summary
and summary_generated event names its summarizer, and `convtrack
resummarize` recomputes stored summaries with the current rules, against
the real database and topic, while a worker runs: a new version and event
only where the value changed (rule 7), nothing written with --dry-run, a
second run changes nothing, --since limits the sessions."""

import json
import os
import re

import ctlib
from ctlib import TestFailure

try:
    import jsonschema
except ImportError:  # a failure, not a skip: scripts/deps.sh installs it
    raise SystemExit("test_resummarize: python3-jsonschema is missing "
                     "(scripts/deps.sh installs it); 0 passed, 1 failed")

SCHEMAS = os.path.join(os.environ.get("CT_SOURCE_DIR", "."), "schemas")


def validate(path, doc):
    with open(os.path.join(SCHEMAS, path)) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator(schema).validate(doc)


def resummarize(c, *args):
    p = ctlib.run([ctlib.bin_path("convtrack"), "resummarize", "--json"] +
                  list(args), extra_env=c.worker_env(), check=False,
                  timeout=120)
    if p.returncode != 0:
        raise TestFailure("resummarize %s: exit %d\n%s" % (
            " ".join(args), p.returncode, p.stderr.decode()))
    doc = json.loads(p.stdout)
    validate("cli/resummarize.schema.json", doc)
    return doc


def rows(c):
    return {r["session_id"]: r for r in ctlib.psql_json(
        c.db, "SELECT coalesce(json_agg(row_to_json(s)), '[]') FROM ("
        "SELECT session_id, summary_version, summary, summarizer"
        " FROM conversation_summaries) s")}


def events(c):
    return [json.loads(r.value) for r in ctlib.dump_topic(c.topic_summary)]


def settled(c):
    """Caught up, two summaries, no summary due, every outbox row sent: what
    the input causes is all on the topic (see test_summaries.py).  A call's
    events come on four topics, so its message may be applied after its
    call_ended, and its first summary may have a second version."""
    c.wait_caught_up(60)

    def done():
        for w in c.workers:
            w.check_alive()
        return ctlib.psql(c.db, "SELECT (SELECT count(*) FROM"
                          " conversation_summaries) = 2 AND NOT EXISTS ("
                          "SELECT 1 FROM agent_sessions WHERE summary_due_at"
                          " IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM"
                          " summary_outbox WHERE sent_at IS NULL)").strip() == "t"
    ctlib.wait_for("summaries settled", done, 90)


def test_resummarize():
    b = ctlib.Builder(1601, base_us=ctlib.recent_base_us(2))
    s1, s2 = b.uuid(), b.uuid()
    evs = [b.join(s1, 0, anonymous_id="dev-resum-1"),
           b.msg(s1, 1, "I lost my card, please block it.", seq=0),
           b.msg(s1, 2, "I have blocked your card.", role="assistant", seq=1),
           b.end(s1, 3, reason="hangup"),
           b.join(s2, 10, anonymous_id="dev-resum-2"),
           b.msg(s2, 11, "What time do you open on Saturday?", seq=0),
           b.end(s2, 12, reason="hangup")]
    with ctlib.case("resummarize") as c:
        c.start_worker({"CONVTRACK_SUMMARY_GRACE_MS": "1000"})
        c.produce(evs)
        settled(c)
        first = rows(c)
        published = len(events(c))
        for sid in (s1, s2):
            if not re.match(r"^rules-\d+$", first[sid]["summarizer"] or ""):
                raise TestFailure("stored summary %r" % first[sid])
        for ev in events(c):
            validate("summary_generated.schema.json", ev)
            if ev["summarizer"] != first[ev["session_id"]]["summarizer"]:
                raise TestFailure("event summarizer %r" % ev)

        # s1's summary as an older rule version wrote it
        ctlib.psql(c.db, "UPDATE conversation_summaries SET summary ="
                   " 'an older summary', summarizer = NULL, value_json ="
                   " jsonb_set(value_json::jsonb, '{summary}',"
                   " '\"an older summary\"')::text"
                   " WHERE session_id = '%s'" % s1)

        dry = resummarize(c, "--dry-run")
        if (dry["sessions"], dry["changed"], dry["dry_run"]) != (2, 1, True):
            raise TestFailure("dry run %r" % dry)
        if rows(c)[s1]["summary"] != "an older summary" or \
                len(events(c)) != published:
            raise TestFailure("the dry run wrote something: %r" % rows(c)[s1])

        done = resummarize(c)
        if (done["sessions"], done["changed"], done["unchanged"]) != (2, 1, 1):
            raise TestFailure("resummarize %r" % done)
        now = rows(c)
        v1 = first[s1]["summary_version"] + 1
        if now[s1]["summary_version"] != v1 or \
                now[s1]["summary"] != first[s1]["summary"] or \
                now[s1]["summarizer"] != done["summarizer"]:
            raise TestFailure("s1 after resummarize %r" % now[s1])
        if now[s2] != first[s2]:
            raise TestFailure("s2 changed: %r -> %r" % (first[s2], now[s2]))
        # the worker publishes the new version's event
        ctlib.wait_for("s1's new version published", lambda: any(
            e["session_id"] == s1 and e["summary_version"] == v1
            for e in events(c)))
        settled(c)
        new = events(c)[published:]
        if len(new) != 1 or new[0]["session_id"] != s1 or \
                new[0]["summarizer"] != done["summarizer"]:
            raise TestFailure("new events %r" % new)

        again = resummarize(c)
        if again["changed"] != 0 or again["sessions"] != 2:
            raise TestFailure("second run %r" % again)
        if resummarize(c, "--since", "2999-01-01")["sessions"] != 0:
            raise TestFailure("--since does not limit the sessions")
        p = ctlib.run([ctlib.bin_path("convtrack"), "resummarize", "--since",
                       "soon"], extra_env=c.worker_env(), check=False)
        if p.returncode != 2:
            raise TestFailure("a bad --since: exit %d" % p.returncode)


if __name__ == "__main__":
    ctlib.main([test_resummarize])
