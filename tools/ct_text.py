"""The shared tokenizer of the text rules, for the training tools.

ct_text_tokenize() (src/text/text.c) reimplemented byte for byte, so that a model
trained here sees exactly the tokens the worker sees; the unit tests of the
banking detector and of the topics compare the C scores with the scores the
trainers write, which fails on any difference.
"""

TOKEN_MAX = 63


def _word_byte(c):
    return 97 <= c <= 122 or 65 <= c <= 90 or 48 <= c <= 57 or c >= 0x80


def _is_rsquo(b, i, end):
    return (b[i] == 0xE2 and i + 2 < end and b[i + 1] == 0x80 and
            b[i + 2] == 0x99)


def _ussd_len(b, i):
    n, j, digits = len(b), i, 0
    if b[j] != 0x2A:
        return 0
    while j < n and (b[j] == 0x2A or 48 <= b[j] <= 57):
        if b[j] != 0x2A:
            digits += 1
        j += 1
    if j < n and b[j] == 0x23 and digits > 0:
        return j + 1 - i
    return 0


def _apostrophe_len(b, i):
    n, w = len(b), 0
    if b[i] == 0x27:
        w = 1
    elif _is_rsquo(b, i, n):
        w = 3
    if w and i + w < n and _word_byte(b[i + w]) and b[i + w] < 0x80:
        return w
    return 0


def _token(b, start, end):
    out, i = bytearray(), start
    while i < end and len(out) < TOKEN_MAX:
        c = b[i]
        if _is_rsquo(b, i, end):
            out.append(0x27)
            i += 3
            continue
        out.append(c + 32 if 65 <= c <= 90 else c)
        i += 1
    return bytes(out)


def token_spans(text):
    """(bytes of text, [(token bytes, start, end)]): the tokens of text
    (str or bytes) and their byte offsets, as ct_text_tokenize()."""
    b = text.encode("utf-8") if isinstance(text, str) else text
    toks, i, n = [], 0, len(b)
    while i < n:
        start, u = i, _ussd_len(b, i)
        if u:
            toks.append((_token(b, i, i + u), i, i + u))
            i += u
            continue
        if not _word_byte(b[i]):
            i += 1
            continue
        while True:
            while i < n and _word_byte(b[i]):
                i += 1
            a = _apostrophe_len(b, i) if i < n else 0
            if not a:
                break
            i += a
        toks.append((_token(b, start, i), start, i))
    return b, toks


def tokenize(text):
    """The tokens (bytes) of text (str or bytes), as ct_text_tokenize()."""
    return [t for t, _, _ in token_spans(text)[1]]
