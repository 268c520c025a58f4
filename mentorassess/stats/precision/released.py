"""Shrunken mentor scores and the multilevel pre/post change from released :class:`Profiles`.

What the staff workbook and the program summary show of issue 21 is built here, from the release
layer's figures only: a mentor's released mentee mean with its n and SD per wave and competency
(:mod:`.summaries` fits the same REML models from those as from the ratings behind them).

- :func:`shrunken_profiles`: per mentor, wave and competency (``overall`` included) the raw mentee
  mean beside the empirical-Bayes estimate, its conditional SD and interval and the reliability of
  that mentor's mean for its n (``tau^2 / (tau^2 + sigma^2 / n)``). The model of a wave and
  competency is fitted over the mentors whose mean is released there; a cell whose raw mean is
  withheld has no shrunken value either and carries the raw cell's ``suppressed_reason``
  (``status`` :data:`~mentorassess.release.rules.HIDDEN`).
- :func:`multilevel_change`: ``score ~ wave + (1|mentor)`` per competency over the mentors whose
  mentee mean is released in both waves (the mentor stays the unit of the statement), withheld
  unless the program-cell rule R8 holds for those mentors (``min_mentors`` mentors, no mentor with
  more than ``max_mentor_share`` of the ratings).

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> from mentorassess.aggregate import aggregate
>>> prof = aggregate(score(generate(seed=3, n_mentors=12).responses, "mca-26"))
>>> sp = shrunken_profiles(prof)
>>> t = sp.to_frame()
>>> bool(t.loc[t["mentee_mean"].isna(), "eb_score"].isna().all())
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentorassess.aggregate import Profiles
from mentorassess.errors import MentorAssessError
from mentorassess.release.rules import HIDDEN
from mentorassess.scoring import OVERALL
from mentorassess.stats.precision.summaries import prepost_from_summaries, shrunken_from_summaries

__all__ = ["ShrunkenProfiles", "shrunken_profiles", "MultilevelChange", "multilevel_change", "SHOWN"]

SHOWN = "shown"
_CELL = ["mentor_id", "wave", "competency"]
_EB_COLS = ["eb_score", "eb_sd", "eb_ci_low", "eb_ci_high", "reliability"]


def _cell_n(frame: pd.DataFrame, mentors: pd.DataFrame) -> np.ndarray:
    """Ratings behind each released mean: the n of its released SE, ``(pooled_sd / pooled_se)^2``.

    Profiles carry one mentee n per report, none per cell (R7); the released standard errors
    imply the cell's n, so nothing is used that staff do not already receive. Where both SEs are
    0 the report's n is taken.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (frame["pooled_sd"].to_numpy(float) / frame["pooled_se"].to_numpy(float)) ** 2
        b = (frame["mentee_sd"].to_numpy(float) / frame["mentee_se"].to_numpy(float)) ** 2
    rep = frame[["mentor_id", "wave"]].merge(mentors[["mentor_id", "wave", "mentee_n"]], on=["mentor_id", "wave"],
                                             how="left")["mentee_n"].to_numpy(float)
    n = np.where(np.isfinite(a) & (a > 0), a, np.where(np.isfinite(b) & (b > 0), b, rep))
    return np.rint(n)


@dataclass(frozen=True)
class ShrunkenProfiles:
    """EB mentor scores beside the raw released means (build with :func:`shrunken_profiles`).

    ``table``: per mentor, wave and competency ``mentee_n, mentee_mean`` (as released: no n per cell),
    ``eb_score, eb_sd`` (conditional SD), ``eb_ci_low, eb_ci_high`` (``level`` interval, EB +- z SD),
    ``reliability`` (of that mentor's mean for its n), ``suppressed, suppressed_reason`` (the raw
    cell's release decision) and ``status`` (``shown``, :data:`~mentorassess.release.rules.HIDDEN`
    or ``not_estimated`` when the wave and competency has fewer than ``min_mentors`` released
    mentors). ``models``: per wave and competency ``n_mentors, n_ratings, mu`` (GLS program mean),
    ``tau2`` (between mentors), ``sigma2`` (within), ``icc1``.
    """

    table: pd.DataFrame = field(repr=False)
    models: pd.DataFrame = field(repr=False)
    level: float = 0.95
    min_mentors: int = 3

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict:
        """JSON-ready rows: withheld cells hold no number, only ``status``."""
        rows = []
        for r in self.table.to_dict("records"):
            shown = r["status"] == SHOWN
            rows.append({"mentor_id": r["mentor_id"], "wave": r["wave"], "competency": r["competency"],
                         "status": r["status"],
                         **{c: (None if not shown or pd.isna(r[c]) else float(r[c]))
                            for c in ("mentee_mean", *_EB_COLS)},
                         })
        return {"level": self.level, "min_mentors": self.min_mentors, "rows": rows,
                "models": self.models.to_dict("records")}


