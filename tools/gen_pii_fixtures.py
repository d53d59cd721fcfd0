#!/usr/bin/env python3
"""Generator of the redaction fixture (tests/fixtures/redact/pii_utterances.tsv).

Writes banking utterances as a Zimbabwean bank's voice assistant hears them,
with personal and payment data embedded, and the spans a redactor must find:
card numbers (Luhn-valid, compact, grouped by spaces or dashes, spoken),
PINs, CVVs and one-time codes after their cues (written, spaced, spoken,
before "is my PIN"), passwords, account numbers after an account cue,
Zimbabwean national ID numbers (valid check letters, with and without
dashes or spaces), IBANs (valid mod-97), email addresses and phone numbers
(local, international, grouped, spoken).  A quarter of the rows are hard
negatives that must come out unchanged: amounts, dates, times, USSD codes,
short numbers, years, percentages, reference numbers after their cue,
Luhn-invalid 16-digit numbers, a PIN or code mentioned without its value.
Some rows carry several values, some non-ASCII text around them (em dashes,
ellipses, curly quotes, Shona and Ndebele words, an emoji).

Format, one utterance a line after "#" comments:
  id <TAB> spans <TAB> text
where spans is "-" or "type:start:end" items separated by ";", with byte
offsets into the UTF-8 text (end exclusive) and the types of
include/convtrack/redact.h (card, pin, cvv, otp, password, account,
id_number, iban, email, phone).

Deterministic: a fixed seed and no other input, so the same file every run.
Python 3 standard library only.

Usage: tools/gen_pii_fixtures.py [--out PATH]
"""

import argparse
import os
import random
import sys

OUT_PATH = "tests/fixtures/redact/pii_utterances.tsv"
SEED = 20240612

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven",
               "eight", "nine"]

FIRST = ["Tendai", "Rudo", "Farai", "Chipo", "Tatenda", "Nyasha", "Kudzai",
         "Tinashe", "Blessing", "Tafadzwa", "Sipho", "Thandeka", "Nomsa",
         "Themba", "Ruvimbo", "Munyaradzi", "Anesu", "Rumbidzai", "Tanaka",
         "Simba", "Mthokozisi", "Nokuthula", "Vimbai", "Chenai"]
LAST = ["Moyo", "Ncube", "Dube", "Sibanda", "Mpofu", "Chikwanha", "Mutasa",
        "Nyathi", "Chirwa", "Makoni", "Gumbo", "Marufu", "Ndlovu", "Zhou",
        "Mhlanga", "Chinembiri", "Mapfumo", "Tshuma"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com",
           "zol.co.zw", "mweb.co.zw", "econet.co.zw", "icloud.com",
           "uz.ac.zw", "nust.ac.zw", "cbz.co.zw"]

# Openers and closers, some non-ASCII; they never contain values.
OPENERS = ["", "", "", "Hi, ", "Hello, ", "Good morning. ", "Mhoro, ",
           "Makadii, ", "Sawubona, ", "Yes, ", "Okay so ", "Um, ",
           "Eish — ", "Please help… ", "Hi there, ", "Ehe, "]
CLOSERS = ["", "", "", ".", ".", " please.", " thanks.", ", ndatenda.",
           ", siyabonga.", " — thank you!", "…", " 🙏", "?", " okay?",
           ". Can you help me?", ", I’m waiting."]


def luhn_digit(body):
    """The Luhn check digit that completes body (a string of digits)."""
    total = 0
    for k, ch in enumerate(reversed(body)):
        v = int(ch)
        if k % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return str((10 - total % 10) % 10)


def luhn_ok(digits):
    total = 0
    for k, ch in enumerate(reversed(digits)):
        v = int(ch)
        if k % 2 == 1:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return total % 10 == 0


def spoken(rng, digits):
    """Digits as a speech recognizer may write them ("double seven")."""
    words = []
    k = 0
    while k < len(digits):
        d = digits[k]
        if k + 1 < len(digits) and digits[k + 1] == d and rng.random() < 0.3:
            words.append("double " + DIGIT_WORDS[int(d)])
            k += 2
            continue
        if d == "0" and k > 0 and rng.random() < 0.3:
            words.append("oh")
        else:
            words.append(DIGIT_WORDS[int(d)])
        k += 1
    return " ".join(words)


