"""Empirical-Bayes (shrunken) mentor scores from a random-intercept model.

``y_ij = mu + u_j + e_ij`` with ``u_j ~ N(0, tau^2)``, ``e ~ N(0, sigma^2)``, fitted by REML
(``lmer(score ~ 1 + (1|mentor))``), where ``y_ij`` is rater i's score of mentor j. The BLUP is
``u_j = lambda_j (ybar_j - mu)`` with ``lambda_j = tau^2 / (tau^2 + sigma^2/n_j)`` and ``mu`` the
GLS mean (``fixef``); the EB score is ``mu + u_j``; its conditional SD is
``sqrt(tau^2 (1 - lambda_j)) = (1/tau^2 + n_j/sigma^2)^(-1/2)``, lme4's
``ranef(fit, condVar = TRUE)`` (it conditions on the estimated mu and variances, so intervals
are slightly too narrow, most with few mentors).

Examples
--------
>>> import pandas as pd
>>> p = [1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 5, 6, 6, 6, 6]
>>> y = [4.5, 4.9, 4.7, 4.0, 4.3, 3.9, 4.8, 4.0, 4.1, 6.4, 6.0, 3.4, 3.7, 4.1, 4.5, 5.2, 4.4, 4.7]
>>> eb = shrunken_scores(pd.DataFrame({"mentor": p, "score": y}))
>>> eb.to_frame()["eb_score"].round(4).tolist()[:3]
[4.6941, 4.3522, 4.2207]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from mentorassess.errors import ConfigError, DataError, InsufficientDataError
from mentorassess.stats._common import single_threaded_blas
from mentorassess.stats.precision._mixed import Design, Term, fit

__all__ = ["ShrunkenScores", "shrunken_scores"]


@dataclass(frozen=True)
class ShrunkenScores:
    """EB mentor scores: ``table`` with ``mentor, n, raw_mean, blup, eb_score, cond_sd, lower,
    upper, weight`` (weight = lambda_j, the reliability of that mentor's mean); the variance
    components ``tau2`` (mentor), ``sigma2`` (within) and the GLS mean ``mu``."""

    table: pd.DataFrame = field(repr=False)
    tau2: float
    sigma2: float
    mu: float
    level: float = 0.95
    label: str = ""

    @property
    def icc1(self) -> float:
        """tau^2 / (tau^2 + sigma^2): the weight a single rater gets."""
        return self.tau2 / (self.tau2 + self.sigma2) if self.tau2 + self.sigma2 > 0 else float("nan")

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


@single_threaded_blas
def shrunken_scores(data: pd.DataFrame, *, mentor: str = "mentor", score: str = "score", level: float = 0.95,
                    label: str = "") -> ShrunkenScores:
    """EB scores with conditional SDs and ``level`` intervals (EB +- z * cond_sd) per mentor.

    Rows with a missing score are dropped. Raises InsufficientDataError with fewer than 2
    mentors or no mentor with 2 ratings.
    """
    for c in (mentor, score):
        if c not in data.columns:
            raise DataError(f"column {c!r} is not in the data", column=c)
    if not 0 < level < 1:
        raise ConfigError(f"level must be in (0, 1); got {level!r}")
    y = pd.to_numeric(data[score], errors="coerce")
    d = data.loc[y.notna() & data[mentor].notna()]
    y = y[d.index].to_numpy(float)
    codes, ids = pd.factorize(d[mentor], sort=True)
    J = len(ids)
    nj = np.bincount(codes, minlength=J)
    if J < 2 or nj.max() < 2:
        raise InsufficientDataError("shrunken scores need at least 2 mentors and one mentor with 2 ratings")
    n = len(y)
    des = Design(y, np.ones((n, 1)), codes, [Term("mentor", np.zeros(n, np.int64), 1)])
    f = fit(des)
    th = float(f.theta[0])
    s2 = f.sigma2
    e = des.evaluate(f.theta, solve=True)
    u = th * e["loc_spherical"][:, 0]
    cond = np.sqrt(s2 * th ** 2 / (1 + th ** 2 * nj))
    mu = float(f.beta[0])
    z = stats.norm.ppf(0.5 + level / 2)
    raw = np.bincount(codes, y, J) / nj
    tab = pd.DataFrame({"mentor": ids, "n": nj, "raw_mean": raw, "blup": u, "eb_score": mu + u, "cond_sd": cond,
                        "lower": mu + u - z * cond, "upper": mu + u + z * cond,
                        "weight": th ** 2 * nj / (1 + th ** 2 * nj)})
    return ShrunkenScores(table=tab, tau2=s2 * th ** 2, sigma2=s2, mu=mu, level=level, label=label)
