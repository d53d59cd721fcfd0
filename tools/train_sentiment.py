#!/usr/bin/env python3
"""Trainer of convtrack's conversation sentiment and resolution models.

Reads the STC-3 helpdesk dialogues (data/stc3_helpdesk/dialogues_dev.json,
19 annotators' customer satisfaction S and task accomplishment A per
dialogue), reads each dialogue as the worker reads a call, fits two ridge
regressions (mean S, mean A) and writes:

  data/runtime/sentiment_model.txt    the sentiment model, its score map and
                                      "check" lines: results of sample
                                      utterances and calls that
                                      tests/unit/test_sentiment.c makes the
                                      C code reproduce
  data/runtime/resolution_model.txt   the resolution model and its threshold

The reading is implemented here as in C (src/text/sentiment_rules.c,
sentiment_model.c, resolution.c) over the same rule files
(data/runtime/vader_lexicon.txt, sentiment_rules.txt, resolution_rules.txt):
the utterance scores of VADER with the rules for calls to a bank, the
resolution cues, and the features of a conversation (dense: what the rules
say; sparse: words and word pairs of the caller's turns, of the caller's
last turn and of the assistant's last turn).

Data parts: a dialogue whose FNV-1a 32 hash of its id is 0 modulo 4 is held
out (342 dialogues): never trained on, never used to choose anything; the
others (930) train.  On the training part a 5-fold cross-validation (seed 1)
gives out-of-fold predictions, from which the bounds of "neutral" and the
resolution threshold are chosen (best macro-F1); the final models are then
fitted on the whole training part.  Both the cross-validation figures and
the held-out part's are printed and written into the model files'
comments; tests/eval/eval_sentiment.c measures the held-out part again with
the C code.

Deterministic: the same inputs give byte-identical models (fixed seed and
orders, no hash randomization in any result).  Python 3 stdlib only; about
two minutes on one core.

Usage: tools/train_sentiment.py [--root DIR]   (default: the repository root)
"""

import argparse
import json
import math
import random
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ct_text import token_spans  # noqa: E402

LEXICON_PATH = "data/runtime/vader_lexicon.txt"
RULES_PATH = "data/runtime/sentiment_rules.txt"

# VADER's constants (src/text/sentiment_rules.c).
B_INCR, B_DECR, C_INCR, N_SCALAR = 0.293, -0.293, 0.733, -0.74
EP_INCR, QM_INCR, QM_MAX, ALPHA = 0.292, 0.18, 0.96, 15.0
PHRASE_MAX = 4
NEGATIONS = frozenset("""aint arent cannot cant couldnt darent didnt doesnt
dont hadnt hasnt havent isnt mightnt mustnt neither neednt never none nope nor
not nothing nowhere oughtnt shant shouldnt uhuh wasnt werent without wont
wouldnt rarely seldom despite""".split())
BOOSTERS = [(w, B_INCR) for w in """absolutely amazingly awfully completely
considerable considerably decidedly deeply effing enormous enormously entirely
especially exceptional exceptionally extreme extremely fabulously flipping
flippin frackin fracking fricking frickin frigging friggin fully fuckin fucking
fuggin fugging greatly hella highly hugely incredible incredibly intensely
major majorly more most particularly purely quite really remarkably so
substantially thoroughly total totally tremendous tremendously uber
unbelievably unusually utter utterly very""".split()] + [
    (w, B_DECR) for w in (
        "almost", "barely", "hardly", "just enough", "kind of", "kinda",
        "kindof", "less", "little", "marginal", "marginally", "occasional",
        "occasionally", "partly", "scarce", "scarcely", "slight", "slightly",
        "somewhat", "sort of", "sorta", "sortof")]
SINGLE_BOOSTERS = frozenset(p for p, _ in BOOSTERS if " " not in p)


def tokenize_spans(text):
    """(bytes, [(token str, start, end)]) as ct_text_tokenize()."""
    b, toks = token_spans(text)
    return b, [(t.decode("utf-8", "surrogateescape"), a, e)
               for t, a, e in toks]


def words_of(text):
    return [t[0] for t in tokenize_spans(text)[1]]


def _class_line(rest):
    """{name: words} of a "class NAME WORD..." line."""
    name, _, ws = rest.partition(" ")
    if not name.isupper() or not name.isalpha():
        raise ValueError("bad class name " + name)
    for x in ws.split():
        if words_of(x) != [x]:
            raise ValueError("not one token: " + x)
    return {name: frozenset(ws.split())}


class Pattern:
    """A rule pattern: elements (sets of words and classes) and gaps."""

    def __init__(self, kind, valence, spec, classes):
        self.kind, self.valence, self.elems = kind, valence, []
        for f in spec.split():
            if f.startswith("~"):
                self.elems.append(int(f[1:]))
                continue
            words, cls = set(), set()
            for a in f.split("|"):
                if a.isupper():
                    if a not in classes:
                        raise ValueError("unknown class " + a)
                    cls.add(a)
                else:
                    if words_of(a) != [a]:
                        raise ValueError("not one token: " + a)
                    words.add(a)
            self.elems.append((frozenset(words), frozenset(cls)))