def group(digits, sizes, sep):
    out, k = [], 0
    for s in sizes:
        if k >= len(digits):
            break
        out.append(digits[k:k + s])
        k += s
    if k < len(digits):
        out.append(digits[k:])
    return sep.join(out)


# ---------------------------------------------------------------- values

def card_value(rng):
    kind = rng.choice(["visa", "visa", "mc", "mc2", "amex", "discover",
                       "unionpay", "zimswitch", "verve"])
    if kind == "visa":
        body, n = "4" + "".join(rng.choice("0123456789") for _ in range(2)), 16
    elif kind == "mc":
        body, n = str(rng.randint(51, 55)), 16
    elif kind == "mc2":
        body, n = str(rng.randint(2221, 2720)), 16
    elif kind == "amex":
        body, n = rng.choice(["34", "37"]), 15
    elif kind == "discover":
        body, n = rng.choice(["6011", "65"]), 16
    elif kind == "unionpay":
        body, n = "62", rng.choice([16, 17, 18, 19])
    elif kind == "zimswitch":
        body, n = "6" + rng.choice(["03", "27", "04"]), 16
    else:
        body, n = "5061", 19
    while len(body) < n - 1:
        body += rng.choice("0123456789")
    digits = body + luhn_digit(body)
    form = rng.random()
    if form < 0.08:
        return spoken(rng, digits)
    if n == 15 and form < 0.6:
        return group(digits, [4, 6, 5], rng.choice([" ", "-"]))
    if form < 0.35:
        return digits
    if form < 0.75:
        return group(digits, [4, 4, 4, 4], " ")
    if form < 0.92:
        return group(digits, [4, 4, 4, 4], "-")
    return group(digits, [4, 4, 4, 4], "  ")


def code_value(rng, n):
    digits = "".join(rng.choice("0123456789") for _ in range(n))
    form = rng.random()
    if form < 0.15:
        return spoken(rng, digits)
    if form < 0.22:
        return " ".join(digits)
    if form < 0.27 and n >= 6:
        return group(digits, [3, 3, 3], rng.choice([" ", "-"]))
    return digits


def pin_value(rng):
    return code_value(rng, rng.choice([4, 4, 4, 4, 5, 6]))


def cvv_value(rng):
    return code_value(rng, rng.choice([3, 3, 3, 4]))


def otp_value(rng):
    return code_value(rng, rng.choice([6, 6, 6, 4, 5, 8]))


def account_value(rng):
    n = rng.choice([7, 8, 10, 10, 11, 12, 13, 13, 14, 16])
    digits = rng.choice(["0", "1", "4", "9", "2"]) + "".join(
        rng.choice("0123456789") for _ in range(n - 1))
    form = rng.random()
    if form < 0.1:
        return spoken(rng, digits)
    if form < 0.3:
        return group(digits, [4, 4, 4, 4], " ")
    if form < 0.4:
        return group(digits, [3, 4, 3, 3], "-")
    return digits


ID_LETTERS = "ZABCDEFGHJKLMNPQRSTVWXY"
DISTRICTS = ["02", "03", "04", "05", "07", "08", "13", "18", "22", "24",
             "25", "26", "27", "29", "32", "34", "38", "42", "43", "44",
             "47", "48", "50", "56", "58", "59", "63", "66", "67", "70",
             "71", "75", "79", "83", "86"]


def id_value(rng):
    reg = rng.choice(DISTRICTS)
    serial = "".join(rng.choice("0123456789")
                     for _ in range(rng.choice([6, 7, 7])))
    letter = ID_LETTERS[int(reg + serial) % 23]
    if rng.random() < 0.15:
        letter = letter.lower()
    origin = rng.choice(DISTRICTS)
    form = rng.random()
    if form < 0.35:
        return f"{reg}-{serial}{letter}{origin}"
    if form < 0.55:
        return f"{reg}-{serial}-{letter}-{origin}"
    if form < 0.7:
        return f"{reg} {serial} {letter} {origin}"
    if form < 0.85:
        return f"{reg}{serial}{letter}{origin}"
    return f"{reg}-{serial} {letter} {origin}"


