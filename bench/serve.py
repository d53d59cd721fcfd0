#!/usr/bin/env python3
"""The caller API benchmark (issue 19), run by bench/serve.sh on a private
PostgreSQL and mock Kafka cluster.

1. A database made by the worker: --sessions sessions (default 30,000) on
   --devices devices (25,000: 25,000 anonymous profiles), 30 % of the
   sessions logged in as one of --users accounts (7,000; each with a phone
   number; their devices merged into them), 85 % ended and summarized,
   4..10 messages each, produced to Kafka and applied by `convtrack run`.
2. References for lookups from that database: device: (50 %), username:
   (20 %), phone: (15 %), session: (15 %), shuffled.
3. `convtrack serve` (serve.threads 4, no rate limit, log level warn) and,
   side by side, bench/serve_baseline.py (Python http.server over
   psycopg2, one query per request).
4. tools/ct_bench_http.c against each: lookups and POST /v1/classify at a
   constant --rate (2,000/s) over --conns keep-alive connections (open
   load, latency from the planned send), then the maximum rate each
   sustains with --max-conns requests in flight (closed load).

Prints one table and writes results.json to --work.
"""

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import bench  # noqa: E402
import model  # noqa: E402
from bench import BenchError, Env, log  # noqa: E402

KEY = "bench-key-5f0c2b9e7a"
USER_TEXTS = ["Hi, what is my balance?", "I lost my card, please block it",
              "Can I send 200 dollars to my brother?", "Why was I charged a fee?",
              "My transfer did not arrive", "Thanks, that helped",
              "What are your opening hours?", "I want to speak to a person"]
BOT_TEXTS = ["Your balance is shown in the app.", "I have blocked your card.",
             "I could not complete that, please call the branch.",
             "The fee is for an international transfer.", "Anything else?"]


