"""Mentees' comments: screening for personal details, and a release order unrelated to submission.

:func:`screen_comments` flags each comment that holds a name from the roster (mentors, mentees,
staff), an e-mail address, a phone number, a date, a course code, or that repeats another comment
(identical or nearly so once case, accents and punctuation are ignored). It only flags: staff
review the flagged comments and decide (``exclude_comments`` in the program config); nothing is
redacted automatically, because a pattern can neither find every personal detail nor tell a
harmless mention from a revealing one. Recognisers are patterns and roster look-ups only, no
language model (see ``docs/design.md``).

:func:`release_order` puts comments in an order that depends only on a program secret, the mentor,
the wave and the text itself: the same inputs give the same order on every run, and the order says
nothing about who submitted first or last.

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"mentor_id": ["M1", "M1"], "wave": ["post", "post"],
...                   "text": ["Dr. Smith replies within days.", "Call me on +44 20 7946 0958."]})
>>> roster = pd.DataFrame({"mentor_id": ["M1"], "name": ["Jordan Smith"]})
>>> screen_comments(c, roster=roster).to_frame()[["kinds", "needs_review"]].values.tolist()
[['name', True], ['phone', True]]
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import hmac
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from mentorassess.release.filenames import is_missing

__all__ = ["CommentFlag", "CommentReview", "CommentScreen", "screen_comments", "release_order", "order_key",
           "KINDS"]

KINDS = ("name", "email", "phone", "date", "course_code", "duplicate")

# Name parts that are also common English words: they count alone only when written with a capital
# letter inside a sentence ("Will Grant", "ask Hope"), not "I will", "Hope this helps".
_COMMON_WORDS = frozenset("""
will bill mark grant hope faith joy rose may june april august young long king hall case page bell
wood green brown white black gray grey rich sunny summer art dean chase frank guy ray jack wade drew
sky dawn eve ivy lily daisy amber ruby pearl hunter price park fields ford baker cook cooper miller
love day law lane hill stone moon star sun north west south east best good well strong power wise
hardy small little major noble lamb fox wolf bird swift fisher mason carter bishop rice field gay
norman victor glen don sue ken pat max bud sandy penny holly rob sam tom
van von der den del della dos das ben bin abu
""".split())
_TITLES = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "phd", "md", "sir", "dame"})

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
                    r"|\b[\w.+\-]+\s*[\[({]\s*at\s*[\])}]\s*[\w\-]+(?:\s*[\[({]\s*dot\s*[\])}]\s*\w+)+", re.I)
_PHONE = re.compile(r"(?<![\w+/])(?:\+|00|\()?\d[\d\s().\-/]{5,}\d(?![\w/])")
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = re.compile(
    r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b"                                   # 2025-09-15
    r"|\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})\b"                         # 15/09/2025, 9.15.25
    rf"|\b{_DAY}(?:\s+of)?\s+{_MONTHS}\b\.?(?:,?\s+\d{{4}})?"                # 5 March, 5th of March 2024
    rf"|\b{_MONTHS}\.?\s+{_DAY}\b(?:,?\s+\d{{4}})?"                          # March 5, Sept. 5th, 2024
    rf"|\b{_MONTHS}\.?,?\s+\d{{4}}\b",                                      # March 2024
    re.I)
_COURSE = re.compile(r"\b([A-Z]{2,5})[ \-]?(\d{3,4})[A-Z]?\b")
_NOT_COURSES = frozenset({"FY", "AY", "CY", "SY", "AD", "BC", "CE", "BCE", "COVID", "SARS", "ISO", "PMID", "DOI"})
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class CommentFlag:
    """One personal detail (or repeat) found in a comment.

    ``start``/``end`` are offsets in the comment's text after NFC normalisation; ``detail`` says
    what matched in words (whose name, which other comment), never quoting the comment.
    """

    kind: str
    start: int
    end: int
    detail: str


@dataclass(frozen=True)
class CommentReview:
    """The flags of one comment (``index`` is its position in the input)."""

    index: int
    mentor_id: str | None
    wave: str | None
    question: str | None
    response_id: str | None
    flags: tuple[CommentFlag, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in KINDS if any(f.kind == k for f in self.flags))

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class CommentScreen:
    """Every comment's flags, in input order; staff review those with ``needs_review``."""

    comments: tuple[CommentReview, ...]

    @property
    def flagged(self) -> tuple[CommentReview, ...]:
        return tuple(c for c in self.comments if c.needs_review)

    def to_frame(self):
        """One row per comment: its keys, ``needs_review``, ``kinds`` (``;``-separated) and ``details``."""
        import pandas as pd

        rows = [{"index": c.index, "mentor_id": c.mentor_id, "wave": c.wave, "question": c.question,
                 "response_id": c.response_id, "needs_review": c.needs_review, "kinds": ";".join(c.kinds),
                 "details": "; ".join(dict.fromkeys(f.detail for f in c.flags))} for c in self.comments]
        cols = ["index", "mentor_id", "wave", "question", "response_id", "needs_review", "kinds", "details"]
        return pd.DataFrame(rows, columns=cols)


