#!/usr/bin/env python3
"""Trainer of convtrack's banking-question detector (src/text/banking.c).

Reads the labelled public data under data/ and the product supplement
tools/banking_supplement.tsv, trains a logistic regression over the tokens
of ct_text_tokenize() (tools/ct_text.py reimplements it byte for byte), and writes:

  data/runtime/banking_model.txt      the model, compiled into the worker
  tests/fixtures/banking/scores.tsv   scores of sample texts under the
                                      written model; tests/unit/test_banking.c
                                      checks that the C code agrees

Training material (never clinc `val`/`oos_val`):
  - CLINC150 `train` + `oos_train`: intents of the domains `banking` and
    `credit_cards` are positive, every other intent and `oos` negative; of
    the borderline money intents, `exchange_rate`, `direct_deposit` and
    `travel_notification` are positive (a bank answers them: rates, salary
    into an account, travel notice for a card) and `payday`, `income`,
    `taxes`, `rollover_401k`, `w2` are left out (employer or tax questions
    that share the bank's words); an `oos_train` text naming a term of the
    bank lexicon is left out, since for this product it is a banking question.
  - BANKING77 `train.csv`, the part whose FNV-1a 32 hash of the text modulo 10
    is below 7 (all positive); the rest is held out for the evaluation.
  - tools/banking_supplement.tsv (the product's services and a voice call's
    chatter), each line counted three times.
Every fourth text (by hash) is also trained behind a greeting or an
acknowledgement ("thanks", "okay", "hello" ...), with its own label.  The
threshold is the break-even point of precision and recall in a 5-fold
cross-validation over the clinc training texts.  See
docs/text-rules-banking.md.

Deterministic: the same inputs give a byte-identical model (fixed seed,
fixed orders, no hash randomization in any result).  Python 3 stdlib only.

Usage: tools/train_banking.py [--root DIR]   (default: the repository root)
"""

import argparse
import collections
import csv
import json
import math
import os
import random
import sys

MODEL_PATH = "data/runtime/banking_model.txt"
SCORES_PATH = "tests/fixtures/banking/scores.tsv"
SUPPLEMENT_PATH = "tools/banking_supplement.tsv"
CLINC_PATH = "data/clinc150/data_train_val.json"
CLINC_DOMAINS_PATH = "data/clinc150/domains.json"
BANKING77_PATH = "data/banking77/train.csv"

FORMAT_LINE = "convtrack-banking 1"
BANK_DOMAINS = ("banking", "credit_cards")
BORDER_POSITIVE = ("exchange_rate", "direct_deposit", "travel_notification")
BORDER_LEFT_OUT = ("payday", "income", "taxes", "rollover_401k", "w2")
BANKING77_TRAIN_BUCKETS = 7  # fnv1a32(text) % 10 below it trains

SEED = 1
EPOCHS = 12
LEARNING_RATE = 0.3
L2 = 1e-5
SUPPLEMENT_WEIGHT = 3
CV_FOLDS = 5
THRESHOLDS = [round(0.30 + 0.05 * i, 2) for i in range(13)]  # 0.30 .. 0.90
AUGMENT_EVERY = 4
AUGMENT_PREFIXES = [
    "thanks", "thank you", "okay", "ok great", "yes", "no", "hello", "hi",
    "good morning", "that's great", "alright", "perfect", "sure", "no thanks",
    "great thank you", "yes please", "okay thank you", "hi there",
    "good afternoon", "that is all good",
]
MIN_COUNT = 2  # a feature of a single training text gets no weight
WEIGHT_MIN = 0.0005  # weights that print as 0.000000 or -0.000000 are dropped

