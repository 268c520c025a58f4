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
   item hides every item of its competency; a hidden competency hides its items and the overall
   score; a hidden overall score hides every competency and item of that report.

The decisions use only the raters' own answers and the rules; no hidden value is ever computed
downstream (:func:`mentorassess.aggregate.aggregate` drops these cells before computing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorassess.release.feasible import mean_safe_rows
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

    Notes
    -----
    Vectorised over mentor-waves: every cell's test runs on arrays of cells with the same number
    of answers (:func:`~mentorassess.release.feasible.mean_safe_rows`, the same arithmetic as the
    one-cell functions), so a 2,000-mentor program costs well under a second.
    """
    ins = scores.instrument
    lo, hi = float(ins.scale.min), float(ins.scale.max)
    comp_of = {c.id: list(c.items) for c in ins.competencies}
    score_cols = list(scores.score_columns)
    s = scores.scores[scores.scores["rater_role"] == "mentee"]
    it = scores.items[scores.items["rater_role"] == "mentee"]
    k, k_items = rules.min_raters, rules.min_raters_items
    item_cols = [i for i in ins.item_ids if i in it.columns]
    k_per_comp = {c: max(1, len(comp_of.get(c, ins.total_item_ids))) for c in score_cols}
    columns = [*_KEYS, "level", "key"]

    gid = s.groupby(_KEYS, sort=False).ngroup().to_numpy()  # first-appearance order, -1 for missing keys
    n_groups = int(gid.max()) + 1 if len(gid) else 0
    if n_groups == 0:
        return pd.DataFrame([], columns=columns)
    first = np.unique(gid[gid >= 0], return_index=True)[1]
    keys = s[_KEYS].iloc[np.flatnonzero(gid >= 0)[first]].reset_index(drop=True)  # one row per group, group order
    size = np.bincount(gid[gid >= 0], minlength=n_groups)
    if len(raters):
        flag = keys.merge(raters[[*_KEYS, "unkeyed"]].drop_duplicates(_KEYS), on=_KEYS, how="left")["unkeyed"]
        unkeyed = np.array([True if pd.isna(f) else bool(f) for f in flag], dtype=bool)  # unknown: conservative
        present = keys.merge(raters[_KEYS].drop_duplicates().assign(_p=True), on=_KEYS, how="left")["_p"].notna()
        unkeyed = np.where(present.to_numpy(), unkeyed, False)
    else:
        unkeyed = np.zeros(n_groups, dtype=bool)
    need = np.where(unkeyed, k + 1, k)
    shown = size >= need  # otherwise the whole report is withheld; aggregate's report gate does this

    hid_comp = np.zeros((n_groups, len(score_cols)), dtype=bool)
    for j, c in enumerate(score_cols):
        ok = _cells_safe(gid, s[c].to_numpy(float), n_groups, k, dict(
            lo=lo, hi=hi, ell=rules.ell, decimals=rules.decimals, grid=k_per_comp[c], insider_width=1.0))
        hid_comp[:, j] = ~ok
    item_detail = (size >= k_items) & ~unkeyed
    igid = keys.assign(_g=np.arange(n_groups)).merge(it[_KEYS], on=_KEYS, how="right")["_g"]
    igid = igid.fillna(-1).astype(int).to_numpy()
    hid_item = np.zeros((n_groups, len(item_cols)), dtype=bool)
    for j, i in enumerate(item_cols):
        vals = it[i].to_numpy(float)
        answered = np.bincount(igid[(igid >= 0) & ~np.isnan(vals)], minlength=n_groups) > 0
        ok = _cells_safe(igid, vals, n_groups, k, dict(lo=lo, hi=hi, ell=rules.ell, decimals=rules.decimals,
                                                           grid=1))
        hid_item[:, j] = answered & (~item_detail | ~ok)

    # complementary hiding (the same steps, in the same order, for every mentor-wave at once)
    if OVERALL in score_cols:
        worst = hid_comp[:, score_cols.index(OVERALL)].copy()
        hid_comp[worst] = True
        hid_item[worst] = True
        if len(score_cols) > 1:
            hid_comp[~worst & hid_comp.any(axis=1), score_cols.index(OVERALL)] = True
    item_pos = {i: j for j, i in enumerate(item_cols)}
    for j, c in enumerate(score_cols):
        members = [item_pos[i] for i in comp_of.get(c, ()) if i in item_pos]
        if members:
            hid_item[np.ix_(hid_comp[:, j], members)] = True
    for members in comp_of.values():
        idx = [item_pos[i] for i in members if i in item_pos]
        if idx:
            hid_item[np.ix_(hid_item[:, idx].any(axis=1), idx)] = True

    comp_order = np.argsort(np.array(score_cols, dtype=object), kind="stable")
    item_order = np.argsort(np.array(item_cols, dtype=object), kind="stable")
    mentors, waves = keys["mentor_id"].to_numpy(), keys["wave"].to_numpy()
    out: list[tuple] = []
    for g in np.flatnonzero(shown & (hid_comp.any(axis=1) | hid_item.any(axis=1))):
        out += [(mentors[g], waves[g], "competency", score_cols[j]) for j in comp_order if hid_comp[g, j]]
        out += [(mentors[g], waves[g], "item", item_cols[j]) for j in item_order if hid_item[g, j]]
    return pd.DataFrame(out, columns=columns)


def _cells_safe(gid: np.ndarray, vals: np.ndarray, n_groups: int, k: int, opts: dict) -> np.ndarray:
    """Per group: at least ``k`` answers and a safe mean (False where fewer)."""
    ok = np.zeros(n_groups, dtype=bool)
    use = (gid >= 0) & ~np.isnan(vals)
    g, v = gid[use], vals[use]
    order = np.argsort(g, kind="stable")
    g, v = g[order], v[order]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for n in np.unique(counts[counts >= max(k, 1)]):
        groups = np.flatnonzero(counts == n)
        block = v[starts[groups][:, None] + np.arange(n)]
        ok[groups] = mean_safe_rows(block, **opts)
    return ok
