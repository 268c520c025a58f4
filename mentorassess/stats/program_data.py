"""Everything the program summary and the staff workbook show, gathered from the API in one call.

:func:`program_tables` calls, once each: :func:`mentorassess.program_tables.participation`,
``program_profile``, ``mentor_distribution``, ``share_below``;
:func:`mentorassess.program.program_summary` (subgroups with primary and secondary suppression,
decided there) and :func:`mentorassess.program.training_needs`; and :func:`program_change`
(pre/post change of :func:`mentorassess.stats.change.compare_waves` plus the two numbers a
director reads: Phi(d_z), the chance that a mentor improved under a normal model, and the
observed share of mentors who improved). Reports only format the result.

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> from mentorassess.aggregate import aggregate
>>> prog = generate(seed=3, n_mentors=20)
>>> sc = score(prog.responses, "mca-26")
>>> t = program_tables(sc, aggregate(sc, roster=prog.roster))
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
from mentorassess.scoring import Scores
from mentorassess.stats.change import ChangeResult, compare_waves

__all__ = ["ProgramChange", "ProgramTables", "program_change", "program_tables"]


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


def program_change(scores: Scores, *, pre: str, post: str, role: str, min_raters: int = 3,
                   level: float = 0.95) -> ProgramChange:
    """:func:`compare_waves` for the program, with Phi(d_z) and the observed share improved."""
    res = compare_waves(scores, pre=pre, post=post, role=role, min_raters=min_raters, level=level)
    per = compare_waves(scores, pre=pre, post=post, role=role, by_mentor=True, min_raters=min_raters, level=level)
    pm = per.table
    if "suppressed" in pm.columns:
        pm = pm[~pm["suppressed"].fillna(False).astype(bool)]
    pm = pm[pm["mean_diff"].notna()]
    share = pm.groupby("competency")["mean_diff"].agg(mentors_compared="size",
                                                      share_improved=lambda d: float((d > 0).mean()))
    t = res.table.merge(share.reset_index(), on="competency", how="left")
    dz = t["d_z"].astype(float) if "d_z" in t.columns else pd.Series(np.nan, index=t.index)
    t["phi_dz"] = np.where(np.isfinite(dz), stats.norm.cdf(dz), np.nan)
    t["mentors_compared"] = t["mentors_compared"].fillna(0).astype(int)
    return ProgramChange(result=res, table=t)


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

    def to_frame(self) -> pd.DataFrame:
        """The subgroup cells (tidy; empty without a roster)."""
        return self.subgroups.to_frame() if self.subgroups is not None else pd.DataFrame()


def program_tables(scores: Scores, profiles: Profiles, *, import_reports: Sequence[Any] | None = None,
                   roster: pd.DataFrame | None = None, subgroups: Sequence[str] = ("department", "cohort", "trained"),
                   level: float = 5.0, pre: str | None = None, post: str | None = None) -> ProgramTables:
    """Gather participation, profile, spread, needs, change and subgroups.

    ``pre``/``post`` default to the first and last wave (no change with one wave). Subgroup
    variables absent from the roster are skipped; a part that cannot be computed (too few data)
    is left out with a note rather than failing the whole report.
    """
    waves = profiles.settings.waves
    k = profiles.settings.min_raters
    notes: list[str] = []
    last = waves[-1] if waves else None
    src = roster if roster is not None else profiles.mentors.drop_duplicates("mentor_id")
    by = tuple(b for b in subgroups if b in src.columns and src[b].notna().any())
    subs = program_summary(scores, profiles, by=by, roster=roster) if by else None
    pre = pre or (waves[0] if len(waves) > 1 else None)
    post = post or (waves[-1] if len(waves) > 1 else None)
    changes = []
    if pre and post:
        for role in ("self", "mentee"):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    changes.append(program_change(scores, pre=pre, post=post, role=role, min_raters=k))
            except MentorAssessError as exc:
                notes.append(f"change for the {role} form not computed: {str(exc).splitlines()[0]}")
    return ProgramTables(participation=participation(scores, profiles, import_reports),
                         profile=program_profile(profiles), distribution=mentor_distribution(profiles),
                         share_below=share_below(profiles, last, level=level),
                         training_needs=training_needs(profiles, wave=last, top=max(5, len(profiles.competency_ids) - 1))
                         if last else None,
                         subgroups=subs, changes=tuple(changes), level=float(level), needs_wave=last,
                         notes=tuple(notes))
