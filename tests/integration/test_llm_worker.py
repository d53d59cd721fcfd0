#!/usr/bin/env python3
"""LLM summaries in the worker (issue 20) against the real PostgreSQL, the
mock Kafka cluster and tests/llm_server.py (an OpenAI-compatible server of
the tests' own): the stored and published summary comes from the model when
it answers well and from the rules in every failure of an answer (invalid
JSON, a schema violation, an unknown topic, a refusal, 429, 500, a hang); no card number, PIN or
OTP reaches the server; events keep being applied while the model hangs,
and the hanging session gets the rules' summary at its deadline; a
re-swept session reuses the stored answer (no new request, no new
version); the daily token budget stops requests; a model server that is not there
is a refused connection and the rules' summary; the convtrack_llm_*
metrics count requests, fallbacks, tokens, latency and the budget left."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import ctlib
from ctlib import TestFailure

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = "mock-model"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlmServer:
    def __init__(self):
        self.port = free_port()
        self.record = os.path.join(ctlib.env()["LOG_DIR"],
                                   "llm-requests-%d.jsonl" % self.port)
        self.proc = subprocess.Popen([sys.executable, os.path.join(
            HERE, "..", "llm_server.py"), str(self.port), self.record])
        ctlib.wait_for("the LLM test server", self.up, 30)

    def up(self):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/count" % self.port,
                                   timeout=1)
            return True
        except OSError:
            return False

    def requests(self):
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            return [json.loads(l) for l in f]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def llm_env(srv, extra=None):
    # a grace that lets the four topics' events of a call all arrive
    # before its summary (else an early summary of part of the call asks
    # the model too, as it should, and the request counts vary)
    e = {"CONVTRACK_SUMMARY_GRACE_MS": "1500",
         "CONVTRACK_SUMMARY_LLM_ENABLED": "true",
         "CONVTRACK_SUMMARY_LLM_ENDPOINT": "http://127.0.0.1:%d/v1" % srv.port,
         "CONVTRACK_SUMMARY_LLM_MODEL": MODEL,
         "CONVTRACK_SUMMARY_LLM_TIMEOUT_MS": "1500",
         "CONVTRACK_SUMMARY_LLM_MAX_RETRIES": "0"}
    e.update(extra or {})
    return e


def metrics(port):
    """{(name, labels): value} of the worker's /metrics."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def metric(port, key):
    return metrics(port).get(key, 0.0)


def call(b, sid, t, device, user_text):
    return [b.join(sid, t, anonymous_id=device),
            b.msg(sid, t + 1, user_text, seq=0),
            b.msg(sid, t + 2, "I have blocked your card.", role="assistant",
                  seq=1),
            b.end(sid, t + 3, reason="hangup")]


def summary_of(c, sid):
    rows = ctlib.psql(c.db, "SELECT summarizer, summary_version, summary FROM "
                      "conversation_summaries WHERE session_id = '%s'" % sid
                      ).strip()
    return rows.split("|", 2) if rows else None


def outcome_of(c, sid):
    """The outcome of the session's latest input."""
    return ctlib.psql(c.db, "SELECT outcome FROM llm_summary_results WHERE "
                      "session_id = '%s' ORDER BY created_at DESC LIMIT 1"
                      % sid).strip()


def published(c, sid):
    out = []
    for rec in ctlib.dump_topic(c.topic_summary):
        v = json.loads(rec.value)
        if v.get("session_id") == sid:
            out.append(v)
    return out


