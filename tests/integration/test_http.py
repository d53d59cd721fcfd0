#!/usr/bin/env python3
"""Observability over HTTP while the worker runs (issue 5): /metrics in
Prometheus text format with values that change as events are applied,
/healthz, and /readyz that turns false while PostgreSQL is down and true
again when it is back.  Runs on a private environment because it stops
PostgreSQL."""

import re
import socket
import time
import urllib.error
import urllib.request

import ctlib
from ctlib import TestFailure
import model


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                    timeout=5) as r:
            return r.status, r.read().decode(), r.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers.get("Content-Type")
    except (urllib.error.URLError, OSError):
        return 0, "", ""        # not listening (yet)


def metric(text, name, labels=None):
    """Sum of the samples of name whose labels contain every labels item."""
    total, seen = 0.0, False
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m:
            raise TestFailure("not exposition format: %r" % line)
        if m.group(1) != name:
            continue
        if labels and not all('%s="%s"' % kv in (m.group(3) or "")
                              for kv in labels.items()):
            continue
        total += float(m.group(4))
        seen = True
    return total if seen else None


def wait_until(what, fn, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.3)
    raise TestFailure("timed out waiting until " + what)


def test_metrics_and_probes():
    port = free_port()
    b = ctlib.Builder(901)
    s1, s2 = b.uuid(), b.uuid()
    first = [b.join(s1, 0, anonymous_id="dev-http"),
             b.msg(s1, 1, "What is my balance?", seq=0),
             b.msg(s1, 2, "Your balance is shown in the app.", role="assistant",
                   seq=1),
             b.end(s1, 3, reason="hangup")]
    with ctlib.case("http") as c:
        w = c.start_worker({"CONVTRACK_HTTP_PORT": str(port),
                            "CONVTRACK_SUMMARY_GRACE_MS": "200"})
        wait_until("/healthz answers", lambda: get(port, "/healthz")[0] == 200)
        wait_until("ready", lambda: get(port, "/readyz")[0] == 200)
        status, text, ctype = get(port, "/metrics")
        if status != 200 or not ctype.startswith("text/plain"):
            raise TestFailure("/metrics: %s %s" % (status, ctype))
        for name in ("convtrack_events_consumed_total", "convtrack_batch_size",
                     "convtrack_apply_seconds", "convtrack_consumer_lag",
                     "convtrack_outbox_backlog", "convtrack_transaction_retries_total",
                     "convtrack_summaries_generated_total",
                     "convtrack_stale_sweeps_total"):
            if "# TYPE %s " % name not in text:
                raise TestFailure("/metrics lacks %s" % name)
        msg_topic = c.topics["message"]
        before = metric(text, "convtrack_events_applied_total",
                        {"topic": msg_topic}) or 0

        c.produce(first + [model.Event("message", None, key=s2,
                                       value="not json")])
        c.wait_caught_up(60)

        def applied():
            t = get(port, "/metrics")[1]
            return (metric(t, "convtrack_events_applied_total",
                           {"topic": msg_topic}) or 0) >= before + 2 and t
        text = wait_until("applied messages counted", applied)
        if (metric(text, "convtrack_batch_size_count") or 0) < 1:
            raise TestFailure("no batch observed:\n" + text)
        if (metric(text, "convtrack_events_dead_lettered_total",
                   {"topic": msg_topic, "reason": "not_json"}) or 0) != 1:
            raise TestFailure("dead letter not counted:\n" + text)
        wait_until("a summary counted", lambda: (metric(
            get(port, "/metrics")[1], "convtrack_summaries_generated_total")
            or 0) >= 1)

        ctlib.pg_stop("fast")
        try:
            c.produce([b.msg(s2, 10, "Are you there?", seq=0)])

            def batch_failed():
                with open(w.log_path, "rb") as f:
                    return b"transient database failure" in f.read()
            wait_until("the batch fails while PostgreSQL is down", batch_failed)
            wait_until("not ready while PostgreSQL is down",
                       lambda: get(port, "/readyz")[0] == 503, 60)
            if get(port, "/healthz")[0] != 200:
                raise TestFailure("/healthz failed while PostgreSQL was down")
            body = get(port, "/readyz")[1]
            if "PostgreSQL" not in body:
                raise TestFailure("/readyz says %r" % body)
        finally:
            ctlib.pg_start()
        wait_until("ready again", lambda: get(port, "/readyz")[0] == 200, 60)
        c.wait_caught_up(60)
        text = get(port, "/metrics")[1]
        if (metric(text, "convtrack_transaction_retries_total",
                   {"cause": "transient"}) or 0) < 1:
            raise TestFailure("no transient retry counted:\n" + text)
        if get(port, "/nope")[0] != 404:
            raise TestFailure("unknown path not 404")


def main():
    ctlib.main_private("ct-http-", [test_metrics_and_probes])


if __name__ == "__main__":
    main()
