"""Exploratory factor analysis equal to ``psych::fa`` (minres and ML; varimax, oblimin, promax).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mentorassess.stats.efa import fit_efa
>>> rng = np.random.default_rng(1)
>>> f = rng.normal(size=(300, 2))
>>> x = pd.DataFrame(np.c_[f[:, [0]] * [.8, .7, .6], f[:, [1]] * [.8, .7, .6]] + rng.normal(scale=.6, size=(300, 6)))
>>> res = fit_efa(x, 2)            # R: psych::fa(x, 2)
>>> res.loadings.shape
(6, 2)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from mentorassess.errors import (
    ConfigError,
    ConvergenceWarning,
    DataQualityWarning,
    HeywoodWarning,
    InsufficientDataError,
)
from mentorassess.stats._common import (
    DigestCache,
    single_threaded_blas,
    check_items,
    check_min,
    cov2cor,
    is_positive_definite,
    item_frame,
    jsonable,
    matrix_frame,
    pairwise_cor,
    projected_gradient,
    readonly,
    smc,
    top_eigh,
    tril_index,
)
from mentorassess.stats._rotations import rotate as _rotate

__all__ = ["EfaResult", "fit_efa"]

_METHODS = ("minres", "ml")
_ROTATIONS = ("oblimin", "varimax", "promax", "none")
_LOWER = 0.005


def _eigh_desc(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w, v = np.linalg.eigh(m)
    return w[::-1], v[:, ::-1]


def _minres_obj(psi: np.ndarray, s: np.ndarray, nf: int) -> float:
    sm = s.copy()
    np.fill_diagonal(sm, 1.0 - psi)
    w, v = top_eigh(sm, nf)
    w = np.where(w < np.finfo(float).eps, 100 * np.finfo(float).eps, w)
    load = v * np.sqrt(w)
    res = sm - load @ load.T
    return float((res[tril_index(len(psi))] ** 2).sum())


def _minres_grad(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    sstar = s - np.diag(psi)
    w, v = top_eigh(sstar, nf)
    load = v * np.sqrt(np.maximum(w, 0))
    return np.diag(load @ load.T) + psi - np.diag(s)


def _minres_obj_grad(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    """Exact gradient of :func:`_minres_obj` (psych's ``FAgr`` is only its interior zero).

    With ``A = s`` carrying ``1 - psi`` on its diagonal, eigenvalues ``w`` (descending) and
    eigenvectors ``V``, the objective is half the squared off-diagonal of ``R = A - V_f W_f V_f'``
    (``f`` the first ``nf``). Its derivative is ``-G @ diag(R)`` with ``G[m, i]`` the derivative of
    the model's ``[i, i]`` entry in ``-psi[m]`` (Daleckii-Krein: divided differences ``1`` within the
    first ``nf``, ``w_k / (w_k - w_l)`` across, ``0`` within the rest). Where ``w[nf - 1]`` and
    ``w[nf]`` (nearly) coincide the objective has no derivative; central differences are returned.
    """
    a = s.copy()
    np.fill_diagonal(a, 1.0 - psi)
    w, v = _eigh_desc(a)
    top, rest = v[:, :nf], v[:, nf:]
    gap = w[nf - 1] - w[nf] if nf < len(psi) else np.inf
    if not gap > 1e-8 * max(1.0, abs(w[0])):
        h = np.finfo(float).eps ** (1 / 3) * np.maximum(1.0, np.abs(psi))
        out = np.empty_like(psi)
        for m in range(len(psi)):
            e = np.zeros_like(psi)
            e[m] = h[m]
            out[m] = (_minres_obj(psi + e, s, nf) - _minres_obj(psi - e, s, nf)) / (2 * h[m])
        return out
    proj = top @ top.T
    g = proj * proj
    for k in range(nf):
        c = w[k] / (w[k] - w[nf:])
        g += 2 * np.outer(top[:, k], top[:, k]) * ((rest * c) @ rest.T)
    return -(g @ ((rest**2) @ w[nf:]))


def _ml_obj(psi: np.ndarray, s: np.ndarray, nf: int) -> float:
    sc = 1.0 / np.sqrt(psi)
    w = np.linalg.eigvalsh(s * np.outer(sc, sc))[::-1]
    e = w[nf:]
    return float(-(np.sum(np.log(e) - e) - nf + s.shape[0]))


def _ml_grad(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    sc = 1.0 / np.sqrt(psi)
    w, v = _eigh_desc(s * np.outer(sc, sc))
    load = v[:, :nf] * np.sqrt(np.maximum(w[:nf] - 1, 0))
    load = np.sqrt(psi)[:, None] * load
    return (np.diag(load @ load.T) + psi - np.diag(s)) / psi**2


def _loadings_out(psi: np.ndarray, s: np.ndarray, nf: int, fm: str) -> np.ndarray:
    if fm == "ml":
        sc = 1.0 / np.sqrt(psi)
        w, v = _eigh_desc(s * np.outer(sc, sc))
        load = v[:, :nf] * np.sqrt(np.maximum(w[:nf] - 1, 0))
        return np.sqrt(psi)[:, None] * load
    w, v = _eigh_desc(s - np.diag(psi))
    return v[:, :nf] * np.sqrt(np.maximum(w[:nf], 0))


@dataclass(frozen=True)
class _Fa:
    """Raw output of the psych::fa port (used by EFA, omega and parallel analysis)."""

    loadings: np.ndarray  # rotated, signed, sorted
    phi: np.ndarray | None
    names: tuple[str, ...]
    communality: np.ndarray  # diag(model) of the unrotated solution
    uniquenesses: np.ndarray  # diag(r - model)
    values: np.ndarray  # eigenvalues of r with communalities on the diagonal
    e_values: np.ndarray  # eigenvalues of r
    converged: bool
    optimizer_message: str
    objective: float = float("nan")


#: Largest projected gradient at which a line-search stop of L-BFGS-B still counts as converged.
_GRADIENT_TOL = 1e-6


def _converged(res, lower: float, upper: float) -> bool:
    """L-BFGS-B's success, or its line-search stop (``ABNORMAL``: no further decrease measurable at
    ``ftol`` = 1e-15, which depends on the machine's rounding) where the projected gradient is below
    :data:`_GRADIENT_TOL`. psych's ``optim`` stops at a relative change of about 1e-8 and reports
    convergence there; a stop far from a stationary point is still reported as not converged."""
    if res.success:
        return True
    g = np.asarray(getattr(res, "jac", np.nan), dtype=float)
    if g.shape != np.shape(res.x) or "ABNORMAL" not in str(res.message).upper():
        return False
    free = projected_gradient(res.x, g, lower, upper)
    return bool(np.all(np.isfinite(free)) and np.max(np.abs(free)) <= _GRADIENT_TOL)


def _extract_fit(r: np.ndarray, nf: int, fm: str) -> tuple[np.ndarray, bool, str, float]:
    """The uniquenesses of psych's ``fa`` extraction: ``(psi, converged, message, objective)``."""
    p = r.shape[0]
    s_smc = smc(r)
    upper = max(float(s_smc.max()), 1.0)
    start = np.diag(r) - s_smc
    if fm == "ml":
        fun, jac = _ml_obj, _ml_grad
    else:
        fun, jac = _minres_obj, _minres_grad
    start = np.clip(start, _LOWER, upper)
    opts = {"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10000, "maxcor": 20}
    with np.errstate(all="ignore"):
        res = optimize.minimize(fun, start, args=(r, nf), jac=jac, method="L-BFGS-B",
                                bounds=[(_LOWER, upper)] * p, options=opts)
        # flat objectives (near-Heywood items, n < items): L-BFGS-B can stop on a plateau short of
        # the minimum; restart from where it stopped while that still lowers the objective
        for _ in range(5):
            again = optimize.minimize(fun, res.x, args=(r, nf), jac=jac, method="L-BFGS-B",
                                      bounds=[(_LOWER, upper)] * p, options=opts)
            if not again.fun < res.fun - 1e-15 * max(1.0, abs(res.fun)):
                break
            res = again
        if (res.x <= _LOWER + 1e-6).any():
            # a uniqueness at its bound (Heywood): the objective has several local minima there
            # (psych's optim may stop at either); try a few other starts and keep the lowest
            # psych's analytic gradient is only approximate near the bound, so polish with the
            # objective's own derivatives (exact for minres, numerical for ml)
            polish_jac = _minres_obj_grad if fm != "ml" else "3-point"
            for alt in (res.x, np.full(p, 0.5), np.clip(res.x, 0.2, 0.9), np.full(p, min(0.9, upper))):
                cand = optimize.minimize(fun, alt, args=(r, nf), jac=polish_jac, method="L-BFGS-B",
                                         bounds=[(_LOWER, upper)] * p, options=opts)
                if cand.fun < res.fun - 1e-15 * max(1.0, abs(res.fun)):
                    res = cand
    return res.x, _converged(res, _LOWER, upper), str(res.message), float(res.fun)


_EXTRACTED = DigestCache(8)   # (matrix digest, nf, fm) -> extraction; omega and the EFA of a report fit the same one


def _extract(r: np.ndarray, nf: int, fm: str) -> tuple[np.ndarray, bool, str, float]:
    """:func:`_extract_fit`, remembered for the last few matrices (a deterministic function of its
    arguments, so a repeated call returns the very numbers a fresh fit gives)."""
    key = DigestCache.key(r, int(nf), fm)
    hit = _EXTRACTED.get(key)
    if hit is None:
        hit = _extract_fit(r, nf, fm)
        _EXTRACTED.put(key, hit)
    psi, converged, message, objective = hit
    return psi.copy(), converged, message, objective


def fa_core(r: np.ndarray, nf: int, fm: str = "minres", rotate: str = "oblimin") -> _Fa:
    """Port of psych's ``fa`` on a correlation matrix (no input checks)."""
    r = np.asarray(r, dtype=float)
    psi, converged, message, objective = _extract(r, nf, fm)
    load = _loadings_out(psi, r, nf, fm)
    if nf > 1:
        sgn = np.sign(load.sum(axis=0))
        sgn[sgn == 0] = 1
        load = load * sgn
    elif load.sum() < 0:
        load = -load
    load = np.where(load == 0, 1e-15, load)
    model = load @ load.T
    phi = None
    if rotate != "none" and nf > 1:
        rot = _rotate(load, rotate)
        load, phi = rot.loadings, rot.phi
        if not rot.converged:
            message = f"the {rotate} rotation did not converge" + ("" if converged else f"; extraction: {message}")
        converged = converged and rot.converged
    sgn = np.sign(load.sum(axis=0))
    sgn[sgn == 0] = 1
    load = load * sgn
    if phi is not None:
        phi = phi * np.outer(sgn, sgn)
    prefix = "ML" if fm == "ml" else "MR"
    names = [f"{prefix}{j + 1}" for j in range(nf)]
    if nf > 1:
        ev = (load**2).sum(axis=0) if phi is None else np.diag(phi @ load.T @ load)
        order = np.argsort(-ev, kind="stable")
        load = load[:, order]
        names = [names[j] for j in order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    s_red = r.copy()
    np.fill_diagonal(s_red, np.diag(model))
    return _Fa(
        loadings=load,
        phi=phi,
        names=tuple(names),
        communality=np.diag(model).copy(),
        uniquenesses=np.diag(r - model).copy(),
        values=np.linalg.eigvalsh(s_red)[::-1],
        e_values=np.linalg.eigvalsh(r)[::-1],
        converged=converged,
        optimizer_message=message,
        objective=objective,
    )


@dataclass(frozen=True, eq=False)
class EfaResult:
    """An exploratory factor solution (equals ``psych::fa``).

    ``loadings`` is the pattern matrix P (items x factors), ``phi`` the factor correlations
    (identity for orthogonal rotations), ``structure`` = P Phi, ``communalities`` h2 =
    rowSums(P * structure) (= diag(L0 L0') of the unrotated solution, correct under oblique
    rotation), ``uniquenesses`` u2 = 1 - h2. Factor names are psych's (``MR1``...; after
    sorting a column keeps the name of its position before sorting, as in psych).
    """

    items: tuple[str, ...]
    factors: tuple[str, ...]
    method: str
    rotation: str
    n_obs: int
    loadings: np.ndarray = field(repr=False)
    phi: np.ndarray = field(repr=False)
    communalities: np.ndarray = field(repr=False)
    uniquenesses: np.ndarray = field(repr=False)
    eigenvalues: np.ndarray = field(repr=False)
    reduced_eigenvalues: np.ndarray = field(repr=False)
    converged: bool = True
    heywood_items: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    objective: float = float("nan")
    smoothed: bool = False

    @property
    def structure(self) -> np.ndarray:
        return self.loadings @ self.phi

    def variance_accounted(self) -> pd.DataFrame:
        """psych's ``Vaccounted``: SS loadings (diag(Phi P'P)), proportions, cumulative."""
        vx = np.diag(self.phi @ self.loadings.T @ self.loadings)
        vt = float((self.communalities + self.uniquenesses).sum())
        return pd.DataFrame(
            {
                "ss_loadings": vx,
                "proportion_var": vx / vt,
                "cumulative_var": np.cumsum(vx / vt),
                "proportion_explained": vx / vx.sum(),
                "cumulative_proportion": np.cumsum(vx / vx.sum()),
            },
            index=list(self.factors),
        )

    def loadings_frame(self) -> pd.DataFrame:
        return matrix_frame(self.loadings, self.items, self.factors)

    def phi_frame(self) -> pd.DataFrame:
        return matrix_frame(self.phi, self.factors, self.factors)

    def to_frame(self) -> pd.DataFrame:
        """Tidy loadings: one row per item with each factor, h2, u2."""
        df = self.loadings_frame()
        df["h2"] = self.communalities
        df["u2"] = self.uniquenesses
        df.insert(0, "item", df.index)
        return df.reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "method": self.method, "rotation": self.rotation, "n_obs": self.n_obs,
            "items": list(self.items), "factors": list(self.factors),
            "loadings": self.loadings, "phi": self.phi, "communalities": self.communalities,
            "uniquenesses": self.uniquenesses, "eigenvalues": self.eigenvalues,
            "variance_accounted": self.variance_accounted().reset_index(names="factor"),
            "converged": self.converged, "heywood_items": list(self.heywood_items), "notes": list(self.notes),
            "objective": self.objective, "not_positive_definite": self.smoothed,
        })


