"""Rater agreement: mentees nested in mentors (ICC1/ICC2), Shrout-Fleiss ICCs, rwg, Spearman-Brown.

- :func:`icc_nested`: ICC(1) and ICC(2) per variable from a one-way ANOVA over mentors on the
  available ratings, exactly as ``psych::statsBy`` computes them (unbalanced groups, average
  group size ``N / J``, not the ANOVA n0).
- :func:`rater_agreement`: :func:`icc_nested` on the items and competency scores of one form and
  wave of a :class:`~mentorassess.scoring.Scores`.
- :func:`icc_shrout_fleiss`: the six ICCs of a complete targets x judges matrix, with F tests and
  95% intervals, as ``psych::ICC(x, lmer = FALSE)``.
- :func:`rwg`, :func:`rwg_j`, :func:`rwg_by_mentor`: within-mentor agreement against the uniform
  null distribution (James, Demaree & Wolf 1984) or, with ``null=``, the skewed, triangular and
  normal nulls of LeBreton & Senter (2008) or any null variance
  (:mod:`mentorassess.stats.precision.nulls`, which also has awg), with the conventions of
  ``multilevel::rwg`` / ``rwg.j``.
- :func:`mean_reliability`: reliability of a mean of n raters from ICC(1) (Spearman-Brown).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"mentor": list("abbcccdddd"), "y": [5, 6, 7, 4, 5, 5, 6, 6, 7, 7]})
>>> res = icc_nested(d, group="mentor", columns=["y"])
>>> round(float(res.to_frame().loc[0, "ICC1"]), 4)  # R: psych::statsBy(d, group = "mentor")$ICC1
0.701
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from mentorassess.aggregate import Profiles
from mentorassess.errors import ConfigError, DataError, InsufficientDataError
from mentorassess.scoring import Scores

__all__ = ["NestedIcc", "ShroutFleissIcc", "RwgResult", "ProfileReliability", "icc_nested", "rater_agreement",
           "icc_shrout_fleiss", "rwg", "rwg_j", "rwg_by_mentor", "mean_reliability", "profile_reliability",
           "uniform_null_variance"]


@dataclass(frozen=True)
class NestedIcc:
    """ICC(1)/ICC(2) per variable for raters nested in groups (``psych::statsBy``).

    ``table`` columns: ``variable, n_groups (J), n_ratings (N), k_bar (N/J), ms_between, ms_within,
    F, df1, df2, p, ICC1, ICC1_low, ICC1_high, ICC2, ICC2_low, ICC2_high``.
    """

    table: pd.DataFrame = field(repr=False)
    level: float = 0.95
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def icc1(self, variable: str) -> float:
        """ICC(1) of one variable."""
        return float(self.table.set_index("variable").loc[variable, "ICC1"])


@dataclass(frozen=True)
class ShroutFleissIcc:
    """The six Shrout-Fleiss ICCs (``psych::ICC(x, lmer = FALSE)$results``).

    ``table`` rows ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k; columns ``type, label (pingouin name),
    ICC, F, df1, df2, p, lower, upper``.
    """

    table: pd.DataFrame = field(repr=False)
    n_targets: int = 0
    n_judges: int = 0
    level: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


@dataclass(frozen=True)
class RwgResult:
    """Within-mentor agreement per mentor: ``mentor_id, variable, n, rwg`` (or ``rwg_j``)."""

    table: pd.DataFrame = field(repr=False)
    options: int = 7
    null_variance: float = 4.0

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def icc_nested(data: pd.DataFrame, *, group: str = "mentor_id", columns: Sequence[str] | None = None,
               level: float = 0.95) -> NestedIcc:
    """ICC(1) and ICC(2) per column for ratings nested in groups, as ``psych::statsBy``.

    Parameters
    ----------
    data : DataFrame
        One row per rating; a ``group`` column and numeric columns (NaN = missing).
    group : str
        The grouping column (the mentor).
    columns : sequence of str, optional
        Columns to analyse (default: every numeric column except ``group``).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    NestedIcc

    Notes
    -----
    Per column, with the available values: n_j ratings of group j, J groups with n_j >= 1,
    N = sum n_j, MSb = sum n_j (m_j - m)^2 / (J - 1), MSw = sum (n_j - 1) s_j^2 / (N - J),
    k = N / J; ICC1 = (MSb - MSw) / (MSb + (k - 1) MSw), ICC2 = 1 - MSw / MSb. Intervals from
    F = MSb / MSw on (J - 1, N - J): F_L = F / F_{.975}(J-1, N-J), F_U = F * F_{.975}(N-J, J-1);
    ICC1 bounds (F - 1) / (F + k - 1), ICC2 bounds 1 - 1 / F.
    R: ``psych::statsBy(d, group = "mentor")$ICC1``, ``$ICC2``, ``$ci1``, ``$ci2``.

    Raises
    ------
    DataError
        Missing columns. A column with fewer than 2 groups or no within-group variance gets NaN
        values and a note.
    """
    if not isinstance(data, pd.DataFrame) or group not in data.columns:
        raise DataError(f"data must be a DataFrame with the grouping column {group!r}", column=group)
    if columns is None:
        columns = [c for c in data.columns if c != group and pd.api.types.is_numeric_dtype(data[c])]
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError("columns not in the data: " + ", ".join(map(str, missing)))
    if not 0 < level < 1:
        raise ConfigError(f"level must be in (0, 1); got {level!r}")
    rows, notes = [], []
    alpha = 1 - level
    g = data[group]
    for col in columns:
        y = pd.to_numeric(data[col], errors="coerce")
        ok = y.notna() & g.notna()
        grp = y[ok].groupby(g[ok])
        n = grp.count().to_numpy(float)
        m = grp.mean().to_numpy(float)
        v = grp.var(ddof=1).to_numpy(float)
        J, N = len(n), n.sum()
        row = {"variable": col, "n_groups": J, "n_ratings": int(N), "k_bar": N / J if J else np.nan}
        if J < 2 or N - J < 1:
            notes.append(f"{col}: fewer than 2 groups or no group with 2 ratings; ICC not defined")
            rows.append(row)
            continue
        gm = (n * m).sum() / N
        msb = (n * (m - gm) ** 2).sum() / (J - 1)
        msw = np.nansum(np.where(n > 1, (n - 1) * v, 0.0)) / (N - J)
        k = N / J
        df1, df2 = J - 1, N - J
        with np.errstate(divide="ignore", invalid="ignore"):
            F = msb / msw
            fl = F / stats.f.ppf(1 - alpha / 2, df1, df2)
            fu = F * stats.f.ppf(1 - alpha / 2, df2, df1)
            row.update(ms_between=msb, ms_within=msw, F=F, df1=float(df1), df2=float(df2),
                       p=float(stats.f.sf(F, df1, df2)),
                       ICC1=(msb - msw) / (msb + (k - 1) * msw), ICC1_low=(fl - 1) / (fl + k - 1),
                       ICC1_high=(fu - 1) / (fu + k - 1),
                       ICC2=(msb - msw) / msb, ICC2_low=1 - 1 / fl, ICC2_high=1 - 1 / fu)
        if msw == 0:
            notes.append(f"{col}: no variance within mentors; F and ICCs are not finite")
        rows.append(row)
    cols = ["variable", "n_groups", "n_ratings", "k_bar", "ms_between", "ms_within", "F", "df1", "df2", "p",
            "ICC1", "ICC1_low", "ICC1_high", "ICC2", "ICC2_low", "ICC2_high"]
    return NestedIcc(table=pd.DataFrame(rows).reindex(columns=cols), level=level, notes=tuple(notes))


def rater_agreement(scores: Scores, *, wave: str, role: str = "mentee", level: float = 0.95) -> NestedIcc:
    """ICC(1)/ICC(2) of the items and competency scores of one form and wave.

    Examples
    --------
    >>> from mentorassess.sample import generate
    >>> from mentorassess.scoring import score
    >>> sc = score(generate(seed=1, n_mentors=20).responses, "mca-26")
    >>> res = rater_agreement(sc, wave="pre")
    >>> "communication" in set(res.to_frame()["variable"])
    True
    """
    if not isinstance(scores, Scores):
        raise DataError("scores must be a Scores result")
    sel = (scores.scores["rater_role"] == role) & (scores.scores["wave"] == wave)
    if not sel.any():
        raise InsufficientDataError(f"no {role} responses in wave {wave!r}")
    items = list(scores.instrument.item_ids)
    d = pd.concat([scores.items.loc[sel, ["mentor_id", *items]].reset_index(drop=True),
                   scores.scores.loc[sel, list(scores.score_columns)].reset_index(drop=True)], axis=1)
    return icc_nested(d, group="mentor_id", columns=items + list(scores.score_columns), level=level)


def icc_shrout_fleiss(x, *, level: float = 0.95) -> ShroutFleissIcc:
    """The six Shrout-Fleiss ICCs of a complete n targets x k judges matrix.

    Parameters
    ----------
    x : array-like or DataFrame, shape (n, k)
        Complete ratings (no missing cells): rows are targets, columns judges.

    Returns
    -------
    ShroutFleissIcc

    Notes
    -----
    R: ``psych::ICC(x, lmer = FALSE)$results``. pingouin names: ICC(1,1), ICC(A,1), ICC(C,1),
    ICC(1,k), ICC(A,k), ICC(C,k). ICC2/ICC2k intervals use the Satterthwaite df as in psych.

    Examples
    --------
    >>> sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> res = icc_shrout_fleiss(sf)
    >>> [round(v, 4) for v in res.to_frame()["ICC"]]
    [0.1657, 0.2898, 0.7148, 0.4428, 0.6201, 0.9093]
    """
    a = np.asarray(x, dtype=float)
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 2:
        raise DataError("x must be a matrix with at least 2 targets (rows) and 2 judges (columns)")
    if np.isnan(a).any():
        raise DataError("x has missing cells; the Shrout-Fleiss ICCs need a complete matrix",
                        hint="drop incomplete targets, or use icc_nested for unbalanced designs")
    n, k = a.shape
    alpha = 1 - level
    gm = a.mean()
    ss_t = ((a - gm) ** 2).sum()
    ssb = k * ((a.mean(axis=1) - gm) ** 2).sum()
    ssj = n * ((a.mean(axis=0) - gm) ** 2).sum()
    sse = ss_t - ssb - ssj
    msb, msj = ssb / (n - 1), ssj / (k - 1)
    mse = sse / ((n - 1) * (k - 1))
    msw = (ssj + sse) / (n * (k - 1))
    icc1 = (msb - msw) / (msb + (k - 1) * msw)
    icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
    icc3 = (msb - mse) / (msb + (k - 1) * mse)
    icc1k = (msb - msw) / msb
    icc2k = (msb - mse) / (msb + (msj - mse) / n)
    icc3k = (msb - mse) / msb
    f1, df1n, df1d = msb / msw, n - 1, n * (k - 1)
    f3, df3n, df3d = msb / mse, n - 1, (n - 1) * (k - 1)
    fj = msj / mse
    p1, p3 = stats.f.sf(f1, df1n, df1d), stats.f.sf(f3, df3n, df3d)
    q = 1 - alpha / 2
    f1l, f1u = f1 / stats.f.ppf(q, df1n, df1d), f1 * stats.f.ppf(q, df1d, df1n)
    f3l, f3u = f3 / stats.f.ppf(q, df3n, df3d), f3 * stats.f.ppf(q, df3d, df3n)
    # ICC2: Satterthwaite df (psych R/ICC.R, Shrout & Fleiss 1979)
    vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = (n - 1) * k ** 2 * icc2 ** 2 * fj ** 2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    f3u_s, f3l_s = stats.f.ppf(q, n - 1, v), stats.f.ppf(q, v, n - 1)
    l2 = n * (msb - f3u_s * mse) / (f3u_s * (k * msj + (k * n - k - n) * mse) + n * msb)
    u2 = n * (f3l_s * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f3l_s * msb)
    rows = [
        ("ICC1", "ICC(1,1)", icc1, f1, df1n, df1d, p1, (f1l - 1) / (f1l + k - 1), (f1u - 1) / (f1u + k - 1)),
        ("ICC2", "ICC(A,1)", icc2, f3, df3n, df3d, p3, l2, u2),
        ("ICC3", "ICC(C,1)", icc3, f3, df3n, df3d, p3, (f3l - 1) / (f3l + k - 1), (f3u - 1) / (f3u + k - 1)),
        ("ICC1k", "ICC(1,k)", icc1k, f1, df1n, df1d, p1, 1 - 1 / f1l, 1 - 1 / f1u),
        ("ICC2k", "ICC(A,k)", icc2k, f3, df3n, df3d, p3, l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))),
        ("ICC3k", "ICC(C,k)", icc3k, f3, df3n, df3d, p3, 1 - 1 / f3l, 1 - 1 / f3u),
    ]
    table = pd.DataFrame(rows, columns=["type", "label", "ICC", "F", "df1", "df2", "p", "lower", "upper"])
    table[["df1", "df2"]] = table[["df1", "df2"]].astype(float)
    return ShroutFleissIcc(table=table, n_targets=n, n_judges=k, level=level)


def uniform_null_variance(options: int) -> float:
    """Variance of the uniform null for A response options: (A^2 - 1) / 12 (A = 7 -> 4)."""
    if not isinstance(options, (int, np.integer)) or options < 2:
        raise ConfigError(f"options must be a whole number >= 2; got {options!r}")
    return (options ** 2 - 1) / 12


def rwg(values, *, options: int = 7, null: str | float = "uniform") -> float:
    """rwg of one item for one group: 1 - s^2 / sigma^2_E (s^2 truncated at sigma^2_E).

    NaN for fewer than 2 ratings (``multilevel::rwg`` gives NA). Missing values are dropped.
    ``null``: a null distribution name (``uniform``, ``slight_skew``, ``moderate_skew``,
    ``heavy_skew``, ``triangular``, ``normal``) or sigma^2_E itself.

    Examples
    --------
    >>> round(rwg([6, 7, 6, 5, 7]), 4)   # R: multilevel::rwg(x, rep(1, 5), ranvar = 4)
    0.825
    >>> round(rwg([6, 7, 6, 5, 7], null="slight_skew"), 6)   # ranvar = 2.90
    0.758621
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return float("nan")
    eu = _null(null, options)
    return float(1 - min(x.var(ddof=1), eu) / eu)