IBAN_FORMATS = [("GB", "LLLL" + "D" * 14), ("DE", "D" * 18),
                ("FR", "D" * 10 + "A" * 11 + "DD"), ("NL", "LLLL" + "D" * 10),
                ("MU", "LLLL" + "D" * 19 + "LLL"), ("BE", "D" * 12),
                ("ES", "D" * 20), ("IT", "L" + "D" * 10 + "A" * 12),
                ("CH", "D" * 5 + "A" * 12), ("AE", "D" * 19),
                ("SA", "DD" + "A" * 18), ("PT", "D" * 21)]


def iban_value(rng):
    cc, shape = rng.choice(IBAN_FORMATS)
    bban = ""
    for ch in shape:
        if ch == "D":
            bban += rng.choice("0123456789")
        elif ch == "L":
            bban += rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        else:
            bban += rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    num = "".join(str(int(ch, 36)) for ch in bban + cc + "00")
    check = 98 - int(num) % 97
    iban = f"{cc}{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(iban[k:k + 4] for k in range(0, len(iban), 4))
    return iban


def email_value(rng):
    f, l = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([f"{f}.{l}", f"{f}{l}", f"{f[0]}{l}", f"{f}_{l}",
                        f"{f}.{l}{rng.randint(1, 99)}", f"{l}{f[0]}",
                        f"{f}{rng.randint(1970, 2005)}"])
    if rng.random() < 0.6:
        local = local.lower()
    return f"{local}@{rng.choice(DOMAINS)}"


def phone_value(rng):
    kind = rng.random()
    if kind < 0.85:
        prefix = rng.choice(["71", "73", "77", "78"])
        rest = "".join(rng.choice("0123456789") for _ in range(7))
        nsn = prefix + rest
        form = rng.random()
        if form < 0.08:
            return spoken(rng, "0" + nsn)
        if form < 0.3:
            return "0" + nsn
        if form < 0.45:
            return f"0{nsn[:2]} {nsn[2:5]} {nsn[5:]}"
        if form < 0.6:
            return f"+263 {nsn[:2]} {nsn[2:5]} {nsn[5:]}"
        if form < 0.72:
            return "+263" + nsn
        if form < 0.8:
            return f"0{nsn[:2]}-{nsn[2:5]}-{nsn[5:]}"
        if form < 0.86:
            return f"(0{nsn[:2]}) {nsn[2:5]} {nsn[5:]}"
        if form < 0.93:
            return "263" + nsn
        return f"00263 {nsn[:2]} {nsn[2:5]} {nsn[5:]}"
    if kind < 0.93:
        return "+27 8" + str(rng.randint(1, 4)) + " " + "".join(
            rng.choice("0123456789") for _ in range(3)) + " " + "".join(
            rng.choice("0123456789") for _ in range(4))
    return "+44 7" + "".join(rng.choice("0123456789")
                             for _ in range(3)) + " " + "".join(
        rng.choice("0123456789") for _ in range(6))


def passport_value(rng):
    return rng.choice(["FN", "DN", "AN", "EN", "BN"]) + "".join(
        rng.choice("0123456789") for _ in range(rng.choice([6, 7])))


def password_value(rng):
    f = rng.choice(FIRST)
    return rng.choice([f"{f}{rng.randint(1970, 2024)}",
                       f"{f}@{rng.randint(10, 99)}",
                       f"{f.lower()}#{rng.randint(100, 999)}",
                       f"Harare{rng.randint(1, 9)}!x", f"{f}_{f[::-1]}7",
                       "P@ssw0rd" + str(rng.randint(1, 9))])


# Values that are no personal data; they appear in negatives and around PII.
def amount(rng):
    v = rng.choice([5, 20, 50, 100, 250, 1000, 1250, 5000, 12000, 150000])
    return rng.choice([f"${v}", f"${v:,}.00", f"US${v}", f"USD {v}",
                       f"ZWL {v}", f"ZiG {v}", f"{v} dollars",
                       f"{v} USD", f"R{v}", f"R {v}", f"£{v}", f"{v} bond",
                       f"${v:,}", f"RTGS {v}", f"{v}%"])