class Rules:
    """VADER's lexicon and rules, with the rules for calls to a bank of
    sentiment_rules.txt (banking) or without."""

    def __init__(self, root=".", banking=True):
        self.banking = banking
        self.lex = {}
        self.classes = {}
        self.polite, self.requests, self.greetings = set(), [], []
        self.patterns, self.sarcasm = [], None
        with open(os.path.join(root, LEXICON_PATH), "rb") as f:
            for line in f.read().split(b"\n"):
                if not line or line.startswith(b"#"):
                    continue
                key, _, val = line.partition(b"\t")
                self._add(key, float(val.split(b"\r")[0]), False, False)
        with open(os.path.join(root, RULES_PATH), encoding="utf-8") as f:
            lines = [ln.strip() for ln in f]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        if lines[0] != "sentiment-rules 1":
            raise ValueError("bad rules header")
        for ln in lines[1:]:
            kind, _, rest = ln.partition(" ")
            if kind == "idiom":
                v, _, ph = rest.partition(" ")
                self._add(ph, float(v), False)
            elif not banking:
                continue
            elif kind == "class":
                self.classes.update(_class_line(rest))
            elif kind == "neutral":
                self.lex.pop(" ".join(words_of(rest)), None)
            elif kind == "zero":
                self._add(rest, 0.0, True)
            elif kind == "lexicon":
                v, _, ph = rest.partition(" ")
                self._add(ph, float(v), False)
            elif kind == "polite":
                if words_of(rest) != [rest]:
                    raise ValueError("not one token: " + rest)
                self.polite.add(rest)
            elif kind == "request":
                self.requests.append(Pattern(kind, 0.0, rest, self.classes))
            elif kind == "greeting":
                self.greetings.append(Pattern(kind, 0.0, rest, self.classes))
            elif kind in ("complaint", "irony"):
                v, _, spec = rest.partition(" ")
                self.patterns.append(Pattern(kind, float(v), spec,
                                             self.classes))
            elif kind == "sarcasm":
                self.sarcasm = Pattern(kind, 0.0, rest, self.classes)
            else:
                raise ValueError("unknown kind " + kind)
        self.pmax = max(len(k.split()) for k in self.lex)

    def _add(self, phrase, valence, zero, strict=True):
        w = words_of(phrase)
        if not w or len(w) > PHRASE_MAX:
            if strict:
                raise ValueError("bad phrase: " + repr(phrase))
            return
        self.lex[" ".join(w)] = (valence, zero)

    # -- pattern matching ------------------------------------------------

    def _is(self, elem, w):
        words, cls = elem
        if w in words:
            return True
        for c in cls:
            if w in self.classes[c] or (c == "NEG" and "n't" in w):
                return True
        return False

    def _match_at(self, elems, w, i, end):
        """True when elems match w[i:end] starting exactly at i."""
        return _match_end(self, elems, w, i, end) is not None

    # -- scoring -----------------------------------------------------------

    def request(self, b, w, bounds):
        """True when the turn asks or requests something."""
        if b"?" in b:
            return True
        if w and w[0] in self.classes.get("QWORD", ()):
            return True
        for p in self.requests:
            for (s0, s1) in bounds:
                for i in range(s0, s1):
                    if self._match_at(p.elems, w, i, s1):
                        return True
        return False

    def analyse(self, text, opening=False):
        """The utterance's compound score and its evidence (a dict)."""
        b, toks = tokenize_spans(text)
        n = len(toks)
        ev = {"compound": 0.0, "complaints": 0, "irony": 0,
              "request": False, "kept": []}
        if n == 0:
            return ev
        w = [t[0] for t in toks]
        sent, caps = [0] * n, 0
        for i in range(n):
            if i > 0:
                sent[i] = sent[i - 1]
                if any(c in b".!?\n" for c in b[toks[i - 1][2]:toks[i][1]]):
                    sent[i] += 1
            if _all_caps(b, toks[i]):
                caps += 1
        cap_diff = 0 < caps < n
        lexv, in_lex, starts, zero = [0.0] * n, [False] * n, [False] * n, \
            [False] * n
        greet = [False] * n
        for i in range(n):
            if in_lex[i]:
                continue
            for k in range(min(self.pmax, n - i, PHRASE_MAX), 0, -1):
                e = self.lex.get(" ".join(w[i:i + k]))
                if e is None:
                    continue
                starts[i], lexv[i], zero[i] = True, e[0], e[1]
                for m in range(k):
                    in_lex[i + m] = True
                break
        bounds = _sentences(sent)
        # Greetings and wishes weigh nothing ("hope your day goes well").
        for p in self.greetings:
            for (s0, s1) in bounds:
                for i in range(s0, s1):
                    end = _match_end(self, p.elems, w, i, s1)
                    if end is not None:
                        for k in range(i, end):
                            zero[k] = greet[k] = True
                        break
        ev["request"] = self.banking and self.request(b, w, bounds)
        polite_off = self.banking and (opening or ev["request"])

        def back_is(i, d, word):
            return i >= d and sent[i - d] == sent[i] and w[i - d] == word

        def boost(j, valence):
            pair = w[j - 1] + " " + w[j] if j > 0 and sent[j - 1] == sent[j] \
                else ""
            scalar = 0.0
            for p, s in BOOSTERS:
                if p == w[j] or p == pair:
                    scalar = s
                    break
            if scalar == 0.0:
                return 0.0
            if valence < 0:
                scalar = -scalar
            if cap_diff and _all_caps(b, toks[j]):
                scalar += C_INCR if valence > 0 else -C_INCR
            return scalar

        def negation(i, d, v):
            if back_is(i, d, "never") and d >= 2 and (
                    back_is(i, d - 1, "so") or back_is(i, d - 1, "this")):
                return v * 1.25
            if back_is(i, d, "without") and d >= 2 and \
                    back_is(i, d - 1, "doubt"):
                return v
            if w[i - d] in NEGATIONS or "n't" in w[i - d]:
                return v * N_SCALAR
            return v

        val = [0.0] * n
        for i in range(n):
            if not starts[i] or zero[i] or w[i] in SINGLE_BOOSTERS:
                continue
            if w[i] == "kind" and i + 1 < n and w[i + 1] == "of":
                continue
            if polite_off and w[i] in self.polite:
                continue
            v = lexv[i]
            if w[i] == "no" and i + 1 < n and in_lex[i + 1]:
                v = 0.0
            if back_is(i, 1, "no") or back_is(i, 2, "no") or (
                    back_is(i, 3, "no") and (back_is(i, 1, "or") or
                                             back_is(i, 1, "nor"))):
                v = lexv[i] * N_SCALAR
            if cap_diff and _all_caps(b, toks[i]):
                v += C_INCR if v > 0 else -C_INCR
            for d in (1, 2, 3):
                if d > i:
                    break
                j = i - d
                if sent[j] != sent[i]:
                    break
                if in_lex[j]:
                    continue
                v += boost(j, v) * (0.0, 1.0, 0.95, 0.9)[d]
                v = negation(i, d, v)
            if back_is(i, 1, "least") and not in_lex[i - 1] and \
                    not back_is(i, 2, "at") and not back_is(i, 2, "very"):
                v *= N_SCALAR
            val[i] = v

        # The words the learned model sees: not greetings and formulas,
        # nor courtesy where it is only courtesy.
        ev["kept"] = [w[i] for i in range(n)
                      if not greet[i] and
                      not (in_lex[i] and zero[_item_start(starts, i)]) and
                      not (polite_off and w[i] in self.polite)]
        if self.banking:
            self._banking_rules(w, sent, val, ev, b, toks)

        i = 0
        while i < n:
            end = i
            while end < n and sent[end] == sent[i]:
                end += 1
            bt = next((k for k in range(i, end) if w[k] == "but"), None)
            if bt is not None:
                for k in range(i, end):
                    val[k] *= 0.5 if k < bt else 1.5 if k > bt else 1.0
            i = end
        s = 0.0
        for x in val:
            s += x
        ep, qm = b.count(b"!"), b.count(b"?")
        amp = min(ep, 4) * EP_INCR
        if qm > 3:
            amp += QM_MAX
        elif qm > 1:
            amp += qm * QM_INCR
        if s > 0:
            s += amp
        elif s < 0:
            s -= amp
        c = s / math.sqrt(s * s + ALPHA)
        ev["compound"] = max(-1.0, min(1.0, c))
        return ev

    def _banking_rules(self, w, sent, val, ev, b, toks):
        """Complaints, irony and sarcasm: adds to and flips val in place."""
        n = len(w)
        add = [0.0] * n
        complaint_at = []  # first word of each complaint match
        bounds = _sentences(sent)
        flip = [False] * n
        for (s0, s1) in bounds:
            for p in self.patterns:
                at = next((i for i in range(s0, s1)
                           if self._match_at(p.elems, w, i, s1)), None)
                if at is None:
                    continue
                add[at] += p.valence
                if p.kind == "complaint":
                    ev["complaints"] += 1
                    complaint_at.append(at)
                else:
                    ev["irony"] += 1
                    for k in range(s0, s1):
                        flip[k] = True
        # "really helpful... not": a "not" that closes its sentence after a
        # comma or dash, or stands alone, turns the praise before it.
        for i in range(n):
            if w[i] != "not" or (i + 1 < n and sent[i + 1] == sent[i]):
                continue
            alone = i == 0 or sent[i - 1] != sent[i]
            gap = b[toks[i - 1][2]:toks[i][1]] if i > 0 else b""
            if i > 0 and (alone or b"," in gap or b"-" in gap):
                ev["irony"] += 1
                for k in range(i):
                    flip[k] = True
        if self.sarcasm is not None:
            for (s0, s1) in bounds:
                for i in range(s0, s1):
                    if val[i] <= 0 or not self._match_at(
                            self.sarcasm.elems, w, i, s1):
                        continue
                    if any(s0 <= a < s1 and a > i for a in complaint_at) or \
                            any(w[k] in ("another", "again")
                                for k in range(i + 1, s1)):
                        flip[i] = True
                        ev["irony"] += 1
        for i in range(n):
            if flip[i] and val[i] > 0:
                val[i] = -val[i]
            val[i] += add[i]


