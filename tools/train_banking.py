#!/usr/bin/env python3
"""Trainer of convtrack's banking-question detector (src/text/banking.c,
src/text/banking_score.c).

Reads the labelled public data under data/ and the product supplement
tools/banking_supplement.tsv, trains a logistic regression over normalized
tokens of ct_text_tokenize() (tools/ct_text.py reimplements it byte for
byte), and writes:

  data/runtime/banking_model.txt      the model and its word lists, compiled
                                      into the worker
  tests/fixtures/banking/scores.tsv   scores of sample texts under the
                                      written model; tests/unit/test_banking.c
                                      checks that the C code agrees
  tests/fixtures/banking/banking77_heldout.txt
                                      the BANKING77 texts held out (hashes),
                                      which tests/eval/eval_banking.c measures

Normalization (units(); src/text/banking_score.c does the same from the
model's "map", "guard" and "neg" lines):
  - "'s" is cut off; a number's digit groups are one word ("1,630.50");
  - names, relatives and the pronouns for them ("John", "Tendai", "mom",
    "my sister's", "him") are dropped: they carry no weight of their own,
    so "send $50 to John" is judged by "send $50 to" (the public data
    learned "John" and "mom" from calling and texting requests, and made
    money requests to people look like those);
  - a number is "<num>" (also "2k" and number words, a run of them one), a
    number after a currency sign ("$50", "\u00a340", "R50") "<amount>", a
    currency word ("dollars", "bucks", "ZiG") "<cur>";
  - a bank word in another sense ("the bank of the river", "blood bank",
    "charge my phone", "interest in music", "check the weather") becomes
    "~word" (GUARDS, the "guard" lines), so the money sense's weight does
    not fire;
  - the few units after a negation ("don't", "not", "no", ...) in the same
    clause also fire "!unit" (negation scope).
Features of the units: each unit, "~" for a guarded word, the lexicon class
"@CLASS" of a lexicon word, "!unit" inside a negation scope, the hashed
character 3- and 4-grams of each word ("#N", weighted so that a word's add
up to one), which carry over to misspelt and unseen words, and each pair of
neighbouring units.  A text of several sentences scores as the best of
itself and each sentence.

Training material (never CLINC `val`/`oos_val`, never SGD):
  - CLINC150 `train` + `oos_train`: intents of the domains `banking` and
    `credit_cards` are positive, every other intent and `oos` negative; of
    the borderline money intents, `exchange_rate`, `direct_deposit` and
    `travel_notification` are positive (a bank answers them) and `payday`,
    `income`, `taxes`, `rollover_401k`, `w2` are left out (employer or tax
    questions that share the bank's words); an `oos_train` text naming a
    term of the bank lexicon is left out, since for this product it is a
    banking question.
  - BANKING77 `train.csv`, a stratified 80%: per category, the texts in
    the order of their FNV-1a 32 hash, every fifth one held out for the
    evaluation (held_out_banking77()).  All positive.
  - VADER's rated tweets (data/vader), as everyday non-banking English.
  - tools/banking_supplement.tsv (the product's services, money sent to
    people, other senses of bank words, declined offers, a voice call's
    chatter), each line counted SUPPLEMENT_WEIGHT times.
Some texts are also trained behind a greeting or an acknowledgement
("thanks", "okay", "hello" ...) or before a closing ("please", "thanks"),
with their own label.  The threshold comes from a 5-fold cross-validation
over the CLINC and BANKING77 training texts, weighted to the mix of their
test splits (choose_threshold()).  See docs/text-rules-banking.md.

Deterministic: the same inputs give a byte-identical model (fixed seed,
fixed orders, no hash randomization in any result).  Python 3 stdlib only;
about five minutes on one core.

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
HELDOUT_PATH = "tests/fixtures/banking/banking77_heldout.txt"
SUPPLEMENT_PATH = "tools/banking_supplement.tsv"
CLINC_PATH = "data/clinc150/data_train_val.json"
CLINC_DOMAINS_PATH = "data/clinc150/domains.json"
BANKING77_PATH = "data/banking77/train.csv"
TWEETS_PATH = "data/vader/tweets_GroundTruth.txt"
TWEETS_ON = True

FORMAT_LINE = "convtrack-banking 2"
BANK_DOMAINS = ("banking", "credit_cards")
BORDER_POSITIVE = ("exchange_rate", "direct_deposit", "travel_notification")
BORDER_LEFT_OUT = ("payday", "income", "taxes", "rollover_401k", "w2")
BANKING77_HOLDOUT_EVERY = 5  # per category, every fifth text by hash

SEED = 1
EPOCHS = 12
LEARNING_RATE = 0.3
L2 = 1e-5
SUPPLEMENT_WEIGHT = 5
CV_FOLDS = 5
# CLINC's test split has 1,000 out-of-scope texts to 4,500 in scope, its
# training split 100 to 15,000: in the cross-validation that picks the
# threshold an out-of-scope text counts this many times.
OOS_CV_WEIGHT = 30
THRESHOLDS = [round(0.30 + 0.025 * i, 3) for i in range(25)]  # 0.30 .. 0.90
THRESHOLD_TAU = 0.25  # smoothing of the CV counts (logit scale)
# BANKING77's test split has 3,080 texts to CLINC's 4,260 in scope (not
# counting the borderline intents).
B77_TEST_SHARE = 3080 / 4260
AUGMENT_EVERY = 3
AUGMENT_PREFIXES = [
    "thanks", "thank you", "okay", "ok great", "yes", "no", "hello", "hi",
    "good morning", "that's great", "alright", "perfect", "sure", "no thanks",
    "great thank you", "yes please", "okay thank you", "hi there",
    "good afternoon", "that is all good", "thanks for your help",
    "thank you so much for your help", "okay now", "one more thing",
    "that's all for that", "hey", "sorry", "excuse me", "good evening",
    "i see", "cool thanks", "thanks a lot",
]
AUGMENT_SUFFIXES = ["please", "thanks", "thank you", "now", "please help",
                    "for me", "if possible", "right now"]
MIN_COUNT = 3  # a feature of fewer training texts gets no weight
WEIGHT_MIN = 0.0005  # weights that print as 0.000000 or -0.000000 are dropped

# Character n-grams: of each word unit (not placeholders), bracketed as
# "<word>", n from CHAR_MIN to CHAR_MAX, FNV-1a 32 modulo CHAR_BUCKETS.
CHAR_MIN = 3
CHAR_MAX = 4
CHAR_BUCKETS = 1 << 15
CHAR_ON = True
CHAR_SCALE = 1.0  # the n-grams of a word add up to this value

# The bank lexicon: each token also fires the feature "@<class>", whose weight
# is learned from the members that occur in the data and so carries over to
# members that do not (the Zimbabwean names and codes).  Only words that mean
# banking wherever they occur are listed (with a few Shona and Ndebele ones:
# bhanga/ibhange bank, akaundi account, mari/imali money); "card",
# "transfer", "balance", "branch", "pin" and the like keep their own learned
# weights.  A guarded word ("~bank") is no member.
LEXICON = {
    "bank": """
        bank banks banking banker account accounts acc acct atm atms
        overdraft overdrafts overdrawn mortgage mortgages loan loans
        withdraw withdrawal withdrawals withdrew withdrawn withdrawing
        deposit deposits deposited depositing cardless teller tellers
        cheque cheques chequebook debit mastercard remittance remittances
        forex kyc otp swift iban nostro ussd zipit rtgs ecocash onemoney
        telecash innbucks mukuru zimswitch bhanga ibhange akaundi
        venmo zelle paypal cashapp interac moneygram worldremit mpesa
        remit remitted wired fargo citibank usaa hsbc barclays stanbic
        cbz cabs nedbank ecobank absa fnb nmb bancabc santander natwest
        lloyds revolut monzo
    """,
    "money": """
        money cash funds mari imali pounds rand rands quid
    """,
}

# The bank's own channels and services: a text with one of these unigrams is
# a banking query whatever else it says (its score is raised to the
# threshold), since the knowledge base answers about each of them and a
# caller names them for no other reason.  "@ussd" is any USSD code.
FORCE = ["@ussd", "cardless", "ecocash", "innbucks", "onemoney", "rtgs",
         "telecash", "zimswitch", "zipit"]

# --- placeholders ("map" lines) ---------------------------------------------

# Currency words: one unit "<cur>", so every currency is learned from all.
# Only words that are currencies wherever they occur ("pounds" are also
# weights, "rand" a name: those stay words of the @money class).
CURRENCY = """
    dollar dollars usd us$ bucks buck cent cents eur euro euros gbp zar zwl
    zwg zig zigs yen yuan rupee rupees naira kwacha pula shilling
    shillings cedi cedis birr dirham dirhams peso pesos \u00a3 \u20ac \u00a5
    \u20b9 \u20a6
