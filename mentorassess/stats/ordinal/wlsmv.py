"""WLSMV confirmatory factor analysis for ordered items, equal to lavaan's ``cfa(..., ordered = TRUE)``.

lavaan 0.6-14 defaults reproduced: listwise deletion, thresholds and polychoric correlations
in two steps, DWLS with W = diag(NACOV)^-1 (``lav_muthen1984.R``), delta parameterization
with marker loadings, robust ("robust.sem") sandwich SEs, the mean-and-variance adjusted
(scaled-shifted) test (Asparouhov & Muthen 2010, ``lav_test_satorra_bentler.R``), the scaled
CFI/TLI/RMSEA (Mplus-style, test statistic plugged in) and the "robust" ones lavaan 0.6-14
prints for ordinal models (Savalei 2021 catML, ``lav_fit_catml_dwls``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ...errors import ConvergenceWarning, DataError, HeywoodWarning, InsufficientDataError, Problem
from .._common import single_threaded_blas, frozen_map, jsonable, readonly
from ._data import OrdinalData, check_categories_listwise, prepare
from ._estimate import TwoStep, two_step
from ._model import Model, build_model

__all__ = ["WLSMVResult", "cfa_wlsmv"]


@dataclass(frozen=True)
class WLSMVResult:
    """A WLSMV CFA (lavaan ``cfa(model, data, ordered = TRUE)``).

    Attributes
    ----------
    estimates : DataFrame
        One row per parameter: ``lhs, op, rhs, est, se, z, pvalue, std_all`` with lavaan's
        operators (``=~`` loadings, ``|`` thresholds ``t1, t2, ...``, ``~~`` (co)variances; item
        residual variances are derived, SE NaN, as lavaan prints them under delta).
    fit : mapping
        lavaan ``fitMeasures`` names: ``chisq``, ``df``, ``chisq.scaled``,
        ``chisq.scaling.factor`` (= 1/a), ``chisq.shift.parameter`` (b), ``pvalue.scaled``,
        ``baseline.chisq``, ``baseline.chisq.scaled``, ``cfi``/``tli``/``rmsea`` (unscaled),
        ``*.scaled`` (Mplus-style), ``*.robust`` (Savalei's catML, lavaan >= 0.6-13), RMSEA CIs,
        ``srmr`` (on the polychoric correlations).
    """

    items: tuple[str, ...]
    factors: tuple[str, ...]
    model: Mapping[str, tuple[str, ...]]
    n_obs: int
    n_rows: int
    estimates: pd.DataFrame
    fit: Mapping[str, float]
    polychoric: np.ndarray
    implied: np.ndarray
    levels: Mapping[str, tuple[float, ...]]
    converged: bool
    iterations: int
    heywood: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    estimator: str = "WLSMV"
    parameterization: str = "delta"

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (a copy)."""
        return self.estimates.copy()

    def fit_frame(self) -> pd.DataFrame:
        """Fit measures as a one-column frame indexed by lavaan's names."""
        return pd.DataFrame({"value": pd.Series(dict(self.fit))})

    def loadings(self, standardized: bool = True) -> pd.Series:
        e = self.estimates[self.estimates["op"] == "=~"]
        return pd.Series(e["std_all" if standardized else "est"].to_numpy(), index=e["rhs"].to_numpy())

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "estimator": self.estimator, "parameterization": self.parameterization,
            "n_obs": self.n_obs, "n_rows": self.n_rows, "converged": self.converged,
            "heywood": list(self.heywood), "notes": list(self.notes), "fit": dict(self.fit),
            "model": {k: list(v) for k, v in self.model.items()},
            "estimates": self.estimates.to_dict(orient="records"),
        })


