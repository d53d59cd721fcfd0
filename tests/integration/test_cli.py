#!/usr/bin/env python3
"""Operator CLI against the real database: convtrack profile show,
summaries and merge print what is stored, in text and JSON, and exit with
the documented codes (0 ok, 1 not found or refused, 2 usage, 3 database
unreachable)."""

import json
import time
import uuid

import ctlib
from ctlib import TestFailure
import model

NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")


def cli(c, *args, want_rc=0, env=None):
    extra = c.worker_env()
    if env:
        extra.update(env)
    p = ctlib.run([ctlib.bin_path("convtrack")] + list(args), extra_env=extra,
                  check=False)
    if p.returncode != want_rc:
        raise TestFailure("convtrack %s: exit %d, want %d\n%s%s" % (
            " ".join(args), p.returncode, want_rc, p.stdout.decode(),
            p.stderr.decode()))
    return p.stdout.decode(), p.stderr.decode()


def test_cli():
    b = ctlib.Builder(811)
    s1, s2, s3 = b.uuid(), b.uuid(), b.uuid()
    evs = [b.join(s1, 0, anonymous_id="dev-cli-1"),
           b.msg(s1, 1, "How do I check my balance?", seq=0),
           b.end(s1, 2, reason="hangup"),
           b.join(s2, 10, anonymous_id="dev-cli-1"),
           b.auth(s2, 11, "rudo.cli", phone="+263770000001"),
           b.msg(s2, 12, "I lost my card, please block it.", seq=0),
           b.end(s2, 13, reason="hangup"),
           b.join(s3, 20, anonymous_id="dev-cli-2"),
           b.msg(s3, 21, "What are your opening hours?", seq=0),
           b.end(s3, 22, reason="hangup")]
    user_id = str(uuid.uuid5(NS, "convtrack:user:rudo.cli"))
    dev1 = str(uuid.uuid5(NS, "convtrack:anonymous:dev-cli-1"))
    dev2 = str(uuid.uuid5(NS, "convtrack:anonymous:dev-cli-2"))
    with ctlib.case("cli") as c:
        c.start_worker({"CONVTRACK_SUMMARY_GRACE_MS": "200"})
        c.produce(evs)
        c.wait_caught_up(60)
        deadline = time.time() + 60
        while ctlib.psql(c.db, "SELECT count(*) FROM conversation_summaries"
                         ).strip() != "3":
            if time.time() > deadline:
                raise TestFailure("summaries did not appear")
            time.sleep(0.3)

        out, _ = cli(c, "profile", "show", "--username", "rudo.cli")
        for want in ("rudo.cli", "+263770000001", "dev-cli-1",
                     "Latest summaries", "Sessions"):
            if want not in out:
                raise TestFailure("profile show lacks %r:\n%s" % (want, out))
        out, _ = cli(c, "profile", "show", "--username", "rudo.cli", "--json")
        doc = json.loads(out)
        if doc["profile"]["id"] != user_id or doc["profile"]["total_sessions"] != 2:
            raise TestFailure("profile %r" % doc["profile"])
        if [m["anonymous_id"] for m in doc["merged_from"]] != ["dev-cli-1"]:
            raise TestFailure("merged_from %r" % doc["merged_from"])
        if {s["session_id"] for s in doc["sessions"]} != {s1, s2}:
            raise TestFailure("sessions %r" % doc["sessions"])
        if len(doc["summaries"]) != 2 or not doc["summaries"][0]["summary"]:
            raise TestFailure("summaries %r" % doc["summaries"])

        out, _ = cli(c, "profile", "show", "--anonymous-id", "dev-cli-1", "--json")
        doc = json.loads(out)
        if doc["profile"]["merged_into_profile_id"] != user_id:
            raise TestFailure("anonymous profile %r" % doc["profile"])
        out, _ = cli(c, "summaries", "--profile", user_id, "--limit", "1",
                     "--json")
        if len(json.loads(out)) != 1:
            raise TestFailure("--limit 1 gave %s" % out)

        _, err = cli(c, "profile", "show", "--username", "nobody", want_rc=1)
        if "no profile" not in err:
            raise TestFailure("unknown username message %r" % err)
        cli(c, "profile", "show", "--id", str(uuid.uuid4()), want_rc=1)
        cli(c, "profile", "show", "--id", "not-a-uuid", want_rc=2)
        cli(c, "profile", "show", want_rc=2)
        cli(c, "summaries", "--profile", str(uuid.uuid4()), want_rc=1)

        # merge: refused the wrong way round, recorded as an override
        _, err = cli(c, "merge", user_id, dev2, want_rc=1)
        if "not an anonymous profile" not in err:
            raise TestFailure("refused merge message %r" % err)
        out, _ = cli(c, "merge", dev2, user_id)
        doc = json.loads(cli(c, "profile", "show", "--id", user_id, "--json")[0])
        merged = {m["anonymous_id"]: m["by_operator"] for m in doc["merged_from"]}
        if merged != {"dev-cli-1": False, "dev-cli-2": True}:
            raise TestFailure("after merge: %r" % merged)
        if doc["profile"]["total_sessions"] != 3:
            raise TestFailure("stats after merge %r" % doc["profile"])
        cli(c, "merge", dev2, "x", want_rc=2)

        # report: the analytics views' headline and tables
        rep = json.loads(cli(c, "report", "--json")[0])
        h = rep["headline"]
        if (h["period"], h["sessions"], h["summarized_sessions"], h["users"]) != (
                "all time", 3, 3, 1):
            raise TestFailure("report headline %r" % h)
        if {e["profile_type"]: e["users"] for e in rep["engagement"]} != {
                "authenticated": 1, "anonymous": 0}:
            raise TestFailure("report engagement %r" % rep["engagement"])
        if not any(t["topic"] == "balance" for t in rep["topics"]):
            raise TestFailure("report topics %r" % rep["topics"])
        out, _ = cli(c, "report")
        for want in ("Headline figures", "Outcomes by topic", "By day (UTC)"):
            if want not in out:
                raise TestFailure("report text lacks %r" % want)
        later = json.loads(cli(c, "report", "--since", "2999-01-01", "--json")[0])
        if later["headline"]["period"] != "since 2999-01-01" or later["daily"]:
            raise TestFailure("report --since: %r" % later)
        cli(c, "report", "--since", "yesterday", want_rc=2)

        # dead-letter list and replay (Kafka only)
        c.produce([model.Event("message", None, key=s1, value="not json")])
        c.wait_caught_up(60)
        out, _ = cli(c, "dead-letter", "list", "--json")
        dead = json.loads(out)
        if [(d["reason"], d["payload"], d["source_topic"]) for d in dead] != [
                ("not_json", "not json", c.topics["message"])]:
            raise TestFailure("dead-letter list: %r" % dead)
        out, _ = cli(c, "dead-letter", "list")
        if "not_json" not in out or "1 record" not in out:
            raise TestFailure("dead-letter list text:\n" + out)
        cli(c, "dead-letter", "replay", want_rc=2)
        cli(c, "dead-letter", "replay", "--reason", "missing_field", want_rc=1)
        out, _ = cli(c, "dead-letter", "replay", "--reason", "not_json")
        if "1 record replayed" not in out:
            raise TestFailure("replay said %r" % out)
        c.wait_caught_up(60)       # the worker rejects it again: two copies
        again = json.loads(cli(c, "dead-letter", "list", "--json")[0])
        if [d["payload"] for d in again] != ["not json", "not json"]:
            raise TestFailure("after replay: %r" % again)
        cli(c, "profile", "show", "--username", "rudo.cli", want_rc=3,
            env={"PGPORT": "1", "PGCONNECT_TIMEOUT": "2"})


TESTS = [test_cli]

if __name__ == "__main__":
    ctlib.main(TESTS)
