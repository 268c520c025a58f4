"""CFA from lavaan-like syntax with ML, FIML and MLR, equal to ``lavaan::cfa`` (0.6-14).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mentorassess.stats.sem import fit_sem
>>> rng = np.random.default_rng(0)
>>> f = rng.normal(size=(300, 1))
>>> x = pd.DataFrame(f * [.8, .7, .6, .7] + rng.normal(size=(300, 4)) * .6, columns=["a", "b", "c", "d"])
>>> fit = fit_sem(x, "f =~ a + b + c + d")           # R: lavaan::cfa("f =~ a + b + c + d", x)
>>> fit.df, fit.estimator
(2, 'ML')
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from mentorassess.errors import (
    ConfigError,
    ConvergenceWarning,
    HeywoodWarning,
    IdentificationWarning,
    InsufficientDataError,
)
from mentorassess.stats._common import check_items, item_frame, jsonable, single_threaded_blas
from mentorassess.stats.cfa import rmsea_ci
from mentorassess.stats.sem import estimate as E
from mentorassess.stats.sem.model import SemModel, build_model

__all__ = ["SemFit", "fit_sem"]

ESTIMATORS = ("ML", "MLR")
MISSING = ("listwise", "fiml")


@dataclass(frozen=True, eq=False)
class SemFit:
    """A fitted model. ``fit_measures()`` uses lavaan's names (``chisq``, ``cfi.robust``...)."""

    estimator: str
    missing: str
    groups: tuple[str, ...]
    n_groups: tuple[int, ...]
    n_obs: int
    n_complete: int
    n_patterns: int
    npar: int
    df: int
    measures: dict[str, float]
    parameters: pd.DataFrame = field(repr=False)
    converged: bool = True
    notes: tuple[str, ...] = ()
    scaling_factor: float = float("nan")

    @property
    def chisq(self) -> float:
        return self.measures["chisq"]

    def fit_measures(self) -> dict[str, float]:
        return dict(self.measures)

    def to_frame(self) -> pd.DataFrame:
        return self.parameters.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"estimator": self.estimator, "missing": self.missing, "groups": list(self.groups),
                         "n_groups": list(self.n_groups), "n_obs": self.n_obs, "n_complete": self.n_complete,
                         "n_patterns": self.n_patterns, "npar": self.npar, "df": self.df,
                         "fit_measures": self.measures, "parameters": self.parameters,
                         "converged": self.converged, "notes": list(self.notes)})


def _start(model: SemModel, sig: list[np.ndarray], mu: list[np.ndarray]) -> np.ndarray:
    """Starting values: per factor, the first principal axis of its indicators (scaled to the
    marker or to unit variance), residual variances half the item variances, latent (co)variances
    0 (second-order variances .05), intercepts the means."""
    x = np.zeros(model.q)
    cnt = np.zeros(model.q)
    li = {f: i for i, f in enumerate(model.lat)}
    for g in range(model.ngroups):
        s = sig[g]
        sd = np.sqrt(np.diag(s))
        load: dict[tuple[int, int], float] = {}
        fvar = np.full(model.m, 0.05)
        for f in model.lat:
            rows = [pr for pr in model.params if pr.group == g and pr.mat == "lambda" and pr.col == li[f]]
            if not rows:
                continue
            idx = [pr.row for pr in rows]
            r = s[np.ix_(idx, idx)] / np.outer(sd[idx], sd[idx])
            if len(idx) > 1:
                w, v = np.linalg.eigh(r - np.diag(np.diag(r)) * 0.5)
                u = v[:, -1] * np.sqrt(max(w[-1], 1e-3))
                u = u if u.sum() >= 0 else -u
            else:
                u = np.array([0.7])
            u = np.clip(u, 0.1, 0.95) * sd[idx]
            fixed = [pr for pr in rows if pr.free < 0]
            scale = u[idx.index(fixed[0].row)] / fixed[0].value if fixed and fixed[0].value != 0 else 1.0
            fvar[li[f]] = scale**2
            for pr, ui in zip(rows, u):
                load[(pr.row, pr.col)] = ui / scale
        for pr in model.params:
            if pr.group != g or pr.free < 0:
                continue
            if pr.mat == "lambda":
                val = load.get((pr.row, pr.col), 0.5)
            elif pr.mat == "beta":
                val = 0.7 if pr.value == 0 else 1.0
            elif pr.mat == "psi":
                val = (fvar[pr.row] if pr.lhs not in {q.rhs for q in model.params if q.mat == "beta"}
                       else 0.5 * fvar[pr.row]) if pr.row == pr.col else 0.0
            elif pr.mat == "theta":
                val = 0.5 * s[pr.row, pr.row] if pr.row == pr.col else 0.0
            elif pr.mat == "nu":
                val = mu[g][pr.row]
            else:
                val = 0.0
            x[pr.free] += val
            cnt[pr.free] += 1
    return x / np.maximum(cnt, 1)


