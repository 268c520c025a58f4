"""Program-level figures the lower layers do not provide, for the program summary and workbook.

Small pure functions over :class:`~mentorassess.aggregate.Profiles` and
:class:`~mentorassess.scoring.Scores`, computed only from mentor-level values the profiles
already released (shown mentee means of mentors at or above ``min_raters``; self scores):

* :func:`participation`: responses, mentors and raters per wave and form, mentors reaching
  ``min_raters``, and the import audits as tables.
* :func:`roster_participation`: per form and wave, mentors invited (the roster), responded and
  released, and the response rate, the mentor being the unit throughout.
* :func:`program_profile`: program mean of mentor-level values per wave, role and competency
  with a 95% t interval (the program profile chart).
* :func:`mentor_distribution`: unnamed mentor-level mentee means (the strip plot).
* :func:`share_below`: share of eligible mentors below a stated level per competency.

Subgroup tables with suppression and training needs live in :mod:`mentorassess.program`; pre/post
change in :mod:`mentorassess.stats.change`.

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> from mentorassess.aggregate import aggregate
>>> prof = aggregate(score(generate(seed=3, n_mentors=24).responses, "mca-26"))
>>> p = program_profile(prof)
>>> bool((p.dropna()["ci_low"] <= p.dropna()["mean"]).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from mentorassess.aggregate import Profiles
from mentorassess.errors import DataError

__all__ = ["Participation", "participation", "roster_participation", "share_below", "program_profile", "mentor_distribution"]


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


def participation(profiles: Profiles, import_reports: Sequence[Any] | None = None) -> Participation:
    """Eligible responses, mentors and distinct raters per wave and form; released reports.

    ``mentors_at_min``: mentee form, mentors whose mentee results are released in the wave; self
    form, mentors who rated themselves. Counts come from the release (eligible responses only).
    """
    k = profiles.settings.min_raters
    order = {w: i for i, w in enumerate(profiles.settings.waves)}
    tab = profiles.counts.copy()
    if tab.empty:
        tab = pd.DataFrame(columns=["wave", "rater_role", "responses", "mentors", "raters"])
    m = profiles.mentors
    released = (~m["suppressed"].astype(bool)).groupby(m["wave"]).sum()
    selfs = m["self_present"].astype(bool).groupby(m["wave"]).sum()
    tab["mentors_at_min"] = [int(released.get(w, 0)) if r == "mentee" else int(selfs.get(w, 0))
                             for w, r in zip(tab["wave"], tab["rater_role"])]
    tab = tab.sort_values(["wave", "rater_role"], key=lambda c: c.map(order) if c.name == "wave" else
                          c.map({"self": 0, "mentee": 1}).fillna(2), kind="stable").reset_index(drop=True)
    imp, ex = _imports_frame(import_reports)
    return Participation(table=tab, imports=imp, exclusions=ex, min_raters=k,
                         n_mentors=int(profiles.mentors["mentor_id"].nunique()))


# --- share below a level (training needs) ----------------------------------------------------------------
def roster_participation(profiles: Profiles) -> pd.DataFrame:
    """Mentors per form and wave against the roster: invited, responded, released, response rate.

    ``invited`` counts the mentors of the roster (every mentor the profiles know in the wave: the
    roster plus any mentor rated without being on it); ``responded`` those with at least one
    response on the form; ``released`` those whose figures the reports show (self: the
    self-assessment; mentee: at least ``min_raters`` mentee responses, release rules met).
    ``responses`` is the number of responses on the form.

    >>> from mentorassess.sample import generate
    >>> from mentorassess.scoring import score
    >>> from mentorassess.aggregate import aggregate
    >>> gen = generate(seed=3, n_mentors=12)
    >>> t = roster_participation(aggregate(score(gen.responses, "mca-26"), roster=gen.roster))
    >>> bool((t["invited"] >= t["responded"]).all() and (t["responded"] >= t["released"]).all())
    True
    """
    m = profiles.mentors
    counts = profiles.counts
    rows = []
    for wave in profiles.settings.waves:
        mw = m[m["wave"] == wave]
        invited = int(mw["mentor_id"].nunique())
        for form in ("self", "mentee"):
            c = counts[(counts["wave"] == wave) & (counts["rater_role"] == form)]
            responded = int(c["mentors"].sum()) if len(c) else 0
            responses = int(c["responses"].sum()) if len(c) else 0
            if form == "self":
                released = int(mw["self_present"].fillna(False).astype(bool).sum())
            else:
                released = int((~mw["suppressed"].astype(bool) & mw["mentee_n"].notna()).sum())
            rows.append({"wave": wave, "form": form, "invited": invited, "responded": responded,
                         "released": released, "response_rate": responded / invited if invited else np.nan,
                         "responses": responses})
    return pd.DataFrame(rows, columns=["wave", "form", "invited", "responded", "released", "response_rate",
                                       "responses"])


def share_below(profiles: Profiles, wave: str | None = None, *, level: float = 5.0) -> pd.DataFrame:
    """Per competency: eligible mentors and the share whose mentee mean is below ``level``.

    Complements :func:`mentorassess.program.training_needs` (lowest means, largest gaps). Columns
    ``wave, competency, n_mentors, share_below, level``; only competencies with at least
    ``min_raters`` eligible mentors.

    >>> from mentorassess.sample import generate
    >>> from mentorassess.scoring import score
    >>> from mentorassess.aggregate import aggregate
    >>> prof = aggregate(score(generate(seed=3, n_mentors=20).responses, "mca-26"))
    >>> bool(share_below(prof)["share_below"].between(0, 1).all())
    True
    """
    k = profiles.settings.min_raters
    wave = wave or profiles.settings.waves[-1]
    vals = _mentor_values(profiles, "mentee")
    vals = vals[vals["wave"] == wave]
    rows = []
    for cid in profiles.competency_ids:
        v = vals.loc[vals["competency"] == cid, "value"]
        if len(v) >= k:
            rows.append({"wave": wave, "competency": cid, "n_mentors": int(len(v)),
                         "share_below": float((v < level).mean()), "level": float(level)})
    return pd.DataFrame(rows, columns=["wave", "competency", "n_mentors", "share_below", "level"])


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


def mentor_distribution(profiles: Profiles) -> pd.DataFrame:
    """Unnamed mentor-level mentee means per wave and competency (eligible mentors only).

    Columns ``wave, competency, value``, sorted by value: no mentor id, so the frame can be drawn
    as a strip plot without identifying anyone.
    """
    v = _mentor_values(profiles, "mentee")[["wave", "competency", "value"]]
    order = {w: i for i, w in enumerate(profiles.settings.waves)}
    return v.sort_values(["wave", "competency", "value"], key=lambda c: c.map(order) if c.name == "wave" else c,
                         kind="stable").reset_index(drop=True)
