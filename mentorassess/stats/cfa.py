"""Confirmatory factor analysis of an instrument's structure, equal to lavaan 0.6 defaults.

Own maximum-likelihood fit (Fisher scoring with step halving on the ML discrepancy); no
semopy or factor_analyzer code path. Fit indices follow lavaan's definitions exactly (normal
likelihood, S with divisor N, listwise deletion, marker-variable identification).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mentorassess.stats.cfa import fit_cfa
>>> rng = np.random.default_rng(0)
>>> f = rng.multivariate_normal([0, 0], [[1, .4], [.4, 1]], size=300)
>>> x = pd.DataFrame(np.repeat(f, 3, axis=1) * .8 + rng.normal(size=(300, 6)) * .6,
...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
>>> fit = fit_cfa(x, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]})  # R: lavaan::cfa(model, x)
>>> fit.df
8
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps

from mentorassess.errors import (
    ConfigError,
    ConvergenceWarning,
    HeywoodWarning,
    IdentificationWarning,
    InsufficientDataError,
)
from mentorassess.stats._cfa_fit import _fit, _Model, modification_indices, trace_products
from mentorassess.stats._common import (
    single_threaded_blas,
    check_items,
    collinear_pairs,
    cov2cor,
    item_frame,
    rcond,
    jsonable,
    readonly,
    structure_of,
)

__all__ = ["CfaFit", "fit_cfa", "rmsea_ci", "published_fit"]


def rmsea_ci(chisq: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """lavaan's RMSEA interval: noncentrality bounds by root finding, sqrt(lambda/(N df))."""
    if df < 1:
        return 0.0, 0.0
    a = (1 - level) / 2

    def lower_fn(lam: float) -> float:
        return float(sps.ncx2.cdf(chisq, df, lam) if lam > 0 else sps.chi2.cdf(chisq, df)) - (1 - a)

    def upper_fn(lam: float) -> float:
        return float(sps.ncx2.cdf(chisq, df, lam) if lam > 0 else sps.chi2.cdf(chisq, df)) - a

    if lower_fn(0.0) < 0:
        lo = 0.0
    else:
        lo = float(np.sqrt(optimize.brentq(lower_fn, 0.0, chisq, xtol=1e-12) / (n * df)))
    n_rmsea = max(n, chisq * 4)
    if upper_fn(n_rmsea) > 0 or upper_fn(0.0) < 0:
        hi = 0.0
    else:
        hi = float(np.sqrt(optimize.brentq(upper_fn, 0.0, n_rmsea, xtol=1e-12) / (n * df)))
    return lo, hi


