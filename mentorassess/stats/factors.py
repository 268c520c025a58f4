"""Factorability and dimensionality: KMO, Bartlett's test, parallel analysis.

EFA lives in :mod:`mentorassess.stats.efa`, omega in :mod:`mentorassess.stats.omega`, the CFA in
:mod:`mentorassess.stats.cfa`; they are re-exported here for convenience.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mentorassess.stats.factors import estimate_kmo
>>> rng = np.random.default_rng(0)
>>> x = pd.DataFrame(rng.normal(size=(200, 1)) * [.8, .7, .6, .5] + rng.normal(size=(200, 4)) * .6)
>>> 0 < estimate_kmo(x).msa < 1          # R: psych::KMO(x)$MSA
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

import warnings

from mentorassess.errors import ConfigError, DataQualityWarning, InsufficientDataError
from mentorassess.stats._common import (
    single_threaded_blas,
    check_items,
    check_min,
    check_rng,
    collinear_pairs,
    r_solve,
    cov2cor,
    item_frame,
    jsonable,
    pairwise_cor,
    readonly,
)
from mentorassess.stats._parallel import iterate
from mentorassess.stats.efa import EfaResult, fa_core, fit_efa

__all__ = [
    "KmoResult",
    "BartlettResult",
    "ParallelAnalysisResult",
    "EfaResult",
    "estimate_kmo",
    "bartlett_sphericity",
    "parallel_analysis",
    "fit_efa",
]


def _prepare(items: pd.DataFrame, what: str) -> tuple[pd.DataFrame, np.ndarray]:
    frame = item_frame(items, what=what)
    frame = frame.loc[frame.notna().any(axis=1)]
    check_items(frame, what=what)
    check_min(frame, what=what, min_items=2)
    return frame, pairwise_cor(frame)


@dataclass(frozen=True, eq=False)
class KmoResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy (equals ``psych::KMO``)."""

    items: tuple[str, ...]
    msa: float
    msa_items: np.ndarray = field(repr=False)
    n_obs: int = 0
    n_complete: int = 0
    inverted: bool = True

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"item": list(self.items), "msa": self.msa_items})

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"msa": self.msa, "msa_items": dict(zip(self.items, self.msa_items)),
                         "n_obs": self.n_obs, "n_complete": self.n_complete, "inverted": self.inverted})


@single_threaded_blas
def estimate_kmo(items: pd.DataFrame) -> KmoResult:
    """KMO overall and per item from pairwise correlations, equal to ``psych::KMO(x)``.

    Parameters
    ----------
    items : DataFrame
        Item responses, NaN = missing (pairwise-complete correlations, as psych).

    Returns
    -------
    KmoResult
        ``msa`` (overall), ``msa_items``; ``n_obs`` rows used for the correlations.

    Notes
    -----
    Q = R^-1; when R's ``solve`` would refuse R (reciprocal condition number below machine
    epsilon, e.g. an exactly or numerically duplicated item), Q = R as psych does, which gives
    MSA = 0.5 for every item, with a DataQualityWarning naming the perfectly correlated items
    (``inverted`` is then False). Partial correlations = cov2cor(Q); with
    off-diagonal sums only, MSA = sum r^2/(sum r^2 + sum q^2), per item by column.
    R: ``psych::KMO(x)``.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2], "b": [1, 3, 3, 4, 4, 2], "c": [2, 2, 4, 5, 4, 1]})
    >>> round(estimate_kmo(x).msa, 3) > 0
    True
    """
    frame, r = _prepare(items, "KMO")
    names = [str(c) for c in frame.columns]
    q = r_solve(r)
    inverted = q is not None
    if q is None:
        # R's solve() refuses (reciprocal condition number below machine eps); psych then uses
        # R itself as the "image", which gives MSA = 0.5 for every item
        dup = collinear_pairs(r, names)
        why = f" (perfectly correlated: {', '.join(a + '-' + b for a, b in dup)})" if dup else ""
        warnings.warn(f"KMO: the correlation matrix is singular{why}; as psych::KMO, R is used in place of "
                      "its inverse, which gives MSA = 0.5 for every item. Drop the duplicated item(s).",
                      DataQualityWarning, stacklevel=3)
        q = r.copy()
    if (np.diag(q) <= 0).any():
        # psych returns NaN here (cov2cor of a matrix with negative diagonal); we say why
        raise InsufficientDataError(
            f"KMO: the pairwise correlation matrix is not positive definite (n={frame.shape[0]}, "
            f"{int(frame.notna().all(axis=1).sum())} complete rows)")
    q = cov2cor(q)
    np.fill_diagonal(q, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = r0**2, q**2
    msa = r2.sum() / (r2.sum() + q2.sum())
    msai = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KmoResult(items=tuple(map(str, frame.columns)), msa=float(msa), msa_items=readonly(msai),
                     n_obs=int(frame.shape[0]), n_complete=int(frame.notna().all(axis=1).sum()), inverted=inverted)


@dataclass(frozen=True)
class BartlettResult:
    """Bartlett's test of sphericity (equals ``psych::cortest.bartlett(R, n)``)."""

    chisq: float
    df: int
    p_value: float
    n_obs: int
    n_items: int

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"chisq": self.chisq, "df": self.df, "p_value": self.p_value,
                         "n_obs": self.n_obs, "n_items": self.n_items})


