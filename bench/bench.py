#!/usr/bin/env python3
"""The throughput benchmark's driver (issue 4); bench/run.sh calls it.

Runs against the servers of `scripts/ct-env start DIR` (DIR/env.sh): a
PostgreSQL 15 cluster with durable defaults and the mock Kafka cluster.
Python 3 standard library only.  See bench/README.md for what each figure
means; `bench.py --help` lists the options.

Steps (each figure is the median of --runs runs unless said otherwise):
  machine    nproc, CPU, memory, PostgreSQL settings in force
  generate   bench/gen_events.py (cached in WORK/gen by its arguments)
  produce    the events into fresh topics, zstd-compressed, before any
             worker starts; checks that the mock kept every record
  convtrack  per run: fresh database, `convtrack migrate`, CHECKPOINT,
             `convtrack run` with a fresh consumer group until the group's
             lag is 0; rate from the commit timestamps of the rows
  copy       the same message rows, exported from the last run, COPY'd
             into a fresh `LIKE conversation_messages INCLUDING ALL` table
  baseline   tools/ct_bench_baseline.c on a prefix of the same events
  latency    call_ended -> summary_generated with summary.grace_ms 0 and 2000
  stored     the convtrack run again on a clone of a database preloaded with
             --stored messages (bench/preload.sql)
  report     one table (stdout, WORK/results.md) and WORK/results.json
"""

import argparse
import atexit
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

INPUT = ["participant-joined", "message", "authenticated", "call-ended"]
OUTPUT = ["summary-generated", "convtrack-dead-letter"]
PRODUCE_OPTS = ["-X", "linger.ms=50", "-X", "batch.num.messages=10000"]
PRODUCER_BATCH = ["1000000"]
COMPRESSION = ["zstd"]
HZ = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def log(*a):
    sys.stderr.write(time.strftime("%H:%M:%S ") + " ".join(str(x) for x in a) + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------
# Environment, psql, Kafka


class Env:
    def __init__(self, env_dir, build):
        self.dir = env_dir
        self.build = build
        self.vars = {}
        with open(os.path.join(env_dir, "env.sh")) as f:
            for line in f:
                for m in re.finditer(r"(\w+)=(\S+)", line):
                    if line.startswith("export"):
                        self.vars[m.group(1)] = m.group(2).strip("'\"")
        self.brokers = self.vars["CT_KAFKA_BROKERS"]
        self.control = self.vars["CT_KAFKA_CONTROL"]
        self.pgdata = os.path.join(env_dir, "pgdata")
        self.pg_bindir = find_pg_bindir()

    def environ(self, db=None, extra=None):
        e = dict(os.environ)
        e.update({k: v for k, v in self.vars.items()})
        if db:
            e["PGDATABASE"] = db
        if extra:
            e.update(extra)
        return e

    def bin(self, name):
        return os.path.join(self.build, name)

    # -- psql

    def psql(self, db, sql, timeout=3600):
        """Runs sql; returns rows as lists of strings (| separated)."""
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "|",
                            "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                           env=self.environ(), capture_output=True,
                           timeout=timeout)
        if p.returncode != 0:
            raise BenchError("psql (%s): %s\n%s" % (db, sql[:300],
                             p.stderr.decode(errors="replace")[-2000:]))
        out = p.stdout.decode()
        return [line.split("|") for line in out.splitlines() if line != ""]

    def psql1(self, db, sql):
        rows = self.psql(db, sql)
        return rows[0][0] if rows else None

    def psql_file(self, db, path, variables=None, timeout=7200):
        args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", path]
        for k, v in (variables or {}).items():
            args[1:1] = ["-v", "%s=%s" % (k, v)]
        p = subprocess.run(args, env=self.environ(), capture_output=True,
                           timeout=timeout)
        if p.returncode != 0:
            raise BenchError("psql -f %s: %s" % (path, p.stderr.decode(errors="replace")[-2000:]))
        return p.stdout.decode()

    def create_db(self, name, template=None):
        self.psql("postgres", 'DROP DATABASE IF EXISTS "%s"' % name)
        if template:
            self.psql("postgres", 'CREATE DATABASE "%s" TEMPLATE "%s" STRATEGY FILE_COPY'
                      % (name, template))
        else:
            self.psql("postgres", 'CREATE DATABASE "%s"' % name)

    def drop_db(self, name):
        self.psql("postgres", 'DROP DATABASE IF EXISTS "%s"' % name)

    def migrate(self, db):
        p = subprocess.run([self.bin("convtrack"), "migrate"], env=self.environ(db),
                           capture_output=True, timeout=3600)
        if p.returncode != 0:
            raise BenchError("convtrack migrate: %s" % p.stderr.decode(errors="replace")[-2000:])

    def postmaster_pid(self):
        with open(os.path.join(self.pgdata, "postmaster.pid")) as f:
            return int(f.readline())

    def kafka_pid(self):
        with open(os.path.join(self.dir, "kafka.pid")) as f:
            return int(f.read().strip())

    # -- server settings

    def pg_restart(self):
        cmd = [os.path.join(self.pg_bindir, "pg_ctl"), "restart", "-D", self.pgdata,
               "-w", "-t", "120", "-m", "fast", "-l",
               os.path.join(self.dir, "postgresql.log")]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        p = subprocess.run(cmd, capture_output=True, timeout=180)
        if p.returncode != 0:
            raise BenchError("pg_ctl restart: %s" % p.stderr.decode(errors="replace"))
        for _ in range(60):
            if subprocess.run(["pg_isready", "-q"], env=self.environ()).returncode == 0:
                return
            time.sleep(0.5)
        raise BenchError("PostgreSQL not ready after restart")

    def reserve_huge_pages(self, shared_buffers):
        """Has the kernel reserve 2 MiB pages for shared_buffers plus 10 %
        (PostgreSQL's huge_pages = on needs them).  Needs root; the count
        in force before is put back when this process ends."""
        m = re.match(r"^(\d+)\s*(kB|MB|GB|TB)?$", str(shared_buffers).strip())
        if not m:
            raise BenchError("huge_pages: cannot read shared_buffers %r" % shared_buffers)
        unit = {"kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40,
                None: 8192}[m.group(2)]
        want = int(int(m.group(1)) * unit * 1.1) // (2 << 20) + 64
        path = "/proc/sys/vm/nr_hugepages"
        with open(path) as f:
            before = int(f.read())
        if before >= want:
            return
        try:
            with open(path, "w") as f:
                f.write("%d\n" % want)
        except OSError as exc:
            raise BenchError("huge_pages = on needs %d huge pages and %s is %d: run as"
                             " root or set vm.nr_hugepages (%s)" % (want, path, before, exc))

        def restore():
            try:
                with open(path, "w") as f:
                    f.write("%d\n" % before)
            except OSError:
                pass
        atexit.register(restore)

    def set_system(self, settings):
        """ALTER SYSTEM settings (None resets), restart when one changed.
        huge_pages = on first has the kernel reserve the pages."""
        changed = False
        if settings.get("huge_pages") == "on":
            self.reserve_huge_pages(settings.get("shared_buffers") or
                                    self.psql1("postgres", "SHOW shared_buffers"))
        for k, v in settings.items():
            cur = self.psql1("postgres", "SELECT setting FROM pg_settings WHERE name = '%s'" % k)
            if v is None:
                self.psql("postgres", "ALTER SYSTEM RESET %s" % k)
                changed = True
            elif cur != str(v):
                # a list (shared_preload_libraries) is written as 'a', 'b'
                value = ", ".join("'%s'" % x.strip() for x in str(v).split(","))
                self.psql("postgres", "ALTER SYSTEM SET %s = %s" % (k, value))
                changed = True
        if changed:
            self.pg_restart()

    # -- Kafka

    def create_topics(self, names, partitions):
        fd = os.open(self.control, os.O_WRONLY | os.O_NONBLOCK)
        try:
            for n in names:
                os.write(fd, ("create-topic %s %d\n" % (n, partitions)).encode())
        finally:
            os.close(fd)
        deadline = time.time() + 30
        while True:
            parts = self.partitions(names)
            if all(len(parts.get(n, [])) == partitions for n in names):
                return
            if time.time() > deadline:
                raise BenchError("topics not created: %s" % parts)
            time.sleep(0.3)

    def partitions(self, topics, group="ct-bench-probe"):
        """{topic: [(low, high, committed)]} of group (ct-kafka lag -v)."""
        p = subprocess.run([self.bin("ct-kafka"), "lag", "-b", self.brokers, "-g",
                            group, "-v"] + list(topics), capture_output=True,
                           timeout=120)
        if p.returncode != 0:
            raise BenchError("ct-kafka lag: %s" % p.stderr.decode(errors="replace"))
        out = {}
        for line in p.stderr.decode().splitlines():
            m = re.match(r"(\S+) \[(\d+)\] low (-?\d+) high (-?\d+) committed (-?\d+)", line)
            if m:
                out.setdefault(m.group(1), []).append(
                    (int(m.group(3)), int(m.group(4)), int(m.group(5))))
        return out

    def lag(self, group, topics):
        p = subprocess.run([self.bin("ct-kafka"), "lag", "-b", self.brokers, "-g",
                            group] + list(topics), capture_output=True, timeout=120)
        if p.returncode != 0:
            raise BenchError("ct-kafka lag: %s" % p.stderr.decode(errors="replace"))
        return int(p.stdout.decode().strip())

    def produce(self, path, prefix):
        p = subprocess.run([self.bin("ct-kafka"), "produce", "-b", self.brokers,
                            "--topic-prefix", prefix, "--timeout-ms", "600000"]
                           + PRODUCE_OPTS + ["-X", "compression.type=" + COMPRESSION[0],
                                             "-X", "batch.size=" + PRODUCER_BATCH[0], path],
                           capture_output=True, timeout=3600)
        if p.returncode != 0:
            raise BenchError("ct-kafka produce: %s" % p.stderr.decode(errors="replace")[-2000:])
        return int(p.stdout.decode().strip())


