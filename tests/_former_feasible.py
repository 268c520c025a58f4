"""The R5 check of one released mean as it was before the insider ranges were computed once per
known rater (mentorassess.release.feasible._check): the reference of tests/test_release_feasible_equal.py."""

from __future__ import annotations

import math
from fractions import Fraction

from mentorassess.errors import DataError
from mentorassess.release.feasible import (MeanCheck, _as_grid, _audit_sums, _check_args, _half, rater_range,
                                           round_mean)


def former_check(values, *, decimals, lo, hi, ell, insider, grid) -> MeanCheck:
    _check_args(lo, hi, ell, decimals, grid)
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    n = len(vals)
    if n == 0:
        return MeanCheck(0, None, decimals, grid, ell, False, "no-data", None, None, None)
    need = ell - 1
    if grid is None:
        xs = [Fraction(float(v)) for v in vals]
        if any(not lo <= x <= hi for x in xs):
            raise DataError(f"a value lies outside the scale {lo}..{hi}")
        g, total = 1, sum(xs)
        shown = round_mean(total / n, decimals)
        h = _half(decimals)
        sums = (max(n * lo, (shown - h) * n), min(n * hi, (shown + h) * n))
        if decimals is None:
            sums = (total, total)
    else:
        g = grid
        xs = _as_grid(vals, g, lo, hi)
        total = sum(xs)
        shown = round_mean(Fraction(total, n * g), decimals)
        sums = _audit_sums(total, n, g, decimals, lo, hi)

    def width(r):
        return (r[1] - r[0]) / g

    out = rater_range(n, sums, lo=lo, hi=hi, grid=grid)
    rows, worst, worst_j = [], None, None
    for i in range(n):
        best_i = None
        if insider:
            for j in range(n):
                if j == i:
                    continue
                r = rater_range(n, sums, lo=lo, hi=hi, grid=grid, known=[xs[j]])
                if best_i is None or width(r) < width(best_i[0]):
                    best_i = (r, j)
            if best_i is not None and (worst is None or width(best_i[0]) < width(worst)):
                worst, worst_j = best_i
        ir = best_i[0] if best_i else (None, None)
        rows.append((i, float(out[0] / g), float(out[1] / g),
                     None if ir[0] is None else float(ir[0] / g), None if ir[1] is None else float(ir[1] / g),
                     best_i[1] if best_i else None))
    if width(out) < need:
        reason = "outsider"
    elif worst is not None and width(worst) < need:
        reason = "insider"
    else:
        reason = "ok"
    fr = lambda r: None if r is None else (float(r[0] / g), float(r[1] / g))  # noqa: E731
    return MeanCheck(n, shown, decimals, grid, ell, reason == "ok", reason, fr(out), fr(worst), worst_j, tuple(rows))
