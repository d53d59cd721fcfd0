#!/usr/bin/env python3
"""Trainer of convtrack's topic intent model (src/text/topics_model.c).

A multinomial logistic regression (softmax) over three kinds of features of
ct_text_tokenize()'s tokens (tools/ct_text.py reimplements it byte for
byte): each token ("card"), each pair of adjacent tokens ("my_card") and
the character 3- and 4-grams of each token between the boundary marks
"<" and ">" ("~<ca", "~card", "~rd>"), which carry over to misspelt and
unseen words ("recieved", "transfered").  Each kind counts its occurrences
and weighs each by 1 / sqrt(occurrences of that kind in the text), so that
long texts and long words do not dominate.  One class per topic of
schemas/topics.json that has labelled data, plus "none": CLINC150's other
domains, its out-of-scope queries and a hand-written supplement of a voice
call's turns that ask for nothing (thanks, greetings, "can you hear me",
"hold on", complaints that name no service, small talk).  A second
supplement teaches the product's own words for its requests.

Normalization (person_dropped(); src/text/topics_model.c does the same
from the model's "drop" lines): the names, relatives and the pronouns for
them that tools/train_banking.py drops (its NAMES and KIN: "John",
"Tendai", "mom", "sister", "him"), also with "'s" ("sister's"), are
dropped from the token stream before any feature is made, so the pairs
join the tokens around them ("send 50 to John" has the pair "50_to" and no
"john").  CLINC150's calling and texting intents ("call my mom", "text John
that I'm late") had taught the model that a person means "not banking",
and a money request that names one ("pay 200 to my mom") got no topic;
without the person such a request is judged by its other words.

src/text/topics.c combines the model with its phrase rules and an evidence
word list (see docs/text-rules-topics.md); this script only trains the
model.

Training material (never CLINC150 `val`/`oos_val`, never the held-out
tenth of BANKING77):
  - BANKING77 train.csv, whose label schemas/topics.json maps to a topic,
    except the held-out rows: per label, in file order, every tenth row
    (the 10th, 20th, ...; banking77()).  tests/eval/eval_topics.c scores
    the held-out rows with the same rule.
  - CLINC150 `train`: intents mapped to a topic give that topic; intents of
    the other domains that map to no topic, and `oos_train`, give "none".
  - SUPPLEMENT_NONE below, each text SUPPLEMENT_REPEAT times, as "none",
    and SUPPLEMENT_TOPICS (requests in the product's own words: ZESA,
    EcoCash, ZIPIT, airtime, USSD, ZiG, loans, money paid to people), each
    SUPPLEMENT_REPEAT times, as their topic.
  - A second copy of AUGMENT_SHARE of the topic texts above, behind an
    opener ("Hi, it's Tendai.") or before a closing ("please"), as a caller
    says them (augmented()).

Training: Adam on mini-batches (BATCH texts, learning rate RATE) for
EPOCHS passes in an order drawn from SEED, L2 penalty L2.  Then each
feature's weights are centred on their median (the softmax does not change
when one feature's weights all move by the same amount), weights below
PRUNE in magnitude are dropped and the rest are trained again for
RETRAIN_EPOCHS passes.  Features of fewer than MIN_DOCS training texts are
not used.

Calibration: the same training on FOLDS folds of the training material
(folds drawn from SEED) gives out-of-fold posteriors; the temperature that
makes them most likely (a single scale of all scores) is folded into the
written weights, so that the posteriors src/text/topics.c compares with
its thresholds are calibrated.

Writes:
  data/runtime/topics_model.txt          the model (weights), compiled into
                                         the worker
  tests/fixtures/topics/model_scores.tsv the top class and its posterior for
                                         sample texts under the written model;
                                         tests/unit/test_topics.c checks that
                                         the C code agrees

Deterministic: the same inputs (and numpy version) give a byte-identical
model.  Needs numpy (Debian: python3-numpy, installed by scripts/deps.sh);
takes a few minutes.

Usage: python3 tools/train_topics.py [--root DIR]   (default: the repository
root; the Debian python3, which has python3-numpy)
"""

import argparse
import collections
import csv
import json
import math
import os
import random
import sys

try:
    import numpy as np
except ImportError:
    sys.exit("train_topics.py needs numpy: apt-get install python3-numpy "
             "(scripts/deps.sh), and run it with that python3")

MODEL_PATH = "data/runtime/topics_model.txt"
SCORES_PATH = "tests/fixtures/topics/model_scores.tsv"
TAXONOMY_PATH = "schemas/topics.json"
BANKING77_PATH = "data/banking77/train.csv"
CLINC_PATH = "data/clinc150/data_train_val.json"
CLINC_DOMAINS_PATH = "data/clinc150/domains.json"