@single_threaded_blas
def bartlett_sphericity(items: pd.DataFrame, *, n_obs: int | None = None) -> BartlettResult:
    """Bartlett's test that the correlation matrix is an identity.

    Parameters
    ----------
    items : DataFrame
        Item responses (pairwise correlations).
    n_obs : int, optional
        N for the test; default the number of rows with at least one item answered
        (psych uses ``nrow`` for raw data and 100 with a warning for a matrix).

    Returns
    -------
    BartlettResult

    Notes
    -----
    chi2 = -ln|R| (n - 1 - (2p + 5)/6), df = p(p - 1)/2.
    R: ``psych::cortest.bartlett(cor(x, use = "pairwise"), n = nrow(x))``.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2], "b": [1, 3, 3, 4, 4, 2], "c": [2, 2, 4, 5, 4, 1]})
    >>> bartlett_sphericity(x).df
    3
    """
    frame, r = _prepare(items, "Bartlett test")
    n = int(frame.shape[0]) if n_obs is None else int(n_obs)
    p = r.shape[0]
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0 or r_solve(r) is None:
        dup = collinear_pairs(r, [str(c) for c in frame.columns])
        why = f" (perfectly correlated: {', '.join(a + '-' + b for a, b in dup)})" if dup else ""
        raise InsufficientDataError(f"Bartlett test: the correlation matrix is singular{why}; ln|R| and the "
                                    "test are not defined (psych returns a meaningless or undefined value)")
    chisq = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) // 2
    return BartlettResult(chisq=float(chisq), df=int(df), p_value=float(sps.chi2.sf(chisq, df)), n_obs=n, n_items=p)


@dataclass(frozen=True, eq=False)
class ParallelAnalysisResult:
    """Parallel analysis (``psych::fa.parallel(x, fa = "both")``).

    Deterministic (equal to R): ``pc_values`` (eigenvalues of R) and ``fa_values`` (eigenvalues
    of R with 1-factor minres communalities on the diagonal). Random (depend on the seed, equal
    to R only in distribution): the simulated and resampled means and quantiles; ``n_factors``
    and ``n_components`` (first position where the observed eigenvalue is not above the
    ``quant`` quantile of the simulated ones, minus 1).
    """

    items: tuple[str, ...]
    n_obs: int
    n_iter: int
    quant: float
    pc_values: np.ndarray = field(repr=False)
    fa_values: np.ndarray = field(repr=False)
    pc_sim: np.ndarray = field(repr=False)
    fa_sim: np.ndarray = field(repr=False)
    pc_sim_quantile: np.ndarray = field(repr=False)
    fa_sim_quantile: np.ndarray = field(repr=False)
    pc_resampled: np.ndarray | None = field(repr=False, default=None)
    fa_resampled: np.ndarray | None = field(repr=False, default=None)
    pc_resampled_quantile: np.ndarray | None = field(repr=False, default=None)
    fa_resampled_quantile: np.ndarray | None = field(repr=False, default=None)
    n_factors: int | None = None
    n_components: int | None = None
    seed: int | None = None

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame({
            "position": np.arange(1, len(self.pc_values) + 1),
            "pc_observed": self.pc_values, "pc_simulated_mean": self.pc_sim,
            "pc_simulated_quantile": self.pc_sim_quantile,
            "fa_observed": self.fa_values, "fa_simulated_mean": self.fa_sim,
            "fa_simulated_quantile": self.fa_sim_quantile,
        })
        if self.pc_resampled is not None:
            df["pc_resampled_mean"] = self.pc_resampled
            df["pc_resampled_quantile"] = self.pc_resampled_quantile
            df["fa_resampled_mean"] = self.fa_resampled
            df["fa_resampled_quantile"] = self.fa_resampled_quantile
        return df

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"n_factors": self.n_factors, "n_components": self.n_components, "n_obs": self.n_obs,
                         "n_iter": self.n_iter, "quant": self.quant, "seed": self.seed,
                         "eigenvalues": self.to_frame()})


