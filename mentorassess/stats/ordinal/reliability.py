"""Ordinal alpha and omega (reliability on the latent-response scale, or of the sum score)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .._common import single_threaded_blas, jsonable
from ._bvn import bvn_cdf
from ._data import prepare
from ._estimate import two_step
from .polychoric import PolychoricResult, _result as _poly_result
from .wlsmv import WLSMVResult, cfa_wlsmv

__all__ = ["OrdinalReliabilityResult", "ordinal_reliability", "ordinal_alpha", "omega_categorical"]

COLUMNS = ["scale", "n_items", "n_alpha", "alpha_ordinal", "n_omega", "omega_ordinal_latent",
           "omega_ordinal_observed"]


@dataclass(frozen=True)
class OrdinalReliabilityResult:
    """Ordinal alpha and omega per scale.

    Columns of :meth:`to_frame`:

    ``alpha_ordinal``
        Zumbo, Gadermann & Zeisser (2007): standardized alpha k/(k-1)(1 - k/sum R) on the
        pairwise polychoric matrix R (``psych::alpha(polychoric(x)$rho)``, with lavaan's R).
    ``omega_ordinal_latent``
        (sum lambda)^2 phi / sum R from the WLSMV CFA (R: its listwise polychoric matrix);
        ``semTools::compRelSEM(fit, ord.scale = FALSE)``. Reliability of the sum of the latent
        responses y*, not of the observed score.
    ``omega_ordinal_observed``
        Green & Yang (2009): reliability of the observed sum score implied by the CFA;
        ``semTools::compRelSEM(fit)`` (default ``ord.scale = TRUE``).

    None of these is the reliability of the 1-7 mean score on its own metric in the way
    Pearson alpha is; ``omega_ordinal_observed`` comes closest (it is for the sum of the codes
    when categories are equally spaced).
    """

    table: pd.DataFrame
    polychoric: PolychoricResult
    cfa: WLSMVResult | None
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"table": self.table.to_dict(orient="records"), "notes": list(self.notes)})


def ordinal_alpha(r: np.ndarray) -> float:
    """Standardized alpha of a correlation matrix: k/(k-1) * (1 - k / sum(R)).

    >>> round(ordinal_alpha(np.array([[1, .5], [.5, 1]])), 4)
    0.6667
    """
    r = np.asarray(r, float)
    k = r.shape[0]
    return float(k / (k - 1) * (1 - k / r.sum()))


def omega_categorical(loadings: np.ndarray, phi: float, thresholds: Sequence[Sequence[float]],
                      r: np.ndarray) -> float:
    """Green & Yang (2009) reliability of the sum score of ordinal items (semTools ``omegaCat``).

    Numerator: sum over item pairs and threshold pairs of Phi2(t_c, t_c', lambda_j lambda_j' phi)
    - Phi(t_c) Phi(t_c'); denominator the same with the (observed) polychoric correlation, 1 on
    the diagonal. Delta parameterization (scale factors 1).
    """
    lam = np.asarray(loadings, float)
    common = np.outer(lam, lam) * phi
    num = den = 0.0
    k = len(lam)
    for j in range(k):
        tj = np.asarray(thresholds[j], float)
        for jp in range(k):
            tp = np.asarray(thresholds[jp], float)
            h, kk = np.meshgrid(tj, tp, indexing="ij")
            marg = np.sum(_ndtr(tj)) * np.sum(_ndtr(tp))
            num += float(bvn_cdf(h, kk, np.full(h.shape, common[j, jp])).sum()) - marg
            den += float(bvn_cdf(h, kk, np.full(h.shape, 1.0 if j == jp else r[j, jp])).sum()) - marg
    return num / den


def _ndtr(x):
    from scipy.special import ndtr

    return ndtr(x)


@single_threaded_blas
def ordinal_reliability(data: pd.DataFrame, model: Mapping[str, Sequence[str]] | None = None) -> OrdinalReliabilityResult:
    """Ordinal alpha (polychoric) and ordinal omega (WLSMV CFA) per scale.

    Parameters
    ----------
    data : DataFrame
        Ordered item responses.
    model : mapping factor -> items, optional
        Scales (competencies). Default: all columns form one scale with one factor. With a
        mapping, alpha is computed per scale and omega from one correlated-factors WLSMV CFA.

    Returns
    -------
    OrdinalReliabilityResult

    Raises
    ------
    DataError, InsufficientDataError, ConfigError
        As :func:`polychoric` and :func:`cfa_wlsmv` (items named).

    Examples
    --------
    >>> import pandas as pd
    >>> s = ("5555 2311 3212 3323 1213 2423 3444 4352 3244 5553 3434 5555 5555 2433 5554 4434 "
    ...      "3313 2434 3442 3545 4542 4445 5555 2112")
    >>> x = pd.DataFrame([[int(c) for c in w] for w in s.split()], columns=["i1", "i2", "i3", "i4"])
    >>> rel = ordinal_reliability(x).to_frame()
    >>> [round(float(rel.loc[0, c]), 4) for c in ("alpha_ordinal", "omega_ordinal_latent", "omega_ordinal_observed")]
    [0.9076, 0.9202, 0.906]
    """
    if model is None:
        cols = [str(c) for c in data.columns]
        model = {"scale": cols}
    scales = {str(k): [str(i) for i in v] for k, v in model.items()}
    all_items = [i for v in scales.values() for i in v]
    od = prepare(data, all_items, what="ordinal reliability")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the CFA and the matrix below report their own notes
        poly = _poly_result(od, two_step(od), n_rows=len(data))
    fit = cfa_wlsmv(data, scales)  # its Heywood / convergence warnings reach the caller
    notes = list(fit.notes)
    rows = []
    est = fit.estimates
    idx = {it: j for j, it in enumerate(fit.items)}
    for name, its in scales.items():
        sel = [all_items.index(i) for i in its]
        r_pair = poly.correlation[np.ix_(sel, sel)]
        lam = est[(est["op"] == "=~") & (est["lhs"] == name)].set_index("rhs").loc[its, "est"].to_numpy()
        phi = float(est[(est["op"] == "~~") & (est["lhs"] == name) & (est["rhs"] == name)]["est"].iloc[0])
        jj = [idx[i] for i in its]
        r_lw = fit.polychoric[np.ix_(jj, jj)]
        latent = float(lam.sum() ** 2 * phi / r_lw.sum())
        ths = [_thresholds(est, i) for i in its]
        observed = omega_categorical(lam, phi, ths, r_lw)
        rows.append({"scale": name, "n_items": len(its), "n_alpha": int(np.min(poly.n_pairs[np.ix_(sel, sel)])),
                     "alpha_ordinal": ordinal_alpha(r_pair), "n_omega": fit.n_obs,
                     "omega_ordinal_latent": latent, "omega_ordinal_observed": observed})
    table = pd.DataFrame(rows, columns=COLUMNS)
    notes.append("alpha: pairwise polychoric matrix (n_alpha = smallest pair count); omega: WLSMV CFA on "
                 "complete rows (n_omega)")
    return OrdinalReliabilityResult(table, poly, fit, tuple(notes))


def _thresholds(est: pd.DataFrame, item: str) -> np.ndarray:
    t = est[(est["op"] == "|") & (est["lhs"] == item)]
    return t["est"].to_numpy()