"""
# Number words: "<num>", a run of them one "<num>".  "one" stays itself
# ("one more thing").
NUMBER_WORDS = """
    two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty
    forty fifty sixty seventy eighty ninety hundred hundreds thousand
    thousands million millions billion
"""
# Relatives, people one pays and the pronouns that stand for them: dropped,
# like names.
KIN = """
    mom moms mum mums mother mommy mummy mama momma dad dads father daddy
    papa pops parent parents brother brothers bro sister sisters sis sibling
    siblings wife wifey husband hubby spouse partner fiance fiancee
    girlfriend boyfriend gf bf son sons daughter daughters kid kids child
    children grandma grandmother granny gran nana grandpa grandfather
    grandad granddad grandparents grandson granddaughter grandkids
    grandchildren uncle uncles aunt aunts auntie aunty nephew nephews niece
    nieces cousin cousins stepmom stepmother stepdad stepfather stepson
    stepdaughter stepbrother stepsister friend friends buddy pal bestie
    roommate roommates flatmate housemate landlord landlady tenant tenants
    neighbor neighbour neighbors neighbours colleague colleagues coworker
    coworkers co-worker boss babysitter nanny maid gardener housekeeper
    plumber electrician mechanic tutor teacher coach pastor amai baba
    mukoma hanzvadzi sekuru ambuya tete babamunini mainini maiguru
    muzukuru vatete umama ubaba usisi ubhuti him her them