@single_threaded_blas
def fit_efa(
    items: pd.DataFrame,
    n_factors: int,
    *,
    method: str = "minres",
    rotation: str = "oblimin",
    correlation: np.ndarray | None = None,
    n_obs: int | None = None,
) -> EfaResult:
    """Exploratory factor analysis, equal to ``psych::fa(x, nfactors, fm, rotate)``.

    Parameters
    ----------
    items : DataFrame
        Item responses (NaN = missing); correlations are pairwise (``cor(use = "pairwise")``).
        May be None when ``correlation`` and ``n_obs`` are given.
    n_factors : int
        Number of factors (at least 1, fewer than the number of items).
    method : {"minres", "ml"}
        psych's ``fm``: minimum residual (default) or maximum likelihood.
    rotation : {"oblimin", "varimax", "promax", "none"}
        ``oblimin`` = GPArotation::oblimin (psych's default), ``varimax`` = stats::varimax,
        ``promax`` = psych's Kaiser-normalized Promax (power 4).
    correlation : ndarray, optional
        A correlation matrix to factor instead of the data.
    n_obs : int, optional
        N when ``correlation`` is given.

    Returns
    -------
    EfaResult

    Raises
    ------
    InsufficientDataError
        Fewer than 3 items or 3 complete rows, or too many factors.
    ConfigError
        Unknown method or rotation.

    Warns
    -----
    HeywoodWarning
        A communality at the bound (uniqueness <= .005) or above 1; the solution is reported
        as estimated, never clipped.

    Notes
    -----
    Uniquenesses minimize psych's objective with L-BFGS-B on [.005, max(smc, 1)] from 1 - smc,
    with tighter tolerances than R's ``optim`` defaults (factr 1e7), so estimates agree with
    psych to about 1e-6 but are not bit-identical. Columns are reflected to positive sums and
    sorted by diag(Phi P'P), as psych does. R: ``psych::fa(x, nfactors, fm = "minres",
    rotate = "oblimin")``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame(rng.normal(size=(200, 1)) * [.8, .7, .6, .5] + rng.normal(size=(200, 4)) * .6)
    >>> round(float(fit_efa(x, 1).communalities.sum()), 2) > 0
    True
    """
    if method not in _METHODS:
        raise ConfigError(f"method must be one of {_METHODS}; got {method!r}")
    if rotation not in _ROTATIONS:
        raise ConfigError(f"rotation must be one of {_ROTATIONS}; got {rotation!r}")
    if correlation is not None:
        r = cov2cor(np.asarray(correlation, dtype=float))
        names = list(items.columns) if isinstance(items, pd.DataFrame) else [f"V{j + 1}" for j in range(r.shape[0])]
        n = int(n_obs) if n_obs is not None else 0
    else:
        frame = item_frame(items, what="EFA")
        frame = frame.loc[frame.notna().any(axis=1)]
        check_items(frame, what="EFA")
        check_min(frame, what="EFA", min_items=3)
        r = pairwise_cor(frame)
        names = [str(c) for c in frame.columns]
        n = int(frame.shape[0])
    p = r.shape[0]
    if not 1 <= int(n_factors) < p:
        raise InsufficientDataError(f"EFA: n_factors must be between 1 and {p - 1} for {p} items; got {n_factors}")
    notes: list[str] = []
    npd = not_positive_definite_note(r, n, "EFA")
    if npd:
        notes.append(npd)
        warnings.warn(npd, DataQualityWarning, stacklevel=3)
    fa = fa_core(r, int(n_factors), method, rotation)
    phi = fa.phi if fa.phi is not None else np.eye(int(n_factors))
    h2 = fa.communality
    hey = solution_notes(fa, names, "EFA", notes, stacklevel=4)
    return EfaResult(
        items=tuple(names), factors=fa.names, method=method, rotation=rotation if n_factors > 1 else "none",
        n_obs=n, loadings=readonly(fa.loadings), phi=readonly(phi), communalities=readonly(h2),
        uniquenesses=readonly(fa.uniquenesses), eigenvalues=readonly(fa.e_values),
        reduced_eigenvalues=readonly(fa.values), converged=fa.converged, heywood_items=hey, notes=tuple(notes),
        objective=fa.objective, smoothed=bool(npd),
    )


