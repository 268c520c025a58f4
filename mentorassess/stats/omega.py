"""McDonald's omega from a Schmid-Leiman solution, equal to ``psych::omega``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mentorassess.stats.omega import estimate_omega
>>> rng = np.random.default_rng(0)
>>> g = rng.normal(size=(400, 1)); s = rng.normal(size=(400, 3))
>>> x = pd.DataFrame(g * .6 + np.repeat(s, 3, axis=1) * .5 + rng.normal(size=(400, 9)) * .6)
>>> om = estimate_omega(x, n_factors=3)      # R: psych::omega(x, nfactors = 3)
>>> om.omega_h < om.omega_total
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError, DataQualityWarning, InsufficientDataError
from mentorassess.stats._common import (
    single_threaded_blas,
    check_items,
    check_min,
    item_frame,
    jsonable,
    pairwise_cor,
    readonly,
    smc,
    structure_of,
)
from mentorassess.stats._rotations import oblimin, promax
from mentorassess.stats.efa import fa_core, not_positive_definite_note, solution_notes

__all__ = ["OmegaResult", "estimate_omega"]


@dataclass(frozen=True, eq=False)
class OmegaResult:
    """Omega hierarchical and total (``psych::omega``).

    ``loadings`` is psych's ``$schmid$sl``: the general factor ``g``, the group factors
    ``F1*``..., then ``h2``, ``u2``, ``p2``. ``group`` is psych's ``omega.group`` (total,
    general, group omega for g and for each group factor).
    """

    items: tuple[str, ...]
    n_factors: int
    n_obs: int
    omega_h: float
    omega_total: float
    omega_limit: float
    alpha: float
    g6: float
    ecv: float
    loadings: pd.DataFrame = field(repr=False)
    group: pd.DataFrame = field(repr=False)
    phi: np.ndarray = field(repr=False)
    g_loadings: np.ndarray = field(repr=False)
    rotation: str = "oblimin"
    reflected: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        df = self.loadings.copy()
        df.insert(0, "item", df.index)
        return df.reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "omega_h": self.omega_h, "omega_total": self.omega_total, "omega_limit": self.omega_limit,
            "alpha": self.alpha, "g6": self.g6, "ecv": self.ecv, "n_factors": self.n_factors,
            "n_obs": self.n_obs, "rotation": self.rotation, "reflected": list(self.reflected),
            "loadings": self.to_frame(), "group": self.group.reset_index(names="factor"),
            "notes": list(self.notes),
        })


@single_threaded_blas
def estimate_omega(
    items: pd.DataFrame,
    structure: Any = None,
    *,
    n_factors: int | None = None,
    method: str = "minres",
    flip: bool = True,
) -> OmegaResult:
    """Omega hierarchical and omega total from a Schmid-Leiman transformation.

    Parameters
    ----------
    items : DataFrame
        Item responses (pairwise correlations, as psych).
    structure : Instrument or mapping, optional
        When given, its items select the columns and its number of competencies is the
        number of group factors (unless ``n_factors`` is given).
    n_factors : int, optional
        Number of group factors (psych's default is 3; pass it explicitly).
    method : {"minres", "ml"}
        Extraction (psych's ``fm``).
    flip : bool
        Reflect items with negative general loadings (psych's default).

    Returns
    -------
    OmegaResult

    Raises
    ------
    InsufficientDataError
        Fewer than 3 items or complete rows; more factors than items allow.

    Notes
    -----
    As psych: R = cor(x, use = "pairwise"); ``fa(R, nf, rotate = "varimax")``; GPArotation
    oblimin from the varimax solution (Promax if it fails); second-order ``fa(Phi, 1)`` for
    3+ factors (with 2, both g loadings are sqrt(phi12), psych's ``option = "equal"``);
    g = P gamma; omega_h = (sum g)^2 / sum R; omega_t = (sum R - sum u2)/sum R.
    R: ``psych::omega(x, nfactors = nf, plot = FALSE)``.
    """
    if structure is not None:
        struct = structure_of(structure)
        cols = [i for its in struct.values() for i in its]
        frame = item_frame(items, cols, what="omega")
        if n_factors is None:
            n_factors = len(struct)
    else:
        frame = item_frame(items, what="omega")
    if n_factors is None:
        n_factors = 3
    frame = frame.loc[frame.notna().any(axis=1)]
    check_items(frame, what="omega")
    check_min(frame, what="omega", min_items=3)
    names = [str(c) for c in frame.columns]
    p = len(names)
    nf = int(n_factors)
    if not 1 <= nf < p:
        raise InsufficientDataError(f"omega: n_factors must be between 1 and {p - 1}; got {nf}")
    if method not in ("minres", "ml"):
        raise ConfigError(f"method must be 'minres' or 'ml'; got {method!r}")
    notes: list[str] = []
    m = pairwise_cor(frame)
    npd = not_positive_definite_note(m, int(frame.shape[0]), "omega")
    if npd:
        notes.append(npd)
        warnings.warn(npd, DataQualityWarning, stacklevel=3)
    fact = fa_core(m, nf, method, "varimax")
    solution_notes(fact, names, "omega (Schmid-Leiman factor solution)", notes, stacklevel=4)
    orth = fact.loadings
    rotation = "oblimin"
    if nf == 1:
        fload = orth
        phi = np.ones((1, 1))
        gload = np.array([1.0])
        msg = "omega_h is not meaningful with one factor"
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
    else:
        try:
            ob = oblimin(orth)
            fload, phi = ob.loadings, ob.phi
        except (np.linalg.LinAlgError, ValueError):
            ob = promax(orth)
            fload, phi = ob.loadings, ob.phi
            rotation = "Promax"
            notes.append("the oblimin solution failed, Promax used instead")
        if nf > 2:
            second = fa_core(phi, 1, method, "none")
            gload = second.loadings[:, 0]
            solution_notes(second, [f"F{j + 1}" for j in range(nf)], "omega (second-order factor)", notes,
                           stacklevel=4)
        else:
            gload = np.array([np.sqrt(abs(phi[0, 1])), np.sign(phi[0, 1]) * np.sqrt(abs(phi[0, 1]))])
            msg = "three factors are required for identification; general loadings set equal (psych option 'equal')"
            notes.append(msg)
            warnings.warn(msg, DataQualityWarning, stacklevel=3)
    g = fload @ gload
    h2 = (orth**2).sum(axis=1)
    u2 = np.diag(m) - h2
    uniq = np.diag(m)[:, None] - fload**2
    primeload = fload * gload[None, :]
    uniq2 = np.diag(m)[:, None] - uniq - primeload**2
    uniq2[uniq2 < 0] = 0
    sm = np.sign(fload) * np.sqrt(uniq2)
    p2 = g**2 / h2
    reflected: tuple[str, ...] = ()
    if flip:
        key = np.sign(g)
        key[key == 0] = 1
        if key.sum() < p:
            m = m * np.outer(key, key)
            g = g * key
            sm = sm * key[:, None]
            reflected = tuple(names[i] for i in range(p) if key[i] < 0)
    vt = m.sum()
    gsq = g.sum() ** 2
    om_tot = (vt - u2.sum()) / vt
    alpha = ((vt - np.trace(m)) / vt) * (p / (p - 1))
    lambda6 = (vt + smc(m).sum() - np.trace(m)) / vt
    sl_cols = ["g"] + [f"F{j + 1}*" for j in range(nf)]
    sl = pd.DataFrame(np.column_stack([g, sm]), index=names, columns=sl_cols)
    ev = (sl.to_numpy() ** 2).sum(axis=0)
    ecv = ev[0] / ev.sum()
    sl["h2"] = h2
    sl["u2"] = u2
    sl["p2"] = p2
    # omega.group
    sub = np.argmax(np.abs(sm), axis=1)
    omt, omgo, omg = np.full(nf + 1, np.nan), np.full(nf + 1, np.nan), np.full(nf + 1, np.nan)
    grs = 0.0
    for grp in range(nf):
        idx = np.flatnonzero(sub == grp)
        if idx.size:
            vgr = m[np.ix_(idx, idx)].sum()
            gr = sm[idx, grp].sum()
            grs += gr**2
            omg[grp + 1] = gr**2 / vgr
            omgo[grp + 1] = g[idx].sum() ** 2 / vgr
            omt[grp + 1] = (gr**2 + g[idx].sum() ** 2) / vgr
    omgo[0] = g.sum() ** 2 / vt
    omg[0] = grs / vt
    omt[0] = om_tot
    group = pd.DataFrame({"total": omt, "general": omgo, "group": omg}, index=sl_cols)
    return OmegaResult(
        items=tuple(names), n_factors=nf, n_obs=int(frame.shape[0]), omega_h=float(gsq / vt),
        omega_total=float(om_tot), omega_limit=float(gsq / (vt - u2.sum())), alpha=float(alpha),
        g6=float(lambda6), ecv=float(ecv), loadings=sl, group=group, phi=readonly(phi),
        g_loadings=readonly(gload), rotation=rotation, reflected=reflected, notes=tuple(notes),
    )