def _sentences(sent):
    """[(start, end)] of each sentence, from the sentence number of each
    token."""
    bounds, i, n = [], 0, len(sent)
    while i < n:
        end = i
        while end < n and sent[end] == sent[i]:
            end += 1
        bounds.append((i, end))
        i = end
    return bounds


def _item_start(starts, i):
    """The first token of the lexicon item that covers token i."""
    while not starts[i]:
        i -= 1
    return i


def _all_caps(b, t):
    letter = False
    for c in b[t[1]:t[2]]:
        if 97 <= c <= 122:
            return False
        if 65 <= c <= 90:
            letter = True
    return letter


# ---------------------------------------------------------------------------
# Resolution cues (src/text/resolution.c)

RESOLUTION_RULES_PATH = "data/runtime/resolution_rules.txt"
USER_CUES = ("human", "want", "explain", "short", "thanks", "success",
             "confirm", "failed", "question")
ASSISTANT_CUES = ("handover", "offer", "done", "unable", "cannot",
                  "instruct", "closing", "asks")
NEGATED_VOID = ("done", "success", "explain")
SHORT_TURN = 4    # longest turn (tokens) that a "short" cue makes a request
OFFER_SPAN = 6    # an offer this many words before a handover makes it one


class ResolutionRules:
    """The cue table of resolution_rules.txt and the reading of a turn."""

    def __init__(self, root="."):
        self.classes, self.cues = {}, {}
        with open(os.path.join(root, RESOLUTION_RULES_PATH),
                  encoding="utf-8") as f:
            lines = [ln.strip() for ln in f]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        if lines[0] != "resolution-rules 1":
            raise ValueError("bad resolution rules header")
        for ln in lines[1:]:
            kind, _, rest = ln.partition(" ")
            if kind == "class":
                self.classes.update(_class_line(rest))
            elif kind in USER_CUES or kind in ASSISTANT_CUES:
                self.cues.setdefault(kind, []).append(
                    Pattern(kind, 0.0, rest, self.classes))
            else:
                raise ValueError("unknown cue " + kind)
        self.m = Rules.__new__(Rules)
        self.m.classes = self.classes

    def _find(self, kind, w, sent, bounds):
        """Positions where a cue of kind starts (one per pattern/sentence)."""
        out = []
        for p in self.cues.get(kind, ()):
            for (s0, s1) in bounds:
                for i in range(s0, s1):
                    end = _match_end(self.m, p.elems, w, i, s1)
                    if end is None:
                        continue
                    if kind in NEGATED_VOID and any(
                            self.m._is((frozenset(), frozenset(["NEG"])), x)
                            for x in w[i:end]):
                        continue
                    out.append(i)
                    break
        return sorted(out)

    def read(self, speaker, text):
        """The cues one turn shows: a dict kind -> bool, plus "words"."""
        b, toks = tokenize_spans(text)
        w = [t[0] for t in toks]
        c = {"words": bool(w)}
        if not w:
            return c
        sent = [0] * len(w)
        for i in range(1, len(w)):
            sent[i] = sent[i - 1]
            if any(ch in b".!?\n" for ch in b[toks[i - 1][2]:toks[i][1]]):
                sent[i] += 1
        bounds = _sentences(sent)
        if speaker == "U":
            for k in USER_CUES:
                c[k] = bool(self._find(k, w, sent, bounds))
            c["short"] = c["short"] and len(w) <= SHORT_TURN
            c["want"] = c["want"] and not c["explain"]
            c["question"] = (c["question"] or b"?" in b or
                             w[0] in self.classes["QWORD"])
        else:
            for k in ASSISTANT_CUES[:-1]:
                c[k] = bool(self._find(k, w, sent, bounds))
            c["asks"] = b"?" in b or w[0] in self.classes["QWORD"]
            hand = self._find("handover", w, sent, bounds)
            offers = self._find("offer", w, sent, bounds)
            c["handover"] = any(not any(h - OFFER_SPAN <= o < h
                                        for o in offers) for h in hand)
        return c


