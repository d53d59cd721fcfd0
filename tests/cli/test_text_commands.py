#!/usr/bin/env python3
"""convtrack classify and convtrack analyze (issue 16): the worker's text
path over JSON lines.  One output line per input line, in order; a bad
line gets {"error": ...} in its place and the exit code is 1 at the end,
nothing else is skipped; a line longer than the limit is answered with an
error and the stream goes on; memory stays bounded over a long stream;
analyze gives the design notes' example call exactly its summary.

Usage: test_text_commands.py BIN_DIR"""

import json
import os
import resource
import subprocess
import sys
import tempfile

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "convtrack")
failed = []
passed = [0]


def check(cond, what):
    if cond:
        passed[0] += 1
    else:
        failed.append(what)
        print("FAIL: " + what)


def run(cmd, lines, want_rc):
    data = "".join(l + "\n" for l in lines).encode()
    p = subprocess.run([BIN, cmd], input=data, capture_output=True,
                       env={"PATH": os.environ.get("PATH", "")}, timeout=300)
    check(p.returncode == want_rc, "%s: exit %d, want %d (%s)" % (
        cmd, p.returncode, want_rc, p.stderr.decode()[-300:]))
    out = [json.loads(l) for l in p.stdout.decode().splitlines()]
    check(len(out) == len(lines), "%s: %d lines out for %d in" % (
        cmd, len(out), len(lines)))
    return out


def test_classify():
    lines = [json.dumps({"text": "I lost my card, please block it"}),
             "not json",
             json.dumps({"text": "how is the weather today"}),
             json.dumps({"txt": "no text field"}),
             json.dumps(["an array"]),
             json.dumps({"text": "What is my account balance?"})]
    out = run("classify", lines, 1)
    if len(out) != len(lines):
        return
    for i in (1, 3, 4):
        check(set(out[i]) == {"error"}, "classify line %d: %r" % (i, out[i]))
    for i in (0, 2, 5):
        o = out[i]
        check(set(o) == {"banking", "banking_score", "topic", "topics",
                         "sentiment_score"}, "classify keys %r" % o)
        check(isinstance(o["banking"], bool) and 0 <= o["banking_score"] <= 1,
              "banking %r" % o)
        check(-1 <= o["sentiment_score"] <= 1, "sentiment %r" % o)
        check(isinstance(o["topics"], list) and
              (o["topic"] is None or isinstance(o["topic"], str)), "topics %r" % o)
    check(out[0]["banking"] and out[0]["topic"] == "card_lost_stolen",
          "lost card: %r" % out[0])
    check(not out[2]["banking"] and out[2]["topic"] is None,
          "weather: %r" % out[2])
    check(out[5]["banking"], "balance: %r" % out[5])


def test_analyze():
    example = {"turns": [
        {"role": "user", "content": "Hi, my name is Sarah. How do I "
         "withdraw money without my card?"},
        {"role": "assistant", "content": "You can use cardless withdrawal: "
         "dial *236# and follow the prompts."},
        {"role": "user", "content": "Thank you, that worked!"}],
        "end_reason": "hangup", "duration_seconds": 42.5}
    lines = [json.dumps(example),
             json.dumps({"turns": [{"role": "robot", "content": "x"}]}),
             json.dumps({"turns": [], "end_reason": "exploded"}),
             json.dumps({"turns": "nope"}),
             json.dumps({"turns": [{"role": "user", "content": "hello"}],
                         "end_reason": None})]
    out = run("analyze", lines, 1)
    if len(out) != len(lines):
        return
    o = out[0]
    check(o.get("summary") == "User inquired about cardless withdrawal. "
          "Provided USSD code *236# and instructions. User thanked agent. "
          "Query resolved.", "example summary %r" % o.get("summary"))
    check(o.get("extracted_info", {}).get("user_name") == "Sarah" and
          o["extracted_info"].get("primary_intent") == "cardless_withdrawal",
          "example extracted_info %r" % o.get("extracted_info"))
    check(o.get("message_count") == 3 and o.get("duration_seconds") == 42.5 and
          o.get("topics") == ["cardless_withdrawal"] and
          o.get("resolution_status") == "resolved", "example %r" % o)
    check(o.get("sentiment") in ("positive", "neutral", "negative") and
          -1 <= o.get("sentiment_score", 9) <= 1 and
          o.get("summarizer", "").startswith("rules-"), "example %r" % o)
    ev = o.get("extracted_info", {}).get("evidence", {})
    check(ev.get("sentiment", {}).get("score") == o.get("sentiment_score") and
          ev.get("resolution") in ("model", "confirmed", "done") and
          ev.get("intent", {}).get("turn") == 0 and
          ev["intent"].get("by") == "rules", "example evidence %r" % ev)
    for i in (1, 2, 3):
        check(set(out[i]) == {"error"}, "analyze line %d: %r" % (i, out[i]))
    check("summary" in out[4] and "duration_seconds" not in out[4],
          "no duration given: %r" % out[4])


def test_empty_lines():
    """An empty line is a bad line like any other, first or not (found by
    tests/fuzz/fuzz_analyze: an empty first line crashed both commands)."""
    for cmd, good in (("classify", {"text": "hello"}),
                      ("analyze", {"turns": [{"role": "user",
                                              "content": "hello"}]})):
        out = run(cmd, ["", json.dumps(good), ""], 1)
        if len(out) == 3:
            check(out[0] == {"error": "not one JSON document"} and
                  out[2] == out[0] and "error" not in out[1],
                  "%s over empty lines: %r" % (cmd, out))


def peak_rss_mib(data):
    """Runs classify over data; returns (exit code, stdout, peak RSS MiB) of
    that process alone (os.wait4).  Under AddressSanitizer its quarantine
    of freed memory is switched off, so that RSS shows what the program
    keeps."""
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
    with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as fout:
        fin.write(data.encode())
        fin.seek(0)
        p = subprocess.Popen([BIN, "classify"], stdin=fin, stdout=fout,
                             stderr=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        fout.seek(0)
        out = fout.read()
    return p.returncode, out, ru.ru_maxrss / 1024


def test_long_stream():
    """A line over the limit is answered with an error; memory does not
    grow with the input: the peak over a long stream stays within a few
    MiB of the peak over a short one."""
    big = json.dumps({"text": "x" * (5 * 1024 * 1024)})
    small = json.dumps({"text": "please send 200 dollars to my savings"})
    n = 60000
    _, _, base = peak_rss_mib((small + "\n") * 100)
    data = (small + "\n") * n + big + "\n" + small + "\n"
    rc, out, peak = peak_rss_mib(data)
    got = out.decode().splitlines()
    check(rc == 1, "long stream exit %d" % rc)
    check(len(got) == n + 2, "long stream: %d lines out" % len(got))
    if len(got) == n + 2:
        check(json.loads(got[n]) == {"error": "line too long"},
              "the long line: %r" % got[n][:100])
        check("banking" in json.loads(got[n + 1]), "after the long line")
    # the line buffer may reach CT_CLI_TEXT_LINE_MAX (4 MiB) on the way
    check(peak - base < 24, "peak RSS %.1f MiB over %d MB of input, %.1f MiB "
          "over 100 lines" % (peak, len(data) // 1000000, base))
    print("long stream: %d lines, %.1f MB in, peak RSS %.1f MiB (100 lines: "
          "%.1f MiB)" % (n + 2, len(data) / 1e6, peak, base))


if __name__ == "__main__":
    test_classify()
    test_analyze()
    test_empty_lines()
    test_long_stream()
    print("%d passed, %d failed" % (passed[0], len(failed)))
    sys.exit(1 if failed else 0)
