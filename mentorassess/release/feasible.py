"""Feasible-range rule R5 (provisional minimal version; replaced by the full module)."""

from __future__ import annotations

import math

import numpy as np


def _sums(n: int, mean: float, decimals: int, lo: float, hi: float, step: float) -> np.ndarray:
    shown = round(round(mean, 9), decimals)  # independent of summation order
    grid = np.arange(round(n * lo / step), round(n * hi / step) + 1) * step
    half = 0.5 * 10 ** (-decimals)
    return grid[np.abs(grid / n - shown) <= half + 1e-12]


def _ok(sums: np.ndarray, n_free: int, lo: float, hi: float, width: float) -> bool:
    if n_free < 1 or len(sums) == 0:
        return False
    a = np.maximum(lo, sums - (n_free - 1) * hi)
    b = np.minimum(hi, sums - (n_free - 1) * lo)
    return float(b.max() - a.min()) >= width - 1e-9


def item_mean_safe(values, *, lo=1.0, hi=7.0, ell=3, decimals=1) -> bool:
    return score_mean_safe(values, lo=lo, hi=hi, ell=ell, decimals=decimals, grid=1)


def score_mean_safe(values, *, lo=1.0, hi=7.0, ell=3, decimals=1, grid=1, insider_width=None) -> bool:
    v = np.asarray(values, float)
    n = len(v)
    step = 1.0 / grid
    sums = _sums(n, float(np.sort(v).sum()) / n, decimals, lo, hi, step)
    width = ell - 1
    if not _ok(sums, n, lo, hi, width):
        return False
    iw = width if insider_width is None else insider_width
    for x in v:
        if n > 1 and not _ok(sums - x, n - 1, lo, hi, iw):
            return False
    return True


_SUMS_CACHE: dict = {}


def _sum_bounds(n: int, mean: float, decimals: int, lo: float, hi: float, step: float) -> tuple[float, float] | None:
    """Smallest and largest feasible sum of :func:`_sums` (``None`` when there is none), cached.

    Each ``_ok`` test is monotone in the sum, so these two ends decide it exactly.
    """
    shown = round(round(mean, 9), decimals)
    key = (n, shown, decimals, lo, hi, step)
    hit = _SUMS_CACHE.get(key, False)
    if hit is False:
        sums = _sums(n, mean, decimals, lo, hi, step)
        hit = (float(sums.min()), float(sums.max())) if len(sums) else None
        if len(_SUMS_CACHE) > 100_000:
            _SUMS_CACHE.clear()
        _SUMS_CACHE[key] = hit
    return hit


def mean_safe_rows(values: np.ndarray, *, lo=1.0, hi=7.0, ell=3, decimals=1, grid=1, insider_width=None) -> np.ndarray:
    """:func:`score_mean_safe` for every row of an ``(m, n)`` array at once (same results, bit for bit).

    Parameters
    ----------
    values : ndarray of shape (m, n)
        One cell's ``n`` answered values per row (no NaN).

    Returns
    -------
    ndarray of bool, shape (m,)

    Examples
    --------
    >>> v = np.array([[1., 2., 7.], [4., 4., 4.]])
    >>> [bool(x) for x in mean_safe_rows(v)] == [score_mean_safe(r) for r in v]
    True
    """
    v = np.asarray(values, float)
    m, n = v.shape
    out = np.zeros(m, dtype=bool)
    if m == 0 or n == 0:
        return out
    step = 1.0 / grid
    totals = np.sort(v, axis=1).sum(axis=1)  # row-wise: the same summation as np.sort(row).sum()
    width = ell - 1
    iw = width if insider_width is None else insider_width
    smin = np.full(m, np.nan)
    smax = np.full(m, np.nan)
    bounds: dict[float, tuple | None] = {}
    for r, t in enumerate(totals):
        t = float(t)
        b = bounds.get(t, False)
        if b is False:
            b = bounds[t] = _sum_bounds(n, t / n, decimals, lo, hi, step)
        if b is not None:
            smin[r], smax[r] = b
    ok = ~np.isnan(smin)
    # outsider: _ok(sums, n, ...) from the two ends of the feasible sums
    a = np.maximum(lo, smin - (n - 1) * hi)
    b = np.minimum(hi, smax - (n - 1) * lo)
    ok &= (b - a) >= width - 1e-9
    if n > 1:  # insider who knows one rater's answer x: _ok(sums - x, n - 1, ...)
        a = np.maximum(lo, (smin[:, None] - v) - (n - 2) * hi)
        b = np.minimum(hi, (smax[:, None] - v) - (n - 2) * lo)
        ok &= ((b - a) >= iw - 1e-9).all(axis=1)
    return ok
