"""The integer closed form of R5 for item means gives item_mean_safe's decision on every multiset.

``release.mentor._item_safe`` decides every item mean of every report with
:func:`~mentorassess.release.feasible.integer_mean_safe` (issue 24: the exact check's fractions and
per-rater table were a third of ``aggregate`` on a 2,000-mentor program). The exact check stays the
reference: both must agree on every multiset of answers up to eight raters on 1..7 (six on 1..5
and 0..4), for every rounding (none, 0, 1, 2 decimals) and ``ell`` 2..4, and on random larger groups.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from mentorassess.release.feasible import integer_mean_safe, item_mean_safe
from mentorassess.release.mentor import _item_safe
from mentorassess.release.rules import ReleaseRules


@pytest.mark.parametrize("lo,hi,max_n", [(1, 7, 8), (1, 5, 6), (0, 4, 6)])
def test_every_small_multiset(lo, hi, max_n):
    safe = unsafe = 0
    for n in range(1, max_n + 1):
        for v in itertools.combinations_with_replacement(range(lo, hi + 1), n):
            for decimals in (None, 0, 1, 2):
                for ell in (2, 3, 4):
                    fast = integer_mean_safe(v, decimals=decimals, lo=lo, hi=hi, ell=ell)
                    exact = item_mean_safe(list(v), decimals=decimals, lo=lo, hi=hi, ell=ell).safe
                    assert fast == exact, (v, decimals, ell)
                    safe += fast
                    unsafe += not fast
    assert safe > 1000 and unsafe > 1000  # both verdicts are exercised


def test_random_larger_groups():
    rng = np.random.default_rng(11)
    for _ in range(3000):
        n = int(rng.integers(9, 60))
        v = rng.integers(1, 8, n)
        if rng.random() < 0.5:
            v = np.clip(v + 3, 1, 7)  # near the ceiling, where the rule bites
        for decimals in (1, 2):
            assert integer_mean_safe(v.tolist(), decimals=decimals) == item_mean_safe(v.tolist(),
                                                                                     decimals=decimals).safe


def test_off_grid_answers_still_refused():
    """A value that is not a whole answer takes the exact check, which refuses it as before."""
    from mentorassess.errors import DataError

    _item_safe.cache_clear()
    with pytest.raises(DataError):
        _item_safe((5.0, 6.5, 7.0), 1, 7, ReleaseRules())
    assert _item_safe((6.0, 6.0, 6.0), 1, 7, ReleaseRules()) is True
    assert _item_safe((5.0, 7.0, 7.0), 1, 7, ReleaseRules()) is False


def _score_safe_every_score(values, lo, hi, rules, items=1):
    """The competency rule as it was before round 11: every distinct score checked as the insider's."""
    v = np.asarray(values, float)
    n = len(v)
    total = math.fsum(v)
    half = 0.5 * 10.0 ** (-rules.decimals)
    shown = round(round(total / n, 9), rules.decimals)
    s_lo, s_hi = n * (shown - half), n * (shown + half)
    s_lo, s_hi = min(max(s_lo, n * lo), total), max(min(s_hi, n * hi), total)

    def width(t_lo, t_hi, m):
        return min(hi, t_hi - (m - 1) * lo) - max(lo, t_lo - (m - 1) * hi)

    if width(s_lo, s_hi, n) < rules.ell - 1 - 1e-9:
        return False
    need = (rules.ell - 1) / max(1, items)
    return all(width(s_lo - x, s_hi - x, n - 1) >= need - 1e-9 for x in np.unique(v)) if n > 1 else False


def test_competency_rule_checks_the_extreme_insiders_only():
    """_score_safe checks the insiders who know the lowest and the highest score (the width is
    concave in the known score); it must decide as checking every score did."""
    from mentorassess.release.mentor import _score_safe

    rng = np.random.default_rng(5)
    verdicts = set()
    for _ in range(20000):
        n, k = int(rng.integers(1, 12)), int(rng.integers(1, 9))
        v = np.round(rng.uniform(1, 7, n) * k) / k
        if rng.random() < 0.5:
            v = np.clip(v + rng.uniform(0, 4), 1, 7)
        rules = ReleaseRules(ell=int(rng.integers(2, 5)))
        t = tuple(sorted(v.tolist()))
        got = _score_safe.__wrapped__(t, 1, 7, rules, k)
        assert got == _score_safe_every_score(t, 1, 7, rules, k), (t, k, rules.ell)
        verdicts.add(got)
    assert verdicts == {True, False}


def _former_audit_sums(total, n, grid, decimals, lo, hi):
    """``feasible._audit_sums`` before round 11's review: the rounding done on fractions."""
    from fractions import Fraction

    from mentorassess.release.feasible import _half, round_mean

    d = n * grid
    if decimals is None:
        return total, total
    m, h = round_mean(Fraction(total, d), decimals), _half(decimals)
    a_lo = math.floor((m - h) * d) + 1
    a_hi = math.ceil((m + h) * d) - 1
    return max(d * lo, min(a_lo, total)), min(d * hi, max(a_hi, total))


def test_audited_totals_equal_the_fraction_rounding():
    """_audit_sums rounds half to even on integers; every total of up to 20 raters on grids 1-4."""
    from mentorassess.release.feasible import _audit_sums

    for lo, hi in ((1, 7), (0, 4)):
        for n in range(1, 21):
            for grid in range(1, 5):
                for total in range(n * grid * lo, n * grid * hi + 1):
                    for decimals in (None, 0, 1, 2, 3):
                        assert _audit_sums(total, n, grid, decimals, lo, hi) == \
                            _former_audit_sums(total, n, grid, decimals, lo, hi), (total, n, grid, decimals)
