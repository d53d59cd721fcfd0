#!/usr/bin/env python3
"""bench/storm.py: the storm of tests/integration/test_storm.py for longer.

Runs on the servers of a running `scripts/ct-env` (bench/storm.sh starts
private ones): two workers in one consumer group, with the product's
default settings (session timeout 6 s, retry backoff up to 10 s, summary
grace 2 s), consume waves of input (out of order, ~10 % redelivered, ~5 %
invalid of every dead-letter class) while workers are killed with SIGKILL
and restarted, PostgreSQL is stopped with `pg_ctl stop -m immediate` and
started again, and the brokers go down and come back.  First a fixed plan
(8 plain kills, 3 PostgreSQL and 3 broker outages, one of each with a
worker killed and restarted inside it: 10 kills), then random rounds until
SECONDS have passed.  At the end the same oracle as the test (database ==
model, dead letters, summaries) must hold; the figures are printed: each
fault's count, how long it lasted, and the time from its end to consumer
lag 0 (p50, max).

    CT_ENV_DIR=DIR CT_BIN_DIR=BUILD bench/storm.py [--seconds N] [--seed N]

Exits 0 when the oracle held, 1 otherwise.
"""

import argparse
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import ctlib  # noqa: E402
import test_storm  # noqa: E402
from test_storm import BROKER, KILL, POSTGRES  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=300,
                    help="keep adding random rounds until this many seconds "
                    "have passed (the fixed plan runs anyway)")
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--sessions", type=int, default=210,
                    help="sessions per block of input (a block is ~10 "
                    "events per session plus one set of invalid records, "
                    "cut into 4 waves)")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    plan = [(KILL, False)] * 8 + [(POSTGRES, True), (POSTGRES, False),
                                  (POSTGRES, False), (BROKER, True),
                                  (BROKER, False), (BROKER, False)]
    rnd.shuffle(plan)

    def more():
        kind = rnd.choice((KILL, KILL, POSTGRES, BROKER))
        return kind, kind != KILL and rnd.random() < 0.3

    sc = test_storm.Scenario(a.seed, a.sessions, waves_per_block=4)
    ctlib.log("storm: seed %d, %.0f s, %d sessions per block" % (
        a.seed, a.seconds, a.sessions))
    t0 = time.time()
    try:
        ctlib.env()
        with ctlib.case("storm-bench", partitions=4) as c:
            st, figures = test_storm.run_storm(
                c, sc, plan, {}, rnd, deadline=t0 + a.seconds, more=more,
                hold=(2.0, 8.0), kill_down=(0.0, 3.0),
                recovery_timeout=300, conflicts_after=3)
    except ctlib.TestFailure as exc:
        ctlib.log("FAIL (after %.0f s, seed %d): %s" % (time.time() - t0,
                                                         a.seed, exc))
        return 1
    print()
    print("== storm (seed %d, %.0f s in all; every check passed)" % (
        a.seed, time.time() - t0))
    for line in test_storm.report(figures, log=False):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