FORMAT_LINE = "convtrack-topics-lr 2"
BANK_DOMAINS = ("banking", "credit_cards")
NONE = "none"

HOLD_OUT_EVERY = 10    # BANKING77: per label, every tenth row is held out
CHARGRAMS = (3, 4)     # character n-grams of each token, n from .. to
MIN_DOCS = 2           # a feature of a single training text is not used
SEED = 16
EPOCHS = 10
BATCH = 64
RATE = 0.01
L2 = 1e-5
PRUNE = 0.2
RETRAIN_EPOCHS = 3
FOLDS = 5
SCALE = 100            # weights are written as integers in 1/SCALE
SUPPLEMENT_REPEAT = 3
AUGMENT_SHARE = 0.25   # topic texts also trained inside a call's chatter

# A caller states the request inside chatter ("Hi, it's Tendai. ...
# please"); the data sets' requests come bare, and CLINC150's greetings are
# "none", so without these the model takes a greeting for the topic of the
# whole turn.  AUGMENT_SHARE of the topic texts are trained a second time
# with an opener, a closing or both, drawn from SEED.
OPENERS = [
    "Hi,", "Hello.", "Hello there,", "Good morning.", "Good afternoon,",
    "Hey,", "Hi, it's {name}.", "Hello, this is {name}.",
    "Hi, my name is {name}.", "{name} here.", "Hi, {name} again.", "Okay.",
    "Okay, thanks.", "Yes,", "Sorry,", "Um,", "Excuse me,", "Also,",
    "One more thing,", "By the way,", "Morning, it's {name}.",
    "Hello, I'm calling from work.",
]
CLOSINGS = [
    "please", "thanks", "thank you", "please help me", "as soon as possible",
    "I'm in a hurry", "thanks a lot", "can you help?",
]
CALLER_NAMES = [
    "Tendai", "Rudo", "Farai", "Tatenda", "Nyasha", "Blessing", "Chipo",
    "Kudzai", "Themba", "Sipho", "Grace", "Peter", "Mary", "Tinashe",
]

# Turns of a voice call that ask for nothing: the data sets have few of
# them, and without them the model gives complaints and chatter the topic
# of a banking complaint that shares their words ("I've been waiting for
# ages" is phrased like a late transfer).  Written for this purpose; the
# unit tests use other sentences.
SUPPLEMENT_NONE = [
    # thanks and closings
    "thank you very much", "thanks so much for your help",
    "many thanks, goodbye", "great, thanks, that's all I needed",
    "ok thank you, have a nice day", "alright, thanks for sorting that out",
    "that will be all, thank you", "nothing else, thanks",
    "no thanks, I'm good", "brilliant, cheers", "thanks anyway",
    "thank you for your time", "you've been a great help, thanks",
    "bye bye", "goodbye and take care", "talk to you later", "see you",
    "ok bye now", "have a good evening", "that's it for now",
    # greetings
    "hi", "hey", "hello, good afternoon", "good evening", "morning",
    "hi, how's it going", "hello, is this the right number",
    "hello, are you there",
    # the line
    "can anybody hear me", "hello? hello?", "is this thing working",
    "I can barely hear you", "the connection is really poor",
    "you cut out, say that again", "please repeat the last part",
    "sorry, what did you say", "I didn't get that, come again",
    "could you talk a bit slower", "my network is bad, I'll call back",
    "the call keeps dropping",
    # holding on
    "one moment please", "just a second", "give me a minute",
    "hang on a sec", "hold on please", "wait, let me get a pen",
    "hold on, someone is at the door", "sorry, I was talking to my wife",
    "let me put you on speaker", "I'm looking for my glasses, one moment",
    "just a minute, I'm getting my card out of my bag",
    "wait, let me grab my wallet",
    "hang on, I need to find my reading glasses",
    "let me look for it and come back to you",
    # complaints that name no service
    "this is useless", "you are not helping at all", "what a terrible service",
    "I'm fed up with this", "I'm tired of calling you",
    "I have been on the line for forty minutes", "this is taking forever",
    "why does nobody answer my question", "you people are hopeless",
    "I'm very angry right now", "this is so annoying",
    "you don't understand anything", "that answer makes no sense",
    "that's not what I meant", "you misunderstood me",
    "I already told you that", "stop repeating yourself",
    "this robot is stupid", "I hate these automated systems",
    "I'm going to complain about this", "I'll report you to the ombudsman",
    "this is the worst experience ever", "I'm losing my patience",
    "you wasted my whole morning", "honestly this is pathetic",
    "no one ever calls me back", "your customer care is a disgrace",
    "I'm not impressed",
    # small talk
    "how is the weather today", "is it raining in Harare",
    "will it be cold tomorrow", "what's the forecast for the weekend",
    "who won the match yesterday", "do you follow football",
    "tell me a story", "what's your favourite colour",
    "are you a real person", "am I talking to a machine",
    "what is your name", "who created you", "how old are you",
    "where do you live", "what can you do", "do you have feelings",
    "are you happy today", "what time is it now", "what's the date today",
    # acknowledgements
    "ok", "okay", "yes", "yes please", "no", "nope", "sure", "alright",
    "fine", "got it", "I see", "I understand", "that makes sense", "hmm",
    "um, let me think", "I'm not sure", "maybe later", "never mind",
    "forget it", "it doesn't matter", "sorry about that", "excuse me",
    "pardon", "my apologies",
    # holding on while fetching something the bank will ask for
    "give me a moment to find my bank card",
    "wait, I'm looking for my account number",
    "hang on, let me get my statement out",
    "sorry, my card is in the car, one minute",
    "one second, I'm writing down the code",
    "hold on while I check my purse", "ok wait, I'm getting my ID",
    # about the bank, asking for nothing
    "your bank is always so slow", "I'm tired of this bank",
    "banks are all the same", "I've been with you people for ten years",
]

