#!/usr/bin/env python3
"""Retention of message text (issue 6, item 5; docs/privacy-retention.md).

- two workers with retention.messages_days = 30 purge the text of every
  message older than 30 days exactly once (rows counted, and the sum of
  convtrack_messages_purged_total over both workers equals the number of
  old messages), keep the text of recent messages, keep summaries,
  message_count and total_messages, and mark the purged sessions;
- replaying the old messages (and a newer version of one) brings no text
  back and changes no count; a late message to a purged, summarized session
  makes no new summary version (and is purged itself by a later pass);
- retention is off by default: nothing is purged, `convtrack retention run`
  refuses; with the setting it runs one pass and prints what it did.
"""

import json

import ctlib
from ctlib import TestFailure
from test_http import free_port, get, metric
from test_summaries import events_of, wait_for

DAY_US = 86400 * 1000000
FAST = {"CONVTRACK_SUMMARY_GRACE_MS": "300"}
RETAIN = {"CONVTRACK_RETENTION_MESSAGES_DAYS": "30",
          "CONVTRACK_RETENTION_INTERVAL_S": "1",
          "CONVTRACK_RETENTION_BATCH_SIZE": "3"}


def call(b, sid, device, t0, texts):
    """A call: join, the given messages one second apart, hangup."""
    evs = [b.join(sid, t0, anonymous_id=device)]
    for i, text in enumerate(texts):
        evs.append(b.msg(sid, t0 + 1 + i, text, role="user" if i % 2 == 0
                         else "assistant", message_id=b.uuid(), seq=i))
    evs.append(b.end(sid, t0 + 1 + len(texts), reason="hangup",
                     duration=1 + len(texts)))
    return evs


def scenario():
    """Old calls (40 days ago), a call and an open call that span the
    30-day cutoff, and recent calls (5 days ago).  Returns (events, old message events,
    session ids by kind)."""
    now_base = ctlib.recent_base_us(days_ago=0)
    old = ctlib.Builder(801, base_us=now_base - 40 * DAY_US)
    span = ctlib.Builder(802, base_us=now_base - 31 * DAY_US)
    new = ctlib.Builder(803, base_us=now_base - 5 * DAY_US)
    events, kinds = [], {"old": [], "span": [], "open": [], "new": []}
    for i in range(8):
        sid = old.uuid()
        kinds["old"].append(sid)
        events += call(old, sid, "dev-old-%d" % (i % 3), i * 600,
                       ["Hi, my name is Tendai. What is my balance?",
                        "Your balance is shown in the app.",
                        "Thank you, that helps."])
    sid = span.uuid()
    kinds["span"].append(sid)
    t_new = 2 * 86400  # two days later: 29 days ago
    events += [span.join(sid, 0, anonymous_id="dev-span"),
               span.msg(sid, 1, "I lost my card yesterday.",
                        message_id=span.uuid(), seq=0),
               span.msg(sid, t_new, "Did you block it?", role="assistant",
                        message_id=span.uuid(), seq=1),
               span.end(sid, t_new + 1, reason="hangup")]
    # an open call (no call_ended, too young to be stale) spanning the
    # cutoff: found through the open-session index
    sid = span.uuid()
    kinds["open"].append(sid)
    events += [span.join(sid, 60, anonymous_id="dev-open"),
               span.msg(sid, 61, "Can I open a savings account?",
                        message_id=span.uuid(), seq=0),
               span.msg(sid, t_new + 60, "Yes, in any branch.",
                        role="assistant", message_id=span.uuid(), seq=1)]
    for i in range(4):
        sid = new.uuid()
        kinds["new"].append(sid)
        events += call(new, sid, "dev-old-%d" % (i % 3), i * 600,
                       ["How do I reset my PIN?", "Dial *236# and choose 4."])
    cutoff_us = now_base - 30 * DAY_US
    old_msgs = [e for e in events if e.etype == "message"
                and ctlib.model.parse_ts(e.payload["occurred_at"]) < cutoff_us]
    return events, old_msgs, kinds


