"""hidden_cells against its former implementation, cell for cell, on many random programs.

The former code filtered the whole item table for each mentor and wave; the current one takes
each group's rows by position. Their outputs must be identical (same rows, same order) on
programs with ceiling ratings, skipped items (different answered counts within a competency),
unkeyed raters, groups at the item-detail threshold and several rule sets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorassess.release.counting import eligible
from mentorassess.release.mentor import _item_safe, _score_safe, hidden_cells
from mentorassess.release.rules import ReleaseRules
from mentorassess.sample import generate
from mentorassess.scoring import OVERALL, score

_KEYS = ["mentor_id", "wave"]


def _reference_hidden_cells(scores: Scores, raters: pd.DataFrame, rules: ReleaseRules) -> pd.DataFrame:
    """The implementation before the positional rewrite (per mentor-wave filter of the item table)."""
    ins = scores.instrument
    lo, hi = int(ins.scale.min), int(ins.scale.max)
    comp_of = {c.id: list(c.items) for c in ins.competencies}
    score_cols = list(scores.score_columns)
    s = scores.scores[scores.scores["rater_role"] == "mentee"]
    it = scores.items[scores.items["rater_role"] == "mentee"]
    info = raters.set_index(_KEYS) if len(raters) else None
    out: list[tuple[str, str, str, str]] = []
    k, k_items = rules.min_raters, rules.min_raters_items
    item_cols = [i for i in ins.item_ids if i in it.columns]
    for (mentor, wave), g in s.groupby(_KEYS, sort=False):
        n = len(g)
        flag = info.loc[(mentor, wave), "unkeyed"] if info is not None and (mentor, wave) in info.index else False
        unkeyed = True if pd.isna(flag) else bool(flag)  # unknown: the conservative reading
        need = k + 1 if unkeyed else k
        if n < need:
            continue  # the whole report is withheld; aggregate's report gate does this
        items_g = it[(it["mentor_id"] == mentor) & (it["wave"] == wave)]
        hid_comp: set[str] = set()
        hid_item: set[str] = set()
        for c in score_cols:
            v = g[c].dropna().to_numpy(float)
            answered = g.loc[g[c].notna(), f"n_answered_{c}"] if f"n_answered_{c}" in g.columns else None
            coarsest = int(answered.min()) if answered is not None and len(answered) else 1
            if len(v) < k or not _score_safe(tuple(sorted(v.tolist())), lo, hi, rules, coarsest):
                hid_comp.add(c)
        item_detail = n >= k_items and not unkeyed
        for i in item_cols:
            v = items_g[i].dropna().to_numpy(float)
            if not len(v):
                continue
            if not item_detail or len(v) < k or not _item_safe(tuple(sorted(v.tolist())), lo, hi, rules):
                hid_item.add(i)
        # a competency whose raters answered different numbers of its items: its mean and its item
        # means together give away the answers of whoever skipped (competency minus items)
        for c, members in comp_of.items():
            cols = [i for i in members if i in item_cols]
            if cols and items_g[cols].notna().sum(axis=1).nunique() > 1:
                hid_item |= set(cols)
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



def _program(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    prog = generate(seed=seed, n_mentors=10)
    df = prog.responses.copy()
    items = [c for c in df.columns if c.startswith("mca")]
    mentee = (df["rater_role"] == "mentee").to_numpy()
    vals = df[items].to_numpy(dtype=float)
    # ceiling raters (every answer 7), low raters, skipped items, a few whole mentors at the ceiling
    ceiling = mentee & (rng.random(len(df)) < 0.25)
    vals[ceiling] = 7.0
    vals[mentee & (rng.random(len(df)) < 0.05)] = 1.0
    top = df["mentor_id"].isin(rng.choice(df["mentor_id"].unique(), 3, replace=False)).to_numpy() & mentee
    vals[top] = 7.0
    skip = (rng.random(vals.shape) < 0.04) & mentee[:, None]
    vals[skip] = np.nan
    df[items] = vals
    unkeyed = mentee & (rng.random(len(df)) < 0.03)
    df.loc[unkeyed, "rater_id"] = None
    # some mentor-waves lose raters so groups sit at and around the thresholds
    drop = mentee & (rng.random(len(df)) < 0.2)
    return df[~drop].reset_index(drop=True)


RULES = [ReleaseRules(), ReleaseRules(min_raters=4), ReleaseRules(min_raters_items=6, ell=2),
         ReleaseRules(min_raters=3, ell=4, decimals=2), ReleaseRules(min_raters=5, min_raters_items=5)]


@pytest.mark.parametrize("seed", range(8))
def test_hidden_cells_identical_to_former_implementation(seed):
    scores = score(_program(seed), "mca-26")
    elig = eligible(scores)
    sizes = []
    for rules in (RULES[seed % len(RULES)], RULES[(seed + 2) % len(RULES)]):
        got = hidden_cells(elig.scores, elig.raters, rules)
        want = _reference_hidden_cells(elig.scores, elig.raters, rules)
        pd.testing.assert_frame_equal(got, want)
        sizes.append(len(got))
    assert max(sizes) > 0  # the program exercises hiding


def test_hidden_cells_identical_without_raters_table():
    scores = score(_program(11), "mca-26")
    elig = eligible(scores)
    empty = elig.raters.iloc[:0]
    pd.testing.assert_frame_equal(hidden_cells(elig.scores, empty, ReleaseRules()),
                                  _reference_hidden_cells(elig.scores, empty, ReleaseRules()))
