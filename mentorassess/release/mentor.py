"""What a mentor's report may show: the cell-level decisions made before any mean is computed.

:func:`hidden_cells` reads the eligible responses (:mod:`mentorassess.release.counting`) and
returns, per mentor and wave, the competency and item cells whose mentee values must not be
released, whatever their cause (the reader sees one wording, :data:`~mentorassess.release.rules.HIDDEN`):

1. **Item detail** needs ``min_raters_items`` distinct raters (default 5) and keyed raters.
2. **Too few answers**: a competency or item answered by fewer than ``min_raters`` raters.
3. **Feasible range (R5)**: a mean that would leave some rater fewer than ``ell`` possible
   answers, as an outsider or as an insider who knows one rater's answers
   (:mod:`mentorassess.release.feasible`).
4. **Complementary hiding**, so a hidden cell is not recovered from its neighbours: a hidden
   item hides every item of its competency; a competency whose raters answered different numbers
   of its items shows no item means (the competency mean minus the item means would give away
   the skipper's answers); a hidden competency hides its items and the overall
   score; a hidden overall score hides every competency and item of that report.

The decisions use only the raters' own answers and the rules; no hidden value is ever computed
downstream (:func:`mentorassess.aggregate.aggregate` drops these cells before computing).
"""

from __future__ import annotations

import functools
import math

import numpy as np

import pandas as pd

from mentorassess.release.feasible import integer_mean_safe, item_mean_safe
from mentorassess.release.rules import ReleaseRules
from mentorassess.scoring import OVERALL, Scores

__all__ = ["hidden_cells"]

_KEYS = ["mentor_id", "wave"]


def hidden_cells(scores: Scores, raters: pd.DataFrame, rules: ReleaseRules) -> pd.DataFrame:
    """Cells to withhold: ``mentor_id, wave, level ('competency'|'item'), key``.

    Parameters
    ----------
    scores : Scores
        Eligible responses only (:func:`mentorassess.release.counting.eligible`).
    raters : DataFrame
        ``mentor_id, wave, raters, unkeyed`` from the same call.
    rules : ReleaseRules
    """
    ins = scores.instrument
    lo, hi = int(ins.scale.min), int(ins.scale.max)
    comp_of = {c.id: list(c.items) for c in ins.competencies}
    score_cols = list(scores.score_columns)
    s = scores.scores[scores.scores["rater_role"] == "mentee"]
    it = scores.items[scores.items["rater_role"] == "mentee"]
    unkeyed_of = dict(zip(zip(raters["mentor_id"], raters["wave"]), raters["unkeyed"])) if len(raters) else {}
    out: list[tuple[str, str, str, str]] = []
    k, k_items = rules.min_raters, rules.min_raters_items
    item_cols = [i for i in ins.item_ids if i in it.columns]
    # every table is read once: per mentor-wave rows are taken by position, never by a filter of the table
    item_vals = it[item_cols].to_numpy(dtype=float)
    item_rows = it.groupby(_KEYS, sort=False).indices if len(it) else {}
    no_items = np.empty((0, len(item_cols)))
    n_cols = {c: f"n_answered_{c}" for c in score_cols if f"n_answered_{c}" in s.columns}
    col_pos = {i: j for j, i in enumerate(item_cols)}
    comp_pos = {c: [col_pos[i] for i in members if i in col_pos] for c, members in comp_of.items()}
    comp_names = list(comp_of)
    member = np.zeros((len(item_cols), len(comp_names)), dtype=np.int32)  # item column -> its competency
    for q, c in enumerate(comp_names):
        member[comp_pos[c], q] = 1
    # the score table too: one array per column, each group's rows by position (in groupby's order)
    score_vals = s[score_cols].to_numpy(dtype=float)
    answered_of = {c: s[col].to_numpy() for c, col in n_cols.items()}
    groups = s.groupby(_KEYS, sort=False)
    codes = groups.ngroup().to_numpy(dtype=float, na_value=np.nan) if len(s) else np.zeros(0)
    order = np.argsort(codes, kind="stable")
    order = order[~np.isnan(codes[order])]        # a missing key: no group, as in groupby
    cuts = np.flatnonzero(np.diff(codes[order])) + 1
    mentors_, waves_ = s["mentor_id"].to_numpy(), s["wave"].to_numpy()
    for pos in (np.split(order, cuts) if len(order) else []):
        mentor, wave = mentors_[pos[0]], waves_[pos[0]]
        n = len(pos)
        flag = unkeyed_of.get((mentor, wave), False)
        unkeyed = True if pd.isna(flag) else bool(flag)  # unknown: the conservative reading
        need = k + 1 if unkeyed else k
        if n < need:
            continue  # the whole report is withheld; aggregate's report gate does this
        rows = item_rows.get((mentor, wave))
        items_g = item_vals[rows] if rows is not None else no_items
        hid_comp: set[str] = set()
        hid_item: set[str] = set()
        group_scores = score_vals[pos]
        scored = ~np.isnan(group_scores)
        n_scored = scored.sum(axis=0).tolist()
        scores_up = np.sort(group_scores, axis=0)  # ascending, NaNs last
        for q, c in enumerate(score_cols):
            m = n_scored[q]
            if m < k:
                hid_comp.add(c)
                continue
            answered = answered_of[c][pos][scored[:, q]] if c in n_cols else None
            coarsest = int(answered.min()) if answered is not None and len(answered) else 1
            if not _score_safe(tuple(scores_up[:m, q].tolist()), lo, hi, rules, coarsest):
                hid_comp.add(c)
        item_detail = n >= k_items and not unkeyed
        present = ~np.isnan(items_g)
        answers = present.sum(axis=0).tolist()
        answers_up = np.sort(items_g, axis=0)  # each column's answers in ascending order, then its NaNs
        for j, i in enumerate(item_cols):
            m = answers[j]
            if not m:
                continue
            if not item_detail or m < k or not _item_safe(tuple(answers_up[:m, j].tolist()), lo, hi, rules):
                hid_item.add(i)
        # a competency whose raters answered different numbers of its items: its mean and its item
        # means together give away the answers of whoever skipped (competency minus items)
        if len(items_g):
            per_comp = present.astype(np.int32) @ member  # each rater's answered items per competency
            for q in np.flatnonzero(per_comp.max(axis=0) != per_comp.min(axis=0)).tolist():
                hid_item |= {item_cols[j] for j in comp_pos[comp_names[q]]}
        # complementary hiding
        if OVERALL in hid_comp:  # the overall score itself is unsafe: nothing of this report is shown
            hid_comp |= set(score_cols)
            hid_item |= set(item_cols)
        elif hid_comp and len(score_cols) > 1:  # overall minus the shown competencies would give it away
            hid_comp.add(OVERALL)
        for c in hid_comp:
            hid_item |= set(comp_of.get(c, ())) & set(item_cols)
        for members in comp_of.values():
            if hid_item & set(members):
                hid_item |= set(members) & set(item_cols)
        out += [(mentor, wave, "competency", c) for c in sorted(hid_comp)]
        out += [(mentor, wave, "item", i) for i in sorted(hid_item)]
    return pd.DataFrame(out, columns=[*_KEYS, "level", "key"])


