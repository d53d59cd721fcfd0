#!/usr/bin/env python3
"""Event generator of the throughput benchmark (Python 3 standard library).

Writes, deterministically for a given seed, the Kafka records that
bench/run.sh produces before the worker starts, in the JSONL format of
`ct-kafka produce` ({"topic", "key", "value"}; key = session_id; topics are
the contract's default names, run.sh adds a prefix when producing):

  throughput.jsonl   one participant_joined per session and --messages
                     message events spread over --sessions sessions, in
                     event-time order (sessions overlap, as live traffic)
  latency.jsonl      the same kind of traffic for --latency-sessions other
                     sessions (joins and messages, no end)
  latency_ended.tsv  one call_ended per latency session, "key<TAB>value"
                     per line, in the order ct-bench-latency sends them
  corpus.tsv         (role, content) pairs in COPY text format: the
                     utterances bench/preload.sql draws stored messages from
  meta.json          counts, seed, time window, device-key scheme

Texts are realistic: user and assistant turns of the Schema-Guided Dialogue
bank conversations (data/sgd_banks), BANKING77 customer queries
(data/banking77) answered by templated assistant replies, and NTCIR STC-3
helpdesk exchanges (data/stc3_helpdesk), with greetings, names and phone
numbers as callers give them.  Lengths vary from a few bytes to ~2.5 KiB.

Devices (anonymous_id) are "dev-%08x" % n.  About 30 % of sessions come from
devices numbered below --history-devices: the devices that
bench/preload.sql gives a stored history, so with a preloaded database those
callers are returning ones (profiles with many sessions, some merged into a
user); without a preload they are simply new devices.  A few sessions send a
placeholder anonymous_id or none at all (rule 1).

Event times lie in the --window-s seconds before --base-time (default: now,
rounded down to the minute).
"""

import argparse
import csv
import json
import os
import random
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")

GREETINGS = [
    "Good morning, welcome to Msasa Bank. I'm your virtual assistant. How can I help you today?",
    "Hello and thank you for calling Msasa Bank. How may I assist you?",
    "Hi! You're speaking to the Msasa Bank assistant. What can I do for you today?",
    "Good afternoon, Msasa Bank, this is the virtual assistant. How can I help?",
    "Welcome back to Msasa Bank. Please tell me briefly what you are calling about.",
]

FILLERS = ["", "", "", "Hi, ", "Hello, ", "Okay so ", "Um, ", "Yes, ", "Sorry, ",
           "Hi there. ", "Good morning. ", "Right, ", "Quick question: "]

CLOSINGS_USER = ["Thank you.", "Thanks, that helps.", "Okay, thank you so much.",
                 "No, that's all. Bye.", "Great, thanks for your help!",
                 "That's everything for today.", "Alright. Goodbye."]

CLOSINGS_ASSISTANT = [
    "You're welcome. Is there anything else I can help you with today?",
    "Thank you for calling Msasa Bank. Have a great day!",
    "Glad I could help. Goodbye and take care.",
    "If you need anything else, just call back or dial *236# on your phone.",
]

NAMES = ["Sarah", "Tendai", "Farai", "Chipo", "Tatenda", "Rudo", "Kudzai",
         "Nyasha", "Blessing", "Tafadzwa", "John", "Mary", "Peter", "Grace",
         "Simba", "Ruvimbo", "Tinashe", "Memory", "Brian", "Linda"]

