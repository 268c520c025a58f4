"""The random-intercept models of this subpackage fitted from per-mentor summaries (n, mean, SD).

The REML likelihood of ``score ~ 1 + (1|mentor)`` and of ``score ~ wave + (1|mentor)`` depends on
the ratings only through, per mentor (and wave), the number of ratings, their mean and their
within sum of squares: inside one mentor-and-wave cell the deviations from the cell mean are
independent of the cell mean and of every random effect. Ratings rebuilt from those summaries
(``mean + sd * z`` with a fixed ``z`` of mean 0 and SD 1) therefore give the same REML fit, the
same BLUPs and conditional SDs (lme4 ``ranef(condVar = TRUE)``) and the same Satterthwaite df
(lmerTest) as the original ratings; these functions do exactly that and call
:func:`~mentorassess.stats.precision.shrinkage.shrunken_scores` and
:func:`~mentorassess.stats.precision.prepost.prepost_change`. This is what lets the release layer's
figures (a released mean with its n and SD) feed the models without any rating leaving it. A rater
term (same mentee in both waves) cannot be rebuilt from summaries; the pre/post model here has
none.

Examples
--------
>>> import pandas as pd
>>> s = pd.DataFrame({"mentor": ["a", "b", "c"], "n": [3, 4, 5], "mean": [4.0, 5.0, 6.0],
...                   "sd": [1.0, 0.5, 0.8]})
>>> eb = shrunken_from_summaries(s)
>>> eb.to_frame()["n"].tolist(), bool((eb.to_frame()["eb_score"] < 6.0).all())
([3, 4, 5], True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorassess.errors import DataError
from mentorassess.stats.precision.prepost import PrePostChange, prepost_change
from mentorassess.stats.precision.shrinkage import ShrunkenScores, shrunken_scores

__all__ = ["ratings_from_summaries", "shrunken_from_summaries", "prepost_from_summaries"]


def ratings_from_summaries(data: pd.DataFrame, *, keys: tuple[str, ...] = ("mentor",), n: str = "n",
                           mean: str = "mean", sd: str = "sd") -> pd.DataFrame:
    """Ratings with exactly the given count, mean and SD per row of ``data`` (columns ``keys`` + ``score``).

    Row ``i`` gives ``n_i`` ratings ``mean_i + sd_i * z`` with ``z_k = (k - (n_i + 1)/2) / sqrt(n_i (n_i + 1)/12)``,
    ``k = 1..n_i`` (mean 0, SD 1).

    A missing SD is taken as 0 (one rating). Raises DataError for a count below 1, a missing mean
    or a negative SD.

    Examples
    --------
    >>> r = ratings_from_summaries(pd.DataFrame({"mentor": ["a"], "n": [4], "mean": [5.0], "sd": [2.0]}))
    >>> float(round(r["score"].mean(), 12)), float(round(r["score"].std(), 12))
    (5.0, 2.0)
    """
    for c in (*keys, n, mean, sd):
        if c not in data.columns:
            raise DataError(f"column {c!r} is not in the summaries", column=c)
    cnt = pd.to_numeric(data[n], errors="coerce")
    mu = pd.to_numeric(data[mean], errors="coerce")
    s = pd.to_numeric(data[sd], errors="coerce").fillna(0.0)
    bad = cnt.isna() | (cnt < 1) | (cnt != cnt.round()) | mu.isna() | (s < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError("a summary needs a whole count >= 1, a mean and an SD >= 0", row=i + 1,
                        value=str(data.iloc[i][[n, mean, sd]].to_dict()))
    k = cnt.astype(int).to_numpy()
    row = np.repeat(np.arange(len(data)), k)
    start = np.repeat(np.cumsum(k) - k, k)
    pos = np.arange(len(row)) - start + 1.0          # 1..n within each summary
    nn = k[row].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(nn > 1, (pos - (nn + 1) / 2.0) / np.sqrt(nn * (nn + 1) / 12.0), 0.0)
    out = data.iloc[row][list(keys)].reset_index(drop=True)
    out["score"] = mu.to_numpy(float)[row] + s.to_numpy(float)[row] * z
    return out


def shrunken_from_summaries(data: pd.DataFrame, *, mentor: str = "mentor", n: str = "n", mean: str = "mean",
                            sd: str = "sd", level: float = 0.95, label: str = "") -> ShrunkenScores:
    """EB mentor scores (``lmer(score ~ 1 + (1|mentor))``) from one row per mentor: n, mean, SD.

    Equal to :func:`~mentorassess.stats.precision.shrinkage.shrunken_scores` on the ratings behind
    the summaries (see the module docstring); same errors.
    """
    r = ratings_from_summaries(data, keys=(mentor,), n=n, mean=mean, sd=sd)
    return shrunken_scores(r, mentor=mentor, score="score", level=level, label=label)


def prepost_from_summaries(data: pd.DataFrame, *, waves: tuple[str, str], mentor: str = "mentor",
                           wave: str = "wave", n: str = "n", mean: str = "mean", sd: str = "sd",
                           level: float = 0.95, label: str = "") -> PrePostChange:
    """``score ~ wave + (1|mentor)`` with Satterthwaite df from one row per mentor and wave: n, mean, SD.

    Equal to :func:`~mentorassess.stats.precision.prepost.prepost_change` (no rater term) on the
    ratings behind the summaries.
    """
    r = ratings_from_summaries(data, keys=(mentor, wave), n=n, mean=mean, sd=sd)
    return prepost_change(r, mentor=mentor, wave=wave, score="score", waves=waves, level=level, label=label)