def find_pg_bindir():
    for d in ["/usr/lib/postgresql/15/bin"]:
        if os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    p = subprocess.run(["pg_config", "--bindir"], capture_output=True)
    return p.stdout.decode().strip()


# ---------------------------------------------------------------------------
# /proc accounting


def proc_cpu(pid):
    """utime + stime of pid in seconds, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ
    except (OSError, IndexError, ValueError):
        return None


def proc_hwm_kib(pid, field="VmHWM:"):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def system_cpu():
    """(busy, iowait, total) jiffies of all CPUs, in seconds."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq + steal
    return busy / HZ, iowait / HZ, (busy + idle + iowait) / HZ


def proc_ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def children_and_self(pid):
    """pid and its child processes (a postmaster and its backends)."""
    out = [pid]
    for d in os.listdir("/proc"):
        if d.isdigit() and proc_ppid(int(d)) == pid:
            out.append(int(d))
    return out


def cpu_of(pids):
    return sum(c for c in (proc_cpu(p) for p in pids) if c is not None)


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Sampler(threading.Thread):
    """Samples CPU time every 0.2 s: the machine (busy, iowait), the worker,
    the worker's PostgreSQL backend (the postgres process whose title names
    the run's database), all postgres processes and the mock Kafka, so the
    split can be read over exactly the first-to-last-commit window."""

    FIELDS = ("busy", "iowait", "worker", "backend", "postgres", "kafka")

    def __init__(self, env, worker_pid, db):
        super().__init__(daemon=True)
        self.worker_pid, self.db = worker_pid, db
        self.postmaster, self.kafka = env.postmaster_pid(), env.kafka_pid()
        self.samples = []
        self.halt = threading.Event()
        self.pg_seen = {}

    def sample(self):
        busy, iowait, _ = system_cpu()
        for p in children_and_self(self.postmaster):
            c = proc_cpu(p)
            if c is None:
                continue
            if p not in self.pg_seen:
                self.pg_seen[p] = [c, c, False]
            v = self.pg_seen[p]
            v[1] = c
            if not v[2]:
                v[2] = " %s " % self.db in proc_cmdline(p)
        # exited processes keep their last value: postgres total only grows
        pg_total = sum(v[1] for v in self.pg_seen.values())
        backend = sum(v[1] for v in self.pg_seen.values() if v[2])
        kafka = proc_cpu(self.kafka) or 0.0
        rss = proc_hwm_kib(self.worker_pid, "VmRSS:") or 0
        return (time.time(), busy, iowait, proc_cpu(self.worker_pid) or 0.0,
                backend, pg_total, kafka, rss)

    def run(self):
        while not self.halt.is_set():
            self.samples.append(self.sample())
            self.halt.wait(0.2)

    def stop(self):
        self.halt.set()
        self.join()
        self.samples.append(self.sample())

    def window(self, t0, t1):
        """{field: seconds of CPU in [t0, t1]} by linear interpolation."""
        def at(t, i):
            s = self.samples
            if t <= s[0][0]:
                return s[0][i]
            for a, b in zip(s, s[1:]):
                if a[0] <= t <= b[0]:
                    f = (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 0
                    return a[i] + f * (b[i] - a[i])
            return s[-1][i]
        return {name: at(t1, i + 1) - at(t0, i + 1) for i, name in enumerate(self.FIELDS)}

    def rss_profile(self, t0, t1):
        """Worker RSS (MiB) at 0, 25, 50, 75 and 100 % of [t0, t1]."""
        out = []
        for q in (0, 0.25, 0.5, 0.75, 1.0):
            t = t0 + q * (t1 - t0)
            best = min(self.samples, key=lambda x: abs(x[0] - t))
            out.append(round(best[7] / 1024, 1))
        return out


# ---------------------------------------------------------------------------
# Pieces


def machine(env):
    info = {"nproc": os.cpu_count()}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        info["mem_gib"] = round(int(f.readline().split()[1]) / 1048576, 1)
    info["kernel"] = os.uname().release
    info["postgres"] = env.psql1("postgres", "SHOW server_version")
    names = ["fsync", "synchronous_commit", "full_page_writes", "wal_sync_method",
             "wal_level", "shared_buffers", "max_wal_size", "checkpoint_timeout",
             "wal_compression", "track_commit_timestamp", "autovacuum",
             "effective_io_concurrency", "work_mem"]
    rows = env.psql("postgres", "SELECT name, setting, COALESCE(unit, '') FROM pg_settings"
                    " WHERE name IN (%s) ORDER BY name" % ",".join("'%s'" % n for n in names))
    info["pg_settings"] = {r[0]: r[1] + (" x " + r[2] if r[2] else "") for r in rows}
    p = subprocess.run(["pkg-config", "--modversion", "rdkafka"], capture_output=True)
    info["librdkafka"] = p.stdout.decode().strip()
    try:
        p = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                           capture_output=True)
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "src", "sql",
                                "include"], capture_output=True).stdout.strip()
        info["commit"] = p.stdout.decode().strip() + (" + uncommitted changes" if dirty else "")
    except OSError:
        info["commit"] = "?"
    return info


