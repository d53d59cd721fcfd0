#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/)
from the project's own fixtures, so that every seed is a real input:

  fuzz_event          tests/fixtures/events/, deploy/sample/events.jsonl, a
                      scenario of tests/integration/model.py, every invalid
                      record of tests/integration/test_dead_letter.py (each
                      dead-letter class of schemas/dead_letter.md), erasure
                      requests; first byte: the topic's event type
  fuzz_redact         tests/fixtures/redact/pii_utterances.tsv, prompts and
                      answers, patterns, dead-letter payloads
  fuzz_analyze        calls of tests/fixtures/conversations/, utterances of
                      tests/fixtures/probes/probes.jsonl, bad lines
  fuzz_config         deploy/convtrack.conf, tests/fixtures/config/, with and
                      without CONVTRACK_* variables
  fuzz_ctkafka_input  lines of deploy/sample/events.jsonl and of every field
                      of the record format
  fuzz_http           requests of /metrics, /healthz, /readyz and wrong ones
  fuzz_serve          requests of every route of the caller API (right,
                      wrong and unauthorized ones), references and cursors
  fuzz_dltool         the headers of dead-lettered records
  fuzz_llm            chat-completions answers: valid, refused, each field
                      wrong (the cases of tests/llm_server.py)

It also writes the dictionaries (tests/fuzz/dict/<target>.dict): JSON
tokens and the contract's field names, the configuration's keys (read from
src/ops/config_table.c) and their CONVTRACK_* names, HTTP and header
tokens, the redactor's cue words.

Seeds are named for what they hold.  Files named finding-* are inputs the
fuzzers found that crashed, leaked or tripped a check once (docs/fuzzing.md
lists them): they stay as regression seeds and are never rewritten.  Records over 20 KB are left out (the
fuzzer grows inputs itself), so the corpora stay small.  Deterministic:
running it again writes the same files.