# Requests in the product's words: the data sets come from a European app
# bank and US assistants and do not know ZESA, EcoCash, ZIPIT, airtime,
# USSD, ZiG or the rand, nor loans and bills as callers ask for them, so
# without these the model is sure such requests are about something else
# (or nothing).  Written for this purpose, none of them a unit test's or a
# sample call's sentence.
SUPPLEMENT_TOPICS = [
    ("loans", "I want to borrow money for school fees, do you give loans?"),
    ("loans", "how much can I get on a salary-based loan"),
    ("loans", "what are the requirements for a home loan"),
    ("loans", "can I take a small business loan with you"),
    ("loans", "I need a loan to buy a car"),
    ("loans", "how long do I have to repay the loan"),
    ("loans", "what is the interest on your personal loans"),
    ("loans", "is my loan application approved yet"),
    ("loans", "I missed a loan repayment this month"),
    ("loans", "can I get an overdraft on my current account"),
    ("loans", "how do I qualify for a mortgage"),
    ("loans", "I'd like to settle my loan early"),
    ("loans", "I would like to apply for a loan for my farm"),
    ("loans", "where do I apply for a salary advance"),
    ("loans", "can I apply for a school fees loan online"),
    ("loans", "I want to apply for credit to build a house"),
    ("bill_payment", "I want to pay my ZESA bill"),
    ("bill_payment", "can I buy prepaid electricity tokens from my account"),
    ("bill_payment", "how do I pay my DStv subscription"),
    ("bill_payment", "pay the council rates for my house"),
    ("bill_payment", "I need to pay my son's tuition at the university"),
    ("bill_payment", "how do I add a biller for water"),
    ("bill_payment", "my ZESA token did not come after I paid"),
    ("bill_payment", "can I pay my insurance premium through the bank"),
    ("bill_payment", "set up a monthly payment for my rent"),
    ("bill_payment", "pay Nyaradzo funeral policy"),
    ("top_up", "buy airtime for my Econet line"),
    ("top_up", "I want to recharge my phone with 5 dollars"),
    ("top_up", "can I buy data bundles from my account"),
    ("top_up", "send airtime to my mother's number"),
    ("top_up", "the airtime I bought never reached my phone"),
    ("top_up", "how do I load money onto my wallet"),
    ("top_up", "top up my NetOne line please"),
    ("top_up", "buy a WhatsApp bundle using my bank account"),
    ("mobile_banking", "how do I sign up for internet banking"),
    ("mobile_banking", "I can't log into the banking app"),
    ("mobile_banking", "the app says my session expired every time"),
    ("mobile_banking", "how do I activate USSD banking on my line"),
    ("mobile_banking",
     "I changed my phone number, how do I move my mobile banking"),
    ("mobile_banking", "I'm not getting the OTP to log in"),
    ("mobile_banking", "your online banking website is down"),
    ("mobile_banking", "I got a new phone and need to set up the app again"),
    ("mobile_banking", "my phone was stolen and it has my banking app"),
    ("mobile_banking", "how do I reset my internet banking login"),
    ("mobile_banking", "the app won't let me sign in after the update"),
    ("mobile_banking", "which code do I dial for mobile banking"),
    ("travel_notice",
     "I'm going to South Africa on Friday, please note it on my account"),
    ("travel_notice",
     "I will be in Botswana for two weeks, will my card work"),
    ("travel_notice", "let the bank know I'm travelling to Dubai"),
    ("travel_notice",
     "I'm flying to London tomorrow and need my card to work there"),
    ("travel_notice", "do I need to tell you before I travel overseas"),
    ("travel_notice", "add a travel notice for Zambia next month"),
    ("transfers", "send 50 dollars to my wife's EcoCash"),
    ("transfers", "I want to do an RTGS to a CBZ account"),
    ("transfers", "transfer money from my bank account to OneMoney"),
    ("transfers", "pay 200 to my landlord's account at Stanbic"),
    ("transfers", "my ZIPIT has not reflected on the other side"),
    ("transfers", "how do I receive money from the diaspora"),
    ("transfers", "I sent money to the wrong account number"),
    ("transfers", "can my brother in the UK send me money through Mukuru"),
    ("transfers", "move 100 US dollars from my savings to my current account"),
    ("transfers", "I'm expecting my salary, has it come in"),
    # money to people: the person is dropped (person_dropped()), so these
    # teach "pay 300 dollars from my savings" as a transfer; the data
    # sets have few such requests
    ("transfers", "pay my uncle 300 dollars from my savings"),
    ("transfers", "I want to pay Kudzai 45 US dollars"),
    ("transfers", "send 20 dollars to my aunt in Gweru"),
    ("transfers", "transfer 150 to my husband's account"),
    ("transfers", "pay 60 to Themba for fixing my car"),
    ("transfers", "I need to send her 80 USD today"),
    ("transfers", "how do I pay my maid her salary from my account"),
    ("transfers", "give my mother 50 dollars from my account"),
    ("transfers", "send 500 rand to Sipho in Johannesburg"),
    ("transfers", "can I pay my brother back the 100 I borrowed"),
    ("transfers", "put 40 dollars into my daughter's account"),
    ("transfers", "send some money to my grandfather for food"),
    ("transfers", "I'd like to pay Tafadzwa $200 for the goats"),
    ("transfers", "can you pay 25 dollars to him now"),
    ("exchange_rates", "how much is one US dollar in ZiG today"),
    ("exchange_rates", "what's your buying rate for the pound"),
    ("exchange_rates", "convert 500 rand to US dollars"),
    ("exchange_rates", "what is the official rate this morning"),
    ("exchange_rates", "can I change my ZiG into US dollars at the bank"),
    ("exchange_rates", "what rate do you use for the South African rand"),
    ("fraud",
     "someone phoned saying they are from the bank and asked for my OTP"),
    ("fraud",
     "I gave my PIN to a caller who said he was from your fraud team"),
    ("fraud", "a stranger sent me a link and now money is missing"),
    ("fraud", "there are withdrawals on my account that I did not do"),
    ("fraud", "I got a message to confirm my card details, is it a scam"),
    ("fraud", "my EcoCash was emptied by someone I don't know"),
    ("fraud", "a person pretending to be an agent took my card number"),
    ("balance", "how much money do I have left"),
    ("balance", "can you tell me what is in my savings"),
    ("balance", "check my balance on the USSD"),
    ("balance", "what is my available balance on my USD account"),
    ("balance", "is there enough in my account for a 300 dollar payment"),
    ("statements", "I need a bank statement for my visa"),
    ("statements", "send me my last six months of transactions"),
    ("statements", "can I get a stamped statement for the embassy"),
    ("statements", "show my recent payments"),
    ("statements", "email me a statement for March"),
    ("account_opening", "I want to open a USD account"),
    ("account_opening", "what do I need to open a savings account"),
    ("account_opening", "can a student open an account with you"),
    ("account_opening", "how do I open a business account for my shop"),
    ("account_opening", "I'd like to become a customer of your bank"),
    ("cash_deposit", "I deposited money at the branch and it isn't showing"),
    ("cash_deposit", "can I deposit US dollars cash into my ZiG account"),
    ("cash_deposit", "where can I bank cash on a Saturday"),
    ("cash_deposit", "how long does a cheque deposit take to clear"),
    ("atm", "the ATM gave me less money than I asked for"),
    ("atm", "which ATMs give out US dollars"),
    ("atm", "how much can I withdraw at the ATM per day"),
    ("atm", "the machine kept my card"),
    ("card_blocked", "please stop my card immediately"),
    ("card_blocked", "my card isn't working at the till"),
    ("card_blocked", "can you lift the block on my Visa"),
    ("card_blocked", "my account has been frozen, why"),
    ("card_lost_stolen", "I dropped my card somewhere in town"),
    ("card_lost_stolen", "my bag was snatched with my bank card in it"),
    ("card_new", "when will my replacement card be ready for collection"),
    ("card_new", "I'd like to order a Visa debit card"),
    ("card_new", "the expiry date on my card has passed"),
    ("pin", "I typed my PIN wrong three times"),
    ("pin", "I want a different PIN on my card"),
    ("pin", "I've forgotten my mobile banking password"),
    ("fees", "what are your bank charges for a USD account"),
    ("fees", "why did you deduct a maintenance fee"),
    ("fees", "how much is the 2 percent tax on transfers"),
    ("fees", "is there a charge for using ZIPIT"),
    ("refunds", "the shop reversed my payment but I didn't get the money"),
    ("refunds", "I was debited twice for one ZESA purchase"),
    ("refunds", "please reverse the transfer I made by mistake"),
    ("account_closing", "please close my ZiG account, I no longer use it"),
    ("account_closing", "how do I stop banking with you and close everything"),
    ("personal_details", "I got married and want to change my surname"),
    ("personal_details", "update my phone number on my account"),
    ("personal_details", "my address changed, I moved to Bulawayo"),
    ("account_details", "what is my account number"),
    ("account_details", "what's the branch code for Harare"),
    ("account_details",
     "give me your bank's SWIFT code for a transfer from abroad"),
    ("identity_verification", "what documents do you need to verify me"),
    ("identity_verification", "why are you asking for my national ID"),
    ("identity_verification", "do I need proof of residence"),
    ("cheque_book", "my cheques are finished, I need another booklet"),
    ("rewards", "how many points do I have on my card"),
    ("card_payments",
     "my swipe payment at the supermarket failed but money was taken"),
    ("card_payments", "can I pay with my card in shops in South Africa"),
    ("card_payments", "the payment at the fuel station is still pending"),
]

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
    "supercalifragilisticexpialidocious transfer",
    # people: dropped before the features (person_dropped()), "'s" too
    "Can you send $50 to John",
    "pay 200 to my mom",
    "pay my mom 200",
    "I want to give Tendai's brother 30 dollars",
    "him her them",
    "call my mom",
    "text John that I am late",
]


