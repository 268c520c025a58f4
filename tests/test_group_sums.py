"""Scoring's group sums and counts (``scoring._group_sums``) equal ``np.nansum`` and a count of the
answered cells bit for bit: whole answers (summed as one product per block of rows), fractional
values, values of 2**40 and more, an infinity, rows with nothing answered, several blocks."""

from __future__ import annotations

import numpy as np
import pytest

from mentorassess.scoring import _group_sums

GROUPS = [[0, 1, 2], [3, 5], [4], list(range(8)), [7, 6]]


def _reference(values, groups):
    sums = np.column_stack([np.nansum(values[:, g], axis=1) for g in groups])
    counts = np.column_stack([(~np.isnan(values[:, g])).sum(axis=1) for g in groups])
    return sums, counts


@pytest.mark.parametrize("kind", ["whole", "fractional", "large", "infinite", "late_fraction"])
def test_group_sums_equal_nansum(kind):
    rng = np.random.default_rng(4)
    v = rng.integers(1, 8, (3000, 8)).astype(float)
    v[rng.random(v.shape) < 0.2] = np.nan
    v[17] = np.nan
    if kind == "fractional":
        v[5, 3] = 2.5
    elif kind == "large":
        v[9, 0] = 2.0 ** 60 + 2.0 ** 9
    elif kind == "infinite":
        v[11, 4] = np.inf
    elif kind == "late_fraction":
        v[2500, 2] = 3.25  # a block after the first ones
    sums, counts = _group_sums(v, GROUPS, 1.0, block=1000)
    want_sums, want_counts = _reference(v, GROUPS)
    np.testing.assert_array_equal(sums, want_sums)
    np.testing.assert_array_equal(counts, want_counts)