Usage: tests/fuzz/make_corpus.py   (from anywhere; rewrites the corpora)
"""

import base64
import glob
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.dont_write_bytecode = True

import model  # noqa: E402

TYPES = ["participant_joined", "message", "authenticated", "call_ended",
         "profile_erasure_requested"]
TOPIC_TYPE = {"participant-joined": "participant_joined",
              "message": "message", "authenticated": "authenticated",
              "call-ended": "call_ended",
              "profile-erasure-requested": "profile_erasure_requested"}
MAX_SEED = 20000


class Corpus:
    def __init__(self, target):
        self.dir = os.path.join(HERE, "corpus", target)
        os.makedirs(self.dir, exist_ok=True)
        for f in os.listdir(self.dir):
            if not f.startswith("finding-"):  # the fuzzers' finds stay
                os.remove(os.path.join(self.dir, f))
        self.seen = set()

    def add(self, what, data):
        if isinstance(data, str):
            data = data.encode()
        if len(data) > MAX_SEED:
            return
        h = hashlib.sha1(data).hexdigest()
        if h in self.seen:
            return
        self.seen.add(h)
        slug = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")[:48]
        with open(os.path.join(self.dir, "%s-%s" % (slug, h[:8])), "wb") as f:
            f.write(data)


def dumps(d):
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def sample_records():
    with open(os.path.join(ROOT, "deploy/sample/events.jsonl")) as f:
        return [json.loads(l) for l in f if l.strip()]


def event_corpus():
    c = Corpus("fuzz_event")

    def add(etype, value, what):
        if value is None:
            value = b""
        if isinstance(value, str):
            value = value.encode()
        c.add(etype + " " + what, bytes([TYPES.index(etype)]) + value)

    for path in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/events/*.json"))):
        etype = os.path.basename(path)[:-5]
        add(etype, read(path), "fixture")
    by_type = {}
    for r in sample_records():
        etype = TOPIC_TYPE.get(r["topic"])
        if etype and by_type.get(etype, 0) < 6:
            by_type[etype] = by_type.get(etype, 0) + 1
            add(etype, r["value"], "sample")
    events = model.generate(17, n_sessions=4, n_devices=2, n_users=2)
    kinds = {}
    for ev in events:
        n = kinds.get(ev.etype, 0)
        if n < 4:
            kinds[ev.etype] = n + 1
            add(ev.etype, ev.value, "model")
    # a message with an offset, a sequence number, spoken digits
    b = model.make_event(
        "message", "0f8fad5b-d9cb-469f-a165-70867728950e",
        "7c9e6679-7425-40de-944b-e07fc1f90ae7", "2024-05-01T12:00:01.5+02:00",
        role="user", seq=0, message_id="6fa459ea-ee8a-3ca4-894e-db77e160355e",
        content="my card number is 4111 1111 1111 1111, pin 1234, "
                "email jo@example.com, call +263 77 123 4567")
    add("message", b.value, "pii")
    for i, (who, what) in enumerate(((None, "1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
                                     ("alice", None))):
        p = {"event_id": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5%d" % i,
             "event_type": "profile_erasure_requested", "schema_version": 1,
             "occurred_at": "2024-06-01T00:00:00Z",
             "requested_by": "dpo@bank", "reason": "GDPR art. 17"}
        if who:
            p["username"] = who
        if what:
            p["profile_id"] = what
        add("profile_erasure_requested", dumps(p), "erasure")
    # every dead-letter class of test_dead_letter.py
    import ctlib  # noqa: E402  (imports only; starts nothing)
    import test_dead_letter  # noqa: E402
    builder = ctlib.Builder(17, base_us=model.parse_ts("2024-03-01T08:00:00Z"))
    sessions = [builder.uuid() for _ in range(10)]
    for bad in test_dead_letter.invalid_records(builder, sessions):
        add(bad.etype, bad.value_bytes(), "dead letter " + bad.what)


def redact_corpus():
    c = Corpus("fuzz_redact")
    # options byte: bits 0-1 the redactor, bits 6-7 the path (see the target)
    with open(os.path.join(ROOT, "tests/fixtures/redact/pii_utterances.tsv")) as f:
        rows = [l.rstrip("\n").split("\t") for l in f if not l.startswith("#")]
    texts = [r[2] for r in rows if len(r) > 2]
    for i, t in enumerate(texts[:60]):
        c.add("text %d" % i, bytes([i & 3]) + t.encode())
    for i, t in enumerate(texts[60:120]):
        c.add("log %d" % i, bytes([0xC0 | (i & 3)]) + t.encode())
    for i, (prompt, answer) in enumerate((
            ("Please say your PIN.", "yes it's 4321"),
            ("What is your CVV?", "one two three"),
            ("Can you read me the one-time code we sent?", "884 210"),
            ("Please tell me your password", "Hunter2!"),
            ("What is your account number?", "0123 4567 890"),
            ("And your national ID number?", "63-123456 F 07"),
            ("Read me the card number please", "4111111111111111"))):
        c.add("reply %d" % i, bytes([0x40 | (i & 3)]) + (prompt + "\n" + answer).encode())
    for i, (pattern, text) in enumerate((
            ("DD_D{6,7}_L_DD", "my ID is 63-123456 F 07"),
            ("N{8,11}", "ID number 12345678"),
            ("LL_D{6,7}", "passport AB 1234567"),
            ("N{7,16}", "account number 0123 4567 890"),
            ("ZW\\D{2}A{4}", "iban ZW12ABCD"),
            ("D{4}-D{4}", "ref 1234-5678"))):
        for sel in (0, 3, 5):
            c.add("pattern %d" % i, bytes([0x80 | (sel << 2) | (i & 3)]) +
                  (pattern + "\n" + text).encode())
    for i, p in enumerate((
            dumps({"event_type": "message", "content": "card 4111 1111 1111 1111"}),
            dumps({"content": 4111111111111111, "email": "a@b.co"}),
            '{"event_id": "x", "event_type": "mess',
            "not json, but my pin is 1234")):
        c.add("payload %d" % i, bytes([0xC0 | (i & 3)]) + p.encode())


def analyze_corpus():
    c = Corpus("fuzz_analyze")
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/conversations/*.txt"))):
        call = {"turns": []}
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            m = re.match(r"# end_reason: (\S+)", line)
            if m and m.group(1) != "none":
                call["end_reason"] = m.group(1)
            m = re.match(r"(user|assistant|system): (.*)", line)
            if m:
                call["turns"].append({"role": m.group(1), "content": m.group(2)})
        call["duration_seconds"] = 10.0 + len(call["turns"])
        c.add("call " + os.path.basename(path)[:-4], b"\0" + dumps(call).encode() + b"\n")
    probes = [json.loads(l) for l in open(os.path.join(ROOT, "tests/fixtures/probes/probes.jsonl"))
              if l.strip()]
    texts = [p["text"] for p in probes if "text" in p][:30]
    for i in range(0, len(texts), 3):
        lines = "".join(dumps({"text": t}) + "\n" for t in texts[i:i + 3])
        c.add("classify %d" % i, b"\1" + lines.encode())
    for p in probes:
        if "turns" in p:
            call = {k: p[k] for k in ("end_reason", "duration_seconds") if k in p}
            call["turns"] = [{"role": r, "content": t} for r, t in p["turns"]]
            c.add("probe call " + p.get("id", ""), b"\0" + dumps(call).encode() + b"\n")
    for i, line in enumerate(("", "not json", "[]", '{"turns": "x"}',
                              '{"turns": [], "end_reason": "exploded"}',
                              '{"turns": [{"role": "robot", "content": "x"}]}',
                              '{"turns": [], "duration_seconds": -1}',
                              '{"turns": [{"role": "user", "content": "hi"}], '
                              '"end_reason": null, "duration_seconds": null}')):
        c.add("bad analyze %d" % i, b"\0" + line.encode() + b"\n")
        c.add("bad classify %d" % i, b"\1" + line.encode() + b"\n")


def config_corpus():
    c = Corpus("fuzz_config")
    files = [("deploy", read("deploy/convtrack.conf"))]
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/config/*"))):
        files.append((os.path.basename(path), open(path, "rb").read()))
    for name, text in files:
        c.add("file " + name, text)
    c.add("empty", b"")
    c.add("env only", b"\0KAFKA_BROKERS=localhost:9092\nPOSTGRES_CONNINFO="
          b"postgresql://u:secret@db/ct?sslmode=require\nLOG_LEVEL=debug\n")
    c.add("env props", b"kafka = { properties = ( { name = \"sasl.password\"; "
          b"value = \"pw\"; } ); };\0KAFKA_PROPERTIES_SASL_PASSWORD=\n"
          b"KAFKA_PROPERTIES_SECURITY_PROTOCOL=SASL_SSL\n")
    c.add("env numbered", b"\0#\x01100\n#\x05true\n#\x10x\n")
    c.add("conninfo keywords", b"postgres = { conninfo = \"host=db password='a b\\\\' c' "
          b"dbname=ct\"; };\n")
    c.add("bad types", b"batch = { max_events = \"many\"; };\nlog = { level = 3; };\n")


def ctkafka_corpus():
    c = Corpus("fuzz_ctkafka_input")
    recs = sample_records()
    for i in range(0, 12, 3):
        c.add("sample %d" % i, b"\0" + "".join(json.dumps(r) + "\n" for r in recs[i:i + 3]).encode())
    lines = [
        {"topic": "message", "key": "k", "value": {"a": [1, 2.5, True, None, {"b": "c"}]}},
        {"topic": "t", "key_b64": base64.b64encode(b"\xff\x00k").decode(),
         "value_b64": base64.b64encode(b"\xfe\xff").decode(), "partition": 2},
        {"topic": "t", "value": None, "headers": {"convtrack-error": "not_json",
                                                 "bin": {"b64": "AAEC"}}},
        {"topic": "t", "value": "v", "offset": 5, "headers": {}},
        {"topic": "t", "value": "v", "partition": -1},
    ]
    for i, l in enumerate(lines):
        c.add("record %d" % i, b"\1" + json.dumps(l).encode() + b"\n")
    for i, l in enumerate(('{"topic": 1, "value": "v"}', '{"value": "v"}',
                           '{"topic": "t"}', '{"topic": "t", "value": "v", "x": 1}',
                           '{"topic": "t", "value_b64": "!!"}', "[]", "\n\n  \n")):
        c.add("bad record %d" % i, b"\0" + l.encode() + b"\n")


def http_corpus():
    c = Corpus("fuzz_http")
    reqs = [
        (3, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        (3, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        (0, "GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        (1, "GET /readyz HTTP/1.0\r\n\r\n"),
        (2, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        (3, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"),
        (3, "PUT /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\n0\r\n\r\n"),
        (3, "GET /nope?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"),
        (3, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
        (3, "GET /metrics%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
        (3, "GET http://localhost/metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        (3, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"),
        (3, "GET /healthz\r\n\r\n"),
    ]
    for i, (flags, r) in enumerate(reqs):
        c.add("request %d" % i, bytes([flags]) + r.encode())


def serve_corpus():
    c = Corpus("fuzz_serve")
    key = "Authorization: Bearer fuzz-key\r\n"
    narrow = "Authorization: Bearer narrow-key\r\n"
    body = '{"texts": ["I lost my card", "send 50 to John", "hello"]}'
    reqs = [
        "GET /v1/callers/device%3Adev-1 HTTP/1.1\r\nHost: x\r\n" + key + "\r\n",
        "GET /v1/callers/phone%3A%2B263771234567 HTTP/1.1\r\nHost: x\r\n" + key
        + "If-None-Match: \"abc\"\r\n\r\n",
        "GET /v1/callers/email%3Aa%40b.co/calls?limit=2&cursor=00ff HTTP/1.1\r\n"
        "Host: x\r\n" + key + "\r\n",
        "GET /v1/callers/session%3A7c9e6679-7425-40de-944b-e07fc1f90ae7 HTTP/1.1\r\n"
        "Host: x\r\n" + key + "\r\n",
        "GET /v1/callers/username%3Acarol HTTP/1.1\r\nHost: x\r\n" + narrow + "\r\n",
        "GET /v1/callers/profile%3Azz HTTP/1.1\r\nHost: x\r\n" + key + "\r\n",
        "POST /v1/classify HTTP/1.1\r\nHost: x\r\n" + key
        + "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (len(body), body),
        "POST /v1/classify HTTP/1.1\r\nHost: x\r\n" + narrow
        + "Content-Length: 23\r\n\r\n{\"text\": \"my balance\"}",
        "POST /v1/classify HTTP/1.1\r\nHost: x\r\n" + key
        + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"tex\r\n0\r\n\r\n",
        "GET /v1/openapi.yaml HTTP/1.1\r\nHost: x\r\n" + narrow + "\r\n",
        "GET /v1/callers/device%3Ax HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /v1/callers/device%3Ax HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Bearer wrong\r\n\r\n",
        "DELETE /v1/classify HTTP/1.1\r\nHost: x\r\n" + key + "\r\n",
        "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\n"
        "Host: x\r\nRequest-Id: abc-1\r\n\r\n",
        "GET /metrics HTTP/1.0\r\n\r\n",
    ]
    for i, r in enumerate(reqs):
        c.add("request %d" % i, b"\0" + r.encode())
    for i, (ref, cursor) in enumerate((
            ("phone:0771234567", ""), ("email:A@B.CO", "00" * 56),
            ("session:7C9E6679-7425-40DE-944B-E07FC1F90AE7", "zz"),
            ("device:\u00e9t\u00e9", "0" * 112), ("fax:1", ""))):
        c.add("parsers %d" % i, b"\1" + ref.encode() + b"\0" + cursor.encode())


def llm_corpus():
    c = Corpus("fuzz_llm")
    good = {"summary": "The caller reported a stolen card.", "user_name": None,
            "primary_intent": "card_lost_stolen", "topics": ["card_blocked"],
            "sentiment": "neutral", "resolution_status": "resolved"}

    def body(content, refusal=None):
        return json.dumps({"choices": [{"message": {
            "role": "assistant", "content": content, "refusal": refusal}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5}}).encode()
    c.add("valid", body(json.dumps(good)))
    c.add("named", body(json.dumps(dict(good, user_name="Jo", topics=[]))))
    c.add("refusal", body(None, "I cannot help with that."))
    c.add("not json content", body("Here is the summary: lost card."))
    c.add("missing field", body(json.dumps({k: v for k, v in good.items()
                                            if k != "topics"})))
    c.add("unknown topic", body(json.dumps(dict(good, primary_intent="x"))))
    c.add("bad enum", body(json.dumps(dict(good, sentiment="happy"))))
    c.add("no choices", b'{"choices": []}')
    c.add("error", b'{"error": {"message": "overloaded"}}')


def dltool_corpus():
    c = Corpus("fuzz_dltool")
    reasons = ["not_json", "missing_field:session_id", "oversize_record",
               "future_timestamp:occurred_at", "db_rejected:23514",
               "message_id_conflict", "unknown_event_type:b?gus"]
    for i, reason in enumerate(reasons):
        hdrs = ("convtrack-error=%s\nconvtrack-source-topic=message\n"
                "convtrack-source-partition=%d\nconvtrack-source-offset=%d\n"
                "convtrack-redacted=%s" % (reason, i % 3, 7 * i,
                                           "true" if i % 2 else "false"))
        c.add("headers " + reason, bytes([i & 0x3f]) + hdrs.encode())
        c.add("filtered " + reason, bytes([1 | 2 | 4 | 8]) +
              (reason.split(":")[0] + "\n" + hdrs).encode())
    c.add("no headers", b"\0")
    c.add("odd numbers", b"\0convtrack-source-partition=-3\nconvtrack-source-offset="
          b"99999999999999999999999\nconvtrack-source-offset=12x\nconvtrack-error")


def dict_escape(t):
    out = []
    for ch in t.encode():
        if ch in (0x22, 0x5c) or ch < 0x20 or ch > 0x7e:
            out.append("\\x%02X" % ch)
        else:
            out.append(chr(ch))
    return '"' + "".join(out) + '"'


def write_dict(target, tokens):
    os.makedirs(os.path.join(HERE, "dict"), exist_ok=True)
    seen = []
    for t in tokens:
        if t and t not in seen:
            seen.append(t)
    with open(os.path.join(HERE, "dict", target + ".dict"), "w") as f:
        f.write("# %s: written by tests/fuzz/make_corpus.py\n" % target)
        for t in seen:
            f.write(dict_escape(t) + "\n")


JSON = ["{", "}", "[", "]", ":", ",", '""', "null", "true", "false", "0",
        "-1", "1e999", "-0", "1.5", "\\u0000", "\\ud800", "\\udc00",
        "\\ud83d\\ude00", "\\n", "\\\"", "\u00e9", "\U0001F600"]


def dictionaries():
    fields = sorted(set(re.findall(r'"([a-z_]+)"', read("src/core/event_json.c").decode())))
    event = JSON + ['"%s":' % f for f in fields] + ['"%s"' % t for t in TYPES] + [
        '"user"', '"assistant"', '"system"', '"tool"', '"hangup"', '"timeout"',
        '"error"', '"transfer"', '"2024-05-01T12:00:01Z"', "+02:00", ".123456",
        '"7c9e6679-7425-40de-944b-e07fc1f90ae7"', "9223372036854775807",
        "+263771234567", "a@b.co", "4111 1111 1111 1111", "pin", "card number"]
    write_dict("fuzz_event", event)
    write_dict("fuzz_analyze", JSON + [
        '"turns":', '"role":', '"content":', '"text":', '"end_reason":',
        '"duration_seconds":', '"user"', '"assistant"', '"system"', '"tool"',
        '"hangup"', '"timeout"', '"error"', '"transfer"', '"stale"', "\n",
        "thank you", "block my card", "balance", "not working", "agent"])
    table = read("src/ops/config_table.c").decode()
    keys = re.findall(r'(?:CT_CFG_[A-Z]+\(|\{ )"([a-z_]+\.[a-z_]+)"', table)
    cfg = []
    for k in keys:
        section, key = k.split(".")
        cfg += [section, key, "%s = " % key,
                k.upper().replace(".", "_") + "="]
    cfg += ["{", "};", "( ", ");", "= ", ";", '"', "true", "false", "0x", "L",
            "properties = ( { name = \"", "\"; value = \"", "\"; } );",
            "KAFKA_PROPERTIES_", "SASL_PASSWORD=", "SECURITY_PROTOCOL=",
            "password=", "postgresql://u:p@h/db", "#", "\x00", "\n", "/*", "*/",
            "//", "[", "]", "1e9", "2147483648", "-1"]
    write_dict("fuzz_config", cfg)
    write_dict("fuzz_ctkafka_input", JSON + [
        '"topic":', '"key":', '"key_b64":', '"value":', '"value_b64":',
        '"headers":', '"partition":', '"offset":', '{"b64":', '"AAEC"', "\n"])
    write_dict("fuzz_http", [
        "GET ", "HEAD ", "POST ", "PUT ", "/metrics", "/healthz", "/readyz",
        " HTTP/1.1\r\n", " HTTP/1.0\r\n", "\r\n", "\r\n\r\n", "Host: ",
        "Connection: close", "Connection: keep-alive", "Content-Length: ",
        "Transfer-Encoding: chunked", "Expect: 100-continue", "?", "%00", "%2F",
        "0\r\n\r\n", ": "])
    write_dict("fuzz_serve", [
        "GET ", "HEAD ", "POST ", "/v1/callers/", "/calls", "/v1/classify",
        "/v1/openapi.yaml", "/readyz", "/healthz", "/metrics", " HTTP/1.1\r\n",
        "\r\n", "Authorization: Bearer fuzz-key\r\n",
        "Authorization: Bearer narrow-key\r\n", "If-None-Match: ",
        "Content-Length: ", "Transfer-Encoding: chunked", "Request-Id: ",
        "device%3A", "username%3A", "phone%3A", "email%3A", "profile%3A",
        "session%3A", "%2B263", "%40", "%2F", "%00", "?limit=", "&cursor=",
        '{"text": "', '{"texts": ["', '"]}', '"}'] + JSON)
    write_dict("fuzz_llm", JSON + [
        '"choices":', '"message":', '"content":', '"refusal":', '"usage":',
        '"prompt_tokens":', '"summary":', '"user_name":', '"primary_intent":',
        '"topics":', '"sentiment":', '"resolution_status":', '"positive"',
        '"neutral"', '"negative"', '"resolved"', '"escalated"', '"incomplete"',
        '"card_lost_stolen"', '"pin"', '\\"'])
    write_dict("fuzz_dltool", [
        "convtrack-error=", "convtrack-source-topic=", "convtrack-source-partition=",
        "convtrack-source-offset=", "convtrack-redacted=", "true", "false", "\n",
        "-1", "9223372036854775807", "18446744073709551616", "not_json",
        "missing_field:", "oversize_record"])
    write_dict("fuzz_redact", [
        "pin", "PIN is ", "cvv", "security code", "one-time code", "OTP",
        "password", "passcode", "account number", "acc no", "a/c", "ID number",
        "national ID", "passport", "is my account", "iban", "@", ".com",
        "+263", "0771234567", "4111 1111 1111 1111", "zero", "one", "two",
        "three", "four", "five", "six", "seven", "eight", "nine", "oh", "double",
        "D", "N", "L", "A", "_", "{", "}", "{8,11}", "\\", "\n", "\u00a0",
        "\u200b", "\uff11", '{"content":"', '"}'])


def main():
    dictionaries()
    event_corpus()
    redact_corpus()
    analyze_corpus()
    config_corpus()
    ctkafka_corpus()
    http_corpus()
    serve_corpus()
    llm_corpus()
    dltool_corpus()
    total = 0
    for d in sorted(glob.glob(os.path.join(HERE, "corpus", "*"))):
        files = os.listdir(d)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in files)
        total += size
        print("%-20s %4d seeds %7d bytes" % (os.path.basename(d), len(files), size))
    print("%-20s %19d bytes" % ("all", total))


if __name__ == "__main__":
    main()
