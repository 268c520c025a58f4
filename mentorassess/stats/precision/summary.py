"""How much to trust a mentor's score: every precision statistic of one form, in one object.

:func:`precision_report` runs, per wave and per scale (each competency and the overall score):
the G-study (:mod:`.gstudy`), the D-study (:mod:`.dstudy`, mentees needed for .70/.80), the
per-mentor reliability, the shrunken (EB) mentor scores (:mod:`.shrinkage`) and within-mentor
agreement (rwg(j) under the uniform and a chosen null, awg); across the first two waves the
multilevel pre/post change (:mod:`.prepost`) and the reliable change index (:mod:`.rci`).
``to_dict()`` is the JSON of ``mentorassess precision``: mentor-level rows are listed only for
mentors with at least ``min_raters`` ratings in the wave (the model uses every rating).

Examples
--------
>>> from mentorassess.sample import generate
>>> rep = precision_report(generate(seed=3, n_mentors=12).responses, "mca-26", wave="pre")
>>> sorted(rep.waves[0].gstudies)[:2]
['communication', 'diversity']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mentorassess.errors import DataError, InsufficientDataError
from mentorassess.instruments import Instrument, load_instrument
from mentorassess.scoring import Scores, score
from mentorassess.stats._common import jsonable, single_threaded_blas
from mentorassess.stats.agreement import rwg_j
from mentorassess.stats.precision.dstudy import DStudy, d_study, mentor_reliability
from mentorassess.stats.precision.gstudy import GStudy, g_study
from mentorassess.stats.precision.nulls import awg_items
from mentorassess.stats.precision.prepost import PrePostChange, prepost_change
from mentorassess.stats.precision.rci import ReliableChange, reliable_change
from mentorassess.stats.precision.shrinkage import ShrunkenScores, shrunken_scores

__all__ = ["PrecisionWave", "PrecisionReport", "precision_report"]


@dataclass(frozen=True, eq=False)
class PrecisionWave:
    """Precision statistics of one wave, keyed by scale (competency id or ``overall``)."""

    wave: str
    gstudies: dict[str, GStudy] = field(default_factory=dict)
    dstudies: dict[str, DStudy] = field(default_factory=dict)
    mentor_reliability: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    shrunken: dict[str, ShrunkenScores] = field(default_factory=dict)
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    skipped: dict[str, str] = field(default_factory=dict)

    def needed(self) -> pd.DataFrame:
        """Mentees needed for each target, per scale, at the scale's own number of items (G)."""
        rows = []
        for scale, ds in self.dstudies.items():
            g = self.gstudies[scale]
            t = ds.needed[(ds.needed["n_items"] == g.n_items) & (ds.needed["coefficient"] == "G")]
            for r in t.itertuples(index=False):
                rows.append({"wave": self.wave, "scale": scale, "n_items": g.n_items, "target": r.target,
                             "mentees_needed": r.raters, "mentees_exact": r.raters_exact, "reachable": r.reachable,
                             "cap": r.cap, "g_observed": g.g, "raters_harmonic": g.raters_harmonic})
        return pd.DataFrame(rows, columns=["wave", "scale", "n_items", "target", "mentees_needed", "mentees_exact",
                                           "reachable", "cap", "g_observed", "raters_harmonic"])

    def to_frame(self) -> pd.DataFrame:
        """Same as :meth:`needed`."""
        return self.needed()