def generate(args, work):
    gen = os.path.join(work, "gen")
    want = {"messages": args.messages, "sessions": args.sessions, "seed": args.seed,
            "latency_sessions": args.latency_sessions}
    meta_path = os.path.join(gen, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if all(meta.get(k) == v for k, v in want.items()):
            log("events: reusing", gen)
            return gen, meta
    log("events: generating %d messages in %d sessions" % (args.messages, args.sessions))
    p = subprocess.run([sys.executable, os.path.join(HERE, "gen_events.py"), "--out", gen,
                        "--messages", str(args.messages), "--sessions", str(args.sessions),
                        "--latency-sessions", str(args.latency_sessions),
                        "--seed", str(args.seed)], capture_output=True)
    if p.returncode != 0:
        raise BenchError("gen_events.py: %s" % p.stderr.decode())
    with open(meta_path) as f:
        return gen, json.load(f)


def produce_topics(env, path, prefix, partitions, expect):
    names = [prefix + t for t in INPUT + OUTPUT]
    env.create_topics(names, partitions)
    t0 = time.time()
    n = env.produce(path, prefix)
    took = time.time() - t0
    if n != expect:
        raise BenchError("produced %d of %d records" % (n, expect))
    parts = env.partitions([prefix + "participant-joined", prefix + "message"])
    total = sum(h for ps in parts.values() for (_, h, _) in ps)
    trimmed = [(t, i, lo) for t, ps in parts.items() for i, (lo, _, _) in enumerate(ps) if lo > 0]
    if trimmed or total != expect:
        raise BenchError("the mock Kafka dropped records (it keeps at most 5 MiB per "
                         "partition): low watermarks %s, %d of %d records kept; use more "
                         "--partitions" % (trimmed[:4], total, expect))
    log("produced %d records to %s* (%d partitions) in %.1f s" % (n, prefix, partitions, took))
    return took


class Worker:
    """A `convtrack run` process."""

    # CONVTRACK_* overrides for every worker (bench.py --set, --config)
    overrides = {}
    config = None

    def __init__(self, env, db, prefix, group, logpath, extra=None):
        e = {
            "CONVTRACK_KAFKA_BROKERS": env.brokers,
            "CONVTRACK_KAFKA_GROUP_ID": group,
            "CONVTRACK_TOPICS_PARTICIPANT_JOINED": prefix + "participant-joined",
            "CONVTRACK_TOPICS_MESSAGE": prefix + "message",
            "CONVTRACK_TOPICS_AUTHENTICATED": prefix + "authenticated",
            "CONVTRACK_TOPICS_CALL_ENDED": prefix + "call-ended",
            "CONVTRACK_TOPICS_SUMMARY_GENERATED": prefix + "summary-generated",
            "CONVTRACK_TOPICS_DEAD_LETTER": prefix + "convtrack-dead-letter",
            # The events are a replay: keep the stale sweep (rule 8) from
            # ending the sessions being written.  The sweep still runs.
            "CONVTRACK_SESSIONS_STALE_AFTER_S": "2592000",
            # the benchmark's private cluster, as its superuser
            "CONVTRACK_POSTGRES_ALLOW_SUPERUSER": "true",
            "CONVTRACK_HTTP_PORT": str(free_port()),
            "CONVTRACK_LOG_LEVEL": "info",
        }
        e.update(Worker.overrides)
        e.update(extra or {})
        self.logf = open(logpath, "wb")
        self.logpath = logpath
        cmd = [env.bin("convtrack")]
        if Worker.config:
            cmd += ["--config", Worker.config]
        self.proc = subprocess.Popen(cmd + ["run"], env=env.environ(db, e),
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        hwm = proc_hwm_kib(self.pid)
        cpu = proc_cpu(self.pid)
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise BenchError("worker did not stop on SIGTERM")
        self.logf.close()
        if self.proc.returncode != 0:
            raise BenchError("worker exited %d; log %s" % (self.proc.returncode, self.logpath))
        return hwm, cpu

    def tail(self, n=20):
        with open(self.logpath, "rb") as f:
            return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wal_lsn(env):
    return int(env.psql1("postgres", "SELECT pg_current_wal_lsn() - '0/0'"))


def lsn_text(lsn):
    """An LSN (bytes from 0/0) as PostgreSQL writes it, e.g. 6/8F1A5CD0."""
    return "%X/%X" % (lsn >> 32, lsn & 0xffffffff)


WALDUMP_RECORD = re.compile(r"rmgr: \S+\s+len \(rec/tot\):\s*\d+/\s*(\d+)")
WALDUMP_BLOCK = re.compile(r"rel \d+/\d+/(\d+)(?: fork \w+)? blk \d+( FPW)?")


def wal_by_relation(env, db, lsn0, lsn1, top=8):
    """Where a run's WAL went: pg_waldump over [lsn0, lsn1), each record's
    bytes counted to the relation of its first block, full page images to
    each block's relation.  Run before anything checkpoints the range away
    (dropping or creating a database does).  A list of {relation, mib,
    fpi}, largest first, or None when pg_waldump is missing or reads no
    record (a range it stops short of still counts what it read)."""
    tool = os.path.join(env.pg_bindir, "pg_waldump")
    if not os.path.exists(tool):
        return None
    p = subprocess.run([tool, "-p", os.path.join(env.pgdata, "pg_wal"),
                        "-s", lsn_text(lsn0), "-e", lsn_text(lsn1)],
                       capture_output=True, text=True)
    size, fpi = {}, {}
    for line in p.stdout.splitlines():
        m = WALDUMP_RECORD.match(line)
        if not m:
            continue
        blocks = WALDUMP_BLOCK.findall(line)
        rel = blocks[0][0] if blocks else "-"
        size[rel] = size.get(rel, 0) + int(m.group(1))
        for node, full in blocks:
            if full:
                fpi[node] = fpi.get(node, 0) + 1
    if not size:
        return None
    names = dict(env.psql(db, "SELECT pg_relation_filenode(oid)::text, relname FROM pg_class"
                          " WHERE pg_relation_filenode(oid) IS NOT NULL"))
    names["-"] = "(no relation: commits, ...)"
    out = [{"relation": names.get(k, "filenode " + k), "mib": v / 1048576,
            "fpi": fpi.get(k, 0)} for k, v in size.items()]
    out.sort(key=lambda x: -x["mib"])
    return out[:top]


def checkpoints(env):
    return int(env.psql1("postgres", "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"))


def wait_caught_up(env, worker, group, topics, timeout):
    deadline = time.time() + timeout
    while True:
        if not worker.alive():
            raise BenchError("worker died:\n" + worker.tail())
        if env.lag(group, topics) == 0:
            return
        if time.time() > deadline:
            raise BenchError("worker not caught up after %d s:\n%s" % (timeout, worker.tail()))
        time.sleep(1.0)


COMMITS_SQL = """
WITH x AS (
    SELECT pg_xact_commit_timestamp(xmin) AS ts, session_id FROM conversation_messages
    UNION ALL
    SELECT pg_xact_commit_timestamp(xmin), session_id FROM participant_joins
)
SELECT extract(epoch FROM ts), count(*), count(DISTINCT session_id)
  FROM x WHERE ts >= '%s' GROUP BY ts ORDER BY ts
"""


def pg_settings(kvs):
    """--pg NAME=VALUE options as a dict; durability stays on."""
    pg = {}
    for kv in kvs:
        k, _, v = kv.partition("=")
        if not k or not v:
            raise BenchError("--pg expects NAME=VALUE, got %r" % kv)
        if k in ("fsync", "synchronous_commit", "full_page_writes"):
            raise BenchError("--pg %s: the benchmark keeps PostgreSQL durable" % k)
        pg[k] = v
    return pg


def warm_wal(env, mib):
    """A new cluster writes its first WAL into segment files it must create
    and zero-fill (wal_init_zero); a server that has been running reuses
    (recycles) the segments of past checkpoints instead.  Measured here:
    the first of three runs on a new cluster was 10-20 % slower than the
    third, and not with wal_init_zero = off.  So that every run measures
    the steady state of a running server, write about mib MiB of WAL (a
    scratch table, dropped) and checkpoint: the checkpoint
    recycles those segments for the runs.  Returns the seconds it took."""
    t0 = time.time()
    rows = mib * 1024 * 1024 // 260  # ~260 bytes of WAL per row below
    env.psql("postgres", "CREATE TABLE ct_bench_warm_wal AS SELECT g, repeat('x', 200) AS pad"
             " FROM generate_series(1, %d) g" % rows)
    env.psql("postgres", "DROP TABLE ct_bench_warm_wal")
    env.psql("postgres", "CHECKPOINT")
    took = time.time() - t0
    log("warm-up: %d MiB of WAL written and checkpointed in %.1f s" % (mib, took))
    return took


# What a server that has been taking sessions holds in shared_buffers: the
# session-level tables' indexes (keyed by random session, event and profile
# ids, each leaf written every few thousand sessions), agent_sessions and
# user_profiles.  Not the messages, their session index, the registry or
# anything else per message (message_*, e.g. message_redactions):
# those are what grows with history, and the point is what it costs.
PREWARM_SQL = """
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
SELECT coalesce(sum(pg_prewarm(c.oid)), 0) * current_setting('block_size')::bigint
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace
   AND ((c.relkind = 'i' AND c.relname NOT LIKE 'conversation_messages%'
         AND c.relname NOT LIKE 'message%')
        OR c.relname IN ('agent_sessions', 'user_profiles'))
"""


def prewarm(env, db):
    """--prewarm: reads PREWARM_SQL's relations of db into shared_buffers
    (a clone starts with none of its pages there).  Returns the bytes."""
    out = env.psql(db, PREWARM_SQL)
    n = int(out[-1][0]) if out else 0
    log("prewarmed %.0f MiB of %s" % (n / 1048576, db))
    return n


def throughput_run(env, args, work, db, prefix, group, expect, label, template=None,
                   hooks=None):
    """One convtrack run on database db (fresh, or a clone of template).
    hooks (for profile.py): {"before_worker": f(), "caught_up": f(worker)},
    called just before the worker starts and once it has caught up (still
    running).  Returns a dict of measurements."""
    hooks = hooks or {}
    if template:
        env.create_db(db, template)
    else:
        env.create_db(db)
        env.migrate(db)
    base_msgs = int(env.psql1(db, "SELECT count(*) FROM conversation_messages"))
    warmed = prewarm(env, db) if getattr(args, "prewarm", False) else None
    env.psql(db, "CHECKPOINT")
    t0_db = env.psql1(db, "SELECT clock_timestamp()")
    lsn0, ck0 = wal_lsn(env), checkpoints(env)
    if "before_worker" in hooks:
        hooks["before_worker"]()
    w = Worker(env, db, prefix, group, os.path.join(work, "worker-%s.log" % label))
    sampler = Sampler(env, w.pid, db)
    sampler.start()
    t_start = time.time()
    try:
        wait_caught_up(env, w, group, [prefix + t for t in INPUT], args.timeout)
    finally:
        sampler.stop()
    t_done = time.time()
    if "caught_up" in hooks:
        hooks["caught_up"](w)
    hwm, worker_cpu = w.stop()
    lsn1, ck1 = wal_lsn(env), checkpoints(env)
    wal_rel = wal_by_relation(env, db, lsn0, lsn1)
    time.sleep(0.5)
    tables = {r[0]: {"ins": int(r[1]), "upd": int(r[2]), "hot_upd": int(r[3])}
              for r in env.psql(db, "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd"
                                " FROM pg_stat_user_tables WHERE relname IN ('agent_sessions',"
                                " 'user_profiles', 'conversation_messages')")}

    rows = env.psql(db, COMMITS_SQL % t0_db)
    txs = [(float(r[0]), int(r[1]), int(r[2])) for r in rows]
    total = sum(n for _, n, _ in txs)
    msgs = int(env.psql1(db, "SELECT count(*) FROM conversation_messages")) - base_msgs
    if total != expect["events"] or msgs != expect["messages"]:
        raise BenchError("%s: %d events (%d messages) committed, expected %d (%d)"
                         % (label, total, msgs, expect["events"], expect["messages"]))
    first, last = txs[0][0], txs[-1][0]
    rate = (total - txs[0][1]) / (last - first)
    warnings = sum(1 for line in open(w.logpath, "rb") if b'"level":"warn' in line
                   or b'"level":"error' in line)
    cpu = sampler.window(first, last)
    span = last - first
    res = {
        "label": label, "db": db, "events": total, "messages": msgs,
        "rate": rate, "first_to_last_s": span,
        "start_to_last_s": last - t_start,
        "transactions": len(txs),
        "events_per_tx": total / len(txs),
        "sessions_per_tx": statistics.mean(s for _, _, s in txs),
        "peak_rss_kib": hwm,
        "worker_cpu_total_s": worker_cpu,
        # CPU seconds within the first-to-last-commit window
        "cpu_window": cpu,
        "rss_mib_over_run": sampler.rss_profile(first, last),
        "wall_s": t_done - t_start,
        "wal_bytes": lsn1 - lsn0, "prewarmed_bytes": warmed,
        # the run's WAL, as LSNs for pg_waldump --start/--end (it includes
        # the worker's start-up and shutdown around the window)
        "wal_range": [lsn_text(lsn0), lsn_text(lsn1)],
        "checkpoints": ck1 - ck0,
        "wal_by_relation": wal_rel,
        "worker_warnings": warnings,
        "tables": tables,
    }
    log("%s: %.0f events/s (%d events in %.1f s, %d tx, %.0f sessions/tx, RSS %.1f MiB "
        "(over the run: %s); "
        "CPU in window: worker %.0f%%, backend %.0f%%, all postgres %.0f%%, kafka %.0f%%, "
        "machine %.0f%% of %d, iowait %.0f%%; WAL %.0f MiB, %d checkpoints)"
        % (label, rate, total, span, len(txs), res["sessions_per_tx"], (hwm or 0) / 1024,
           "/".join(str(x) for x in res["rss_mib_over_run"]),
           100 * cpu["worker"] / span, 100 * cpu["backend"] / span,
           100 * cpu["postgres"] / span, 100 * cpu["kafka"] / span,
           100 * cpu["busy"] / span, os.cpu_count(), 100 * cpu["iowait"] / span,
           res["wal_bytes"] / 1048576, res["checkpoints"]))
    if wal_rel:
        log("%s: WAL by relation (MiB, full page images): %s" % (label, ", ".join(
            "%s %.1f (%d)" % (r["relation"], r["mib"], r["fpi"]) for r in wal_rel)))
    return res


def copy_ceiling(env, args, work, src_db, runs):
    path = os.path.join(work, "messages.copy")
    log("copy: exporting the message rows of %s" % src_db)
    with open(path, "wb") as f:
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", src_db, "-c",
                            "COPY (SELECT * FROM conversation_messages ORDER BY "
                            "pg_xact_commit_timestamp(xmin), occurred_at) TO STDOUT"],
                           env=env.environ(), stdout=f, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise BenchError("COPY TO: %s" % p.stderr.decode())
    nrows = int(env.psql1(src_db, "SELECT count(*) FROM conversation_messages"))
    res = []
    for r in range(runs):
        db = "ct_bench_copy"
        env.create_db(db)
        env.migrate(db)
        # The table with its indexes, and a unique index on message_id:
        # what stores an id once (conversation_messages' primary key until
        # schema 15, the message-id registry since), so that the ceiling
        # stores what convtrack stores and stays comparable across schemas.
        env.psql(db, "CREATE TABLE copy_ceiling (LIKE conversation_messages INCLUDING ALL)")
        env.psql(db, "CREATE UNIQUE INDEX copy_ceiling_message_id ON copy_ceiling (message_id)")
        env.psql(db, "CHECKPOINT")
        t0 = time.time()
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c",
                            "\\copy copy_ceiling FROM '%s'" % path],
                           env=env.environ(), capture_output=True)
        took = time.time() - t0
        if p.returncode != 0:
            raise BenchError("COPY FROM: %s" % p.stderr.decode())
        n = int(env.psql1(db, "SELECT count(*) FROM copy_ceiling"))
        if n != nrows:
            raise BenchError("COPY stored %d of %d rows" % (n, nrows))
        res.append({"rows": n, "seconds": took, "rate": n / took,
                    "bytes": os.path.getsize(path)})
        log("copy run %d: %d rows in %.2f s: %.0f rows/s" % (r + 1, n, took, n / took))
        env.drop_db(db)
    os.unlink(path)
    return res


