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


def _state_after(gen):
    return gen.bit_generator.state["state"]


def test_resampling_on_a_second_thread_gives_the_same_numbers():
    # the generator is used in the same order either way; so are the fits
    from mentorassess.stats._parallel import iterate

    x = _data(n=600, p=8).to_numpy()
    a, b = np.random.default_rng(11), np.random.default_rng(11)
    seq = iterate(a, x, 6, threads=False)
    par = iterate(b, x, 6, threads=True)
    assert _state_after(a) == _state_after(b)
    for one, two in zip(seq, par):
        assert len(one) == len(two) == 6
        for (pc1, fa1), (pc2, fa2) in zip(one, two):
            assert np.array_equal(pc1, pc2) and np.array_equal(fa1, fa2)
    no_res = iterate(np.random.default_rng(1), x, 3, resample=False, threads=True)
    assert no_res[0] == [] and len(no_res[1]) == 3


def test_a_redrawn_resample_keeps_the_order_of_draws():
    # a column answered 3 times in 60 rows: resampling it often leaves fewer than 2 joint answers,
    # so iterations are redrawn; the threaded loop rewinds the generator and must end equal
    from mentorassess.stats._parallel import _resampled_cor, iterate

    rng = np.random.default_rng(2)
    x = np.clip(np.round(4 + rng.normal(size=(60, 4))), 1, 7)
    x[3:, 0] = np.nan
    probe = np.random.default_rng(5)
    xt = np.ascontiguousarray(x.T)
    undefined = sum(np.isnan(_resampled_cor(xt, probe.integers(0, 60, size=(4, 60)), True)).any()
                    for _ in range(20))
    assert undefined >= 3                     # the redraw path is really taken
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    seq = iterate(a, x, 8, threads=False)
    par = iterate(b, x, 8, threads=True)
    assert _state_after(a) == _state_after(b)
    for one, two in zip(seq, par):
        for (pc1, fa1), (pc2, fa2) in zip(one, two):
            assert np.array_equal(pc1, pc2) and np.array_equal(fa1, fa2)


def test_pairwise_correlations_of_an_empty_column_warn_nothing():
    import warnings

    x = _data(n=50, p=4).to_numpy()
    x[:, 2] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = _pairwise_cor_matrix(x)
    assert np.isnan(c[2]).all() and np.isfinite(c[0, 1])


def test_freed_memory_is_kept_for_reuse_once_per_process_and_can_be_turned_off():
    import subprocess
    import sys

    code = ("from mentorassess.stats._common import reuse_freed_memory as r, _MALLOPT; "
            "a = r(); b = r(); print(a, b, _MALLOPT)")
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert on[:2] == (["True", "True"] if sys.platform.startswith("linux") else ["False", "False"])
    import os

    env = dict(os.environ, MENTORASSESS_MALLOPT="0")
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    assert off[:2] == ["False", "False"]


def test_the_report_gives_the_same_numbers_with_and_without_kept_memory():
    import json
    import os
    import subprocess
    import sys

    code = ("import warnings, numpy as np, pandas as pd; warnings.simplefilter('ignore');"
            "from mentorassess.stats.factors import parallel_analysis;"
            "rng = np.random.default_rng(3); f = rng.normal(size=(3000, 2));"
            "x = np.clip(np.round(4 + np.repeat(f, 4, axis=1) * .7 + rng.normal(size=(3000, 8)) * .7), 1, 7);"
            "x[rng.random(x.shape) < .03] = np.nan;"
            "r = parallel_analysis(pd.DataFrame(x), n_iter=4, rng=2);"
            "print(repr(r.fa_resampled.tolist() + r.fa_sim.tolist()))")
    outs = []
    for flag in ("1", "0"):
        env = dict(os.environ, MENTORASSESS_MALLOPT=flag)
        outs.append(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                   env=env).stdout)
    assert outs[0] == outs[1] and len(json.loads(outs[0].replace("nan", "NaN"))) == 16