@single_threaded_blas
def cfa_wlsmv(data: pd.DataFrame, model: Mapping[str, Sequence[str]]) -> WLSMVResult:
    """Fit a simple-structure CFA to ordered items by WLSMV (DWLS + robust SEs + scaled-shifted test).

    Parameters
    ----------
    data : DataFrame
        Item responses (whole-number codes; missing as NaN). Rows with any missing item are
        dropped (lavaan's listwise default); categories are those observed.
    model : mapping
        Factor name -> item columns. Each item loads on one factor; factors correlate freely;
        the first item of each factor is the marker (loading 1).

    Returns
    -------
    WLSMVResult

    Raises
    ------
    ConfigError
        The model is not simple structure or a factor has too few items.
    DataError
        An item is constant, all missing or non-integer, or one of its categories is used only
        by incomplete rows (the error names the item; lavaan stops here too).
    InsufficientDataError
        Fewer than 10 complete rows, or more free parameters than correlations (df < 0).

    Warns
    -----
    HeywoodWarning
        A residual variance 1 - lambda^2 phi is negative (item named); estimates are kept.
    ConvergenceWarning
        DWLS did not converge.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.standard_normal(300)
    >>> d = pd.DataFrame({f"i{j}": np.digitize(0.7 * f + 0.7 * rng.standard_normal(300), [-1, 0, 1])
    ...                   for j in range(1, 5)})
    >>> fit = cfa_wlsmv(d, {"f": ["i1", "i2", "i3", "i4"]})
    >>> fit.fit["df"], fit.n_obs
    (2.0, 300)
    >>> bool(fit.loadings().between(0.5, 0.9).all())
    True
    """
    what = "WLSMV CFA"
    mdl, items = build_model(model, what=what)
    full = prepare(data, items, what=what)
    od = prepare(data, items, what=what, listwise=True)
    check_categories_listwise(full, od, what=what)
    npar_struct = mdl.n_free
    pstar = len(mdl.pairs)
    df = pstar - npar_struct
    if df < 0:
        raise InsufficientDataError(
            f"{what}: the model has {npar_struct} free loadings and factor (co)variances but only {pstar} "
            f"polychoric correlations (df = {df}); it is not identified")
    ts = two_step(od, nacov=True)
    with np.errstate(all="ignore"):
        core = _fit(mdl, ts)
    return _result(mdl, od, ts, core, len(data), dict(model))


@dataclass(frozen=True)
class _Core:
    theta: np.ndarray
    converged: bool
    iterations: int