def date(rng):
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2025)
    return rng.choice([f"{d:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{d:02d}",
                       f"{d}/{m}/{y % 100:02d}", f"{d:02d}-{m:02d}-{y}",
                       f"{d} March {y}", f"{y}"])


def time_(rng):
    h, mi = rng.randint(1, 12), rng.choice([0, 15, 30, 45])
    return rng.choice([f"{h}:{mi:02d}", f"{h}am", f"{h}pm", f"{h}:{mi:02d}pm",
                       f"{h + 8}:{mi:02d}", f"{h} o'clock"])


def ussd(rng):
    return rng.choice(["*236#", "*151#", "*151*1#", "*227#", "*230#",
                       "*236*1*2#", "*120*1#", "*199#", "*425#"])


def reference(rng):
    return rng.choice([
        "FT" + "".join(rng.choice("0123456789") for _ in range(10)),
        "".join(rng.choice("0123456789") for _ in range(10)),
        "".join(rng.choice("0123456789") for _ in range(16)),
        "MP" + "".join(rng.choice("0123456789") for _ in range(8)) + ".ABC",
        "".join(rng.choice("0123456789") for _ in range(20)),
        "".join(rng.choice("0123456789") for _ in range(12))])


def luhn_invalid16(rng):
    while True:
        body = rng.choice("23456") + "".join(
            rng.choice("0123456789") for _ in range(15))
        if not luhn_ok(body):
            return body if rng.random() < 0.5 else group(body, [4, 4, 4, 4],
                                                          " ")


VALUES = {
    "card": card_value, "pin": pin_value, "cvv": cvv_value,
    "otp": otp_value, "account": account_value, "id_number": id_value,
    "iban": iban_value, "email": email_value, "phone": phone_value,
    "password": password_value, "passport": passport_value,
}
# Span types of values whose name is not a type.
TYPE_OF = {"passport": "id_number"}
FILLERS = {
    "amount": amount, "date": date, "time": time_, "ussd": ussd,
    "ref": reference, "bad16": luhn_invalid16,
    "name": lambda rng: rng.choice(FIRST),
    "n": lambda rng: str(rng.randint(2, 9)),
}

# ---------------------------------------------------------------- templates
# {type} is a value to redact; {amount}, {date}, ... are values to keep.

