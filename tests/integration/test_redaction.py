#!/usr/bin/env python3
"""Redaction before storage (issue 6 item 1, docs/privacy-redaction.md).

- defaults (hash mode, the embedded demo key): messages with a card
  number, a cued PIN, an IBAN, a phone number and an email are stored with
  placeholders, and no clear value is anywhere in the database (every text
  and jsonb column of every table is searched; the one exception is the
  authenticated user's own phone number in the profile attributes that the
  contract stores); message_redactions holds types and offsets that point
  at the values in the text as sent and at the placeholders in the text as
  stored; a corrected transcript replaces its spans; a caller who gives an
  authenticated user's number still gets a match candidate (on the hash);
  the summary and its event carry no clear value; the worker's log (debug
  level) has none; a dead-lettered payload is published unchanged;
- redact.dead_letter = true: the dead-lettered payload is redacted, still
  JSON, and says so in a header;
- redact.enabled = false: text is stored as sent and recognition works on
  the clear number.
"""

import json
import uuid

import ctlib
from ctlib import TestFailure

NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
FAST = {"CONVTRACK_SUMMARY_GRACE_MS": "300", "CONVTRACK_LOG_LEVEL": "debug"}

CARD = "4111 1111 1111 1111"
PIN = "975318"
IBAN = "GB82WEST12345698765432"
PHONE_OTHER = "0773 456 789"          # given in a message only
EMAIL = "tendai.moyo@example.org"     # given in a message only
PHONE_USER = "+263772223344"          # the authenticated user's own number
PHONE_USER_SAID = "0772 223 344"      # the same number said by a caller

# What must appear nowhere (as written and as bare digits).
SECRETS = [CARD, CARD.replace(" ", ""), PIN, IBAN, "12345698765432",
           PHONE_OTHER, PHONE_OTHER.replace(" ", ""), "263773456789",
           EMAIL, "tendai.moyo", "0123456789"]
# The user's number is a profile attribute (contract section 4): it may be
# in these columns only.
USER_PHONE_COLUMNS = {("user_profiles", "phone_number"),
                      ("session_authentications", "phone_number")}


def wait_for(what, fn, timeout=90):
    return ctlib.wait_for(what, fn, timeout)


def text_columns(c):
    """(table, column) of every text-like or jsonb column of every table."""
    out = ctlib.psql(c.db, "SELECT c.table_name, c.column_name"
                     " FROM information_schema.columns c"
                     " JOIN information_schema.tables t USING (table_schema,"
                     "  table_name)"
                     " WHERE c.table_schema = 'public'"
                     "  AND t.table_type = 'BASE TABLE'"
                     "  AND c.data_type IN ('text', 'character varying',"
                     "   'character', 'jsonb', 'json', 'ARRAY')"
                     " ORDER BY 1, 2")
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def find_anywhere(c, needle, skip=()):
    """The (table, column) pairs whose text contains needle."""
    hits = []
    for table, col in text_columns(c):
        if (table, col) in skip:
            continue
        n = ctlib.psql(c.db, "SELECT count(*) FROM \"%s\" WHERE \"%s\"::text"
                       " LIKE '%%' || $$%s$$ || '%%'" % (table, col, needle))
        if n.strip() != "0":
            hits.append((table, col))
    return hits


def spans_of(c, mid):
    out = ctlib.psql(c.db, "SELECT spans FROM message_redactions"
                     " WHERE message_id = '%s'" % mid).strip()
    return json.loads(out) if out else None


def content_of(c, mid):
    return ctlib.psql(c.db, "SELECT content FROM conversation_messages"
                      " WHERE message_id = '%s'" % mid).rstrip("\n")


def check_spans(sent, stored, spans, want_types):
    """Offsets point at the values sent and at the placeholders stored."""
    got = [s["type"] for s in spans]
    if got != want_types:
        raise TestFailure("span types %r, want %r" % (got, want_types))
    sb, tb = sent.encode(), stored.encode()
    for s in spans:
        if set(s) != {"type", "start", "end", "stored_start", "stored_end"}:
            raise TestFailure("span keys %r: values must not be stored" % s)
        ph = tb[s["stored_start"]:s["stored_end"]].decode()
        want = "[" + s["type"].upper()
        if not (ph.startswith(want) and ph.endswith("]")):
            raise TestFailure("stored offsets of %r point at %r in %r" %
                              (s, ph, stored))
        if not sb[s["start"]:s["end"]].strip():
            raise TestFailure("offsets of %r are empty in %r" % (s, sent))