"""
# Given names (English-speaking countries, Southern Africa and elsewhere),
# leaving out those that are also common words ("bill", "will", "mark",
# "chase", "penny", "grace", "may", "max", "miles", "gift", "trust" ...).
NAMES = """
    aaron abby abdul abigail abraham adam adrian agnes ahmed aisha alan
    albert alex alexa alexander alexandra alexis alfred ali alice alicia
    allan allison alvin amanda amber amelia amina amir amos amy andile
    andre andrea andrew andy angela angelina anita ann anna anne annie
    anthony antonio archie arnold ashley audrey austin ava barbara barry
    beatrice becky ben benjamin bernard beth betty beverly bob bobby bonnie
    boris brad bradley brandon brenda brian bridget brittany bruce bryan
    caleb calvin cameron carl carla carlos carol caroline carrie cathy
    catherine cecilia chad charles charlie charlotte chipo chiara chloe
    chris christina christine christopher cindy claire clara clarence
    claudia clive colin connor craig cynthia daisy dale dan daniel danielle
    danny darren dave david dawit debbie deborah denis dennis derek diana
    diane dominic donald donna dorothy doug douglas duncan dylan eddie
    edgar edith edward edwin eileen elaine eleanor elijah elizabeth ella
    ellen emily emma emmanuel eric erica erin ethan eugene eunice eva evan
    evelyn ezekiel farai fatima felix fiona florence francis frederick
    fred gabriel gail gary gavin george georgia gerald gilbert gloria
    gordon greg gregory hannah harold harry hassan heather helen henry
    herbert howard hugh ian irene isaac isabel isabella ivan jack jackie
    jacob jake james jamie jane janet janice jason jean jeff jeffrey
    jennifer jenny jeremy jerry jessica jesse jim jimmy joan joanne joe
    joel john johnny jonathan jordan jose joseph josh joshua joyce juan
    judith judy julia julie justin karen kate katherine kathy katie
    keith kelly kelvin ken kenneth kevin kim kimberly kudzai kuda kyle
    larry laura lauren lawrence leah lee leon leonard linda lindsay lisa
    liz lois loveness lucy luke lydia lynn maggie malcolm marcus margaret
    maria marie marilyn martha martin marvin mary matt matthew megan
    melissa michael michelle mike mildred mohammed molly monica nancy
    naomi natalie nathan neil nelson nicholas nick nicole noah nomsa
    norman nyasha olivia oliver oscar owen pamela patricia patrick paul
    paula peter philip phillip priscilla rachel ralph randy rebecca regina
    richard rita rob robert roberto robin rodney roger ronald ronnie
    rudo rutendo ruth ryan sally samantha samuel sam sandra sara sarah
    scott sean shamiso shannon sharon shawn sheila shirley shingai sibusiso
    simba simbarashe simon sipho sophia sophie stacy stanley stephanie
    stephen steve steven stuart susan tafadzwa takudzwa tanaka tapiwa
    tatenda teresa terry thabo theresa thomas tim timothy tina tinashe
    tendai thandiwe thulani todd tom tommy tony tracy travis trevor tyler
    valerie vanessa vera victor victoria vincent virginia walter wanda
    warren wayne wendy william willie yvonne zach zachary zanele zodwa
    tariro tsitsi vimbai rumbidzai ngoni fadzai fungai munashe panashe
    nokuthula themba lindiwe bongani busisiwe mandla sizwe thando
    ayanda kagiso lerato mpho neo tumelo kamau wanjiru otieno achieng
    chidi emeka ngozi chinedu tunde bola yusuf omar khalid layla priya
    rahul ravi raj anil sunil deepak wei ming hiroshi yuki carlos luis
    miguel pedro diego sofia lucia pablo jorge andrea giulia marco luca
    hans klaus pierre jacques marie sven lars ingrid olga dmitri ivan
    amir jamal tyrone keisha latoya darnell jaden brayden kayla madison
    mackenzie hailey brooke paige chelsea whitney courtney lindsey
    kristen kristin heidi holly carly kara katrina mia zoe lily ruby
    scarlett leo jude finn theo ollie harriet imogen poppy rosie
    freddie alfie archie ayesha zainab
