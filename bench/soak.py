#!/usr/bin/env python3
"""Soak run of convtrack (issue 17, part 5); bench/soak.sh runs it.

Two workers in one consumer group apply a steady load (--rate events per
second, produced in one-second slices, one `ct-kafka produce` each) for --minutes.  Worker 1 runs the
whole time; worker 2 is stopped (SIGTERM) and started again every
--restart-min minutes, so the group rebalances under load.  Every minute
one line: events produced, messages stored, the minute's throughput, the
group's lag, and for each worker its resident set (VmRSS) and open file
descriptors.  At the end, after the lag reaches 0: every message produced is
stored exactly once, and worker 1's RSS and descriptors after the warm-up
(--warmup-min) grew by less than 5 % (printed, and the exit code is 1 when
not, or when anything was lost).

Usage: soak.py --env-dir DIR --build DIR --work DIR [--minutes N]
               [--rate N] [--restart-min N] [--warmup-min N]
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402

GROWTH_MAX = 0.05


def rss_kib(pid):
    return bench.proc_hwm_kib(pid, "VmRSS:")


def fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def produce(env, prefix, lines):
    """Produces lines (ct-kafka JSONL) with one `ct-kafka produce -` run
    (it reads its whole input before producing, so one run per slice)."""
    p = subprocess.run(
        [env.bin("ct-kafka"), "produce", "-b", env.brokers, "--topic-prefix",
         prefix, "--timeout-ms", "60000", "-"],
        input=("\n".join(lines) + "\n").encode(), capture_output=True,
        timeout=120)
    if p.returncode != 0 or int(p.stdout.decode().strip() or 0) != len(lines):
        raise bench.BenchError("ct-kafka produce: %s %s" % (
            p.stdout.decode(), p.stderr.decode()[-1000:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env-dir", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--restart-min", type=float, default=5)
    ap.add_argument("--warmup-min", type=float, default=3)
    ap.add_argument("--partitions", type=int, default=32)
    args = ap.parse_args()

    env = bench.Env(args.env_dir, args.build)
    total = int(args.rate * args.minutes * 60)
    gen = os.path.join(args.work, "gen")
    bench.log("events: generating %d messages" % total)
    subprocess.run([sys.executable, os.path.join(HERE, "gen_events.py"),
                    "--out", gen, "--messages", str(total), "--sessions",
                    str(max(10, total // 40)), "--latency-sessions", "1",
                    "--seed", "17"], check=True, capture_output=True)
    with open(os.path.join(gen, "throughput.jsonl")) as f:
        lines = f.read().splitlines()
    messages = sum(1 for ln in lines if json.loads(ln)["topic"] == "message")

    db, prefix, group = "ct_soak", "soak.", "ct-soak"
    env.create_db(db)
    env.migrate(db)
    env.create_topics([prefix + t for t in bench.INPUT + bench.OUTPUT],
                      args.partitions)
    topics = [prefix + t for t in bench.INPUT]
    logs = os.path.join(args.work, "logs")
    os.makedirs(logs, exist_ok=True)
    starts = [0]

    def start(n):
        starts[0] += 1
        return bench.Worker(env, db, prefix, group, os.path.join(
            logs, "worker%d.%d.log" % (n, starts[0])))

    w1, w2 = start(1), start(2)
    t0 = time.time()
    sent, minute, restarts, samples = 0, 0, 0, []
    next_restart = t0 + args.restart_min * 60
    stored_before = 0
    print("| minute | produced | stored messages | msg/s | lag | RSS w1 (MiB) "
          "| fds w1 | RSS w2 (MiB) | fds w2 |")
    print("|---|---|---|---|---|---|---|---|---|")
    while sent < len(lines):
        sec = int(time.time() - t0)
        want = min(len(lines), (sec + 1) * args.rate)
        if want > sent:
            produce(env, prefix, lines[sent:want])
            sent = want
        if time.time() >= next_restart:
            w2.stop()
            w2 = start(2)
            restarts += 1
            next_restart += args.restart_min * 60
        if time.time() - t0 >= (minute + 1) * 60:
            minute += 1
            stored = int(env.psql1(db, "SELECT count(*) FROM "
                                   "conversation_messages"))
            s = {"minute": minute, "sent": sent, "stored": stored,
                 "rate": (stored - stored_before) / 60.0,
                 "lag": env.lag(group, topics),
                 "rss1": rss_kib(w1.pid), "fd1": fds(w1.pid),
                 "rss2": rss_kib(w2.pid), "fd2": fds(w2.pid)}
            stored_before = stored
            samples.append(s)
            print("| %d | %d | %d | %.0f | %d | %.1f | %s | %.1f | %s |" % (
                minute, sent, stored, s["rate"], s["lag"],
                (s["rss1"] or 0) / 1024.0, s["fd1"], (s["rss2"] or 0) / 1024.0,
                s["fd2"]), flush=True)
        if not w1.alive():
            raise bench.BenchError("worker 1 died:\n" + w1.tail())
        time.sleep(max(0.0, t0 + sec + 1 - time.time()))
    bench.wait_caught_up(env, w1, group, topics, 600)
    stored = int(env.psql1(db, "SELECT count(*) FROM conversation_messages"))
    distinct = int(env.psql1(db, "SELECT count(DISTINCT message_id) FROM "
                             "conversation_messages"))
    w2.stop()
    w1.stop()

    ok = stored == messages and distinct == messages
    print()
    print("produced %d records (%d messages) in %.1f min at %d events/s; "
          "worker 2 restarted %d times" % (len(lines), messages,
                                           (time.time() - t0) / 60.0,
                                           args.rate, restarts))
    print("stored %d messages (%d distinct): %s" % (
        stored, distinct, "nothing lost or duplicated" if ok else "MISMATCH"))
    after = [s for s in samples if s["minute"] > args.warmup_min]
    if len(after) >= 2:
        for key, what in (("rss1", "RSS"), ("fd1", "open descriptors")):
            first, last = after[0][key], after[-1][key]
            peak = max(s[key] for s in after)
            growth = (peak - first) / float(first) if first else 0.0
            print("worker 1 %s after warm-up: %s at minute %d, %s at minute "
                  "%d, peak %s: growth %.1f %% (limit %.0f %%)" % (
                      what, first, after[0]["minute"], last,
                      after[-1]["minute"], peak, 100 * growth,
                      100 * GROWTH_MAX))
            ok = ok and growth < GROWTH_MAX
    else:
        print("run too short for the growth figures (need %.0f+ minutes)" %
              (args.warmup_min + 2))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except bench.BenchError as e:
        print("soak: %s" % e, file=sys.stderr)
        sys.exit(1)