def dead_letter_of(c, event_id):
    for r in c.dead_letters():
        if r.value and event_id.encode() in r.value:
            return r
    return None


def test_defaults():
    b = ctlib.Builder(9061)
    s_user, s_anon = b.uuid(), b.uuid()
    m_card, m_pin, m_iban, m_contact, m_fix = (b.uuid() for _ in range(5))
    texts = {
        m_card: "My card number is %s and it was swallowed." % CARD,
        m_pin: "I think my pin is %s, can you reset it?" % PIN,
        m_iban: "Please send it to %s today." % IBAN,
        m_contact: "You can reach me on %s or write to %s." % (PHONE_USER_SAID,
                                                              EMAIL),
        m_fix: "Transfer to my brother on %s please." % PHONE_OTHER,
    }
    fix2 = "Sorry, my account number is 0123456789."
    bad_id = b.uuid()
    bad = ctlib.model.Event("message", None, key=s_anon, value=json.dumps({
        "event_id": bad_id, "event_type": "message", "schema_version": 1,
        "occurred_at": b.ts(30), "role": "user",
        "content": "my card is %s" % CARD}))
    user = [b.join(s_user, 0, anonymous_id="dev-known"),
            b.auth(s_user, 1, "rudo.chari", phone=PHONE_USER),
            b.end(s_user, 2, reason="hangup")]
    anon = [b.join(s_anon, 10, anonymous_id="dev-new")]
    for i, mid in enumerate((m_card, m_pin, m_iban, m_contact, m_fix)):
        anon.append(b.msg(s_anon, 11 + i, texts[mid], message_id=mid, seq=i))
    anon.append(b.end(s_anon, 20, reason="hangup"))
    with ctlib.case("redact-defaults") as c:
        w = c.start_worker(FAST)
        c.produce(user + anon + [bad])
        c.wait_caught_up(90)

        # placeholders stored, spans as types and offsets
        stored = {m: content_of(c, m) for m in texts}
        for m, want in ((m_card, ["card"]), (m_pin, ["pin"]),
                        (m_iban, ["iban"]), (m_contact, ["phone", "email"]),
                        (m_fix, ["phone"])):
            spans = spans_of(c, m)
            if spans is None:
                raise TestFailure("no spans for %r (stored %r)" %
                                  (texts[m], stored[m]))
            check_spans(texts[m], stored[m], spans, want)
        if "[CARD]" not in stored[m_card] or "[PIN]" not in stored[m_pin]:
            raise TestFailure("placeholders missing: %r" % stored)

        # recognition on the hash: a candidate for the authenticated user
        want_user = str(uuid.uuid5(NS, "convtrack:user:rudo.chari"))
        want_anon = str(uuid.uuid5(NS, "convtrack:anonymous:dev-new"))
        got = wait_for("a candidate", lambda: ctlib.psql(
            c.db, "SELECT profile_id, candidate_profile_id, signal"
            " FROM profile_match_candidates").strip())
        if got != "%s|%s|phone_number" % (want_anon, want_user):
            raise TestFailure("candidates %r" % got)
        mentions = ctlib.psql(c.db, "SELECT signal, value FROM"
                              " session_identity_mentions ORDER BY 1").split()
        if len(mentions) != 2 or any(len(m.split("|")[1]) != 16
                                     for m in mentions):
            raise TestFailure("mentions are not hashes: %r" % mentions)

        # a corrected transcript replaces its spans
        c.produce([b.msg(s_anon, 21, fix2, message_id=m_fix, seq=4)])
        c.wait_caught_up(60)
        wait_for("the corrected spans", lambda: (spans_of(c, m_fix) or [{}])
                 [0].get("type") == "account")
        check_spans(fix2, content_of(c, m_fix), spans_of(c, m_fix),
                    ["account"])

        # the summary of the anonymous session, then nothing clear anywhere
        # (the batch with the correction is committed: it set the session
        # due; the summarizer clears that once it has summarized it again)
        wait_for("the summary after the correction", lambda: ctlib.psql(
            c.db, "SELECT 1 FROM agent_sessions s JOIN conversation_summaries"
            " USING (session_id) WHERE s.session_id = '%s'"
            " AND s.summary_due_at IS NULL" % s_anon).strip())
        wait_for("the summary events published", lambda: ctlib.psql(
            c.db, "SELECT count(*) = 0 FROM summary_outbox"
            " WHERE sent_at IS NULL").strip() == "t")
        for secret in SECRETS:
            hits = find_anywhere(c, secret)
            if hits:
                raise TestFailure("%r stored in clear in %r" % (secret, hits))
        hits = find_anywhere(c, PHONE_USER[4:], skip=USER_PHONE_COLUMNS)
        if hits:
            raise TestFailure("the user's number is in %r" % hits)
        for r in ctlib.dump_topic(c.topic_summary):
            if any(s.encode() in r.value for s in SECRETS):
                raise TestFailure("summary event carries a value: %s" % r.value)

        # the dead letter is the payload as sent
        dl = wait_for("the dead letter", lambda: dead_letter_of(c, bad_id))
        if dl.value != bad.value.encode() or \
                dl.headers.get("convtrack-redacted") != "false":
            raise TestFailure("dead letter changed: %r" % dl)
        c.stop_workers()
        with open(w.log_path, encoding="utf-8", errors="replace") as f:
            logtext = f.read()
        if "\"level\":\"debug\"" not in logtext:
            raise TestFailure("the worker did not log at debug level")
        leaked = [s for s in SECRETS if s in logtext]
        if leaked:
            raise TestFailure("the worker's log carries %r" % leaked)