# --- ct_text_tokenize(), byte for byte: tools/ct_text.py --------------------

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ct_text import tokenize  # noqa: E402
import train_banking  # noqa: E402


# --- normalization (src/text/topics_model.c does the same) ------------------

# The person words the banking detector drops (tools/train_banking.py's
# names, relatives and pronouns), as single tokens of ct_text_tokenize()
# ("co-worker" is two, neither of them a person).  Written into the model
# as "drop" lines.
DROP = frozenset(w.encode() for w in
                 (train_banking.NAMES + " " + train_banking.KIN).split()
                 if tokenize(w) == [w.encode()])


def person_dropped(tok):
    """True when token tok is dropped: a person word, or one with "'s"."""
    return tok in DROP or (len(tok) > 2 and tok.endswith(b"'s") and
                           tok[:-2] in DROP)


def model_tokens(text):
    """The tokens of text that the model sees: the person words dropped."""
    return [t for t in tokenize(text) if not person_dropped(t)]


# --- features (src/text/topics_model.c computes the same) -------------------

def feature_groups(text):
    """The feature occurrences of a text, by kind: tokens, pairs of
    adjacent tokens ("a_b"; no token contains "_") and character n-grams of
    "<token>" ("~" + n-gram; no token contains "~", "<" or ">"), all of
    model_tokens(text): a pair joins the tokens around a dropped one."""
    toks = model_tokens(text)
    grams = []
    for t in toks:
        s = b"<" + t + b">"
        for n in range(CHARGRAMS[0], CHARGRAMS[1] + 1):
            grams += [b"~" + s[i:i + n] for i in range(len(s) - n + 1)]
    return (toks, [a + b"_" + b for a, b in zip(toks, toks[1:])], grams)