def _match_end(m, elems, w, i, end):
    """The end of a match of elems at w[i:end] from i exactly, or None."""
    if not elems:
        return i
    e = elems[0]
    if isinstance(e, int):
        for skip in range(e + 1):
            if i + skip <= end:
                r = _match_end(m, elems[1:], w, i + skip, end)
                if r is not None:
                    return r
        return None
    if i >= end or not m._is(e, w[i]):
        return None
    return _match_end(m, elems[1:], w, i + 1, end)


def resolution_read_all(rr, turns, ironic=(), complaining=()):
    """Cues of every turn and the facts the rules combine.  ironic: the
    indices of the caller's turns that the sentiment rules find ironic
    (their thanks and praise say it did not work); complaining: those in
    which they find a complaint (it did not work)."""
    ev = {"ut": 0, "request": False, "thanked_after": False,
          "handover": False, "lu": {}, "la": {}, "lu_at": -1, "la_at": -1,
          "user_last": False, "humans": 0}
    for k, (spk, text) in enumerate(turns):
        if spk not in ("U", "A"):
            continue
        c = rr.read(spk, text)
        if not c["words"]:
            continue
        if spk == "U" and k in ironic:
            c["thanks"] = c["success"] = False
            c["failed"] = True
        if spk == "U" and k in complaining:
            c["failed"] = True
        if spk == "U":
            ev["ut"] += 1
            if c["human"] or c["short"]:
                ev["humans"] += 1
            if c["human"] or c["want"] or c["short"]:
                ev["request"], ev["thanked_after"] = True, False
            elif (c["thanks"] or c["success"]) and not c["failed"]:
                ev["thanked_after"] = True
            ev["lu"], ev["lu_at"], ev["user_last"] = c, k, True
            if c["success"] and not c["failed"]:
                ev["handover"] = False
        else:
            ev["handover"] = ev["handover"] or c["handover"]
            ev["la"], ev["la_at"], ev["user_last"] = c, k, False
    return ev


def resolution_decide(ev, end_reason, raw, resolved_min):
    """(status, rule) of a conversation: the rules of
    include/convtrack/resolution.h, the model (raw > resolved_min) last."""
    lu, la, later = ev["lu"], ev["la"], ev["ut"] > 1
    if end_reason == "stale":
        return "incomplete", "stale"
    if end_reason == "transfer":
        return "escalated", "transfer"
    if ev["handover"]:
        return "escalated", "handover"
    if ev["request"] and not ev["thanked_after"]:
        return "escalated", "human"
    if ev["ut"] == 0:
        return "incomplete", "silent"
    if ev["user_last"] and lu.get("question") and not lu.get("success"):
        return "incomplete", "question"
    if la.get("unable") and not (later and ev["lu_at"] > ev["la_at"] and
                                 lu.get("success")):
        return "incomplete", "unable"
    broken = end_reason in ("error", "timeout")
    after = ev["lu_at"] > ev["la_at"]
    disputed = after and (lu.get("failed") or lu.get("question"))
    left_open = not after and la.get("asks") and not la.get("closing")
    if la.get("done") and not broken and not disputed and not left_open:
        return "resolved", "done"
    if not ev["user_last"] and (la.get("asks") or la.get("offer")) and \
            not la.get("closing"):
        return "incomplete", "asked"
    if broken:
        if later and (lu.get("thanks") or lu.get("confirm")):
            return "resolved", "confirmed"
        return "incomplete", "broken"
    return ("resolved" if raw > resolved_min else "incomplete"), "model"


