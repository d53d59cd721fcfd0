#!/usr/bin/env python3
"""Outages (EVENTS.md section 6): when PostgreSQL or Kafka is unreachable
the worker waits and retries with backoff, resumes by itself, and skips no
valid event; nothing is committed to Kafka for work not in PostgreSQL.

PostgreSQL: only this test's database is made unreachable (ALLOW_CONNECTIONS
false and its backends terminated), so other tests are not disturbed.
Kafka: the mock cluster's brokers are taken down with the control command
`broker-down all`, which affects every client of the shared cluster: ctest
runs this file with RUN_SERIAL.
"""

import time

import ctlib
from ctlib import TestFailure
import model


def _block_db(db):
    ctlib.psql("postgres", 'ALTER DATABASE "%s" ALLOW_CONNECTIONS false' % db)
    ctlib.psql("postgres", "SELECT count(pg_terminate_backend(pid)) FROM "
               "pg_stat_activity WHERE datname = '%s' AND pid <> "
               "pg_backend_pid()" % db)


def _unblock_db(db):
    ctlib.psql("postgres", 'ALTER DATABASE "%s" ALLOW_CONNECTIONS true' % db)


def test_postgres_outage():
    events = model.generate(515, n_sessions=60, base_us=ctlib.recent_base_us())
    order = model.shuffled(events, 515)
    third = len(order) // 3
    with ctlib.case("pgdown") as c:
        w = c.start_worker({"CONVTRACK_BATCH_MAX_EVENTS": "20"})
        tl = ctlib.Timeline(c)
        tl.deliver(order[:third], "before the outage")
        _block_db(c.db)
        try:
            c.produce(order[third:2 * third])
            lag = c.lag()
            # The worker cannot store anything, so it must not commit.
            time.sleep(8)
            w.check_alive()
            after = c.lag()
            ctlib.log("PostgreSQL blocked: lag %d, 8 s later %d" %
                      (lag, after))
            if after < lag:
                raise TestFailure("offsets were committed while the "
                                  "database was unreachable (lag %d -> %d)"
                                  % (lag, after))
        finally:
            _unblock_db(c.db)
        c.produce(order[2 * third:])
        t0 = time.time()
        tl.delivered.extend(order[third:2 * third])
        tl.deliver(order[2 * third:], "after the database came back",
                   timeout=120)
        ctlib.log("caught up %.1fs after the database came back" %
                  (time.time() - t0))
        # The same worker process did it, without a restart.
        w.check_alive()


def test_kafka_outage():
    events = model.generate(616, n_sessions=60, base_us=ctlib.recent_base_us())
    order = model.shuffled(events, 616)
    half = len(order) // 2
    with ctlib.case("kafkadown") as c:
        w = c.start_worker({"CONVTRACK_BATCH_MAX_EVENTS": "20"})
        tl = ctlib.Timeline(c)
        tl.deliver(order[:half // 2], "before the outage")
        # Invalid records next to valid ones: their dead letters must not
        # be lost to the outage either (at least once).
        bad = [("not json %d" % i, c.topics["message"]) for i in range(3)]
        ctlib.produce_records([(c.topics[e.etype], e.key, e.value)
                               for e in order[half // 2:half]] +
                              [(t, "bad-key-%d" % i, v)
                               for i, (v, t) in enumerate(bad)])
        ctlib._control("broker-down all")
        try:
            time.sleep(10)
            w.check_alive()
        finally:
            ctlib._control("broker-up all")
        ctlib.log("brokers up again after 10 s")
        tl.delivered.extend(order[half // 2:half])
        tl.deliver(order[half:], "after Kafka came back", timeout=120)
        w.check_alive()
        values = [d.value for d in c.dead_letters()]
        missing = [v for v, _ in bad if v.encode() not in values]
        if missing:
            raise TestFailure("dead letters lost in the Kafka outage: %r" %
                              missing)


TESTS = [test_postgres_outage, test_kafka_outage]

if __name__ == "__main__":
    ctlib.main(TESTS)
