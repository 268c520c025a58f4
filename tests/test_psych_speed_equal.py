"""Speed changes of the psychometric report that must not change a bit: parallel analysis gathers
each resampled column along a contiguous row (same values, same layout as the former
``take_along_axis(x, idx.T, axis=0)``), and one report's repeated correlation matrices come from a
cache keyed by the data (the very matrix a fresh computation gives)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorassess.stats import _common
from mentorassess.stats._common import _pairwise_cor_matrix, pairwise_cor
from mentorassess.stats.factors import parallel_analysis


def _data(seed=3, n=400, p=8):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    x = np.repeat(f, p // 2, axis=1) * .7 + rng.normal(size=(n, p)) * .7
    x = np.clip(np.round(4 + x), 1, 7)
    x[rng.random(x.shape) < 0.04] = np.nan
    return pd.DataFrame(x, columns=[f"i{j}" for j in range(p)])


def test_resampled_columns_equal_the_former_gather():
    x = _data().to_numpy()
    n, p = x.shape
    a, b = np.random.default_rng(9), np.random.default_rng(9)
    old = np.take_along_axis(x, a.integers(0, n, size=(p, n)).T, axis=0)
    new = np.take_along_axis(np.ascontiguousarray(x.T), b.integers(0, n, size=(p, n)), axis=1).T
    assert new.strides == old.strides and np.array_equal(new, old, equal_nan=True)
    assert np.array_equal(_pairwise_cor_matrix(new), _pairwise_cor_matrix(old), equal_nan=True)


def test_parallel_analysis_same_with_and_without_the_cache():
    d = _data()
    _common._COR_CACHE.clear()
    first = parallel_analysis(d, n_iter=4, rng=2)
    again = parallel_analysis(d, n_iter=4, rng=2)            # the observed correlations from the cache
    _common._COR_CACHE.clear()
    assert np.array_equal(first.fa_sim, again.fa_sim) and np.array_equal(first.pc_values, again.pc_values)
    c1 = pairwise_cor(d)
    c1[0, 1] = 99.0                                          # a caller's change does not reach the cache
    c2 = pairwise_cor(d)
    _common._COR_CACHE.clear()
    assert c2[0, 1] != 99.0 and np.array_equal(c2, pairwise_cor(d))
