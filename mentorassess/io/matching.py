"""Which export column holds which item: a one-to-one assignment from all the evidence, with confidence.

Used by :mod:`mentorassess.io.draft` when an export's columns are not named after the items.
The evidence, combined into one score matrix (items x candidate columns) and solved as an
assignment problem (:func:`scipy.optimize.linear_sum_assignment`, so no column serves two items):

- **answer values**: only columns whose answers fit the scale (codes in range, anchor labels,
  non-substantive answers) are candidates, so an identifier, role, wave or date column is never
  proposed as an item;
- **header text** against every wording of the item: our label, licensed text from an
  ``extends:`` file, compared as weighted word overlap after folding common synonyms and word
  endings (:data:`SYNONYMS`), plus a little character similarity;
- **matrix order**: the rows of a matrix question (``Q4_1``, ``Q4_2``...; ``mca[SQ001]``; a
  Google Forms grid; the statements of one question) come in the instrument's order. Each group
  of columns is aligned monotonically with the items; the alignment counts as evidence when the
  text agrees with most of it.

A proposal is ``high`` when the text and the order agree (or the match is exact), ``medium``
when one strong source is not contradicted by the other, and ``low`` otherwise; an item without
a credible column is left empty with confidence ``low``.

>>> tokens("Helping mentees to obtain grants") == tokens("Helps the mentee acquire grants")
True
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np

__all__ = ["Proposal", "tokens", "text_similarity", "column_groups", "monotone_alignment", "assign_items",
           "SYNONYMS"]

_STOP = set("""a an the of to and or with for in on at by as from into about your you yours my our their his her
its own how is are be being that this these those each every following what which who whom it so such e g eg
etc ie i me we they them mentee mentees mentor mentors skilled skill rate rating please how well very do does
other s""".split())
# Groups of words with one meaning for matching (our own list of common synonyms in mentoring surveys).
SYNONYMS = [
    "listen hear attentive", "feedback critique comment", "give provide offer", "build establish develop create foster",
    "trust trusting trustworthy", "adapt accommodate adjust tailor", "use employ apply", "improve enhance better "
    "strengthen deepen", "communication communicate", "coordinate liaise collaborate", "set agree define establish",
    "clear explicit", "expectation expect", "align match reconcile", "difference differ diverse diversity",
    "consider reflect account allow", "shape affect impact influence", "goal aim objective target",
    "together jointly collaboratively", "strategy plan approach way", "meet reach achieve attain",
    "gauge estimate assess judge evaluate", "knowledge understand understanding grasp",
    "ability capability capacity competence", "research scientific science", "motivate motivation inspire",
    "confidence selfconfidence", "stimulate encourage nurture", "creativity creative innovation",
    "acknowledge recognise recognize credit", "negotiate discuss", "path route pathway",
    "independence independent autonomy", "bias biases prejudice prejudices", "background culture",
    "network networking connection", "balance", "role model example",
    "resource funding grant", "obtain acquire secure get find", "help assist support aid",
]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"<[^>]+>", " ", text)


def _stem(word: str) -> str:
    for _ in range(2):
        for suffix, repl in (("ies", "y"), ("ing", ""), ("ion", ""), ("ment", ""), ("ness", ""), ("ed", ""),
                             ("ly", ""), ("es", ""), ("s", ""), ("e", "")):
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: len(word) - len(suffix)] + repl
                break
    return word


_CONCEPT: dict[str, str] = {}
for _group in SYNONYMS:
    _words = [_stem(w) for w in _group.split()]
    for _w in _words:
        _CONCEPT.setdefault(_w, _words[0])


def tokens(text: str) -> frozenset[str]:
    """Content words of ``text``, stemmed and folded to one word per synonym group.

    >>> sorted(tokens("Listening actively to your mentee"))
    ['activ', 'listen']
    """
    words = re.findall(r"[a-z]+", _fold(text))
    return frozenset(_CONCEPT.get(_stem(w), _stem(w)) for w in words if w not in _STOP and len(w) > 1)


def text_similarity(a: frozenset[str], b: frozenset[str], weight: dict[str, float], sa: str, sb: str) -> float:
    """Weighted word overlap (Dice) of two token sets, 0.85, plus character similarity, 0.15."""
    if not a or not b:
        return 0.0
    w = lambda t: weight.get(t, 1.0)  # noqa: E731
    common = sum(w(t) for t in a & b)
    dice = 2 * common / (sum(w(t) for t in a) + sum(w(t) for t in b))
    chars = difflib.SequenceMatcher(None, sa, sb).ratio()
    return 0.85 * dice + 0.15 * chars


_SEQ = re.compile(r"^(.*?)(\d+)$")
_SUB = re.compile(r"^(.+)\[([^\[\]]+)\]$")


def column_groups(columns: list[str], questions: dict[str, str]) -> list[list[str]]:
    """Matrix-like groups of columns in export order: same question text before `` - ``, or same name stem.

    >>> column_groups(["Q4_1", "Q4_2", "Q4_3", "x"], {})
    [['Q4_1', 'Q4_2', 'Q4_3']]
    """
    by_key: dict[str, list[str]] = {}
    for col in columns:
        q = questions.get(col) or ""
        if " - " in q:
            key = "q:" + q.rsplit(" - ", 1)[0]
        elif _SUB.match(col):
            key = "n:" + _SUB.match(col).group(1)
        elif _SEQ.match(col):
            key = "n:" + _SEQ.match(col).group(1)
        else:
            continue
        by_key.setdefault(key, []).append(col)
    return [cols for cols in by_key.values() if len(cols) >= 3]


def monotone_alignment(sim: np.ndarray) -> list[tuple[int, int]]:
    """Best order-preserving pairing of rows (items) with columns; all columns are used when they fit.

    >>> monotone_alignment(np.array([[0.9, 0.1], [0.2, 0.1], [0.1, 0.8]]))
    [(0, 0), (2, 1)]
    """
    n, k = sim.shape
    force = k <= n   # every column of the matrix is an item
    neg = -1e9
    f = np.full((n + 1, k + 1), neg)
    f[:, 0] = 0.0
    if not force:
        f[0, :] = 0.0
    move = np.zeros((n + 1, k + 1), dtype=int)  # 1 skip item, 2 pair, 3 skip column
    for a in range(1, n + 1):
        for b in range(1, k + 1):
            best, how = f[a - 1, b], 1
            if f[a - 1, b - 1] + sim[a - 1, b - 1] > best:
                best, how = f[a - 1, b - 1] + sim[a - 1, b - 1], 2
            if not force and f[a, b - 1] > best:
                best, how = f[a, b - 1], 3
            f[a, b], move[a, b] = best, how
    pairs = []
    a, b = n, k
    while a > 0 and b > 0:
        how = move[a, b]
        if how == 2:
            pairs.append((a - 1, b - 1))
            a, b = a - 1, b - 1
        elif how == 1:
            a -= 1
        else:
            b -= 1
    return pairs[::-1]


def _block_or_alignment(sim: np.ndarray, gap_cost: float = 0.2) -> list[tuple[int, int]]:
    """The monotone alignment, unless a contiguous run of items fits nearly as well (matrices hold blocks).

    >>> _block_or_alignment(np.array([[0.9, 0.0], [0.1, 0.2], [0.0, 0.3]]))
    [(0, 0), (1, 1)]
    """
    pairs = monotone_alignment(sim)
    n, k = sim.shape
    if k > n or not pairs:
        return pairs
    score = sum(sim[i, j] for i, j in pairs)
    gaps = (pairs[-1][0] - pairs[0][0] + 1) - len(pairs)
    starts = [sum(sim[s + j, j] for j in range(k)) for s in range(n - k + 1)]
    best = int(np.argmax(starts))
    if starts[best] >= score - gap_cost * gaps:
        return [(best + j, j) for j in range(k)]
    return pairs


@dataclass(frozen=True)
class Proposal:
    """The column proposed for one item, how sure the draft is, and why."""

    item: str
    column: str | None
    confidence: str          # high, medium, low
    reason: str
    similarity: float = 0.0


def _item_texts(item) -> list[str]:
    return [t for t in (item.label, item.text) if t]


def _column_texts(col: str, table) -> list[str]:
    out = [col]
    for text in (table.questions.get(col), table.column_labels.get(col)):
        if text:
            out.append(text.rsplit(" - ", 1)[-1] if " - " in text else text)
    m = _SUB.match(col)
    if m:
        out.append(m.group(2))
    return out


def assign_items(items: list, columns: list[str], table) -> list[Proposal]:
    """Propose a column for each item (see the module notes); ``columns`` are the candidates."""
    from scipy.optimize import linear_sum_assignment

    if not items:
        return []
    if not columns:
        return [Proposal(it.id, None, "low", "no candidate column with answers on the scale") for it in items]
    item_tok = [[(tokens(t), _fold(t)) for t in _item_texts(it)] for it in items]
    col_tok = [[(tokens(t), _fold(t)) for t in _column_texts(c, table)] for c in columns]
    df = Counter(t for variants in item_tok for t in set().union(*(v[0] for v in variants)))
    weight = {t: 1.0 + math.log(len(items) / n) for t, n in df.items()}
    sim = np.zeros((len(items), len(columns)))
    for i, iv in enumerate(item_tok):
        for j, cv in enumerate(col_tok):
            sim[i, j] = max(text_similarity(a, b, weight, sa, sb) for a, sa in iv for b, sb in cv)
    # text: mutual best matches with a margin
    mutual = np.zeros_like(sim, dtype=bool)
    for i in range(len(items)):
        j = int(np.argmax(sim[i]))
        row = np.sort(sim[i])[::-1]
        margin = row[0] - (row[1] if len(row) > 1 else 0.0)
        if sim[i, j] >= 0.3 and margin >= 0.05 and int(np.argmax(sim[:, j])) == i:
            mutual[i, j] = True
    # order: monotone alignment of each matrix group, as evidence where the text agrees with most of it
    order = np.zeros_like(sim)
    col_index = {c: j for j, c in enumerate(columns)}
    groups = column_groups(columns, table.questions) or ([list(columns)] if len(columns) >= 3 else [])
    grouped = {c for g in groups for c in g}
    if len(grouped) < len(columns) and len(groups) > 0 and grouped:
        rest = [c for c in columns if c not in grouped]
        if len(rest) >= 3:
            groups.append(rest)
    for g in groups:
        js = [col_index[c] for c in g]
        pairs = _block_or_alignment(sim[:, js])
        agree = sum(bool(mutual[i, js[b]]) for i, b in pairs)
        contradict = sum(bool(mutual[i].any() and not mutual[i, js[b]]) for i, b in pairs)
        if pairs and agree >= 0.5 * len(pairs) and contradict <= 0.25 * len(pairs):
            for i, b in pairs:
                order[i, js[b]] = 1.0
    score = sim + 0.5 * order
    rows, cols = linear_sum_assignment(score, maximize=True)
    chosen = dict(zip(rows.tolist(), cols.tolist()))
    out = []
    for i, it in enumerate(items):
        j = chosen.get(i)
        if j is None or (order[i, j] == 0 and sim[i, j] < 0.3):
            best = columns[int(np.argmax(sim[i]))]
            out.append(Proposal(it.id, None, "low", f"no credible column (closest {best!r}, "
                                                    f"similarity {sim[i].max():.2f})", float(sim[i].max())))
            continue
        col, s = columns[j], float(sim[i, j])
        rival = float(np.max(np.delete(sim[i], j))) if len(columns) > 1 else 0.0
        text_agrees = bool(mutual[i, j])
        text_quiet = s >= rival - 0.05          # the text prefers no other column
        if order[i, j] and text_agrees:
            conf, why = "high", "text and matrix order agree"
        elif order[i, j] and text_quiet:
            conf, why = "medium", "matrix order; the text prefers no other column"
        elif text_agrees and s >= 0.5 and s - rival >= 0.15 and not order[i].any():
            conf, why = "medium", "clearly the closest text"
        elif order[i, j]:
            conf, why = "low", f"matrix order, but the text fits another column better ({rival:.2f})"
        else:
            conf, why = "low", "text only" + ("" if text_agrees else ", not clearly the closest")
        out.append(Proposal(it.id, col, conf, f"{why}; similarity {s:.2f}", s))
    return out