# --- names --------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1 << 16)
def _fold(token: str) -> str:
    """Case-, accent- and script-insensitive form of one word (``Wiśniewska`` -> ``wisniewska``)."""
    from anyascii import anyascii

    return re.sub(r"[^a-z0-9]", "", anyascii(unicodedata.normalize("NFKC", token)).lower())


def _wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(c) in ("W", "F") and c.isalpha() for c in text)


@dataclass(frozen=True)
class _Person:
    tokens: tuple[str, ...]
    wide: tuple[str, ...]  # names in scripts written without spaces (Han, kana, hangul): matched as substrings
    label: str
    mentor_id: str | None


def _person(name: str, label: str, mentor_id: str | None = None) -> _Person | None:
    from mentorassess.release.filenames import _ascii

    name = unicodedata.normalize("NFKC", str(name))
    wide = tuple(sorted({"".join(w.split()) for w in re.split(r"[()\[\],/]", name) if _wide(w) and len(
        "".join(w.split())) >= 2}))
    parts = [x for w in re.findall(r"\w+", name) for x in (_ascii(w).split() if _wide(w) else [w])]
    tokens = tuple(t for t in (_fold(w) for w in parts) if t and t not in _TITLES)
    if not tokens and not wide:
        return None
    return _Person(tokens=tokens, wide=wide, label=label, mentor_id=mentor_id)


def _people(roster: Any, mentees: Any, names: Iterable[str]) -> list[_Person]:
    out: list[_Person] = []

    def names_of(frame: Any) -> list[tuple[str, str | None]]:
        if frame is None:
            return []
        if hasattr(frame, "columns"):
            ids = frame["mentor_id"] if "mentor_id" in frame else [None] * len(frame)
            return [(n, None if is_missing(i) else str(i)) for n, i in zip(frame["name"], ids) if isinstance(n, str)]
        return [(n, None) for n in frame if isinstance(n, str)]

    for name, mid in names_of(roster):
        p = _person(name, "mentor", mid)
        if p:
            out.append(p)
    for name, _ in names_of(mentees):
        p = _person(name, "mentee")
        if p:
            out.append(p)
    for name in names:
        p = _person(name, "staff or other person")
        if p:
            out.append(p)
    return out


def _words(text: str) -> list[tuple[str, int, int, bool, bool]]:
    """``(folded word, start, end, capitalised inside a sentence, capitalised)``."""
    out = []
    end, last = 0, ""  # where the previous word ended; the last character before this word, spaces aside
    for m in _WORD.finditer(text):
        gap = text[end:m.start()].rstrip()
        if gap:
            last = gap[-1]
        elif end:
            last = text[end - 1]  # the previous word's last character
        initial = not last or last in ".!?:;\"'(\u201c\u2018-\u2013\u2014"
        w = m.group()
        out.append((_fold(w), m.start(), m.end(), w[:1].isupper() and not initial, w[:1].isupper()))
        end = m.end()
    return out


_WORD = re.compile(r"\w+")


def _strict(token: str) -> bool:
    """A name part that alone may be an ordinary word: two letters, a common word, digits."""
    return len(token) <= 2 or token in _COMMON_WORDS or token.isdigit()


class _NameIndex:
    """People by folded name part, and the patterns of names written without spaces."""

    def __init__(self, people: Sequence[_Person]) -> None:
        self.people = list(people)
        self.by_token: dict[str, set[int]] = {}
        self.wide: list[tuple[re.Pattern, int]] = []
        for k, p in enumerate(self.people):
            for t in p.tokens:
                self.by_token.setdefault(t, set()).add(k)
            for w in p.wide:
                self.wide.append((re.compile(r"\s*".join(map(re.escape, w))), k))

    def candidates(self, folded: Sequence[str], text: str) -> list[int]:
        ks = set().union(*(self.by_token.get(f, ()) for f in folded)) if folded else set()
        ks |= {k for pat, k in self.wide if pat.search(text)}
        return sorted(ks)


