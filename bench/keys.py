#!/usr/bin/env python3
"""bench/keys.py: what a burst of new messages costs as history grows, per
index layout (issue 18: measure before choosing).

The storage-level question behind convtrack's stored / empty ratio, without
the worker: in one PostgreSQL (a running `scripts/ct-env`, with the
README's deployment settings), tables with STORED rows in sessions of 50
messages with random (v4) message ids, then, after a CHECKPOINT, a burst of
BURST new messages in sessions of 50, in transactions of 5,000 rows (the
worker's batch), timed, with the WAL they wrote. Layouts:

  pk_message   today's: PRIMARY KEY (message_id), an index on session_id
  session_idx  the index on session_id alone: no key on message_id at all
               (the floor of any layout that keeps the session index)
  pk_session   PRIMARY KEY (session_id, message_id): a session's rows share
               a leaf, but nothing makes message_id unique across sessions
  probe        session_idx, plus before each transaction a read-only probe
               of the message ids in the pk_message table's (static)
               primary key, as a design that keeps old ids in structures
               it only reads would have to do (measured twice: the second
               pass finds more of the id index cached)
  recent + probe  probe, and the new ids also go into recent_ids
               (message_id PRIMARY KEY, session_id) holding the last
               --recent ids (default 100,000): the write path of a design
               in which only a small table of recent ids takes random
               inserts, and older ids sit in structures built once and
               then only read (an LSM tree's levels)

Each layout is measured on an empty table and on STORED rows, so every
figure has its empty counterpart from the same run.  Also pk_message with
wal_compression = zstd (tuning, for comparison).

    CT_ENV_DIR=DIR CT_BIN_DIR=BUILD bench/keys.py [--stored N] [--burst N]

bench/keys.sh starts private servers and runs it.  Prints one table.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

BATCH = 5000
PER_SESSION = 50
PAD = 120  # bytes of content per row, about a spoken sentence

# Each layout: its table, then its indexes.  A stored table's indexes are
# built after its fill, by sorting, with fillfactor 70: an index grown by
# inserts at random places has its leaves about 70 % full (a built one 90 %,
# which would make every new session's entries split a leaf).
TABLE = ("CREATE TABLE %(t)s (message_id uuid NOT NULL, session_id uuid NOT NULL,"
         " occurred_at timestamptz NOT NULL, content text NOT NULL)")
INDEXES = {
    "pk_message": ["ALTER TABLE %(t)s ADD PRIMARY KEY (message_id) WITH (fillfactor = %(ff)d)",
                   "CREATE INDEX %(t)s_session ON %(t)s (session_id)"
                   " WITH (fillfactor = %(ff)d)"],
    "session_idx": ["CREATE INDEX %(t)s_session ON %(t)s (session_id)"
                    " WITH (fillfactor = %(ff)d)"],
    "pk_session": ["ALTER TABLE %(t)s ADD PRIMARY KEY (session_id, message_id)"
                   " WITH (fillfactor = %(ff)d)"],
}

# The rows of n sessions of PER_SESSION messages, numbered from s0.
ROWS = ("SELECT gen_random_uuid() AS message_id, s.sid AS session_id,"
        " now() - interval '90 days' + (s.i * interval '1 second') + m * interval '6 s'"
        " AS occurred_at, repeat(md5(s.i::text || m::text), %d) AS content"
        " FROM (SELECT i, gen_random_uuid() AS sid FROM generate_series(%%d, %%d) i) s,"
        " generate_series(1, %d) m" % (PAD // 32 + 1, PER_SESSION))


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def wal_lsn(env, db):
    return int(env.psql1(db, "SELECT pg_current_wal_lsn() - '0/0'"))


def add_indexes(env, db, table, layout, ff):
    t0 = time.time()
    for sql in INDEXES[layout]:
        env.psql(db, "SET maintenance_work_mem = '1GB'; " + sql % {"t": table, "ff": ff},
                 timeout=7200)
    env.psql(db, "VACUUM (ANALYZE) %s" % table, timeout=7200)
    return time.time() - t0


def fill(env, db, table, layout, stored):
    env.psql(db, "DROP TABLE IF EXISTS %s" % table)
    env.psql(db, TABLE % {"t": table})
    if not stored:
        add_indexes(env, db, table, layout, 90)
        return
    t0 = time.time()
    sessions = stored // PER_SESSION
    step = 200000  # sessions per statement
    for s in range(0, sessions, step):
        env.psql(db, "INSERT INTO %s (message_id, session_id, occurred_at, content)"
                 " SELECT message_id, session_id, occurred_at, content FROM (%s) r"
                 % (table, ROWS % (s, min(sessions, s + step) - 1)), timeout=7200)
    add_indexes(env, db, table, layout, 70)
    log("%s: %d rows in %.0f s, %.0f MiB (indexes %.0f MiB)" % (
        table, stored, time.time() - t0,
        int(env.psql1(db, "SELECT pg_total_relation_size('%s')" % table)) / 1048576,
        int(env.psql1(db, "SELECT pg_indexes_size('%s')" % table)) / 1048576))


def burst(env, db, table, burst_rows, probe_table=None, also=None):
    """Inserts burst_rows new rows in transactions of BATCH; returns (rows/s,
    WAL bytes per row, probe seconds)."""
    env.psql(db, "CHECKPOINT")
    sessions = burst_rows // PER_SESSION
    per_tx = BATCH // PER_SESSION
    base = 10 ** 9
    # the whole burst as one script: one psql, one connection, timed inside
    stmts = ["\\timing off", "SET synchronous_commit = on;"]
    for s in range(0, sessions, per_tx):
        rows = ROWS % (base + s, base + s + per_tx - 1)
        stmts.append("BEGIN;")
        stmts.append("CREATE TEMP TABLE b ON COMMIT DROP AS %s;" % rows)
        if probe_table:
            stmts.append("SELECT clock_timestamp() AS p0 \\gset")
            stmts.append("SELECT count(*) FROM %s WHERE message_id = ANY "
                         "(ARRAY(SELECT message_id FROM b)) \\gset probe_" % probe_table)
            stmts.append("SELECT extract(epoch FROM clock_timestamp() - :'p0'::timestamptz) AS ps \\gset")
            stmts.append("\\echo probe :ps")
        if also:
            stmts.append("INSERT INTO %s (message_id, session_id) SELECT message_id,"
                         " session_id FROM b;" % also)
        stmts.append("INSERT INTO %s (message_id, session_id, occurred_at, content)"
                     " SELECT message_id, session_id, occurred_at, content FROM b;" % table)
        stmts.append("COMMIT;")
    path = "/tmp/ct-keys-%d.sql" % os.getpid()
    with open(path, "w") as f:
        f.write("\n".join(stmts) + "\n")
    lsn0 = wal_lsn(env, db)
    t0 = time.time()
    out = env.psql_file(db, path, timeout=7200)
    took = time.time() - t0
    lsn1 = wal_lsn(env, db)
    os.unlink(path)
    probe_s = sum(float(line.split()[1]) for line in out.splitlines()
                  if line.startswith("probe "))
    n = sessions * PER_SESSION
    return n / took, (lsn1 - lsn0) / n, probe_s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stored", type=int, default=50000000)
    ap.add_argument("--burst", type=int, default=300000)
    ap.add_argument("--recent", type=int, default=100000,
                    help="rows of recent_ids before the stored 'recent + probe' burst")
    ap.add_argument("--shared-buffers", default="1GB",
                    help="PostgreSQL's shared_buffers (the README's guidance: 1GB)")
    ap.add_argument("--skip-zstd", action="store_true")
    ap.add_argument("--huge-pages", action="store_true",
                    help="PostgreSQL with huge_pages = on (needs root)")
    a = ap.parse_args()
    env = bench.Env(os.environ["CT_ENV_DIR"], os.environ.get("CT_BIN_DIR", ""))
    env.set_system({"shared_buffers": a.shared_buffers, "max_wal_size": "4GB",
                    "checkpoint_timeout": "900", "wal_compression": "off",
                    "huge_pages": "on" if a.huge_pages else "off"})
    db = "ct_keys"
    env.create_db(db)
    res = []

    def recent(n):
        """recent_ids: the ids of the last n messages, the small table with
        a unique index that new ids go into."""
        env.psql(db, "DROP TABLE IF EXISTS recent_ids")
        env.psql(db, "CREATE TABLE recent_ids (message_id uuid NOT NULL, session_id uuid"
                 " NOT NULL)")
        if n:
            env.psql(db, "INSERT INTO recent_ids SELECT message_id, session_id FROM (%s) r"
                     % (ROWS % (0, n // PER_SESSION - 1)))
        env.psql(db, "ALTER TABLE recent_ids ADD PRIMARY KEY (message_id) WITH (fillfactor = 70)")
        env.psql(db, "VACUUM ANALYZE recent_ids")

    def measure(name, table, stored, probe=None, also=None):
        rate, wal, probe_s = burst(env, db, table, a.burst, probe, also)
        log("%-28s %12s stored: %8.0f rows/s, WAL %6.2f KiB/row%s" % (
            name, "{:,}".format(stored), rate, wal / 1024,
            ", probes %.1f s" % probe_s if probe else ""))
        res.append((name, stored, rate, wal, probe_s))

    # The stored tables first (the long part), then each layout empty and
    # stored back to back, so that both figures of a ratio see the same
    # machine.  s_session is measured as session_idx (and with the probes)
    # first, then gets its (session_id, message_id) key for pk_session.
    fill(env, db, "s_pk_message", "pk_message", a.stored)
    fill(env, db, "s_session", "session_idx", a.stored)
    for layout, table in (("pk_message", "s_pk_message"), ("session_idx", "s_session")):
        fill(env, db, "e_" + layout, layout, 0)
        measure(layout, "e_" + layout, 0)
        measure(layout, table, a.stored)
    fill(env, db, "e_probe_src", "pk_message", 0)
    fill(env, db, "e_probe", "session_idx", 0)
    measure("probe", "e_probe", 0, "e_probe_src")
    # twice: first as the id index is after the other bursts, then again
    measure("probe", "s_session", a.stored, "s_pk_message")
    measure("probe, again", "s_session", a.stored, "s_pk_message")
    env.psql(db, "TRUNCATE e_probe")
    recent(0)
    measure("recent + probe", "e_probe", 0, "e_probe_src", "recent_ids")
    recent(a.recent)
    measure("recent + probe", "s_session", a.stored, "s_pk_message", "recent_ids")
    took = add_indexes(env, db, "s_session", "pk_session", 70)
    log("s_session: (session_id, message_id) key built in %.0f s" % took)
    fill(env, db, "e_pk_session", "pk_session", 0)
    measure("pk_session", "e_pk_session", 0)
    measure("pk_session", "s_session", a.stored)
    if not a.skip_zstd:
        env.set_system({"wal_compression": "zstd"})
        env.psql(db, "TRUNCATE e_pk_message")
        measure("pk_message, wal_compression", "e_pk_message", 0)
        measure("pk_message, wal_compression", "s_pk_message", a.stored)
        env.set_system({"wal_compression": "off"})

    empty = {r[0]: r for r in res if r[1] == 0}
    empty["probe, again"] = empty.get("probe")
    print("| layout | stored | rows/s | stored / empty | WAL KiB/row | WAL stored / empty |"
          " probe s |")
    print("|---|---|---|---|---|---|---|")
    for name, stored, rate, wal, probe_s in res:
        e = empty.get(name)
        ratio = "%.2f" % (rate / e[2]) if e and stored else ""
        wratio = "%.1f x" % (wal / e[3]) if e and stored else ""
        print("| %s | %s | %.0f | %s | %.2f | %s | %s |" % (
            name, "{:,}".format(stored), rate, ratio, wal / 1024, wratio,
            "%.1f" % probe_s if "probe" in name else ""))
    env.drop_db(db)


if __name__ == "__main__":
    try:
        main()
    except bench.BenchError as exc:
        log("FAILED: %s" % exc)
        sys.exit(1)
