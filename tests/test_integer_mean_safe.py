"""The integer closed form of R5 for item means gives item_mean_safe's decision on every multiset.

``release.mentor._item_safe`` decides every item mean of every report with
:func:`~mentorassess.release.feasible.integer_mean_safe` (issue 24: the exact check's fractions and
per-rater table were a third of ``aggregate`` on a 2,000-mentor program). The exact check stays the
reference: both must agree on every multiset of answers up to eight raters on 1..7 (six on 1..5
and 0..4), for every rounding (none, 0, 1, 2 decimals) and ``ell`` 2..4, and on random larger groups.
"""

from __future__ import annotations

import itertools

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