"""

# --- word senses ("guard" lines) --------------------------------------------

# A bank word whose context gives it another sense becomes "~word".  Each
# guard: (target words, conditions); a condition is (lo, hi, cue words): a
# cue at a token offset lo..hi from the target (not 0) in the same sentence,
# or ("!", lo, hi, cue words): no such cue.  Every condition of a guard must
# hold.
# Tokens that make a guard fail when they are near (a "!" condition): the
# money sense is meant ("charge 5 dollars to my phone", "transfer money for
# school fees").  "<num>" is any number.
MONEY = """money funds fund cash dollars dollar usd bucks rand pounds euros
    zig zwl <num> account accounts bank banks fee fees balance loan
    payment payments amount paid pay bill bills"""
GUARDS = [
    ("bank banks", [(-1, -1, """blood food sperm seed memory snow sand
        piggy power west left right data fog cloud gene tissue milk organ
        egg breast""")]),
    ("bank banks", [(-3, 3, """river rivers riverside stream streams lake
        lakes creek canal pond shore shores fishing fish fished muddy
        grassy steep erosion flood flooded nile zambezi thames
        mississippi limpopo kariba swim swam plane aircraft airplane pilot
        backboard billiards snooker""")]),
    ("bank", [(1, 1, "on"), (2, 2, "it that this me you him her them us")]),
    ("bank", [(1, 1, "shot shots")]),
    ("card cards", [(-2, 2, """birthday greeting greetings christmas xmas
        valentine valentine's valentines condolence sympathy wedding
        invitation invitations postcard sd microsd memory graphics video
        sound network sim yellow red referee report playing deck poker
        tarot trick tricks magic pokemon trading baseball football wild
        flash library bingo uno blackjack solitaire"""),
        ("!", -4, 4, MONEY)]),
    ("card", [(1, 1, "game games table"), ("!", -4, 4, MONEY)]),
    ("balance balanced", [(-3, 3, """bike bicycle cycling beam body yoga
        dizzy dizziness walking standing tires tyres wheels wheel hormone
        hormones ph chemical chemicals diet nutrition exercise exercises
        skateboard surfboard scale equation equations chemistry color
        colour sound speakers stereo ear inner gymnastics tightrope
        power"""), ("!", -4, 4, MONEY)]),
    ("balance", [(-1, -1, "life")]),
    ("account accounts", [(-3, 3, """netflix spotify instagram facebook
        twitter tiktok google gmail email e-mail yahoo hotmail outlook
        icloud microsoft xbox playstation psn steam uber hulu disney
        youtube linkedin snapchat whatsapp zoom dropbox skype discord
        reddit pinterest twitch roblox fortnite minecraft hbo""")]),
    ("account", [(-1, -1, "into")]),
    ("account", [(-1, -1, "on"), (1, 1, "of")]),
    ("accounts", [(-1, -1, "all"), (-2, -2, "by")]),
    ("account", [(-4, 4, """story stories battle war witness eyewitness
        events incident history historical firsthand novel"""),
        ("!", -4, 4, MONEY)]),
    ("statement statements", [(-1, -1, """mission press personal public
        thesis fashion official political witness vision opening""")]),
    ("statement statements", [(-3, 3, "necklace court police sql"),
        ("!", -4, 4, MONEY)]),
    ("statement", [(-2, -2, "make made making")]),
    ("check checking checks", [(1, 3, """weather forecast temperature
        email emails mail inbox messages texts spelling grammar facts
        oil tire tires tyre tyres engine traffic score scores pulse
        calendar schedule news homework answer answers math code
        luggage baggage bag bags flight reservation hotel"""),
        ("!", -4, 4, MONEY)]),
    ("check checking", [(1, 1, "in out up"), ("!", -4, 4, MONEY)]),
    ("check", [(-1, -1, "rain spell fact sound reality body background")]),
    ("charge charging", [(-3, 3, """phone phones battery batteries laptop
        tablet ipad iphone airpods headphones earbuds watch car cars ev
        tesla charger electric scooter powerbank drone"""),
        ("!", -4, 4, MONEY)]),
    ("charge", [(-1, -1, "in")]),
    ("charges charged", [(-3, 3, """criminal police arrested arrest court
        guilty assault murder felony misdemeanor jail prison prosecutor
        prosecutors press pressed dui theft robbery burglary crime crimes
        manslaughter possession trespassing""")]),
    ("interest interests", [(-4, 4, """music art arts hobby hobbies sport
        sports science history reading books movies films dating
        romantic romance conflict love places"""), ("!", -4, 4, MONEY)]),
    ("credit credits", [(-4, 4, """photo photos picture pictures image
        images photographer film movie movies song songs course courses
        class classes college university degree school homework exam
        semester deserve deserves deserved"""),
        ("!", -4, 4, MONEY + " card cards score limit line union report"
         " rating history")]),
    ("transfer transfers transferring transferred", [(-3, 3, """call calls
        file files photos photo pictures videos music songs contacts data
        school schools college university student students flight airport
        shuttle hotel bus train player players club team league window
        heat energy knowledge skills usb drive laptop computer pc iphone
        android sim whatsapp"""), ("!", -4, 4, MONEY)]),
    ("pay", [(1, 2, """attention visit respects tribute homage compliment
        heed""")]),
    ("save saving", [(1, 3, """file files document documents photo photos
        picture pictures game games seat date planet world time energy
        water progress changes draft lives life"""), ("!", -4, 4, MONEY)]),
    ("withdraw withdrawal withdrawals", [(-3, 3, """course class race
        application troops competition tournament nomination candidacy
        consent symptoms caffeine nicotine opioid opiate opiates alcohol
        drug drugs heroin military army cigarettes smoking coffee
        sugar"""), ("!", -4, 4, MONEY)]),
    ("branch branches", [(-3, 3, """tree trees leaf leaves git github code
        repository repo science sciences government military army navy
        olive bird birds fallen fell""")]),
    ("pin pins", [(-2, 2, """safety bowling hair bobby rolling map maps
        board cushion needle needles lapel badge tweet tweets post posts
        comment comments chat"""),
        ("!", -4, 4, MONEY + " card cards atm code number")]),
    ("pin", [(-2, -1, "drop dropped")]),
    ("deposit deposits", [(-2, 2, """mineral calcium gold oil fat plaque
        sediment geological""")]),
    ("rate rates", [(-2, 2, """heart pulse birth crime death mortality
        success frame refresh bit metabolic movie film song restaurant
        star stars respiratory""")]),
    ("exchange", [(-2, 2, """gift gifts student students vows numbers
        ideas views shoes shirt dress sweater jacket size stock"""),
        ("!", -4, 4, MONEY)]),
    ("savings", [(-1, -1, "daylight")]),
    ("bill bills", [(-2, 2, """gates rights congress senate passed law
        legislation duck platypus bird buffalo nye clinton murray cosby
        burr maher""")]),
    ("wire wires", [(-3, 3, """electrical electric copper lamp outlet
        switch circuit speaker speakers fence barbed cable hanger ground
        lights light thermostat solder"""), ("!", -4, 4, MONEY)]),
    ("teller", [(-1, -1, "fortune story")]),
    ("dollar", [(1, 1, "store stores shop tree general")]),
    ("card cards", [(-1, -1, "gift"), ("!", -4, 4, MONEY)]),
    ("owe", [(1, 3, "apology favour favor explanation")]),
]

# Negation cues: the next NEG_SCOPE units of the clause (up to "but") also
# fire "!unit".
NEGATIONS = """
    not no never don't dont doesn't didn't won't can't cannot isn't aren't
    wasn't weren't haven't hasn't hadn't shouldn't wouldn't couldn't
    nothing without
