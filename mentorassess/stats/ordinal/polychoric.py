"""Polychoric correlations and thresholds, equal to ``lavaan::lavCor(x, ordered = names(x))``."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ...errors import DataError, DataQualityWarning, Problem
from .._common import single_threaded_blas, frozen_map, jsonable, matrix_frame, readonly
from ._data import OrdinalData, prepare
from ._estimate import TwoStep, two_step

__all__ = ["PolychoricResult", "polychoric"]


@dataclass(frozen=True)
class PolychoricResult:
    """Thresholds and pairwise polychoric correlations.

    Attributes
    ----------
    items : tuple of str
    correlation : ndarray
        (p, p) polychoric correlations (not smoothed; see ``positive_definite``).
    thresholds : mapping item -> tuple of float
        tau_k = qnorm(share of answers <= the k-th observed category), one per boundary
        between observed categories.
    levels : mapping item -> tuple of float
        The observed categories (an unused scale point has no threshold, as in lavaan).
    n_pairs : ndarray
        Complete answer pairs behind each correlation (pairwise deletion).
    positive_definite : bool
    notes : tuple of str
        Empty-cell tables, 2 x 2 corrections, correlations near +/-1.
    """

    items: tuple[str, ...]
    correlation: np.ndarray
    thresholds: Mapping[str, tuple[float, ...]]
    levels: Mapping[str, tuple[float, ...]]
    n_pairs: np.ndarray
    n_rows: int
    positive_definite: bool
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The correlation matrix with item labels."""
        return matrix_frame(self.correlation, self.items, self.items)

    def thresholds_frame(self) -> pd.DataFrame:
        """One row per threshold: item, name (t1, t2, ...), the categories it separates, value."""
        rows = []
        for it in self.items:
            lv = self.levels[it]
            for k, t in enumerate(self.thresholds[it]):
                rows.append({"item": it, "threshold": f"t{k + 1}", "between": f"{lv[k]:g}|{lv[k + 1]:g}",
                             "value": t})
        return pd.DataFrame(rows, columns=["item", "threshold", "between", "value"])

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"items": list(self.items), "correlation": self.correlation.tolist(),
                         "thresholds": {k: list(v) for k, v in self.thresholds.items()},
                         "levels": {k: list(v) for k, v in self.levels.items()},
                         "n_pairs": self.n_pairs.tolist(), "positive_definite": self.positive_definite,
                         "notes": list(self.notes)})


@single_threaded_blas
def polychoric(data: pd.DataFrame, items: Sequence[str] | None = None) -> PolychoricResult:
    """Polychoric correlation matrix by lavaan's two-step ML, with pairwise deletion.

    Parameters
    ----------
    data : DataFrame
        Ordered item responses (whole numbers; NaN for missing).
    items : sequence of str, optional
        Columns to use (default: all).

    Returns
    -------
    PolychoricResult

    Raises
    ------
    DataError
        An item is constant or all missing, holds non-integer codes, or two items have fewer
        than two answers in common (each problem names the item or pair).
    InsufficientDataError
        Fewer than 10 rows with an answer, or fewer than 2 items.

    Warns
    -----
    DataQualityWarning
        A correlation is (nearly) +/-1 (|rho| > .99, lavaan warns too), or the matrix is not
        positive definite (it is returned unsmoothed; psych would smooth it).

    Notes
    -----
    Step 1: tau = qnorm(cumulative proportions) per item over its own answers. Step 2: per
    pair, rho maximises sum n_ab log pi_ab(rho; tau) with tau fixed (Olsson 1979), on
    [-.999, .999], cell probabilities floored at 1.5e-8. Empty cells get no correction except
    in 2 x 2 tables (lavaan's ``zero.add = c(0.5, 0)``, margins kept). psych::polychoric uses the
    same thresholds and likelihood but ``optimize`` (about 1e-5 less precise) and, when items
    have different maximum codes, switches to ``global = FALSE`` and adds .5/N to every empty
    cell, which changes rho a lot on sparse tables; pass ``correct = 0`` to psych to compare.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 1, 2],
    ...                   "b": [1, 1, 2, 3, 2, 3, 4, 5, 5, 4, 2, 2]})
    >>> r = polychoric(x)
    >>> round(float(r.correlation[0, 1]), 4)
    0.9358
    >>> [round(t, 4) for t in r.thresholds["a"]]
    [-0.9674, -0.2104, 0.4307, 0.9674]
    """
    od = prepare(data, items, what="polychoric")
    ts = two_step(od)
    return _result(od, ts, n_rows=len(data))


def _result(od: OrdinalData, ts: TwoStep, *, n_rows: int) -> PolychoricResult:
    items = od.items
    short = [(items[j], items[i], int(n)) for (i, j), n in zip(ts.pairs, ts.n_pairs) if n < 2]
    if short:
        raise DataError.from_problems(
            [Problem(f"items {a!r} and {b!r} have {n} answer pair(s) in common; their polychoric correlation "
                     "is not estimable", column=a, code="no-overlap") for a, b, n in short],
            summary="polychoric: pairs without enough common answers")
    notes = []
    zc = int(ts.zero_cells.sum())
    if zc:
        notes.append(f"{zc} of {len(ts.pairs)} bivariate tables have empty cells (no correction, as lavaan)")
    for (i, j), rule in zip(ts.pairs, ts.two_by_two_rule):
        if rule:
            notes.append(f"{items[j]} x {items[i]}: 2 x 2 table, {rule}")
    near = [f"{items[j]} and {items[i]} ({r:.3f})" for (i, j), r in zip(ts.pairs, ts.rho_vec) if abs(r) > 0.99]
    if near:
        msg = f"polychoric correlation (nearly) +/-1 between {', '.join(near)}"
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
        notes.append(msg)
    if ts.not_converged.any():
        bad = [f"{items[i]}-{items[j]}" for (i, j), c in zip(ts.pairs, ts.not_converged) if c]
        notes.append(f"estimation did not converge for {', '.join(bad)}")
        warnings.warn(notes[-1], DataQualityWarning, stacklevel=3)
    ev = np.linalg.eigvalsh(ts.rho)
    pd_ok = bool(ev.min() > 0)
    if not pd_ok:
        msg = (f"the polychoric matrix is not positive definite (smallest eigenvalue {ev.min():.3g}); it is "
               "returned as estimated (lavaan does the same; psych would smooth it)")
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
        notes.append(msg)
    fewer = [f"{it} ({len(lv)} categories: {', '.join(f'{v:g}' for v in lv)})"
             for it, lv in zip(items, od.levels) if len(lv) < max(len(x) for x in od.levels)]
    if fewer:
        notes.append("items with fewer observed categories (no threshold for unused ones): " + "; ".join(fewer))
    n_pairs = np.zeros((len(items), len(items)))
    n_pairs[ts.pairs[:, 0], ts.pairs[:, 1]] = ts.n_pairs
    n_pairs = n_pairs + n_pairs.T
    np.fill_diagonal(n_pairs, (od.codes >= 0).sum(axis=0))
    return PolychoricResult(
        items=items, correlation=readonly(ts.rho),
        thresholds=frozen_map({it: tuple(float(t) for t in th) for it, th in zip(items, ts.thresholds)}),
        levels=frozen_map(dict(zip(items, od.levels))), n_pairs=readonly(n_pairs), n_rows=n_rows,
        positive_definite=pd_ok, notes=tuple(notes))