@dataclass(frozen=True, eq=False)
class PrecisionReport:
    """Precision of mentor scores for one form: per-wave results and pre/post change."""

    instrument: str
    form: str
    waves: tuple[PrecisionWave, ...]
    change: dict[str, PrePostChange] = field(default_factory=dict)
    reliable_change: dict[str, ReliableChange] = field(default_factory=dict)
    min_raters: int = 3
    null: str | float = "uniform"
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The D-study summary: mentees needed for .70/.80 per wave and scale."""
        frames = [w.needed() for w in self.waves]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def to_dict(self) -> dict[str, Any]:
        k = self.min_raters

        def shown(frame: pd.DataFrame, col: str) -> pd.DataFrame:
            return frame[frame[col] >= k] if len(frame) else frame

        waves = []
        for w in self.waves:
            waves.append({
                "wave": w.wave,
                "g_study": {s: g.to_dict() for s, g in w.gstudies.items()},
                "d_study": {s: {"table": d.table, "needed": d.needed} for s, d in w.dstudies.items()},
                "mentees_needed": w.needed(),
                "mentor_reliability": shown(w.mentor_reliability, "n_raters"),
                "shrunken_scores": {s: {"tau2": e.tau2, "sigma2": e.sigma2, "mu": e.mu, "icc1": e.icc1,
                                        "level": e.level, "mentors": shown(e.table, "n"),
                                        "mentors_not_listed": int((e.table["n"] < k).sum())}
                                    for s, e in w.shrunken.items()},
                "agreement": w.agreement,
                "skipped": w.skipped,
            })
        rc = {}
        for s, r in self.reliable_change.items():
            t = r.table
            rc[s] = {"icc1": r.icc1, "sd_pre_means": r.sd_pre_means, "ms_within": r.ms_within, "z": r.z,
                     "waves": list(r.waves), "mentors": t[(t["k_pre"] >= k) & (t["k_post"] >= k)],
                     "share_reliable": float(t["reliable"].mean()) if len(t) else None}
        return jsonable({"instrument": self.instrument, "form": self.form, "min_raters": self.min_raters,
                         "null": self.null, "waves": waves,
                         "change": {s: c.to_dict() for s, c in self.change.items()},
                         "reliable_change": rc, "notes": list(self.notes),
                         "methods": METHODS})


METHODS = {
    "g_study": "REML variance components of (raters:mentor) x items, equal to lme4 lmer(score ~ 1 + (1|mentor) + "
               "(1|mentor:rater) + (1|item) + (1|mentor:item)); ANOVA (expected mean squares) when balanced",
    "d_study": "G = s2_m / (s2_m + s2_mi/n_i + s2_r:m/n_r + s2_res/(n_r n_i)); mentees needed solve G = target",
    "shrunken_scores": "empirical-Bayes random-intercept estimates of lmer(score ~ 1 + (1|mentor)) with "
                       "conditional SDs as lme4 ranef(condVar = TRUE)",
    "change": "lmer(score ~ wave + (1|mentor) [+ (1|mentor:rater)]) with Satterthwaite df as lmerTest; "
              "d_total = beta / sqrt(total variance), d_within = beta / sigma",
    "reliable_change": "Jacobson & Truax RC with the reliability of a k-rater mean ICC(1,k); model-based RC with "
                       "MS_within / k at each wave",
    "agreement": "rwg(j) as multilevel::rwg.j under the uniform and the chosen null (LeBreton & Senter 2008); "
                 "awg(j) as multilevel::awg",
}


def _scales(ins: Instrument, form: str) -> dict[str, list[str]]:
    on_form = {i.id for i in ins.items_for_form(form)} if form in ins.forms else set(ins.item_ids)
    out = {c.id: [i for i in c.items if i in on_form] for c in ins.competencies}
    if "overall" not in out:
        out["overall"] = [i for i in ins.total_item_ids if i in on_form]
    return {k: v for k, v in out.items() if v}


def _run(skipped: dict, key: str, fn):
    try:
        return fn()
    except InsufficientDataError as exc:
        skipped[key] = str(exc).splitlines()[0]
        return None


@single_threaded_blas
def precision_report(responses: pd.DataFrame | Scores, instrument: Instrument | str, *, form: str = "mentee",
                     wave: str | None = None, min_raters: int = 3, targets=(0.70, 0.80),
                     null: str | float = "slight_skew", level: float = 0.95,
                     include: tuple[str, ...] = ("shrunken", "agreement", "change")) -> PrecisionReport:
    """Precision statistics of one form for one wave (or each wave) and pre/post change.

    Parameters
    ----------
    responses : DataFrame or Scores
        Canonical responses (as read by :func:`mentorassess.io.canonical.read_responses`) or
        their scores.
    form : str
        Form id; the precision of a mentor's score needs several raters per mentor (the mentee form).
    wave : str, optional
        Only this wave (then no pre/post change); default every wave, with change from the first
        to the second wave in order.
    null : str or float
        The rwg null shown beside the uniform one (default ``slight_skew``: lenient ratings).
    include : tuple of str
        Parts beside the G- and D-study: ``shrunken``, ``agreement``, ``change``.

    Raises
    ------
    DataError
        Unknown form or wave.
    """
    ins = load_instrument(instrument) if not isinstance(instrument, Instrument) else instrument
    if form not in ins.forms:
        raise DataError(f"unknown form {form!r}; the instrument has {', '.join(sorted(ins.forms))}")
    role = ins.forms[form].rater_role
    sc = responses if isinstance(responses, Scores) else score(responses, ins)
    sel = sc.scores["rater_role"] == role
    if not sel.any():
        raise InsufficientDataError(f"no responses of form {form!r}")
    waves = [w for w in sc.waves if (sc.scores.loc[sel, "wave"] == w).any()]
    if wave is not None:
        if wave not in waves:
            raise DataError(f"no {form} responses in wave {wave!r} (waves present: {', '.join(waves) or 'none'})")
        waves = [wave]
    scales = _scales(ins, form)
    items = sc.items[sc.items["rater_role"] == role]
    per = sc.scores[sel]
    opts = len(ins.scale.values)
    out_waves = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for w in waves:
            out_waves.append(_wave(w, items[items["wave"] == w], per[per["wave"] == w], scales, targets, null, opts,
                                   (ins.scale.min, ins.scale.max), min_raters, level, include))
        change, rcs = {}, {}
        notes = []
        if wave is None and len(waves) >= 2 and "change" in include:
            pair = (waves[0], waves[1])
            d = per[per["wave"].isin(pair)]
            has_rater = "rater_id" in d.columns and d["rater_id"].notna().any()
            skipped: dict[str, str] = {}
            for s in scales:
                long = pd.DataFrame({"mentor": d["mentor_id"], "wave": d["wave"], "score": d[s],
                                     "rater": d["rater_id"] if has_rater else np.nan})
                c = _run(skipped, s, lambda: prepost_change(long, rater="rater" if has_rater else None,
                                                            waves=pair, level=level, label=s))
                if c is not None:
                    change[s] = c
                r = _run(skipped, s, lambda: reliable_change(long, waves=pair, label=s))
                if r is not None:
                    rcs[s] = r
            notes += [f"change for {s} not computed: {v}" for s, v in skipped.items()]
    return PrecisionReport(instrument=ins.id, form=form, waves=tuple(out_waves), change=change,
                           reliable_change=rcs, min_raters=min_raters, null=null, notes=tuple(notes))


def _wave(w, items, per, scales, targets, null, opts, rng, min_raters, level, include) -> PrecisionWave:
    skipped: dict[str, str] = {}
    gs, ds, eb, rel, agr = {}, {}, {}, [], []
    n_mentor = per.groupby("mentor_id").size()
    for s, its in scales.items():
        long = items[["mentor_id", "response_id", *its]].melt(id_vars=["mentor_id", "response_id"],
                                                              var_name="item", value_name="score").dropna()
        long = long.rename(columns={"mentor_id": "mentor", "response_id": "rater"})
        g = _run(skipped, f"g_study {s}", lambda: g_study(long, label=s))
        if g is not None:
            gs[s] = g
            ds[s] = d_study(g, items=(len(its), 26) if s != "overall" else (len(its),), targets=targets)
            mr = mentor_reliability(g, n_mentor, len(its))
            mr.insert(1, "scale", s)
            rel.append(mr)
        if "shrunken" in include:
            e = _run(skipped, f"shrunken {s}", lambda: shrunken_scores(
                pd.DataFrame({"mentor": per["mentor_id"], "score": per[s]}), level=level, label=s))
            if e is not None:
                eb[s] = e
        if "agreement" in include:
            agr.append(_agreement(items, s, its, null, opts, rng, min_raters))
    return PrecisionWave(wave=w, gstudies=gs, dstudies=ds, shrunken=eb, skipped=skipped,
                         mentor_reliability=pd.concat(rel, ignore_index=True) if rel else pd.DataFrame(),
                         agreement=pd.DataFrame(agr))


def _agreement(items, scale, its, null, opts, rng, min_raters) -> dict:
    vals_u, vals_n, aw = [], [], []
    codes, _ = pd.factorize(items["mentor_id"], sort=True)
    x_all = items[its].to_numpy(float)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for idx in np.split(order, bounds) if len(order) else []:
        x = x_all[idx]
        x = x[~np.isnan(x).any(axis=1)]
        if len(x) < min_raters:
            continue
        vals_u.append(rwg_j(x, options=opts))
        vals_n.append(rwg_j(x, options=opts, null=null))
        aw.append(awg_items(x, scale=rng))
    a = np.array(aw, float)
    return {"scale": scale, "mentors": len(vals_u),
            "rwg_j_uniform_median": float(np.median(vals_u)) if vals_u else np.nan,
            "rwg_j_null_median": float(np.median(vals_n)) if vals_n else np.nan,
            "awg_mean": float(np.nanmean(a)) if len(a) and (~np.isnan(a)).any() else np.nan,
            "awg_na_share": float(np.isnan(a).mean()) if len(a) else np.nan}
