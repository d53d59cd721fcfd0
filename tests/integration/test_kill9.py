#!/usr/bin/env python3
"""Crash safety (EVENTS.md section 6): SIGKILL at any instant loses nothing
and duplicates nothing.

A larger scenario (CT_IT_KILL_SESSIONS sessions, default 400: about 4000
events) is produced in chunks; the worker, with small batches so that many
transactions and offset commits happen, is killed with SIGKILL
(CT_IT_KILLS times, default 8) and restarted each time: now and then during
start-up, otherwise a random moment after it has committed some work, so
that kills land in the middle of the stream (at least a third of them must).
Then it runs to the end.  The final database must equal the model.
"""

import os
import random
import time

import ctlib
from ctlib import TestFailure
import model

SEED = int(os.environ.get("CT_IT_SEED", "9090"))
SESSIONS = int(os.environ.get("CT_IT_KILL_SESSIONS", "400"))
KILLS = int(os.environ.get("CT_IT_KILLS", "8"))


def test_kill9_random_moments():
    rnd = random.Random(SEED)
    events = model.generate(SEED, n_sessions=SESSIONS, n_devices=25,
                            n_users=30, base_us=ctlib.recent_base_us())
    ctlib.log("scenario: " + model.describe(events))
    order = model.shuffled(events, SEED)
    chunks = []
    pos = 0
    per = max(1, len(order) // (KILLS + 2))
    while pos < len(order):
        chunks.append(order[pos:pos + per])
        pos += per
    with ctlib.case("kill9", partitions=2) as c:
        # A short session timeout lets the group forget a killed member
        # quickly (otherwise every restart waits ~10 s for the rebalance).
        fast = {"CONVTRACK_KAFKA_SESSION_TIMEOUT_MS": "4000",
                "CONVTRACK_KAFKA_HEARTBEAT_INTERVAL_MS": "500"}
        c.produce(chunks.pop(0))
        c.produce(chunks.pop(0))
        lags = []
        progress_kills = 0
        for k in range(KILLS):
            extra = dict(fast)
            extra["CONVTRACK_BATCH_MAX_EVENTS"] = rnd.choice(
                ("1", "2", "5", "10"))
            w = c.start_worker(extra)
            if chunks:
                c.produce(chunks.pop(0))
            lag0 = c.lag()
            if k % 4 == 0:
                # Now and then a kill during start-up / group join.
                time.sleep(rnd.random() * 2.0)
            else:
                # Otherwise wait until it has committed some work, then
                # kill it a random moment later, mid-stream.
                deadline = time.time() + 60
                while c.lag() >= lag0:
                    w.check_alive()
                    if time.time() > deadline:
                        raise TestFailure("worker made no progress in 60s "
                                          "(lag %d):\n%s" % (lag0, w.tail()))
                    time.sleep(0.02)
                time.sleep(rnd.random() * 0.3)
            w.check_alive()
            w.kill9()
            lag = c.lag()
            lags.append(lag)
            if 0 < lag < lag0:
                progress_kills += 1
            ctlib.log("kill %d (batch %s): SIGKILL, lag %d at start, %d "
                      "after the kill" % (k + 1,
                                          extra["CONVTRACK_BATCH_MAX_EVENTS"],
                                          lag0, lag))
        extra = dict(fast)
        for ch in chunks:
            c.produce(ch)
        c.start_worker(extra)
        t0 = time.time()
        c.wait_caught_up(300)
        ctlib.log("final worker caught up in %.1fs" % (time.time() - t0))
        if progress_kills < KILLS // 3:
            raise TestFailure("only %d kills hit the worker in the middle of "
                              "the stream (lags at kill %r): make the "
                              "scenario larger" % (progress_kills, lags))
        ctlib.assert_state(model.expected_state(events), c.dump(),
                           "after %d SIGKILLs" % KILLS)


TESTS = [test_kill9_random_moments]

if __name__ == "__main__":
    ctlib.main(TESTS)