def feature_values(groups, index):
    """{feature index: value} of a text's feature groups."""
    out = collections.defaultdict(float)
    for group in groups:
        if not group:
            continue
        v = 1.0 / math.sqrt(len(group))
        for f in group:
            j = index.get(f)
            if j is not None:
                out[j] += v
    return out


class Matrix:
    """Texts as sparse rows: feature indexes, values, row starts."""

    def __init__(self, groups, index):
        idx, val, ptr = [], [], [0]
        for g in groups:
            for j, v in sorted(feature_values(g, index).items()):
                idx.append(j)
                val.append(v)
            ptr.append(len(idx))
        self.idx = np.array(idx, dtype=np.int64)
        self.val = np.array(val, dtype=np.float64)
        self.ptr = np.array(ptr, dtype=np.int64)
        self.n = len(groups)

    def rows(self, rows):
        """Feature indexes, values and batch row of the given rows."""
        segs = [np.arange(self.ptr[r], self.ptr[r + 1]) for r in rows]
        lens = np.array([len(s) for s in segs], dtype=np.int64)
        at = (np.concatenate(segs) if segs else np.zeros(0, dtype=np.int64))
        return self.idx[at], self.val[at], np.repeat(np.arange(len(rows)),
                                                     lens)


def feature_index(groups):
    """Features of at least MIN_DOCS texts, in byte order -> index."""
    df = collections.Counter()
    for g in groups:
        df.update(set(f for group in g for f in group))
    return {f: i for i, f in enumerate(sorted(f for f, n in df.items()
                                              if n >= MIN_DOCS))}


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def batch_scores(w, b, fi, fv, rid, nrows):
    z = np.tile(b, (nrows, 1))
    if len(rid):
        starts = np.searchsorted(rid, np.arange(nrows))
        has = np.diff(np.append(starts, len(rid))) > 0
        z[has] += np.add.reduceat(fv[:, None] * w[fi], starts[has], axis=0)
    return z


