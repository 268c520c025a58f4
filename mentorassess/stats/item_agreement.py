"""Item-level rater agreement of one form and wave: ICC(1), ICC(2) and rwg per item, rwg(j) per scale.

:func:`item_agreement` combines :func:`mentorassess.stats.agreement.icc_nested` (mentees nested in
mentors, ``psych::statsBy``) on every item and competency score with the within-mentor agreement
of :func:`mentorassess.stats.agreement.rwg` / :func:`~mentorassess.stats.agreement.rwg_j`
(uniform null, ``multilevel::rwg`` / ``rwg.j``) summarised over the mentors with at least
``min_raters`` ratings (median and the number of mentors).

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> sc = score(generate(seed=1, n_mentors=20).responses, "mca-26")
>>> ag = item_agreement(sc, wave="pre")
>>> list(ag.items.columns[:4]), len(ag.items)
(['item', 'scale', 'n_ratings', 'mentors'], 26)
>>> bool((ag.scales["rwg_j_median"] <= 1).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError, DataError
from mentorassess.scoring import Scores
from mentorassess.stats._common import jsonable
from mentorassess.stats.agreement import rater_agreement, rwg_by_mentor

__all__ = ["ItemAgreement", "item_agreement"]

_ICC = {"n_groups": "mentors", "n_ratings": "n_ratings", "ICC1": "icc1", "ICC2": "icc2"}


@dataclass(frozen=True)
class ItemAgreement:
    """``items``: item, scale, n_ratings, mentors, icc1, icc2, rwg_median, rwg_mentors;
    ``scales``: scale, n_ratings, mentors, icc1, icc2, rwg_j_median, rwg_mentors."""

    wave: str
    role: str
    items: pd.DataFrame = field(repr=False)
    scales: pd.DataFrame = field(repr=False)
    min_raters: int = 3
    null_variance: float = 4.0
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Items then scales in one table (``kind`` = item | scale; rwg column ``rwg``)."""
        it = self.items.rename(columns={"rwg_median": "rwg", "item": "variable"}).assign(kind="item")
        sc = self.scales.rename(columns={"rwg_j_median": "rwg", "scale": "variable"}).assign(kind="scale")
        return pd.concat([it, sc], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"wave": self.wave, "role": self.role, "min_raters": self.min_raters,
                         "null_variance": self.null_variance, "items": self.items, "scales": self.scales,
                         "notes": list(self.notes)})


def item_agreement(scores: Scores, *, wave: str, role: str = "mentee", min_raters: int = 3) -> ItemAgreement:
    """ICC(1)/ICC(2) per item and competency, with the median rwg (item) and rwg(j) (competency).

    Parameters
    ----------
    scores : Scores
        Scored responses (:func:`mentorassess.scoring.score`).
    wave, role : str
        The wave and the rater role (form) whose ratings are nested in mentors.
    min_raters : int
        Ratings a mentor needs for his rwg to count (>= 3).

    Returns
    -------
    ItemAgreement

    Notes
    -----
    R: ``psych::statsBy(d, group = "mentor_id")$ICC1`` / ``$ICC2`` per column;
    ``multilevel::rwg(x, grpid, ranvar = (A^2 - 1) / 12)`` per item and ``rwg.j`` per competency,
    then the median over mentors with at least ``min_raters`` ratings.
    """
    if not isinstance(scores, Scores):
        raise DataError("scores must be a Scores result")
    if min_raters < 3:
        raise ConfigError("min_raters may not be below 3")
    icc = rater_agreement(scores, wave=wave, role=role)
    rw = rwg_by_mentor(scores, wave=wave, role=role, min_raters=min_raters)
    t = icc.to_frame().set_index("variable")
    r = pd.concat([rw.to_frame(), _overall(scores, wave, role, min_raters, rw.null_variance)], ignore_index=True)
    med = r.groupby("variable")["value"].median()
    cnt = r.groupby("variable")["value"].count()
    ins = scores.instrument
    scale_of = {i: c.id for c in ins.competencies for i in c.items}

    def row(var: str) -> dict[str, Any]:
        out = {new: t.loc[var, old] if var in t.index else np.nan for old, new in _ICC.items()}
        out["rwg_mentors"] = int(cnt.get(var, 0))
        return out

    items = pd.DataFrame([{"item": i, "scale": scale_of.get(i), **row(i), "rwg_median": float(med.get(i, np.nan))}
                          for i in ins.item_ids])
    scales = pd.DataFrame([{"scale": c, **row(c), "rwg_j_median": float(med.get(c, np.nan))}
                           for c in scores.score_columns])  # the competencies and the overall score
    cols_i = ["item", "scale", "n_ratings", "mentors", "icc1", "icc2", "rwg_median", "rwg_mentors"]
    cols_s = ["scale", "n_ratings", "mentors", "icc1", "icc2", "rwg_j_median", "rwg_mentors"]
    return ItemAgreement(wave=str(wave), role=str(role), items=items[cols_i], scales=scales[cols_s],
                         min_raters=min_raters, null_variance=rw.null_variance, notes=icc.notes)


def _overall(scores: Scores, wave: str, role: str, min_raters: int, null_variance: float) -> pd.DataFrame:
    """rwg(j) of the overall score (all its items) per mentor, as rwg_by_mentor does per competency."""
    from mentorassess.stats._rwg_groups import MentorRows, scale_rwg_j, table_of

    ins = scores.instrument
    comps = {c.id for c in ins.competencies}
    extra = [c for c in scores.score_columns if c not in comps]
    items = list(getattr(ins, "total_item_ids", ins.item_ids))
    sel = (scores.items["rater_role"] == role) & (scores.items["wave"] == wave)
    if not extra:
        return pd.DataFrame([], columns=["mentor_id", "wave", "variable", "kind", "n", "value"])
    grouped = MentorRows(scores.items.loc[sel], items)
    groups = np.flatnonzero(grouped.sizes >= min_raters)
    got = scale_rwg_j(grouped, groups, range(len(items)), min_raters, null_variance)   # rwg_j(m, null=...)
    return table_of(grouped, wave, [(name, "overall", got) for name in extra])