def rwg_j(matrix, *, options: int = 7, null: str | float = "uniform") -> float:
    """rwg(j) of J parallel items for one group; incomplete rows deleted listwise.

    rwg(j) = J (1 - s̄^2/σ²) / (J (1 - s̄^2/σ²) + s̄^2/σ²), with s̄^2 the mean item variance
    truncated at σ² (``multilevel::rwg.j``).

    Examples
    --------
    >>> x = [[6, 5, 7], [7, 6, 7], [6, 6, 6], [5, 5, 6], [7, 7, 7]]
    >>> round(rwg_j(x), 6)
    0.947853
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2:
        raise DataError("rwg_j needs a matrix: rows are raters, columns items")
    a = a[~np.isnan(a).any(axis=1)]
    if len(a) < 2:
        return float("nan")
    eu = _null(null, options)
    ratio = min(float(a.var(axis=0, ddof=1).mean()), eu) / eu
    j = a.shape[1]
    return float(j * (1 - ratio) / (j * (1 - ratio) + ratio))


def rwg_by_mentor(scores: Scores, *, wave: str, role: str = "mentee", min_raters: int = 3,
                  null: str | float = "uniform") -> RwgResult:
    """rwg per item and rwg(j) per competency for each mentor with at least ``min_raters`` ratings.

    ``null`` as in :func:`rwg`.
    Mentors below ``min_raters`` are left out (their agreement would describe too few people).
    ``table`` columns: ``mentor_id, wave, variable, kind ('item' | 'competency'), n, value``.
    """
    if not isinstance(scores, Scores):
        raise DataError("scores must be a Scores result")
    if min_raters < 3:
        raise ConfigError("min_raters may not be below 3")
    ins = scores.instrument
    opts = len(ins.scale.values)
    sel = (scores.items["rater_role"] == role) & (scores.items["wave"] == wave)
    d = scores.items.loc[sel]
    items = list(ins.item_ids)
    col = {it: j for j, it in enumerate(items)}
    comps = [(comp.id, [col[i] for i in comp.items]) for comp in ins.competencies]
    from mentorassess.stats._rwg_groups import MentorRows, item_rwg, scale_rwg_j, table_of

    # Every mentor at once, the values rwg() / rwg_j() give one mentor at a time (bit for bit).
    grouped = MentorRows(d, items)
    groups = np.flatnonzero(grouped.sizes >= min_raters)
    eu = _null(null, opts)
    parts = [(item, "item", item_rwg(grouped, groups, j, min_raters, eu)) for j, item in enumerate(items)]
    parts += [(cid, "competency", scale_rwg_j(grouped, groups, cols, min_raters, eu)) for cid, cols in comps]
    return RwgResult(table=table_of(grouped, wave, parts), options=opts, null_variance=eu)


def mentor_blocks(frame: pd.DataFrame, columns: Sequence[str]):
    """``(mentor_id, rows)`` per mentor, in the order of ``frame.groupby("mentor_id", sort=True)``:
    the group's values of ``columns`` as one C-ordered float matrix, rows in their order in ``frame``
    (slices of :class:`mentorassess.stats._rwg_groups.MentorRows`, the one conversion of the frame).

    >>> f = pd.DataFrame({"mentor_id": ["b", "a", "b", None], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> [(m, a.ravel().tolist()) for m, a in mentor_blocks(f, ["x"])]
    [('a', [2.0]), ('b', [1.0, 3.0])]
    """
    from mentorassess.stats._rwg_groups import MentorRows

    rows = MentorRows(frame, columns)
    for key, start, size in zip(rows.keys, rows.starts, rows.sizes):
        yield key, rows.values[start:start + size]


def _null(null: str | float, options: int) -> float:
    if isinstance(null, str) and null == "uniform":
        return uniform_null_variance(options)
    from mentorassess.stats.precision.nulls import null_variance

    return null_variance(null, options)


def mean_reliability(icc1, n):
    """Reliability of a mean of ``n`` raters from ICC(1) (Spearman-Brown): n ICC1 / (1 + (n - 1) ICC1).

    Examples
    --------
    >>> round(mean_reliability(0.3, 3), 4)
    0.5625
    """
    icc1 = np.asarray(icc1, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(n < 1):
        raise ConfigError("n must be at least 1")
    out = n * icc1 / (1 + (n - 1) * icc1)
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class ProfileReliability:
    """How far to trust a mentor's mean rating from n mentees.

    ``program``: per wave and competency ``icc1, icc2, k_bar, n_mentors, reliability_at_min``
    (Spearman-Brown at ``min_raters`` raters). ``mentors``: per shown mentor, wave and competency
    ``mentee_n, icc1, reliability``.
    """

    program: pd.DataFrame = field(repr=False)
    mentors: pd.DataFrame = field(repr=False)
    min_raters: int = 3

    def to_frame(self) -> pd.DataFrame:
        return self.mentors.copy()


def _floor0(icc1: float) -> float:
    """A negative ICC(1) (mentors no more alike than chance) gives a mean's reliability 0, not a
    negative or exploding Spearman-Brown value."""
    return max(icc1, 0.0) if np.isfinite(icc1) else icc1


def profile_reliability(scores: Scores, profiles: Profiles) -> ProfileReliability:
    """Reliability of each shown mentee mean: Spearman-Brown on the program's ICC(1).

    ICC(1) is computed per wave and competency (``psych::statsBy`` definition) from the mentee
    ratings of shown profile values only, so suppressed ratings influence nothing; each shown mean
    gets ``n ICC1 / (1 + (n - 1) ICC1)`` with its own n (a negative ICC1 counts as 0).

    Examples
    --------
    >>> from mentorassess.sample import generate
    >>> from mentorassess.scoring import score
    >>> from mentorassess.aggregate import aggregate
    >>> sc = score(generate(seed=2, n_mentors=20).responses, "mca-26")
    >>> rel = profile_reliability(sc, aggregate(sc))
    >>> bool(rel.mentors["reliability"].between(-1, 1).all())
    True
    """
    if not isinstance(scores, Scores) or not isinstance(profiles, Profiles):
        raise DataError("profile_reliability needs a Scores and the Profiles aggregated from it")
    comps = list(scores.score_columns)
    shown = profiles.competencies[~profiles.competencies["suppressed"]]
    prog_rows, ment_rows = [], []
    mentee = scores.scores[scores.scores["rater_role"] == "mentee"]
    for wave in profiles.settings.waves:
        d = mentee[mentee["wave"] == wave]
        for comp in comps:
            ok = shown[(shown["wave"] == wave) & (shown["competency"] == comp)]
            sub = d.loc[d["mentor_id"].isin(ok["mentor_id"]), ["mentor_id", comp]]
            if ok.empty:
                continue
            t = icc_nested(sub, group="mentor_id", columns=[comp]).table.iloc[0]
            icc1 = float(t["ICC1"]) if pd.notna(t["ICC1"]) else np.nan
            prog_rows.append({"wave": wave, "competency": comp, "n_mentors": int(t["n_groups"]), "k_bar": t["k_bar"],
                              "icc1": icc1, "icc2": t["ICC2"],
                              "reliability_at_min": mean_reliability(_floor0(icc1), profiles.settings.min_raters)})
            n_valid = sub.dropna().groupby("mentor_id").size()
            for _, r in ok.iterrows():
                n = int(n_valid.get(r["mentor_id"], 0))
                ment_rows.append({"mentor_id": r["mentor_id"], "wave": wave, "competency": comp,
                                  "mentee_n": n, "icc1": icc1, "reliability": mean_reliability(_floor0(icc1), n)})
    program = pd.DataFrame(prog_rows, columns=["wave", "competency", "n_mentors", "k_bar", "icc1", "icc2",
                                               "reliability_at_min"])
    mentors = pd.DataFrame(ment_rows, columns=["mentor_id", "wave", "competency", "mentee_n", "icc1", "reliability"])
    return ProfileReliability(program=program, mentors=mentors, min_raters=profiles.settings.min_raters)
