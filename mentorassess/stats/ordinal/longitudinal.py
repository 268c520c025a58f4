"""Ordinal measurement invariance across two waves of the same raters (longitudinal), equal to lavaan.

The same raters answer at both waves, so the two waves are not independent groups: the model is
fitted to the *paired* data in one group, each item twice (``item.pre``, ``item.post``), one factor
per wave for every factor of the model, all factor covariances free (within and across waves) and
the residual of each item correlated with itself across waves (``item.pre ~~ item.post``). This is
``semTools::measEq.syntax(model, ordered = ..., parameterization = "theta", ID.fac = "std.lv",
ID.cat = "Wu.Estabrook.2016", longFacNames = ..., longIndNames = ..., long.equal = ...)`` (whose
default ``auto = 1`` adds the lag-1 residual covariances) fitted with
``cfa(syntax, data, ordered = ..., parameterization = "theta")``. Steps and identification are
those of :func:`~mentorassess.stats.ordinal.invariance.ordinal_invariance`, with the first wave in
the role of the first group:

=============  ===================================================================================
configural     loadings and thresholds free per wave; factor means 0, variances 1, intercepts 0,
               residual variances 1 at both waves
thresholds     thresholds equal; the second wave's intercepts and residual variances free
loadings       + loadings equal; the second wave's factor variances free
intercepts     + intercepts equal (0); the second wave's factor means free
residuals      + residual variances equal (1)
=============  ===================================================================================

Differences between steps: lavaan's ``lavTestLRT`` for WLSMV (``satorra.2000``, scaled-shifted).

Only complete pairs enter (listwise, lavaan's default for WLSMV): a rater missing at one wave, or
with a missing answer at either wave, is left out, and the result says how many.
:func:`waves_as_groups` is the simpler model that treats the waves as independent groups (a
:class:`~mentorassess.errors.DataQualityWarning` says why that is an approximation); use it only
when raters cannot be paired across waves.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> n = 300
>>> f = rng.multivariate_normal([0, 0.3], [[1, .6], [.6, 1]], n)
>>> rows = [{"rater": i, "wave": w, **{f"x{j}": int(np.digitize(.8 * f[i, t] + .6 * rng.normal(),
...          [-1, 0, 1])) for j in range(1, 5)}} for i in range(n) for t, w in enumerate(["pre", "post"])]
>>> res = ordinal_longitudinal_invariance(pd.DataFrame(rows), {"f": ["x1", "x2", "x3", "x4"]},
...                                       wave="wave", id="rater")
>>> res.waves, res.n_pairs, list(res.to_frame()["df"])
(('pre', 'post'), 300, [15.0, 19.0, 22.0, 25.0, 29.0])
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from ...errors import ConfigError, DataError, DataQualityWarning, InsufficientDataError, Problem
from .._common import jsonable, single_threaded_blas
from ._data import prepare
from ._estimate import two_step
from ._model import build_model
from ._multigroup import GroupStats, MGFit, Spec, fit_dwls, group_stats, satorra_2000
from .invariance import STEPS, _EQUAL, _baseline, _fit_row, ordinal_invariance

__all__ = ["OrdinalLongitudinalResult", "ordinal_longitudinal_invariance", "waves_as_groups", "INDEPENDENCE"]

#: The warning of :func:`waves_as_groups`.
INDEPENDENCE = ("waves treated as independent groups: the same raters answered at both waves, so the "
                "groups are dependent; chi-square tests and standard errors assume independence and are "
                "then too liberal or too conservative depending on the correlation across waves; use "
                "ordinal_longitudinal_invariance (paired raters, correlated residuals) when raters can be "
                "paired")


@dataclass(frozen=True)
class OrdinalLongitudinalResult:
    """Fit of each invariance step across two waves of paired raters.

    ``to_frame()`` has the columns of
    :class:`~mentorassess.stats.ordinal.invariance.OrdinalInvarianceResult` (one row per step, with
    the scaled-shifted difference test, dCFI and dRMSEA against the previous step).
    ``estimates[step]`` holds the parameter table (``lhs, op, rhs, est``) in the names of the paired
    model: ``item.wave`` for an item at a wave, ``factor.wave`` for a factor.
    """

    waves: tuple[str, str]
    n_pairs: int
    n_dropped: int
    table: pd.DataFrame
    estimates: Mapping[str, pd.DataFrame]
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"waves": list(self.waves), "n_pairs": self.n_pairs, "n_dropped": self.n_dropped,
                         "table": self.table.to_dict(orient="records"), "notes": list(self.notes)})


def _paired(data: pd.DataFrame, items: list[str], wave: str, id, waves, what: str):
    ids = [id] if isinstance(id, str) else list(id)
    for col in [wave, *ids]:
        if col not in data.columns:
            raise DataError(f"{what}: column {col!r} not found", column=col)
    d = data.loc[data[wave].notna() & data[ids].notna().all(axis=1)]
    present = [str(v) for v in pd.unique(d[wave].astype(str))]
    if waves is None:
        waves = present
    waves = tuple(str(w) for w in waves)
    if len(waves) != 2:
        raise ConfigError(f"{what}: compares exactly two waves; found {', '.join(waves) or 'none'}",
                          hint="choose two with waves=['pre', 'post']")
    missing = [w for w in waves if w not in present]
    if missing:
        raise DataError(f"{what}: wave {missing[0]!r} has no rows", column=wave, value=missing[0])
    d = d.loc[d[wave].astype(str).isin(waves)]
    key = d[ids[0]].astype(str)
    for col in ids[1:]:
        key = key + "\x1f" + d[col].astype(str)
    dup = pd.Series(list(zip(key, d[wave].astype(str))), index=d.index).duplicated(keep=False)
    if dup.any():
        first = d.loc[dup].iloc[0]
        who = " / ".join(str(first[c]) for c in ids)
        raise DataError(f"{what}: {int(dup.sum())} rows repeat a rater at a wave (e.g. {who!r} at "
                        f"{first[wave]!r}); each rater answers once per wave", column=", ".join(ids), value=who,
                        hint="pair the rows by an id that is unique within each wave")
    parts = []
    for w in waves:
        part = d.loc[d[wave].astype(str) == w, items].copy()
        part.index = key[d[wave].astype(str) == w].to_numpy()
        part.columns = [f"{it}.{w}" for it in items]
        parts.append(part)
    wide = parts[0].join(parts[1], how="outer")
    raters = len(wide)
    wide = wide.dropna(how="any")
    return waves, wide, raters - len(wide)


def _spec(step: str, p: int, m: int, ncat: np.ndarray) -> Spec:
    """Free indices of the paired model (items: wave 1 then wave 2; factors likewise)."""
    eq = _EQUAL[step]
    nth = int((ncat - 1).sum())
    k = 0

    def new(n: int) -> np.ndarray:
        nonlocal k
        out = np.arange(k, k + n)
        k += n
        return out

    lam1 = new(p)
    lam = np.concatenate([lam1, lam1 if "loadings" in eq else new(p)])
    tau1 = new(nth)
    tau = np.concatenate([tau1, tau1 if "thresholds" in eq else new(nth)])
    nu = np.full(2 * p, -1)
    theta = np.full(2 * p, -1)
    if "thresholds" in eq:
        if "intercepts" not in eq:
            nu[p:] = new(p)
        if "residuals" not in eq:
            nb = ncat > 2
            theta[p:][nb] = new(int(nb.sum()))
    alpha = np.full(2 * m, -1)
    if "intercepts" in eq:
        alpha[m:] = new(m)
    psi = np.full((2 * m, 2 * m), -1)
    if "loadings" in eq:
        psi[np.arange(m, 2 * m), np.arange(m, 2 * m)] = new(m)
    for b in range(2 * m):
        for a in range(b + 1, 2 * m):
            psi[a, b] = psi[b, a] = new(1)[0]
    cov_pairs = np.column_stack([np.arange(p, 2 * p), np.arange(p)])
    cov = (cov_pairs, new(p), np.zeros(p))
    return Spec([lam], [tau], [nu], [theta], [alpha], [psi], [np.zeros(2 * p)], [np.zeros(2 * nth)],
                [np.zeros(2 * p)], [np.ones(2 * p)], [np.zeros(2 * m)], [np.eye(2 * m)], k, cov=[cov])


def _values(spec: Spec, x: np.ndarray) -> dict[str, np.ndarray]:
    def val(idx, fixed):
        out = np.asarray(fixed, float).copy()
        out[idx >= 0] = x[idx[idx >= 0]]
        return out

    cp, cidx, cfix = spec.cov[0]
    return {"lam": val(spec.lam[0], spec.fixed_lam[0]), "tau": val(spec.tau[0], spec.fixed_tau[0]),
            "nu": val(spec.nu[0], spec.fixed_nu[0]), "theta": val(spec.theta[0], spec.fixed_theta[0]),
            "alpha": val(spec.alpha[0], spec.fixed_alpha[0]),
            "psi": val(spec.psi[0].ravel(), spec.fixed_psi[0].ravel()).reshape(spec.psi[0].shape),
            "cov": val(cidx, cfix)}


def _x_from(spec: Spec, v: dict[str, np.ndarray]) -> np.ndarray:
    """Start values: each free parameter the mean of the slots that share it."""
    x = np.zeros(spec.n_free)
    cnt = np.zeros(spec.n_free)
    for idx, val in ((spec.lam[0], v["lam"]), (spec.tau[0], v["tau"]), (spec.nu[0], v["nu"]),
                     (spec.theta[0], v["theta"]), (spec.alpha[0], v["alpha"]), (spec.psi[0].ravel(), v["psi"].ravel()),
                     (spec.cov[0][1], v["cov"])):
        free = idx >= 0
        np.add.at(x, idx[free], val[free])
        np.add.at(cnt, idx[free], 1)
    return x / np.maximum(cnt, 1)


def _first_values(mdl, st: GroupStats, ncat: np.ndarray) -> dict[str, np.ndarray]:
    """Configural start: loadings from the paired model's polychorics, thresholds rescaled."""
    from .invariance import _factor_cor, _std_loadings

    r = st.ts.rho
    lam_std = _std_loadings(mdl, r)
    lam = lam_std / np.sqrt(1 - lam_std ** 2)
    th_item = np.repeat(np.arange(len(lam)), np.tile(ncat - 1, 2))
    tau = np.concatenate(st.ts.thresholds) * np.sqrt(1 + lam[th_item] ** 2)
    psi = _factor_cor(mdl, r, lam_std)
    p = len(lam) // 2
    f = mdl.factor_of
    j, k = np.arange(p), np.arange(p, 2 * p)
    resid = r[k, j] - lam_std[k] * lam_std[j] * psi[f[k], f[j]]
    cov = resid * np.sqrt(1 + lam[j] ** 2) * np.sqrt(1 + lam[k] ** 2)
    return {"lam": lam, "tau": tau, "nu": np.zeros(2 * p), "theta": np.ones(2 * p),
            "alpha": np.zeros(psi.shape[0]), "psi": psi, "cov": cov}