def fit(x, y, w, b, mask, epochs, seed):
    """Adam on the softmax loss with L2 over the rows of x; only weights
    where mask is 1 move (mask None: all).  Updates w and b in place."""
    rng = np.random.RandomState(seed)
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(b), np.zeros_like(b)
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    for _ in range(epochs):
        perm = rng.permutation(x.n)
        for s in range(0, x.n, BATCH):
            rows = perm[s:s + BATCH]
            fi, fv, rid = x.rows(rows)
            p = softmax(batch_scores(w, b, fi, fv, rid, len(rows)))
            p[np.arange(len(rows)), y[rows]] -= 1
            p /= len(rows)
            uf, inv = np.unique(fi, return_inverse=True)
            order = np.argsort(inv, kind="stable")
            g = np.add.reduceat((fv[:, None] * p[rid])[order],
                                np.searchsorted(inv[order],
                                                np.arange(len(uf))), axis=0)
            g += L2 * w[uf]
            if mask is not None:
                g *= mask[uf]
            t += 1
            a = RATE * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            mw[uf] = b1 * mw[uf] + (1 - b1) * g
            vw[uf] = b2 * vw[uf] + (1 - b2) * g * g
            w[uf] -= a * mw[uf] / (np.sqrt(vw[uf]) + eps)
            gb = p.sum(axis=0)
            mb = b1 * mb + (1 - b1) * gb
            vb = b2 * vb + (1 - b2) * gb * gb
            b -= a * mb / (np.sqrt(vb) + eps)


def train(groups, y, nclasses, seed):
    """(feature index, weights, biases) trained on the texts' groups."""
    index = feature_index(groups)
    x = Matrix(groups, index)
    w = np.zeros((len(index), nclasses))
    b = np.zeros(nclasses)
    fit(x, y, w, b, None, EPOCHS, seed)
    w -= np.median(w, axis=1, keepdims=True)
    mask = (np.abs(w) >= PRUNE).astype(np.float64)
    w *= mask
    fit(x, y, w, b, mask, RETRAIN_EPOCHS, seed + 1)
    return index, w * mask, b


def scores(index, w, b, groups):
    x = Matrix(groups, index)
    fi, fv, rid = x.rows(np.arange(x.n))
    return batch_scores(w, b, fi, fv, rid, x.n)


def temperature(groups, y, source, nclasses):
    """The temperature that makes out-of-fold posteriors most likely.  A
    text and its augmented copy share a fold."""
    fold = np.random.RandomState(SEED).randint(0, FOLDS, len(y))[source]
    z = np.zeros((len(y), nclasses))
    for k in range(FOLDS):
        tr = np.where(fold != k)[0]
        te = np.where(fold == k)[0]
        index, w, b = train([groups[i] for i in tr], y[tr], nclasses,
                            SEED + 2 * (k + 1))
        z[te] = scores(index, w, b, [groups[i] for i in te])
        print("fold %d: %.4f right" % (k, (z[te].argmax(1) == y[te])
                                       .mean()), file=sys.stderr)
    z -= z.max(axis=1, keepdims=True)
    best = None
    for t in np.arange(0.30, 2.001, 0.01):
        nll = -(z[np.arange(len(y)), y] / t -
                np.log(np.exp(z / t).sum(axis=1))).mean()
        if best is None or nll < best[1]:
            best = (round(float(t), 2), nll)
    return best[0]


