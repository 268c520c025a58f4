"""Program-level tables: subgroup summaries with the mentor as the unit, training needs.

:func:`program_summary` tabulates released mentor-level values (mentee means of released mentor
profiles; self scores) by department, cohort, training status (any roster column) per wave and
rater role, with the program total. Rules (docs/threat-model.md, R8-R9):

- **Only released values enter**, and a mentor enters a (role, wave) table only with every
  competency released, so one suppression pattern serves all competencies.
- **Primary**: a cell needs ``min_mentors`` mentors on the roster (public, so a hidden cell says
  nothing about who responded) and among its released values, ``min_raters`` raters, and no mentor
  supplying more than ``max_mentor_share`` of its ratings.
- **Secondary** (:func:`mentorassess.suppression.protect_cells`): more cells are hidden until no
  hidden cell can be recovered from the total or its siblings by subtraction.
- A hidden cell carries no n, mean or SD and reads the same whatever the reason.

:func:`training_needs` lists the competencies and items with the lowest program mentee means and
the largest mean self-minus-mentee gaps.

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> from mentorassess.aggregate import aggregate
>>> prog = generate(seed=4, n_mentors=20)
>>> prof = aggregate(score(prog.responses, "mca-26"), roster=prog.roster)
>>> tab = program_summary(prof, by=("department", "cohort")).to_frame()
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
from mentorassess.suppression import SHOWN, protect_cells

__all__ = ["ProgramSummary", "TrainingNeeds", "program_summary", "training_needs", "ALL"]

ALL = "(all)"
UNKNOWN = "(unknown)"


@dataclass(frozen=True)
class ProgramSummary:
    """Subgroup tables (build with :func:`program_summary`).

    ``table`` columns: ``by`` (roster column, ``(all)`` for the total), ``group``, ``wave``,
    ``rater_role``, ``competency``, ``n_mentors``, ``n_raters``, ``mean`` (of mentor values), ``sd``,
    ``suppressed`` (no reason is released).
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


def _units(profiles: Profiles, role: str, wave: str, comps: list[str]) -> pd.DataFrame:
    """Released mentor-level values of one role and wave: one row per mentor, a column per competency.

    A mentor enters only when every competency (and the overall score) of the wave is released for
    him, so that all competencies of a table share one membership and one suppression pattern.
    Mentee rows carry ``raters`` (the report's distinct raters); self rows one rater each.
    """
    c = profiles.competencies
    c = c[c["wave"] == wave]
    col = "mentee_mean" if role == "mentee" else "self_score"
    wide = c.pivot_table(index="mentor_id", columns="competency", values=col, aggfunc="first")
    wide = wide.reindex(columns=comps).dropna(how="any")
    m = profiles.mentors[profiles.mentors["wave"] == wave].set_index("mentor_id")
    raters = m["mentee_n"].reindex(wide.index).astype(float) if role == "mentee" else pd.Series(1.0, wide.index)
    wide["raters"] = raters.to_numpy()
    return wide[wide["raters"].notna()]


def program_summary(profiles: Profiles, *, by: Sequence[str] = ("department",),
                    roster: pd.DataFrame | None = None, roles: Sequence[str] = ("mentee", "self"),
                    min_mentors: int = 3, max_mentor_share: float = 0.5) -> ProgramSummary:
    """Competency means by subgroup, the mentor as the unit, with primary and secondary suppression.

    Parameters
    ----------
    profiles : Profiles
        Released mentor profiles (:func:`~mentorassess.aggregate.aggregate`): only released
        mentor-level values enter a table.
    by : sequence of str
        Roster columns to tabulate by (``department``, ``cohort``, ``trained``...); each is a
        partition of the program total.
    roster : DataFrame, optional
        Defaults to the roster fields stored in ``profiles.mentors``.
    roles : sequence of str
    min_mentors : int
        Distinct mentors a cell needs, both on the roster (public) and among released values.
    max_mentor_share : float
        No mentor may supply more than this share of a cell's ratings.

    Returns
    -------
    ProgramSummary
        A cell's mean is the mean of its mentors' values; ``n_mentors`` and ``n_raters`` are
        shown only with the cell. Hidden cells carry nothing, whatever the reason.
    """
    if not isinstance(profiles, Profiles):
        raise DataError("program_summary needs the Profiles of a release (mentorassess.aggregate.aggregate)")
    if isinstance(min_mentors, bool) or not isinstance(min_mentors, (int, np.integer)) or min_mentors < 3:
        raise ConfigError(f"min_mentors must be a whole number >= 3; got {min_mentors!r}")
    k = profiles.settings.min_raters
    by = tuple(by)
    groups = _groups(profiles, roster, by)
    comps = list(profiles.competency_ids)
    rows = []
    for role in roles:
        for wave in profiles.settings.waves:
            units = _units(profiles, role, wave, comps)
            if units.empty:
                continue
            rows.extend(_table(units, comps, groups, by, role, wave, k, int(min_mentors), float(max_mentor_share)))
    cols = ["by", "group", "wave", "rater_role", "competency", "n_mentors", "n_raters", "mean", "sd", "suppressed"]
    table = pd.DataFrame(rows, columns=cols)
    table["n_mentors"] = table["n_mentors"].astype("Int64")
    table["n_raters"] = table["n_raters"].astype("Int64")
    notes = ("the mentor is the unit: a cell's mean is the mean of its mentors' released values",
             f"a cell needs {min_mentors} mentors on the roster and among released values, {k} raters, and no "
             f"mentor supplying more than {max_mentor_share:.0%} of its ratings; further cells are hidden so that "
             "no hidden cell can be recovered by subtraction")
    return ProgramSummary(table=table, by=by, min_raters=int(k), notes=notes)