def baseline(env, args, work, prefix, runs, meta):
    """Baseline runs on a prefix of the events.  The two topics are consumed
    at different speeds, so the prefix holds far more participant_joined
    events than the workload (2 %); the figure weighs the measured cost of
    each kind by the workload's mix: rate = 1 / (f_msg * t_msg + f_join *
    t_join), with t_kind = apply time per event of that kind (BEGIN to
    COMMIT) plus the tool's per-event overhead (poll, parse, offset)."""
    res = []
    f_msg = meta["messages"] / meta["events"]
    for r in range(runs):
        db = "ct_bench_baseline"
        group = "bench-baseline-%d-%d" % (os.getpid(), r)
        env.create_db(db)
        env.migrate(db)
        env.psql_file(db, os.path.join(HERE, "baseline.sql"))
        env.psql(db, "CHECKPOINT")
        cmd = [env.bin("ct-bench-baseline"), "-b", env.brokers, "-g", group,
               "--max-events", str(args.baseline_events),
               "--max-seconds", str(args.baseline_seconds),
               prefix + "participant-joined", prefix + "message"]
        p = subprocess.run(cmd, env=env.environ(db), capture_output=True,
                           timeout=args.baseline_seconds + 600)
        if p.returncode != 0:
            raise BenchError("ct-bench-baseline: %s" % p.stderr.decode()[-2000:])
        line = p.stdout.decode().strip()
        v = {k: float(x) for k, x in (kv.split("=") for kv in line.split())}
        n = v["events"]
        overhead = (v["first_to_last_s"] - v["msg_apply_s"] - v["join_apply_s"]) / n
        t_msg = v["msg_apply_s"] / v["messages"] + overhead if v["messages"] else None
        t_join = v["join_apply_s"] / v["joins"] + overhead if v["joins"] else t_msg
        mix = 1 / (f_msg * t_msg + (1 - f_msg) * t_join) if t_msg else None
        stored = env.psql(db, "SELECT (SELECT count(*) FROM conversation_messages),"
                          " (SELECT sum(message_count) FROM agent_sessions),"
                          " (SELECT sum(total_messages) FROM user_profiles)")[0]
        res.append({"events": int(n), "messages": int(v["messages"]), "joins": int(v["joins"]),
                    "prefix_rate": v["rate"], "rate": mix,
                    "msg_ms": 1000 * t_msg if t_msg else None,
                    "join_ms": 1000 * t_join if t_join else None,
                    "first_to_last_s": v["first_to_last_s"], "tool": line,
                    "stored_messages": int(stored[0]),
                    "message_count_sum": int(stored[1] or 0),
                    "profile_total_messages": int(stored[2] or 0)})
        log("baseline run %d: %.0f events/s at the workload's mix (message %.2f ms, join %.2f ms"
            " each); %.0f events/s over its prefix of %d events (%d messages)"
            % (r + 1, mix, 1000 * t_msg, 1000 * t_join, v["rate"], n, v["messages"]))
        env.drop_db(db)
    return res


