"""mentorassess._factorize.factorize against pandas.factorize(use_na_sentinel=False)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorassess._factorize import factorize


def _same(values):
    codes, uniq = factorize(values)
    ref_codes, ref_uniq = pd.factorize(values, use_na_sentinel=False)
    np.testing.assert_array_equal(codes, ref_codes)
    assert len(uniq) == len(ref_uniq)
    for a, b in zip(uniq, ref_uniq):
        assert (pd.isna(a) and pd.isna(b)) or a == b


@pytest.mark.parametrize("seed", range(20))
def test_random_object_arrays_with_missing_cells(seed):
    rng = np.random.default_rng(seed)
    pool = np.array(["a", "b", " c", "", "7", None, np.nan, pd.NaT, 3.0, "é"], dtype=object)
    n = int(rng.integers(0, 60))
    _same(pool[rng.integers(0, len(pool), n)])


@pytest.mark.parametrize("values", [
    np.array([], dtype=object), np.array([None], dtype=object), np.array([np.nan, "x", None], dtype=object),
    np.array(["x", "y", "x"], dtype=object), np.array([1.0, np.nan, 1.0]), np.array([3, 1, 3]),
])
def test_edge_arrays(values):
    _same(values)


def test_read_only_codes_are_not_written():
    values = np.array(["a", None, "b"], dtype=object)
    values.setflags(write=False)
    _same(values)