"""
NEG_SCOPE = 4
NEG_STOP = b"but"


def fnv1a32(data):
    """FNV-1a 32-bit hash of bytes (also in tests/eval/eval_banking.c)."""
    h = 2166136261
    for c in data:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


# --- ct_text_tokenize(), byte for byte: tools/ct_text.py --------------------

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ct_text  # noqa: E402


def tokenize_spans(b):
    """(token, start, end) of bytes b, as ct_text_tokenize() (the loop of
    ct_text.tokenize() with the byte offsets kept)."""
    toks, i, n = [], 0, len(b)
    while i < n:
        start, u = i, ct_text._ussd_len(b, i)
        if u:
            toks.append((ct_text._token(b, i, i + u), i, i + u))
            i += u
            continue
        if not ct_text._word_byte(b[i]):
            i += 1
            continue
        while True:
            while i < n and ct_text._word_byte(b[i]):
                i += 1
            a = ct_text._apostrophe_len(b, i) if i < n else 0
            if not a:
                break
            i += a
        toks.append((ct_text._token(b, start, i), start, i))
    return toks


# --- the model's tables -----------------------------------------------------

class Tables:
    """The lexicon, maps, guards and negation cues, as the model file lists
    them (and src/text/banking.c reads them)."""

    def __init__(self):
        self.lex = {}
        for cls, words in sorted(LEXICON.items()):
            for w in words.split():
                self.lex[w.encode()] = cls.encode()
        self.map = {}
        for w in NAMES.split():
            self.map[w.encode()] = b"-"
        for w in KIN.split():
            self.map[w.encode()] = b"-"
        for w in NUMBER_WORDS.split():
            self.map[w.encode()] = b"<num>"
        for w in CURRENCY.split():
            self.map[w.encode()] = b"<cur>"
        for w in self.map:
            self.lex.pop(w, None)
        # (target, [(negated, lo, hi, frozenset(cues))])
        self.guards = []
        for targets, conds in GUARDS:
            cs = []
            for c in conds:
                neg = c[0] == "!"
                lo, hi, cues = c[1:] if neg else c
                cs.append((neg, lo, hi,
                           frozenset(w.encode() for w in cues.split())))
            for t in targets.split():
                self.guards.append((t.encode(), cs))
        self.guarded = {t for t, _ in self.guards}
        self.neg = frozenset(w.encode() for w in NEGATIONS.split())


CURRENCY_SIGNS = (b"$", "\u00a3".encode(), "\u20ac".encode(),
                  "\u00a5".encode(), "\u20b9".encode(), "\u20a6".encode())
SENTENCE_END = b".!?\n"
CLAUSE_END = b".!?\n,;:()"


def _is_digits(t):
    return t.isdigit()


# A token of a currency sign or code and digits ("\u00a340", "r50",
# "usd20") is an amount; "$" separates tokens, so "$40" is a sign and the
# number "40".
AMOUNT_PREFIXES = CURRENCY_SIGNS[1:] + (b"r", b"usd", b"zwl", b"zig")


def _thousands(t):
    """True for "2k", "10k": a number."""
    return len(t) > 1 and t.endswith(b"k") and t[:-1].isdigit()


def _amount_token(t):
    for p in AMOUNT_PREFIXES:
        if len(t) > len(p) and t.startswith(p) and t[len(p):].isdigit():
            return True
    return False


def words(b):
    """The tokens of bytes b, with "'s" cut off ("account's", "what's") and
    digit groups joined ("1,630.50" is one word, spelt as its first group):
    [(token, start, end, number)], number 0 for a word, 1 for a number, 2
    for an amount token."""
    toks = tokenize_spans(b)
    out = []
    i, n = 0, len(toks)
    while i < n:
        t, start, end = toks[i]
        if len(t) > 2 and t.endswith(b"'s"):
            t = t[:-2]
        num = 1 if _is_digits(t) or _thousands(t) else \
            2 if _amount_token(t) else 0
        if num:
            while (i + 1 < n and _is_digits(toks[i + 1][0]) and
                   toks[i + 1][1] == end + 1 and b[end] in b",."):
                i += 1
                end = toks[i][2]
        out.append((t, start, end, num))
        i += 1
    return out


def _gap_has(b, start, end, chars):
    return any(c in chars for c in b[start:end])


def _after_currency(b, start):
    j = start
    if j > 0 and b[j - 1] == 0x20:
        j -= 1
    return any(b[:j].endswith(s) for s in CURRENCY_SIGNS)


def _cue_at(cues, w):
    return w[0] in cues or (b"<num>" in cues and w[3] != 0)


def _guarded(tables, ws, sent, i):
    """True when a guard of word i holds."""
    t = ws[i][0]
    for target, conds in tables.guards:
        if target != t:
            continue
        ok = True
        for neg, lo, hi, cues in conds:
            hit = False
            for k in range(max(0, i + lo), min(len(ws) - 1, i + hi) + 1):
                if k != i and sent[k] == sent[i] and _cue_at(cues, ws[k]):
                    hit = True
                    break
            if hit == neg:
                ok = False
                break
        if ok:
            return True
    return False


def units(tables, text):
    """The normalized units of text: [(unit, lexkey, negated, sentence)], in
    order.  lexkey is the token whose lexicon class fires (None for none);
    sentence counts the sentence ends before the unit."""
    b = text.encode("utf-8") if isinstance(text, str) else text
    ws = words(b)
    n = len(ws)
    sent, clause_break = [0] * n, [False] * n
    for i in range(1, n):
        gap = (ws[i - 1][2], ws[i][1])
        sent[i] = sent[i - 1] + _gap_has(b, gap[0], gap[1], SENTENCE_END)
        clause_break[i] = _gap_has(b, gap[0], gap[1], CLAUSE_END)
    out = []
    scope = 0
    for i, (t, start, _, num) in enumerate(ws):
        if clause_break[i] or t == NEG_STOP:
            scope = 0
        lexkey = None
        if t[:1] == b"*":
            unit, lexkey = b"@ussd", t
        elif num:
            unit = b"<amount>" if num == 2 or _after_currency(b, start) \
                else b"<num>"
        elif t in tables.guarded and _guarded(tables, ws, sent, i):
            unit = b"~" + t
        else:
            m = tables.map.get(t)
            if m is None:
                unit, lexkey = t, t
            else:
                unit = m
        if unit == b"-":
            continue
        if unit == b"<num>" and out and out[-1][0] == b"<num>" and \
                not clause_break[i]:
            continue
        out.append((unit, lexkey, scope > 0, sent[i]))
        if scope:
            scope -= 1
        if t in tables.neg:
            scope = NEG_SCOPE
    return out


# --- features (src/text/banking_score.c computes the same) -------------------

def char_buckets(unit):
    """Hashed character n-grams of a word unit "<unit>" (none for
    placeholders, "~word" and "@ussd")."""
    if not CHAR_ON or unit[:1] in b"<~@":
        return []
    w = b"<" + unit + b">"
    out = []
    for n in range(CHAR_MIN, CHAR_MAX + 1):
        for i in range(0, len(w) - n + 1):
            out.append(fnv1a32(w[i:i + n]) % CHAR_BUCKETS)
    return out


def features(tables, text):
    """Feature names of a text, in the order src/text/banking.c adds them.

    Per unit: the unit, then "~" when it is a guarded word (the class of
    all of them), "@<class>" when its token is in the lexicon,
    then "!unit" when it is in a negation scope, then its character n-grams
    "#N"; then the bigrams "<prev>_<unit>" with "^" before the first.  "_",
    "^", "@", "!", "#", "~" and "<" cannot occur inside a token, so the
    names never collide."""
    return features_of(tables, units(tables, text))


def features_of(tables, us):
    """[(feature, value)] of units us: value 1.0, but CHAR_SCALE / n for
    each of the n character n-grams of a word."""
    out = []
    for unit, lexkey, neg, _ in us:
        out.append((unit, 1.0))
        if unit[:1] == b"~":
            out.append((b"~", 1.0))
        cls = tables.lex.get(lexkey) if lexkey is not None else None
        if cls is not None:
            out.append((b"@" + cls, 1.0))
        if neg:
            out.append((b"!" + unit, 1.0))
        ks = char_buckets(unit)
        if ks:
            v = CHAR_SCALE / len(ks)
            for k in ks:
                out.append((b"#%d" % k, v))
    prev = b"^"
    for unit, _, _, _ in us:
        out.append((prev + b"_" + unit, 1.0))
        prev = unit
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
    acknowledgement or greeting, or before a closing, with the same label:
    callers say "thanks, what is my balance", and the chatter alone must not
    outweigh the question (nor make small talk look like one)."""
    out = []
    for text, label in examples:
        h = fnv1a32(text.encode("utf-8"))
        if h % AUGMENT_EVERY == 0:
            out.append((AUGMENT_PREFIXES[(h >> 8) % len(AUGMENT_PREFIXES)] +
                        ". " + text, label))
        elif h % AUGMENT_EVERY == 1 and (h >> 16) % 3 == 0:
            out.append((text + " " +
                        AUGMENT_SUFFIXES[(h >> 8) % len(AUGMENT_SUFFIXES)],
                        label))
    return out


