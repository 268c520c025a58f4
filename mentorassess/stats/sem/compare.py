"""Competing CFA models of an instrument: one factor, correlated factors, second order.

:func:`compare_models` fits, with lavaan's ``cfa()`` defaults (ML, listwise deletion, marker
variables), the three models a reviewer asks for when the competencies may be facets of one skill:

* ``one_factor``: every item on one factor (``general =~ all items``);
* ``correlated``: each item on its competency, the competencies correlated (the instrument model);
* ``second_order``: the competencies as indicators of one higher-order factor
  (``general =~ F1 + F2 + ...``). It needs at least 3 first-order factors: with 2, the
  higher-order loadings are not identified (one correlation, two loadings); with 3 it is
  just-identified at the higher level and fits exactly as the correlated model.

A model that cannot be identified is listed with the reason instead of numbers.
:func:`standardized_loadings` is lavaan's ``standardizedSolution()`` (``std.all``) of the ``=~`` rows.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> g = rng.normal(size=(400, 1))
>>> f = 0.8 * g + 0.6 * rng.normal(size=(400, 3))
>>> x = pd.DataFrame(np.repeat(f, 3, axis=1) * 0.8 + rng.normal(size=(400, 9)) * 0.6,
...                  columns=[f"x{i}" for i in range(9)])
>>> cmp = compare_models(x, {"a": ["x0", "x1", "x2"], "b": ["x3", "x4", "x5"], "c": ["x6", "x7", "x8"]})
>>> cmp.to_frame()[["model", "df"]].to_dict("list")
{'model': ['one_factor', 'correlated', 'second_order'], 'df': [27, 24, 24]}
>>> compare_models(x[["x0", "x1", "x2", "x3", "x4", "x5"]],
...                {"a": ["x0", "x1", "x2"], "b": ["x3", "x4", "x5"]}).model("second_order").reason
'not identifiable: a second-order factor needs at least 3 first-order factors (there are 2)'
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mentorassess.errors import InsufficientDataError, MentorAssessWarning
from mentorassess.stats._common import jsonable, structure_of

__all__ = ["ModelFit", "ModelComparison", "compare_models", "standardized_loadings", "MODEL_LABELS"]

MODEL_LABELS = {"one_factor": "One factor", "correlated": "Correlated factors",
                "second_order": "Second-order factor"}
FIT_KEYS = ("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr",
            "aic", "bic")


def standardized_loadings(parameters: pd.DataFrame) -> pd.DataFrame:
    """``std.all`` of the ``=~`` rows of a single-group parameter table (lavaan ``standardizedSolution``).

    Item loadings: est * sd(factor) / sd(item), with model-implied variances; loadings of a
    first-order factor on a higher-order one: est * sd(higher) / sd(first-order).
    Columns ``lhs, rhs, est, std_all``.

    >>> p = pd.DataFrame({"lhs": ["f", "f", "a", "b", "f"], "op": ["=~", "=~", "~~", "~~", "~~"],
    ...                   "rhs": ["a", "b", "a", "b", "f"], "est": [1.0, 0.5, 1.0, 1.0, 2.0]})
    >>> [round(v, 4) for v in standardized_loadings(p)["std_all"]]
    [0.8165, 0.5774]
    """
    p = parameters
    load = p[p["op"] == "=~"]
    lat = list(dict.fromkeys(load["lhs"]))
    obs = [v for v in dict.fromkeys(load["rhs"]) if v not in lat]
    li, oi = {v: i for i, v in enumerate(lat)}, {v: i for i, v in enumerate(obs)}
    lam, beta = np.zeros((len(obs), len(lat))), np.zeros((len(lat), len(lat)))
    psi, theta = np.zeros((len(lat), len(lat))), np.zeros((len(obs), len(obs)))
    for r in load.itertuples(index=False):
        if r.rhs in li:
            beta[li[r.rhs], li[r.lhs]] = r.est
        else:
            lam[oi[r.rhs], li[r.lhs]] = r.est
    for r in p[p["op"] == "~~"].itertuples(index=False):
        for mat, idx in ((psi, li), (theta, oi)):
            if r.lhs in idx and r.rhs in idx:
                mat[idx[r.lhs], idx[r.rhs]] = mat[idx[r.rhs], idx[r.lhs]] = r.est
    a = np.linalg.inv(np.eye(len(lat)) - beta)
    lv = a @ psi @ a.T
    sigma = lam @ lv @ lam.T + theta
    sd_lv = np.sqrt(np.maximum(np.diag(lv), 0.0))
    sd_ob = np.sqrt(np.maximum(np.diag(sigma), 0.0))
    out = []
    for r in load.itertuples(index=False):
        with np.errstate(divide="ignore", invalid="ignore"):
            den = sd_lv[li[r.rhs]] if r.rhs in li else sd_ob[oi[r.rhs]]
            out.append({"lhs": r.lhs, "rhs": r.rhs, "est": float(r.est),
                        "std_all": float(r.est * sd_lv[li[r.lhs]] / den) if den > 0 else float("nan")})
    return pd.DataFrame(out, columns=["lhs", "rhs", "est", "std_all"])


@dataclass(frozen=True)
class ModelFit:
    """One model: its syntax, the fit (``SemFit``) or, when it was not fitted, the reason."""

    name: str
    syntax: str
    fit: Any = field(default=None, repr=False)
    reason: str | None = None

    @property
    def fitted(self) -> bool:
        return self.fit is not None

    def loadings(self) -> pd.DataFrame:
        """``std.all`` of every ``=~`` row (empty when not fitted)."""
        if self.fit is None:
            return pd.DataFrame(columns=["lhs", "rhs", "est", "std_all"])
        return standardized_loadings(self.fit.parameters)


@dataclass(frozen=True)
class ModelComparison:
    """The three models (:func:`compare_models`); ``general`` names the general factor."""

    models: tuple[ModelFit, ...]
    general: str = "general"
    structure: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def model(self, name: str) -> ModelFit:
        return next(m for m in self.models if m.name == name)

    def to_frame(self) -> pd.DataFrame:
        """One row per model: lavaan's fit measures (NaN when not fitted), convergence, the reason."""
        rows = []
        for m in self.models:
            fm = m.fit.fit_measures() if m.fit is not None else {}
            row: dict[str, Any] = {"model": m.name, "label": MODEL_LABELS[m.name],
                                   "n_obs": m.fit.n_obs if m.fit is not None else np.nan}
            for k in FIT_KEYS:
                row[k.replace(".ci.lower", "_ci_low").replace(".ci.upper", "_ci_high")] = fm.get(k, np.nan)
            row["converged"] = bool(m.fit.converged) if m.fit is not None else None
            row["notes"] = "; ".join(m.fit.notes) if m.fit is not None else ""
            row["reason"] = m.reason or ""
            rows.append(row)
        return pd.DataFrame(rows)

    def loadings(self) -> pd.DataFrame:
        """Item loadings (std.all) side by side: ``item, factor`` (its competency), one column per model."""
        rows = []
        for f, its in self.structure.items():
            for it in its:
                rows.append({"item": it, "factor": f})
        out = pd.DataFrame(rows, columns=["item", "factor"])
        for m in self.models:
            ld = m.loadings()
            ld = ld[~ld["rhs"].isin(self.structure)]
            out[m.name] = out["item"].map(dict(zip(ld["rhs"], ld["std_all"]))).astype(float)
        return out

    def higher_order(self) -> pd.DataFrame:
        """Loadings (std.all) of the competencies on the second-order factor (empty when not fitted)."""
        ld = self.model("second_order").loadings()
        ld = ld[ld["rhs"].isin(self.structure)]
        return pd.DataFrame({"factor": ld["rhs"].to_numpy(), "std_all": ld["std_all"].to_numpy(dtype=float)})

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"general": self.general, "fit": self.to_frame(), "loadings": self.loadings(),
                         "higher_order": self.higher_order()})


