"""Program-level tables: subgroup summaries with primary and secondary suppression, training needs.

:func:`program_summary` tabulates competency scores by department, cohort, training status (any
roster column) per wave and rater role, with the program total. Two rules keep mentees safe:

- **Only ratings of shown mentor profiles enter a table.** A mentee rating counts only where the
  mentor's value for that competency and wave is shown in :class:`~mentorassess.aggregate.Profiles`
  (both gates met). Otherwise a department mean minus the published profiles of its other mentors
  would reveal a suppressed mentor's one or two ratings. (Self ratings are always shown.)
- **Primary and secondary suppression** (:func:`mentorassess.suppression.protect_cells`, all
  partitions of one wave x role x competency table together): a cell below ``min_raters`` is
  hidden; more cells are hidden until no hidden cell can be recovered by subtraction from the total
  or its siblings, or by any linear combination of the shown cells; nested cells never differ by
  fewer than ``min_raters`` ratings. Hidden cells carry no n, mean or SD (they are never computed).

:func:`training_needs` lists the competencies and items with the lowest program mentee means and
the largest mean self-minus-mentee gaps.

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> from mentorassess.aggregate import aggregate
>>> prog = generate(seed=4, n_mentors=20)
>>> sc = score(prog.responses, "mca-26")
>>> prof = aggregate(sc, roster=prog.roster)
>>> tab = program_summary(sc, prof, by=("department", "cohort")).to_frame()
>>> bool(tab.loc[tab["suppressed"], "mean"].isna().all())
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from mentorassess.aggregate import Profiles
from mentorassess.errors import ConfigError, DataError
from mentorassess.scoring import Scores
from mentorassess.suppression import EMPTY, SHOWN, protect_cells

__all__ = ["ProgramSummary", "TrainingNeeds", "program_summary", "training_needs", "ALL"]

ALL = "(all)"
UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class ProgramSummary:
    """Subgroup tables (build with :func:`program_summary`).

    ``table`` columns: ``by`` (roster column, ``(all)`` for the total), ``group``, ``wave``,
    ``rater_role``, ``competency``, ``n`` (ratings), ``n_mentors``, ``mean``, ``sd``, ``suppressed``,
    ``suppressed_reason`` (``primary``, ``secondary`` or None).
    """

    table: pd.DataFrame = field(repr=False)
    by: tuple[str, ...] = ()
    min_raters: int = 3
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


@dataclass(frozen=True)
class TrainingNeeds:
    """Lowest program mentee means and largest mean self-minus-mentee gaps.

    ``table`` columns: ``wave, kind ('lowest_mentee_mean' | 'largest_gap'), rank, level
    ('competency' | 'item'), competency, item, value, n_mentors``.
    """

    table: pd.DataFrame = field(repr=False)
    top: int = 5

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _groups(profiles: Profiles, roster: pd.DataFrame | None, by: Sequence[str]) -> pd.DataFrame:
    src = roster if roster is not None else profiles.mentors.drop_duplicates("mentor_id")
    if not isinstance(src, pd.DataFrame) or "mentor_id" not in src.columns:
        raise DataError("roster must be a DataFrame with a 'mentor_id' column")
    missing = [b for b in by if b not in src.columns or (roster is None and src[b].isna().all())]
    if missing:
        raise ConfigError("cannot group by " + ", ".join(map(repr, missing)) + ": not in the roster",
                          hint="pass roster= with these columns")
    g = src[["mentor_id", *by]].copy()
    g["mentor_id"] = g["mentor_id"].map(str)

    def label(v) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return UNKNOWN
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        return str(v)

    for b in by:
        g[b] = g[b].map(label)
    return g.drop_duplicates("mentor_id").set_index("mentor_id")


def program_summary(scores: Scores, profiles: Profiles, *, by: Sequence[str] = ("department",),
                    roster: pd.DataFrame | None = None, roles: Sequence[str] = ("mentee", "self"),
                    min_raters: int | None = None) -> ProgramSummary:
    """Competency means by subgroup with primary and secondary suppression.

    Parameters
    ----------
    scores : Scores
    profiles : Profiles
        From :func:`~mentorassess.aggregate.aggregate` on the same scores (its shown cells decide
        which mentee ratings may enter a table).
    by : sequence of str
        Roster columns to tabulate by (``department``, ``cohort``, ``trained``...); each is a
        partition of the program total.
    roster : DataFrame, optional
        Defaults to the roster fields stored in ``profiles.mentors``.
    roles : sequence of str
    min_raters : int, optional
        Smallest publishable cell (default: the profiles' ``min_raters``; never lower).

    Returns
    -------
    ProgramSummary
    """
    if not isinstance(scores, Scores) or not isinstance(profiles, Profiles):
        raise DataError("program_summary needs a Scores and the Profiles aggregated from it")
    floor = profiles.settings.min_raters
    min_n = floor if min_raters is None else min_raters
    if isinstance(min_n, bool) or not isinstance(min_n, (int, np.integer)) or min_n < floor:
        raise ConfigError(f"min_raters must be a whole number >= {floor} (the profiles' threshold); got {min_n!r}")
    by = tuple(by)
    groups = _groups(profiles, roster, by)
    comps = list(scores.score_columns)
    shown = profiles.competencies.loc[~profiles.competencies["suppressed"], ["mentor_id", "wave", "competency"]]
    shown_keys = set(map(tuple, shown.to_numpy()))
    rows = []
    for role in roles:
        for wave in scores.waves:
            sel = scores.scores[(scores.scores["rater_role"] == role) & (scores.scores["wave"] == wave)]
            if sel.empty:
                continue
            for comp in comps:
                d = sel[["mentor_id", comp]].dropna()
                if role != "self":
                    keep = [(m, wave, comp) in shown_keys for m in d["mentor_id"]]
                    d = d[np.array(keep, dtype=bool)]
                rows.extend(_table(d, comp, groups, by, role, wave, min_n))
    cols = ["by", "group", "wave", "rater_role", "competency", "n", "n_mentors", "mean", "sd", "suppressed",
            "suppressed_reason"]
    table = pd.DataFrame(rows, columns=cols)
    table["n"] = table["n"].astype("Int64")
    table["n_mentors"] = table["n_mentors"].astype("Int64")
    notes = ("mentee ratings enter only where the mentor's profile value is shown",
             f"cells below {min_n} ratings hidden (primary); further cells hidden so that none can be recovered "
             "by subtraction (secondary)")
    return ProgramSummary(table=table, by=by, min_raters=int(min_n), notes=notes)


def _table(d: pd.DataFrame, comp: str, groups: pd.DataFrame, by: tuple[str, ...], role: str, wave: str,
           min_n: int) -> list[dict]:
    mentors = d["mentor_id"].to_numpy()
    cells = [(ALL, ALL, np.ones(len(d), dtype=bool), -1)]
    for p, b in enumerate(by):
        labels = groups[b].reindex(mentors).fillna(UNKNOWN).to_numpy() if len(d) else np.array([], dtype=object)
        values = sorted(set(groups[b]) | set(labels))
        for v in values:
            cells.append((b, v, labels == v, p))
    members = np.vstack([c[2] for c in cells]) if len(d) else np.zeros((len(cells), 0), dtype=bool)
    status = protect_cells(members, [c[3] for c in cells], min_n)
    vals = d[comp].to_numpy(float)
    out = []
    for (b, g, mask, _), st in zip(cells, status):
        row = {"by": b, "group": g, "wave": wave, "rater_role": role, "competency": comp, "n": None,
               "n_mentors": None, "mean": np.nan, "sd": np.nan, "suppressed": st not in (SHOWN, EMPTY),
               "suppressed_reason": None if st in (SHOWN, EMPTY) else st}
        if st == EMPTY:
            row.update(n=0, n_mentors=0)
        elif st == SHOWN:  # values are computed only for shown cells
            v = vals[mask]
            row.update(n=int(mask.sum()), n_mentors=int(len(set(mentors[mask]))), mean=float(v.mean()),
                       sd=float(v.std(ddof=1)) if len(v) > 1 else np.nan)
        out.append(row)
    return out


def training_needs(profiles: Profiles, *, top: int = 5, wave: str | None = None) -> TrainingNeeds:
    """Competencies and items with the lowest program mentee means and the largest mean gaps.

    Means come from ``profiles.program`` (mentor-level means of shown profiles, at least
    ``min_raters`` mentors); gaps are the mean over mentors of ``self - mentee mean`` where shown.

    Examples
    --------
    >>> from mentorassess.sample import generate
    >>> from mentorassess.scoring import score
    >>> from mentorassess.aggregate import aggregate
    >>> prof = aggregate(score(generate(seed=4, n_mentors=20).responses, "mca-26"))
    >>> sorted(set(training_needs(prof, top=3).to_frame()["kind"]))
    ['largest_gap', 'lowest_mentee_mean']
    """
    if not isinstance(top, (int, np.integer)) or top < 1:
        raise ConfigError(f"top must be a whole number >= 1; got {top!r}")
    min_n = profiles.settings.min_raters
    waves = [wave] if wave is not None else list(profiles.settings.waves)
    rows = []
    p = profiles.program
    p = p[(p["rater_role"] == "mentee") & p["mean"].notna()]
    for w in waves:
        for level in ("competency", "item"):
            sub = p[(p["wave"] == w) & (p["level"] == level)]
            if level == "competency":
                sub = sub[sub["competency"] != "overall"] if sub["competency"].nunique() > 1 else sub
            sub = sub.sort_values(["mean", "competency", "item"], kind="stable").head(top)
            for r, (_, x) in enumerate(sub.iterrows(), start=1):
                rows.append((w, "lowest_mentee_mean", r, level, x["competency"], x["item"], x["mean"], x["n_mentors"]))
            tab = profiles.competencies if level == "competency" else profiles.items
            key = "competency" if level == "competency" else "item"
            g = tab[(tab["wave"] == w) & tab["gap"].notna()]
            if level == "competency" and g["competency"].nunique() > 1:
                g = g[g["competency"] != "overall"]
            agg = g.groupby(key).agg(value=("gap", "mean"), n_mentors=("gap", "size")).reset_index()
            agg = agg[agg["n_mentors"] >= min_n].sort_values(["value", key], ascending=[False, True],
                                                              kind="stable").head(top)
            owner = tab.drop_duplicates(key).set_index(key)["competency"] if level == "item" else None
            for r, (_, x) in enumerate(agg.iterrows(), start=1):
                comp = x[key] if level == "competency" else owner[x[key]]
                rows.append((w, "largest_gap", r, level, comp, None if level == "competency" else x[key],
                             x["value"], x["n_mentors"]))
    table = pd.DataFrame(rows, columns=["wave", "kind", "rank", "level", "competency", "item", "value", "n_mentors"])
    return TrainingNeeds(table=table, top=int(top))