def train(examples, tables, cache=None):
    """Logistic regression by AdaGrad SGD on examples ([(text, label)]) and
    their augment() copies; the weights averaged over the second half of the
    epochs.  Only features found in at least MIN_COUNT training texts (a
    repeated text counting each time) get a weight."""
    examples = examples + augment(examples)
    if cache is None:
        cache = {}
    feats = []
    for t, _ in examples:
        f = cache.get(t)
        if f is None:
            f = features(tables, t)
            cache[t] = f
        feats.append(f)
    df = collections.Counter()
    for f in feats:
        df.update(set(k for k, _ in f))
    ids = {}
    for k in sorted(k for k, c in df.items() if c >= MIN_COUNT):
        ids[k] = len(ids)
    xs = []
    for f, (_, y) in zip(feats, examples):
        c = collections.defaultdict(float)
        for k, v in f:
            if k in ids:
                c[ids[k]] += v
        xs.append((sorted(c.items()), y))
    nf = len(ids)
    w = [0.0] * nf
    g2 = [0.0] * nf
    wsum = [0.0] * nf
    bias = gbias = bsum = 0.0
    navg = 0
    rnd = random.Random(SEED)
    order = list(range(len(xs)))
    lr, l2, sqrt = LEARNING_RATE, L2, math.sqrt
    for epoch in range(EPOCHS):
        rnd.shuffle(order)
        for i in order:
            x, y = xs[i]
            z = bias
            for k, v in x:
                z += w[k] * v
            g = sigmoid(z) - y
            for k, v in x:
                wk = w[k]
                gk = g * v + l2 * wk
                g2[k] += gk * gk
                w[k] = wk - lr * gk / sqrt(g2[k] + 1e-8)
            gbias += g * g
            bias -= lr * g / sqrt(gbias + 1e-8)
        if epoch >= EPOCHS // 2:
            for k in range(nf):
                wsum[k] += w[k]
            bsum += bias
            navg += 1
    weights = {k: wsum[i] / navg for k, i in ids.items()}
    return weights, bsum / navg


def force_hit(tables, text):
    force = {f.encode() for f in FORCE}
    return any(u[0] in force for u in units(tables, text))


def score(model, tables, text, threshold=None):
    """The model's score of text, summed in the order src/text/banking.c sums;
    at least threshold (when given) for a text with a FORCE unit."""
    weights, bias = model
    us = units(tables, text)
    if not us:
        return 0.0
    parts = [us]  # the whole text, and each sentence when it has several
    if us[-1][3] != us[0][3]:
        for s in range(us[0][3], us[-1][3] + 1):
            part = [u for u in us if u[3] == s]
            if part:
                parts.append(part)
    p = 0.0
    for part in parts:
        z = bias
        for k, v in features_of(tables, part):
            z += weights.get(k, 0.0) * v
        p = max(p, sigmoid(z))
    if threshold is not None and p < threshold and force_hit(tables, text):
        p = threshold
    return p