def test_llm_summaries():
    srv = LlmServer()
    b = ctlib.Builder(2001)
    s_ok, s_schema, s_hang, s_during = (b.uuid() for _ in range(4))
    modes = {m: b.uuid() for m in ("invalid_json", "unknown_topic",
                                   "refusal", "rate_limited", "server_error")}
    port = free_port()
    try:
        with ctlib.case("llm") as c:
            c.start_worker(llm_env(srv, {"CONVTRACK_HTTP_PORT": str(port)}))
            c.produce(call(b, s_ok, 0, "dev-llm-1",
                           "My card 4111 1111 1111 1111 was stolen, my PIN is "
                           "4821 and the code you sent me is 739201, block it")
                      + call(b, s_schema, 10, "dev-llm-2",
                             "Block my card please MOCK:schema")
                      + [e for i, (m, sid) in enumerate(sorted(modes.items()))
                         for e in call(b, sid, 40 + 10 * i, "dev-mode-%d" % i,
                                       "Block my card MOCK:%s" % m)])
            c.wait_caught_up(60)
            ok = ctlib.wait_for("the model's summary", lambda: summary_of(
                c, s_ok), 60)
            ctlib.expect_eq("summarizer", ok[0], "llm:" + MODEL)
            if not ok[2].startswith("The caller reported a stolen card"):
                raise TestFailure("summary not the model's: %r" % ok)
            ev = ctlib.wait_for("its event", lambda: published(c, s_ok), 60)
            ctlib.expect_eq("event summarizer", ev[-1].get("summarizer"),
                            "llm:" + MODEL)
            ctlib.expect_eq("event resolution", ev[-1]["resolution_status"],
                            "resolved")
            bad = ctlib.wait_for("the rules' summary of a bad answer",
                                 lambda: summary_of(c, s_schema), 60)
            if not bad[0].startswith("rules-"):
                raise TestFailure("schema violation used: %r" % bad)
            ctlib.expect_eq("stored outcome", outcome_of(c, s_schema), "schema")
            # every other failure of an answer: the rules' summary, the reason
            want = {"invalid_json": "invalid_json",
                    "unknown_topic": "unknown_topic",
                    "refusal": "model_refusal", "rate_limited": "rate_limited",
                    "server_error": "server_error"}
            for m, sid in sorted(modes.items()):
                got = ctlib.wait_for("the summary of " + m,
                                     lambda: summary_of(c, sid), 60)
                if not got[0].startswith("rules-"):
                    raise TestFailure("%s: %r" % (m, got))
                ctlib.expect_eq(m + " outcome", outcome_of(c, sid), want[m])
                ev = ctlib.wait_for("the event of " + m,
                                    lambda: published(c, sid), 60)
                if not ev[-1].get("summarizer", "").startswith("rules-"):
                    raise TestFailure("%s: event %r" % (m, ev[-1]))
            sent = "\n".join(json.dumps(r["body"]) for r in srv.requests())
            for secret in ("4111", "4821", "739201"):
                if secret in sent:
                    raise TestFailure("%s reached the model server" % secret)

            # the model hangs: events are still applied; the session gets the
            # rules' summary once its deadline passed
            c.produce(call(b, s_hang, 20, "dev-llm-3",
                           "Block my card MOCK:hang"))
            c.wait_caught_up(60)
            ctlib.wait_for("the hanging request sent", lambda: any(
                "MOCK:hang" in json.dumps(r["body"]) for r in srv.requests()),
                30)
            t0 = time.time()
            c.produce(call(b, s_during, 30, "dev-llm-4",
                           "What is my balance?"))
            c.wait_caught_up(20)
            n = ctlib.psql(c.db, "SELECT message_count FROM agent_sessions "
                           "WHERE session_id = '%s'" % s_during).strip()
            ctlib.expect_eq("messages applied while the model hangs", n, "2")
            if time.time() - t0 > 15:
                raise TestFailure("applying took %.1f s while the model hung"
                                  % (time.time() - t0))
            hung = ctlib.wait_for("the hanging session's rules summary",
                                  lambda: summary_of(c, s_hang), 60)
            if not hung[0].startswith("rules-"):
                raise TestFailure("hang: %r" % hung)
            ctlib.expect_eq("hang outcome", outcome_of(c, s_hang), "timeout")

            # a re-sweep (here: the summary made due again) reuses the answer
            ctlib.wait_for("s_during summarized", lambda: summary_of(
                c, s_during), 60)
            before = len(srv.requests())
            version = summary_of(c, s_ok)[1]
            c.sql("UPDATE agent_sessions SET summary_due_at = now() WHERE "
                  "session_id = '%s'" % s_ok)
            ctlib.wait_for("the re-swept summary done", lambda: ctlib.psql(
                c.db, "SELECT summary_due_at IS NULL FROM agent_sessions "
                "WHERE session_id = '%s'" % s_ok).strip() == "t", 60)
            ctlib.expect_eq("requests after a re-sweep", len(srv.requests()),
                            before)
            ctlib.expect_eq("version after a re-sweep", summary_of(c, s_ok)[1],
                            version)
            # a redelivery of the whole call changes nothing either
            c.produce(call(b, s_ok, 0, "dev-llm-1", "x")[:1])
            c.wait_caught_up(60)
            ctlib.expect_eq("requests after a redelivery", len(srv.requests()),
                            before)

            # the metrics say what happened
            m = metrics(port)
            for key, least in (
                    ('convtrack_llm_requests_total{outcome="ok"}', 1),
                    ('convtrack_llm_requests_total{outcome="schema"}', 1),
                    ('convtrack_llm_fallbacks_total{reason="schema"}', 1),
                    ('convtrack_llm_fallbacks_total{reason="timeout"}', 1),
                    ('convtrack_llm_tokens_total{direction="in"}', 120),
                    ('convtrack_llm_tokens_total{direction="out"}', 40),
                    ('convtrack_llm_request_seconds_count', 3)):
                if m.get(key, 0) < least:
                    raise TestFailure("%s = %s, want >= %s" % (
                        key, m.get(key), least))
    finally:
        srv.stop()