# The bank lexicon: each token also fires the feature "@<class>", whose weight
# is learned from the members that occur in the data and so carries over to
# members that do not (the Zimbabwean names and codes).  Only words that mean
# banking wherever they occur are listed (with a few Shona and Ndebele ones:
# bhanga/ibhange bank, akaundi account, mari/imali money); "card",
# "transfer", "balance", "branch", "pin" and the like keep their own learned
# weights.
LEXICON = {
    "bank": """
        bank banks banking banker account accounts acc acct atm atms
        overdraft overdrafts overdrawn mortgage mortgages loan loans
        withdraw withdrawal withdrawals withdrew withdrawn withdrawing
        deposit deposits deposited depositing cardless teller tellers
        cheque cheques chequebook debit mastercard remittance remittances
        forex kyc otp swift iban nostro ussd zipit rtgs ecocash onemoney
        telecash innbucks mukuru zimswitch bhanga ibhange akaundi
    """,
    "money": """
        money cash funds dollar dollars usd zwl zwg zig rand rands euro
        euros pound pounds mari imali
    """,
}


# The bank's own channels and services: a text with one of these unigrams is
# a banking query whatever else it says (its score is raised to the
# threshold), since the knowledge base answers about each of them and a
# caller names them for no other reason.  "@ussd" is any USSD code.
FORCE = ["@ussd", "cardless", "ecocash", "innbucks", "onemoney", "rtgs",
         "telecash", "zimswitch", "zipit"]


def fnv1a32(data):
    """FNV-1a 32-bit hash of bytes (also in tests/eval/eval_banking.c)."""
    h = 2166136261
    for c in data:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


# --- ct_text_tokenize(), byte for byte: tools/ct_text.py --------------------

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ct_text import tokenize  # noqa: E402


# --- features (src/text/banking.c computes the same) -----------------------------

def build_lexicon():
    lex = {}
    for cls, words in sorted(LEXICON.items()):
        for w in words.split():
            lex[w.encode()] = cls.encode()
    return lex


def features(toks, lex):
    """Feature names of a token list, in the order src/text/banking.c adds them.

    Per token: the unigram (a USSD code such as *236# becomes "@ussd"), then
    "@<class>" when the token is in the lexicon; then the bigrams
    "<prev>_<unigram>" with "^" before the first token.  "_", "^" and "@"
    cannot occur inside a token, so the names never collide.
    """
    out = []
    units = [b"@ussd" if t[:1] == b"*" else t for t in toks]
    for t, u in zip(toks, units):
        out.append(u)
        cls = lex.get(t)
        if cls is not None:
            out.append(b"@" + cls)
    prev = b"^"
    for u in units:
        out.append(prev + b"_" + u)
        prev = u
    return out


def sigmoid(z):
    if z < -30.0:
        z = -30.0
    elif z > 30.0:
        z = 30.0
    return 1.0 / (1.0 + math.exp(-z))


# --- training ---------------------------------------------------------------

def augment(examples):
    """A copy of every AUGMENT_EVERY-th text (by hash) behind a call's
    acknowledgement or greeting, with the same label: callers say "thanks,
    what is my balance", and the chatter alone must not outweigh the
    question (nor make small talk look like one)."""
    out = []
    for text, label in examples:
        h = fnv1a32(text.encode("utf-8"))
        if h % AUGMENT_EVERY == 0:
            out.append((AUGMENT_PREFIXES[(h >> 8) % len(AUGMENT_PREFIXES)] +
                        " " + text, label))
    return out


def train(examples, lex):
    """Logistic regression by AdaGrad SGD on examples ([(text, label)]) and
    their augment() copies; the weights averaged over the second half of the
    epochs.  Only features found in at least MIN_COUNT training texts (a
    repeated text counting each time) get a weight."""
    examples = examples + augment(examples)
    feats = [features(tokenize(t), lex) for t, _ in examples]
    df = collections.Counter()
    for f in feats:
        df.update(set(f))
    xs = [(collections.Counter(k for k in f if df[k] >= MIN_COUNT), y)
          for f, (_, y) in zip(feats, examples)]
    w = collections.defaultdict(float)
    g2 = collections.defaultdict(float)
    bias = gbias = 0.0
    wsum = collections.defaultdict(float)
    bsum = 0.0
    navg = 0
    rnd = random.Random(SEED)
    order = list(range(len(xs)))
    for epoch in range(EPOCHS):
        rnd.shuffle(order)
        for i in order:
            x, y = xs[i]
            z = bias
            for k, v in x.items():
                z += w[k] * v
            g = sigmoid(z) - y
            for k, v in x.items():
                gk = g * v + L2 * w[k]
                g2[k] += gk * gk
                w[k] -= LEARNING_RATE * gk / math.sqrt(g2[k] + 1e-8)
            gbias += g * g
            bias -= LEARNING_RATE * g / math.sqrt(gbias + 1e-8)
        if epoch >= EPOCHS // 2:
            for k, v in w.items():
                wsum[k] += v
            bsum += bias
            navg += 1
    weights = {k: v / navg for k, v in wsum.items()}
    return weights, bsum / navg


