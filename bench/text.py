#!/usr/bin/env python3
"""bench/text.py: speed of the text path on one core (issue 16).

Measures `convtrack classify` (utterances/s: banking score and flag, topic,
topics, sentiment score) and `convtrack analyze` (calls/s: the whole
summarizer) side by side in one run, each pinned to one core with taskset,
over inputs built from the shipped data: CLINC150's validation and
out-of-scope texts (data/clinc150) for classify, STC-3's helpdesk dialogues
(data/stc3_helpdesk) for analyze.  Each input is repeated until a run lasts
a few seconds; the best of --runs runs is reported with the target.

    bench/text.py [--build DIR] [--runs N] [--seconds S]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def classify_input():
    d = json.load(open(os.path.join(ROOT, "data/clinc150/data_train_val.json")))
    texts = [t for t, _ in d["val"]] + [t for t, _ in d["oos_val"]]
    return [json.dumps({"text": t}) for t in texts]


def analyze_input():
    d = json.load(open(os.path.join(ROOT, "data/stc3_helpdesk/dialogues_dev.json")))
    lines = []
    for dlg in d:
        turns = [{"role": "user" if t["sender"] == "customer" else "assistant",
                  "content": " ".join(t["utterances"])} for t in dlg["turns"]]
        lines.append(json.dumps({"turns": turns, "end_reason": "hangup"}))
    return lines


def measure(binary, cmd, lines, seconds, runs):
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    # repeat the input until one run takes about `seconds`
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        probe = f.name
    t0 = time.perf_counter()
    with open(probe, "rb") as inp:
        subprocess.run(pin + [binary, cmd], stdin=inp, stdout=subprocess.DEVNULL,
                       check=True)
    once = max(time.perf_counter() - t0, 1e-3)
    reps = max(1, int(seconds / once))
    with open(probe, "a") as f:
        for _ in range(reps - 1):
            f.write("\n".join(lines) + "\n")
    n = len(lines) * reps
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        with open(probe, "rb") as inp:
            p = subprocess.run(pin + [binary, cmd], stdin=inp,
                               stdout=subprocess.PIPE, check=True)
        dt = time.perf_counter() - t0
        if p.stdout.count(b"\n") != n:
            sys.exit("%s: %d lines out for %d in" % (cmd, p.stdout.count(b"\n"), n))
        rate = n / dt
        best = rate if best is None or rate > best else best
    os.unlink(probe)
    return n, best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    binary = os.path.join(a.build, "convtrack")
    if not os.access(binary, os.X_OK):
        sys.exit("bench/text.py: %s is not built (bench/run.sh builds it, or "
                 "pass --build)" % binary)
    rows = []
    n, rate = measure(binary, "classify", classify_input(), a.seconds, a.runs)
    rows.append(("classify, one core (utterances/s)", rate, 50000,
                 "%d CLINC150 val + oos texts" % n))
    n, rate = measure(binary, "analyze", analyze_input(), a.seconds, a.runs)
    rows.append(("analyze, one core (calls/s)", rate, 2000,
                 "%d STC-3 dialogues" % n))
    print("# convtrack text path (best of %d runs, pinned to one core)\n" % a.runs)
    print("| figure | value | target | | input |")
    print("|---|---|---|---|---|")
    for name, rate, target, what in rows:
        print("| %s | %s | >= %s | %s | %s |" % (
            name, format(int(rate), ","), format(target, ","),
            "ok" if rate >= target else "MISSED", what))


if __name__ == "__main__":
    main()
