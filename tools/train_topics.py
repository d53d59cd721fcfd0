#!/usr/bin/env python3
"""Trainer of convtrack's topic intent model (src/text/topics.c).

A multinomial naive Bayes classifier over the distinct unigrams and bigrams
of ct_text_tokenize()'s tokens (reimplemented here byte for byte), with one
class per topic of schemas/topics.json that has labelled data, plus "none".
src/text/topics.c uses it to pick the intent of an utterance when it is confident
(see docs/text-rules-topics.md); the weighted phrase rules do the rest.

Writes:
  data/runtime/topics_model.txt          the model (counts), compiled into
                                         the worker
  tests/fixtures/topics/model_scores.tsv the top class and its posterior for
                                         sample texts under the written model;
                                         tests/unit/test_topics.c checks that
                                         the C code agrees

Training material (never CLINC150 `val`/`oos_val`, never the held-out half
of BANKING77):
  - BANKING77 train.csv, the data rows at even positions (0, 2, 4, ...)
    whose label schemas/topics.json maps to a topic; the odd rows are held
    out for tests/eval/eval_topics.c.
  - CLINC150 `train`: intents mapped to a topic give that topic; intents of
    the other domains that map to no topic, and `oos_train`, give "none".

Deterministic: the same inputs give a byte-identical model.  Python 3
standard library only.

Usage: tools/train_topics.py [--root DIR]   (default: the repository root)
"""

import argparse
import collections
import csv
import json
import math
import os
import sys

MODEL_PATH = "data/runtime/topics_model.txt"
SCORES_PATH = "tests/fixtures/topics/model_scores.tsv"
TAXONOMY_PATH = "schemas/topics.json"
BANKING77_PATH = "data/banking77/train.csv"
CLINC_PATH = "data/clinc150/data_train_val.json"
CLINC_DOMAINS_PATH = "data/clinc150/domains.json"

FORMAT_LINE = "convtrack-topics-nb 1"
BANK_DOMAINS = ("banking", "credit_cards")
ALPHA = 0.1      # additive smoothing of the feature counts
MIN_DOCS = 2     # a feature of a single training text is dropped
NONE = "none"

# Sample texts for the agreement fixture: product utterances and a few of
# each data set's held-out examples (chosen by position, not by result).
SAMPLES = [
    "Hi, my name is Sarah. I want to send money to my sister so she can "
    "withdraw it without a card. How does that work?",
    "I think I lost my debit card at the supermarket this morning.",
    "What's the exchange rate today, US dollar to ZiG?",
    "Your mobile app keeps crashing every time I try to log in.",
    "I got an SMS saying 80 dollars was taken from my account and I never "
    "made that payment.",
    "I'm interested in a personal loan. What do I need to apply?",
    "How much does it cost to withdraw cash at another bank's ATM?",
    "ZIPIT please, 150 dollars to his account at Zambezi Bank.",
    "I forgot my PIN and now the app has locked me out.",
    "Does the USSD balance check cost anything?",
    "Thank you so much, bye!",
    "is it hot in harare today",
    "",
    "*236#",
]


# --- ct_text_tokenize(), byte for byte: tools/ct_text.py --------------------

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ct_text import tokenize  # noqa: E402


# --- features and model (src/text/topics.c computes the same) --------------------

def features(text):
    """The distinct features of a text: each token, and each pair of
    adjacent tokens joined by "_" (which no token contains)."""
    toks = tokenize(text)
    out = set(toks)
    for a, b in zip(toks, toks[1:]):
        out.add(a + b"_" + b)
    return out


class Model:
    """Counts of a trained model and the posterior they give."""

    def __init__(self, classes, docs, counts):
        self.classes = classes            # class names, "none" first
        self.docs = docs                  # training texts per class
        self.counts = counts              # feature -> {class index: count}
        self.total = [0] * len(classes)   # feature occurrences per class
        for per in counts.values():
            for c, n in per.items():
                self.total[c] += n

    def posterior(self, text):
        """(index of the most probable class, its posterior)."""
        ndocs = sum(self.docs)
        nfeat = len(self.counts)
        score = [math.log(d / ndocs) for d in self.docs]
        base = [math.log(ALPHA / (t + ALPHA * nfeat)) for t in self.total]
        for f in features(text):
            per = self.counts.get(f)
            if per is None:
                continue
            for c in range(len(score)):
                score[c] += base[c] + math.log1p(per.get(c, 0) / ALPHA)
        best = max(range(len(score)), key=lambda c: (score[c], -c))
        z = sum(math.exp(s - score[best]) for s in score)
        return best, 1.0 / z


def load_taxonomy(root):
    with open(os.path.join(root, TAXONOMY_PATH), encoding="utf-8") as f:
        tax = json.load(f)
    b77, clinc = {}, {}
    for t in tax["topics"]:
        for label in t["banking77"]:
            b77[label] = t["id"]
        for label in t["clinc150"]:
            clinc[label] = t["id"]
    return [t["id"] for t in tax["topics"]], b77, clinc