@functools.lru_cache(maxsize=1 << 16)
def _item_safe(values: tuple, lo: int, hi: int, rules: ReleaseRules) -> bool:
    """R5 for an item mean (cached: the answer depends only on the multiset of answers).

    Whole answers on the scale take the integer closed form (the same decision, tested on every
    multiset of up to eight answers); anything else takes the exact check, which refuses
    values off the scale's grid.
    """
    if all(lo <= v <= hi and float(v).is_integer() for v in values):
        return integer_mean_safe([int(v) for v in values], decimals=rules.decimals, lo=lo, hi=hi, ell=rules.ell)
    return item_mean_safe(values, decimals=rules.decimals, lo=lo, hi=hi, ell=rules.ell).safe


@functools.lru_cache(maxsize=1 << 16)
def _score_safe(values: tuple, lo: int, hi: int, rules: ReleaseRules, items: int = 1) -> bool:
    """R5 for a competency mean: every rater keeps ``ell - 1`` scale points as an outsider, and, for
    an insider who knows one rater's score, ``ell`` possible scores on the coarsest rater's grid
    (a score over ``items`` answered items moves in steps of ``1/items``: a range of
    ``(ell - 1) / items`` points).

    Scores are treated as continuous (raters who skipped items have other grids), as
    :func:`~mentorassess.release.feasible.score_mean_safe` with ``grid=None`` does; this is its
    closed form in floating point (agreement tested in tests/test_release_leaks.py).
    """
    n = len(values)
    total = math.fsum(values)
    half = 0.5 * 10.0 ** (-rules.decimals)
    shown = round(round(total / n, 9), rules.decimals)
    s_lo, s_hi = n * (shown - half), n * (shown + half)
    s_lo, s_hi = min(max(s_lo, n * lo), total), max(min(s_hi, n * hi), total)

    def width(t_lo: float, t_hi: float, m: int) -> float:
        return min(hi, t_hi - (m - 1) * lo) - max(lo, t_lo - (m - 1) * hi)

    if width(s_lo, s_hi, n) < rules.ell - 1 - 1e-9:
        return False
    need = (rules.ell - 1) / max(1, items)
    if n == 1:
        return False
    # The width left by an insider who knows x is concave in x (a minimum of lines falling with x
    # minus a maximum of lines falling with x), so over the raters' scores it is smallest at the
    # lowest or the highest score: only those two are checked.
    return all(width(s_lo - x, s_hi - x, n - 1) >= need - 1e-9 for x in (min(values), max(values)))