def score(model, lex, text, threshold=None):
    """The model's score of text, summed in the order src/text/banking.c sums;
    at least threshold (when given) for a text with a FORCE unigram."""
    weights, bias = model
    toks = tokenize(text)
    if not toks:
        return 0.0
    z = bias
    for f in features(toks, lex):
        z += weights.get(f, 0.0)
    p = sigmoid(z)
    if threshold is not None and p < threshold:
        force = {f.encode() for f in FORCE}
        if any((b"@ussd" if t[:1] == b"*" else t) in force for t in toks):
            p = threshold
    return p


# --- data -------------------------------------------------------------------

def load_clinc(root, lex):
    with open(os.path.join(root, CLINC_DOMAINS_PATH), encoding="utf-8") as f:
        domains = json.load(f)
    with open(os.path.join(root, CLINC_PATH), encoding="utf-8") as f:
        splits = json.load(f)
    bank = {i for d in BANK_DOMAINS for i in domains[d]}
    out = []
    for text, intent in splits["train"] + splits["oos_train"]:
        if intent in BORDER_LEFT_OUT:
            continue
        if intent == "oos" and any(t in lex for t in tokenize(text)):
            continue
        label = 1 if intent in bank or intent in BORDER_POSITIVE else 0
        out.append((text, label))
    return out


def load_banking77_train(root):
    with open(os.path.join(root, BANKING77_PATH), encoding="utf-8",
              newline="") as f:
        rows = list(csv.reader(f))
    return [(r[0], 1) for r in rows[1:]
            if fnv1a32(r[0].encode("utf-8")) % 10 < BANKING77_TRAIN_BUCKETS]


