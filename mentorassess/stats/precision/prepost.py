"""Multilevel pre/post change: ``score ~ wave + (1|mentor)`` (+ ``(1|mentor:rater)``) by REML.

Ratings are nested in mentors; when rater ids link the waves (the same mentee answers both), a
rater intercept nested in the mentor is added. The wave effect is tested with Satterthwaite
degrees of freedom exactly as ``lmerTest`` (``summary(fit, ddf = "Satterthwaite")``): the
asymptotic covariance of (theta, sigma) is twice the inverse Hessian of the REML deviance and the
gradient of Var(beta_wave) is taken numerically. Standardised effects (Feingold 2009 logic):
``d_total = beta / sqrt(tau^2 + sigma_r^2 + sigma^2)`` (comparable with a between-person d) and
``d_within = beta / sigma``; neither divides by the SE.

Examples
--------
>>> import pandas as pd
>>> p = "1:4.5/5.4 1:4.9/5.3 2:4.7/5.5 2:4.0/4.8 2:4.3/4.5 3:3.9/4.7 3:4.8/4.9 3:4.0/5.1 3:4.1/4.4"
>>> rows = [(int(m), i, w, float(v)) for i, e in enumerate(p.split()) for m, pp in [e.split(":")]
...         for w, v in zip(("pre", "post"), pp.split("/"))]
>>> d = pd.DataFrame(rows, columns=["mentor", "rater", "wave", "score"])
>>> ch = prepost_change(d, rater="rater")
>>> round(ch.estimate, 6), round(ch.df, 4)
(0.6, 8.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from mentorassess.errors import ConfigError, DataError, InsufficientDataError
from mentorassess.scoring import order_waves
from mentorassess.stats._common import single_threaded_blas
from mentorassess.stats.precision._mixed import Design, Term, fit
from mentorassess.stats.precision._satterthwaite import satterthwaite

__all__ = ["PrePostChange", "prepost_change"]


@dataclass(frozen=True)
class PrePostChange:
    """The wave effect of a multilevel pre/post model.

    ``estimate`` (post - pre), ``se``, ``df`` (Satterthwaite), ``t``, ``p``, ``ci_low``/``ci_high``,
    variance components ``tau2`` (mentor), ``rater_var`` (rater within mentor, NaN without the
    term), ``sigma2``; ``d_total``, ``d_within``; counts.
    """

    estimate: float
    se: float
    df: float
    t: float
    p: float
    ci_low: float
    ci_high: float
    tau2: float
    rater_var: float
    sigma2: float
    d_total: float
    d_within: float
    intercept: float
    n_mentors: int
    n_ratings_pre: int
    n_ratings_post: int
    n_linked_raters: int
    model: str
    waves: tuple[str, str]
    level: float = 0.95
    label: str = ""

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def to_frame(self) -> pd.DataFrame:
        d = self.to_dict()
        d["waves"] = " -> ".join(self.waves)
        return pd.DataFrame([d])


@single_threaded_blas
def prepost_change(data: pd.DataFrame, *, mentor: str = "mentor", wave: str = "wave", score: str = "score",
                   rater: str | None = None, waves: tuple[str, str] | None = None, level: float = 0.95,
                   label: str = "") -> PrePostChange:
    """Fit the pre/post model and test the wave effect (Satterthwaite df, as lmerTest).

    Parameters
    ----------
    data : DataFrame
        One row per rating: mentor, wave, score (and rater) columns.
    rater : str, optional
        Rater id column; the ``(1|mentor:rater)`` term is added when at least one rater id
        occurs in both waves and some mentor has two raters (ids are taken within mentor).
    waves : (pre, post), optional
        The two wave labels; default the first two in :func:`mentorassess.scoring.order_waves`.
    """
    for c in (mentor, wave, score) + ((rater,) if rater else ()):
        if c not in data.columns:
            raise DataError(f"column {c!r} is not in the data", column=c)
    if not 0 < level < 1:
        raise ConfigError(f"level must be in (0, 1); got {level!r}")
    present = order_waves(data[wave].dropna().astype(str).unique())
    if waves is None:
        if len(present) < 2:
            raise InsufficientDataError("pre/post change needs two waves")
        waves = (present[0], present[1])
    y = pd.to_numeric(data[score], errors="coerce")
    d = data.loc[y.notna() & data[mentor].notna() & data[wave].astype(str).isin(waves)].copy()
    d["_y"] = y[d.index]
    post = (d[wave].astype(str) == waves[1]).to_numpy(float)
    if post.sum() == 0 or post.sum() == len(d):
        raise InsufficientDataError(f"no ratings in wave {waves[0]!r} or {waves[1]!r}")
    codes, ids = pd.factorize(d[mentor], sort=True)
    if len(ids) < 2:
        raise InsufficientDataError("pre/post change needs at least 2 mentors")
    n = len(d)
    yv = d["_y"].to_numpy(float)
    X = np.column_stack([np.ones(n), post])
    rt, linked = None, 0
    if rater is not None:
        ok = d[rater].notna()
        key = d[mentor].astype(str) + "\x1f" + d[rater].astype(str)
        both = d[ok].groupby(key[ok])[wave].nunique()
        linked = int((both > 1).sum())
        # with one rater per mentor (self-ratings) the rater term would be the mentor term again
        several = (d[ok].groupby(d.loc[ok, mentor])[rater].nunique() > 1).any()
        if linked and several:
            rkey = key.where(ok, "\x1e" + pd.Series(np.arange(n), index=d.index).astype(str))
            rc, ru = pd.factorize(rkey, sort=True)
            rt = Term("rater:mentor", rc.astype(np.int64), len(ru))
    des = Design(yv, X, codes, [Term("mentor", np.zeros(n, np.int64), 1)], rater=rt)
    f = fit(des)
    est, se, df = satterthwaite(des, f, np.array([0.0, 1.0]))
    t = est / se
    p = float(2 * stats.t.sf(abs(t), df))
    q = stats.t.ppf(0.5 + level / 2, df)
    v = f.variances
    tau2, rv, s2 = v["mentor"], v.get("rater:mentor", np.nan), f.sigma2
    tot = tau2 + (0.0 if np.isnan(rv) else rv) + s2
    return PrePostChange(estimate=est, se=se, df=df, t=t, p=p, ci_low=est - q * se, ci_high=est + q * se,
                         tau2=tau2, rater_var=rv, sigma2=s2, d_total=est / np.sqrt(tot), d_within=est / np.sqrt(s2),
                         intercept=float(f.beta[0]), n_mentors=len(ids), n_ratings_pre=int(n - post.sum()),
                         n_ratings_post=int(post.sum()), n_linked_raters=linked,
                         model="score ~ wave + (1|mentor)" + (" + (1|mentor:rater)" if rt is not None else ""),
                         waves=(str(waves[0]), str(waves[1])), level=level, label=label)