# ---------------------------------------------------------------------------
# Features of a conversation (src/text/sentiment.c, resolution.c)

def ngram_features(words, group, out, weight=1.0):
    """Adds the word and word-pair features of one turn to out: each of
    the 2n features (a word, and it with the word before, "^" first) counts
    weight / sqrt(2n)."""
    n = len(words)
    if n == 0:
        return
    v = weight / math.sqrt(2 * n)
    prev = "^"
    for t in words:
        for f in (group + ":" + t, group + ":" + prev + "_" + t):
            out[f] = out.get(f, 0.0) + v
        prev = t
    return


DENSE = (["s_wmean", "s_first", "s_min", "s_max", "s_first_complaint",
          "s_last", "s_last_complaint", "s_irony"] +
         ["m_%d" % k for k in range(5)] + ["user_last"] +
         ["u_" + c for c in USER_CUES] + ["a_" + c for c in ASSISTANT_CUES])


def conversation_features(rules, rr, turns):
    """(dense dict, sparse dict, resolution facts) of a conversation: turns
    is a list of (speaker "U" | "A" | "O", text).  The caller's and the
    assistant's turns count when they have words."""
    users = [k for k, (s, t) in enumerate(turns) if s == "U" and words_of(t)]
    helps = [k for k, (s, t) in enumerate(turns) if s == "A" and words_of(t)]
    ev = {}
    for j, k in enumerate(users):
        ev[k] = rules.analyse(turns[k][1], opening=(j == 0))
    x, sp = {}, {}
    m = len(users)
    c = [ev[k]["compound"] for k in users]
    if m:
        x["s_wmean"] = sum((j + 1) * v for j, v in enumerate(c)) / \
            (m * (m + 1) / 2)
        x["s_first"] = c[0]
        x["s_min"] = min(c)
        x["s_max"] = max(c)
        x["s_first_complaint"] = min(ev[users[0]]["complaints"], 3)
        if m > 1:
            x["s_last"] = c[-1]
            x["s_last_complaint"] = min(ev[users[-1]]["complaints"], 3)
        if any(ev[k]["irony"] for k in users):
            x["s_irony"] = 1.0
    x["m_%d" % min(m, 4)] = 1.0
    rev = resolution_read_all(
        rr, turns, frozenset(k for k in users if ev[k]["irony"]),
        frozenset(k for k in users if ev[k]["complaints"]))
    if rev["user_last"]:
        x["user_last"] = 1.0
    if m > 1:
        for k in USER_CUES:
            if rev["lu"].get(k):
                x["u_" + k] = 1.0
    for k in ASSISTANT_CUES:
        if rev["la"].get(k):
            x["a_" + k] = 1.0
    x = {k: float(v) for k, v in x.items() if v}
    rev["sentiment"] = {
        "m": m, "max": max(c) if m else 0.0, "last": c[-1] if m else 0.0,
        "last_complaints": ev[users[-1]]["complaints"] if m else 0,
        "last_irony": ev[users[-1]]["irony"] if m else 0,
        "user_last": rev["user_last"],
        "asked_human": rev["request"] and not rev["thanked_after"],
        "insisted": rev["humans"] >= 2 and not rev["thanked_after"]}
    for k in users:
        ngram_features(ev[k]["kept"], "C", sp, 1.0 / m)
    if m > 1:
        ngram_features(ev[users[-1]]["kept"], "L", sp)
    if helps:
        ngram_features(words_of(turns[helps[-1]][1]), "H", sp)
    return x, sp, rev


# ---------------------------------------------------------------------------
# Ridge regression (conjugate gradient on the normal equations)

def ridge(rows, y, lam, iters=300):
    """Weights w (dict) and bias b minimizing sum (w.x + b - y)^2 +
    lam |w|^2, the bias unpenalized.  rows are dicts.  Deterministic."""
    n = len(rows)
    keys = sorted(set(k for r in rows for k in r))
    idx = {k: i for i, k in enumerate(keys)}
    m = len(keys)
    xi = [[(idx[k], v) for k, v in sorted(r.items())] for r in rows]
    mu = [0.0] * m
    for r in xi:
        for i, v in r:
            mu[i] += v / n
    ym = sum(y) / n

    def apply(p):
        mp = sum(a * b for a, b in zip(mu, p))
        q = [sum(v * p[i] for i, v in r) - mp for r in xi]
        out = [lam * pi for pi in p]
        sq = sum(q)
        for r, qr in zip(xi, q):
            for i, v in r:
                out[i] += v * qr
        for i in range(m):
            out[i] -= mu[i] * sq
        return out

    rhs = [0.0] * m
    yc = [v - ym for v in y]
    for r, yr in zip(xi, yc):
        for i, v in r:
            rhs[i] += v * yr
    sy = sum(yc)
    for i in range(m):
        rhs[i] -= mu[i] * sy
    w, r = [0.0] * m, rhs[:]
    p, rs = r[:], sum(a * a for a in r)
    for _ in range(iters):
        if rs <= 1e-20:
            break
        ap = apply(p)
        pap = sum(a * b for a, b in zip(p, ap))
        if pap <= 0:
            break
        alpha = rs / pap
        for i in range(m):
            w[i] += alpha * p[i]
            r[i] -= alpha * ap[i]
        rn = sum(a * a for a in r)
        p = [r[i] + (rn / rs) * p[i] for i in range(m)]
        rs = rn
    b = ym - sum(a * c for a, c in zip(w, mu))
    return {k: w[i] for i, k in enumerate(keys)}, b


