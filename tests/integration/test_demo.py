#!/usr/bin/env python3
"""scripts/demo.sh --keep hands over a ready shell: it runs the worker on
the bundled sample with servers of its own, prints the operator commands
to try, and those commands, pasted into a new shell (no convtrack or libpq
variables of ours), work: the profile shows its username, its summaries
are a JSON array with topics as arrays, the report prints.  Ctrl-C then
stops everything it started."""

import json
import os
import signal
import subprocess
import time

import ctlib
from ctlib import TestFailure

ROOT = os.environ.get("CT_SOURCE_DIR", os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


def clean_env():
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    return {k: v for k, v in os.environ.items() if k in keep}


def test_demo():
    env = clean_env()
    env["CT_BIN_DIR"] = ctlib.env()["CT_BIN_DIR"]
    # other tests' workers may hold the default metrics port meanwhile
    env["CONVTRACK_HTTP_PORT"] = "0"
    demo = subprocess.Popen(["bash", os.path.join(ROOT, "scripts", "demo.sh"),
                             "--keep"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    out = []
    hints = None
    try:
        deadline = time.time() + 300
        for raw in demo.stdout:
            line = raw.decode(errors="replace")
            out.append(line)
            if line.startswith("demo ready: "):
                hints = line[len("demo ready: "):].strip()
                break
            if time.time() > deadline:
                break
        if not hints:
            raise TestFailure("demo did not get ready:\n" + "".join(out[-40:]))
        text = "".join(out)
        if "Operator commands, in a new shell:" not in text:
            raise TestFailure("demo printed no operator commands")
        lines = open(hints).read().splitlines()
        if len(lines) != 4 or not lines[0].startswith(". "):
            raise TestFailure("hints %r" % lines)
        for cmd in lines[1:]:
            if ("    " + cmd) not in text:
                raise TestFailure("hint %r was not printed" % cmd)
        # each hint, pasted into a new shell after sourcing the env file
        results = []
        for cmd in lines[1:]:
            p = subprocess.run(["bash", "-c", lines[0] + " && " + cmd],
                               env=clean_env(), capture_output=True,
                               timeout=120)
            if p.returncode != 0:
                raise TestFailure("%r: exit %d\n%s%s" % (
                    cmd, p.returncode, p.stdout.decode(), p.stderr.decode()))
            results.append(p.stdout.decode())
        user = lines[1].split()[-1]
        if user not in results[0] or "Latest summaries" not in results[0]:
            raise TestFailure("profile show:\n" + results[0])
        sums = json.loads(results[1])
        if not sums or not all(isinstance(s["topics"], list) for s in sums):
            raise TestFailure("summaries: %r" % sums)
        if "Headline figures" not in results[2]:
            raise TestFailure("report:\n" + results[2])
        # the env file also serves commands that need Kafka
        p = subprocess.run(["bash", "-c", lines[0] + " && " +
                            lines[1].split()[0] + " dead-letter list --json"],
                           env=clean_env(), capture_output=True, timeout=120)
        if p.returncode != 0 or not isinstance(json.loads(p.stdout), list):
            raise TestFailure("dead-letter list from the env file: exit %d %s"
                              % (p.returncode, p.stderr.decode()))
        envdir = os.path.dirname(hints)
    finally:
        try:
            os.killpg(demo.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
        try:
            demo.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
    if os.path.exists(envdir):
        raise TestFailure("Ctrl-C left %s behind" % envdir)
    ctlib.log("demo hints ran: %s" % ", ".join(l.split()[1] for l in lines[1:]))


if __name__ == "__main__":
    ctlib.main([test_demo])