def load_supplement(root):
    out = []
    with open(os.path.join(root, SUPPLEMENT_PATH), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            label, sep, text = line.partition("\t")
            if not sep or label not in ("0", "1") or not text.strip():
                sys.exit("%s:%d: expected 0|1<TAB>text" % (SUPPLEMENT_PATH, n))
            out.append((text, int(label)))
    return out


# --- threshold --------------------------------------------------------------

def choose_threshold(clinc, rest, lex):
    """The break-even threshold of CV_FOLDS-fold cross-validation on the clinc
    training texts (folds by text hash; the other material always trains):
    the lowest threshold of THRESHOLDS at which precision reaches recall.
    The F1 curve is flat around it, so maximizing F1 would pick a threshold
    anywhere on the plateau from one retraining to the next."""
    scored = []
    for k in range(CV_FOLDS):
        fold = [fnv1a32(t.encode("utf-8")) % CV_FOLDS for t, _ in clinc]
        held = [x for x, f in zip(clinc, fold) if f == k]
        kept = [x for x, f in zip(clinc, fold) if f != k]
        model = train(kept + rest, lex)
        scored += [(score(model, lex, t), y) for t, y in held]
    chosen = None
    for th in THRESHOLDS:
        tp = sum(1 for s, y in scored if s >= th and y)
        fp = sum(1 for s, y in scored if s >= th and not y)
        fn = sum(1 for s, y in scored if s < th and y)
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        print("cv threshold %.2f: precision %.4f recall %.4f F1 %.4f" %
              (th, precision, recall, 2 * tp / max(1, 2 * tp + fp + fn)))
        if chosen is None and precision >= recall:
            chosen = th
    return chosen if chosen is not None else THRESHOLDS[-1]


# --- output -----------------------------------------------------------------

MODEL_HEADER = """\
# convtrack banking-question detector: logistic regression, written by
# tools/train_banking.py (do not edit; retrain).  See
# docs/text-rules-banking.md; license in banking_model.LICENSE.md.
#
# After these comments, one item per line, fields separated by one space:
# "%s"; "threshold T" (a query when score >= T); "bias B";
# "lex TOKEN CLASS" (TOKEN also fires the feature @CLASS); "force UNIGRAM"
# (a text with that unigram scores at least T); "w FEATURE WEIGHT".
# The features of a text, from the tokens of ct_text_tokenize(): each token
# as a unigram ("@ussd" for a USSD code), @CLASS for a lexicon token, and
# each bigram "PREV_TOKEN" (two unigrams joined by "_"; "^" is the token
# before the first).
# score = 1 / (1 + exp(-z)), z = B + the sum of the features' weights (each
# counted as often as it occurs), clamped to -30..30; 0 for no tokens.
"""


def write_model(path, threshold, model, lex):
    weights, bias = model
    lines = [FORMAT_LINE, "threshold %.2f" % threshold, "bias %.6f" % bias]
    for tok in sorted(lex):
        lines.append("lex %s %s" % (tok.decode(), lex[tok].decode()))
    for f in sorted(FORCE):
        lines.append("force %s" % f)
    kept = {}
    for k in sorted(weights):
        if abs(weights[k]) >= WEIGHT_MIN:
            kept[k] = float("%.6f" % weights[k])
            lines.append("w %s %.6f" % (k.decode("utf-8", "surrogateescape"),
                                         weights[k]))
    with open(path, "w", encoding="utf-8", errors="surrogateescape",
              newline="\n") as f:
        f.write(MODEL_HEADER % FORMAT_LINE)
        f.write("\n".join(lines) + "\n")
    return kept, float("%.6f" % bias)


def escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace(
        "\n", "\\n").replace("\r", "\\r")


SCORE_SAMPLES_EXTRA = [
    "", "   ", "?!", "Hello", "THANK YOU!!", "dial *236#", "*236*1*2#",
    "my EcoCash transfer didn\u2019t go through", "what\u2019s my balance?",
    "rock'n'roll 'quoted' words'",
    "caf\u00e9 na\u00efve \u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9",
    "how do I do a cardless withdrawal", "what time do you open on Saturday",
    "a" * 80 + " bank", "ZIPIT   RTGS\tUSSD\ncode", "*#06# and * 236 #",
    "my   account    balance  please " * 5,
]


def write_scores(path, model, lex, samples, threshold):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Scores of sample texts under "
                "data/runtime/banking_model.txt, written by\n"
                "# tools/train_banking.py: score<TAB>text (\\t \\n \\r "
                "\\\\ escaped).\n"
                "# tests/unit/test_banking.c checks that the C scorer "
                "agrees.\n")
        for text in samples:
            f.write("%.9f\t%s\n" % (score(model, lex, text, threshold),
                                     escape(text)))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(here),
                    help="repository root (default: %(default)s)")
    args = ap.parse_args()
    root = args.root
    lex = build_lexicon()
    clinc = load_clinc(root, lex)
    b77 = load_banking77_train(root)
    sup = load_supplement(root)
    rest = b77 + sup * SUPPLEMENT_WEIGHT
    print("training texts: clinc %d, banking77 %d, supplement %d (x%d)" %
          (len(clinc), len(b77), len(sup), SUPPLEMENT_WEIGHT))
    threshold = choose_threshold(clinc, rest, lex)
    model = train(clinc + rest, lex)
    written = write_model(os.path.join(root, MODEL_PATH), threshold, model,
                          lex)
    samples = [t for t, _ in clinc[::97]] + [t for t, _ in b77[::211]] + \
        [t for t, _ in sup[::7]] + SCORE_SAMPLES_EXTRA
    os.makedirs(os.path.dirname(os.path.join(root, SCORES_PATH)),
                exist_ok=True)
    write_scores(os.path.join(root, SCORES_PATH), written, lex, samples,
                 threshold)
    print("threshold %.2f, %d weights -> %s" %
          (threshold, len(written[0]), MODEL_PATH))


if __name__ == "__main__":
    main()