def _syntaxes(struct: dict[str, list[str]], general: str) -> dict[str, tuple[str, str | None]]:
    items = [i for its in struct.values() for i in its]
    first = "\n".join(f"{f} =~ {' + '.join(its)}" for f, its in struct.items())
    k = len(struct)
    out: dict[str, tuple[str, str | None]] = {
        "one_factor": (f"{general} =~ {' + '.join(items)}",
                       None if len(items) >= 3 else f"not identifiable: one factor needs at least 3 items "
                                                    f"(there are {len(items)})")}
    small = [f for f, its in struct.items() if len(its) < 2]
    corr_reason = None
    if k < 2:
        corr_reason = "not applicable: the instrument has one competency (the one-factor model)"
    elif small:
        corr_reason = f"not identifiable: {', '.join(small)} has fewer than 2 items"
    out["correlated"] = (first, corr_reason)
    so_reason = corr_reason
    if so_reason is None and k < 3:
        so_reason = f"not identifiable: a second-order factor needs at least 3 first-order factors (there are {k})"
    out["second_order"] = (first + f"\n{general} =~ {' + '.join(struct)}", so_reason)
    return out


def compare_models(data: pd.DataFrame, structure: Any, *, general: str = "general") -> ModelComparison:
    """Fit the one-factor, correlated-factors and second-order CFA models (lavaan ``cfa()`` defaults).

    Parameters
    ----------
    data : DataFrame
        Item responses (columns named by item id); rows with a missing item are deleted (listwise).
    structure : Instrument, str or mapping
        The competencies ``{factor: [items]}`` (an instrument's, its id or YAML path, or a plain mapping).
    general : str
        Name of the general / higher-order factor (made unique against the competency names).

    Returns
    -------
    ModelComparison
        A model that is not identified, or cannot be fitted (too few complete rows, a singular
        covariance matrix), has ``fit = None`` and a ``reason``. Estimation warnings (Heywood
        cases, non-convergence) stay in each fit's ``notes`` and are re-emitted.

    Notes
    -----
    R: ``lavaan::cfa(model, data)`` and ``standardizedSolution(fit)`` per model, e.g.
    ``general =~ communication + expectations + ...`` for the second-order factor
    (tests/reference/models/make_models.R).
    """
    from mentorassess.stats.sem import fit_sem

    if isinstance(structure, str):  # a built-in instrument id or a YAML path
        from mentorassess.instruments import load_instrument

        structure = load_instrument(structure)
    struct = {str(f): [str(i) for i in its] for f, its in structure_of(structure).items()}
    while general in struct:
        general += "_"
    models = []
    for name, (syntax, reason) in _syntaxes(struct, general).items():
        fit = None
        if reason is None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", MentorAssessWarning)
                try:
                    fit = fit_sem(data, syntax)
                except InsufficientDataError as exc:
                    reason = f"not fitted: {exc.summary or exc}"
            for w in caught:
                warnings.warn(f"{MODEL_LABELS[name]} model: {w.message}", w.category, stacklevel=2)
        models.append(ModelFit(name=name, syntax=syntax, fit=fit, reason=reason))
    return ModelComparison(models=tuple(models), general=general,
                           structure={f: tuple(its) for f, its in struct.items()})
