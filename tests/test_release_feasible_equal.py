"""R5's insider check computes one range per known rater instead of one per (rater, known rater) pair;
every verdict, range and index equals the former O(n^2) loop's (tests/_former_feasible.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorassess.release.feasible import _check
from tests._former_feasible import former_check


def _both(values, **kw):
    return _check(values, **kw), former_check(values, **kw)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=0, max_size=14), st.sampled_from([None, 0, 1, 2]),
       st.sampled_from([2, 3, 4]), st.booleans(), st.sampled_from([1, 2, 3]))
def test_item_means_on_the_grid(values, decimals, ell, insider, grid):
    got, want = _both(values, decimals=decimals, lo=1, hi=7, ell=ell, insider=insider,
                      grid=grid)
    assert got == want


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(1, 5, allow_nan=False), min_size=1, max_size=9), st.sampled_from([None, 1, 2]),
       st.booleans())
def test_continuous_scores(values, decimals, insider):
    got, want = _both(values, decimals=decimals, lo=1, hi=5, ell=3, insider=insider, grid=None)
    assert got == want


@pytest.mark.parametrize("values", [[7, 7, 7, 7, 7], [1, 7, 1, 7], [4], [4, 4], [1, 2, 3, 4, 5, 6, 7],
                                    [6, 6, 6, 7, 7, 7, 5, 5, 5, 6, 6], [2, 2, 3, float("nan"), 3]])
def test_edge_groups(values):
    got, want = _both(values, decimals=1, lo=1, hi=7, ell=3, insider=True, grid=1)
    assert got == want
    assert (got.insider_knows is None) == (len([v for v in values if not math.isnan(v)]) < 2)
