"""Omega hierarchical and total from a fitted bifactor model (``psych::omegaSem``-like).

omega_h = (sum of standardized general loadings)^2 / V, omega_t = [(sum g)^2 + sum over specific
factors of (sum of their standardized loadings)^2] / V, with V the sum of the observed
correlation matrix (psych's convention, ``omega_h``, ``omega_total``) or of the model-implied one
(``*_model``, semTools' ``obs.var = FALSE`` logic). Needs an orthogonal bifactor model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError
from mentorassess.stats._common import item_frame, jsonable, pairwise_cor

__all__ = ["BifactorOmega", "bifactor_omega"]


@dataclass(frozen=True)
class BifactorOmega:
    general: str
    omega_h: float
    omega_total: float
    omega_h_model: float
    omega_total_model: float
    ecv: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)


def bifactor_omega(fit: Any, data: pd.DataFrame, *, general: str = "g") -> BifactorOmega:
    """Omega from a single-group bifactor :class:`~mentorassess.stats.sem.SemFit`.

    R: with ``f <- cfa(bifactor, x, std.lv = TRUE, orthogonal = TRUE)`` and ``L`` the ``=~``
    rows of ``standardizedSolution(f)``: ``sum(L$est.std[L$lhs == "g"])^2 / sum(cor(x))``.
    """
    p = fit.parameters
    load = p[p["op"] == "=~"]
    if general not in set(load["lhs"]):
        raise ConfigError(f"bifactor omega: no general factor {general!r} in the model")
    items = list(dict.fromkeys(load["rhs"]))
    lv = p[(p["op"] == "~~") & (p["lhs"] == p["rhs"])]
    var = dict(zip(lv["lhs"], lv["est"]))
    lam = {}
    for f in dict.fromkeys(load["lhs"]):
        rows = load[load["lhs"] == f]
        lam[f] = pd.Series(rows["est"].to_numpy() * np.sqrt(var[f]), index=rows["rhs"].to_numpy())
    theta = pd.Series({it: var[it] for it in items})
    # model-implied variances (orthogonal factors): sum of squared loadings + residual
    implied = sum((lam[f].reindex(items).fillna(0) ** 2) for f in lam) + theta
    sd = np.sqrt(implied)
    std = {f: lam[f] / sd[lam[f].index] for f in lam}
    lmat = pd.DataFrame({f: std[f].reindex(items).fillna(0.0) for f in std})
    r_model = lmat.to_numpy() @ lmat.to_numpy().T
    np.fill_diagonal(r_model, 1.0)
    gs = float(std[general].sum() ** 2)
    ss = float(sum(std[f].sum() ** 2 for f in std if f != general))
    r_obs = pairwise_cor(item_frame(data, items, what="bifactor omega"))
    ecv = float((std[general] ** 2).sum() / sum((std[f] ** 2).sum() for f in std))
    return BifactorOmega(general=general, omega_h=gs / r_obs.sum(), omega_total=(gs + ss) / r_obs.sum(),
                         omega_h_model=gs / r_model.sum(), omega_total_model=(gs + ss) / r_model.sum(), ecv=ecv)