TEMPLATES = {
    "card": [
        "my card number is {card}",
        "My card number is {card}, it was swallowed by the ATM",
        "the card is {card}",
        "card number {card} expiry 08/27",
        "Please block card {card} immediately, it was stolen yesterday",
        "I want to stop my Visa {card}",
        "the number on my card is {card}",
        "my debit card {card} was declined at the till",
        "can you check why {card} was charged {amount} twice",
        "{card} is the card I used on {date}",
        "it's {card} and the expiry is 11 26",
        "Card: {card}",
        "I lost my Mastercard, the number was {card}",
        "someone used my card {card} at {time} without my permission",
        "reverse the {amount} debit on {card} please",
        "my ZimSwitch card {card} is not working at the POS",
        "the long number on the front is {card}",
        "read it back to me: {card}",
        "I typed {card} on the website and it said invalid",
        "card number is {card} and my name is {name}",
        "card no.{card}",
        "my card number is “{card}”",
        "uh the card number uh {card}",
        "yes it is {card}",
        "{card}",
    ],
    "pin": [
        "my pin is {pin}",
        "pin: {pin}",
        "my PIN is {pin}",
        "My pin number is {pin}",
        "the pin is {pin}",
        "the PIN for my card is {pin}",
        "the pin on my card is {pin}",
        "my ATM pin is {pin} but it keeps saying wrong pin",
        "I changed my pin to {pin} yesterday",
        "please reset my pin to {pin}",
        "set my new pin to {pin}",
        "my old pin was {pin}",
        "{pin} is my pin",
        "{pin} is my PIN, can you check it",
        "my ecocash pin is {pin}",
        "PIN {pin}",
        "it's my pin, {pin}",
        "pin number: {pin}",
        "my card pin is {pin} and it is blocked",
        "I entered pin {pin} twice and now it's blocked",
        "my pin is um {pin}",
        "the pin I used was {pin}",
        "my new pin will be {pin}",
        "pin yangu ndeye {pin}",
        "my pin code is {pin}",
        "my pin — {pin}",
        "pin={pin}",
        "{pin} — that's my pin",
        "My PIN is \"{pin}\"",
        "my pin? it’s {pin}",
        "PIN: {pin}, please don't tell anyone",
        "my mobile banking pin is {pin}",
        "I think my pin is {pin}",
    ],
    "cvv": [
        "CVV {cvv}",
        "the CVV is {cvv}",
        "my cvv is {cvv}",
        "cvv: {cvv}",
        "the three digits on the back are {cvv}",
        "the 3 digits at the back are {cvv}",
        "security code {cvv}",
        "the security code is {cvv}",
        "CVC {cvv} and expiry 09/26",
        "the cvv number is {cvv}",
        "the CVV on my card is {cvv}",
        "cvv2 is {cvv}",
        "{cvv} is the cvv",
        "the code on the back is {cvv}",
    ],
    "otp": [
        "the OTP I got is {otp}",
        "the code is {otp}",
        "my OTP is {otp}",
        "OTP: {otp}",
        "the one time pin is {otp}",
        "the one-time password you sent is {otp}",
        "the verification code is {otp}",
        "I received the code {otp}",
        "the code you sent me is {otp}",
        "the sms code is {otp}",
        "my confirmation code is {otp}",
        "otp {otp}",
        "{otp} is the OTP",
        "the OTP that came is {otp}",
        "I got an OTP, it says {otp}",
        "the code that came through is {otp}",
        "verification code: {otp}",
        "your OTP is {otp}. Do not share it.",
        "Dear customer, your OTP is {otp}",
        "the OTP you sent me, {otp}, does not work",
        "the passcode is {otp}",
        "authentication code {otp}",
        "the code I got on my phone is {otp}",
    ],
    "account": [
        "my account number is {account}",
        "account number {account}",
        "Account no. {account}",
        "acc no {account}",
        "a/c {account}",
        "the account is {account}",
        "please transfer {amount} to account {account}",
        "send {amount} from my account {account} to my wife",
        "my savings account number is {account}",
        "my CBZ account number is {account}",
        "the account number for the school fees is {account}",
        "can you check the balance on account {account}",
        "acct {account} please",
        "{account} is my account number",
        "my account is {account} and I want a statement",
        "account: {account}",
        "my FBC account number is um {account}",
        "the account number is {account}, name {name}",
    ],
    "id_number": [
        "my ID number is {id_number}",
        "my national ID is {id_number}",
        "ID {id_number}",
        "my id is {id_number}",
        "national id number: {id_number}",
        "it's {id_number}",
        "the ID number on the card is {id_number}",
        "{id_number}",
        "I registered with {id_number}",
        "my identity number is {id_number} and my date of birth is {date}",
        "here is my ID {id_number}",
        "the ID I used to open the account was {id_number}",
        "ID number: {id_number}, surname {name}",
        "my passport number is {passport}",
        "passport {passport}",
    ],
    "iban": [
        "my IBAN is {iban}",
        "the IBAN is {iban}",
        "send it to IBAN {iban}",
        "please pay {amount} into {iban}",
        "IBAN: {iban}",
        "the beneficiary IBAN is {iban} in London",
        "my son's account abroad is {iban}",
        "can I receive money from {iban}",
    ],
    "email": [
        "my email is {email}",
        "email me at {email}",
        "you can reach me on {email}",
        "send the statement to {email}",
        "my email address is {email}, please update it",
        "{email}",
        "it's {email}",
        "change my email to {email}",
        "my wife's email is {email}",
        "I didn't get the mail at {email}",
    ],
    "phone": [
        "my number is {phone}",
        "call me on {phone}",
        "you can reach me on {phone}",
        "my phone number is {phone}",
        "send {amount} to {phone} on ecocash",
        "the number registered is {phone}",
        "{phone}",
        "my WhatsApp is {phone}",
        "I sent {amount} to {phone} by mistake",
        "my new number is {phone}, please update it",
        "my brother's number is {phone}",
        "please call me back on {phone} after {time}",
        "it's {phone}",
        "the OTP goes to {phone} but I changed my line",
    ],
    "password": [
        "my password is {password}",
        "password: {password}",
        "my internet banking password is {password}",
        "the password is {password}.",
        "I set the password to {password}",
    ],
    "combo": [
        "my card is {card} and the pin is {pin}",
        "card {card}, cvv {cvv}",
        "my account number is {account} and my ID is {id_number}",
        "my number is {phone} and my email is {email}",
        "the OTP is {otp}, my pin is {pin}",
        "name {name}, ID {id_number}, phone {phone}",
        "card number {card} expiry 12/27 CVV {cvv}",
        "please send {amount} from account {account} to {phone}",
        "my email is {email}, my pin is {pin}",
        "my pin is {pin} and my account number is {account}",
        "I paid {amount} on {date} with card {card}",
        "Mhoro — my ID is {id_number} and my number is {phone} …",
        "call {phone} or email {email}, my account is {account}",
    ],
    "negative": [
        "I paid {amount} on {date} at {time}",
        "dial {ussd} to check your balance",
        "I dialed {ussd} and it said {amount} was deducted",
        "my pin is blocked",
        "I forgot my pin",
        "what is my pin",
        "how do I change my pin",
        "my pin is not working since {date}",
        "I entered the wrong pin {n} times",
        "the OTP never came",
        "I didn't get the code",
        "the code expired after {n} minutes",
        "my card ending in 4821 was declined",
        "the account ending with 9034 was debited {amount}",
        "transaction reference {ref}",
        "the reference number is {ref}",
        "ref {ref} for the transfer on {date}",
        "the meter number is {ref}",
        "my ZESA token is {ref}",
        "receipt number {ref}",
        "I was charged {amount} for {n} days",
        "I have {n} cards with you",
        "I opened the account in {date}",
        "the interest rate is 15% and I borrowed {amount}",
        "my balance was {amount} at {time} on {date}",
        "it took {n} days and I paid {amount} in fees",
        "the number {bad16} keeps coming up on my statement",
        "the code {bad16} was on the slip",
        "is the branch open at {time} on {date}",
        "I want to withdraw {amount} and deposit {amount}",
        "between {date} and {date} I was charged {amount} twice",
        "my loan of {amount} at 12.5% for 24 months",
        "you charged me {amount}, that is 2% of {amount}",
        "the ATM at Sam Levy's gave me {amount} instead of {amount}",
        "what's the exchange rate for {amount}",
        "I need {n} statements from {date} to {date}",
        "in {date} I sent {amount} via ZIPIT",
        "press 1 for English then {n}",
        "the USSD code {ussd} is not working",
        "my daughter is {n} years old and needs an account",
        "I called at {time} and waited 45 minutes",
        "my password is wrong",
        "my password expired",
        "my password is not working",
        "the account number is on the statement",
        "can you send me my account number",
        "Eish — I paid {amount} at {time} and nothing happened…",
        "my card expires 08/27",
        "the code is on the back of the card",
        "I paid the ZESA bill of {amount} on {date}",
        "flight 1234 leaves at {time}",
        "my PIN has 4 digits",
        "give me the last 4 digits",
        "I was born in {date}",
        "rate is 1 USD to 25.5 ZiG today",
        "my salary of {amount} came on the 25th",
        "I bought {n} loaves for {amount}",
        "my account is 1000 dollars short",
        "my account has 2000000 in it",
        "the account balance is 12345678",
        "I transferred 1234567 to my account",
        "the otp expired in 300 seconds",
        "I live at 63 Samora Machel Avenue",
        "press 0 then 1234",
        "I was charged ${bad16}",
    ],
}

