#!/usr/bin/env python3
"""Storm (issue 17, part 2): every fault in one run, with an oracle.

Two workers in one consumer group consume topics of 4 partitions while the
input arrives in waves, out of order, about 10 % of it redelivered and about
5 % of it invalid (every dead-letter class of test_dead_letter.py, plus
message_id conflicts with stored messages).  Every wave overlaps a fault:
a worker killed with SIGKILL (and restarted), the shared PostgreSQL stopped
with `pg_ctl stop -m immediate` (and started again: crash recovery), or the
mock cluster's brokers down (rd_kafka_mock_broker_set_down through
ct-mock-kafka's control FIFO); one outage of each kind also has a worker
killed and restarted inside it.  A wave's first chunk is produced before
its fault, the rest while the fault lasts.

After each fault, the time from its end (the restart, the server accepting
queries again, the brokers up) to consumer lag 0 is its recovery time.
At the end, with the workers caught up and the summaries settled:

- the input topics hold what was produced (the mock can lose parts of big
  batches, so counts are checked before they are trusted);
- the database equals the model (tests/integration/model.py) exactly, and
  every valid fact (join, login, call end) is stored once by event id;
- every invalid record is on the dead-letter topic (at least once: output
  topics are at-least-once), unchanged, with its source headers and a
  reason of its class; no valid record is;
- every ended session of the model has a summary whose profile and
  message count are the model's; every version in the outbox was sent and
  is on the summary topic with its deterministic event id, byte for byte;
  nothing else is.

test_connection_lost_at_start pins down what a restart inside an outage
can hit by chance: the worker's first connection lost during its start-up
schema check (it used to exit 1 there instead of retrying).

PostgreSQL and the brokers are shared by every test of the environment:
ctest runs this file with RUN_SERIAL.  bench/storm.sh runs the same storm
for longer (bench/storm.py).  Knobs: CT_IT_SEED, CT_IT_STORM_SESSIONS,
CT_IT_STORM_RECOVERY_S.
"""

import json
import os
import random
import statistics
import subprocess
import threading
import time

import ctlib
from ctlib import TestFailure
import model
import test_dead_letter
import test_summaries

SEED = int(os.environ.get("CT_IT_SEED", "1717"))
# One block of input: ~1,800 valid events and ~100 invalid records.
SESSIONS = int(os.environ.get("CT_IT_STORM_SESSIONS", "200"))
RECOVERY_S = float(os.environ.get("CT_IT_STORM_RECOVERY_S", "240"))