def predict(w, b, row):
    return b + sum(w.get(k, 0.0) * v for k, v in row.items())


# ---------------------------------------------------------------------------
# Data, training, evaluation and the model files

STC3_PATH = "data/stc3_helpdesk/dialogues_dev.json"
MODEL_PATHS = {"sentiment": "data/runtime/sentiment_model.txt",
               "resolution": "data/runtime/resolution_model.txt"}
FORMAT_LINE = "convtrack-conversation 1"
SEED = 1
FOLDS = 5
HELD_OUT_BUCKET = 4  # fnv1a32(id) % 4 == 0: held out of training
LAMBDA = {"sentiment": 3.0, "resolution": 1.0}
MIN_DF = 2           # a word feature of fewer training dialogues is dropped
S_NEGATIVE_MAX, S_POSITIVE_MIN = -0.5, 0.5  # the label mapping of mean S
GRID = [round(-1.0 + 0.05 * i, 2) for i in range(41)]  # -1.0 .. 1.0
# The rules' bounds on the conversation score (sentiment_model.c).
COMPLAINT_CEILING = -0.3
NO_PRAISE_CEILING = 0.2
NEGATIVE_TURN = -0.25


def fnv1a32(data):
    """FNV-1a 32-bit hash of bytes (also in tests/eval/eval_sentiment.c)."""
    h = 2166136261
    for c in data:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


def load_stc3(root):
    """The dialogues: id, turns [(U|A, text)], mean S, mean A, held_out."""
    with open(os.path.join(root, STC3_PATH), encoding="utf-8") as f:
        raw = json.load(f)
    out = []
    for x in raw:
        turns = [("U" if t["sender"] == "customer" else "A",
                  "".join(u + "\n" for u in t["utterances"]))
                 for t in x["turns"]]
        ann = x["annotations"]
        s = sum(a["quality"]["S"] for a in ann) / len(ann)
        a = sum(a["quality"]["A"] for a in ann) / len(ann)
        out.append({"id": x["id"], "turns": turns, "S": s, "A": a,
                    "held_out": fnv1a32(x["id"].encode()) %
                    HELD_OUT_BUCKET == 0})
    return out


def s_label(s):
    return 0 if s <= S_NEGATIVE_MAX else 2 if s >= S_POSITIVE_MIN else 1


def macro_f1(gold, pred, k):
    f = 0.0
    for c in range(k):
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        f += 2.0 * tp / (2 * tp + fp + fn) if tp else 0.0
    return f / k


def accuracy(gold, pred):
    return sum(1 for g, p in zip(gold, pred) if g == p) / len(gold)


def pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0


def rows_of(dialogues, vocab):
    """Model rows: dense features as "d:NAME", sparse ones kept in vocab."""
    rows = []
    for d in dialogues:
        r = {"d:" + k: v for k, v in d["dense"].items()}
        r.update((k, v) for k, v in d["sparse"].items() if k in vocab)
        rows.append(r)
    return rows


def vocabulary(dialogues):
    df = {}
    for d in dialogues:
        for k in d["sparse"]:
            df[k] = df.get(k, 0) + 1
    return frozenset(k for k, v in df.items() if v >= MIN_DF)


def folds(n, k, seed):
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    return [sorted(idx[i::k]) for i in range(k)]


def cross_validate(train, task):
    """Out-of-fold raw predictions of task over train (FOLDS folds)."""
    target = "S" if task == "sentiment" else "A"
    pred = [0.0] * len(train)
    for f in folds(len(train), FOLDS, SEED):
        held = set(f)
        fit = [d for i, d in enumerate(train) if i not in held]
        vocab = vocabulary(fit)
        w, b = ridge(rows_of(fit, vocab), [d[target] for d in fit],
                     LAMBDA[task])
        for i, r in zip(f, rows_of([train[i] for i in f], vocab)):
            pred[i] = predict(w, b, r)
    return pred


def sentiment_labels(raw, dialogues, lo, hi):
    """The labels of the conversation scores (rules included)."""
    out = []
    for v, d in zip(raw, dialogues):
        s = score_of(v, lo, hi, d["rev"]["sentiment"])
        out.append(0 if s <= -0.25 else 2 if s >= 0.25 else 1)
    return out


def choose_bounds(raw, dialogues):
    """The bounds (lo, hi) of neutral on the raw score with the best
    macro-F1 averaged over the pair and its grid neighbours (lo and hi one
    step either way), so that a lone peak of the cross-validated estimates
    does not decide; first best in grid order."""
    gold = [s_label(d["S"]) for d in dialogues]
    f = {}
    for i, lo in enumerate(GRID):
        for j, hi in enumerate(GRID):
            if j > i:
                f[i, j] = macro_f1(gold, sentiment_labels(raw, dialogues, lo, hi), 3)
    best = None
    for (i, j) in sorted(f):
        near = [f[a, b] for a in (i - 1, i, i + 1) for b in (j - 1, j, j + 1)
                if (a, b) in f]
        v = sum(near) / len(near)
        if best is None or v > best[0] + 1e-12:
            best = (v, GRID[i], GRID[j])
    return best[1], best[2]