def _fit(mdl: Model, ts: TwoStep) -> _Core:
    """DWLS by Gauss-Newton with step halving on the correlation part (thresholds are saturated)."""
    nth = sum(len(t) for t in ts.thresholds)
    w = 1.0 / np.diag(ts.gamma)[nth:]
    r = ts.rho_vec
    theta = mdl.start(ts.rho)

    def f(th: np.ndarray) -> float:
        e = r - mdl.implied(th)
        return float(np.sum(w * e * e))

    cur = f(theta)
    converged = False
    it = 0
    for it in range(1, 501):
        d = mdl.jacobian(theta)
        e = r - mdl.implied(theta)
        a = d.T @ (w[:, None] * d)
        g = d.T @ (w * e)
        try:
            step = np.linalg.solve(a, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(a, g, rcond=None)[0]
        t = 1.0
        while True:
            cand = theta + t * step
            val = f(cand)
            if val <= cur or t < 1e-10:
                break
            t /= 2.0
        small = np.max(np.abs(t * step)) < 1e-11 or abs(cur - val) <= 1e-16 * max(1.0, cur)
        theta, cur = cand, min(val, cur) if val <= cur else val
        if small:
            converged = True
            break
    return _Core(theta, converged, it)


def _result(mdl: Model, od: OrdinalData, ts: TwoStep, core: _Core, n_rows: int,
            model: Mapping[str, Sequence[str]]) -> WLSMVResult:
    n = ts.n
    th_all = np.concatenate(ts.thresholds)
    nth = th_all.size
    gamma = ts.gamma
    g_rr = gamma[nth:, nth:]
    w = 1.0 / np.diag(gamma)[nth:]
    theta = core.theta
    d = mdl.jacobian(theta)
    info = d.T @ (w[:, None] * d)
    e_inv = np.linalg.inv(info)
    wd = w[:, None] * d
    nn = n - 1  # lavaan's N for (D)WLS: N - 1 in the statistic, the SEs and RMSEA
    vcov = e_inv @ (wd.T @ g_rr @ wd) @ e_inv / nn
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    se_th = np.sqrt(np.diag(gamma)[:nth] / nn)
    resid = ts.rho_vec - mdl.implied(theta)
    t_ml = nn * float(np.sum(w * resid * resid))
    df = len(mdl.pairs) - mdl.n_free
    # scaled-shifted (lav_test_satorra_bentler.R): U = W - W D E^-1 D' W
    u = np.diag(w) - wd @ e_inv @ wd.T
    ug = u @ g_rr
    tr1, tr2 = float(np.trace(ug)), float(np.sum(ug * ug.T))
    fit: dict[str, float] = {"npar": float(mdl.n_free + nth), "ntotal": float(n), "chisq": t_ml, "df": float(df)}
    fit.update(_scaled_shifted(t_ml, df, tr1, tr2, prefix=""))
    fit["df.scaled"] = float(df)
    # baseline: all correlations zero, thresholds free
    t0 = nn * float(np.sum(w * ts.rho_vec ** 2))
    df0 = len(mdl.pairs)
    wg = w[:, None] * g_rr
    fit["baseline.chisq"], fit["baseline.df"] = t0, float(df0)
    b0 = _scaled_shifted(t0, df0, float(np.trace(wg)), float(np.sum(wg * wg.T)), prefix="")
    fit["baseline.chisq.scaled"] = b0["chisq.scaled"]
    fit.update(_indices(t_ml, df, t0, df0, nn, ""))
    fit.update(_indices(fit["chisq.scaled"], df, fit["baseline.chisq.scaled"], df0, nn, ".scaled"))
    fit.update(_catml(mdl, ts, theta, e_inv, d, w, g_rr, df, df0, nn))
    res = ts.rho - mdl.implied_matrix(theta)
    p = len(mdl.items)
    fit["srmr"] = float(np.sqrt(np.sum(np.tril(res, -1) ** 2) / (p * (p + 1) / 2)))
    # parameter table
    lam, phi = mdl.unpack(theta)
    sd_f = np.sqrt(np.clip(np.diag(phi), 0, None))
    rows = []
    col = {int(j): k for k, j in enumerate(mdl.free_loadings)}
    for j, it in enumerate(mdl.items):
        f = mdl.factor_of[j]
        s = se[col[j]] if j in col else 0.0
        rows.append((mdl.factors[f], "=~", it, lam[j], s, lam[j] * sd_f[f]))
    k = 0
    for j, it in enumerate(mdl.items):
        for c, tv in enumerate(ts.thresholds[j]):
            rows.append((it, "|", f"t{c + 1}", tv, se_th[k], tv))
            k += 1
    resvar = 1.0 - lam ** 2 * np.diag(phi)[mdl.factor_of]
    for j, it in enumerate(mdl.items):
        rows.append((it, "~~", it, resvar[j], np.nan, resvar[j]))
    nl = len(mdl.free_loadings)
    for c, (f, g) in enumerate(mdl.phi_index):
        std = phi[f, g] / (sd_f[f] * sd_f[g]) if sd_f[f] > 0 and sd_f[g] > 0 else np.nan
        rows.append((mdl.factors[g], "~~", mdl.factors[f], phi[f, g], se[nl + c], std))
    est = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est", "se", "std_all"])
    with np.errstate(all="ignore"):
        est["z"] = np.where(est["se"] > 0, est["est"] / est["se"], np.nan)
    est["pvalue"] = 2 * stats.norm.sf(np.abs(est["z"]))
    est = est[["lhs", "op", "rhs", "est", "se", "z", "pvalue", "std_all"]]
    notes = []
    heywood = tuple(it for j, it in enumerate(mdl.items) if resvar[j] < 0)
    if heywood:
        warnings.warn(f"WLSMV CFA: negative residual variance (Heywood case) for {', '.join(heywood)}; "
                      "estimates are reported as found (lavaan warns likewise)", HeywoodWarning, stacklevel=3)
        notes.append(f"Heywood case: {', '.join(heywood)}")
    if not core.converged:
        warnings.warn("WLSMV CFA: DWLS did not converge in 500 iterations", ConvergenceWarning, stacklevel=3)
        notes.append("did not converge")
    near1 = [f"{mdl.items[i]}-{mdl.items[j]}" for (i, j), r in zip(ts.pairs, ts.rho_vec) if abs(r) > 0.99]
    if near1:
        notes.append(f"polychoric correlation (nearly) 1: {', '.join(near1)}")
    levels = {it: od.levels[j] for j, it in enumerate(od.items)}
    return WLSMVResult(
        items=mdl.items, factors=mdl.factors, model=frozen_map({k: tuple(v) for k, v in model.items()}),
        n_obs=n, n_rows=n_rows, estimates=est, fit=frozen_map(fit), polychoric=readonly(ts.rho),
        implied=readonly(mdl.implied_matrix(theta)), levels=frozen_map(levels), converged=core.converged,
        iterations=core.iterations, heywood=heywood, notes=tuple(notes))


def _scaled_shifted(t: float, df: int, tr1: float, tr2: float, prefix: str) -> dict[str, float]:
    if df <= 0 or tr2 <= 0:
        return {"chisq.scaled": t, "chisq.scaling.factor": np.nan, "chisq.shift.parameter": np.nan,
                "pvalue.scaled": np.nan, "trace.UGamma": tr1, "trace.UGamma2": tr2}
    a = np.sqrt(df / tr2)
    b = df - a * tr1
    ts_ = a * t + b
    return {"chisq.scaled": float(ts_), "chisq.scaling.factor": float(1 / a), "chisq.shift.parameter": float(b),
            "pvalue.scaled": float(stats.chi2.sf(ts_, df)), "trace.UGamma": tr1, "trace.UGamma2": tr2}


def _cfi(x2, df, x0, df0, c=1.0, c0=1.0):
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x0 - c0 * df0, 0.0)
    return 1.0 if np.isclose(t1, 0, atol=1.5e-8) and np.isclose(t2, 0, atol=1.5e-8) else 1.0 - t1 / t2


