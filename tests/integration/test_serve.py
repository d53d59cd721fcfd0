#!/usr/bin/env python3
"""The caller API, `convtrack serve` (issue 19), against the real PostgreSQL
with data applied by the real worker: every reference type, a late login
re-pointing a device to the account, ETag/304, pagination to the end and
forged cursors, the auth matrix, every error status, the body and rate
limits, /readyz while PostgreSQL is down, and logs that carry no contact
data.  Runs on a private environment because it stops PostgreSQL."""

import hashlib
import http.client
import json
import os
import socket
import time
import urllib.parse

import ctlib
from ctlib import TestFailure

KEYS = {  # name: (key, scopes)
    "agent": ("agent-key-7d1c0f", "callers:read,classify"),
    "gate": ("gate-key-52aa9e", "classify"),
    "reader": ("reader-key-e01b44", "callers:read"),
    "burst": ("burst-key-9f3e21", "callers:read,classify"),
}
RATE = 200          # serve.rate_limit_per_s
MAX_BODY = 1024     # serve.max_body_bytes
PHONE = "+263771234567"
EMAIL = "Carol.Doe@Example.com"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive connection; request() returns (status, headers, body)."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def request(self, method, path, key=None, body=None, headers=None):
        h = dict(headers or {})
        if key:
            h["Authorization"] = "Bearer " + KEYS[key][0]
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.HTTPException, OSError):
                # the server closed a kept-alive connection: one new one
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=10)
                if attempt:
                    raise
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if "request-id" not in hdrs:
            raise TestFailure("%s %s: no Request-Id header" % (method, path))
        return r.status, hdrs, data

    def json(self, path, key="agent", want=200, **kw):
        status, hdrs, data = self.request(kw.pop("method", "GET"), path, key,
                                          **kw)
        if status != want:
            raise TestFailure("%s: status %d, want %d: %s" %
                              (path, status, want, data[:400]))
        if status >= 400:
            if hdrs.get("content-type") != "application/problem+json":
                raise TestFailure("%s: problem served as %s" %
                                  (path, hdrs.get("content-type")))
            doc = json.loads(data)
            if doc.get("status") != status or not doc.get(
                    "type", "").startswith("urn:convtrack:problem:"):
                raise TestFailure("%s: not an RFC 9457 problem: %s" %
                                  (path, doc))
            return doc
        return (json.loads(data) if data else None), hdrs


def ref(kind, value):
    return "/v1/callers/" + urllib.parse.quote("%s:%s" % (kind, value), safe="")


def problem_type(doc):
    return doc["type"].rsplit(":", 1)[1]


def test_caller_api():
    port = free_port()
    b = ctlib.Builder(1901)
    s_anon, s_login = b.uuid(), b.uuid()
    later = [b.uuid() for _ in range(5)]
    keys_file = os.path.join(ctlib.env()["LOG_DIR"], "serve-keys-%d" % port)
    with open(keys_file, "w") as f:
        f.write("# test keys\n\n")
        for name, (key, scopes) in KEYS.items():
            f.write("%s %s %s\n" % (name, hashlib.sha256(key.encode())
                                    .hexdigest(), scopes))
    # a keys file is checked before serving: a line made from an empty
    # $KEY (the digest of "") or a scope that does not exist is refused
    for line, why in (("k %s classify" % hashlib.sha256(b"").hexdigest(),
                       "empty key"),
                      ("k %s callers:write" % ("0" * 64), "unknown scope"),
                      ("k %s" % ("0" * 64), "no scope")):
        bad = keys_file + ".bad"
        with open(bad, "w") as f:
            f.write(line + "\n")
        p = ctlib.run([ctlib.bin_path("convtrack"), "serve", "--check-config"],
                      extra_env={"CONVTRACK_SERVE_API_KEYS_FILE": bad},
                      check=False)
        if p.returncode != 2 or b":1:" not in p.stderr:
            raise TestFailure("keys file with %s: exit %d %r" %
                              (why, p.returncode, p.stderr))
    with ctlib.case("serve") as c:
        # serve logs in as a role holding only convtrack_api
        # (sql/013_caller_api.sql): what it reads suffices, and it cannot
        # read message content
        api_role = c.db + "_api"
        ctlib.psql("postgres", "CREATE ROLE %s LOGIN IN ROLE convtrack_api"
                   % api_role)
        try:
            _test_caller_api(c, b, port, keys_file, api_role, s_anon, s_login,
                             later)
        finally:
            c.stop_workers()
            ctlib.psql("postgres", "DROP ROLE IF EXISTS %s" % api_role)