# Combinatorial cue phrases: an owner, a cue noun, a link, the value, so
# that the set is not only the fixed templates above.
OWNERS = ["my", "the", "My", "The", "my new", "my old", "our", "my current",
          "this", "the new"]
CUE_NOUNS = {
    "pin": ["pin", "PIN", "pin number", "PIN code", "ATM pin", "card PIN",
            "EcoCash PIN", "mobile banking pin", "secret pin", "Pin"],
    "otp": ["OTP", "otp", "one time pin", "one-time password",
            "verification code", "SMS code", "code", "confirmation code",
            "OTP code", "passcode"],
    "cvv": ["CVV", "cvv", "CVV number", "CVC", "security code", "cvv code",
            "CVV2", "card security code"],
    "account": ["account number", "account no", "account", "acc no",
                "bank account number", "savings account number",
                "current account", "account #", "Account Number",
                "business account number"],
    "card": ["card number", "card", "debit card number", "Visa card",
             "credit card number", "card no", "ZimSwitch card number",
             "Mastercard number"],
}
LINKS = [" is ", ": ", " is: ", " - ", " = ", " was ", ", ", " ", " is just ",
         " would be ", " is now ", " should be "]
COMBO_PREFIXES = ["", "", "", "I think ", "okay ", "so ", "yes ", "um ",
                  "right, ", "listen, "]


