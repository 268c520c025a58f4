"""Program-level tables for the program summary and the staff workbook.

Everything a program report shows beyond :class:`~mentorassess.aggregate.Profiles` is computed
here, once, from mentor-level values the profiles already released (shown mentee means of
mentors at or above ``min_raters``; self scores), so no table can reach behind the
confidentiality gate:

* :func:`participation`: responses, mentors and raters per wave and form, and how many mentors
  reached ``min_raters``.
* :func:`training_needs`: competencies and items ordered by the program's mentee mean, the share
  of eligible mentors below a stated level, and self-minus-mentee gaps per competency.
* :func:`pre_post_change`: paired change per competency (mentors present in both waves) with a
  95% t interval, d_z, Phi(d_z) and the observed share who improved.
* :func:`subgroup_table`: means by department, cohort or training with primary and secondary
  suppression.

Suppression rules (``docs/export-formats.md`` §7)
-------------------------------------------------
The unit of every program cell is the *mentor* (a mentor-level mean), so a cell is shown only
when it holds at least ``min_raters`` mentors (primary suppression, reason ``primary``): a
department of one mentor would otherwise publish that mentor's score. Within each partition
(one wave, role, competency and grouping variable) the program total and the shown cells with
their n are published, so a hidden cell could be recovered by subtraction. Secondary suppression
(reason ``secondary``) therefore hides the smallest shown cells until at least two cells are
hidden and the hidden cells together hold at least ``min_raters`` mentors, or every cell is
hidden. Mentors without a value for the grouping variable form their own cell ("not recorded").

Results are frozen dataclasses with ``to_frame()`` (tidy, full precision).

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> from mentorassess.aggregate import aggregate
>>> prog = generate(seed=3, n_mentors=24)
>>> prof = aggregate(score(prog.responses, "mca-26"), roster=prog.roster)
>>> t = subgroup_table(prof, "department")
>>> bool(t.to_frame().loc[t.to_frame()["suppressed"], "mean"].isna().all())
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from mentorassess.aggregate import Profiles
from mentorassess.errors import DataError
from mentorassess.scoring import OVERALL, Scores

__all__ = ["Participation", "TrainingNeeds", "Change", "SubgroupTable", "ProgramTables",
           "participation", "training_needs", "program_profile", "mentor_distribution", "pre_post_change", "subgroup_table", "program_tables",
           "PRIMARY", "SECONDARY", "NOT_RECORDED"]

PRIMARY = "primary"
SECONDARY = "secondary"
NOT_RECORDED = "not recorded"


def _mentor_values(profiles: Profiles, role: str) -> pd.DataFrame:
    """Mentor-level values per wave and competency: shown mentee means or self scores."""
    comp = profiles.competencies
    col = "mentee_mean" if role == "mentee" else "self_score"
    out = comp.loc[comp[col].notna(), ["mentor_id", "wave", "competency", col]].rename(columns={col: "value"})
    return out.reset_index(drop=True)


# --- participation ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Participation:
    """Responses per wave and form, and mentors at or above the threshold.

    ``table`` columns: ``wave, rater_role, responses, mentors, raters, mentors_at_min`` (mentors
    with at least ``min_raters`` mentee responses in the wave; for the self form the number of
    mentors who rated themselves). ``imports`` holds the import audits (``source, rows_read,
    rows_kept, rows_excluded`` and one column per exclusion reason), empty without them.
    """

    table: pd.DataFrame = field(repr=False)
    imports: pd.DataFrame = field(repr=False)
    exclusions: pd.DataFrame = field(repr=False)
    min_raters: int = 3
    n_mentors: int = 0

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _report_dict(rep: Any) -> dict:
    if isinstance(rep, dict):
        return rep
    if hasattr(rep, "to_dict"):
        return rep.to_dict()
    raise DataError(f"import report must be an ImportReport or a dict, got {type(rep).__name__}")


def _imports_frame(import_reports: Sequence[Any] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, excl = [], []
    for i, rep in enumerate(import_reports or ()):
        d = _report_dict(rep)
        src = str(d.get("source") or d.get("path") or d.get("file") or f"import {i + 1}")
        by = d.get("rows_excluded_by_reason") or d.get("excluded_by_reason") or {}
        if not by and isinstance(d.get("rows_excluded"), dict):
            by = d["rows_excluded"]
        n_ex = d.get("rows_excluded")
        n_ex = int(sum(by.values())) if isinstance(n_ex, dict) or n_ex is None else int(n_ex)
        rows.append({"source": src, "rows_read": int(d.get("rows_read", 0)), "rows_kept": int(d.get("rows_kept", 0)),
                     "rows_excluded": n_ex})
        for reason, n in sorted(by.items()):
            excl.append({"source": src, "reason": str(reason), "rows": int(n)})
    imp = pd.DataFrame(rows, columns=["source", "rows_read", "rows_kept", "rows_excluded"])
    ex = pd.DataFrame(excl, columns=["source", "reason", "rows"])
    return imp, ex


def participation(scores: Scores, profiles: Profiles, import_reports: Sequence[Any] | None = None) -> Participation:
    """Responses, mentors and raters per wave and form; mentors reaching ``min_raters``."""
    s = scores.scores
    k = profiles.settings.min_raters
    order = {w: i for i, w in enumerate(profiles.settings.waves)}
    rows = []
    for (w, role), g in s.groupby(["wave", "rater_role"], sort=False):
        raters = g["rater_id"].dropna()
        n_raters = int(raters.nunique()) if len(raters) == len(g) else int(len(g))
        if role == "mentee":
            at_min = int((g.groupby("mentor_id").size() >= k).sum())
        else:
            at_min = int(g["mentor_id"].nunique())
        rows.append({"wave": w, "rater_role": role, "responses": int(len(g)), "mentors": int(g["mentor_id"].nunique()),
                     "raters": n_raters, "mentors_at_min": at_min})
    tab = pd.DataFrame(rows, columns=["wave", "rater_role", "responses", "mentors", "raters", "mentors_at_min"])
    tab = tab.sort_values(["wave", "rater_role"], key=lambda c: c.map(order) if c.name == "wave" else
                          c.map({"self": 0, "mentee": 1}).fillna(2), kind="stable").reset_index(drop=True)
    imp, ex = _imports_frame(import_reports)
    return Participation(table=tab, imports=imp, exclusions=ex, min_raters=k,
                         n_mentors=int(profiles.mentors["mentor_id"].nunique()))


# --- training needs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingNeeds:
    """Where training could go next, for one wave.

    ``competencies``: ``competency, n_mentors, mentee_mean, self_mean, gap`` (self mean minus
    mentee mean over mentors with both), ``share_below`` (share of eligible mentors whose mentee
    mean is below ``level``), sorted by mentee mean, lowest first. ``items``: the ``n_items``
    items with the lowest program mentee mean (``item, competency, n_mentors, mentee_mean``).
    """

    wave: str
    level: float
    competencies: pd.DataFrame = field(repr=False)
    items: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.competencies.assign(wave=self.wave)


def training_needs(profiles: Profiles, wave: str | None = None, *, level: float = 5.0,
                   n_items: int = 5) -> TrainingNeeds:
    """Competencies and items ordered by the program's mentee mean; gaps; share below ``level``.

    Only mentors at or above ``min_raters`` count; a competency needs ``min_raters`` such mentors.
    """
    k = profiles.settings.min_raters
    wave = wave or profiles.settings.waves[-1]
    comp = profiles.competencies[(profiles.competencies["wave"] == wave)
                                 & (profiles.competencies["competency"] != OVERALL)]
    rows = []
    for cid, g in comp.groupby("competency", sort=False):
        m = g["mentee_mean"].dropna()
        if len(m) < k:
            continue
        both = g.dropna(subset=["mentee_mean", "self_score"])
        gap = float((both["self_score"] - both["mentee_mean"]).mean()) if len(both) >= k else np.nan
        rows.append({"competency": cid, "n_mentors": int(len(m)), "mentee_mean": float(m.mean()),
                     "self_mean": float(g["self_score"].dropna().mean()) if g["self_score"].notna().sum() >= k
                     else np.nan, "n_pairs": int(len(both)), "gap": gap,
                     "share_below": float((m < level).mean())})
    ctab = pd.DataFrame(rows, columns=["competency", "n_mentors", "mentee_mean", "self_mean", "n_pairs", "gap",
                                       "share_below"])
    ctab = ctab.sort_values(["mentee_mean", "competency"], kind="stable").reset_index(drop=True)
    prog = profiles.program
    it = prog[(prog["wave"] == wave) & (prog["rater_role"] == "mentee") & (prog["level"] == "item")
              & prog["mean"].notna()]
    it = it[["item", "competency", "n_mentors", "mean"]].rename(columns={"mean": "mentee_mean"})
    it = it.sort_values(["mentee_mean", "item"], kind="stable").head(n_items).reset_index(drop=True)
    return TrainingNeeds(wave=wave, level=float(level), competencies=ctab, items=it)


# --- pre/post change --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """Paired pre/post change per competency for one role (mentor is the unit).

    ``table`` columns: ``competency, n_pairs, pre_mean, post_mean, mean_change, sd_change,
    ci_low, ci_high`` (95% paired t interval), ``d_z`` (mean change / SD of changes, Cohen's d_z),
    ``phi_dz`` (Phi(d_z): chance a mentor improved under normality), ``share_improved``
    (observed share with a positive change). Rows with fewer than ``min_raters`` pairs carry
    only ``n_pairs``.
    """

    role: str
    pre: str
    post: str
    level: float
    table: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.assign(role=self.role, pre=self.pre, post=self.post)


def pre_post_change(profiles: Profiles, pre: str, post: str, *, role: str = "self",
                    level: float = 0.95) -> Change:
    """Paired change from ``pre`` to ``post`` per competency (mentor-level values).

    ``role="self"`` pairs each mentor's self scores; ``role="mentee"`` pairs each mentor's shown
    mentee means (mentors at or above ``min_raters`` in both waves).
    """
    k = profiles.settings.min_raters
    vals = _mentor_values(profiles, role)
    a = vals[vals["wave"] == pre].set_index(["mentor_id", "competency"])["value"]
    b = vals[vals["wave"] == post].set_index(["mentor_id", "competency"])["value"]
    both = pd.concat({"pre": a, "post": b}, axis=1, join="inner").reset_index()
    rows = []
    for cid in profiles.competency_ids:
        g = both[both["competency"] == cid]
        n = len(g)
        row = {"competency": cid, "n_pairs": n}
        if n >= k:
            d = (g["post"] - g["pre"]).to_numpy(float)
            sd = float(d.std(ddof=1))
            mean = float(d.mean())
            t = float(stats.t.ppf(0.5 + level / 2, n - 1))
            dz = mean / sd if sd > 0 else np.nan
            row.update(pre_mean=float(g["pre"].mean()), post_mean=float(g["post"].mean()), mean_change=mean,
                       sd_change=sd, ci_low=mean - t * sd / np.sqrt(n), ci_high=mean + t * sd / np.sqrt(n),
                       d_z=dz, phi_dz=float(stats.norm.cdf(dz)) if np.isfinite(dz) else np.nan,
                       share_improved=float((d > 0).mean()))
        rows.append(row)
    cols = ["competency", "n_pairs", "pre_mean", "post_mean", "mean_change", "sd_change", "ci_low", "ci_high",
            "d_z", "phi_dz", "share_improved"]
    return Change(role=role, pre=pre, post=post, level=level, table=pd.DataFrame(rows, columns=cols))


# --- subgroups ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SubgroupTable:
    """Mentor-level means by a grouping variable with primary and secondary suppression.

    ``table`` columns: ``by, group, wave, rater_role, competency, n_mentors`` (None when
    suppressed), ``mean`` (None when suppressed), ``suppressed``, ``suppressed_reason``
    (``primary``/``secondary``/None). ``totals``: the program total per wave, role and
    competency (``n_mentors, mean``).
    """

    by: str
    min_raters: int
    table: pd.DataFrame = field(repr=False)
    totals: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _group_label(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return NOT_RECORDED
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    s = str(v).strip()
    return s or NOT_RECORDED


def suppress_partition(counts: Sequence[int], min_raters: int) -> list[str | None]:
    """Suppression reasons for the cells of one partition (``None`` = shown).

    >>> suppress_partition([10, 2, 6, 5], 3)
    [None, 'primary', None, 'secondary']
    >>> suppress_partition([10, 8], 3)
    [None, None]
    """
    reasons: list[str | None] = [PRIMARY if n < min_raters else None for n in counts]
    if not any(reasons):
        return reasons

    def need_more() -> bool:
        hidden = [n for n, r in zip(counts, reasons) if r]
        return len(hidden) < 2 or sum(hidden) < min_raters

    while need_more():
        shown = [(n, i) for i, (n, r) in enumerate(zip(counts, reasons)) if r is None]
        if not shown:
            break
        reasons[min(shown)[1]] = SECONDARY
    return reasons


def subgroup_table(profiles: Profiles, by: str, *, roles: Iterable[str] = ("mentee", "self"),
                   competencies: Iterable[str] | None = None) -> SubgroupTable:
    """Means of mentor-level values by ``by`` (a roster column) per wave, role and competency.

    Raises
    ------
    DataError
        ``by`` is not a roster column of the profiles.
    """
    if by not in profiles.mentors.columns:
        raise DataError(f"cannot group by {by!r}: not a roster column", column=by)
    k = profiles.settings.min_raters
    labels = profiles.mentors[["mentor_id", "wave", by]].copy()
    labels["group"] = labels[by].map(_group_label)
    comps = list(competencies) if competencies is not None else list(profiles.competency_ids)
    rows, totals = [], []
    for role in roles:
        vals = _mentor_values(profiles, role)
        vals = vals[vals["competency"].isin(comps)].merge(labels[["mentor_id", "wave", "group"]],
                                                         on=["mentor_id", "wave"], how="left")
        vals["group"] = vals["group"].fillna(NOT_RECORDED)
        for w in profiles.settings.waves:
            for cid in comps:
                g = vals[(vals["wave"] == w) & (vals["competency"] == cid)]
                if g.empty:
                    continue
                totals.append({"wave": w, "rater_role": role, "competency": cid, "n_mentors": int(len(g)),
                               "mean": float(g["value"].mean()) if len(g) >= k else None})
                cells = g.groupby("group", sort=True)["value"].agg(["count", "mean"])
                reasons = suppress_partition(cells["count"].tolist(), k)
                for (grp, cell), reason in zip(cells.iterrows(), reasons):
                    rows.append({"by": by, "group": grp, "wave": w, "rater_role": role, "competency": cid,
                                 "n_mentors": None if reason else int(cell["count"]),
                                 "mean": None if reason else float(cell["mean"]),
                                 "suppressed": reason is not None, "suppressed_reason": reason})
    cols = ["by", "group", "wave", "rater_role", "competency", "n_mentors", "mean", "suppressed",
            "suppressed_reason"]
    tab = pd.DataFrame(rows, columns=cols)
    tab["n_mentors"] = tab["n_mentors"].astype("Int64")
    tab["mean"] = tab["mean"].astype(float)
    return SubgroupTable(by=by, min_raters=k, table=tab,
                         totals=pd.DataFrame(totals, columns=["wave", "rater_role", "competency", "n_mentors",
                                                              "mean"]))


# --- program profile ----------------------------------------------------------------------------------
def program_profile(profiles: Profiles, *, level: float = 0.95) -> pd.DataFrame:
    """Program mean of mentor-level values per wave, role and competency with a t interval.

    Columns ``wave, rater_role, competency, n_mentors, mean, sd, ci_low, ci_high`` (mentee: shown
    means of eligible mentors; self: self scores); values absent below ``min_raters`` mentors.
    """
    k = profiles.settings.min_raters
    rows = []
    for role in ("self", "mentee"):
        vals = _mentor_values(profiles, role)
        for w in profiles.settings.waves:
            for cid in profiles.competency_ids:
                v = vals.loc[(vals["wave"] == w) & (vals["competency"] == cid), "value"].to_numpy(float)
                row = {"wave": w, "rater_role": role, "competency": cid, "n_mentors": len(v)}
                if len(v) >= k:
                    m, sd = float(v.mean()), float(v.std(ddof=1))
                    half = float(stats.t.ppf(0.5 + level / 2, len(v) - 1)) * sd / np.sqrt(len(v))
                    row.update(mean=m, sd=sd, ci_low=m - half, ci_high=m + half)
                rows.append(row)
    return pd.DataFrame(rows, columns=["wave", "rater_role", "competency", "n_mentors", "mean", "sd", "ci_low",
                                       "ci_high"])


# --- bundle ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgramTables:
    """Everything the program summary and staff workbook show beyond the profiles."""

    participation: Participation
    training_needs: TrainingNeeds
    changes: tuple[Change, ...]
    subgroups: tuple[SubgroupTable, ...]
    distribution: pd.DataFrame = field(repr=False)
    profile: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def to_frame(self) -> pd.DataFrame:
        """All subgroup cells in one tidy frame."""
        parts = [s.table for s in self.subgroups]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def mentor_distribution(profiles: Profiles) -> pd.DataFrame:
    """Unnamed mentor-level mentee means per wave and competency (eligible mentors only).

    Columns ``wave, competency, value``, sorted by value: no mentor id, so the frame can be drawn
    as a strip plot without identifying anyone.
    """
    v = _mentor_values(profiles, "mentee")[["wave", "competency", "value"]]
    order = {w: i for i, w in enumerate(profiles.settings.waves)}
    return v.sort_values(["wave", "competency", "value"], key=lambda c: c.map(order) if c.name == "wave" else c,
                         kind="stable").reset_index(drop=True)


def program_tables(scores: Scores, profiles: Profiles, *, import_reports: Sequence[Any] | None = None,
                   subgroups: Sequence[str] = ("department", "cohort", "trained"), level: float = 5.0,
                   pre: str | None = None, post: str | None = None) -> ProgramTables:
    """Participation, training needs (latest wave), pre/post change (self and mentee), subgroups.

    ``pre``/``post`` default to the first and last wave; with a single wave there is no change.
    Subgroup variables missing from the roster (or with no roster) are skipped.
    """
    waves = profiles.settings.waves
    pre = pre or (waves[0] if len(waves) > 1 else None)
    post = post or (waves[-1] if len(waves) > 1 else None)
    changes = tuple(pre_post_change(profiles, pre, post, role=r) for r in ("self", "mentee")) if pre and post else ()
    subs = tuple(subgroup_table(profiles, b) for b in subgroups
                 if b in profiles.mentors.columns and profiles.mentors[b].notna().any())
    return ProgramTables(participation=participation(scores, profiles, import_reports),
                         training_needs=training_needs(profiles, level=level), changes=changes, subgroups=subs,
                         distribution=mentor_distribution(profiles), profile=program_profile(profiles))