def training_texts(root, b77_map, clinc_map):
    """(text, class name) pairs, in file order."""
    out = []
    with open(os.path.join(root, BANKING77_PATH), encoding="utf-8",
              newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i % 2 == 0 and row["category"] in b77_map:
                out.append((row["text"], b77_map[row["category"]]))
    with open(os.path.join(root, CLINC_DOMAINS_PATH), encoding="utf-8") as f:
        domains = json.load(f)
    bank = {i for d in BANK_DOMAINS for i in domains[d]}
    with open(os.path.join(root, CLINC_PATH), encoding="utf-8") as f:
        clinc = json.load(f)
    for text, intent in clinc["train"]:
        if intent in clinc_map:
            out.append((text, clinc_map[intent]))
        elif intent not in bank:
            out.append((text, NONE))
    for text, _ in clinc["oos_train"]:
        out.append((text, NONE))
    return out


def train(topic_ids, texts):
    present = {cls for _, cls in texts}
    classes = [NONE] + [t for t in topic_ids if t in present]
    index = {c: i for i, c in enumerate(classes)}
    docs = [0] * len(classes)
    ndocs_of = collections.Counter()
    per_class = collections.defaultdict(collections.Counter)
    for text, cls in texts:
        c = index[cls]
        docs[c] += 1
        fs = features(text)
        ndocs_of.update(fs)
        per_class[c].update(fs)
    counts = {}
    for f in sorted(f for f, n in ndocs_of.items() if n >= MIN_DOCS):
        counts[f] = {c: per_class[c][f] for c in range(len(classes))
                     if per_class[c][f]}
    return Model(classes, docs, counts)


def write_model(path, model, ntexts):
    lines = [
        "# convtrack topic intent model: multinomial naive Bayes over the",
        "# distinct unigrams and bigrams (\"a_b\") of ct_text_tokenize()'s",
        "# tokens, written by tools/train_topics.py (do not edit; retrain).",
        "# Trained on %d texts of BANKING77 and CLINC150; license" % ntexts,
        "# and attribution in topics_model.LICENSE.md.  See",
        "# docs/text-rules-topics.md.",
        "#",
        "# Lines after these comments: \"%s\"; \"alpha A\";" % FORMAT_LINE,
        "# \"classes C0 C1 ...\" (C0 is none, the others topic ids);",
        "# \"docs N0 N1 ...\" (training texts per class); then one line per",
        "# feature: \"f FEATURE K:COUNT ...\" (class K's texts with it).",
        "# log P(class | text) = log(N_c / N) + sum over the text's features",
        "# in this file of log((count_c + A) / (total_c + A * F)), total_c",
        "# being the sum of class c's counts and F the number of features.",
        FORMAT_LINE,
        "alpha %g" % ALPHA,
        "classes " + " ".join(model.classes),
        "docs " + " ".join(str(d) for d in model.docs),
    ]
    for f, per in model.counts.items():
        lines.append("f %s %s" % (f.decode("utf-8", "surrogateescape"),
                                  " ".join("%d:%d" % (c, n)
                                           for c, n in sorted(per.items()))))
    with open(path, "w", encoding="utf-8", errors="surrogateescape",
              newline="\n") as out:
        out.write("\n".join(lines) + "\n")


def write_scores(path, model, samples):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("# class\tposterior\ttext (tools/train_topics.py; "
                  "checked by tests/unit/test_topics.c)\n")
        for text in samples:
            c, p = model.posterior(text)
            out.write("%s\t%.6f\t%s\n" % (model.classes[c], p,
                                          text.replace("\t", " ")
                                          .replace("\n", " ")))


def held_out_samples(root, b77_map, clinc_map):
    """A few held-out examples of each data set, by position."""
    out = []
    with open(os.path.join(root, BANKING77_PATH), encoding="utf-8",
              newline="") as f:
        rows = [r for i, r in enumerate(csv.DictReader(f))
                if i % 2 == 1 and r["category"] in b77_map]
    out += [rows[i]["text"] for i in range(0, len(rows), len(rows) // 12)]
    with open(os.path.join(root, CLINC_PATH), encoding="utf-8") as f:
        val = json.load(f)["val"]
    out += [val[i][0] for i in range(0, len(val), len(val) // 12)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), ".."))
    root = ap.parse_args().root
    topic_ids, b77_map, clinc_map = load_taxonomy(root)
    texts = training_texts(root, b77_map, clinc_map)
    model = train(topic_ids, texts)
    write_model(os.path.join(root, MODEL_PATH), model, len(texts))
    write_scores(os.path.join(root, SCORES_PATH), model,
                 SAMPLES + held_out_samples(root, b77_map, clinc_map))
    print("%d training texts, %d classes, %d features, %d counts" % (
        len(texts), len(model.classes), len(model.counts),
        sum(len(p) for p in model.counts.values())), file=sys.stderr)


if __name__ == "__main__":
    main()