def _test_caller_api(c, b, port, keys_file, api_role, s_anon, s_login, later):
    """The checks, on case c with serve logging in as api_role."""
    p = ctlib.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U",
                   api_role, "-d", c.db, "-c",
                   "SELECT count(*) FROM conversation_messages"],
                  check=False)
    if p.returncode == 0 or b"permission denied" not in p.stderr:
        raise TestFailure("convtrack_api reads messages: %r" % p.stderr)
    c.start_worker({"CONVTRACK_SUMMARY_GRACE_MS": "200"})
    srv = c.start_worker({
        "CONVTRACK_SERVE_POSTGRES_CONNINFO": "dbname=%s user=%s"
                                             % (c.db, api_role),
        "CONVTRACK_SERVE_PORT": str(port),
        "CONVTRACK_SERVE_THREADS": "3",
        "CONVTRACK_SERVE_API_KEYS_FILE": keys_file,
        "CONVTRACK_SERVE_RATE_LIMIT_PER_S": str(RATE),
        "CONVTRACK_SERVE_MAX_BODY_BYTES": str(MAX_BODY),
        "CONVTRACK_SERVE_CURSOR_KEY": "test-cursor-key-0123456789",
    }, command="serve")
    cl = Client(port)
    ctlib.wait_for("serve answers /healthz", lambda: _healthy(port), 30)

    # an anonymous call on a device
    c.produce([b.join(s_anon, 0, anonymous_id="dev-serve"),
               b.msg(s_anon, 1, "Hi, I want to check my balance", seq=0),
               b.msg(s_anon, 2, "Your balance is in the app.",
                     role="assistant", seq=1),
               b.end(s_anon, 3, reason="hangup")])
    c.wait_caught_up(60)
    anon, _ = cl.json(ref("device", "dev-serve"))
    if anon["profile_type"] != "anonymous" or anon["resolved_from"] is not None \
            or anon["anonymous_ids"] != ["dev-serve"]:
        raise TestFailure("device before login: %s" % anon)
    ctlib.expect_eq("device's session", cl.json(ref("session", s_anon))[0][
        "profile_id"], anon["profile_id"])

    # the same device logs in later: it now answers with the account
    c.produce([b.join(s_login, 100, anonymous_id="dev-serve"),
               b.auth(s_login, 101, "carol", phone=PHONE, email=EMAIL),
               b.msg(s_login, 102, "My card was stolen, block it", seq=0),
               b.msg(s_login, 103, "I could not block it, please call "
                     "the branch", role="assistant", seq=1),
               b.end(s_login, 104, reason="hangup")])
    c.wait_caught_up(60)
    acct, hdrs = cl.json(ref("device", "dev-serve"))
    if acct["profile_type"] != "authenticated" or acct["username"] != "carol":
        raise TestFailure("device after a login answers %s" % acct)
    ctlib.expect_eq("resolved_from", acct["resolved_from"],
                    {"ref": "device:dev-serve",
                     "profile_id": anon["profile_id"]})
    ctlib.expect_eq("anonymous_ids", acct["anonymous_ids"], ["dev-serve"])
    for k in ("first_seen_at", "last_seen_at"):
        if not acct[k].endswith("Z") or "T" not in acct[k]:
            raise TestFailure("%s is not RFC 3339 UTC: %r" % (k, acct[k]))
    if "no-cache" not in hdrs.get("cache-control", ""):
        raise TestFailure("caller answer may be cached: %s" % hdrs)

    # every reference type reaches the account
    for kind, value in (("username", "carol"), ("phone", PHONE),
                        ("phone", "0771234567"), ("phone", "+263 77 123 4567"),
                        ("email", EMAIL.lower()), ("email", EMAIL.upper()),
                        ("profile", acct["profile_id"]),
                        ("profile", acct["profile_id"].upper()),
                        ("session", s_login), ("session", s_anon)):
        got, _ = cl.json(ref(kind, value))
        ctlib.expect_eq("%s:%s" % (kind, value), got["profile_id"],
                        acct["profile_id"])
    merged, _ = cl.json(ref("profile", anon["profile_id"]))
    ctlib.expect_eq("merged profile answers the account",
                    merged["profile_id"], acct["profile_id"])

    # the last call, once summarized, and its open issue
    def summarized():
        doc, _ = cl.json(ref("username", "carol"))
        lc = doc["last_call"]
        return lc and lc["session_id"] == s_login and lc["summary"] and doc
    doc = ctlib.wait_for("the last call's summary", summarized, 60)
    lc = doc["last_call"]
    if lc["resolution_status"] not in ("resolved", "escalated", "incomplete") \
            or not isinstance(lc["topics"], list):
        raise TestFailure("last_call: %s" % lc)
    ctlib.expect_eq("open_issue", doc["open_issue"],
                    lc["resolution_status"] != "resolved")
    ctlib.expect_eq("total_sessions", doc["total_sessions"], 2)

    # rule 10: a caller on a new device who gives carol's number is a
    # candidate for her account, and says so
    s_new = b.uuid()
    c.produce([b.join(s_new, 50, anonymous_id="dev-new-serve"),
               b.msg(s_new, 51, "Hi, you can reach me on 0771 234 567.", seq=0),
               b.end(s_new, 52, reason="hangup")])
    c.wait_caught_up(60)
    newcomer = ctlib.wait_for("a match candidate", lambda: cl.json(
        ref("device", "dev-new-serve"))[0]["match_candidates"] or None, 60)
    ctlib.expect_eq("match candidate", [(m["candidate_profile_id"], m["signal"],
                                         m["session_id"]) for m in newcomer],
                    [(acct["profile_id"], "phone_number", s_new)])
    if not 0 < newcomer[0]["confidence"] <= 1:
        raise TestFailure("candidate confidence %r" % newcomer[0])

    # ETag and 304; a change makes a new ETag
    _, hdrs = cl.json(ref("username", "carol"))
    etag = hdrs["etag"]
    status, h304, body = cl.request("GET", ref("username", "carol"),
                                    "agent",
                                    headers={"If-None-Match": etag})
    if status != 304 or body or h304.get("etag") != etag:
        raise TestFailure("If-None-Match: %d %r %s" % (status, body, h304))
    status, _, _ = cl.request("GET", ref("username", "carol"), "agent",
                              headers={"If-None-Match": '"other"'})
    ctlib.expect_eq("other ETag", status, 200)

    # more calls, then page through them all
    events = []
    for i, sid in enumerate(later):
        t = 200 + 100 * i
        events += [b.join(sid, t, anonymous_id="dev-serve"),
                   b.auth(sid, t + 1, "carol"),
                   b.msg(sid, t + 2, "What is my balance?", seq=0)]
        if i % 2 == 0:
            events.append(b.end(sid, t + 3, reason="hangup"))
    c.produce(events)
    c.wait_caught_up(60)
    status, _, _ = cl.request("GET", ref("username", "carol"), "agent",
                              headers={"If-None-Match": etag})
    ctlib.expect_eq("ETag after new calls", status, 200)
    want = [s for s in reversed(later)] + [s_login, s_anon]
    seen, cursor, pages = [], None, 0
    while True:
        q = "?limit=2" + ("&cursor=" + cursor if cursor else "")
        page, _ = cl.json(ref("username", "carol") + "/calls" + q)
        pages += 1
        seen += [x["session_id"] for x in page["calls"]]
        for x in page["calls"]:
            if set(x) != {"session_id", "started_at", "ended_at",
                          "end_reason", "message_count", "summary",
                          "sentiment", "resolution_status", "topics"}:
                raise TestFailure("call fields: %s" % sorted(x))
        cursor = page["next_cursor"]
        if not cursor:
            break
        if pages > 10:
            raise TestFailure("pagination does not end")
    ctlib.expect_eq("calls, newest first, each once", seen, want)
    ctlib.expect_eq("pages of 2", pages, 4)
    in_progress = [x for x in cl.json(ref("username", "carol") +
                                      "/calls?limit=100")[0]["calls"]
                   if x["ended_at"] is None]
    ctlib.expect_eq("calls in progress listed", len(in_progress), 2)
    first, _ = cl.json(ref("username", "carol") + "/calls?limit=1")
    cur = first["next_cursor"]
    forged = ("1" if cur[0] != "1" else "2") + cur[1:]
    doc = cl.json(ref("username", "carol") + "/calls?cursor=" + forged,
                  want=400)
    ctlib.expect_eq("forged cursor", problem_type(doc), "bad-cursor")
    # a cursor of one caller does not page another
    c.produce([b.join(b.uuid(), 900, anonymous_id="dev-other")])
    c.wait_caught_up(60)
    doc = cl.json(ref("device", "dev-other") + "/calls?cursor=" + cur,
                  want=400)
    ctlib.expect_eq("another caller's cursor", problem_type(doc),
                    "bad-cursor")

    # the auth matrix
    path = ref("username", "carol")
    st, h, _ = cl.request("GET", path)
    if st != 401 or "Bearer" not in h.get("www-authenticate", ""):
        raise TestFailure("no key: %d %s" % (st, h))
    st, _, _ = cl.request("GET", path, headers={
        "Authorization": "Bearer not-a-key"})
    ctlib.expect_eq("unknown key", st, 401)
    st, _, _ = cl.request("GET", path, headers={"Authorization": "Bearer  "})
    ctlib.expect_eq("empty key", st, 401)
    st, _, _ = cl.request("GET", path, headers={
        "Authorization": "Basic " + KEYS["agent"][0]})
    ctlib.expect_eq("not a bearer", st, 401)
    ctlib.expect_eq("wrong scope", problem_type(
        cl.json(path, key="gate", want=403)), "forbidden")
    cl.json(path, key="reader")
    ctlib.expect_eq("classify without its scope", problem_type(cl.json(
        "/v1/classify", key="reader", want=403, method="POST",
        body={"text": "hi"})), "forbidden")
    st, h, body = cl.request("GET", "/v1/openapi.yaml", "gate")
    if st != 200 or not body.startswith(b"openapi: 3.1"):
        raise TestFailure("openapi.yaml: %d %r" % (st, body[:40]))
    st, _, _ = cl.request("GET", "/v1/openapi.yaml")
    ctlib.expect_eq("openapi.yaml without a key", st, 401)

    # classify: one, many, and the worker's flag agrees
    one, _ = cl.json("/v1/classify", method="POST",
                     body={"text": "I lost my card, please block it"})
    if one["banking"] is not True or not 0 <= one["banking_score"] <= 1 \
            or one["topic"] is None or one["topic"] not in one["topics"]:
        raise TestFailure("classify: %s" % one)
    many, _ = cl.json("/v1/classify", method="POST", body={"texts": [
        "I lost my card, please block it", "what a lovely day"]})
    ctlib.expect_eq("classify texts[0]", many["results"][0], one)
    if many["results"][1]["banking"] is not False:
        raise TestFailure("small talk is banking: %s" % many)
    stored = c.sql("SELECT is_banking_query FROM conversation_messages "
                   "WHERE content = 'My card was stolen, block it'").strip()
    got, _ = cl.json("/v1/classify", method="POST",
                     body={"text": "My card was stolen, block it"})
    ctlib.expect_eq("classify agrees with the stored flag",
                    "t" if got["banking"] else "f", stored)

    # every error status
    for path, want, kind in (
            (ref("username", "nobody"), 404, "not-found"),
            ("/v1/callers/" + urllib.parse.quote("phone:12", safe=""),
             400, "bad-reference"),
            ("/v1/callers/" + urllib.parse.quote("session:abc", safe=""),
             400, "bad-reference"),
            ("/v1/callers/" + urllib.parse.quote("email:nobody", safe=""),
             400, "bad-reference"),
            ("/v1/callers/fax:123", 400, "bad-reference"),
            ("/v1/callers/device%00x", 400, "bad-reference"),
            (ref("username", "carol") + "/calls?limit=0", 400,
             "bad-parameter"),
            (ref("username", "carol") + "/calls?limit=101", 400,
             "bad-parameter"),
            (ref("username", "carol") + "/other", 404, "not-found"),
            ("/v1/nothing", 404, "not-found"),
    ):
        ctlib.expect_eq(path, problem_type(cl.json(path, want=want)), kind)
    for body, why in ((b"{", "not JSON"), (b'{"text": 1}', "not a string"),
                      (b'{"texts": []}', "empty texts"),
                      (json.dumps({"texts": ["a"] * 101}).encode(),
                       "101 texts"),
                      (b'{"text": "a", "texts": ["b"]}', "both"),
                      (b'["a"]', "not an object")):
        doc = cl.json("/v1/classify", method="POST", body=body, want=400)
        ctlib.expect_eq("classify " + why, problem_type(doc), "bad-body")
    doc = cl.json("/v1/classify", method="DELETE", want=405)
    ctlib.expect_eq("405", problem_type(doc), "method-not-allowed")
    doc = cl.json(ref("username", "carol"), method="POST", body={}, want=405)
    big = json.dumps({"text": "x" * (MAX_BODY + 10)}).encode()
    doc = cl.json("/v1/classify", method="POST", body=big, want=413)
    ctlib.expect_eq("413", problem_type(doc), "body-too-large")
    ok = json.dumps({"text": "y" * (MAX_BODY - 40)}).encode()
    cl.json("/v1/classify", method="POST", body=ok)

    # the rate limit: a token bucket of RATE per second, burst RATE.  The
    # client asks as fast as it can until 50 answers after the first 429
    # (a slow machine drains the bucket later, not never: any rate above
    # RATE empties it), for at most 30 s
    bc = Client(port)
    t0 = time.monotonic()
    counts, waits = {}, set()
    while counts.get(429, 0) < 50 and time.monotonic() - t0 < 30:
        st, h, _ = bc.request("GET", "/v1/openapi.yaml", "burst")
        counts[st] = counts.get(st, 0) + 1
        if st == 429:
            waits.add(h.get("retry-after"))
    took = time.monotonic() - t0
    if not counts.get(429) or set(counts) - {200, 429}:
        raise TestFailure("rate limit: %s in %.2fs" % (counts, took))
    if counts[200] > RATE + took * RATE + 1:
        raise TestFailure("rate limit let %d through in %.2fs (rate %d)"
                          % (counts[200], took, RATE))
    if not waits or not all(w and w.isdigit() and int(w) >= 1 for w in waits):
        raise TestFailure("429 without Retry-After: %s" % waits)
    cl.json(ref("username", "carol"))  # other keys are not limited
    status, _, metrics = cl.request("GET", "/metrics")
    text = metrics.decode()
    for needle in ('convtrack_api_rate_limited_total{key="burst"}',
                   'convtrack_api_requests_total{route="/v1/callers/{ref}",'
                   'status="200"}',
                   'convtrack_api_request_seconds_bucket{route='
                   '"/v1/classify",le="0.001"}'):
        if needle not in text:
            raise TestFailure("/metrics lacks %s" % needle)

    # PostgreSQL down: not ready, 503; back: ready and answering
    ctlib.pg_stop("fast")
    try:
        ctlib.wait_for("/readyz 503 while PostgreSQL is down",
                       lambda: cl.request("GET", "/readyz")[0] == 503, 60)
        ctlib.expect_eq("/healthz while PostgreSQL is down",
                        cl.request("GET", "/healthz")[0], 200)
        doc = cl.json(ref("username", "carol"), want=503)
        ctlib.expect_eq("503 problem", problem_type(doc), "unavailable")
        cl.json("/v1/classify", method="POST", body={"text": "hello"})
    finally:
        ctlib.pg_start()
    ctlib.wait_for("/readyz 200 again",
                   lambda: cl.request("GET", "/readyz")[0] == 200, 60)
    again, _ = cl.json(ref("device", "dev-serve"))
    ctlib.expect_eq("answers after the outage", again["profile_id"],
                    acct["profile_id"])
    c.wait_caught_up(60)

    srv.stop()
    with open(srv.log_path, "rb") as f:
        log = f.read().decode(errors="replace")
    for secret in ("771234567", "carol", "Carol", "example.com",
                   "Example.com", "dev-serve", KEYS["agent"][0],
                   KEYS["burst"][0], s_login):
        if secret in log:
            raise TestFailure("serve's log holds %r" % secret)
    if "/v1/callers/{ref}" not in log:
        raise TestFailure("no access log line with the route template")


def _healthy(port):
    try:
        return Client(port).request("GET", "/healthz")[0] == 200
    except (OSError, http.client.HTTPException):
        return False


def main():
    ctlib.main_private("ct-serve-", [test_caller_api])


if __name__ == "__main__":
    main()
