"""The exact derivative of the minres objective that polishes Heywood solutions (``fa_core``):
equal to central differences of the objective, and the polished solution equal to the one that
numerical derivatives reach."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from mentorassess.stats import efa
from mentorassess.stats.efa import _minres_obj, _minres_obj_grad, fa_core


def _corr(seed: int, p: int = 10, n: int = 300) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p))
    x[:, 1:4] += 1.5 * x[:, [0]]
    x[:, 5:7] += x[:, [4]]
    return np.corrcoef(x.T)


def _central(psi, s, nf, h=1e-6):
    out = np.empty_like(psi)
    for m in range(len(psi)):
        e = np.zeros_like(psi)
        e[m] = h
        out[m] = (_minres_obj(psi + e, s, nf) - _minres_obj(psi - e, s, nf)) / (2 * h)
    return out


@pytest.mark.parametrize("nf", [1, 2, 3, 5])
@pytest.mark.parametrize("seed", [1, 2])
def test_gradient_equals_central_differences(seed, nf):
    s = _corr(seed)
    psi = np.random.default_rng(seed + 10).uniform(0.05, 0.9, len(s))
    g = _minres_obj_grad(psi, s, nf)
    num = _central(psi, s, nf)
    assert np.max(np.abs(g - num)) < 1e-7 * max(1.0, np.max(np.abs(num)))
    assert np.max(np.abs(g)) > 1e-3   # not trivially zero


def test_gradient_where_the_objective_has_none_is_finite():
    # identity correlations with equal uniquenesses: every eigenvalue is the same
    s = np.eye(6)
    psi = np.full(6, 0.4)
    g = _minres_obj_grad(psi, s, 2)
    assert np.all(np.isfinite(g))


def _two_factor(seed: int) -> np.ndarray:
    # five items on one factor, two on the other: the pair's factor often puts one at the bound
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((200, 2))
    x = np.column_stack([f[:, 0] + rng.standard_normal(200) for _ in range(5)]
                        + [f[:, 1] + 0.6 * rng.standard_normal(200) for _ in range(2)])
    return np.corrcoef(x.T)


def test_gradient_is_zero_where_psych_gradient_is():
    # at an interior minimum (psych's FAgr = 0, communality = 1 - psi) the exact derivative vanishes too
    s = _two_factor(8)
    fa = fa_core(s, 2, "minres", "none")
    psi = 1.0 - np.asarray(fa.communality, dtype=float)
    assert psi.min() > 0.1
    assert np.max(np.abs(_minres_obj_grad(psi, s, 2))) < 1e-6


def test_heywood_polish_equals_numerical_derivatives(monkeypatch):
    s = _two_factor(1)
    exact = fa_core(s, 2, "minres", "oblimin")
    assert np.asarray(exact.communality).max() >= 1 - efa._LOWER - 1e-6   # a Heywood case: the polish ran
    monkeypatch.setattr(efa, "_minres_obj_grad", "3-point")
    efa._EXTRACTED.clear()   # fit again (not the remembered extraction)
    numeric = fa_core(s, 2, "minres", "oblimin")
    assert exact.objective <= numeric.objective + 1e-12
    np.testing.assert_allclose(exact.loadings, numeric.loadings, atol=1e-5)
    np.testing.assert_allclose(exact.uniquenesses, numeric.uniquenesses, atol=1e-5)


def test_a_remembered_extraction_is_the_fresh_one():
    # omega and the EFA of one report extract the same matrix: the second call reuses the fit
    s = _two_factor(1)
    efa._EXTRACTED.clear()
    first = fa_core(s, 2, "minres", "varimax")
    assert len(efa._EXTRACTED) == 1
    again = fa_core(s.copy(), 2, "minres", "oblimin")
    assert len(efa._EXTRACTED) == 1
    efa._EXTRACTED.clear()
    fresh = fa_core(s, 2, "minres", "oblimin")
    for a, b in ((again.loadings, fresh.loadings), (again.phi, fresh.phi), (again.values, fresh.values)):
        assert np.array_equal(a, b)
    assert again.objective == fresh.objective == first.objective
    assert again.converged == fresh.converged
    fa_core(s, 3, "minres", "oblimin")   # another number of factors is another fit
    assert len(efa._EXTRACTED) == 2
