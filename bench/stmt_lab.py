#!/usr/bin/env python3
"""Statement lab: times variants of the batch's message statement on a
realistic batch, so a change to src/repo.c can be sized before it is made.

  python3 bench/stmt_lab.py --env DIR --build DIR --work DIR [--stored N]
                            [--batch 5000] [--repeat 5]

Against a running `scripts/ct-env` cluster: creates a database, migrates
it, preloads --stored messages (bench/preload.sql), takes the first --batch
message events of WORK/gen/throughput.jsonl (bench/gen_events.py) as one
batch, and runs each variant in its own transaction (EXPLAIN ANALYZE,
BUFFERS; ROLLBACK; VACUUM) --repeat times; prints the median time per
variant.  The statements are read from src/repo.c, so the lab follows the
code.  Variants:

Times are psql's \\timing of the statement alone (client round trip on
loopback, including the parsing of the array parameters, as the worker's
bind does), in a transaction that is rolled back.

  current      SQL_MESSAGES as the worker runs it: arrays as text
               parameters, fold duplicates (DISTINCT ON, window), upsert with
               last-writer rules, RETURNING, session counters upsert
  plain        the fast path when the batch holds each message_id once and
               none is stored yet: INSERT ... SELECT FROM unnest(...) ON
               CONFLICT DO NOTHING RETURNING, session counters from the
               returned rows
  plain_noret  plain without RETURNING: session counters from the batch
  staged       plain, but from rows already in a temporary table (what a
               binary COPY into a staging table leaves to do: no text array
               parsing)
  clash        SQL_CLASH after the current statement (its own cost)
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import bench  # noqa: E402


def c_string(src, name):
    """The value of `static const char NAME[] = "..." "...";` in src."""
    m = re.search(r"static const char %s\[\] =\s*((?:\"(?:[^\"\\\\]|\\\\.)*\"\s*)+);" % name, src)
    if not m:
        raise bench.BenchError("%s not found in src/repo.c" % name)
    parts = re.findall(r"\"((?:[^\"\\\\]|\\\\.)*)\"", m.group(1))
    return "".join(p.replace('\\"', '"').replace("\\\\", "\\") for p in parts)


def pg_array(values):
    out = []
    for v in values:
        if v is None:
            out.append("NULL")
        else:
            s = str(v).replace("\\", "\\\\").replace('"', '\\"')
            out.append('"%s"' % s)
    return "{" + ",".join(out) + "}"


def sql_lit(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True, help="bench work dir with gen/")
    ap.add_argument("--stored", type=int, default=1000000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    env = bench.Env(args.env, args.build)
    src = open(os.path.join(ROOT, "src", "repo.c")).read()
    sql_messages = c_string(src, "SQL_MESSAGES")
    sql_clash = c_string(src, "SQL_CLASH")

    # one batch of message events, as the worker would send it
    evs = []
    with open(os.path.join(args.work, "gen", "throughput.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["topic"] != "message":
                continue
            v = json.loads(r["value"])
            evs.append(v)
            if len(evs) == args.batch:
                break
    sess = {}
    for v in evs:
        s = sess.setdefault(v["session_id"], [v["occurred_at"], v["occurred_at"]])
        s[0], s[1] = min(s[0], v["occurred_at"]), max(s[1], v["occurred_at"])
    cols = [
        [v["event_id"] for v in evs],
        [v.get("message_id", v["event_id"]) for v in evs],
        [v["session_id"] for v in evs],
        [v["occurred_at"] for v in evs],
        [v["role"] for v in evs],
        [v["content"] for v in evs],
        [v.get("seq") for v in evs],
        list(sess), [s[0] for s in sess.values()], [s[1] for s in sess.values()],
        [("t" if "balance" in v["content"] else "f") if v["role"] == "user" else None
         for v in evs],
    ]
    params = [pg_array(c) for c in cols]
    param_bytes = sum(len(p.encode()) for p in params)

    db = "ct_bench_lab"
    env.create_db(db)
    env.migrate(db)
    if args.stored:
        env.psql_file(db, os.path.join(HERE, "preload.sql"),
                      {"msgs": args.stored, "devices": 70000,
                       "corpus": os.path.join(args.work, "gen", "corpus.tsv")})
    env.psql(db, "VACUUM ANALYZE")
    # parameters as a one-row table, so every variant gets the same text
    env.psql(db, "CREATE TABLE lab_params (%s)" % ", ".join("p%d text" % i for i in range(1, 12)))
    path = os.path.join(args.work, "lab_params.tsv")
    with open(path, "w") as f:
        f.write("\t".join(p.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                          for p in params) + "\n")
    subprocess.run(["psql", "-X", "-q", "-d", db, "-c", "\\copy lab_params FROM '%s'" % path],
                   env=env.environ(), check=True)
    types = ["uuid[]", "uuid[]", "uuid[]", "timestamptz[]", "text[]", "text[]", "bigint[]",
             "uuid[]", "timestamptz[]", "timestamptz[]", "bool[]"]

    plain = (
        "WITH up AS ("
        " INSERT INTO conversation_messages (message_id, session_id, role, content,"
        "  is_banking_query, seq, occurred_at, version_at, version_event_id, seq_at,"
        "  seq_event_id)"
        " SELECT b.message_id, b.session_id, b.role, b.content, b.banking, b.seq, b.at,"
        "  b.at, b.event_id, CASE WHEN b.seq IS NOT NULL THEN b.at END,"
        "  CASE WHEN b.seq IS NOT NULL THEN b.event_id END"
        " FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[],"
        "  $6::text[], $7::bigint[], $11::bool[])"
        "  AS b(event_id, message_id, session_id, at, role, content, seq, banking)"
        " ON CONFLICT (message_id) DO NOTHING RETURNING session_id"
        "), counts AS (SELECT session_id, count(*) AS n FROM up GROUP BY session_id)"
        " INSERT INTO agent_sessions AS s (session_id, started_at, last_event_at,"
        "  message_count)"
        " SELECT t.sid, t.min_at, t.max_at, COALESCE(c.n, 0)"
        " FROM unnest($8::uuid[], $9::timestamptz[], $10::timestamptz[]) AS t(sid, min_at, max_at)"
        " LEFT JOIN counts c ON c.session_id = t.sid"
        " ON CONFLICT (session_id) DO UPDATE SET"
        "  started_at = LEAST(s.started_at, EXCLUDED.started_at),"
        "  last_event_at = GREATEST(s.last_event_at, EXCLUDED.last_event_at),"
        "  message_count = s.message_count + EXCLUDED.message_count,"
        "  last_applied_at = now(), updated_at = now()")
    plain_noret = (
        "WITH up AS ("
        " INSERT INTO conversation_messages (message_id, session_id, role, content,"
        "  is_banking_query, seq, occurred_at, version_at, version_event_id, seq_at,"
        "  seq_event_id)"
        " SELECT b.message_id, b.session_id, b.role, b.content, b.banking, b.seq, b.at,"
        "  b.at, b.event_id, CASE WHEN b.seq IS NOT NULL THEN b.at END,"
        "  CASE WHEN b.seq IS NOT NULL THEN b.event_id END"
        " FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[],"
        "  $6::text[], $7::bigint[], $11::bool[])"
        "  AS b(event_id, message_id, session_id, at, role, content, seq, banking)"
        " ON CONFLICT (message_id) DO NOTHING)"
        " INSERT INTO agent_sessions AS s (session_id, started_at, last_event_at,"
        "  message_count)"
        " SELECT t.sid, t.min_at, t.max_at, COALESCE(c.n, 0)"
        " FROM unnest($8::uuid[], $9::timestamptz[], $10::timestamptz[]) AS t(sid, min_at, max_at)"
        " LEFT JOIN (SELECT x, count(*) AS n FROM unnest($3::uuid[]) x GROUP BY x) c"
        "  ON c.x = t.sid"
        " ON CONFLICT (session_id) DO UPDATE SET"
        "  started_at = LEAST(s.started_at, EXCLUDED.started_at),"
        "  last_event_at = GREATEST(s.last_event_at, EXCLUDED.last_event_at),"
        "  message_count = s.message_count + EXCLUDED.message_count,"
        "  last_applied_at = now(), updated_at = now()")
    staged_setup = (
        "CREATE TEMP TABLE lab_b AS SELECT b.* FROM lab_params, unnest(p1::uuid[], p2::uuid[],"
        " p3::uuid[], p4::timestamptz[], p5::text[], p6::text[], p7::bigint[], p11::bool[])"
        " AS b(event_id, message_id, session_id, at, role, content, seq, banking)")
    staged = (
        "INSERT INTO conversation_messages (message_id, session_id, role, content,"
        " is_banking_query, seq, occurred_at, version_at, version_event_id, seq_at, seq_event_id)"
        " SELECT b.message_id, b.session_id, b.role, b.content, b.banking, b.seq, b.at, b.at,"
        " b.event_id, CASE WHEN b.seq IS NOT NULL THEN b.at END,"
        " CASE WHEN b.seq IS NOT NULL THEN b.event_id END FROM lab_b b"
        " ON CONFLICT (message_id) DO NOTHING")
    variants = [("current", sql_messages, False), ("plain", plain, False),
                ("plain_noret", plain_noret, False), ("staged", staged, True),
                ("clash", sql_clash, False)]
    def args_of(idx):
        return ", ".join(":'p%d'" % i for i in idx)

    results = {}
    for name, sql, is_staged in variants:
        times = []
        for _ in range(args.repeat):
            pre = ""
            if is_staged:
                pre = staged_setup + ";\n"
                stmt = sql
            elif name == "clash":
                # the clash check runs after the batch is stored
                pre = "PREPARE cur AS %s;\nEXECUTE cur(%s);\n" % (sql_messages,
                                                                 args_of(range(1, 12)))
                pre = pre.replace("EXECUTE cur", "\\o /dev/null\nEXECUTE cur") + "\\o\n"
                pre += "PREPARE lab AS %s;\n" % sql
                stmt = "EXECUTE lab(%s)" % args_of([2, 3])
            else:
                pre = "PREPARE lab AS %s;\n" % sql
                stmt = "EXECUTE lab(%s)" % args_of(range(1, 12))
            script = ("SELECT * FROM lab_params \\gset\nBEGIN;\n%s\\timing on\n%s;\n"
                      "\\timing off\nROLLBACK;\n" % (pre, stmt))
            p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                "-d", db], input=script.encode(), env=env.environ(),
                               capture_output=True)
            if p.returncode != 0:
                raise bench.BenchError("%s: %s" % (name, p.stderr.decode()[-1500:]))
            m = re.findall(r"Time: ([\d.]+) ms", p.stdout.decode())
            times.append(float(m[-1]))
            env.psql(db, "VACUUM conversation_messages, agent_sessions")
        results[name] = statistics.median(times)
        print("%-12s %8.1f ms  (%.2f us per message; runs: %s)" % (
            name, results[name], 1000 * results[name] / len(evs),
            ", ".join("%.0f" % t for t in times)), flush=True)
    print("batch: %d messages in %d sessions, %.0f KiB of text parameters; %d stored messages"
          % (len(evs), len(sess), param_bytes / 1024, args.stored))
    env.drop_db(db)


if __name__ == "__main__":
    try:
        main()
    except bench.BenchError as exc:
        bench.log("FAILED: %s" % exc)
        sys.exit(1)