def shrunken_profiles(profiles: Profiles, *, level: float = 0.95, min_mentors: int = 3) -> ShrunkenProfiles:
    """EB mentee scores per mentor, wave and competency from the released means, n and SDs.

    Only released cells enter the models and only released cells get a value; everything else
    keeps the raw cell's ``suppressed`` flag and ``suppressed_reason``.
    """
    comp = profiles.competencies
    keep = [*_CELL, "mentee_n", "mentee_mean", "mentee_sd", "suppressed", "suppressed_reason"]
    tab = comp[keep].copy()
    tab["_n"] = _cell_n(comp, profiles.mentors)
    for c in _EB_COLS:
        tab[c] = np.nan
    tab["status"] = np.where(tab["mentee_mean"].notna(), SHOWN, HIDDEN).astype(object)
    models = []
    shown = tab[tab["mentee_mean"].notna()]
    for (w, cid), g in shown.groupby(["wave", "competency"], sort=False):
        idx = g.index
        row = {"wave": w, "competency": cid, "n_mentors": int(len(g)),
               "n_ratings": int(g["_n"].sum()), "mu": np.nan, "tau2": np.nan,
               "sigma2": np.nan, "icc1": np.nan}
        fit = None
        if len(g) >= min_mentors:
            s = pd.DataFrame({"mentor": g["mentor_id"].to_numpy(), "n": g["_n"].astype(int).to_numpy(),
                              "mean": g["mentee_mean"].to_numpy(float), "sd": g["mentee_sd"].to_numpy(float)})
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fit = shrunken_from_summaries(s, level=level, label=f"{w}/{cid}")
            except MentorAssessError:
                fit = None
        if fit is None:
            tab.loc[idx, "status"] = "not_estimated"
        else:
            e = fit.table.set_index("mentor").reindex(g["mentor_id"].to_numpy())
            tab.loc[idx, "eb_score"] = e["eb_score"].to_numpy(float)
            tab.loc[idx, "eb_sd"] = e["cond_sd"].to_numpy(float)
            tab.loc[idx, "eb_ci_low"] = e["lower"].to_numpy(float)
            tab.loc[idx, "eb_ci_high"] = e["upper"].to_numpy(float)
            tab.loc[idx, "reliability"] = e["weight"].to_numpy(float)
            row.update(mu=fit.mu, tau2=fit.tau2, sigma2=fit.sigma2, icc1=fit.icc1)
        models.append(row)
    tab = tab.drop(columns=["mentee_sd", "_n"])
    tab = tab[[*_CELL, "status", "mentee_n", "mentee_mean", *_EB_COLS, "suppressed", "suppressed_reason"]]
    mcols = ["wave", "competency", "n_mentors", "n_ratings", "mu", "tau2", "sigma2", "icc1"]
    return ShrunkenProfiles(table=tab.reset_index(drop=True), models=pd.DataFrame(models, columns=mcols),
                            level=level, min_mentors=int(min_mentors))