# --- data -------------------------------------------------------------------

def load_clinc(root, tables, splits=("train", "oos_train")):
    with open(os.path.join(root, CLINC_DOMAINS_PATH), encoding="utf-8") as f:
        domains = json.load(f)
    with open(os.path.join(root, CLINC_PATH), encoding="utf-8") as f:
        data = json.load(f)
    bank = {i for d in BANK_DOMAINS for i in domains[d]}
    out = []
    for split in splits:
        for text, intent in data[split]:
            if intent in BORDER_LEFT_OUT:
                continue
            if intent == "oos" and any(
                    t in tables.lex for t in ct_text.tokenize(text)):
                continue
            label = 1 if intent in bank or intent in BORDER_POSITIVE else 0
            out.append((text, label, intent))
    return out


def read_banking77(root):
    with open(os.path.join(root, BANKING77_PATH), encoding="utf-8",
              newline="") as f:
        rows = list(csv.reader(f))
    return [(r[0], r[1]) for r in rows[1:]]


def held_out_banking77(rows):
    """The held-out texts of BANKING77: per category, sorted by (FNV-1a 32
    of the text, text), every BANKING77_HOLDOUT_EVERY-th from the third."""
    by_cat = collections.defaultdict(list)
    for text, cat in rows:
        by_cat[cat].append(text)
    held = set()
    for cat in sorted(by_cat):
        texts = sorted(set(by_cat[cat]),
                       key=lambda t: (fnv1a32(t.encode("utf-8")), t))
        held.update(texts[2::BANKING77_HOLDOUT_EVERY])
    return held


def load_tweets(root, tables):
    """VADER's 4,200 human-rated tweets as negatives (everyday English that
    asks nothing of a bank), leaving out those that name a lexicon word."""
    out = []
    with open(os.path.join(root, TWEETS_PATH), encoding="utf-8",
              errors="replace") as f:
        for line in f:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 3:
                continue
            text = parts[2]
            if any(t in tables.lex for t in ct_text.tokenize(text)):
                continue
            out.append((text, 0))
    return out


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

def cv_scores(clinc, b77, other, tables, cache):
    """Scores of every clinc and banking77 training text by the model
    trained without its fold (CV_FOLDS folds by text hash; the other
    material always trains): [(score, label, intent)], intent "banking77"
    for the banking77 texts."""
    cf = [fnv1a32(t.encode("utf-8")) % CV_FOLDS for t, _, _ in clinc]
    bf = [fnv1a32(t.encode("utf-8")) % CV_FOLDS for t, _ in b77]
    scored = []
    for k in range(CV_FOLDS):
        kept = [(t, y) for (t, y, _), f in zip(clinc, cf) if f != k]
        kept += [x for x, f in zip(b77, bf) if f != k]
        model = train(kept + other, tables, cache)
        scored += [(score(model, tables, t), y, i)
                   for (t, y, i), f in zip(clinc, cf) if f == k]
        scored += [(score(model, tables, t), 1, "banking77")
                   for (t, _), f in zip(b77, bf) if f == k]
    return scored


def _soft_hit(s, th):
    """How much a score s counts as at or above th: a step smoothed on the
    logit scale (THRESHOLD_TAU), so that the few out-of-scope texts, which
    weigh OOS_CV_WEIGHT each, do not make the F1 curve jagged."""
    def logit(p):
        p = min(max(p, 1e-9), 1 - 1e-9)
        return math.log(p / (1 - p))
    return sigmoid((logit(s) - logit(th)) / THRESHOLD_TAU)


def cv_f1(scored, th):
    """F1 of the clinc texts (out-of-scope ones counted OOS_CV_WEIGHT
    times) and of the clinc and banking77 texts together (banking77 ones
    weighted to their share in the two test splits), at threshold th, with
    smoothed counts (_soft_hit()); the borderline intents that train as
    positives are not counted."""
    n_in = sum(1 for _, _, i in scored
               if i not in ("oos", "banking77") + BORDER_POSITIVE)
    n_b = sum(1 for _, _, i in scored if i == "banking77")
    wb = B77_TEST_SHARE * n_in / max(1, n_b)
    tp = fp = fn = btp = bfn = 0.0
    for s, y, intent in scored:
        if intent in BORDER_POSITIVE:
            continue
        hit = _soft_hit(s, th)
        if intent == "banking77":
            btp += wb * hit
            bfn += wb * (1 - hit)
        elif y:
            tp += hit
            fn += 1 - hit
        else:
            fp += hit * (OOS_CV_WEIGHT if intent == "oos" else 1)
    f_clinc = 2 * tp / max(1, 2 * tp + fp + fn)
    f_both = 2 * (tp + btp) / max(1, 2 * (tp + btp) + fp + fn + bfn)
    return f_clinc, f_both


def choose_threshold(scored, log=print):
    """The threshold of THRESHOLDS with the best mean of the two F1 of
    cv_f1() (the lowest of equal ones)."""
    best = None
    for th in THRESHOLDS:
        fc, fb = cv_f1(scored, th)
        m = (fc + fb) / 2
        log("cv threshold %.3f: F1 clinc (oos x%d) %.4f, clinc+banking77 "
            "%.4f, mean %.5f" % (th, OOS_CV_WEIGHT, fc, fb, m))
        if best is None or m > best[1] + 1e-12:
            best = (th, m)
    return best[0]


# --- output -----------------------------------------------------------------