def snapshot(c):
    """What retention must not change: summaries, counts, statistics."""
    return {
        "summaries": c.sql("SELECT session_id, summary_version, summary,"
                           " value_json FROM conversation_summaries"
                           " ORDER BY 1"),
        "sessions": c.sql("SELECT session_id, message_count"
                          " FROM agent_sessions ORDER BY 1"),
        "profiles": c.sql("SELECT id, total_sessions, total_messages,"
                          " profile_metadata FROM user_profiles ORDER BY 1"),
        "banking": c.sql("SELECT message_id, role, seq, is_banking_query,"
                         " occurred_at FROM conversation_messages ORDER BY 1"),
    }


def expect_same(what, before, after):
    for k in before:
        if before[k] != after[k]:
            raise TestFailure("%s changed %s:\nbefore:\n%s\nafter:\n%s" %
                              (what, k, before[k], after[k]))


def texts(c):
    """{message_id: (content, purged)}"""
    out = {}
    for line in c.sql("SELECT message_id, purged_at IS NOT NULL, content"
                      " FROM conversation_messages").splitlines():
        mid, purged, content = line.split("|", 2)
        out[mid] = (content, purged == "t")
    return out


def purged_metric(ports):
    total = 0.0
    for port in ports:
        code, body, _ = get(port, "/metrics")
        if code != 200:
            return None
        v = metric(body, "convtrack_messages_purged_total")
        if v is None:
            return None
        total += v
    return total


def all_summarized(c, n):
    return int(c.sql("SELECT count(*) FROM conversation_summaries").strip()) == n \
        and c.sql("SELECT count(*) FROM agent_sessions"
                  " WHERE summary_due_at IS NOT NULL").strip() == "0"


def test_two_workers_purge_once():
    events, old_msgs, kinds = scenario()
    nsummarized = sum(len(v) for v in kinds.values()) - len(kinds["open"])
    old_ids = {e.payload["message_id"] for e in old_msgs}
    with ctlib.case("retention-two", partitions=2) as c:
        # Phase 1: retention off; everything stored and summarized.
        c.start_worker(FAST)
        c.produce(events)
        c.wait_caught_up(120)
        wait_for("every session summarized", lambda: all_summarized(c, nsummarized))
        before = snapshot(c)
        stored = texts(c)
        c.stop_workers()

        # Phase 2: two workers with retention on purge the old text.
        ports = [free_port(), free_port()]
        for port in ports:
            env = dict(FAST, CONVTRACK_HTTP_PORT=str(port), **RETAIN)
            c.start_worker(env)
        wait_for("old text purged", lambda: c.sql(
            "SELECT count(*) FROM conversation_messages WHERE purged_at IS NULL"
            " AND occurred_at < now() - interval '30 days'").strip() == "0",
            timeout=120)
        wait_for("both workers' metrics add up to %d" % len(old_ids),
                 lambda: purged_metric(ports) == len(old_ids), timeout=60)
        ctlib.log("%d old messages; purged by worker: %s" % (
            len(old_ids), [purged_metric([p]) for p in ports]))
        after = texts(c)
        for mid, (content, purged) in after.items():
            if mid in old_ids:
                if content != "" or not purged:
                    raise TestFailure("old message %s kept %r" % (mid, content))
            elif purged or content != stored[mid][0] or content == "":
                raise TestFailure("recent message %s: %r purged=%s (was %r)" %
                                  (mid, content, purged, stored[mid][0]))
        expect_same("retention", before, snapshot(c))
        marked = set(c.sql("SELECT session_id FROM agent_sessions"
                           " WHERE text_purged_at IS NOT NULL").split())
        ctlib.expect_eq("sessions marked purged", marked,
                        set(kinds["old"] + kinds["span"] + kinds["open"]))
        ctlib.expect_eq("the open call is still open", c.sql(
            "SELECT ended_at IS NULL FROM agent_sessions WHERE session_id"
            " = '%s'" % kinds["open"][0]).strip(), "t")
        versions = len(events_of(c))

        # Replays: the same events, and a newer version of one old message.
        first = old_msgs[0]
        t_first = ctlib.model.parse_ts(first.payload["occurred_at"])
        b = ctlib.Builder(804, base_us=t_first)
        newer_ev = b.msg(first.payload["session_id"], 0.5,
                         "my card number is back", role=first.payload["role"],
                         message_id=first.payload["message_id"],
                         seq=first.payload["seq"])
        c.produce(old_msgs + [newer_ev])
        c.wait_caught_up(120)
        wait_for("replays settled", lambda: all_summarized(c, nsummarized))
        expect_same("replaying old messages", before, snapshot(c))
        ctlib.expect_eq("texts after the replay", texts(c), after)

        # A late message (40 days old) to a purged, summarized session.
        # Phase 1 may have summarized it twice already (its messages and
        # its call_ended come on different topics, so a message can be
        # applied after the first summary): what must hold is that the
        # late message adds no version.
        sid = kinds["old"][0]
        version_sql = ("SELECT summary_version FROM conversation_summaries"
                       " WHERE session_id = '%s'" % sid)
        version = c.sql(version_sql).strip()
        b = ctlib.Builder(805, base_us=t_first)
        late_mid = b.uuid()
        c.produce([b.msg(sid, 2.5, "One more thing about my balance.",
                         message_id=late_mid)])
        c.wait_caught_up(120)
        ctlib.expect_eq("message_count after the late message", c.sql(
            "SELECT message_count FROM agent_sessions WHERE session_id = '%s'"
            % sid).strip(), "4")
        wait_for("late message purged by a later pass", lambda: c.sql(
            "SELECT content = '' AND purged_at IS NOT NULL FROM"
            " conversation_messages WHERE message_id = '%s'" % late_mid
        ).strip() == "t", timeout=60)
        wait_for("the late message's summary due time handled",
                 lambda: all_summarized(c, nsummarized))
        # the counters move just after the commits the waits above saw
        wait_for("a summary skipped for a purged session", lambda: sum(
            metric(get(p, "/metrics")[1],
                   "convtrack_summaries_skipped_purged_total") or 0
            for p in ports) >= 1)
        wait_for("the late message in the purge metric",
                 lambda: purged_metric(ports) == len(old_ids) + 1)
        ctlib.expect_eq("summary version of the purged session after the"
                        " late message", c.sql(version_sql).strip(), version)
        ctlib.expect_eq("summary events", len(events_of(c)), versions)