def combinatorial(rng, kind):
    """One cue phrase built from parts, as a template."""
    return (rng.choice(COMBO_PREFIXES) + rng.choice(OWNERS) + " " +
            rng.choice(CUE_NOUNS[kind]) + rng.choice(LINKS) +
            "{" + kind + "}")


COUNTS = {"card": 220, "pin": 220, "cvv": 90, "otp": 160, "account": 130,
          "id_number": 110, "iban": 70, "email": 110, "phone": 160,
          "password": 40, "combo": 90, "negative": 300}


def render(rng, template):
    """Fills a template; returns the text and its spans (byte offsets)."""
    out = rng.choice(OPENERS)
    spans = []
    k = 0
    while k < len(template):
        if template[k] != "{":
            out += template[k]
            k += 1
            continue
        e = template.index("}", k)
        name = template[k + 1:e]
        k = e + 1
        if name in VALUES:
            v = VALUES[name](rng)
            start = len(out.encode("utf-8"))
            out += v
            spans.append((TYPE_OF.get(name, name), start,
                          len(out.encode("utf-8"))))
        else:
            out += FILLERS[name](rng)
    close = rng.choice(CLOSERS)
    # A closing "." after a password would be read as part of it by no one,
    # but keep the fixture's text natural: templates ending in "." stay so.
    if not out.endswith(".") and not out.endswith("…"):
        out += close
    if rng.random() < 0.25:
        out = lower_words(out, spans)
    return out, spans


def lower_words(text, spans):
    """Lower-cases the text outside values (transcripts without case)."""
    b = text.encode("utf-8")
    keep = bytearray(b)
    inside = [False] * len(b)
    for _, s, e in spans:
        for k in range(s, e):
            inside[k] = True
    for k, ch in enumerate(b):
        if not inside[k] and 65 <= ch <= 90:
            keep[k] = ch + 32
    return keep.decode("utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, OUT_PATH))
    args = ap.parse_args()
    rng = random.Random(SEED)
    rows = []
    for kind, count in COUNTS.items():
        templates = TEMPLATES[kind]
        for n in range(count):
            text, spans = render(rng, templates[n % len(templates)])
            rows.append((kind, text, spans))
        # As many again from parts, for the cued kinds.
        for n in range(count if kind in CUE_NOUNS else 0):
            text, spans = render(rng, combinatorial(rng, kind))
            rows.append((kind + "-c", text, spans))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Generated by tools/gen_pii_fixtures.py (seed %d); do not "
                "edit by hand.\n" % SEED)
        f.write("# id<TAB>spans (type:start:end;... byte offsets, or -)"
                "<TAB>utterance\n")
        for n, (kind, text, spans) in enumerate(rows):
            sp = ";".join(f"{t}:{s}:{e}" for t, s, e in spans) or "-"
            f.write(f"{kind}-{n:04d}\t{sp}\t{text}\n")
    print(f"gen_pii_fixtures: {len(rows)} utterances -> {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