def events(args):
    """The records of the workload, as ct-kafka produce lines."""
    rnd = random.Random(args.seed)
    base = (int(time.time()) // 60) * 60 * 1000000 - 10 * 86400 * 1000000
    uid = lambda: "%032x" % rnd.getrandbits(128)  # noqa: E731

    def u():
        h = uid()
        return "%s-%s-4%s-8%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])

    out = []
    for i in range(args.sessions):
        sid, dev = u(), "dev-%06d" % (i % args.devices)
        t = base + i * 20 * 1000000

        def ev(etype, dt, **f):
            value = model.make_event(
                etype, u(), sid, model.format_ts(t + dt * 1000000), **f).value
            out.append({"topic": model.TOPIC_NAMES[etype], "key": sid,
                        "value": value})
        ev("participant_joined", 0, room_id="room-%d" % i,
           participant_id="p-%d" % i, anonymous_id=dev)
        if rnd.random() < 0.3:
            n = rnd.randrange(args.users)
            ev("authenticated", 1, username="user-%05d" % n,
               phone_number="+26377%07d" % n, email="user%05d@example.com" % n)
        for m in range(rnd.randint(4, 10)):
            user = m % 2 == 0
            ev("message", 2 + m, role="user" if user else "assistant",
               content=rnd.choice(USER_TEXTS if user else BOT_TEXTS),
               message_id=u(), seq=m)
        if rnd.random() < 0.85:
            ev("call_ended", 15, reason="hangup", duration_seconds=14.0)
    return out


def make_db(env, args, work):
    db = "serve_bench"
    env.create_db(db)
    env.migrate(db)
    recs = events(args)
    path = os.path.join(work, "events.jsonl")
    with open(path, "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    prefix = "sb-%d." % os.getpid()
    env.create_topics([prefix + t for t in bench.INPUT + bench.OUTPUT], 8)
    n = env.produce(path, prefix)
    parts = env.partitions([prefix + t for t in bench.INPUT])
    kept = sum(h - lo for ps in parts.values() for (lo, h, _) in ps)
    if n != len(recs) or kept != len(recs):
        raise BenchError("produced %d, topics hold %d of %d records"
                         % (n, kept, len(recs)))
    group = prefix + "group"
    w = bench.Worker(env, db, prefix, group, os.path.join(work, "worker.log"),
                     {"CONVTRACK_SUMMARY_GRACE_MS": "0",
                      "CONVTRACK_LOG_LEVEL": "warn"})
    t0 = time.time()
    bench.wait_caught_up(env, w, group, [prefix + t for t in bench.INPUT], 1800)
    # every ended session summarized
    while True:
        due = int(env.psql1(db, "SELECT count(*) FROM agent_sessions s WHERE "
                            "ended_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                            "conversation_summaries c WHERE c.session_id = "
                            "s.session_id)"))
        if due == 0:
            break
        if time.time() - t0 > 1800:
            raise BenchError("%d sessions not summarized" % due)
        time.sleep(1)
    w.stop()
    env.psql(db, "VACUUM ANALYZE")
    counts = env.psql(db, "SELECT (SELECT count(*) FROM user_profiles),"
                      " (SELECT count(*) FROM user_profiles WHERE merged_into_profile_id"
                      " IS NOT NULL), (SELECT count(*) FROM agent_sessions),"
                      " (SELECT count(*) FROM conversation_summaries),"
                      " (SELECT count(*) FROM conversation_messages)")[0]
    meta = dict(zip(["profiles", "merged", "sessions", "summaries", "messages"],
                    map(int, counts)))
    log("database: %s, applied in %.0f s" % (meta, time.time() - t0))
    return db, meta


def references(env, db, work, n, seed):
    rnd = random.Random(seed)
    q = {
        "device": "SELECT anonymous_id FROM user_profiles WHERE anonymous_id IS NOT NULL",
        "username": "SELECT username FROM user_profiles WHERE username IS NOT NULL",
        "phone": "SELECT phone_number FROM user_profiles WHERE phone_number IS NOT NULL",
        "session": "SELECT session_id FROM agent_sessions",
    }
    share = {"device": 0.5, "username": 0.2, "phone": 0.15, "session": 0.15}
    refs = []
    for kind, sql in q.items():
        values = [r[0] for r in env.psql(db, sql)]
        for _ in range(int(n * share[kind])):
            refs.append("%s:%s" % (kind, rnd.choice(values)))
    rnd.shuffle(refs)
    path = os.path.join(work, "lookups.txt")
    with open(path, "w") as f:
        for r in refs:
            f.write("/v1/callers/" + r.replace(":", "%3A", 1).replace("+", "%2B") + "\n")
    return path


def loadgen(env, port, paths, rate, seconds, conns, body=None):
    cmd = [env.bin("ct-bench-http"), "--port", str(port), "--paths", paths,
           "--key", KEY, "--rate", str(rate), "--seconds", str(seconds),
           "--conns", str(conns)]
    if body:
        cmd += ["--body-file", body]
    p = subprocess.run(cmd, capture_output=True, timeout=seconds + 120)
    if p.returncode != 0:
        raise BenchError("ct-bench-http: %s" % p.stderr.decode())
    r = json.loads(p.stdout)
    log("  %s" % json.dumps(r))
    return r


def wait_http(port, path="/healthz"):
    import http.client
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path, headers={"Authorization": "Bearer " + KEY})
            if c.getresponse().status in (200, 404):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchError("nothing answers on port %d" % port)


def python_with_psycopg2():
    """This Python when it has psycopg2, else Debian's (python3-psycopg2)."""
    for py in (sys.executable, "/usr/bin/python3"):
        if subprocess.run([py, "-c", "import psycopg2"],
                          capture_output=True).returncode == 0:
            return py
    raise BenchError("psycopg2 is missing: apt-get install python3-psycopg2 "
                     "(scripts/deps.sh)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--env", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--sessions", type=int, default=30000)
    ap.add_argument("--devices", type=int, default=25000)
    ap.add_argument("--users", type=int, default=7000)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--max-conns", type=int, default=16)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20261207)
    args = ap.parse_args()
    env = Env(args.env, args.build)
    os.makedirs(args.work, exist_ok=True)
    db, meta = make_db(env, args, args.work)
    lookups = references(env, db, args.work, 20000, args.seed)
    classify = os.path.join(args.work, "classify.txt")
    with open(classify, "w") as f:
        f.write("/v1/classify\n")
    body = os.path.join(args.work, "classify.json")
    with open(body, "w") as f:
        json.dump({"text": "I lost my card yesterday, can you block it and "
                   "send me a new one?"}, f)
    keys = os.path.join(args.work, "keys")
    with open(keys, "w") as f:
        f.write("bench %s callers:read,classify\n" % hashlib.sha256(KEY.encode()).hexdigest())

    port, bport = bench.free_port(), bench.free_port()
    serve = subprocess.Popen(
        [env.bin("convtrack"), "serve"], env=env.environ(db, {
            "CONVTRACK_SERVE_PORT": str(port),
            "CONVTRACK_SERVE_THREADS": str(args.threads),
            "CONVTRACK_SERVE_API_KEYS_FILE": keys,
            "CONVTRACK_SERVE_RATE_LIMIT_PER_S": "0",
            "CONVTRACK_LOG_LEVEL": "warn"}),
        stdout=open(os.path.join(args.work, "serve.log"), "wb"),
        stderr=subprocess.STDOUT)
    base = subprocess.Popen(
        [python_with_psycopg2(), os.path.join(HERE, "serve_baseline.py"),
         str(bport), KEY],
        env=env.environ(db), stdout=open(os.path.join(args.work, "baseline.log"), "wb"),
        stderr=subprocess.STDOUT)
    R = {"meta": meta, "rate": args.rate, "seconds": args.seconds,
         "conns": args.conns, "max_conns": args.max_conns, "threads": args.threads}
    try:
        wait_http(port)
        wait_http(bport, "/v1/callers/device%3Adev-000000")
        # warm both (connections, caches) before measuring
        loadgen(env, port, lookups, 0, 3, args.conns)
        loadgen(env, bport, lookups, 0, 3, args.conns)
        log("lookups at %d/s: convtrack serve, then the baseline" % args.rate)
        R["lookup"] = loadgen(env, port, lookups, args.rate, args.seconds, args.conns)
        R["baseline_lookup"] = loadgen(env, bport, lookups, args.rate, args.seconds,
                                       args.conns)
        log("classify at %d/s" % args.rate)
        R["classify"] = loadgen(env, port, classify, args.rate, args.seconds,
                                args.conns, body)
        log("maximum rates, %d requests in flight" % args.max_conns)
        R["lookup_max"] = loadgen(env, port, lookups, 0, args.seconds, args.max_conns)
        R["baseline_lookup_max"] = loadgen(env, bport, lookups, 0, args.seconds,
                                           args.max_conns)
        R["classify_max"] = loadgen(env, port, classify, 0, args.seconds,
                                    args.max_conns, body)
    finally:
        for p in (serve, base):
            p.terminate()
            p.wait(timeout=30)
    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump(R, f, indent=1)
    report(R)


def report(R):
    m = R["meta"]
    print("\n## Caller API (convtrack serve), %d profiles (%d merged), %d sessions, "
          "%d summaries" % (m["profiles"], m["merged"], m["sessions"], m["summaries"]))
    print("\nserve.threads %d; load: %d keep-alive connections at a constant rate "
          "(latency from the planned send), %.0f s per figure; maximum: %d requests "
          "in flight\n" % (R["threads"], R["conns"], R["seconds"], R["max_conns"]))
    print("| figure | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | failed or unsent | goal |")
    print("|---|---|---|---|---|---|---|---|")

    def row(name, r, goal=""):
        bad = r["3xx"] + r["4xx"] + r["5xx"] + r["errors"] + r.get("unsent", 0)
        print("| %s | %.0f | %.2f | %.2f | %.2f | %.1f | %d | %s |" % (
            name, r["achieved"], r["p50_ms"], r["p99_ms"], r["p999_ms"], r["max_ms"],
            bad, goal))
    rate = R["rate"]
    row("lookup at %d/s, convtrack" % rate, R["lookup"], "p99 <= 5 ms")
    row("lookup at %d/s, Python baseline" % rate, R["baseline_lookup"])
    row("classify at %d/s, convtrack" % rate, R["classify"], "p99 <= 2 ms")
    row("lookup, maximum, convtrack", R["lookup_max"])
    row("lookup, maximum, Python baseline", R["baseline_lookup_max"])
    row("classify, maximum, convtrack", R["classify_max"])
    print("\nconvtrack / baseline: maximum lookup rate %.1f x; p99 at %d/s %.1f x lower" % (
        R["lookup_max"]["achieved"] / max(R["baseline_lookup_max"]["achieved"], 1e-9),
        rate, R["baseline_lookup"]["p99_ms"] / max(R["lookup"]["p99_ms"], 1e-9)))


if __name__ == "__main__":
    main()
