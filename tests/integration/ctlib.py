"""Shared harness of the integration tests (Python 3 standard library only).

The environment is the one `scripts/ct-env start DIR` brings up: a throwaway
PostgreSQL server and a mock Kafka cluster, described by DIR/env.sh (PGHOST,
PGPORT, PGUSER, PGDATABASE, CT_KAFKA_BROKERS, CT_KAFKA_CONTROL, CT_ENV_DIR).
Binaries (convtrack, ct-kafka) are taken from $CT_BIN_DIR.

Every Case gets its own database (CREATE DATABASE in the shared server), its
own topic-name prefix and its own consumer group, so tests and parallel runs
inside one test do not see each other.  Nothing is skipped: a missing
environment, server or tool raises TestFailure with a clear message.
"""

import base64
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import model  # noqa: E402

INPUT_TYPES = model.TOPICS


class TestFailure(Exception):
    """A test (or the environment it needs) failed."""


_log_lock = threading.Lock()


def log(*args):
    line = " ".join([time.strftime("%H:%M:%S")] + [str(a) for a in args])
    with _log_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


# --------------------------------------------------------------------------
# Environment


_ENV = None


def env():
    """The variables of $CT_ENV_DIR/env.sh plus CT_BIN_DIR (cached)."""
    global _ENV
    if _ENV is not None:
        return _ENV
    env_dir = os.environ.get("CT_ENV_DIR")
    if not env_dir:
        raise TestFailure("CT_ENV_DIR is not set: start the environment with "
                          "scripts/ct-env start DIR and export CT_ENV_DIR=DIR")
    path = os.path.join(env_dir, "env.sh")
    if not os.path.isfile(path):
        raise TestFailure("%s does not exist: the test environment is not "
                          "running (scripts/ct-env start %s)" %
                          (path, env_dir))
    names = ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "CT_KAFKA_BROKERS",
             "CT_KAFKA_CONTROL", "CT_ENV_DIR")
    script = ". %s >/dev/null 2>&1 || exit 3; %s" % (
        _shq(path), "; ".join('printf "%%s\\0" "${%s-}"' % n for n in names))
    p = subprocess.run(["bash", "-c", script], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise TestFailure("cannot source %s: %s" % (path, p.stderr.decode()))
    vals = p.stdout.decode().split("\0")[:len(names)]
    e = dict(zip(names, vals))
    for n in ("PGHOST", "PGPORT", "CT_KAFKA_BROKERS"):
        if not e.get(n):
            raise TestFailure("%s does not set %s" % (path, n))
    if not e.get("CT_ENV_DIR"):
        e["CT_ENV_DIR"] = env_dir
    bin_dir = os.environ.get("CT_BIN_DIR")
    if not bin_dir:
        raise TestFailure("CT_BIN_DIR is not set (the build directory with "
                          "convtrack and ct-kafka)")
    for exe in ("convtrack", "ct-kafka"):
        if not os.access(os.path.join(bin_dir, exe), os.X_OK):
            raise TestFailure("%s/%s is missing or not executable: build "
                              "first" % (bin_dir, exe))
    e["CT_BIN_DIR"] = bin_dir
    e["LOG_DIR"] = os.path.join(e["CT_ENV_DIR"], "integration-logs")
    os.makedirs(e["LOG_DIR"], exist_ok=True)
    _ENV = e
    return e


def _shq(s):
    return "'" + s.replace("'", "'\\''") + "'"


def _base_env():
    """os.environ without convtrack/libpq settings that could leak in."""
    out = {k: v for k, v in os.environ.items()
           if not k.startswith("CONVTRACK_") and not k.startswith("PG")}
    e = env()
    for n in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE"):
        if e.get(n):
            out[n] = e[n]
    out["PGTZ"] = "UTC"
    out["PGCONNECT_TIMEOUT"] = "10"
    return out


def bin_path(name):
    return os.path.join(env()["CT_BIN_DIR"], name)


def run(argv, input=None, timeout=120, extra_env=None, check=True):
    """Runs a command; returns CompletedProcess (stdout/stderr bytes)."""
    pe = _base_env()
    if extra_env:
        pe.update(extra_env)
    try:
        p = subprocess.run(argv, input=input, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=pe, timeout=timeout)
    except FileNotFoundError:
        raise TestFailure("command not found: %s" % argv[0])
    except subprocess.TimeoutExpired:
        raise TestFailure("command timed out after %ss: %s" %
                          (timeout, " ".join(argv)[:300]))
    if check and p.returncode != 0:
        raise TestFailure("command failed (exit %d): %s\nstdout: %s\n"
                          "stderr: %s" % (p.returncode, " ".join(argv)[:300],
                                          p.stdout.decode(errors="replace")
                                          [-2000:],
                                          p.stderr.decode(errors="replace")
                                          [-3000:]))
    return p


# --------------------------------------------------------------------------
# PostgreSQL


def psql(db, sql, timeout=60, check=True):
    """Runs sql in database db with psql -AtX; returns stdout as text."""
    p = run(["psql", "-AtX", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
            timeout=timeout, check=check)
    return p.stdout.decode()


def psql_json(db, sql):
    """sql must return one row, one json column; returns the decoded value."""
    out = psql(db, sql).strip()
    return json.loads(out) if out else None


def _us(col):
    return "(extract(epoch from %s) * 1000000)::bigint" % col


DUMP_SQL = {
    "profiles": """
        SELECT coalesce(json_agg(json_build_array(
            id::text, profile_type, anonymous_id, username, phone_number,
            email, merged_into_profile_id::text, total_sessions::bigint,
            total_messages::bigint, %s, %s) ORDER BY id::text), '[]')
        FROM user_profiles""" % (_us("first_seen_at"), _us("last_seen_at")),
    "sessions": """
        SELECT coalesce(json_agg(json_build_array(
            session_id::text, room_id, participant_id, anonymous_id,
            profile_id::text, %s, %s, end_reason, authenticated_username)
            ORDER BY session_id::text), '[]')
        FROM agent_sessions""" % (_us("started_at"), _us("ended_at")),
    "messages": """
        SELECT coalesce(json_agg(json_build_array(
            message_id::text, session_id::text, role, content, seq::bigint,
            %s) ORDER BY message_id::text), '[]')
        FROM conversation_messages""" % _us("occurred_at"),
}


def dump(db):
    """The contract tables as the model's state (see model.expected_state)."""
    out = {}
    for table, sql in DUMP_SQL.items():
        rows = psql_json(db, sql)
        out[table] = sorted(tuple(r) for r in rows)
    return out


def assert_state(expected, actual, what):
    diffs = model.diff_states(expected, actual)
    if diffs:
        raise TestFailure("%s: database differs from the model:\n  %s" %
                          (what, "\n  ".join(diffs)))


# --------------------------------------------------------------------------
# Kafka (through ct-kafka)


def ct_kafka(args, input=None, timeout=120, check=True):
    e = env()
    argv = [bin_path("ct-kafka"), args[0], "--brokers",
            e["CT_KAFKA_BROKERS"]] + args[1:]
    return run(argv, input=input, timeout=timeout, check=check)


# --------------------------------------------------------------------------
# Worker


class Worker:
    """One `convtrack run` (or `convtrack serve`) process with its log file."""

    def __init__(self, case, n, extra_env=None, command="run"):
        self.case = case
        self.n = n
        self.log_path = os.path.join(env()["LOG_DIR"],
                                     "%s.%s%d.log" % (case.prefix,
                                                      "worker" if command == "run"
                                                      else command, n))
        pe = _base_env()
        pe.update(case.worker_env())
        if extra_env:
            pe.update(extra_env)
        self.logf = open(self.log_path, "ab")
        self.logf.write(("--- start %s\n" % time.ctime()).encode())
        self.logf.flush()
        self.ended = False  # stopped or killed on purpose
        self.proc = subprocess.Popen([bin_path("convtrack"), command],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=self.logf,
                                     env=pe)

    def alive(self):
        return self.proc.poll() is None

    def check_alive(self):
        if not self.ended and not self.alive():
            raise TestFailure("worker %d of %s exited unexpectedly with %s; "
                              "log %s:\n%s" % (self.n, self.case.prefix,
                                               self.proc.returncode,
                                               self.log_path, self.tail()))

    def kill9(self):
        self.ended = True
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.logf.close()

    def stop(self, timeout=60):
        """SIGTERM; the worker must exit 0 within timeout."""
        self.ended = True
        if not self.alive():
            rc = self.proc.returncode
            self.logf.close()
            raise TestFailure("worker %d exited before SIGTERM with %s:\n%s"
                              % (self.n, rc, self.tail()))
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.logf.close()
            raise TestFailure("worker %d did not exit within %ss of SIGTERM; "
                              "log:\n%s" % (self.n, timeout, self.tail()))
        self.logf.close()
        if rc != 0:
            raise TestFailure("worker %d exited %d after SIGTERM (want 0):\n%s"
                              % (self.n, rc, self.tail()))

    def tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError as exc:
            return "(no log: %s)" % exc


# --------------------------------------------------------------------------
# One test case: database + topics + group


_counter = [0]
_counter_lock = threading.Lock()


class Case:
    """An isolated database, topic prefix and consumer group."""

    def __init__(self, name, partitions=1):
        with _counter_lock:
            _counter[0] += 1
            n = _counter[0]
        tag = "%s-%d-%d-%04x" % (name, os.getpid(), n,
                                 random.SystemRandom().getrandbits(16))
        tag = tag.replace("_", "-").lower()
        self.name = name
        self.prefix = "it-" + tag
        self.group = self.prefix + "-group"
        self.db = "it_" + tag.replace("-", "_")
        self.partitions = partitions
        self.topics = {t: "%s.%s" % (self.prefix, model.TOPIC_NAMES[t])
                       for t in INPUT_TYPES}
        self.topic_summary = self.prefix + ".summary-generated"
        self.topic_dead = self.prefix + ".convtrack-dead-letter"
        self.topic_erasure = self.prefix + ".profile-erasure-requested"
        self.topic_erased = self.prefix + ".profile-erased"
        self.workers = []
        self.created = False

    # -- setup

    def setup(self):
        """CREATE DATABASE, convtrack migrate, create the topics."""
        e = env()
        admin_db = "postgres"
        psql(admin_db, 'CREATE DATABASE "%s"' % self.db)
        self.created = True
        p = run([bin_path("convtrack"), "migrate"],
                extra_env=self.worker_env(), timeout=120, check=False)
        if p.returncode != 0:
            raise TestFailure("convtrack migrate failed (exit %d):\n%s" %
                              (p.returncode, p.stderr.decode(
                                  errors="replace")[-3000:]))
        self.create_topics()
        return self

    def worker_env(self):
        e = env()
        return {
            "PGDATABASE": self.db,
            "CONVTRACK_KAFKA_BROKERS": e["CT_KAFKA_BROKERS"],
            "CONVTRACK_KAFKA_GROUP_ID": self.group,
            "CONVTRACK_TOPICS_PARTICIPANT_JOINED":
                self.topics["participant_joined"],
            "CONVTRACK_TOPICS_MESSAGE": self.topics["message"],
            "CONVTRACK_TOPICS_AUTHENTICATED": self.topics["authenticated"],
            "CONVTRACK_TOPICS_CALL_ENDED": self.topics["call_ended"],
            "CONVTRACK_TOPICS_SUMMARY_GENERATED": self.topic_summary,
            "CONVTRACK_TOPICS_DEAD_LETTER": self.topic_dead,
            "CONVTRACK_TOPICS_PROFILE_ERASURE_REQUESTED": self.topic_erasure,
            "CONVTRACK_TOPICS_PROFILE_ERASED": self.topic_erased,
            # Events lie in the past: keep rule 8 (stale sweep) out of the
            # way; these tests check rules 1-6.
            "CONVTRACK_SESSIONS_STALE_AFTER_S": "2592000",
            "CONVTRACK_SESSIONS_SWEEP_INTERVAL_S": "86400",
            "CONVTRACK_LOG_LEVEL": os.environ.get("CT_IT_LOG_LEVEL", "info"),
            # many workers run at once: no HTTP endpoint unless a test
            # asks for one on a port of its own
            "CONVTRACK_HTTP_PORT": "0",
            # the test cluster's superuser; test_privileges.py runs the
            # worker as a login role holding only convtrack_worker
            "CONVTRACK_POSTGRES_ALLOW_SUPERUSER": "true",
        }

    def create_topics(self):
        names = list(self.topics.values()) + [self.topic_summary,
                                              self.topic_dead,
                                              self.topic_erasure,
                                              self.topic_erased]
        create_topics(names, self.partitions)

    # -- Kafka

    def produce(self, events):
        """Produces Events (model.Event) to this case's input topics, in
        list order, keyed as the events say."""
        produce_records([(self.topics[e.etype], e.key, e.value)
                         for e in events])

    def lag(self):
        return group_lag(self.group, list(self.topics.values()))

    def wait_caught_up(self, timeout=120, workers=None):
        """Waits until the group's lag over the four input topics is 0.

        Fails loudly on timeout or when a worker died."""
        deadline = time.time() + timeout
        last = None
        while True:
            for w in (workers if workers is not None else self.workers):
                w.check_alive()
            last = self.lag()
            if last == 0:
                return
            if time.time() > deadline:
                tails = "\n".join("worker %d:\n%s" % (w.n, w.tail(20))
                                  for w in self.workers)
                raise TestFailure("%s: not caught up after %ss (lag %s)\n%s"
                                  % (self.prefix, timeout, last, tails))
            time.sleep(0.3)

    def dead_letters(self):
        return dump_topic(self.topic_dead)

    def dump_input(self, etype):
        return dump_topic(self.topics[etype])

    # -- workers

    def start_worker(self, extra_env=None, command="run"):
        w = Worker(self, len(self.workers) + 1, extra_env, command)
        self.workers.append(w)
        return w

    def stop_workers(self):
        errs = []
        for w in self.workers:
            if not w.ended:
                try:
                    w.stop()
                except TestFailure as exc:
                    errs.append(str(exc))
        if errs:
            raise TestFailure("\n".join(errs))

    # -- state

    def dump(self):
        return dump(self.db)

    def sql(self, text):
        return psql(self.db, text)

    def cleanup(self, ok):
        """Kills leftover workers; drops the database when the test passed
        (kept for inspection otherwise)."""
        for w in self.workers:
            if w.alive():
                w.kill9()
        if ok and self.created and not os.environ.get("CT_IT_KEEP"):
            e = env()
            psql("postgres",
                 'DROP DATABASE IF EXISTS "%s"' % self.db, check=False)
        elif self.created:
            log("kept database %s, worker logs %s/%s.*" %
                (self.db, env()["LOG_DIR"], self.prefix))


# --------------------------------------------------------------------------
# ct-kafka wrappers (interface of tools/ct-kafka/)


def _control(line):
    """Writes one command line to the mock cluster's control FIFO."""
    path = env().get("CT_KAFKA_CONTROL")
    if not path:
        raise TestFailure("env.sh sets no CT_KAFKA_CONTROL (the mock Kafka "
                          "control FIFO): cannot create topics")
    if not os.path.exists(path):
        raise TestFailure("control FIFO %s does not exist: is ct-mock-kafka "
                          "running?" % path)
    # O_NONBLOCK: fail at once instead of hanging when nobody reads it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise TestFailure("cannot open control FIFO %s: %s" % (path, exc))
    try:
        data = (line + "\n").encode()
        if os.write(fd, data) != len(data):
            raise TestFailure("short write to control FIFO %s" % path)
    finally:
        os.close(fd)


def topic_partitions(topics):
    """{topic: partition count} (0 when the topic does not exist)."""
    p = ct_kafka(["lag", "-g", "ct-it-probe", "-v"] + list(topics),
                 timeout=60)
    counts = {t: 0 for t in topics}
    for line in p.stderr.decode(errors="replace").splitlines():
        parts = line.split(" ")
        if len(parts) > 2 and parts[0] in counts and parts[1].startswith("["):
            counts[parts[0]] += 1
    return counts


def create_topics(names, partitions, timeout=30):
    """Creates topics with the mock's control command and waits until the
    cluster's metadata shows them with the wanted partition count."""
    for n in names:
        _control("create-topic %s %d" % (n, partitions))
    deadline = time.time() + timeout
    while True:
        counts = topic_partitions(names)
        if all(c == partitions for c in counts.values()):
            return
        if time.time() > deadline:
            raise TestFailure("topics not created within %ss (partitions "
                              "seen: %s)" % (timeout, counts))
        time.sleep(0.2)


def produce_records(records, timeout=120):
    """records: (topic, key, value) with value str, bytes (sent base64 when
    it is not UTF-8) or None (tombstone); key str or None.  Optional 4th
    item: headers dict.  Produced in list order."""
    lines = []
    for rec in records:
        topic, key, value = rec[:3]
        d = {"topic": topic, "key": key}
        if isinstance(value, bytes):
            d["value_b64"] = base64.b64encode(value).decode()
        else:
            d["value"] = value
        if len(rec) > 3 and rec[3]:
            d["headers"] = rec[3]
        lines.append(json.dumps(d, ensure_ascii=False))
    data = ("\n".join(lines) + "\n").encode()
    p = ct_kafka(["produce", "-"], input=data, timeout=timeout)
    n = p.stdout.decode().strip()
    if n != str(len(records)):
        raise TestFailure("ct-kafka produce delivered %s of %d records" %
                          (n, len(records)))


def group_lag(group, topics):
    """Total lag of group over topics (ct-kafka lag)."""
    p = ct_kafka(["lag", "-g", group] + list(topics), timeout=60)
    out = p.stdout.decode().strip()
    try:
        return int(out)
    except ValueError:
        raise TestFailure("ct-kafka lag printed %r" % out)


class Record:
    """One record read back with ct-kafka dump."""

    def __init__(self, d):
        self.topic = d["topic"]
        self.partition = d["partition"]
        self.offset = d["offset"]
        self.key = d.get("key")
        if "key_b64" in d:
            self.key = base64.b64decode(d["key_b64"])
        if "value_b64" in d:
            self.value = base64.b64decode(d["value_b64"])
        else:
            v = d.get("value")
            self.value = None if v is None else v.encode()
        self.headers = d.get("headers") or {}

    def __repr__(self):
        return "Record(%s[%d]@%d key=%r value=%r headers=%r)" % (
            self.topic, self.partition, self.offset, self.key,
            self.value[:120] if self.value else self.value, self.headers)


def dump_topic(topic, timeout=60):
    """Every record of topic, as Record objects (value as bytes or None)."""
    p = ct_kafka(["dump", "--timeout-ms", str(timeout * 1000), topic],
                 timeout=timeout + 30)
    return [Record(json.loads(line))
            for line in p.stdout.decode().splitlines() if line.strip()]


# --------------------------------------------------------------------------
# Test runner


def _run_one(t):
    log("RUN ", t.__name__)
    t0 = time.time()
    try:
        t()
    except TestFailure as exc:
        log("FAIL %s (%.1fs): %s" % (t.__name__, time.time() - t0, exc))
        return False
    except Exception:
        log("FAIL %s (%.1fs): unexpected error\n%s" %
            (t.__name__, time.time() - t0, traceback.format_exc()))
        return False
    log("PASS %s (%.1fs)" % (t.__name__, time.time() - t0))
    return True


def main(tests, parallel=1):
    """Runs test functions (each takes no argument and raises on failure),
    up to `parallel` at a time, prints `N passed, N failed` last and exits 0
    when all passed.

    CT_IT_ONLY=name1,name2 runs a subset; CT_IT_PARALLEL overrides parallel.
    """
    only = os.environ.get("CT_IT_ONLY")
    if only:
        wanted = set(only.split(","))
        tests = [t for t in tests if t.__name__ in wanted]
    parallel = int(os.environ.get("CT_IT_PARALLEL", parallel))
    try:
        env()
    except TestFailure as exc:
        log("FAIL environment: %s" % exc)
        print("0 passed, %d failed" % max(1, len(tests)), flush=True)
        sys.exit(1)
    results = parallel_map(_run_one, tests, parallel)
    passed = sum(1 for r in results if r)
    failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(0 if failed == 0 and passed > 0 else 1)


def parallel_map(fn, items, parallel):
    """[fn(x) for x in items] with up to `parallel` threads; an exception
    in fn is re-raised (the first one) after all finished."""
    items = list(items)
    results = [None] * len(items)
    errors = []
    lock = threading.Lock()
    nxt = [0]

    def worker():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(items):
                return
            try:
                results[i] = fn(items[i])
            except BaseException as exc:  # noqa: B902
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=worker)
               for _ in range(max(1, min(parallel, len(items))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


class Timeline:
    """Events delivered so far to one Case, and the model's view of them."""

    def __init__(self, c):
        self.case = c
        self.delivered = []
        self.manual = {}

    def deliver(self, events, what, timeout=120):
        """Produces events, waits until the worker caught up, and compares
        the whole database with the model.  Returns the dumped state."""
        self.case.produce(events)
        self.delivered.extend(events)
        self.case.wait_caught_up(timeout)
        return self.check(what)

    def check(self, what):
        state = self.case.dump()
        assert_state(model.expected_state(self.delivered, self.manual),
                     state, what)
        return state


def rows(state, table):
    """{first column: row as dict} of a dumped state."""
    return {r[0]: dict(zip(model.TABLE_COLUMNS[table], r))
            for r in state[table]}


def wait_for(what, fn, timeout=60):
    """Polls fn until it returns something true (returned); fails after
    timeout seconds."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            raise TestFailure("timed out waiting for " + what)
        time.sleep(0.3)


def expect_eq(what, got, want):
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, got, want))


class Builder:
    """Builds events with readable times: t is seconds after base."""

    def __init__(self, seed, base_us=None):
        self.rnd = random.Random(seed)
        self.base = base_us if base_us is not None else recent_base_us()

    def uuid(self):
        import uuid as _uuid
        return str(_uuid.UUID(int=self.rnd.getrandbits(128), version=4))

    def ts(self, t, offset_minutes=0):
        return model.format_ts(self.base + int(round(t * 1000000)),
                               offset_minutes, 6)

    def us(self, t):
        return self.base + int(round(t * 1000000))

    def ev(self, etype, sid, t, event_id=None, **fields):
        return model.make_event(etype, event_id or self.uuid(), sid,
                                t if isinstance(t, str) else self.ts(t),
                                **fields)

    def join(self, sid, t, room="room-1", participant="participant-1",
             anonymous_id=None, **kw):
        return self.ev("participant_joined", sid, t, room_id=room,
                       participant_id=participant, anonymous_id=anonymous_id,
                       **kw)

    def auth(self, sid, t, username, phone=None, email=None, **kw):
        return self.ev("authenticated", sid, t, username=username,
                       phone_number=phone, email=email, **kw)

    def msg(self, sid, t, content="hello", role="user", message_id=None,
            seq=None, **kw):
        return self.ev("message", sid, t, role=role, content=content,
                       message_id=message_id, seq=seq, **kw)

    def end(self, sid, t, reason=None, duration=None, **kw):
        return self.ev("call_ended", sid, t, reason=reason,
                       duration_seconds=duration, **kw)


class case:
    """Context manager: a set-up Case, cleaned up on exit."""

    def __init__(self, name, partitions=1):
        self.c = Case(name, partitions)

    def __enter__(self):
        try:
            return self.c.setup()
        except BaseException:
            self.c.cleanup(False)
            raise

    def __exit__(self, et, ev, tb):
        ok = et is None
        try:
            if ok:
                self.c.stop_workers()
        except BaseException:
            ok = False
            raise
        finally:
            self.c.cleanup(ok)
        return False


def recent_base_us(days_ago=5):
    """A base time some days before now, whole seconds (rule 8 stays out of
    the way with stale_after_s at its maximum of 30 days)."""
    now = int(time.time())
    return (now - now % 3600 - days_ago * 86400) * 1000000


# --------------------------------------------------------------------------
# Faults of the shared servers (test_storm.py, bench/storm.py).  Each stops
# or takes down something every test of the environment uses: ctest runs
# their callers with RUN_SERIAL.


def pg_bindir():
    """The directory with PostgreSQL's server programs (pg_ctl, initdb),
    found as scripts/ct-env finds it."""
    d = os.environ.get("CT_PG_BINDIR")
    if d:
        return d
    if os.access("/usr/lib/postgresql/15/bin/pg_ctl", os.X_OK):
        return "/usr/lib/postgresql/15/bin"
    try:
        p = subprocess.run(["pg_config", "--bindir"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        d = p.stdout.decode().strip()
        if p.returncode == 0 and os.access(os.path.join(d, "pg_ctl"),
                                           os.X_OK):
            return d
    except FileNotFoundError:
        pass
    import glob
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return d
    raise TestFailure("pg_ctl not found: set CT_PG_BINDIR")


def _pg_ctl(args, timeout=120):
    """Runs pg_ctl on the environment's cluster, as the user owning it
    (postgres when we are root, as scripts/ct-env does), in a session of
    its own so that a server it starts outlives this process group."""
    e = env()
    argv = [os.path.join(pg_bindir(), "pg_ctl")] + args + [
        "-D", os.path.join(e["CT_ENV_DIR"], "pgdata")]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--"] + argv
    return run(["setsid", "-w"] + argv, timeout=timeout)


def pg_stop(mode="fast"):
    """Stops the shared PostgreSQL server (`pg_ctl stop -m mode`; immediate:
    no checkpoint, every backend killed, the next start runs crash
    recovery)."""
    _pg_ctl(["stop", "-m", mode, "-w", "-t", "60"])


def pg_stop_immediate():
    pg_stop("immediate")


def pg_start(timeout=120):
    """Starts the shared PostgreSQL server again (same data directory and
    port, scripts/ct-env's ct-env.conf) and waits until it accepts
    queries."""
    log_path = os.path.join(env()["CT_ENV_DIR"], "postgresql.log")
    _pg_ctl(["start", "-w", "-t", "60", "-l", log_path], timeout=timeout)
    deadline = time.time() + timeout
    while True:
        p = run(["psql", "-AtX", "-d", "postgres", "-c", "SELECT 1"],
                timeout=30, check=False)
        if p.returncode == 0:
            return
        if time.time() > deadline:
            raise TestFailure("PostgreSQL not ready %ss after pg_ctl start: "
                              "%s" % (timeout, p.stderr.decode(
                                  errors="replace")[-500:]))
        time.sleep(0.2)


def pg_running():
    """True when the shared server answers a query."""
    p = run(["psql", "-AtX", "-d", "postgres", "-c", "SELECT 1"],
            timeout=30, check=False)
    return p.returncode == 0


def broker_down(which="all"):
    """Takes the mock cluster's broker(s) down (rd_kafka_mock_broker_set_down
    through the control FIFO): listeners and connections closed."""
    _control("broker-down %s" % which)


def broker_up(which="all"):
    """Brings the mock cluster's broker(s) back (rd_kafka_mock_broker_set_up)."""
    _control("broker-up %s" % which)


def try_group_lag(group, topics, timeout=10):
    """Total lag of group over topics, or None when it cannot be read now
    (a broker down or still reconnecting)."""
    e = env()
    argv = [bin_path("ct-kafka"), "lag", "--brokers", e["CT_KAFKA_BROKERS"],
            "--timeout-ms", str(int(timeout * 1000)), "-g", group] + \
        list(topics)
    try:
        p = run(argv, timeout=timeout + 20, check=False)
    except TestFailure:
        return None
    if p.returncode != 0:
        return None
    try:
        return int(p.stdout.decode().strip())
    except ValueError:
        return None


def main_private(prefix, tests):
    """Runs tests (as main() does) on an environment of their own, started
    and stopped here (scripts/ct-env): for tests that stop PostgreSQL or
    the brokers while others run.  Kept for inspection on failure."""
    if not os.environ.get("CT_BIN_DIR"):
        raise SystemExit("CT_BIN_DIR is not set")
    envdir = tempfile.mkdtemp(prefix=prefix)
    os.chmod(envdir, 0o755)
    os.environ["CT_ENV_DIR"] = envdir
    src = os.environ.get("CT_SOURCE_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    ct_env = ["bash", os.path.join(src, "scripts", "ct-env")]
    code = 1
    try:
        subprocess.run(ct_env + ["start", envdir], check=True,
                       stdout=subprocess.DEVNULL, timeout=180)
        try:
            main(tests)
        except SystemExit as exc:
            code = exc.code
    finally:
        subprocess.run(ct_env + ["stop", envdir], stdout=subprocess.DEVNULL,
                       timeout=180)
        if code == 0:
            shutil.rmtree(envdir, ignore_errors=True)
    raise SystemExit(code)