# --- data -------------------------------------------------------------------

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


def banking77(root, b77_map):
    """(text, topic, held out) of the mapped BANKING77 rows, in file order.
    Held out: per label, every HOLD_OUT_EVERY-th row in file order."""
    out, seen = [], collections.Counter()
    with open(os.path.join(root, BANKING77_PATH), encoding="utf-8",
              newline="") as f:
        for row in csv.DictReader(f):
            label = row["category"]
            k = seen[label]
            seen[label] += 1
            if label in b77_map:
                out.append((row["text"], b77_map[label],
                            k % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1))
    return out


def clinc(root, clinc_map, splits):
    """(text, class) of CLINC150 splits: mapped intents give their topic,
    intents of the other domains and out-of-scope queries "none"."""
    with open(os.path.join(root, CLINC_DOMAINS_PATH), encoding="utf-8") as f:
        domains = json.load(f)
    bank = {i for d in BANK_DOMAINS for i in domains[d]}
    with open(os.path.join(root, CLINC_PATH), encoding="utf-8") as f:
        data = json.load(f)
    out = []
    for split in splits:
        for text, intent in data[split]:
            if intent in clinc_map:
                out.append((text, clinc_map[intent]))
            elif intent not in bank:
                out.append((text, NONE))
    return out


def augmented(texts, rng):
    """A share of the topic texts, inside an opener, a closing or both, as
    (text, class, index of the text it was made from)."""
    out = []
    for i, (text, cls) in enumerate(texts):
        if cls == NONE or rng.random() >= AUGMENT_SHARE:
            continue
        kind = rng.randrange(3)
        opener = rng.choice(OPENERS).format(name=rng.choice(CALLER_NAMES))
        closing = rng.choice(CLOSINGS)
        body = text.strip()
        if kind != 1:
            body = opener + " " + body
        if kind != 0:
            body = body.rstrip("?.!") + ", " + closing
        out.append((body, cls, i))
    return out


def training_texts(root, b77_map, clinc_map):
    """(text, class) pairs in a fixed order, and for each the index of the
    text it was made from (itself, or the source of an augmented copy)."""
    out = [(t, c) for t, c, held in banking77(root, b77_map) if not held]
    out += clinc(root, clinc_map, ("train", "oos_train"))
    out += [(t, NONE) for t in SUPPLEMENT_NONE] * SUPPLEMENT_REPEAT
    out += [(t, c) for c, t in SUPPLEMENT_TOPICS] * SUPPLEMENT_REPEAT
    aug = augmented(out, random.Random(SEED))
    return (out + [(t, c) for t, c, _ in aug],
            list(range(len(out))) + [i for _, _, i in aug])


# --- output -----------------------------------------------------------------

def fnv64(data):
    """64-bit FNV-1a: src/text/topics_model.c finds features by it."""
    h = 14695981039346656037
    for c in data:
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


class Written:
    """The model as written: integer weights, and the posterior that
    src/text/topics_model.c computes from them."""

    def __init__(self, classes, index, w, b):
        self.classes = classes
        self.bias = [int(round(v * SCALE)) for v in b]
        self.feat = {}
        hashes = set()
        for f, i in index.items():
            per = {c: int(round(w[i, c] * SCALE)) for c in range(len(classes))}
            per = {c: v for c, v in per.items() if v}
            if per:
                self.feat[f] = per
                hashes.add(fnv64(f))
        if len(hashes) != len(self.feat):
            sys.exit("two features have the same 64-bit FNV-1a hash: "
                     "src/text/topics_model.c would refuse the model")
        self.drop = sorted(DROP)
        if len({fnv64(w) for w in self.drop}) != len(self.drop):
            sys.exit("two dropped words have the same 64-bit FNV-1a hash: "
                     "src/text/topics_model.c would refuse the model")

    def posterior(self, text):
        """(index of the most probable class, its posterior)."""
        score = [float(v) / SCALE for v in self.bias]
        for group in feature_groups(text):
            if not group:
                continue
            v = 1.0 / math.sqrt(len(group))
            for f in group:
                for c, x in self.feat.get(f, {}).items():
                    score[c] += v * x / SCALE
        best = max(range(len(score)), key=lambda c: (score[c], -c))
        z = sum(math.exp(s - score[best]) for s in score)
        return best, 1.0 / z