def _first_not_above(obs: np.ndarray, thr: np.ndarray) -> int | None:
    idx = np.flatnonzero(~(obs > thr))
    return int(idx[0]) if idx.size else None


@single_threaded_blas
def parallel_analysis(
    items: pd.DataFrame,
    *,
    n_iter: int = 20,
    quant: float = 0.95,
    resample: bool = True,
    rng: np.random.Generator | int | None = None,
) -> ParallelAnalysisResult:
    """Horn's parallel analysis for factors and components, as ``psych::fa.parallel``.

    Parameters
    ----------
    items : DataFrame
        Item responses (pairwise correlations; N = rows with at least one answer).
    n_iter : int
        Number of simulated (and resampled) data sets (psych default 20).
    quant : float
        Quantile of the simulated eigenvalues used as threshold (psych default .95).
    resample : bool
        Also bootstrap each column independently (psych does; the suggestion uses the
        simulated normal data either way).
    rng : Generator or int, optional
        Seed (default 20131002). Results are reproducible for a given seed.

    Returns
    -------
    ParallelAnalysisResult

    Notes
    -----
    Equal to R deterministically: the observed eigenvalues (PC: eigen(R); FA: eigen of R with
    the communalities of ``fa(R, 1, rotate = "none")``). Random: everything simulated; R's
    stream (``mclapply``) cannot be reproduced, so suggestions equal R's only where the data
    are clear-cut (observed eigenvalues far from the thresholds; e.g. bfi: 6 factors,
    6 components). R: ``psych::fa.parallel(x, fa = "both", n.iter = 20)``.
    The simulated correlation matrices are drawn from their exact distribution (the Wishart
    matrix of N normal rows, :mod:`mentorassess.stats._parallel`) rather than from N x p normal
    draws, and each one-factor fit runs one eigendecomposition per step (same values as
    ``fa_core``). On large data the resampled correlations are computed on a second thread while
    the fits run (:func:`mentorassess.stats._parallel.iterate`; the same numbers either way).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(500, 2))
    >>> x = pd.DataFrame(np.repeat(f, 3, axis=1) * .8 + rng.normal(size=(500, 6)) * .6)
    >>> parallel_analysis(x, n_iter=5, rng=1).n_factors
    2
    """
    if n_iter < 1:
        raise ConfigError("n_iter must be at least 1")
    if not 0 < quant < 1:
        raise ConfigError(f"quant must be in (0, 1); got {quant!r}")
    frame, r = _prepare(items, "parallel analysis")
    x = frame.to_numpy(dtype=float)
    n, p = x.shape
    if p < 3:
        raise InsufficientDataError(f"parallel analysis needs at least 3 items, got {p}")
    seed = rng if isinstance(rng, (int, np.integer)) else (20131002 if rng is None else None)
    gen = check_rng(rng)
    pc_obs = np.linalg.eigvalsh(r)[::-1]
    fa_obs = fa_core(r, 1, "minres", "none").values
    res, sim = iterate(gen, x, int(n_iter), resample)
    sim_pc, sim_fa = [s[0] for s in sim], [s[1] for s in sim]
    res_pc, res_fa = [r[0] for r in res], [r[1] for r in res]
    sim_pc_a, sim_fa_a = np.array(sim_pc), np.array(sim_fa)
    pc_q = np.quantile(sim_pc_a, quant, axis=0)
    fa_q = np.quantile(sim_fa_a, quant, axis=0)
    kw: dict[str, Any] = {}
    if resample:
        rp, rf = np.array(res_pc), np.array(res_fa)
        kw = dict(pc_resampled=readonly(rp.mean(axis=0)), fa_resampled=readonly(rf.mean(axis=0)),
                  pc_resampled_quantile=readonly(np.quantile(rp, quant, axis=0)),
                  fa_resampled_quantile=readonly(np.quantile(rf, quant, axis=0)))
    return ParallelAnalysisResult(
        items=tuple(map(str, frame.columns)), n_obs=int(n), n_iter=int(n_iter), quant=float(quant),
        pc_values=readonly(pc_obs), fa_values=readonly(fa_obs),
        pc_sim=readonly(sim_pc_a.mean(axis=0)), fa_sim=readonly(sim_fa_a.mean(axis=0)),
        pc_sim_quantile=readonly(pc_q), fa_sim_quantile=readonly(fa_q),
        n_factors=_first_not_above(fa_obs, fa_q), n_components=_first_not_above(pc_obs, pc_q),
        seed=None if seed is None else int(seed), **kw,
    )