MODEL_HEADER = """\
# convtrack banking-question detector: logistic regression, written by
# tools/train_banking.py (do not edit; retrain).  See
# docs/text-rules-banking.md; license in banking_model.LICENSE.md.
#
# After these comments, one item per line, fields separated by one space:
# "%s"; "threshold T" (a query when score >= T); "bias B";
# "negscope N"; "charngrams MIN MAX BUCKETS SCALE";
# "lex TOKEN CLASS" (TOKEN also fires the feature @CLASS);
# "force UNIT" (a text with that unit scores at least T);
# "map TOKEN UNIT" (TOKEN becomes UNIT; "-" drops it);
# "neg TOKEN" (a negation cue);
# "guard TARGET LO:HI:CUE,CUE.. [!LO:HI:CUE,..]" (TARGET becomes ~TARGET
# when every condition holds: a cue LO..HI tokens away in the same
# sentence, or with "!" no such cue; the cue "<num>" is any number);
# "w FEATURE WEIGHT"; "c BUCKET WEIGHT" (a character n-gram bucket).
# How units and features follow from the tokens of ct_text_tokenize():
# tools/train_banking.py (units(), features_of()), src/text/banking_score.c.
# score = 1 / (1 + exp(-z)), z = B + the sum of the features' weights (each
# counted as often as it occurs), clamped to -30..30; 0 for no units.
"""


def write_model(path, threshold, model, tables):
    weights, bias = model
    lines = [FORMAT_LINE, "threshold %.3f" % threshold, "bias %.6f" % bias,
             "negscope %d" % NEG_SCOPE]
    if CHAR_ON:
        lines.append("charngrams %d %d %d %s" % (CHAR_MIN, CHAR_MAX,
                                                 CHAR_BUCKETS, CHAR_SCALE))
    for tok in sorted(tables.lex):
        lines.append("lex %s %s" % (tok.decode(), tables.lex[tok].decode()))
    for f in sorted(FORCE):
        lines.append("force %s" % f)
    for tok in sorted(tables.map):
        lines.append("map %s %s" % (tok.decode(), tables.map[tok].decode()))
    for tok in sorted(tables.neg):
        lines.append("neg %s" % tok.decode())
    for target, conds in tables.guards:
        lines.append("guard %s %s" % (target.decode(), " ".join(
            "%s%d:%d:%s" % ("!" if neg else "", lo, hi,
                            ",".join(sorted(c.decode() for c in cues)))
            for neg, lo, hi, cues in conds)))
    kept = {}
    chars = []
    for k in sorted(weights):
        if abs(weights[k]) < WEIGHT_MIN:
            continue
        kept[k] = float("%.6f" % weights[k])
        if k[:1] == b"#":
            chars.append((int(k[1:]), weights[k]))
        else:
            lines.append("w %s %.6f" % (k.decode("utf-8", "surrogateescape"),
                                         weights[k]))
    for k, v in sorted(chars):
        lines.append("c %d %.6f" % (k, v))
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
    "send $1,630.50 to Tom's account", "pay my mom 200", "US$ 20 and R50",
    "\u00a3100 to my sister, \u20ac5 to John", "1.2.3,4 five hundred and two",
    "the bank of the river. the bank is open", "we sat on the river bank",
    "can I bank on it?", "I don't want to transfer money, but pay my bill",
    "no, not the card. the loan", "charge my phone", "check the weather",
    "my mum's account", "interest in music and interest rates",
]


def write_scores(path, model, tables, samples, threshold):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Scores of sample texts under "
                "data/runtime/banking_model.txt, written by\n"
                "# tools/train_banking.py: score<TAB>text (\\t \\n \\r "
                "\\\\ escaped).\n"
                "# tests/unit/test_banking.c checks that the C scorer "
                "agrees.\n")
        for text in samples:
            f.write("%.9f\t%s\n" % (score(model, tables, text, threshold),
                                     escape(text)))


def write_heldout(path, held):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# FNV-1a 32 hashes (hex) of the BANKING77 train.csv texts "
                "held out of\n# training by tools/train_banking.py "
                "(held_out_banking77()); tests/eval/\n# eval_banking.c "
                "measures recall on exactly these.\n")
        for h in sorted({fnv1a32(t.encode("utf-8")) for t in held}):
            f.write("%08x\n" % h)


def training_sets(root, tables):
    clinc = load_clinc(root, tables)
    rows = read_banking77(root)
    held = held_out_banking77(rows)
    b77 = [(t, 1) for t, _ in rows if t not in held]
    sup = load_supplement(root)
    tweets = load_tweets(root, tables) if TWEETS_ON else []
    return clinc, b77, tweets, sup, held


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(here),
                    help="repository root (default: %(default)s)")
    args = ap.parse_args()
    root = args.root
    tables = Tables()
    clinc, b77, tweets, sup, held = training_sets(root, tables)
    other = tweets + sup * SUPPLEMENT_WEIGHT
    print("training texts: clinc %d, banking77 %d (%d held out), tweets %d, "
          "supplement %d (x%d)" % (len(clinc), len(b77), len(held),
                                   len(tweets), len(sup), SUPPLEMENT_WEIGHT))
    cache = {}
    threshold = choose_threshold(cv_scores(clinc, b77, other, tables, cache))
    model = train([(t, y) for t, y, _ in clinc] + b77 + other, tables, cache)
    written = write_model(os.path.join(root, MODEL_PATH), threshold, model,
                          tables)
    samples = [t for t, _, _ in clinc[::97]] + [t for t, _ in b77[::211]] + \
        [t for t, _ in sup[::7]] + SCORE_SAMPLES_EXTRA
    os.makedirs(os.path.dirname(os.path.join(root, SCORES_PATH)),
                exist_ok=True)
    write_scores(os.path.join(root, SCORES_PATH), written, tables, samples,
                 threshold)
    write_heldout(os.path.join(root, HELDOUT_PATH), held)
    print("threshold %.3f, %d weights -> %s" %
          (threshold, len(written[0]), MODEL_PATH))


if __name__ == "__main__":
    main()