def test_llm_budget():
    srv = LlmServer()
    b = ctlib.Builder(2002)
    s1, s2 = b.uuid(), b.uuid()
    port = free_port()
    try:
        with ctlib.case("llm-budget") as c:
            # each answer reports 160 tokens: the first spends the budget
            c.start_worker(llm_env(srv, {
                "CONVTRACK_SUMMARY_LLM_DAILY_TOKEN_BUDGET": "100",
                "CONVTRACK_HTTP_PORT": str(port)}))
            c.produce(call(b, s1, 0, "dev-b-1", "My card was stolen"))
            c.wait_caught_up(60)
            first = ctlib.wait_for("the first summary", lambda: summary_of(
                c, s1), 60)
            ctlib.expect_eq("first summarizer", first[0], "llm:" + MODEL)
            c.produce(call(b, s2, 10, "dev-b-2", "My card was stolen too"))
            c.wait_caught_up(60)
            second = ctlib.wait_for("the second summary", lambda: summary_of(
                c, s2), 60)
            if not second[0].startswith("rules-"):
                raise TestFailure("over the budget: %r" % second)
            ctlib.expect_eq("budget outcome", outcome_of(c, s2), "budget")
            ctlib.expect_eq("requests", len(srv.requests()), 1)
            ctlib.expect_eq("budget left", metric(
                port, "convtrack_llm_budget_left"), 0.0)
            if metric(port, 'convtrack_llm_fallbacks_total{reason="budget"}') < 1:
                raise TestFailure("budget fallback not counted")
    finally:
        srv.stop()


def test_llm_refused():
    """A model server that is not there: the rules' summary, 'refused'."""
    b = ctlib.Builder(2003)
    sid = b.uuid()
    port = free_port()

    class Nowhere:
        port = free_port()
    with ctlib.case("llm-refused") as c:
        c.start_worker(llm_env(Nowhere, {"CONVTRACK_HTTP_PORT": str(port)}))
        c.produce(call(b, sid, 0, "dev-r-1", "My card was stolen"))
        c.wait_caught_up(60)
        got = ctlib.wait_for("the summary", lambda: summary_of(c, sid), 60)
        if not got[0].startswith("rules-"):
            raise TestFailure("refused: %r" % got)
        ctlib.expect_eq("refused outcome", outcome_of(c, sid), "refused")
        if metric(port, 'convtrack_llm_fallbacks_total{reason="refused"}') < 1:
            raise TestFailure("refused fallback not counted")
        ev = ctlib.wait_for("its event", lambda: published(c, sid), 60)
        if not ev[-1].get("summarizer", "").startswith("rules-"):
            raise TestFailure("refused: event %r" % ev[-1])


if __name__ == "__main__":
    ctlib.main([test_llm_summaries, test_llm_budget, test_llm_refused])