def latency(env, args, work, gen, meta, grace_ms, partitions):
    label = "lat%d" % grace_ms
    prefix = "bench%d-%s-%d." % (os.getpid(), label, int(time.time()))
    db = "ct_bench_" + label
    names = [prefix + t for t in INPUT + OUTPUT]
    env.create_topics(names, partitions)
    env.produce(os.path.join(gen, "latency.jsonl"), prefix)
    expect_msgs = meta["latency_messages"]
    env.create_db(db)
    env.migrate(db)
    group = "bench-%s-%d" % (label, os.getpid())
    w = Worker(env, db, prefix, group, os.path.join(work, "worker-%s.log" % label),
               {"CONVTRACK_SUMMARY_GRACE_MS": str(grace_ms)})
    try:
        wait_caught_up(env, w, group, [prefix + t for t in INPUT], args.timeout)
        got = int(env.psql1(db, "SELECT count(*) FROM conversation_messages"))
        if got != expect_msgs:
            raise BenchError("%s: %d of %d messages stored" % (label, got, expect_msgs))
        t0_db = env.psql1(db, "SELECT clock_timestamp()")
        cmd = [env.bin("ct-bench-latency"), "-b", env.brokers,
               "--topic", prefix + "call-ended", "--summary-topic", prefix + "summary-generated",
               "--input", os.path.join(gen, "latency_ended.tsv"),
               "--rate", str(args.latency_rate), "--timeout-ms", "60000"]
        p = subprocess.run(cmd, capture_output=True, timeout=3600)
        line = p.stdout.decode().strip()
        if p.returncode != 0:
            raise BenchError("ct-bench-latency: %s %s" % (line, p.stderr.decode()[-2000:]))
        vals = dict(kv.split("=") for kv in line.split())
        # Where the time goes, from the database: call_ended committed ->
        # summary row written -> outbox row sent.
        parts = env.psql(db, """
            WITH e AS (
                SELECT c.session_id, pg_xact_commit_timestamp(c.xmin) AS ended_commit,
                       o.created_at AS summarized, o.sent_at
                  FROM call_ends c
                  JOIN summary_outbox o ON o.session_id = c.session_id AND o.summary_version = 1
                 WHERE pg_xact_commit_timestamp(c.xmin) >= '%s')
            SELECT count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM summarized - ended_commit)),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM summarized - ended_commit)),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - summarized)),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - summarized))
              FROM e""" % t0_db)[0]
    finally:
        hwm, _ = w.stop()
    env.drop_db(db)
    res = {"grace_ms": grace_ms, "sessions": int(vals["sent"]),
           "received": int(vals["received"]), "extra": int(vals["extra"]),
           "p50_ms": float(vals["p50_ms"]), "p90_ms": float(vals["p90_ms"]),
           "p99_ms": float(vals["p99_ms"]), "max_ms": float(vals["max_ms"]),
           "rate": args.latency_rate, "peak_rss_kib": hwm,
           "db_commit_to_summary_p50_ms": float(parts[1] or 0) * 1000,
           "db_commit_to_summary_p99_ms": float(parts[2] or 0) * 1000,
           "db_summary_to_sent_p50_ms": float(parts[3] or 0) * 1000,
           "db_summary_to_sent_p99_ms": float(parts[4] or 0) * 1000}
    log("latency grace %d ms: p50 %.0f ms, p99 %.0f ms (%s)" % (grace_ms, res["p50_ms"],
                                                              res["p99_ms"], line))
    return res