def _rmsea(t: float, df: int, n: int, ngroups: int) -> float:
    return float(np.sqrt(ngroups) * np.sqrt(max(0.0, (t / n) / df - 1 / n))) if df > 0 else float("nan")


def _cfi(t, df, t0, df0) -> float:
    if t - df <= 0 and t0 - df0 <= 0:
        return 1.0
    return float(1 - max(t - df, 0) / max(t - df, t0 - df0, 0))


def _tli(t, df, t0, df0) -> float:
    return float(1 - ((t - df) / (t0 - df0)) * (df0 / df)) if df > 0 else float("nan")


def _robust(m: dict, t: float, c: float, t0: float, c0: float, df: int, df0: int, n: int, ngroups: int) -> None:
    """lavaan's robust CFI/TLI/RMSEA (+ CI) from a statistic t with correction c (and baseline)."""
    a, b = t - c * df, t0 - c0 * df0
    m["cfi.robust"] = 1.0 if (max(a, 0) == 0 and max(a, b, 0) == 0) else float(1 - max(a, 0) / max(a, b, 0))
    m["tli.robust"] = float(1 - (a * df0) / (b * df)) if b != 0 else 1.0
    m["rmsea.robust"] = float(np.sqrt(ngroups) * np.sqrt(max(0.0, (t / n) / df - c / n)))
    slo, shi = rmsea_ci(t / c, df, n)
    m["rmsea.ci.lower.robust"] = slo * np.sqrt(c) * np.sqrt(ngroups)
    m["rmsea.ci.upper.robust"] = shi * np.sqrt(c) * np.sqrt(ngroups)


def _srmr(model, x, sig_h1, mu_h1, n_groups, ntotal) -> float:
    total = 0.0
    for g in range(model.ngroups):
        sig, mu = model.implied(x, g)
        s, m = sig_h1[g], mu_h1[g]
        sd = np.sqrt(np.diag(s))
        res = (s - sig) / np.outer(sd, sd)
        iu = np.triu_indices(s.shape[0])
        vals = list(res[iu] ** 2)
        if model.meanstructure:
            vals += list(((m - mu) / sd) ** 2)
        total += n_groups[g] * np.sqrt(np.mean(vals))
    return float(total / ntotal)


def _yb_trace(model, x, blocks, ntotal, h1_model, h1_x, info0: np.ndarray) -> float:
    """tr(A1^-1 B1) - tr(A0^-1 B0) (lavaan ``yuan.bentler.mplus``; A observed, h1 unstructured)."""
    sc0 = E.casewise_scores(model, x, blocks)
    b0 = sc0.T @ sc0 / ntotal
    h0 = float(np.trace(np.linalg.solve(info0, b0)))
    if all(len(b.idx) == b.s.shape[0] and b.rows.shape[1] == b.s.shape[0] for b in blocks) and \
            len(blocks) == h1_model.ngroups:
        # complete data: the unstructured h1 information at (ybar, S) is the expected one,
        # blockdiag(S^-1, D'(S^-1 x S^-1)D / 2); scores in closed form (fast for 50+ items)
        h1 = 0.0
        for b in blocks:
            k = np.linalg.inv(b.s)
            p = k.shape[0]
            iu = np.triu_indices(p)
            e = (b.rows - b.ybar) @ k                                   # n x p, K e
            mult = np.where(iu[0] == iu[1], 0.5, 1.0)
            sc = (e[:, iu[0]] * e[:, iu[1]] - k[iu]) * mult              # d l_i / d sigma_ij
            kk = k[iu[0][:, None], iu[0][None, :]] * k[iu[1][:, None], iu[1][None, :]] + \
                k[iu[0][:, None], iu[1][None, :]] * k[iu[1][:, None], iu[0][None, :]]
            a1 = 0.5 * kk * mult[:, None] * mult[None, :] * 2
            b1 = sc.T @ sc / b.n
            h1 += float(np.trace(np.linalg.solve(a1, b1)))  # summed over groups (fg cancels)
            if h1_model.meanstructure:
                h1 += p   # tr(S (K E[ee'] K)) = p at the saturated means
        return h1 - h0
    a1 = E.saturated_information(h1_model, h1_x, blocks, ntotal)
    sc1 = E.saturated_scores(h1_model, h1_x, blocks)
    b1 = sc1.T @ sc1 / ntotal
    return float(np.trace(np.linalg.solve(a1, b1))) - h0