def resolution_labels(raw, dialogues, resolved_min):
    return [1 if resolution_decide(d["rev"], None, v, resolved_min)[0] ==
            "resolved" else 0 for v, d in zip(raw, dialogues)]


def choose_resolved_min(raw, dialogues):
    gold = [1 if d["A"] > 0 else 0 for d in dialogues]
    best = None
    for t in GRID:
        f = macro_f1(gold, resolution_labels(raw, dialogues, t), 2)
        if best is None or f > best[0] + 1e-12:
            best = (f, t)
    return best[1]


def figures(dialogues, s_raw, a_raw, lo, hi, resolved_min):
    """The evaluation's figures (as tests/eval/eval_sentiment.c prints)."""
    gs = [s_label(d["S"]) for d in dialogues]
    score = [score_of(v, lo, hi, d["rev"]["sentiment"])
             for v, d in zip(s_raw, dialogues)]
    ps = sentiment_labels(s_raw, dialogues, lo, hi)
    ga = [1 if d["A"] > 0 else 0 for d in dialogues]
    pa = resolution_labels(a_raw, dialogues, resolved_min)
    return {"n": len(dialogues),
            "s_acc": accuracy(gs, ps), "s_f1": macro_f1(gs, ps, 3),
            "s_r": pearson(score, [d["S"] for d in dialogues]),
            "a_acc": accuracy(ga, pa), "a_f1": macro_f1(ga, pa, 2),
            "a_r": pearson(pa, [d["A"] for d in dialogues])}


def score_of(raw, lo, hi, facts=None):
    """The conversation score in -1..1: lo and hi map to -0.25 and 0.25;
    then the rules where rules know better (see sentiment_model.c)."""
    v = (raw - (lo + hi) / 2) * (0.5 / (hi - lo))
    v = max(-1.0, min(1.0, v))
    if facts is None:
        return v
    if facts["m"] == 0:
        return 0.0
    neg = (facts["last_irony"] or facts["last_complaints"] or
           facts["last"] <= NEGATIVE_TURN)
    if (neg and (facts["user_last"] or facts["asked_human"])) or \
            facts["last_irony"] or facts["last_complaints"] >= 2 or \
            facts["insisted"]:
        v = min(v, COMPLAINT_CEILING)
    if facts["max"] <= 0.0:
        v = min(v, NO_PRAISE_CEILING)
    return v


def rounded(w):
    return {k: float("%.6g" % v) for k, v in w.items()
            if float("%.6g" % v) != 0.0}


# Utterances whose scores the model file records, for the C code to match
# (tests/unit/test_sentiment.c): the failure classes of issue 16 in other
# words than the unit tests', and VADER's rules.
CHECK_UTTERANCES = [
    "The payment to my landlord never went through.",
    "Still no sign of the money I was promised.",
    "We have been waiting almost two months for this.",
    "The machine keeps rejecting my card!",
    "Thanks a bunch for nothing at all.",
    "wow, so helpful, not",
    "Good evening, could you tell me the opening hours? Thank you.",
    "Brilliant, another fee on my statement.",
    "Our servers are down at the moment, please try again later.",
    "I've reversed the duplicate charge.",
    "I need a manager to explain this charge.",
    "The service was not good at all, but the app is GREAT!!",
    "It was kind of helpful, I guess.",
    "I can't stand waiting on hold.",
    "Thanks, that sorted it out.",
]

# Conversations likewise: every kind of turn and feature at least once.
CHECK_CALLS = [
    [("U", "Hello! Hope you're well. How do I change my PIN?"),
     ("A", "You can change it in the app under Card settings.")],
    [("U", "My salary still hasn't arrived."),
     ("A", "I'm sorry, let me check. Our system is down, please call back "
           "later."),
     ("U", "ok")],
    [("U", "Can you unfreeze my account?"),
     ("A", "I have unfrozen your account."),
     ("U", "Great, thanks a lot!")],
    [("U", "I'd like someone to explain the fee on my statement."),
     ("A", "The fee is the monthly account charge of 5 dollars.")],
    [("U", "This is the third time my card was swallowed by your ATM!"),
     ("A", "I'm sorry. I'm transferring you to our card team."),
     ("O", "transfer: card team"),
     ("U", "Whatever, thanks for nothing.")],
    [("U", "Good morning.\nI need to send 300 dollars to my sister."),
     ("A", "Which account should I take it from?"),
     ("U", "The savings one, please."),
     ("A", "Done, the transfer was successful. Anything else?"),
     ("U", "No, that's everything. You've been really helpful, cheers!")],
    [("U", "why is my balance negative"),
     ("A", "There was an overdraft fee of 35 dollars on Monday."),
     ("U", "that is ridiculous, I want to speak with a manager right now"),
     ("A", "...")],
]


def _escape(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t",
                                                                 "\\t")


def conversation_raw(d, vocab, model):
    """The raw score of dialogue features d under model (w, b)."""
    w, b = model
    return predict(w, b, rows_of([d], vocab)[0])