# Sentences an assistant composes answers from (1-4 per answer).
ANSWER_OPENERS = [
    "I can help you with that.",
    "Sure, let me explain how that works.",
    "I understand, that must be frustrating.",
    "Thanks for letting me know.",
    "No problem.",
    "Of course.",
    "Let me check the details for you.",
]
ANSWER_STEPS = [
    "You can do this in the Msasa Bank app under Cards, then Manage card.",
    "Dial *236# from your registered phone number and choose option 3.",
    "For security reasons I will need to verify your identity before we continue.",
    "Transfers between Msasa Bank accounts are free and arrive immediately; transfers to other banks take up to one business day.",
    "The daily limit for cardless withdrawals is 500 US dollars, and the code expires after 30 minutes.",
    "Our branches are open Monday to Friday from 8 am to 3 pm and on Saturdays from 8 am to 11:30 am.",
    "If your card was lost or stolen, I can block it right away and order a replacement card, which usually arrives within 5 to 7 working days.",
    "The exchange rate we apply is the interbank rate at the time the transaction is settled, plus a 2 percent conversion fee.",
    "Pending transactions normally clear within 3 working days; if it is still pending after that, the merchant may not have claimed the funds yet.",
    "You can reset your PIN at any of our ATMs: insert your card, choose PIN services and follow the prompts.",
    "Top-ups by bank transfer are free of charge, but card top-ups above 1,000 dollars a month carry a 0.5 percent fee.",
    "I have logged a dispute for this transaction; you will receive an SMS with the reference number shortly.",
    "To link a new card, open the app, tap Add card and enter the 16 digit number shown on the front of the card.",
    "Please do not share your PIN or one-time password with anyone, including bank staff.",
    "Statements for the last six months are available in the app under Accounts, then Statements, as PDF files.",
    "A refund usually takes 5 to 10 working days to reach your account after the merchant has issued it.",
    "Your identity verification can take up to 48 hours once all documents have been uploaded.",
    "Contactless payments are limited to 100 dollars per transaction; above that you will be asked for your PIN.",
    "If an ATM gave you the wrong amount, keep the slip; we will investigate and credit any difference within 10 working days.",
    "You can set up automatic top-ups so that your wallet is topped up whenever the balance falls below an amount you choose.",
]
ANSWER_FOLLOWUPS = [
    "Would you like me to do that for you now?",
    "Is there anything else you would like to know about this?",
    "Shall I send you the steps by SMS?",
    "Can I help you with anything else?",
    "",
    "",
]

# Messages per stored session in bench/preload.sql: 10 + (hash % 81), mean 50.
PLACEHOLDER_IDS = ["anonymous", "", "null", "undefined", "0"]