def _tli(x2, df, x0, df0, c=1.0, c0=1.0):
    t1 = (x2 - c * df) * df0
    t2 = (x0 - c0 * df0) * df
    return 1.0 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0


def _rmsea(x2, df, nn, c=1.0):
    return float(np.sqrt(max((x2 / nn) / df - c / nn, 0.0))) if df > 0 else 0.0


def _rmsea_ci(x2, df, nn, c=1.0, level=0.90):
    """lavaan's lav_fit_rmsea_ci (noncentral chi-square inversion)."""
    from scipy.optimize import brentq

    if df < 1 or not np.isfinite(x2):
        return np.nan, np.nan
    up, lo_p = 1 - (1 - level) / 2, (1 - level) / 2

    def f_low(lam):
        return (stats.ncx2.cdf(x2, df, lam) if lam > 0 else stats.chi2.cdf(x2, df)) - up

    def f_up(lam):
        return (stats.ncx2.cdf(x2, df, lam) if lam > 0 else stats.chi2.cdf(x2, df)) - lo_p

    lower = 0.0 if f_low(0.0) < 0 else float(np.sqrt(c * brentq(f_low, 0.0, x2, xtol=1e-12) / (nn * df)))
    top = max(nn, x2 * 4)
    if f_up(top) > 0 or f_up(0.0) < 0:
        upper = 0.0
    else:
        upper = float(np.sqrt(c * brentq(f_up, 0.0, top, xtol=1e-12) / (nn * df)))
    return lower, upper


def _indices(x2, df, x0, df0, nn, suffix):
    lo, up = _rmsea_ci(x2, df, nn)
    return {f"cfi{suffix}": _cfi(x2, df, x0, df0), f"tli{suffix}": _tli(x2, df, x0, df0),
            f"rmsea{suffix}": _rmsea(x2, df, nn), f"rmsea.ci.lower{suffix}": lo, f"rmsea.ci.upper{suffix}": up}


def _force_pd(s: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """lavaan's lav_matrix_symmetric_force_pd then cov2cor."""
    val, vec = np.linalg.eigh(s)
    top = abs(val[-1])
    val = np.where(val / top < tol, tol * top, val)
    out = (vec * val) @ vec.T
    d = np.sqrt(np.diag(out))
    return out / np.outer(d, d)


def _catml(mdl: Model, ts: TwoStep, theta, e_inv, d, w, g_rr, df, df0, nn) -> dict[str, float]:
    """Savalei (2021) robust indices for categorical data (lavaan's lav_fit_catml_dwls)."""
    p = len(mdl.items)
    s = _force_pd(ts.rho)
    sig = mdl.implied_matrix(theta)
    sign_s, logdet_s = np.linalg.slogdet(s)
    sign_m, logdet_m = np.linalg.slogdet(sig)
    if sign_m <= 0:
        return {k: np.nan for k in ("cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust",
                                     "rmsea.ci.upper.robust")}
    sinv = np.linalg.inv(sig)
    n = ts.n
    x3 = n * (logdet_m - logdet_s + float(np.sum(s * sinv)) - p)
    x3_null = n * (-logdet_s)
    a, b = mdl.pairs[:, 0], mdl.pairs[:, 1]
    v = sinv[np.ix_(a, a)] * sinv[np.ix_(b, b)] + sinv[np.ix_(a, b)] * sinv[np.ix_(b, a)]
    wiu = np.eye(len(a)) - d @ e_inv @ d.T * w[None, :]
    ks = float(np.trace(wiu.T @ v @ wiu @ g_rr))
    c3 = ks / df if df > 0 else np.nan
    c0 = float(np.trace(g_rr)) / df0
    lo, up = _rmsea_ci(x3 / c3, df, nn, c=c3) if df > 0 else (np.nan, np.nan)
    return {"chisq.catml": x3, "baseline.chisq.catml": x3_null, "scaling.factor.catml": c3,
            "cfi.robust": _cfi(x3, df, x3_null, df0, c3, c0) if df > 0 else 1.0,
            "tli.robust": _tli(x3, df, x3_null, df0, c3, c0),
            "rmsea.robust": _rmsea(x3, df, nn, c3) if df > 0 else 0.0,
            "rmsea.ci.lower.robust": lo, "rmsea.ci.upper.robust": up}
