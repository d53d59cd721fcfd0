#!/usr/bin/env python3
"""Convergence: any delivery order gives the same state (EVENTS.md rule 5/6).

One generated scenario (a few hundred events with ~10% exact duplicates) is
delivered in CT_IT_ORDERS (default 20) different random arrival orders, each
into fresh topics, a fresh database and one worker.  The orders also differ
in how they reach the worker: everything before it starts, or in random
chunks while it runs; and in the batch size (1 event per transaction up to
the default).  Every dump must equal the model's expected state, hence all
dumps are identical.
"""

import os
import random
import time

import ctlib
from ctlib import TestFailure
import model

SEED = int(os.environ.get("CT_IT_SEED", "20240601"))
ORDERS = int(os.environ.get("CT_IT_ORDERS", "20"))
PARALLEL = int(os.environ.get("CT_IT_ORDER_PARALLEL", "4"))


def run_order(args):
    """Delivers events in order number i; returns (i, description, state)."""
    i, events = args
    rnd = random.Random(SEED * 1000 + i)
    order = model.shuffled(events, SEED * 1000 + i)
    batch = rnd.choice(("1", "3", "17", "100", "5000"))
    live = i % 2 == 1
    # batches split over two connections (batch.parallelism) in every
    # other pair of orders; large batches of those take the parallel path
    parallel = "2" if i % 4 >= 2 else "1"
    desc = "order %d (batch.max_events=%s, parallelism %s, %s)" % (
        i, batch, parallel, "chunks while running" if live else "all before start")
    with ctlib.case("conv%d" % i) as c:
        extra = {"CONVTRACK_BATCH_MAX_EVENTS": batch,
                 "CONVTRACK_BATCH_PARALLELISM": parallel}
        if not live:
            c.produce(order)
            c.start_worker(extra)
        else:
            c.start_worker(extra)
            pos = 0
            while pos < len(order):
                n = rnd.randint(1, max(1, len(order) // 5))
                c.produce(order[pos:pos + n])
                pos += n
                time.sleep(rnd.choice((0, 0.05, 0.3, 1.0)))
        t0 = time.time()
        c.wait_caught_up(240)
        state = c.dump()
        ctlib.log("%s: caught up %.1fs after the last produce" %
                  (desc, time.time() - t0))
    return i, desc, state


def test_convergence():
    base = ctlib.recent_base_us()
    # A typical mix, plus a dense one: few devices and users, half of the
    # event times shared with another event of the session (event_id
    # tie-breaks everywhere).
    events = model.generate(SEED, n_sessions=40, base_us=base)
    events += model.generate(SEED + 1, n_sessions=25, n_devices=2,
                             n_users=3, tie_rate=0.5, base_us=base,
                             span_s=3600)
    ctlib.log("scenario: " + model.describe(events))
    expected = model.expected_state(events)
    results = ctlib.parallel_map(run_order,
                                 [(i, events) for i in range(ORDERS)],
                                 PARALLEL)
    failures = []
    distinct = {}
    for i, desc, state in results:
        key = repr(state)
        distinct.setdefault(key, []).append(i)
        diffs = model.diff_states(expected, state, limit=12)
        if diffs:
            failures.append("%s differs from the model:\n    %s" %
                            (desc, "\n    ".join(diffs)))
    ctlib.log("%d orders, %d distinct final states" % (len(results),
                                                      len(distinct)))
    if failures:
        raise TestFailure("%d of %d orders differ from the model "
                          "(%d distinct states):\n  %s" %
                          (len(failures), len(results), len(distinct),
                           "\n  ".join(failures[:5])))
    if len(distinct) != 1:
        raise TestFailure("orders gave %d different states" % len(distinct))


TESTS = [test_convergence]

if __name__ == "__main__":
    ctlib.main(TESTS)