# Faster than the product's defaults, so that the storm stays short: a
# killed member is noticed after 4 s, PostgreSQL retried at least every 2 s,
# summaries 1 s after a call's last event.
FAST = {"CONVTRACK_SUMMARY_GRACE_MS": "1000",
        "CONVTRACK_KAFKA_SESSION_TIMEOUT_MS": "4000",
        "CONVTRACK_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        "CONVTRACK_RETRY_MAX_MS": "2000"}

KILL, POSTGRES, BROKER = "kill", "postgres", "broker"


class Rec:
    """One input record: event type (its topic), key, value; bad is the
    test_dead_letter.Bad it is a copy of, None for a valid event."""

    __slots__ = ("etype", "key", "value", "event", "bad")

    def __init__(self, etype, key, value, event=None, bad=None):
        self.etype, self.key, self.value = etype, key, value
        self.event, self.bad = event, bad

    def value_bytes(self):
        if self.value is None or isinstance(self.value, bytes):
            return self.value
        return self.value.encode()


class Scenario:
    """The input of a storm, made block by block: each block is a
    model.generate() scenario (with ~10 % exact duplicates) plus
    invalid_sets sets of test_dead_letter.invalid_records() (~10 % of them
    sent twice), shuffled together and cut into waves_per_block waves."""

    def __init__(self, seed, sessions, waves_per_block, invalid_sets=1):
        self.seed = seed
        self.rnd = random.Random(seed)
        self.sessions = sessions
        self.waves_per_block = waves_per_block
        self.invalid_sets = invalid_sets
        self.base_us = ctlib.recent_base_us()
        self.valid = []      # every valid Event produced (with duplicates)
        self.bad = []        # every Bad produced, once per copy
        self.produced = []   # every Rec produced
        self.blocks = 0
        self.waves = []      # waves of the current block not produced yet

    def _new_block(self):
        k = self.blocks
        self.blocks += 1
        seed = self.seed * 100 + k
        events = model.generate(seed, n_sessions=self.sessions,
                                n_devices=max(6, self.sessions // 10),
                                n_users=max(6, self.sessions // 8),
                                base_us=self.base_us)
        sids = sorted({e.payload["session_id"].lower() for e in events})
        recs = [Rec(e.etype, e.key, e.value, event=e) for e in events]
        for i in range(self.invalid_sets):
            b = ctlib.Builder(seed * 10 + i, base_us=self.base_us)
            for x in test_dead_letter.invalid_records(
                    b, self.rnd.sample(sids, 9)):
                copies = 2 if self.rnd.random() < 0.10 else 1
                recs += [Rec(x.etype, x.key, x.value, bad=x)] * copies
        self.rnd.shuffle(recs)
        n = self.waves_per_block
        self.waves = [recs[i * len(recs) // n:(i + 1) * len(recs) // n]
                      for i in range(n)]

    def next_wave(self):
        if not self.waves:
            self._new_block()
        return self.waves.pop(0)

    def rest(self):
        """The waves of the current block not produced yet, as one."""
        out = [r for w in self.waves for r in w]
        self.waves = []
        return out

    def record(self, recs):
        """Notes recs as produced."""
        for r in recs:
            self.produced.append(r)
            if r.bad is not None:
                self.bad.append(r.bad)
            else:
                self.valid.append(r.event)

    def counts(self):
        n_valid = len(self.valid)
        distinct = len({e.payload["event_id"].lower() for e in self.valid})
        return {"records": len(self.produced), "valid": n_valid,
                "valid redelivered": n_valid - distinct,
                "invalid": len(self.bad),
                "invalid redelivered": len(self.bad) - len(set(map(id,
                                                                 self.bad)))}


class Wave(threading.Thread):
    """Produces a wave: its first chunk at once, the others once the
    round's fault has started (fault_started), 0.1-0.6 s apart, so that
    they arrive while the fault lasts."""

    def __init__(self, c, recs, rnd, fault_started):
        super().__init__(daemon=True)
        self.c = c
        n = rnd.randint(3, 5) if len(recs) >= 5 else 1
        self.chunks = [recs[i * len(recs) // n:(i + 1) * len(recs) // n]
                       for i in range(n)]
        self.gaps = [rnd.uniform(0.1, 0.6) for _ in self.chunks]
        self.fault_started = fault_started
        self.first_done = threading.Event()
        self.sent_at = []    # (time the produce call started, records)
        self.error = None

    def _produce(self, recs):
        if not recs:
            return
        self.sent_at.append((time.time(), len(recs)))
        ctlib.produce_records([(self.c.topics[r.etype], r.key, r.value)
                               for r in recs], timeout=180)

    def run(self):
        try:
            self._produce(self.chunks[0])
            self.first_done.set()
            if len(self.chunks) > 1:
                self.fault_started.wait(120)
                for ch, gap in zip(self.chunks[1:], self.gaps):
                    time.sleep(gap)
                    self._produce(ch)
        except BaseException as exc:  # noqa: B902 (reported by finish)
            self.error = exc
        finally:
            self.first_done.set()

    def finish(self, timeout=240):
        self.join(timeout)
        if self.is_alive():
            raise TestFailure("a wave was still being produced %ss later"
                              % timeout)
        if self.error is not None:
            raise TestFailure("producing a wave failed: %s" % self.error)

    def sent_since(self, t):
        return sum(n for at, n in self.sent_at if at >= t)


class Fault:
    def __init__(self, kind, combo=False):
        self.kind = kind
        self.combo = combo        # a worker also killed inside the outage
        self.start = self.end = None
        self.lag_start = self.lag_end = None
        self.recovery = None
        self.sent_during = 0
        self.inside = None        # the kind of outage a kill happened in

    def describe(self):
        s = "%s" % self.kind
        if self.inside:
            s += " inside a %s outage" % self.inside
        if self.kind != KILL or self.inside:
            s += ", down %.1fs" % (self.end - self.start)
        else:
            s += ", restarted %.1fs later" % (self.end - self.start)
        s += ", lag %s at the fault" % self.lag_start
        if self.lag_end is not None:
            s += ", %s at its end" % self.lag_end
        s += ", %d records sent meanwhile" % self.sent_during
        if self.recovery is not None:
            s += ", lag 0 %.1fs after its end" % self.recovery
        return s


class Storm:
    """Two workers of one group, faults injected round by round."""

    def __init__(self, c, scenario, rnd, worker_env, hold=(2.0, 5.0),
                 kill_down=(0.0, 2.0)):
        self.c = c
        self.sc = scenario
        self.rnd = rnd
        self.worker_env = worker_env
        self.hold = hold
        self.kill_down = kill_down
        self.slots = [None, None]
        self.faults = []
        self.pg_down = False
        self.brokers_down = False
        self.starts = 0

    # -- workers

    def start(self, i):
        extra = dict(self.worker_env)
        extra["CONVTRACK_BATCH_MAX_EVENTS"] = self.rnd.choice(
            ("10", "50", "200", "5000"))
        extra["CONVTRACK_BATCH_PARALLELISM"] = self.rnd.choice(("1", "1",
                                                                "2"))
        self.slots[i] = self.c.start_worker(extra)
        self.starts += 1

    def check_alive(self):
        for w in self.slots:
            w.check_alive()

    def lag(self, timeout=10):
        return ctlib.try_group_lag(self.c.group, list(self.c.topics.values()),
                                   timeout)

    def wait_lag0(self, since, timeout):
        """Seconds from since until the group's lag is 0."""
        deadline = time.time() + timeout
        last = None
        while True:
            self.check_alive()
            last = self.lag()
            if last == 0:
                return time.time() - since
            if time.time() > deadline:
                raise TestFailure("lag %s %.0fs after the fault's end\n%s" % (
                    last, time.time() - since, "\n".join(
                        "worker %d:\n%s" % (w.n, w.tail(15))
                        for w in self.slots)))
            time.sleep(0.2)

    # -- one round: a wave and its fault

    def round(self, kind, combo, recovery_timeout):
        recs = self.sc.next_wave()
        return self.round_with(recs, kind, combo, recovery_timeout)

    def round_with(self, recs, kind, combo, recovery_timeout):
        self.sc.record(recs)
        started = threading.Event()
        wave = Wave(self.c, recs, self.rnd, started)
        wave.start()
        wave.first_done.wait(180)
        # the fault's instant: a random moment while the first chunk is
        # being consumed
        time.sleep(self.rnd.uniform(0.0, 1.0))
        faults = []
        try:
            if kind == KILL:
                f = self._kill_fault(started)
            elif kind == POSTGRES:
                f = self._postgres_fault(started, combo, faults)
            else:
                f = self._broker_fault(started, combo, faults)
        finally:
            started.set()
        faults.insert(0, f)
        wave.finish()
        for x in faults:
            x.sent_during = wave.sent_since(x.start)
        f.recovery = self.wait_lag0(f.end, recovery_timeout)
        for x in faults:
            self.faults.append(x)
            ctlib.log("fault %d: %s" % (len(self.faults), x.describe()))
        return f

    def _kill_fault(self, started):
        f = Fault(KILL)
        i = self.rnd.randrange(2)
        self.check_alive()
        f.lag_start = self.lag()
        f.start = time.time()
        old = self.slots[i].n
        self.slots[i].kill9()
        started.set()
        time.sleep(self.rnd.uniform(*self.kill_down))
        self.start(i)
        f.end = time.time()
        ctlib.log("  SIGKILL worker %d at lag %s, restarted as worker %d"
                  % (old, f.lag_start, self.slots[i].n))
        return f

    def _inner_kill(self, kind, until, faults):
        """A worker killed and restarted inside an outage ending at until."""
        time.sleep(max(0.0, self.rnd.uniform(0.2, 0.5) *
                       (until - time.time())))
        k = Fault(KILL)
        k.inside = kind
        i = self.rnd.randrange(2)
        old = self.slots[i].n
        k.start = time.time()
        self.slots[i].kill9()
        time.sleep(self.rnd.uniform(0.1, 0.8))
        self.start(i)
        k.end = time.time()
        ctlib.log("  SIGKILL worker %d inside the %s outage, restarted as "
                  "worker %d" % (old, kind, self.slots[i].n))
        faults.append(k)

    def _outage(self, kind, down, up, started, combo, faults):
        """An outage of kind: down() now, up() after the hold (a worker
        killed and restarted inside it when combo); self.pg_down or
        self.brokers_down says it lasts, for repair()."""
        flag = "pg_down" if kind == POSTGRES else "brokers_down"
        f = Fault(kind, combo)
        self.check_alive()
        f.lag_start = self.lag()
        f.start = time.time()
        down()
        setattr(self, flag, True)
        started.set()
        until = f.start + self.rnd.uniform(*self.hold)
        if combo:
            self._inner_kill(kind, until, faults)
        time.sleep(max(0.0, until - time.time()))
        self.check_alive()
        if kind == POSTGRES:
            # Nothing can be committed now, and records arrived meanwhile.
            f.lag_end = self.lag()
        up()
        setattr(self, flag, False)
        f.end = time.time()
        return f

    def _postgres_fault(self, started, combo, faults):
        f = self._outage(POSTGRES, ctlib.pg_stop_immediate, ctlib.pg_start,
                         started, combo, faults)
        if not f.lag_end:
            raise TestFailure("lag %r at the end of a PostgreSQL outage: the "
                              "wave did not overlap it (or offsets were "
                              "committed without the database)" % f.lag_end)
        return f

    def _broker_fault(self, started, combo, faults):
        return self._outage(BROKER, ctlib.broker_down, ctlib.broker_up,
                            started, combo, faults)

    def repair(self):
        """Brings the servers back after a failure in the middle."""
        if self.brokers_down:
            ctlib.broker_up()
            self.brokers_down = False
        if self.pg_down or not ctlib.pg_running():
            ctlib.pg_start()
            self.pg_down = False

    # -- figures

    def figures(self):
        by = {}
        for f in self.faults:
            key = f.kind if not f.inside else "kill inside an outage"
            by.setdefault(key, []).append(f)
        out = {}
        for key, fs in by.items():
            rec = [f.recovery for f in fs if f.recovery is not None]
            down = [f.end - f.start for f in fs]
            out[key] = {
                "count": len(fs),
                "down p50": statistics.median(down),
                "down max": max(down),
                "recovery p50": statistics.median(rec) if rec else None,
                "recovery max": max(rec) if rec else None,
            }
        return out


# --------------------------------------------------------------------------
# Conflicts with stored messages


def conflict_records(c, b):
    """Two messages claiming message_ids stored for other sessions: one in
    a new session, one in an existing session (dead-lettered as
    message_id_conflict, nothing written).  Read from the database, so
    call it while the server is up and after a wave was applied."""
    rows = ctlib.psql(c.db, "SELECT message_id, session_id FROM "
                      "conversation_messages ORDER BY message_id LIMIT 2"
                      ).split()
    if len(rows) < 2:
        raise TestFailure("fewer than 2 messages stored before the "
                          "conflicts: %r" % rows)
    (mid1, _), (mid2, sid2) = [r.split("|") for r in rows]
    other = ctlib.psql(c.db, "SELECT session_id FROM agent_sessions WHERE "
                       "session_id <> '%s' ORDER BY session_id LIMIT 1"
                       % sid2).strip()
    s_new = b.uuid()
    out = []
    for sid, mid, what in ((s_new, mid1, "new session"),
                           (other, mid2.upper(), "existing session")):
        ev = b.msg(sid, 7, "stolen id", message_id=mid)
        x = test_dead_letter.Bad(
            "message", sid, ev.value,
            "message_id of another session (%s)" % what,
            ["message_id_conflict"])
        out.append(Rec("message", sid, ev.value, bad=x))
    return out, s_new


# --------------------------------------------------------------------------
# The oracle


def check_input(c, sc):
    """The input topics hold exactly what was produced (the mock cluster
    can drop parts of large batches: counts are trusted only after this).
    Returns {(topic, partition, offset): Rec} of every source record."""
    from collections import Counter
    want = Counter((c.topics[r.etype], r.key, r.value_bytes())
                   for r in sc.produced)
    by_key = {}
    for r in sc.produced:
        by_key.setdefault((c.topics[r.etype], r.key, r.value_bytes()), r)
    got = Counter()
    source = {}
    for etype in model.TOPICS:
        for r in c.dump_input(etype):
            k = (r.topic, r.key, r.value)
            got[k] += 1
            if k in by_key:
                source[(r.topic, r.partition, r.offset)] = by_key[k]
    if got != want:
        missing = want - got
        extra = got - want
        raise TestFailure("the input topics do not hold what was produced: "
                          "%d records missing, %d unexpected (e.g. %r)" % (
                              sum(missing.values()), sum(extra.values()),
                              list(missing)[:2] + list(extra)[:2]))
    return source


def check_facts(c, sc):
    """Every valid join, login and call end is stored once by event id."""
    want = {}
    for e in sc.valid:
        want.setdefault(e.etype, set()).add(e.payload["event_id"].lower())
    for etype, table in (("participant_joined", "participant_joins"),
                         ("authenticated", "session_authentications"),
                         ("call_ended", "call_ends")):
        got = ctlib.psql(c.db, "SELECT count(*), count(DISTINCT event_id) "
                         "FROM %s" % table).strip()
        ctlib.expect_eq("%s rows (all, distinct event ids)" % table, got,
                        "%d|%d" % (len(want.get(etype, ())),
                                   len(want.get(etype, ()))))
        ids = set(ctlib.psql(c.db, "SELECT event_id FROM %s" % table)
                  .split())
        if ids != want.get(etype, set()):
            raise TestFailure("%s: event ids differ from the valid %s "
                              "events" % (table, etype))


def check_dead_letters(c, sc, source):
    """Every invalid source record is on the dead-letter topic (at least
    once), unchanged, with its source headers and a reason of its class;
    nothing else is.  Returns (reasons by class, repeated dead letters)."""
    dead = c.dead_letters()
    by_source = {}
    problems = []
    for d in dead:
        h = d.headers
        try:
            k = (h["convtrack-source-topic"],
                 int(h["convtrack-source-partition"]),
                 int(h["convtrack-source-offset"]))
        except (KeyError, TypeError, ValueError):
            problems.append("dead letter without source headers: %r" % d)
            continue
        by_source.setdefault(k, []).append(d)
    reasons = {}
    n_bad = 0
    for k, rec in sorted(source.items()):
        ds = by_source.pop(k, [])
        if rec.bad is None:
            if ds:
                problems.append("valid record %s[%d]@%d dead-lettered as %r"
                                % (k + (ds[0].headers.get(
                                    "convtrack-error"),)))
            continue
        n_bad += 1
        x = rec.bad
        if not ds:
            problems.append("%s (%s[%d]@%d) is not on the dead-letter topic"
                            % ((x.what,) + k))
            continue
        for d in ds:
            err = d.headers.get("convtrack-error")
            if d.key != x.key or d.value != rec.value_bytes():
                problems.append("%s: dead letter changed (key %r value %r)"
                                % (x.what, d.key, (d.value or b"")[:80]))
            if not isinstance(err, str) or not err.strip():
                problems.append("%s: convtrack-error %r" % (x.what, err))
            elif x.reasons and not any(err.startswith(p)
                                       for p in x.reasons):
                problems.append("%s: convtrack-error %r, expected one of %r"
                                % (x.what, err, x.reasons))
        err = ds[0].headers.get("convtrack-error") or ""
        cls = err.split(":")[0]
        reasons[cls] = reasons.get(cls, 0) + 1
    for k, ds in by_source.items():
        problems.append("dead letter of no produced record: %r" % ds[0])
    if problems:
        raise TestFailure("%d dead-letter problems:\n  %s" % (
            len(problems), "\n  ".join(problems[:30])))
    ctlib.expect_eq("invalid records on the input topics", n_bad,
                    len(sc.bad))
    return reasons, len(dead) - n_bad


def check_summaries(c, expected):
    """The summaries against the model's sessions, the outbox and the
    summary topic.  Returns (versions, repeated events)."""
    sessions = ctlib.rows(expected, "sessions")
    msgs = {}
    for r in expected["messages"]:
        msgs[r[1]] = msgs.get(r[1], 0) + 1
    ptype = {r[0]: r[1] for r in expected["profiles"]}
    rows = ctlib.psql_json(c.db, "SELECT coalesce(json_agg(json_build_array("
                           "session_id::text, profile_id::text, "
                           "summary_version, message_count, summary)), '[]')"
                           " FROM conversation_summaries")
    summ = {r[0]: r for r in rows}
    problems = []
    ended = {s for s, r in sessions.items() if r["ended_at"] is not None}
    for s in sorted(ended - set(summ)):
        problems.append("ended session %s has no summary" % s)
    for s in sorted(set(summ) - ended):
        problems.append("session %s has a summary but no call_ended" % s)
    for s in sorted(ended & set(summ)):
        _, prof, _, count, _ = summ[s]
        if prof != sessions[s]["profile_id"]:
            problems.append("summary of %s: profile %s, model %s" % (
                s, prof, sessions[s]["profile_id"]))
        if count != msgs.get(s, 0):
            problems.append("summary of %s: message_count %s, model %d" % (
                s, count, msgs.get(s, 0)))
    outbox = ctlib.psql_json(c.db, "SELECT coalesce(json_agg(json_build_array("
                             "session_id::text, summary_version, "
                             "event_id::text, payload, sent_at IS NOT NULL)),"
                             " '[]') FROM summary_outbox")
    by_id = {}
    versions = {}
    for sid, v, eid, payload, sent in outbox:
        by_id[eid] = (sid, v, payload)
        versions.setdefault(sid, []).append(v)
        if not sent:
            problems.append("outbox %s v%d not sent" % (sid, v))
        if eid != test_summaries.summary_event_id(sid, v):
            problems.append("outbox %s v%d: event id %s" % (sid, v, eid))
    for sid, vs in versions.items():
        if sorted(vs) != list(range(1, len(vs) + 1)):
            problems.append("outbox versions of %s: %r" % (sid, sorted(vs)))
        if sid not in summ or summ[sid][2] != max(vs):
            problems.append("outbox of %s ends at v%d, summary row %r" % (
                sid, max(vs), summ.get(sid)))
    seen = {}
    for r in ctlib.dump_topic(c.topic_summary):
        try:
            ev = json.loads(r.value)
        except (TypeError, ValueError):
            problems.append("summary record not JSON: %r" % r)
            continue
        eid = ev.get("event_id")
        if eid not in by_id:
            problems.append("summary event %s not in the outbox" % eid)
            continue
        sid, v, payload = by_id[eid]
        if r.key != sid or r.value != payload.encode():
            problems.append("summary event %s differs from its outbox row"
                            % eid)
        if eid not in seen:
            try:
                test_summaries.check_event(ev, sid, v)
            except TestFailure as exc:
                problems.append(str(exc))
            if v == summ.get(sid, [None] * 5)[2]:
                if ev["summary"] != summ[sid][4] or \
                        ev["profile_id"] != summ[sid][1] or \
                        ev["profile_type"] != ptype.get(summ[sid][1]):
                    problems.append("newest event of %s differs from its "
                                    "row or profile" % sid)
        seen[eid] = seen.get(eid, 0) + 1
    for eid in sorted(set(by_id) - set(seen)):
        problems.append("summary %s v%d never published" % by_id[eid][:2])
    if problems:
        raise TestFailure("%d summary problems:\n  %s" % (
            len(problems), "\n  ".join(problems[:30])))
    return len(by_id), sum(seen.values()) - len(seen)


def verify(c, sc, conflict_sessions=()):
    """The whole oracle; returns figures."""
    source = check_input(c, sc)
    expected = model.expected_state(sc.valid)
    ctlib.assert_state(expected, c.dump(), "after the storm")
    for s in conflict_sessions:
        if ctlib.psql(c.db, "SELECT count(*) FROM agent_sessions WHERE "
                      "session_id = '%s'" % s).strip() != "0":
            raise TestFailure("a session was written for the conflicting "
                              "message of %s" % s)
    check_facts(c, sc)
    reasons, dl_repeats = check_dead_letters(c, sc, source)
    versions, ev_repeats = check_summaries(c, expected)
    return {"profiles": len(expected["profiles"]),
            "sessions": len(expected["sessions"]),
            "messages": len(expected["messages"]),
            "ended sessions": sum(1 for r in expected["sessions"]
                                  if r[6] is not None),
            "summary versions": versions,
            "summary events repeated": ev_repeats,
            "dead-letter reasons": reasons,
            "dead letters repeated": dl_repeats}


# --------------------------------------------------------------------------
# The storm


def run_storm(c, sc, plan, worker_env, rnd, deadline=None, more=None,
              hold=(2.0, 5.0), kill_down=(0.0, 2.0),
              recovery_timeout=RECOVERY_S, conflicts_after=None):
    """Runs a storm on case c: two workers, a first wave without a fault,
    then a round per (kind, combo) of plan; when deadline (epoch seconds)
    is given, rounds drawn by more() follow until it passes.  A round of
    message_id conflicts joins the wave after round conflicts_after.
    Then the rest of the current block, the settling of the summaries and
    a SIGTERM of both workers.  Returns (Storm, figures)."""
    st = Storm(c, sc, rnd, worker_env, hold, kill_down)
    t0 = time.time()
    conflict_sessions = []
    try:
        st.start(0)
        st.start(1)
        first = sc.next_wave()
        sc.record(first)
        ctlib.produce_records([(c.topics[r.etype], r.key, r.value)
                               for r in first])
        warm = st.wait_lag0(time.time(), recovery_timeout)
        ctlib.log("first wave (%d records, no fault) applied in %.1fs" % (
            len(first), warm))
        plan = list(plan)
        n = 0
        extra = []
        while plan or (deadline is not None and time.time() < deadline):
            kind, combo = plan.pop(0) if plan else more()
            recs = sc.next_wave() + extra
            extra = []
            st.round_with(recs, kind, combo, recovery_timeout)
            n += 1
            if conflicts_after is not None and n == conflicts_after:
                recs, s_new = conflict_records(
                    c, ctlib.Builder(sc.seed + 7, base_us=sc.base_us))
                extra = recs
                conflict_sessions.append(s_new)
        last = sc.rest() + extra
        if last:
            sc.record(last)
            ctlib.produce_records([(c.topics[r.etype], r.key, r.value)
                                   for r in last])
        st.wait_lag0(time.time(), recovery_timeout)
        storm_s = time.time() - t0
        t1 = time.time()
        test_summaries.wait_summaries_settled(c, "the summaries to settle",
                                              timeout=recovery_timeout)
        ctlib.log("summaries settled %.1fs after the last catch-up" % (
            time.time() - t1))
        c.stop_workers()
    finally:
        st.repair()
    figures = verify(c, sc, conflict_sessions)
    figures["storm seconds"] = storm_s
    figures["worker starts"] = st.starts
    figures["faults"] = st.figures()
    figures["input"] = sc.counts()
    return st, figures


def report(figures, log=True):
    """The figures of a storm as lines of text (logged unless log is
    false)."""
    lines = ["storm: %.0f s of faults and load, %d worker starts" % (
        figures["storm seconds"], figures["worker starts"])]
    inp = figures["input"]
    lines.append("input: %d records: %d valid (%d redelivered), %d invalid "
                 "(%d redelivered, %.1f %%)" % (
                     inp["records"], inp["valid"], inp["valid redelivered"],
                     inp["invalid"], inp["invalid redelivered"],
                     100.0 * inp["invalid"] / max(1, inp["records"])))
    lines.append("%-22s %5s %9s %9s %13s %13s" % (
        "fault", "count", "down p50", "down max", "recovery p50",
        "recovery max"))
    for key in (KILL, "kill inside an outage", POSTGRES, BROKER):
        f = figures["faults"].get(key)
        if not f:
            continue

        def s(v):
            return "-" if v is None else "%.1f s" % v
        lines.append("%-22s %5d %9s %9s %13s %13s" % (
            key, f["count"], s(f["down p50"]), s(f["down max"]),
            s(f["recovery p50"]), s(f["recovery max"])))
    lines.append("state: %d profiles, %d sessions, %d messages equal to the "
                 "model; %d ended sessions summarized, %d summary versions "
                 "published (%d events repeated)" % (
                     figures["profiles"], figures["sessions"],
                     figures["messages"], figures["ended sessions"],
                     figures["summary versions"],
                     figures["summary events repeated"]))
    lines.append("dead letters by reason: %s (%d repeated)" % (
        ", ".join("%s %d" % kv for kv in sorted(
            figures["dead-letter reasons"].items())),
        figures["dead letters repeated"]))
    if log:
        for line in lines:
            ctlib.log(line)
    return lines


def test_storm():
    rnd = random.Random(SEED)
    # 2 plain kills, 2 PostgreSQL outages (a worker killed and restarted
    # inside one of them) and 2 broker outages: 3 kills in all.
    plan = [(KILL, False), (KILL, False), (POSTGRES, True),
            (POSTGRES, False), (BROKER, False), (BROKER, False)]
    rnd.shuffle(plan)
    sc = Scenario(SEED, SESSIONS, waves_per_block=len(plan) + 1)
    with ctlib.case("storm", partitions=4) as c:
        st, figures = run_storm(c, sc, plan, FAST, rnd,
                                conflicts_after=len(plan) // 2)
        report(figures)
        for f in st.faults:
            if not f.inside and f.sent_during <= 0:
                raise TestFailure("no record was produced during or after "
                                  "fault %s" % f.describe())


def test_connection_lost_at_start():
    """A worker whose first connection is lost during its start-up schema
    check (PostgreSQL stopping just after the worker reached it, which a
    storm's restart inside an outage can hit) retries like any other lost
    connection instead of exiting 1.  The check is held on a lock on
    schema_migrations so that the connection can be cut exactly there."""
    with ctlib.case("storm-start") as c:
        locker = subprocess.Popen(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", c.db],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=ctlib._base_env())
        try:
            locker.stdin.write(b"BEGIN;\nLOCK TABLE schema_migrations IN "
                               b"ACCESS EXCLUSIVE MODE;\n")
            locker.stdin.flush()
            ctlib.wait_for("the lock on schema_migrations", lambda: ctlib.psql(
                c.db, "SELECT count(*) FROM pg_locks l JOIN pg_class r ON "
                "r.oid = l.relation WHERE r.relname = 'schema_migrations' "
                "AND l.mode = 'AccessExclusiveLock' AND l.granted AND "
                "l.database = (SELECT oid FROM pg_database WHERE datname = "
                "current_database())").strip() == "1")
            w = c.start_worker(FAST)

            def blocked():
                w.check_alive()
                return ctlib.psql(c.db, "SELECT pid FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND "
                                  "wait_event_type = 'Lock' AND query LIKE "
                                  "'%schema_migrations%'").strip()
            pid = ctlib.wait_for("the worker's schema check to wait for the "
                                 "lock", blocked)
            ctlib.psql("postgres", "SELECT pg_terminate_backend(%s)" % pid)

            def retrying():
                w.check_alive()
                with open(w.log_path, "rb") as f:
                    return b"PostgreSQL unreachable" in f.read()
            ctlib.wait_for("the worker to retry its schema check", retrying)
        finally:
            locker.communicate(b"COMMIT;\n", timeout=60)
        b = ctlib.Builder(SEED)
        sid = b.uuid()
        tl = ctlib.Timeline(c)
        tl.deliver([b.join(sid, 0, anonymous_id="dev-start"),
                    b.msg(sid, 1, "hello")], "after the lost connection")
        w.check_alive()


TESTS = [test_storm, test_connection_lost_at_start]

if __name__ == "__main__":
    ctlib.main(TESTS)