@single_threaded_blas
def ordinal_longitudinal_invariance(data: pd.DataFrame, model: Mapping[str, Sequence[str]], *, wave: str,
                                    id: str | Sequence[str],
                                    waves: Sequence[str] | None = None,
                                    steps: Sequence[str] = STEPS) -> OrdinalLongitudinalResult:
    """Configural, threshold, metric, scalar and strict invariance of ordered items across two waves.

    Parameters
    ----------
    data : DataFrame
        Long format: one row per rater and wave, the item columns, ``wave`` and ``id``.
    model : mapping factor -> items
        Simple structure (the same at both waves).
    wave : str
        The wave column.
    id : str or sequence of str
        The column(s) that pair a rater's rows across waves, e.g. ``("mentor_id", "rater_id")``
        for mentees rating the same mentor at both waves.
    waves : two labels, optional
        The waves to compare, in order (default: the two found, in order of appearance).
    steps : sequence of str
        A prefix-closed subset of ``STEPS`` (default: all five).

    Raises
    ------
    ConfigError
        Not exactly two waves, unknown steps, an invalid model.
    DataError
        Missing columns, a rater twice at one wave, a category observed at one wave only (item and
        wave named), items that are not ordered codes.
    InsufficientDataError
        Fewer than 10 complete pairs.
    """
    what = "longitudinal ordinal invariance"
    bad = [s for s in steps if s not in STEPS]
    if bad or list(steps) != [s for s in STEPS if s in steps] or (steps and steps[0] != "configural"):
        raise ConfigError(f"{what}: steps must start with 'configural' and follow {', '.join(STEPS)}; got {list(steps)}")
    _, items = build_model(model, what=what)
    factors = [str(f) for f in model]
    waves, wide, dropped = _paired(data, items, wave, id, waves, what)
    wmodel = {f"{f}.{w}": [f"{it}.{w}" for it in model[f]] for w in waves for f in factors}
    mdl, witems = build_model(wmodel, what=what)
    od = prepare(wide, witems, what=what, listwise=True)
    p, m = len(items), len(factors)
    problems = []
    for j, it in enumerate(items):
        a, b = set(od.levels[j]), set(od.levels[p + j])
        for w, lost in ((waves[1], a - b), (waves[0], b - a)):
            if lost:
                problems.append(Problem(
                    f"category {', '.join(f'{v:g}' for v in sorted(lost))} is not used at wave {w!r} (complete "
                    "pairs), so thresholds cannot be equal across waves", column=it, code="empty-category-in-wave",
                    hint="collapse the category with its neighbour at both waves before testing invariance"))
    if problems:
        raise DataError.from_problems(problems, summary=f"{what}: waves cannot be compared")
    ncat = od.n_categories[:p]
    st = group_stats(two_step(od, nacov=True))
    th_item = np.repeat(np.arange(2 * p), np.tile(ncat - 1, 2))
    baseline = _baseline([st])
    rows, estimates, fits = [], {}, {}
    first = _first_values(mdl, st, ncat)
    prev = None
    for step in steps:
        spec = _spec(step, p, m, ncat)
        x0 = _x_from(spec, first)
        with np.errstate(all="ignore"):
            fit = fit_dwls(spec, [st], x0, mdl.factor_of, th_item, mdl.pairs)
        fits[step] = fit
        if step == "configural":
            first = _values(spec, fit.x)
        row = _fit_row(step, fit, spec, [st], 1, baseline)
        if prev is not None:
            diff = satorra_2000(fits[prev], fit, [st], rows[-1]["chisq"], row["chisq"], int(rows[-1]["df"]),
                                int(row["df"]))
            row.update(chisq_diff=diff["chisq_diff"], df_diff=diff["df_diff"],
                       pvalue_diff=float(sps.chi2.sf(diff["chisq_diff"], diff["df_diff"])),
                       delta_cfi=row["cfi_scaled"] - rows[-1]["cfi_scaled"],
                       delta_rmsea=row["rmsea_scaled"] - rows[-1]["rmsea_scaled"])
            row["holds"] = bool(row["pvalue_diff"] >= 0.05 and row["delta_cfi"] > -0.01)
        rows.append(row)
        estimates[step] = _table(spec, fit, mdl, ncat)
        prev = step
    cols = ["step", "npar", "chisq", "df", "chisq_scaled", "pvalue_scaled", "cfi_scaled", "tli_scaled",
            "rmsea_scaled", "srmr", "scaling_factor", "shift", "baseline_chisq_scaled", "chisq_diff", "df_diff",
            "pvalue_diff", "delta_cfi", "delta_rmsea", "holds"]
    notes = [f"paired model: {len(wide)} raters with complete answers at both waves; item residuals "
             "correlated across waves (item.pre ~~ item.post)",
             "difference tests: lavaan satorra.2000, scaled-shifted (never a difference of scaled chi-squares)",
             "holds: difference test p >= .05 and dCFI > -.01 (Cheung & Rensvold 2002); read both with N in mind"]
    if dropped:
        notes.append(f"{dropped} rater(s) left out: not at both waves or a missing answer (listwise)")
    notes += [f"{s}: DWLS did not converge" for s, f in fits.items() if not f.converged]
    return OrdinalLongitudinalResult(waves, len(wide), dropped, pd.DataFrame(rows).reindex(columns=cols), estimates,
                                     tuple(notes))