def _table(units: pd.DataFrame, comps: list[str], groups: pd.DataFrame, by: tuple[str, ...], role: str,
           wave: str, k: int, min_mentors: int, max_share: float) -> list[dict]:
    mentors = units.index.to_numpy()
    raters = units["raters"].to_numpy(float)
    cells = [(ALL, ALL, np.ones(len(units), dtype=bool), -1, len(groups))]
    for p, b in enumerate(by):
        labels = groups[b].reindex(mentors).fillna(UNKNOWN).to_numpy()
        roster_size = groups[b].value_counts()
        for v in sorted(set(groups[b]) | set(labels)):
            cells.append((b, v, labels == v, p, int(roster_size.get(v, 0))))
    members = np.vstack([c[2] for c in cells])
    primary = []
    for _, _, mask, _, public in cells:
        r = raters[mask]
        primary.append(public < min_mentors or r.sum() < k or (len(r) and r.max() > max_share * r.sum()))
    status = protect_cells(members, [c[3] for c in cells], min_mentors, primary=np.array(primary))
    status = _audit(units, comps, cells, status, k)
    out = []
    for (b, g, mask, _, _), st in zip(cells, status):
        for comp in comps:
            row = {"by": b, "group": g, "wave": wave, "rater_role": role, "competency": comp, "n_mentors": None,
                   "n_raters": None, "mean": np.nan, "sd": np.nan, "suppressed": st != SHOWN}
            if st == SHOWN:  # values are computed only for shown cells
                v = units.loc[mask, comp].to_numpy(float)
                row.update(n_mentors=int(mask.sum()), n_raters=int(raters[mask].sum()), mean=float(v.mean()),
                           sd=float(v.std(ddof=1)) if len(v) > 1 else np.nan)
            out.append(row)
    return out


def _audit(units: pd.DataFrame, comps: list[str], cells: list, status: np.ndarray, k: int) -> np.ndarray:
    """Bound-aware audit (release.audit, linear programming over the mentor values of every cell of
    the (role, wave) table set): hide further cells until no hidden cell and no mentor's value is
    bounded within one scale point, for an outsider or a mentor who knows his own value. One pattern
    serves every competency (their cells share members), so hidden cells are the union over them.
    """
    from mentorassess.release.audit import Cell, Unit, _suppress, _verdict

    ids = [f"c{i}" for i in range(len(cells))]
    mentors = units.index.astype(str).to_numpy()
    hidden = {ids[i] for i, st in enumerate(status) if st != SHOWN}
    live = [i for i, c in enumerate(cells) if c[2].any()]
    changed = True
    while changed:
        changed = False
        for comp in comps:
            vals = units[comp].to_numpy(float)
            members = [tuple(mentors[cells[i][2]]) for i in live]
            means = [None if ids[i] in hidden else float(np.round(vals[cells[i][2]].mean(), 9)) for i in live]
            cs = [Cell(ids[i], m, shown=ids[i] not in hidden, mean=mu) for i, m, mu in zip(live, members, means)]
            us = [Unit(m, float(v)) for m, v in zip(mentors, vals)]
            if _verdict(cs, us, twins=True).passes:   # the verdict of audit_tables(first_only=True), quicker
                continue
            # secondary_suppression without its final full audit (its passes is the same)
            res_hidden, _, _, res = _suppress(cs, us, [ids[i] for i in live if ids[i] in hidden], lo=1, hi=7,
                                              decimals=1, protection=1.0, insider=True, scope="cells",
                                              max_steps=None, bounds="decide", twins=True)
            new = set(res_hidden) - hidden
            if not res.passes:  # nothing left that could protect: withhold the whole table set
                new |= {ids[i] for i in live} - hidden
            if new:
                hidden |= new
                changed = True
    out = status.copy()
    for i in range(len(cells)):
        if ids[i] in hidden and out[i] == SHOWN:
            out[i] = "secondary"
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