def test_off_by_default_and_cli():
    events, old_msgs, kinds = scenario()
    nsummarized = sum(len(v) for v in kinds.values()) - len(kinds["open"])
    with ctlib.case("retention-off") as c:
        c.start_worker(FAST)
        c.produce(events)
        c.wait_caught_up(120)
        wait_for("every session summarized", lambda: all_summarized(c, nsummarized))
        before = snapshot(c)
        ctlib.expect_eq("purged rows with retention off", c.sql(
            "SELECT count(*) FROM conversation_messages"
            " WHERE purged_at IS NOT NULL OR content = ''").strip(), "0")
        cmd = [ctlib.bin_path("convtrack"), "retention", "run"]
        p = ctlib.run(cmd, extra_env=c.worker_env(), check=False)
        if p.returncode != 1 or b"retention is off" not in p.stderr:
            raise TestFailure("retention run while off: exit %d, %r" %
                              (p.returncode, p.stderr))
        on = dict(c.worker_env(), CONVTRACK_RETENTION_MESSAGES_DAYS="30")
        out = json.loads(ctlib.run(cmd + ["--json"], extra_env=on).stdout)
        ctlib.expect_eq("messages purged by the CLI", out["messages_purged"],
                        len(old_msgs))
        ctlib.expect_eq("sessions purged by the CLI", out["sessions_purged"],
                        len(kinds["old"]) + len(kinds["span"]) +
                        len(kinds["open"]))
        again = json.loads(ctlib.run(cmd + ["--json"], extra_env=on).stdout)
        ctlib.expect_eq("messages purged by a second run",
                        again["messages_purged"], 0)
        ctlib.expect_eq("purged rows", c.sql(
            "SELECT count(*) FROM conversation_messages WHERE content = ''"
            " AND purged_at IS NOT NULL").strip(), str(len(old_msgs)))
        expect_same("the CLI pass", before, snapshot(c))


TESTS = [test_two_workers_purge_once, test_off_by_default_and_cli]

if __name__ == "__main__":
    ctlib.main(TESTS)
