#!/usr/bin/env python3
"""Where convtrack's time goes: one profiled throughput run (bench/run.sh
--profile).  Python 3 standard library; perf when it is installed.

In the private cluster of `scripts/ct-env` it turns on pg_stat_statements
(track = all, track_planning), auto_explain (ANALYZE, BUFFERS, nested
statements, a sample of statements) and track_io_timing, restarts, then:

  1. one convtrack run over the generated events (same generator and
     options as bench.py) on a fresh database (or, with --stored N, on a
     clone of a database preloaded as bench.py's stored runs), with
     `perf record -a` (cpu-clock, 499 Hz) over the run when perf works;
  2. the statements of the batch transaction from pg_stat_statements: calls,
     planning and execution time, rows, buffers, WAL, per event;
  3. the worker's and the backend's hottest functions from perf;
  4. the last sampled EXPLAIN (ANALYZE, BUFFERS) of each batch statement,
     from auto_explain in the server log;
  5. summaries: the latency sessions end all at once (grace 0) and the time
     until every summary is published gives the summarizer's capacity;
     pg_stat_statements is read again for that phase.

Writes WORK/profile.md (and prints it), WORK/plans.txt, WORK/perf-*.txt.
The settings are reset and the server restarted at the end.
"""

import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402
from bench import BenchError, log  # noqa: E402

LABELS = [
    ("WITH cur AS", "1 lockset (read lock set)"),
    ("pg_advisory_xact_lock(k)) FROM unnest", "2 lock (advisory locks)"),
    ("INSERT INTO participant_joins", "3 joins (insert facts)"),
    ("INSERT INTO session_authentications", "3 auths (insert facts)"),
    ("INSERT INTO call_ends", "3 ends (insert facts)"),
    ("INSERT INTO conversation_messages AS m", "3 messages + session counters"),
    ("JOIN conversation_messages m ON m.message_id = b.mid", "3 clash check"),
    ("LEFT JOIN LATERAL (SELECT anonymous_key", "4 refresh sessions (rule 1)"),
    ("INSERT INTO user_profiles (id, profile_type, anonymous_id, username)", "4 ensure profiles"),
    ("UPDATE user_profiles p SET phone_number", "4 user attributes"),
    ("ct_refresh_merges(", "4 merges (rule 2)"),
    ("ct_refresh_session_profiles(", "4 session profiles (rule 3)"),
    ("SELECT DISTINCT id::text FROM", "5 stats ids"),
    ("ct_refresh_profile_stats(", "5 stats (rule 4)"),
    ("ct_refresh_candidates(", "4 candidates (rule 10)"),
    ("ct_refresh_profile_metadata(", "upkeep metadata (rule 9)"),
    ("stale_ended_at = NULL", "upkeep reopen (rule 8)"),
    ("summary_due_at = CASE", "upkeep summary due (rule 7)"),
    ("SELECT session_id::text FROM agent_sessions WHERE summary_due", "tick: summaries due"),
    ("FROM summary_outbox", "tick: outbox claim"),
    ("UPDATE agent_sessions s SET stale_ended_at = $", "tick: stale sweep"),
    ("BEGIN", "BEGIN"),
    ("COMMIT", "COMMIT (WAL flush)"),
]


def label(query):
    q = " ".join(query.split())
    for key, name in LABELS:
        if q.startswith(key) or (len(key) > 6 and key in q):
            return name
    return None


STATS_SQL = """
SELECT toplevel, calls, round(total_plan_time::numeric, 1), round(total_exec_time::numeric, 1),
       rows, shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written,
       round(blk_read_time::numeric, 1), wal_bytes, regexp_replace(query, '\\s+', ' ', 'g')
  FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '%s')
 ORDER BY total_exec_time DESC
"""


def statements(env, db):
    rows = env.psql("postgres", STATS_SQL % db)
    out = []
    for r in rows:
        r = r[:11] + ["|".join(r[11:])]
        out.append({"toplevel": r[0] == "t", "calls": int(r[1]), "plan_ms": float(r[2]),
                    "exec_ms": float(r[3]), "rows": int(r[4]), "hit": int(r[5]),
                    "read": int(r[6]), "dirtied": int(r[7]), "written": int(r[8]),
                    "read_ms": float(r[9]), "wal": int(r[10]), "query": r[11],
                    "label": label(r[11])})
    return out


