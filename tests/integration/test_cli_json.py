#!/usr/bin/env python3
"""The operator commands' JSON is a contract (schemas/cli/): every --json
output of every command, run against the real database and Kafka
endpoint, validates against its schema (JSON Schema draft 2020-12, checked
with the python3-jsonschema package from Debian); arrays are arrays, times
are RFC 3339 in UTC with milliseconds; and with --json a failing command
writes one {"error", "code"} object to stderr and exits with the
documented code (1 not found or refused, 2 usage, 3 unreachable), while
warnings are {"warning"} objects."""

import json
import os
import time
import uuid

import ctlib
from ctlib import TestFailure

try:
    import jsonschema
except ImportError:  # a failure, not a skip: scripts/deps.sh installs it
    raise SystemExit("test_cli_json: python3-jsonschema is missing "
                     "(scripts/deps.sh installs it); 0 passed, 1 failed")

NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
SCHEMAS = os.path.join(os.environ.get("CT_SOURCE_DIR", "."), "schemas", "cli")
RFC3339_MS = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"

checked = []


def validate(name, doc):
    with open(os.path.join(SCHEMAS, name + ".schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc),
                    key=lambda e: list(e.path))
    if errors:
        raise TestFailure("%s: %d schema error(s), first at %s: %s\n%s" % (
            name, len(errors), list(errors[0].path), errors[0].message,
            json.dumps(doc, indent=1)[:3000]))
    checked.append(name)


def cli(c, *args, want_rc=0, env=None):
    extra = c.worker_env()
    if env:
        extra.update(env)
    p = ctlib.run([ctlib.bin_path("convtrack")] + list(args), extra_env=extra,
                  check=False)
    out, err = p.stdout.decode(), p.stderr.decode()
    if p.returncode != want_rc:
        raise TestFailure("convtrack %s: exit %d, want %d\n%s%s" % (
            " ".join(args), p.returncode, want_rc, out, err))
    return out, err


def stderr_objects(err, what):
    """Every line of stderr must be one JSON object (with --json)."""
    docs = []
    for line in err.splitlines():
        try:
            docs.append(json.loads(line))
        except ValueError:
            raise TestFailure("%s: stderr line is not JSON: %r" % (what, line))
    return docs


def run_json(c, schema, *args, env=None):
    """Runs a command with --json, validates its stdout (one document) and
    its stderr (warnings only)."""
    out, err = cli(c, *(list(args) + ["--json"]), env=env)
    try:
        doc = json.loads(out)
    except ValueError:
        raise TestFailure("%s: stdout is not one JSON document:\n%s" % (
            " ".join(args), out))
    validate(schema, doc)
    for w in stderr_objects(err, " ".join(args)):
        validate("warning", w)
    return doc


def expect_error(c, code, *args, env=None):
    out, err = cli(c, *(list(args) + ["--json"]), want_rc=code, env=env)
    docs = stderr_objects(err, " ".join(args))
    errs = [d for d in docs if "error" in d]
    if len(errs) != 1 or out.strip():
        raise TestFailure("%s: want one error object on stderr and nothing "
                          "on stdout, got %r / %r" % (" ".join(args), err, out))
    validate("error", errs[0])
    if errs[0]["code"] != code:
        raise TestFailure("%s: error code %r, exit %d" % (
            " ".join(args), errs[0]["code"], code))
    return errs[0]


def test_cli_json():
    b = ctlib.Builder(2101, base_us=ctlib.recent_base_us(3))
    s1, s2, s3, s4 = b.uuid(), b.uuid(), b.uuid(), b.uuid()
    evs = [b.join(s1, 0, anonymous_id="dev-json-1"),
           b.msg(s1, 1, "I want to apply for a home loan.", seq=0),
           b.msg(s1, 2, "Sure, I can help with a loan.", role="assistant", seq=1),
           b.end(s1, 3, reason="hangup"),
           b.join(s2, 10, anonymous_id="dev-json-1"),
           b.auth(s2, 11, "tendai.json", phone="+263770000021"),
           b.msg(s2, 12, "My card was stolen, please block it.", seq=0),
           b.end(s2, 13, reason="hangup"),
           # a second user on the same device: a shared device
           b.join(s3, 20, anonymous_id="dev-json-1"),
           b.auth(s3, 21, "rumbi.json"),
           b.msg(s3, 22, "What is my balance?", seq=0),
           b.end(s3, 23, reason="hangup"),
           b.join(s4, 30, anonymous_id="dev-json-2"),
           b.msg(s4, 31, "Hello", seq=0),
           b.end(s4, 32, reason="hangup")]
    user = str(uuid.uuid5(NS, "convtrack:user:tendai.json"))
    dev2 = str(uuid.uuid5(NS, "convtrack:anonymous:dev-json-2"))
    with ctlib.case("cli_json") as c:
        c.start_worker({"CONVTRACK_SUMMARY_GRACE_MS": "200"})
        c.produce(evs)
        # an invalid event and a tombstone: dead letters to list and replay
        ctlib.produce_records([(c.topics["message"], "k-bad", "{not json"),
                               (c.topics["message"], None, None)])
        c.wait_caught_up(60)
        ctlib.wait_for("4 summaries", lambda: ctlib.psql(
            c.db, "SELECT count(*) FROM conversation_summaries").strip() == "4")
        ctlib.wait_for("2 dead letters", lambda: len(c.dead_letters()) == 2)
        c.stop_workers()

        doc = run_json(c, "profile-show", "profile", "show", "--username",
                       "tendai.json")
        if doc["profile"]["id"] != user:
            raise TestFailure("profile %r" % doc["profile"])
        for s in doc["summaries"]:
            if not isinstance(s["topics"], list):
                raise TestFailure("topics is not an array: %r" % s)
        run_json(c, "profile-show", "profile", "show", "--anonymous-id",
                 "dev-json-1")
        sums = run_json(c, "summaries", "summaries", "--profile", user)
        if not sums or not any(s["topics"] for s in sums):
            raise TestFailure("summaries without topics: %r" % sums)
        run_json(c, "profile-history", "profile", "history", "--id", user)
        merges = run_json(c, "profile-merges", "profile", "merges", "--id", user)
        if not merges["merges"]:
            raise TestFailure("no merge ledger row for %s" % user)
        devices = run_json(c, "shared-devices", "shared-devices")
        if len(devices["shared_devices"]) != 1:
            raise TestFailure("shared devices %r" % devices)
        run_json(c, "shared-devices-apply-policy", "shared-devices",
                 "apply-policy")
        run_json(c, "merge", "merge", dev2, user)
        undone = run_json(c, "unmerge", "unmerge", dev2)
        if undone["was_merged_into"] != user:
            raise TestFailure("unmerge %r" % undone)
        run_json(c, "report", "report")
        run_json(c, "report", "report", "--since", "2000-01-01")
        run_json(c, "resummarize", "resummarize", "--dry-run")
        run_json(c, "retention-run", "retention", "run",
                 env={"CONVTRACK_RETENTION_MESSAGES_DAYS": "1"})
        dl = run_json(c, "dead-letter-list", "dead-letter", "list")
        if len(dl) != 2 or {d["reason"] for d in dl} != {"not_json",
                                                          "empty_payload"}:
            raise TestFailure("dead letters %r" % dl)
        if not all(isinstance(d["source_offset"], int) for d in dl):
            raise TestFailure("source offsets are not numbers: %r" % dl)
        rep = run_json(c, "dead-letter-replay", "dead-letter", "replay",
                       "--all", "--dry-run")
        if rep["replayed"] != 2 or not rep["dry_run"]:
            raise TestFailure("replay %r" % rep)
        erased = run_json(c, "erase", "erase", "--username", "rumbi.json")
        if erased["event_type"] != "profile_erased":
            raise TestFailure("erase %r" % erased)

        # errors: one JSON object on stderr, the documented exit codes
        expect_error(c, 1, "profile", "show", "--username", "nobody.json")
        expect_error(c, 1, "erase", "--username", "nobody.json")
        expect_error(c, 2, "profile", "show")
        expect_error(c, 2, "summaries", "--profile", "not-a-uuid")
        expect_error(c, 2, "report", "--since", "yesterday")
        expect_error(c, 2, "dead-letter", "replay")
        expect_error(c, 3, "profile", "show", "--username", "x",
                     env={"CONVTRACK_POSTGRES_CONNINFO":
                          "host=127.0.0.1 port=1 connect_timeout=2"})
        expect_error(c, 2, "profile", "show", "--username", "x",
                     env={"CONVTRACK_BATCH_MAX_EVENTS": "x"})
        # without --json the same failure is one plain line
        _, err = cli(c, "profile", "show", "--username", "nobody.json",
                     want_rc=1)
        if not err.startswith("convtrack: no profile"):
            raise TestFailure("plain error %r" % err)

    missing = {f[:-len(".schema.json")] for f in os.listdir(SCHEMAS)} - set(checked)
    if missing:
        raise TestFailure("schemas never checked: %s" % sorted(missing))
    ctlib.log("validated %d documents against %d schemas" % (
        len(checked), len(set(checked))))


if __name__ == "__main__":
    ctlib.main([test_cli_json])
