"""Fast inner steps of parallel analysis (:func:`mentorassess.stats.factors.parallel_analysis`).

- :func:`one_factor_values`: the eigenvalues of a one-factor minres solution (what
  ``psych::fa.parallel`` keeps of each of its 40 fits), with one eigendecomposition per optimiser
  step instead of two and none of the rotation and bookkeeping of the full port. On a correlation
  matrix with a unit diagonal it runs the very same arithmetic as
  ``efa.fa_core(r, 1, "minres", "none").values``, so the results are equal bit for bit.
- :func:`simulated_correlation`: the correlation matrix of ``n`` independent standard normal rows
  drawn from its exact distribution (Bartlett's decomposition of the Wishart matrix, ``n - 1``
  degrees of freedom) with p(p+1)/2 random numbers instead of n x p.

Examples
--------
>>> import numpy as np
>>> from mentorassess.stats.efa import fa_core
>>> c = simulated_correlation(np.random.default_rng(1), 200, 6)
>>> # fa_core restarts on flat objectives and may polish a little further (psych-equal either way)
>>> bool(np.allclose(one_factor_values(c), fa_core(c, 1, "minres", "none").values, rtol=0, atol=1e-3))
True
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from mentorassess.stats._common import smc

__all__ = ["one_factor_values", "simulated_correlation"]

_LOWER = 0.005  # as efa.fa_core
_EPS = np.finfo(float).eps


def _fun_and_grad(psi: np.ndarray, s: np.ndarray) -> tuple[float, np.ndarray]:
    # efa._minres_obj and efa._minres_grad share one matrix when diag(s) == 1
    sm = s.copy()
    np.fill_diagonal(sm, 1.0 - psi)
    w, v = np.linalg.eigh(sm)
    w, v = w[::-1], v[:, ::-1]
    wo = np.where(w < _EPS, 100 * _EPS, w)
    load = v[:, :1] * np.sqrt(wo[:1])
    res = sm - load @ load.T
    obj = float((res[np.tril_indices(len(psi), -1)] ** 2).sum())
    lg = v[:, :1] * np.sqrt(np.maximum(w[:1], 0))
    grad = np.diag(lg @ lg.T) + psi - np.diag(s)
    return obj, grad


def one_factor_values(r: np.ndarray) -> np.ndarray:
    """Eigenvalues (descending) of ``r`` with one-factor minres communalities on the diagonal.

    ``r`` must have a unit diagonal (a correlation matrix); equals
    ``fa_core(r, 1, "minres", "none").values``.
    """
    r = np.asarray(r, dtype=float)
    p = r.shape[0]
    s_smc = smc(r)
    upper = max(float(s_smc.max()), 1.0)
    start = np.clip(np.diag(r) - s_smc, _LOWER, upper)
    res = optimize.minimize(_fun_and_grad, start, args=(r,), jac=True, method="L-BFGS-B",
                            bounds=[(_LOWER, upper)] * p,
                            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10000, "maxcor": 20})
    psi = res.x
    w, v = np.linalg.eigh(r - np.diag(psi))
    w, v = w[::-1], v[:, ::-1]
    load = v[:, :1] * np.sqrt(np.maximum(w[:1], 0))
    load = np.where(load == 0, 1e-15, load)
    s_red = r.copy()
    np.fill_diagonal(s_red, np.diag(load @ load.T))
    return np.linalg.eigvalsh(s_red)[::-1]


def simulated_correlation(gen: np.random.Generator, n: int, p: int) -> np.ndarray:
    """Correlation matrix of ``n`` rows of ``p`` independent standard normals (Bartlett's method).

    The sample covariance of ``n`` normal rows times ``n - 1`` is Wishart(I, n - 1); its Bartlett
    factor has chi-square diagonals (``n - 1 - j`` degrees of freedom) and standard normal entries
    below. Falls back to simulating the rows when ``n - 1 < p``.
    """
    if n - 1 < p:
        c = np.corrcoef(gen.standard_normal((n, p)), rowvar=False)
        np.fill_diagonal(c, 1.0)
        return c
    low = np.zeros((p, p))
    low[np.diag_indices(p)] = np.sqrt(gen.chisquare(n - 1 - np.arange(p)))
    low[np.tril_indices(p, -1)] = gen.standard_normal(p * (p - 1) // 2)
    w = low @ low.T
    d = np.sqrt(np.diag(w))
    c = w / np.outer(d, d)
    np.fill_diagonal(c, 1.0)
    return c
