#!/usr/bin/env python3
"""convtrack analyze --summarizer llm (issue 20) against a small
OpenAI-compatible server of the tests' own (tests/llm_server.py) that can
answer well and fail in every way: the six fields come from the model when
it answers well, and every failure (invalid JSON, a schema violation, an
unknown topic, a refusal, 429 after the retries, 500, a hang beyond the
timeout, a refused connection) keeps the rules' summary and says why; a
429 with Retry-After is retried after it; the key travels in the header
asked for; no card number, PIN, OTP or CVV reaches the server, phone
numbers and emails only without mask_contacts; an over-long conversation
is cut to its end.

Usage: test_llm_analyze.py BIN_DIR"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "convtrack")
failed = []
passed = [0]


def check(cond, what):
    if cond:
        passed[0] += 1
    else:
        failed.append(what)
        print("FAIL: " + what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(marker="", extra=None):
    user = "My card was stolen, please block it. " + marker
    turns = [{"role": "user", "content": user.strip()},
             {"role": "assistant", "content": "I have blocked your card."}]
    return {"turns": turns + (extra or []), "end_reason": "hangup"}


def analyze(port, calls, env=None, timeout=120):
    e = {"PATH": os.environ.get("PATH", ""),
         "CONVTRACK_SUMMARY_LLM_ENDPOINT": "http://127.0.0.1:%d/v1" % port,
         "CONVTRACK_SUMMARY_LLM_MODEL": "mock-model",
         "CONVTRACK_SUMMARY_LLM_TIMEOUT_MS": "1500",
         "CONVTRACK_SUMMARY_LLM_MAX_RETRIES": "1",
         "CONVTRACK_LOG_LEVEL": "warn"}
    e.update(env or {})
    data = "".join(json.dumps(c) + "\n" for c in calls).encode()
    t0 = time.time()
    p = subprocess.run([BIN, "analyze", "--summarizer", "llm"], input=data,
                       capture_output=True, env=e, timeout=timeout)
    took = time.time() - t0
    check(p.returncode == 0, "analyze exit %d: %s" % (p.returncode,
                                                       p.stderr.decode()[-500:]))
    return [json.loads(l) for l in p.stdout.decode().splitlines()], took


def records(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f]


def main():
    tmp = tempfile.mkdtemp(prefix="ct-llm-")
    record = os.path.join(tmp, "requests.jsonl")
    keyfile = os.path.join(tmp, "key")
    with open(keyfile, "w") as f:
        f.write("sk-test-0123456789\n")
    port = free_port()
    srv = subprocess.Popen([sys.executable, os.path.join(HERE, "..",
                                                         "llm_server.py"),
                            str(port), record])
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/count" % port,
                                       timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        run_cases(port, record, keyfile)
    finally:
        srv.terminate()
        srv.wait()
    print("%d checks passed, %d failed" % (passed[0], len(failed)))
    sys.exit(1 if failed else 0)


def run_cases(port, record, keyfile):
    # the model answers well: its six fields, the rules' counts
    out, _ = analyze(port, [call()], {
        "CONVTRACK_SUMMARY_LLM_API_KEY_FILE": keyfile})
    o = out[0]
    check(o.get("summarizer") == "llm:mock-model", "summarizer %r" % o)
    check(o["summary"].startswith("The caller reported a stolen card"),
          "summary from the model: %r" % o["summary"])
    check(o["resolution_status"] == "resolved" and o["sentiment"] == "neutral",
          "labels from the model: %r" % o)
    check(o["topics"] == ["card_lost_stolen", "card_blocked"] or
          sorted(o["topics"]) == ["card_blocked", "card_lost_stolen"],
          "topics from the model: %r" % o["topics"])
    check(o["extracted_info"].get("primary_intent") == "card_lost_stolen",
          "primary_intent: %r" % o["extracted_info"])
    check(o["message_count"] == 2 and "llm_fallback" not in o,
          "counts stay the rules': %r" % o)
    req = records(record)[-1]
    check(req["path"] == "/v1/chat/completions", "path %r" % req["path"])
    check(req["headers"].get("authorization") == "Bearer sk-test-0123456789",
          "bearer key: %r" % req["headers"].get("authorization"))
    body = req["body"]
    check(body["model"] == "mock-model" and
          body["response_format"]["type"] == "json_schema",
          "request: %r" % {k: body[k] for k in body if k != "messages"})
    schema = body["response_format"]["json_schema"]["schema"]
    check(sorted(schema["required"]) == sorted(
        ["summary", "user_name", "primary_intent", "topics", "sentiment",
         "resolution_status"]) and schema["additionalProperties"] is False,
          "schema asks for exactly the six fields: %r" % schema)
    roles = [m["role"] for m in body["messages"]]
    check(roles == ["system", "user"], "messages %r" % roles)
    check("card_lost_stolen" in body["messages"][0]["content"],
          "the prompt lists the topic ids")
    check("user: My card was stolen" in body["messages"][1]["content"] and
          "assistant: I have blocked" in body["messages"][1]["content"],
          "role-tagged lines: %r" % body["messages"][1]["content"])

    # Azure's header
    analyze(port, [call()], {"CONVTRACK_SUMMARY_LLM_API_KEY_FILE": keyfile,
                             "CONVTRACK_SUMMARY_LLM_API_KEY_HEADER": "api-key"})
    h = records(record)[-1]["headers"]
    check(h.get("api-key") == "sk-test-0123456789" and "authorization" not in h,
          "api-key header: %r" % h)

    # every failure keeps the rules' summary and says why
    rules_out, _ = analyze(port, [call("MOCK:schema")])
    for marker, reason in (("MOCK:invalid_json", "invalid_json"),
                           ("MOCK:schema", "schema"),
                           ("MOCK:unknown_topic", "unknown_topic"),
                           ("MOCK:refusal", "model_refusal"),
                           ("MOCK:rate_limited", "rate_limited"),
                           ("MOCK:server_error", "server_error")):
        n0 = len(records(record))
        out, _ = analyze(port, [call(marker)])
        o = out[0]
        check(o.get("llm_fallback") == reason, "%s: fallback %r" % (marker, o))
        check(o.get("summarizer", "").startswith("rules-"),
              "%s: summarizer %r" % (marker, o.get("summarizer")))
        check(not o["summary"].startswith("The caller reported"),
              "%s: summary is the rules' %r" % (marker, o["summary"]))
        want = 2 if reason in ("rate_limited", "server_error") else 1
        check(len(records(record)) - n0 == want,
              "%s: %d requests, want %d" % (marker, len(records(record)) - n0,
                                            want))
    check(rules_out[0]["resolution_status"] in ("resolved", "escalated",
                                                 "incomplete"), "rules' labels")

    # 429 with Retry-After: 1, then an answer: used, after the wait
    n0 = len(records(record))
    out, _ = analyze(port, [call("MOCK:rate_once")])
    recs = records(record)[n0:]
    check(out[0].get("summarizer") == "llm:mock-model" and len(recs) == 2,
          "rate_once: %r, %d requests" % (out[0].get("summarizer"), len(recs)))
    if len(recs) == 2:
        check(recs[1]["at"] - recs[0]["at"] >= 0.9,
              "Retry-After honoured: %.2f s" % (recs[1]["at"] - recs[0]["at"]))

    # a hang: each attempt times out (1.5 s), then the rules
    out, took = analyze(port, [call("MOCK:hang")])
    check(out[0].get("llm_fallback") == "timeout", "hang: %r" % out[0])
    check(2.5 <= took < 12, "hang: two attempts of 1.5 s took %.1f s" % took)

    # a refused connection
    out, _ = analyze(free_port(), [call()])
    check(out[0].get("llm_fallback") == "refused", "refused: %r" % out[0])

    # redaction: payment data never, contacts only without mask_contacts
    secret = [{"role": "user", "content": "My card number is 4111 1111 1111 "
               "1111, my PIN is 4821 and the code you sent is 739201."},
              {"role": "assistant", "content": "What is the CVV?"},
              {"role": "user", "content": "The CVV is 613. Call me on "
               "+263 77 123 4567 or mail jo@example.com"}]
    for mask in ("false", "true"):
        analyze(port, [call(extra=secret)],
                {"CONVTRACK_SUMMARY_LLM_MASK_CONTACTS": mask})
        sent = records(record)[-1]["body"]["messages"][1]["content"]
        for value in ("4111", "4821", "739201", "613"):
            check(value not in sent, "mask %s: %s sent: %r" % (mask, value, sent))
        check(("jo@example.com" in sent) == (mask == "false"),
              "mask_contacts %s, email: %r" % (mask, sent))
        check(("123 4567" in sent) == (mask == "false"),
              "mask_contacts %s, phone: %r" % (mask, sent))

    # over max_input_chars: the end of the conversation is kept
    long_call = call(extra=[{"role": "user", "content": "blah " * 400},
                            {"role": "user", "content": "THE END"}])
    analyze(port, [long_call], {"CONVTRACK_SUMMARY_LLM_MAX_INPUT_CHARS": "300"})
    sent = records(record)[-1]["body"]["messages"][1]["content"]
    check(len(sent) <= 300 and sent.rstrip().endswith("THE END"),
          "cut to its end: %d chars, %r" % (len(sent), sent[-40:]))

    # no endpoint: a usage error, nothing asked
    p = subprocess.run([BIN, "analyze", "--summarizer", "llm"], input=b"",
                       capture_output=True, env={"PATH": os.environ.get("PATH", "")})
    check(p.returncode == 2 and b"summary.llm.endpoint" in p.stderr,
          "no endpoint: %d %r" % (p.returncode, p.stderr))


if __name__ == "__main__":
    main()
