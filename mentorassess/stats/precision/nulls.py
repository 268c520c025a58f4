"""Null distributions for rwg (LeBreton & Senter 2008) and awg (Brown & Hauenstein 2005).

rwg = 1 - s^2 / sigma^2_E with sigma^2_E the variance of the response distribution expected
without agreement. ``null_variance(null, options)`` gives sigma^2_E: ``uniform`` is
(A^2 - 1)/12 for any number of options A; the skewed, triangular and normal nulls of LeBreton &
Senter (2008, Table 2; distributions from Kozlowski & Hults 1987) are tabled for 5 and 7 points.
The 5-point values are computed from the null proportions below (they reproduce the published
1.34, 0.90, 0.44, 1.32, 1.04); the 7-point row is the published table as used by public R code
and was not re-derived from proportions. Choose the null before seeing the data, with a reason
(leniency makes a slight-skew null plausible for mentor ratings), and report the uniform null too.

:func:`awg` is ``multilevel::awg``: for k raters with mean M on [L, H],
``awg = 1 - 2 s^2 / {[(H + L) M - M^2 - H L] k / (k - 1)}``; NA when
``M < (L (k - 1) + H)/k`` or ``M > (H (k - 1) + L)/k``, 1 when M equals L or H, NA for one rater.

Examples
--------
>>> round(null_variance("slight_skew", 5), 2), null_variance("moderate_skew", 7)
(1.34, 2.14)
>>> round(awg([5, 6, 4, 5, 6], scale=(1, 7)), 6)
0.851852
"""

from __future__ import annotations

import math

import numpy as np

from mentorassess.errors import ConfigError, DataError

__all__ = ["NULLS", "NULL_PROPORTIONS", "null_variance", "awg", "awg_items"]

#: Null response proportions of LeBreton & Senter (2008) for 5-point scales, lowest option first.
NULL_PROPORTIONS = {
    5: {"slight_skew": (0.05, 0.15, 0.20, 0.35, 0.25), "moderate_skew": (0.0, 0.10, 0.15, 0.40, 0.35),
        "heavy_skew": (0.0, 0.0, 0.10, 0.40, 0.50), "triangular": (0.11, 0.22, 0.34, 0.22, 0.11),
        "normal": (0.07, 0.24, 0.38, 0.24, 0.07)},
}
#: Tabled variances where the proportions are not available (7 points: LeBreton & Senter Table 2).
_TABLED = {7: {"slight_skew": 2.90, "moderate_skew": 2.14, "heavy_skew": 1.39, "triangular": 2.10, "normal": 1.40}}
NULLS = ("uniform", "slight_skew", "moderate_skew", "heavy_skew", "triangular", "normal")


def _variance(p) -> float:
    p = np.asarray(p, float)
    x = np.arange(1, len(p) + 1)
    mu = float(p @ x)
    return float(p @ (x - mu) ** 2)


def null_variance(null: str | float = "uniform", options: int = 7) -> float:
    """sigma^2_E of a named null for ``options`` response options, or a given positive number."""
    if isinstance(null, (int, float)) and not isinstance(null, bool):
        if not (null > 0 and math.isfinite(null)):
            raise ConfigError(f"a null variance must be a positive number; got {null!r}")
        return float(null)
    if not isinstance(options, (int, np.integer)) or options < 2:
        raise ConfigError(f"options must be a whole number >= 2; got {options!r}")
    key = str(null).lower().replace(" ", "_").replace("-", "_")
    if key == "uniform":
        return (options ** 2 - 1) / 12
    if key not in NULLS:
        raise ConfigError(f"unknown null distribution {null!r}; use one of {', '.join(NULLS)} or a variance")
    if options in NULL_PROPORTIONS:
        return round(_variance(NULL_PROPORTIONS[options][key]), 10)
    if options in _TABLED:
        return _TABLED[options][key]
    raise ConfigError(f"the {key} null is tabled for 5- and 7-point scales only (this scale has {options})",
                      hint="pass the null variance as a number, or use the uniform null")


def _awg1(x: np.ndarray, lo: float, hi: float) -> float:
    k = len(x)
    if k < 2:
        return float("nan")
    s = float(x.sum())
    m = s / k
    # bounds compared on sums (exact for whole-number ratings), as multilevel compares means
    if s < lo * (k - 1) + hi - 1e-9 * max(1.0, abs(s)) or s > hi * (k - 1) + lo + 1e-9 * max(1.0, abs(s)):
        out = float("nan")
    else:
        den = ((hi + lo) * m - m * m - hi * lo) * k / (k - 1)
        out = 1 - 2 * float(x.var(ddof=1)) / den if den != 0 else float("nan")
    if m == hi or m == lo:
        out = 1.0
    return out


def awg(values, *, scale: tuple[float, float] = (1, 7)) -> float:
    """awg of one item for one group (``multilevel::awg(x, grp, range = scale)``); NaN dropped."""
    x = np.asarray(values, float)
    x = x[~np.isnan(x)]
    lo, hi = map(float, scale)
    if not hi > lo:
        raise ConfigError(f"scale must be (low, high) with high > low; got {scale!r}")
    return _awg1(x, lo, hi)


def awg_items(matrix, *, scale: tuple[float, float] = (1, 7)) -> float:
    """awg(j): the mean of the item awgs (NaN items skipped) after listwise deletion, as multilevel."""
    a = np.asarray(matrix, float)
    if a.ndim != 2:
        raise DataError("awg_items needs a matrix: rows are raters, columns items")
    a = a[~np.isnan(a).any(axis=1)]
    lo, hi = map(float, scale)
    if len(a) < 2:
        return float("nan")
    vals = [_awg1(a[:, j], lo, hi) for j in range(a.shape[1])]
    vals = [v for v in vals if not math.isnan(v)]
    return float(np.mean(vals)) if vals else float("nan")