def load_corpus():
    """Returns (sgd dialogues as [(role, text)], banking77 queries, stc3
    exchanges as [(role, text)])."""
    sgd = []
    with open(os.path.join(DATA, "sgd_banks", "sgd_banks_train.jsonl"),
              encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            turns = [("user" if t["speaker"] == "USER" else "assistant",
                      t["utterance"].strip()) for t in d["turns"]]
            if turns:
                sgd.append(turns)
    b77 = []
    with open(os.path.join(DATA, "banking77", "train.csv"),
              encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            b77.append(" ".join(row[0].split()))
    stc = []
    with open(os.path.join(DATA, "stc3_helpdesk", "dialogues_dev.json"),
              encoding="utf-8") as f:
        for d in json.load(f):
            turns = []
            for t in d["turns"]:
                role = "user" if t["sender"] == "customer" else "assistant"
                text = " ".join(" ".join(u.split()) for u in t["utterances"])
                if text:
                    turns.append((role, text))
            if turns:
                stc.append(turns)
    return sgd, b77, stc


class Texts:
    """Draws conversation turns."""

    def __init__(self, rng):
        self.rng = rng
        self.sgd, self.b77, self.stc = load_corpus()

    def answer(self):
        r = self.rng
        parts = [r.choice(ANSWER_OPENERS)]
        for _ in range(r.choice([1, 1, 2, 2, 3])):
            parts.append(r.choice(ANSWER_STEPS))
        parts.append(r.choice(ANSWER_FOLLOWUPS))
        return " ".join(p for p in parts if p)

    def chunk(self):
        """A few consecutive turns of one kind of exchange."""
        r = self.rng
        x = r.random()
        if x < 0.45:
            d = r.choice(self.sgd)
            i = r.randrange(len(d))
            return d[i:i + r.randint(2, 8)]
        if x < 0.85:
            q = r.choice(FILLERS) + r.choice(self.b77)
            turns = [("user", q), ("assistant", self.answer())]
            if r.random() < 0.3:
                turns.append(("user", r.choice(self.b77)))
                turns.append(("assistant", self.answer()))
            return turns
        if x < 0.95:
            d = r.choice(self.stc)
            i = r.randrange(len(d))
            return d[i:i + r.randint(1, 3)]
        if x < 0.975:
            name = r.choice(NAMES)
            return [("user", "%smy name is %s." % (r.choice(FILLERS), name)),
                    ("assistant", "Thank you, %s. How can I help you today?" % name)]
        num = "+2637%d%07d" % (r.randint(1, 8), r.randrange(10 ** 7))
        return [("user", "You can reach me on %s if the call drops." % num),
                ("assistant", "Noted, thank you. I will call you back on that number if we get cut off.")]

    def session(self, n):
        """n (role, content) turns of one conversation."""
        r = self.rng
        out = [("assistant", r.choice(GREETINGS))]
        while len(out) < n - 2:
            out.extend(self.chunk())
        out = out[:max(n - 2, 1)]
        out.append(("user", r.choice(CLOSINGS_USER)))
        out.append(("assistant", r.choice(CLOSINGS_ASSISTANT)))
        return out[:n]


def fmt_ts(us):
    s, frac = divmod(us, 1000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%06dZ" % frac


def split_counts(rng, total, parts, lo=10, hi=120):
    """parts positive integers summing to total, roughly uniform in [lo, hi]
    scaled to the mean total/parts."""
    mean = total / parts
    w = [rng.uniform(lo, hi) for _ in range(parts)]
    scale = total / sum(w)
    c = [max(1, int(x * scale)) for x in w]
    diff = total - sum(c)
    i = 0
    while diff != 0:
        j = i % parts
        if diff > 0:
            c[j] += 1
            diff -= 1
        elif c[j] > 1:
            c[j] -= 1
            diff += 1
        i += 1
    assert sum(c) == total and mean > 0
    return c


class Gen:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.texts = Texts(random.Random(args.seed + 1))
        self.new_device = 0x10000000
        self.bench_devices = []

    def uuid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def device(self):
        """(anonymous_id or None) of a new session."""
        r = self.rng
        x = r.random()
        if x < 0.30:
            return "dev-%08x" % r.randrange(self.args.history_devices)
        if x < 0.35:
            return r.choice(PLACEHOLDER_IDS)
        if x < 0.40:
            return None
        if self.bench_devices and x < 0.55:
            return r.choice(self.bench_devices)
        self.new_device += 1
        d = "dev-%08x" % self.new_device
        self.bench_devices.append(d)
        return d

    def sessions(self, nsessions, nmessages, window_us, base_us):
        """Yields (time_us, topic, key, value) of nsessions sessions."""
        r = self.rng
        counts = split_counts(r, nmessages, nsessions)
        for s in range(nsessions):
            sid = self.uuid()
            start = base_us - window_us + int(r.random() * window_us * 0.9)
            anon = self.device()
            ev = {"event_id": self.uuid(), "event_type": "participant_joined",
                  "schema_version": 1, "occurred_at": fmt_ts(start),
                  "session_id": sid, "room_id": "room-%06d" % r.randrange(10 ** 6),
                  "participant_id": "participant-%s" % sid[:8]}
            if anon is not None:
                ev["anonymous_id"] = anon
            ev["metadata"] = {"channel": r.choice(["web", "voice", "app", "ussd"]),
                              "locale": r.choice(["en-ZW", "en-ZW", "sn-ZW", "nd-ZW"])}
            yield start, "participant-joined", sid, ev
            t = start + 500000
            for i, (role, content) in enumerate(self.texts.session(counts[s])):
                t += 800000 + int(r.expovariate(1 / 5.0) * 1000000)
                mid = self.uuid()
                ev = {"event_id": self.uuid(), "event_type": "message",
                      "schema_version": 1, "occurred_at": fmt_ts(t),
                      "session_id": sid}
                if r.random() < 0.95:
                    ev["message_id"] = mid
                ev["role"] = role
                ev["content"] = content
                if r.random() < 0.9:
                    ev["seq"] = i
                yield t, "message", sid, ev
            self.last_t = t


def record(topic, key, ev):
    value = json.dumps(ev, ensure_ascii=False, separators=(",", ":"))
    return json.dumps({"topic": topic, "key": key, "value": value},
                      ensure_ascii=False)


def copy_escape(s):
    return (s.replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--messages", type=int, default=1000000)
    ap.add_argument("--sessions", type=int, default=20000)
    ap.add_argument("--latency-sessions", type=int, default=2000)
    ap.add_argument("--latency-messages", type=int, default=20,
                    help="messages per latency session")
    ap.add_argument("--history-devices", type=int, default=70000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--window-s", type=int, default=7200)
    ap.add_argument("--base-time", type=int, default=None,
                    help="end of the event-time window, Unix seconds")
    a = ap.parse_args()
    if a.sessions <= 0 or a.messages < a.sessions:
        ap.error("need --messages >= --sessions > 0")
    os.makedirs(a.out, exist_ok=True)
    base = a.base_time if a.base_time is not None else int(time.time()) // 60 * 60
    base_us = base * 1000000
    g = Gen(a)

    t0 = time.time()
    evs = list(g.sessions(a.sessions, a.messages, a.window_s * 1000000, base_us))
    evs.sort(key=lambda e: e[0])
    counts = {"participant-joined": 0, "message": 0}
    content_bytes = 0
    with open(os.path.join(a.out, "throughput.jsonl"), "w", encoding="utf-8") as f:
        for _, topic, key, ev in evs:
            counts[topic] += 1
            if topic == "message":
                content_bytes += len(ev["content"].encode())
            f.write(record(topic, key, ev))
            f.write("\n")
    payload_bytes = os.path.getsize(os.path.join(a.out, "throughput.jsonl"))
    del evs

    # Latency sessions: their own ids; they end after the throughput ones.
    lat = list(g.sessions(a.latency_sessions,
                          a.latency_sessions * a.latency_messages,
                          600 * 1000000, base_us))
    lat.sort(key=lambda e: e[0])
    last = {}
    with open(os.path.join(a.out, "latency.jsonl"), "w", encoding="utf-8") as f:
        for t, topic, key, ev in lat:
            last[key] = max(last.get(key, 0), t)
            f.write(record(topic, key, ev))
            f.write("\n")
    order = sorted(last.items(), key=lambda kv: (kv[1], kv[0]))
    with open(os.path.join(a.out, "latency_ended.tsv"), "w", encoding="utf-8") as f:
        for sid, t in order:
            ev = {"event_id": g.uuid(), "event_type": "call_ended",
                  "schema_version": 1, "occurred_at": fmt_ts(t + 2000000),
                  "session_id": sid,
                  "reason": g.rng.choice(["hangup", "hangup", "hangup", "timeout", "transfer"]),
                  "duration_seconds": round((t - base_us + 600e6) / 1e6, 1)}
            f.write(sid + "\t" + json.dumps(ev, separators=(",", ":")) + "\n")

    # Corpus for the preload: 50,000 turns of the same generator.
    crng = Texts(random.Random(a.seed + 2))
    n = 0
    with open(os.path.join(a.out, "corpus.tsv"), "w", encoding="utf-8") as f:
        while n < 50000:
            for role, content in crng.session(50):
                f.write("%d\t%s\t%s\n" % (n, role, copy_escape(content)))
                n += 1

    meta = {"seed": a.seed, "messages": counts["message"],
            "joins": counts["participant-joined"], "sessions": a.sessions,
            "events": counts["message"] + counts["participant-joined"],
            "content_bytes": content_bytes,
            "mean_content_bytes": round(content_bytes / max(1, counts["message"]), 1),
            "jsonl_bytes": payload_bytes,
            "latency_sessions": a.latency_sessions,
            "latency_messages": a.latency_sessions * a.latency_messages,
            "base_time": base, "window_s": a.window_s,
            "history_devices": a.history_devices,
            "generated_in_s": round(time.time() - t0, 1)}
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    json.dump(meta, sys.stdout)
    print()


if __name__ == "__main__":
    main()