def _name_flags(text: str, words, names: _NameIndex, mentor_id: str | None) -> list[CommentFlag]:
    folded = [w[0] for w in words]
    index: dict[str, list[int]] = {}
    for i, f in enumerate(folded):
        index.setdefault(f, []).append(i)
    flags = []
    for k in names.candidates(folded, text):
        p = names.people[k]
        who = ("the mentor's own name" if p.label == "mentor" and mentor_id is not None and p.mentor_id == mentor_id
               else f"a {p.label}'s name" + (f" ({p.mentor_id})" if p.mentor_id else ""))
        for pat, j in names.wide:
            if j == k:
                for m in pat.finditer(text):
                    flags.append(CommentFlag("name", m.start(), m.end(), f"{who} (full name)"))
        n = len(p.tokens)
        full = [i for i in index.get(p.tokens[0], []) if n > 1 and tuple(folded[i:i + n]) == p.tokens] if n else []
        if all(_strict(t) for t in p.tokens):  # "Will Grant" is a name, "will grant" is not
            full = [i for i in full if all(words[j][4] for j in range(i, i + n))]
        for i in full:
            flags.append(CommentFlag("name", words[i][1], words[i + n - 1][2], f"{who} (full name)"))
        covered = {j for i in full for j in range(i, i + n)}
        for t in dict.fromkeys(p.tokens):
            if len(t) < 2:
                continue
            strict = _strict(t)
            for i in index.get(t, []):
                if i in covered or (strict and not words[i][3]):
                    continue
                flags.append(CommentFlag("name", words[i][1], words[i][2], f"{who} (part)"))
    return flags


# --- patterns -----------------------------------------------------------------------------------------------
def _phone_ok(s: str, text: str, start: int, dates: list[tuple[int, int]]) -> bool:
    digits = re.sub(r"\D", "", s)
    if not 7 <= len(digits) <= 15:
        return False
    if any(a <= start < b or a < start + len(s) <= b for a, b in dates):
        return False
    international = s.startswith(("+", "00"))
    groups = [g for g in re.split(r"[\s().\-/]+", s) if g]
    if not international:
        if all(_YEAR.fullmatch(g) for g in groups):
            return False  # "2023 2024", "2019-2021": years
        if "." in s and len(groups) == 2:
            return False  # a decimal number
        if "/" in s and len(groups) == 2:
            return False  # a fraction or a ratio
    return True


def _pattern_flags(text: str, course: re.Pattern | None) -> list[CommentFlag]:
    flags = [CommentFlag("email", m.start(), m.end(), "an e-mail address") for m in _EMAIL.finditer(text)]
    dates = [(m.start(), m.end()) for m in _DATE.finditer(text)]
    flags += [CommentFlag("date", a, b, "a date") for a, b in dates]
    emails = [(f.start, f.end) for f in flags if f.kind == "email"]
    for m in _PHONE.finditer(text):
        s = m.group().strip(" .-/")
        start = m.start() + m.group().index(s)
        if any(a <= start < b for a, b in emails):
            continue
        if _phone_ok(s, text, start, dates):
            flags.append(CommentFlag("phone", start, start + len(s), "a phone number"))
    for m in (course or _COURSE).finditer(text):
        if course is None and m.group(1) in _NOT_COURSES:
            continue
        if course is None and _YEAR.fullmatch(m.group(2)) and " " in m.group():
            continue  # "Summer 2024" is not caught anyway; "NIH 2024" reads as a year
        flags.append(CommentFlag("course_code", m.start(), m.end(), "a course code"))
    return flags


def _norm_text(text: str) -> str:
    return " ".join(t for t in (_fold(w) for w in re.findall(r"\w+", text)) if t)


#: Comments named in a duplicate flag; the rest are counted ("#4, #9, ... and 37 more"). A text that
#: recurs hundreds of times (a template, "see above") would otherwise list every other comment in each
#: of its flags: quadratic in size, and cut off by spreadsheets at 32,767 characters.
DUPLICATES_NAMED = 10


def _numbers(ids: list[int], total: int) -> str:
    """``#a, #b, ...`` for the first :data:`DUPLICATES_NAMED` of ``ids``, and how many more of ``total``.

    >>> _numbers([4, 9], 2), _numbers(list(range(12)), 40)
    ('#4, #9', '#0, #1, #2, #3, #4, #5, #6, #7, #8, #9 and 30 more')
    """
    shown = ids[:DUPLICATES_NAMED]
    text = ", ".join(f"#{j}" for j in shown)
    return text + (f" and {total - len(shown)} more" if total > len(shown) else "")


