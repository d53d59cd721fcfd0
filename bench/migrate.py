#!/usr/bin/env python3
"""Time of the message-id registry's migration (issue 18, schema 15) per
million stored messages; bench/migrate.sh runs it on private servers.

A database at schema 14 (sql/001..014 applied with psql) gets --messages
messages in sessions of 50 with random v4 ids, as the worker stores them,
with the README's PostgreSQL settings; then `convtrack migrate` applies
sql/015_message_registry.sql (every id copied into run 1, its index built,
the primary key of conversation_messages dropped) and builds run 1's
filter.  Prints the time of each part and the total per million messages.
"""

import argparse
import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=5000000)
    a = ap.parse_args()
    env = bench.Env(os.environ["CT_ENV_DIR"], os.environ.get("CT_BIN_DIR", ""))
    env.set_system({"shared_buffers": "1GB", "max_wal_size": "4GB",
                    "checkpoint_timeout": "900", "huge_pages": "off"})
    db = "ct_bench_migrate"
    env.create_db(db)
    env.psql(db, "CREATE TABLE schema_migrations (name text PRIMARY KEY,"
             " applied_at timestamptz NOT NULL DEFAULT now())")
    for f in sorted(glob.glob(os.path.join(HERE, "..", "sql", "[0-9][0-9][0-9]_*.sql"))):
        name = os.path.basename(f)
        if name >= "015":
            break
        env.psql_file(db, f)
        env.psql(db, "INSERT INTO schema_migrations (name) VALUES ('%s')" % name)
    t0 = time.time()
    sessions = a.messages // 50
    step = 100000
    for s in range(0, sessions, step):
        env.psql(db, "INSERT INTO conversation_messages (message_id, session_id, role,"
                 " content, occurred_at, version_at, version_event_id)"
                 " SELECT gen_random_uuid(), s.sid, 'user', repeat(md5(m::text), 3),"
                 "  now() - interval '90 days' + m * interval '6 s',"
                 "  now() - interval '90 days' + m * interval '6 s', gen_random_uuid()"
                 " FROM (SELECT gen_random_uuid() AS sid FROM generate_series(%d, %d)) s,"
                 " generate_series(1, 50) m" % (s, min(sessions, s + step) - 1))
    env.psql(db, "VACUUM (ANALYZE) conversation_messages")
    env.psql(db, "CHECKPOINT")
    filled = time.time() - t0
    n = int(env.psql1(db, "SELECT count(*) FROM conversation_messages"))
    size = int(env.psql1(db, "SELECT pg_total_relation_size('conversation_messages')"))
    print("schema 14 with %d messages (%.0f MiB with indexes), filled in %.0f s"
          % (n, size / 1048576, filled), flush=True)
    lsn0 = int(env.psql1(db, "SELECT pg_current_wal_lsn() - '0/0'"))
    t0 = time.time()
    p = subprocess.run([env.bin("convtrack"), "migrate"], env=env.environ(db),
                       capture_output=True, timeout=7200)
    took = time.time() - t0
    if p.returncode != 0:
        raise bench.BenchError("convtrack migrate: %s" % p.stderr.decode(errors="replace"))
    wal = int(env.psql1(db, "SELECT pg_current_wal_lsn() - '0/0'")) - lsn0
    runs = env.psql(db, "SELECT run, sealed_at IS NOT NULL, ids, length(filter)"
                    " FROM message_id_runs ORDER BY run")
    print(p.stdout.decode().strip())
    print("convtrack migrate: %.1f s (%.2f s per million messages), WAL %.0f MiB;"
          " runs %s" % (took, took / (n / 1e6), wal / 1048576, runs))
    env.drop_db(db)


if __name__ == "__main__":
    try:
        main()
    except bench.BenchError as exc:
        print("FAILED: %s" % exc, file=sys.stderr)
        sys.exit(1)
