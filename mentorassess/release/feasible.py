"""The feasible-range rule (R5) for one released group mean, and its band alternative (R6).

A reader who sees the mean of ``n`` raters (rounded to ``decimals``) and knows the scale learns
the set of totals consistent with it, hence for each rater the range of answers still possible.
A mean is released only if every rater keeps at least ``ell`` possible answers (``ell`` = 3 on a
7-point scale), first for an *outsider*, then for each *insider* who knows one rater's answer
(each rater in turn, with the actual answers).

Model
-----
* **Grid.** A rater's value is ``a / grid`` with an integer ``a`` in ``[grid*lo, grid*hi]``:
  ``grid=1`` for item answers, ``grid=k`` for the mean of ``k`` answered items (a competency
  score), ``grid=None`` for a continuous score. The rule is the same everywhere: the feasible
  range of each rater must be at least ``ell - 1`` scale points wide (on the integer scale that
  is ``ell`` values; the union of the per-total ranges is an interval, so there are no holes).
  The continuous model is slightly optimistic against the grid one (its ranges are supersets);
  use the grid when every rater answered all ``k`` items.
* **Rounding.** Released means are rounded half to even on the exact fraction
  (:func:`round_mean`; the release layer must format them with it). The audit keeps a total
  consistent only if its mean lies *strictly* inside the rounding interval, or is the true total
  (a tie is excluded unless it is the truth): conservative whatever tie rule an attacker assumes.
* **Insider.** Knows one rater's exact value and subtracts it.

Examples
--------
The fact-sheet cases for three raters on 1..7 (R5):

>>> [item_mean_safe(v).safe for v in ([7, 7, 7], [6, 7, 7], [1, 1, 1], [1, 1, 2])]
[False, False, False, False]
>>> [str(item_mean_safe(v).shown) for v in ([7, 7, 7], [6, 7, 7], [1, 1, 1], [1, 1, 2])]
['7', '67/10', '1', '13/10']
>>> item_mean_safe([6, 6, 6]).outsider_range      # 6.0 leaves 4..7 to each rater
(4.0, 7.0)
>>> r = item_mean_safe([5, 7, 7])                 # 6.3: fine for an outsider, not for an insider
>>> r.outsider_range, r.safe, r.reason, r.insider_range, r.insider_knows
((5.0, 7.0), False, 'insider', (7.0, 7.0), 0)
>>> item_mean_safe([6, 6, 7]).reason              # 6.3 from 6, 6, 7: who gave 6 learns {6, 7}
'insider'
>>> item_mean_safe([6, 6, 6]).safe, item_mean_safe([3, 5, 7]).safe
(True, True)
>>> consistent_sums(3, 1.3)                       # 1.3 from three raters: the total is 4 = 1+1+2
(4, 4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError, DataError

__all__ = ["round_mean", "consistent_sums", "rater_range", "MeanCheck", "item_mean_safe", "integer_mean_safe",
           "score_mean_safe",
           "Band", "DEFAULT_BANDS", "BandCheck", "band_check", "band_statement"]

_GRID_TOL = 1e-6


def round_mean(mean, decimals: int | None = 1) -> Fraction:
    """Round an exact mean half to even at ``decimals`` (``None``: no rounding).

    >>> str(round_mean(Fraction(25, 4))), str(round_mean(Fraction(127, 20))), str(round_mean(Fraction(1, 3), 2))
    ('31/5', '32/5', '33/100')
    """
    f = Fraction(mean)
    if decimals is None:
        return f
    scale = 10 ** decimals
    x = f * scale
    fl = math.floor(x)
    rest = x - fl
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and fl % 2 == 1):
        fl += 1
    return Fraction(fl, scale)


def _half(decimals: int | None) -> Fraction:
    return Fraction(0) if decimals is None else Fraction(1, 2 * 10 ** decimals)


def _check_args(lo, hi, ell, decimals, grid) -> None:
    if not (isinstance(lo, int) and isinstance(hi, int) and lo < hi):
        raise ConfigError(f"the scale must be integers lo < hi; got {lo!r}..{hi!r}")
    if not (isinstance(ell, int) and ell >= 1):
        raise ConfigError(f"ell must be a positive integer; got {ell!r}")
    if decimals is not None and not (isinstance(decimals, int) and 0 <= decimals <= 6):
        raise ConfigError(f"decimals must be None or an integer 0..6; got {decimals!r}")
    if grid is not None and not (isinstance(grid, int) and grid >= 1):
        raise ConfigError(f"grid must be None or a positive integer; got {grid!r}")


def consistent_sums(n: int, shown, *, decimals: int | None = 1, lo: int = 1, hi: int = 7,
                    grid: int = 1) -> tuple[int, int] | None:
    """Totals (in grid units) whose mean rounds half-even to ``shown``: ``(min, max)`` or None.

    This is what a reader who knows the rounding rule learns from a released mean alone.

    >>> consistent_sums(3, 6.7), consistent_sums(4, 6.2), consistent_sums(3, 7.5)
    ((20, 20), (25, 25), None)
    """
    _check_args(lo, hi, 3, decimals, grid)
    m = Fraction(str(shown)) if decimals is not None else Fraction(shown)
    h = _half(decimals)
    d = n * grid
    a_lo, a_hi = max(d * lo, math.ceil((m - h) * d)), min(d * hi, math.floor((m + h) * d))
    ok = [a for a in range(a_lo, a_hi + 1) if round_mean(Fraction(a, d), decimals) == m]
    return (min(ok), max(ok)) if ok else None


def _audit_sums(total: int, n: int, grid: int, decimals: int | None, lo: int, hi: int) -> tuple[int, int]:
    """Totals the audit treats as consistent with the released mean of ``total`` (conservative)."""
    d = n * grid
    if decimals is None:
        return total, total
    # round_mean(total / d) on integers: total / d * scale is q + r / d, rounded half to even
    scale = 10 ** decimals
    q, r = divmod(total * scale, d)
    if 2 * r > d or (2 * r == d and q % 2 == 1):
        q += 1
    # totals a with (q - 1/2) / scale < a / d < (q + 1/2) / scale, and the true total
    a_lo = ((2 * q - 1) * d) // (2 * scale) + 1
    a_hi = -((-(2 * q + 1) * d) // (2 * scale)) - 1
    return max(d * lo, min(a_lo, total)), min(d * hi, max(a_hi, total))


def rater_range(n: int, sums: tuple, *, lo: int = 1, hi: int = 7, grid: int | None = 1,
                known: Sequence = ()) -> tuple:
    """Range of one rater's value given the group total lies in ``sums`` and ``known`` values.

    ``sums`` and ``known`` are in grid units (integers) for an integer ``grid``, in scale units
    for ``grid=None``. Returns the (low, high) range in the same units, or None when no total is
    consistent.

    >>> rater_range(3, (18, 18)), rater_range(3, (19, 19), known=[5])
    ((4, 7), (7, 7))
    """
    g = 1 if grid is None else grid
    c = len(known)
    if c > n - 1:
        raise DataError(f"an insider cannot know {c} of {n} values and ask about another")
    k_sum = sum(known)
    rest = n - 1 - c
    s_lo = max(sums[0], k_sum + (rest + 1) * g * lo)
    s_hi = min(sums[1], k_sum + (rest + 1) * g * hi)
    if s_lo > s_hi:
        return None
    return (max(g * lo, s_lo - k_sum - rest * g * hi), min(g * hi, s_hi - k_sum - rest * g * lo))


@dataclass(frozen=True)
class MeanCheck:
    """R5 verdict for one released mean.

    Attributes
    ----------
    n : int
    shown : Fraction or None
        The released value (half-even at ``decimals``); None without raters.
    safe : bool
    reason : str
        ``ok``, ``no-data``, ``outsider`` (the mean alone pins a rater) or ``insider``.
    outsider_range : (float, float)
        Each rater's possible values for an outsider (the same for every rater).
    insider_range : (float, float) or None
        The narrowest range an insider leaves to another rater; ``insider_knows`` is the index
        of the rater whose value that insider knows.
    ranges : tuple of (rater, outsider low, outsider high, insider low, insider high, knows)
    """

    n: int
    shown: Fraction | None
    decimals: int | None
    grid: int | None
    ell: int
    safe: bool
    reason: str
    outsider_range: tuple[float, float] | None
    insider_range: tuple[float, float] | None
    insider_knows: int | None
    ranges: tuple = ()

    @property
    def width_needed(self) -> int:
        """Scale points a range must span: ``ell - 1``."""
        return self.ell - 1

    def to_frame(self) -> pd.DataFrame:
        """One row per rater: outsider and narrowest insider range."""
        return pd.DataFrame(list(self.ranges), columns=["rater", "outsider_low", "outsider_high",
                                                       "insider_low", "insider_high", "insider_knows"])


def _as_grid(values, grid: int, lo: int, hi: int) -> list[int]:
    out = []
    for v in values:
        a = round(float(v) * grid)
        if not np.isfinite(float(v)) or abs(float(v) * grid - a) > _GRID_TOL or not grid * lo <= a <= grid * hi:
            raise DataError(f"value {v!r} is not on the grid 1/{grid} within {lo}..{hi}",
                            value=v, hint="pass grid=None for continuous scores")
        out.append(a)
    return out


def _first_min(widths: list, skip: int | None) -> int | None:
    """Index of the first smallest width, leaving out index ``skip`` (None when nothing is left)."""
    best = None
    for j, w in enumerate(widths):
        if j != skip and (best is None or w < widths[best]):
            best = j
    return best


def _check(values, *, decimals, lo, hi, ell, insider, grid) -> MeanCheck:
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
    # An insider who knows rater j's value leaves every other rater the same range (it depends on j
    # only): one range per j, and for each rater i the first j != i with the narrowest one.
    known = [rater_range(n, sums, lo=lo, hi=hi, grid=grid, known=[x]) for x in xs] if insider and n > 1 else []
    widths = [width(r) for r in known]
    first = _first_min(widths, skip=None)
    second = _first_min(widths, skip=first)
    for i in range(n):
        best_i = None
        if insider:
            j = first if i != first else second
            best_i = None if j is None else (known[j], j)
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


def item_mean_safe(values, decimals: int | None = 1, lo: int = 1, hi: int = 7, ell: int = 3,
                   insider: bool = True) -> MeanCheck:
    """R5 for the mean of integer answers on ``lo..hi`` (one item, one group of raters).

    Parameters
    ----------
    values : sequence of int
        The answers of the raters who answered (NaN/None are skipped).
    decimals : int or None
        Decimals of the released mean; None for an exact mean.
    ell : int
        Values each rater must keep (3 on a 7-point scale).
    insider : bool
        Also check, for each rater ``j``, an insider who knows ``j``'s actual answer.

    Returns
    -------
    MeanCheck

    Examples
    --------
    >>> item_mean_safe([4, 5, 6, 6, 7]).safe, item_mean_safe([7, 7, 7, 7, 7]).reason
    (True, 'outsider')
    """
    return _check(values, decimals=decimals, lo=lo, hi=hi, ell=ell, insider=insider, grid=1)


def integer_mean_safe(values: Sequence[int], *, decimals: int | None = 1, lo: int = 1, hi: int = 7,
                      ell: int = 3) -> bool:
    """``item_mean_safe(values, ...).safe`` (with insiders) for integer answers, in integer arithmetic.

    The same decision as :func:`item_mean_safe`, without its per-rater table and its fractions: the
    audited totals (:func:`_audit_sums`), the outsider's range, and the narrowest range an insider
    who knows one distinct answer leaves (an insider who knows rater ``j`` leaves every other rater
    the same range, so the narrowest over ``j`` is what :func:`item_mean_safe` compares). The
    release layer calls it for every item mean of every report; tests compare it with
    :func:`item_mean_safe` on every multiset of up to eight answers.

    Parameters
    ----------
    values : sequence of int
        The answers, each an integer in ``lo..hi`` (not checked here).

    Examples
    --------
    >>> [integer_mean_safe(v) for v in ([6, 6, 6], [5, 7, 7], [7, 7, 7], [3, 5, 7])]
    [True, False, False, True]
    """
    n = len(values)
    if n == 0:
        return False
    sums = _audit_sums(sum(values), n, 1, decimals, lo, hi)
    need = ell - 1
    out = rater_range(n, sums, lo=lo, hi=hi)
    if out[1] - out[0] < need:
        return False  # an outsider
    # an insider who knows an answer x (one range per distinct answer)
    return n == 1 or all(r[1] - r[0] >= need for r in (rater_range(n, sums, lo=lo, hi=hi, known=[x])
                                                        for x in set(values)))


def score_mean_safe(scores, decimals: int | None = 1, lo: int = 1, hi: int = 7, ell: int = 3,
                    insider: bool = True, grid: int | None = None) -> MeanCheck:
    """R5 for the mean of real-valued rater scores (e.g. competency scores).

    Each rater's feasible range must span at least ``ell - 1`` scale points. ``grid=k`` models
    scores that are means of ``k`` answered items (multiples of ``1/k``), exactly; ``grid=None``
    treats scores as continuous (slightly optimistic).

    Examples
    --------
    >>> score_mean_safe([6.5, 7.0, 7.0], grid=2).reason       # mean 6.8: each rater >= 6.5
    'outsider'
    >>> score_mean_safe([4.5, 5.25, 6.0, 6.75, 5.0], grid=4).safe
    True
    """
    return _check(scores, decimals=decimals, lo=lo, hi=hi, ell=ell, insider=insider, grid=grid)


# --- bands (R6) ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Band:
    """A statement 'the mean lies in [low, high)' (``low`` inclusive; ``high`` inclusive when
    ``high_closed``; None = open end)."""

    name: str
    label: str
    low: float | None = None
    high: float | None = None
    high_closed: bool = False

    def contains(self, mean) -> bool:
        m = Fraction(mean)
        if self.low is not None and m < Fraction(str(self.low)):
            return False
        if self.high is None:
            return True
        h = Fraction(str(self.high))
        return m <= h if self.high_closed else m < h



#: Both ends treated alike (R6): mirror images on a 1..7 scale (a test checks the symmetry).
DEFAULT_BANDS = (
    Band("top", "in the top band: 6.5 or above", low=6.5),
    Band("high", "in the upper band: 5.5 or above", low=5.5),
    Band("bottom", "in the bottom band: 1.5 or below", high=1.5, high_closed=True),
    Band("low", "in the lower band: 2.5 or below", high=2.5, high_closed=True),
)


@dataclass(frozen=True)
class BandCheck:
    """R5 verdict for a band statement (``reason`` as in :class:`MeanCheck`, or ``not-in-band``)."""

    band: Band
    n: int
    safe: bool
    reason: str
    outsider_range: tuple[float, float] | None
    insider_range: tuple[float, float] | None

    def to_frame(self) -> pd.DataFrame:
        o, i = self.outsider_range or (None, None), self.insider_range or (None, None)
        return pd.DataFrame([{"band": self.band.name, "n": self.n, "safe": self.safe, "reason": self.reason,
                              "outsider_low": o[0], "outsider_high": o[1], "insider_low": i[0], "insider_high": i[1]}])


def band_check(values, band: Band, *, lo: int = 1, hi: int = 7, ell: int = 3, insider: bool = True,
               grid: int | None = 1) -> BandCheck:
    """R5 for the statement 'the mean of ``values`` lies in ``band``'.

    The outsider learns only that the total lies in the band, so his ranges depend on ``n`` and
    the band alone; the insider pass uses the actual values, as in :func:`item_mean_safe`.

    >>> band_check([7, 7, 7], DEFAULT_BANDS[0]).reason              # n = 3: {6, 7} only
    'outsider'
    >>> band_check([7, 7, 7, 7, 7], DEFAULT_BANDS[0]).safe
    True
    >>> band_check([7, 7, 7, 6, 7], DEFAULT_BANDS[0]).reason        # who gave 6 pins the rest to 6..7
    'insider'
    """
    _check_args(lo, hi, ell, None, grid)
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    n = len(vals)
    g = 1 if grid is None else grid
    xs = [Fraction(float(v)) for v in vals] if grid is None else _as_grid(vals, g, lo, hi)
    d = n * g
    fl = Fraction(str(band.low)) if band.low is not None else None
    fh = Fraction(str(band.high)) if band.high is not None else None
    if n == 0 or not band.contains(Fraction(sum(xs), d)):
        return BandCheck(band, n, False, "no-data" if n == 0 else "not-in-band", None, None)
    if grid is None:   # the open upper end is taken as closed: optimistic by a set of measure 0
        s_lo, s_hi = max(d * lo, fl * d if fl is not None else d * lo), min(d * hi, fh * d if fh is not None else d * hi)
    else:
        s_lo = max(d * lo, math.ceil(fl * d) if fl is not None else d * lo)
        top = (math.floor(fh * d) if band.high_closed else math.ceil(fh * d) - 1) if fh is not None else d * hi
        s_hi = min(d * hi, top)
    need = ell - 1
    out = rater_range(n, (s_lo, s_hi), lo=lo, hi=hi, grid=grid)
    worst = None
    if insider and n >= 2:
        for a in xs:
            r = rater_range(n, (s_lo, s_hi), lo=lo, hi=hi, grid=grid, known=[a])
            if worst is None or r[1] - r[0] < worst[1] - worst[0]:
                worst = r
    reason = ("outsider" if (out[1] - out[0]) / g < need else
              "insider" if worst is not None and (worst[1] - worst[0]) / g < need else "ok")
    fr = lambda r: None if r is None else (float(r[0] / g), float(r[1] / g))  # noqa: E731
    return BandCheck(band, n, reason == "ok", reason, fr(out), fr(worst))


def band_statement(values, bands: Sequence[Band] = DEFAULT_BANDS, *, lo: int = 1, hi: int = 7, ell: int = 3,
                   insider: bool = True, grid: int | None = 1, prefer: str = "widest") -> Band | None:
    """The safe band statement for the exact mean of ``values``, else None.

    Among the bands that contain the mean and pass :func:`band_check`, ``prefer="widest"``
    (default) returns the one spanning most of the scale, ``"specific"`` the narrowest (ties in
    the given order); None means 'show the pooled reason text'. The widest passing band depends
    least on the data (the choice between nested bands is itself a release).

    Examples
    --------
    >>> band_statement([7, 7, 7]).label                    # n = 3: 'top band' would pin {6, 7}
    'in the upper band: 5.5 or above'
    >>> band_statement([7, 7, 7, 7, 7]).name, band_statement([7, 7, 7, 7, 7], prefer="specific").name
    ('high', 'top')
    >>> band_statement([7, 7, 7, 6, 7], prefer="specific").name    # who gave 6 would pin the rest in 'top'
    'high'
    >>> band_statement([1, 1, 1, 1, 1], prefer="specific").name, band_statement([1, 1, 2, 1, 1]).name
    ('bottom', 'low')
    >>> band_statement([4, 4, 5, 4, 4]) is None           # mid-scale: no band applies
    True
    """
    if prefer not in ("widest", "specific"):
        raise ConfigError(f"prefer must be 'widest' or 'specific'; got {prefer!r}")
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not vals:
        return None
    g = 1 if grid is None else grid
    xs = [Fraction(float(v)) for v in vals] if grid is None else [Fraction(a, g) for a in _as_grid(vals, g, lo, hi)]
    mean = sum(xs) / len(xs)

    def span(b: Band) -> float:
        top = hi if b.high is None else min(hi, b.high)
        bottom = lo if b.low is None else max(lo, b.low)
        return (top - bottom) * (-1 if prefer == "widest" else 1)

    cands = sorted((b for b in bands if b.contains(mean)), key=span)   # stable: given order on ties
    for b in cands:
        if band_check(vals, b, lo=lo, hi=hi, ell=ell, insider=insider, grid=grid).safe:
            return b
    return None
