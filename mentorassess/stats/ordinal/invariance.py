"""Ordinal measurement invariance across groups (Wu & Estabrook 2016), equal to semTools + lavaan.

Steps (``semTools::measEq.syntax(..., ordered = items, parameterization = "theta",
ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group.equal = ...)`` fitted with
``cfa(syntax, data, group = g, ordered = items, parameterization = "theta")``):

=============  =======================================================================
configural     loadings and thresholds free per group; factor means 0, variances 1,
               intercepts 0, residual variances 1 in every group
thresholds     thresholds equal; intercepts and residual variances free in groups >= 2
               (binary items: residual variance stays 1)
loadings       + loadings equal; factor variances free in groups >= 2
intercepts     + intercepts equal (0); factor means free in groups >= 2
residuals      + residual variances equal (1)
=============  =======================================================================

Each step is compared with the previous one by lavaan's default for WLSMV,
``lavTestLRT(..., method = "satorra.2000")`` with the scaled-shifted statistic; never by
subtracting scaled chi-squares. Changes in the scaled CFI and RMSEA are reported with the
sign convention restricted - less restricted, next to Cheung & Rensvold's (2002) dCFI <= -.01.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from ...errors import ConfigError, DataError, InsufficientDataError, Problem
from .._common import single_threaded_blas, jsonable
from ._data import OrdinalData, prepare
from ._estimate import two_step
from ._model import build_model
from ._multigroup import GroupStats, MGFit, Spec, fit_dwls, group_stats, information, satorra_2000, traces
from .wlsmv import _cfi, _rmsea, _tli

__all__ = ["OrdinalInvarianceResult", "ordinal_invariance", "STEPS"]

STEPS = ("configural", "thresholds", "loadings", "intercepts", "residuals")
_EQUAL = {"configural": set(), "thresholds": {"thresholds"}, "loadings": {"thresholds", "loadings"},
          "intercepts": {"thresholds", "loadings", "intercepts"},
          "residuals": {"thresholds", "loadings", "intercepts", "residuals"}}


@dataclass(frozen=True)
class OrdinalInvarianceResult:
    """Fit of each invariance step and the difference tests between consecutive steps.

    ``to_frame()`` has one row per step: ``step, npar, chisq, df, chisq_scaled, pvalue_scaled,
    cfi_scaled, tli_scaled, rmsea_scaled, srmr, scaling_factor (1/a), shift (b),
    baseline_chisq_scaled, chisq_diff, df_diff, pvalue_diff, delta_cfi,
    delta_rmsea, holds`` (``holds``: p of the scaled-shifted difference test >= .05 and
    dCFI > -.01; None for the configural step). ``estimates[step]`` holds the parameter
    tables (``group, lhs, op, rhs, est``), ``groups`` the group labels in data order.
    """

    groups: tuple[str, ...]
    n_obs: Mapping[str, int]
    table: pd.DataFrame
    estimates: Mapping[str, pd.DataFrame]
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"groups": list(self.groups), "n_obs": dict(self.n_obs),
                         "table": self.table.to_dict(orient="records"), "notes": list(self.notes)})


@single_threaded_blas
def ordinal_invariance(data: pd.DataFrame, model: Mapping[str, Sequence[str]], group: str,
                       steps: Sequence[str] = STEPS) -> OrdinalInvarianceResult:
    """Configural, threshold, metric, scalar and strict invariance of ordered items across groups.

    Parameters
    ----------
    data : DataFrame
        Item responses and the grouping column; rows with a missing item or group are dropped
        (listwise within groups, as lavaan).
    model : mapping factor -> items
        Simple structure, correlated factors.
    group : str
        Grouping column (e.g. form: self vs mentee). Groups are taken in order of appearance.
    steps : sequence of str
        A prefix-closed subset of ``STEPS`` in that order (default: all five).

    Returns
    -------
    OrdinalInvarianceResult

    Raises
    ------
    DataError
        The group column is missing, fewer than two groups, or a category observed overall is
        empty in one group (item, group and category named; collapse categories first).
    ConfigError
        Unknown steps or an invalid model.
    """
    what = "ordinal invariance"
    bad = [s for s in steps if s not in STEPS]
    if bad or list(steps) != [s for s in STEPS if s in steps] or (steps and steps[0] != "configural"):
        raise ConfigError(f"{what}: steps must start with 'configural' and follow {', '.join(STEPS)}; got {list(steps)}")
    mdl, items = build_model(model, what=what)
    if group not in data.columns:
        raise DataError(f"{what}: grouping column {group!r} not found", column=group)
    d = data.loc[data[group].notna()]
    full = prepare(d, items, what=what, listwise=True)
    labels = [str(v) for v in pd.unique(d.loc[full.index, group])]
    if len(labels) < 2:
        raise InsufficientDataError(f"{what}: needs at least two groups in {group!r}, found {len(labels)}")
    gcol = d.loc[full.index, group].astype(str).to_numpy()
    per: list[OrdinalData] = []
    problems = []
    for lab in labels:
        sel = gcol == lab
        od = OrdinalData(full.items, full.codes[sel], full.levels, full.index[sel])
        for j, it in enumerate(items):
            used = np.unique(od.codes[:, j])
            miss = [full.levels[j][k] for k in range(len(full.levels[j])) if k not in used]
            if miss:
                problems.append(Problem(
                    f"category {', '.join(f'{v:g}' for v in miss)} is not used in group {lab!r}, so thresholds "
                    "cannot be equal across groups", column=it, code="empty-category-in-group",
                    hint="collapse the category with its neighbour in all groups before testing invariance"))
        if od.codes.shape[0] < 10:
            problems.append(Problem(f"group {lab!r} has {od.codes.shape[0]} complete rows (needs >= 10)",
                                    column=group, code="small-group"))
        per.append(od)
    if problems:
        raise DataError.from_problems(problems, summary=f"{what}: groups cannot be compared")
    stats = [group_stats(two_step(od, nacov=True)) for od in per]
    ncat = full.n_categories
    th_item = np.repeat(np.arange(len(items)), ncat - 1)
    fits: dict[str, MGFit] = {}
    specs: dict[str, Spec] = {}
    rows = []
    estimates = {}
    x_conf = None
    prev = None
    baseline = _baseline(stats)
    for step in steps:
        spec = _spec(step, len(labels), mdl, ncat)
        x0 = _start(spec, mdl, stats, ncat, x_conf)
        with np.errstate(all="ignore"):
            fit = fit_dwls(spec, stats, x0, mdl.factor_of, th_item, mdl.pairs)
        if step == "configural":
            x_conf = (spec, fit.x)
        fits[step], specs[step] = fit, spec
        row = _fit_row(step, fit, spec, stats, len(labels), baseline)
        if prev is not None:
            diff = satorra_2000(fits[prev], fit, stats, rows[-1]["chisq"], row["chisq"], int(rows[-1]["df"]), int(row["df"]))
            row.update(chisq_diff=diff["chisq_diff"], df_diff=diff["df_diff"],
                       pvalue_diff=float(sps.chi2.sf(diff["chisq_diff"], diff["df_diff"])),
                       delta_cfi=row["cfi_scaled"] - rows[-1]["cfi_scaled"],
                       delta_rmsea=row["rmsea_scaled"] - rows[-1]["rmsea_scaled"])
            row["holds"] = bool(row["pvalue_diff"] >= 0.05 and row["delta_cfi"] > -0.01)
        rows.append(row)
        estimates[step] = _table(spec, fit.x, mdl, labels, ncat)
        prev = step
    cols = ["step", "npar", "chisq", "df", "chisq_scaled", "pvalue_scaled", "cfi_scaled", "tli_scaled",
            "rmsea_scaled", "srmr", "scaling_factor", "shift", "baseline_chisq_scaled", "chisq_diff", "df_diff", "pvalue_diff", "delta_cfi", "delta_rmsea", "holds"]
    table = pd.DataFrame(rows).reindex(columns=cols)
    notes = ["difference tests: lavaan satorra.2000, scaled-shifted (never a difference of scaled chi-squares)",
             "holds: difference test p >= .05 and dCFI > -.01 (Cheung & Rensvold 2002); read both with N in mind"]
    notes += [f"{s}: DWLS did not converge" for s, f in fits.items() if not f.converged]
    return OrdinalInvarianceResult(tuple(labels), dict(zip(labels, (s.n for s in stats))), table, estimates, tuple(notes))


def _spec(step: str, ngroups: int, mdl, ncat: np.ndarray) -> Spec:
    eq = _EQUAL[step]
    p, m = len(mdl.items), len(mdl.factors)
    nth = int((ncat - 1).sum())
    k = 0

    def new(n):
        nonlocal k
        out = np.arange(k, k + n)
        k += n
        return out

    shared_lam = new(p) if "loadings" in eq else None
    shared_tau = new(nth) if "thresholds" in eq else None
    binary = ncat == 2
    spec = Spec([], [], [], [], [], [], [], [], [], [], [], [], 0)
    for g in range(ngroups):
        spec.lam.append(shared_lam if shared_lam is not None else new(p))
        spec.fixed_lam.append(np.zeros(p))
        spec.tau.append(shared_tau if shared_tau is not None else new(nth))
        spec.fixed_tau.append(np.zeros(nth))
        nu = np.full(p, -1)
        th = np.full(p, -1)
        if g > 0 and "thresholds" in eq:
            if "intercepts" not in eq:
                nu = new(p)
            if "residuals" not in eq:
                th = np.full(p, -1)
                idx = new(int((~binary).sum()))
                th[~binary] = idx
        spec.nu.append(nu)
        spec.fixed_nu.append(np.zeros(p))
        spec.theta.append(th)
        spec.fixed_theta.append(np.ones(p))
        spec.alpha.append(new(m) if (g > 0 and "intercepts" in eq) else np.full(m, -1))
        spec.fixed_alpha.append(np.zeros(m))
        psi = np.full((m, m), -1)
        if g > 0 and "loadings" in eq:
            v = new(m)
            psi[np.arange(m), np.arange(m)] = v
        for b in range(m):
            for a in range(b + 1, m):
                psi[a, b] = psi[b, a] = new(1)[0]
        spec.psi.append(psi)
        spec.fixed_psi.append(np.eye(m))
    spec.n_free = k
    return spec


def _start(spec: Spec, mdl, stats: list[GroupStats], ncat, conf) -> np.ndarray:
    """Configural: one-factor principal-axis loadings per group; later steps: configural means."""
    x = np.zeros(spec.n_free)
    cnt = np.zeros(spec.n_free)
    p = len(mdl.items)
    th_item = np.repeat(np.arange(p), ncat - 1)
    for g, st in enumerate(stats):
        if conf is None:
            lam_std = _std_loadings(mdl, st.ts.rho)
            lam = lam_std / np.sqrt(1 - lam_std ** 2)
            tau = np.concatenate(st.ts.thresholds) * np.sqrt(1 + lam[th_item] ** 2)
            cov = _factor_cor(mdl, st.ts.rho, lam_std)
        else:
            cspec, cx = conf
            lam = cx[cspec.lam[g]]
            tau = cx[cspec.tau[g]]
            cov = np.where(cspec.psi[g] >= 0, cx[np.maximum(cspec.psi[g], 0)], np.eye(len(mdl.factors)))
        for idx, val in ((spec.lam[g], lam), (spec.tau[g], tau)):
            np.add.at(x, idx, val)
            np.add.at(cnt, idx, 1)
        for a in range(cov.shape[0]):
            for b in range(cov.shape[0]):
                i = spec.psi[g][a, b]
                if i >= 0 and a != b:
                    x[i] += cov[a, b] / 2
                    cnt[i] += 0.5
                elif i >= 0:
                    x[i] += 1.0
                    cnt[i] += 1
        for arr, val in ((spec.theta[g], 1.0), (spec.nu[g], 0.0), (spec.alpha[g], 0.0)):
            sel = arr[arr >= 0]
            x[sel] += val
            cnt[sel] += 1
    return x / np.maximum(cnt, 1)


def _std_loadings(mdl, r: np.ndarray) -> np.ndarray:
    theta = mdl.start(r)
    lam, phi = mdl.unpack(theta)
    return np.clip(lam * np.sqrt(np.diag(phi))[mdl.factor_of], 0.1, 0.95)


def _factor_cor(mdl, r, lam_std) -> np.ndarray:
    m = len(mdl.factors)
    out = np.eye(m)
    for a in range(m):
        for b in range(a):
            ia = np.flatnonzero(mdl.factor_of == a)
            ib = np.flatnonzero(mdl.factor_of == b)
            v = float(np.clip(np.mean(r[np.ix_(ia, ib)] / np.outer(lam_std[ia], lam_std[ib])), -0.9, 0.9))
            out[a, b] = out[b, a] = v
    return out


def _baseline(stats: list[GroupStats]) -> tuple[float, int]:
    """Scaled-shifted statistic of the baseline model: correlations 0, thresholds free per group."""
    t0 = sum((st.n - 1) * float(np.sum(st.w[st.nth:] * st.s[st.nth:] ** 2)) for st in stats)
    df0 = sum(st.s.size - st.nth for st in stats)
    tot = sum(st.nth for st in stats)
    big = []
    off = 0
    for st in stats:
        dg = np.zeros((st.s.size, tot))
        dg[np.arange(st.nth), off + np.arange(st.nth)] = 1.0
        big.append(dg)
        off += st.nth
    u1, u2 = traces(big, stats, np.linalg.inv(information(big, stats)))
    a0 = np.sqrt(df0 / u2)
    return float(a0 * t0 + (df0 - a0 * u1)), df0


def _fit_row(step: str, fit: MGFit, spec: Spec, stats: list[GroupStats], ngroups: int,
             baseline: tuple[float, int]) -> dict:
    ntot = sum(s.n for s in stats)
    nn = ntot - ngroups  # lavaan: N - G for (D)WLS (RMSEA)
    # T = sum_g (N_g - 1) F_g (lavaan's objective scales group g by (N_g - 1)/N_g)
    t = sum((st.n - 1) * float(np.sum(st.w * fit.resid[g] ** 2)) for g, st in enumerate(stats))
    nmom = sum(st.s.size for st in stats)
    df = nmom - spec.n_free
    info_inv = np.linalg.inv(information(fit.deltas, stats))
    tr1, tr2 = traces(fit.deltas, stats, info_inv)
    a = np.sqrt(df / tr2)
    b = df - a * tr1
    tss = a * t + b
    t0ss, df0 = baseline
    srmr = 0.0
    for g, st in enumerate(stats):
        p = len(st.ts.thresholds)
        res = fit.resid[g][st.nth:]
        srmr += st.n / ntot * float(np.sqrt(np.sum(res ** 2) / (p * (p + 1) / 2)))
    return {"step": step, "npar": spec.n_free, "chisq": t, "df": float(df), "chisq_scaled": float(tss),
            "pvalue_scaled": float(sps.chi2.sf(tss, df)), "cfi_scaled": _cfi(tss, df, t0ss, df0),
            "tli_scaled": _tli(tss, df, t0ss, df0), "rmsea_scaled": _rmsea(tss, df, nn) * np.sqrt(ngroups),
            "srmr": srmr, "baseline_chisq_scaled": float(t0ss), "scaling_factor": float(1 / a), "shift": float(b)}


def _table(spec: Spec, x: np.ndarray, mdl, labels, ncat) -> pd.DataFrame:
    rows = []
    for g, lab in enumerate(labels):
        def val(idx, fixed):
            out = fixed.astype(float).copy()
            out[idx >= 0] = x[idx[idx >= 0]]
            return out
        lam = val(spec.lam[g], spec.fixed_lam[g])
        tau = val(spec.tau[g], spec.fixed_tau[g])
        nu = val(spec.nu[g], spec.fixed_nu[g])
        th = val(spec.theta[g], spec.fixed_theta[g])
        al = val(spec.alpha[g], spec.fixed_alpha[g])
        psi = val(spec.psi[g].ravel(), spec.fixed_psi[g].ravel()).reshape(spec.psi[g].shape)
        for j, it in enumerate(mdl.items):
            rows.append((lab, mdl.factors[mdl.factor_of[j]], "=~", it, lam[j]))
        k = 0
        for j, it in enumerate(mdl.items):
            for c in range(ncat[j] - 1):
                rows.append((lab, it, "|", f"t{c + 1}", tau[k]))
                k += 1
        for j, it in enumerate(mdl.items):
            rows.append((lab, it, "~1", "", nu[j]))
            rows.append((lab, it, "~~", it, th[j]))
        for f, name in enumerate(mdl.factors):
            rows.append((lab, name, "~1", "", al[f]))
            rows.append((lab, name, "~~", name, psi[f, f]))
        for b in range(len(mdl.factors)):
            for a in range(b + 1, len(mdl.factors)):
                rows.append((lab, mdl.factors[b], "~~", mdl.factors[a], psi[a, b]))
    return pd.DataFrame(rows, columns=["group", "lhs", "op", "rhs", "est"])
