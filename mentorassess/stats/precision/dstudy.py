"""D-study: how reliable a mentor's mean is for n'_r mentees and n'_i items.

From a :class:`~mentorassess.stats.precision.gstudy.GStudy`: G and Phi over a grid of mentee and
item numbers, the number of mentees needed for a target (.70, .80):
``n'_r = (s2_r:m + s2_res/n'_i) / (s2_m (1 - G*)/G* - s2_mi/n'_i)`` (for Phi ``s2_mi`` is
replaced by ``s2_mi + s2_i``); the target cannot be reached with any number of mentees when the
denominator is <= 0, because mentor x item variance caps G at ``s2_m/(s2_m + s2_mi/n'_i)``.
Per-mentor reliability is G at that mentor's own number of mentees.

Examples
--------
>>> import pandas as pd
>>> from mentorassess.stats.precision.gstudy import g_study
>>> g = "655 544 665 555 555 565 444 554 455 555 655 644"
>>> d = pd.DataFrame({"mentor": [m for m in range(4) for _ in range(9)],
...                   "rater": [r for r in range(12) for _ in range(3)],
...                   "item": [i for _ in range(12) for i in range(3)],
...                   "score": [int(c) for c in g.replace(" ", "")]})
>>> ds = d_study(g_study(d), items=(3, 26))
>>> ds.needed.query("n_items == 26 and coefficient == 'G'")["raters_exact"].round(2).tolist()
[40.53, 166.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError
from mentorassess.stats.precision.gstudy import GStudy

__all__ = ["DStudy", "d_study", "raters_needed", "mentor_reliability"]


@dataclass(frozen=True)
class DStudy:
    """D-study tables for one G-study.

    ``table``: ``n_raters, n_items, g, phi, rel_error, abs_error`` over the grid.
    ``needed``: per target, number of items and coefficient (``G``/``Phi``): ``raters_exact``
    (the fractional solution), ``raters`` (rounded up; NaN when unreachable), ``reachable``,
    ``cap`` (the coefficient with infinitely many mentees).
    """

    table: pd.DataFrame = field(repr=False)
    needed: pd.DataFrame = field(repr=False)
    label: str = ""

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def statement(self, target: float = 0.70, n_items: int | None = None, coefficient: str = "G") -> str:
        """A sentence: mentees needed for ``target`` (or that it cannot be reached)."""
        t = self.needed[(self.needed["target"] == target) & (self.needed["coefficient"] == coefficient)]
        if n_items is not None:
            t = t[t["n_items"] == n_items]
        if t.empty:
            raise ConfigError(f"no D-study row for target {target} and {n_items} items")
        r = t.iloc[0]
        if not r["reachable"]:
            return (f"{coefficient} = {target:.2f} cannot be reached with {int(r['n_items'])} items whatever the "
                    f"number of mentees (at most {r['cap']:.2f})")
        return f"{int(r['raters'])} mentees give {coefficient} >= {target:.2f} with {int(r['n_items'])} items"


def raters_needed(g: GStudy, target: float, n_items: float, coefficient: str = "G") -> tuple[float, float]:
    """(fractional number of raters for ``target``, cap); the first is inf when unreachable."""
    if not 0 < target < 1:
        raise ConfigError(f"target must be in (0, 1); got {target!r}")
    m, r, i, mi, e = g._v()
    item_part = mi + (i if coefficient == "Phi" else 0.0)
    cap = m / (m + item_part / n_items) if m + item_part / n_items > 0 else float("nan")
    den = m * (1 - target) / target - item_part / n_items
    if m <= 0 or den <= 0:
        return math.inf, cap
    return (r + e / n_items) / den, cap


def d_study(g: GStudy, *, raters: Sequence[int] = tuple(range(1, 16)), items: Sequence[int] | None = None,
            targets: Sequence[float] = (0.70, 0.80)) -> DStudy:
    """G and Phi for every (n'_r, n'_i) in ``raters`` x ``items`` and the mentees needed for ``targets``.

    ``items`` defaults to the G-study's number of items.
    """
    items = (g.n_items,) if items is None else tuple(dict.fromkeys(int(i) for i in items))
    if any(i < 1 for i in items) or any(int(r) < 1 for r in raters):
        raise ConfigError("numbers of raters and items must be at least 1")
    rows = []
    for ni in items:
        for nr in raters:
            rel, ab = g.error_variances(nr, ni)
            rows.append({"n_raters": int(nr), "n_items": ni, "g": g.g_coefficient(nr, ni),
                         "phi": g.phi_coefficient(nr, ni), "rel_error": float(rel), "abs_error": float(ab)})
    need = []
    for ni in items:
        for coef in ("G", "Phi"):
            for t in targets:
                exact, cap = raters_needed(g, t, ni, coef)
                ok = math.isfinite(exact)
                need.append({"target": float(t), "n_items": ni, "coefficient": coef,
                             "raters_exact": exact if ok else np.nan,
                             "raters": float(max(1, math.ceil(exact - 1e-9))) if ok else np.nan,
                             "reachable": ok, "cap": cap})
    return DStudy(table=pd.DataFrame(rows), needed=pd.DataFrame(need), label=g.label)


def mentor_reliability(g: GStudy, n_raters: pd.Series, n_items: int | None = None) -> pd.DataFrame:
    """G and Phi of each mentor's mean at that mentor's number of raters.

    ``n_raters`` is indexed by mentor id; returns ``mentor_id, n_raters, g, phi``.
    """
    ni = g.n_items if n_items is None else n_items
    nr = n_raters.astype(float)
    return pd.DataFrame({"mentor_id": n_raters.index, "n_raters": n_raters.to_numpy(int),
                         "g": np.atleast_1d(g.g_coefficient(nr.to_numpy(), ni)),
                         "phi": np.atleast_1d(g.phi_coefficient(nr.to_numpy(), ni))})