def write_model(root, task, model, scalars, vocab, checks, cv, held):
    w, b = model
    unknown = [k for k in w if k.startswith("d:") and k[2:] not in DENSE]
    if unknown:  # sentiment_model.c would refuse the file
        raise ValueError("unknown dense features: %s" % unknown)
    scalar = ('"score OFFSET SCALE": the conversation score is (raw - '
              'OFFSET) * SCALE,\n#   clamped to -1..1, then bounded by the '
              'rules (src/text/sentiment_model.c);'
              if task == "sentiment" else
              '"resolved_min T": where no rule decides, raw > T is '
              'resolved;')
    lines = [
        "# convtrack conversation %s model: a linear regression written by"
        % task,
        "# tools/train_sentiment.py (do not edit; retrain).  See",
        "# docs/text-rules-sentiment.md; license in %s.LICENSE.md." %
        os.path.basename(MODEL_PATHS[task])[:-4],
        "#",
        "# After these comments, one item per line, fields separated by one "
        "space:",
        '# "%s"; "model %s"; "bias B";' % (FORMAT_LINE, task),
        "# " + scalar,
        '# "d NAME WEIGHT": a dense feature (src/text/sentiment_model.c);',
        '# "w FEATURE WEIGHT": a word or word-pair feature;',
        '# "check u SCORE<TAB>TEXT": an utterance\'s score, and',
        '# "check c RAW_S RAW_A SCORE<TAB>SPEAKER<TAB>TEXT...": a call\'s raw',
        "#   scores and score, which the C code must reproduce (texts escape",
        "#   \\\\, \\n and \\t).",
        "# raw = B + the sum of the features' weights times their values.",
        "# Development figures (STC-3 dev: the %d dialogues of the training "
        "part" % cv["n"],
        "# by %d-fold cross-validation; the %d held-out dialogues):" %
        (FOLDS, held["n"]),
    ]
    for tag, f in (("cross-validation", cv), ("held-out", held)):
        if task == "sentiment":
            lines.append("#   %s: accuracy %.3f, macro-F1 %.3f, Pearson r "
                         "%.3f" % (tag, f["s_acc"], f["s_f1"], f["s_r"]))
        else:
            lines.append("#   %s: accuracy %.3f, macro-F1 %.3f" %
                         (tag, f["a_acc"], f["a_f1"]))
    lines += [FORMAT_LINE, "model " + task, "bias %.6g" % b]
    lines += scalars
    for k in sorted(w):
        if k.startswith("d:"):
            lines.append("d %s %.6g" % (k[2:], w[k]))
    for k in sorted(w):
        if not k.startswith("d:"):
            lines.append("w %s %.6g" % (k, w[k]))
    lines += checks
    with open(os.path.join(root, MODEL_PATHS[task]), "w",
              encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def checks_of(rules, rr, vocab, models, bounds):
    out = []
    for t in CHECK_UTTERANCES:
        out.append("check u %.17g\t%s" %
                   (rules.analyse(t)["compound"], _escape(t)))
    for turns in CHECK_CALLS:
        dense, sparse, rev = conversation_features(rules, rr, turns)
        d = {"dense": dense, "sparse": sparse}
        raw = [conversation_raw(d, vocab, models[k])
               for k in ("sentiment", "resolution")]
        score = score_of(raw[0], bounds[0], bounds[1], rev["sentiment"])
        out.append("check c %.17g %.17g %.17g\t%s" % (
            raw[0], raw[1], score, "\t".join(s + "\t" + _escape(t)
                                             for s, t in turns)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), help="the repository root")
    args = ap.parse_args()
    root = args.root
    rules, rr = Rules(root), ResolutionRules(root)
    data = load_stc3(root)
    for d in data:
        d["dense"], d["sparse"], d["rev"] = conversation_features(
            rules, rr, d["turns"])
    train = [d for d in data if not d["held_out"]]
    held = [d for d in data if d["held_out"]]
    print("STC-3 dev: %d dialogues, %d to train, %d held out" %
          (len(data), len(train), len(held)), flush=True)

    s_oof = cross_validate(train, "sentiment")
    a_oof = cross_validate(train, "resolution")
    lo, hi = choose_bounds(s_oof, train)
    resolved_min = choose_resolved_min(a_oof, train)
    cv = figures(train, s_oof, a_oof, lo, hi, resolved_min)

    vocab = vocabulary(train)
    models = {}
    for task, target in (("sentiment", "S"), ("resolution", "A")):
        w, b = ridge(rows_of(train, vocab), [d[target] for d in train],
                     LAMBDA[task])
        models[task] = (rounded(w), float("%.6g" % b))
    raw = {k: [conversation_raw(d, vocab, models[k]) for d in held]
           for k in models}
    heldf = figures(held, raw["sentiment"], raw["resolution"], lo, hi,
                    resolved_min)

    offset, scale = (lo + hi) / 2, 0.5 / (hi - lo)
    checks = checks_of(rules, rr, vocab, models, (lo, hi))
    write_model(root, "sentiment", models["sentiment"],
                ["score %.17g %.17g" % (offset, scale)], vocab, checks, cv,
                heldf)
    write_model(root, "resolution", models["resolution"],
                ["resolved_min %.6g" % resolved_min], vocab, [], cv, heldf)
    print("neutral: raw S in (%.2f, %.2f); resolved: raw A > %.2f" %
          (lo, hi, resolved_min))
    print("features: %d words and pairs (in >= %d training dialogues)" %
          (len(vocab), MIN_DF))
    for tag, f in (("cross-validation (training part)", cv),
                   ("held-out part", heldf)):
        print("%s, %d dialogues:" % (tag, f["n"]))
        print("  sentiment:  accuracy %.3f  macro-F1 %.3f  Pearson r %.3f" %
              (f["s_acc"], f["s_f1"], f["s_r"]))
        print("  resolution: accuracy %.3f  macro-F1 %.3f  Pearson r %.3f" %
              (f["a_acc"], f["a_f1"], f["a_r"]))


if __name__ == "__main__":
    main()