def write_model(path, m, ntexts, temp):
    lines = [
        "# convtrack topic intent model: multinomial logistic regression",
        "# over the tokens, token pairs (\"a_b\") and character n-grams",
        "# (\"~<ca\", \"~ard>\") of ct_text_tokenize()'s tokens, written by",
        "# tools/train_topics.py (do not edit; retrain).  Trained on %d" %
        ntexts,
        "# texts of BANKING77, CLINC150 and the trainer's supplement;",
        "# calibrated (temperature %.2f, folded into the weights).  License" %
        temp,
        "# and attribution in topics_model.LICENSE.md.  See",
        "# docs/text-rules-topics.md.",
        "#",
        "# Lines after these comments: \"%s\"; \"classes C0 C1 ...\"" %
        FORMAT_LINE,
        "# (C0 is none, the others topic ids); \"scale S\";",
        "# \"chargrams A B\"; \"bias B0 B1 ...\"; one line per dropped word:",
        "# \"drop W\"; then one line per feature: \"f FEATURE K:W ...\"",
        "# (weight W / S for class K; classes not listed weigh 0).",
        "# A token that is a dropped word (names, relatives, pronouns:",
        "# \"john\", \"mom\", \"him\"), or one followed by \"'s\", is removed",
        "# before the features are made; a pair joins the tokens around it.",
        "# score_c = B_c / S + sum over the kinds (tokens, pairs, n-grams) of",
        "# the weights of the kind's occurrences in the text, each times",
        "# 1 / sqrt(the kind's occurrences); posteriors are their softmax.",
        FORMAT_LINE,
        "classes " + " ".join(m.classes),
        "scale %d" % SCALE,
        "chargrams %d %d" % CHARGRAMS,
        "bias " + " ".join(str(v) for v in m.bias),
    ]
    lines += ["drop %s" % w.decode() for w in m.drop]
    for f, per in m.feat.items():
        lines.append("f %s %s" % (f.decode("utf-8", "surrogateescape"),
                                  " ".join("%d:%d" % (c, v)
                                           for c, v in sorted(per.items()))))
    with open(path, "w", encoding="utf-8", errors="surrogateescape",
              newline="\n") as out:
        out.write("\n".join(lines) + "\n")


def write_scores(path, m, samples):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("# class\tposterior\ttext (tools/train_topics.py; "
                  "checked by tests/unit/test_topics.c)\n")
        for text in samples:
            c, p = m.posterior(text)
            out.write("%s\t%.6f\t%s\n" % (m.classes[c], p,
                                          text.replace("\t", " ")
                                          .replace("\n", " ")))


def held_out_samples(held, val):
    """A few held-out examples of each data set, by position."""
    out = [held[i][0] for i in range(0, len(held), len(held) // 12)]
    out += [val[i][0] for i in range(0, len(val), len(val) // 12)]
    return out


def report(m, held, val):
    """The model alone on the development data (for information; the eval
    measures the shipped combination)."""
    right = sum(m.classes[m.posterior(t)[0]] == c for t, c in held)
    pos = [(t, c) for t, c in val if c != NONE]
    neg = [t for t, c in val if c == NONE]
    vright = sum(m.classes[m.posterior(t)[0]] == c for t, c in pos)
    given = sum(m.posterior(t)[0] != 0 for t in neg)
    print("model alone: BANKING77 held out %.4f (%d), CLINC150 val %.4f "
          "(%d), negatives given a topic %.4f (%d)" % (
              right / len(held), len(held), vright / len(pos), len(pos),
              given / len(neg), len(neg)), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), ".."))
    root = ap.parse_args().root
    topic_ids, b77_map, clinc_map = load_taxonomy(root)
    texts, source = training_texts(root, b77_map, clinc_map)
    present = {c for _, c in texts}
    classes = [NONE] + [t for t in topic_ids if t in present]
    cls = {c: i for i, c in enumerate(classes)}
    groups = [feature_groups(t) for t, _ in texts]
    y = np.array([cls[c] for _, c in texts], dtype=np.int64)
    temp = temperature(groups, y, np.array(source), len(classes))
    index, w, b = train(groups, y, len(classes), SEED)
    m = Written(classes, index, w / temp, b / temp)
    write_model(os.path.join(root, MODEL_PATH), m, len(texts), temp)
    held = [(t, c) for t, c, h in banking77(root, b77_map) if h]
    val = clinc(root, clinc_map, ("val", "oos_val"))
    write_scores(os.path.join(root, SCORES_PATH), m,
                 SAMPLES + held_out_samples(held, val))
    print("%d training texts, %d classes, %d features, %d weights, "
          "temperature %.2f" % (len(texts), len(classes), len(m.feat),
                                sum(len(p) for p in m.feat.values()), temp),
          file=sys.stderr)
    report(m, held, val)


if __name__ == "__main__":
    main()
