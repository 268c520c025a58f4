"""G-study: ratings of raters nested in mentors, crossed with items, the (r:m) x i design.

Variance components of mentor (m), rater within mentor (r:m), item (i), mentor x item (mi) and
the residual (ri:m,e) by REML, equal to
``lmer(score ~ 1 + (1|mentor) + (1|mentor:rater) + (1|item) + (1|mentor:item), REML = TRUE)``;
on a balanced design also the ANOVA (expected mean squares) estimates (Brennan 2001, ch. 3-4;
Shavelson & Webb 1991). G (relative) and Phi (absolute) coefficients of a mentor's mean over
n'_r raters and n'_i items:
``delta^2 = s2_mi/n'_i + s2_r:m/n'_r + s2_res/(n'_r n'_i)``, ``Delta^2 = delta^2 + s2_i/n'_i``,
``G = s2_m/(s2_m + delta^2)``, ``Phi = s2_m/(s2_m + Delta^2)``.

Examples
--------
>>> import pandas as pd
>>> g = "655 544 665 555 555 565 444 554 455 555 655 644"
>>> d = pd.DataFrame({"mentor": [m for m in range(4) for _ in range(9)],
...                   "rater": [r for r in range(12) for _ in range(3)],
...                   "item": [i for _ in range(12) for i in range(3)],
...                   "score": [int(c) for c in g.replace(" ", "")]})
>>> gs = g_study(d)
>>> gs.method, round(gs.variance("mentor"), 6), round(gs.g_coefficient(3, 3), 6)
('ANOVA', 0.013889, 0.136364)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError, DataError, InsufficientDataError
from mentorassess.stats._common import single_threaded_blas
from mentorassess.stats.precision._mixed import Design, Term, fit

__all__ = ["GStudy", "g_study", "COMPONENTS"]

COMPONENTS = ("mentor", "rater:mentor", "item", "mentor:item", "residual")


@dataclass(frozen=True)
class GStudy:
    """Variance components of the (r:m) x i design and the coefficients derived from them.

    ``components``: one row per component (``COMPONENTS``) with ``variance`` (the estimates
    used: ANOVA when the design is balanced and ``method='auto'``, else REML), ``share`` of the
    total, ``reml`` and, on a balanced design, ``anova`` (negative ANOVA estimates are kept in
    this column and reported as 0 in ``variance``; following Brennan (2001) each component is
    solved from the mean squares, so a negative estimate enters the others as it is).
    ``anova_table``: source, df, SS, MS (balanced designs only, else empty).
    """

    components: pd.DataFrame = field(repr=False)
    method: str
    n_mentors: int
    n_raters: int
    n_items: int
    n_ratings: int
    raters_harmonic: float
    balanced: bool
    anova_table: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    reml_criterion: float = float("nan")
    converged: bool = True
    mean: float = float("nan")
    label: str = ""

    def variance(self, component: str) -> float:
        """The variance estimate of one component (``COMPONENTS``)."""
        return float(self.components.set_index("component").loc[component, "variance"])

    def _v(self):
        return self._variances

    @cached_property
    def _variances(self) -> tuple[float, float, float, float, float]:
        c = self.components.set_index("component")["variance"]
        return (float(c["mentor"]), float(c["rater:mentor"]), float(c["item"]), float(c["mentor:item"]),
                float(c["residual"]))

    def error_variances(self, n_raters, n_items):
        """(relative delta^2, absolute Delta^2) error variance of a mean over n'_r raters, n'_i items."""
        _, r, i, mi, e = self._v()
        nr, ni = np.asarray(n_raters, float), np.asarray(n_items, float)
        rel = mi / ni + r / nr + e / (nr * ni)
        return rel, rel + i / ni

    def g_coefficient(self, n_raters, n_items):
        """Generalizability (relative) coefficient E rho^2 for n'_r raters and n'_i items."""
        m = self._v()[0]
        rel, _ = self.error_variances(n_raters, n_items)
        out = np.where(m + rel > 0, m / np.where(m + rel > 0, m + rel, 1.0), np.nan)
        return float(out) if np.ndim(out) == 0 else out

    def phi_coefficient(self, n_raters, n_items):
        """Dependability (absolute) coefficient Phi for n'_r raters and n'_i items."""
        m = self._v()[0]
        _, ab = self.error_variances(n_raters, n_items)
        out = np.where(m + ab > 0, m / np.where(m + ab > 0, m + ab, 1.0), np.nan)
        return float(out) if np.ndim(out) == 0 else out

    @property
    def g(self) -> float:
        """G at the observed design (harmonic mean of raters per mentor, all items)."""
        return self.g_coefficient(self.raters_harmonic, self.n_items)

    @property
    def phi(self) -> float:
        """Phi at the observed design."""
        return self.phi_coefficient(self.raters_harmonic, self.n_items)

    def to_frame(self) -> pd.DataFrame:
        return self.components.copy()

    def to_dict(self) -> dict:
        return {"label": self.label, "method": self.method, "n_mentors": self.n_mentors, "n_raters": self.n_raters,
                "n_items": self.n_items, "n_ratings": self.n_ratings, "raters_harmonic": self.raters_harmonic,
                "balanced": self.balanced, "mean": self.mean, "g": self.g, "phi": self.phi,
                "converged": self.converged, "reml_criterion": self.reml_criterion,
                "components": self.components.to_dict(orient="records"),
                "anova": self.anova_table.to_dict(orient="records")}


def _codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniq = pd.factorize(s, sort=True)
    return codes.astype(np.int64), np.asarray(uniq)


@single_threaded_blas
def g_study(data: pd.DataFrame, *, mentor: str = "mentor", rater: str = "rater", item: str = "item",
            score: str = "score", method: str = "auto", label: str = "") -> GStudy:
    """Variance components of ratings (raters nested in mentors) x items.

    Parameters
    ----------
    data : DataFrame
        Long: one row per rating with mentor, rater, item and score columns. Rater ids are
        taken within mentor (the same id under two mentors is two raters, as ``mentor:rater``
        in lme4). Rows with a missing score are dropped; duplicate (rater, item) rows are an error.
    method : {'auto', 'reml', 'anova'}
        ``auto``: ANOVA estimates when the design is balanced, REML otherwise; ``anova`` raises
        on an unbalanced design. REML is always computed.

    Returns
    -------
    GStudy

    Raises
    ------
    DataError
        Missing columns, duplicate ratings, non-numeric scores.
    InsufficientDataError
        Fewer than 2 mentors, 2 items, or no mentor with 2 raters.
    """
    for c in (mentor, rater, item, score):
        if c not in data.columns:
            raise DataError(f"column {c!r} is not in the data", column=c)
    if method not in ("auto", "reml", "anova"):
        raise ConfigError(f"method must be 'auto', 'reml' or 'anova'; got {method!r}")
    y = pd.to_numeric(data[score], errors="coerce")
    bad = y.isna() & data[score].notna()
    if bad.any():
        raise DataError("scores must be numbers", column=score, row=int(np.flatnonzero(bad.to_numpy())[0]) + 2)
    d = data.loc[y.notna() & data[mentor].notna() & data[rater].notna() & data[item].notna(), [mentor, rater, item]]
    y = y[d.index].to_numpy(float)
    m, _ = _codes(d[mentor])
    rc, _ = _codes(d[rater])
    mr, _ = pd.factorize(m * (int(rc.max()) + 1 if len(rc) else 1) + rc, sort=True)   # rater within mentor
    mr = mr.astype(np.int64)
    it, items = _codes(d[item])
    # One canonical row order (mentor, rater, item codes, which follow the sorted ids): the fit's sums
    # then run in the same order however the rows came, so shuffled rows give the same bits (the
    # optimiser's path, and its last digits, depended on the row order on some machines).
    canon = np.lexsort((it, mr, m))
    y, m, mr, it = y[canon], m[canon], mr[canon], it[canon]
    if pd.Series(mr * (len(items) + 1) + it).duplicated().any():
        raise DataError("a rater has two ratings of the same item for the same mentor", column=item)
    J, R, I, n = int(m.max()) + 1 if len(m) else 0, int(mr.max()) + 1 if len(mr) else 0, len(items), len(y)
    if J < 2 or I < 2:
        raise InsufficientDataError(f"a G-study needs at least 2 mentors and 2 items (got {J} and {I})")
    mentor_of_rater = np.zeros(R, np.int64)
    mentor_of_rater[mr] = m
    per_mentor = np.bincount(mentor_of_rater, minlength=J)
    if per_mentor.max() < 2:
        raise InsufficientDataError("no mentor has two raters: rater and mentor variance cannot be separated")
    # within-mentor rater index (0..k_m - 1)
    order = np.argsort(mentor_of_rater, kind="stable")
    rank = np.empty(R, np.int64)
    starts = np.concatenate([[0], np.cumsum(per_mentor)[:-1]])
    rank[order] = np.arange(R) - np.repeat(starts, per_mentor)
    rw = rank[mr]
    kmax = int(per_mentor.max())
    X = np.ones((n, 1))
    zero = np.zeros(n, np.int64)
    if kmax <= I:   # eliminate the mentor:item cells first, keep raters in the dense block
        des = Design(y, X, m, [Term("mentor", zero, 1), Term("rater:mentor", rw, kmax)],
                     rater=Term("mentor:item", m * I + it, J * I), crossed=[Term("item", it, I)])
    else:
        des = Design(y, X, m, [Term("mentor", zero, 1), Term("mentor:item", it, I)],
                     rater=Term("rater:mentor", mr, R), crossed=[Term("item", it, I)])
    start = _start_values(y, m, mr, it, J, R, I)
    f = fit(des, start=[start[k] for k in des.names])
    reml = {k: v for k, v in f.variances.items()}
    reml["residual"] = f.sigma2
    balanced = _is_balanced(m, mr, it, J, R, I, n, per_mentor)
    anova_tab, anova = pd.DataFrame(), None
    if balanced:
        anova_tab, anova = _anova(y, m, mr, it, J, I, int(per_mentor[0]))
    if method == "anova" and not balanced:
        raise ConfigError("method='anova' needs a balanced design (equal raters per mentor, every item rated)")
    use_anova = balanced and method in ("auto", "anova")
    rows = []
    for c in COMPONENTS:
        a = anova[c] if anova is not None else np.nan
        v = max(a, 0.0) if use_anova else reml[c]
        rows.append({"component": c, "variance": v, "reml": reml[c], "anova": a})
    comp = pd.DataFrame(rows)
    tot = comp["variance"].sum()
    comp.insert(2, "share", comp["variance"] / tot if tot > 0 else np.nan)
    return GStudy(components=comp, method="ANOVA" if use_anova else "REML", n_mentors=J, n_raters=R, n_items=I,
                  n_ratings=n, raters_harmonic=float(J / np.sum(1.0 / per_mentor)), balanced=balanced,
                  anova_table=anova_tab, reml_criterion=f.reml, converged=f.converged, mean=float(f.beta[0]),
                  label=label)


def _is_balanced(m, mr, it, J, R, I, n, per_mentor) -> bool:
    return bool(n == R * I and (per_mentor == per_mentor[0]).all())


def _anova(y, m, mr, it, J, I, k):
    """Mean squares and EMS estimates of the balanced (r:m) x i design."""
    gm = y.mean()
    ym = np.bincount(m, y, J) / (k * I)
    yi = np.bincount(it, y, I) / (J * k)
    yr = np.bincount(mr, y) / I
    ymi = (np.bincount(m * I + it, y, J * I) / k).reshape(J, I)
    mor = np.zeros(len(yr), np.int64)
    mor[mr] = m
    ss_m = k * I * ((ym - gm) ** 2).sum()
    ss_i = J * k * ((yi - gm) ** 2).sum()
    ss_r = I * ((yr - ym[mor]) ** 2).sum()
    ss_mi = k * ((ymi - ym[:, None] - yi[None, :] + gm) ** 2).sum()
    ss_t = ((y - gm) ** 2).sum()
    ss_e = ss_t - ss_m - ss_i - ss_r - ss_mi
    df = {"mentor": J - 1, "rater:mentor": J * (k - 1), "item": I - 1, "mentor:item": (J - 1) * (I - 1),
          "residual": J * (k - 1) * (I - 1)}
    ss = {"mentor": ss_m, "rater:mentor": ss_r, "item": ss_i, "mentor:item": ss_mi, "residual": ss_e}
    ms = {c: ss[c] / df[c] if df[c] > 0 else np.nan for c in COMPONENTS}
    est = {"residual": ms["residual"],
           "mentor:item": (ms["mentor:item"] - ms["residual"]) / k,
           "rater:mentor": (ms["rater:mentor"] - ms["residual"]) / I,
           "item": (ms["item"] - ms["mentor:item"]) / (J * k),
           "mentor": (ms["mentor"] - ms["rater:mentor"] - ms["mentor:item"] + ms["residual"]) / (k * I)}
    tab = pd.DataFrame({"source": list(COMPONENTS), "df": [df[c] for c in COMPONENTS],
                        "ss": [ss[c] for c in COMPONENTS], "ms": [ms[c] for c in COMPONENTS]})
    return tab, est


def _start_values(y, m, mr, it, J, R, I) -> dict:
    """Rough moment estimates as relative SDs (a start for the optimiser; REML does not depend on it)."""
    v = float(np.var(y)) or 1.0
    cnt_m = np.bincount(m, minlength=J)
    res = y - np.bincount(it, y, I)[it] / np.maximum(np.bincount(it, minlength=I), 1)[it]
    mm = np.bincount(m, res, J) / np.maximum(cnt_m, 1)
    rr = np.bincount(mr, res, R) / np.maximum(np.bincount(mr, minlength=R), 1)
    s_m = max(float(np.var(mm)), 0.02 * v)
    s_r = max(float(np.var(rr)) - s_m, 0.02 * v)
    s_e = max(float(np.var(res)) - s_m - s_r, 0.05 * v)
    s_i = max(float(np.var(np.bincount(it, y, I) / np.maximum(np.bincount(it, minlength=I), 1))), 0.02 * v)
    return {"mentor": np.sqrt(s_m / s_e), "rater:mentor": np.sqrt(s_r / s_e), "item": np.sqrt(s_i / s_e),
            "mentor:item": np.sqrt(0.1 * s_m / s_e + 0.01)}
