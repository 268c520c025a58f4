"""Ordinal (WLSMV) invariance in the layout of the psychometric report.

The report, its JSON document and the CLI show every invariance result as one table of steps
(``model, chisq, df, cfi, rmsea, srmr`` and the difference test against the previous step).
:func:`across_forms` and :func:`across_waves` run the ordinal analyses of
:mod:`mentorassess.stats.ordinal` (Wu & Estabrook steps, scaled-shifted statistics as lavaan's
WLSMV) and put them in that layout; the decision is the ordinal module's (scaled-shifted
difference test p >= .05 and dCFI > -.01), stated in the result's notes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import pandas as pd

from mentorassess.errors import DataError, DataQualityWarning
from mentorassess.stats._common import jsonable

__all__ = ["OrdinalInvarianceTable", "across_forms", "across_waves", "RULE"]

RULE = ("WLSMV (scaled-shifted χ², as lavaan), Wu & Estabrook (2016) steps: thresholds, then loadings, "
        "intercepts, residuals")


@dataclass(frozen=True, eq=False)
class OrdinalInvarianceTable:
    """An ordinal invariance result as the report's step table.

    ``result`` is the full result of :mod:`mentorassess.stats.ordinal` (estimates per step).
    """

    design: str
    n: int
    table: pd.DataFrame = field(repr=False)
    result: Any = field(repr=False)
    notes: tuple[str, ...] = ()
    estimator: str = "WLSMV"
    rule: str = RULE

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"design": self.design, "estimator": self.estimator, "n": self.n, "rule": self.rule,
                         "notes": list(self.notes), "steps": self.table})


def _table(res: Any) -> pd.DataFrame:
    t = res.to_frame()
    out = pd.DataFrame({
        "model": t["step"], "chisq": t["chisq_scaled"], "df": t["df"], "pvalue": t["pvalue_scaled"],
        "cfi": t["cfi_scaled"], "tli": t["tli_scaled"], "rmsea": t["rmsea_scaled"], "srmr": t["srmr"],
        "chisq_diff": t.get("chisq_diff"), "df_diff": t.get("df_diff"), "pvalue_diff": t.get("pvalue_diff"),
        "delta_cfi": t.get("delta_cfi"), "delta_rmsea": t.get("delta_rmsea")})
    holds = t["holds"] if "holds" in t.columns else pd.Series([None] * len(t))
    out["decision"] = [None if h is None or (isinstance(h, float) and h != h) else
                       ("invariant" if bool(h) else "not invariant") for h in holds]
    return out


def across_forms(data: pd.DataFrame, model: Mapping[str, Sequence[str]], group: str = "rater_role",
                 label: str = "forms") -> OrdinalInvarianceTable:
    """Ordinal invariance across the forms (independent groups of raters)."""
    from mentorassess.stats.ordinal import ordinal_invariance

    res = ordinal_invariance(data, model, group)
    return OrdinalInvarianceTable(design=f"multi-group ({group}), ordinal", n=int(sum(res.n_obs.values())),
                                  table=_table(res), result=res, notes=tuple(res.notes))


def across_waves(data: pd.DataFrame, model: Mapping[str, Sequence[str]], waves: tuple[str, str], *,
                 wave: str = "wave", id: Sequence[str] = ("mentor_id", "rater_id")) -> OrdinalInvarianceTable:
    """Ordinal invariance across two waves: paired raters when ids link the waves, else waves as groups.

    The paired model (one group, ``item.pre ~~ item.post``) is used when raters can be paired; when
    no rater answered at both waves (anonymous surveys), the waves are compared as independent
    groups and the result says so in ``notes`` (the tests are then approximate).
    """
    from mentorassess.stats.ordinal import ordinal_longitudinal_invariance, waves_as_groups

    sel = data[data[wave].astype(str).isin(waves)]
    ids = [c for c in id if c in sel.columns]
    paired = bool(ids) and sel[ids].notna().all(axis=1).any() and \
        sel.dropna(subset=ids).groupby(ids, dropna=True)[wave].nunique().ge(2).sum() >= 10
    if paired:
        res = ordinal_longitudinal_invariance(sel, model, wave=wave, id=tuple(ids), waves=waves)
        notes = tuple(res.notes)  # they say how many raters were left out and why
        return OrdinalInvarianceTable(design=f"longitudinal ({waves[0]} vs {waves[1]}), paired raters, ordinal",
                                      n=int(res.n_pairs), table=_table(res), result=res, notes=notes)
    if sel[wave].astype(str).nunique() < 2:
        raise DataError("invariance across waves needs responses at both waves", column=wave)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # the note carries it
        res = waves_as_groups(sel.assign(**{wave: sel[wave].astype(str)}), model, wave)
    return OrdinalInvarianceTable(design=f"waves as groups ({waves[0]} vs {waves[1]}), ordinal",
                                  n=int(sum(res.n_obs.values())), table=_table(res), result=res,
                                  notes=tuple(res.notes))