@single_threaded_blas
def fit_sem(data: pd.DataFrame, model: str, *, group: str | None = None, estimator: str = "ML",
            missing: str = "listwise", std_lv: bool = False, orthogonal: bool = False,
            group_equal: tuple[str, ...] | list[str] = (), group_partial: tuple[str, ...] | list[str] = (),
            meanstructure: bool | None = None, robust_baseline: bool = True) -> SemFit:
    """Fit a CFA written in lavaan-like syntax, equal to ``lavaan::cfa(model, data, ...)``.

    Parameters
    ----------
    data : DataFrame
        Item responses (and the ``group`` column).
    model : str
        Model syntax (:mod:`mentorassess.stats.sem.syntax`): ``=~``, ``~~``, ``~ 1``, fixed values,
        labels; cross-loadings, correlated residuals, second-order and bifactor models.
    group : str, optional
        Column defining groups (multi-group model; forces a mean structure, as lavaan).
    estimator : {"ML", "MLR"}
        ML; MLR = ML estimates, Huber-White SEs (observed information), Yuan-Bentler (Mplus)
        scaled chi-square, robust CFI/TLI/RMSEA (Brosseau-Liard & Savalei).
    missing : {"listwise", "fiml"}
        Listwise deletion (lavaan default) or full-information ML (``missing = "ml"``).
    std_lv, orthogonal : bool
        Factor variances fixed to 1 instead of markers; uncorrelated factors (bifactor).
    group_equal, group_partial : sequence of str
        lavaan's ``group.equal`` / ``group.partial``.

    Returns
    -------
    SemFit

    Notes
    -----
    Standard errors: expected information for complete-data ML, observed (numerical Hessian)
    for FIML and MLR, sandwich A^-1 B A^-1 / N for MLR. T = N F_ML (complete) or
    2(logl_h1 - logl) (FIML, h1 by EM). Multi-group RMSEA carries sqrt(G) (lavaan).
    For df < 0 or a singular information matrix the test and indices are NaN with an
    IdentificationWarning (lavaan: NA with a warning).
    R: ``cfa(model, data, estimator = "MLR", missing = "ml", group = , group.equal = )``.
    """
    estimator = estimator.upper()
    missing = {"ml": "fiml", "direct": "fiml"}.get(missing.lower(), missing.lower())
    if estimator not in ESTIMATORS:
        raise ConfigError(f"estimator must be one of {', '.join(ESTIMATORS)}; got {estimator!r}")
    if missing not in MISSING:
        raise ConfigError(f"missing must be 'listwise' or 'fiml'; got {missing!r}")
    if not isinstance(data, pd.DataFrame):
        raise ConfigError("data must be a pandas DataFrame")
    probe = build_model(model, list(map(str, data.columns)))
    items = probe.obs
    frame = item_frame(data, items, what="CFA")
    check_items(frame, what="CFA")
    if group is not None:
        if group not in data.columns:
            raise ConfigError(f"group column {group!r} not found in the data")
        gcol = data[group]
        labels = [str(v) for v in pd.unique(gcol.dropna())]
    else:
        gcol = pd.Series("all", index=data.index)
        labels = ["all"]
    fiml = missing == "fiml"
    keep = frame.notna().any(axis=1) if fiml else frame.notna().all(axis=1)
    keep &= gcol.notna()
    groups = [frame[keep & (gcol.astype(str) == lab)].to_numpy(dtype=float) for lab in labels]
    ng = [int(x.shape[0]) for x in groups]
    ntotal = int(sum(ng))
    p = len(items)
    if min(ng) < 2 or (not fiml and min(ng) <= p):
        raise InsufficientDataError(f"CFA: {min(ng)} usable responses in a group for {p} items")
    ms = bool(meanstructure) if meanstructure is not None else (fiml or len(labels) > 1)
    mdl = build_model(model, items, ngroups=len(labels), std_lv=std_lv, orthogonal=orthogonal,
                      meanstructure=ms, group_equal=tuple(group_equal), group_partial=tuple(group_partial))
    blocks = E.make_blocks(groups, patterns=fiml)
    n_complete = int(sum(np.isfinite(x).all(axis=1).sum() for x in groups))
    # saturated model
    if fiml:
        sig_h1, mu_h1, _ = E.em_saturated(groups)
    else:
        sig_h1 = [np.cov(x, rowvar=False, bias=True).reshape(p, p) for x in groups]
        mu_h1 = [x.mean(axis=0) for x in groups]
    for g, s in enumerate(sig_h1):
        if np.linalg.eigvalsh(s).min() <= 0:
            raise InsufficientDataError(f"CFA: the covariance matrix of group {labels[g]!r} is not positive definite")
    sat = E.Saturated(p, len(labels), ms or fiml)
    x_sat = sat.pack(sig_h1, mu_h1)
    ll_h1 = E.logl(sat, x_sat, blocks, ntotal)
    # fit
    x0 = _start(mdl, sig_h1, mu_h1)
    xh, fmin, converged, iters = E.fit_model(mdl, x0, blocks, ntotal)
    ll = E.logl(mdl, xh, blocks, ntotal)
    q = mdl.q
    moments = len(labels) * (p * (p + 1) // 2 + (p if ms else 0))
    df = moments - q
    t = 2 * (ll_h1 - ll)
    # baseline
    ind = E.Independence(p, len(labels), ms or fiml)
    if fiml:
        xb = np.concatenate([np.concatenate([np.nanvar(x, axis=0), np.nanmean(x, axis=0)]) for x in groups])
    else:
        xb = np.concatenate([np.concatenate([np.diag(s)] + ([m] if ms else [])) for s, m in zip(sig_h1, mu_h1)])
    ll0 = E.logl(ind, xb, blocks, ntotal)
    t0 = 2 * (ll_h1 - ll0)
    df0 = len(labels) * p * (p - 1) // 2
    notes: list[str] = []
    # information and standard errors
    if fiml or estimator == "MLR":
        info = E.observed_information(mdl, xh, blocks, ntotal)
    else:
        info = E.expected_information(mdl, xh, blocks, ntotal)
    ev = np.linalg.eigvalsh(info)
    identified = df >= 0 and ev.min() > max(ev.max(), 1.0) * 1e-10
    vcov = np.full((q, q), np.nan)
    if identified:
        ainv = np.linalg.inv(info)
        if estimator == "MLR":
            sc = E.casewise_scores(mdl, xh, blocks)
            b0 = sc.T @ sc / ntotal
            vcov = ainv @ b0 @ ainv / ntotal
        else:
            vcov = ainv / ntotal
    n_rmsea = ntotal
    m: dict[str, float] = {"npar": q, "ntotal": ntotal, "chisq": t, "df": df,
                           "pvalue": float(sps.chi2.sf(t, df)) if df > 0 else float("nan"),
                           "baseline.chisq": t0, "baseline.df": df0,
                           "baseline.pvalue": float(sps.chi2.sf(t0, df0)),
                           "cfi": _cfi(t, df, t0, df0), "tli": _tli(t, df, t0, df0),
                           "rmsea": _rmsea(t, df, n_rmsea, len(labels)) if df > 0 else 0.0}
    lo, hi = rmsea_ci(t, df, n_rmsea)
    m["rmsea.ci.lower"], m["rmsea.ci.upper"] = lo * np.sqrt(len(labels)), hi * np.sqrt(len(labels))
    m["srmr"] = _srmr(mdl, xh, sig_h1, mu_h1, ng, ntotal)
    m["logl"], m["unrestricted.logl"] = ll, ll_h1
    m["aic"], m["bic"] = -2 * ll + 2 * q, -2 * ll + q * np.log(ntotal)
    c = float("nan")
    if estimator == "MLR" and identified and df > 0:
        c = _yb_trace(mdl, xh, blocks, ntotal, sat, x_sat, info) / df
        info_b = E.observed_information(ind, xb, blocks, ntotal)
        c0 = _yb_trace(ind, xb, blocks, ntotal, sat, x_sat, info_b) / df0 if robust_baseline else float("nan")
        ts, t0s = t / c, t0 / c0
        m.update({"chisq.scaled": ts, "df.scaled": df, "pvalue.scaled": float(sps.chi2.sf(ts, df)),
                  "chisq.scaling.factor": c, "baseline.chisq.scaled": t0s, "baseline.df.scaled": df0,
                  "baseline.chisq.scaling.factor": c0,
                  "cfi.scaled": _cfi(ts, df, t0s, df0), "tli.scaled": _tli(ts, df, t0s, df0),
                  "rmsea.scaled": _rmsea(ts, df, n_rmsea, len(labels))})
        if not fiml:
            _robust(m, t, c, t0, c0, df, df0, n_rmsea, len(labels))
    if fiml and identified and df > 0:
        # lavaan's cfi/tli/rmsea.robust under FIML: Zhang & Savalei's corrected indices
        from mentorassess.stats.sem.fiml_corrected import fiml_corrected

        fc = fiml_corrected(mdl, xh, ind, xb, sat, x_sat, blocks, sig_h1, mu_h1, ng, df, df0,
                            "V3" if estimator == "MLR" else "V6")
        _robust(m, fc["t3"], fc["c3"], fc["t3_0"], fc["c3_0"], df, df0, n_rmsea, len(labels))
        m["fiml.corrected.scaling.factor"] = fc["c3"]
    if not identified:
        msg = (f"model is not identified (df = {df}" + ("" if df < 0 else "; singular information matrix") +
               "): standard errors, chi-square and fit indices are NaN (lavaan: NA with a warning)")
        notes.append(msg)
        warnings.warn(msg, IdentificationWarning, stacklevel=3)
        for k in list(m):
            if k not in ("npar", "ntotal", "df", "baseline.chisq", "baseline.df", "baseline.pvalue", "logl",
                         "unrestricted.logl", "aic", "bic", "srmr"):
                m[k] = float("nan")
    if not converged:
        msg = "the model did not converge; estimates are unreliable"
        notes.append(msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=3)
    se = np.sqrt(np.maximum(np.diag(vcov), 0)) if identified else np.full(q, np.nan)
    rows = mdl.table(xh)
    for r in rows:
        k = r["free"] - 1
        r["se"] = float(se[k]) if k >= 0 else 0.0
        r["z"] = r["est"] / r["se"] if k >= 0 and r["se"] > 0 else float("nan")
    params = pd.DataFrame(rows)
    params["group"] = [labels[g - 1] for g in params["group"]]
    params["pvalue"] = 2 * sps.norm.sf(np.abs(params["z"]))
    neg = params[(params["op"] == "~~") & (params["lhs"] == params["rhs"]) & (params["est"] < 0)]
    lv_bad = any(np.linalg.eigvalsh(mdl.matrices(xh, g)["psi"]).min() < 0 for g in range(len(labels)))
    if len(neg) or lv_bad:
        msg = ("Heywood case: " + (f"negative variance for {', '.join(sorted(set(neg['lhs'])))}" if len(neg) else "")
               + ("; " if len(neg) and lv_bad else "") +
               ("the covariance matrix of the factors is not positive definite" if lv_bad else ""))
        notes.append(msg)
        warnings.warn(msg, HeywoodWarning, stacklevel=3)
    return SemFit(estimator=estimator, missing=missing, groups=tuple(labels), n_groups=tuple(ng), n_obs=ntotal,
                  n_complete=n_complete, n_patterns=len(blocks), npar=q, df=int(df), measures=m,
                  parameters=params, converged=converged, notes=tuple(notes), scaling_factor=c)