@dataclass(frozen=True, eq=False)
class CfaFit:
    """A fitted CFA with lavaan's fit measures and the standardized solution.

    Fit measures (``fit_measures()``) use lavaan's names: ``chisq, df, pvalue, baseline.chisq,
    baseline.df, cfi, tli, rmsea, rmsea.ci.lower, rmsea.ci.upper, rmsea.pvalue, srmr, logl,
    unrestricted.logl, aic, bic, npar, ntotal, gfi``.
    """

    items: tuple[str, ...]
    factors: tuple[str, ...]
    n_obs: int
    n_rows: int
    npar: int
    chisq: float
    df: int
    pvalue: float
    baseline_chisq: float
    baseline_df: int
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci_lower: float
    rmsea_ci_upper: float
    rmsea_pvalue: float
    srmr: float
    logl: float
    unrestricted_logl: float
    aic: float
    bic: float
    gfi: float
    parameters: pd.DataFrame = field(repr=False)
    sigma: np.ndarray = field(repr=False)
    sample_cov: np.ndarray = field(repr=False)
    modindices: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    converged: bool = True
    iterations: int = 0
    std_lv: bool = False
    notes: tuple[str, ...] = ()

    def fit_measures(self) -> dict[str, float]:
        return {
            "npar": self.npar, "ntotal": self.n_obs, "chisq": self.chisq, "df": self.df, "pvalue": self.pvalue,
            "baseline.chisq": self.baseline_chisq, "baseline.df": self.baseline_df, "cfi": self.cfi,
            "tli": self.tli, "rmsea": self.rmsea, "rmsea.ci.lower": self.rmsea_ci_lower,
            "rmsea.ci.upper": self.rmsea_ci_upper, "rmsea.pvalue": self.rmsea_pvalue, "srmr": self.srmr,
            "logl": self.logl, "unrestricted.logl": self.unrestricted_logl, "aic": self.aic, "bic": self.bic,
            "gfi": self.gfi,
        }

    def standardized_loadings(self) -> pd.DataFrame:
        """``standardizedSolution()`` rows ``=~``: est (unstandardized), std_all, its SE, z, p."""
        p = self.parameters
        return p[p["op"] == "=~"].reset_index(drop=True)

    def factor_correlations(self) -> pd.DataFrame:
        p = self.parameters
        return p[(p["op"] == "~~") & (p["lhs"] != p["rhs"]) & p["lhs"].isin(self.factors)].reset_index(drop=True)

    def residual_correlations(self, top: int | None = 10) -> pd.DataFrame:
        """Largest |observed - implied| correlations (lavaan ``resid(fit, type = "cor")``).

        These are modification hints: a large positive residual suggests a correlated
        residual or a cross-loading between the two items.
        """
        res = cov2cor(self.sample_cov) - cov2cor(self.sigma)
        i, j = np.tril_indices(len(self.items), -1)
        df = pd.DataFrame({"item1": [self.items[a] for a in j], "item2": [self.items[b] for b in i],
                           "residual": res[i, j]})
        df = df.reindex(df["residual"].abs().sort_values(ascending=False, kind="stable").index).reset_index(drop=True)
        return df if top is None else df.head(top)

    def modification_indices(self, top: int | None = 10) -> pd.DataFrame:
        """lavaan ``modindices(fit, sort. = TRUE)``: cross-loadings and residual covariances.

        Columns ``lhs, op, rhs, mi, epc, sepc_all``; largest MI first. Use as hints, not as a
        licence to free parameters until the model fits.
        """
        mi = self.modindices
        if mi.empty:
            return mi.copy()
        out = mi.reindex(mi["mi"].sort_values(ascending=False, kind="stable").index).reset_index(drop=True)
        return out if top is None else out.head(top)

    def composite_reliability(self) -> dict[str, float]:
        """Omega per factor as ``semTools::compRelSEM(fit)`` (observed total variance)."""
        p = self.parameters
        out = {}
        load = p[p["op"] == "=~"]
        for f in self.factors:
            rows = load[load["lhs"] == f]
            idx = [self.items.index(it) for it in rows["rhs"]]
            var = p[(p["op"] == "~~") & (p["lhs"] == f) & (p["rhs"] == f)]["est"].iloc[0]
            num = rows["est"].sum() ** 2 * var
            out[f] = float(num / self.sample_cov[np.ix_(idx, idx)].sum())
        return out

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (lavaan ``parameterEstimates`` + ``std.all``)."""
        return self.parameters.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "n_obs": self.n_obs, "n_rows": self.n_rows, "fit_measures": self.fit_measures(),
            "parameters": self.parameters, "composite_reliability": self.composite_reliability(),
            "residual_correlations": self.residual_correlations(),
            "modification_indices": self.modification_indices(), "converged": self.converged,
            "std_lv": self.std_lv, "notes": list(self.notes),
        })


@single_threaded_blas
def fit_cfa(
    data: pd.DataFrame,
    structure: Any,
    *,
    std_lv: bool = False,
    missing: str = "listwise",
) -> CfaFit:
    """Fit the correlated-factors CFA of ``structure`` by maximum likelihood.

    Parameters
    ----------
    data : DataFrame
        Responses (item columns); incomplete rows are deleted listwise (lavaan's default).
    structure : Instrument or mapping
        ``{factor: [item ids]}``; each item loads on one factor; all factors correlate.
    std_lv : bool
        False (lavaan default): first loading of each factor fixed to 1; True: factor
        variances fixed to 1. Fit and standardized solution are identical.
    missing : {"listwise"}
        Only listwise deletion is implemented (FIML is not).

    Returns
    -------
    CfaFit

    Raises
    ------
    InsufficientDataError
        A factor with fewer than 2 items, or fewer complete rows than items + 1.
    ConfigError
        ``missing`` other than listwise.

    Warns
    -----
    HeywoodWarning
        Negative residual variance or standardized loading above 1.
    ConvergenceWarning
        The optimizer did not reach a gradient below 1e-6.

    Notes
    -----
    S has divisor N; T = N F_ML; baseline T0 = -N ln|R_S|; CFI = 1 - max(T - df, 0)/max(T -
    df, T0 - df0, 0); TLI not truncated; RMSEA = sqrt(max(T/(N df) - 1/N, 0)) with lavaan's
    90% interval and p-close (H0 RMSEA <= .05); SRMR = lavaan's ``srmr`` (Bentler, diagonal
    included); logl, AIC, BIC without a mean structure. Standard errors from the expected
    information (vcov = 2/N H^-1); SEs of std.all by the delta method (numerical Jacobian).
    R: ``lavaan::cfa(model, data)`` and ``fitMeasures(fit)``, ``standardizedSolution(fit)``.
    """
    if missing != "listwise":
        raise ConfigError("only missing='listwise' is implemented (lavaan's default); FIML is not")
    struct = structure_of(structure)
    factors = list(struct)
    items = [i for its in struct.values() for i in its]
    if len(set(items)) != len(items):
        raise ConfigError("CFA: an item belongs to more than one factor")
    for f, its in struct.items():
        if len(its) < 2:
            raise InsufficientDataError(f"CFA: factor {f!r} has {len(its)} item(s); at least 2 are needed")
    frame = item_frame(data, items, what="CFA")
    check_items(frame, what="CFA")
    complete = frame.dropna()
    n = int(complete.shape[0])
    p = len(items)
    if n < p + 1:
        raise InsufficientDataError(f"CFA: {n} complete responses for {p} items; at least {p + 1} are needed")
    check_items(complete, what="CFA (complete rows)")
    x = complete.to_numpy(dtype=float)
    s = np.cov(x, rowvar=False, bias=True)
    if np.linalg.eigvalsh(s).min() <= 0 or rcond(s) < np.finfo(float).eps:
        dup = collinear_pairs(cov2cor(s), items)
        why = f"; perfectly correlated items: {', '.join(a + '-' + b for a, b in dup)}" if dup else ""
        raise InsufficientDataError(f"CFA: the sample covariance matrix of the {n} complete responses is not "
                                    f"positive definite{why}")
    factor_of = np.array([k for k, its in enumerate(struct.values()) for _ in its])
    model = _Model(items, factor_of, len(factors), std_lv)
    th, fmin, converged, iters = _fit(model, s)
    notes: list[str] = []
    if not converged:
        msg = "CFA did not converge; estimates are unreliable"
        notes.append(msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=3)
    sig = model.sigma(th)
    q = model.q
    t_stat = n * fmin
    df = p * (p + 1) // 2 - q
    identified = df >= 0
    r_s = cov2cor(s)
    t0 = -n * np.linalg.slogdet(r_s)[1]
    df0 = p * (p - 1) // 2
    if t_stat - df <= 0 and t0 - df0 <= 0:
        cfi = 1.0
    else:
        cfi = 1 - max(t_stat - df, 0) / max(t_stat - df, t0 - df0, 0)
    tli = 1 - ((t_stat - df) / (t0 - df0)) * (df0 / df) if df > 0 else 1.0
    rmsea = float(np.sqrt(max(t_stat / (n * df) - 1 / n, 0))) if df > 0 else 0.0
    lo, hi = rmsea_ci(t_stat, df, n)
    rmsea_p = float(sps.ncx2.sf(t_stat, df, n * df * 0.05**2)) if df > 0 else float("nan")
    sd = np.sqrt(np.diag(s))
    resid = (s - sig) / np.outer(sd, sd)
    iu = np.triu_indices(p)
    srmr = float(np.sqrt((resid[iu] ** 2).sum() / len(iu[0])))
    sinv_s = np.linalg.solve(sig, s)
    logl = -n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(sig)[1] + np.trace(sinv_s))
    logl_sat = -n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(s)[1] + p)
    a_mat = sinv_s - np.eye(p)
    gfi = 1 - np.trace(a_mat @ a_mat) / np.trace(sinv_s @ sinv_s)

    # standard errors: expected information; lavaan refuses to invert a singular one
    sinv = np.linalg.inv(sig)
    msd = np.matmul(sinv, model.dsigma(th))
    h = trace_products(msd, msd)
    hev = np.linalg.eigvalsh(h)
    if hev.min() <= max(hev.max(), 1.0) * 1e-10 or not identified:
        identified = False
        vcov = np.full((q, q), np.nan)
    else:
        vcov = 2.0 / n * np.linalg.inv(h)
    se = np.sqrt(np.maximum(np.diag(vcov), 0)) if identified else np.full(q, np.nan)
    if not identified:
        msg = (f"CFA model is not identified (df = {df}: {q} free parameters for {p * (p + 1) // 2} variances "
               "and covariances" + (")" if df < 0 else "; the information matrix is singular)") +
               ". Standard errors and the test statistic are not defined; chi-square, CFI, TLI and RMSEA are "
               "NaN (lavaan: NA with a warning). Add items or constraints.")
        notes.append(msg)
        warnings.warn(msg, IdentificationWarning, stacklevel=3)
        t_stat = float("nan")
        cfi = tli = rmsea = float("nan")
        lo = hi = rmsea_p = float("nan")

    def std_all(x: np.ndarray) -> np.ndarray:
        lam, phi, theta = model.unpack(x)
        sgm = lam @ phi @ lam.T + np.diag(theta)
        sdi = np.sqrt(np.diag(sgm))
        sdf = np.sqrt(np.diag(phi))
        out = []
        for i in model.free_load:
            k = factor_of[i]
            out.append(lam[i, k] * sdf[k] / sdi[i])
        out += list(theta / np.diag(sgm))
        for j, k in model.phi_idx:
            out.append(phi[j, k] / (sdf[j] * sdf[k]))
        return np.array(out)

    # include fixed marker loadings in the table
    lam, phi, theta = model.unpack(th)
    est_std = std_all(th)
    jac = np.empty((q, q))
    for a in range(q):  # noqa: B007
        hstep = 1e-6 * max(1.0, abs(th[a]))
        e = np.zeros(q)
        e[a] = hstep
        jac[:, a] = (std_all(th + e) - std_all(th - e)) / (2 * hstep)
    se_std = np.sqrt(np.maximum(np.diag(jac @ vcov @ jac.T), 0))
    labels = model.labels(factors)
    rows = []
    for a, (lhs, op, rhs) in enumerate(labels):
        rows.append({"lhs": lhs, "op": op, "rhs": rhs, "free": True, "est": th[a], "se": se[a],
                     "z": th[a] / se[a] if se[a] > 0 else np.nan, "std_all": est_std[a], "std_all_se": se_std[a]})
    if not std_lv:
        sdi = np.sqrt(np.diag(sig))
        for k, i in enumerate(model.markers):
            # std.all of a fixed marker loading: sqrt(phi_kk)/sd_i; SE by the delta method
            def g(x: np.ndarray, i: int = i, k: int = k) -> float:
                lm, ph, tt = model.unpack(x)
                sg = lm @ ph @ lm.T + np.diag(tt)
                return float(np.sqrt(ph[k, k]) / np.sqrt(sg[i, i]))

            gr = np.array([(g(th + np.eye(q)[a] * 1e-6) - g(th - np.eye(q)[a] * 1e-6)) / 2e-6 for a in range(q)])
            rows.append({"lhs": factors[k], "op": "=~", "rhs": items[i], "free": False, "est": 1.0, "se": 0.0,
                         "z": np.nan, "std_all": float(np.sqrt(phi[k, k]) / sdi[i]),
                         "std_all_se": float(np.sqrt(max(gr @ vcov @ gr, 0)))})
    if std_lv:
        for k, fname in enumerate(factors):
            rows.append({"lhs": fname, "op": "~~", "rhs": fname, "free": False, "est": 1.0, "se": 0.0,
                         "z": np.nan, "std_all": 1.0, "std_all_se": 0.0})
    params = pd.DataFrame(rows)
    params["pvalue"] = 2 * sps.norm.sf(np.abs(params["z"]))
    order = {it: i for i, it in enumerate(items)}
    params["_op"] = params["op"].map({"=~": 0, "~~": 1})
    params["_k"] = [order.get(r, -1) if o == "=~" else a for a, (r, o) in enumerate(zip(params["rhs"], params["op"]))]
    params = params.sort_values(["_op", "_k"], kind="stable").drop(columns=["_op", "_k"]).reset_index(drop=True)
    fixed_std = (params["op"] == "~~") & (params["lhs"] == params["rhs"]) & params["lhs"].isin(factors)
    params.loc[fixed_std, "std_all"] = 1.0
    params.loc[fixed_std, "std_all_se"] = 0.0

    if np.linalg.eigvalsh(phi).min() <= 0:
        msg = "Heywood case in the CFA: the factor covariance matrix is not positive definite " \
              "(a factor correlation at or beyond 1); see factor_correlations()"
        notes.append(msg)
        warnings.warn(msg, HeywoodWarning, stacklevel=3)
    heywood = [items[i] for i in range(p) if theta[i] < 0]
    big = params[(params["op"] == "=~") & (params["std_all"].abs() > 1)]["rhs"].tolist()
    if heywood or big:
        msg = f"Heywood case in the CFA: negative residual variance for {', '.join(heywood) or 'none'}; " \
              f"standardized loading above 1 for {', '.join(big) or 'none'}"
        notes.append(msg)
        warnings.warn(msg, HeywoodWarning, stacklevel=3)
    return CfaFit(
        items=tuple(items), factors=tuple(factors), n_obs=n, n_rows=int(frame.shape[0]), npar=q,
        chisq=float(t_stat), df=int(df), pvalue=float(sps.chi2.sf(t_stat, df)) if df > 0 and identified else float("nan"),
        baseline_chisq=float(t0), baseline_df=int(df0), cfi=float(cfi), tli=float(tli), rmsea=rmsea,
        rmsea_ci_lower=lo, rmsea_ci_upper=hi, rmsea_pvalue=rmsea_p, srmr=srmr, logl=float(logl),
        unrestricted_logl=float(logl_sat), aic=float(-2 * logl + 2 * q), bic=float(-2 * logl + q * np.log(n)),
        gfi=float(gfi), parameters=params, sigma=readonly(sig), sample_cov=readonly(s),
        modindices=modification_indices(model, th, s, n, factors), converged=converged,
        iterations=iters, std_lv=std_lv, notes=tuple(notes),
    )


def published_fit(instrument: Any, form: str | None = None) -> list[dict[str, Any]]:
    """The instrument's published CFA figures (``instrument.published``, kind ``cfa``).

    Returns a list of dicts with ``form, source, n, wave, note`` and the figures (``chisq, df,
    cfi, tli, rmsea``...). Empty for a plain mapping or an instrument without published fit.
    """
    out: list[dict[str, Any]] = []
    for pub in getattr(instrument, "published", ()) or ():
        if getattr(pub, "kind", None) != "cfa":
            continue
        if form is not None and getattr(pub, "form", None) not in (form, None):
            continue
        figs = getattr(pub, "figures", {}) or {}
        out.append({"form": getattr(pub, "form", None), "source": getattr(pub, "source", None),
                    "n": getattr(pub, "n", None), "wave": getattr(pub, "wave", None),
                    "note": getattr(pub, "note", None), **{str(k): float(v) for k, v in dict(figs).items()}})
    return out

