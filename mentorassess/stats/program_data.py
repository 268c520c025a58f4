"""Everything the program summary and the staff workbook show, gathered from the API in one call.

:func:`program_tables` calls, once each: :func:`mentorassess.program_tables.participation`,
``program_profile``, ``mentor_distribution``, ``share_below``;
:func:`mentorassess.program.program_summary` (subgroups with primary and secondary suppression,
decided there) and :func:`mentorassess.program.training_needs`; and :func:`program_change`
(pre/post change over mentors released in both waves, the mentor as the unit, plus the two numbers
a director reads: Phi(d_z), the chance that a mentor improved under a normal model, and the
observed share of mentors who improved); and, for mentees' ratings,
:func:`mentorassess.stats.precision.released.multilevel_change` (``score ~ wave + (1|mentor)`` with
Satterthwaite df over the same mentors, from their released means, n and SDs). Everything is computed from the released
:class:`~mentorassess.aggregate.Profiles`, never from responses. Reports only format the result.

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> from mentorassess.aggregate import aggregate
>>> prog = generate(seed=3, n_mentors=20)
>>> t = program_tables(aggregate(score(prog.responses, "mca-26"), roster=prog.roster))
>>> [c.role for c in t.changes]
['self', 'mentee']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from mentorassess.aggregate import Profiles
from mentorassess.errors import MentorAssessError
from mentorassess.program import ProgramSummary, TrainingNeeds, program_summary, training_needs
from mentorassess.program_tables import (Participation, mentor_distribution, participation, program_profile,
                                         share_below)
from mentorassess.stats.change import ChangeResult, paired_change
from mentorassess.stats.precision.released import MultilevelChange, multilevel_change

__all__ = ["ProgramChange", "ProgramTables", "TrainedChange", "program_change", "program_tables", "trained_change",
           "program_gaps"]


@dataclass(frozen=True)
class ProgramChange:
    """Program-level pre/post change for one role, with the director's two extra numbers.

    ``table``: the rows of :class:`~mentorassess.stats.change.ChangeResult` (``competency, n,
    mean_pre, mean_post, mean_diff, ci_low, ci_high, d_z, g_z`` ...) plus ``phi_dz`` (Phi(d_z))
    and, per competency, ``mentors_compared`` and ``share_improved`` (share of mentors whose own
    change is positive: self score for the self form; mentee mean, where shown with at least
    ``min_raters`` pairs, for the mentee form).
    """

    result: ChangeResult = field(repr=False)
    table: pd.DataFrame = field(repr=False)

    @property
    def role(self) -> str:
        return self.result.role

    @property
    def pre(self) -> str:
        return self.result.pre

    @property
    def post(self) -> str:
        return self.result.post

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out.insert(0, "role", self.role)
        out.insert(1, "pre", self.pre)
        out.insert(2, "post", self.post)
        out.insert(3, "pairing", self.result.pairing)
        return out


def program_change(profiles: Profiles, *, pre: str, post: str, role: str, level: float = 0.95,
                   min_mentors: int = 3) -> ProgramChange:
    """Program pre/post change with the mentor as the unit (release rule R9).

    Per competency, the pairs are the mentors whose value is released in **both** waves (mentee:
    released mentee mean; self: self score); their paired change (``paired_change``) with its
    t interval over mentors, Phi(d_z) and the observed share of mentors who improved. Suppressed
    mentors' ratings never enter. Fewer than ``min_mentors`` pairs: the row is withheld.
    ``n_pre``/``n_post`` are the mentors released in each wave.
    """
    comp = profiles.competencies
    col = "mentee_mean" if role == "mentee" else "self_score"
    vals = comp.loc[comp[col].notna(), ["mentor_id", "wave", "competency", col]]
    rows = []
    for cid in profiles.competency_ids:
        v = vals[vals["competency"] == cid]
        a = v[v["wave"] == pre].set_index("mentor_id")[col]
        b = v[v["wave"] == post].set_index("mentor_id")[col]
        both = a.index.intersection(b.index).sort_values()
        row = {"competency": cid, "n_pre": int(len(a)), "n_post": int(len(b)), "mentors_compared": int(len(both))}
        if len(both) >= min_mentors:
            x, y = a.reindex(both).to_numpy(float), b.reindex(both).to_numpy(float)
            res = paired_change(x, y, level=level)
            res.pop("n_pre", None), res.pop("n_post", None)
            row.update(res)
            row["share_improved"] = float(((y - x) > 0).mean())
            row["suppressed"] = False
        else:
            row.update(method="paired", n=int(len(both)), suppressed=True)
        rows.append(row)
    t = pd.DataFrame(rows)
    for c in ("mean_pre", "mean_post", "mean_diff", "ci_low", "ci_high", "d_z", "g_z", "share_improved", "sd_diff",
              "t", "df", "p"):
        if c not in t.columns:
            t[c] = np.nan
    dz = t["d_z"].astype(float)
    t["phi_dz"] = np.where(np.isfinite(dz), stats.norm.cdf(dz), np.nan)
    lead = ["competency", "method", "n", "n_pre", "n_post", "mean_pre", "mean_post", "mean_diff", "sd_diff", "t",
            "df", "p", "ci_low", "ci_high"]
    t = t[[c for c in lead if c in t.columns] + [c for c in t.columns if c not in lead]]
    res = ChangeResult(table=t, pre=pre, post=post, role=role, pairing="mentor_id", method="paired", level=level,
                       notes=("the mentor is the unit: mentors released in both waves",))
    return ProgramChange(result=res, table=t)


def _truthy(v: Any) -> bool | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    t = str(v).strip().casefold()
    return True if t in {"yes", "true", "1", "y"} else False if t in {"no", "false", "0", "n"} else None


@dataclass(frozen=True)
class TrainedChange:
    """Trained vs untrained mentors' change: a difference in differences over mentors.

    ``table`` columns per competency: ``n_trained, n_untrained`` (mentors released in both waves in
    each group), ``change_trained, change_untrained`` (mean of the mentors' own changes),
    ``did`` (trained minus untrained), ``se, df`` (Welch), ``ci_low, ci_high`` and ``suppressed``
    (True, with every value empty, when either group has fewer than ``min_mentors`` mentors).
    Observational: mentors chose or were chosen for training, so the difference is not its effect.
    """

    role: str
    pre: str
    post: str
    level: float
    min_mentors: int
    table: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out.insert(0, "role", self.role)
        out.insert(1, "pre", self.pre)
        out.insert(2, "post", self.post)
        return out


def trained_change(profiles: Profiles, *, pre: str, post: str, role: str = "mentee", level: float = 0.95,
                   min_mentors: int = 3) -> TrainedChange:
    """Difference in differences of trained and untrained mentors' change, the mentor as the unit.

    Each mentor released in both waves contributes their own change (post minus pre of the released
    mentee mean, or of the self score); the two groups (``trained`` in the roster) are compared with
    Welch's t interval. Only released values enter; a competency where either group has fewer than
    ``min_mentors`` mentors is withheld (all values empty).

    Examples
    --------
    >>> from mentorassess.sample import generate
    >>> from mentorassess.scoring import score
    >>> from mentorassess.aggregate import aggregate
    >>> g = generate(seed=3, n_mentors=40)
    >>> d = trained_change(aggregate(score(g.responses, "mca-26"), roster=g.roster), pre="pre", post="post",
    ...                    role="self")
    >>> r = d.table.iloc[-1]
    >>> bool(r["ci_low"] < r["did"] < r["ci_high"])
    True
    """
    comp = profiles.competencies
    col = "mentee_mean" if role == "mentee" else "self_score"
    vals = comp.loc[comp[col].notna(), ["mentor_id", "wave", "competency", col]]
    trained = (profiles.mentors.drop_duplicates("mentor_id").set_index("mentor_id")["trained"].map(_truthy)
               if "trained" in profiles.mentors.columns else pd.Series(dtype=object))
    rows = []
    for cid in profiles.competency_ids:
        v = vals[vals["competency"] == cid]
        a = v[v["wave"] == pre].set_index("mentor_id")[col]
        b = v[v["wave"] == post].set_index("mentor_id")[col]
        both = a.index.intersection(b.index)
        d = (b.reindex(both) - a.reindex(both)).astype(float)
        grp = trained.reindex(both)
        dt_, du = d[grp.eq(True).to_numpy()].to_numpy(), d[grp.eq(False).to_numpy()].to_numpy()
        row: dict[str, Any] = {"competency": cid, "n_trained": int(len(dt_)), "n_untrained": int(len(du))}
        if len(dt_) >= min_mentors and len(du) >= min_mentors:
            vt, vu = dt_.var(ddof=1) / len(dt_), du.var(ddof=1) / len(du)
            se = float(np.sqrt(vt + vu))
            df = (vt + vu) ** 2 / (vt ** 2 / (len(dt_) - 1) + vu ** 2 / (len(du) - 1)) if se > 0 else np.nan
            did = float(dt_.mean() - du.mean())
            q = stats.t.ppf(0.5 + level / 2, df) if np.isfinite(df) else np.nan
            row.update(change_trained=float(dt_.mean()), change_untrained=float(du.mean()), did=did, se=se,
                       df=float(df), ci_low=did - q * se, ci_high=did + q * se, suppressed=False)
        else:
            row.update(change_trained=np.nan, change_untrained=np.nan, did=np.nan, se=np.nan, df=np.nan,
                       ci_low=np.nan, ci_high=np.nan, suppressed=True)
        rows.append(row)
    cols = ["competency", "n_trained", "n_untrained", "change_trained", "change_untrained", "did", "se", "df",
            "ci_low", "ci_high", "suppressed"]
    return TrainedChange(role=role, pre=pre, post=post, level=level, min_mentors=min_mentors,
                         table=pd.DataFrame(rows, columns=cols))


def program_gaps(profiles: Profiles, *, level: float = 0.95, min_mentors: int = 3) -> pd.DataFrame:
    """Self-minus-mentee gap per wave and competency, over mentors with both values released.

    Columns ``wave, competency, n_mentors, mean, ci_low, ci_high`` (t interval over mentors); a
    cell with fewer than ``min_mentors`` mentors is empty.
    """
    comp = profiles.competencies
    g = comp[comp["gap"].notna() & comp["mentee_mean"].notna() & comp["self_score"].notna()]
    rows = []
    for w in profiles.settings.waves:
        for cid in profiles.competency_ids:
            x = g.loc[(g["wave"] == w) & (g["competency"] == cid), "gap"].to_numpy(float)
            n = len(x)
            if n >= min_mentors:
                m, se = float(x.mean()), float(x.std(ddof=1) / np.sqrt(n))
                q = stats.t.ppf(0.5 + level / 2, n - 1)
                rows.append({"wave": w, "competency": cid, "n_mentors": n, "mean": m, "ci_low": m - q * se,
                             "ci_high": m + q * se})
            else:
                rows.append({"wave": w, "competency": cid, "n_mentors": np.nan, "mean": np.nan, "ci_low": np.nan,
                             "ci_high": np.nan})
    return pd.DataFrame(rows, columns=["wave", "competency", "n_mentors", "mean", "ci_low", "ci_high"])


@dataclass(frozen=True)
class ProgramTables:
    """All figures of the program summary and the staff workbook (build with :func:`program_tables`)."""

    participation: Participation
    profile: pd.DataFrame = field(repr=False)
    distribution: pd.DataFrame = field(repr=False)
    share_below: pd.DataFrame = field(repr=False)
    training_needs: TrainingNeeds | None = None
    subgroups: ProgramSummary | None = None
    changes: tuple[ProgramChange, ...] = ()
    level: float = 5.0
    needs_wave: str | None = None
    notes: tuple[str, ...] = ()
    trained: tuple[TrainedChange, ...] = ()
    gaps: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    min_mentors: int = 3
    #: Mentees' ratings, ``score ~ wave + (1|mentor)`` per competency (issue 21; empty with one wave).
    multilevel: tuple[MultilevelChange, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The subgroup cells (tidy; empty without a roster)."""
        return self.subgroups.to_frame() if self.subgroups is not None else pd.DataFrame()


def program_tables(profiles: Profiles, *, import_reports: Sequence[Any] | None = None,
                   roster: pd.DataFrame | None = None, subgroups: Sequence[str] = ("department", "cohort", "trained"),
                   level: float = 5.0, pre: str | None = None, post: str | None = None,
                   min_mentors: int = 3, max_mentor_share: float = 0.5) -> ProgramTables:
    """Gather participation, profile, spread, needs, change and subgroups.

    ``pre``/``post`` default to the first and last wave (no change with one wave). Subgroup
    variables absent from the roster are skipped; a part that cannot be computed (too few data)
    is left out with a note rather than failing the whole report.
    """
    waves = profiles.settings.waves
    notes: list[str] = []
    last = waves[-1] if waves else None
    src = roster if roster is not None else profiles.mentors.drop_duplicates("mentor_id")
    by = tuple(b for b in subgroups if b in src.columns and src[b].notna().any())
    subs = program_summary(profiles, by=by, roster=roster, min_mentors=min_mentors,
                           max_mentor_share=max_mentor_share) if by else None
    pre = pre or (waves[0] if len(waves) > 1 else None)
    post = post or (waves[-1] if len(waves) > 1 else None)
    changes, trained = [], []
    if pre and post:
        for role in ("self", "mentee"):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    changes.append(program_change(profiles, pre=pre, post=post, role=role, min_mentors=min_mentors))
                    if "trained" in by:
                        trained.append(trained_change(profiles, pre=pre, post=post, role=role,
                                                      min_mentors=min_mentors))
            except MentorAssessError as exc:
                notes.append(f"change for the {role} form not computed: {str(exc).splitlines()[0]}")
    multilevel = _multilevel(profiles, pre, post, min_mentors, max_mentor_share, notes) if pre and post else ()
    return ProgramTables(participation=participation(profiles, import_reports),
                         profile=program_profile(profiles), distribution=mentor_distribution(profiles),
                         share_below=share_below(profiles, last, level=level),
                         training_needs=training_needs(profiles, wave=last, top=max(5, len(profiles.competency_ids) - 1))
                         if last else None,
                         subgroups=subs, changes=tuple(changes), level=float(level), needs_wave=last,
                         notes=tuple(notes), trained=tuple(trained),
                         gaps=program_gaps(profiles, min_mentors=min_mentors), min_mentors=int(min_mentors),
                         multilevel=multilevel)


def _multilevel(profiles: Profiles, pre: str, post: str, min_mentors: int, max_mentor_share: float,
                notes: list[str]) -> tuple[MultilevelChange, ...]:
    """The mentee form's multilevel change (kept apart from :func:`program_change`; a note on failure)."""
    try:
        return (multilevel_change(profiles, pre=pre, post=post, min_mentors=min_mentors,
                                  max_mentor_share=max_mentor_share),)
    except MentorAssessError as exc:
        notes.append(f"multilevel change not computed: {str(exc).splitlines()[0]}")
        return ()