def test_dead_letter_option():
    b = ctlib.Builder(9062)
    sid, bad_id = b.uuid(), b.uuid()
    payload = json.dumps({
        "event_id": bad_id, "event_type": "message", "schema_version": 1,
        "occurred_at": b.ts(1), "session_id": sid, "role": "narrator",
        "content": "my card is %s and my pin is %s" % (CARD, PIN)})
    bad = ctlib.model.Event("message", None, key=sid, value=payload)
    with ctlib.case("redact-dlq") as c:
        c.start_worker(dict(FAST, CONVTRACK_REDACT_DEAD_LETTER="true"))
        c.produce([bad])
        c.wait_caught_up(60)
        dl = wait_for("the dead letter", lambda: dead_letter_of(c, bad_id))
        doc = json.loads(dl.value)  # still JSON
        if any(s.encode() in dl.value for s in (CARD, PIN)):
            raise TestFailure("dead letter not redacted: %s" % dl.value)
        if doc["content"] != "my card is [CARD] and my pin is [PIN]" or \
                doc["event_id"] != bad_id or doc["role"] != "narrator":
            raise TestFailure("dead letter %r" % doc)
        if dl.headers.get("convtrack-redacted") != "true" or \
                dl.headers.get("convtrack-error") != "invalid_value:role":
            raise TestFailure("headers %r" % dl.headers)


def test_disabled():
    b = ctlib.Builder(9063)
    s_user, s_anon, mid = b.uuid(), b.uuid(), b.uuid()
    text = "My card is %s, reach me on %s." % (CARD, PHONE_USER_SAID)
    events = [b.join(s_user, 0, anonymous_id="dev-known"),
              b.auth(s_user, 1, "rudo.chari", phone=PHONE_USER),
              b.end(s_user, 2, reason="hangup"),
              b.join(s_anon, 10, anonymous_id="dev-new"),
              b.msg(s_anon, 11, text, message_id=mid, seq=0),
              b.end(s_anon, 12, reason="hangup")]
    with ctlib.case("redact-off") as c:
        c.start_worker(dict(FAST, CONVTRACK_REDACT_ENABLED="false"))
        c.produce(events)
        c.wait_caught_up(60)
        if content_of(c, mid) != text:
            raise TestFailure("stored %r, want %r" % (content_of(c, mid), text))
        if spans_of(c, mid) is not None:
            raise TestFailure("spans stored with redaction off")
        want_user = str(uuid.uuid5(NS, "convtrack:user:rudo.chari"))
        got = wait_for("a candidate", lambda: ctlib.psql(
            c.db, "SELECT candidate_profile_id FROM profile_match_candidates"
        ).strip())
        if got != want_user:
            raise TestFailure("candidate %r" % got)
        value = ctlib.psql(c.db, "SELECT value FROM session_identity_mentions"
                           ).strip()
        if value != PHONE_USER:
            raise TestFailure("mention %r, want the clear number" % value)


TESTS = [test_defaults, test_dead_letter_option, test_disabled]

if __name__ == "__main__":
    ctlib.main(TESTS)
