"""Fast inner steps of parallel analysis (:func:`mentorassess.stats.factors.parallel_analysis`).

- :func:`one_factor_values`: the eigenvalues of a one-factor minres solution (what
  ``psych::fa.parallel`` keeps of each of its 40 fits), with one eigendecomposition per optimiser
  step instead of two and none of the rotation and bookkeeping of the full port. On a correlation
  matrix with a unit diagonal it runs the very same arithmetic as
  ``efa.fa_core(r, 1, "minres", "none").values``, so the results are equal bit for bit.
- :func:`simulated_correlation`: the correlation matrix of ``n`` independent standard normal rows
  drawn from its exact distribution (Bartlett's decomposition of the Wishart matrix, ``n - 1``
  degrees of freedom) with p(p+1)/2 random numbers instead of n x p.
- :func:`iterate`: the simulated and resampled eigenvalues of all iterations. On large data the
  resampled correlations of the next two iterations (numpy only, which releases the GIL) are
  computed on threads of their own while this one fits the one-factor solutions; the random
  numbers are drawn in the same order as one after the other, so the results are the same bit
  for bit.

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

from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import optimize

from mentorassess.errors import InsufficientDataError
from mentorassess.stats._common import _pairwise_cor_matrix, smc, top_eigh, tril_index

__all__ = ["one_factor_values", "simulated_correlation", "iterate"]

#: Resample on a second thread from this many cells (below it the thread costs more than it saves).
THREAD_CELLS = 100_000
#: Iterations whose resampled correlations are gathered ahead, each on its own thread, while this
#: thread fits (two keep both cores busy: one gather takes about as long as the two fits of an iteration).
LOOKAHEAD = 2

_LOWER = 0.005  # as efa.fa_core
_EPS = np.finfo(float).eps


def _fun_and_grad(psi: np.ndarray, s: np.ndarray) -> tuple[float, np.ndarray]:
    # efa._minres_obj and efa._minres_grad share one matrix when diag(s) == 1
    sm = s.copy()
    np.fill_diagonal(sm, 1.0 - psi)
    w, v = top_eigh(sm, 1)
    wo = np.where(w < _EPS, 100 * _EPS, w)
    load = v * np.sqrt(wo)
    res = sm - load @ load.T
    obj = float((res[tril_index(len(psi))] ** 2).sum())
    lg = v * np.sqrt(np.maximum(w, 0))
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


def _resampled_cor(xt: np.ndarray, idx: np.ndarray, has_nan: bool) -> np.ndarray:
    """Correlations of the columns of ``xt`` (items x rows) each resampled with its row ``idx``.

    The same values and (column-major) layout as ``take_along_axis(x, idx.T, axis=0)``, gathered
    with one flat ``take``. Numpy only and no warnings: it may run on a worker thread.
    """
    p, n = xt.shape
    xs = np.take(xt.reshape(-1), idx + (np.arange(p, dtype=idx.dtype) * n)[:, None]).T
    if has_nan:
        return _pairwise_cor_matrix(xs)
    with np.errstate(all="ignore"):
        return np.corrcoef(xs, rowvar=False)


def _values(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.linalg.eigvalsh(c)[::-1], one_factor_values(c)


def _one_iteration(gen: np.random.Generator, xt: np.ndarray, has_nan: bool, resample: bool):
    """One iteration, drawing as ``psych::fa.parallel``'s port always did: resample (redrawn while
    a correlation is undefined, at most 100 times), then the simulated matrix."""
    p, n = xt.shape
    res = None
    if resample:
        for _attempt in range(100):
            c = _resampled_cor(xt, gen.integers(0, n, size=(p, n)), has_nan)
            if not np.isnan(c).any():
                break
        else:
            raise InsufficientDataError("parallel analysis: resampled correlations undefined (too few answers)")
        np.fill_diagonal(c, 1.0)
        res = _values(c)
    return res, _values(simulated_correlation(gen, n, p))


def iterate(gen: np.random.Generator, x: np.ndarray, n_iter: int, resample: bool = True,
            threads: bool | None = None) -> tuple[list, list]:
    """``(resampled, simulated)``: per iteration the (PC, FA) eigenvalues of the resampled data
    (empty list without ``resample``) and of the simulated normal data.

    ``threads``: gather the resampled correlations of the next :data:`LOOKAHEAD` iterations on
    threads of their own while this one fits (default: from :data:`THREAD_CELLS` cells). Either
    way the same numbers: the generator is used in the same order, and an iteration whose
    resampled correlations are undefined is drawn again one step at a time from the state it
    started with.
    """
    n, p = x.shape
    xt = np.ascontiguousarray(x.T)   # columns as rows: each resampled column is one contiguous gather
    has_nan = bool(np.isnan(x).any())
    if threads is None:
        threads = resample and n * p >= THREAD_CELLS and n_iter > 1
    res: list = []
    sim: list = []
    if not (threads and resample):
        for _ in range(int(n_iter)):
            r, s = _one_iteration(gen, xt, has_nan, resample)
            if r is not None:
                res.append(r)
            sim.append(s)
        return res, sim
    pending = None   # the previous iteration's resampled correlations, fitted while the next are gathered
    ahead: deque = deque()   # (generator state, resampling job, simulated correlations) of the next iterations

    def draw() -> None:
        state = gen.bit_generator.state
        job = pool.submit(_resampled_cor, xt, gen.integers(0, n, size=(p, n)), has_nan)
        ahead.append((state, job, simulated_correlation(gen, n, p)))

    with ThreadPoolExecutor(max_workers=LOOKAHEAD, thread_name_prefix="mentorassess-pa") as pool:
        for i in range(int(n_iter)):
            while len(ahead) < LOOKAHEAD and i + len(ahead) < n_iter:
                draw()
            state, job, sim_c = ahead.popleft()
            s = _values(sim_c)
            if pending is not None:
                res.append(_values(pending))
                pending = None
            c = job.result()
            if np.isnan(c).any():   # redraw as the one-at-a-time loop does (rare: very sparse columns)
                for _state, later, _sim in ahead:   # the draws after this one are made again
                    later.cancel()
                ahead.clear()
                gen.bit_generator.state = state
                r, s = _one_iteration(gen, xt, has_nan, resample)
                res.append(r)
            else:
                np.fill_diagonal(c, 1.0)
                pending = c
            sim.append(s)
    if pending is not None:
        res.append(_values(pending))
    return res, sim