def preload(env, args, gen, msgs):
    db = "ct_bench_preload_%d" % msgs
    if getattr(args, "keep_preload", False) and env.psql1(
            "postgres", "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = '%s'" % db) == "complete":
        size = int(env.psql1(db, "SELECT pg_database_size(current_database())"))
        log("reusing %s (--keep-preload), %.0f MiB" % (db, size / 1048576))
        return db, {"messages": msgs, "seconds": 0.0, "db_bytes": size, "reused": True,
                    "summary": []}
    env.create_db(db)
    env.migrate(db)
    t0 = time.time()
    out = env.psql_file(db, os.path.join(HERE, "preload.sql"),
                        {"msgs": msgs, "devices": 70000,
                         "corpus": os.path.join(gen, "corpus.tsv")})
    env.migrate(db)  # builds the filter of the registry's run 1
    env.psql(db, "VACUUM (ANALYZE)")
    env.psql(db, "CHECKPOINT")
    took = time.time() - t0
    env.psql("postgres", "COMMENT ON DATABASE \"%s\" IS 'complete'" % db)
    size = int(env.psql1(db, "SELECT pg_database_size(current_database())"))
    n = int(env.psql1(db, "SELECT count(*) FROM conversation_messages"))
    log("preloaded %d messages in %.0f s (%.0f MiB)" % (n, took, size / 1048576))
    return db, {"messages": n, "seconds": took, "db_bytes": size,
                "summary": out.strip().splitlines()[-3:]}


# ---------------------------------------------------------------------------
# Report


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_rate(x):
    return "-" if x is None else "{:,.0f}".format(x)


