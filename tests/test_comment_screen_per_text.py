"""The comment screen's per-text work, done once per distinct text (issue 24, round 11), changes no flag.

``screen_comments`` finds each distinct text's words, whether a listed person's name may be in it
and its patterns once, and calls the name search only for texts that may hold a name; ``_words``
finds the character before each word without re-reading the text before it. Both must give what
the former code gave (kept below): every comment's flags, on texts that recur on the same and on
different mentors, with names of mentors (their own and others'), mentees and staff, e-mails,
phones, dates and course codes, in random spacing and punctuation.
"""

from __future__ import annotations

import random
import re

import pandas as pd

from mentorassess.release.comments import (KINDS, CommentReview, _duplicate_flags, _fold, _name_flags, _NameIndex,
                                           _norm_text, _pattern_flags, _people, _words, screen_comments)
from tests.test_release_comments import MENTEES, ORDINARY, ROSTER


def _former_words(text):
    out = []
    for m in re.finditer(r"\w+", text):
        before = text[:m.start()].rstrip()
        initial = not before or before[-1] in ".!?:;\"'(\u201c\u2018-\u2013\u2014"
        w = m.group()
        out.append((_fold(w), m.start(), m.end(), w[:1].isupper() and not initial, w[:1].isupper()))
    return out


def _former_screen(frame, roster, mentees, names):
    import unicodedata

    texts = [unicodedata.normalize("NFC", str(t)) for t in frame["text"]]
    mentors = list(frame["mentor_id"])
    people = _NameIndex(_people(roster, mentees, names))
    norms = [_norm_text(t) for t in texts]
    dups = _duplicate_flags(norms, mentors, texts, 0.9)
    out = []
    for i, text in enumerate(texts):
        flags = _name_flags(text, _former_words(text), people, mentors[i]) + _pattern_flags(text, None) + dups.get(i, [])
        out.append(tuple(sorted(set(flags), key=lambda f: (KINDS.index(f.kind), f.start, f.end, f.detail))))
    return out


PIECES = ORDINARY + [
    "Jordan Smith was great", "ask Will about it", "I will grant it", "Hope Park helped", "hope this helps",
    "Zofia Wiśniewska and wisniewska", "Ольга answered", "Olga answered", "王芳 explained", "Priya Raghunathan",
    "Dean Alvarez, the chair", "mail me at a.b@example.org", "call +1 617 555 0100", "on 2024-03-05",
    "March 5, 2024", "BIO 101 and EPI-5120", "JordanSmith", "Dr.Smith", "(Grant) said", "\u201cWill\u201d said",
]


def test_flags_equal_the_former_screen_on_random_comments():
    rng = random.Random(7)
    seps = [" ", "  ", ". ", ", ", "; ", " - ", "\u2014", "\n", "\t", "! ", "? ", ": ", " (", ") "]
    pool = []
    for _ in range(400):
        parts = [rng.choice(PIECES) for _ in range(rng.randint(1, 4))]
        text = parts[0]
        for p in parts[1:]:
            text += rng.choice(seps) + p
        pool.append(text)
    texts = [rng.choice(pool) for _ in range(3000)]  # texts recur, on one mentor and on several
    frame = pd.DataFrame({"mentor_id": [f"M{rng.randint(1, 9)}" for _ in texts], "wave": "post", "text": texts})
    got = screen_comments(frame, roster=ROSTER, mentees=MENTEES, names=["Dean Alvarez"]).comments
    want = _former_screen(frame, ROSTER, MENTEES, ["Dean Alvarez"])
    assert [r.flags for r in got] == want
    assert all(isinstance(r, CommentReview) for r in got)
    kinds = {f.kind for flags in want for f in flags}
    assert kinds == set(KINDS)  # every kind of flag is exercised
    assert sum(1 for flags in want if any(f.detail.startswith("the mentor's own") for f in flags)) > 10


def test_words_find_the_same_sentence_starts():
    rng = random.Random(3)
    alphabet = list("aBcDe ZzÉé.!?:;\"'(\u201c\u2018-\u2013\u2014, \t\n\u00a0\u2003") + ["Ola", "will", "Will", "王"]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert _words(text) == _former_words(text), repr(text)