def _duplicate_flags(norms: list[str], mentors: list[str | None], texts: list[str],
                     near: float) -> dict[int, list[CommentFlag]]:
    out: dict[int, list[CommentFlag]] = {}
    by_text: dict[str, list[int]] = {}
    for i, n in enumerate(norms):
        if n:
            by_text.setdefault(n, []).append(i)
    for n, idx in by_text.items():
        if len(idx) < 2:
            continue
        by_mentor: dict = {}
        for j in idx:
            by_mentor.setdefault(mentors[j], []).append(j)
        long = len(n.split()) >= 6
        for i in idx:
            mine = by_mentor[mentors[i]]
            if len(mine) > 1:
                detail = "same text as comment " + _numbers([j for j in mine[:DUPLICATES_NAMED + 1] if j != i],
                                                            len(mine) - 1)
            elif long:   # the first of the others, without building the whole list for each comment
                detail = ("same text as a comment on another mentor ("
                          + _numbers([j for j in idx[:DUPLICATES_NAMED + 1] if j != i], len(idx) - 1) + ")")
            else:
                continue  # a short common phrase ("great mentor") given to different mentors
            out.setdefault(i, []).append(CommentFlag("duplicate", 0, len(texts[i]), detail))
    groups: dict[str | None, list[int]] = {}
    for i, n in enumerate(norms):
        if len(n) >= 20:
            groups.setdefault(mentors[i], []).append(i)
    close: dict[tuple[str, str], bool] = {}   # texts repeat: one comparison per pair of distinct texts
    for idx in groups.values():
        for a_pos, a in enumerate(idx):
            for b in idx[a_pos + 1:]:
                if norms[a] == norms[b]:
                    continue
                key = (norms[a], norms[b])
                hit = close.get(key)
                if hit is None:
                    hit = close[key] = _near(norms[a], norms[b], near)
                if hit:
                    out.setdefault(a, []).append(CommentFlag("duplicate", 0, len(texts[a]), f"nearly the same text as comment #{b}"))
                    out.setdefault(b, []).append(CommentFlag("duplicate", 0, len(texts[b]), f"nearly the same text as comment #{a}"))
    return out


def _near(a: str, b: str, near: float) -> bool:
    """``SequenceMatcher(None, a, b, autojunk=False)``: real_quick_ratio, quick_ratio and ratio all
    >= ``near`` (the first two computed as difflib does, without building the matcher)."""
    la, lb = len(a), len(b)
    if 2.0 * min(la, lb) / (la + lb) < near:                       # real_quick_ratio
        return False
    cb = Counter(b)
    matches = sum(min(k, cb[c]) for c, k in Counter(a).items())    # quick_ratio's multiset overlap
    if 2.0 * matches / (la + lb) < near:
        return False
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= near


def _column(frame: Any, name: str, n: int) -> list[Any]:
    if hasattr(frame, "columns") and name in frame.columns:
        return [None if is_missing(v) else str(v) for v in frame[name].tolist()]
    return [None] * n