def report(R):
    m = R["machine"]
    lines = []
    add = lines.append
    add("# convtrack throughput benchmark (issue 4)")
    add("")
    add("machine: %d CPUs, %s, %.1f GiB RAM, Linux %s; PostgreSQL %s, librdkafka %s; "
        "convtrack %s" % (m["nproc"], m["cpu"], m["mem_gib"], m["kernel"], m["postgres"],
                          m["librdkafka"], m["commit"]))
    add("postgres settings: " + ", ".join("%s=%s" % kv for kv in sorted(m["pg_settings"].items())))
    g = R["generated"]
    add("events: %d message + %d participant_joined in %d sessions (mean content %.0f B), "
        "%d partitions per input topic, producer compression %s; runs: %d (median)"
        % (g["messages"], g["joins"], g["sessions"], g["mean_content_bytes"],
           R["partitions"], R.get("compression", "zstd"), R["runs"]))
    if R.get("worker_overrides") or R.get("worker_config"):
        add("worker settings changed from the defaults: %s %s" % (
            " ".join("%s=%s" % kv for kv in sorted(R["worker_overrides"].items())),
            R.get("worker_config") or ""))
    add("")
    add("| figure | value | target | |")
    add("|---|---|---|---|")

    def row(name, value, target="", ok=None):
        mark = "" if ok is None else ("ok" if ok else "MISSED")
        add("| %s | %s | %s | %s |" % (name, value, target, mark))

    tp = R.get("throughput") or []
    rate = med([r["rate"] for r in tp])
    if tp:
        row("convtrack end to end, empty database (events/s)",
            "%s (runs: %s)" % (fmt_rate(rate), ", ".join(fmt_rate(r["rate"]) for r in tp)),
            ">= 50,000", rate >= 50000)
    cp = R.get("copy") or []
    ceiling = med([c["rate"] for c in cp])
    if cp:
        row("COPY ceiling (rows/s)", "%s (runs: %s)" % (fmt_rate(ceiling), ", ".join(
            fmt_rate(c["rate"]) for c in cp)))
    bl = R.get("baseline") or []
    base = med([b["rate"] for b in bl])
    if bl:
        row("baseline, 1 transaction per event + triggers (events/s)",
            "%s (runs: %s; measured on the first %d events)"
            % (fmt_rate(base), ", ".join(fmt_rate(b["rate"]) for b in bl), bl[0]["events"]))
    if rate and ceiling:
        row("convtrack / COPY ceiling", "%.2f" % (rate / ceiling), ">= 0.6", rate / ceiling >= 0.6)
    if rate and base:
        row("convtrack / baseline", "%.1f x" % (rate / base), ">= 30 x", rate / base >= 30)
    if tp:
        rss = max(r["peak_rss_kib"] or 0 for r in tp) / 1024
        row("peak RSS of the worker (MiB, max of runs)", "%.1f" % rss, "<= 64", rss <= 64)
    for lt in R.get("latency") or []:
        row("call_ended -> summary_generated, grace %d ms (p50 / p99 ms)" % lt["grace_ms"],
            "%.0f / %.0f (%d sessions, %d/s)" % (lt["p50_ms"], lt["p99_ms"], lt["sessions"],
                                                 lt["rate"]))
    def wal_per_event(runs):
        return med([r["wal_bytes"] / r["events"] for r in runs])

    wal0 = wal_per_event(tp) if tp else None
    for size in R.get("stored") or []:
        st = size["runs"]
        srate = med([r["rate"] for r in st])
        n = "{:,}".format(size["messages"])
        row("convtrack with %s messages stored (events/s)" % n,
            "%s (runs: %s)" % (fmt_rate(srate), ", ".join(fmt_rate(r["rate"]) for r in st)))
        if rate:
            row("stored / empty, %s stored" % n, "%.2f" % (srate / rate), ">= 0.80",
                srate / rate >= 0.8)
        wal = wal_per_event(st)
        if wal0:
            row("WAL per event, %s stored / empty" % n,
                "%.2f KiB / %.2f KiB = %.1f x" % (wal / 1024, wal0 / 1024, wal / wal0),
                "<= 2 x", wal / wal0 <= 2)
    add("")
    # Where the time went (medians over runs), within first-to-last commit.
    for name, runs in [("empty database", tp)] + [
            ("%s stored" % "{:,}".format(size["messages"]), size["runs"])
            for size in R.get("stored") or []]:
        if not runs:
            continue

        def share(field):
            return 100 * med([r["cpu_window"][field] / r["first_to_last_s"] for r in runs])

        def per_event_us(field):
            return 1e6 * med([r["cpu_window"][field] / r["events"] for r in runs])

        add("%s: %.0f events in %.1f s (first to last commit), %.0f transactions of %.0f "
            "events touching %.0f sessions each; WAL %.2f KiB/event, %d checkpoints"
            % (name, med([r["events"] for r in runs]), med([r["first_to_last_s"] for r in runs]),
               med([r["transactions"] for r in runs]), med([r["events_per_tx"] for r in runs]),
               med([r["sessions_per_tx"] for r in runs]),
               med([r["wal_bytes"] / r["events"] for r in runs]) / 1024,
               med([r["checkpoints"] for r in runs])))
        add("  CPU in that window, %% of one core (us per event): worker %.0f%% (%.1f), its "
            "postgres backend %.0f%% (%.1f), all postgres %.0f%% (%.1f), mock kafka %.0f%% "
            "(%.1f); machine busy %.0f%% of %d cores, iowait %.0f%%"
            % (share("worker"), per_event_us("worker"), share("backend"), per_event_us("backend"),
               share("postgres"), per_event_us("postgres"), share("kafka"), per_event_us("kafka"),
               share("busy") / m["nproc"], m["nproc"], share("iowait") / m["nproc"]))
        other = share("busy") - share("worker") - share("postgres") - share("kafka")
        add("  other processes on the machine: %.0f%% of one core%s"
            % (other, " (NOISY: the machine was not idle)" if other > 15 else ""))
    for lt in R.get("latency") or []:
        add("latency grace %d ms, database side: call_ended commit -> summary written p50 %.0f "
            "/ p99 %.0f ms; summary written -> outbox sent p50 %.0f / p99 %.0f ms"
            % (lt["grace_ms"], lt["db_commit_to_summary_p50_ms"], lt["db_commit_to_summary_p99_ms"],
               lt["db_summary_to_sent_p50_ms"], lt["db_summary_to_sent_p99_ms"]))
    for b in (R.get("baseline") or [])[:1]:
        add("baseline (first run): %d events (%d messages, %d participant_joined) at %.0f "
            "events/s as consumed; per event %.2f ms for a message, %.2f ms for a join, "
            "weighed 98/2 as the workload -> %.0f events/s"
            % (b["events"], b["messages"], b["joins"], b["prefix_rate"], b["msg_ms"],
               b["join_ms"], b["rate"]))
    for size in R.get("stored") or []:
        p = size["preload"]
        add("preload: %d messages, database %.0f MiB, %s"
            % (p["messages"], p["db_bytes"] / 1048576,
               "reused (--keep-preload)" if p.get("reused") else
               "built in %.0f s" % p["seconds"]))
    add("")
    add("total benchmark time: %.0f s" % R["elapsed_s"])
    return "\n".join(lines)


