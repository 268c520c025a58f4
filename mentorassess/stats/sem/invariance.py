"""Measurement invariance (continuous items): configural, metric, scalar, strict models across
groups (forms) or across waves (longitudinal, one group, a factor per wave), with chi-square
difference tests and changes in CFI/RMSEA/SRMR, equal to lavaan ``cfa(..., group.equal =)`` +
``lavTestLRT`` (and semTools' ``measEq.syntax`` for the longitudinal design).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mentorassess.stats.sem.invariance import measurement_invariance
>>> rng = np.random.default_rng(0)
>>> f = rng.normal(size=(400, 1))
>>> x = pd.DataFrame(f * [.8, .7, .6, .7] + rng.normal(size=(400, 4)) * .6, columns=list("abcd"))
>>> x["form"] = np.repeat(["self", "mentee"], 200)
>>> mi = measurement_invariance(x, "f =~ a + b + c + d", group="form")
>>> list(mi.to_frame()["model"])
['configural', 'metric', 'scalar', 'strict']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from mentorassess.errors import ConfigError, DataError
from mentorassess.stats._common import jsonable
from mentorassess.stats.sem.fit import SemFit, fit_sem
from mentorassess.stats.sem.syntax import parse_model

__all__ = ["InvarianceResult", "measurement_invariance", "longitudinal_invariance", "lrt", "CHEN_2007"]

STEPS = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts"),
         "strict": ("loadings", "intercepts", "residuals")}
#: Chen (2007) cut-offs (N > 300): a step fails when dCFI <= -.010 together with dRMSEA >= .015
#: or dSRMR >= .030 (loadings) / .010 (intercepts, residuals).
CHEN_2007 = {"cfi": -0.010, "rmsea": 0.015, "srmr_metric": 0.030, "srmr_other": 0.010}


def lrt(restricted: SemFit, free: SemFit) -> dict[str, float]:
    """``lavTestLRT(free, restricted)``: ML chi-square difference; for MLR the Satorra-Bentler
    (2001) scaled difference (lavaan's default ``method = "satorra.bentler.2001"``):
    c_d = (df1 c1 - df0 c0)/(df1 - df0), T_d = (T1 - T0)/c_d. RMSEA_D as lavaan's ``RMSEA``
    column: sqrt(G) sqrt(max(0, (T_d - ddf)/(N ddf)))."""
    ddf = restricted.df - free.df
    dt = restricted.chisq - free.chisq
    out = {"chisq_diff": dt, "df_diff": ddf, "scaling_diff": float("nan")}
    if restricted.estimator == "MLR":
        cd = (restricted.df * restricted.scaling_factor - free.df * free.scaling_factor) / ddf
        out["scaling_diff"] = cd
        dt = dt / cd if cd > 0 else float("nan")
        out["chisq_diff"] = dt
    out["pvalue"] = float(sps.chi2.sf(dt, ddf)) if ddf > 0 and np.isfinite(dt) else float("nan")
    g = len(free.groups)
    n = free.n_obs
    out["rmsea_diff"] = float(np.sqrt(g) * np.sqrt(max(0.0, (dt - ddf) / (n * ddf)))) if ddf > 0 else float("nan")
    return out


@dataclass(frozen=True, eq=False)
class InvarianceResult:
    """One row per model: fit, difference test against the previous model, deltas, decision."""

    design: str
    estimator: str
    fits: dict[str, SemFit] = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    partial: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"design": self.design, "estimator": self.estimator, "partial": list(self.partial),
                         "criteria": {"source": "Chen (2007)", **CHEN_2007}, "steps": self.table})


def _table(fits: dict[str, SemFit], estimator: str) -> pd.DataFrame:
    rows = []
    prev = None
    for name, f in fits.items():
        m = f.fit_measures()
        robust = estimator == "MLR"
        row = {"model": name, "chisq": m["chisq"], "df": f.df, "pvalue": m["pvalue"],
               "chisq_scaled": m.get("chisq.scaled", np.nan), "scaling_factor": f.scaling_factor,
               "cfi": m["cfi.robust"] if robust else m["cfi"], "tli": m["tli.robust"] if robust else m["tli"],
               "rmsea": m["rmsea.robust"] if robust else m["rmsea"], "srmr": m["srmr"]}
        if prev is not None:
            pf, pm = fits[prev], rows[-1]
            d = lrt(f, pf)
            row.update({"chisq_diff": d["chisq_diff"], "df_diff": d["df_diff"], "pvalue_diff": d["pvalue"],
                        "rmsea_diff": d["rmsea_diff"], "delta_cfi": row["cfi"] - pm["cfi"],
                        "delta_rmsea": row["rmsea"] - pm["rmsea"], "delta_srmr": row["srmr"] - pm["srmr"],
                        "test": "Satorra-Bentler 2001 scaled difference" if estimator == "MLR" else "chi-square difference"})
            srmr_cut = CHEN_2007["srmr_metric"] if name == "metric" else CHEN_2007["srmr_other"]
            fails = row["delta_cfi"] <= CHEN_2007["cfi"] and (row["delta_rmsea"] >= CHEN_2007["rmsea"]
                                                              or row["delta_srmr"] >= srmr_cut)
            row["decision"] = "not invariant (Chen 2007)" if fails else "invariant (Chen 2007)"
        rows.append(row)
        prev = name
    return pd.DataFrame(rows)


def measurement_invariance(data: pd.DataFrame, model: str, *, group: str, estimator: str = "ML",
                           missing: str = "listwise", steps: tuple[str, ...] = tuple(STEPS),
                           partial: tuple[str, ...] = (), std_lv: bool = False) -> InvarianceResult:
    """Multi-group invariance (e.g. self vs mentee form), as lavaan ``group.equal``.

    Parameters
    ----------
    data : DataFrame
        Items and the ``group`` column.
    model : str
        Model syntax.
    group : str
        Grouping column (form, or wave when different people answer each wave).
    estimator, missing : str
        As :func:`~mentorassess.stats.sem.fit_sem`; MLR gives Satorra-Bentler (2001) scaled
        difference tests and robust CFI/TLI/RMSEA.
    steps : tuple
        Any of configural, metric, scalar, strict, in this order.
    partial : tuple of str
        Parameters freed in every constrained step (lavaan ``group.partial``: ``"x3~1"``).

    Notes
    -----
    Forms paired by mentor are treated as independent groups (a descriptive check; see the
    docs). R: ``cfa(model, data, group = , group.equal = ...)``; ``lavTestLRT``.
    """
    bad = [s for s in steps if s not in STEPS]
    if bad:
        raise ConfigError(f"unknown invariance step(s) {', '.join(bad)}; use {', '.join(STEPS)}")
    if group not in data.columns:
        raise DataError(f"invariance: column {group!r} not found")
    if data[group].dropna().nunique() < 2:
        raise DataError(f"invariance: column {group!r} has fewer than 2 groups")
    fits = {s: fit_sem(data, model, group=group, estimator=estimator, missing=missing, std_lv=std_lv,
                       group_equal=STEPS[s], group_partial=partial if s != "configural" else ())
            for s in steps}
    return InvarianceResult(design=f"multi-group ({group})", estimator=estimator.upper(), fits=fits,
                            table=_table(fits, estimator.upper()), partial=tuple(partial))


def longitudinal_syntax(model: str, waves: tuple[str, str], step: str, partial: tuple[str, ...] = ()) -> str:
    """Wide-format syntax: one factor per wave (``F_pre``), items ``item_pre``; loadings,
    intercepts and residual variances tied across waves by labels according to ``step``; each
    item's residuals covary across waves; latent means of later waves free once intercepts are
    equal (as semTools ``measEq.syntax(longFacNames = ..., long.equal = ...)``)."""
    stmts = parse_model(model)
    eq = STEPS[step]
    lines = []
    items: list[str] = []
    for w in waves:
        for s in stmts:
            if s.op != "=~":
                continue
            lab = "" if "loadings" not in eq or f"{s.lhs}=~{s.rhs}" in partial else f"L_{s.lhs}_{s.rhs}*"
            lines.append(f"{s.lhs}_{w} =~ {lab}{s.rhs}_{w}")
            if s.rhs not in items:
                items.append(s.rhs)
    for w_i, w in enumerate(waves):
        for it in items:
            ilab = "" if "intercepts" not in eq or f"{it}~1" in partial else f"I_{it}*"
            lines.append(f"{it}_{w} ~ {ilab}1")
            rlab = "" if "residuals" not in eq or f"{it}~~{it}" in partial else f"R_{it}*"
            lines.append(f"{it}_{w} ~~ {rlab}{it}_{w}")
        if w_i > 0 and "intercepts" in eq:
            for f in dict.fromkeys(s.lhs for s in stmts if s.op == "=~"):
                lines.append(f"{f}_{w} ~ 1")
    for it in items:
        for a in range(len(waves)):
            for b in range(a + 1, len(waves)):
                lines.append(f"{it}_{waves[a]} ~~ {it}_{waves[b]}")
    return "\n".join(lines)


def longitudinal_invariance(data: pd.DataFrame, model: str, *, waves: tuple[str, str] = ("pre", "post"),
                            estimator: str = "ML", missing: str = "listwise",
                            steps: tuple[str, ...] = tuple(STEPS), partial: tuple[str, ...] = ()) -> InvarianceResult:
    """Invariance across waves answered by the same people (wide data: ``item_pre``, ``item_post``).

    R: ``cfa(longitudinal_syntax(...), data, meanstructure = TRUE)`` (the same syntax
    semTools' ``measEq.syntax`` writes for marker identification), ``lavTestLRT``.
    """
    fits = {s: fit_sem(data, longitudinal_syntax(model, waves, s, partial), estimator=estimator,
                       missing=missing, meanstructure=True) for s in steps}
    return InvarianceResult(design=f"longitudinal ({' vs '.join(waves)})", estimator=estimator.upper(),
                            fits=fits, table=_table(fits, estimator.upper()), partial=tuple(partial))


def wide_by_wave(responses: pd.DataFrame, items: list[str], *, id_cols: tuple[str, ...] = ("mentor_id", "rater_id"),
                 waves: tuple[str, str] = ("pre", "post")) -> pd.DataFrame:
    """Long responses (one row per rater and wave) to wide ``item_pre``/``item_post`` rows,
    matching raters by ``id_cols``; rows present at one wave only are dropped."""
    cols = [c for c in id_cols if c in responses.columns]
    if not cols or "wave" not in responses.columns:
        raise DataError(f"longitudinal invariance needs a 'wave' column and one of {', '.join(id_cols)}")
    parts = []
    for w in waves:
        sub = responses[responses["wave"] == w][cols + items].drop_duplicates(subset=cols)
        parts.append(sub.rename(columns={i: f"{i}_{w}" for i in items}).set_index(cols))
    wide = parts[0].join(parts[1], how="inner")
    if wide.empty:
        raise DataError(f"no rater answered both waves {waves[0]!r} and {waves[1]!r}")
    return wide.reset_index()