def _table(spec: Spec, fit: MGFit, mdl, ncat: np.ndarray) -> pd.DataFrame:
    v = _values(spec, fit.x)
    items, factors = mdl.items, mdl.factors
    rows = [(factors[mdl.factor_of[j]], "=~", it, v["lam"][j]) for j, it in enumerate(items)]
    k = 0
    for j, it in enumerate(items):
        for c in range(ncat[j % len(ncat)] - 1):
            rows.append((it, "|", f"t{c + 1}", v["tau"][k]))
            k += 1
    for j, it in enumerate(items):
        rows.append((it, "~1", "", v["nu"][j]))
        rows.append((it, "~~", it, v["theta"][j]))
    cp = spec.cov[0][0]
    for (a, b), c in zip(cp, v["cov"]):
        rows.append((items[b], "~~", items[a], c))
    for f, name in enumerate(factors):
        rows.append((name, "~1", "", v["alpha"][f]))
        rows.append((name, "~~", name, v["psi"][f, f]))
    for b in range(len(factors)):
        for a in range(b + 1, len(factors)):
            rows.append((factors[b], "~~", factors[a], v["psi"][a, b]))
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est"])


def waves_as_groups(data: pd.DataFrame, model: Mapping[str, Sequence[str]], wave: str,
                    steps: Sequence[str] = STEPS):
    """Invariance across waves as if they were independent groups, with a :class:`DataQualityWarning`.

    The approximation for waves whose raters cannot be paired (anonymous surveys): it is
    :func:`~mentorassess.stats.ordinal.invariance.ordinal_invariance` with ``group=wave``. When the
    same raters answer at both waves, the groups are dependent, which this model ignores
    (:data:`INDEPENDENCE`); prefer :func:`ordinal_longitudinal_invariance`.
    """
    warnings.warn(INDEPENDENCE, DataQualityWarning, stacklevel=2)
    res = ordinal_invariance(data, model, wave, steps)
    from dataclasses import replace

    return replace(res, notes=res.notes + (INDEPENDENCE,))