def statement_table(stmts, events, wall_s, title):
    top = [s for s in stmts if s["toplevel"]]
    total = sum(s["plan_ms"] + s["exec_ms"] for s in top)
    lines = ["### %s" % title, "",
             "Top-level statements of the worker's connection (pg_stat_statements); "
             "time = planning + execution, in the backend.  Sum: %.0f ms = %.0f%% of the "
             "%.1f s first-to-last-commit window; %.1f us per event." % (
                 total, 100 * total / 1000 / wall_s if wall_s else 0, wall_s,
                 1000 * total / events if events else 0), "",
             "| statement | calls | plan ms | exec ms | % of total | us/event | rows | "
             "blks hit | blks read | dirtied | WAL MiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in sorted(top, key=lambda s: -(s["plan_ms"] + s["exec_ms"])):
        t = s["plan_ms"] + s["exec_ms"]
        if t < total * 0.002:
            continue
        name = s["label"] or s["query"][:60]
        lines.append("| %s | %d | %.0f | %.0f | %.1f%% | %.2f | %d | %d | %d | %d | %.1f |" % (
            name, s["calls"], s["plan_ms"], s["exec_ms"], 100 * t / total if total else 0,
            1000 * t / events if events else 0, s["rows"], s["hit"], s["read"],
            s["dirtied"], s["wal"] / 1048576))
    nested = [s for s in stmts if not s["toplevel"]]
    if nested:
        lines += ["", "Nested statements (inside the SQL functions), top 8 by time:", "",
                  "| statement | calls | exec ms | us/event | rows |", "|---|---|---|---|---|"]
        for s in sorted(nested, key=lambda s: -s["exec_ms"])[:8]:
            lines.append("| %s | %d | %.0f | %.2f | %d |" % (
                s["query"][:90].replace("|", "/"), s["calls"], s["exec_ms"],
                1000 * s["exec_ms"] / events if events else 0, s["rows"]))
    return lines


def perf_ok():
    try:
        p = subprocess.run(["perf", "record", "-e", "cpu-clock", "-o", "/dev/null", "--",
                            "true"], capture_output=True, timeout=30)
        return p.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def perf_report(data, pids, out_path, limit=30):
    """Flat profile (share, object, symbol) of the given pids, counted from
    `perf script` (perf report's --pid filter let in other backends'
    samples)."""
    p = subprocess.run(["perf", "script", "-i", data, "-G", "-F", "pid,ip,sym,dso"],
                       capture_output=True, timeout=600)
    want = set(str(x) for x in pids)
    count = {}
    for line in p.stdout.decode(errors="replace").splitlines():
        m = re.match(r"\s*(\d+)\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
        if m and m.group(1) in want:
            key = (os.path.basename(m.group(3)), m.group(2))
            count[key] = count.get(key, 0) + 1
    total = sum(count.values()) or 1
    rows = sorted(((100.0 * n / total, dso, sym) for (dso, sym), n in count.items()),
                  key=lambda r: -r[0])
    with open(out_path, "w") as f:
        f.write("%d samples\n" % total)
        f.write("".join("%6.2f%%  %s  %s\n" % r for r in rows))
    return rows[:limit]


def plans_from_log(log_path, since_offset, out_path):
    """Last auto_explain plan per statement label since since_offset."""
    with open(log_path, "rb") as f:
        f.seek(since_offset)
        text = f.read().decode(errors="replace")
    plans = {}
    for block in re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text):
        if "duration:" not in block or "plan:" not in block:
            continue
        m = re.search(r"Query Text: ?(.*)\n(.*)", block)
        if not m:
            continue
        if m.group(1).strip():
            name = label(m.group(1)) or "other: " + m.group(1)[:60]
        else:
            name = "nested: " + m.group(2).strip()[:70]
        block = re.sub(r"'\{[^}]{200,}\}'", lambda x: "'{... %d items}'" % (
            x.group(0).count(",") + 1), block)
        plans[name] = block
    with open(out_path, "w") as f:
        for name in sorted(plans):
            f.write("=" * 78 + "\n== %s\n" % name + plans[name] + "\n")
    return plans


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--messages", type=int, default=1000000)
    ap.add_argument("--sessions", type=int, default=20000)
    ap.add_argument("--partitions", type=int, default=32)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--latency-sessions", type=int, default=2000)
    ap.add_argument("--explain-sample", type=float, default=0.05)
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--stored", type=int, default=0,
                    help="profile the run on a clone of a database preloaded with this many "
                    "messages (bench/preload.sql), as bench.py's stored runs")
    ap.add_argument("--warm-wal-mib", type=int, default=2048,
                    help="WAL to write and checkpoint first, as bench.py (0: none)")
    ap.add_argument("--keep-preload", action="store_true",
                    help="keep the preloaded database (and reuse a kept one), as bench.py")
    ap.add_argument("--skip-summaries", action="store_true")
    ap.add_argument("--pg", action="append", default=[], metavar="NAME=VALUE",
                    help="PostgreSQL setting for the profile (ALTER SYSTEM), as bench.py --pg")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    env = bench.Env(args.env, args.build)
    settings = {
        "track_commit_timestamp": "on",
        "shared_preload_libraries": "pg_stat_statements,auto_explain",
        "pg_stat_statements.track": "all",
        "pg_stat_statements.track_planning": "on",
        "track_io_timing": "on",
        "auto_explain.log_min_duration": "0",
        "auto_explain.log_analyze": "on",
        "auto_explain.log_buffers": "on",
        "auto_explain.log_nested_statements": "on",
        "auto_explain.sample_rate": str(args.explain_sample),
    }
    settings.update(bench.pg_settings(args.pg))
    # shared_preload_libraries must be in place before auto_explain.* exist
    env.set_system({"shared_preload_libraries": settings["shared_preload_libraries"],
                    "track_commit_timestamp": "on"})
    env.set_system(settings)
    env.psql("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    out = ["# Where convtrack's time goes", ""]
    try:
        info = bench.machine(env)
        gen, meta = bench.generate(args, args.work)
        expect = {"events": meta["events"], "messages": meta["messages"]}
        prefix = "prof%d." % os.getpid()
        bench.produce_topics(env, os.path.join(gen, "throughput.jsonl"), prefix,
                             args.partitions, meta["events"])
        db = "ct_bench_profile"
        tmpl = None
        if args.stored > 0:
            tmpl, pre = bench.preload(env, args, gen, args.stored)
            out += ["preload: %d messages (%.0f MiB); the run below is on a clone of it."
                    % (pre["messages"], pre["db_bytes"] / 1048576), ""]
        if args.warm_wal_mib > 0:
            bench.warm_wal(env, args.warm_wal_mib)
        env.psql("postgres", "SELECT pg_stat_statements_reset()")
        log_path = os.path.join(args.env, "postgresql.log")
        log_off = os.path.getsize(log_path)
        perf = None
        data = os.path.join(args.work, "perf.data")
        if perf_ok():
            perf = subprocess.Popen(["perf", "record", "-a", "-e", "cpu-clock", "-F", "499",
                                     "-o", data], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(1)
        pids, snap = {}, {}

        def stop_perf():
            if perf and perf.poll() is None:
                perf.send_signal(2)
                perf.wait()

        def before_worker():
            env.psql("postgres", "SELECT pg_stat_statements_reset()")

        def caught_up(w):
            pids["worker"] = w.pid
            b = env.psql1("postgres", "SELECT pid FROM pg_stat_activity WHERE "
                          "application_name = 'convtrack' AND datname = '%s'" % db)
            if b:
                pids["backend"] = int(b)
            snap["stmts"] = statements(env, db)
            stop_perf()  # not the analysis queries that follow the run
        try:
            res = bench.throughput_run(env, args, args.work, db, prefix,
                                       "prof-%d" % os.getpid(), expect, "profile",
                                       template=tmpl,
                                       hooks={"before_worker": before_worker,
                                              "caught_up": caught_up})
        finally:
            stop_perf()
        stmts = snap["stmts"]
        span = res["first_to_last_s"]
        cpu = res["cpu_window"]
        out += ["machine: %d CPUs, %s; PostgreSQL %s; convtrack %s" % (
            info["nproc"], info["cpu"], info["postgres"], info["commit"]),
            "profiling on: pg_stat_statements (track=all, planning), auto_explain "
            "(analyze, buffers, sample %.2f), track_io_timing; figures are slower than "
            "an unprofiled run." % args.explain_sample, "",
            "## Throughput run", "",
            "%d events (%d messages) in %.2f s first to last commit: %.0f events/s; %d "
            "transactions of %.0f events touching %.0f sessions; peak RSS %.1f MiB; WAL "
            "%.2f KiB/event, %d checkpoints." % (
                res["events"], res["messages"], span, res["rate"], res["transactions"],
                res["events_per_tx"], res["sessions_per_tx"], res["peak_rss_kib"] / 1024,
                res["wal_bytes"] / res["events"] / 1024, res["checkpoints"]),
            "",
            "CPU within that window (%% of one core; us per event): worker %.0f%% (%.1f), its "
            "backend %.0f%% (%.1f), all postgres %.0f%% (%.1f), mock kafka %.0f%% (%.1f), "
            "machine %.0f%% of %d cores, iowait %.0f%%.  The worker and its backend take "
            "turns (one synchronous connection), so wall time per event ~ worker + backend "
            "+ waits: %.1f us measured." % (
                100 * cpu["worker"] / span, 1e6 * cpu["worker"] / res["events"],
                100 * cpu["backend"] / span, 1e6 * cpu["backend"] / res["events"],
                100 * cpu["postgres"] / span, 1e6 * cpu["postgres"] / res["events"],
                100 * cpu["kafka"] / span, 1e6 * cpu["kafka"] / res["events"],
                100 * cpu["busy"] / span / info["nproc"], info["nproc"],
                100 * cpu["iowait"] / span / info["nproc"], 1e6 * span / res["events"]),
            ""]
        out += statement_table(stmts, res["events"], span, "Batch transaction, per statement")
        if perf and pids:
            for name in ("worker", "backend"):
                if name not in pids:
                    continue
                rows = perf_report(data, [pids[name]],
                                   os.path.join(args.work, "perf-%s.txt" % name))
                out += ["", "### perf: %s (pid %d), top functions (%% of its samples)"
                        % (name, pids[name]), "", "| % | object | symbol |", "|---|---|---|"]
                out += ["| %.1f | %s | %s |" % r for r in rows[:25]]
        plans = plans_from_log(log_path, log_off, os.path.join(args.work, "plans.txt"))
        out += ["", "auto_explain plans of %d statements: %s" % (
            len(plans), os.path.join(args.work, "plans.txt"))]

        env.drop_db(db)
        if tmpl and not args.keep_preload:
            env.drop_db(tmpl)
        if not args.skip_summaries:
            # Summaries: how fast can the worker summarize?
            out += ["", "## Summaries", ""]
            out += summaries_phase(env, args, gen, meta, out)
    finally:
        env.set_system({k: None for k in settings if k != "track_commit_timestamp"})
    text = "\n".join(out)
    with open(os.path.join(args.work, "profile.md"), "w") as f:
        f.write(text + "\n")
    print(text)


def summaries_phase(env, args, gen, meta, out):
    """All latency sessions end at once (grace 0): summaries per second."""
    prefix = "profsum%d." % os.getpid()
    db = "ct_bench_profsum"
    env.create_topics([prefix + t for t in bench.INPUT + bench.OUTPUT], 4)
    env.produce(os.path.join(gen, "latency.jsonl"), prefix)
    env.create_db(db)
    env.migrate(db)
    group = "profsum-%d" % os.getpid()
    w = bench.Worker(env, db, prefix, group, os.path.join(args.work, "worker-profsum.log"),
                     {"CONVTRACK_SUMMARY_GRACE_MS": "0"})
    lines = []
    try:
        bench.wait_caught_up(env, w, group, [prefix + t for t in bench.INPUT], args.timeout)
        env.psql("postgres", "SELECT pg_stat_statements_reset()")
        # every call_ended at once, as one JSONL file
        path = os.path.join(args.work, "ended.jsonl")
        n = 0
        with open(os.path.join(gen, "latency_ended.tsv")) as f, open(path, "w") as o:
            import json
            for line in f:
                key, value = line.rstrip("\n").split("\t", 1)
                o.write(json.dumps({"topic": "call-ended", "key": key, "value": value}) + "\n")
                n += 1
        cpu0 = bench.proc_cpu(w.pid)
        t0 = time.time()
        env.produce(path, prefix)
        while True:
            sent = int(env.psql1(db, "SELECT count(*) FROM summary_outbox WHERE sent_at IS NOT NULL"))
            if sent >= n:
                break
            if not w.alive() or time.time() - t0 > args.timeout:
                raise BenchError("summaries: %d of %d sent" % (sent, n))
            time.sleep(0.5)
        span = float(env.psql1(db, "SELECT extract(epoch FROM max(sent_at) - min(created_at)) FROM summary_outbox"))
        cpu1 = bench.proc_cpu(w.pid)
        stmts = statements(env, db)
        msgs = meta["latency_messages"] / meta["latency_sessions"]
        lines += ["%d sessions of %.0f messages ended at once (summary.grace_ms = 0): the last "
                  "summary was published %.1f s after the first was written: %.0f summaries/s; "
                  "worker CPU %.1f ms per summary." % (n, msgs, span, n / span,
                                                       1000 * (cpu1 - cpu0) / n), ""]
        top = [s for s in stmts if s["toplevel"]]
        total = sum(s["plan_ms"] + s["exec_ms"] for s in top)
        lines += ["Backend time in that phase: %.0f ms (%.1f ms per summary); top statements:" % (
            total, total / n), "", "| statement | calls | ms | ms/summary |", "|---|---|---|---|"]
        for s in sorted(top, key=lambda s: -(s["plan_ms"] + s["exec_ms"]))[:10]:
            lines.append("| %s | %d | %.0f | %.2f |" % (
                s["query"][:90].replace("|", "/"), s["calls"], s["plan_ms"] + s["exec_ms"],
                (s["plan_ms"] + s["exec_ms"]) / n))
    finally:
        w.stop()
        env.drop_db(db)
    return lines


if __name__ == "__main__":
    try:
        main()
    except BenchError as exc:
        log("FAILED: %s" % exc)
        sys.exit(1)