def screen_comments(comments: Any, *, roster: Any = None, mentees: Any = None, names: Iterable[str] = (),
                    course_pattern: str | re.Pattern | None = None, near_duplicate: float = 0.9) -> CommentScreen:
    """Flag comments that hold personal details, for staff review (never redacts).

    Parameters
    ----------
    comments : DataFrame or iterable of str
        A ``text`` column, and optionally ``mentor_id``, ``wave``, ``question``, ``response_id``
        (the layout of ``Profiles.comments`` / ``Scores.comments``).
    roster : DataFrame, optional
        Mentors (``mentor_id``, ``name``; :func:`mentorassess.io.read_roster`).
    mentees : DataFrame with ``name``, or iterable of str, optional
        Mentees' names (from an assignments list).
    names : iterable of str
        Any other names to look for (staff, co-mentors).
    course_pattern : regex, optional
        The program's course codes; default: 2-5 capitals and 3-4 digits (``BIO 101``, ``EPI-5120``).
    near_duplicate : float
        Similarity (difflib ratio of the normalised texts, 0-1) from which two comments on the same
        mentor count as near duplicates.

    Returns
    -------
    CommentScreen
        One :class:`CommentReview` per comment, in input order.

    Notes
    -----
    Names are matched word by word after NFKC, case folding and transliteration (``Wiśniewska``,
    ``wisniewska`` and ``WISNIEWSKA`` match; so do ``Ольга`` and ``Olga``); names in Chinese,
    Japanese or Korean script are matched as written. A whole name always counts; a single part of
    two letters, or one that is also a common English word ("Will", "Hope", "Park"), counts only
    when capitalised inside a sentence. Phone numbers: 7-15 digits, with ``+``/``00`` or in groups
    (years, decimals and fractions are not phones). Dates: ISO, numeric day/month/year and English
    month names with a day or year. Duplicates: the same normalised text on the same mentor (or on
    another mentor when six words or longer), and near duplicates on the same mentor.
    """
    if hasattr(comments, "columns"):
        texts = ["" if is_missing(t) else str(t) for t in comments["text"].tolist()]
    else:
        texts = ["" if is_missing(t) else str(t) for t in comments]
    n = len(texts)
    mentors, waves = _column(comments, "mentor_id", n), _column(comments, "wave", n)
    questions, rids = _column(comments, "question", n), _column(comments, "response_id", n)
    people = _NameIndex(_people(roster, mentees, names))
    course = re.compile(course_pattern) if isinstance(course_pattern, str) else course_pattern
    texts = [unicodedata.normalize("NFC", t) for t in texts]
    norm_of = {t: _norm_text(t) for t in dict.fromkeys(texts)}  # once per distinct text
    norms = [norm_of[t] for t in texts]
    dups = _duplicate_flags(norms, mentors, texts, near_duplicate)
    out = []
    # What depends on the text alone is found once per distinct text (texts recur across comments):
    # its words, whether any listed person's name may be in it, and its patterns.
    per_text: dict[str, tuple] = {}
    for i, text in enumerate(texts):
        found = per_text.get(text)
        if found is None:
            words = _words(text)
            named = bool(people.candidates([w[0] for w in words], text))
            found = per_text[text] = (words, named, _pattern_flags(text, course))
        words, named, patterns = found
        flags = (_name_flags(text, words, people, mentors[i]) if named else []) + patterns + dups.get(i, [])
        flags = sorted(set(flags), key=lambda f: (KINDS.index(f.kind), f.start, f.end, f.detail))
        out.append(CommentReview(index=i, mentor_id=mentors[i], wave=waves[i], question=questions[i],
                                 response_id=rids[i], flags=tuple(flags)))
    return CommentScreen(tuple(out))


# --- order --------------------------------------------------------------------------------------------------
def _secret_bytes(secret: Any) -> bytes:
    if secret is None:
        from mentorassess.errors import ConfigError

        raise ConfigError("a program secret or seed is needed to order comments",
                          hint="set 'seed' in the program config")
    return secret if isinstance(secret, bytes) else str(secret).encode("utf-8")


def order_key(secret: Any, mentor_id: Any, wave: Any, text: Any) -> str:
    """HMAC-SHA256 of (mentor, wave, text) under the program secret: a comment's place in the release order.

    Examples
    --------
    >>> order_key(42, "M1", "post", "Kind and clear.") == order_key("42", "M1", "post", "Kind and clear.")
    True
    """
    msg = "\x1f".join(str(v) for v in (mentor_id, wave, text)).encode("utf-8", "surrogatepass")
    return hmac.new(_secret_bytes(secret), msg, hashlib.sha256).hexdigest()


def release_order(comments: Any, *, secret: Any, by: Sequence[str] = ("mentor_id", "wave")):
    """The comments in release order: grouped by ``by``, then by :func:`order_key` within each group.

    The order depends only on the secret and on the values of each row (ties between identical
    texts are broken by the other columns), so any permutation of the input gives the same result,
    and submission order, times and response ids play no part in it.

    Parameters
    ----------
    comments : DataFrame
        With ``text`` and the ``by`` columns (``mentor_id``, ``wave`` by default).
    secret : str, bytes or int
        The program's secret or seed (``seed`` in the program config).
    by : sequence of str
        Grouping columns, sorted by their text.

    Returns
    -------
    DataFrame
        The same rows, reordered, with a fresh index.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"mentor_id": ["M1"] * 3, "wave": ["post"] * 3, "text": ["a", "b", "c"]})
    >>> a = release_order(c, secret=7)["text"].tolist()
    >>> b = release_order(c.iloc[::-1], secret=7)["text"].tolist()
    >>> a == b, sorted(a)
    (True, ['a', 'b', 'c'])
    """
    by = [c for c in by if c in comments.columns]
    key_cols = [comments[c] if c in comments.columns else [""] * len(comments) for c in ("mentor_id", "wave")]
    frame = comments.reset_index(drop=True)
    keys = [order_key(secret, m, w, t) for m, w, t in zip(*[list(k) for k in key_cols], comments["text"].tolist())]
    tmp = frame.astype(object).where(frame.notna(), "").astype(str)
    tmp["__key"] = keys
    rest = [c for c in frame.columns if c not in by and c != "text"]
    order = tmp.sort_values([*by, "__key", "text", *rest], kind="mergesort").index
    return frame.loc[order].reset_index(drop=True)
