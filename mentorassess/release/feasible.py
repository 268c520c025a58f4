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