def not_positive_definite_note(r: np.ndarray, n: int, what: str) -> str:
    """The warning psych gives (through ``cor.smooth``) for a non-positive-definite matrix, or ''."""
    if is_positive_definite(r):
        return ""
    few = f" (n = {n} responses for {r.shape[0]} items)" if 0 < n <= r.shape[0] else ""
    return (f"{what}: the correlation matrix is not positive definite{few}. As psych::fa, the factors are "
            "extracted from the unsmoothed matrix; psych smooths it (cor.smooth) only for its fit "
            "statistics. Estimates rest on too little information: interpret with care.")


def solution_notes(fa: _Fa, names: list[str], what: str, notes: list[str], stacklevel: int = 3) -> tuple[str, ...]:
    """Heywood and convergence warnings of a factor solution (also used by omega)."""
    h2 = fa.communality
    hey = tuple(names[i] for i in range(len(names)) if h2[i] >= 1.0 - _LOWER - 1e-8)
    if hey:
        ultra = [names[i] for i in range(len(names)) if h2[i] > 1.0]
        kind = "ultra-Heywood case (communality above 1" if ultra else f"Heywood case (communality at or above {1 - _LOWER}"
        msg = (f"{what}: {kind}) for {', '.join(hey)} (max h2 = {h2.max():.4f}); the solution is reported "
               "unclipped, but the loadings of these items are poorly determined (psych warns likewise)")
        notes.append(msg)
        warnings.warn(msg, HeywoodWarning, stacklevel=stacklevel)
    if not fa.converged:
        msg = f"{what}: the factor extraction did not converge ({fa.optimizer_message}); results are unreliable"
        notes.append(msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=stacklevel)
    return hey