# ---------------------------------------------------------------------------


def apply_worker_options(args):
    for kv in args.set:
        k, _, v = kv.partition("=")
        if not k or not v and "=" not in kv:
            raise BenchError("--set expects NAME=VALUE, got %r" % kv)
        Worker.overrides[k] = v
    if args.config:
        Worker.config = os.path.abspath(args.config)


def main():
    ap = argparse.ArgumentParser(description="convtrack throughput benchmark")
    ap.add_argument("--env", required=True, help="ct-env directory (running)")
    ap.add_argument("--build", required=True, help="build directory with the binaries")
    ap.add_argument("--work", required=True, help="directory for events, logs, results")
    ap.add_argument("--messages", type=int, default=1000000)
    ap.add_argument("--sessions", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--stored", default="5000000",
                    help="messages preloaded for the 'stored' figures, a comma list of "
                    "sizes, each measured on its own preloaded database (0: skip)")
    ap.add_argument("--keep-preload", action="store_true",
                    help="keep each preloaded database (ct_bench_preload_N) and reuse a "
                    "complete one left by an earlier run on the same servers")
    ap.add_argument("--prewarm", action="store_true",
                    help="before each run, read the session-level tables and their "
                    "indexes into shared_buffers (pg_prewarm), as on a server that has "
                    "been running; not the messages or the registry")
    ap.add_argument("--partitions", type=int, default=32)
    ap.add_argument("--producer-batch-bytes", default="1000000",
                    help="batch.size of the producer that fills the topics: the size of "
                    "the record batches the worker then fetches")
    ap.add_argument("--compression", default="zstd",
                    help="producer compression of the input topics (none, lz4, zstd, ...)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--baseline-events", type=int, default=10000)
    ap.add_argument("--baseline-seconds", type=float, default=120)
    ap.add_argument("--baseline-runs", type=int, default=None)
    ap.add_argument("--latency-sessions", type=int, default=2000)
    ap.add_argument("--latency-rate", type=float, default=20,
                    help="call_ended events per second")
    ap.add_argument("--skip", default="", help="comma list: throughput,copy,baseline,"
                    "latency,stored")
    ap.add_argument("--warm-wal-mib", type=int, default=2048,
                    help="WAL written and checkpointed before the first run, so that "
                    "runs reuse recycled segments as a running server does (0: none)")
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--set", action="append", default=[], metavar="CONVTRACK_X=V",
                    help="environment override for every worker, e.g. "
                    "CONVTRACK_BATCH_MAX_EVENTS=10000 (repeatable)")
    ap.add_argument("--config", help="convtrack --config FILE for every worker")
    ap.add_argument("--pg", action="append", default=[], metavar="NAME=VALUE",
                    help="PostgreSQL setting (ALTER SYSTEM) for every figure, e.g. "
                    "shared_buffers=1GB (repeatable; run.sh passes the README's "
                    "deployment guidance unless --pg-defaults)")
    args = ap.parse_args()
    skip = set(s for s in args.skip.split(",") if s)
    try:
        args.stored = [int(x) for x in str(args.stored).split(",") if int(x) > 0]
    except ValueError:
        ap.error("--stored: a comma list of message counts, e.g. 5000000,50000000")
    apply_worker_options(args)
    COMPRESSION[0] = args.compression
    PRODUCER_BATCH[0] = str(args.producer_batch_bytes)
    os.makedirs(args.work, exist_ok=True)
    env = Env(args.env, args.build)
    t_begin = time.time()

    # Commit timestamps give "first to last committed row"; they change
    # nothing about durability.
    pg = {"track_commit_timestamp": "on"}
    pg.update(pg_settings(args.pg))
    env.set_system(pg)
    R = {"runs": args.runs, "partitions": args.partitions, "stored_messages": args.stored,
         "compression": args.compression,
         "worker_overrides": dict(Worker.overrides), "worker_config": Worker.config}
    R["machine"] = machine(env)
    gen, meta = generate(args, args.work)
    R["generated"] = meta
    expect = {"events": meta["events"], "messages": meta["messages"]}
    prefix = "bench%d-%d." % (os.getpid(), int(time.time()))
    R["produce_s"] = produce_topics(env, os.path.join(gen, "throughput.jsonl"), prefix,
                                    args.partitions, meta["events"])

    if args.warm_wal_mib > 0:
        R["warm_wal_s"] = warm_wal(env, args.warm_wal_mib)
    last_db = None
    if "throughput" not in skip:
        R["throughput"] = []
        for r in range(args.runs):
            db = "ct_bench_tp%d" % r
            res = throughput_run(env, args, args.work, db, prefix,
                                 "bench-tp-%d-%d" % (os.getpid(), r), expect, "empty-%d" % (r + 1))
            R["throughput"].append(res)
            if last_db:
                env.drop_db(last_db)
            last_db = db
    if "copy" not in skip and last_db:
        R["copy"] = copy_ceiling(env, args, args.work, last_db, args.runs)
    if last_db:
        env.drop_db(last_db)
    if "baseline" not in skip:
        R["baseline"] = baseline(env, args, args.work, prefix, args.baseline_runs or args.runs,
                                 meta)
    if "latency" not in skip:
        R["latency"] = [latency(env, args, args.work, gen, meta, g, 4) for g in (0, 2000)]
    if "stored" not in skip and args.stored:
        R["stored"] = []
        for msgs in args.stored:
            tmpl, pre = preload(env, args, gen, msgs)
            size = {"messages": msgs, "preload": pre, "runs": []}
            R["stored"].append(size)
            for r in range(args.runs):
                db = "ct_bench_st%d" % r
                res = throughput_run(env, args, args.work, db, prefix,
                                     "bench-st-%d-%d-%d" % (os.getpid(), msgs, r), expect,
                                     "stored-%d-%d" % (msgs, r + 1), template=tmpl)
                size["runs"].append(res)
                env.drop_db(db)
            if not args.keep_preload:
                env.drop_db(tmpl)
    R["elapsed_s"] = time.time() - t_begin
    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump(R, f, indent=1)
    text = report(R)
    with open(os.path.join(args.work, "results.md"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    try:
        main()
    except BenchError as exc:
        log("FAILED: %s" % exc)
        sys.exit(1)