@dataclass(frozen=True)
class MultilevelChange:
    """Program pre/post change of mentees' ratings by ``score ~ wave + (1|mentor)`` per competency.

    ``table`` per competency: ``n_mentors`` (released in both waves), ``n_ratings_pre``,
    ``n_ratings_post``, ``estimate`` (post - pre), ``se``, ``df`` (Satterthwaite, as lmerTest), ``t``,
    ``p``, ``ci_low``, ``ci_high``, ``d_total`` (estimate / SD of a single rating: sqrt(tau^2 +
    sigma^2)), ``tau2``, ``sigma2`` and ``suppressed`` (every value empty when the R8 cell rule
    fails for the mentors or the model cannot be fitted).
    """

    pre: str
    post: str
    level: float
    min_mentors: int
    max_mentor_share: float
    table: pd.DataFrame = field(repr=False)
    role: str = "mentee"
    model: str = "score ~ wave + (1 | mentor)"

    def overall(self) -> pd.Series | None:
        """The overall score's row when shown."""
        t = self.table[(self.table["competency"] == OVERALL) & ~self.table["suppressed"].astype(bool)]
        return None if t.empty else t.iloc[0]

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out.insert(0, "role", self.role)
        out.insert(1, "pre", self.pre)
        out.insert(2, "post", self.post)
        out.insert(3, "model", self.model)
        return out


_ML_COLS = ["competency", "n_mentors", "n_ratings_pre", "n_ratings_post", "estimate", "se", "df", "t", "p",
            "ci_low", "ci_high", "d_total", "tau2", "sigma2", "suppressed"]


def multilevel_change(profiles: Profiles, *, pre: str, post: str, level: float = 0.95, min_mentors: int = 3,
                      max_mentor_share: float = 0.5) -> MultilevelChange:
    """``score ~ wave + (1|mentor)`` per competency over mentors with the mentee mean released in both waves.

    Each such mentor's released mean, n and SD of both waves enter (:func:`prepost_from_summaries`);
    nothing of a withheld cell does. The change of a competency is withheld unless those mentors
    pass :func:`mentorassess.release.audit.cell_allowed` (ratings per mentor over both waves).
    """
    from mentorassess.release.audit import cell_allowed

    comp = profiles.competencies
    vals = comp.assign(_n=_cell_n(comp, profiles.mentors))
    vals = vals.loc[vals["mentee_mean"].notna() & vals["wave"].isin([pre, post]),
                    [*_CELL, "_n", "mentee_mean", "mentee_sd"]]
    rows = []
    for cid in profiles.competency_ids:
        v = vals[vals["competency"] == cid]
        a, b = set(v.loc[v["wave"] == pre, "mentor_id"]), set(v.loc[v["wave"] == post, "mentor_id"])
        both = sorted(a & b)
        v = v[v["mentor_id"].isin(both)]
        per = v.groupby("mentor_id")["_n"].sum().astype(int)
        row = {"competency": cid, "n_mentors": len(both), "suppressed": True}
        ok = cell_allowed(per.to_dict(), min_raters=profiles.settings.min_raters, min_mentors=min_mentors,
                          max_mentor_share=max_mentor_share).allowed if len(both) else False
        if ok:
            s = pd.DataFrame({"mentor": v["mentor_id"].to_numpy(), "wave": v["wave"].to_numpy(),
                              "n": v["_n"].astype(int).to_numpy(), "mean": v["mentee_mean"].to_numpy(float),
                              "sd": v["mentee_sd"].to_numpy(float)})
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    f = prepost_from_summaries(s, waves=(pre, post), level=level, label=str(cid))
            except MentorAssessError:
                f = None
            if f is not None and np.isfinite(f.df) and np.isfinite(f.se):
                row.update(n_ratings_pre=f.n_ratings_pre, n_ratings_post=f.n_ratings_post, estimate=f.estimate,
                           se=f.se, df=f.df, t=f.t, p=f.p, ci_low=f.ci_low, ci_high=f.ci_high, d_total=f.d_total,
                           tau2=f.tau2, sigma2=f.sigma2, suppressed=False)
        if row["suppressed"]:
            row["n_mentors"] = np.nan  # a withheld row says nothing about who took part
        rows.append(row)
    t = pd.DataFrame(rows).reindex(columns=_ML_COLS)
    t["suppressed"] = t["suppressed"].astype(bool)
    return MultilevelChange(pre=pre, post=post, level=level, min_mentors=int(min_mentors),
                            max_mentor_share=float(max_mentor_share), table=t)
